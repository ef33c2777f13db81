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
    """Codebook label of a group, item or scale code; wave codes get "Førmåling"/"Eftermåling"."""
    inst = default_instrument(instrument)
    role = wave_role(code, inst)
    if role is not None:
        return words.text(f"glossary.{role}", language)
    return inst.label(str(code), language)


def wave_role(wave: object, instrument: Instrument | None = None) -> str | None:
    """``"baseline"`` or ``"followup"`` for a wave code of the instrument, else ``None``."""
    waves = default_instrument(instrument).waves
    if str(wave) == waves.baseline:
        return "baseline"
    if str(wave) == waves.followup:
        return "followup"
    return None


def wave_label(wave: object, language: Language = "da", instrument: Instrument | None = None) -> str:
    """Danish/English name of a wave ("Førmåling"), or the code itself for a wave the codebook lacks."""
    role = wave_role(wave, instrument)
    return words.text(f"glossary.{role}", language) if role else str(wave)


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
