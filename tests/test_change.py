"""Wave comparisons, p-value adjustment and difference-in-differences against DOMAIN.md, pingouin and scipy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.multitest import multipletests

from relkap.change import (
    adjust_pvalues,
    compare_waves,
    did,
    hedges_correction,
    hedges_paired,
    reverse_change,
    suppress,
)
from relkap.power import minimum_detectable_change

# DOMAIN.md, "Reference values", Welch: x and y
X = [3.2, 3.8, 4.1, 3.5, 3.9, 4.4, 3.0, 3.6]
Y = [3.9, 4.2, 4.6, 4.0, 4.4, 3.8, 4.7, 4.1, 4.5]


def _two_waves(followup, baseline, **extra) -> pd.DataFrame:
    """One row per respondent: the follow-up wave holds ``followup``, the baseline ``baseline``."""
    return pd.DataFrame(
        {
            "wave": ["followup"] * len(followup) + ["baseline"] * len(baseline),
            "respondent_id": [f"f{i}" for i in range(len(followup))]
            + [f"b{i}" for i in range(len(baseline))],
            "score": list(followup) + list(baseline),
            **extra,
        }
    )


def _panel(rng, n_cells=4, n=(6, 20), targets=3, linked=False) -> pd.DataFrame:
    """Respondent x target rows in several kommune cells, on a 1-5 scale (ties in the scores)."""
    rows = []
    for k in range(n_cells):
        for w, shift in [("baseline", 0.0), ("followup", 0.3 * (k % 2))]:
            for i in range(rng.integers(*n)):
                rid = f"k{k}r{i}" if linked else f"k{k}{w}{i}"
                for t in range(targets):
                    score = np.clip(np.round(3.5 + shift + rng.normal(0, 0.8)), 1, 5)
                    rows.append((k, w, rid, f"t{t}", score))
    return pd.DataFrame(rows, columns=["kommune", "wave", "respondent_id", "target", "score"])


# ---------------------------------------------------------------- adjust_pvalues


def test_adjust_pvalues_matches_domain_reference():
    p = [0.01, 0.02, 0.03, 0.04, 0.20]
    # DOMAIN.md: BH [.05, .05, .05, .05, .20]; Holm [.05, .08, .09, .09, .20]
    np.testing.assert_allclose(adjust_pvalues(p), [0.05, 0.05, 0.05, 0.05, 0.20], atol=1e-6)
    np.testing.assert_allclose(
        adjust_pvalues(p, method="holm"), [0.05, 0.08, 0.09, 0.09, 0.20], atol=1e-6
    )


@pytest.mark.parametrize("method", ["fdr_bh", "holm"])
def test_adjust_pvalues_matches_statsmodels_and_skips_nan(method):
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 0.2, size=30) ** 2
    p[[3, 11, 20]] = np.nan
    ok = ~np.isnan(p)
    out = adjust_pvalues(p, method=method)
    assert np.isnan(out[~ok]).all()
    np.testing.assert_allclose(out[ok], multipletests(p[ok], method=method)[1], atol=1e-12)
    series = pd.Series(p, index=[f"tie{i}" for i in range(30)], name="p_val")
    adjusted = adjust_pvalues(series, method=method)
    assert adjusted.index.equals(series.index) and adjusted.name == "p_val"
    assert adjust_pvalues([np.nan, np.nan], method=method).tolist() == pytest.approx(
        [np.nan, np.nan], nan_ok=True
    )


def test_adjust_pvalues_rejects_bad_input():
    with pytest.raises(ValueError, match="method"):
        adjust_pvalues([0.1], method="bonferroni")
    with pytest.raises(ValueError, match="between 0 and 1"):
        adjust_pvalues([0.1, 1.5])


# ---------------------------------------------------------------- compare_waves: reference values


def test_welch_matches_domain_reference():
    # follow-up = x, baseline = y, so diff = mean(x) - mean(y) as DOMAIN.md's x - y
    out = compare_waves(_two_waves(X, Y), dv="score", by=None)
    assert list(out.columns) == [
        "n_baseline", "n_followup", "mean_baseline", "mean_followup", "diff", "diff_ci_low",
        "diff_ci_high", "T", "dof", "p_val", "mdc", "hedges", "hedges_ci_low", "hedges_ci_high", "p_mwu",
        "rank_method", "p_fdr", "p_holm", "test", "suppressed",
    ]  # fmt: skip
    row = out.iloc[0]
    assert (row["n_baseline"], row["n_followup"], row["test"]) == (9, 8, "welch")
    # DOMAIN.md: t=-2.8569, df=12.317, p=0.01411, CI [-0.9805, -0.1334], Hedges g -1.3468
    assert row["T"] == pytest.approx(-2.8569, abs=1e-4)
    assert row["dof"] == pytest.approx(12.317, abs=1e-3)
    assert row["p_val"] == pytest.approx(0.01411, abs=1e-5)
    assert row["diff_ci_low"] == pytest.approx(-0.9805, abs=1e-4)
    assert row["diff_ci_high"] == pytest.approx(-0.1334, abs=1e-4)
    assert row["hedges"] == pytest.approx(-1.3468, abs=1e-4)
    assert not row["suppressed"]


def test_welch_matches_pingouin_and_scipy():
    out = compare_waves(_two_waves(X, Y), dv="score", by=None).iloc[0]
    ref = pg.ttest(X, Y)  # pingouin.ttest, Welch (correction="auto" with unequal n)
    assert out["T"] == pytest.approx(ref["T"].iloc[0], abs=1e-10)
    assert out["dof"] == pytest.approx(ref["dof"].iloc[0], abs=1e-10)
    assert out["p_val"] == pytest.approx(ref["p_val"].iloc[0], abs=1e-12)
    ci = ref["CI95"].iloc[0]  # pingouin rounds to 2 decimals
    assert out["diff_ci_low"] == pytest.approx(ci[0], abs=5e-3)
    assert out["diff_ci_high"] == pytest.approx(ci[1], abs=5e-3)
    sp = stats.ttest_ind(X, Y, equal_var=False)
    assert out["p_val"] == pytest.approx(sp.pvalue, abs=1e-12)
    sci = sp.confidence_interval(0.95)
    assert (out["diff_ci_low"], out["diff_ci_high"]) == pytest.approx(
        (sci.low, sci.high), abs=1e-10
    )
    g = pg.compute_effsize(X, Y, eftype="hedges")
    assert out["hedges"] == pytest.approx(g, abs=1e-12)
    # g's CI is the difference CI on g's scale (J / pooled SD): it excludes 0 exactly when Welch rejects
    scale = out["hedges"] / out["diff"]
    assert (out["hedges_ci_low"], out["hedges_ci_high"]) == pytest.approx(
        (sci.low * scale, sci.high * scale), abs=1e-10)
    # R: wilcox.test(X, Y) (tests/R/rank_tests.R, "welch_xy"): ties, so normal with continuity correction
    assert out["p_mwu"] == pytest.approx(0.0181123576361056, abs=1e-12)
    assert out["rank_method"] == "normal"
    assert out["p_mwu"] == pytest.approx(pg.mwu(X, Y)["p_val"].iloc[0], abs=1e-12)


def test_paired_matches_pingouin_and_scipy():
    baseline = Y[:8]
    df = _two_waves(X, baseline)
    df["respondent_id"] = [f"r{i}" for i in range(8)] * 2  # linked ids
    df = pd.concat([df, _two_waves([4.0], [], respondent_id=["only_followup"])])
    out = compare_waves(df, dv="score", by=None, paired=True).iloc[0]
    assert (out["n_baseline"], out["n_followup"], out["test"]) == (8, 8, "paired")
    ref = pg.ttest(X, baseline, paired=True)
    for col in ["T", "dof", "p_val"]:
        assert out[col] == pytest.approx(ref[col].iloc[0], abs=1e-10)
    sp = stats.ttest_rel(X, baseline)
    sci = sp.confidence_interval(0.95)
    assert (out["diff_ci_low"], out["diff_ci_high"]) == pytest.approx(
        (sci.low, sci.high), abs=1e-10
    )
    # Paired g: d_av (pingouin's paired Cohen d) times J = 1 - 3 / (4 df - 1) with df = n - 1
    # (Borenstein et al. 2009, ch. 4); pingouin's paired "hedges" uses the two-group J and is not used.
    d_av = pg.compute_effsize(X, baseline, paired=True, eftype="cohen")
    assert out["hedges"] == pytest.approx(d_av * (1 - 3 / (4 * 7 - 1)), abs=1e-12)
    scale = out["hedges"] / out["diff"]
    assert (out["hedges_ci_low"], out["hedges_ci_high"]) == pytest.approx(
        (sci.low * scale, sci.high * scale), abs=1e-10)
    # R: wilcox.test(X, Y[1:8], paired = TRUE) (tests/R/rank_tests.R, "paired_xy8")
    assert out["p_mwu"] == pytest.approx(0.106896854804493, abs=1e-12)
    assert out["rank_method"] == "normal"
    assert out["diff"] == pytest.approx(np.mean(np.subtract(X, baseline)), abs=1e-12)


def test_many_cells_match_per_cell_pingouin_and_scipy():
    rng = np.random.default_rng(7)
    df = _panel(rng, n_cells=6, n=(3, 25), targets=1)
    # Two no-tie cells so that scipy's exact Mann-Whitney branch is used (n <= 8) and not used
    for k, n in [(10, 6), (11, 12)]:
        sample = rng.permutation(np.arange(2 * n, dtype=float) / 7)
        df = pd.concat([df, _two_waves(sample[:n], sample[n:], kommune=k)])
    out = compare_waves(df, dv="score", by="kommune", min_n=3)
    assert out["kommune"].tolist() == sorted(df["kommune"].unique())
    for row in out.itertuples():
        cell = df[df["kommune"] == row.kommune]
        f = cell.loc[cell["wave"] == "followup", "score"].to_numpy()
        b = cell.loc[cell["wave"] == "baseline", "score"].to_numpy()
        ref = pg.ttest(f, b, correction=True)
        assert row.T == pytest.approx(ref["T"].iloc[0], abs=1e-9)
        assert row.p_val == pytest.approx(ref["p_val"].iloc[0], abs=1e-10)
        assert row.hedges == pytest.approx(pg.compute_effsize(f, b, eftype="hedges"), abs=1e-10)
        # R's rule: exact without ties and n < 50, else normal with continuity correction
        exact = len(np.unique(cell["score"])) == len(cell) and max(len(f), len(b)) < 50
        method = "exact" if exact else "asymptotic"
        assert row.p_mwu == pytest.approx(stats.mannwhitneyu(f, b, method=method).pvalue, abs=1e-10)
        assert row.rank_method == ("exact" if exact else "normal")


# ---------------------------------------------------------------- compare_waves: aggregation, privacy


def test_respondent_x_target_rows_are_aggregated_to_respondents():
    rng = np.random.default_rng(1)
    df = _panel(rng, n_cells=3, targets=4)
    out = compare_waves(df, dv="score", by="kommune")
    per_resp = df.groupby(["kommune", "wave", "respondent_id"], as_index=False)["score"].mean()
    ref = compare_waves(per_resp, dv="score", by="kommune")
    pd.testing.assert_frame_equal(out, ref)
    n_resp = per_resp.groupby(["kommune", "wave"]).size().unstack()
    assert out["n_baseline"].tolist() == n_resp["baseline"].tolist()
    # Duplicating every respondent x target row changes neither n nor p
    doubled = compare_waves(pd.concat([df, df]), dv="score", by="kommune")
    pd.testing.assert_frame_equal(doubled, out)


def test_suppression_and_cells_present_in_one_wave():
    rng = np.random.default_rng(2)
    big = _two_waves(rng.normal(4, 0.5, 10), rng.normal(3.8, 0.5, 10), kommune=1)
    small = _two_waves(rng.normal(4, 0.5, 10), rng.normal(3.8, 0.5, 4), kommune=2)
    only_base = _two_waves([], rng.normal(3.8, 0.5, 9), kommune=3)
    big2 = _two_waves(rng.normal(4.5, 0.5, 12), rng.normal(3.8, 0.5, 11), kommune=4)
    df = pd.concat([big, small, only_base, big2])
    df["respondent_id"] = df["kommune"].astype(str) + df["respondent_id"]
    out = compare_waves(df, dv="score", by="kommune").set_index("kommune")
    assert out["suppressed"].tolist() == [False, True, True, False]
    assert (out.loc[3, "n_baseline"], out.loc[3, "n_followup"]) == (9, 0)
    assert (out.loc[2, "n_baseline"], out.loc[2, "n_followup"]) == (4, 10)
    values = out.columns.drop(["n_baseline", "n_followup", "test", "suppressed"])
    assert out.loc[[2, 3], values].isna().all(axis=None)
    assert out.loc[[1, 4], values].notna().all(axis=None)
    # The adjustment counts the two reported cells only
    np.testing.assert_allclose(
        out.loc[[1, 4], "p_holm"], multipletests(out.loc[[1, 4], "p_val"], method="holm")[1]
    )
    # min_n = 4 reports kommune 2; a wave without the cell stays suppressed even with min_n = 0
    assert compare_waves(df, "score", "kommune", min_n=4)["suppressed"].tolist() == [
        False, False, True, False,
    ]  # fmt: skip
    assert compare_waves(df, "score", "kommune", min_n=0)["suppressed"].sum() == 1


@pytest.mark.parametrize("family", [None, "kommune"])
def test_suppress_after_the_fact_equals_compare_waves_with_that_min_n(family):
    """The explorer's min_n slider: suppress() on an unthresholded table = compare_waves with the threshold."""
    rng = np.random.default_rng(11)
    df = _panel(rng, n_cells=8, n=(3, 25), targets=3)
    df["kommune"], df["tie"] = df["kommune"] % 2, df["kommune"]
    by = ["kommune", "tie", "target"]
    free = compare_waves(df, "score", by, min_n=None, family=family)
    smallest = np.minimum(free["n_baseline"], free["n_followup"])
    thresholds = [int(np.quantile(smallest, q)) + 1 for q in (0.2, 0.5, 0.8)]
    for min_n in thresholds:
        want = compare_waves(df, "score", by, min_n=min_n, family=family)
        got = suppress(free, min_n, family=family)
        assert 0 < want["suppressed"].sum() < len(want)  # some rows go, some stay
        pd.testing.assert_frame_equal(got, want)
    # applied twice, the larger threshold wins; values of a suppressed row do not come back
    high, low = thresholds[-1], thresholds[0]
    twice = suppress(suppress(free, high, family=family), low, family=family)
    pd.testing.assert_frame_equal(twice, suppress(free, high, family=family))


