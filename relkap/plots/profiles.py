"""Profiles, effect sizes and counts: dimension profile, forest plots, response overview, scale change,
the benchmark among kommuner and the research models' estimates.

Every function draws numbers computed elsewhere (:mod:`relkap.change`, :mod:`relkap.scoring`,
:mod:`relkap.report`, :mod:`relkap.research`): a figure computes no statistics of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.transforms import blended_transform_factory

from .. import fmt, words
from ..checks import check_columns
from ..instrument import Instrument
from ..network import check_one_table
from ..style import BAND_COLOURS, band_label, default_instrument, group_order, label, wave_label
from ..words import Language
from .common import (
    MIN_FONT,
    OWN_COLOUR,
    axes_or_new,
    check_benchmark,
    check_figure,
    code_order,
    print_width,
    suppressed_rows,
    tick_formatter,
    tie_label,
    tie_labels,
    wave_order,
    wave_style,
    wrap,
)

__all__ = ["dimension_profile", "forest_plot", "response_overview", "scale_change", "benchmark_plot",
           "estimates_plot"]

_SURVEYS = {"employee": "glossary.employees", "citizen": "glossary.citizens", "structures": "glossary.structures"}


def benchmark_plot(
    bench: pd.DataFrame,
    ax: Axes | None = None,
    *,
    change: bool = False,
    min_n: int = 5,
    language: Language = "da",
    instrument: Instrument | None = None,
    title: str = "",
    **kwargs,
) -> Axes:
    """One kommune's ties (red dots) against their distribution over all kommuner (boxes), one row a tie.

    Parameters
    ----------
    bench : DataFrame
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



def _bands_guides(ax: Axes, inst: Instrument, language: Language) -> None:
    b = inst.bands
    tr = blended_transform_factory(ax.transAxes, ax.transData)
    for y in (b.weak_below, b.strong_above):
        ax.axhline(y, color="0.55", linewidth=0.8, linestyle=":", zorder=0, gid="band_boundary")
    lo, hi = inst.scale.min, inst.scale.max
    for band, y in (("weak", (lo + b.weak_below) / 2), ("moderate", (b.weak_below + b.strong_above) / 2),
                    ("strong", (b.strong_above + hi) / 2)):
        ax.text(1.01, y, band_label(band, language), transform=tr, fontsize=MIN_FONT, color="0.4", va="center")


