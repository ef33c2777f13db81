"""The importer: every supported format and encoding gives the same tidy tables; bad input gives one clear
error naming file, rows and column, and leaves the output folder untouched."""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import relkap.io as rio
from relkap.cli import main
from relkap.errors import InputError, column_letter
from relkap.instrument import load_instrument
from relkap.kommuner import KOMMUNER

INST = load_instrument()
GROUPS = ["skole", "ppr", "myndighed"]
REL_COLS = [f"{i}__{g}" for i in INST.relational_codes for g in GROUPS]


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("RELKAP_PSEUDONYM_KEY", "test-key")


def employees_frame(n: int = 12) -> pd.DataFrame:
    """A small valid employees export: two kommuner, both waves, one 'ved ikke' (9) and blanks."""
    rng = np.random.default_rng(3)
    rows = []
    for i in range(n):
        row = {
            "kommune": 766 if i < n // 2 else 336,
            "wave": "baseline" if i % 2 == 0 else "followup",
            "respondent_id": f"R{i // 2:03d}",
            "group": GROUPS[i % 3],
        }
        for c in REL_COLS:
            row[c] = int(rng.integers(1, 6))
        row["vision_1"] = int(rng.integers(1, 6))
        row["motivation_4"] = int(rng.integers(1, 6))
        rows.append(row)
    df = pd.DataFrame(rows).astype(object)
    df.loc[0, "kendskab__ppr"] = 9
    df.loc[1, "respekt__skole"] = np.nan
    return df


def write_csv(df: pd.DataFrame, path, sep=";", encoding="cp1252") -> None:
    path.write_text(df.to_csv(sep=sep, index=False, lineterminator="\r\n"), encoding=encoding)


def test_keyed_scores_missing_codes_and_pseudonyms(tmp_path):
    df = employees_frame()
    write_csv(df, tmp_path / "employees.csv")
    t = rio.read_survey(tmp_path / "employees.csv", INST)
    rel, sc = t["relations"], t["scales"]
    # 12 respondents x 18 relational cells, minus one blank cell; the 9 is kept as a NaN row
    assert len(rel) == 12 * 18 - 1
    assert rel["score"].isna().sum() == 1
    assert str(rel["kommune"].dtype) == "int16" and isinstance(rel["item"].dtype, pd.CategoricalDtype)
    # motivation_4 is reverse keyed on 1-5: keyed = 6 - raw
    raw = df["motivation_4"].astype(int).tolist()
    got = sc[sc["item"] == "motivation_4"]["score"].tolist()
    assert got == [6 - r for r in raw]
    # HMAC-SHA256 of "kommune\x1fraw id", first 16 hex characters (computed here independently)
    expected = hmac.new(b"test-key", b"766\x1fR000", hashlib.sha256).hexdigest()[:16]
    assert expected in set(rel["respondent_id"])
    assert not rel["respondent_id"].str.startswith("R").any()
    # the same raw id in both waves gets the same pseudonym
    r0 = rel[rel["respondent_id"] == expected]
    assert set(r0["wave"]) == {"baseline", "followup"}


def _canonical(tables: dict) -> dict:
    out = {}
    for name, t in tables.items():
        cols = [c for c in t.columns if c != "score"]
        out[name] = t.sort_values(cols).reset_index(drop=True)
    return out


def _import(raw_dir, out, mapping=None) -> dict:
    rio.import_raw(raw_dir, out_dir=out, instrument=INST, mapping=mapping)
    tables = rio.load(out)
    return _canonical(dict(tables))


@pytest.fixture
def reference(tmp_path):
    raw = tmp_path / "ref"
    raw.mkdir()
    write_csv(employees_frame(), raw / "employees.csv")
    return _import(raw, tmp_path / "ref_out")


@pytest.mark.parametrize(
    "sep,encoding",
    [(";", "cp1252"), (",", "utf-8"), ("\t", "utf-8-sig"), (";", "utf-16"), (",", "utf-8-sig")],
)
def test_delimiters_and_encodings_import_identically(tmp_path, reference, sep, encoding):
    raw = tmp_path / "raw"
    raw.mkdir()
    write_csv(employees_frame(), raw / "employees.csv", sep=sep, encoding=encoding)
    got = _import(raw, tmp_path / "out")
    for name in rio.TABLES:
        pd.testing.assert_frame_equal(got[name], reference[name])


def test_excel_workbook_imports_identically(tmp_path, reference):
    raw = tmp_path / "raw"
    raw.mkdir()
    employees_frame().to_excel(raw / "employees.xlsx", index=False)
    got = _import(raw, tmp_path / "out")
    pd.testing.assert_frame_equal(got["relations"], reference["relations"])
    pd.testing.assert_frame_equal(got["scales"], reference["scales"])


