"""The research tables: one row per employee, per citizen, and per kommune and wave.

Every research question starts from these three tidy tables, built once from the tables of
:func:`relkap.load`. The column names below are also the names of the variables in the result tables
(``predictor``, ``outcome``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import scoring
from ..instrument import Instrument
from ..io import Tables
from ..synth import example_tables

__all__ = ["LEADERSHIP_SCALES", "LEADERSHIP", "MOTIVATION", "COCREATION", "SATISFACTION", "EFFECT", "RK",
           "STRUCTURE", "example_tables", "wave_order", "respondent_table", "citizen_table", "unit_table"]

LEADERSHIP_SCALES = ("vision", "deltagelse", "ramme", "involvering")
LEADERSHIP = "leadership"  # the mean of the four subscales
MOTIVATION = "motivation"
COCREATION, SATISFACTION, EFFECT = "samskabelse", "tilfredshed", "effekt"
RK = "rk"
STRUCTURE = "structure"  # mean of the coded structure dimensions


def wave_order(codes, instrument: Instrument | None = None) -> list[str]:
    """The wave codes among ``codes`` in time order: the codebook's order, waves it lacks last (sorted).

    Without ``instrument`` the order of a categorical's categories, else the codes sorted. Every research
    model is told these ordered waves, so no output pools waves without saying which.

    Examples
    --------
    >>> from relkap import load_instrument
    >>> wave_order(["followup", "baseline", "followup"], load_instrument())
    ['baseline', 'followup']
    >>> wave_order(pd.Categorical(["f", "b", "m"], ["b", "m", "f"]))
    ['b', 'm', 'f']
    """
    present = {str(c) for c in pd.Series(codes).dropna().unique()}
    if instrument is not None:
        declared = instrument.waves.present(present)
        return declared + sorted(present - set(declared))
    if isinstance(getattr(codes, "dtype", None), pd.CategoricalDtype):
        return [str(c) for c in codes.dtype.categories if str(c) in present]
    return sorted(present)


def _scale_wide(table: pd.DataFrame, instrument: Instrument, ids: list[str]) -> pd.DataFrame:
    """Scale scores (``scoring.scale_scores``) as one column per scale."""
    if len(table) == 0:
        return pd.DataFrame(columns=ids)
    s = scoring.scale_scores(table, instrument)
    s = s.astype({"scale": str, "wave": str})
    wide = s.pivot_table(index=ids, columns="scale", values="score", observed=True)
    wide.columns.name = None
    return wide.reset_index()


def _cross_group(scores: pd.DataFrame) -> pd.DataFrame:
    """Respondent scores of the *other* groups (the diagonal, a group's view of itself, left out)."""
    return scores[scores["group"].astype(str) != scores["target"].astype(str)]


def respondent_table(tables: Tables, instrument: Instrument,
                     leadership_scales: Sequence[str] = LEADERSHIP_SCALES) -> pd.DataFrame:
    """One row per employee and wave: the RK index, the dimension scores and the scale scores.

    Parameters
    ----------
    tables : Tables
        The tidy tables of :func:`relkap.load` (``relations``, ``scales``, ``structures``).
    instrument : Instrument
        The codebook.
    leadership_scales : sequence of str
        The leadership subscales whose mean is ``leadership``.

    Returns
    -------
    DataFrame
        ``kommune``, ``wave``, ``respondent_id``, ``group``; ``rk`` (the cross-group respondent index:
        mean of the respondent's valid scores of the other groups), one column per relational dimension
        (the same mean per item), ``n_targets`` (other groups scored), one column per employee scale,
        ``leadership`` (mean of the valid ``leadership_scales``, at least half of them) and ``structure``
        (the kommune's coded formalisation in that wave, as in :func:`unit_table`).

    Examples
    --------
    >>> from relkap import load_instrument
    >>> inst, t = load_instrument(), example_tables(2)
    >>> r = respondent_table(t, inst)
    >>> r[["kommune", "wave", "group", "rk", "leadership"]].head(2).round(2)
       kommune      wave      group    rk  leadership
    0      510  baseline  psykiatri  3.00        3.73
    1      510  baseline   udfoerer  2.06        2.56
    """
    ids = ["kommune", "wave", "respondent_id", "group"]
    rel = tables.relations
    rs = scoring.respondent_index(rel, instrument, dimension="all")
    rs = rs.astype({"wave": str, "group": str, "dimension": str})
    dims = rs.pivot_table(index=ids, columns="dimension", values="score", aggfunc="mean", observed=True)
    dims = dims.reindex(columns=[c for c in instrument.relational_codes if c in dims.columns])
    idx = scoring.respondent_index(rel, instrument).astype({"wave": str, "group": str}).set_index(ids).sort_index()
    out = pd.DataFrame({RK: idx["score"], "n_targets": idx["n_targets"]}).join(dims).reset_index()
    scales = _scale_wide(tables.scales, instrument, ids).astype({"group": str})
    out = out.merge(scales, on=ids, how="outer")
    lead = [s for s in leadership_scales if s in out.columns]
    if lead:
        valid = out[lead].notna().sum(axis=1)
        out[LEADERSHIP] = out[lead].mean(axis=1).where(valid >= math.ceil(len(lead) / 2))
    structure = _structure_units(tables.structures)
    if len(structure):
        out = out.merge(structure[["kommune", "wave", STRUCTURE]], on=["kommune", "wave"], how="left")
    out["kommune"] = out["kommune"].astype(np.int64)
    return out.sort_values(ids, kind="stable").reset_index(drop=True)


def citizen_table(tables: Tables, instrument: Instrument) -> pd.DataFrame:
    """One row per citizen and wave (``kommune``, ``wave``, ``respondent_id``), one column per citizen scale.

    Examples
    --------
    >>> from relkap import load_instrument
    >>> inst, t = load_instrument(), example_tables(2)
    >>> list(citizen_table(t, inst).columns)
    ['kommune', 'wave', 'respondent_id', 'effekt', 'samskabelse', 'tilfredshed']
    """
    out = _scale_wide(tables.citizens, instrument, ["kommune", "wave", "respondent_id"])
    if len(out):
        out["kommune"] = out["kommune"].astype(np.int64)
    return out


def _structure_units(structures: pd.DataFrame) -> pd.DataFrame:
    """Kommune x wave: mean over coders per structure dimension, and their mean (``structure``)."""
    if len(structures) == 0:
        return pd.DataFrame(columns=["kommune", "wave", STRUCTURE])
    s = structures.astype({"wave": str, "dimension": str})
    wide = s.pivot_table(index=["kommune", "wave"], columns="dimension", values="score", aggfunc="mean",
                         observed=True)
    wide.columns.name = None
    dims = list(wide.columns)
    wide[STRUCTURE] = wide[dims].mean(axis=1)
    return wide.reset_index()


def unit_table(tables: Tables, instrument: Instrument, respondents: pd.DataFrame | None = None,
               citizens: pd.DataFrame | None = None, arms: dict[int, str] | None = None) -> pd.DataFrame:
    """One row per kommune and wave: RK, employee scales, structures and citizen scales.

    Parameters
    ----------
    tables : Tables
        The tidy tables of :func:`relkap.load`.
    instrument : Instrument
        The codebook.
    respondents, citizens : DataFrame, optional
        :func:`respondent_table` and :func:`citizen_table`, when already built.
    arms : dict, optional
        Kommune code -> ``"intervention"`` or ``"control"`` (the kommune parameter files).

    Returns
    -------
    DataFrame
        ``kommune``, ``wave``; ``rk``: the unweighted mean of the cross-group tie means T(A->B), A != B,
        each tie counted once (no privacy suppression: the value is never shown per kommune, only used in
        pooled models), ``n_ties``; ``n_respondents``, ``rk_respondent`` (the respondent-weighted index),
        ``n_groups``; every employee scale and ``leadership`` as the unweighted mean of the group means;
        ``rk_error_var``, ``leadership_error_var``, ``rk_leadership_error_cov``: the sampling
        (co)variances of ``rk`` and ``leadership`` (see Notes); every citizen scale (citizen means) and
        ``n_citizens``; each structure dimension (mean over coders) and ``structure`` (their mean);
        ``arm`` when ``arms`` is given.

    Notes
    -----
    With T cross-group ties, rk = (1/T) sum_A mean_{r in A} c_r, where c_r is the sum of respondent r's
    scores of the other groups (a missing score replaced by its tie mean, which adds no variance); with
    G groups, leadership = (1/G) sum_A mean_{r in A} L_r. Respondents of a group are exchangeable, so

    .. math::

        var(rk) = \\sum_A var_A(c) / n_A / T^2, \\quad var(L) = \\sum_A var_A(L) / n_A / G^2, \\quad
        cov(rk, L) = \\sum_A cov_A(c, L) / n_A / (T G).

    Groups with one respondent add nothing (their variance cannot be estimated): a slight underestimate.

    Examples
    --------
    >>> from relkap import load_instrument
    >>> inst, t = load_instrument(), example_tables(2)
    >>> u = unit_table(t, inst)
    >>> u[["kommune", "wave", "rk", "n_ties", "n_respondents", "structure"]].round(2)
       kommune      wave    rk  n_ties  n_respondents  structure
    0      510  baseline  3.48      56             17       2.12
    1      510  followup  3.46      56             17       2.25
    2      766  baseline  3.70      20             12       3.38
    3      766  followup  3.78      20             14       3.12
    """
    resp = respondent_table(tables, instrument) if respondents is None else respondents
    cit = citizen_table(tables, instrument) if citizens is None else citizens
    ties = scoring.tie_scores(tables.relations, instrument, by=["kommune", "wave"], min_n=None)
    ties = ties[~ties["diagonal"] & (ties["n"] > 0)].astype({"wave": str})
    units = ties.groupby(["kommune", "wave"], observed=True).agg(rk=("mean", "mean"), n_ties=("mean", "size"))
    emp_cols = [c for c in resp.columns if c not in ("kommune", "wave", "respondent_id", "group", RK,
                                                      "n_targets", STRUCTURE, *instrument.relational_codes)]
    group_means = resp.groupby(["kommune", "wave", "group"], observed=True)[emp_cols].mean()
    emp = group_means.groupby(["kommune", "wave"], observed=True).mean()
    counts = resp.groupby(["kommune", "wave"], observed=True).agg(
        n_respondents=(RK, "count"), rk_respondent=(RK, "mean"), n_groups=("group", "nunique"))
    out = units.join(counts, how="outer").join(emp, how="outer")
    out.index = out.index.set_levels(out.index.levels[0].astype(np.int64), level=0)
    out = out.join(_error_moments(tables.relations, resp, instrument), how="left")
    if len(cit):
        cscales = [c for c in cit.columns if c not in ("kommune", "wave", "respondent_id")]
        c = cit.groupby(["kommune", "wave"], observed=True)[cscales].mean()
        c["n_citizens"] = cit.groupby(["kommune", "wave"], observed=True).size()
        out = out.join(c, how="outer")
    out = out.reset_index()
    structure = _structure_units(tables.structures)
    if len(structure):
        out = out.merge(structure, on=["kommune", "wave"], how="left")
    out["kommune"] = out["kommune"].astype(np.int64)
    if arms is not None:
        out["arm"] = out["kommune"].map(arms)
    for c in ("n_respondents", "n_citizens", "n_ties", "n_groups"):
        if c in out.columns:
            out[c] = out[c].fillna(0).astype(np.int64)
    return out.sort_values(["kommune", "wave"], kind="stable").reset_index(drop=True)


def _error_moments(relations: pd.DataFrame, respondents: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Sampling (co)variances of the unit RK and the unit leadership, per kommune and wave (unit_table Notes).

    Returns ``rk_error_var``, ``leadership_error_var``, ``rk_leadership_error_cov``.
    """
    keys = ["kommune", "wave", "group"]
    rs = _cross_group(scoring.respondent_scores(relations, instrument))
    rs = rs.astype({"wave": str, "group": str, "target": str})
    rs["kommune"] = rs["kommune"].astype(np.int64)
    tie = [*keys, "target"]
    rs = rs.assign(score=rs["score"].fillna(rs.groupby(tie, observed=True)["score"].transform("mean")))
    rs = rs.dropna(subset=["score"])
    c = rs.groupby([*keys, "respondent_id"], observed=True)["score"].sum().rename("c").reset_index()
    n_ties = rs.drop_duplicates(tie).groupby(["kommune", "wave"]).size().astype(float)
    gc = c.groupby(keys)["c"].agg(["var", "count"])
    out = pd.DataFrame({"rk_error_var": (gc["var"] / gc["count"]).fillna(0.0).groupby(level=[0, 1]).sum()
                        / n_ties**2})
    if LEADERSHIP in respondents.columns:
        lead = respondents.dropna(subset=[LEADERSHIP]).astype({"wave": str, "group": str})
        lead = lead.assign(kommune=lead["kommune"].astype(np.int64))[[*keys, "respondent_id", LEADERSHIP]]
        gl = lead.groupby(keys)[LEADERSHIP].agg(["var", "count"])
        n_groups = gl.groupby(level=[0, 1]).size().astype(float)
        out["leadership_error_var"] = (gl["var"] / gl["count"]).fillna(0.0).groupby(level=[0, 1]).sum() / n_groups**2
        both = c.merge(lead, on=[*keys, "respondent_id"])
        cov = both.groupby(keys)[["c", LEADERSHIP]].apply(
            lambda g: g["c"].cov(g[LEADERSHIP]) / len(g) if len(g) > 1 else 0.0)
        out["rk_leadership_error_cov"] = cov.groupby(level=[0, 1]).sum() / (n_ties * n_groups)
    out.index.names = ["kommune", "wave"]
    return out.fillna(0.0)
