"""What the explorer puts on screen: titles, the tie table and drill-down as HTML, the views as HTML or SVG.

The heat maps and the benchmark are HTML tables from :mod:`relkap.plots` (a few milliseconds); the trend
views, the network and the tie's drill-down are SVG written from the data (:mod:`relkap.plots.svgcharts`,
:mod:`relkap.plots.svgnetwork`); the rest (a message, the benchmark of all kommuner) is a matplotlib figure
from :mod:`relkap.plots`, sent as SVG (:func:`svg`). The ``figure`` properties of the explorer still draw
matplotlib figures, the kommune report's. Every
function takes the :class:`~relkap.explore.model.ExplorerData` and a
:class:`~relkap.explore.model.Selection` and computes nothing itself: the numbers come from the data model,
the words from the catalogue (``explore`` section) and the number formats from :mod:`relkap.fmt`.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import html
import io

import matplotlib as mpl
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .. import fmt, plots
from ..interviews import theme_label
from ..kommuner import kommune_name
from ..labels import wave_label
from ..network import layout
from ..plots import svgnetwork
from ..words import text, text_n
from .model import ALL, CHANGE, TREND, ExplorerData, Selection, wave_pair

__all__ = ["kommune_label", "tie_name", "view_name", "title", "benchmark_title", "main_view", "main_figure",
           "drill_figure", "drill_svg", "trend_svg", "network_svg", "table_html", "drill_html", "interviews_html", "quotes_html", "svg"]

_MARGINS = {
    "heatmap": {"left": 0.2, "right": 0.9, "bottom": 0.1, "top": 0.72},
    "network": {"left": 0.02, "right": 0.88, "bottom": 0.2, "top": 0.93},
    "benchmark": {"left": 0.3, "right": 0.97, "bottom": 0.08, "top": 0.91},
    "profile": {"left": 0.1, "right": 0.9, "bottom": 0.33, "top": 0.91},
    "trend": {"left": 0.1, "right": 0.72, "bottom": 0.16, "top": 0.91},
}
# SVG with text left as text: the browser sets the type, so the kernel skips FreeType's glyph rendering, the
# largest single cost of a text-heavy heat map (PNG took ~1.7x as long)
_RC = {"svg.fonttype": "none"}
# A fixed title height: by default matplotlib measures every tick label at each draw to lift the title clear
# of an axis on top (~20 ms a figure). The views drawn for the screen have their x axis at the bottom.
_RC_DRAW = {"axes.titley": 1.01}

# compact rows (the widget's own line height is 28 px), numbers right-aligned, every other row shaded
_TABLE_STYLE = ("<style>.relkap-ties{border-collapse:collapse;font-family:sans-serif;font-size:12px;"
                "line-height:1.3}.relkap-ties th,.relkap-ties td{padding:2px 8px;text-align:right}"
                ".relkap-ties td:nth-child(-n+2),.relkap-ties th:nth-child(-n+2){text-align:left}"
                ".relkap-ties tbody tr:nth-child(odd){background:#f5f5f5}</style>")


# -- words -------------------------------------------------------------------------------------------
def kommune_label(kommune: int, language: str) -> str:
    """The kommune's name, or "Alle kommuner" for :data:`~relkap.explore.model.ALL`.

    >>> kommune_label(766, "da"), kommune_label(ALL, "en")
    ('Hedensted', 'All kommuner')
    """
    return text("explore.all", language) if kommune == ALL else kommune_name(kommune)


def tie_name(rater: str, target: str, language: str, instrument) -> str:
    """ "Skole → PPR": a tie by its groups' codebook labels."""
    return text("explore.tie_name", language, rater=instrument.label(rater, language),
                target=instrument.label(target, language))


def view_name(data: ExplorerData, s: Selection) -> str:
    """The view in words: a wave's display name from the codebook ("Midtvejsmåling"), "Ændring fra
    Førmåling til Eftermåling", or "Udvikling"."""
    lang, inst = s.language, data.instrument
    if s.view == CHANGE:
        before, after = data.pair(s.before, s.after)
        return text("waves.change_caption", lang, before=wave_label(before, lang, inst),
                    after=wave_label(after, lang, inst))
    if s.view == TREND:
        return text("explore.trend", lang)
    return wave_label(data.wave(s.view), lang, inst)


