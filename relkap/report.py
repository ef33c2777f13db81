"""The tables of one kommune's baseline-versus-follow-up report, and its ``summary.json``.

Each function takes the tidy tables (``relkap.load``) and returns a small tidy DataFrame that the report
notebook displays; the statistics themselves live in :mod:`relkap.scoring`, :mod:`relkap.agreement` and
:mod:`relkap.change`. Every value that describes a group, a tie or a unit honours ``min_n``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import pandas as pd

from . import agreement, change, scoring, style
from .benchmark import index_benchmark
from .instrument import Instrument
from .io import Tables

__all__ = [
    "kommune_tables",
    "has_wave",
    "response_overview",
    "respondent_dimension_scores",
    "rk_change",
    "tie_change",
    "tie_table",
    "agreement_tables",
    "scale_change",
    "benchmark",
    "summary",
    "write_summary",
    "provenance",
    "SUMMARY_SCHEMA",
]

SUMMARY_SCHEMA = 2  # 2: counts below min_n are null (1 wrote them)
CHANGE_COLUMNS = change.CHANGE_COLUMNS


def kommune_tables(tables: Tables, kommune: int) -> Tables:
    """The rows of one kommune in every table (categories kept, so absent groups stay known)."""
    return Tables(**{name: t[t["kommune"] == kommune].reset_index(drop=True) for name, t in tables})


def has_wave(tables: Tables, wave: str) -> bool:
    """Whether the kommune has any employee answers in ``wave``."""
    return bool((tables.relations["wave"] == wave).any())


def _waves(instrument: Instrument) -> list[str]:
    return [instrument.waves.baseline, instrument.waves.followup]


def response_overview(tables: Tables, instrument: Instrument, min_n: int = 5) -> pd.DataFrame:
    """Respondents per group and wave, their share of "ved ikke" answers, and whether the group is shown.

    Columns ``group, wave, n, dont_know_share, suppressed`` (suppressed: n < min_n, so the group's ties are
    not shown). Citizens are one extra row per wave with group ``"borgere"``.
    """
    rel = tables.relations
    waves = _waves(instrument)
    rows = []
    for (group, wave), part in rel.groupby(["group", "wave"], observed=True):
        n = part["respondent_id"].nunique()
        rows.append({"group": str(group), "wave": str(wave), "n": n,
                     "dont_know_share": float(part["score"].isna().mean())})
    for wave, part in tables.citizens.groupby("wave", observed=True):
        rows.append({"group": "borgere", "wave": str(wave), "n": part["respondent_id"].nunique(),
                     "dont_know_share": float(part["score"].isna().mean())})
    out = pd.DataFrame(rows, columns=["group", "wave", "n", "dont_know_share"])
    out["suppressed"] = out["n"] < min_n
    order = {g: i for i, g in enumerate([*instrument.group_codes, "borgere"])}
    out["_g"] = out["group"].map(order)
    out["_w"] = out["wave"].map({w: i for i, w in enumerate(waves)})
    return out.sort_values(["_g", "_w"]).drop(columns=["_g", "_w"]).reset_index(drop=True)


def respondent_dimension_scores(relations: pd.DataFrame, instrument: Instrument,
                                include_diagonal: bool = False) -> pd.DataFrame:
    """One row per respondent and dimension (``rk`` and each relational item): the respondent's mean over
    the target groups they scored (own group left out unless ``include_diagonal``).

    This is the respondent-level value the wave comparisons test, so a respondent counts once however many
    groups they rated.
    """
    per = []
    for dim in (None, "all"):
        s = scoring.respondent_scores(relations, instrument, dimension=dim)
        if not include_diagonal:
            s = s[s["group"].astype(str) != s["target"].astype(str)]
        per.append(s)
    s = pd.concat(per, ignore_index=True)
    s["dimension"] = s["dimension"].astype(str)
    keys = [c for c in ("kommune", "wave", "respondent_id", "group", "dimension") if c in s.columns]
    out = s.groupby(keys, observed=True, sort=False)["score"].mean().reset_index()
    return out.dropna(subset=["score"]).reset_index(drop=True)


def _compare(data: pd.DataFrame, by: list[str], instrument: Instrument, min_n: int | None,
             family: str | None = None) -> pd.DataFrame:
    b, f = _waves(instrument)
    return change.compare_waves(data, dv="score", by=by, baseline=b, followup=f, min_n=min_n, family=family)


def rk_change(relations: pd.DataFrame, instrument: Instrument, min_n: int = 5) -> pd.DataFrame:
    """Baseline versus follow-up of the RK index and of each dimension (cross-group ties).

    One row per dimension (``rk`` first): the columns of :func:`relkap.change.compare_waves` on the
    respondent-level scores of :func:`respondent_dimension_scores` (Welch, Hedges' g, Benjamini-Hochberg
    and Holm over the seven rows).
    """
    scores = respondent_dimension_scores(relations, instrument)
    out = _compare(scores, ["dimension"], instrument, min_n)
    order = {d: i for i, d in enumerate(["rk", *instrument.relational_codes])}
    out = out.sort_values("dimension", key=lambda s: s.map(order)).reset_index(drop=True)
    return out


def tie_change(relations: pd.DataFrame, instrument: Instrument, min_n: int = 5,
               dimension: str | None = None) -> pd.DataFrame:
    """Baseline versus follow-up of every directed tie T(A->B) (RK index, or one dimension).

    One row per ``group, target`` with the columns of :func:`relkap.change.compare_waves` (FDR over the
    ties) and ``diagonal``. A tie with fewer than ``min_n`` raters in either wave is suppressed.
    ``dimension="all"``: every dimension in one pass, with a ``dimension`` column first and the FDR within
    each dimension (each dimension's rows equal ``tie_change(..., dimension=code)``).
    """
    s = scoring.respondent_scores(relations, instrument, dimension=dimension)
    s = s.dropna(subset=["score"])
    per_dimension = dimension == "all"
    for c in ("group", "target", *(["dimension"] if per_dimension else [])):
        s[c] = s[c].astype(str)
    if per_dimension:
        out = _compare(s, ["dimension", "group", "target"], instrument, min_n, family="dimension")
    else:
        out = _compare(s, ["group", "target"], instrument, min_n)
    out["diagonal"] = out["group"] == out["target"]
    return out.reset_index(drop=True)


def tie_table(relations: pd.DataFrame, instrument: Instrument, min_n: int = 5,
              dimension: str | None = None) -> pd.DataFrame:
    """Tie scores of both waves (``wave, group, target, dimension, n, mean, ...``) for the kommune."""
    return scoring.tie_scores(relations, instrument, by=["wave"], dimension=dimension, min_n=min_n)


def agreement_tables(tables: Tables, instrument: Instrument, min_n: int = 5) -> dict[str, pd.DataFrame]:
    """Reliability and agreement: ``alpha`` (each scale per wave, and the RK items, descriptive), ``icc``
    (respondent RK index by group, per wave) and ``rwg`` (r_wg(j) of the six dimensions per group and wave,
    groups below ``min_n`` suppressed). An alpha of fewer than ``min_n`` respondents is suppressed too."""
    scales = pd.concat([tables.scales.drop(columns=["group"]), tables.citizens], ignore_index=True)
    scales = scales[~scales["scale"].isin([s.code for s in instrument.scales_for("structures")])]
    al = pd.DataFrame()
    if len(scales):
        scales = scales.astype({"scale": str, "wave": str})
        al = agreement.alpha(scales, by=["scale", "wave"])
    rel = tables.relations
    if len(rel):
        rk_alpha = agreement.alpha(rel.assign(scale="rk", wave=rel["wave"].astype(str)), by=["scale", "wave"],
                                   subject=["respondent_id", "target"])
        al = pd.concat([al, rk_alpha], ignore_index=True)
    if len(al):
        al["suppressed"] = al["n"] < min_n
        al.loc[al["suppressed"], ["alpha", "ci_low", "ci_high"]] = np.nan
    dims = respondent_dimension_scores(rel, instrument)
    idx = dims[dims["dimension"] == "rk"].astype({"group": str, "wave": str})
    icc_rows = []
    for wave, part in idx.groupby("wave", sort=False):
        big = part.groupby("group")["score"].transform("size") >= min_n
        part = part[big]
        if part["group"].nunique() >= 2:
            icc_rows.append(agreement.icc(part, dv="score", group="group").assign(wave=wave))
    icc = pd.concat(icc_rows, ignore_index=True) if icc_rows else pd.DataFrame()
    wide = (dims[dims["dimension"] != "rk"].astype({"group": str, "wave": str})
            .pivot_table(index=["wave", "group", "respondent_id"], columns="dimension", values="score",
                         observed=True).reset_index())
    rwg = pd.DataFrame()
    if len(wide):
        items = [c for c in instrument.relational_codes if c in wide.columns]
        rwg = agreement.rwg_j(wide, items, ["wave", "group"], options=instrument.scale.options)
        rwg["suppressed"] = rwg["n"] < min_n
        rwg.loc[rwg["suppressed"], "rwg_j"] = np.nan
    return {"alpha": al, "icc": icc, "rwg": rwg}


def scale_change(tables: Tables, instrument: Instrument, min_n: int = 5) -> pd.DataFrame:
    """Baseline versus follow-up of every employee and citizen scale (respondent-level scale scores).

    Columns ``instrument, scale`` and those of :func:`relkap.change.compare_waves` (FDR over the scales).
    """
    parts = []
    for kind, table in (("employee", tables.scales), ("citizen", tables.citizens)):
        if len(table) == 0:
            continue
        s = scoring.scale_scores(table, instrument).dropna(subset=["score"])
        s["scale"] = s["scale"].astype(str)
        s["instrument"] = kind
        parts.append(s)
    if not parts:
        return pd.DataFrame(columns=["instrument", "scale", *CHANGE_COLUMNS])
    data = pd.concat(parts, ignore_index=True)
    out = _compare(data, ["instrument", "scale"], instrument, min_n)
    order = {s.code: i for i, s in enumerate(instrument.scales)}
    return out.sort_values("scale", key=lambda s: s.map(order)).reset_index(drop=True)


def benchmark(relations: pd.DataFrame, instrument: Instrument, kommune: int, min_n: int = 5) -> pd.DataFrame:
    """Where the kommune's RK index stands among all kommuner in the data, per wave and for the change.

    One row per measure (each wave, and ``change`` = follow-up minus baseline): the kommune's value, the
    number of kommuner compared, their median and quartiles, and the kommune's rank (1 = highest). No other
    kommune is named. Computed by :func:`relkap.benchmark.index_benchmark`.
    """
    return index_benchmark(relations, instrument, kommune, min_n)


# ----------------------------------------------------------------------------------------------------
# summary.json
# ----------------------------------------------------------------------------------------------------
def _clean(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return None if not math.isfinite(float(v)) else round(float(v), 6)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if v is pd.NA or v is None:
        return None
    if isinstance(v, (str, int, bool)):
        return v
    return str(v)


def _small_counts(df: pd.DataFrame, min_n: int) -> pd.DataFrame:
    """``df`` with every count column (``n``, ``n_baseline``, ``n_followup``) below ``min_n`` missing."""
    out = df.copy()
    for c in ("n", "n_baseline", "n_followup"):
        if c in out.columns:
            out[c] = out[c].astype("Int64").where(out[c] >= min_n)
    return out


def _records(df: pd.DataFrame, keep: list[str]) -> list[dict]:
    cols = [c for c in keep if c in df.columns]
    return [{c: _clean(v) for c, v in zip(cols, row, strict=True)} for row in df[cols].itertuples(index=False)]


_SUMMARY_CHANGE = ["n_baseline", "n_followup", "mean_baseline", "mean_followup", "diff", "diff_ci_low",
                   "diff_ci_high", "hedges", "hedges_ci_low", "hedges_ci_high", "p_val", "p_fdr", "p_holm",
                   "suppressed"]


def summary(kommune: int, name: str, instrument: Instrument, overview: pd.DataFrame, rk: pd.DataFrame,
            ties: pd.DataFrame, scales: pd.DataFrame, bench: pd.DataFrame, min_n: int,
            parameters: dict | None = None) -> dict:
    """The headline numbers of one report as plain JSON-ready data (schema in the README).

    Suppressed rows have no values, and a count below ``min_n`` is ``None`` (as "n<5" on the heat map);
    respondent ids and row-level data never enter.
    """
    b, f = _waves(instrument)
    rk_row = _small_counts(rk[rk["dimension"] == "rk"], min_n)
    index = _records(rk_row, _SUMMARY_CHANGE)[0] if len(rk_row) else None
    n_by_wave = {w: int(overview.loc[(overview["wave"] == w) & (overview["group"] != "borgere"), "n"].sum())
                 for w in (b, f)}
    return {
        "schema": SUMMARY_SCHEMA,
        "kommune": int(kommune),
        "name": name,
        "waves": {"baseline": b, "followup": f},
        "has_followup": n_by_wave[f] > 0,
        "min_n": int(min_n),
        "respondents": n_by_wave,
        "rk_index": index,
        "dimensions": _records(_small_counts(rk, min_n), ["dimension", *_SUMMARY_CHANGE]),
        "ties": _records(_small_counts(ties, min_n), ["group", "target", "diagonal", *_SUMMARY_CHANGE]),
        "scales": _records(_small_counts(scales, min_n), ["instrument", "scale", *_SUMMARY_CHANGE]),
        "benchmark": _records(bench, list(bench.columns)),
        "parameters": {k: _clean(v) for k, v in (parameters or {}).items()},
    }


def write_summary(path: str | os.PathLike, data: dict) -> Path:
    """Write ``summary.json`` atomically (UTF-8, Danish letters kept)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, p)
    return p


