"""Every word a reader sees, in Danish and English: one catalogue (``relkap/catalogue.yaml``).

Figures, tables, the kommune report, the explorer, the research notebook, the index page and the CLI's
tables all take their words from :func:`text`. Group, item, dimension and scale names come from the
instrument codebook (:meth:`relkap.instrument.Instrument.label`), numbers from :mod:`relkap.fmt`.

The catalogue is a YAML mapping of sections to keys to ``{da: ..., en: ...}``. A text may use
``{fields}`` (filled by :func:`text`) and ``${section.key}`` (another catalogue entry of the same
language, resolved when loaded): that is how the glossary (wave names, the significance wording, ...) is
decided once and reused everywhere.

A text that prints a count has plural forms, gettext-style: ``{da: {one: ..., other: ...}, en: {one: ...,
other: ...}}``, one text per CLDR plural category of the language (Danish and English both have ``one`` and
``other``). :func:`text_n` picks the form for the count with Babel's CLDR plural rules
(:attr:`babel.Locale.plural_form`), as ``ngettext`` does.
"""

from __future__ import annotations

import re
import string
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from babel import Locale

__all__ = ["Language", "LANGUAGES", "check_language", "text", "text_n", "catalogue", "plurals", "plural_form",
           "keys", "placeholders", "CATALOGUE_PATH"]

Language = Literal["da", "en"]
LANGUAGES: tuple[str, ...] = ("da", "en")
CATALOGUE_PATH = Path(__file__).with_name("catalogue.yaml")
_REF = re.compile(r"\$\{([a-z0-9_]+\.[a-z0-9_.]+)\}")


def check_language(language: object) -> str:
    """``language`` itself when it is ``"da"`` or ``"en"``; otherwise a ``ValueError``."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be 'da' or 'en', not {language!r}")
    return language  # type: ignore[return-value]


def _is_plural(v: object) -> bool:
    return (isinstance(v, dict) and set(v) == set(LANGUAGES)
            and all(isinstance(x, dict) and x and all(isinstance(t, str) for t in x.values()) for x in v.values()))


def _flatten(tree: dict, prefix: str = "") -> tuple[dict[str, dict[str, str]], dict[str, dict[str, dict[str, str]]]]:
    out: dict[str, dict[str, str]] = {}
    plural: dict[str, dict[str, dict[str, str]]] = {}
    for k, v in tree.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and set(v) == set(LANGUAGES) and all(isinstance(x, str) for x in v.values()):
            out[key] = v
        elif _is_plural(v):
            plural[key] = v
        elif isinstance(v, dict):
            sub, sub_plural = _flatten(v, key + ".")
            out.update(sub)
            plural.update(sub_plural)
        else:
            raise ValueError(f"{CATALOGUE_PATH.name}: '{key}' must have exactly the texts da: and en: "
                             "(or, for a count, da: and en: with one text per plural form)")
    return out, plural


def _resolve(entries: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    def one(key: str, lang: str, seen: tuple[str, ...]) -> str:
        if key not in entries:
            raise ValueError(f"{CATALOGUE_PATH.name}: '{seen[-1]}' refers to unknown '${{{key}}}'")
        if key in seen:
            raise ValueError(f"{CATALOGUE_PATH.name}: circular reference {' -> '.join((*seen, key))}")
        return _REF.sub(lambda m: one(m.group(1), lang, (*seen, key)), entries[key][lang])

    return {k: {lang: one(k, lang, ()) for lang in LANGUAGES} for k in entries}


@lru_cache(maxsize=1)
def _load() -> tuple[dict[str, dict[str, str]], dict[str, dict[str, dict[str, str]]]]:
    # libyaml's safe loader where PyYAML has it (10x faster: the catalogue is loaded once per kernel)
    tree = yaml.load(CATALOGUE_PATH.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    entries, plural = _flatten(tree)
    resolved = _resolve(entries)

    def sub(key: str, lang: str, s: str) -> str:
        def ref(m: re.Match) -> str:
            if m.group(1) not in resolved:
                raise ValueError(f"{CATALOGUE_PATH.name}: '{key}' refers to unknown '${{{m.group(1)}}}'")
            return resolved[m.group(1)][lang]
        return _REF.sub(ref, s)

    forms = {lang: set(Locale.parse(lang).plural_form.tags) | {"other"} for lang in LANGUAGES}
    for key, entry in plural.items():
        for lang in LANGUAGES:
            if set(entry[lang]) != forms[lang]:
                raise ValueError(f"{CATALOGUE_PATH.name}: '{key}' {lang}: needs exactly the plural forms "
                                 f"{sorted(forms[lang])} (CLDR), not {sorted(entry[lang])}")
    return resolved, {k: {lang: {f: sub(k, lang, s) for f, s in e[lang].items()} for lang in LANGUAGES}
                      for k, e in plural.items()}


def catalogue() -> dict[str, dict[str, str]]:
    """The whole catalogue, flattened to ``{"section.key": {"da": ..., "en": ...}}``, references resolved.

    Plural entries (texts with a count) are in :func:`plurals`.
    """
    return _load()[0]


def plurals() -> dict[str, dict[str, dict[str, str]]]:
    """The plural entries: ``{"section.key": {"da": {"one": ..., "other": ...}, "en": {...}}}``, resolved."""
    return _load()[1]


def plural_form(n: float, language: Language = "da") -> str:
    """The CLDR plural category of ``n`` in ``language`` (Babel): "one" or "other" in Danish and English.

    Examples
    --------
    >>> plural_form(1, "da"), plural_form(0, "da"), plural_form(0, "en"), plural_form(2, "en")
    ('one', 'other', 'other', 'other')
    """
    return Locale.parse(check_language(language)).plural_form(abs(n))


def keys(section: str | None = None) -> list[str]:
    """The catalogue's keys (of one ``section``), plural entries included."""
    return [k for k in (*catalogue(), *plurals()) if section is None or k.startswith(section + ".")]


