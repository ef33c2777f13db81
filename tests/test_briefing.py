"""The report's briefing on the synthetic demo: key points, most changed ties, targeted ties, dialogue guide,
response rates, methods and limitations (relkap.report.briefing, relkap.report.response, relkap.report.methods), and the
invited counts of the demo (relkap.synth, relkap.params)."""

from __future__ import annotations

import hashlib
import json
import re

import numpy as np
import pandas as pd
import pytest

import relkap
from relkap import fmt, mixed, privacy, report, synth
from relkap.errors import InstrumentError
from relkap.labels import label, wave_label
from relkap.params import (
    KommuneParams,
    dump_kommune_params,
    load_all_kommune_params,
    load_kommune_params,
)
from relkap.report import briefing, changed, dialogue, keypoints, response, targeted, ties
from relkap.report import methods as methods_text

INST = relkap.load_instrument()
STEVNS, HEDENSTED, RANDERS = 336, 766, 730  # intervention; control; control with an unchanged index


@pytest.fixture(scope="module")
def demo(demo_project):
    project = demo_project(10, 1)
    tables = relkap.load(project.data)
    params = load_all_kommune_params(project.params)
    out = {}
    for code, kp in params.items():
        t = report.kommune_tables(tables, code)
        overview = report.response_overview(t, INST)
        out[code] = {
            "params": kp, "overview": overview, "rk": report.rk_change(t.relations, INST),
            "ties": report.tie_change(t.relations, INST), "scores": report.tie_table(t.relations, INST),
            "rates": response.response_rates(overview, kp.invited, 5, waves=["baseline", "followup"], instrument=INST),
        }
    return out


def _sentences(text: str) -> int:
    return len(re.findall(r"[.!?](?:\s|$)", text))


# ----------------------------------------------------------------------------------------------------
# most changed
# ----------------------------------------------------------------------------------------------------
def test_most_changed_orders_by_absolute_change_ups_and_downs_apart(demo):
    d = demo[STEVNS]
    most = changed.most_changed(d["ties"], k=3, targeted=d["params"].targeted_ties)
    ok = d["ties"][ties.reportable(d["ties"], 5)]
    for direction, sign in (("up", 1), ("down", -1)):
        part = most[most["direction"] == direction]
        expected = ok[np.sign(ok["diff"]) == sign]["diff"].abs().sort_values(ascending=False).head(3)
        assert part["diff"].abs().round(9).tolist() == expected.round(9).tolist()
        assert part["rank"].tolist() == list(range(1, len(part) + 1))
    # the old list (top and bottom five by signed g) called +0,04 and +0,08 "changed most"
    ups = most[most["direction"] == "up"]
    assert ups["diff"].min() > 0.4 and (ups["diff"].iloc[0] == ok["diff"].max())
    assert not (most["group"] == most["target"]).any()  # no diagonal
    assert (most[["n_baseline", "n_followup"]] >= 5).all().all()  # enough answers
    top = most.iloc[0]
    # the respondent intercept model (Kenward-Roger), FDR over the kommune's 20 shown ties
    assert (top.group, top.target, top.certainty, bool(top.targeted)) == ("myndighed", "udfoerer", "significant", True)
    assert set(most["certainty"]) <= {"significant", "uncertain"}


def test_most_changed_without_declines_lists_none():
    ties = pd.DataFrame({"group": list("aab"), "target": list("bca"), "n_baseline": 8, "n_followup": 8,
                         "diff": [0.3, 0.1, 0.2], "p_fdr": 0.5, "suppressed": False})
    most = changed.most_changed(ties, k=3)
    assert (most["direction"] == "up").all() and len(most) == 3
    pts = keypoints.key_points(pd.DataFrame({"dimension": ["rk"], "n_baseline": [30], "n_followup": [30],
                                            "mean_baseline": [3.4], "mean_followup": [3.5], "diff": [0.1],
                                            "p_fdr": [0.3], "suppressed": [False]}), ties)
    assert "Ingen relation med nok svar er gået tilbage." in keypoints.key_point_sentences(pts, "da", INST)


