"""What REFI-QDA selection positions count, per exporter, and selections converted to and checked against
their text.

The standard (REFI-QDA 1.5, ``PlainTextSelection@startPosition/endPosition``) counts Unicode code points
from 0 (as issue 25 reads it; the schema, ``Project.xsd`` 1.0, only says integers). Exporters differ:

=============  ==============================================================================================
``codepoints`` the standard: one per code point (an emoji is one, CRLF is two). Used when nothing says
               otherwise; MAXQDA and QDA Miner exports have not been checked here.
``utf16``      UTF-16 code units, CRLF counted as two, the byte order mark not counted: NVivo's exports
               (Windows 12, Mac 12 and 15) fit this unit (issue 25: 72/97, 274/303 and 272/297 selections on
               line boundaries this way, against 38/97, 15/303 and 13/297 as code points). A character outside
               the Basic Multilingual Plane (emoji) counts two.
``crlf_one``   code points with CRLF counted as one: ATLAS.ti, as *reported* (not verified on a file here).
=============  ==============================================================================================

``auto`` (the default) takes the unit from the project's ``origin`` attribute (the exporting program: NVivo
-> ``utf16``, ATLAS.ti -> ``crlf_one``) and otherwise from the texts: the unit under which the most selection
ends fall on word or line boundaries (ties go to the standard). Where a project's texts hold no CRLF and no
character outside the Basic Multilingual Plane, the three units agree. The mapping file's ``positions:`` or
the ``positions`` argument overrides it.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

__all__ = ["UNITS", "unit_of_origin", "offsets", "to_index", "on_boundaries", "detect_unit", "decode_source_text"]

UNITS: tuple[str, ...] = ("codepoints", "utf16", "crlf_one")
_ORIGINS = {"nvivo": "utf16", "atlas": "crlf_one"}  # a lower-case part of Project@origin -> its unit


def unit_of_origin(origin: str | None) -> str | None:
    """The position unit of the program named in a project's ``origin`` attribute, or None when unknown.

    Examples
    --------
    >>> unit_of_origin("NVivo 15.1 (Windows)"), unit_of_origin("ATLAS.ti 23"), unit_of_origin("MAXQDA 24")
    ('utf16', 'crlf_one', None)
    """
    low = (origin or "").casefold()
    return next((u for k, u in _ORIGINS.items() if k in low), None)


def offsets(text: str, unit: str) -> np.ndarray:
    """The position (in ``unit``) at which each code point of ``text`` starts, and the text's length last.

    Examples
    --------
    >>> offsets("a😀\\r\\nb", "utf16").tolist(), offsets("a😀\\r\\nb", "crlf_one").tolist()
    ([0, 1, 3, 4, 5, 6], [0, 1, 2, 2, 3, 4])
    """
    cp = np.frombuffer(text.encode("utf-32-le"), dtype="<u4") if text else np.zeros(0, dtype="<u4")
    if unit == "codepoints":
        width = np.ones(len(cp), dtype=np.int64)
    elif unit == "utf16":
        width = np.where(cp > 0xFFFF, 2, 1)
    elif unit == "crlf_one":
        cr_of_crlf = np.zeros(len(cp), dtype=bool)
        if len(cp) > 1:
            cr_of_crlf[:-1] = (cp[:-1] == 13) & (cp[1:] == 10)
        width = np.where(cr_of_crlf, 0, 1)
    else:
        raise ValueError(f"unknown position unit {unit!r} (one of {', '.join(UNITS)})")
    return np.concatenate([[0], np.cumsum(width)]).astype(np.int64)


def to_index(positions: Iterable[int], cum: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Code point indices of ``positions`` (in the unit of ``cum``, see :func:`offsets`), and whether each
    falls exactly on a character's start (a position inside a surrogate pair falls back to that character)."""
    p = np.asarray(list(positions), dtype=np.int64)
    i = np.searchsorted(cum, p, side="left")
    i = np.minimum(i, len(cum) - 1)
    exact = cum[i] == p
    return np.where(exact, i, np.maximum(i - 1, 0)), exact


def on_boundaries(text: str, index: np.ndarray) -> np.ndarray:
    """Whether each code point index lies between two characters that are not both letters or digits (a word
    or line boundary; never between the CR and LF of a CRLF)."""
    n = len(text)
    out = np.empty(len(index), dtype=bool)
    for k, i in enumerate(index.tolist()):
        if i <= 0 or i >= n:
            out[k] = True
            continue
        a, b = text[i - 1], text[i]
        out[k] = not (a.isalnum() and b.isalnum()) and not (a == "\r" and b == "\n")
    return out


def detect_unit(selections: Iterable[tuple[str, int, int]]) -> tuple[str, dict[str, int]]:
    """The unit under which the most selection ends ``(text, start, end)`` fall on boundaries, and the count
    per unit. A unit that puts a selection outside its text counts -1; ties go to the standard (code points).

    Examples
    --------
    >>> t = "Hej 😀 du.\\r\\nVi taler om skolen."   # NVivo: the emoji counts two, CRLF two
    >>> detect_unit([(t, 15, 20), (t, 7, 9)])  # "taler" and "du" in UTF-16 code units
    ('utf16', {'codepoints': 2, 'utf16': 4, 'crlf_one': 1})
    """
    sel = list(selections)
    score = {}
    for unit in UNITS:
        s = 0
        cache: dict[int, np.ndarray] = {}  # one pass over each text (a source holds many selections)
        for text, start, end in sel:
            cum = cache.get(id(text))
            if cum is None:
                cum = cache[id(text)] = offsets(text, unit)
            if start < 0 or end > cum[-1] or end < start:
                s = -1
                break
            idx, exact = to_index([start, end], cum)
            s += int((on_boundaries(text, idx) & exact).sum())
        score[unit] = s
    best = max(UNITS, key=lambda u: (score[u], -UNITS.index(u)))
    return best, score


def decode_source_text(data: bytes) -> str:
    """A source's plain text: UTF-16 with BOM, else UTF-8 (with or without BOM; the BOM is no character);
    a bad byte is replaced, not refused. Line ends are kept as they are (CRLF counts in positions)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    return data.decode("utf-8", errors="replace")
