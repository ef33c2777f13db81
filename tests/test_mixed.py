"""REML fits and Satterthwaite df of relkap.mixed against lme4/lmerTest (tests/R/mixed_satterthwaite.R)."""

from __future__ import annotations

import contextlib
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.regression.mixed_linear_model import MixedLM

from relkap.mixed import SATTERTHWAITE_COLUMNS, Lmm, fit_reml, satterthwaite

DATA = Path(__file__).parent / "data" / "mixed_kommune.csv"


def kommune_data(seed: int = 15) -> pd.DataFrame:
    """10 kommuner x 2 waves, 3 rater groups, 6-13 respondents per kommune and wave; structure_between is
    kommune-level. This generator wrote tests/data/mixed_kommune.csv (the file R reads)."""
    rng = np.random.default_rng(seed)
    rows = []
    between = np.round(rng.normal(3.0, 0.5, 10), 3)
    for k in range(10):
        u = rng.normal(0, 0.3)
        g_eff = rng.normal(0, 0.35, 3)
        for w, wave in enumerate(["baseline", "followup"]):
            within = round(float(rng.normal(0, 0.2)), 3)
            for i in range(int(rng.integers(6, 14))):
                g = i % 3
                score = (3.6 + 0.1 * between[k] + 0.3 * within + 0.1 * w + u + g_eff[g]
                         + rng.normal(0, 0.6))
                rows.append((751 + k, wave, f"g{g}", between[k], within, round(float(score), 3)))
    return pd.DataFrame(rows, columns=["kommune", "wave", "group", "structure_between",
                                       "structure_within", "score"])


def test_committed_data_is_the_generators():
    pd.testing.assert_frame_equal(pd.read_csv(DATA), kommune_data(), check_exact=False, atol=1e-12)


# tests/R/mixed_satterthwaite.R, "model 1": lmer(score ~ structure_between + structure_within + wave
# + (1 | kommune) + (1 | kommune:group), REML) and summary() of lmerTest (Satterthwaite).
# Columns: estimate, se, df, t, p_val
LMER_VC = {
    "Intercept": (3.7826266129863, 0.477958030202, 7.75758496077, 7.914139681649, 5.59783199375e-05),
    "structure_between": (0.0826188098061, 0.156670057801, 7.73473657929, 0.527342690529,
                          6.12741325958e-01),
    "structure_within": (0.6604543466890, 0.270446777517, 145.38287655945, 2.442086212872,
                         1.58025680473e-02),
    "C(wave)[T.followup]": (0.1471267756136, 0.102000809719, 157.98157163568, 1.442407918322,
                            1.51166952352e-01),
}
LMER_VC_LOGLIK = -198.978267906348  # logLik(m1), REML
LMER_VC_VARIANCES = {"kommune": 0.00867188329487, "group": 0.12363583872563, "residual": 0.41732529305753}

# "model 2": the same fixed effects with (1 | kommune) only
LMER_RI = {
    "Intercept": (3.7556080039216, 0.507037742858, 7.84220155483, 7.406959455831, 8.38617045582e-05),
    "structure_between": (0.0898406902489, 0.166189328616, 7.81985717053, 0.540592413467,
                          6.03840332026e-01),
    "structure_within": (0.6529127314844, 0.294932707677, 156.34544302221, 2.213768478330,
                         2.82923841444e-02),
    "C(wave)[T.followup]": (0.1501571207654, 0.111619950417, 177.41621286812, 1.345253426516,
                            1.80260342284e-01),
}
LMER_RI_LOGLIK = -205.117830677349
FORMULA = "score ~ structure_between + structure_within + C(wave)"


