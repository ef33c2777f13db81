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
  first on a new page unless its cell is tagged ``same-page``);
- each image gets the alt text its output carries; an image without one gets a catalogue text in the
  report's language and a warning (``require_alt=True`` makes that an error).

Conventions for the notebook (all survive papermill, which keeps output metadata):

- **Language**: ``nb.metadata["relkap"]["language"]``, else the ``relkap.language`` of an output's
  metadata (:func:`relkap.publish.title` writes it), else the papermill parameter ``language``, else ``"da"``.
- **Title**: ``nb.metadata["relkap"]["title"]``, else the first output whose metadata has
  ``relkap.title`` (:func:`relkap.publish.title` displays the report's heading with it), else nbformat's
  ``nb.metadata["title"]``, else the catalogue's ``export.title``.
- **SVG figures**: :func:`relkap.publish.svg` displays an SVG document in the page (``role="img"``, its ``<title>`` and
  ``<desc>`` the alt text), as a ``<figure>``; the same screen/print choice as an image.
- **Alt text**: an image output whose metadata has ``alt`` for its MIME type (``{"image/png": {"alt":
  ...}}``, what ``IPython.display.Image(..., metadata={"alt": ...})`` writes) or at the top level.
  :func:`relkap.publish.figure` displays a matplotlib figure that way.
- **Screen or print only**: an output whose metadata has ``relkap.media`` = ``"screen"`` or ``"print"``
  is shown only there (e.g. the trend as a chart on screen and as a table on paper).
- **Captions**: every table should have a ``<caption>`` (:func:`relkap.publish.captioned` sets it on a DataFrame or a
  pandas ``Styler``); :func:`problems` lists what a finished HTML file lacks.
"""

from __future__ import annotations

import base64
import copy
import html as html_lib
import logging
import os
import re
import threading
from pathlib import Path
from urllib.parse import quote

from nbconvert import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.markdown_mistune import markdown2html_mistune
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbconvert.preprocessors import Preprocessor, TagRemovePreprocessor
from traitlets import Bool, Unicode, default

from . import htmltree
from .files import write_text
from .publish import MEDIA, TOC_MARK, svg_name
from .words import LANGUAGES, check_language, text

__all__ = ["ReportExporter", "ReportPreprocessor", "export_html",
           "problems",
           "report_language", "report_title", "STYLESHEET", "NBCONVERT_NO_ALT", "DROPPED_TAGS", "SAME_PAGE_TAG",
           "TEMPLATES_DIR"]

log = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
DROPPED_TAGS = frozenset({"parameters", "injected-parameters", "remove"})
# a numbered section in a cell with this tag goes on where the page before it ends (no page break)
SAME_PAGE_TAG = "same-page"
NBCONVERT_NO_ALT = "No description has been provided for this image"
_IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")
_TABLE_OR_HEADING = re.compile(r"<(?:table|h[1-4])\b", re.IGNORECASE)
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
.jp-RenderedHTMLCommon table.relkap-heatmap td.diagonal { border: 1.5px dashed black; }  /* the note says "Stiplet ramme" */
.jp-RenderedHTMLCommon table.relkap-heatmap thead th.col { text-align: center; }
/* the heat maps' colour bars (400 px) shrink with a phone's width; their ticks are placed in % */
.relkap-legend .bar { max-width: calc(100% - 24px); }
@media (max-width: 600px) {
  body { font-size: 15px; }
  .jp-Notebook { padding: 8px !important; }
  .jp-Cell { padding: 0 !important; }
  .jp-RenderedHTMLCommon table { font-size: 13px; }
  /* a table that scrolls keeps its first column (the row's name) in view, wrapped to at most 40 % of the
     screen; the heat maps' row labels (already sticky) wrap the same way */
  .table-scroll > table > tbody > tr > :first-child, .table-scroll > table > thead > tr > :first-child {
    position: sticky; left: 0; z-index: 1; background: white; max-width: 40vw; white-space: normal;
    overflow-wrap: break-word; box-shadow: 1px 0 0 #d0d0d0; }
  .jp-RenderedHTMLCommon table.relkap-heatmap tbody th { white-space: normal; min-width: 6em; }
}
/* the appendix ("Bilag", cells tagged "appendix") is folded on screen until its <details> is opened */
body:has(details.relkap-appendix-toggle:not([open])) .celltag_appendix { display: none; }
details.relkap-appendix-toggle > summary { cursor: pointer; font-weight: 600; padding: 0.4em 0; }
.relkap-toc ol { margin: 0.3em 0 1em; }
@page { size: A4; margin: 15mm 14mm; }
@media print {
  .relkap-print-only { display: block; }
  .relkap-screen-only { display: none !important; }
  body, .jp-Notebook { font-size: 10pt; padding: 0 !important; margin: 0 !important; }
  .jp-Cell, .jp-OutputArea-output, .jp-RenderedHTMLCommon { padding: 0 !important; overflow: visible !important; }
  .table-scroll { overflow: visible !important; background: none !important; }
  table { width: 100% !important; max-width: 100% !important; table-layout: auto !important; font-size: 8pt !important; }
  /* lines break between words; a very wide table may also split words: nothing is cut at the page edge */
  th, td { padding: 1px 3px !important; overflow-wrap: break-word; word-break: normal; hyphens: auto; }
  /* tables stay at 8 pt (legible in print); a wide one breaks words rather than running off the page */
  table.relkap-wide { font-size: 8pt !important; }
  table.relkap-wide th, table.relkap-wide td { overflow-wrap: anywhere; padding: 1px 2px !important; }
  /* the appendix is always printed, after a page break, whatever its state on screen */
  .celltag_appendix { display: block !important; }
  .relkap-appendix-toggle > summary { display: none; }
  .relkap-toc a::after { content: none; }
  table.relkap-very-wide th, table.relkap-very-wide td { overflow-wrap: anywhere; }
  thead { display: table-header-group; }
  tr, img, svg, figure, caption { break-inside: avoid; page-break-inside: avoid; }
  .table-scroll { break-inside: auto; }
  h1, h2, h3, h4, caption { break-after: avoid; page-break-after: avoid; }
  /* text that ends in a heading stays with what follows (the next output or cell); other text may end a
     page, so "avoid" never chains through a run of text to push a heading to a page's last line */
  .jp-MarkdownCell:has(.jp-RenderedMarkdown > :is(h1, h2, h3, h4):last-child),
  .jp-OutputArea-child:has(.jp-RenderedMarkdown > :is(h1, h2, h3, h4):last-child) {
    break-after: avoid; page-break-after: avoid; }
  .relkap-new-page { break-before: page; page-break-before: always; }
  /* a cell's trailing margin must not spill onto a page of its own before a section's page break */
  .jp-RenderedHTMLCommon > :last-child, .jp-OutputArea-output > :last-child { margin-bottom: 0 !important; }
  .jp-RenderedImage, .jp-OutputArea-output:has(> figure) { break-inside: avoid; }
  /* JupyterLab's print rule keeps each output whole ("avoid-page"): a long table or text that does not fit the
     rest of a page would leave it empty; outputs break between rows and lines (figures and rows stay whole) */
  .jp-OutputArea-child { break-inside: auto; }
  img { max-height: 240mm; object-fit: contain; }
  a { color: inherit; text-decoration: none; }
  /* the heat maps print as the HTML tables the screen shows (relkap.plots.tie_heatmap_html), in their colours,
     as the figures printed them: column labels upright so ten groups fit the width, cells at least 8 pt, the
     own group's frame dashed as the note says, hidden cells hatched (one SVG per cell: Chromium prints the
     screen's gradient hatch, or a tiled one, ten times slower and five times larger); each map whole on one
     page, with the text just before it */
  table.relkap-heatmap, .relkap-legend { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  table.relkap-heatmap { width: min-content !important; }
  .jp-RenderedHTMLCommon table.relkap-heatmap thead th.col { width: auto; padding: 2px 0 !important; }
  table.relkap-heatmap thead th.col > span { display: inline-block; writing-mode: sideways-lr; max-inline-size: 27mm;
    text-align: start; overflow-wrap: break-word; }
  /* words stay whole (a heat map of ten groups is a wide table, whose words may otherwise split anywhere) */
  .jp-RenderedHTMLCommon table.relkap-heatmap :is(th, td) { overflow-wrap: normal; }
  .jp-RenderedHTMLCommon table.relkap-heatmap tbody th { white-space: normal; min-width: 30mm; }
  .jp-RenderedHTMLCommon table.relkap-heatmap td { min-width: 54px; height: 26px; padding: 0 2px !important;
    border-width: 2px; font-size: 9pt; line-height: 1; }
  table.relkap-heatmap td.value b { font-size: 9pt; }
  /* nine groups or more: narrower cells and 0.9 of the size (as the figure shrank to fit), so the brief's map of
     ten groups still fits beside its text on page one */
  .jp-RenderedHTMLCommon table.relkap-heatmap:has(> thead th.col:nth-child(10)) td { min-width: 46px; }
  table.relkap-heatmap:has(> tbody > tr:nth-child(9)) { zoom: 0.9; }
  table.relkap-heatmap thead th { font-size: 8pt; }
  .jp-RenderedHTMLCommon table.relkap-heatmap td.diagonal { border: 2px dashed black; }
  /* a targeted tie: the thick frame is the cell's border and the mark sits in its corner, clear of the numbers */
  .jp-RenderedHTMLCommon table.relkap-heatmap td.targeted { border: 3px solid black; outline: none; position: relative; }
  table.relkap-heatmap td.targeted .mark { position: absolute; left: 2px; top: 1px; margin: 0; font-size: 8pt; }
  .jp-RenderedHTMLCommon table.relkap-heatmap td.suppressed { background: #d9d9d9 url("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 60 30' preserveAspectRatio='none'%3E%3Cpath d='M0 30L30 0M15 30L45 0M30 30L60 0M45 30L60 15M0 15L15 0' stroke='%23a6a6a6'/%3E%3C/svg%3E") 0 0 / 100% 100% no-repeat; }
  table.relkap-heatmap td small, .relkap-legend, .relkap-legend .tick { font-size: 8pt; }
  div.relkap-legend span.bar { display: inline-block; vertical-align: top; width: 300px; margin: 1px 10px 14px; }
  .jp-OutputArea-output:has(table.relkap-heatmap) { break-inside: avoid; }
  .jp-OutputArea-child:has(+ .jp-OutputArea-child table.relkap-heatmap) { break-after: avoid; page-break-after: avoid; }
}
"""


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


def _convert_images(cell, language: str, require_alt: bool) -> int:
    """Images as ``<figure><img alt>`` and screen/print-only outputs wrapped; returns how many lacked an alt."""
    missing = 0
    for out in cell.get("outputs", []):
        data = out.get("data")
        if not data:
            continue
        media = (out.get("metadata", {}).get("relkap") or {}).get("media")
        frag = None
        for mime in _IMAGE_TYPES:
            if mime in data:
                alt = _alt(out, mime)
                if not alt:
                    if require_alt:
                        raise ValueError("an image without an alt text; display figures with relkap.publish.figure")
                    missing += 1
                    alt = text("export.no_alt", language)
                frag = _img(data[mime], mime, alt, (out.get("metadata", {}).get(mime) or {}))
                break
        if frag is None and media in MEDIA:
            frag = data.get("text/html")
        if frag is None:
            continue
        if media in MEDIA:
            frag = f'<div class="relkap-{media}-only">{frag}</div>'
        out["data"] = {"text/html": frag, "text/plain": data.get("text/plain", "")}
    return missing


def _img(data, mime: str, alt: str, meta: dict) -> str:
    if mime == "image/svg+xml":
        raw = data if isinstance(data, str) else "".join(data)
        data, mime = base64.b64encode(raw.encode("utf-8")).decode("ascii"), "image/svg+xml"
    data = data if isinstance(data, str) else "".join(data)
    size = "".join(f' {k}="{int(meta[k])}"' for k in ("width", "height") if meta.get(k))
    return (f'<figure class="relkap-figure"><img src="data:{mime};base64,{data.strip()}"{size} '
            f'alt="{html_lib.escape(str(alt))}"></figure>')


def _cell_html(cell) -> list[tuple[dict, str]]:
    """The HTML a cell shows, as ``(output or None, html)``: its markdown rendered, its HTML outputs as they are."""
    if cell.cell_type == "markdown":
        return [(None, markdown2html_mistune(cell.source))]
    parts = []
    for out in cell.get("outputs", []):
        data = out.get("data") or {}
        if "text/html" in data:
            parts.append((out, "".join(data["text/html"])))
        elif "text/markdown" in data:
            parts.append((None, markdown2html_mistune("".join(data["text/markdown"]))))
    return parts


def _box_tables(fragment: str, doc: htmltree.Element, language: str, heading: str, number: int
                ) -> tuple[str, str, int]:
    """Each top-level table of ``fragment`` (parsed: ``doc``) in a scroll box named by its caption (or the
    heading before it). Returns the new fragment, the last heading seen and the number of the last table.
    """
    edits = []  # (start, end, replacement), spliced from the end
    for node in doc.iter("h1", "h2", "h3", "h4", "table"):
        if node.tag != "table":
            heading = node.text(" ").rstrip("¶").strip()
            continue
        if node.ancestor("table") is not None:
            continue
        number += 1
        if node.ancestor("div", "table-scroll") is not None:
            continue
        caption = node.find("caption")
        name = caption.text(" ") if caption is not None and caption.text(" ") else (
            text("export.table_in", language, number=number, heading=heading) if heading else
            text("export.table", language, number=number))
        first = node.find("tr")
        columns = sum(int(c.attrs.get("colspan") or 1) for c in first.children
                      if isinstance(c, htmltree.Element) and c.tag in ("th", "td")) if first else 0
        extra = ["relkap-wide"] * (columns >= WIDE_COLUMNS) + ["relkap-very-wide"] * (columns >= 2 * WIDE_COLUMNS)
        start_tag = fragment[node.start:node.start_tag_end]
        if extra:
            start_tag = _add_classes(start_tag, extra)
        box = (f'<div class="table-scroll" tabindex="0" role="region" '
               f'aria-label="{html_lib.escape(name)}">')
        edits.append((node.start, node.end, box + start_tag + fragment[node.start_tag_end:node.end] + "</div>"))
    for start, end, new in reversed(edits):
        fragment = fragment[:start] + new + fragment[end:]
    return fragment, heading, number


def _add_classes(start_tag: str, classes: list[str]) -> str:
    found = re.search(r"""\sclass=(["'])(.*?)\1""", start_tag)
    if found:
        joined = " ".join([*found.group(2).split(), *classes])
        return start_tag[:found.start()] + f' class="{joined}"' + start_tag[found.end():]
    return start_tag[:-1].rstrip("/ ") + f' class="{" ".join(classes)}">'


def _fill_contents(parts: list[tuple[dict | None, str]]) -> None:
    """Fill the :func:`relkap.publish.contents` placeholder with links to the ``<h2>`` headings after it (nbconvert's ids:
    the text with "-" for spaces, URL-quoted). ``parts``: every cell's :func:`_cell_html`, in order."""
    place, headings = None, []
    for out, fragment in parts:
        if out is not None and TOC_MARK in fragment and place is None:
            place = out
            continue
        if place is not None and "<h2" in fragment:
            headings += [h.text(" ").rstrip("¶").strip() for h in htmltree.parse(fragment).iter("h2")]
    if place is None:
        return
    items = "".join(f'<li><a href="#{quote(h.replace(" ", "-"))}">{html_lib.escape(h)}</a></li>' for h in headings)
    page = "".join(place["data"]["text/html"])
    place["data"]["text/html"] = page.replace("</h2></nav>", f"</h2><ol>{items}</ol></nav>", 1)


# nbconvert's markdown renderer writes a heading's letters beyond ASCII as references ("S&#229;dan"); the soup
# pass wrote them back as letters, and so does the exporter (not the five of markup: those stay references)
_CHARACTER_REFERENCE = re.compile(r"&#(?:(\d{1,7})|[xX]([0-9a-fA-F]{1,6}));")


def _character(found: re.Match) -> str:
    point = int(found[1]) if found[1] else int(found[2], 16)
    return chr(point) if 160 <= point <= 0x10FFFF and not 0xD800 <= point <= 0xDFFF else found[0]


class ReportPreprocessor(Preprocessor):
    """The report's conventions made HTML before the template renders the notebook.

    Images become ``<figure><img alt>`` (a catalogue text and a warning for one without an alt, an error
    with ``require_alt``); screen- or print-only outputs are wrapped in ``relkap-screen-only`` /
    ``relkap-print-only``; every top-level table of an HTML output is put in a scroll box named by its
    caption (or "Table n: heading") and marked wide when it has many columns; each cell holding a numbered
    section (``<h2>``) after the first is marked to start a printed page (``relkap-new-page``, see the
    template), unless the cell is tagged :data:`SAME_PAGE_TAG`. Tables written in markdown are rendered by
    the template and get no scroll box.
    """

    language = Unicode("da", help="The report's language (catalogue texts).").tag(config=True)
    require_alt = Bool(False, help="Fail when an image has no alt text.").tag(config=True)

    def preprocess(self, nb, resources):
        missing = sum(_convert_images(cell, self.language, self.require_alt) for cell in nb.cells)
        if missing:
            log.warning("%d image(s) without an alt text; they get a generic one", missing)
        heading, number, sections, parts = "", 0, [], []
        for cell in nb.cells:
            for out, fragment in _cell_html(cell):
                if _TABLE_OR_HEADING.search(fragment):  # else a figure, a paragraph: nothing to box or count
                    doc = htmltree.parse(fragment)
                    sections += [cell] * len(list(doc.iter("h2")))
                    if out is None:
                        for h in doc.iter("h1", "h2", "h3", "h4"):
                            heading = h.text(" ").rstrip("¶").strip()
                    else:
                        fragment, heading, number = _box_tables(fragment, doc, self.language, heading, number)
                        out["data"]["text/html"] = fragment
                parts.append((out, fragment))
        for cell in sections[1:]:
            if SAME_PAGE_TAG not in cell.metadata.get("tags", ()):
                cell.metadata.setdefault("relkap", {})["new_page"] = True
        _fill_contents(parts)
        return nb, resources


# -- the exporter ------------------------------------------------------------------------------------------
class ReportExporter(HTMLExporter):
    """nbconvert exporter ``relkap_report``: the report's single-language, offline, no-code HTML.

    The template ``relkap/templates/relkap_report`` (JupyterLab's, offline, with :data:`STYLESHEET`) shapes
    the page; :class:`~nbconvert.preprocessors.TagRemovePreprocessor` drops the cells tagged
    :data:`DROPPED_TAGS` and the other language's narrative; :class:`ReportPreprocessor` makes the
    conventions HTML. See the module docstring for the conventions a notebook follows.
    """

    export_from_notebook = "relkap report (HTML)"

    require_alt = Bool(False, help="Fail when an image has no alt text (instead of a generic one).").tag(config=True)
    soup_pass = Bool(False, help="Also run nbconvert's closing BeautifulSoup pass over the page (slower; the same "
                                 "document, with every output focusable).").tag(config=True)

    @default("optimistic_validation")
    def _optimistic_validation_default(self):
        # the notebook is validated once, after the preprocessors, not after each of the 14 (about a fifth of the
        # export); a preprocessor that broke it still fails the export
        return True

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
        return "relkap_report"

    @default("extra_template_basedirs")
    def _extra_template_basedirs_default(self):
        return [str(TEMPLATES_DIR)]

    def __init__(self, **kw):
        super().__init__(**kw)
        self._drop = TagRemovePreprocessor(enabled=True)
        self._conventions = ReportPreprocessor(enabled=True)
        self.register_preprocessor(self._drop)
        self.register_preprocessor(self._conventions)

    def from_notebook_node(self, nb, resources=None, **kw):
        language = report_language(nb)
        doc_title = report_title(nb, language)
        nb = copy.deepcopy(nb)  # the preprocessors change cells in place; the caller's notebook stays
        nb.metadata["title"] = doc_title  # the lab template's <title>
        self.language_code = language  # the lab template's <html lang>
        self._drop.remove_cell_tags = set(DROPPED_TAGS | (set(LANGUAGES) - {language}))
        self._conventions.language = language
        self._conventions.require_alt = self.require_alt
        resources = dict(resources or {})
        resources["relkap"] = {"stylesheet": STYLESHEET}
        if self.soup_pass or not all(hasattr(self, name) for name in ("_init_resources", "_nb_metadata")):
            return super().from_notebook_node(nb, resources, **kw)  # (an nbconvert without them: its own way)
        # HTMLExporter.from_notebook_node without its closing BeautifulSoup pass, which re-parses and re-writes the
        # finished page, figures included (about half of a report's export). The pass gives an image without
        # alt text a generic one (ReportPreprocessor has given every image its alt text, or failed) and makes
        # every markdown cell and output a keyboard stop (text need not be one; what scrolls, a table, is in a
        # focusable box already). Otherwise the same document (tests/test_export.py compares the two parsed).
        resources = self._init_resources(resources)
        self.register_filter("highlight_code", Highlight2HTML(parent=self))
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata,
                                                                       parent=self, resources=resources))
        page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return _CHARACTER_REFERENCE.sub(_character, page), resources


