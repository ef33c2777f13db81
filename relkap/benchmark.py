"""A kommune among the other kommuner: the distribution of a measure over them and the kommune's place in it.

One definition serves the kommune report (the RK index, :func:`index_benchmark`, shown in ``summary.json``
under ``benchmark``) and the explorer (every tie, :meth:`relkap.explore.ExplorerData.benchmark`):

1. :func:`measures`: each kommune contributes one value per measure, a wave's value or the change
   (follow-up minus baseline, for kommuner with a value in both waves). Suppressed values (fewer than
   ``min_n`` answers; missing in the input) are left out, so a unit nobody may see never shapes the
   distribution.
2. :func:`distribution`: per measure (and tie), the number of kommuner and the 5, 25, 50, 75 and 95%
   quantiles of their values (linear interpolation, as :meth:`pandas.Series.quantile`), over the *other*
   kommuner when a kommune is compared (``exclude``), and only where at least ``min_kommuner`` kommuner
   have a value: otherwise the quantiles are missing and ``enough`` is false.
3. :func:`position`: the kommune's own value, its rank among the other kommuner (1 = higher than all of
   them) and the share of them below it (a tie counts half).

:func:`compare` joins 2 and 3. No function names another kommune: the outputs hold the kommune's own value
and summaries over the other kommuner only.

**Never against itself, never over too few.** A kommune is not part of the distribution it is compared
with: with it inside, a benchmark over one kommune compares Hedensted with Hedensted, and over two the
other kommune's value follows from the median and Hedensted's own value. A distribution is shown only over
at least :data:`MIN_BENCHMARK_KOMMUNER` = 5 other kommuner. Why 5: the quantiles are linear interpolations
between the sorted values, so with k values each published quantile is one linear equation in them. With
k <= 3 the report's three quartiles determine every value (k = 2: q25 and q75 give both; k = 3: the
median is the middle value, the quartiles the midpoints); with k = 4 one more published number (the own
value and rank) is enough to bound them tightly. From 5 on, the quartiles leave at least the two extreme
kommuner unknown, no quantile is a mixture of fewer than the values around it, and a rank "r of 5 or
more" no longer singles out a kommune. Any quantile at an integer position (e.g. the median of an odd
number of kommuner) equals some kommune's value, as every published median does: which kommune is never
said. 5 is also the respondents' ``min_n``, one threshold readers already know.

**Once per batch.** What a kommune report needs about the other kommuner is one small table: every
kommune's index per wave and its change, of its shareable answers (:func:`national_tables`). The batch
computes it once and hands it to every report (:meth:`NationalTables.write`, :meth:`NationalTables.read`);
a report built without it computes the same table itself. The disclosure rule works per kommune, so each
report's own masks are its kommune's alone (:func:`relkap.report.tables.shared_tables`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import scoring
from .config import MIN_N
from .errors import InputError
from .files import write_text
from .instrument import Instrument
from .measurement import rk_wave_invariance
from .privacy import shareable

__all__ = ["QUANTILES", "CHANGE", "MIN_BENCHMARK_KOMMUNER", "measures", "distribution", "never_single", "position",
           "compare", "index_benchmark", "INDEX_BENCHMARK_COLUMNS", "NationalTables", "national_tables"]

QUANTILES: dict[str, float] = {"p5": 0.05, "q25": 0.25, "median": 0.5, "q75": 0.75, "p95": 0.95}
CHANGE = "change"  # the measure follow-up minus baseline
MIN_BENCHMARK_KOMMUNER = 5  # other kommuner with a value needed to show a distribution (module docstring)
INDEX_BENCHMARK_COLUMNS = ["measure", "value", "n_kommuner", "enough", "median", "q25", "q75", "rank"]


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
                 quantiles: dict[str, float] | None = None, *, exclude: int | None = None,
                 min_kommuner: int = MIN_BENCHMARK_KOMMUNER, kommune: str = "kommune") -> pd.DataFrame:
    """The distribution of ``value`` over the kommuner, per ``by`` cell.

    Parameters
    ----------
    values : DataFrame
        One row per kommune and ``by`` cell (:func:`measures`).
    by : sequence of str
        The cells compared separately (at least one column).
    quantiles : dict, optional
        Output column -> quantile; default :data:`QUANTILES` (``p5, q25, median, q75, p95``).
    exclude : int, optional
        The kommune being compared: left out, so it is never compared with itself.
    min_kommuner : int
        The fewest kommuner (after ``exclude``) a shown distribution is over (:data:`MIN_BENCHMARK_KOMMUNER`).

    Returns
    -------
    DataFrame
        One row per ``by`` cell (sorted): ``*by, n_kommuner`` (kommuner with a value, ``exclude`` not
        counted), ``enough`` (``n_kommuner >= min_kommuner``) and one column per quantile, missing where not
        ``enough``.

    Notes
    -----
    Quantiles interpolate linearly between order statistics (type 7 of Hyndman and Fan, the default of R,
    numpy and pandas), except where that is one kommune's value: :func:`never_single`.

    Examples
    --------
    >>> v = pd.DataFrame({"kommune": [1, 2, 3, 4, 5, 6], "measure": "b", "value": [3.0, 3.2, 4.0, 4.5, 5.0, 9.0]})
    >>> distribution(v, quantiles={"q25": 0.25, "median": 0.5}, exclude=6)  # not 3.2 and 4.0: never_single
      measure  n_kommuner  enough  q25  median
    0       b           5    True  3.5    3.85
    >>> distribution(v, quantiles={"median": 0.5}, min_kommuner=7)
      measure  n_kommuner  enough  median
    0       b           6   False     NaN
    """
    quantiles = QUANTILES if quantiles is None else quantiles
    by = list(by)
    # every cell of ``values`` gets a row, also one where only the excluded kommune has a value (n = 0)
    cells = pd.MultiIndex.from_frame(values[by].drop_duplicates().sort_values(by)) if len(by) > 1 else \
        pd.Index(sorted(values[by[0]].unique()), name=by[0])
    others = values if exclude is None else values[values[kommune] != exclude]
    g = others.groupby(by, observed=True)[value]
    out = pd.DataFrame(index=cells, columns=list(quantiles), dtype=float)
    if len(others):
        q = _never_single_by(g, others[value].to_numpy(dtype=float), quantiles)
        out.loc[q.index, list(quantiles)] = q.to_numpy()
    n = g.size().reindex(cells, fill_value=0).astype(int)
    out.insert(0, "n_kommuner", n)
    out.insert(1, "enough", n >= min_kommuner)
    out.loc[~out["enough"], list(quantiles)] = float("nan")
    return out.reset_index()


def never_single(values, q: float) -> float:
    """The ``q`` quantile of ``values`` that is never one kommune's value: an interpolation across two.

    The linear quantile (type 7: with sorted :math:`x_{(1)} \\le ... \\le x_{(n)}` and :math:`h = (n - 1)q`,
    :math:`Q = x_{(\\lfloor h \\rfloor + 1)} + (h - \\lfloor h \\rfloor)(x_{(\\lfloor h \\rfloor + 2)} -
    x_{(\\lfloor h \\rfloor + 1)})`) where ``h`` is not a whole number. Where it is, type 7 is exactly the
    kommune at position ``h + 1`` (the median of 9 kommuner is the 5th): the benchmark would publish that
    kommune's value. Then the quantile is the midpoint of its two neighbours, :math:`(x_{(h)} + x_{(h+2)}) / 2`
    (for ``q`` = 0 or 1, of the two lowest or highest), which is between them, mixes two kommuner and is
    unbiased for a locally even spread. Three such quartiles of 5 or more kommuner are three equations in
    at least four unknown values, so no kommune's value follows from them.

    Examples
    --------
    >>> never_single([1.0, 2.0, 3.0, 4.0, 10.0], 0.5)  # type 7 would give 3.0, the 3rd kommune's value
    3.0
    >>> never_single([1.0, 2.0, 3.5, 4.0, 10.0], 0.5)
    3.0
    >>> never_single([1.0, 2.0, 3.0, 4.0], 0.5)  # h = 1.5: type 7, between the 2nd and 3rd
    2.5
    """
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    if n == 0:
        return float("nan")
    if n == 1:
        return float(x[0])
    h = (n - 1) * q
    lo = int(np.floor(h))
    frac = h - lo
    if frac > 1e-12:
        return float(x[lo] + frac * (x[min(lo + 1, n - 1)] - x[lo]))
    a, b = (lo - 1, lo + 1) if 0 < lo < n - 1 else ((0, 1) if lo == 0 else (n - 2, n - 1))
    return float((x[a] + x[b]) / 2)


def _never_single_by(g, x: np.ndarray, quantiles: dict[str, float]) -> pd.DataFrame:
    """:func:`never_single` per group of ``g`` (a groupby of the rows of ``x``), vectorised over the groups."""
    codes = g.ngroup().to_numpy()
    order = np.lexsort((x, codes))
    xs, sizes = x[order], np.bincount(codes, minlength=g.ngroups)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    last = np.maximum(sizes - 1, 0)
    out = {}
    for name, q in quantiles.items():
        h = last * q
        lo = np.floor(h + 1e-12).astype(np.int64)
        frac = np.where(h - lo > 1e-12, h - lo, 0.0)
        hi = np.minimum(lo + 1, last)
        between = xs[starts + lo] + frac * (xs[starts + hi] - xs[starts + lo])
        # the neighbours of position lo; at an end, the two lowest or highest (one kommune: itself)
        a = np.clip(np.where(lo == last, lo - 1, np.where(lo == 0, 0, lo - 1)), 0, last)
        b = np.clip(np.where(lo == 0, 1, np.where(lo == last, last, lo + 1)), 0, last)
        midpoint = (xs[starts + a] + xs[starts + b]) / 2
        out[name] = np.where(frac > 0, between, midpoint)
    return pd.DataFrame(out, index=g.size().index)


def position(values: pd.DataFrame, kommune: int, by: Sequence[str] = ("measure",), value: str = "value",
             kommune_column: str = "kommune") -> pd.DataFrame:
    """Where ``kommune`` stands among the other kommuner, per ``by`` cell in which it has a value.

    Returns
    -------
    DataFrame
        One row per ``by`` cell of the kommune: ``*by, value`` (its own value), ``rank`` (1 + the number of
        other kommuner with a higher value; 1 = highest) and ``share_below`` (its percentile rank among the
        others, see Notes; missing when no other kommune has a value).

    Notes
    -----
    With :math:`x` the kommune's value and :math:`x_1, ..., x_n` the values of the :math:`n` other
    kommuner: rank :math:`= 1 + \\#\\{x_i > x\\}` and share below
    :math:`= (\\#\\{x_i < x\\} + \\tfrac12 \\#\\{x_i = x\\}) / n`.

    Examples
    --------
    >>> v = pd.DataFrame({"kommune": [1, 2, 3, 4], "measure": "b", "value": [3.0, 3.5, 4.0, 4.5]})
    >>> position(v, 2)
      measure  value  rank  share_below
    0       b    3.5     3     0.333333
    """
    by = list(by)
    own = values.loc[values[kommune_column] == kommune, [*by, value]].rename(columns={value: "own"})
    others = values.loc[values[kommune_column] != kommune, [*by, value]]
    cmp = others.merge(own, on=by)
    x, mine = cmp[value].to_numpy(), cmp["own"].to_numpy()
    cmp["_above"] = (x > mine).astype(int)
    cmp["_below"] = (x < mine) + 0.5 * (x == mine)
    g = cmp.groupby(by, observed=True, sort=False)
    out = own.merge(g["_above"].sum().rename("rank").add(1).reset_index(), on=by, how="left")
    out["rank"] = out["rank"].fillna(1).astype(int)
    out = out.merge(g["_below"].mean().rename("share_below").reset_index(), on=by, how="left")
    return out.rename(columns={"own": "value"}).reset_index(drop=True)


def compare(values: pd.DataFrame, kommune: int, by: Sequence[str] = ("measure",), value: str = "value",
            quantiles: dict[str, float] | None = None,
            min_kommuner: int = MIN_BENCHMARK_KOMMUNER) -> pd.DataFrame:
    """:func:`distribution` over the other kommuner with the kommune's :func:`position` beside it.

    Returns
    -------
    DataFrame
        ``*by, n_kommuner, enough``, the quantile columns, ``value``, ``rank`` and ``share_below``. The
        quantiles, rank and share are missing where fewer than ``min_kommuner`` other kommuner have a value
        (only the count is shown), and the last three where the kommune has no value (it is suppressed).

    Examples
    --------
    >>> v = pd.DataFrame({"kommune": [1, 2, 3, 1], "measure": ["b", "b", "b", "f"], "value": [3.0, 4.0, 5.0, 2.0]})
    >>> compare(v, 3, quantiles={"median": 0.5}, min_kommuner=2)
      measure  n_kommuner  enough  median  value  rank  share_below
    0       b           2    True     3.5    5.0     1          1.0
    1       f           1   False     NaN    NaN  <NA>          NaN
    """
    by = list(by)
    out = distribution(values, by, value, quantiles, exclude=kommune, min_kommuner=min_kommuner)
    out = out.merge(position(values, kommune, by, value), on=by, how="left")
    out["rank"] = out["rank"].astype("Int64").where(out["enough"])
    out["share_below"] = out["share_below"].where(out["enough"])
    return out


@dataclass(frozen=True)
class NationalTables:
    """What every kommune report needs about all kommuner, computed once per batch (:func:`national_tables`).

    Attributes
    ----------
    min_n : int
        The disclosure threshold the table was computed with (a report at another ``min_n`` refuses it).
    waves : tuple of str
        The baseline and follow-up labels.
    index : DataFrame
        ``kommune, measure, value``: every kommune's RK index per wave and its change (:func:`measures`),
        of its shareable answers, suppressed kommune-waves left out.
    invariance : tuple, optional
        The RK instrument's invariance across waves in the pooled data
        (:func:`relkap.measurement.rk_wave_invariance`: level and freed dimensions), which every report's
        methods state; ``None``: not computed (the report computes it).
    """

    min_n: int
    waves: tuple[str, str]
    index: pd.DataFrame
    invariance: tuple[str, tuple[str, ...]] | None = None

    def write(self, path: str | os.PathLike) -> Path:
        """Write the tables as JSON (floats exactly: Python writes the shortest repr that reads back equal)."""
        rows = [[int(k), str(m), float(v)] for k, m, v in self.index[["kommune", "measure", "value"]].itertuples(
            index=False)]
        data = {"kind": "relkap national tables", "min_n": int(self.min_n), "waves": list(self.waves),
                "index": {"columns": ["kommune", "measure", "value"], "rows": rows},
                "invariance": None if self.invariance is None else [self.invariance[0], list(self.invariance[1])]}
        return write_text(path, json.dumps(data, ensure_ascii=False) + "\n")

    @classmethod
    def read(cls, path: str | os.PathLike) -> NationalTables:
        """Read a file :meth:`write` wrote; anything else is refused with the file named."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            if data.get("kind") != "relkap national tables":
                raise ValueError
            index = pd.DataFrame(data["index"]["rows"], columns=data["index"]["columns"])
            inv = data.get("invariance")
            return cls(int(data["min_n"]), tuple(data["waves"]), index.astype({"kommune": "int64", "value": float}),
                       None if inv is None else (str(inv[0]), tuple(map(str, inv[1]))))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputError(path, "not a national tables file of a relkap batch run",
                             fix="pass the file the batch wrote, or none (the report then computes it)") from exc


