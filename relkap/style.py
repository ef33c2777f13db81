"""Colours, hatches, markers and labels of every relkap figure: the one place to change how figures look.

Every figure must read printed in black and white and for colour-blind readers, so colour is never the
only carrier of meaning:

- Tie means use ``viridis`` (sequential, safe for colour-vision deficiency and monotone in lightness, so a
  greyscale print keeps the order) on the fixed scale of the instrument (1-5), never rescaled to the data,
  so two heat maps can be compared by eye. Every cell also prints its value. (``cividis`` was tried: real
  means cluster between 3 and 4.5, where its greys and olives hardly differ.)
- Changes use ``RdBu`` (ColorBrewer diverging, colour-blind safe) centred at 0 with symmetric limits:
  blue = better at follow-up, red = worse. Cells also print the signed value.
- Bands and waves use Okabe-Ito colours (distinguishable with every common colour-vision deficiency) and
  additionally differ by line style, hatch or marker shape.

User-facing text is Danish (``language="da"``, the default) or English. Codes (groups, items, scales) are
labelled from the instrument codebook, wave and band names come from the catalogue's glossary
(:func:`relkap.words.text`), numbers from :mod:`relkap.fmt`.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from functools import lru_cache

import matplotlib as mpl
import numpy as np
import seaborn as sns

from . import words
from .instrument import Instrument, load_instrument
from .words import Language

__all__ = [
    "SEQUENTIAL_CMAP",
    "DIVERGING_CMAP",
    "BANDS",
    "BAND_COLOURS",
    "BAND_HATCHES",
    "BAND_LINESTYLES",
    "SUPPRESSED_COLOUR",
    "MISSING_COLOUR",
    "WAVE_COLOURS",
    "WAVE_MARKERS",
    "WAVE_FILLED",
    "WAVE_HATCHES",
    "default_instrument",
    "label",
    "wave_role",
    "wave_label",
    "band_label",
    "group_order",
    "text_colour",
    "figure_context",
]

SEQUENTIAL_CMAP = "viridis"
DIVERGING_CMAP = "RdBu"

BANDS = ("weak", "moderate", "strong")
# Okabe-Ito vermillion / orange / blue: CVD-safe; in the network the edge width (by mean) carries the
# same order, which is what survives a greyscale print.
BAND_COLOURS = {"weak": "#D55E00", "moderate": "#E69F00", "strong": "#0072B2"}
BAND_HATCHES = {"weak": "...", "moderate": "//", "strong": ""}
# Line style carries the band in a black-and-white print of the network.
BAND_LINESTYLES = {"weak": ":", "moderate": "--", "strong": "-"}
SUPPRESSED_COLOUR = "#D9D9D9"
MISSING_COLOUR = "#FFFFFF"

WAVE_COLOURS = {"baseline": "#0072B2", "followup": "#E69F00"}
WAVE_MARKERS = {"baseline": "o", "followup": "s"}
# Filled versus open markers and plain versus hatched bars tell the waves apart without colour.
WAVE_FILLED = {"baseline": True, "followup": False}
WAVE_HATCHES = {"baseline": "", "followup": "///"}

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


def text_colour(rgba) -> str:
    """Black or white, whichever reads better on a cell of colour ``rgba`` (relative luminance)."""
    r, g, b = (np.asarray(mpl.colors.to_rgb(rgba)) ** 2.2)[:3]
    return "black" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.18 else "white"


@contextmanager
def figure_context(font_scale: float = 1.0):
    """Seaborn ``ticks`` style with print-friendly sizes, for the duration of a ``with`` block.

    Plot functions never change global settings; scripts and notebooks wrap their figures in this.
    """
    rc = {"figure.dpi": 110, "savefig.dpi": 110, "savefig.bbox": "tight", "axes.titleweight": "bold",
          "legend.frameon": False}
    with sns.axes_style("ticks"), sns.plotting_context("notebook", font_scale=font_scale, rc=rc):
        with mpl.rc_context(rc):
            yield
