"""The report's first screen: title block, the RK index change in one sentence (the headline) and the reading
guide, in Danish or English from the catalogue's section ``briefing`` (:mod:`relkap.words`), numbers from
:mod:`relkap.fmt`.

The other parts of the briefing have their own modules: the key points (:mod:`relkap.report.keypoints`), the
ties that changed most (:mod:`relkap.report.changed`), the targeted ties (:mod:`relkap.report.targeted`), the
dialogue guide (:mod:`relkap.report.dialogue`), response rates (:mod:`relkap.report.response`), methods and
limitations (:mod:`relkap.report.methods`); their shared pieces are :mod:`relkap.report.ties`.
"""

from __future__ import annotations

import pandas as pd

from .. import fmt, words
from ..config import ALPHA, MIN_N
from ..instrument import Instrument
from ..labels import CHANGE_LIMIT
from ..words import Language
from .ties import certainty, join_items, tie_name

__all__ = ["index_row", "index_has_followup", "index_sentence", "headline", "title_block", "reading_guide"]


def index_row(rk: pd.DataFrame) -> pd.Series | None:
    """The RK index row of an ``rk_change`` table (``dimension == "rk"``, or its only row); None if absent."""
    if rk is None or len(rk) == 0:
        return None
    if "dimension" in rk.columns:
        rows = rk[rk["dimension"].astype(str) == "rk"]
        return rows.iloc[0] if len(rows) else None
    return rk.iloc[0]


def index_has_followup(row: pd.Series | None) -> bool:
    """Whether an index row (:func:`index_row`) has follow-up answers."""
    return row is not None and not fmt.missing(row.get("n_followup")) and float(row["n_followup"]) > 0


def index_sentence(rk: pd.DataFrame, language: Language, instrument: Instrument, p: str = "p_fdr",
                   alpha: float = ALPHA) -> str:
    """The index change in one plain sentence with its certainty in words (no markdown).

    A change that rounds to 0,00, or whose means round to the same value, reads "uændret" (never "faldet
    fra 3,34 til 3,34"). A non-significant change says it may be chance and, when the table has a minimum
    detectable change (``mdc``), how large a change would have had to be.

    Examples
    --------
    >>> rk = pd.DataFrame({"dimension": ["rk"], "n_baseline": [49], "n_followup": [53],
    ...     "mean_baseline": [3.3414], "mean_followup": [3.3393], "diff": [-0.0021], "p_fdr": [0.99],
    ...     "suppressed": [False]})
    >>> from relkap import load_instrument
    >>> index_sentence(rk, "da", load_instrument())
    'Samarbejdet mellem grupperne (RK-indeks) er uændret på 3,34; ændringen er ikke statistisk sikker og kan skyldes tilfældigheder.'
    """
    inst = instrument
    row = index_row(rk)
    if row is None or (bool(row.get("suppressed", False)) and not index_has_followup(row)
                       and fmt.missing(row.get("mean_baseline"))):
        return words.text("briefing.key.index_suppressed", language)
    before = fmt.number(row.get("mean_baseline"), 2, language)
    if not index_has_followup(row):
        if not before:
            return words.text("briefing.key.index_suppressed", language)
        return words.text("briefing.key.index_baseline_only", language, before=before, min=inst.scale.min,
                          max=inst.scale.max)
    if bool(row.get("suppressed", False)) or fmt.missing(row.get("diff")):
        return words.text("briefing.key.index_suppressed", language)
    after = fmt.number(row["mean_followup"], 2, language)
    diff = fmt.difference(row["mean_baseline"], row["mean_followup"], 2, language)
    code = certainty(row.get(p), alpha)
    if code == "significant":
        clause = words.text("briefing.certainty_clause.significant", language)
    elif "mdc" in row.index and not fmt.missing(row["mdc"]):
        clause = words.text("briefing.certainty_clause.uncertain_mdc", language,
                            mdc=fmt.number(abs(float(row["mdc"])), 2, language))
    else:
        clause = words.text("briefing.certainty_clause.uncertain", language)
    zero = fmt.number(0.0, 2, language)
    if diff == zero or before == after:
        return words.text("briefing.key.index_same", language, before=before, certainty=clause)
    kind = "index_up" if float(row["diff"]) > 0 else "index_down"
    return words.text(f"briefing.key.{kind}", language, before=before, after=after, diff=diff, certainty=clause)