def test_paired_counts_only_subjects_in_both_waves():
    rng = np.random.default_rng(3)
    df = _panel(rng, n_cells=2, n=(8, 9), targets=2, linked=True)
    # drop the follow-up of three respondents of kommune 0
    gone = ["k0r0", "k0r1", "k0r2"]
    df = df[~(df["respondent_id"].isin(gone) & (df["wave"] == "followup"))]
    out = compare_waves(df, "score", "kommune", paired=True).set_index("kommune")
    assert out.loc[0, "n_baseline"] == out.loc[0, "n_followup"] == 5
    assert out.loc[1, "n_baseline"] == 8
    assert out.loc[0, "mean_followup"] - out.loc[0, "mean_baseline"] == pytest.approx(
        out.loc[0, "diff"]
    )
    assert compare_waves(df, "score", "kommune", paired=True, min_n=6)["suppressed"].tolist() == [
        True, False,
    ]  # fmt: skip


def test_family_adjusts_within_each_kommune():
    rng = np.random.default_rng(4)
    df = _panel(rng, n_cells=3, targets=3)
    df["kommune"], df["tie"] = df["kommune"] % 2, df["kommune"]
    out = compare_waves(df, "score", ["kommune", "tie", "target"], family="kommune", mwu=False)
    for _, part in out.groupby("kommune"):
        np.testing.assert_allclose(part["p_fdr"], adjust_pvalues(part["p_val"]), atol=1e-12)
    assert out["p_mwu"].isna().all()
    with pytest.raises(ValueError, match="family"):
        compare_waves(df, "score", "tie", family="kommune")