def test_most_changed_table_marks_targeted_ties_and_says_certainty_in_words(demo):
    d = demo[STEVNS]
    table = changed.most_changed_table(changed.most_changed(d["ties"], targeted=d["params"].targeted_ties),
                                        "da", INST)
    assert table["Relation"].iloc[0] == "◆ Myndighedsrådgivere → Udførere (familiebehandling)"
    assert set(table["Sikkerhed"]) <= {"statistisk sikker", "kan skyldes tilfældigheder"}
    assert "<5" not in "".join(table.astype(str).to_numpy().ravel())  # only ties with enough answers


# ----------------------------------------------------------------------------------------------------
# intervention: title block, targeted ties against the others
# ----------------------------------------------------------------------------------------------------
def test_intervention_kommune_names_and_compares_its_targeted_ties(demo):
    d = demo[STEVNS]
    kp = d["params"]
    assert kp.arm == "intervention" and len(kp.targeted_ties) == 3
    title = briefing.title_block(kp.name, STEVNS, kp, True, "da", INST)
    assert "**indsatskommune**" in title and "Fokus:** " + kp.focal_process in title
    assert "Myndighedsrådgivere → Udførere (familiebehandling)" in title and "(◆)" in title
    comp = targeted.targeted_comparison(d["ties"], kp.targeted_ties)
    assert list(zip(comp.ties["group"], comp.ties["target"], strict=True)) == [tuple(t) for t in kp.targeted_ties]
    ok = d["ties"][ties.reportable(d["ties"], 5)]
    is_t = [(a, b) in {tuple(t) for t in kp.targeted_ties} for a, b in zip(ok["group"], ok["target"], strict=True)]
    assert comp.value("targeted", "mean_diff") == pytest.approx(ok.loc[is_t, "diff"].mean())
    assert comp.value("other", "mean_diff") == pytest.approx(ok.loc[~np.array(is_t), "diff"].mean())
    assert comp.value("targeted", "n_ties") + comp.value("other", "n_ties") == len(ok)
    assert comp.value("targeted", "mean_diff") > comp.value("other", "mean_diff")  # the built-in +0.5
    for lang, words in (("da", ("valgt", "regression mod middelværdien", "kontrolgruppe")),
                        ("en", ("chosen", "regression to the mean", "control group"))):
        caveats = " ".join(targeted.targeted_caveats(lang))
        assert all(w in caveats for w in words)
        text = " ".join(targeted.targeted_text(comp, lang, INST))
        assert briefing.fmt.signed(comp.value("targeted", "mean_diff"), 2, lang) in text
    table = targeted.targeted_table(comp, "en")
    assert table.iloc[:, 0].tolist() == ["Ties you worked on (◆)", "Other ties between groups"]


def test_control_kommune_is_told_it_is_a_control(demo):
    d = demo[HEDENSTED]
    kp = d["params"]
    assert kp.arm == "control"
    assert "**kontrolkommune**" in briefing.title_block(kp.name, HEDENSTED, kp, True, "da", INST)
    assert "a **control kommune**" in briefing.title_block(kp.name, HEDENSTED, kp, True, "en", INST)
    pts = keypoints.key_points(d["rk"], d["ties"], d["rates"], kp)
    assert [p["kind"] for p in pts] == ["index", "up", "down", "control", "response"]
    assert "Hedensted er kontrolkommune" in " ".join(keypoints.key_point_sentences(pts, "da", INST, d["rates"]))


def test_title_block_without_arm_or_follow_up():
    text = briefing.title_block("Aarhus", 751, None, False, "da", INST)
    assert "ikke angivet" in text and "Kun førmåling" in text


def test_targeted_tie_without_enough_answers_is_named_as_hidden():
    ties = pd.DataFrame({"group": ["a", "b"], "target": ["b", "a"], "n_baseline": [8, 3], "n_followup": 8,
                         "diff": [0.2, np.nan], "p_fdr": [0.4, np.nan], "suppressed": [False, True]})
    comp = targeted.targeted_comparison(ties, [("b", "a")])
    assert comp.hidden == [("b", "a")] and comp.value("targeted", "n_ties") == 0
    assert targeted.targeted_text(comp, "en", INST)[0].startswith("None of the ties you worked on")


