"""Figures written as SVG text straight from the data, for the explorer's screen and the kommune report: no
matplotlib artists.

The explorer answers a click within 100 ms; building a matplotlib figure and writing it as SVG took 130-180
ms of that. In the report, matplotlib's layout, savefig and PNG encoding were about a quarter of the kernel's
time and the PNGs 0.4 MB of every page. These functions draw the same information as their matplotlib twins
(which stay for researchers and the gallery), from the same plan where there is more than a few lines of it:
:func:`wave_trend_svg` as :func:`relkap.plots.wave_trend` (:func:`~relkap.plots.trend.trend_plan`),
:func:`dimension_profile_svg` as :func:`relkap.plots.dimension_profile`, :func:`response_overview_svg` as
:func:`relkap.plots.response_overview` (:func:`~relkap.plots.response.response_plan`) and
:func:`forest_plot_svg` as :func:`relkap.plots.forest_plot` (:func:`~relkap.plots.estimates.forest_plan`).
Each returns an accessible SVG document (``role="img"``, its ``<title>`` the heading, its ``<desc>`` the alt
text of :mod:`relkap.plots.alt`; without a heading the alt text is the ``<title>``), words from the catalogue
and the codebook, numbers from :mod:`relkap.fmt`, colours from :mod:`relkap.style`, sizes in CSS px (the
report's printed figure has text of :data:`REPORT_FONT` px, 8 pt or more), a ``viewBox`` so that it scales
down on a phone, no ids (several figures share one page), and the same disclosure rule: a suppressed value
(:func:`~relkap.plots.common.suppressed_rows`) or a count below ``min_n`` is never written, not even in the
markup. :func:`relkap.publish.svg` puts one in a report.
"""

from __future__ import annotations

import math
from collections import namedtuple
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from .. import fmt, words
from ..checks import check_columns
from ..config import ALPHA, MIN_N
from ..instrument import Instrument
from ..labels import band_label, default_instrument, label, wave_label
from ..words import Language
from .alt import alt_forest, alt_profile, alt_response, alt_trend
from .common import (
    check_figure,
    code_order,
    decimals_needed,
    print_width,
    require_data,
    suppressed_rows,
    wave_order,
    wave_style,
    wrap,
)
from .estimates import forest_plan
from .response import response_plan
from .trend import DIMENSION_COLOURS, DIMENSION_MARKERS, INDEX_COLOUR, trend_plan, wave_tick

__all__ = ["wave_trend_svg", "dimension_profile_svg", "response_overview_svg", "forest_plot_svg",
           "message_svg", "hatch_path", "text_width", "REPORT_FONT"]

FONT = 10  # px: matplotlib's default 10 pt at the explorer's 72 dpi
TITLE_FONT = 12
_GRID, _GREY = "#e6e6e6", "#666666"


class Canvas:
    """An SVG document being written: elements appended as text, then :meth:`document`.

    ``width``, ``height`` in px; ``title`` and ``desc`` are the accessible name and description."""

    def __init__(self, width: float, height: float):
        self.width, self.height = width, height
        self.parts: list[str] = []

    def text(self, x: float, y: float, s: str, *, size: float = FONT, anchor: str = "middle", rotate: float = 0,
             colour: str = "#000000", baseline: str = "central") -> None:
        """``s`` at (x, y); a text of several lines (``\\n``) line under line, centred on y (``baseline``
        ``"central"``) or from y down (``"hanging"``)."""
        lines = s.split("\n")
        turn = f' transform="rotate({rotate:g} {x:.1f} {y:.1f})"' if rotate else ""
        up = (len(lines) - 1) * 0.6 * size if baseline == "central" else 0
        head = (f'<text x="{x:.1f}" y="{y - up:.1f}" font-size="{size:g}" '
                f'text-anchor="{anchor}" dominant-baseline="{baseline}" fill="{colour}"{turn}>')
        spans = "".join(f'<tspan x="{x:.1f}" dy="{0 if i == 0 else 1.2 * size:g}">{escape(line)}</tspan>'
                        for i, line in enumerate(lines))
        self.parts.append(head + spans + "</text>")

    def line(self, x1: float, y1: float, x2: float, y2: float, colour: str = "#000000", width: float = 1.0) -> None:
        self.parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" '
                          f'stroke-width="{width:g}"/>')

    def document(self, title: str, desc: str, scale: float = 1.0) -> str:
        """The SVG document: ``title`` its accessible name and ``desc`` its description; without a title the
        description is the name (never an empty one). Shown at ``scale`` times its drawn size."""
        name = f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>" if title else f"<title>{escape(desc)}</title>"
        return (f'<?xml version="1.0" encoding="utf-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" role="img" '
                f'width="{self.width * scale:.0f}" height="{self.height * scale:.0f}" '
                f'viewBox="0 0 {self.width:g} {self.height:g}" font-family="DejaVu Sans, Arial, sans-serif">{name}'
                '<rect width="100%" height="100%" fill="#ffffff"/>' + "".join(self.parts) + "</svg>")


