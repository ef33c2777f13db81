"""What every relkap figure shares: input checks, axes, wrapped labels, wave styles, orders and notes.

The figure modules of :mod:`relkap.plots` build on these; nothing here draws a whole figure.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .. import fmt, words
from ..checks import check_columns, check_min_n
from ..instrument import Instrument
from ..labels import CHANGE_LIMIT, label, wave_label, wave_role
from ..style import WAVE_COLOURS, WAVE_FILLED, WAVE_HATCHES, WAVE_MARKERS
from ..words import Language

__all__ = [
    "check_instrument",
    "require_data",
    "NEUTRAL_COLOUR",
    "CHANGE_LIMIT",
    "A4_TEXT_WIDTH",
    "MIN_FONT",
    "print_width",
    "printed_font_sizes",
    "OWN_COLOUR",
    "BENCHMARK_COLUMNS",
    "check_figure",
    "check_benchmark",
    "axes_or_new",
    "wrap",
    "suppressed_rows",
    "decimals_needed",
    "node_areas",
    "tick_formatter",
    "tie_label",
    "tie_labels",
    "default_title",
    "wave_style",
    "wave_order",
    "code_order",
    "note",
]

# The text width of an A4 page (210 mm less 2 x 20 mm margins = 170 mm), in inches. A figure no wider than
# this prints at its own size, so its text prints at the point sizes set here; MIN_FONT is the smallest
# (table text in the HTML report prints at about 9-10 pt).
A4_TEXT_WIDTH = 170 / 25.4
MIN_FONT = 9.0
NEUTRAL_COLOUR = "#7F7F7F"  # a wave the codebook does not know
OWN_COLOUR = "#C0392B"  # this kommune among all kommuner (benchmark)
# One row per tie of a benchmark table (:meth:`relkap.explore.ExplorerData.benchmark`).
BENCHMARK_COLUMNS = ("group", "target", "n_kommuner", "p5", "q25", "median", "q75", "p95", "value",
                     "share_below")


def check_instrument(instrument: object, figure: str) -> Instrument:
    """``instrument`` itself when it is a codebook; a clear error otherwise (no silent packaged fallback)."""
    if not isinstance(instrument, Instrument):
        raise TypeError(f"{figure}() needs the codebook: pass instrument=relkap.load_instrument(path) "
                        f"(got {type(instrument).__name__})")
    return instrument


def require_data(data: pd.DataFrame | None, figure: str) -> pd.DataFrame:
    """``data`` itself; a clear error when a figure that needs a table got none (``data=None``)."""
    if data is None:
        raise TypeError(f"{figure}() needs data: pass the table to draw as its first argument (data=...)")
    return data


def check_figure(language: str, min_n: int) -> None:
    """The arguments every figure takes: ``language`` "da" or "en", ``min_n`` a whole number >= 0."""
    words.check_language(language)
    check_min_n(min_n, allow_none=False)


def check_benchmark(bench: pd.DataFrame, min_n: int, language: str) -> None:
    """A benchmark table has :data:`BENCHMARK_COLUMNS` (plus the arguments of :func:`check_figure`)."""
    check_figure(language, min_n)
    check_columns(bench, BENCHMARK_COLUMNS, "bench")


def axes_or_new(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    """``ax`` itself, or the Axes of a new figure of ``figsize`` inches.

    A new figure uses the constrained layout: labels, colour bar, legend and note are fitted inside
    ``figsize``, so a figure no wider than :data:`A4_TEXT_WIDTH` is not scaled down when printed.
    """
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def wrap(s: str, width: int = 16) -> str:
    """``s`` broken into lines of at most ``width`` characters at spaces (long words stay whole).

    Examples
    --------
    >>> wrap("Pædagogisk psykologisk rådgivning", 16)
    'Pædagogisk\\npsykologisk\\nrådgivning'
    """
    return "\n".join(textwrap.wrap(s, width, break_long_words=False)) or s


def suppressed_rows(data: pd.DataFrame, value: str, min_n: int) -> pd.Series:
    """The table's ``suppressed`` flag; without it, n (``n`` or ``n_baseline/n_followup``) < ``min_n``.

    Without either, a row without ``value`` counts as suppressed.

    Examples
    --------
    >>> suppressed_rows(pd.DataFrame({"n": [3, 8], "mean": [4.0, 3.5]}), "mean", 5).tolist()
    [True, False]
    """
    if "suppressed" in data.columns:
        return data["suppressed"].map(lambda x: False if fmt.missing(x) else bool(x)).astype(bool)
    n_cols = [c for c in ("n", "n_baseline", "n_followup") if c in data.columns]
    if n_cols:
        return (data[n_cols].apply(pd.to_numeric, errors="coerce").min(axis=1) < min_n).fillna(True)
    return data[value].isna()


def decimals_needed(v: float) -> int:
    """As few decimals as ``v`` needs (0.25 -> 2, 0.5 -> 1, 2.0 -> 0), at most 3.

    Examples
    --------
    >>> [decimals_needed(v) for v in (2.0, 0.5, 0.25, 0.1234)]
    [0, 1, 2, 3]
    """
    return next((d for d in (0, 1, 2) if abs(v - round(v, d)) < 1e-9), 3)


def tick_formatter(language: Language) -> mpl.ticker.FuncFormatter:
    """Tick labels with as few decimals as the value needs (0.25 stays 0,25), decimal comma in Danish.

    Examples
    --------
    >>> tick_formatter("da")(0.25), tick_formatter("en")(-0.5)
    ('0,25', '−0.5')
    """
    return mpl.ticker.FuncFormatter(lambda v, _pos=None: fmt.number(v, decimals_needed(v), language))


def tie_label(a: object, b: object, language: Language, inst: Instrument) -> str:
    """"A → B" with the codebook labels of the rater group ``a`` and the target group ``b``."""
    return f"{label(a, language, inst)} → {label(b, language, inst)}"


def tie_labels(data: pd.DataFrame, language: Language, inst: Instrument) -> list[str]:
    """:func:`tie_label` of every row's ``group`` and ``target``."""
    return [tie_label(a, b, language, inst) for a, b in zip(data["group"], data["target"], strict=True)]


