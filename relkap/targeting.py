"""Targeted interventions: a fair contrast of the ties a kommune chose to work on.

When each intervention kommune picks the ties its intervention targets, and picks weak ones, those ties
improve by regression to the mean alone, and comparing them with every tie of the control kommuner is
biased (DOMAIN.md, "Targeted interventions and regression to the mean"). :func:`targeted_contrast` is a
triple difference (targeted versus the kommune's other ties, intervention versus control) on the tie
means, adjusted for each tie's baseline value, in which the control kommuner contribute the same group
pairs the intervention kommuner targeted; its permutation over kommuner keeps each kommune's tie set fixed
when the arm labels are shuffled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .checks import check_columns
from .permutation import permutation_floor, permutation_p

__all__ = ["TIE_CHANGE_COLUMNS", "tie_changes", "targeted_contrast"]

TIE_CHANGE_COLUMNS = ["kommune", "group", "target", "baseline", "followup", "change", "n_baseline", "n_followup"]


def tie_changes(data: pd.DataFrame, dv: str = "score", kommune: str = "kommune", wave: str = "wave",
                group: str = "group", target: str = "target", subject: str = "respondent_id",
                baseline: object = "baseline", followup: object = "followup") -> pd.DataFrame:
    """Each cross-group tie's mean at baseline and follow-up and its change, per kommune.

    Parameters
    ----------
    data : DataFrame
        Respondent x target scores (several rows of one respondent and target, e.g. items, are averaged
        first).
    dv, kommune, wave, group, target, subject : str
        Column names.
    baseline, followup : value
        The two waves compared.

    Returns
    -------
    DataFrame
        One row per kommune and directed tie (``group`` -> ``target``, ``group`` != ``target``) seen in
        both waves: :data:`TIE_CHANGE_COLUMNS` (tie means over the respondents, their difference, the
        respondents behind each).

    Examples
    --------
    >>> d = pd.DataFrame({"kommune": 1, "wave": ["baseline"] * 2 + ["followup"] * 2, "respondent_id": [1, 2, 3, 4],
    ...                   "group": "a", "target": "b", "score": [3.0, 4.0, 4.0, 4.0]})
    >>> tie_changes(d)[["baseline", "followup", "change", "n_followup"]]
       baseline  followup  change  n_followup
    0       3.5       4.0     0.5           2
    """
    check_columns(data, [dv, kommune, wave, group, target, subject])
    d = data[data[wave].isin([baseline, followup]) & (data[group].astype(str) != data[target].astype(str))]
    d = d.dropna(subset=[dv])
    keys = [kommune, group, target]
    per = d.groupby([*keys, wave, subject], observed=True, as_index=False)[dv].mean()
    agg = per.groupby([*keys, wave], observed=True)[dv].agg(["mean", "size"]).unstack(wave)
    if agg.empty:
        return pd.DataFrame(columns=TIE_CHANGE_COLUMNS)
    out = pd.DataFrame({"baseline": agg[("mean", baseline)] if ("mean", baseline) in agg else np.nan,
                        "followup": agg[("mean", followup)] if ("mean", followup) in agg else np.nan,
                        "n_baseline": agg[("size", baseline)] if ("size", baseline) in agg else np.nan,
                        "n_followup": agg[("size", followup)] if ("size", followup) in agg else np.nan})
    out = out.dropna(subset=["baseline", "followup"]).reset_index()
    out = out.rename(columns={kommune: "kommune", group: "group", target: "target"})
    out["change"] = out["followup"] - out["baseline"]
    out = out.astype({"n_baseline": int, "n_followup": int, "group": str, "target": str})
    return out[TIE_CHANGE_COLUMNS]


def targeted_contrast(ties: pd.DataFrame, arms: Mapping, targeted: Mapping[object, Sequence[tuple[str, str]]],
                      intervention: object = "intervention", adjust: bool = True, n_permutations: int = 999,
                      seed: int | None = 0, level: float = 0.95) -> pd.DataFrame:
    """Targeted ties against the same group pairs in the control kommuner: a baseline-adjusted triple difference.

    Parameters
    ----------
    ties : DataFrame
        :func:`tie_changes` (one row per kommune and cross-group tie seen in both waves).
    arms : mapping
        Kommune -> arm; ``intervention`` marks intervention kommuner, every other value is control.
    targeted : mapping
        Intervention kommune -> the (rater group, target group) ties its intervention targeted.
    intervention : value
        The arm value of intervention kommuner.
    adjust : bool
        Adjust each tie's change for its baseline value (regression to the mean); ``False`` gives the
        plain triple difference (a sensitivity row).
    n_permutations, seed : int
        Arm permutations over kommuner (:func:`relkap.permutation.permutation_p`; enumerated when there
        are no more assignments than ``n_permutations``).
    level : float
        Confidence level of the Welch interval.

    Returns
    -------
    DataFrame
        One row: ``estimate`` (mean of the intervention kommuner' values minus mean of the control
        kommuner' values, below), ``ci_low``, ``ci_high`` (Welch over the kommune values), ``p_perm``,
        ``p_floor`` (the smallest p the permutation can give, :func:`relkap.permutation.permutation_floor`),
        ``n_kommuner``, ``n_intervention``, ``n_control``, ``n_pairs`` (distinct targeted group pairs),
        ``n_targeted`` (targeted ties with data in both waves), ``n_not_comparable`` (intervention
        kommuner left out: none of their targeted ties was measured in both waves, or none is a pair any
        control kommune has; a control kommune without any of the pairs is left out of ``n_control``),
        ``slope`` (the regression-to-the-mean slope of change on baseline; NaN unadjusted) and
        ``adjusted``.

    Notes
    -----
    Each tie's change is residualised: :math:`r_{kp} = c_{kp} - a_k - g_p - \beta b_{kp}`, with
    :math:`b` the baseline tie mean, :math:`a_k` and :math:`g_p` kommune and group-pair fixed effects and
    :math:`\beta` the slope of change on baseline within kommune and pair (regression to the mean: a tie
    measured low for chance reasons rises at follow-up), fitted by least squares on the ties no
    intervention targeted (selection on the baseline value does not bias a slope on it, and an effect on
    the targeted ties does not leak into the adjustment). The pair effects matter: a pair that is weak in
    every kommune does not regress towards the overall mean, so a slope pooled over pairs under-adjusts
    the weakest ties. A kommune's value is

    - intervention kommune :math:`k`: the mean of :math:`r_{kp}` over its targeted ties :math:`T_k`;
    - control kommune: the mean of :math:`r_{jp}` over the targeted pairs, each pair weighted by the
      number of intervention kommuner that targeted it, so both arms are compared on the same pairs.

    The estimate is the difference of the arms' mean values: how much more the targeted ties improved than
    the kommune's other ties, beyond what their baseline predicts, compared with the same pairs where no
    one intervened. Under the null hypothesis a kommune's value does not depend on its arm, and the
    permutation shuffles the arm labels over the kommuner, each keeping its own value (its tie set).

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> pairs = [("a", "b"), ("b", "a"), ("a", "c"), ("c", "a"), ("b", "c"), ("c", "b")]
    >>> ties = pd.DataFrame([(k, g, t, b, b + rng.normal(0, 0.1) + 0.4 * (k < 3 and (g, t) == ("a", "b")))
    ...                      for k in range(6) for g, t in pairs for b in [rng.normal(3.6, 0.3)]],
    ...                     columns=["kommune", "group", "target", "baseline", "followup"])
    >>> ties["change"] = ties["followup"] - ties["baseline"]
    >>> arms = {k: "intervention" if k < 3 else "control" for k in range(6)}
    >>> out = targeted_contrast(ties, arms, {k: [("a", "b")] for k in range(3)})
    >>> out[["estimate", "p_perm", "n_pairs", "n_targeted"]].round(3)
       estimate  p_perm  n_pairs  n_targeted
    0     0.353     0.1        1           3
    """
    check_columns(ties, ["kommune", "group", "target", "baseline", "change"])
    t = ties[ties["kommune"].map(lambda k: k in arms).to_numpy(bool)].reset_index(drop=True)
    kom = t["kommune"].to_numpy()
    pair = (t["group"].astype(str) + "\x1f" + t["target"].astype(str)).to_numpy()
    is_int = np.array([arms.get(k) == intervention for k in kom], bool)
    own = {k: {f"{a}\x1f{b}" for a, b in v} for k, v in targeted.items() if arms.get(k) == intervention}
    # targeted pairs no control kommune measured cannot be compared: not targeted ties of the contrast
    control_pairs = set(pair[~is_int])
    hit = np.array([p in own.get(k, ()) and p in control_pairs for k, p in zip(kom, pair, strict=True)], bool)
    # Change on kommune and pair fixed effects (and the baseline value), fitted on the ties no intervention
    # targeted; a targeted tie's residual is its change beyond that prediction.
    kom_codes, kom_labels = pd.factorize(kom, sort=True)
    pair_codes = pd.factorize(pair, sort=True)[0]
    design = np.column_stack([np.eye(len(kom_labels))[kom_codes], np.eye(pair_codes.max() + 1)[pair_codes][:, 1:]])
    if adjust:
        design = np.column_stack([design, t["baseline"].to_numpy(float)])
    change = t["change"].to_numpy(float)
    coef = np.linalg.lstsq(design[~hit], change[~hit], rcond=None)[0]
    slope = float(coef[-1]) if adjust else np.nan
    resid = change - design @ coef
    weights = pd.Series(pair[hit]).value_counts()  # pair -> intervention kommuner that targeted it
    w = pd.Series(pair).map(weights).fillna(0).to_numpy(float)
    fitted = np.bincount(kom_codes[~hit], minlength=len(kom_labels)) > 0
    treated_k = np.array([arms.get(k) == intervention for k in kom_labels], bool)
    # intervention kommune: mean residual of its targeted ties; control: pair-weighted mean over the pairs
    num = np.where(treated_k, np.bincount(kom_codes, hit * resid, len(kom_labels)),
                   np.bincount(kom_codes, w * resid, len(kom_labels)))
    den = np.where(treated_k, np.bincount(kom_codes, hit.astype(float), len(kom_labels)),
                   np.bincount(kom_codes, w, len(kom_labels)))
    ok = (den > 0) & fitted
    left_out = int((treated_k & ~ok).sum())
    values, treated = num[ok] / den[ok], treated_k[ok]
    n_t, n_c = int(treated.sum()), int((~treated).sum())
    est = float(values[treated].mean() - values[~treated].mean()) if n_t and n_c else np.nan
    ci = (stats.ttest_ind(values[treated], values[~treated], equal_var=False).confidence_interval(level)
          if min(n_t, n_c) >= 2 else (np.nan, np.nan))
    p = permutation_p(values, treated, est, n_permutations, seed) if n_t and n_c else np.nan
    return pd.DataFrame({
        "estimate": [est], "ci_low": [float(ci[0])], "ci_high": [float(ci[1])], "p_perm": [p],
        "p_floor": [permutation_floor(n_t + n_c, n_t, n_permutations)], "n_kommuner": [n_t + n_c],
        "n_intervention": [n_t], "n_control": [n_c], "n_pairs": [len(weights)], "n_targeted": [int(hit.sum())],
        "n_not_comparable": [left_out], "slope": [slope], "adjusted": [adjust],
    })
