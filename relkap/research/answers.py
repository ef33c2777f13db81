"""One answer per hypothesis and question: the pre-declared primary estimate, its adjusted p, a verdict and
its reason, and the sensitivity rows.

Each question (:data:`ANSWERS`) names one **primary** row of its result table (README, "Research
questions"): H1 the between-kommune structure effect of the respondent-level mixed model; H2 total
leadership -> RK; H3 the kommune-level slope structures -> leadership; RQ1 co-creation -> satisfaction;
RQ2 the kommune's RK -> citizen co-creation; RQ3 total leadership -> motivation (its RK part is H2's test
and is not counted twice); RQ4 the baseline-adjusted targeted-ties contrast of the RK index (the DiD over
all ties when no kommune named targeted ties) at the latest wave against the first (the event-study rows
of earlier waves and the linear trend are sensitivity rows). Every other row of the table is a sensitivity row.

Verdict rule (:func:`verdict`) at ``alpha`` (:data:`ALPHA`), in the hypothesised direction (positive):

1. *cannot_answer*: the data cannot answer the table or the primary row is missing.
2. *undecidable*: the primary p is a permutation p over kommuner whose smallest attainable value, times
   the size of its family (Holm's factor for the smallest p), is not below ``alpha``: no outcome of the
   data could pass, so the question cannot be decided with these kommuner; ``kommuner_needed`` gives the
   number of kommuner (two equal arms) whose floor would.
3. *not_supported*: the estimate is not positive, its 95% CI includes 0, or ``p_adj`` (the p adjusted
   within its family, the table's ``p_adj``) is not below ``alpha``. Not "no effect".
4. *association_same_source*: it would be supported, but predictor and outcome come from the same
   respondents (H2, RQ1, RQ3) and the split-sample estimate (predictor and outcome from different
   halves) does not confirm it (its CI includes 0 or its p is not below ``alpha``), or there is none.
5. *supported*: otherwise.

When the results hold the measurement tables (:mod:`relkap.measurement`), an answer whose scales are not
shown scalar invariant across waves in the pooled data carries the caveat ``not_invariant``.

``reason`` names the rule that decided (:data:`REASONS`), ``reason_text`` says it in words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import fmt
from ..config import ALPHA
from ..measurement import model_of_scale, wave_levels
from ..permutation import kommuner_needed
from ..words import Language, text
from .data import COCREATION, LEADERSHIP, MOTIVATION, RK, SATISFACTION
from .fit import MIN_UNITS

__all__ = ["Answer", "ANSWERS", "VERDICTS", "REASONS", "CAVEATS", "ALPHA", "verdict", "answers"]

VERDICTS = ("supported", "association_same_source", "not_supported", "undecidable", "cannot_answer")
REASONS = ("significant", "split_confirms", "split_not_confirmed", "no_split", "not_positive", "ci_includes_zero",
           "p_above_alpha", "permutation_floor", "not_answered")
CAVEATS = ("not_answered", "few_kommuner", "same_source", "split_confirms", "split_not_confirmed",
           "measurement_error", "cross_sectional", "not_converged", "permutation", "shared_test",
           "not_invariant")
_ROW_COLUMNS = ("estimate", "ci_low", "ci_high", "p_val", "p_adj", "df", "method")
_SPLIT_COLUMNS = ("estimate_split", "ci_low_split", "ci_high_split", "p_split", "df_split")


@dataclass(frozen=True)
class Answer:
    """A question, the table that answers it, its primary row and what kind of design it has.

    ``primary`` holds alternatives in order, each a row selection (column -> value); the first that
    selects a row is used. ``sensitivity``: the selection of the table's rows shown beside it (all rows
    when empty). ``kommune_level``: the predictor or the assignment is the kommune; ``same_source``:
    predictor and outcome come from the same respondents; ``split``: the table has the split-sample
    estimate; ``answered_by``: another question whose test answers part of this one.
    """

    question: str
    table: str
    primary: tuple[dict, ...]
    sensitivity: dict = field(default_factory=dict)
    kommune_level: bool = False
    same_source: bool = False
    split: bool = False
    cross_sectional: bool = True
    answered_by: str | None = None


ANSWERS = (
    Answer("H1", "h1_structures_rk", ({"model": "mixed_respondent", "predictor": "structure_between"},),
           kommune_level=True),
    Answer("H2", "h2_leadership", ({"outcome": RK, "predictor": LEADERSHIP},), {"outcome": RK}, same_source=True,
           split=True),
    Answer("H3", "h3_structures_leadership", ({"analysis": "slope"},), kommune_level=True),
    Answer("RQ1", "rq1_cocreation", ({"outcome": SATISFACTION},), same_source=True),
    Answer("RQ2", "rq2_rk_citizen", ({"outcome": COCREATION},), kommune_level=True),
    Answer("RQ3", "h2_leadership", ({"outcome": MOTIVATION, "predictor": LEADERSHIP},), {"outcome": MOTIVATION},
           same_source=True, split=True, answered_by="H2"),
    # the latest wave against the first (family "primary"); earlier waves and the trend are sensitivity rows
    Answer("RQ4", "rq4_did", ({"scope": "targeted_contrast", "dimension": RK, "family": "primary"},
                              {"scope": "all_ties", "dimension": RK, "family": "primary"}),
           kommune_level=True, cross_sectional=False),
)


def _number(v: object) -> float:
    try:
        out = float(v)
    except (TypeError, ValueError):
        return np.nan
    return out


def verdict(row: dict, family_size: int = 1, same_source: bool = False, alpha: float = ALPHA) -> tuple[str, str]:
    """The verdict (:data:`VERDICTS`) and its reason (:data:`REASONS`) for a primary row (module docstring).

    ``row`` holds ``estimate``, ``ci_low``, ``p_val``, ``p_adj`` (``p_val`` when missing), and where they
    apply ``method``, ``p_floor`` (the permutation floor) and the split-sample ``ci_low_split``, ``p_split``.

    Examples
    --------
    >>> verdict({"estimate": 0.2, "ci_low": 0.01, "p_val": 0.03, "p_adj": 0.03})
    ('supported', 'significant')
    >>> verdict({"estimate": 0.2, "ci_low": -0.01, "p_val": 0.057, "p_adj": 0.057})
    ('not_supported', 'ci_includes_zero')
    >>> verdict({"estimate": 0.5, "ci_low": 0.2, "p_val": 0.008, "p_adj": 0.056, "method": "permutation_kommuner",
    ...          "p_floor": 2 / 252}, family_size=7)
    ('undecidable', 'permutation_floor')
    >>> verdict({"estimate": 0.3, "ci_low": 0.2, "p_val": 1e-9, "p_adj": 1e-9, "ci_low_split": -0.07,
    ...          "p_split": 0.26}, same_source=True)
    ('association_same_source', 'split_not_confirmed')
    """
    est, ci_low = _number(row.get("estimate")), _number(row.get("ci_low"))
    p = _number(row.get("p_adj"))
    p = _number(row.get("p_val")) if np.isnan(p) else p
    if np.isnan(est):
        return "cannot_answer", "not_answered"
    floor = _number(row.get("p_floor"))
    if row.get("method") == "permutation_kommuner" and np.isfinite(floor) and family_size * floor >= alpha:
        return "undecidable", "permutation_floor"
    if est <= 0:
        return "not_supported", "not_positive"
    if not (np.isfinite(ci_low) and ci_low > 0):
        return "not_supported", "ci_includes_zero"
    if not (np.isfinite(p) and p < alpha):
        return "not_supported", "p_above_alpha"
    if not same_source:
        return "supported", "significant"
    split_low, split_p = _number(row.get("ci_low_split")), _number(row.get("p_split"))
    if np.isnan(split_low):
        return "association_same_source", "no_split"
    if split_low > 0 and split_p < alpha:
        return "supported", "split_confirms"
    return "association_same_source", "split_not_confirmed"


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


def _mask(table: pd.DataFrame, where: dict) -> np.ndarray | None:
    mask = np.ones(len(table), dtype=bool)
    for c, v in where.items():
        if c not in table.columns:
            return None
        mask &= (table[c].astype(str) == str(v)).to_numpy()
    return mask


def _primary(table: pd.DataFrame, alternatives: tuple[dict, ...]) -> tuple[dict, int] | tuple[None, None]:
    """The first alternative that selects rows, and the row: the last one (the latest wave) when several."""
    for where in alternatives:
        mask = _mask(table, where)
        if mask is not None and mask.any():
            return where, int(np.flatnonzero(mask)[-1])
    return None, None


def _family_size(table: pd.DataFrame, i: int) -> int:
    """Rows in the primary row's family (the ``p_adj`` family of the table; the whole table without one)."""
    if "family" not in table.columns:
        return len(table)
    return int((table["family"].astype(str) == str(table["family"].iloc[i])).sum())


