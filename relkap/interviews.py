"""Interviews beside the survey: quantitizing coded interviews and joint displays.

Pure functions on the tidy ``codings`` table of :mod:`relkap.qda` (one row per kommune, wave, interview,
code and valence) and on the survey's wave comparisons (:func:`relkap.change.compare_waves`, e.g. the
report's ``tie_change`` / ``rk_change`` / ``scale_change``).

Quantitizing counts **interviews** (sources), never segments: an interview that speaks of a theme five times
counts once. Per kommune, wave and theme:

- ``n_interviews``: interviews of the kommune and wave (every interview with at least one coding);
- ``n_mention``, ``n_strength``, ``n_problem``, ``n_valenced``: interviews that speak of the theme at all, as
  a strength, as a problem, with either valence (an interview may count as both strength and problem);
- ``share = n_mention / n_interviews``, ``share_strength``, ``share_problem`` and the net valence
  ``net = share_strength - share_problem`` (from -1: every interview calls it a problem, to +1).

Privacy (as every shared product, README "Privacy"): quotes identify people and small counts identify speakers. Tables here hold exact counts
(like ``compare_waves`` holds ``n``) with a ``suppressed`` flag; the display functions never print a count
below ``min_interviews`` (default :data:`MIN_INTERVIEWS` = 3), and a wave with fewer than ``min_interviews``
interviews shows no share, count or direction at all. No quote text and no source name enter any table.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import fmt
from .instrument import Instrument
from .words import Language, check_language, text

__all__ = [
    "theme_shares",
    "theme_change",
    "joint_table",
    "joint_display",
    "joint_note",
    "theme_display",
    "theme_label",
    "JointSection",
    "report_section",
    "research_joint",
    "research_display",
    "MIN_INTERVIEWS",
    "MIN_NET_CHANGE",
    "CONVERGENCE",
]

MIN_INTERVIEWS = 3  # fewest interviews behind a shown count or share (and behind an interview direction)
MIN_NET_CHANGE = 0.2  # smallest change in net valence (20 percentage points of interviews) read as a direction
CONVERGENCE: tuple[str, ...] = ("converge", "diverge", "interviews_only", "survey_only", "neither")
THEME_KEYS = ["theme_kind", "theme", "rater", "target"]
COUNTS = ["n_mention", "n_strength", "n_problem", "n_valenced"]
_KIND_KEYS = {"tie": ["group", "target"], "dimension": ["dimension"], "leadership": ["scale"],
              "structure": ["scale"]}


def _plain(codings: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    cols = [*by, "wave", "source", *THEME_KEYS, "valence"]
    c = codings[cols].copy()
    for col in cols:  # categories and strings as plain objects, so absent keys group and merge alike
        if isinstance(c[col].dtype, pd.CategoricalDtype) or c[col].dtype == "string":
            c[col] = c[col].astype(object).where(c[col].notna(), None)
    for col in THEME_KEYS:  # "" stands for "no rater/target" while grouping and merging (see _restore)
        c[col] = c[col].astype(object).where(c[col].notna(), "")
    return c


def _restore(d: pd.DataFrame) -> pd.DataFrame:
    for col in ("rater", "target"):
        if col in d.columns:
            d[col] = d[col].astype(object).where(d[col] != "", None)
    return d


def _waves(codings: pd.DataFrame, baseline: str | None, followup: str | None) -> list[str]:
    if baseline is not None and followup is not None:
        return [baseline, followup]
    w = codings["wave"]
    return [str(x) for x in (w.cat.categories if isinstance(w.dtype, pd.CategoricalDtype) else sorted(w.unique()))]


def _count(c: pd.DataFrame, keys: list[str], name: str, mask=None) -> pd.Series:
    d = c if mask is None else c[mask]
    return d.groupby(keys, dropna=False, sort=False)["source"].nunique().rename(name)


def theme_shares(codings: pd.DataFrame, min_interviews: int = MIN_INTERVIEWS, by: Sequence[str] = ("kommune",),
                 waves: Sequence[str] | None = None) -> pd.DataFrame:
    """Per ``by`` (default kommune), wave and theme: how many and which share of the interviews speak of it.

    Every theme mentioned in any wave of a ``by`` cell gets a row in every wave (zero where not mentioned).

    Returns
    -------
    DataFrame with ``*by, wave, theme_kind, theme, rater, target, n_interviews, n_mention, n_strength,
    n_problem, n_valenced, share, share_strength, share_problem, net, suppressed``; ``suppressed`` is
    ``n_interviews < min_interviews`` and then every share is NaN (the counts stay, for the researcher;
    displays never print them).

    Examples
    --------
    >>> c = pd.DataFrame({"kommune": 766, "wave": ["baseline"] * 4, "source": ["a", "a", "b", "c"],
    ...                   "theme_kind": "tie", "theme": "skole->ppr", "rater": "skole", "target": "ppr",
    ...                   "valence": ["problem", "strength", "problem", None]})
    >>> s = theme_shares(c)
    >>> s[["n_interviews", "n_mention", "n_strength", "n_problem", "share", "net"]].to_dict("records")
    [{'n_interviews': 3, 'n_mention': 3, 'n_strength': 1, 'n_problem': 2, 'share': 1.0, 'net': -0.3333333333333333}]
    """
    return _restore(_shares(codings, min_interviews, by, waves))


def _shares(codings: pd.DataFrame, min_interviews: int = MIN_INTERVIEWS, by: Sequence[str] = ("kommune",),
            waves: Sequence[str] | None = None) -> pd.DataFrame:
    """The counts of :func:`theme_shares` with "" for absent rater/target."""
    by = list(by)
    c = _plain(codings, by)
    wave_list = list(waves) if waves is not None else _waves(codings, None, None)
    keys = [*by, "wave", *THEME_KEYS]
    counts = pd.concat([
        _count(c, keys, "n_mention"),
        _count(c, keys, "n_strength", c["valence"] == "strength"),
        _count(c, keys, "n_problem", c["valence"] == "problem"),
        _count(c, keys, "n_valenced", c["valence"].notna()),
    ], axis=1).reset_index()
    themes = c[[*by, *THEME_KEYS]].drop_duplicates()
    grid = themes.merge(pd.DataFrame({"wave": wave_list}), how="cross")
    out = grid.merge(counts, on=keys, how="left")
    totals = c.groupby([*by, "wave"], dropna=False)["source"].nunique().rename("n_interviews").reset_index()
    out = out.merge(totals, on=[*by, "wave"], how="left")
    for col in ["n_interviews", *COUNTS]:
        out[col] = out[col].fillna(0).astype("int64")
    out["suppressed"] = out["n_interviews"] < min_interviews
    denom = out["n_interviews"].where(~out["suppressed"]).astype("float64")
    out["share"] = out["n_mention"] / denom
    out["share_strength"] = out["n_strength"] / denom
    out["share_problem"] = out["n_problem"] / denom
    out["net"] = out["share_strength"] - out["share_problem"]
    order = [*by, "wave", *THEME_KEYS, "n_interviews", *COUNTS[:3], "n_valenced", "share", "share_strength",
             "share_problem", "net", "suppressed"]
    out["_w"] = out["wave"].map({w: i for i, w in enumerate(wave_list)})
    return out.sort_values([*by, "theme_kind", "theme", "_w"], kind="stable")[order].reset_index(drop=True)


def _derive(d: pd.DataFrame, waves: list[str], min_interviews: int, min_net_change: float) -> pd.DataFrame:
    """Shares, net valence, changes, suppression and the interview direction from the per-wave counts."""
    b, f = waves
    for w in waves:
        sup = d[f"n_interviews_{w}"] < min_interviews
        denom = d[f"n_interviews_{w}"].where(~sup).astype("float64")
        d[f"share_{w}"] = d[f"n_mention_{w}"] / denom
        d[f"net_{w}"] = (d[f"n_strength_{w}"] - d[f"n_problem_{w}"]) / denom
    d["share_change"] = d[f"share_{f}"] - d[f"share_{b}"]
    d["net_change"] = d[f"net_{f}"] - d[f"net_{b}"]
    d["n_valenced"] = d[f"n_valenced_{b}"] + d[f"n_valenced_{f}"]
    d["interviews_suppressed"] = (d[f"n_interviews_{b}"] < min_interviews) | (d[f"n_interviews_{f}"] < min_interviews)
    clear = (~d["interviews_suppressed"] & (d["n_valenced"] >= min_interviews)
             & (d["net_change"].abs() >= min_net_change - 1e-12))
    d["interview_direction"] = pd.array(np.where(clear, np.sign(d["net_change"].fillna(0)), 0), dtype="Int8")
    return d


def _wide(shares: pd.DataFrame, keys: list[str], waves: list[str]) -> pd.DataFrame:
    parts = []
    for w in waves:
        part = shares[shares["wave"] == w][[*keys, "n_interviews", *COUNTS]]
        parts.append(part.rename(columns={c: f"{c}_{w}" for c in ["n_interviews", *COUNTS]}))
    return parts[0].merge(parts[1], on=keys, how="outer")


def theme_change(codings: pd.DataFrame, min_interviews: int = MIN_INTERVIEWS,
                 min_net_change: float = MIN_NET_CHANGE, by: Sequence[str] = ("kommune",),
                 baseline: str | None = None, followup: str | None = None) -> pd.DataFrame:
    """Per ``by`` and theme: the interviews at baseline and follow-up and the change between them.

    Returns
    -------
    DataFrame with ``*by, theme_kind, theme, rater, target``, then for each wave ``w`` (the wave labels)
    ``n_interviews_w, n_mention_w, n_strength_w, n_problem_w, n_valenced_w, share_w, net_w``, and
    ``share_change`` (follow-up minus baseline share of interviews that mention the theme), ``net_change``
    (follow-up minus baseline net valence), ``n_valenced`` (interviews of both waves speaking of it with a
    valence), ``interviews_suppressed`` (a wave with fewer than ``min_interviews`` interviews) and
    ``interview_direction`` (Int8: +1, -1, 0).

    Notes
    -----
    The interview direction is the sign of ``net_change`` when (a) both waves have at least
    ``min_interviews`` interviews, (b) at least ``min_interviews`` interviews (both waves together) speak of
    the theme as a strength or a problem, and (c) ``|net_change| >= min_net_change`` (default 0.2: a shift of
    a fifth of the interviews); otherwise 0 ("no clear change in the interviews").

    Examples
    --------
    >>> c = pd.DataFrame({"kommune": 766, "wave": ["baseline"] * 3 + ["followup"] * 3,
    ...                   "source": list("abcdef"), "theme_kind": "tie", "theme": "skole->ppr",
    ...                   "rater": "skole", "target": "ppr", "valence": ["problem"] * 3 + ["strength"] * 3})
    >>> r = theme_change(c).iloc[0]
    >>> float(r["net_baseline"]), float(r["net_followup"]), float(r["net_change"]), int(r["interview_direction"])
    (-1.0, 1.0, 2.0, 1)
    """
    by = list(by)
    waves = _waves(codings, baseline, followup)
    shares = _shares(codings, min_interviews, by, waves)
    d = _wide(shares, [*by, *THEME_KEYS], waves)
    return _restore(_derive(d, waves, min_interviews, min_net_change)).reset_index(drop=True)


# ----------------------------------------------------------------------------------------------------
# Joint displays
# ----------------------------------------------------------------------------------------------------
SURVEY_COLUMNS = ["mean_baseline", "mean_followup", "diff", "diff_ci_low", "diff_ci_high", "p_fdr"]


def _survey_direction(s: pd.DataFrame) -> np.ndarray:
    lo, hi = s["diff_ci_low"].astype("float64"), s["diff_ci_high"].astype("float64")
    usable = ~s["survey_suppressed"].to_numpy(dtype=bool) & lo.notna().to_numpy() & hi.notna().to_numpy()
    return np.where(usable & (lo > 0).to_numpy(), 1, np.where(usable & (hi < 0).to_numpy(), -1, 0))


def joint_table(survey: pd.DataFrame, codings: pd.DataFrame, kind: str = "tie", kommune: int | None = None,
                min_interviews: int = MIN_INTERVIEWS, min_net_change: float = MIN_NET_CHANGE,
                baseline: str | None = None, followup: str | None = None) -> pd.DataFrame:
    """The survey's change beside what the interviews said, with a convergence marker, per tie or theme.

    Parameters
    ----------
    survey : a ``compare_waves``-style table: key columns (``group, target`` for ``kind="tie"``,
        ``dimension`` for ``"dimension"`` (``rk`` = the RK index: interviews speaking of any dimension),
        ``scale`` for ``"leadership"``/``"structure"``), ``mean_baseline, mean_followup, diff, diff_ci_low,
        diff_ci_high, suppressed`` and optionally ``p_fdr``, ``diagonal`` and ``kommune``.
    codings : the tidy codings table (:mod:`relkap.qda`).
    kommune : restrict both tables to one kommune; without it, a ``kommune`` column in ``survey`` is joined on
        (and ``codings`` must hold one kommune otherwise).
    min_interviews, min_net_change : see :func:`theme_change`.

    Returns
    -------
    One row per key in either table (outer join): ``kommune``, the keys, the survey columns,
    ``in_survey``, ``survey_suppressed``, ``survey_direction`` (Int8), the per-wave interview counts of
    :func:`theme_change`, ``net_<wave>``, ``net_change``, ``n_valenced``, ``interviews_suppressed``,
    ``interview_direction`` (Int8) and ``convergence`` (category :data:`CONVERGENCE`).

    Notes
    -----
    - Survey direction: the sign of ``diff`` when its 95 % CI excludes 0 and the row is not suppressed,
      else 0 ("no clear change"). A key the survey does not have counts as 0.
    - Interview direction: :func:`theme_change` (sign of the change in net valence, strength minus problem
      share of interviews, when at least ``min_interviews`` interviews stand behind it), else 0.
    - ``converge``: both non-zero and the same sign; ``diverge``: both non-zero, opposite signs;
      ``survey_only`` / ``interviews_only``: only that side non-zero; ``neither``: both 0.

    Interviews that do not mention a key count as not speaking of it (zero), so a survey change with
    enough interviews but no mention is ``survey_only``.
    """
    if kind not in _KIND_KEYS:
        raise ValueError(f"kind must be one of {', '.join(_KIND_KEYS)}, not {kind!r}")
    keys = _KIND_KEYS[kind]
    missing = [c for c in (*keys, "diff_ci_low", "diff_ci_high", "suppressed") if c not in survey.columns]
    if missing:
        raise ValueError(f"the survey table lacks the columns {missing} (a compare_waves-style table is needed)")
    waves = _waves(codings, baseline, followup)
    b, f = waves
    s = survey.copy()
    c = codings
    if kommune is not None:
        c = c[c["kommune"] == kommune]
        if "kommune" in s.columns:
            s = s[s["kommune"] == kommune]
        s = s.assign(kommune=kommune)
    elif "kommune" not in s.columns:
        ks = c["kommune"].unique()
        if len(ks) > 1:
            raise ValueError("codings hold several kommuner: pass kommune= or give the survey table a kommune column")
        s = s.assign(kommune=int(ks[0]) if len(ks) else pd.NA)
    kommuner = s["kommune"].dropna().unique()
    c = c[c["kommune"].isin(kommuner)]

    # interview side: the kind's themes, keyed like the survey
    themes = c[c["theme_kind"] == ("dimension" if kind == "dimension" else kind)]
    if kind == "dimension":
        themes = pd.concat([themes, themes.assign(theme="rk")], ignore_index=True)
    shares = _shares(themes, min_interviews, ["kommune"], waves) if len(themes) else None
    if shares is not None:
        iv = _wide(shares, ["kommune", *THEME_KEYS], waves)
        if kind == "tie":
            iv = iv.rename(columns={"rater": "group"})
        else:
            iv = iv.rename(columns={"theme": keys[0]})
        iv = iv[["kommune", *keys, *[col for col in iv.columns if col.startswith("n_")]]]
        iv = iv.groupby(["kommune", *keys], dropna=False, as_index=False).sum()
    else:
        iv = pd.DataFrame(columns=["kommune", *keys])
    totals = (c.groupby(["kommune", "wave"], observed=True)["source"].nunique().unstack("wave")
              .reindex(columns=waves).fillna(0).astype("int64"))
    totals.columns = [f"n_interviews_{w}" for w in waves]

    keep = ["kommune", *keys, *[x for x in SURVEY_COLUMNS if x in s.columns], "suppressed",
            *(["diagonal"] if "diagonal" in s.columns else [])]
    s = s[keep].rename(columns={"suppressed": "survey_suppressed"})
    for k in keys:
        s[k] = s[k].astype(str)
        if k in iv.columns:
            iv[k] = iv[k].astype(str)
    s["kommune"] = s["kommune"].astype("int64")
    iv["kommune"] = iv["kommune"].astype("int64")
    iv = iv.drop(columns=[x for x in iv.columns if x.startswith("n_interviews_")])
    out = s.assign(in_survey=True).merge(iv, on=["kommune", *keys], how="outer")
    out = out.merge(totals.reset_index().astype({"kommune": "int64"}), on="kommune", how="left")
    for col in [*(f"{x}_{w}" for x in COUNTS for w in waves), *(f"n_interviews_{w}" for w in waves)]:
        out[col] = out[col].fillna(0).astype("int64") if col in out.columns else 0
    out["in_survey"] = out["in_survey"].astype("boolean").fillna(False).astype(bool)
    out["survey_suppressed"] = out["survey_suppressed"].astype("boolean").fillna(True).astype(bool)
    if "diagonal" in out.columns:
        out["diagonal"] = (out["group"] == out["target"]) if kind == "tie" else out["diagonal"].fillna(False)
    out["survey_direction"] = pd.array(_survey_direction(out), dtype="Int8")
    out = _derive(out, waves, min_interviews, min_net_change)
    sd = out["survey_direction"].to_numpy(dtype=int)
    idr = out["interview_direction"].to_numpy(dtype=int)
    conv = np.select([(sd != 0) & (idr != 0) & (sd == idr), (sd != 0) & (idr != 0), sd != 0, idr != 0],
                     ["converge", "diverge", "survey_only", "interviews_only"], "neither")
    out["convergence"] = pd.Categorical(conv, categories=CONVERGENCE)
    counts = [f"{x}_{w}" for w in waves for x in ("n_interviews", "n_mention", "n_strength", "n_problem",
                                                    "n_valenced")]
    order = ["kommune", *keys, *[x for x in SURVEY_COLUMNS if x in out.columns],
             *(["diagonal"] if "diagonal" in out.columns else []), "in_survey", "survey_suppressed",
             "survey_direction", *counts, f"net_{b}", f"net_{f}", "net_change", "n_valenced",
             "interviews_suppressed", "interview_direction", "convergence"]
    return out[order].sort_values(["kommune", *keys], kind="stable").reset_index(drop=True)


def theme_label(kind: str, theme: str, instrument: Instrument, language: Language = "da",
                target: str | None = None) -> str:
    """A theme as readers see it: codebook labels, a tie as "rater → target", a free theme as coded."""
    if kind == "tie":
        rater, _, tgt = str(theme).partition("->")
        return text("interviews.tie_label", language, rater=instrument.label(rater, language),
                    target=instrument.label(target or tgt, language))
    if kind == "free":
        return str(theme)
    return instrument.label(str(theme), language)


def _refuse_private(df: pd.DataFrame) -> None:
    if df.attrs.get("private") or "text" in df.columns or "source_name" in df.columns:
        raise ValueError("this table holds quotes or source names (relkap.qda.private_quotes): it is for the"
                         " researcher's own machine and is never displayed in a shared product")


def _wave_cell(n_int, n_str, n_prob, min_interviews: int, language: Language) -> str:
    if n_int < min_interviews:
        return text("interviews.too_few", language, min_interviews=min_interviews)
    return text("interviews.valence_counts", language, strength=fmt.count(n_str, min_interviews, language),
                problem=fmt.count(n_prob, min_interviews, language), n=fmt.count(n_int, min_interviews, language))


def _change_cell(r: dict, waves: Sequence[str], min_interviews: int, language: Language) -> str:
    if r["interviews_suppressed"]:
        return text("interviews.too_few", language, min_interviews=min_interviews)
    if r["n_valenced"] < min_interviews:
        return text("interviews.too_few_mentions", language, min_interviews=min_interviews)
    # The change in net strength is a function of the four counts beside it: with one of them shown as
    # "<3", the exact change would give that count away (disclosure by arithmetic), so only its direction
    # is said.
    hidden = any(0 < r[f"{x}_{w}"] < min_interviews for w in waves for x in ("n_strength", "n_problem"))
    if hidden:
        key = {1: "towards_strength", -1: "towards_problem"}.get(int(r["interview_direction"]), "no_clear_shift")
        return text(f"interviews.{key}", language)
    return text("interviews.points", language, value=fmt.number(100 * r["net_change"], 0, language, sign=True))


def joint_display(joint: pd.DataFrame, instrument: Instrument, language: Language = "da",
                  min_interviews: int = MIN_INTERVIEWS, keep: str = "relevant", style: bool = False):
    """A :func:`joint_table` for reading (report, explorer): catalogue words, :mod:`relkap.fmt` numbers.

    ``keep="relevant"`` shows the rows where the survey shows a clear change or an interview speaks of the
    key (own-group ties only when interviews mention them); ``"all"`` every row. Counts below
    ``min_interviews`` read "<3", a wave with fewer interviews says so instead of counts, and a suppressed
    survey cell says "too few answers". Rows are ordered converge, diverge, interviews only, survey only,
    neither. Returns a DataFrame of strings, or its Styler (index hidden) with ``style=True``.
    """
    check_language(language)
    _refuse_private(joint)
    kind = "tie" if "target" in joint.columns else ("dimension" if "dimension" in joint.columns else "scale")
    waves = [c[len("net_"):] for c in joint.columns if c.startswith("net_") and c != "net_change"]
    b, f = waves
    d = joint
    if keep == "relevant":
        mentioned = (d[f"n_mention_{b}"] + d[f"n_mention_{f}"]) > 0
        relevant = mentioned | (d["survey_direction"] != 0)
        if kind == "tie":
            relevant &= mentioned | (d["group"] != d["target"])
        d = d[relevant.to_numpy(dtype=bool)]
    elif keep != "all":
        raise ValueError(f"keep must be 'relevant' or 'all', not {keep!r}")
    d = d.sort_values("convergence", kind="stable")
    head = {
        "label": text({"tie": "glossary.tie", "dimension": "glossary.dimension", "scale": "glossary.scale"}[kind],
                      language),
        "sb": text("interviews.col_survey_baseline", language),
        "sf": text("interviews.col_survey_followup", language),
        "sc": text("interviews.col_survey_change", language),
        "ib": text("interviews.col_interviews_baseline", language),
        "if": text("interviews.col_interviews_followup", language),
        "ic": text("interviews.col_interviews_change", language),
        "cv": text("interviews.col_convergence", language),
    }
    rows = []
    for r in d.to_dict("records"):
        if kind == "tie":
            label = theme_label("tie", f"{r['group']}->{r['target']}", instrument, language)
        else:
            label = instrument.label(str(r[kind if kind != "scale" else "scale"]), language)
        if not r["in_survey"]:
            sb = sf = sc = text("interviews.not_surveyed", language)
        elif r["survey_suppressed"]:
            sb = sf = sc = text("glossary.suppressed", language)
        else:
            sb, sf = fmt.number(r["mean_baseline"], 2, language), fmt.number(r["mean_followup"], 2, language)
            sc = f"{fmt.signed(r['diff'], 2, language)} {fmt.ci(r['diff_ci_low'], r['diff_ci_high'], language, sign=True)}"
        rows.append({
            head["label"]: label, head["sb"]: sb, head["sf"]: sf, head["sc"]: sc,
            head["ib"]: _wave_cell(r[f"n_interviews_{b}"], r[f"n_strength_{b}"], r[f"n_problem_{b}"],
                                   min_interviews, language),
            head["if"]: _wave_cell(r[f"n_interviews_{f}"], r[f"n_strength_{f}"], r[f"n_problem_{f}"],
                                   min_interviews, language),
            head["ic"]: _change_cell(r, (b, f), min_interviews, language),
            head["cv"]: text(f"interviews.{r['convergence']}", language),
        })
    out = pd.DataFrame(rows, columns=list(head.values()))
    return out.style.hide(axis="index") if style else out


def joint_note(language: Language = "da", min_interviews: int = MIN_INTERVIEWS,
               min_net_change: float = MIN_NET_CHANGE) -> str:
    """How to read a joint display (the rules of :func:`joint_table`), for under the table."""
    return text("interviews.note", language, min_interviews=min_interviews,
                points=fmt.number(100 * min_net_change, 0, language))


def theme_display(change: pd.DataFrame, instrument: Instrument, language: Language = "da",
                  min_interviews: int = MIN_INTERVIEWS, include_free: bool = False, style: bool = False):
    """A :func:`theme_change` table of one kommune for reading: which share of the interviews spoke of each
    theme in each wave, and the change. A share whose count is below ``min_interviews`` (but not zero)
    reads "fewer than 3 interviews", so no small count can be worked out. Free themes (the project's own
    code names) are left out unless ``include_free``: check them for in-vivo codes (quotes as code names)
    first."""
    check_language(language)
    _refuse_private(change)
    waves = [c[len("share_"):] for c in change.columns if c.startswith("share_") and c != "share_change"]
    b, f = waves
    d = change if include_free else change[change["theme_kind"] != "free"]
    kinds = {k: i for i, k in enumerate(("dimension", "tie", "leadership", "structure", "free"))}
    d = d.assign(_k=d["theme_kind"].astype(str).map(kinds)).sort_values(["_k", "theme"], kind="stable")

    def share(n, n_int, s):
        if n_int < min_interviews:
            return text("interviews.too_few", language, min_interviews=min_interviews)
        if 0 < n < min_interviews:
            return text("interviews.fewer_than", language, min_interviews=min_interviews)
        return fmt.percent(s, language)

    h = [text("interviews.col_kind", language), text("interviews.col_theme", language),
         text("interviews.col_share_baseline", language), text("interviews.col_share_followup", language),
         text("interviews.col_share_change", language)]
    rows = []
    for r in d.to_dict("records"):
        small = any(0 < r[f"n_mention_{w}"] < min_interviews for w in waves)
        if r["interviews_suppressed"] or small:
            ch = ""
        else:
            ch = text("interviews.points", language, value=fmt.number(100 * r["share_change"], 0, language, sign=True))
        rows.append(dict(zip(h, [
            text(f"interviews.kind_{r['theme_kind']}", language),
            theme_label(str(r["theme_kind"]), str(r["theme"]), instrument, language),
            share(r[f"n_mention_{b}"], r[f"n_interviews_{b}"], r[f"share_{b}"]),
            share(r[f"n_mention_{f}"], r[f"n_interviews_{f}"], r[f"share_{f}"]),
            ch,
        ], strict=True)))
    out = pd.DataFrame(rows, columns=h)
    return out.style.hide(axis="index") if style else out


# ----------------------------------------------------------------------------------------------------
# What the kommune report and the research notebook show
# ----------------------------------------------------------------------------------------------------
@dataclass
class JointSection:
    """Tables to show, each with its caption, and the note under them: what a report section displays.

    ``tables`` are ``(caption, DataFrame of strings)``; ``html()`` (and ``display(section)`` in a notebook)
    renders them with their captions, the intro above and the note below. Nothing in it is row-level:
    counts of interviews below the threshold read "<3", and no quote or source name can enter it.
    """

    heading: str
    intro: str
    tables: list[tuple[str, pd.DataFrame]]
    note: str

    def html(self) -> str:
        """The intro, every table with its caption (``<caption>``) and the note, as one HTML fragment."""
        parts = [f"<p>{html.escape(self.intro)}</p>"] if self.intro else []
        for caption, table in self.tables:
            parts.append(table.style.hide(axis="index").set_caption(html.escape(caption)).to_html())
        parts.append(f"<p class='relkap-note'>{html.escape(self.note)}</p>")
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        return self.html()


def report_section(tie_change: pd.DataFrame, rk_change: pd.DataFrame, codings: pd.DataFrame, kommune: int,
                   instrument: Instrument, language: Language = "da", min_interviews: int = MIN_INTERVIEWS,
                   min_net_change: float = MIN_NET_CHANGE) -> JointSection | None:
    """The kommune report's interview section: joint displays of ties and dimensions and the themes spoken of.

    Parameters
    ----------
    tie_change, rk_change : the kommune's :func:`relkap.report.tie_change` and :func:`relkap.report.rk_change`.
    codings : the ``codings`` table (of the kommune, or every kommune: it is filtered).
    kommune : the kommune code.
    min_interviews, min_net_change : see :func:`theme_change`.

    Returns
    -------
    JointSection, or ``None`` when the kommune has no interviews (the report then leaves the section out).
    Tables: the ties (:func:`joint_display`, relevant rows), the RK dimensions, and the share of
    interviews per theme (:func:`theme_display`, free themes left out: they may be in-vivo codes).
    """
    check_language(language)
    c = codings[codings["kommune"] == kommune]
    if c.empty:
        return None
    waves = _waves(c, instrument.waves.baseline, instrument.waves.followup)
    n = c.groupby(c["wave"].astype(str))["source"].nunique()
    n_wave = {w: fmt.count(int(n.get(w, 0)), min_interviews, language) for w in waves}
    kw = {"min_interviews": min_interviews, "min_net_change": min_net_change}
    ties = joint_display(joint_table(tie_change, c, kind="tie", kommune=kommune, **kw), instrument, language,
                         min_interviews)
    dims = joint_display(joint_table(rk_change, c, kind="dimension", kommune=kommune, **kw), instrument, language,
                         min_interviews, keep="all")
    themes = theme_display(theme_change(c, min_interviews, min_net_change, baseline=waves[0], followup=waves[1]),
                           instrument, language, min_interviews)
    return JointSection(
        heading=text("interviews.section_heading", language),
        intro=text("interviews.section_intro", language, n_baseline=n_wave[waves[0]], n_followup=n_wave[waves[1]]),
        tables=[(text("interviews.caption_ties", language), ties),
                (text("interviews.caption_dimensions", language), dims),
                (text("interviews.caption_themes", language), themes)],
        note=joint_note(language, min_interviews, min_net_change),
    )


def _per_kommune_joint(survey: dict[int, pd.DataFrame], codings: pd.DataFrame, kind: str, min_interviews: int,
                       min_net_change: float) -> pd.DataFrame:
    parts = [joint_table(s, codings, kind=kind, kommune=k, min_interviews=min_interviews,
                         min_net_change=min_net_change) for k, s in survey.items()
             if (codings["kommune"] == k).any()]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _structure_change(structures: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Documents' change per structure dimension (coders are researchers, not respondents: no threshold)."""
    from .change import compare_waves

    w = instrument.waves
    d = structures.assign(dimension=structures["dimension"].astype(str))
    out = compare_waves(d, dv="score", by=["dimension"], subject="coder", baseline=w.baseline,
                        followup=w.followup, min_n=None)
    return out.rename(columns={"dimension": "scale"})


