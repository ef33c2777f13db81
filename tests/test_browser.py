"""In a real browser: the explorer in a real JupyterLab, and an exported kommune report opened offline.

Headless Debian Chromium (``/usr/bin/chromium``, installed by ``make test``) driven by Playwright for
Python; nothing is downloaded. Each test saves a screenshot to ``reports/screenshots`` (git-ignored), or to
the folder in ``RELKAP_SCREENSHOTS``: ``make screenshots`` renews the README's ``docs/screenshots``.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
from axe_audit import AXE, audit
from offline_page import OVERFLOW, open_offline

import relkap
from relkap import plots, synth, words
from relkap.io import import_raw
from relkap.kommuner import kommune_name
from relkap.style import delta_e

CHROMIUM = Path("/usr/bin/chromium")
PROJECT = Path(relkap.config.ROOT)
SCREENSHOTS = Path(os.environ.get("RELKAP_SCREENSHOTS", PROJECT / "reports" / "screenshots"))
BIN = Path(sys.executable).parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="/usr/bin/chromium is missing (`make test` installs Debian's chromium)")
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A small project folder: synthetic data of 3 kommuner, the codebook, the explorer notebook."""
    os.environ.setdefault("RELKAP_PSEUDONYM_KEY", "test-key")
    root = tmp_path_factory.mktemp("browser")
    params = root / "params" / "kommuner"
    synth.write_demo(root / "data" / "raw", n_kommuner=3, seed=1, respondents=40, params_dir=params)
    import_raw(root / "data" / "raw", out_dir=root / "data" / "processed")
    shutil.copy(relkap.config.INSTRUMENT_PATH, root / "params" / "instrument.yaml")
    (root / "notebooks").mkdir()
    shutil.copy(PROJECT / "notebooks" / "explore.ipynb", root / "notebooks" / "explore.ipynb")
    codes = sorted(int(p.stem) for p in params.glob("*.yaml"))
    return {"root": root, "codes": codes}


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield b
        finally:
            b.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def jupyter(project, tmp_path):
    """A real JupyterLab server on a free localhost port, the project folder as its root."""
    port, token = _free_port(), "relkap-browser-test"
    env = {**os.environ, "RELKAP_ROOT": str(project["root"]), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "MPLBACKEND": "Agg"}
    log = open(tmp_path / "jupyter.log", "wb")  # noqa: SIM115 - closed in the teardown
    proc = subprocess.Popen(
        [str(BIN / "jupyter"), "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={project['root']}",
         "--LabApp.expose_app_in_browser=True",
         *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 40
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)  # noqa: S310
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("JupyterLab did not start:\n"
                                       + (tmp_path / "jupyter.log").read_text(errors="replace")[-2000:]) from None
                time.sleep(0.3)
        yield {"url": url, "token": token}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_explorer_in_jupyterlab_follows_the_kommune_control(project, jupyter, browser):
    page = browser.new_page(viewport={"width": 1180, "height": 1000})
    page.set_default_timeout(45_000)
    page.goto(f"{jupyter['url']}/lab/tree/notebooks/explore.ipynb?token={jupyter['token']}")
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    # the kernel named in the notebook ("relkap") must be the one that starts
    page.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget"
                           " && window.jupyterapp.shell.currentWidget.sessionContext"
                           " && window.jupyterapp.shell.currentWidget.sessionContext.session"
                           " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel")
    kernel = page.evaluate("window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.name")
    assert kernel == "relkap"
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")

    title = page.locator("h3.relkap-explore-title")
    title.wait_for()
    first, second = project["codes"][0], project["codes"][1]
    assert title.inner_text().startswith(kommune_name(first))
    # the heat map is an HTML table of coloured cells with the means
    heatmap = page.locator("table.relkap-heatmap")
    heatmap.wait_for()
    assert heatmap.locator("td.value").count() > 0
    cells = heatmap.locator("tbody").inner_html()
    table = page.locator("table.relkap-ties")
    assert table.locator("tbody tr").count() > 0

    page.locator(".widget-dropdown select").first.select_option(label=f"{kommune_name(second)} ({second})")
    # the HTML widgets replace their content on every update: look it up afresh
    page.wait_for_function("name => document.querySelector('h3.relkap-explore-title').innerText.startsWith(name)",
                           arg=kommune_name(second))
    page.wait_for_function("old => document.querySelector('table.relkap-heatmap tbody').innerHTML !== old",
                           arg=cells)

    # the network is an SVG image; the heat map's table is hidden meanwhile
    page.locator(".widget-toggle-buttons button", has_text="Netværk").click()
    page.wait_for_function("() => { const img = document.querySelector('img.widget-image');"
                           " return img && img.offsetParent !== null && img.complete && img.naturalWidth > 0; }")
    assert not page.locator("table.relkap-heatmap").is_visible()
    page.locator(".widget-toggle-buttons button", has_text="Varmekort").click()
    heatmap.wait_for(state="visible")
    # no Python error in any output
    assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
    assert page.locator(".jp-RenderedText[data-mime-type='application/vnd.jupyter.error']").count() == 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.jupyterapp.commands.execute('application:toggle-left-area')")
    news = page.locator(".jp-toast-button:has-text('No'), .jp-Notification-Toast-Close")
    if news.count():
        news.first.click()
    page.locator(".widget-dropdown").first.scroll_into_view_if_needed()
    page.evaluate("document.querySelector('.widget-dropdown').scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)
    page.screenshot(path=str(SCREENSHOTS / "explorer.png"))
    assert (SCREENSHOTS / "explorer.png").stat().st_size < 300_000
    page.close()


@pytest.fixture(scope="module")
def report_html(demo_reports):
    """Hedensted's report of the demo, exported by the batch exactly as ``relkap batch`` does (conftest's
    session-wide run, which tests/test_report.py reads too); its index lists Stevns and a failed kommune."""
    ok = {r.kommune for r in demo_reports["results"] if r.status == "ok"}
    assert 766 in ok, [r.error for r in demo_reports["results"]]
    return demo_reports["out"] / "766" / "report.html"


def test_exported_report_renders_offline_with_figures_and_no_code(report_html, browser):
    context, page, problems = open_offline(browser, report_html)
    try:
        # the figures are SVG in the page: the response, the forest plot (the heat maps are tables, also in
        # print), no picture to load; each drawn at its size (the forest plot, screen only, in the appendix)
        assert page.locator("img").count() == 0
        page.evaluate("document.querySelector('details.relkap-appendix-toggle').open = true")
        figures = page.evaluate("""[...document.querySelectorAll('figure.relkap-figure > svg[role=img]')]
            .map(s => { const r = s.getBoundingClientRect(); return [r.width, r.height, s.querySelectorAll('text').length]; })""")
        assert len(figures) >= 2 and all(w > 300 and h > 200 and n > 10 for w, h, n in figures), figures
        body = page.inner_text("body")
        assert "Relationel kapacitet i" in body
        # markdown cells keep a .jp-InputArea around their rendered text; code cells must have none
        assert page.locator(".jp-CodeCell .jp-InputArea, .jp-InputPrompt, .jp-CodeMirrorEditor, .highlight").count() == 0
        prompts = page.evaluate("[...document.querySelectorAll('.jp-OutputPrompt')].map(p => p.innerText.trim())")
        assert not any(prompts), prompts  # no "Out[3]:"
        for code in ("import ", "report.", "plots.", "display(", "min_n ="):
            assert code not in body
    finally:
        context.close()


def test_report_first_screen_answers_at_1280x900(report_html, browser):
    """The title, the arm, the brief's "Kort fortalt" and its answer in words are on the first screen (the
    README's screenshot)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
    try:
        page = context.new_page()
        page.goto(report_html.as_uri(), wait_until="load")
        first = page.evaluate("""() => [...document.querySelectorAll('h1, h2, li, p')]
            .filter(e => e.getBoundingClientRect().bottom <= window.innerHeight && e.offsetParent !== null)
            .map(e => e.innerText).join(' ')""")
        assert "Relationel kapacitet i" in first and "Kort fortalt" in first and "kommune" in first
        assert "RK" in first and "samarbejde" in first.lower()
        # the heading "Svaret" itself ("Hvem har svaret" also contains the word)
        answer = page.locator("h3", has_text=re.compile(r"^Svaret")).locator("xpath=following::p[1]")
        assert answer.bounding_box()["y"] < 900
        assert any(w in answer.inner_text() for w in ("bedre", "dårligere", "kan ikke sige", "én måling"))
        # the first table (the brief's picture) comes after the answer
        table_y = page.evaluate("document.querySelector('table').getBoundingClientRect().top")
        assert table_y > answer.bounding_box()["y"]
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "report.png"))
        assert (SCREENSHOTS / "report.png").stat().st_size < 300_000
    finally:
        context.close()


def test_report_lang_title_alt_and_captions(report_html, browser):
    context, page, problems = open_offline(browser, report_html)
    try:
        assert page.evaluate("document.documentElement.lang") == "da"
        code = int(report_html.parent.name)
        assert kommune_name(code) in page.title() and "relationel kapacitet" in page.title()
        # every figure (SVG in the page) is named by its alt text: what the browser gives a screen reader
        names = page.eval_on_selector_all("svg[role=img]", "xs => xs.map(x => x.querySelector(':scope > title').textContent)")
        assert names and all(len(a) > 40 for a in names), names
        uncaptioned = page.eval_on_selector_all(
            "table", "ts => ts.filter(t => !(t.caption && t.caption.textContent.trim())).map(t => t.outerHTML.slice(0, 80))")
        assert uncaptioned == []
    finally:
        context.close()


def test_report_on_a_phone_no_table_overflows_without_its_scroll_box(report_html, browser):
    context, page, problems = open_offline(browser, report_html, 390, 844)
    try:
        assert problems["console"] == [] and problems["network"] == []
        res = page.evaluate(OVERFLOW)
        assert res["bad"] == [] and res["pageWidth"] <= res["w"], res
        # the figures (SVG) shrink to the screen's width and keep their shape (viewBox, max-width 100 %)
        figures = page.evaluate("""[...document.querySelectorAll('figure.relkap-figure > svg')]
            .filter(s => s.getBoundingClientRect().width > 0).map(s => { const r = s.getBoundingClientRect();
              return [r.right, r.width / r.height, s.viewBox.baseVal.width / s.viewBox.baseVal.height]; })""")
        assert figures and all(right <= 390 and shown == pytest.approx(drawn, rel=0.02)
                               for right, shown, drawn in figures), figures
        # at least one wide table scrolls in its box, with the shadow that says so
        wide = page.eval_on_selector_all(".table-scroll", "bs => bs.filter(b => b.scrollWidth > b.clientWidth).length")
        assert wide >= 1
        # the heat maps are HTML tables on screen (print-only outputs are hidden)
        assert page.locator("table.relkap-heatmap").first.is_visible()
        assert not page.locator(".relkap-print-only").first.is_visible()
        # every heat map's row labels stay in view when its cells are scrolled to the far right
        page.eval_on_selector_all(".table-scroll", "bs => bs.forEach(b => { b.scrollLeft = b.scrollWidth; })")
        labels = page.eval_on_selector_all(
            "table.relkap-heatmap tbody th",
            "ths => ths.filter(t => t.offsetParent !== null).map(t => { const r = t.getBoundingClientRect();"
            " const box = t.closest('.table-scroll') || document.body; const b = box.getBoundingClientRect();"
            " return [t.innerText, r.left >= b.left - 1 && r.right <= b.right + 1]; })")
        assert labels and all(ok for _, ok in labels), labels
        page.eval_on_selector_all(".table-scroll", "bs => bs.forEach(b => { b.scrollLeft = 0; })")
        # the README's phone view: the brief's heat map, its row labels beside the cells
        page.evaluate("document.querySelector('table.relkap-heatmap').scrollIntoView(); window.scrollBy(0, -70)")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "report_phone.png"))
    finally:
        context.close()


def test_on_a_phone_no_table_scrolls_its_first_column_out_of_view(report_html, browser):
    """At 390 px, with the appendix open, every table that scrolls keeps its first column (the row names:
    group, relation, scale) in view when scrolled to the far right; the interview tables among them."""
    context, page, problems = open_offline(browser, report_html, 390, 844)
    try:
        page.evaluate("document.querySelector('details.relkap-appendix-toggle').open = true")
        page.eval_on_selector_all(".table-scroll", "bs => bs.forEach(b => { b.scrollLeft = b.scrollWidth; })")
        checked = page.eval_on_selector_all(".table-scroll", """bs => bs
            .filter(b => b.offsetParent !== null && b.scrollWidth > b.clientWidth + 1)
            .map(b => { const box = b.getBoundingClientRect();
              const cells = [...b.querySelectorAll('tr > :first-child')].filter(c => c.offsetParent !== null);
              const out = cells.filter(c => { const r = c.getBoundingClientRect();
                return r.left < box.left - 1 || r.right > box.right + 1; }).map(c => c.innerText);
              return [b.getAttribute('aria-label'), cells.length, out]; })""")
        assert checked, "no table scrolls at 390 px"
        assert all(n > 0 and not out for _, n, out in checked), [c for c in checked if c[2]]
        captions = [name for name, _, _ in checked]
        assert any("interview" in name.lower() for name in captions), captions
    finally:
        context.close()


def test_exported_report_makes_no_network_request_and_logs_no_console_error(report_html, browser):
    # needs relkap.batch.export_html to drop nbconvert's CDN <script> tags (require.js, MathJax)
    context, page, problems = open_offline(browser, report_html)
    try:
        page.wait_for_timeout(500)
        assert problems["network"] == [], problems
        assert problems["console"] == [], problems
    finally:
        context.close()


def _pages(pdf: Path) -> list[str]:
    """The text of each page of a PDF (pdftotext splits pages with a form feed)."""
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    return out.stdout.split("\f")[:-1]


@pytest.fixture(scope="module")
def printed_pdf(report_html, browser, tmp_path_factory):
    """The kommune report printed by Chromium on A4 (as ``relkap batch --pdf`` prints it)."""
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext is missing (poppler-utils)")
    context = browser.new_context(offline=True)
    try:
        page = context.new_page()
        page.goto(report_html.as_uri(), wait_until="load")
        pdf = tmp_path_factory.mktemp("print") / "report.pdf"
        page.pdf(path=str(pdf), format="A4", prefer_css_page_size=True, print_background=True)
    finally:
        context.close()
    return pdf


@pytest.fixture(scope="module")
def printed(printed_pdf):
    """The printed report's page texts."""
    return _pages(printed_pdf)


def test_the_brief_prints_on_exactly_the_first_two_a4_pages(printed, printed_pdf):
    """Page one opens with "Kort fortalt" and the answer, page two holds the three ties to talk about, and
    the full report (its contents) starts on page three. The two pages are the README's screenshots."""
    assert "Kort fortalt" in printed[0] and "Svaret" in printed[0]
    assert "Tre relationer at tale om" in printed[1] and "Tre relationer" not in printed[0]
    assert "Indhold" in printed[2] and "Indhold" not in printed[1]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for k in (1, 2):
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", str(k), "-l", str(k), "-singlefile", str(printed_pdf),
                        str(SCREENSHOTS / f"brief_page{k}")], check=True)
        assert (SCREENSHOTS / f"brief_page{k}.png").stat().st_size < 300_000


