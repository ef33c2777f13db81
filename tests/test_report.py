"""The kommune report notebook end to end: papermill through `relkap batch` on small synthetic data.

Checks that summary.json equals what the package functions return for the same data, that the HTML has no
code, prompts, parameters or respondent ids, that a baseline-only kommune and a broken kommune are handled,
and that --resume re-runs only what changed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import nbformat
import pandas as pd
import papermill as pm
import pytest

import relkap
from relkap import batch, export, fmt, report, synth, words
from relkap.labels import wave_label
from relkap.params import default_kommune_params
from relkap.report import briefing
from relkap.report.display import header

NOTEBOOK = Path(relkap.config.NOTEBOOKS_DIR, "kommune_report.ipynb")
INST = relkap.load_instrument()
CODES = [766, 336]  # Hedensted (control) and Stevns, two of the demo kommuner (conftest.REPORT_CODES)


@pytest.fixture(scope="module")
def project(demo_reports):
    """The demo's reports of Hedensted and Stevns and a broken kommune (conftest's session-wide batch run)."""
    assert list(demo_reports["codes"]) == CODES
    return demo_reports


def test_batch_reports_ok_and_broken_kommune_recorded(project):
    status = {r.kommune: r.status for r in project["results"]}
    assert status == {766: "ok", 336: "ok", 101: "failed"}
    failed = next(r for r in project["results"] if r.kommune == 101)
    assert "no employee answers for kommune 101" in failed.error
    index = (project["out"] / "index.html").read_text(encoding="utf-8")
    assert "Hedensted" in index and "Stevns" in index and "København" in index
    assert not (project["out"] / "101").exists()


def test_summary_equals_package_functions(project):
    """summary.json holds the numbers of the package functions on the shared tables (hidden cells removed)."""
    full = report.kommune_tables(relkap.load(project["data"]), 766)
    tables = report.shared_tables(full, INST, min_n=5)
    s = json.loads((project["out"] / "766" / "summary.json").read_text(encoding="utf-8"))
    rk = report.rk_change(tables.relations, INST, min_n=5)
    row = rk[rk["dimension"] == "rk"].iloc[0]
    for key in ("mean_baseline", "mean_followup", "diff", "diff_ci_low", "diff_ci_high", "hedges", "p_val"):
        assert s["rk_index"][key] == pytest.approx(float(row[key]), abs=1e-6), key
    assert s["rk_index"]["n_baseline"] == int(row["n_baseline"])
    assert [d["dimension"] for d in s["dimensions"]] == ["rk", *INST.relational_codes]
    ties = report.tie_change(tables.relations, INST, min_n=5)
    every_tie = report.tie_table(full.relations, INST)[["group", "target"]].astype(str).drop_duplicates()
    assert len(s["ties"]) == len(every_tie)  # hidden ties are listed, without values
    by_tie = {(t["group"], t["target"]): t for t in s["ties"]}
    for r in ties.itertuples(index=False):
        t = by_tie[(r.group, r.target)]
        if r.suppressed:
            # privacy: a suppressed tie shows no value, and its count below min_n is null (not the exact n)
            assert t["mean_baseline"] is None and t["diff"] is None and t["hedges"] is None
            assert None in (t["n_baseline"], t["n_followup"])
        else:
            assert t["diff"] == pytest.approx(r.diff, abs=1e-6)
            assert t["p_fdr"] == pytest.approx(r.p_fdr, abs=1e-6)
    scales = report.scale_change(tables, INST, min_n=5)
    assert {x["scale"] for x in s["scales"]} == set(scales["scale"])
    counts = [r[k] for part in ("dimensions", "ties", "scales") for r in s[part] for k in ("n_baseline", "n_followup")]
    assert all(c >= 5 for c in counts if c is not None)
    assert s["has_followup"] is True and s["kommune"] == 766 and s["name"] == "Hedensted"
    assert s["schema"] == report.SUMMARY_SCHEMA == 4


def test_summary_schema_3_fields(project):
    """Arm, focal process, targeted ties and their comparison, response rates, key points, provenance."""
    stevns = json.loads((project["out"] / "336" / "summary.json").read_text(encoding="utf-8"))
    hedensted = json.loads((project["out"] / "766" / "summary.json").read_text(encoding="utf-8"))
    assert stevns["arm"] == "intervention" and hedensted["arm"] == "control"
    assert stevns["focal_process"] and stevns["targeted_ties"] and all(len(t) == 2 for t in stevns["targeted_ties"])
    assert hedensted["targeted_ties"] == [] and hedensted["targeted_comparison"] is None
    comp = stevns["targeted_comparison"]
    assert {g["kind"] for g in comp["groups"]} == {"targeted", "other"}
    assert [[t["group"], t["target"]] for t in comp["ties"]] == stevns["targeted_ties"]
    rates = stevns["response_rates"]
    assert {r["wave"] for r in rates} == {"baseline", "followup"} and any(r["total"] for r in rates)
    assert all(r["n"] is None or r["n"] >= 5 for r in rates)
    assert all(r["rate"] is None for r in rates if r["n"] is None)  # no rate for a hidden group
    kinds = [p["kind"] for p in stevns["key_points"]]
    assert kinds[0] == "index" and "targeted" in kinds and len(kinds) <= 5
    assert "control" in [p["kind"] for p in hedensted["key_points"]]
    prov = stevns["provenance"]
    assert set(prov) >= {"git", "run", "sha256", "versions", "parameters"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", prov["run"])
    assert prov["sha256"] and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in prov["sha256"].values())
    assert prov["git"]["commit"] == "not a git checkout" or re.fullmatch(r"[0-9a-f]{40}", prov["git"]["commit"])
    # no absolute local path anywhere (parameters and provenance alike)
    text = json.dumps(stevns, ensure_ascii=False)
    assert str(project["root"]) not in text and not re.search(r'"/(home|tmp|root|Users)/', text)


def test_shared_tables_print_no_count_below_min_n(project):
    """The report's tables write "<min_n" for a small count and suppress alpha of fewer than min_n answers."""
    tables = report.kommune_tables(relkap.load(project["data"]), 766)
    shown = report.change_table(report.tie_change(tables.relations, INST, min_n=12), ["group", "target"], INST,
                                min_n=12).data
    counts = shown[[header("n_baseline"), header("n_followup")]].to_numpy().ravel().tolist()
    assert "<12" in counts and all(c == "<12" or int(c) >= 12 for c in counts)
    al = report.agreement_tables(tables, INST, min_n=5)["alpha"]
    threshold = int(al["n"].median()) + 1  # some scales below, some above
    al = report.agreement_tables(tables, INST, min_n=threshold)["alpha"]
    small = al["n"] < threshold
    assert small.any() and (~small).any()
    assert al.loc[small, ["alpha", "ci_low", "ci_high"]].isna().all().all() and al.loc[~small, "alpha"].notna().all()
    # one row per scale, one column per wave: "alpha [CI], n = n"
    table = report.agreement_display({"alpha": al}, "alpha", INST, min_n=threshold).data.set_index(header("scale"))
    for a in al.to_dict("records"):
        cell = table.loc[INST.label(a["scale"], "da"), wave_label(a["wave"], "da", INST)]
        if a["n"] < threshold:
            assert cell == f"for få svar, n = <{threshold}"
        else:
            assert cell.startswith(fmt.number(a["alpha"], 2)) and cell.endswith(f", n = {a['n']}")
    # summary.json: a count below min_n is null
    every = relkap.load(project["data"])
    s = report.summary(report.build(every, INST, default_kommune_params(766), min_n=12))
    counts = [r[k] for part in ("dimensions", "ties", "scales") for r in s[part] for k in ("n_baseline", "n_followup")]
    assert None in counts and all(c >= 12 for c in counts if c is not None)


