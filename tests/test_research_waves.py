"""The research over ordered waves (issue 20.5): the event study and trend of RQ4 against R, the aggregation check
and H3 per wave, a fixed effect per wave, and the notebook's words (the whole notebook on a three-wave store, every
table naming its waves and the answers reading the latest wave: tests/test_research.py).

Three-wave data: ``relkap.synth.simulate(..., waves=3)`` (baseline, midtvejs, followup; the targeted ties of the
intervention kommuner rise 0 -> 0.25 -> 0.5 beyond the control kommuner' same pairs, relkap.synth
``INTERVENTION_EFFECT`` x ``MIDWAY_SHARE``). That two-wave stores give the numbers they gave before is shown in
the branch report (the whole research run on the two-wave demo, before and after: largest difference 0.0).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from relkap import load_instrument, research, synth
from relkap.change import adjust_pvalues
from relkap.instrument import Waves
from relkap.research.aggregation import aggregation_check
from relkap.research.fit import WAVE_TERMS
from relkap.research.h3 import structures_leadership
from relkap.research.questions import not_answered
from relkap.research.rq4 import RQ4_FAMILIES, kommune_trends, tie_trends
from relkap.words import text

DATA = Path(__file__).parent / "data"
THREE = ["baseline", "midtvejs", "followup"]
INST = load_instrument().model_copy(update={"waves": Waves.model_validate(
    [{"code": "baseline", "da": "Førmåling", "en": "Baseline"},
     {"code": "midtvejs", "da": "Midtvejsmåling", "en": "Midway"},
     {"code": "followup", "da": "Eftermåling", "en": "Follow-up"}])})


@pytest.fixture(scope="module")
def scores():
    """tests/data/event_study_scores.csv (tests/R/event_study_export.py): 4 + 4 kommuner, three waves."""
    d = pd.read_csv(DATA / "event_study_scores.csv")
    arms = d.drop_duplicates("kommune").set_index("kommune")["arm"].to_dict()
    hit = d[d["targeted"]].drop_duplicates(["kommune", "group", "target"])
    targeted = {k: list(zip(g["group"], g["target"], strict=True)) for k, g in hit.groupby("kommune")}
    return d.assign(dimension="rk"), arms, targeted


@pytest.fixture(scope="module")
def es(scores):
    d, arms, targeted = scores
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return research.event_study(d, arms, targeted, THREE, n_permutations=999)


def _r(row: str) -> dict:
    ref = pd.read_csv(DATA / "event_study_reference.csv")
    return ref[ref["row"] == row].set_index("statistic")["value"].to_dict()


def _row(t: pd.DataFrame, **where) -> pd.Series:
    mask = np.logical_and.reduce([(t[c] == v).to_numpy() for c, v in where.items()])
    assert mask.sum() == 1, where
    return t[mask].iloc[0]


@pytest.mark.parametrize("row, where", [
    ("event_all_midtvejs", {"scope": "all_ties", "wave": "midtvejs"}),
    ("trend_all", {"scope": "all_ties", "wave": "all"}),
    ("event_targeted_midtvejs", {"scope": "targeted_contrast", "wave": "midtvejs"}),
    ("trend_targeted", {"scope": "targeted_contrast", "wave": "all"}),
])
def test_event_study_and_trend_equal_r(es, row, where):
    """tests/R/event_study.R on the same file: kommune changes or slopes with Welch CI (t.test), the exact
    permutation p over all 70 assignments (combn), lmer + lmerTest for the midway x intervention interaction
    (df bounded by J - 2 = 6), lm + clubSandwich::coef_test(CR2, Satterthwaite) for the trend model, and the
    baseline-adjusted targeted contrast (lm on the untargeted ties, kommune and pair effects)."""
    r, got = _r(row), _row(es, dimension="rk", **where)
    for ours, theirs in (("estimate", "estimate"), ("ci_low", "ci_low"), ("ci_high", "ci_high")):
        assert got[ours] == pytest.approx(r[theirs], abs=1e-10), ours
    assert got["p_val"] == pytest.approx(r["p_perm"], abs=1e-12) and got["method"] == "permutation_kommuner"
    if "slope" in r:  # regression to the mean, fitted on the untargeted ties
        assert got["slope"] == pytest.approx(r["slope"], abs=1e-10)
    if "estimate_model" in r:
        tol = 1e-5 if row.startswith("event") else 1e-10  # lme4's optimum against ours; OLS exactly
        assert got["estimate_model"] == pytest.approx(r["estimate_model"], abs=tol)
        assert got["df_model"] == pytest.approx(r["df_model"], rel=1e-4)
        assert got["p_model"] == pytest.approx(r["p_model"], abs=1e-5)
    if row.startswith("event"):
        assert got["wave_term"] == "versus_first" and got["waves"] == "baseline,midtvejs"
    else:
        assert got["wave_term"] == "linear_trend" and got["waves"] == "baseline,midtvejs,followup"


def test_event_study_table_families_and_truth(es):
    """Each later wave against the first, one primary row (the latest wave), the earlier wave in its own Holm family,
    the trend rows in theirs; the targeted trend covers the generator's 0.25 per wave."""
    assert set(es["family"]) <= set(RQ4_FAMILIES) and set(es["wave_term"]) <= set(WAVE_TERMS)
    primary = es[es["family"] == "primary"]
    assert len(primary) == 1 and primary.iloc[0]["wave"] == "followup"
    assert primary.iloc[0]["scope"] == "targeted_contrast" and primary.iloc[0]["p_adj"] == primary.iloc[0]["p_val"]
    assert es.loc[es["family"] == "event_study", "wave"].tolist() == ["midtvejs"]
    trend = es[es["family"] == "trend"]
    assert sorted(trend["scope"]) == ["all_ties", "targeted_contrast"]
    assert np.allclose(trend["p_adj"], adjust_pvalues(trend["p_val"].to_numpy(), method="holm"))
    assert (es["baseline_wave"] == "baseline").all()
    # rows in time order: midway before follow-up, the trend last
    assert es["wave"].drop_duplicates().tolist() == ["midtvejs", "followup", "all"]
    t = _row(es, scope="targeted_contrast", dimension="rk", wave="all")
    truth = synth.survey.INTERVENTION_EFFECT * synth.survey.MIDWAY_SHARE
    assert t["ci_low"] <= truth <= t["ci_high"] and t["estimate"] > 0


