"""What a report records about itself: ``summary.json`` (its headline numbers) and its provenance.

``summary.json`` is the machine-readable twin of a kommune report (schema in the README): the numbers of
:mod:`relkap.report.tables`, with every suppressed value and every count below ``min_n`` null, and no
respondent id or row-level data.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import config
from .. import provenance as _provenance
from ..files import json_value, write_json
from ..fmt import number
from ..instrument import Instrument, Waves, load_instrument
from ..io.codebook import store_codebook_path
from ..params import KommuneParams, kommune_params
from ..privacy import mask_small_counts
from ..words import Language, text
from .model import KommuneReport
from .response import TOTAL
from .tables import CITIZENS

__all__ = ["SUMMARY_SCHEMA", "SUMMARY_FIELDS", "Inputs", "inputs", "summary", "write_summary", "provenance",
           "provenance_table"]

# 2: counts below min_n are null; 3: arm, targeted ties, response rates, key points, provenance, parameters with
# relative paths, numbers computed without the hidden cells; 4: waves as an ordered list (code, names, date),
# per-wave values, comparisons naming the two waves they compare, linked respondents
SUMMARY_SCHEMA = 4
# The fields of every wave comparison in summary.json (rk_index, dimensions, ties, scales).
SUMMARY_FIELDS = ["n_baseline", "n_followup", "mean_baseline", "mean_followup", "diff", "diff_ci_low",
                  "diff_ci_high", "hedges", "hedges_ci_low", "hedges_ci_high", "p_val", "p_fdr", "p_holm",
                  "mdc", "suppressed"]
_DIGITS = 6  # summary.json rounds its numbers to 6 decimals


@dataclass(frozen=True)
class Inputs:
    """What one report is made from: resolved paths, the codebook chosen once, the kommune's parameters,
    and the run's parameters as ``summary.json`` and the provenance table record them."""

    kommune: int
    data_dir: Path
    out_dir: Path
    instrument_path: Path
    instrument: Instrument
    params_dir: Path
    params: KommuneParams
    parameters: dict

    @property
    def params_file(self) -> Path | None:
        """The kommune's parameter file, or None when it has none (defaults)."""
        return self.params_dir / f"{self.kommune}.yaml" if self.params.source == "file" else None

    def provenance(self) -> dict:
        """:func:`relkap.provenance.provenance` of the run: data, codebook and parameter file."""
        return _provenance.provenance(self.data_dir, self.instrument_path, params_file=self.params_file,
                                      parameters=self.parameters)


def inputs(kommune: int, *, data_dir: str | os.PathLike = "", out_dir: str | os.PathLike = "",
           instrument: str | os.PathLike = "", params_dir: str | os.PathLike = "", baseline: str = "",
           followup: str = "", min_n: int = config.MIN_N, language: Language = "da") -> Inputs:
    """The report notebook's parameters resolved (empty: the project's defaults) and the codebook loaded.

    ``baseline``/``followup`` replace the codebook's wave labels (empty: keep them). The output folder is
    created (default ``reports/hand/<kommune>``).
    """
    kommune = int(kommune)
    data_path = config.resolve(data_dir or None, config.PROCESSED_DIR)
    instrument_path = store_codebook_path(data_path, instrument or None)  # default: the store's own codebook
    inst = load_instrument(instrument_path)
    if baseline or followup:  # the first and the latest wave's labels replaced
        waves = [w.model_dump() for w in inst.waves]
        waves[0]["code"] = baseline or waves[0]["code"]
        waves[-1]["code"] = followup or waves[-1]["code"]
        inst = inst.model_copy(update={"waves": Waves.model_validate(waves)})
    out_path = config.resolve(out_dir or None, config.REPORTS_DIR / "hand" / str(kommune))
    out_path.mkdir(parents=True, exist_ok=True)
    params_path = config.resolve(params_dir or None, config.KOMMUNE_PARAMS_DIR)
    parameters = {"kommune": kommune, "data_dir": data_path, "instrument": instrument_path,
                  "params_dir": params_path, "baseline": inst.waves.baseline, "followup": inst.waves.followup,
                  "min_n": min_n, "language": language}
    return Inputs(kommune=kommune, data_dir=data_path, out_dir=out_path, instrument_path=instrument_path,
                  instrument=inst, params_dir=params_path, params=kommune_params(kommune, params_dir or None),
                  parameters=parameters)


