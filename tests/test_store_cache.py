"""relkap.load keeps the tables it read last: an unchanged store is not read again, a changed one always is, and
a caller's changes to the returned tables never reach the kept ones."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest

import relkap.io as rio
from relkap import synth

SETTLE = 2.1  # seconds: tables read sooner after a file changed are not kept (relkap.io.store, racily clean)


@pytest.fixture
def folder(tmp_path) -> Path:
    """A store of two kommuner written as parquet files (no manifest: the files' identities alone key it)."""
    tables = synth.example_tables(2, respondents=12, key=b"example")
    for name, table in tables:
        table.to_parquet(tmp_path / f"{name}.parquet")
    return tmp_path


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The parquet files read from disk, in order."""
    seen, read = [], pd.read_parquet

    def counting(path, *args, **kwargs):
        seen.append(Path(path).name)
        return read(path, *args, **kwargs)

    monkeypatch.setattr(pd, "read_parquet", counting)
    return seen


def test_an_unchanged_store_is_read_once_and_equals_a_fresh_read(folder, reads):
    time.sleep(SETTLE)
    first = rio.load(folder)
    assert len(reads) == len(rio.TABLES)
    second = rio.load(folder)
    assert len(reads) == len(rio.TABLES), "the second load read no file"
    for name, table in first:
        pd.testing.assert_frame_equal(getattr(second, name), table)
        assert getattr(second, name) is not table


def test_changes_to_the_returned_tables_never_reach_the_next_load(folder):
    time.sleep(SETTLE)
    expected = rio.load(folder).relations.copy(deep=True)
    t = rio.load(folder)
    t.relations.loc[0, "score"] = 99.0  # every way a caller might change a table in place
    t.relations["score"] = t.relations["score"] * 2
    t.relations.iloc[1:3, t.relations.columns.get_loc("score")] = -1.0
    pd.testing.assert_frame_equal(rio.load(folder).relations, expected)


def test_a_changed_file_is_read_again(folder, reads):
    time.sleep(SETTLE)
    before = rio.load(folder).relations
    changed = before.assign(score=before["score"].fillna(0) + 1)
    changed.to_parquet(folder / "relations.parquet")  # in place: the same inode, new contents
    after = rio.load(folder).relations
    assert reads.count("relations.parquet") == 2
    pd.testing.assert_frame_equal(after, changed)


def test_tables_read_right_after_a_change_are_not_kept(folder, reads):
    """A file rewritten within the clock's tick could keep size and times: a fresh file is never kept."""
    rio.load(folder)
    rio.load(folder)
    assert reads.count("relations.parquet") == 2


def test_another_store_or_a_deferred_load_reads_its_own_files(folder, tmp_path_factory, reads):
    other = tmp_path_factory.mktemp("other")
    for name, table in synth.example_tables(1, respondents=12, key=b"example"):
        table.to_parquet(other / f"{name}.parquet")
    time.sleep(SETTLE)
    a, b = rio.load(folder), rio.load(other)
    assert set(a.relations["kommune"]) != set(b.relations["kommune"])
    deferred = rio.load(folder, deferred=["citizens"])
    pd.testing.assert_frame_equal(deferred.relations, a.relations)
    assert reads.count("relations.parquet") == 3
