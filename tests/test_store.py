"""The processed tables as a store keyed by kommune and wave: an import adds, replaces exactly the
kommune-waves it holds, never garbles (one pseudonym key), and changes the store all at once."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

import relkap.io as rio
from relkap import config, pseudonym, synth
from relkap.cli import main
from relkap.errors import InputError
from relkap.io import store
from relkap.params import (
    KommuneParams,
    default_kommune_params,
    kommune_params,
    load_kommune_params,
    write_starting_params,
)

A, B = 766, 336  # Hedensted and Stevns


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("RELKAP_PSEUDONYM_KEY", "test-key")


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> dict[int, Path]:
    """One raw folder per kommune, one file per instrument and wave (as a research team receives them)."""
    root = tmp_path_factory.mktemp("raw")
    data = synth.simulate(n_kommuner=10, seed=1, respondents=25)
    folders = {}
    for kind in ("employees", "citizens", "structures"):
        df = getattr(data, kind)
        for (k, w), part in df[df["kommune"].isin([A, B])].groupby(["kommune", "wave"]):
            folder = root / str(k)
            folder.mkdir(exist_ok=True)
            part.to_csv(folder / f"{kind}_{w}.csv", sep=";", index=False, encoding="cp1252")
            folders[int(k)] = folder
    return folders


def _fingerprints(out: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.glob("*.parquet"))}


def _respondents(tables: rio.Tables) -> dict[tuple[int, str], int]:
    rel = tables.relations
    return {(int(k), str(w)): int(n) for (k, w), n in
            rel.groupby(["kommune", "wave"], observed=True)["respondent_id"].nunique().items()}


def test_import_adds_kommuner_and_replaces_exactly_the_kommune_waves_it_holds(raw, tmp_path, capsys):
    """Issue 12.2: importing one kommune replaced the whole store."""
    out = tmp_path / "processed"
    assert main(["import", str(raw[A]), "--out", str(out)]) == 0
    first = rio.load(out)
    assert main(["import", str(raw[B]), "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert f"{B} Stevns baseline, employees: added, " in "\n".join(lines)
    assert any(ln.startswith("unchanged: 2 kommune-waves of 1 kommune already in the store (766)") for ln in lines)
    both = rio.load(out)
    assert set(both.relations["kommune"]) == {A, B} and set(both.citizens["kommune"]) == {A, B}

    # A's follow-up again, with seven respondents fewer (a corrected export): only that kommune-wave changes
    follow = pd.read_csv(raw[A] / "employees_followup.csv", sep=";", encoding="cp1252", dtype=str)
    again = tmp_path / "employees_followup.csv"
    follow.iloc[:-7].to_csv(again, sep=";", index=False, encoding="utf-8")
    before = len(follow)
    result = rio.import_raw(again, out_dir=out)
    assert [str(c) for c in result.changes] == [
        f"{A} Hedensted followup, employees: replaced, {before} -> {before - 7} respondents"]
    assert sorted(result.unchanged) == sorted([("employees", A, "baseline"), ("employees", B, "baseline"),
                                                ("employees", B, "followup"), ("citizens", A, "baseline"),
                                                ("citizens", A, "followup"), ("citizens", B, "baseline"),
                                                ("citizens", B, "followup"), ("structures", A, "baseline"),
                                                ("structures", A, "followup"), ("structures", B, "baseline"),
                                                ("structures", B, "followup")])
    after = rio.load(out)
    counts = _respondents(after)
    assert counts == {**_respondents(both), (A, "followup"): before - 7}
    for name in rio.TABLES:  # everything but A's employee follow-up is exactly as it was
        old, new = getattr(both, name), getattr(after, name)
        if name in ("relations", "scales"):
            keep = lambda t: t[~((t["kommune"] == A) & (t["wave"] == "followup"))]  # noqa: E731
            old, new = keep(old), keep(new)
        pd.testing.assert_frame_equal(old.reset_index(drop=True), new.reset_index(drop=True))
    # A's baseline pseudonyms are those of the first import: the waves still link
    a_base = lambda t: set(t.relations.loc[(t.relations["kommune"] == A) & (t.relations["wave"] == "baseline"),  # noqa: E731
                                           "respondent_id"])
    assert a_base(after) == a_base(first)
    a_follow = set(after.relations.loc[(after.relations["kommune"] == A) & (after.relations["wave"] == "followup"),
                                       "respondent_id"])
    assert len(a_base(after) & a_follow) > 0
    manifest = store.read_manifest(out)
    assert manifest["sources"][f"employees/{A}/followup"]["files"] == [str(again)]
    assert manifest["sources"][f"employees/{A}/followup"]["respondents"] == before - 7


def test_rebuild_is_explicit_and_says_what_it_removes(raw, tmp_path):
    out = tmp_path / "processed"
    rio.import_raw(raw[A], out_dir=out)
    result = rio.import_raw(raw[B], out_dir=out, rebuild=True)
    assert set(rio.load(out).relations["kommune"]) == {B}
    removed = [str(c) for c in result.changes if c.action == "removed"]
    assert f"{A} Hedensted baseline, employees: removed, " in "\n".join(removed) and not result.unchanged


def test_a_failed_import_leaves_the_store_as_it_was(raw, tmp_path):
    out = tmp_path / "processed"
    rio.import_raw(raw[A], out_dir=out)
    before = _fingerprints(out)
    bad = tmp_path / "bad"
    bad.mkdir()
    emp = pd.read_csv(raw[B] / "employees_baseline.csv", sep=";", encoding="cp1252", dtype=str)
    emp.loc[3, "group"] = "sygehus"
    emp.to_csv(bad / "employees_baseline.csv", sep=";", index=False, encoding="cp1252")
    with pytest.raises(InputError, match="unknown group code 'sygehus'"):
        rio.import_raw(bad, out_dir=out)
    assert _fingerprints(out) == before


_CHILD = """
import os, signal, sys, time
import pandas as pd
import relkap.io as rio

