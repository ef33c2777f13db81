"""Disclosure control for everything shared: suppression that survives arithmetic, and no small counts.

The rule: **published totals are computed without the suppressed cells.**

Suppressing a small cell is not enough when its total and its siblings are published: the cell is the
total minus the siblings. In Stevns, Ledere (4 baseline respondents) was hidden everywhere, yet the index
(n 56, mean 3.374182) minus the shown groups' n and means gave Ledere's n = 4 and mean 3.256. Statistical
offices answer with *secondary suppression* (hide one more cell in every sum that holds a hidden one) or
by computing the totals without the hidden cells. relkap does the second, because

- it hides nothing more: secondary suppression would blank a second group (or the kommune's own index),
  chosen by an optimiser, a different one in every table and every kommune, and every sum in every table
  (summary.json, the HTML, the CSV files, the explorer, a briefing) would have to be audited for it;
- it holds by construction: the hidden cells' answers are removed *before* any shared aggregate is
  computed, so every published number is a function of shown cells only. Changing a hidden cell's answers
  changes nothing that is published (the tests check exactly that), so no arithmetic on published numbers,
  however clever, can recover it;
- it is implemented once, as a filter on the tidy tables (:func:`shareable`), and every table, figure and
  summary downstream is computed from the filtered data with the functions it already uses.

The cost is stated in the report: the kommune's index and totals describe the shown groups and ties
("the index covers the groups with at least min_n answers"), so they differ slightly from an index over
every answer. Research analyses that are not shared (relkap.research) use all answers.

What :func:`shareable` removes, per kommune and wave, repeated until nothing changes (removing a cell can
make another one small):

1. **Groups**: every answer of the respondents of a group with fewer than ``min_n`` respondents (employee
   relations and employee scales). A hidden group then enters neither the index, the dimension rows, the
   scale rows, the reliability tables, the totals of respondents, nor the benchmark.
2. **Ties** (relations only): the answers about a target B by the raters of a shown group A when T(A->B)
   has fewer than ``min_n`` raters with a valid score (a large group of which only a few know B). Without
   this step a hidden tie would still be inside its raters' respondent index, and so inside the group's
   and the kommune's index. Received and perceived already leave hidden ties out; this makes the
   respondent-level index and the dimension rows do the same.
3. **Tie dimensions** (relations only): the answers on one item of a shown tie when fewer than ``min_n``
   raters gave a valid answer on it ("ved ikke" is missing), so a per-dimension heat map cell that is
   hidden is not inside the dimension's row either.

Citizens have no group: their table is one cell per kommune and wave, hidden as a whole below ``min_n`` by
the comparisons themselves.

Counts: no count below ``min_n`` leaves the package exactly (:func:`mask_small_counts`, and
:func:`relkap.fmt.count` writes "<min_n"). With the totals computed by :func:`shareable`, a total minus
the shown groups' counts is 0, so it reveals no small count either.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

__all__ = ["COUNT_COLUMNS", "mask_small_counts", "shareable", "hidden_groups"]

COUNT_COLUMNS = ("n", "n_baseline", "n_followup")


def mask_small_counts(df: pd.DataFrame, min_n: int, columns: Iterable[str] = COUNT_COLUMNS) -> pd.DataFrame:
    """``df`` with every count below ``min_n`` missing (``pd.NA``), in each of ``columns`` it has.

    Parameters
    ----------
    df : DataFrame
        A table with count columns, e.g. :func:`relkap.scoring.tie_scores` or
        :func:`relkap.change.compare_waves` output.
    min_n : int
        The smallest count that may be shown.
    columns : iterable of str
        The count columns; those ``df`` lacks are skipped.

    Returns
    -------
    DataFrame
        A copy of ``df`` whose count columns are nullable integers (``Int64``), missing where the count was
        below ``min_n``. Every other column is unchanged.

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["skole", "ppr"], "n": [12, 3], "mean": [3.9, None]})
    >>> mask_small_counts(t, 5)
       group     n  mean
    0  skole    12   3.9
    1    ppr  <NA>   NaN
    """
    out = df.copy()
    for c in columns:
        if c in out.columns:
            out[c] = out[c].astype("Int64").where(out[c] >= min_n)
    return out


def _group_sizes(table: pd.DataFrame, by: list[str], respondent: str) -> pd.Series:
    return table.groupby(by, observed=True)[respondent].transform("nunique")


def _small_cells(table: pd.DataFrame, keys: list[str], respondent: str, min_n: int,
                 min_items: int | None) -> pd.Series:
    """Per row: whether its cell (``keys``) has fewer than ``min_n`` raters with a valid score."""
    valid = table.dropna(subset=["score"])
    if min_items is not None:
        # a rater scores a tie when they answered at least min_items of its items (scoring.respondent_scores)
        per = valid.groupby([*keys, respondent], observed=True)["score"].size()
        per = per[per >= min_items].reset_index()
    else:
        per = valid[[*keys, respondent]].drop_duplicates()
    raters = per.groupby(keys, observed=True)[respondent].nunique().rename("_raters").reset_index()
    merged = table[keys].merge(raters, on=keys, how="left")
    return pd.Series(merged["_raters"].fillna(0).to_numpy() < min_n, index=table.index)


def shareable(table: pd.DataFrame, min_n: int, by: Sequence[str] = ("kommune", "wave", "group"), *,
              respondent: str = "respondent_id", min_items: int | None = 4) -> pd.DataFrame:
    """The rows of a tidy table that may enter a shared aggregate: hidden cells' answers removed.

    Parameters
    ----------
    table : DataFrame
        The tidy ``relations`` or ``scales`` table (``docs/contract.md``); any table with the ``by`` and
        ``respondent`` columns. A table with ``target`` and ``item`` columns (relations) is also filtered
        by tie and by tie dimension (see the module docstring).
    min_n : int
        The smallest number of respondents (raters) a shown cell has.
    by : sequence of str
        The group cell: its respondents are counted within each combination of these columns.
    respondent : str
        The respondent id column.
    min_items : int or None
        Valid items a rater needs for a tie score (the codebook's ``min_items``, default 4): a tie's raters
        are counted as :func:`relkap.scoring.tie_scores` counts them.

    Returns
    -------
    DataFrame
        The rows of ``table`` (same columns and dtypes, index reset) that belong to shown cells. Every
        aggregate of them is free of the hidden cells, so no hidden value can be derived from what is
        published. Applying it twice changes nothing.

    Examples
    --------
    >>> rel = pd.DataFrame({"kommune": 1, "wave": "b", "respondent_id": [f"r{i}" for i in range(8)],
    ...                     "group": ["skole"] * 6 + ["ledere"] * 2, "score": 4.0})
    >>> shareable(rel, 5)["group"].unique().tolist()
    ['skole']
    """
    by = [c for c in by if c in table.columns]
    relational = {"target", "item"} <= set(table.columns)
    tie = [*by, "target"]
    out = table
    while True:
        keep = _group_sizes(out, by, respondent) >= min_n
        if relational and len(out):
            keep &= ~_small_cells(out, tie, respondent, min_n, min_items)
            keep &= ~_small_cells(out, [*tie, "item"], respondent, min_n, None)
        if keep.all():
            return out.reset_index(drop=True)
        out = out[keep]


def hidden_groups(table: pd.DataFrame, min_n: int, by: Sequence[str] = ("kommune", "wave", "group"), *,
                  respondent: str = "respondent_id") -> pd.DataFrame:
    """The group cells with fewer than ``min_n`` respondents, for saying what is not shown (no counts).

    Returns
    -------
    DataFrame
        One row per hidden cell: the ``by`` columns only (a count below ``min_n`` is never returned).

    Examples
    --------
    >>> rel = pd.DataFrame({"kommune": 1, "wave": "b", "respondent_id": [f"r{i}" for i in range(8)],
    ...                     "group": ["skole"] * 6 + ["ledere"] * 2})
    >>> hidden_groups(rel, 5).to_dict("records")
    [{'kommune': 1, 'wave': 'b', 'group': 'ledere'}]
    """
    by = [c for c in by if c in table.columns]
    n = table.groupby(by, observed=True)[respondent].nunique()
    return n[n < min_n].reset_index()[by]
