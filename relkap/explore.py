"""An ipywidgets explorer of the tie scores for JupyterLab: kommune, wave or change, dimension, min_n.

The statistics come from :mod:`relkap.report` (the same tables the kommune reports show) and the figures
from :mod:`relkap.plots`. The data are loaded once; tables are cached per (kommune, dimension, min_n) and
drawn views per control state, so an interaction recomputes only what it changed. The heat map is shown as
an HTML table (:func:`relkap.plots.tie_heatmap_html`, a few milliseconds) and the network, benchmark and
tie profile as SVG from matplotlib. Suppression (``min_n``) applies to every figure and table, as in the
reports.

Usage in a notebook::

    from relkap.explore import explore
    explore()            # data/processed, or explore("path/to/processed")

Batch reports (``interactive=False``) never use this module: exported HTML has no kernel.
"""

from __future__ import annotations

import functools
import gc
import html
import io
from collections import OrderedDict

import numpy as np
import pandas as pd

from . import change, plots, report, scoring
from .instrument import Instrument, load_instrument
from .io import load
from .style import band_label

__all__ = ["Explorer", "explore", "ALL", "VIEWS", "FIGURES"]

ALL = 0  # kommune dropdown value for "all kommuner" (pooled ties)
VIEWS = ("baseline", "followup", "change")
FIGURES = ("heatmap", "network", "benchmark")

_TEXT = {
    "da": {"all": "Alle kommuner", "kommune": "Kommune", "view": "Visning", "dimension": "Dimension",
           "language": "Sprog", "figure": "Figur", "tie": "Relation", "baseline": "Baseline",
           "followup": "Opfølgning", "change": "Ændring", "heatmap": "Varmekort", "network": "Netværk",
           "benchmark": "Benchmark", "no_tie": "(ingen)", "no_data": "Ingen data for dette valg.",
           "suppressed": "for få svar", "bench_title": "{name}: relationer blandt {k} kommuner",
           "bench_all": "Vælg en kommune for at se benchmark.",
           "drill": "Relationen {tie}", "n": "n", "mean": "Gennemsnit", "ci": "95 % KI",
           "rater": "Vurderende gruppe", "target": "Vurderet gruppe", "band": "Niveau",
           "diff": "Forskel", "hedges": "Hedges' g", "p_fdr": "p (FDR)"},
    "en": {"all": "All kommuner", "kommune": "Kommune", "view": "View", "dimension": "Dimension",
           "language": "Language", "figure": "Figure", "tie": "Tie", "baseline": "Baseline",
           "followup": "Follow-up", "change": "Change", "heatmap": "Heat map", "network": "Network",
           "benchmark": "Benchmark", "no_tie": "(none)", "no_data": "No data for this choice.",
           "suppressed": "too few answers", "bench_title": "{name}: ties among {k} kommuner",
           "bench_all": "Choose a kommune to see the benchmark.",
           "drill": "The tie {tie}", "n": "n", "mean": "Mean", "ci": "95% CI",
           "rater": "Rating group", "target": "Rated group", "band": "Band",
           "diff": "Difference", "hedges": "Hedges' g", "p_fdr": "p (FDR)"},
}


