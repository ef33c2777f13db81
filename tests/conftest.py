"""Fixtures shared by the test modules: synthetic projects made once per session and reused.

``demo_project(n_kommuner, seed, respondents=None)`` writes the synthetic raw files of
:func:`relkap.synth.write_demo` (with the kommune parameter files) and imports them, once per set of
arguments in a test session, and returns the folders. Tests must not modify what it returns: copy first.

``demo_reports`` runs the kommune report notebook through :func:`relkap.batch.run_batch` once per session on
the demo (``demo_project(10, 1)``) for :data:`REPORT_CODES` and a kommune whose data are missing; the report
tests (tests/test_report.py) and the browser tests (tests/test_browser.py) read the same reports. Only
tests/test_report.py's --resume and PDF tests write into it (Stevns's folder, 336, never Hedensted's).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")
# One pseudonymisation key for the whole session, so no test writes a key file into the repository.
os.environ.setdefault("RELKAP_PSEUDONYM_KEY", "test-key")


@dataclass(frozen=True)
class Project:
    """A synthetic project: ``raw`` files, the imported ``data`` tables and the kommune ``params``."""

    root: Path
    raw: Path
    data: Path
    params: Path


@pytest.fixture(scope="session")
def demo_project(tmp_path_factory):
    from relkap import synth
    from relkap.io import import_raw

    made: dict[tuple, Project] = {}

    def make(n_kommuner: int = 10, seed: int = 1, respondents: int | None = None) -> Project:
        key = (n_kommuner, seed, respondents)
        if key not in made:
            root = tmp_path_factory.mktemp(f"demo-{n_kommuner}-{seed}-{respondents}")
            demo = root / "data" / "demo"  # as `make demo` lays it out: the demo's raw files and its own store
            p = Project(root, demo / "raw", demo / "processed", root / "params")
            synth.write_demo(p.raw, n_kommuner=n_kommuner, seed=seed, respondents=respondents,
                             params_dir=p.params)
            import_raw(p.raw, out_dir=p.data)
            made[key] = p
        return made[key]

    return make


REPORT_CODES = (766, 336)  # Hedensted (control) and Stevns (intervention), two of the demo's kommuner
BROKEN = 101  # København: a parameter file without data, which must fail alone


@pytest.fixture(scope="session")
def demo_reports(demo_project, tmp_path_factory) -> dict:
    """The batch's reports of the demo: ``{"root", "data", "params", "out", "results", "codes"}`` (module doc).

    ``params`` is a folder of its own with the parameter files of :data:`REPORT_CODES` (copied from the demo)
    and of the broken kommune; ``data`` is the demo's store (read only)."""
    # deferred: relkap.batch loads papermill and nbconvert (seconds), which most test modules never need
    from relkap import batch
    from relkap.params import KommuneParams, dump_kommune_params

    demo = demo_project(10, 1)
    root = tmp_path_factory.mktemp("demo-reports")
    params = root / "params"
    params.mkdir()
    for code in REPORT_CODES:
        shutil.copy2(demo.params / f"{code}.yaml", params / f"{code}.yaml")
    broken = KommuneParams(kommune=BROKEN, name="København", groups=["skole", "ppr"], focal_process="x",
                           arm="control")
    (params / f"{BROKEN}.yaml").write_text(dump_kommune_params(broken), encoding="utf-8")
    out = root / "reports"
    results = batch.run_batch(params_dir=params, data_dir=demo.data, out_root=out, workers=2, progress=False)
    return {"root": demo.root, "data": demo.data, "params": params, "out": out, "results": results,
            "codes": REPORT_CODES}
