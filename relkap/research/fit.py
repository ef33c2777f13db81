"""The fitting code every research question shares: mixed models, OLS with kommune-clustered standard
errors, reliability and the corrections for measurement error, and the finished result table.

Every research function returns a table with :data:`RESULT_COLUMNS` after the columns that say what was
estimated: ``estimate``, ``ci_low``, ``ci_high`` (95%), ``p_val``, ``df`` (of the t distribution behind
``p_val`` and the CI; missing for bootstrap, permutation and F tests), ``method`` (how ``p_val`` was
obtained, one of :data:`P_METHODS`), ``p_adj`` (within a family of tests; the method in ``p_adjust``),
``n_units`` (kommuner in the model) and ``n_respondents`` (employees or citizens behind it).

Small designs (Luke 2017, Behav. Res. Methods 49:1494; McNeish & Stapleton 2016, Educ. Psychol. Rev.
28:295): where the kommune is the unit of the predictor or of assignment, the sample is
the number of kommuner. Mixed models are tested with Satterthwaite df (``"satterthwaite"``; a kommune-level
term's df at most the between-kommune df, ``"satterthwaite_between"`` where that bound is used), kommune-level
OLS with CR2 cluster-robust SE and Satterthwaite df (``"cluster_cr2_satterthwaite"``, as R's clubSandwich;
CR1 with t on G - 1, ``"cluster_cr1_t"``, as a sensitivity column) or, with one row per kommune, t on
J - p (``"ols_t"``), correlations over kommuner with t on J - 2 (``"pearson_t"``), the
mediation with a bootstrap over kommuner and RQ4 with a permutation of the arms over kommuner.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats

from .. import agreement, robust
from ..change import adjust_pvalues
from ..mixed import between_df, bound_df, fit_nested, satterthwaite

__all__ = ["RESULT_COLUMNS", "P_METHODS", "WAVE_TERMS", "NESTINGS", "MIN_UNITS", "check_nesting", "waves_of",
           "pooled_waves", "finish", "low_power",
           "std_factor", "standardise", "correct", "mixed", "ols_cluster", "reliability", "item_reliability"]

RESULT_COLUMNS = ["estimate", "ci_low", "ci_high", "p_val", "df", "method", "p_adj", "p_adjust", "n_units",
                  "n_respondents", "waves", "wave_term"]
# How a row uses the waves, the ``wave_term`` column of every result table (``waves``: the wave codes behind
# the row, in time order, comma-separated)
WAVE_TERMS = ("fixed_effects", "single_wave", "per_wave", "lagged", "versus_first", "linear_trend")
# How ``p_val`` (and the CI) were obtained, the ``method`` column of every result table
P_METHODS = ("satterthwaite", "satterthwaite_between", "cluster_cr2_satterthwaite", "cluster_cr1_t", "ols_t",
             "pearson_t", "bootstrap_kommuner", "permutation_kommuner", "anova_f")
NESTINGS = ("vc", "combined")
MIN_UNITS = 20  # fewer kommuner than this: unit-level results are flagged as low-powered


def check_nesting(nesting: str) -> None:
    """``ValueError`` unless ``nesting`` is one of :data:`NESTINGS`."""
    if nesting not in NESTINGS:
        raise ValueError(f"nesting must be one of {NESTINGS}, got {nesting!r}")


def waves_of(d: pd.DataFrame, waves: Sequence[str] | None = None) -> str:
    """The waves in ``d["wave"]`` in time order (``waves``, the ordered codes; default sorted), comma-separated.

    Examples
    --------
    >>> waves_of(pd.DataFrame({"wave": ["followup", "midtvejs", "baseline"]}), ["baseline", "midtvejs", "followup"])
    'baseline,midtvejs,followup'
    """
    present = {str(w) for w in d["wave"].dropna().unique()} if "wave" in d.columns else set()
    order = [w for w in (waves if waves is not None else sorted(present)) if w in present]
    return ",".join(order + sorted(present - set(order)))


def pooled_waves(d: pd.DataFrame, waves: Sequence[str] | None = None) -> dict:
    """``waves`` and ``wave_term`` of a model pooled over the waves of ``d``: a fixed effect per wave (the
    first the reference) when it has several, "single_wave" with one.

    Examples
    --------
    >>> pooled_waves(pd.DataFrame({"wave": ["b", "m", "f"]}), ["b", "m", "f"])
    {'waves': 'b,m,f', 'wave_term': 'fixed_effects'}
    """
    used = waves_of(d, waves)
    return {"waves": used, "wave_term": "fixed_effects" if "," in used else "single_wave"}


def finish(rows: list[dict], keys: list[str], family: str | None = None, method: str = "holm",
           extra: Sequence[str] = ()) -> pd.DataFrame:
    """Result rows -> the tidy result table: ``keys``, :data:`RESULT_COLUMNS`, ``extra``, the rest.

    ``p_adj`` is ``p_val`` adjusted by ``method`` (:func:`relkap.change.adjust_pvalues`) within each
    value of the column ``family``, or over all rows. Missing result columns are added empty, so an
    empty list gives the empty table with every column.

    Examples
    --------
    >>> rows = [{"x": "a", "estimate": 1.0, "p_val": 0.01}, {"x": "b", "estimate": 2.0, "p_val": 0.04}]
    >>> finish(rows, ["x"])[["x", "estimate", "p_val", "p_adj", "p_adjust"]]
       x  estimate  p_val  p_adj p_adjust
    0  a       1.0   0.01   0.02     holm
    1  b       2.0   0.04   0.04     holm
    >>> list(finish([], ["x"]).columns)[:3]
    ['x', 'estimate', 'ci_low']
    """
    out = pd.DataFrame(rows)
    for c in [*keys, *RESULT_COLUMNS]:
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


def low_power(n_units: int, min_units: int = MIN_UNITS) -> bool:
    """Whether a kommune-level result rests on fewer than ``min_units`` kommuner."""
    return bool(n_units < min_units)


def std_factor(d: pd.DataFrame, x: str, y: str) -> float:
    """sd(x) / sd(y) over the model sample: multiplies a raw slope into a standardised one (NaN if sd(y) = 0).

    Examples
    --------
    >>> std_factor(pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [2.0, 4.0, 6.0]}), "x", "y")
    0.5
    """
    sy = d[y].std(ddof=1)
    return float(d[x].std(ddof=1) / sy) if sy > 0 else np.nan


def standardise(row: dict, factor: float) -> dict:
    """Add ``estimate_std``, ``ci_low_std``, ``ci_high_std`` = the raw values times ``factor`` (:func:`std_factor`)."""
    for c in ("estimate", "ci_low", "ci_high"):
        row[f"{c}_std"] = row[c] * factor
    return row


def correct(row: dict, reliability: float) -> dict:
    """Spearman's correction for attenuation of a slope by the predictor's reliability.

    Adds ``reliability`` and ``estimate_corrected``, ``ci_low_corrected``, ``ci_high_corrected`` = the
    raw values / reliability (NaN when the reliability is missing or not positive). The CI is divided by
    the same number, which ignores the uncertainty of the reliability.

    Examples
    --------
    >>> correct({"estimate": 0.4, "ci_low": 0.2, "ci_high": 0.6}, 0.8)["estimate_corrected"]
    0.5
    """
    rel = reliability if reliability and np.isfinite(reliability) and reliability > 0 else np.nan
    row["reliability"] = rel
    for c in ("estimate", "ci_low", "ci_high"):
        row[f"{c}_corrected"] = row[c] / rel
    return row


def mixed(d: pd.DataFrame, y: str, xs: list[str], nesting: str, group: str | None = "group",
          wave: bool = True, subject: str | None = "respondent_id") -> dict[str, dict]:
    """Linear mixed model ``y ~ xs (+ C(wave))`` with a kommune random intercept (group within kommune, and
    the respondent where ids link the waves).

    Parameters
    ----------
    d : DataFrame
        One row per respondent and wave with ``kommune``, ``wave``, ``y``, ``xs`` (and ``group``,
        ``subject``).
    y : str
        Outcome column.
    xs : list of str
        Predictor columns.
    nesting : {"vc", "combined"}
        ``"vc"``: a random intercept per kommune and a variance component for ``group`` within the
        kommune; ``"combined"``: one random intercept per kommune:group.
    group : str or None
        The group column; ``None``: only the kommune intercept (citizens are not in groups).
    wave : bool
        Add a fixed effect per wave (every wave in ``d`` beyond the first, when it has more than one).
    subject : str or None
        The respondent id column: when an id occurs in more than one wave of its kommune, a random
        intercept per respondent (one person answering twice is not two independent answers); a
        respondent-level predictor is then split into the person's mean over the waves (whose slope is
        reported) and the deviation from it.

    Returns
    -------
    dict
        Predictor -> ``estimate``, ``se``, ``df``, ``ci_low``, ``ci_high`` (95%), ``p_val``, ``method``
        (``"satterthwaite"`` or ``"satterthwaite_between"``), ``converged``, ``linked`` (whether the
        respondent intercept is in the model), ``df_satterthwaite``.

    Notes
    -----
    REML at lme4's optimum and t tests on Satterthwaite degrees of freedom (:func:`relkap.mixed.satterthwaite`,
    the numbers of R's lmerTest). A predictor that varies only between kommuner gets df near the number of
    kommuner minus 2, not the normal (z) approximation of a thousand respondents; a respondent-level
    predictor gets df near the number of respondents, where t and z agree. When the kommune variance is
    estimated at zero, lmerTest's df of a kommune-level predictor approach the number of respondents;
    here they are bounded by the between-kommune df (:func:`relkap.mixed.between_df`: kommuner minus the
    kommune-level terms, intercept included; ``method`` "satterthwaite_between" where the bound is used).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> d = pd.DataFrame({"kommune": np.repeat(np.arange(6), 20), "wave": "baseline",
    ...                   "group": np.tile(["a", "b"], 60), "x": rng.normal(size=120)})
    >>> d["y"] = 0.5 * d["x"] + rng.normal(size=6).repeat(20) * 0.3 + rng.normal(size=120)
    >>> r = mixed(d, "y", ["x"], "vc")["x"]
    >>> round(r["estimate"], 2), r["method"]
    (0.48, 'satterthwaite')
    """
    rhs = " + ".join(xs) + (" + C(wave)" if wave and d["wave"].nunique() > 1 else "")
    design = smf.ols(f"{y} ~ {rhs}", d)  # the fixed-effects design of the formula, with its missing rows out
    rows = d.loc[design.data.row_labels]
    exog = pd.DataFrame(design.exog, columns=design.exog_names, index=rows.index)
    komm = rows["kommune"].astype(str).to_numpy()
    components = {}
    outer = komm
    if group is not None and nesting == "vc":
        components["group"] = komm + "\x1f" + rows[group].astype(str).to_numpy()
    elif group is not None:
        outer = komm + "\x1f" + rows[group].astype(str).to_numpy()
    linked = False
    if subject is not None and subject in rows.columns and rows["wave"].nunique() > 1:
        person = komm + "\x1f" + rows[subject].astype(str).to_numpy()
        linked = bool(pd.Series(rows["wave"].to_numpy()).groupby(person).nunique().gt(1).any())
        if linked:
            components["respondent"] = person
            # A respondent-level predictor enters as the person's mean over the waves (the estimate: the
            # between-person slope, as without repeated respondents) and the wave's deviation from it
            # (a term of its own): with only the intercept the slope would blend in the within-person
            # slope of a stable trait measured twice (Mundlak 1978; Bell & Jones 2015).
            cell = komm + "\x1f" + rows["wave"].astype(str).to_numpy()
            for x in xs:
                values = exog[x]
                if values.groupby(cell).nunique().gt(1).any():
                    mean = values.groupby(person).transform("mean")
                    exog[x], exog[f"{x}__within_person"] = mean, values - mean
    fit = fit_nested(design.endog, exog, outer, components)
    raw = satterthwaite(fit)
    terms, df_max = between_df(exog, komm)
    tab = bound_df(raw, terms, df_max).set_index("term")
    raw = raw.set_index("term")
    ok = bool(fit.converged)
    return {x: {"estimate": float(tab.at[x, "estimate"]), "se": float(tab.at[x, "se"]),
                "df": float(tab.at[x, "df"]), "ci_low": float(tab.at[x, "ci_low"]),
                "ci_high": float(tab.at[x, "ci_high"]), "p_val": float(tab.at[x, "p_val"]),
                "method": str(tab.at[x, "method"]), "converged": ok, "linked": linked,
                "df_satterthwaite": float(raw.at[x, "df"])} for x in xs}


def ols_cluster(d: pd.DataFrame, y: str, xs: list[str], wave: bool = True,
                cluster: str | None = "kommune") -> dict[str, dict]:
    """OLS ``y ~ xs (+ C(wave))``; kommune-clustered CR2 SE with Satterthwaite df when units repeat, else classical.

    Returns predictor -> ``estimate``, ``se``, ``df``, ``ci_low``, ``ci_high`` (95%), ``p_val``, ``method``,
    and with clusters the CR1 sensitivity values ``se_cr1``, ``df_cr1``, ``ci_low_cr1``, ``ci_high_cr1``,
    ``p_cr1``.

    Notes
    -----
    Units are kommuner (or kommune x wave), so the sample is the number of kommuner. When a kommune has
    several rows (its waves), the covariance is the bias-reduced cluster-robust sandwich CR2 and the tests
    and intervals use t on its Satterthwaite df (Pustejovsky & Tipton 2018; :func:`relkap.robust.cr2`, the
    numbers of R's ``clubSandwich::coef_test(..., vcov = "CR2", test = "Satterthwaite")``): ``method``
    ``"cluster_cr2_satterthwaite"``. With ten kommuner and a kommune-level predictor these df are often
    nearer 3 than G - 1. The CR1 sandwich (factor G / (G - 1) x (N - 1) / (N - K), t on G - 1 df, too
    liberal with few clusters) is kept as a sensitivity column. With one row per kommune the classical
    OLS t on N - K df: ``method`` ``"ols_t"``.

    Examples
    --------
    >>> d = pd.DataFrame({"kommune": [1, 2, 3, 4, 5], "x": [1.0, 2, 3, 4, 5], "y": [1.1, 1.9, 3.2, 3.9, 5.0]})
    >>> r = ols_cluster(d, "y", ["x"], wave=False)["x"]
    >>> round(r["estimate"], 3), r["df"], r["method"]
    (0.98, 3.0, 'ols_t')
    >>> d2 = pd.concat([d, d.assign(y=d["y"] + 0.1)])
    >>> r = ols_cluster(d2, "y", ["x"], wave=False)["x"]
    >>> round(r["df"], 2), r["method"], r["df_cr1"]
    (1.95, 'cluster_cr2_satterthwaite', 4.0)
    """
    rhs = " + ".join(xs) + (" + C(wave)" if wave and "wave" in d and d["wave"].nunique() > 1 else "")
    model = smf.ols(f"{y} ~ {rhs}", d)
    if cluster is None or not d[cluster].duplicated().any():
        fit = model.fit()
        ci = fit.conf_int()
        return {x: {"estimate": float(fit.params[x]), "se": float(fit.bse[x]), "df": float(fit.df_resid),
                    "ci_low": float(ci.loc[x, 0]), "ci_high": float(ci.loc[x, 1]), "p_val": float(fit.pvalues[x]),
                    "method": "ols_t"} for x in xs}
    codes = pd.factorize(d[cluster])[0]
    # CR1 (use_correction) with t on G - 1 df: statsmodels' cluster defaults; the sensitivity row
    cr1 = model.fit(cov_type="cluster", cov_kwds={"groups": codes, "use_correction": True}, use_t=True)
    ci1 = cr1.conf_int()
    res = robust.cr2(model.exog, model.endog, codes)
    names = list(model.exog_names)
    out = {}
    for x in xs:
        k = names.index(x)
        est, se, df = float(res["beta"][k]), float(np.sqrt(res["vcov"][k, k])), float(res["df"][k])
        half = float(stats.t.ppf(0.975, df)) * se
        out[x] = {"estimate": est, "se": se, "df": df, "ci_low": est - half, "ci_high": est + half,
                  "p_val": float(2 * stats.t.sf(abs(est / se), df)), "method": "cluster_cr2_satterthwaite",
                  "se_cr1": float(cr1.bse[x]), "df_cr1": float(codes.max()), "ci_low_cr1": float(ci1.loc[x, 0]),
                  "ci_high_cr1": float(ci1.loc[x, 1]), "p_cr1": float(cr1.pvalues[x])}
    return out


def reliability(data: pd.DataFrame, columns: list[str]) -> float:
    """Cronbach's alpha of ``columns`` of a wide table (rows = subjects), or NaN with fewer than two columns.

    Examples
    --------
    >>> d = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 5], "c": [1, 3, 3, 4, 4]})
    >>> round(reliability(d, ["a", "b", "c"]), 3)
    0.954
    """
    cols = [c for c in columns if c in data.columns]
    if len(cols) < 2:
        return np.nan
    long = data[cols].reset_index(drop=True).rename_axis("respondent_id").reset_index().melt(
        id_vars="respondent_id", var_name="item", value_name="score")
    return float(agreement.alpha(long)["alpha"].iloc[0])


def item_reliability(long: pd.DataFrame, scale: str) -> float:
    """Cronbach's alpha of a scale's items from the long ``scales`` or ``citizens`` table (NaN if absent)."""
    d = long[long["scale"].astype(str) == scale]
    if len(d) == 0:
        return np.nan
    d = d.astype({"wave": str, "item": str})
    return float(agreement.alpha(d, subject=["kommune", "wave", "respondent_id"])["alpha"].iloc[0])