def export_html(notebook_path: str | os.PathLike, html_path: str | os.PathLike, *,
                require_alt: bool = False) -> Path:
    """Export an executed report notebook to one self-contained HTML file with :class:`ReportExporter`.

    Written atomically (a reader never sees half a file). Same signature as the batch's old exporter.
    """
    import nbformat

    nb = nbformat.read(str(notebook_path), as_version=4)
    with _EXPORTERS_LOCK:  # one exporter per process: its templates are compiled once (about a second each)
        exporter = _EXPORTERS.get(require_alt)
        if exporter is None:
            exporter = _EXPORTERS[require_alt] = ReportExporter(require_alt=require_alt)
        body, _ = exporter.from_notebook_node(nb)
    return write_text(html_path, body)


_EXPORTERS: dict[bool, ReportExporter] = {}
_EXPORTERS_LOCK = threading.Lock()


def problems(page: str) -> list[str]:
    """What an exported page lacks for a reader: lang, a real title, alt texts, table captions, offline-ness.

    An empty list means the page passes. Used by the tests, and by anyone checking a hand-made export.
    """
    doc = htmltree.parse(page)
    out = []
    root = doc.find("html")
    if root is None or root.attrs.get("lang") not in LANGUAGES:
        out.append(f"<html lang> is {None if root is None else root.attrs.get('lang')!r}, not the report's language")
    title_node = doc.find("title")
    t = title_node.text() if title_node is not None else ""
    if not t or t == "Notebook":
        out.append(f"<title> is {t!r}")
    if not any(m.attrs.get("name") == "viewport" for m in doc.iter("meta")):
        out.append("no <meta name=viewport>")
    no_alt = (NBCONVERT_NO_ALT, text("export.no_alt", "da"), text("export.no_alt", "en"))
    for img in doc.iter("img"):
        if not img.attrs.get("alt") or img.attrs["alt"] in no_alt:
            out.append(f"an image without an alt text: {page[img.start:img.end][:80]}")
    for figure_svg in doc.iter("svg"):
        if figure_svg.attrs.get("role") == "img" and not svg_name(figure_svg):
            out.append(f"an SVG figure without a <title>: {page[figure_svg.start:figure_svg.start_tag_end][:80]}")
    for table in doc.iter("table"):
        caption = table.find("caption")
        if table.ancestor("table") is None and not (caption is not None and caption.text()):
            out.append(f"a table without a caption: {table.text(' ')[:80]!r}")
    for tag in doc.iter("script", "link", "img", "iframe"):
        ref = tag.attrs.get("src") or tag.attrs.get("href") or ""
        if ref.startswith(("http:", "https:", "//")):
            out.append(f"loads from the internet: {ref}")
    return out