def test_compare_waves_rejects_bad_input():
    df = _two_waves(X, Y)
    with pytest.raises(ValueError, match="'nope' not found"):
        compare_waves(df, dv="nope", by=None)
    with pytest.raises(ValueError, match="must differ"):
        compare_waves(df, dv="score", by=None, followup="baseline")
    with pytest.raises(ValueError, match="min_n"):
        compare_waves(df, dv="score", by=None, min_n=-1)
    with pytest.raises(ValueError, match="subject id"):
        compare_waves(df.assign(respondent_id=None), dv="score", by=None)


@settings(max_examples=30, deadline=None)
@given(
    followup=st.lists(st.integers(1, 5), min_size=5, max_size=15),
    baseline=st.lists(st.integers(1, 5), min_size=5, max_size=15),
)
def test_swapping_wave_labels_flips_the_sign(followup, baseline):
    df = _two_waves(np.asarray(followup, float), np.asarray(baseline, float))
    swapped = df.assign(wave=df["wave"].map({"baseline": "followup", "followup": "baseline"}))
    a = compare_waves(df, "score", None).iloc[0]
    b = compare_waves(swapped, "score", None).iloc[0]
    for col in ["diff", "T", "hedges"]:
        assert b[col] == pytest.approx(-a[col], abs=1e-12, nan_ok=True)
    assert b["diff_ci_low"] == pytest.approx(-a["diff_ci_high"], abs=1e-12, nan_ok=True)
    assert b["hedges_ci_low"] == pytest.approx(-a["hedges_ci_high"], abs=1e-12, nan_ok=True)
    for col in ["p_val", "p_mwu", "dof"]:
        assert b[col] == pytest.approx(a[col], abs=1e-12, nan_ok=True)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_cells=st.integers(1, 12))
