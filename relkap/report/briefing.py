"""The report's answer first: title block, key points, most changed ties, targeted ties and a dialogue guide.

Pure functions on the report's tidy tables, for a kommune's reference group (department heads and staff who
are not statisticians):

- a tie table as :func:`relkap.change.compare_waves` by ``group, target`` gives it (``group, target,
  diagonal, n_baseline, n_followup, mean_baseline, mean_followup, diff, diff_ci_low, diff_ci_high, p_val,
  p_fdr, suppressed``; optionally ``test``, ``mdc``);
- the RK index row (``rk_change``'s row ``dimension == "rk"``, the same columns);
- the tie scores of a wave (``tie_scores``: ``group, target, n, mean, suppressed``);
- response rates (:func:`relkap.report.response.response_rates`) and the kommune's parameters.

The dialogue guide (three ties to talk about first) is :mod:`relkap.report.dialogue`; the methods and limitations
:mod:`relkap.report.methods`; response rates :mod:`relkap.report.response`.

Each returns a small DataFrame or list of dicts (data), and a twin gives the sentences in Danish or English
from the catalogue's section ``briefing`` (:mod:`relkap.words`), numbers from :mod:`relkap.fmt`. Certainty
is said in words: "statistisk sikker" when the adjusted p (``p_fdr``, the glossary's definition) is below
``alpha``, otherwise "kan skyldes tilfældigheder".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import fmt, words
from ..checks import check_columns
from ..instrument import Instrument
from ..labels import CHANGE_LIMIT, default_instrument, label, wave_label
from ..words import Language
from .response import LOW_RESPONSE, TOTAL, low_response_groups

__all__ = [
    "ALPHA",
    "certainty",
    "certainty_word",
    "tie_name",
    "tie_pairs",
    "join_list",
    "reportable",
    "index_row",
    "index_sentence",
    "headline",
    "title_block",
    "most_changed",
    "most_changed_table",
    "TargetedComparison",
    "targeted_comparison",
    "targeted_text",
    "targeted_caveats",
    "targeted_table",
    "key_points",
    "key_point_sentences",
    "reading_guide",
    "received_perceived_gap",
    "summary_extra",
]

ALPHA = 0.05
_TIE_COLUMNS = ("group", "target", "n_baseline", "n_followup", "diff", "suppressed")


# ----------------------------------------------------------------------------------------------------
# Small shared pieces
# ----------------------------------------------------------------------------------------------------
def certainty(p: object, alpha: float = ALPHA) -> str:
    """``"significant"`` (p < alpha), ``"uncertain"`` or ``"untested"`` (no p: suppressed or not tested).

    Examples
    --------
    >>> certainty(0.01), certainty(0.2), certainty(float("nan"))
    ('significant', 'uncertain', 'untested')
    """
    if fmt.missing(p):
        return "untested"
    return "significant" if float(p) < alpha else "uncertain"


def certainty_word(code: str, language: Language) -> str:
    """The word for a :func:`certainty` code in ``language``, as tables and sentences show it.

    Examples
    --------
    >>> certainty_word("significant", "en") != certainty_word("significant", "da")
    True
    """
    return words.text(f"briefing.certainty.{code}", language)


def tie_name(a: object, b: object, language: Language = "da", instrument: Instrument | None = None,
             targeted: bool = False) -> str:
    """"A → B" with the codebook's group labels; "◆ " before it when the tie was ``targeted``.

    Examples
    --------
    >>> tie_name("myndighed", "skole", "en", targeted=True)
    '◆ Case managers → Schools'
    """
    inst = default_instrument(instrument)
    name = words.text("briefing.tie", language, rater=label(a, language, inst), target=label(b, language, inst))
    return f"{words.text('briefing.targeted_mark', language)} {name}" if targeted else name


def join_list(items: Sequence[str], language: Language) -> str:
    """"a, b og c" / "a, b and c"."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + words.text("briefing.list_and", language) + items[-1]


