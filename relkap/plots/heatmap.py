"""Heat maps of a kommune's ties and of their change, drawn with matplotlib (the report's figures).

Both draw :class:`~relkap.plots.cells.HeatmapCells`, the same cells the explorer's HTML tables show.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle
from matplotlib.transforms import blended_transform_factory

from .. import words
from ..config import ALPHA, MIN_N
from ..instrument import Instrument
from ..labels import band_label
from ..style import SUPPRESSED_COLOUR, text_colour
from ..words import Language
from .cells import HeatmapCells, change_cells, shared_parameters, tie_cells
from .common import MIN_FONT, axes_or_new, note, print_width, require_data, tick_formatter, wrap

__all__ = ["tie_heatmap", "change_heatmap", "draw_cells"]


def _cell_size(cells: HeatmapCells) -> tuple[float, float]:
    """At most the A4 text width (so the text prints at its size), cells about 0.55 inch."""
    return (print_width(3.0 + 0.55 * len(cells.cols)), 3.4 + 0.55 * len(cells.rows))


def draw_cells(cells: HeatmapCells, *, colorbar: bool = True, ax: Axes | None = None, **kwargs) -> Axes:
    """Draw prepared heat map cells (:func:`~relkap.plots.cells.tie_cells`, ``change_cells``) on ``ax``.

    Grey hatched cells are suppressed ("n<min_n", no value), white cells were not asked, the diagonal (a
    group rating its own group) is outlined; each scored cell prints its text in black or white, whichever
    reads on its colour. Targeted ties get a thick black frame and "◆" in the upper left corner. Text is at
    least :data:`~relkap.plots.common.MIN_FONT` points. ``kwargs`` go to
    :meth:`~matplotlib.axes.Axes.pcolormesh`.
    """
    ax = axes_or_new(ax, _cell_size(cells))
    mesh = ax.pcolormesh(np.ma.masked_invalid(cells.values), cmap=cells.cmap, norm=cells.norm,
                         **{"edgecolors": "white", "linewidth": 1.0, **kwargs})
    mesh.set_gid("cells")
    for i, j in zip(*np.nonzero(cells.suppressed), strict=True):
        ax.add_patch(Rectangle((j, i), 1, 1, facecolor=SUPPRESSED_COLOUR, edgecolor="white", hatch="///",
                               linewidth=1.0, gid="suppressed"))
        ax.text(j + 0.5, i + 0.5, cells.suppressed_text, ha="center", va="center", fontsize=MIN_FONT,
                color="black", gid="suppressed")
    for i, j in cells.scored():
        colour = text_colour(cells.cmap(cells.norm(cells.values[i, j])))
        if cells.small[i, j]:
            ax.text(j + 0.5, i + 0.46, cells.text[i, j], ha="center", va="center", fontsize=MIN_FONT + 1,
                    fontweight="bold", color=colour, gid="value")
            ax.text(j + 0.5, i + 0.8, cells.small[i, j], ha="center", va="center", fontsize=MIN_FONT,
                    color=colour, gid="n")
        else:
            ax.text(j + 0.5, i + 0.55, cells.text[i, j], ha="center", va="center", fontsize=MIN_FONT + 1,
                    color=colour, gid="value")
        if cells.star[i, j]:
            ax.text(j + 0.94, i + 0.04, "*", ha="right", va="top", fontsize=16, fontweight="bold", color=colour,
                    gid="significant")
    for i, g in enumerate(cells.rows):
        if g in cells.cols:  # the diagonal is kept but read separately
            ax.add_patch(Rectangle((cells.cols.index(g), i), 1, 1, fill=False, edgecolor="black", linewidth=2.4,
                                   linestyle=(0, (3, 1.5)), gid="diagonal"))
    if cells.targeted is not None:
        for i, j in zip(*np.nonzero(cells.targeted), strict=True):
            _mark_targeted(ax, i, j, cells)
    _frame(ax, cells)
    if colorbar:
        (_band_colorbar if cells.kind == "tie" else _change_colorbar)(ax, mesh, cells)
    ax.set_title(cells.title)
    note(ax, [cells.note], width=_note_width(ax))
    return ax


def _note_width(ax: Axes) -> float:
    """About the axes' width in inches: the figure less the row labels and the colour bar."""
    fig = ax.figure  # text sizes do not depend on the layout: measured before it runs (any canvas)
    labels = [t.get_window_extent().width for t in ax.get_yticklabels()]
    left = (max(labels, default=0.0) + ax.yaxis.label.get_window_extent().width) / fig.dpi
    return max(2.0, fig.get_figwidth() - left - 1.3)


