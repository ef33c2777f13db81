"""Within-unit agreement and reliability: ICC(1)/ICC(2), r_wg, r_wg(j) and Cronbach's alpha.

The aggregation statistics follow Bliese (2000) and give the same numbers as the R package
``multilevel`` (``ICC1``, ``ICC2``, ``rwg``, ``rwg.j``). ``pingouin.intraclass_corr`` is not used: it
needs a balanced rater design, and survey units (kommuner, groups) have unequal sizes.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats

from .checks import as_list, check_choice, check_columns, check_numeric

__all__ = ["icc", "rwg", "rwg_j", "alpha"]


def _null_variance(options: int) -> float:
    """Variance of the uniform null distribution over ``options`` answer options: (A^2 - 1) / 12."""
    if isinstance(options, bool) or not isinstance(options, int | np.integer) or options < 2:
        raise ValueError(f"options must be an integer of at least 2, got {options!r}")
    return (options**2 - 1) / 12


def icc(data: pd.DataFrame, dv: str, group: str | Iterable[str], k: str = "mean") -> pd.DataFrame:
    """ICC(1) and ICC(2) of ``dv`` within ``group`` from a one-way ANOVA (Bliese 2000).

    Parameters
    ----------
    data : DataFrame
        Long format, one row per individual (e.g. respondent).
    dv : str
        Column with the individual score.
    group : str or list of str
        Column(s) naming the unit (e.g. ``"kommune"``, or ``["kommune", "group"]``).
    k : {"mean", "k0"}
        Group size used in ICC(1). ``"mean"`` is N / J, as R ``multilevel::ICC1``; ``"k0"`` is the
        correction for unequal group sizes, k0 = (N - sum n_j^2 / N) / (J - 1).

    Returns
    -------
    DataFrame
        One row: ``MSB`` and ``MSW`` (mean squares between and within units), ``F``, ``df1`` = J - 1,
        ``df2`` = N - J, ``p_val`` (of F), ``k`` (the group size used), ``ICC1``, ``ICC2``.

    Notes
    -----
    Rows with a missing ``dv`` or group are dropped. With N individuals in J units:

    .. math::

        ICC(1) = \\frac{MSB - MSW}{MSB + (k - 1) MSW}, \\qquad ICC(2) = \\frac{MSB - MSW}{MSB}

    ICC(1) is the share of individual variance explained by the unit; ICC(2) is the reliability of
    the unit means. Both may be negative (MSB < MSW) and are not clipped.

    References
    ----------
    Bliese, P. D. (2000). Within-group agreement, non-independence, and reliability. In K. J. Klein &
    S. W. J. Kozlowski (Eds.), *Multilevel theory, research, and methods in organizations*, 349-381.

    Examples
    --------
    >>> import pandas as pd
    >>> from relkap.agreement import icc
    >>> df = pd.DataFrame({"unit": list("AAAABBBBBCCC"),
    ...                    "score": [3, 4, 4, 5, 2, 2, 3, 3, 3, 1, 2, 2]})
    >>> icc(df, dv="score", group="unit").round(4)
       MSB     MSW        F  df1  df2   p_val    k    ICC1    ICC2
    0  4.9  0.4296  11.4052    2    9  0.0034  4.0  0.7223  0.9123
    """
    group = as_list(group)
    check_columns(data, [dv, *group])
    check_numeric(data, dv)
    check_choice("k", k, ("mean", "k0"))
    d = data[[*group, dv]].dropna()
    # Centre first so that a constant added to every score cannot change the result by rounding.
    x = d[dv].to_numpy(float) - d[dv].mean()
    codes = d.groupby(group, observed=True, sort=False).ngroup().to_numpy()
    n_j = np.bincount(codes)
    n_total, n_groups = len(x), len(n_j)
    if n_groups < 2 or n_total <= n_groups:
        raise ValueError(
            f"icc needs at least 2 units and more individuals than units; got {n_total} valid "
            f"'{dv}' values in {n_groups} units"
        )
    mean_j = np.bincount(codes, weights=x) / n_j
    ssb = np.sum(n_j * (mean_j - x.mean()) ** 2)
    ssw = np.sum((x - mean_j[codes]) ** 2)
    if ssb <= 1e-12 * (ssb + ssw):  # unit means equal but for rounding: exactly 0, whatever constant was added
        ssb = 0.0
    df1, df2 = n_groups - 1, n_total - n_groups
    msb, msw = ssb / df1, ssw / df2
    if k == "mean":
        k_used = n_total / n_groups
    else:
        k_used = (n_total - np.sum(n_j**2) / n_total) / (n_groups - 1)
    with np.errstate(divide="ignore", invalid="ignore"):  # no variance at all: NaN, not an error
        f_stat = msb / msw
        icc1 = (msb - msw) / (msb + (k_used - 1) * msw)
        icc2 = (msb - msw) / msb
    return pd.DataFrame(
        {
            "MSB": [float(msb)],
            "MSW": [float(msw)],
            "F": [float(f_stat)],
            "df1": [df1],
            "df2": [df2],
            "p_val": [stats.f.sf(f_stat, df1, df2)],
            "k": [float(k_used)],
            "ICC1": [float(icc1)],
            "ICC2": [float(icc2)],
        }
    )


def _agreement_table(
    data: pd.DataFrame, items: list[str], group: list[str], options: int, name: str
) -> pd.DataFrame:
    """Shared body of :func:`rwg` and :func:`rwg_j`: listwise deletion, per-unit item variances."""
    check_columns(data, [*items, *group])
    check_numeric(data, items)
    if not items:
        raise ValueError("at least one item column is needed")
    null_var = _null_variance(options)
    d = data[[*group, *items]].dropna()  # listwise, as R's na.exclude in multilevel::rwg.j
    grouped = d.groupby(group, observed=True)
    out = grouped.size().rename("n").to_frame()
    # Mean of the item variances relative to the null variance (S2 / sigma2_EU).
    ratio = grouped[items].var(ddof=1).mean(axis=1, skipna=False) / null_var
    n_items = len(items)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = n_items * (1 - ratio) / (n_items * (1 - ratio) + ratio)
    # Truncation as multilevel: more variance than the null distribution means no agreement.
    out[name] = value.where(~(ratio > 1), 0.0).where(out["n"] >= 2)
    return out.reset_index()


def rwg(
    data: pd.DataFrame, item: str, group: str | Iterable[str], options: int = 5
) -> pd.DataFrame:
    """Within-group agreement r_wg on a single item (James, Demaree & Wolf 1984).

    Parameters
    ----------
    data : DataFrame
        One row per rater, with the item score in column ``item``.
    item : str
        Column with the item score.
    group : str or list of str
        Column(s) naming the unit whose raters should agree.
    options : int
        Number of answer options A (5 for a 1-5 scale); sets the uniform null variance.

    Returns
    -------
    DataFrame
        One row per unit: the ``group`` column(s), ``n`` (raters with a valid score) and ``rwg``
        (NaN with fewer than 2 raters).

    Notes
    -----
    With S2 the observed variance of the item within the unit (ddof 1) and the uniform null variance
    :math:`\\sigma^2_{EU} = (A^2 - 1)/12` (2 for A = 5):

    .. math:: r_{wg} = 1 - S^2 / \\sigma^2_{EU}

    set to 0 when :math:`S^2 > \\sigma^2_{EU}`, as R ``multilevel::rwg``.

    Examples
    --------
    >>> import pandas as pd
    >>> from relkap.agreement import rwg
    >>> df = pd.DataFrame({"unit": ["a"] * 4, "i1": [4, 5, 4, 3]})
    >>> rwg(df, item="i1", group="unit").round(4)
      unit  n     rwg
    0    a  4  0.6667
    """
    if not isinstance(item, str):
        raise ValueError(f"item must be one column name, got {item!r}; use rwg_j for several items")
    return _agreement_table(data, [item], as_list(group), options, "rwg")


def rwg_j(
    data: pd.DataFrame, items: Iterable[str], group: str | Iterable[str], options: int = 5
) -> pd.DataFrame:
    """Within-group agreement r_wg(j) on a scale of J parallel items (James, Demaree & Wolf 1984).

    Parameters
    ----------
    data : DataFrame
        Wide format: one row per rater, one column per item. A long table (one row per rater and
        item) is first pivoted, e.g. ``long.pivot(index=["group", "respondent_id"], columns="item",
        values="score").reset_index()``.
    items : list of str
        Item columns of the scale.
    group : str or list of str
        Column(s) naming the unit whose raters should agree.
    options : int
        Number of answer options A; sets the uniform null variance.

    Returns
    -------
    DataFrame
        One row per unit: the ``group`` column(s), ``n`` (raters with every item valid) and ``rwg_j``
        (NaN with fewer than 2 raters).

    Notes
    -----
    Raters with a missing item are dropped (listwise, as R ``multilevel::rwg.j``). With
    :math:`\\bar S^2` the mean of the J item variances within the unit (ddof 1) and
    :math:`\\sigma^2_{EU} = (A^2 - 1)/12`:

    .. math::

        r_{wg(j)} = \\frac{J (1 - \\bar S^2 / \\sigma^2_{EU})}
                         {J (1 - \\bar S^2 / \\sigma^2_{EU}) + \\bar S^2 / \\sigma^2_{EU}}

    set to 0 when :math:`\\bar S^2 > \\sigma^2_{EU}` (the formula is not meaningful there).

    Examples
    --------
    >>> import pandas as pd
    >>> from relkap.agreement import rwg_j
    >>> df = pd.DataFrame({"unit": ["a"] * 4, "i1": [4, 5, 4, 3], "i2": [4, 4, 5, 4],
    ...                    "i3": [5, 5, 4, 4]})
    >>> rwg_j(df, items=["i1", "i2", "i3"], group="unit").round(4)
      unit  n   rwg_j
    0    a  4  0.9194
    """
    return _agreement_table(data, as_list(items), as_list(group), options, "rwg_j")


def _cronbach(wide: np.ndarray, nan_policy: str) -> tuple[int, int, float, float, float]:
    """n, k, alpha and its 95% Feldt CI for a subjects x items array (NaN = missing)."""
    wide = wide[:, ~np.all(np.isnan(wide), axis=0)]
    wide = wide[~np.all(np.isnan(wide), axis=1)]
    if nan_policy == "listwise":
        wide = wide[~np.any(np.isnan(wide), axis=1)]
    n, k = wide.shape
    if n < 2 or k < 2:
        return n, k, np.nan, np.nan, np.nan
    cov = pd.DataFrame(wide).cov().to_numpy()  # pairwise complete, as pingouin
    a = k / (k - 1) * (1 - np.trace(cov) / cov.sum())
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1 - (1 - a) * stats.f.isf(0.025, df1, df2)
    high = 1 - (1 - a) * stats.f.isf(0.975, df1, df2)
    return n, k, a, low, high


def alpha(
    data: pd.DataFrame,
    items: Iterable[str] | None = None,
    by: str | Iterable[str] | None = None,
    subject: str | Iterable[str] = "respondent_id",
    item: str = "item",
    score: str = "score",
    nan_policy: str = "pairwise",
) -> pd.DataFrame:
    """Cronbach's alpha with a 95% confidence interval, per ``by`` cell, from long data.

    Parameters
    ----------
    data : DataFrame
        Long format: one row per subject and item (e.g. the ``scales`` table).
    items : list, optional
        Item codes (values of ``item``) that form the scale. Default: every item in the cell.
    by : str or list of str, optional
        Columns defining the cells (e.g. ``["scale", "wave"]``). Default: one cell.
    subject : str or list of str
        Column(s) identifying a subject, the row of the subjects x items matrix. For the relational
        matrix, ``["respondent_id", "target"]`` stacks respondent x target rows: that alpha is
        descriptive only, because rows of one respondent are not independent.
    item, score : str
        Columns with the item code and the score.
    nan_policy : {"pairwise", "listwise"}
        Item covariances from pairwise complete observations (as pingouin's default) or only from
        subjects with every item.

    Returns
    -------
    DataFrame
        One row per cell: the ``by`` columns, ``n`` (subjects with at least one valid item, or with
        all items under ``"listwise"``), ``k`` (items with at least one valid score), ``alpha``,
        ``ci_low``, ``ci_high``. alpha is NaN with fewer than 2 subjects or 2 items.

    Notes
    -----
    With C the k x k item covariance matrix:

    .. math:: \\alpha = \\frac{k}{k - 1} \\left(1 - \\frac{\\operatorname{tr} C}{\\sum C}\\right)

    and Feldt's CI: :math:`1 - (1 - \\alpha) F_{0.975/0.025}(n - 1, (n - 1)(k - 1))`. Same numbers as
    ``pingouin.cronbach_alpha`` (which rounds its CI to 3 decimals; here it is not rounded).

    References
    ----------
    Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical inference for coefficient
    alpha. *Applied Psychological Measurement*, 11(1), 93-103.

    Examples
    --------
    >>> import pandas as pd
    >>> from relkap.agreement import alpha
    >>> wide = pd.DataFrame({"respondent_id": list("abcdef"), "v1": [1, 2, 3, 4, 5, 3],
    ...                      "v2": [2, 2, 3, 5, 4, 3], "v3": [1, 3, 3, 4, 5, 2]})
    >>> long = wide.melt(id_vars="respondent_id", var_name="item", value_name="score")
    >>> alpha(long).round(3)
       n  k  alpha  ci_low  ci_high
    0  6  3  0.932   0.711     0.99
    """
    by, subject = as_list(by), as_list(subject)
    check_columns(data, [*by, *subject, item, score])
    check_numeric(data, score)
    check_choice("nan_policy", nan_policy, ("pairwise", "listwise"))
    d = data[[*by, *subject, item, score]]
    if items is not None:
        d = d[d[item].isin(list(items))]
    dup = d.duplicated([*by, *subject, item])
    if dup.any():
        raise ValueError(
            f"{int(dup.sum())} rows repeat a subject and item within a cell; give the columns that "
            f"identify a subject in `subject` (now {subject}) or the cells in `by` (now {by})"
        )
    rows = []
    # each cell's subjects x items matrix, rows and columns in sorted order (as DataFrame.pivot gives them),
    # from codes computed once for the whole table
    subj = np.zeros(len(d), dtype=np.int64)
    for column in subject:  # lexicographic over the subject columns
        codes, uniques = pd.factorize(d[column], sort=True)
        subj = subj * (len(uniques) + 1) + codes
    item_codes = pd.factorize(d[item], sort=True)[0]
    values = d[score].to_numpy(dtype=float, na_value=np.nan)
    if by:
        groups = d.groupby(by, observed=True, sort=True)
        gid, keys = groups.ngroup().to_numpy(), groups.size().index
    else:
        gid, keys = np.zeros(len(d), dtype=np.int64), [()]
    order = np.argsort(gid, kind="stable")
    bounds = np.searchsorted(gid[order], np.arange(len(keys) + 1))
    for g, key in enumerate(keys):
        at = order[bounds[g]:bounds[g + 1]]
        row_ids, row = np.unique(subj[at], return_inverse=True)
        col_ids, col = np.unique(item_codes[at], return_inverse=True)
        wide = np.full((len(row_ids), len(col_ids)), np.nan)
        wide[row, col] = values[at]
        n, k, a, low, high = _cronbach(wide, nan_policy)
        key = key if isinstance(key, tuple) else (key,)
        rows.append((*key, n, k, a, low, high))
    return pd.DataFrame(rows, columns=[*by, "n", "k", "alpha", "ci_low", "ci_high"])
