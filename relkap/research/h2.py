"""H2 and RQ3: strategic relational leadership raises RK and motivation."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .data import LEADERSHIP, LEADERSHIP_SCALES, MOTIVATION, RK
from .fit import (
    check_nesting,
    correct,
    finish,
    item_reliability,
    mixed,
    reliability,
    standardise,
    std_factor,
)

__all__ = ["leadership_models"]


def leadership_models(respondents: pd.DataFrame, scales: pd.DataFrame, outcomes: Sequence[str] = (RK, MOTIVATION),
                      leadership_scales: Sequence[str] = LEADERSHIP_SCALES, nesting: str = "vc") -> pd.DataFrame:
    """H2/RQ3: each leadership subscale and the total -> RK and -> motivation (respondent level).

    Parameters
    ----------
    respondents : DataFrame
        :func:`relkap.research.respondent_table`.
    scales : DataFrame
        The long ``scales`` table of :func:`relkap.load` (for the item reliabilities).
    outcomes : sequence of str
        Outcome columns.
    leadership_scales : sequence of str
        The subscales; their mean is ``leadership``.
    nesting : {"vc", "combined"}
        Random effects (:func:`relkap.research.fit.mixed`).

    Returns
    -------
    DataFrame
        One row per ``outcome`` and ``predictor`` with the result columns, then ``se``, ``converged``,
        ``nesting``, ``estimate_std``, ``ci_low_std``, ``ci_high_std`` (standardised),
        ``reliability``, ``estimate_corrected``, ``ci_low_corrected``, ``ci_high_corrected``.
        ``p_adj``: Holm over the predictors of each outcome.

    Notes
    -----
    One mixed model per outcome and predictor: ``outcome ~ predictor + C(wave)`` with a kommune random
    intercept and the group within the kommune. ``estimate`` is the raw slope (outcome points per point
    of leadership); ``estimate_corrected`` = estimate / reliability (Spearman's correction for the
    predictor's unreliability), the reliability being Cronbach's alpha of the subscale's items, and for
    ``leadership`` alpha of the four subscale scores (parallel measures of one leadership behaviour).

    Examples
    --------
    >>> from relkap import load_instrument
    >>> from relkap.research import example_tables, respondent_table
    >>> inst, t = load_instrument(), example_tables(4)
    >>> h2 = leadership_models(respondent_table(t, inst), t.scales, outcomes=["rk"])
    >>> h2[["outcome", "predictor", "estimate", "reliability", "n_units"]].round(2)
      outcome    predictor  estimate  reliability  n_units
    0      rk       vision      0.12         0.77        4
    1      rk   deltagelse      0.27         0.78        4
    2      rk        ramme      0.31         0.77        4
    3      rk  involvering      0.22         0.79        4
    4      rk   leadership      0.34         0.85        4
    """
    check_nesting(nesting)
    lead = [s for s in leadership_scales if s in respondents.columns]
    rel = {s: item_reliability(scales, s) for s in lead}
    rel[LEADERSHIP] = reliability(respondents.dropna(subset=lead), lead)
    rows = []
    for y in [o for o in outcomes if o in respondents.columns]:
        for x in [*lead, LEADERSHIP]:
            d = respondents.dropna(subset=[y, x])
            r = mixed(d, y, [x], nesting)[x]
            row = {"outcome": y, "predictor": x, **r, "n_units": int(d["kommune"].nunique()),
                   "n_respondents": len(d), "nesting": nesting}
            rows.append(correct(standardise(row, std_factor(d, x, y)), rel[x]))
    return finish(rows, ["outcome", "predictor"], family="outcome")