def marker(kind: str, x: float, y: float, size: float, colour: str, tip: str = "", attrs: str = "") -> str:
    """A matplotlib marker (``o s ^ D v P``) of ``size`` px across at (x, y), its value as a tooltip."""
    r = size / 2
    tip = f"<title>{escape(tip)}</title>" if tip else ""
    if kind == "o":
        return f'<circle cx="{x:.2f}" cy="{y:.2f}" r="{r:g}" fill="{colour}"{attrs}>{tip}</circle>'
    if kind == "s":
        return (f'<rect x="{x - r:.2f}" y="{y - r:.2f}" width="{size:g}" height="{size:g}" fill="{colour}" '
                f'data-cx="{x:.2f}" data-cy="{y:.2f}"{attrs}>{tip}</rect>')
    shapes = {"^": [(0, -1), (1, 1), (-1, 1)], "v": [(0, 1), (1, -1), (-1, -1)],
              "D": [(0, -1), (1, 0), (0, 1), (-1, 0)],
              "P": [(-0.35, -1), (0.35, -1), (0.35, -0.35), (1, -0.35), (1, 0.35), (0.35, 0.35), (0.35, 1),
                    (-0.35, 1), (-0.35, 0.35), (-1, 0.35), (-1, -0.35), (-0.35, -0.35)]}
    points = " ".join(f"{x + dx * r:.2f},{y + dy * r:.2f}" for dx, dy in shapes[kind])
    return f'<polygon points="{points}" fill="{colour}" data-cx="{x:.2f}" data-cy="{y:.2f}"{attrs}>{tip}</polygon>'


def _rows(data: pd.DataFrame, columns: tuple[str, ...]) -> list:
    """The table's rows as named tuples of plain values (a few dozen rows: pandas per row costs more)."""
    Row = namedtuple("Row", columns)  # noqa: PYI024
    return [Row(*r) for r in zip(*(data[c].tolist() for c in columns), strict=True)]


def y_scale(values: np.ndarray, top: float, bottom: float) -> tuple[list[float], callable]:
    """Tick values and the value-to-px map of a y axis from ``top`` to ``bottom`` px holding ``values``:
    the data range with matplotlib's 5% margins (:func:`y_axis`)."""
    v = values[np.isfinite(values)]
    lo, hi = (float(v.min()), float(v.max())) if len(v) else (0.0, 1.0)
    if hi - lo < 1e-12:
        lo, hi = lo - 0.05 * (abs(lo) or 1), hi + 0.05 * (abs(hi) or 1)  # matplotlib's nonsingular view
    pad = 0.05 * (hi - lo)
    return y_axis(lo - pad, hi + pad, top, bottom)


def y_axis(lo: float, hi: float, top: float, bottom: float, *, nbins: int | None = None,
           integer: bool = False) -> tuple[list[float], callable]:
    """Tick values (as matplotlib's default locator places them; ``integer``: whole numbers only) and the
    value-to-px map of a y axis from ``lo`` at ``bottom`` px to ``hi`` at ``top`` (an x axis: ``lo`` at
    ``top`` = left, ``hi`` at ``bottom`` = right, with ``nbins``)."""
    nbins = nbins if nbins is not None else max(3, int((bottom - top) / 28))
    ticks = [float(t) for t in MaxNLocator(nbins=nbins, steps=[1, 2, 2.5, 5, 10], integer=integer)
             .tick_values(lo, hi) if lo - 1e-9 <= t <= hi + 1e-9]
    return ticks, lambda value: bottom - (value - lo) / (hi - lo) * (bottom - top)


def _y_ticks(c: Canvas, ticks: list[float], y_px, left: float, right: float, language: Language,
             grid: bool = True) -> None:
    for t in ticks:
        if grid:
            c.line(left, y_px(t), right, y_px(t), _GRID, 0.6)
        c.line(left - 3.5, y_px(t), left, y_px(t), width=0.8)
        c.text(left - 6, y_px(t), fmt.number(t, decimals_needed(t), language), anchor="end")


def _frame(c: Canvas, left: float, right: float, top: float, bottom: float) -> None:
    c.parts.append(f'<rect x="{left:.1f}" y="{top:.1f}" width="{right - left:.1f}" height="{bottom - top:.1f}" '
                   'fill="none" stroke="#000000" stroke-width="0.8"/>')


def message_svg(title: str, message: str = "", width: float = 612, height: float = 403) -> str:
    """A figure with no data to draw: the heading and a message (e.g. the catalogue's ``explore.no_data``)."""
    c = Canvas(width, height)
    c.text(width / 2, 0.06 * height, title, size=TITLE_FONT)
    if message:
        c.text(width / 2, height / 2, message)
    return c.document(title, message)