def test_trends_by_hand():
    """A tie or kommune measured in some waves only: the slope over the waves it has, on their positions."""
    d = pd.DataFrame({"kommune": 1, "wave": ["b", "f", "b", "m", "f"], "respondent_id": [1, 2, 3, 4, 5],
                      "group": ["a", "a", "c", "c", "c"], "target": ["c", "c", "a", "a", "a"],
                      "score": [3.0, 4.0, 2.0, 2.5, 3.5]})
    t = tie_trends(d, ["b", "m", "f"]).set_index("group")
    assert t.loc["a", "change"] == pytest.approx(0.5)  # (4 - 3) / 2 waves apart
    assert t.loc["c", "change"] == pytest.approx(0.75)  # lm(c(2, 2.5, 3.5) ~ 0:2)
    per = d.assign(arm="control")
    k = kommune_trends(per, ["b", "m", "f"])
    # wave means 2.5, 2.5, 3.75 at 0, 1, 2: slope 0.625
    assert k["slope"].iloc[0] == pytest.approx(0.625)


def _units(n: int = 8, waves=THREE, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    s = rng.normal(3, 0.5, n)
    rows = [(k, w, s[k] + rng.normal(0, 0.15), 40) for w in waves for k in range(n)]
    u = pd.DataFrame(rows, columns=["kommune", "wave", "structure", "n_respondents"])
    u["leadership"] = 2 + 0.4 * u["structure"] + rng.normal(0, 0.1, len(u))
    return u


def test_h3_per_wave_and_consecutive_pairs():
    """Correlations in time order, the slope over all waves, a cross-lagged model per consecutive pair: the
    midway -> follow-up pair equals the two-wave analysis of those waves alone; Holm over all four cross paths."""
    u = _units()
    h3 = structures_leadership(u, waves=THREE)
    cor = h3[h3["analysis"] == "correlation"]
    assert cor["wave"].tolist() == THREE
    assert h3.loc[h3["analysis"] == "slope", "waves"].iloc[0] == "baseline,midtvejs,followup"
    lagged = h3[h3["analysis"] == "cross_lagged"]
    assert lagged["wave"].drop_duplicates().tolist() == ["baseline->midtvejs", "midtvejs->followup"]
    two = structures_leadership(u[u["wave"] != "baseline"], waves=["midtvejs", "followup"])
    pair = lagged[lagged["wave"] == "midtvejs->followup"].set_index("path")
    alone = two[two["analysis"] == "cross_lagged"].set_index("path")
    assert np.allclose(pair.loc[alone.index, "estimate"], alone["estimate"])
    assert np.allclose(pair.loc[alone.index, "p_val"], alone["p_val"])
    cross = lagged[lagged["family"] == "cross"]
    assert len(cross) == 4 and np.allclose(cross["p_adj"], adjust_pvalues(cross["p_val"].to_numpy(), method="holm"))


def test_aggregation_per_wave_by_hand():
    """ICC(1) and ICC(2) of each wave from the one-way ANOVA computed here (Bliese 2000), waves in time order."""
    rng = np.random.default_rng(3)
    rows = []
    for w in THREE:
        for k in range(5):
            for i in range(6):
                dims = {c: float(np.clip(np.round(3.5 + 0.3 * k / 4 + rng.normal(0, 0.6)), 1, 5))
                        for c in INST.relational_codes}
                rows.append({"kommune": 100 + k, "wave": w, "respondent_id": f"{w}{k}{i}", "group": "g" + str(i % 2),
                             "rk": float(np.mean(list(dims.values()))), **dims})
    resp = pd.DataFrame(rows)
    agg = aggregation_check(resp, INST)
    assert agg["wave"].drop_duplicates().tolist() == THREE and set(agg["waves"]) == set(THREE)
    for w in THREE:
        part = resp[resp["wave"] == w]
        groups = [g["rk"].to_numpy() for _, g in part.groupby("kommune")]
        n, j = len(part), len(groups)
        grand = part["rk"].mean()
        msb = sum(len(g) * (g.mean() - grand) ** 2 for g in groups) / (j - 1)
        msw = sum(((g - g.mean()) ** 2).sum() for g in groups) / (n - j)
        k = n / j
        got = agg[(agg["wave"] == w) & (agg["level"] == "kommune")].set_index("statistic")["estimate"]
        assert got["ICC1"] == pytest.approx((msb - msw) / (msb + (k - 1) * msw), abs=1e-12)
        assert got["ICC2"] == pytest.approx((msb - msw) / msb, abs=1e-12)


def test_not_answered_with_three_waves():
    """RQ4 needs the first wave and a later one: a store without the follow-up yet is answered (midway against
    baseline); one wave is not; H3's cross-lagged model counts kommuner in a consecutive pair."""
    u = _units(n=6)
    arms = {k: "intervention" if k < 3 else "control" for k in range(6)}
    resp = u.assign(group="a")
    no_followup = u[u["wave"] != "followup"]
    assert "rq4_did" not in set(not_answered(no_followup, resp, pd.DataFrame(), arms, waves=["baseline", "midtvejs"])
                                ["table"])
    one = not_answered(u[u["wave"] == "baseline"], resp, pd.DataFrame(), arms, waves=["baseline"])
    assert one.set_index("table").loc["rq4_did", "reason"] == "no_followup"
    gap = u[~((u["wave"] == "midtvejs") & (u["kommune"] >= 2))]  # 2 kommuner with all three waves
    status = not_answered(gap, resp, pd.DataFrame(), arms, waves=THREE).set_index("table")
    assert status.loc["h3_structures_leadership", "reason"] == "cross_lagged"
    assert status.loc["h3_structures_leadership", "available"] == 2


@pytest.mark.parametrize("language", ["da", "en"])
def test_event_study_for_readers(es, language):
    """The event-study view: wave names from the codebook, the trend and the families in words, numbers via fmt."""
    shown = research.display_table({"rq4_event_study": research.event_study_rows({"rq4_did": es})},
                                   "rq4_event_study", INST, language)
    wave, compared, family = (text(f"research.column.{c}", language)
                              for c in ("wave", "baseline_wave", "family"))
    names = {"da": ["Midtvejsmåling", "Eftermåling", "Alle målinger"], "en": ["Midway", "Follow-up", "All waves"]}
    assert shown[wave].tolist() == names[language]
    assert set(shown[compared]) == {"Førmåling" if language == "da" else "Baseline"}
    assert shown[family].tolist() == [text(f"research.value.family_{f}", language)
                                      for f in ("event_study", "primary", "trend")]
    est = text("research.column.estimate", language)
    assert all(("," in v) == (language == "da") for v in shown[est])  # decimal comma in Danish
    note = research.waves_note({"units": pd.DataFrame({"wave": ["followup", "baseline", "midtvejs"]})}, INST, language)
    expected = {"da": "Førmåling, Midtvejsmåling, Eftermåling", "en": "Baseline, Midway, Follow-up"}[language]
    assert expected in note


def test_pooled_models_have_a_fixed_effect_per_wave():
    """RQ2's kommune-level OLS over three waves equals least squares with an intercept and a dummy for each wave
    after the first (numpy, written out here), not a two-level baseline/later dummy."""
    u = _units(n=8)
    rng = np.random.default_rng(5)
    u["rk"] = 3.5 + 0.2 * (u["wave"] == "midtvejs") - 0.1 * (u["wave"] == "followup") + rng.normal(0, 0.2, len(u))
    u["samskabelse"] = 1 + 0.6 * u["rk"] + 0.3 * (u["wave"] == "midtvejs") + rng.normal(0, 0.1, len(u))
    u["n_citizens"] = 30
    got = research.rk_citizen(u, outcomes=["samskabelse"], waves=THREE).iloc[0]
    x = np.column_stack([np.ones(len(u)), u["rk"], u["wave"] == "midtvejs", u["wave"] == "followup"]).astype(float)
    beta = np.linalg.lstsq(x, u["samskabelse"].to_numpy(float), rcond=None)[0]
    assert got["estimate"] == pytest.approx(beta[1], abs=1e-12)
    assert (got["waves"], got["wave_term"]) == ("baseline,midtvejs,followup", "fixed_effects")
    two_level = np.column_stack([x[:, :2], u["wave"] != "baseline"]).astype(float)
    assert abs(np.linalg.lstsq(two_level, u["samskabelse"].to_numpy(float), rcond=None)[0][1] - beta[1]) > 1e-3