def tie_pairs(ties: Iterable | None) -> set[tuple[str, str]]:
    """Ties given as (rater, target) pairs (e.g. a kommune's targeted ties) as a set of string pairs.

    Examples
    --------
    >>> sorted(tie_pairs([("myndighed", "skole"), ["ppr", "skole"]]))
    [('myndighed', 'skole'), ('ppr', 'skole')]
    """
    return {(str(a), str(b)) for a, b in (ties or [])}


def _is_targeted(data: pd.DataFrame, targeted: set[tuple[str, str]]) -> pd.Series:
    return pd.Series([(str(a), str(b)) in targeted for a, b in zip(data["group"], data["target"], strict=True)],
                     index=data.index, dtype=bool)


def reportable(ties: pd.DataFrame, min_n: int = 5) -> pd.Series:
    """Cross-group ties with a change to report: not suppressed, not the diagonal, at least ``min_n``
    answers in both waves and a ``diff``."""
    check_columns(ties, _TIE_COLUMNS, "ties")
    diagonal = (ties["diagonal"].astype(bool) if "diagonal" in ties.columns
                else ties["group"].astype(str) == ties["target"].astype(str))
    n_ok = (pd.to_numeric(ties["n_baseline"], errors="coerce").fillna(0) >= min_n) & (
        pd.to_numeric(ties["n_followup"], errors="coerce").fillna(0) >= min_n)
    sup = ties["suppressed"].map(lambda x: True if fmt.missing(x) else bool(x)).astype(bool)
    return ~sup & ~diagonal & n_ok & ties["diff"].notna()


# ----------------------------------------------------------------------------------------------------
# The RK index: the headline
# ----------------------------------------------------------------------------------------------------
def index_row(rk: pd.DataFrame) -> pd.Series | None:
    """The RK index row of an ``rk_change`` table (``dimension == "rk"``, or its only row); None if absent."""
    if rk is None or len(rk) == 0:
        return None
    if "dimension" in rk.columns:
        rows = rk[rk["dimension"].astype(str) == "rk"]
        return rows.iloc[0] if len(rows) else None
    return rk.iloc[0]


def _has_followup(row: pd.Series | None) -> bool:
    return row is not None and not fmt.missing(row.get("n_followup")) and float(row["n_followup"]) > 0


def index_sentence(rk: pd.DataFrame, language: Language = "da", p: str = "p_fdr", alpha: float = ALPHA,
                   instrument: Instrument | None = None) -> str:
    """The index change in one plain sentence with its certainty in words (no markdown).

    A change that rounds to 0,00, or whose means round to the same value, reads "uændret" (never "faldet
    fra 3,34 til 3,34"). A non-significant change says it may be chance and, when the table has a minimum
    detectable change (``mdc``), how large a change would have had to be.

    Examples
    --------
    >>> rk = pd.DataFrame({"dimension": ["rk"], "n_baseline": [49], "n_followup": [53],
    ...     "mean_baseline": [3.3414], "mean_followup": [3.3393], "diff": [-0.0021], "p_fdr": [0.99],
    ...     "suppressed": [False]})
    >>> index_sentence(rk)
    'Samarbejdet mellem grupperne (RK-indeks) er uændret på 3,34; ændringen er ikke statistisk sikker og kan skyldes tilfældigheder.'
    """
    inst = default_instrument(instrument)
    row = index_row(rk)
    if row is None or (bool(row.get("suppressed", False)) and not _has_followup(row)
                       and fmt.missing(row.get("mean_baseline"))):
        return words.text("briefing.key.index_suppressed", language)
    before = fmt.number(row.get("mean_baseline"), 2, language)
    if not _has_followup(row):
        if not before:
            return words.text("briefing.key.index_suppressed", language)
        return words.text("briefing.key.index_baseline_only", language, before=before, min=inst.scale.min,
                          max=inst.scale.max)
    if bool(row.get("suppressed", False)) or fmt.missing(row.get("diff")):
        return words.text("briefing.key.index_suppressed", language)
    after = fmt.number(row["mean_followup"], 2, language)
    diff = fmt.signed(row["diff"], 2, language)
    code = certainty(row.get(p), alpha)
    if code == "significant":
        clause = words.text("briefing.certainty_clause.significant", language)
    elif "mdc" in row.index and not fmt.missing(row["mdc"]):
        clause = words.text("briefing.certainty_clause.uncertain_mdc", language,
                            mdc=fmt.number(abs(float(row["mdc"])), 2, language))
    else:
        clause = words.text("briefing.certainty_clause.uncertain", language)
    zero = fmt.number(0.0, 2, language)
    if diff == zero or before == after:
        return words.text("briefing.key.index_same", language, before=before, certainty=clause)
    kind = "index_up" if float(row["diff"]) > 0 else "index_down"
    return words.text(f"briefing.key.{kind}", language, before=before, after=after, diff=diff, certainty=clause)


