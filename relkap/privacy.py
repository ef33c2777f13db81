"""Disclosure control for everything shared: suppression that survives arithmetic, and no small counts.

**The rule (one for every shared product):** a published number is computed only from cells that are
shown, and no set of published numbers, within one product or across the products of one run, determines
a hidden count or mean. Every product applies it the same way:

- *totals are sums of shown cells*: the kommune reports (HTML, PDF, ``summary.json``), the research report
  and its tables (:func:`shareable_tables`: the research analyses start from the same shown answers as the
  reports, so a research total minus the reports' totals is 0), the explorer and the benchmark;
- *linked counts are hidden together*: counts that bound each other (an interview theme's mentions,
  strength and problem counts; a group's answers and its number invited) are hidden as a block as soon as
  one of them is (:func:`linked_hidden`), and a share is not printed where it would give a hidden count
  back (share x interviews = mentions);
- *an order statistic of other kommuner is never a single kommune's value*: a quantile at an integer
  position is the midpoint of its two neighbours (:func:`relkap.benchmark.distribution`), and the index page
  does not print the kommuner's values by name;
- *a hidden group is not named where its presence reveals a count* (a group without a shown count reads
  "<min_n", whatever its number invited, which is hidden with it);
- *no floor below* :data:`MIN_N_FLOOR` (the codebook's ``privacy: {min_n_floor: 5}``): a smaller ``min_n`` is
  refused (:func:`check_min_n`) unless an override names its reason, which the report's methods print.

What a kommune's reference group may receive is its share bundle (:mod:`relkap.share`): its report's HTML
and PDF, nothing else. Below, how the first clause is built: **published totals are computed without the
suppressed cells.**

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
every answer. The research analyses (relkap.research) start from the same shown answers
(:func:`shareable_tables`); a researcher may analyse all answers on their own machine
(``research.analyse(..., shared=False)``), never in a shared product.

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

import dataclasses
import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .errors import RelkapError
from .grouping import combine, dense_groups, factorize, levels_size

__all__ = ["COUNT_COLUMNS", "MIN_N_FLOOR", "mask_small_counts", "shareable", "shareable_rows", "shareable_levels",
           "shareable_tables", "hidden_groups", "with_hidden", "linked_hidden", "hidden_cells", "shown_cells",
           "check_min_n", "MinNError"]

COUNT_COLUMNS = ("n", "n_baseline", "n_followup")
MIN_N_FLOOR = 5  # the default floor under min_n (the codebook's privacy.min_n_floor)


class MinNError(RelkapError, ValueError):
    """A ``min_n`` below the codebook's floor without an override reason."""


def check_min_n(min_n: int, floor: int = MIN_N_FLOOR, reason: str | None = None) -> str | None:
    """Refuse a ``min_n`` below ``floor`` unless ``reason`` says why; return the reason to print.

    Parameters
    ----------
    min_n : int
        The threshold asked for.
    floor : int
        The smallest ``min_n`` allowed without a reason (the codebook's ``privacy.min_n_floor``).
    reason : str, optional
        Why a lower threshold is used (e.g. "internal test with consented respondents"); printed in the
        report's methods. Blank counts as none.

    Returns
    -------
    str or None
        The reason when ``min_n`` is below the floor (to be printed), else None.

    Raises
    ------
    MinNError
        ``min_n`` below ``floor`` and no reason, or ``min_n`` below 1.

    Examples
    --------
    >>> check_min_n(5) is None
    True
    >>> check_min_n(3, reason="pilot with consent")
    'pilot with consent'
    >>> check_min_n(3)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    relkap.privacy.MinNError: min_n 3 is below the codebook's floor 5 ...
    """
    if int(min_n) < 1:
        raise MinNError(f"min_n {min_n} must be at least 1")
    if int(min_n) >= int(floor):
        return None
    if reason and str(reason).strip():
        return str(reason).strip()
    raise MinNError(f"min_n {min_n} is below the codebook's floor {floor} (privacy: {{min_n_floor: {floor}}} in the"
                    f" codebook). Use min_n >= {floor}, or give the reason for a lower threshold"
                    ' (--min-n-override-reason "..." in the batch, min_n_override_reason in a notebook), which is'
                    " printed in the report's methods")


