"""RQ4: do the interventions work? The targeted ties in a fair contrast, and intervention versus control kommuner,
as an event-study table over the ordered waves (each later wave against the first) with a linear trend."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .. import robust, scoring
from ..change import did
from ..instrument import Instrument
from ..permutation import permutation_floor, permutation_p
from ..targeting import targeted_contrast, tie_changes
from .data import RK
from .fit import finish

__all__ = ["SCOPES", "RQ4_FAMILIES", "intervention_did", "event_study", "tie_trends", "kommune_trends"]

SCOPES = ("targeted_contrast", "targeted_unadjusted", "all_ties")
# The families of RQ4's p_adj (Holm within each), in the order the table states them
RQ4_FAMILIES = ("primary", "event_study", "trend", "targeted_dimensions", "targeted_unadjusted", "all_ties")


def intervention_did(relations: pd.DataFrame, instrument: Instrument, arms: dict[int, str],
                     targeted: dict[int, list[tuple[str, str]]] | None = None, n_permutations: int = 999,
                     seed: int = 1, baseline: str = "baseline", followup: str = "followup",
                     dimensions: Sequence[str] | None = None, waves: Sequence[str] | None = None) -> pd.DataFrame:
    """RQ4: do the interventions work? The event-study table of :func:`event_study` from the relational answers.

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
        The ordered waves, the first the baseline (default ``[baseline, followup]``).

    Returns
    -------
    DataFrame
        :func:`event_study` of the respondent x target scores (the RK index and each relational item).

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
    dims = [RK, *instrument.relational_codes] if dimensions is None else list(dimensions)
    return event_study(rs, arms, targeted, order, dims, n_permutations=n_permutations, seed=seed)


