"""Figures of a kommune's report: heat maps, networks, profiles, forest plots, response counts.

Every function takes a tidy DataFrame (the contract columns of :func:`relkap.scoring.tie_scores` or
:func:`relkap.change.compare_waves`, see ``docs/contract.md``) plus column names, draws on ``ax`` (a new
figure when ``None``) and returns the :class:`~matplotlib.axes.Axes`. Nothing here changes global matplotlib
settings or the caller's data; wrap calls in :func:`relkap.style.figure_context` for the report style.

Labels are Danish (``language="da"``, default) or English, from the instrument codebook; colours, hatches,
markers and line styles come from :mod:`relkap.style`. Meaning never rests on colour alone: heat map cells
print their values, bands differ by line style, waves by marker shape/fill and hatching, significance by "*".

Suppressed cells (fewer than ``min_n`` raters) are grey and show only "n<min_n": no mean, no difference and
not the exact n.

``python -m relkap.plots --gallery docs/figures`` writes one PNG per figure from :func:`example_data`.
"""

from __future__ import annotations

import argparse
import html
import math
import textwrap
from collections.abc import Sequence
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import ConnectionStyle, FancyArrowPatch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.transforms import blended_transform_factory

from . import network
from ._utils import _check_choice, _check_columns, _check_min_n
from .instrument import Instrument
from .network import _one_table
from .style import (
    BAND_COLOURS,
    BAND_LINESTYLES,
    BANDS,
    DIVERGING_CMAP,
    MISSING_COLOUR,
    SEQUENTIAL_CMAP,
    SUPPRESSED_COLOUR,
    WAVE_COLOURS,
    WAVE_FILLED,
    WAVE_HATCHES,
    WAVE_MARKERS,
    Language,
    band_label,
    default_instrument,
    figure_context,
    group_order,
    label,
    number,
    text,
    text_colour,
    wave_label,
    wave_role,
)

__all__ = [
    "tie_heatmap",
    "change_heatmap",
    "tie_heatmap_html",
    "change_heatmap_html",
    "benchmark_plot",
    "benchmark_html",
    "network_diagram",
    "change_network",
    "dimension_profile",
    "forest_plot",
    "response_overview",
    "scale_change",
    "example_data",
    "demo_data",
    "gallery",
]

_NEUTRAL = "#7F7F7F"  # a wave the codebook does not know


# -- shared helpers ---------------------------------------------------------------------------------
def _axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=figsize)
    return ax


def _wrap(s: str, width: int = 16) -> str:
    return "\n".join(textwrap.wrap(s, width, break_long_words=False)) or s


def _flag(x: object) -> bool:
    return bool(x) if x is not None and x is not pd.NA and not (isinstance(x, float) and math.isnan(x)) else False


def _suppressed(data: pd.DataFrame, value: str, min_n: int) -> pd.Series:
    """The table's ``suppressed`` flag; without it, n (``n`` or ``n_baseline/n_followup``) < ``min_n``."""
    if "suppressed" in data.columns:
        return data["suppressed"].map(_flag).astype(bool)
    n_cols = [c for c in ("n", "n_baseline", "n_followup") if c in data.columns]
    if n_cols:
        return (data[n_cols].apply(pd.to_numeric, errors="coerce").min(axis=1) < min_n).fillna(True)
    return data[value].isna()


def _decimals(v: float) -> int:
    """As few decimals as ``v`` needs (0.25 -> 2, 0.5 -> 1, 2.0 -> 0), at most 3."""
    return next((d for d in (0, 1, 2) if abs(v - round(v, d)) < 1e-9), 3)


def _tick_formatter(language: Language) -> mpl.ticker.FuncFormatter:
    """Tick labels with as few decimals as the value needs (0.25 stays 0,25), decimal comma in Danish."""

    def fmt(v, _pos=None):
        return number(v, _decimals(v), language)

    return mpl.ticker.FuncFormatter(fmt)


def _check_language(language: str) -> None:
    _check_choice("language", language, ("da", "en"))


def _tie_label(a: object, b: object, language: Language, inst: Instrument) -> str:
    return f"{label(a, language, inst)} → {label(b, language, inst)}"


def _title(data: pd.DataFrame, language: Language, inst: Instrument, extra: str | None = None) -> str:
    """'<dimension> – <wave>' from one-valued columns of ``data``."""
    parts = []
    if "dimension" in data.columns and data["dimension"].nunique() == 1:
        parts.append(label(data["dimension"].iloc[0], language, inst))
    if extra:
        parts.append(extra)
    elif "wave" in data.columns and data["wave"].nunique() == 1:
        parts.append(wave_label(data["wave"].iloc[0], language, inst))
    return " – ".join(parts)


def _wave_style(wave: object, inst: Instrument) -> dict:
    role = wave_role(wave, inst)
    colour = WAVE_COLOURS.get(role, _NEUTRAL)
    return {"colour": colour, "marker": WAVE_MARKERS.get(role, "D"), "filled": WAVE_FILLED.get(role, True),
            "hatch": WAVE_HATCHES.get(role, "xx")}


def _wave_order(waves, inst: Instrument) -> list:
    present = list(dict.fromkeys(waves))
    first = [w for w in (inst.waves.baseline, inst.waves.followup) if w in present]
    return first + sorted(set(present) - set(first), key=str)


def _code_order(codes, inst: Instrument) -> list[str]:
    """Codes in codebook order (groups, relational items, the index, scales), unknown codes last."""
    known = [*inst.group_codes, *inst.relational_codes, "rk", *(s.code for s in inst.scales)]
    present = {str(c) for c in codes}
    return [c for c in known if c in present] + sorted(present - set(known))


def _matrix(data: pd.DataFrame, value: str, suppressed: pd.Series, inst: Instrument):
    """Rater x target arrays of ``value`` (NaN when suppressed or not asked), suppression and presence."""
    rows = group_order(data["group"].astype(str), inst)
    cols = group_order(data["target"].astype(str), inst)
    ri = {g: i for i, g in enumerate(rows)}
    ci = {g: i for i, g in enumerate(cols)}
    values = np.full((len(rows), len(cols)), np.nan)
    sup = np.zeros_like(values, dtype=bool)
    present = np.zeros_like(values, dtype=bool)
    for (g, t, v), s in zip(data[["group", "target", value]].itertuples(index=False), suppressed, strict=True):
        i, j = ri[str(g)], ci[str(t)]
        present[i, j] = True
        sup[i, j] = bool(s)
        values[i, j] = np.nan if s or v is None or v is pd.NA else float(v)
    return rows, cols, values, sup, present


def _tie_matrix(ties: pd.DataFrame, value: str, min_n: int, language: str, instrument: Instrument | None):
    """Checked input of a tie heat map: instrument, rows, cols, values, suppressed, present and n arrays."""
    _check_language(language)
    _check_min_n(min_n, allow_none=False)
    _check_columns(ties, ("group", "target", "n", value), "ties")
    _one_table(ties, ("group", "target"), "ties")
    inst = default_instrument(instrument)
    sup = _suppressed(ties, value, min_n)
    rows, cols, values, sup_m, present = _matrix(ties, value, sup, inst)
    _, _, n_m, _, _ = _matrix(ties.assign(_n=pd.to_numeric(ties["n"], errors="coerce")), "_n",
                              pd.Series(False, index=ties.index), inst)
    return inst, rows, cols, values, sup_m, present, n_m


def _change_matrix(comparison: pd.DataFrame, value: str, p: str, min_n: int, language: str,
                   instrument: Instrument | None):
    """Checked input of a change heat map: instrument, rows, cols, values, suppressed, present and p arrays."""
    _check_language(language)
    _check_min_n(min_n, allow_none=False)
    _check_columns(comparison, ("group", "target", value, p), "comparison")
    _one_table(comparison, ("group", "target"), "comparison")
    inst = default_instrument(instrument)
    sup = _suppressed(comparison, value, min_n)
    rows, cols, values, sup_m, present = _matrix(comparison, value, sup, inst)
    pvals = pd.to_numeric(comparison[p], errors="coerce").where(~sup)
    _, _, p_m, _, _ = _matrix(comparison.assign(_p=pvals), "_p", sup, inst)
    return inst, rows, cols, values, sup_m, present, p_m


