"""The project reference group's brief (relkap.research.brief): the research answers and the kommune summaries in
plain Danish, no kommune named without consent, no jargon, short sentences, at most four A4 pages."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
import yaml
from axe_audit import AXE, audit

import relkap
from relkap import fmt, pdf, report, research, words
from relkap.errors import InstrumentError
from relkap.htmltree import parse
from relkap.kommuner import kommune_name
from relkap.params import (
    KommuneParams,
    dump_kommune_params,
    load_all_kommune_params,
    load_kommune_params,
)
from relkap.readability import lix
from relkap.research import brief

INST = relkap.load_instrument()
JARGON = re.compile(r"\b(p|FDR|KI|CI|Hedges|ICC|r_wg|alfa|alpha|Satterthwaite|permutation\w*|konfidensinterval\w*"
                    r"|signifikant|p_fdr|estimate|ci_low)\b", re.IGNORECASE)
CODES = (101, 147, 157, 175, 336, 461, 510, 615, 730, 751)  # five intervention (first), five control kommuner
DIMS = INST.relational_codes


def _answer(q: str, verdict: str, estimate: float, low: float, high: float, relation: str,
            caveats: tuple[str, ...] = ("few_kommuner",)) -> dict:
    return {"question": q, "verdict": verdict, "relation": relation, "estimate": estimate, "ci_low": low,
            "ci_high": high, "p_val": 0.01, "p_adj": 0.02, "n_kommuner": 10, "kommuner_needed": None,
            "caveats": list(caveats), "parts": [{"relation": relation, "estimate": estimate, "ci_low": low,
                                                  "ci_high": high}]}


RESEARCH = {
    "n": {"kommuner": 10, "intervention": 5, "control": 5, "employees": 1000},
    "waves": ["baseline", "followup"],
    "answers": [
        _answer("H1", "not_supported", 0.0931, -0.0664, 0.2526, "structure_between -> rk", ("few_kommuner", "cross_sectional")),
        _answer("H2", "association_same_source", 0.3324, 0.2769, 0.3879, "leadership -> rk", ("same_source",)),
        _answer("H3", "not_supported", -0.0584, -0.1826, 0.0658, "structure -> leadership"),
        _answer("RQ1", "association_same_source", 0.4054, 0.3439, 0.4669, "samskabelse -> tilfredshed", ()),
        _answer("RQ2", "not_supported", 0.2936, -0.1297, 0.7169, "rk -> samskabelse"),
        _answer("RQ3", "association_same_source", 0.2122, 0.1623, 0.2620, "leadership -> motivation", ("not_invariant",)),
        _answer("RQ4", "supported", 0.4691, 0.3513, 0.5868, "targeted_contrast", ("few_kommuner", "permutation")),
    ],
    "tables": {"rq4_did": [{"scope": "all_ties", "dimension": "rk", "estimate": 0.1106, "ci_low": -0.0426,
                            "ci_high": 0.2639, "p_val": 0.14, "p_adj": 0.81}]},
}


def _summary(i: int) -> dict:
    """Kommune i's summary: index 3.0 + i/10 at first, rising by i/100 (kommune 9 most); dimensions spread apart."""
    first, diff = 3.0 + i / 10, i / 100
    return {"respondents": {"baseline": 50 + i, "followup": 40 + i},
            "rk_index": {"mean_baseline": first, "mean_followup": first + diff, "diff": diff,
                         "p_fdr": 0.01 if i in (4, 9) else 0.3, "suppressed": False},
            "dimensions": [{"dimension": "rk", "mean_followup": first + diff, "diff": diff, "suppressed": False}]
            + [{"dimension": d, "mean_followup": 3.0 + i * (k + 1) / 40, "diff": i * (k + 1) / 200, "suppressed": False}
               for k, d in enumerate(DIMS)]}


def _params(consent: tuple[int, ...] = (), arms: dict[int, str] | None = None) -> dict[int, KommuneParams]:
    arms = arms or {c: "intervention" if i < 5 else "control" for i, c in enumerate(CODES)}
    return {c: KommuneParams(kommune=c, name=kommune_name(c), groups=["skole", "ppr"], arm=arms[c],
                             consent_named=c in consent) for c in CODES}