def _records(df: pd.DataFrame, keep: list[str]) -> list[dict]:
    cols = [c for c in keep if c in df.columns]
    if not cols:
        return [{} for _ in range(len(df))]
    values = [df[c].tolist() for c in cols]  # column by column (itertuples costs more per row)
    return [{c: json_value(v, _DIGITS) for c, v in zip(cols, row, strict=True)} for row in zip(*values, strict=True)]


def summary(report: KommuneReport, parameters: dict | None = None, provenance: dict | None = None) -> dict:
    """The headline numbers of one report as plain JSON-ready data (schema :data:`SUMMARY_SCHEMA`, README).

    Parameters
    ----------
    report : KommuneReport
        :func:`relkap.report.build` of the kommune: its numbers are computed from the shared answers, so
        the respondents per wave are those of the shown groups.
    parameters : dict, optional
        The report's parameters (paths made relative to the project: :func:`relkap.provenance.relative`).
    provenance : dict, optional
        :func:`relkap.provenance.provenance` of the run.

    Returns
    -------
    dict
        ``schema, kommune, name, waves, has_followup, min_n, respondents, rk_index, dimensions, ties,
        scales, benchmark, parameters``, the briefing's ``arm, focal_process, targeted_ties,
        targeted_comparison, response_rates, key_points`` and ``provenance``; numbers rounded to 6
        decimals, NaN and every count below ``min_n`` as ``None``.

    Examples
    --------
    >>> from relkap import load_instrument, synth
    >>> from relkap.report.model import build
    >>> from relkap.params import default_kommune_params
    >>> inst, t = load_instrument(), synth.example_tables(2, respondents=30, key=b"example")
    >>> s = summary(build(t, inst, default_kommune_params(766), min_n=5))
    >>> s["schema"], [w["code"] for w in s["waves"]], s["has_followup"], s["arm"]
    (4, ['baseline', 'followup'], True, 'unknown')
    >>> [(c["name"], c["from"], c["to"]) for c in s["comparisons"]]
    [('period', 'baseline', 'followup')]
    """
    min_n = report.min_n
    b, f = report.first_wave or report.waves[0], report.latest_wave or report.waves[-1]
    rk = report.rk
    rk_row = mask_small_counts(rk[rk["dimension"] == "rk"], min_n)
    index = _records(rk_row, SUMMARY_FIELDS)[0] if len(rk_row) else None
    overview = report.shown_overview
    employees = overview[overview["group"] != CITIZENS]
    n_by_wave = {w: int(employees.loc[employees["wave"] == w, "n"].sum()) for w in report.waves}
    return {
        "schema": SUMMARY_SCHEMA,
        "kommune": int(report.kommune),
        "name": report.name,
        "waves": _waves(report, n_by_wave),
        "first_wave": b, "latest_wave": f, "previous_wave": report.previous_wave,
        "has_followup": bool(report.has_followup and n_by_wave.get(f, 0) > 0),
        "min_n": int(min_n),
        "respondents": n_by_wave,
        "linked_respondents": _linked(report),
        "by_wave": _records(mask_small_counts(report.rk_waves, min_n), list(report.rk_waves.columns))
        if report.rk_waves is not None else [],
        "comparisons": _comparisons(report),
        "targeted_by_wave": (_records(mask_small_counts(report.targeted_trajectory, min_n),
                                      ["wave", "group", "target", "n", "mean", "sd", "ci_low", "ci_high", "suppressed"])
                             if report.targeted_trajectory is not None else []),
        "rk_index": index,
        "dimensions": _records(mask_small_counts(rk, min_n), ["dimension", *SUMMARY_FIELDS]),
        "ties": _records(mask_small_counts(report.tie_diff, min_n), ["group", "target", "diagonal", *SUMMARY_FIELDS]),
        "scales": _records(mask_small_counts(report.scales, min_n), ["instrument", "scale", *SUMMARY_FIELDS]),
        "benchmark": _records(report.benchmark, list(report.benchmark.columns)),
        "parameters": {k: json_value(_relative(v), _DIGITS) for k, v in (parameters or {}).items()},
        **_briefing_fields(report),
        "provenance": provenance,
    }