def headline(rk: pd.DataFrame, language: Language, instrument: Instrument, p: str = "p_fdr",
             alpha: float = ALPHA) -> str:
    """:func:`index_sentence` as markdown: bold only when the change is statistically significant."""
    sentence = index_sentence(rk, language, instrument, p, alpha)
    row = index_row(rk)
    if row is not None and index_has_followup(row) and certainty(row.get(p), alpha) == "significant":
        return words.text("briefing.headline.significant", language, sentence=sentence)
    return sentence


def title_block(name: str, kommune: int, params, has_followup: bool, language: Language,
                instrument: Instrument) -> str:
    """The report's title block as markdown: title, arm (intervention/control/not given), focal process,
    targeted ties (◆) and the waves.

    Examples
    --------
    >>> from relkap.params import KommuneParams
    >>> kp = KommuneParams(kommune=336, name="Stevns", groups=["myndighed", "udfoerer"], arm="intervention",
    ...                    focal_process="Psykisk sårbarhed", targeted_ties=[("myndighed", "udfoerer")])
    >>> from relkap import load_instrument
    >>> print(title_block("Stevns", 336, kp, True, "en", load_instrument()))  # doctest: +NORMALIZE_WHITESPACE
    # Relational capacity in Stevns
    <BLANKLINE>
    Stevns is an **intervention kommune** in the project: between baseline and follow-up it worked on selected ties.
    <BLANKLINE>
    **Focal work process:** Psykisk sårbarhed
    <BLANKLINE>
    **Ties you worked on** (◆): Case managers → Family treatment providers.
    <BLANKLINE>
    Baseline and follow-up. Kommune code 336.
    """
    inst = instrument
    lines = ["# " + words.text("briefing.title.heading", language, name=name)]
    arm = getattr(params, "arm", None)
    arm = arm if arm in ("intervention", "control") else "unknown"
    lines.append(words.text(f"briefing.title.{arm}", language, name=name))
    if getattr(params, "focal_process", None):
        lines.append(words.text("briefing.title.focal", language, focal_process=params.focal_process))
    targeted = list(getattr(params, "targeted_ties", []) or [])
    if arm == "intervention" and targeted:
        lines.append(words.text("briefing.title.targeted", language,
                                ties=join_items([tie_name(a, b, language, inst) for a, b in targeted], language)))
    lines.append(words.text("briefing.title.waves" if has_followup else "briefing.title.baseline_only",
                            language, kommune=int(kommune)))
    return "\n\n".join(lines)


def reading_guide(language: Language, instrument: Instrument, min_n: int = MIN_N,
                  alpha: float = ALPHA, targeted: bool = False, limit: float = CHANGE_LIMIT) -> list[str]:
    """"Sådan læser du rapporten": the points a first-time reader needs (scale and bands, what a tie is,
    change and its colours, certainty, hidden cells, the ◆ of targeted ties, dialogue not blame)."""
    inst = instrument
    b = inst.bands
    out = [words.text("briefing.reading.scale", language, min=inst.scale.min, max=inst.scale.max,
                      weak=fmt.number(b.weak_below, 1, language), strong=fmt.number(b.strong_above, 1, language)),
           words.text("briefing.reading.tie", language),
           words.text("briefing.reading.change", language, limit=fmt.number(limit, 1, language)),
           words.text("briefing.reading.certainty", language, alpha=fmt.number(alpha, 2, language)),
           words.text("briefing.reading.suppressed", language, min_n=min_n)]
    if targeted:
        out.append(words.text("briefing.reading.targeted", language))
    out.append(words.text("briefing.reading.dialogue", language))
    return out