def _draw_matrix(ax, rows, cols, values, sup, present, cmap, norm, language, inst, min_n, fmt):
    """Mesh of ``values`` with grey suppressed cells ("n<min_n", no value), white unasked cells."""
    cmap = mpl.colormaps[cmap].with_extremes(bad=MISSING_COLOUR)
    mesh = ax.pcolormesh(np.ma.masked_invalid(values), cmap=cmap, norm=norm, edgecolors="white",
                         linewidth=1.0)
    mesh.set_gid("cells")
    for i, j in zip(*np.nonzero(sup), strict=True):
        ax.add_patch(Rectangle((j, i), 1, 1, facecolor=SUPPRESSED_COLOUR, edgecolor="white", hatch="///",
                               linewidth=1.0, gid="suppressed"))
        ax.text(j + 0.5, i + 0.5, text("suppressed", language, min_n=min_n), ha="center", va="center",
                fontsize=8, color="black", gid="suppressed")
    for i, j in zip(*np.nonzero(present & ~sup), strict=True):
        if not math.isnan(values[i, j]):
            fmt(i, j, text_colour(cmap(norm(values[i, j]))))
    for i, g in enumerate(rows):
        if g in cols:  # the diagonal is kept but read separately
            ax.add_patch(Rectangle((cols.index(g), i), 1, 1, fill=False, edgecolor="black", linewidth=1.6,
                                   gid="diagonal"))
    ax.set_xlim(0, len(cols))
    ax.set_ylim(len(rows), 0)
    ax.set_xticks(np.arange(len(cols)) + 0.5, [_wrap(label(c, language, inst)) for c in cols], rotation=45,
                  ha="left", rotation_mode="anchor")
    ax.set_yticks(np.arange(len(rows)) + 0.5, [_wrap(label(r, language, inst), 24) for r in rows])
    ax.set_xlabel(text("target", language))
    ax.set_ylabel(text("rater", language))
    # targets on top (read as "row rates column"), which leaves the space below for the note
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_aspect("equal")
    return mesh


def _note(ax: Axes, lines: Sequence[str]) -> None:
    ax.annotate("\n".join(lines), xy=(0, 0), xycoords="axes fraction", xytext=(0, -12),
                textcoords="offset points", va="top", ha="left", fontsize=7.5, color="0.25",
                annotation_clip=False, gid="note")


def _tie_note(language: Language, min_n: int) -> str:
    return (text("suppressed_note", language, min_n=min_n) + ". " + text("not_asked", language) + ". "
            + text("diagonal", language) + ".")


def _change_note(language: Language, alpha: float, min_n: int) -> str:
    return (text("significant", language, alpha=number(alpha, 2, language)) + ". "
            + text("suppressed_note", language, min_n=min_n) + ".")


def _cell_size(n_rows: int, n_cols: int) -> tuple[float, float]:
    return (2.8 + 0.8 * n_cols, 2.2 + 0.7 * n_rows)


# -- heat maps -----------------------------------------------------------------------------------
def tie_heatmap(
    ties: pd.DataFrame,
    ax: Axes | None = None,
    *,
    value: str = "mean",
    min_n: int = 5,
    language: Language = "da",
    instrument: Instrument | None = None,
    title: str | None = None,
    colorbar: bool = True,
) -> Axes:
    """Heat map of the directed ties of one kommune, wave and dimension: rows rate columns.

    Parameters
    ----------
    ties : DataFrame
        A :func:`relkap.scoring.tie_scores` table for one kommune, wave and dimension: ``group, target, n``,
        ``value`` and ``suppressed`` (without it, n < ``min_n`` is suppressed).
    min_n : int
        The suppression threshold used when scoring; only printed ("n<5") here.
    title : str, optional
        Default "<dimension> – <wave>".

    Notes
    -----
    Colours run over the instrument's fixed scale (1-5, ``cividis``), never the data's range, so heat maps
    of two waves or kommuner compare by eye. The colour bar marks the band boundaries. Each scored cell
    prints the mean and its n; a suppressed cell is grey and hatched with "n<min_n" only; a cell that was
    not asked is white. The diagonal (a group rating its own group) is outlined.
    """
    inst, rows, cols, values, sup_m, present, n_m = _tie_matrix(ties, value, min_n, language, instrument)
    ax = _axes(ax, _cell_size(len(rows), len(cols)))
    norm = mpl.colors.Normalize(inst.scale.min, inst.scale.max)

    def cell(i, j, colour):
        ax.text(j + 0.5, i + 0.42, number(values[i, j], 1, language), ha="center", va="center", fontsize=10,
                fontweight="bold", color=colour, gid="value")
        ax.text(j + 0.5, i + 0.76, f"n={int(n_m[i, j])}", ha="center", va="center", fontsize=7, color=colour,
                gid="n")

    mesh = _draw_matrix(ax, rows, cols, values, sup_m, present, SEQUENTIAL_CMAP, norm, language, inst, min_n,
                        cell)
    if colorbar:
        _band_colorbar(ax, mesh, language, inst)
    ax.set_title(title if title is not None else _title(ties, language, inst))
    _note(ax, [_tie_note(language, min_n)])
    return ax


def _band_colorbar(ax: Axes, mesh, language: Language, inst: Instrument):
    """Colour bar on the instrument's scale with the band boundaries drawn and the bands named."""
    cbar = ax.figure.colorbar(mesh, ax=ax, fraction=0.046, pad=0.03)
    lo, hi = inst.scale.min, inst.scale.max
    b = inst.bands
    ticks = sorted({*range(lo, hi + 1), b.weak_below, b.strong_above})
    cbar.set_ticks(ticks, labels=[number(t, 1 if t % 1 else 0, language) for t in ticks])
    for y in (b.weak_below, b.strong_above):
        cbar.ax.axhline(y, color="black", linewidth=1.5, gid="band_boundary")
    spans = {"weak": (lo, b.weak_below), "moderate": (b.weak_below, b.strong_above), "strong": (b.strong_above, hi)}
    cmap = mesh.get_cmap()
    tr = blended_transform_factory(cbar.ax.transAxes, cbar.ax.transData)
    for band, (y0, y1) in spans.items():
        if y1 - y0 >= 0.45:
            mid = (y0 + y1) / 2
            cbar.ax.text(0.5, mid, band_label(band, language), transform=tr, rotation=90, ha="center",
                         va="center", fontsize=7, color=text_colour(cmap(mesh.norm(mid))), gid="band_name")
    cbar.set_label(text("mean", language, min=lo, max=hi))
    return cbar


def change_heatmap(
    comparison: pd.DataFrame,
    ax: Axes | None = None,
    *,
    value: str = "diff",
    p: str = "p_fdr",
    alpha: float = 0.05,
    limit: float | None = None,
    min_n: int = 5,
    language: Language = "da",
    instrument: Instrument | None = None,
    title: str | None = None,
    colorbar: bool = True,
) -> Axes:
    """Heat map of the change per tie (follow-up minus baseline), "*" where significant after correction.

    Parameters
    ----------
    comparison : DataFrame
        A :func:`relkap.change.compare_waves` table by ``group, target`` for one kommune and dimension:
        ``group, target, value, p`` and ``suppressed`` (without it, ``n_baseline``/``n_followup`` < min_n).
    p, alpha : str, float
        A tie gets "*" when ``p`` (default the Benjamini-Hochberg adjusted ``p_fdr``) < ``alpha``.
    limit : float, optional
        Half-width of the colour scale, centred at 0; default the largest absolute change rounded up to
        0.5 (at least 0.5). Pass the same value to compare kommuner.

    Notes
    -----
    ``RdBu``: blue = higher at follow-up, red = lower. Each cell prints the signed change; suppressed cells
    are grey and hatched with "n<min_n" only.
    """
    inst, rows, cols, values, sup_m, present, p_m = _change_matrix(comparison, value, p, min_n, language,
                                                                   instrument)
    lim = limit if limit is not None else _diff_limit(values)
    norm = mpl.colors.Normalize(-lim, lim)
    ax = _axes(ax, _cell_size(len(rows), len(cols)))

    def cell(i, j, colour):
        ax.text(j + 0.5, i + 0.5, number(values[i, j], 2, language, sign=True), ha="center", va="center",
                fontsize=9, color=colour, gid="value")
        if p_m[i, j] < alpha:
            ax.text(j + 0.92, i + 0.08, "*", ha="right", va="top", fontsize=13, fontweight="bold",
                    color=colour, gid="significant")

    mesh = _draw_matrix(ax, rows, cols, values, sup_m, present, DIVERGING_CMAP, norm, language, inst, min_n,
                        cell)
    if colorbar:
        cbar = ax.figure.colorbar(mesh, ax=ax, fraction=0.046, pad=0.03)
        cbar.set_label(text("diff", language))
        cbar.ax.axhline(0, color="black", linewidth=1)
        cbar.ax.yaxis.set_major_formatter(_tick_formatter(language))
    ax.set_title(title if title is not None else _title(comparison, language, inst, text("diff", language)))
    _note(ax, [_change_note(language, alpha, min_n)])
    return ax


def _diff_limit(values) -> float:
    finite = np.abs(np.asarray(values, dtype=float))
    finite = finite[np.isfinite(finite)]
    top = float(finite.max()) if finite.size else 0.0
    return max(0.5, math.ceil(top * 2) / 2)


