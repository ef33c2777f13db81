"""Interviews for reading: joint displays and theme tables as HTML, and the kommune report's interview section.

The tables of :mod:`relkap.interviews.counts` with codebook labels and the catalogue's words. No count below
``min_interviews`` is printed and no quote text or source name is shown.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from .. import fmt
from ..config import MIN_N
from ..instrument import Instrument
from ..intercoder import structure_agreement
from ..privacy import shown_cells
from ..words import Language, check_language, text
from .agreement import interview_agreement
from .counts import MIN_INTERVIEWS, MIN_NET_CHANGE, interview_waves, joint_table, theme_change

__all__ = ["theme_label", "joint_display", "joint_note", "theme_display", "JointSection", "report_section",
           "agreement_note", "agreement_section"]


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
        raise ValueError("this table holds quotes or source names (relkap.interviews.private_quotes): it is for the"
                         " researcher's own machine and is never displayed in a shared product")


def _linked_small(min_interviews: int, *counts) -> bool:
    """Whether a theme-wave's linked counts (mentions, strength, problem) are hidden together
    (:func:`relkap.privacy.linked_hidden`: max(S, P) <= mentions <= S + P pins a "<3" beside exact counts)."""
    return any(0 < c < min_interviews for c in counts)


def _wave_cell(n_int, n_str, n_prob, min_interviews: int, language: Language) -> str:
    # strength and problem "<3" are safe here only because the mentions they bound are never printed
    # beside them: theme_display hides a wave's share whenever one of its linked counts is small
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
    hidden = any(_linked_small(min_interviews, r[f"{x}_{w}"]) for w in waves
                 for x in ("n_strength", "n_problem", "n_mention"))
    if hidden:
        key = {1: "towards_strength", -1: "towards_problem"}.get(int(r["interview_direction"]), "no_clear_shift")
        return text(f"interviews.{key}", language)
    return text("interviews.points", language, value=fmt.number(100 * r["net_change"], 0, language, sign=True))


def joint_display(joint: pd.DataFrame, instrument: Instrument, language: Language = "da",
                  min_interviews: int = MIN_INTERVIEWS, keep: str = "relevant", style: bool = False,
                  compact: bool = False):
    """A :func:`joint_table` for reading (report, explorer): catalogue words, :mod:`relkap.fmt` numbers.

    ``keep="relevant"`` shows the rows where the survey shows a clear change or an interview speaks of the
    key (own-group ties only when interviews mention them); ``"all"`` every row. Counts below
    ``min_interviews`` read "<3", a wave with fewer interviews says so instead of counts, and a suppressed
    survey cell says "too few answers". Rows are ordered converge, diverge, interviews only, survey only,
    neither. Returns a DataFrame of strings, or its Styler (index hidden) with ``style=True``.
    ``compact=True`` (the printed report) gives five columns: the survey's two waves and change in one
    ("3,38 → 4,14 (+0,77 [+0,34; +1,19])"), the interviews' two waves in one, their change, the picture.
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
        elif r["survey_suppressed"]:  # the change is hidden; a wave's value shows where the heat map shows it
            sb, sf = (text("glossary.suppressed", language) if fmt.missing(r[c]) else fmt.number(r[c], 2, language)
                      for c in ("mean_baseline", "mean_followup"))
            sc = text("glossary.suppressed", language)
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
    if compact:
        plain = {text("interviews.not_surveyed", language), text("glossary.suppressed", language)}

        def survey_cell(before: str, after: str, change: str) -> str:
            if before == after and before in plain:  # not measured, or hidden in both waves
                return before
            return f"{before} → {after}" + ("" if change in plain else f" ({change})")

        survey = [survey_cell(*c) for c in zip(out[head["sb"]], out[head["sf"]], out[head["sc"]], strict=True)]
        talk = [f"{b} → {f}" for b, f in zip(out[head["ib"]], out[head["if"]], strict=True)]
        out = pd.DataFrame({head["label"]: out[head["label"]], text("interviews.col_survey", language): survey,
                            text("interviews.col_interviews", language): talk, head["ic"]: out[head["ic"]],
                            head["cv"]: out[head["cv"]]})
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

    def share(r, w):
        if r[f"n_interviews_{w}"] < min_interviews:
            return text("interviews.too_few", language, min_interviews=min_interviews)
        # the share gives the mentions back (share x interviews): hidden with its linked counts
        if _linked_small(min_interviews, r[f"n_mention_{w}"]):
            return text("interviews.fewer_than", language, min_interviews=min_interviews)
        if small(r, w):
            return text("interviews.valence_hidden", language, min_interviews=min_interviews)
        return fmt.percent(r[f"share_{w}"], language)

    def small(r, w):
        return _linked_small(min_interviews, *(r.get(f"{x}_{w}", 0) for x in ("n_mention", "n_strength", "n_problem")))

    h = [text("interviews.col_kind", language), text("interviews.col_theme", language),
         text("interviews.col_share_baseline", language), text("interviews.col_share_followup", language),
         text("interviews.col_share_change", language)]
    rows = []
    for r in d.to_dict("records"):
        if r["interviews_suppressed"] or any(small(r, w) for w in waves):
            ch = ""
        else:
            ch = text("interviews.points", language, value=fmt.number(100 * r["share_change"], 0, language, sign=True))
        rows.append(dict(zip(h, [
            text(f"interviews.kind_{r['theme_kind']}", language),
            theme_label(str(r["theme_kind"]), str(r["theme"]), instrument, language),
            share(r, b),
            share(r, f),
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
                   min_net_change: float = MIN_NET_CHANGE, tie_waves: pd.DataFrame | None = None,
                   rk_waves: pd.DataFrame | None = None, min_n: int = MIN_N) -> JointSection | None:
    """The kommune report's interview section: joint displays of ties and dimensions and the themes spoken of.

    Parameters
    ----------
    tie_change, rk_change : the kommune's :func:`relkap.report.tie_change` and :func:`relkap.report.rk_change`.
    codings : the ``codings`` table (of the kommune, or every kommune: it is filtered).
    kommune : the kommune code.
    min_interviews, min_net_change : see :func:`theme_change`.
    tie_waves, rk_waves : optional
        The ties (``wave, group, target, n, mean, suppressed``) and the index and dimensions (``wave,
        dimension, ...``) in each wave, as the heat maps and the trend show them. With them, a survey
        value of a wave is shown exactly where those show it (:func:`relkap.privacy.shown_cells`, the one
        rule), also when the change between the waves is hidden.
    min_n : the survey's disclosure threshold.

    Returns
    -------
    JointSection, or ``None`` when the kommune has no interviews (the report then leaves the section out).
    Tables: the ties (:func:`joint_display`, relevant rows), the RK dimensions, and the share of
    interviews per other theme (:func:`theme_display`: leadership and structures; the ties and dimensions
    are in the joint displays, free themes left out: they may be in-vivo codes).
    """
    check_language(language)
    c = codings[codings["kommune"] == kommune]
    if c.empty:
        return None
    waves = interview_waves(c, instrument.waves.baseline, instrument.waves.followup)
    n = c.groupby(c["wave"].astype(str))["source"].nunique()
    n_wave = {w: fmt.count(int(n.get(w, 0)), min_interviews, language) for w in waves}
    kw = {"min_interviews": min_interviews, "min_net_change": min_net_change, "baseline": waves[0],
          "followup": waves[1]}  # the survey's comparison: the first and the latest wave
    tie_joint = _shown_means(joint_table(tie_change, c, kind="tie", kommune=kommune, **kw), tie_waves,
                             ["group", "target"], waves, min_n)
    dim_joint = _shown_means(joint_table(rk_change, c, kind="dimension", kommune=kommune, **kw), rk_waves,
                             ["dimension"], waves, min_n)
    ties = joint_display(tie_joint, instrument, language, min_interviews, compact=True)
    dims = joint_display(dim_joint, instrument, language, min_interviews, keep="all", compact=True)
    # the ties and dimensions spoken of are in the joint displays above: the themes table holds the others
    change = theme_change(c, min_interviews, min_net_change, baseline=waves[0], followup=waves[1])
    themes = theme_display(change[~change["theme_kind"].isin(["tie", "dimension"])], instrument, language,
                           min_interviews)
    return JointSection(
        heading=text("interviews.section_heading", language),
        intro=text("interviews.section_intro", language, n_baseline=n_wave[waves[0]], n_followup=n_wave[waves[1]]),
        tables=[(text("interviews.caption_ties", language), ties),
                (text("interviews.caption_dimensions", language), dims),
                (text("interviews.caption_themes", language), themes)],
        note=" ".join(x for x in (joint_note(language, min_interviews, min_net_change),
                                  agreement_note(c, language, min_interviews)) if x),
    )


def _shown_means(joint: pd.DataFrame, by_wave: pd.DataFrame | None, keys: list[str], waves: Sequence[str],
                 min_n: int) -> pd.DataFrame:
    """``joint`` with its two survey means replaced by the waves' values that are shown (NaN where hidden)."""
    if by_wave is None:
        return joint
    out = joint.copy()
    for column, wave in zip(("mean_baseline", "mean_followup"), waves, strict=True):
        part = by_wave[by_wave["wave"].astype(str) == str(wave)]
        part = part[shown_cells(part, min_n)]
        means = dict(zip(part[keys].astype(str).itertuples(index=False, name=None), part["mean"], strict=True))
        out[column] = [means.get(k, float("nan")) for k in out[keys].astype(str).itertuples(index=False, name=None)]
    return out


def agreement_note(codings: pd.DataFrame, language: Language = "da", min_interviews: int = MIN_INTERVIEWS) -> str:
    """The methods sentence on intercoder agreement (:func:`relkap.interviews.interview_agreement`): how many
    interviews two or more coders coded ("<3" below ``min_interviews``), the median kappa and alpha over the
    themes, and the counting rule; ``""`` when no interview has two coders."""
    ag = interview_agreement(codings)
    if ag.empty:
        return ""
    n = codings.groupby(["kommune", "wave", "source"], observed=True).ngroups
    return text("interviews.agreement_note", language, n_double=fmt.count(int(ag["n_interviews"].iloc[0]),
                                                                             min_interviews),
                n=fmt.count(n, min_interviews), kappa=fmt.number(ag["kappa"].median(), 2, language),
                alpha=fmt.number(ag["alpha"].median(), 2, language))


def agreement_section(codings: pd.DataFrame, structures: pd.DataFrame, instrument: Instrument,
                      language: Language = "da") -> JointSection:
    """The research notebook's intercoder agreement: per interview theme (:func:`interview_agreement`) and
    for the structure codings of the formal documents (:func:`relkap.intercoder.structure_agreement`, per
    dimension and all together). Coders are researchers: no threshold applies to their counts."""
    check_language(language)

    def num(x):
        return fmt.number(x, 2, language)

    tables = []
    ag = interview_agreement(codings)
    if len(ag):
        rows = [{text("interviews.col_kind", language): text(f"interviews.kind_{r['theme_kind']}", language),
                 text("interviews.col_theme", language): theme_label(str(r["theme_kind"]), str(r["theme"]),
                                                                      instrument, language),
                 text("interviews.col_double", language): str(int(r["n_interviews"])),
                 text("interviews.col_units", language): str(int(r["n_units"])),
                 text("interviews.col_coders", language): str(int(r["n_coders"])),
                 text("interviews.col_agreement", language): fmt.percent(r["agreement"], language),
                 text("interviews.col_kappa", language): num(r["kappa"]),
                 text("interviews.col_alpha", language): num(r["alpha"])} for r in ag.to_dict("records")]
        tables.append((text("interviews.caption_agreement", language), pd.DataFrame(rows)))
    st = structure_agreement(structures, by=["dimension"])
    if len(st):
        both = pd.concat([st, structure_agreement(structures).assign(dimension=None)], ignore_index=True)
        rows = [{text("glossary.scale", language): instrument.label(str(r["dimension"]), language)
                 if r["dimension"] is not None else text("interviews.all_dimensions", language),
                 text("interviews.col_kommune_waves", language): str(int(r["n_kommune_waves"])),
                 text("interviews.col_coders", language): str(int(r["n_coders"])),
                 text("interviews.col_alpha", language): num(r["alpha"])} for r in both.to_dict("records")]
        tables.append((text("interviews.caption_structure_agreement", language), pd.DataFrame(rows)))
    return JointSection(heading=text("interviews.agreement_heading", language),
                        intro="" if tables else text("interviews.agreement_none", language), tables=tables,
                        note=text("interviews.agreement_section_note", language) if tables else "")