def _errorbars(ax, x, mean, lo, hi, wave, inst, language, lbl=None, **kwargs):
    """A wave's means with error bars from ``lo`` to ``hi``, in the wave's marker, fill and colour."""
    st = wave_style(wave, inst)
    mean, lo, hi = (np.asarray(v, dtype=float) for v in (mean, lo, hi))
    yerr = np.vstack([mean - lo, hi - mean])
    yerr = None if np.isnan(yerr).all() else np.nan_to_num(yerr)
    style = {"fmt": st["marker"], "color": st["colour"], "markersize": 7,
             "markerfacecolor": st["colour"] if st["filled"] else "white", "markeredgewidth": 1.5, "capsize": 3,
             "elinewidth": 1.3, "label": lbl if lbl is not None else wave_label(wave, language, inst)}
    return ax.errorbar(x, mean, yerr=yerr, **{**style, **kwargs})


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
    **kwargs,
) -> Axes:
    """Mean of each dimension with its 95% CI, the waves side by side (filled circle, open square).

    Parameters
    ----------
    data : DataFrame
        One row per ``x`` (dimension code) and ``hue`` (wave) with ``y`` and the ``ci`` columns, e.g. the
        kommune's index per dimension. A row flagged ``suppressed`` (or, without that column, with ``n`` <
        ``min_n``) shows "n<min_n" instead of its mean.
    ax : Axes, optional
        Where to draw (default a new figure).
    x, y, hue, ci : str
        The columns of the dimension code, the mean, the wave and the CI bounds.
    order : list, optional
        Dimension codes in plotting order; default the codebook's (the six RK dimensions, then ``rk``).
    min_n, language, instrument, title
        As for :func:`relkap.plots.tie_heatmap` (no title by default).
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.errorbar` of each wave.

    Returns
    -------
    Axes

    Notes
    -----
    Dotted lines mark the band boundaries, named at the right. Draws e.g.
    :func:`relkap.report.dimension_profile_data`.

    Examples
    --------
    >>> data = pd.DataFrame({"dimension": ["kendskab", "respekt"] * 2, "wave": ["baseline"] * 2 + ["followup"] * 2,
    ...                      "mean": [3.6, 4.1, 3.8, 4.2], "ci_low": [3.4, 3.9, 3.6, 4.0],
    ...                      "ci_high": [3.8, 4.3, 4.0, 4.4], "n": [40, 40, 38, 3]})
    >>> ax = dimension_profile(data, language="en")
    >>> [t.get_text() for t in ax.get_xticklabels()], [t.get_text() for t in ax.texts if t.get_gid()]
    (['Mutual knowledge', 'Mutual respect'], ['n<5'])
    """
    check_figure(language, min_n)
    check_columns(data, (x, y, hue, *ci), "data")
    check_one_table(data, (x, hue), "data", fixed=("kommune",))
    inst = default_instrument(instrument)
    levels = list(order) if order is not None else code_order(data[x].astype(str), inst)
    waves = wave_order(data[hue], inst)
    ax = axes_or_new(ax, (print_width(1.6 + 1.1 * len(levels)), 4.8))
    width = 0.5 / max(len(waves), 1)
    pos = {c: i for i, c in enumerate(levels)}
    sup = suppressed_rows(data, y, min_n)
    data = data.assign(**{c: data[c].where(~sup) for c in (y, *ci)})
    for k, w in enumerate(waves):
        d = data[data[hue] == w]
        d = d[d[x].astype(str).isin(pos)]
        xs = np.array([pos[str(c)] for c in d[x]]) + (k - (len(waves) - 1) / 2) * width
        _errorbars(ax, xs, d[y], d[ci[0]], d[ci[1]], w, inst, language, **kwargs).lines[0].set_gid(f"wave:{w}")
        for xi in xs[sup[d.index].to_numpy()]:
            _suppressed_mark(ax, xi, inst, min_n, language)
    ax.set_xticks(range(len(levels)), [wrap(label(c, language, inst), 16) for c in levels], rotation=30,
                  ha="right", rotation_mode="anchor")
    ax.set_xlim(-0.6, len(levels) - 0.4)
    ax.set_ylim(inst.scale.min - 0.1, inst.scale.max + 0.1)
    ax.yaxis.set_major_formatter(tick_formatter(language))
    _bands_guides(ax, inst, language)
    ax.set_ylabel(words.text("figure.ci", language))
    ax.set_xlabel(words.text("glossary.dimension", language))
    ax.legend(loc="lower right", fontsize=MIN_FONT)
    if title is not None:
        ax.set_title(title)
    return ax