# -- heat maps as HTML (the explorer) -------------------------------------------------------------
# A browser lays out a 10 x 10 table in a few milliseconds; matplotlib takes ~150 ms to build and serialise
# the same heat map, too slow for an interactive control. These draw the same cells from the same checked
# arrays (``_tie_matrix``/``_change_matrix``) with the same colour maps, numbers and suppression.
_HTML_STYLE = (
    "<style>"
    ".relkap-heatmap{border-collapse:separate;border-spacing:2px;font-family:sans-serif;font-size:12px;"
    "line-height:1.2}"
    ".relkap-heatmap caption{font-weight:bold;font-size:14px;text-align:left;padding:4px 0}"
    ".relkap-heatmap th{font-weight:normal;padding:2px 4px}"
    ".relkap-heatmap thead th{vertical-align:bottom;font-size:11px;color:#404040}"
    ".relkap-heatmap thead th.col{text-align:center;width:76px;overflow-wrap:normal;color:black}"
    ".relkap-heatmap tbody th{text-align:right;white-space:nowrap}"
    ".relkap-heatmap td{min-width:70px;height:42px;text-align:center;line-height:1.15;padding:0;"
    "border:1.5px solid transparent}"
    ".relkap-heatmap td.value b{font-size:13px}"
    ".relkap-heatmap td small{font-size:10px}"
    ".relkap-heatmap td.suppressed{color:black;background:repeating-linear-gradient(45deg,"
    + SUPPRESSED_COLOUR + " 0 5px,#bdbdbd 5px 6px)}"
    ".relkap-heatmap td.diagonal{border-color:black}"
    ".relkap-heatmap td sup{font-weight:bold;font-size:13px}"
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


def _legend_html(cmap, norm, ticks: Sequence[float], edges: Sequence[float], caption: str,
                 language: Language, decimals: int | None = None) -> str:
    """A colour bar as a CSS gradient: ``ticks`` labelled below, ``edges`` drawn as black lines."""
    lo, hi = norm.vmin, norm.vmax
    stops = ",".join(f"{_hex(cmap(norm(lo + (hi - lo) * k / 8)))} {100 * k / 8:.1f}%" for k in range(9))

    def at(x: float) -> str:
        return f"left:{100 * (x - lo) / (hi - lo):.1f}%"

    def fmt(t: float) -> str:
        d = decimals if decimals is not None else (1 if t % 1 else 0)
        return number(t, d, language, sign=decimals is not None and t != 0)

    marks = "".join(f"<span class='edge' style='{at(e)}'></span>" for e in edges)
    marks += "".join(f"<span class='tick' style='{at(t)}'>{fmt(t)}</span>" for t in ticks)
    return (f"<div class='relkap-legend'>{html.escape(caption)}<span class='bar' "
            f"style='background:linear-gradient(to right,{stops})'>{marks}</span></div>")


def _matrix_html(rows, cols, values, sup, present, cmap, norm, language: Language, inst: Instrument,
                 min_n: int, title: str, cell, legend: str, note: str) -> str:
    """``_draw_matrix`` as an HTML table: ``cell(i, j)`` gives a scored cell's (content, tooltip)."""
    cmap = mpl.colormaps[cmap].with_extremes(bad=MISSING_COLOUR)
    head = "".join(f"<th class='col' scope='col'>{html.escape(label(c, language, inst))}</th>" for c in cols)
    out = [_HTML_STYLE, "<table class='relkap-heatmap'>",
           _caption(title),
           f"<thead><tr><th>{html.escape(text('rater', language))} ↓ · "
           f"{html.escape(text('target', language))} →</th>{head}</tr></thead><tbody>"]
    for i, r in enumerate(rows):
        out.append(f"<tr><th scope='row'>{html.escape(label(r, language, inst))}</th>")
        for j, c in enumerate(cols):
            classes = ["diagonal"] if r == c else []
            if sup[i, j]:
                classes.append("suppressed")
                body, style, tip = html.escape(text("suppressed", language, min_n=min_n)), "", ""
            elif present[i, j] and not math.isnan(values[i, j]):
                classes.append("value")
                colour = cmap(norm(values[i, j]))
                body, tip = cell(i, j)
                style = f" style='background:{_hex(colour)};color:{text_colour(colour)}'"
            else:
                body, style, tip = "", f" style='background:{MISSING_COLOUR}'", ""
            tie = f"{label(r, language, inst)} → {label(c, language, inst)}"
            tip = f"{tie}: {tip}" if tip else tie
            out.append(f"<td class='{' '.join(classes)}'{style} title='{html.escape(tip, quote=True)}'>"
                       f"{body}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    out.append(legend)
    out.append(f"<div class='relkap-legend'>{html.escape(note)}</div>")
    return "".join(out)


def tie_heatmap_html(
    ties: pd.DataFrame,
    *,
    value: str = "mean",
    min_n: int = 5,
    language: Language = "da",
    instrument: Instrument | None = None,
    title: str | None = None,
) -> str:
    """:func:`tie_heatmap` as an HTML table (for the explorer): same cells, colours, numbers and suppression.

    A scored cell shows the mean and n on the colour of :func:`tie_heatmap`; hovering shows the tie and,
    when ``ties`` has ``ci_low``/``ci_high``, the 95% CI. The colour bar below marks the band boundaries.
    """
    inst, rows, cols, values, sup_m, present, n_m = _tie_matrix(ties, value, min_n, language, instrument)
    norm = mpl.colors.Normalize(inst.scale.min, inst.scale.max)
    ci = _ci_arrays(ties, ("ci_low", "ci_high"), inst)

    def cell(i, j):
        v = number(values[i, j], 1, language)
        tip = f"{number(values[i, j], 2, language)}, n={int(n_m[i, j])}"
        if ci is not None and not np.isnan(ci[0][i, j]):
            tip += f", {text('ci_short', language)} {number(ci[0][i, j], 2, language)}; {number(ci[1][i, j], 2, language)}"
        return f"<b>{v}</b><br><small>n={int(n_m[i, j])}</small>", tip

    b = inst.bands
    ticks = sorted({*range(inst.scale.min, inst.scale.max + 1), b.weak_below, b.strong_above})
    legend = _legend_html(mpl.colormaps[SEQUENTIAL_CMAP], norm, ticks, (b.weak_below, b.strong_above),
                          text("mean", language, min=inst.scale.min, max=inst.scale.max), language)
    return _matrix_html(rows, cols, values, sup_m, present, SEQUENTIAL_CMAP, norm, language, inst, min_n,
                        title if title is not None else _title(ties, language, inst), cell, legend,
                        _tie_note(language, min_n))


def change_heatmap_html(
    comparison: pd.DataFrame,
    *,
    value: str = "diff",
    p: str = "p_fdr",
    alpha: float = 0.05,
    limit: float | None = None,
    min_n: int = 5,
    language: Language = "da",
    instrument: Instrument | None = None,
    title: str | None = None,
) -> str:
    """:func:`change_heatmap` as an HTML table (for the explorer): signed change, "*" when ``p`` < ``alpha``.

    Hovering a cell shows the tie, the change, its 95% CI (``diff_ci_low``/``diff_ci_high`` when present)
    and ``p``.
    """
    inst, rows, cols, values, sup_m, present, p_m = _change_matrix(comparison, value, p, min_n, language,
                                                                   instrument)
    lim = limit if limit is not None else _diff_limit(values)
    norm = mpl.colors.Normalize(-lim, lim)
    ci = _ci_arrays(comparison, ("diff_ci_low", "diff_ci_high"), inst)

    def cell(i, j):
        star = "<sup>*</sup>" if p_m[i, j] < alpha else ""
        tip = number(values[i, j], 2, language, sign=True)
        if ci is not None and not np.isnan(ci[0][i, j]):
            tip += f", {text('ci_short', language)} {number(ci[0][i, j], 2, language)}; {number(ci[1][i, j], 2, language)}"
        if not np.isnan(p_m[i, j]):
            tip += f", {p} = {number(p_m[i, j], 3, language)}"
        return f"{number(values[i, j], 2, language, sign=True)}{star}", tip

    legend = _legend_html(mpl.colormaps[DIVERGING_CMAP], norm, (-lim, 0, lim), (0,), text("diff", language),
                          language, decimals=1)
    title = title if title is not None else _title(comparison, language, inst, text("diff", language))
    return _matrix_html(rows, cols, values, sup_m, present, DIVERGING_CMAP, norm, language, inst, min_n, title,
                        cell, legend, _change_note(language, alpha, min_n))


def _ci_arrays(data: pd.DataFrame, columns: tuple[str, str], inst: Instrument):
    """Rater x target arrays of the two CI columns (NaN where missing), or None without them."""
    if not set(columns) <= set(data.columns):
        return None
    none = pd.Series(False, index=data.index)
    return tuple(_matrix(data.assign(_v=pd.to_numeric(data[c], errors="coerce")), "_v", none, inst)[2]
                 for c in columns)


# -- benchmark: one kommune's ties against all kommuner --------------------------------------------
BENCHMARK_COLUMNS = ("group", "target", "n_kommuner", "p5", "q25", "median", "q75", "p95", "value", "share_below")
OWN_COLOUR = "#C0392B"


def _check_benchmark(bench: pd.DataFrame, min_n: int, language: str) -> None:
    _check_language(language)
    _check_min_n(min_n, allow_none=False)
    _check_columns(bench, BENCHMARK_COLUMNS, "bench")


def _tie_labels(bench: pd.DataFrame, language: Language, inst: Instrument) -> list[str]:
    return [_tie_label(a, b, language, inst) for a, b in zip(bench["group"], bench["target"], strict=True)]


def benchmark_plot(
    bench: pd.DataFrame,
    ax: Axes | None = None,
    *,
    change: bool = False,
    min_n: int = 5,
    language: Language = "da",
    instrument: Instrument | None = None,
    title: str = "",
) -> Axes:
    """One kommune's ties (red dots) against their distribution over all kommuner (boxes), one row a tie.

    Parameters
    ----------
    bench : DataFrame
        One row per tie, in the order drawn top to bottom: ``group, target, n_kommuner`` and the 5, 25, 50,
        75 and 95% quantiles over the kommuner with a reportable value (``p5, q25, median, q75, p95``), this
        kommune's ``value`` (NaN when suppressed) and ``share_below`` (see
        :meth:`relkap.explore.Explorer.benchmark`). No other kommune is named.
    change : bool
        The values are changes (follow-up minus baseline): a line marks 0.

    Notes
    -----
    Box = quartiles, line = 5-95%, vertical mark = median. Drawn as collections rather than ``boxplot``
    (90 ties make 90 box artists). A suppressed value prints "n<min_n" instead of a dot.
    """
    _check_benchmark(bench, min_n, language)
    inst = default_instrument(instrument)
    ax = _axes(ax, (8.5, 2 + 0.18 * len(bench)))
    ax.set_title(title, fontsize=10)
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
    ax.scatter(mine, ys, color=OWN_COLOUR, s=22, zorder=3, gid="own")
    x0 = float(np.nanmin(bench["p5"]))
    for y in ys[np.isnan(mine)]:
        ax.text(x0, y, f"n<{min_n} ", va="center", ha="right", fontsize=7, color="0.4", gid="suppressed")
    if change:
        ax.axvline(0, color="black", linewidth=0.8, zorder=0)
    ax.set_yticks(ys, _tie_labels(bench, language, inst), fontsize=7)
    ax.set_ylim(-0.7, len(bench) - 0.3)
    ax.xaxis.set_major_formatter(_tick_formatter(language))
    ax.set_xlabel(text("bench_x_change" if change else "bench_x", language) + " ("
                  + text("bench_key", language) + ")", fontsize=8)
    return ax


def benchmark_html(
    bench: pd.DataFrame,
    *,
    change: bool = False,
    min_n: int = 5,
    language: Language = "da",
    instrument: Instrument | None = None,
    title: str = "",
) -> str:
    """:func:`benchmark_plot` as an HTML table (for the explorer): per tie a box on a shared axis, this
    kommune's value, the kommuner's median and the share of kommuner below this kommune.
    """
    _check_benchmark(bench, min_n, language)
    inst = default_instrument(instrument)
    width, height, pad = 300, 16, 6
    out = [_HTML_STYLE, "<table class='relkap-heatmap relkap-benchmark'>", _caption(title)]
    if bench.empty:
        return "".join(out) + "</table>"
    finite = bench[["p5", "p95", "value"]].to_numpy(dtype=float)
    lo, hi = float(np.nanmin(finite)), float(np.nanmax(finite))
    if change:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    ticks = [t for t in mpl.ticker.MaxNLocator(5).tick_values(lo, hi) if lo <= t <= hi]
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    decimals = _decimals(step)

    def x(v: float) -> float:
        return pad + (width - 2 * pad) * (v - lo) / (hi - lo)

    zero = f"<line x1='{x(0):.1f}' x2='{x(0):.1f}' y1='0' y2='{height}' stroke='black' stroke-width='0.8'/>" \
        if change else ""
    axis = "".join(f"<text x='{x(t):.1f}' y='12' font-size='10' text-anchor='middle'>"
                   f"{number(t, decimals, language)}</text>" for t in ticks)
    head = (f"<thead><tr><th>{html.escape(text('tie', language))}</th>"
            f"<th>{html.escape(text('bench_x_change' if change else 'bench_x', language))}<br>"
            f"<svg width='{width}' height='{height}'>{axis}</svg></th>"
            f"<th>{html.escape(text('this_kommune', language))}</th>"
            f"<th>{html.escape(text('median_kommuner', language))}</th>"
            f"<th>{html.escape(text('share_below', language))}</th></tr></thead><tbody>")
    out.append(head)
    grid = "".join(f"<line x1='{x(t):.1f}' x2='{x(t):.1f}' y1='0' y2='{height}' stroke='#e6e6e6'/>" for t in ticks)
    dec = 2 if change else 1
    for name, r in zip(_tie_labels(bench, language, inst), bench.itertuples(index=False), strict=True):
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
        value = (number(r.value, dec, language, sign=change) if own
                 else html.escape(text("suppressed", language, min_n=min_n)))
        pct = number(100 * r.share_below, 0, language)
        share = "" if not own else (f"{pct} %" if language == "da" else f"{pct}%")
        tip = (f"{name}: {int(r.n_kommuner)} kommuner, 5-95 % {number(r.p5, dec, language, sign=change)}"
               f"–{number(r.p95, dec, language, sign=change)}")
        out.append(f"<tr title='{html.escape(tip, quote=True)}'><th scope='row'>{html.escape(name)}</th>"
                   f"<td class='bullet'>{svg}</td><td class='own'>{value}</td>"
                   f"<td>{number(r.median, dec, language, sign=change)}</td><td>{share}</td></tr>")
    out.append("</tbody></table>")
    out.append(f"<div class='relkap-legend'>{html.escape(text('bench_key', language))}.</div>")
    return "".join(out)


# -- networks ------------------------------------------------------------------------------------
def _draw_nodes(ax: Axes, g, pos, language: Language, inst: Instrument, min_n: int,
                n_max: float | None = None) -> dict:
    """Circles sized by n (area), labelled outside the circle; returns each node's radius in points.

    The n printed in a circle is "<min_n" for a group below the threshold, as on the heat map.
    """
    nodes = list(g.nodes)
    missing = [v for v in nodes if v not in pos]
    if missing:
        raise ValueError(f"pos has no position for the group(s) {missing}; compute it with network.layout "
                         "from both waves")
    ns = np.array([g.nodes[v].get("n") or 0 for v in nodes], dtype=float)
    top = n_max or (ns.max() if ns.size and ns.max() > 0 else 1.0)
    sizes = 250 + 1250 * np.sqrt(ns / top)
    xy = np.array([pos[v] for v in nodes], dtype=float).reshape(-1, 2)
    coll = ax.scatter(xy[:, 0], xy[:, 1], s=sizes, facecolor="#F2F2F2", edgecolor="black", linewidth=1.2,
                      zorder=3)
    coll.set_gid("nodes")
    for v, (x, y), n in zip(nodes, xy, ns, strict=True):
        r = math.hypot(x, y)
        ux, uy = (x / r, y / r) if r > 1e-9 else (0.0, 1.0)
        ha = "center" if abs(ux) < 0.3 else ("left" if ux > 0 else "right")
        va = "center" if abs(uy) < 0.3 else ("bottom" if uy > 0 else "top")
        name = _wrap(label(v, language, inst), 18)
        ax.annotate(name, xy=(x, y), xytext=(ux * 24, uy * 24), textcoords="offset points", ha=ha, va=va,
                    fontsize=8.5, zorder=4, gid="node_label")
        if n:
            ax.text(x, y, f"{int(n)}" if n >= min_n else f"<{min_n}", ha="center", va="center", fontsize=7.5, zorder=4, gid="node_n")
    ax.set_xlim(-1.6, 1.6)
    ax.set_ylim(-1.45, 1.45)
    ax.set_aspect("equal")
    ax.axis("off")
    return {v: math.sqrt(s) / 2 for v, s in zip(nodes, sizes, strict=True)}


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


def _arrow(ax, a, b, pos, radius, **kw) -> FancyArrowPatch:
    lw = kw.pop("linewidth")
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


def _arc_midpoint(p0, p1) -> tuple[float, float]:
    (x0, y0), (x1, y1) = p0, p1
    dx, dy = x1 - x0, y1 - y0
    # quadratic Bezier of matplotlib's arc3: control point at the midpoint + rad * (dy, -dx)
    return (x0 + x1) / 2 + _RAD * dy / 2, (y0 + y1) / 2 - _RAD * dx / 2


def network_diagram(
    ties: pd.DataFrame,
    pos: dict | None = None,
    ax: Axes | None = None,
    *,
    group_sizes=None,
    min_n: int = 5,
    n_max: float | None = None,
    language: Language = "da",
    instrument: Instrument | None = None,
    title: str | None = None,
    legend: bool = True,
) -> Axes:
    """The directed ties of one kommune, wave and dimension as a network of groups.

    Parameters
    ----------
    ties : DataFrame
        A :func:`relkap.scoring.tie_scores` table for one kommune, wave and dimension.
    pos : dict, optional
        Group -> (x, y) from :func:`relkap.network.layout`; compute it once per kommune from both waves
        and pass it to every view so groups keep their place. Default: the layout of these ties.
    group_sizes : mapping, optional
        Raters per group for the node size (default: the largest tie n of the group as rater).
    n_max : float, optional
        The n drawn as the largest circle; pass the same value to both waves.

    Notes
    -----
    An arrow A -> B is T(A->B), how A experiences B's collaboration. Width grows with the mean; colour
    and line style give the band (solid strong, dashed moderate, dotted weak), so a greyscale print keeps
    it. Circle area grows with n (printed inside). Suppressed ties are faint dotted lines without an arrow;
    within-group ties are not drawn (they are outlined on the heat map).
    """
    _check_language(language)
    _check_min_n(min_n, allow_none=False)
    inst = default_instrument(instrument)
    g = network.tie_graph(ties, group_sizes, instrument=inst)
    pos = pos if pos is not None else network.layout(g.nodes, instrument=inst)
    ax = _axes(ax, (7.5, 7.5))
    radius = _draw_nodes(ax, g, pos, language, inst, min_n, n_max)
    lo, hi = inst.scale.min, inst.scale.max
    for a, b, d in g.edges(data=True):
        if d["suppressed"] or math.isnan(d["mean"]):
            _suppressed_line(ax, a, b, pos)
            continue
        band = d["band"] if d["band"] in BANDS else "moderate"
        # quadratic on the fixed scale: means cluster between 3 and 4.5, where a linear width hardly varies
        width = 0.3 + 3.2 * ((d["mean"] - lo) / (hi - lo)) ** 2
        _arrow(ax, a, b, pos, radius, color=BAND_COLOURS[band], linestyle=BAND_LINESTYLES[band],
               linewidth=width, gid=f"tie:{a}->{b}")
    ax.set_title(title if title is not None else _title(ties, language, inst))
    if legend:
        b = inst.bands
        ranges = {"weak": f"< {number(b.weak_below, 1, language)}",
                  "moderate": f"{number(b.weak_below, 1, language)}–{number(b.strong_above, 1, language)}",
                  "strong": f"> {number(b.strong_above, 1, language)}"}
        handles = [Line2D([], [], color=BAND_COLOURS[k], linestyle=BAND_LINESTYLES[k], linewidth=2.5,
                          label=f"{band_label(k, language)} ({ranges[k]})") for k in BANDS]
        handles.append(Line2D([], [], color="0.7", linestyle=(0, (1, 3)),
                              label=text("suppressed_edge", language, min_n=min_n)))
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, fontsize=8,
                  frameon=False, title=text("width_by_mean", language) + "; " + text("node_by_n", language),
                  title_fontsize=8)
    return ax


def change_network(
    baseline: pd.DataFrame,
    followup: pd.DataFrame,
    comparison: pd.DataFrame | None = None,
    pos: dict | None = None,
    ax: Axes | None = None,
    *,
    p: str = "p_fdr",
    alpha: float = 0.05,
    limit: float | None = None,
    min_n: int = 5,
    n_max: float | None = None,
    language: Language = "da",
    instrument: Instrument | None = None,
    title: str | None = None,
    legend: bool = True,
) -> Axes:
    """The change per tie (follow-up minus baseline) as a network, on the same positions as the waves.

    Parameters
    ----------
    baseline, followup : DataFrame
        :func:`relkap.scoring.tie_scores` tables of the two waves (one kommune and dimension).
    comparison : DataFrame, optional
        :func:`relkap.change.compare_waves` by ``group, target``: the tested ``diff`` and ``p``; a tie with
        ``p`` < ``alpha`` gets "*" at the middle of its arrow.
    pos : dict, optional
        From :func:`relkap.network.layout` (default: the layout of both waves).

    Notes
    -----
    Colour on ``RdBu`` centred at 0 (blue = increase, red = decrease) as :func:`change_heatmap`, width by
    the size of the change, solid for an increase and dashed for a decrease (for greyscale). Ties
    suppressed in either wave are faint dotted lines without an arrow.
    """
    _check_language(language)
    _check_min_n(min_n, allow_none=False)
    inst = default_instrument(instrument)
    g = network.change_graph(baseline, followup, comparison, alpha=alpha, p=p, instrument=inst)
    pos = pos if pos is not None else network.layout(g.nodes, instrument=inst)
    ax = _axes(ax, (7.5, 7.5))
    radius = _draw_nodes(ax, g, pos, language, inst, min_n, n_max)
    diffs = [d["diff"] for *_, d in g.edges(data=True) if not d["suppressed"]]
    lim = limit if limit is not None else _diff_limit(diffs)
    norm = mpl.colors.Normalize(-lim, lim)
    cmap = mpl.colormaps[DIVERGING_CMAP]
    for a, b, d in g.edges(data=True):
        if d["suppressed"] or math.isnan(d["diff"]):
            _suppressed_line(ax, a, b, pos)
            continue
        width = 0.5 + 3.5 * min(abs(d["diff"]) / lim, 1.0)
        _arrow(ax, a, b, pos, radius, color=cmap(norm(d["diff"])), linestyle="-" if d["diff"] >= 0 else "--",
               linewidth=width, gid=f"tie:{a}->{b}")
        if d["significant"]:
            ax.text(*_arc_midpoint(pos[a], pos[b]), "*", ha="center", va="center", fontsize=15,
                    fontweight="bold", zorder=5, gid="significant")
    sm = mpl.cm.ScalarMappable(norm=norm, cmap=cmap)
    cbar = ax.figure.colorbar(sm, ax=ax, fraction=0.035, pad=0.02, shrink=0.7)
    cbar.set_label(text("diff", language))
    cbar.ax.yaxis.set_major_formatter(_tick_formatter(language))
    default = _title(followup, language, inst, text("diff", language))
    ax.set_title(title if title is not None else default)
    if legend:
        handles = [Line2D([], [], color=cmap(norm(lim * 0.8)), linestyle="-", linewidth=2.5,
                          label=text("increase", language)),
                   Line2D([], [], color=cmap(norm(-lim * 0.8)), linestyle="--", linewidth=2.5,
                          label=text("decrease", language)),
                   Line2D([], [], color="0.7", linestyle=(0, (1, 3)),
                          label=text("suppressed_edge", language, min_n=min_n))]
        if comparison is not None:
            handles.append(Line2D([], [], linestyle="", marker="$*$", markersize=9, color="black",
                                  label=f"{text('sig_marker', language)}, {p} < {number(alpha, 2, language)}"))
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, fontsize=8,
                  frameon=False, title=text("width_by_change", language) + "; " + text("node_by_n", language),
                  title_fontsize=8)
    return ax


