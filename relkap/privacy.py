"""Disclosure control for shared tables: no count below ``min_n`` leaves the package exactly.

A suppressed cell already has no value (:func:`relkap.scoring.suppress_ties`, :func:`relkap.change.suppress`);
its count is masked here, so a table, the explorer and ``summary.json`` show "<min_n" (or ``null``) instead
of a small exact number.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

__all__ = ["COUNT_COLUMNS", "mask_small_counts"]

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