def test_adjusted_p_is_never_below_raw_p(seed, n_cells):
    out = compare_waves(_panel(np.random.default_rng(seed), n_cells=n_cells), "score", "kommune")
    ok = out["p_val"].notna()
    assert (out.loc[ok, "p_fdr"] >= out.loc[ok, "p_val"] - 1e-15).all()
    assert (out.loc[ok, "p_holm"] >= out.loc[ok, "p_fdr"] - 1e-15).all()
    assert out.loc[~ok, ["p_fdr", "p_holm"]].isna().all(axis=None)


# ---------------------------------------------------------------- did


def _did_data(effect: float, n_kommuner: int, seed: int) -> pd.DataFrame:
    """Respondent x target scores; the first half of the kommuner are intervention kommuner."""
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(n_kommuner):
        treated = k < n_kommuner // 2
        level = rng.normal(0, 0.3)
        for w in ["baseline", "followup"]:
            trend = 0.1 * (w == "followup")
            for i in range(12):
                group = ["myndighed", "skole", "ppr"][i % 3]
                person = rng.normal(0, 0.3)
                for target in ["myndighed", "skole", "ppr"]:
                    score = (
                        3.5
                        + level
                        + trend
                        + effect * (treated and w == "followup")
                        + 0.2 * (target == "ppr")
                        + person
                        + rng.normal(0, 0.5)
                    )
                    rows.append((k, "intervention" if treated else "control", w, f"{k}{w}{i}",
                                 group, target, score))  # fmt: skip
    return pd.DataFrame(
        rows, columns=["kommune", "arm", "wave", "respondent_id", "group", "target", "score"]
    )