def wave_trend_svg(
    data: pd.DataFrame | None = None,
    *,
    dimensions: Sequence[str] | None = None,
    min_n: int = MIN_N,
    language: Language = "da",
    instrument: Instrument | None = None,
    title: str = "",
    width: float = 612,
    height: float = 403,
    scale: float = 1.0,
) -> str:
    """:func:`relkap.plots.wave_trend` as SVG text: the index (thick black, its 95% CI as error bars) and
    each dimension (thin, coloured, its own marker) in every wave, waves in the codebook's order and names.

    Parameters
    ----------
    data : DataFrame
        ``wave, dimension, mean, ci_low, ci_high`` and ``n`` or ``suppressed``, as for ``wave_trend``.
    dimensions, min_n, language, instrument, title
        As for ``wave_trend``; a suppressed row (:func:`~relkap.plots.common.suppressed_rows`) is not drawn
        and its value is in no attribute; a wave whose index is suppressed says so ("n<min_n").
    width, height : float
        The size in px it is drawn at (the explorer's, 8.5 x 5.6 in at 72 dpi: text of 9-12 px).
    scale : float
        Shown at ``scale`` times that size (the report's screen: 4/3, its text as matplotlib's at 96 dpi).

    Returns
    -------
    str
        An SVG document: each dimension a ``<g data-dimension=code>`` of points (``data-wave``), the
        ``<desc>`` :func:`relkap.plots.alt.alt_trend`.

    Examples
    --------
    >>> data = pd.DataFrame({"wave": ["baseline", "followup"] * 2, "dimension": ["rk"] * 2 + ["respekt"] * 2,
    ...                      "mean": [3.4, 3.6, 3.8, 3.9], "ci_low": [3.2, 3.4, 3.6, 3.7],
    ...                      "ci_high": [3.6, 3.8, 4.0, 4.1], "n": [40, 38, 40, 38]})
    >>> svg = wave_trend_svg(data, language="en", instrument=inst)
    >>> "<title>Line chart of Relational capacity (index) in 2 waves: Baseline 3.40, Follow-up 3.60.</title>" in svg
    True
    """
    data = require_data(data, "wave_trend_svg")
    check_figure(language, min_n)
    check_columns(data, ("wave", "dimension", "mean", "ci_low", "ci_high"), "data")
    inst = default_instrument(instrument)
    waves, codes, sup, data = trend_plan(data, "wave", "mean", "dimension", ("ci_low", "ci_high"), dimensions,
                                         min_n, inst)
    data = data.astype({c: float for c in ("mean", "ci_low", "ci_high")})
    data = data.assign(wave=data["wave"].astype(str), dimension=data["dimension"].astype(str))
    drawn = data[data["dimension"].isin(codes)]
    left, right, top, bottom = 0.1 * width, 0.72 * width, 0.09 * height, 0.84 * height
    ticks, y_px = y_scale(np.concatenate([drawn["mean"].to_numpy(),
                                          *(drawn.loc[drawn["dimension"] == "rk", c].to_numpy()
                                            for c in ("ci_low", "ci_high"))]), top, bottom)
    step = (right - left) / (len(waves) - 0.4)  # matplotlib's x limits: -0.3 to len - 0.7

    def x_px(i):
        return left + (i + 0.3) * step

    c = Canvas(width, height)
    _y_ticks(c, ticks, y_px, left, right, language)
    for i, w in enumerate(waves):
        c.line(x_px(i), bottom, x_px(i), bottom + 3.5, width=0.8)
        c.text(x_px(i), bottom + 7, wave_tick(w, language, inst), baseline="hanging")
    _frame(c, left, right, top, bottom)
    c.text(0.025 * width, (top + bottom) / 2, words.text("waves.axis_mean", language), rotate=-90)
    c.text((left + right) / 2, height - 0.035 * height, words.text("waves.axis_wave", language))
    if title:
        c.text((left + right) / 2, top - 0.04 * height, title, size=TITLE_FONT)
    hidden = set(data.loc[sup & data["dimension"].eq("rk"), "wave"]) if "rk" in codes else set()
    for i, w in enumerate(waves):  # a wave whose index is suppressed says so, without a number
        if w in hidden:
            c.text(x_px(i), bottom - 10, words.text("figure.suppressed", language, min_n=min_n), colour=_GREY)
    legend, k = [], 0
    rows = _rows(data, ("dimension", "wave", "mean", "ci_low", "ci_high"))  # plain tuples: ~14 rows, no pandas
    xpos = {w: i for i, w in enumerate(waves)}
    for code in codes:
        d = sorted((r for r in rows if r.dimension == code and r.wave in xpos), key=lambda r: xpos[r.wave])
        if code == "rk":
            colour, kind, size, lw = INDEX_COLOUR, "o", 7.0, 2.6
        else:
            colour, kind, size, lw = DIMENSION_COLOURS[k % 6], DIMENSION_MARKERS[k % 6], 4.5, 1.1
            k += 1
        out = [f'<g data-dimension={quoteattr(code)} fill="{colour}"'
               + ("" if code == "rk" else ' opacity="0.85"') + ">"]
        run: list[str] = []
        for r in [*d, None]:  # a line through each run of shown waves, as matplotlib
            if r is None or math.isnan(r.mean):
                if len(run) > 1:
                    out.insert(1, f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" '
                                  f'stroke-width="{lw:g}"/>')
                run = []
                continue
            x, y = x_px(xpos[r.wave]), y_px(r.mean)
            run.append(f"{x:.2f},{y:.2f}")
            if code == "rk" and not (math.isnan(r.ci_low) or math.isnan(r.ci_high)):
                lo, hi = y_px(r.ci_low), y_px(r.ci_high)
                out.append(f'<path d="M{x:.2f},{lo:.2f}V{hi:.2f}M{x - 4:.2f},{lo:.2f}h8M{x - 4:.2f},{hi:.2f}h8" '
                           f'stroke="{colour}" stroke-width="1.2" fill="none"/>')
            tip = f"{wave_label(r.wave, language, inst)}: {fmt.number(r.mean, 2, language)}"
            out.append(marker(kind, x, y, size, colour, tip, f" data-wave={quoteattr(r.wave)}"))
        c.parts.append("".join(out) + "</g>")
        legend.append((label(code, language, inst), colour, kind, size, lw))
    y0 = (top + bottom) / 2 - (len(legend) - 1) * 9
    for i, (name, colour, kind, size, lw) in enumerate(legend):  # the legend, right of the axes
        y = y0 + 18 * i
        c.line(right + 10, y, right + 34, y, colour, lw)
        c.parts.append(marker(kind, right + 22, y, size, colour))
        c.text(right + 40, y, name, size=9, anchor="start")
    return c.document(title, alt_trend(data.assign(suppressed=sup), inst, language), scale)


