"""One kommune's report as data: :func:`build` computes everything the report shows, once.

The report notebook, ``summary.json`` (:func:`relkap.report.record.summary`) and the explorer read the same
:class:`KommuneReport`: the notebook keeps its parameters, its narrative and display calls, and nothing it
shows is computed anywhere else. The disclosure rule is applied here, once: every shared number is computed
from :func:`relkap.report.tables.shared_tables` (the hidden cells' answers removed); the full data give only
the response overview and which groups and ties exist (listed as hidden, "n<min_n").

Waves are an ordered list (:attr:`KommuneReport.waves`, the codebook's order). The comparisons are between
the first and the latest wave the kommune has answers in (``rk``, ``tie_diff``, ...) and, with three or more,
between the previous and the latest (``rk_previous``, ``tie_diff_previous``); ``rk_waves`` is the trend.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from .. import config, interviews, privacy, words
from ..benchmark import NationalTables, index_benchmark, national_tables
from ..instrument import Instrument
from ..io import Tables
from ..linked import linked_respondents
from ..measurement import rk_wave_invariance
from ..network import layout
from ..params import KommuneParams
from ..words import Language
from . import dialogue, tables
from .changed import most_changed
from .keypoints import key_points
from .methods import limitations_text, methods_text
from .response import response_rates
from .targeted import TargetedComparison, targeted_comparison

__all__ = ["KommuneReport", "build", "MOST_CHANGED_K"]

MOST_CHANGED_K = 3  # the most changed table shows the k largest improvements and declines


@dataclass(frozen=True)
class KommuneReport:
    """Everything one kommune's report shows, computed by :func:`build` (codes and numbers; sentences of
    the methods and limitations in the report's ``language``).

    Attributes
    ----------
    kommune, name : int, str
        The kommune's code and name (from its parameters).
    params : KommuneParams
        Its parameter file (``params.source == "defaults"`` when it has none).
    instrument : Instrument
        The codebook the report was built with.
    min_n : int
        The disclosure threshold.
    language : {"da", "en"}
        The language of the generated texts (``methods``, ``limitations``, ``interviews``).
    waves : tuple of str
        The codebook's waves in order; ``waves_present`` those with tie scores in the kommune.
    has_followup : bool
        Whether the kommune has employee answers in at least two waves (the comparisons need them).
    first_wave, latest_wave, previous_wave : str
        The first and the latest wave with employee answers, and (three or more such waves) the one before
        the latest, else None. ``missing_waves``: codebook waves without answers (the report says so).
    rk_waves : DataFrame
        :func:`~relkap.report.tables.rk_by_wave`: the index and each dimension per wave with CIs.
    rk_previous, tie_diff_previous, most_changed_previous : DataFrame or None
        As ``rk``, ``tie_diff`` and ``most_changed``, from the previous to the latest wave (three or more waves).
    targeted_trajectory : DataFrame or None
        The targeted ties' scores in every wave (``ties`` rows of the targeted ties).
    linked : DataFrame
        :func:`relkap.linked.linked_respondents` of the shared answers at ``min_n`` (one row: respondents, those
        in more than one wave, in every wave, per wave, and whether the counts may be shown).
    targeted : tuple of (str, str)
        The ties an intervention kommune worked on (empty for other kommuner).
    hidden_groups : list
        Groups below ``min_n`` (:func:`relkap.privacy.hidden_groups`).
    overview, shown_overview, employees : DataFrame
        :func:`~relkap.report.tables.response_overview` of all answers (counts through ``fmt.count``), of
        the shared answers, and the first without the citizens.
    rates : DataFrame
        :func:`relkap.report.response.response_rates`; ``unknown_rate_waves``: the present waves without
        a number invited.
    rk : DataFrame
        :func:`~relkap.report.tables.rk_change` (index and dimensions).
    ties, tie_diff : DataFrame
        Tie scores per wave and the tie change, each with the hidden ties listed
        (:func:`relkap.privacy.with_hidden`). ``latest``: the ties of the last present wave.
    cross_ties : DataFrame or None
        ``tie_diff`` without the own-group diagonal (the forest plot); None without a follow-up.
    most_changed : DataFrame or None
        :func:`relkap.report.changed.most_changed` (k = :data:`MOST_CHANGED_K`); None without a follow-up.
    targeted_comparison : TargetedComparison or None
        Intervention kommune with targeted ties and a follow-up only.
    key_points : list of dict
        :func:`relkap.report.keypoints.key_points` (JSON-ready, also in ``summary.json``).
    dialogue : DataFrame
        :func:`relkap.report.dialogue.dialogue_guide`: the three ties to talk about first.
    positions : dict
        The network diagrams' group positions (the same in every wave).
    profile, scales, benchmark : DataFrame
        Dimension profile, scale change, the kommune among the others.
    agreement : dict of DataFrame
        :func:`~relkap.report.tables.agreement_tables` (``alpha``, ``icc``, ``rwg``).
    interviews : relkap.interviews.JointSection or None
        The interview section (coded interviews and a follow-up only).
    methods, limitations : list of str
        The methods and limitations paragraphs.
    """

    kommune: int
    name: str
    params: KommuneParams
    instrument: Instrument
    min_n: int
    language: Language
    waves: tuple[str, ...]
    waves_present: tuple[str, ...]
    has_followup: bool
    targeted: tuple[tuple[str, str], ...]
    hidden_groups: list
    overview: pd.DataFrame
    shown_overview: pd.DataFrame
    employees: pd.DataFrame
    rates: pd.DataFrame
    unknown_rate_waves: tuple[str, ...]
    rk: pd.DataFrame
    ties: pd.DataFrame
    latest: pd.DataFrame
    tie_diff: pd.DataFrame
    cross_ties: pd.DataFrame | None
    most_changed: pd.DataFrame | None
    targeted_comparison: TargetedComparison | None
    key_points: list[dict]
    dialogue: pd.DataFrame
    positions: dict
    profile: pd.DataFrame
    agreement: dict[str, pd.DataFrame]
    scales: pd.DataFrame
    benchmark: pd.DataFrame
    interviews: object | None
    methods: list[str] = field(default_factory=list)
    limitations: list[str] = field(default_factory=list)
    first_wave: str = ""
    latest_wave: str = ""
    previous_wave: str | None = None
    rk_waves: pd.DataFrame | None = None
    rk_previous: pd.DataFrame | None = None
    tie_diff_previous: pd.DataFrame | None = None
    most_changed_previous: pd.DataFrame | None = None
    targeted_trajectory: pd.DataFrame | None = None
    linked: pd.DataFrame | None = None
    missing_waves: tuple[str, ...] = ()

    @property
    def comparisons(self) -> list[tuple[str, str, str]]:
        """The wave comparisons the report tests: ``(name, from, to)``, ``"period"`` (first to latest) and,
        with three or more waves, ``"latest"`` (previous to latest). Each is its own FDR family."""
        out = [("period", self.first_wave, self.latest_wave)] if self.has_followup else []
        if self.previous_wave is not None:
            out.append(("latest", self.previous_wave, self.latest_wave))
        return out

    def wave_ties(self, wave: str) -> pd.DataFrame:
        """The tie scores (hidden ties listed) of one wave."""
        return self.ties[self.ties["wave"] == wave]

    def scales_of(self, kind: str) -> pd.DataFrame:
        """The scale change of ``"employee"`` or ``"citizen"`` scales."""
        return self.scales[self.scales["instrument"] == kind]


def build(data: Tables, instrument: Instrument, params: KommuneParams, *, min_n: int = config.MIN_N,
          language: Language = "da", source: object = None,
          national: NationalTables | None = None, min_n_override_reason: str | None = None) -> KommuneReport:
    """Everything one kommune's report shows, from the store's tables, the codebook and its parameters.

    Parameters
    ----------
    data : Tables
        The store's tidy tables (:func:`relkap.load`): every kommune, so the benchmark can compare.
    instrument : Instrument
        The codebook (groups, waves, labels); its waves in order are the report's waves.
    params : KommuneParams
        The kommune's parameters (:func:`relkap.params.kommune_params`): name, arm, targeted ties, invited.
    min_n : int
        The disclosure threshold (:data:`relkap.config.MIN_N`).
    language : {"da", "en"}
        The language of the generated texts in the model.
    source : path, optional
        Where ``data`` came from, named in the error when the kommune has no answers.
    national : relkap.benchmark.NationalTables, optional
        What the report needs about all kommuner (:func:`relkap.benchmark.national_tables` of ``data`` at
        ``min_n``), computed once by a batch; without it the report computes the same itself.
    min_n_override_reason : str, optional
        Why ``min_n`` is below the codebook's floor (``privacy.min_n_floor``, default 5); without it such a
        ``min_n`` is refused. The reason is printed in the methods.

    Returns
    -------
    KommuneReport

    Raises
    ------
    relkap.errors.InputError
        The store holds no employee answers for the kommune.
    relkap.privacy.MinNError
        ``min_n`` below the codebook's floor without a reason.

    Examples
    --------
    >>> from relkap import load_instrument, synth
    >>> from relkap.params import default_kommune_params
    >>> inst, t = load_instrument(), synth.example_tables(2, respondents=30, key=b"example")
    >>> r = build(t, inst, default_kommune_params(766), min_n=5)
    >>> r.waves, r.has_followup, r.rk["dimension"].iloc[0]
    (('baseline', 'followup'), True, 'rk')
    """
    floor = instrument.privacy.min_n_floor
    override = privacy.check_min_n(min_n, floor, min_n_override_reason)  # before anything is computed
    kommune = int(params.kommune)
    waves = tuple(instrument.waves.codes)
    own = tables.kommune_tables(data, kommune)
    tables.check_kommune(own, kommune, source)
    answered = [w for w in waves if tables.has_wave(own, w)] or [waves[0]]
    first, last = answered[0], answered[-1]
    has_followup = len(answered) >= 2
    previous = answered[-2] if len(answered) >= 3 else None
    # the comparison first -> latest as a two-wave codebook (a kommune with one wave: against the codebook's
    # latest other wave, which it lacks, so every comparison is suppressed as before)
    other = last if has_followup else next((w for w in reversed(waves) if w != first), first)
    pair = instrument.between(first, other) if other != first else instrument
    targeted = tuple(tuple(t) for t in params.targeted_ties) if params.arm == "intervention" else ()

    if national is None:
        national = national_tables(data, instrument, min_n, invariance=has_followup)
    elif has_followup and national.invariance is None:  # a national tables file of an older run: fit it here
        national = replace(national, invariance=rk_wave_invariance(data, instrument))
    shared = tables.shared_tables(own, instrument, min_n=min_n)
    linked = linked_respondents(shared.relations, min_n=min_n)  # the shown answers only (disclosure rule)
    overview = tables.response_overview(own, instrument, min_n=min_n)
    shown_overview = tables.response_overview(shared, instrument, min_n=min_n)
    invited_waves = {w: v for w, v in (params.invited or {}).items() if w in waves}  # the codebook's waves only
    rates = response_rates(overview, invited_waves or None, min_n, waves=list(waves), instrument=instrument)
    scores = tables.respondent_dimension_scores(shared.relations, instrument)  # once, for every table below
    rk = tables.rk_change(shared.relations, pair, min_n=min_n, scores=scores)
    rk_waves = tables.rk_by_wave(shared.relations, instrument, min_n=min_n, scores=scores)
    all_ties = tables.tie_table(own.relations, instrument, min_n=min_n)[["wave", "group", "target", "diagonal"]]
    ties = privacy.with_hidden(tables.tie_table(shared.relations, instrument, min_n=min_n), all_ties,
                               ["wave", "group", "target"])
    tie_diff = privacy.with_hidden(tables.tie_change(shared.relations, pair, min_n=min_n),
                                   all_ties.drop(columns="wave").drop_duplicates(), ["group", "target"])
    diff = tie_diff if has_followup else None
    recent = instrument.between(previous, last) if previous is not None else None
    rk_previous = (tables.rk_change(shared.relations, recent, min_n=min_n, scores=scores)
                   if recent is not None else None)
    tie_diff_previous = (privacy.with_hidden(tables.tie_change(shared.relations, recent, min_n=min_n),
                                             all_ties.drop(columns="wave").drop_duplicates(), ["group", "target"])
                         if recent is not None else None)
    trend = rk_waves[rk_waves["dimension"] == "rk"] if len(answered) >= 3 else None
    comparison = targeted_comparison(tie_diff, list(targeted), min_n=min_n) if has_followup and targeted else None
    points = key_points(rk, diff, rates, params, min_n=min_n, name=params.name, trend=trend, comparison=comparison)
    waves_present = tuple(w for w in waves if (ties["wave"] == w).any())
    latest = ties[ties["wave"] == (last if has_followup else first)]
    guide = dialogue.dialogue_guide(latest, diff, min_n=min_n, followup=has_followup)
    invited = params.invited or {}
    groups = sorted(set(ties["group"].astype(str)) | set(ties["target"].astype(str)),
                    key=instrument.group_codes.index)
    section = (interviews.report_section(tie_diff, rk, own.codings, kommune, pair, language, tie_waves=ties,
                                         rk_waves=rk_waves, min_n=min_n)
               if has_followup else None)
    return KommuneReport(
        kommune=kommune, name=params.name, params=params, instrument=instrument, min_n=min_n, language=language,
        waves=waves, waves_present=waves_present, has_followup=has_followup, targeted=targeted,
        hidden_groups=privacy.hidden_groups(own.relations, min_n),
        overview=overview, shown_overview=shown_overview,
        employees=overview[overview["group"] != tables.CITIZENS],
        rates=rates, unknown_rate_waves=tuple(w for w in waves_present if not invited.get(w)),
        rk=rk, ties=ties, latest=latest, tie_diff=tie_diff,
        cross_ties=tie_diff[~tie_diff["diagonal"].astype(bool)] if has_followup else None,
        most_changed=(most_changed(tie_diff, k=MOST_CHANGED_K, min_n=min_n, targeted=list(targeted))
                      if has_followup else None),
        targeted_comparison=comparison,
        key_points=points, dialogue=guide, positions=layout(groups, instrument=instrument),
        profile=tables.dimension_profile_data(shared.relations, instrument, min_n=min_n, scores=scores),
        agreement=tables.agreement_tables(shared, instrument, min_n=min_n, scores=scores),
        scales=tables.scale_change(shared, pair, min_n=min_n),
        benchmark=index_benchmark(data.relations, instrument, kommune, min_n=min_n, national=national),
        interviews=section,
        methods=methods_text(rk, tie_diff, rates, min_n, language=language, instrument=instrument, disclosure=True,
                             invariance=national.invariance if has_followup else None,
                             linked=linked.iloc[0].to_dict() if has_followup and len(linked) else None)
        + ([words.text("briefing.methods.min_n_override", language, min_n=min_n, floor=floor, reason=override)]
           if override else []),
        limitations=limitations_text(tie_diff, rates, min_n, language=language, instrument=instrument),
        first_wave=first, latest_wave=last, previous_wave=previous, rk_waves=rk_waves, rk_previous=rk_previous,
        tie_diff_previous=tie_diff_previous,
        most_changed_previous=(most_changed(tie_diff_previous, k=MOST_CHANGED_K, min_n=min_n, targeted=list(targeted))
                               if tie_diff_previous is not None else None),
        targeted_trajectory=(_targeted_rows(ties, targeted) if targeted else None),
        linked=linked,
        missing_waves=tuple(w for w in waves if w not in answered),
    )


def _targeted_rows(ties: pd.DataFrame, targeted: tuple[tuple[str, str], ...]) -> pd.DataFrame:
    """The targeted ties' rows of ``ties`` (every wave), in the order of ``targeted`` then wave."""
    key = ties["group"].astype(str) + "\t" + ties["target"].astype(str)
    order = {f"{g}\t{t}": i for i, (g, t) in enumerate(targeted)}
    rows = ties[key.isin(order)].assign(_t=key.map(order))
    return rows.sort_values(["_t"], kind="stable").drop(columns="_t").reset_index(drop=True)