# -- profiles and effect sizes -------------------------------------------------------------------
def _bands_guides(ax: Axes, inst: Instrument, language: Language) -> None:
    b = inst.bands
    tr = blended_transform_factory(ax.transAxes, ax.transData)
    for y in (b.weak_below, b.strong_above):
        ax.axhline(y, color="0.55", linewidth=0.8, linestyle=":", zorder=0, gid="band_boundary")
    lo, hi = inst.scale.min, inst.scale.max
    for band, y in (("weak", (lo + b.weak_below) / 2), ("moderate", (b.weak_below + b.strong_above) / 2),
                    ("strong", (b.strong_above + hi) / 2)):
        ax.text(1.01, y, band_label(band, language), transform=tr, fontsize=7.5, color="0.4", va="center")


def _errorbars(ax, x, mean, lo, hi, wave, inst, language, lbl=None, **kw):
    st = _wave_style(wave, inst)
    mean, lo, hi = (np.asarray(v, dtype=float) for v in (mean, lo, hi))
    yerr = np.vstack([mean - lo, hi - mean])
    yerr = None if np.isnan(yerr).all() else np.nan_to_num(yerr)
    return ax.errorbar(x, mean, yerr=yerr, fmt=st["marker"], color=st["colour"], markersize=7,
                       markerfacecolor=st["colour"] if st["filled"] else "white", markeredgewidth=1.5,
                       capsize=3, elinewidth=1.3, label=lbl if lbl is not None else wave_label(wave, language, inst),
                       **kw)


