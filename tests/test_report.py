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
from relkap import batch, report, synth
from relkap.io import import_raw
from relkap.params import KommuneParams, dump_kommune_params
from relkap.report.display import header

NOTEBOOK = Path(relkap.config.NOTEBOOKS_DIR, "kommune_report.ipynb")
INST = relkap.load_instrument()
CODES = [766, 336]  # Hedensted (control) and Stevns, two of the demo kommuner


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    os.environ.setdefault("RELKAP_PSEUDONYM_KEY", "test-key")
    raw, data, params = root / "raw", root / "processed", root / "params"
    synth.write_demo(raw, n_kommuner=10, seed=1, params_dir=params)
    import_raw(raw, out_dir=data)
    keep = {f"{c}.yaml" for c in CODES}
    for f in params.glob("*.yaml"):
        if f.name not in keep:
            f.unlink()
    # a kommune whose parameter file exists but whose data do not: must fail alone
    broken = KommuneParams(kommune=101, name="København", groups=["skole", "ppr"], focal_process="x",
                           arm="control")
    (params / "101.yaml").write_text(dump_kommune_params(broken), encoding="utf-8")
    out = root / "reports"
    results = batch.run_batch(params_dir=params, data_dir=data, out_root=out, workers=2, progress=False)
    return {"root": root, "data": data, "params": params, "out": out, "results": results}


def test_batch_reports_ok_and_broken_kommune_recorded(project):
    status = {r.kommune: r.status for r in project["results"]}
    assert status == {766: "ok", 336: "ok", 101: "failed"}
    failed = next(r for r in project["results"] if r.kommune == 101)
    assert "no employee answers for kommune 101" in failed.error
    index = (project["out"] / "index.html").read_text(encoding="utf-8")
    assert "Hedensted" in index and "Stevns" in index and "København" in index
    assert not (project["out"] / "101").exists()


def test_summary_equals_package_functions(project):
    tables = report.kommune_tables(relkap.load(project["data"]), 766)
    s = json.loads((project["out"] / "766" / "summary.json").read_text(encoding="utf-8"))
    rk = report.rk_change(tables.relations, INST, min_n=5)
    row = rk[rk["dimension"] == "rk"].iloc[0]
    for key in ("mean_baseline", "mean_followup", "diff", "diff_ci_low", "diff_ci_high", "hedges", "p_val"):
        assert s["rk_index"][key] == pytest.approx(float(row[key]), abs=1e-6), key
    assert s["rk_index"]["n_baseline"] == int(row["n_baseline"])
    assert [d["dimension"] for d in s["dimensions"]] == ["rk", *INST.relational_codes]
    ties = report.tie_change(tables.relations, INST, min_n=5)
    assert len(s["ties"]) == len(ties)
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
    assert s["schema"] == report.SUMMARY_SCHEMA


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
    table = report.agreement_display({"alpha": al}, "alpha", INST, min_n=threshold).data
    assert (table.loc[small.to_numpy(), "n"] == f"<{threshold}").all()
    assert (table.loc[small.to_numpy(), header("alpha")] == "for få svar").all()
    # summary.json: a count below min_n is null
    every = relkap.load(project["data"])
    s = report.summary(766, "Hedensted", INST, report.response_overview(tables, INST, min_n=12),
                       report.rk_change(tables.relations, INST, min_n=12),
                       report.tie_change(tables.relations, INST, min_n=12), report.scale_change(tables, INST, min_n=12),
                       report.benchmark(every.relations, INST, 766, min_n=12), min_n=12)
    counts = [r[k] for part in ("dimensions", "ties", "scales") for r in s[part] for k in ("n_baseline", "n_followup")]
    assert None in counts and all(c >= 12 for c in counts if c is not None)


def test_html_is_for_readers(project):
    html = (project["out"] / "336" / "report.html").read_text(encoding="utf-8")
    assert "Relationel kapacitet i Stevns Kommune" in html
    assert html.count("data:image/png;base64") >= 6  # figures embedded, opens offline
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
    assert "2. Relationel kapacitet før og efter" in html and "Samarbejdet mellem grupperne" in html
    assert "Relational capacity before and after" not in html and "Collaboration between the groups" not in html


