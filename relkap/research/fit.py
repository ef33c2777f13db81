"""The fitting code every research question shares: mixed models, OLS with kommune-clustered standard
errors, reliability and the corrections for measurement error, and the finished result table.

Every research function returns a table with :data:`RESULT_COLUMNS` after the columns that say what was
estimated: ``estimate``, ``ci_low``, ``ci_high`` (95%), ``p_val``, ``df`` (of the t distribution behind
``p_val`` and the CI; missing for bootstrap, permutation and F tests), ``method`` (how ``p_val`` was
obtained, one of :data:`P_METHODS`), ``p_adj`` (within a family of tests; the method in ``p_adjust``),
``n_units`` (kommuner in the model) and ``n_respondents`` (employees or citizens behind it).

Small designs (Luke 2017, Behav. Res. Methods 49:1494; McNeish & Stapleton 2016, Educ. Psychol. Rev.
28:295): where the kommune is the unit of the predictor or of assignment, the sample is
the number of kommuner. Mixed models are tested with Satterthwaite df (``"satterthwaite"``), kommune-level
OLS with t on the kommuner's df (``"cluster_cr1_t"``: CR1 cluster-robust SE, t on G - 1; ``"ols_t"``:
one row per kommune, t on J - p), correlations over kommuner with t on J - 2 (``"pearson_t"``), the
mediation with a bootstrap over kommuner and RQ4 with a permutation of the arms over kommuner.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import agreement
from ..change import adjust_pvalues
from ..mixed import satterthwaite

__all__ = ["RESULT_COLUMNS", "P_METHODS", "NESTINGS", "MIN_UNITS", "check_nesting", "finish", "low_power",
           "std_factor", "standardise", "correct", "mixed", "ols_cluster", "reliability", "item_reliability"]

RESULT_COLUMNS = ["estimate", "ci_low", "ci_high", "p_val", "df", "method", "p_adj", "p_adjust", "n_units",
                  "n_respondents"]
# How ``p_val`` (and the CI) were obtained, the ``method`` column of every result table
P_METHODS = ("satterthwaite", "cluster_cr1_t", "ols_t", "pearson_t", "bootstrap_kommuner", "permutation_kommuner",
             "anova_f")
NESTINGS = ("vc", "combined")
MIN_UNITS = 20  # fewer kommuner than this: unit-level results are flagged as low-powered


def check_nesting(nesting: str) -> None:
    """``ValueError`` unless ``nesting`` is one of :data:`NESTINGS`."""
    if nesting not in NESTINGS:
        raise ValueError(f"nesting must be one of {NESTINGS}, got {nesting!r}")


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
          wave: bool = True) -> dict[str, dict]:
    """Linear mixed model ``y ~ xs (+ C(wave))`` with a kommune random intercept (and group within kommune).

    Parameters
    ----------
    d : DataFrame
        One row per respondent with ``kommune``, ``wave``, ``y``, ``xs`` (and ``group``).
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
        Add a fixed effect of the wave (when ``d`` has more than one).

    Returns
    -------
    dict
        Predictor -> ``estimate``, ``se``, ``df``, ``ci_low``, ``ci_high`` (95%), ``p_val``, ``method``
        (``"satterthwaite"``), ``converged``.

    Notes
    -----
    REML at lme4's optimum and t tests on Satterthwaite degrees of freedom (:func:`relkap.mixed.satterthwaite`,
    the numbers of R's lmerTest). A predictor that varies only between kommuner gets df near the number of
    kommuner minus 2, not the normal (z) approximation of a thousand respondents; a respondent-level
    predictor gets df near the number of respondents, where t and z agree.

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
    import statsmodels.formula.api as smf  # deferred: statsmodels takes about 1 s to load

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
    tab = satterthwaite(model).set_index("term")
    ok = bool(tab.attrs["converged"])
    return {x: {"estimate": float(tab.at[x, "estimate"]), "se": float(tab.at[x, "se"]),
                "df": float(tab.at[x, "df"]), "ci_low": float(tab.at[x, "ci_low"]),
                "ci_high": float(tab.at[x, "ci_high"]), "p_val": float(tab.at[x, "p_val"]),
                "method": "satterthwaite", "converged": ok} for x in xs}


def ols_cluster(d: pd.DataFrame, y: str, xs: list[str], wave: bool = True,
                cluster: str | None = "kommune") -> dict[str, dict]:
    """OLS ``y ~ xs (+ C(wave))``; kommune-clustered SE (CR1) with t on G - 1 df when units repeat, else classical.

    Returns predictor -> ``estimate``, ``se``, ``df``, ``ci_low``, ``ci_high`` (95%), ``p_val``, ``method``.

    Notes
    -----
    Units are kommuner (or kommune x wave), so the sample is the number of kommuner. When a kommune has
    several rows (its waves), the covariance is the cluster-robust sandwich with the small-sample factor
    G / (G - 1) x (N - 1) / (N - K) (CR1, Stata's and statsmodels' default) and the tests and intervals
    use t with G - 1 df (G kommuner): ``method`` ``"cluster_cr1_t"``. With one row per kommune the
    classical OLS t on N - K df: ``method`` ``"ols_t"``.

    Examples
    --------
    >>> d = pd.DataFrame({"kommune": [1, 2, 3, 4, 5], "x": [1.0, 2, 3, 4, 5], "y": [1.1, 1.9, 3.2, 3.9, 5.0]})
    >>> r = ols_cluster(d, "y", ["x"], wave=False)["x"]
    >>> round(r["estimate"], 3), r["df"], r["method"]
    (0.98, 3.0, 'ols_t')
    >>> d2 = pd.concat([d, d.assign(y=d["y"] + 0.1)])
    >>> r = ols_cluster(d2, "y", ["x"], wave=False)["x"]
    >>> r["df"], r["method"]
    (4.0, 'cluster_cr1_t')
    """
    import statsmodels.formula.api as smf  # deferred: statsmodels takes about 1 s to load

    rhs = " + ".join(xs) + (" + C(wave)" if wave and "wave" in d and d["wave"].nunique() > 1 else "")
    model = smf.ols(f"{y} ~ {rhs}", d)
    if cluster is not None and d[cluster].duplicated().any():
        codes = pd.factorize(d[cluster])[0]
        # use_correction (CR1) and, with use_t, t on n_groups - 1 df: statsmodels' cluster defaults
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": codes, "use_correction": True}, use_t=True)
        df, method = float(codes.max()), "cluster_cr1_t"  # G - 1: codes run 0 ... G - 1
    else:
        fit = model.fit()
        df, method = float(fit.df_resid), "ols_t"
    ci = fit.conf_int()
    return {x: {"estimate": float(fit.params[x]), "se": float(fit.bse[x]), "df": df, "ci_low": float(ci.loc[x, 0]),
                "ci_high": float(ci.loc[x, 1]), "p_val": float(fit.pvalues[x]), "method": method} for x in xs}


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
