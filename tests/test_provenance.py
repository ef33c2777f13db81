"""relkap.provenance: commit, run time, full SHA-256 of the inputs, versions; no absolute local paths."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import subprocess

import relkap
from relkap import provenance as prov


def _project(tmp_path):
    root = tmp_path / "proj"
    (root / "data" / "processed").mkdir(parents=True)
    (root / "params" / "kommuner").mkdir(parents=True)
    (root / "data" / "processed" / "relations.parquet").write_bytes(b"rel")
    (root / "data" / "processed" / "scales.parquet").write_bytes(b"sc")
    (root / "params" / "instrument.yaml").write_text("items: []\n")
    (root / "params" / "kommuner" / "766.yaml").write_text("name: Hedensted\n")
    (root / "requirements.lock").write_text("pandas==3.0.0\n")
    return root


def test_hashes_are_full_sha256_of_every_input_with_relative_paths(tmp_path):
    root = _project(tmp_path)
    outside = tmp_path / "elsewhere" / "instrument_rc7.yaml"
    outside.parent.mkdir()
    outside.write_text("x: 1\n")
    p = prov.provenance(root / "data" / "processed", outside, root / "params" / "kommuner" / "766.yaml",
                        {"kommune": 766, "data_dir": root / "data" / "processed", "instrument": str(outside),
                         "min_n": 5, "language": "da"}, root=root)
    assert set(p["sha256"]) == {"<project>/data/processed/relations.parquet", "<project>/data/processed/scales.parquet",
                                "<outside>/instrument_rc7.yaml", "<project>/params/kommuner/766.yaml",
                                "<project>/requirements.lock"}
    assert p["sha256"]["<project>/data/processed/relations.parquet"] == hashlib.sha256(b"rel").hexdigest()
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in p["sha256"].values())
    assert p["parameters"] == {"kommune": 766, "data_dir": "<project>/data/processed",
                               "instrument": "<outside>/instrument_rc7.yaml", "min_n": 5, "language": "da"}
    assert str(tmp_path) not in json.dumps(p)  # no absolute local path anywhere


def test_git_commit_or_not_a_checkout_run_time_and_versions(tmp_path):
    root = _project(tmp_path)
    when = dt.datetime(2026, 3, 14, 10, 2, 11, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    p = prov.provenance(root / "data" / "processed", root / "params" / "instrument.yaml", root=root, now=when)
    assert p["git"] == {"commit": prov.NOT_GIT, "dirty": None}
    assert dt.datetime.fromisoformat(p["run"]) == when and p["run"].endswith("+01:00")
    assert re.fullmatch(r"\d+\.\d+.*", p["versions"]["relkap"]) and p["versions"]["python"].startswith("3.")
    assert {"python", "pandas", "numpy", "scipy", "statsmodels", "pingouin", "matplotlib"} <= set(p["versions"])
    # a git checkout: its commit, and whether tracked files have changed
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"],
                   check=True)
    head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    p = prov.provenance(root / "data" / "processed", root / "params" / "instrument.yaml", root=root)
    assert p["git"] == {"commit": head, "dirty": False, "uncommitted_inputs": []}
    (root / "params" / "instrument.yaml").write_text("items: [changed]\n")
    assert prov.provenance(root / "data" / "processed", root / "params" / "instrument.yaml",
                           root=root)["git"]["dirty"] is True
    assert dt.datetime.fromisoformat(p["run"]).tzinfo is not None


def test_relative(tmp_path, monkeypatch):
    """Inside the project: relative to it and marked; outside: the name only, marked as outside. A relative path
    is taken from the current folder, like every path a user gives (issue 25: 'data_dir: processed')."""
    assert prov.relative(relkap.config.ROOT / "data" / "processed") == "<project>/data/processed"
    assert prov.relative(relkap.config.ROOT) == "<project>"
    assert prov.relative("/somewhere/else/766.yaml") == "<outside>/766.yaml"
    assert prov.relative("params/instrument.yaml") == "<project>/params/instrument.yaml"  # from the root folder
    monkeypatch.chdir(tmp_path)
    (tmp_path / "processed").mkdir()
    assert prov.relative("processed") == "<outside>/processed"  # the current folder's, not the project's
    assert prov.relative("params/instrument.yaml") == "<project>/params/instrument.yaml"  # only the project has it
    p = prov.provenance(tmp_path / "processed", relkap.config.INSTRUMENT_PATH,
                        parameters={"data_dir": "processed", "language": "da", "kommune": 766})
    assert p["parameters"] == {"data_dir": "<outside>/processed", "language": "da", "kommune": 766}


def test_dirty_when_an_input_is_untracked_or_modified(tmp_path):
    """A run with a parameter file git does not have (or has changed) is not the commit's run: dirty, and
    which input. Ignored files (the processed data) are data, identified by their SHA-256."""
    root = _project(tmp_path)
    (root / ".gitignore").write_text("data/\n")
    git = ["git", "-C", str(root)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", ".gitignore", "params/instrument.yaml", "requirements.lock"], check=True)
    subprocess.run([*git, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"], check=True)
    data, instrument = root / "data" / "processed", root / "params" / "instrument.yaml"
    params_file = root / "params" / "kommuner" / "766.yaml"
    assert prov.provenance(data, instrument, root=root)["git"]["dirty"] is False  # untracked, but not an input
    p = prov.provenance(data, instrument, params_file, root=root)
    assert p["git"]["dirty"] is True and p["git"]["uncommitted_inputs"] == ["params/kommuner/766.yaml"]
    subprocess.run([*git, "add", "params/kommuner/766.yaml"], check=True)
    subprocess.run([*git, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "y"], check=True)
    committed = prov.provenance(data, instrument, params_file, root=root)["git"]
    assert committed["dirty"] is False and committed["uncommitted_inputs"] == []
    params_file.write_text("name: Hedensted kommune\n")
    p = prov.provenance(data, instrument, params_file, root=root)
    assert p["git"]["dirty"] is True and p["git"]["uncommitted_inputs"] == ["params/kommuner/766.yaml"]
