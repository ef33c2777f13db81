"""A kommune among all kommuner: the distribution of a measure over the kommuner and one kommune's place in it.

One definition serves the kommune report (the RK index, :func:`index_benchmark`, shown in ``summary.json``
under ``benchmark``) and the explorer (every tie, :meth:`relkap.explore.ExplorerData.benchmark`):

1. :func:`measures`: each kommune contributes one value per measure, a wave's value or the change
   (follow-up minus baseline, for kommuner with a value in both waves). Suppressed values (fewer than
   ``min_n`` answers; missing in the input) are left out, so a unit nobody may see never shapes the
   distribution.
2. :func:`distribution`: per measure (and tie), the number of kommuner and the 5, 25, 50, 75 and 95%
   quantiles of their values (linear interpolation, as :meth:`pandas.Series.quantile`).
3. :func:`position`: the kommune's own value, its rank (1 = highest) and the share of kommuner below it
   (a tie counts half). The kommune is part of the distribution it is compared with.

:func:`compare` joins 2 and 3. No function names another kommune: the outputs hold the kommune's own value
and summaries over all kommuner only.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from . import scoring
from .instrument import Instrument

__all__ = ["QUANTILES", "CHANGE", "measures", "distribution", "position", "compare", "index_benchmark",
           "INDEX_BENCHMARK_COLUMNS"]

QUANTILES: dict[str, float] = {"p5": 0.05, "q25": 0.25, "median": 0.5, "q75": 0.75, "p95": 0.95}
CHANGE = "change"  # the measure follow-up minus baseline
INDEX_BENCHMARK_COLUMNS = ["measure", "value", "n_kommuner", "median", "q25", "q75", "rank"]


def measures(scores: pd.DataFrame, baseline: str, followup: str, by: Sequence[str] = (),
             kommune: str = "kommune", wave: str = "wave", value: str = "mean") -> pd.DataFrame:
    """Each kommune's value per measure: each wave's value, and the change from baseline to follow-up.

    Parameters
    ----------
    scores : DataFrame
        One row per ``kommune``, ``wave`` and ``by`` cell with the ``value`` column; a missing value (a
        suppressed unit) is left out.
    baseline, followup : str
        The wave labels.
    by : sequence of str
        Further unit columns (e.g. ``["group", "target"]`` for ties).

    Returns
    -------
    DataFrame
        ``kommune, *by, measure, value``: ``measure`` is the wave label, or ``"change"`` (follow-up minus
        baseline, only where both waves have a value). Waves in that order, then the change.

    Examples
    --------
    >>> s = pd.DataFrame({"kommune": [1, 1, 2, 3], "wave": ["b", "f", "b", "f"], "mean": [3.0, 3.5, 4.0, 2.5]})
    >>> measures(s, "b", "f")
       kommune measure  value
    0        1       b    3.0
    1        2       b    4.0
    2        1       f    3.5
    3        3       f    2.5
    4        1  change    0.5
    """
    keys = [kommune, *by]
    data = scores.dropna(subset=[value]).astype({wave: str})
    wide = data.pivot_table(index=keys, columns=wave, values=value, observed=True)
    if baseline in wide and followup in wide:
        wide[CHANGE] = wide[followup] - wide[baseline]
    parts = [wide[m].dropna().rename("value").reset_index().assign(measure=m)
             for m in (baseline, followup, CHANGE) if m in wide]
    if not parts:
        return pd.DataFrame(columns=[*keys, "measure", "value"])
    return pd.concat(parts, ignore_index=True)[[*keys, "measure", "value"]]


def distribution(values: pd.DataFrame, by: Sequence[str] = ("measure",), value: str = "value",
                 quantiles: dict[str, float] | None = None) -> pd.DataFrame:
    """The distribution of ``value`` over the kommuner, per ``by`` cell.

    Parameters
    ----------
    values : DataFrame
        One row per kommune and ``by`` cell (:func:`measures`).
    by : sequence of str
        The cells compared separately (at least one column).
    quantiles : dict, optional
        Output column -> quantile; default :data:`QUANTILES` (``p5, q25, median, q75, p95``).

    Returns
    -------
    DataFrame
        One row per ``by`` cell (sorted): ``*by, n_kommuner`` (kommuner with a value) and one column per
        quantile.

    Notes
    -----
    Quantiles interpolate linearly between order statistics (type 7 of Hyndman and Fan, the default of R,
    numpy and pandas): with sorted values :math:`x_{(1)} \\le ... \\le x_{(n)}` and :math:`h = (n - 1)q`,
    :math:`Q(q) = x_{(\\lfloor h \\rfloor + 1)} + (h - \\lfloor h \\rfloor)(x_{(\\lfloor h \\rfloor + 2)} -
    x_{(\\lfloor h \\rfloor + 1)})`.

    Examples
    --------
    >>> v = pd.DataFrame({"kommune": [1, 2, 3, 4], "measure": "b", "value": [3.0, 3.5, 4.0, 4.5]})
    >>> distribution(v, quantiles={"q25": 0.25, "median": 0.5})
      measure  n_kommuner    q25  median
    0       b           4  3.375    3.75
    """
    quantiles = QUANTILES if quantiles is None else quantiles
    g = values.groupby(list(by), observed=True)[value]
    out = g.quantile(list(quantiles.values())).unstack()
    out.columns = list(quantiles)
    out.insert(0, "n_kommuner", g.size())
    return out.reset_index()


def position(values: pd.DataFrame, kommune: int, by: Sequence[str] = ("measure",), value: str = "value",
             kommune_column: str = "kommune") -> pd.DataFrame:
    """Where ``kommune`` stands among the kommuner, per ``by`` cell in which it has a value.

    Returns
    -------
    DataFrame
        One row per ``by`` cell of the kommune: ``*by, value`` (its own value), ``rank`` (1 + the number of
        kommuner with a higher value; 1 = highest) and ``share_below`` (its percentile rank, see Notes).

    Notes
    -----
    With :math:`x` the kommune's value and :math:`x_1, ..., x_n` the values of all :math:`n` kommuner
    (itself included): rank :math:`= 1 + \\#\\{x_i > x\\}` and share below
    :math:`= (\\#\\{x_i < x\\} + \\tfrac12 \\#\\{x_i = x\\}) / n`.

    Examples
    --------
    >>> v = pd.DataFrame({"kommune": [1, 2, 3, 4], "measure": "b", "value": [3.0, 3.5, 4.0, 4.5]})
    >>> position(v, 2)
      measure  value  rank  share_below
    0       b    3.5     3        0.375
    """
    by = list(by)
    own = values.loc[values[kommune_column] == kommune, [*by, value]].rename(columns={value: "own"})
    cmp = values[[*by, value]].merge(own, on=by)
    x, mine = cmp[value].to_numpy(), cmp["own"].to_numpy()
    cmp["_above"] = (x > mine).astype(int)
    cmp["_below"] = (x < mine) + 0.5 * (x == mine)
    g = cmp.groupby(by, observed=True, sort=False)
    out = own.merge(g["_above"].sum().rename("rank").add(1).reset_index(), on=by)
    out = out.merge(g["_below"].mean().rename("share_below").reset_index(), on=by)
    return out.rename(columns={"own": "value"}).reset_index(drop=True)


def compare(values: pd.DataFrame, kommune: int, by: Sequence[str] = ("measure",), value: str = "value",
            quantiles: dict[str, float] | None = None) -> pd.DataFrame:
    """:func:`distribution` with the kommune's :func:`position` beside it, one row per ``by`` cell.

    Returns
    -------
    DataFrame
        ``*by, n_kommuner``, the quantile columns, ``value``, ``rank`` and ``share_below``; the last three
        are missing in a cell where the kommune has no value (it is suppressed there).

    Examples
    --------
    >>> v = pd.DataFrame({"kommune": [1, 2, 3, 1], "measure": ["b", "b", "b", "f"], "value": [3.0, 4.0, 5.0, 2.0]})
    >>> compare(v, 3, quantiles={"median": 0.5})
      measure  n_kommuner  median  value  rank  share_below
    0       b           3     4.0    5.0     1     0.833333
    1       f           1     2.0    NaN  <NA>          NaN
    """
    by = list(by)
    out = distribution(values, by, value, quantiles).merge(position(values, kommune, by, value), on=by, how="left")
    out["rank"] = out["rank"].astype("Int64")
    return out


def index_benchmark(relations: pd.DataFrame, instrument: Instrument, kommune: int, min_n: int = 5) -> pd.DataFrame:
    """Where the kommune's RK index stands among all kommuner in ``relations``, per wave and for the change.

    The index of each kommune and wave is :func:`relkap.scoring.unit_index` (respondent weighting); a
    kommune-wave below ``min_n`` respondents is left out of the distribution.

    Returns
    -------
    DataFrame
        One row per measure in which the kommune has a value (baseline wave label, follow-up wave label,
        ``change``): ``measure, value, n_kommuner, median, q25, q75, rank`` (1 = highest). No other
        kommune is named.

    Examples
    --------
    >>> import numpy as np, relkap
    >>> inst = relkap.load_instrument()
    >>> rng = np.random.default_rng(1)
    >>> rel = pd.DataFrame([{"kommune": k, "wave": w, "respondent_id": f"{k}{w}{r}", "group": "skole",
    ...                      "target": "ppr", "item": i, "score": float(rng.integers(2, 6))}
    ...                     for k in (175, 336, 766) for w in ("baseline", "followup") for r in range(5)
    ...                     for i in inst.relational_codes])
    >>> b = index_benchmark(rel, inst, 336)
    >>> b[["measure", "n_kommuner"]].to_numpy().tolist()
    [['baseline', 3], ['followup', 3], ['change', 3]]
    >>> bool(b["rank"].between(1, 3).all())
    True
    """
    unit = scoring.unit_index(relations, instrument, by=["kommune", "wave"], min_n=min_n)
    unit = unit[~unit["suppressed"]]
    values = measures(unit, instrument.waves.baseline, instrument.waves.followup)
    out = compare(values, kommune, quantiles={k: QUANTILES[k] for k in ("median", "q25", "q75")})
    order = {m: i for i, m in enumerate((instrument.waves.baseline, instrument.waves.followup, CHANGE))}
    out = out.dropna(subset=["value"]).sort_values("measure", key=lambda s: s.map(order))
    return out.astype({"rank": int})[INDEX_BENCHMARK_COLUMNS].reset_index(drop=True)
