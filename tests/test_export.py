"""relkap.export: the one HTML export (single language, offline, no code, printable, accessible).

A small notebook built here (parameters cell, da/en narrative cells, a figure with alt text, a wide
table) is executed by papermill, so the conventions are tested as they survive a real run, then exported
and opened in a real Chromium (Debian's, driven by Playwright; nothing downloaded).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from offline_page import OVERFLOW, open_offline

import relkap
from relkap import export, pdf, publish

CHROMIUM = Path("/usr/bin/chromium")
PROJECT = Path(relkap.__file__).resolve().parent.parent
# as wide as the report's widest table (the ties that changed most: 12 columns)
HEADERS = ["Vurderende gruppe", "Vurderet gruppe", *[f"Kolonne {i}" for i in range(1, 11)]]


def _notebook() -> nbformat.NotebookNode:
    cells = [
        new_code_cell("from relkap import publish\nimport matplotlib\nmatplotlib.use('Agg')\n"
                      "import matplotlib.pyplot as plt\nimport pandas as pd", metadata={"tags": ["remove"]}),
        new_code_cell('language = "da"', metadata={"tags": ["parameters"]}),
        new_code_cell('publish.title("# Relationel kapacitet i Testby", "Testby: relationel kapacitet", language)'),
        new_markdown_cell("## 1. Overblik\n\nDansk fortælling om samarbejdet.", metadata={"tags": ["da"]}),
        new_markdown_cell("## 1. Overview\n\nEnglish story of the collaboration.", metadata={"tags": ["en"]}),
        new_code_cell("fig, ax = plt.subplots(figsize=(6, 3))\nax.bar(['Skole', 'PPR'], [3.2, 4.1])\n"
                      "publish.figure(fig, 'Søjler: Skole 3,2, PPR 4,1')"),
        new_code_cell(
            "df = pd.DataFrame([[f'Gruppe {r}', 'Sundhedsplejen', *[f'[{r * c / 7:.2f}; {r * c / 3:.2f}]' for c in range(1, 11)]] for r in range(6)],\n"
            f"                  columns={HEADERS!r})\n"
            "publish.captioned(df.style.hide(axis='index'), 'En bred tabel med mange kolonner')"),
        new_markdown_cell("## 2. Dokumentation\n\nVersioner og kontrolsummer.", metadata={"tags": ["da"]}),
        new_markdown_cell("## 2. Documentation\n\nVersions and checksums.", metadata={"tags": ["en"]}),
        new_code_cell("publish.captioned(pd.DataFrame({'Punkt': ['relkap'], 'Værdi': ['0.1.0']}), 'Versioner')"),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "relkap", "display_name": "relkap", "language": "python"}
    return nb


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The notebook run by papermill in English (as the batch runs a report), and its export."""
    import papermill as pm

    d = tmp_path_factory.mktemp("export")
    nbformat.write(_notebook(), d / "in.ipynb")
    pm.execute_notebook(str(d / "in.ipynb"), str(d / "out.ipynb"), parameters={"language": "en"},
                        kernel_name="relkap", progress_bar=False, cwd=str(d))
    export.export_html(d / "out.ipynb", d / "out.html")
    return d


