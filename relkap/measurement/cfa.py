"""Confirmatory factor analysis by maximum likelihood, with lavaan's conventions and numbers.

Why written here and not taken from a library: semopy 2.3.11 (PyPI, the maintained Python SEM
package) was fitted to ``HolzingerSwineford1939`` beside R lavaan 0.6-14. Its chi-square (85.3057
against lavaan's 85.3055), CFI and TLI agree to 1e-3, but its loadings stop short of the optimum
(x2: 0.5544 against 0.5535), it gives no standard errors of standardised loadings, no RMSEA interval,
no SRMR, no equality constraints across groups and no score tests, so neither the invariance models nor
partial invariance could be built on it. factor_analyzer does exploratory analysis only. The model
here is small enough to write plainly on numpy and scipy: the ML discrepancy with analytic gradients,
Fisher scoring, and expected-information standard errors, as lavaan's defaults. Every number is
checked against lavaan (``tests/R/measurement_reference.R``, ``tests/test_measurement_r.py``).

Estimators: ML, and MLR (lavaan's robust variant for Likert answers) for single-group models: the same
estimates with Huber-White standard errors (observed information, casewise scores) and the
Yuan-Bentler scaled chi-square in lavaan's ``yuan.bentler.mplus`` form, both equal to lavaan. Not yet:
MLR with groups (so the invariance models are ML) and lavaan's robust CFI, TLI and RMSEA
(Brosseau-Liard and Savalei), which need the baseline model's scaling as well.

Conventions (lavaan's): the sample covariance divides by N, not N - 1; the first loading of each factor
is fixed at 1 (marker) unless ``std_lv``, which fixes factor variances at 1 instead; factors
covary freely; residuals are uncorrelated; rows with a missing item are dropped (listwise). With
groups the model has a mean structure: intercepts free per group and latent means 0, except when
intercepts are held equal, which frees the latent means of every group but the first.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import linalg, optimize, stats
from threadpoolctl import threadpool_limits

__all__ = ["Fit", "cfa", "fit_indices", "parameters", "standardized_loadings", "omega", "STATUSES"]

#: Status of a fitted model: ``ok``, ``heywood`` (a negative residual or factor variance: the
#: estimates are improper), ``not_converged``, ``not_identified`` (more parameters than moments or a
#: singular information matrix), ``too_few`` (fewer complete rows than items + 1, or a singular sample
#: covariance).
STATUSES = ("ok", "heywood", "not_converged", "not_identified", "too_few")

FIT_COLUMNS = ["status", "n", "n_groups", "npar", "chisq", "df", "p", "cfi", "tli", "rmsea", "rmsea_low",
               "rmsea_high", "srmr", "baseline_chisq", "baseline_df", "iterations", "chisq_scaled",
               "scaling_factor", "p_scaled"]


@dataclass(frozen=True)
class _Group:
    n: int
    mean: np.ndarray
    cov: np.ndarray  # divided by n, as lavaan
    rows: np.ndarray | None = field(default=None, repr=False)  # the complete rows (for MLR)


@dataclass(frozen=True)
class Fit:
    """A fitted CFA: the parameter table, the sample moments and everything the indices need.

    Read it through :func:`fit_indices`, :func:`parameters`, :func:`standardized_loadings` and
    :func:`omega`, which return tidy DataFrames.
    """

    factors: dict[str, list[str]]
    items: list[str]
    groups: list[object]
    table: pd.DataFrame  # one row per model matrix element: group, op, lhs, rhs, free (-1 fixed), value
    samples: list[_Group]
    theta: np.ndarray
    meanstructure: bool
    status: str
    iterations: int
    vcov: np.ndarray | None = field(default=None, repr=False)
    scaling: float | None = None  # MLR: the Yuan-Bentler scaling factor of the chi-square

    @property
    def n(self) -> int:
        return int(sum(s.n for s in self.samples))


def _layout(factors: Mapping[str, Sequence[str]], n_groups: int, *, meanstructure: bool, std_lv: bool,
            equal: Iterable[str], free_intercepts: Iterable[str]) -> pd.DataFrame:
    """The parameter table: which matrix elements are free, which share a parameter, which are fixed."""
    equal, free_intercepts = set(equal), set(free_intercepts)
    unknown = equal - {"loadings", "intercepts"}
    if unknown:
        raise ValueError(f"equal may hold 'loadings' and 'intercepts', not {sorted(unknown)}")
    names = list(factors)
    items = [i for f in names for i in factors[f]]
    rows, shared = [], {}

    def add(g, op, lhs, rhs, fixed=None, key=None):
        if fixed is not None:
            rows.append((g, op, lhs, rhs, -1, fixed))
            return
        if key is not None and key in shared:
            rows.append((g, op, lhs, rhs, shared[key], np.nan))
            return
        idx = len({r[4] for r in rows if r[4] >= 0})
        if key is not None:
            shared[key] = idx
        rows.append((g, op, lhs, rhs, idx, np.nan))

    for g in range(n_groups):
        for f in names:
            for k, item in enumerate(factors[f]):
                key = ("=~", f, item) if "loadings" in equal else None
                add(g, "=~", f, item, fixed=1.0 if k == 0 and not std_lv else None, key=key)
        for a, f in enumerate(names):
            for h in names[: a + 1]:
                add(g, "~~", h, f, fixed=1.0 if std_lv and h == f and (g == 0 or "loadings" not in equal)
                    else None)
        for item in items:
            add(g, "~~", item, item)
        if meanstructure:
            for item in items:
                key = ("~1", item) if "intercepts" in equal and item not in free_intercepts else None
                add(g, "~1", item, "", key=key)
            for f in names:
                add(g, "~1", f, "", fixed=0.0 if g == 0 or "intercepts" not in equal else None)
    return pd.DataFrame(rows, columns=["group", "op", "lhs", "rhs", "free", "value"])


class _Model:
    """Model matrices per group from a parameter vector, and their derivatives (the slots)."""

    def __init__(self, table: pd.DataFrame, items: list[str], factors: list[str], n_groups: int,
                 meanstructure: bool):
        self.p, self.m, self.G, self.ms = len(items), len(factors), n_groups, meanstructure
        ii = {v: k for k, v in enumerate(items)}
        ff = {v: k for k, v in enumerate(factors)}
        self.q = int(table["free"].max()) + 1 if (table["free"] >= 0).any() else 0
        self.slots = []  # per group: arrays kind, r, c, free, value
        for g in range(n_groups):
            t = table[table["group"] == g]
            kind = t["op"].map({"=~": 0, "~~": 1, "~1": 2}).to_numpy().copy()
            r = np.empty(len(t), int)
            c = np.empty(len(t), int)
            for k, (op, lhs, rhs) in enumerate(zip(t["op"], t["lhs"], t["rhs"], strict=True)):
                if op == "=~":
                    r[k], c[k] = ii[rhs], ff[lhs]
                elif op == "~~" and lhs in ff:
                    kind[k], r[k], c[k] = 1, ff[rhs], ff[lhs]  # Phi, lower triangle
                elif op == "~~":
                    kind[k], r[k], c[k] = 3, ii[lhs], ii[lhs]  # Theta
                elif lhs in ii:
                    kind[k], r[k], c[k] = 2, ii[lhs], 0  # nu
                else:
                    kind[k], r[k], c[k] = 4, ff[lhs], 0  # alpha
            self.slots.append((kind, r, c, t["free"].to_numpy(), t["value"].to_numpy(float)))

    def matrices(self, theta: np.ndarray, g: int):
        kind, r, c, free, value = self.slots[g]
        v = np.where(free >= 0, theta[np.maximum(free, 0)], value)
        lam, phi = np.zeros((self.p, self.m)), np.zeros((self.m, self.m))
        th, nu, al = np.zeros(self.p), np.zeros(self.p), np.zeros(self.m)
        s = kind == 0
        lam[r[s], c[s]] = v[s]
        s = kind == 1
        phi[r[s], c[s]] = v[s]
        phi[c[s], r[s]] = v[s]
        s = kind == 3
        th[r[s]] = v[s]
        s = kind == 2
        nu[r[s]] = v[s]
        s = kind == 4
        al[r[s]] = v[s]
        return lam, phi, th, nu, al

    def moments(self, theta: np.ndarray, g: int):
        lam, phi, th, nu, al = self.matrices(theta, g)
        return lam @ phi @ lam.T + np.diag(th), nu + lam @ al

    def derivatives(self, theta: np.ndarray, g: int):
        """dSigma (k, p, p) and dmu (k, p) for each free slot k of group g, with the slots' parameter index."""
        kind, r, c, free, _ = self.slots[g]
        lam, phi, th, nu, al = self.matrices(theta, g)
        keep = free >= 0
        kind, r, c, free = kind[keep], r[keep], c[keep], free[keep]
        k = len(kind)
        ds, dm = np.zeros((k, self.p, self.p)), np.zeros((k, self.p))
        lp = lam @ phi  # p x m
        s = np.flatnonzero(kind == 0)  # loading lambda[r, c]
        ds[s, r[s], :] = lp[:, c[s]].T
        ds[s, :, r[s]] += lp[:, c[s]].T
        dm[s, r[s]] = al[c[s]]
        s = np.flatnonzero(kind == 1)  # phi[r, c] and phi[c, r]
        a, b = lam[:, r[s]].T, lam[:, c[s]].T
        outer = a[:, :, None] * b[:, None, :]
        ds[s] = outer + np.where((r[s] != c[s])[:, None, None], outer.transpose(0, 2, 1), 0.0)
        s = np.flatnonzero(kind == 3)
        ds[s, r[s], r[s]] = 1.0
        s = np.flatnonzero(kind == 2)
        dm[s, r[s]] = 1.0
        s = np.flatnonzero(kind == 4)
        dm[s] = lam[:, r[s]].T
        return ds, dm, free


