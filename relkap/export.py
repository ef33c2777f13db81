"""The one HTML export of a report notebook: one language, no code, offline, printable and accessible.

:class:`ReportExporter` is an nbconvert exporter (registered as ``relkap_report``), so the batch and a
hand export give the same file::

    jupyter nbconvert --to relkap_report out.ipynb        # out.html beside it

What it does to an executed report notebook (its input is never changed):

- drops the cells tagged ``parameters``, ``injected-parameters`` (papermill) or ``remove``, and the
  narrative cells tagged with the other language (``da``/``en``) than the report's;
- hides every input and prompt, embeds images, and drops scripts that would load from the internet
  (the lab template's require.js, MathJax and mermaid loaders): the file opens offline without errors;
- ``<html lang>`` is the report's language, ``<title>`` the report's title, ``<meta name="viewport">``;
- every table is put in a scroll box (``div.table-scroll``, focusable, a region named by the table's
  caption) with a shadow at the side that scrolls, so a wide table scrolls inside its box on a phone;
- a stylesheet for the screen (images never wider than the page) and for print (A4, tables fit the
  width, table heads repeat, headings stay with what follows, each numbered section (``##``) after the
  first on a new page);
- each image gets the alt text its output carries; an image without one gets a catalogue text in the
  report's language and a warning (``require_alt=True`` makes that an error).

Conventions for the notebook (all survive papermill, which keeps output metadata):

- **Language**: ``nb.metadata["relkap"]["language"]``, else the ``relkap.language`` of an output's
  metadata (:func:`title` writes it), else the papermill parameter ``language``, else ``"da"``.
- **Title**: ``nb.metadata["relkap"]["title"]``, else the first output whose metadata has
  ``relkap.title`` (:func:`title` displays the report's heading with it), else nbformat's
  ``nb.metadata["title"]``, else the catalogue's ``export.title``.
- **Alt text**: an image output whose metadata has ``alt`` for its MIME type (``{"image/png": {"alt":
  ...}}``, what ``IPython.display.Image(..., metadata={"alt": ...})`` writes) or at the top level.
  :func:`figure` displays a matplotlib figure that way.
- **Screen or print only**: an output whose metadata has ``relkap.media`` = ``"screen"`` or ``"print"``
  is shown only there (e.g. a heat map as an HTML table on screen and as a figure on paper).
- **Captions**: every table should have a ``<caption>`` (:func:`captioned` sets it on a DataFrame or a
  pandas ``Styler``); :func:`problems` lists what a finished HTML file lacks.
"""

from __future__ import annotations

import base64
import copy
import html as html_lib
import io
import logging
import os
from pathlib import Path

from nbconvert import HTMLExporter
from traitlets import Bool, default

from .files import write_text
from .words import LANGUAGES, check_language, text

__all__ = ["ReportExporter", "export_html", "finish", "figure", "title", "html", "captioned", "problems",
           "report_language", "report_title", "STYLESHEET", "NBCONVERT_NO_ALT", "DROPPED_TAGS"]

log = logging.getLogger(__name__)

DROPPED_TAGS = frozenset({"parameters", "injected-parameters", "remove"})
NBCONVERT_NO_ALT = "No description has been provided for this image"
_IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")
# a table with this many columns or more is printed in a smaller type; twice as many, words may split
WIDE_COLUMNS = 10