def test_export_is_one_language_offline_and_without_code(executed):
    page = (executed / "out.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page
    assert "<title>Testby: relationel kapacitet</title>" in page  # the title the notebook gave, as given
    assert 'name="viewport"' in page
    assert "English story" in page and "Dansk fortælling" not in page
    assert "Documentation" in page and "Dokumentation" not in page
    assert not re.search(r"<script[^>]*src=\"https?:", page) and "cdnjs" not in page and "mathjax" not in page.lower()
    assert export.NBCONVERT_NO_ALT not in page
    assert 'alt="Søjler: Skole 3,2, PPR 4,1"' in page
    for code in ("import ", "publish.figure", "language = ", "pd.DataFrame"):
        assert code not in page, code
    assert page.count('class="table-scroll"') == 2
    assert 'aria-label="En bred tabel med mange kolonner"' in page
    assert export.problems(page) == []


def test_the_page_is_nbconverts_document_without_its_soup_pass(executed):
    """ReportExporter skips HTMLExporter's closing BeautifulSoup pass (it re-parsed and re-wrote the whole page,
    figures included): the page is the same document as with the pass, but for the tabindex the pass puts on
    every markdown cell and output (what scrolls, a table, has its own focusable box)."""
    from bs4 import BeautifulSoup

    nb = nbformat.read(executed / "out.ipynb", as_version=4)
    fast, _ = export.ReportExporter().from_notebook_node(nb)
    slow, _ = export.ReportExporter(soup_pass=True).from_notebook_node(nb)
    assert fast != slow
    with_pass = BeautifulSoup(slow, features="html.parser")
    outputs = with_pass.select(".jp-Notebook div.jp-OutputArea-output")
    texts = with_pass.select(".jp-Notebook div.jp-Cell-inputWrapper")
    assert len(outputs) >= 4 and len(texts) >= 2 and all(o.attrs.pop("tabindex") == "0" for o in outputs + texts)
    assert str(BeautifulSoup(fast, features="html.parser")) == str(with_pass)
    assert fast.count('class="table-scroll" tabindex="0"') == 2 and 'alt="' in fast


def test_letters_beyond_ascii_are_written_as_themselves():
    """nbconvert's markdown renderer writes a heading's "å" as "&#229;" (the soup pass wrote it back): the page
    has the letters themselves, and markup's own references stay references."""
    nb = new_notebook(cells=[new_markdown_cell("## Sådan læser du rapporten ¶\n\nA &amp; B, 3 &lt; 4")])
    body, _ = export.ReportExporter().from_notebook_node(nb)
    assert "Sådan læser du rapporten ¶" in body and "&#229;" not in body and "&#182;" not in body
    assert "A &amp; B, 3 &lt; 4" in body


def test_language_title_and_alt_conventions_without_papermill():
    nb = _notebook()
    assert export.report_language(nb) == "da"
    assert export.report_title(nb) == "Rapport om relationel kapacitet"
    nb.metadata["relkap"] = {"title": "Stevns: rapport", "language": "en"}
    assert (export.report_language(nb), export.report_title(nb)) == ("en", "Stevns: rapport")
    nb.metadata["relkap"] = {"language": "fr"}
    with pytest.raises(ValueError, match="language must be"):
        export.report_language(nb)


def test_an_image_without_alt_gets_a_generic_text_or_fails_when_required():
    import base64

    png = base64.b64encode(Path(relkap.__file__).with_name("catalogue.yaml").read_bytes()[:10]).decode()
    cell = new_code_cell("plt.show()", outputs=[nbformat.v4.new_output(
        "display_data", data={"image/png": png, "text/plain": "<Figure>"})])
    nb = new_notebook(cells=[cell])
    body, _ = export.ReportExporter().from_notebook_node(nb)
    assert 'alt="Figur uden beskrivelse"' in body and export.NBCONVERT_NO_ALT not in body
    assert any("alt text" in p for p in export.problems(body))
    with pytest.raises(ValueError, match="without an alt text"):
        export.ReportExporter(require_alt=True).from_notebook_node(nb)


def test_a_table_without_caption_is_reported_and_named_by_its_heading():
    nb = new_notebook(cells=[
        new_markdown_cell("## 3. Ledelse"),
        new_code_cell("t", outputs=[nbformat.v4.new_output(
            "display_data", data={"text/html": "<table><tr><th>a</th></tr><tr><td>1</td></tr></table>",
                                  "text/plain": "t"})])])
    body, _ = export.ReportExporter().from_notebook_node(nb)
    assert 'aria-label="Tabel 1: 3. Ledelse"' in body
    assert any("without a caption" in p for p in export.problems(body))


def test_screen_and_print_only_outputs():
    nb = new_notebook(cells=[new_code_cell("x", outputs=[
        nbformat.v4.new_output("display_data", data={"text/html": "<p>skærm</p>", "text/plain": ""},
                               metadata={"relkap": {"media": "screen"}}),
        nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": ""},
                               metadata={"image/png": {"alt": "tryk"}, "relkap": {"media": "print"}})])])
    body, _ = export.ReportExporter().from_notebook_node(nb)
    assert '<div class="relkap-screen-only"><p>skærm</p></div>' in body
    assert re.search(r'<div class="relkap-print-only"><figure class="relkap-figure"><img alt="tryk"', body) or \
        re.search(r'<div class="relkap-print-only"><figure class="relkap-figure"><img src="data:image/png', body)


def test_an_svg_figure_is_drawn_in_the_page_named_by_its_title_on_the_media_chosen(monkeypatch):
    """publish.svg puts the SVG document itself in the page as a <figure> (no picture to encode), screen or print
    only as asked; an SVG without role="img" and a <title> is refused, and problems() finds one in a page."""
    from relkap.plots.svgcharts import message_svg

    published = []
    monkeypatch.setattr(publish, "publish_display_data", lambda data, metadata: published.append((data, metadata)))
    document = message_svg("Svar pr. gruppe", "Søjler: Skole 12, PPR <5")
    publish.svg(document, media="screen")
    (data, meta), = published
    fragment = data["text/html"]
    assert fragment.startswith('<figure class="relkap-figure"><svg ') and fragment.endswith("</svg></figure>")
    assert "<?xml" not in fragment and meta == {"relkap": {"media": "screen"}}
    nb = new_notebook(cells=[new_code_cell("x", outputs=[nbformat.v4.new_output(
        "display_data", data=data, metadata=meta)])])
    body, _ = export.ReportExporter().from_notebook_node(nb)
    assert re.search(r'<div class="relkap-screen-only"><figure class="relkap-figure"><svg [^>]*role="img"', body)
    assert "<title>Svar pr. gruppe</title><desc>Søjler: Skole 12, PPR &lt;5</desc>" in body
    assert not [p for p in export.problems(body) if "SVG" in p]
    for bad in (document.replace(' role="img"', ""), document.replace("<title>Svar pr. gruppe</title>", "<title> </title>"),
                "<p>no figure</p>"):
        with pytest.raises(ValueError, match="title"):
            publish.svg(bad)
    unnamed = body.replace("<title>Svar pr. gruppe</title>", '<circle r="1"><title>a tooltip</title></circle>')
    assert any("SVG figure without a <title>" in p for p in export.problems(unnamed))


