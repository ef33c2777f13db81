"""One kommune among all kommuner: its ties against their distribution (:mod:`relkap.benchmark`)."""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .. import words
from ..config import MIN_N
from ..instrument import Instrument
from ..labels import default_instrument
from ..words import Language
from .common import (
    MIN_FONT,
    OWN_COLOUR,
    axes_or_new,
    check_benchmark,
    print_width,
    require_data,
    tick_formatter,
    tie_labels,
)

__all__ = ["benchmark_plot"]


def benchmark_plot(
    data: pd.DataFrame | None = None,
    *,
    change: bool = False,
    min_n: int = MIN_N,
    language: Language = "da",
    instrument: Instrument | None = None,
    title: str = "",
    ax: Axes | None = None,
    **kwargs,
) -> Axes:
    """One kommune's ties (red dots) against their distribution over all kommuner (boxes), one row a tie.

    Parameters
    ----------
    data : DataFrame
        One row per tie, in the order drawn top to bottom: ``group, target, n_kommuner`` and the 5, 25, 50,
        75 and 95% quantiles over the kommuner with a reportable value (``p5, q25, median, q75, p95``), this
        kommune's ``value`` (NaN when suppressed) and ``share_below`` (see
        :meth:`relkap.explore.ExplorerData.benchmark`). No other kommune is named.
    ax : Axes, optional
        Where to draw (default a new figure, taller with more ties).
    change : bool
        The values are changes (follow-up minus baseline): a line marks 0.
    min_n, language, instrument
        As for :func:`relkap.plots.tie_heatmap`.
    title : str
        Above the axes (default none).
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.scatter` of this kommune's dots.

    Returns
    -------
    Axes

    Notes
    -----
    Box = quartiles, line = 5-95%, vertical mark = median. Drawn as collections rather than ``boxplot``
    (90 ties make 90 box artists). A suppressed value prints "n<min_n" instead of a dot. The same rows as
    :func:`relkap.plots.benchmark_html`.

    Examples
    --------
    >>> bench = pd.DataFrame({"group": ["skole", "ppr"], "target": ["ppr", "skole"], "n_kommuner": [10, 10],
    ...     "p5": [3.1, 3.0], "q25": [3.4, 3.3], "median": [3.6, 3.5], "q75": [3.9, 3.8], "p95": [4.3, 4.1],
    ...     "value": [3.95, float("nan")], "share_below": [0.8, float("nan")]})
    >>> ax = benchmark_plot(bench, language="en")
    >>> [t.get_text() for t in ax.get_yticklabels()], [t.get_text() for t in ax.texts]
    (['Schools → Educational psychology (PPR)', 'Educational psychology (PPR) → Schools'], ['n<5 '])
    """
    bench = require_data(data, "benchmark_plot")
    check_benchmark(bench, min_n, language)
    inst = default_instrument(instrument)
    ax = axes_or_new(ax, (print_width(8.5), 2 + 0.22 * len(bench)))
    ax.set_title(title, fontsize=MIN_FONT + 1)
    if bench.empty:
        ax.set_axis_off()
        return ax
    ys = np.arange(len(bench))[::-1].astype(float)
    ax.hlines(ys, bench["p5"], bench["p95"], color="0.45", linewidth=1, gid="whiskers")
    boxes = [[(q1, y - 0.3), (q3, y - 0.3), (q3, y + 0.3), (q1, y + 0.3)]
             for q1, q3, y in zip(bench["q25"], bench["q75"], ys, strict=True)]
    ax.add_collection(mpl.collections.PolyCollection(boxes, facecolor="0.85", edgecolor="0.45", linewidth=0.6,
                                                     gid="boxes"))
    ax.scatter(bench["median"], ys, marker="|", s=60, color="0.15", linewidths=1.5, gid="median")
    mine = bench["value"].to_numpy(dtype=float)
    ax.scatter(mine, ys, **{"color": OWN_COLOUR, "s": 22, "zorder": 3, "gid": "own", **kwargs})
    x0 = float(np.nanmin(bench["p5"]))
    for y in ys[np.isnan(mine)]:
        ax.text(x0, y, words.text("figure.suppressed", language, min_n=min_n) + " ", va="center", ha="right", fontsize=MIN_FONT, color="0.4", gid="suppressed")
    if change:
        ax.axvline(0, color="black", linewidth=0.8, zorder=0)
    ax.set_yticks(ys, tie_labels(bench, language, inst), fontsize=MIN_FONT)
    ax.set_ylim(-0.7, len(bench) - 0.3)
    ax.xaxis.set_major_formatter(tick_formatter(language))
    ax.set_xlabel(words.text("figure.bench_x_change" if change else "figure.bench_x", language) + " ("
                  + words.text("figure.bench_key", language) + ")", fontsize=MIN_FONT, wrap=True)
    return ax
