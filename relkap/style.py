"""Colours, hatches and markers of every relkap figure: the one place to change how figures look.

Every figure must read printed in black and white and for colour-blind readers, so colour is never the
only carrier of meaning:

- Tie means use :func:`band_colormap`: one colour family per band of the codebook (light oranges for
  svag, mid blues for moderat, dark violets for stærk), each a short ramp, with a jump in hue *and*
  lightness at each band boundary, so 3,4 and 3,6 differ at a glance while 3,6 and 3,8 stay alike. The
  lightness falls monotonically over the whole scale (CIELAB L* 97 -> 82 | 65 -> 49 | 28 -> 9), so a
  greyscale print keeps both the order and the bands; orange / blue / violet are told apart with every
  common colour-vision deficiency. The scale is the instrument's fixed one (1-5), never rescaled to the
  data, so two heat maps compare by eye; every cell also prints its value. (``viridis`` was used before:
  3,3, 3,4 and 3,6 were nearly the same teal, hiding the bands the reading guide explains.)
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
    "BAND_FAMILIES",
    "band_colormap",
    "cielab",
    "delta_e",
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

SEQUENTIAL_CMAP = "viridis"  # sequential scales without bands (profiles, benchmark spreads)
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

# (lowest, highest) colour of each band's ramp in the tie heat map: light -> dark within and across bands.
BAND_FAMILIES = {"weak": ("#FFF4E2", "#FBC07E"), "moderate": ("#62A6D3", "#2F78B4"),
                 "strong": ("#4A2F8A", "#1E0B48")}


def band_colormap(vmin: float, vmax: float, weak_below: float, strong_above: float) -> mpl.colors.Colormap:
    """The tie heat map's colour map on ``[vmin, vmax]``: a ramp of :data:`BAND_FAMILIES` per band.

    Used with ``Normalize(vmin, vmax)``; the boundaries belong to the middle band, as in
    :func:`relkap.scoring.band` (weak < ``weak_below`` <= moderate <= ``strong_above`` < strong): 3,5 and
    4,0 are moderat.

    Examples
    --------
    >>> cmap, norm = band_colormap(1, 5, 3.5, 4.0), mpl.colors.Normalize(1, 5)
    >>> [mpl.colors.to_hex(cmap(norm(v))) for v in (1.0, 3.3, 3.6, 4.2, 5.0)]
    ['#fff4e2', '#fbc486', '#589dcd', '#41287d', '#1e0b48']
    >>> delta_e(cmap(norm(3.3)), cmap(norm(3.6))) > delta_e(cmap(norm(3.6)), cmap(norm(3.8)))
    True
    """
    if not vmin < weak_below <= strong_above < vmax:
        raise ValueError(f"band_colormap needs vmin < weak_below <= strong_above < vmax, got {vmin}, "
                         f"{weak_below}, {strong_above}, {vmax}")

    def at(v: float) -> float:
        return (v - vmin) / (vmax - vmin)

    eps = 1e-6
    (w0, w1), (m0, m1), (s0, s1) = (BAND_FAMILIES[b] for b in BANDS)
    stops = [(0.0, w0), (at(weak_below) - eps, w1), (at(weak_below), m0)]
    if strong_above > weak_below:
        stops += [(at(strong_above), m1)]
    stops += [(at(strong_above) + eps, s0), (1.0, s1)]
    return mpl.colors.LinearSegmentedColormap.from_list("relkap_bands", stops, N=1024)


def cielab(colour) -> np.ndarray:
    """CIELAB (D65) ``[L*, a*, b*]`` of a matplotlib colour (sRGB), by the CIE formulas."""
    rgb = np.asarray(mpl.colors.to_rgb(colour))
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ lin
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    d = 6 / 29
    f = np.where(xyz > d ** 3, np.cbrt(xyz), xyz / (3 * d ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e(a, b) -> float:
    """The CIE76 colour difference of two colours (Euclidean distance in CIELAB; 2.3 is just noticeable).

    Examples
    --------
    >>> round(delta_e("white", "black"), 1)
    100.0
    """
    return float(np.linalg.norm(cielab(a) - cielab(b)))


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
