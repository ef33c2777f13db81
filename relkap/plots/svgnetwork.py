"""The networks of a kommune's groups written as SVG text straight from the data, for the explorer's screen.

:func:`network_svg` draws what :func:`relkap.plots.network_diagram` draws, :func:`change_network_svg` what
:func:`relkap.plots.change_network` draws, from the same graphs (:func:`relkap.network.tie_graph`,
:func:`relkap.network.change_graph`, which apply the disclosure rule) on the same positions
(:func:`relkap.network.layout`), at the explorer's size (612 x 490 px), without matplotlib artists:
circles sized by n ("<min_n" below the threshold), curved arrows (matplotlib's ``arc3``, cut at the circles)
whose width, colour and dashes carry the mean or the change, suppressed ties as faint dotted lines without
an arrow, and the legend. The ``<desc>`` is the alt text of :mod:`relkap.plots.alt`. Not drawn here: the
targeted ties of the reports (the explorer marks none).
"""

from __future__ import annotations

import math

import matplotlib as mpl
import numpy as np
import pandas as pd

from .. import fmt, network, words
from ..config import ALPHA, MIN_N
from ..instrument import Instrument
from ..labels import band_label, default_instrument, label
from ..style import BAND_COLOURS, BAND_LINESTYLES, BANDS, DIVERGING_CMAP
from ..words import Language
from .alt import alt_change_network, alt_network
from .common import (
    CHANGE_LIMIT,
    MIN_FONT,
    check_figure,
    decimals_needed,
    node_areas,
    require_data,
    wrap,
)
from .svgcharts import TITLE_FONT, Canvas, y_axis

__all__ = ["network_svg", "change_network_svg"]

WIDTH, HEIGHT = 612.0, 490.0  # the explorer's network figure, 8.5 x 6.8 in at 72 dpi
RAD = 0.15  # the arc's bend, as relkap.plots.graphs draws it
# matplotlib's dash patterns (scaled by the line width) and the suppressed tie's dots
_DASHES = {"-": None, "--": (3.7, 1.6), ":": (1.0, 1.65)}
_SUPPRESSED = ("#b3b3b3", 0.8, (1.0, 3.0))


def _frame():
    """The axes box (matplotlib's margins of the explorer's network) and the data-to-px map of
    x in [-1.6, 1.6], y in [-1.45, 1.45] at equal aspect, centred."""
    left, right, top, bottom = 0.02 * WIDTH, 0.88 * WIDTH, 0.07 * HEIGHT, 0.8 * HEIGHT
    scale = min((right - left) / 3.2, (bottom - top) / 2.9)
    cx, cy = (left + right) / 2, (top + bottom) / 2
    return (left, right, top, bottom), lambda x, y: (cx + x * scale, cy - y * scale)


def _dash(style: str, width: float) -> str:
    pattern = _DASHES.get(style)
    return "" if pattern is None else f' stroke-dasharray="{",".join(f"{p * width:.2f}" for p in pattern)}"'


def _nodes(c: Canvas, g, px: dict, language: Language, inst: Instrument, min_n: int, n_max) -> dict:
    """Circles sized by n (area) with n inside ("<min_n" below it), names outside; each node's radius (px)."""
    nodes, ns, areas = node_areas(g, px, n_max)
    radius = {v: math.sqrt(a) / 2 for v, a in zip(nodes, areas, strict=True)}
    out = ['<g data-role="nodes" fill="#f2f2f2" stroke="#000000" stroke-width="1.2">']
    for v in nodes:
        x, y = px[v][0]
        out.append(f'<circle cx="{x:.2f}" cy="{y:.2f}" r="{radius[v]:.2f}" data-group="{v}"/>')
    c.parts.append("".join(out) + "</g>")
    for v, n in zip(nodes, ns, strict=True):
        (x, y), (ux, uy) = px[v]
        name = wrap(label(v, language, inst), 18)
        lines = name.count("\n") + 1
        anchor = "middle" if abs(ux) < 0.3 else ("start" if ux > 0 else "end")
        shift = 0 if abs(uy) < 0.3 else (-1 if uy > 0 else 1) * lines * 0.6 * MIN_FONT  # above or below
        c.text(x + 24 * ux, y - 24 * uy + shift, name, size=MIN_FONT, anchor=anchor)
        if n:
            c.text(x, y, fmt.count(n, min_n, language), size=MIN_FONT)
    return radius


