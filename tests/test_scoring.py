"""relkap.scoring on small cases computed by hand, plus property tests of suppression and bands."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from relkap import grouping
from relkap.instrument import load_instrument
from relkap.scoring import (
    band,
    received_perceived,
    respondent_scores,
    scale_scores,
    suppress_ties,
    tie_matrix,
    tie_scores,
    unit_index,
)

NAN = float("nan")


@pytest.fixture(scope="module")
def rk():
    return load_instrument()


RK = load_instrument()
ITEMS = RK.relational_codes  # kendskab, respekt, bidrag, videndeling, problemloesning, innovation
GROUPS = pd.CategoricalDtype(RK.group_codes)


def relations(answers, kommune=101, wave="baseline"):
    """Tidy relations as in docs/contract.md from {(respondent_id, group, target): six item scores}.

    ``None`` = blank (not asked: no row), NaN = "ved ikke" (a row with NaN score).
    """
    rows = []
    for (rid, group, target), scores in answers.items():
        assert len(scores) == len(ITEMS)
        for item, score in zip(ITEMS, scores, strict=True):
            if score is not None:
                rows.append((kommune, wave, rid, group, target, item, float(score)))
    df = pd.DataFrame(rows, columns=["kommune", "wave", "respondent_id", "group", "target", "item", "score"])
    return df.astype({
        "kommune": "int16",
        "wave": pd.CategoricalDtype(["baseline", "followup"]),
        "respondent_id": "str",
        "group": GROUPS,
        "target": GROUPS,
        "item": pd.CategoricalDtype(ITEMS),
        "score": "float64",
    })


def same(x):
    return [x] * 6


def raters(scores, group="skole", target="ppr", prefix="r"):
    """One respondent per score, each answering all six items with that score."""
    return {(f"{prefix}{i}", group, target): same(s) for i, s in enumerate(scores)}


def one(ties, group, target):
    row = ties[(ties["group"] == group) & (ties["target"] == target)]
    assert len(row) == 1
    return row.iloc[0]


# -- respondent scores ---------------------------------------------------------------------------------
MISSING = {
    # 5 valid of 6 ("ved ikke" on problemloesning): (4+5+4+3+4)/5 = 20/5 = 4.0
    ("r1", "skole", "ppr"): [4, 5, 4, 3, NAN, 4],
    # 3 valid of 6 (three "ved ikke"): fewer than min_items = 4 -> no RK score
    ("r2", "skole", "ppr"): [2, 3, 4, NAN, NAN, NAN],
    # 4 asked (2 blank, not asked), all valid: (3+3+4+4)/4 = 3.5
    ("r3", "skole", "ppr"): [3, 3, 4, 4, None, None],
    # own group (diagonal): 6 x 5 -> 5.0
    ("r1", "skole", "skole"): same(5),
}


def test_respondent_scores_missing_items_and_ved_ikke(rk):
    out = respondent_scores(relations(MISSING), rk)
    assert list(out.columns) == ["kommune", "wave", "respondent_id", "group", "target", "dimension", "score",
                                 "n_items"]
    got = out.set_index(["respondent_id", "target"])
    assert (out["dimension"] == "rk").all()
    assert got.loc[("r1", "ppr"), "score"] == 4.0 and got.loc[("r1", "ppr"), "n_items"] == 5
    assert math.isnan(got.loc[("r2", "ppr"), "score"]) and got.loc[("r2", "ppr"), "n_items"] == 3
    assert got.loc[("r3", "ppr"), "score"] == 3.5 and got.loc[("r3", "ppr"), "n_items"] == 4
    assert got.loc[("r1", "skole"), "score"] == 5.0
    assert len(out) == 4


def test_respondent_scores_single_dimension_needs_one_item(rk):
    out = respondent_scores(relations(MISSING), rk, dimension="respekt").set_index(["respondent_id", "target"])
    # respekt: r1 5, r2 3 (one valid item is enough for one dimension), r3 3
    assert out.loc[("r1", "ppr"), "score"] == 5.0
    assert out.loc[("r2", "ppr"), "score"] == 3.0 and out.loc[("r2", "ppr"), "n_items"] == 1
    assert out.loc[("r3", "ppr"), "score"] == 3.0
    assert (out["dimension"] == "respekt").all()


def test_respondent_scores_all_dimensions(rk):
    out = respondent_scores(relations(MISSING), rk, dimension="all")
    # rows: r1 ppr 6 + r2 ppr 6 + r3 ppr 4 (2 blanks not asked) + r1 skole 6 = 22
    assert len(out) == 22
    r2 = out[(out["respondent_id"] == "r2")].set_index("dimension")
    assert r2.loc["kendskab", "score"] == 2.0
    assert math.isnan(r2.loc["innovation", "score"]) and r2.loc["innovation", "n_items"] == 0
    assert list(out["dimension"].cat.categories) == ["rk", *ITEMS]  # one dtype for index and items
    assert out["dimension"].nunique() == 6


def test_unknown_dimension_names_the_choices(rk):
    with pytest.raises(ValueError, match="kendskab"):
        respondent_scores(relations(MISSING), rk, dimension="tillid")


def test_items_outside_the_instrument_are_ignored(rk):
    rel = relations(MISSING)
    extra = rel.iloc[:1].copy()
    extra["item"] = extra["item"].cat.add_categories("fremmed")
    extra.loc[:, "item"] = "fremmed"
    extra["score"] = 1.0
    rel = pd.concat([rel.astype({"item": extra["item"].dtype}), extra], ignore_index=True)
    got = respondent_scores(rel, rk).set_index(["respondent_id", "target"])
    assert got.loc[("r1", "ppr"), "score"] == 4.0  # not (20 + 1) / 6


# -- ties ----------------------------------------------------------------------------------------------
def test_tie_scores_columns_counts_and_diagonal(rk):
    ties = tie_scores(relations(MISSING), rk, min_n=1)
    assert list(ties.columns) == ["kommune", "wave", "group", "target", "dimension", "n", "mean", "sd", "ci_low",
                                  "ci_high", "band", "suppressed", "diagonal"]
    cross = one(ties, "skole", "ppr")
    # raters with a valid score: r1 (4.0) and r3 (3.5); r2 has only 3 items -> not counted
    assert cross["n"] == 2 and cross["mean"] == 3.75 and not cross["diagonal"]
    # sd = sqrt(((4 - 3.75)^2 + (3.5 - 3.75)^2) / 1) = sqrt(0.125)
    assert cross["sd"] == pytest.approx(math.sqrt(0.125))
    own = one(ties, "skole", "skole")
    assert own["diagonal"] and own["n"] == 1 and own["mean"] == 5.0
    assert math.isnan(own["sd"]) and math.isnan(own["ci_low"])  # one rater: no SD, no CI


def test_tie_ci_is_t_based(rk):
    # raters 3, 4, 4, 5, 5, 3: mean 4, sd = sqrt((1+0+0+1+1+1)/5) = sqrt(0.8)
    ties = tie_scores(relations(raters([3, 4, 4, 5, 5, 3])), rk)
    row = one(ties, "skole", "ppr")
    assert row["mean"] == 4.0 and row["sd"] == pytest.approx(math.sqrt(0.8))
    half = stats.t.ppf(0.975, 5) * math.sqrt(0.8) / math.sqrt(6)  # 2.570582 * 0.365148 = 0.938644
    assert half == pytest.approx(0.938644, abs=1e-6)
    assert row["ci_low"] == pytest.approx(4.0 - half) and row["ci_high"] == pytest.approx(4.0 + half)
    lo, hi = stats.t.interval(0.95, 5, loc=4.0, scale=stats.sem([3, 4, 4, 5, 5, 3]))
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi))
    ci = pg.ttest([3, 4, 4, 5, 5, 3], 0)["CI95"].iloc[0]  # pingouin rounds its CI to 2 decimals
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(tuple(ci), abs=0.005)


def test_suppression_at_min_n(rk):
    four = tie_scores(relations(raters([3, 4, 4, 5])), rk, min_n=5)
    row = one(four, "skole", "ppr")
    assert row["n"] == 4 and row["suppressed"]
    assert all(math.isnan(row[c]) for c in ("mean", "sd", "ci_low", "ci_high")) and pd.isna(row["band"])
    five = tie_scores(relations(raters([3, 4, 4, 5, 4])), rk, min_n=5)
    row = one(five, "skole", "ppr")
    assert row["n"] == 5 and not row["suppressed"] and row["mean"] == 4.0 and row["band"] == "moderate"


def test_band_boundaries():
    got = list(band([3.49, 3.5, 4.0, 4.01, NAN]))
    assert got[:4] == ["weak", "moderate", "moderate", "strong"] and pd.isna(got[4])
    # a float sum that is 4 in exact arithmetic: still moderate
    assert list(band([0.1 * 3 + 3.7])) == ["moderate"]


def test_band_boundaries_through_tie_scores(rk):
    answers = {}
    # skole -> ppr: each rater answers 3, 3, 3, 4, 4, 4 -> 3.5 exactly -> moderate
    answers.update({(f"a{i}", "skole", "ppr"): [3, 3, 3, 4, 4, 4] for i in range(5)})
    # skole -> ppr for 4.0: five raters of 4 -> moderate
    answers.update(raters([4] * 5, "skole", "myndighed", "b"))
    # ppr -> skole: 99 raters of 4 and one of 5 -> (99 * 4 + 5) / 100 = 4.01 -> strong
    answers.update(raters([4] * 99 + [5], "ppr", "skole", "c"))
    # ppr -> myndighed: 3.49 cannot be built from few integers; (3 * 51 + 4 * 49) / 100 = 3.49 -> weak
    answers.update(raters([3] * 51 + [4] * 49, "ppr", "myndighed", "d"))
    ties = tie_scores(relations(answers), rk)
    expect = {("skole", "ppr"): (3.5, "moderate"), ("skole", "myndighed"): (4.0, "moderate"),
              ("ppr", "skole"): (4.01, "strong"), ("ppr", "myndighed"): (3.49, "weak")}
    for (g, t), (mean, label) in expect.items():
        row = one(ties, g, t)
        assert row["mean"] == pytest.approx(mean) and row["band"] == label, (g, t)
    # a bands override: 3.5 is weak below 3.6, 4.01 moderate up to 4.5
    over = tie_scores(relations(answers), rk, bands=(3.6, 4.5))
    assert one(over, "skole", "ppr")["band"] == "weak" and one(over, "ppr", "skole")["band"] == "moderate"
    with pytest.raises(ValueError, match="strong_above"):
        tie_scores(relations(answers), rk, bands=(4.0, 3.5))


def test_tie_scores_all_dimensions_and_by(rk):
    rel = pd.concat([relations(raters([3, 4, 4, 5, 4]), wave="baseline"),
                     relations(raters([5, 5, 5, 5, 5]), wave="followup")], ignore_index=True)
    ties = tie_scores(rel, rk, dimension="all")
    assert len(ties) == 2 * 6 and set(ties["dimension"]) == set(ITEMS)
    pooled = tie_scores(rel, rk, by="kommune")
    # both waves pooled: (3 + 4 + 4 + 5 + 4 + 5 * 5) / 10 = 4.5
    assert list(pooled.columns[:3]) == ["kommune", "group", "target"] and one(pooled, "skole", "ppr")["mean"] == 4.5
    national = tie_scores(rel, rk, by=None)
    assert one(national, "skole", "ppr")["n"] == 10
    with pytest.raises(ValueError, match="'arm'"):
        tie_scores(rel, rk, by=("kommune", "arm"))


def test_suppress_ties_after_the_fact_equals_tie_scores_with_that_min_n(rk):
    """The explorer's min_n slider: suppress_ties on an unthresholded table = tie_scores with the threshold."""
    rng = np.random.default_rng(8)
    answers = {}
    for i in range(120):
        group = RK.group_codes[i % 5]
        for target in RK.group_codes[:5]:
            if rng.random() < 0.5 + 0.1 * (i % 5):  # groups answer about other groups at different rates
                answers[(f"r{i}", group, target)] = list(rng.integers(1, 6, 6).astype(float))
    rel = relations(answers)
    free = tie_scores(rel, rk, dimension="all", min_n=None)
    thresholds = [int(np.quantile(free["n"], q)) + 1 for q in (0.2, 0.5, 0.8)]
    for min_n in thresholds:
        want = tie_scores(rel, rk, dimension="all", min_n=min_n)
        assert 0 < want["suppressed"].sum() < len(want)
        pd.testing.assert_frame_equal(suppress_ties(free, min_n), want)
    low, high = thresholds[0], thresholds[-1]
    pd.testing.assert_frame_equal(suppress_ties(suppress_ties(free, high), low), suppress_ties(free, high))


