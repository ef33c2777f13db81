"""Respondent-level scale scores (leadership, motivation, citizen scales) from the tidy ``scales`` table.

The relational survey's scores (ties, received/perceived, unit index) live in :mod:`relkap.scoring`,
which re-exports :func:`scale_scores`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .checks import check_columns, check_numeric
from .grouping import combine, decode, factorize, levels_size, split_key
from .instrument import Instrument

__all__ = ["scale_scores"]


def scale_scores(scales: pd.DataFrame, instrument: Instrument, min_items: int | None = None) -> pd.DataFrame:
    """Respondent-level scale scores (leadership, motivation, citizen scales) from a long table.

    Parameters
    ----------
    scales : DataFrame
        The tidy ``scales`` or ``citizens`` table (``docs/contract.md``): ``respondent_id, item, score``
        and ``scale`` (derived from the codebook when absent), plus any of ``kommune, wave, group``. Scores
        are already keyed (reverse items reversed at import), so they are averaged as they are.
    instrument : Instrument
        Codebook: the items of each scale.
    min_items : int, optional
        Valid items needed for a score. Default: at least half of the scale's items in the codebook,
        ceil(k / 2) (2 of 4, 2 of 3, 1 of 1).

    Returns
    -------
    DataFrame
        One row per ``kommune, wave, respondent_id, group`` (those present) and ``scale``: ``score`` (mean
        of the valid items; NaN with fewer than the required items) and ``n_items`` (valid items).

    Notes
    -----
    .. math:: score(r, S) = \\frac{1}{m} \\sum_{i \\in V(r, S)} x_{r,i}, \\quad m \\ge \\lceil k_S / 2 \\rceil

    Examples
    --------
    >>> import pandas as pd
    >>> from relkap import load_instrument
    >>> from relkap.scales import scale_scores
    >>> rk = load_instrument()
    >>> s = pd.DataFrame({"respondent_id": "r1", "scale": "motivation",
    ...                   "item": ["motivation_1", "motivation_2", "motivation_3", "motivation_4"],
    ...                   "score": [4.0, 5.0, float("nan"), 3.0]})
    >>> scale_scores(s, rk)
      respondent_id       scale  score  n_items
    0            r1  motivation    4.0        3
    """
    check_columns(scales, ["respondent_id", "item", "score"])
    check_numeric(scales, "score")
    if min_items is not None and (isinstance(min_items, bool) or not isinstance(min_items, int | np.integer)
                                  or min_items < 1):
        raise ValueError(f"min_items must be a positive integer, got {min_items!r}")
    data = scales
    if "scale" not in data.columns:
        mapping = instrument.item_scale
        data = data.assign(scale=data["item"].astype(object).map(mapping))
    ids = [c for c in ("kommune", "wave", "respondent_id", "group") if c in data.columns] + ["scale"]
    codes, levels, sizes = [], [], []
    keep = np.ones(len(data), dtype=bool)
    for c in ids:
        code, lev = factorize(data[c], sort=c != "respondent_id")
        codes.append(code)
        levels.append(lev)
        sizes.append(levels_size(lev))
        keep &= code >= 0
    score = data["score"].to_numpy(dtype=np.float64)
    if not keep.all():
        codes = [c[keep] for c in codes]
        score = score[keep]
    key = combine(codes, sizes, len(score))
    unit, ukey = pd.factorize(key, sort=True)
    valid = ~np.isnan(score)
    n_items = np.bincount(unit, weights=valid, minlength=len(ukey)).astype(np.int64)
    sums = np.bincount(unit, weights=np.where(valid, score, 0.0), minlength=len(ukey))
    out = pd.DataFrame({c: decode(k, lev) for c, k, lev in zip(ids, split_key(ukey, sizes), levels, strict=True)})
    if min_items is not None:
        need = np.full(len(out), int(min_items))
    else:
        n_scale = {s.code: len(s.items) for s in instrument.scales}
        if not set(out["scale"].astype(object)) <= set(n_scale):  # a scale the codebook does not know
            kept = data.loc[keep]
            n_scale = {**kept.groupby(kept["scale"].astype(object))["item"].nunique().to_dict(), **n_scale}
        k = out["scale"].astype(object).map(n_scale).fillna(1)
        need = np.ceil(k.to_numpy(dtype=np.float64) / 2).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["score"] = np.where(n_items >= need, sums / n_items, np.nan)
    out["n_items"] = n_items
    return out