def _file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def provenance(data_dir: str | os.PathLike, instrument_path: str | os.PathLike, parameters: dict,
               started: float) -> pd.DataFrame:
    """Versions, parameters, data file hashes (SHA-256, first 16 hex) and run time, as a two-column table."""
    rows = []
    for pkg in ("relkap", "pandas", "numpy", "scipy", "pingouin", "statsmodels", "networkx", "matplotlib",
                "seaborn", "papermill", "nbconvert"):
        try:
            rows.append(("version " + pkg, version(pkg)))
        except PackageNotFoundError:
            rows.append(("version " + pkg, "not installed"))
    rows.append(("python", platform.python_version()))
    for k, v in parameters.items():
        if k in ("data_dir", "out_dir", "instrument", "params_dir"):
            v = Path(str(v)).name or str(v)
        rows.append(("parameter " + k, str(v)))
    for f in sorted(Path(data_dir).glob("*.parquet")):
        rows.append(("sha256 " + f.name, _file_hash(f)))
    ip = Path(instrument_path)
    if ip.exists():
        rows.append(("sha256 " + ip.name, _file_hash(ip)))
    rows.append(("run time (s)", f"{time.time() - started:.1f}"))
    return pd.DataFrame(rows, columns=["item", "value"]).style.hide(axis="index")



