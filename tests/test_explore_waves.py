"""The explorer's data model over waves (issue 20.6): every declared wave is a view, change between any two,
a trend per tie and for the index; an unknown wave or kommune is refused with a clear error."""

from __future__ import annotations

import pandas as pd
import pytest

import relkap.io as rio
from relkap import report, synth
from relkap.errors import RelkapError
from relkap.explore.model import ExplorerData
from relkap.io.codebook import store_instrument
from relkap.report import tables

K = 766


@pytest.fixture(scope="module")
def explorer(tmp_path_factory):
    raw = tmp_path_factory.mktemp("raw")
    synth.write_demo(raw, n_kommuner=2, seed=3, respondents=60, waves=3, interviews=False)
    out = raw.parent / "processed"
    rio.import_raw(raw, out, instrument=raw / "codebook.yaml")
    return ExplorerData(out, instrument=store_instrument(out))


def test_every_wave_is_a_view_with_trend_and_change_between_any_two(explorer):
    assert explorer.waves_of(K) == ("baseline", "midtvejs", "followup")
    assert [explorer.wave(v) for v in ("baseline", "midtvejs", "followup")] == ["baseline", "midtvejs", "followup"]
    trend = explorer.index_trend(K, 5)
    rel = explorer.tables.relations
    shared = tables.shared_tables(tables.kommune_tables(explorer.tables, K), explorer.instrument, 5).relations
    pd.testing.assert_frame_equal(trend.reset_index(drop=True),  # the report's trend: the same numbers
                                  tables.rk_by_wave(shared, explorer.instrument, 5).reset_index(drop=True),
                                  check_dtype=False, atol=1e-12)
    tie = explorer.tie_trend(K, "rk", 5, "myndighed", "myndighed")
    assert list(tie["wave"].astype(str)) == ["baseline", "midtvejs", "followup"]
    between = explorer.change_between(K, "rk", 5, "midtvejs", "followup")
    direct = report.tie_change(shared, explorer.instrument.between("midtvejs", "followup"), min_n=5)
    row = direct[~direct["suppressed"].astype(bool)].iloc[0]
    got = between[(between["group"] == row["group"]) & (between["target"] == row["target"])].iloc[0]
    assert got["diff"] == pytest.approx(row["diff"], abs=1e-12)
    assert set(rel["wave"].astype(str)) == {"baseline", "midtvejs", "followup"}


def test_unknown_wave_and_kommune_are_refused_by_name(explorer):
    with pytest.raises(RelkapError, match=r"unknown view 'efter'.*baseline, midtvejs, followup"):
        explorer.wave("efter")
    with pytest.raises(RelkapError, match=r"kommune 999 has no answers in the data \(kommuner there: "):
        explorer.shared(999, 5)
    with pytest.raises(RelkapError, match="unknown view"):
        explorer.change_between(K, "rk", 5, "baseline", "efter")
