"""The report over three or more waves, for reading: the trend table, a comparison between two named waves,
the targeted ties' trajectory and the sentences about waves (linked respondents, missing waves, FDR families).

The numbers come from the :class:`~relkap.report.model.KommuneReport` (``rk_waves``, ``rk_previous``,
``targeted_trajectory``, ``linked``); here they are labelled with the codebook's wave names and formatted
through :mod:`relkap.fmt`. Counts below ``min_n`` are never shown.
"""

from __future__ import annotations

import pandas as pd

from .. import fmt
from ..config import ALPHA, MIN_N
from ..instrument import Instrument
from ..labels import label, wave_label
from ..words import Language, text
from .ties import certainty, certainty_word, join_list, tie_name

__all__ = ["trend_table", "comparison_table", "trajectory_table", "linked_sentence", "missing_note",
           "families_sentence"]


def _cell(row: pd.Series, language: Language, min_n: int) -> str:
    n = row.get("n")
    if bool(row.get("suppressed", False)) or pd.isna(row["mean"]):
        return fmt.count(n, min_n, language) if pd.notna(n) and n < min_n else "–"
    return text("waves.value_ci", language, value=fmt.number(row["mean"], 2, language),
                ci=fmt.ci(row["ci_low"], row["ci_high"], language))


def trend_table(rk_waves: pd.DataFrame, instrument: Instrument, language: Language = "da",
                min_n: int = MIN_N) -> pd.DataFrame:
    """The index and each dimension (rows) in every wave (columns, the codebook's names): mean (95 % CI).

    Examples
    --------
    >>> from relkap import load_instrument
    >>> d = pd.DataFrame({"wave": ["baseline", "followup"], "dimension": "rk", "n": [40, 3], "mean": [3.4, None],
    ...                   "ci_low": [3.2, None], "ci_high": [3.6, None], "suppressed": [False, True]})
    >>> trend_table(d, load_instrument(), "en").to_dict("records")
    [{'Dimension': 'Relational capacity (index)', 'Baseline': '3.40 [3.20, 3.60]', 'Follow-up': '<5'}]
    """
    waves = [w for w in instrument.waves.codes if w in set(rk_waves["wave"].astype(str))]
    dims = [d for d in ["rk", *instrument.relational_codes] if d in set(rk_waves["dimension"].astype(str))]
    rows = []
    for d in dims:
        part = rk_waves[rk_waves["dimension"].astype(str) == d]
        part = part.set_index(part["wave"].astype(str))
        row = {text("waves.col_dimension", language): label(d, language, instrument)}
        for w in waves:
            row[wave_label(w, language, instrument)] = _cell(part.loc[w], language, min_n) if w in part.index else "–"
        rows.append(row)
    return pd.DataFrame(rows)


def comparison_table(cmp: pd.DataFrame, before: str, after: str, instrument: Instrument, language: Language = "da",
                     min_n: int = MIN_N, p: str = "p_fdr", alpha: float = ALPHA) -> pd.DataFrame:
    """A :func:`relkap.report.tables.rk_change` comparison between the waves ``before`` and ``after``, headed
    with their names: the two means, the change with its CI and the certainty in words."""
    b, a = wave_label(before, language, instrument), wave_label(after, language, instrument)
    rows = []
    for r in cmp.itertuples(index=False):
        shown = not bool(r.suppressed)
        rows.append({text("waves.col_dimension", language): label(r.dimension, language, instrument),
                     b: fmt.number(r.mean_baseline, 2, language) if shown else fmt.count(r.n_baseline, min_n, language),
                     a: fmt.number(r.mean_followup, 2, language) if shown else fmt.count(r.n_followup, min_n, language),
                     text("waves.col_change", language): (text("waves.value_ci", language,
                                                                value=fmt.signed(r.diff, 2, language),
                                                                ci=fmt.ci(r.diff_ci_low, r.diff_ci_high, language,
                                                                          sign=True)) if shown else "–"),
                     text("waves.col_certainty", language): (certainty_word(certainty(getattr(r, p), alpha), language)
                                                             if shown else "–")})
    return pd.DataFrame(rows)


def trajectory_table(traj: pd.DataFrame, instrument: Instrument, language: Language = "da",
                     min_n: int = MIN_N) -> pd.DataFrame:
    """The targeted ties (rows, "A → B") in every wave (columns): the tie's mean (95 % CI), or "<min_n"."""
    waves = [w for w in instrument.waves.codes if w in set(traj["wave"].astype(str))]
    rows = []
    for (g, t), part in traj.groupby([traj["group"].astype(str), traj["target"].astype(str)], sort=False):
        part = part.set_index(part["wave"].astype(str))
        row = {text("waves.col_tie", language): tie_name(g, t, language, instrument)}
        for w in waves:
            row[wave_label(w, language, instrument)] = _cell(part.loc[w], language, min_n) if w in part.index else "–"
        rows.append(row)
    return pd.DataFrame(rows)


def linked_sentence(linked: pd.DataFrame | None, min_n: int = MIN_N, language: Language = "da") -> str:
    """How many employees answered in more than one wave (linked by pseudonym), "" when nobody did.

    ``linked`` is :func:`relkap.linked.linked_respondents` (one row); when its counts may not be shown (``shown``:
    with the answers per wave they would give a count below ``min_n``), the sentence says so without numbers.

    Examples
    --------
    >>> row = {"n_waves": 2, "n_respondents": 90, "n_linked": 30, "n_every_wave": 30, "shown": True}
    >>> linked_sentence(pd.DataFrame([row]), 5, "en")
    '30 of 90 employees answered in more than one wave (linked by their pseudonym).'
    >>> linked_sentence(pd.DataFrame([{**row, "n_linked": 3, "shown": False}]), 5, "en").startswith("Some employees")
    True
    """
    if linked is None or len(linked) == 0 or int(linked["n_linked"].iloc[0]) == 0:
        return ""
    row = linked.iloc[0]
    if not bool(row.get("shown", True)):
        return text("waves.linked_hidden", language, min_n=min_n)
    return text("waves.linked", language, linked=fmt.count(int(row["n_linked"]), min_n, language),
                total=fmt.count(int(row["n_respondents"]), min_n, language))


def wave_names(waves, instrument: Instrument | None, language: Language = "da") -> str:
    """Waves in a sentence by their display names: "førmåling, midtvejsmåling og eftermåling".

    Examples
    --------
    >>> wave_names(["baseline", "followup"], None, "da")
    'førmåling og eftermåling'
    """
    return join_list([wave_label(w, language, instrument).lower() for w in waves], language)


def missing_note(missing: tuple[str, ...] | list[str], instrument: Instrument, language: Language = "da") -> str:
    """The note of a kommune without answers in some of the codebook's waves ("" when it has all)."""
    if not missing:
        return ""
    return text("waves.missing_note", language, waves=wave_names(missing, instrument, language))


def families_sentence(comparisons: list[tuple[str, str, str]], instrument: Instrument,
                      language: Language = "da") -> str:
    """Which comparisons are tested, each its own FDR family."""
    parts = [text("waves.comparison", language, before=wave_label(b, language, instrument).lower(),
                  after=wave_label(a, language, instrument).lower()) for _, b, a in comparisons]
    return text("waves.families", language, comparisons="; ".join(parts))
