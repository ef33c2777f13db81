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

Everything is validated before anything is written. Every problem raises :class:`~relkap.errors.InputError`
naming the file, the rows (as numbered in a spreadsheet: the header is row 1) and the column. The tables
are written to a temporary folder inside the output folder and moved into place (one rename each) only when
all of them are complete, so a failed import leaves the previous output untouched.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import os
import re
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from . import config
from .errors import InputError
from .instrument import Instrument, load_instrument
from .kommuner import KOMMUNER

__all__ = [
    "Tables",
    "TABLES",
    "read_raw",
    "read_survey",
    "tidy_tables",
    "import_raw",
    "load",
    "pseudonymise",
    "pseudonym_key",
]

TABLES = ("relations", "scales", "citizens", "structures")
KINDS = ("employees", "citizens", "structures")
RAW_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".sav")
FORMATS = ("csv", "excel", "surveyxact", "qualtrics", "spss")
KEY_ENV = "RELKAP_PSEUDONYM_KEY"
KEY_FILE = ".relkap_key"
_ID_COLUMNS = {
    "employees": ("kommune", "wave", "respondent_id", "group"),
    "citizens": ("kommune", "wave", "respondent_id"),
    "structures": ("kommune", "wave", "coder"),
}


@dataclass
class Tables:
    """The four tidy tables of ``docs/contract.md``: relations, scales, citizens, structures."""

    relations: pd.DataFrame
    scales: pd.DataFrame
    citizens: pd.DataFrame
    structures: pd.DataFrame

    def __iter__(self):
        return iter((name, getattr(self, name)) for name in TABLES)


# ----------------------------------------------------------------------------------------------------
# Reading text files: encoding and delimiter
# ----------------------------------------------------------------------------------------------------
def _decode(path: Path) -> str:
    """Text of ``path``: UTF-8 (with or without BOM), UTF-16 with BOM, or cp1252. Never a silent latin-1."""
    data = path.read_bytes()
    if not data.strip():
        raise InputError(path, "the file is empty", fix="Export the survey again; the file must have a header row")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(path, f"the file starts with a UTF-16 mark but is not valid UTF-16 ({exc.reason})",
                             fix="Save it again as UTF-8 or 'CSV (semikolonsepareret)'") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            path,
            f"the file is neither UTF-8 nor Windows-1252 (cp1252) text: byte 0x{data[exc.start]:02x} on line {line}"
            " cannot be decoded",
            rows=[line],
            fix="Save the file as UTF-8, UTF-16 or 'CSV (semikolonsepareret)' from Excel; relkap does not guess"
            " other encodings",
        ) from None


def _sniff_delimiter(text: str, path: Path) -> str:
    head = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(head, delimiters=";,\t").delimiter
    except csv.Error:
        first = text.splitlines()[0] if text else ""
        counts = {d: first.count(d) for d in ";,\t"}
        best = max(counts, key=counts.get)
        if counts[best] == 0:
            raise InputError(path, "cannot find the column delimiter in the header row", rows=[1],
                             fix="Use ';', ',' or tab between columns") from None
        return best


def _read_text_table(path: Path, header_rows: int = 1) -> pd.DataFrame:
    """All cells as strings (blank -> missing) with the header from the first row.

    ``header_rows`` > 1 skips the extra header rows of a Qualtrics export (question text, import ids).
    """
    import io as _io

    text = _decode(path)
    sep = _sniff_delimiter(text, path)
    try:
        df = pd.read_csv(
            _io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skiprows=range(1, header_rows),
            skip_blank_lines=True,
        )
    except pd.errors.ParserError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise InputError(path, f"the rows do not have the same number of columns as the header ({exc})",
                         rows=[int(m.group(1))] if m else None,
                         fix=f"Check quoting and the delimiter ('{sep}') on that row") from None
    except pd.errors.EmptyDataError:
        raise InputError(path, "the file has no header row", fix="Export the survey again") from None
    df.columns = [str(c).strip() for c in df.columns]
    df.attrs["row_offset"] = header_rows + 1  # spreadsheet row number of the first data row
    return df


