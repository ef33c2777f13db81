"""The brief: the report's first two printed pages, for a meeting of the kommune's reference group.

Built from a :class:`~relkap.report.model.KommuneReport`, in plain words from the catalogue's section
``brief`` (short sentences: the Danish text reads at LIX <= 45, see :mod:`relkap.readability`), numbers from
:mod:`relkap.fmt`. Page one: what this is, the answer (better, worse or unclear), one picture of the ties
now and their change (the notebook draws it with :func:`relkap.plots.tie_heatmap_html` and ``change=``). Page
two: three ties to talk about with questions that fit what the data show (:mod:`relkap.report.dialogue`),
the ties the kommune worked on with their caveat beside them, who answered.

No p-value, interval, effect size or variable name appears here; certainty is said in words.
"""

from __future__ import annotations

import pandas as pd

from .. import fmt, scoring, words
from ..labels import label, wave_label
from .briefing import index_has_followup, index_row
from .dialogue import question_kind, questions
from .ties import certainty, join_items, tie_name, tie_pairs
from .waves import wave_names

__all__ = ["title", "answer_code", "what", "answer", "picture_text", "who", "targeted", "dialogue", "sections",
           "plain_text"]


def title(r) -> str:
    """The report's heading with the kommune's role (intervention or control) and its focal work process;
    the targeted ties are named on page two, the waves in "Kort fortalt" (see
    :func:`relkap.report.briefing.title_block` for the full block)."""
    lang, kp = r.language, r.params
    arm = kp.arm if kp.arm in ("intervention", "control") else "unknown"
    lines = ["# " + words.text("briefing.title.heading", lang, name=r.name),
             words.text(f"briefing.title.{arm}", lang, name=r.name)]
    if kp.focal_process:
        lines.append(words.text("briefing.title.focal", lang, focal_process=kp.focal_process))
    return "\n\n".join(lines)


def answer_code(r) -> str:
    """"better", "worse", "unclear" (a change that may be chance), "baseline_only" or "hidden"."""
    row = index_row(r.rk)
    if row is None or fmt.missing(row.get("mean_baseline")) and fmt.missing(row.get("mean_followup")):
        return "hidden"
    if not index_has_followup(row):
        return "baseline_only"
    if bool(row.get("suppressed", False)) or fmt.missing(row.get("diff")):
        return "hidden"
    if certainty(row.get("p_fdr")) != "significant":
        return "unclear"
    return "better" if float(row["diff"]) > 0 else "worse"


def what(r) -> list[str]:
    """What this is: the project, the kommune, what RK is, the waves."""
    lang, inst = r.language, r.instrument
    n = len(r.waves_present)
    key = "brief.waves" if n > 1 else "brief.waves_one"
    waves = wave_names(r.waves_present, inst, lang)
    return [words.text("brief.what", lang, name=r.name) + " " + words.text(key, lang, n=n, waves=waves)]


def answer(r) -> list[str]:
    """The answer in words, then the index with its range and the certainty in a short sentence."""
    lang, inst = r.language, r.instrument
    code = answer_code(r)
    out = [words.text(f"brief.answer.{code}", lang)]
    if code == "hidden":
        return out
    row = index_row(r.rk)
    scale = {"min": inst.scale.min, "max": inst.scale.max}
    before = fmt.number(row["mean_baseline"], 2, lang)
    if code == "baseline_only":
        return out + [words.text("brief.answer.index_now", lang, before=before, **scale)]
    after = fmt.number(row["mean_followup"], 2, lang)
    if before == after:
        out.append(words.text("brief.answer.index_same", lang, before=before, **scale))
    else:
        diff = fmt.difference(row["mean_baseline"], row["mean_followup"], 2, lang)
        out.append(words.text("brief.answer.index", lang, before=before, after=after, diff=diff, **scale))
    out.append(words.text("brief.answer.sure" if code in ("better", "worse") else "brief.answer.unsure", lang))
    return [" ".join(out)]


def picture_text(r) -> str:
    """How to read the one picture (bands by colour, the change line)."""
    lang, b = r.language, r.instrument.bands
    out = [words.text("brief.picture", lang, weak=fmt.number(b.weak_below, 1, lang),
                      strong=fmt.number(b.strong_above, 1, lang))]
    if r.has_followup:
        out.append(words.text("brief.picture_change", lang,
                              first=wave_label(r.waves[0], lang, r.instrument).lower()))
    else:
        out.append(words.text("brief.picture_n", lang))
    return " ".join(out)


