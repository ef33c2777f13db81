"""The catalogue (relkap/catalogue.yaml) and the number formatter (relkap.fmt): one home for words/numbers."""

from __future__ import annotations

import re
import string
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from relkap import fmt, words

PACKAGE = Path(words.__file__).parent


def test_both_languages_have_the_same_keys_and_placeholders():
    cat = words.catalogue()
    assert len(cat) > 50
    for key, entry in cat.items():
        assert set(entry) == {"da", "en"}, key
        assert entry["da"].strip() and entry["en"].strip(), f"{key}: empty text"
        assert words.placeholders(key, "da") == words.placeholders(key, "en"), key


def test_plural_entries_have_every_cldr_form_and_the_same_placeholders():
    plural = words.plurals()
    assert {"research.limits.not_converged", "alt.hidden", "report.respondents"} <= set(plural)
    for key, entry in plural.items():
        assert set(entry) == {"da", "en"}, key
        assert set(entry["da"]) == set(entry["en"]) == {"one", "other"}, key  # CLDR: da and en have one/other
        fields = words.placeholders(key, "da")
        assert words.placeholders(key, "en") == fields, key
        for lang in ("da", "en"):
            for form, s in entry[lang].items():
                assert s.strip() and "${" not in s, (key, lang, form)
                assert {f for _, f, _, _ in string.Formatter().parse(s) if f} == fields, (key, lang, form)
    assert not set(plural) & set(words.catalogue()), "a key is either plain or plural"


def test_text_n_picks_the_cldr_form():
    # CLDR plural rules (Babel): English "one" is exactly 1; Danish "one" is 1 (and 0.x), 0 is "other"
    assert words.text_n("research.limits.not_converged", 1, "en", k=1) == (
        "1 mixed model did not converge; interpret it with caution.")
    assert words.text_n("research.limits.not_converged", 2, "en", k=2) == (
        "2 mixed models did not converge; interpret them with caution.")
    assert words.text_n("alt.hidden", 1, "da", ties=1, min_n=5) == "1 relation har færre end 5 besvarelser og vises ikke."
    assert words.text_n("alt.hidden", 0, "da", ties=0, min_n=5).startswith("0 relationer")
    assert words.text_n("report.respondents", 1, "en", wave="Baseline", n="1") == "Baseline: 1 employee"
    assert [words.plural_form(n, "da") for n in (0, 1, 2, 21)] == ["other", "one", "other", "other"]
    with pytest.raises(KeyError, match="use text_n"):
        words.text("alt.hidden", "da", ties=1, min_n=5)
    with pytest.raises(KeyError, match="no plural text 'glossary.baseline'"):
        words.text_n("glossary.baseline", 1, "da")


def test_references_resolve_to_the_glossary():
    # the significance wording and the wave names are decided once, in the glossary
    assert words.text("figure.sig_marker", "da") == "statistisk sikker (FDR)"
    assert words.text("figure.ci_change", "en") == "Follow-up with 95% CI of the change"
    assert "${" not in "".join(e["da"] + e["en"] for e in words.catalogue().values())


def test_unknown_key_and_language_are_plain_errors():
    with pytest.raises(KeyError, match="no text 'figure.nope'"):
        words.text("figure.nope")
    with pytest.raises(ValueError, match="language must be 'da' or 'en'"):
        words.text("glossary.baseline", "de")


def test_no_language_branch_outside_the_catalogue():
    """Words differ by language only through the catalogue: no `language == "da"` tests in the code."""
    pattern = re.compile(r"""(language|lang)\s*[!=]=\s*["'](da|en)["']|\.da\b\s*(if|else)|\bda\s*=\s*language""")
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{i}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize(
    ("value", "decimals", "language", "sign", "expected"),
    [
        (3.14159, 2, "da", False, "3,14"),
        (3.14159, 2, "en", False, "3.14"),
        (-0.456, 2, "da", False, "\u22120,46"),
        (0.456, 1, "en", True, "+0.5"),
        (-0.004, 2, "da", True, "0,00"),  # a rounded zero has no sign
        (np.float32(2.5), 0, "en", False, "2"),  # round half to even, as Python's format
        (None, 2, "da", False, ""),
        (float("nan"), 2, "da", False, ""),
        (pd.NA, 2, "da", False, ""),
    ],
)
def test_number(value, decimals, language, sign, expected):
    assert fmt.number(value, decimals, language, sign) == expected


def test_ci_p_count_percent():
    assert fmt.ci(0.1, 0.25, "da") == "[0,10; 0,25]"
    assert fmt.ci(-0.1, 0.25, "en", sign=True) == "[\u22120.10, +0.25]"
    assert fmt.ci(np.nan, 0.2, "da") == ""
    assert fmt.pvalue(0.0004, "da") == "< 0,001"
    assert fmt.pvalue(0.0456, "en") == "0.046"
    assert fmt.count(4, 5) == "<5" and fmt.count(5, 5) == "5" and fmt.count(4) == "4"
    assert fmt.percent(0.625, "da") == "62 %" and fmt.percent(0.625, "en", 1) == "62.5%"


def test_thousands_separators_follow_the_language():
    # CLDR (Babel): Danish groups with a full stop, English with a comma; the minus stays U+2212
    assert fmt.count(1234, language="da") == "1.234" and fmt.count(1234, language="en") == "1,234"
    assert fmt.count(999, 5, "da") == "999" and fmt.count(1234567, 5, "da") == "1.234.567"
    assert fmt.number(-1234.5, 2, "da") == "\u22121.234,50"
    assert fmt.number(1234.5, 1, "en", sign=True) == "+1,234.5"
    assert fmt.number(-0.0001, 2, "en", sign=True) == "0.00"
    assert fmt.percent(12.345, "da", 1) == "1.234,5 %"
    # rounding stays Python's (binary value, half to even), Babel only places separators
    assert fmt.number(2.675, 2, "en") == f"{2.675:.2f}" == "2.67"
    assert fmt.number(1002.675, 2, "en") == "1,002.67"
