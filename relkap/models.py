"""The research questions across kommuner: aggregation check, H1-H3 and RQ1-RQ4 on the pooled data.

Every function takes tidy DataFrames (built once by :func:`respondent_table`, :func:`citizen_table` and
:func:`unit_table` from the tables of ``relkap.load``) and returns a tidy DataFrame with one row per
estimate: ``estimate``, ``ci_low``, ``ci_high`` (95%), ``p_val``, ``p_adj`` (where a family of tests is
run; the method is in ``p_adjust``), ``n_units`` (kommuner in the model), ``n_respondents`` (employees or
citizens behind it) and the columns that say what was estimated. :func:`methods_text` and
:func:`limitations_text` describe the analyses from the parameters and the actual numbers;
:func:`write_tables` writes ``research_summary.json`` and one CSV per table (``;``, UTF-8 with BOM).

Levels and models (DOMAIN.md, "Other scales"):

- Respondent level: the respondent's cross-group RK index (mean of their scores of the *other* groups),
  the four leadership subscales, their mean (``leadership``) and motivation. Mixed models (statsmodels
  MixedLM, REML) have a random intercept per kommune and, by default, a variance component for the group
  within the kommune (``nesting="vc"``; ``"combined"`` uses one random intercept per kommune:group
  instead). Every model has a fixed effect of the wave.
- Unit level: one row per kommune and wave. RK is the unweighted mean of the kommune's cross-group tie
  means (each tie counts once, as in the relational-coordination literature); employee scales are the
  unweighted mean of the group means (each group counts once); structures are the mean over coders and
  the four structure dimensions; citizen scales are citizen means. Unit-level OLS uses kommune-clustered
  standard errors (the two waves of a kommune are not independent) with t(K - 1) intervals.
- Measurement error in a predictor scale attenuates a slope by the predictor's reliability. Tables with a
  scale predictor also give ``estimate_corrected`` = estimate / reliability (Spearman's correction, with
  Cronbach's alpha as the reliability; the CI is divided by the same number, ignoring the uncertainty of
  alpha). For the leadership total the reliability is alpha over the four subscale scores (the subscales
  as parallel measures of one leadership behaviour).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from . import agreement, scoring
from .change import adjust_pvalues, did
from .instrument import Instrument
from .io import Tables

__all__ = [
    "LEADERSHIP_SCALES",
    "respondent_table",
    "citizen_table",
    "unit_table",
    "aggregation_check",
    "structures_rk",
    "leadership_models",
    "structures_leadership",
    "cocreation_outcomes",
    "rk_citizen",
    "mediation",
    "intervention_did",
    "methods_text",
    "limitations_text",
    "analyse",
    "TABLE_NAMES",
    "research_summary",
    "write_tables",
    "run_research",
    "plot_estimates",
    "show",
    "RESEARCH_NOTEBOOK",
]

LEADERSHIP_SCALES = ("vision", "deltagelse", "ramme", "involvering")
MOTIVATION = "motivation"
COCREATION, SATISFACTION, EFFECT = "samskabelse", "tilfredshed", "effekt"
LEADERSHIP = "leadership"  # the mean of the four subscales
RK = "rk"
STRUCTURE = "structure"  # mean of the coded structure dimensions
MIN_UNITS = 20  # fewer kommuner than this: unit-level results are flagged as low-powered
RESEARCH_NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "research.ipynb"
SUMMARY_SCHEMA = 1
# Common result columns, in this order after the columns that say what was estimated.
RESULT_COLUMNS = ["estimate", "ci_low", "ci_high", "p_val", "p_adj", "p_adjust", "n_units", "n_respondents"]
NESTINGS = ("vc", "combined")


# ----------------------------------------------------------------------------------------------------
# Tidy inputs
# ----------------------------------------------------------------------------------------------------
def _scale_wide(table: pd.DataFrame, instrument: Instrument, ids: list[str]) -> pd.DataFrame:
    """Scale scores (``scoring.scale_scores``) as one column per scale."""
    if len(table) == 0:
        return pd.DataFrame(columns=ids)
    s = scoring.scale_scores(table, instrument)
    s = s.astype({"scale": str, "wave": str})
    wide = s.pivot_table(index=ids, columns="scale", values="score", observed=True)
    wide.columns.name = None
    return wide.reset_index()


def respondent_table(tables: Tables, instrument: Instrument,
                     leadership_scales: Sequence[str] = LEADERSHIP_SCALES) -> pd.DataFrame:
    """One row per employee (kommune, wave, respondent_id, group): RK, dimension and scale scores.

    Columns: ``rk`` (cross-group respondent index: mean of the respondent's valid scores of the other
    groups), one column per relational dimension (the same mean per item), ``n_targets``, every employee
    scale, ``leadership`` (mean of the valid ``leadership_scales``, at least half of them) and
    ``structure`` (the kommune's coded formalisation in that wave, see :func:`unit_table`).
    """
    ids = ["kommune", "wave", "respondent_id", "group"]
    rel = tables.relations
    rs = scoring.respondent_scores(rel, instrument, dimension="all")
    rs = rs[rs["group"].astype(str) != rs["target"].astype(str)]
    rs = rs.astype({"wave": str, "group": str, "dimension": str})
    dims = rs.pivot_table(index=ids, columns="dimension", values="score", aggfunc="mean", observed=True)
    dims = dims.reindex(columns=[c for c in instrument.relational_codes if c in dims.columns])
    idx = scoring.respondent_scores(rel, instrument)
    idx = idx[idx["group"].astype(str) != idx["target"].astype(str)].astype({"wave": str, "group": str})
    g = idx.groupby(ids, observed=True)["score"]
    out = pd.DataFrame({RK: g.mean(), "n_targets": g.count()}).join(dims).reset_index()
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
    """One row per citizen (kommune, wave, respondent_id) with one column per citizen scale."""
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

    ``rk`` is the unweighted mean of the cross-group tie means T(A->B), A != B, each tie counted once
    (no privacy suppression: the value is never shown per kommune, only used in pooled models);
    ``rk_respondent`` is the respondent-weighted index; ``rk_error_var``, ``leadership_error_var`` and
    ``rk_leadership_error_cov`` the sampling (co)variances of ``rk`` and ``leadership`` (see
    :func:`_error_moments`). Employee scales are the unweighted mean of the
    group means. Citizen scales are citizen means. ``n_respondents``/``n_citizens`` count the answers,
    ``arm`` comes from ``arms`` (the kommune parameter files) when given.
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
    """Sampling (co)variances of the unit RK and the unit leadership, per kommune and wave.

    With T cross-group ties, rk = (1/T) sum_A mean_{r in A} c_r, where c_r is the sum of respondent r's
    scores of the other groups (a missing score replaced by its tie mean, which adds no variance); with
    G groups, leadership = (1/G) sum_A mean_{r in A} L_r. Respondents of a group are exchangeable, so

        var(rk) = sum_A var_A(c) / n_A / T^2,  var(L) = sum_A var_A(L) / n_A / G^2,
        cov(rk, L) = sum_A cov_A(c, L) / n_A / (T G).

    Groups with one respondent add nothing (their variance cannot be estimated): a slight underestimate.
    Returns ``rk_error_var``, ``leadership_error_var``, ``rk_leadership_error_cov``.
    """
    keys = ["kommune", "wave", "group"]
    rs = scoring.respondent_scores(relations, instrument)
    rs = rs[rs["group"].astype(str) != rs["target"].astype(str)].astype({"wave": str, "group": str, "target": str})
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


# ----------------------------------------------------------------------------------------------------
# Model helpers
# ----------------------------------------------------------------------------------------------------
def _finish(rows: list[dict], keys: list[str], family: str | None = None, method: str = "holm",
            extra: Sequence[str] = ()) -> pd.DataFrame:
    """Rows -> the tidy result table; ``p_adj`` within ``family`` (a column) or over all rows."""
    out = pd.DataFrame(rows)
    for c in RESULT_COLUMNS:
        if c not in out.columns:
            out[c] = np.nan
    if len(out):
        if family is not None:
            out["p_adj"] = out.groupby(family, sort=False)["p_val"].transform(adjust_pvalues, method=method)
        else:
            out["p_adj"] = adjust_pvalues(out["p_val"].to_numpy(float), method=method)
        out["p_adjust"] = method
    cols = [*keys, *RESULT_COLUMNS, *[c for c in extra if c in out.columns]]
    cols += [c for c in out.columns if c not in cols]
    return out[cols]


def _zscore_factors(d: pd.DataFrame, x: str, y: str) -> float:
    """sd(x) / sd(y) over the model sample: multiplies a raw slope into a standardised one."""
    sy = d[y].std(ddof=1)
    return float(d[x].std(ddof=1) / sy) if sy > 0 else np.nan


def _mixed(d: pd.DataFrame, y: str, xs: list[str], nesting: str, group: str | None = "group",
           wave: bool = True) -> dict[str, dict]:
    """MixedLM ``y ~ xs (+ C(wave))`` with a kommune random intercept (and group within kommune)."""
    import statsmodels.formula.api as smf

    rhs = " + ".join(xs) + (" + C(wave)" if wave and d["wave"].nunique() > 1 else "")
    vc = None
    if group is not None and nesting == "vc":
        groups = d["kommune"].astype(str)
        vc = {"group": "0 + C(group)"}
    elif group is not None:
        groups = d["kommune"].astype(str) + ":" + d[group].astype(str)
    else:
        groups = d["kommune"].astype(str)
    # re_formula "1" explicitly: with a vc_formula statsmodels otherwise drops the kommune intercept.
    model = smf.mixedlm(f"{y} ~ {rhs}", d, groups=groups, re_formula="1", vc_formula=vc)
    with warnings.catch_warnings():
        # A variance component at the boundary (e.g. no group variance left) is a result, not an error:
        # statsmodels warns about it at length; convergence is reported in the table instead.
        warnings.simplefilter("ignore")
        # Powell first: lbfgs alone can stop at a far worse optimum with a huge group variance and still
        # report convergence; Powell's result is then polished by lbfgs.
        fit = model.fit(reml=True, method=["powell", "lbfgs"])
    ci = fit.conf_int()
    return {x: {"estimate": float(fit.params[x]), "se": float(fit.bse[x]), "ci_low": float(ci.loc[x, 0]),
                "ci_high": float(ci.loc[x, 1]), "p_val": float(fit.pvalues[x]), "converged": bool(fit.converged)}
            for x in xs}


def _ols_cluster(d: pd.DataFrame, y: str, xs: list[str], wave: bool = True,
                 cluster: str | None = "kommune") -> dict[str, dict]:
    """OLS ``y ~ xs (+ C(wave))``; kommune-clustered SE with t(K - 1) when units repeat, else classical."""
    import statsmodels.formula.api as smf

    rhs = " + ".join(xs) + (" + C(wave)" if wave and "wave" in d and d["wave"].nunique() > 1 else "")
    model = smf.ols(f"{y} ~ {rhs}", d)
    if cluster is not None and d[cluster].duplicated().any():
        codes = pd.factorize(d[cluster])[0]
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": codes}, use_t=True)
    else:
        fit = model.fit()
    ci = fit.conf_int()
    return {x: {"estimate": float(fit.params[x]), "se": float(fit.bse[x]), "ci_low": float(ci.loc[x, 0]),
                "ci_high": float(ci.loc[x, 1]), "p_val": float(fit.pvalues[x])} for x in xs}


def _reliability(data: pd.DataFrame, columns: list[str]) -> float:
    """Cronbach's alpha of ``columns`` of a wide table (rows = subjects), or NaN."""
    cols = [c for c in columns if c in data.columns]
    if len(cols) < 2:
        return np.nan
    long = data[cols].reset_index(drop=True).rename_axis("respondent_id").reset_index().melt(
        id_vars="respondent_id", var_name="item", value_name="score")
    return float(agreement.alpha(long)["alpha"].iloc[0])


def _item_reliability(long: pd.DataFrame, scale: str, instrument: Instrument) -> float:
    """Cronbach's alpha of a scale's items from the long ``scales``/``citizens`` table."""
    d = long[long["scale"].astype(str) == scale]
    if len(d) == 0:
        return np.nan
    d = d.astype({"wave": str, "item": str})
    return float(agreement.alpha(d, subject=["kommune", "wave", "respondent_id"])["alpha"].iloc[0])


def _correct(row: dict, reliability: float) -> dict:
    """Spearman's correction for attenuation of a slope by the predictor's reliability."""
    rel = reliability if reliability and np.isfinite(reliability) and reliability > 0 else np.nan
    row["reliability"] = rel
    for c in ("estimate", "ci_low", "ci_high"):
        row[f"{c}_corrected"] = row[c] / rel
    return row


def _std(row: dict, factor: float) -> dict:
    for c in ("estimate", "ci_low", "ci_high"):
        row[f"{c}_std"] = row[c] * factor
    return row


# ----------------------------------------------------------------------------------------------------
# Aggregation check
# ----------------------------------------------------------------------------------------------------
def _icc1_ci(F: float, df1: float, df2: float, k: float) -> tuple[float, float]:
    """95% CI of ICC(1) from the F distribution (McGraw & Wong 1996, one-way, k = mean group size)."""
    if not np.isfinite(F) or df1 < 1 or df2 < 1:
        return np.nan, np.nan
    fl = F / stats.f.ppf(0.975, df1, df2)
    fu = F * stats.f.ppf(0.975, df2, df1)
    return (fl - 1) / (fl + k - 1), (fu - 1) / (fu + k - 1)


def aggregation_check(respondents: pd.DataFrame, instrument: Instrument, min_n: int = 5,
                      icc1_min: float = 0.05, icc2_min: float = 0.70, rwg_min: float = 0.70) -> pd.DataFrame:
    """ICC(1), ICC(2) and r_wg(j) of the respondent RK index by kommune and by group in kommune, per wave.

    Parameters
    ----------
    respondents : DataFrame
        :func:`respondent_table`.
    instrument : Instrument
        Codebook (relational dimensions, answer options for the r_wg null variance).
    min_n : int
        Units with fewer respondents are left out of the r_wg(j) summary (r_wg(j) of 2 raters is noise).
    icc1_min, icc2_min, rwg_min : float
        Thresholds of the verdict (conventional: ICC(1) > .05 with a significant F, ICC(2) >= .70,
        median r_wg(j) >= .70; LeBreton & Senter 2008).

    Returns
    -------
    DataFrame
        One row per ``level`` ("kommune", "kommune:group"), ``wave`` and ``statistic`` ("ICC1",
        "ICC2", "rwg_j_median"): the result columns (CI of ICC(1) from the F distribution; p of the
        ANOVA F test on the ICC rows; r_wg(j) has no CI or p), ``threshold``, ``meets`` and ``verdict``
        ("justified", "partly", "not justified": whether the level's RK may be treated as a shared
        unit-level property).
    """
    d = respondents.dropna(subset=[RK])
    dims = [c for c in instrument.relational_codes if c in d.columns]
    rows = []
    for wave, part in d.groupby("wave", sort=True):
        part = part.assign(unit=part["kommune"].astype(str) + ":" + part["group"].astype(str))
        for level, col in (("kommune", "kommune"), ("kommune:group", "unit")):
            ic = agreement.icc(part, dv=RK, group=col).iloc[0]
            lo, hi = _icc1_ci(ic["F"], ic["df1"], ic["df2"], ic["k"])
            n_units = int(part[col].nunique())
            base = {"level": level, "wave": wave, "n_units": n_units, "n_respondents": len(part)}
            rows.append({**base, "statistic": "ICC1", "estimate": ic["ICC1"], "ci_low": lo, "ci_high": hi,
                         "p_val": ic["p_val"], "threshold": icc1_min,
                         "meets": bool(ic["ICC1"] > icc1_min and ic["p_val"] < 0.05)})
            rows.append({**base, "statistic": "ICC2", "estimate": ic["ICC2"], "threshold": icc2_min,
                         "meets": bool(ic["ICC2"] >= icc2_min)})
            r = agreement.rwg_j(part, dims, col, options=instrument.scale.options)
            r = r[r["n"] >= min_n]
            rows.append({**base, "statistic": "rwg_j_median", "estimate": float(r["rwg_j"].median()),
                         "ci_low": float(r["rwg_j"].quantile(0.25)), "ci_high": float(r["rwg_j"].quantile(0.75)),
                         "threshold": rwg_min, "meets": bool(r["rwg_j"].median() >= rwg_min),
                         "n_units": len(r)})
    out = _finish(rows, ["level", "wave", "statistic"], family=None)
    out["p_adj"] = np.nan
    out["p_adjust"] = "none"
    met = out.groupby(["level", "wave"])["meets"].transform("sum")
    out["verdict"] = np.select([met == 3, met >= 2], ["justified", "partly"], "not justified")
    return out


# ----------------------------------------------------------------------------------------------------
# H1: structures -> RK
# ----------------------------------------------------------------------------------------------------
def structures_rk(units: pd.DataFrame, respondents: pd.DataFrame, structure_dims: Sequence[str] = (),
                  nesting: str = "vc") -> pd.DataFrame:
    """H1: coded formal structures -> RK.

    Unit level (``model`` = "ols_unit"): OLS of the kommune x wave RK on the structure index (and each
    structure dimension in turn), wave fixed effect, kommune-clustered SE. Respondent level
    (``model`` = "mixed_respondent"): MixedLM of the respondent's RK index on the kommune's structure
    index split into ``structure_between`` (the kommune's mean over the waves: the H1 estimate) and
    ``structure_within`` (the wave's deviation from it), kommune random intercept and group within
    kommune (``nesting``). ``p_adj``: Holm over the
    structure dimensions (the index rows are their own family). ``estimate_std``: standardised slope
    (sd_x / sd_y over the model sample).
    """
    _check_nesting(nesting)
    rows = []
    predictors = [STRUCTURE, *[c for c in structure_dims if c in units.columns]]
    for x in predictors:
        d = units.dropna(subset=[RK, x])
        r = _ols_cluster(d, RK, [x])[x]
        fam = "index" if x == STRUCTURE else "dimensions"
        rows.append(_std({"model": "ols_unit", "predictor": x, "outcome": RK, "family": fam, **r,
                          "n_units": int(d["kommune"].nunique()), "n_respondents": int(d["n_respondents"].sum()),
                          "n_obs": len(d)}, _zscore_factors(d, x, RK)))
    d = respondents.dropna(subset=[RK, STRUCTURE]).copy()
    # The structure index splits into the kommune's mean over waves (between kommuner) and the wave's
    # deviation from it (within kommune). A kommune random intercept would otherwise mix the two, and
    # the within part is mostly coder noise when the structures did not change.
    between = units.groupby("kommune")[STRUCTURE].mean()
    d["structure_between"] = d["kommune"].map(between)
    d["structure_within"] = d[STRUCTURE] - d["structure_between"]
    xs = ["structure_between"] + (["structure_within"] if d["structure_within"].std() > 1e-12 else [])
    res = _mixed(d, RK, xs, nesting)
    for x in xs:
        rows.append(_std({"model": "mixed_respondent", "predictor": x, "outcome": RK, "family": "respondent",
                          **res[x], "n_units": int(d["kommune"].nunique()), "n_respondents": len(d),
                          "n_obs": len(d), "nesting": nesting}, _zscore_factors(d, x, RK)))
    return _finish(rows, ["model", "outcome", "predictor"], family="family")


def _check_nesting(nesting: str) -> None:
    if nesting not in NESTINGS:
        raise ValueError(f"nesting must be one of {NESTINGS}, got {nesting!r}")


# ----------------------------------------------------------------------------------------------------
# H2 / RQ3: leadership -> RK and motivation
# ----------------------------------------------------------------------------------------------------
def leadership_models(respondents: pd.DataFrame, scales: pd.DataFrame, instrument: Instrument,
                      outcomes: Sequence[str] = (RK, MOTIVATION),
                      leadership_scales: Sequence[str] = LEADERSHIP_SCALES, nesting: str = "vc") -> pd.DataFrame:
    """H2/RQ3: each leadership subscale and the total -> RK and -> motivation (respondent level).

    One MixedLM per outcome and predictor: ``outcome ~ predictor + C(wave)``, kommune random intercept
    and group within kommune (``nesting="vc"``: variance component; ``"combined"``: one intercept per
    kommune:group). ``estimate`` is the raw slope (outcome points per point of leadership),
    ``estimate_std`` the standardised one, ``estimate_corrected`` the slope corrected for the
    predictor's unreliability (``reliability``: alpha of the subscale's items; for ``leadership`` alpha
    of the four subscale scores). ``p_adj``: Holm over the predictors of each outcome.

    ``scales`` is the long ``scales`` table (for the item reliabilities).
    """
    _check_nesting(nesting)
    lead = [s for s in leadership_scales if s in respondents.columns]
    rel = {s: _item_reliability(scales, s, instrument) for s in lead}
    rel[LEADERSHIP] = _reliability(respondents.dropna(subset=lead), lead)
    rows = []
    for y in [o for o in outcomes if o in respondents.columns]:
        for x in [*lead, LEADERSHIP]:
            d = respondents.dropna(subset=[y, x])
            r = _mixed(d, y, [x], nesting)[x]
            row = {"outcome": y, "predictor": x, **r, "n_units": int(d["kommune"].nunique()),
                   "n_respondents": len(d), "nesting": nesting}
            rows.append(_correct(_std(row, _zscore_factors(d, x, y)), rel[x]))
    return _finish(rows, ["outcome", "predictor"], family="outcome")


# ----------------------------------------------------------------------------------------------------
# H3: structures <-> leadership
# ----------------------------------------------------------------------------------------------------
def structures_leadership(units: pd.DataFrame, baseline: str = "baseline", followup: str = "followup"
                          ) -> pd.DataFrame:
    """H3: structures and leadership across units, and the cross-lagged pattern over two waves.

    Rows (``analysis``):

    - "correlation": Pearson r of the unit structure index and unit leadership, per wave (units are
      kommuner; Fisher-z CI); ``p_adj`` Holm over the waves.
    - "slope": OLS of unit leadership on the structure index over kommune x wave units (wave fixed
      effect, kommune-clustered SE): leadership points per point of formalisation.
    - "cross_lagged": with both waves, standardised OLS over kommuner of each follow-up variable on both
      baseline variables: ``structure -> leadership`` (structure at baseline predicting leadership at
      follow-up, controlling leadership at baseline) and ``leadership -> structure``; the
      autoregressive paths are given too. Holm over the two cross paths.
    """
    rows = []
    d = units.dropna(subset=[STRUCTURE, LEADERSHIP])
    for wave, part in d.groupby("wave", sort=True):
        n = len(part)
        if n < 4:
            continue
        r, p = stats.pearsonr(part[STRUCTURE], part[LEADERSHIP])
        z, se = np.arctanh(r), 1 / math.sqrt(n - 3)
        rows.append({"analysis": "correlation", "path": f"{STRUCTURE} <-> {LEADERSHIP}", "wave": wave,
                     "estimate": r, "ci_low": np.tanh(z - 1.96 * se), "ci_high": np.tanh(z + 1.96 * se),
                     "p_val": p, "n_units": n, "n_respondents": int(part["n_respondents"].sum()),
                     "family": "correlation"})
    if len(d) >= 4:
        r = _ols_cluster(d, LEADERSHIP, [STRUCTURE])[STRUCTURE]
        rows.append({"analysis": "slope", "path": f"{STRUCTURE} -> {LEADERSHIP}", "wave": "all", **r,
                     "n_units": int(d["kommune"].nunique()), "n_respondents": int(d["n_respondents"].sum()),
                     "family": "slope"})
    wide = d.pivot_table(index="kommune", columns="wave", values=[STRUCTURE, LEADERSHIP, "n_respondents"])
    if baseline in d["wave"].values and followup in d["wave"].values:
        w = pd.DataFrame({f"{v}_{t}": wide[(v, wv)] for v in (STRUCTURE, LEADERSHIP)
                          for t, wv in (("b", baseline), ("f", followup))}).dropna()
        n_resp = int(wide["n_respondents"].loc[w.index].sum().sum())
        if len(w) >= 5:
            z = (w - w.mean()) / w.std(ddof=1)
            for y, other in ((LEADERSHIP, STRUCTURE), (STRUCTURE, LEADERSHIP)):
                res = _ols_cluster(z.reset_index(), f"{y}_f", [f"{other}_b", f"{y}_b"], wave=False, cluster=None)
                for x, label, fam in ((f"{other}_b", f"{other} -> {y}", "cross"),
                                      (f"{y}_b", f"{y} -> {y}", "autoregressive")):
                    rows.append({"analysis": "cross_lagged", "path": label, "wave": f"{baseline}->{followup}",
                                 **res[x], "n_units": len(w), "n_respondents": n_resp, "family": fam,
                                 "standardised": True})
    out = _finish(rows, ["analysis", "path", "wave"], family="family")
    return out


# ----------------------------------------------------------------------------------------------------
# RQ1: co-creation -> satisfaction and perceived effect (citizens)
# ----------------------------------------------------------------------------------------------------
def cocreation_outcomes(citizens: pd.DataFrame, citizen_items: pd.DataFrame, instrument: Instrument,
                        predictor: str = COCREATION, outcomes: Sequence[str] = (SATISFACTION, EFFECT)
                        ) -> pd.DataFrame:
    """RQ1: citizen co-creation -> satisfaction and perceived effect (citizen level).

    MixedLM ``outcome ~ cocreation + C(wave)`` with a kommune random intercept (citizens are not in
    groups). ``estimate_corrected`` divides by alpha of the co-creation items (``citizen_items`` is the
    long ``citizens`` table). ``p_adj``: Holm over the outcomes.
    """
    rel = _item_reliability(citizen_items, predictor, instrument)
    rows = []
    for y in [o for o in outcomes if o in citizens.columns]:
        d = citizens.dropna(subset=[y, predictor])
        r = _mixed(d, y, [predictor], nesting="vc", group=None)[predictor]
        row = {"outcome": y, "predictor": predictor, **r, "n_units": int(d["kommune"].nunique()),
               "n_respondents": len(d)}
        rows.append(_correct(_std(row, _zscore_factors(d, predictor, y)), rel))
    return _finish(rows, ["outcome", "predictor"])


# ----------------------------------------------------------------------------------------------------
# RQ2: RK -> co-creation and effect; mediation leadership -> RK -> citizen outcome
# ----------------------------------------------------------------------------------------------------
def _low_power(n_units: int, min_units: int) -> bool:
    return bool(n_units < min_units)


def rk_citizen(units: pd.DataFrame, outcomes: Sequence[str] = (COCREATION, SATISFACTION, EFFECT),
               min_units: int = MIN_UNITS) -> pd.DataFrame:
    """RQ2: unit RK -> citizen co-creation, satisfaction and perceived effect (kommune x wave units).

    OLS with a wave fixed effect and kommune-clustered SE; ``p_adj`` Holm over the outcomes;
    ``low_power`` when there are fewer than ``min_units`` kommuner. A unit's RK is a mean over a few
    dozen respondents: ``reliability`` = 1 - (mean sampling variance of RK, ``rk_error_var``) / (variance
    of RK around the wave means), and ``estimate_corrected`` = estimate / reliability.
    """
    rows = []
    for y in [o for o in outcomes if o in units.columns]:
        d = units.dropna(subset=[RK, y])
        r = _ols_cluster(d, y, [RK])[RK]
        k = int(d["kommune"].nunique())
        row = _std({"outcome": y, "predictor": RK, **r, "n_units": k,
                    "n_respondents": int(d["n_citizens"].sum()), "n_obs": len(d),
                    "low_power": _low_power(k, min_units)}, _zscore_factors(d, RK, y))
        rows.append(_correct(row, _rk_reliability(d)))
    return _finish(rows, ["outcome", "predictor"])


def _ols_coefs(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.linalg.lstsq(X, y, rcond=None)[0]


def _eiv_coefs(X: np.ndarray, y: np.ndarray, sxx: np.ndarray | None = None, sxy: np.ndarray | None = None
               ) -> np.ndarray:
    """OLS corrected for measurement error in some columns of X (method of moments, Fuller 1987, 2.2).

    beta = (X'X - s Sxx)^-1 (X'y - s Sxy), with Sxx the summed error covariance matrix of the columns,
    Sxy the summed error covariances of the columns with y, and s <= 1 chosen so that the correction
    never removes more than 80% of the error-prone columns' variance left after the other columns (a
    bootstrap resample with little of it left would otherwise explode). Without errors this is OLS.
    """
    if sxx is None or not np.any(sxx):
        return _ols_coefs(X, y)
    sxy = np.zeros(X.shape[1]) if sxy is None else sxy
    e = np.flatnonzero(np.diag(sxx) > 0)
    others = np.delete(X, e, axis=1)
    resid = X[:, e] - others @ np.linalg.lstsq(others, X[:, e], rcond=None)[0]
    partial = resid.T @ resid
    ratio = float(np.max(np.real(np.linalg.eigvals(np.linalg.solve(partial, sxx[np.ix_(e, e)])))))
    scale = min(1.0, 0.8 / ratio) if ratio > 0 else 1.0
    return np.linalg.solve(X.T @ X - scale * sxx, X.T @ y - scale * sxy)


def _rk_reliability(d: pd.DataFrame, error_var: str = "rk_error_var") -> float:
    """Reliability of the unit RK: 1 - mean sampling variance / variance of RK around the wave means."""
    if error_var not in d or len(d) < 3:
        return np.nan
    within = d[RK] - d.groupby("wave")[RK].transform("mean")
    total = float((within**2).sum() / (len(d) - d["wave"].nunique()))
    rel = 1 - float(d[error_var].mean()) / total if total > 0 else np.nan
    return rel if rel > 0 else np.nan


def _design(d: pd.DataFrame, cols: list[str]) -> np.ndarray:
    """Intercept, ``cols`` and a follow-up dummy (when both waves are present)."""
    parts = [np.ones(len(d)), *(d[c].to_numpy(float) for c in cols)]
    waves = d["wave"].to_numpy()
    levels = np.unique(waves)
    parts += [(waves == w).astype(float) for w in levels[1:]]
    return np.column_stack(parts)


def mediation(units: pd.DataFrame, outcomes: Sequence[str] = (COCREATION, SATISFACTION, EFFECT),
              exposure: str = LEADERSHIP, mediator: str = RK, covariates: Sequence[str] = (STRUCTURE,),
              n_boot: int = 2000, seed: int = 1, min_units: int = MIN_UNITS, correct_errors: str = "mediator"
              ) -> pd.DataFrame:
    """RQ2: mediation leadership -> RK -> citizen outcome at unit level with a kommune bootstrap.

    Path a: ``RK ~ leadership + covariates + wave``; path b and the direct effect c':
    ``outcome ~ RK + leadership + covariates + wave`` (OLS over kommune x wave units). The indirect
    effect is a x b. Percentile 95% CIs and two-sided bootstrap p-values (2 x the share of resamples on
    the other side of 0) come from ``n_boot`` resamples of whole kommuner (both waves together),
    seeded. The structure index is a covariate by default because it drives both leadership and RK
    (H1, H3): without it, a would absorb the structure effect. ``low_power`` flags fewer than
    ``min_units`` kommuner. ``p_adj``: Holm within each path over the outcomes.

    A unit's RK and leadership are means of a few dozen respondents, so they carry sampling error, and
    once structures (and leadership) are held fixed little true variation is left: the error pulls a and
    b towards 0 and pushes the direct effect up. ``correct_errors`` corrects by the method of moments
    (:func:`_eiv_coefs`) with each unit's sampling (co)variances from :func:`unit_table`:

    - "mediator" (default): the sampling error of RK in the b model (the larger bias; a stays somewhat
      attenuated by the error in unit leadership);
    - "all": also the error of unit leadership and its covariance with RK's (the same respondents answer
      both), in both models. Nearly unbiased, but when leadership varies little between kommuner beyond
      what structures explain, a becomes very uncertain (wide intervals);
    - "none": plain OLS.

    ``correction`` records the choice.
    """
    if correct_errors not in ("mediator", "all", "none"):
        raise ValueError(f"correct_errors must be 'mediator', 'all' or 'none', got {correct_errors!r}")
    covs = [c for c in covariates if c in units.columns]
    rows = []
    for y in [o for o in outcomes if o in units.columns]:
        d = units.dropna(subset=[exposure, mediator, y, *covs]).reset_index(drop=True)
        k = int(d["kommune"].nunique())
        if k < 4:
            continue
        Xa = _design(d, [exposure, *covs])
        Xb = _design(d, [mediator, exposure, *covs])
        ya, yb = d[mediator].to_numpy(float), d[y].to_numpy(float)
        moments = ["rk_error_var", "leadership_error_var", "rk_leadership_error_cov"]
        use_errors = correct_errors != "none" and mediator == RK and set(moments[:1]) <= set(d)
        m = np.zeros((len(d), 3))
        if use_errors:
            m[:, 0] = d[moments[0]].to_numpy(float)
            if correct_errors == "all" and exposure == LEADERSHIP and set(moments) <= set(d):
                m[:, 1:] = d[moments[1:]].to_numpy(float)

        def paths(idx: np.ndarray, Xa=Xa, Xb=Xb, ya=ya, yb=yb, m=m) -> np.ndarray:
            v_rk, v_l, c_rl = m[idx].sum(axis=0)
            sa = np.zeros((Xa.shape[1],) * 2)
            sa[1, 1] = v_l
            say = np.zeros(Xa.shape[1])
            say[1] = c_rl  # the errors of unit leadership and unit RK come from the same respondents
            a = _eiv_coefs(Xa[idx], ya[idx], sa, say)[1]
            sb = np.zeros((Xb.shape[1],) * 2)
            sb[1:3, 1:3] = [[v_rk, c_rl], [c_rl, v_l]]
            cb = _eiv_coefs(Xb[idx], yb[idx], sb)
            return np.array([a, cb[1], a * cb[1], cb[2], a * cb[1] + cb[2]])

        est = paths(np.arange(len(d)))
        codes, uniq = pd.factorize(d["kommune"])
        members = [np.flatnonzero(codes == i) for i in range(len(uniq))]
        rng = np.random.default_rng(seed)
        boot = np.empty((n_boot, 5))
        for b in range(n_boot):
            pick = rng.integers(0, len(uniq), len(uniq))
            boot[b] = paths(np.concatenate([members[i] for i in pick]))
        boot = boot[np.all(np.isfinite(boot), axis=1)]
        lo, hi = np.percentile(boot, [2.5, 97.5], axis=0)
        p = np.minimum(1.0, 2 * np.minimum((boot <= 0).mean(axis=0), (boot >= 0).mean(axis=0)))
        p = np.maximum(p, 1 / (len(boot) + 1))
        names = ("a", "b", "indirect", "direct", "total")
        for j, name in enumerate(names):
            rows.append({"outcome": y, "path": name, "estimate": est[j], "ci_low": lo[j], "ci_high": hi[j],
                         "p_val": p[j], "n_units": k, "n_respondents": int(d["n_respondents"].sum()),
                         "n_citizens": int(d["n_citizens"].sum()), "n_obs": len(d), "n_boot": len(boot),
                         "seed": seed, "exposure": exposure, "mediator": mediator,
                         "covariates": ",".join(covs), "correction": correct_errors if use_errors else "none",
                         "low_power": _low_power(k, min_units)})
    out = _finish(rows, ["outcome", "path"], family="path")
    return out


# ----------------------------------------------------------------------------------------------------
# RQ4: intervention versus control (difference-in-differences)
# ----------------------------------------------------------------------------------------------------
def _targeted_rows(scores: pd.DataFrame, targeted: dict[int, list[tuple[str, str]]], arms: dict[int, str]
                   ) -> pd.DataFrame:
    """Rows of the targeted ties in intervention kommuner and of every cross-group tie in control kommuner."""
    keys = {(int(k), str(a), str(b)) for k, ties in targeted.items() for a, b in ties}
    kom = scores["kommune"].astype(np.int64).to_numpy()
    g, t = scores["group"].astype(str).to_numpy(), scores["target"].astype(str).to_numpy()
    is_int = np.array([arms.get(int(k)) == "intervention" for k in kom])
    hit = np.fromiter(((int(k), a, b) in keys for k, a, b in zip(kom, g, t, strict=True)), bool, len(kom))
    return scores[(is_int & hit) | (~is_int & (g != t))]


def intervention_did(relations: pd.DataFrame, instrument: Instrument, arms: dict[int, str],
                     targeted: dict[int, list[tuple[str, str]]] | None = None, n_permutations: int = 999,
                     seed: int = 1, baseline: str = "baseline", followup: str = "followup",
                     dimensions: Sequence[str] | None = None) -> pd.DataFrame:
    """RQ4: difference-in-differences intervention versus control, per dimension and for targeted ties.

    ``scope`` "all_ties": every cross-group tie; "targeted_ties": in intervention kommuner the ties
    their interventions targeted (``targeted``, from the kommune parameter files), in control kommuner
    every cross-group tie (whose expected change is the common trend). For each scope and ``dimension``
    ("rk" and each relational item) :func:`relkap.change.did` is run on the respondents' mean scores of
    the ties in scope.

    ``estimate`` is the kommune-level DiD (mean change of intervention kommuner minus mean change of
    control kommuner, a kommune's change being follow-up minus baseline of its respondent means) with a
    Welch t CI over kommuner; ``p_val`` is the permutation p over kommuner (arm labels shuffled,
    ``n_permutations``, seeded). The mixed model's interaction (random kommune intercept, rater-group
    fixed effects) is given as ``estimate_model``, ``ci_low_model``, ``ci_high_model``,
    ``p_model`` (fitted on respondent means over the ties in scope; with few kommuner its Wald p is
    optimistic, so it is not the primary result). ``p_adj``: Holm over the dimensions within each scope.
    ``dimensions`` restricts the dimensions (default: "rk" and every relational item).
    """
    rs = scoring.respondent_scores(relations, instrument, dimension="all")
    rk = scoring.respondent_scores(relations, instrument)
    rs = pd.concat([rk, rs], ignore_index=True)
    rs = rs.astype({"wave": str, "group": str, "target": str, "dimension": str})
    rs["kommune"] = rs["kommune"].astype(np.int64)
    rs = rs[rs["kommune"].isin(list(arms)) & rs["score"].notna()]
    rs["arm"] = rs["kommune"].map(arms)
    cross = rs[rs["group"] != rs["target"]]
    scopes = {"all_ties": cross}
    if targeted:
        scopes["targeted_ties"] = _targeted_rows(cross, targeted, arms)
    rows = []
    dims = [RK, *instrument.relational_codes] if dimensions is None else list(dimensions)
    for scope, data in scopes.items():
        for dim in dims:
            d = data[data["dimension"] == dim]
            if d["arm"].nunique() < 2:
                continue
            # One row per respondent (mean over the ties in scope): the unit of the tests, and a mixed
            # model whose SE is not inflated by respondent x target pseudo-replication.
            d = d.groupby(["kommune", "arm", "wave", "respondent_id", "group"], observed=True,
                          as_index=False)["score"].mean()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = did(d, dv="score", baseline=baseline, followup=followup, n_permutations=n_permutations,
                          seed=seed).iloc[0]
            est, lo, hi, n_int, n_ctl = _kommune_did(d, baseline, followup)
            rows.append({"scope": scope, "dimension": dim, "estimate": est, "ci_low": lo, "ci_high": hi,
                         "p_val": res["p_perm"], "n_units": int(res["n_kommuner"]),
                         "n_respondents": int(d.drop_duplicates(["kommune", "wave", "respondent_id"]).shape[0]),
                         "n_intervention": n_int, "n_control": n_ctl, "estimate_model": res["estimate"],
                         "ci_low_model": res["ci_low"], "ci_high_model": res["ci_high"],
                         "p_model": res["p_val"], "converged": res["converged"],
                         "n_permutations": n_permutations, "seed": seed})
    return _finish(rows, ["scope", "dimension"], family="scope")


def _kommune_did(d: pd.DataFrame, baseline: str, followup: str) -> tuple[float, float, float, int, int]:
    """Kommune-level DiD and its Welch 95% CI: respondent means -> kommune wave means -> changes."""
    resp = d.groupby(["kommune", "arm", "wave", "respondent_id"], observed=True)["score"].mean()
    k = resp.groupby(["kommune", "arm", "wave"], observed=True).mean().unstack("wave")
    if baseline not in k or followup not in k:
        return np.nan, np.nan, np.nan, 0, 0
    change = (k[followup] - k[baseline]).dropna().reset_index()
    x = change.loc[change["arm"] == "intervention", 0].to_numpy(float)
    y = change.loc[change["arm"] != "intervention", 0].to_numpy(float)
    if len(x) < 2 or len(y) < 2:
        return float(x.mean() - y.mean()) if len(x) and len(y) else np.nan, np.nan, np.nan, len(x), len(y)
    va, vb = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
    se = math.sqrt(va + vb)
    dof = (va + vb) ** 2 / (va**2 / (len(x) - 1) + vb**2 / (len(y) - 1))
    est = float(x.mean() - y.mean())
    half = stats.t.ppf(0.975, dof) * se
    return est, est - half, est + half, len(x), len(y)


# ----------------------------------------------------------------------------------------------------
# Everything at once, the texts, and the files
# ----------------------------------------------------------------------------------------------------
TABLE_NAMES = ("aggregation", "h1_structures_rk", "h2_leadership", "h3_structures_leadership",
               "rq1_cocreation", "rq2_rk_citizen", "rq2_mediation", "rq4_did")


def analyse(tables: Tables, instrument: Instrument, arms: dict[int, str] | None = None,
            targeted: dict[int, list[tuple[str, str]]] | None = None, nesting: str = "vc", n_boot: int = 2000,
            n_permutations: int = 999, seed: int = 1, min_units: int = MIN_UNITS, min_n: int = 5,
            mediation_correction: str = "mediator") -> dict[str, pd.DataFrame]:
    """Every table of the research notebook, by name (:data:`TABLE_NAMES`), plus ``units``.

    ``arms`` and ``targeted`` (kommune -> arm, kommune -> targeted ties) come from the kommune parameter
    files; without arms for both arms the DiD table is empty.
    """
    _check_nesting(nesting)
    b, f = instrument.waves.baseline, instrument.waves.followup
    resp = respondent_table(tables, instrument)
    cit = citizen_table(tables, instrument)
    units = unit_table(tables, instrument, resp, cit, arms)
    dims = [s.code for s in instrument.scales_for("structures")]
    out = {
        "units": units,
        "aggregation": aggregation_check(resp, instrument, min_n=min_n),
        "h1_structures_rk": structures_rk(units, resp, dims, nesting=nesting),
        "h2_leadership": leadership_models(resp, tables.scales, instrument, nesting=nesting),
        "h3_structures_leadership": structures_leadership(units, baseline=b, followup=f),
        "rq1_cocreation": cocreation_outcomes(cit, tables.citizens, instrument),
        "rq2_rk_citizen": rk_citizen(units, min_units=min_units),
        "rq2_mediation": mediation(units, n_boot=n_boot, seed=seed, min_units=min_units,
                                   correct_errors=mediation_correction),
    }
    known = {k: a for k, a in (arms or {}).items() if a in ("intervention", "control")}
    if len(set(known.values())) == 2:
        out["rq4_did"] = intervention_did(tables.relations, instrument, known, targeted,
                                          n_permutations=n_permutations, seed=seed, baseline=b, followup=f)
    else:
        out["rq4_did"] = _finish([], ["scope", "dimension"])
    return out


def _counts(results: dict[str, pd.DataFrame]) -> dict[str, int]:
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


def _fmt(x: float, decimals: int = 2, language: str = "en") -> str:
    s = "NA" if x is None or not np.isfinite(x) else f"{x:.{decimals}f}"
    return s.replace(".", ",").replace("-", "−") if language == "da" else s


_CORRECTION_EN = {
    "mediator": "correcting the b path for the sampling error of the kommune RK (method of moments; Fuller, 1987)",
    "all": "correcting both paths for the sampling errors of the kommune RK and leadership and their covariance "
           "(method of moments; Fuller, 1987)",
    "none": "without correction for the sampling error of the kommune means",
}


def methods_text(results: dict[str, pd.DataFrame], parameters: dict, language: str = "en") -> str:
    """A methods paragraph (Markdown) from the parameters and the actual numbers, ready for a paper."""
    n = _counts(results)
    p = {"nesting": "vc", "n_boot": 2000, "n_permutations": 999, "seed": 1, "min_units": MIN_UNITS, **parameters}
    lr = results["h2_leadership"]
    rel = {r.predictor: r.reliability for r in lr.itertuples() if hasattr(r, "reliability")}
    nest_en = ("a random intercept for kommune and a variance component for the professional group within "
               "the kommune" if p["nesting"] == "vc" else
               "a random intercept for each professional group within each kommune (kommune:group)")
    nest_da = ("et tilfældigt intercept for kommunen og en varianskomponent for faggruppen i kommunen"
               if p["nesting"] == "vc" else "et tilfældigt intercept for hver faggruppe i hver kommune")
    if language == "da":
        return (
            f"Data omfatter {n['kommuner']} kommuner i {n['waves']} målinger ({n['units']} kommune-målinger), "
            f"{n['employees']} medarbejderbesvarelser og {n['citizens']} borgerbesvarelser. Medarbejderens "
            "RK-indeks er gennemsnittet af vurderingerne af de *andre* faggrupper; kommunens RK er det "
            "uvægtede gennemsnit af relationerne mellem grupperne. Aggregeringen blev vurderet med ICC(1), "
            "ICC(2) og r_wg(j) (uniform nulfordeling) pr. kommune og pr. faggruppe i kommunen. H1 (strukturer "
            "→ RK), H3 (strukturer ↔ ledelse) og RQ2 (RK → borgernes oplevelse) blev testet på "
            "kommune-måling-niveau med OLS, fast effekt af målingen og kommune-klyngede standardfejl; H1 også "
            f"på medarbejderniveau. H2/RQ3 (ledelse → RK og motivation) blev estimeret med lineære mixed "
            f"models (REML) med {nest_da}; koefficienter rapporteres i råt og standardiseret mål og korrigeret "
            f"for prædiktorens reliabilitet (Cronbachs alfa; samlet ledelse α = {_fmt(rel.get(LEADERSHIP, np.nan), 2, 'da')}). "
            "RQ1 (samskabelse → tilfredshed og effekt) blev estimeret på borgerniveau med tilfældigt intercept "
            f"for kommunen. Mediationen ledelse → RK → borgerudfald blev estimeret på kommune-måling-niveau "
            f"(justeret for strukturer) med percentil-bootstrap over kommuner ({p['n_boot']} gentagelser, seed "
            f"{p['seed']}). RQ4 blev testet som difference-in-differences (interventions- mod kontrolkommuner, "
            f"{n['intervention']} mod {n['control']}) pr. dimension og for de relationer, interventionerne "
            f"var rettet mod, med permutationstest over kommuner ({p['n_permutations']} permutationer). "
            "Hvor flere test udgør en familie, er p-værdier Holm-korrigeret."
        )
    return (
        f"The data comprise {n['kommuner']} kommuner in {n['waves']} waves ({n['units']} kommune-waves), "
        f"{n['employees']} employee responses and {n['citizens']} citizen responses. An employee's relational "
        "capacity (RK) index is the mean of their ratings of the *other* professional groups; a kommune's RK is "
        "the unweighted mean of its cross-group tie means. Aggregation was assessed with ICC(1), ICC(2) (Bliese, "
        "2000) and r_wg(j) with a uniform null distribution (James, Demaree & Wolf, 1984), per kommune and per "
        "professional group within kommune. H1 (formal structures → RK), H3 (structures ↔ leadership) and RQ2 "
        "(RK → citizen co-creation, satisfaction and perceived effect) were tested at the kommune-wave level by "
        "OLS with a wave fixed effect and kommune-clustered standard errors (t with K − 1 df); H1 also at the "
        "respondent level. With two waves, H3 was also examined in a standardised cross-lagged panel model "
        f"over kommuner. H2/RQ3 (leadership behaviour → RK and motivation) were estimated with linear mixed "
        f"models (REML, statsmodels MixedLM) with {nest_en} and a wave fixed effect; coefficients are reported "
        "raw, standardised, and corrected for the predictor's unreliability (Spearman's correction with "
        f"Cronbach's alpha; total leadership α = {_fmt(rel.get(LEADERSHIP, np.nan))}). RQ1 (co-creation → "
        "satisfaction and perceived effect) was estimated at the citizen level with a kommune random intercept. "
        "Because a kommune's RK is a mean over relatively few respondents, the RQ2 slopes are also given "
        "corrected for its sampling error (reliability estimated from the within-group variances). "
        "The mediation leadership → RK → citizen outcome was estimated at the kommune-wave level, adjusted for "
        f"formal structures, {_CORRECTION_EN[p.get('mediation_correction', 'mediator')]}, with percentile "
        f"bootstrap CIs resampling kommuner ({p['n_boot']} resamples, seed {p['seed']}). RQ4 was tested as a difference-in-differences of intervention versus control kommuner "
        f"({n['intervention']} versus {n['control']}) per RK dimension and for the ties the interventions "
        f"targeted, with a permutation test over kommuner ({p['n_permutations']} permutations); the "
        "difference of the kommuner's mean changes is reported with a Welch CI, and a mixed model with a "
        "kommune random intercept as a check. Where several tests form a family, p-values are Holm-adjusted."
    )


def limitations_text(results: dict[str, pd.DataFrame], parameters: dict, language: str = "en") -> str:
    """Limitations (Markdown bullet list) that reflect the actual numbers of units and the diagnostics."""
    n = _counts(results)
    min_units = int(parameters.get("min_units", MIN_UNITS))
    da = language == "da"
    items = []
    if n["kommuner"] < min_units:
        items.append(
            f"Kun {n['kommuner']} kommuner: analyser på kommuneniveau (H1, H3, RQ2, mediation, RQ4) har lav "
            f"styrke (under {min_units} kommuner); konfidensintervallerne er brede, og et ikke-signifikant "
            "resultat er ikke evidens for, at der ingen effekt er." if da else
            f"Only {n['kommuner']} kommuner: kommune-level analyses (H1, H3, RQ2, mediation, RQ4) are "
            f"low-powered (fewer than {min_units} kommuner); intervals are wide and a non-significant result "
            "is not evidence of no effect.")
    else:
        items.append(
            f"{n['kommuner']} kommuner: kommune-niveauets resultater hviler på {n['kommuner']} uafhængige "
            "enheder, uanset antallet af besvarelser." if da else
            f"{n['kommuner']} kommuner: the kommune-level results rest on {n['kommuner']} independent units, "
            "whatever the number of responses.")
    if n["intervention"] or n["control"]:
        items.append(
            f"RQ4 sammenligner {n['intervention']} interventions- med {n['control']} kontrolkommuner; "
            "permutationstestens mindste mulige p-værdi er begrænset af antallet af kommuner." if da else
            f"RQ4 compares {n['intervention']} intervention with {n['control']} control kommuner; the smallest "
            "attainable permutation p-value is bounded by the number of kommuner.")
    agg = results["aggregation"]
    weak = agg[(agg["level"] == "kommune") & (agg["verdict"] != "justified")]
    if len(weak):
        items.append(
            "Aggregeringen til kommuneniveau er ikke fuldt understøttet i alle målinger (ICC/r_wg(j)); "
            "kommunens RK bør læses som et gennemsnit, ikke en fælles egenskab." if da else
            "Aggregation to the kommune level is not fully supported in every wave (ICC/r_wg(j)); read a "
            "kommune's RK as an average rather than a shared property.")
    mixed = pd.concat([results[k] for k in ("h1_structures_rk", "h2_leadership", "rq1_cocreation")
                       if "converged" in results[k]], ignore_index=True)
    if "converged" in mixed and (mixed["converged"] == False).any():  # noqa: E712 - NaN is not a failure
        k = int((mixed["converged"] == False).sum())  # noqa: E712
        items.append(f"{k} mixed models konvergerede ikke; tolk dem med forsigtighed." if da else
                     f"{k} mixed models did not converge; interpret them with caution.")
    items.append(
        "Data er tværsnit med to målinger; sammenhængene i H1-H3 og RQ1-RQ2 er korrelationelle, og "
        "krydsforsinkede estimater fra to målinger kan ikke skille påvirkning fra stabile forskelle og "
        "målefejl." if da else
        "The data are cross-sectional within each of two waves: H1-H3 and RQ1-RQ2 are associations, and "
        "cross-lagged estimates from two waves cannot separate influence from stable differences and "
        "measurement error.")
    items.append(
        "Medarbejdere, der svarer i begge målinger, indgår som uafhængige besvarelser i de samlede modeller; "
        "det gør standardfejlene lidt for små." if da else
        "Employees who answered in both waves enter the pooled models as independent responses, which makes "
        "the standard errors slightly too small.")
    items.append(
        "Korrektionen for målefejl forudsætter parallelle items (Cronbachs alfa) og ser bort fra "
        "usikkerheden i alfa; de ukorrigerede estimater er de konservative." if da else
        "The correction for measurement error assumes parallel items (Cronbach's alpha) and ignores the "
        "uncertainty of alpha; the uncorrected estimates are the conservative ones.")
    return "\n".join(f"- {t}" for t in items)


def _json_value(v):
    if isinstance(v, np.bool_ | bool):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        return float(v) if math.isfinite(float(v)) else None
    if v is None or v is pd.NA:
        return None
    if isinstance(v, str | int):
        return v
    return str(v)


def _records(df: pd.DataFrame) -> list[dict]:
    return [{c: _json_value(v) for c, v in zip(df.columns, row, strict=True)} for row in df.itertuples(index=False)]


def research_summary(results: dict[str, pd.DataFrame], parameters: dict, language: str = "en") -> dict:
    """The JSON-ready summary: schema, parameters, counts, every table (no unit-level rows), texts."""
    return {
        "schema": SUMMARY_SCHEMA,
        "parameters": {k: _json_value(v) for k, v in parameters.items()},
        "n": _counts(results),
        "tables": {name: _records(results[name]) for name in TABLE_NAMES if name in results},
        "methods": methods_text(results, parameters, language),
        "limitations": limitations_text(results, parameters, language),
    }


def _atomic_write(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the tables are shared like the reports
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_tables(results: dict[str, pd.DataFrame], out_dir: str | os.PathLike, parameters: dict,
                 decimal: str = ",", language: str = "en") -> dict[str, Path]:
    """Write ``research_summary.json`` and ``<table>.csv`` for every table into ``out_dir``.

    CSV files are ``;``-separated UTF-8 with BOM (``utf-8-sig``) so that Danish Excel opens them, with
    ``decimal`` as the decimal mark (default a comma). Unit-level rows (one per kommune) are not written.
    Returns ``{name: path}``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name in TABLE_NAMES:
        if name not in results:
            continue
        path = out / f"{name}.csv"
        df = results[name]
        _atomic_write(path, lambda tmp, df=df: df.to_csv(tmp, sep=";", decimal=decimal, index=False,
                                                        encoding="utf-8-sig"))
        paths[name] = path
    summary = research_summary(results, parameters, language)
    path = out / "research_summary.json"
    text = json.dumps(summary, ensure_ascii=False, indent=2)
    _atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    paths["summary"] = path
    return paths


def plot_estimates(table: pd.DataFrame, label: str | Sequence[str] = "predictor", estimate: str = "estimate",
                   ax=None, title: str | None = None, reference: float = 0.0, **kwargs):
    """Forest plot of one result table: a point and its 95% CI per row; filled = p_adj (or p) < .05.

    ``estimate`` names the point column; its CI columns are ``ci_low``/``ci_high`` with the same suffix
    (``"std"`` -> ``ci_low_std``, ``ci_high_std``). Returns the Axes.
    """
    import matplotlib.pyplot as plt

    from .style import BAND_COLOURS

    suffix = "" if estimate == "estimate" else "_" + estimate.split("_")[-1]
    lo, hi = f"ci_low{suffix}", f"ci_high{suffix}"
    labels = [label] if isinstance(label, str) else list(label)
    d = table.dropna(subset=[estimate]).reset_index(drop=True)
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 0.45 * max(len(d), 2) + 1.0))
    p = d["p_adj"].where(d["p_adj"].notna(), d["p_val"]) if "p_adj" in d else d["p_val"]
    y = np.arange(len(d))[::-1]
    colour = kwargs.pop("color", BAND_COLOURS["strong"])
    ax.hlines(y, d[lo], d[hi], color=colour, lw=1.6)
    sig = (p < 0.05).to_numpy()
    ax.scatter(d[estimate][sig], y[sig], color=colour, zorder=3, s=36, label="p < .05")
    ax.scatter(d[estimate][~sig], y[~sig], facecolor="white", edgecolor=colour, zorder=3, s=36,
               label="p ≥ .05")
    ax.axvline(reference, color="#7F7F7F", lw=0.8, ls="--")
    ax.set_yticks(y, [" · ".join(str(v) for v in r) for r in d[labels].itertuples(index=False)])
    ax.set_xlabel(kwargs.pop("xlabel", "Estimate with 95% CI"))
    if title:
        ax.set_title(title)
    ax.legend(loc="best", fontsize="small")
    return ax


def run_research(data_dir: str | os.PathLike, out_dir: str | os.PathLike, *, params_dir: str | os.PathLike | None = None,
                 instrument: str | os.PathLike | None = None, parameters: dict | None = None,
                 notebook: str | os.PathLike | None = None, kernel_name: str = "relkap",
                 cell_timeout: float = 1800.0, start_timeout: float = 120.0) -> Path:
    """Execute the research notebook with papermill and export its no-code HTML, atomically.

    Writes ``research.ipynb``, ``research.html``, ``research_summary.json`` and the CSV tables into a
    temporary folder beside ``out_dir`` and swaps it into place only when everything succeeded (the old
    folder stays whole until then). ``parameters`` overrides other notebook parameters (``nesting``,
    ``n_boot``, ``n_permutations``, ``seed``, ``min_units``, ``min_n``, ``language`` of the narrative,
    ``text_language`` of the methods text, ``decimal``).
    Returns ``out_dir``.
    """
    import shutil

    import papermill as pm

    from . import config
    from .batch import export_html, kernel_manager_class

    final = Path(out_dir).expanduser().resolve()
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}-", dir=final.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; the folder is shared like the kommune reports
    params = {**(parameters or {}), "data_dir": str(Path(data_dir).expanduser().resolve()), "out_dir": str(tmp),
              "params_dir": str(params_dir or ""), "instrument": str(instrument or "")}
    try:
        pm.execute_notebook(str(notebook or RESEARCH_NOTEBOOK), str(tmp / "research.ipynb"), parameters=params,
                            kernel_name=kernel_name, start_timeout=start_timeout,
                            execution_timeout=cell_timeout, progress_bar=False, cwd=str(config.ROOT),
                            kernel_manager_class=kernel_manager_class())
        export_html(tmp / "research.ipynb", tmp / "research.html")
        old = final.parent / f".{final.name}-old-{os.getpid()}"
        if final.exists():
            final.rename(old)
        tmp.rename(final)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


# Columns shown in the notebook (the CSV files and the JSON keep all of them).
_SHOW = {
    "aggregation": ["level", "wave", "statistic", "estimate", "ci_low", "ci_high", "p_val", "threshold",
                    "n_units", "n_respondents", "verdict"],
    "h1_structures_rk": ["model", "predictor", "estimate", "ci_low", "ci_high", "estimate_std", "p_val", "p_adj",
                         "n_units", "n_respondents"],
    "h2_leadership": ["outcome", "predictor", "estimate", "ci_low", "ci_high", "estimate_std", "ci_low_std",
                      "ci_high_std", "estimate_corrected", "reliability", "p_val", "p_adj", "n_units",
                      "n_respondents", "converged"],
    "h3_structures_leadership": ["analysis", "path", "wave", "estimate", "ci_low", "ci_high", "p_val", "p_adj",
                                 "n_units", "n_respondents"],
    "rq1_cocreation": ["outcome", "predictor", "estimate", "ci_low", "ci_high", "estimate_std",
                       "estimate_corrected", "reliability", "p_val", "p_adj", "n_units", "n_respondents"],
    "rq2_rk_citizen": ["outcome", "predictor", "estimate", "ci_low", "ci_high", "estimate_std",
                       "estimate_corrected", "reliability", "p_val", "p_adj", "n_units", "n_respondents",
                       "low_power"],
    "rq2_mediation": ["outcome", "path", "estimate", "ci_low", "ci_high", "p_val", "p_adj", "n_units",
                      "n_citizens", "low_power"],
    "rq4_did": ["scope", "dimension", "estimate", "ci_low", "ci_high", "p_val", "p_adj", "estimate_model",
                "p_model", "n_units", "n_intervention", "n_control", "n_respondents"],
}


def show(results: dict[str, pd.DataFrame], name: str, decimals: int = 3):
    """The notebook view of a result table: its main columns, rounded, without the index."""
    t = results[name]
    cols = [c for c in _SHOW.get(name, list(t.columns)) if c in t.columns]
    fmt = {c: f"{{:.{decimals}f}}" for c in cols if pd.api.types.is_float_dtype(t[c])}
    for c in ("p_val", "p_adj", "p_model"):
        if c in fmt:
            fmt[c] = "{:.4f}"
    return t[cols].style.format(fmt, na_rep="–").hide(axis="index")
