"""relkap.filememo and its users: a value computed from a file is kept while the file is unchanged, computed
again after any change, and a caller never changes what is kept."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import yaml

from relkap import provenance
from relkap.errors import InstrumentError
from relkap.filememo import SETTLE_SECONDS, FileMemo, identity, settled
from relkap.instrument import load_instrument


@pytest.fixture
def calls() -> list[Path]:
    return []


def _reader(calls: list[Path]):
    def read(p: Path) -> str:
        calls.append(p)
        return p.read_text()
    return read


def test_an_unchanged_settled_file_is_read_once(tmp_path, calls):
    p = tmp_path / "a.txt"
    p.write_text("one")
    memo = FileMemo(_reader(calls), settle=0)
    assert [memo(p), memo(p), memo(str(p))] == ["one"] * 3
    assert len(calls) == 1


@pytest.mark.parametrize("change", ["in place, same size", "replaced", "appended"])
def test_any_change_is_read_again(tmp_path, calls, change):
    p = tmp_path / "a.txt"
    p.write_text("one")
    os.utime(p, ns=(10**18, 10**18))  # written long ago (a write within the clock's tick would keep its times)
    memo = FileMemo(_reader(calls), settle=0)
    assert memo(p) == "one"
    if change == "in place, same size":
        with open(p, "r+") as fh:  # the same inode and size: the times tell
            fh.write("two")
    elif change == "replaced":
        (tmp_path / "b.txt").write_text("two")
        os.replace(tmp_path / "b.txt", p)
    else:
        p.write_text("one two")
    assert memo(p) == p.read_text() != "one"
    assert len(calls) == 2


def test_a_file_changed_within_the_settle_time_is_never_kept(tmp_path, calls):
    p = tmp_path / "a.txt"
    p.write_text("one")
    assert not settled(identity(p), seconds=3600) and settled(identity(p), seconds=0)
    memo = FileMemo(_reader(calls), settle=3600)
    memo(p)
    memo(p)
    assert len(calls) == 2


def test_at_most_size_files_are_kept(tmp_path, calls):
    memo = FileMemo(_reader(calls), size=2, settle=0)
    files = [tmp_path / f"{i}.txt" for i in range(3)]
    for f in files:
        f.write_text(f.name)
        memo(f)
    memo(files[0])  # dropped as the oldest
    memo(files[2])  # kept
    assert calls == [*files, files[0]]


def test_a_missing_file_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        FileMemo(_reader([]))(tmp_path / "none.txt")


def test_load_instrument_gives_its_own_codebook_and_sees_a_change(tmp_path, monkeypatch):
    parsed, parse = [], yaml.safe_load
    monkeypatch.setattr(yaml, "safe_load", lambda text: parsed.append(1) or parse(text))
    text = (Path(__file__).parents[1] / "params" / "instrument.yaml").read_text(encoding="utf-8")
    assert "privacy: {min_n_floor: 5}" in text
    path = tmp_path / "codebook.yaml"
    path.write_text(text, encoding="utf-8")
    time.sleep(SETTLE_SECONDS + 0.1)  # settled: kept
    first = load_instrument(path)
    n_groups = len(first.groups)
    first.groups.clear()  # a caller changing its codebook (a list inside the frozen model) ...
    second = load_instrument(path)
    assert len(second.groups) == n_groups > 0  # ... changes no other one
    assert len(parsed) == 1, "parsed once"
    assert second.model_dump() == load_instrument().model_dump()
    path.write_text(text.replace("privacy: {min_n_floor: 5}", "privacy: {min_n_floor: 6}"), encoding="utf-8")
    assert load_instrument(path).privacy.min_n_floor == 6
    path.write_text("groups: [", encoding="utf-8")
    with pytest.raises(InstrumentError, match="not valid YAML"):
        load_instrument(path)


def test_provenance_hashes_a_changed_file_again(tmp_path):
    data = tmp_path / "processed"
    data.mkdir()
    (data / "relations.parquet").write_bytes(b"one")
    codebook = tmp_path / "codebook.yaml"
    codebook.write_text("x")
    key = "<project>/processed/relations.parquet"
    first = provenance.provenance(data, codebook, root=tmp_path)["sha256"][key]
    with open(data / "relations.parquet", "r+b") as fh:
        fh.write(b"two")
    assert provenance.provenance(data, codebook, root=tmp_path)["sha256"][key] == provenance.sha256(
        data / "relations.parquet") != first
