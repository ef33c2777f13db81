"""One answer per hypothesis and research question: estimate, CI, small-sample p, verdict and caveats.

Each question (:data:`ANSWERS`) is answered by one or more rows ("parts") of a result table: H1 by the
between-kommune structure effect, H2 by total leadership -> RK, H3 by the kommune-level slope structures ->
leadership, RQ1 by co-creation -> satisfaction and -> perceived effect, RQ2 by the kommune's RK ->
co-creation and -> perceived effect, RQ3 by total leadership -> RK and -> motivation (both in the H2
table), RQ4 by the difference-in-differences of the RK index on the targeted ties (on all ties between
the groups when no kommune names targeted ties).

Verdict rule (:func:`verdict`), at ``alpha`` = 0.05 and in the hypothesised direction (every hypothesis
here says "raises", so positive):

- a part is *supported* when its estimate is positive, its 95% CI excludes 0 (``ci_low`` > 0) and its
  small-sample p (``p_val``: Satterthwaite, t on the kommuner's df, bootstrap or permutation over
  kommuner, as its ``method`` says) is below ``alpha``; otherwise *not supported*;
- a question is *supported* when every part is, *not supported* when a part is not, and *cannot be
  answered* (``cannot_answer``) when the data cannot answer its table (``not_answered``) or a part's row
  is missing.

When the results hold the measurement tables (:mod:`relkap.measurement`), an answer whose scales are not
shown scalar invariant across waves in the pooled data carries the caveat ``not_invariant``.

A non-significant result is "not supported", never "no effect": the caveats say when the design is
small. The raw p is used, not the Holm-adjusted one: each answer is a pre-registered single test.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config import ALPHA
from ..measurement import model_of_scale, wave_levels
from ..words import Language, text
from .data import COCREATION, EFFECT, LEADERSHIP, MOTIVATION, RK, SATISFACTION
from .fit import MIN_UNITS

__all__ = ["Answer", "ANSWERS", "VERDICTS", "CAVEATS", "ALPHA", "verdict", "answers"]

VERDICTS = ("supported", "not_supported", "cannot_answer")
CAVEATS = ("not_answered", "few_kommuner", "same_source", "split_confirms", "split_not_confirmed",
           "measurement_error", "cross_sectional", "not_converged", "permutation", "not_invariant")
_PART_COLUMNS = ("estimate", "ci_low", "ci_high", "p_val", "df", "method")
_SPLIT_COLUMNS = ("estimate_split", "ci_low_split", "ci_high_split", "p_split", "df_split")


@dataclass(frozen=True)
class Answer:
    """A question, the table that answers it, the rows (parts) that do, and what kind of design it has.

    ``parts`` are alternatives in order: each is a tuple of row selections (column -> value); the first
    alternative whose rows all exist is used. ``kommune_level``: the predictor or the assignment is the
    kommune (few kommuner matter); ``same_source``: predictor and outcome come from the same respondents;
    ``split``: the table has the split-sample estimate.
    """

    question: str
    table: str
    parts: tuple[tuple[dict, ...], ...]
    kommune_level: bool = False
    same_source: bool = False
    split: bool = False
    cross_sectional: bool = True


ANSWERS = (
    Answer("H1", "h1_structures_rk", (({"model": "mixed_respondent", "predictor": "structure_between"},),),
           kommune_level=True),
    Answer("H2", "h2_leadership", (({"outcome": RK, "predictor": LEADERSHIP},),), same_source=True, split=True),
    Answer("H3", "h3_structures_leadership", (({"analysis": "slope"},),), kommune_level=True),
    Answer("RQ1", "rq1_cocreation", (({"outcome": SATISFACTION}, {"outcome": EFFECT}),), same_source=True),
    Answer("RQ2", "rq2_rk_citizen", (({"outcome": COCREATION}, {"outcome": EFFECT}),), kommune_level=True),
    Answer("RQ3", "h2_leadership", (({"outcome": RK, "predictor": LEADERSHIP},
                                     {"outcome": MOTIVATION, "predictor": LEADERSHIP}),), same_source=True,
           split=True),
    Answer("RQ4", "rq4_did", (({"scope": "targeted_ties", "dimension": RK},),
                              ({"scope": "all_ties", "dimension": RK},)), kommune_level=True,
           cross_sectional=False),
)


def verdict(estimate: float, ci_low: float, p_val: float, alpha: float = ALPHA) -> str:
    """"supported" (positive, CI above 0 and p < ``alpha``), "not_supported", or "cannot_answer" (no estimate).

    Examples
    --------
    >>> verdict(0.2, 0.01, 0.03), verdict(0.2, -0.01, 0.057), verdict(np.nan, np.nan, np.nan)
    ('supported', 'not_supported', 'cannot_answer')
    """
    if not np.isfinite(estimate):
        return "cannot_answer"
    ok = estimate > 0 and np.isfinite(ci_low) and ci_low > 0 and np.isfinite(p_val) and p_val < alpha
    return "supported" if ok else "not_supported"


def _value(v: object) -> object:
    if isinstance(v, (np.floating, float)):
        return float(v) if np.isfinite(v) else None
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return None if v is None or (not isinstance(v, str) and pd.isna(v)) else v


def _relation(r: pd.Series) -> str:
    """What a row relates, as a code path ("leadership -> rk"), or the DiD's scope."""
    if "predictor" in r.index and "outcome" in r.index:
        return f"{r['predictor']} -> {r['outcome']}"
    return str(r["path"]) if "path" in r.index else str(r.get("scope", ""))