def _arc(c: Canvas, p0, p2, r0: float, r2: float, colour: str, width: float, style: str, attrs: str) -> None:
    """An arrow from p0 to p2 along matplotlib's ``arc3`` curve (px, y down), cut back by the node radii,
    its head a filled triangle (``-|>``) at the end."""
    (x0, y0), (x2, y2) = p0, p2
    ctrl = np.array([(x0 + x2) / 2 - RAD * (y2 - y0), (y0 + y2) / 2 + RAD * (x2 - x0)])
    p0, p2 = np.array(p0), np.array(p2)
    length = (2 * math.dist(p0, p2) + math.dist(p0, ctrl) + math.dist(ctrl, p2)) / 3
    t0, t1 = (r0 + 1) / length, 1 - (r2 + 2) / length
    if t0 >= t1:
        t0 = t1 = 0.5

    def blossom(u, v):
        return (1 - u) * (1 - v) * p0 + ((1 - u) * v + u * (1 - v)) * ctrl + u * v * p2

    a, m, b = blossom(t0, t0), blossom(t0, t1), blossom(t1, t1)
    scale = 8 + 1.5 * width
    tangent = b - m if np.linalg.norm(b - m) > 1e-9 else b - a
    tangent = tangent / (np.linalg.norm(tangent) or 1.0)
    base = b - 0.4 * scale * tangent  # the line ends where the head begins
    normal = np.array([-tangent[1], tangent[0]]) * 0.2 * scale
    c.parts.append(f'<g{attrs}><path d="M{a[0]:.2f},{a[1]:.2f}Q{m[0]:.2f},{m[1]:.2f} {base[0]:.2f},{base[1]:.2f}" '
                   f'fill="none" stroke="{colour}" stroke-width="{width:.2f}"{_dash(style, width)}/>'
                   f'<polygon points="{b[0]:.2f},{b[1]:.2f} {base[0] + normal[0]:.2f},{base[1] + normal[1]:.2f} '
                   f'{base[0] - normal[0]:.2f},{base[1] - normal[1]:.2f}" fill="{colour}"/></g>')


def _suppressed(c: Canvas, p0, p2, attrs: str) -> None:
    colour, width, dash = _SUPPRESSED
    c.parts.append(f'<line x1="{p0[0]:.2f}" y1="{p0[1]:.2f}" x2="{p2[0]:.2f}" y2="{p2[1]:.2f}" stroke="{colour}" '
                   f'stroke-width="{width:g}" stroke-dasharray="{dash[0] * width:g},{dash[1] * width:g}"{attrs}/>')


def _legend(c: Canvas, title: str, entries: list[tuple[str, str, float, str]], top: float) -> None:
    """The legend below the network: its title, then (label, colour, width, style) in two columns."""
    c.text(WIDTH * 0.45, top, title, size=MIN_FONT)
    for i, (name, colour, width, style) in enumerate(entries):
        x, y = WIDTH * (0.12 + 0.36 * (i % 2)), top + 16 * (1 + i // 2)
        if style == "*":
            c.text(x + 12, y, "*", size=14)
        elif style == "suppressed":
            _suppressed(c, (x, y), (x + 24, y), "")
        else:
            c.parts.append(f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x + 24:.1f}" y2="{y:.1f}" stroke="{colour}" '
                           f'stroke-width="{width:g}"{_dash(style, width)}/>')
        c.text(x + 30, y, name, size=MIN_FONT, anchor="start")


def _positions(g, pos: dict | None, inst: Instrument) -> dict:
    """Each node's px position and the unit vector its name stands out along (as graphs draws it)."""
    pos = pos if pos is not None else network.layout(g.nodes, instrument=inst)
    _, to_px = _frame()
    out = {}
    for v in g.nodes:
        if v not in pos:
            continue
        x, y = (float(t) for t in pos[v])
        r = math.hypot(x, y)
        out[v] = (to_px(x, y), (x / r, y / r) if r > 1e-9 else (0.0, 1.0))
    return out


