"""One raw export as a table: the header row, the spreadsheet's row numbers and column positions, and the
fully empty rows and columns Excel leaves behind.

What :func:`read_raw` returns is what every check of :mod:`relkap.io.validate` points into: the index is
the row number a user sees in a spreadsheet (the header is row 1 when nothing is above it), and
``attrs["positions"]`` the 1-based column of each header, so a message can say ``column AQ (43)``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import yaml

from .decode import excel_cells, spss_cells, text_cells
from .errors import InputError, column_letter

__all__ = ["read_raw", "read_yaml", "guess_format", "KINDS", "RAW_SUFFIXES", "FORMATS"]

KINDS = ("employees", "citizens", "structures")  # the survey instruments (raw file kinds)
RAW_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".sav")
FORMATS = ("csv", "excel", "surveyxact", "qualtrics", "spss")
_SUFFIX_FORMAT = {".xlsx": "excel", ".xlsm": "excel", ".sav": "spss"}


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
        fmt = _SUFFIX_FORMAT.get(p.suffix.lower(), "csv")
    if fmt == "csv":
        return _table(text_cells(p), p)
    if fmt == "qualtrics":
        return _table(text_cells(p), p, header_rows=3)
    if fmt == "excel":
        return _table(excel_cells(p, sheet), p)
    if fmt == "spss":
        return _table(spss_cells(p), p)
    raise InputError(p, f"unknown format '{fmt}'", fix=f"Use one of {', '.join(FORMATS)}")


def guess_format(path: Path) -> str:
    """The format of an export from its name: ``surveyxact`` for a folder (``dataset.csv`` and its
    companions), ``excel`` for ``.xlsx``/``.xlsm``, ``spss`` for ``.sav``, else ``csv``."""
    if path.is_dir():
        return "surveyxact"
    return _SUFFIX_FORMAT.get(path.suffix.lower(), "csv")


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


def read_yaml(path: Path, missing: str, fix: str) -> object:
    """The content of a YAML file (a mapping file); an :class:`~relkap.errors.InputError` naming the file
    says ``missing`` (with ``fix``) when it does not exist, or that it is not valid YAML."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(path, missing, fix=fix) from None
    except yaml.YAMLError as exc:
        raise InputError(path, f"not valid YAML: {exc}") from None
