"""Import raw survey exports into the tidy tables, and load them again.

Raw input (see the README, "Raw input formats"):

- ``employees``: wide, one row per respondent: ``kommune``, ``wave``, ``respondent_id``, ``group``, one
  column ``<relational item>__<target group>`` per item and target, then the employee scale items.
- ``citizens``: ``kommune``, ``wave``, ``respondent_id``, then the citizen scale items.
- ``structures``: ``kommune``, ``wave``, ``coder``, then one column per structure item.

Each may be a CSV/TXT file (delimiter ``;``, ``,`` or tab, sniffed; decimal comma accepted; UTF-8 with or
without BOM, UTF-16 with BOM or cp1252), an Excel workbook, or, through a mapping file, a SurveyXact export
(workbook or ``dataset.csv`` + ``structure.csv`` + ``labels.csv``), a Qualtrics CSV (three header rows) or an
SPSS ``.sav`` file.

A file is never decoded into mojibake: UTF-8 with a stray byte from another encoding is refused with the
line, character and column of the byte. Fully empty rows and header-less empty columns (Excel leftovers) are
ignored with a note.

Everything is validated before anything is written. Every problem raises :class:`~relkap.errors.InputError`
naming the file, the rows (as numbered in a spreadsheet: the header is row 1) and the column (its letter,
position and header).

Coded interviews (REFI-QDA projects and coded-segments tables, :mod:`relkap.qda`) are imported the same way:
a raw folder's ``interviews/`` subfolder with its ``mapping.yaml``, or one interview file named directly. They
become the fifth table, ``codings``; no quote text and no source name enter it.

The processed tables are a store keyed by kommune and wave (:func:`import_raw`): an import adds its
kommune-waves and replaces exactly those it holds, per instrument (employees, citizens, structures,
interviews), and keeps every other one. The new tables
are written to a temporary folder inside the store, marked complete, and only then moved in; a failed or
killed import leaves the store as it was, and :func:`load` never reads a mix of two imports.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from . import config
from .errors import InputError, column_letter
from .instrument import Instrument, load_instrument
from .kommuner import KOMMUNER

__all__ = [
    "Tables",
    "TABLES",
    "SURVEY_TABLES",
    "read_raw",
    "read_survey",
    "tidy_tables",
    "import_raw",
    "ImportResult",
    "StoreChange",
    "load",
    "pseudonymise",
    "pseudonym_key",
    "key_fingerprint",
]

SURVEY_TABLES = ("relations", "scales", "citizens", "structures")
TABLES = (*SURVEY_TABLES, "codings")
KINDS = ("employees", "citizens", "structures")  # the survey instruments (raw file kinds)
INTERVIEWS = "interviews"
STORE_KINDS = (*KINDS, INTERVIEWS)  # what the store replaces kommune-wave by kommune-wave
RAW_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".sav")
FORMATS = ("csv", "excel", "surveyxact", "qualtrics", "spss")
KEY_ENV = "RELKAP_PSEUDONYM_KEY"
KEY_FILE = ".relkap_key"
_ID_COLUMNS = {
    "employees": ("kommune", "wave", "respondent_id", "group"),
    "citizens": ("kommune", "wave", "respondent_id"),
    "structures": ("kommune", "wave", "coder"),
}


def _no_codings() -> pd.DataFrame:
    from .qda import empty_codings  # qda reads files with this module

    return empty_codings()


@dataclass
class Tables:
    """The tidy tables of ``docs/contract.md``: relations, scales, citizens, structures, and the interview
    ``codings`` (:mod:`relkap.qda`; a table without rows where there are no interviews)."""

    relations: pd.DataFrame
    scales: pd.DataFrame
    citizens: pd.DataFrame
    structures: pd.DataFrame
    codings: pd.DataFrame = field(default_factory=_no_codings)

    def __iter__(self):
        return iter((name, getattr(self, name)) for name in TABLES)


# ----------------------------------------------------------------------------------------------------
# Reading text files: encoding and delimiter
# ----------------------------------------------------------------------------------------------------
# One complete, valid UTF-8 sequence of two to four bytes (RFC 3629: no overlong forms, no surrogates).
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_SAVE_AS = ("Open the file in the program that wrote it and save it again as UTF-8 (or as 'CSV (semikolonsepareret)'"
            " from Excel); relkap does not guess encodings")


def _byte_place(data: bytes, pos: int, codec: str) -> tuple[int, int, int | None, str | None]:
    """Line, character, column position and header of byte ``pos`` (all 1-based) in the raw file ``data``.

    The column is counted with the delimiter sniffed from the header (best effort: a quoted line break
    before ``pos`` shifts lines against spreadsheet rows, so the message speaks of lines).
    """
    prefix = data[:pos].decode(codec, errors="replace")
    line = prefix.count("\n") + 1
    line_text = prefix[prefix.rfind("\n") + 1:].rstrip("\r")
    char = len(line_text) + 1
    whole = data.decode(codec, errors="replace")
    header = whole.splitlines()[0] if whole else ""
    counts = {d: header.count(d) for d in ";,\t"}
    sep = max(counts, key=counts.get)
    if counts[sep] == 0:
        return line, char, None, None
    try:
        position = len(next(csv.reader([re.sub(r"[\r\0]", " ", line_text)], delimiter=sep), [""])) or 1
        names = next(csv.reader([re.sub(r"[\r\0]", " ", header)], delimiter=sep), [])
    except csv.Error:  # a line the csv module cannot split: the line and character say enough
        return line, char, None, None
    name = names[position - 1].strip() if position <= len(names) and line > 1 else None
    return line, char, position, name or None


def _refuse_bytes(path: Path, data: bytes, pos: int, codec: str, problem: str) -> InputError:
    line, char, position, name = _byte_place(data, pos, codec)
    return InputError(path, f"line {line}, character {char}: byte 0x{data[pos]:02x} {problem}", column=name,
                      position=position, fix=_SAVE_AS)


def _decode(path: Path) -> str:
    """Text of ``path``: UTF-8 (with or without BOM), UTF-16 with BOM, or cp1252. Never mojibake.

    A file without a byte order mark that is not valid UTF-8 is read as cp1252 only when it holds no valid
    UTF-8 letter at all: UTF-8 letters beside an invalid byte mean a UTF-8 file with a stray byte from
    another encoding (a hand edit), and reading it as cp1252 would garble every letter (``Sø`` -> ``SÃ¸``),
    so it is refused with the line and column of the first bad byte.
    """
    data = path.read_bytes()
    if not data.strip():
        raise InputError(path, "the file is empty", fix="Export the survey again; the file must have a header row")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = "utf-16"
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as exc:
            raise _refuse_bytes(path, data, exc.start, codec, "is not valid UTF-16, though the file starts with a"
                                " UTF-16 byte order mark") from None
    elif data.startswith(b"\xef\xbb\xbf"):
        codec = "utf-8-sig"
        try:
            text = data[3:].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _refuse_bytes(path, data, exc.start + 3, codec, "is not UTF-8, though the file starts with a"
                                " UTF-8 byte order mark: it mixes two encodings") from None
    else:
        codec = "utf-8"
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as exc:
            letter = _UTF8_MULTIBYTE.search(data)
            if letter is not None:
                example = letter.group().decode("utf-8")
                at = data.count(b"\n", 0, letter.start()) + 1
                raise _refuse_bytes(path, data, exc.start, codec,
                                    f"is not UTF-8, but the file also has UTF-8 letters ('{example}' on line {at}):"
                                    " it mixes two encodings, e.g. after a hand edit in another editor") from None
            codec = "cp1252"
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as exc2:
                raise _refuse_bytes(path, data, exc2.start, "latin-1",
                                    "is neither UTF-8 nor Windows-1252 (cp1252) text") from None
    nul = text.find("\0")
    if nul >= 0:
        raise _refuse_bytes(path, text.encode("utf-8"), len(text[:nul].encode("utf-8")), "utf-8",
                            "(NUL) is not text: a UTF-16 file without its byte order mark, or a binary file?")
    return text


def _sniff_delimiter(text: str, path: Path) -> str:
    head = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(head, delimiters=";,\t").delimiter
    except csv.Error:
        first = next((ln for ln in text.splitlines() if ln.strip()), "")
        counts = {d: first.count(d) for d in ";,\t"}
        best = max(counts, key=counts.get)
        if counts[best] == 0:
            raise InputError(path, "cannot find the column delimiter in the header row", rows=[1],
                             fix="Use ';', ',' or tab between columns") from None
        return best


def _read_text_table(path: Path, header_rows: int = 1) -> pd.DataFrame:
    """All cells as strings (blank -> missing) with the header from the first non-empty row.

    ``header_rows`` > 1 skips the extra header rows of a Qualtrics export (question text, import ids).
    """
    import io as _io

    text = _decode(path)
    sep = _sniff_delimiter(text, path)
    try:
        cells = pd.read_csv(_io.StringIO(text), sep=sep, header=None, dtype=str, keep_default_na=False,
                            na_values=[""], skip_blank_lines=False)
    except pd.errors.ParserError as exc:
        detail = " ".join(str(exc).split())
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", detail)
        if m:
            raise InputError(path, f"the row has {m.group(3)} cells, but the first row has {m.group(1)}",
                             rows=[int(m.group(2))], fix=f"Check quoting and the delimiter ('{sep}') on that row"
                             " and in the header") from None
        raise InputError(path, f"the file cannot be split into rows and columns ({detail})",
                         fix=f"Check quoting (a cell opened with \" and never closed) and the delimiter ('{sep}')"
                         ) from None
    except pd.errors.EmptyDataError:
        raise InputError(path, "the file has no header row", fix="Export the survey again") from None
    return _table(cells, path, header_rows)


def _read_excel(path: Path, sheet: str | int | None = None) -> pd.DataFrame:
    try:
        cells = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, header=None, dtype=object)
    except ValueError as exc:
        raise InputError(path, f"cannot read the workbook: {exc}", fix="Name an existing sheet") from None
    except Exception as exc:  # zip / xml errors from a damaged workbook
        raise InputError(path, f"not a readable Excel workbook ({type(exc).__name__}: {exc})",
                         fix="Open and save it again in Excel as .xlsx") from None
    if cells.empty:
        raise InputError(path, "the sheet is empty", fix="Export the survey again; the sheet must have a header row")
    return _table(_excel_number_text(cells), path)


def _excel_number_text(df: pd.DataFrame) -> pd.DataFrame:
    """Excel cells read as numbers come back as 3.0; make whole numbers '3' so codes compare as text."""
    def fix(v):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return v
        v = str(v)
        if v.endswith(".0") and v[:-2].lstrip("-").isdigit():
            return v[:-2]
        return v
    return df.map(fix)


def _ranges(numbers: list[int], letters: bool = False) -> str:
    """'2-4, 9' for [2, 3, 4, 9] (spreadsheet column letters with ``letters``)."""
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    show = column_letter if letters else str
    return ", ".join(show(a) if a == b else f"{show(a)}-{show(b)}" for a, b in spans)


def _table(cells: pd.DataFrame, path: Path, header_rows: int = 1) -> pd.DataFrame:
    """A raw grid of cells (as read, no header) as relkap reads every raw file.

    The header is the first row with any cell; the index is the spreadsheet row number (header = row 1 when
    nothing is above it) and ``attrs["positions"]`` the 1-based column of each name, so messages point at the
    cell a user sees. Fully empty rows and columns without a header (Excel leftovers such as trailing ``;;;``)
    are dropped and counted in ``attrs["ignored"]``; a column without a header that holds values is refused.
    """
    cells = cells.apply(_stripped)
    cells.index = pd.RangeIndex(1, len(cells) + 1)
    cells.columns = pd.RangeIndex(1, cells.shape[1] + 1)
    filled = cells.notna()
    if not filled.any().any():
        raise InputError(path, "the file has no header row", fix="Export the survey again")
    header_row = int(filled.any(axis=1).idxmax())
    header = cells.loc[header_row]
    data = cells.loc[header_row + header_rows:]
    blank_header = header.isna()
    empty = blank_header & data.isna().all()
    stray = blank_header & ~empty
    if stray.any():
        pos = int(stray.idxmax())
        rows = data.index[data[pos].notna()].tolist()
        raise InputError(path, "the column has values but no header", rows=rows, position=pos,
                         fix="Give it the name of a codebook item in the header row, or delete the column")
    names = {pos: str(name) for pos, name in header[~blank_header].items()}
    seen: dict[str, int] = {}
    for pos, name in names.items():
        if name in seen:
            raise InputError(path, f"the header '{name}' appears twice, in columns {column_letter(seen[name])}"
                             f" ({seen[name]}) and {column_letter(pos)} ({pos})", column=name, position=pos,
                             fix="Rename or delete one of them")
        seen[name] = pos
    data = data[list(names)]
    empty_rows = data.index[data.isna().all(axis=1)].tolist()
    data = data.drop(index=empty_rows)
    ignored_cols = [int(p) for p in empty[empty].index]
    data.columns = list(names.values())
    data.attrs["positions"] = {name: pos for pos, name in names.items()}
    data.attrs["ignored"] = _ignored_note(ignored_cols, [r for r in empty_rows if r > header_row])
    return data


def _stripped(cells: pd.Series) -> pd.Series:
    """Text cells without surrounding blanks; a cell of blanks only is empty."""
    if cells.isna().all() or not (pd.api.types.is_string_dtype(cells) or cells.dtype == object):
        return cells
    text = cells.str.strip()
    return text.mask(text == "")


def _ignored_note(columns: list[int], rows: list[int]) -> str:
    parts = []
    if columns:
        parts.append(f"{len(columns)} empty column{'s' if len(columns) > 1 else ''} without a header"
                     f" ({_ranges(columns, letters=True)})")
    if rows:
        parts.append(f"{len(rows)} empty row{'s' if len(rows) > 1 else ''} ({_ranges(rows)})")
    return "ignored " + " and ".join(parts) if parts else ""


def read_raw(path: str | os.PathLike, fmt: str | None = None, sheet: str | int | None = None) -> pd.DataFrame:
    """One raw file as a DataFrame of strings (missing = NaN), the header as column names.

    ``fmt`` is ``csv``, ``excel``, ``qualtrics`` or ``spss``; ``None`` guesses from the suffix. The index is
    the spreadsheet row number of each row (for error messages), ``df.attrs["positions"]`` the 1-based column
    of each name, and ``df.attrs["ignored"]`` says which fully empty rows and columns were left out.
    """
    p = Path(path)
    if not p.exists():
        raise InputError(p, "file not found", fix="Check the path")
    if fmt is None:
        suffix = p.suffix.lower()
        fmt = {".xlsx": "excel", ".xlsm": "excel", ".sav": "spss"}.get(suffix, "csv")
    if fmt == "csv":
        return _read_text_table(p)
    if fmt == "qualtrics":
        return _read_text_table(p, header_rows=3)
    if fmt == "excel":
        return _read_excel(p, sheet)
    if fmt == "spss":
        import pyreadstat

        try:
            df, _meta = pyreadstat.read_sav(str(p), apply_value_formats=False)
        except Exception as exc:
            raise InputError(p, f"not a readable SPSS .sav file ({exc})", fix="Export it again from SPSS") from None
        df = df.astype(object).where(df.notna(), np.nan)
        cells = pd.concat([pd.DataFrame([list(df.columns)], columns=df.columns), df], ignore_index=True)
        return _table(_excel_number_text(cells), p)
    raise InputError(p, f"unknown format '{fmt}'", fix=f"Use one of {', '.join(FORMATS)}")


# ----------------------------------------------------------------------------------------------------
# Mapping files (SurveyXact, Qualtrics, SPSS, or any export whose column names differ)
# ----------------------------------------------------------------------------------------------------
@dataclass
class Source:
    """One raw export and how its columns map onto relkap's raw format."""

    kind: str
    path: Path
    fmt: str
    columns: dict[str, str] | None = None
    values: dict[str, dict[str, str]] | None = None
    constants: dict[str, object] | None = None
    sheet: str | int | None = None