def test_tie_scores_matches_a_plain_groupby(rk):
    rng = np.random.default_rng(3)
    answers = {}
    for i in range(200):
        group = RK.group_codes[i % 4]
        for target in RK.group_codes[:4]:
            scores = rng.integers(1, 6, 6).astype(float)
            scores[rng.random(6) < 0.2] = NAN
            answers[(f"r{i}", group, target)] = list(scores)
    rel = relations(answers)
    ties = tie_scores(rel, rk, min_n=0)
    r = rel.groupby(["respondent_id", "group", "target"], observed=True)["score"].agg(["mean", "count"])
    expected = r[r["count"] >= 4].groupby(["group", "target"], observed=True)["mean"].agg(["mean", "std", "count"])
    got = ties.set_index(["group", "target"]).loc[expected.index]
    np.testing.assert_allclose(got["mean"], expected["mean"])
    np.testing.assert_allclose(got["sd"], expected["std"])
    np.testing.assert_array_equal(got["n"], expected["count"])


# -- matrix, received/perceived ------------------------------------------------------------------------
def test_tie_matrix_rows_are_raters(rk):
    answers = {**raters([2] * 5, "skole", "ppr", "a"), **raters([4] * 5, "ppr", "skole", "b")}
    ties = tie_scores(relations(answers), rk)
    m = tie_matrix(ties)
    assert m.index.name == "group" and m.columns.name == "target"
    assert m.loc["skole", "ppr"] == 2.0  # how skole experiences ppr
    assert m.loc["ppr", "skole"] == 4.0
    assert list(tie_matrix(ties, "n").loc["skole"].dropna()) == [5]


