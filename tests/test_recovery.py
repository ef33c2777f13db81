"""The statistics recover what the synthetic data were built with, and their CIs have the coverage they claim.

Truth comes from the generator (``relkap.synth``: ``SynthData.truth`` gives each tie's expected answer mean
per wave, after discretisation) or, for the coverage simulation, from normal data drawn here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from relkap import change, io, load_instrument, scoring, synth

INST = load_instrument()
KEY = b"test-key"


def _scored(seed: int, n_kommuner: int = 10, respondents: int | None = None):
    d = synth.simulate(n_kommuner, seed=seed, respondents=respondents)
    t = io.tidy_tables(d.employees, d.citizens, d.structures, instrument=INST, key=KEY)
    s = scoring.respondent_scores(t.relations, INST).dropna(subset=["score"])
    for c in ("group", "target", "wave"):
        s[c] = s[c].astype(str)
    return d, s


def _tie_truth(d) -> pd.DataFrame:
    tr = d.truth.pivot_table(index=["kommune", "group", "target", "targeted", "diagonal"], columns="wave",
                             values="expected").reset_index()
    tr["true_diff"] = tr["followup"] - tr["baseline"]
    return tr[["kommune", "group", "target", "targeted", "diagonal", "true_diff"]]


@pytest.fixture(scope="module")
def recovered():
    """Every tie of 20 kommuner (10 intervention), baseline versus follow-up, with the generator's truth."""
    d, s = _scored(seed=11, n_kommuner=20, respondents=120)
    cmp = change.compare_waves(s, dv="score", by=["kommune", "group", "target"], min_n=5)
    out = cmp.merge(_tie_truth(d), on=["kommune", "group", "target"], how="inner", validate="one_to_one")
    return out[~out["suppressed"]]


def test_intervention_effect_on_targeted_ties_is_recovered(recovered):
    targeted = recovered[recovered["targeted"]]
    assert len(targeted) >= 15
    # the generator's latent +0.5 (+0.05 trend) shows as about +0.48 in the answers (synth docstring)
    assert targeted["true_diff"].mean() == pytest.approx(0.5, abs=0.08)
    assert targeted["diff"].mean() == pytest.approx(targeted["true_diff"].mean(), abs=0.12)
    covered = (targeted["diff_ci_low"] <= targeted["true_diff"]) & (targeted["true_diff"] <= targeted["diff_ci_high"])
    assert covered.mean() >= 0.8, covered.mean()
    # most targeted ties are found as improvements; all point up on average
    assert (targeted["diff"] > 0).mean() >= 0.85
    assert (targeted["p_val"] < 0.05).mean() >= 0.4


def test_unaffected_ties_are_rarely_significant_after_fdr(recovered):
    other = recovered[~recovered["targeted"]]
    assert len(other) > 300
    assert other["true_diff"].abs().max() < 0.1  # only the small common trend
    # FDR is over every tie of every kommune here (one family); false discoveries stay rare
    assert (other["p_fdr"] < 0.05).mean() <= 0.03


def test_ci_coverage_of_all_ties_is_about_95_percent(recovered):
    covered = (recovered["diff_ci_low"] <= recovered["true_diff"]) & (recovered["true_diff"] <= recovered["diff_ci_high"])
    # ~400 reportable ties; binomial SE at 0.95 is ~0.011. Ties share raters, so allow a wider band.
    assert 0.90 <= covered.mean() <= 0.985, covered.mean()


def test_welch_ci_and_hedges_coverage_in_a_normal_simulation():
    """2,000 cells of normal data with known difference and unequal variances and sizes, in one call."""
    rng = np.random.default_rng(2026)
    cells = 2000
    n1 = rng.integers(5, 30, cells)
    n2 = rng.integers(5, 30, cells)
    delta = rng.normal(0, 0.5, cells)
    sd1, sd2 = rng.uniform(0.5, 1.0, cells), rng.uniform(0.5, 1.5, cells)
    rows = []
    for wave, n, mu, sd in (("baseline", n1, np.zeros(cells), sd1), ("followup", n2, delta, sd2)):
        cell = np.repeat(np.arange(cells), n)
        rows.append(pd.DataFrame({"cell": cell, "wave": wave, "score": rng.normal(mu[cell], sd[cell]),
                                  "respondent_id": [f"{wave}{i}" for i in range(len(cell))]}))
    data = pd.concat(rows, ignore_index=True)
    out = change.compare_waves(data, dv="score", by="cell", min_n=5, mwu=False).sort_values("cell")
    covered = (out["diff_ci_low"].to_numpy() <= delta) & (delta <= out["diff_ci_high"].to_numpy())
    # 2,000 independent Welch intervals: coverage 0.95 +- 2.5 SE (SE = 0.0049)
    assert abs(covered.mean() - 0.95) < 0.0125, covered.mean()
    # Hedges' g CI with equal variances: true g = delta / sd
    g_true = delta / np.sqrt((sd1**2 + sd2**2) / 2)
    g_cov = (out["hedges_ci_low"].to_numpy() <= g_true) & (g_true <= out["hedges_ci_high"].to_numpy())
    assert 0.92 <= g_cov.mean() <= 0.975, g_cov.mean()


def test_did_recovers_the_intervention_on_targeted_ties():
    """Each intervention kommune's own targeted ties against the same tie pairs in control kommuner."""
    d, s = _scored(seed=5, n_kommuner=20, respondents=120)
    arms = {p.kommune: p.arm for p in d.params}
    own = {(p.kommune, g, t) for p in d.params for g, t in p.targeted_ties}
    pairs = {(g, t) for _, g, t in own}
    s["arm"] = s["kommune"].map(arms)
    key = list(zip(s["kommune"], s["group"], s["target"], strict=True))
    keep = [(k, g, t) in own if a == "intervention" else (g, t) in pairs
            for (k, g, t), a in zip(key, s["arm"], strict=True)]
    out = change.did(s[keep], dv="score", n_permutations=199, seed=1)
    row = out.iloc[0]
    tr = _tie_truth(d)
    tr["arm"] = tr["kommune"].map(arms)
    treated = tr[tr["targeted"]]
    control = tr[(tr["arm"] == "control")
                 & np.array([(g, t) in pairs for g, t in zip(tr["group"], tr["target"], strict=True)])]
    truth = treated["true_diff"].mean() - control["true_diff"].mean()
    assert truth == pytest.approx(0.48, abs=0.06)  # the synth docstring's raw difference-in-differences
    assert row["ci_low"] <= truth <= row["ci_high"], (row.to_dict(), truth)
    assert row["p_val"] < 0.001 and row["p_perm"] < 0.05
