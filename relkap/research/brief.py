"""The project reference group's brief: the research answers across all kommuner in plain Danish, on four pages.

The study's own reference group (the participating kommuner's representatives, KL, VIVE) gets what a kommune
brief gives one kommune, across all of them: did relational capacity change, in intervention against control
kommuner, what the hypotheses' answers mean with their caution, and where the kommuner differ most. It is made
from the run's own products, never from the answers again: the research results (``research_summary.json``:
``n``, ``answers`` and the RQ4 table) and the kommune reports' ``summary.json`` files. :func:`project_brief`
builds the model (plain values), :func:`render_brief` the HTML (``relkap/templates/project_brief.html.j2``),
:func:`write_brief` both into ``reports/research/brief.html``.

Privacy, as everywhere (:mod:`relkap.privacy`), and across products:

- Every number comes from shown cells: the summaries and the research tables already leave out hidden groups
  and ties; respondent counts are sums over kommuner, never a cell under ``min_n``.
- **No kommune is named** unless its parameter file says ``consent_named: true``; a consented kommune is
  named only by its place (among the kommuner whose RK rose most or least), never with a number.
- **Summaries over kommuner are over at least** :data:`relkap.benchmark.MIN_BENCHMARK_KOMMUNER` (5) of
  them: an arm's mean is shown only for an arm with that many kommuner, and all kommuner together only when
  no arm is shown (so no difference of two shown means is one arm's small total). Quartiles are
  :func:`relkap.benchmark.distribution`'s (never one kommune's value). The RK index's own spread is left
  out: each kommune report already shows the index's quartiles over the *other* kommuner, and quartiles
  over all of them beside those would narrow down single kommuners' values; the brief shows the six
  dimensions' spread, which no other product shows.
- The verdicts are the research report's (:func:`relkap.research.answers`), put in plain words; no p, no
  interval name, no model name (the words are the catalogue's section ``project_brief``).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import jinja2
import pandas as pd

from .. import fmt
from ..benchmark import MIN_BENCHMARK_KOMMUNER, distribution
from ..config import ALPHA, MIN_N
from ..files import write_text
from ..instrument import Instrument
from ..params import KommuneParams
from ..words import Language, text, text_n

__all__ = ["ARMS", "CAUTIONS", "project_brief", "render_brief", "write_brief", "BRIEF_FILE"]

BRIEF_FILE = "brief.html"  # beside research.html in reports/research/
ARMS = ("intervention", "control")
# The caveats of an answer that the brief says in plain words, in this order (at most two per answer); the
# same-source caveat is in the verdict's own words ("association_same_source").
CAUTIONS = ("few_kommuner", "cross_sectional", "not_invariant")
_HYPOTHESES = ("H1", "H2", "H3", "RQ1", "RQ2", "RQ3")


def _rk_rows(summaries: dict[int, dict], params: dict[int, KommuneParams]) -> pd.DataFrame:
    """One row per kommune with a shown RK index change: arm, first and latest mean, change, certainty."""
    rows = []
    for code, s in summaries.items():
        rk = s.get("rk_index") or {}
        if rk.get("suppressed") or any(rk.get(k) is None for k in ("diff", "mean_baseline", "mean_followup")):
            continue  # hidden, or a kommune with one wave
        arm = params[code].arm if code in params else s.get("arm", "unknown")
        sure = rk.get("p_fdr") is not None and rk["p_fdr"] < ALPHA
        rows.append({"kommune": code, "arm": arm, "first": rk["mean_baseline"], "latest": rk["mean_followup"],
                     "diff": rk["diff"], "up": sure and rk["diff"] > 0, "down": sure and rk["diff"] < 0})
    return pd.DataFrame(rows, columns=["kommune", "arm", "first", "latest", "diff", "up", "down"])


def _change_groups(rk: pd.DataFrame, min_kommuner: int) -> list[dict]:
    """The arms with at least ``min_kommuner`` kommuner, else all kommuner together (module docstring)."""
    def group(key: str, part: pd.DataFrame) -> dict:
        return {"group": key, "n_kommuner": len(part), "first": float(part["first"].mean()),
                "latest": float(part["latest"].mean()), "up": int(part["up"].sum()),
                "down": int(part["down"].sum()), "unclear": int(len(part) - part["up"].sum() - part["down"].sum())}

    shown = [group(arm, rk[rk["arm"] == arm]) for arm in ARMS if (rk["arm"] == arm).sum() >= min_kommuner]
    if not shown and len(rk) >= min_kommuner:
        shown = [group("all", rk)]
    return shown


def _dimension_spread(summaries: dict[int, dict], instrument: Instrument, min_kommuner: int) -> list[dict]:
    """Per relational dimension, the middle half of the kommuner now and in their change; widest change first."""
    values = []
    for code, s in summaries.items():
        for d in s.get("dimensions") or []:
            if d.get("dimension") == "rk" or d.get("suppressed") or d.get("diff") is None:
                continue
            values += [{"kommune": code, "dimension": d["dimension"], "measure": "latest", "value": d["mean_followup"]},
                       {"kommune": code, "dimension": d["dimension"], "measure": "change", "value": d["diff"]}]
    if not values:
        return []
    dist = distribution(pd.DataFrame(values), by=("dimension", "measure"), min_kommuner=min_kommuner)
    dist = dist[dist["enough"]]
    out = []
    for dim, part in dist.groupby("dimension", sort=False):
        m = part.set_index("measure")
        if not {"latest", "change"} <= set(m.index):
            continue
        out.append({"dimension": dim, "n_kommuner": int(m.loc["change", "n_kommuner"]),
                    "latest": (float(m.loc["latest", "q25"]), float(m.loc["latest", "q75"])),
                    "change": (float(m.loc["change", "q25"]), float(m.loc["change", "q75"]))})
    order = list(instrument.relational_codes)
    out.sort(key=lambda r: (-(r["change"][1] - r["change"][0]), order.index(r["dimension"])
                            if r["dimension"] in order else len(order)))
    return out


def _named(rk: pd.DataFrame, params: dict[int, KommuneParams], min_kommuner: int) -> dict[str, list[str]]:
    """Consenting kommuner in the top and bottom quarter of the RK change: names only, never a number."""
    if len(rk) < min_kommuner:
        return {"top": [], "bottom": []}
    dist = distribution(rk.assign(measure="change"), value="diff", min_kommuner=min_kommuner).iloc[0]
    consenting = rk[[bool(k in params and params[k].consent_named) for k in rk["kommune"]]]
    top = consenting[consenting["diff"] >= dist["q75"]].sort_values("diff", ascending=False)
    bottom = consenting[consenting["diff"] <= dist["q25"]].sort_values("diff")
    return {"top": [params[k].name for k in top["kommune"]], "bottom": [params[k].name for k in bottom["kommune"]]}


def _all_ties(research: dict) -> dict | None:
    """RQ4's all-ties row of the RK index at the latest wave against the first (not a trend or earlier wave)."""
    rows = [r for r in (research.get("tables") or {}).get("rq4_did") or []
            if r.get("scope") == "all_ties" and r.get("dimension") == "rk"
            and r.get("wave_term", "versus_first") == "versus_first"]
    latest = (research.get("waves") or [None])[-1]
    return next((r for r in rows if r.get("wave") == latest), rows[-1] if rows else None)


