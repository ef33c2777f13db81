"""Small-sample inference for linear mixed models: REML to the optimum and Satterthwaite df.

With about ten kommuner the kommune, not the respondent, is the unit of a kommune-level predictor, and the
normal (z) p-values of ``statsmodels`` MixedLM are too liberal (Luke 2017, Behav. Res. Methods 49:1494). This module
refits a statsmodels ``MixedLM`` by REML, to the optimum that R's ``lme4`` finds, and tests each fixed
effect with a t statistic on Satterthwaite degrees of freedom, as R's ``lmerTest`` does.

Supported models: those statsmodels fits with ``groups=`` (one random-effects block per group, e.g. a
random intercept per kommune, or intercept and slopes with an unstructured covariance) and variance
components given with ``vc_formula`` or ``exog_vc`` (e.g. rater group within kommune, kommune x wave,
respondent within kommune). Every random effect is nested in the ``groups``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, sparse, stats

__all__ = ["RemlFit", "Lmm", "fit_reml", "fit_nested", "satterthwaite", "between_df", "bound_df",
           "SATTERTHWAITE_COLUMNS"]

SATTERTHWAITE_COLUMNS = ["term", "estimate", "se", "df", "t", "p_val", "ci_low", "ci_high", "method"]

_LOG_2PI = float(np.log(2 * np.pi))


def _indicator_codes(mat: np.ndarray) -> np.ndarray | None:
    """Level code per row (-1: none) when ``mat`` is a 0/1 design with at most one 1 per row, else None.

    A one-dimensional integer ``mat`` already is such codes (how internal callers pass big indicators).
    """
    if mat.ndim == 1:
        return mat.astype(int)
    if mat.size == 0 or not np.all((mat == 0) | (mat == 1)) or np.any(mat.sum(axis=1) > 1):
        return None
    return np.where(mat.sum(axis=1) > 0, mat.argmax(axis=1), -1)


def _dense_or_codes(mat) -> np.ndarray:
    arr = np.asarray(mat)
    return arr.astype(int) if arr.ndim == 1 else arr.astype(float)


def _width(mat: np.ndarray) -> int:
    return int(mat.max(initial=-1)) + 1 if mat.ndim == 1 else mat.shape[1]


class Lmm:
    """A linear mixed model y = X b + Z u + e with u nested in groups, ready for fast REML evaluations.

    Variance parameters (lme4's): ``theta`` = the lower-triangular Cholesky factor of the random-effects
    covariance over sigma^2 (row-wise), then sd_j / sigma for each variance component j; and sigma.
    Per group, Z = [Z_A, Z_B]: Z_A holds the random effects of ``groups`` and the variance components but
    one; Z_B is the variance component with an indicator design (one level per row) and the most columns,
    eliminated through its diagonal Schur complement, so thousands of respondent intercepts cost little.
    Groups are padded with empty columns to common sizes and evaluated together (batched linear algebra).
    """

    def __init__(self, y, x, groups, exog_re, vcs, vc_names, term_names, re_names, allow_nested=True):
        # vcs[j][i]: design of variance component j in group i (n_i x q_ij); groups: list of row indices
        self.y, self.x = np.asarray(y, float), np.asarray(x, float)
        self.n, self.p = self.x.shape
        self.k_re = 0 if exog_re is None else exog_re.shape[1]
        self.k_vc = len(vcs)
        self.term_names, self.vc_names, self.re_names = list(term_names), list(vc_names), list(re_names)
        n_groups = len(groups)
        # a variance component's design in a group: a matrix, or integer level codes (-1: no level)
        vcs = [[_dense_or_codes(m) for m in mats] for mats in vcs]
        codes = [[_indicator_codes(vcs[j][i]) for i in range(n_groups)] for j in range(self.k_vc)]
        widths = [[_width(vcs[j][i]) for i in range(n_groups)] for j in range(self.k_vc)]
        sizes = [sum(widths[j]) for j in range(self.k_vc)]
        indicator = [j for j in range(self.k_vc) if all(c is not None for c in codes[j])]
        self.vc_b = max(indicator, key=lambda j: sizes[j]) if indicator else None
        # A second indicator component C in which B is nested (answer sheets within respondents): once B is
        # eliminated, C's block stays diagonal, so it is eliminated the same way instead of joining Z_A.
        nesting = [j for j in indicator if j != self.vc_b and self._nests(codes[self.vc_b], codes[j])]
        self.vc_c = max(nesting, key=lambda j: sizes[j]) if nesting and allow_nested else None
        dense = [j for j in range(self.k_vc) if j not in (self.vc_b, self.vc_c)]
        q_a = self.k_re + max((sum(widths[j][i] for j in dense) for i in range(n_groups)), default=0)
        q_b = max(widths[self.vc_b], default=0) if self.vc_b is not None else 0
        q_c = max(widths[self.vc_c], default=0) if self.vc_c is not None else 0
        w = np.column_stack([self.x, self.y])
        p1 = w.shape[1]
        self.za_za = np.zeros((n_groups, q_a, q_a))
        self.za_w = np.zeros((n_groups, q_a, p1))
        self.za_zb = np.zeros((n_groups, q_a, q_b))
        self.zb_count = np.zeros((n_groups, q_b))
        self.zb_w = np.zeros((n_groups, q_b, p1))
        self.za_zc = np.zeros((n_groups, q_a, q_c))
        self.zc_count = np.zeros((n_groups, q_c))
        self.zc_w = np.zeros((n_groups, q_c, p1))
        self.parent = np.full((n_groups, q_b), -1)  # the C level of each B level
        # which sd multiplies each Z_A column beyond the k_re block (-1: padding)
        self.col_vc = np.full((n_groups, q_a - self.k_re), -1)
        for i, rows in enumerate(groups):
            parts = [exog_re[rows]] if self.k_re else []
            col = 0
            for j in dense:
                mat = vcs[j][i]
                if mat.ndim == 1:  # codes of a small indicator component (e.g. kommune x wave)
                    mat = (mat[:, None] == np.arange(widths[j][i])).astype(float)
                parts.append(mat)
                self.col_vc[i, col : col + mat.shape[1]] = j
                col += mat.shape[1]
            za = np.column_stack(parts) if parts else np.zeros((len(rows), 0))
            za = np.pad(za, ((0, 0), (0, q_a - za.shape[1])))
            wi = w[rows]
            self.za_za[i], self.za_w[i] = za.T @ za, za.T @ wi
            if self.vc_b is not None:
                code = codes[self.vc_b][i]
                inside = code >= 0
                self.zb_count[i] = np.bincount(code[inside], minlength=q_b)
                np.add.at(self.zb_w[i], code[inside], wi[inside])
                za_zb = np.zeros((q_b, q_a))
                np.add.at(za_zb, code[inside], za[inside])
                self.za_zb[i] = za_zb.T
            if self.vc_c is not None:
                code_c = codes[self.vc_c][i]
                self.zc_count[i] = np.bincount(code_c, minlength=q_c)
                np.add.at(self.zc_w[i], code_c, wi)
                za_zc = np.zeros((q_c, q_a))
                np.add.at(za_zc, code_c, za)
                self.za_zc[i] = za_zc.T
                parent = np.full(q_b, -1)
                parent[codes[self.vc_b][i]] = code_c
                self.parent[i] = parent
        if self.vc_c is not None:
            # sums over the B levels of each C level, for arrays laid out (group, B level, ...)
            g_idx, b_idx = np.nonzero(self.parent >= 0)
            self._to_c = sparse.csr_matrix(
                (np.ones(len(g_idx)), (g_idx * q_c + self.parent[g_idx, b_idx], g_idx * q_b + b_idx)),
                shape=(n_groups * q_c, n_groups * q_b))
        self.ww = w.T @ w
        self._tril = np.tril_indices(self.k_re)
        self.n_theta = len(self._tril[0]) + self.k_vc
        # lower bounds as lme4: 0 for the diagonal of the Cholesky factor and for the sds
        self.lower = np.array([0.0 if r == c else -np.inf for r, c in zip(*self._tril, strict=True)]
                              + [0.0] * self.k_vc)

    @staticmethod
    def _nests(inner: list[np.ndarray], outer: list[np.ndarray]) -> bool:
        """Whether every level of ``inner`` lies within one level of ``outer`` (every row in both)."""
        for a, b in zip(inner, outer, strict=True):
            if np.any(a < 0) or np.any(b < 0):
                return False
            pairs = np.unique(np.column_stack([a, b]), axis=0)
            if len(pairs) != len(np.unique(a)):
                return False
        return True

    def _sum_to_c(self, arr: np.ndarray) -> np.ndarray:
        """(G, q_B, k) -> (G, q_C, k): sums over the B levels within each C level."""
        g, q_b, k = arr.shape
        out = self._to_c @ arr.reshape(g * q_b, k)
        return np.asarray(out).reshape(g, -1, k)

    # ------------------------------------------------------------------ core evaluation
    def _cross(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """log|I + Lambda'Z'Z Lambda| and W'V0^-1 W with V0 = I + Z Lambda Lambda'Z' (relative to sigma^2)."""
        n_re = len(self._tril[0])
        sd = np.append(theta[n_re:], 0.0)  # index -1: padding
        theta_b = sd[self.vc_b] if self.vc_b is not None else 0.0
        d = 1.0 + theta_b**2 * self.zb_count  # G x q_B: the diagonal of the Z_B block
        u_b = theta_b * self.zb_w
        logdet = float(np.sum(np.log(d)))
        q = np.einsum("gki,gkj->ij", u_b, u_b / d[:, :, None])
        if self.vc_c is not None:
            theta_c = sd[self.vc_c]
            wgt = theta_c * theta_b * self.zb_count / d  # M_CB D_B^-1, entry (parent(s), s)
            d_c = 1.0 + theta_c**2 * self.zc_count - self._sum_to_c((theta_c * theta_b * self.zb_count * wgt)[:, :, None])[:, :, 0]
            u_c = theta_c * self.zc_w - self._sum_to_c(wgt[:, :, None] * u_b)
            logdet += float(np.sum(np.log(d_c)))
            q = q + np.einsum("gki,gkj->ij", u_c, u_c / d_c[:, :, None])
        if self.za_za.shape[1]:
            lam = np.zeros(self.za_za.shape)
            if self.k_re:
                chol_re = np.zeros((self.k_re, self.k_re))
                chol_re[self._tril] = theta[:n_re]
                lam[:, : self.k_re, : self.k_re] = chol_re
            k = self.k_re
            idx = np.arange(k, lam.shape[1])
            lam[:, idx, idx] = sd[self.col_vc]
            lam_t = lam.transpose(0, 2, 1)
            u_a = lam_t @ self.za_w
            m_ab = theta_b * (lam_t @ self.za_zb)
            m_ab_d = m_ab / d[:, None, :]
            s = lam_t @ self.za_za @ lam + np.eye(lam.shape[1]) - m_ab_d @ m_ab.transpose(0, 2, 1)
            r = u_a - m_ab_d @ u_b
            if self.vc_c is not None:
                m_ac = theta_c * (lam_t @ self.za_zc) - self._sum_to_c(
                    (m_ab * wgt[:, None, :]).transpose(0, 2, 1)).transpose(0, 2, 1)
                m_ac_d = m_ac / d_c[:, None, :]
                s = s - m_ac_d @ m_ac.transpose(0, 2, 1)
                r = r - m_ac_d @ u_c
            chol = np.linalg.cholesky(s)
            logdet += 2.0 * float(np.sum(np.log(np.diagonal(chol, axis1=1, axis2=2))))
            half = np.linalg.solve(chol, r)
            q = q + np.einsum("gki,gkj->ij", half, half)
        return logdet, self.ww - q

    def _gls(self, theta: np.ndarray):
        """logdet, log|X'V0^-1X|, beta, the penalised residual sum of squares and X'V0^-1X at ``theta``."""
        logdet, wvw = self._cross(theta)
        p = self.p
        xvx = wvw[:p, :p]
        chol = np.linalg.cholesky(xvx)
        half = np.linalg.solve(chol, wvw[:p, p])
        pwrss = float(wvw[p, p] - half @ half)
        beta = np.linalg.solve(chol.T, half)
        return logdet, 2.0 * float(np.sum(np.log(np.diag(chol)))), beta, max(pwrss, 0.0), xvx

    def profiled_deviance(self, theta: np.ndarray) -> float:
        """-2 x REML log-likelihood with sigma profiled out (lme4's REML criterion)."""
        try:
            logdet, logdet_x, _, pwrss, _ = self._gls(np.asarray(theta, float))
        except (np.linalg.LinAlgError, ValueError):
            return np.inf
        df = self.n - self.p
        return logdet + logdet_x + df * (1.0 + _LOG_2PI + np.log(pwrss / df))

    def deviance(self, varpar: np.ndarray) -> float:
        """-2 x REML log-likelihood at ``varpar`` = (theta, sigma), sigma not profiled (lmerTest's devfun_vp)."""
        theta, sigma = np.asarray(varpar[:-1], float), float(varpar[-1])
        logdet, logdet_x, _, pwrss, _ = self._gls(theta)
        s2 = sigma**2
        return logdet + logdet_x + (self.n - self.p) * (np.log(s2) + _LOG_2PI) + pwrss / s2

    def cov_beta(self, varpar: np.ndarray) -> np.ndarray:
        """(X'V^-1 X)^-1 at ``varpar`` = (theta, sigma)."""
        xvx = self._gls(np.asarray(varpar[:-1], float))[-1]
        return float(varpar[-1]) ** 2 * np.linalg.inv(xvx)

    # ------------------------------------------------------------------ fitting
    def fit(self, starts: list[np.ndarray]) -> tuple[np.ndarray, bool]:
        """theta minimising the profiled REML deviance.

        The deviance is even in each sd (theta_j and -theta_j give the same V), so theta_j = 0 is always a
        stationary point and a gradient method that reaches the bound stays there. The search therefore runs
        over the squared sds (variance ratios, bounded at 0, where the slope is not zero): L-BFGS-B from each
        start, Powell from the best point when there are several parameters (or the first pass failed),
        then L-BFGS-B with central-difference gradients.
        """
        sq = self.lower == 0.0  # the sds and the diagonal of the Cholesky factor

        def theta_of(v):
            return np.where(sq, np.sqrt(np.maximum(v, 0.0)), v)

        def objective(v):
            return self.profiled_deviance(theta_of(v))

        bounds = [(0.0, None) if is_sq else (None, None) for is_sq in sq]
        best, ok = None, False
        for start in starts:
            v0 = np.where(sq, np.maximum(np.asarray(start, float), 0.0) ** 2, start)
            res = optimize.minimize(objective, v0, method="L-BFGS-B", bounds=bounds,
                                    options={"ftol": 1e-13, "gtol": 1e-9, "maxiter": 2000})
            if np.isfinite(res.fun) and (best is None or res.fun < best.fun):
                best, ok = res, bool(res.success)
        if best is None:
            raise ValueError("the REML criterion could not be evaluated at any start value")
        if self.n_theta > 1 or not ok:
            res = optimize.minimize(objective, best.x, method="Powell", bounds=bounds,
                                    options={"xtol": 1e-10, "ftol": 1e-15, "maxiter": 20000})
            if res.fun < best.fun:
                best, ok = res, bool(res.success) or ok
        res = optimize.minimize(objective, best.x, method="L-BFGS-B", bounds=bounds, jac="3-point",
                                options={"ftol": 1e-15, "gtol": 1e-11, "maxiter": 2000})
        if res.fun <= best.fun:
            best = res
        theta = theta_of(best.x)
        snapped = np.where(sq & (theta < 1e-7), 0.0, theta)  # an sd at its bound is zero, as in lme4
        if self.profiled_deviance(snapped) <= best.fun + 1e-10:
            theta = snapped
        return theta, ok

    def sigma(self, theta: np.ndarray) -> float:
        pwrss = self._gls(theta)[3]
        return float(np.sqrt(pwrss / (self.n - self.p)))


def _richardson(f, x: np.ndarray, i: int, j: int | None = None) -> np.ndarray | float:
    """Central finite-difference first (j None) or second derivative of f at x, Richardson-extrapolated.

    Steps as R's numDeriv, which lmerTest uses: h = d |x_i| (1e-4 when x_i = 0), halved three times, with
    d = 1e-4 for first derivatives (``jacobian``) and d = 0.1 for second ones (``hessian``; smaller
    steps drown a second difference of the deviance in rounding error).
    """
    d = 1e-4 if j is None else 0.1

    def step(k):
        return d * abs(x[k]) if x[k] != 0 else 1e-4

    def central(h_scale):
        if j is None:
            h = step(i) * h_scale
            e = np.zeros_like(x)
            e[i] = h
            return (np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * h)
        hi, hj = step(i) * h_scale, step(j) * h_scale
        ei, ej = np.zeros_like(x), np.zeros_like(x)
        ei[i], ej[j] = hi, hj
        if i == j:
            return (f(x + 2 * ei) - 2 * f(x) + f(x - 2 * ei)) / (4 * hi * hi)
        return (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * hi * hj)

    table = [central(0.5**k) for k in range(4)]
    for level in range(1, 4):
        table = [(4**level * table[k + 1] - table[k]) / (4**level - 1) for k in range(len(table) - 1)]
    return table[0]


@dataclass
class RemlFit:
    """A REML fit of a linear mixed model from :func:`fit_reml`.

    Attributes
    ----------
    params : Series
        Fixed-effect estimates (GLS at the REML variance parameters), indexed by term.
    cov_params : DataFrame
        Their covariance matrix, :math:`\\hat\\sigma^2 (X' V_0^{-1} X)^{-1}`.
    varpar : ndarray
        Variance parameters :math:`(\\theta, \\sigma)` as lme4: the random-effects covariance's
        Cholesky factor over sigma (row-wise lower triangle), each variance component's sd over sigma,
        then the residual sd.
    variances : DataFrame
        One row per variance parameter on the variance scale: ``component`` (``"groups"`` for the random
        effects of ``groups``, a variance component's name, or ``"residual"``), ``term`` and ``variance``
        (covariances of correlated random effects are in ``cov_re``).
    cov_re : DataFrame
        Covariance matrix of the random effects of ``groups`` (empty without them).
    llf : float
        REML log-likelihood (lme4's ``logLik(fit)`` for ``REML = TRUE``).
    converged : bool
        Whether the optimiser reported success.
    n_obs, n_groups : int
        Rows and groups in the model.
    """

    params: pd.Series
    cov_params: pd.DataFrame
    varpar: np.ndarray
    variances: pd.DataFrame
    cov_re: pd.DataFrame
    llf: float
    converged: bool
    n_obs: int
    n_groups: int
    _lmm: Lmm = field(repr=False)

    @property
    def bse(self) -> pd.Series:
        """Standard errors of the fixed effects."""
        return pd.Series(np.sqrt(np.diag(self.cov_params.to_numpy())), index=self.params.index)


def _from_statsmodels(model) -> Lmm:
    """The arrays of a statsmodels MixedLM (its groups, exog_re and variance components)."""
    groups = [np.asarray(model.row_indices[label]) for label in model.group_labels]
    exog_re = model.exog_re if model.k_re else None
    vcs = [list(mats) for mats in model.exog_vc.mats]
    re_names = [f"re{k}" for k in range(model.k_re)]
    if model.k_re and getattr(model.data, "exog_re_names", None) is not None:
        re_names = [str(name) for name in model.data.exog_re_names]  # the intercept is named after groups
    return Lmm(model.endog, model.exog, groups, exog_re, vcs, list(model.exog_vc.names),
                list(model.exog_names), re_names)


def _starts(lmm: Lmm, result=None) -> list[np.ndarray]:
    """Start values: the statsmodels estimates when given, and a few fixed points."""
    starts = []
    if result is not None:
        scale = float(result.scale)
        if scale > 0 and np.isfinite(scale):
            theta = []
            if lmm.k_re:
                cov = np.asarray(result.cov_re, float) / scale
                try:
                    chol = np.linalg.cholesky(cov + 1e-10 * np.eye(lmm.k_re))
                except np.linalg.LinAlgError:
                    chol = np.diag(np.sqrt(np.clip(np.diag(cov), 0, None)))
                theta.extend(chol[lmm._tril])
            theta.extend(np.sqrt(np.clip(np.asarray(result.vcomp, float), 0, None) / scale))
            if np.all(np.isfinite(theta)):
                starts.append(np.asarray(theta))
    eye = np.eye(lmm.k_re)[lmm._tril] if lmm.k_re else np.zeros(0)
    starts.append(np.concatenate([eye, np.ones(lmm.k_vc)]))  # lme4's start
    if lmm.k_re > 1:
        # Correlated random effects: the criterion has saddle points where a diagonal element of the
        # Cholesky factor and its row's off-diagonals are zero together; start on either side of them.
        off = np.array([0.0 if r == c else 1.0 for r, c in zip(*lmm._tril, strict=True)])
        for sign in (1.0, -1.0):
            starts.append(np.concatenate([0.5 * eye + sign * 0.5 * off, np.ones(lmm.k_vc)]))
    return starts


def fit_reml(model) -> RemlFit:
    """REML fit of a statsmodels ``MixedLM`` at the optimum (lme4's ``lmer(..., REML = TRUE)``).

    Parameters
    ----------
    model : statsmodels MixedLM or MixedLMResults
        The model (e.g. from ``smf.mixedlm(formula, data, groups=..., re_formula="1",
        vc_formula={...})``); a fitted result is used for its model and, as one start value, its
        estimates (whether fitted by ML or REML).

    Returns
    -------
    RemlFit
        Fixed effects, their covariance, variance parameters, REML log-likelihood; see
        :class:`RemlFit`.

    Notes
    -----
    statsmodels' optimisers can stop short of the REML optimum or at a boundary with a far worse
    likelihood. Here the REML criterion is profiled over :math:`\\sigma` and minimised over lme4's
    relative Cholesky parameters :math:`\\theta \\ge 0` (standard deviations over :math:`\\sigma`):

    .. math::

        -2 \\ell_R(\\theta) = \\log|I + \\Lambda' Z' Z \\Lambda| + \\log|X' V_0^{-1} X|
            + (n - p) \\left(1 + \\log \\frac{2 \\pi\\, r' V_0^{-1} r}{n - p}\\right),
        \\quad V_0 = I + Z \\Lambda \\Lambda' Z',

    computed group by group (Woodbury). The minimiser is L-BFGS-B from each start, then Powell, then
    L-BFGS-B with central-difference gradients; the best point is kept. An sd below 1e-7 relative to
    :math:`\\sigma` is set to its bound 0 when that does not worsen the criterion.

    References
    ----------
    Bates, D., Maechler, M., Bolker, B., & Walker, S. (2015). Fitting linear mixed-effects models using
    lme4. *Journal of Statistical Software*, 67(1), 1-48.

    Examples
    --------
    >>> import numpy as np, pandas as pd, statsmodels.formula.api as smf
    >>> from relkap.mixed import fit_reml
    >>> rng = np.random.default_rng(0)
    >>> d = pd.DataFrame({"kommune": np.repeat(np.arange(8), 10), "x": rng.normal(size=80)})
    >>> d["score"] = d["x"] + rng.normal(size=8)[d["kommune"]] + rng.normal(size=80)
    >>> fit = fit_reml(smf.mixedlm("score ~ x", d, groups="kommune"))
    >>> round(fit.llf, 3), fit.variances["variance"].round(3).tolist()
    (-120.098, [0.51, 0.968])
    """
    result = None
    if hasattr(model, "model") and hasattr(model, "fe_params"):
        result, model = model, model.model
    lmm = _from_statsmodels(model)
    if lmm.n <= lmm.p:
        raise ValueError(f"a REML fit needs more rows ({lmm.n}) than fixed effects ({lmm.p})")
    if np.linalg.matrix_rank(lmm.x) < lmm.p:
        raise ValueError("the fixed-effects design is singular (a term is collinear with the others)")
    theta, ok = lmm.fit(_starts(lmm, result))
    return _make_fit(lmm, theta, ok, len(model.group_labels))


def fit_nested(y, exog: pd.DataFrame, groups, components: dict[str, object]) -> RemlFit:
    """REML fit of ``y`` on the fixed effects ``exog`` with a random intercept per ``groups`` and one variance
    component (a random intercept) per entry of ``components``: name -> level labels, one per row, nested in
    ``groups`` (e.g. kommune x wave, respondent within kommune).

    Indicator designs are built as level codes, never as dense matrices, so a national survey fits in
    memory; :func:`satterthwaite` gives the tests of the fit.
    """
    group_codes, labels = pd.factorize(np.asarray(groups), sort=True)
    order = np.argsort(group_codes, kind="stable")
    starts = np.searchsorted(group_codes[order], np.arange(len(labels) + 1))
    rows = [order[starts[g] : starts[g + 1]] for g in range(len(labels))]
    vcs = []
    for values in components.values():
        values = np.asarray(values)
        vcs.append([pd.factorize(values[r], sort=True)[0] for r in rows])
    x = exog.to_numpy(float)
    lmm = Lmm(y, x, rows, np.ones((len(x), 1)), vcs, list(components), list(exog.columns), ["groups"])
    if lmm.n <= lmm.p:
        raise ValueError(f"a REML fit needs more rows ({lmm.n}) than fixed effects ({lmm.p})")
    theta, ok = lmm.fit(_starts(lmm))
    return _make_fit(lmm, theta, ok, len(labels))


def _make_fit(lmm: Lmm, theta: np.ndarray, converged: bool, n_groups: int) -> RemlFit:
    sigma = lmm.sigma(theta)
    varpar = np.append(theta, sigma)
    beta = lmm._gls(theta)[2]
    cov = lmm.cov_beta(varpar)
    names = lmm.term_names
    chol = np.zeros((lmm.k_re, lmm.k_re))
    chol[lmm._tril] = theta[: len(lmm._tril[0])]
    cov_re = sigma**2 * chol @ chol.T
    sd = theta[len(lmm._tril[0]) :]
    rows = [("groups", name, cov_re[k, k]) for k, name in enumerate(lmm.re_names)]
    rows += [(name, name, (sigma * sd[j]) ** 2) for j, name in enumerate(lmm.vc_names)]
    rows.append(("residual", "residual", sigma**2))
    return RemlFit(
        params=pd.Series(beta, index=names),
        cov_params=pd.DataFrame(cov, index=names, columns=names),
        varpar=varpar,
        variances=pd.DataFrame(rows, columns=["component", "term", "variance"]),
        cov_re=pd.DataFrame(cov_re, index=lmm.re_names, columns=lmm.re_names),
        llf=float(-0.5 * lmm.profiled_deviance(theta)),
        converged=converged,
        n_obs=lmm.n,
        n_groups=n_groups,
        _lmm=lmm,
    )


def satterthwaite(model, level: float = 0.95) -> pd.DataFrame:
    """t tests of the fixed effects of a linear mixed model with Satterthwaite degrees of freedom.

    Parameters
    ----------
    model : statsmodels MixedLM, MixedLMResults or RemlFit
        The model; a statsmodels model or result is refitted by REML with :func:`fit_reml` (the
        result's estimates are one start value). Every random effect must be nested in ``groups``.
    level : float
        Confidence level of the interval.

    Returns
    -------
    DataFrame
        One row per fixed effect, in the model's order:

        - ``term``: the fixed effect's name (as in the model's ``exog_names``).
        - ``estimate``, ``se``: REML/GLS estimate and its standard error.
        - ``df``: Satterthwaite degrees of freedom.
        - ``t``, ``p_val``: estimate / se and its two-sided p on ``df``.
        - ``ci_low``, ``ci_high``: estimate -/+ t_{(1+level)/2, df} se.
        - ``method``: ``"satterthwaite"``.

        ``attrs`` holds ``llf`` (REML log-likelihood), ``n_obs``, ``n_groups`` and ``converged``.

    Notes
    -----
    For a contrast :math:`c` (here each unit vector) with :math:`\\Phi(\\psi) = (X' V(\\psi)^{-1} X)^{-1}`
    and variance parameters :math:`\\psi = (\\theta, \\sigma)`,

    .. math::

        \\nu = \\frac{2\\, (c' \\Phi c)^2}{g' A g}, \\qquad
        g = \\frac{\\partial\\, c' \\Phi(\\psi) c}{\\partial \\psi}\\Big|_{\\hat\\psi}, \\qquad
        A = 2 H^{-1},

    with :math:`H` the Hessian of the REML deviance :math:`-2\\ell_R(\\psi)` at the optimum, so that A
    is the asymptotic covariance of :math:`\\hat\\psi`. :math:`\\Phi` is computed group by group
    (Woodbury), g and H by central differences with Richardson extrapolation (as R's numDeriv). This is
    lmerTest's method (same parameterisation, so the same df also with a variance at zero). A kommune-level
    predictor with J kommuner gets df near J - 2, not the thousands of a z test.

    References
    ----------
    Satterthwaite, F. E. (1946). An approximate distribution of estimates of variance components.
    *Biometrics Bulletin*, 2(6), 110-114.
    Kuznetsova, A., Brockhoff, P. B., & Christensen, R. H. B. (2017). lmerTest package: Tests in linear
    mixed effects models. *Journal of Statistical Software*, 82(13), 1-26.

    Examples
    --------
    >>> import numpy as np, pandas as pd, statsmodels.formula.api as smf
    >>> from relkap.mixed import satterthwaite
    >>> rng = np.random.default_rng(0)
    >>> d = pd.DataFrame({"kommune": np.repeat(np.arange(8), 10), "x": rng.normal(size=80)})
    >>> d["z"] = (d["kommune"] % 2).astype(float)  # a kommune-level predictor
    >>> d["score"] = d["x"] + 0.5 * d["z"] + rng.normal(size=8)[d["kommune"]] + rng.normal(size=80)
    >>> out = satterthwaite(smf.mixedlm("score ~ x + z", d, groups="kommune"))
    >>> out[["term", "estimate", "se", "df", "p_val"]].round(3)
            term  estimate     se      df  p_val
    0  Intercept    -0.140  0.422   6.072  0.750
    1          x     0.893  0.122  73.533  0.000
    2          z     0.482  0.596   6.044  0.449
    """
    if not 0 < level < 1:
        raise ValueError(f"level must lie between 0 and 1, got {level!r}")
    fit = model if isinstance(model, RemlFit) else fit_reml(model)
    lmm, varpar = fit._lmm, fit.varpar
    n_par = len(varpar)
    hess = np.empty((n_par, n_par))
    for i in range(n_par):
        for j in range(i, n_par):
            hess[i, j] = hess[j, i] = _richardson(lmm.deviance, varpar, i, j)
    try:
        a = 2.0 * np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        a = 2.0 * np.linalg.pinv(hess)
    jac = np.stack([_richardson(lmm.cov_beta, varpar, i) for i in range(n_par)])  # n_par x p x p
    cov = fit.cov_params.to_numpy()
    var = np.diag(cov)
    grad = np.stack([np.diag(jac[i]) for i in range(n_par)])  # n_par x p
    denom = np.einsum("ik,ij,jk->k", grad, a, grad)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = np.where(denom > 0, 2.0 * var**2 / denom, np.inf)
    est, se = fit.params.to_numpy(), np.sqrt(var)
    t = est / se
    half = stats.t.ppf(0.5 + level / 2, df) * se
    out = pd.DataFrame({
        "term": fit.params.index, "estimate": est, "se": se, "df": df, "t": t,
        "p_val": 2 * stats.t.sf(np.abs(t), df), "ci_low": est - half, "ci_high": est + half,
        "method": "satterthwaite",
    })
    out.attrs.update(llf=fit.llf, n_obs=fit.n_obs, n_groups=fit.n_groups, converged=fit.converged)
    return out


def between_df(exog: pd.DataFrame, units, outer=None) -> tuple[list[str], float]:
    """The fixed effects that vary only between ``units`` and the residual df of the ``units`` stratum.

    Parameters
    ----------
    exog : DataFrame
        The fixed-effects design (one column per term, with the intercept).
    units : array-like
        The unit of each row whose level the terms may live on (e.g. the kommune, or kommune x wave).
    outer : array-like, optional
        An enclosing unit with its own random intercept (e.g. the kommune around kommune x wave).

    Returns
    -------
    (list of str, float)
        The terms constant within ``units`` and ``df`` = number of units - rank of those terms (and of
        the ``outer`` indicators). This is the df of the classical test on the unit means: J - 2 for a
        kommune-level predictor with an intercept over J kommuner, and for a difference-in-differences
        over two waves (terms constant within kommune x wave, the kommune outside) J - 2 as well.

    Examples
    --------
    >>> x = pd.DataFrame({"const": 1.0, "z": np.repeat([0.0, 1, 0, 1, 1], 4), "x": np.arange(20.0)})
    >>> between_df(x, np.repeat(np.arange(5), 4))
    (['const', 'z'], 3.0)
    """
    codes = pd.factorize(pd.Series(np.asarray(units)))[0]
    frame = exog.groupby(codes)
    constant = [c for c in exog.columns if (frame[c].nunique() <= 1).all()]
    cells = exog[constant].groupby(codes).first().to_numpy(float)
    if outer is not None:
        outer_codes = pd.factorize(pd.Series(np.asarray(outer)))[0]
        first = pd.Series(outer_codes).groupby(codes).first().to_numpy()
        cells = np.column_stack([cells, np.eye(first.max() + 1)[first]])
    rank = np.linalg.matrix_rank(cells) if cells.size else 0
    return constant, float(codes.max() + 1 - rank)


def bound_df(table: pd.DataFrame, terms, df_max: float, level: float = 0.95) -> pd.DataFrame:
    """Limit the Satterthwaite df of ``terms`` to ``df_max`` (:func:`between_df`) and redo their p and CI.

    When a variance component of the unit level is estimated at zero (a boundary fit), Satterthwaite df of
    a unit-level effect grow to about the number of respondents, as in lmerTest, and the test becomes a
    test on respondents although the units were sampled or assigned. The df of the classical test on the
    unit means bound them: a row whose df is lowered gets ``method`` ``"satterthwaite_between"``.

    Examples
    --------
    >>> t = pd.DataFrame({"term": ["treat"], "estimate": [0.5], "se": [0.2], "df": [240.0], "t": [2.5],
    ...                   "p_val": [0.013], "ci_low": [0.1], "ci_high": [0.9], "method": ["satterthwaite"]})
    >>> bound_df(t, ["treat"], 8.0)[["df", "p_val", "method"]].round(3)
        df  p_val                 method
    0  8.0  0.037  satterthwaite_between
    """
    out = table.copy()
    # a relative tolerance: df equal to df_max up to the numerical derivatives are left as they are
    hit = out["term"].isin(list(terms)).to_numpy() & (out["df"].to_numpy(float) > df_max * (1 + 1e-4))
    if df_max <= 0 or not hit.any():
        return out
    est, se = out.loc[hit, "estimate"].to_numpy(float), out.loc[hit, "se"].to_numpy(float)
    half = stats.t.ppf(0.5 + level / 2, df_max) * se
    out.loc[hit, "df"] = float(df_max)
    out.loc[hit, "p_val"] = 2 * stats.t.sf(np.abs(est / se), df_max)
    out.loc[hit, "ci_low"], out.loc[hit, "ci_high"] = est - half, est + half
    out.loc[hit, "method"] = "satterthwaite_between"
    return out
