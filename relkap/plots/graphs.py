"""Networks of a kommune's groups: the ties of one wave, and their change, on shared node positions.

The graphs and their positions come from :mod:`relkap.network` (statistics); this module only draws them.
An arrow A -> B is T(A->B), how group A experiences B's collaboration with A.
"""

from __future__ import annotations

import math

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import ConnectionStyle, FancyArrowPatch
from matplotlib.path import Path as MplPath

from .. import fmt, network, words
from ..config import ALPHA, MIN_N
from ..instrument import Instrument
from ..labels import band_label, default_instrument, label
from ..style import BAND_COLOURS, BAND_LINESTYLES, BANDS, DIVERGING_CMAP
from ..words import Language
from .common import (
    A4_TEXT_WIDTH,
    CHANGE_LIMIT,
    MIN_FONT,
    axes_or_new,
    check_figure,
    default_title,
    node_areas,
    require_data,
    tick_formatter,
    wrap,
)

__all__ = ["network_diagram", "change_network"]


def _draw_nodes(ax: Axes, g, pos, language: Language, inst: Instrument, min_n: int,
                n_max: float | None = None, **kwargs) -> dict:
    """Circles sized by n (area), labelled outside the circle; returns each node's radius in points.

    The n printed in a circle is "<min_n" for a group below the threshold, as on the heat map.
    """
    nodes, ns, sizes = node_areas(g, pos, n_max)
    xy = np.array([pos[v] for v in nodes], dtype=float).reshape(-1, 2)
    coll = ax.scatter(xy[:, 0], xy[:, 1], s=sizes,
                      **{"facecolor": "#F2F2F2", "edgecolor": "black", "linewidth": 1.2, "zorder": 3, **kwargs})
    coll.set_gid("nodes")
    for v, (x, y), n in zip(nodes, xy, ns, strict=True):
        r = math.hypot(x, y)
        ux, uy = (x / r, y / r) if r > 1e-9 else (0.0, 1.0)
        ha = "center" if abs(ux) < 0.3 else ("left" if ux > 0 else "right")
        va = "center" if abs(uy) < 0.3 else ("bottom" if uy > 0 else "top")
        name = wrap(label(v, language, inst), 18)
        ax.annotate(name, xy=(x, y), xytext=(ux * 24, uy * 24), textcoords="offset points", ha=ha, va=va,
                    fontsize=MIN_FONT, zorder=4, gid="node_label")
        if n:
            ax.text(x, y, fmt.count(n, min_n, language), ha="center", va="center", fontsize=MIN_FONT, zorder=4, gid="node_n")
    ax.set_xlim(-1.6, 1.6)
    ax.set_ylim(-1.45, 1.45)
    ax.set_aspect("equal")
    ax.axis("off")
    return {v: math.sqrt(s) / 2 for v, s in zip(nodes, sizes, strict=True)}


# square, a little narrower than the A4 text width: node labels stand outside the axes
_NETWORK_SIZE = (0.94 * A4_TEXT_WIDTH, 0.94 * A4_TEXT_WIDTH)
_RAD = 0.15  # arc bend, so A->B and B->A do not lie on top of each other


class _ArcBetweenNodes(ConnectionStyle.Arc3):
    """matplotlib's ``arc3`` curve, cut back at each end by the node's radius without a search.

    The stock connection finds where the curve leaves a node by bisecting the Bezier curve (~1.5 ms an
    arrow, most of a network's drawing time). Here the cut is at the parameter t = shrink / length (length
    estimated from chord and control polygon, exact for a straight line, within ~1% at ``_RAD``), and the
    piece between the cuts is again a quadratic Bezier curve (its control point is the blossom b(t0, t1)).
    """

    def __call__(self, posA, posB, shrinkA=2.0, shrinkB=2.0, patchA=None, patchB=None):
        p0, c, p2 = np.asarray(self.connect(posA, posB).vertices, dtype=float)
        length = (2 * math.dist(p0, p2) + math.dist(p0, c) + math.dist(c, p2)) / 3
        t0, t1 = shrinkA / length, 1 - shrinkB / length
        if length == 0 or t0 >= t1:  # the circles touch: an arrow of no length
            t0 = t1 = 0.5

        def blossom(u, v):
            return (1 - u) * (1 - v) * p0 + ((1 - u) * v + u * (1 - v)) * c + u * v * p2

        return MplPath([blossom(t0, t0), blossom(t0, t1), blossom(t1, t1)],
                       [MplPath.MOVETO, MplPath.CURVE3, MplPath.CURVE3])