def _answer(a: dict, n_kommuner: int) -> dict:
    """One research answer as the brief needs it: verdict, estimate and interval, cautions (codes)."""
    part = a["parts"][0] if a.get("parts") else {}
    relation = part.get("relation") or a.get("relation") or ""
    predictor, _, outcome = relation.partition(" -> ")
    return {"question": a["question"], "verdict": a["verdict"], "estimate": a.get("estimate"),
            "ci_low": a.get("ci_low"), "ci_high": a.get("ci_high"), "predictor": predictor, "outcome": outcome,
            "cautions": [c for c in CAUTIONS if c in (a.get("caveats") or [])][:2],
            "n_kommuner": a.get("n_kommuner") or n_kommuner, "kommuner_needed": a.get("kommuner_needed")}


def project_brief(research: dict, summaries: dict[int, dict], params: dict[int, KommuneParams],
                  instrument: Instrument, min_n: int = MIN_N,
                  min_kommuner: int = MIN_BENCHMARK_KOMMUNER) -> dict:
    """The brief's model: plain values from the research results and the kommune summaries.

    Parameters
    ----------
    research : dict
        ``research_summary.json`` (:func:`relkap.research.research_summary`): ``n``, ``waves``, ``answers``
        and ``tables["rq4_did"]``.
    summaries : dict
        Each kommune report's ``summary.json`` by kommune code (the kommuner of the run).
    params : dict
        Kommune parameters by code: arm, name and ``consent_named``.
    instrument : Instrument
        The codebook: wave names and dates, dimension labels.
    min_n : int
        The disclosure threshold the run used (said on the page).
    min_kommuner : int
        The fewest kommuner a shown mean or quartile is over (:data:`relkap.benchmark.MIN_BENCHMARK_KOMMUNER`).

    Returns
    -------
    dict
        ``n`` (kommuner, arms, reports), ``waves`` ([{code, date, respondents}]: employees in the shown
        groups, summed over the kommune reports), ``change`` (per arm or all: kommuner, mean first and
        latest RK index, kommuner whose index rose / fell statistically significantly / unclear),
        ``rq4`` (the primary answer and the all-ties row), ``answers`` (H1-H3, RQ1-RQ3), ``spread`` (the
        dimensions' middle halves, widest change first), ``named`` (consenting kommuner in the top and
        bottom quarter of the RK change), ``min_n``, ``min_kommuner``.

    Examples
    --------
    Five control kommuner (an arm of five is shown; its mean is each kommune counted once):

    >>> from relkap import load_instrument
    >>> codes = (101, 147, 157, 175, 336)
    >>> params = {c: KommuneParams(kommune=c, name=str(c), groups=["skole"], arm="control") for c in codes}
    >>> summaries = {c: {"respondents": {"baseline": 20, "followup": 22}, "rk_index": {
    ...     "mean_baseline": 3.0 + i / 10, "mean_followup": 3.1 + i / 10, "diff": 0.1, "p_fdr": 0.5}}
    ...     for i, c in enumerate(codes)}
    >>> research = {"n": {"kommuner": 5, "control": 5}, "waves": ["baseline", "followup"], "answers": []}
    >>> m = project_brief(research, summaries, params, load_instrument())
    >>> [(g["group"], g["n_kommuner"], round(g["first"], 2), round(g["latest"], 2), g["unclear"]) for g in m["change"]]
    [('control', 5, 3.2, 3.3, 5)]
    >>> [w["respondents"] for w in m["waves"]], m["named"]
    ([100, 110], {'top': [], 'bottom': []})
    """
    n = research.get("n") or {}
    answers = {a["question"]: a for a in research.get("answers") or []}
    n_kommuner = int(n.get("kommuner") or len(summaries))
    rk = _rk_rows(summaries, params)
    waves = []
    for code in research.get("waves") or [w.code for w in instrument.waves.root]:
        total = sum(int(s.get("respondents", {}).get(code) or 0) for s in summaries.values())
        waves.append({"code": code, "date": instrument.waves.root[instrument.waves.index(code)].date
                      if code in instrument.waves.codes else None, "respondents": total})
    all_ties = _all_ties(research)
    return {
        "n": {"kommuner": n_kommuner, "intervention": int(n.get("intervention") or 0),
              "control": int(n.get("control") or 0), "reports": len(summaries)},
        "waves": waves,
        "change": _change_groups(rk, min_kommuner),
        "rq4": {"answer": _answer(answers["RQ4"], n_kommuner) if "RQ4" in answers else None,
                "all_ties": None if all_ties is None or all_ties.get("estimate") is None else {
                    "estimate": all_ties["estimate"], "ci_low": all_ties["ci_low"], "ci_high": all_ties["ci_high"],
                    "sure": all_ties["ci_low"] > 0 and (all_ties.get("p_adj") if all_ties.get("p_adj") is not None
                                                       else all_ties["p_val"]) < ALPHA}},
        "answers": [_answer(answers[q], n_kommuner) for q in _HYPOTHESES if q in answers],
        "spread": _dimension_spread(summaries, instrument, min_kommuner),
        "named": _named(rk, params, min_kommuner),
        "min_n": int(min_n), "min_kommuner": int(min_kommuner),
    }


