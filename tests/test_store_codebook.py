"""The store remembers its codebook (issue 20.2): a copy, its hash and the waves and groups it declared; imports
and runs use it by default; a codebook that would change the meaning of stored answers, or that lacks a wave
or group in the data, is refused with one message naming the store, the label and the fix, nothing written."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

import relkap.io as rio
from relkap import batch, config, synth
from relkap.cli import main
from relkap.errors import InputError, RelkapError
from relkap.instrument import load_instrument
from relkap.io.codebook import CODEBOOK_FILE, codebook_hash, store_codebook_path, store_instrument

K = 336  # Stevns


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("RELKAP_PSEUDONYM_KEY", "test-key")


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> Path:
    """Stevns's employees export per wave; 'midtvejs' is the follow-up's answers relabelled as a midway wave."""
    root = tmp_path_factory.mktemp("raw")
    emp = synth.simulate(n_kommuner=10, seed=1, respondents=20).employees
    emp = emp[emp["kommune"] == K]
    for w in ("baseline", "followup"):
        (root / w).mkdir()
        emp[emp["wave"] == w].to_csv(root / w / "employees.csv", sep=";", index=False)
    (root / "midtvejs").mkdir()
    emp[emp["wave"] == "followup"].assign(wave="midtvejs").to_csv(root / "midtvejs" / "employees.csv", sep=";",
                                                                    index=False)
    return root


def _codebook(tmp_path: Path, name: str, waves=None, extra_group: bool = False) -> Path:
    data = yaml.safe_load(config.INSTRUMENT_PATH.read_text(encoding="utf-8"))
    if waves is not None:
        data["waves"] = waves
    if extra_group:
        data["groups"].append({"code": "familiehus", "da": "Familiehus", "en": "Family house"})
    p = tmp_path / name
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return p


THREE = [{"code": "baseline", "da": "Førmåling", "en": "Baseline"},
         {"code": "midtvejs", "da": "Midtvejsmåling", "en": "Midway", "date": "2026-03"},
         {"code": "followup", "da": "Eftermåling", "en": "Follow-up"}]


def _bytes(out: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir()) if p.is_file()}


def test_the_store_records_its_codebook_and_uses_it_by_default(raw, tmp_path):
    out = tmp_path / "store"
    rio.import_raw(raw / "baseline", out)
    rio.import_raw(raw / "followup", out)
    manifest = json.loads((out / rio.STORE_FILE).read_text(encoding="utf-8"))
    rk = load_instrument()
    assert manifest["codebook"] == {"name": "rk", "sha256": codebook_hash(rk), "file": CODEBOOK_FILE,
                                    "waves": ["baseline", "followup"], "groups": rk.group_codes}
    assert load_instrument(out / CODEBOOK_FILE) == rk  # the copy is the codebook itself
    # the old two-wave form of the same codebook has the same hash
    old_form = _codebook(tmp_path, "old.yaml", {"baseline": "baseline", "followup": "followup"})
    assert codebook_hash(load_instrument(old_form)) == codebook_hash(rk)

    # a three-wave codebook adds the midway wave in its place in time; later runs use it without being told
    three = _codebook(tmp_path, "three.yaml", THREE)
    rio.import_raw(raw / "midtvejs", out, instrument=three)
    assert store_codebook_path(out) == out / CODEBOOK_FILE
    assert store_instrument(out).waves.codes == ["baseline", "midtvejs", "followup"]
    rel = rio.load(out).relations
    assert list(rel["wave"].cat.categories) == ["baseline", "midtvejs", "followup"]
    assert set(rel["wave"]) == {"baseline", "midtvejs", "followup"}
    again = tmp_path / "again"
    (again).mkdir()
    pd.read_csv(raw / "midtvejs" / "employees.csv", sep=";").to_csv(again / "employees.csv", sep=";", index=False)
    rio.import_raw(again, out)  # no --instrument: the store's three-wave codebook accepts 'midtvejs'
    assert store_instrument(out).waves.name("midtvejs", "en") == "Midway"


def test_a_codebook_that_changes_the_stored_meaning_is_refused(raw, tmp_path, capsys):
    """Issue 20: 'waves: {baseline: baseline, followup: midtvejs}' imported midway files into a two-wave store."""
    out = tmp_path / "store"
    rio.import_raw(raw / "baseline", out)
    rio.import_raw(raw / "followup", out)
    before = _bytes(out)
    side_door = _codebook(tmp_path, "side.yaml", {"baseline": "baseline", "followup": "midtvejs"})
    with pytest.raises(InputError) as err:
        rio.import_raw(raw / "midtvejs", out, instrument=side_door)
    msg = str(err.value)
    assert msg.startswith(str(out)) and "side.yaml" in msg
    assert "the store holds wave 'followup', which the codebook does not declare" in msg
    assert "--rebuild" in msg and "\n" not in msg
    reordered = _codebook(tmp_path, "reordered.yaml", [THREE[2], THREE[1], THREE[0]])
    with pytest.raises(InputError, match="orders the stored waves followup, baseline; the store has them as"
                                         " baseline, followup"):
        rio.import_raw(raw / "midtvejs", out, instrument=reordered)
    assert _bytes(out) == before  # nothing written
    assert main(["import", str(raw / "midtvejs"), "--out", str(out), "--instrument", str(side_door)]) == 2
    err_text = capsys.readouterr().err
    assert err_text.count("\n") == 1 and "Traceback" not in err_text
    # a rebuild with the new codebook is the way to change the meaning on purpose
    rio.import_raw(raw / "midtvejs", out, instrument=side_door, rebuild=True)
    assert store_instrument(out).waves.codes == ["baseline", "midtvejs"]


def test_a_run_whose_codebook_lacks_a_group_in_the_data_says_so_before_it_starts(raw, tmp_path):
    """Issue 20: a store with 'familiehus' and a batch without --instrument failed as a bare ValueError."""
    out, reports = tmp_path / "store", tmp_path / "reports"
    emp = pd.read_csv(raw / "baseline" / "employees.csv", sep=";")
    emp.loc[emp.index[:6], "group"] = "familiehus"
    folder = tmp_path / "raw"
    folder.mkdir()
    emp.to_csv(folder / "employees.csv", sep=";", index=False)
    rio.import_raw(folder, out, instrument=_codebook(tmp_path, "extra.yaml", extra_group=True))
    with pytest.raises(RelkapError) as err:
        batch.run_batch(data_dir=out, out_root=reports, instrument=config.INSTRUMENT_PATH, progress=False)
    msg = str(err.value)
    assert msg.startswith(str(out)) and "group 'familiehus'" in msg and "Nothing was run" in msg
    assert "leave out --instrument" in msg
    assert not reports.exists()