def test_the_whole_report_prints_on_at_most_14_pages(printed):
    """The brief, the full report and the appendix on at most 14 A4 pages (issue 21; the three-wave demo's
    kommuner print on 13 or 14)."""
    assert len(printed) <= 14, len(printed)


def test_heat_maps_print_as_their_tables_in_colour_within_the_page(report_html, browser, printed):
    """Print shows each heat map as the table the screen shows (issue 26: no picture of it): within the A4 text
    width (182 mm = 688 CSS px), no text under 8 pt, colours printed exactly, hidden cells hatched and the own
    group's frame dashed as the note says; the brief's map is on page one. Hedensted's report and Stevns'
    (which hides some cells)."""
    context = browser.new_context(viewport={"width": 688, "height": 1009}, offline=True)
    maps = []
    try:
        page = context.new_page()
        page.emulate_media(media="print")
        for html in (report_html, report_html.parent.parent / "336" / "report.html"):
            page.goto(html.as_uri(), wait_until="load")
            maps += page.evaluate("""() => [...document.querySelectorAll('table.relkap-heatmap')].map(t => {
            const css = e => getComputedStyle(e);
            const texts = [...t.querySelectorAll('th, td, td *')].filter(e => e.innerText.trim());
            return {shown: t.offsetParent !== null, right: t.getBoundingClientRect().right,
                    font: Math.min(...texts.map(e => parseFloat(css(e).fontSize))), adjust: css(t).printColorAdjust,
                    dashed: [...t.querySelectorAll('td.diagonal')].map(d => css(d).borderTopStyle),
                    hatched: [...t.querySelectorAll('td.suppressed')].map(d => css(d).backgroundImage.slice(0, 24))}; })""")
            assert page.locator(".relkap-print-only img, figure img[alt^='Varmekort']").count() == 0
        assert len(maps) >= 6
    finally:
        context.close()
    for m in maps:
        assert m["shown"] and m["right"] <= 688 and m["font"] >= 8 * 96 / 72 - 0.01 and m["adjust"] == "exact", m
        assert m["dashed"] and set(m["dashed"]) == {"dashed"}, m
        assert set(m["hatched"]) <= {'url("data:image/svg+xml,'}, m
    assert any(m["hatched"] for m in maps)  # Stevns hides some cells
    assert words.text("figure.rater", "da") in printed[0]


