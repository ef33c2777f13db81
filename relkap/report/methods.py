"""The report's methods and limitations, generated from what was actually done.

The texts read the report's own tables: which test the change tables used (their ``test`` column: the
respondent intercept model where ids link, :func:`relkap.linked.compare_linked`, Welch where too few do), how
many ties and dimension measures were tested (the FDR families), ``min_n`` and how many ties it hid, the
respondents per wave and whether response rates were given. Words come from the catalogue
(``briefing.methods``, ``briefing.limitations``).
"""

from __future__ import annotations

import pandas as pd

from .. import fmt, words
from ..config import ALPHA, MIN_N
from ..instrument import Instrument
from ..linked import MIN_LINKED
from ..measurement import invariance_sentence
from ..words import Language
from .briefing import index_row
from .response import LOW_RESPONSE, low_response_groups
from .ties import join_items, reportable

__all__ = ["used_tests", "methods_text", "limitations_text"]


def used_tests(ties: pd.DataFrame) -> dict[str, int]:
    """How many tested (not suppressed) rows of a change table used each test (``mixed``, ``welch``, ``paired``).

    Examples
    --------
    >>> used_tests(pd.DataFrame({"test": ["welch", "welch", "paired"], "suppressed": [False, True, False]}))
    {'welch': 1, 'paired': 1}
    """
    if "test" not in ties.columns:
        return {}
    tested = ties[~ties["suppressed"].astype(bool)] if "suppressed" in ties.columns else ties
    counts = tested["test"].astype(str).value_counts()
    return {k: int(counts[k]) for k in ("mixed", "welch", "paired") if k in counts.index}


def _tested(table: pd.DataFrame | None) -> int:
    if table is None or len(table) == 0:
        return 0
    return int((~table["suppressed"].astype(bool)).sum()) if "suppressed" in table.columns else len(table)


def methods_text(rk: pd.DataFrame, ties: pd.DataFrame, rates: pd.DataFrame | None = None, min_n: int = MIN_N,
                 alpha: float = ALPHA, language: Language = "da", *, instrument: Instrument,
                 disclosure: bool = False, invariance: tuple[str, tuple[str, ...]] | None = None,
                 linked: dict | None = None) -> list[str]:
    """The methods section as paragraphs: respondents per wave, scoring, the test used, effect size, the FDR
    families, what a CI and p mean, ``min_n`` and the ties it hid, and where the response rate comes from.

    Parameters
    ----------
    rk : DataFrame
        ``rk_change``: the index and the dimensions (one FDR family).
    ties : DataFrame
        ``tie_change``: one row per tie with ``test`` and ``suppressed`` (the other FDR family).
    rates : DataFrame, optional
        :func:`relkap.report.response.response_rates` (without it, or without any number invited, the text says
        the response rate is not known).
    disclosure : bool
        The tables were computed without the hidden cells (:func:`relkap.report.shared_tables`): say so
        after ``min_n`` (the disclosure rule).
    invariance : (level, freed), optional
        The RK instrument's invariance across waves in the pooled data of all kommuner
        (:func:`relkap.measurement.rk_wave_invariance`): one sentence says whether the comparison of the
        waves rests on an instrument shown invariant.
    linked : dict, optional
        ``n_linked`` and ``n_<follow-up>`` of :func:`relkap.linked.linked_respondents`: how many employees
        answered in both waves, said after the test (a count below ``min_n`` as "<min_n", no share then, and
        "almost all" when fewer than ``min_n`` answered only at follow-up).

    Examples
    --------
    >>> rk = pd.DataFrame({"dimension": ["rk"], "n_baseline": [56], "n_followup": [58], "suppressed": [False]})
    >>> ties = pd.DataFrame({"group": ["a", "a"], "target": ["b", "c"], "n_baseline": [8, 3],
    ...     "n_followup": [9, 6], "diff": [0.2, None], "test": "welch", "suppressed": [False, True]})
    >>> from relkap import load_instrument
    >>> text = methods_text(rk, ties, language="en", instrument=load_instrument())
    >>> text[0], "Welch's t test" in text[2], "1 of the kommune's 2 ties are hidden" in " ".join(text)
    ('The baseline has 56 and the follow-up 58 answers from employees.', True, True)
    """
    inst = instrument
    t = words.text
    out = []
    row = index_row(rk)
    if row is not None:
        out.append(t("briefing.methods.respondents", language, n_baseline=fmt.count(row.get("n_baseline"), None, language),
                     n_followup=fmt.count(row.get("n_followup"), None, language)))
    out.append(t("briefing.methods.scoring", language, min_items=inst.min_items))
    used = used_tests(ties)
    every = used_tests(pd.concat([rk, ties], ignore_index=True))  # the index and dimensions too
    if "mixed" in every:
        out.append(t("briefing.methods.mixed", language))
        if "welch" in every:
            out.append(t("briefing.methods.welch_and_mixed", language, n_mixed=every["mixed"],
                         n_welch=every["welch"], min_linked=MIN_LINKED))
    elif len(used) == 2:
        out.append(t("briefing.methods.mixed_tests", language, n_welch=used["welch"], n_paired=used["paired"]))
    elif used:
        out.append(t(f"briefing.methods.{next(iter(used))}", language))
    if linked is not None:
        out.append(_linked_text(linked, inst.waves.followup, min_n, language))
    out.append(t("briefing.methods.effect", language))
    out.append(t("briefing.methods.fdr", language, n_ties=_tested(ties), n_dimensions=_tested(rk),
                 alpha=fmt.number(alpha, 2, language)))
    out.append(t("briefing.methods.ci_p", language))
    if invariance is not None:
        out.append(invariance_sentence(invariance[0], invariance[1], language, "rk", inst))
    detectable = _detectable(rk, ties, language)
    if detectable:
        out.append(detectable)
    n_hidden = int(ties["suppressed"].astype(bool).sum()) if "suppressed" in ties.columns else 0
    out.append(t("briefing.methods.min_n", language, min_n=min_n, n_hidden=n_hidden, n_ties=len(ties)))
    if disclosure:
        out.append(t("briefing.methods.disclosure", language, min_n=min_n))
    out.append(t("briefing.methods.response_given" if _rates_given(rates) else "briefing.methods.response_unknown",
                 language))
    return out