def event_study(scores: pd.DataFrame, arms: dict[int, str], targeted: dict[int, list[tuple[str, str]]] | None,
                waves: Sequence[str], dimensions: Sequence[str] = (RK,), n_permutations: int = 999,
                seed: int = 1) -> pd.DataFrame:
    """RQ4 over the ordered waves: each later wave against the first (an event-study table) and a linear trend.

    Parameters
    ----------
    scores : DataFrame
        Respondent x target scores (:func:`relkap.scoring.respondent_scores`): ``kommune``, ``wave``,
        ``respondent_id``, ``group``, ``target``, ``dimension`` ("rk" or an item code), ``score``.
    arms : dict
        Kommune -> ``"intervention"`` or ``"control"``; kommuner without an arm are left out.
    targeted : dict or None
        Intervention kommune -> the (rater group, target group) ties its intervention targeted.
    waves : sequence of str
        The wave codes in time order; the first is the baseline every later wave is compared with.
    dimensions : sequence of str
        The dimensions (``scores["dimension"]``) to test; "rk" is the RK index.
    n_permutations, seed : int
        Arm permutations over kommuner, seeded (enumerated when there are no more assignments).

    Returns
    -------
    DataFrame
        One row per ``scope``, ``dimension`` and ``wave`` with the result columns, then ``family``,
        ``baseline_wave``, ``n_intervention``, ``n_control``, ``p_floor`` (the smallest p the permutation
        over kommuner can give), ``n_permutations``, ``seed``. ``waves`` names the waves behind the row (in
        time order) and ``wave_term`` how it uses them:

        - ``wave_term`` "versus_first" (the event study): ``wave`` is a later wave, compared with the first
          (``baseline_wave``); one row per later wave and scope for "rk", and per dimension at the latest
          wave (the dimensions are sensitivity rows: at the earlier waves they would only add tests).
        - ``wave_term`` "linear_trend" (with three or more waves, RK only): ``wave`` "all"; the estimate is
          the difference between the arms in the linear trend over the ordered waves (points per wave, the
          waves equally spaced in their order, dates not used; the least-squares slope over the waves a
          unit was measured in). With two waves the trend is the change itself, so there is no trend row.

        Per scope:

        - ``scope`` "targeted_contrast" (when kommuner named targeted ties; the primary RQ4 estimate for
          ``dimension`` "rk"): :func:`relkap.targeting.targeted_contrast`, the targeted ties against the
          same group pairs in the control kommuner, a triple difference (targeted versus the kommune's other
          ties) adjusted for each tie's baseline value (regression to the mean: teams choose weak ties);
          ``p_val`` is its permutation p over kommuner (``method`` "permutation_kommuner"), ``ci_low``,
          ``ci_high`` Welch over the kommune values; also ``n_pairs``, ``n_targeted``,
          ``n_not_comparable`` (intervention kommuner whose targeted ties have no comparable pair in the
          control kommuner: left out and counted), ``slope`` (regression to the mean). The trend row uses
          each tie's slope over the waves (:func:`tie_trends`) in place of its change.
        - ``scope`` "targeted_unadjusted": the same without the baseline adjustment (sensitivity, "rk").
        - ``scope`` "all_ties": every cross-group tie, :func:`relkap.change.did`: ``estimate`` (mean change
          of the intervention kommuner minus that of the control kommuner), Welch CI over kommuner and
          permutation p (``method`` "permutation_kommuner"); the mixed model's interaction in
          ``estimate_model``, ``ci_low_model``, ``ci_high_model``, ``p_model``, ``df_model`` (Satterthwaite
          df at most the between-kommune df J - 2, ``method_model``), ``converged``. Without targeted ties
          its "rk" row is the primary estimate. The trend row: the kommunes' slopes
          (:func:`kommune_trends`), Welch CI and permutation p over kommuner; the model columns hold the
          OLS of the kommune-wave means on kommune fixed effects, the wave position and its interaction
          with the arm, with kommune-clustered CR2 SE and Satterthwaite df (``method_model``
          "cluster_cr2_satterthwaite", as R's clubSandwich).

        ``family`` (:data:`RQ4_FAMILIES`; ``p_adj`` Holm within each family): "primary", the one row RQ4's
        verdict reads (:mod:`relkap.research.answers`): the primary scope and "rk" at the latest wave against
        the first (a single pre-declared test, as with two waves); "event_study": the same scope and "rk" at
        the earlier later waves (Holm over them); "trend": the trend rows; "targeted_dimensions",
        "targeted_unadjusted", "all_ties": the sensitivity rows, each family over its dimensions and later
        waves.

    Examples
    --------
    >>> from relkap import io, scoring, synth
    >>> d = synth.simulate(n_kommuner=4, seed=1, respondents=8, waves=3)
    >>> t = io.tidy_tables(d.employees, d.citizens, d.structures, instrument=d.instrument, key=b"k")
    >>> arms = {p.kommune: p.arm for p in d.params}
    >>> es = event_study(scoring.respondent_scores(t.relations, d.instrument), arms, None,
    ...                  d.instrument.waves.codes, n_permutations=0)
    >>> es[["scope", "wave", "wave_term", "estimate", "family"]].round(2)
          scope      wave     wave_term  estimate       family
    0  all_ties  midtvejs  versus_first     -0.13  event_study
    1  all_ties  followup  versus_first      0.01      primary
    2  all_ties       all  linear_trend      0.00        trend
    >>> es["waves"].tolist()
    ['baseline,midtvejs', 'baseline,followup', 'baseline,midtvejs,followup']
    """
    order = [str(w) for w in waves]
    rs = scores.astype({"wave": str, "group": str, "target": str, "dimension": str})
    rs["kommune"] = rs["kommune"].astype(np.int64)
    rs = rs[rs["kommune"].isin(list(arms)) & rs["score"].notna() & rs["wave"].isin(order)]
    rs["arm"] = rs["kommune"].map(arms)
    cross = rs[rs["group"] != rs["target"]]
    order = [w for w in order if w in set(cross["wave"])]
    own = {k: v for k, v in (targeted or {}).items() if arms.get(k) == "intervention" and v}
    rows = []
    for later in order[1:]:
        last = later == order[-1]
        # every dimension at the latest wave (as with two waves); the earlier waves for the RK index only
        for dim in dimensions if last else [x for x in dimensions if x == RK]:
            d = cross[(cross["dimension"] == dim) & cross["wave"].isin([order[0], later])]
            if d["arm"].nunique() < 2:
                continue
            n_resp = int(d.drop_duplicates(["kommune", "wave", "respondent_id"]).shape[0])
            base = {"dimension": dim, "wave": later, "n_respondents": n_resp, "baseline_wave": order[0],
                    "waves": f"{order[0]},{later}", "wave_term": "versus_first", "n_permutations": n_permutations,
                    "seed": seed}
            if own:
                rows.extend(_targeted(d, arms, own, dim, order[0], later, n_permutations, seed, base, last))
            # One row per respondent (mean over the ties): the unit of the tests, and a mixed model whose SE
            # is not inflated by respondent x target pseudo-replication.
            per = d.groupby(["kommune", "arm", "wave", "respondent_id", "group"], observed=True,
                            as_index=False)["score"].mean()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = did(per, dv="score", baseline=order[0], followup=later, n_permutations=n_permutations,
                          seed=seed).iloc[0]
            n_t, n_k = int(res["n_intervention"]), int(res["n_kommuner"])
            primary = dim == RK and not own
            rows.append(_row("all_ties", base, {
                "estimate": res["estimate_perm"], "ci_low": res["ci_low_perm"], "ci_high": res["ci_high_perm"],
                "p_val": res["p_perm"], "method": "permutation_kommuner", "n_units": n_k,
                "family": ("primary" if last else "event_study") if primary else "all_ties",
                "n_intervention": n_t, "n_control": n_k - n_t, "p_floor": permutation_floor(n_k, n_t, n_permutations),
                "estimate_model": res["estimate"], "ci_low_model": res["ci_low"], "ci_high_model": res["ci_high"],
                "p_model": res["p_val"], "df_model": res["df"], "method_model": res["method"],
                "converged": res["converged"]}))
    if len(order) >= 3 and RK in dimensions:
        rows.extend(_trends(cross[cross["dimension"] == RK], arms, own, order, n_permutations, seed))
    return finish(rows, ["scope", "dimension", "wave"], family="family")