def _arrow(ax, a, b, pos, radius, targeted: bool = False, **kw) -> FancyArrowPatch:
    """An arc from node a to node b; a ``targeted`` tie is drawn as a double line (black outline, white
    gap, the tie's own line inside: readable in black and white) with "◆" a third of the way along."""
    lw = kw.pop("linewidth")
    if targeted:
        kw["path_effects"] = [patheffects.Stroke(linewidth=lw + 5, foreground="black"),
                              patheffects.Stroke(linewidth=lw + 2.5, foreground="white"), patheffects.Normal()]
        ax.text(*_arc_point(pos[a], pos[b], 0.3), "◆", ha="center", va="center", fontsize=MIN_FONT + 1, zorder=5,
                gid="targeted")
    arrow = FancyArrowPatch(
        posA=tuple(pos[a]), posB=tuple(pos[b]), arrowstyle="-|>", mutation_scale=8 + 1.5 * lw,
        connectionstyle=_ArcBetweenNodes(rad=_RAD), shrinkA=radius[a] + 1, shrinkB=radius[b] + 2,
        linewidth=lw, zorder=2, **kw)
    # add_artist, not add_patch: the axes limits are fixed by the nodes, and add_patch would compute
    # the arrow's path once more only to update them
    ax.add_artist(arrow)
    return arrow


def _suppressed_line(ax, a, b, pos) -> None:
    (x0, y0), (x1, y1) = pos[a], pos[b]
    ax.add_line(Line2D([x0, x1], [y0, y1], color="0.7", linewidth=0.8, linestyle=(0, (1, 3)), zorder=1,
                       gid="suppressed"))


def _arc_point(p0, p1, t: float) -> tuple[float, float]:
    """The point at parameter ``t`` of the arc from p0 to p1 (quadratic Bezier of matplotlib's arc3)."""
    (x0, y0), (x1, y1) = p0, p1
    cx, cy = (x0 + x1) / 2 + _RAD * (y1 - y0), (y0 + y1) / 2 - _RAD * (x1 - x0)
    u = 1 - t
    return u * u * x0 + 2 * t * u * cx + t * t * x1, u * u * y0 + 2 * t * u * cy + t * t * y1


def _targeted_handle(language: Language) -> Line2D:
    return Line2D([], [], color="0.5", linewidth=2.0, label=words.text("briefing.figure.targeted_edge", language),
                  path_effects=[patheffects.Stroke(linewidth=7, foreground="black"),
                                patheffects.Stroke(linewidth=4.5, foreground="white"), patheffects.Normal()])


def _arc_midpoint(p0, p1) -> tuple[float, float]:
    (x0, y0), (x1, y1) = p0, p1
    dx, dy = x1 - x0, y1 - y0
    # quadratic Bezier of matplotlib's arc3: control point at the midpoint + rad * (dy, -dx)
    return (x0 + x1) / 2 + _RAD * dy / 2, (y0 + y1) / 2 - _RAD * dx / 2


