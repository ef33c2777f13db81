"""Where things live: the project root and its data, params and reports folders.

The defaults are resolved from this file's location, never from the current directory, so a notebook run by
papermill from anywhere finds the same folders. ``RELKAP_ROOT`` overrides the root (a test or a deployment
that keeps its data elsewhere). A path a user gives (:func:`resolve`) is taken from the current folder, as
every command takes it.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "MIN_N",
    "ALPHA",
    "ROOT",
    "DATA_DIR",
    "RAW_DIR",
    "PROCESSED_DIR",
    "DEMO_DIR",
    "PARAMS_DIR",
    "KOMMUNE_PARAMS_DIR",
    "REPORTS_DIR",
    "NOTEBOOKS_DIR",
    "INSTRUMENT_PATH",
    "resolve",
    "MIN_N",
    "ALPHA",
]

ROOT = Path(os.environ.get("RELKAP_ROOT", Path(__file__).resolve().parent.parent)).resolve()
DATA_DIR = ROOT / "data"
RAW_DIR = DATA_DIR / "raw"
PROCESSED_DIR = DATA_DIR / "processed"
DEMO_DIR = DATA_DIR / "demo"  # `make demo`: its raw files (raw/) and its own store (processed/), apart from a team's
PARAMS_DIR = ROOT / "params"
KOMMUNE_PARAMS_DIR = PARAMS_DIR / "kommuner"
REPORTS_DIR = ROOT / "reports"
NOTEBOOKS_DIR = ROOT / "notebooks"
INSTRUMENT_PATH = PARAMS_DIR / "instrument.yaml"


def resolve(path: str | os.PathLike | None, default: Path) -> Path:
    """Absolute path for a path a user gives; ``None`` (or ``""``) gives ``default``.

    A relative path is taken from the current folder, as the command line takes it (``relkap.load("processed")``
    in a folder that holds ``processed/`` reads that one). Only when it does not exist there but does in the
    project is it the project's: a notebook's kernel runs in ``notebooks/``, and ``data/processed`` typed there
    still means the project's tables.
    """
    if path is None or str(path) == "":
        return default
    p = Path(path).expanduser()
    if p.is_absolute():
        return p
    here = p.resolve()
    if not here.exists() and (ROOT / p).exists():
        return (ROOT / p).resolve()
    return here


MIN_N = 5  # default disclosure threshold: cells with fewer respondents are hidden
ALPHA = 0.05  # significance level of every test and verdict