def _targeted(d: pd.DataFrame, arms: dict, own: dict, dim: str, first: str, later: str, n_permutations: int,
              seed: int, base: dict, last: bool) -> list[dict]:
    """The targeted-ties rows of one dimension and later wave: adjusted (primary for RK) and unadjusted (RK only)."""
    ties = tie_changes(d, baseline=first, followup=later)
    rows = []
    for scope, adjust in (("targeted_contrast", True), ("targeted_unadjusted", False)):
        if not adjust and dim != RK:
            continue
        c = targeted_contrast(ties, arms, own, adjust=adjust, n_permutations=n_permutations, seed=seed).iloc[0]
        if not c["n_intervention"] or not c["n_control"]:
            continue
        if dim == RK and adjust:
            family = "primary" if last else "event_study"
        else:
            family = "targeted_dimensions" if adjust else scope
        rows.append(_row(scope, base, {**_contrast_row(c), "family": family}))
    return rows


_ORDER = ("estimate", "ci_low", "ci_high", "p_val", "method", "n_units", "n_respondents", "family", "baseline_wave",
          "n_intervention", "n_control", "p_floor")  # the columns' order in the table (then the scope's own, then the run's)


def _row(scope: str, base: dict, values: dict) -> dict:
    """One table row: ``scope``, dimension and wave, the result columns, the shared columns, the scope's own."""
    merged = {**base, **values}
    first = ("dimension", "wave", *_ORDER)
    last = ("n_permutations", "seed")
    return {"scope": scope, **{k: merged[k] for k in first if k in merged},
            **{k: v for k, v in merged.items() if k not in first and k not in last},
            **{k: merged[k] for k in last if k in merged}}


def _contrast_row(c: pd.Series) -> dict:
    """The result columns of one :func:`relkap.targeting.targeted_contrast` row."""
    return {"estimate": c["estimate"], "ci_low": c["ci_low"], "ci_high": c["ci_high"], "p_val": c["p_perm"],
            "method": "permutation_kommuner", "n_units": int(c["n_kommuner"]),
            "n_intervention": int(c["n_intervention"]), "n_control": int(c["n_control"]), "p_floor": c["p_floor"],
            "n_pairs": int(c["n_pairs"]), "n_targeted": int(c["n_targeted"]),
            "n_not_comparable": int(c["n_not_comparable"]), "slope": c["slope"]}


def _slopes(means: pd.DataFrame, order: list[str]) -> np.ndarray:
    """Least-squares slope of each row of ``means`` (columns: the waves) on the wave position 0, 1, 2, ...,
    over the waves the row has (NaN with fewer than two)."""
    y = means.reindex(columns=order).to_numpy(float)
    x = np.broadcast_to(np.arange(len(order), dtype=float), y.shape)
    m = ~np.isnan(y)
    n = m.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        xbar = np.where(m, x, 0).sum(axis=1) / n
        ybar = np.where(m, y, 0).sum(axis=1) / n
        dx = np.where(m, x - xbar[:, None], 0)
        slope = (dx * np.where(m, y - ybar[:, None], 0)).sum(axis=1) / (dx**2).sum(axis=1)
    return np.where(n >= 2, slope, np.nan)


def tie_trends(scores: pd.DataFrame, waves: Sequence[str]) -> pd.DataFrame:
    """Each cross-group tie's linear trend over the ordered waves, per kommune, in the form of
    :func:`relkap.targeting.tie_changes` (``change`` is the slope per wave) for
    :func:`relkap.targeting.targeted_contrast`.

    A tie's mean per wave is the mean of its raters' scores (one value per respondent first); its trend is
    the least-squares slope of these means on the wave position (0, 1, 2, ...) over the waves it was
    measured in; ties without a baseline value or with fewer than two waves are left out.

    Examples
    --------
    >>> d = pd.DataFrame({"kommune": 1, "wave": ["b", "m", "f"], "respondent_id": [1, 2, 3], "group": "a",
    ...                   "target": "c", "score": [3.0, 3.6, 4.0]})
    >>> tie_trends(d, ["b", "m", "f"])[["kommune", "group", "target", "baseline", "change"]]
       kommune group target  baseline  change
    0        1     a      c       3.0     0.5
    """
    order = list(waves)
    d = scores[scores["wave"].isin(order) & (scores["group"].astype(str) != scores["target"].astype(str))]
    d = d.dropna(subset=["score"])
    keys = ["kommune", "group", "target"]
    per = d.groupby([*keys, "wave", "respondent_id"], observed=True, as_index=False)["score"].mean()
    means = per.groupby([*keys, "wave"], observed=True)["score"].mean().unstack("wave").reindex(columns=order)
    out = pd.DataFrame({"baseline": means[order[0]], "change": _slopes(means, order)}, index=means.index)
    out = out.dropna().reset_index()
    return out.astype({"group": str, "target": str})