# ----------------------------------------------------------------------------------------------------
# Display helpers for the notebook: labelled, rounded tables with suppressed values blanked
# ----------------------------------------------------------------------------------------------------
def kommune_name(kommune: int) -> str:
    """Official name of a kommune code."""
    from .kommuner import kommune_name as _name

    return _name(int(kommune))


def check_kommune(tables: Tables, kommune: int, data_dir: object) -> None:
    """Raise a clear error when the processed data hold no employee answers for ``kommune``."""
    from .errors import InputError

    if len(tables.relations) == 0:
        raise InputError(data_dir, f"no employee answers for kommune {kommune}",
                         fix="Check the kommune code in the parameter file, or import its survey data")


_HEAD = {
    "da": {"dimension": "Dimension", "scale": "Skala", "group": "Gruppe", "target": "Vurderet gruppe",
           "n_baseline": "n før", "n_followup": "n efter", "mean_baseline": "Før", "mean_followup": "Efter",
           "diff": "Forskel", "diff_ci": "95 % KI", "hedges": "Hedges' g", "hedges_ci": "95 % KI (g)",
           "p_val": "p", "p_fdr": "p (FDR)", "received": "Modtaget", "perceived": "Oplevet",
           "wave": "Måling", "n": "n", "alpha": "Cronbachs alfa", "ci": "95 % KI", "k": "Spørgsmål",
           "ICC1": "ICC(1)", "ICC2": "ICC(2)", "rwg_j": "r_wg(j)", "measure": "Mål", "value": "Kommunen",
           "n_kommuner": "Antal kommuner", "median": "Median", "q25": "25 %", "q75": "75 %", "rank": "Rang",
           "suppressed": "for få svar", "change": "Ændring"},
    "en": {"dimension": "Dimension", "scale": "Scale", "group": "Group", "target": "Rated group",
           "n_baseline": "n before", "n_followup": "n after", "mean_baseline": "Before", "mean_followup": "After",
           "diff": "Difference", "diff_ci": "95% CI", "hedges": "Hedges' g", "hedges_ci": "95% CI (g)",
           "p_val": "p", "p_fdr": "p (FDR)", "received": "Received", "perceived": "Perceived",
           "wave": "Wave", "n": "n", "alpha": "Cronbach's alpha", "ci": "95% CI", "k": "Items",
           "ICC1": "ICC(1)", "ICC2": "ICC(2)", "rwg_j": "r_wg(j)", "measure": "Measure", "value": "This kommune",
           "n_kommuner": "Kommuner", "median": "Median", "q25": "25%", "q75": "75%", "rank": "Rank",
           "suppressed": "too few answers", "change": "Change"},
}


