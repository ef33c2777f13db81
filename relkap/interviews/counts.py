"""Quantitizing coded interviews: counts and shares of interviews per theme, and the joint table beside the survey.

Pure functions on the tidy ``codings`` table (:mod:`relkap.interviews.codings` (one row per kommune, wave, interview,
code and valence) and on the survey's wave comparisons (:func:`relkap.change.compare_waves`, e.g. the
report's ``tie_change`` / ``rk_change`` / ``scale_change``).

Quantitizing counts **interviews** (sources), never segments: an interview that speaks of a theme five times
counts once. Where several coders coded an interview, it counts as its **first coder** coded it (the first
of the project's Users, or of a table's coders, who coded it: column ``first_coder``); the other coders'
codings serve intercoder agreement (:func:`relkap.interviews.interview_agreement`) and are never added in.
Per kommune, wave and theme:

- ``n_interviews``: interviews of the kommune and wave (every interview with at least one coding);
- ``n_mention``, ``n_strength``, ``n_problem``, ``n_valenced``: interviews that speak of the theme at all, as
  a strength, as a problem, with either valence (an interview may count as both strength and problem);
- ``share = n_mention / n_interviews``, ``share_strength``, ``share_problem`` and the net valence
  ``net = share_strength - share_problem`` (from -1: every interview calls it a problem, to +1).

Privacy (as every shared product, README "Privacy"): quotes identify people and small counts identify
speakers. Tables here hold exact counts
(like ``compare_waves`` holds ``n``) with a ``suppressed`` flag; the display functions never print a count
below ``min_interviews`` (default :data:`MIN_INTERVIEWS` = 3), and a wave with fewer than ``min_interviews``
interviews shows no share, count or direction at all. No quote text and no source name enter any table.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = [
    "theme_shares",
    "theme_change",
    "joint_table",
    "interview_waves",
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


def _plain_values(column: pd.Series, blank: object = None) -> list:
    """A column as plain Python values, ``blank`` where missing (categories and strings as their values)."""
    values = column.astype(object).tolist()
    return [blank if v is None or v is pd.NA or (isinstance(v, float) and v != v) else v for v in values]


def _plain_dtype(column: pd.Series) -> object:
    """The dtype a key column keeps in the count tables: object for categories and strings, else its own."""
    return object if isinstance(column.dtype, pd.CategoricalDtype) or column.dtype == "string" else column.dtype


def _restore(d: pd.DataFrame) -> pd.DataFrame:
    for col in ("rater", "target"):
        if col in d.columns:
            d[col] = d[col].astype(object).where(d[col] != "", None)
    return d


def interview_waves(codings: pd.DataFrame, baseline: str | None, followup: str | None) -> list[str]:
    """The two waves compared: ``baseline`` and ``followup`` when given, else the codings' wave labels in order
    (of three or more, the first and the last with codings: interviews are compared over the whole period)."""
    if baseline is not None and followup is not None:
        return [baseline, followup]
    w = codings["wave"]
    labels = [str(x) for x in (w.cat.categories if isinstance(w.dtype, pd.CategoricalDtype) else sorted(w.unique()))]
    if len(labels) <= 2:
        return labels
    present = [x for x in labels if x in set(w.astype(str))]
    return [present[0], present[-1]] if len(present) >= 2 else labels[:1] + labels[-1:]


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


def _tally(codings: pd.DataFrame, by: list[str], waves: Sequence[str] | None
           ) -> tuple[list, dict[tuple, None], dict[tuple, tuple[set, set, set, set]], dict[tuple, set]]:
    """The waves and, in one pass over the rows (a kommune's codings are a few hundred), the themes (``*by,
    theme_kind, theme, rater, target``, "" for no rater/target, in order of first appearance), the
    interviews (sources) behind each theme and wave (all, strength, problem, valenced) and those of each wave."""
    if "first_coder" in codings.columns:  # each interview counted as its first coder coded it
        codings = codings[codings["first_coder"].fillna(True).to_numpy(dtype=bool)]
    wave_list = list(waves) if waves is not None else interview_waves(codings, None, None)
    cols = {col: _plain_values(codings[col], "" if col in THEME_KEYS else None)
            for col in [*by, "wave", "source", *THEME_KEYS, "valence"]}
    counted: dict[tuple, tuple[set, set, set, set]] = {}
    totals: dict[tuple, set] = {}
    themes: dict[tuple, None] = {}
    for row in zip(*cols.values(), strict=True):
        *cell, wave, source, kind, theme, rater, target, valence = row
        themes.setdefault((*cell, kind, theme, rater, target))
        if source is None:  # no interview to count
            continue
        totals.setdefault((*cell, wave), set()).add(source)
        sets = counted.setdefault((*cell, wave, kind, theme, rater, target), (set(), set(), set(), set()))
        sets[0].add(source)
        if valence is not None:
            sets[3].add(source)
            if valence == "strength":
                sets[1].add(source)
            elif valence == "problem":
                sets[2].add(source)
    return wave_list, themes, counted, totals


_NONE: tuple[set, ...] = (set(),) * 4  # the interviews of a theme not spoken of in a wave


def _wide_counts(codings: pd.DataFrame, min_interviews: int, by: Sequence[str], waves: Sequence[str]
                 ) -> pd.DataFrame:
    """``_wide(_shares(...))`` in one step: per theme (keys sorted, as an outer merge of the waves orders
    them), the interviews of each wave and those speaking of the theme (``n_interviews_<w>``, ...)."""
    by = list(by)
    wave_list, themes, counted, totals = _tally(codings, by, waves)
    try:
        keys = sorted(themes)
    except TypeError:  # a missing ``by`` value: let pandas order it
        shares = _shares(codings, min_interviews, by, waves)
        return _wide(shares, [*by, *THEME_KEYS], list(waves))
    n_by = len(by)
    out = pd.DataFrame({
        **{col: pd.Series([key[i] for key in keys], dtype=_plain_dtype(codings[col])) for i, col in enumerate(by)},
        **{col: pd.Series([key[n_by + i] for key in keys], dtype=object) for i, col in enumerate(THEME_KEYS)},
    })
    for w in wave_list:
        found = [counted.get((*key[:n_by], w, *key[n_by:]), _NONE) for key in keys]
        out[f"n_interviews_{w}"] = np.array([len(totals.get((*key[:n_by], w), ())) for key in keys], dtype=np.int64)
        for i, col in enumerate(COUNTS):
            out[f"{col}_{w}"] = np.array([len(f[i]) for f in found], dtype=np.int64)
    return out


def _shares(codings: pd.DataFrame, min_interviews: int = MIN_INTERVIEWS, by: Sequence[str] = ("kommune",),
            waves: Sequence[str] | None = None) -> pd.DataFrame:
    """The counts of :func:`theme_shares` with "" for absent rater/target."""
    by = list(by)
    wave_list, themes, counted, totals = _tally(codings, by, waves)
    grid = [(key, w) for key in themes for w in wave_list]  # every theme in every wave
    n_by = len(by)
    found = [counted.get((*key[:n_by], w, *key[n_by:]), _NONE) for key, w in grid]
    out = pd.DataFrame({
        **{col: pd.Series([key[i] for key, _ in grid], dtype=_plain_dtype(codings[col]))
           for i, col in enumerate(by)},
        "wave": [w for _, w in grid],
        **{col: pd.Series([key[n_by + i] for key, _ in grid], dtype=object) for i, col in enumerate(THEME_KEYS)},
        **{col: np.array([len(f[i]) for f in found], dtype=np.int64) for i, col in enumerate(COUNTS)},
        "n_interviews": np.array([len(totals.get((*key[:n_by], w), ())) for key, w in grid], dtype=np.int64),
    })
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
    new: dict[str, pd.Series] = {}  # added in one concat (a column at a time costs more)
    for w in waves:
        sup = d[f"n_interviews_{w}"] < min_interviews
        denom = d[f"n_interviews_{w}"].where(~sup).astype("float64")
        new[f"share_{w}"] = d[f"n_mention_{w}"] / denom
        new[f"net_{w}"] = (d[f"n_strength_{w}"] - d[f"n_problem_{w}"]) / denom
    new["share_change"] = new[f"share_{f}"] - new[f"share_{b}"]
    new["net_change"] = new[f"net_{f}"] - new[f"net_{b}"]
    new["n_valenced"] = d[f"n_valenced_{b}"] + d[f"n_valenced_{f}"]
    new["interviews_suppressed"] = (d[f"n_interviews_{b}"] < min_interviews) | (d[f"n_interviews_{f}"] < min_interviews)
    clear = (~new["interviews_suppressed"] & (new["n_valenced"] >= min_interviews)
             & (new["net_change"].abs() >= min_net_change - 1e-12))
    new["interview_direction"] = pd.Series(pd.array(np.where(clear, np.sign(new["net_change"].fillna(0)), 0),
                                                    dtype="Int8"), index=d.index)
    if d.columns.isin(list(new)).any() or not d.columns.is_unique:
        for column, values in new.items():
            d[column] = values
        return d
    return pd.concat([d, pd.DataFrame(new, index=d.index)], axis=1)


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
    waves = interview_waves(codings, baseline, followup)
    d = _wide_counts(codings, min_interviews, by, waves)
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
    codings : the tidy codings table (:mod:`relkap.interviews`).
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
    waves = interview_waves(codings, baseline, followup)
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
    if len(themes):
        iv = _wide_counts(themes, min_interviews, ["kommune"], waves)
        if kind == "tie":
            iv = iv.rename(columns={"rater": "group"})
        else:
            iv = iv.rename(columns={"theme": keys[0]})
        iv = iv[["kommune", *keys, *[col for col in iv.columns if col.startswith("n_")]]]
        if iv.duplicated(["kommune", *keys]).any():  # themes sharing a key add up (the outer merge sorts)
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