def _renamed_export(df: pd.DataFrame):
    """The same answers under survey-tool variable names (s_1, s_2, ...) with numeric group codes."""
    names = {c: f"s_{i}" for i, c in enumerate(df.columns[2:], start=1)}
    names["respondent_id"] = "respondentid"
    data = df.drop(columns=["kommune", "wave"]).rename(columns=names)
    data["s_2"] = data["s_2"].map({"skole": 1, "ppr": 2, "myndighed": 3})
    columns = {v: k for k, v in names.items()}
    return data, columns


def test_surveyxact_folder_and_workbook_with_mapping(tmp_path, reference):
    df = employees_frame()
    raw = tmp_path / "raw"
    entries = []
    for (k, w), part in df.groupby(["kommune", "wave"], sort=False):
        data, columns = _renamed_export(part)
        folder = raw / f"sx_{k}_{w}"
        folder.mkdir(parents=True)
        write_csv(data, folder / "dataset.csv")
        write_csv(pd.DataFrame({"variable": ["s_2"] * 3, "value": [1, 2, 3], "label": ["Skole", "PPR", "Myndighed"]}),
                  folder / "labels.csv")
        write_csv(pd.DataFrame({"variable": list(columns), "text": list(columns.values())}), folder / "structure.csv")
        entries.append({"file": folder.name, "format": "surveyxact", "constants": {"kommune": int(k), "wave": w},
                        "columns": columns,
                        # group recoded through the value labels of labels.csv
                        "values": {"group": {"Skole": "skole", "PPR": "ppr", "Myndighed": "myndighed"}}})
    import yaml

    (raw / "mapping.yaml").write_text(yaml.safe_dump({"employees": entries}), encoding="utf-8")
    got = _import(raw, tmp_path / "out", mapping=raw / "mapping.yaml")
    pd.testing.assert_frame_equal(got["relations"], reference["relations"])
    pd.testing.assert_frame_equal(got["scales"], reference["scales"])

    # the same as SurveyXact workbooks (Dataset and Labels sheets)
    for e in entries:
        folder = raw / e["file"]
        book = raw / f"{e['file']}.xlsx"
        with pd.ExcelWriter(book) as xw:
            pd.read_csv(folder / "dataset.csv", sep=";", encoding="cp1252").to_excel(xw, sheet_name="Dataset", index=False)
            pd.read_csv(folder / "labels.csv", sep=";", encoding="cp1252").to_excel(xw, sheet_name="Labels", index=False)
        e["file"] = book.name
    (raw / "mapping.yaml").write_text(yaml.safe_dump({"employees": entries}), encoding="utf-8")
    got = _import(raw, tmp_path / "out2", mapping=raw / "mapping.yaml")
    pd.testing.assert_frame_equal(got["relations"], reference["relations"])


def test_qualtrics_three_header_rows_with_newlines_in_question_text(tmp_path, reference):
    df = employees_frame()
    data, columns = _renamed_export(df)
    data.insert(0, "ResponseId", data.pop("respondentid"))
    data.insert(0, "StartDate", "2026-01-05 10:00:00")
    data["kommune_q"] = df["kommune"]
    data["wave_q"] = df["wave"]
    columns = {("ResponseId" if k == "respondentid" else k): v for k, v in columns.items()}
    columns.update({"kommune_q": "kommune", "wave_q": "wave"})
    header2 = ['Start date'] + [f'Question {c}\n(with a line break, and a "quote")' for c in data.columns[1:]]
    header3 = ['{"ImportId":"startDate"}'] + [f'{{"ImportId":"QID{i}"}}' for i in range(1, len(data.columns))]
    lines = pd.concat([pd.DataFrame([header2, header3], columns=data.columns), data.astype(object)])
    path = tmp_path / "raw" / "qualtrics.csv"
    path.parent.mkdir()
    path.write_text(lines.to_csv(index=False), encoding="utf-8-sig")
    import yaml

    mapping = {"employees": {"file": "qualtrics.csv", "format": "qualtrics", "columns": columns,
                             "values": {"group": {"1": "skole", "2": "ppr", "3": "myndighed"}}}}
    (path.parent / "map.yaml").write_text(yaml.safe_dump(mapping), encoding="utf-8")
    got = _import(path.parent, tmp_path / "out", mapping=path.parent / "map.yaml")
    pd.testing.assert_frame_equal(got["relations"], reference["relations"])
    pd.testing.assert_frame_equal(got["scales"], reference["scales"])