SUMMARIES = {c: _summary(i) for i, c in enumerate(CODES)}


def _page(consent: tuple[int, ...] = (), language: str = "da", **kw) -> tuple[dict, str]:
    model = brief.project_brief(RESEARCH, kw.pop("summaries", SUMMARIES), kw.pop("params", None) or _params(consent),
                                INST)
    return model, brief.render_brief(model, INST, language)


def _text(html: str) -> str:
    """The page's words, one block (heading, paragraph, caption, table cell) per line."""
    main = parse(html).find("main")
    return "\n".join(t for e in main.iter("h1", "h2", "p", "caption", "th", "td") if (t := e.text()))


def test_change_per_arm_is_the_mean_of_the_kommune_summaries():
    model, html = _page()
    rows = {g["group"]: g for g in model["change"]}
    assert list(rows) == ["intervention", "control"]  # arms of 5: no pooled row beside them
    # by hand: intervention kommuner i = 0..4: first 3.0 + i/10 -> mean 3.20, latest + i/100 -> 3.22
    assert rows["intervention"]["first"] == pytest.approx(3.2) and rows["intervention"]["latest"] == pytest.approx(3.22)
    assert (rows["intervention"]["up"], rows["intervention"]["down"], rows["intervention"]["unclear"]) == (1, 0, 4)
    assert rows["control"]["first"] == pytest.approx(3.7) and rows["control"]["latest"] == pytest.approx(3.77)
    assert rows["control"]["up"] == 1 and rows["control"]["n_kommuner"] == 5
    text = _text(html)
    # the shown change is the difference of the shown means (3,20 -> 3,22: +0,02; 3,70 -> 3,77: +0,07)
    assert "Indsatskommuner\n5\n3,20\n3,22\n+0,02\n1\n0\n4" in text and "3,70\n3,77\n+0,07" in text
    assert [w["respondents"] for w in model["waves"]] == [sum(50 + i for i in range(10)), sum(40 + i for i in range(10))]


def test_an_arm_under_five_kommuner_is_not_shown_nor_derivable():
    arms = {c: "intervention" if i < 4 else "control" for i, c in enumerate(CODES)}
    model, _ = _page(params=_params(arms=arms))
    assert [g["group"] for g in model["change"]] == ["control"]  # no pooled row: pooled - control = the 4
    few = {c: SUMMARIES[c] for c in CODES[:4]}
    model, html = _page(summaries=few)
    assert model["change"] == [] and model["spread"] == [] and model["named"] == {"top": [], "bottom": []}
    assert "Der er for få kommuner til at vise et gennemsnit. Det kræver mindst 5." in _text(html)
    mixed = {c: "intervention" if i < 3 else "unknown" for i, c in enumerate(CODES)}
    model, _ = _page(params=_params(arms=mixed))
    assert [g["group"] for g in model["change"]] == ["all"]  # no arm of 5: all ten together


def test_no_kommune_is_named_without_consent():
    _, html = _page()
    for code in CODES:
        assert kommune_name(code) not in html, code
    assert "Ingen kommune er nævnt ved navn" in html
    # consent: 751 (the largest rise, top quarter) and 101 (the smallest) are named by place, never with a number;
    # 461 consents but sits in the middle: not named
    _, html = _page(consent=(751, 101, 461))
    text = _text(html)
    top = next(line for line in text.splitlines() if "steg mest" in line)
    bottom = next(line for line in text.splitlines() if "steg mindst" in line)
    assert top == f"Blandt kommunerne, hvor RK steg mest, er {kommune_name(751)}." and not re.search(r"\d", top)
    assert bottom == f"Blandt kommunerne, hvor RK steg mindst, er {kommune_name(101)}."
    for code in CODES:
        if code not in (751, 101):
            assert kommune_name(code) not in html, code