def test_html_is_for_readers(project):
    html = (project["out"] / "336" / "report.html").read_text(encoding="utf-8")
    assert "Relationel kapacitet i Stevns Kommune" in html
    # the figures (the response chart; on screen the forest plot and, with three waves, the trend) are SVG in the
    # page, each named by its alt text; no picture is embedded; the heat maps are HTML tables on screen and in
    # print, drawn once
    assert not re.search(r"<img\b", html) and '<figure class="relkap-figure"><img' not in html
    figures = re.findall(r'<figure class="relkap-figure"><svg [^>]*role="img"[^>]*><title>([^<]{40,})</title>', html)
    assert len(figures) == 2, figures  # the demo here has two waves: no trend
    assert figures[0].startswith("Antal besvarelser pr. gruppe og måling") and "Hedges" in figures[1]
    assert html.count('<div class="relkap-screen-only"><figure class="relkap-figure"><svg') == 1
    for name in ("Mindste n der vises (5)", "Antal besvarelser", "statistisk sikker (FDR)", "justeret p &lt; 0,05:"):
        assert f">{name}</tspan>" in html, name
    assert not re.search(r'class="[^"]*jp-(Input|Output)Prompt', html)  # the CSS names them; no element uses them
    assert 'class="jp-CodeMirrorEditor' not in html and '<div class="highlight' not in html  # no code input
    assert "In&nbsp;[" not in html
    assert "import relkap" not in html and "from relkap" not in html and "plt.show" not in html
    assert "papermill" not in html.lower().replace("version papermill", "")
    assert "out_dir" not in html and "min_n = 5" not in html
    ids = relkap.load(project["data"]).relations.query("kommune == 336")["respondent_id"].unique()
    assert not any(i in html for i in ids)
    assert not re.search(r"\bR\d{6}\b", html)  # raw synthetic ids look like R000123


def test_danish_report_has_only_the_danish_narrative(project):
    html = (project["out"] / "336" / "report.html").read_text(encoding="utf-8")
    assert "Relationel kapacitet før og efter" in html and "Samarbejdet mellem grupperne" in html
    assert "Kort fortalt" in html and "Sådan læser du rapporten" in html and "Metode" in html
    assert "Relational capacity before and after" not in html and "Collaboration between the groups" not in html