def _num(x, decimals: int = 2, language: str = "da", sign: bool = False) -> str:
    """A table number as in the figures (:func:`relkap.style.number`); missing (also ``pd.NA``) is blank."""
    return "" if x is None or pd.isna(x) else style.number(float(x), decimals, language, sign)


def _count(n, min_n: int) -> str:
    """A count for a shared table: "<min_n" below the threshold (never the exact small n)."""
    if n is None or pd.isna(n):
        return ""
    return f"<{min_n}" if n < min_n else str(int(n))


def _p(x, language: str) -> str:
    if x is None or pd.isna(x):
        return ""
    if x < 0.001:
        return "< 0,001" if language == "da" else "< 0.001"
    return _num(x, 3, language)


def _ci(lo, hi, language: str, decimals: int = 2) -> str:
    if pd.isna(lo) or pd.isna(hi):
        return ""
    sep = "; " if language == "da" else ", "
    return f"[{_num(lo, decimals, language)}{sep}{_num(hi, decimals, language)}]"


def change_table(df: pd.DataFrame, label: str | list[str], instrument: Instrument, language: str = "da",
                 min_n: int = 5) -> pd.DataFrame:
    """A compare_waves table for reading: labels from the codebook, rounded, suppressed rows blanked and
    counts below ``min_n`` shown as "<min_n"."""
    h = _HEAD[language]
    labels = [label] if isinstance(label, str) else list(label)
    rows = []
    for r in df.itertuples(index=False):
        d = r._asdict()
        row = {h.get(c, c): instrument.label(str(d[c]), language) for c in labels}
        row[h["n_baseline"]] = _count(d["n_baseline"], min_n)
        row[h["n_followup"]] = _count(d["n_followup"], min_n)
        sup = bool(d["suppressed"])
        row[h["mean_baseline"]] = "" if sup and d["n_baseline"] < 1 else _num(d["mean_baseline"], 2, language)
        row[h["mean_followup"]] = "" if sup and d["n_followup"] < 1 else _num(d["mean_followup"], 2, language)
        row[h["diff"]] = _num(d["diff"], 2, language, sign=True)
        row[h["diff_ci"]] = _ci(d["diff_ci_low"], d["diff_ci_high"], language)
        row[h["hedges"]] = _num(d["hedges"], 2, language, sign=True)
        row[h["hedges_ci"]] = _ci(d["hedges_ci_low"], d["hedges_ci_high"], language)
        row[h["p_val"]] = _p(d["p_val"], language)
        row[h["p_fdr"]] = _p(d["p_fdr"], language)
        rows.append(row)
    return pd.DataFrame(rows).style.hide(axis="index")