def test_values_equal_the_research_answers_in_plain_words():
    _, html = _page()
    text = _text(html)
    answers = {a["question"]: a for a in RESEARCH["answers"]}
    for q in ("H1", "H2", "H3", "RQ1", "RQ2", "RQ3"):
        a = answers[q]
        row = next(line for line in parse(html).find("main").iter("tr")
                   if line.find("th") is not None and line.find("th").text() == words.text(
                       f"project_brief.question.{q}", "da"))
        shown = row.text()
        assert fmt.number(abs(a["estimate"]), 2, "da") in shown, q
        assert f"mellem {fmt.number(a['ci_low'], 2, 'da')} og {fmt.number(a['ci_high'], 2, 'da')}" in shown, q
        assert words.text(f"project_brief.verdict.{a['verdict']}", "da", n=10, needed="") in shown, q
    assert "0,06 point mindre i ledelse" in text  # H3's negative estimate reads "less", not a "−" after "more"
    assert "steg 0,47 point mere end de samme relationer i kontrolkommunerne" in text
    assert "mellem 0,35 og 0,59" in text and "Ja. Forskellen er statistisk sikker." in text
    assert "Alle relationer under ét steg 0,11 point mere" in text and "ikke statistisk sikker" in text
    assert "Spørgsmålene måler måske ikke helt ens" in text  # RQ3's caveat, in plain words


def test_rq4_reads_the_latest_wave_and_says_the_chosen_ties_only_when_they_are_primary():
    """Over three waves RQ4's table has an all-ties row per later wave and a trend row: the brief reads the latest
    wave against the first; without targeted ties the primary estimate is all ties, and no "chosen ties" sentence."""
    rows = [{"scope": "all_ties", "dimension": "rk", "wave": w, "wave_term": term, "estimate": est, "ci_low": est - 0.1,
             "ci_high": est + 0.1, "p_val": 0.3, "p_adj": 0.4}
            for w, term, est in (("midtvejs", "versus_first", 0.05), ("followup", "versus_first", 0.12),
                                 ("all", "linear_trend", 0.06))]
    three = {**RESEARCH, "waves": ["baseline", "midtvejs", "followup"], "tables": {"rq4_did": rows}}
    model = brief.project_brief(three, SUMMARIES, _params(), INST)
    assert model["rq4"]["all_ties"]["estimate"] == 0.12
    primary = _answer("RQ4", "not_supported", 0.12, 0.02, 0.22, "all_ties", ("few_kommuner",))
    alone = {**three, "answers": [a for a in RESEARCH["answers"] if a["question"] != "RQ4"] + [primary]}
    text = _text(brief.render_brief(brief.project_brief(alone, SUMMARIES, _params(), INST), INST, "da"))
    assert "De valgte relationer" not in text and "Alle relationer under ét steg 0,12 point mere" in text
    assert "Forskellen er ikke statistisk sikker." in text


def test_dimensions_spread_is_the_quartiles_over_kommuner_widest_change_first():
    model, html = _page()
    # dimension k's change over the kommuner i = 0..9 is i (k + 1) / 200: the last dimension spreads most
    assert [s["dimension"] for s in model["spread"]] == list(reversed(DIMS))
    last = model["spread"][0]
    k = len(DIMS)
    assert last["change"] == pytest.approx((2.25 * k / 200, 6.75 * k / 200))  # type-7 quartiles of 0..9 x k/200
    assert "rk" not in [s["dimension"] for s in model["spread"]]  # the index's spread is the reports' benchmark
    assert f"hvordan {INST.label(DIMS[-1]).lower()} har ændret sig" in _text(html)
    _, english = _page(language="en")
    assert f"<th scope=\"row\">{INST.label(DIMS[-1], 'en')}</th>" in english


@pytest.mark.parametrize("language", ["da", "en"])
def test_plain_words_short_sentences(language):
    _, html = _page(consent=(751,), language=language)
    text = _text(html)
    assert not JARGON.search(text), JARGON.search(text)
    assert lix(text) <= 45, lix(text)
    assert f'<html lang="{language}">' in html and "<main>" in html and '<meta name="viewport"' in html


def test_consent_is_a_yaml_boolean_defaulting_to_false(tmp_path):
    kp = KommuneParams(kommune=766, name="Hedensted", groups=["skole", "ppr"], arm="control")
    assert kp.consent_named is False and "consent_named" not in dump_kommune_params(kp)  # old files unchanged
    path = tmp_path / "766.yaml"
    path.write_text(dump_kommune_params(kp.model_copy(update={"consent_named": True})), encoding="utf-8")
    assert "consent_named: true" in path.read_text(encoding="utf-8") and load_kommune_params(path).consent_named
    data = yaml.safe_load(path.read_text(encoding="utf-8")) | {"consent_named": "ja"}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InstrumentError, match="consent_named"):
        load_kommune_params(path)