def linked_hidden(counts: pd.DataFrame, min_n: int, columns: Sequence[str]) -> pd.Series:
    """Per row: whether its linked counts are hidden together (one of ``columns`` is between 1 and ``min_n`` - 1).

    Counts that bound each other are a block: an interview theme's mentions M, strength S and problem P
    (every coded mention has a valence, so max(S, P) <= M <= S + P) pin a count printed "<3" when the others
    are exact. The block is hidden when any of its counts is small (0 is no one and may be shown).

    Examples
    --------
    >>> t = pd.DataFrame({"n_mention": [4, 6, 0], "n_strength": [2, 4, 0], "n_problem": [2, 3, 0]})
    >>> linked_hidden(t, 3, ["n_mention", "n_strength", "n_problem"]).tolist()
    [True, False, False]
    """
    small = pd.Series(False, index=counts.index)
    for c in columns:
        v = pd.to_numeric(counts[c], errors="coerce")
        small |= (v > 0) & (v < min_n)
    return small


def hidden_cells(table: pd.DataFrame, min_n: int) -> pd.Series:
    """Per row of a table of cells (a tie, dimension or scale, in one wave or compared between two): whether
    it is hidden. **The one rule for showing a relation**, used by the dialogue, the changes the report
    names and the interview tables alike: a cell is hidden when it is flagged ``suppressed`` or has fewer
    than ``min_n`` answers in any of its count columns (``n``, or ``n_baseline`` and ``n_followup`` of a
    comparison, so a change is shown only when both of its waves are). A missing flag or count does not
    hide by itself. The heat maps draw the flag of the tables they are given, which the report's tables
    set by this same threshold (:func:`relkap.scoring.tie_scores`), so they show the same cells.

    Examples
    --------
    >>> t = pd.DataFrame({"n": [5, 4, 9], "mean": [3.0, 2.0, None], "suppressed": [False, False, True]})
    >>> hidden_cells(t, 5).tolist()
    [False, True, True]
    """
    hidden = pd.Series(False, index=table.index)
    if "suppressed" in table.columns:
        hidden |= table["suppressed"].map(lambda x: False if x is None or x != x else bool(x)).astype(bool)
    for c in ("n", "n_baseline", "n_followup"):
        if c in table.columns:
            hidden |= (pd.to_numeric(table[c], errors="coerce") < min_n).fillna(False).astype(bool)
    return hidden


def shown_cells(table: pd.DataFrame, min_n: int, value: str = "mean") -> pd.Series:
    """Per row: whether its ``value`` is shown: not :func:`hidden_cells` and not missing.

    Examples
    --------
    >>> t = pd.DataFrame({"n": [5, 4, 9], "mean": [3.0, 2.0, None], "suppressed": False})
    >>> shown_cells(t, 5).tolist()
    [True, False, False]
    """
    return ~hidden_cells(table, min_n) & pd.to_numeric(table[value], errors="coerce").notna()


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


def _cells(table: pd.DataFrame, cols: Sequence[str]) -> np.ndarray:
    """Dense code of every row's combination of ``cols`` (-1 where one of them is missing)."""
    codes, levels = zip(*(factorize(table[c], sort=False) for c in cols), strict=True)
    return _dense(codes, [levels_size(v) for v in levels])


def _dense(codes: Sequence[np.ndarray], sizes: Sequence[int]) -> np.ndarray:
    """Dense code (0..G-1) of the combination of several code arrays; -1 where any code is -1."""
    present = np.ones(len(codes[0]), dtype=bool)
    for c in codes:
        present &= c >= 0
    dense = np.full(len(present), -1, dtype=np.int64)
    if present.all():
        key = combine(codes, sizes, len(present))
    else:
        key = combine([c[present] for c in codes], sizes, int(present.sum()))
    dense[present] = dense_groups(key, math.prod(max(s, 1) for s in sizes))[0]
    return dense