def dimension_profile(
    data: pd.DataFrame,
    ax: Axes | None = None,
    *,
    x: str = "dimension",
    y: str = "mean",
    hue: str = "wave",
    ci: tuple[str, str] = ("ci_low", "ci_high"),
    order: Sequence[str] | None = None,
    min_n: int = 5,
    language: Language = "da",
    instrument: Instrument | None = None,
    title: str | None = None,
) -> Axes:
    """Mean of each dimension with its 95% CI, the waves side by side (filled circle, open square).

    Parameters
    ----------
    data : DataFrame
        One row per ``x`` (dimension code) and ``hue`` (wave) with ``y`` and the ``ci`` columns, e.g. the
        kommune's index per dimension. A row flagged ``suppressed`` (or, without that column, with ``n`` <
        ``min_n``) shows "n<min_n" instead of its mean.
    order : list, optional
        Dimension codes in plotting order; default the codebook's (the six RK dimensions, then ``rk``).
    """
    _check_language(language)
    _check_min_n(min_n, allow_none=False)
    _check_columns(data, (x, y, hue, *ci), "data")
    _one_table(data, (x, hue), "data", fixed=("kommune",))
    inst = default_instrument(instrument)
    levels = list(order) if order is not None else _code_order(data[x].astype(str), inst)
    waves = _wave_order(data[hue], inst)
    ax = _axes(ax, (1.6 + 1.1 * len(levels), 4.8))
    width = 0.5 / max(len(waves), 1)
    pos = {c: i for i, c in enumerate(levels)}
    sup = _suppressed(data, y, min_n)
    data = data.assign(**{c: data[c].where(~sup) for c in (y, *ci)})
    for k, w in enumerate(waves):
        d = data[data[hue] == w]
        d = d[d[x].astype(str).isin(pos)]
        xs = np.array([pos[str(c)] for c in d[x]]) + (k - (len(waves) - 1) / 2) * width
        _errorbars(ax, xs, d[y], d[ci[0]], d[ci[1]], w, inst, language).lines[0].set_gid(f"wave:{w}")
        for xi in xs[sup[d.index].to_numpy()]:
            _suppressed_mark(ax, xi, inst, min_n, language)
    ax.set_xticks(range(len(levels)), [_wrap(label(c, language, inst), 16) for c in levels], rotation=30,
                  ha="right", rotation_mode="anchor")
    ax.set_xlim(-0.6, len(levels) - 0.4)
    ax.set_ylim(inst.scale.min - 0.1, inst.scale.max + 0.1)
    ax.yaxis.set_major_formatter(_tick_formatter(language))
    _bands_guides(ax, inst, language)
    ax.set_ylabel(text("ci", language))
    ax.set_xlabel(text("dimension", language))
    ax.legend(loc="lower right", fontsize=8)
    if title is not None:
        ax.set_title(title)
    return ax