def test_tie_matrix_refuses_several_waves(rk):
    rel = pd.concat([relations(raters([4] * 5), wave="baseline"), relations(raters([4] * 5), wave="followup")],
                    ignore_index=True)
    with pytest.raises(ValueError, match="'wave'"):
        tie_matrix(tie_scores(rel, rk))


TIES = pd.DataFrame({
    "kommune": 101,
    "group": ["myndighed", "myndighed", "skole", "skole", "ppr", "ppr", "myndighed"],
    "target": ["skole", "ppr", "myndighed", "ppr", "myndighed", "skole", "myndighed"],
    "mean": [3.0, 4.0, 2.0, NAN, 4.0, 3.0, 4.5],
    "suppressed": [False, False, False, True, False, False, False],
    "diagonal": [False, False, False, False, False, False, True],
})


def test_received_perceived_by_hand():
    out = received_perceived(TIES).set_index("group")
    assert list(out.columns) == ["kommune", "received", "n_received", "perceived", "n_perceived", "self"]
    # received(myndighed) = mean(skole->m 2.0, ppr->m 4.0) = 3.0; the diagonal m->m 4.5 is left out
    assert out.loc["myndighed", "received"] == 3.0 and out.loc["myndighed", "n_received"] == 2
    # received(skole) = mean(m->skole 3.0, ppr->skole 3.0) = 3.0
    assert out.loc["skole", "received"] == 3.0
    # received(ppr) = m->ppr 4.0 only: skole->ppr is suppressed
    assert out.loc["ppr", "received"] == 4.0 and out.loc["ppr", "n_received"] == 1
    # perceived(myndighed) = mean(3.0, 4.0) = 3.5; perceived(skole) = 2.0; perceived(ppr) = mean(4, 3) = 3.5
    assert out.loc["myndighed", "perceived"] == 3.5 and out.loc["myndighed", "n_perceived"] == 2
    assert out.loc["skole", "perceived"] == 2.0 and out.loc["skole", "n_perceived"] == 1
    assert out.loc["ppr", "perceived"] == 3.5
    assert out.loc["myndighed", "self"] == 4.5 and math.isnan(out.loc["ppr", "self"])


