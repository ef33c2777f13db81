"""Measurement invariance across groups: configural, metric, scalar and partial scalar models.

The three nested multi-group models of lavaan's ``group.equal`` (semTools' ``measEq.syntax`` with its
defaults gives the same): configural (same structure, everything free per group), metric (loadings
equal), scalar (loadings and intercepts equal, latent means free from the second group on). Each step
is compared with the one before by the chi-square difference and by the change in CFI and RMSEA.

Decision rule (Chen 2007, for n above about 300 with unequal groups): a step fails when CFI drops by
more than 0.010; a rise of RMSEA by more than 0.015 (or of SRMR by more than 0.030 for loadings, 0.010
for intercepts) supports the verdict and is reported beside it. The chi-square difference is shown but
does not decide: with hundreds of respondents it rejects trivial differences.

Partial scalar invariance (Byrne, Shavelson & Muthen 1989), stepwise: while the scalar step fails,
release the intercept equality whose univariate score test (lavaan's ``lavTestScore``, the Lagrange
multiplier of the constraint; with more than two groups all of an item's constraints together) is
largest, if its p is below ``relkap.config.ALPHA`` and its factor keeps at least two equal intercepts;
refit and compare with the metric model again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from threadpoolctl import threadpool_limits

from relkap.config import ALPHA
from relkap.measurement.cfa import Fit, cfa, discrepancy, fit_indices, model_of

__all__ = ["Invariance", "invariance", "compare", "intercept_score_tests", "STEPS", "CUTOFFS"]

STEPS = ("configural", "metric", "scalar", "partial_scalar")
#: Chen (2007): CFI drop that fails a step, RMSEA and SRMR rises that support it (per step).
CUTOFFS = {"cfi": -0.010, "rmsea": 0.015, "srmr": {"metric": 0.030, "scalar": 0.010, "partial_scalar": 0.010}}
_EQUAL = {"configural": (), "metric": ("loadings",), "scalar": ("loadings", "intercepts"),
          "partial_scalar": ("loadings", "intercepts")}


@dataclass(frozen=True)
class Invariance:
    """The models (``fits``), their comparison (``table``), the score tests and the freed intercepts."""

    table: pd.DataFrame
    score_tests: pd.DataFrame
    freed: tuple[str, ...]
    fits: dict[str, Fit]


def compare(previous: pd.Series, current: pd.Series, step: str) -> dict:
    """Chi-square difference and changes in CFI, RMSEA and SRMR of ``current`` against ``previous``.

    Both are rows of :func:`relkap.measurement.fit_indices`. ``verdict`` is ``holds`` or ``fails``
    (Chen 2007: a CFI drop of more than 0.010 fails) or ``not_estimable`` when a model has no indices;
    ``supported`` says whether RMSEA or SRMR rose past their cut-offs as well.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.Series({"chisq": 115.85, "df": 48, "cfi": 0.923, "rmsea": 0.097, "srmr": 0.068})
    >>> b = pd.Series({"chisq": 164.10, "df": 60, "cfi": 0.882, "rmsea": 0.107, "srmr": 0.082})
    >>> r = compare(a, b, "scalar")
    >>> r["verdict"], r["supported"], round(r["delta_cfi"], 3)
    ('fails', True, -0.041)
    """
    keys = ("chisq", "df", "cfi", "rmsea", "srmr")
    if any(pd.isna(previous.get(k)) or pd.isna(current.get(k)) for k in keys):
        return {"chisq_diff": np.nan, "df_diff": np.nan, "p_diff": np.nan, "delta_cfi": np.nan,
                "delta_rmsea": np.nan, "delta_srmr": np.nan, "verdict": "not_estimable", "supported": False}
    diff, ddf = current["chisq"] - previous["chisq"], int(current["df"] - previous["df"])
    d_cfi, d_rmsea = current["cfi"] - previous["cfi"], current["rmsea"] - previous["rmsea"]
    d_srmr = current["srmr"] - previous["srmr"]
    fails = d_cfi < CUTOFFS["cfi"]
    supported = bool(d_rmsea > CUTOFFS["rmsea"] or d_srmr > CUTOFFS["srmr"][step])
    return {"chisq_diff": float(diff), "df_diff": ddf,
            "p_diff": float(stats.chi2.sf(diff, ddf)) if ddf > 0 else np.nan,
            "delta_cfi": float(d_cfi), "delta_rmsea": float(d_rmsea), "delta_srmr": float(d_srmr),
            "verdict": "fails" if fails else "holds", "supported": supported}


def _expanded(fit: Fit) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Every group's copy of a parameter free (lavaan's unreduced vector), the values, and the map L from
    the fitted parameters to them (expanded = L theta)."""
    t = fit.table.copy()
    free = t["free"].to_numpy()
    new = np.where(free >= 0, np.cumsum(free >= 0) - 1, -1)
    t["free"] = new
    L = np.zeros((int((free >= 0).sum()), len(fit.theta)))
    L[new[free >= 0], free[free >= 0]] = 1.0
    return t, L @ fit.theta, L