# ----------------------------------------------------------------------------------------------------
# key points and the headline
# ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("language", ["da", "en"])
def test_key_points_at_most_five_plain_sentences(demo, language):
    for code, d in demo.items():
        pts = keypoints.key_points(d["rk"], d["ties"], d["rates"], d["params"])
        sentences = keypoints.key_point_sentences(pts, language, INST, d["rates"])
        assert 4 <= len(sentences) <= 5, code
        for s in sentences:
            assert _sentences(s) == 1, s  # one sentence each
            assert "**" not in s and "nan" not in s.lower() and "{" not in s
    json.dumps(pts)  # plain data for summary.json


def test_key_points_of_the_intervention_kommune(demo):
    d = demo[STEVNS]
    pts = keypoints.key_points(d["rk"], d["ties"], d["rates"], d["params"])
    assert [p["kind"] for p in pts] == ["index", "up", "down", "targeted", "response"]
    da = keypoints.key_point_sentences(pts, "da", INST, d["rates"])
    # the shown change is the difference of the shown means (3,59 − 3,43), not the rounded exact change (0,17)
    assert da[0].startswith("Samarbejdet mellem grupperne (RK-indeks) steg fra 3,43 til 3,59 (+0,16)")
    assert da[0].endswith("ændringen er statistisk sikker.")
    assert "◆ Myndighedsrådgivere → Udførere (familiebehandling) (+0,70, statistisk sikker)" in da[1]
    assert da[3].startswith("De 3 relationer, I har arbejdet med, ændrede sig i gennemsnit +0,")
    assert da[4].startswith("Svarprocent: førmåling ") and "hvis tal skal læses med forsigtighed" in da[4]


def test_headline_unchanged_index_and_no_bold_when_not_significant(demo):
    rk = demo[RANDERS]["rk"].copy()
    assert "**" not in briefing.headline(rk, "da", INST)  # +0,002, not significant
    index = rk["dimension"] == "rk"  # means that round to the same value: "uændret"
    rk.loc[index, ["mean_baseline", "mean_followup", "diff"]] = [3.3414, 3.3393, -0.0021]
    row = briefing.index_row(rk)
    assert briefing.fmt.number(row.mean_baseline, 2) == briefing.fmt.number(row.mean_followup, 2) == "3,34"
    da = briefing.headline(rk, "da", INST)
    assert "er uændret på 3,34" in da and "faldet" not in da and "**" not in da
    assert "kan skyldes tilfældigheder" in da
    assert "is unchanged at 3.34" in briefing.headline(rk, "en", INST)
    assert briefing.headline(demo[STEVNS]["rk"], "da", INST).startswith("**Samarbejdet")  # significant: bold
    not_sig = demo[HEDENSTED]["rk"]
    assert "**" not in briefing.headline(not_sig, "da", INST) and "steg fra" in briefing.headline(not_sig, "da", INST)


def test_headline_names_the_minimum_detectable_change_when_given(demo):
    rk = demo[RANDERS]["rk"].assign(mdc=0.31)
    assert "mindst 0,31 for at kunne ses sikkert" in briefing.headline(rk, "da", INST)


def test_headline_baseline_only():
    rk = pd.DataFrame({"dimension": ["rk"], "n_baseline": [40], "n_followup": [0], "mean_baseline": [3.456],
                       "mean_followup": [np.nan], "diff": [np.nan], "p_fdr": [np.nan], "suppressed": [True]})
    assert briefing.headline(rk, "en", INST) == ("There is only a baseline: collaboration between the groups (RK index) "
                                           "is 3.46 on a scale from 1 to 5.")


