"""Attacks on everything a run publishes, tried as an attacker would (relkap.privacy, README "Privacy").

Generated data (relkap.synth) hold one hidden cell of each kind: groups with min_n - 1 or fewer raters
(the generator's small groups), a lone respondent with ``invited: 1``, hidden ties and tie dimensions, an
interview theme whose strength/problem counts are below their threshold, and benchmarks over exactly 5, 9
and 10 other kommuner. Each test parses the published numbers (the kommune reports' summary.json, the
research summary, the project brief, the benchmark, the interview displays, the response table) and tries the subtraction,
linked-count and order-statistic attacks of issue 22; the perturbation test changes only hidden cells and
asserts that no published number of the whole run (reports and research together) changes.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from relkap import benchmark, interviews, load_instrument, privacy, report, research
from relkap.params import default_kommune_params
from relkap.report.record import summary
from relkap.report.response import response_rates, response_table
from relkap.research.brief import project_brief
from relkap.share import clean_stale_temp, scrub_notebook, write_share
from relkap.synth import example_tables

INST = load_instrument()
MIN_N = 5


def published(t) -> dict:
    """Every number a run publishes: each kommune's summary.json and the research summary (JSON text)."""
    out = {}
    for k in sorted(t.relations["kommune"].unique()):
        s = summary(report.build(t, INST, default_kommune_params(int(k)), min_n=MIN_N))
        out[f"report/{k}"] = s
    res = research.analyse(t, INST, n_boot=20, n_permutations=9, min_n=MIN_N)
    out["research"] = research.research_summary(res, {})
    out = json.loads(json.dumps(out, default=str))  # as a reader parses the files
    # the project brief: made from the products above only (research summary and the reports' summaries)
    params = {int(k): default_kommune_params(int(k)) for k in t.relations["kommune"].unique()}
    reports = {int(k.split("/")[1]): s for k, s in out.items() if k.startswith("report/")}
    out["brief"] = project_brief(out["research"], reports, params, INST, min_n=MIN_N, min_kommuner=len(reports))
    return json.loads(json.dumps(out, default=str))


@pytest.fixture(scope="module")
def tables():
    return example_tables(4, respondents=30, key=b"attack")


@pytest.fixture(scope="module")
def run(tables):
    return published(tables)


def _respondents(t, wave: str) -> int:
    r = t.relations
    return int(r.loc[r["wave"] == wave, "respondent_id"].nunique())


def test_data_hold_hidden_cells(tables):
    """The attacks below mean something: the data have hidden groups, ties and tie dimensions."""
    keep = privacy.shareable_rows(tables.relations, MIN_N, min_items=INST.min_items)
    assert (~keep).sum() > 0
    assert len(privacy.hidden_groups(tables.relations, MIN_N)) >= 4


@pytest.mark.slow
def test_research_total_minus_reports_reveals_nothing(tables, run):
    """Research respondents per wave minus the sum of the reports' respondents: 0 (it was the hidden groups)."""
    agg = pd.DataFrame(run["research"]["tables"]["aggregation"])
    for wave in ("baseline", "followup"):
        research_n = agg.loc[(agg["level"] == "kommune") & (agg["wave"] == wave), "n_respondents"].iloc[0]
        reports_n = sum(s["respondents"].get(wave) or 0 for k, s in run.items() if k.startswith("report/"))
        assert research_n - reports_n == 0
        assert _respondents(tables, wave) > research_n  # the truth holds hidden respondents the attack wanted
    total = sum(v or 0 for k, s in run.items() if k.startswith("report/") for v in s["respondents"].values())
    assert run["research"]["n"]["employees"] == total