def test_english_report_has_the_english_narrative_only(project, tmp_path):
    pm.execute_notebook(str(NOTEBOOK), str(tmp_path / "nb.ipynb"), kernel_name="relkap", progress_bar=False,
                        parameters={"kommune": 336, "data_dir": str(project["data"]), "out_dir": str(tmp_path),
                                    "params_dir": str(project["params"]), "language": "en"},
                        kernel_manager_class=batch.kernel_manager_class())
    html = batch.export_html(tmp_path / "nb.ipynb", tmp_path / "report.html").read_text(encoding="utf-8")
    for heading in ("1. Overview", "2. Relational capacity before and after", "Collaboration between the groups",
                    "3. Agreement and reliability", "7. Documentation"):
        assert heading in html, heading
    for heading in ("1. Overblik", "Relationel kapacitet før og efter", "Samarbejdet mellem grupperne",
                    "Enighed og pålidelighed"):
        assert heading not in html, heading


@pytest.mark.parametrize("notebook", [NOTEBOOK, NOTEBOOK.with_name("research.ipynb")], ids=["report", "research"])
def test_every_danish_narrative_cell_has_an_english_twin(notebook):
    nb = nbformat.read(notebook, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "markdown"]
    tags = [tuple(c.metadata.get("tags", [])) for c in cells]
    assert tags == [("da",), ("en",)] * (len(cells) // 2)  # no untagged narrative, pairs in order
    for da, en in zip(cells[::2], cells[1::2], strict=True):
        # the same heading level and section number
        assert da.source.split(" ")[0] == en.source.split(" ")[0]
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



def test_cli_runs_the_research_notebook_beside_the_reports(project, tmp_path):
    from relkap.cli import main

    out = tmp_path / "reports"
    rc = main(["batch", "--research-only", "--data", str(project["data"]), "--out", str(out),
               "--n-boot", "50", "--n-permutations", "49", "--no-progress"])
    assert rc == 0
    html = (out / "research" / "research.html").read_text(encoding="utf-8")
    assert "data:image/png;base64" in html and 'class="jp-CodeMirrorEditor' not in html
    s = json.loads((out / "research" / "research_summary.json").read_text(encoding="utf-8"))
    assert s["parameters"]["n_boot"] == 50
    # the index written after it links it
    batch.write_index([], out, {})
    assert 'href="research/research.html"' in (out / "index.html").read_text(encoding="utf-8")


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
    sentences = [narrative.title("Stevns", 336, None, language),
                 narrative.overview_note(report.response_overview(tables, INST), INST, 5, False, language),
                 narrative.rk_headline(rk, True, language), narrative.change_map_intro(language),
                 narrative.most_changed_intro(language), narrative.no_data(language)]
    return " ".join(cells + sentences)


def test_report_words_follow_the_glossary(one_kommune):
    da = _words("da", one_kommune)
    for word in ("Førmåling", "Eftermåling", "eftermåling", "statistisk sikker", "Ændring"):
        assert word in da, word
    for stale in ("Baseline", "Opfølgning", "opfølgning", "Før", "Efter", "signifikant", "Forskel"):
        assert not re.search(rf"\b{stale}\b", da), stale
    en = _words("en", one_kommune)
    for word in ("Baseline", "Follow-up", "statistically significant", "Change"):
        assert word in en, word
    for danish in ("Førmåling", "Måling", "Ændring", "statistisk"):
        assert danish not in en, danish
    assert not re.search(r"\d\.\d", da) and re.search(r"\d,\d\d", da)  # Danish numbers: decimal comma
    assert not re.search(r"\d,\d\d", en) and re.search(r"\d\.\d\d", en)


def test_headline_is_a_catalogue_sentence_with_fmt_numbers():
    from relkap.report import narrative

    rk = pd.DataFrame({"dimension": ["rk"], "suppressed": [False], "mean_baseline": [3.8], "mean_followup": [3.6],
                       "diff": [-0.2], "diff_ci_low": [-0.4], "diff_ci_high": [0.0], "hedges": [-0.3],
                       "p_val": [0.2]})
    assert narrative.rk_headline(rk, True, "en") == (
        "**The index has fallen from 3.80 to 3.60** (change \u22120.20, 95% CI [\u22120.40, 0.00], Hedges' g "
        "\u22120.30). The change is not statistically significant; it may be chance.")
    assert narrative.rk_headline(rk.assign(suppressed=True), True, "da") == ""
    assert narrative.rk_headline(rk, False, "da") == narrative.no_followup("da")


def test_privacy_mask_small_counts_is_the_summary_rule():
    from relkap.privacy import mask_small_counts

    df = pd.DataFrame({"n": [4, 5], "n_baseline": [9, 2], "mean": [3.0, 4.0]})
    out = mask_small_counts(df, 5)
    assert out["n"].isna().tolist() == [True, False] and out["n_baseline"].isna().tolist() == [False, True]
    assert out["mean"].tolist() == [3.0, 4.0] and df["n"].tolist() == [4, 5]  # the input is left as it was