# ----------------------------------------------------------------------------------------------------
# response rates
# ----------------------------------------------------------------------------------------------------
def test_response_rate_shown_when_invited_is_given(demo):
    d = demo[STEVNS]
    rates, kp = d["rates"], d["params"]
    given = rates[(rates["status"] == "given") & (rates["group"] != response.TOTAL)]
    for r in given.itertuples(index=False):
        assert r.rate == pytest.approx(r.n / kp.invited[r.wave][r.group])
        assert r.low == (r.rate < response.LOW_RESPONSE)
    # Ledere answered fewer than 5 at baseline: no count, no rate (rate x invited would give it away)
    hidden = rates[(rates["group"] == "ledere") & (rates["wave"] == "baseline")].iloc[0]
    assert hidden.status == "hidden" and pd.isna(hidden.n) and np.isnan(hidden.rate)
    # the total leaves the hidden group out, so it cannot be subtracted back
    total = rates[(rates["group"] == response.TOTAL) & (rates["wave"] == "baseline")].iloc[0]
    shown = rates[(rates["group"] != response.TOTAL) & (rates["wave"] == "baseline") & rates["n"].notna()]
    assert total.n == shown["n"].sum()
    table = response.response_table(rates, "da", INST).set_index("Gruppe")
    assert table.loc["Ledere", "Førmåling"] == "<5"  # no rate, no number invited
    assert "lav: læs med forsigtighed" in table.to_string()
    for r in given.itertuples(index=False):  # "answers af invited (rate)" as the rates say
        cell = table.loc[label(r.group, "da", INST), wave_label(r.wave, "da", INST)]
        assert cell.startswith(f"{int(r.n)} af {int(r.invited)} ({fmt.percent(r.rate, 'da')})")
    assert any("Svarprocenten er svar delt med antal inviterede" in p
               for p in methods_text.methods_text(d["rk"], d["ties"], rates, language="da", instrument=INST))


def test_response_rate_not_given_says_so(demo):
    d = demo[HEDENSTED]
    rates = response.response_rates(d["overview"], None, 5, instrument=INST)
    assert (rates["status"].isin(["not_given", "hidden"])).all() and rates["rate"].isna().all()
    pts = keypoints.key_points(d["rk"], d["ties"], rates, d["params"])
    da, en = (keypoints.key_point_sentences(pts, lang, INST, rates)[-1] for lang in ("da", "en"))
    assert "antallet af inviterede er ikke oplyst, så svarprocenten kendes ikke" in da
    assert "the number invited is not given" in en
    shown = response.response_table(rates, "da", INST).drop(columns="Gruppe").to_numpy().ravel()
    assert all(c == "<5" or c.isdigit() for c in shown)  # answers only: no rate without the number invited
    lim = methods_text.limitations_text(d["ties"], rates, language="da", instrument=INST)
    assert any("ikke oplyst, hvor mange der blev inviteret" in p for p in lim)


def test_response_rate_more_answers_than_invited_is_flagged():
    ov = pd.DataFrame({"group": ["skole"], "wave": ["baseline"], "n": [12]})
    r = response.response_rates(ov, {"baseline": {"skole": 10}}, instrument=INST)
    assert r.loc[0, "status"] == "too_many" and np.isnan(r.loc[0, "rate"])


# ----------------------------------------------------------------------------------------------------
# dialogue guide and reading guide
# ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("code", [STEVNS, HEDENSTED])
def test_dialogue_guide_three_ties_with_reasons_and_open_questions(demo, code):
    d = demo[code]
    latest = d["scores"][d["scores"]["wave"] == "followup"]
    guide = dialogue.dialogue_guide(latest, d["ties"])
    assert len(guide) == 3 and not guide.duplicated(["group", "target"]).any()
    assert guide["reason"].iloc[0] == "weakest"
    ok = latest[~latest["suppressed"] & (latest["group"] != latest["target"])]
    assert guide["mean"].iloc[0] == pytest.approx(ok["mean"].min())
    assert "gap" in set(guide["reason"])
    gap = guide[guide["reason"] == "gap"].iloc[0]
    assert gap["mean"] < gap["mean_other"]  # the lower direction is the tie named
    for lang, head in (("da", "## Tre relationer at tale om først"), ("en", "## Three ties to talk about first")):
        md = dialogue.dialogue_markdown(guide, lang, INST, d["params"].targeted_ties)
        assert md.startswith(head)
        questions = [line for line in md.splitlines() if line.startswith("    - ")]
        # three questions per tie, two for a decline that may be chance (asked about, not assumed)
        expected = sum(2 if dialogue.question_kind(r, c) == "decline_unsure" else 3
                       for r, c in zip(guide["reason"], guide["certainty"], strict=True))
        assert len(questions) == expected and all(q.rstrip().endswith("?") for q in questions)
        assert "skyld" not in " ".join(questions) and "blame" not in " ".join(questions)


