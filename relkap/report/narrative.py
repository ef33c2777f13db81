"""The report's generated sentences: every word from the catalogue's ``report`` section, numbers from fmt.

The notebook's fixed narrative (section texts) lives in its Danish and English markdown cells; these
functions write the sentences that depend on the data (response note, notes for missing parts), in
Markdown. The title block, the headline, the key points and the other briefing sentences are
:mod:`relkap.report.briefing`'s and :mod:`relkap.report.keypoints`'.
"""

from __future__ import annotations

import pandas as pd

from .. import fmt
from ..benchmark import MIN_BENCHMARK_KOMMUNER
from ..config import ALPHA
from ..instrument import Instrument
from ..labels import wave_label
from ..words import Language, text, text_n
from .tables import CITIZENS
from .ties import join_items, tie_name

__all__ = ["section", "start_here", "benchmark_note", "overview_note", "no_followup", "no_data", "change_map_intro"]


def section(heading: str, paragraphs: list[str], level: int = 2, bullets: bool = False) -> str:
    """A heading and its paragraphs (or a bulleted list) as Markdown.

    Examples
    --------
    >>> print(section("Det vigtigste", ["Et.", "To."], bullets=True))
    ## Det vigtigste
    <BLANKLINE>
    - Et.
    - To.
    """
    body = "\n".join(f"- {p}" for p in paragraphs) if bullets else "\n\n".join(paragraphs)
    return f"{'#' * level} {heading}\n\n{body}"


def start_here(guide: pd.DataFrame, language: Language, instrument: Instrument,
               targeted=()) -> str:
    """One line for the first screen: the ties of the dialogue guide (:func:`relkap.report.dialogue.dialogue_guide`).

    Examples
    --------
    >>> guide = pd.DataFrame({"group": ["skole"], "target": ["ppr"]})
    >>> from relkap import load_instrument
    >>> start_here(guide, "en", load_instrument())
    '**Where to start:** Schools → Educational psychology (PPR) (see the section "Three ties to talk about first").'
    """
    marked = {(str(a), str(b)) for a, b in targeted}
    names = [tie_name(a, b, language, instrument, (str(a), str(b)) in marked)
             for a, b in zip(guide["group"], guide["target"], strict=True)]
    return text("report.start_here", language, ties=join_items(names, language))


def overview_note(overview: pd.DataFrame, instrument: Instrument, min_n: int, has_followup: bool,
                  language: Language = "da", hidden: pd.DataFrame | None = None) -> str:
    """Employees per wave (every wave in time order), the groups not shown for too few answers, the share of "ved ikke" answers.

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
    hidden : pandas.DataFrame, optional
        The hidden groups (:func:`relkap.privacy.hidden_groups`: ``wave, group``). Give it with an
        ``overview`` of the shown groups only (:func:`relkap.report.shared_tables`), so the totals leave
        the hidden groups out (with the shown groups they would give their count away).

    Examples
    --------
    >>> from relkap import load_instrument
    >>> ov = pd.DataFrame({"group": ["skole", "ppr", "skole"], "wave": ["baseline", "baseline", "followup"],
    ...                    "n": [12, 3, 10], "dont_know_share": [0.1, 0.2, 0.05],
    ...                    "suppressed": [False, True, False]})
    >>> print(overview_note(ov, load_instrument(), 5, True, "en"))
    Baseline: 15 employees, Follow-up: 10 employees. Groups with fewer than 5 answers in a wave are not shown for it: Educational psychology (PPR). The share of 'don't know' answers is 12%.

    Three waves: each, in time order.

    >>> from relkap.synth import with_waves
    >>> three = pd.concat([ov, ov.assign(wave="midtvejs", n=[11, 2, 9])], ignore_index=True)
    >>> print(overview_note(three, with_waves(load_instrument(), 3), 5, True, "da").split(".")[0])
    Førmåling: 15 medarbejdere, Midtvejsmåling: 22 medarbejdere, Eftermåling: 10 medarbejdere
    """
    employees = overview[overview["group"] != CITIZENS]
    parts = []
    for w in instrument.waves.codes:  # every wave measured, in time order (as the response table)
        n = int(employees.loc[employees["wave"] == w, "n"].sum())
        if n:
            parts.append(text_n("report.respondents", n, language, wave=wave_label(w, language, instrument),
                                n=fmt.count(n, None, language)))
    sentences = [", ".join(parts) + "."] if parts else []
    small_codes = employees.loc[employees["suppressed"], "group"] if hidden is None else hidden["group"]
    small = sorted({instrument.label(str(g), language) for g in small_codes})
    if small:
        sentences.append(text("report.small_groups", language, min_n=min_n, groups=", ".join(small)))
    if len(employees) and not fmt.missing(employees["dont_know_share"].mean()):
        share = fmt.percent(employees["dont_know_share"].mean(), language)
        sentences.append(text("report.dont_know", language, share=share))
    if not has_followup:
        sentences.append(no_followup(language))
    return " ".join(sentences)


def no_followup(language: Language = "da") -> str:
    """The note for a kommune without a follow-up wave (the report shows the baseline only)."""
    return text("report.no_followup", language)


def no_data(language: Language = "da") -> str:
    """The note for a section without data (e.g. no citizen survey)."""
    return text("report.no_data", language)


def change_map_intro(language: Language = "da") -> str:
    """The sentence above the change heat map: colours and what its stars mean."""
    return text("report.change_map_intro", language, alpha=fmt.number(ALPHA, 2, language))


def benchmark_note(bench: pd.DataFrame, instrument: Instrument, language: Language = "da") -> str:
    """The note below the benchmark when a measure has too few other kommuner for a distribution ("" if none).

    Examples
    --------
    >>> from relkap import load_instrument
    >>> bench = pd.DataFrame({"measure": ["baseline", "change"], "n_kommuner": [9, 3], "enough": [True, False]})
    >>> benchmark_note(bench, load_instrument(), "en")[:60]
    'A comparison is shown only over at least 5 other kommuner wi'
    """
    if "enough" not in bench.columns or bench["enough"].astype(bool).all():
        return ""
    few = bench[~bench["enough"].astype(bool)]
    names = [text("table.change", language).lower() if m == "change" else wave_label(m, language, instrument).lower()
             for m in few["measure"]]
    return text("report.benchmark_not_enough", language, min_kommuner=MIN_BENCHMARK_KOMMUNER,
                measures=", ".join(names))