# Scroll shadows without script (Lea Verou's technique): the two white "covers" scroll with the content
# (background-attachment: local) and hide the grey shadows (fixed to the box) at the end they reach, so a
# shadow shows exactly at the side where more of the table is hidden.
STYLESHEET = """
.table-scroll { max-width: 100%; overflow-x: auto; margin: 0.5em 0 1em;
  background: linear-gradient(to right, #fff 30%, rgba(255,255,255,0)) left center / 40px 100% no-repeat local,
              linear-gradient(to left, #fff 30%, rgba(255,255,255,0)) right center / 40px 100% no-repeat local,
              radial-gradient(farthest-side at 0 50%, rgba(0,0,0,.28), rgba(0,0,0,0)) left center / 14px 100% no-repeat scroll,
              radial-gradient(farthest-side at 100% 50%, rgba(0,0,0,.28), rgba(0,0,0,0)) right center / 14px 100% no-repeat scroll; }
.table-scroll:focus-visible { outline: 2px solid #1f4e79; outline-offset: 2px; }
.table-scroll > table { margin: 0; background: transparent; }
table caption { caption-side: top; text-align: left; font-weight: 600; padding: 0.25em 0; }
img, svg, video { max-width: 100%; height: auto; }
figure.relkap-figure { margin: 0.5em 0; }
.jp-RenderedHTMLCommon table { max-width: none; }
.relkap-print-only { display: none; }
/* the lab template's ":not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon td" (right-aligned, no border) outranks
   the heat map's own rules: restore them for the heat maps shown as HTML tables */
.jp-RenderedHTMLCommon table.relkap-heatmap td { text-align: center; padding: 0 2px; border: 1.5px solid transparent; }
.jp-RenderedHTMLCommon table.relkap-heatmap td.diagonal { border-color: black; }
.jp-RenderedHTMLCommon table.relkap-heatmap thead th.col { text-align: center; }
/* the heat maps' colour bars (400 px) shrink with a phone's width; their ticks are placed in % */
.relkap-legend .bar { max-width: calc(100% - 24px); }
@media (max-width: 600px) {
  body { font-size: 15px; }
  .jp-Notebook { padding: 8px !important; }
  .jp-Cell { padding: 0 !important; }
  .jp-RenderedHTMLCommon table { font-size: 13px; }
}
@page { size: A4; margin: 15mm 14mm; }
@media print {
  .relkap-print-only { display: block; }
  .relkap-screen-only { display: none !important; }
  body, .jp-Notebook { font-size: 10pt; padding: 0 !important; margin: 0 !important; }
  .jp-Cell, .jp-OutputArea-output, .jp-RenderedHTMLCommon { padding: 0 !important; overflow: visible !important; }
  .table-scroll { overflow: visible !important; background: none !important; }
  table { width: 100% !important; max-width: 100% !important; table-layout: auto !important; font-size: 7.5pt !important; }
  /* lines break between words; a very wide table may also split words: nothing is cut at the page edge */
  th, td { padding: 1px 3px !important; overflow-wrap: break-word; word-break: normal; hyphens: auto; }
  table.relkap-wide { font-size: 6.5pt !important; }
  table.relkap-very-wide th, table.relkap-very-wide td { overflow-wrap: anywhere; }
  thead { display: table-header-group; }
  tr, img, svg, figure, caption { break-inside: avoid; page-break-inside: avoid; }
  .table-scroll { break-inside: auto; }
  h1, h2, h3, h4, caption { break-after: avoid; page-break-after: avoid; }
  .jp-MarkdownCell, .jp-OutputArea-child:has(.jp-RenderedMarkdown) { break-after: avoid; page-break-after: avoid; }
  .relkap-new-page { break-before: page; page-break-before: always; }
  /* a cell's trailing margin must not spill onto a page of its own before a section's page break */
  .jp-RenderedHTMLCommon > :last-child, .jp-OutputArea-output > :last-child { margin-bottom: 0 !important; }
  .jp-RenderedImage, .jp-OutputArea-output:has(> figure) { break-inside: avoid; }
  img { max-height: 240mm; object-fit: contain; }
  a { color: inherit; text-decoration: none; }
}
"""


# -- what the notebook calls ---------------------------------------------------------------------------
def _publish(data: dict, metadata: dict) -> None:
    from IPython.display import publish_display_data

    publish_display_data(data, metadata=metadata)


def figure(fig, alt: str, *, media: str = "all", dpi: int = 150, close: bool = True) -> None:
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
    """
    if not str(alt).strip():
        raise ValueError("a figure needs an alt text that says what it shows")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    width_px = round(fig.get_figwidth() * 96)
    meta = {"image/png": {"alt": str(alt), "width": width_px}}
    if media != "all":
        meta["relkap"] = {"media": _check_media(media)}
    _publish({"image/png": base64.b64encode(buf.getvalue()).decode("ascii"), "text/plain": str(alt)}, meta)
    if close:
        import matplotlib.pyplot as plt

        plt.close(fig)


def title(markdown: str, document_title: str, language: str) -> None:
    """Display the report's heading (``markdown``) and record the document title and language with it."""
    check_language(language)
    _publish({"text/markdown": markdown, "text/plain": markdown},
             {"relkap": {"title": str(document_title), "language": language}})


def html(fragment: str, media: str = "all") -> None:
    """Display an HTML fragment (e.g. :func:`relkap.plots.tie_heatmap_html`), on screen, in print or both."""
    meta = {} if media == "all" else {"relkap": {"media": _check_media(media)}}
    _publish({"text/html": fragment, "text/plain": ""}, meta)


def captioned(table, caption: str):
    """A pandas ``Styler`` of ``table`` (a DataFrame or a Styler) with ``caption`` as its ``<caption>``."""
    styler = table.style if hasattr(table, "style") and not hasattr(table, "set_caption") else table
    return styler.set_caption(html_lib.escape(str(caption), quote=False))


def _check_media(media: str) -> str:
    if media not in ("screen", "print"):
        raise ValueError(f"media must be 'all', 'screen' or 'print', not {media!r}")
    return media