def title(data: ExplorerData, s: Selection) -> str:
    """Kommune, dimension and view: "Hedensted – RK-indeks – Førmåling"."""
    return text("explore.title", s.language, kommune=kommune_label(s.kommune, s.language),
                dimension=data.instrument.label(s.dimension, s.language), view=view_name(data, s))


def benchmark_title(data: ExplorerData, s: Selection, heading: bool = True) -> str:
    """"Hedensted: 12 relationer, hver sammenlignet med 5–9 andre kommuner" (and the ties not shown), under
    :func:`title` when ``heading``."""
    c = data.benchmark_coverage(s.kommune, s.dimension, s.min_n, s.view, s.before, s.after)
    lang = s.language
    if c["shown"]:
        others = str(c["low"]) if c["low"] == c["high"] else f"{c['low']}–{c['high']}"
        sub = text_n("explore.bench_title", c["shown"], lang, kommune=kommune_label(s.kommune, lang), ties=c["shown"],
                   others=others)
    else:
        sub = text("explore.bench_none", lang, kommune=kommune_label(s.kommune, lang), min=c["min_kommuner"])
    if c["hidden"] and c["shown"]:
        sub += " " + text_n("explore.bench_hidden", c["hidden"], lang, ties=c["hidden"], min=c["min_kommuner"])
    return title(data, s) + "\n" + sub if heading else sub


def _benchmark(data: ExplorerData, s: Selection) -> pd.DataFrame:
    """The benchmark rows that are shown: ties compared over enough other kommuner."""
    b = data.benchmark(s.kommune, s.dimension, s.min_n, s.view, s.before, s.after)
    return b[b["enough"]].reset_index(drop=True)


# -- the main view -----------------------------------------------------------------------------------
def main_view(data: ExplorerData, s: Selection) -> tuple[str, str | bytes]:
    """The view on screen: ``("html", table)`` for the heat maps, the benchmark and the interviews, else
    ``("svg", bytes)``."""
    if s.figure == "interviews" and s.view != TREND:  # the trend view is the trend, whatever the figure
        return "html", interviews_html(data, s)
    if s.view == TREND:  # written from the data, no matplotlib (the figure property still draws it)
        return "svg", trend_svg(data, s).encode()
    cur = data.view_ties(s)
    if s.figure == "network" and not cur.empty:  # written from the data, no matplotlib
        return "svg", network_svg(data, s, cur).encode()
    if cur.empty or (s.figure == "benchmark" and s.kommune == ALL):
        return "svg", svg(lambda: main_figure(data, s))
    # no title: the heading above the view names kommune, dimension and view
    args = {"min_n": s.min_n, "language": s.language, "instrument": data.instrument, "title": ""}
    if s.figure == "benchmark":
        args["title"] = benchmark_title(data, s, heading=False)
        return "html", plots.benchmark_html(_benchmark(data, s), change=s.view == CHANGE, **args)
    if s.view == CHANGE:
        return "html", plots.change_heatmap_html(cur, **args)
    return "html", plots.tie_heatmap_html(cur, **args)


def _message(ax, heading: str, message: str = "") -> None:
    ax.set_axis_off()
    ax.set_title(heading)
    if message:
        ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes)


def main_figure(data: ExplorerData, s: Selection):
    """The main view as a matplotlib Figure: the same drawing as the kommune report's."""
    if s.figure == "interviews":  # tables, not a drawing: the figure is the heat map
        s = dataclasses.replace(s, figure="heatmap")
    inst, lang, min_n = data.instrument, s.language, s.min_n
    if s.view == TREND:
        return _trend_figure(data, s)
    cur = data.view_ties(s)
    fig = Figure(figsize=(8.5, 6.8) if s.figure != "benchmark" else (8.5, 7.4), dpi=72)
    # fixed margins: tight_layout would cost a third of the drawing time
    fig.subplots_adjust(**_MARGINS[s.figure])
    ax = fig.add_subplot()
    heading = title(data, s)
    common = {"ax": ax, "min_n": min_n, "language": lang, "instrument": inst}
    if s.figure == "benchmark":
        if s.kommune == ALL:
            _message(ax, heading, text("explore.bench_all", lang))
        else:
            plots.benchmark_plot(_benchmark(data, s), change=s.view == CHANGE, title=benchmark_title(data, s),
                                 **common)
    elif cur.empty:
        _message(ax, heading, text("explore.no_data", lang))
    elif s.figure == "heatmap":
        draw = plots.change_heatmap if s.view == CHANGE else plots.tie_heatmap
        draw(cur, title=heading, **common)
    else:
        pos = layout(list(data.groups(s.kommune)), instrument=inst)
        t = data.ties(s.kommune, s.dimension, min_n)
        if s.view == CHANGE:
            wave, (before, after) = t["wave"].astype(str), data.pair(s.before, s.after)
            plots.change_network(cur, baseline=t[wave == before], followup=t[wave == after], pos=pos,
                                 title=heading, **common)
        else:
            plots.network_diagram(cur, pos=pos, title=heading, n_max=float(t["n"].max()) if len(t) else None,
                                  **common)
    return fig