def test_received_perceived_of_tie_scores(rk):
    answers = {**raters([2] * 5, "skole", "ppr", "a"), **raters([4] * 5, "ppr", "skole", "b"),
               **raters([5] * 4, "ppr", "myndighed", "c")}
    out = received_perceived(tie_scores(relations(answers), rk)).set_index("group")
    assert list(out.columns[:3]) == ["kommune", "wave", "dimension"]
    assert out.loc["ppr", "received"] == 2.0 and out.loc["skole", "received"] == 4.0
    # ppr -> myndighed has 4 raters: suppressed, so myndighed receives nothing and ppr perceives only skole
    assert out.loc["myndighed", "n_received"] == 0 and math.isnan(out.loc["myndighed", "received"])
    assert out.loc["ppr", "perceived"] == 4.0 and out.loc["ppr", "n_perceived"] == 1


# -- unit index ----------------------------------------------------------------------------------------
UNIT = {
    ("r1", "myndighed", "skole"): same(4),
    ("r1", "myndighed", "ppr"): same(2),
    ("r1", "myndighed", "myndighed"): same(5),  # diagonal: out of the default index
    ("r2", "myndighed", "skole"): same(5),
    ("r2", "myndighed", "ppr"): same(NAN),  # all "ved ikke": no score
    ("r3", "skole", "myndighed"): same(3),
    ("r3", "skole", "ppr"): same(4),
}