def _read_excel(path: Path, sheet: str | int | None = None) -> pd.DataFrame:
    try:
        df = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, dtype=object)
    except ValueError as exc:
        raise InputError(path, f"cannot read the workbook: {exc}", fix="Name an existing sheet") from None
    except Exception as exc:  # zip / xml errors from a damaged workbook
        raise InputError(path, f"not a readable Excel workbook ({type(exc).__name__}: {exc})",
                         fix="Open and save it again in Excel as .xlsx") from None
    df.columns = [str(c).strip() for c in df.columns]
    df = df.dropna(how="all")
    df = df.map(lambda v: v if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip())
    df = df.replace({"": np.nan}).astype(object)
    df.attrs["row_offset"] = 2
    return df


def _excel_number_text(df: pd.DataFrame) -> pd.DataFrame:
    """Excel cells read as numbers come back as '3.0'; make whole numbers '3' so codes compare as text."""
    def fix(v):
        if isinstance(v, str) and v.endswith(".0") and v[:-2].lstrip("-").isdigit():
            return v[:-2]
        return v
    return df.map(fix)


def read_raw(path: str | os.PathLike, fmt: str | None = None, sheet: str | int | None = None) -> pd.DataFrame:
    """One raw file as a DataFrame of strings (missing = NaN), the header as column names.

    ``fmt`` is ``csv``, ``excel``, ``qualtrics`` or ``spss``; ``None`` guesses from the suffix.
    ``df.attrs["row_offset"]`` is the spreadsheet row number of the first data row (for error messages).
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
        return _excel_number_text(_read_excel(p, sheet))
    if fmt == "spss":
        import pyreadstat

        try:
            df, _meta = pyreadstat.read_sav(str(p), apply_value_formats=False)
        except Exception as exc:
            raise InputError(p, f"not a readable SPSS .sav file ({exc})", fix="Export it again from SPSS") from None
        df = df.astype(object).where(df.notna(), np.nan)
        df = _excel_number_text(df.map(lambda v: v if isinstance(v, float) and np.isnan(v) else str(v)))
        df = df.replace({"": np.nan})
        df.attrs["row_offset"] = 2
        return df
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
        data, where = _excel_number_text(_read_excel(p, ds_sheet)), p
        if "labels" in lower:
            labels = _excel_number_text(_read_excel(p, lower["labels"]))
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
    """Read a mapped export and return it in relkap's raw column names, plus the file to name in errors."""
    value_labels: dict[str, dict[str, str]] = {}
    if src.fmt == "surveyxact":
        data, where, value_labels = _read_surveyxact(src)
    else:
        data, where = read_raw(src.path, src.fmt, src.sheet), src.path
    offset = data.attrs.get("row_offset", 2)
    if src.columns:
        missing = [c for c in src.columns if c not in data.columns]
        if missing:
            raise InputError(where, f"the mapping names columns the export does not have: {missing[:8]}",
                             fix="Correct the column names under columns: in the mapping file")
        data = data[list(src.columns)].rename(columns=src.columns)
    for col, value in (src.constants or {}).items():
        data[col] = str(value)
    for col, recode in (src.values or {}).items():
        if col not in data.columns:
            raise InputError(where, f"values: recodes column '{col}', which is not mapped", column=col,
                             fix="Map a source column to it under columns:")
        source_col = next((s for s, t in (src.columns or {}).items() if t == col), col)
        labels = value_labels.get(source_col, {})
        data[col] = data[col].map(_recoder(recode, labels))
    data.attrs["row_offset"] = offset
    return data, where