def _row(r: pd.Series, split: bool) -> dict:
    out = {"relation": _relation(r), **{c: _value(r.get(c)) for c in _ROW_COLUMNS}}
    for c in ("scope", "dimension", "wave", "model", "analysis"):
        if c in r.index and _value(r[c]) is not None:
            out[c] = _value(r[c])
    if split:
        out.update({c: _value(r.get(c)) for c in _SPLIT_COLUMNS})
    return out


def answers(results: dict[str, pd.DataFrame], parameters: dict | None = None, language: Language = "en",
            alpha: float = ALPHA) -> list[dict]:
    """The answers to H1-H3 and RQ1-RQ4 (:data:`ANSWERS`), JSON-ready, in ``research_summary.json``.

    Parameters
    ----------
    results : dict of DataFrame
        :func:`relkap.research.analyse`.
    parameters : dict, optional
        The run's parameters (``min_units``: fewer kommuner than this adds the "few_kommuner" caveat;
        other keys are not read).
    language : {"da", "en"}
        Language of ``statement``, ``reason_text`` and ``caveat_texts``.
    alpha : float
        Significance level of the verdict rule.

    Returns
    -------
    list of dict
        One object per question, in the order H1, H2, H3, RQ1, RQ2, RQ3, RQ4: ``question``,
        ``statement``, ``table``, ``primary`` (the row selection), ``relation``, ``estimate``, ``ci_low``,
        ``ci_high``, ``p_val``, ``p_adj``, ``df``, ``method`` (of the primary row), ``adjustment`` (e.g.
        "holm over 3 tests"), ``family_size``, ``verdict`` (:data:`VERDICTS`), ``reason``
        (:data:`REASONS`), ``reason_text``, ``n_kommuner``, ``kommuner_needed`` (only when undecidable),
        ``answered_by``, ``caveats`` (:data:`CAVEATS`), ``caveat_texts``, ``parts`` (the primary row with
        its numbers, for H2/RQ3 also the split-sample estimate) and ``sensitivity`` (the other rows shown
        beside it, the same numbers each).

    Examples
    --------
    >>> h1 = pd.DataFrame([{"model": "mixed_respondent", "predictor": "structure_between", "estimate": 0.2,
    ...                     "ci_low": -0.01, "ci_high": 0.41, "p_val": 0.057, "p_adj": 0.057, "df": 7.2,
    ...                     "method": "satterthwaite", "n_units": 10, "family": "primary"}])
    >>> a = answers({"h1_structures_rk": h1, "units": pd.DataFrame()})
    >>> [(x["question"], x["verdict"], x["reason"]) for x in a][:2]
    [('H1', 'not_supported', 'ci_includes_zero'), ('H2', 'cannot_answer', 'not_answered')]
    >>> a[0]["caveats"], a[0]["adjustment"]
    (['few_kommuner', 'cross_sectional'], 'none (1 test)')
    """
    parameters = parameters or {}
    min_units = int(parameters.get("min_units", MIN_UNITS))
    status = results.get("not_answered")
    unanswered = set() if status is None else set(status.loc[status["answered"] == "no", "table"])
    out = []
    for q in ANSWERS:
        table = results.get(q.table, pd.DataFrame())
        where, i = (None, None) if q.table in unanswered or not len(table) else _primary(table, q.primary)
        caveats: list[str] = []
        head: dict = {}
        parts, sensitivity = [], []
        m, n_units, needed = 0, None, None
        if i is None:
            caveats.append("not_answered")
            final, reason = "cannot_answer", "not_answered"
        else:
            r = table.iloc[i]
            m = _family_size(table, i)
            head = _row(r, q.split)
            final, reason = verdict({**r.to_dict(), "p_adj": r.get("p_adj")}, m, q.same_source, alpha)
            n_units = _value(r.get("n_units"))
            if final == "undecidable":
                needed = kommuner_needed(alpha / m)
            parts = [{**where, **head}]
            mask = _mask(table, q.sensitivity) if q.sensitivity else np.ones(len(table), bool)
            sensitivity = [_row(table.iloc[j], q.split) for j in np.flatnonzero(mask) if j != i]
            if q.kommune_level and n_units is not None and n_units < min_units:
                caveats.append("few_kommuner")
            if q.same_source:
                caveats.append("same_source")
            if q.split:
                split_ok = reason == "split_confirms" or (
                    (head.get("ci_low_split") or -1) > 0 and (head.get("p_split") or 1) < alpha)
                caveats.append("split_confirms" if split_ok else "split_not_confirmed")
            if "estimate_corrected" in r.index and pd.notna(r["estimate_corrected"]):
                caveats.append("measurement_error")
            if q.cross_sectional:
                caveats.append("cross_sectional")
            if _value(r.get("converged")) is False:
                caveats.append("not_converged")
            if head.get("method") == "permutation_kommuner":
                caveats.append("permutation")
            if _not_invariant(results, [r], q.table):
                caveats.append("not_invariant")
            if q.answered_by:
                caveats.append("shared_test")
        adjustment = ("none (1 test)" if m == 1 else f"holm over {m} tests") if m else None
        shown_p = fmt.pvalue(head.get("p_adj") if head.get("p_adj") is not None else head.get("p_val"), language)
        fields = {"alpha": fmt.number(alpha, 2, language), "m": m, "n": n_units or 0, "needed": needed or 0,
                  "p_adj": shown_p if shown_p.startswith("<") else f"= {shown_p}", "other": q.answered_by or ""}
        out.append({
            "question": q.question,
            "statement": text(f"research.answer.statement.{q.question}", language),
            "table": q.table,
            "primary": where,
            "relation": head.get("relation"),
            **{c: head.get(c) for c in _ROW_COLUMNS},
            "adjustment": adjustment,
            "family_size": m or None,
            "verdict": final,
            "reason": reason,
            "reason_text": text(f"research.answer.reason.{reason}", language, **fields),
            "n_kommuner": n_units,
            "kommuner_needed": needed,
            "answered_by": q.answered_by,
            "caveats": caveats,
            "caveat_texts": [text(f"research.caveat_text.{c}", language, other=q.answered_by or "") for c in caveats],
            "parts": parts,
            "sensitivity": sensitivity,
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