def test_unit_index_respondent_weighting_by_hand(rk):
    out = unit_index(relations(UNIT), rk, min_n=1)
    assert list(out.columns) == ["kommune", "wave", "n", "n_ties", "mean", "sd", "ci_low", "ci_high", "weighting",
                                 "suppressed"]
    row = out.iloc[0]
    # respondent indices: r1 (4 + 2) / 2 = 3.0, r2 5.0, r3 (3 + 4) / 2 = 3.5 -> mean 11.5 / 3
    assert row["n"] == 3 and row["mean"] == pytest.approx(11.5 / 3) and row["weighting"] == "respondent"
    assert row["sd"] == pytest.approx(np.std([3.0, 5.0, 3.5], ddof=1))
    # with the diagonal: r1 (4 + 2 + 5) / 3 = 11/3 -> (11/3 + 5 + 3.5) / 3
    diag = unit_index(relations(UNIT), rk, min_n=1, include_diagonal=True).iloc[0]
    assert diag["mean"] == pytest.approx((11 / 3 + 5 + 3.5) / 3)


def test_unit_index_tie_weighting_by_hand(rk):
    out = unit_index(relations(UNIT), rk, weighting="tie", min_n=1).iloc[0]
    # ties: m->skole (4 + 5) / 2 = 4.5, m->ppr 2.0, skole->m 3.0, skole->ppr 4.0 -> 13.5 / 4 = 3.375
    assert out["mean"] == pytest.approx(3.375) and out["n_ties"] == 4 and out["n"] == 3
    assert out["weighting"] == "tie"
    # min_n = 2: only m->skole (n = 2) is reportable; three respondents >= 2 -> not suppressed
    two = unit_index(relations(UNIT), rk, weighting="tie", min_n=2).iloc[0]
    assert two["mean"] == 4.5 and two["n_ties"] == 1 and not two["suppressed"]
    # min_n = 4 > 3 respondents: suppressed in both weightings
    for weighting in ("tie", "respondent"):
        row = unit_index(relations(UNIT), rk, weighting=weighting, min_n=4).iloc[0]
        assert row["suppressed"] and math.isnan(row["mean"]) and row["n"] == 3
    with pytest.raises(ValueError, match="weighting"):
        unit_index(relations(UNIT), rk, weighting="group")


