"""Labels of codes in reader words (groups, items and scales from the codebook, waves and bands from the
glossary) and the change scale every figure and the reading guide share.

The bottom layer of every table, text and figure: it loads no plotting library, so the report, the
dialogue and the network can name things without matplotlib. Colours live in :mod:`relkap.style`.
"""

from __future__ import annotations

import math
from functools import lru_cache

from . import words
from .instrument import Instrument, load_instrument
from .words import Language

__all__ = [
    "CHANGE_LIMIT",
    "default_instrument",
    "label",
    "wave_role",
    "wave_label",
    "band_label",
    "group_order",
]

# Half-width of every change colour scale (heat map, network, HTML table): the same colour means the same
# change in every kommune's report. Larger changes get the end colour and still print their number; the
# report's reading guide names it.
CHANGE_LIMIT = 1.0


@lru_cache(maxsize=1)
def _packaged_instrument() -> Instrument:
    return load_instrument()


def default_instrument(instrument: Instrument | None = None) -> Instrument:
    """``instrument`` itself, or the project's codebook (``params/instrument.yaml``) when ``None``."""
    return instrument if instrument is not None else _packaged_instrument()


def label(code: object, language: Language = "da", instrument: Instrument | None = None) -> str:
    """Codebook label of a group, item or scale code; wave codes get the codebook's wave names ("Førmåling")."""
    inst = default_instrument(instrument)
    if inst.waves.get(code) is not None:
        return inst.waves.name(code, language)
    return inst.label(str(code), language)


def wave_role(wave: object, instrument: Instrument | None = None) -> str | None:
    """``"baseline"`` for the codebook's first wave, ``"followup"`` for its latest, ``"midway"`` for one
    between them, else ``None`` (the role picks a wave's colour and marker)."""
    waves = default_instrument(instrument).waves
    if waves.get(wave) is None:
        return None
    if str(wave) == waves.first:
        return "baseline"
    return "followup" if str(wave) == waves.latest else "midway"


def wave_label(wave: object, language: Language = "da", instrument: Instrument | None = None) -> str:
    """The codebook's Danish/English name of a wave ("Førmåling"), or the code itself for a wave it lacks.

    Examples
    --------
    >>> from relkap.instrument import Instrument
    >>> inst = Instrument.model_validate({"groups": [{"code": "a", "da": "A", "en": "A"}, {"code": "b", "da": "B",
    ...     "en": "B"}], "relational": [{"code": "x", "da": "X", "en": "X"}], "min_items": 1,
    ...     "waves": [{"code": "t0", "da": "Førmåling", "en": "Baseline"}, {"code": "t1", "da": "Midtvejsmåling",
    ...     "en": "Midway"}, {"code": "t2", "da": "Eftermåling", "en": "Follow-up"}]})
    >>> wave_label("t1", "da", inst), wave_label("t2", "en", inst), wave_label("t9", "da", inst)
    ('Midtvejsmåling', 'Follow-up', 't9')
    >>> wave_role("t0", inst), wave_role("t1", inst), wave_role("t2", inst)
    ('baseline', 'midway', 'followup')
    """
    return default_instrument(instrument).waves.name(wave, language)


def band_label(band: str, language: Language = "da") -> str:
    """Danish/English name of a strength band (``weak``, ``moderate``, ``strong``), from the glossary.

    Examples
    --------
    >>> band_label("strong", "da"), band_label("weak", "en")
    ('stærk', 'weak')
    """
    return words.text(f"glossary.{band}", language)


def group_order(codes, instrument: Instrument | None = None) -> list[str]:
    """``codes`` in the codebook's group order; codes the codebook lacks follow, sorted."""
    present = {str(c) for c in codes if c is not None and not (isinstance(c, float) and math.isnan(c))}
    known = [g for g in default_instrument(instrument).group_codes if g in present]
    return known + sorted(present - set(known))