# ----------------------------------------------------------------------------------------------------
# Validation and reshaping into the tidy tables
# ----------------------------------------------------------------------------------------------------
def _rows(df: pd.DataFrame, mask) -> list[int]:
    offset = df.attrs.get("row_offset", 2)
    return [int(i) + offset for i in np.flatnonzero(np.asarray(mask))]


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
            raise InputError(path, f"not a number (e.g. '{example}')", rows=_rows(df, bad), column=col,
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
        raise InputError(path, f"value {example:g} is outside the scale", rows=_rows(df, bad), column=col,
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
        raise InputError(path, f"'{example}' is not the official code of a Danish kommune", rows=_rows(df, bad),
                         column="kommune", fix="Use the three-digit kommune code, e.g. 751 for Aarhus, 766 for Hedensted")
    out["kommune"] = k_num.astype("int16").to_numpy()

    waves = [inst.waves.baseline, inst.waves.followup]
    w = df["wave"].astype("string").str.strip()
    bad = ~w.isin(waves).fillna(False)
    if bad.any():
        raise InputError(path, f"unknown wave label '{w[bad].iloc[0]}'", rows=_rows(df, bad), column="wave",
                         fix=f"Allowed: {', '.join(waves)} (set other labels under waves: in the codebook)")
    out["wave"] = w.to_numpy()

    idcol = "coder" if kind == "structures" else "respondent_id"
    ids = df[idcol].astype("string").str.strip()
    bad = ids.isna() | (ids == "")
    if bad.any():
        raise InputError(path, "empty id", rows=_rows(df, bad), column=idcol, fix="Every row needs an id")
    out[idcol] = ids.to_numpy()
    dup = pd.DataFrame({"k": out["kommune"], "w": out["wave"], "i": out[idcol]}).duplicated(keep=False)
    if dup.any():
        raise InputError(path, f"duplicate {idcol} within the same kommune and wave (e.g. '{ids[dup.to_numpy()].iloc[0]}')",
                         rows=_rows(df, dup), column=idcol,
                         fix="Each respondent may answer once per wave; remove or renumber the duplicates")

    if kind == "employees":
        g = df["group"].astype("string").str.strip()
        bad = ~g.isin(inst.group_codes).fillna(False)
        if bad.any():
            raise InputError(path, f"unknown group code '{g[bad].iloc[0]}'", rows=_rows(df, bad), column="group",
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
                raise InputError(path, f"unknown relational item '{item}'", column=col,
                                 fix=f"Relational columns are <item>__<group>; items: {', '.join(inst.relational_codes)}")
            if target not in groups:
                raise InputError(path, f"unknown target group code '{target}'", column=col,
                                 fix=f"Allowed groups: {', '.join(inst.group_codes)}")
            relational.append((item, target, col))
        elif col in instrument_items:
            scale_items.append(col)
        else:
            unknown.append(col)
    if unknown:
        raise InputError(path, f"column{'s' if len(unknown) > 1 else ''} not in the codebook: {', '.join(unknown[:6])}"
                         + (f" and {len(unknown) - 6} more" if len(unknown) > 6 else ""), column=unknown[0],
                         fix=f"Rename it to a codebook item, remove it, or map it with a mapping file; {kind} items are "
                         + ", ".join(sorted(instrument_items)[:6]) + ", ...")
    if kind == "employees" and not relational:
        raise InputError(path, "no relational columns (<item>__<group>, e.g. kendskab__skole)",
                         fix="The employees file needs the relational matrix items")
    return relational, scale_items


def _tidy(df: pd.DataFrame, kind: str, path: Path, inst: Instrument) -> dict[str, pd.DataFrame]:
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
    return out


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
def pseudonym_key(create: bool = True) -> bytes:
    """The pseudonymisation key: ``$RELKAP_PSEUDONYM_KEY``, else the git-ignored ``.relkap_key`` file in the
    project root (created with a random key the first time). Keep it: the same key gives the same pseudonyms
    in a later import, so baseline and follow-up imported apart still link."""
    env = os.environ.get(KEY_ENV)
    if env:
        return env.encode("utf-8")
    path = config.ROOT / KEY_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip().encode("utf-8")
    if not create:
        raise InputError(path, "no pseudonymisation key", fix=f"Set {KEY_ENV} or create {KEY_FILE}")
    key = secrets.token_hex(32)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(key + "\n", encoding="utf-8")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return key.encode("utf-8")


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
def _kind_of(path: Path, df: pd.DataFrame) -> str:
    stem = path.stem.lower()
    for kind in KINDS:
        if stem.startswith(kind):
            return kind
    if "group" in df.columns:
        return "employees"
    if "coder" in df.columns:
        return "structures"
    return "citizens"


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
    kind = kind or _kind_of(p, df)
    tidy = _tidy(df, kind, p, inst)
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
    collected: dict[str, list[pd.DataFrame]] = {t: [] for t in TABLES}
    for kind, df in (("employees", employees), ("citizens", citizens), ("structures", structures)):
        if df is None:
            continue
        df = df.copy()
        df.attrs["row_offset"] = 2
        for name, t in _tidy(df, kind, Path(f"<{kind}>"), inst).items():
            collected[name].append(t)
    return Tables(**_assemble(collected, inst, key))


def _find_raw(raw_dir: Path) -> list[Source]:
    sources = []
    for kind in KINDS:
        found = sorted(f for f in raw_dir.iterdir() if f.is_file() and f.stem.lower().startswith(kind)
                       and f.suffix.lower() in RAW_SUFFIXES)
        sources += [Source(kind, f, _guess_format(f)) for f in found]
    if not any(s.kind == "employees" for s in sources):
        raise InputError(raw_dir, "no employees file (employees.csv, employees.xlsx, ...) in the raw folder",
                         fix="Put the employee survey export there, or pass --mapping for a SurveyXact/Qualtrics/SPSS"
                         " export")
    return sources


def import_raw(raw_dir: str | os.PathLike, out_dir: str | os.PathLike | None = None,
               instrument: Instrument | str | None = None, mapping: str | os.PathLike | None = None
               ) -> dict[str, Path]:
    """Validate every raw file in ``raw_dir`` and write the four tidy parquet tables to ``out_dir``.

    Several files of one kind (e.g. ``employees_baseline.csv`` and ``employees_followup.csv``) are stacked.
    Nothing is written unless every file validates; the tables are then written to a temporary folder and
    renamed into ``out_dir`` once all are complete. Returns ``{table: path}``.
    """
    raw = Path(raw_dir).expanduser().resolve()
    if not raw.is_dir():
        raise InputError(raw, "raw data folder not found", fix="Give the folder that holds employees.csv etc.")
    inst = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
    sources = _load_mapping(mapping, raw) if mapping else _find_raw(raw)
    key = pseudonym_key()
    collected: dict[str, list[pd.DataFrame]] = {t: [] for t in TABLES}
    seen: dict[str, pd.DataFrame] = {}
    for src in sources:
        if src.columns or src.values or src.constants or src.fmt == "surveyxact":
            df, where = _apply_mapping(src)
        else:
            df, where = read_raw(src.path, src.fmt, src.sheet), src.path
        tidy = _tidy(df, src.kind, where, inst)
        _check_across_files(seen, src.kind, df, where)
        for name, t in tidy.items():
            collected[name].append(t)
    return _write_tables(_assemble(collected, inst, key), config.resolve(out_dir, config.PROCESSED_DIR))


def _check_across_files(seen: dict[str, pd.DataFrame], kind: str, df: pd.DataFrame, where: Path) -> None:
    """Duplicate ids across two files of the same kind (e.g. the same wave exported twice)."""
    idcol = "coder" if kind == "structures" else "respondent_id"
    keys = pd.DataFrame({"kommune": df["kommune"].astype(str).str.strip(), "wave": df["wave"].astype(str).str.strip(),
                         "id": df[idcol].astype(str).str.strip()})
    keys.attrs = df.attrs
    if kind in seen:
        prev = seen[kind]
        dup = keys.merge(prev.drop_duplicates(), how="left", indicator=True)["_merge"].eq("both").to_numpy()
        if dup.any():
            raise InputError(where, f"{idcol} already present in another {kind} file for the same kommune and wave",
                             rows=_rows(df, dup), column=idcol, fix="Import each wave's export once")
        seen[kind] = pd.concat([prev, keys], ignore_index=True)
    else:
        seen[kind] = keys


def _write_tables(tables: dict[str, pd.DataFrame], out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".import-", dir=out))
    written = {}
    try:
        for name, t in tables.items():
            t.to_parquet(tmp / f"{name}.parquet", index=False)
        for name in tables:
            final = out / f"{name}.parquet"
            os.replace(tmp / f"{name}.parquet", final)
            written[name] = final
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return written


def load(data_dir: str | os.PathLike | None = None) -> Tables:
    """The processed tables of ``data_dir`` (default ``data/processed``) as a :class:`Tables`."""
    d = config.resolve(data_dir, config.PROCESSED_DIR)
    missing = [t for t in TABLES if not (d / f"{t}.parquet").exists()]
    if missing:
        raise InputError(d, f"processed tables missing: {', '.join(missing)}",
                         fix="Run `relkap import <raw folder>` (or `make demo`) first")
    return Tables(**{t: pd.read_parquet(d / f"{t}.parquet") for t in TABLES})