def _size(codes: np.ndarray) -> int:
    return int(codes.max(initial=-1)) + 1


def _parent(child: np.ndarray, parent: np.ndarray) -> np.ndarray:
    """For each child code (rows with ``child`` >= 0), its parent code (the same on all its rows)."""
    valid = child >= 0
    out = np.zeros(_size(child), dtype=np.int64)
    out[child[valid]] = parent[valid]
    return out


def _raters(child: np.ndarray, parent_of: np.ndarray, n_parents: int, rows: np.ndarray,
            least: int) -> np.ndarray:
    """Per parent cell: its children (respondents in a cell) with at least ``least`` of ``rows``."""
    counts = np.bincount(child[rows], minlength=len(parent_of))
    return np.bincount(parent_of, weights=counts >= least, minlength=n_parents)


def _small(cell: np.ndarray, raters: np.ndarray, min_n: int) -> np.ndarray:
    """Per row: whether its cell has fewer than ``min_n`` raters (a row without a cell has none)."""
    return np.where(cell >= 0, raters[np.maximum(cell, 0)] if len(raters) else 0, 0) < min_n


def shareable_rows(table: pd.DataFrame, min_n: int, by: Sequence[str] = ("kommune", "wave", "group"), *,
                   respondent: str = "respondent_id", min_items: int | None = 4) -> np.ndarray:
    """Per row of ``table``: whether :func:`shareable` keeps it (a boolean array, same arguments).

    For callers that keep their own table and need the rule as a mask, e.g. the explorer, which sets the
    removed answers missing instead of dropping them. Every cell is a combination of ``by``, so one call
    over all kommuner gives each kommune's rows as a call on that kommune alone would.

    Examples
    --------
    >>> rel = pd.DataFrame({"kommune": 1, "wave": "b", "respondent_id": [f"r{i}" for i in range(8)],
    ...                     "group": ["skole"] * 6 + ["ledere"] * 2})
    >>> shareable_rows(rel, 5).tolist()
    [True, True, True, True, True, True, False, False]
    """
    cells = _Cells(table, by, respondent, min_items)
    return cells.kept(min_n, cells.keep0.copy())


def shareable_levels(table: pd.DataFrame, max_n: int, by: Sequence[str] = ("kommune", "wave", "group"), *,
                     respondent: str = "respondent_id", min_items: int | None = 4) -> np.ndarray:
    """Per row of ``table``: the largest ``min_n`` up to ``max_n`` at which :func:`shareable` keeps it (0: none).

    ``shareable_levels(t, max_n) >= m`` equals ``shareable_rows(t, m)`` for every ``1 <= m <= max_n``: every
    threshold of a slider from one call. The rule only removes more as ``min_n`` grows (the rows kept at
    ``m`` are the largest set in which every cell has at least ``m`` raters; that set also has ``m - 1``),
    so the cells are peeled off as in a k-core decomposition: each threshold removes the rows of the cells
    now below it and only counts the raters those rows take away, until no cell is below it; every row and
    every cell is removed at most once over all thresholds.

    Examples
    --------
    >>> rel = pd.DataFrame({"kommune": 1, "wave": "b", "respondent_id": [f"r{i}" for i in range(8)],
    ...                     "group": ["skole"] * 6 + ["ledere"] * 2})
    >>> shareable_levels(rel, 10).tolist()
    [6, 6, 6, 6, 6, 6, 2, 2]
    """
    cells = _Cells(table, by, respondent, min_items)
    return cells.levels(int(max_n))