def network_svg(data: pd.DataFrame | None = None, *, pos: dict | None = None, min_n: int = MIN_N,
                n_max: float | None = None, language: Language = "da", instrument: Instrument | None = None,
                title: str = "") -> str:
    """:func:`relkap.plots.network_diagram` (one wave's ties) as SVG text: each shown tie a ``<g
    data-tie="a->b">`` arrow, each suppressed one a ``<line data-suppressed="a->b">`` (no value of it).

    Examples
    --------
    >>> ties = pd.DataFrame({"group": ["skole", "ppr", "skole"], "target": ["ppr", "skole", "skole"],
    ...                      "n": [8, 3, 9], "mean": [4.3, None, 4.5], "suppressed": [False, True, False]})
    >>> svg = network_svg(ties, language="en", instrument=inst)
    >>> svg.count("data-tie="), svg.count("data-suppressed="), ">&lt;5</tspan>" in svg
    (1, 1, True)
    """
    ties = require_data(data, "network_svg")
    check_figure(language, min_n)
    inst = default_instrument(instrument)
    g = network.tie_graph(ties, None, instrument=inst)
    px = _positions(g, pos, inst)
    c = Canvas(WIDTH, HEIGHT)
    (left, right, top, bottom), _ = _frame()
    lo, hi = inst.scale.min, inst.scale.max
    edges = Canvas(WIDTH, HEIGHT)  # drawn before the nodes, as matplotlib's z-order
    radius = _nodes(c, g, px, language, inst, min_n, n_max)
    for a, b, d in g.edges(data=True):
        tie = f' data-{{}}="{a}->{b}"'
        if d["suppressed"] or math.isnan(d["mean"]):
            _suppressed(edges, px[a][0], px[b][0], tie.format("suppressed"))
            continue
        band = d["band"] if d["band"] in BANDS else "moderate"
        width = 0.3 + 3.2 * ((d["mean"] - lo) / (hi - lo)) ** 2
        _arc(edges, px[a][0], px[b][0], radius[a], radius[b], BAND_COLOURS[band], width, BAND_LINESTYLES[band],
             tie.format("tie"))
    c.parts[:0] = edges.parts
    if title:
        c.text((left + right) / 2, top - 10, title, size=TITLE_FONT)
    bands = inst.bands
    ranges = {"weak": f"< {fmt.number(bands.weak_below, 1, language)}",
              "moderate": f"{fmt.number(bands.weak_below, 1, language)}–{fmt.number(bands.strong_above, 1, language)}",
              "strong": f"> {fmt.number(bands.strong_above, 1, language)}"}
    entries = [(f"{band_label(k, language)} ({ranges[k]})", BAND_COLOURS[k], 2.5, BAND_LINESTYLES[k]) for k in BANDS]
    entries.append((words.text("figure.suppressed_edge", language, min_n=min_n), "", 0, "suppressed"))
    _legend(c, words.text("figure.width_by_mean", language) + "; " + words.text("figure.node_by_n", language),
            entries, bottom + 12)
    return c.document(title, alt_network(ties, inst, language, min_n))


