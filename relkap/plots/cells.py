"""The cells of a heat map, once for both renderings: matplotlib (:mod:`.heatmap`) and HTML (:mod:`.html`).

:func:`tie_cells` and :func:`change_cells` check the input, arrange it rater x target in codebook order,
apply suppression and write every cell's text, colour scale, hover text, title and note, so the report's
figure and the explorer's table cannot drift apart. The heat map functions take the same keywords and
pass them on.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import matplotlib as mpl
import numpy as np
import pandas as pd

from .. import fmt, words
from ..checks import check_columns
from ..config import ALPHA, MIN_N
from ..instrument import Instrument
from ..labels import default_instrument, group_order, label
from ..network import check_one_table
from ..style import DIVERGING_CMAP, MISSING_COLOUR, band_colormap
from ..words import Language
from .common import CHANGE_LIMIT, check_figure, default_title, suppressed_rows, tie_label

__all__ = ["HeatmapCells", "tie_cells", "change_cells", "PARAMETERS", "shared_parameters"]

# numpydoc text of the parameters the heat maps share (figure and HTML, ties and change), inserted where a
# docstring has the line "    {name}".
PARAMETERS = {
    "ties": """\
    ties : DataFrame
        A :func:`relkap.scoring.tie_scores` table for one kommune, wave and dimension: ``group, target, n``,
        ``value`` and ``suppressed`` (without it, n < ``min_n`` is suppressed); with ``ci_low``/``ci_high``
        the HTML table's hover text shows the 95% CI.
    value : str
        The column to show (default ``mean``).
""",
    "comparison": """\
    comparison : DataFrame
        A :func:`relkap.change.compare_waves` table by ``group, target`` for one kommune and dimension:
        ``group, target, value, p`` and ``suppressed`` (without it, ``n_baseline``/``n_followup`` < min_n);
        with ``diff_ci_low``/``diff_ci_high`` the HTML table's hover text shows the 95% CI.
    value : str
        The column to show (default ``diff``).
    p, alpha : str, float
        A tie gets "*" when ``p`` (default the Benjamini-Hochberg adjusted ``p_fdr``) < ``alpha``.
    limit : float, optional
        Half-width of the colour scale, centred at 0; default :data:`~relkap.plots.common.CHANGE_LIMIT`
        (1.0), the same for every kommune, so a colour means the same change in every report. A larger
        change gets the end colour and still prints its value.
""",
    "shared": """\
    min_n : int
        The suppression threshold used when scoring; only printed ("n<5") here. Without a ``suppressed``
        column, rows with n below it are suppressed.
    language : {"da", "en"}
        Labels from the codebook and the catalogue (:mod:`relkap.words`), numbers by :mod:`relkap.fmt`.
    instrument : Instrument, optional
        The codebook (default ``params/instrument.yaml``): group labels, scale and bands.
    title : str, optional
        Default "<dimension> – <wave>" (ties) or "<dimension> – Ændring" (change).
    targeted : list of (str, str), optional
        Ties (rater group, target group) the kommune worked on (``KommuneParams.targeted_ties``): marked by
        a thick black frame and "◆" (both survive a black-and-white print), explained in the note.
