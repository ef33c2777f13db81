"""The survey and the interviews across kommuner: the research notebook's joint tables (RQ4, H1, H2)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import fmt
from ..change import compare_waves
from ..instrument import Instrument
from ..words import Language, check_language, text
from .counts import MIN_INTERVIEWS, MIN_NET_CHANGE, joint_table
from .display import JointSection

__all__ = ["research_joint", "research_display"]



def _per_kommune_joint(survey: dict[int, pd.DataFrame], codings: pd.DataFrame, kind: str, min_interviews: int,
                       min_net_change: float) -> pd.DataFrame:
    parts = [joint_table(s, codings, kind=kind, kommune=k, min_interviews=min_interviews,
                         min_net_change=min_net_change) for k, s in survey.items()
             if (codings["kommune"] == k).any()]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _structure_change(structures: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Documents' change per structure dimension (coders are researchers, not respondents: no threshold)."""
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
    # report and research sit above io, which imports this package's reader: importing them at the top would
    # close the cycle io -> interviews -> report -> io (relkap.research is the natural home of this function)
    from ..report import kommune_tables, scale_change
    from ..report import tie_change as survey_tie_change
    from ..research import LEADERSHIP_SCALES

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
