"""Intercoder agreement: Cohen's kappa and Krippendorff's alpha on tidy tables of codings.

Content analysis of interviews and formal documents reports how far independent coders agree where two or
more coded the same material. The input is long: one row per unit (a coded passage, a document item), coder
and value; a coder who did not code a unit has no row (or a missing value) there.

- :func:`cohen_kappa`: two coders, the units both coded, nominal values (Cohen 1960).
- :func:`krippendorff_alpha`: any number of coders, missing values allowed, ``nominal``, ``ordinal``,
  ``interval`` or ``ratio`` (Krippendorff 2011), computed by the maintained ``krippendorff`` package.
- :func:`code_agreement`: per code, whether each coder applied it to each unit (1/0): the number of units and
  coders, the observed agreement, kappa (exactly two coders) and nominal alpha, as MAXQDA and NVivo report
  agreement per code at segment level.

Kappa and alpha are undefined (NaN) when every value is the same (no variation to agree on beyond chance).

References
----------
Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational and Psychological Measurement,
20(1), 37-46.
Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability. Annenberg School for Communication
Departmental Papers 43 (the worked example of :func:`krippendorff_alpha` is its section C).
Hayes, A. F. & Krippendorff, K. (2007). Answering the call for a standard reliability measure for coding
data. Communication Methods and Measures, 1(1), 77-89.
"""

from __future__ import annotations

from collections.abc import Sequence

import krippendorff
import numpy as np
import pandas as pd

__all__ = ["cohen_kappa", "krippendorff_alpha", "code_agreement", "structure_agreement", "LEVELS"]

LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")


def _matrix(data: pd.DataFrame, unit: str, coder: str, value: str) -> pd.DataFrame:
    """Coders x units, NaN where a coder has no value; a coder with two values for one unit is an error."""
    missing = [c for c in (unit, coder, value) if c not in data.columns]
    if missing:
        raise ValueError(f"data lacks the columns {missing}")
    d = data[[unit, coder, value]].dropna(subset=[value])
    if d.duplicated([unit, coder]).any():
        u, c = d.loc[d.duplicated([unit, coder]), [unit, coder]].iloc[0]
        raise ValueError(f"coder {c!r} has more than one value for unit {u!r}: one value per unit and coder")
    return d.pivot(index=coder, columns=unit, values=value)


def cohen_kappa(data: pd.DataFrame, unit: str = "unit", coder: str = "coder", value: str = "value") -> float:
    """Cohen's kappa of two coders over the units both coded (nominal values).

    ``kappa = (p_o - p_e) / (1 - p_e)``: ``p_o`` the share of units with the same value, ``p_e`` the chance
    agreement ``sum_k p_1(k) p_2(k)`` from each coder's own distribution of values.

    Examples
    --------
    >>> d = pd.DataFrame({"unit": [1, 2, 3, 4, 1, 2, 3, 4], "coder": list("aaaabbbb"),
    ...                   "value": [1, 1, 0, 0, 1, 0, 0, 0]})
    >>> round(cohen_kappa(d), 4)   # p_o = 3/4, p_e = (2*1 + 2*3)/16 = 1/2
    0.5
    """
    m = _matrix(data, unit, coder, value)
    if len(m) != 2:
        raise ValueError(f"Cohen's kappa needs exactly two coders, not {len(m)} (use krippendorff_alpha)")
    return _kappa(m.to_numpy(dtype=float))


def _kappa(m: np.ndarray) -> float:
    """Cohen's kappa of a 2 x units matrix (NaN: not coded) over the units both coded."""
    both = m[:, ~np.isnan(m).any(axis=0)]
    if both.shape[1] == 0:
        return float("nan")
    a, b = both
    p_o = float(np.mean(a == b))
    cats = np.union1d(a, b)
    p_e = float(sum(np.mean(a == k) * np.mean(b == k) for k in cats))
    return float("nan") if p_e == 1 else (p_o - p_e) / (1 - p_e)