def headline(rk: pd.DataFrame, language: Language = "da", p: str = "p_fdr", alpha: float = ALPHA,
             instrument: Instrument | None = None) -> str:
    """:func:`index_sentence` as markdown: bold only when the change is statistically significant."""
    sentence = index_sentence(rk, language, p, alpha, instrument)
    row = index_row(rk)
    if row is not None and _has_followup(row) and certainty(row.get(p), alpha) == "significant":
        return words.text("briefing.headline.significant", language, sentence=sentence)
    return sentence


def title_block(name: str, kommune: int, params=None, has_followup: bool = True, language: Language = "da",
                instrument: Instrument | None = None) -> str:
    """The report's title block as markdown: title, arm (intervention/control/not given), focal process,
    targeted ties (◆) and the waves.

    Examples
    --------
    >>> from relkap.params import KommuneParams
    >>> kp = KommuneParams(kommune=336, name="Stevns", groups=["myndighed", "udfoerer"], arm="intervention",
    ...                    focal_process="Psykisk sårbarhed", targeted_ties=[("myndighed", "udfoerer")])
    >>> print(title_block("Stevns", 336, kp, language="en"))  # doctest: +NORMALIZE_WHITESPACE
    # Relational capacity in Stevns
    <BLANKLINE>
    Stevns is an **intervention kommune** in the project: between baseline and follow-up it worked on selected ties.
    <BLANKLINE>
    **Focal work process:** Psykisk sårbarhed
    <BLANKLINE>
    **Ties you worked on** (◆): Case managers → Family treatment providers.
    <BLANKLINE>
    Baseline and follow-up. Kommune code 336.
    """
    inst = default_instrument(instrument)
    lines = ["# " + words.text("briefing.title.heading", language, name=name)]
    arm = getattr(params, "arm", None)
    arm = arm if arm in ("intervention", "control") else "unknown"
    lines.append(words.text(f"briefing.title.{arm}", language, name=name))
    if getattr(params, "focal_process", None):
        lines.append(words.text("briefing.title.focal", language, focal_process=params.focal_process))
    targeted = list(getattr(params, "targeted_ties", []) or [])
    if arm == "intervention" and targeted:
        lines.append(words.text("briefing.title.targeted", language,
                                ties=join_list([tie_name(a, b, language, inst) for a, b in targeted], language)))
    lines.append(words.text("briefing.title.waves" if has_followup else "briefing.title.baseline_only",
                            language, kommune=int(kommune)))
    return "\n\n".join(lines)


# ----------------------------------------------------------------------------------------------------
# The ties that changed most
# ----------------------------------------------------------------------------------------------------
_MOST_COLUMNS = ["direction", "rank", "group", "target", "n_baseline", "n_followup", "mean_baseline",
                 "mean_followup", "diff", "diff_ci_low", "diff_ci_high", "p", "certainty", "targeted"]


