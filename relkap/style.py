"""Colours, hatches and markers of every relkap figure: the one place to change how figures look.

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

Labels of codes (groups, items, scales, waves, bands) live in :mod:`relkap.labels`, which loads no
plotting library; numbers come from :mod:`relkap.fmt`.
"""

from __future__ import annotations

from contextlib import contextmanager

import matplotlib as mpl
import numpy as np
import seaborn as sns

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

# "midway" is any wave between the first and the latest (labels.wave_role).
WAVE_COLOURS = {"baseline": "#0072B2", "midway": "#009E73", "followup": "#E69F00"}
WAVE_MARKERS = {"baseline": "o", "midway": "^", "followup": "s"}
# Filled versus open markers and plain versus hatched bars tell the waves apart without colour.
WAVE_FILLED = {"baseline": True, "midway": True, "followup": False}
WAVE_HATCHES = {"baseline": "", "midway": "..", "followup": "///"}

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