# -- reading the conventions -----------------------------------------------------------------------------
def _relkap_outputs(nb) -> list[dict]:
    return [o.get("metadata", {}).get("relkap", {}) for c in nb.cells for o in c.get("outputs", [])
            if isinstance(o.get("metadata", {}).get("relkap"), dict)]


def report_language(nb) -> str:
    """The report's language by the conventions in the module docstring."""
    meta = nb.metadata.get("relkap", {}).get("language")
    if meta is None:
        meta = next((o["language"] for o in _relkap_outputs(nb) if "language" in o), None)
    if meta is None:
        meta = nb.metadata.get("papermill", {}).get("parameters", {}).get("language")
    return check_language(meta or "da")


def report_title(nb, language: str | None = None) -> str:
    """The report's title by the conventions in the module docstring."""
    found = nb.metadata.get("relkap", {}).get("title")
    if not found:
        found = next((o["title"] for o in _relkap_outputs(nb) if o.get("title")), None)
    if not found:
        found = nb.metadata.get("title")
    return str(found or text("export.title", language or report_language(nb)))


def _alt(output: dict, mime: str) -> str | None:
    meta = output.get("metadata", {})
    alt = (meta.get(mime) or {}).get("alt") if isinstance(meta.get(mime), dict) else None
    return alt or meta.get("alt")


def _prepare(nb, language: str):
    """A copy of ``nb`` with the dropped cells gone and the alt-text and media conventions made HTML."""
    nb = copy.deepcopy(nb)
    drop = DROPPED_TAGS | (set(LANGUAGES) - {language})
    nb.cells = [c for c in nb.cells if not drop & set(c.get("metadata", {}).get("tags", []))]
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data")
            if not data:
                continue
            media = (out.get("metadata", {}).get("relkap") or {}).get("media")
            frag = None
            for mime in _IMAGE_TYPES:
                if mime in data and _alt(out, mime):
                    frag = _img(data[mime], mime, _alt(out, mime), (out.get("metadata", {}).get(mime) or {}))
                    break
            if frag is None and media in ("screen", "print"):
                frag = data.get("text/html")
            if frag is None:
                continue
            if media in ("screen", "print"):
                frag = f'<div class="relkap-{media}-only">{frag}</div>'
            out["data"] = {"text/html": frag, "text/plain": data.get("text/plain", "")}
    return nb


def _img(data, mime: str, alt: str, meta: dict) -> str:
    if mime == "image/svg+xml":
        raw = data if isinstance(data, str) else "".join(data)
        data, mime = base64.b64encode(raw.encode("utf-8")).decode("ascii"), "image/svg+xml"
    data = data if isinstance(data, str) else "".join(data)
    size = "".join(f' {k}="{int(meta[k])}"' for k in ("width", "height") if meta.get(k))
    return (f'<figure class="relkap-figure"><img src="data:{mime};base64,{data.strip()}"{size} '
            f'alt="{html_lib.escape(str(alt))}"></figure>')


# -- the exporter ------------------------------------------------------------------------------------------
class ReportExporter(HTMLExporter):
    """nbconvert exporter ``relkap_report``: the report's single-language, offline, no-code HTML.

    See the module docstring for what it does and for the conventions a notebook follows.
    """

    export_from_notebook = "relkap report (HTML)"

    require_alt = Bool(False, help="Fail when an image has no alt text (instead of a generic one).").tag(config=True)

    @default("exclude_input")
    def _exclude_input_default(self):
        return True

    @default("exclude_input_prompt")
    def _exclude_input_prompt_default(self):
        return True

    @default("exclude_output_prompt")
    def _exclude_output_prompt_default(self):
        return True

    @default("embed_images")
    def _embed_images_default(self):
        return True

    @default("template_name")
    def _template_name_default(self):
        return "lab"

    def from_notebook_node(self, nb, resources=None, **kw):
        language = report_language(nb)
        doc_title = report_title(nb, language)
        nb = _prepare(nb, language)
        nb.metadata["title"] = doc_title  # the lab template's <title>
        self.language_code = language
        body, resources = super().from_notebook_node(nb, resources, **kw)
        return finish(body, language, doc_title, require_alt=self.require_alt), resources