def test_the_response_figure_prints_at_its_size_with_8_pt_text_and_the_screen_figures_do_not_print(report_html,
                                                                                                   browser, printed):
    """In print (A4's text width, 688 CSS px) the response overview (SVG) shows whole at its own size, every text
    8 pt or more as printed; the forest plot (screen only) is not printed; no picture either."""
    context = browser.new_context(viewport={"width": 688, "height": 1009}, offline=True)
    try:
        page = context.new_page()
        page.emulate_media(media="print")
        page.goto(report_html.as_uri(), wait_until="load")
        shown = page.evaluate("""() => [...document.querySelectorAll('figure.relkap-figure > svg')].map(s => {
            const r = s.getBoundingClientRect(), scale = r.width / s.viewBox.baseVal.width;
            return {shown: r.width > 0, right: r.right, title: s.querySelector(':scope > title').textContent,
                    font: Math.min(...[...s.querySelectorAll('text')].map(t => parseFloat(t.getAttribute('font-size')) * scale))}; })""")
        assert page.locator("img").count() == 0
    finally:
        context.close()
    printed_figures = [f for f in shown if f["shown"]]
    assert len(printed_figures) == 1 and printed_figures[0]["title"].startswith("Antal besvarelser"), shown
    assert printed_figures[0]["right"] <= 688 and printed_figures[0]["font"] >= 8 * 96 / 72 - 0.01, printed_figures
    assert any("Antal besvarelser" in p and "Mindste n der vises (5)" in p for p in printed)  # the PDF has its text