def kommune_trends(per: pd.DataFrame, waves: Sequence[str]) -> pd.DataFrame:
    """Each kommune's linear trend over the ordered waves: the slope of its wave means (mean of the respondent
    values ``score``) on the wave position (0, 1, 2, ...), over the waves it was measured in (at least two).

    Examples
    --------
    >>> per = pd.DataFrame({"kommune": 1, "arm": "control", "wave": ["b", "b", "m", "f"], "score": [3.0, 3.2, 3.3, 3.5]})
    >>> kommune_trends(per, ["b", "m", "f"]).round(2).to_dict("records")
    [{'kommune': 1, 'arm': 'control', 'slope': 0.2}]
    """
    order = list(waves)
    means = per.groupby(["kommune", "arm", "wave"], observed=True)["score"].mean().unstack("wave")
    out = pd.DataFrame({"slope": _slopes(means, order)}, index=means.index).dropna().reset_index()
    return out


def _trends(cross: pd.DataFrame, arms: dict, own: dict, order: list[str], n_permutations: int,
            seed: int) -> list[dict]:
    """The linear-trend rows of the RK index: the targeted contrast of tie trends and all ties."""
    base = {"dimension": RK, "wave": "all", "baseline_wave": order[0], "waves": ",".join(order),
            "wave_term": "linear_trend", "family": "trend", "n_permutations": n_permutations, "seed": seed,
            "n_respondents": int(cross.drop_duplicates(["kommune", "wave", "respondent_id"]).shape[0])}
    rows = []
    if own:
        c = targeted_contrast(tie_trends(cross, order), arms, own, n_permutations=n_permutations, seed=seed).iloc[0]
        if c["n_intervention"] and c["n_control"]:
            rows.append(_row("targeted_contrast", base, _contrast_row(c)))
    per = cross.groupby(["kommune", "arm", "wave", "respondent_id", "group"], observed=True,
                        as_index=False)["score"].mean()
    k = kommune_trends(per, order)
    treated = (k["arm"] == "intervention").to_numpy()
    n_t, n_c = int(treated.sum()), int((~treated).sum())
    if not n_t or not n_c:
        return rows
    x = k["slope"].to_numpy(float)
    est = float(x[treated].mean() - x[~treated].mean())
    ci = (stats.ttest_ind(x[treated], x[~treated], equal_var=False).confidence_interval(0.95)
          if min(n_t, n_c) >= 2 else (np.nan, np.nan))
    rows.append(_row("all_ties", base, {
        "estimate": est, "ci_low": float(ci[0]), "ci_high": float(ci[1]),
        "p_val": permutation_p(x, treated, est, n_permutations, seed), "method": "permutation_kommuner",
        "n_units": n_t + n_c, "n_intervention": n_t, "n_control": n_c,
        "p_floor": permutation_floor(n_t + n_c, n_t, n_permutations),
        **_trend_model(per[per["kommune"].isin(k["kommune"])], order)}))
    return rows


def _trend_model(per: pd.DataFrame, order: list[str]) -> dict:
    """OLS of the kommune-wave means on kommune fixed effects, the wave position and position x intervention,
    kommune-clustered CR2 with Satterthwaite df: the model columns of the all-ties trend row."""
    m = per.groupby(["kommune", "arm", "wave"], observed=True, as_index=False)["score"].mean()
    pos = m["wave"].map({w: i for i, w in enumerate(order)}).to_numpy(float)
    codes = pd.factorize(m["kommune"], sort=True)[0]
    treat = (m["arm"] == "intervention").to_numpy(float)
    x = np.column_stack([np.eye(codes.max() + 1)[codes], pos, pos * treat])
    res = robust.cr2(x, m["score"].to_numpy(float), codes)
    est, se, df = float(res["beta"][-1]), float(np.sqrt(res["vcov"][-1, -1])), float(res["df"][-1])
    half = float(stats.t.ppf(0.975, df)) * se
    return {"estimate_model": est, "ci_low_model": est - half, "ci_high_model": est + half,
            "p_model": float(2 * stats.t.sf(abs(est / se), df)), "df_model": df,
            "method_model": "cluster_cr2_satterthwaite"}
