"""The statistics tables of one kommune's report, each computed once from the tidy tables.

Each function takes the tidy tables (:func:`relkap.load`) of one kommune (:func:`kommune_tables`) and
returns a small tidy DataFrame; the statistics themselves live in :mod:`relkap.scoring`,
:mod:`relkap.agreement`, :mod:`relkap.change` and :mod:`relkap.linked` (the wave changes of the index, the
dimensions and the ties use the respondents linked across waves). Every value that describes a group, a tie or a unit
honours ``min_n``. The tables hold codes and numbers only: :mod:`relkap.report.display` labels and
rounds them for reading, :mod:`relkap.report.record` writes them to ``summary.json``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import agreement, change, privacy, scoring
from ..checks import check_columns
from ..config import MIN_N
from ..errors import InputError
from ..instrument import Instrument
from ..io import Tables
from ..linked import compare_linked

__all__ = [
    "kommune_tables",
    "shared_tables",
    "has_wave",
    "check_kommune",
    "response_overview",
    "respondent_dimension_scores",
    "rk_change",
    "tie_change",
    "tie_table",
    "agreement_tables",
    "scale_change",
    "dimension_profile_data",
    "received_perceived_gap",
    "rk_by_wave",
    "CITIZENS",
]

CITIZENS = "borgere"  # the response overview's row for the citizen survey (not a group code)


def kommune_tables(tables: Tables, kommune: int) -> Tables:
    """The rows of one kommune in every table (categories kept, so absent groups stay known)."""
    return Tables(**{name: t[t["kommune"] == kommune].reset_index(drop=True) for name, t in tables})


def shared_tables(tables: Tables, instrument: Instrument, min_n: int = MIN_N) -> Tables:
    """The tables every shared number is computed from: the hidden cells' answers removed.

    :func:`relkap.privacy.shareable` on ``relations`` and ``scales`` (groups, ties and tie dimensions with
    fewer than ``min_n`` respondents), so published totals are computed without the suppressed cells and no
    hidden value follows from a total minus the shown cells. Citizens have no groups and stay as they are.
    """
    return privacy.shareable_tables(tables, min_n, min_items=instrument.min_items)


def has_wave(tables: Tables, wave: str) -> bool:
    """Whether the kommune has any employee answers in ``wave``."""
    return bool((tables.relations["wave"] == wave).any())


def check_kommune(tables: Tables, kommune: int, data_dir: object) -> None:
    """Raise :class:`relkap.errors.InputError` when ``tables`` hold no employee answers for ``kommune``."""
    if len(tables.relations) == 0:
        raise InputError(data_dir, f"no employee answers for kommune {kommune}",
                         fix="Check the kommune code in the parameter file, or import its survey data")


def _compare(data: pd.DataFrame, by: list[str], instrument: Instrument, min_n: int | None,
             family: str | None = None, linked: bool = False) -> pd.DataFrame:
    """``instrument``'s first wave against its latest: :func:`relkap.linked.compare_linked` (``linked``: the
    respondent intercept model over every wave in ``data``) or :func:`relkap.change.compare_waves` (Welch)."""
    w = instrument.waves
    test = compare_linked if linked else change.compare_waves
    return test(data, dv="score", by=by, baseline=w.baseline, followup=w.followup, min_n=min_n, family=family)


def response_overview(tables: Tables, instrument: Instrument, min_n: int = MIN_N) -> pd.DataFrame:
    """Respondents per group and wave, their share of "ved ikke" answers, and whether the group is shown.

    Parameters
    ----------
    tables : Tables
        One kommune's tidy tables.
    instrument : Instrument
        The codebook (group order, wave labels).
    min_n : int
        Groups with fewer respondents in a wave are not shown for that wave.

    Returns
    -------
    pandas.DataFrame
        One row per group and wave, in codebook order, then one row per wave for the citizens (group
        :data:`CITIZENS`): ``group``, ``wave``, ``n`` (respondents), ``dont_know_share`` (share of the
        group's answers that are "ved ikke"), ``suppressed`` (``n < min_n``).

    Examples
    --------
    >>> from relkap import load_instrument, synth
    >>> inst, t = load_instrument(), synth.example_tables(1, respondents=30, key=b"example")
    >>> response_overview(t, inst).head(2)
           group      wave  n  dont_know_share  suppressed
    0  myndighed  baseline  4         0.033333        True
    1  myndighed  followup  2         0.016667        True
    """
    parts = []
    for table, keys in ((tables.relations, ["group", "wave"]), (tables.citizens, ["wave"])):
        g = table.groupby(keys, observed=True)
        counts = pd.DataFrame({"n": g["respondent_id"].nunique(),
                               "dont_know_share": table["score"].isna().groupby([table[k] for k in keys],
                                                                                observed=True).mean()})
        counts = counts.reset_index().astype({k: str for k in keys})
        parts.append(counts if "group" in keys else counts.assign(group=CITIZENS))
    out = pd.concat(parts, ignore_index=True)[["group", "wave", "n", "dont_know_share"]]
    out["suppressed"] = out["n"] < min_n
    order = {g: i for i, g in enumerate([*instrument.group_codes, CITIZENS])}
    out["_g"] = out["group"].map(order)
    out["_w"] = out["wave"].map({w: i for i, w in enumerate(instrument.waves.codes)})
    return out.sort_values(["_g", "_w"]).drop(columns=["_g", "_w"]).reset_index(drop=True)


def respondent_dimension_scores(relations: pd.DataFrame, instrument: Instrument,
                                include_diagonal: bool = False) -> pd.DataFrame:
    """One row per respondent and dimension: the respondent's mean over the target groups they scored.

    This is the respondent-level value the wave comparisons test, so a respondent counts once however many
    groups they rated.

    Parameters
    ----------
    relations : pandas.DataFrame
        The ``relations`` table (one kommune, or several).
    instrument : Instrument
        The codebook.
    include_diagonal : bool
        Also average the respondent's scores of their own group (left out by default, as in the RK index).

    Returns
    -------
    pandas.DataFrame
        ``kommune, wave, respondent_id, group, dimension, score``: ``dimension`` is ``"rk"`` (the index) or a
        relational item code; ``score`` is :func:`relkap.scoring.respondent_index`, the mean over targets B.
        Respondents without a valid score are left out.

    Notes
    -----
    score(r, d) = mean over targets B != group(r) of s_d(r, B).

    Examples
    --------
    >>> from relkap import load_instrument, synth
    >>> inst, t = load_instrument(), synth.example_tables(1, respondents=30, key=b"example")
    >>> s = respondent_dimension_scores(t.relations, inst)
    >>> s["dimension"].unique().tolist()
    ['rk', 'kendskab', 'respekt', 'bidrag', 'videndeling', 'problemloesning', 'innovation']
    """
    per = [scoring.respondent_index(relations, instrument, dimension=dim, include_diagonal=include_diagonal)
           for dim in (None, "all")]
    out = pd.concat(per, ignore_index=True).drop(columns="n_targets")
    out["dimension"] = out["dimension"].astype(str)
    return out.dropna(subset=["score"]).reset_index(drop=True)


def _scores(relations: pd.DataFrame, instrument: Instrument, scores: pd.DataFrame | None) -> pd.DataFrame:
    """``scores`` when given (the caller's :func:`respondent_dimension_scores` of ``relations``), else computed."""
    return respondent_dimension_scores(relations, instrument) if scores is None else scores


def rk_change(relations: pd.DataFrame, instrument: Instrument, min_n: int = MIN_N,
              scores: pd.DataFrame | None = None) -> pd.DataFrame:
    """The first wave of ``instrument`` versus its latest: the RK index and each dimension (cross-group ties).

    Parameters
    ----------
    relations : pandas.DataFrame
        One kommune's ``relations`` table, every wave (the model uses them all).
    instrument : Instrument
        The codebook (the two waves compared: :meth:`relkap.instrument.Instrument.between`; dimension order).
    min_n : int
        A dimension with fewer respondents in a wave is suppressed.
    scores : pandas.DataFrame, optional
        :func:`respondent_dimension_scores` of ``relations``, when the caller has them already (a report
        computes them once and passes them to every table that needs them).

    Returns
    -------
    pandas.DataFrame
        One row per dimension (``rk`` first, then the codebook's order): ``dimension`` and the columns of
        :func:`relkap.change.compare_waves` (``n_baseline, n_followup, mean_baseline, mean_followup, diff,
        diff_ci_low, diff_ci_high, T, dof, p_val, hedges, hedges_ci_low, hedges_ci_high, p_mwu, p_fdr,
        p_holm, test, suppressed``).

    Notes
    -----
    The respondent-level scores of :func:`respondent_dimension_scores` are compared with
    :func:`relkap.linked.compare_linked`: a model with a random intercept per respondent over every wave
    (``test`` ``"mixed"``; its means are the model's) where at least :data:`relkap.linked.MIN_LINKED`
    respondents answered in more than one wave, else Welch's t-test; ``p_fdr`` (Benjamini-Hochberg) and
    ``p_holm`` are adjusted over the seven rows.

    Examples
    --------
    >>> from relkap import load_instrument, synth
    >>> inst, t = load_instrument(), synth.example_tables(1, respondents=30, key=b"example")
    >>> rk = rk_change(t.relations, inst)
    >>> rk[["dimension", "n_baseline", "n_followup", "diff"]].head(2).round(3)
      dimension  n_baseline  n_followup   diff
    0        rk          32          36  0.171
    1  kendskab          32          36  0.221
    """
    scores = _scores(relations, instrument, scores)
    out = _compare(scores, ["dimension"], instrument, min_n, linked=True)
    order = {d: i for i, d in enumerate(["rk", *instrument.relational_codes])}
    return out.sort_values("dimension", key=lambda s: s.map(order)).reset_index(drop=True)


def tie_change(relations: pd.DataFrame, instrument: Instrument, min_n: int | None = MIN_N,
               dimension: str | None = None) -> pd.DataFrame:
    """The first wave of ``instrument`` versus its latest in every directed tie T(A->B) (RK index, or one
    dimension), tested as :func:`rk_change` tests the index: the respondent intercept model over every wave
    where at least :data:`relkap.linked.MIN_LINKED` of the tie's raters answered in more than one wave, else
    Welch's t-test.

    Parameters
    ----------
    relations : pandas.DataFrame
        The ``relations`` table of one kommune (or several pooled), every wave.
    instrument : Instrument
        The codebook (the two waves compared: :meth:`relkap.instrument.Instrument.between`).
    min_n : int or None
        A tie with fewer raters in either wave is suppressed (``None``: nothing is, see
        :func:`relkap.change.suppress`).
    dimension : str or None
        ``None`` for the RK index, a relational item code for one dimension, or ``"all"`` for every
        dimension in one pass (a ``dimension`` column first; FDR within each dimension, so each
        dimension's rows equal ``tie_change(..., dimension=code)``).

    Returns
    -------
    pandas.DataFrame
        One row per ``group, target`` (rater, rated group) with the columns of
        :func:`relkap.change.compare_waves` (FDR over the ties) and ``diagonal`` (own group).

    Examples
    --------
    >>> from relkap import load_instrument, synth
    >>> inst, t = load_instrument(), synth.example_tables(1, respondents=30, key=b"example")
    >>> ties = tie_change(t.relations, inst)
    >>> ties[["group", "target", "n_baseline", "n_followup", "suppressed", "diagonal"]].head(2)
           group     target  n_baseline  n_followup  suppressed  diagonal
    0  dagtilbud  dagtilbud           8          11       False      True
    1  dagtilbud  jobcenter           8          11       False     False
    """
    s = scoring.respondent_scores(relations, instrument, dimension=dimension)
    s = s.dropna(subset=["score"])
    per_dimension = dimension == "all"
    for c in ("group", "target", *(["dimension"] if per_dimension else [])):
        s[c] = s[c].astype(str)
    if per_dimension:
        out = _compare(s, ["dimension", "group", "target"], instrument, min_n, family="dimension", linked=True)
    else:
        out = _compare(s, ["group", "target"], instrument, min_n, linked=True)
    out["diagonal"] = out["group"] == out["target"]
    return out.reset_index(drop=True)


def tie_table(relations: pd.DataFrame, instrument: Instrument, min_n: int | None = MIN_N,
              dimension: str | None = None) -> pd.DataFrame:
    """Tie scores of both waves for the kommune: :func:`relkap.scoring.tie_scores` by ``wave``.

    Returns
    -------
    pandas.DataFrame
        ``wave, group, target, dimension, n, mean, sd, ci_low, ci_high, band, suppressed, diagonal``.

    Examples
    --------
    >>> from relkap import load_instrument, synth
    >>> inst, t = load_instrument(), synth.example_tables(1, respondents=30, key=b"example")
    >>> tie_table(t.relations, inst)[["wave", "group", "target", "n", "band"]].head(2)
           wave      group     target  n band
    0  baseline  myndighed  myndighed  4  NaN
    1  baseline  myndighed      skole  4  NaN
    """
    return scoring.tie_scores(relations, instrument, by=["wave"], dimension=dimension, min_n=min_n)


def agreement_tables(tables: Tables, instrument: Instrument, min_n: int = MIN_N,
                     scores: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Reliability and agreement of one kommune's answers, per wave.

    Parameters
    ----------
    tables : Tables
        One kommune's tidy tables.
    instrument : Instrument
        The codebook.
    min_n : int
        An alpha or r_wg(j) of fewer respondents is suppressed; the ICC leaves such groups out.
    scores : pandas.DataFrame, optional
        :func:`respondent_dimension_scores` of ``tables.relations``, when the caller has them already.

    Returns
    -------
    dict of pandas.DataFrame
        ``"alpha"``: :func:`relkap.agreement.alpha` of each employee and citizen scale per wave and of the
        RK items (``scale="rk"``, over respondent x target: descriptive only), with ``suppressed``;
        ``"icc"``: :func:`relkap.agreement.icc` of the respondents' RK index by group, one row per wave
        with at least two groups of ``min_n``; ``"rwg"``: :func:`relkap.agreement.rwg_j` of the six
        dimensions per wave and group, with ``suppressed``. An empty DataFrame where there is nothing.

    Examples
    --------
    >>> from relkap import load_instrument, synth
    >>> inst, t = load_instrument(), synth.example_tables(1, respondents=30, key=b"example")
    >>> agree = agreement_tables(t, inst)
    >>> agree["icc"][["wave", "ICC1", "ICC2"]].round(3)
           wave   ICC1   ICC2
    0  baseline  0.362  0.819
    1  followup  0.262  0.751
    """
    scales = pd.concat([tables.scales.drop(columns=["group"]), tables.citizens], ignore_index=True)
    scales = scales[~scales["scale"].isin([s.code for s in instrument.scales_for("structures")])]
    al = pd.DataFrame()
    if len(scales):
        scales = scales.astype({"scale": str, "wave": str})
        al = agreement.alpha(scales, by=["scale", "wave"])
    rel = tables.relations
    if len(rel):
        rk_alpha = agreement.alpha(rel.assign(scale="rk", wave=rel["wave"].astype(str)), by=["scale", "wave"],
                                   subject=["respondent_id", "target"])
        al = pd.concat([al, rk_alpha], ignore_index=True)
    if len(al):
        al["suppressed"] = al["n"] < min_n
        al.loc[al["suppressed"], ["alpha", "ci_low", "ci_high"]] = np.nan
    dims = _scores(rel, instrument, scores)
    idx = dims[dims["dimension"] == "rk"].astype({"group": str, "wave": str})
    icc_rows = []
    for wave, part in idx.groupby("wave", sort=False):
        big = part.groupby("group")["score"].transform("size") >= min_n
        part = part[big]
        if part["group"].nunique() >= 2:
            icc_rows.append(agreement.icc(part, dv="score", group="group").assign(wave=wave))
    icc = pd.concat(icc_rows, ignore_index=True) if icc_rows else pd.DataFrame()
    wide = (dims[dims["dimension"] != "rk"].astype({"group": str, "wave": str})
            .pivot_table(index=["wave", "group", "respondent_id"], columns="dimension", values="score",
                         observed=True).reset_index())
    rwg = pd.DataFrame()
    if len(wide):
        items = [c for c in instrument.relational_codes if c in wide.columns]
        rwg = agreement.rwg_j(wide, items, ["wave", "group"], options=instrument.scale.options)
        rwg["suppressed"] = rwg["n"] < min_n
        rwg.loc[rwg["suppressed"], "rwg_j"] = np.nan
    return {"alpha": al, "icc": icc, "rwg": rwg}


def scale_change(tables: Tables, instrument: Instrument, min_n: int = MIN_N) -> pd.DataFrame:
    """Baseline versus follow-up of every employee and citizen scale (respondent-level scale scores).

    Returns
    -------
    pandas.DataFrame
        One row per scale in codebook order: ``instrument`` (``"employee"`` or ``"citizen"``), ``scale``
        and the columns of :func:`relkap.change.compare_waves` (FDR over the scales).

    Examples
    --------
    >>> from relkap import load_instrument, synth
    >>> inst, t = load_instrument(), synth.example_tables(1, respondents=30, key=b"example")
    >>> scale_change(t, inst)[["instrument", "scale", "suppressed"]].head(2)
      instrument       scale  suppressed
    0   employee      vision       False
    1   employee  deltagelse       False
    """
    parts = []
    for kind, table in (("employee", tables.scales), ("citizen", tables.citizens)):
        if len(table) == 0:
            continue
        s = scoring.scale_scores(table, instrument).dropna(subset=["score"])
        s["scale"] = s["scale"].astype(str)
        s["instrument"] = kind
        parts.append(s)
    if not parts:
        return pd.DataFrame(columns=["instrument", "scale", *change.CHANGE_COLUMNS])
    data = pd.concat(parts, ignore_index=True)
    out = _compare(data, ["instrument", "scale"], instrument, min_n)
    order = {s.code: i for i, s in enumerate(instrument.scales)}
    return out.sort_values("scale", key=lambda s: s.map(order)).reset_index(drop=True)


def dimension_profile_data(relations: pd.DataFrame, instrument: Instrument, min_n: int = MIN_N,
                           scores: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per wave and dimension: n, mean and t-based 95% CI of the respondents' cross-group scores
    (``scores``: :func:`respondent_dimension_scores` of ``relations`` when the caller has them already).

    Returns
    -------
    pandas.DataFrame
        ``wave, dimension, n, mean, sd, ci_low, ci_high, suppressed`` (``n < min_n``: no values).

    Notes
    -----
    CI = mean ± t(0.975, n - 1) · sd / sqrt(n) over the scores of :func:`respondent_dimension_scores`
    (:func:`relkap.scoring.describe`, the statistic of every tie).

    Examples
    --------
    >>> from relkap import load_instrument, synth
    >>> inst, t = load_instrument(), synth.example_tables(1, respondents=30, key=b"example")
    >>> dimension_profile_data(t.relations, inst)[["wave", "dimension", "n", "mean"]].head(2).round(3)
           wave dimension   n   mean
    0  baseline  kendskab  32  3.672
    1  baseline   respekt  32  3.698
    """
    s = _scores(relations, instrument, scores)
    s = s[s["dimension"] != "rk"].astype({"wave": str})
    return scoring.describe(s, "score", ["wave", "dimension"], min_n=min_n)


def received_perceived_gap(rp: pd.DataFrame) -> pd.DataFrame:
    """:func:`relkap.scoring.received_perceived` with ``gap`` = received - perceived (positive: the others rate the group
    higher than the group rates them), the number to discuss."""
    check_columns(rp, ("received", "perceived"), "rp")
    return rp.assign(gap=rp["received"] - rp["perceived"])


def rk_by_wave(relations: pd.DataFrame, instrument: Instrument, min_n: int = MIN_N,
               scores: pd.DataFrame | None = None) -> pd.DataFrame:
    """The RK index and each dimension in every wave, with its t-based 95 % CI (the trend).

    Parameters
    ----------
    relations : pandas.DataFrame
        One kommune's ``relations`` table (the shared answers: :func:`shared_tables`).
    instrument : Instrument
        The codebook: its waves, in order, and the dimension order.
    min_n : int
        A dimension with fewer respondents in a wave is suppressed in that wave.
    scores : pandas.DataFrame, optional
        :func:`respondent_dimension_scores` of ``relations``, when the caller has them already.

    Returns
    -------
    pandas.DataFrame
        One row per wave present and dimension (``rk`` first), waves in the codebook's order: ``wave,
        dimension`` and the columns of :func:`relkap.scoring.describe` (``n, mean, sd, ci_low, ci_high,
        suppressed``) of the respondent-level scores of :func:`respondent_dimension_scores` (a respondent
        counts once, however many groups they rated), so the first and the last wave's means are the
        ``mean_baseline`` and ``mean_followup`` of :func:`rk_change`.

    Examples
    --------
    >>> from relkap import load_instrument, synth
    >>> inst, t = load_instrument(), synth.example_tables(1, respondents=30, key=b"example")
    >>> rk_by_wave(t.relations, inst)[["wave", "dimension", "n", "mean"]].head(2).round(3)
           wave dimension   n   mean
    0  baseline        rk  32  3.537
    1  followup        rk  36  3.688
    """
    scores = _scores(relations, instrument, scores)
    scores = scores.assign(wave=scores["wave"].astype(str))
    out = scoring.describe(scores, "score", ["wave", "dimension"], min_n=min_n)
    dims = {d: i for i, d in enumerate(["rk", *instrument.relational_codes])}
    waves = {w: i for i, w in enumerate(instrument.waves.codes)}
    out = out.assign(_d=out["dimension"].map(dims), _w=out["wave"].map(waves).fillna(len(waves)))
    return out.sort_values(["_d", "_w"]).drop(columns=["_d", "_w"]).reset_index(drop=True)

