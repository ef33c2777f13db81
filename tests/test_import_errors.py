"""A research team's own exports, first try (issue 25): every problem of every file in one pass, codes typed
with another case or accents, folders of kommune folders, and duplicates named with both files and the id.

The files are generated here as the tools write them: an .xlsx workbook, a Danish Excel CSV (cp1252,
semicolons, CRLF) and a UTF-8 CSV with a byte order mark (commas), one kommune per subfolder.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import relkap.io as rio
from relkap.cli import main
from relkap.errors import InputError, InputErrors
from relkap.instrument import load_instrument

INST = load_instrument()
GROUPS = ["skole", "ppr", "myndighed"]
REL_COLS = [f"{i}__{g}" for i in INST.relational_codes for g in GROUPS]


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("RELKAP_PSEUDONYM_KEY", "test-key")


def export(kommune: int, n: int = 8, seed: int = 0) -> pd.DataFrame:
    """A valid employees export of one kommune: n/2 respondents in both waves, answers 1-5."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        row = {"kommune": kommune, "wave": "baseline" if i % 2 == 0 else "followup",
               "respondent_id": f"Ø{kommune}-{i // 2:02d}", "group": GROUPS[(i // 2) % 3]}
        row.update({c: int(rng.integers(1, 6)) for c in REL_COLS})
        row["vision_1"] = int(rng.integers(1, 6))
        rows.append(row)
    return pd.DataFrame(rows).astype(object)


def write_xlsx(df: pd.DataFrame, path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_excel(path, index=False)


def write_danish_csv(df: pd.DataFrame, path) -> None:
    """As Excel's 'CSV (semikolonsepareret)' writes it on a Danish Windows: cp1252, ';', CRLF."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(df.to_csv(sep=";", index=False, lineterminator="\r\n").encode("cp1252"))


def write_bom_csv(df: pd.DataFrame, path) -> None:
    """As 'CSV UTF-8' writes it: a byte order mark, ','."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(df.to_csv(sep=",", index=False).encode("utf-8-sig"))


def three_kommuner(raw, kbh: pd.DataFrame | None = None, aarhus: pd.DataFrame | None = None,
                   odense: pd.DataFrame | None = None):
    """raw/kbh (101, .xlsx), raw/aarhus (751, Danish CSV) and raw/odense (461, UTF-8 CSV with BOM)."""
    paths = (raw / "kbh" / "employees_kbh.xlsx", raw / "aarhus" / "employees.csv", raw / "odense" / "employees.csv")
    write_xlsx(export(101, seed=1) if kbh is None else kbh, paths[0])
    write_danish_csv(export(751, seed=2) if aarhus is None else aarhus, paths[1])
    write_bom_csv(export(461, seed=3) if odense is None else odense, paths[2])
    return paths


def _untouched(out) -> bool:
    return not out.exists() or not list(out.glob("*.parquet"))


def test_every_problem_of_every_file_in_one_pass(tmp_path, capsys):
    """A wave error no longer hides a group error, which hid a value error: all of them, in all three files,
    in one message (per file, by column), and nothing written."""
    kbh, aarhus, odense = export(101, seed=1), export(751, seed=2), export(461, seed=3)
    kbh.loc[1, "wave"] = "midtvejs"          # row 3
    kbh.loc[2, "group"] = "sygehus"          # row 4
    kbh.loc[[4, 5], "respekt__ppr"] = 7      # rows 6, 7
    aarhus.loc[0, "kommune"] = 999           # row 2
    aarhus.loc[3, "vision_1"] = "godt"       # row 5
    odense.loc[2, "group"] = "Skol"          # row 4: close to skole
    raw, out = tmp_path / "raw", tmp_path / "out"
    kbh_path, aarhus_path, odense_path = three_kommuner(raw, kbh, aarhus, odense)
    with pytest.raises(InputErrors) as err:
        rio.import_raw(raw, out_dir=out, instrument=INST)
    exc = err.value
    assert len(exc.problems) == 6 and {p.file for p in exc.problems} == {str(p) for p in (kbh_path, aarhus_path,
                                                                                          odense_path)}
    msg = str(exc)
    lines = msg.splitlines()
    assert lines[0] == f"{raw}: 6 problems in 3 files; nothing was imported. Fix them all, then import again:"
    kbh_block = msg[msg.index(f"{kbh_path}:"):]
    assert "column B (2) 'wave': row 3: unknown wave label 'midtvejs'." in kbh_block
    assert "column D (4) 'group': row 4: unknown group code 'sygehus'." in kbh_block
    assert "'respekt__ppr': rows 6, 7: value 7 is outside the scale." in kbh_block
    # grouped by column, in the order of the columns
    assert kbh_block.index("'wave'") < kbh_block.index("'group'") < kbh_block.index("'respekt__ppr'")
    assert "column A (1) 'kommune': row 2: '999' is not the official code of a Danish kommune" in msg
    assert "'vision_1': row 5: not a number ('godt')" in msg
    assert "row 4: unknown group code 'Skol' (did you mean 'skole'?)" in msg
    assert isinstance(exc, InputError) and exc.file == str(aarhus_path)  # the first file (in path order)
    assert _untouched(out)
    assert main(["import", str(raw), "--out", str(out)]) == 2
    stderr = capsys.readouterr().err
    assert "Traceback" not in stderr and stderr.count("\n  - ") == 6 and "did you mean 'skole'" in stderr
    assert _untouched(out)


def test_many_problems_are_capped_per_file_with_a_count(tmp_path):
    df = export(766, n=6)
    for col in REL_COLS[:13]:
        df.loc[0, col] = 8
    path = tmp_path / "employees.csv"
    write_danish_csv(df, path)
    with pytest.raises(InputErrors) as err:
        rio.import_raw(tmp_path, out_dir=tmp_path / "out", instrument=INST)
    lines = str(err.value).splitlines()
    assert lines[0] == f"{path}: 13 problems; nothing was imported. Fix them all, then import again:"
    assert len(lines) == 1 + InputErrors.max_per_file + 1 and lines[-1] == "  - and 3 more in this file"


def test_one_problem_is_still_one_line(tmp_path):
    df = export(766)
    df.loc[1, "wave"] = "midtvejs"
    write_danish_csv(df, tmp_path / "employees.csv")
    with pytest.raises(InputError) as err:
        rio.read_survey(tmp_path / "employees.csv", INST)
    assert str(err.value) == (f"{tmp_path / 'employees.csv'}: column B (2) 'wave': row 3: unknown wave label"
                              " 'midtvejs'. Correct the label, or declare the wave in the codebook's ordered waves:"
                              " list (its waves, in time order: baseline, followup), in its place in time, e.g. `-"
                              " {code: midtvejs, da: Midtvejsmåling, en: Midway, date: 2026-03}` (README, 'Waves').")


def test_codes_typed_with_another_case_or_accents_are_read_with_a_note(tmp_path, capsys):
    """'Skole' is skole, 'Baseline' baseline, 'Vision_1' vision_1: the same tables as the codebook's own codes,
    and the summary says what was read as what."""
    canonical = export(751, seed=2)
    typed = canonical.copy()
    typed["wave"] = typed["wave"].map({"baseline": "Baseline", "followup": "FOLLOWUP"})
    typed["group"] = typed["group"].map({"skole": "Skole", "ppr": "PPR", "myndighed": "Myndíghed"})
    typed = typed.rename(columns={"vision_1": "Vision_1", "respekt__skole": "Respekt__Skole"})
    write_danish_csv(canonical, tmp_path / "a" / "employees.csv")
    write_danish_csv(typed, tmp_path / "b" / "employees.csv")
    a = rio.import_raw(tmp_path / "a", out_dir=tmp_path / "out_a", instrument=INST)
    b = rio.import_raw(tmp_path / "b", out_dir=tmp_path / "out_b", instrument=INST)
    for table in ("relations", "scales"):
        pd.testing.assert_frame_equal(pd.read_parquet(a[table]), pd.read_parquet(b[table]))
    assert not any("read as the codebook" in n for n in a.notes)
    note = next(n for n in b.notes if "read as the codebook's codes" in n)
    assert note.startswith("employees.csv: read as the codebook's codes (case and accents aside):")
    for pair in ("'Baseline' as 'baseline'", "'FOLLOWUP' as 'followup'", "'Skole' as 'skole'", "'PPR' as 'ppr'",
                 "'Myndíghed' as 'myndighed'", "'Vision_1' as 'vision_1'", "'Respekt__Skole' as 'respekt__skole'"):
        assert pair in note, pair
    assert main(["import", str(tmp_path / "b"), "--out", str(tmp_path / "out_c")]) == 0
    assert "note: employees.csv: read as the codebook's codes" in capsys.readouterr().out


def test_unknown_codes_and_columns_get_did_you_mean(tmp_path):
    df = export(751)
    df.loc[0, "wave"] = "basline"
    df.loc[[1, 3], "group"] = "myndigheden"
    df.loc[2, "group"] = "hospital"
    df = df.rename(columns={"vision_1": "visoin_1", "kendskab__ppr": "kendskab__pp"})
    write_danish_csv(df, tmp_path / "employees.csv")
    with pytest.raises(InputErrors) as err:
        rio.import_raw(tmp_path, out_dir=tmp_path / "out", instrument=INST)
    msg = str(err.value)
    assert "unknown wave label 'basline' (did you mean 'baseline'?)" in msg
    assert ("unknown group codes: 'myndigheden' (rows 3, 5; did you mean 'myndighed'?), 'hospital' (row 4)."
            in msg)
    assert "unknown target group code 'pp' (did you mean 'ppr'?)." in msg
    assert "column not in the codebook: visoin_1 (did you mean vision_1 or" in msg  # the closest first


def test_a_folder_of_kommune_folders_is_read_with_a_summary_per_folder(tmp_path, capsys):
    raw = tmp_path / "raw"
    three_kommuner(raw)
    (raw / "odense" / "noter.xlsx").write_bytes(b"")  # not an export: left out with a note, not read
    write_danish_csv(export(766), raw / "demo" / "employees.csv")  # relkap synth's demo beside a team's data:
    (raw / "demo" / rio.SYNTHETIC_MARK).write_text("{}", encoding="utf-8")  # left out, with a note
    result = rio.import_raw(raw, out_dir=tmp_path / "out", instrument=INST)
    assert result.folders == ["aarhus/: employees.csv (employees, 8 rows; kommune 751)",
                              "kbh/: employees_kbh.xlsx (employees, 8 rows; kommune 101)",
                              "odense/: employees.csv (employees, 8 rows; kommune 461)"]
    relations = rio.load(tmp_path / "out").relations
    assert sorted(relations["kommune"].unique()) == [101, 461, 751]
    assert relations.groupby("kommune")["respondent_id"].nunique().to_dict() == {101: 4, 461: 4, 751: 4}
    assert any("left out odense/noter.xlsx" in n for n in result.notes)
    assert f"{raw}: left out demo/ (synthetic demo data from relkap synth; import it on its own, into a store of" \
           " its own)" in result.notes
    assert main(["import", str(raw), "--out", str(tmp_path / "out2")]) == 0
    out = capsys.readouterr().out
    assert "read kbh/: employees_kbh.xlsx (employees, 8 rows; kommune 101)" in out


def test_an_empty_tree_says_where_it_looked(tmp_path):
    for sub in ("kbh", "aarhus/2025", "aarhus/interviews"):
        (tmp_path / "raw" / sub).mkdir(parents=True)
    (tmp_path / "raw" / "kbh" / "svar.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        rio.import_raw(tmp_path / "raw", out_dir=tmp_path / "out", instrument=INST)
    msg = str(err.value)
    assert "no raw survey files in the folder or its 3 subfolders (looked in ., aarhus/, aarhus/2025/, kbh/" in msg
    assert "interviews" not in msg.split("(looked in")[1].split(")")[0]


def test_duplicates_name_the_id_both_rows_and_exact_copies(tmp_path):
    df = export(766, n=8)
    copy = df.iloc[[2]].copy()                       # row 4 pasted again as row 10
    other = df.iloc[[5]].copy()
    other["vision_1"] = 1 if df.loc[5, "vision_1"] != 1 else 2   # the same respondent with another answer: row 11
    both = pd.concat([df, copy, other], ignore_index=True)
    write_danish_csv(both, tmp_path / "employees.csv")
    with pytest.raises(InputErrors) as err:
        rio.import_raw(tmp_path, out_dir=tmp_path / "out", instrument=INST)
    msg = str(err.value)
    assert "row 10 is an exact copy of row 4." in msg
    rid = df.loc[5, "respondent_id"]
    assert (f"column C (3) 'respondent_id': rows 7, 11: duplicate respondent_id within the same kommune and wave,"
            f" with different answers: '{rid}' in rows 7 and 11.") in msg


def test_the_same_respondent_in_two_files_names_both_files_and_the_id(tmp_path):
    a = export(766, n=8)
    b = a.iloc[[0, 3]].copy()                        # rows 2 and 5 of a: one exact copy, one changed
    b.loc[3, "vision_1"] = 1 if a.loc[3, "vision_1"] != 1 else 2
    write_danish_csv(a, tmp_path / "employees_a.csv")
    write_bom_csv(b, tmp_path / "employees_b.csv")
    with pytest.raises(InputErrors) as err:
        rio.import_raw(tmp_path, out_dir=tmp_path / "out", instrument=INST)
    problems = [p.message() for p in err.value.problems]
    b_path = tmp_path / "employees_b.csv"
    assert f"{b_path}: row 2 is an exact copy of employees_a.csv row 2." in problems[0]
    rid = a.loc[3, "respondent_id"]
    assert problems[1].startswith(f"{b_path}: column C (3) 'respondent_id': row 3: respondent_id '{rid}' is also in"
                                  f" employees_a.csv (its row 5) for the same kommune and wave, with other answers.")


def test_interviews_in_kommune_folders_are_read_with_their_survey(tmp_path):
    """raw/<kommune>/interviews/ (each with its mapping.yaml) beside raw/<kommune>/employees.csv: the tree
    gives the same tables as the same files in one flat folder; one kommune-wave in two folders is refused."""
    import shutil

    from relkap import synth

    flat = tmp_path / "flat"
    synth.write_demo(flat, n_kommuner=2, seed=1, respondents=15)
    employees = pd.read_csv(flat / "employees.csv", sep=";", encoding="cp1252", dtype=str)
    codes = sorted(employees["kommune"].unique())
    tree = tmp_path / "tree"
    for code in codes:
        folder = tree / f"k{code}"
        write_danish_csv(employees[employees["kommune"] == code], folder / "employees.csv")
        (folder / "interviews").mkdir()
        shutil.copy2(flat / "interviews" / f"{code}.qdpx", folder / "interviews" / f"{code}.qdpx")
        shutil.copy2(flat / "interviews" / "mapping.yaml", folder / "interviews" / "mapping.yaml")
    (flat / "citizens.csv").unlink()
    (flat / "structures.csv").unlink()
    a = rio.import_raw(flat, out_dir=tmp_path / "out_flat", instrument=INST)
    b = rio.import_raw(tree, out_dir=tmp_path / "out_tree", instrument=INST)
    assert not any(n.startswith(str(tree)) for n in b.notes)  # no interview folder left out
    assert b.folders == [line for code in codes for line in (
        f"k{code}/: employees.csv (employees, {(employees['kommune'] == code).sum()} rows; kommune {code})",
        f"k{code}/interviews/: {code}.qdpx (interviews; kommune {code})")]
    for table in ("relations", "codings"):
        x, y = (pd.read_parquet(r[table]) for r in (a, b))
        order = list(x.columns)
        x, y = (t.sort_values(order).reset_index(drop=True) for t in (x, y))
        assert len(x) > 0
        pd.testing.assert_frame_equal(x, y, check_categorical=False)
    assert sorted({c.kind for c in b.changes}) == ["employees", "interviews"]
    # the same kommune's interviews in a second folder too
    shutil.copytree(tree / f"k{codes[0]}" / "interviews", tree / "extra" / "interviews")
    with pytest.raises(InputError, match=rf"interviews of {codes[0]} baseline are also in"):
        rio.import_raw(tree, out_dir=tmp_path / "out_twice", instrument=INST)