def _numbers(obj, path=""):
    """Every number in a parsed JSON document, by its path (provenance: timestamps and versions, left out)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k not in ("provenance",):
                yield from _numbers(v, f"{path}/{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _numbers(v, f"{path}[{i}]")
    elif isinstance(obj, bool) or obj is None or isinstance(obj, str):
        yield path, obj
    elif isinstance(obj, int | float):
        yield path, round(float(obj), 9)


@pytest.mark.slow
def test_perturbing_hidden_cells_changes_nothing_published(tables, run):
    """Change only hidden cells (their answers, and one respondent of a hidden group removed): every number of
    the whole run, reports and research together, stays the same."""
    rel = tables.relations.copy()
    keep = privacy.shareable_rows(rel, MIN_N, min_items=INST.min_items)
    hidden = ~keep & rel["score"].notna().to_numpy()
    rel.loc[hidden, "score"] = 6 - rel.loc[hidden, "score"]  # every hidden answer mirrored
    small = privacy.hidden_groups(rel, MIN_N).iloc[0]
    cell = (rel["kommune"] == small["kommune"]) & (rel["wave"] == small["wave"]) & (rel["group"] == small["group"])
    one = rel.loc[cell, "respondent_id"].iloc[0]
    if rel.loc[cell, "respondent_id"].nunique() > 1:
        rel = rel[rel["respondent_id"] != one]  # one respondent of a hidden group gone
    sc = tables.scales.copy()
    keep_s = privacy.shareable_rows(sc, MIN_N, min_items=INST.min_items)
    sc.loc[~keep_s, "score"] = 6 - sc.loc[~keep_s, "score"]
    changed = published(dataclasses.replace(tables, relations=rel, scales=sc))
    before, after = dict(_numbers(run)), dict(_numbers(changed))
    assert before.keys() == after.keys()
    diff = {p: (before[p], after[p]) for p in before if before[p] != after[p]}
    assert diff == {}


def _feasible(n_int, shown: dict, t: int) -> list[tuple[int, int, int]]:
    """(mentions, strength, problem) consistent with what a theme-wave shows: an exact count, "<t" (1..t-1)
    or nothing; every mention has a valence (the attacker's strongest assumption)."""
    def values(key):
        v = shown.get(key)
        if isinstance(v, int):
            return [v]
        return list(range(1, t)) if v == "<" else list(range(0, n_int + 1))
    return [(m, s, p) for m, s, p in itertools.product(values("m"), values("s"), values("p"))
            if max(s, p) <= m <= min(s + p, n_int)]


def test_interview_linked_counts_pin_no_hidden_count():
    """Theme table and joint display together: no strength or problem count printed "<3" is pinned by the
    mentions (share x interviews) and the bound max(S, P) <= mentions <= S + P."""
    rows = [("baseline", s, "problem") for s in "ab"] + [("baseline", s, "strength") for s in "cd"]
    rows += [("baseline", s, "strength") for s in ("c",)] + [("baseline", s, None) for s in "ef"]
    rows += [("followup", s, "strength") for s in "ghij"] + [("followup", s, "problem") for s in "klm"]
    d = pd.DataFrame(rows, columns=["wave", "source", "valence"])
    other = pd.DataFrame({"wave": ["baseline", "baseline", "followup"], "source": ["e", "f", "n"], "valence": None,
                          "theme": "kendskab", "theme_kind": "dimension"})
    d = d.assign(theme="skole->ppr", theme_kind="tie")
    d = pd.concat([d, other], ignore_index=True)
    tie = d["theme_kind"] == "tie"
    codings = d.assign(kommune=np.int16(766), rater=np.where(tie, "skole", None), target=np.where(tie, "ppr", None),
                       segments=1)
    change = interviews.theme_change(codings, baseline="baseline", followup="followup")
    themes = interviews.theme_display(change, INST, "en")
    truth = change[change["theme"] == "skole->ppr"].iloc[0]
    row = themes[themes.iloc[:, 1].str.contains("Schools")].iloc[0]
    survey = pd.DataFrame([{"group": "skole", "target": "ppr", "n_baseline": 20, "n_followup": 20, "mean_baseline": 3.5,
                            "mean_followup": 3.6, "diff": 0.1, "diff_ci_low": -0.1, "diff_ci_high": 0.3, "p_val": 0.4,
                            "p_fdr": 0.4, "suppressed": False, "hedges_g": 0.1, "test": "welch"}])
    joint = interviews.joint_display(interviews.joint_table(survey, codings, kind="tie"), INST, "en", keep="all")
    jrow = joint.iloc[0]
    for i, w in enumerate(("baseline", "followup")):
        n = int(truth[f"n_interviews_{w}"])
        share = row.iloc[2 + i]
        shown = {}
        if share.endswith("%"):
            shown["m"] = round(float(share.rstrip("%")) / 100 * n)
        cell = jrow.iloc[4 + i]  # "S / P (of n)"
        s, p = cell.split(" (")[0].split(" / ")
        shown["s"] = int(s) if s.isdigit() else "<"
        shown["p"] = int(p) if p.isdigit() else "<"
        options = _feasible(n, shown, 3)
        for j, key in enumerate("msp"):
            if shown.get(key) == "<" or key not in shown:
                assert len({o[j] for o in options}) > 1, (w, key, options)  # not pinned
    assert row.iloc[2] != "" and not row.iloc[2].endswith("%")  # baseline share hidden (S = 3, P = 2 < 3)


def test_invited_of_a_hidden_group_is_hidden():
    """A lone leader with invited: 1: neither the answers nor the number invited is published."""
    ov = pd.DataFrame({"group": ["skole", "ledere"], "wave": ["baseline", "baseline"], "n": [18, 1]})
    rates = response_rates(ov, {"baseline": {"skole": 24, "ledere": 1}}, min_n=MIN_N, instrument=INST)
    lead = rates[rates["group"] == "ledere"].iloc[0]
    assert pd.isna(lead["n"]) and pd.isna(lead["invited"]) and np.isnan(lead["rate"])
    total = rates[rates["group"] == "_total"].iloc[0]
    assert (total["n"], total["invited"]) == (18, 24)  # the total holds the shown group only
    shown = response_table(rates, "en", INST, MIN_N)
    assert shown.loc[shown["Group"] == "Managers", "Baseline"].tolist() == ["<5"]  # no "of 1", no rate


@pytest.fixture(scope="module")
def benchmark_values():
    t = example_tables(11, respondents=30, key=b"bench")
    rel = privacy.shareable(t.relations, MIN_N, min_items=INST.min_items)
    from relkap import scoring  # noqa: PLC0415 - only this fixture needs the scoring of the truth

    unit = scoring.unit_index(rel, INST, by=["kommune", "wave"], min_n=MIN_N)
    unit = unit[~unit["suppressed"]]
    return t, benchmark.measures(unit, "baseline", "followup")


@pytest.mark.parametrize("others", [5, 9, 10])
def test_benchmark_quantiles_are_no_single_kommune(benchmark_values, others):
    """With 5, 9 and 10 other kommuner no published quartile equals one other kommune's value."""
    t, values = benchmark_values
    codes = sorted(values["kommune"].unique())[: others + 1]
    rel = t.relations[t.relations["kommune"].isin(codes)]
    hits = 0
    for k in codes:
        b = benchmark.index_benchmark(rel, INST, int(k), min_n=MIN_N)
        for r in b[b["enough"]].to_dict("records"):
            truth = values[(values["measure"] == r["measure"]) & (values["kommune"] != k) & values["kommune"].isin(codes)]
            assert len(truth) == others == r["n_kommuner"]
            for q in ("q25", "median", "q75"):
                equal = np.isclose(truth["value"].to_numpy(), r[q], atol=1e-9, rtol=0)
                hits += int(equal.sum() == 1)
    assert hits == 0


def test_scrub_notebook_and_stale_temp(tmp_path):
    from relkap import config  # noqa: PLC0415

    tmp = config.ROOT / "reports" / ".tmp-157-4242"
    params = {"data_dir": str(config.ROOT / "data" / "processed"), "out_dir": str(tmp), "min_n": 5,
              "instrument": "/Users/someone/codebook.yaml"}
    nb = {"cells": [{"cell_type": "code", "metadata": {"tags": ["injected-parameters"]},
                     "source": [f'data_dir = "{params["data_dir"]}"\n', f'out_dir = "{tmp}"\n',
                                'instrument = "/Users/someone/codebook.yaml"\n'], "outputs": []}],
          "metadata": {"papermill": {"input_path": str(config.ROOT / "notebooks" / "kommune_report.ipynb"),
                                     "output_path": str(tmp / "report.ipynb"), "parameters": params}}}
    path = tmp_path / "report.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    scrub_notebook(path, params, moved={str(tmp): str(config.ROOT / "reports" / "157")})
    text = path.read_text(encoding="utf-8")
    assert str(config.ROOT) not in text and "/Users/" not in text and ".tmp-" not in text
    pm = json.loads(text)["metadata"]["papermill"]
    # paths as provenance writes them (relkap.provenance.relative): marked inside or outside the project
    assert pm["parameters"]["data_dir"] == "<project>/data/processed"
    assert pm["parameters"]["out_dir"] == "<project>/reports/157"
    assert pm["output_path"] == "<project>/reports/157/report.ipynb"
    assert pm["parameters"]["instrument"] == "<outside>/codebook.yaml"
    (tmp_path / ".tmp-157-999999999").mkdir()
    assert [p.name for p in clean_stale_temp(tmp_path)] == [".tmp-157-999999999"]


def test_share_bundle(tmp_path):
    reports = tmp_path / "reports"
    for code, name, body in ((157, "Gentofte", "<p>Gentofte</p>"), (175, "Rødovre", "<p>Rødovre</p>")):
        (reports / str(code)).mkdir(parents=True)
        (reports / str(code) / "report.html").write_text(body, encoding="utf-8")
        (reports / str(code) / "report.ipynb").write_text("{}", encoding="utf-8")
        (reports / str(code) / "summary.json").write_text(json.dumps({"name": name}), encoding="utf-8")
    (reports / "index.html").write_text("<p>Gentofte Rødovre</p>", encoding="utf-8")
    written = write_share(reports)
    assert {k: [p.name for p in v] for k, v in written.items()} == {157: ["report.html"], 175: ["report.html"]}
    assert sorted(p.name for p in (reports / "share").iterdir()) == ["157", "175"]
    (reports / "157" / "report.html").write_text("<p>Gentofte beside Rødovre</p>", encoding="utf-8")
    (reports / "175" / "report.pdf").write_bytes(b"%PDF-1.4")
    with pytest.raises(Exception, match="Rødovre"):
        write_share(reports, tmp_path / "other")
    assert not (tmp_path / "other").exists()  # nothing written


def test_min_n_floor(tmp_path):
    t = example_tables(1, respondents=20, key=b"floor")
    k = int(t.relations["kommune"].iloc[0])
    with pytest.raises(privacy.MinNError, match="floor 5"):
        report.build(t, INST, default_kommune_params(k), min_n=3)
    r = report.build(t, INST, default_kommune_params(k), min_n=3, min_n_override_reason="pilot with consent",
                     language="en")
    assert any("pilot with consent" in p and "floor of 5" in p for p in r.methods)
    out = tmp_path / "reports"
    cp = subprocess.run([sys.executable, "-m", "relkap.cli", "batch", "--min-n", "2", "--out", str(out)],
                        capture_output=True, text=True)
    assert cp.returncode == 2 and "below the codebook's floor 5" in cp.stderr and "Traceback" not in cp.stderr
    assert not out.exists()


def test_distribution_quantiles_are_never_single_per_cell():
    """The vectorised quantiles of benchmark.distribution equal never_single cell by cell (1 to 13 kommuner,
    ties included), and never_single equals a hand-worked case: 9 values, median = (4th + 6th) / 2."""
    assert benchmark.never_single([1, 2, 3, 4, 5, 7, 8, 9, 20], 0.5) == pytest.approx((4 + 7) / 2)
    assert benchmark.never_single([1, 2, 3, 4, 5, 7, 8, 9, 20], 0.25) == pytest.approx((2 + 4) / 2)
    assert benchmark.never_single([1, 2, 3, 4, 5, 7, 8, 9, 20, 30], 0.25) == pytest.approx(3 + 0.25 * 1)  # type 7
    rng = np.random.default_rng(2)
    rows = [(k, g, "m", round(float(rng.normal()), 3) if rng.random() < 0.8 else 0.5)
            for g in range(60) for k in range(int(rng.integers(1, 14)))]
    v = pd.DataFrame(rows, columns=["kommune", "group", "measure", "value"])
    d = benchmark.distribution(v, by=["group", "measure"], min_kommuner=1)
    for r in d.to_dict("records"):
        x = v.loc[v["group"] == r["group"], "value"].to_numpy()
        for name, q in benchmark.QUANTILES.items():
            assert r[name] == pytest.approx(benchmark.never_single(x, q), abs=1e-12)