def most_changed(tie_diff: pd.DataFrame, instrument: Instrument, language: str = "da", k: int = 5,
                 min_n: int = 5):
    """The ties between groups that improved or declined most (by Hedges' g), with FDR-adjusted p."""
    d = tie_diff[~tie_diff["diagonal"] & ~tie_diff["suppressed"]].dropna(subset=["hedges"])
    top = pd.concat([d.nlargest(k, "hedges"), d.nsmallest(k, "hedges").iloc[::-1]]).drop_duplicates(
        subset=["group", "target"])
    return change_table(top.sort_values("hedges", ascending=False), ["group", "target"], instrument, language,
                        min_n)


def received_perceived_table(ties: pd.DataFrame, instrument: Instrument, language: str = "da"):
    """Received and perceived RK per group and wave (cross-group, reportable ties only)."""
    h = _HEAD[language]
    rp = scoring.received_perceived(ties)
    rows = []
    for r in rp.itertuples(index=False):
        d = r._asdict()
        rows.append({h["group"]: instrument.label(str(d["group"]), language),
                     h["wave"]: style.wave_label(d["wave"], language, instrument),
                     h["received"]: _num(d.get("received"), 2, language),
                     h["perceived"]: _num(d.get("perceived"), 2, language)})
    out = pd.DataFrame(rows)
    if len(out):
        out = out.pivot(index=h["group"], columns=h["wave"], values=[h["received"], h["perceived"]])
    return out


