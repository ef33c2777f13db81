"""Estimates with their 95% CIs, one row each: Hedges' g of the ties (forest plot) and the research models'
coefficients (:mod:`relkap.research`).

Both draw numbers computed elsewhere (:mod:`relkap.change`, :mod:`relkap.research`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .. import fmt, words
from ..checks import check_columns
from ..config import ALPHA, MIN_N
from ..instrument import Instrument
from ..labels import default_instrument, label
from ..style import BAND_COLOURS
from ..words import Language
from .common import (
    MIN_FONT,
    axes_or_new,
    check_figure,
    print_width,
    require_data,
    suppressed_rows,
    tick_formatter,
    tie_label,
    wrap,
)

__all__ = ["forest_plot", "forest_plan", "estimates_plot"]


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
    title: str | None = None,
    ax: Axes | None = None,
    **kwargs,
) -> Axes:
    """Hedges' g with its 95% CI per row of a comparison, largest at the top.

    Parameters
    ----------
    data : DataFrame
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
    comparison = require_data(data, "forest_plot")
    check_figure(language, min_n)
    inst = default_instrument(instrument)
    rows, key = forest_plan(comparison, label=label, estimate=estimate, ci=ci, p=p, alpha=alpha, sort=sort,
                            min_n=min_n, language=language, instrument=inst)
    names = rows["name"].tolist()
    est, lo, hi = (rows[c].to_numpy(dtype=float) for c in ("estimate", "ci_low", "ci_high"))
    sig = rows["significant"].to_numpy(dtype=bool)
    ax = axes_or_new(ax, (print_width(7.0), 2.0 + (0.42 if any("\n" in n for n in names) else 0.28)
                          * max(len(rows), 1)))
    y = np.arange(len(rows))
    ax.hlines(y, lo, hi, **{"color": "black", "linewidth": 1.3, "gid": "ci", **kwargs})
    ax.scatter(est[sig], y[sig], marker="s", s=36, color="black", zorder=3, gid="significant",
               label=words.text("figure.sig_marker", language))
    ax.scatter(est[~sig], y[~sig], marker="s", s=36, facecolor="white", edgecolor="black", zorder=3,
               gid="not_significant", label=words.text("figure.not_sig_marker", language))
    ax.axvline(0, color="0.4", linewidth=0.9, linestyle="--", zorder=0)
    ax.set_yticks(y, names)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.xaxis.set_major_formatter(tick_formatter(language))
    ax.set_xlabel(words.text("figure.hedges", language))
    # above the axes, never on a CI
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=1, fontsize=MIN_FONT, frameon=False,
              title=key, title_fontsize=MIN_FONT, alignment="left")
    if title is not None:
        ax.set_title(title, pad=48)
    return ax


def forest_plan(
    data: pd.DataFrame,
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
) -> tuple[pd.DataFrame, str]:
    """What a forest plot draws, the same for :func:`forest_plot` and its SVG
    (:func:`relkap.plots.forest_plot_svg`): its rows top to bottom and the legend's heading.

    The arguments are :func:`forest_plot`'s. Suppressed rows and rows without an estimate are left out.
    Returns a table of one row per drawn row (``name`` wrapped at 34 characters, ``estimate, ci_low,
    ci_high``, ``significant``: ``p`` < ``alpha``) and the legend's heading ("adjusted p < 0.05" for a
    corrected ``p`` such as ``p_fdr``, else "p < 0.05").

    Examples
    --------
    >>> comp = pd.DataFrame({"scale": ["vision", "motivation", "ramme"], "hedges": [0.1, 0.5, 0.9],
    ...                      "hedges_ci_low": [-0.2, 0.2, 0.5], "hedges_ci_high": [0.4, 0.8, 1.3],
    ...                      "p_fdr": [0.5, 0.01, 0.001], "n": [30, 30, 3]})
    >>> rows, key = forest_plan(comp, language="en", instrument=inst)
    >>> rows[["name", "estimate", "significant"]].values.tolist(), key
    ([['Motivation', 0.5, True], ['Communicated shared vision', 0.1, False]], 'adjusted p < 0.05')
    """
    check_figure(language, min_n)
    inst = default_instrument(instrument)
    label_by = label if label is not None else _default_label(data)
    check_columns(data, (estimate, *ci), "comparison")
    keep = ~suppressed_rows(data, estimate, min_n) & data[estimate].notna()
    shown = data[keep]
    if sort:
        shown = shown.sort_values(estimate, ascending=False, kind="stable")
    sig = ((pd.to_numeric(shown[p], errors="coerce") < alpha).to_numpy() if p in shown.columns
           else np.zeros(len(shown), bool))
    rows = pd.DataFrame({"name": [wrap(n, 34) for n in _row_labels(shown, label_by, language, inst)],
                         "estimate": shown[estimate].to_numpy(dtype=float),
                         "ci_low": shown[ci[0]].to_numpy(dtype=float), "ci_high": shown[ci[1]].to_numpy(dtype=float),
                         "significant": sig})
    kind = "p" if p in ("p", "p_val") else "p_adj"
    return rows, words.text(f"figure.{kind}_below", language, alpha=fmt.number(alpha, 2, language))


def estimates_plot(
    data: pd.DataFrame | None = None,
    *,
    label: str | Sequence[str] = "predictor",
    estimate: str = "estimate",
    title: str | None = None,
    reference: float = 0.0,
    alpha: float = ALPHA,
    xlabel: str | None = None,
    language: Language = "da",
    ax: Axes | None = None,
    **kwargs,
) -> Axes:
    """Forest plot of one research result table: a point and its 95% CI per row (:mod:`relkap.research`).

    Parameters
    ----------
    data : DataFrame
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
    table = require_data(data, "estimates_plot")
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
