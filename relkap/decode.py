"""Raw bytes to a grid of cells: text encodings (refused, never guessed, with the line and column of a bad
byte), the CSV delimiter, Excel workbooks and SPSS files.

Every reader here returns the cells as they stand in the file, without a header: row 1 of the grid is
row 1 of the spreadsheet. :func:`relkap.raw.read_raw` makes a table of it.
"""

from __future__ import annotations

import csv
import re
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError

__all__ = ["decode_text", "text_cells", "excel_cells", "spss_cells"]

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
    sep = _most_used_delimiter(header)
    if sep is None:
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


def decode_text(path: Path) -> str:
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
        best = _most_used_delimiter(first)
        if best is None:
            raise InputError(path, "cannot find the column delimiter in the header row", rows=[1],
                             fix="Use ';', ',' or tab between columns") from None
        return best


def _most_used_delimiter(line: str) -> str | None:
    """Of ``;``, ``,`` and tab the one ``line`` has most of (the first on a tie); ``None`` if it has none."""
    counts = {d: line.count(d) for d in ";,\t"}
    best = max(counts, key=counts.get)
    return best if counts[best] else None


def text_cells(path: Path) -> pd.DataFrame:
    """The cells of a CSV/TXT file (:func:`decode_text`, delimiter ``;``, ``,`` or tab sniffed) as strings,
    blank cells missing, without a header."""
    text = decode_text(path)
    sep = _sniff_delimiter(text, path)
    try:
        return pd.read_csv(StringIO(text), sep=sep, header=None, dtype=str, keep_default_na=False,
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


def excel_cells(path: Path, sheet: str | int | None = None) -> pd.DataFrame:
    """The cells of one sheet of an Excel workbook (default the first), whole numbers as text ('3', not 3.0)."""
    try:
        cells = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, header=None, dtype=object)
    except ValueError as exc:
        raise InputError(path, f"cannot read the workbook: {exc}", fix="Name an existing sheet") from None
    except Exception as exc:  # zip / xml errors from a damaged workbook
        raise InputError(path, f"not a readable Excel workbook ({type(exc).__name__}: {exc})",
                         fix="Open and save it again in Excel as .xlsx") from None
    if cells.empty:
        raise InputError(path, "the sheet is empty", fix="Export the survey again; the sheet must have a header row")
    return _excel_number_text(cells)


def spss_cells(path: Path) -> pd.DataFrame:
    """The cells of an SPSS ``.sav`` file, its variable names as row 1 and numeric codes as text (value labels
    are not applied)."""
    import pyreadstat  # deferred: only .sav files need it (about 0.2 s to load)

    try:
        df, _meta = pyreadstat.read_sav(str(path), apply_value_formats=False)
    except Exception as exc:
        raise InputError(path, f"not a readable SPSS .sav file ({exc})", fix="Export it again from SPSS") from None
    df = df.astype(object).where(df.notna(), np.nan)
    cells = pd.concat([pd.DataFrame([list(df.columns)], columns=df.columns), df], ignore_index=True)
    return _excel_number_text(cells)


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