def most_changed(ties: pd.DataFrame, k: int = 3, min_n: int = 5, p: str = "p_fdr", alpha: float = ALPHA,
                 targeted: Iterable[tuple[str, str]] = ()) -> pd.DataFrame:
    """The ``k`` largest improvements and the ``k`` largest declines, by the size of the change on the scale.

    Only :func:`reportable` ties count (cross-group, not suppressed, at least ``min_n`` answers in both
    waves). Improvements (``diff > 0``) and declines (``diff < 0``) are ranked apart by ``|diff|``, so a
    kommune where every tie rose lists no declines rather than its smallest rises.

    Returns
    -------
    DataFrame
        ``direction`` ("up"/"down"), ``rank`` (1 = largest), ``group, target, n_baseline, n_followup,
        mean_baseline, mean_followup, diff, diff_ci_low, diff_ci_high``, ``p`` (the ``p`` column),
        ``certainty`` (:func:`certainty`) and ``targeted``.

    Examples
    --------
    >>> ties = pd.DataFrame({"group": list("aabbc"), "target": list("bcacb"), "n_baseline": 8, "n_followup": 9,
    ...     "diff": [0.04, 0.38, -0.24, 0.30, 0.77], "p_fdr": [0.9, 0.3, 0.5, 0.4, 0.02], "suppressed": False})
    >>> most_changed(ties, k=2)[["direction", "rank", "group", "target", "diff", "certainty"]]
      direction  rank group target  diff    certainty
    0        up     1     c      b  0.77  significant
    1        up     2     a      c  0.38    uncertain
    2      down     1     b      a -0.24    uncertain
    """
    ok = ties[reportable(ties, min_n)]
    is_t = _is_targeted(ok, tie_pairs(targeted))
    parts = []
    for direction, sign in (("up", 1.0), ("down", -1.0)):
        part = ok[np.sign(ok["diff"].astype(float)) == sign].assign(_abs=lambda d: d["diff"].abs())
        part = part.sort_values(["_abs", "group", "target"], ascending=[False, True, True], kind="stable").head(k)
        parts.append(pd.DataFrame({
            "direction": direction, "rank": np.arange(1, len(part) + 1),
            "group": part["group"].astype(str), "target": part["target"].astype(str),
            **{c: part[c] if c in part.columns else np.nan for c in _MOST_COLUMNS[4:11]},
            "p": part[p] if p in part.columns else np.nan,
            "certainty": [certainty(v, alpha) for v in (part[p] if p in part.columns else [np.nan] * len(part))],
            "targeted": is_t.loc[part.index].to_numpy(dtype=bool),
        }))
    return pd.concat(parts, ignore_index=True)[_MOST_COLUMNS]


def most_changed_table(most: pd.DataFrame, language: Language = "da", instrument: Instrument | None = None,
                       min_n: int = 5) -> pd.DataFrame:
    """:func:`most_changed` for reading: direction, tie (◆ when targeted), n, means, change, CI, certainty."""
    inst = default_instrument(instrument)
    t = words.text
    rows = []
    for r in most.itertuples(index=False):
        rows.append({
            t("briefing.most_changed.col_direction", language): t(f"briefing.most_changed.{r.direction}", language),
            t("glossary.tie", language): tie_name(r.group, r.target, language, inst, bool(r.targeted)),
            f"n ({t('glossary.baseline_lower', language)})": fmt.count(r.n_baseline, min_n, language),
            f"n ({t('glossary.followup_lower', language)})": fmt.count(r.n_followup, min_n, language),
            t("glossary.baseline", language): fmt.number(r.mean_baseline, 2, language),
            t("glossary.followup", language): fmt.number(r.mean_followup, 2, language),
            t("glossary.change", language): fmt.signed(r.diff, 2, language),
            t("glossary.ci_short", language): fmt.ci(r.diff_ci_low, r.diff_ci_high, language),
            t("briefing.most_changed.col_certainty", language): certainty_word(r.certainty, language),
        })
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------------------
# Targeted ties against the kommune's other ties
# ----------------------------------------------------------------------------------------------------
@dataclass
class TargetedComparison:
    """The targeted ties of an intervention kommune against its other cross-group ties.

    ``ties``: one row per targeted tie (``group, target, reportable, n_baseline, n_followup,
    mean_baseline, mean_followup, diff, diff_ci_low, diff_ci_high, p, certainty, improved``; values NaN
    when not reportable). ``groups``: two rows, ``kind`` "targeted" and "other", with ``n_ties`` (reportable
    ties), ``mean_diff`` (unweighted mean change over them), ``n_improved``, ``n_significant``.
    ``hidden``: the targeted ties without enough answers.
    """

    ties: pd.DataFrame
    groups: pd.DataFrame
    hidden: list[tuple[str, str]] = field(default_factory=list)

    def value(self, kind: str, column: str):
        """One number of ``groups`` (``kind`` "targeted"/"other")."""
        return self.groups.set_index("kind").loc[kind, column]


