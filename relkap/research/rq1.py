"""RQ1: the citizens' experience of co-creation raises their satisfaction and perceived effect."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .data import COCREATION, EFFECT, SATISFACTION
from .fit import correct, finish, item_reliability, mixed, pooled_waves, standardise, std_factor

__all__ = ["cocreation_outcomes"]


def cocreation_outcomes(citizens: pd.DataFrame, citizen_items: pd.DataFrame, predictor: str = COCREATION,
                        outcomes: Sequence[str] = (SATISFACTION, EFFECT), waves: Sequence[str] | None = None
                        ) -> pd.DataFrame:
    """RQ1: citizen co-creation -> satisfaction and perceived effect (citizen level).

    Parameters
    ----------
    citizens : DataFrame
        :func:`relkap.research.citizen_table`.
    citizen_items : DataFrame
        The long ``citizens`` table of :func:`relkap.load` (for the reliability of the predictor).
    predictor : str
        The predictor scale.
    outcomes : sequence of str
        The outcome scales.
    waves : sequence of str, optional
        The wave codes in time order (default sorted): a fixed effect per wave present (``waves``,
        ``wave_term``).

    Returns
    -------
    DataFrame
        One row per ``outcome`` and ``predictor`` with the result columns, then ``se``, ``converged``,
        ``estimate_std``, ``ci_low_std``, ``ci_high_std``, ``reliability``, ``estimate_corrected``,
        ``ci_low_corrected``, ``ci_high_corrected``. ``p_adj``: Holm over the outcomes.

    Notes
    -----
    Mixed model ``outcome ~ cocreation + C(wave)`` (a fixed effect per wave) with a kommune random intercept (citizens are not in
    groups). ``estimate_corrected`` = estimate / alpha of the co-creation items (Spearman's correction).

    Examples
    --------
    >>> from relkap import load_instrument
    >>> from relkap.research import citizen_table, example_tables
    >>> inst, t = load_instrument(), example_tables(4)
    >>> rq1 = cocreation_outcomes(citizen_table(t, inst), t.citizens)
    >>> rq1[["outcome", "predictor", "estimate", "reliability", "n_units"]].round(2)
           outcome    predictor  estimate  reliability  n_units
    0  tilfredshed  samskabelse      0.38         0.84        4
    1       effekt  samskabelse      0.37         0.84        4
    """
    rel = item_reliability(citizen_items, predictor)
    rows = []
    for y in [o for o in outcomes if o in citizens.columns]:
        d = citizens.dropna(subset=[y, predictor])
        r = mixed(d, y, [predictor], nesting="vc", group=None)[predictor]
        row = {"outcome": y, "predictor": predictor, **r, **pooled_waves(d, waves), "n_units": int(d["kommune"].nunique()),
               "n_respondents": len(d)}
        rows.append(correct(standardise(row, std_factor(d, predictor, y)), rel))
    return finish(rows, ["outcome", "predictor"])