def _trend_figure(data: ExplorerData, s: Selection):
    """The trend view: the RK index (and the chosen dimension, or all six with the index) in every wave with
    its 95% CI (:func:`relkap.plots.wave_trend`, the kommune report's trend figure)."""
    lang = s.language
    trend = data.index_trend(s.kommune, s.min_n)
    fig = Figure(figsize=(8.5, 5.6), dpi=72)
    fig.subplots_adjust(**_MARGINS["trend"])
    ax = fig.add_subplot()
    heading = title(data, s)
    if trend.empty or trend["suppressed"].all():
        _message(ax, heading, text("explore.no_data", lang))
    else:
        plots.wave_trend(trend, dimensions=None if s.dimension == "rk" else ["rk", s.dimension], min_n=s.min_n,
                         language=lang, instrument=data.instrument, title=heading, ax=ax)
    return fig


def network_svg(data: ExplorerData, s: Selection, cur: pd.DataFrame) -> str:
    """The network view as SVG text written from the data (:mod:`relkap.plots.svgnetwork`): what
    :func:`main_figure` draws for it, on the same positions, without building a matplotlib figure."""
    inst = data.instrument
    pos = layout(list(data.groups(s.kommune)), instrument=inst)
    t = data.ties(s.kommune, s.dimension, s.min_n)
    common = {"pos": pos, "min_n": s.min_n, "language": s.language, "instrument": inst, "title": title(data, s)}
    if s.view == CHANGE:
        wave, (before, after) = t["wave"].astype(str), data.pair(s.before, s.after)
        return svgnetwork.change_network_svg(cur, baseline=t[wave == before], followup=t[wave == after], **common)
    return svgnetwork.network_svg(cur, n_max=float(t["n"].max()) if len(t) else None, **common)


def trend_svg(data: ExplorerData, s: Selection) -> str:
    """The trend view as SVG text written from the data (:func:`relkap.plots.wave_trend_svg`): what
    :func:`_trend_figure` draws, without building a matplotlib figure."""
    trend, heading = data.index_trend(s.kommune, s.min_n), title(data, s)
    if trend.empty or trend["suppressed"].all():
        return plots.svgcharts.message_svg(heading, text("explore.no_data", s.language))
    return plots.wave_trend_svg(trend, dimensions=None if s.dimension == "rk" else ["rk", s.dimension],
                                min_n=s.min_n, language=s.language, instrument=data.instrument, title=heading)


def drill_svg(data: ExplorerData, s: Selection) -> bytes:
    """The drill-down view as SVG written from the data, what :func:`drill_figure` draws: the tie's profile
    (:func:`relkap.plots.dimension_profile_svg`) or, in the trend view, its trend
    (:func:`relkap.plots.wave_trend_svg`)."""
    a, b = s.tie
    lang, inst = s.language, data.instrument
    heading = text("explore.drill_title", lang, kommune=kommune_label(s.kommune, lang),
                   tie=tie_name(a, b, lang, inst))
    if s.view != TREND:
        prof = data.tie_dimensions(s.kommune, a, b, s.min_n)
        if prof.empty:
            return plots.svgcharts.message_svg(heading, "", 504, 317).encode()
        prof = prof[["wave", "dimension", "n", "mean", "ci_low", "ci_high", "suppressed"]]
        return plots.dimension_profile_svg(prof, min_n=s.min_n, language=lang, instrument=inst,
                                           title=heading).encode()
    trend = data.tie_trend_dimensions(s.kommune, a, b, s.min_n)
    if trend.empty or trend["suppressed"].all():
        return plots.svgcharts.message_svg(heading, text("explore.no_data", lang), 504, 317).encode()
    return plots.wave_trend_svg(trend, min_n=s.min_n, language=lang, instrument=data.instrument, title=heading,
                                width=504, height=317).encode()