def _check_against_lmer(out: pd.DataFrame, ref: dict) -> None:
    assert list(out.columns) == SATTERTHWAITE_COLUMNS
    got = out.set_index("term")
    for term, (est, se, df, t, p) in ref.items():
        row = got.loc[term]
        assert row["estimate"] == pytest.approx(est, abs=1e-6), term
        assert row["se"] == pytest.approx(se, abs=1e-6), term
        assert row["df"] == pytest.approx(df, rel=1e-4), term  # to ~1e-4 of lmerTest's df
        assert row["t"] == pytest.approx(t, abs=1e-5), term
        assert row["p_val"] == pytest.approx(p, rel=1e-4, abs=1e-8), term
        assert row["method"] == "satterthwaite"


def test_kommune_intercept_and_group_variance_component_match_lmertest():
    d = pd.read_csv(DATA)
    model = smf.mixedlm(FORMULA, d, groups="kommune", re_formula="1", vc_formula={"group": "0 + C(group)"})
    out = satterthwaite(model)
    _check_against_lmer(out, LMER_VC)
    assert out.attrs["llf"] == pytest.approx(LMER_VC_LOGLIK, abs=1e-6)
    assert (out.attrs["n_obs"], out.attrs["n_groups"]) == (len(d), 10)
    fit = fit_reml(model)
    variances = fit.variances.set_index("component")["variance"]
    for name, value in LMER_VC_VARIANCES.items():
        key = "groups" if name == "kommune" else name
        assert variances[key] == pytest.approx(value, rel=1e-4), name
    # A kommune-level predictor: ~J - 2 df, not the z test's
    assert 7 < out.set_index("term").loc["structure_between", "df"] < 9


def test_statsmodels_result_is_refitted_to_the_reml_optimum():
    d = pd.read_csv(DATA)
    model = smf.mixedlm(FORMULA, d, groups="kommune", re_formula="1", vc_formula={"group": "0 + C(group)"})

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sm = model.fit(reml=True, method=["powell", "lbfgs"])
    out = satterthwaite(sm)
    assert out.attrs["llf"] >= sm.llf - 1e-9  # never worse than statsmodels' own optimum
    assert out.attrs["llf"] == pytest.approx(LMER_VC_LOGLIK, abs=1e-6)
    _check_against_lmer(out, LMER_VC)
    # a RemlFit is passed on without a refit
    again = satterthwaite(fit_reml(sm))
    np.testing.assert_allclose(again[["estimate", "se", "df"]], out[["estimate", "se", "df"]], rtol=1e-9)


def test_random_intercept_only_matches_lmertest():
    d = pd.read_csv(DATA)
    out = satterthwaite(smf.mixedlm(FORMULA, d, groups="kommune"))
    _check_against_lmer(out, LMER_RI)
    assert out.attrs["llf"] == pytest.approx(LMER_RI_LOGLIK, abs=1e-6)


def test_confidence_interval_uses_the_satterthwaite_df():
    d = pd.read_csv(DATA)
    out = satterthwaite(smf.mixedlm(FORMULA, d, groups="kommune"), level=0.9)
    from scipy import stats

    half = stats.t.ppf(0.95, out["df"]) * out["se"]
    np.testing.assert_allclose(out["ci_low"], out["estimate"] - half, atol=1e-12)
    np.testing.assert_allclose(out["ci_high"], out["estimate"] + half, atol=1e-12)
    with pytest.raises(ValueError, match="level"):
        satterthwaite(smf.mixedlm(FORMULA, d, groups="kommune"), level=95)


def test_singular_fixed_effects_are_refused():
    d = pd.read_csv(DATA).assign(copy=lambda x: 2 * x["structure_between"])
    with pytest.raises(ValueError, match="singular"):
        fit_reml(smf.mixedlm("score ~ structure_between + copy", d, groups="kommune"))


