"""The codebook's measurement models on the tidy survey tables: RK, leadership, the other employee scales
and the citizen scales, pooled over kommuner, with invariance across waves and professional groups.

Why the RK model is fitted on the respondent's dimension means over the groups they rate: each respondent
rates several groups on the same six dimensions, so the respondent x target rows are not independent, and
a one-level CFA on them would treat a person's answers about six groups as six people (standard errors
too small, fit indices inflated). Averaging each dimension over the groups a respondent rates (the other
groups, as the cross-group RK index does; at least one) gives one row per respondent whose covariance is
the person-level structure the RK index rests on: do the six dimensions measure one capacity to
collaborate? A two-level model (targets within respondents, or respondents within kommuner, as lavaan's
``cluster =`` with a within and a between model) would add the structure of the *ties*: whether the six
dimensions also form one factor between target groups (how a group is seen) and between kommuner, which
the comparisons of ties and kommuner assume. It needs many clusters per level (a rule of thumb is 50 or
more kommuner for a between-kommune model), which ten kommuner do not give; it is left for a later issue.

Invariance across waves pools respondents of both waves; respondents who answered twice (linked by
pseudonym) are treated as independent, which makes the tests somewhat liberal; a longitudinal model with
correlated residuals of an item over time would use the link. Groups with fewer than ``min_group_n``
complete rows are left out of the multi-group models (the column ``left_out`` counts them), because a
covariance matrix of a handful of rows cannot be compared. When the rows left out number fewer than
``relkap.config.MIN_N`` (but some), the multi-group rows do not show ``n``: the pooled n minus it would
print a count below the disclosure threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from relkap.config import ALPHA, MIN_N
from relkap.instrument import Instrument
from relkap.measurement.cfa import cfa, fit_indices, omega, standardized_loadings
from relkap.measurement.invariance import invariance
from relkap.scoring import respondent_scores

__all__ = ["LEADERSHIP", "RK_MODEL", "Measurement", "codebook_models", "rk_wide", "items_wide",
           "model_data", "measure"]

LEADERSHIP = ("vision", "deltagelse", "ramme", "involvering")  # leadership subscales: correlated factors
RK_MODEL = "rk"
_IDS = ["kommune", "wave", "respondent_id", "group"]


@dataclass(frozen=True)
class Measurement:
    """The pooled measurement models: tidy tables, one row per model / loading / factor / step."""

    fit: pd.DataFrame
    loadings: pd.DataFrame
    reliability: pd.DataFrame
    invariance: pd.DataFrame
    models: dict[str, dict[str, list[str]]]


def codebook_models(instrument: Instrument, leadership: Sequence[str] = LEADERSHIP) -> dict[str, dict]:
    """Each model's factors and items from the codebook.

    ``rk``: one factor with the relational dimensions; ``leadership``: the ``leadership`` subscales as
    correlated factors; every other employee scale on its own; ``citizen``: the citizen scales as
    correlated factors. Scales with one item (the coded structures) have no measurement model.

    Examples
    --------
    >>> from relkap import load_instrument
    >>> m = codebook_models(load_instrument())
    >>> list(m), list(m["leadership"])
    (['rk', 'leadership', 'motivation', 'citizen'], ['vision', 'deltagelse', 'ramme', 'involvering'])
    """
    models = {RK_MODEL: {RK_MODEL: list(instrument.relational_codes)}}
    employee = [s for s in instrument.scales_for("employee") if len(s.items) > 1]
    lead = {s.code: list(s.items) for s in employee if s.code in leadership}
    if lead:
        models["leadership"] = lead
    for s in employee:
        if s.code not in leadership and len(s.items) > 2:
            models[s.code] = {s.code: list(s.items)}
    citizen = {s.code: list(s.items) for s in instrument.scales_for("citizen") if len(s.items) > 1}
    if citizen:
        models["citizen"] = citizen
    return models


def rk_wide(relations: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """One row per respondent and wave: the mean of each relational dimension over the other groups rated.

    Columns ``kommune``, ``wave``, ``respondent_id``, ``group`` and one per dimension (NaN where the
    respondent gave no valid answer on it for any other group).
    """
    rs = respondent_scores(relations, instrument, dimension="all")
    rs = rs[rs["group"].astype(str) != rs["target"].astype(str)]
    ids = [c for c in _IDS if c in rs.columns]
    rs = rs.astype({c: str for c in ids if c != "kommune"} | {"dimension": str})
    wide = rs.pivot_table(index=ids, columns="dimension", values="score", aggfunc="mean", observed=True)
    wide = wide.reindex(columns=[c for c in instrument.relational_codes if c in wide.columns])
    wide.columns.name = None
    return wide.reset_index()


def items_wide(table: pd.DataFrame, items: Sequence[str]) -> pd.DataFrame:
    """The long ``scales`` or ``citizens`` table as one row per respondent and wave, one column per item."""
    ids = [c for c in _IDS if c in table.columns]
    d = table[table["item"].astype(str).isin(list(items))].astype({c: str for c in ids if c != "kommune"})
    wide = d.pivot_table(index=ids, columns="item", values="score", aggfunc="first", observed=True)
    wide = wide.reindex(columns=list(items))
    wide.columns.name = None
    return wide.reset_index()


def model_data(tables, instrument: Instrument, models: dict[str, dict]) -> dict[str, pd.DataFrame]:
    """The wide respondent table each model is fitted to (``rk_wide`` or ``items_wide``)."""
    out = {}
    for name, factors in models.items():
        items = [i for v in factors.values() for i in v]
        if name == RK_MODEL:
            out[name] = rk_wide(tables.relations, instrument)
        else:
            source = tables.citizens if set(items) <= set(instrument.items_for("citizen")) else tables.scales
            out[name] = items_wide(source, items)
    return out


def _multi_group(data: pd.DataFrame, factors: dict, by: str, min_group_n: int, alpha: float):
    items = [i for v in factors.values() for i in v]
    complete = data.dropna(subset=items)
    n = complete[by].value_counts()
    keep = n[n >= min_group_n].index
    left_out = int((n < min_group_n).sum())
    if len(keep) < 2:
        return None, left_out
    res = invariance(complete[complete[by].isin(keep)], factors, by, alpha=alpha)
    excluded = int(n[n < min_group_n].sum())
    if 0 < excluded < MIN_N:  # pooled n minus this n would give a count below the disclosure threshold
        res.table["n"] = np.nan
    return res, left_out


def measure(tables, instrument: Instrument, *, models: dict[str, dict] | None = None,
            across: Sequence[str] = ("wave", "group"), min_group_n: int = 50, alpha: float = ALPHA,
            estimator: str = "ML") -> Measurement:
    """Fit every codebook model on the pooled data, with invariance ``across`` waves and groups.

    Parameters
    ----------
    tables : Tables
        The tidy tables of :func:`relkap.load` (``relations``, ``scales``, ``citizens``).
    instrument : Instrument
        The codebook.
    models : dict, optional
        Model name to factors (default :func:`codebook_models`).
    across : sequence of str
        Columns to test invariance across (``group`` applies to employee models only).
    min_group_n : int
        Complete rows a wave or group needs to enter a multi-group model.
    alpha : float
        Level of the score tests that free intercepts (partial invariance).
    estimator : {"ML", "MLR"}
        Of the pooled models (:func:`relkap.measurement.cfa`); the multi-group models are ML.

    Returns
    -------
    Measurement
        ``fit``: :func:`relkap.measurement.fit_indices` per model (``model`` column); ``loadings``:
        standardised loadings (``model``, ``factor``, ``item``, ``std``, ``se``, ``ci_low``, ``ci_high``);
        ``reliability``: omega and alpha per factor; ``invariance``: the steps per model and ``across``
        (columns of :func:`relkap.measurement.invariance` plus ``model``, ``across``, ``left_out``).
        A model that cannot be estimated has a row whose ``status`` says why.

    Examples
    --------
    >>> from relkap import load_instrument
    >>> from relkap.synth import example_tables
    >>> m = measure(example_tables(2, respondents=30), load_instrument(), across=())
    >>> m.fit[["model", "status", "df"]]
            model status  df
    0          rk     ok   9
    1  leadership     ok  98
    2  motivation     ok   2
    3     citizen     ok  32
    """
    models = codebook_models(instrument) if models is None else models
    data = model_data(tables, instrument, models)
    fits, loads, rel, inv = [], [], [], []
    for name, factors in models.items():
        d = data[name]
        fit = cfa(d, factors, estimator=estimator)
        fits.append(fit_indices(fit, name))
        if fit.status in ("ok", "heywood"):
            loads.append(standardized_loadings(fit).drop(columns="group").assign(model=name))
            rel.append(omega(fit).drop(columns="group").assign(model=name))
        for by in across:
            if by not in d.columns:
                continue
            res, left_out = _multi_group(d, factors, by, min_group_n, alpha)
            if res is None:
                inv.append(pd.DataFrame([{"model": name, "across": by, "step": "configural",
                                          "status": "too_few", "left_out": left_out}]))
                continue
            inv.append(res.table.assign(model=name, across=by, left_out=left_out))
    first = ["model"]
    return Measurement(
        fit=pd.concat(fits, ignore_index=True),
        loadings=_front(loads, first),
        reliability=_front(rel, first),
        invariance=_front(inv, ["model", "across"]),
        models=models,
    )


def _front(parts: list[pd.DataFrame], cols: list[str]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame(columns=cols)
    d = pd.concat(parts, ignore_index=True)
    return d[cols + [c for c in d.columns if c not in cols]]