def test_spss_sav_with_mapping(tmp_path, reference):
    df = employees_frame()
    data, columns = _renamed_export(df)
    data["kommune"] = df["kommune"].astype(float)
    data["wave"] = df["wave"]
    columns.update({"kommune": "kommune", "wave": "wave"})
    num = [c for c in data.columns if c not in ("respondentid", "wave")]
    data[num] = data[num].astype(float)
    path = tmp_path / "raw" / "survey.sav"
    path.parent.mkdir()
    pyreadstat.write_sav(data, str(path), variable_value_labels={"s_2": {1.0: "Skole", 2.0: "PPR", 3.0: "Myndighed"}})
    import yaml

    mapping = {"employees": {"file": "survey.sav", "columns": columns,
                             "values": {"group": {"1": "skole", "2": "ppr", "3": "myndighed"}}}}
    (path.parent / "map.yaml").write_text(yaml.safe_dump(mapping), encoding="utf-8")
    got = _import(path.parent, tmp_path / "out", mapping=path.parent / "map.yaml")
    pd.testing.assert_frame_equal(got["relations"], reference["relations"])
    pd.testing.assert_frame_equal(got["scales"], reference["scales"])


def test_decimal_comma_in_structures_and_citizens(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    write_csv(employees_frame(), raw / "employees.csv")
    (raw / "structures.csv").write_text(
        "kommune;wave;coder;organisering_1;strukturer_1;processer_1;strategier_1\r\n"
        "766;baseline;KM;3,5;4;2;9\r\n766;baseline;LB;3;4,5;2;1\r\n", encoding="cp1252")
    (raw / "citizens.csv").write_text(
        "kommune;wave;respondent_id;samskabelse_1;tilfredshed_1;effekt_1\r\n766;baseline;B1;4;5;3\r\n",
        encoding="cp1252")
    tables = rio.load(rio.import_raw(raw, out_dir=tmp_path / "out", instrument=INST)["relations"].parent)
    s = tables.structures
    assert s.loc[(s["coder"] == "KM") & (s["dimension"] == "organisering"), "score"].item() == 3.5
    assert s.loc[(s["coder"] == "LB") & (s["dimension"] == "strukturer"), "score"].item() == 4.5
    assert s.loc[(s["coder"] == "KM") & (s["dimension"] == "strategier"), "score"].isna().all()
    assert tables.citizens["score"].tolist() == [4.0, 5.0, 3.0]


# ------------------------------------------------------------------------------------------------
# Bad input: one message naming file, rows and column; output folder untouched; CLI exit 2
# ------------------------------------------------------------------------------------------------
def _corrupt(df: pd.DataFrame, case: str) -> pd.DataFrame:
    df = df.copy()
    if case == "range":
        df.loc[[2, 5], "respekt__ppr"] = 7
    elif case == "text":
        df.loc[[3], "vision_1"] = "godt"
    elif case == "group":
        df.loc[[4], "group"] = "sygehus"
    elif case == "kommune":
        df.loc[[0, 1], "kommune"] = 999
    elif case == "duplicate":
        df.loc[2, "respondent_id"] = df.loc[0, "respondent_id"]
    elif case == "missing_column":
        df = df.drop(columns=["group"])
    elif case == "wave":
        df.loc[[6], "wave"] = "midtvejs"
    elif case == "target":
        df = df.rename(columns={"kendskab__ppr": "kendskab__sygehus"})
    return df


BAD = {
    # case: (expected words in the message, column, rows as numbered in a spreadsheet)
    "range": ("outside the scale", "respekt__ppr", "rows 4, 7"),
    "text": ("not a number", "vision_1", "row 5"),
    "group": ("unknown group code 'sygehus'", "group", "row 6"),
    "kommune": ("not the official code of a Danish kommune", "kommune", "rows 2, 3"),
    "duplicate": ("duplicate respondent_id", "respondent_id", "rows 2, 4"),
    "missing_column": ("required columns are missing: group", None, None),
    "wave": ("wave label 'midtvejs' is not declared in the codebook", "wave", "row 8"),
    "target": ("unknown target group code 'sygehus'", "kendskab__sygehus", None),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_named_and_output_untouched(tmp_path, case, capsys):
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    out.mkdir()
    (out / "relations.parquet").write_bytes(b"previous import")
    path = raw / "employees.csv"
    write_csv(_corrupt(employees_frame(), case), path)
    with pytest.raises(InputError) as err:
        rio.import_raw(raw, out_dir=out, instrument=INST)
    msg = str(err.value)
    words, column, rows = BAD[case]
    assert msg.startswith(str(path)), msg
    assert words in msg
    if column:  # the spreadsheet's column: letter, 1-based position, header
        position = list(_corrupt(employees_frame(), case).columns).index(column) + 1
        assert f"column {column_letter(position)} ({position}) '{column}'" in msg
    if rows:
        assert rows + ":" in msg
    assert "\n" not in msg
    assert sorted(p.name for p in out.iterdir()) == ["relations.parquet"]
    assert (out / "relations.parquet").read_bytes() == b"previous import"
    # the command line: status 2, one line on stderr, no traceback
    assert main(["import", str(raw), "--out", str(out)]) == 2
    stderr = capsys.readouterr().err
    assert stderr.count("\n") == 1 and "Traceback" not in stderr and words in stderr


def test_empty_and_undecodable_files(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "employees.csv").write_bytes(b"")
    with pytest.raises(InputError, match="the file is empty"):
        rio.import_raw(raw, out_dir=tmp_path / "out", instrument=INST)
    (raw / "employees.csv").write_bytes(b"kommune;wave\r\n")
    with pytest.raises(InputError, match="required columns are missing"):
        rio.import_raw(raw, out_dir=tmp_path / "out", instrument=INST)
    # 0x81 is undefined in cp1252 and not valid UTF-8: refused, never read as latin-1
    (raw / "employees.csv").write_bytes(b"kommune;wave;respondent_id;group\r\n766;baseline;\x81x;skole\r\n")
    with pytest.raises(InputError, match=r"column C \(3\) 'respondent_id': line 2, character 14: byte 0x81 is neither"
                                         r" UTF-8 nor Windows-1252"):
        rio.import_raw(raw, out_dir=tmp_path / "out", instrument=INST)
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.parquet"))


def test_no_employees_file_and_missing_processed_tables(tmp_path):
    with pytest.raises(InputError, match="no raw survey files"):
        rio.import_raw(tmp_path, out_dir=tmp_path / "out", instrument=INST)
    with pytest.raises(InputError, match="relkap import"):
        rio.load(tmp_path)


def test_same_respondent_in_two_files_of_one_wave(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    df = employees_frame()
    write_csv(df, raw / "employees_a.csv")
    write_csv(df.iloc[:3], raw / "employees_b.csv")
    with pytest.raises(InputError, match="already present in another employees file") as err:
        rio.import_raw(raw, out_dir=tmp_path / "out", instrument=INST)
    assert "employees_b.csv" in str(err.value) and "rows 2, 3, 4" in str(err.value)


_VALID = employees_frame().to_csv(sep=";", index=False, lineterminator="\r\n").encode("cp1252")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    edits=st.lists(st.tuples(st.integers(0, len(_VALID) - 1), st.binary(min_size=0, max_size=3)),
                   min_size=1, max_size=4),
)
def test_fuzz_corruptions_give_clean_import_or_clean_error(tmp_path_factory, edits):
    data = bytearray(_VALID)
    for pos, new in edits:
        pos = min(pos, len(data))
        data[pos:pos + 1] = new
    raw = tmp_path_factory.mktemp("fuzz")
    (raw / "employees.csv").write_bytes(bytes(data))
    out = raw / "out"
    try:
        written = rio.import_raw(raw, out_dir=out, instrument=INST)
    except InputError as exc:
        assert str(exc).startswith(str(raw)), str(exc)
        assert not out.exists() or not list(out.glob("*.parquet"))
    else:
        assert set(written) == set(rio.TABLES)
        rel = pd.read_parquet(written["relations"])
        ok = rel["score"].dropna()
        assert ok.between(1, 5).all()


# ------------------------------------------------------------------------------------------------
# Encodings: UTF-8 (BOM or not), UTF-16 with BOM or cp1252, never mojibake
# ------------------------------------------------------------------------------------------------
def danish_frame() -> pd.DataFrame:
    """employees_frame with Danish letters in the raw ids (Sø000, ...): each id answers in both waves."""
    df = employees_frame()
    df["respondent_id"] = ["Sø" + r[1:] for r in df["respondent_id"]]
    return df


def _pseudonym(kommune, raw_id: str) -> str:
    return hmac.new(b"test-key", f"{kommune}\x1f{raw_id}".encode(), hashlib.sha256).hexdigest()[:16]


def _linked(relations: pd.DataFrame) -> int:
    """Respondents present in both waves."""
    waves = relations.groupby("respondent_id", observed=True)["wave"].nunique()
    return int((waves == 2).sum())


def test_a_stray_latin1_byte_in_a_utf8_file_is_refused_not_garbled(tmp_path, capsys):
    """Issue 12.1: a UTF-8 export hand-edited in a latin-1 editor was read as cp1252 ('Sø' -> 'SÃ¸')."""
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    df = danish_frame()
    write_csv(df[df["wave"] == "baseline"], raw / "employees_baseline.csv", encoding="utf-8")
    follow = df[df["wave"] == "followup"].to_csv(sep=";", index=False, lineterminator="\r\n").encode("utf-8")
    lines = follow.split(b"\r\n")
    lines[3] = lines[3].replace("ø".encode(), b"\xf8", 1)  # spreadsheet row 4: one latin-1 'ø'
    path = raw / "employees_followup.csv"
    path.write_bytes(b"\r\n".join(lines))
    with pytest.raises(InputError) as err:
        rio.import_raw(raw, out_dir=out, instrument=INST)
    msg = str(err.value)
    assert msg.startswith(f"{path}: column C (3) 'respondent_id': line 4, character 15: byte 0xf8 is not UTF-8")
    assert "'ø' on line 2" in msg and "mixes two encodings" in msg and "\n" not in msg
    assert not out.exists() or not list(out.glob("*.parquet"))
    assert main(["import", str(raw), "--out", str(out)]) == 2
    assert "byte 0xf8" in capsys.readouterr().err
    # saved again as UTF-8: every respondent links across the waves
    path.write_bytes(follow)
    rio.import_raw(raw, out_dir=out, instrument=INST)
    rel = rio.load(out).relations
    assert _linked(rel) == 6
    assert _pseudonym(766, "Sø000") in set(rel["respondent_id"])


def test_a_utf8_bom_followed_by_invalid_bytes_is_refused(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    text = employees_frame().to_csv(sep=";", index=False, lineterminator="\r\n").encode("utf-8")
    text = text.replace(b"R001", b"R\xe6001", 1)  # cp1252 'æ' after a UTF-8 byte order mark
    (raw / "employees.csv").write_bytes(b"\xef\xbb\xbf" + text)
    with pytest.raises(InputError, match=r"column C \(3\) 'respondent_id': line 4, character 15: byte 0xe6 is not"
                       r" UTF-8, though the file starts with a UTF-8 byte order mark"):
        rio.import_raw(raw, out_dir=tmp_path / "out", instrument=INST)


def test_utf16_without_its_byte_order_mark_is_refused(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    write_csv(employees_frame(), raw / "employees.csv", encoding="utf-16-le")
    with pytest.raises(InputError, match=r"line 1, character 2: byte 0x00 \(NUL\) is not text"):
        rio.import_raw(raw, out_dir=tmp_path / "out", instrument=INST)


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8", "utf-8-sig", "utf-16", "nfd-utf-8", "xlsx"])
def test_pseudonyms_are_equal_across_files_of_different_encodings(tmp_path, encoding):
    """Baseline as Danish Excel writes it (cp1252), follow-up in another encoding: every respondent links."""
    raw = tmp_path / "raw"
    raw.mkdir()
    df = danish_frame()
    write_csv(df[df["wave"] == "baseline"], raw / "employees_baseline.csv", encoding="cp1252")
    follow = df[df["wave"] == "followup"].copy()
    if encoding == "xlsx":
        follow.to_excel(raw / "employees_followup.xlsx", index=False)
    elif encoding == "nfd-utf-8":  # a Mac writes 'å' as 'a' + combining ring
        follow["respondent_id"] = follow["respondent_id"].str.replace("ø", "å")
        text = follow.to_csv(sep=";", index=False, lineterminator="\r\n")
        (raw / "employees_followup.csv").write_bytes(unicodedata.normalize("NFD", text).encode("utf-8"))
        base = df[df["wave"] == "baseline"].copy()
        base["respondent_id"] = base["respondent_id"].str.replace("ø", "å")
        write_csv(base, raw / "employees_baseline.csv", encoding="cp1252")
    else:
        write_csv(follow, raw / "employees_followup.csv", encoding=encoding)
    rio.import_raw(raw, out_dir=tmp_path / "out", instrument=INST)
    rel = rio.load(tmp_path / "out").relations
    assert _linked(rel) == 6 and rel["respondent_id"].nunique() == 6


# ------------------------------------------------------------------------------------------------
# Excel leftovers and spreadsheet positions
# ------------------------------------------------------------------------------------------------
def _with_leftovers(df: pd.DataFrame) -> str:
    """The CSV Excel writes after a stray edit: a trailing empty column (';' at each line end) and ';;;' rows."""
    lines = df.to_csv(sep=";", index=False, lineterminator="\r\n").splitlines()
    empty = ";" * len(df.columns)
    return "\r\n".join([ln + ";" for ln in lines] + [empty] * 3) + "\r\n"


def test_empty_excel_leftovers_are_ignored_with_a_note(tmp_path, reference):
    """Issue 12.4: a trailing empty column was 'Unnamed: 24', trailing ';;;' rows '<NA>' kommune codes."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "employees.csv").write_text(_with_leftovers(employees_frame()), encoding="cp1252")
    result = rio.import_raw(raw, out_dir=tmp_path / "out", instrument=INST)
    got = _canonical(dict(rio.load(tmp_path / "out")))
    for name in rio.TABLES:
        pd.testing.assert_frame_equal(got[name], reference[name])
    assert "employees.csv: ignored 1 empty column without a header (Y) and 3 empty rows (14-16)" in result.notes


def test_empty_workbook_rows_and_columns_are_ignored(tmp_path, reference):
    import openpyxl

    raw = tmp_path / "raw"
    raw.mkdir()
    df = employees_frame()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(df.columns))
    for row in df.itertuples(index=False):
        sheet.append([None if pd.isna(v) else v for v in row])
    sheet["Y5"] = " "  # a blank cell Excel still counts as used
    for r in (14, 15, 16):
        sheet[f"C{r}"] = " "
    book.save(raw / "employees.xlsx")
    result = rio.import_raw(raw, out_dir=tmp_path / "out", instrument=INST)
    got = _canonical(dict(rio.load(tmp_path / "out")))
    pd.testing.assert_frame_equal(got["relations"], reference["relations"])
    assert "employees.xlsx: ignored 1 empty column without a header (Y) and 3 empty rows (14-16)" in result.notes


def test_a_column_with_values_but_no_header_is_named_by_its_letter(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    lines = _with_leftovers(employees_frame()).splitlines()
    lines[4] += "5"  # spreadsheet row 5, column Y
    (raw / "employees.csv").write_text("\r\n".join(lines), encoding="cp1252")
    with pytest.raises(InputError, match=r"employees.csv: column Y \(25\): row 5: the column has values but no"
                       r" header\. Give it the name"):
        rio.import_raw(raw, out_dir=tmp_path / "out", instrument=INST)


def test_rows_are_counted_as_in_the_spreadsheet_across_empty_rows(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    df = employees_frame()
    df.loc[5, "respekt__ppr"] = 7  # spreadsheet row 7, one empty row above it: row 8
    lines = df.to_csv(sep=";", index=False, lineterminator="\r\n").splitlines()
    lines.insert(3, ";" * (len(df.columns) - 1))
    (raw / "employees.csv").write_text("\r\n".join(lines), encoding="cp1252")
    with pytest.raises(InputError, match=r"column [A-Z]+ \(\d+\) 'respekt__ppr': row 8: value 7 is outside"):
        rio.import_raw(raw, out_dir=tmp_path / "out", instrument=INST)


def test_unknown_column_lists_the_codebook_items_without_cutting_the_list(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    df = employees_frame()
    df["kommentar"] = "fint"
    write_csv(df, raw / "employees.csv")
    with pytest.raises(InputError) as err:
        rio.import_raw(raw, out_dir=tmp_path / "out", instrument=INST)
    msg = str(err.value)
    assert "column Y (25) 'kommentar': column not in the codebook: kommentar." in msg
    items = sorted(INST.items_for("employee"))
    assert ", ".join(items[:12]) + f" and {len(items) - 12} more" in msg and "..." not in msg


# ------------------------------------------------------------------------------------------------
# One export named directly
# ------------------------------------------------------------------------------------------------
def test_one_export_file_imports_by_its_name_columns_or_kind(tmp_path, reference, capsys):
    """Issue 12.3: `relkap import employees.csv` said 'raw data folder not found'."""
    write_csv(employees_frame(), tmp_path / "employees.csv")
    out = tmp_path / "out"
    assert main(["import", str(tmp_path / "employees.csv"), "--out", str(out)]) == 0
    got = _canonical(dict(rio.load(out)))
    pd.testing.assert_frame_equal(got["relations"], reference["relations"])
    # a name that says nothing: the columns say employees (with a note), or --kind does
    write_csv(employees_frame(), tmp_path / "survey_2026.csv")
    result = rio.import_raw(tmp_path / "survey_2026.csv", out_dir=tmp_path / "out2", instrument=INST)
    assert any("read as employees (the file has a 'group' column)" in n for n in result.notes)
    assert main(["import", str(tmp_path / "survey_2026.csv"), "--kind", "employees", "--out",
                 str(tmp_path / "out3")]) == 0
    capsys.readouterr()
    (tmp_path / "notes.csv").write_text("a;b\r\n1;2\r\n", encoding="utf-8")
    assert main(["import", str(tmp_path / "notes.csv"), "--out", str(tmp_path / "out4")]) == 2
    assert "pass --kind employees" in capsys.readouterr().err.lower()
    assert main(["import", str(tmp_path / "missing.csv")]) == 2
    assert "no such file or folder" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------------
# Fuzz: random bytes inserted into a UTF-8 file with Danish letters
# ------------------------------------------------------------------------------------------------
_DANISH = danish_frame().to_csv(sep=";", index=False, lineterminator="\r\n").encode("utf-8")
_DANISH_IDS = [(int(k), str(i)) for k, i in danish_frame()[["kommune", "respondent_id"]].itertuples(index=False)]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(inserts=st.lists(st.tuples(st.integers(0, len(_DANISH)), st.binary(min_size=1, max_size=3)
                                  .filter(lambda b: b'"' not in b)), min_size=1, max_size=3))
def test_fuzz_bytes_inserted_into_utf8_give_identical_text_or_a_clean_refusal(tmp_path_factory, inserts):
    data, touched = bytearray(_DANISH), set()
    for pos, new in sorted(inserts, key=lambda e: e[0], reverse=True):  # from the back: positions stay valid
        touched.add(_DANISH.count(b"\n", 0, pos))  # the line (0 = header) the bytes went into
        data[pos:pos] = new
    raw = tmp_path_factory.mktemp("fuzz8")
    (raw / "employees.csv").write_bytes(bytes(data))
    out = raw / "out"
    try:
        written = rio.import_raw(raw, out_dir=out, instrument=INST)
    except InputError as exc:
        assert str(exc).startswith(str(raw)), str(exc)
        assert "\n" not in str(exc)
        assert not out.exists() or not list(out.glob("*.parquet"))
        return
    bytes(data).decode("utf-8")  # imported only as the UTF-8 it is: never re-read as cp1252
    rel = pd.read_parquet(written["relations"])
    assert rel["score"].dropna().between(1, 5).all()
    if 0 not in touched:  # every row the bytes did not touch keeps its letters, so its pseudonym
        kept = {_pseudonym(k, i) for line, (k, i) in enumerate(_DANISH_IDS, start=1) if line not in touched}
        assert kept <= set(rel["respondent_id"])


# ----------------------------------------------------------------------------------------------------
# Coded interviews in the store (issue 16): the fifth table, codings
# ----------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def interview_raw(tmp_path_factory):
    """A small demo: the survey files in ``survey/``, the interviews (.qdpx + mapping.yaml) in ``interviews/``."""
    import shutil

    from relkap import synth

    root = tmp_path_factory.mktemp("interview_raw")
    synth.write_demo(root / "both", n_kommuner=3, seed=1, respondents=20)
    shutil.copytree(root / "both", root / "survey", ignore=shutil.ignore_patterns("interviews"))
    return root


def _store_bytes(out) -> dict:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file() and p.name != ".lock"}


def test_survey_then_interviews_then_survey_again_keeps_the_codings(interview_raw, tmp_path, capsys):
    out = tmp_path / "processed"
    assert main(["import", str(interview_raw / "survey"), "--out", str(out)]) == 0
    from relkap.interviews import CODINGS_COLUMNS

    empty = rio.load(out).codings
    assert len(empty) == 0 and list(empty.columns) == CODINGS_COLUMNS
    capsys.readouterr()
    assert main(["import", str(interview_raw / "both" / "interviews"), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    codings = rio.load(out).codings
    kommuner = sorted(set(codings["kommune"].astype(int)))
    assert len(kommuner) == 3
    n = codings[(codings["kommune"] == kommuner[0]) & (codings["wave"] == "baseline")]["source"].nunique()
    name = KOMMUNER[kommuner[0]]
    assert f"{kommuner[0]} {name} baseline, interviews: added, {n} interviews" in printed.splitlines()
    assert "employees" not in printed.split("unchanged")[0]  # the survey is untouched
    before = rio.load(out)
    assert main(["import", str(interview_raw / "survey"), "--out", str(out)]) == 0
    after = rio.load(out)
    pd.testing.assert_frame_equal(after.codings, before.codings)
    assert "interviews" not in capsys.readouterr().out.split("unchanged")[0]
    # the raw folder with its interviews/ subfolder imports both; the same codings come back
    both = tmp_path / "both"
    result = rio.import_raw(interview_raw / "both", out_dir=both)
    assert {c.kind for c in result.changes} == {"employees", "citizens", "structures", "interviews"}
    pd.testing.assert_frame_equal(rio.load(both).codings, after.codings)
    manifest = __import__("json").loads((both / rio.STORE_FILE).read_text(encoding="utf-8"))
    entry = manifest["sources"][f"interviews/{kommuner[0]}/baseline"]
    assert entry["interviews"] == n and any(f.endswith(f"{kommuner[0]}.qdpx") for f in entry["files"])
    assert any(f.endswith("mapping.yaml") for f in entry["files"])


def test_one_project_replaces_only_its_kommune_waves(interview_raw, tmp_path, capsys):
    out = tmp_path / "processed"
    rio.import_raw(interview_raw / "both", out_dir=out)
    before = rio.load(out).codings
    k = int(before["kommune"].iloc[0])
    folder = interview_raw / "both" / "interviews"
    assert main(["import", str(folder / f"{k}.qdpx"), "--interview-mapping", str(folder / "mapping.yaml"),
                 "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [x.split(":")[0] for x in lines[:2]] == [f"{k} {KOMMUNER[k]} baseline, interviews",
                                                  f"{k} {KOMMUNER[k]} followup, interviews"]
    assert "replaced" in lines[0]
    pd.testing.assert_frame_equal(rio.load(out).codings, before)


def test_coded_segments_table_with_kind_interviews(tmp_path, capsys):
    table = tmp_path / "segments.csv"
    table.write_text("source;kommune;wave;group;code;valence\n"
                     "Interview med Anna;766;baseline;skole;myndighed -> skole;problem\n"
                     "Interview med Bo;766;baseline;myndighed;myndighed -> skole;strength\n", encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text("codes:\n  myndighed -> skole: {tie: [myndighed, skole]}\n", encoding="utf-8")
    out = tmp_path / "processed"
    assert main(["import", str(table), "--kind", "interviews", "--interview-mapping", str(mapping),
                 "--out", str(out)]) == 0
    assert "766 Hedensted baseline, interviews: added, 2 interviews" in capsys.readouterr().out
    c = rio.load(out).codings
    assert list(c["theme"]) == ["myndighed->skole"] * 2
    # no source name in the store: neither in the table nor anywhere in the files
    for f in out.iterdir():
        if f.is_file():
            assert b"Anna" not in f.read_bytes() and b"Bo\n" not in f.read_bytes()


def test_malformed_project_is_refused_and_nothing_is_written(interview_raw, tmp_path, capsys):
    import zipfile

    out = tmp_path / "processed"
    rio.import_raw(interview_raw / "survey", out_dir=out)
    before = _store_bytes(out)
    good = interview_raw / "both" / "interviews"
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "mapping.yaml").write_bytes((good / "mapping.yaml").read_bytes())
    name = sorted(good.glob("*.qdpx"))[0].name
    with zipfile.ZipFile(good / name) as zin, zipfile.ZipFile(bad / name, "w") as zout:
        for item in zin.namelist():
            data = zin.read(item)
            if item == "project.qde":  # the first coding now refers to a code the code book does not have
                i = data.index(b'<CodeRef targetGUID="') + len(b'<CodeRef targetGUID="')
                data = data[:i] + b"00000000-dead-4000-8000-000000000000" + data[i + 36:]
            zout.writestr(item, data)
    (bad / "other.qdpx").write_bytes(b"not a zip")
    raw = tmp_path / "raw"
    (raw / "interviews").mkdir(parents=True)
    for f in (interview_raw / "survey").iterdir():
        (raw / f.name).write_bytes(f.read_bytes())
    for f in bad.iterdir():
        (raw / "interviews" / f.name).write_bytes(f.read_bytes())
    assert main(["import", str(raw), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"relkap import: error: {raw / 'interviews' / name}: project.qde: TextSource")
    assert "00000000-dead-4000-8000-000000000000" in err and "not in the CodeBook" in err and "Traceback" not in err
    assert _store_bytes(out) == before
    (raw / "interviews" / name).unlink()
    assert main(["import", str(raw / "interviews" / "other.qdpx"), "--out", str(out)]) == 2
    assert "other.qdpx: not a REFI-QDA project" in capsys.readouterr().err
    assert _store_bytes(out) == before


def test_a_store_without_codings_still_loads(interview_raw, tmp_path):
    from relkap import interviews

    out = tmp_path / "processed"
    rio.import_raw(interview_raw / "both", out_dir=out)
    (out / "codings.parquet").unlink()  # a store made before interviews were imported
    t = rio.load(out)
    pd.testing.assert_frame_equal(t.codings, interviews.empty_codings())
    assert [name for name, _ in t] == list(rio.TABLES)
    rio.import_raw(interview_raw / "both" / "interviews", out_dir=out)  # and interviews can be added to it
    assert len(rio.load(out).codings) > 0


def test_interview_options_go_with_interview_files(interview_raw, tmp_path):
    with pytest.raises(InputError, match="--interview-mapping goes with interview files"):
        rio.import_raw(interview_raw / "survey" / "employees.csv", out_dir=tmp_path / "o",
                       interview_mapping=interview_raw / "both" / "interviews" / "mapping.yaml")
    lone = tmp_path / "lone.qdpx"
    lone.write_bytes((interview_raw / "both" / "interviews" / sorted(
        p.name for p in (interview_raw / "both" / "interviews").glob("*.qdpx"))[0]).read_bytes())
    with pytest.raises(InputError, match="no mapping.yaml beside the file.*--interview-mapping"):
        rio.import_raw(lone, out_dir=tmp_path / "o")
    assert not (tmp_path / "o").exists() or not list((tmp_path / "o").glob("*.parquet"))