@pytest.mark.slow
def test_kommune_level_predictor_without_effect_keeps_the_level():
    """1000 simulated studies, ten kommuner, no kommune-level effect: rejection at 5% <= 6.5%."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - only a speed-up (tiny matrices: BLAS threads cost more)
        limits = contextlib.nullcontext()
    else:
        limits = threadpool_limits(1)
    rng = np.random.default_rng(2024)
    kommune = np.repeat(np.arange(10), 6)
    rejected, n_sim = 0, 1000
    with limits:
        for _ in range(n_sim):
            z = np.repeat(rng.normal(size=10), 6)  # kommune-level predictor, no effect
            x = rng.normal(size=60)
            y = 0.3 * x + rng.normal(0, 0.5, 10)[kommune] + rng.normal(size=60)
            out = satterthwaite(MixedLM(y, np.column_stack([np.ones(60), z, x]), groups=kommune))
            rejected += out["p_val"].iloc[1] < 0.05
    assert rejected / n_sim <= 0.065
    assert rejected / n_sim >= 0.02  # and not absurdly conservative


# "model 3": (1 + followup | kommune), a correlated random intercept and wave slope; lme4 ends on the
# boundary (correlation 1), the case where a start on one side of the saddle is needed
LMER_SLOPE = {
    "Intercept": (3.7683242551002, 0.410830089390, 16.9957541585, 9.172464121837, 5.41861373850e-08),
    "structure_between": (0.0952159967184, 0.137417144775, 16.8054700060, 0.692897504705,
                          4.97838405583e-01),
    "structure_within": (0.8180953866484, 0.315993292166, 95.1481502889, 2.588964408201,
                         1.11363591881e-02),
    "followup": (0.1131427831807, 0.152337459497, 10.8860504787, 0.742711500862, 4.73379047431e-01),
}
LMER_SLOPE_LOGLIK = -201.994713529879


def test_correlated_random_slope_matches_lmertest():
    d = pd.read_csv(DATA).assign(followup=lambda x: (x["wave"] == "followup").astype(float))
    model = smf.mixedlm("score ~ structure_between + structure_within + followup", d, groups="kommune",
                        re_formula="1 + followup")
    out = satterthwaite(model)
    assert out.attrs["llf"] == pytest.approx(LMER_SLOPE_LOGLIK, abs=1e-6)
    got = out.set_index("term")
    for term, (est, se, df, _, p) in LMER_SLOPE.items():
        assert got.loc[term, "estimate"] == pytest.approx(est, abs=1e-6), term
        assert got.loc[term, "se"] == pytest.approx(se, abs=1e-6), term
        assert got.loc[term, "df"] == pytest.approx(df, rel=1e-4), term
        assert got.loc[term, "p_val"] == pytest.approx(p, rel=1e-3), term
    # lme4's VarCorr: kommune intercept 0.00434962496067, covariance 0.02194890990157, slope 0.11075774353507
    cov = fit_reml(model).cov_re.to_numpy()
    np.testing.assert_allclose(cov, [[0.00434962496067, 0.02194890990157],
                                     [0.02194890990157, 0.11075774353507]], atol=1e-6)


def test_nested_indicator_elimination_equals_the_dense_computation():
    """Answer sheets (respondent x wave) nested in respondents: both eliminated through diagonal blocks
    give the same REML criterion and Var(beta) as the respondents carried as dense columns."""
    rng = np.random.default_rng(3)
    rows = []
    for k in range(5):
        person = rng.normal(0, 0.4, 30)
        for w in range(2):
            for i in range(w * 8, 20 + w * 8):  # 12 respondents answer in both waves
                rows.extend((k, w, i, t, rng.normal() + person[i]) for t in range(3))
    d = pd.DataFrame(rows, columns=["k", "w", "i", "t", "y"])
    x = np.column_stack([np.ones(len(d)), d["w"], d["t"] == 1, d["t"] == 2]).astype(float)
    groups = [np.flatnonzero(d["k"] == k) for k in range(5)]

    def codes(labels):
        return [pd.factorize(np.asarray(labels)[r], sort=True)[0] for r in groups]

    key = d["k"].astype(str) + "_" + d["i"].astype(str)
    vcs = [codes(d["k"].astype(str) + d["w"].astype(str)), codes(key + "_" + d["w"].astype(str)), codes(key)]
    args = (d["y"].to_numpy(), x, groups, np.ones((len(d), 1)), vcs, ["kw", "sheet", "resp"], list("abcd"),
            ["kommune"])
    fast, dense = Lmm(*args), Lmm(*args, allow_nested=False)
    assert (fast.vc_b, fast.vc_c, dense.vc_c) == (1, 2, None)
    for theta in [rng.uniform(0, 1.5, 4) for _ in range(4)] + [np.array([0.5, 0.0, 0.7, 0.0])]:
        assert fast.profiled_deviance(theta) == pytest.approx(dense.profiled_deviance(theta), abs=1e-9)
        varpar = np.append(theta, 0.8)
        np.testing.assert_allclose(fast.cov_beta(varpar), dense.cov_beta(varpar), atol=1e-12)


# ----------------------------------------------------------------------------------------------------
# The research H1 model against lmerTest: tests/R/h1_structures_lmer.R on tests/data/h1_structures_rk.csv
# (the respondent-level model of relkap.research.structures_rk on example_tables(8, seed=2, respondents=12)).
# lmer(rk ~ structure_between + structure_within + wave + (1 | kommune) + (1 | kommune:group), REML);
# summary() of lmerTest. Columns: estimate, se, df, p_val
# ----------------------------------------------------------------------------------------------------
H1_DATA = Path(__file__).parent / "data" / "h1_structures_rk.csv"
LMER_H1 = {  # tests/R/h1_structures_lmer.R: lmerTest, with kommune, kommune:group and respondent intercepts
    "structure_between": (0.241313906056, 0.0678660974988, 6.45920870709, 1.05978030621e-02),
    "structure_within": (0.284189500140, 0.1042950688225, 65.15546066972, 8.25101150842e-03),
}


@pytest.fixture(scope="module")
def h1_example():
    from relkap import load_instrument
    from relkap.research import example_tables, respondent_table, unit_table

    inst = load_instrument()
    t = example_tables(8, seed=2, respondents=12)
    resp = respondent_table(t, inst)
    return unit_table(t, inst, resp), resp


def test_h1_reference_data_is_the_research_model_frame(h1_example):
    from relkap.research.h1 import MODEL_COLUMNS, between_within

    frame = between_within(*h1_example)[MODEL_COLUMNS].reset_index(drop=True)
    committed = pd.read_csv(H1_DATA)
    pd.testing.assert_frame_equal(committed, frame.astype({"wave": str, "group": str}), check_exact=False,
                                  atol=1e-12, check_dtype=False)


def test_structures_rk_matches_lmertest(h1_example):
    from relkap.research import structures_rk

    h1 = structures_rk(*h1_example).set_index("predictor")
    for term, (est, se, df, p) in LMER_H1.items():
        row = h1.loc[term]
        assert row["linked"]  # ids link the waves: a respondent intercept, as in the R model
        assert row["estimate"] == pytest.approx(est, abs=1e-6), term
        assert row["se"] == pytest.approx(se, abs=1e-6), term
        assert row["df_satterthwaite"] == pytest.approx(df, rel=1e-4), term
        if term == "structure_within":
            assert row["method"] == "satterthwaite"
            assert row["df"] == pytest.approx(df, rel=1e-4), term
            assert row["p_val"] == pytest.approx(p, rel=1e-4, abs=1e-6), term
    # the kommune-level effect: lmerTest's 6.46 df bounded by the between-kommune df, 8 kommuner - 2
    row = h1.loc["structure_between"]
    assert (row["df"], row["method"]) == (6.0, "satterthwaite_between")
    assert row["p_val"] == pytest.approx(2 * stats.t.sf(row["estimate"] / row["se"], 6), rel=1e-9)
    assert h1.loc["structure_between", "df"] < 8
