"""Every word a reader sees, in Danish and English: one catalogue (``relkap/catalogue.yaml``).

Figures, tables, the kommune report, the explorer, the research notebook, the index page and the CLI's
tables all take their words from :func:`text`. Group, item, dimension and scale names come from the
instrument codebook (:meth:`relkap.instrument.Instrument.label`), numbers from :mod:`relkap.fmt`.

The catalogue is a YAML mapping of sections to keys to ``{da: ..., en: ...}``. A text may use
``{fields}`` (filled by :func:`text`) and ``${section.key}`` (another catalogue entry of the same
language, resolved when loaded): that is how the glossary (wave names, the significance wording, ...) is
decided once and reused everywhere.
"""

from __future__ import annotations

import re
import string
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml

__all__ = ["Language", "LANGUAGES", "check_language", "text", "catalogue", "keys", "placeholders",
           "CATALOGUE_PATH"]

Language = Literal["da", "en"]
LANGUAGES: tuple[str, ...] = ("da", "en")
CATALOGUE_PATH = Path(__file__).with_name("catalogue.yaml")
_REF = re.compile(r"\$\{([a-z0-9_]+\.[a-z0-9_.]+)\}")


def check_language(language: object) -> str:
    """``language`` itself when it is ``"da"`` or ``"en"``; otherwise a ``ValueError``."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be 'da' or 'en', not {language!r}")
    return language  # type: ignore[return-value]


def _flatten(tree: dict, prefix: str = "") -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for k, v in tree.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and set(v) == set(LANGUAGES) and all(isinstance(x, str) for x in v.values()):
            out[key] = v
        elif isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            raise ValueError(f"{CATALOGUE_PATH.name}: '{key}' must have exactly the texts da: and en:")
    return out


def _resolve(entries: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    def one(key: str, lang: str, seen: tuple[str, ...]) -> str:
        if key not in entries:
            raise ValueError(f"{CATALOGUE_PATH.name}: '{seen[-1]}' refers to unknown '${{{key}}}'")
        if key in seen:
            raise ValueError(f"{CATALOGUE_PATH.name}: circular reference {' -> '.join((*seen, key))}")
        return _REF.sub(lambda m: one(m.group(1), lang, (*seen, key)), entries[key][lang])

    return {k: {lang: one(k, lang, ()) for lang in LANGUAGES} for k in entries}


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    """The whole catalogue, flattened to ``{"section.key": {"da": ..., "en": ...}}``, references resolved."""
    tree = yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))
    return _resolve(_flatten(tree))


def keys(section: str | None = None) -> list[str]:
    """The catalogue's keys (of one ``section``)."""
    return [k for k in catalogue() if section is None or k.startswith(section + ".")]


def placeholders(key: str, language: Language = "da") -> set[str]:
    """The ``{fields}`` a text needs."""
    return {f for _, f, _, _ in string.Formatter().parse(catalogue()[key][language]) if f}


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
        raise KeyError(f"no text '{key}' in {CATALOGUE_PATH.name}") from None
    return entry[language].format(**fields) if fields or "{" in entry[language] else entry[language]
