"""relkap.benchmark (a kommune among all kommuner) and relkap.privacy (counts below min_n)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import relkap
from relkap import benchmark, measurement, privacy, report, scoring

INST = relkap.load_instrument()


def _relations(seed: int = 3) -> pd.DataFrame:
    """Two groups rating each other in eight kommuner and both waves, random answers (1-5); the last
    kommune has 2 respondents per group, 4 in all, below min_n = 5."""
    rng = np.random.default_rng(seed)
    sizes = {101: 6, 147: 6, 151: 6, 157: 6, 175: 6, 336: 6, 510: 6, 766: 2}
    rows = [{"kommune": k, "wave": w, "respondent_id": f"{k}{w}{g}{r}", "group": g, "target": t, "item": i,
             "score": float(rng.integers(1, 6))}
            for k, size in sizes.items() for w in ("baseline", "followup")
            for g, t in (("skole", "ppr"), ("ppr", "skole")) for r in range(size) for i in INST.relational_codes]
    return pd.DataFrame(rows)


def test_index_benchmark_equals_a_hand_computation():
    rel = _relations()
    unit = scoring.unit_index(rel, INST, by=["kommune", "wave"], min_n=5)
    shown = unit[~unit["suppressed"]]
    wide = shown.pivot_table(index="kommune", columns="wave", values="mean")
    wide["change"] = wide["followup"] - wide["baseline"]
    bench = benchmark.index_benchmark(rel, INST, 336, min_n=5)
    assert bench["measure"].tolist() == ["baseline", "followup", "change"]
    for row in bench.itertuples():
        col = wide[row.measure].dropna()
        others = col.drop(336)  # the kommune is not part of the distribution it is compared with
        assert row.n_kommuner == len(others) == 6  # the small kommune is left out too
        assert row.enough
        assert row.value == pytest.approx(col[336])
        np.testing.assert_allclose([row.q25, row.median, row.q75], np.quantile(others, [0.25, 0.5, 0.75]))
        assert row.rank == 1 + (others > col[336]).sum()
    # the report's table is this one
    pd.testing.assert_frame_equal(report.benchmark(rel, INST, 336, min_n=5), bench)
    # a kommune below min_n has no row, and names no other kommune
    assert benchmark.index_benchmark(rel, INST, 766, min_n=5).empty
    assert list(bench.columns) == benchmark.INDEX_BENCHMARK_COLUMNS


def test_benchmark_needs_enough_other_kommuner_and_never_compares_a_kommune_with_itself():
    rel = _relations()
    few = rel[rel["kommune"].isin([157, 175, 336])]
    bench = benchmark.index_benchmark(few, INST, 336, min_n=5)
    assert (bench["n_kommuner"] == 2).all() and not bench["enough"].any()
    assert bench[["median", "q25", "q75"]].isna().all().all() and bench["rank"].isna().all()
    assert bench["value"].notna().all()  # the kommune's own value is still its own to see
    # one kommune alone: compared with nobody, not with itself
    alone = benchmark.index_benchmark(rel[rel["kommune"] == 336], INST, 336, min_n=5)
    assert (alone["n_kommuner"] == 0).all() and alone["median"].isna().all()
    assert benchmark.MIN_BENCHMARK_KOMMUNER >= 5
    # exactly the minimum is enough
    v = pd.DataFrame({"kommune": range(6), "measure": "m", "value": [1.0, 2, 3, 4, 5, 100]})
    c = benchmark.compare(v, 5)
    assert c["n_kommuner"].iloc[0] == 5 and c["enough"].iloc[0]
    assert c["p95"].iloc[0] < 100  # its own extreme value is not in the distribution
    assert c["rank"].iloc[0] == 1 and c["share_below"].iloc[0] == 1.0
    assert not benchmark.compare(v[v["kommune"] != 0], 5)["enough"].iloc[0]


def test_position_ranks_ties_and_counts_them_half():
    v = pd.DataFrame({"kommune": [1, 2, 3, 4, 5], "measure": "m", "value": [2.0, 3.0, 3.0, 4.0, 1.0]})
    p = benchmark.position(v, 2).iloc[0]
    # among the 4 others: 1 above (4.0), 2 below (2.0, 1.0), 1 equal (3.0)
    assert p["rank"] == 2 and p["share_below"] == pytest.approx((2 + 0.5 * 1) / 4)
    top = benchmark.position(v, 4).iloc[0]
    assert top["rank"] == 1 and top["share_below"] == pytest.approx(1.0)
    assert benchmark.position(v, 9).empty


def test_measures_change_only_where_both_waves_have_a_value():
    s = pd.DataFrame({"kommune": [1, 1, 2, 2, 3], "wave": ["b", "f", "b", "f", "b"],
                      "mean": [3.0, 3.5, 4.0, np.nan, 2.0]})
    m = benchmark.measures(s, "b", "f")
    assert m.loc[m["measure"] == "change", "kommune"].tolist() == [1]
    assert m.loc[m["measure"] == "b", "kommune"].tolist() == [1, 2, 3]
    assert m.loc[m["measure"] == "f", "kommune"].tolist() == [1]  # a missing (suppressed) value is left out
    assert benchmark.measures(s.iloc[:0], "b", "f").empty


def test_compare_keeps_cells_where_the_kommune_has_no_value():
    v = pd.DataFrame({"kommune": [1, 2, 3, 1, 2], "measure": ["a", "a", "a", "b", "b"], "group": "g",
                      "value": [1.0, 2.0, 3.0, 3.0, 4.0]})
    c = benchmark.compare(v[~((v["kommune"] == 1) & (v["measure"] == "b"))], 1, min_kommuner=1)
    assert c["measure"].tolist() == ["a", "b"]
    assert c["n_kommuner"].tolist() == [2, 1] and np.isnan(c["value"].iloc[1]) and c["rank"].isna().iloc[1]
    assert list(c.columns) == ["measure", "n_kommuner", "enough", *benchmark.QUANTILES, "value", "rank",
                               "share_below"]


def test_mask_small_counts():
    t = pd.DataFrame({"n_baseline": [4, 5, 12], "n_followup": [5, 3, 6], "diff": [0.1, 0.2, 0.3]})
    m = privacy.mask_small_counts(t, 5)
    assert m["n_baseline"].isna().tolist() == [True, False, False]
    assert m["n_followup"].isna().tolist() == [False, True, False]
    assert m["diff"].tolist() == t["diff"].tolist() and t["n_baseline"].tolist() == [4, 5, 12]  # a copy
    assert privacy.mask_small_counts(t, 5, columns=["n_baseline"])["n_followup"].tolist() == [5, 3, 6]


# -- national tables, once per batch ---------------------------------------------------------------------
def test_national_tables_are_each_kommunes_shareable_index_computed_by_hand():
    """Every kommune's index per wave of its shareable answers (respondent weighting, by hand) and the change;
    the small kommune (4 respondents) is left out."""
    rel = _relations()
    nat = benchmark.national_tables(_Store(rel), INST, min_n=5)
    assert (nat.min_n, nat.waves) == (5, ("baseline", "followup"))
    shared = privacy.shareable(rel, 5, min_items=INST.min_items)
    resp = shared.groupby(["kommune", "wave", "respondent_id", "target"])["score"].mean()  # s(r, B), no NaN here
    index = resp.groupby(["kommune", "wave", "respondent_id"]).mean().groupby(["kommune", "wave"]).mean()
    got = nat.index.set_index(["kommune", "measure"])["value"]
    assert sorted(got.index.get_level_values("kommune").unique()) == [101, 147, 151, 157, 175, 336, 510]
    for (k, w), v in index.items():
        assert got[k, w] == pytest.approx(v, abs=1e-12)
    for k in (101, 336):
        assert got[k, "change"] == pytest.approx(index[k, "followup"] - index[k, "baseline"], abs=1e-12)


def test_index_benchmark_from_national_tables_equals_its_own_computation(tmp_path):
    rel = _relations()
    for min_n in (2, 5, 7):
        nat = benchmark.national_tables(_Store(rel), INST, min_n=min_n)
        back = benchmark.NationalTables.read(nat.write(tmp_path / f"national-{min_n}.json"))
        pd.testing.assert_frame_equal(back.index, nat.index, check_exact=True)  # the file keeps every bit
        assert back.invariance == nat.invariance and nat.invariance[0] in ("not_estimable", "scalar", "partial",
                                                                            "metric", "configural")
        for k in (101, 336, 766):
            want = benchmark.index_benchmark(rel, INST, k, min_n=min_n)
            pd.testing.assert_frame_equal(benchmark.index_benchmark(rel, INST, k, min_n=min_n, national=back), want,
                                          check_exact=True)
    with pytest.raises(ValueError, match="min_n 7 .* min_n 5"):
        benchmark.index_benchmark(rel, INST, 336, min_n=5, national=nat)
    (tmp_path / "other.json").write_text('{"min_n": 5}', encoding="utf-8")
    with pytest.raises(relkap.errors.InputError, match="other.json.*not a national tables file"):
        benchmark.NationalTables.read(tmp_path / "other.json")


def test_report_build_with_national_tables_equals_build_without():
    """report.build takes the batch's national tables; the report is the same as one computing them itself."""
    from relkap.params import default_kommune_params
    from relkap.synth import example_tables

    t = example_tables(6, respondents=20, key=b"example")
    code = int(t.relations["kommune"].iloc[0])
    kp = default_kommune_params(code)
    for min_n in (3, 5):  # 3 is below the codebook's floor: allowed with a stated reason
        why = "test of the national tables at a second threshold" if min_n < 5 else None
        alone = report.build(t, INST, kp, min_n=min_n, min_n_override_reason=why)
        given = report.build(t, INST, kp, min_n=min_n, national=benchmark.national_tables(t, INST, min_n),
                             min_n_override_reason=why)
        pd.testing.assert_frame_equal(given.benchmark, alone.benchmark, check_exact=True)
        assert len(alone.benchmark) and alone.benchmark["enough"].any()
        pd.testing.assert_frame_equal(given.rk, alone.rk, check_exact=True)
        assert given.methods == alone.methods  # the pooled invariance sentence from the national tables
    nat = benchmark.national_tables(t, INST, 5)
    assert nat.invariance == measurement.rk_wave_invariance(t, INST) and nat.invariance[0] != "not_estimable"
    blind = dataclasses.replace(nat, invariance=("configural", ()))  # the report states what the batch computed
    said = report.build(t, INST, kp, min_n=5, national=blind).methods
    assert said != report.build(t, INST, kp, min_n=5, national=nat).methods
    assert measurement.invariance_sentence("configural", (), "da") in said
    older = dataclasses.replace(nat, invariance=None)  # a national tables file without it: the report fits it
    assert report.build(t, INST, kp, min_n=5, national=older).methods == report.build(t, INST, kp, min_n=5).methods


class _Store:
    """The one table of a store :func:`relkap.benchmark.national_tables` reads."""

    def __init__(self, relations: pd.DataFrame):
        self.relations = relations
