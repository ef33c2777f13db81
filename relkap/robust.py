"""Cluster-robust inference for few clusters: CR2 standard errors with Satterthwaite degrees of freedom.

With about ten kommuner, the CR1 sandwich with t on G - 1 df rejects too often (DOMAIN.md, "Few clusters").
The bias-reduced linearisation CR2 (Bell & McCaffrey 2002) with the Satterthwaite approximation of
Pustejovsky & Tipton (2018) keeps the size near nominal; this module computes them for ordinary least
squares as R's ``clubSandwich::coef_test(fit, vcov = "CR2", cluster = ..., test = "Satterthwaite")`` does
for an ``lm`` fit (working model: independent, homoskedastic errors).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["ROBUST_COLUMNS", "cr2", "coef_test"]

ROBUST_COLUMNS = ["term", "estimate", "se", "t", "df", "p_val", "ci_low", "ci_high", "method"]


def _sym_inv_sqrt(m: np.ndarray, tol: float = 1e-12) -> np.ndarray:
    """Symmetric inverse square root of a positive semi-definite matrix (a generalised one on its range)."""
    vals, vecs = np.linalg.eigh((m + m.T) / 2)
    keep = vals > tol * max(1.0, float(vals.max(initial=0.0)))
    inv = np.zeros_like(vals)
    inv[keep] = 1 / np.sqrt(vals[keep])
    return (vecs * inv) @ vecs.T


def cr2(x: np.ndarray, y: np.ndarray, clusters: Sequence | np.ndarray) -> dict[str, np.ndarray]:
    """OLS of ``y`` on ``x`` with the CR2 cluster-robust covariance and Satterthwaite df per coefficient.

    Parameters
    ----------
    x : array, shape (n, p)
        The design matrix (with the intercept column, if any); must have full column rank.
    y : array, shape (n,)
        The outcome.
    clusters : array-like, shape (n,)
        Cluster label per row (e.g. the kommune).

    Returns
    -------
    dict
        ``beta`` (p), ``vcov`` (p x p, CR2), ``df`` (p, Satterthwaite), ``n_clusters``.

    Notes
    -----
    With :math:`M = (X'X)^{-1}`, residuals :math:`e` and, per cluster :math:`j`,
    :math:`A_j = (I - X_j M X_j')^{-1/2}` (symmetric square root),

    .. math::

        V^{CR2} = M \\Big(\\sum_j X_j' A_j e_j e_j' A_j X_j\\Big) M.

    For coefficient :math:`k` (contrast :math:`c`), let :math:`p_j = (I - H)_j' A_j X_j M c`
    (an n-vector: the columns of :math:`I - X M X'` of cluster :math:`j`). Under the working model
    (independent errors of equal variance) :math:`c' V^{CR2} c` is a quadratic form whose Satterthwaite
    degrees of freedom are

    .. math::

        \\nu = \\frac{\\big(\\sum_j p_j' p_j\\big)^2}{\\sum_i \\sum_j (p_i' p_j)^2}.

    References
    ----------
    Bell, R. M., & McCaffrey, D. F. (2002). Bias reduction in standard errors for linear regression with
    multi-stage samples. *Survey Methodology*, 28(2), 169-181.
    Pustejovsky, J. E., & Tipton, E. (2018). Small-sample methods for cluster-robust variance estimation
    and hypothesis testing in fixed effects models. *Journal of Business & Economic Statistics*, 36(4),
    672-683.

    Examples
    --------
    >>> x = np.column_stack([np.ones(6), [1.0, 2, 3, 4, 5, 6]])
    >>> out = cr2(x, np.array([1.1, 2.3, 2.8, 4.2, 5.1, 5.8]), [1, 1, 2, 2, 3, 3])
    >>> out["beta"].round(3).tolist(), out["n_clusters"]
    ([0.22, 0.951], 3)
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.ndim != 2 or len(x) != len(y):
        raise ValueError(f"x must be an n x p matrix with n = len(y) = {len(y)}, got shape {x.shape}")
    n, p = x.shape
    if np.linalg.matrix_rank(x) < p:
        raise ValueError("the design matrix is singular (a term is collinear with the others)")
    codes, labels = pd.factorize(pd.Series(np.asarray(clusters)), sort=True)
    if (codes < 0).any():
        raise ValueError("every row needs a cluster label")
    m = np.linalg.inv(x.T @ x)
    beta = m @ x.T @ y
    e = y - x @ beta
    meat = np.zeros((p, p))
    # g[j] = (I - H)_j' A_j X_j M: the rows of p_j for every contrast at once (n x p per cluster)
    g = np.empty((len(labels), n, p))
    for j in range(len(labels)):
        idx = np.flatnonzero(codes == j)
        xj = x[idx]
        a = _sym_inv_sqrt(np.eye(len(idx)) - xj @ m @ xj.T)
        u = xj.T @ a @ e[idx]
        meat += np.outer(u, u)
        axm = a @ xj @ m  # n_j x p
        g[j] = -x @ (m @ xj.T @ axm)
        g[j][idx] += axm
    vcov = m @ meat @ m
    cross = np.einsum("inp,jnp->ijp", g, g)  # p_i' p_j per coefficient
    trace = np.einsum("iip->p", cross)
    df = trace**2 / np.einsum("ijp->p", cross**2)
    return {"beta": beta, "vcov": vcov, "df": df, "n_clusters": len(labels)}


