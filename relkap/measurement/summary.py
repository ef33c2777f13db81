"""What the measurement models mean for the rest: the invariance level per model, the JSON block of
``research_summary.json``, the caveat for the research answers and the sentence for the kommune report.

Levels (:data:`LEVELS`), from the steps of :func:`relkap.measurement.invariance` across waves:
``scalar`` (loadings and intercepts equal: means comparable), ``partial`` (scalar after freeing the named
intercepts: means comparable with the caution that those items differ), ``metric`` (loadings equal,
intercepts not: associations comparable, means not), ``configural`` (same structure only), and
``not_estimable`` (a model could not be estimated, or no table).
"""

from __future__ import annotations

import pandas as pd

from relkap import files
from relkap.instrument import Instrument
from relkap.measurement.invariance import invariance
from relkap.measurement.survey import RK_MODEL, Measurement, rk_wide
from relkap.words import Language, catalogue, text

__all__ = ["LEVELS", "RESULT_TABLES", "invariance_level", "wave_levels", "as_results", "measurement_block",
           "rk_wave_invariance", "model_of_scale", "invariance_sentence"]

LEVELS = ("scalar", "partial", "metric", "configural", "not_estimable")
#: the measurement tables as entries of the research results (``research.analyse``'s dict)
RESULT_TABLES = ("measurement_fit", "measurement_loadings", "measurement_reliability", "measurement_invariance")


def invariance_level(steps: pd.DataFrame) -> tuple[str, tuple[str, ...]]:
    """The level reached by the steps of one model and grouping, and the intercepts freed (partial).

    Examples
    --------
    >>> steps = pd.DataFrame({"step": ["configural", "metric", "scalar", "partial_scalar"],
    ...                       "status": "ok", "verdict": [None, "holds", "fails", "holds"],
    ...                       "freed": ["", "", "", "motivation_2"]})
    >>> invariance_level(steps)
    ('partial', ('motivation_2',))
    """
    s = steps.set_index("step")
    if "configural" not in s.index or s.loc["configural", "status"] not in ("ok", "heywood"):
        return "not_estimable", ()
    verdict = s["verdict"].to_dict() if "verdict" in s.columns else {}
    if verdict.get("metric") != "holds":
        return ("configural" if verdict.get("metric") == "fails" else "not_estimable"), ()
    if verdict.get("scalar") == "holds":
        return "scalar", ()
    if verdict.get("partial_scalar") == "holds":
        freed = str(s.loc["partial_scalar", "freed"] or "")
        return "partial", tuple(x for x in freed.split(", ") if x)
    return ("metric" if verdict.get("scalar") == "fails" else "not_estimable"), ()


def wave_levels(table: pd.DataFrame | None) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Model -> (level, freed items) across waves, from an invariance table (``Measurement.invariance``)."""
    if table is None or len(table) == 0 or "across" not in table.columns:
        return {}
    waves = table[table["across"] == "wave"]
    return {m: invariance_level(part) for m, part in waves.groupby("model", sort=False)}


def as_results(m: Measurement) -> dict[str, pd.DataFrame]:
    """The measurement tables under the names of :data:`RESULT_TABLES` (to add to the research results)."""
    return dict(zip(RESULT_TABLES, (m.fit, m.loadings, m.reliability, m.invariance), strict=True))


def _records(df: pd.DataFrame) -> list[dict]:
    return [{c: files.json_value(v) for c, v in zip(df.columns, row, strict=True)}
            for row in df.itertuples(index=False)]


def measurement_block(results: dict[str, pd.DataFrame], language: Language = "en") -> dict | None:
    """The ``measurement`` block of ``research_summary.json`` (None without measurement tables).

    ``fit``, ``loadings``, ``reliability``, ``invariance`` (rows of the pooled tables: no kommune-level
    row), and ``waves``: per model the ``level`` (:data:`LEVELS`), the ``freed`` intercepts and a sentence.
    """
    if RESULT_TABLES[0] not in results:
        return None
    levels = wave_levels(results.get("measurement_invariance"))
    return {
        **{name.removeprefix("measurement_"): _records(results[name]) for name in RESULT_TABLES if name in results},
        "waves": {m: {"level": lv, "freed": list(freed), "text": invariance_sentence(lv, freed, language, m)}
                  for m, (lv, freed) in levels.items()},
    }


def model_of_scale(code: str, models: dict[str, dict] | None = None) -> str | None:
    """The measurement model a scale code belongs to (``rk``, a factor's model, or the model of that name).

    Examples
    --------
    >>> model_of_scale("vision", {"leadership": {"vision": ["v1", "v2"]}, "rk": {"rk": ["a", "b"]}})
    'leadership'
    >>> model_of_scale("structure", {"rk": {"rk": ["a", "b"]}}) is None
    True
    """
    models = models or {}
    if code in models:
        return code
    return next((name for name, factors in models.items() if code in factors), None)


def rk_wave_invariance(tables, instrument: Instrument, min_group_n: int = 50) -> tuple[str, tuple[str, ...]]:
    """The RK model's invariance level across waves in the pooled ``tables`` (for the kommune report).

    Fits only the RK model (three two-group models, a second or two even for 98 kommuner): the level
    and the freed dimensions, as :func:`invariance_level`. With one wave (or a wave with fewer than
    ``min_group_n`` complete respondents) the level is ``not_estimable``.
    """
    items = list(instrument.relational_codes)
    d = rk_wide(tables.relations, instrument).dropna(subset=items)
    n = d["wave"].value_counts() if len(d) else pd.Series(dtype=int)
    keep = n[n >= min_group_n].index
    if len(keep) < 2:
        return "not_estimable", ()
    res = invariance(d[d["wave"].isin(keep)], {RK_MODEL: items}, "wave")
    return invariance_level(res.table)


def invariance_sentence(level: str, freed: tuple[str, ...] | list[str] = (), language: Language = "da",
                        model: str = RK_MODEL, instrument: Instrument | None = None) -> str:
    """One sentence: does the comparison across waves rest on an instrument shown invariant?

    Examples
    --------
    >>> invariance_sentence("scalar", language="en")[:60]
    'In the pooled data of all kommuner, the RK instrument is sca'
    >>> invariance_sentence("partial", ["motivation_2"], "da", "motivation")[:63]
    'I de samlede data fra alle kommuner er motivationsskalaen kun d'
    """
    key = f"measurement.short.{model}"
    name = text(key, language) if key in catalogue() else (instrument.label(model, language) if instrument else model)
    items = ", ".join(instrument.label(i, language) if instrument else i for i in freed)
    return text(f"measurement.waves.{level}", language, model=name, items=items)