def test_dialogue_guide_names_the_largest_decline(demo):
    d = demo[HEDENSTED]
    guide = dialogue.dialogue_guide(d["scores"][d["scores"]["wave"] == "followup"], d["ties"])
    decline = guide[guide["reason"] == "decline"].iloc[0]
    ok = d["ties"][ties.reportable(d["ties"], 5)]
    assert decline["diff"] == pytest.approx(ok["diff"].min())


@pytest.mark.parametrize(("language", "band", "limit"), [("da", "3,5", "±1,0"), ("en", "3.5", "±1.0")])
def test_reading_guide(language, band, limit):
    guide = briefing.reading_guide(language, INST, targeted=True)
    text = " ".join(guide)
    assert band in text and limit in text and "◆" in text and "n<5" in text
    assert len(briefing.reading_guide(language, INST, targeted=False)) == len(guide) - 1


# ----------------------------------------------------------------------------------------------------
# methods and limitations
# ----------------------------------------------------------------------------------------------------
def test_methods_text_says_what_the_survey_can_detect(demo):
    """The minimum detectable change (80 % power; the compare_waves ``mdc`` column, checked against R's pwr in
    tests/test_power.py) of the index and the range over the shown cross-group ties, in the methods text."""
    d = demo[STEVNS]
    row = briefing.index_row(d["rk"])
    text = " ".join(methods_text.methods_text(d["rk"], d["ties"], d["rates"], language="en", instrument=INST))
    assert f"at least {row['mdc']:.2f}" in text and "80% probability" in text
    shown = d["ties"][~d["ties"]["suppressed"] & ~d["ties"]["diagonal"]]
    assert f"{shown['mdc'].min():.2f} to {shown['mdc'].max():.2f}" in text
    assert f"median {shown['mdc'].median():.2f}" in text
    da = " ".join(methods_text.methods_text(d["rk"], d["ties"], d["rates"], language="da", instrument=INST))
    assert "påvises en ændring af RK-indekset på mindst " + f"{row['mdc']:.2f}".replace(".", ",") in da


@pytest.mark.parametrize("language", ["da", "en"])
def test_methods_text_names_the_test_the_table_used(demo, language):
    d = demo[STEVNS]
    welch = " ".join(methods_text.methods_text(d["rk"], d["ties"], d["rates"], language=language, instrument=INST))
    # respondents link across the demo's waves: the index and most ties use the respondent intercept model,
    # ties with fewer than 5 linked raters Welch's test, and the methods say both, with their numbers
    used = methods_text.used_tests(pd.concat([d["rk"], d["ties"]]))
    assert used["mixed"] > 0 and used["welch"] > 0
    assert ("lineær blandet model" if language == "da" else "linear mixed model") in welch
    assert ("Welchs t-test" if language == "da" else "Welch's t test") in welch
    assert (f"{used['mixed']} ændringer er testet i denne model" if language == "da"
            else f"{used['mixed']} changes are tested in this model") in welch
    assert "Benjamini-Hochberg" in welch and "FDR" in welch
    n_tested = int((~d["ties"]["suppressed"]).sum())
    assert str(n_tested) in welch
    row = briefing.index_row(d["rk"])
    assert f"{int(row.n_baseline)}" in welch and f"{int(row.n_followup)}" in welch
    paired = " ".join(methods_text.methods_text(d["rk"].assign(test="paired"), d["ties"].assign(test="paired"),
                                                d["rates"], language=language, instrument=INST))
    assert ("parret t-test" if language == "da" else "paired t test") in paired
    assert "Welch" not in paired
    lim_w = " ".join(methods_text.limitations_text(d["ties"], d["rates"], language=language, instrument=INST))
    lim_p = " ".join(methods_text.limitations_text(d["ties"].assign(test="paired"), d["rates"],
                                                   language=language, instrument=INST))
    different = "samme personer" if language == "da" else "same people"
    assert different in lim_w and different not in lim_p
    assert ("regression mod middelværdien" if language == "da" else "regression to the mean") in lim_w
    assert ("ikke et bevis" if language == "da" else "not proof") in lim_w


