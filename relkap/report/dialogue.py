"""The dialogue guide: three ties for the reference group to talk about first, with open questions.

Each tie comes with its reason (weakest now, largest decline, largest gap between how two groups see each
other) and two or three open questions from the catalogue (``briefing.dialogue``), in the spirit of RK:
what works, what each group can do, never who is to blame.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from .. import fmt, words
from ..checks import check_columns
from ..config import ALPHA, MIN_N
from ..instrument import Instrument
from ..labels import label
from ..privacy import shown_cells
from ..words import Language
from .ties import certainty, certainty_word, reportable, tie_name, tie_pairs

__all__ = ["dialogue_guide", "dialogue_markdown", "question_kind", "questions"]


# ----------------------------------------------------------------------------------------------------
def dialogue_guide(latest: pd.DataFrame, change: pd.DataFrame | None = None, k: int = 3, min_n: int = MIN_N,
                   p: str = "p_fdr", alpha: float = ALPHA, followup: bool = True) -> pd.DataFrame:
    """The ties to talk about first, each with its reason: weakest now, largest decline, largest gap.

    Parameters
    ----------
    latest : DataFrame
        Tie scores of the latest wave (``group, target, n, mean, suppressed``; ``tie_scores`` of one wave).
    change : DataFrame, optional
        The tie change table (:func:`most_changed`'s input); without it (baseline only) no decline.
    k : int
        How many ties (1-3): the reasons are taken in the order weakest, decline, gap; a reason without a
        candidate (no tie declined) is replaced by the next weakest tie.
    followup : bool
        Whether ``latest`` is the follow-up (the reason then reads "weakest now").

    Returns
    -------
    DataFrame
        ``rank, group, target, reason`` ("weakest", "weakest_baseline", "decline", "gap"), ``mean`` (latest),
        ``diff`` and ``certainty`` (decline), ``mean_other`` (the reverse tie, for "gap": T(target->group)).
        The tie of a gap is the direction rated lower.

    Examples
    --------
    >>> latest = pd.DataFrame({"group": list("aabbcc"), "target": list("bcacab"), "n": 8,
    ...     "mean": [3.1, 3.9, 4.4, 3.6, 3.8, 3.5], "suppressed": False})
    >>> change = pd.DataFrame({"group": list("aabbcc"), "target": list("bcacab"), "n_baseline": 8,
    ...     "n_followup": 8, "diff": [0.2, 0.1, 0.0, -0.3, 0.1, 0.2], "p_fdr": 0.5, "suppressed": False})
    >>> dialogue_guide(latest, change)[["rank", "group", "target", "reason"]]
       rank group target   reason
    0     1     a      b  weakest
    1     2     b      c  decline
    2     3     c      a      gap
    """
    check_columns(latest, ("group", "target", "n", "mean"), "latest")
    lt = latest.astype({"group": str, "target": str})
    lt = lt[shown_cells(lt, min_n) & (lt["group"] != lt["target"])]  # what the heat map shows
    weakest = lt.sort_values(["mean", "group", "target"], kind="stable")
    means = {(a, b): float(m) for a, b, m in zip(lt["group"], lt["target"], lt["mean"], strict=True)}
    chosen: list[dict] = []

    def taken(a, b):
        return any((c["group"], c["target"]) == (a, b) for c in chosen)

    def next_weakest():
        for r in weakest.itertuples(index=False):
            if not taken(r.group, r.target):
                return {"group": r.group, "target": r.target, "reason": "weakest" if followup else "weakest_baseline",
                        "mean": float(r.mean)}
        return None

    declines = pd.DataFrame()
    if change is not None and len(change):
        ok = change[reportable(change, min_n)].astype({"group": str, "target": str})
        declines = ok[ok["diff"] < 0].sort_values(["diff", "group", "target"], kind="stable")
    gaps = []
    for (a, b), m in means.items():
        if (b, a) in means and m < means[(b, a)]:
            gaps.append((means[(b, a)] - m, a, b))
    gaps.sort(key=lambda x: (-x[0], x[1], x[2]))

    for reason in ("weakest", "decline", "gap")[:max(0, k)]:
        pick = None
        if reason == "decline":
            for r in declines.itertuples(index=False):
                if not taken(r.group, r.target):
                    pv = getattr(r, p) if p in declines.columns else np.nan
                    pick = {"group": r.group, "target": r.target, "reason": "decline",
                            "mean": means.get((r.group, r.target), np.nan), "diff": float(r.diff),
                            "certainty": certainty(pv, alpha)}
                    break
        elif reason == "gap":
            for _, a, b in gaps:
                if not taken(a, b):
                    pick = {"group": a, "target": b, "reason": "gap", "mean": means[(a, b)],
                            "mean_other": means[(b, a)]}
                    break
        pick = pick or next_weakest()
        if pick is not None:
            chosen.append(pick)
    out = pd.DataFrame(chosen, columns=["group", "target", "reason", "mean", "diff", "certainty", "mean_other"])
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


def question_kind(reason: str, certainty_code: object = None) -> str:
    """Which question set fits what the data show: "weakest", "gap", "decline" (a statistically
    significant decline) or "decline_unsure" (a decline that may be chance: the questions ask whether the
    groups recognise it, instead of assuming it, "what worked before").

    Examples
    --------
    >>> question_kind("weakest_baseline"), question_kind("decline", "significant"), question_kind("decline", "uncertain")
    ('weakest', 'decline', 'decline_unsure')
    """
    if reason.startswith("weakest"):
        return "weakest"
    if reason == "decline" and certainty_code != "significant":
        return "decline_unsure"
    return reason


def questions(kind: str, rater: str, target: str, language: Language = "da") -> list[str]:
    """The open questions of a :func:`question_kind` with the two groups' names filled in."""
    return [words.text(q, language, rater=rater, target=target)
            for q in words.keys(f"briefing.dialogue.questions.{kind}")]


def dialogue_markdown(guide: pd.DataFrame, language: Language, instrument: Instrument,
                      targeted: Iterable[tuple[str, str]] = ()) -> str:
    """The dialogue guide as markdown: heading, intro, then per tie its reason and two or three open
    questions (from the catalogue, in the spirit of RK: what works, what each can do, not who is to blame)."""
    inst = instrument
    tset = tie_pairs(targeted)
    lines = ["## " + words.text("briefing.dialogue.heading", language), "",
             words.text("briefing.dialogue.intro", language), ""]
    for r in guide.itertuples(index=False):
        rater, target = label(r.group, language, inst), label(r.target, language, inst)
        if r.reason == "decline":
            why = words.text("briefing.dialogue.reason.decline", language, diff=fmt.signed(r.diff, 2, language),
                             certainty=certainty_word(r.certainty, language))
        elif r.reason == "gap":
            why = words.text("briefing.dialogue.reason.gap", language, rater=rater, target=target,
                             ab=fmt.number(r.mean, 2, language), ba=fmt.number(r.mean_other, 2, language))
        else:
            why = words.text(f"briefing.dialogue.reason.{r.reason}", language, value=fmt.number(r.mean, 2, language))
        kind = question_kind(r.reason, r.certainty)
        name = tie_name(r.group, r.target, language, inst, (r.group, r.target) in tset)
        lines.append(f"{r.rank}. **{name}**. {why}.")
        lines += [f"    - {q}" for q in questions(kind, rater, target, language)]
    return "\n".join(lines)
