"""The trend over the waves: the RK index (and each dimension) in every wave with its 95% CI.

Draws numbers computed elsewhere (:func:`relkap.report.tables.rk_by_wave`): a figure computes no statistics.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .. import words
from ..checks import check_columns
from ..config import MIN_N
from ..instrument import Instrument
from ..labels import default_instrument, label, wave_label
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
    wrap,
)

__all__ = ["wave_trend", "trend_plan", "wave_tick"]

INDEX_COLOUR = "#000000"
DIMENSION_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")  # Okabe-Ito
DIMENSION_MARKERS = ("o", "s", "^", "D", "v", "P")


def wave_trend(
    data: pd.DataFrame | None = None,
    *,
    x: str = "wave",
    y: str = "mean",
    hue: str = "dimension",
    ci: tuple[str, str] = ("ci_low", "ci_high"),
    dimensions: Sequence[str] | None = None,
    min_n: int = MIN_N,
    language: Language = "da",
    instrument: Instrument | None = None,
    title: str | None = None,
    ax: Axes | None = None,
    **kwargs,
) -> Axes:
    """The index (thick black line, with its 95% CI as error bars) and each dimension (thin coloured lines) in
    every wave, waves in the codebook's order and named as the codebook names them.

    Parameters
    ----------
    data : DataFrame
        One row per wave and dimension: :func:`relkap.report.tables.rk_by_wave` (``wave, dimension, n, mean,
        ci_low, ci_high``); ``dimension`` ``"rk"`` is the index.
    x, y, hue, ci : str
        The columns of the wave, the mean, the dimension and the CI bounds.
    dimensions : list, optional
        The dimension codes to draw (default all in ``data``, the index first).
    min_n, language, instrument, title
        As for :func:`relkap.plots.tie_heatmap` (a wave with fewer than ``min_n`` respondents is not drawn).
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.plot` of each line.

    Returns
    -------
    Axes

    Examples
    --------
    >>> data = pd.DataFrame({"wave": ["baseline", "followup"] * 2, "dimension": ["rk"] * 2 + ["respekt"] * 2,
    ...                      "mean": [3.4, 3.6, 3.8, 3.9], "ci_low": [3.2, 3.4, 3.6, 3.7],
    ...                      "ci_high": [3.6, 3.8, 4.0, 4.1], "n": [40, 38, 40, 38]})
    >>> ax = wave_trend(data, language="en", instrument=inst)
    >>> [t.get_text() for t in ax.get_xticklabels()], [ln.get_gid() for ln in ax.lines if ln.get_gid()]
    (['Baseline', 'Follow-up'], ['dimension:rk', 'dimension:respekt'])
    """
    data = require_data(data, "wave_trend")
    check_figure(language, min_n)
    check_columns(data, (x, y, hue, *ci), "data")
    inst = default_instrument(instrument)
    waves, codes, _sup, data = trend_plan(data, x, y, hue, ci, dimensions, min_n, inst)
    ax = axes_or_new(ax, (print_width(2.4 + 1.6 * len(waves)), 4.2))
    pos = {w: i for i, w in enumerate(waves)}
    k = 0
    for code in codes:
        d = data[data[hue].astype(str) == code]
        d = d.assign(_x=d[x].astype(str).map(pos)).dropna(subset=["_x"]).sort_values("_x")
        xs, ys = d["_x"].to_numpy(dtype=float), d[y].to_numpy(dtype=float)
        name = label(code, language, inst)
        if code == "rk":
            err = np.vstack([ys - d[ci[0]].to_numpy(dtype=float), d[ci[1]].to_numpy(dtype=float) - ys])
            ax.errorbar(xs, ys, yerr=err, fmt="none", ecolor=INDEX_COLOUR, capsize=4, lw=1.2, zorder=3)
            (line,) = ax.plot(xs, ys, color=INDEX_COLOUR, lw=2.6, marker="o", ms=7, label=name, zorder=4, **kwargs)
        else:
            (line,) = ax.plot(xs, ys, color=DIMENSION_COLOURS[k % 6], marker=DIMENSION_MARKERS[k % 6], lw=1.1,
                              ms=4.5, alpha=0.85, label=name, **kwargs)
            k += 1
        line.set_gid(f"dimension:{code}")
    ax.set_xticks(range(len(waves)), [wave_tick(w, language, inst) for w in waves])
    ax.set_xlim(-0.3, len(waves) - 0.7)
    ax.yaxis.set_major_formatter(tick_formatter(language))
    ax.set_ylabel(words.text("waves.axis_mean", language))
    ax.set_xlabel(words.text("waves.axis_wave", language))
    ax.grid(axis="y", color="0.9", lw=0.6)
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=MIN_FONT, frameon=False)
    if title is not None:
        ax.set_title(title)
    return ax

def trend_plan(data: pd.DataFrame, x: str, y: str, hue: str, ci: Sequence[str], dimensions: Sequence[str] | None,
               min_n: int, inst: Instrument) -> tuple[list[str], list[str], pd.Series, pd.DataFrame]:
    """What a trend draws, the same for :func:`wave_trend` and its SVG (:func:`relkap.plots.wave_trend_svg`):
    the waves in the codebook's order, the dimensions (the index first), the rows whose mean is suppressed,
    and ``data`` with those rows' mean and interval blanked."""
    waves = wave_order(data[x].astype(str), inst)
    codes = list(dimensions) if dimensions is not None else code_order(data[hue].astype(str), inst)
    codes = ["rk", *[c for c in codes if c != "rk"]] if "rk" in codes else codes
    sup = suppressed_rows(data, y, min_n)
    return waves, codes, sup, data.assign(**{c: data[c].where(~sup) for c in (y, *ci)})


def wave_tick(wave: str, language: Language, inst: Instrument) -> str:
    """A wave's name on a trend's axis (wrapped at 14 characters), with its date below when the codebook has one."""
    declared = inst.waves.get(wave)
    date = f"\n{declared.date}" if declared is not None and declared.date else ""
    return wrap(wave_label(wave, language, inst), 14) + date
