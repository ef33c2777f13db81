"""Who answered: respondents per group and wave, with the disclosure threshold ``min_n`` as a line.

Draws the counts of :func:`relkap.report.response_overview`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .. import fmt, words
from ..checks import check_columns
from ..config import MIN_N
from ..instrument import Instrument
from ..labels import default_instrument, group_order, label, wave_label
from ..network import check_one_table
from ..words import Language
from .common import (
    MIN_FONT,
    axes_or_new,
    check_figure,
    print_width,
    require_data,
    wave_order,
    wave_style,
    wrap,
)

__all__ = ["response_overview", "response_plan"]


def response_overview(
    data: pd.DataFrame | None = None,
    *,
    min_n: int = MIN_N,
    x: str = "group",
    y: str = "n",
    hue: str = "wave",
    language: Language = "da",
    instrument: Instrument | None = None,
    title: str | None = None,
    ax: Axes | None = None,
    **kwargs,
) -> Axes:
    """Respondents per group and wave as bars (plain baseline, hatched follow-up), with ``min_n`` as a line.

    Parameters
    ----------
    data : DataFrame
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
    counts = require_data(data, "response_overview")
    check_figure(language, min_n)
    inst = default_instrument(instrument)
    levels, waves, bars = response_plan(counts, x, y, hue, min_n, inst, language)
    ax = axes_or_new(ax, (print_width(1.8 + 0.9 * len(levels)), 4.5))
    width = 0.8 / max(len(waves), 1)
    for w in waves:
        d = bars[bars["wave"] == w]
        st = wave_style(w, inst)
        style = {"color": st["colour"], "hatch": st["hatch"], "edgecolor": "black", "linewidth": 0.8,
                 "label": wave_label(w, language, inst)}
        # a count below min_n is shown neither as a number nor as a bar height: its bar reaches the
        # threshold line, unfilled and dashed, and reads "<min_n"
        rects = ax.bar(d["x"].to_numpy(), d["height"].to_numpy(), width=width * 0.95, gid=f"wave:{w}",
                       **{**style, **kwargs})
        for rect, shown, is_small in zip(rects, d["label"], d["small"], strict=True):
            rect.set_gid(f"wave:{w}")
            if is_small:
                rect.set_facecolor("none")
                rect.set_linestyle("--")
                rect.set_edgecolor("0.45")
            ax.text(rect.get_x() + rect.get_width() / 2, rect.get_height(), shown, ha="center",
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


def response_plan(counts: pd.DataFrame, x: str, y: str, hue: str, min_n: int, inst: Instrument,
                  language: Language) -> tuple[list[str], list, pd.DataFrame]:
    """What the response overview draws, the same for :func:`response_overview` and its SVG
    (:func:`relkap.plots.response_overview_svg`): the groups and the waves in the codebook's order, and one bar
    per row of ``counts`` (``group, wave, x, height, small, label``; ``x`` the bar's centre with group ``i`` at
    ``i``, the waves side by side in bars ``0.8 / len(waves)`` wide). A count below ``min_n`` is ``small``:
    its bar's height is ``min_n`` and its label "<min_n", so the drawn figure holds no small count.

    Examples
    --------
    >>> counts = pd.DataFrame({"group": ["skole", "ppr"] * 2, "wave": ["baseline"] * 2 + ["followup"] * 2,
    ...                        "n": [12, 4, 11, 6]})
    >>> levels, waves, bars = response_plan(counts, "group", "n", "wave", 5, inst, "da")
    >>> levels, waves, bars["height"].tolist(), bars["label"].tolist()
    (['skole', 'ppr'], ['baseline', 'followup'], [12.0, 5.0, 11.0, 6.0], ['12', '<5', '11', '6'])
    """
    check_columns(counts, (x, y, hue), "counts")
    check_one_table(counts, (x, hue), "counts", fixed=("kommune",))
    levels = group_order(counts[x].astype(str), inst)
    waves = wave_order(counts[hue], inst)
    width = 0.8 / max(len(waves), 1)
    pos = {c: i for i, c in enumerate(levels)}
    parts = []
    for k, w in enumerate(waves):
        d = counts[counts[hue] == w]
        n = d[y].to_numpy(dtype=float)
        small = n < min_n
        parts.append(pd.DataFrame({
            "group": d[x].astype(str).to_numpy(), "wave": [w] * len(d),
            "x": np.array([pos[str(c)] for c in d[x]], dtype=float) + (k - (len(waves) - 1) / 2) * width,
            "height": np.where(small, float(min_n), n), "small": small,
            "label": [fmt.count(v, min_n, language) for v in d[y]]}))
    columns = ["group", "wave", "x", "height", "small", "label"]
    return levels, waves, pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