def default_title(data: pd.DataFrame, language: Language, inst: Instrument, extra: str | None = None) -> str:
    """'<dimension> – <wave>' from one-valued columns of ``data``; ``extra`` instead of the wave."""
    parts = []
    if "dimension" in data.columns and data["dimension"].nunique() == 1:
        parts.append(label(data["dimension"].iloc[0], language, inst))
    if extra:
        parts.append(extra)
    elif "wave" in data.columns and data["wave"].nunique() == 1:
        parts.append(wave_label(data["wave"].iloc[0], language, inst))
    return " – ".join(parts)


def wave_style(wave: object, inst: Instrument) -> dict:
    """Colour, marker, fill and hatch of a wave (a wave the codebook lacks gets a neutral style)."""
    role = wave_role(wave, inst)
    return {"colour": WAVE_COLOURS.get(role, NEUTRAL_COLOUR), "marker": WAVE_MARKERS.get(role, "D"),
            "filled": WAVE_FILLED.get(role, True), "hatch": WAVE_HATCHES.get(role, "xx")}


def wave_order(waves: Iterable, inst: Instrument) -> list:
    """The waves present in the codebook's time order, then any it lacks, sorted."""
    present = list(dict.fromkeys(waves))
    first = [w for w in present if inst.waves.get(w) is not None]
    first.sort(key=inst.waves.index)
    return first + sorted(set(present) - set(first), key=str)


def code_order(codes: Iterable, inst: Instrument) -> list[str]:
    """Codes in codebook order (groups, relational items, the index, scales), unknown codes last."""
    known = [*inst.group_codes, *inst.relational_codes, "rk", *(s.code for s in inst.scales)]
    present = {str(c) for c in codes}
    return [c for c in known if c in present] + sorted(present - set(known))


def print_width(natural: float) -> float:
    """A figure's width in inches: ``natural``, at most :data:`A4_TEXT_WIDTH` (so it prints at its size)."""
    return min(float(natural), A4_TEXT_WIDTH)


def printed_font_sizes(fig, width: float = A4_TEXT_WIDTH) -> list[tuple[float, str]]:
    """Every visible text of ``fig`` as ``(points when printed, text)``, smallest first.

    The figure is saved with a tight bounding box; when that box is wider than ``width`` (the page's text
    width) the whole figure is scaled down to fit, and so is its text.

    Examples
    --------
    >>> fig = plt.figure(figsize=(2 * A4_TEXT_WIDTH, 2))  # two A4 figures side by side
    >>> _ = fig.text(0.0, 0.5, "left", fontsize=10), fig.text(0.9, 0.5, "right", fontsize=10)
    >>> [(round(float(pt), 1), t) for pt, t in printed_font_sizes(fig)]
    [(5.4, 'left'), (5.4, 'right')]
    """
    fig.draw_without_rendering()  # runs the layout engine, as saving does
    box = fig.get_tightbbox()
    scale = min(1.0, width / box.width) if box.width > 0 else 1.0
    out = []
    for t in fig.findobj(mpl.text.Text):
        if t.get_visible() and t.get_text().strip() and t.get_figure() is not None:
            out.append((float(t.get_fontsize()) * scale, t.get_text()))
    return sorted(out)


def note(ax: Axes, lines: Sequence[str], width: float | None = None) -> None:
    """Grey text below the axes (what grey, white, outlines and "*" mean), wrapped to ``width`` inches.

    Default width: about 3/4 of the figure's (the note starts at the axes' left edge, right of the row
    labels). A note no wider than the axes only adds space below them in the constrained layout.
    """
    inches = width if width is not None else 0.75 * ax.figure.get_figwidth()
    chars = max(30, int(inches * 72 / (0.6 * MIN_FONT)))
    text = "\n".join(textwrap.fill(line, chars) for line in lines)
    ax.annotate(text, xy=(0, 0), xycoords="axes fraction", xytext=(0, -12),
                textcoords="offset points", va="top", ha="left", fontsize=MIN_FONT, color="0.25",
                annotation_clip=False, gid="note")


def node_areas(g, pos, n_max: float | None = None) -> tuple[list, np.ndarray, np.ndarray]:
    """A network's nodes, their n and their circles' areas in points² (250 plus up to 1250 by the square root
    of n over ``n_max``, default the largest n): one rule for the drawn network (:mod:`relkap.plots.graphs`)
    and the SVG one (:mod:`relkap.plots.svgnetwork`). A node without a position in ``pos`` is an error.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph(); g.add_node("skole", n=16); g.add_node("ppr", n=4)
    >>> nodes, ns, areas = node_areas(g, {"skole": (0, 1), "ppr": (1, 0)})
    >>> nodes, ns.tolist(), areas.tolist()
    (['skole', 'ppr'], [16.0, 4.0], [1500.0, 875.0])
    """
    nodes = list(g.nodes)
    missing = [v for v in nodes if v not in pos]
    if missing:
        raise ValueError(f"pos has no position for the group(s) {missing}; compute it with network.layout "
                         "from both waves")
    ns = np.array([g.nodes[v].get("n") or 0 for v in nodes], dtype=float)
    top = n_max or (ns.max() if ns.size and ns.max() > 0 else 1.0)
    return nodes, ns, 250 + 1250 * np.sqrt(ns / top)