def _row_labels(data: pd.DataFrame, label_by, language: Language, inst: Instrument) -> list[str]:
    cols = [label_by] if isinstance(label_by, str) else list(label_by)
    check_columns(data, cols, "comparison")
    if cols == ["group", "target"]:
        return [tie_label(a, b, language, inst) for a, b in zip(data["group"], data["target"], strict=True)]
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
    **kwargs,
) -> Axes:
    """Hedges' g with its 95% CI per row of a comparison, largest at the top.

    Parameters
    ----------
    comparison : DataFrame
        A :func:`relkap.change.compare_waves` table (one row per tie, dimension or scale).
    label : str or list of str, optional
        Column(s) naming each row; ``["group", "target"]`` gives "A → B". Default: ``group, target`` if
        present, else ``dimension`` or ``scale``.
    ax : Axes, optional
        Where to draw (default a new figure, taller with more rows).
    estimate, ci : str, tuple of str
        The effect size column and its CI bounds (default Hedges' g).
    p, alpha : str, float
        A filled marker where ``p`` < ``alpha``.
    sort : bool
        Sort by ``estimate``, largest at the top (else the table's order, top to bottom).
    min_n, language, instrument, title
        As for :func:`relkap.plots.tie_heatmap` (no title by default).
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.hlines` of the CIs.

    Returns
    -------
    Axes

    Notes
    -----
    Suppressed rows and rows without an estimate are left out. A filled marker is significant after
    correction (``p`` < ``alpha``), an open one is not.

    Examples
    --------
    >>> comp = pd.DataFrame({"scale": ["vision", "motivation"], "hedges": [0.1, 0.5],
    ...                      "hedges_ci_low": [-0.2, 0.2], "hedges_ci_high": [0.4, 0.8], "p_fdr": [0.5, 0.01],
    ...                      "suppressed": [False, False]})
    >>> ax = forest_plot(comp, language="en")
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['Motivation', 'Communicated shared vision']
    """
    check_figure(language, min_n)
    inst = default_instrument(instrument)
    label_by = label if label is not None else _default_label(comparison)
    check_columns(comparison, (estimate, *ci), "comparison")
    keep = ~suppressed_rows(comparison, estimate, min_n) & comparison[estimate].notna()
    data = comparison[keep]
    if sort:
        data = data.sort_values(estimate, ascending=False, kind="stable")
    names = [wrap(n, 34) for n in _row_labels(data, label_by, language, inst)]
    est = data[estimate].to_numpy(dtype=float)
    lo, hi = data[ci[0]].to_numpy(dtype=float), data[ci[1]].to_numpy(dtype=float)
    sig = (pd.to_numeric(data[p], errors="coerce") < alpha).to_numpy() if p in data.columns else np.zeros(len(data), bool)
    ax = axes_or_new(ax, (print_width(7.0), 2.0 + (0.42 if any("\n" in n for n in names) else 0.28)
                          * max(len(data), 1)))
    y = np.arange(len(data))
    ax.hlines(y, lo, hi, **{"color": "black", "linewidth": 1.3, "gid": "ci", **kwargs})
    ax.scatter(est[sig], y[sig], marker="s", s=36, color="black", zorder=3, gid="significant",
               label=words.text("figure.sig_marker", language))
    ax.scatter(est[~sig], y[~sig], marker="s", s=36, facecolor="white", edgecolor="black", zorder=3,
               gid="not_significant", label=words.text("figure.not_sig_marker", language))
    ax.axvline(0, color="0.4", linewidth=0.9, linestyle="--", zorder=0)
    ax.set_yticks(y, names)
    ax.set_ylim(len(data) - 0.5, -0.5)
    ax.xaxis.set_major_formatter(tick_formatter(language))
    ax.set_xlabel(words.text("figure.hedges", language))
    # above the axes, never on a CI
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=1, fontsize=MIN_FONT, frameon=False,
              title=f"{p} < {fmt.number(alpha, 2, language)}", title_fontsize=MIN_FONT, alignment="left")
    if title is not None:
        ax.set_title(title, pad=48)
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
    **kwargs,
) -> Axes:
    """Respondents per group and wave as bars (plain baseline, hatched follow-up), with ``min_n`` as a line.

    Parameters
    ----------
    counts : DataFrame
        One row per ``x`` (group) and ``hue`` (wave) with the count ``y``, e.g. the rows of
        :func:`relkap.report.response_overview` for the employee groups.
    min_n : int
        The threshold drawn: groups below the line have their ties suppressed in that wave.
    ax : Axes, optional
        Where to draw (default a new figure).
    x, y, hue : str
        The columns of the group, the count and the wave.
    language, instrument, title
        As for :func:`relkap.plots.tie_heatmap` (no title by default).
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.bar` of each wave.

    Returns
    -------
    Axes

    Notes
    -----
    The reader must see why a group is missing, but not how small it is: a count below ``min_n`` is
    labelled "<min_n" (:func:`relkap.fmt.count`) and its bar drawn unfilled up to the threshold line.

    Examples
    --------
    >>> counts = pd.DataFrame({"group": ["skole", "ppr"] * 2, "wave": ["baseline"] * 2 + ["followup"] * 2,
    ...                        "n": [12, 4, 11, 6]})
    >>> ax = response_overview(counts, min_n=5)
    >>> [t.get_text() for t in ax.texts], [t.get_text() for t in ax.get_legend().get_texts()]
    (['12', '<5', '11', '6'], ['Mindste n der vises (5)', 'Førmåling', 'Eftermåling'])
    """
    check_figure(language, min_n)
    check_columns(counts, (x, y, hue), "counts")
    check_one_table(counts, (x, hue), "counts", fixed=("kommune",))
    inst = default_instrument(instrument)
    levels = group_order(counts[x].astype(str), inst)
    waves = wave_order(counts[hue], inst)
    ax = axes_or_new(ax, (print_width(1.8 + 0.9 * len(levels)), 4.5))
    width = 0.8 / max(len(waves), 1)
    pos = {c: i for i, c in enumerate(levels)}
    for k, w in enumerate(waves):
        d = counts[counts[hue] == w]
        xs = np.array([pos[str(c)] for c in d[x]]) + (k - (len(waves) - 1) / 2) * width
        st = wave_style(w, inst)
        style = {"color": st["colour"], "hatch": st["hatch"], "edgecolor": "black", "linewidth": 0.8,
                 "label": wave_label(w, language, inst)}
        n = d[y].to_numpy(dtype=float)
        small = n < min_n
        # a count below min_n is shown neither as a number nor as a bar height: its bar reaches the
        # threshold line, unfilled and dashed, and reads "<min_n"
        bars = ax.bar(xs, np.where(small, min_n, n), width=width * 0.95, gid=f"wave:{w}", **{**style, **kwargs})
        for rect, v, is_small in zip(bars, d[y], small, strict=True):
            rect.set_gid(f"wave:{w}")
            if is_small:
                rect.set_facecolor("none")
                rect.set_linestyle("--")
                rect.set_edgecolor("0.45")
            ax.text(rect.get_x() + rect.get_width() / 2, rect.get_height(), fmt.count(v, min_n, language), ha="center",
                    va="bottom", fontsize=MIN_FONT, gid="count")
    ax.axhline(min_n, color="black", linestyle="--", linewidth=1.2, gid="threshold",
               label=words.text("figure.threshold", language, min_n=min_n))
    ax.set_xticks(range(len(levels)), [wrap(label(c, language, inst), 14) for c in levels], rotation=30,
                  ha="right", rotation_mode="anchor")
    ax.set_ylabel(words.text("figure.respondents", language))
    ax.set_xlabel(words.text("glossary.group", language))
    ax.legend(fontsize=MIN_FONT)
    ax.margins(y=0.1)
    if title is not None:
        ax.set_title(title)
    return ax