def coef_test(data: pd.DataFrame, y: str, x: Sequence[str], cluster: str, intercept: bool = True,
              level: float = 0.95) -> pd.DataFrame:
    """t tests of OLS coefficients with CR2 standard errors and Satterthwaite df (R's clubSandwich).

    Parameters
    ----------
    data : DataFrame
        One row per observation (e.g. kommune x wave).
    y : str
        Outcome column.
    x : sequence of str
        Predictor columns (numeric; dummy-code categories first, e.g. ``pd.get_dummies``).
    cluster : str
        Cluster column (e.g. ``"kommune"``).
    intercept : bool
        Add an intercept (term ``"Intercept"``).
    level : float
        Confidence level of the interval.

    Returns
    -------
    DataFrame
        One row per term: ``term``, ``estimate``, ``se`` (CR2), ``t``, ``df`` (Satterthwaite), ``p_val``
        (two-sided, t on ``df``), ``ci_low``, ``ci_high`` (estimate -/+ t quantile x se), ``method``
        (``"cluster_cr2_satterthwaite"``). ``attrs["n_clusters"]``: the number of clusters. Rows with a
        missing value in ``y``, ``x`` or ``cluster`` are left out.

    Notes
    -----
    :func:`cr2` holds the formulas. The numbers equal ``clubSandwich::coef_test(lm(...), vcov = "CR2",
    cluster = ..., test = "Satterthwaite")`` and ``conf_int(...)`` (tests/R/cr2_clubsandwich.R).

    Examples
    --------
    >>> d = pd.DataFrame({"kommune": [1, 1, 2, 2, 3, 3, 4, 4], "x": [1.0, 1.2, 2.0, 2.1, 3.0, 3.3, 4.0, 3.9],
    ...                   "y": [2.0, 2.3, 2.9, 3.1, 4.2, 4.0, 4.8, 5.1]})
    >>> coef_test(d, "y", ["x"], "kommune")[["term", "estimate", "se", "df"]].round(3)
            term  estimate     se     df
    0  Intercept     1.051  0.069  1.322
    1          x     0.975  0.028  1.657
    """
    cols = [y, *x, cluster]
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise ValueError(f"coef_test: column(s) {missing} not in the data; columns are {list(data.columns)}")
    if not 0 < level < 1:
        raise ValueError(f"level must lie between 0 and 1, got {level!r}")
    d = data.dropna(subset=cols)
    design = d[list(x)].to_numpy(float)
    names = list(x)
    if intercept:
        design = np.column_stack([np.ones(len(d)), design])
        names = ["Intercept", *names]
    fit = cr2(design, d[y].to_numpy(float), d[cluster].to_numpy())
    se = np.sqrt(np.diag(fit["vcov"]))
    t = fit["beta"] / se
    df = fit["df"]
    half = stats.t.ppf(0.5 + level / 2, df) * se
    out = pd.DataFrame({"term": names, "estimate": fit["beta"], "se": se, "t": t, "df": df,
                        "p_val": 2 * stats.t.sf(np.abs(t), df), "ci_low": fit["beta"] - half,
                        "ci_high": fit["beta"] + half, "method": "cluster_cr2_satterthwaite"})
    out.attrs["n_clusters"] = fit["n_clusters"]
    return out
