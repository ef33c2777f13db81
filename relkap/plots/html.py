"""The explorer's views as HTML tables: tie and change heat maps, and the benchmark among all kommuner.

A browser lays out a 10 x 10 table in a few milliseconds; matplotlib takes ~150 ms to build and serialise
the same heat map, too slow for an interactive control. The heat maps render the same
:class:`~relkap.plots.cells.HeatmapCells` as the matplotlib figures (same colours, numbers and
suppression); colour bars are CSS gradients.
"""

from __future__ import annotations

import hashlib
import html
import math

import matplotlib as mpl
import numpy as np
import pandas as pd

from .. import fmt, words
from ..config import ALPHA, MIN_N
from ..instrument import Instrument
from ..labels import default_instrument
from ..style import MISSING_COLOUR, SUPPRESSED_COLOUR, text_colour
from ..words import Language
from .cells import HeatmapCells, change_cells, shared_parameters, tie_cells
from .common import OWN_COLOUR, check_benchmark, decimals_needed, tie_labels

__all__ = ["tie_heatmap_html", "change_heatmap_html", "benchmark_html", "cells_html"]

_STYLE = (
    "<style>"
    ".relkap-heatmap{border-collapse:separate;border-spacing:2px;font-family:sans-serif;font-size:12px;"
    "line-height:1.2}"
    ".relkap-heatmap caption{font-weight:bold;font-size:14px;text-align:left;padding:4px 0}"
    ".relkap-heatmap th{font-weight:normal;padding:2px 4px}"
    ".relkap-heatmap thead th{vertical-align:bottom;font-size:11px;color:#404040}"
    ".relkap-heatmap thead th.col{text-align:center;width:76px;overflow-wrap:normal;color:black}"
    ".relkap-heatmap tbody th{text-align:right;white-space:nowrap}"
    # the row labels stay in view while a narrow screen scrolls the cells (sticky first column)
    ".relkap-heatmap tbody th,.relkap-heatmap thead th:first-child{position:sticky;left:0;z-index:1;"
    "background:white}"
    ".relkap-heatmap td{min-width:70px;height:42px;text-align:center;line-height:1.15;padding:0;"
    "border:1.5px solid transparent}"
    ".relkap-heatmap td.value b{font-size:13px}"
    ".relkap-heatmap td small{font-size:10px}"
    ".relkap-heatmap td.suppressed{color:black;background:repeating-linear-gradient(45deg,"
    + SUPPRESSED_COLOUR + " 0 5px,#bdbdbd 5px 6px)}"
    ".relkap-heatmap td.diagonal{border:2.5px dashed black}"
    ".relkap-heatmap td.targeted{outline:3px solid black;outline-offset:-5px}"
    ".relkap-heatmap td .mark{font-size:11px;float:left;margin:2px 0 0 6px}"
    ".relkap-heatmap td sup{font-weight:bold;font-size:16px;line-height:0}"
    ".relkap-benchmark td{height:auto;min-width:0;padding:0 6px}"
    ".relkap-benchmark tbody th{font-size:11px}"
    ".relkap-benchmark thead th{text-align:center}"
    ".relkap-legend{font-family:sans-serif;font-size:11px;color:#404040;margin:6px 0 0 4px;line-height:1.3}"
    ".relkap-legend .bar{display:block;position:relative;width:400px;height:12px;margin:3px 10px 18px 10px}"
    ".relkap-legend .tick{position:absolute;top:14px;font-size:10px;transform:translateX(-50%)}"
    ".relkap-legend .edge{position:absolute;top:-2px;width:2px;height:16px;background:black;"
    "transform:translateX(-1px)}"
    "</style>"
)


def _caption(title: str) -> str:
    """The table's title (lines split at "\\n"); none for an empty title."""
    return f"<caption>{html.escape(title).replace(chr(10), '<br>')}</caption>" if title else ""


def _hex(rgba) -> str:
    return mpl.colors.to_hex(rgba, keep_alpha=False)


