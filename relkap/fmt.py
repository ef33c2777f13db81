"""Numbers as readers see them: the one place that formats a number, a CI, a p-value, a count or a share.

Danish text uses a decimal comma, a full stop between thousands ("1.234,5") and the typographic minus sign
(U+2212); English a decimal point, a comma between thousands ("1,234.5") and the same minus. The separators
come from Babel's CLDR locale data (:func:`babel.numbers.format_decimal`); the rounding stays Python's (round
half to even on the binary value, as ``f"{x:.2f}"``), so a number below 1000 reads exactly as before. A missing value (``None``, NaN, ``pd.NA``) formats as an empty string. Counts below ``min_n``
are never printed exactly: they read "<min_n".
"""

from __future__ import annotations

import functools
import math
from decimal import Decimal

import pandas as pd
from babel.numbers import format_decimal

from .words import Language, check_language, text

__all__ = ["missing", "number", "ci", "pvalue", "count", "percent", "signed", "difference"]

MINUS = "\u2212"


def missing(x: object) -> bool:
    """``True`` for ``None``, NaN and ``pd.NA``."""
    if x is None:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


@functools.lru_cache(maxsize=8192)  # Babel's pattern parsing is most of a heat map's formatting; few strings recur
def _grouped(digits: str, decimals: int, language: Language) -> str:
    """The unsigned decimal string ``digits`` (already rounded) with the locale's separators (Babel)."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    # the exact Decimal of an already rounded string: Babel only places the separators, it rounds nothing
    return format_decimal(Decimal(digits), format=pattern, locale=language, decimal_quantization=False)


def number(x: object, decimals: int = 2, language: Language = "da", sign: bool = False) -> str:
    """``x`` rounded to ``decimals``; Danish uses a decimal comma; ``sign`` writes "+" before positives.

    Thousands are separated as the language does (Babel's locale data). A value that rounds to zero is
    written without a sign (a rounded -0.00 would read as a decline).

    Examples
    --------
    >>> number(-0.456, 2, "da"), number(0.456, 1, "en", sign=True), number(-0.001, 2, "da", sign=True)
    ('−0,46', '+0.5', '0,00')
    >>> number(-1234.5, 1, "da"), number(1234567.891, 2, "en")
    ('−1.234,5', '1,234,567.89')
    """
    check_language(language)
    if missing(x):
        return ""
    x = float(x)
    if not math.isfinite(x):
        return ""
    digits = f"{abs(x):.{decimals}f}"
    if digits.strip("0.") == "":  # rounds to zero: no sign
        return _grouped(digits, decimals, language)
    prefix = MINUS if x < 0 else "+" if sign else ""
    return prefix + _grouped(digits, decimals, language)


def signed(x: object, decimals: int = 2, language: Language = "da") -> str:
    """``x`` with its sign always written (a change): ``number(x, decimals, language, sign=True)``."""
    return number(x, decimals, language, sign=True)


def difference(before: object, after: object, decimals: int = 2, language: Language = "da") -> str:
    """The signed change ``after - before`` as the reader can check it: the difference of the two values
    *as shown* (each rounded to ``decimals``), so "from 3,38 to 3,67" is never followed by "+0,28".

    The one place a shown difference of two shown numbers is formatted; a change whose ends are not shown
    beside it keeps :func:`signed` of the exact value.

    Examples
    --------
    >>> signed(3.6745 - 3.3845, 2), difference(3.3845, 3.6745, 2)
    ('+0,29', '+0,29')
    >>> signed(3.6749 - 3.3751, 2), difference(3.3751, 3.6749, 2, "en")
    ('+0,30', '+0.29')
    >>> difference(3.341, 3.339), difference(None, 3.3)
    ('0,00', '')
    """
    if missing(before) or missing(after):
        return ""
    return signed(round(float(after), decimals) - round(float(before), decimals), decimals, language)


def ci(low: object, high: object, language: Language = "da", decimals: int = 2, sign: bool = False) -> str:
    """A confidence interval: "[0,12; 0,56]" in Danish (the comma is the decimal mark), "[0.12, 0.56]".

    Examples
    --------
    >>> ci(0.1234, 0.5, "da"), ci(-0.1, 0.2, "en", sign=True)
    ('[0,12; 0,50]', '[−0.10, +0.20]')
    """
    check_language(language)
    if missing(low) or missing(high):
        return ""
    return text("format.ci", language, low=number(low, decimals, language, sign),
                high=number(high, decimals, language, sign))


def pvalue(p: object, language: Language = "da") -> str:
    """A p-value with three decimals, "< 0,001" below 0.001.

    Examples
    --------
    >>> pvalue(0.0234, "da"), pvalue(0.00001, "en")
    ('0,023', '< 0.001')
    """
    check_language(language)
    if missing(p):
        return ""
    if float(p) < 0.001:
        return text("format.p_below", language, value=number(0.001, 3, language))
    return number(p, 3, language)


def count(n: object, min_n: int | None = None, language: Language = "da") -> str:
    """A count for a shared product: "<min_n" below the threshold, never the exact small number.

    Thousands are separated as ``language`` does: "1.234" in Danish, "1,234" in English.

    Examples
    --------
    >>> count(3, 5), count(12, 5), count(None, 5)
    ('<5', '12', '')
    >>> count(1234, 5, "da"), count(1234, 5, "en")
    ('1.234', '1,234')
    """
    check_language(language)
    if missing(n):
        return ""
    n = int(n)
    if min_n is not None and n < min_n:
        return f"<{number(min_n, 0, language)}"
    return number(n, 0, language)


def percent(share: object, language: Language = "da", decimals: int = 0) -> str:
    """A share (0-1) as a percentage: "63 %" in Danish (with a space, as Danish style has it), "63%".

    Examples
    --------
    >>> percent(0.634, "da"), percent(0.634, "en", 1)
    ('63 %', '63.4%')
    """
    check_language(language)
    if missing(share):
        return ""
    return text("format.percent", language, value=number(100 * float(share), decimals, language))
