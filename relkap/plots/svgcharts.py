"""Figures written as SVG text straight from the data, for the explorer's screen: no matplotlib artists.

The explorer answers a click within 100 ms; building a matplotlib figure and writing it as SVG took 130-180
ms of that. These functions draw the same information as their matplotlib twins (which stay for the reports
and researchers): :func:`wave_trend_svg` as :func:`relkap.plots.wave_trend`, :func:`dimension_profile_svg` as
:func:`relkap.plots.dimension_profile`. Each returns an accessible SVG
document (``role="img"``, its ``<title>`` the heading, its ``<desc>`` the alt text of :mod:`relkap.plots.alt`),
words from the catalogue and the codebook, numbers from :mod:`relkap.fmt`, and the same disclosure rule: a
suppressed value (:func:`~relkap.plots.common.suppressed_rows`) is never written, not even in the markup.
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
from ..config import MIN_N
from ..instrument import Instrument
from ..labels import band_label, default_instrument, label, wave_label
from ..words import Language
from .alt import alt_profile, alt_trend
from .common import (
    check_figure,
    code_order,
    decimals_needed,
    require_data,
    suppressed_rows,
    wave_order,
    wave_style,
    wrap,
)
from .trend import DIMENSION_COLOURS, DIMENSION_MARKERS, INDEX_COLOUR, trend_plan, wave_tick

__all__ = ["wave_trend_svg", "dimension_profile_svg", "message_svg"]

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

    def document(self, title: str, desc: str) -> str:
        return (f'<?xml version="1.0" encoding="utf-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" role="img" '
                f'width="{self.width:g}" height="{self.height:g}" viewBox="0 0 {self.width:g} {self.height:g}" '
                f'font-family="DejaVu Sans, Arial, sans-serif"><title>{escape(title)}</title>'
                f'<desc>{escape(desc)}</desc><rect width="100%" height="100%" fill="#ffffff"/>'
                + "".join(self.parts) + "</svg>")


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


def y_axis(lo: float, hi: float, top: float, bottom: float) -> tuple[list[float], callable]:
    """Tick values (as matplotlib's default locator places them) and the value-to-px map of a y axis from
    ``lo`` at ``bottom`` px to ``hi`` at ``top``."""
    ticks = [float(t) for t in MaxNLocator(nbins=max(3, int((bottom - top) / 28)), steps=[1, 2, 2.5, 5, 10])
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
        The size in px.

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
    >>> "<desc>Line chart of Relational capacity (index) in 2 waves: Baseline 3.40, Follow-up 3.60.</desc>" in svg
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
    return c.document(title, alt_trend(data.assign(suppressed=sup), inst, language))


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