_MARGINS = {
    "heatmap": {"left": 0.2, "right": 0.9, "bottom": 0.1, "top": 0.72},
    "network": {"left": 0.02, "right": 0.88, "bottom": 0.2, "top": 0.93},
    "benchmark": {"left": 0.3, "right": 0.97, "bottom": 0.08, "top": 0.91},
    "profile": {"left": 0.1, "right": 0.9, "bottom": 0.33, "top": 0.91},
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


class _LRU(OrderedDict):
    """A small least-recently-used dict for drawn figures (they hold memory)."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def get_or(self, key, make):
        if key in self:
            self.move_to_end(key)
            return self[key]
        value = self[key] = make()
        if len(self) > self.size:
            self.popitem(last=False)
        return value


class Explorer:
    """Interactive tie heat map, network, table, tie drill-down and benchmark for JupyterLab.

    Parameters
    ----------
    data_dir : path, optional
        Processed tidy tables (default ``data/processed``).
    instrument : Instrument or path, optional
        Codebook (default ``params/instrument.yaml``).
    min_n : int
        Initial suppression threshold (the slider's value).
    language : {"da", "en"}

    Attributes
    ----------
    kommune, view, dimension, language, min_n, figure_kind, tie : ipywidgets
        The controls; set ``.value`` from code as a user would (``explorer.kommune.value = 336``).
    current_ties : DataFrame
        The tie table behind the current view (``relkap.report.tie_table`` rows of one wave, or
        ``relkap.report.tie_change`` rows for the change view).
    table : DataFrame
        The table shown: ``current_ties`` without the diagonal, suppressed values blanked and counts below
        ``min_n`` missing (shown as "<min_n", as on the heat map).
    figure, drill_figure : matplotlib Figure
        The main view and the selected tie's dimension profile as matplotlib figures (the report's drawing).
    html_view, image : ipywidgets
        What is on screen: the heat map as HTML (``html_view``) or the other views as SVG (``image``); the
        widget not in use is hidden.
    drill : DataFrame
        The selected tie in both waves and its change (n, mean, CI, diff, Hedges' g, adjusted p).
    """

    def __init__(self, data_dir=None, instrument: Instrument | str | None = None, min_n: int = 5,
                 language: str = "da"):
        import ipywidgets as w

        self.instrument = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
        self.tables = load(data_dir)
        rel = self.tables.relations
        # split once: every per-kommune table then works on a few thousand rows
        self._relations = {int(k): part.reset_index(drop=True)
                           for k, part in rel.groupby("kommune", observed=True, sort=True)}
        self._relations[ALL] = rel
        # rendered views (HTML or SVG) per control state; only the figure on screen is kept as an object
        # (cached figures would hold hundreds of thousands of artists and slow every garbage collection)
        self._images = _LRU(256)
        self._drill_images = _LRU(256)
        self._drill_tables = _LRU(256)
        self._main: tuple = (None, None)
        self._drill_main: tuple = (None, None)
        self.current_ties = pd.DataFrame()
        self.table = pd.DataFrame()
        self.drill = pd.DataFrame()
        self.draws = 0  # views rendered (not served from the cache), for tests and benchmarks

        codes = [k for k in self._relations if k != ALL]
        self.kommune = w.Dropdown(options=[(_TEXT[language]["all"], ALL)]
                                  + [(f"{report.kommune_name(c)} ({c})", c) for c in codes],
                                  value=codes[0] if codes else ALL, description=_TEXT[language]["kommune"])
        narrow = {"button_width": "104px"}
        self.view = w.ToggleButtons(options=[(_TEXT[language][v], v) for v in VIEWS], value="baseline",
                                    style=narrow)
        self.dimension = w.Dropdown(options=self._dimension_options(language), value="rk",
                                    description=_TEXT[language]["dimension"])
        self.language = w.ToggleButtons(options=[("Dansk", "da"), ("English", "en")], value=language,
                                        style=narrow)
        self.min_n = w.IntSlider(value=min_n, min=1, max=30, description="min_n", continuous_update=False)
        self.figure_kind = w.ToggleButtons(options=[(_TEXT[language][f], f) for f in FIGURES], value="heatmap",
                                           style=narrow)
        self.tie = w.Dropdown(description=_TEXT[language]["tie"])
        self.heading = w.HTML()
        self.image = w.Image(format="svg+xml")
        self.html_view = w.HTML()
        self.drill_image = w.Image(format="svg+xml")
        self.table_view = w.HTML()
        self.drill_text = w.HTML()
        self._groups_of_kommune = None
        self._silent = False
        self._update_ties()
        for control in (self.kommune, self.view, self.dimension, self.language, self.min_n, self.figure_kind):
            control.observe(self._on_change, names="value")
        self.tie.observe(self._on_tie, names="value")
        self.widget = w.VBox([
            w.HBox([self.kommune, self.dimension]),
            w.HBox([self.view, self.figure_kind]),
            w.HBox([self.min_n, self.language]),
            self.heading,
            self.image,
            self.html_view,
            self.table_view,
            self.tie,
            w.HBox([self.drill_image, self.drill_text]),
        ])
        self.refresh()
        # the tables that pool every kommune (and the benchmark's) are computed with the load
        self._pooled  # noqa: B018
        self.national_ties("rk", min_n)
        # The loaded data are long-lived: move them out of the garbage collector's generations, so a
        # collection during an interaction does not walk them again (measured: up to ~170 ms of the
        # slowest interaction on 98 kommuner). Objects made later are collected as usual.
        gc.collect()
        gc.freeze()

    # -- display -------------------------------------------------------------------------------------
    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    def _dimension_options(self, language: str) -> list[tuple[str, str]]:
        inst = self.instrument
        return [(inst.label(c, language), c) for c in ["rk", *inst.relational_codes]]

    def _t(self, key: str) -> str:
        return _TEXT[self.language.value][key]

    def kommune_label(self, kommune: int | None = None) -> str:
        """The kommune's name (or "Alle kommuner") in the current language."""
        k = self.kommune.value if kommune is None else kommune
        return self._t("all") if k == ALL else report.kommune_name(k)

    # -- cached statistics (min_n is part of every key: FDR families and suppression depend on it) --------
    @functools.lru_cache(maxsize=512)  # noqa: B019 - one explorer per notebook; the cache is the point
    def ties(self, kommune: int, dimension: str, min_n: int) -> pd.DataFrame:
        """``relkap.report.tie_table`` of one kommune (or all pooled) and dimension, both waves.

        Scored once per kommune and dimension; ``min_n`` is applied after (:func:`relkap.scoring.suppress_ties`).
        """
        return scoring.suppress_ties(self._ties(kommune, dimension), min_n)

    @functools.lru_cache(maxsize=256)  # noqa: B019
    def _ties(self, kommune: int, dimension: str) -> pd.DataFrame:
        if kommune == ALL:
            return self._pooled[0][dimension]
        return report.tie_table(self._relations[kommune], self.instrument, min_n=None,
                                dimension=None if dimension == "rk" else dimension)

    @functools.cached_property
    def _pooled(self) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
        """All kommuner pooled, without a threshold: tie tables and wave comparisons of the RK index and of
        every dimension, each in one pass over all answers (most of the load time; on 2.2 M relation rows
        a pooled table of one dimension would otherwise cost up to 0.7 s at a click)."""
        rel, inst = self._relations[ALL], self.instrument
        ties = {"rk": report.tie_table(rel, inst, min_n=None)}
        every = report.tie_table(rel, inst, min_n=None, dimension="all")
        ties.update({str(d): part.reset_index(drop=True)
                     for d, part in every.groupby(every["dimension"].astype(str), sort=False)})
        changes = {"rk": report.tie_change(rel, inst, min_n=None)}
        every = report.tie_change(rel, inst, min_n=None, dimension="all")
        # tie_change of one dimension has no dimension column
        changes.update({str(d): part.drop(columns="dimension").reset_index(drop=True)
                        for d, part in every.groupby("dimension", sort=False)})
        return ties, changes

    @functools.lru_cache(maxsize=512)  # noqa: B019
    def tie_change(self, kommune: int, dimension: str, min_n: int) -> pd.DataFrame:
        """``relkap.report.tie_change`` of one kommune (or all pooled) and dimension.

        The tests run once per kommune and dimension without a threshold; ``min_n`` is applied after
        (:func:`relkap.change.suppress`: the same table, FDR over the ties shown), so the slider is cheap.
        """
        return change.suppress(self._tie_change(kommune, dimension), min_n)

    @functools.lru_cache(maxsize=256)  # noqa: B019
    def _tie_change(self, kommune: int, dimension: str) -> pd.DataFrame:
        if kommune == ALL:
            return self._pooled[1][dimension]
        return report.tie_change(self._relations[kommune], self.instrument, min_n=None,
                                 dimension=None if dimension == "rk" else dimension)

    @functools.lru_cache(maxsize=512)  # noqa: B019
    def tie_dimensions(self, kommune: int, group: str, target: str, min_n: int) -> pd.DataFrame:
        """One tie's score on each of the six dimensions, both waves (the drill-down profile).

        Scored on that tie's answers only: pooled over every kommune that is ~1% of the rows.
        """
        rel = self._relations[kommune]
        rel = rel[(rel["group"] == group) & (rel["target"] == target)]
        return report.tie_table(rel, self.instrument, min_n=min_n, dimension="all")

    @functools.cached_property
    def _national_scores(self) -> dict[str, pd.DataFrame]:
        """Every kommune's cross-group ties per wave, for the RK index and each dimension, unsuppressed.

        Computed once (with the load): a tie's mean does not depend on ``min_n``, only whether it is shown,
        so a new ``min_n`` or dimension in the benchmark view is a filter, not a pass over every answer.
        """
        inst, rel = self.instrument, self._relations[ALL]
        parts = [scoring.tie_scores(rel, inst, by=["kommune", "wave"], dimension=d, min_n=None)
                 for d in ("rk", "all")]
        t = pd.concat(parts, ignore_index=True)
        t = t[~t["diagonal"]].astype({"wave": str, "group": str, "target": str, "dimension": str})
        t = t[["kommune", "wave", "group", "target", "dimension", "n", "mean"]]
        return {str(d): part.drop(columns="dimension").reset_index(drop=True)
                for d, part in t.groupby("dimension", sort=False)}

    @functools.lru_cache(maxsize=64)  # noqa: B019
    def national_ties(self, dimension: str, min_n: int) -> pd.DataFrame:
        """Tie scores of every kommune and wave (the benchmark distribution), with ``suppressed`` (n < min_n)."""
        t = self._national_scores[dimension].copy()
        t["suppressed"] = t["n"] < min_n
        t["mean"] = t["mean"].where(~t["suppressed"])
        return t

    @functools.lru_cache(maxsize=64)  # noqa: B019
    def benchmark_ties(self, dimension: str, min_n: int, view: str) -> pd.DataFrame:
        """Per kommune and tie the value compared: a wave's mean, or follow-up minus baseline."""
        t = self.national_ties(dimension, min_n)
        t = t[~t["suppressed"]]
        b, f = self.instrument.waves.baseline, self.instrument.waves.followup
        wide = t.pivot_table(index=["kommune", "group", "target"], columns="wave", values="mean").reset_index()
        if view == "change":
            ok = b in wide and f in wide
            wide["value"] = wide[f] - wide[b] if ok else np.nan
        else:
            col = b if view == "baseline" else f
            wide["value"] = wide[col] if col in wide else np.nan
        return wide[["kommune", "group", "target", "value"]].dropna(subset=["value"]).reset_index(drop=True)

    @functools.lru_cache(maxsize=64)  # noqa: B019
    def benchmark_distribution(self, dimension: str, min_n: int, view: str) -> pd.DataFrame:
        """Per tie over all kommuner with a reportable value: n_kommuner, p5, q25, median, q75, p95."""
        g = self.benchmark_ties(dimension, min_n, view).groupby(["group", "target"])["value"]
        out = g.quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack()
        out.columns = ["p5", "q25", "median", "q75", "p95"]
        out["n_kommuner"] = g.size()
        return out

    @functools.lru_cache(maxsize=256)  # noqa: B019
    def benchmark(self, kommune: int, dimension: str, min_n: int, view: str) -> pd.DataFrame:
        """The kommune's ties against their distribution over all kommuner (the benchmark view's rows).

        One row per tie between the kommune's groups (codebook order) with a value in some kommune: ``group, target, n_kommuner, p5, q25, median, q75, p95`` over the kommuner, this
        kommune's ``value`` (NaN when suppressed here) and ``share_below``: the share of the kommuner with
        a lower value (ties count half), i.e. the kommune's percentile rank. No other kommune is named.
        """
        dist = self.benchmark_distribution(dimension, min_n, view)
        data = self.benchmark_ties(dimension, min_n, view)
        g = self._groups_present(kommune)
        ties = [(a, b) for a in g for b in g if a != b and (a, b) in dist.index]
        out = dist.loc[ties].reset_index() if ties else dist.iloc[:0].reset_index()
        own = data[data["kommune"] == kommune].set_index(["group", "target"])["value"]
        out["value"] = [own.get(t, np.nan) for t in ties]
        cmp = data.merge(out[["group", "target", "value"]].rename(columns={"value": "own"}), on=["group", "target"])
        below = (cmp["value"] < cmp["own"]) + 0.5 * (cmp["value"] == cmp["own"])
        share = below.groupby([cmp["group"], cmp["target"]]).mean()
        out["share_below"] = [share.get(t, np.nan) if not np.isnan(v) else np.nan
                              for t, v in zip(ties, out["value"], strict=True)]
        return out[list(plots.BENCHMARK_COLUMNS)]

    @functools.lru_cache(maxsize=256)  # noqa: B019
    def _groups_present(self, kommune: int) -> tuple[str, ...]:
        """The kommune's groups (as raters or targets), in codebook order."""
        rel = self._relations[kommune]
        present = {str(v) for c in ("group", "target") for v in rel[c].unique()}
        return tuple(c for c in self.instrument.group_codes if c in present)

    def _benchmark(self) -> pd.DataFrame:
        return self.benchmark(self.kommune.value, self.dimension.value, self.min_n.value, self.view.value)

    def _benchmark_title(self, heading: bool = True) -> str:
        n_k = int(self.benchmark_ties(self.dimension.value, self.min_n.value, self.view.value)["kommune"].nunique())
        sub = self._t("bench_title").format(name=self.kommune_label(), k=n_k)
        return self._title() + "\n" + sub if heading else sub

    # -- state -----------------------------------------------------------------------------------------
    def _wave(self) -> str:
        inst = self.instrument
        return inst.waves.baseline if self.view.value == "baseline" else inst.waves.followup

    def _update_ties(self) -> None:
        k, dim, min_n = self.kommune.value, self.dimension.value, self.min_n.value
        if self.view.value == "change":
            cur = self.tie_change(k, dim, min_n)
        else:
            t = self.ties(k, dim, min_n)
            cur = t[t["wave"].astype(str) == self._wave()].reset_index(drop=True)
        self.current_ties = cur
        groups = self._groups_present(k)  # both waves: the network keeps its layout across views
        if groups != self._groups_of_kommune or self.tie.options == ():
            self._groups_of_kommune = groups
            self._set_tie_options()

    def _set_tie_options(self) -> None:
        lang = self.language.value
        inst = self.instrument
        g = self._groups_of_kommune or ()
        options = [(f"{inst.label(a, lang)} → {inst.label(b, lang)}", (a, b)) for a in g for b in g if a != b]
        old = self.tie.value
        self._silent = True
        try:
            self.tie.options = [(self._t("no_tie"), None)] + options
            self.tie.value = old if old in dict(options).values() else None
        finally:
            self._silent = False

    def _relabel(self) -> None:
        lang = self.language.value
        values = [(c, c.value) for c in (self.kommune, self.dimension, self.view, self.figure_kind)]
        self._silent = True
        try:
            self.kommune.options = [(_TEXT[lang]["all"], ALL)] + list(self.kommune.options[1:])
            self.kommune.description = _TEXT[lang]["kommune"]
            self.dimension.options = self._dimension_options(lang)
            self.dimension.description = _TEXT[lang]["dimension"]
            self.view.options = [(_TEXT[lang][v], v) for v in VIEWS]
            self.figure_kind.options = [(_TEXT[lang][f], f) for f in FIGURES]
            self.tie.description = _TEXT[lang]["tie"]
            for control, value in values:  # new options reset the value
                control.value = value
        finally:
            self._silent = False
        self._set_tie_options()

    def _on_change(self, change) -> None:
        if getattr(self, "_silent", False):
            return
        if change["owner"] is self.language:
            self._relabel()
        self.refresh()

    def _on_tie(self, change) -> None:
        if not getattr(self, "_silent", False):
            self._refresh_drill()

    def refresh(self) -> None:
        """Recompute the current tables (cached) and redraw what changed."""
        self._update_ties()
        self.heading.value = f"<h3 class='relkap-explore-title'>{html.escape(self._title())}</h3>"
        self._refresh_main()
        self._refresh_table()
        self._refresh_drill()

    # -- main figure -----------------------------------------------------------------------------------
    def _state(self) -> tuple:
        return (self.kommune.value, self.view.value, self.dimension.value, self.min_n.value,
                self.language.value, self.figure_kind.value)

    def _refresh_main(self) -> None:
        state = self._state()
        kind, payload = self._images.get_or(state, self._render_main)
        # one of the two widgets shows the view; the other keeps its last value, hidden
        if kind == "html":
            self.html_view.value = payload
        else:
            self.image.value = payload
        self.html_view.layout.display = "" if kind == "html" else "none"
        self.image.layout.display = "none" if kind == "html" else ""

    def _render_main(self) -> tuple[str, str | bytes]:
        """The view on screen: the heat map as an HTML table (a few ms), the other figures as SVG."""
        self.draws += 1
        kind = self.figure_kind.value
        if kind == "network" or self.current_ties.empty or (kind == "benchmark" and self.kommune.value == ALL):
            return "svg", _svg(self._draw_main)
        # no title: the heading above the view names kommune, dimension and view
        args = {"min_n": self.min_n.value, "language": self.language.value, "instrument": self.instrument,
                "title": ""}
        if kind == "benchmark":
            args["title"] = self._benchmark_title(heading=False)
            return "html", plots.benchmark_html(self._benchmark(), change=self.view.value == "change", **args)
        if self.view.value == "change":
            return "html", plots.change_heatmap_html(self.current_ties, **args)
        return "html", plots.tie_heatmap_html(self.current_ties, **args)

    @property
    def figure(self):
        """The main view as a matplotlib Figure, the same drawing as the kommune report's (for ``savefig``).

        Drawn here when asked for (the screen shows an HTML table or an SVG, and keeps no figure alive).
        """
        if self._main[0] != self._state():
            self._main = (self._state(), self._draw_main())
        return self._main[1]

    def _title(self) -> str:
        inst, lang = self.instrument, self.language.value
        return f"{self.kommune_label()} – {inst.label(self.dimension.value, lang)} – {self._t(self.view.value)}"

    def _draw_main(self):
        from matplotlib.figure import Figure

        kind, view, lang, min_n = self.figure_kind.value, self.view.value, self.language.value, self.min_n.value
        inst = self.instrument
        cur = self.current_ties
        fig = Figure(figsize=(8.5, 6.8) if kind != "benchmark" else (8.5, 7.4), dpi=72)
        # fixed margins: tight_layout would cost a third of the drawing time
        fig.subplots_adjust(**_MARGINS[kind])
        ax = fig.add_subplot()
        title = self._title()
        if kind == "benchmark":
            if self.kommune.value == ALL:
                ax.set_axis_off()
                ax.set_title(title)
                ax.text(0.5, 0.5, self._t("bench_all"), ha="center", va="center", transform=ax.transAxes)
            else:
                plots.benchmark_plot(self._benchmark(), ax=ax, change=view == "change", min_n=min_n,
                                     language=lang, instrument=inst, title=self._benchmark_title())
        elif cur.empty:
            ax.set_axis_off()
            ax.set_title(title)
            ax.text(0.5, 0.5, self._t("no_data"), ha="center", va="center", transform=ax.transAxes)
        elif kind == "heatmap":
            if view == "change":
                plots.change_heatmap(cur, ax=ax, min_n=min_n, language=lang, instrument=inst, title=title)
            else:
                plots.tie_heatmap(cur, ax=ax, min_n=min_n, language=lang, instrument=inst, title=title)
        else:
            from .network import layout

            pos = layout(list(self._groups_of_kommune), instrument=inst)
            t = self.ties(self.kommune.value, self.dimension.value, min_n)
            if view == "change":
                b, f = inst.waves.baseline, inst.waves.followup
                plots.change_network(t[t["wave"].astype(str) == b], t[t["wave"].astype(str) == f],
                                     comparison=cur, pos=pos, ax=ax, min_n=min_n, language=lang,
                                     instrument=inst, title=title)
            else:
                plots.network_diagram(cur, pos=pos, ax=ax, min_n=min_n, language=lang, instrument=inst,
                                      title=title, n_max=float(t["n"].max()) if len(t) else None)
        return fig

    # -- table -----------------------------------------------------------------------------------------
    def _refresh_table(self) -> None:
        cur, min_n = self.current_ties, self.min_n.value
        if cur.empty:
            self.table = cur
        else:
            keep = cur[~cur["diagonal"]].copy()
            if self.view.value == "change":
                cols = ["group", "target", "n_baseline", "n_followup", "mean_baseline", "mean_followup", "diff",
                        "diff_ci_low", "diff_ci_high", "hedges", "p_fdr", "suppressed"]
            else:
                cols = ["group", "target", "n", "mean", "ci_low", "ci_high", "band", "suppressed"]
            keep = keep[cols].astype({"group": str, "target": str})
            # blank every value of a suppressed tie, and every count below min_n (as the heat map: "n<5")
            shown = ~keep["suppressed"].astype(bool)
            for c in cols[2:-1]:
                if not c.startswith("n"):
                    keep[c] = keep[c].where(shown)
            self.table = report._small_counts(keep, min_n).reset_index(drop=True)
        self.table_view.value = self._table_html() if len(self.table) else self._t("no_data")

    def _table_html(self) -> str:
        """``table`` for reading: labels and numbers in the chosen language, "<min_n" for small counts."""
        lang, inst, min_n = self.language.value, self.instrument, self.min_n.value
        t = self._t
        is_change = self.view.value == "change"
        heads = [t("rater"), t("target"), *(["n " + t("baseline").lower(), "n " + t("followup").lower(),
                                              t("baseline"), t("followup"), t("diff")] if is_change
                                             else ["n", t("mean")]),
                 t("ci"), *([t("hedges"), t("p_fdr")] if is_change else [t("band")])]

        def n(v) -> str:
            return f"&lt;{min_n}" if pd.isna(v) else str(int(v))

        rows = []
        for r in self.table.itertuples(index=False):
            cells = [html.escape(inst.label(r.group, lang)), html.escape(inst.label(r.target, lang))]
            if is_change:
                cells += [n(r.n_baseline), n(r.n_followup), report._num(r.mean_baseline, 2, lang),
                          report._num(r.mean_followup, 2, lang), report._num(r.diff, 2, lang, sign=True),
                          report._ci(r.diff_ci_low, r.diff_ci_high, lang),
                          report._num(r.hedges, 2, lang, sign=True), report._p(r.p_fdr, lang)]
            else:
                cells += [n(r.n), report._num(r.mean, 2, lang), report._ci(r.ci_low, r.ci_high, lang),
                          "" if pd.isna(r.band) or r.suppressed else band_label(str(r.band), lang)]
            rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        return (_TABLE_STYLE + "<table class='relkap-ties'><thead><tr>" + "".join(f"<th>{h}</th>" for h in heads)
                + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")

    # -- drill-down ------------------------------------------------------------------------------------
    def _refresh_drill(self) -> None:
        tie = self.tie.value
        if tie is None:
            self.drill = pd.DataFrame()
            self.drill_image.value = b""
            self.drill_text.value = ""
            return
        key = self._drill_key()

        def draw():
            self.draws += 1
            return _svg(self._draw_drill)

        self.drill_image.value = self._drill_images.get_or(key, draw)
        self.drill, self.drill_text.value = self._drill_tables.get_or((*key, self.dimension.value),
                                                                      self._drill_summary)

    def _drill_key(self) -> tuple:
        # the profile shows all six dimensions, so the dimension control does not change it
        return (self.kommune.value, self.tie.value, self.min_n.value, self.language.value)

    @property
    def drill_figure(self):
        """The selected tie's dimension profile (matplotlib Figure), or None when no tie is selected."""
        if self.tie.value is None:
            return None
        if self._drill_main[0] != self._drill_key():
            self._drill_main = (self._drill_key(), self._draw_drill())
        return self._drill_main[1]

    def _drill_summary(self) -> tuple[pd.DataFrame, str]:
        a, b = self.tie.value
        lang, inst = self.language.value, self.instrument
        drill = self._drill_table()
        return drill, self._drill_html(drill, f"{inst.label(a, lang)} → {inst.label(b, lang)}")

    def _drill_table(self) -> pd.DataFrame:
        """The selected tie per wave (n, mean, CI) and its change (diff, CI, Hedges' g, adjusted p)."""
        a, b = self.tie.value
        k, dim, min_n = self.kommune.value, self.dimension.value, self.min_n.value
        t = self.ties(k, dim, min_n)
        t = t[(t["group"].astype(str) == a) & (t["target"].astype(str) == b)]
        rows = {str(r.wave): r for r in t.itertuples(index=False)}
        c = self.tie_change(k, dim, min_n)
        c = c[(c["group"] == a) & (c["target"] == b)]
        cr = c.iloc[0] if len(c) else None
        out = []
        for view in ("baseline", "followup"):
            w = self.instrument.waves.baseline if view == "baseline" else self.instrument.waves.followup
            r = rows.get(w)
            sup = r is None or bool(r.suppressed)
            out.append({"measure": view, "n": int(r.n) if r is not None else 0,
                        "mean": None if sup else r.mean, "ci_low": None if sup else r.ci_low,
                        "ci_high": None if sup else r.ci_high, "suppressed": sup})
        sup = cr is None or bool(cr["suppressed"])
        out.append({"measure": "change", "n": None if cr is None else int(min(cr["n_baseline"], cr["n_followup"])),
                    "mean": None if sup else cr["diff"], "ci_low": None if sup else cr["diff_ci_low"],
                    "ci_high": None if sup else cr["diff_ci_high"], "hedges": None if sup else cr["hedges"],
                    "p_fdr": None if sup else cr["p_fdr"], "suppressed": sup})
        return pd.DataFrame(out, columns=["measure", "n", "mean", "ci_low", "ci_high", "hedges", "p_fdr",
                                          "suppressed"])

    def _draw_drill(self):
        from matplotlib.figure import Figure

        a, b = self.tie.value
        inst, lang, min_n = self.instrument, self.language.value, self.min_n.value
        prof = self.tie_dimensions(self.kommune.value, a, b, min_n).astype({"wave": str, "dimension": str})
        tie = f"{inst.label(a, lang)} → {inst.label(b, lang)}"
        fig = Figure(figsize=(7.0, 4.4), dpi=72)
        fig.subplots_adjust(**_MARGINS["profile"])
        ax = fig.add_subplot()
        title = f"{self.kommune_label()}: {tie}"
        if prof.empty:
            ax.set_axis_off()
            ax.set_title(title)
        else:
            plots.dimension_profile(prof[["wave", "dimension", "n", "mean", "ci_low", "ci_high", "suppressed"]],
                                    ax=ax, min_n=min_n, language=lang, instrument=inst, title=title)
        return fig

    def _drill_html(self, drill: pd.DataFrame, tie: str) -> str:
        t = self._t
        lang = self.language.value
        rows = []
        for r in drill.itertuples(index=False):
            if r.suppressed:
                vals = [t("suppressed")] * 2 + (["", ""] if r.measure == "change" else [])
            else:
                vals = [report._num(r.mean, 2, lang, sign=r.measure == "change"), report._ci(r.ci_low, r.ci_high, lang)]
                if r.measure == "change":
                    vals += [report._num(r.hedges, 2, lang, sign=True), report._p(r.p_fdr, lang)]
            n = html.escape(report._count(r.n, self.min_n.value))  # "<5", never a count below min_n
            rows.append(f"<tr><td>{t(r.measure)}</td><td>{n}</td>" + "".join(f"<td>{v}</td>" for v in vals)
                        + "</tr>")
        head = (f"<tr><th></th><th>{t('n')}</th><th>{t('mean')} / {t('diff')}</th><th>{t('ci')}</th>"
                f"<th>{t('hedges')}</th><th>{t('p_fdr')}</th></tr>")
        return (f"<b>{t('drill').format(tie=tie)}</b><table style='border-collapse:collapse'>{head}"
                + "".join(rows) + "</table>")


def _svg(draw) -> bytes:
    """The SVG of the figure ``draw()`` makes, drawn with the garbage collector paused.

    A figure is some 10,000 objects in reference cycles. Built with the collector running, most of them are
    promoted to the oldest generation during the build and, once discarded, wait there for a full
    collection: 60-160 ms, every few interactions (measured on 98 kommuner). Paused, they stay young, and
    the young-generation collection right after the figure is discarded frees them in a few milliseconds.
    """
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg

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


def explore(data_dir=None, instrument: Instrument | str | None = None, min_n: int = 5,
            language: str = "da") -> Explorer:
    """An :class:`Explorer` of the processed data; the last expression of a cell displays it."""
    return Explorer(data_dir, instrument=instrument, min_n=min_n, language=language)