def dimension_profile_svg(
    data: pd.DataFrame | None = None,
    *,
    min_n: int = MIN_N,
    language: Language = "da",
    instrument: Instrument | None = None,
    title: str = "",
    width: float = 504,
    height: float = 317,
) -> str:
    """:func:`relkap.plots.dimension_profile` as SVG text: each dimension's mean with its 95% CI, the waves
    side by side in their markers and colours, dotted band boundaries named at the right.

    ``data``: ``dimension, wave, mean, ci_low, ci_high`` and ``n`` or ``suppressed``; a suppressed row shows
    "n<min_n" instead of its mean (no value of it in the markup). Returns an SVG document, each wave a
    ``<g data-wave=code>`` of points (``data-dimension``), the ``<desc>`` :func:`relkap.plots.alt.alt_profile`.

    Examples
    --------
    >>> data = pd.DataFrame({"dimension": ["kendskab", "respekt"] * 2, "wave": ["baseline"] * 2 + ["followup"] * 2,
    ...                      "mean": [3.6, 4.1, 3.8, 4.2], "ci_low": [3.4, 3.9, 3.6, 4.0],
    ...                      "ci_high": [3.8, 4.3, 4.0, 4.4], "n": [40, 40, 38, 3]})
    >>> svg = dimension_profile_svg(data, language="en", instrument=inst)
    >>> svg.count(">n&lt;5</tspan>"), "4.20" in svg
    (1, False)
    """
    data = require_data(data, "dimension_profile_svg")
    check_figure(language, min_n)
    check_columns(data, ("dimension", "wave", "mean", "ci_low", "ci_high"), "data")
    inst = default_instrument(instrument)
    data = data.assign(wave=data["wave"].astype(str), dimension=data["dimension"].astype(str))
    levels = code_order(data["dimension"], inst)
    waves = wave_order(data["wave"], inst)
    sup = suppressed_rows(data, "mean", min_n)
    data = data.assign(**{c: data[c].where(~sup).astype(float) for c in ("mean", "ci_low", "ci_high")})
    left, right, top, bottom = 0.1 * width, 0.9 * width, 0.09 * height, 0.67 * height
    lo, hi = inst.scale.min - 0.1, inst.scale.max + 0.1
    ticks, y_px = y_axis(lo, hi, top, bottom)
    step, offset = (right - left) / (len(levels) + 0.2), 0.5 / max(len(waves), 1)  # x limits -0.6 to len - 0.4

    def x_px(i):
        return left + (i + 0.6) * step

    c = Canvas(width, height)
    _y_ticks(c, ticks, y_px, left, right, language, grid=False)
    b = inst.bands
    for y in (b.weak_below, b.strong_above):  # band boundaries, the bands named at the right
        c.parts.append(f'<line x1="{left:.1f}" y1="{y_px(y):.1f}" x2="{right:.1f}" y2="{y_px(y):.1f}" '
                       'stroke="#8c8c8c" stroke-width="0.8" stroke-dasharray="1,2"/>')
    for band, y in (("weak", (inst.scale.min + b.weak_below) / 2), ("moderate", (b.weak_below + b.strong_above) / 2),
                    ("strong", (b.strong_above + inst.scale.max) / 2)):
        c.text(right + 5, y_px(y), band_label(band, language), size=9, anchor="start", colour=_GREY)
    for i, code in enumerate(levels):
        x, y = x_px(i), bottom + 6
        c.line(x, bottom, x, bottom + 3.5, width=0.8)
        c.text(x, y, wrap(label(code, language, inst), 16), anchor="end", rotate=-30, baseline="hanging")
    _frame(c, left, right, top, bottom)
    c.text(0.025 * width, (top + bottom) / 2, words.text("figure.ci", language), rotate=-90)
    c.text((left + right) / 2, height - 0.03 * height, words.text("glossary.dimension", language))
    if title:
        c.text((left + right) / 2, top - 0.05 * height, title, size=TITLE_FONT)
    pos = {code: i for i, code in enumerate(levels)}
    legend = []
    rows = _rows(data.assign(suppressed=sup), ("dimension", "wave", "mean", "ci_low", "ci_high", "suppressed"))
    for k, w in enumerate(waves):
        st = wave_style(w, inst)
        colour, fill = st["colour"], st["colour"] if st["filled"] else "#ffffff"
        out = [f'<g data-wave={quoteattr(w)} stroke="{colour}">']
        for r in rows:
            if r.wave != w or r.dimension not in pos:
                continue
            hidden = r.suppressed
            x = x_px(pos[r.dimension] + (k - (len(waves) - 1) / 2) * offset)
            if hidden:
                c.text(x, y_px(inst.scale.min + 0.15), words.text("figure.suppressed", language, min_n=min_n), size=9,
                       anchor="start", rotate=-90, colour="#595959")
                continue
            if math.isnan(r.mean):
                continue
            if not (math.isnan(r.ci_low) or math.isnan(r.ci_high)):
                a, z = y_px(r.ci_low), y_px(r.ci_high)
                out.append(f'<path d="M{x:.2f},{a:.2f}V{z:.2f}M{x - 3:.2f},{a:.2f}h6M{x - 3:.2f},{z:.2f}h6" '
                           'stroke-width="1.3" fill="none"/>')
            tip = f"{label(r.dimension, language, inst)}, {wave_label(w, language, inst)}: " \
                  f"{fmt.number(r.mean, 2, language)}"
            out.append(marker(st["marker"], x, y_px(r.mean), 7, fill, tip,
                              f' stroke-width="1.5" data-dimension={quoteattr(r.dimension)}'))
        c.parts.append("".join(out) + "</g>")
        legend.append((wave_label(w, language, inst), colour, fill, st["marker"]))
    for i, (name, colour, fill, kind) in enumerate(reversed(legend)):  # lower right, as matplotlib's
        y = bottom - 12 - 16 * i
        c.parts.append(f'<g stroke="{colour}">' + marker(kind, right - 90, y, 7, fill, "", ' stroke-width="1.5"')
                       + "</g>")
        c.text(right - 80, y, name, size=9, anchor="start")
    return c.document(title, alt_profile(data.assign(suppressed=sup), inst, language))