def network_diagram(
    data: pd.DataFrame | None = None,
    *,
    pos: dict | None = None,
    group_sizes=None,
    min_n: int = MIN_N,
    n_max: float | None = None,
    language: Language = "da",
    instrument: Instrument | None = None,
    title: str | None = None,
    legend: bool = True,
    targeted=(),
    ax: Axes | None = None,
    **kwargs,
) -> Axes:
    """The directed ties of one kommune, wave and dimension as a network of groups.

    Parameters
    ----------
    data : DataFrame
        A :func:`relkap.scoring.tie_scores` table for one kommune, wave and dimension.
    pos : dict, optional
        Group -> (x, y) from :func:`relkap.network.layout`; compute it once per kommune from both waves
        and pass it to every view so groups keep their place. Default: the layout of these ties.
    group_sizes : mapping, optional
        Raters per group for the node size (default: the largest tie n of the group as rater).
    n_max : float, optional
        The n drawn as the largest circle; pass the same value to both waves.
    min_n, language, instrument, title
        As for :func:`relkap.plots.tie_heatmap`; a node's n below ``min_n`` prints as "<min_n".
    legend : bool
        Explain bands, line widths, circle sizes and suppressed ties below the network.
    targeted : list of (str, str), optional
        Ties the kommune worked on: drawn as a double line with "◆" (black-and-white safe), in the legend.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.scatter` of the nodes (e.g. ``facecolor``).

    Returns
    -------
    Axes

    Notes
    -----
    An arrow A -> B is T(A->B), how A experiences B's collaboration. Width grows with the mean
    (quadratically on the fixed scale, ``0.3 + 3.2 ((mean - min) / (max - min))^2``); colour and line style
    give the band (solid strong, dashed moderate, dotted weak), so a greyscale print keeps it. Circle area
    grows with n (printed inside). Suppressed ties are faint dotted lines without an arrow; within-group
    ties are not drawn (they are outlined on the heat map).

    Examples
    --------
    >>> ties = pd.DataFrame({"group": ["skole", "ppr", "skole"], "target": ["ppr", "skole", "skole"],
    ...                      "n": [8, 3, 9], "mean": [4.3, None, 4.5], "suppressed": [False, True, False]})
    >>> ax = network_diagram(ties, legend=False)
    >>> [p.get_gid() for p in ax.patches], [t.get_text() for t in ax.texts if t.get_gid() == "node_n"]
    (['tie:skole->ppr'], ['9', '<5'])
    """
    ties = require_data(data, "network_diagram")
    check_figure(language, min_n)
    inst = default_instrument(instrument)
    g = network.tie_graph(ties, group_sizes, instrument=inst)
    pos = pos if pos is not None else network.layout(g.nodes, instrument=inst)
    ax = axes_or_new(ax, _NETWORK_SIZE)
    radius = _draw_nodes(ax, g, pos, language, inst, min_n, n_max, **kwargs)
    lo, hi = inst.scale.min, inst.scale.max
    marked = {(str(a), str(b)) for a, b in targeted or ()}
    for a, b, d in g.edges(data=True):
        if d["suppressed"] or math.isnan(d["mean"]):
            _suppressed_line(ax, a, b, pos)
            continue
        band = d["band"] if d["band"] in BANDS else "moderate"
        # quadratic on the fixed scale: means cluster between 3 and 4.5, where a linear width hardly varies
        width = 0.3 + 3.2 * ((d["mean"] - lo) / (hi - lo)) ** 2
        _arrow(ax, a, b, pos, radius, (str(a), str(b)) in marked, color=BAND_COLOURS[band],
               linestyle=BAND_LINESTYLES[band], linewidth=width, gid=f"tie:{a}->{b}")
    ax.set_title(title if title is not None else default_title(ties, language, inst))
    if legend:
        b = inst.bands
        ranges = {"weak": f"< {fmt.number(b.weak_below, 1, language)}",
                  "moderate": f"{fmt.number(b.weak_below, 1, language)}–{fmt.number(b.strong_above, 1, language)}",
                  "strong": f"> {fmt.number(b.strong_above, 1, language)}"}
        handles = [Line2D([], [], color=BAND_COLOURS[k], linestyle=BAND_LINESTYLES[k], linewidth=2.5,
                          label=f"{band_label(k, language)} ({ranges[k]})") for k in BANDS]
        handles.append(Line2D([], [], color="0.7", linestyle=(0, (1, 3)),
                              label=words.text("figure.suppressed_edge", language, min_n=min_n)))
        if marked:
            handles.append(_targeted_handle(language))
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, fontsize=MIN_FONT,
                  frameon=False, title=words.text("figure.width_by_mean", language) + "; " + words.text("figure.node_by_n", language),
                  title_fontsize=MIN_FONT)
    return ax