class _Cells:
    """The integer codes of the rule's cells (groups, ties, tie dimensions and their raters), made once."""

    def __init__(self, table: pd.DataFrame, by: Sequence[str], respondent: str, min_items: int | None):
        by = [c for c in by if c in table.columns]
        # integer codes once; every pass of the loop is then a few bincounts over the rows still kept
        self.group = group = _cells(table, by)
        who, who_levels = factorize(table[respondent], sort=False)
        self.person = person = _dense([group, who], [_size(group), levels_size(who_levels)])  # a respondent of a group
        self.person_group = _parent(person, group)
        self.relational = {"target", "item"} <= set(table.columns)
        if self.relational:
            target, t_levels = factorize(table["target"], sort=False)
            item, i_levels = factorize(table["item"], sort=False)
            n_t, n_i = levels_size(t_levels), levels_size(i_levels)
            self.tie = tie = _dense([group, target], [_size(group), n_t])
            self.dim = dim = _dense([tie, item], [_size(tie), n_i])
            self.rater = rater = _dense([person, target], [_size(person), n_t])  # a rater of a tie
            self.answer = answer = _dense([rater, item], [_size(rater), n_i])  # a rater of a tie dimension
            self.rater_tie, self.answer_dim = _parent(rater, tie), _parent(answer, dim)
            self.valid = table["score"].notna().to_numpy()
            # a rater scores a tie when they answered at least min_items of its items (scoring.respondent_scores)
            self.least = 1 if min_items is None else max(int(min_items), 1)
        self.keep0 = group >= 0  # a row without a group cell is in no shown group
        self.has_person = person >= 0
        if self.relational:
            self.has_rater, self.has_answer = self.rater >= 0, self.answer >= 0
            self.n_tie, self.n_dim = _size(self.tie), _size(self.dim)
        self.n_group = _size(group)

    def levels(self, max_n: int) -> np.ndarray:
        """:func:`shareable_levels`: the cells peeled off threshold by threshold."""
        kept = self.keep0.copy()
        level = np.where(kept, max_n, 0).astype(np.int16)
        # (cell code per row, raters per cell, per rater its count, rows counted, count that makes a rater)
        kinds = [[self.group, None, self.person, self.has_person, 1, self.person_group, self.n_group]]
        if self.relational:
            kinds += [[self.tie, None, self.rater, self.has_rater & self.valid, self.least, self.rater_tie, self.n_tie],
                      [self.dim, None, self.answer, self.has_answer & self.valid, 1, self.answer_dim, self.n_dim]]
        state = []
        for cell, _, unit, counted, least, parent, n_cells in kinds:
            per_unit = np.bincount(unit[kept & counted], minlength=len(parent))
            raters = np.bincount(parent, weights=per_unit >= least, minlength=n_cells).astype(np.int64)
            rows = np.flatnonzero(cell >= 0)
            order = rows[np.argsort(cell[rows], kind="stable")]
            ptr = np.concatenate([[0], np.cumsum(np.bincount(cell[rows], minlength=n_cells))])
            state.append((cell, unit, counted, least, parent, per_unit, raters, order, ptr,
                          np.zeros(n_cells, dtype=bool)))
        # a relational row without a tie or tie dimension cell is in no shown cell at any min_n >= 1
        pending = np.flatnonzero(kept & ((self.tie < 0) | (self.dim < 0))) if self.relational else np.empty(0, int)
        for m in range(1, max_n + 1):
            while True:
                parts = [pending]
                for _, _, _, _, _, _, raters, order, ptr, done in state:
                    new = np.flatnonzero(~done & (raters < m))
                    done[new] = True
                    parts += [order[ptr[c]:ptr[c + 1]] for c in new]
                drop = np.unique(np.concatenate(parts))
                drop = drop[kept[drop]]
                pending = np.empty(0, dtype=np.int64)
                if not len(drop):
                    break
                kept[drop] = False
                level[drop] = m - 1
                for _, unit, counted, least, parent, per_unit, raters, _, _, _ in state:
                    units, lost = np.unique(unit[drop[counted[drop]]], return_counts=True)
                    before = per_unit[units] >= least
                    per_unit[units] -= lost
                    gone = units[before & (per_unit[units] < least)]
                    np.subtract.at(raters, parent[gone], 1)
        return level

    def kept(self, min_n: int, keep: np.ndarray) -> np.ndarray:
        """The rows kept at ``min_n``, starting from ``keep`` (changed in place): cells below ``min_n``
        removed, repeated until nothing changes."""
        group, person = self.group, self.person
        while True:
            sizes = _raters(person, self.person_group, self.n_group, np.flatnonzero(keep & self.has_person), 1)
            drop = keep & _small(group, sizes, min_n)
            if self.relational and keep.any():
                answered = keep & self.valid
                raters = _raters(self.rater, self.rater_tie, self.n_tie,
                                 np.flatnonzero(answered & self.has_rater), self.least)
                drop |= keep & _small(self.tie, raters, min_n)
                raters = _raters(self.answer, self.answer_dim, self.n_dim,
                                 np.flatnonzero(answered & self.has_answer), 1)
                drop |= keep & _small(self.dim, raters, min_n)
            if not drop.any():
                return keep
            keep &= ~drop


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
    return table[shareable_rows(table, min_n, by, respondent=respondent, min_items=min_items)].reset_index(drop=True)