@pytest.mark.parametrize("unit, rows_per_respondent", [("respondent", 1), ("tie", 3)])
def test_did_recovers_a_known_interaction(unit, rows_per_respondent):
    # Simulated in this test: interaction +0.5; 12 kommuner (6 + 6) -> all 924 assignments enumerated
    out = did(_did_data(effect=0.5, n_kommuner=12, seed=11), dv="score", unit=unit).iloc[0]
    assert out["ci_low"] < 0.5 < out["ci_high"]
    assert out["estimate"] == pytest.approx(0.5, abs=0.15)
    assert out["estimate_perm"] == pytest.approx(0.5, abs=0.15)
    assert out["p_val"] < 0.01
    assert out["p_perm"] < 0.01  # exact: 2 / 924 is the smallest two-sided p
    n_obs = 12 * 2 * 12 * rows_per_respondent
    assert (out["n_kommuner"], out["n_intervention"], out["n_obs"]) == (12, 6, n_obs)
    assert out["converged"]


def test_did_counts_respondents_not_their_rows():
    data = _did_data(effect=0.2, n_kommuner=6, seed=3)
    out = did(data, dv="score")
    pd.testing.assert_frame_equal(did(pd.concat([data, data]), dv="score"), out)
    # Same data as one row per respondent and wave (the mean over its targets)
    keys = ["kommune", "arm", "wave", "respondent_id", "group"]
    per_resp = data.groupby(keys, as_index=False)["score"].mean()
    pd.testing.assert_frame_equal(did(per_resp, dv="score"), out)


def test_did_without_effect_and_with_random_permutations():
    # 16 kommuner: 12870 assignments > 999, so random shuffles with the seed
    data = _did_data(effect=0.0, n_kommuner=16, seed=5)
    out = did(data, dv="score", seed=0).iloc[0]
    assert out["p_perm"] > 0.05
    assert out["ci_low"] < 0 < out["ci_high"]
    again = did(data, dv="score", seed=0).iloc[0]
    assert again["p_perm"] == out["p_perm"]  # seeded
    assert 1 / 1000 <= out["p_perm"] <= 1
    assert np.isnan(did(data, dv="score", n_permutations=0)["p_perm"].iloc[0])


def test_did_permutation_estimator_is_difference_of_kommune_changes():
    data = _did_data(effect=0.3, n_kommuner=6, seed=2)
    out = did(data, dv="score", ties=[("skole", "ppr"), ("ppr", "skole")]).iloc[0]
    part = data[
        ((data["group"] == "skole") & (data["target"] == "ppr"))
        | ((data["group"] == "ppr") & (data["target"] == "skole"))
    ]
    # Hand calculation: kommune mean per wave, change per kommune, difference of arm means
    means = part.groupby(["kommune", "wave"])["score"].mean().unstack()
    change = means["followup"] - means["baseline"]
    expected = change[change.index < 3].mean() - change[change.index >= 3].mean()
    assert out["estimate_perm"] == pytest.approx(expected, abs=1e-12)
    assert out["n_obs"] == part.groupby(["wave", "respondent_id"]).ngroups
    assert did(data, dv="score", ties=[("skole", "ppr")], unit="tie")["n_obs"].iloc[0] == len(
        data[(data["group"] == "skole") & (data["target"] == "ppr")]
    )


