"""May RK be treated as a property of the kommune (and of the group in the kommune)? ICC(1), ICC(2), r_wg(j)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .. import agreement
from ..config import ALPHA, MIN_N
from ..instrument import Instrument
from .data import RK, wave_order
from .fit import finish

__all__ = ["LEVELS", "icc1_ci", "aggregation_check"]

LEVELS = ("kommune", "kommune:group")


def icc1_ci(F: float, df1: float, df2: float, k: float) -> tuple[float, float]:
    """95% CI of ICC(1) from the F distribution (McGraw & Wong 1996, one-way model, k = mean group size).

    Notes
    -----
    With F_L = F / F_{.975}(df1, df2) and F_U = F x F_{.975}(df2, df1), the interval is
    ((F_L - 1) / (F_L + k - 1), (F_U - 1) / (F_U + k - 1)). NaN when F is not finite or a df < 1.

    Examples
    --------
    >>> [round(float(x), 3) for x in icc1_ci(11.4, 2, 9, 4)]
    [0.199, 0.991]
    """
    if not np.isfinite(F) or df1 < 1 or df2 < 1:
        return np.nan, np.nan
    fl = F / stats.f.ppf(0.975, df1, df2)
    fu = F * stats.f.ppf(0.975, df2, df1)
    return (fl - 1) / (fl + k - 1), (fu - 1) / (fu + k - 1)


def aggregation_check(respondents: pd.DataFrame, instrument: Instrument, min_n: int = MIN_N,
                      icc1_min: float = 0.05, icc2_min: float = 0.70, rwg_min: float = 0.70) -> pd.DataFrame:
    """ICC(1), ICC(2) and r_wg(j) of the respondent RK index by kommune and by group in kommune, per wave.

    Each wave is checked on its own (waves are never pooled here), in the codebook's time order.

    Parameters
    ----------
    respondents : DataFrame
        :func:`relkap.research.respondent_table`.
    instrument : Instrument
        Codebook (relational dimensions, answer options for the r_wg null variance).
    min_n : int
        Units with fewer respondents are left out of the r_wg(j) summary (r_wg(j) of 2 raters is noise).
    icc1_min, icc2_min, rwg_min : float
        Thresholds of the verdict (conventional: ICC(1) > .05 with a significant F, ICC(2) >= .70,
        median r_wg(j) >= .70; LeBreton & Senter 2008).

    Returns
    -------
    DataFrame
        One row per ``level`` ("kommune", "kommune:group"), ``wave`` and ``statistic`` ("ICC1", "ICC2",
        "rwg_j_median") with the result columns: ``estimate``; ``ci_low``, ``ci_high`` (ICC(1): 95% CI
        from the F distribution, :func:`icc1_ci`; r_wg(j): the quartiles over the units); ``p_val`` (the
        ANOVA F test on the ICC(1) rows, ``method`` "anova_f"); ``p_adj`` (none); ``n_units``, ``n_respondents``; then
        ``threshold``, ``meets`` and ``verdict`` ("justified": all three statistics meet their threshold,
        "partly": two, "not justified": whether the level's RK may be treated as a shared unit-level
        property); ``waves`` (the row's wave) and ``wave_term`` ("per_wave"). A level with fewer than two
        units in a wave has no rows (an ICC needs two units).

    Notes
    -----
    ICC(1) = (MSB - MSW) / (MSB + (k - 1) MSW) and ICC(2) = (MSB - MSW) / MSB from the one-way ANOVA of
    the respondents' RK index on the unit (:func:`relkap.agreement.icc`); r_wg(j) over the relational
    dimensions with a uniform null (:func:`relkap.agreement.rwg_j`).

    Examples
    --------
    >>> from relkap import load_instrument
    >>> from relkap.research import example_tables, respondent_table
    >>> inst, t = load_instrument(), example_tables(3, respondents=15)
    >>> agg = aggregation_check(respondent_table(t, inst), inst)
    >>> agg.loc[agg["wave"] == "baseline", ["level", "statistic", "estimate", "verdict"]].round(2)
               level     statistic  estimate        verdict
    0        kommune          ICC1      0.06  not justified
    1        kommune          ICC2      0.53  not justified
    2        kommune  rwg_j_median      0.96  not justified
    3  kommune:group          ICC1     -0.04  not justified
    4  kommune:group          ICC2     -0.14  not justified
    5  kommune:group  rwg_j_median      0.95  not justified
    """
    d = respondents.dropna(subset=[RK])
    dims = [c for c in instrument.relational_codes if c in d.columns]
    rows = []
    for wave in wave_order(d["wave"].astype(str), instrument):  # every wave on its own, in time order
        part = d[d["wave"].astype(str) == wave]
        part = part.assign(unit=part["kommune"].astype(str) + ":" + part["group"].astype(str))
        for level, col in zip(LEVELS, ("kommune", "unit"), strict=True):
            n_units = int(part[col].nunique())
            if n_units < 2:
                continue
            ic = agreement.icc(part, dv=RK, group=col).iloc[0]
            lo, hi = icc1_ci(ic["F"], ic["df1"], ic["df2"], ic["k"])
            base = {"level": level, "wave": wave, "n_units": n_units, "n_respondents": len(part), "waves": wave,
                    "wave_term": "per_wave"}
            rows.append({**base, "statistic": "ICC1", "estimate": ic["ICC1"], "ci_low": lo, "ci_high": hi,
                         "p_val": ic["p_val"], "method": "anova_f", "threshold": icc1_min,
                         "meets": bool(ic["ICC1"] > icc1_min and ic["p_val"] < ALPHA)})
            rows.append({**base, "statistic": "ICC2", "estimate": ic["ICC2"], "threshold": icc2_min,
                         "meets": bool(ic["ICC2"] >= icc2_min)})
            r = agreement.rwg_j(part, dims, col, options=instrument.scale.options)
            r = r[r["n"] >= min_n]
            rows.append({**base, "statistic": "rwg_j_median", "estimate": float(r["rwg_j"].median()),
                         "ci_low": float(r["rwg_j"].quantile(0.25)), "ci_high": float(r["rwg_j"].quantile(0.75)),
                         "threshold": rwg_min, "meets": bool(r["rwg_j"].median() >= rwg_min),
                         "n_units": len(r)})
    out = finish(rows, ["level", "wave", "statistic"], family=None)
    out["p_adj"] = np.nan
    out["p_adjust"] = "none"
    for c in ("threshold", "meets"):
        if c not in out.columns:
            out[c] = pd.Series(dtype=float if c == "threshold" else bool)
    met = out.groupby(["level", "wave"])["meets"].transform("sum")
    out["verdict"] = np.select([met == 3, met >= 2], ["justified", "partly"], "not justified")
    return out