stage, raw, out, flag = sys.argv[1:5]
if stage == "writing":  # killed while the new tables are written, before the commit point
    write = pd.DataFrame.to_parquet
    count = []
    def slow(self, path, *args, **kwargs):
        write(self, path, *args, **kwargs)
        count.append(path)
        if len(count) == 2:
            open(flag, "w").close()
            time.sleep(120)
    pd.DataFrame.to_parquet = slow
else:  # killed after the commit point, with one table moved in and three not
    replace = os.replace
    def moved(src, dst):
        replace(src, dst)
        if str(dst).endswith("relations.parquet") and ".import-" not in str(dst):
            os.kill(os.getpid(), signal.SIGKILL)
    os.replace = moved
rio.import_raw(raw, out_dir=out)
"""


def _killed_import(stage: str, raw_dir: Path, out: Path, tmp_path: Path) -> None:
    flag = tmp_path / "flag"
    env = {**os.environ, "PYTHONPATH": str(config.ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(_CHILD), stage, str(raw_dir), str(out),
                              str(flag)], env=env)
    if stage == "writing":
        deadline = time.time() + 120
        while not flag.exists() and child.poll() is None and time.time() < deadline:
            time.sleep(0.05)
        assert flag.exists(), "the child import did not reach the second table"
        child.send_signal(signal.SIGKILL)
    assert child.wait(timeout=120) == -signal.SIGKILL


def test_an_import_killed_midway_leaves_the_store_unchanged(raw, tmp_path):
    out = tmp_path / "processed"
    rio.import_raw(raw[A], out_dir=out)
    before, tables = _fingerprints(out), rio.load(out)
    _killed_import("writing", raw[B], out, tmp_path)
    assert _fingerprints(out) == before
    after = rio.load(out)
    for name in rio.TABLES:
        pd.testing.assert_frame_equal(getattr(after, name), getattr(tables, name))
    assert list(out.glob(".import-*")), "the killed import's unfinished folder is left behind..."
    rio.import_raw(raw[B], out_dir=out)
    assert not list(out.glob(".import-*")), "...and cleaned up by the next import"
    assert set(rio.load(out).relations["kommune"]) == {A, B}


def test_an_import_killed_after_its_commit_point_is_completed_by_the_next_reader(raw, tmp_path):
    out = tmp_path / "processed"
    rio.import_raw(raw[A], out_dir=out)
    _killed_import("moving", raw[B], out, tmp_path)
    assert store.pending_imports(out), "stopped with relations.parquet moved in and the other tables not"
    t = rio.load(out)  # never a mix: completes the import, then reads
    for name in rio.SURVEY_TABLES:  # (these raw folders have no interviews: codings is empty)
        assert set(getattr(t, name)["kommune"]) == {A, B}, name
    assert not store.pending_imports(out)


def test_another_pseudonym_key_is_refused(raw, tmp_path, monkeypatch):
    """Adding to a store with another key would silently unlink baseline and follow-up."""
    out = tmp_path / "processed"
    rio.import_raw(raw[A], out_dir=out)
    monkeypatch.setenv("RELKAP_PSEUDONYM_KEY", "another-key")
    with pytest.raises(InputError, match="not the one the processed tables were made with"):
        rio.import_raw(raw[B], out_dir=out)
    rio.import_raw(raw[B], out_dir=out, rebuild=True)  # a rebuild with the new key is fine
    assert set(rio.load(out).relations["kommune"]) == {B}


def test_the_first_import_says_it_created_the_key_file(raw, tmp_path, monkeypatch, capsys):
    key_file = tmp_path / ".relkap_key"
    monkeypatch.setattr(pseudonym, "key_file", lambda: key_file)
    monkeypatch.delenv("RELKAP_PSEUDONYM_KEY")
    out = tmp_path / "processed"
    assert main(["import", str(raw[A]), "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert f"note: created the pseudonym key file {key_file}. Keep it" in said and key_file.exists()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert main(["import", str(raw[B]), "--out", str(out)]) == 0
    assert "created the pseudonym key file" not in capsys.readouterr().out
    key_file.unlink()  # lost: refused instead of making a new key that would unlink the waves
    assert main(["import", str(raw[A]), "--out", str(out)]) == 2
    assert "is missing" in capsys.readouterr().err and not key_file.exists()


def test_command_line_paths_are_taken_from_the_current_folder(raw, tmp_path, monkeypatch):
    """Issue 12.5: `relkap import raw_a --out proc_rel` read ./raw_a but wrote into the repository."""
    monkeypatch.chdir(raw[A].parent)
    out = tmp_path / "here"
    out.mkdir()
    monkeypatch.chdir(out)
    os.symlink(raw[A], out / "raw_a")
    assert main(["import", "raw_a", "--out", "proc_rel"]) == 0
    assert (out / "proc_rel" / "relations.parquet").exists()
    assert not (config.ROOT / "proc_rel").exists()


# ------------------------------------------------------------------------------------------------
# Kommune parameters for the kommuner in the data
# ------------------------------------------------------------------------------------------------
def test_defaults_for_a_kommune_without_parameter_file(tmp_path):
    kp = kommune_params(330, tmp_path, groups=["skole", "ppr"])
    assert kp == default_kommune_params(330, ["skole", "ppr"])
    assert (kp.name, kp.arm, kp.targeted_ties, kp.source) == ("Slagelse", "unknown", [], "defaults")
    own = KommuneParams(kommune=330, name="Slagelse", groups=["skole", "ppr"], focal_process="§ 50", arm="control")
    (tmp_path / "330.yaml").write_text(own.model_dump_json(), encoding="utf-8")  # JSON is YAML
    assert kommune_params(330, tmp_path) == own and own.source == "file"
    (tmp_path / "330.yaml").write_text('{"kommune": 330, "name": "S", "groups": ["skole"], "source": "defaults"}',
                                       encoding="utf-8")
    with pytest.raises(Exception, match="key 'source'"):
        load_kommune_params(tmp_path / "330.yaml")


def test_relkap_params_writes_a_starting_file_for_each_kommune_without_one(raw, tmp_path, capsys):
    out, params = tmp_path / "processed", tmp_path / "params"
    rio.import_raw(raw[A], out_dir=out)
    rio.import_raw(raw[B], out_dir=out)
    params.mkdir()
    own = KommuneParams(kommune=A, name="Hedensted", groups=["skole", "ppr"], focal_process="x", arm="control")
    (params / "mine.yaml").write_text(own.model_dump_json(), encoding="utf-8")
    assert main(["params", "--data", str(out), "--out", str(params)]) == 0
    assert capsys.readouterr().out.startswith(f"wrote {params / f'{B}.yaml'}")
    kp = load_kommune_params(params / f"{B}.yaml")
    groups = sorted(set(rio.load(out).relations.query("kommune == @B")["group"].astype(str)))
    assert (kp.name, kp.arm, kp.focal_process, sorted(kp.groups)) == ("Stevns", "unknown", "", groups)
    assert (params / f"{B}.yaml").read_text(encoding="utf-8").startswith("# Parameters of Stevns's report")
    assert write_starting_params(out, params) == []  # never overwrites
    assert main(["params", "--data", str(out), "--out", str(params)]) == 0
    assert "every kommune in" in capsys.readouterr().out


def test_import_names_the_kommuner_without_parameter_file(raw, tmp_path, monkeypatch, capsys):
    params = tmp_path / "params"
    params.mkdir()
    monkeypatch.setattr(config, "KOMMUNE_PARAMS_DIR", params)
    own = KommuneParams(kommune=A, name="Hedensted", groups=["skole", "ppr"], focal_process="x", arm="control")
    (params / f"{A}.yaml").write_text(own.model_dump_json(), encoding="utf-8")
    for k in (A, B):
        assert main(["import", str(raw[k]), "--out", str(tmp_path / "processed")]) == 0
    notes = [ln for ln in capsys.readouterr().out.splitlines() if "no parameter file" in ln]
    assert notes == [f"note: no parameter file in {params} for {B} Stevns: the report uses defaults (the official"
                     " name, arm unknown, no targeted ties); `relkap params` writes a starting file to edit"]