def test_the_exporter_is_registered_as_an_nbconvert_entry_point():
    meta = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["entry-points"]["nbconvert.exporters"]["relkap_report"] == "relkap.export:ReportExporter"
    from importlib.metadata import entry_points

    if not [e for e in entry_points(group="nbconvert.exporters") if e.name == "relkap_report"]:
        pytest.skip("the installed relkap predates the entry point: reinstall (pip install -e .)")
    from nbconvert.exporters import get_exporter

    assert get_exporter("relkap_report") is export.ReportExporter


# -- in a real browser ------------------------------------------------------------------------------------
needs_browser = pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing (make browser)")


@pytest.fixture(scope="module")
def chromium():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=list(pdf.CHROMIUM_ARGS))
        try:
            yield b
        finally:
            b.close()




@needs_browser
def test_phone_width_nothing_overflows_outside_a_scroll_box(executed, chromium, tmp_path):
    context, page, problems = open_offline(chromium, executed / "out.html", 390, 844)
    try:
        res = page.evaluate(OVERFLOW)
        assert res["bad"] == [] and res["pageWidth"] <= res["w"], res
        # the wide table scrolls inside its box, and the box says so (a shadow on the right)
        box = page.locator(".table-scroll").first
        assert box.evaluate("b => b.scrollWidth > b.clientWidth")
        assert "radial-gradient" in box.evaluate("b => getComputedStyle(b).backgroundImage")
        assert page.evaluate("document.documentElement.lang") == "en"
        assert page.title() == "Testby: relationel kapacitet"
        alts = page.eval_on_selector_all("img", "xs => xs.map(x => x.alt)")
        assert alts and all(a and a != export.NBCONVERT_NO_ALT for a in alts)
        assert page.eval_on_selector_all("table", "ts => ts.every(t => t.caption && t.caption.textContent.trim())")
        page.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
        assert problems == {"console": [], "network": []}, problems
    finally:
        context.close()


@needs_browser
def test_print_tables_fit_a4(executed, chromium):
    # A4 minus the page margins: 210 - 2 * 14 mm = 182 mm = 688 CSS px
    context, page, problems = open_offline(chromium, executed / "out.html", 688, 844, media="print")
    try:
        over = page.eval_on_selector_all(
            "table", "ts => ts.filter(t => t.getBoundingClientRect().right > document.documentElement.clientWidth + 1)"
                     ".map(t => t.caption ? t.caption.textContent : t.outerHTML.slice(0, 60))")
        assert over == []
        assert problems == {"console": [], "network": []}, problems
    finally:
        context.close()


@needs_browser
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")
def test_pdf_is_a4_and_holds_every_table_header(executed, chromium):
    html_path, pdf_path = executed / "out.html", executed / "out.pdf"
    pdf.html_to_pdf([(html_path, pdf_path)], browser=chromium)
    info = subprocess.run(["pdfinfo", str(pdf_path)], capture_output=True, text=True, check=True).stdout
    w, h = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert (round(w), round(h)) == (595, 842)  # A4 in points
    body = subprocess.run(["pdftotext", "-raw", str(pdf_path), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = re.sub(r"[\s\u00ad-]+", "", body)
    from bs4 import BeautifulSoup

    heads = {th.get_text(" ", strip=True) for th in
             BeautifulSoup(html_path.read_text(encoding="utf-8"), "html.parser").find_all("th")}
    heads.discard("")
    assert heads >= set(HEADERS)
    missing = [h for h in heads if re.sub(r"[\s-]+", "", h) not in flat]
    assert missing == []
    # the second section starts a new page: its heading is the first line of a page
    pages = body.split("\f")
    assert any(p.strip().startswith("2. Documentation") for p in pages), [p.strip()[:40] for p in pages]


def test_figure_lays_out_once_and_gives_savefigs_png(monkeypatch):
    """publish.figure skips savefig's second constrained layout: the PNG is savefig(bbox_inches="tight")'s, byte for byte."""
    import base64
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def draw():
        fig, axes = plt.subplots(1, 2, figsize=(6, 3), layout="constrained", dpi=90)
        im = axes[0].imshow([[1, 2], [3, 4]])
        fig.colorbar(im, ax=axes[0], label="Gennemsnit")
        axes[1].bar(["Skole", "Sundhedsplejen"], [3.2, 4.1])
        axes[1].set_title("En lang titel der skal have plads")
        fig.suptitle("Relationel kapacitet")
        return fig

    expected = io.BytesIO()
    draw().savefig(expected, format="png", dpi=150, bbox_inches="tight")
    published = []
    monkeypatch.setattr(publish, "publish_display_data", lambda data, metadata: published.append(data))
    fig = draw()
    publish.figure(fig, "to figurer", close=False)
    assert base64.b64decode(published[0]["image/png"]) == expected.getvalue()
    assert fig.get_layout_engine().__class__.__name__ == "ConstrainedLayoutEngine" and fig.dpi == 90
    plt.close("all")
