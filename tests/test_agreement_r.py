"""Agreement statistics against R on public data: multilevel's bh1996 and lq2002, and DOMAIN.md's examples.

Every reference value is computed by ``tests/R/agreement_reference.R`` (R multilevel 2.7 and psych), which
also exported the two data sets to ``tests/data``; rerun it to recompute them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from relkap.agreement import alpha, icc, rwg, rwg_j

DATA = Path(__file__).parent / "data"
REF = pd.read_csv(DATA / "agreement_reference.csv").set_index("name")["value"].to_dict()
LEAD = [f"LEAD{i:02d}" for i in range(1, 12)]


def test_domain_examples_match_r_to_full_precision():
    d = pd.DataFrame({"unit": list("AAAABBBBBCCC"), "score": [3, 4, 4, 5, 2, 2, 3, 3, 3, 1, 2, 2]})
    out = icc(d, dv="score", group="unit").iloc[0]
    for col, name in [("MSB", "domain_MSB"), ("MSW", "domain_MSW"), ("F", "domain_F"), ("p_val", "domain_p"),
                      ("ICC1", "domain_ICC1"), ("ICC2", "domain_ICC2")]:
        assert out[col] == pytest.approx(REF[name], abs=1e-12), col
    r = pd.DataFrame({"unit": ["a"] * 4, "i1": [4, 5, 4, 3], "i2": [4, 4, 5, 4], "i3": [5, 5, 4, 4]})
    assert rwg(r, "i1", "unit")["rwg"].iloc[0] == pytest.approx(REF["domain_rwg_i1"], abs=1e-12)
    assert rwg_j(r, ["i1", "i2", "i3"], "unit")["rwg_j"].iloc[0] == pytest.approx(REF["domain_rwgj"], abs=1e-12)


def test_icc_on_bh1996_matches_multilevel():
    bh = pd.read_csv(DATA / "bh1996.csv")
    out = icc(bh, dv="WBEING", group="GRP").iloc[0]
    assert (out["df1"], out["df2"]) == (98, 7382 - 99)
    assert out["F"] == pytest.approx(REF["bh1996_F"], abs=1e-10)
    assert out["ICC1"] == pytest.approx(REF["bh1996_ICC1"], abs=1e-12)
    assert out["ICC2"] == pytest.approx(REF["bh1996_ICC2"], abs=1e-12)


def test_rwg_on_lq2002_matches_multilevel():
    lq = pd.read_csv(DATA / "lq2002.csv")
    rj = rwg_j(lq, LEAD, "COMPID")  # one row per company, in company order as R's
    assert len(rj) == 49
    assert rj["rwg_j"].mean() == pytest.approx(REF["lq2002_rwgj_mean"], abs=1e-12)
    assert rj["rwg_j"].iloc[0] == pytest.approx(REF["lq2002_rwgj_first"], abs=1e-12)
    assert rj["rwg_j"].min() == pytest.approx(REF["lq2002_rwgj_min"], abs=1e-12)
    assert rwg(lq, "LEAD01", "COMPID")["rwg"].mean() == pytest.approx(REF["lq2002_rwg_lead01_mean"], abs=1e-12)


def test_alpha_on_lq2002_matches_psych():
    lq = pd.read_csv(DATA / "lq2002.csv").reset_index(names="respondent_id")
    long = lq.melt(id_vars="respondent_id", value_vars=LEAD, var_name="item", value_name="score")
    assert alpha(long)["alpha"].iloc[0] == pytest.approx(REF["lq2002_alpha"], abs=1e-12)
