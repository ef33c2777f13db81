"""Interviews beside the survey: REFI-QDA import, coded-segments tables, quantitizing and joint displays.

The .qdpx projects here are written by hand from the published REFI-QDA schema (Project-mrt2019.xsd,
namespace urn:QDA-XML:project:1.0), independently of relkap.synth.interviews' writer.
"""

from __future__ import annotations

import html
import zipfile

import numpy as np
import pandas as pd
import pytest

import relkap
from relkap import fmt, interviews, report, synth
from relkap.errors import InputError
from relkap.io import pseudonymise
from relkap.params import load_all_kommune_params
from relkap.plots.cells import tie_cells
from relkap.privacy import hidden_cells, shown_cells
from relkap.words import text

INST = relkap.load_instrument()
KEY = b"test-key"

# guids of the hand-built project
G = {k: f"{i:08x}-0000-4000-8000-000000000000" for i, k in enumerate(
    ["relationer", "tie", "styrke", "problem", "ressourcer", "rk", "kendskab", "kendskab_ppr", "ledelse",
     "vision", "v_kommune", "v_runde", "v_gruppe", "case_a", "case_b", "src1", "src2", "sel1", "sel2", "sel3",
     "sel4", "sel5", "sel6", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9"], start=1)}
TEXT1 = ("I: Hvordan går det?\nR: Samarbejdet med skolen er godt nu. Vi har alt for lidt tid. "
         "Vi kender PPR ret godt. Skolen svarer ikke altid. Vi mødes hver uge med skolen.\n")
SOURCE1, SOURCE2 = "Interview Anna Jensen, skolelærer", "Interview Bo Hansen"
TEXT2 = "Visionen fra ledelsen er uklar."


def span(text: str, part: str) -> tuple[int, int]:
    start = text.index(part)
    return start, start + len(part)


S1 = span(TEXT1, "Samarbejdet med skolen er godt nu.")
S2 = span(TEXT1, "Vi har alt for lidt tid.")
S3 = span(TEXT1, "Vi kender PPR ret godt.")
S4 = span(TEXT1, "Skolen svarer ikke altid.")
S5 = span(TEXT1, "Vi mødes hver uge med skolen.")


def project_xml(kommune_a: str = "766", tie_ref: str | None = None) -> str:
    """project.qde by hand: nested codes, two text sources (one internal file, one inline text), coded
    selections (one co-coded with a valence code, one whole-source coding), cases with variables."""
    tie_ref = tie_ref or G["tie"]

    def sel(guid, s, *codes):
        codings = "".join(f'<Coding guid="{G[c]}"><CodeRef targetGUID="{ref}"/></Coding>' for c, ref in codes)
        return f'<PlainTextSelection guid="{G[guid]}" startPosition="{s[0]}" endPosition="{s[1]}">{codings}</PlainTextSelection>'

    def var(v, value, tag="TextValue"):
        return f'<VariableValue><VariableRef targetGUID="{G[v]}"/><{tag}>{value}</{tag}></VariableValue>'

    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Test" origin="hand">
  <CodeBook><Codes>
    <Code guid="{G['relationer']}" name="Relationer" isCodable="false">
      <Code guid="{G['tie']}" name="Myndighed  -> Skole" isCodable="true"/>
    </Code>
    <Code guid="{G['styrke']}" name="Styrke" isCodable="true"/>
    <Code guid="{G['problem']}" name="Problem" isCodable="false">
      <Code guid="{G['ressourcer']}" name="Ressourcer" isCodable="true"/>
    </Code>
    <Code guid="{G['rk']}" name="RK" isCodable="false">
      <Code guid="{G['kendskab']}" name="Gensidigt kendskab" isCodable="true">
        <Code guid="{G['kendskab_ppr']}" name="Kendskab til PPR" isCodable="true"/>
      </Code>
    </Code>
    <Code guid="{G['ledelse']}" name="Ledelse" isCodable="false">
      <Code guid="{G['vision']}" name="Vision" isCodable="true"/>
    </Code>
  </Codes></CodeBook>
  <Variables>
    <Variable guid="{G['v_kommune']}" name="Kommune" typeOfVariable="Integer"/>
    <Variable guid="{G['v_runde']}" name="Runde" typeOfVariable="Text"/>
    <Variable guid="{G['v_gruppe']}" name="Gruppe" typeOfVariable="Text"/>
  </Variables>
  <Cases>
    <Case guid="{G['case_a']}" name="Anna">
      {var('v_kommune', kommune_a, 'IntegerValue')}{var('v_runde', 'Før')}{var('v_gruppe', 'Skolelærer')}
      <SourceRef targetGUID="{G['src1']}"/>
    </Case>
    <Case guid="{G['case_b']}" name="Bo">
      {var('v_kommune', 'Hedensted')}{var('v_runde', 'Før')}{var('v_gruppe', 'myndighed')}
      <SourceRef targetGUID="{G['src2']}"/>
    </Case>
  </Cases>
  <Sources>
    <TextSource guid="{G['src1']}" name="{SOURCE1}" plainTextPath="internal://{G['src1']}.txt">
      {sel('sel1', S1, ('c1', tie_ref), ('c2', G['styrke']))}
      {sel('sel2', S2, ('c3', G['ressourcer']))}
      {sel('sel3', S3, ('c4', G['kendskab_ppr']))}
      {sel('sel4', S4, ('c5', G['tie']))}
      {sel('sel5', S5, ('c6', G['styrke']), ('c7', G['tie']))}
    </TextSource>
    <TextSource guid="{G['src2']}" name="{SOURCE2}">
      <PlainTextContent>{TEXT2}</PlainTextContent>
      {sel('sel6', (0, len(TEXT2)), ('c8', G['vision']))}
      <Coding guid="{G['c9']}"><CodeRef targetGUID="{G['kendskab']}"/></Coding>
    </TextSource>
  </Sources>
</Project>
"""


MAPPING = {
    "sources": {"variables": {"kommune": "Kommune", "wave": "Runde", "group": "Gruppe"},
                "values": {"wave": {"før": "baseline", "Efter": "followup"}, "group": {"Skolelærer": "skole"}}},
    "codes": {
        "myndighed -> skole": {"tie": ["myndighed", "skole"]},
        "Styrke": {"valence": "strength"},
        "Problem": {"valence": "problem"},
        "Gensidigt kendskab": {"dimension": "kendskab"},
        "Ledelse/Vision": {"leadership": "vision"},
    },
}


def write_qdpx(path, xml: str | None = None, texts: dict[str, str] | None = None):
    with zipfile.ZipFile(path, "w") as zf:
        if xml is not None:
            zf.writestr("project.qde", xml.encode("utf-8"))
        for name, t in (texts if texts is not None else {f"{G['src1']}.txt": TEXT1}).items():
            zf.writestr(f"sources/{name}", t.encode("utf-8"))
    return path


@pytest.fixture
def project(tmp_path):
    return write_qdpx(tmp_path / "hand.qdpx", project_xml())


def test_hand_built_project_imports_to_the_expected_rows(project):
    c = interviews.read_qdpx(project, MAPPING, key=KEY)
    assert list(c.columns) == interviews.CODINGS_COLUMNS
    assert str(c["kommune"].dtype) == "int16" and str(c["segments"].dtype) == "int32"
    p1, p2 = (pseudonymise([766], ["interview\x1f" + n], KEY)[0] for n in (SOURCE1, SOURCE2))
    assert c["first_coder"].all() and c["coder"].isna().all()  # no Users in this project: one coder
    # one row per passage (unit); summed over passages, the segments per interview, code and valence
    keys = [k for k in interviews.CODINGS_COLUMNS if k not in ("unit", "segments")]
    c = c.groupby(keys, dropna=False, observed=True, sort=False)["segments"].sum().reset_index()
    got = sorted((
        (r.source, r.group, r.code, r.theme_kind, r.theme, None if pd.isna(r.rater) else r.rater,
         None if pd.isna(r.target) else r.target, None if pd.isna(r.valence) else r.valence, r.segments)
        for r in c.itertuples()), key=str)
    expected = sorted([
        # co-coded with the valence code "Styrke" on two selections: one row, two segments
        (p1, "skole", "Relationer/Myndighed  -> Skole", "tie", "myndighed->skole", "myndighed", "skole",
         "strength", 2),
        (p1, "skole", "Relationer/Myndighed  -> Skole", "tie", "myndighed->skole", "myndighed", "skole", None, 1),
        # unmapped child of "Problem": a free theme with the parent's valence
        (p1, "skole", "Problem/Ressourcer", "free", "Ressourcer", None, None, "problem", 1),
        # a child of a mapped code inherits its dimension
        (p1, "skole", "RK/Gensidigt kendskab/Kendskab til PPR", "dimension", "kendskab", None, None, None, 1),
        (p2, "myndighed", "Ledelse/Vision", "leadership", "vision", None, None, None, 1),  # mapped by path
        (p2, "myndighed", "RK/Gensidigt kendskab", "dimension", "kendskab", None, None, None, 1),  # whole source
    ], key=str)
    assert got == expected
    assert set(c["kommune"]) == {766} and set(c["wave"].astype(str)) == {"baseline"}  # "Hedensted" -> 766


def test_free_themes_can_be_dropped_and_codes_ignored(project):
    c = interviews.read_qdpx(project, {**MAPPING, "free_themes": "drop"}, key=KEY)
    assert "free" not in set(c["theme_kind"].astype(str))
    codes = {**MAPPING["codes"], "RK": {"ignore": True}}
    c = interviews.read_qdpx(project, {**MAPPING, "codes": codes}, key=KEY)
    assert not c["code"].str.startswith("RK/").any()


def _error(tmp_path, xml=None, texts=None, name="bad.qdpx") -> str:
    path = write_qdpx(tmp_path / name, xml, texts)
    with pytest.raises(InputError) as err:
        interviews.read_qdpx(path, MAPPING, key=KEY)
    msg = str(err.value)
    assert msg.startswith(str(path)), msg  # names the file
    return msg


def test_bad_zip(tmp_path):
    path = tmp_path / "x.qdpx"
    path.write_bytes(b"this is not a zip archive")
    with pytest.raises(InputError, match=r"x\.qdpx: not a REFI-QDA project.*zip archive.*Export the project again"):
        interviews.read_qdpx(path, MAPPING, key=KEY)


def test_missing_project_qde(tmp_path):
    msg = _error(tmp_path, xml=None)
    assert "no project file (*.qde" in msg and "sources/" in msg


def test_invalid_xml(tmp_path):
    msg = _error(tmp_path, xml=project_xml().replace("</CodeBook>", "", 1))
    assert "not valid XML" in msg and "line" in msg


def test_selection_pointing_at_an_unknown_code(tmp_path):
    unknown = "99999999-0000-4000-8000-000000000000"
    msg = _error(tmp_path, xml=project_xml(tie_ref=unknown))
    assert f"PlainTextSelection (guid {G['sel1']})" in msg and f"Coding (guid {G['c1']})" in msg
    assert unknown in msg and "not in the CodeBook" in msg


def test_source_text_missing_from_the_zip(tmp_path):
    msg = _error(tmp_path, xml=project_xml(), texts={})
    assert f"TextSource '{SOURCE1}' (guid {G['src1']})" in msg and "missing from the archive" in msg


def test_case_variable_that_is_not_a_kommune(tmp_path):
    msg = _error(tmp_path, xml=project_xml(kommune_a="999"))
    assert f"Case 'Anna' (guid {G['case_a']}), variable 'Kommune'" in msg
    assert "'999' is not the official code of a Danish kommune" in msg


def test_mapping_errors_name_the_key():
    with pytest.raises(InputError, match="codes: 'x': unknown dimension code 'tillid'.*Allowed: kendskab"):
        interviews.load_mapping({"codes": {"x": {"dimension": "tillid"}}})
    with pytest.raises(InputError, match="codes: 'y': unknown group code 'skolen' in tie"):
        interviews.load_mapping({"codes": {"y": {"tie": "myndighed -> skolen"}}})


# ----------------------------------------------------------------------------------------------------
# coded-segments tables
# ----------------------------------------------------------------------------------------------------
TABLE = ("Interview;kommune;wave;group;Kode;valence;segments\n"
         "Int 1;766;baseline;Skolelærer;Myndighed -> skole;styrke;2\n"
         "Int 1;766;baseline;Skolelærer;Problem/Ressourcer;;\n"
         "Int 2;Hedensted;followup;myndighed;gensidigt kendskab;Problem;1\n")
TABLE_MAPPING = {**MAPPING, "columns": {"Interview": "source", "Kode": "code"},
                 "sources": {"values": {"group": {"Skolelærer": "skole"}}}}


def test_coded_segments_table(tmp_path):
    path = tmp_path / "codings.csv"
    path.write_text(TABLE, encoding="cp1252")  # Danish Excel's "CSV (semikolonsepareret)"
    c = interviews.read_coded_segments(path, TABLE_MAPPING, key=KEY)
    got = sorted(((r.wave, r.group, r.theme_kind, r.theme, None if pd.isna(r.valence) else r.valence, r.segments)
                  for r in c.itertuples()), key=str)
    assert got == [("baseline", "skole", "free", "Ressourcer", "problem", 1),
                   ("baseline", "skole", "tie", "myndighed->skole", "strength", 2),
                   ("followup", "myndighed", "dimension", "kendskab", "problem", 1)]
    assert set(c["source"]) == {pseudonymise([766], ["interview\x1fInt 1"], KEY)[0],
                                pseudonymise([766], ["interview\x1fInt 2"], KEY)[0]}


def test_coded_segments_table_errors_name_row_and_column(tmp_path):
    path = tmp_path / "codings.csv"
    path.write_text(TABLE.replace(";Problem;1", ";maybe;1"), encoding="utf-8")
    with pytest.raises(InputError, match=r"codings\.csv: column 'valence': row 4: unknown valence 'maybe'"):
        interviews.read_coded_segments(path, TABLE_MAPPING, key=KEY)
    path.write_text(TABLE.replace("Int 2;Hedensted", "Int 2;9999"), encoding="utf-8")
    with pytest.raises(InputError, match=r"row 4, column 'kommune': kommune value '9999' is not the official"):
        interviews.read_coded_segments(path, TABLE_MAPPING, key=KEY)
    # an empty row (ignored) still counts in the spreadsheet's numbering: the bad row is row 5
    lines = TABLE.replace(";Problem;1", ";maybe;1").splitlines()
    path.write_text("\n".join([*lines[:3], ";;;;;;", lines[3]]) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"column 'valence': row 5: unknown valence 'maybe'"):
        interviews.read_coded_segments(path, TABLE_MAPPING, key=KEY)


# ----------------------------------------------------------------------------------------------------
# quantitizing, checked by hand
# ----------------------------------------------------------------------------------------------------
def hand_codings() -> pd.DataFrame:
    rows = [  # (wave, source, theme_kind, theme, valence)
        ("baseline", "a", "tie", "skole->ppr", "problem"),
        ("baseline", "a", "tie", "skole->ppr", "problem"),  # a second code of the same interview counts once
        ("baseline", "b", "tie", "skole->ppr", "problem"),
        ("baseline", "c", "tie", "skole->ppr", "strength"),
        ("baseline", "d", "dimension", "kendskab", None),
        ("followup", "e", "tie", "skole->ppr", "strength"),
        ("followup", "f", "tie", "skole->ppr", "strength"),
        ("followup", "g", "tie", "skole->ppr", None),
    ]
    d = pd.DataFrame(rows, columns=["wave", "source", "theme_kind", "theme", "valence"])
    tie = d["theme_kind"] == "tie"
    return d.assign(kommune=np.int16(766), rater=np.where(tie, "skole", None),
                    target=np.where(tie, "ppr", None), segments=1)


def test_theme_shares_and_change_by_hand():
    s = interviews.theme_shares(hand_codings())
    t = s[s["theme"] == "skole->ppr"].set_index("wave")
    assert t.loc["baseline", ["n_interviews", "n_mention", "n_strength", "n_problem"]].tolist() == [4, 3, 1, 2]
    assert t.loc["baseline", "share"] == pytest.approx(3 / 4)
    assert t.loc["baseline", "net"] == pytest.approx((1 - 2) / 4)
    assert t.loc["followup", ["n_interviews", "n_mention", "n_strength", "n_problem"]].tolist() == [3, 3, 2, 0]
    assert t.loc["followup", "net"] == pytest.approx(2 / 3)
    k = s[s["theme"] == "kendskab"].set_index("wave")  # mentioned at baseline only: a zero row at follow-up
    assert k.loc["followup", "n_mention"] == 0 and k.loc["followup", "share"] == 0

    ch = interviews.theme_change(hand_codings()).set_index("theme")
    assert ch.loc["skole->ppr", "net_change"] == pytest.approx(2 / 3 + 1 / 4)
    assert ch.loc["skole->ppr", "share_change"] == pytest.approx(1 - 3 / 4)
    assert ch.loc["skole->ppr", "n_valenced"] == 5 and ch.loc["skole->ppr", "interview_direction"] == 1
    assert ch.loc["kendskab", "share_change"] == pytest.approx(-1 / 4)
    assert ch.loc["kendskab", "interview_direction"] == 0  # no interview speaks of it with a valence

    strict = interviews.theme_change(hand_codings(), min_interviews=4).set_index("theme")
    assert strict.loc["skole->ppr", "interviews_suppressed"]  # 3 follow-up interviews < 4
    assert np.isnan(strict.loc["skole->ppr", "net_followup"])
    assert strict.loc["skole->ppr", "interview_direction"] == 0


def survey_row(group, target, diff, lo, hi, suppressed=False):
    return {"group": group, "target": target, "mean_baseline": 3.5, "mean_followup": 3.5 + diff, "diff": diff,
            "diff_ci_low": lo, "diff_ci_high": hi, "p_fdr": 0.01, "suppressed": suppressed}


def test_convergence_rules():
    survey = pd.DataFrame([survey_row("skole", "ppr", 0.4, 0.1, 0.7),        # up, interviews up: converge
                           survey_row("skole", "dagtilbud", -0.4, -0.7, -0.1),  # survey only
                           survey_row("skole", "skole", 0.1, -0.2, 0.4)])    # neither
    j = interviews.joint_table(survey, hand_codings(), kind="tie").set_index(["group", "target"])
    assert j.loc[("skole", "ppr"), "convergence"] == "converge"
    assert j.loc[("skole", "dagtilbud"), "convergence"] == "survey_only"
    assert j.loc[("skole", "dagtilbud"), "n_interviews_baseline"] == 4  # not mentioned: zero of 4 interviews
    assert j.loc[("skole", "skole"), "convergence"] == "neither"
    down = pd.DataFrame([survey_row("skole", "ppr", -0.4, -0.7, -0.1)])
    assert interviews.joint_table(down, hand_codings())["convergence"].tolist() == ["diverge"]
    flat = pd.DataFrame([survey_row("skole", "ppr", 0.4, -0.1, 0.9)])
    assert interviews.joint_table(flat, hand_codings())["convergence"].tolist() == ["interviews_only"]
    hidden = pd.DataFrame([survey_row("skole", "ppr", np.nan, np.nan, np.nan, suppressed=True)])
    assert interviews.joint_table(hidden, hand_codings())["convergence"].tolist() == ["interviews_only"]


def test_display_never_prints_small_counts():
    survey = pd.DataFrame([survey_row("skole", "ppr", 0.4, 0.1, 0.7)])
    j = interviews.joint_table(survey, hand_codings(), kind="tie")
    d = interviews.joint_display(j, INST, "en")
    row = d.iloc[0].tolist()
    # baseline: 1 strength and 2 problems of 4 interviews; follow-up: 2 strengths, 0 problems of 3
    assert row[4] == "<3 / <3 (of 4)" and row[5] == "<3 / <3 (of 3)"
    # the exact change (+92 pp) would give the "<3" counts away (1, 2 of 4; 2, 0 of 3): direction only
    assert row[6] == "more as a strength" and row[7] == "Point the same way"
    assert "92" not in " ".join(row)
    da = interviews.joint_display(j, INST, "da")
    assert da.columns[0] == "Relation" and da.iloc[0, 7] == "Peger samme vej"
    assert da.iloc[0, 3] == "+0,40 [+0,10; +0,70]"
    few = interviews.joint_display(interviews.joint_table(survey, hand_codings(), min_interviews=4), INST, "da",
                                   min_interviews=4)
    assert few.iloc[0, 5] == "færre end 4 interviews"


def test_display_prints_the_change_when_every_count_behind_it_is_shown():
    rows = [("baseline", f"b{i}", "tie", "skole->ppr", "problem") for i in range(4)]
    rows += [("baseline", f"b{i}", "tie", "skole->ppr", "strength") for i in range(4, 7)]
    rows += [("followup", f"f{i}", "tie", "skole->ppr", "strength") for i in range(5)]
    rows += [("followup", f"f{i}", "tie", "skole->ppr", "problem") for i in range(5, 8)]
    d = pd.DataFrame(rows, columns=["wave", "source", "theme_kind", "theme", "valence"])
    codings = d.assign(kommune=np.int16(766), rater="skole", target="ppr", segments=1)
    survey = pd.DataFrame([survey_row("skole", "ppr", 0.4, 0.1, 0.7)])
    row = interviews.joint_display(interviews.joint_table(survey, codings, kind="tie"), INST, "en").iloc[0]
    # by hand: net strength (3 - 4) / 7 at baseline, (5 - 3) / 8 at follow-up: +0.25 + 0.143 = +39 pp
    assert row.iloc[4] == "3 / 4 (of 7)" and row.iloc[5] == "5 / 3 (of 8)"
    assert row.iloc[6] == "+39 pp"


# ----------------------------------------------------------------------------------------------------
# the synthetic demo: interviews beside the synthetic survey
# ----------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(demo_project, tmp_path_factory):
    p = demo_project()  # relkap.synth.write_demo + relkap.io.import_raw, shared with the other test modules
    params = load_all_kommune_params(p.params)
    out = tmp_path_factory.mktemp("interviews")
    synth.write_demo_interviews(out, params.values(), seed=1)
    return {"tables": relkap.load(p.data), "params": params, "dir": out,
            "codings": interviews.read_interviews(out, key=KEY)}


def test_demo_interviews_converge_on_the_planted_ties(demo):
    kommune = 336  # Stevns, an intervention kommune of the demo
    kp = demo["params"][kommune]
    assert kp.arm == "intervention" and kp.targeted_ties
    kt = report.kommune_tables(demo["tables"], kommune)
    ties = report.tie_change(kt.relations, INST, min_n=5)
    j = interviews.joint_table(ties, demo["codings"], kind="tie", kommune=kommune)
    j = j.set_index(["group", "target"])
    targeted = [tuple(t) for t in kp.targeted_ties]
    for t in targeted:  # the interviews speak of every targeted tie more as a strength at follow-up
        assert j.loc[t, "interview_direction"] == 1, t
        assert j.loc[t, "n_strength_followup"] > j.loc[t, "n_problem_followup"], t
    clear = [t for t in targeted if j.loc[t, "survey_direction"] == 1]
    assert clear, "the survey shows the intervention effect on at least one targeted tie"
    assert all(j.loc[t, "convergence"] == "converge" for t in clear)

    dims = interviews.joint_table(report.rk_change(kt.relations, INST), demo["codings"], kind="dimension",
                                  kommune=kommune)
    assert dims["dimension"].iloc[0] == "kendskab" or "rk" in set(dims["dimension"])
    assert (dims["n_interviews_baseline"] >= 6).all()


def test_control_kommuner_have_no_systematic_change(demo):
    ch = interviews.theme_change(demo["codings"])
    control = [k for k, kp in demo["params"].items() if kp.arm == "control"]
    ties = ch[ch["kommune"].isin(control) & (ch["theme_kind"] == "tie")]
    assert (ties["interview_direction"] != 0).mean() < 0.25


def test_no_quote_or_source_name_in_codings_or_display(demo):
    kommune = 336
    path = demo["dir"] / f"{kommune}.qdpx"
    quotes = interviews.private_quotes(path, demo["dir"] / "mapping.yaml", kommune=kommune, key=KEY, source_names=True)
    assert quotes.attrs["private"] and len(quotes) > 20
    # a quote is one coded sentence of the answer (the generator codes whole sentences)
    assert (quotes["text"].str.len() > 10).all() and not quotes["text"].str.contains("\n").any()
    assert set(quotes["source"]) <= set(demo["codings"]["source"])
    secrets = set(quotes["text"]) | set(quotes["source_name"])
    c = demo["codings"]
    cells = {str(v) for col in c.columns for v in c[col].astype(str).unique()}
    kt = report.kommune_tables(demo["tables"], kommune)
    j = interviews.joint_table(report.tie_change(kt.relations, INST), c, kommune=kommune)
    shown = interviews.joint_display(j, INST, "da", keep="all")
    change = interviews.theme_change(c[c["kommune"] == kommune])
    shown2 = interviews.theme_display(change, INST, "en", include_free=True)
    for table in (shown, shown2):
        cells |= {str(v) for v in table.to_numpy().ravel()} | set(map(str, table.columns))
    blob = "\n".join(cells)
    leaks = [s for s in secrets if s in blob]
    assert not leaks, leaks[:3]
    with pytest.raises(ValueError, match="researcher's own machine"):
        interviews.joint_display(quotes, INST)


def test_quotes_are_the_coded_text(project):
    q = interviews.private_quotes(project, MAPPING, theme="myndighed->skole", key=KEY)
    assert sorted(q["text"]) == sorted(TEXT1[a:b] for a, b in (S1, S4, S5))
    assert "source_name" not in q.columns
    q2 = interviews.private_quotes(project, MAPPING, theme_kind="dimension", key=KEY, source_names=True)
    assert set(q2["text"]) == {TEXT1[S3[0]:S3[1]], TEXT2}
    assert set(q2["source_name"]) == {SOURCE1, SOURCE2}


def test_demo_generator_is_deterministic(demo, tmp_path):
    params = [demo["params"][336]]
    synth.write_demo_interviews(tmp_path, params, seed=1)
    again = interviews.read_interviews(tmp_path, key=KEY)
    pd.testing.assert_frame_equal(again, demo["codings"][demo["codings"]["kommune"] == 336]
                                  .reset_index(drop=True))


# ----------------------------------------------------------------------------------------------------
# what the kommune report and the research notebook will show (interviews.report_section, research_joint)
# ----------------------------------------------------------------------------------------------------
def _secrets(demo, kommuner) -> set[str]:
    """Every quote and source name of the demo projects of ``kommuner`` (to search the outputs for)."""
    out: set[str] = set()
    for k in kommuner:
        q = interviews.private_quotes(demo["dir"] / f"{k}.qdpx", demo["dir"] / "mapping.yaml", key=KEY, source_names=True)
        out |= set(q["text"]) | set(q["source_name"])
    return out


@pytest.mark.parametrize("language", ["da", "en"])
def test_report_section_on_the_demo(demo, language):
    kommune = 336
    kt = report.kommune_tables(demo["tables"], kommune)
    tie_change, rk_change = report.tie_change(kt.relations, INST), report.rk_change(kt.relations, INST)
    section = interviews.report_section(tie_change, rk_change, demo["codings"], kommune, INST, language)
    assert [len(t) > 0 for _, t in section.tables] == [True, True, True]
    ties = section.tables[0][1]
    targeted = {interviews.theme_label("tie", f"{a}->{b}", INST, language)
                for a, b in demo["params"][kommune].targeted_ties}
    converge = text("interviews.converge", language)
    rows = ties[ties.iloc[:, 0].isin(targeted)]
    assert len(rows) == len(targeted) and (rows.iloc[:, -1] == converge).any()
    assert not (rows.iloc[:, -1] == text("interviews.diverge", language)).any()
    page = section.html()
    assert page.count("<caption>") == 3 and interviews.joint_note(language) in html.unescape(page)
    leaks = [s for s in _secrets(demo, [kommune]) if s in html.unescape(page)]
    assert not leaks, leaks[:3]
    # a kommune without interviews: no section
    assert interviews.report_section(tie_change, rk_change, demo["codings"].iloc[:0], kommune, INST, language) is None


def test_research_joint_finds_the_planted_convergence_and_no_quotes(demo):
    params = demo["params"]
    arms = {k: p.arm for k, p in params.items()}
    targeted = {k: [tuple(t) for t in p.targeted_ties] for k, p in params.items() if p.arm == "intervention"}
    j = interviews.research_joint(demo["tables"], demo["codings"], arms, targeted, INST)
    rq4 = j["rq4"].set_index(["arm", "ties"])
    hit, other, control = (rq4.loc[k] for k in (("intervention", "targeted"), ("intervention", "other"),
                                                 ("control", "all")))
    assert hit["n_ties"] == sum(len(v) for v in targeted.values())
    assert hit["share_interviews_up"] >= 0.8  # planted: problems at baseline, strengths at follow-up
    assert other["share_interviews_up"] < 0.1 and control["share_interviews_up"] < 0.1
    assert hit["converge"] >= 1 and hit["diverge"] == 0
    assert set(j["h1"]["scale"]) == {"organisering", "strukturer", "processer", "strategier"}
    assert set(j["h2"]["scale"]) == {"vision", "deltagelse", "ramme", "involvering"}
    assert (j["h2"]["n_kommuner"] == len(params)).all()
    blob = "\n".join(interviews.research_display(j, INST, lang).html() for lang in ("da", "en"))
    assert blob.count("<caption>") == 6
    leaks = [s for s in _secrets(demo, params) if s in html.unescape(blob)]
    assert not leaks, leaks[:3]


def test_one_hiding_rule_for_a_relation_in_heat_map_dialogue_and_interview_table(demo):
    """A relation's survey value in a wave shows in the interview table exactly where the heat map shows it
    (relkap.privacy.shown_cells), also when its change is hidden because the other wave has too few answers;
    the dialogue only picks relations the heat map shows. min_n 8 hides ties in one wave but not the other."""
    min_n, mixed = 8, 0
    hidden_word = text("glossary.suppressed", "en")
    for kommune, kp in demo["params"].items():
        r = report.build(demo["tables"], INST, kp, min_n=min_n, language="en")
        if r.interviews is None:
            continue
        ties = r.interviews.tables[0][1]
        first, latest = r.first_wave, r.latest_wave
        for row in ties.to_dict("records"):
            cells = list(row.values())
            pair = [(a, b) for a in INST.group_codes for b in INST.group_codes
                    if interviews.theme_label("tie", f"{a}->{b}", INST, "en") == cells[0]]
            assert len(pair) == 1
            a, b = pair[0]
            # "before → after (change)", or one word for both when neither wave is shown
            waves_shown = cells[1].split(" (")[0].split(" → ") if " → " in cells[1] else [cells[1]] * 2
            change_shown = cells[1].split(" (", 1)[1][:-1] if " (" in cells[1] else hidden_word
            for wave, cell in ((first, waves_shown[0]), (latest, waves_shown[1])):
                shown = r.wave_ties(wave)
                heat = tie_cells(shown, min_n=min_n, instrument=INST)  # what the wave's heat map draws
                i, j = heat.rows.index(a), heat.cols.index(b)
                drawn = bool(heat.present[i, j] and not heat.suppressed[i, j] and not np.isnan(heat.values[i, j]))
                shown = shown[(shown["group"] == a) & (shown["target"] == b)]
                assert drawn == bool(len(shown) and shown_cells(shown, min_n).iloc[0]), (kommune, a, b, wave)
                if drawn:
                    assert cell == fmt.number(shown["mean"].iloc[0], 2, "en"), (kommune, a, b, wave)
                else:
                    assert cell == hidden_word, (kommune, a, b, wave, cell)
            change = r.tie_diff[(r.tie_diff["group"] == a) & (r.tie_diff["target"] == b)]
            change_hidden = bool(hidden_cells(change, min_n).iloc[0])
            assert (change_shown == hidden_word) == change_hidden
            mixed += change_hidden and (waves_shown[0] == hidden_word) != (waves_shown[1] == hidden_word)
        latest_ties = r.wave_ties(latest)
        for g in r.dialogue.itertuples(index=False):
            pick = latest_ties[(latest_ties["group"] == g.group) & (latest_ties["target"] == g.target)]
            assert shown_cells(pick, min_n).all(), (kommune, g.group, g.target)
    # the case the rule is for (the old interview table hid both waves with the change): it occurs
    assert mixed > 0