def _row_labels(data: pd.DataFrame, label_by, language: Language, inst: Instrument) -> list[str]:
    cols = [label_by] if isinstance(label_by, str) else list(label_by)
    _check_columns(data, cols, "comparison")
    if cols == ["group", "target"]:
        return [_tie_label(a, b, language, inst) for a, b in zip(data["group"], data["target"], strict=True)]
    return [" · ".join(label(v, language, inst) for v in row) for row in data[cols].itertuples(index=False)]


def _default_label(data: pd.DataFrame):
    if {"group", "target"} <= set(data.columns):
        return ["group", "target"]
    for col in ("dimension", "scale", "group"):
        if col in data.columns:
            return col
    raise ValueError("pass label=: the column(s) naming each row (e.g. ['group', 'target'] or 'scale')")


def forest_plot(
    comparison: pd.DataFrame,
    label: str | Sequence[str] | None = None,
    ax: Axes | None = None,
    *,
    estimate: str = "hedges",
    ci: tuple[str, str] = ("hedges_ci_low", "hedges_ci_high"),
    p: str = "p_fdr",
    alpha: float = 0.05,
    sort: bool = True,
    min_n: int = 5,
    language: Language = "da",
    instrument: Instrument | None = None,
    title: str | None = None,
) -> Axes:
    """Hedges' g with its 95% CI per row of a comparison, largest at the top.

    Parameters
    ----------
    comparison : DataFrame
        A :func:`relkap.change.compare_waves` table (one row per tie, dimension or scale).
    label : str or list of str, optional
        Column(s) naming each row; ``["group", "target"]`` gives "A → B". Default: ``group, target`` if
        present, else ``dimension`` or ``scale``.
    sort : bool
        Sort by ``estimate``, largest at the top (else the table's order, top to bottom).

    Notes
    -----
    Suppressed rows and rows without an estimate are left out. A filled marker is significant after
    correction (``p`` < ``alpha``), an open one is not.
    """
    _check_language(language)
    _check_min_n(min_n, allow_none=False)
    inst = default_instrument(instrument)
    label_by = label if label is not None else _default_label(comparison)
    _check_columns(comparison, (estimate, *ci), "comparison")
    keep = ~_suppressed(comparison, estimate, min_n) & comparison[estimate].notna()
    data = comparison[keep]
    if sort:
        data = data.sort_values(estimate, ascending=False, kind="stable")
    names = _row_labels(data, label_by, language, inst)
    est = data[estimate].to_numpy(dtype=float)
    lo, hi = data[ci[0]].to_numpy(dtype=float), data[ci[1]].to_numpy(dtype=float)
    sig = (pd.to_numeric(data[p], errors="coerce") < alpha).to_numpy() if p in data.columns else np.zeros(len(data), bool)
    ax = _axes(ax, (7.0, 1.4 + 0.28 * max(len(data), 1)))
    y = np.arange(len(data))
    ax.hlines(y, lo, hi, color="black", linewidth=1.3, gid="ci")
    ax.scatter(est[sig], y[sig], marker="s", s=36, color="black", zorder=3, gid="significant",
               label=text("sig_marker", language))
    ax.scatter(est[~sig], y[~sig], marker="s", s=36, facecolor="white", edgecolor="black", zorder=3,
               gid="not_significant", label=text("not_sig_marker", language))
    ax.axvline(0, color="0.4", linewidth=0.9, linestyle="--", zorder=0)
    ax.set_yticks(y, names)
    ax.set_ylim(len(data) - 0.5, -0.5)
    ax.xaxis.set_major_formatter(_tick_formatter(language))
    ax.set_xlabel(text("hedges", language))
    ax.legend(loc="lower right", fontsize=8, title=f"{p} < {number(alpha, 2, language)}", title_fontsize=8)
    if title is not None:
        ax.set_title(title)
    return ax


def response_overview(
    counts: pd.DataFrame,
    min_n: int = 5,
    ax: Axes | None = None,
    *,
    x: str = "group",
    y: str = "n",
    hue: str = "wave",
    language: Language = "da",
    instrument: Instrument | None = None,
    title: str | None = None,
) -> Axes:
    """Respondents per group and wave as bars (plain baseline, hatched follow-up), with ``min_n`` as a line.

    Groups below the line have their ties suppressed in that wave.
    """
    _check_language(language)
    _check_min_n(min_n, allow_none=False)
    _check_columns(counts, (x, y, hue), "counts")
    _one_table(counts, (x, hue), "counts", fixed=("kommune",))
    inst = default_instrument(instrument)
    levels = group_order(counts[x].astype(str), inst)
    waves = _wave_order(counts[hue], inst)
    ax = _axes(ax, (1.8 + 0.9 * len(levels), 4.5))
    width = 0.8 / max(len(waves), 1)
    pos = {c: i for i, c in enumerate(levels)}
    for k, w in enumerate(waves):
        d = counts[counts[hue] == w]
        xs = np.array([pos[str(c)] for c in d[x]]) + (k - (len(waves) - 1) / 2) * width
        st = _wave_style(w, inst)
        bars = ax.bar(xs, d[y].to_numpy(dtype=float), width=width * 0.95, color=st["colour"],
                      hatch=st["hatch"], edgecolor="black", linewidth=0.8, label=wave_label(w, language, inst),
                      gid=f"wave:{w}")
        for rect, v in zip(bars, d[y], strict=True):
            rect.set_gid(f"wave:{w}")
            ax.text(rect.get_x() + rect.get_width() / 2, rect.get_height(), f"{int(v)}", ha="center",
                    va="bottom", fontsize=7.5, gid="count")
    ax.axhline(min_n, color="black", linestyle="--", linewidth=1.2, gid="threshold",
               label=text("threshold", language, min_n=min_n))
    ax.set_xticks(range(len(levels)), [_wrap(label(c, language, inst), 14) for c in levels], rotation=30,
                  ha="right", rotation_mode="anchor")
    ax.set_ylabel(text("respondents", language))
    ax.set_xlabel(text("group", language))
    ax.legend(fontsize=8)
    ax.margins(y=0.1)
    if title is not None:
        ax.set_title(title)
    return ax


def _suppressed_mark(ax: Axes, x: float, inst: Instrument, min_n: int, language: Language) -> None:
    ax.text(x, inst.scale.min + 0.15, text("suppressed", language, min_n=min_n), rotation=90, ha="center",
            va="bottom", fontsize=7.5, color="0.35", gid="suppressed")


_WAVE_CI = ("ci_low_baseline", "ci_high_baseline", "ci_low_followup", "ci_high_followup")


