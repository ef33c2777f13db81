"""Shared pieces of the report's sentences and tables about ties: certainty in words, tie names, lists,
and which ties have a change to report.

Certainty is said in words: "statistisk sikker" when the adjusted p (``p_fdr``, the glossary's definition) is
below ``alpha`` (:data:`relkap.config.ALPHA`), otherwise "kan skyldes tilfældigheder".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from .. import fmt, words
from ..checks import check_columns
from ..config import ALPHA, MIN_N
from ..instrument import Instrument
from ..labels import label
from ..privacy import shown_cells
from ..words import Language

__all__ = ["certainty", "certainty_word", "tie_name", "join_list", "join_items", "ITEM_SEPARATOR", "tie_pairs", "is_targeted", "reportable", "TIE_COLUMNS"]


TIE_COLUMNS = ("group", "target", "n_baseline", "n_followup", "diff", "suppressed")


# ----------------------------------------------------------------------------------------------------
# Small shared pieces
# ----------------------------------------------------------------------------------------------------
def certainty(p: object, alpha: float = ALPHA) -> str:
    """``"significant"`` (p < alpha), ``"uncertain"`` or ``"untested"`` (no p: suppressed or not tested).

    Examples
    --------
    >>> certainty(0.01), certainty(0.2), certainty(float("nan"))
    ('significant', 'uncertain', 'untested')
    """
    if fmt.missing(p):
        return "untested"
    return "significant" if float(p) < alpha else "uncertain"


def certainty_word(code: str, language: Language) -> str:
    """The word for a :func:`certainty` code in ``language``, as tables and sentences show it.

    Examples
    --------
    >>> certainty_word("significant", "en") != certainty_word("significant", "da")
    True
    """
    return words.text(f"briefing.certainty.{code}", language)


def tie_name(a: object, b: object, language: Language, instrument: Instrument,
             targeted: bool = False) -> str:
    """"A → B" with the codebook's group labels; "◆ " before it when the tie was ``targeted``.

    Examples
    --------
    >>> from relkap import load_instrument
    >>> tie_name("myndighed", "skole", "en", load_instrument(), targeted=True)
    '◆ Case managers → Schools'
    """
    inst = instrument
    name = words.text("briefing.tie", language, rater=label(a, language, inst), target=label(b, language, inst))
    return f"{words.text('briefing.targeted_mark', language)} {name}" if targeted else name


def join_list(items: Sequence[str], language: Language) -> str:
    """"a, b og c" / "a, b and c"."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + words.text("briefing.list_and", language) + items[-1]


ITEM_SEPARATOR = "; "


def join_items(items: Sequence[str], language: Language) -> str:
    """Relations or group names in a sentence, unambiguously: separated by "; " (:data:`ITEM_SEPARATOR`).

    Group names contain "og"/"and" ("Sundhed og forebyggelse"), so "A → B og C → D" reads two ways; a
    semicolon occurs in no group name (the codebook's labels are checked for it in the tests).

    Examples
    --------
    >>> join_items(["Ledere → Sundhed og forebyggelse", "PPR → Skole"], "da")
    'Ledere → Sundhed og forebyggelse; PPR → Skole'
    """
    return ITEM_SEPARATOR.join(list(items))


def tie_pairs(ties: Iterable | None) -> set[tuple[str, str]]:
    """Ties given as (rater, target) pairs (e.g. a kommune's targeted ties) as a set of string pairs.

    Examples
    --------
    >>> sorted(tie_pairs([("myndighed", "skole"), ["ppr", "skole"]]))
    [('myndighed', 'skole'), ('ppr', 'skole')]
    """
    return {(str(a), str(b)) for a, b in (ties or [])}


def is_targeted(data: pd.DataFrame, targeted: set[tuple[str, str]]) -> pd.Series:
    """Per row of a tie table: whether ``(group, target)`` is one of the ``targeted`` pairs."""
    return pd.Series([(str(a), str(b)) in targeted for a, b in zip(data["group"], data["target"], strict=True)],
                     index=data.index, dtype=bool)


def reportable(ties: pd.DataFrame, min_n: int = MIN_N) -> pd.Series:
    """Cross-group ties with a change to report: shown by the one rule (:func:`relkap.privacy.shown_cells`:
    not suppressed, at least ``min_n`` answers in both waves, a ``diff``), not the diagonal."""
    check_columns(ties, TIE_COLUMNS, "ties")
    diagonal = (ties["diagonal"].astype(bool) if "diagonal" in ties.columns
                else ties["group"].astype(str) == ties["target"].astype(str))
    return shown_cells(ties, min_n, "diff") & ~diagonal
