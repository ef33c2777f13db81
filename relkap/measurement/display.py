"""The measurement tables for readers: words from the catalogue, numbers through :mod:`relkap.fmt`.

The raw tables (:func:`relkap.measurement.measure`, under :data:`RESULT_TABLES` in the research results)
stay as they are for machines (CSV, JSON); these are the localised copies the research notebook shows.
"""

from __future__ import annotations

import pandas as pd

from relkap import fmt
from relkap.config import ALPHA
from relkap.instrument import Instrument
from relkap.measurement.summary import RESULT_TABLES
from relkap.words import Language, catalogue, text

__all__ = ["measurement_display", "invariance_rule"]


def _model(code: object, language: Language, instrument: Instrument) -> str:
    key = f"measurement.model.{code}"
    return text(key, language) if key in catalogue() else instrument.label(str(code), language)


def _label(code: object, language: Language, instrument: Instrument) -> str:
    try:
        return instrument.label(str(code), language)
    except KeyError:
        return _model(code, language, instrument)


def _columns(d: pd.DataFrame, language: Language) -> pd.DataFrame:
    return d.rename(columns=lambda c: text(f"measurement.column.{c}", language))


def _status(s: object, language: Language) -> str:
    return text(f"measurement.status.{s}", language) if isinstance(s, str) and s else ""


def measurement_display(results: dict[str, pd.DataFrame], instrument: Instrument,
                        language: Language = "da") -> dict[str, pd.DataFrame]:
    """``fit``, ``loadings``, ``reliability`` and ``invariance`` as tables for readers (strings).

    Examples
    --------
    >>> from relkap import load_instrument
    >>> from relkap.measurement import as_results, measure
    >>> from relkap.synth import example_tables
    >>> inst = load_instrument()
    >>> res = as_results(measure(example_tables(2, respondents=30), inst, across=()))
    >>> measurement_display(res, inst, "en")["fit"].iloc[0, :3].tolist()
    ['RK (six dimensions)', 'estimated', '147']
    """
    n, t = fmt.number, fmt.count
    out = {}
    fit = results.get(RESULT_TABLES[0], pd.DataFrame())
    if len(fit):
        out["fit"] = _columns(pd.DataFrame({
            "model": [_model(m, language, instrument) for m in fit["model"]],
            "status": [_status(s, language) for s in fit["status"]],
            "n": [t(x) for x in fit["n"]],
            "chisq": [n(x, 2, language) for x in fit["chisq"]],
            "df": [t(x) for x in fit["df"]],
            "p": [fmt.pvalue(x, language) for x in fit["p"]],
            "cfi": [n(x, 3, language) for x in fit["cfi"]],
            "tli": [n(x, 3, language) for x in fit["tli"]],
            "rmsea": [f"{n(r, 3, language)} {fmt.ci(lo, hi, language, 3)}" if not fmt.missing(r) else ""
                      for r, lo, hi in zip(fit["rmsea"], fit["rmsea_low"], fit["rmsea_high"], strict=True)],
            "srmr": [n(x, 3, language) for x in fit["srmr"]],
        }), language)
    load = results.get(RESULT_TABLES[1], pd.DataFrame())
    if len(load):
        out["loadings"] = _columns(pd.DataFrame({
            "model": [_model(m, language, instrument) for m in load["model"]],
            "factor": [_label(f, language, instrument) for f in load["factor"]],
            "item": [_label(i, language, instrument) for i in load["item"]],
            "std": [n(x, 2, language) for x in load["std"]],
            "se": [n(x, 3, language) for x in load["se"]],
            "ci": [fmt.ci(lo, hi, language) for lo, hi in zip(load["ci_low"], load["ci_high"], strict=True)],
        }), language)
    rel = results.get(RESULT_TABLES[2], pd.DataFrame())
    if len(rel):
        out["reliability"] = _columns(pd.DataFrame({
            "model": [_model(m, language, instrument) for m in rel["model"]],
            "factor": [_label(f, language, instrument) for f in rel["factor"]],
            "k": [t(x) for x in rel["k"]],
            "omega": [n(x, 2, language) for x in rel["omega"]],
            "alpha": [n(x, 2, language) for x in rel["alpha"]],
        }), language)
    inv = results.get(RESULT_TABLES[3], pd.DataFrame())
    if len(inv):
        def diff(r):
            if fmt.missing(r.get("chisq_diff")):
                return ""
            return f"{n(r['chisq_diff'], 1, language)} ({t(r['df_diff'])}), {fmt.pvalue(r['p_diff'], language)}"

        rows = [r for _, r in inv.iterrows()]
        out["invariance"] = _columns(pd.DataFrame({
            "model": [_model(r["model"], language, instrument) for r in rows],
            "across": [text(f"measurement.across.{r['across']}", language) for r in rows],
            "step": [text(f"measurement.step.{r['step']}", language) for r in rows],
            "status": [_status(r.get("status"), language) for r in rows],
            "cfi": [n(r.get("cfi"), 3, language) for r in rows],
            "rmsea": [n(r.get("rmsea"), 3, language) for r in rows],
            "chisq_diff": [diff(r) for r in rows],
            "delta_cfi": [fmt.signed(r.get("delta_cfi"), 3, language) for r in rows],
            "delta_rmsea": [fmt.signed(r.get("delta_rmsea"), 3, language) for r in rows],
            "verdict": [text(f"measurement.verdict.{r['verdict']}", language)
                        if isinstance(r.get("verdict"), str) else "" for r in rows],
            "freed": [", ".join(_label(i, language, instrument) for i in str(r.get("freed") or "").split(", ") if i)
                      for r in rows],
            "left_out": [t(r.get("left_out")) for r in rows],
        }), language)
    return out


def invariance_rule(language: Language = "da", alpha: float = ALPHA) -> str:
    """The decision rule of the invariance table, in words (Chen 2007 and the partial-invariance steps)."""
    return text("measurement.rule", language, alpha=fmt.number(alpha, 2, language))