def test_english_report_has_the_english_narrative_only(project, tmp_path):
    pm.execute_notebook(str(NOTEBOOK), str(tmp_path / "nb.ipynb"), kernel_name="relkap", progress_bar=False,
                        parameters={"kommune": 336, "data_dir": str(project["data"]), "out_dir": str(tmp_path),
                                    "params_dir": str(project["params"]), "language": "en"},
                        kernel_manager_class=batch.kernel_manager_class())
    html = batch.export_html(tmp_path / "nb.ipynb", tmp_path / "report.html").read_text(encoding="utf-8")
    for heading in ("In brief", "The answer", "How to read this report", "Who answered",
                    "Relational capacity before and after", "Collaboration between the groups",
                    "Did the ties we worked on change?", "Three ties to talk about", "Agreement and reliability",
                    "Methods", "Limitations", "Documentation"):
        assert heading in html, heading
    for heading in ("Kort fortalt", "Hvem har svaret", "Relationel kapacitet før og efter",
                    "Samarbejdet mellem grupperne", "Enighed og pålidelighed", "Metode"):
        assert heading not in html, heading
    assert "Welch's t test" in html  # the methods say which test
    assert '<html lang="en">' in html and export.problems(html) == []


@pytest.mark.parametrize("notebook", [NOTEBOOK, NOTEBOOK.with_name("research.ipynb")], ids=["report", "research"])
def test_every_danish_narrative_cell_has_an_english_twin(notebook):
    nb = nbformat.read(notebook, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "markdown"]
    tags = [c.metadata.get("tags", []) for c in cells]
    langs = [tuple(t for t in tag if t in ("da", "en")) for tag in tags]
    assert langs == [("da",), ("en",)] * (len(cells) // 2)  # no untagged narrative, pairs in order
    assert all(("appendix" in da) == ("appendix" in en) for da, en in zip(tags[::2], tags[1::2], strict=True))
    for da, en in zip(cells[::2], cells[1::2], strict=True):
        # the same heading level (or both plain text) and section number
        assert re.match(r"#*", da.source).group() == re.match(r"#*", en.source).group()
        if da.source.startswith("#"):
            assert re.match(r"#+ (\d*)", da.source).group(1) == re.match(r"#+ (\d*)", en.source).group(1)


def test_baseline_only_kommune_gets_a_clear_note(project, tmp_path):
    tables = relkap.load(project["data"])
    data = tmp_path / "processed"
    data.mkdir()
    for name, t in tables:
        drop = (t["kommune"] == 766) & ((t["wave"] == "followup") | (name == "citizens"))  # no citizen survey
        t[~drop].to_parquet(data / f"{name}.parquet")
    out = tmp_path / "out"
    pm.execute_notebook(str(NOTEBOOK), str(tmp_path / "nb.ipynb"), kernel_name="relkap", progress_bar=False,
                        parameters={"kommune": 766, "data_dir": str(data), "out_dir": str(out),
                                    "params_dir": str(project["params"])})
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert s["has_followup"] is False and s["respondents"]["followup"] == 0
    assert s["rk_index"]["diff"] is None and s["rk_index"]["suppressed"] is True
    assert {x["instrument"] for x in s["scales"]} == {"employee"}
    text = (tmp_path / "nb.ipynb").read_text(encoding="utf-8")
    assert "ingen eftermåling" in text
    assert "Ingen data for denne del" in text  # the citizens section says so instead of failing


def test_resume_reruns_only_what_changed(project):
    params = project["params"]
    before = {c: (project["out"] / str(c) / "report.html").stat().st_mtime for c in CODES}
    os.utime(params / "336.yaml")  # a newer parameter file for Stevns only
    results = batch.run_batch(only=CODES, params_dir=params, data_dir=project["data"], out_root=project["out"],
                              workers=2, resume=True, progress=False)
    status = {r.kommune: r.status for r in results}
    assert status == {766: "skipped", 336: "ok"}
    assert (project["out"] / "766" / "report.html").stat().st_mtime == before[766]
    assert (project["out"] / "336" / "report.html").stat().st_mtime > before[336]


def test_notebook_is_committed_without_outputs_and_paired():
    # what git holds, not the working file a JupyterLab run may have autosaved (git strips that on commit)
    held = subprocess.run(["git", "show", ":notebooks/kommune_report.ipynb"], cwd=relkap.config.ROOT,
                          capture_output=True, text=True)
    nb = json.loads(held.stdout if held.returncode == 0 else NOTEBOOK.read_text(encoding="utf-8"))
    assert all(not c.get("outputs") and not c.get("execution_count") for c in nb["cells"] if c["cell_type"] == "code")
    tags = [c["metadata"].get("tags", []) for c in nb["cells"]]
    assert sum("parameters" in t for t in tags) == 1
    paired = NOTEBOOK.with_suffix(".py").read_text(encoding="utf-8")
    assert "# %% tags=[\"parameters\"]" in paired
    assert nb["metadata"]["jupytext"]["formats"] == "ipynb,py:percent"
    # every code cell of the pair is in the notebook (they cannot drift)
    sources = ["".join(c["source"]).strip() for c in nb["cells"] if c["cell_type"] == "code"]
    for src in sources:
        assert src.splitlines()[0] in paired


# ----------------------------------------------------------------------------------------------------
# Words: the glossary's wave names and significance wording, in the report's tables and sentences
# ----------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def one_kommune():
    raw = synth.simulate(n_kommuner=1, seed=1, respondents=30)
    return relkap.io.tidy_tables(raw.employees, raw.citizens, raw.structures, INST, key=b"test")


def _words(language, tables):
    from relkap.report import display, narrative

    rk = report.rk_change(tables.relations, INST)
    ties = report.tie_table(tables.relations, INST)
    bench = report.benchmark(tables.relations, INST, 766)
    shown = [display.change_table(rk, "dimension", INST, language).data,
             display.received_perceived_table(ties, INST, language).reset_index(),
             display.benchmark_display(bench, INST, language).data,
             display.agreement_display(report.agreement_tables(tables, INST), "alpha", INST, language).data]
    cells = [str(c) for df in shown for c in [*df.columns.to_flat_index(), *df.to_numpy().ravel()]]
    sentences = [briefing.title_block("Stevns", 336, None, True, language, INST),
                 narrative.overview_note(report.response_overview(tables, INST), INST, 5, False, language),
                 briefing.headline(rk, language, INST), narrative.change_map_intro(language),
                 words.text("briefing.most_changed.intro", language, k=3, min_n=5), narrative.no_data(language)]
    return " ".join(cells + sentences)


def test_report_words_follow_the_glossary(one_kommune):
    da = _words("da", one_kommune)
    for word in ("Førmåling", "Eftermåling", "eftermåling", "statistisk sikker", "Ændring"):
        assert word in da, word
    for stale in ("Baseline", "Opfølgning", "opfølgning", "Før", "Efter", "signifikant"):
        assert not re.search(rf"\b{stale}\b", da), stale
    # a change is "Ændring"; "Forskel" is only the gap between received and perceived
    assert not re.search(r"\bForskel\b(?!, (førmåling|eftermåling))", da)
    en = _words("en", one_kommune)
    for word in ("Baseline", "Follow-up", "statistically significant", "Change"):
        assert word in en, word
    for danish in ("Førmåling", "Måling", "Ændring", "statistisk"):
        assert danish not in en, danish
    assert not re.search(r"\d\.\d", da) and re.search(r"\d,\d\d", da)  # Danish numbers: decimal comma
    assert not re.search(r"\d,\d\d", en) and re.search(r"\d\.\d\d", en)


def test_headline_is_a_catalogue_sentence_with_fmt_numbers():
    """The headline says "statistisk sikker" on the adjusted p, in bold only when it is, never "faldet fra 3,34
    til 3,34" (issue 13: Randers)."""
    rk = pd.DataFrame({"dimension": ["rk"], "suppressed": [False], "mean_baseline": [3.8], "mean_followup": [3.6],
                       "n_baseline": [40], "n_followup": [41],
                       "diff": [-0.2], "diff_ci_low": [-0.4], "diff_ci_high": [0.0], "hedges": [-0.3],
                       "p_val": [0.02], "p_fdr": [0.2]})
    assert briefing.headline(rk, "en", INST) == (
        "Collaboration between the groups (RK index) fell from 3.80 to 3.60 (\u22120.20); the change is not "
        "statistically significant and may be chance.")
    assert briefing.headline(rk.assign(p_fdr=0.01), "da", INST).startswith("**")
    same = rk.assign(mean_baseline=3.3414, mean_followup=3.3393, diff=-0.0021)
    assert "uændret på 3,34" in briefing.headline(same, "da", INST) and "faldet" not in briefing.headline(same, "da", INST)
    assert "**" not in briefing.headline(same, "da", INST)


def test_privacy_mask_small_counts_is_the_summary_rule():
    from relkap.privacy import mask_small_counts

    df = pd.DataFrame({"n": [4, 5], "n_baseline": [9, 2], "mean": [3.0, 4.0]})
    out = mask_small_counts(df, 5)
    assert out["n"].isna().tolist() == [True, False] and out["n_baseline"].isna().tolist() == [False, True]
    assert out["mean"].tolist() == [3.0, 4.0] and df["n"].tolist() == [4, 5]  # the input is left as it was


# ----------------------------------------------------------------------------------------------------
# The briefing as the reference group reads it (issue 13) and what it may publish (issue 14)
# ----------------------------------------------------------------------------------------------------
def _page(project, code: int) -> str:
    return (project["out"] / str(code) / "report.html").read_text(encoding="utf-8")


def _soup(page: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup(page, features="html.parser")


def _table(page: str, caption: str) -> pd.DataFrame:
    """The exported table with this caption, as text cells (header row = columns)."""
    table = next(t for t in _soup(page).find_all("table") if t.caption and t.caption.get_text(strip=True) == caption)
    head = [th.get_text(" ", strip=True) for th in table.find("thead").find_all("th")]
    rows = [[c.get_text(" ", strip=True) for c in tr.find_all(["td", "th"])] for tr in table.find("tbody").find_all("tr")]
    return pd.DataFrame(rows, columns=head[-len(rows[0]):])


def _heading(page: str, words_: str):
    return _soup(page).find(lambda t: t.name in ("h1", "h2", "h3") and words_ in t.get_text())


def _first_screen(page: str) -> str:
    """The text before the first table: the title block and the start of the brief ("Kort fortalt")."""
    return _soup(page[:page.index("<table")]).get_text(" ", strip=True)


def test_first_screen_answers_before_any_table_intervention(project):
    page = _page(project, 336)
    first = _first_screen(page)
    assert "Relationel kapacitet i Stevns Kommune" in first and "Kort fortalt" in first
    assert "indsatskommune" in first
    assert "relationel kapacitet (RK)" in first and "Svaret" in first
    assert "Samarbejdet er blevet bedre" in first and "næppe er et tilfælde" in first  # the answer in words
    brief = _soup(page[page.index("Kort fortalt"):page.index(">Indhold<")]).get_text(" ", strip=True)
    # the three targeted ties are marked in the brief's picture (◆ in their cells) beside the sentence on them
    assert "I har arbejdet med 3 relationer (◆)" in brief and brief.count("◆") >= 3 + 1
    for heading in ("Samarbejdet nu", "Tre relationer at tale om", "Relationerne, I har arbejdet med",
                    "Hvem har svaret"):
        assert heading in brief, heading
    assert "Læs det med forsigtighed" in brief and "◆" in brief  # the targeted ties, marked, with their caveat


def test_first_screen_of_a_control_kommune_says_control(project):
    first = _first_screen(_page(project, 766))
    assert "Hedensted er kontrolkommune" in first and "udviklingen uden en særlig indsats" in first
    assert "er indsatskommune" not in first and "Relationer, I har arbejdet med" not in first and "◆" not in first


def test_most_changed_ordered_by_absolute_change_ups_and_downs_apart(project):

    page = _page(project, 336)
    shown = _table(page, words.text("report.caption.most_changed", "da"))
    change = shown[words.text("glossary.change", "da")].str.replace("−", "-").str.replace(",", ".").astype(float)
    direction = shown[words.text("briefing.most_changed.col_direction", "da")]
    up, down = change[direction == "Fremgang"], change[direction == "Tilbagegang"]
    assert (up > 0).all() and (down < 0).all() and len(up) == 3
    assert list(up) == sorted(up, reverse=True) and list(down.abs()) == sorted(down.abs(), reverse=True)
    full = report.kommune_tables(relkap.load(project["data"]), 336)
    changes = report.tie_change(report.shared_tables(full, INST).relations, INST)
    ok = changes[report.ties.reportable(changes, 5)]
    # the shown change is the difference of the two shown (rounded) means (fmt.difference): within 0.01
    assert list(up) == pytest.approx(sorted(ok.loc[ok["diff"] > 0, "diff"], reverse=True)[:3], abs=0.0101)


def test_targeted_ties_marked_in_heat_maps_and_tables(project):

    page = _page(project, 336)
    soup = _soup(page)
    marked = soup.select("table.relkap-heatmap td.targeted")
    assert len(marked) >= 3 and all("◆" in td.get_text() for td in marked)
    assert not _soup(_page(project, 766)).select("table.relkap-heatmap td.targeted")  # a control kommune: none
    targeted = _table(page, words.text("report.caption.targeted", "da"))
    assert targeted.iloc[0, 0] == "Relationer, I har arbejdet med (◆)"
    assert "Har de relationer, I arbejdede med, ændret sig?" in page
    assert "regression mod middelværdien" in page  # the caveats said plainly
    # the targeted tie that rose most is marked where it is listed
    assert any("◆" in c for c in _table(page, words.text("report.caption.most_changed", "da")).iloc[:, 1])


def test_heat_maps_are_tables_described_by_their_alt_texts_and_never_pictures(project):
    """Each heat map is drawn once, as a table for screen and print (issue 26): no screen- or print-only
    copy, no picture of it; the figure's alt text (relkap.plots.alt) is the table's description."""
    soup = _soup(_page(project, 336))
    maps = soup.select("table.relkap-heatmap")
    assert len(maps) == 3  # the brief's (the latest wave), the baseline's, the change
    for table in maps:
        assert table.find_parent(class_=["relkap-screen-only", "relkap-print-only"]) is None
        described = soup.find(id=table["aria-describedby"])
        assert described.has_attr("hidden") and described.get_text().startswith("Varmekort over")
    figures = [svg.find("title", recursive=False).get_text() for svg in soup.select("figure.relkap-figure > svg")]
    assert figures and not [a for a in figures if a.startswith("Varmekort")] and not soup.find_all("img")


def test_response_rate_shown_when_given(project):

    page = _page(project, 336)
    table = _table(page, words.text("report.caption.response", "da"))
    cells = [c for col in table.columns[1:] for c in table[col]]  # one column per wave: "answers af invited (rate)"
    assert any(re.fullmatch(r"\d+ af \d+ \(\d+ %\)(, lav: læs med forsigtighed)?", c) for c in cells), cells
    assert "Svarprocent = svar / inviterede" in page
    assert "Antallet af inviterede er ikke oplyst" not in page


def test_defaults_report_says_so_and_that_the_response_rate_is_not_known(project, tmp_path):
    """Haderslev (510) is in the data without a parameter file here: defaults, no invited counts."""
    assert not (project["params"] / "510.yaml").exists()
    pm.execute_notebook(str(NOTEBOOK), str(tmp_path / "nb.ipynb"), kernel_name="relkap", progress_bar=False,
                        parameters={"kommune": 510, "data_dir": str(project["data"]), "out_dir": str(tmp_path),
                                    "params_dir": str(project["params"])},
                        kernel_manager_class=batch.kernel_manager_class())
    page = export.export_html(tmp_path / "nb.ipynb", tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Der er ingen parameterfil for Haderslev" in page and "relkap params" in page
    assert "Antallet af inviterede er ikke oplyst" in page and "svarprocenten kendes ikke" in page
    assert export.problems(page) == []
    s = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert s["arm"] == "unknown" and all(r["status"] in ("not_given", "hidden") for r in s["response_rates"])


def test_methods_and_limitations_generated_in_danish(project):
    page = _page(project, 336)
    soup = _soup(page)
    headings = [h.get_text(" ", strip=True).rstrip("¶").strip() for h in soup.find_all(["h1", "h2", "h3", "h4"])]
    assert "Metode" in headings and "Forbehold" in headings
    assert "Welchs t-test" in page and "Benjamini-Hochberg" in page
    assert "beregnet uden de grupper og relationer, der har færre end 5 svar" in page  # the disclosure rule
    assert "RK-målingen" in page  # issue 24: whether the waves rest on an invariant instrument (pooled data)


def test_report_section_order(project):
    page = _page(project, 336)
    headings = [h.get_text(" ", strip=True).rstrip("¶").strip()
                for h in _soup(page).find_all(["h1", "h2", "h3"])]
    wanted = ["Relationel kapacitet i Stevns Kommune", "Kort fortalt", "Svaret", "Samarbejdet nu",
              "Tre relationer at tale om", "Relationerne, I har arbejdet med", "Hvem har svaret", "Indhold",
              "Sådan læser du rapporten", "Relationel kapacitet før og efter", "Samarbejdet mellem grupperne",
              "De relationer, der har ændret sig mest", "Har de relationer, I arbejdede med, ændret sig?",
              "Modtaget og oplevet samarbejde", "Ledelse, motivation og borgerne",
              "Kommunen blandt de andre kommuner i undersøgelsen", "Bilag: til forskere og fagfolk",
              "Enighed og pålidelighed", "Metode", "Dokumentation"]
    positions = [headings.index(h) for h in wanted]
    assert positions == sorted(positions), headings


def test_dialogue_guide_three_ties_with_reasons_and_questions(project):
    guide = _heading(_page(project, 336), "Tre relationer at tale om").find_next("ol")
    items = guide.find_all("li", recursive=False)
    assert len(items) == 3
    for li in items:
        assert "→" in li.get_text() and 2 <= len(li.find_all("li")) <= 3


def test_received_perceived_baseline_first_with_gap_and_no_empty_cell(project):

    page = _page(project, 336)
    table = _table(page, words.text("report.caption.received_perceived", "da"))
    cols = list(table.columns)
    assert cols[1:] == ["Modtaget, førmåling", "Oplevet, førmåling", "Forskel, førmåling",
                        "Modtaget, eftermåling", "Oplevet, eftermåling", "Forskel, eftermåling"]
    assert (table != "").all().all() and (table == "n<5").any().any()  # Ledere at baseline: hidden, said so
    assert words.text("briefing.limitations.rater_sets", "da")[:60] in page


def test_change_colour_scale_is_the_same_in_every_kommune(project):
    def change_legend(page: str) -> str:
        bars = re.findall(r"<span class=\"bar\" style=\"background:linear-gradient\(to right,[^\"]*\">.*?</span></div>",
                          page.replace("'", '"'))
        return next(b for b in bars if "+1,0" in b or "−1,0" in b)

    assert change_legend(_page(project, 336)) == change_legend(_page(project, 766))
    assert "fuld farve ved ±1,0" in _page(project, 336)


def _count_cells(page: str) -> list[str]:
    """Every cell of a count column in every table (n, n førmåling, Svar, ...) and every "n=" in the heat maps."""
    cells = re.findall(r"n=(\d+)", _soup(page).get_text(" "))
    for table in _soup(page).find_all("table"):
        thead = table.find("thead")
        if thead is None:
            continue
        head = [th.get_text(" ", strip=True) for th in thead.find_all("tr")[-1].find_all("th")]
        counts = [i for i, h in enumerate(head) if re.fullmatch(r"(.*: )?(n|n \w+|Svar|Answers)", h)]
        for tr in table.find("tbody").find_all("tr"):
            row = [c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])]
            cells += [row[i] for i in counts if i < len(row)]
    return cells


@pytest.mark.parametrize("code", CODES)
def test_no_count_below_min_n_in_html_or_summary(project, code):
    cells = _count_cells(_page(project, code))
    assert len(cells) > 20
    small = [c for c in cells if c != "<5" and not (c.isdigit() and int(c) >= 5)]
    assert small == []
    s = json.loads((project["out"] / str(code) / "summary.json").read_text(encoding="utf-8"))

    def walk(x, key=None):
        if isinstance(x, dict):
            for k, v in x.items():
                yield from walk(v, k)
        elif isinstance(x, list):
            for v in x:
                yield from walk(v, key)
        elif key in ("n", "n_baseline", "n_followup", "invited") and isinstance(x, int) and not isinstance(x, bool):
            yield key, x

    counts = [(k, v) for k, v in walk(s) if k != "invited"]
    assert counts and all(v >= 5 for _, v in counts)


@pytest.mark.parametrize("code", CODES)
def test_real_report_passes_the_export_checks(project, code):
    """lang, a title naming the kommune, viewport, alt on every image, every table captioned, offline."""
    page = _page(project, code)
    assert export.problems(page) == []
    soup = _soup(page)
    assert soup.html["lang"] == "da" and ("Stevns" if code == 336 else "Hedensted") in soup.title.get_text()
    # the figures are SVG in the page, named by their alt text; the heat maps are tables, described by it
    alts = [svg.find("title", recursive=False).get_text() for svg in soup.select("figure.relkap-figure > svg[role=img]")]
    alts += [soup.find(id=t["aria-describedby"]).get_text() for t in soup.select("table.relkap-heatmap")]
    assert len(alts) >= 5 and all(len(a) > 40 for a in alts)  # made from the data, not a generic text


def _attack(summary: dict, truth: pd.DataFrame, wave: str) -> tuple[float, float]:
    """Complementary disclosure on the real summary.json: the index's n and mean minus the shown groups.

    The attacker knows the shown groups' counts (summary.json's response rates) and, more than any
    reader, their exact means (``truth``); the hidden count is taken as the remainder, or as the true
    hidden count when the remainder is 0, to give the attack every chance.
    """
    index = summary["rk_index"]
    key = "baseline" if wave == INST.waves.baseline else "followup"
    n_total, mean_total = index[f"n_{key}"], index[f"mean_{key}"]
    shown = [r for r in summary["response_rates"] if not r["total"] and r["wave"] == wave and r["n"] is not None]
    shown_truth = truth[(truth["wave"] == wave) & truth["group"].isin([r["group"] for r in shown])]
    n_left = n_total - sum(r["n"] for r in shown)
    hidden = truth[(truth["wave"] == wave) & ~truth["group"].isin([r["group"] for r in shown])]
    n_guess = n_left if n_left > 0 else hidden["n"].sum()
    mean = (n_total * mean_total - (shown_truth["n"] * shown_truth["mean"]).sum()) / n_guess
    return n_left, mean


def _group_index(relations) -> pd.DataFrame:
    s = report.respondent_dimension_scores(relations, INST)
    s = s[s["dimension"] == "rk"].astype({"wave": str, "group": str})
    return s.groupby(["wave", "group"])["score"].agg(n="count", mean="mean").reset_index()


def _attack_every_hidden_group(summary: dict, relations) -> int:
    truth = _group_index(relations)
    attacked = 0
    for wave in (INST.waves.baseline, INST.waves.followup):
        hidden = truth[(truth["wave"] == wave) & (truth["n"] < 5)]
        if hidden.empty:
            continue
        n_left, mean = _attack(summary, truth, wave)
        assert n_left == 0  # no count left over by subtraction
        true_mean = (hidden["n"] * hidden["mean"]).sum() / hidden["n"].sum()
        assert abs(mean - true_mean) > 0.05, (wave, mean, true_mean)
        assert summary["respondents"][wave] == sum(r["n"] for r in summary["response_rates"]
                                                   if not r["total"] and r["wave"] == wave and r["n"])
        attacked += 1
    return attacked


def test_disclosure_attack_on_the_real_summary_recovers_nothing(project):
    """Stevns hides Ledere (4 at baseline): totals minus siblings in summary.json give neither n nor mean."""
    every = relkap.load(project["data"])
    attacked = 0
    for code in CODES:
        s = json.loads((project["out"] / str(code) / "summary.json").read_text(encoding="utf-8"))
        attacked += _attack_every_hidden_group(s, report.kommune_tables(every, code).relations)
    assert attacked >= 1


def test_disclosure_attack_on_a_generated_kommune_with_one_small_group(project, tmp_path):
    """Hedensted with Skole cut to 3 baseline respondents who all answer 1, run through the notebook."""
    tables = relkap.load(project["data"])
    rel = tables.relations
    base = (rel["kommune"] == 766) & (rel["wave"] == INST.waves.baseline) & (rel["group"] == "skole")
    keep = rel.loc[base, "respondent_id"].unique()[:3]
    rel = rel[~(base & ~rel["respondent_id"].isin(keep))].copy()
    rel.loc[base.reindex(rel.index, fill_value=False) & rel["score"].notna(), "score"] = 1.0
    data = tmp_path / "processed"
    data.mkdir()
    for name, t in tables:
        (rel if name == "relations" else t).to_parquet(data / f"{name}.parquet")
    pm.execute_notebook(str(NOTEBOOK), str(tmp_path / "nb.ipynb"), kernel_name="relkap", progress_bar=False,
                        parameters={"kommune": 766, "data_dir": str(data), "out_dir": str(tmp_path),
                                    "params_dir": str(project["params"])},
                        kernel_manager_class=batch.kernel_manager_class())
    s = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert _attack_every_hidden_group(s, rel[rel["kommune"] == 766]) == 1
    page = export.export_html(tmp_path / "nb.ipynb", tmp_path / "r.html").read_text(encoding="utf-8")
    assert [c for c in _count_cells(page) if c != "<5" and not (c.isdigit() and int(c) >= 5)] == []
    assert "Skole" in _soup(page).get_text()  # named as hidden, never counted


def test_batch_pdf_is_a4_and_holds_every_table_header(project):
    import shutil

    if not (shutil.which("pdfinfo") and shutil.which("pdftotext")) or not Path("/usr/bin/chromium").exists():
        pytest.skip("needs poppler-utils and chromium")
    ok = [r for r in project["results"] if r.status == "ok"]
    written = batch.write_pdfs([r for r in ok if r.kommune == 336])
    pdf = project["out"] / "336" / "report.pdf"
    assert written == [pdf] and pdf.exists()
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    w, h = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert (round(w), round(h)) == (595, 842)  # A4 in points
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = re.sub(r"[\s\u00ad-]+", "", text)
    headers = {th.get_text(" ", strip=True) for t in _soup(_page(project, 336)).find_all("table")
               if "relkap-heatmap" not in (t.get("class") or []) for th in t.find("thead").find_all("th")}
    missing = [h for h in headers if h and re.sub(r"[\s-]+", "", h) not in flat]
    assert missing == []


@pytest.mark.parametrize("code", CODES)
def test_main_part_says_certainty_in_words_without_jargon(project, code):
    """Issue 21: between the contents and the appendix no "p", "FDR", "KI", "Hedges", "ICC" or variable name
    (the appendix, for researchers, has them)."""
    soup = _soup(_page(project, code))
    for tag in soup(["style", "script"]):
        tag.decompose()
    body = " ".join(soup.get_text(" ").split())
    appendix = words.text("brief.appendix", "da")
    main = body[body.index(words.text("brief.contents", "da")):body.rindex(appendix)]
    assert len(main) > 2000 and words.text("glossary.significant", "da") in main
    jargon = re.findall(r"\b(p|FDR|KI|CI|Hedges|ICC|r_wg|alfa|alpha|p_fdr|n_baseline|mean_followup)\b", main)
    assert jargon == [], jargon


def test_tables_take_the_respondent_scores_once():
    """report.build computes the respondent dimension scores once and passes them on: every table that
    takes them equals the table that computes them itself (and the caller's scores are left as they were)."""
    inst, t = relkap.load_instrument(), synth.example_tables(2, respondents=30, key=b"example")
    own = report.shared_tables(report.kommune_tables(t, int(t.relations["kommune"].iloc[0])), inst)
    scores = report.respondent_dimension_scores(own.relations, inst)
    before = scores.copy()
    tables = report.tables
    pd.testing.assert_frame_equal(tables.rk_change(own.relations, inst, scores=scores),
                                  tables.rk_change(own.relations, inst))
    pd.testing.assert_frame_equal(tables.rk_by_wave(own.relations, inst, scores=scores),
                                  tables.rk_by_wave(own.relations, inst))
    pd.testing.assert_frame_equal(tables.dimension_profile_data(own.relations, inst, scores=scores),
                                  tables.dimension_profile_data(own.relations, inst))
    given, computed = tables.agreement_tables(own, inst, scores=scores), tables.agreement_tables(own, inst)
    for key in ("alpha", "icc", "rwg"):
        pd.testing.assert_frame_equal(given[key], computed[key])
    pd.testing.assert_frame_equal(scores, before)


def test_a_kommune_too_small_for_any_tie_gets_a_whole_report_that_says_so(demo_project, tmp_path):
    """14 respondents per kommune and wave: no tie has min_n answers in both waves. The report still runs to
    the end (it failed on the empty most-changed table, and on the forest plot with no row) and says so in
    words, without an empty table or an empty figure."""
    tiny = demo_project(2, 7, 14)
    results = batch.run_batch(data_dir=tiny.data, params_dir=tiny.params, out_root=tmp_path / "out", workers=1,
                              progress=False)
    assert [r.status for r in results] == ["ok", "ok"], [r.error for r in results]
    page = (tmp_path / "out" / str(results[0].kommune) / "report.html").read_text(encoding="utf-8")
    none = words.text("briefing.most_changed.none", "da", min_n=5).strip("*")
    assert none in page and words.text("report.caption.most_changed", "da") not in page
    assert words.text("figure.forest_none", "da", min_n=5) in page and 'data-row="0"' not in page
