"""The rank tests of a wave comparison, vectorised over cells: Mann-Whitney U (two independent samples) and the
Wilcoxon signed-rank test (linked pairs), two-sided, as R's ``wilcox.test``.

:func:`relkap.change.compare_waves` reports them as ``p_mwu`` beside Welch's test. Cells are integer codes
0..n-1; every function takes one array per row (cell code, value) and returns one value per cell.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["mwu_pvalues", "wilcoxon_pvalues", "ranks_and_ties", "cell_slices", "signed_rank_cdf", "EXACT_BELOW"]


def cell_slices(codes: np.ndarray, n_cells: int) -> tuple[np.ndarray, np.ndarray]:
    """Sort order of ``codes`` and the start of each cell in it (cell c is order[start[c]:start[c+1]])."""
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], np.arange(n_cells + 1))
    return order, starts


def ranks_and_ties(
    codes: np.ndarray, values: np.ndarray, n_cells: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mid-ranks of ``values`` within each cell, and per cell sum(t^3 - t) over tie groups and
    whether there is any tie."""
    frame = pd.DataFrame({"cell": codes, "x": values})
    ranks = frame.groupby("cell")["x"].rank().to_numpy()
    t = frame.groupby(["cell", "x"]).size()
    t_cells = t.index.get_level_values("cell").to_numpy()
    tie_term = np.bincount(t_cells, weights=(t**3 - t).to_numpy(float), minlength=n_cells)
    has_ties = np.bincount(t_cells, weights=(t > 1).to_numpy(float), minlength=n_cells) > 0
    return ranks, tie_term, has_ties


# One rule for both rank tests, R's wilcox.test default: the exact null distribution when there are no ties
# (and, signed-rank, no zero differences) and fewer than 50 observations per sample; otherwise the normal
# approximation with tie and continuity correction.
EXACT_BELOW = 50


def mwu_pvalues(
    codes: np.ndarray,
    post: np.ndarray,
    values: np.ndarray,
    n0: np.ndarray,
    n1: np.ndarray,
    keep: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided Mann-Whitney U p-value per cell and whether it is exact, as R's ``wilcox.test(x, y)``.

    Vectorised over cells: mid-ranks within cell, normal approximation with tie and continuity
    correction; cells without ties and with both samples below 50 get the exact p
    (``scipy.stats.mannwhitneyu(..., method="exact")``, one by one, for the cells in ``keep`` only).

    Examples
    --------
    Cell 0 has no ties (exact p, R: ``wilcox.test(c(4, 5, 6), c(1, 2, 3))$p.value`` = 0.1), cell 1 has
    (normal approximation, R: ``wilcox.test(c(3, 3, 4), c(1, 2, 3), exact = FALSE)$p.value`` = 0.1641597):

    >>> codes = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
    >>> post = np.array([0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1])
    >>> values = np.array([1, 2, 3, 4, 5, 6, 1, 2, 3, 3, 3, 4], dtype=float)
    >>> n = np.array([3.0, 3.0])
    >>> p, exact = mwu_pvalues(codes, post, values, n, n, np.array([True, True]))
    >>> p.round(4).tolist(), exact.tolist()
    ([0.1, 0.1642], [True, False])
    """
    n_cells = len(n0)
    ranks, tie_term, has_ties = ranks_and_ties(codes, values, n_cells)
    r1 = np.bincount(codes, weights=ranks * post, minlength=n_cells)
    u1 = r1 - n1 * (n1 + 1) / 2
    u = np.maximum(u1, n0 * n1 - u1)
    n = n0 + n1
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.sqrt(n0 * n1 / 12 * ((n + 1) - tie_term / (n * (n - 1))))
        z = (u - n0 * n1 / 2 - 0.5) / s
    p = np.clip(2 * stats.norm.sf(z), 0, 1)
    exact = keep & ~has_ties & (n0 < EXACT_BELOW) & (n1 < EXACT_BELOW)
    if exact.any():
        order, starts = cell_slices(codes, n_cells)
        for c in np.flatnonzero(exact):
            idx = order[starts[c] : starts[c + 1]]
            x, is_post = values[idx], post[idx].astype(bool)
            p[c] = stats.mannwhitneyu(x[is_post], x[~is_post], method="exact").pvalue
    return p, exact


@functools.lru_cache(maxsize=64)
def signed_rank_cdf(n: int) -> np.ndarray:
    """P(V <= v), v = 0 .. n(n+1)/2, of the signed-rank sum of ranks 1..n under random signs."""
    counts = np.zeros(n * (n + 1) // 2 + 1)
    counts[0] = 1.0
    for r in range(1, n + 1):
        counts[r:] = counts[r:] + counts[:-r]  # the right side is a new array: no aliasing
    return np.cumsum(counts / counts.sum())


def wilcoxon_pvalues(
    codes: np.ndarray, diffs: np.ndarray, keep: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided Wilcoxon signed-rank p-value per cell in ``keep`` and whether it is exact, as R's
    ``wilcox.test(followup, baseline, paired = TRUE)``.

    Zero differences are dropped; exact null distribution without ties or zeros and below 50 pairs, else
    the normal approximation with tie and continuity correction. Vectorised over cells; a cell whose
    differences are all zero gets p = 1 (no evidence of change; R stops with an error there).
    """
    n_cells = len(keep)
    sel = keep[codes]
    codes, diffs = codes[sel], diffs[sel]
    n_all = np.bincount(codes, minlength=n_cells)
    nonzero = diffs != 0
    codes, diffs = codes[nonzero], diffs[nonzero]
    ranks, tie_term, has_ties = ranks_and_ties(codes, np.abs(diffs), n_cells)
    count = np.bincount(codes, minlength=n_cells).astype(float)
    r_plus = np.bincount(codes, weights=ranks * (diffs > 0), minlength=n_cells)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt((count * (count + 1) * (2 * count + 1) - tie_term / 2) / 24)
        centred = r_plus - count * (count + 1) / 4
        z = (centred - 0.5 * np.sign(centred)) / se
    p = np.minimum(2 * stats.norm.sf(np.abs(z)), 1.0)
    exact = keep & (count > 0) & ~has_ties & (n_all == count) & (count < EXACT_BELOW)
    for c in np.flatnonzero(exact):
        cdf = signed_rank_cdf(int(count[c]))
        v = int(np.rint(r_plus[c]))
        lower, upper = cdf[v], 1.0 - (cdf[v - 1] if v > 0 else 0.0)
        p[c] = min(1.0, 2 * min(lower, upper))
    p[keep & (n_all > 0) & (count == 0)] = 1.0
    p[~keep | (n_all == 0)] = np.nan
    return p, exact
