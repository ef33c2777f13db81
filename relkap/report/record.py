"""What a report records about itself: ``summary.json`` (its headline numbers) and its provenance.

``summary.json`` is the machine-readable twin of a kommune report (schema in the README): the numbers of
:mod:`relkap.report.tables`, with every suppressed value and every count below ``min_n`` null, and no
respondent id or row-level data.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pandas as pd

from .. import provenance as _provenance
from ..files import json_value, write_json
from ..fmt import number
from ..instrument import Instrument
from ..privacy import mask_small_counts
from ..words import Language, text
from .tables import CITIZENS

__all__ = ["SUMMARY_SCHEMA", "SUMMARY_FIELDS", "summary", "write_summary", "provenance", "provenance_table"]

# 2: counts below min_n are null; 3: arm, targeted ties, response rates, key points (relkap.report.briefing.summary_extra,
# whose SUMMARY_SCHEMA is the same number: a test checks), provenance, parameters with relative paths, numbers
# computed without the hidden cells
SUMMARY_SCHEMA = 3
# The fields of every wave comparison in summary.json (rk_index, dimensions, ties, scales).
SUMMARY_FIELDS = ["n_baseline", "n_followup", "mean_baseline", "mean_followup", "diff", "diff_ci_low",
                  "diff_ci_high", "hedges", "hedges_ci_low", "hedges_ci_high", "p_val", "p_fdr", "p_holm",
                  "mdc", "suppressed"]
_DIGITS = 6  # summary.json rounds its numbers to 6 decimals


def _records(df: pd.DataFrame, keep: list[str]) -> list[dict]:
    cols = [c for c in keep if c in df.columns]
    return [{c: json_value(v, _DIGITS) for c, v in zip(cols, row, strict=True)}
            for row in df[cols].itertuples(index=False)]


def summary(kommune: int, name: str, instrument: Instrument, overview: pd.DataFrame, rk: pd.DataFrame,
            ties: pd.DataFrame, scales: pd.DataFrame, bench: pd.DataFrame, min_n: int,
            parameters: dict | None = None, extra: dict | None = None, provenance: dict | None = None) -> dict:
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
        The report's parameters (paths made relative to the project: :func:`relkap.provenance.relative`).
    extra : dict, optional
        The briefing's fields (:func:`relkap.report.briefing.summary_extra`: arm, focal process, targeted ties and
        their comparison, response rates, key points).
    provenance : dict, optional
        :func:`relkap.provenance.provenance` of the run.

    Returns
    -------
    dict
        ``schema, kommune, name, waves, has_followup, min_n, respondents, rk_index, dimensions, ties,
        scales, benchmark, parameters``, the ``extra`` fields and ``provenance``; numbers rounded to 6
        decimals, NaN as ``None``. Pass tables computed from :func:`relkap.report.shared_tables`: the
        respondents per wave are then those of the shown groups.

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
        "parameters": {k: json_value(_relative(v), _DIGITS) for k, v in (parameters or {}).items()},
        **{k: v for k, v in (extra or {}).items() if k != "schema"},
        "provenance": provenance,
    }


def _relative(value: object) -> object:
    """A path parameter relative to the project (no local folder names in summary.json); others as they are."""
    if isinstance(value, os.PathLike) or (isinstance(value, str) and os.path.isabs(value)):
        return _provenance.relative(value)
    return value


def write_summary(path: str | os.PathLike, data: dict) -> Path:
    """Write ``summary.json`` atomically (UTF-8, Danish letters kept): :func:`relkap.files.write_json`."""
    return write_json(path, data)


def provenance_table(prov: dict, language: Language = "da", seconds: float | None = None):
    """:func:`relkap.provenance.provenance` for reading: a two-column table (item, value), index hidden.

    Git commit (or "not a git checkout") and uncommitted changes, the run's date and time (ISO 8601), the
    versions, the parameters (relative paths), the full SHA-256 of each input file and, when given, the run
    time in seconds.
    """
    def row(key: str, value: object, **fields: object) -> tuple[str, str]:
        return text(f"report.provenance_{key}", language, **fields), str(value)

    git = prov.get("git", {})
    rows = [row("commit", git.get("commit", _provenance.NOT_GIT))]
    if git.get("dirty") is not None:
        rows.append(row("dirty", text("report.provenance_yes" if git["dirty"] else "report.provenance_no",
                                      language)))
    rows.append(row("run", prov.get("run", "")))
    for pkg, v in prov.get("versions", {}).items():
        rows.append(row("python", v) if pkg == "python" else
                    row("version", text("report.provenance_not_installed", language) if v == "not installed"
                        else v, package=pkg))
    rows += [row("parameter", v, name=k) for k, v in prov.get("parameters", {}).items()]
    rows += [row("checksum", h, file=f) for f, h in prov.get("sha256", {}).items()]
    if seconds is not None:
        rows.append(row("run_time", number(seconds, 1, language)))
    columns = [text("report.provenance_item", language), text("report.provenance_value", language)]
    return pd.DataFrame(rows, columns=columns).style.hide(axis="index")


def provenance(data_dir: str | os.PathLike, instrument_path: str | os.PathLike, parameters: dict,
               started: float, language: Language = "da", params_file: str | os.PathLike | None = None):
    """:func:`relkap.provenance.provenance` of a run as the table :func:`provenance_table` shows.

    ``started`` is ``time.time()`` when the notebook started (for the run time).
    """
    prov = _provenance.provenance(data_dir, instrument_path, params_file=params_file, parameters=parameters)
    return provenance_table(prov, language, time.time() - started)
