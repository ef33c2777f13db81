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
    assert set(p["sha256"]) == {"data/processed/relations.parquet", "data/processed/scales.parquet",
                                "instrument_rc7.yaml", "params/kommuner/766.yaml", "requirements.lock"}
    assert p["sha256"]["data/processed/relations.parquet"] == hashlib.sha256(b"rel").hexdigest()
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in p["sha256"].values())
    assert p["parameters"] == {"kommune": 766, "data_dir": "data/processed", "instrument": "instrument_rc7.yaml",
                               "min_n": 5, "language": "da"}
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
    assert p["git"] == {"commit": head, "dirty": False}
    (root / "params" / "instrument.yaml").write_text("items: [changed]\n")
    assert prov.provenance(root / "data" / "processed", root / "params" / "instrument.yaml",
                           root=root)["git"]["dirty"] is True
    assert dt.datetime.fromisoformat(p["run"]).tzinfo is not None


def test_relative():
    assert prov.relative(relkap.config.ROOT / "data" / "processed") == "data/processed"
    assert prov.relative("/somewhere/else/766.yaml") == "766.yaml"
    assert prov.relative("params/instrument.yaml") == "params/instrument.yaml"  # relative to the root