def _term(code: str, instrument: Instrument, language: Language) -> str:
    """A variable in the brief's plain words (catalogue ``project_brief.term``), else the codebook's label."""
    try:
        return text(f"project_brief.term.{code}", language)
    except KeyError:
        return instrument.label(code, language).lower()


def _between(low: float, high: float, language: Language) -> str:
    return text("project_brief.between", language, low=fmt.number(low, 2, language), high=fmt.number(high, 2, language))


def _span(low: float, high: float, language: Language, sign: bool = False) -> str:
    """The middle half of the kommuner, "3,34 til 3,64" (a change with its signs: "−0,02 til +0,17")."""
    return text("project_brief.span", language, low=fmt.number(low, 2, language, sign),
                high=fmt.number(high, 2, language, sign))


def _verdict(a: dict, language: Language, section: str = "project_brief") -> str:
    """The verdict in plain words: the section's own wording (RQ4's speaks of a difference) or the general one."""
    fields = {"n": a["n_kommuner"], "needed": a["kommuner_needed"] or ""}
    try:
        return text(f"{section}.verdict.{a['verdict']}", language, **fields)
    except KeyError:
        return text(f"project_brief.verdict.{a['verdict']}", language, **fields)


def _answer_words(a: dict, instrument: Instrument, language: Language) -> dict:
    verdict = _verdict(a, language)
    size = ""
    if a["estimate"] is not None and a["predictor"] and a["outcome"]:
        key = "more" if a["estimate"] >= 0 else "less"
        size = text(f"project_brief.size_{key}", language, predictor=_term(a["predictor"], instrument, language),
                    outcome=_term(a["outcome"], instrument, language),
                    estimate=fmt.number(abs(a["estimate"]), 2, language),
                    between=_between(a["ci_low"], a["ci_high"], language))
    cautions = " ".join(text(f"project_brief.caution.{c}", language, n=a["n_kommuner"]) for c in a["cautions"])
    return {"question": text(f"project_brief.question.{a['question']}", language), "verdict": verdict,
            "size": size, "caution": cautions}


