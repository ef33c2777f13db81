"""Codes as users type them: matched to the codebook's codes regardless of case and accents where that is
unambiguous ("Skole" is the group ``skole``, "Baseline" the wave ``baseline``), else "did you mean" from the
codebook.

An import reads a matched value as its code and says so in its summary; a value that matches no code, or two,
is refused with the codes that come closest (:func:`difflib.get_close_matches`).
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable

import pandas as pd

__all__ = ["fold", "CodeMatcher"]


def fold(text: str) -> str:
    """``text`` without case, accents or surrounding blanks: what "the same code, typed differently" shares.

    Letters that are letters of their own (Danish æ, ø) stay; accents are taken off (é -> e, å -> a).

    Examples
    --------
    >>> fold(" Skole "), fold("Baseline"), fold("Café"), fold("Sundhedsplejen"), fold("Ørsted")
    ('skole', 'baseline', 'cafe', 'sundhedsplejen', 'ørsted')
    """
    decomposed = unicodedata.normalize("NFKD", str(text).strip())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


class CodeMatcher:
    """The codes of one codebook list (groups, waves, items), matched as :func:`fold` says.

    Examples
    --------
    >>> groups = CodeMatcher(["myndighed", "skole", "ppr"])
    >>> groups.match("Skole"), groups.match("skole"), groups.match("sygehus")
    ('skole', 'skole', None)
    >>> groups.suggest("skol"), groups.suggest("sygehus")
    (['skole'], [])
    >>> CodeMatcher(["Skole", "skole"]).match("SKOLE") is None  # two codes fold alike: no guess
    True
    """

    def __init__(self, codes: Iterable[str]):
        self.codes = [str(c) for c in codes]
        folded: dict[str, list[str]] = {}
        for c in self.codes:
            folded.setdefault(fold(c), []).append(c)
        self._unique = {f: cs[0] for f, cs in folded.items() if len(cs) == 1}

    def match(self, value: str) -> str | None:
        """The code ``value`` is (itself, or the one code it folds to), or ``None``."""
        if value in self.codes:
            return value
        return self._unique.get(fold(value))

    def suggest(self, value: str, n: int = 3) -> list[str]:
        """The codes closest to ``value`` (case and accents aside), best first; empty when none is close."""
        by_fold = {fold(c): c for c in self.codes}
        return [by_fold[f] for f in difflib.get_close_matches(fold(value), list(by_fold), n=n, cutoff=0.6)]

    def read(self, values: pd.Series) -> tuple[pd.Series, dict[str, str], list[str]]:
        """``values`` as codes: the values read, ``{typed: code}`` for those matched as typed otherwise, and the
        values matching no code (in order of first appearance; blanks are neither)."""
        distinct = values.dropna().unique().tolist()
        read = {v: self.match(v) for v in distinct}
        recoded = {v: c for v, c in read.items() if c is not None and c != v}
        unknown = [v for v, c in read.items() if c is None]
        return values.map(lambda v: recoded.get(v, v) if isinstance(v, str) else v), recoded, unknown

    def hint(self, value: str, quote: bool = True) -> str:
        """"did you mean 'skole'?" for a value close to a code (the closest first), else ""."""
        close = [repr(c) if quote else c for c in self.suggest(value)]
        return f"did you mean {' or '.join(close)}?" if close else ""