REPORT_FONT = 11  # px: 8.25 pt on paper, the smallest text a printed report figure has


# advance widths (em) of DejaVu Sans, the figures' first font (Arial, the fallback, is narrower): enough to lay
# out labels and legends without measuring text in a browser
_EM = {**dict.fromkeys(" .,:;'!|ijlI", 0.29), **dict.fromkeys("ftr()[]-/", 0.38),
       **dict.fromkeys("mwæMWÆ", 0.95), **dict.fromkeys("→<>=≤≥±", 0.84)}


def text_width(s: str, size: float) -> float:
    """About how wide ``s`` (its longest line) is in px at ``size``.

    Examples
    --------
    >>> round(text_width("Mindste n der vises (5)", 11))  # 127 px in Chromium
    128
    """
    return max((sum(_EM.get(ch, 0.72 if ch.isupper() else 0.62) for ch in line) for line in s.split("\n")),
               default=0.0) * size


def hatch_path(x: float, y: float, w: float, h: float, hatch: str) -> str:
    """The ``d`` of a matplotlib hatch (``/`` and ``\\`` lines, ``x`` both, ``.`` dots; more characters, denser)
    drawn inside the rectangle at (x, y) of ``w`` x ``h`` px: lines cut at its edges, no pattern ids (two
    inline figures on one page must not share an id).

    Examples
    --------
    >>> hatch_path(0, 0, 8, 8, "//")  # lines 6 px apart, cut at the edges
    'M0.00,3.00L3.00,0.00M1.00,8.00L8.00,1.00M7.00,8.00L8.00,7.00'
    """
    out = []
    up = hatch.count("/") + hatch.count("x") + hatch.count("X")
    down = hatch.count("\\") + hatch.count("x") + hatch.count("X")
    for n, sign in ((up, 1), (down, -1)):
        if not n:
            continue
        step = 12.0 / n
        # "/": x + y = c; "\": x - y = c (y down), each cut to the rectangle
        lo, hi = (x + y, x + w + y + h) if sign == 1 else (x - y - h, x + w - y)
        c = lo + step / 2
        while c < hi:
            if sign == 1:
                a, b = max(x, c - y - h), min(x + w, c - y)
                out.append(f"M{a:.2f},{c - a:.2f}L{b:.2f},{c - b:.2f}")
            else:
                a, b = max(x, c + y), min(x + w, c + y + h)
                out.append(f"M{a:.2f},{a - c:.2f}L{b:.2f},{b - c:.2f}")
            c += step
    dots = hatch.count(".") + hatch.count("o")
    if dots:
        step = 12.0 / dots
        for i in range(int(w / step)):
            for j in range(int(h / step)):
                cx, cy = x + (i + 0.5) * step, y + (j + 0.5) * step
                out.append(f"M{cx - 0.8:.2f},{cy:.2f}a0.8,0.8 0 1,0 1.6,0a0.8,0.8 0 1,0 -1.6,0")
    return "".join(out)


