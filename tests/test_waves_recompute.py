"""Per-wave tie means and the RK index on three-wave data, against an independent recomputation in plain
pandas from the raw wide export (DOMAIN.md's formulas: s(r, B) = mean of r's valid items for target B when at
least min_items are valid; a tie's mean = the mean of s(r, B) over its raters; a respondent's index = the mean
of s(r, B) over the other groups B; the kommune's index in a wave = the mean of its respondents' indices)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from relkap import report, synth
from relkap.io import tidy_tables
from relkap.report import tables
from relkap.report import waves as over_waves

KOMMUNE = 336


@pytest.fixture(scope="module")
def three():
    d = synth.simulate(n_kommuner=5, seed=2, waves=3)
    return d, tidy_tables(d.employees, instrument=d.instrument, key=b"test")


def _by_hand(raw: pd.DataFrame, inst) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tie means and the index per wave, from the wide export with nothing but pandas."""
    rows = []
    for g in inst.group_codes:
        cols = [f"{i}__{g}" for i in inst.relational_codes]
        x = raw[cols].astype("float64").where(lambda v: ~v.isin(inst.missing_codes))
        s = x.mean(axis=1).where(x.notna().sum(axis=1) >= inst.min_items)
        rows.append(pd.DataFrame({"wave": raw["wave"], "respondent_id": raw["respondent_id"], "group": raw["group"],
                                  "target": g, "s": s}))
    s = pd.concat(rows).dropna(subset=["s"])
    ties = s.groupby(["wave", "group", "target"])["s"].agg(["mean", "size"]).reset_index()
    cross = s[s["group"] != s["target"]]
    index = cross.groupby(["wave", "respondent_id"])["s"].mean().groupby("wave").agg(["mean", "size"])
    return ties, index


def test_per_wave_tie_means_and_index_equal_a_recomputation_in_plain_pandas(three):
    data, t = three
    inst = data.instrument
    raw = data.employees[data.employees["kommune"] == KOMMUNE]
    ties_hand, index_hand = _by_hand(raw, inst)
    own = tables.kommune_tables(t, KOMMUNE)
    ties = tables.tie_table(own.relations, inst, min_n=None)
    ties = ties.astype({"wave": str, "group": str, "target": str})
    m = ties.merge(ties_hand, on=["wave", "group", "target"], how="outer", validate="one_to_one")
    assert set(m["wave"]) == {"baseline", "midtvejs", "followup"} and m["mean_x"].notna().all()
    assert np.allclose(m["mean_x"], m["mean_y"], atol=1e-12) and (m["n"] == m["size"]).all()
    by_wave = tables.rk_by_wave(own.relations, inst, min_n=1)
    rk = by_wave[by_wave["dimension"] == "rk"].set_index("wave")
    assert list(rk.index) == ["baseline", "midtvejs", "followup"]  # the codebook's order
    assert np.allclose(rk["mean"], index_hand.loc[rk.index, "mean"], atol=1e-12)
    assert (rk["n"] == index_hand.loc[rk.index, "size"]).all()


def test_the_report_compares_first_to_latest_and_previous_to_latest(three):
    data, t = three
    inst = data.instrument
    kp = next(p for p in data.params if p.kommune == KOMMUNE)
    r = report.build(t, inst, kp, min_n=5)
    assert r.waves == ("baseline", "midtvejs", "followup") and r.comparisons == [
        ("period", "baseline", "followup"), ("latest", "midtvejs", "followup")]
    trend = r.rk_waves[r.rk_waves["dimension"] == "rk"].set_index("wave")["mean"]
    period, latest = (c[c["dimension"] == "rk"].iloc[0] for c in (r.rk, r.rk_previous))
    # respondents link across the waves: both comparisons come from one respondent intercept model over the
    # three waves, so the follow-up's model mean is the same in both and each change is its two means' difference
    assert period["test"] == latest["test"] == "mixed"
    assert period["mean_followup"] == pytest.approx(latest["mean_followup"], abs=1e-9)
    assert period["diff"] == pytest.approx(period["mean_followup"] - period["mean_baseline"], abs=1e-12)
    assert r.key_points[0]["trend"][1]["wave"] == "midtvejs"
    # counted over the shown answers only (the disclosure rule: a hidden group's respondents are not counted)
    shown = report.shared_tables(report.kommune_tables(t, KOMMUNE), inst, min_n=5).relations
    ids = shown.groupby("respondent_id", observed=True)["wave"].nunique()
    row = r.linked.iloc[0]
    assert (row["n_respondents"], row["n_linked"], row["n_every_wave"]) == (len(ids), (ids > 1).sum(), (ids == 3).sum())
    # without the links (a new id in every wave) the comparisons are Welch's and their means are the trend's
    cut = t.relations.assign(respondent_id=t.relations["respondent_id"].astype(str) + "-" + t.relations["wave"].astype(str))
    r = report.build(dataclasses.replace(t, relations=cut), inst, kp, min_n=5)
    trend = r.rk_waves[r.rk_waves["dimension"] == "rk"].set_index("wave")["mean"]
    period, latest = (c[c["dimension"] == "rk"].iloc[0] for c in (r.rk, r.rk_previous))
    assert period["test"] == latest["test"] == "welch"
    assert period["mean_baseline"] == pytest.approx(trend["baseline"], abs=1e-12)
    assert period["mean_followup"] == pytest.approx(trend["followup"], abs=1e-12)
    assert latest["mean_baseline"] == pytest.approx(trend["midtvejs"], abs=1e-12)
    assert r.linked.iloc[0]["n_linked"] == 0 and over_waves.linked_sentence(r.linked) == ""


def test_a_kommune_with_fewer_waves_gets_the_report_its_data_allow(three):
    data, _ = three
    emp = data.employees[~((data.employees["kommune"] == KOMMUNE) & (data.employees["wave"] == "midtvejs"))]
    t = tidy_tables(emp, instrument=data.instrument, key=b"test")
    kp = next(p for p in data.params if p.kommune == KOMMUNE)
    r = report.build(t, data.instrument, kp, min_n=5)
    assert r.missing_waves == ("midtvejs",) and r.previous_wave is None
    assert r.comparisons == [("period", "baseline", "followup")] and r.rk_previous is None
    assert "midtvejsmåling" in over_waves.missing_note(r.missing_waves, data.instrument, "da")