def targeted_comparison(ties: pd.DataFrame, targeted: Iterable[tuple[str, str]], min_n: int = 5,
                        p: str = "p_fdr", alpha: float = ALPHA) -> TargetedComparison:
    """How the ties the kommune worked on changed, against its other cross-group ties (descriptive).

    No test: the targeted ties were chosen (often the weak ones, so regression to the mean favours them)
    and the ties of one kommune share raters; whether the intervention works is the cross-kommune
    difference-in-differences (:func:`relkap.change.did`). Say so with :func:`targeted_caveats`.

    Examples
    --------
    >>> ties = pd.DataFrame({"group": list("aabbc"), "target": list("bcacb"), "n_baseline": [8, 8, 8, 3, 8],
    ...     "n_followup": 9, "diff": [0.6, 0.1, -0.1, 0.4, 0.2], "p_fdr": [0.02, 0.7, 0.8, 0.5, 0.6],
    ...     "suppressed": [False, False, False, True, False]})
    >>> c = targeted_comparison(ties, [("a", "b"), ("b", "c")])
    >>> c.groups.round(2).to_dict("records")
    [{'kind': 'targeted', 'n_ties': 1, 'mean_diff': 0.6, 'n_improved': 1, 'n_significant': 1}, {'kind': 'other', 'n_ties': 3, 'mean_diff': 0.07, 'n_improved': 2, 'n_significant': 0}]
    >>> c.hidden
    [('b', 'c')]
    """
    wanted = list(dict.fromkeys((str(a), str(b)) for a, b in targeted))
    ok = reportable(ties, min_n)
    is_t = _is_targeted(ties, set(wanted))
    cols = ["n_baseline", "n_followup", "mean_baseline", "mean_followup", "diff", "diff_ci_low", "diff_ci_high"]
    keyed = ties.assign(_key=list(zip(ties["group"].astype(str), ties["target"].astype(str), strict=True)),
                        _ok=ok).set_index("_key")
    rows, hidden = [], []
    for a, b in wanted:
        have = (a, b) in keyed.index and bool(keyed.loc[[(a, b)], "_ok"].iloc[0])
        r = keyed.loc[[(a, b)]].iloc[0] if have else None
        row = {"group": a, "target": b, "reportable": have}
        for c in cols:
            row[c] = r[c] if have and c in r.index else np.nan
        pv = r[p] if have and p in r.index else np.nan
        row.update({"p": pv, "certainty": certainty(pv, alpha) if have else "untested",
                    "improved": bool(have and r["diff"] > 0)})
        rows.append(row)
        if not have:
            hidden.append((a, b))
    per_tie = pd.DataFrame(rows, columns=["group", "target", "reportable", *cols, "p", "certainty", "improved"])
    groups = []
    for kind, mask in (("targeted", ok & is_t), ("other", ok & ~is_t)):
        part = ties[mask]
        pv = part[p] if p in part.columns else pd.Series(np.nan, index=part.index)
        groups.append({"kind": kind, "n_ties": int(len(part)),
                       "mean_diff": float(part["diff"].mean()) if len(part) else np.nan,
                       "n_improved": int((part["diff"] > 0).sum()),
                       "n_significant": int(((pv < alpha) & (part["diff"] > 0)).sum())})
    return TargetedComparison(per_tie, pd.DataFrame(groups), hidden)