def test_methods_text_counts_the_hidden_ties(demo):
    d = demo[STEVNS]
    text = " ".join(methods_text.methods_text(d["rk"], d["ties"], d["rates"], language="en", instrument=INST))
    n_hidden = int(d["ties"]["suppressed"].sum())
    assert f"{n_hidden} of the kommune's {len(d['ties'])} ties are hidden" in text


# ----------------------------------------------------------------------------------------------------
# summary.json, schema 3
# ----------------------------------------------------------------------------------------------------
def test_summary_briefing_fields_are_json_and_keep_small_counts_out(demo_project):
    project = demo_project(10, 1)
    tables, params = relkap.load(project.data), load_all_kommune_params(project.params)
    data = json.loads(json.dumps(report.summary(report.build(tables, INST, params[STEVNS])), allow_nan=False))
    assert data["schema"] == 4 and data["arm"] == "intervention"
    assert data["targeted_ties"] == [list(t) for t in params[STEVNS].targeted_ties]
    assert [g["kind"] for g in data["targeted_comparison"]["groups"]] == ["targeted", "other"]
    counts = [r["n"] for r in data["response_rates"] if r["n"] is not None]
    assert min(counts) >= 5
    ledere = next(r for r in data["response_rates"] if r["group"] == "ledere" and r["wave"] == "baseline")
    assert ledere["n"] is None and ledere["rate"] is None and ledere["status"] == "hidden"
    assert [p["kind"] for p in data["key_points"]][0] == "index"
    control = report.summary(report.build(tables, INST, params[HEDENSTED]))
    assert control["arm"] == "control" and control["targeted_comparison"] is None


def test_build_index_change_equals_the_hand_computed_one(demo_project):
    """The model's index change is the mean of each respondent's mean over the other groups' scores (hidden
    cells removed), follow-up minus baseline, computed here by hand from the relations table."""
    project = demo_project(10, 1)
    tables, params = relkap.load(project.data), load_all_kommune_params(project.params)
    model = report.build(tables, INST, params[STEVNS], min_n=5)
    rel = privacy.shareable(tables.relations[tables.relations["kommune"] == STEVNS], 5, min_items=INST.min_items)
    rel = rel[rel["group"].astype(str) != rel["target"].astype(str)].astype({"wave": str})
    # s(r, B): the mean of r's answered items about B, kept when at least min_items are answered
    per_tie = rel.groupby(["wave", "respondent_id", "target"], observed=True)["score"].agg(["mean", "count"])
    per_tie = per_tie[per_tie["count"] >= INST.min_items].reset_index()
    person = per_tie.groupby(["wave", "respondent_id"])["mean"].mean()
    by_wave = person.groupby(level="wave").agg(["mean", "count"])
    row = model.rk[model.rk["dimension"] == "rk"].iloc[0]
    assert row["n_baseline"] == by_wave.loc["baseline", "count"]
    # the change: the respondent intercept model on these person scores, fitted by relkap.mixed's general REML
    # engine (checked against lmerTest in tests/test_mixed.py); its wave means are the comparison's means
    assert row["test"] == "mixed"
    d = person.rename("score").reset_index()
    exog = pd.DataFrame({"baseline": (d["wave"] == "baseline") * 1.0, "followup": (d["wave"] == "followup") * 1.0})
    fit = mixed.fit_nested(d["score"].to_numpy(), exog, d["respondent_id"].to_numpy(), {})
    assert row["mean_baseline"] == pytest.approx(fit.params["baseline"], abs=1e-6)
    assert row["diff"] == pytest.approx(fit.params["followup"] - fit.params["baseline"], abs=1e-6)
    assert row["diff"] == pytest.approx(row["mean_followup"] - row["mean_baseline"], abs=1e-12)
    # the key point and summary.json carry the same number
    assert model.key_points[0]["diff"] == pytest.approx(row["diff"], abs=1e-6)
    assert report.summary(model)["rk_index"]["diff"] == pytest.approx(row["diff"], abs=1e-6)
    # waves are an ordered list; hidden ties are listed without values
    assert model.waves == ("baseline", "followup") and model.has_followup
    hidden = model.tie_diff[model.tie_diff["suppressed"].astype(bool)]
    assert len(hidden) and hidden["diff"].isna().all()