def discrepancy(model: _Model, theta: np.ndarray, samples: list[_Group]):
    """F = sum_g (n_g / N) F_g, its gradient and the unit expected information (None if Sigma not PD)."""
    N = sum(s.n for s in samples)
    F, grad, info = 0.0, np.zeros(model.q), np.zeros((model.q, model.q))
    for g, smp in enumerate(samples):
        sigma, mu = model.moments(theta, g)
        try:
            chol = np.linalg.cholesky(sigma)
        except np.linalg.LinAlgError:
            return None
        inv = np.linalg.inv(sigma)
        d = smp.mean - mu if model.ms else np.zeros(model.p)
        logdet = 2 * np.log(np.diag(chol)).sum()
        _, logdet_s = np.linalg.slogdet(smp.cov)
        w = smp.n / N
        F += w * (logdet + np.trace(smp.cov @ inv) - logdet_s - model.p + d @ inv @ d)
        ds, dm, free = model.derivatives(theta, g)
        gmat = inv - inv @ (smp.cov + np.outer(d, d)) @ inv
        gs = ds.reshape(len(free), -1) @ gmat.ravel()
        b = inv @ ds  # k x p x p
        i_s = 0.5 * b.reshape(len(free), -1) @ b.transpose(0, 2, 1).reshape(len(free), -1).T
        if model.ms:
            gs = gs - 2 * dm @ (inv @ d)
            i_s = i_s + dm @ inv @ dm.T
        grad[free] += w * gs  # a parameter appears once per group: the indices are unique
        info[np.ix_(free, free)] += w * i_s
    return F, grad, info