def research_joint(tables, codings: pd.DataFrame, arms: dict[int, str],
                   targeted: dict[int, list[tuple[str, str]]] | None, instrument: Instrument, min_n: int = 5,
                   min_interviews: int = MIN_INTERVIEWS, min_net_change: float = MIN_NET_CHANGE) -> dict[str, pd.DataFrame]:
    """The survey and the interviews across kommuner: RQ4 (targeted ties), H1 (structures), H2 (leadership).

    Per kommune with interviews, :func:`joint_table` of its ties (:func:`relkap.report.tie_change`), its
    leadership scales (:func:`relkap.report.scale_change`) and its structure dimensions (the coded documents,
    follow-up minus baseline over coders); then counted over kommuner. Descriptive: with about ten kommuner
    the counts are not a test (the research notebook's models are).

    Parameters
    ----------
    tables : relkap.io.Tables (``relations``, ``scales``, ``citizens``, ``structures``).
    codings : the ``codings`` table.
    arms, targeted : kommune -> ``"intervention"``/``"control"``, and intervention kommune -> its targeted
        (rater, target) ties (as :func:`relkap.research.intervention_did` takes them).

    Returns
    -------
    dict with
    ``rq4``: one row per ``arm`` and ``ties`` (``targeted`` and ``other`` ties of intervention kommuner, every
    cross-group tie of control kommuner: ``all``) with ``n_kommuner, n_ties, interviews_up, interviews_down,
    survey_up, converge, diverge`` (ties counted over kommuner) and ``share_interviews_up``;
    ``h1`` and ``h2``: one row per structure dimension / leadership scale with ``n_kommuner`` (kommuner with
    interviews), ``interviews_up, interviews_down, survey_up, survey_down, converge, diverge`` (kommuner);
    ``ties``: the per-kommune tie rows behind ``rq4`` (``kommune, group, target, arm, ties,
    survey_direction, interview_direction, convergence``).
    """
    from .report import kommune_tables, scale_change
    from .report import tie_change as survey_tie_change
    from .research import LEADERSHIP_SCALES

    kommuner = sorted(int(k) for k in codings["kommune"].unique())
    per = {k: kommune_tables(tables, k) for k in kommuner}
    kw = {"min_interviews": min_interviews, "min_net_change": min_net_change}
    tie = _per_kommune_joint({k: survey_tie_change(t.relations, instrument, min_n=min_n) for k, t in per.items()},
                             codings, "tie", **kw)
    lead = {k: (lambda s: s[s["scale"].astype(str).isin(LEADERSHIP_SCALES)])(scale_change(t, instrument, min_n))
            for k, t in per.items()}
    h2 = _per_kommune_joint(lead, codings, "leadership", **kw)
    h1 = _per_kommune_joint({k: _structure_change(t.structures, instrument) for k, t in per.items()
                             if len(t.structures)}, codings, "structure", **kw)

    targeted = {int(k): {tuple(map(str, t)) for t in v} for k, v in (targeted or {}).items()}
    if len(tie):
        tie = tie[tie["group"] != tie["target"]].copy()
        tie["arm"] = [arms.get(int(k), "unknown") for k in tie["kommune"]]
        hit = [(g, t) in targeted.get(int(k), set()) for k, g, t in zip(tie["kommune"], tie["group"], tie["target"],
                                                                       strict=True)]
        tie["ties"] = np.where(tie["arm"] == "intervention", np.where(hit, "targeted", "other"), "all")
        rq4 = _counted(tie, ["arm", "ties"], "n_ties")
        rq4["share_interviews_up"] = rq4["interviews_up"] / rq4["n_ties"]
        order = {("intervention", "targeted"): 0, ("intervention", "other"): 1, ("control", "all"): 2}
        rq4 = (rq4.assign(_o=[order.get(x, 3) for x in zip(rq4["arm"], rq4["ties"], strict=True)])
               .sort_values("_o", kind="stable").drop(columns="_o").reset_index(drop=True))
        ties_out = tie[["kommune", "group", "target", "arm", "ties", "survey_direction", "interview_direction",
                        "convergence"]].reset_index(drop=True)
    else:
        rq4, ties_out = pd.DataFrame(), pd.DataFrame()
    order = {s.code: i for i, s in enumerate([*instrument.scales_for("structures"), *instrument.scales_for("employee")])}
    h1, h2 = ((lambda d: d.sort_values("scale", key=lambda x: x.map(order), kind="stable").reset_index(drop=True))(
        _counted(h, ["scale"], None)) for h in (h1, h2))
    return {"rq4": rq4, "h1": h1, "h2": h2, "ties": ties_out}


