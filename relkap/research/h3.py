"""H3: formal structures and leadership go together and influence each other."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .data import LEADERSHIP, STRUCTURE
from .fit import finish, ols_cluster, pooled_waves

__all__ = ["MIN_CORRELATION_UNITS", "MIN_CROSS_LAGGED_KOMMUNER", "lag_pairs", "structures_leadership"]

MIN_CORRELATION_UNITS = 4  # kommuner per wave for a correlation with a Fisher-z CI (n - 3 > 0)
MIN_CROSS_LAGGED_KOMMUNER = 5  # kommuner with both waves for the cross-lagged regressions (3 coefficients)


def lag_pairs(waves: Sequence[str]) -> list[tuple[str, str]]:
    """The consecutive pairs of the ordered waves: each wave with the one before it.

    Examples
    --------
    >>> lag_pairs(["baseline", "midtvejs", "followup"])
    [('baseline', 'midtvejs'), ('midtvejs', 'followup')]
    """
    order = list(waves)
    return list(zip(order[:-1], order[1:], strict=True))


def structures_leadership(units: pd.DataFrame, baseline: str = "baseline", followup: str = "followup",
                          waves: Sequence[str] | None = None) -> pd.DataFrame:
    """H3: structures and leadership across kommuner, and the cross-lagged pattern between consecutive waves.

    Parameters
    ----------
    units : DataFrame
        :func:`relkap.research.unit_table` (``structure``, ``leadership``, ``n_respondents``).
    baseline, followup : str
        The wave labels (used when ``waves`` is not given).
    waves : sequence of str, optional
        The wave codes in time order (default ``[baseline, followup]``).

    Returns
    -------
    DataFrame
        One row per ``analysis``, ``path`` and ``wave`` with the result columns, then ``family`` (and
        ``se``, ``standardised`` where they apply). Every row is a kommune-level analysis, tested on the
        kommuner's degrees of freedom (``df``, ``method``):

        - "correlation": Pearson r of the unit structure index and unit leadership per wave, in time order
          (units are kommuner; Fisher-z 95% CI; p from t on J - 2 df, ``"pearson_t"``), with at least
          :data:`MIN_CORRELATION_UNITS` kommuner; ``p_adj`` Holm over the waves; ``wave_term`` "per_wave".
        - "slope": OLS of unit leadership on the structure index over kommune x wave units (a fixed effect
          per wave, ``wave_term`` "fixed_effects"; ``wave`` "all"; kommune-clustered CR2 SE, t on
          Satterthwaite df, ``"cluster_cr2_satterthwaite"``; CR1 in ``se_cr1`` ... ``p_cr1``): leadership
          points per point of formalisation.
        - "cross_lagged": for each pair of consecutive waves (:func:`lag_pairs`; with two waves baseline and
          follow-up) with at least :data:`MIN_CROSS_LAGGED_KOMMUNER` kommuner in both, standardised OLS over
          kommuner of each later variable on both earlier variables: ``structure -> leadership`` (structure
          in the earlier wave predicting leadership in the later, earlier leadership held fixed) and
          ``leadership -> structure``; the autoregressive paths too; t on J - 3 df (``"ols_t"``); ``wave``
          "<earlier>-><later>", ``wave_term`` "lagged". Holm over the cross paths of every pair together
          (family "cross"), and over the autoregressive paths ("autoregressive").

        ``waves`` names the waves behind each row, in time order.

    Notes
    -----
    Fisher's z: z = artanh(r), se = 1 / sqrt(n - 3), CI = tanh(z -+ 1.96 se).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> s = rng.normal(3, 0.5, 8)
    >>> units = pd.DataFrame({"kommune": np.tile(np.arange(8), 2), "wave": np.repeat(["baseline", "followup"], 8),
    ...                       "structure": np.concatenate([s, s + rng.normal(0, 0.1, 8)]),
    ...                       "n_respondents": 40})
    >>> units["leadership"] = 2 + 0.4 * units["structure"] + rng.normal(0, 0.1, 16)
    >>> h3 = structures_leadership(units)
    >>> h3[["analysis", "path", "wave", "estimate"]].round(2)
           analysis                      path                wave  estimate
    0   correlation  structure <-> leadership            baseline      0.90
    1   correlation  structure <-> leadership            followup      0.52
    2         slope   structure -> leadership                 all      0.30
    3  cross_lagged   structure -> leadership  baseline->followup      0.04
    4  cross_lagged  leadership -> leadership  baseline->followup      0.63
    5  cross_lagged   leadership -> structure  baseline->followup     -0.04
    6  cross_lagged    structure -> structure  baseline->followup      1.03
    """
    order = list(waves) if waves is not None else [baseline, followup]
    rows = []
    d = units.dropna(subset=[STRUCTURE, LEADERSHIP])
    in_data = set(d["wave"].astype(str))
    for wave in [w for w in order if w in in_data] + sorted(in_data - set(order)):
        part = d[d["wave"].astype(str) == wave]
        n = len(part)
        if n < MIN_CORRELATION_UNITS:
            continue
        r, p = stats.pearsonr(part[STRUCTURE], part[LEADERSHIP])
        z, se = np.arctanh(r), 1 / math.sqrt(n - 3)
        rows.append({"analysis": "correlation", "path": f"{STRUCTURE} <-> {LEADERSHIP}", "wave": wave,
                     "estimate": r, "ci_low": np.tanh(z - 1.96 * se), "ci_high": np.tanh(z + 1.96 * se),
                     "p_val": p, "df": float(n - 2), "method": "pearson_t", "n_units": n, "n_respondents": int(part["n_respondents"].sum()),
                     "family": "correlation", "waves": wave, "wave_term": "per_wave"})
    if d["kommune"].nunique() >= MIN_CORRELATION_UNITS:
        r = ols_cluster(d, LEADERSHIP, [STRUCTURE])[STRUCTURE]
        rows.append({"analysis": "slope", "path": f"{STRUCTURE} -> {LEADERSHIP}", "wave": "all", **r,
                     "n_units": int(d["kommune"].nunique()), "n_respondents": int(d["n_respondents"].sum()),
                     "family": "slope", **pooled_waves(d, order)})
    wide = d.pivot_table(index="kommune", columns="wave", values=[STRUCTURE, LEADERSHIP, "n_respondents"])
    for first, later in lag_pairs([w for w in order if w in in_data]):
        w = pd.DataFrame({f"{v}_{t}": wide[(v, wv)] for v in (STRUCTURE, LEADERSHIP)
                          for t, wv in (("b", first), ("f", later))}).dropna()
        n_resp = int(wide["n_respondents"].loc[w.index, [first, later]].sum().sum())
        if len(w) < MIN_CROSS_LAGGED_KOMMUNER:
            continue
        z = (w - w.mean()) / w.std(ddof=1)
        for y, other in ((LEADERSHIP, STRUCTURE), (STRUCTURE, LEADERSHIP)):
            res = ols_cluster(z.reset_index(), f"{y}_f", [f"{other}_b", f"{y}_b"], wave=False, cluster=None)
            for x, label, fam in ((f"{other}_b", f"{other} -> {y}", "cross"),
                                  (f"{y}_b", f"{y} -> {y}", "autoregressive")):
                rows.append({"analysis": "cross_lagged", "path": label, "wave": f"{first}->{later}",
                             **res[x], "n_units": len(w), "n_respondents": n_resp, "family": fam,
                             "standardised": True, "waves": f"{first},{later}", "wave_term": "lagged"})
    return finish(rows, ["analysis", "path", "wave"], family="family")