# -- scale scores --------------------------------------------------------------------------------------
def test_scale_scores_reverse_item_already_keyed(rk):
    scales = pd.DataFrame({
        "kommune": 101, "wave": "baseline", "respondent_id": ["e1"] * 4 + ["e2"] * 4 + ["e3"] * 4,
        "group": "skole", "scale": "motivation",
        "item": ["motivation_1", "motivation_2", "motivation_3", "motivation_4"] * 3,
        # motivation_4 is reverse keyed: raw 2 was stored as 6 - 2 = 4 at import; used as it is
        "score": [4, 5, NAN, 4,
                  3, NAN, NAN, NAN,  # 1 valid of 4 < ceil(4 / 2) = 2 -> no score
                  2, NAN, 4, NAN],  # 2 of 4: enough -> 3.0
    })
    out = scale_scores(scales, rk)
    assert list(out.columns) == ["kommune", "wave", "respondent_id", "group", "scale", "score", "n_items"]
    out = out.set_index("respondent_id")
    assert out.loc["e1", "score"] == pytest.approx(13 / 3) and out.loc["e1", "n_items"] == 3
    assert math.isnan(out.loc["e2", "score"]) and out.loc["e2", "n_items"] == 1
    assert out.loc["e3", "score"] == 3.0
    # min_items override: 3 valid items needed -> only e1 keeps a score
    strict = scale_scores(scales, rk, min_items=3).set_index("respondent_id")
    assert strict["score"].notna().tolist() == [True, False, False]


def test_scale_scores_citizens_without_scale_column(rk):
    citizens = pd.DataFrame({
        "kommune": 101, "wave": "baseline", "respondent_id": "c1",
        "item": ["tilfredshed_1", "tilfredshed_2", "tilfredshed_3", "effekt_1", "effekt_2", "effekt_3"],
        "score": [5, 4, NAN, 2, NAN, NAN],
    })
    out = scale_scores(citizens, rk).set_index("scale")
    # tilfredshed: 2 of 3 valid >= ceil(3 / 2) = 2 -> 4.5; effekt: 1 of 3 -> none
    assert out.loc["tilfredshed", "score"] == 4.5 and math.isnan(out.loc["effekt", "score"])
    assert "group" not in out.columns


def test_bad_input_is_named(rk):
    with pytest.raises(ValueError, match="'target'"):
        tie_scores(relations(MISSING).drop(columns="target"), rk)
    with pytest.raises(ValueError, match="min_n"):
        tie_scores(relations(MISSING), rk, min_n=-1)


# -- properties ----------------------------------------------------------------------------------------
score_value = st.one_of(st.integers(1, 5).map(float), st.just(NAN))


@st.composite
def random_relations(draw):
    n = draw(st.integers(1, 25))
    groups = RK.group_codes[:3]
    answers = {}
    for i in range(n):
        group = draw(st.sampled_from(groups))
        for target in draw(st.lists(st.sampled_from(groups), min_size=1, max_size=3, unique=True)):
            answers[(f"r{i}", group, target)] = draw(st.lists(score_value, min_size=6, max_size=6))
    return relations(answers)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rel=random_relations(), min_n=st.integers(1, 8), dimension=st.sampled_from([None, "all", "respekt"]),
       weak=st.sampled_from([3.0, 3.5, 3.6]), extra=st.sampled_from([0.0, 0.4, 0.5]))