def test_did_rejects_bad_input():
    data = _did_data(effect=0.0, n_kommuner=4, seed=1)
    mixed = data.copy()
    mixed.loc[mixed.index[:5], "arm"] = "control"
    with pytest.raises(ValueError, match="constant within a kommune"):
        did(mixed, dv="score")
    with pytest.raises(ValueError, match="intervention .* and control"):
        did(data.assign(arm="control"), dv="score")
    with pytest.raises(ValueError, match="n_permutations"):
        did(data, dv="score", n_permutations=-1)
    with pytest.raises(ValueError, match="unit must be one of"):
        did(data, dv="score", unit="target")


def test_paired_rank_test_follows_r_in_every_branch():
    # R's wilcox.test(paired = TRUE): zeros dropped; exact without ties or zeros and n < 50, else the
    # normal approximation with tie and continuity correction (= scipy's "approx", correction=True)
    rng = np.random.default_rng(8)
    frames, cell, kinds = [], 0, {}
    for n in [2, 5, 10, 14, 30, 49, 50, 51]:
        for kind in ["continuous", "ties", "zeros"]:
            base = np.round(rng.normal(3.5, 0.6, n), 1)
            if kind == "continuous":
                change = rng.normal(0.3, 1, n)
            elif kind == "ties":
                change = np.round(rng.normal(0.3, 1, n) * 2) / 2
            else:
                change = np.round(rng.normal(0.3, 1, n), 3)
                change[: max(1, n // 4)] = 0
            ids = [f"c{cell}r{i}" for i in range(n)]
            frames.append(_two_waves(base + change, base, kommune=cell, respondent_id=ids * 2))
            kinds[cell] = kind
            cell += 1
    df = pd.concat(frames)
    out = compare_waves(df, "score", "kommune", paired=True, min_n=0)
    for row in out.itertuples():
        part = df[df["kommune"] == row.kommune].pivot(
            index="respondent_id", columns="wave", values="score"
        )
        d = (part["followup"] - part["baseline"]).to_numpy()
        nz = d[d != 0]
        if len(nz) == 0:
            assert row.p_mwu == 1.0
            continue
        exact = len(nz) == len(d) and len(np.unique(np.abs(nz))) == len(nz) and len(nz) < 50
        ref = stats.wilcoxon(d, zero_method="wilcox", correction=True,
                             method="exact" if exact else "approx").pvalue
        assert row.p_mwu == pytest.approx(ref, rel=1e-9, abs=1e-12), row.kommune
        assert row.rank_method == ("exact" if exact else "normal"), row.kommune


# tests/R/rank_tests.R: wilcox.test p-values and method
R_RANK_SAMPLES = {
    "exact_ab": ([1.1, 2.3, 3.7, 4.2, 5.9, 6.4], [0.5, 1.9, 2.8, 3.1, 4.8, 5.2, 7.7], False,
                 0.835664335664336, "exact"),
    "exact_paired": ([4.1, 3.3, 5.0, 2.9, 3.8, 4.6, 3.1, 4.4, 2.2],
                     [3.0, 3.5, 3.2, 2.0, 3.9, 3.3, 2.45, 3.7, 2.3], True, 0.0546875, "exact"),
    "large_noties": (np.sqrt(np.arange(1, 56)) * 3.1, np.sqrt(np.arange(1, 53)) * 3.0 + 0.05, False,
                     0.323188244667192, "normal"),
    "large_paired": (np.sin(np.arange(1, 51)) * 2 + np.arange(1, 51) / 30, np.cos(np.arange(1, 51)), True,
                     0.00154404530385922, "normal"),
    "sleep": ([1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4],
              [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0], True, 0.00909069801592506, "normal"),
}


@pytest.mark.parametrize("name", list(R_RANK_SAMPLES))
def test_rank_tests_match_r_wilcox_test(name):
    followup, baseline, paired, p_r, method = R_RANK_SAMPLES[name]
    df = _two_waves(followup, baseline)
    if paired:
        df["respondent_id"] = [f"r{i}" for i in range(len(followup))] * 2
    out = compare_waves(df, "score", None, paired=paired, min_n=0).iloc[0]
    assert out["p_mwu"] == pytest.approx(p_r, rel=1e-9, abs=1e-14)
    assert out["rank_method"] == method


@pytest.mark.parametrize("paired", [False, True])
def test_categorical_columns_as_in_the_tidy_tables(paired):
    # docs/contract.md: kommune int16, wave/group/target category, respondent_id string
    rng = np.random.default_rng(9)
    df = _panel(rng, n_cells=3, targets=2, linked=paired)
    typed = df.astype(
        {"kommune": "int16", "wave": "category", "target": "category", "respondent_id": "string"}
    )
    typed["wave"] = typed["wave"].cat.add_categories(["midway"])  # an unused wave category
    plain = compare_waves(df, "score", ["kommune", "target"], paired=paired)
    out = compare_waves(typed, "score", ["kommune", "target"], paired=paired)
    assert len(out) == 6
    pd.testing.assert_frame_equal(out, plain, check_dtype=False, check_categorical=False)


DID_DATA = Path(__file__).parent / "data" / "did_respondents.csv"


def did_respondents(seed: int = 7) -> pd.DataFrame:
    """8 kommuner (4 intervention), one row per respondent and wave, ~60% of the baseline respondents seen
    again at follow-up (linked ids). This generator wrote tests/data/did_respondents.csv (the file R reads)."""
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(8):
        treated = k < 4
        u, kw = rng.normal(0, 0.3), rng.normal(0, 0.15, 2)
        n = int(rng.integers(10, 17))
        person = rng.normal(0, 0.4, n + 8)
        stay = rng.random(n) < 0.6
        ids = {"baseline": list(range(n)),
               "followup": [i for i in range(n) if stay[i]] + list(range(n, n + 8 - int(stay.sum()) % 4))}
        for w, wave in enumerate(["baseline", "followup"]):
            for i in ids[wave]:
                score = (3.5 + u + kw[w] + 0.1 * w + 0.3 * (treated and w == 1) + person[i]
                         + 0.2 * (i % 3 == 1) + rng.normal(0, 0.5))
                rows.append((410 + k, "intervention" if treated else "control", wave, f"k{k}p{i}",
                             ["skole", "ppr", "myndighed"][i % 3], round(float(score), 3)))
    return pd.DataFrame(rows, columns=["kommune", "arm", "wave", "respondent_id", "group", "score"])


def test_did_data_is_the_generators():
    pd.testing.assert_frame_equal(pd.read_csv(DID_DATA), did_respondents(), check_exact=False, atol=1e-12)


def test_did_matches_lmertest_with_kommune_wave_and_respondent_intercepts():
    # tests/R/did_lmer.R: lmer(score ~ post * treat + group + (1 | kommune) + (1 | kommune:wave)
    # + (1 | respondent_id), REML), lmerTest summary, row post:treat
    out = did(pd.read_csv(DID_DATA), dv="score").iloc[0]
    assert out["estimate"] == pytest.approx(0.23587013594748, abs=1e-6)
    assert out["se"] == pytest.approx(0.171164799416, abs=1e-6)
    assert out["df"] == pytest.approx(5.67258277241, rel=1e-4)
    assert out["p_val"] == pytest.approx(2.20080014315e-01, rel=1e-4)
    half = stats.t.ppf(0.975, out["df"]) * out["se"]
    assert (out["ci_low"], out["ci_high"]) == pytest.approx(
        (out["estimate"] - half, out["estimate"] + half), abs=1e-12)
    assert (out["n_kommuner"], out["n_intervention"], out["n_obs"]) == (8, 4, 224)
    assert out["converged"]


def test_did_ties_share_the_answer_sheet():
    # Respondent x target rows: with the answer-sheet intercept the three ties of a respondent are not three
    # independent observations, so the inference equals the respondent-level one (here the targets have
    # equal weight in every respondent mean)
    data = _did_data(effect=0.3, n_kommuner=8, seed=4)
    per_tie = did(data, dv="score", unit="tie").iloc[0]
    per_resp = did(data, dv="score").iloc[0]
    assert per_tie["estimate"] == pytest.approx(per_resp["estimate"], abs=1e-6)
    assert per_tie["se"] == pytest.approx(per_resp["se"], rel=0.02)
    assert per_tie["df"] == pytest.approx(per_resp["df"], rel=0.02)


# ---------------------------------------------------------------- effect sizes and minimum detectable change

SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]  # R: sleep$extra[1:10]
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]  # R: sleep$extra[11:20]