def scale_change(
    comparison: pd.DataFrame,
    ax: Axes | None = None,
    *,
    scale: str = "scale",
    p: str = "p_fdr",
    alpha: float = 0.05,
    min_n: int = 5,
    language: Language = "da",
    instrument: Instrument | None = None,
    title: str | None = None,
) -> Axes:
    """Leadership, motivation and citizen scale means at baseline and follow-up with 95% CIs.

    Parameters
    ----------
    comparison : DataFrame
        :func:`relkap.change.compare_waves` by ``scale``: ``scale, mean_baseline, mean_followup,
        diff_ci_low, diff_ci_high`` (and ``p``). With the columns ``ci_low_baseline, ci_high_baseline,
        ci_low_followup, ci_high_followup`` each wave gets its own CI.

    Notes
    -----
    ``compare_waves`` has no per-wave CI. Without those columns the follow-up mean carries the 95% CI of
    the *change*, placed at the baseline mean (``mean_baseline + diff_ci``): where it does not reach the
    baseline marker the change is significant before correction. The legend says which is shown. "*" marks
    ``p`` < ``alpha`` after correction. Scales are grouped by survey (employees, citizens). A suppressed
    row (``suppressed``, or ``n_baseline``/``n_followup`` < ``min_n``) shows "n<min_n" only.
    """
    _check_language(language)
    _check_min_n(min_n, allow_none=False)
    _check_columns(comparison, (scale, "mean_baseline", "mean_followup", "diff_ci_low", "diff_ci_high"),
                   "comparison")
    _one_table(comparison, (scale,), "comparison", fixed=("kommune",))
    inst = default_instrument(instrument)
    survey = {s.code: s.instrument for s in inst.scales}
    levels = _code_order(comparison[scale].astype(str), inst)
    data = comparison.set_index(comparison[scale].astype(str)).loc[levels]
    sup = _suppressed(data, "mean_followup", min_n).to_numpy()
    value_cols = [c for c in ("mean_baseline", "mean_followup", "diff_ci_low", "diff_ci_high", p, *_WAVE_CI)
                  if c in data.columns]
    data = data.assign(**{c: data[c].where(~sup) for c in value_cols})
    per_wave = all(c in data.columns for c in _WAVE_CI)
    ax = _axes(ax, (1.8 + 1.0 * len(levels), 4.8))
    xs = np.arange(len(levels), dtype=float)
    mb, mf = data["mean_baseline"].to_numpy(float), data["mean_followup"].to_numpy(float)
    if per_wave:
        lo_b, hi_b = data["ci_low_baseline"], data["ci_high_baseline"]
        lo_f, hi_f = data["ci_low_followup"], data["ci_high_followup"]
        lbl_f = None
    else:
        lo_b = hi_b = mb
        lo_f, hi_f = mb + data["diff_ci_low"].to_numpy(float), mb + data["diff_ci_high"].to_numpy(float)
        lbl_f = text("ci_change", language)
    for i in range(len(levels)):
        ax.plot([xs[i] - 0.14, xs[i] + 0.14], [mb[i], mf[i]], color="0.6", linewidth=1, zorder=1)
    for xi in xs[sup]:
        _suppressed_mark(ax, xi, inst, min_n, language)
    b, f = inst.waves.baseline, inst.waves.followup
    _errorbars(ax, xs - 0.14, mb, lo_b, hi_b, b, inst, language).lines[0].set_gid(f"wave:{b}")
    _errorbars(ax, xs + 0.14, mf, lo_f, hi_f, f, inst, language, lbl=lbl_f).lines[0].set_gid(f"wave:{f}")
    if p in data.columns:
        tops = np.vstack([np.asarray(hi_b, float), np.asarray(hi_f, float), mb, mf])
        for i, pv in enumerate(pd.to_numeric(data[p], errors="coerce")):
            if pv < alpha:  # never true for a suppressed row (p blanked above)
                ax.text(xs[i], np.nanmax(tops[:, i]) + 0.08, "*", ha="center", va="bottom", fontsize=14, fontweight="bold",
                        gid="significant")
    # survey headings above runs of scales of the same survey
    tr = blended_transform_factory(ax.transData, ax.transAxes)
    runs: list[list] = []
    for i, c in enumerate(levels):
        kind = survey.get(c, "")
        if runs and runs[-1][0] == kind:
            runs[-1][2] = i
        else:
            runs.append([kind, i, i])
    for kind, i0, i1 in runs:
        if kind in ("employee", "citizen", "structures"):
            ax.text((i0 + i1) / 2, 1.01, text(kind, language), transform=tr, ha="center", va="bottom",
                    fontsize=9, fontweight="bold")
        if i0 > 0:
            ax.axvline(i0 - 0.5, color="0.75", linewidth=0.8)
    ax.set_xticks(xs, [_wrap(label(c, language, inst), 16) for c in levels], rotation=30, ha="right",
                  rotation_mode="anchor")
    ax.set_xlim(-0.6, len(levels) - 0.4)
    ax.set_ylim(inst.scale.min - 0.1, inst.scale.max + 0.1)
    ax.yaxis.set_major_formatter(_tick_formatter(language))
    ax.set_ylabel(text("ci", language))
    ax.set_xlabel(text("scale", language))
    ax.legend(loc="lower right", fontsize=8, title=text("significant", language, alpha=number(alpha, 2, language)),
              title_fontsize=7.5)
    if title is not None:
        ax.set_title(title, pad=18)
    return ax


# -- example data and gallery ---------------------------------------------------------------------
def _welch(m1, s1, n1, m2, s2, n2) -> dict:
    """Welch test of wave 2 minus wave 1 from summary statistics (example data only)."""
    from scipy import stats

    v1, v2 = s1**2 / n1, s2**2 / n2
    se = math.sqrt(v1 + v2)
    dof = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
    diff = m2 - m1
    t = diff / se
    q = stats.t.ppf(0.975, dof)
    sp = math.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / (n1 + n2 - 2))
    g = diff / sp * (1 - 3 / (4 * (n1 + n2) - 9))
    se_g = math.sqrt((n1 + n2) / (n1 * n2) + g**2 / (2 * (n1 + n2)))
    return {"diff": diff, "diff_ci_low": diff - q * se, "diff_ci_high": diff + q * se, "T": t, "dof": dof,
            "p_val": 2 * stats.t.sf(abs(t), dof), "hedges": g, "hedges_ci_low": g - 1.96 * se_g,
            "hedges_ci_high": g + 1.96 * se_g}