""",
    "change": """\
    change : DataFrame, optional
        A :func:`relkap.change.compare_waves` table of the same ties (``group, target, diff, p_fdr,
        suppressed``): each cell's second line then shows the change since the first wave ("+0,3",
        "−0,2", "*" when statistically significant) instead of its n, so one picture shows the ties now
        and how they moved (the brief's picture). A tie whose change is hidden keeps its n.
""",
    "figure": """\
    colorbar : bool
        Draw the colour bar (for ties with the band boundaries).
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.pcolormesh` (e.g. ``linewidth``, ``edgecolors``).
""",
}


def shared_parameters(func):
    """Fill the lines ``    {name}`` of ``func``'s docstring with :data:`PARAMETERS` ``[name]``.

    ``    {name as other}`` documents the first parameter under the name ``other`` (``{ties as data}``).
    """
    def fill(m: re.Match) -> str:
        doc = PARAMETERS[m.group(1)]
        return doc.replace(f"    {m.group(1)} :", f"    {m.group(2)} :", 1) if m.group(2) else doc

    if func.__doc__:  # None under python -OO
        func.__doc__ = re.sub(r"^    \{(\w+)(?: as (\w+))?\}\n", fill, func.__doc__, flags=re.M)
    return func


@dataclass(frozen=True)
class HeatmapCells:
    """A rater x target heat map ready to draw: arrays of cells plus every label and colour scale.

    ``values`` is NaN where a cell is suppressed or was not asked; ``present`` says which cells the table
    has (absent ones are white, "not asked"). ``text`` is a cell's main number, ``small`` a second line
    (the tie's n), ``star`` marks a significant change, ``tip`` the hover text of the HTML table.
    ``ticks``/``tick_labels``/``edges`` are the colour bar's (band boundaries for ties, 0 for change).
    ``targeted`` marks the ties the kommune worked on (all False when none are given).
    """

    kind: str
    rows: list[str]
    cols: list[str]
    row_labels: list[str]
    col_labels: list[str]
    values: np.ndarray
    suppressed: np.ndarray
    present: np.ndarray
    text: np.ndarray
    small: np.ndarray
    star: np.ndarray
    tip: np.ndarray
    cmap: mpl.colors.Colormap
    norm: mpl.colors.Normalize
    title: str
    note: str
    colour_label: str
    ticks: tuple[float, ...]
    tick_labels: tuple[str, ...]
    edges: tuple[float, ...]
    suppressed_text: str
    inst: Instrument
    language: str
    targeted: np.ndarray | None = None

    def scored(self):
        """``(i, j)`` of every cell with a value to show (present, not suppressed, not missing)."""
        return zip(*np.nonzero(self.present & ~self.suppressed & ~np.isnan(self.values)), strict=True)


def _matrix(data: pd.DataFrame, column: str | pd.Series, rows: list[str], cols: list[str],
            suppressed: pd.Series | None = None) -> np.ndarray:
    """Rater x target array of a column (NaN where a cell is absent or ``suppressed``)."""
    values = pd.to_numeric(data[column] if isinstance(column, str) else column, errors="coerce")
    if suppressed is not None:
        values = values.where(~suppressed)
    out = np.full((len(rows), len(cols)), np.nan)
    ri, ci = {g: i for i, g in enumerate(rows)}, {g: i for i, g in enumerate(cols)}
    for g, t, v in zip(data["group"].astype(str), data["target"].astype(str), values, strict=True):
        out[ri[g], ci[t]] = v
    return out


def _arrange(data: pd.DataFrame, value: str, min_n: int, language: str, instrument: Instrument | None,
             what: str, columns: tuple[str, ...]):
    """Checked input: the codebook, row and column codes, values, suppression and presence arrays."""
    check_figure(language, min_n)
    check_columns(data, ("group", "target", value, *columns), what)
    check_one_table(data, ("group", "target"), what)
    inst = default_instrument(instrument)
    rows = group_order(data["group"].astype(str), inst)
    cols = group_order(data["target"].astype(str), inst)
    sup = suppressed_rows(data, value, min_n)
    values = _matrix(data, value, rows, cols, sup)
    sup_m = _matrix(data, sup.astype(float), rows, cols) == 1
    present = ~np.isnan(_matrix(data, pd.Series(1.0, index=data.index), rows, cols))
    return inst, rows, cols, values, sup_m, present, sup


def _ci_arrays(data: pd.DataFrame, columns: tuple[str, str], rows, cols):
    """Rater x target arrays of the two CI columns, or None when the table lacks them."""
    if not set(columns) <= set(data.columns):
        return None
    return tuple(_matrix(data, c, rows, cols) for c in columns)


def _ci_tip(ci, i: int, j: int, language: Language) -> str:
    if ci is None or np.isnan(ci[0][i, j]):
        return ""
    return f", {words.text('glossary.ci_short', language)} {fmt.ci(ci[0][i, j], ci[1][i, j], language)}"


def _targeted(targeted, rows: list[str], cols: list[str]) -> np.ndarray:
    """Rater x target array: True for the ``targeted`` ties (pairs not in the table are ignored)."""
    out = np.zeros((len(rows), len(cols)), dtype=bool)
    for a, b in targeted or ():
        if str(a) in rows and str(b) in cols:
            out[rows.index(str(a)), cols.index(str(b))] = True
    return out


def _cells(kind, inst, rows, cols, values, sup_m, present, cmap, norm, language, min_n, title, note,
           colour_label, ticks, tick_labels, edges, cell, targeted=()) -> HeatmapCells:
    shape = values.shape
    marked = _targeted(targeted, rows, cols)
    if marked.any():
        note = f"{note} {words.text('briefing.figure.targeted', language)}."
    text, small, tip = (np.full(shape, "", dtype=object) for _ in range(3))
    star = np.zeros(shape, dtype=bool)
    for i, j in zip(*np.nonzero(present), strict=True):
        tip[i, j] = tie_label(rows[i], cols[j], language, inst)
    cells = HeatmapCells(
        kind=kind, rows=rows, cols=cols, row_labels=[label(r, language, inst) for r in rows],
        col_labels=[label(c, language, inst) for c in cols], values=values, suppressed=sup_m, present=present,
        text=text, small=small, star=star, tip=tip,
        cmap=(mpl.colormaps[cmap] if isinstance(cmap, str) else cmap).with_extremes(bad=MISSING_COLOUR), norm=norm, title=title, note=note,
        colour_label=colour_label, ticks=tuple(ticks), tick_labels=tuple(tick_labels), edges=tuple(edges),
        suppressed_text=words.text("figure.suppressed", language, min_n=min_n), inst=inst, language=language,
        targeted=marked)
    for i, j in cells.scored():
        text[i, j], small[i, j], star[i, j], detail = cell(i, j)
        tip[i, j] += f": {detail}"
    return cells


@shared_parameters
def tie_cells(ties: pd.DataFrame, *, value: str = "mean", min_n: int = MIN_N, language: Language = "da",
              instrument: Instrument | None = None, title: str | None = None,
              targeted=(), change: pd.DataFrame | None = None, alpha: float = ALPHA) -> HeatmapCells:
    """The cells of a tie heat map (:func:`relkap.plots.tie_heatmap`, :func:`relkap.plots.tie_heatmap_html`).

    Parameters
    ----------
    {ties}
    {shared}
    {change}

    Returns
    -------
    HeatmapCells
        Colours over the instrument's fixed scale (1-5), one colour family per band
        (:func:`relkap.style.band_colormap`); text the value (1 decimal), small
        "n=…"; ticks the scale's whole numbers and the band boundaries (the edges).

    Examples
    --------
    >>> ties = pd.DataFrame({"group": ["skole", "ppr"], "target": ["ppr", "skole"], "n": [8, 3],
    ...                      "mean": [4.25, None], "suppressed": [False, True]})
    >>> c = tie_cells(ties, language="en")
    >>> c.rows, c.text[0, 1], c.small[0, 1], c.text[1, 0], bool(c.suppressed[1, 0]), c.suppressed_text
    (['skole', 'ppr'], '4.2', 'n=8', '', True, 'n<5')
    """
    inst, rows, cols, values, sup_m, present, _ = _arrange(ties, value, min_n, language, instrument, "ties",
                                                           ("n",))
    n_m = _matrix(ties, "n", rows, cols)
    ci = _ci_arrays(ties, ("ci_low", "ci_high"), rows, cols)
    diff_m = p_m = np.full(values.shape, np.nan)
    if change is not None:
        check_columns(change, ("group", "target", "diff"), "change")
        known = change[change["group"].astype(str).isin(rows) & change["target"].astype(str).isin(cols)]
        sup = suppressed_rows(known, "diff", min_n)
        diff_m = _matrix(known, "diff", rows, cols, sup)
        if "p_fdr" in known.columns:
            p_m = _matrix(known, "p_fdr", rows, cols, sup)

    def cell(i, j):
        n = f"n={int(n_m[i, j])}"
        detail = f"{fmt.number(values[i, j], 2, language)}, {n}{_ci_tip(ci, i, j, language)}"
        small = n
        if not np.isnan(diff_m[i, j]):
            small = fmt.signed(diff_m[i, j], 1, language) + ("*" if p_m[i, j] < alpha else "")
            detail += f"; {words.text('figure.diff', language).lower()} {fmt.signed(diff_m[i, j], 2, language)}"
        return fmt.number(values[i, j], 1, language), small, False, detail

    lo, hi, b = inst.scale.min, inst.scale.max, inst.bands
    ticks = sorted({*range(lo, hi + 1), b.weak_below, b.strong_above})
    note = " ".join([words.text("figure.band_rule", language, weak=fmt.number(b.weak_below, 1, language),
                                strong=fmt.number(b.strong_above, 1, language)) + "."]
                    + [words.text(k, language, min_n=min_n) + "." for k in
                       ("figure.suppressed_note", "figure.not_asked", "figure.diagonal")]
                    + ([words.text("brief.figure.change_line", language,
                                   alpha=fmt.number(alpha, 2, language)) + "."] if change is not None else []))
    cmap = band_colormap(lo, hi, b.weak_below, b.strong_above)
    return _cells("tie", inst, rows, cols, values, sup_m, present, cmap, mpl.colors.Normalize(lo, hi),
                  language, min_n, title if title is not None else default_title(ties, language, inst), note,
                  words.text("figure.mean", language, min=lo, max=hi), ticks,
                  [fmt.number(t, 1 if t % 1 else 0, language) for t in ticks], (b.weak_below, b.strong_above),
                  cell, targeted)


@shared_parameters
def change_cells(comparison: pd.DataFrame, *, value: str = "diff", p: str = "p_fdr", alpha: float = ALPHA,
                 limit: float | None = None, min_n: int = MIN_N, language: Language = "da",
                 instrument: Instrument | None = None, title: str | None = None, targeted=()) -> HeatmapCells:
    """The cells of a change heat map (:func:`relkap.plots.change_heatmap` and its HTML twin).

    Parameters
    ----------
    {comparison}
    {shared}

    Returns
    -------
    HeatmapCells
        ``RdBu`` from ``-limit`` to ``limit`` (blue = higher at follow-up); text the signed change (2
        decimals); ``star`` where ``p`` < ``alpha``.

    Examples
    --------
    >>> comp = pd.DataFrame({"group": ["skole", "ppr"], "target": ["ppr", "skole"], "diff": [0.6, -0.2],
    ...                      "p_fdr": [0.004, 0.3], "suppressed": [False, False]})
    >>> c = change_cells(comp)
    >>> c.text[0, 1], bool(c.star[0, 1]), c.text[1, 0], bool(c.star[1, 0]), c.norm.vmax
    ('+0,60', True, '−0,20', False, 1.0)
    """
    inst, rows, cols, values, sup_m, present, sup = _arrange(comparison, value, min_n, language, instrument,
                                                             "comparison", (p,))
    p_m = _matrix(comparison, p, rows, cols, sup)
    ci = _ci_arrays(comparison, ("diff_ci_low", "diff_ci_high"), rows, cols)
    lim = float(limit if limit is not None else CHANGE_LIMIT)

    def cell(i, j):
        detail = fmt.signed(values[i, j], 2, language) + _ci_tip(ci, i, j, language)
        if not math.isnan(p_m[i, j]):
            detail += f", {p} = {fmt.pvalue(p_m[i, j], language)}"
        return fmt.signed(values[i, j], 2, language), "", bool(p_m[i, j] < alpha), detail

    diff = words.text("figure.diff", language)
    note = (words.text("figure.significant", language, alpha=fmt.number(alpha, 2, language)) + ". "
            + words.text("figure.suppressed_note", language, min_n=min_n) + ". "
            + words.text("briefing.figure.change_scale", language, limit=fmt.number(lim, 1, language)) + ".")
    ticks = (-lim, 0.0, lim)
    return _cells("change", inst, rows, cols, values, sup_m, present, DIVERGING_CMAP,
                  mpl.colors.Normalize(-lim, lim), language, min_n,
                  title if title is not None else default_title(comparison, language, inst, diff), note, diff,
                  ticks, [fmt.number(t, 1, language, sign=True) for t in ticks], (0.0,), cell, targeted)