def test_properties_of_tie_scores(rel, min_n, dimension, weak, extra):
    ties = tie_scores(rel, RK, dimension=dimension, min_n=min_n, bands=(weak, weak + extra))
    suppressed = ties["suppressed"].to_numpy(dtype=bool)
    assert (suppressed == (ties["n"].to_numpy() < min_n)).all()
    assert (ties["mean"].isna().to_numpy() == suppressed).all()
    assert (ties["band"].isna().to_numpy() == suppressed).all()
    small = suppressed | (ties["n"].to_numpy() < 2)
    for col in ("sd", "ci_low", "ci_high"):
        assert (ties[col].isna().to_numpy() == small).all()
    shown = ties[~suppressed]
    mean = shown["mean"].round(9)
    expected = np.where(mean < weak, "weak", np.where(mean > weak + extra, "strong", "moderate"))
    assert (shown["band"].astype(str).to_numpy() == expected).all()
    assert ((shown["ci_low"] <= shown["mean"]) | small[~suppressed]).all()
    assert (ties["diagonal"] == (ties["group"] == ties["target"])).all()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rel=random_relations(), min_n=st.integers(1, 8), weighting=st.sampled_from(["respondent", "tie"]))
def test_properties_of_unit_index(rel, min_n, weighting):
    out = unit_index(rel, RK, weighting=weighting, min_n=min_n)
    suppressed = out["suppressed"].to_numpy(dtype=bool)
    assert (suppressed == (out["n"].to_numpy() < min_n)).all()
    assert out.loc[suppressed, ["mean", "sd", "ci_low", "ci_high"]].isna().all().all()
    if weighting == "respondent":
        assert (out["mean"].isna().to_numpy() == suppressed).all()


def test_extra_id_columns_and_other_units(rk):
    rel = relations(UNIT).assign(arm=lambda d: pd.Categorical(["intervention"] * len(d)))
    scores = respondent_scores(rel, rk)
    assert list(scores.columns[:6]) == ["kommune", "wave", "respondent_id", "group", "arm", "target"]
    ties = tie_scores(rel, rk, by=("kommune", "wave", "arm"), min_n=1)
    assert (ties["arm"] == "intervention").all()
    # unit index per rater group: myndighed (r1 3.0, r2 5.0) -> 4.0; skole (r3) 3.5
    per_group = unit_index(rel, rk, by=("kommune", "group"), min_n=1).set_index("group")
    assert per_group.loc["myndighed", "mean"] == 4.0 and per_group.loc["skole", "mean"] == 3.5
    national = unit_index(rel, rk, by=None, min_n=1)
    assert len(national) == 1 and national["mean"].iloc[0] == pytest.approx(11.5 / 3)


def test_empty_relations(rk):
    empty = relations({})
    assert len(respondent_scores(empty, rk)) == 0
    ties = tie_scores(empty, rk)
    assert len(ties) == 0 and "band" in ties.columns
    assert len(received_perceived(ties)) == 0
    assert len(unit_index(empty, rk)) == 0


def test_hashed_and_counted_keys_agree(rk, monkeypatch):
    rel = relations({**UNIT, **raters([3, 4, 5, 2, 4], "ppr", "myndighed", "p")})
    counted = [tie_scores(rel, rk, min_n=1), unit_index(rel, rk, min_n=1), respondent_scores(rel, rk, "all")]
    monkeypatch.setattr(grouping, "DENSE_EXTRA", -(10**9))  # never count: always factorize
    hashed = [tie_scores(rel, rk, min_n=1), unit_index(rel, rk, min_n=1), respondent_scores(rel, rk, "all")]
    for a, b in zip(counted, hashed, strict=True):
        pd.testing.assert_frame_equal(a, b)


def test_scale_scores_scale_outside_the_codebook(rk):
    # "ekstra" is not in the codebook: k = items seen (2), so ceil(2 / 2) = 1 valid item is enough
    scales = pd.DataFrame({"respondent_id": "e1", "scale": "ekstra", "item": ["ekstra_1", "ekstra_2"],
                           "score": [4.0, NAN]})
    out = scale_scores(scales, rk)
    assert out["score"].tolist() == [4.0] and out["n_items"].tolist() == [1]