def _adjust(p: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Benjamini-Hochberg and Holm adjusted p-values, NaN kept (example data only)."""
    ok = p.dropna().sort_values()
    m = len(ok)
    bh = (ok * m / np.arange(1, m + 1))[::-1].cummin()[::-1].clip(upper=1)
    holm = (ok * (m - np.arange(m))).cummax().clip(upper=1)
    return bh.reindex(p.index), holm.reindex(p.index)


def example_data(seed: int = 7, min_n: int = 5) -> dict[str, pd.DataFrame]:
    """A realistic made-up kommune in the contract's columns, for the gallery and for trying figures.

    Not survey data: tie means come from a rater effect + target effect + noise, follow-up adds an
    improvement concentrated on the myndighed-udfører ties. Sundhedspleje has too few respondents in the
    baseline, so its ratings are suppressed. Replace with :mod:`relkap.synth` demo data once that exists.

    Returns
    -------
    dict
        ``ties_baseline``, ``ties_followup`` (:func:`~relkap.scoring.tie_scores` columns, dimension
        ``rk``), ``comparison`` (:func:`~relkap.change.compare_waves` by ``group, target``), ``profile``
        (``dimension, wave, mean, ci_low, ci_high``), ``scales`` (compare_waves by ``scale``) and
        ``counts`` (``group, wave, n``).
    """
    from scipy import stats

    inst = default_instrument()
    rng = np.random.default_rng(seed)
    groups = ["myndighed", "udfoerer", "skole", "dagtilbud", "ppr", "sundhedspleje", "ledere"]
    sizes = {"baseline": dict(zip(groups, [24, 17, 31, 22, 8, 4, 9], strict=True)),
             "followup": dict(zip(groups, [26, 19, 27, 20, 9, 6, 10], strict=True))}
    rater = dict(zip(groups, rng.normal(0, 0.2, len(groups)), strict=True))
    target = dict(zip(groups, [-0.35, -0.1, 0.0, 0.25, 0.15, 0.3, -0.2], strict=True))
    focus = {("myndighed", "udfoerer"), ("udfoerer", "myndighed"), ("skole", "ppr"), ("myndighed", "skole")}
    b = inst.bands

    def band(m):
        return "weak" if m < b.weak_below else "strong" if m > b.strong_above else "moderate"

    ties, summary = {}, {}
    for wave in ("baseline", "followup"):
        rows = []
        for g in groups:
            for t in groups:
                n = int(round(sizes[wave][g] * (1.0 if g == t else rng.uniform(0.7, 1.0))))
                lift = 0.0 if wave == "baseline" else 0.12 + (0.55 if (g, t) in focus else 0.0)
                mean = float(np.clip(3.7 + rater[g] + target[t] + (0.3 if g == t else 0) + lift
                                     + rng.normal(0, 0.15), 1.4, 4.8))
                sd = float(rng.uniform(0.5, 0.8))
                summary[(wave, g, t)] = (mean, sd, n)
                sup = n < min_n
                half = stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n) if n > 1 else float("nan")
                rows.append({"kommune": 751, "wave": wave, "group": g, "target": t, "dimension": "rk", "n": n,
                             "mean": np.nan if sup else mean, "sd": np.nan if sup else sd,
                             "ci_low": np.nan if sup else mean - half, "ci_high": np.nan if sup else mean + half,
                             "band": None if sup else band(mean), "suppressed": sup, "diagonal": g == t})
        ties[wave] = pd.DataFrame(rows)

    comp = []
    for g in groups:
        for t in groups:
            (m1, s1, n1), (m2, s2, n2) = summary[("baseline", g, t)], summary[("followup", g, t)]
            sup = min(n1, n2) < min_n
            row = {"kommune": 751, "dimension": "rk", "group": g, "target": t, "n_baseline": n1,
                   "n_followup": n2, "mean_baseline": np.nan if sup else m1, "mean_followup": np.nan if sup else m2}
            w = _welch(m1, s1, n1, m2, s2, n2)
            row |= {k: (np.nan if sup else v) for k, v in w.items()}
            row |= {"p_mwu": np.nan if sup else min(1.0, w["p_val"] * 1.1), "test": "welch", "suppressed": sup}
            comp.append(row)
    comparison = pd.DataFrame(comp)
    cross = ~comparison["suppressed"] & (comparison["group"] != comparison["target"])
    fdr, holm = _adjust(comparison["p_val"].where(cross))
    comparison["p_fdr"], comparison["p_holm"] = fdr, holm
    comparison = comparison[["kommune", "dimension", "group", "target", "n_baseline", "n_followup",
                             "mean_baseline", "mean_followup", "diff", "diff_ci_low", "diff_ci_high", "T", "dof",
                             "p_val", "hedges", "hedges_ci_low", "hedges_ci_high", "p_mwu", "p_fdr", "p_holm",
                             "test", "suppressed"]]

    prof = []
    base = dict(zip(inst.relational_codes, [3.9, 4.1, 3.8, 3.4, 3.5, 3.2], strict=True))
    for wave, lift in (("baseline", 0.0), ("followup", 0.2)):
        for dim, m in base.items():
            mean = m + lift + rng.normal(0, 0.05)
            half = float(rng.uniform(0.09, 0.14))
            prof.append({"kommune": 751, "wave": wave, "dimension": dim, "mean": mean, "ci_low": mean - half,
                         "ci_high": mean + half})
    profile = pd.DataFrame(prof)

    sc = []
    survey = {sc.code: sc.instrument for sc in inst.scales}
    scale_means = {"vision": (3.3, 0.35), "deltagelse": (3.1, 0.25), "ramme": (3.4, 0.3),
                   "involvering": (3.0, 0.4), "motivation": (3.9, 0.05), "samskabelse": (3.5, 0.2),
                   "tilfredshed": (3.8, 0.1), "effekt": (3.4, 0.15)}
    for code, (m, lift) in scale_means.items():
        n1, n2 = (115, 121) if survey[code] == "employee" else (64, 71)
        s1, s2 = 0.75, 0.75
        w = _welch(m, s1, n1, m + lift, s2, n2)
        sc.append({"kommune": 751, "scale": code, "n_baseline": n1, "n_followup": n2, "mean_baseline": m,
                   "mean_followup": m + lift, **w, "p_mwu": w["p_val"], "test": "welch", "suppressed": False})
    scales = pd.DataFrame(sc)
    scales["p_fdr"], scales["p_holm"] = _adjust(scales["p_val"])

    counts = pd.DataFrame([{"kommune": 751, "group": g, "wave": w, "n": sizes[w][g]}
                           for w in ("baseline", "followup") for g in groups])
    return {"ties_baseline": ties["baseline"], "ties_followup": ties["followup"], "comparison": comparison,
            "profile": profile, "scales": scales, "counts": counts}


def demo_data(
    kommune: int | None = None, seed: int = 1, min_n: int = 5, instrument: Instrument | None = None
) -> dict[str, pd.DataFrame]:
    """The same tables as :func:`example_data`, from the project's own pipeline on simulated data.

    The ten demo kommuner of :func:`relkap.synth.write_demo` (``seed``), imported with
    :func:`relkap.io.import_raw` into a temporary folder, scored with :mod:`relkap.scoring` and compared
    with :func:`relkap.change.compare_waves` (Welch, anonymous waves). ``kommune`` defaults to the demo
    kommune with the most groups, then the fewest suppressed ties (a full matrix with some grey cells).
    The temporary import uses a fixed pseudonymisation key, so the project's key is neither read nor made.
    """
    import os
    import tempfile

    from scipy import stats

    from . import change, io, scoring, synth

    inst = default_instrument(instrument)
    saved = os.environ.get(io.KEY_ENV)
    os.environ[io.KEY_ENV] = "relkap-gallery"  # pseudonyms do not matter for figures
    try:
        with tempfile.TemporaryDirectory() as tmp:
            raw, processed = Path(tmp, "raw"), Path(tmp, "processed")
            synth.write_demo(raw, n_kommuner=10, seed=seed, instrument=inst)
            io.import_raw(raw, processed, instrument=inst)
            tables = io.load(processed)
    finally:
        if saved is None:
            os.environ.pop(io.KEY_ENV, None)
        else:
            os.environ[io.KEY_ENV] = saved
    all_ties = scoring.tie_scores(tables.relations, inst, by=["kommune", "wave"], dimension="rk", min_n=min_n)
    if kommune is None:
        k = all_ties.groupby("kommune", observed=True).agg(groups=("group", "nunique"), sup=("suppressed", "sum"))
        kommune = int(k.sort_values(["groups", "sup"], ascending=[False, True], kind="stable").index[0])
    ties = all_ties[all_ties["kommune"] == kommune]
    if ties.empty:
        raise ValueError(f"kommune {kommune} is not among the demo kommuner {sorted(all_ties['kommune'].unique())}")
    rel, emp, cit = (t[t["kommune"] == kommune] for t in (tables.relations, tables.scales, tables.citizens))
    rs = scoring.respondent_scores(rel, inst, dimension="rk")
    comparison = change.compare_waves(rs, "score", by=["kommune", "group", "target", "dimension"], min_n=min_n)

    # dimension profile: each respondent's mean over the other groups, then mean and t CI per wave
    dims = scoring.respondent_scores(rel, inst, dimension="all")
    dims = dims[dims["group"].astype(str) != dims["target"].astype(str)]
    person = dims.groupby(["wave", "dimension", "respondent_id"], observed=True)["score"].mean().dropna()
    agg = person.groupby(level=["wave", "dimension"], observed=True).agg(["mean", "std", "count"]).reset_index()
    half = stats.t.ppf(0.975, agg["count"] - 1) * agg["std"] / np.sqrt(agg["count"])
    profile = agg.assign(ci_low=agg["mean"] - half, ci_high=agg["mean"] + half, n=agg["count"])[
        ["wave", "dimension", "n", "mean", "ci_low", "ci_high"]]

    scale_scores = pd.concat([scoring.scale_scores(emp, inst), scoring.scale_scores(cit, inst)], ignore_index=True)
    scale_scores = scale_scores[scale_scores["scale"].astype(str).isin([s.code for s in inst.scales_for("employee")]
                                                                       + [s.code for s in inst.scales_for("citizen")])]
    scales = change.compare_waves(scale_scores, "score", by=["kommune", "scale"], min_n=min_n)
    counts = (rel.groupby(["group", "wave"], observed=True)["respondent_id"].nunique().rename("n").reset_index())
    waves = ties["wave"].astype(str)
    return {"ties_baseline": ties[waves == inst.waves.baseline].reset_index(drop=True),
            "ties_followup": ties[waves == inst.waves.followup].reset_index(drop=True),
            "comparison": comparison, "profile": profile, "scales": scales, "counts": counts}


def gallery(folder: str | Path, language: Language = "da", dpi: int = 100, source: str = "demo") -> list[Path]:
    """Draw every figure and save one PNG each in ``folder``; return the paths.

    ``source="demo"`` uses :func:`demo_data` (the project's pipeline on simulated data), ``"example"`` the
    hand-made :func:`example_data`.
    """
    _check_choice("source", source, ("demo", "example"))
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    data = demo_data() if source == "demo" else example_data()
    base, follow, comp = data["ties_baseline"], data["ties_followup"], data["comparison"]
    pos = network.layout([base, follow])
    n_max = max(base["n"].max(), follow["n"].max())
    cross = comp[comp["group"] != comp["target"]]
    figures = {
        "tie_heatmap_baseline": lambda ax: tie_heatmap(base, ax, language=language),
        "tie_heatmap_followup": lambda ax: tie_heatmap(follow, ax, language=language),
        "change_heatmap": lambda ax: change_heatmap(comp, ax, language=language),
        "network_baseline": lambda ax: network_diagram(base, pos, ax, n_max=n_max, language=language),
        "network_followup": lambda ax: network_diagram(follow, pos, ax, n_max=n_max, language=language),
        "change_network": lambda ax: change_network(base, follow, comp, pos, ax, n_max=n_max, language=language),
        "dimension_profile": lambda ax: dimension_profile(data["profile"], ax, language=language),
        "forest_plot": lambda ax: forest_plot(cross, ax=ax, language=language),
        "response_overview": lambda ax: response_overview(data["counts"], 5, ax, language=language),
        "scale_change": lambda ax: scale_change(data["scales"], ax, language=language),
    }
    sizes = {"tie_heatmap": (8.5, 7), "change_heatmap": (8.5, 7), "network": (7.5, 8), "change_network": (8.5, 8),
             "dimension_profile": (8.5, 4.8), "forest_plot": (7.5, 10), "response_overview": (8, 4.8),
             "scale_change": (9.5, 5)}
    written = []
    with figure_context():
        for name, draw in figures.items():
            size = next(v for k, v in sizes.items() if name.startswith(k))
            fig, ax = plt.subplots(figsize=size)
            draw(ax)
            path = folder / f"{name}.png"
            fig.savefig(path, dpi=dpi, bbox_inches="tight")
            plt.close(fig)
            written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m relkap.plots", description=__doc__.splitlines()[0])
    parser.add_argument("--gallery", metavar="FOLDER", required=True, help="write one PNG per figure here")
    parser.add_argument("--language", choices=("da", "en"), default="da")
    parser.add_argument("--dpi", type=int, default=100)
    parser.add_argument("--source", choices=("demo", "example"), default="demo",
                        help="demo: simulated kommune through synth/io/scoring/change; example: example_data()")
    args = parser.parse_args(argv)
    mpl.use("Agg")
    for path in gallery(args.gallery, args.language, args.dpi, args.source):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