def test_hedges_paired_matched_groups_ci_on_sleep():
    # Borenstein et al. (2009) ch. 4, matched groups: V_d = (1/n + d^2/(2n)) 2(1 - r), J = 1 - 3/(4 df - 1),
    # df = n - 1; on R's sleep data the CI is about [0.34, 1.18] (DOMAIN.md). Hand calculation:
    # d = 1.58 / sqrt((3.2006 + 4.0090) / 2) = 0.83218, r = 0.79517, J = 32/35
    out = hedges_paired(SLEEP_2, SLEEP_1).iloc[0]
    assert out["n"] == 10 and out["J"] == pytest.approx(32 / 35, abs=1e-15)
    assert out["r"] == pytest.approx(np.corrcoef(SLEEP_1, SLEEP_2)[0, 1], abs=1e-15)
    d = 1.58 / np.sqrt((np.var(SLEEP_1, ddof=1) + np.var(SLEEP_2, ddof=1)) / 2)
    assert out["d"] == pytest.approx(d, abs=1e-12)
    se = 32 / 35 * np.sqrt((1 / 10 + d**2 / 20) * 2 * (1 - out["r"]))
    assert out["se"] == pytest.approx(se, abs=1e-12)
    assert (out["ci_low"], out["ci_high"]) == pytest.approx((0.34, 1.18), abs=0.005)
    # compare_waves gives the same g (its CI comes from the paired t CI instead)
    df = _two_waves(SLEEP_2, SLEEP_1)
    df["respondent_id"] = [f"r{i}" for i in range(10)] * 2
    row = compare_waves(df, "score", None, paired=True).iloc[0]
    assert row["hedges"] == pytest.approx(out["hedges"], abs=1e-12)
    assert hedges_correction(9) == pytest.approx(1 - 3 / 35)
    with pytest.raises(ValueError, match="at least 3"):
        hedges_paired([1, 2], [2, 3])