def dimension_profile_data(relations: pd.DataFrame, instrument: Instrument, min_n: int = 5) -> pd.DataFrame:
    """Per wave and dimension: n, mean and t-based 95% CI of the respondents' cross-group scores."""
    from scipy import stats

    s = respondent_dimension_scores(relations, instrument)
    s = s[s["dimension"] != "rk"].astype({"wave": str})
    g = s.groupby(["wave", "dimension"], sort=False)["score"]
    out = g.agg(n="count", mean="mean", sd="std").reset_index()
    half = stats.t.ppf(0.975, (out["n"] - 1).clip(lower=1)) * out["sd"] / np.sqrt(out["n"])
    out["ci_low"], out["ci_high"] = out["mean"] - half, out["mean"] + half
    out["suppressed"] = out["n"] < min_n
    out.loc[out["suppressed"], ["mean", "sd", "ci_low", "ci_high"]] = np.nan
    return out


def agreement_display(agree: dict[str, pd.DataFrame], key: str, instrument: Instrument, language: str = "da",
                      min_n: int = 5):
    """One of the agreement tables for reading (labels, rounding, counts below ``min_n`` as "<min_n")."""
    h = _HEAD[language]
    df = agree[key]
    if df.empty:
        return pd.DataFrame()
    if key == "alpha":
        out = pd.DataFrame({h["scale"]: [instrument.label(str(s), language) for s in df["scale"]],
                            h["wave"]: [style.wave_label(w, language, instrument) for w in df["wave"]],
                            h["n"]: [_count(n, min_n) for n in df["n"]], h["k"]: df["k"],
                            h["alpha"]: [h["suppressed"] if s else _num(v, 2, language)
                                         for v, s in zip(df["alpha"], df["suppressed"], strict=True)],
                            h["ci"]: [_ci(a, b, language) for a, b in zip(df["ci_low"], df["ci_high"], strict=True)]})
    elif key == "icc":
        out = pd.DataFrame({h["wave"]: [style.wave_label(w, language, instrument) for w in df["wave"]],
                            "F": [_num(v, 2, language) for v in df["F"]],
                            "p": [_p(v, language) for v in df["p_val"]],
                            h["ICC1"]: [_num(v, 3, language) for v in df["ICC1"]],
                            h["ICC2"]: [_num(v, 3, language) for v in df["ICC2"]]})
    else:
        out = pd.DataFrame({h["group"]: [instrument.label(str(g), language) for g in df["group"]],
                            h["wave"]: [style.wave_label(w, language, instrument) for w in df["wave"]],
                            h["n"]: [_count(n, min_n) for n in df["n"]],
                            h["rwg_j"]: [h["suppressed"] if s else _num(v, 2, language)
                                         for v, s in zip(df["rwg_j"], df["suppressed"], strict=True)]})
    return out.style.hide(axis="index")


def benchmark_display(bench: pd.DataFrame, instrument: Instrument, language: str = "da"):
    h = _HEAD[language]
    if bench.empty:
        return pd.DataFrame()
    out = pd.DataFrame({h["measure"]: [h["change"] if m == "change" else style.wave_label(m, language, instrument)
                                       for m in bench["measure"]],
                        h["value"]: [_num(v, 2, language, sign=m == "change") for v, m in
                                     zip(bench["value"], bench["measure"], strict=True)],
                        h["median"]: [_num(v, 2, language) for v in bench["median"]],
                        h["q25"]: [_num(v, 2, language) for v in bench["q25"]],
                        h["q75"]: [_num(v, 2, language) for v in bench["q75"]],
                        h["rank"]: [f"{r} / {n}" for r, n in zip(bench["rank"], bench["n_kommuner"], strict=True)]})
    return out.style.hide(axis="index")