# ----------------------------------------------------------------------------------------------------
# invited counts: params and the demo
# ----------------------------------------------------------------------------------------------------
# sha256 of the demo's CSV files (10 kommuner, seed 1) written by synth before the invited counts were
# added: the invited counts come from a random stream of their own, so no answer may change
# employees.csv as test_synth.SURVEY_SHA256 has it: the measurement demo's item shift (issue 24) moved 77 answers
DEMO_CSV_SHA256 = {
    "citizens.csv": "5b461603b6fd321669d1443a3a6e300a86a58acdbde3b71ee825ad007981c55b",
    "employees.csv": "c883d03afb05cc0557eb95e332ab56674b68a0fd781a368009d6d4d310f23766",
    "structures.csv": "0fef391b226f7231aa003fcf8a3cdfe8476b1241f904478da19f9f27cc2bcebb",
}


def test_invited_counts_leave_the_demo_answers_byte_identical(demo_project):
    raw = demo_project(10, 1).raw
    for name, digest in DEMO_CSV_SHA256.items():
        assert hashlib.sha256((raw / name).read_bytes()).hexdigest() == digest, name


def test_demo_invited_counts_are_plausible(demo_project):
    project = demo_project(10, 1)
    employees = pd.read_csv(project.raw / "employees.csv", sep=";", encoding="cp1252",
                            usecols=["kommune", "wave", "group"])
    answered = employees.groupby(["kommune", "wave", "group"]).size()
    rates = []
    for kp in load_all_kommune_params(project.params).values():
        assert set(kp.invited) == {"baseline", "followup"}
        for wave, groups in kp.invited.items():
            assert set(groups) == set(kp.groups)
            for g, invited in groups.items():
                n = int(answered.get((kp.kommune, wave, g), 0))
                assert n <= invited
                rates.append(n / invited)
    rates = np.array(rates)
    assert np.mean((rates >= 0.5) & (rates <= 0.92)) > 0.8  # mostly 55-90 %
    assert 1 <= np.sum(rates < 0.5) <= 12  # and a few low groups


def test_committed_demo_parameter_files_have_the_invited_counts():
    committed = load_all_kommune_params(relkap.config.KOMMUNE_PARAMS_DIR)
    simulated = {kp.kommune: kp for kp in synth.simulate(10, 1, waves=3).params}  # the demo is three-wave
    for code, kp in committed.items():
        assert kp == simulated[code]


def test_params_invited_is_optional_and_validated(tmp_path):
    kp = KommuneParams(kommune=766, name="Hedensted", groups=["skole", "ppr"], focal_process="x", arm="control")
    assert kp.invited == {} and "invited" not in dump_kommune_params(kp)
    with_inv = kp.model_copy(update={"invited": {"baseline": {"skole": 20}}})
    f = tmp_path / "766.yaml"
    f.write_text(dump_kommune_params(with_inv), encoding="utf-8")
    assert load_kommune_params(f).invited == {"baseline": {"skole": 20}}
    f.write_text(dump_kommune_params(kp) + "invited:\n  baseline:\n    skole: -3\n", encoding="utf-8")
    with pytest.raises(InstrumentError, match="invited"):
        load_kommune_params(f)