def _word(key: str, language: str) -> str:
    """An ``explore`` catalogue text escaped for HTML content."""
    return html.escape(text(f"explore.{key}", language), quote=False)


# -- the tie table -----------------------------------------------------------------------------------
def _count(n: object, min_n: int) -> str:
    # a count already masked (privacy.mask_small_counts) was below min_n
    return html.escape(f"<{min_n}" if fmt.missing(n) else fmt.count(n, min_n))


def table_html(table: pd.DataFrame, s: Selection, instrument) -> str:
    """The shown tie table (:func:`~relkap.explore.model.shown_table`) for reading: codebook labels,
    numbers in the chosen language, "<min_n" for a count below the threshold."""
    lang = s.language
    if table.empty:
        return text("explore.no_data", lang)

    t = functools.partial(_word, language=lang)
    is_change, is_trend = s.view == CHANGE, s.view == TREND
    if is_change:
        before, after = (html.escape(wave_label(w, lang, instrument), quote=False) for w in wave_pair(instrument, s.before, s.after))
        heads = [t("rater"), t("target"), f"{t('n')} {before}", f"{t('n')} {after}", before, after, t("change"),
                 t("ci"), t("hedges"), t("p_fdr")]
    else:
        heads = [t("rater"), t("target"), *([t("col_wave")] if is_trend else []), t("n"), t("mean"), t("ci"),
                 t("band")]
    rows = []
    for r in table.itertuples(index=False):
        cells = [html.escape(instrument.label(r.group, lang), quote=False),
                 html.escape(instrument.label(r.target, lang), quote=False)]
        if is_change:
            cells += [_count(r.n_baseline, s.min_n), _count(r.n_followup, s.min_n),
                      fmt.number(r.mean_baseline, 2, lang), fmt.number(r.mean_followup, 2, lang),
                      fmt.signed(r.diff, 2, lang), fmt.ci(r.diff_ci_low, r.diff_ci_high, lang),
                      fmt.signed(r.hedges, 2, lang), fmt.pvalue(r.p_fdr, lang)]
        else:
            if is_trend:
                cells.append(html.escape(wave_label(r.wave, lang, instrument), quote=False))
            band = "" if fmt.missing(r.band) or r.suppressed else text(f"glossary.{r.band}", lang)
            cells += [_count(r.n, s.min_n), fmt.number(r.mean, 2, lang), fmt.ci(r.ci_low, r.ci_high, lang), band]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return (_TABLE_STYLE + "<table class='relkap-ties'><thead><tr>" + "".join(f"<th>{h}</th>" for h in heads)
            + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


# -- the tie drill-down ------------------------------------------------------------------------------
def drill_figure(data: ExplorerData, s: Selection):
    """The selected tie as a matplotlib Figure: its profile on the six dimensions in every wave, or, in the
    trend view, its score and dimensions over the waves (:func:`relkap.plots.wave_trend`)."""
    a, b = s.tie
    inst, lang = data.instrument, s.language
    heading = text("explore.drill_title", lang, kommune=kommune_label(s.kommune, lang),
                   tie=tie_name(a, b, lang, inst))
    fig = Figure(figsize=(7.0, 4.4), dpi=72)
    fig.subplots_adjust(**_MARGINS["trend" if s.view == TREND else "profile"])
    ax = fig.add_subplot()
    if s.view == TREND:
        trend = data.tie_trend_dimensions(s.kommune, a, b, s.min_n)
        if trend.empty or trend["suppressed"].all():
            _message(ax, heading, text("explore.no_data", lang))
        else:
            plots.wave_trend(trend, min_n=s.min_n, language=lang, instrument=inst, title=heading, ax=ax)
        return fig
    prof = data.tie_dimensions(s.kommune, a, b, s.min_n).astype({"wave": str, "dimension": str})
    if prof.empty:
        _message(ax, heading)
    else:
        plots.dimension_profile(prof[["wave", "dimension", "n", "mean", "ci_low", "ci_high", "suppressed"]],
                                ax=ax, min_n=s.min_n, language=lang, instrument=inst, title=heading)
    return fig


def drill_html(drill: pd.DataFrame, s: Selection, instrument) -> str:
    """The drill-down table (:meth:`~relkap.explore.model.ExplorerData.tie_summary`) for reading: every wave
    by its codebook name, then the change between the view's two waves."""
    lang = s.language

    t = functools.partial(_word, language=lang)
    pair = wave_pair(instrument, s.before, s.after) if len(instrument.waves) > 1 else ()
    before, after = (wave_label(w, lang, instrument) for w in pair) if pair else ("", "")
    rows = []
    for r in drill.itertuples(index=False):
        is_change = r.measure == CHANGE
        if r.suppressed:
            vals = [t("suppressed")] * 2 + (["", ""] if is_change else [])
        else:
            vals = [fmt.number(r.mean, 2, lang, sign=is_change), fmt.ci(r.ci_low, r.ci_high, lang)]
            if is_change:
                vals += [fmt.signed(r.hedges, 2, lang), fmt.pvalue(r.p_fdr, lang)]
        name = (text("waves.change_caption", lang, before=before, after=after) if is_change
                else wave_label(r.measure, lang, instrument))
        n = html.escape(fmt.count(r.n, s.min_n, lang))  # "<5", never a count below min_n
        rows.append(f"<tr><td>{html.escape(name, quote=False)}</td><td>{n}</td>"
                    + "".join(f"<td>{v}</td>" for v in vals) + "</tr>")
    head = (f"<tr><th></th><th>{t('n')}</th><th>{t('mean_or_change')}</th><th>{t('ci')}</th>"
            f"<th>{t('hedges')}</th><th>{t('p_fdr')}</th></tr>")
    tie = html.escape(text("explore.drill", lang, tie=tie_name(*s.tie, lang, instrument)), quote=False)
    return f"<b>{tie}</b><table style='border-collapse:collapse'>{head}" + "".join(rows) + "</table>"


def svg(draw) -> bytes:
    """The SVG of the figure ``draw()`` makes, drawn with the garbage collector paused.

    A figure is some 10,000 objects in reference cycles. Built with the collector running, most of them are
    promoted to the oldest generation during the build and, once discarded, wait there for a full
    collection: 60-160 ms, every few interactions (measured on 98 kommuner). Paused, they stay young, and
    the young-generation collection right after the figure is discarded frees them in a few milliseconds.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        with mpl.rc_context(_RC_DRAW):
            fig = draw()
        FigureCanvasAgg(fig)
        buf = io.BytesIO()
        with mpl.rc_context(_RC):
            fig.savefig(buf, format="svg")
        del fig
    finally:
        if paused:
            gc.enable()
            gc.collect(0)
    return buf.getvalue()


def interviews_html(data: ExplorerData, s: Selection) -> str:
    """The interviews view: the kommune's joint displays of ties (RK index) and dimensions and the share of
    interviews per theme (:func:`relkap.interviews.report_section`, as in the kommune report: no quotes)."""
    lang = s.language
    if s.kommune == ALL:
        return f"<p>{html.escape(text('explore.interviews_all', lang))}</p>"
    section = data.interview_section(s.kommune, s.min_n, lang)
    if section is None:
        return f"<p>{html.escape(text('explore.no_interviews', lang, kommune=kommune_label(s.kommune, lang)))}</p>"
    return _TABLE_STYLE.replace("relkap-ties", "relkap-interviews") + (
        f"<div class='relkap-interviews'>{section.html()}</div>")


def quotes_html(quotes: pd.DataFrame, theme_kind: str, theme: str, s: Selection, instrument) -> str:
    """PRIVATE: the coded quotes of one theme (:class:`~relkap.explore.quotes.PrivateQuotes`), under a banner
    saying they are for the researcher's own machine only."""
    lang = s.language
    banner = text("explore.quotes_private", lang, theme=theme_label(theme_kind, theme, instrument, lang))
    head = ("<div class='relkap-private' style='border:2px solid #b00020;padding:4px 8px;margin:4px 0'>"
            f"<strong style='color:#b00020'>{html.escape(banner)}</strong>")
    if quotes.empty:
        return head + f"<p>{html.escape(text('explore.quotes_none', lang))}</p></div>"
    rows = []
    for r in quotes.itertuples(index=False):
        valence = "" if pd.isna(r.valence) else text(f"explore.valence_{r.valence}", lang)
        group = "" if pd.isna(r.group) else instrument.label(str(r.group), lang)
        cells = [wave_label(r.wave, lang, instrument), str(r.source), group, valence, str(r.text)]
        rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    heads = [text(f"explore.col_{c}", lang) for c in ("wave", "source", "group", "valence", "quote")]
    table = ("<table class='relkap-ties'><thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in heads)
             + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")
    return head + _TABLE_STYLE + table + "</div>"
