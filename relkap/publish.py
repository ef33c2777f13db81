"""What a report notebook displays, with the conventions :mod:`relkap.export` reads when it makes the HTML.

A notebook calls these (``from relkap import publish``): :func:`svg` (a figure written from the data, in the
page), :func:`figure` (a matplotlib figure as a PNG with its alt text), :func:`html` (an HTML fragment, e.g. a
heat map), :func:`captioned` (a table with its caption), :func:`contents` (the table of contents the exporter
fills) and :func:`title` (the report's heading, title and language). ``media`` ``"screen"`` or ``"print"`` shows
an output only there. This module is light on purpose: a report's kernel imports it, not the exporter (nbconvert
and its JSON-schema validation cost a kernel about two seconds to import).
"""

from __future__ import annotations

import base64
import html as html_lib
import io
import struct

from IPython.display import publish_display_data

from . import htmltree
from .words import check_language

__all__ = ["figure", "svg", "svg_name", "title", "html", "captioned", "contents", "check_media", "MEDIA", "TOC_MARK"]

MEDIA = ("screen", "print")  # where an output can be shown alone (the default: both)
TOC_MARK = '<nav class="relkap-toc"'  # what the exporter finds to fill with links


def figure(fig, alt: str, *, media: str = "all", dpi: int = 150, close: bool = True, scale: float = 1.0,
           max_height: float | None = None) -> None:
    """Display a matplotlib figure as a PNG with ``alt`` as its alt text (and close it).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    alt : str
        What the figure shows, in the report's language (:mod:`relkap.plots.alt` writes it from the data).
    media : {"all", "screen", "print"}
        Where the exported report shows it.
    dpi : int
        Resolution of the PNG; it is displayed at the figure's size (96 CSS pixels per inch), so print is sharp.
    close : bool
        Close the figure after (so the inline backend does not show it a second time).
    scale : float
        Display size relative to the saved picture's natural size (its tight box at ``dpi``: 1 prints every
        text at its point size).
    max_height : float, optional
        Largest displayed height in inches (the saved picture, labels and notes included): the display
        size shrinks to it (the brief's picture must leave room on its page).
    """
    if not str(alt).strip():
        raise ValueError("a figure needs an alt text that says what it shows")
    # matplotlib is loaded only where a figure is made: svg, html and the tables need none
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    buf = io.BytesIO()
    engine = fig.get_layout_engine()
    if engine is None or isinstance(engine, PlaceHolderLayoutEngine):
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    else:
        # savefig(bbox_inches="tight") lays the figure out twice (for the tight box, then to draw it): lay it out
        # once at the PNG's resolution and keep that layout for both; the PNG is the same, byte for byte.
        screen_dpi = fig.dpi
        fig.dpi = dpi
        fig.draw_without_rendering()
        fig.set_layout_engine("none")
        fig.dpi = screen_dpi
        try:
            fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
        finally:
            fig.set_layout_engine(engine)
    # the PNG holds the figure's tight box (labels and notes included): its natural size is its pixels at dpi
    # (the IHDR chunk's width and height), so ``scale`` 1 prints every text at its point size
    width_in, height_in = (v / dpi for v in struct.unpack(">II", buf.getbuffer()[16:24]))
    if max_height is not None:
        scale *= min(1.0, max_height / (height_in * scale))
    width_px = round(width_in * 96 * scale)
    meta = {"image/png": {"alt": str(alt), "width": width_px}}
    if media != "all":
        meta["relkap"] = {"media": check_media(media)}
    publish_display_data({"image/png": base64.b64encode(buf.getvalue()).decode("ascii"), "text/plain": str(alt)},
                         metadata=meta)
    if close:
        import matplotlib.pyplot as plt

        plt.close(fig)


def title(markdown: str, document_title: str, language: str) -> None:
    """Display the report's heading (``markdown``) and record the document title and language with it."""
    check_language(language)
    publish_display_data({"text/markdown": markdown, "text/plain": markdown},
                         metadata={"relkap": {"title": str(document_title), "language": language}})


def html(fragment: str, media: str = "all") -> None:
    """Display an HTML fragment (e.g. :func:`relkap.plots.tie_heatmap_html`), on screen, in print or both."""
    meta = {} if media == "all" else {"relkap": {"media": check_media(media)}}
    publish_display_data({"text/html": fragment, "text/plain": ""}, metadata=meta)


def svg(document: str, media: str = "all") -> None:
    """Display an SVG figure written from the data (e.g. :func:`relkap.plots.response_overview_svg`) in the page
    itself, on screen, in print or both: its text stays text (sharp in print, found by search, no picture to
    encode or decode). Its ``role="img"`` and ``<title>`` (and ``<desc>``) are its accessible name and description;
    it is drawn at its own size in CSS px, and never wider than the page (the export stylesheet's ``svg`` rule).
    """
    start = document.find("<svg")
    figure_svg = next(htmltree.parse(document[start:]).iter("svg"), None) if start >= 0 else None
    if figure_svg is None or figure_svg.attrs.get("role") != "img" or not svg_name(figure_svg):
        raise ValueError('an SVG figure needs <svg role="img"> with a <title> that says what it shows')
    html(f'<figure class="relkap-figure">{document[start:]}</figure>', media)


def svg_name(figure_svg: htmltree.Element) -> str:
    """An SVG figure's accessible name: the text of its own ``<title>`` (not a tooltip's inside it), or ""."""
    return next((c.text() for c in figure_svg.children if isinstance(c, htmltree.Element) and c.tag == "title"),
                "")


def captioned(table, caption: str):
    """A pandas ``Styler`` of ``table`` (a DataFrame or a Styler) with ``caption`` as its ``<caption>``."""
    styler = table.style if hasattr(table, "style") and not hasattr(table, "set_caption") else table
    return styler.set_caption(html_lib.escape(str(caption), quote=False))


def check_media(media: str) -> str:
    """``media`` if it is one of :data:`MEDIA`, else a ValueError."""
    if media not in MEDIA:
        raise ValueError(f"media must be 'all', 'screen' or 'print', not {media!r}")
    return media


def contents(heading: str) -> str:
    """A table of contents to display where it belongs (:func:`html`): the exporter fills it with links to
    every section (``<h2>``) that follows it."""
    return f'{TOC_MARK} aria-label="{html_lib.escape(heading, quote=True)}"><h2>{html_lib.escape(heading)}</h2></nav>'
