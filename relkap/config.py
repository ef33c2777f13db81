"""Where things live: the project root and its data, params and reports folders.

Everything is resolved from this file's location, never from the current directory, so a notebook run by
papermill from anywhere finds the same folders. ``RELKAP_ROOT`` overrides the root (a test or a deployment
that keeps its data elsewhere).
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
    "PARAMS_DIR",
    "KOMMUNE_PARAMS_DIR",
    "REPORTS_DIR",
    "NOTEBOOKS_DIR",
    "INSTRUMENT_PATH",
    "resolve",
]

ROOT = Path(os.environ.get("RELKAP_ROOT", Path(__file__).resolve().parent.parent)).resolve()
DATA_DIR = ROOT / "data"
RAW_DIR = DATA_DIR / "raw"
PROCESSED_DIR = DATA_DIR / "processed"
PARAMS_DIR = ROOT / "params"
KOMMUNE_PARAMS_DIR = PARAMS_DIR / "kommuner"
REPORTS_DIR = ROOT / "reports"
NOTEBOOKS_DIR = ROOT / "notebooks"
INSTRUMENT_PATH = PARAMS_DIR / "instrument.yaml"


def resolve(path: str | os.PathLike | None, default: Path) -> Path:
    """Absolute path for ``path``; relative paths are taken from the project root, ``None`` gives ``default``."""
    if path is None or str(path) == "":
        return default
    p = Path(path).expanduser()
    return p if p.is_absolute() else (ROOT / p).resolve()


MIN_N = 5  # default disclosure threshold: cells with fewer respondents are hidden
ALPHA = 0.05  # significance level of every test and verdict