def _rows(table: pd.DataFrame, parts: tuple[dict, ...]) -> list[pd.Series] | None:
    rows = []
    for where in parts:
        mask = np.ones(len(table), dtype=bool)
        for c, v in where.items():
            if c not in table.columns:
                return None
            mask &= (table[c].astype(str) == str(v)).to_numpy()
        if mask.sum() != 1:
            return None
        rows.append(table[mask].iloc[0])
    return rows


def answers(results: dict[str, pd.DataFrame], parameters: dict | None = None, language: Language = "en",
            alpha: float = ALPHA) -> list[dict]:
    """The answers to H1-H3 and RQ1-RQ4 (:data:`ANSWERS`), JSON-ready, in ``research_summary.json``.

    Parameters
    ----------
    results : dict of DataFrame
        :func:`relkap.research.analyse`.
    parameters : dict, optional
        The run's parameters (``min_units``: fewer kommuner than this adds the "few_kommuner" caveat).
    language : {"da", "en"}
        Language of ``statement`` and ``caveat_texts``.
    alpha : float
        Significance level of the verdict rule.

    Returns
    -------
    list of dict
        One object per question, in the order H1, H2, H3, RQ1, RQ2, RQ3, RQ4: ``question``,
        ``statement`` (the hypothesis in words), ``table``, ``estimate``, ``ci_low``, ``ci_high``,
        ``p_val``, ``df``, ``method`` (of the first part), ``verdict`` (:data:`VERDICTS`, module
        docstring), ``caveats`` (codes, :data:`CAVEATS`), ``caveat_texts`` and ``parts`` (one object per
        row used: the row's key columns, ``relation`` (e.g. "leadership -> rk"), the same numbers, its own
        ``verdict``, and for H2/RQ3 the
        split-sample ``estimate_split``, ``ci_low_split``, ``ci_high_split``, ``p_split``,
        ``df_split``).

    Examples
    --------
    >>> h1 = pd.DataFrame([{"model": "mixed_respondent", "predictor": "structure_between", "estimate": 0.2,
    ...                     "ci_low": -0.01, "ci_high": 0.41, "p_val": 0.057, "df": 7.2,
    ...                     "method": "satterthwaite", "n_units": 10}])
    >>> a = answers({"h1_structures_rk": h1, "units": pd.DataFrame()})
    >>> [(x["question"], x["verdict"]) for x in a][:2]
    [('H1', 'not_supported'), ('H2', 'cannot_answer')]
    >>> a[0]["caveats"]
    ['few_kommuner', 'cross_sectional']
    """
    min_units = int((parameters or {}).get("min_units", MIN_UNITS))
    status = results.get("not_answered")
    unanswered = set() if status is None else set(status.loc[status["answered"] == "no", "table"])
    out = []
    for q in ANSWERS:
        table = results.get(q.table, pd.DataFrame())
        found = [] if q.table in unanswered else [(alt, r) for alt in q.parts
                                                   if (r := _rows(table, alt)) is not None]
        where_rows, rows = found[0] if found else ((), None)
        caveats: list[str] = []
        parts = []
        if rows is None:
            caveats.append("not_answered")
            final = "cannot_answer"
        else:
            for where, r in zip(where_rows, rows, strict=True):
                part = {**where, "relation": _relation(r), **{c: _value(r.get(c)) for c in _PART_COLUMNS}}
                part["verdict"] = verdict(float(r["estimate"]), float(r["ci_low"]), float(r["p_val"]), alpha)
                if q.split:
                    part.update({c: _value(r.get(c)) for c in _SPLIT_COLUMNS})
                parts.append(part)
            kinds = [p["verdict"] for p in parts]
            final = ("cannot_answer" if "cannot_answer" in kinds else
                     "supported" if all(k == "supported" for k in kinds) else "not_supported")
            n_units = max(int(r["n_units"]) for r in rows if pd.notna(r.get("n_units")))
            if q.kommune_level and n_units < min_units:
                caveats.append("few_kommuner")
            if q.same_source:
                caveats.append("same_source")
            if q.split:
                confirmed = all(p.get("ci_low_split") is not None and p["ci_low_split"] > 0 for p in parts)
                caveats.append("split_confirms" if confirmed else "split_not_confirmed")
            if any("estimate_corrected" in r and pd.notna(r["estimate_corrected"]) for r in rows):
                caveats.append("measurement_error")
            if q.cross_sectional:
                caveats.append("cross_sectional")
            if any(_value(r.get("converged")) is False for r in rows):
                caveats.append("not_converged")
            if q.table == "rq4_did":
                caveats.append("permutation")
            if _not_invariant(results, rows, q.table):
                caveats.append("not_invariant")
        head = parts[0] if parts else {}
        out.append({
            "question": q.question,
            "statement": text(f"research.answer.statement.{q.question}", language),
            "table": q.table,
            **{c: head.get(c) for c in _PART_COLUMNS},
            "verdict": final,
            "caveats": caveats,
            "caveat_texts": [text(f"research.caveat_text.{c}", language) for c in caveats],
            "parts": parts,
        })
    return out


def _not_invariant(results: dict[str, pd.DataFrame], rows: list[pd.Series], table: str) -> bool:
    """A scale the answer uses is not shown scalar invariant across waves (when measurement tables exist).

    The scales are the rows' predictor and outcome codes (RQ4: the RK index); each is mapped to its
    measurement model (:func:`relkap.measurement.model_of_scale`); structures have none.
    """
    levels = wave_levels(results.get("measurement_invariance"))
    loadings = results.get("measurement_loadings")
    if not levels or loadings is None:
        return False
    models: dict[str, dict] = {}
    for model, factor in loadings[["model", "factor"]].drop_duplicates().itertuples(index=False):
        models.setdefault(str(model), {})[str(factor)] = []
    codes = {str(r[c]) for r in rows for c in ("predictor", "outcome") if c in r.index}
    if table == "rq4_did":
        codes.add(RK)
    used = {m for c in codes if (m := model_of_scale(c, models)) is not None}
    return any(levels.get(m, ("not_estimable",))[0] != "scalar" for m in used)