def national_tables(data, instrument: Instrument, min_n: int = MIN_N, *, invariance: bool = True) -> NationalTables:
    """Every kommune's RK index per wave and its change, of the answers that may be shared: the table each
    report's :func:`index_benchmark` compares with, and the RK instrument's invariance across waves in the
    pooled data (each report's methods), computed once for a whole batch.

    Parameters
    ----------
    data : relkap.io.Tables
        The store's tables (only ``relations`` is read).
    instrument : Instrument
    min_n : int
        The disclosure threshold (:func:`relkap.privacy.shareable` per kommune, and units below it left out).
    invariance : bool
        Also fit the invariance models (a second or two); False leaves ``invariance`` None.

    Returns
    -------
    NationalTables

    Notes
    -----
    The index of each kommune and wave is :func:`relkap.scoring.unit_index` (respondent weighting) of its
    :func:`relkap.privacy.shareable` answers (hidden groups and ties left out, as in the report's own
    index); a kommune-wave below ``min_n`` respondents is left out.

    Examples
    --------
    >>> from relkap import load_instrument, synth
    >>> inst, t = load_instrument(), synth.example_tables(2, respondents=30, key=b"example")
    >>> nat = national_tables(t, inst)
    >>> nat.index.groupby("measure", sort=False).size().to_dict()
    {'baseline': 2, 'followup': 2, 'change': 2}
    """
    relations = shareable(data.relations, min_n, min_items=instrument.min_items)
    unit = scoring.unit_index(relations, instrument, by=["kommune", "wave"], min_n=min_n)
    unit = unit[~unit["suppressed"]]
    waves = (instrument.waves.baseline, instrument.waves.followup)
    values = measures(unit, *waves)
    return NationalTables(int(min_n), waves, values.astype({"kommune": "int64", "value": float}),
                          rk_wave_invariance(data, instrument) if invariance else None)


