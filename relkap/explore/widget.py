"""The ipywidgets explorer: controls, their state, and the callbacks that put a view on screen.

The controls make a :class:`~relkap.explore.model.Selection`; the tables come from
:class:`~relkap.explore.model.ExplorerData` (cached per kommune, dimension and ``min_n``) and the screen
from :mod:`relkap.explore.render`, cached per selection, so an interaction recomputes only what it changed.
"""

from __future__ import annotations

import dataclasses
import gc
import html
from collections import OrderedDict

import pandas as pd

from ..config import MIN_N
from ..instrument import Instrument
from ..interviews import theme_label
from ..labels import wave_label
from ..privacy import check_min_n
from ..words import LANGUAGES, text
from . import render
from .model import ALL, CHANGE, FIGURES, TREND, ExplorerData, Selection, shown_table
from .quotes import PrivateQuotes

__all__ = ["Explorer", "explore"]


class _LRU(OrderedDict):
    """A small least-recently-used dict for rendered views (they hold memory)."""

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
    """Interactive tie heat map, network, table, tie drill-down, benchmark and interviews for JupyterLab.

    Parameters
    ----------
    data_dir, instrument
        The processed tables and the codebook, as :class:`ExplorerData` takes them (defaults: the project's).
    min_n : int
        Initial suppression threshold (the slider's value). The slider starts at the codebook's floor
        (``privacy.min_n_floor``, default 5); a lower ``min_n`` is refused unless ``min_n_override_reason``
        says why (:func:`relkap.privacy.check_min_n`), and the slider then goes down to ``min_n``.
    language : {"da", "en"}
    quotes_dir : path or list of paths, optional
        Raw interview folders (``*.qdpx`` with ``mapping.yaml``) for the interviews view's private quotes
        (default: every ``interviews`` folder under ``data/raw``). Quotes are read only on this machine and
        shown under a "private, must not be shared" banner; without raw projects the view has no quotes.

    Attributes
    ----------
    data : ExplorerData
        The tables behind every view (``explorer.data.benchmark(766, "rk", 5, "baseline")``, ...).
    kommune, view, before, after, dimension, language, min_n, figure_kind, tie : ipywidgets
        The controls; set ``.value`` from code as a user would (``explorer.kommune.value = 336``). ``view``
        lists every wave of the codebook by its display name (the value is the wave's code), then the change
        and the trend (``"change"``, ``"trend"``); ``before`` and ``after`` (every wave) are the two waves
        the change compares, shown in the change view (choosing the other's wave swaps them). The trend
        view shows the index over the waves and, with a tie chosen, that tie's trend.
    selection : Selection
        The controls' current state.
    current_ties : DataFrame
        The tie table behind the current view (:meth:`ExplorerData.view_ties`).
    table : DataFrame
        The table shown (:func:`~relkap.explore.model.shown_table`): no diagonal, suppressed ties without
        values, counts below ``min_n`` missing (shown as "<min_n", as on the heat map).
    figure, drill_figure : matplotlib Figure
        The main view and the selected tie's dimension profile as matplotlib figures (the report's drawing).
    html_view, image : ipywidgets
        What is on screen: the heat map and benchmark as HTML (``html_view``) or the other views as SVG
        (``image``); the widget not in use is hidden.
    drill : DataFrame
        The selected tie in every wave and its change between the chosen two (:meth:`ExplorerData.tie_summary`).
    theme, quotes_view : ipywidgets
        In the interviews view, with raw projects on this machine: the theme chosen and its coded quotes
        (PRIVATE). ``quotes`` is the table behind them (:class:`~relkap.explore.quotes.PrivateQuotes`).
    draws : int
        Views rendered (not served from the cache), for tests and benchmarks.
    """

    def __init__(self, data_dir=None, *, instrument: Instrument | str, min_n: int = MIN_N,
                 language: str = "da", quotes_dir=None, min_n_override_reason: str | None = None):
        import ipywidgets as w  # deferred: only a live explorer needs it (about 0.5 s to load)

        # (Importing ipywidgets and parsing the words catalogue in a thread beside the data load gained
        # nothing measurable on two cores: the parse holds the interpreter lock.)
        self.data = ExplorerData(data_dir, instrument=instrument)

        floor = self.data.instrument.privacy.min_n_floor
        self.min_n_override_reason = check_min_n(min_n, floor, min_n_override_reason)
        lowest = min(int(min_n), floor) if self.min_n_override_reason else floor
        self.private_quotes = PrivateQuotes(quotes_dir, instrument=self.data.instrument)
        self.quotes = pd.DataFrame()
        self.instrument, self.tables = self.data.instrument, self.data.tables
        # rendered views (HTML or SVG) per selection; only the figure asked for is kept as an object
        # (cached figures would hold hundreds of thousands of artists and slow every garbage collection)
        self._images = _LRU(256)
        self._drill_images = _LRU(256)
        self._drill_tables = _LRU(256)
        self._main: tuple = (None, None)
        self._drill_main: tuple = (None, None)
        self.current_ties = pd.DataFrame()
        self.table = pd.DataFrame()
        self.drill = pd.DataFrame()
        self.draws = 0

        codes = self.data.kommuner
        narrow = {"button_width": "104px"}
        self.kommune = w.Dropdown()
        self.view = w.ToggleButtons(style={"button_width": "128px"})
        self.before = w.Dropdown(layout={"width": "240px"})
        self.after = w.Dropdown(layout={"width": "240px"})
        self.dimension = w.Dropdown()
        self.language = w.ToggleButtons(options=[(text("explore.language_name", x), x) for x in LANGUAGES],
                                        value=language, style=narrow)
        self.min_n = w.IntSlider(value=min_n, min=lowest, max=max(30, lowest), description="min_n",
                                 continuous_update=False)
        self.figure_kind = w.ToggleButtons(style=narrow)
        self.tie = w.Dropdown()
        waves = self.instrument.waves
        self._label(language, {self.kommune: codes[0] if codes else ALL, self.view: waves.first,
                               self.before: waves.first, self.after: waves.latest, self.dimension: "rk",
                               self.figure_kind: "heatmap"})
        self.heading = w.HTML()
        self.image = w.Image(format="svg+xml")
        self.html_view = w.HTML()
        self.drill_image = w.Image(format="svg+xml")
        self.table_view = w.HTML()
        self.drill_text = w.HTML()
        self.theme = w.Dropdown(layout={"width": "520px"})
        self.quotes_view = w.HTML()
        self._groups: tuple[str, ...] | None = None
        self._silent = False
        self._update_ties()
        for control in (self.kommune, self.view, self.dimension, self.language, self.min_n, self.figure_kind):
            control.observe(self._on_change, names="value")
        for control in (self.before, self.after):
            control.observe(self._on_wave_pair, names="value")
        self.tie.observe(self._on_tie, names="value")
        self.theme.observe(self._on_theme, names="value")
        self.widget = w.VBox([
            w.HBox([self.kommune, self.dimension]),
            self.view,
            w.HBox([self.before, self.after, self.figure_kind]),
            w.HBox([self.min_n, self.language]),
            self.heading,
            self.image,
            self.html_view,
            self.table_view,
            self.tie,
            w.HBox([self.drill_image, self.drill_text]),
            self.theme,
            self.quotes_view,
        ])
        self.refresh()
        # The loaded data and imported modules are long-lived: move them out of the garbage collector's
        # generations, so a collection during an interaction does not walk them again (measured: up to
        # ~170 ms of the slowest interaction on 98 kommuner). Objects made later are collected as usual.
        # Without a full collection first (0.1-0.4 s of the load): the few objects of the load that are
        # already garbage stay frozen, a little memory.
        gc.freeze()
        self.data.warm(min_n, background=True)  # all kommuner and the benchmark: ready by the first click

    def _ipython_display_(self):
        from IPython.display import display  # deferred: IPython, only inside a notebook

        display(self.widget)

    # -- state -----------------------------------------------------------------------------------------
    @property
    def selection(self) -> Selection:
        """The controls' current state."""
        return Selection(kommune=self.kommune.value, view=self.view.value, dimension=self.dimension.value,
                         min_n=self.min_n.value, language=self.language.value, figure=self.figure_kind.value,
                         tie=self.tie.value, before=self.before.value, after=self.after.value)

    def kommune_label(self, kommune: int | None = None) -> str:
        """The kommune's name (or "Alle kommuner") in the current language."""
        return render.kommune_label(self.kommune.value if kommune is None else kommune, self.language.value)

    def _kommune_options(self, language: str) -> list[tuple[str, int]]:
        return [(text("explore.all", language), ALL)] + [
            (f"{render.kommune_label(c, language)} ({c})", c) for c in self.data.kommuner]

    def _label(self, language: str, values: dict) -> None:
        """Every control's words in ``language``; ``values`` are set again (new options reset a value)."""
        inst = self.instrument
        self._silent = True
        try:
            self.kommune.options = self._kommune_options(language)
            self.kommune.description = text("explore.kommune", language)
            self.dimension.options = [(inst.label(c, language), c) for c in ["rk", *inst.relational_codes]]
            self.dimension.description = text("explore.dimension", language)
            waves = [(wave_label(c, language, inst), c) for c in inst.waves.codes]
            change = [(text("explore.change", language), CHANGE)] if len(waves) > 1 else []  # needs two waves
            self.view.options = [*waves, *change, (text("explore.trend", language), TREND)]
            self.before.options, self.after.options = waves, waves
            self.before.description = text("explore.before", language)
            self.after.description = text("explore.after", language)
            self.figure_kind.options = [(text(f"explore.{f}", language), f) for f in FIGURES]
            self.tie.description = text("explore.tie", language)
            for control, value in values.items():
                control.value = value
        finally:
            self._silent = False

    def _update_ties(self) -> None:
        s = self.selection
        self.current_ties = self.data.view_ties(s)
        groups = self.data.groups(s.kommune)  # every wave: the network keeps its layout across views
        if groups != self._groups or self.tie.options == ():
            self._groups = groups
            self._set_tie_options()

    def _set_tie_options(self) -> None:
        lang, inst, g = self.language.value, self.instrument, self._groups or ()
        options = [(render.tie_name(a, b, lang, inst), (a, b)) for a in g for b in g if a != b]
        old = self.tie.value
        self._silent = True
        try:
            self.tie.options = [(text("explore.no_tie", lang), None)] + options
            self.tie.value = old if old in dict(options).values() else None
        finally:
            self._silent = False

    def _on_change(self, change) -> None:
        if self._silent:
            return
        if change["owner"] is self.language:
            self._label(change["new"], {c: c.value for c in (self.kommune, self.dimension, self.view, self.before,
                                                              self.after, self.figure_kind)})
            self._set_tie_options()
        self.refresh()

    def _on_wave_pair(self, change) -> None:
        """A change compares two different waves: choosing the other control's wave swaps the two."""
        if self._silent:
            return
        other = self.after if change["owner"] is self.before else self.before
        if other.value == change["new"]:
            self._silent = True
            try:
                other.value = change["old"]
            finally:
                self._silent = False
        self.refresh()

    def _on_tie(self, change) -> None:
        if not self._silent:
            with self.data.busy():
                self._refresh_drill()

    def refresh(self) -> None:
        """Recompute the current tables (cached) and redraw what changed (the background warm-up waits)."""
        with self.data.busy():
            self._refresh()

    def _refresh(self) -> None:
        self._update_ties()
        s = self.selection
        self.before.layout.display = self.after.layout.display = "" if s.view == CHANGE else "none"
        self.figure_kind.layout.display = "none" if s.view == TREND else ""
        self.heading.value = f"<h3 class='relkap-explore-title'>{html.escape(render.title(self.data, s))}</h3>"
        self._refresh_main(s)
        self.table = shown_table(self.current_ties, s.view, s.min_n)
        self.table_view.value = render.table_html(self.table, s, self.instrument)
        self._refresh_drill()
        self._refresh_themes(s)

    # -- main view -------------------------------------------------------------------------------------
    @staticmethod
    def _main_key(s: Selection) -> Selection:
        # the tie has its own panel; only the change view depends on the two waves it compares, and the trend
        # view is the trend whatever the figure
        if s.view == CHANGE:
            return dataclasses.replace(s, tie=None)
        figure = "heatmap" if s.view == TREND else s.figure
        return dataclasses.replace(s, tie=None, before=None, after=None, figure=figure)

    def _refresh_main(self, s: Selection) -> None:
        def draw():
            self.draws += 1
            return render.main_view(self.data, s)

        kind, payload = self._images.get_or(self._main_key(s), draw)
        # one of the two widgets shows the view; the other keeps its last value, hidden
        if kind == "html":
            self.html_view.value = payload
        else:
            self.image.value = payload
        self.html_view.layout.display = "" if kind == "html" else "none"
        self.image.layout.display = "none" if kind == "html" else ""

    @property
    def figure(self):
        """The main view as a matplotlib Figure, the same drawing as the kommune report's (for ``savefig``).

        Drawn here when asked for (the screen shows an HTML table or an SVG, and keeps no figure alive).
        """
        key = self._main_key(self.selection)
        if self._main[0] != key:
            self._main = (key, render.main_figure(self.data, key))
        return self._main[1]

    # -- interviews: private quotes --------------------------------------------------------------------
    def _refresh_themes(self, s: Selection) -> None:
        """The theme list of the interviews view (only there, for one kommune, with raw projects here)."""
        show = s.figure == "interviews" and s.view != TREND and s.kommune != ALL and bool(self.private_quotes)
        self.theme.layout.display = "" if show else "none"
        self.quotes_view.layout.display = "" if show else "none"
        if not show:  # quotes leave the screen with the view
            self.quotes, self.quotes_view.value = pd.DataFrame(), ""
            return
        lang, inst = s.language, self.instrument
        options = [(text("explore.no_theme", lang), None)] + [
            (f"{text(f'interviews.kind_{k}', lang)}: {theme_label(k, t, inst, lang)}", (k, t))
            for k, t in self.data.interview_themes(s.kommune)]
        old = self.theme.value
        self._silent = True
        try:
            self.theme.options = options
            self.theme.description = text("explore.theme", lang)
            self.theme.value = old if old in dict(options).values() else None
        finally:
            self._silent = False
        self._refresh_quotes()

    def _on_theme(self, change) -> None:
        if not self._silent:
            self._refresh_quotes()

    def _refresh_quotes(self) -> None:
        s, chosen = self.selection, self.theme.value
        if chosen is None or s.kommune == ALL or s.figure != "interviews" or s.view == TREND:
            self.quotes = pd.DataFrame()
            self.quotes_view.value = ""
            return
        self.quotes = self.private_quotes.quotes(s.kommune, *chosen)
        self.quotes_view.value = render.quotes_html(self.quotes, *chosen, s, self.instrument)

    # -- drill-down ------------------------------------------------------------------------------------
    @staticmethod
    def _drill_key(s: Selection) -> Selection:
        # the profile shows all six dimensions in every wave, so neither the dimension, the figure, the two
        # waves of the change nor any view but the trend (the tie's trend) changes it
        return dataclasses.replace(s, view=TREND if s.view == TREND else "baseline", dimension="rk",
                                   figure="heatmap", before=None, after=None)

    def _refresh_drill(self) -> None:
        s = self.selection
        if s.tie is None:
            self.drill = pd.DataFrame()
            self.drill_image.value = b""
            self.drill_text.value = ""
            return

        def draw():
            self.draws += 1
            return render.drill_svg(self.data, s)

        def summary():
            drill = self.data.tie_summary(s.kommune, s.dimension, s.min_n, *s.tie, before=s.before, after=s.after)
            return drill, render.drill_html(drill, s, self.instrument)

        self.drill_image.value = self._drill_images.get_or(self._drill_key(s), draw)
        key = dataclasses.replace(s, view="baseline", figure="heatmap")  # every wave and the view's change
        self.drill, self.drill_text.value = self._drill_tables.get_or(key, summary)

    @property
    def drill_figure(self):
        """The selected tie's dimension profile (matplotlib Figure), or None when no tie is selected."""
        s = self.selection
        if s.tie is None:
            return None
        key = self._drill_key(s)
        if self._drill_main[0] != key:
            self._drill_main = (key, render.drill_figure(self.data, key))
        return self._drill_main[1]


def explore(data_dir=None, *, instrument: Instrument | str, min_n: int = MIN_N,
            language: str = "da", quotes_dir=None, min_n_override_reason: str | None = None) -> Explorer:
    """An :class:`Explorer` of the processed data; the last expression of a cell displays it."""
    return Explorer(data_dir, instrument=instrument, min_n=min_n, language=language, quotes_dir=quotes_dir,
                    min_n_override_reason=min_n_override_reason)
