"""Baseline versus follow-up: wave comparisons per cell, adjusted p-values, difference-in-differences.

Every test aggregates to one value per subject first: respondent x target (or item) rows of one
respondent are never treated as independent observations (they are clustered in the respondent: pseudo-replication,
Hurlbert 1984, Ecol. Monogr. 54:187).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from . import mixed, permutation
from .checks import (
    as_list,
    check_choice,
    check_columns,
    check_count,
    check_min_n,
    check_numeric,
)
from .config import ALPHA, MIN_N
from .power import noncentrality
from .ranktests import mwu_pvalues, wilcoxon_pvalues

__all__ = ["compare_waves", "reverse_change", "suppress", "adjust_pvalues", "did", "hedges_correction", "hedges_paired"]

_POST = "_post"  # internal 0/1 column: 0 = baseline, 1 = follow-up
_CELL = "_cell"  # internal constant cell key when ``by`` is empty

# The value columns of compare_waves after the `by` columns (docs/contract.md); importable for empty tables.
CHANGE_COLUMNS = [
    "n_baseline",
    "n_followup",
    "mean_baseline",
    "mean_followup",
    "diff",
    "diff_ci_low",
    "diff_ci_high",
    "T",
    "dof",
    "p_val",
    "mdc",
    "hedges",
    "hedges_ci_low",
    "hedges_ci_high",
    "p_mwu",
    "rank_method",
    "p_fdr",
    "p_holm",
    "test",
    "suppressed",
]


def adjust_pvalues(p: Sequence[float] | np.ndarray | pd.Series, method: str = "fdr_bh"):
    """P-values adjusted for multiple testing; NaN entries are skipped and stay NaN.

    Parameters
    ----------
    p : array-like or Series
        Raw p-values in [0, 1]; NaN (e.g. a suppressed cell) is not counted as a test.
    method : {"fdr_bh", "holm"}
        Benjamini-Hochberg false discovery rate (screening many ties) or Holm's step-down
        family-wise correction (pre-registered ties).

    Returns
    -------
    ndarray or Series
        Adjusted p-values in the input order (a Series keeps its index and name).

    Notes
    -----
    With the m non-missing p-values sorted, :math:`p_{(1)} \\le \\dots \\le p_{(m)}`:

    - Benjamini-Hochberg: :math:`q_{(i)} = \\min_{j \\ge i} \\min(1, m p_{(j)} / j)`
    - Holm: :math:`q_{(i)} = \\max_{j \\le i} \\min(1, (m - j + 1) p_{(j)})`

    Same numbers as ``statsmodels.stats.multitest.multipletests`` on the non-missing values.

    References
    ----------
    Benjamini, Y., & Hochberg, Y. (1995). Controlling the false discovery rate. *JRSS B*, 57, 289-300.
    Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scand. J. Stat.*, 6, 65-70.

    Examples
    --------
    >>> from relkap.change import adjust_pvalues
    >>> adjust_pvalues([0.01, 0.02, 0.03, 0.04, 0.20], method="holm").round(3)
    array([0.05, 0.08, 0.09, 0.09, 0.2 ])
    >>> adjust_pvalues([0.04, float("nan"), 0.01]).round(3)
    array([0.04,  nan, 0.02])
    """
    check_choice("method", method, ("fdr_bh", "holm"))
    arr = np.asarray(p, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"p must be one-dimensional, got shape {arr.shape}")
    ok = ~np.isnan(arr)
    if np.any((arr[ok] < 0) | (arr[ok] > 1)):
        raise ValueError("p-values must lie between 0 and 1")
    out = np.full(arr.shape, np.nan)
    m = int(ok.sum())
    if m:
        order = np.argsort(arr[ok], kind="stable")
        ranked = arr[ok][order]
        rank = np.arange(1, m + 1)
        if method == "fdr_bh":
            adj = np.minimum.accumulate((m / rank * ranked)[::-1])[::-1]
        else:
            adj = np.maximum.accumulate((m - rank + 1) * ranked)
        adjusted = np.empty(m)
        adjusted[order] = np.minimum(adj, 1.0)
        out[ok] = adjusted
    if isinstance(p, pd.Series):
        return pd.Series(out, index=p.index, name=p.name)
    return out


def hedges_correction(df) -> np.ndarray | float:
    """Hedges' small-sample factor J = 1 - 3 / (4 df - 1) that turns Cohen's d into g.

    Parameters
    ----------
    df : float or array
        Degrees of freedom of the standardiser: n0 + n1 - 2 for two groups, n - 1 for n pairs.

    Returns
    -------
    float or ndarray
        J, NaN where df < 1.

    References
    ----------
    Borenstein, M., Hedges, L. V., Higgins, J. P. T., & Rothstein, H. R. (2009). *Introduction to
    meta-analysis*, ch. 4 (eq. 4.22). Wiley.

    Examples
    --------
    >>> from relkap.change import hedges_correction
    >>> round(hedges_correction(9), 4)
    0.9143
    """
    df = np.asarray(df, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(df >= 1, 1 - 3 / (4 * df - 1), np.nan)
    return float(out) if out.ndim == 0 else out


def hedges_paired(followup, baseline, level: float = 0.95) -> pd.DataFrame:
    """Hedges' g of a paired (matched) change with the matched-groups CI of Borenstein et al. (2009).

    Parameters
    ----------
    followup, baseline : array-like
        The paired scores (same length, same subject order); pairs with a missing value are dropped.
    level : float
        Confidence level.

    Returns
    -------
    DataFrame
        One row: ``n`` (pairs), ``r`` (correlation of the two waves), ``d`` (mean change over
        :math:`S_{within} = \\sqrt{(s_0^2 + s_1^2)/2}`), ``J``, ``hedges`` (J d), ``se`` (of g),
        ``ci_low``, ``ci_high`` (g -/+ z se).

    Notes
    -----
    .. math::

        V_d = \\left(\\frac{1}{n} + \\frac{d^2}{2n}\\right) 2 (1 - r), \\quad
        J = 1 - \\frac{3}{4 (n - 1) - 1}, \\quad g = J d, \\quad V_g = J^2 V_d.

    This CI is the one meta-analyses expect; it need not agree with the paired t test. ``compare_waves``
    therefore reports a g CI scaled from the CI of the mean change instead (same g), which excludes 0
    exactly when the t test rejects.

    References
    ----------
    Borenstein, M., Hedges, L. V., Higgins, J. P. T., & Rothstein, H. R. (2009). *Introduction to
    meta-analysis*, ch. 4 (eq. 4.27-4.29). Wiley.

    Examples
    --------
    >>> from relkap.change import hedges_paired
    >>> drug1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]  # R's sleep data
    >>> drug2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
    >>> hedges_paired(drug2, drug1).round(3)
        n      r      d      J  hedges     se  ci_low  ci_high
    0  10  0.795  0.832  0.914   0.761  0.215    0.34    1.182
    """
    if not 0 < level < 1:
        raise ValueError(f"level must lie between 0 and 1, got {level!r}")
    x1, x0 = np.asarray(followup, float), np.asarray(baseline, float)
    if x1.shape != x0.shape or x1.ndim != 1:
        raise ValueError("followup and baseline must be one-dimensional and of the same length")
    ok = ~(np.isnan(x1) | np.isnan(x0))
    x1, x0 = x1[ok], x0[ok]
    n = len(x1)
    if n < 3:
        raise ValueError(f"hedges_paired needs at least 3 pairs, got {n}")
    r = float(np.corrcoef(x0, x1)[0, 1])
    d = float(np.mean(x1 - x0) / np.sqrt((np.var(x0, ddof=1) + np.var(x1, ddof=1)) / 2))
    j = hedges_correction(n - 1)
    se = j * math.sqrt((1 / n + d**2 / (2 * n)) * 2 * (1 - r))
    z = stats.norm.ppf(0.5 + level / 2)
    g = j * d
    return pd.DataFrame({"n": [n], "r": [r], "d": [d], "J": [j], "hedges": [g], "se": [se],
                         "ci_low": [g - z * se], "ci_high": [g + z * se]})


def _subject_means(
    data: pd.DataFrame,
    dv: str,
    keys: list[str],
    wave: str,
    baseline: object,
    followup: object,
    subject: list[str],
) -> pd.DataFrame:
    """One row per ``keys`` cell, wave and subject: the mean of ``dv`` (the unit of every test)."""
    if baseline == followup:
        raise ValueError(f"baseline and followup must differ, both are {baseline!r}")
    d = data.loc[
        data[wave].isin([baseline, followup]) & data[dv].notna(), [*keys, wave, *subject, dv]
    ]
    d = d.dropna(subset=keys)
    if d[subject].isna().any(axis=None):
        raise ValueError(f"rows with a score lack the subject id ({subject}); every row needs one")
    d = d.assign(**{_POST: (d[wave] == followup).to_numpy().astype(np.int8)})
    return d.groupby([*keys, _POST, *subject], observed=True, sort=False)[dv].mean().reset_index()


def compare_waves(
    data: pd.DataFrame,
    dv: str,
    by: str | Iterable[str] | None,
    wave: str = "wave",
    baseline: object = "baseline",
    followup: object = "followup",
    paired: bool = False,
    subject: str | Iterable[str] = "respondent_id",
    min_n: int | None = MIN_N,
    mwu: bool = True,
    family: str | Iterable[str] | None = None,
) -> pd.DataFrame:
    """Follow-up versus baseline in every ``by`` cell: mean difference, t test, Hedges' g, adjusted p.

    Parameters
    ----------
    data : DataFrame
        Long format with ``dv``, ``wave``, ``subject`` and the ``by`` columns, e.g. the output of
        ``scoring.respondent_scores`` (one row per respondent and target).
    dv : str
        Score column.
    by : str or list of str or None
        Columns defining the cells compared separately, e.g. ``["kommune", "group", "target",
        "dimension"]``. ``None`` compares all rows as one cell.
    wave, baseline, followup : str, value, value
        Wave column and its two values; other waves are ignored.
    paired : bool
        False (anonymous waves): Welch's t test on all subjects. True (stable pseudonymous ids):
        paired t test on the subjects present in both waves of the cell.
    subject : str or list of str
        Column(s) identifying a respondent. Rows are averaged to one value per subject in each cell
        and wave before any test, so respondent x target rows never count as independent.
    min_n : int or None
        Privacy threshold: a cell with fewer than ``min_n`` subjects in either wave (pairs, when
        ``paired``) is suppressed. ``None``: no threshold.
    mwu : bool
        Also compute the rank test (Mann-Whitney U, or Wilcoxon signed-rank when ``paired``) as a
        sensitivity analysis; ``p_mwu`` and ``rank_method`` are missing when False.
    family : str or list of str, optional
        Columns of ``by`` within which p-values are adjusted, e.g. ``"kommune"`` to adjust over the
        ties of each kommune separately. Default: over every row of the result.

    Returns
    -------
    DataFrame
        One row per cell, sorted by ``by``: the ``by`` columns, then

        - ``n_baseline``, ``n_followup``: subjects per wave (0 for a wave without the cell); when
          ``paired``, both are the number of subjects present in both waves.
        - ``mean_baseline``, ``mean_followup``: means of the subject means (paired: of the pairs).
        - ``diff`` = mean_followup - mean_baseline, with its 95% CI ``diff_ci_low``, ``diff_ci_high``.
        - ``T``, ``dof``, ``p_val``: t statistic of ``diff`` (positive when follow-up is higher),
          degrees of freedom (Welch-Satterthwaite, or n - 1 paired), two-sided p.
        - ``mdc``: minimum detectable change, the true change (score points, either direction) the t
          test would detect with 80% power at two-sided 5% with this cell's n and SD (see Notes). A
          non-significant ``diff`` with a large ``mdc`` means "too few answers", not "no change".
        - ``hedges``, ``hedges_ci_low``, ``hedges_ci_high``: Hedges' g of follow-up minus baseline
          with a 95% CI that excludes 0 exactly when the t test rejects (see Notes).
        - ``p_mwu``: two-sided rank-test p-value (sensitivity).
        - ``rank_method``: ``"exact"`` or ``"normal"``, the rank test's null distribution (see
          Notes); missing (NaN) when suppressed or ``mwu=False``.
        - ``p_fdr``, ``p_holm``: ``p_val`` adjusted by Benjamini-Hochberg and Holm over the
          non-suppressed rows (within each ``family``).
        - ``test``: ``"welch"`` or ``"paired"``.
        - ``suppressed``: either wave below ``min_n`` or empty; then every value column is NaN.

    Notes
    -----
    With subject means :math:`x` (follow-up, :math:`n_1, m_1, v_1`) and :math:`y` (baseline,
    :math:`n_0, m_0, v_0`), Welch's test uses :math:`SE = \\sqrt{v_1/n_1 + v_0/n_0}`,
    :math:`T = (m_1 - m_0)/SE` and Welch-Satterthwaite df; the CI of the difference is
    :math:`(m_1 - m_0) \\pm t_{0.975, df} SE`. The unpaired test is always Welch's (pingouin's
    default ``correction="auto"`` switches to Student's t when the two n are equal). The paired
    test uses the per-subject differences.

    Hedges' g is :math:`g = J d` with :math:`J = 1 - 3/(4\\nu - 1)` (:func:`hedges_correction`) and d
    the difference over the standardiser :math:`S`: unpaired, the pooled SD and
    :math:`\\nu = n_0 + n_1 - 2`; paired, :math:`S = \\sqrt{(v_0 + v_1)/2}` ("d_av") and
    :math:`\\nu = n - 1` (Borenstein et al. 2009, ch. 4). Its CI is the CI of the difference on the same
    scale, :math:`(J / S) \\cdot [\\text{diff}_{low}, \\text{diff}_{high}]`, treating S as fixed: no
    closed-form CI of g agrees with Welch's (or the paired) t test in every sample, and a g whose CI
    contradicts the test beside it is worse than one that ignores the sampling error of S. The
    matched-groups CI of Borenstein et al., :math:`V_d = (1/n + d^2/(2n)) \\, 2(1 - r)`, is
    :func:`hedges_paired`, for meta-analyses.

    The minimum detectable change solves the noncentral-t power equation for the observed n
    (:func:`relkap.power.minimum_detectable_change`): unpaired, :math:`\\delta_{\\nu} S_{pooled}
    \\sqrt{1/n_0 + 1/n_1}` with :math:`\\nu = n_0 + n_1 - 2` (the pooled two-sample test of
    ``pwr::pwr.t2n.test``, which Welch's test approximates); paired,
    :math:`\\delta_{n-1} s_D / \\sqrt{n}` with :math:`s_D` the SD of the differences.

    Rank tests follow one rule, R's ``wilcox.test`` default: the exact null distribution when there are
    no ties (paired: no ties and no zero differences) and fewer than 50 subjects per wave (pairs);
    otherwise the normal approximation with tie and continuity correction. Zero differences are dropped
    from the Wilcoxon test. Subject means of 1-5 items tie often, so most cells use the normal
    approximation; ``rank_method`` says which ran.

    References
    ----------
    Borenstein, M., Hedges, L. V., Higgins, J. P. T., & Rothstein, H. R. (2009). *Introduction to
    meta-analysis*, ch. 4. Wiley.
    Hedges, L. V., & Olkin, I. (1985). *Statistical methods for meta-analysis*. Academic Press.

    Examples
    --------
    >>> import pandas as pd
    >>> from relkap.change import compare_waves
    >>> df = pd.DataFrame({
    ...     "wave": ["baseline"] * 9 + ["followup"] * 8,
    ...     "respondent_id": [f"r{i}" for i in range(17)],
    ...     "score": [3.9, 4.2, 4.6, 4.0, 4.4, 3.8, 4.7, 4.1, 4.5,
    ...               3.2, 3.8, 4.1, 3.5, 3.9, 4.4, 3.0, 3.6]})
    >>> out = compare_waves(df, dv="score", by=None)
    >>> out[["n_baseline", "n_followup", "diff", "T", "dof", "p_val", "hedges"]].round(3)
       n_baseline  n_followup   diff      T     dof  p_val  hedges
    0           9           8 -0.557 -2.857  12.317  0.014  -1.347
    """
    by, subject, family = as_list(by), as_list(subject), as_list(family)
    check_columns(data, [*by, wave, *subject, dv])
    check_numeric(data, dv)
    check_min_n(min_n)
    if not set(family) <= set(by):
        raise ValueError(f"family {family} must be columns of by {by}")
    keys = by or [_CELL]
    frame = data.assign(**{_CELL: 0}) if not by else data
    subj = _subject_means(frame, dv, keys, wave, baseline, followup, subject)

    if paired:
        pairs = subj.set_index([*keys, *subject, _POST])[dv].unstack(_POST)
        pairs = pairs.reindex(columns=[0, 1]).dropna()
        pairs["d"] = pairs[1] - pairs[0]
        cells = subj.groupby(keys, observed=True).size().index
        g = pairs.groupby(level=keys, observed=True)
        s = pd.DataFrame(
            {
                "n0": g.size(),
                "m0": g[0].mean(),
                "m1": g[1].mean(),
                "v0": g[0].var(),
                "v1": g[1].var(),
                "vd": g["d"].var(),
            }
        ).reindex(cells)
        s["n0"] = s["n0"].fillna(0)
        s["n1"] = s["n0"]
    else:
        g = subj.groupby([*keys, _POST], observed=True)[dv].agg(["count", "mean", "var"])
        g = g.unstack(_POST).reindex(
            columns=pd.MultiIndex.from_product([["count", "mean", "var"], [0, 1]])
        )
        s = pd.DataFrame(
            {
                "n0": g[("count", 0)].fillna(0),
                "n1": g[("count", 1)].fillna(0),
                "m0": g[("mean", 0)],
                "m1": g[("mean", 1)],
                "v0": g[("var", 0)],
                "v1": g[("var", 1)],
            }
        )
    n0, n1 = s["n0"].to_numpy(float), s["n1"].to_numpy(float)
    m0, m1 = s["m0"].to_numpy(float), s["m1"].to_numpy(float)
    v0, v1 = s["v0"].to_numpy(float), s["v1"].to_numpy(float)
    diff = m1 - m0
    with np.errstate(divide="ignore", invalid="ignore"):
        if paired:
            sd_change = np.sqrt(s["vd"].to_numpy(float))
            se = sd_change / np.sqrt(n1)
            dof = n1 - 1
            standardiser = np.sqrt((v0 + v1) / 2)  # d_av
            mdc_scale = se
        else:
            a0, a1 = v0 / n0, v1 / n1
            se = np.sqrt(a0 + a1)
            dof = (a0 + a1) ** 2 / (a0**2 / (n0 - 1) + a1**2 / (n1 - 1))
            standardiser = np.sqrt(((n0 - 1) * v0 + (n1 - 1) * v1) / (n0 + n1 - 2))  # pooled SD
            mdc_scale = standardiser * np.sqrt(1 / n0 + 1 / n1)
        g_dof = n1 - 1 if paired else n0 + n1 - 2
        t_stat = np.where(se > 0, diff / se, np.nan)
        dof = np.where(np.isfinite(t_stat), dof, np.nan)
        half = stats.t.ppf(0.975, dof) * se
        # Hedges' g and its CI on one scale: J / standardiser times diff and its CI (see Notes)
        scale = np.where(standardiser > 0, hedges_correction(g_dof) / standardiser, np.nan)
        mdc = noncentrality(g_dof, ALPHA, 0.8) * mdc_scale
    suppressed = (n0 == 0) | (n1 == 0)
    if min_n is not None:
        suppressed |= (n0 < min_n) | (n1 < min_n)

    p_mwu = np.full(len(s), np.nan)
    rank_method = np.full(len(s), None, dtype=object)
    if mwu and paired:
        cell_codes = pd.Series(np.arange(len(s)), index=s.index)
        codes = cell_codes.reindex(pairs.index.droplevel(subject)).to_numpy()
        p_mwu, exact = wilcoxon_pvalues(codes, pairs["d"].to_numpy(), ~suppressed)
    elif mwu:
        codes = subj.groupby(keys, observed=True, sort=True).ngroup().to_numpy()
        values = subj[dv].to_numpy(float)
        p_mwu, exact = mwu_pvalues(codes, subj[_POST].to_numpy(), values, n0, n1, ~suppressed)
    if mwu:
        rank_method[~suppressed] = np.where(exact, "exact", "normal")[~suppressed]

    out = pd.DataFrame(
        {
            "n_baseline": n0.astype(np.int64),
            "n_followup": n1.astype(np.int64),
            "mean_baseline": m0,
            "mean_followup": m1,
            "diff": diff,
            "diff_ci_low": diff - half,
            "diff_ci_high": diff + half,
            "T": t_stat,
            "dof": dof,
            "p_val": 2 * stats.t.sf(np.abs(t_stat), dof),
            "mdc": mdc,
            "hedges": diff * scale,
            "hedges_ci_low": (diff - half) * scale,
            "hedges_ci_high": (diff + half) * scale,
            "p_mwu": p_mwu,
            "rank_method": pd.array(rank_method, dtype="str"),
        },
        index=s.index,
    )
    out = out.reset_index()
    out["p_fdr"] = out["p_holm"] = np.nan  # adjusted in suppress(), over the rows that are shown
    out["test"] = "paired" if paired else "welch"
    out["suppressed"] = suppressed
    return suppress(out[[*by, *CHANGE_COLUMNS]], min_n, family=family)


_UNSUPPRESSED = ("n_baseline", "n_followup", "test", "suppressed")


def reverse_change(comparison: pd.DataFrame) -> pd.DataFrame:
    """A :func:`compare_waves` table read the other way: the change from its follow-up back to its baseline.

    Every test and interval of a comparison is antisymmetric in the two waves: the counts and means swap,
    ``diff``, ``T`` and Hedges' g change sign, each confidence interval is mirrored, and ``dof``, ``mdc`` and
    the p-values (two-sided; FDR and Holm over the same family) stay. So the change between two waves against
    time order is one of the other order, turned round (the explorer's "from" a later wave).

    Examples
    --------
    From 4.5 back to 3.5: R's ``t.test(c(3, 3.5, 4), c(4, 4.5, 5))`` gives -1, CI [-2.1335; 0.1335], p = 0.0705.

    >>> d = pd.DataFrame({"wave": ["baseline"] * 3 + ["followup"] * 3, "respondent_id": list("abcdef"),
    ...                   "score": [3.0, 3.5, 4.0, 4.0, 4.5, 5.0]})
    >>> forward = compare_waves(d, "score", by=[], min_n=None)
    >>> back = reverse_change(forward)
    >>> back[["n_baseline", "mean_baseline", "diff", "diff_ci_low", "diff_ci_high", "p_val"]].round(4)
       n_baseline  mean_baseline  diff  diff_ci_low  diff_ci_high   p_val
    0           3            4.5  -1.0      -2.1335        0.1335  0.0705
    """
    out = comparison.copy()
    for a, b in (("n_baseline", "n_followup"), ("mean_baseline", "mean_followup")):
        out[a], out[b] = comparison[b], comparison[a]
    for col in ("diff", "T", "hedges"):
        out[col] = -comparison[col]
    for low, high in (("diff_ci_low", "diff_ci_high"), ("hedges_ci_low", "hedges_ci_high")):
        out[low], out[high] = -comparison[high], -comparison[low]
    return out


def suppress(comparison: pd.DataFrame, min_n: int | None,
             family: str | Iterable[str] | None = None) -> pd.DataFrame:
    """A :func:`compare_waves` table with the threshold ``min_n`` applied, and p adjusted again.

    A row with fewer than ``min_n`` subjects in either wave (or an empty wave) is flagged ``suppressed`` and
    loses every value but its n; ``p_fdr`` and ``p_holm`` are recomputed over the rows left (within each
    ``family``), since the family of tests shrinks. ``compare_waves`` ends with this call, so
    ``suppress(compare_waves(..., min_n=None), 10)`` equals ``compare_waves(..., min_n=10)`` without a new
    pass over the data: an interactive ``min_n`` control needs no recomputation. Rows already suppressed
    stay so (a smaller ``min_n`` cannot restore values); returns a new table.
    """
    check_min_n(min_n)
    out = comparison.copy()
    n0, n1 = out["n_baseline"].to_numpy(), out["n_followup"].to_numpy()
    suppressed = out["suppressed"].to_numpy(bool) | (n0 == 0) | (n1 == 0)
    if min_n:
        suppressed |= (n0 < min_n) | (n1 < min_n)
    values = [c for c in CHANGE_COLUMNS if c not in _UNSUPPRESSED and c in out.columns]
    for column in values:  # float columns in numpy (cheaper than one .loc over all of them), others by .loc
        if out[column].dtype == np.float64:
            hidden = out[column].to_numpy(copy=True)
            hidden[suppressed] = np.nan
            out[column] = hidden
        else:
            out.loc[suppressed, column] = np.nan
    out["suppressed"] = suppressed
    families = [family] if isinstance(family, str) else list(family or [])
    for column, method in (("p_fdr", "fdr_bh"), ("p_holm", "holm")):
        if families:
            out[column] = out.groupby(families, observed=True, sort=False)["p_val"].transform(adjust_pvalues,
                                                                                            method=method)
        else:
            out[column] = adjust_pvalues(out["p_val"], method=method)
    return out


def did(
    data: pd.DataFrame,
    dv: str,
    arm: str = "arm",
    kommune: str = "kommune",
    wave: str = "wave",
    baseline: object = "baseline",
    followup: object = "followup",
    group: str = "group",
    target: str = "target",
    subject: str = "respondent_id",
    intervention: object = "intervention",
    n_permutations: int = 999,
    seed: int | None = 0,
    ties: Iterable[tuple[object, object]] | None = None,
    unit: str = "respondent",
) -> pd.DataFrame:
    """Difference-in-differences of intervention versus control kommuner, follow-up versus baseline.

    Parameters
    ----------
    data : DataFrame
        Respondent-level or respondent x target scores with ``dv``, ``arm``, ``kommune``, ``wave``
        and ``subject``; ``group`` (rater group) and ``target`` are used when present.
    dv : str
        Score column.
    arm : str
        Column with the arm of the kommune; ``intervention`` marks intervention kommuner, every
        other value is control. The arm must be constant within a kommune.
    kommune, wave, group, target, subject : str
        Column names.
    baseline, followup : value
        The two waves compared; other waves are ignored.
    intervention : value
        Value of ``arm`` for intervention kommuner.
    n_permutations : int
        Number of random arm shuffles for ``p_perm`` (0: no permutation test). When the number of
        distinct assignments is not larger, all of them are enumerated instead (exact test).
    seed : int or None
        Seed of the shuffles.
    ties : list of (group, target), optional
        Restrict to these directed ties (needs ``group`` and ``target``).
    unit : {"respondent", "tie"}
        Row of the model. ``"respondent"`` (default): one value per respondent and wave, the mean
        over the respondent's (selected) ties, with rater group as fixed effect. ``"tie"``: one row
        per respondent and target, with rater and target group as fixed effects; see Notes.

    Returns
    -------
    DataFrame
        One row:

        - ``estimate``, ``se``: the followup x intervention interaction of the mixed model (REML) and
          its standard error.
        - ``df``: Satterthwaite degrees of freedom of ``estimate`` (:func:`relkap.mixed.satterthwaite`),
          at most the between-kommune df J - 2 (:func:`relkap.mixed.between_df`): when the kommune x
          wave variance is estimated at zero, lmerTest's df approach the number of respondents and its
          p would test the arms against respondent noise; ``df_satterthwaite`` keeps lmerTest's value and
          ``method`` says which was used (``"satterthwaite"`` or ``"satterthwaite_between"``).
        - ``ci_low``, ``ci_high``, ``p_val``: 95% CI and two-sided p of the t test on ``df``.
        - ``estimate_perm``: the permutation estimator, mean change of intervention kommuner minus
          mean change of control kommuner (kommune change = follow-up mean minus baseline mean of
          the respondent means).
        - ``ci_low_perm``, ``ci_high_perm``: Welch 95% CI of ``estimate_perm`` over the kommune changes
          (NaN with fewer than two kommuner in an arm).
        - ``p_perm``: two-sided permutation p of ``estimate_perm`` over kommuner.
        - ``n_kommuner``, ``n_intervention``: kommuner in the model, of them intervention.
        - ``n_obs``: rows in the model.
        - ``converged``: whether the mixed model converged.

    Notes
    -----
    Rows are first averaged to one value per kommune, wave, subject, rater group and (with
    ``unit="tie"``) target group. The linear mixed model (REML, :func:`relkap.mixed.fit_reml`) is

    .. math::

        y = \\beta_0 + \\beta_1 \\text{post} + \\beta_2 \\text{intervention}
            + \\beta_3 \\text{post} \\times \\text{intervention}
            + \\text{C(group)} + \\text{C(target)}
            + u_{\\text{kommune}} + v_{\\text{kommune} \\times \\text{wave}} + r_{\\text{respondent}}
            (+ s_{\\text{respondent} \\times \\text{wave}}) + \\varepsilon

    with independent normal random intercepts, all nested in the kommune, and ``estimate`` is
    :math:`\\beta_3`. The kommune x wave intercept carries the kommune's own change, the variation the
    arms are compared against: without it the interaction is tested against respondent noise, as if the
    respondents and not the kommuner had been assigned. The respondent intercept enters when ids link
    the waves (a respondent seen in both waves is one person, not two); with ``unit="tie"`` the ties
    of one answer sheet share the respondent x wave intercept. Its p is the t test on Satterthwaite df,
    as R's ``lmerTest`` for ``lmer(y ~ post * intervention + group + (1 | kommune) + (1 | kommune:wave)
    + (1 | respondent))``. A group or target term that would make the design singular (a single level,
    or target fixed by group as with ``ties=[("a", "b"), ("b", "a")]``) is left out; C(target)
    enters only with ``unit="tie"``.

    ``p_perm`` is the headline: it holds with any number of kommuner and any distribution, while the
    model's df are an approximation that rests on its normal random effects. Report ``p_perm`` and the
    model's estimate with its CI; with fewer than about 8 kommuner neither test has much power.

    The permutation test shuffles the arm labels across the kommuner observed in both waves (the
    number of intervention kommuner held fixed) and recomputes ``estimate_perm``.
    p = (1 + #{|shuffled| >= |observed|}) / (1 + B) for B random shuffles, or the share of all
    assignments with |estimate| >= |observed| when they are enumerated.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from relkap.change import did
    >>> rng = np.random.default_rng(1)
    >>> rows = [(k, w, f"{k}-{w}-{i}", 3.5 + 0.3 * (k % 2) + 0.6 * (k < 4) * (w == "followup")
    ...          + rng.normal(0, 0.4))
    ...         for k in range(8) for w in ["baseline", "followup"] for i in range(15)]
    >>> df = pd.DataFrame(rows, columns=["kommune", "wave", "respondent_id", "score"])
    >>> df["arm"] = np.where(df["kommune"] < 4, "intervention", "control")
    >>> out = did(df, dv="score")
    >>> out[["estimate", "p_perm", "n_kommuner", "n_obs"]].round(3)
       estimate  p_perm  n_kommuner  n_obs
    0     0.551   0.029           8    240
    """
    check_columns(data, [dv, arm, kommune, wave, subject])
    check_numeric(data, dv)
    check_count("n_permutations", n_permutations)
    check_choice("unit", unit, ("respondent", "tie"))
    fixed = [c for c in (group, target)[: 2 if unit == "tie" else 1] if c in data.columns]
    d = data
    if ties is not None:
        check_columns(data, [group, target])
        wanted = pd.MultiIndex.from_tuples([tuple(t) for t in ties])
        d = d[pd.MultiIndex.from_frame(d[[group, target]]).isin(wanted)]
    if d[[arm, kommune]].isna().any(axis=None):
        raise ValueError(f"every row needs a '{kommune}' and an '{arm}'")
    arms = d.groupby(kommune, observed=True)[arm].nunique()
    if (arms > 1).any():
        bad = ", ".join(str(k) for k in arms.index[arms > 1])
        raise ValueError(f"'{arm}' must be constant within a kommune; it is not in {bad}")
    subj = _subject_means(d, dv, [kommune, arm, *fixed], wave, baseline, followup, [subject])
    subj["_treat"] = (subj[arm] == intervention).to_numpy().astype(np.int8)
    n_treated = subj.groupby(kommune, observed=True)["_treat"].first()
    if n_treated.sum() == 0 or n_treated.sum() == len(n_treated):
        raise ValueError(
            f"did needs intervention ('{arm}' == {intervention!r}) and control kommuner in the data"
        )

    post = subj[_POST].to_numpy(float)
    treat = subj["_treat"].to_numpy(float)
    exog = pd.DataFrame(
        {"const": 1.0, "post": post, "treat": treat, "post:treat": post * treat}, index=subj.index
    )
    for col in fixed:
        dummies = pd.get_dummies(subj[col].astype(str), prefix=col, drop_first=True, dtype=float)
        candidate = pd.concat([exog, dummies], axis=1)
        # A term collinear with the others (target given by group, as with a single pair of ties)
        # is left out: it would make the fixed-effects design singular.
        if np.linalg.matrix_rank(candidate.to_numpy()) == candidate.shape[1]:
            exog = candidate
    # Random intercepts, all nested in the kommune: kommune, kommune x wave, the respondent when ids link
    # the waves, and with unit="tie" the respondent's answer sheet (respondent x wave).
    komm = subj[kommune].astype(str).to_numpy()
    post_label = subj[_POST].astype(str).to_numpy()
    sheet = komm + "\x1f" + subj[subject].astype(str).to_numpy()
    components = {"kommune:wave": komm + "\x1f" + post_label}
    if unit == "tie":
        components["respondent:wave"] = sheet + "\x1f" + post_label
    if pd.Series(post_label).groupby(sheet).nunique().gt(1).any():
        components["respondent"] = sheet
    fit = mixed.fit_nested(subj[dv].to_numpy(float), exog, komm, components)
    tests = mixed.satterthwaite(fit)
    # The interaction lives on kommune x wave: its df never exceed those of the kommune changes (J - 2),
    # also when the kommune x wave variance is estimated at zero (a boundary fit).
    _, df_max = mixed.between_df(exog, components["kommune:wave"], outer=komm)
    bounded = mixed.bound_df(tests, ["post:treat"], df_max)
    row, raw = bounded.set_index("term").loc["post:treat"], tests.set_index("term").loc["post:treat"]

    # Permutation estimator on kommune-level changes of respondent means (one value per respondent).
    resp = subj.groupby([kommune, _POST, subject], observed=True)[dv].mean()
    means = resp.groupby(level=[kommune, _POST], observed=True).mean().unstack(_POST)
    means = means.reindex(columns=[0, 1])
    change = (means[1] - means[0]).dropna()  # kommuner seen in both waves
    treated = n_treated.reindex(change.index).to_numpy().astype(bool)
    estimate_perm = change[treated].mean() - change[~treated].mean()
    p_perm = permutation.permutation_p(change.to_numpy(float), treated, estimate_perm, n_permutations, seed)
    x, y = change[treated].to_numpy(float), change[~treated].to_numpy(float)
    ci_perm = (stats.ttest_ind(x, y, equal_var=False).confidence_interval(0.95) if min(len(x), len(y)) >= 2
               else (np.nan, np.nan))
    return pd.DataFrame(
        {
            "estimate": [float(row["estimate"])],
            "se": [float(row["se"])],
            "df": [float(row["df"])],
            "df_satterthwaite": [float(raw["df"])],
            "method": [str(row["method"])],
            "ci_low": [float(row["ci_low"])],
            "ci_high": [float(row["ci_high"])],
            "p_val": [float(row["p_val"])],
            "estimate_perm": [float(estimate_perm)],
            "ci_low_perm": [float(ci_perm[0])],
            "ci_high_perm": [float(ci_perm[1])],
            "p_perm": [p_perm],
            "n_kommuner": [len(n_treated)],
            "n_intervention": [int(n_treated.sum())],
            "n_obs": [len(exog)],
            "converged": [bool(fit.converged)],
        }
    )
