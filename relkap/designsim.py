"""Simulated intervention designs for the size and power of the kommune-level tests.

Small panels with a known truth, cheap enough to simulate hundreds of times: :func:`did_panel` for the
difference-in-differences of :func:`relkap.change.did` (a small kommune x wave variance, so that many fits
put it at zero), :func:`targeting_panel` for :func:`relkap.targeting.targeted_contrast` (intervention
kommuner choose their weakest baseline ties, as the kommune report invites them to). The tests and
``benchmarks/bench_inference.py`` use them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["did_panel", "targeting_panel", "targeting_ties"]


def did_panel(rng: np.random.Generator, n_kommuner: int = 10, n_intervention: int = 5, respondents: int = 20,
              effect: float = 0.0, sd_kommune: float = 0.3, sd_kommune_wave: float = 0.05, sd: float = 0.6
              ) -> pd.DataFrame:
    """Respondent means of a two-wave design: kommune, kommune x wave and respondent noise, an effect in
    the intervention kommuner at follow-up.

    Returns ``kommune``, ``arm``, ``wave``, ``respondent_id``, ``group`` (three groups), ``score``; the
    respondents of the two waves are different people.

    Examples
    --------
    >>> d = did_panel(np.random.default_rng(1), n_kommuner=4, n_intervention=2, respondents=3)
    >>> d.shape, sorted(d["arm"].unique())
    ((24, 6), ['control', 'intervention'])
    """
    k = np.repeat(np.arange(n_kommuner), 2 * respondents)
    w = np.tile(np.repeat([0, 1], respondents), n_kommuner)
    treated = k < n_intervention
    kw = rng.normal(0, sd_kommune_wave, (n_kommuner, 2))
    score = (3.5 + rng.normal(0, sd_kommune, n_kommuner)[k] + kw[k, w] + 0.1 * w + effect * (treated & (w == 1))
             + rng.normal(0, sd, len(k)))
    return pd.DataFrame({"kommune": k, "arm": np.where(treated, "intervention", "control"),
                         "wave": np.where(w == 1, "followup", "baseline"), "respondent_id": np.arange(len(k)),
                         "group": np.array(["a", "b", "c"])[np.arange(len(k)) % 3], "score": score})


def targeting_panel(rng: np.random.Generator, n_kommuner: int = 10, n_intervention: int = 5, n_groups: int = 6,
                    raters: int = 6, effect: float = 0.0, n_targeted: int = 2, choose: str = "weakest",
                    sd_pair: float = 0.25, sd_tie: float = 0.2, sd_person: float = 0.3, sd: float = 0.5
                    ) -> tuple[pd.DataFrame, dict[int, str], dict[int, list[tuple[str, str]]]]:
    """Respondent x target scores of two waves where each intervention kommune targets ``n_targeted`` ties.

    A tie's true value is a pair effect (the same group pair in every kommune), a kommune effect and the
    tie's own deviation; a respondent's rating adds a person effect and noise (``raters`` new respondents
    per group and wave). ``choose`` "weakest": each intervention kommune targets its ``n_targeted``
    lowest observed baseline tie means (regression to the mean makes them improve); "random": ties at
    random. ``effect`` is added at follow-up to the targeted ties of intervention kommuner; every kommune
    has its own common trend.

    Returns
    -------
    (DataFrame, dict, dict)
        The scores (``kommune``, ``wave``, ``respondent_id``, ``group``, ``target``, ``score``), the arms
        and the targeted ties per intervention kommune.

    Examples
    --------
    >>> scores, arms, targeted = targeting_panel(np.random.default_rng(1), n_kommuner=4, n_intervention=2)
    >>> len(targeted), len(targeted[0]), sorted(set(arms.values()))
    (2, 2, ['control', 'intervention'])
    """
    groups = np.array([f"g{i}" for i in range(n_groups)])
    off = ~np.eye(n_groups, dtype=bool)
    pair_effect = rng.normal(0, sd_pair, (n_groups, n_groups))
    arms = {k: "intervention" if k < n_intervention else "control" for k in range(n_kommuner)}
    gi, ri, ti = np.meshgrid(np.arange(n_groups), np.arange(raters), np.arange(n_groups), indexing="ij")
    keep = off[gi, ti]
    frames, targeted = [], {}
    for k in range(n_kommuner):
        true = 3.6 + pair_effect + rng.normal(0, sd_tie, (n_groups, n_groups)) + rng.normal(0, 0.2)
        trend = rng.normal(0.05, 0.1)
        scores = []
        for w in (0, 1):
            person = rng.normal(0, sd_person, (n_groups, raters, 1))
            scores.append(true[:, None, :] + trend * w + person + rng.normal(0, sd, (n_groups, raters, n_groups)))
        if arms[k] == "intervention":
            means = np.where(off, scores[0].mean(axis=1), np.inf).ravel()
            cells = (np.argsort(means, kind="stable")[:n_targeted] if choose == "weakest"
                     else rng.choice(np.flatnonzero(off.ravel()), n_targeted, replace=False))
            a, b = np.unravel_index(cells, (n_groups, n_groups))
            targeted[k] = [(str(groups[x]), str(groups[y])) for x, y in zip(a, b, strict=True)]
            scores[1][a, :, b] += effect
        for w, wave in enumerate(("baseline", "followup")):
            frames.append(pd.DataFrame({"kommune": k, "wave": wave,
                                        "respondent_id": [f"{k}-{w}-{g}-{r}" for g, r in zip(gi[keep], ri[keep], strict=True)],
                                        "group": groups[gi[keep]], "target": groups[ti[keep]],
                                        "score": scores[w][keep]}))
    return pd.concat(frames, ignore_index=True), arms, targeted


def targeting_ties(rng: np.random.Generator, n_kommuner: int = 10, n_intervention: int = 5, n_groups: int = 6,
                   raters: int = 6, effect: float = 0.0, n_targeted: int = 2, choose: str = "weakest",
                   sd_pair: float = 0.25, sd_tie: float = 0.2, sd_person: float = 0.3, sd: float = 0.5
                   ) -> tuple[pd.DataFrame, dict[int, str], dict[int, list[tuple[str, str]]]]:
    """The tie means of :func:`targeting_panel` drawn directly: the same distribution, a hundred times faster.

    A tie mean is the true value plus the mean person effect of the rater group (shared by the group's
    ties in a wave, variance ``sd_person**2 / raters``) plus mean noise (``sd**2 / raters``). Returns the
    table of :func:`relkap.targeting.tie_changes` (``n_baseline`` = ``n_followup`` = ``raters``), the arms
    and the targeted ties.

    Examples
    --------
    >>> ties, arms, targeted = targeting_ties(np.random.default_rng(1), n_kommuner=4, n_intervention=2)
    >>> len(ties), len(targeted[1])
    (120, 2)
    """
    groups = np.array([f"g{i}" for i in range(n_groups)])
    off = ~np.eye(n_groups, dtype=bool)
    pair_effect = rng.normal(0, sd_pair, (n_groups, n_groups))
    arms = {k: "intervention" if k < n_intervention else "control" for k in range(n_kommuner)}
    g, t = np.nonzero(off)
    frames, targeted = [], {}
    for k in range(n_kommuner):
        true = 3.6 + pair_effect + rng.normal(0, sd_tie, (n_groups, n_groups)) + rng.normal(0, 0.2)
        trend = rng.normal(0.05, 0.1)
        means = [true + trend * w + rng.normal(0, sd_person / np.sqrt(raters), (n_groups, 1))
                 + rng.normal(0, sd / np.sqrt(raters), (n_groups, n_groups)) for w in (0, 1)]
        if arms[k] == "intervention":
            order = np.where(off, means[0], np.inf).ravel()
            cells = (np.argsort(order, kind="stable")[:n_targeted] if choose == "weakest"
                     else rng.choice(np.flatnonzero(off.ravel()), n_targeted, replace=False))
            a, b = np.unravel_index(cells, (n_groups, n_groups))
            targeted[k] = [(str(groups[x]), str(groups[y])) for x, y in zip(a, b, strict=True)]
            means[1][a, b] += effect
        frames.append(pd.DataFrame({"kommune": k, "group": groups[g], "target": groups[t],
                                    "baseline": means[0][g, t], "followup": means[1][g, t]}))
    ties = pd.concat(frames, ignore_index=True)
    ties["change"] = ties["followup"] - ties["baseline"]
    ties["n_baseline"] = ties["n_followup"] = raters
    return ties, arms, targeted
