"""RQ4: do the interventions work? The targeted ties in a fair contrast, and intervention versus control kommuner."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import scoring
from ..change import did
from ..instrument import Instrument
from ..permutation import permutation_floor
from ..targeting import targeted_contrast, tie_changes
from .data import RK
from .fit import finish

__all__ = ["SCOPES", "intervention_did"]

SCOPES = ("targeted_contrast", "targeted_unadjusted", "all_ties")


def intervention_did(relations: pd.DataFrame, instrument: Instrument, arms: dict[int, str],
                     targeted: dict[int, list[tuple[str, str]]] | None = None, n_permutations: int = 999,
                     seed: int = 1, baseline: str = "baseline", followup: str = "followup",
                     dimensions: Sequence[str] | None = None, waves: Sequence[str] | None = None) -> pd.DataFrame:
    """RQ4: do the interventions work? The targeted ties in a fair contrast, and the DiD over all ties.

    Parameters
    ----------
    relations : DataFrame
        The ``relations`` table of :func:`relkap.load`.
    instrument : Instrument
        The codebook.
    arms : dict
        Kommune -> ``"intervention"`` or ``"control"`` (the kommune parameter files).
    targeted : dict, optional
        Intervention kommune -> the (rater group, target group) ties its intervention targeted.
    n_permutations, seed : int
        Arm permutations over kommuner, seeded.
    baseline, followup : str
        The wave labels (used when ``waves`` is not given).
    dimensions : sequence of str, optional
        "rk" and/or relational item codes (default: "rk" and every item).
    waves : sequence of str, optional
        The ordered waves, the first the baseline (default ``[baseline, followup]``); each later wave is
        compared with the first (one row per scope, dimension and later wave: an event-study table).

    Returns
    -------
    DataFrame
        One row per ``scope``, ``dimension`` and ``wave`` (the later wave compared with the first) with the
        result columns, then ``family``, ``baseline_wave``, ``n_intervention``, ``n_control``, ``p_floor``
        (the smallest p the permutation over kommuner can give) and per scope:

        - ``scope`` "targeted_contrast" (when kommuner named targeted ties; the primary RQ4 estimate for
          ``dimension`` "rk"): :func:`relkap.targeting.targeted_contrast`, the targeted ties against the
          same group pairs in the control kommuner, a triple difference (targeted versus the kommune's other
          ties) adjusted for each tie's baseline value (regression to the mean: teams choose weak ties);
          ``p_val`` is its permutation p over kommuner (``method`` "permutation_kommuner"), ``ci_low``,
          ``ci_high`` Welch over the kommune values; also ``n_pairs``, ``n_targeted``,
          ``n_not_comparable`` (intervention kommuner whose targeted ties have no comparable pair in the
          control kommuner: left out and counted), ``slope`` (regression to the mean).
        - ``scope`` "targeted_unadjusted": the same without the baseline adjustment (sensitivity, "rk").
        - ``scope`` "all_ties": every cross-group tie, :func:`relkap.change.did`: ``estimate`` (mean change
          of the intervention kommuner minus that of the control kommuner), Welch CI over kommuner and
          permutation p (``method`` "permutation_kommuner"); the mixed model's interaction in
          ``estimate_model``, ``ci_low_model``, ``ci_high_model``, ``p_model``, ``df_model`` (Satterthwaite
          df at most the between-kommune df J - 2, ``method_model``), ``converged``. Without targeted ties
          its "rk" row is the primary estimate.

        ``family``: "primary" (the one row RQ4's verdict reads, :mod:`relkap.research.answers`),
        "targeted_dimensions", "targeted_unadjusted", "all_ties" (sensitivity rows); ``p_adj`` Holm within
        each family.

    Examples
    --------
    >>> from relkap import load_instrument, synth
    >>> from relkap.research import example_tables
    >>> inst, t = load_instrument(), example_tables(4)
    >>> arms = {p.kommune: p.arm for p in synth.simulate(n_kommuner=4, seed=1).params}
    >>> rq4 = intervention_did(t.relations, inst, arms, n_permutations=0, dimensions=["rk"])
    >>> rq4[["scope", "dimension", "wave", "estimate", "family", "n_intervention", "n_control"]].round(2)
          scope dimension      wave  estimate   family  n_intervention  n_control
    0  all_ties        rk  followup      0.06  primary               2          2
    """
    order = list(waves) if waves is not None else [baseline, followup]
    rs = scoring.respondent_scores(relations, instrument, dimension="all")
    rk = scoring.respondent_scores(relations, instrument)
    rs = pd.concat([rk, rs], ignore_index=True)
    rs = rs.astype({"wave": str, "group": str, "target": str, "dimension": str})
    rs["kommune"] = rs["kommune"].astype(np.int64)
    rs = rs[rs["kommune"].isin(list(arms)) & rs["score"].notna()]
    rs["arm"] = rs["kommune"].map(arms)
    cross = rs[rs["group"] != rs["target"]]
    dims = [RK, *instrument.relational_codes] if dimensions is None else list(dimensions)
    own = {k: v for k, v in (targeted or {}).items() if arms.get(k) == "intervention" and v}
    rows = []
    for later in order[1:]:
        for dim in dims:
            d = cross[(cross["dimension"] == dim) & cross["wave"].isin([order[0], later])]
            if d["arm"].nunique() < 2:
                continue
            n_resp = int(d.drop_duplicates(["kommune", "wave", "respondent_id"]).shape[0])
            if own:
                rows.extend(_targeted(d, arms, own, dim, order[0], later, n_permutations, seed, n_resp))
            # One row per respondent (mean over the ties): the unit of the tests, and a mixed model whose SE
            # is not inflated by respondent x target pseudo-replication.
            per = d.groupby(["kommune", "arm", "wave", "respondent_id", "group"], observed=True,
                            as_index=False)["score"].mean()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = did(per, dv="score", baseline=order[0], followup=later, n_permutations=n_permutations,
                          seed=seed).iloc[0]
            n_t, n_k = int(res["n_intervention"]), int(res["n_kommuner"])
            rows.append({"scope": "all_ties", "dimension": dim, "wave": later, "estimate": res["estimate_perm"],
                         "ci_low": res["ci_low_perm"], "ci_high": res["ci_high_perm"], "p_val": res["p_perm"],
                         "method": "permutation_kommuner", "n_units": n_k, "n_respondents": n_resp,
                         "family": "primary" if dim == RK and not own else "all_ties", "baseline_wave": order[0],
                         "n_intervention": n_t, "n_control": n_k - n_t,
                         "p_floor": permutation_floor(n_k, n_t, n_permutations),
                         "estimate_model": res["estimate"], "ci_low_model": res["ci_low"],
                         "ci_high_model": res["ci_high"], "p_model": res["p_val"], "df_model": res["df"],
                         "method_model": res["method"], "converged": res["converged"],
                         "n_permutations": n_permutations, "seed": seed})
    return finish(rows, ["scope", "dimension", "wave"], family="family")


def _targeted(d: pd.DataFrame, arms: dict, own: dict, dim: str, first: str, later: str, n_permutations: int,
              seed: int, n_resp: int) -> list[dict]:
    """The targeted-ties rows of one dimension and wave: adjusted (primary for RK) and unadjusted (RK only)."""
    ties = tie_changes(d, baseline=first, followup=later)
    rows = []
    for scope, adjust in (("targeted_contrast", True), ("targeted_unadjusted", False)):
        if not adjust and dim != RK:
            continue
        c = targeted_contrast(ties, arms, own, adjust=adjust, n_permutations=n_permutations, seed=seed).iloc[0]
        if not c["n_intervention"] or not c["n_control"]:
            continue
        family = "primary" if dim == RK and adjust else "targeted_dimensions" if adjust else scope
        rows.append({"scope": scope, "dimension": dim, "wave": later, "estimate": c["estimate"],
                     "ci_low": c["ci_low"], "ci_high": c["ci_high"], "p_val": c["p_perm"],
                     "method": "permutation_kommuner", "n_units": int(c["n_kommuner"]), "n_respondents": n_resp,
                     "family": family, "baseline_wave": first, "n_intervention": int(c["n_intervention"]),
                     "n_control": int(c["n_control"]), "p_floor": c["p_floor"], "n_pairs": int(c["n_pairs"]),
                     "n_targeted": int(c["n_targeted"]), "n_not_comparable": int(c["n_not_comparable"]),
                     "slope": c["slope"], "n_permutations": n_permutations, "seed": seed})
    return rows
