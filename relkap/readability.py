"""Readability of the report's text: LIX, the Danish/Scandinavian readability index (Björnsson 1968).

LIX = words per sentence + 100 x the share of long words (more than six letters). Below 30 is very easy,
30-40 easy (children's and popular fiction), 40-50 medium (newspapers), 50-60 hard (official texts), above
60 very hard. The report's brief aims at at most 45.

Counting follows the usual definition: a word is a run of letters or digits (a number like "3,38" is one
word; "→" and "◆" are not words); a sentence ends at ".", "!", "?" or ":" followed by a space or the
end, and every line (a heading, a list item) ends one too. Markdown marks (``**``, ``#``, ``-`` bullets) are
ignored.
"""

from __future__ import annotations

import re

__all__ = ["lix", "text_counts"]

_WORD = re.compile(r"[^\W_]+(?:[.,'’-][^\W_]+)*")
_SENTENCE_END = re.compile(r"[.!?:](?=\s|$)")


def text_counts(text: str) -> tuple[int, int, int]:
    """``(words, sentences, long words)`` of a text (long: more than six letters).

    Examples
    --------
    >>> text_counts("Samarbejdet er blevet bedre. Det er sikkert.")
    (7, 2, 2)
    >>> text_counts("# Overskrift\\n- Ledere → Skole: 3,38\\n")
    (4, 3, 1)
    """
    words = sentences = long = 0
    for line in text.splitlines():
        line = re.sub(r"[*#`_>|]", " ", line)
        found = _WORD.findall(line)
        if not found:
            continue
        words += len(found)
        long += sum(1 for w in found if sum(c.isalpha() for c in w) > 6)
        ends = len(_SENTENCE_END.findall(line.rstrip()))
        sentences += ends + (0 if _SENTENCE_END.search(line.rstrip()[-1:] or " ") else 1)
    return words, sentences, long


def lix(text: str) -> float:
    """The LIX of a text: words / sentences + 100 x long words / words (NaN for a text without words).

    Examples
    --------
    Worked by hand: 7 words, 2 sentences, 2 long words ("Samarbejdet", "sikkert"): 7/2 + 100 x 2/7 = 32.07.

    >>> round(lix("Samarbejdet er blevet bedre. Det er sikkert."), 2)
    32.07
    """
    words, sentences, long = text_counts(text)
    if words == 0:
        return float("nan")
    return words / max(sentences, 1) + 100 * long / words