def _fields(s: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(s) if f}


def placeholders(key: str, language: Language = "da") -> set[str]:
    """The ``{fields}`` a text needs (all plural forms together for a plural entry)."""
    if key in plurals():
        return set().union(*(_fields(s) for s in plurals()[key][language].values()))
    return _fields(catalogue()[key][language])


def text(key: str, language: Language = "da", **fields: object) -> str:
    """The catalogue text ``key`` ("section.key") in ``language``, with ``{fields}`` filled in.

    Examples
    --------
    >>> text("glossary.baseline", "da"), text("glossary.followup", "en")
    ('Førmåling', 'Follow-up')
    >>> text("figure.suppressed_note", "en", min_n=5)
    'Grey: fewer than 5 respondents, not shown'
    """
    check_language(language)
    try:
        entry = catalogue()[key]
    except KeyError:
        hint = ": it has plural forms, use text_n" if key in plurals() else ""
        raise KeyError(f"no text '{key}' in {CATALOGUE_PATH.name}{hint}") from None
    return entry[language].format(**fields) if fields or "{" in entry[language] else entry[language]


def text_n(key: str, n: float, language: Language = "da", /, **fields: object) -> str:
    """The plural entry ``key`` in the form for the count ``n`` (CLDR rules, as ``ngettext``), fields filled.

    ``n`` only chooses the form; the count is written through its ``{field}`` (formatted by :mod:`relkap.fmt`),
    which may itself be called ``n`` (the first three arguments are positional only).

    Examples
    --------
    >>> text_n("research.limits.not_converged", 1, "en", k=1)
    '1 mixed model did not converge; interpret it with caution.'
    >>> text_n("research.limits.not_converged", 3, "da", k=3)
    '3 mixed models konvergerede ikke; tolk dem med forsigtighed.'
    """
    check_language(language)
    try:
        entry = plurals()[key]
    except KeyError:
        raise KeyError(f"no plural text '{key}' in {CATALOGUE_PATH.name}") from None
    return entry[language][plural_form(n, language)].format(**fields)
