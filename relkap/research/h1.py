"""H1: formal structures raise relational capacity (RK)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .data import RK, STRUCTURE
from .fit import check_nesting, finish, mixed, ols_cluster, pooled_waves, standardise, std_factor

__all__ = ["MODEL_COLUMNS", "structures_rk", "between_within"]

MODEL_COLUMNS = ["kommune", "wave", "respondent_id", "group", RK, "structure_between", "structure_within"]


def between_within(units: pd.DataFrame, respondents: pd.DataFrame) -> pd.DataFrame:
    """The respondent-level H1 model's data: the respondents with the kommune's structure index split in two.

    ``structure_between`` is the kommune's mean of the structure index over its waves (between kommuner:
    the H1 estimate), ``structure_within`` the wave's deviation from it (within the kommune). A kommune
    random intercept would otherwise mix the two, and the within part is mostly coder noise when the
    structures did not change. Rows without RK or structure index are left out.

    Examples
    --------
    >>> units = pd.DataFrame({"kommune": [1, 1], "wave": ["baseline", "followup"], "structure": [3.0, 3.4]})
    >>> resp = pd.DataFrame({"kommune": [1, 1], "wave": ["baseline", "followup"], "group": "a",
    ...                      "rk": [3.5, 3.9], "structure": [3.0, 3.4]})
    >>> between_within(units, resp)[["structure_between", "structure_within"]].round(2).values.tolist()
    [[3.2, -0.2], [3.2, 0.2]]
    """
    d = respondents.dropna(subset=[RK, STRUCTURE]).copy()
    between = units.groupby("kommune")[STRUCTURE].mean()
    d["structure_between"] = d["kommune"].map(between)
    d["structure_within"] = d[STRUCTURE] - d["structure_between"]
    return d


def structures_rk(units: pd.DataFrame, respondents: pd.DataFrame, structure_dims: Sequence[str] = (),
                  nesting: str = "vc", waves: Sequence[str] | None = None) -> pd.DataFrame:
    """H1: coded formal structures -> RK, at the kommune level and at the respondent level.

    Parameters
    ----------
    units : DataFrame
        :func:`relkap.research.unit_table`.
    respondents : DataFrame
        :func:`relkap.research.respondent_table`.
    structure_dims : sequence of str
        Structure dimension codes to test one by one besides the structure index.
    nesting : {"vc", "combined"}
        Random effects of the respondent-level model (:func:`relkap.research.fit.mixed`).
    waves : sequence of str, optional
        The wave codes in time order (default sorted): both models have a fixed effect per wave present
        (``waves``, ``wave_term`` "fixed_effects").

    Returns
    -------
    DataFrame
        One row per ``model``, ``outcome`` (``rk``) and ``predictor`` with the result columns, then
        ``family``, ``estimate_std``, ``ci_low_std``, ``ci_high_std`` (standardised: sd_x / sd_y over the
        model sample), ``n_obs``, and for the mixed model ``converged`` and ``nesting``.

        - ``model`` "ols_unit": OLS of the kommune x wave RK on the structure index (and each structure
          dimension in turn), wave fixed effect, kommune-clustered CR2 SE, t on Satterthwaite df (``method``
          "cluster_cr2_satterthwaite"; CR1 in ``se_cr1`` ... ``p_cr1``).
        - ``model`` "mixed_respondent": mixed model of the respondent's RK index on the kommune's
          structure index split into ``structure_between`` (the kommune's mean over the waves: the H1
          estimate) and ``structure_within`` (the wave's deviation from it; :func:`between_within`),
          with a kommune random intercept and the group within the kommune (``nesting``); t tests on
          Satterthwaite df (``method`` "satterthwaite"): ``structure_between`` varies only between
          kommuner, so its df are near the number of kommuner minus 2.

        ``p_adj``: Holm over the structure dimensions; the index row, ``structure_between`` (H1's primary
        estimate, family "primary") and ``structure_within`` are families of their own.

    Examples
    --------
    >>> from relkap import load_instrument
    >>> from relkap.research import example_tables, respondent_table, unit_table
    >>> inst, t = load_instrument(), example_tables(6)
    >>> resp = respondent_table(t, inst)
    >>> h1 = structures_rk(unit_table(t, inst, resp), resp)
    >>> h1[["model", "predictor", "estimate", "n_units"]].round(2)
                  model          predictor  estimate  n_units
    0          ols_unit          structure      0.17        6
    1  mixed_respondent  structure_between      0.21        6
    2  mixed_respondent   structure_within     -0.20        6
    """
    check_nesting(nesting)
    rows = []
    predictors = [STRUCTURE, *[c for c in structure_dims if c in units.columns]]
    for x in predictors:
        d = units.dropna(subset=[RK, x])
        r = ols_cluster(d, RK, [x])[x]
        fam = "index" if x == STRUCTURE else "dimensions"
        rows.append(standardise({"model": "ols_unit", "predictor": x, "outcome": RK, "family": fam, **r,
                                 **pooled_waves(d, waves),
                                 "n_units": int(d["kommune"].nunique()),
                                 "n_respondents": int(d["n_respondents"].sum()), "n_obs": len(d)},
                                std_factor(d, x, RK)))
    d = between_within(units, respondents)
    xs = ["structure_between"] + (["structure_within"] if d["structure_within"].std() > 1e-12 else [])
    res = mixed(d, RK, xs, nesting)
    for x in xs:
        # the between-kommune effect is H1's primary estimate: a family of its own (no adjustment)
        fam = "primary" if x == "structure_between" else "respondent_within"
        rows.append(standardise({"model": "mixed_respondent", "predictor": x, "outcome": RK,
                                 "family": fam, **res[x], **pooled_waves(d, waves),
                                 "n_units": int(d["kommune"].nunique()),
                                 "n_respondents": len(d), "n_obs": len(d), "nesting": nesting},
                                std_factor(d, x, RK)))
    return finish(rows, ["model", "outcome", "predictor"], family="family")
