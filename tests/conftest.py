"""Fixtures shared by the test modules: synthetic projects made once per session and reused.

``demo_project(n_kommuner, seed, respondents=None)`` writes the synthetic raw files of
:func:`relkap.synth.write_demo` (with the kommune parameter files) and imports them, once per set of
arguments in a test session, and returns the folders. Tests must not modify what it returns: copy first.
"""

from __future__ import annotations

import os
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
