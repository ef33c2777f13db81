"""Browser-test helpers shared by test_browser.py and test_export.py: a page opened offline, and overflow."""

from __future__ import annotations

from pathlib import Path

# Elements wider than the viewport that are not inside a scroll box (.table-scroll) that itself fits.
OVERFLOW = """() => {
  const w = document.documentElement.clientWidth;
  const bad = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= w + 1) continue;
    let box = el.closest('.table-scroll');
    if (box && box !== el && box.getBoundingClientRect().right <= w + 1) continue;
    bad.push(el.tagName + '.' + el.className + ' ' + Math.round(r.right));
  }
  return {bad: bad.slice(0, 10), pageWidth: document.documentElement.scrollWidth, w};
}"""


def open_offline(browser, path: Path, width: int = 1100, height: int = 1400, media: str = "screen"):
    """Open a file:// page with every network request refused; return (context, page, problems).

    ``problems`` collects console errors and page errors under "console" and refused requests under
    "network".
    """
    context = browser.new_context(viewport={"width": width, "height": height}, offline=True)
    problems: dict[str, list[str]] = {"console": [], "network": []}

    def route(r):
        if r.request.url.startswith(("file:", "data:", "blob:")):
            r.continue_()
        else:
            problems["network"].append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: problems["console"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems["console"].append(str(e)))
    page.emulate_media(media=media)
    page.goto(Path(path).resolve().as_uri(), wait_until="load")
    return context, page, problems