class Text:
    """The report's generated sentences, in Danish (default) or English."""

    def __init__(self, language: str = "da"):
        self.da = language == "da"
        self.language = language

    def wave(self, wave: str, instrument: Instrument) -> str:
        return style.wave_label(wave, self.language, instrument)

    def title(self, name: str, kommune: int, kp) -> str:
        head = f"# Relationel kapacitet i {name} Kommune" if self.da else f"# Relational capacity in {name}"
        lines = [head, ""]
        if kp is not None:
            lines.append(("**Fokus:** " if self.da else "**Focal work process:** ") + kp.focal_process)
        lines.append(("Baseline og opfølgning. Kommunekode " if self.da else "Baseline and follow-up. Kommune code ")
                     + str(kommune) + ".")
        return "\n\n".join(lines)

    def overview_note(self, overview: pd.DataFrame, instrument: Instrument, min_n: int, has_followup: bool) -> str:
        emp = overview[overview["group"] != "borgere"]
        parts = []
        for w in (instrument.waves.baseline, instrument.waves.followup):
            n = int(emp.loc[emp["wave"] == w, "n"].sum())
            if n:
                parts.append(f"{self.wave(w, instrument)}: {n} " + ("medarbejdere" if self.da else "employees"))
        text = ", ".join(parts) + "."
        small = sorted({instrument.label(g, self.language) for g in emp.loc[emp["suppressed"], "group"]})
        if small:
            text += (f" Grupper med færre end {min_n} svar i en måling vises ikke for den måling: "
                     if self.da else f" Groups with fewer than {min_n} answers in a wave are not shown for it: ")
            text += ", ".join(small) + "."
        dk = emp["dont_know_share"].mean() if len(emp) else float("nan")
        if math.isfinite(dk):
            text += (f" Andelen af 'ved ikke'-svar er {_num(100 * dk, 0, 'da')} %." if self.da
                     else f" The share of 'don't know' answers is {100 * dk:.0f}%.")
        if not has_followup:
            text += " " + self.no_followup()
        return text

    def rk_headline(self, rk: pd.DataFrame, has_followup: bool) -> str:
        row = rk[rk["dimension"] == "rk"]
        if not has_followup or row.empty or bool(row["suppressed"].iloc[0]):
            return self.no_followup() if not has_followup else ""
        r = row.iloc[0]
        lang = self.language
        direction = ("steget" if r["diff"] > 0 else "faldet") if self.da else ("risen" if r["diff"] > 0 else "fallen")
        sure = r["p_val"] < 0.05
        if self.da:
            return (f"**Indekset er {direction} fra {_num(r['mean_baseline'], 2, lang)} til "
                    f"{_num(r['mean_followup'], 2, lang)}** (forskel {_num(r['diff'], 2, lang, True)}, 95 % KI "
                    f"{_ci(r['diff_ci_low'], r['diff_ci_high'], lang)}, Hedges' g {_num(r['hedges'], 2, lang, True)})."
                    + (" Forskellen er statistisk sikker." if sure else
                       " Forskellen er ikke statistisk sikker; den kan skyldes tilfældigheder."))
        return (f"**The index has {direction} from {_num(r['mean_baseline'], 2, lang)} to "
                f"{_num(r['mean_followup'], 2, lang)}** (difference {_num(r['diff'], 2, lang, True)}, 95% CI "
                f"{_ci(r['diff_ci_low'], r['diff_ci_high'], lang)}, Hedges' g {_num(r['hedges'], 2, lang, True)})."
                + (" The difference is statistically significant." if sure else
                   " The difference is not statistically significant; it may be chance."))

    def no_followup(self) -> str:
        return ("*Der er endnu ingen opfølgningsmåling for kommunen; rapporten viser kun baseline.*" if self.da
                else "*There is no follow-up wave for this kommune yet; the report shows the baseline only.*")

    def no_data(self) -> str:
        return "*Ingen data for denne del.*" if self.da else "*No data for this part.*"

    def change_map_intro(self) -> str:
        return ("Ændringen fra baseline til opfølgning for hver relation: blå er bedre, rød er dårligere. En "
                "stjerne markerer en ændring, der er statistisk sikker efter justering for mange test." if self.da
                else "The change from baseline to follow-up per tie: blue is better, red worse. A star marks a "
                "change that is significant after correction for many tests.")

    def most_changed_intro(self) -> str:
        return ("**De relationer, der har ændret sig mest** (efter Hedges' g). Brug dem som indgang til en "
                "samtale om, hvad der er sket, ikke som dom over en gruppe." if self.da
                else "**The ties that changed most** (by Hedges' g). Use them to start a conversation about what "
                "happened, not as a verdict on a group.")