def _suppressed_mark(ax: Axes, x: float, inst: Instrument, min_n: int, language: Language) -> None:
    ax.text(x, inst.scale.min + 0.15, words.text("figure.suppressed", language, min_n=min_n), rotation=90, ha="center",
            va="bottom", fontsize=MIN_FONT, color="0.35", gid="suppressed")


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
    **kwargs,
) -> Axes:
    """Leadership, motivation and citizen scale means at baseline and follow-up with 95% CIs.

    Parameters
    ----------
    comparison : DataFrame
        :func:`relkap.change.compare_waves` by ``scale``: ``scale, mean_baseline, mean_followup,
        diff_ci_low, diff_ci_high`` (and ``p``). With the columns ``ci_low_baseline, ci_high_baseline,
        ci_low_followup, ci_high_followup`` each wave gets its own CI.
    ax : Axes, optional
        Where to draw (default a new figure).
    scale : str
        The column of the scale code.
    p, alpha : str, float
        "*" above a scale where ``p`` < ``alpha``.
    min_n, language, instrument, title
        As for :func:`relkap.plots.tie_heatmap` (no title by default).
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.errorbar` of each wave.

    Returns
    -------
    Axes

    Notes
    -----
    ``compare_waves`` has no per-wave CI. Without those columns the follow-up mean carries the 95% CI of
    the *change*, placed at the baseline mean (``mean_baseline + diff_ci``): where it does not reach the
    baseline marker the change is significant before correction. The legend says which is shown. "*" marks
    ``p`` < ``alpha`` after correction. Scales are grouped by survey (employees, citizens). A suppressed
    row (``suppressed``, or ``n_baseline``/``n_followup`` < ``min_n``) shows "n<min_n" only.

    Examples
    --------
    >>> comp = pd.DataFrame({"scale": ["vision", "samskabelse"], "mean_baseline": [3.2, 3.5],
    ...     "mean_followup": [3.6, 3.55], "diff_ci_low": [0.2, -0.2], "diff_ci_high": [0.6, 0.3],
    ...     "p_fdr": [0.002, 0.7], "suppressed": [False, False]})
    >>> ax = scale_change(comp, language="en")
    >>> sorted(t.get_text() for t in ax.texts)
    ['*', 'Citizens', 'Employees']
    """
    check_figure(language, min_n)
    check_columns(comparison, (scale, "mean_baseline", "mean_followup", "diff_ci_low", "diff_ci_high"),
                   "comparison")
    check_one_table(comparison, (scale,), "comparison", fixed=("kommune",))
    inst = default_instrument(instrument)
    survey = {s.code: s.instrument for s in inst.scales}
    levels = code_order(comparison[scale].astype(str), inst)
    data = comparison.set_index(comparison[scale].astype(str)).loc[levels]
    sup = suppressed_rows(data, "mean_followup", min_n).to_numpy()
    value_cols = [c for c in ("mean_baseline", "mean_followup", "diff_ci_low", "diff_ci_high", p, *_WAVE_CI)
                  if c in data.columns]
    data = data.assign(**{c: data[c].where(~sup) for c in value_cols})
    per_wave = all(c in data.columns for c in _WAVE_CI)
    ax = axes_or_new(ax, (print_width(1.8 + 1.0 * len(levels)), 4.8))
    xs = np.arange(len(levels), dtype=float)
    mb, mf = data["mean_baseline"].to_numpy(float), data["mean_followup"].to_numpy(float)
    if per_wave:
        lo_b, hi_b = data["ci_low_baseline"], data["ci_high_baseline"]
        lo_f, hi_f = data["ci_low_followup"], data["ci_high_followup"]
        lbl_f = None
    else:
        lo_b = hi_b = mb
        lo_f, hi_f = mb + data["diff_ci_low"].to_numpy(float), mb + data["diff_ci_high"].to_numpy(float)
        lbl_f = words.text("figure.ci_change", language)
    for i in range(len(levels)):
        ax.plot([xs[i] - 0.14, xs[i] + 0.14], [mb[i], mf[i]], color="0.6", linewidth=1, zorder=1)
    for xi in xs[sup]:
        _suppressed_mark(ax, xi, inst, min_n, language)
    b, f = inst.waves.baseline, inst.waves.followup
    _errorbars(ax, xs - 0.14, mb, lo_b, hi_b, b, inst, language, **kwargs).lines[0].set_gid(f"wave:{b}")
    _errorbars(ax, xs + 0.14, mf, lo_f, hi_f, f, inst, language, lbl=lbl_f, **kwargs).lines[0].set_gid(f"wave:{f}")
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
        if kind in _SURVEYS:
            ax.text((i0 + i1) / 2, 1.01, words.text(_SURVEYS[kind], language), transform=tr, ha="center", va="bottom",
                    fontsize=9, fontweight="bold")
        if i0 > 0:
            ax.axvline(i0 - 0.5, color="0.75", linewidth=0.8)
    ax.set_xticks(xs, [wrap(label(c, language, inst), 16) for c in levels], rotation=30, ha="right",
                  rotation_mode="anchor")
    ax.set_xlim(-0.6, len(levels) - 0.4)
    ax.set_ylim(inst.scale.min - 0.1, inst.scale.max + 0.1)
    ax.yaxis.set_major_formatter(tick_formatter(language))
    # the axis says "with CI" only when each wave has its own CI; else the legend says which CI is drawn
    ax.set_ylabel(words.text("figure.ci" if per_wave else "glossary.mean", language))
    ax.set_xlabel(words.text("glossary.scale", language))
    ax.legend(loc="lower right", fontsize=MIN_FONT, title=words.text("figure.significant", language, alpha=fmt.number(alpha, 2, language)),
              title_fontsize=MIN_FONT)
    if title is not None:
        ax.set_title(title, pad=18)
    return ax