def who(r) -> list[str]:
    """Answers (and response rate where the number invited is known) per wave; the groups not shown."""
    lang, inst = r.language, r.instrument
    out = []
    total = r.rates[r.rates["group"] == "_total"] if len(r.rates) else pd.DataFrame()
    for row in total.itertuples(index=False):
        wave = wave_label(row.wave, lang, inst)
        n = fmt.count(row.n, None, lang)
        if row.status == "given" and not fmt.missing(row.rate):
            out.append(words.text("brief.who_rate", lang, wave=wave, n=n, rate=fmt.percent(row.rate, lang)))
        else:
            out.append(words.text("brief.who_wave", lang, wave=wave, n=n))
    hidden = r.hidden_groups.astype({"group": str, "wave": str}) if len(r.hidden_groups) else None
    if hidden is not None:
        items = []
        for g in sorted(set(hidden["group"])):
            waves = [w for w in r.waves_present if w in set(hidden.loc[hidden["group"] == g, "wave"])]
            if not waves or len(waves) == len(r.waves_present):  # hidden in every wave: the name alone
                items.append(label(g, lang, inst))
            else:  # shown in another wave (its cells there have enough answers): say when it is hidden
                items.append(words.text("brief.who_hidden_in", lang, group=label(g, lang, inst),
                                        waves=wave_names(waves, inst, lang)))
        out.append(words.text("brief.who_hidden", lang, min_n=r.min_n, groups=join_items(items, lang)))
    return out


def targeted(r) -> list[str]:
    """The targeted ties' mean change against the other ties, with the caveat beside it ([] if none)."""
    comp = r.targeted_comparison
    if comp is None or not int(comp.value("targeted", "n_ties")):
        return []
    lang = r.language
    n_t, n_o = int(comp.value("targeted", "n_ties")), int(comp.value("other", "n_ties"))
    return [words.text("brief.targeted", lang, n_targeted=n_t, n_other=n_o,
                       mean_targeted=fmt.signed(comp.value("targeted", "mean_diff"), 2, lang),
                       mean_other=fmt.signed(comp.value("other", "mean_diff"), 2, lang)),
            words.text("brief.targeted_caveat", lang)]


def _reason(g, r, following: bool = False) -> str:
    lang, inst = r.language, r.instrument
    if g.reason == "decline":
        key = "decline_sure" if g.certainty == "significant" else "decline_unsure"
        return words.text(f"brief.reason.{key}", lang, diff=fmt.signed(g.diff, 2, lang))
    if g.reason == "gap":
        return words.text("brief.reason.gap", lang, rater=label(g.group, lang, inst),
                          target=label(g.target, lang, inst), ab=fmt.number(g.mean, 2, lang),
                          ba=fmt.number(g.mean_other, 2, lang))
    band = str(scoring.band(g.mean, inst.bands.weak_below, inst.bands.strong_above)[0])
    value = fmt.number(g.mean, 2, lang)
    if following:
        return words.text("brief.reason.next", lang, value=value, band=words.text(f"glossary.{band}", lang))
    if band == "weak":
        return words.text("brief.reason.weak", lang, value=value)
    return words.text("brief.reason.low", lang, value=value, band=words.text(f"glossary.{band}", lang))


def dialogue(r, n_questions: int = 2) -> list[tuple[str, str, list[str]]]:
    """The three ties to talk about: ``(name, reason, questions)``, the questions fitting the reason
    (:func:`relkap.report.dialogue.question_kind`), at most ``n_questions`` each."""
    lang, inst = r.language, r.instrument
    marked = tie_pairs(r.targeted)
    out, used = [], set()
    for g in r.dialogue.itertuples(index=False):
        rater, target = label(g.group, lang, inst), label(g.target, lang, inst)
        kind = question_kind(g.reason, g.certainty)
        kind = f"{kind}_next" if kind == "weakest" and kind in used else kind  # questions differ between ties
        used.add(kind)
        out.append((tie_name(g.group, g.target, lang, inst, (g.group, g.target) in marked),
                    _reason(g, r, following=kind == "weakest_next"),
                    questions(kind, rater, target, lang)[:n_questions]))
    return out


def sections(r) -> dict[str, str]:
    """The brief's parts as Markdown, by name: ``intro`` (heading, what, answer), ``picture``, ``who``,
    ``targeted`` (empty without targeted ties), ``dialogue``. Headings: "##" opens each printed page
    (``intro`` page one, ``dialogue`` page two), "###" the parts within."""
    lang = r.language
    h = {k: words.text(f"brief.{k}_heading", lang) for k in ("answer", "picture", "who", "targeted", "dialogue")}
    intro = "\n\n".join([f"## {words.text('brief.heading', lang)}", *what(r), f"### {h['answer']}", *answer(r)])
    who_md = f"### {h['who']}\n\n" + "\n".join(f"- {x}" for x in who(r))
    tg = targeted(r)
    targeted_md = f"### {h['targeted']}\n\n" + "\n\n".join(tg) if tg else ""
    items = []
    for i, (name, why, qs) in enumerate(dialogue(r), start=1):
        items.append(f"{i}. **{name}**. {why}")
        items += [f"    - {q}" for q in qs]
    dialogue_md = "\n\n".join([f"## {h['dialogue']}", words.text("brief.dialogue_intro", lang), "\n".join(items)])
    return {"intro": intro, "picture": f"### {h['picture']}\n\n{picture_text(r)}", "who": who_md,
            "dialogue": dialogue_md, "targeted": targeted_md}


def plain_text(r) -> str:
    """All the brief's words as text (Markdown marks kept; :func:`relkap.readability.lix` ignores them)."""
    return "\n".join(part for part in sections(r).values() if part)