@pytest.mark.parametrize("paired", [False, True])
def test_hedges_ci_excludes_zero_iff_the_difference_ci_does(paired):
    # Property over many seeded data sets, small and large effects, near the 5% boundary
    rng = np.random.default_rng(12 + paired)
    frames = []
    for cell in range(400):
        n0, n1 = rng.integers(3, 30, size=2)
        n1 = n0 if paired else n1
        base = np.round(rng.normal(3.5, rng.uniform(0.2, 1.2), n0), 2)
        shift = rng.normal(0, 0.5)
        follow = (base if paired else rng.normal(3.5, 0.8, n1)) + shift + rng.normal(0, 0.6, n1)
        ids = [f"c{cell}r{i}" for i in range(n0)] * 2 if paired else None
        extra = {"kommune": cell} | ({"respondent_id": ids} if paired else {})
        part = _two_waves(np.round(follow, 2), base, **extra)
        if not paired:
            part["respondent_id"] = f"c{cell}" + part["respondent_id"]
        frames.append(part)
    out = compare_waves(pd.concat(frames), "score", "kommune", paired=paired, min_n=0, mwu=False)
    ok = out["p_val"].notna()
    assert ok.sum() > 350
    out = out[ok]
    diff_excludes = (out["diff_ci_low"] > 0) | (out["diff_ci_high"] < 0)
    g_excludes = (out["hedges_ci_low"] > 0) | (out["hedges_ci_high"] < 0)
    assert (diff_excludes == g_excludes).all()
    assert (diff_excludes == (out["p_val"] < 0.05)).all()
    assert 0.1 < diff_excludes.mean() < 0.9  # both outcomes occur
    assert ((out["hedges_ci_low"] <= out["hedges"]) & (out["hedges"] <= out["hedges_ci_high"])).all()


def test_mdc_is_the_power_modules_for_the_observed_n_and_sd():
    out = compare_waves(_two_waves(X, Y), dv="score", by=None).iloc[0]
    pooled = np.sqrt((7 * np.var(X, ddof=1) + 8 * np.var(Y, ddof=1)) / 15)
    assert out["mdc"] == pytest.approx(minimum_detectable_change(9, 8, sd=pooled), rel=1e-9)
    # paired: sd of the differences, n - 1 df: minimum_detectable_change with sd and r of the two waves
    df = _two_waves(SLEEP_2, SLEEP_1)
    df["respondent_id"] = [f"r{i}" for i in range(10)] * 2
    row = compare_waves(df, "score", None, paired=True).iloc[0]
    sd_d = np.std(np.subtract(SLEEP_2, SLEEP_1), ddof=1)
    assert row["mdc"] == pytest.approx(minimum_detectable_change(10, 10, sd=sd_d / np.sqrt(2), paired=True,
                                                                 r=0.0), rel=1e-9)
    # a non-significant change smaller than the mdc: "too few answers", not "no change"
    assert out["mdc"] > 0


def test_a_change_turned_round_equals_the_comparison_fitted_the_other_way():
    """reverse_change(tie_change(baseline -> followup)) is tie_change(followup -> baseline) fitted again, every column
    of every tie to 1e-9, mixed-model rows (respondents linked across the waves: relkap.linked) and Welch rows."""
    from relkap import load_instrument, report, synth

    inst = load_instrument()
    relations = synth.example_tables(1, respondents=60, key=b"example").relations
    ahead = report.tie_change(relations, inst, min_n=5)
    fitted = report.tie_change(relations, inst.between("followup", "baseline"), min_n=5)
    assert set(fitted["test"]) == {"mixed", "welch"}
    assert not fitted["diff"].isna().any() and (fitted["diff"] != 0).all()
    pd.testing.assert_frame_equal(reverse_change(ahead), fitted, check_exact=False, rtol=1e-9, atol=1e-9)