def _legend(cells: HeatmapCells) -> str:
    """The colour bar as a CSS gradient: ticks labelled below, edges (band boundaries, 0) as black lines."""
    lo, hi = cells.norm.vmin, cells.norm.vmax
    # hard stops at the edges (band boundaries), so the bar shows the jumps the cells show
    points = sorted({lo + (hi - lo) * k / 8 for k in range(9)} | {e for e in cells.edges if lo < e < hi})
    stops = []
    for x in points:
        pos = f"{100 * (x - lo) / (hi - lo):.2f}%"
        if x in cells.edges:
            stops += [f"{_hex(cells.cmap(cells.norm(x - 1e-4)))} {pos}", f"{_hex(cells.cmap(cells.norm(x + 1e-4)))} {pos}"]
        else:
            stops.append(f"{_hex(cells.cmap(cells.norm(x)))} {pos}")
    stops = ",".join(stops)

    def at(x: float) -> str:
        return f"left:{100 * (x - lo) / (hi - lo):.1f}%"

    marks = "".join(f"<span class='edge' style='{at(e)}'></span>" for e in cells.edges)
    marks += "".join(f"<span class='tick' style='{at(t)}'>{s}</span>"
                     for t, s in zip(cells.ticks, cells.tick_labels, strict=True))
    return (f"<div class='relkap-legend'>{html.escape(cells.colour_label)}<span class='bar' "
            f"style='background:linear-gradient(to right,{stops})'>{marks}</span></div>")


