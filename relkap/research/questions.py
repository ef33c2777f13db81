"""The research questions, what each needs from the data, and :func:`analyse`, which answers them all.

A question the data cannot answer (too few kommuner for its model, no follow-up wave, no structure
coding, no citizen survey, not both arms) gets an empty table and a row in ``results["not_answered"]``
that says why; the others are answered as usual.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from ..config import MIN_N
from ..instrument import Instrument
from ..io import Tables
from ..privacy import shareable_tables
from .aggregation import aggregation_check
from .data import LEADERSHIP, STRUCTURE, citizen_table, respondent_table, unit_table, wave_order
from .fit import MIN_UNITS, check_nesting, finish
from .h1 import structures_rk
from .h2 import leadership_models
from .h3 import MIN_CROSS_LAGGED_KOMMUNER, lag_pairs, structures_leadership
from .rq1 import cocreation_outcomes
from .rq2 import MIN_MEDIATION_KOMMUNER, mediation, rk_citizen
from .rq4 import intervention_did

__all__ = ["Question", "QUESTIONS", "TABLE_NAMES", "NOT_ANSWERED_COLUMNS", "analyse", "not_answered",
           "counts"]


@dataclass(frozen=True)
class Question:
    """One result table: its name, key columns, the fewest kommuner its model needs and the data it needs.

    ``needs`` names data beyond the employees' relational answers: ``"structures"`` (the coding of the
    formal structures), ``"leadership"`` (the leadership scales), ``"citizens"`` (the citizen survey),
    ``"followup"`` (the first wave and at least one later wave), ``"arms"`` (intervention and control kommuner).
    """

    table: str
    keys: tuple[str, ...]
    min_kommuner: int
    needs: tuple[str, ...] = ()


QUESTIONS = (
    # An ICC needs two units; with one kommune only the groups within it are checked (answered in part).
    Question("aggregation", ("level", "wave", "statistic"), 1),
    # A kommune-level slope with an intercept needs a third kommune to leave a degree of freedom.
    Question("h1_structures_rk", ("model", "outcome", "predictor"), 3, ("structures",)),
    # A kommune random intercept needs two kommuner.
    Question("h2_leadership", ("outcome", "predictor"), 2, ("leadership",)),
    Question("h3_structures_leadership", ("analysis", "path", "wave"), 4, ("structures", "leadership")),
    Question("rq1_cocreation", ("outcome", "predictor"), 2, ("citizens",)),
    Question("rq2_rk_citizen", ("outcome", "predictor"), 3, ("citizens",)),
    Question("rq2_mediation", ("outcome", "path"), MIN_MEDIATION_KOMMUNER, ("citizens", "leadership")),
    Question("rq4_did", ("scope", "dimension", "wave"), 2, ("followup", "arms")),
)
TABLE_NAMES = tuple(q.table for q in QUESTIONS)
NOT_ANSWERED_COLUMNS = ["table", "answered", "reason", "needed", "available"]


def not_answered(units: pd.DataFrame, respondents: pd.DataFrame, citizens: pd.DataFrame, arms: dict[int, str],
                 waves: Sequence[str] | None = None) -> pd.DataFrame:
    """The questions the data cannot answer, or answer only in part, and why.

    Parameters
    ----------
    units, respondents, citizens : DataFrame
        :func:`relkap.research.unit_table`, :func:`~relkap.research.respondent_table`,
        :func:`~relkap.research.citizen_table`.
    arms : dict
        Kommune -> ``"intervention"`` or ``"control"``.
    waves : sequence of str, optional
        The waves in time order (default ``["baseline", "followup"]``): RQ4 needs the first and at least one
        later wave in the data; H3's cross-lagged model a pair of consecutive waves.

    Returns
    -------
    DataFrame
        One row per question not fully answered: ``table`` (:data:`TABLE_NAMES`), ``answered`` ("no" or
        "partly"), ``reason`` ("too_few_kommuner", "no_structures", "no_leadership", "no_citizens",
        "no_followup", "no_arms", "kommune_level", "cross_lagged"), ``needed`` and ``available`` (the
        numbers the reason compares, where it compares numbers).

    Examples
    --------
    >>> units = pd.DataFrame({"kommune": [101, 101], "wave": ["baseline", "followup"], "rk": [3.5, 3.7]})
    >>> not_answered(units, units.assign(group="a"), pd.DataFrame(), {})[["table", "answered", "reason"]]
                          table answered            reason
    0               aggregation   partly     kommune_level
    1          h1_structures_rk       no  too_few_kommuner
    2             h2_leadership       no  too_few_kommuner
    3  h3_structures_leadership       no  too_few_kommuner
    4            rq1_cocreation       no  too_few_kommuner
    5            rq2_rk_citizen       no  too_few_kommuner
    6             rq2_mediation       no  too_few_kommuner
    7                   rq4_did       no  too_few_kommuner
    """
    k = int(units["kommune"].nunique())
    order = list(waves) if waves is not None else ["baseline", "followup"]
    present = set(units["wave"].astype(str))
    in_order = [w for w in order if w in present]
    kommuner = set(units["kommune"])
    in_data = {kom: a for kom, a in arms.items() if kom in kommuner and a in ("intervention", "control")}
    n_arm = {a: sum(v == a for v in in_data.values()) for a in ("intervention", "control")}
    has = {
        "structures": STRUCTURE in units.columns and bool(units[STRUCTURE].notna().any()),
        "leadership": LEADERSHIP in respondents.columns and bool(respondents[LEADERSHIP].notna().any()),
        "citizens": len(citizens) > 0,
        "followup": order[0] in present and len(in_order) >= 2,
        "arms": min(n_arm.values()) >= 1,
    }
    rows = []
    for q in QUESTIONS:
        missing = [need for need in q.needs if not has[need]]
        if k < q.min_kommuner:
            rows.append({"table": q.table, "answered": "no", "reason": "too_few_kommuner",
                         "needed": q.min_kommuner, "available": k})
        elif missing:
            rows.append({"table": q.table, "answered": "no", "reason": f"no_{missing[0]}"})
        elif q.table == "aggregation" and k < 2:
            rows.append({"table": q.table, "answered": "partly", "reason": "kommune_level", "needed": 2,
                         "available": k})
        elif q.table == "h3_structures_leadership":
            both = units.dropna(subset=[STRUCTURE, LEADERSHIP]).astype({"wave": str})
            n_both = max((int(both[both["wave"].isin(pair)].groupby("kommune")["wave"].nunique().eq(2).sum())
                          for pair in lag_pairs(in_order)), default=0)
            if n_both < MIN_CROSS_LAGGED_KOMMUNER:
                rows.append({"table": q.table, "answered": "partly", "reason": "cross_lagged",
                             "needed": MIN_CROSS_LAGGED_KOMMUNER, "available": n_both})
    out = pd.DataFrame(rows, columns=NOT_ANSWERED_COLUMNS)
    return out.astype({"needed": "Int64", "available": "Int64"})


def analyse(tables: Tables, instrument: Instrument, arms: dict[int, str] | None = None,
            targeted: dict[int, list[tuple[str, str]]] | None = None, nesting: str = "vc", n_boot: int = 2000,
            n_permutations: int = 999, seed: int = 1, min_units: int = MIN_UNITS, min_n: int = MIN_N,
            mediation_correction: str = "mediator", shared: bool = True) -> dict[str, pd.DataFrame]:
    """Every table of the research notebook, by name (:data:`TABLE_NAMES`), plus ``units`` and ``not_answered``.

    Parameters
    ----------
    tables : Tables
        The tidy tables of :func:`relkap.load`.
    instrument : Instrument
        The codebook (wave labels, dimensions, scales).
    arms, targeted : dict, optional
        Kommune -> arm and intervention kommune -> targeted ties (the kommune parameter files).
    nesting : {"vc", "combined"}
        Random effects of the respondent-level mixed models.
    n_boot, n_permutations, seed : int
        Mediation bootstrap resamples, DiD permutations, their seed (also of the split-sample halves of
        H2/RQ3).
    min_units : int
        Fewer kommuner than this: kommune-level results are flagged ``low_power``.
    min_n : int
        The disclosure threshold: with ``shared`` (the default) every analysis starts from the answers the
        kommune reports may show (:func:`relkap.privacy.shareable_tables`: groups, ties and tie dimensions
        with fewer than ``min_n`` respondents removed), so no research number, total or estimate, depends on a
        hidden cell; also the smallest unit in the r_wg(j) summary.
    mediation_correction : {"mediator", "all", "none"}
        Sampling-error correction of the mediation (:func:`relkap.research.mediation`).
    shared : bool
        False: analyse every answer, hidden cells included (for the researcher's own machine only: such
        results are never shared, as the research report is).

    Returns
    -------
    dict of DataFrame
        ``units`` (:func:`relkap.research.unit_table`, not for sharing: one row per kommune),
        ``not_answered`` (:func:`not_answered`) and one table per name in :data:`TABLE_NAMES`; a
        question the data cannot answer has an empty table with its columns.

    Examples
    --------
    >>> from relkap import load_instrument
    >>> from relkap.research import example_tables
    >>> inst, t = load_instrument(), example_tables(1, respondents=40)  # groups of 5 or more: shown
    >>> res = analyse(t, inst, n_boot=10, n_permutations=0)
    >>> {name: len(res[name]) for name in TABLE_NAMES}
    {'aggregation': 6, 'h1_structures_rk': 0, 'h2_leadership': 0, 'h3_structures_leadership': 0, 'rq1_cocreation': 0, 'rq2_rk_citizen': 0, 'rq2_mediation': 0, 'rq4_did': 0}
    """
    check_nesting(nesting)
    if shared:
        tables = shareable_tables(tables, min_n, min_items=instrument.min_items)
    resp = respondent_table(tables, instrument)
    cit = citizen_table(tables, instrument)
    units = unit_table(tables, instrument, resp, cit, arms)
    # every wave in the data, in the codebook's order: each model is told them (none pools them silently)
    waves = wave_order(units["wave"].astype(str), instrument)
    known = {k: a for k, a in (arms or {}).items() if a in ("intervention", "control")}
    status = not_answered(units, resp, cit, known, waves=waves)
    dims = [s.code for s in instrument.scales_for("structures")]
    answer = {
        "aggregation": lambda: aggregation_check(resp, instrument, min_n=min_n),
        "h1_structures_rk": lambda: structures_rk(units, resp, dims, nesting=nesting, waves=waves),
        "h2_leadership": lambda: leadership_models(resp, tables.scales, nesting=nesting, seed=seed, waves=waves),
        "h3_structures_leadership": lambda: structures_leadership(units, waves=waves),
        "rq1_cocreation": lambda: cocreation_outcomes(cit, tables.citizens, waves=waves),
        "rq2_rk_citizen": lambda: rk_citizen(units, min_units=min_units, waves=waves),
        "rq2_mediation": lambda: mediation(units, n_boot=n_boot, seed=seed, min_units=min_units,
                                           correct_errors=mediation_correction, waves=waves),
        "rq4_did": lambda: intervention_did(tables.relations, instrument, known, targeted,
                                           n_permutations=n_permutations, seed=seed, waves=waves),
    }
    unanswerable = set(status.loc[status["answered"] == "no", "table"])
    out = {"units": units}
    for q in QUESTIONS:
        out[q.table] = finish([], list(q.keys)) if q.table in unanswerable else answer[q.table]()
    out["not_answered"] = status
    return out


def counts(results: dict[str, pd.DataFrame]) -> dict[str, int]:
    """The numbers behind the results: kommuner, kommune-waves, waves, employees, citizens, arms.

    Examples
    --------
    >>> units = pd.DataFrame({"kommune": [1, 1, 2], "wave": ["b", "f", "b"], "n_respondents": [10, 12, 9],
    ...                       "arm": ["control", "control", "intervention"]})
    >>> counts({"units": units})
    {'kommuner': 2, 'units': 3, 'waves': 2, 'employees': 31, 'citizens': 0, 'intervention': 1, 'control': 1}
    """
    units = results["units"]
    arms = units.drop_duplicates("kommune")["arm"] if "arm" in units else pd.Series(dtype=object)
    return {
        "kommuner": int(units["kommune"].nunique()),
        "units": len(units),
        "waves": int(units["wave"].nunique()),
        "employees": int(units["n_respondents"].sum()),
        "citizens": int(units["n_citizens"].sum()) if "n_citizens" in units else 0,
        "intervention": int((arms == "intervention").sum()),
        "control": int((arms == "control").sum()),
    }