def targeted_text(comp: TargetedComparison, language: Language = "da",
                  instrument: Instrument | None = None) -> list[str]:
    """The comparison in plain sentences (paragraphs): mean change of targeted and other ties, how many
    improved, which targeted ties are hidden."""
    inst = default_instrument(instrument)
    n_t = int(comp.value("targeted", "n_ties"))
    out = []
    if n_t == 0:
        out.append(words.text("briefing.targeted.none", language))
    else:
        n_o = int(comp.value("other", "n_ties"))
        mt, mo = comp.value("targeted", "mean_diff"), comp.value("other", "mean_diff")
        out.append(words.text_n("briefing.targeted.summary", n_t, language, n_targeted=n_t, n_other=n_o,
                              mean_targeted=fmt.signed(mt, 2, language), mean_other=fmt.signed(mo, 2, language),
                              difference=fmt.signed(mt - mo, 2, language) if n_o else ""))
        out.append(words.text("briefing.targeted.improved", language, n_targeted=n_t,
                              n_improved=int(comp.value("targeted", "n_improved")),
                              n_significant=int(comp.value("targeted", "n_significant"))))
    if comp.hidden:
        out.append(words.text("briefing.targeted.hidden", language,
                              ties=join_list([tie_name(a, b, language, inst) for a, b in comp.hidden], language)))
    return out


def targeted_caveats(language: Language = "da") -> list[str]:
    """What the comparison cannot say: the ties were chosen, regression to the mean, no control in one kommune."""
    return [words.text(f"briefing.targeted.caveat_{k}", language) for k in ("chosen", "regression", "control")]


def targeted_table(comp: TargetedComparison, language: Language = "da") -> pd.DataFrame:
    """The two rows of the comparison for reading: ties, number, mean change, improved, significant."""
    t = words.text
    rows = []
    for g in comp.groups.itertuples(index=False):
        rows.append({t("briefing.targeted.col_group", language): t(f"briefing.targeted.row_{g.kind}", language),
                     t("briefing.targeted.col_n_ties", language): str(g.n_ties),
                     t("briefing.targeted.col_mean_diff", language): fmt.signed(g.mean_diff, 2, language),
                     t("briefing.targeted.col_improved", language): str(g.n_improved),
                     t("briefing.targeted.col_significant", language): str(g.n_significant)})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------------------
# "Det vigtigste": key points (data) and their sentences
# ----------------------------------------------------------------------------------------------------
def key_points(rk: pd.DataFrame, ties: pd.DataFrame | None = None, rates: pd.DataFrame | None = None,
               params=None, k: int = 2, min_n: int = 5, p: str = "p_fdr", alpha: float = ALPHA,
               name: str | None = None) -> list[dict]:
    """The data of at most five key points, in reading order.

    ``index`` (the RK index change), ``up`` and ``down`` (the ``k`` largest improvements and declines of
    :func:`most_changed`), ``targeted`` (intervention kommune: :func:`targeted_comparison`) or ``control``
    (control kommune), and ``response`` (the wave totals of :func:`relkap.report.response.response_rates`).
    Each point is a dict with ``kind`` and plain values (JSON-ready, for ``summary.json``).
    """
    row = index_row(rk)
    points: list[dict] = [{"kind": "index", **_plain(row, ["n_baseline", "n_followup", "mean_baseline",
                                                           "mean_followup", "diff", "diff_ci_low", "diff_ci_high",
                                                           p, "mdc", "suppressed"]),
                           "certainty": certainty(row.get(p), alpha) if _has_followup(row) else "untested",
                           "has_followup": _has_followup(row)}]
    if ties is not None and _has_followup(row):
        targeted = getattr(params, "targeted_ties", []) or []
        most = most_changed(ties, k=k, min_n=min_n, p=p, alpha=alpha, targeted=targeted)
        for direction in ("up", "down"):
            part = most[most["direction"] == direction]
            points.append({"kind": direction, "ties": [
                {"group": r.group, "target": r.target, "diff": _num(r.diff), "p": _num(r.p),
                 "certainty": r.certainty, "targeted": bool(r.targeted)} for r in part.itertuples(index=False)]})
        arm = getattr(params, "arm", None)
        if arm == "intervention" and targeted:
            comp = targeted_comparison(ties, targeted, min_n=min_n, p=p, alpha=alpha)
            points.append({"kind": "targeted", **{f"{c}_{g.kind}": _num(getattr(g, c))
                                                  for g in comp.groups.itertuples(index=False)
                                                  for c in ("n_ties", "mean_diff", "n_improved", "n_significant")}})
        elif arm == "control":
            points.append({"kind": "control", "name": name or getattr(params, "name", "")})
    if rates is not None and len(rates):
        tot = rates[rates["group"] == TOTAL]
        points.append({"kind": "response", "waves": [
            {"wave": str(r.wave), "n": _num(r.n), "invited": _num(r.invited), "rate": _num(r.rate),
             "low": bool(r.low), "status": r.status} for r in tot.itertuples(index=False)],
            "low_groups": [{"group": str(g), "wave": str(w)} for g, w in
                           rates.loc[rates["low"] & (rates["group"] != TOTAL), ["group", "wave"]].itertuples(index=False)]})
    return points[:5]


