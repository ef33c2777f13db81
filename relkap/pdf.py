"""Print-ready PDFs of exported reports, rendered by a real browser engine (headless Chromium).

One browser serves every report of a batch (starting Chromium costs about a second; a page about a
tenth of that), and each PDF is written atomically beside its HTML. The page is laid out with the
report's own print stylesheet (``@media print``) on A4, so the PDF is what a reader gets from "Print"
in their browser.

Chromium is Debian's (``/usr/bin/chromium``, installed by ``make browser``; ``RELKAP_CHROMIUM`` names
another binary), driven by Playwright for Python, which downloads nothing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

from .errors import RelkapError
from .files import atomic_write

__all__ = ["CHROMIUM_ARGS", "chromium_path", "browser", "html_to_pdf", "print_page", "print_pdf"]

# Headless, and no background connections: a closed network refuses them, many at a time.
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync")


def chromium_path() -> Path:
    """The Chromium binary: ``$RELKAP_CHROMIUM``, else ``chromium`` on the PATH; a clear error if neither."""
    named = os.environ.get("RELKAP_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not named or not Path(named).exists():
        raise RelkapError("PDF export needs Chromium: run `make browser` (installs Debian's chromium) or set "
                          "RELKAP_CHROMIUM to a Chromium binary")
    return Path(named)


@contextmanager
def browser():
    """A headless Chromium for the duration of a ``with`` block (Playwright ``Browser``)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - playwright is a dependency
        raise RelkapError("PDF export needs the Python package playwright (pip install playwright)") from exc
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(chromium_path()), args=list(CHROMIUM_ARGS))
        try:
            yield b
        finally:
            b.close()


_browser = browser  # html_to_pdf's parameter of that name shadows the function


def html_to_pdf(pairs: Iterable[tuple[str | os.PathLike, str | os.PathLike]], timeout_s: float = 60,
                browser=None) -> list[Path]:
    """Render each ``(html, pdf)`` pair to an A4 PDF with the page's print stylesheet; one browser for all.

    Parameters
    ----------
    pairs : iterable of (html path, pdf path)
        The HTML files must be self-contained (the exported reports are: no network requests).
    timeout_s : float
        Time allowed to load one page.
    browser : playwright Browser, optional
        A browser already running (e.g. from :func:`browser`); by default one is started for these pairs.

    Returns
    -------
    list of Path
        The PDFs written, in the order given.
    """
    pairs = [(Path(h), Path(p)) for h, p in pairs]
    if not pairs:
        return []
    if browser is not None:
        return _render(browser, pairs, timeout_s)
    with _browser() as b:
        return _render(b, pairs, timeout_s)


def print_page(b):
    """A page of browser ``b`` set to print (``@media print``), to pass to :func:`print_pdf` for many files."""
    page = b.new_page()
    page.emulate_media(media="print")
    return page


def print_pdf(page, html: str | os.PathLike, pdf: str | os.PathLike, timeout_s: float = 60) -> Path:
    """Load ``html`` in ``page`` (from :func:`print_page`) and write it as an A4 PDF to ``pdf``, atomically."""
    page.goto(Path(html).resolve().as_uri(), wait_until="load", timeout=timeout_s * 1000)
    data = page.pdf(format="A4", print_background=True, prefer_css_page_size=True,
                    margin={"top": "15mm", "bottom": "15mm", "left": "14mm", "right": "14mm"})
    return atomic_write(Path(pdf), lambda tmp: Path(tmp).write_bytes(data))


def _render(b, pairs: list[tuple[Path, Path]], timeout_s: float) -> list[Path]:
    page = print_page(b)
    written = [print_pdf(page, html, pdf, timeout_s) for html, pdf in pairs]
    page.close()
    return written
