"""RQ4: do the interventions work? Difference-in-differences of intervention versus control kommuner."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import scoring
from ..change import did
from ..instrument import Instrument
from .data import RK
from .fit import finish

__all__ = ["SCOPES", "intervention_did"]

SCOPES = ("all_ties", "targeted_ties")


def _targeted_rows(scores: pd.DataFrame, targeted: dict[int, list[tuple[str, str]]], arms: dict[int, str]
                   ) -> pd.DataFrame:
    """Rows of the targeted ties in intervention kommuner and of every cross-group tie in control kommuner."""
    keys = {(int(k), str(a), str(b)) for k, ties in targeted.items() for a, b in ties}
    kom = scores["kommune"].astype(np.int64).to_numpy()
    g, t = scores["group"].astype(str).to_numpy(), scores["target"].astype(str).to_numpy()
    is_int = np.array([arms.get(int(k)) == "intervention" for k in kom])
    hit = np.fromiter(((int(k), a, b) in keys for k, a, b in zip(kom, g, t, strict=True)), bool, len(kom))
    return scores[(is_int & hit) | (~is_int & (g != t))]


def intervention_did(relations: pd.DataFrame, instrument: Instrument, arms: dict[int, str],
                     targeted: dict[int, list[tuple[str, str]]] | None = None, n_permutations: int = 999,
                     seed: int = 1, baseline: str = "baseline", followup: str = "followup",
                     dimensions: Sequence[str] | None = None) -> pd.DataFrame:
    """RQ4: difference-in-differences intervention versus control, per dimension and for the targeted ties.

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
        The wave labels.
    dimensions : sequence of str, optional
        "rk" and/or relational item codes (default: "rk" and every item).

    Returns
    -------
    DataFrame
        One row per ``scope`` and ``dimension`` with the result columns, then ``n_intervention``,
        ``n_control``, ``estimate_model``, ``ci_low_model``, ``ci_high_model``, ``p_model``,
        ``df_model``, ``method_model``, ``converged``, ``n_permutations``, ``seed``. ``p_adj``: Holm over the dimensions within each
        scope.

        - ``scope`` "all_ties": every cross-group tie; "targeted_ties": in intervention kommuner the
          ties their interventions targeted, in control kommuner every cross-group tie (whose expected
          change is the common trend).
        - ``estimate``, ``ci_low``, ``ci_high``, ``p_val``: the kommune-level DiD of
          :func:`relkap.change.did` (``estimate_perm``: mean change of the intervention kommuner minus
          mean change of the control kommuner, a kommune's change being follow-up minus baseline of its
          respondent means), its Welch CI over kommuner and the permutation p over kommuner (``method``
          "permutation_kommuner"; ``df`` is empty): the arms were assigned to kommuner, so the kommuner
          are what is permuted.
        - ``estimate_model`` ... ``df_model``: the mixed model's interaction (random intercepts for the
          kommune, kommune x wave and the respondent, rater-group fixed effects), fitted on the
          respondents' means over the ties in scope, with a t test on Satterthwaite df (``method_model``
          "satterthwaite"); a check on the permutation result, not the primary one.

    Examples
    --------
    >>> from relkap import load_instrument, synth
    >>> from relkap.research import example_tables
    >>> inst, t = load_instrument(), example_tables(4)
    >>> arms = {p.kommune: p.arm for p in synth.simulate(n_kommuner=4, seed=1).params}
    >>> rq4 = intervention_did(t.relations, inst, arms, n_permutations=0, dimensions=["rk"])
    >>> rq4[["scope", "dimension", "estimate", "n_intervention", "n_control"]].round(2)
          scope dimension  estimate  n_intervention  n_control
    0  all_ties        rk      0.06               2          2
    """
    rs = scoring.respondent_scores(relations, instrument, dimension="all")
    rk = scoring.respondent_scores(relations, instrument)
    rs = pd.concat([rk, rs], ignore_index=True)
    rs = rs.astype({"wave": str, "group": str, "target": str, "dimension": str})
    rs["kommune"] = rs["kommune"].astype(np.int64)
    rs = rs[rs["kommune"].isin(list(arms)) & rs["score"].notna()]
    rs["arm"] = rs["kommune"].map(arms)
    cross = rs[rs["group"] != rs["target"]]
    scopes = {"all_ties": cross}
    if targeted:
        scopes["targeted_ties"] = _targeted_rows(cross, targeted, arms)
    rows = []
    dims = [RK, *instrument.relational_codes] if dimensions is None else list(dimensions)
    for scope, data in scopes.items():
        for dim in dims:
            d = data[data["dimension"] == dim]
            if d["arm"].nunique() < 2:
                continue
            # One row per respondent (mean over the ties in scope): the unit of the tests, and a mixed
            # model whose SE is not inflated by respondent x target pseudo-replication.
            d = d.groupby(["kommune", "arm", "wave", "respondent_id", "group"], observed=True,
                          as_index=False)["score"].mean()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = did(d, dv="score", baseline=baseline, followup=followup, n_permutations=n_permutations,
                          seed=seed).iloc[0]
            rows.append({"scope": scope, "dimension": dim, "estimate": res["estimate_perm"],
                         "ci_low": res["ci_low_perm"], "ci_high": res["ci_high_perm"], "p_val": res["p_perm"],
                         "method": "permutation_kommuner",
                         "n_units": int(res["n_kommuner"]),
                         "n_respondents": int(d.drop_duplicates(["kommune", "wave", "respondent_id"]).shape[0]),
                         "n_intervention": int(res["n_intervention"]),
                         "n_control": int(res["n_kommuner"] - res["n_intervention"]),
                         "estimate_model": res["estimate"], "ci_low_model": res["ci_low"],
                         "ci_high_model": res["ci_high"], "p_model": res["p_val"], "df_model": res["df"],
                         "method_model": "satterthwaite", "converged": res["converged"],
                         "n_permutations": n_permutations, "seed": seed})
    return finish(rows, ["scope", "dimension"], family="scope")