def cells_html(cells: HeatmapCells, summary: str = "") -> str:
    """Prepared heat map cells as an HTML table with its colour bar and note (the explorer's heat map).

    A scored cell has class ``value`` and the colour of the matplotlib figure, a suppressed cell class
    ``suppressed`` (grey hatch, "n<min_n"), the diagonal class ``diagonal``, a targeted tie class
    ``targeted`` (thick black frame and "◆", as in the figure); ``title`` is the hover text. A ``summary``
    (the figure's alt text, :mod:`relkap.plots.alt`) is the table's description for screen readers
    (``aria-describedby`` a hidden paragraph): shown to no one, never printed.
    """
    lang = cells.language
    # the label in a span: print turns it upright (the export's print stylesheet), so ten groups fit on A4
    head = "".join(f"<th class='col' scope='col'><span>{html.escape(c)}</span></th>" for c in cells.col_labels)
    described = ""
    if summary:
        # an id from the content: the same page twice is the same file (warm and fresh kernels agree)
        key = hashlib.sha256(f"{cells.title}\n{summary}".encode()).hexdigest()[:12]
        described = f" aria-describedby='relkap-heatmap-{key}'"
    out = [_STYLE, f"<table class='relkap-heatmap'{described}>", _caption(cells.title),
           f"<thead><tr><th>{html.escape(words.text('figure.rater', lang))} ↓ · "
           f"{html.escape(words.text('figure.target', lang))} →</th>{head}</tr></thead><tbody>"]
    for i, (r, name) in enumerate(zip(cells.rows, cells.row_labels, strict=True)):
        out.append(f"<tr><th scope='row'>{html.escape(name)}</th>")
        for j, c in enumerate(cells.cols):
            classes = ["diagonal"] if r == c else []
            style = f" style='background:{MISSING_COLOUR}'"
            body = ""
            if cells.suppressed[i, j]:
                classes.append("suppressed")
                body, style = html.escape(cells.suppressed_text), ""
            elif cells.present[i, j] and not math.isnan(cells.values[i, j]):
                classes.append("value")
                colour = cells.cmap(cells.norm(cells.values[i, j]))
                style = f" style='background:{_hex(colour)};color:{text_colour(colour)}'"
                body = (f"<b>{cells.text[i, j]}</b><br><small>{cells.small[i, j]}</small>" if cells.small[i, j]
                        else cells.text[i, j] + ("<sup>*</sup>" if cells.star[i, j] else ""))
            if cells.targeted is not None and cells.targeted[i, j]:
                classes.append("targeted")
                mark = html.escape(words.text("briefing.targeted_mark", lang))
                body = f"<span class='mark'>{mark}</span>" + body
            tip = cells.tip[i, j] or f"{name} → {cells.col_labels[j]}"
            out.append(f"<td class='{' '.join(classes)}'{style} title='{html.escape(tip, quote=True)}'>"
                       f"{body}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    if summary:
        out.append(f"<p id='relkap-heatmap-{key}' hidden>{html.escape(summary)}</p>")
    out.append(_legend(cells))
    out.append(f"<div class='relkap-legend'>{html.escape(cells.note)}</div>")
    return "".join(out)


@shared_parameters
def tie_heatmap_html(
    ties: pd.DataFrame,
    *,
    value: str = "mean",
    min_n: int = MIN_N,
    language: Language = "da",
    instrument: Instrument | None = None,
    title: str | None = None,
    targeted=(),
    change: pd.DataFrame | None = None,
    summary: str = "",
) -> str:
    """:func:`~relkap.plots.tie_heatmap` as an HTML table (the explorer's and the report's): the same cells and colours.

    Parameters
    ----------
    {ties}
    {shared}
    {change}
    summary : str, optional
        What the table shows in a sentence or two (:func:`relkap.plots.alt.alt_tie_heatmap`): its
        description for screen readers, shown to no one else and never printed.

    Returns
    -------
    str
        The table (mean and n per scored cell; hover: the tie, mean, n and CI), the colour bar with the
        band boundaries, and the note on grey, white and outlined cells.

    Examples
    --------
    >>> ties = pd.DataFrame({"group": ["skole", "ppr"], "target": ["ppr", "skole"], "n": [8, 3],
    ...                      "mean": [4.25, None], "suppressed": [False, True]})
    >>> page = tie_heatmap_html(ties, language="en")
    >>> "<b>4.2</b><br><small>n=8</small>" in page, ">n<5</td>" in page.replace("&lt;", "<")
    (True, True)
    """
    return cells_html(tie_cells(ties, value=value, min_n=min_n, language=language, instrument=instrument,
                                title=title, targeted=targeted, change=change), summary)


@shared_parameters
def change_heatmap_html(
    comparison: pd.DataFrame,
    *,
    value: str = "diff",
    p: str = "p_fdr",
    alpha: float = ALPHA,
    limit: float | None = None,
    min_n: int = MIN_N,
    language: Language = "da",
    instrument: Instrument | None = None,
    title: str | None = None,
    targeted=(),
    summary: str = "",
) -> str:
    """:func:`~relkap.plots.change_heatmap` as an HTML table: signed change, "*" when ``p`` < ``alpha``.

    Parameters
    ----------
    {comparison}
    {shared}
    summary : str, optional
        As for :func:`tie_heatmap_html` (:func:`relkap.plots.alt.alt_change_heatmap`).

    Returns
    -------
    str
        The table (hover: the tie, the change, its CI and ``p``), the colour bar and the note.

    Examples
    --------
    >>> comp = pd.DataFrame({"group": ["skole", "ppr"], "target": ["ppr", "skole"], "diff": [0.6, -0.2],
    ...                      "p_fdr": [0.004, 0.3], "suppressed": [False, False]})
    >>> page = change_heatmap_html(comp)
    >>> "+0,60<sup>*</sup>" in page, "p_fdr = 0,004" in page
    (True, True)
    """
    return cells_html(change_cells(comparison, value=value, p=p, alpha=alpha, limit=limit, min_n=min_n,
                                   language=language, instrument=instrument, title=title, targeted=targeted),
                      summary)


def benchmark_html(
    bench: pd.DataFrame,
    *,
    change: bool = False,
    min_n: int = MIN_N,
    language: Language = "da",
    instrument: Instrument | None = None,
    title: str = "",
) -> str:
    """:func:`~relkap.plots.benchmark_plot` as an HTML table (for the explorer).

    Parameters
    ----------
    bench : DataFrame
        One row per tie with :data:`~relkap.plots.common.BENCHMARK_COLUMNS` (see
        :func:`~relkap.plots.benchmark_plot`). No other kommune is named.
    change : bool
        The values are changes: a line marks 0, values are signed with 2 decimals (else 1).
    min_n, language, instrument, title
        As for :func:`~relkap.plots.benchmark_plot`.

    Returns
    -------
    str
        Per tie: a box on a shared axis (quartiles, 5-95% line, median, this kommune as a red dot), this
        kommune's value ("n<min_n" when suppressed), the kommuner's median and the share of kommuner below
        this kommune; hover gives the number of kommuner and the 5-95% range.

    Examples
    --------
    >>> bench = pd.DataFrame({"group": ["skole"], "target": ["ppr"], "n_kommuner": [10], "p5": [3.1],
    ...     "q25": [3.4], "median": [3.6], "q75": [3.9], "p95": [4.3], "value": [3.95], "share_below": [0.8]})
    >>> page = benchmark_html(bench, language="en")
    >>> "<td class='own'>4.0</td><td>3.6</td><td>80%</td>" in page
    True
    """
    check_benchmark(bench, min_n, language)
    inst = default_instrument(instrument)
    width, height, pad = 300, 16, 6
    out = [_STYLE, "<table class='relkap-heatmap relkap-benchmark'>", _caption(title)]
    if bench.empty:
        return "".join(out) + "</table>"
    finite = bench[["p5", "p95", "value"]].to_numpy(dtype=float)
    lo, hi = float(np.nanmin(finite)), float(np.nanmax(finite))
    if change:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    ticks = [t for t in mpl.ticker.MaxNLocator(5).tick_values(lo, hi) if lo <= t <= hi]
    decimals = decimals_needed(ticks[1] - ticks[0] if len(ticks) > 1 else 1.0)

    def x(v: float) -> float:
        return pad + (width - 2 * pad) * (v - lo) / (hi - lo)

    def num(v: float) -> str:
        return fmt.number(v, 2 if change else 1, language, sign=change)

    zero = (f"<line x1='{x(0):.1f}' x2='{x(0):.1f}' y1='0' y2='{height}' stroke='black' stroke-width='0.8'/>"
            if change else "")
    axis = "".join(f"<text x='{x(t):.1f}' y='12' font-size='10' text-anchor='middle'>"
                   f"{fmt.number(t, decimals, language)}</text>" for t in ticks)
    heads = [words.text("glossary.tie", language),
             words.text("figure.bench_x_change" if change else "figure.bench_x", language),
             words.text("figure.this_kommune", language), words.text("figure.median_kommuner", language),
             words.text("figure.share_below", language)]
    heads = [html.escape(h) for h in heads]
    heads[1] += f"<br><svg width='{width}' height='{height}'>{axis}</svg>"
    out.append("<thead><tr>" + "".join(f"<th>{h}</th>" for h in heads) + "</tr></thead><tbody>")
    grid = "".join(f"<line x1='{x(t):.1f}' x2='{x(t):.1f}' y1='0' y2='{height}' stroke='#e6e6e6'/>" for t in ticks)
    for name, r in zip(tie_labels(bench, language, inst), bench.itertuples(index=False), strict=True):
        mid = height / 2
        svg = (f"<svg width='{width}' height='{height}'>{grid}{zero}"
               f"<line x1='{x(r.p5):.1f}' x2='{x(r.p95):.1f}' y1='{mid}' y2='{mid}' stroke='#737373'/>"
               f"<rect x='{x(r.q25):.1f}' y='3' width='{max(x(r.q75) - x(r.q25), 1):.1f}' height='{height - 6}'"
               f" fill='#d9d9d9' stroke='#737373' stroke-width='0.6'/>"
               f"<line x1='{x(r.median):.1f}' x2='{x(r.median):.1f}' y1='1' y2='{height - 1}' stroke='#262626'"
               f" stroke-width='1.5'/>")
        own = not math.isnan(r.value)
        if own:
            svg += f"<circle cx='{x(r.value):.1f}' cy='{mid}' r='4' fill='{OWN_COLOUR}'/>"
        svg += "</svg>"
        value = num(r.value) if own else html.escape(words.text("figure.suppressed", language, min_n=min_n))
        share = fmt.percent(r.share_below, language) if own else ""
        tip = words.text_n("figure.bench_tip", int(r.n_kommuner), language, tie=name, n=int(r.n_kommuner), low=num(r.p5),
                         high=num(r.p95))
        out.append(f"<tr title='{html.escape(tip, quote=True)}'><th scope='row'>{html.escape(name)}</th>"
                   f"<td class='bullet'>{svg}</td><td class='own'>{value}</td>"
                   f"<td>{num(r.median)}</td><td>{share}</td></tr>")
    out.append("</tbody></table>")
    out.append(f"<div class='relkap-legend'>{html.escape(words.text('figure.bench_key', language))}.</div>")
    return "".join(out)

