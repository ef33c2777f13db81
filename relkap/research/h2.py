"""H2 and RQ3: strategic relational leadership raises RK and motivation."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .data import LEADERSHIP, LEADERSHIP_SCALES, MOTIVATION, RK
from .fit import (
    check_nesting,
    correct,
    finish,
    item_reliability,
    mixed,
    pooled_waves,
    reliability,
    standardise,
    std_factor,
)

__all__ = ["SPLIT_UNIT", "split_halves", "leadership_models"]

SPLIT_UNIT = ("kommune", "wave", "group")  # the unit whose respondents are split in two halves


def split_halves(respondents: pd.DataFrame, seed: int = 1, unit: Sequence[str] = SPLIT_UNIT) -> np.ndarray:
    """A seeded random half of the respondents of each unit: True for half A, False for half B.

    Within each unit (default the professional group in the kommune and wave) the respondents are put in
    a random order and the first n // 2 form half A (the smaller half when n is odd).

    Examples
    --------
    >>> d = pd.DataFrame({"kommune": 1, "wave": "baseline", "group": ["a"] * 4 + ["b"] * 3})
    >>> a = split_halves(d, seed=1)
    >>> int(a[:4].sum()), int(a[4:].sum())
    (2, 1)
    """
    u = pd.Series(np.random.default_rng(seed).random(len(respondents)))
    codes = pd.Series(respondents.groupby(list(unit), sort=True, observed=True).ngroup().to_numpy())
    rank = u.groupby(codes).rank(method="first").to_numpy() - 1
    size = codes.map(codes.value_counts()).to_numpy()
    return rank < size // 2


def _split_sample(respondents: pd.DataFrame, half_a: np.ndarray, y: str, x: str, nesting: str) -> dict:
    """``y`` of half B on the unit mean of ``x`` in half A: the association without shared raters."""
    key = list(SPLIT_UNIT)
    a = respondents[half_a].dropna(subset=[x]).groupby(key, observed=True)[x].mean().rename("_x_a")
    b = respondents[~half_a].dropna(subset=[y]).drop(columns=[x]).join(a, on=key, how="inner")
    b = b.rename(columns={"_x_a": x}).dropna(subset=[x])
    if b["kommune"].nunique() < 2:
        return {}
    r = mixed(b, y, [x], nesting)[x]
    return {"estimate_split": r["estimate"], "ci_low_split": r["ci_low"], "ci_high_split": r["ci_high"],
            "p_split": r["p_val"], "df_split": r["df"], "n_split": len(b)}


def leadership_models(respondents: pd.DataFrame, scales: pd.DataFrame, outcomes: Sequence[str] = (RK, MOTIVATION),
                      leadership_scales: Sequence[str] = LEADERSHIP_SCALES, nesting: str = "vc",
                      seed: int = 1, waves: Sequence[str] | None = None) -> pd.DataFrame:
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
    seed : int
        Seed of the random halves of the split-sample estimate (:func:`split_halves`).
    waves : sequence of str, optional
        The wave codes in time order (default sorted): every model has a fixed effect per wave present
        (``waves``, ``wave_term``).

    Returns
    -------
    DataFrame
        One row per ``outcome`` and ``predictor`` with the result columns (p and CI: t on Satterthwaite
        df, ``method`` "satterthwaite"), then ``se``, ``converged``, ``nesting``, ``estimate_std``,
        ``ci_low_std``, ``ci_high_std`` (standardised), ``reliability``, ``estimate_corrected``,
        ``ci_low_corrected``, ``ci_high_corrected``, and the split-sample estimate ``estimate_split``,
        ``ci_low_split``, ``ci_high_split``, ``p_split``, ``df_split`` (Satterthwaite), ``n_split``
        (respondents of half B in the model), ``linked``, ``df_satterthwaite``, ``family``. ``p_adj``: none for
        total leadership (the primary estimate of H2 for RK and RQ3 for motivation, family
        ``primary_<outcome>``), Holm over the four subscales of each outcome (``subscales_<outcome>``).

    Notes
    -----
    One mixed model per outcome and predictor: ``outcome ~ predictor + C(wave)`` (a fixed effect per wave) with a kommune random
    intercept and the group within the kommune. ``estimate`` is the raw slope (outcome points per point
    of leadership); ``estimate_corrected`` = estimate / reliability (Spearman's correction for the
    predictor's unreliability), the reliability being Cronbach's alpha of the subscale's items, and for
    ``leadership`` alpha of the four subscale scores (parallel measures of one leadership behaviour).

    Same-source variance: the same employees rate their leadership and their RK (and motivation), so
    their mood, response style and implicit theories raise both ratings together and inflate the pooled
    association (common-method variance; Podsakoff, MacKenzie, Lee & Podsakoff 2003). The split-sample
    estimate takes the predictor and the outcome from different people (Ostroff, Kinicki & Clark 2002):
    within each professional group in a kommune and wave the respondents are split at random (seeded,
    :func:`split_halves`), leadership is the mean of half A and the outcome is that of each respondent
    in half B, in the same mixed model. It estimates the between-group association only (a respondent's
    own view of the leader no longer counts) and the half-A mean carries sampling error, which
    attenuates it: it is a conservative check of the pooled estimate, not the same quantity.

    Examples
    --------
    >>> from relkap import load_instrument
    >>> from relkap.research import example_tables, respondent_table
    >>> inst, t = load_instrument(), example_tables(4)
    >>> h2 = leadership_models(respondent_table(t, inst), t.scales, outcomes=["rk"])
    >>> h2[["outcome", "predictor", "estimate", "reliability", "n_units"]].round(2)
      outcome    predictor  estimate  reliability  n_units
    0      rk       vision      0.13         0.77        4
    1      rk   deltagelse      0.25         0.78        4
    2      rk        ramme      0.31         0.77        4
    3      rk  involvering      0.25         0.79        4
    4      rk   leadership      0.32         0.85        4
    """
    check_nesting(nesting)
    lead = [s for s in leadership_scales if s in respondents.columns]
    rel = {s: item_reliability(scales, s) for s in lead}
    rel[LEADERSHIP] = reliability(respondents.dropna(subset=lead), lead)
    half_a = split_halves(respondents, seed)
    rows = []
    for y in [o for o in outcomes if o in respondents.columns]:
        for x in [*lead, LEADERSHIP]:
            d = respondents.dropna(subset=[y, x])
            r = mixed(d, y, [x], nesting)[x]
            row = {"outcome": y, "predictor": x, **r, **pooled_waves(d, waves), "n_units": int(d["kommune"].nunique()),
                   "n_respondents": len(d), "nesting": nesting}
            row = correct(standardise(row, std_factor(d, x, y)), rel[x])
            # total leadership is the primary estimate (H2 for RK, RQ3 for motivation): a family of its own;
            # the subscales are sensitivity rows, Holm within each outcome
            row["family"] = f"primary_{y}" if x == LEADERSHIP else f"subscales_{y}"
            rows.append({**row, **_split_sample(respondents, half_a, y, x, nesting)})
    return finish(rows, ["outcome", "predictor"], family="family")
