"""Response rates per group and wave (answers / invited), with the privacy threshold applied.

The number invited comes from the kommune's parameter file (``invited: {wave: {group: n}}``,
:class:`relkap.params.KommuneParams`); the answers from the report's response overview
(``group, wave, n, suppressed``). RC practice reads a response rate below about 60-65 % with caution,
especially in network measures, where a missing respondent removes all of that person's ties.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .. import fmt, words
from ..checks import check_columns
from ..config import MIN_N
from ..instrument import Instrument
from ..labels import group_order, label, wave_label
from ..words import Language

__all__ = ["LOW_RESPONSE", "TOTAL", "response_rates", "response_table", "low_response_groups"]

LOW_RESPONSE = 0.60  # RC practice: below about 60-65 % read with caution (the lower end, so a flag means it)
TOTAL = "_total"  # the ``group`` of a wave's total row


def response_rates(overview: pd.DataFrame, invited: Mapping[str, Mapping[str, int]] | None = None,
                   min_n: int = MIN_N, low: float = LOW_RESPONSE, waves: list[str] | None = None, *,
                   instrument: Instrument) -> pd.DataFrame:
    """Response rate per group and wave where the number invited is given, and a total per wave.

    Parameters
    ----------
    overview : DataFrame
        Employees who answered per group and wave: ``group, wave, n`` (the report's response overview;
        a ``"borgere"`` row, the citizens, is left out: they are not invited by group).
    invited : mapping, optional
        ``{wave: {group: number invited}}`` (``KommuneParams.invited``); missing or empty: no rates.
    min_n : int
        A group with fewer than ``min_n`` answers gets no rate and no exact count (the rate and the number
        invited would give the count away).
    low : float
        Rates below it are flagged ``low`` (default :data:`LOW_RESPONSE`, 0.60).
    waves : list of str, optional
        The waves in order (default: as they appear in ``overview``).
    instrument : Instrument
        The codebook (the groups' order).

    Returns
    -------
    DataFrame
        One row per group and wave, then one total row per wave (``group`` = :data:`TOTAL`):
        ``group, wave, n`` (``<NA>`` below ``min_n``), ``invited`` (``<NA>`` when not given, and below
        ``min_n`` answers: answered and invited are hidden together, README "Privacy"), ``rate``
        (n / invited; NaN when not given or hidden), ``low`` (rate < ``low``), ``status``: ``"given"``,
        ``"not_given"``, ``"hidden"`` (n < min_n) or ``"too_many"`` (more answers than invited: no rate).
        The total of a wave leaves out the groups below ``min_n`` (with the groups shown it would give their
        count away: complementary disclosure); its rate uses the groups with a number invited only.

    Examples
    --------
    >>> ov = pd.DataFrame({"group": ["skole", "ppr", "skole"], "wave": ["baseline", "baseline", "followup"],
    ...                    "n": [18, 3, 20]})
    >>> from relkap import load_instrument
    >>> r = response_rates(ov, {"baseline": {"skole": 24, "ppr": 6}}, min_n=5, instrument=load_instrument())
    >>> r[["group", "wave", "n", "invited", "rate", "low", "status"]].round(2)
        group      wave     n  invited  rate    low     status
    0   skole  baseline    18       24  0.75  False      given
    1     ppr  baseline  <NA>     <NA>   NaN  False     hidden
    2   skole  followup    20     <NA>   NaN  False  not_given
    3  _total  baseline    18       24  0.75  False      given
    4  _total  followup    20     <NA>   NaN  False  not_given
    """
    check_columns(overview, ("group", "wave", "n"), "overview")
    emp = overview[overview["group"].astype(str) != "borgere"]
    invited = {str(w): {str(g): int(v) for g, v in (gs or {}).items()} for w, gs in (invited or {}).items()}
    order = list(waves) if waves else list(dict.fromkeys(emp["wave"].astype(str)))
    answered = {(str(g), str(w)): int(n) for g, w, n in zip(emp["group"], emp["wave"], emp["n"], strict=True)}
    for w, gs in invited.items():  # a group invited but without a single answer
        for g in gs:
            answered.setdefault((g, w), 0)
        if w not in order:
            order.append(w)
    rows = []
    for (g, w), n in answered.items():
        inv = invited.get(w, {}).get(g)
        rows.append(_row(g, w, n, inv, min_n, low))
    for w in order:
        # groups below min_n stay out of the total: with the shown groups it would give their count away
        shown = {g: n for (g, ww), n in answered.items() if ww == w and n >= min_n}
        with_inv = [(n, invited[w][g]) for g, n in shown.items() if g in invited.get(w, {})]
        inv = sum(i for _, i in with_inv) if with_inv else None
        row = _row(TOTAL, w, sum(n for n, _ in with_inv) if with_inv else sum(shown.values()), inv, min_n, low)
        row["n"] = sum(shown.values()) if sum(shown.values()) >= min_n else pd.NA
        rows.append(row)
    out = pd.DataFrame(rows, columns=["group", "wave", "n", "invited", "rate", "low", "status"])
    out["n"] = out["n"].astype("Int64")
    out["invited"] = out["invited"].astype("Int64")
    out["rate"] = out["rate"].astype(float)
    key_w = {w: i for i, w in enumerate(order)}
    out["_t"] = out["group"] == TOTAL
    out["_w"] = out["wave"].map(key_w)
    groups = {g: i for i, g in enumerate(group_order(out.loc[~out["_t"], "group"], instrument))}
    out["_g"] = out["group"].map(groups).fillna(-1)
    out = out.sort_values(["_t", "_w", "_g"], kind="stable").drop(columns=["_t", "_w", "_g"])
    return out.reset_index(drop=True)


def _row(group: str, wave: str, n: int, invited: int | None, min_n: int, low: float) -> dict:
    if n < min_n:  # answered and invited hidden together: invited 1 beside "<5" answers would say 1 answered
        return {"group": group, "wave": wave, "n": pd.NA, "invited": pd.NA, "rate": np.nan, "low": False,
                "status": "hidden"}
    if invited is None:
        return {"group": group, "wave": wave, "n": n, "invited": pd.NA, "rate": np.nan, "low": False,
                "status": "not_given"}
    if n > invited:
        return {"group": group, "wave": wave, "n": n, "invited": invited, "rate": np.nan, "low": False,
                "status": "too_many"}
    rate = n / invited
    return {"group": group, "wave": wave, "n": n, "invited": invited, "rate": rate, "low": bool(rate < low),
            "status": "given"}


def low_response_groups(rates: pd.DataFrame, language: Language, instrument: Instrument) -> list[str]:
    """The groups whose response rate is low, as "Group (wave)" or "Group (baseline and follow-up)".

    Examples
    --------
    >>> ov = pd.DataFrame({"group": ["skole", "skole"], "wave": ["baseline", "followup"], "n": [9, 8]})
    >>> from relkap import load_instrument
    >>> inst = load_instrument()
    >>> low_response_groups(response_rates(ov, {"baseline": {"skole": 20}, "followup": {"skole": 20}},
    ...                                    instrument=inst), "da", inst)
    ['Skole (førmåling og eftermåling)']
    """
    inst = instrument
    low = rates[rates["low"] & (rates["group"] != TOTAL)]
    waves: dict[str, list[str]] = {}
    for g, w in zip(low["group"], low["wave"], strict=True):
        waves.setdefault(str(g), []).append(wave_label(w, language, inst).lower())
    return [words.text("briefing.key.group_wave", language, group=label(g, language, inst),
                       wave=words.text("briefing.list_and", language).join(ws) if len(ws) < 3 else ", ".join(ws))
            for g, ws in waves.items()]


def response_table(rates: pd.DataFrame, language: Language, instrument: Instrument,
                   min_n: int = MIN_N) -> pd.DataFrame:
    """:func:`response_rates` for reading: one row per group (the totals last), one column per wave.

    A cell reads "answers of invited (rate)", with ", low: read with caution" below :data:`LOW_RESPONSE`;
    only the answers where the number invited is not given (or is below the answers: "check the numbers");
    "<min_n" for a group with fewer answers (no rate: the number invited is hidden with it). A table as long
    as the number of groups, not groups x waves, so it fits a phone and half an A4 page.

    Examples
    --------
    >>> ov = pd.DataFrame({"group": ["skole", "ppr"], "wave": ["baseline", "baseline"], "n": [18, 3]})
    >>> from relkap import load_instrument
    >>> inst = load_instrument()
    >>> t = response_table(response_rates(ov, {"baseline": {"skole": 40, "ppr": 6}}, instrument=inst), "en", inst)
    >>> t.columns.tolist()
    ['Group', 'Baseline']
    >>> t.values.tolist()
    [['Schools', '18 of 40 (45%), low: read with caution'], ['Educational psychology (PPR)', '<5'], ['Total', '18 of 40 (45%), low: read with caution']]
    """
    inst = instrument
    t = words.text
    waves = list(dict.fromkeys(rates["wave"]))
    groups = list(dict.fromkeys(rates["group"]))  # response_rates' order: totals last
    cells = {(r.group, r.wave): r for r in rates.itertuples(index=False)}
    rows = []
    for g in groups:
        row = {t("glossary.group", language): t("briefing.response.total", language) if g == TOTAL
               else label(g, language, inst)}
        for w in waves:
            r = cells.get((g, w))
            if r is None:
                shown = ""
            elif r.status == "hidden" or fmt.missing(r.n):
                shown = f"<{min_n}"
            elif r.status == "given" and not fmt.missing(r.rate):
                shown = t("briefing.response.cell", language, n=fmt.count(r.n, min_n, language),
                          invited=fmt.count(r.invited, None, language), rate=fmt.percent(r.rate, language))
                if r.low:
                    shown = f"{shown}, {t('briefing.response.low', language)}"
            elif r.status == "too_many":
                shown = f"{fmt.count(r.n, min_n, language)}: {t('briefing.response.too_many', language)}"
            else:
                shown = fmt.count(r.n, min_n, language)
            row[wave_label(w, language, inst)] = shown
        rows.append(row)
    return pd.DataFrame(rows).fillna("")