def change_network(
    data: pd.DataFrame | None = None,
    *,
    baseline: pd.DataFrame,
    followup: pd.DataFrame,
    pos: dict | None = None,
    p: str = "p_fdr",
    alpha: float = ALPHA,
    limit: float | None = None,
    min_n: int = MIN_N,
    n_max: float | None = None,
    language: Language = "da",
    instrument: Instrument | None = None,
    title: str | None = None,
    legend: bool = True,
    targeted=(),
    ax: Axes | None = None,
    **kwargs,
) -> Axes:
    """The change per tie (follow-up minus baseline) as a network, on the same positions as the waves.

    Parameters
    ----------
    data : DataFrame, optional
        The comparison, :func:`relkap.change.compare_waves` by ``group, target``: the tested ``diff`` and
        ``p``; a tie with ``p`` < ``alpha`` gets "*" at the middle of its arrow.
    baseline, followup : DataFrame
        :func:`relkap.scoring.tie_scores` tables of the two waves (one kommune and dimension), keyword-only.
    pos : dict, optional
        From :func:`relkap.network.layout` (default: the layout of both waves).
    p, alpha : str, float
        The significance column of ``comparison`` and its threshold.
    limit : float, optional
        Half-width of the colour scale, as for :func:`relkap.plots.change_heatmap` (default ±1.0 for every
        kommune).
    min_n, n_max, language, instrument, title, legend, targeted, **kwargs
        As for :func:`network_diagram`.

    Returns
    -------
    Axes

    Notes
    -----
    Colour on ``RdBu`` centred at 0 (blue = increase, red = decrease) as :func:`relkap.plots.change_heatmap`,
    width by the size of the change (``0.5 + 3.5 min(|diff| / limit, 1)``), solid for an increase and
    dashed for a decrease (for greyscale). Ties suppressed in either wave are faint dotted lines without an
    arrow. The change itself comes from :func:`relkap.network.change_graph`.

    Examples
    --------
    >>> base = pd.DataFrame({"group": ["skole", "ppr"], "target": ["ppr", "skole"], "n": [8, 7],
    ...                      "mean": [3.6, 4.2], "suppressed": [False, False]})
    >>> ax = change_network(baseline=base, followup=base.assign(mean=[4.1, 4.0]), legend=False)
    >>> sorted((p.get_gid(), p.get_linestyle()) for p in ax.patches)
    [('tie:ppr->skole', '--'), ('tie:skole->ppr', '-')]
    """
    comparison = data
    check_figure(language, min_n)
    inst = default_instrument(instrument)
    g = network.change_graph(baseline, followup, comparison, alpha=alpha, p=p, instrument=inst)
    pos = pos if pos is not None else network.layout(g.nodes, instrument=inst)
    ax = axes_or_new(ax, _NETWORK_SIZE)
    radius = _draw_nodes(ax, g, pos, language, inst, min_n, n_max, **kwargs)
    lim = float(limit if limit is not None else CHANGE_LIMIT)
    marked = {(str(a), str(b)) for a, b in targeted or ()}
    norm = mpl.colors.Normalize(-lim, lim)
    cmap = mpl.colormaps[DIVERGING_CMAP]
    for a, b, d in g.edges(data=True):
        if d["suppressed"] or math.isnan(d["diff"]):
            _suppressed_line(ax, a, b, pos)
            continue
        width = 0.5 + 3.5 * min(abs(d["diff"]) / lim, 1.0)
        _arrow(ax, a, b, pos, radius, (str(a), str(b)) in marked, color=cmap(norm(d["diff"])),
               linestyle="-" if d["diff"] >= 0 else "--", linewidth=width, gid=f"tie:{a}->{b}")
        if d["significant"]:
            ax.text(*_arc_midpoint(pos[a], pos[b]), "*", ha="center", va="center", fontsize=15,
                    fontweight="bold", zorder=5, gid="significant")
    sm = mpl.cm.ScalarMappable(norm=norm, cmap=cmap)
    cbar = ax.figure.colorbar(sm, ax=ax, fraction=0.035, pad=0.02, shrink=0.7, extend="both")
    cbar.set_label(words.text("figure.diff", language))
    cbar.ax.yaxis.set_major_formatter(tick_formatter(language))
    default = default_title(followup, language, inst, words.text("figure.diff", language))
    ax.set_title(title if title is not None else default)
    if legend:
        handles = [Line2D([], [], color=cmap(norm(lim * 0.8)), linestyle="-", linewidth=2.5,
                          label=words.text("figure.increase", language)),
                   Line2D([], [], color=cmap(norm(-lim * 0.8)), linestyle="--", linewidth=2.5,
                          label=words.text("figure.decrease", language)),
                   Line2D([], [], color="0.7", linestyle=(0, (1, 3)),
                          label=words.text("figure.suppressed_edge", language, min_n=min_n))]
        if comparison is not None:
            handles.append(Line2D([], [], linestyle="", marker="$*$", markersize=9, color="black",
                                  label=f"{words.text('figure.sig_marker', language)}, {p} < {fmt.number(alpha, 2, language)}"))
        if marked:
            handles.append(_targeted_handle(language))
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, fontsize=MIN_FONT,
                  frameon=False, title=words.text("figure.width_by_change", language) + "; " + words.text("figure.node_by_n", language),
                  title_fontsize=MIN_FONT)
    return ax

