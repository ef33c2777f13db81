"""The research notebook end to end: papermill on small synthetic data, HTML export, and outputs that equal
what relkap.research returns for the same data and parameters."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest

from relkap import load, load_instrument, research, synth
from relkap.io import import_raw
from relkap.params import load_all_kommune_params

INST = load_instrument()
PARAMS = {"n_boot": 200, "n_permutations": 99, "seed": 3, "min_units": 20, "nesting": "vc", "min_n": 5}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    os.environ.setdefault("RELKAP_PSEUDONYM_KEY", "test-key")
    root = tmp_path_factory.mktemp("research")
    raw, data, params = root / "raw", root / "data", root / "params"
    synth.write_demo(raw, n_kommuner=8, seed=2, respondents=30, params_dir=params)
    import_raw(raw, out_dir=data)
    out = research.run_research(data, root / "out", params_dir=params, parameters=PARAMS)
    kp = load_all_kommune_params(params)
    expected = research.analyse(load(data), INST, arms={k: p.arm for k, p in kp.items()},
                              targeted={k: p.targeted_ties for k, p in kp.items() if p.targeted_ties},
                              **{k: v for k, v in PARAMS.items()})
    return {"out": out, "expected": expected, "root": root}


def test_outputs_exist(run):
    names = {p.name for p in run["out"].iterdir()}
    assert {"research.ipynb", "research.html", "research_summary.json"} <= names
    assert {f"{t}.csv" for t in research.TABLE_NAMES} <= names
    assert not [p for p in run["root"].iterdir() if p.name.startswith(".out-")]  # temporary folder gone
    # readable by others, like the kommune reports (mkstemp/mkdtemp would leave them private)
    assert run["out"].stat().st_mode & 0o005 == 0o005
    assert (run["out"] / "research_summary.json").stat().st_mode & 0o004


def test_html_has_no_code_or_parameters(run):
    html = (run["out"] / "research.html").read_text(encoding="utf-8")
    assert "Relationel kapacitet på tværs af kommuner" in html
    assert "import relkap" not in html and "from relkap" not in html
    assert "n_permutations = " not in html  # neither the parameters cell nor the injected one
    assert "<img" in html  # figures are embedded


def test_danish_html_has_only_the_danish_narrative(run):
    html = (run["out"] / "research.html").read_text(encoding="utf-8")
    assert "1. Kan RK behandles som en egenskab ved kommunen?" in html and "Medarbejderbesvarelser" in html
    assert "Can RK be treated as a property" not in html and "Employee responses" not in html


def test_english_run_has_the_english_narrative_and_labels(run):
    out = research.run_research(run["root"] / "data", run["root"] / "out-en", params_dir=run["root"] / "params",
                              parameters={**PARAMS, "language": "en"})
    html = (out / "research.html").read_text(encoding="utf-8")
    for text in ("Relational capacity across kommuner", "1. Can RK be treated as a property of the kommune?",
                 "7. RQ4: Do the interventions work?", "Employee responses", "Limitations"):
        assert text in html, text
    for text in ("Kan RK behandles", "Virker interventionerne", "Medarbejderbesvarelser"):
        assert text not in html, text


def _compare(got: pd.DataFrame, want: pd.DataFrame, name: str) -> None:
    assert list(got.columns) == list(want.columns), name
    assert len(got) == len(want), name
    for c in want.columns:
        if pd.api.types.is_float_dtype(want[c]):
            np.testing.assert_allclose(got[c].to_numpy(float), want[c].to_numpy(float), rtol=1e-9, atol=1e-12,
                                       err_msg=f"{name}.{c}")
        elif pd.api.types.is_bool_dtype(want[c]):
            assert got[c].astype(bool).tolist() == want[c].tolist(), (name, c)
        else:
            assert got[c].astype(str).tolist() == want[c].astype(str).tolist(), (name, c)


def test_csv_equal_the_functions(run):
    for name in research.TABLE_NAMES:
        path = run["out"] / f"{name}.csv"
        assert path.read_bytes().startswith(b"\xef\xbb\xbf"), name  # BOM for Danish Excel
        got = pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig", keep_default_na=False,
                          na_values=[""])
        _compare(got, run["expected"][name], name)


def test_summary_json_equals_the_functions(run):
    s = json.loads((run["out"] / "research_summary.json").read_text(encoding="utf-8"))
    assert s["schema"] == research.SUMMARY_SCHEMA
    assert s["n"]["kommuner"] == 8 and s["n"]["intervention"] == 4 and s["n"]["control"] == 4
    assert s["parameters"]["n_boot"] == 200 and s["parameters"]["seed"] == 3
    for name in research.TABLE_NAMES:
        got = pd.DataFrame(s["tables"][name])
        want = run["expected"][name]
        _compare(got.reindex(columns=want.columns).astype({c: float for c in want.columns
                                                            if pd.api.types.is_float_dtype(want[c])}),
                 want, name)


def test_small_data_is_flagged_low_powered(run):
    s = json.loads((run["out"] / "research_summary.json").read_text(encoding="utf-8"))
    assert all(r["low_power"] for r in s["tables"]["rq2_mediation"])
    assert all(r["low_power"] for r in s["tables"]["rq2_rk_citizen"])
    assert "Only 8 kommuner" in s["limitations"] and "low-powered" in s["limitations"]
    assert "8 kommuner" in s["methods"] and "200 resamples" in s["methods"]
    assert "Bemærk:" in (run["out"] / "research.html").read_text(encoding="utf-8")