def _start(model: _Model, table: pd.DataFrame, factors: dict[str, list[str]], items: list[str],
           samples: list[_Group], std_lv: bool) -> np.ndarray:
    """Starting values from the pooled covariance: factor variance the mean within-factor covariance."""
    theta = np.zeros(model.q)
    slot = {(g, op, lhs, rhs): f for g, op, lhs, rhs, f in
            zip(table["group"], table["op"], table["lhs"], table["rhs"], table["free"], strict=True)}

    def put(key, value):
        if slot.get(key, -1) >= 0:
            theta[slot[key]] = value

    cov = sum(s.n * s.cov for s in samples) / sum(s.n for s in samples)
    ii = {v: k for k, v in enumerate(items)}
    for f, its in factors.items():
        idx = [ii[i] for i in its]
        sub = cov[np.ix_(idx, idx)]
        off = sub[~np.eye(len(idx), dtype=bool)]
        phi = max(float(off.mean()) if off.size else 0.5 * sub[0, 0], 0.05 * sub[0, 0])
        for g in range(model.G):
            for k, i in enumerate(its):
                put((g, "=~", f, i), np.sqrt(phi) if std_lv else max(sub[k, 0] / phi, 0.1) if k else 1.0)
            put((g, "~~", f, f), 1.0 if std_lv else phi)
    for g, smp in enumerate(samples):
        for i in items:
            put((g, "~~", i, i), 0.5 * smp.cov[ii[i], ii[i]])
            put((g, "~1", i, ""), smp.mean[ii[i]])
    return theta


