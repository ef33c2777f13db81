"""Means per wave with their 95% CIs: the profile of the RK dimensions and the change of the other scales.

Both draw numbers computed elsewhere (:func:`relkap.scoring.describe`, :func:`relkap.report.scale_change`):
a figure computes no statistics of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.transforms import blended_transform_factory

from .. import fmt, words
from ..checks import check_columns
from ..config import ALPHA, MIN_N
from ..instrument import Instrument
from ..labels import band_label, default_instrument, label, wave_label
from ..network import check_one_table
from ..words import Language
from .common import (
    MIN_FONT,
    axes_or_new,
    check_figure,
    code_order,
    print_width,
    require_data,
    suppressed_rows,
    tick_formatter,
    wave_order,
    wave_style,
    wrap,
)

__all__ = ["dimension_profile", "scale_change"]


_SURVEYS = {"employee": "glossary.employees", "citizen": "glossary.citizens", "structures": "glossary.structures"}

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
    data: pd.DataFrame | None = None,
    *,
    x: str = "dimension",
    y: str = "mean",
    hue: str = "wave",
    ci: tuple[str, str] = ("ci_low", "ci_high"),
    order: Sequence[str] | None = None,
    min_n: int = MIN_N,
    language: Language = "da",
    instrument: Instrument | None = None,
    title: str | None = None,
    ax: Axes | None = None,
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
    data = require_data(data, "dimension_profile")
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

def _suppressed_mark(ax: Axes, x: float, inst: Instrument, min_n: int, language: Language) -> None:
    ax.text(x, inst.scale.min + 0.15, words.text("figure.suppressed", language, min_n=min_n), rotation=90, ha="center",
            va="bottom", fontsize=MIN_FONT, color="0.35", gid="suppressed")


_WAVE_CI = ("ci_low_baseline", "ci_high_baseline", "ci_low_followup", "ci_high_followup")

def scale_change(
    data: pd.DataFrame | None = None,
    *,
    scale: str = "scale",
    p: str = "p_fdr",
    alpha: float = ALPHA,
    min_n: int = MIN_N,
    language: Language = "da",
    instrument: Instrument | None = None,
    title: str | None = None,
    ax: Axes | None = None,
    **kwargs,
) -> Axes:
    """Leadership, motivation and citizen scale means at baseline and follow-up with 95% CIs.

    Parameters
    ----------
    data : DataFrame
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
    comparison = require_data(data, "scale_change")
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
