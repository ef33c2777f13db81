"""What the explorer's controls choose and how a view reads it: :class:`Selection`, the views and figures,
the wave (or pair of waves) a view means, and the tie table as shown.

No data here: :mod:`relkap.explore.model` computes the tables a selection asks for.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import config, privacy
from ..errors import RelkapError
from ..instrument import Instrument

__all__ = ["ALL", "VIEWS", "CHANGE", "TREND", "FIGURES", "MAX_MIN_N", "TABLE_COLUMNS", "Selection", "wave_code",
           "wave_pair", "shown_table"]

ALL = 0  # the kommune value of "all kommuner" (every answer pooled)
VIEWS = ("baseline", "followup", "change", "trend")  # besides these, any wave code the codebook declares
CHANGE, TREND = "change", "trend"
FIGURES = ("heatmap", "network", "benchmark", "interviews")
MAX_MIN_N = 30  # the largest min_n the slider offers: the rule's masks of 1..MAX_MIN_N come from one pass

# the tie table's columns per view (beside group and target), as shown
TABLE_COLUMNS = {
    "wave": ["n", "mean", "ci_low", "ci_high", "band", "suppressed"],
    "change": ["n_baseline", "n_followup", "mean_baseline", "mean_followup", "diff", "diff_ci_low",
               "diff_ci_high", "hedges", "p_fdr", "suppressed"],
    "trend": ["wave", "n", "mean", "ci_low", "ci_high", "band", "suppressed"],
}


@dataclass(frozen=True)
class Selection:
    """What the controls have chosen: one state of the explorer (hashable, a cache key).

    ``kommune`` is a kommune code or :data:`ALL`; ``view`` a wave code the codebook declares (or
    ``"baseline"``, the first wave, ``"followup"``, the latest), :data:`CHANGE` (from the wave ``before`` to
    ``after``; None: the first and the latest) or :data:`TREND` (every wave); ``dimension`` ``"rk"`` or a
    relational item code, ``figure`` one of :data:`FIGURES`, ``tie`` a ``(rater, target)`` pair or None.
    """

    kommune: int
    view: str = "baseline"
    dimension: str = "rk"
    min_n: int = config.MIN_N
    language: str = "da"
    figure: str = "heatmap"
    tie: tuple[str, str] | None = None
    before: str | None = None
    after: str | None = None


def wave_code(instrument: Instrument, view: str) -> str:
    """The wave code of a view: any wave code the codebook declares, ``"baseline"`` the first wave,
    ``"followup"`` the latest; another view is refused (:class:`~relkap.errors.RelkapError` naming them)."""
    waves = instrument.waves
    if waves.get(view) is not None:
        return str(view)
    if view in ("baseline", "followup"):
        return waves.first if view == "baseline" else waves.latest
    raise RelkapError(f"unknown view {view!r}: a wave of the codebook ({', '.join(waves.codes)}), 'baseline'"
                      " (the first), 'followup' (the latest), 'change' or 'trend'")


def wave_pair(instrument: Instrument, before: str | None = None, after: str | None = None) -> tuple[str, str]:
    """The two wave codes a change compares: ``before`` (default the first wave) to ``after`` (default the
    latest), each a view :func:`wave_code` accepts; two equal waves are refused (a
    :class:`~relkap.errors.RelkapError`)."""
    waves = instrument.waves
    pair = (wave_code(instrument, waves.first if before is None else before),
            wave_code(instrument, waves.latest if after is None else after))
    if pair[0] == pair[1]:
        raise RelkapError(f"a change compares two different waves, not {pair[0]!r} with itself (waves: "
                          f"{', '.join(waves.codes)})")
    return pair


def shown_table(ties: pd.DataFrame, view: str, min_n: int) -> pd.DataFrame:
    """The tie table as shown: ties between groups, the view's columns, counts below ``min_n`` missing.

    ``ties`` is :meth:`relkap.explore.model.ExplorerData.view_ties` (suppressed ties already have no values); counts are masked
    by :func:`relkap.privacy.mask_small_counts`, as in the reports ("<min_n").
    """
    if ties.empty:
        return ties
    cols = ["group", "target", *TABLE_COLUMNS[view if view in (CHANGE, TREND) else "wave"]]
    keep = ties.loc[~ties["diagonal"], cols].astype({"group": str, "target": str})
    return privacy.mask_small_counts(keep, min_n).reset_index(drop=True)