def krippendorff_alpha(data: pd.DataFrame, unit: str = "unit", coder: str = "coder", value: str = "value",
                       level: str = "nominal") -> float:
    """Krippendorff's alpha, ``1 - D_o / D_e``, over the units at least two coders coded (missing allowed).

    Examples
    --------
    Krippendorff (2011), section C: four coders, twelve units, missing values.

    >>> rows = {"A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    ...         "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    ...         "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    ...         "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]}
    >>> d = pd.DataFrame([(u, c, v) for c, vs in rows.items() for u, v in enumerate(vs)],
    ...                  columns=["unit", "coder", "value"])
    >>> round(krippendorff_alpha(d), 3), round(krippendorff_alpha(d, level="interval"), 3)
    (0.743, 0.849)
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    m = _matrix(data, unit, coder, value).to_numpy(dtype=float)
    return _alpha(m[:, (~np.isnan(m)).sum(axis=0) >= 2], level)  # a unit coded once tells nothing on agreement


def _alpha(values: np.ndarray, level: str) -> float:
    """Krippendorff's alpha of a coders x units matrix (NaN: not coded), NaN without two distinct values."""
    if values.size == 0 or len(np.unique(values[~np.isnan(values)])) < 2:
        return float("nan")
    return float(krippendorff.alpha(reliability_data=values, level_of_measurement=level))


def code_agreement(data: pd.DataFrame, code: str = "code", unit: str = "unit", coder: str = "coder",
                   value: str = "coded", by: Sequence[str] = ()) -> pd.DataFrame:
    """Agreement per code (and ``by``) on whether each coder applied it to each unit.

    ``data`` has one row per code, unit and coder with ``value`` 1 (applied) or 0 (the coder coded the
    material but not this code here); missing where the coder did not code the unit.

    Returns
    -------
    DataFrame with ``*by, code, n_units`` (units with at least two coders), ``n_coders``, ``agreement``
    (share of agreeing coder pairs over those units), ``kappa`` (:func:`cohen_kappa`, exactly two coders;
    else NaN) and ``alpha`` (:func:`krippendorff_alpha`, nominal).

    Examples
    --------
    >>> d = pd.DataFrame({"code": "x", "unit": [1, 2, 3, 4] * 2, "coder": ["a"] * 4 + ["b"] * 4,
    ...                   "coded": [1, 1, 0, 0, 1, 0, 0, 0]})
    >>> code_agreement(d)[["code", "n_units", "n_coders", "agreement", "kappa"]].to_dict("records")
    [{'code': 'x', 'n_units': 4, 'n_coders': 2, 'agreement': 0.75, 'kappa': 0.5}]
    """
    by = list(by)
    rows = []
    cols = [*by, code, "n_units", "n_coders", "agreement", "kappa", "alpha"]
    missing = [c for c in (code, unit, coder, value, *by) if c not in data.columns]
    if missing:
        raise ValueError(f"data lacks the columns {missing}")
    # one pass of pandas over all rows (groups, the units' and coders' codes), then numpy per code
    groups = data.groupby([*by, code], sort=True, observed=True, dropna=False)
    gid = groups.ngroup().to_numpy()
    keys = groups.size().index
    valid = data[value].notna().to_numpy()  # a code nobody coded anywhere keeps its row (no units)
    unit_codes = pd.factorize(data[unit])[0]
    coder_codes = pd.factorize(data[coder])[0]
    values = data[value].to_numpy(dtype=float, na_value=np.nan)
    dup = data[valid].duplicated([*by, code, unit, coder]).to_numpy()
    if dup.any():  # the first duplicate of the first code that has one, as a loop over the codes finds it
        at = np.flatnonzero(valid)[dup]
        u, c = data.iloc[at[np.argmin(gid[at])]][[unit, coder]]
        raise ValueError(f"coder {c!r} has more than one value for unit {u!r}: one value per unit and coder")
    order = np.flatnonzero(valid)[np.argsort(gid[valid], kind="stable")]  # each code's rows in table order
    bounds = np.searchsorted(gid[order], np.arange(len(keys) + 1))
    for g, key in enumerate(keys):
        rows_g = order[bounds[g]:bounds[g + 1]]
        units = _first_seen(unit_codes[rows_g])
        coders = _first_seen(coder_codes[rows_g])
        m = np.full((coders.max(initial=-1) + 1, units.max(initial=-1) + 1), np.nan)
        m[coders, units] = values[rows_g]
        m = m[:, (~np.isnan(m)).sum(axis=0) >= 2]  # units two or more coders coded
        m = m[~np.isnan(m).all(axis=1)]  # coders with a value in one of them
        # agreeing ordered coder pairs per unit: sum over values k of c_k (c_k - 1), c_k coders giving k there
        counts = [(m == k).sum(axis=0) for k in np.unique(m[~np.isnan(m)])]
        agree = float(sum((c * (c - 1)).sum() for c in counts))
        n = (~np.isnan(m)).sum(axis=0)
        pairs = float((n * (n - 1)).sum())
        kappa = _kappa(m) if len(m) == 2 and m.shape[1] else float("nan")
        rows.append([*(key if isinstance(key, tuple) else (key,)), m.shape[1], len(m),
                     agree / pairs if pairs else float("nan"), kappa, _alpha(m, "nominal")])
    out = pd.DataFrame(rows, columns=cols)
    return out.astype({"n_units": "int64", "n_coders": "int64"})