def intercept_score_tests(fit: Fit) -> pd.DataFrame:
    """Score (Lagrange multiplier) test of releasing each item's intercept equality across groups.

    Equal to lavaan's ``lavTestScore(fit)$uni`` (expected information) for two groups: releasing the
    constraint adds one free intercept difference per group after the first (D), and with s the score
    of the log-likelihood per respondent and I the unit information of the unreduced parameters, mapped
    by L to the fitted ones,

    .. math:: X^2 = N s_D' (D'ID - D'IL (L'IL)^{-1} L'ID)^{-1} s_D

    on G - 1 df (an item's G - 1 constraints are released together). Columns ``item``, ``X2``, ``df``,
    ``p``, sorted by p and X2.
    """
    with threadpool_limits(1, user_api="blas"):  # small matrices: threads only contend
        return _score_tests(fit)


def _score_tests(fit: Fit) -> pd.DataFrame:
    table, theta, L = _expanded(fit)
    exp = Fit(fit.factors, fit.items, fit.groups, table, fit.samples, theta, fit.meanstructure, fit.status,
              fit.iterations)
    _, grad, info = discrepancy(model_of(exp), theta, fit.samples)
    score = -0.5 * grad
    il = info @ L
    lil_inv = np.linalg.pinv(L.T @ il)
    shared = (L.sum(axis=0) > 1)
    rows = []
    for item in fit.items:
        at = table[(table["op"] == "~1") & (table["lhs"] == item) & (table["group"] > 0)]
        cols = at["free"].to_numpy()
        orig = fit.table.loc[at.index, "free"].to_numpy()
        if len(cols) == 0 or not shared[orig].all():
            continue
        D = np.zeros((len(theta), len(cols)))
        D[cols, np.arange(len(cols))] = 1.0
        s_d = D.T @ score
        v = D.T @ info @ D - il[cols].reshape(len(cols), -1) @ lil_inv @ il[cols].reshape(len(cols), -1).T
        x2 = float(fit.n * s_d @ np.linalg.pinv(v) @ s_d)
        rows.append((item, x2, len(cols), float(stats.chi2.sf(x2, len(cols)))))
    out = pd.DataFrame(rows, columns=["item", "X2", "df", "p"])
    return out.sort_values(["p", "X2"], ascending=[True, False], kind="stable").reset_index(drop=True)