def _waves(report: KommuneReport, n_by_wave: dict[str, int]) -> list[dict]:
    """The codebook's waves in order: code, Danish and English names, date, whether the kommune answered."""
    return [{**report.instrument.waves.get(code).model_dump(), "answered": code not in report.missing_waves,
             "respondents": n_by_wave.get(code, 0)} for code in report.waves]  # report.waves: the codebook's


def _linked(report: KommuneReport) -> dict | None:
    """Respondents who answered in more than one wave, in every wave, and all who answered: each ``None`` below
    ``min_n``, all three ``None`` when together with the per-wave counts they would give a count below it
    (:func:`relkap.linked.participation_shown`)."""
    if report.linked is None:
        return None
    row = report.linked.iloc[0] if len(report.linked) else None
    if row is None or not bool(row["shown"]):
        return {"more_than_one_wave": None, "all_waves": None, "respondents": None}

    def shown(n) -> int | None:
        return int(n) if int(n) >= report.min_n else None

    return {"more_than_one_wave": shown(row["n_linked"]),
            "all_waves": shown(row["n_every_wave"]) if int(row["n_waves"]) > 1 else None,
            "respondents": shown(row["n_respondents"])}


def _comparisons(report: KommuneReport) -> list[dict]:
    """Each tested comparison with the two waves it compares and its FDR family (its own rows)."""
    out = []
    for name, before, after in report.comparisons:
        rk = report.rk if name == "period" else report.rk_previous
        ties = report.tie_diff if name == "period" else report.tie_diff_previous
        masked = mask_small_counts(rk, report.min_n)
        out.append({"name": name, "from": before, "to": after,
                    "fdr_family": {"dimensions": "the index and the dimensions of this comparison",
                                   "ties": "the kommune's shown ties of this comparison"},
                    "dimensions": _records(masked, ["dimension", *SUMMARY_FIELDS]),
                    "ties": _records(mask_small_counts(ties, report.min_n),
                                     ["group", "target", "diagonal", *SUMMARY_FIELDS])})
    return out


def _briefing_fields(report: KommuneReport) -> dict:
    """Arm, focal process, targeted ties and their comparison, response rates and key points."""
    params = report.params
    comp = None
    if report.targeted_comparison is not None:
        c = report.targeted_comparison
        comp = {"groups": [{k: json_value(v, _DIGITS) if k != "kind" else v for k, v in g.items()}
                           for g in c.groups.to_dict("records")],
                "ties": [{k: (json_value(v, _DIGITS) if k not in ("group", "target", "certainty") else v)
                          for k, v in t.items()} for t in c.ties.to_dict("records")],
                "hidden": [list(t) for t in c.hidden]}
    rr = [{"group": None if r.group == TOTAL else str(r.group), "total": r.group == TOTAL, "wave": str(r.wave),
           "n": json_value(r.n, _DIGITS), "invited": json_value(r.invited, _DIGITS),
           "rate": json_value(r.rate, _DIGITS), "low": bool(r.low), "status": r.status}
          for r in report.rates.itertuples(index=False)]
    return {"arm": params.arm or "unknown", "focal_process": params.focal_process,
            "targeted_ties": [list(t) for t in params.targeted_ties], "targeted_comparison": comp,
            "response_rates": rr, "key_points": report.key_points}


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
