"""Accessibility audit of any HTML file with axe-core, the engine of the browsers' own audits.

axe-core comes from npm (``package.json`` and ``package-lock.json`` pin it; ``make browser`` runs ``npm ci``),
so nothing is downloaded while a test runs: the script is read from ``node_modules`` and injected into the
page opened offline. Used for the kommune report (with its brief), the index and the research page.
"""

from __future__ import annotations

from pathlib import Path

from offline_page import open_offline

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"

# every rule axe runs by default (WCAG 2.0-2.2 A/AA and best practices); a violation lists up to 5 nodes
_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
}"""


def audit(browser, html: str | Path, width: int, height: int = 900) -> list[dict]:
    """axe-core's violations on ``html`` at a ``width`` x ``height`` viewport: ``[{id, impact, help, nodes}]``.

    The page is opened offline (:func:`offline_page.open_offline`); an empty list means no violation.
    """
    context, page, _ = open_offline(browser, Path(html), width, height)
    try:
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        return page.evaluate(_RUN)
    finally:
        context.close()
