"""The ties that changed most: the largest improvements and declines of a kommune's cross-group ties."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from .. import fmt, words
from ..config import ALPHA, MIN_N
from ..instrument import Instrument
from ..words import Language
from .ties import certainty, certainty_word, is_targeted, reportable, tie_name, tie_pairs

__all__ = ["most_changed", "most_changed_table"]


_MOST_COLUMNS = ["direction", "rank", "group", "target", "n_baseline", "n_followup", "mean_baseline",
                 "mean_followup", "diff", "diff_ci_low", "diff_ci_high", "p", "certainty", "targeted"]


def most_changed(ties: pd.DataFrame, k: int = 3, min_n: int = MIN_N, p: str = "p_fdr", alpha: float = ALPHA,
                 targeted: Iterable[tuple[str, str]] = ()) -> pd.DataFrame:
    """The ``k`` largest improvements and the ``k`` largest declines, by the size of the change on the scale.

    Only :func:`reportable` ties count (cross-group, not suppressed, at least ``min_n`` answers in both
    waves). Improvements (``diff > 0``) and declines (``diff < 0``) are ranked apart by ``|diff|``, so a
    kommune where every tie rose lists no declines rather than its smallest rises.

    Returns
    -------
    DataFrame
        ``direction`` ("up"/"down"), ``rank`` (1 = largest), ``group, target, n_baseline, n_followup,
        mean_baseline, mean_followup, diff, diff_ci_low, diff_ci_high``, ``p`` (the ``p`` column),
        ``certainty`` (:func:`certainty`) and ``targeted``.

    Examples
    --------
    >>> ties = pd.DataFrame({"group": list("aabbc"), "target": list("bcacb"), "n_baseline": 8, "n_followup": 9,
    ...     "diff": [0.04, 0.38, -0.24, 0.30, 0.77], "p_fdr": [0.9, 0.3, 0.5, 0.4, 0.02], "suppressed": False})
    >>> most_changed(ties, k=2)[["direction", "rank", "group", "target", "diff", "certainty"]]
      direction  rank group target  diff    certainty
    0        up     1     c      b  0.77  significant
    1        up     2     a      c  0.38    uncertain
    2      down     1     b      a -0.24    uncertain
    """
    ok = ties[reportable(ties, min_n)]
    is_t = is_targeted(ok, tie_pairs(targeted))
    parts = []
    for direction, sign in (("up", 1.0), ("down", -1.0)):
        part = ok[np.sign(ok["diff"].astype(float)) == sign].assign(_abs=lambda d: d["diff"].abs())
        part = part.sort_values(["_abs", "group", "target"], ascending=[False, True, True], kind="stable").head(k)
        parts.append(pd.DataFrame({
            "direction": direction, "rank": np.arange(1, len(part) + 1),
            "group": part["group"].astype(str), "target": part["target"].astype(str),
            **{c: part[c] if c in part.columns else np.nan for c in _MOST_COLUMNS[4:11]},
            "p": part[p] if p in part.columns else np.nan,
            "certainty": [certainty(v, alpha) for v in (part[p] if p in part.columns else [np.nan] * len(part))],
            "targeted": is_t.loc[part.index].to_numpy(dtype=bool),
        }))
    return pd.concat(parts, ignore_index=True)[_MOST_COLUMNS]


def most_changed_table(most: pd.DataFrame, language: Language, instrument: Instrument,
                       min_n: int = MIN_N) -> pd.DataFrame:
    """:func:`most_changed` for reading: direction, tie (◆ when targeted), n, means, change, CI, certainty.

    No tie to show (none with ``min_n`` answers in both waves): the same columns, no rows."""
    inst = instrument
    t = words.text
    columns = [t("briefing.most_changed.col_direction", language), t("glossary.tie", language),
               f"n ({t('glossary.baseline_lower', language)})", f"n ({t('glossary.followup_lower', language)})",
               t("glossary.baseline", language), t("glossary.followup", language), t("glossary.change", language),
               t("glossary.ci_short", language), t("briefing.most_changed.col_certainty", language)]
    rows = [(t(f"briefing.most_changed.{r.direction}", language),
             tie_name(r.group, r.target, language, inst, bool(r.targeted)),
             fmt.count(r.n_baseline, min_n, language), fmt.count(r.n_followup, min_n, language),
             fmt.number(r.mean_baseline, 2, language), fmt.number(r.mean_followup, 2, language),
             fmt.difference(r.mean_baseline, r.mean_followup, 2, language),
             fmt.ci(r.diff_ci_low, r.diff_ci_high, language), certainty_word(r.certainty, language))
            for r in most.itertuples(index=False)]
    return pd.DataFrame(rows, columns=columns)
