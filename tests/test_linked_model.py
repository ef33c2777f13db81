"""The wave comparison that uses linked respondents (relkap.linked.compare_linked): equal to R's lme4/lmerTest
(tests/R/linked_lmer.R on tests/data/linked_three_waves.csv), to relkap.mixed's general REML engine, and to
Welch's test where no respondent links."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from relkap import mixed
from relkap.change import compare_waves, suppress
from relkap.linked import compare_linked

DATA = Path(__file__).parent / "data"
WAVES = ["baseline", "midtvejs", "followup"]


def three_wave_example() -> pd.DataFrame:
    """Two cells of a small three-wave survey (about 70 % answer in each wave, the same id every time): 'a' with
    stable respondents, 'b' with answers that do not hang together over time (respondent variance 0 in REML)."""
    rng = np.random.default_rng(20)
    rows = []
    for cell, sd_person, n in (("a", 0.6, 16), ("b", 0.0, 14)):
        person = rng.normal(0, sd_person, n)
        for t, w in enumerate(WAVES):
            for i in range(n):
                if rng.random() < 0.7:
                    rows.append((cell, w, f"{cell}{i:02d}", round(3.4 + 0.15 * t + person[i] + rng.normal(0, 0.4), 2)))
    return pd.DataFrame(rows, columns=["cell", "wave", "respondent_id", "score"])


@pytest.fixture(scope="module")
def example() -> pd.DataFrame:
    return pd.read_csv(DATA / "linked_three_waves.csv")


def test_committed_data_is_the_generators(example):
    pd.testing.assert_frame_equal(example, three_wave_example())


@pytest.mark.parametrize("ddf", ["kenward-roger", "satterthwaite"])
@pytest.mark.parametrize("before", ["baseline", "midtvejs"])
def test_estimate_se_and_df_equal_lmertest(example, before, ddf):
    # R: tests/R/linked_lmer.R, lmer(score ~ wave + (1 | respondent_id)) per cell; lmerTest's Satterthwaite df,
    # and summary(fit, ddf = "Kenward-Roger") (pbkrtest: adjusted SE and df); cell b is a boundary fit
    # (respondent variance 0: Satterthwaite df = n - 3, as lmerTest)
    ref = pd.read_csv(DATA / "linked_lmer.csv")
    ref = ref[ref["baseline"] == before].set_index("cell")
    suffix = "_kr" if ddf == "kenward-roger" else ""
    got = compare_linked(example, "score", "cell", baseline=before, followup="followup", min_n=None,
                         ddf=ddf).set_index("cell")
    assert (got["test"] == "mixed").all()
    for col, r_col in (("mean_baseline", "mean_baseline"), ("mean_followup", "mean_followup"), ("diff", "diff"),
                       ("dof", f"df{suffix}"), ("p_val", f"p{suffix}")):
        assert np.allclose(got[col], ref.loc[got.index, r_col], rtol=1e-6, atol=1e-8), col
    se = ref.loc[got.index, f"se{suffix}"]
    assert np.allclose(got["diff"] / got["T"], se, rtol=1e-6)
    half = got["diff_ci_high"] - got["diff"]
    assert np.allclose(half, stats.t.ppf(0.975, ref.loc[got.index, f"df{suffix}"]) * se, rtol=1e-6)
    assert bool(ref.loc["b", "singular"])
    if ddf == "satterthwaite":
        assert got.loc["b", "dof"] == pytest.approx(29, abs=1e-6)


def test_equals_the_general_reml_engine_of_relkap_mixed(example):
    # the closed form for one random intercept against relkap.mixed (any nested model; itself checked against
    # lmerTest in tests/test_mixed.py), with the compared wave as the reference level
    part = example[example["cell"] == "a"]
    got = compare_linked(part, "score", None, baseline="midtvejs", followup="followup", min_n=None,
                         ddf="satterthwaite").iloc[0]
    exog = pd.DataFrame({"const": 1.0, "baseline": (part["wave"] == "baseline") * 1.0,
                         "followup": (part["wave"] == "followup") * 1.0})
    fit = mixed.fit_nested(part["score"].to_numpy(), exog, part["respondent_id"].to_numpy(), {})
    row = mixed.satterthwaite(fit).set_index("term").loc["followup"]
    assert got["diff"] == pytest.approx(row["estimate"], rel=1e-6)
    assert got["diff"] / got["T"] == pytest.approx(row["se"], rel=1e-6)
    assert got["dof"] == pytest.approx(row["df"], rel=1e-5)


def test_without_links_the_numbers_are_welchs_exactly(example):
    unlinked = example.assign(respondent_id=example["respondent_id"] + "-" + example["wave"])
    got = compare_linked(unlinked, "score", "cell", min_n=5)
    want = compare_waves(unlinked, "score", "cell", min_n=5)
    pd.testing.assert_frame_equal(got, want)
    assert (got["test"] == "welch").all()


def test_a_cell_with_too_few_linked_respondents_is_tested_with_welch(example):
    # cell b keeps its links for 4 respondents only: Welch there (its numbers exactly), the model in cell a
    b = example["cell"] == "b"
    keep = example["respondent_id"].isin([f"b{i:02d}" for i in range(4)])
    d = example.assign(respondent_id=np.where(b & ~keep, example["respondent_id"] + "-" + example["wave"],
                                              example["respondent_id"]))
    got = compare_linked(d, "score", "cell", min_n=None, min_linked=5).set_index("cell")
    assert got.loc["a", "test"] == "mixed" and got.loc["b", "test"] == "welch"
    welch = compare_waves(d[d["cell"] == "b"], "score", None, min_n=None).iloc[0]
    cols = ["mean_baseline", "mean_followup", "diff", "T", "dof", "p_val", "hedges", "mdc"]
    assert np.allclose(got.loc["b", cols].to_numpy(float), welch[cols].to_numpy(float), rtol=1e-12)
    assert compare_linked(d, "score", "cell", min_n=None, min_linked=4).set_index("cell").loc["b", "test"] == "mixed"


def test_effect_size_ci_and_test_agree_and_threshold_is_a_filter(example):
    rng = np.random.default_rng(5)
    frames = []
    for k in range(40):  # cells with effects around the threshold of significance
        person = rng.normal(0, 0.5, 20)
        for t, w in enumerate(WAVES):
            for i in range(20):
                if rng.random() < 0.6:
                    frames.append((k, w, f"{k}-{i}", 3.5 + 0.1 * t * (k % 4) + person[i] + rng.normal(0, 0.4)))
    d = pd.DataFrame(frames, columns=["cell", "wave", "respondent_id", "score"])
    got = compare_linked(d, "score", "cell", min_n=None)
    mixed_rows = got[got["test"] == "mixed"]
    assert len(mixed_rows) == 40
    significant = mixed_rows["p_val"] < 0.05
    assert 5 < significant.sum() < 35  # both kinds occur
    excludes = (mixed_rows["hedges_ci_low"] > 0) | (mixed_rows["hedges_ci_high"] < 0)
    assert (excludes == significant).all()
    assert (np.sign(mixed_rows["hedges"]) == np.sign(mixed_rows["diff"])).all()
    assert np.allclose(mixed_rows["diff"], mixed_rows["mean_followup"] - mixed_rows["mean_baseline"])
    # the threshold only hides rows and adjusts p again over those left (the explorer's slider)
    pd.testing.assert_frame_equal(suppress(got, 13), compare_linked(d, "score", "cell", min_n=13))


def test_the_same_answers_in_another_order_give_the_same_numbers(example):
    # theta is polished by Newton steps on the criterion's derivative: exact to rounding, not to its square
    # root, so the explorer and the report (different row orders) agree to 1e-9 and better
    shuffled = example.sample(frac=1.0, random_state=7)
    shuffled = shuffled.assign(score=shuffled["score"] + 1e-13)  # and a change at rounding level
    a = compare_linked(example, "score", "cell", min_n=None)
    b = compare_linked(shuffled, "score", "cell", min_n=None)
    cols = ["mean_baseline", "mean_followup", "diff", "diff_ci_low", "diff_ci_high", "dof", "p_val", "hedges"]
    assert np.allclose(a[cols].to_numpy(float), b[cols].to_numpy(float), rtol=1e-11, atol=1e-12)


def test_cells_without_a_compared_wave_and_categorical_waves(example):
    # cell c answered at baseline and midway only: its comparison with the follow-up is suppressed, not an error;
    # the waves as a categorical column (as the store keeps them) give the same numbers as strings
    c = example[(example["cell"] == "a") & (example["wave"] != "followup")].assign(cell="c")
    d = pd.concat([example, c], ignore_index=True)
    got = compare_linked(d, "score", "cell", min_n=None).set_index("cell")
    assert bool(got.loc["c", "suppressed"]) and got.loc["c", "n_followup"] == 0 and np.isnan(got.loc["c", "diff"])
    cat = d.assign(wave=pd.Categorical(d["wave"], categories=["baseline", "midtvejs", "followup", "later"]))
    pd.testing.assert_frame_equal(compare_linked(cat, "score", "cell", min_n=None), got.reset_index(),
                                  check_exact=False, rtol=1e-12)
    # two waves only: the model on the pairs and the singles of those two waves
    two = example[example["wave"] != "midtvejs"]
    out = compare_linked(two, "score", "cell", min_n=None)
    assert (out["test"] == "mixed").all() and out["diff"].notna().all()
