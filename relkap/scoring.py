"""Scores of the relational survey: respondent scores, directed ties, received/perceived, unit index.

:func:`respondent_scores`, :func:`tie_scores` and :func:`unit_index` take the tidy ``relations`` table of
``docs/contract.md`` (one row per respondent, target group and relational item; keyed scores, "ved ikke"
as NaN); :func:`tie_matrix` and :func:`received_perceived` take the output of :func:`tie_scores`;
:func:`scale_scores` (from :mod:`relkap.scales`) takes the ``scales`` or ``citizens`` table. Each returns
a tidy DataFrame.

Scoring (the tidy inputs and outputs are specified in ``docs/contract.md``):

- s(r, B): respondent r's score of target group B = mean of r's valid items for B, required
  ``instrument.min_items`` valid items for the RK index (1 for a single dimension).
- T(A->B): directed tie = mean of s(r, B) over the raters r in group A, with n, SD and a t-based 95% CI.
- received(B) = mean over A != B of T(A->B); perceived(A) = mean over B != A of T(A->B).
- Respondent index = mean of s(r, B) over r's targets; unit index = mean over respondents (or over ties).

Privacy: a tie or unit with fewer than ``min_n`` raters is suppressed (no mean, SD, CI or band), and
received/perceived and the tie-weighted unit index only use unsuppressed ties.

The heavy work is done on integer codes (:mod:`relkap.grouping`): every key column is turned into codes once (categoricals are
free), rows are coded by respondent and then by respondent x target (a key space small enough to count
with ``numpy.bincount`` instead of hashing), and every statistic is a ``bincount``. At national scale
(98 kommuner, 3.7 million rows) :func:`tie_scores` takes about half the time of a bare two-step pandas
groupby computing the tie means alone (``benchmarks/bench_scoring.py``).

References
----------
- Gittell, J. H. (2016). *Transforming Relationships for High Performance: The Power of Relational
  Coordination*. Stanford University Press. Relationel kapacitet (RK; C. Hornstrup and J. Storch, Joint
  Action) extends Relational Coordination to the six dimensions of ``params/instrument.yaml``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .checks import as_list, check_choice, check_columns, check_min_n, check_numeric
from .config import MIN_N
from .grouping import combine, decode, dense_groups, factorize, levels_size, split_key
from .instrument import Instrument
from .scales import scale_scores  # re-exported: relkap.scoring.scale_scores is public API

__all__ = [
    "respondent_scores",
    "respondent_index",
    "tie_scores",
    "suppress_ties",
    "tie_matrix",
    "received_perceived",
    "unit_index",
    "scale_scores",
    "describe",
    "band",
]

RK = "rk"
BANDS = ("weak", "moderate", "strong")
_BAND_DTYPE = pd.CategoricalDtype(list(BANDS), ordered=True)
# Identity of a respondent in the relational table (respondent ids are pseudonyms per kommune).
_IDENTITY = ("kommune", "wave", "respondent_id", "group")
_RELATIONS = ("kommune", "wave", "respondent_id", "group", "target", "item", "score")
_TIE_VALUES = ("n", "mean", "sd", "ci_low", "ci_high", "band", "suppressed", "diagonal")
# Means are averages of averages of integer answers: 4.0 may come out as 3.9999999999999996. Bands are
# assigned on the mean rounded to this many decimals so that a boundary value lands where it belongs.
_BAND_DECIMALS = 9


# -- respondent x target units --------------------------------------------------------------------------------------
def _dimension_dtype(instrument: Instrument) -> pd.CategoricalDtype:
    """The ``dimension`` column's dtype: "rk" then the relational items, whatever was asked for, so
    that tables of the index and of single dimensions concatenate without losing the categorical."""
    return pd.CategoricalDtype([RK, *instrument.relational_codes])


def _dimension_lookup(item_levels: object, instrument: Instrument, dimension: str | None) -> np.ndarray:
    """Dimension code (in :func:`_dimension_dtype`) of every item level; -1 = item not used.

    ``None``/"rk" pools the relational items into "rk"; "all" keeps every relational item as its own
    dimension; an item code keeps that item only.
    """
    codes = instrument.relational_codes
    items = list(item_levels.categories if isinstance(item_levels, pd.CategoricalDtype) else item_levels)
    pos = {c: k + 1 for k, c in enumerate(codes)}
    if dimension is None or dimension == RK:
        return np.array([0 if i in pos else -1 for i in items], dtype=np.int64)
    if dimension == "all":
        return np.array([pos.get(i, -1) for i in items], dtype=np.int64)
    if isinstance(dimension, str) and dimension in pos:
        return np.array([pos[dimension] if i == dimension else -1 for i in items], dtype=np.int64)
    raise ValueError(f"dimension must be None, 'rk', 'all' or one of the relational items {codes}, got {dimension!r}")


class _Units:
    """Respondent x target (x dimension) scores: the first stage of every relational statistic.

    Two steps keep the keys small: rows are first coded by respondent (``resp_cols``: the ``by`` columns
    and kommune, wave, respondent_id, group), then by respondent x target (x dimension), a key space small
    enough to count densely. ``score`` and ``n_items`` are per unit; :meth:`code` gives any key column per
    unit; ``levels`` holds each column's categories or uniques.
    """

    def __init__(self, relations: pd.DataFrame, instrument: Instrument, dimension: str | None,
                 by: Iterable[str] = (), extra: bool = False):
        check_columns(relations, ["respondent_id", "group", "target", "item", "score"])
        check_numeric(relations, "score")
        by = list(by)
        for c in by:
            if c in ("target", "item", "score"):
                raise ValueError(f"'{c}' cannot be a 'by' column")
        check_columns(relations, by)
        identity = [c for c in _IDENTITY if c in relations.columns]
        if extra:  # other id columns (e.g. arm) travel with the respondent
            identity += [c for c in relations.columns if c not in _RELATIONS]
        self.by = by
        self.resp_cols = by + [c for c in identity if c not in by]
        item_codes, item_levels = factorize(relations["item"])
        lut = _dimension_lookup(item_levels, instrument, dimension)
        self.dimension_dtype = _dimension_dtype(instrument)
        self.per_dimension = not (dimension is None or dimension == RK)
        dim = np.where(item_codes >= 0, lut[item_codes], -1) if len(lut) else np.full(len(relations), -1)
        keep = dim >= 0
        self.inner = ["target"] + (["dimension"] if self.per_dimension else [])
        raw: dict[str, np.ndarray] = {}
        self.levels: dict[str, object] = {}
        for c in self.resp_cols + self.inner:
            if c == "dimension":
                raw[c], self.levels[c] = dim, self.dimension_dtype
                continue
            # Respondent ids are pseudonyms: their order does not matter, so skip sorting them.
            raw[c], self.levels[c] = factorize(relations[c], sort=c != "respondent_id")
            keep &= raw[c] >= 0
        score = relations["score"].to_numpy(dtype=np.float64)
        if not keep.all():
            raw = {c: v[keep] for c, v in raw.items()}
            score = score[keep]
        self._common_group_target(raw)
        n = len(score)
        # Step 1: respondents.
        rsizes = [self.size(c) for c in self.resp_cols]
        resp, rkeys = dense_groups(combine([raw[c] for c in self.resp_cols], rsizes, n), math.prod(rsizes))
        self.resp_codes = dict(zip(self.resp_cols, split_key(rkeys, rsizes), strict=True))
        self.n_resp = len(rkeys)
        # Step 2: respondent x target (x dimension).
        isizes = [self.size(c) for c in self.inner]
        self._inner_sizes = isizes
        ukey = combine([resp, *(raw[c] for c in self.inner)], [self.n_resp, *isizes], n)
        del raw
        unit, self.key = dense_groups(ukey, self.n_resp * math.prod(isizes))
        self.resp = self.key // math.prod(isizes)
        n_units = len(self.key)
        valid = ~np.isnan(score)
        self.n_items = np.bincount(unit, weights=valid, minlength=n_units).astype(np.int64)
        sums = np.bincount(unit, weights=np.where(valid, score, 0.0), minlength=n_units)
        need = 1 if self.per_dimension else instrument.min_items
        with np.errstate(invalid="ignore", divide="ignore"):
            self.score = np.where(self.n_items >= need, sums / self.n_items, np.nan)
        self._codes: dict[str, np.ndarray] = {}

    def size(self, col: str) -> int:
        return levels_size(self.levels[col])

    def _common_group_target(self, raw: dict[str, np.ndarray]) -> None:
        """Give group and target one category list, so that they compare and merge."""
        g, t = self.levels["group"], self.levels["target"]
        if isinstance(g, pd.CategoricalDtype) and isinstance(t, pd.CategoricalDtype) and g != t:
            cats = list(g.categories) + [c for c in t.categories if c not in set(g.categories)]
            common = pd.CategoricalDtype(cats)
            for col, lev in (("group", g), ("target", t)):
                raw[col] = pd.Index(cats).get_indexer(lev.categories)[raw[col]]
                self.levels[col] = common

    def code(self, col: str) -> np.ndarray:
        """Code of ``col`` for every unit."""
        if col not in self._codes:
            if col in self.resp_codes:
                self._codes[col] = self.resp_codes[col][self.resp]
            else:
                k = self.inner.index(col)
                stride = math.prod(self._inner_sizes[k + 1:])
                self._codes[col] = (self.key // stride) % self._inner_sizes[k]
        return self._codes[col]

    def dimension_column(self, n: int, codes: dict[str, np.ndarray] | None = None) -> pd.Categorical:
        """The ``dimension`` column of every unit (or of the groups whose ``codes`` are given)."""
        if not self.per_dimension:
            return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), dtype=self.dimension_dtype)
        return decode(self.code("dimension") if codes is None else codes["dimension"], self.dimension_dtype)

    def is_diagonal(self, group_codes: np.ndarray, target_codes: np.ndarray) -> np.ndarray:
        """Whether group == target, from their codes."""
        g, t = self.levels["group"], self.levels["target"]
        gi = pd.Index(g.categories if isinstance(g, pd.CategoricalDtype) else g)
        ti = pd.Index(t.categories if isinstance(t, pd.CategoricalDtype) else t)
        return gi.get_indexer(ti)[target_codes] == group_codes

    @property
    def diagonal(self) -> np.ndarray:
        return self.is_diagonal(self.code("group"), self.code("target"))

    def frame(self, columns: Iterable[str], codes: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
        """Decoded key columns (of every unit, or of the groups whose ``codes`` are given)."""
        return pd.DataFrame({c: decode(self.code(c) if codes is None else codes[c], self.levels[c])
                             for c in columns})

    def group_by(self, columns: Sequence[str], mask: np.ndarray | None = None,
                 ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Group code of every (masked) unit over ``columns`` (sorted) and the codes of each group."""
        columns = list(dict.fromkeys(columns))
        if columns == self.resp_cols:
            key, sizes = self.resp, [self.n_resp]
        else:
            sizes = [self.size(c) for c in columns]
            key = combine([self.code(c) for c in columns], sizes, len(self.key))
        if mask is not None:
            key = key[mask]
        g, gkey = dense_groups(key, math.prod(sizes))
        if columns == self.resp_cols:
            return g, {c: v[gkey] for c, v in self.resp_codes.items()}
        return g, dict(zip(columns, split_key(gkey, sizes), strict=True))