def _mark_targeted(ax: Axes, i: int, j: int, cells: HeatmapCells) -> None:
    """A tie the kommune worked on: a thick black frame inside the cell and "◆" in its upper left corner."""
    ax.add_patch(Rectangle((j + 0.06, i + 0.06), 0.88, 0.88, fill=False, edgecolor="black", linewidth=3.0,
                           zorder=3, gid="targeted"))
    colour = "black" if np.isnan(cells.values[i, j]) else text_colour(cells.cmap(cells.norm(cells.values[i, j])))
    ax.text(j + 0.13, i + 0.1, words.text("briefing.targeted_mark", cells.language), ha="left", va="top",
            fontsize=MIN_FONT, color=colour, zorder=4, gid="targeted")


def _frame(ax: Axes, cells: HeatmapCells) -> None:
    """Axes limits, wrapped group labels, targets on top (read as "row rates column"), no spines.

    Column labels stand upright (rotated 90°), wrapped to at most two or three short lines, so long group
    names never run into their neighbours.
    """
    ax.set_xlim(0, len(cells.cols))
    ax.set_ylim(len(cells.rows), 0)
    ax.set_xticks(np.arange(len(cells.cols)) + 0.5, [wrap(c, 22) for c in cells.col_labels], rotation=90,
                  ha="center", va="bottom", rotation_mode="default")
    ax.set_yticks(np.arange(len(cells.rows)) + 0.5, [wrap(r, 24) for r in cells.row_labels])
    ax.set_xlabel(words.text("figure.target", cells.language))
    ax.set_ylabel(words.text("figure.rater", cells.language))
    # targets on top leaves the space below for the note
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_aspect("equal")


def _band_colorbar(ax: Axes, mesh, cells: HeatmapCells):
    """Colour bar on the instrument's scale with the band boundaries drawn and the bands named."""
    cbar = ax.figure.colorbar(mesh, ax=ax, fraction=0.046, pad=0.03)
    cbar.set_ticks(cells.ticks, labels=cells.tick_labels)
    for y in cells.edges:
        cbar.ax.axhline(y, color="black", linewidth=1.5, gid="band_boundary")
    lo, hi, b = cells.inst.scale.min, cells.inst.scale.max, cells.inst.bands
    spans = {"weak": (lo, b.weak_below), "moderate": (b.weak_below, b.strong_above), "strong": (b.strong_above, hi)}
    tr = blended_transform_factory(cbar.ax.transAxes, cbar.ax.transData)
    for band, (y0, y1) in spans.items():
        if y1 - y0 >= 0.9:  # the band's name fits at MIN_FONT (the note gives every band's range)
            mid = (y0 + y1) / 2
            cbar.ax.text(0.5, mid, band_label(band, cells.language), transform=tr, rotation=90, ha="center",
                         va="center", fontsize=MIN_FONT, color=text_colour(cells.cmap(cells.norm(mid))),
                         gid="band_name")
    cbar.set_label(cells.colour_label)
    return cbar


def _change_colorbar(ax: Axes, mesh, cells: HeatmapCells):
    """The fixed change scale; arrows at both ends: larger changes take the end colours."""
    cbar = ax.figure.colorbar(mesh, ax=ax, fraction=0.046, pad=0.03, extend="both")
    cbar.set_label(cells.colour_label)
    cbar.ax.axhline(0, color="black", linewidth=1)
    cbar.ax.yaxis.set_major_formatter(tick_formatter(cells.language))
    return cbar