def shareable_tables(tables, min_n: int, *, min_items: int | None = 4):
    """``tables`` (a :class:`relkap.io.Tables`) with :func:`shareable` applied to ``relations`` and ``scales``.

    The one input of every shared number: the kommune reports (:func:`relkap.report.shared_tables`) and the
    research analyses (:func:`relkap.research.analyse`) both start here, so a research total equals the sum
    of the reports' totals and a difference of them reveals nothing. Citizens have no group and stay.
    """
    return dataclasses.replace(tables, relations=shareable(tables.relations, min_n, min_items=min_items),
                               scales=shareable(tables.scales, min_n, min_items=min_items))


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


_IDENTITY = ("diagonal", "test", "dimension", "instrument", "scale")  # columns that name a cell, not measure it


def with_hidden(shared: pd.DataFrame, full: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``shared`` with a suppressed row (no value, no count) for every ``keys`` cell only ``full`` has.

    A table computed from :func:`shareable` answers (e.g.
    :func:`relkap.report.tables.shared_tables`) lacks the hidden cells altogether; a heat map would draw them
    as "not asked". With these rows they read "n<min_n", as hidden cells do. Only the cells' existence comes
    from ``full``: every number stays that of ``shared``.

    Examples
    --------
    >>> full = pd.DataFrame({"group": ["a", "b"], "target": ["b", "a"], "n": [8, 3], "mean": [4.0, 2.0],
    ...                      "suppressed": [False, True]})
    >>> with_hidden(full.iloc[:1], full, ["group", "target"])
      group target    n  mean  suppressed
    0     a      b  8.0   4.0       False
    1     b      a  NaN   NaN        True
    """
    have = pd.MultiIndex.from_frame(shared[keys].astype(str))
    missing = full[~pd.MultiIndex.from_frame(full[keys].astype(str)).isin(have)]
    if missing.empty:
        return shared.reset_index(drop=True)
    rows = missing[keys].copy()
    for c in shared.columns:
        if c in keys:
            continue
        if c == "suppressed":
            rows[c] = True
        elif c in _IDENTITY and c in missing.columns:
            rows[c] = missing[c].to_numpy()  # what the cell is (own group, dimension), never a number of it
        elif c in _IDENTITY and shared[c].nunique() == 1:
            rows[c] = shared[c].iloc[0]  # the one value the whole table has (e.g. dimension "rk")
        else:
            rows[c] = np.nan
    shared = shared.astype({k: str for k in keys})
    rows = rows.astype({k: str for k in keys})
    return pd.concat([shared, rows[shared.columns]], ignore_index=True)