def change_network_svg(data: pd.DataFrame | None = None, *, baseline: pd.DataFrame, followup: pd.DataFrame,
                       pos: dict | None = None, p: str = "p_fdr", alpha: float = ALPHA, limit: float | None = None,
                       min_n: int = MIN_N, n_max: float | None = None, language: Language = "da",
                       instrument: Instrument | None = None, title: str = "") -> str:
    """:func:`relkap.plots.change_network` as SVG text: each tie's change an arrow coloured on ``RdBu``
    (blue up, red down; solid up, dashed down), "*" where significant, the colour bar at the right.

    Examples
    --------
    >>> base = pd.DataFrame({"group": ["skole", "ppr"], "target": ["ppr", "skole"], "n": [8, 7],
    ...                      "mean": [3.6, 4.2], "suppressed": [False, False]})
    >>> svg = change_network_svg(baseline=base, followup=base.assign(mean=[4.1, 4.0]), instrument=inst)
    >>> arrows = {t: svg.split(f'data-tie="{t}"')[1].split("</g>")[0] for t in ("skole->ppr", "ppr->skole")}
    >>> {t: "stroke-dasharray" in a for t, a in arrows.items()}  # the decrease dashed
    {'skole->ppr': False, 'ppr->skole': True}
    """
    comparison = data
    check_figure(language, min_n)
    inst = default_instrument(instrument)
    g = network.change_graph(baseline, followup, comparison, alpha=alpha, p=p, instrument=inst)
    px = _positions(g, pos, inst)
    c, edges = Canvas(WIDTH, HEIGHT), Canvas(WIDTH, HEIGHT)
    (left, right, top, bottom), _ = _frame()
    lim = float(limit if limit is not None else CHANGE_LIMIT)
    norm, cmap = mpl.colors.Normalize(-lim, lim), mpl.colormaps[DIVERGING_CMAP]

    def colour(v):
        return mpl.colors.to_hex(cmap(norm(v)))

    radius = _nodes(c, g, px, language, inst, min_n, n_max)
    stars = []
    for a, b, d in g.edges(data=True):
        tie = f' data-{{}}="{a}->{b}"'
        if d["suppressed"] or math.isnan(d["diff"]):
            _suppressed(edges, px[a][0], px[b][0], tie.format("suppressed"))
            continue
        width = 0.5 + 3.5 * min(abs(d["diff"]) / lim, 1.0)
        _arc(edges, px[a][0], px[b][0], radius[a], radius[b], colour(d["diff"]), width,
             "-" if d["diff"] >= 0 else "--", tie.format("tie"))
        if d["significant"]:
            (x0, y0), (x2, y2) = px[a][0], px[b][0]
            stars.append(((x0 + x2) / 2 - RAD * (y2 - y0) / 2, (y0 + y2) / 2 + RAD * (x2 - x0) / 2))
    c.parts[:0] = edges.parts
    for x, y in stars:
        c.text(x, y, "*", size=15)
    # the colour bar: -lim at the bottom to +lim at the top
    x0, y_top, y_bottom = right - 14, top + 0.15 * (bottom - top), bottom - 0.15 * (bottom - top)
    stops = "".join(f'<stop offset="{i / 10:g}" stop-color="{colour(lim - 2 * lim * i / 10)}"/>' for i in range(11))
    c.parts.append(f'<linearGradient id="relkap-change-bar" x1="0" y1="0" x2="0" y2="1">{stops}</linearGradient>'
                   f'<rect x="{x0:.1f}" y="{y_top:.1f}" width="12" height="{y_bottom - y_top:.1f}" '
                   'fill="url(#relkap-change-bar)" stroke="#000000" stroke-width="0.8"/>')
    ticks, y_px = y_axis(-lim, lim, y_top, y_bottom)
    for t in ticks:
        c.line(x0 + 12, y_px(t), x0 + 15.5, y_px(t), width=0.8)
        c.text(x0 + 18, y_px(t), fmt.number(t, decimals_needed(t), language), anchor="start")
    c.text(x0 + 62, (y_top + y_bottom) / 2, words.text("figure.diff", language), rotate=-90)
    if title:
        c.text((left + right) / 2, top - 10, title, size=TITLE_FONT)
    entries = [(words.text("figure.increase", language), colour(lim * 0.8), 2.5, "-"),
               (words.text("figure.decrease", language), colour(-lim * 0.8), 2.5, "--"),
               (words.text("figure.suppressed_edge", language, min_n=min_n), "", 0, "suppressed")]
    if comparison is not None:
        entries.append((f"{words.text('figure.sig_marker', language)}, {p} < {fmt.number(alpha, 2, language)}",
                        "#000000", 0, "*"))
    _legend(c, words.text("figure.width_by_change", language) + "; " + words.text("figure.node_by_n", language),
            entries, bottom + 12)
    alt = alt_change_network(comparison, inst, language, min_n, p=p, alpha=alpha) if comparison is not None else ""
    return c.document(title, alt)