@shared_parameters
def tie_heatmap(
    data: pd.DataFrame | None = None,
    *,
    value: str = "mean",
    min_n: int = MIN_N,
    language: Language = "da",
    instrument: Instrument | None = None,
    title: str | None = None,
    colorbar: bool = True,
    targeted=(),
    change: pd.DataFrame | None = None,
    ax: Axes | None = None,
    **kwargs,
) -> Axes:
    """Heat map of the directed ties of one kommune, wave and dimension: rows rate columns.

    Parameters
    ----------
    {ties as data}
    ax : Axes, optional
        Where to draw (default a new figure sized to the matrix).
    {shared}
    {change}
    {figure}

    Returns
    -------
    Axes

    Notes
    -----
    Colours run over the instrument's fixed scale (1-5, one colour family per band), never the data's range, so heat maps
    of two waves or kommuner compare by eye. The colour bar marks the band boundaries. Each scored cell
    prints the mean and its n; a suppressed cell is grey and hatched with "n<min_n" only; a cell that was
    not asked is white. The diagonal (a group rating its own group) is outlined. The cells are those of
    :func:`relkap.plots.tie_heatmap_html`.

    Examples
    --------
    >>> ties = pd.DataFrame({"group": ["skole", "skole", "ppr"], "target": ["skole", "ppr", "skole"],
    ...                      "n": [9, 8, 3], "mean": [4.4, 3.25, None], "suppressed": [False, False, True]})
    >>> ax = tie_heatmap(ties, language="en")
    >>> sorted(t.get_text() for t in ax.texts if t.get_gid() in ("value", "suppressed"))
    ['3.2', '4.4', 'n<5']
    """
    ties = require_data(data, "tie_heatmap")
    cells = tie_cells(ties, value=value, min_n=min_n, language=language, instrument=instrument, title=title,
                      targeted=targeted, change=change)
    return draw_cells(cells, colorbar=colorbar, ax=ax, **kwargs)


@shared_parameters
def change_heatmap(
    data: pd.DataFrame | None = None,
    *,
    value: str = "diff",
    p: str = "p_fdr",
    alpha: float = ALPHA,
    limit: float | None = None,
    min_n: int = MIN_N,
    language: Language = "da",
    instrument: Instrument | None = None,
    title: str | None = None,
    colorbar: bool = True,
    targeted=(),
    ax: Axes | None = None,
    **kwargs,
) -> Axes:
    """Heat map of the change per tie (follow-up minus baseline), "*" where significant after correction.

    Parameters
    ----------
    {comparison as data}
    ax : Axes, optional
        Where to draw (default a new figure sized to the matrix).
    {shared}
    {figure}

    Returns
    -------
    Axes

    Notes
    -----
    ``RdBu``: blue = higher at follow-up, red = lower, on one fixed scale for every kommune (``limit``,
    default ±1.0; the colour bar's arrows: larger changes take the end colour). Each cell prints the signed
    change; suppressed cells are grey and hatched with "n<min_n" only. The cells are those of :func:`relkap.plots.change_heatmap_html`.

    Examples
    --------
    >>> comp = pd.DataFrame({"group": ["skole", "ppr"], "target": ["ppr", "skole"], "diff": [0.6, -0.2],
    ...                      "p_fdr": [0.004, 0.3], "suppressed": [False, False]})
    >>> ax = change_heatmap(comp)
    >>> sorted(t.get_text() for t in ax.texts if t.get_gid() in ("value", "significant"))
    ['*', '+0,60', '−0,20']
    """
    comparison = require_data(data, "change_heatmap")
    cells = change_cells(comparison, value=value, p=p, alpha=alpha, limit=limit, min_n=min_n, language=language,
                         instrument=instrument, title=title, targeted=targeted)
    return draw_cells(cells, colorbar=colorbar, ax=ax, **kwargs)