def _num(v):
    if fmt.missing(v):
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    return round(float(v), 6)


def _plain(row: pd.Series | None, cols: list[str]) -> dict:
    if row is None:
        return {}
    return {c: _num(row[c]) for c in cols if c in row.index}


def key_point_sentences(points: list[dict], language: Language = "da", instrument: Instrument | None = None,
                        rates: pd.DataFrame | None = None, p: str = "p_fdr", alpha: float = ALPHA,
                        low: float | None = None) -> list[str]:
    """One plain sentence per key point of :func:`key_points` (at most five), in ``language``."""
    inst = default_instrument(instrument)
    out = []
    for pt in points:
        kind = pt["kind"]
        if kind == "index":
            row = pd.DataFrame([{k: (np.nan if v is None else v) for k, v in pt.items() if k != "kind"}])
            row.insert(0, "dimension", "rk")
            out.append(index_sentence(row, language, p, alpha, inst))
        elif kind in ("up", "down"):
            if not pt["ties"]:
                out.append(words.text(f"briefing.key.no_{kind}", language))
                continue
            items = [words.text("briefing.key.tie_change", language,
                                tie=tie_name(t["group"], t["target"], language, inst, t["targeted"]),
                                diff=fmt.signed(t["diff"], 2, language),
                                certainty=certainty_word(t["certainty"], language)) for t in pt["ties"]]
            out.append(words.text(f"briefing.key.{kind}", language, ties=join_list(items, language)))
        elif kind == "targeted":
            if not pt["n_ties_targeted"]:
                out.append(words.text("briefing.key.targeted_none", language))
                continue
            out.append(words.text_n("briefing.key.targeted", pt["n_ties_targeted"], language, n_targeted=pt["n_ties_targeted"],
                                  n_other=pt["n_ties_other"], n_improved=pt["n_improved_targeted"],
                                  mean_targeted=fmt.signed(pt["mean_diff_targeted"], 2, language),
                                  mean_other=fmt.signed(pt["mean_diff_other"], 2, language)))
        elif kind == "control":
            out.append(words.text("briefing.key.control", language, name=pt["name"]))
        elif kind == "response":
            out.append(_response_sentence(pt, language, inst, rates, LOW_RESPONSE if low is None else low))
    return out[:5]


def _response_sentence(pt: dict, language: Language, inst: Instrument, rates: pd.DataFrame | None,
                       low: float) -> str:
    waves = pt["waves"]
    given = [w for w in waves if w["status"] == "given"]
    if not given:
        parts = [words.text("briefing.key.response_unknown_part", language,
                            wave=wave_label(w["wave"], language, inst).lower(), n=fmt.count(w["n"], None, language))
                 for w in waves]
        return words.text("briefing.key.response_unknown", language, parts=", ".join(parts))
    parts = [words.text("briefing.key.response_part", language, wave=wave_label(w["wave"], language, inst).lower(),
                        rate=fmt.percent(w["rate"], language), n=fmt.count(w["n"], None, language), invited=fmt.count(w["invited"], None, language))
             for w in given]
    low_groups = (low_response_groups(rates, language, inst) if rates is not None else
                  [words.text("briefing.key.group_wave", language, group=label(g["group"], language, inst),
                              wave=wave_label(g["wave"], language, inst).lower()) for g in pt["low_groups"]])
    low_text = (words.text("briefing.key.response_low", language, threshold=fmt.percent(low, language),
                           groups=join_list(low_groups, language)) if low_groups else "")
    return words.text("briefing.key.response", language, parts=", ".join(parts), low=low_text)