def estimates_plot(
    table: pd.DataFrame,
    label: str | Sequence[str] = "predictor",
    estimate: str = "estimate",
    ax: Axes | None = None,
    *,
    title: str | None = None,
    reference: float = 0.0,
    alpha: float = 0.05,
    xlabel: str | None = None,
    language: Language = "da",
    **kwargs,
) -> Axes:
    """Forest plot of one research result table: a point and its 95% CI per row (:mod:`relkap.research`).

    Parameters
    ----------
    table : DataFrame
        A result table of :mod:`relkap.research` with ``estimate``, its CI columns, ``p_val`` and optionally
        ``p_adj`` (used where present).
    label : str or list of str
        Column(s) naming each row, joined with " · ", first row at the top.
    estimate : str
        The point column; its CI columns are ``ci_low``/``ci_high`` with the same suffix (``"estimate_std"``
        -> ``ci_low_std``, ``ci_high_std``).
    ax : Axes, optional
        Where to draw (default a new figure, taller with more rows).
    title : str, optional
        Above the axes.
    reference : float
        Where the dashed "no effect" line is drawn.
    alpha : float
        A filled marker where ``p_adj`` (else ``p_val``) < ``alpha``, an open one otherwise; the legend
        says which: "adjusted p" when every row has ``p_adj``, "p" without it, and "p (adjusted where
        given)" when only some rows have one.
    xlabel : str, optional
        Default "Estimate with 95% confidence interval" in ``language``.
    language : {"da", "en"}
        Language of the default axis label and the legend.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.hlines` of the CIs; ``color`` colours the markers as well.

    Returns
    -------
    Axes

    Notes
    -----
    Rows without an estimate are left out. Row labels are the table's values as they are (the research
    tables name models and predictors in their own words).

    Examples
    --------
    >>> table = pd.DataFrame({"predictor": ["vision", "ramme"], "estimate": [0.3, 0.05],
    ...                       "ci_low": [0.1, -0.1], "ci_high": [0.5, 0.2], "p_val": [0.004, 0.5]})
    >>> ax = estimates_plot(table, language="en")
    >>> [t.get_text() for t in ax.get_yticklabels()], [t.get_text() for t in ax.get_legend().get_texts()]
    (['vision', 'ramme'], ['p < 0.05', 'p ≥ 0.05'])
    >>> ax = estimates_plot(table.assign(p_adj=[0.008, 0.5]), language="da")
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['justeret p < 0,05', 'justeret p ≥ 0,05']
    """
    words.check_language(language)
    suffix = "" if estimate == "estimate" else "_" + estimate.split("_")[-1]
    lo, hi = f"ci_low{suffix}", f"ci_high{suffix}"
    labels = [label] if isinstance(label, str) else list(label)
    check_columns(table, (estimate, lo, hi, "p_val", *labels), "table")
    d = table.dropna(subset=[estimate]).reset_index(drop=True)
    ax = axes_or_new(ax, (print_width(7.0), 0.45 * max(len(d), 2) + 1.0))
    p = d["p_adj"].where(d["p_adj"].notna(), d["p_val"]) if "p_adj" in d else d["p_val"]
    # the legend names the p the markers use: adjusted, raw, or adjusted where a row has one
    adj = d["p_adj"].notna() if "p_adj" in d else pd.Series(False, index=d.index)
    kind = "p_adj" if len(d) and adj.all() else "p_mixed" if adj.any() else "p"
    y = np.arange(len(d))[::-1]
    colour = kwargs.pop("color", BAND_COLOURS["strong"])
    ax.hlines(y, d[lo], d[hi], **{"color": colour, "lw": 1.6, **kwargs})
    sig = (p < alpha).to_numpy()
    a = fmt.number(alpha, 2, language)
    ax.scatter(d[estimate][sig], y[sig], color=colour, zorder=3, s=36,
               label=words.text(f"figure.{kind}_below", language, alpha=a))
    ax.scatter(d[estimate][~sig], y[~sig], facecolor="white", edgecolor=colour, zorder=3, s=36,
               label=words.text(f"figure.{kind}_not_below", language, alpha=a))
    ax.axvline(reference, color="#7F7F7F", lw=0.8, ls="--")
    ax.set_yticks(y, [" · ".join(str(v) for v in r) for r in d[labels].itertuples(index=False)])
    ax.set_xlabel(xlabel if xlabel is not None else words.text("figure.estimate", language))
    if title:
        ax.set_title(title)
    ax.legend(loc="best", fontsize=MIN_FONT)
    return ax