def _legend_row(c: Canvas, items: list[tuple[str, str]], x0: float, y: float, right: float, size: float) -> float:
    """Legend ``items`` (``(symbol markup at 0,0 of a 16 x 10 px box, text)``) left to right from ``x0``,
    on as many rows as ``right`` allows; returns the y below the last row."""
    x = x0
    for symbol, name in items:
        need = 22 + text_width(name, size) + 12
        if x > x0 and x + need > right:
            x, y = x0, y + 1.5 * size
        c.parts.append(f'<g transform="translate({x:.1f} {y - 5:.1f})">{symbol}</g>')
        c.text(x + 22, y, name, size=size, anchor="start")
        x += need
    return y + 0.9 * size


def response_overview_svg(
    data: pd.DataFrame | None = None,
    *,
    min_n: int = MIN_N,
    x: str = "group",
    y: str = "n",
    hue: str = "wave",
    language: Language = "da",
    instrument: Instrument | None = None,
    title: str = "",
    width: float | None = None,
    height: float = 324,
) -> str:
    """:func:`relkap.plots.response_overview` as SVG text: respondents per group and wave as bars (each wave
    its colour and hatch), ``min_n`` as a dashed line, each bar's count above it, the legend on top.

    Parameters
    ----------
    data, min_n, x, y, hue, language, instrument, title
        As for ``response_overview`` (:func:`relkap.plots.response.response_plan` says what is drawn): a count
        below ``min_n`` is drawn unfilled and dashed up to the line and reads "<min_n"; its number is in no
        text, attribute or position.
    width, height : float
        The size in px (default width: the matplotlib figure's at 3/4 of its size, 1.8 + 0.9 in per group,
        at most the A4 text width). Text is :data:`REPORT_FONT` px: 8 pt or more when printed at this size.

    Returns
    -------
    str
        An SVG document: each bar a ``<rect data-group data-wave>`` (``data-small`` when below ``min_n``)
        with its count as a tooltip; the ``<desc>`` :func:`relkap.plots.alt.alt_response`.

    Examples
    --------
    >>> counts = pd.DataFrame({"group": ["skole", "ppr"] * 2, "wave": ["baseline"] * 2 + ["followup"] * 2,
    ...                        "n": [12, 4, 11, 6]})
    >>> svg = response_overview_svg(counts, min_n=5, language="en", instrument=inst)
    >>> svg.count("<rect data-group"), ">&lt;5</tspan>" in svg, ">4</tspan>" in svg
    (4, True, False)
    """
    counts = require_data(data, "response_overview_svg")
    check_figure(language, min_n)
    inst = default_instrument(instrument)
    levels, waves, bars = response_plan(counts, x, y, hue, min_n, inst, language)
    f = REPORT_FONT
    width = width if width is not None else round(72 * print_width(1.8 + 0.9 * len(levels)))
    c = Canvas(width, height)
    names = [wrap(label(g, language, inst), 14) for g in levels]
    # the legend on top: the threshold line, then each wave's bar
    items = [('<path d="M0,5h16" stroke="#000000" stroke-width="1.2" stroke-dasharray="4.4,1.9"/>',
              words.text("figure.threshold", language, min_n=min_n))]
    styles = {w: wave_style(w, inst) for w in waves}
    for w in waves:
        st = styles[w]
        items.append((f'<rect width="16" height="10" fill="{st["colour"]}" stroke="#000000" stroke-width="0.8"/>'
                      f'<path d="{hatch_path(0, 0, 16, 10, st["hatch"])}" stroke="#000000" stroke-width="0.6"/>',
                      wave_label(w, language, inst)))
    top = (1.4 * f if title else 0) + 2
    top = _legend_row(c, items, 8, top + 0.8 * f, width - 4, f) + 0.6 * f
    if title:
        c.text(width / 2, 0.8 * f, title, size=TITLE_FONT)
    # below the axes: the group names turned 30 degrees (their height), then the axis name
    lines = max((n.count("\n") + 1 for n in names), default=1)
    drop = 0.5 * max((text_width(n, f) for n in names), default=0) + 0.87 * 1.2 * f * lines
    bottom = height - drop - 1.6 * f - 12
    hi = max(float(np.nanmax(bars["height"])) if len(bars) else 0.0, float(min_n), 1.0)

    def axis(top_value):
        return y_axis(0.0, top_value, top, bottom, nbins=max(3, int((bottom - top) / 30)), integer=True)

    ticks, y_px = axis(1.1 * hi)  # matplotlib's 10% margin above the highest bar or the line
    left = 1.6 * f + 10 + max(text_width(fmt.number(t, 0, language), f) for t in ticks)
    right = width - 6
    slot = (right - left) / max(len(levels), 1)
    if names:  # the first group's name, turned, must not run out of the figure on the left
        reach = 0.87 * text_width(names[0], f) + 0.5 * 1.2 * f * (names[0].count("\n") + 1) - 3
        left = max(left, (reach + 4 - 0.5 * right / len(levels)) / (1 - 0.5 / len(levels)))
        slot = (right - left) / len(levels)
    bar_w = 0.8 / max(len(waves), 1) * 0.95 * slot
    longest = max((text_width(t, f) for t in bars["label"]), default=0.0)
    upright = longest <= bar_w / 0.95 - 1  # else the counts are turned, reading upwards
    room = (f if upright else longest) + 5  # px above the highest bar for its count
    if (bottom - top) * (1 - hi / (1.1 * hi)) < room:
        ticks, y_px = axis(hi / (1 - room / (bottom - top)))

    def x_px(v):
        return left + (v + 0.5) * slot

    for t in ticks:
        c.line(left - 3.5, y_px(t), left, y_px(t), width=0.8)
        c.text(left - 6, y_px(t), fmt.number(t, decimals_needed(t), language), size=f, anchor="end")
    for i, n in enumerate(names):
        c.line(x_px(i), bottom, x_px(i), bottom + 3.5, width=0.8)
        c.text(x_px(i) + 3, bottom + 7, n, size=f, anchor="end", rotate=-30, baseline="hanging")
    out = []
    for r in _rows(bars, ("group", "wave", "x", "height", "small", "label")):
        if math.isnan(r.height):
            continue
        st = styles[r.wave]
        x0, y0 = x_px(r.x) - bar_w / 2, y_px(r.height)
        h = y_px(0) - y0
        ink = "#737373" if r.small else "#000000"
        fill = "none" if r.small else st["colour"]
        dash = ' stroke-dasharray="3,2"' if r.small else ""
        tip = f"{label(r.group, language, inst)}, {wave_label(r.wave, language, inst)}: {r.label}"
        out.append(f'<rect data-group={quoteattr(r.group)} data-wave={quoteattr(r.wave)}'
                   + (' data-small="true"' if r.small else "")
                   + f' x="{x0:.2f}" y="{y0:.2f}" width="{bar_w:.2f}" height="{h:.2f}" fill="{fill}" '
                   f'stroke="{ink}" stroke-width="0.8"{dash}><title>{escape(tip)}</title></rect>')
        if st["hatch"]:
            out.append(f'<path d="{hatch_path(x0, y0, bar_w, h, st["hatch"])}" stroke="{ink}" stroke-width="0.6"/>')
        c.parts.append("".join(out))
        out = []
        if upright:
            c.text(x_px(r.x), y0 - 2, r.label, size=f, baseline="auto")
        else:  # bars narrower than their counts: the counts turned, reading upwards
            c.text(x_px(r.x), y0 - 3, r.label, size=f, anchor="start", rotate=-90, baseline="central")
    c.parts.append(f'<line data-threshold="{min_n}" x1="{left:.1f}" y1="{y_px(min_n):.2f}" x2="{right:.1f}" '
                   f'y2="{y_px(min_n):.2f}" stroke="#000000" stroke-width="1.2" stroke-dasharray="4.4,1.9"/>')
    _frame(c, left, right, top, bottom)
    c.text(0.9 * f, (top + bottom) / 2, words.text("figure.respondents", language), size=f, rotate=-90)
    c.text((left + right) / 2, height - 0.9 * f, words.text("glossary.group", language), size=f)
    return c.document(title, alt_response(counts.rename(columns={x: "group", y: "n", hue: "wave"}), inst,
                                          language, min_n))