# ----------------------------------------------------------------------------------------------------
# Reading guide, received/perceived gap, summary.json
# ----------------------------------------------------------------------------------------------------
def reading_guide(language: Language = "da", instrument: Instrument | None = None, min_n: int = 5,
                  alpha: float = ALPHA, targeted: bool = False, limit: float = CHANGE_LIMIT) -> list[str]:
    """"Sådan læser du rapporten": the points a first-time reader needs (scale and bands, what a tie is,
    change and its colours, certainty, hidden cells, the ◆ of targeted ties, dialogue not blame)."""
    inst = default_instrument(instrument)
    b = inst.bands
    out = [words.text("briefing.reading.scale", language, min=inst.scale.min, max=inst.scale.max,
                      weak=fmt.number(b.weak_below, 1, language), strong=fmt.number(b.strong_above, 1, language)),
           words.text("briefing.reading.tie", language),
           words.text("briefing.reading.change", language, limit=fmt.number(limit, 1, language)),
           words.text("briefing.reading.certainty", language, alpha=fmt.number(alpha, 2, language)),
           words.text("briefing.reading.suppressed", language, min_n=min_n)]
    if targeted:
        out.append(words.text("briefing.reading.targeted", language))
    out.append(words.text("briefing.reading.dialogue", language))
    return out


def received_perceived_gap(rp: pd.DataFrame) -> pd.DataFrame:
    """``received_perceived`` with ``gap`` = received - perceived (positive: the others rate the group
    higher than the group rates them), the number to discuss."""
    check_columns(rp, ("received", "perceived"), "rp")
    return rp.assign(gap=rp["received"] - rp["perceived"])


SUMMARY_SCHEMA = 3


def summary_extra(params=None, ties: pd.DataFrame | None = None, rates: pd.DataFrame | None = None,
                  points: list[dict] | None = None, min_n: int = 5, p: str = "p_fdr",
                  alpha: float = ALPHA) -> dict:
    """The fields schema 3 adds to ``summary.json``: ``arm``, ``focal_process``, ``targeted_ties``,
    ``targeted_comparison``, ``response_rates`` and ``key_points`` (JSON-ready; counts below ``min_n``
    are ``None``)."""
    arm = getattr(params, "arm", None) or "unknown"
    targeted = [list(t) for t in (getattr(params, "targeted_ties", []) or [])]
    comp = None
    if ties is not None and arm == "intervention" and targeted:
        c = targeted_comparison(ties, targeted, min_n=min_n, p=p, alpha=alpha)
        comp = {"groups": [{k: _num(v) if k != "kind" else v for k, v in g.items()}
                           for g in c.groups.to_dict("records")],
                "ties": [{k: (_num(v) if k not in ("group", "target", "certainty") else v) for k, v in t.items()}
                         for t in c.ties.to_dict("records")],
                "hidden": [list(t) for t in c.hidden]}
    rr = None
    if rates is not None:
        rr = [{"group": None if r.group == TOTAL else str(r.group), "total": r.group == TOTAL, "wave": str(r.wave),
               "n": _num(r.n), "invited": _num(r.invited), "rate": _num(r.rate), "low": bool(r.low),
               "status": r.status} for r in rates.itertuples(index=False)]
    return {"schema": SUMMARY_SCHEMA, "arm": arm, "focal_process": getattr(params, "focal_process", None),
            "targeted_ties": targeted, "targeted_comparison": comp, "response_rates": rr,
            "key_points": points or []}
