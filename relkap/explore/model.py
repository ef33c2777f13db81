"""The explorer's tables, without widgets: load once, apply the disclosure rule per ``min_n``, cache the rest.

:class:`ExplorerData` holds the processed data split per kommune and answers every question a view asks
(a kommune's ties in one wave or their change, a tie's six dimensions, the benchmark against the other
kommuner) with the tables the kommune reports use: :func:`relkap.scoring.tie_scores`, :func:`relkap.report.tie_change`
and :mod:`relkap.benchmark`. Every value on screen follows the reports' rule (:mod:`relkap.privacy`):
it is computed from :func:`relkap.privacy.shareable` answers, so the answers of a hidden group, tie or tie
dimension are in no shown table, pooled value or benchmark, and no hidden value can be recovered by
subtraction. ``min_n`` is a slider, so the rule is applied per kommune and ``min_n`` actually chosen
(:meth:`ExplorerData.shared`, cached): the first change of ``min_n`` costs one pass over the kommune's
rows (the pooled and benchmark views: over every kommune's), a revisit is cached. The benchmark's
national tie scores are assembled per tie: only the ties whose answers the rule changes at that ``min_n``
are scored again, the others' scores of all answers (scored once) get the threshold. Nothing here draws.
:class:`Selection` (what the controls have chosen) and the views are in :mod:`relkap.explore.selection`,
re-exported here; the relations table split per kommune in :mod:`relkap.explore.rows`.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import threading
import time

import numpy as np
import pandas as pd

from .. import benchmark, change, interviews, privacy, report, scoring
from ..instrument import Instrument, load_instrument
from ..io import load
from .rows import PerKommune, positions, unknown_kommune
from .selection import (
    ALL,
    CHANGE,
    FIGURES,
    MAX_MIN_N,
    TABLE_COLUMNS,
    TREND,
    VIEWS,
    Selection,
    shown_table,
    wave_code,
    wave_pair,
)

__all__ = ["ALL", "VIEWS", "CHANGE", "TREND", "FIGURES", "MAX_MIN_N", "Selection", "ExplorerData", "shown_table",
           "wave_code", "wave_pair", "TABLE_COLUMNS"]


class ExplorerData:
    """The processed data and every table the explorer shows, computed on demand and cached.

    Parameters
    ----------
    data_dir : path, optional
        Processed tidy tables (default ``data/processed``).
    instrument : Instrument or path
        The codebook, chosen by the caller (the explorer notebook loads it once).

    Attributes
    ----------
    instrument : Instrument
    tables : relkap.io.Tables
    kommuner : tuple of int
        The kommune codes in the data, sorted.

    Notes
    -----
    The caches are per method and argument tuple (``functools.lru_cache``); one explorer lives per notebook.
    :meth:`warm` computes the tables that pool every kommune at the first ``min_n``, the slow ones, in one
    pass each. Every table is computed from :meth:`shared` answers (:func:`relkap.privacy.shareable`).
    """

    _warming_latest: ExplorerData | None = None  # the explorer whose background warm-up goes ahead

    def __init__(self, data_dir=None, *, instrument: Instrument | str):
        self.instrument = load_instrument(instrument)
        self.tables = load(data_dir, deferred=("scales", "citizens"))  # read if ever used: never here
        self.codings = self.tables.codings
        rel = self.tables.relations
        self._rows = positions(rel["kommune"])  # each kommune's rows in the whole table
        self.kommuner = tuple(self._rows)
        # split when a kommune is first asked for: every per-kommune table then works on a few thousand rows
        self._relations = PerKommune(rel, self._rows)
        self._pooled: dict[tuple[int, int], tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]] = {}
        self._kept_cache: dict[tuple[int, int], np.ndarray] = {}  # (kommune, min_n): a bool per row
        self._warming: threading.Thread | None = None
        self._national: dict[int, dict[str, pd.DataFrame]] = {}  # min_n: the national tables
        self._national_lock = threading.Lock()
        self._warm_done = threading.Event()
        self._busy = 0  # interactions being answered (:meth:`busy`)
        self._pool_lock = threading.Lock()
        self._pooling: tuple[int, int] | None = None  # the (kommune, min_n) being pooled now

    def warm(self, min_n: int, background: bool = False) -> None:
        """Compute what a click on all kommuner or the benchmark needs now, not at the click: the pooled
        tables and national scores of ``min_n``, every kommune's disclosure levels (every ``min_n``) and
        which ties each ``min_n`` changes.

        ``background``: in a thread (the explorer answers the first kommune at once); a table that needs the
        national data waits for it (:meth:`ready`) rather than computing it a second time. The thread then
        goes on to compute the pooled trend of the index, the national tables of every other ``min_n`` the
        slider offers (nearest first), each kommune's tables of every dimension (:meth:`pool`) and trend at
        ``min_n`` and its index comparisons between the other pairs of waves in time order, one step at a time and only while no interaction is being answered (:meth:`busy`), so
        that no benchmark click recomputes the whole country; :meth:`settled` waits for all of it."""
        if background:
            ExplorerData._warming_latest = self
            self._warming = threading.Thread(target=self._warm_all, args=(min_n,), name="relkap-explore-warm",
                                             daemon=True)
            self._warming.start()
            return
        self.pool(min_n)
        self.national_ties("rk", min_n)
        self._tie_floor()

    def _warm_all(self, min_n: int) -> None:
        try:
            self.warm(min_n)
        finally:
            self._warm_done.set()
        # long-lived tables out of the collector's generations, as the explorer does with what it loads
        gc.freeze()
        lowest = min(int(min_n), self.instrument.privacy.min_n_floor)
        ahead = sorted(range(max(lowest, 1), MAX_MIN_N + 1), key=lambda m: (abs(m - min_n), m))
        # The pooled trend; the national tables of every min_n (a new min_n on the benchmark then rescores no
        # other kommune); each kommune's tables of every dimension and its trend at the first min_n (a new
        # dimension, the change view, a tie's drill-down and the trend view then only draw); each kommune's
        # index comparisons between the other pairs of waves in time order (with three waves: first to
        # midway, midway to latest). Last, the pooled tables and trend of all kommuner at every other min_n,
        # nearest first: 3-5 s of a core each on 3 M rows, the bulk of the warm-up, but without them a new
        # min_n on all kommuner scores a pooled table (with its mixed models) at the click, 1-4 s.
        codes = self.instrument.waves.codes
        pairs = [(a, b) for i, a in enumerate(codes) for b in codes[i + 1:] if (a, b) != (codes[0], codes[-1])]
        for step in [functools.partial(self.index_trend, ALL, min_n),
                     *(functools.partial(self._national_scores, m) for m in ahead),
                     *(functools.partial(f, *args) for k in self.kommuner
                       for f, args in ((self.pool, (min_n, k)), (self.index_trend, (k, min_n)))),
                     *(functools.partial(self._change_between, k, "rk", min_n, a, b) for k in self.kommuner
                       for a, b in pairs),
                     *(functools.partial(f, m) for m in ahead if m != min_n
                       for f in (self.pool, functools.partial(self.index_trend, ALL)))]:
            while self._busy:  # an interaction is being answered: it has the processor first
                time.sleep(0.02)
            if ExplorerData._warming_latest is not self:  # one explorer per notebook: a newer one took over
                return
            step()
        gc.freeze()

    @contextlib.contextmanager
    def busy(self):
        """While an interaction is answered (the widget's refresh): the background warm-up starts no new step."""
        self._busy += 1
        try:
            yield
        finally:
            self._busy -= 1

    def ready(self) -> None:
        """Wait for the first part of a :meth:`warm` running in the background: the tables of its ``min_n``
        (no-op otherwise, or in the warming thread)."""
        w = self._warming
        if w is not None and w is not threading.current_thread():
            self._warm_done.wait()

    def settled(self) -> None:
        """Wait for everything the background warm-up computes (every ``min_n`` of the slider)."""
        w = self._warming
        if w is not None and w is not threading.current_thread():
            w.join()

    def wave(self, view: str) -> str:
        """The wave code of a view (:func:`wave_code`)."""
        return wave_code(self.instrument, view)

    def check_kommune(self, kommune: int) -> int:
        """``kommune`` itself when it has answers in the data (or is :data:`ALL`), else a
        :class:`~relkap.errors.RelkapError` naming the kommuner there."""
        if kommune == ALL or kommune in self._rows:
            return kommune
        raise unknown_kommune(kommune, self.kommuner)

    def waves_of(self, kommune: int) -> tuple[str, ...]:
        """The waves with answers in the kommune (or any), in the codebook's order."""
        rel = self._relations[self.check_kommune(kommune)]
        return tuple(self.instrument.waves.present(rel["wave"].astype(str).unique()))

    @functools.lru_cache(maxsize=256)  # noqa: B019
    def index_trend(self, kommune: int, min_n: int) -> pd.DataFrame:
        """The RK index and each dimension in every wave with CIs (:func:`relkap.report.tables.rk_by_wave`)
        of the :meth:`shared` answers: the trend view of the index."""
        rel = self.shared(kommune, min_n)
        return report.tables.rk_by_wave(rel[rel["score"].notna()], self.instrument, min_n=min_n)

    def tie_trend(self, kommune: int, dimension: str, min_n: int, group: str, target: str) -> pd.DataFrame:
        """One tie in every wave (the trend view of a tie): :meth:`ties` rows of ``group -> target``, in the
        codebook's wave order."""
        t = self.ties(kommune, dimension, min_n)
        t = t[(t["group"].astype(str) == group) & (t["target"].astype(str) == target)]
        order = {w: i for i, w in enumerate(self.instrument.waves.codes)}
        return t.assign(_w=t["wave"].astype(str).map(order)).sort_values("_w").drop(columns="_w").reset_index(
            drop=True)

    def pair(self, before: str | None = None, after: str | None = None) -> tuple[str, str]:
        """The two wave codes a change compares (:func:`wave_pair`)."""
        return wave_pair(self.instrument, before, after)

    def change_between(self, kommune: int, dimension: str, min_n: int, before: str | None = None,
                       after: str | None = None) -> pd.DataFrame:
        """:func:`relkap.report.tie_change` from the wave ``before`` to ``after`` (any two declared waves;
        default the first and the latest: :meth:`tie_change`), of the :meth:`shared` answers. Against time order
        it is the change in time order turned round (:func:`relkap.change.reverse_change`: the same tests)."""
        pair = self.pair(before, after)
        waves = self.instrument.waves
        if pair == (waves.first, waves.latest):
            return self.tie_change(kommune, dimension, min_n)
        if waves.codes.index(pair[0]) > waves.codes.index(pair[1]):  # against time order: the other order turned
            return self._reversed(self.check_kommune(kommune), dimension, min_n, *pair)
        return self._change_between(self.check_kommune(kommune), dimension, min_n, *pair)

    @functools.lru_cache(maxsize=256)  # noqa: B019
    def _reversed(self, kommune: int, dimension: str, min_n: int, before: str, after: str) -> pd.DataFrame:
        return change.reverse_change(self.change_between(kommune, dimension, min_n, after, before))

    @functools.lru_cache(maxsize=256)  # noqa: B019
    def _change_between(self, kommune: int, dimension: str, min_n: int, before: str, after: str) -> pd.DataFrame:
        if kommune == ALL:
            self.ready()
        return self._listed(report.tie_change(self.shared(kommune, min_n), self.instrument.between(before, after),
                                              min_n=min_n, dimension=None if dimension == "rk" else dimension),
                            kommune, dimension)

    def tie_trend_dimensions(self, kommune: int, group: str, target: str, min_n: int) -> pd.DataFrame:
        """One tie's score (``dimension`` ``"rk"``) and its six dimensions in every wave, the waves in the
        codebook's order: the trend view of a tie (``wave, dimension, n, mean, ci_low, ci_high, suppressed``,
        as :func:`relkap.plots.wave_trend` draws it)."""
        cols = ["wave", "dimension", "n", "mean", "ci_low", "ci_high", "suppressed"]
        rk = self.tie_trend(kommune, "rk", min_n, group, target).assign(dimension="rk")
        dims = self.tie_dimensions(kommune, group, target, min_n)
        out = pd.concat([rk[cols], dims[cols]], ignore_index=True).astype({"wave": str, "dimension": str})
        return out

    @functools.lru_cache(maxsize=256)  # noqa: B019 - one explorer per notebook; the cache is the point
    def groups(self, kommune: int) -> tuple[str, ...]:
        """The kommune's groups (as raters or targets, in either wave), in codebook order."""
        rel = self._relations[kommune]
        present = {str(v) for c in ("group", "target") for v in rel[c].unique()}
        return tuple(c for c in self.instrument.group_codes if c in present)

    # -- the disclosure rule ---------------------------------------------------------------------------
    @functools.lru_cache(maxsize=256)  # noqa: B019 - an int16 per row of each kommune (and of all)
    def _levels(self, kommune: int) -> np.ndarray:
        """Per row of the kommune's (or the whole) table: the largest ``min_n`` up to :data:`MAX_MIN_N` at
        which the rule keeps it (:func:`relkap.privacy.shareable_levels`, one pass per kommune for every
        ``min_n``; all kommuner: each kommune's, as the rule is per kommune)."""
        if kommune == ALL:
            out = np.zeros(len(self._relations[ALL]), dtype=np.int16)
            for k, rows in self._rows.items():
                out[rows] = self._levels(k)
            return out
        return privacy.shareable_levels(self._relations[kommune], MAX_MIN_N, min_items=self.instrument.min_items)

    def _kept(self, kommune: int, min_n: int) -> np.ndarray:
        """Per row of the kommune's (or, for :data:`ALL`, the whole) table: whether
        :func:`relkap.privacy.shareable` keeps it. All kommuner: each kommune's (the rule is per kommune).

        From :meth:`_levels` for the slider's ``min_n`` (1 to :data:`MAX_MIN_N`); any other
        :func:`relkap.privacy.shareable_rows` per kommune, cached."""
        if 1 <= min_n <= MAX_MIN_N:
            return self._levels(kommune) >= min_n
        if kommune == ALL:
            keep = np.zeros(len(self._relations[ALL]), dtype=bool)
            for k, rows in self._rows.items():
                keep[rows] = self._kept(k, min_n)
            return keep
        if (kommune, min_n) not in self._kept_cache:
            self._kept_cache[kommune, min_n] = privacy.shareable_rows(self._relations[kommune], min_n,
                                                                      min_items=self.instrument.min_items)
        return self._kept_cache[kommune, min_n]

    def shared(self, kommune: int, min_n: int) -> pd.DataFrame:
        """The kommune's (or all kommuner's) relations as they may enter what is shown at ``min_n``.

        The rows :func:`relkap.privacy.shareable` removes (a hidden group's, tie's or tie dimension's
        answers) have a missing ``score``, as if not answered: every aggregate equals the one of
        ``shareable``'s rows, and a hidden tie keeps its row in the tables, suppressed with n 0 ("<min_n"),
        so the screen still says it is hidden. All kommuner: each kommune's rule, then pooled.
        """
        return self._shared_all(min_n) if kommune == ALL else self._shared(self.check_kommune(kommune), min_n)

    @functools.lru_cache(maxsize=256)  # noqa: B019
    def _shared(self, kommune: int, min_n: int) -> pd.DataFrame:
        rel = self._relations[kommune]
        return rel.assign(score=rel["score"].where(self._kept(kommune, min_n)))

    @functools.lru_cache(maxsize=2)  # noqa: B019 - a score column of every row each: keep few
    def _shared_all(self, min_n: int) -> pd.DataFrame:
        self.ready()
        rel = self._relations[ALL]
        return rel.assign(score=rel["score"].where(self._kept(ALL, min_n)))

    # -- one kommune (or all pooled) --------------------------------------------------------------------
    @functools.lru_cache(maxsize=512)  # noqa: B019
    def ties(self, kommune: int, dimension: str, min_n: int) -> pd.DataFrame:
        """:func:`relkap.scoring.tie_scores` by wave of one kommune (or all pooled) and dimension, of the
        :meth:`shared` answers."""
        if kommune == ALL:
            self.ready()
        if (pooled := self._pooled_tables(kommune, min_n)) is not None:
            return pooled[0][dimension]
        return scoring.tie_scores(self.shared(kommune, min_n), self.instrument, by=["wave"],
                                  dimension=None if dimension == "rk" else dimension, min_n=min_n)

    @functools.lru_cache(maxsize=512)  # noqa: B019
    def tie_change(self, kommune: int, dimension: str, min_n: int) -> pd.DataFrame:
        """:func:`relkap.report.tie_change` of one kommune (or all pooled) and dimension (FDR over its ties),
        of the :meth:`shared` answers."""
        if kommune == ALL:
            self.ready()
        if (pooled := self._pooled_tables(kommune, min_n)) is not None and pooled[1] is not None:
            return pooled[1][dimension]
        return self._listed(report.tie_change(self.shared(kommune, min_n), self.instrument, min_n=min_n,
                                              dimension=None if dimension == "rk" else dimension),
                            kommune, dimension)

    @functools.lru_cache(maxsize=256)  # noqa: B019
    def _answered(self, kommune: int) -> pd.DataFrame:
        """``group, target, item`` with an answer in the kommune (or any): the ties a change table lists."""
        rel = self._relations[kommune]
        answered = rel.loc[rel["score"].notna(), ["group", "target", "item"]].drop_duplicates()
        return answered.astype(str).reset_index(drop=True)

    def _listed(self, table: pd.DataFrame, kommune: int, dimension: str) -> pd.DataFrame:
        """A :func:`relkap.report.tie_change` table of shared answers with every answered tie listed: a tie
        whose answers are all hidden is not in it, and comes back suppressed without values or counts
        (:func:`relkap.privacy.with_hidden`, as in the kommune report; "<min_n" on screen)."""
        answered = self._answered(kommune)
        if dimension != "rk":
            answered = answered[answered["item"] == dimension]
        pairs = answered[["group", "target"]].drop_duplicates()
        pairs = pairs.assign(diagonal=pairs["group"] == pairs["target"])
        out = privacy.with_hidden(table, pairs, ["group", "target"])
        return out.sort_values(["group", "target"], kind="stable").reset_index(drop=True)

    def pool(self, min_n: int, kommune: int = ALL) -> None:
        """Tie tables and wave comparisons of the RK index and of every dimension of one kommune (default all
        kommuner pooled) at ``min_n``, each in one pass over the :meth:`shared` answers (the six dimensions
        in one call). All kommuner: most of the warm-up (on 2.2 M relation rows a pooled table of one
        dimension costs up to 0.7 s at a click); a kommune: ~0.1-0.3 s, done for each by the background
        warm-up (:meth:`warm`). Tables not pooled are computed per dimension when asked for."""
        with self._pool_lock:
            if (kommune, min_n) not in self._pooled:
                self._pooling = (kommune, min_n)
                try:
                    self._pooled[kommune, min_n] = self._pool_now(kommune, min_n)
                finally:
                    self._pooling = None

    def _pooled_tables(self, kommune: int, min_n: int):
        """The tables :meth:`pool` made, if it has (waiting for the warm-up if it is pooling them now)."""
        if (kommune, min_n) not in self._pooled and self._pooling == (kommune, min_n):
            with self._pool_lock:
                pass
        return self._pooled.get((kommune, min_n))

    def _pool_now(self, kommune: int, min_n: int):
        rel, inst = self.shared(kommune, min_n), self.instrument
        ties = {"rk": scoring.tie_scores(rel, inst, by=["wave"], min_n=min_n)}
        every = scoring.tie_scores(rel, inst, by=["wave"], dimension="all", min_n=min_n)
        ties.update({str(d): part.reset_index(drop=True)
                     for d, part in every.groupby(every["dimension"].astype(str), sort=False)})
        if len(inst.waves) < 2:  # one wave: nothing to compare
            return ties, None
        changes = {"rk": self._listed(report.tie_change(rel, inst, min_n=min_n), kommune, "rk")}
        every = report.tie_change(rel, inst, min_n=min_n, dimension="all")
        # tie_change of one dimension has no dimension column
        changes.update({str(d): self._listed(part.drop(columns="dimension").reset_index(drop=True), kommune,
                                             str(d))
                        for d, part in every.groupby("dimension", sort=False)})
        return ties, changes

    def view_ties(self, s: Selection) -> pd.DataFrame:
        """The tie table behind a view: one wave of :meth:`ties`, :meth:`change_between` the view's two waves
        for the change, every wave (in the codebook's order) for the trend."""
        if s.view == CHANGE:
            return self.change_between(s.kommune, s.dimension, s.min_n, s.before, s.after)
        t = self.ties(s.kommune, s.dimension, s.min_n)
        if s.view == TREND:
            order = t["wave"].astype(str).map({w: i for i, w in enumerate(self.instrument.waves.codes)})
            return t.iloc[np.argsort(order.to_numpy(), kind="stable")].reset_index(drop=True)
        return t[t["wave"].astype(str) == self.wave(s.view)].reset_index(drop=True)

    @functools.lru_cache(maxsize=512)  # noqa: B019
    def tie_dimensions(self, kommune: int, group: str, target: str, min_n: int) -> pd.DataFrame:
        """One tie's score on each of the six dimensions, every wave (the drill-down profile).

        Scored on that tie's :meth:`shared` answers only: pooled over every kommune that is ~1% of the rows,
        so the rule is applied to those rows alone (not to a copy of all 3 M first).
        """
        rel = self._relations[self.check_kommune(kommune)]
        rows = np.flatnonzero((rel["group"] == group).to_numpy() & (rel["target"] == target).to_numpy())
        if kommune == ALL:
            self.ready()
        rel = rel.take(rows)
        rel = rel.assign(score=rel["score"].where(self._kept(kommune, min_n)[rows]))
        return scoring.tie_scores(rel, self.instrument, by=["wave"], dimension="all", min_n=min_n)

    def tie_summary(self, kommune: int, dimension: str, min_n: int, group: str, target: str,
                    before: str | None = None, after: str | None = None) -> pd.DataFrame:
        """One tie in every wave and its change from ``before`` to ``after`` (:meth:`pair`): the drill-down
        table.

        Returns
        -------
        DataFrame
            A row per wave the codebook declares (``measure`` its code, in order) and one ``measure`` =
            ``change``, with ``n`` (the change: the smaller wave's), ``mean`` (the change: ``after`` minus
            ``before``), ``ci_low, ci_high``, ``hedges`` and ``p_fdr`` (change only) and ``suppressed``; a
            suppressed row has no values.
        """
        t = self.ties(kommune, dimension, min_n)
        t = t[(t["group"].astype(str) == group) & (t["target"].astype(str) == target)]
        rows = {str(r.wave): r for r in t.itertuples(index=False)}
        out = []
        for wave in self.instrument.waves.codes:
            r = rows.get(wave)
            sup = r is None or bool(r.suppressed)
            out.append({"measure": wave, "n": int(r.n) if r is not None else 0,
                        "mean": None if sup else r.mean, "ci_low": None if sup else r.ci_low,
                        "ci_high": None if sup else r.ci_high, "suppressed": sup})
        columns = ["measure", "n", "mean", "ci_low", "ci_high", "hedges", "p_fdr", "suppressed"]
        if len(self.instrument.waves) < 2:  # one wave: no change
            return pd.DataFrame(out, columns=columns)
        c = self.change_between(kommune, dimension, min_n, before, after)
        c = c[(c["group"] == group) & (c["target"] == target)]
        cr = c.iloc[0] if len(c) else None
        sup = cr is None or bool(cr["suppressed"])
        n_change = None if cr is None else min(cr["n_baseline"], cr["n_followup"])  # NaN: a hidden tie
        out.append({"measure": CHANGE, "n": None if pd.isna(n_change) else int(n_change),
                    "mean": None if sup else cr["diff"], "ci_low": None if sup else cr["diff_ci_low"],
                    "ci_high": None if sup else cr["diff_ci_high"], "hedges": None if sup else cr["hedges"],
                    "p_fdr": None if sup else cr["p_fdr"], "suppressed": sup})
        return pd.DataFrame(out, columns=columns)

    # -- interviews ------------------------------------------------------------------------------------
    @functools.lru_cache(maxsize=128)  # noqa: B019
    def interview_section(self, kommune: int, min_n: int, language: str,
                          min_interviews: int = interviews.MIN_INTERVIEWS):
        """The kommune report's interview section (:func:`relkap.interviews.report_section`) of one kommune:
        joint displays of its ties (RK index) and dimensions and the themes spoken of; ``None`` without
        interviews or for :data:`ALL`."""
        if kommune == ALL:
            return None
        return interviews.report_section(self.tie_change(kommune, "rk", min_n), self._rk_change(kommune, min_n),
                                         self.codings, kommune, self.instrument, language, min_interviews)

    @functools.lru_cache(maxsize=128)  # noqa: B019
    def _rk_change(self, kommune: int, min_n: int) -> pd.DataFrame:
        return report.rk_change(self.shared(kommune, min_n), self.instrument, min_n)

    @functools.lru_cache(maxsize=128)  # noqa: B019
    def interview_themes(self, kommune: int) -> tuple[tuple[str, str], ...]:
        """``(theme_kind, theme)`` of every theme the kommune's interviews speak of, free themes last."""
        c = self.codings[self.codings["kommune"] == kommune]
        pairs = {(str(k), str(t)) for k, t in zip(c["theme_kind"], c["theme"], strict=True)}
        order = {k: i for i, k in enumerate(interviews.THEME_KINDS)}
        return tuple(sorted(pairs, key=lambda p: (order[p[0]], p[1])))

    # -- every kommune: the benchmark ------------------------------------------------------------------
    _NATIONAL_COLUMNS = ["kommune", "wave", "group", "target", "dimension", "n", "mean", "suppressed"]

    def _national_scores(self, min_n: int) -> dict[str, pd.DataFrame]:
        """Every kommune's cross-group ties per wave, for the RK index and each dimension, of the
        :meth:`shared` answers at ``min_n`` (the rule per kommune).

        Assembled from pieces: a tie's score depends only on its raters' answers about its target, so a tie
        (kommune, wave, group, target) none of whose answers the rule removes at ``min_n`` (the common case;
        :meth:`_changed`) is its score of all answers with the threshold applied (as
        :func:`relkap.scoring.suppress_ties` applies it, on :meth:`_national_unfiltered`, scored once); only the
        other ties are scored again, on their shared answers. Equals :meth:`_national_scores_full` (tested).
        Cached per ``min_n``; the background warm-up computes every ``min_n`` of the slider ahead, and a click
        asking for one being computed waits for it rather than computing it twice."""
        with self._national_lock:
            if min_n not in self._national:
                self._national[min_n] = self._national_now(min_n)
            return self._national[min_n]

    def _national_now(self, min_n: int) -> dict[str, pd.DataFrame]:
        rows = np.flatnonzero(self._changed_rows(min_n))
        changed = len(rows) > 0
        if changed:  # respondents in their order in the whole table: each mean sums in the same order
            rows = rows[np.argsort(self._respondent_rank()[rows], kind="stable")]
            rel = self._relations[ALL].take(rows).reset_index(drop=True)
            rel = rel.assign(score=rel["score"].where(self._kept(ALL, min_n)[rows]))
        out = {}
        for d, (whole, key) in self._national_unfiltered().items():
            # only n, mean and suppressed are kept: set them as whole columns (not row by row in the table)
            n, mean = whole["n"].to_numpy(copy=True), whole["mean"].to_numpy(dtype=float, copy=True)
            suppressed = whole["suppressed"].to_numpy(dtype=bool) | (n < min_n)
            mean[suppressed] = np.nan
            if changed:
                again = scoring.tie_scores(rel, self.instrument, by=["kommune", "wave"], dimension=d, min_n=min_n)
                again = again[~again["diagonal"]]
                mask = key.isin(pd.MultiIndex.from_frame(again[["kommune", "wave", "group", "target"]]))
                if int(mask.sum()) != len(again):  # a tie table's rows are its keys' (both sorted alike)
                    raise AssertionError("rescored ties do not match the ties of all answers")
                n[mask] = again["n"].to_numpy()
                mean[mask] = again["mean"].to_numpy(dtype=float)
                suppressed[mask] = again["suppressed"].to_numpy(dtype=bool)
            for dim, (rows_of, keys) in self._national_keys()[d].items():
                out[dim] = keys.assign(n=n[rows_of], mean=mean[rows_of], suppressed=suppressed[rows_of])
        return out

    @functools.lru_cache(maxsize=1)  # noqa: B019
    def _national_keys(self) -> dict[str, dict[str, tuple[np.ndarray, pd.DataFrame]]]:
        """Per table of :meth:`_national_unfiltered` and dimension: its rows and the national table's key
        columns of them (as :meth:`_national_split` makes them), made once for every ``min_n``."""
        out = {}
        for d, (whole, _) in self._national_unfiltered().items():
            dims = whole["dimension"].astype(str)
            tables = self._national_split(whole.assign(_row=np.arange(len(whole))))
            out[d] = {dim: (t["_row"].to_numpy(), t.drop(columns=["_row", "n", "mean", "suppressed"]))
                      for dim, t in tables.items()}
            if list(out[d]) != list(dict.fromkeys(dims)):
                raise AssertionError("national dimensions out of order")
        return out

    def _national_split(self, t: pd.DataFrame) -> dict[str, pd.DataFrame]:
        t = t[~t["diagonal"]].astype({"wave": str, "group": str, "target": str, "dimension": str})
        t = t[[*self._NATIONAL_COLUMNS, *(["_row"] if "_row" in t else [])]]
        return {str(d): part.drop(columns="dimension").reset_index(drop=True)
                for d, part in t.groupby("dimension", sort=False)}

    def _national_scores_full(self, min_n: int) -> dict[str, pd.DataFrame]:
        """:meth:`_national_scores` in one pass over all shared answers (every kommune scored again): the
        reference the per-kommune assembly is tested against."""
        inst, rel = self.instrument, self.shared(ALL, min_n)
        parts = [scoring.tie_scores(rel, inst, by=["kommune", "wave"], dimension=d, min_n=min_n)
                 for d in ("rk", "all")]
        return self._national_split(pd.concat(parts, ignore_index=True))

    @functools.lru_cache(maxsize=1)  # noqa: B019
    def _national_unfiltered(self) -> dict[str, tuple[pd.DataFrame, pd.MultiIndex]]:
        """Every kommune's cross-group ties per wave of all its answers, no threshold (``"rk"`` and
        ``"all"`` dimensions; one pass over all kommuner, once), each with its rows' tie keys
        (kommune, wave, group, target)."""
        rel = self._relations[ALL]
        out = {}
        for d in ("rk", "all"):
            t = scoring.tie_scores(rel, self.instrument, by=["kommune", "wave"], dimension=d, min_n=None)
            t = t[~t["diagonal"]].reset_index(drop=True)
            out[d] = t, pd.MultiIndex.from_frame(t[["kommune", "wave", "group", "target"]])
        return out

    def _changed(self, min_n: int) -> dict[int, np.ndarray]:
        """Per kommune where the rule at ``min_n`` removes an answer (a row with a score it does not keep):
        its rows of the ties (wave, group, target) that lose an answer, a bool per row."""
        rows = self._changed_rows(min_n)
        return {k: rows[r] for k, r in self._rows.items() if rows[r].any()}

    def _changed_rows(self, min_n: int) -> np.ndarray:
        """Per row of the whole table: whether its tie (kommune, wave, group, target) loses an answer at
        ``min_n`` (:meth:`_tie_floor`; outside the slider's range, kommune by kommune)."""
        if 1 <= min_n <= MAX_MIN_N:
            tie, floor = self._tie_floor()
            return floor[tie] < min_n
        out = np.zeros(len(self._relations[ALL]), dtype=bool)
        for k, rows in self._changed_by_kommune(min_n).items():
            out[self._rows[k]] = rows
        return out

    @functools.lru_cache(maxsize=1)  # noqa: B019
    def _tie_floor(self) -> tuple[np.ndarray, np.ndarray]:
        """Per row of the whole table its tie's code (kommune, wave, group, target), and per tie the
        lowest :meth:`_levels` of its scored rows: the tie loses an answer at every ``min_n`` above it."""
        rel = self._relations[ALL]
        tie = rel.groupby(["kommune", "wave", "group", "target"], observed=True, sort=False).ngroup().to_numpy()
        scored = rel["score"].notna().to_numpy()
        floor = np.full(int(tie.max(initial=-1)) + 1, MAX_MIN_N, dtype=np.int16)
        np.minimum.at(floor, tie[scored], self._levels(ALL)[scored])
        return tie, floor

    def _changed_by_kommune(self, min_n: int) -> dict[int, np.ndarray]:
        out = {}
        for k in self.kommuner:
            removed = self._scored(k) & ~self._kept(k, min_n)
            if removed.any():
                tie = self._tie_code(k)
                out[k] = np.isin(tie, np.unique(tie[removed]))
        return out

    @functools.lru_cache(maxsize=1)  # noqa: B019
    def _respondent_rank(self) -> np.ndarray:
        """Per row of the whole table: its respondent's rank by first appearance (how tie_scores orders
        respondents, so a subset sorted by it sums every mean in the whole table's order)."""
        rel = self._relations[ALL]
        return pd.factorize(rel["respondent_id"], sort=False)[0]

    @functools.lru_cache(maxsize=256)  # noqa: B019
    def _tie_code(self, kommune: int) -> np.ndarray:
        """Per row of the kommune's table: a code of its tie (wave, group, target)."""
        return self._relations[kommune].groupby(["wave", "group", "target"], observed=True,
                                                sort=False).ngroup().to_numpy()

    @functools.lru_cache(maxsize=256)  # noqa: B019
    def _scored(self, kommune: int) -> np.ndarray:
        """Per row of the kommune's table: whether it has a score."""
        return self._relations[kommune]["score"].notna().to_numpy()

    @functools.lru_cache(maxsize=64)  # noqa: B019
    def national_ties(self, dimension: str, min_n: int) -> pd.DataFrame:
        """Tie scores of every kommune and wave, of the :meth:`shared` answers (the rule per kommune):
        ``kommune, wave, group, target, n, mean, suppressed`` (n < min_n: mean missing)."""
        self.ready()
        return self._national_scores(min_n)[dimension]

    @functools.lru_cache(maxsize=64)  # noqa: B019
    def benchmark_values(self, dimension: str, min_n: int, view: str, before: str | None = None,
                         after: str | None = None) -> pd.DataFrame:
        """Per kommune and tie the value compared (:func:`relkap.benchmark.measures` of one view):
        ``kommune, group, target, value``, a wave's mean or, for the change, ``after`` minus ``before``
        (:meth:`pair`) where a kommune has both."""
        nat, keys = self.national_ties(dimension, min_n), ["kommune", "group", "target"]
        if view == CHANGE:
            v = benchmark.measures(nat, *self.pair(before, after), by=["group", "target"])
            return v.loc[v["measure"] == benchmark.CHANGE, [*keys, "value"]].reset_index(drop=True)
        # one wave: its kommuner's values, as measures gives a wave's (in its order)
        v = nat.loc[(nat["wave"] == self.wave(view)) & nat["mean"].notna(), [*keys, "mean"]]
        return v.rename(columns={"mean": "value"}).sort_values(keys, kind="stable").reset_index(drop=True)

    @functools.lru_cache(maxsize=64)  # noqa: B019
    def _benchmark_coded(self, dimension: str, min_n: int, view: str, before: str | None = None,
                         after: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """:meth:`benchmark_values` with each tie as one integer, ``kommune, tie, value``, and the ties'
        ``group, target`` by that code: :func:`relkap.benchmark.compare` groups and merges one integer
        column several times faster than two string columns (the same cells, so the same numbers)."""
        v = self.benchmark_values(dimension, min_n, view, before, after)
        tie = v.groupby(["group", "target"], sort=False).ngroup().to_numpy()
        ties = v[["group", "target"]].drop_duplicates().reset_index(drop=True)  # in the order ngroup numbers them
        return pd.DataFrame({"kommune": v["kommune"].to_numpy(), "tie": tie, "value": v["value"].to_numpy()}), ties

    @functools.lru_cache(maxsize=256)  # noqa: B019
    def benchmark(self, kommune: int, dimension: str, min_n: int, view: str, before: str | None = None,
                  after: str | None = None) -> pd.DataFrame:
        """The kommune's ties against their distribution over the *other* kommuner (the benchmark view's rows;
        the change from ``before`` to ``after``, :meth:`pair`, in the change view).

        Returns
        -------
        DataFrame
            One row per tie between the kommune's groups (codebook order) with a value in some kommune:
            ``group, target, n_kommuner`` (other kommuner with a value), ``enough`` (at least
            :data:`relkap.benchmark.MIN_BENCHMARK_KOMMUNER`), ``p5, q25, median, q75, p95`` over them
            (missing when not ``enough``), this kommune's ``value`` (NaN when suppressed here) and
            ``share_below``, its percentile rank among them (:func:`relkap.benchmark.compare`). The kommune
            is never part of its own distribution, and no other kommune is named.
        """
        coded, ties = self._benchmark_coded(dimension, min_n, view, before, after)
        out = benchmark.compare(coded, self.check_kommune(kommune), by=["tie"])
        out = pd.concat([ties.iloc[out["tie"].to_numpy()].reset_index(drop=True), out.drop(columns="tie")], axis=1)
        g = self.groups(kommune)
        order = {(a, b): i for i, (a, b) in enumerate((a, b) for a in g for b in g if a != b)}
        key = list(zip(out["group"], out["target"], strict=True))
        out = out.assign(_o=[order.get(k) for k in key]).dropna(subset=["_o"]).sort_values("_o")
        return out[["group", "target", "n_kommuner", "enough", *benchmark.QUANTILES, "value",
                    "share_below"]].reset_index(drop=True)

    def benchmark_coverage(self, kommune: int, dimension: str, min_n: int, view: str, before: str | None = None,
                           after: str | None = None) -> dict[str, int]:
        """How many of the kommune's ties are compared, over how many other kommuner, and how many are not.

        Returns
        -------
        dict
            ``shown`` and ``hidden`` (ties with and without enough other kommuner), ``low`` and ``high``
            (the fewest and most other kommuner a shown tie is compared over; 0 when none is shown) and
            ``min_kommuner``.
        """
        b = self.benchmark(kommune, dimension, min_n, view, before, after)
        shown = b.loc[b["enough"], "n_kommuner"]
        return {"shown": int(len(shown)), "hidden": int((~b["enough"]).sum()),
                "low": int(shown.min()) if len(shown) else 0, "high": int(shown.max()) if len(shown) else 0,
                "min_kommuner": benchmark.MIN_BENCHMARK_KOMMUNER}