def _linked_text(linked: dict, followup: str, min_n: int, language: Language) -> str:
    """How many employees answered in both waves (with three or more: in more than one), with no count below
    ``min_n`` recoverable from it (:func:`relkap.linked.participation_shown`)."""
    n, of = int(linked["n_linked"]), int(linked.get(f"n_{followup}", 0))
    several = int(linked.get("n_waves", 2)) > 2
    if n == 0:
        return words.text("briefing.methods.linked_several_none" if several else "briefing.methods.linked_none",
                          language)
    if n < min_n:
        return words.text("briefing.methods.linked_several_few" if several else "briefing.methods.linked_few",
                          language, n_linked=fmt.count(n, min_n))
    if not several and 0 < of - n < min_n:  # the follow-up's unlinked few would follow from the count and the share
        return words.text("briefing.methods.linked_most", language)
    if not bool(linked.get("shown", True)):  # another count below min_n would follow from it
        return words.text("briefing.methods.linked_several_hidden" if several else "briefing.methods.linked_hidden",
                          language, min_n=min_n)
    if several:
        return words.text("briefing.methods.linked_several", language, n_linked=fmt.count(n, min_n, language),
                          n_respondents=fmt.count(int(linked["n_respondents"]), min_n, language))
    return words.text("briefing.methods.linked", language, n_linked=fmt.count(n, min_n),
                      share=fmt.percent(n / of, language) if of else "")


def _detectable(rk: pd.DataFrame, ties: pd.DataFrame, language: Language) -> str:
    """The minimum detectable change (80 % power, :func:`relkap.power.minimum_detectable_change`, the
    ``mdc`` column of the wave comparison) of the index and the range over the shown cross-group ties."""
    row = index_row(rk)
    if row is None or "mdc" not in rk.columns or fmt.missing(row.get("mdc")) or "mdc" not in ties.columns:
        return ""
    shown = ties[~ties["suppressed"].astype(bool)] if "suppressed" in ties.columns else ties
    if "diagonal" in shown.columns:
        shown = shown[~shown["diagonal"].astype(bool)]
    mdc = shown["mdc"].dropna()
    if mdc.empty:
        return ""
    return words.text("briefing.methods.detectable", language, index=fmt.number(row["mdc"], 2, language),
                      tie_low=fmt.number(mdc.min(), 2, language), tie_high=fmt.number(mdc.max(), 2, language),
                      tie_median=fmt.number(mdc.median(), 2, language))


def _rates_given(rates: pd.DataFrame | None) -> bool:
    return rates is not None and len(rates) > 0 and bool((rates["status"] != "not_given").any()
                                                         and rates["invited"].notna().any())


def limitations_text(ties: pd.DataFrame, rates: pd.DataFrame | None = None, min_n: int = MIN_N,
                     low: float = LOW_RESPONSE, language: Language = "da",
                     *, instrument: Instrument) -> list[str]:
    """The limitations as paragraphs, those that apply: different respondents (Welch), regression to the
    mean, one kommune is not proof, small groups, many tests, low or unknown response, and that received
    and perceived rest on the ties with enough answers in each wave.

    Examples
    --------
    >>> ties = pd.DataFrame({"group": ["a"], "target": ["b"], "n_baseline": [8], "n_followup": [9],
    ...     "diff": [0.2], "test": "paired", "suppressed": [False]})
    >>> from relkap import load_instrument
    >>> text = limitations_text(ties, language="en", instrument=load_instrument())
    >>> any("Not (only) the same people" in p for p in text), any("regression to the mean" in p for p in text)
    (False, True)
    """
    inst = instrument
    t = words.text
    out = []
    if {"welch", "mixed"} & set(used_tests(ties)):
        out.append(t("briefing.limitations.different_people", language))
    out.append(t("briefing.limitations.regression", language))
    out.append(t("briefing.limitations.not_proof", language))
    ok = ties[reportable(ties, min_n)] if len(ties) else ties
    if len(ok) and ((ok["n_baseline"] < 10) | (ok["n_followup"] < 10)).any():
        out.append(t("briefing.limitations.small_groups", language))
    if _tested(ties) >= 5:
        out.append(t("briefing.limitations.many_tests", language, n_ties=_tested(ties)))
    if _rates_given(rates):
        groups = low_response_groups(rates, language, inst)
        if groups:
            out.append(t("briefing.limitations.low_response", language, threshold=fmt.percent(low, language),
                         groups=join_items(groups, language)))
    else:
        out.append(t("briefing.limitations.response_unknown", language))
    out.append(t("briefing.limitations.rater_sets", language))
    return out
