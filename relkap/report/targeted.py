"""The targeted ties of an intervention kommune against its other cross-group ties (descriptive, with its
caveats)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import fmt, words
from ..config import ALPHA, MIN_N
from ..instrument import Instrument
from ..words import Language
from .ties import certainty, is_targeted, join_items, reportable, tie_name

__all__ = ["TargetedComparison", "targeted_comparison", "targeted_text", "targeted_caveats", "targeted_table"]


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


def targeted_comparison(ties: pd.DataFrame, targeted: Iterable[tuple[str, str]], min_n: int = MIN_N,
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
    is_t = is_targeted(ties, set(wanted))
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


def targeted_text(comp: TargetedComparison, language: Language, instrument: Instrument) -> list[str]:
    """The comparison in plain sentences (paragraphs): mean change of targeted and other ties, how many
    improved, which targeted ties are hidden."""
    inst = instrument
    n_t = int(comp.value("targeted", "n_ties"))
    out = []
    if n_t == 0:
        out.append(words.text("briefing.targeted.none", language))
    else:
        n_o = int(comp.value("other", "n_ties"))
        mt, mo = comp.value("targeted", "mean_diff"), comp.value("other", "mean_diff")
        out.append(words.text_n("briefing.targeted.summary", n_t, language, n_targeted=n_t, n_other=n_o,
                              mean_targeted=fmt.signed(mt, 2, language), mean_other=fmt.signed(mo, 2, language),
                              difference=fmt.difference(mo, mt, 2, language) if n_o else ""))
        out.append(words.text("briefing.targeted.improved", language, n_targeted=n_t,
                              n_improved=int(comp.value("targeted", "n_improved")),
                              n_significant=int(comp.value("targeted", "n_significant"))))
    if comp.hidden:
        out.append(words.text("briefing.targeted.hidden", language,
                              ties=join_items([tie_name(a, b, language, inst) for a, b in comp.hidden], language)))
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