def finish(body: str, language: str, doc_title: str, require_alt: bool = False) -> str:
    """The exported page with lang, title, viewport, stylesheet, scroll boxes and alt texts in place."""
    from bs4 import BeautifulSoup, Comment

    soup = BeautifulSoup(body, features="html.parser")
    root = soup.find("html")
    root["lang"] = language
    head = soup.find("head")
    if soup.title is None:
        head.append(soup.new_tag("title"))
    soup.title.string = doc_title
    if soup.find("meta", attrs={"name": "viewport"}) is None:
        head.insert(0, soup.new_tag("meta", attrs={"name": "viewport",
                                                    "content": "width=device-width, initial-scale=1"}))
    for script in soup.find_all("script"):
        src, code = script.get("src", ""), script.string or ""
        if (src.startswith(("http:", "https:", "//")) or "https://" in code or "http://" in code
                or "mathjax" in (script.get("type") or "").lower()):
            script.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()  # the template's "load mathjax" notes, about scripts that are gone
    for link in soup.find_all("link", href=True):
        if link["href"].startswith(("http:", "https:", "//")):
            link.decompose()
    style = soup.new_tag("style", attrs={"id": "relkap-style"})
    style.string = STYLESHEET
    head.append(style)

    missing = []
    for img in soup.find_all("img"):
        if not img.get("alt") or img["alt"] == NBCONVERT_NO_ALT:
            missing.append(img)
    if missing and require_alt:
        raise ValueError(f"{len(missing)} image(s) without an alt text; display figures with relkap.export.figure")
    if missing:
        log.warning("%d image(s) without an alt text; they get a generic one", len(missing))
        for img in missing:
            img["alt"] = text("export.no_alt", language)

    # each numbered section (h2) after the first starts a new printed page
    cells = [h.find_parent("div", class_="jp-Cell") for h in soup.find_all("h2")]
    for cell in [c for c in cells if c is not None][1:]:
        cell["class"] = [*cell.get("class", []), "relkap-new-page"]

    for i, table in enumerate(t for t in soup.find_all("table") if t.find_parent("table") is None):
        if table.find_parent("div", class_="table-scroll") is not None:
            continue
        box = soup.new_tag("div", attrs={"class": "table-scroll", "tabindex": "0", "role": "region",
                                         "aria-label": _table_name(table, language, i + 1)})
        table.wrap(box)
        first = table.find("tr")
        columns = sum(int(c.get("colspan", 1) or 1) for c in first.find_all(["th", "td"])) if first else 0
        extra = ["relkap-wide"] * (columns >= WIDE_COLUMNS) + ["relkap-very-wide"] * (columns >= 2 * WIDE_COLUMNS)
        if extra:
            table["class"] = [*table.get("class", []), *extra]
    return str(soup)


def _table_name(table, language: str, number: int) -> str:
    cap = table.find("caption")
    if cap is not None and cap.get_text(strip=True):
        return cap.get_text(" ", strip=True)
    heading = table.find_previous(["h1", "h2", "h3", "h4"])
    name = heading.get_text(" ", strip=True).rstrip("¶").strip() if heading is not None else ""
    return text("export.table_in", language, number=number, heading=name) if name else \
        text("export.table", language, number=number)


def export_html(notebook_path: str | os.PathLike, html_path: str | os.PathLike, *,
                require_alt: bool = False) -> Path:
    """Export an executed report notebook to one self-contained HTML file with :class:`ReportExporter`.

    Written atomically (a reader never sees half a file). Same signature as the batch's old exporter.
    """
    import nbformat

    nb = nbformat.read(str(notebook_path), as_version=4)
    body, _ = ReportExporter(require_alt=require_alt).from_notebook_node(nb)
    return write_text(html_path, body)


def problems(page: str) -> list[str]:
    """What an exported page lacks for a reader: lang, a real title, alt texts, table captions, offline-ness.

    An empty list means the page passes. Used by the tests, and by anyone checking a hand-made export.
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page, features="html.parser")
    out = []
    root = soup.find("html")
    if root is None or root.get("lang") not in LANGUAGES:
        out.append(f"<html lang> is {None if root is None else root.get('lang')!r}, not the report's language")
    t = soup.title.get_text(strip=True) if soup.title else ""
    if not t or t == "Notebook":
        out.append(f"<title> is {t!r}")
    if soup.find("meta", attrs={"name": "viewport"}) is None:
        out.append("no <meta name=viewport>")
    for img in soup.find_all("img"):
        if not img.get("alt") or img["alt"] in (NBCONVERT_NO_ALT, text("export.no_alt", "da"),
                                               text("export.no_alt", "en")):
            out.append(f"an image without an alt text: {str(img)[:80]}")
    for table in soup.find_all("table"):
        if table.find_parent("table") is None and not (table.find("caption") and table.caption.get_text(strip=True)):
            out.append(f"a table without a caption: {table.get_text(' ', strip=True)[:80]!r}")
    for tag in soup.find_all(["script", "link", "img", "iframe"]):
        ref = tag.get("src") or tag.get("href") or ""
        if ref.startswith(("http:", "https:", "//")):
            out.append(f"loads from the internet: {ref}")
    return out