def index_benchmark(relations: pd.DataFrame, instrument: Instrument, kommune: int, min_n: int = MIN_N,
                    min_kommuner: int = MIN_BENCHMARK_KOMMUNER, *,
                    national: NationalTables | None = None) -> pd.DataFrame:
    """Where the kommune's RK index stands among the other kommuner in ``relations``, per wave and for the change.

    The index of each kommune and wave is :func:`relkap.scoring.unit_index` (respondent weighting) of the
    answers that may be shared (:func:`relkap.privacy.shareable`: hidden groups and ties left out, as in
    the report's own index); a kommune-wave below ``min_n`` respondents is left out of the distribution.
    ``national`` (:func:`national_tables` of the same data and ``min_n``, e.g. once per batch) gives these
    values without computing them again (``relations`` is then not read).

    Returns
    -------
    DataFrame
        One row per measure in which the kommune has a value (baseline wave label, follow-up wave label,
        ``change``): ``measure, value, n_kommuner`` (other kommuner with a value), ``enough`` (at least
        ``min_kommuner`` of them), ``median, q25, q75`` and ``rank`` (1 = highest; 1 + the number of other
        kommuner above), the last four missing when not ``enough``. No other kommune is named.

    Examples
    --------
    >>> import numpy as np, relkap
    >>> inst = relkap.load_instrument()
    >>> rng = np.random.default_rng(1)
    >>> rel = pd.DataFrame([{"kommune": k, "wave": w, "respondent_id": f"{k}{w}{r}", "group": "skole",
    ...                      "target": "ppr", "item": i, "score": float(rng.integers(2, 6))}
    ...                     for k in (101, 147, 157, 159, 161, 175, 336) for w in ("baseline", "followup")
    ...                     for r in range(5) for i in inst.relational_codes])
    >>> b = index_benchmark(rel, inst, 336)
    >>> b[["measure", "n_kommuner", "enough"]].to_numpy().tolist()
    [['baseline', 6, True], ['followup', 6, True], ['change', 6, True]]
    >>> bool(b["rank"].between(1, 7).all())
    True
    >>> index_benchmark(rel[rel["kommune"].isin([175, 336])], inst, 336)[["n_kommuner", "enough", "rank"]].head(1)
       n_kommuner  enough  rank
    0           1   False  <NA>
    """
    waves = (instrument.waves.baseline, instrument.waves.followup)
    if national is None:
        national = national_tables(_Relations(relations), instrument, min_n, invariance=False)
    elif national.min_n != min_n or tuple(national.waves) != waves:
        raise ValueError(f"national tables of min_n {national.min_n} and waves {list(national.waves)} given to a "
                         f"benchmark of min_n {min_n} and waves {list(waves)}: compute them with the same")
    out = compare(national.index, kommune, quantiles={k: QUANTILES[k] for k in ("median", "q25", "q75")},
                  min_kommuner=min_kommuner)
    order = {m: i for i, m in enumerate((*waves, CHANGE))}
    out = out.dropna(subset=["value"]).sort_values("measure", key=lambda s: s.map(order))
    return out[INDEX_BENCHMARK_COLUMNS].reset_index(drop=True)


@dataclass(frozen=True)
class _Relations:
    """A relations table where :func:`national_tables` reads a store's tables."""

    relations: pd.DataFrame
