"""The report's generated sentences: every word from the catalogue's ``report`` section, numbers from fmt.

The notebook's fixed narrative (section texts) lives in its Danish and English markdown cells; these
functions write the sentences that depend on the data (title, response note, headline of the RK change,
notes for missing parts), in Markdown.
"""

from __future__ import annotations

import pandas as pd

from .. import fmt
from ..instrument import Instrument
from ..style import wave_label
from ..words import Language, text
from .tables import CITIZENS

__all__ = ["SIGNIFICANCE_LEVEL", "title", "overview_note", "rk_headline", "no_followup", "no_data",
           "change_map_intro", "most_changed_intro"]

SIGNIFICANCE_LEVEL = 0.05  # "statistisk sikker": p below this (the change heat map's stars: after FDR)


def title(name: str, kommune: int, focal_process: str | None = None, language: Language = "da") -> str:
    """The report's title block: heading, focal work process (when known), waves and kommune code.

    Examples
    --------
    >>> print(title("Hedensted", 766, "Børnefaglige undersøgelser", "da"))
    # Relationel kapacitet i Hedensted Kommune
    <BLANKLINE>
    **Fokus:** Børnefaglige undersøgelser
    <BLANKLINE>
    Førmåling og eftermåling. Kommunekode 766.
    """
    lines = [text("report.title", language, name=name)]
    if focal_process is not None:
        lines.append(text("report.focal_process", language, process=focal_process))
    lines.append(text("report.subtitle", language, kommune=kommune))
    return "\n\n".join(lines)


def overview_note(overview: pd.DataFrame, instrument: Instrument, min_n: int, has_followup: bool,
                  language: Language = "da") -> str:
    """Employees per wave, the groups not shown for too few answers, the share of "ved ikke" answers.

    Parameters
    ----------
    overview : pandas.DataFrame
        :func:`relkap.report.tables.response_overview` of the kommune.
    instrument : Instrument
        The codebook.
    min_n : int
        The threshold the note names.
    has_followup : bool
        Without a follow-up, :func:`no_followup` is added.
    language : {"da", "en"}

    Examples
    --------
    >>> from relkap import load_instrument
    >>> ov = pd.DataFrame({"group": ["skole", "ppr", "skole"], "wave": ["baseline", "baseline", "followup"],
    ...                    "n": [12, 3, 10], "dont_know_share": [0.1, 0.2, 0.05],
    ...                    "suppressed": [False, True, False]})
    >>> print(overview_note(ov, load_instrument(), 5, True, "en"))
    Baseline: 15 employees, Follow-up: 10 employees. Groups with fewer than 5 answers in a wave are not shown for it: Educational psychology (PPR). The share of 'don't know' answers is 12%.
    """
    employees = overview[overview["group"] != CITIZENS]
    parts = []
    for w in (instrument.waves.baseline, instrument.waves.followup):
        n = int(employees.loc[employees["wave"] == w, "n"].sum())
        if n:
            parts.append(text("report.respondents", language, wave=wave_label(w, language, instrument), n=n))
    sentences = [", ".join(parts) + "."]
    small = sorted({instrument.label(g, language) for g in employees.loc[employees["suppressed"], "group"]})
    if small:
        sentences.append(text("report.small_groups", language, min_n=min_n, groups=", ".join(small)))
    if len(employees) and not fmt.missing(employees["dont_know_share"].mean()):
        share = fmt.percent(employees["dont_know_share"].mean(), language)
        sentences.append(text("report.dont_know", language, share=share))
    if not has_followup:
        sentences.append(no_followup(language))
    return " ".join(sentences)


def rk_headline(rk: pd.DataFrame, has_followup: bool, language: Language = "da") -> str:
    """The RK index's change in one sentence, and whether it is statistically significant (p < 0.05).

    Parameters
    ----------
    rk : pandas.DataFrame
        :func:`relkap.report.tables.rk_change` of the kommune.
    has_followup : bool
        Without a follow-up the sentence is :func:`no_followup`.
    language : {"da", "en"}

    Returns
    -------
    str
        Markdown; empty when the index is suppressed.

    Examples
    --------
    >>> rk = pd.DataFrame({"dimension": ["rk"], "suppressed": [False], "mean_baseline": [3.71],
    ...                    "mean_followup": [3.93], "diff": [0.22], "diff_ci_low": [0.05], "diff_ci_high": [0.39],
    ...                    "hedges": [0.41], "p_val": [0.012]})
    >>> print(rk_headline(rk, True, "da"))
    **Indekset er steget fra 3,71 til 3,93** (ændring +0,22, 95 %-KI [0,05; 0,39], Hedges' g +0,41). Ændringen er statistisk sikker.
    """
    row = rk[rk["dimension"] == "rk"]
    if not has_followup:
        return no_followup(language)
    if row.empty or bool(row["suppressed"].iloc[0]):
        return ""
    r = row.iloc[0]
    sentence = text("report.rk_risen" if r["diff"] > 0 else "report.rk_fallen", language,
                    baseline=fmt.number(r["mean_baseline"], 2, language),
                    followup=fmt.number(r["mean_followup"], 2, language),
                    diff=fmt.signed(r["diff"], 2, language),
                    ci=fmt.ci(r["diff_ci_low"], r["diff_ci_high"], language),
                    hedges=fmt.signed(r["hedges"], 2, language))
    verdict = "report.rk_significant" if r["p_val"] < SIGNIFICANCE_LEVEL else "report.rk_not_significant"
    return f"{sentence} {text(verdict, language)}"


def no_followup(language: Language = "da") -> str:
    """The note for a kommune without a follow-up wave (the report shows the baseline only)."""
    return text("report.no_followup", language)


def no_data(language: Language = "da") -> str:
    """The note for a section without data (e.g. no citizen survey)."""
    return text("report.no_data", language)


def change_map_intro(language: Language = "da") -> str:
    """The sentence above the change heat map: colours and what its stars mean."""
    return text("report.change_map_intro", language, alpha=fmt.number(SIGNIFICANCE_LEVEL, 2, language))


def most_changed_intro(language: Language = "da") -> str:
    """The sentence above the table of the most changed ties."""
    return text("report.most_changed_intro", language)