def test_heat_map_colours_show_the_bands_in_the_browser(browser, tmp_path):
    """The colours the browser paints: a 3,3 (svag) and a 3,6 (moderat) cell differ at least as much as a 3,6
    and a 4,2 (stærk) cell (CIE76 distance of the computed backgrounds, relkap.style.delta_e)."""
    inst = relkap.load_instrument()
    codes = [g.code for g in inst.groups]
    ties = pd.DataFrame({"group": codes[0], "target": codes[1:4], "n": 8, "mean": [3.3, 3.6, 4.2],
                         "suppressed": False})
    page_file = tmp_path / "heatmap.html"
    page_file.write_text("<!doctype html><html lang='da'><body>" + plots.tie_heatmap_html(ties, instrument=inst)
                         + "</body></html>", encoding="utf-8")
    context = browser.new_context(offline=True)
    try:
        page = context.new_page()
        page.goto(page_file.as_uri())
        colours = page.eval_on_selector_all(
            "td.value", "tds => tds.map(t => [t.innerText.split('\\n')[0], getComputedStyle(t).backgroundColor])")
    finally:
        context.close()
    rgb = {text: tuple(int(v) / 255 for v in c[c.index("(") + 1:-1].split(",")[:3]) for text, c in colours}
    assert set(rgb) == {"3,3", "3,6", "4,2"}, colours
    assert delta_e(rgb["3,3"], rgb["3,6"]) >= delta_e(rgb["3,6"], rgb["4,2"]) > 20


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is missing (`make browser` runs npm ci)")
@pytest.mark.parametrize("width", [1280, 390])
def test_axe_finds_no_violation_in_the_report_and_its_brief(report_html, browser, width):
    """axe-core (every default rule: WCAG A/AA and best practices) on the whole report, the brief included."""
    assert audit(browser, report_html, width) == []


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is missing (`make browser` runs npm ci)")
@pytest.mark.parametrize("width", [1280, 390])
def test_axe_finds_no_violation_in_the_index(report_html, browser, width):
    assert audit(browser, report_html.parent.parent / "index.html", width) == []
