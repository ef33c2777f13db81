"""CR2 cluster-robust SEs with Satterthwaite df (relkap.robust) against R clubSandwich."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from relkap.robust import coef_test, cr2

DATA = Path(__file__).parent / "data"
# R: clubSandwich::coef_test(..., vcov = "CR2", test = "Satterthwaite") and conf_int(...), written by
# tests/R/cr2_clubsandwich.R (clubSandwich's MortalityRates, datasets::ChickWeight, the demo's unit table).
REF = pd.read_csv(DATA / "cr2_clubsandwich.csv")


def _dummies(d: pd.DataFrame, col: str) -> pd.DataFrame:
    return pd.get_dummies(d[col].astype(str), prefix=col, drop_first=True, dtype=float)


def _cases():
    mv = pd.read_csv(DATA / "mortality_mv.csv")
    year = _dummies(mv, "year")
    yield "mortality", pd.concat([mv, year], axis=1), "mrate", ["legal", "beertaxa", *year.columns], "state", True
    state = pd.get_dummies(mv["state"].astype(str), prefix="state", dtype=float)  # all states: no intercept
    fe = pd.concat([mv, state, year], axis=1)
    yield "mortality_fe", fe, "mrate", ["legal", "beertaxa", *state.columns, *year.columns], "state", False
    ck = pd.read_csv(DATA / "chickweight.csv")
    diet = _dummies(ck, "Diet")
    yield "chick", pd.concat([ck, diet], axis=1), "weight", ["Time", *diet.columns], "Chick", True
    units = pd.read_csv(DATA / "demo_units.csv")
    units["wavefollowup"] = (units["wave"] == "followup").astype(float)
    for name, y, x in (("demo_h3", "leadership", "structure"), ("demo_h1", "rk", "structure"),
                       ("demo_rq2", "samskabelse", "rk")):
        yield name, units, y, [x, "wavefollowup"], "kommune", True


@pytest.mark.parametrize("case", list(_cases()), ids=lambda c: c[0])
def test_coef_test_matches_clubsandwich(case):
    name, data, y, x, cluster, intercept = case
    ours = coef_test(data, y, x, cluster, intercept=intercept).set_index("term")
    ref = REF[REF["model"] == name].set_index("term")
    ref = ref[~ref.index.str.startswith("factor")]  # the fixed-effect dummies: named differently, not compared
    ref.index = ["Intercept" if t == "(Intercept)" else t for t in ref.index]
    assert len(ref) >= 2
    for col in ("estimate", "se", "t", "df", "p_val", "ci_low", "ci_high"):
        np.testing.assert_allclose(ours.loc[ref.index, col], ref[col], rtol=0, atol=1e-8 * max(1, ref[col].abs().max()),
                                   err_msg=f"{name} {col}")


def test_demo_h3_slope_is_not_significant_with_cr2():
    # The issue's numbers: H3's kommune-level slope on 20 kommune-wave rows in 10 kommuner; CR2 gives
    # df 2.53 and p 0.062 where CR1 with t on G - 1 = 9 df gave p 0.011.
    units = pd.read_csv(DATA / "demo_units.csv").assign(f=lambda d: (d["wave"] == "followup").astype(float))
    row = coef_test(units, "leadership", ["structure", "f"], "kommune").set_index("term").loc["structure"]
    assert row["df"] == pytest.approx(2.52718, abs=1e-5)
    assert row["p_val"] > 0.05


def test_cr2_equals_classical_ols_with_one_row_per_cluster():
    # With singleton clusters CR2 is HC2, and its Satterthwaite df under homoskedastic working errors
    # are at most n - p; check the HC2 covariance by hand: M X' diag(e^2 / (1 - h)) X M.
    rng = np.random.default_rng(3)
    x = np.column_stack([np.ones(12), rng.normal(size=12)])
    y = x @ [1.0, 0.5] + rng.normal(size=12)
    out = cr2(x, y, np.arange(12))
    m = np.linalg.inv(x.T @ x)
    e = y - x @ out["beta"]
    h = np.einsum("ij,jk,ik->i", x, m, x)
    hc2 = m @ (x.T * (e**2 / (1 - h))) @ x @ m
    np.testing.assert_allclose(out["vcov"], hc2, rtol=1e-12)
    assert np.all(out["df"] <= 10 + 1e-9)


def test_coef_test_names_missing_columns():
    with pytest.raises(ValueError, match=r"\['z'\] not in the data"):
        coef_test(pd.DataFrame({"y": [1.0], "k": [1]}), "y", ["z"], "k")
