"""ICC(1)/ICC(2), r_wg, r_wg(j) and alpha against DOMAIN.md reference values, pingouin and hand sums."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import stats

from relkap.agreement import alpha, icc, rwg, rwg_j


@pytest.fixture
def anova_data():
    # DOMAIN.md, "Reference values": groups A=[3,4,4,5], B=[2,2,3,3,3], C=[1,2,2]
    return pd.DataFrame(
        {"unit": list("AAAABBBBBCCC"), "score": [3, 4, 4, 5, 2, 2, 3, 3, 3, 1, 2, 2]}
    )


@pytest.fixture
def rwg_data():
    # DOMAIN.md, "Reference values": 4 raters, items i1, i2, i3
    return pd.DataFrame(
        {"unit": ["a"] * 4, "i1": [4, 5, 4, 3], "i2": [4, 4, 5, 4], "i3": [5, 5, 4, 4]}
    )


def test_icc_matches_domain_reference(anova_data):
    out = icc(anova_data, dv="score", group="unit")
    assert list(out.columns) == ["MSB", "MSW", "F", "df1", "df2", "p_val", "k", "ICC1", "ICC2"]
    row = out.iloc[0]
    # DOMAIN.md (R multilevel::ICC1 / ICC2 on aov(score ~ unit))
    assert row["MSB"] == pytest.approx(4.900, abs=1e-6)
    assert row["MSW"] == pytest.approx(0.42963, abs=1e-5)
    assert row["F"] == pytest.approx(11.4, abs=0.01)
    assert (row["df1"], row["df2"]) == (2, 9)
    assert row["p_val"] == pytest.approx(0.00341, abs=1e-5)
    assert row["k"] == 4
    assert row["ICC1"] == pytest.approx(0.72232196, abs=1e-8)
    assert row["ICC2"] == pytest.approx(0.91232048, abs=1e-8)
    # Hand calculation: SSW = 2 + 1.2 + 2/3 = 58/15, so MSW = 58/135 and F = 4.9 * 135 / 58
    assert row["MSW"] == pytest.approx(58 / 135, abs=1e-12)
    assert row["F"] == pytest.approx(4.9 * 135 / 58, abs=1e-10)


def test_icc_f_and_p_match_scipy_oneway(anova_data):
    groups = [g["score"].to_numpy() for _, g in anova_data.groupby("unit")]
    f_stat, p_val = stats.f_oneway(*groups)
    out = icc(anova_data, dv="score", group="unit").iloc[0]
    assert out["F"] == pytest.approx(f_stat, rel=1e-12)
    assert out["p_val"] == pytest.approx(p_val, rel=1e-10)


def test_icc_k0_option(anova_data):
    # Hand calculation: N = 12, sum n_j^2 = 16 + 25 + 9 = 50, k0 = (12 - 50/12) / 2
    k0 = (12 - 50 / 12) / 2
    msb, msw = 4.9, 58 / 135
    out = icc(anova_data, dv="score", group="unit", k="k0").iloc[0]
    assert out["k"] == pytest.approx(k0, abs=1e-12)
    assert out["ICC1"] == pytest.approx((msb - msw) / (msb + (k0 - 1) * msw), abs=1e-12)
    # ICC(2) does not depend on k
    assert out["ICC2"] == pytest.approx(0.91232048, abs=1e-8)


def test_icc_drops_missing_and_accepts_several_group_columns(anova_data):
    d = anova_data.assign(wave="baseline")
    d = pd.concat(
        [d, pd.DataFrame({"unit": ["A", None], "score": [np.nan, 5.0], "wave": "baseline"})]
    )
    out = icc(d, dv="score", group=["wave", "unit"]).iloc[0]
    assert out["ICC1"] == pytest.approx(0.72232196, abs=1e-8)


def test_icc_may_be_negative():
    # Hand calculation: identical unit means -> MSB = 0, ICC(1) = -MSW / ((k - 1) MSW) = -1 / (k - 1)
    d = pd.DataFrame({"unit": list("AABB"), "score": [1.0, 3.0, 1.0, 3.0]})
    out = icc(d, dv="score", group="unit").iloc[0]
    assert out["ICC1"] == pytest.approx(-1.0)
    assert out["MSB"] == pytest.approx(0.0)


def test_icc_rejects_bad_input(anova_data):
    with pytest.raises(ValueError, match="k must be one of"):
        icc(anova_data, dv="score", group="unit", k="median")
    with pytest.raises(ValueError, match="at least 2 units"):
        icc(anova_data[anova_data["unit"] == "A"], dv="score", group="unit")
    with pytest.raises(ValueError, match="'nope' not found"):
        icc(anova_data, dv="nope", group="unit")
    with pytest.raises(ValueError, match="must be numeric"):
        icc(anova_data.assign(label="x"), dv="label", group="unit")


def test_rwg_matches_domain_reference(rwg_data):
    out = rwg(rwg_data, item="i1", group="unit")
    assert list(out.columns) == ["unit", "n", "rwg"]
    assert out["n"].tolist() == [4]
    # DOMAIN.md: r_wg(i1) = 0.6666667 (R multilevel::rwg, ranvar = 2)
    assert out["rwg"].iloc[0] == pytest.approx(0.6666667, abs=1e-6)


def test_rwg_j_matches_domain_reference(rwg_data):
    out = rwg_j(rwg_data, items=["i1", "i2", "i3"], group="unit")
    assert list(out.columns) == ["unit", "n", "rwg_j"]
    # DOMAIN.md: r_wg(j) = 0.9193548 (R multilevel::rwg.j, J = 3, ranvar = 2)
    assert out["rwg_j"].iloc[0] == pytest.approx(0.9193548, abs=1e-6)


def test_rwg_j_of_one_item_is_rwg(rwg_data):
    assert rwg_j(rwg_data, ["i2"], "unit")["rwg_j"].iloc[0] == pytest.approx(
        rwg(rwg_data, "i2", "unit")["rwg"].iloc[0], abs=1e-12
    )
    # Hand calculation: var(4, 4, 5, 4) = 0.25, r_wg = 1 - 0.25 / 2
    assert rwg(rwg_data, "i2", "unit")["rwg"].iloc[0] == pytest.approx(0.875, abs=1e-12)


def test_rwg_truncation_small_groups_and_options():
    d = pd.DataFrame(
        {
            "unit": ["wide"] * 4 + ["one"] + ["same"] * 3,
            # Hand calculation: var(1, 5, 1, 5) = 16/3 > 2 -> truncated to 0
            "x": [1, 5, 1, 5, 3, 4, 4, 4],
            "y": [5, 1, 5, 1, 3, 4, 4, 4],
        }
    )
    out = rwg(d, "x", "unit").set_index("unit")
    assert out.loc["wide", "rwg"] == 0
    assert np.isnan(out.loc["one", "rwg"])  # fewer than 2 raters
    assert out.loc["same", "rwg"] == 1
    outj = rwg_j(d, ["x", "y"], "unit").set_index("unit")
    assert outj.loc["wide", "rwg_j"] == 0  # mean item variance 16/3 > 2
    assert np.isnan(outj.loc["one", "rwg_j"])
    assert outj.loc["same", "rwg_j"] == 1
    # Hand calculation, 7 options: sigma2_EU = (49 - 1) / 12 = 4 -> 1 - (16/3) / 4 < 0 -> 0
    assert rwg(d, "x", "unit", options=7).set_index("unit").loc["wide", "rwg"] == 0
    # Hand calculation, 11 options: sigma2_EU = 10 -> 1 - (16/3) / 10
    assert rwg(d, "x", "unit", options=11).set_index("unit").loc["wide", "rwg"] == pytest.approx(
        1 - 16 / 30
    )


def test_rwg_j_listwise_deletion_of_raters(rwg_data):
    d = pd.concat(
        [rwg_data, pd.DataFrame({"unit": ["a"], "i1": [1.0], "i2": [np.nan], "i3": [1.0]})]
    )
    out = rwg_j(d, ["i1", "i2", "i3"], "unit")
    assert out["n"].iloc[0] == 4
    assert out["rwg_j"].iloc[0] == pytest.approx(0.9193548, abs=1e-6)


def test_rwg_rejects_bad_input(rwg_data):
    with pytest.raises(ValueError, match="options"):
        rwg(rwg_data, "i1", "unit", options=1)
    with pytest.raises(ValueError, match="rwg_j"):
        rwg(rwg_data, ["i1", "i2"], "unit")
    with pytest.raises(ValueError, match="not found"):
        rwg_j(rwg_data, ["i1", "i9"], "unit")


@settings(max_examples=40, deadline=None)
@given(
    scores=st.lists(st.integers(1, 5), min_size=9, max_size=30),
    shift=st.floats(-100, 100, allow_nan=False),
)
# equal unit means (MSB 0): rounding gave MSB 1e-32 after a shift and an ICC(2) of -2e32 instead of -inf
@example(scores=[3, 1, 5, 3, 4, 5, 1, 1, 4, 1, 4, 2, 2, 3, 1, 5, 2, 2, 5, 5, 1], shift=2.0)
def test_adding_a_constant_leaves_icc_and_rwg_unchanged(scores, shift):
    units = [i % 3 for i in range(len(scores))]
    d = pd.DataFrame({"unit": units, "score": np.asarray(scores, float)})
    d2 = d.assign(score=d["score"] + shift)
    a, b = icc(d, "score", "unit").iloc[0], icc(d2, "score", "unit").iloc[0]
    for col in ["MSB", "MSW", "ICC1", "ICC2"]:
        assert b[col] == pytest.approx(a[col], abs=1e-8, nan_ok=True)
    r1, r2 = rwg(d, "score", "unit"), rwg(d2, "score", "unit")
    np.testing.assert_allclose(r2["rwg"], r1["rwg"], atol=1e-8)


def _long(wide: pd.DataFrame) -> pd.DataFrame:
    return wide.reset_index(names="respondent_id").melt(
        id_vars="respondent_id", var_name="item", value_name="score"
    )


def test_alpha_matches_pingouin():
    rng = np.random.default_rng(3)
    true = rng.normal(size=40)
    wide = pd.DataFrame({f"v{i}": true + rng.normal(scale=0.8, size=40) for i in range(4)})
    wide.iloc[[2, 7], 1] = np.nan
    wide.iloc[11, 3] = np.nan
    out = alpha(_long(wide))
    assert list(out.columns) == ["n", "k", "alpha", "ci_low", "ci_high"]
    # pingouin rounds its CI to 3 decimals. Under "listwise" pingouin keeps n = all rows in the CI;
    # here n = complete subjects, so the reference is pingouin on the complete rows.
    for policy, ref_data in [("pairwise", wide), ("listwise", wide.dropna())]:
        out = alpha(_long(wide), nan_policy=policy).iloc[0]
        ref, ci = pg.cronbach_alpha(ref_data, nan_policy=policy)
        assert out["n"] == len(ref_data)
        assert out["alpha"] == pytest.approx(ref, abs=1e-12)
        assert out["ci_low"] == pytest.approx(ci[0], abs=5e-4)
        assert out["ci_high"] == pytest.approx(ci[1], abs=5e-4)
    assert alpha(_long(wide), nan_policy="listwise")["n"].iloc[0] == 37


def test_alpha_per_cell_with_item_selection():
    rng = np.random.default_rng(4)
    frames, expected = [], []
    for wave in ["baseline", "followup"]:
        true = rng.normal(size=30)
        wide = pd.DataFrame({f"v{i}": true + rng.normal(size=30) for i in range(3)})
        expected.append(pg.cronbach_alpha(wide)[0])
        wide["noise"] = rng.normal(size=30)  # an item outside the scale
        frames.append(_long(wide).assign(wave=wave))
    out = alpha(pd.concat(frames), items=["v0", "v1", "v2"], by="wave")
    assert out["wave"].tolist() == ["baseline", "followup"]
    assert out["k"].tolist() == [3, 3] and out["n"].tolist() == [30, 30]
    np.testing.assert_allclose(out["alpha"], expected, atol=1e-12)


def test_alpha_too_small_cell_is_nan_and_duplicates_raise():
    long = pd.DataFrame({"respondent_id": ["a", "a"], "item": ["v1", "v2"], "score": [3.0, 4.0]})
    out = alpha(long).iloc[0]
    assert out["n"] == 1 and np.isnan(out["alpha"])
    with pytest.raises(ValueError, match="repeat a subject and item"):
        alpha(pd.concat([long, long]))


def test_categorical_group_with_unused_categories(anova_data, rwg_data):
    d = anova_data.assign(unit=pd.Categorical(anova_data["unit"], categories=["A", "B", "C", "D"]))
    out = icc(d, dv="score", group="unit").iloc[0]
    assert (out["df1"], out["ICC1"]) == (2, pytest.approx(0.72232196, abs=1e-8))
    r = rwg_data.assign(unit=pd.Categorical(rwg_data["unit"], categories=["a", "b"]))
    assert rwg_j(r, ["i1", "i2", "i3"], "unit")["unit"].tolist() == ["a"]
