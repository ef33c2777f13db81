"""RQ2: the kommune's RK and the citizens' experience; the mediation leadership -> RK -> citizen outcome."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .data import COCREATION, EFFECT, LEADERSHIP, RK, SATISFACTION, STRUCTURE
from .fit import (
    MIN_UNITS,
    correct,
    finish,
    low_power,
    ols_cluster,
    pooled_waves,
    standardise,
    std_factor,
)

__all__ = ["MIN_MEDIATION_KOMMUNER", "CORRECTIONS", "rk_citizen", "rk_reliability", "eiv_coefs", "mediation"]

MIN_MEDIATION_KOMMUNER = 4  # kommuner for the bootstrap of the mediation paths
CORRECTIONS = ("mediator", "all", "none")


def rk_reliability(d: pd.DataFrame, error_var: str = "rk_error_var") -> float:
    """Reliability of the unit RK: 1 - mean sampling variance / variance of RK around the wave means.

    NaN with fewer than three units or when the estimate is not positive.

    Examples
    --------
    >>> d = pd.DataFrame({"wave": ["b"] * 4, "rk": [3.0, 3.5, 4.0, 3.5], "rk_error_var": 0.05})
    >>> round(rk_reliability(d), 3)
    0.7
    """
    if error_var not in d or len(d) < 3:
        return np.nan
    within = d[RK] - d.groupby("wave")[RK].transform("mean")
    total = float((within**2).sum() / (len(d) - d["wave"].nunique()))
    rel = 1 - float(d[error_var].mean()) / total if total > 0 else np.nan
    return rel if rel > 0 else np.nan


def rk_citizen(units: pd.DataFrame, outcomes: Sequence[str] = (COCREATION, SATISFACTION, EFFECT),
               min_units: int = MIN_UNITS, waves: Sequence[str] | None = None) -> pd.DataFrame:
    """RQ2: unit RK -> citizen co-creation, satisfaction and perceived effect (kommune x wave units).

    Parameters
    ----------
    units : DataFrame
        :func:`relkap.research.unit_table`.
    outcomes : sequence of str
        Citizen scales.
    min_units : int
        Fewer kommuner than this: ``low_power``.
    waves : sequence of str, optional
        The wave codes in time order (default sorted): a fixed effect per wave present (``waves``,
        ``wave_term``).

    Returns
    -------
    DataFrame
        One row per ``outcome`` and ``predictor`` (``rk``) with the result columns, then ``se``,
        ``n_obs``, ``low_power``, ``estimate_std``, ``ci_low_std``, ``ci_high_std``, ``reliability``,
        ``estimate_corrected``, ``ci_low_corrected``, ``ci_high_corrected``. ``p_adj``: Holm over the
        outcomes.

    Notes
    -----
    OLS with a wave fixed effect and kommune-clustered CR2 SE with Satterthwaite df (``method``
    "cluster_cr2_satterthwaite", as R's clubSandwich; CR1 with t on G - 1 in ``se_cr1`` ... ``p_cr1``;
    :func:`relkap.research.fit.ols_cluster`). A unit's RK is a mean over a
    few dozen respondents: ``reliability`` = 1 - (mean sampling variance of RK, ``rk_error_var``) /
    (variance of RK around the wave means) (:func:`rk_reliability`), and ``estimate_corrected`` =
    estimate / reliability.

    Examples
    --------
    >>> from relkap import load_instrument
    >>> from relkap.research import example_tables, unit_table
    >>> inst, t = load_instrument(), example_tables(5)
    >>> rq2 = rk_citizen(unit_table(t, inst))
    >>> rq2[["outcome", "estimate", "n_units", "low_power"]].round(2)
           outcome  estimate  n_units  low_power
    0  samskabelse      0.08        5       True
    1  tilfredshed      0.37        5       True
    2       effekt     -0.12        5       True
    """
    rows = []
    for y in [o for o in outcomes if o in units.columns]:
        d = units.dropna(subset=[RK, y])
        r = ols_cluster(d, y, [RK])[RK]
        k = int(d["kommune"].nunique())
        row = standardise({"outcome": y, "predictor": RK, **r, **pooled_waves(d, waves), "n_units": k,
                           "n_respondents": int(d["n_citizens"].sum()), "n_obs": len(d),
                           "low_power": low_power(k, min_units)}, std_factor(d, RK, y))
        rows.append(correct(row, rk_reliability(d)))
    return finish(rows, ["outcome", "predictor"])


def eiv_coefs(X: np.ndarray, y: np.ndarray, sxx: np.ndarray | None = None, sxy: np.ndarray | None = None
              ) -> np.ndarray:
    """OLS coefficients corrected for measurement error in some columns of X (method of moments).

    Parameters
    ----------
    X : ndarray (n, p)
        Design matrix (with the intercept column).
    y : ndarray (n,)
        Outcome.
    sxx : ndarray (p, p), optional
        Summed error covariance matrix of the columns of X (zero rows and columns for error-free ones).
    sxy : ndarray (p,), optional
        Summed error covariances of the columns with y.

    Returns
    -------
    ndarray (p,)
        The coefficients; plain OLS without errors.

    Notes
    -----
    Fuller (1987, 2.2): beta = (X'X - s Sxx)^-1 (X'y - s Sxy), with s <= 1 chosen so that the correction
    never removes more than 80% of the error-prone columns' variance left after the other columns (a
    bootstrap resample with little of it left would otherwise explode).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=200)
    >>> X = np.column_stack([np.ones(200), x + rng.normal(0, 0.5, 200)])
    >>> y = 2 * x + rng.normal(0, 0.1, 200)
    >>> eiv_coefs(X, y).round(2), eiv_coefs(X, y, np.diag([0, 0.25 * 200])).round(2)
    (array([0.05, 1.6 ]), array([0.1 , 2.08]))
    """
    if sxx is None or not np.any(sxx):
        return np.linalg.lstsq(X, y, rcond=None)[0]
    sxy = np.zeros(X.shape[1]) if sxy is None else sxy
    e = np.flatnonzero(np.diag(sxx) > 0)
    others = np.delete(X, e, axis=1)
    resid = X[:, e] - others @ np.linalg.lstsq(others, X[:, e], rcond=None)[0]
    partial = resid.T @ resid
    ratio = float(np.max(np.real(np.linalg.eigvals(np.linalg.solve(partial, sxx[np.ix_(e, e)])))))
    scale = min(1.0, 0.8 / ratio) if ratio > 0 else 1.0
    return np.linalg.solve(X.T @ X - scale * sxx, X.T @ y - scale * sxy)


def _design(d: pd.DataFrame, cols: list[str]) -> np.ndarray:
    """Intercept, ``cols`` and a dummy per wave beyond the first (sorted) present: wave fixed effects."""
    parts = [np.ones(len(d)), *(d[c].to_numpy(float) for c in cols)]
    waves = d["wave"].to_numpy()
    levels = np.unique(waves)
    parts += [(waves == w).astype(float) for w in levels[1:]]
    return np.column_stack(parts)


def mediation(units: pd.DataFrame, outcomes: Sequence[str] = (COCREATION, SATISFACTION, EFFECT),
              exposure: str = LEADERSHIP, mediator: str = RK, covariates: Sequence[str] = (STRUCTURE,),
              n_boot: int = 2000, seed: int = 1, min_units: int = MIN_UNITS, correct_errors: str = "mediator",
              waves: Sequence[str] | None = None) -> pd.DataFrame:
    """RQ2: mediation leadership -> RK -> citizen outcome at the unit level, with a kommune bootstrap.

    Parameters
    ----------
    units : DataFrame
        :func:`relkap.research.unit_table`.
    outcomes : sequence of str
        Citizen outcomes.
    exposure, mediator : str
        Exposure and mediator columns.
    covariates : sequence of str
        Adjusted for in both models (default the structure index, which drives both leadership and RK
        (H1, H3): without it, path a would absorb the structure effect).
    n_boot, seed : int
        Bootstrap resamples of whole kommuner (all their waves together), seeded.
    min_units : int
        Fewer kommuner than this: ``low_power``.
    correct_errors : {"mediator", "all", "none"}
        The correction for the sampling error of the kommune means (Notes).
    waves : sequence of str, optional
        The wave codes in time order (default sorted): both models have a fixed effect per wave present
        (``waves``, ``wave_term``).

    Returns
    -------
    DataFrame
        One row per ``outcome`` and ``path`` ("a", "b", "indirect" = a x b, "direct" = c', "total" =
        a x b + c') with the result columns (percentile 95% CIs; two-sided bootstrap p = 2 x the share
        of resamples on the other side of 0, at least 1 / (B + 1); ``method`` "bootstrap_kommuner"), then ``n_citizens``, ``n_obs``,
        ``n_boot`` (finite resamples), ``seed``, ``exposure``, ``mediator``, ``covariates``,
        ``correction`` (the correction applied) and ``low_power``. ``p_adj``: Holm within each path
        over the outcomes. An outcome with fewer than :data:`MIN_MEDIATION_KOMMUNER` kommuner has no rows.

    Notes
    -----
    Path a: ``RK ~ leadership + covariates + C(wave)``; path b and the direct effect c':
    ``outcome ~ RK + leadership + covariates + C(wave)`` (OLS over kommune x wave units).

    A unit's RK and leadership are means of a few dozen respondents, so they carry sampling error, and
    once structures (and leadership) are held fixed little true variation is left: the error pulls a and
    b towards 0 and pushes the direct effect up. ``correct_errors`` corrects by the method of moments
    (:func:`eiv_coefs`) with each unit's sampling (co)variances from :func:`relkap.research.unit_table`:

    - "mediator" (default): the sampling error of RK in the b model (the larger bias; a stays somewhat
      attenuated by the error in unit leadership);
    - "all": also the error of unit leadership and its covariance with RK's (the same respondents answer
      both), in both models. Nearly unbiased, but when leadership varies little between kommuner beyond
      what structures explain, a becomes very uncertain (wide intervals);
    - "none": plain OLS.

    Examples
    --------
    >>> from relkap import load_instrument
    >>> from relkap.research import example_tables, unit_table
    >>> inst, t = load_instrument(), example_tables(6)
    >>> med = mediation(unit_table(t, inst), outcomes=["samskabelse"], n_boot=50)
    >>> med[["path", "estimate", "n_units", "n_boot", "correction"]].round(2)
           path  estimate  n_units  n_boot correction
    0         a      0.43        6      50   mediator
    1         b      1.20        6      50   mediator
    2  indirect      0.51        6      50   mediator
    3    direct     -0.69        6      50   mediator
    4     total     -0.18        6      50   mediator
    """
    if correct_errors not in CORRECTIONS:
        raise ValueError(f"correct_errors must be 'mediator', 'all' or 'none', got {correct_errors!r}")
    covs = [c for c in covariates if c in units.columns]
    rows = []
    for y in [o for o in outcomes if o in units.columns]:
        d = units.dropna(subset=[exposure, mediator, y, *covs]).reset_index(drop=True)
        k = int(d["kommune"].nunique())
        if k < MIN_MEDIATION_KOMMUNER:
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
            a = eiv_coefs(Xa[idx], ya[idx], sa, say)[1]
            sb = np.zeros((Xb.shape[1],) * 2)
            sb[1:3, 1:3] = [[v_rk, c_rl], [c_rl, v_l]]
            cb = eiv_coefs(Xb[idx], yb[idx], sb)
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
        for j, name in enumerate(("a", "b", "indirect", "direct", "total")):
            rows.append({"outcome": y, "path": name, "estimate": est[j], "ci_low": lo[j], "ci_high": hi[j],
                         "p_val": p[j], "method": "bootstrap_kommuner", "n_units": k, "n_respondents": int(d["n_respondents"].sum()),
                         "n_citizens": int(d["n_citizens"].sum()), "n_obs": len(d), "n_boot": len(boot),
                         "seed": seed, "exposure": exposure, "mediator": mediator,
                         "covariates": ",".join(covs), "correction": correct_errors if use_errors else "none",
                         "low_power": low_power(k, min_units), **pooled_waves(d, waves)})
    return finish(rows, ["outcome", "path"], family="path")
