"""What a shared product may show about small groups: counts below ``min_n`` are never printed exactly.

A value that describes fewer than ``min_n`` respondents is suppressed where it is computed
(:func:`relkap.scoring.tie_scores`, :func:`relkap.change.compare_waves`); this module hides the counts
themselves, so that "n = 3" cannot be read off a table, a summary or the explorer.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

__all__ = ["mask_small_counts"]


def mask_small_counts(df: pd.DataFrame, min_n: int,
                      columns: Sequence[str] = ("n", "n_baseline", "n_followup")) -> pd.DataFrame:
    """``df`` with every count below ``min_n`` missing (``pd.NA``), for tables and summaries that are shared.

    Parameters
    ----------
    df : pandas.DataFrame
        A table with count columns (a tie table, a wave comparison, ...). Not changed.
    min_n : int
        The smallest count that may be shown.
    columns : sequence of str
        The count columns; those ``df`` lacks are skipped.

    Returns
    -------
    pandas.DataFrame
        A copy of ``df`` whose count columns are nullable integers (``Int64``), missing below ``min_n``.
        Every other column is unchanged.

    Examples
    --------
    >>> df = pd.DataFrame({"group": ["skole", "ppr"], "n_baseline": [12, 3], "n_followup": [4, 9]})
    >>> mask_small_counts(df, 5)
       group  n_baseline  n_followup
    0  skole          12        <NA>
    1    ppr        <NA>           9
    """
    out = df.copy()
    for c in columns:
        if c in out.columns:
            out[c] = out[c].astype("Int64").where(out[c] >= min_n)
    return out
