"""Grouping on integer codes: the engine under :mod:`relkap.scoring` and :mod:`relkap.privacy`.

Every key column is turned into codes once (categoricals are free), several code arrays are combined
into one mixed-radix ``int64`` key, and a key space small enough is grouped by counting
(``numpy.bincount``) instead of hashing, which is what makes national tables (millions of rows) fast.

Examples
--------
>>> codes, levels = factorize(pd.Series(["b", "a", "b"]))
>>> codes.tolist(), list(levels), levels_size(levels)
([1, 0, 1], ['a', 'b'], 2)
>>> key = combine([codes, np.array([0, 2, 0])], [2, 3], 3)
>>> key.tolist(), [c.tolist() for c in split_key(key, [2, 3])]
([3, 2, 3], [[1, 0, 1], [0, 2, 0]])
>>> [x.tolist() for x in dense_groups(key, 6)]
[[1, 0, 1], [2, 3]]
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["DENSE_EXTRA", "factorize", "levels_size", "decode", "combine", "split_key", "dense_groups"]

# Key spaces up to 2 x rows + this are grouped by counting (bincount) rather than hashing.
DENSE_EXTRA = 2**20


def factorize(values: pd.Series, sort: bool = True) -> tuple[np.ndarray, object]:
    """Codes (-1 = missing) and levels of a key column; levels is a CategoricalDtype or an Index."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(), values.dtype
    codes, uniques = pd.factorize(values, sort=sort)
    return codes, uniques


def levels_size(levels: object) -> int:
    """Number of levels (categories or uniques) that :func:`factorize` returned."""
    return len(levels.categories) if isinstance(levels, pd.CategoricalDtype) else len(levels)


def decode(codes: np.ndarray, levels: object) -> pd.Categorical | pd.Index:
    """The values of ``codes`` (inverse of :func:`factorize`): a Categorical or an Index."""
    if isinstance(levels, pd.CategoricalDtype):
        return pd.Categorical.from_codes(codes, dtype=levels)
    return levels.take(codes)


def combine(codes: Sequence[np.ndarray], sizes: Sequence[int], n: int) -> np.ndarray:
    """Mixed-radix int64 key of several code arrays (all codes >= 0)."""
    if math.prod(max(s, 1) for s in sizes) >= 2**62:
        raise ValueError("too many distinct key values to combine into one integer key")
    key = np.zeros(n, dtype=np.int64)
    for c, s in zip(codes, sizes, strict=True):
        key *= s
        key += c
    return key


def split_key(key: np.ndarray, sizes: Sequence[int]) -> list[np.ndarray]:
    """Inverse of :func:`combine`."""
    out = []
    key = key.copy()
    for s in reversed(sizes):
        key, c = np.divmod(key, s)
        out.append(c)
    return out[::-1]


def dense_groups(key: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """Dense group code of every key (0..G-1, in key order) and the sorted distinct keys.

    A key space up to about twice the number of keys is counted with ``bincount`` (no hashing, which is
    what makes millions of rows fast); a larger one is factorized.
    """
    if space <= 2 * len(key) + DENSE_EXTRA:
        counts = np.bincount(key, minlength=space)
        remap = np.cumsum(counts > 0) - 1
        return remap[key], np.flatnonzero(counts)
    return pd.factorize(key, sort=True)