def _counted(joint: pd.DataFrame, by: list[str], n_rows: str | None) -> pd.DataFrame:
    """Per ``by``: kommuner (and rows) with each direction and each convergence judgement."""
    cols = [*by, "n_kommuner", *([n_rows] if n_rows else []), "interviews_up", "interviews_down", "survey_up",
            "survey_down", "converge", "diverge"]
    if joint.empty:
        return pd.DataFrame(columns=cols)
    j = joint.assign(interviews_up=joint["interview_direction"] == 1, interviews_down=joint["interview_direction"] == -1,
                     survey_up=joint["survey_direction"] == 1, survey_down=joint["survey_direction"] == -1,
                     converge=joint["convergence"] == "converge", diverge=joint["convergence"] == "diverge")
    g = j.groupby(by, sort=False, observed=True)
    out = g[["interviews_up", "interviews_down", "survey_up", "survey_down", "converge", "diverge"]].sum()
    out.insert(0, "n_kommuner", g["kommune"].nunique())
    if n_rows:
        out.insert(1, n_rows, g.size())
    return out.astype("int64").reset_index()[cols]


def research_display(joint: dict[str, pd.DataFrame], instrument: Instrument, language: Language = "da",
                     min_interviews: int = MIN_INTERVIEWS, min_net_change: float = MIN_NET_CHANGE) -> JointSection:
    """:func:`research_joint` for reading: RQ4, H1 and H2 tables with captions and the note (kommuner and ties
    counted; no interview count, quote or source name)."""
    check_language(language)

    def share(n, total):
        return text("interviews.share_of", language, n=int(n), total=int(total),
                    share=fmt.percent(n / total if total else float("nan"), language))

    tables = []
    rq4 = joint["rq4"]
    if len(rq4):
        rows = [{text("interviews.col_arm", language): text(f"interviews.arm_{r['arm']}", language)
                 if r["arm"] in ("intervention", "control") else text("glossary.arm_unknown", language),
                 text("interviews.col_ties", language): text(f"interviews.ties_{r['ties']}", language),
                 text("interviews.col_n_kommuner", language): str(int(r["n_kommuner"])),
                 text("interviews.col_interviews_up", language): share(r["interviews_up"], r["n_ties"]),
                 text("interviews.col_survey_up", language): share(r["survey_up"], r["n_ties"]),
                 text("interviews.col_converge", language): share(r["converge"], r["n_ties"]),
                 text("interviews.col_diverge", language): share(r["diverge"], r["n_ties"])}
                for r in rq4.to_dict("records")]
        tables.append((text("interviews.caption_rq4", language), pd.DataFrame(rows)))
    for key, up in (("h1", "col_documents_up"), ("h2", "col_survey_up")):
        d = joint[key]
        if not len(d):
            continue
        rows = [{text("glossary.scale", language): instrument.label(str(r["scale"]), language),
                 text("interviews.col_kommuner_with", language): str(int(r["n_kommuner"])),
                 text("interviews.col_interviews_up", language): share(r["interviews_up"], r["n_kommuner"]),
                 text(f"interviews.{up}", language): share(r["survey_up"], r["n_kommuner"]),
                 text("interviews.col_converge", language): share(r["converge"], r["n_kommuner"]),
                 text("interviews.col_diverge", language): share(r["diverge"], r["n_kommuner"])}
                for r in d.to_dict("records")]
        tables.append((text(f"interviews.caption_{key}", language), pd.DataFrame(rows)))
    return JointSection(heading=text("interviews.research_heading", language), intro="", tables=tables,
                        note=text("interviews.research_note", language, min_interviews=min_interviews,
                                  points=fmt.number(100 * min_net_change, 0, language)))
