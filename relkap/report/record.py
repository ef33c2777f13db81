"""What a report records about itself: ``summary.json`` (its headline numbers) and its provenance.

``summary.json`` is the machine-readable twin of a kommune report (schema in the README): the numbers of
:mod:`relkap.report.tables`, with every suppressed value and every count below ``min_n`` null, and no
respondent id or row-level data.
"""

from __future__ import annotations

import hashlib
import os
import platform
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd

from ..files import json_value, write_json
from ..fmt import number
from ..instrument import Instrument
from ..privacy import mask_small_counts
from ..words import Language, text
from .tables import CITIZENS

__all__ = ["SUMMARY_SCHEMA", "SUMMARY_FIELDS", "summary", "write_summary", "file_hash", "provenance"]

SUMMARY_SCHEMA = 2  # 2: counts below min_n are null (1 wrote them)
# The fields of every wave comparison in summary.json (rk_index, dimensions, ties, scales).
SUMMARY_FIELDS = ["n_baseline", "n_followup", "mean_baseline", "mean_followup", "diff", "diff_ci_low",
                  "diff_ci_high", "hedges", "hedges_ci_low", "hedges_ci_high", "p_val", "p_fdr", "p_holm",
                  "suppressed"]
_DIGITS = 6  # summary.json rounds its numbers to 6 decimals
_PACKAGES = ("relkap", "pandas", "numpy", "scipy", "pingouin", "statsmodels", "networkx", "matplotlib",
             "seaborn", "papermill", "nbconvert")
_PATH_PARAMETERS = ("data_dir", "out_dir", "instrument", "params_dir")  # shown by file name only


def _records(df: pd.DataFrame, keep: list[str]) -> list[dict]:
    cols = [c for c in keep if c in df.columns]
    return [{c: json_value(v, _DIGITS) for c, v in zip(cols, row, strict=True)}
            for row in df[cols].itertuples(index=False)]


def summary(kommune: int, name: str, instrument: Instrument, overview: pd.DataFrame, rk: pd.DataFrame,
            ties: pd.DataFrame, scales: pd.DataFrame, bench: pd.DataFrame, min_n: int,
            parameters: dict | None = None) -> dict:
    """The headline numbers of one report as plain JSON-ready data (schema in the README).

    Parameters
    ----------
    kommune, name : int, str
        The kommune's code and name.
    instrument : Instrument
        The codebook (wave labels).
    overview, rk, ties, scales, bench : pandas.DataFrame
        :func:`~relkap.report.tables.response_overview`, :func:`~relkap.report.tables.rk_change`,
        :func:`~relkap.report.tables.tie_change`, :func:`~relkap.report.tables.scale_change` and
        :func:`~relkap.report.tables.benchmark` of the kommune.
    min_n : int
        Counts below it become ``None`` (:func:`relkap.privacy.mask_small_counts`).
    parameters : dict, optional
        The report's parameters, recorded as they are.

    Returns
    -------
    dict
        ``schema, kommune, name, waves, has_followup, min_n, respondents, rk_index, dimensions, ties,
        scales, benchmark, parameters``; numbers rounded to 6 decimals, NaN as ``None``.

    Examples
    --------
    >>> import pandas as pd
    >>> from relkap import load_instrument
    >>> overview = pd.DataFrame({"group": ["skole", "skole"], "wave": ["baseline", "followup"], "n": [12, 3]})
    >>> empty = pd.DataFrame()
    >>> s = summary(766, "Hedensted", load_instrument(), overview, pd.DataFrame({"dimension": []}), empty,
    ...             empty, empty, min_n=5)
    >>> s["respondents"], s["has_followup"], s["rk_index"]
    ({'baseline': 12, 'followup': 3}, True, None)
    """
    b, f = instrument.waves.baseline, instrument.waves.followup
    rk_row = mask_small_counts(rk[rk["dimension"] == "rk"], min_n)
    index = _records(rk_row, SUMMARY_FIELDS)[0] if len(rk_row) else None
    employees = overview[overview["group"] != CITIZENS]
    n_by_wave = {w: int(employees.loc[employees["wave"] == w, "n"].sum()) for w in (b, f)}
    return {
        "schema": SUMMARY_SCHEMA,
        "kommune": int(kommune),
        "name": name,
        "waves": {"baseline": b, "followup": f},
        "has_followup": n_by_wave[f] > 0,
        "min_n": int(min_n),
        "respondents": n_by_wave,
        "rk_index": index,
        "dimensions": _records(mask_small_counts(rk, min_n), ["dimension", *SUMMARY_FIELDS]),
        "ties": _records(mask_small_counts(ties, min_n), ["group", "target", "diagonal", *SUMMARY_FIELDS]),
        "scales": _records(mask_small_counts(scales, min_n), ["instrument", "scale", *SUMMARY_FIELDS]),
        "benchmark": _records(bench, list(bench.columns)),
        "parameters": {k: json_value(v, _DIGITS) for k, v in (parameters or {}).items()},
    }


def write_summary(path: str | os.PathLike, data: dict) -> Path:
    """Write ``summary.json`` atomically (UTF-8, Danish letters kept): :func:`relkap.files.write_json`."""
    return write_json(path, data)


def file_hash(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's bytes, hex, cut to its first 16 characters (enough to tell versions apart).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> _ = p.write_bytes(b"relkap")
    >>> file_hash(p)
    '55e73a1775f711da'
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def provenance(data_dir: str | os.PathLike, instrument_path: str | os.PathLike, parameters: dict,
               started: float, language: Language = "da"):
    """Versions, parameters, data file hashes and run time of a report, as a two-column table to display.

    Parameters
    ----------
    data_dir : path
        The processed data folder: each ``*.parquet`` file gets its :func:`file_hash`.
    instrument_path : path
        The codebook file (hashed too when it exists).
    parameters : dict
        The report's parameters; paths are shown by their last part only.
    started : float
        ``time.time()`` when the report started (for the run time).
    language : {"da", "en"}
        The language of the row names and headers (catalogue section ``report``).

    Returns
    -------
    pandas.io.formats.style.Styler
        Columns "item" and "value" (headers in ``language``), index hidden.
    """
    def row(key: str, value: object, **fields: object) -> tuple[str, str]:
        return text(f"report.provenance_{key}", language, **fields), str(value)

    rows = []
    for pkg in _PACKAGES:
        try:
            rows.append(row("version", version(pkg), package=pkg))
        except PackageNotFoundError:
            rows.append(row("version", text("report.provenance_not_installed", language), package=pkg))
    rows.append(row("python", platform.python_version()))
    for k, v in parameters.items():
        rows.append(row("parameter", (Path(str(v)).name or str(v)) if k in _PATH_PARAMETERS else v, name=k))
    files = sorted(Path(data_dir).glob("*.parquet"))
    if Path(instrument_path).exists():
        files.append(Path(instrument_path))
    rows += [row("checksum", file_hash(f), file=f.name) for f in files]
    rows.append(row("run_time", number(time.time() - started, 1, language)))
    columns = [text("report.provenance_item", language), text("report.provenance_value", language)]
    return pd.DataFrame(rows, columns=columns).style.hide(axis="index")