# ----------------------------------------------------------------------------------------------------
# From the run's own products: the research summary and the kommune reports' summaries, printed by Chromium
# ----------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def run(demo_project, tmp_path_factory):
    project = demo_project(10, 1)
    tables = relkap.load(project.data)
    params = load_all_kommune_params(project.params)
    out = tmp_path_factory.mktemp("brief-run")
    summaries = {code: report.summary(report.build(tables, INST, kp, language="da")) for code, kp in params.items()}
    results = research.analyse(tables, INST, arms={k: p.arm for k, p in params.items()},
                               targeted={k: p.targeted_ties for k, p in params.items() if p.targeted_ties},
                               n_boot=20, n_permutations=49, seed=1)
    (out / "research").mkdir()
    (out / "research" / "research_summary.json").write_text(
        json.dumps(research.research_summary(results, {"min_n": 5}, "da", INST), default=str), encoding="utf-8")
    consent = {next(iter(params)): True}
    params = {k: p.model_copy(update={"consent_named": consent.get(k, False)}) for k, p in params.items()}
    page = brief.write_brief(out, summaries, params, INST, language="da")
    return {"page": page, "params": params, "summaries": summaries, "out": out,
            "research": json.loads((out / "research" / "research_summary.json").read_text(encoding="utf-8"))}


def test_brief_of_a_run_uses_the_research_answers_and_the_reports(run):
    html = run["page"].read_text(encoding="utf-8")
    assert run["page"] == run["out"] / "research" / "brief.html"
    model = brief.project_brief(run["research"], run["summaries"], run["params"], INST)
    # the employees per wave summed over the reports equal the research's (the same shown answers)
    assert sum(w["respondents"] for w in model["waves"]) == run["research"]["n"]["employees"]
    text = _text(html)
    for a in run["research"]["answers"]:
        if a["question"] != "RQ4" and a["estimate"] is not None:
            assert fmt.number(abs(a["estimate"]), 2, "da") in text, a["question"]
    assert not JARGON.search(text) and lix(text) <= 45
    named = [p.name for p in run["params"].values() if p.consent_named]
    for p in run["params"].values():
        if p.name not in named:
            assert p.name not in html, p.name


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler's pdftotext")
def test_brief_prints_on_at_most_four_a4_pages(run, tmp_path):
    printed = pdf.html_to_pdf([(run["page"], tmp_path / "brief.pdf")])[0]
    text = subprocess.run(["pdftotext", "-layout", str(printed), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.count("\f")  # pdftotext ends every page with a form feed
    assert 1 <= pages <= 4, pages
    assert "Hvad svarer data på projektets spørgsmål?" in text.split("\f")[1]  # the questions begin page two


# ----------------------------------------------------------------------------------------------------
# axe-core (the accessibility engine of the browsers' audits, from npm) on the brief and the index
# ----------------------------------------------------------------------------------------------------
@pytest.mark.skipif(not AXE.exists(), reason="axe-core is missing (`make browser` runs npm ci)")
def test_brief_and_index_have_no_axe_violations_at_1280_and_390_px(tmp_path):
    from relkap import batch

    _, html = _page(consent=(751,))
    (tmp_path / "research").mkdir()
    (tmp_path / "research" / "brief.html").write_text(html, encoding="utf-8")
    (tmp_path / "766").mkdir()
    (tmp_path / "766" / "report.html").write_text("<html></html>", encoding="utf-8")
    index = batch.write_index([batch.JobResult(766, "Hedensted", "ok", 30.5),
                               batch.JobResult(336, "Stevns", "failed", 2.0, error="ValueError: x")], tmp_path, {})
    with pdf.browser() as b:
        found = {(page_path.name, width): audit(b, page_path, width)
                 for page_path in (tmp_path / "research" / "brief.html", index) for width in (1280, 390)}
    assert all(v == [] for v in found.values()), found
