"""Permutation tests over kommuner: the arms shuffled over the units they were assigned to.

With about ten kommuner the permutation p is exact and needs no distributional assumption, but it has a
floor: with 5 + 5 kommuner there are 252 assignments, so no two-sided p can be below 2/252 = 0.0079.
:func:`permutation_floor` gives that floor, and :func:`kommuner_needed` the smallest balanced design
whose floor passes a threshold, so a verdict can say when a question cannot be decided with the kommuner
at hand.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

__all__ = ["permutation_p", "permutation_floor", "kommuner_needed"]


def permutation_p(values: np.ndarray, treated: np.ndarray, estimate: float, n_permutations: int, seed) -> float:
    """Two-sided permutation p of ``estimate``, the difference in mean ``values`` between the arms, with the
    arm labels shuffled over the units (kommuner).

    All assignments are enumerated when there are no more than ``n_permutations`` of them (exact
    p); otherwise ``n_permutations`` random shuffles, p = (1 + #{|est*| >= |est|}) / (1 + B).

    Examples
    --------
    >>> permutation_p(np.array([1.0, 2, 3, 4]), np.array([True, True, False, False]), -2.0, 999, 1)
    0.3333333333333333
    """
    k, n_t = len(values), int(treated.sum())
    if n_permutations == 0 or n_t in (0, k):
        return np.nan
    observed = abs(estimate)
    if math.comb(k, n_t) <= n_permutations:
        labels = np.zeros((math.comb(k, n_t), k), dtype=bool)
        for row, chosen in enumerate(itertools.combinations(range(k), n_t)):
            labels[row, list(chosen)] = True
        extra = 0
    else:
        rng = np.random.default_rng(seed)
        labels = rng.permuted(np.tile(treated, (n_permutations, 1)), axis=1)
        extra = 1
    est = labels @ values / n_t - (~labels) @ values / (k - n_t)
    # A small tolerance so that assignments with the same estimate up to rounding count as ties.
    hits = np.sum(np.abs(est) >= observed - 1e-12 * max(1.0, observed))
    return float((hits + extra) / (len(labels) + extra))


def permutation_floor(n_units: int, n_treated: int, n_permutations: int = 999) -> float:
    """The smallest p :func:`permutation_p` can give with ``n_units`` units, ``n_treated`` of them treated.

    Enumerated assignments: 2 / C(k, t) with equal arms (the mirror assignment ties with the observed one),
    else 1 / C(k, t); random shuffles: 1 / (B + 1).

    Examples
    --------
    >>> round(permutation_floor(10, 5), 4), round(permutation_floor(10, 4), 4), permutation_floor(20, 10, 999)
    (0.0079, 0.0048, 0.001)
    """
    if n_treated in (0, n_units) or n_permutations == 0:
        return np.nan
    total = math.comb(n_units, n_treated)
    if total > n_permutations:
        return 1 / (n_permutations + 1)
    return (2 if 2 * n_treated == n_units else 1) / total


def kommuner_needed(threshold: float) -> int:
    """The fewest kommuner, split evenly into two arms, whose exact permutation floor lies below ``threshold``.

    Examples
    --------
    >>> kommuner_needed(0.05 / 7), kommuner_needed(0.05)
    (11, 7)
    """
    k = 2
    while not permutation_floor(k, k // 2, math.comb(k, k // 2)) < threshold:
        k += 1
    return k