def _load_mapping(mapping: str | os.PathLike, raw_dir: Path) -> list[Source]:
    """Parse a mapping YAML::

        employees:                       # employees, citizens or structures; one entry or a list
          - file: baseline.xlsx          # relative to the mapping file's folder (or the raw folder)
            format: surveyxact           # csv | excel | surveyxact | qualtrics | spss
            constants: {kommune: 766, wave: baseline}
            columns: {respondentid: respondent_id, s_1: group, s_2_1: kendskab__myndighed}
            values: {group: {"1": myndighed, "Skole": skole}}
    """
    mp = Path(mapping)
    if not mp.is_absolute() and not mp.exists():
        mp = config.resolve(mapping, mp)
    try:
        raw = yaml.safe_load(mp.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(mp, "mapping file not found", fix="Check the --mapping path") from None
    except yaml.YAMLError as exc:
        raise InputError(mp, f"not valid YAML: {exc}") from None
    if not isinstance(raw, dict) or not set(raw) <= set(KINDS) or not raw:
        raise InputError(mp, "expected top-level keys employees:, citizens: and/or structures:",
                         fix="See the README, 'Mapping files'")
    sources = []
    for kind, entries in raw.items():
        for i, e in enumerate(entries if isinstance(entries, list) else [entries]):
            key = f"{kind}.{i}" if isinstance(entries, list) else kind
            if not isinstance(e, dict) or "file" not in e:
                raise InputError(mp, f"key '{key}': each entry needs file:", fix="See the README, 'Mapping files'")
            extra = set(e) - {"file", "format", "columns", "values", "constants", "sheet"}
            if extra:
                raise InputError(mp, f"key '{key}': unknown keys {sorted(extra)}",
                                 fix="Allowed: file, format, columns, values, constants, sheet")
            fmt = e.get("format")
            if fmt is not None and fmt not in FORMATS:
                raise InputError(mp, f"key '{key}.format': unknown format '{fmt}'", fix=f"Use one of {', '.join(FORMATS)}")
            f = Path(e["file"])
            if not f.is_absolute():
                f = (mp.parent / f) if (mp.parent / f).exists() else (raw_dir / f)
            values = {str(col): {str(k): str(v) for k, v in (m or {}).items()}
                      for col, m in (e.get("values") or {}).items()}
            columns = {str(k): str(v) for k, v in (e.get("columns") or {}).items()} or None
            sources.append(Source(kind, f, fmt or _guess_format(f), columns, values, e.get("constants"), e.get("sheet")))
    return sources


def _guess_format(p: Path) -> str:
    if p.is_dir():
        return "surveyxact"
    return {".xlsx": "excel", ".xlsm": "excel", ".sav": "spss"}.get(p.suffix.lower(), "csv")


def _read_surveyxact(src: Source) -> tuple[pd.DataFrame, Path, dict[str, dict[str, str]]]:
    """SurveyXact: a folder with dataset.csv (+ structure.csv, labels.csv) or a workbook with those sheets.

    Returns the dataset, the file to name in errors, and value labels {variable: {code: label}}.
    """
    p = src.path
    labels = pd.DataFrame()
    if p.is_dir():
        ds = p / "dataset.csv"
        if not ds.exists():
            raise InputError(p, "a SurveyXact folder must hold dataset.csv (and structure.csv, labels.csv)",
                             fix="Export 'Datasæt' as CSV from SurveyXact into this folder")
        data, where = _read_text_table(ds), ds
        if (p / "labels.csv").exists():
            labels = _read_text_table(p / "labels.csv")
    else:
        try:
            sheets = pd.ExcelFile(p).sheet_names
        except Exception as exc:
            raise InputError(p, f"not a readable Excel workbook ({exc})", fix="Export it again from SurveyXact") from None
        lower = {s.lower(): s for s in sheets}
        ds_sheet = src.sheet or lower.get("dataset") or lower.get("datasæt") or sheets[0]
        data, where = _read_excel(p, ds_sheet), p
        if "labels" in lower:
            labels = _read_excel(p, lower["labels"])
    value_labels: dict[str, dict[str, str]] = {}
    if not labels.empty:
        cols = [c.lower() for c in labels.columns]
        if len(cols) >= 3:
            v, c, lab = labels.columns[:3]
            for var, code, text in zip(labels[v], labels[c], labels[lab], strict=True):
                if isinstance(var, str) and isinstance(code, str):
                    value_labels.setdefault(var, {})[code] = str(text)
    return data, where, value_labels


def _recoder(recode: dict[str, str], labels: dict[str, str]):
    """Value -> code: by the raw value, else by its value label (SurveyXact labels.csv), else unchanged."""
    def f(v):
        if not isinstance(v, str):
            return v
        if v in recode:
            return recode[v]
        return recode.get(labels.get(v, "\0"), v)
    return f


def _apply_mapping(src: Source) -> tuple[pd.DataFrame, Path]:
    """Read a mapped export and return it in relkap's raw column names, plus the file to name in errors.

    Mapped columns keep their position in the export (for messages); constants have none.
    """
    value_labels: dict[str, dict[str, str]] = {}
    if src.fmt == "surveyxact":
        data, where, value_labels = _read_surveyxact(src)
    else:
        data, where = read_raw(src.path, src.fmt, src.sheet), src.path
    positions, ignored = dict(data.attrs.get("positions", {})), data.attrs.get("ignored", "")
    if src.columns:
        missing = [c for c in src.columns if c not in data.columns]
        if missing:
            raise InputError(where, f"the mapping names columns the export does not have: {_listing(missing)}",
                             fix="Correct the column names under columns: in the mapping file; the export has "
                             + _listing(list(data.columns)))
        data = data[list(src.columns)].rename(columns=src.columns)
        positions = {src.columns[c]: positions[c] for c in src.columns if c in positions}
    for col, value in (src.constants or {}).items():
        data[col] = str(value)
        positions.pop(col, None)
    for col, recode in (src.values or {}).items():
        if col not in data.columns:
            raise InputError(where, f"values: recodes column '{col}', which is not mapped", column=col,
                             fix="Map a source column to it under columns:")
        source_col = next((s for s, t in (src.columns or {}).items() if t == col), col)
        labels = value_labels.get(source_col, {})
        data[col] = data[col].map(_recoder(recode, labels))
    data.attrs.update(positions=positions, ignored=ignored)
    return data, where


def _listing(names, limit: int = 12) -> str:
    """'a, b, c' or, for a long list, the first ``limit`` names 'and N more' (never cut mid-list)."""
    names = [str(n) for n in names]
    more = len(names) - limit
    return ", ".join(names[:limit]) + (f" and {more} more" if more > 0 else "")


# ----------------------------------------------------------------------------------------------------
# Validation and reshaping into the tidy tables
# ----------------------------------------------------------------------------------------------------
def _rows(df: pd.DataFrame, mask) -> list[int]:
    """Spreadsheet row numbers (the index of a raw frame) where ``mask`` holds."""
    m = pd.array(np.asarray(mask, dtype=object), dtype="boolean").fillna(False).to_numpy(dtype=bool)
    return [int(r) for r in df.index.to_numpy()[m]]


def _col(df: pd.DataFrame, column: str) -> dict:
    """``column=`` and ``position=`` of :class:`InputError` for a column of a raw frame."""
    return {"column": column, "position": df.attrs.get("positions", {}).get(column)}


def _shown(value) -> str:
    return "a blank cell" if value is None or pd.isna(value) else f"'{value}'"


def _parse_scores(df: pd.DataFrame, col: str, path: Path, inst: Instrument, integer: bool) -> np.ndarray:
    """Numbers of one item column (decimal comma accepted), checked against the scale and missing codes."""
    s = df[col]
    if s.dtype == object or pd.api.types.is_string_dtype(s):
        text = s.astype("string").str.strip()
        num = pd.to_numeric(text, errors="coerce").astype("Float64")
        bad = text.notna() & num.isna()
        if bad.any():
            num2 = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce").astype("Float64")
            num = num.fillna(num2)
            bad = text.notna() & num.isna()
        if bad.any():
            example = text[bad].iloc[0]
            raise InputError(path, f"not a number (e.g. '{example}')", rows=_rows(df, bad), **_col(df, col),
                             fix=f"Use whole numbers {inst.scale.min}-{inst.scale.max}, {_missing_text(inst)},"
                             " or leave the cell blank")
        values = num.to_numpy(dtype="float64", na_value=np.nan)
    else:
        values = pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64")
    ok = np.isnan(values) | np.isin(values, inst.missing_codes)
    in_range = (values >= inst.scale.min) & (values <= inst.scale.max)
    if integer:
        in_range &= values == np.round(values)
    bad = ~(ok | in_range)
    if bad.any():
        example = values[bad][0]
        what = "whole numbers" if integer else "numbers"
        raise InputError(path, f"value {example:g} is outside the scale", rows=_rows(df, bad), **_col(df, col),
                         fix=f"Allowed: {what} {inst.scale.min}-{inst.scale.max}, {_missing_text(inst)}, or blank")
    return values


def _missing_text(inst: Instrument) -> str:
    codes = "/".join(str(c) for c in inst.missing_codes)
    return f"{codes} for 'ved ikke'" if codes else "no missing codes"


def _check_ids(df: pd.DataFrame, kind: str, path: Path, inst: Instrument) -> pd.DataFrame:
    """Required columns, kommune codes, wave labels, ids, groups. Returns the id columns cleaned."""
    required = _ID_COLUMNS[kind]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(path, f"required columns are missing: {', '.join(missing)}",
                         fix=f"The {kind} file needs the columns {', '.join(required)} (see the README)")
    if len(df) == 0:
        raise InputError(path, "the file has a header but no data rows", fix="Export the survey again with responses")
    out = pd.DataFrame(index=df.index)

    k_text = df["kommune"].astype("string").str.strip()
    k_num = pd.to_numeric(k_text.str.replace(r"\.0$", "", regex=True), errors="coerce")
    bad = k_num.isna() | ~k_num.isin(list(KOMMUNER))
    if bad.any():
        example = k_text[bad].iloc[0]
        raise InputError(path, f"{_shown(example)} is not the official code of a Danish kommune", rows=_rows(df, bad),
                         **_col(df, "kommune"), fix="Use the three-digit kommune code, e.g. 751 for Aarhus, 766 for Hedensted")
    out["kommune"] = k_num.astype("int16").to_numpy()

    waves = [inst.waves.baseline, inst.waves.followup]
    w = df["wave"].astype("string").str.strip()
    bad = ~w.isin(waves).fillna(False)
    if bad.any():
        raise InputError(path, f"unknown wave label {_shown(w[bad].iloc[0])}", rows=_rows(df, bad), **_col(df, "wave"),
                         fix=f"Allowed: {', '.join(waves)} (set other labels under waves: in the codebook)")
    out["wave"] = w.to_numpy()

    idcol = "coder" if kind == "structures" else "respondent_id"
    # NFC: the same id typed on a Mac (decomposed letters) and on Windows must get the same pseudonym
    ids = df[idcol].astype("string").str.strip().str.normalize("NFC")
    bad = ids.isna() | (ids == "")
    if bad.any():
        raise InputError(path, "empty id", rows=_rows(df, bad), **_col(df, idcol), fix="Every row needs an id")
    out[idcol] = ids.to_numpy()
    dup = pd.DataFrame({"k": out["kommune"], "w": out["wave"], "i": out[idcol]}).duplicated(keep=False)
    if dup.any():
        raise InputError(path, f"duplicate {idcol} within the same kommune and wave (e.g. '{ids[dup.to_numpy()].iloc[0]}')",
                         rows=_rows(df, dup), **_col(df, idcol),
                         fix="Each respondent may answer once per wave; remove or renumber the duplicates")

    if kind == "employees":
        g = df["group"].astype("string").str.strip()
        bad = ~g.isin(inst.group_codes).fillna(False)
        if bad.any():
            raise InputError(path, f"unknown group code {_shown(g[bad].iloc[0])}", rows=_rows(df, bad), **_col(df, "group"),
                             fix=f"Allowed: {', '.join(inst.group_codes)} (add groups to the codebook)")
        out["group"] = g.to_numpy()
    return out


def _item_columns(df: pd.DataFrame, kind: str, path: Path, inst: Instrument):
    """Split the non-id columns into relational (item, target, column) and scale (item, column) columns."""
    ids = set(_ID_COLUMNS[kind])
    rel_codes, groups = set(inst.relational_codes), set(inst.group_codes)
    instrument_items = set(inst.items_for({"employees": "employee", "citizens": "citizen"}.get(kind, kind)))
    relational, scale_items, unknown = [], [], []
    for col in df.columns:
        if col in ids:
            continue
        if "__" in col and kind == "employees":
            item, _, target = col.partition("__")
            if item not in rel_codes:
                raise InputError(path, f"unknown relational item '{item}'", **_col(df, col),
                                 fix=f"Relational columns are <item>__<group>; items: {', '.join(inst.relational_codes)}")
            if target not in groups:
                raise InputError(path, f"unknown target group code '{target}'", **_col(df, col),
                                 fix=f"Allowed groups: {', '.join(inst.group_codes)}")
            relational.append((item, target, col))
        elif col in instrument_items:
            scale_items.append(col)
        else:
            unknown.append(col)
    if unknown:
        raise InputError(path, f"column{'s' if len(unknown) > 1 else ''} not in the codebook: {_listing(unknown, 6)}",
                         **_col(df, unknown[0]),
                         fix="Rename it to a codebook item, remove it, or map it with a mapping file; the codebook's "
                         f"{kind} items are {_listing(sorted(instrument_items))}"
                         + (" and relational columns <item>__<group>" if kind == "employees" else ""))
    if kind == "employees" and not relational:
        raise InputError(path, "no relational columns (<item>__<group>, e.g. kendskab__skole)",
                         fix="The employees file needs the relational matrix items")
    return relational, scale_items


def _tidy(df: pd.DataFrame, kind: str, path: Path, inst: Instrument
          ) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """The long table(s) of one validated raw frame, and its id columns (one row per raw row)."""
    ids = _check_ids(df, kind, path, inst)
    relational, scale_items = _item_columns(df, kind, path, inst)
    out: dict[str, pd.DataFrame] = {}
    integer = kind != "structures"
    if kind == "employees":
        out["relations"] = _melt(df, ids, [c for _, _, c in relational], path, inst, integer,
                                 {c: (i, t) for i, t, c in relational})
    items = {c: (inst.item_scale[c], c) for c in scale_items}
    table = {"employees": "scales", "citizens": "citizens", "structures": "structures"}[kind]
    out[table] = _melt(df, ids, scale_items, path, inst, integer, items)
    return out, ids


def _melt(df, ids, columns, path, inst, integer, meaning) -> pd.DataFrame:
    """Long rows (one per answered cell) with keyed scores; blank cells are dropped, missing codes kept as NaN."""
    parts = []
    for col in columns:
        raw = _parse_scores(df, col, path, inst, integer)
        keep = ~np.isnan(raw)
        if not keep.any():
            continue
        a, b = meaning[col]
        item = a if a in inst.relational_codes else col
        scored = inst.key(item, raw[keep])
        part = ids.loc[keep].copy()
        part["_a"] = a
        part["_b"] = b
        part["score"] = scored
        parts.append(part)
    if not parts:
        return ids.iloc[0:0].assign(_a=pd.Series(dtype=object), _b=pd.Series(dtype=object),
                                    score=pd.Series(dtype="float64"))
    return pd.concat(parts, ignore_index=True)


def _finish(kind_table: str, long: pd.DataFrame, inst: Instrument, key: bytes) -> pd.DataFrame:
    """Name the columns, pseudonymise ids and set the contract dtypes."""
    waves = pd.CategoricalDtype([inst.waves.baseline, inst.waves.followup])
    groups = pd.CategoricalDtype(inst.group_codes)
    d = pd.DataFrame({"kommune": long["kommune"].astype("int16"), "wave": long["wave"].astype(waves)})
    if kind_table == "structures":
        d["coder"] = long["coder"].astype("string")
        d["dimension"] = long["_a"].astype(pd.CategoricalDtype([s.code for s in inst.scales_for("structures")]))
    else:
        d["respondent_id"] = pseudonymise(long["kommune"], long["respondent_id"], key)
        if kind_table in ("relations", "scales"):
            d["group"] = long["group"].astype(groups)
        if kind_table == "relations":
            d["target"] = long["_b"].astype(groups)
            d["item"] = long["_a"].astype(pd.CategoricalDtype(inst.relational_codes))
        else:
            instrument = "employee" if kind_table == "scales" else "citizen"
            d["scale"] = long["_a"].astype(pd.CategoricalDtype([s.code for s in inst.scales_for(instrument)]))
            d["item"] = long["_b"].astype(pd.CategoricalDtype(inst.items_for(instrument)))
    d["score"] = long["score"].astype("float64")
    return d.reset_index(drop=True)


def _assemble(collected: dict[str, list[pd.DataFrame]], inst: Instrument, key: bytes) -> dict[str, pd.DataFrame]:
    """Stack each table's parts (an empty table with the right columns when there are none) and finish them."""
    return {name: _finish(name, pd.concat(parts, ignore_index=True) if parts else _empty(name, inst), inst, key)
            for name, parts in collected.items()}


def _empty(table: str, inst: Instrument) -> pd.DataFrame:
    cols = {"relations": ["kommune", "wave", "respondent_id", "group", "_a", "_b", "score"],
            "scales": ["kommune", "wave", "respondent_id", "group", "_a", "_b", "score"],
            "citizens": ["kommune", "wave", "respondent_id", "_a", "_b", "score"],
            "structures": ["kommune", "wave", "coder", "_a", "_b", "score"]}[table]
    return pd.DataFrame({c: pd.Series(dtype="float64" if c == "score" else object) for c in cols})


# ----------------------------------------------------------------------------------------------------
# Pseudonyms
# ----------------------------------------------------------------------------------------------------
def _key_file() -> Path:
    return config.ROOT / KEY_FILE


def _pseudonym_key(create: bool = True) -> tuple[bytes | None, Path | None]:
    """The key (``None`` when there is none and ``create`` is false) and the key file if this call made it."""
    env = os.environ.get(KEY_ENV)
    if env:
        return env.encode("utf-8"), None
    path = _key_file()
    if path.exists():
        return path.read_text(encoding="utf-8").strip().encode("utf-8"), None
    if not create:
        return None, None
    key = secrets.token_hex(32)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(key + "\n", encoding="utf-8")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return key.encode("utf-8"), path


def pseudonym_key(create: bool = True) -> bytes:
    """The pseudonymisation key: ``$RELKAP_PSEUDONYM_KEY``, else the git-ignored ``.relkap_key`` file in the
    project root (created with a random key the first time). Keep it: the same key gives the same pseudonyms
    in a later import, so baseline and follow-up imported apart still link."""
    key, _ = _pseudonym_key(create)
    if key is None:
        raise InputError(_key_file(), "no pseudonymisation key", fix=f"Set {KEY_ENV} or create {KEY_FILE}")
    return key


def key_fingerprint(key: bytes) -> str:
    """A short keyed hash that tells two keys apart without revealing either (stored with the tables)."""
    return hmac.new(key, b"relkap pseudonym key fingerprint", hashlib.sha256).hexdigest()[:16]


def pseudonymise(kommune, raw_id, key: bytes) -> pd.Series:
    """Keyed hash (HMAC-SHA256, 16 hex characters) of kommune and raw respondent id.

    The same raw id in the same kommune gets the same pseudonym in both waves; without the key the raw id
    cannot be recovered or checked.
    """
    pairs = pd.DataFrame({"k": np.asarray(kommune).astype("int64"), "i": np.asarray(raw_id, dtype=object)})
    codes, uniques = pd.factorize(pairs["k"].astype(str) + "\x1f" + pairs["i"].astype(str))
    hashed = np.array([hmac.new(key, u.encode("utf-8"), hashlib.sha256).hexdigest()[:16] for u in uniques],
                      dtype=object)
    return pd.Series(hashed[codes], dtype="string")


# ----------------------------------------------------------------------------------------------------
# Public entry points
# ----------------------------------------------------------------------------------------------------
def _file_kind(path: Path, df: pd.DataFrame) -> tuple[str, str]:
    """The kind of one export named directly, and how it was told (for the import's notes)."""
    stem = path.stem.lower()
    for kind in KINDS:
        if stem.startswith(kind):
            return kind, ""
    for column, kind in (("group", "employees"), ("coder", "structures"), ("respondent_id", "citizens")):
        if column in df.columns:
            return kind, (f"{path.name}: read as {kind} (the file has a '{column}' column); pass --kind to say"
                          " otherwise")
    raise InputError(path, "cannot tell from the file's name or columns whether it holds employees, citizens or"
                     " structures", fix="Pass --kind employees (or citizens, structures), or start the file name"
                     " with the kind (employees_2026.csv)")


def read_survey(path: str | os.PathLike, instrument: Instrument | str | None = None, kind: str | None = None,
                fmt: str | None = None) -> dict[str, pd.DataFrame]:
    """Validate one raw file and return its tidy table(s) (``relations`` and ``scales`` for employees).

    Respondent ids are pseudonymised with :func:`pseudonym_key`.

    Examples
    --------
    >>> import relkap.io as rio                                  # doctest: +SKIP
    >>> rio.read_survey("data/raw/demo/employees.csv")["relations"].head()   # doctest: +SKIP
    """
    inst = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
    p = Path(path)
    df = read_raw(p, fmt)
    kind = kind or _file_kind(p, df)[0]
    tidy, _ids = _tidy(df, kind, p, inst)
    key = pseudonym_key()
    return {name: _finish(name, t, inst, key) for name, t in tidy.items()}


def tidy_tables(employees: pd.DataFrame, citizens: pd.DataFrame | None = None,
                structures: pd.DataFrame | None = None, instrument: Instrument | str | None = None,
                key: bytes | None = None) -> Tables:
    """The tidy tables of raw wide DataFrames already in memory (e.g. from :func:`relkap.synth.simulate`),
    validated exactly as files are. ``key`` overrides the pseudonymisation key (tests, benchmarks).

    Errors name the table as ``<employees>`` etc. and the rows as they would be numbered in a spreadsheet.
    """
    inst = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
    key = key if key is not None else pseudonym_key()
    collected: dict[str, list[pd.DataFrame]] = {t: [] for t in SURVEY_TABLES}
    for kind, df in (("employees", employees), ("citizens", citizens), ("structures", structures)):
        if df is None:
            continue
        df = df.copy()
        df.index = pd.RangeIndex(2, len(df) + 2)  # spreadsheet rows: the header is row 1
        df.attrs["positions"] = {str(c): i for i, c in enumerate(df.columns, start=1)}
        tidy, _ids = _tidy(df, kind, Path(f"<{kind}>"), inst)
        for name, t in tidy.items():
            collected[name].append(t)
    return Tables(**_assemble(collected, inst, key))


def _find_raw(raw_dir: Path, interviews: bool = False) -> tuple[list[Source], list[str]]:
    """The raw exports of a folder (by the start of their names), and a note of the files left out.

    No survey file is an error unless the folder has interviews (``interviews``)."""
    sources, used = [], set()
    for kind in KINDS:
        found = sorted(f for f in raw_dir.iterdir() if f.is_file() and f.stem.lower().startswith(kind)
                       and f.suffix.lower() in RAW_SUFFIXES)
        sources += [Source(kind, f, _guess_format(f)) for f in found]
        used.update(found)
    if not sources and not interviews:
        raise InputError(raw_dir, "no raw survey files in the folder (employees.csv, citizens.csv, structures.csv,"
                         " or .xlsx, .txt, .sav files whose names start so)",
                         fix="Put the survey exports there, name one file directly (relkap import FILE --kind"
                         " employees), or pass --mapping for a SurveyXact/Qualtrics/SPSS export")
    skipped = sorted(f.name for f in raw_dir.iterdir()
                     if f.is_file() and f not in used and f.suffix.lower() in RAW_SUFFIXES)
    notes = [f"{raw_dir}: left out {_listing(skipped, 6)} (the name does not start with employees, citizens or"
             " structures)"] if skipped else []
    return sources, notes


_TABLE_KIND = {"relations": "employees", "scales": "employees", "citizens": "citizens", "structures": "structures",
               "codings": INTERVIEWS}
_UNIT = {"employees": "respondents", "citizens": "citizens", "structures": "coders", INTERVIEWS: "interviews"}
_ID = {"structures": "coder", INTERVIEWS: "source"}  # what a unit is per instrument (else respondent_id)
STORE_FILE = "store.json"


@dataclass(frozen=True)
class StoreChange:
    """One kommune-wave of one instrument (or of the interviews) that an import added, replaced or (in a
    rebuild) removed."""

    kind: str
    kommune: int
    wave: str
    before: int  # respondents (coders, interviews) in the store before the import; 0 = not there
    after: int

    @property
    def action(self) -> str:
        return "added" if self.before == 0 else "removed" if self.after == 0 else "replaced"

    def __str__(self) -> str:
        where = f"{self.kommune} {KOMMUNER.get(self.kommune, '')} {self.wave}, {self.kind}"
        unit = _UNIT[self.kind]
        counts = {"added": f"{self.after} {unit}", "removed": f"{self.before} {unit}",
                  "replaced": f"{self.before} -> {self.after} {unit}"}[self.action]
        return f"{where}: {self.action}, {counts}"


class ImportResult(dict):
    """``{table: path}`` of the processed tables, plus what the import did to the store.

    ``changes`` lists each kommune-wave (per instrument) added or replaced (removed ones too, in a
    rebuild), ``unchanged`` the kommune-waves kept as they were, ``notes`` what the user should know (rows and
    columns left out, a new pseudonym key file) and ``out`` the store's folder.
    """

    def __init__(self, paths: dict[str, Path], *, out: Path, changes: list[StoreChange],
                 unchanged: list[tuple[str, int, str]], notes: list[str], key_file_created: Path | None = None):
        super().__init__(paths)
        self.out = out
        self.changes = changes
        self.unchanged = unchanged
        self.notes = notes
        self.key_file_created = key_file_created

    def report(self) -> list[str]:
        """The lines ``relkap import`` prints: each change, what was kept, the notes, the store's folder."""
        lines = [str(c) for c in self.changes] if len(self.changes) <= 24 else self._summary()
        if self.unchanged:
            pairs = sorted({(k, w) for _, k, w in self.unchanged})
            kommuner = sorted({k for k, _ in pairs})
            shown = ", ".join(map(str, kommuner)) if len(kommuner) <= 12 else _listing(kommuner)
            lines.append(f"unchanged: {len(pairs)} kommune-waves of {len(kommuner)} kommune"
                         f"{'r' if len(kommuner) > 1 else ''} already in the store ({shown})")
        lines += [f"note: {n}" for n in self.notes]
        lines.append(f"processed tables: {self.out}")
        return lines

    def _summary(self) -> list[str]:
        """One line per instrument and action for a large import (a national one has ~600 kommune-waves)."""
        lines = []
        for kind in STORE_KINDS:
            for action in ("added", "replaced", "removed"):
                these = [c for c in self.changes if c.kind == kind and c.action == action]
                if these:
                    kommuner = len({c.kommune for c in these})
                    before, after = sum(c.before for c in these), sum(c.after for c in these)
                    counts = {"added": f"{after}", "removed": f"{before}",
                              "replaced": f"{before} -> {after}"}[action]
                    lines.append(f"{kind}: {action} {len(these)} kommune-waves of {kommuner} kommuner, {counts}"
                                 f" {_UNIT[kind]}")
        return lines


def import_raw(raw: str | os.PathLike, out_dir: str | os.PathLike | None = None,
               instrument: Instrument | str | None = None, mapping: str | os.PathLike | None = None, *,
               kind: str | None = None, rebuild: bool = False,
               interview_mapping: str | os.PathLike | None = None) -> ImportResult:
    """Validate raw exports and add them to the processed tables in ``out_dir`` (default ``data/processed``).

    ``raw`` is a folder (every ``employees*``, ``citizens*`` and ``structures*`` file in it; several files of
    one kind are stacked; coded interviews from its ``interviews/`` subfolder) or one export file (its kind
    from its name, its columns, or ``kind``). A folder of interview files only (``*.qdpx``, ``codings*``
    tables) and one interview file (a ``.qdpx``, or a table with ``kind="interviews"``) are imported as
    interviews (:mod:`relkap.qda`), with ``interview_mapping`` (default: the ``mapping.yaml`` beside them).
    The processed tables are a store keyed by kommune and wave: the kommune-waves of each instrument in
    ``raw`` replace exactly those kommune-waves of that instrument (employees: ``relations`` and ``scales``;
    interviews: ``codings``), and every other one is kept. ``rebuild=True`` replaces the whole store with
    ``raw``.

    Nothing is written unless every file validates, and the store changes all at once: the new tables are
    written to a temporary folder, marked complete, then moved in; an import killed before the mark leaves
    the store as it was, one killed after it is completed by the next import or :func:`load`.

    Returns an :class:`ImportResult` (``{table: path}`` with the changes, the kept kommune-waves and notes).
    """
    from . import qda  # qda reads files with this module

    source = Path(raw).expanduser().resolve()
    if kind is not None and kind not in STORE_KINDS:
        raise InputError(source, f"unknown kind '{kind}'", fix=f"Use one of {', '.join(STORE_KINDS)}")
    if not source.exists():
        raise InputError(source, "no such file or folder",
                         fix="Give the folder that holds the exports (employees.csv, ...) or one export file")
    inst = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
    notes: list[str] = []
    interview_files: list[Path] = []
    interview_map = Path(interview_mapping).expanduser().resolve() if interview_mapping else None
    if source.is_file():
        if mapping:
            raise InputError(source, "a mapping file goes with the raw folder, not with one export",
                             fix="Give the folder that holds the mapping's files (an interview project's mapping"
                             " is --interview-mapping)")
        if kind == INTERVIEWS or (kind is None and source.suffix.lower() == ".qdpx"):
            interview_files, sources = [source], []
            if interview_map is None:
                interview_map = source.parent / "mapping.yaml"
                if not interview_map.exists():
                    raise InputError(source, "no interview mapping: there is no mapping.yaml beside the file",
                                     fix="Pass --interview-mapping MAPPING.yaml (see the README, 'Interviews beside"
                                     " the survey')")
        else:
            if interview_map is not None:
                raise InputError(source, "--interview-mapping goes with interview files (.qdpx, or a coded-segments"
                                 " table with --kind interviews)", fix="Leave it out for a survey export")
            sources = [Source(kind or "", source, _guess_format(source))]
    else:
        if kind:
            raise InputError(source, "--kind is for one export file; in a folder each file's name says its kind",
                             fix="Name the file directly: relkap import FOLDER/FILE --kind " + kind)
        folder = source / "interviews"
        only_interviews = not mapping and not folder.is_dir() and bool(qda.interview_files(source)) and not any(
            f.is_file() and f.stem.lower().startswith(KINDS) for f in source.iterdir())
        if only_interviews:  # a folder of interview files named directly
            folder, sources = source, []
        elif mapping:
            sources = _load_mapping(mapping, source)
        else:
            sources, notes = _find_raw(source, interviews=folder.is_dir())
        if folder.is_dir():
            interview_files = qda.interview_files(folder)
            if not interview_files:
                notes.append(f"{folder}: no interview files (*.qdpx, or tables named codings*)")
            if interview_map is None:
                interview_map = folder / "mapping.yaml"
        elif interview_map is not None:
            raise InputError(source, "--interview-mapping is given, but the folder has no interviews/ subfolder",
                             fix="Put the .qdpx projects (or coded-segments tables) into interviews/, or name"
                             " one directly: relkap import PROJECT.qdpx --interview-mapping MAPPING.yaml")

    collected: dict[str, list[pd.DataFrame]] = {t: [] for t in SURVEY_TABLES}
    contains: dict[str, dict[tuple[int, str], set[str]]] = {k: {} for k in STORE_KINDS}  # kommune-wave -> files
    seen: dict[str, pd.DataFrame] = {}
    for src in sources:
        if src.columns or src.values or src.constants or src.fmt == "surveyxact":
            df, where = _apply_mapping(src)
        else:
            df, where = read_raw(src.path, src.fmt, src.sheet), src.path
        src_kind = src.kind
        if not src_kind:
            src_kind, note = _file_kind(where, df)
            notes += [note] if note else []
        tidy, ids = _tidy(df, src_kind, where, inst)
        if df.attrs.get("ignored"):
            notes.append(f"{where.name}: {df.attrs['ignored']}")
        _check_across_files(seen, src_kind, df, where)
        for name, t in tidy.items():
            collected[name].append(t)
        for k, w in ids[["kommune", "wave"]].drop_duplicates().itertuples(index=False):
            contains[src_kind].setdefault((int(k), str(w)), set()).add(str(src.path))
    checked = qda.check_interviews(interview_files, interview_map, inst) if interview_files else None
    if checked is not None:
        contains[INTERVIEWS] = {kw: files | {str(checked.mapping.path)} for kw, files in checked.files.items()}

    out = config.resolve(out_dir, config.PROCESSED_DIR)
    out.mkdir(parents=True, exist_ok=True)
    with _locked(out):
        _recover(out, clean=True)
        try:
            old, manifest = _read_store(out)
        except InputError:
            if not rebuild:
                raise
            old, manifest = {}, {}  # a damaged store is what a rebuild is for
        key, created = _store_key(out, manifest, bool(old) and not rebuild)
        new = _assemble(collected, inst, key)
        new["codings"] = checked.codings(key) if checked is not None else qda.empty_codings(inst)
        merged, changes, unchanged = _merge(old, new, {k: set(v) for k, v in contains.items()}, rebuild)
        manifest = _next_manifest(manifest, key, contains, new, rebuild)
        paths = _commit(out, merged, manifest)
    if created is not None:
        notes.append(f"created the pseudonym key file {created}. Keep it, and back it up with the raw data: a later"
                     " import (e.g. the follow-up) needs the same key, or the same respondents get other pseudonyms"
                     " and the waves no longer link")
    return ImportResult(paths, out=out, changes=changes, unchanged=unchanged, notes=notes, key_file_created=created)


def _check_across_files(seen: dict[str, pd.DataFrame], kind: str, df: pd.DataFrame, where: Path) -> None:
    """Duplicate ids across two files of the same kind (e.g. the same wave exported twice)."""
    idcol = "coder" if kind == "structures" else "respondent_id"
    keys = pd.DataFrame({"kommune": df["kommune"].astype(str).str.strip(), "wave": df["wave"].astype(str).str.strip(),
                         "id": df[idcol].astype(str).str.strip()})
    if kind in seen:
        prev = seen[kind]
        dup = keys.merge(prev.drop_duplicates(), how="left", indicator=True)["_merge"].eq("both").to_numpy()
        if dup.any():
            raise InputError(where, f"{idcol} already present in another {kind} file for the same kommune and wave",
                             rows=_rows(df, dup), **_col(df, idcol), fix="Import each wave's export once")
        seen[kind] = pd.concat([prev, keys], ignore_index=True)
    else:
        seen[kind] = keys


# ----------------------------------------------------------------------------------------------------
# The store: processed tables keyed by kommune and wave, changed all at once
# ----------------------------------------------------------------------------------------------------
_COMMITTED = "COMMITTED"


@contextmanager
def _locked(folder: Path):
    """One import (or recovery) at a time per store; a no-op where ``fcntl`` is missing (Windows)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with open(folder / ".lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _pending(folder: Path) -> list[Path]:
    """Complete imports not yet moved into place (the import was stopped while moving its files)."""
    return sorted((p for p in folder.glob(".import-*") if (p / _COMMITTED).exists()),
                  key=lambda p: (p / _COMMITTED).stat().st_mtime)


def _roll_forward(pending: Path, out: Path) -> None:
    for name in (pending / _COMMITTED).read_text(encoding="utf-8").split():
        if (pending / name).exists():
            os.replace(pending / name, out / name)
    shutil.rmtree(pending, ignore_errors=True)


def _recover(out: Path, clean: bool) -> None:
    """Finish a complete import that was stopped while moving its files; with ``clean`` (under the import
    lock) also delete the temporary folders of imports that were stopped before they were complete."""
    for pending in _pending(out):
        _roll_forward(pending, out)
    if clean:
        for stale in out.glob(".import-*"):
            shutil.rmtree(stale, ignore_errors=True)


def _manifest(out: Path) -> dict:
    try:
        return json.loads((out / STORE_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _read_store(out: Path) -> tuple[dict[str, pd.DataFrame], dict]:
    """The store's tables (``{}`` when it has none yet) and its manifest."""
    present = [t for t in TABLES if (out / f"{t}.parquet").exists()]
    if not any(t in SURVEY_TABLES for t in present):
        return {}, {}
    try:
        return {t: pd.read_parquet(out / f"{t}.parquet") if t in present else None for t in TABLES}, _manifest(out)
    except Exception as exc:  # a damaged parquet file: say so instead of overwriting it
        raise InputError(out, f"the processed tables cannot be read ({type(exc).__name__}: {exc})",
                         fix="Rebuild them from every raw file: relkap import RAW --rebuild") from None


def _store_key(out: Path, manifest: dict, has_data: bool) -> tuple[bytes, Path | None]:
    """The pseudonym key for adding to this store: refused when it is not the key the store was made with."""
    stored = manifest.get("key_fingerprint")
    key, created = _pseudonym_key(create=not (stored and has_data))
    if key is None:
        raise InputError(out, f"the processed tables were pseudonymised with a key, but the key file {_key_file()}"
                         f" is missing and {KEY_ENV} is not set",
                         fix="Restore the key file from your backup (the same respondents must get the same"
                         " pseudonyms), or rebuild the tables from every raw file: relkap import RAW --rebuild")
    if stored and has_data and key_fingerprint(key) != stored:
        raise InputError(out, "the pseudonym key is not the one the processed tables were made with: the same"
                         " respondents would get other pseudonyms and the waves would no longer link",
                         fix=f"Restore the key file {_key_file()} (or {KEY_ENV}) the tables were made with, or"
                         " rebuild them from every raw file with this key: relkap import RAW --rebuild")
    return key, created


def _aligned(a: pd.DataFrame, b: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both frames with the same categories (the store's first, then new ones) so they stack as categories."""
    for col in a.columns:
        if isinstance(a[col].dtype, pd.CategoricalDtype) and col in b and a[col].dtype != b[col].dtype:
            cats = list(a[col].cat.categories)
            cats += [c for c in b[col].astype("category").cat.categories if c not in cats]
            dtype = pd.CategoricalDtype(cats)
            a, b = a.assign(**{col: a[col].astype(dtype)}), b.assign(**{col: b[col].astype(dtype)})
    return a, b


class _Waves:
    """Wave labels as small integers, so a (kommune, wave) pair of millions of rows is one int64 (fast)."""

    def __init__(self):
        self.codes: dict[str, int] = {}

    def key(self, kommune: int, wave: str) -> int:
        return int(kommune) * 1024 + self.codes.setdefault(str(wave), len(self.codes))

    def keys(self, table: pd.DataFrame) -> np.ndarray:
        w = table["wave"].astype("category")
        lut = np.array([self.codes.setdefault(str(c), len(self.codes)) for c in w.cat.categories] + [-1])
        return table["kommune"].to_numpy().astype(np.int64) * 1024 + lut[w.cat.codes.to_numpy()]

    def pair(self, key: int) -> tuple[int, str]:
        label = {v: k for k, v in self.codes.items()}[int(key) % 1024]
        return int(key) // 1024, label


def _units(tables: dict[str, pd.DataFrame], kind: str) -> dict[tuple[int, str], int]:
    """Respondents (coders) per (kommune, wave) of one instrument."""
    idcol = _ID.get(kind, "respondent_id")
    parts = [tables[t][["kommune", "wave", idcol]] for t, k in _TABLE_KIND.items()
             if k == kind and tables.get(t) is not None and len(tables[t])]
    if not parts:
        return {}
    ids = pd.concat([p.drop_duplicates() for p in parts], ignore_index=True).drop_duplicates()
    counts = ids.groupby(["kommune", "wave"], observed=True).size()  # faster than nunique on strings
    return {(int(k), str(w)): int(n) for (k, w), n in counts.items()}


def _merge(old: dict[str, pd.DataFrame], new: dict[str, pd.DataFrame],
           contains: dict[str, set[tuple[int, str]]], rebuild: bool):
    """The store after the import, the changes per kommune-wave and the kommune-waves kept as they were.

    Counts are taken from the replaced rows and the new tables only: a national store is not counted again.
    """
    waves = _Waves()
    merged: dict[str, pd.DataFrame] = {}
    replaced_rows: dict[str, pd.DataFrame] = {}
    kept_pairs: dict[str, set[int]] = {k: set() for k in STORE_KINDS}
    for name in TABLES:
        o, n, kind = old.get(name), new[name], _TABLE_KIND[name]
        if o is None:
            merged[name] = n
            continue
        keys = waves.keys(o)
        gone = np.isin(keys, [waves.key(k, w) for k, w in contains[kind]]) | rebuild
        replaced_rows[name] = o[gone]
        kept_pairs[kind].update(np.unique(keys[~gone]).tolist() if not rebuild else [])
        if rebuild:
            merged[name] = n
            continue
        kept, n = _aligned(o[~gone] if gone.any() else o, n)
        both = pd.concat([kept, n], ignore_index=True)
        order = np.lexsort((waves.keys(both), both["kommune"].to_numpy()))
        merged[name] = both.iloc[order].reset_index(drop=True)
    changes, unchanged = [], []
    for kind in STORE_KINDS:
        before, after = _units(replaced_rows, kind), _units(new, kind)
        for k, w in sorted(contains[kind]):
            changes.append(StoreChange(kind, k, w, before.get((k, w), 0), after.get((k, w), 0)))
        for (k, w), n in sorted(before.items()):
            if (k, w) not in contains[kind]:  # only in a rebuild
                changes.append(StoreChange(kind, k, w, n, 0))
        unchanged += [(kind, *waves.pair(key)) for key in sorted(kept_pairs[kind])]
    return merged, changes, unchanged


def _next_manifest(manifest: dict, key: bytes, contains: dict, new: dict[str, pd.DataFrame],
                   rebuild: bool) -> dict:
    """``store.json``: the key's fingerprint and, per instrument and kommune-wave, the files it came from."""
    from datetime import UTC, datetime

    sources = {} if rebuild else dict(manifest.get("sources", {}))
    now = datetime.now(UTC).isoformat(timespec="seconds")
    for kind, pairs in contains.items():
        units = _units(new, kind)
        for (k, w), files in pairs.items():
            sources[f"{kind}/{k}/{w}"] = {"files": sorted(files), "imported": now,
                                          _UNIT[kind]: units.get((k, w), 0)}
    return {"schema": 1, "generation": uuid.uuid4().hex, "key_fingerprint": key_fingerprint(key),
            "sources": dict(sorted(sources.items()))}


def _commit(out: Path, tables: dict[str, pd.DataFrame], manifest: dict) -> dict[str, Path]:
    """Write the tables and manifest to a temporary folder, mark it complete, then move each file in.

    ``store.json`` moves last: its ``generation`` changes only when every table is in place (see :func:`load`).
    """
    tmp = Path(tempfile.mkdtemp(prefix=".import-", dir=out))
    files = [f"{name}.parquet" for name in tables] + [STORE_FILE]
    try:
        for name, t in tables.items():
            t.to_parquet(tmp / f"{name}.parquet", index=False)
        (tmp / STORE_FILE).write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
        (tmp / f"{_COMMITTED}.tmp").write_text("\n".join(files), encoding="utf-8")
        os.replace(tmp / f"{_COMMITTED}.tmp", tmp / _COMMITTED)  # the commit point
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _roll_forward(tmp, out)
    return {name: out / f"{name}.parquet" for name in tables}


def load(data_dir: str | os.PathLike | None = None) -> Tables:
    """The processed tables of ``data_dir`` (default ``data/processed``) as a :class:`Tables`.

    Never a mix of two imports: an import caught while moving its files in is waited for (or, if it was
    stopped, completed) and the tables read again.
    """
    d = config.resolve(data_dir, config.PROCESSED_DIR)
    for _attempt in range(5):
        generation = _manifest(d).get("generation")
        if not _pending(d):
            missing = [t for t in SURVEY_TABLES if not (d / f"{t}.parquet").exists()]
            if missing:
                raise InputError(d, f"processed tables missing: {', '.join(missing)}",
                                 fix="Run `relkap import <raw folder>` (or `make demo`) first")
            # a store made before interviews were imported has no codings: an empty table then
            tables = Tables(**{t: pd.read_parquet(d / f"{t}.parquet") for t in TABLES
                               if t in SURVEY_TABLES or (d / f"{t}.parquet").exists()})
            if _manifest(d).get("generation") == generation and not _pending(d):
                return tables
        with _locked(d):
            _recover(d, clean=False)
    raise InputError(d, "the processed tables kept changing while they were read", fix="Load them again")