def _samples(data: pd.DataFrame, items: list[str], group: str | None):
    missing = [c for c in [*items, *([group] if group else [])] if c not in data.columns]
    if missing:
        raise ValueError(f"columns {missing} not in the data; it has {list(data.columns)}")
    d = data[[*items, *([group] if group else [])]].dropna()
    bad = [c for c in items if not pd.api.types.is_numeric_dtype(d[c])]
    if bad:
        raise ValueError(f"items {bad} are not numeric; recode them (1-5) before the CFA")
    parts = [(k, v) for k, v in d.groupby(group, sort=False, observed=True)] if group else [(None, d)]
    out = []
    for key, part in parts:
        x = part[items].to_numpy(float)
        out.append((key, _Group(len(x), x.mean(axis=0), np.cov(x, rowvar=False, ddof=0).reshape(len(items), -1),
                                x)))
    return out


def cfa(data: pd.DataFrame, factors: Mapping[str, Sequence[str]], *, group: str | None = None,
        equal: Iterable[str] = (), free_intercepts: Iterable[str] = (), std_lv: bool = False,
        max_iter: int = 500, tol: float = 1e-10, estimator: str = "ML") -> Fit:
    """Fit a CFA by maximum likelihood (lavaan's ``cfa(model, data, group=, group.equal=)``).

    Parameters
    ----------
    data : DataFrame
        One row per respondent, one numeric column per item (wide). Rows with a missing item are dropped.
    factors : mapping
        Factor name to its items, e.g. ``{"visual": ["x1", "x2", "x3"]}``; the first item is the marker.
    group : str, optional
        Column for a multi-group model (adds the mean structure).
    equal : iterable of {"loadings", "intercepts"}
        Parameters held equal across groups (lavaan's ``group.equal``).
    free_intercepts : iterable of str
        Items whose intercepts stay free across groups under ``equal=("intercepts",)`` (``group.partial``).
    std_lv : bool
        Fix factor variances at 1 and free every loading, instead of the marker.
    max_iter, tol : int, float
        Fisher-scoring iterations and the largest gradient element counted as converged.
    estimator : {"ML", "MLR"}
        ``"MLR"`` (single-group models): the same estimates with Huber-White standard errors (observed
        information and casewise scores) and the Yuan-Bentler scaled chi-square, as lavaan's
        ``estimator = "MLR"`` (``se = "robust.huber.white"``, ``test = "yuan.bentler.mplus"``).

    Returns
    -------
    Fit
        Read with :func:`fit_indices`, :func:`parameters`, :func:`standardized_loadings`, :func:`omega`.
        A model that cannot be estimated is returned with its ``status`` (see :data:`STATUSES`) and NaN
        estimates, never an exception.

    Notes
    -----
    With :math:`S_g, \\bar y_g` the sample moments (divisor :math:`n_g`) and :math:`\\Sigma_g = \\Lambda
    \\Phi \\Lambda' + \\Theta`, :math:`\\mu_g = \\nu + \\Lambda\\alpha`, the estimate minimises

    .. math:: F = \\sum_g \\frac{n_g}{N}\\left[\\log|\\Sigma_g| + \\operatorname{tr}(S_g\\Sigma_g^{-1})
              - \\log|S_g| - p + (\\bar y_g - \\mu_g)'\\Sigma_g^{-1}(\\bar y_g - \\mu_g)\\right]

    by Fisher scoring; :math:`\\chi^2 = N F`; the covariance of the estimates is the inverse of N times
    the expected information (lavaan's default ``information = "expected"``).

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. *Journal of
    Statistical Software*, 48(2), 1-36.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from relkap.measurement import cfa, fit_indices
    >>> rng = np.random.default_rng(1)
    >>> f = rng.normal(size=400)
    >>> d = pd.DataFrame({f"y{k}": 0.8 * f + rng.normal(scale=0.6, size=400) for k in range(1, 5)})
    >>> fit_indices(cfa(d, {"f": ["y1", "y2", "y3", "y4"]}))[["status", "df", "cfi"]].round(3)
      status  df    cfi
    0     ok   2  0.999
    """
    if estimator not in ("ML", "MLR"):
        raise ValueError(f"estimator must be 'ML' or 'MLR', not {estimator!r}")
    if estimator == "MLR" and group is not None:
        raise ValueError("estimator='MLR' is implemented for single-group models only; use 'ML' with group=")
    factors = {str(f): list(v) for f, v in factors.items()}
    items = [i for v in factors.values() for i in v]
    if len(set(items)) != len(items):
        raise ValueError("an item belongs to more than one factor; this CFA has simple structure only")
    parts = _samples(data, items, group)
    groups = [k for k, _ in parts]
    samples = [s for _, s in parts]
    meanstructure = group is not None
    table = _layout(factors, len(samples), meanstructure=meanstructure, std_lv=std_lv,
                    equal=equal if group else (), free_intercepts=free_intercepts)
    model = _Model(table, items, list(factors), len(samples), meanstructure)
    p = len(items)
    moments = len(samples) * (p * (p + 1) // 2 + (p if meanstructure else 0))

    def done(status, theta, iters, vcov=None):
        fit = Fit(factors, items, groups, table, samples, theta, meanstructure, status, iters, vcov)
        if estimator == "MLR" and vcov is not None:
            return _robust(fit, model)
        return fit

    nan = np.full(model.q, np.nan)
    if moments < model.q:
        return done("not_identified", nan, 0)
    if any(s.n <= p or np.linalg.matrix_rank(s.cov) < p for s in samples):
        return done("too_few", nan, 0)
    with threadpool_limits(1, user_api="blas"):  # small matrices: threads only contend
        return _estimate(model, table, factors, items, samples, std_lv, max_iter, tol, done)


def _estimate(model, table, factors, items, samples, std_lv, max_iter, tol, done) -> Fit:
    """Fisher scoring from the starting values, then the checks that give the status."""
    nan = np.full(model.q, np.nan)
    theta = _start(model, table, factors, items, samples, std_lv)
    cur = discrepancy(model, theta, samples)
    if cur is None:
        return done("not_converged", nan, 0)
    it = 0
    for it in range(1, max_iter + 1):
        F, grad, info = cur
        try:
            with warnings.catch_warnings():  # a singular information matrix: the model is not identified
                warnings.simplefilter("error", linalg.LinAlgWarning)
                step = linalg.solve(2 * info, grad, assume_a="pos")
        except (np.linalg.LinAlgError, linalg.LinAlgError, linalg.LinAlgWarning):
            return done("not_identified", nan, it)
        t = 1.0
        while t > 1e-8:
            new = discrepancy(model, theta - t * step, samples)
            if new is not None and new[0] <= F + 1e-14:
                break
            t /= 2
        else:
            break
        theta, cur = theta - t * step, new
        if np.max(np.abs(cur[1])) < tol:
            break
    F, grad, info = cur
    if np.max(np.abs(grad)) > 1e-6:
        return done("not_converged", nan, it)  # no estimate pretends to exist
    ev = np.linalg.eigvalsh(info)
    if ev.min() <= 1e-10 * max(ev.max(), 1e-300):
        return done("not_identified", nan, it)
    vcov = np.linalg.inv(info) / sum(s.n for s in samples)
    status = "ok"
    for g in range(len(samples)):
        _, phi, th, _, _ = model.matrices(theta, g)
        if (th < 0).any() or (np.diag(phi) < 0).any():
            status = "heywood"
    return done(status, theta, it, vcov)


def _casewise(rows: np.ndarray, mu: np.ndarray, ds: np.ndarray, dm: np.ndarray, sigma: np.ndarray,
              means: bool) -> np.ndarray:
    """Scores of each row's log-likelihood: -1/2 tr(G_i dSigma) + e_i' Sigma^-1 dmu, G_i = S^-1 - S^-1 e e' S^-1."""
    inv = np.linalg.inv(sigma)
    e = rows - mu
    c = inv @ ds @ inv
    out = -0.5 * (np.einsum("ij,kji->k", inv, ds)[None, :] - np.einsum("ni,kij,nj->nk", e, c, e))
    if means:
        out += (e @ inv) @ dm.T
    return out


def _robust(fit: Fit, model: _Model) -> Fit:
    """MLR: sandwich A^-1 B A^-1 / N (A observed information, B the scores' cross-product) and the
    Yuan-Bentler (Mplus) scaling c = (tr(A1^-1 B1) - tr(A^-1 B)) / df, A1 and B1 of the saturated model at
    the sample moments."""
    theta, smp = fit.theta, fit.samples[0]
    q, p, N = len(theta), len(fit.items), fit.n
    hess = np.empty((q, q))
    for k in range(q):  # observed information: derivative of the analytic gradient
        h = 1e-6 * max(1.0, abs(theta[k]))
        up, dn = theta.copy(), theta.copy()
        up[k] += h
        dn[k] -= h
        hess[:, k] = (discrepancy(model, up, fit.samples)[1] - discrepancy(model, dn, fit.samples)[1]) / (2 * h)
    a = 0.25 * (hess + hess.T)
    sigma, mu = model.moments(theta, 0)
    ds, dm, free = model.derivatives(theta, 0)
    scores = np.zeros((N, q))
    scores[:, free] = _casewise(smp.rows, mu if fit.meanstructure else smp.mean, ds, dm, sigma, fit.meanstructure)
    b = scores.T @ scores / N
    a_inv = np.linalg.inv(a)
    vcov = a_inv @ b @ a_inv / N
    lower = np.tril_indices(p)
    units = np.zeros((len(lower[0]), p, p))
    units[np.arange(len(lower[0])), lower[0], lower[1]] = 1.0
    units[np.arange(len(lower[0])), lower[1], lower[0]] = 1.0
    inv_s = np.linalg.inv(smp.cov)
    bm = inv_s @ units
    a1 = 0.5 * bm.reshape(len(units), -1) @ bm.transpose(0, 2, 1).reshape(len(units), -1).T
    s1 = _casewise(smp.rows, smp.mean, units, np.zeros((len(units), p)), smp.cov, False)
    b1 = s1.T @ s1 / N
    df = p * (p + 1) // 2 - q
    scaling = (np.trace(np.linalg.solve(a1, b1)) - np.trace(a_inv @ b)) / df if df > 0 else np.nan
    return Fit(fit.factors, fit.items, fit.groups, fit.table, fit.samples, theta, fit.meanstructure, fit.status,
               fit.iterations, vcov, float(scaling))


def model_of(fit: Fit) -> _Model:
    """The model matrices of ``fit`` (for the invariance module's score tests)."""
    return _Model(fit.table, fit.items, list(fit.factors), len(fit.samples), fit.meanstructure)


def _chisq_baseline(fit: Fit) -> tuple[float, int]:
    """Independence model (lavaan's baseline): diagonal covariance, free means, per group."""
    chisq = sum(s.n * (np.log(np.diag(s.cov)).sum() - np.linalg.slogdet(s.cov)[1]) for s in fit.samples)
    p = len(fit.items)
    return float(chisq), len(fit.samples) * p * (p - 1) // 2


def _rmsea(chisq: float, df: int, n: int, g: int) -> float:
    return float(np.sqrt(max(chisq - df, 0.0) / (df * n)) * np.sqrt(g)) if df > 0 else np.nan


def _rmsea_ci(chisq: float, df: int, n: int, g: int, level: float = 0.90) -> tuple[float, float]:
    """The noncentrality lambda with P(X2 <= chisq | lambda) = 0.95 (low) and 0.05 (high)."""
    if df <= 0:
        return np.nan, np.nan

    def bound(prob):
        f = lambda lam: stats.ncx2.cdf(chisq, df, lam) - prob  # noqa: E731
        if f(1e-12) < 0:
            return 0.0
        hi = max(chisq, 1.0)
        while f(hi) > 0:
            hi *= 2
        return optimize.brentq(f, 1e-12, hi, xtol=1e-12)

    lo, hi = bound((1 + level) / 2), bound((1 - level) / 2)
    return float(np.sqrt(lo / (n * df)) * np.sqrt(g)), float(np.sqrt(hi / (n * df)) * np.sqrt(g))


def _srmr(fit: Fit, model: _Model) -> float:
    """lavaan's ``srmr`` (Bentler): residuals scaled by the sample SDs, means included, n_g-weighted."""
    out = 0.0
    for g, s in enumerate(fit.samples):
        sigma, mu = model.moments(fit.theta, g)
        sd = np.sqrt(np.diag(s.cov))
        res = (s.cov - sigma) / np.outer(sd, sd)
        r = res[np.tril_indices(len(sd))]
        if fit.meanstructure:
            r = np.concatenate([r, (s.mean - mu) / sd])
        out += s.n / fit.n * np.sqrt(np.mean(r ** 2))
    return float(out)


def fit_indices(fit: Fit, model: str = "") -> pd.DataFrame:
    """One row of fit indices: chi-square, df, p, CFI, TLI, RMSEA with its 90 % CI, SRMR (lavaan's).

    Columns: ``model``, ``status``, ``n``, ``n_groups``, ``npar``, ``chisq``, ``df``, ``p``, ``cfi``,
    ``tli``, ``rmsea``, ``rmsea_low``, ``rmsea_high``, ``srmr``, ``baseline_chisq``, ``baseline_df``,
    ``iterations``, and with MLR ``chisq_scaled``, ``scaling_factor``, ``p_scaled`` (NaN under ML). A model
    whose status is not ``ok`` or ``heywood`` has NaN indices (its status says why).

    Notes
    -----
    CFI = 1 - max(chisq - df, 0) / max(chisq - df, chisq_b - df_b, 0); TLI = (chisq_b/df_b - chisq/df)
    / (chisq_b/df_b - 1); RMSEA = sqrt(max(chisq - df, 0) / (df N)) sqrt(G), its CI from the noncentral
    chi-square; SRMR as lavaan's ``srmr``: the root mean square of (s_ij - sigma_ij) / sqrt(s_ii s_jj)
    (and of the mean residuals with a mean structure), averaged over groups with weights n_g / N.
    """
    m = model_of(fit)
    p = len(fit.items)
    moments = len(fit.samples) * (p * (p + 1) // 2 + (p if fit.meanstructure else 0))
    df = moments - m.q
    row = {"model": model, "status": fit.status, "n": fit.n, "n_groups": len(fit.samples), "npar": m.q,
           "df": df, "iterations": fit.iterations}
    if fit.status in ("ok", "heywood"):
        F = discrepancy(m, fit.theta, fit.samples)[0]
        chisq = fit.n * F
        bchisq, bdf = _chisq_baseline(fit)
        G = len(fit.samples)
        lo, hi = _rmsea_ci(chisq, df, fit.n, G)
        cfi_den = max(chisq - df, bchisq - bdf, 0.0)
        row.update(chisq=chisq, p=float(stats.chi2.sf(chisq, df)) if df > 0 else np.nan,
                   cfi=1 - max(chisq - df, 0.0) / cfi_den if cfi_den > 0 else 1.0,
                   tli=(bchisq / bdf - chisq / df) / (bchisq / bdf - 1) if df > 0 else np.nan,
                   rmsea=_rmsea(chisq, df, fit.n, G), rmsea_low=lo, rmsea_high=hi, srmr=_srmr(fit, m),
                   baseline_chisq=bchisq, baseline_df=bdf)
        if fit.scaling is not None and np.isfinite(fit.scaling) and df > 0:
            row.update(chisq_scaled=chisq / fit.scaling, scaling_factor=fit.scaling,
                       p_scaled=float(stats.chi2.sf(chisq / fit.scaling, df)))
    return pd.DataFrame([row]).reindex(columns=["model", *FIT_COLUMNS])


def parameters(fit: Fit) -> pd.DataFrame:
    """The parameter table: ``group``, ``op`` (``=~``, ``~~``, ``~1``), ``lhs``, ``rhs``, ``est``, ``se``,
    ``z``, ``p``, ``free`` (False for fixed), as lavaan's ``parameterEstimates``.
    """
    t = fit.table.copy()
    free = t["free"].to_numpy()
    t["est"] = np.where(free >= 0, fit.theta[np.maximum(free, 0)], t["value"])
    se = np.sqrt(np.diag(fit.vcov)) if fit.vcov is not None else np.full(len(fit.theta), np.nan)
    t["se"] = np.where(free >= 0, se[np.maximum(free, 0)], np.nan)
    t["z"] = t["est"] / t["se"]
    t["p"] = 2 * stats.norm.sf(np.abs(t["z"]))
    t["free"] = free >= 0
    t["group"] = [fit.groups[g] for g in t["group"]]
    return t[["group", "op", "lhs", "rhs", "est", "se", "z", "p", "free"]]


def _standardized(fit: Fit, theta: np.ndarray) -> np.ndarray:
    """std.all loadings lambda_ij sqrt(phi_jj) / sqrt(sigma_ii), in the order of the '=~' rows."""
    m = model_of(fit)
    out = []
    for g in range(len(fit.samples)):
        lam, phi, _, _, _ = m.matrices(theta, g)
        sigma, _ = m.moments(theta, g)
        std = lam * np.sqrt(np.diag(phi))[None, :] / np.sqrt(np.diag(sigma))[:, None]
        kind, r, c, _, _ = m.slots[g]
        s = kind == 0
        out.append(std[r[s], c[s]])
    return np.concatenate(out)


def standardized_loadings(fit: Fit) -> pd.DataFrame:
    """Standardised loadings (lavaan's ``std.all``) with delta-method SEs, z, p and a 95 % CI.

    Columns: ``group``, ``factor``, ``item``, ``std``, ``se``, ``z``, ``p``, ``ci_low``, ``ci_high``.
    """
    t = fit.table[fit.table["op"] == "=~"]
    est = _standardized(fit, fit.theta)
    if fit.vcov is not None:
        jac = np.empty((len(est), len(fit.theta)))
        for k in range(len(fit.theta)):
            h = 1e-6 * max(1.0, abs(fit.theta[k]))
            up, dn = fit.theta.copy(), fit.theta.copy()
            up[k] += h
            dn[k] -= h
            jac[:, k] = (_standardized(fit, up) - _standardized(fit, dn)) / (2 * h)
        se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", jac, fit.vcov, jac), 0))
    else:
        se = np.full(len(est), np.nan)
    z = stats.norm.isf(0.025)
    out = pd.DataFrame({"group": [fit.groups[g] for g in t["group"]], "factor": t["lhs"].to_numpy(),
                        "item": t["rhs"].to_numpy(), "std": est, "se": se})
    out["z"] = out["std"] / out["se"]
    out["p"] = 2 * stats.norm.sf(np.abs(out["z"]))
    out["ci_low"], out["ci_high"] = out["std"] - z * out["se"], out["std"] + z * out["se"]
    return out


def omega(fit: Fit) -> pd.DataFrame:
    """McDonald's omega per factor (and group) from the fitted loadings, beside Cronbach's alpha.

    .. math:: \\omega = \\frac{(\\sum_i \\lambda_i)^2 \\phi}{\\mathbf 1' S \\mathbf 1}

    with the observed variance of the sum score in the denominator, as semTools' ``compRelSEM``
    (``obs.var = TRUE``); alpha from the same sample covariance, k / (k - 1) (1 - tr S / 1'S1).
    Columns: ``group``, ``factor``, ``k``, ``omega``, ``alpha``.
    """
    m = model_of(fit)
    ii = {v: k for k, v in enumerate(fit.items)}
    rows = []
    for g, s in enumerate(fit.samples):
        lam, phi, _, _, _ = m.matrices(fit.theta, g)
        for j, (f, its) in enumerate(fit.factors.items()):
            idx = [ii[i] for i in its]
            sub = s.cov[np.ix_(idx, idx)]
            total = sub.sum()
            k = len(idx)
            om = lam[idx, j].sum() ** 2 * phi[j, j] / total
            al = k / (k - 1) * (1 - np.trace(sub) / total) if k > 1 else np.nan
            rows.append((fit.groups[g], f, k, float(om), float(al)))
    return pd.DataFrame(rows, columns=["group", "factor", "k", "omega", "alpha"])