def _first_seen(codes: np.ndarray) -> np.ndarray:
    """``codes`` renumbered 0, 1, ... in order of first appearance (-1, missing, stays -1), as
    :func:`pandas.factorize` numbers the values of a group."""
    out = np.full(len(codes), -1, dtype=np.int64)
    ok = codes >= 0
    uniq, first, inverse = np.unique(codes[ok], return_index=True, return_inverse=True)
    rank = np.empty(len(uniq), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(uniq))
    out[ok] = rank[inverse]
    return out


def structure_agreement(structures: pd.DataFrame, by: Sequence[str] = (), score: str = "score") -> pd.DataFrame:
    """Krippendorff's alpha (interval) of the formal documents' structure codings, over the kommune-waves that
    two or more coders coded; a unit is a kommune, wave and ``dimension`` (the structures table's columns).

    Returns
    -------
    DataFrame with ``*by, n_kommune_waves, n_units, n_coders, alpha``; no rows without a kommune-wave that
    two coders coded.

    Examples
    --------
    >>> s = pd.DataFrame({"kommune": 766, "wave": "baseline", "coder": ["a"] * 3 + ["b"] * 3,
    ...                   "dimension": ["organisering", "strukturer", "processer"] * 2,
    ...                   "score": [2.0, 3.0, 4.0, 2.0, 3.5, 4.0]})
    >>> structure_agreement(s)[["n_kommune_waves", "n_units", "n_coders"]].to_dict("records")
    [{'n_kommune_waves': 1, 'n_units': 3, 'n_coders': 2}]
    """
    by = list(by)
    cols = [*by, "n_kommune_waves", "n_units", "n_coders", "alpha"]
    d = structures.dropna(subset=[score])
    if d.empty:
        return pd.DataFrame(columns=cols)
    d = d.assign(**{k: d[k].astype(str) for k in ("kommune", "wave", "coder", "dimension")})
    n = d.groupby(["kommune", "wave"])["coder"].nunique()
    d = d.set_index(["kommune", "wave"]).loc[lambda x: x.index.isin(n[n >= 2].index)].reset_index()
    if d.empty:
        return pd.DataFrame(columns=cols)
    d["_unit"] = d["kommune"] + "\x1f" + d["wave"] + "\x1f" + d["dimension"]
    d = d.groupby([*by, "_unit", "kommune", "wave", "coder"], observed=True)[score].mean().reset_index()
    rows = []
    for key, g in (d.groupby(by, observed=True) if by else [((), d)]):
        rows.append([*(key if isinstance(key, tuple) else (key,)), len(g[["kommune", "wave"]].drop_duplicates()),
                     g["_unit"].nunique(), g["coder"].nunique(),
                     krippendorff_alpha(g, "_unit", "coder", score, level="interval")])
    return pd.DataFrame(rows, columns=cols)