@functools.cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(loader=jinja2.PackageLoader("relkap", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return env.get_template("project_brief.html.j2")


def render_brief(model: dict, instrument: Instrument, language: Language = "da") -> str:
    """The brief as a self-contained HTML page (A4 print stylesheet): words from the catalogue, numbers from fmt."""
    w = functools.partial(text, language=language)
    n = model["n"]
    waves = [{"name": instrument.waves.root[instrument.waves.index(x["code"])].label(language)
              if x["code"] in instrument.waves.codes else x["code"], "date": x["date"] or w("project_brief.no_date"),
              "respondents": fmt.count(x["respondents"], model["min_n"], language)} for x in model["waves"]]
    change = [{"group": w(f"project_brief.group.{g['group']}"), "n": fmt.count(g["n_kommuner"], None, language),
               "first": fmt.number(g["first"], 2, language), "latest": fmt.number(g["latest"], 2, language),
               "change": fmt.difference(g["first"], g["latest"], 2, language),
               "up": fmt.count(g["up"], None, language), "down": fmt.count(g["down"], None, language),
               "unclear": fmt.count(g["unclear"], None, language)} for g in model["change"]]
    rq4 = model["rq4"]
    rq4_words = None
    if rq4["answer"] is not None:
        a = rq4["answer"]
        rq4_words = {"verdict": _verdict(a, language, "project_brief.rq4"),
                     "targeted": "" if a["estimate"] is None or a["predictor"] != "targeted_contrast" else text(
                         f"project_brief.rq4.targeted_{'more' if a['estimate'] >= 0 else 'less'}", language,
                         estimate=fmt.number(abs(a["estimate"]), 2, language),
                         between=_between(a["ci_low"], a["ci_high"], language)),
                     "cautions": " ".join(text(f"project_brief.caution.{c}", language, n=a["n_kommuner"])
                                          for c in a["cautions"])}
    if rq4["all_ties"] is not None:
        t = rq4["all_ties"]
        sure = "sure" if t["sure"] else "unsure"
        rq4_words = rq4_words or {"verdict": "", "targeted": "", "cautions": ""}
        rq4_words["all_ties"] = text(f"project_brief.rq4.all_ties_{'more' if t['estimate'] >= 0 else 'less'}",
                                     language, estimate=fmt.number(abs(t["estimate"]), 2, language),
                                     between=_between(t["ci_low"], t["ci_high"], language)) + " " + text(
                                         f"project_brief.rq4.all_ties_{sure}", language)
    spread = [{"label": instrument.label(s["dimension"], language), "latest": _span(*s["latest"], language),
               "change": _span(*s["change"], language, sign=True)} for s in model["spread"]]
    named = model["named"]
    context = {
        "language": language, "w": w,
        "title": w("project_brief.title", n=n["kommuner"]),
        "intro": w("project_brief.intro"), "rk_def": w("project_brief.rk_def"),
        "who": text_n("project_brief.who", n["kommuner"], language, n=n["kommuner"],
                      intervention=n["intervention"], control=n["control"]),
        "reports_note": "" if n["reports"] >= n["kommuner"] else w("project_brief.reports_missing",
                                                                   reports=n["reports"], n=n["kommuner"]),
        "privacy": w("project_brief.privacy", min_n=model["min_n"], k=model["min_kommuner"]),
        "waves": waves, "change": change,
        "change_too_few": "" if change else w("project_brief.change.too_few", k=model["min_kommuner"]),
        "rq4": rq4_words,
        "answers": [_answer_words(a, instrument, language) for a in model["answers"]],
        "spread": spread,
        "spread_most": w("project_brief.differ.most", dimension=spread[0]["label"].lower())
        if model["spread"] else w("project_brief.differ.too_few", k=model["min_kommuner"]),
        "named_top": w("project_brief.differ.named_top", names=", ".join(named["top"])) if named["top"] else "",
        "named_bottom": w("project_brief.differ.named_bottom", names=", ".join(named["bottom"]))
        if named["bottom"] else "",
        "named_none": "" if named["top"] or named["bottom"] else w("project_brief.differ.named_none"),
    }
    return _template().render(**context)


def write_brief(reports_dir: str | Path, summaries: dict[int, dict], params: dict[int, KommuneParams],
                instrument: Instrument, language: Language = "da", min_n: int = MIN_N) -> Path | None:
    """``reports/research/brief.html`` from ``research/research_summary.json`` and the kommune summaries.

    Returns the page, or ``None`` when the run has no research summary (the brief needs the research run).
    """
    folder = Path(reports_dir) / "research"
    source = folder / "research_summary.json"
    if not source.exists():
        return None
    research = json.loads(source.read_text(encoding="utf-8"))
    model = project_brief(research, summaries, params, instrument, min_n=min_n)
    return write_text(folder / BRIEF_FILE, render_brief(model, instrument, language))