def forest_plot_svg(
    data: pd.DataFrame | None = None,
    *,
    label: str | Sequence[str] | None = None,
    estimate: str = "hedges",
    ci: tuple[str, str] = ("hedges_ci_low", "hedges_ci_high"),
    p: str = "p_fdr",
    alpha: float = ALPHA,
    sort: bool = True,
    min_n: int = MIN_N,
    language: Language = "da",
    instrument: Instrument | None = None,
    title: str = "",
    width: float = 672,
    font: float = 12,
) -> str:
    """:func:`relkap.plots.forest_plot` as SVG text: Hedges' g with its 95% CI per row, largest at the top, a
    filled square where significant after correction, an open one where not, the legend above the rows.

    Parameters
    ----------
    data, label, estimate, ci, p, alpha, sort, min_n, language, instrument, title
        As for ``forest_plot`` (:func:`relkap.plots.estimates.forest_plan` says what is drawn): suppressed
        rows and rows without an estimate are left out, and none of their values is in the markup.
    width : float
        The width in px; the height follows from the rows (two-line names get taller rows).
    font : float
        The text size in px (12: matplotlib's 9-10 pt at 96 dpi, the report's screen).

    Returns
    -------
    str
        An SVG document: each row a ``<g data-row=i>`` of its CI (a ``<line>``) and its estimate (a square,
        ``data-significant``, with the values as a tooltip); the ``<desc>`` :func:`relkap.plots.alt.alt_forest`
        for the ties of a ``group, target`` table, else the legend's words.

    Examples
    --------
    >>> comp = pd.DataFrame({"scale": ["vision", "motivation", "ramme"], "hedges": [0.1, 0.5, 0.9],
    ...                      "hedges_ci_low": [-0.2, 0.2, 0.5], "hedges_ci_high": [0.4, 0.8, 1.3],
    ...                      "p_fdr": [0.5, 0.01, 0.001], "n": [30, 30, 3]})
    >>> svg = forest_plot_svg(comp, language="en", instrument=inst)
    >>> svg.count("<g data-row="), "Motivation" in svg, "Frame-setting" in svg, "0.90" in svg
    (2, True, False, False)
    """
    comparison = require_data(data, "forest_plot_svg")
    check_figure(language, min_n)
    inst = default_instrument(instrument)
    rows, key = forest_plan(comparison, label=label, estimate=estimate, ci=ci, p=p, alpha=alpha, sort=sort,
                            min_n=min_n, language=language, instrument=inst)
    if rows.empty:  # every row hidden (fewer than min_n answers) or without an estimate: say so, draw no axis
        none = words.text("figure.forest_none", language, min_n=min_n)
        c = Canvas(width, (3.6 if title else 2) * font)
        if title:
            c.text(width / 2, 0.9 * font, title, size=TITLE_FONT)
        c.text(width / 2, (2.6 if title else 1) * font, none, size=font)
        return c.document(title or none, none if title else "")
    f = font
    two = any("\n" in name for name in rows["name"])
    step = (2.6 if two else 1.9) * f
    c = Canvas(width, 0)
    if title:
        c.text(width / 2, 0.9 * f, title, size=TITLE_FONT)
    y_key = (1.8 * f if title else 0) + f
    c.text(8, y_key, key + ":", size=f, anchor="start")
    top = _legend_row(c, [('<rect x="4" y="1" width="8" height="8" fill="#000000"/>',
                           words.text("figure.sig_marker", language)),
                          ('<rect x="4" y="1" width="8" height="8" fill="#ffffff" stroke="#000000"/>',
                           words.text("figure.not_sig_marker", language))],
                      8 + text_width(key + ":", f) + 8, y_key, width - 4, f) + 0.6 * f
    bottom = top + step * max(len(rows), 1)
    c.height = height = bottom + 3.6 * f
    left = min(0.45 * width, 14 + max((text_width(n, f) for n in rows["name"]), default=0))
    right = width - 12
    values = rows[["estimate", "ci_low", "ci_high"]].to_numpy(dtype=float).ravel()
    values = np.append(values[np.isfinite(values)], 0.0)  # the zero line is in view, as matplotlib's axvline
    lo, hi = float(values.min()), float(values.max())
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    pad = 0.05 * (hi - lo)
    ticks, x_px = y_axis(lo - pad, hi + pad, right, left, nbins=max(3, int((right - left) / 50)))
    for t in ticks:
        c.line(x_px(t), bottom, x_px(t), bottom + 3.5, width=0.8)
        c.text(x_px(t), bottom + 6, fmt.number(t, decimals_needed(t), language), size=f, baseline="hanging")
    c.parts.append(f'<line x1="{x_px(0):.2f}" y1="{top:.1f}" x2="{x_px(0):.2f}" y2="{bottom:.1f}" '
                   'stroke="#666666" stroke-width="0.9" stroke-dasharray="3.3,1.4"/>')
    for i, r in enumerate(_rows(rows, ("name", "estimate", "ci_low", "ci_high", "significant"))):
        y = top + (i + 0.5) * step
        c.line(left - 3.5, y, left, y, width=0.8)
        c.text(left - 6, y, r.name, size=f, anchor="end")
        out = [f'<g data-row="{i}">']
        if not (math.isnan(r.ci_low) or math.isnan(r.ci_high)):
            out.append(f'<line x1="{x_px(r.ci_low):.2f}" y1="{y:.2f}" x2="{x_px(r.ci_high):.2f}" y2="{y:.2f}" '
                       'stroke="#000000" stroke-width="1.3"/>')
        tip = (f"{r.name.replace(chr(10), ' ')}: {fmt.signed(r.estimate, 2, language)} "
               f"{fmt.ci(r.ci_low, r.ci_high, language, sign=True)}").strip()
        fill = "#000000" if r.significant else "#ffffff"
        out.append(marker("s", x_px(r.estimate), y, 8, fill, tip,
                          f' stroke="#000000" data-significant="{str(bool(r.significant)).lower()}"'))
        c.parts.append("".join(out) + "</g>")
    _frame(c, left, right, top, bottom)
    c.text((left + right) / 2, height - 0.9 * f, words.text("figure.hedges", language), size=f)
    if {"group", "target"} <= set(comparison.columns) and (label is None or list(label) == ["group", "target"]):
        desc = alt_forest(comparison, inst, language, min_n, value=estimate, p=p, alpha=alpha)
    else:  # the rows named, each with its estimate
        desc = f"{words.text('figure.hedges', language)}: " + ", ".join(
            f"{n.replace(chr(10), ' ')} {fmt.signed(v, 2, language)}" for n, v in zip(rows["name"], rows["estimate"],
                                                                                  strict=True)) + "."
    return c.document(title, desc)
