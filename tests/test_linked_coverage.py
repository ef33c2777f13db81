"""The confidence intervals a three-wave kommune report shows have the coverage they claim: each wave's mean
(relkap.scoring.describe, the trend of relkap.report.tables.rk_by_wave) and the changes first -> latest and
previous -> latest (relkap.linked.compare_linked, the comparisons of relkap.report.tables.rk_change and
tie_change), on simulated respondents who answer again with the same pseudonym."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from relkap import change, scoring, synth
from relkap.io import tidy_tables
from relkap.linked import compare_linked
from relkap.report import tables

MU = {"baseline": 3.40, "midtvejs": 3.52, "followup": 3.70}  # the trajectory: up 0.12, then 0.18
N_CELLS = 2000  # independent replicates, one `by` cell each: coverage SE = sqrt(.95 * .05 / 2000) = 0.0049


def _three_waves(rng: np.random.Generator, n_cells: int, pool: int = 40, answer: float = 0.6,
                 sd_person: float = 0.5, sd_wave: float = 0.35) -> pd.DataFrame:
    """Cells of ``pool`` employees each; every employee answers each wave with probability ``answer`` (so about
    a third of those who answer in a wave answer in every wave), with a person effect they keep and noise drawn
    anew each wave (normal: the truth of a wave is its MU)."""
    rows = []
    person = rng.normal(0, sd_person, (n_cells, pool))
    for wave, mu in MU.items():
        here = rng.random((n_cells, pool)) < answer
        cell, who = np.nonzero(here)
        y = mu + person[cell, who] + rng.normal(0, sd_wave, len(cell))
        rows.append(pd.DataFrame({"cell": cell, "wave": wave, "respondent_id": [f"{c}-{i}" for c, i in zip(cell, who, strict=True)],
                                  "score": y}))
    return pd.concat(rows, ignore_index=True)


def _covered(low, high, true) -> np.ndarray:
    return (np.asarray(low) <= true) & (true <= np.asarray(high))


def test_trend_and_change_cis_cover_the_truth_95_percent_of_the_time():
    rng = np.random.default_rng(2026)
    d = _three_waves(rng, N_CELLS)
    coverage = {}
    per_wave = scoring.describe(d, "score", ["cell", "wave"], min_n=5)
    for wave, mu in MU.items():
        part = per_wave[(per_wave["wave"] == wave) & ~per_wave["suppressed"]]
        coverage[wave] = _covered(part["ci_low"], part["ci_high"], mu).mean()
    for name, before in (("period", "baseline"), ("latest", "midtvejs")):
        out = compare_linked(d, "score", "cell", baseline=before, followup="followup", min_n=5, mwu=False)
        out = out[~out["suppressed"]]
        assert (out["test"] == "mixed").mean() > 0.99 and len(out) > 0.99 * N_CELLS
        true = MU["followup"] - MU[before]
        coverage[name] = _covered(out["diff_ci_low"], out["diff_ci_high"], true).mean()
        assert out["diff"].mean() == pytest.approx(true, abs=0.005)  # unbiased
        # the links pay: narrower than Welch's on the same answers, with the same coverage
        welch = change.compare_waves(d, "score", "cell", baseline=before, followup="followup", min_n=5, mwu=False)
        welch = welch[~welch["suppressed"]]
        assert (out["diff_ci_high"] - out["diff_ci_low"]).mean() < 0.9 * (welch["diff_ci_high"] - welch["diff_ci_low"]).mean()
    # 0.95 +- 3 SE (0.015)
    assert all(0.935 <= c <= 0.965 for c in coverage.values()), coverage


@pytest.mark.slow
def test_synth_three_wave_trajectory_per_tie_is_covered_as_the_report_tests_it():
    """synth's documented three-wave trajectory (relkap.synth.survey: targeted ties rise 0 -> half -> the full
    effect, every tie by the trend), per tie as the report compares it (relkap.report.tables.tie_change: the
    respondent intercept model where 5 or more raters link, else Welch), on 6 independent demos: the 95 % CIs
    cover the change of the truth's expected answers about 95 % of the time, in the model's rows and overall."""
    rows = []
    for seed in range(1, 7):
        d = synth.simulate(n_kommuner=10, seed=seed, waves=3)
        t = tidy_tables(d.employees, instrument=d.instrument, key=b"test")
        truth = d.truth.pivot_table(index=["kommune", "group", "target"], columns="wave", values="expected")
        for kommune, own in t.relations.groupby("kommune", observed=True):
            for before in ("baseline", "midtvejs"):
                cmp = tables.tie_change(own, d.instrument.between(before, "followup"), min_n=5)
                cmp = cmp[~cmp["suppressed"]].astype({"group": str, "target": str})
                true = truth.loc[kommune]
                cmp["true"] = (true["followup"] - true[before]).reindex(
                    pd.MultiIndex.from_frame(cmp[["group", "target"]])).to_numpy()
                rows.append(cmp.assign(before=before)[["before", "test", "diff_ci_low", "diff_ci_high", "true"]])
    r = pd.concat(rows, ignore_index=True)
    r["covered"] = _covered(r["diff_ci_low"], r["diff_ci_high"], r["true"])
    assert len(r) > 1500 and (r["test"] == "mixed").sum() > 400
    by_test = r.groupby("test")["covered"].mean()
    by_comparison = r.groupby("before")["covered"].mean()
    assert ((by_test >= 0.93) & (by_test <= 0.975)).all(), by_test
    assert ((by_comparison >= 0.93) & (by_comparison <= 0.975)).all(), by_comparison