def invariance(data: pd.DataFrame, factors: Mapping[str, Sequence[str]], group: str, *,
               partial: bool = True, alpha: float = ALPHA, min_equal: int = 2) -> Invariance:
    """Configural, metric and scalar models across ``group``, their comparison and partial invariance.

    Parameters
    ----------
    data : DataFrame
        Wide: one row per respondent, one column per item and the ``group`` column.
    factors : mapping
        Factor name to items (first item the marker), as :func:`relkap.measurement.cfa`.
    group : str
        Column with the groups compared (e.g. ``wave`` or the professional group).
    partial : bool
        Where the scalar step fails, free intercepts stepwise (module docstring) and add a
        ``partial_scalar`` row.
    alpha : float
        Largest p of a score test that frees an intercept.
    min_equal : int
        Intercepts per factor that stay equal (at least).

    Returns
    -------
    Invariance
        ``table``: one row per step with the fit indices of :func:`fit_indices` and the comparison with
        the step before (:func:`compare`); ``score_tests`` of the scalar model; ``freed`` items.

    Examples
    --------
    Item y3 reads 0.8 higher in group b at the same factor level: scalar invariance fails, and freeing
    y3's intercept restores it.

    >>> import numpy as np, pandas as pd
    >>> from relkap.measurement import invariance
    >>> rng = np.random.default_rng(3)
    >>> f = rng.normal(size=600)
    >>> d = pd.DataFrame({f"y{k}": 0.8 * f + rng.normal(scale=0.6, size=600) for k in range(1, 5)})
    >>> d["g"] = np.repeat(["a", "b"], 300)
    >>> d.loc[d["g"] == "b", "y3"] += 0.8
    >>> inv = invariance(d, {"f": ["y1", "y2", "y3", "y4"]}, "g")
    >>> inv.table[["step", "df", "cfi", "verdict", "freed"]].round(3)  # doctest: +NORMALIZE_WHITESPACE
                 step  df    cfi verdict freed
    0      configural   4  1.000     NaN
    1          metric   7  1.000   holds
    2          scalar  10  0.849   fails
    3  partial_scalar   9  1.000   holds    y3
    """
    fits, rows = {}, []
    for step in ("configural", "metric", "scalar"):
        fits[step] = cfa(data, factors, group=group, equal=_EQUAL[step])
        rows.append(fit_indices(fits[step], step).iloc[0])
    scores = (intercept_score_tests(fits["scalar"]) if fits["scalar"].status in ("ok", "heywood")
              else pd.DataFrame(columns=["item", "X2", "df", "p"]))
    freed: list[str] = []
    if partial and compare(rows[1], rows[2], "scalar")["verdict"] == "fails":
        current, tests = rows[2], scores
        while compare(rows[1], current, "partial_scalar")["verdict"] == "fails":
            candidate = next((r.item for r in tests.itertuples() if r.p < alpha
                              and _left(factors, freed, r.item) >= min_equal), None)
            if candidate is None:
                break
            freed.append(candidate)
            fits["partial_scalar"] = cfa(data, factors, group=group, equal=_EQUAL["scalar"],
                                         free_intercepts=freed)
            current = fit_indices(fits["partial_scalar"], "partial_scalar").iloc[0]
            if fits["partial_scalar"].status not in ("ok", "heywood"):
                break
            tests = intercept_score_tests(fits["partial_scalar"])
        if freed:
            rows.append(current)
    table = pd.DataFrame(rows).reset_index(drop=True).rename(columns={"model": "step"})
    comp = [dict.fromkeys(("chisq_diff", "df_diff", "p_diff", "delta_cfi", "delta_rmsea", "delta_srmr",
                           "verdict", "supported"))]
    for k in range(1, len(table)):
        against = 1 if table.loc[k, "step"] == "partial_scalar" else k - 1
        comp.append(compare(table.loc[against], table.loc[k], table.loc[k, "step"]))
    table = pd.concat([table, pd.DataFrame(comp)], axis=1)
    table["freed"] = ["" if s != "partial_scalar" else ", ".join(freed) for s in table["step"]]
    return Invariance(table, scores, tuple(freed), fits)


def _left(factors: Mapping[str, Sequence[str]], freed: list[str], item: str) -> int:
    """Equal intercepts left in ``item``'s factor if it were freed too."""
    its = next(v for v in factors.values() if item in v)
    return len([i for i in its if i not in freed and i != item])