# -- statistics on grouped values ----------------------------------------------------------------------
def _describe(groups: np.ndarray, values: np.ndarray, n_groups: int) -> dict[str, np.ndarray]:
    """n, mean, sd (ddof 1) and t-based 95% CI of ``values`` per group code; NaN values are skipped."""
    ok = ~np.isnan(values)
    g, x = groups[ok], values[ok]
    n = np.bincount(g, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(g, weights=x, minlength=n_groups) / n
        dev = x - mean[g]
        var = np.bincount(g, weights=dev * dev, minlength=n_groups) / (n - 1)
        sd = np.where(n >= 2, np.sqrt(var), np.nan)
        # t quantiles of the few distinct n only: ppf is slow on long arrays.
        distinct, inverse = np.unique(n, return_inverse=True)
        tcrit = stats.t.ppf(0.975, np.where(distinct >= 2, distinct - 1, np.nan))[inverse]
        half = tcrit * sd / np.sqrt(n)
    return {"n": n.astype(np.int64), "mean": mean, "sd": sd, "ci_low": mean - half, "ci_high": mean + half}


def describe(data: pd.DataFrame, value: str, by: str | Sequence[str], min_n: int | None = None) -> pd.DataFrame:
    """n, mean, SD and t-based 95% CI of ``value`` per cell of ``by`` (the statistic every tie uses).

    Parameters
    ----------
    data : DataFrame
        Long table, one row per observation (e.g. one respondent score).
    value : str
        Numeric column; missing values are skipped.
    by : str or list of str
        The cell columns, in order of first appearance in ``data``.
    min_n : int, optional
        Cells with fewer observations are suppressed (no mean, SD or CI).

    Returns
    -------
    DataFrame
        ``*by, n, mean, sd, ci_low, ci_high, suppressed``.

    Notes
    -----
    CI = mean ± t(0.975, n - 1) · sd / sqrt(n); sd with ddof 1 (missing for n < 2).

    Examples
    --------
    >>> d = pd.DataFrame({"g": ["a", "a", "a", "b"], "x": [3.0, 4.0, 5.0, 2.0]})
    >>> describe(d, "x", "g").round(3).to_dict("records")[0]
    {'g': 'a', 'n': 3, 'mean': 4.0, 'sd': 1.0, 'ci_low': 1.516, 'ci_high': 6.484, 'suppressed': False}
    """
    by = as_list(by)
    check_columns(data, [*by, value])
    check_numeric(data, value)
    check_min_n(min_n)
    # cells numbered in order of first appearance, as drop_duplicates lists them
    codes = data.groupby(by, sort=False, observed=True, dropna=False).ngroup().to_numpy()
    frame = data[by].drop_duplicates().reset_index(drop=True)
    out = _describe(codes, data[value].to_numpy(dtype=float), len(frame))
    suppressed = _suppress(out, min_n)
    for c in ("n", "mean", "sd", "ci_low", "ci_high"):
        frame[c] = out[c]
    frame["suppressed"] = suppressed
    return frame


def _suppress(out: dict[str, np.ndarray], min_n: int | None) -> np.ndarray:
    """Blank the values of groups with n < min_n (in place); return the suppressed flags."""
    suppressed = out["n"] < (min_n or 0)
    for c in ("mean", "sd", "ci_low", "ci_high"):
        out[c] = np.where(suppressed, np.nan, out[c])
    return suppressed


def _resolve_bands(instrument: Instrument, bands: tuple[float, float] | None) -> tuple[float, float]:
    if bands is None:
        return instrument.bands.weak_below, instrument.bands.strong_above
    try:
        weak_below, strong_above = (float(b) for b in bands)
    except (TypeError, ValueError):
        raise ValueError(f"bands must be a pair (weak_below, strong_above), got {bands!r}") from None
    if strong_above < weak_below:
        raise ValueError(f"bands: strong_above ({strong_above}) must be at least weak_below ({weak_below})")
    return weak_below, strong_above


def band(mean: np.ndarray | pd.Series | float, weak_below: float = 3.5, strong_above: float = 4.0) -> pd.Categorical:
    """Strength band of tie means: weak < ``weak_below`` <= moderate <= ``strong_above`` < strong.

    Parameters
    ----------
    mean : array-like
        Tie means; NaN gives a missing band.
    weak_below, strong_above : float
        Band limits (defaults 3.5 and 4.0, as Relational Coordination Analytics reports show them;
        unconfirmed as official, so configurable).

    Returns
    -------
    pandas.Categorical
        Ordered categories ``weak < moderate < strong``.

    Notes
    -----
    The mean is rounded to 9 decimals first, so 3.9999999999999996 (a float sum of scores that is 4) is
    moderate and 3.4999999999999996 is moderate too.

    Examples
    --------
    >>> from relkap.scoring import band
    >>> list(band([3.49, 3.5, 4.0, 4.01, float("nan")]))
    ['weak', 'moderate', 'moderate', 'strong', nan]
    """
    m = np.round(np.atleast_1d(np.asarray(mean, dtype=np.float64)), _BAND_DECIMALS)
    codes = np.where(m < weak_below, 0, np.where(m > strong_above, 2, 1))
    codes = np.where(np.isnan(m), -1, codes)
    return pd.Categorical.from_codes(codes, dtype=_BAND_DTYPE)


# -- public API ----------------------------------------------------------------------------------------
def respondent_scores(relations: pd.DataFrame, instrument: Instrument, dimension: str | None = None) -> pd.DataFrame:
    """Each respondent's score of each target group: s(r, B) = mean of r's valid items for B.

    Parameters
    ----------
    relations : DataFrame
        Tidy relational table (``docs/contract.md``): ``kommune, wave, respondent_id, group, target, item,
        score``; keyed scores, NaN for "ved ikke". ``kommune`` and ``wave`` may be absent (one unit).
    instrument : Instrument
        Codebook: ``relational_codes`` (which items count) and ``min_items``.
    dimension : None, "rk", "all" or an item code
        ``None``/"rk": the RK index over all relational items (``dimension`` = "rk"); "all": every
        relational item as its own dimension; an item code: that item only.

    Returns
    -------
    DataFrame
        One row per ``kommune, wave, respondent_id, group, target, dimension`` (sorted, respondents in
        order of appearance) with ``score`` and ``n_items`` (valid items). Any other column of
        ``relations`` (e.g. ``arm``) is kept as an id column after ``group``; it must be constant within a
        respondent, or it splits the respondent's rows. A respondent who answered a
        target only with "ved ikke" has a row with ``n_items`` 0 and no score. Items that are not
        relational items of the instrument are ignored.

    Notes
    -----
    .. math:: s(r, B) = \\frac{1}{m} \\sum_{i \\in V(r, B)} x_{r,B,i}, \\quad m = |V(r, B)|

    where V(r, B) is the set of valid (non-missing) items; the RK score is NaN when m < ``min_items``
    (default 4 of 6). A single dimension needs its one item.

    These are row-level data (one row per pseudonymised respondent): input to the statistics, never a
    table for a shared report, so no ``min_n`` applies here.

    Examples
    --------
    >>> import pandas as pd
    >>> from relkap import load_instrument
    >>> from relkap.scoring import respondent_scores
    >>> rk = load_instrument()
    >>> rel = pd.DataFrame({"kommune": 101, "wave": "baseline", "respondent_id": "r1", "group": "skole",
    ...                     "target": "ppr", "item": rk.relational_codes,
    ...                     "score": [4, 5, 4, 3, float("nan"), 4]})
    >>> respondent_scores(rel, rk)[["target", "dimension", "score", "n_items"]]
      target dimension  score  n_items
    0    ppr        rk    4.0        5
    """
    units = _Units(relations, instrument, dimension, extra=True)
    cols = units.resp_cols + ["target"]
    out = units.frame(cols)
    out["dimension"] = units.dimension_column(len(out))
    out["score"] = units.score
    out["n_items"] = units.n_items
    return out


def tie_scores(
    relations: pd.DataFrame,
    instrument: Instrument,
    by: str | Sequence[str] | None = ("kommune", "wave"),
    dimension: str | None = None,
    min_n: int | None = MIN_N,
    bands: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """Directed ties T(A->B): mean over the raters in group A of their scores of target group B.

    Parameters
    ----------
    relations : DataFrame
        Tidy relational table (``docs/contract.md``).
    instrument : Instrument
        Codebook: relational items, ``min_items`` and the default bands.
    by : column name or list, default ("kommune", "wave")
        Units within which ties are formed (``()`` or ``None`` pools everything, e.g. a national tie).
    dimension : None, "rk", "all" or an item code
        As in :func:`respondent_scores`.
    min_n : int or None, default 5
        Ties with fewer raters are suppressed (``None`` or 0: nothing is suppressed).
    bands : (weak_below, strong_above), optional
        Band limits; default ``instrument.bands``.

    Returns
    -------
    DataFrame
        One row per ``*by, group, target, dimension`` (sorted): ``n`` (raters with a valid score of the
        target), ``mean``, ``sd``, ``ci_low``, ``ci_high`` (t-based 95% CI of the mean over raters),
        ``band`` (ordered categorical weak/moderate/strong), ``suppressed`` (n < min_n: mean, sd, CI and
        band are NaN), ``diagonal`` (group == target: within-group tie). A tie that was asked but has no
        valid score has n 0. ``sd`` and the CI are NaN when n < 2.

    Notes
    -----
    .. math::

        T(A \\to B) = \\bar s = \\frac{1}{n} \\sum_{r \\in A} s(r, B), \\qquad
        CI_{95} = \\bar s \\pm t_{0.975,\\, n-1} \\frac{sd}{\\sqrt{n}}

    Bands: weak < ``weak_below`` <= moderate <= ``strong_above`` < strong (see :func:`band`). Rows are
    raters (``group``), columns targets: T(A->B) is how A experiences B's collaboration with A.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from relkap import load_instrument
    >>> from relkap.scoring import tie_scores
    >>> rk = load_instrument()
    >>> rel = pd.DataFrame({"kommune": 101, "wave": "baseline",
    ...                     "respondent_id": np.repeat([f"r{i}" for i in range(5)], 6),
    ...                     "group": "skole", "target": "ppr", "item": rk.relational_codes * 5,
    ...                     "score": np.repeat([3.0, 4.0, 4.0, 4.0, 5.0], 6)})
    >>> t = tie_scores(rel, rk)
    >>> t[["group", "target", "n", "mean", "band", "suppressed", "diagonal"]]
       group target  n  mean      band  suppressed  diagonal
    0  skole    ppr  5   4.0  moderate       False     False
    >>> round(float(t["ci_low"].iloc[0]), 4)  # 4 - t(0.975, 4) * sqrt(0.5) / sqrt(5)
    3.122
    """
    by = as_list(by)
    if "group" in by:
        raise ValueError("'group' cannot be a 'by' column of tie_scores: every tie has its rater group")
    check_min_n(min_n)
    weak_below, strong_above = _resolve_bands(instrument, bands)
    units = _Units(relations, instrument, dimension, by=by)
    tie_cols = by + ["group", "target"] + (["dimension"] if units.per_dimension else [])
    tie, codes = units.group_by(tie_cols)
    n_ties = len(codes["group"])
    out = _describe(tie, units.score, n_ties)
    suppressed = _suppress(out, min_n)
    frame = units.frame(tie_cols[:-1] if units.per_dimension else tie_cols, codes)
    frame["dimension"] = units.dimension_column(len(frame), codes)
    for c in ("n", "mean", "sd", "ci_low", "ci_high"):
        frame[c] = out[c]
    frame["band"] = band(out["mean"], weak_below, strong_above)
    frame["suppressed"] = suppressed
    frame["diagonal"] = units.is_diagonal(codes["group"], codes["target"])
    return frame


def suppress_ties(ties: pd.DataFrame, min_n: int | None) -> pd.DataFrame:
    """A :func:`tie_scores` table with the threshold ``min_n`` applied afterwards.

    Equals ``tie_scores(..., min_n=min_n)`` computed from the same data (a tie's mean does not depend on
    the threshold, only whether it is shown), so a table scored once with ``min_n=None`` serves every
    threshold of an interactive control. Ties already suppressed stay so. Returns a new table.
    """
    check_min_n(min_n)
    check_columns(ties, ["n", "mean", "sd", "ci_low", "ci_high", "band", "suppressed"])
    out = ties.copy()
    suppressed = out["suppressed"].to_numpy(bool) | (out["n"].to_numpy() < (min_n or 0))
    out.loc[suppressed, ["mean", "sd", "ci_low", "ci_high"]] = np.nan
    out["band"] = out["band"].where(~suppressed)
    out["suppressed"] = suppressed
    return out


def _check_ties(ties: pd.DataFrame) -> list[str]:
    """Check a tie table and return its unit columns (everything but group, target and the values)."""
    check_columns(ties, ["group", "target", "mean"])
    return [c for c in ties.columns if c not in ("group", "target", *_TIE_VALUES)]


def tie_matrix(ties: pd.DataFrame, value: str = "mean") -> pd.DataFrame:
    """Rater group x target group matrix of one kommune, wave and dimension.

    Parameters
    ----------
    ties : DataFrame
        Output of :func:`tie_scores` filtered to one kommune, wave and dimension.
    value : str, default "mean"
        Column to show (``mean``, ``n``, ``band``, ``sd``, ...).

    Returns
    -------
    DataFrame
        Rows = rater group (index name ``group``), columns = target group (``target``); cell (A, B) is
        T(A->B). Groups are ordered as their categories (the codebook) or as they first appear; a tie that
        is not in ``ties`` is NaN. Suppressed ties are NaN in ``mean`` already.

    Examples
    --------
    >>> import pandas as pd
    >>> from relkap.scoring import tie_matrix
    >>> ties = pd.DataFrame({"group": ["a", "a", "b"], "target": ["a", "b", "a"], "mean": [4.2, 3.1, 3.9]})
    >>> tie_matrix(ties)  # doctest: +NORMALIZE_WHITESPACE
    target    a    b
    group
    a       4.2  3.1
    b       3.9  NaN
    """
    units = _check_ties(ties)
    check_columns(ties, [value])
    for c in units:
        if ties[c].nunique(dropna=False) > 1:
            shown = sorted(map(str, ties[c].unique()))[:5]
            raise ValueError(
                f"ties holds several values of '{c}' ({shown}); filter it to one before making a matrix"
            )
    if ties.duplicated(["group", "target"]).any():
        raise ValueError("ties has more than one row per (group, target)")

    def order(col: str) -> list:
        s = ties[col]
        seen = set(s.dropna())
        if isinstance(s.dtype, pd.CategoricalDtype):
            return [c for c in s.cat.categories if c in seen]
        return list(pd.unique(s.dropna()))

    rows, cols = order("group"), order("target")
    values = ties[value]
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    cells = pd.Series(values.to_numpy(), index=pd.MultiIndex.from_arrays(
        [ties["group"].astype(object).to_numpy(), ties["target"].astype(object).to_numpy()]))
    matrix = cells.unstack().reindex(index=rows, columns=cols)
    matrix.index.name, matrix.columns.name = "group", "target"
    return matrix


def received_perceived(ties: pd.DataFrame) -> pd.DataFrame:
    """Received and perceived tie strength of every group (diagonal and suppressed ties left out).

    Parameters
    ----------
    ties : DataFrame
        Output of :func:`tie_scores`; every column other than ``group, target`` and the value columns
        (``kommune, wave, dimension``, ...) defines a unit.

    Returns
    -------
    DataFrame
        One row per unit and group: ``received`` = mean over raters A != B of T(A->B) (how the others
        experience collaborating with B), ``n_received`` = ties averaged, ``perceived`` = mean over targets
        B != A of T(A->B) (how A experiences the others), ``n_perceived``, ``self`` = the diagonal tie
        (NaN when not asked or suppressed). Counts of 0 come with NaN means.

    Notes
    -----
    .. math:: received(B) = \\frac{1}{|A|}\\sum_{A \\ne B} T(A \\to B), \\quad
              perceived(A) = \\frac{1}{|B|}\\sum_{B \\ne A} T(A \\to B)

    Each tie counts once, whatever its n (a mean of tie means, not of respondents).

    Examples
    --------
    >>> import pandas as pd
    >>> from relkap.scoring import received_perceived
    >>> ties = pd.DataFrame({"group": ["a", "a", "b", "b"], "target": ["a", "b", "a", "b"],
    ...                      "mean": [4.5, 3.0, 4.0, 4.0], "suppressed": False, "diagonal": [True, False, False, True]})
    >>> received_perceived(ties)
      group  received  n_received  perceived  n_perceived  self
    0     a       4.0           1        3.0            1   4.5
    1     b       3.0           1        4.0            1   4.0
    """
    units = _check_ties(ties)
    mean = ties["mean"].to_numpy(dtype=np.float64)
    diagonal = (ties["diagonal"].to_numpy(dtype=bool) if "diagonal" in ties.columns
                else (ties["group"].astype(object) == ties["target"].astype(object)).to_numpy())
    usable = ~np.isnan(mean)
    if "suppressed" in ties.columns:
        usable &= ~ties["suppressed"].to_numpy(dtype=bool)
    cross = usable & ~diagonal

    def _key(role: str) -> pd.DataFrame:
        k = ties[units].copy()
        k["group"] = ties[role].astype(object)
        return k

    parts = []
    for role, name, mask in (("target", "received", cross), ("group", "perceived", cross),
                             ("group", "self", usable & diagonal)):
        k = _key(role)
        k[name] = np.where(mask, mean, np.nan)
        agg = k.groupby(units + ["group"], observed=True, dropna=False, sort=False)[name].agg(["mean", "count"])
        agg.columns = [name, f"n_{name}"]
        parts.append(agg)
    out = pd.concat(parts, axis=1).reset_index()
    out = out.drop(columns="n_self")
    for c in ("n_received", "n_perceived"):
        out[c] = out[c].fillna(0).astype(np.int64)
    # Keep the codebook order of the groups when the tie table has categorical groups.
    cats = [c for col in ("group", "target") if isinstance(ties[col].dtype, pd.CategoricalDtype)
            for c in ties[col].cat.categories]
    if cats:
        out["group"] = pd.Categorical(out["group"], categories=list(dict.fromkeys(cats)))
    out = out.sort_values(units + ["group"], kind="stable").reset_index(drop=True)
    return out[[*units, "group", "received", "n_received", "perceived", "n_perceived", "self"]]


def unit_index(
    relations: pd.DataFrame,
    instrument: Instrument,
    by: str | Sequence[str] | None = ("kommune", "wave"),
    weighting: str = "respondent",
    min_n: int | None = MIN_N,
    include_diagonal: bool = False,
) -> pd.DataFrame:
    """Relational capacity of a unit (kommune and wave): the RK index over its cross-group ties.

    Parameters
    ----------
    relations : DataFrame
        Tidy relational table (``docs/contract.md``).
    instrument : Instrument
        Codebook (relational items, ``min_items``).
    by : column name or list, default ("kommune", "wave")
        The unit.
    weighting : {"respondent", "tie"}
        "respondent": each respondent's index (mean of their valid target scores) counts once.
        "tie": each reportable tie T(A->B) (n >= min_n) counts once, whatever its n.
    min_n : int or None, default 5
        Units with fewer respondents than this are suppressed; for "tie", ties below it are left out.
    include_diagonal : bool, default False
        Whether a respondent's score of their own group counts (Gittell's relational
        coordination index is across groups: the default excludes it).

    Returns
    -------
    DataFrame
        One row per unit: ``*by``, ``n`` = respondents with a valid index (both weightings; the privacy
        count), ``n_ties`` = reportable ties of the unit, ``mean``, ``sd``, ``ci_low``, ``ci_high``,
        ``weighting``, ``suppressed`` (n < min_n: values NaN). For "respondent", sd and the t-based CI are
        over respondents (df n - 1); for "tie" they are over the tie means (df n_ties - 1) and descriptive
        only, because ties share raters.

    Notes
    -----
    .. math::

        I(r) = \\frac{1}{|B_r|} \\sum_{B \\in B_r} s(r, B), \\qquad
        \\text{respondent: } \\frac{1}{N} \\sum_r I(r), \\qquad
        \\text{tie: } \\frac{1}{|T|} \\sum_{(A, B) \\in T} T(A \\to B)

    B_r = targets r scored validly (other than r's own group unless ``include_diagonal``), T = the
    unsuppressed cross-group ties.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from relkap import load_instrument
    >>> from relkap.scoring import unit_index
    >>> rk = load_instrument()
    >>> rel = pd.DataFrame({"kommune": 101, "wave": "baseline",
    ...                     "respondent_id": np.repeat([f"r{i}" for i in range(5)], 12),
    ...                     "group": "skole", "target": np.tile(np.repeat(["ppr", "skole"], 6), 5),
    ...                     "item": rk.relational_codes * 10, "score": 4.0})
    >>> unit_index(rel, rk)[["kommune", "wave", "n", "mean", "weighting", "suppressed"]]
       kommune      wave  n  mean   weighting  suppressed
    0      101  baseline  5   4.0  respondent       False
    """
    check_choice("weighting", weighting, ("respondent", "tie"))
    by = as_list(by)
    check_min_n(min_n)
    units = _Units(relations, instrument, None, by=by)
    use = np.ones(len(units.score), dtype=bool) if include_diagonal else ~units.diagonal
    score = units.score[use]
    # The unit of every used respondent x target score; respondents and ties lie within one unit, so
    # writing the unit code at their positions gives each its unit.
    if by:
        unit, unit_codes = units.group_by(by, use)
        n_units = len(unit_codes[by[0]])
    else:
        unit, unit_codes, n_units = np.zeros(int(use.sum()), dtype=np.int64), {}, 1
    # Respondent index: mean of the respondent's valid target scores, then over respondents.
    resp, resp_codes = units.group_by(units.resp_cols, use)
    r = _describe(resp, score, len(resp_codes["respondent_id"]))
    unit_of_resp = np.zeros(len(r["n"]), dtype=np.int64)
    unit_of_resp[resp] = unit
    has_index = r["n"] > 0
    resp_stats = _describe(unit_of_resp[has_index], r["mean"][has_index], n_units)
    # Tie means (cross-group unless include_diagonal), reportable when n >= min_n, then over ties.
    tie, tie_codes = units.group_by(by + [c for c in ("group", "target") if c not in by], use)
    t = _describe(tie, score, len(tie_codes["group"]))
    unit_of_tie = np.zeros(len(t["n"]), dtype=np.int64)
    unit_of_tie[tie] = unit
    reportable = (t["n"] >= (min_n or 0)) & (t["n"] > 0)
    tie_stats = _describe(unit_of_tie[reportable], t["mean"][reportable], n_units)
    out = dict(tie_stats if weighting == "tie" else resp_stats)
    out["n"] = resp_stats["n"]  # the privacy count is respondents in both weightings
    suppressed = _suppress(out, min_n)
    frame = units.frame(by, unit_codes) if by else pd.DataFrame(index=range(1))
    frame["n"] = out["n"]
    frame["n_ties"] = tie_stats["n"]
    for c in ("mean", "sd", "ci_low", "ci_high"):
        frame[c] = out[c]
    frame["weighting"] = weighting
    frame["suppressed"] = suppressed
    return frame


def respondent_index(relations: pd.DataFrame, instrument: Instrument, dimension: str | None = None,
                     include_diagonal: bool = False) -> pd.DataFrame:
    """Each respondent's RK index: the mean of their tie scores s(r, B) over the groups B they scored.

    The one home of the respondent-level index (the wave comparisons, the research unit table and the
    agreement tables use it), so a respondent counts once however many groups they rated.

    Parameters
    ----------
    relations : pandas.DataFrame
        The ``relations`` table.
    instrument : Instrument
        The codebook.
    dimension : str or None
        ``None`` for the RK index (s(r, B) over all relational items), a relational item code for one
        dimension, or ``"all"`` for every dimension (a ``dimension`` column), as :func:`respondent_scores`.
    include_diagonal : bool
        Also average the respondent's score of their own group (left out by default: the index is about
        collaboration with the *other* groups).

    Returns
    -------
    pandas.DataFrame
        One row per respondent and wave (and ``dimension``): the id columns of :func:`respondent_scores` without
        ``target``, ``score`` (the mean over targets) and ``n_targets`` (targets with a score). A respondent
        who answered every target only with "ved ikke" has ``n_targets`` 0 and no score. Rows in order of
        first appearance.

    Notes
    -----
    .. math:: I(r) = \\frac{1}{|B_r|} \\sum_{B \\in B_r} s(r, B), \\quad B_r = \\{B \\ne group(r) : s(r, B)
              \\text{ valid}\\}

    Examples
    --------
    >>> from relkap import load_instrument, synth
    >>> inst, t = load_instrument(), synth.example_tables(1, respondents=30, key=b"example")
    >>> idx = respondent_index(t.relations, inst)
    >>> idx.columns.tolist()
    ['kommune', 'wave', 'respondent_id', 'group', 'dimension', 'score', 'n_targets']
    >>> bool((idx["n_targets"] >= 1).all()), bool(idx.duplicated(["wave", "respondent_id"]).any())
    (True, False)
    """
    s = respondent_scores(relations, instrument, dimension=dimension)
    if not include_diagonal:
        s = s[s["group"].astype(str) != s["target"].astype(str)]
    keys = [c for c in s.columns if c not in ("target", "score", "n_items")]
    g = s.groupby(keys, observed=True, sort=False)["score"]
    return pd.DataFrame({"score": g.mean(), "n_targets": g.count()}).reset_index()
