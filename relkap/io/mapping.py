"""Which raw exports hold what, and how their columns become relkap's raw columns: the files of a raw folder,
mapping files, and SurveyXact, Qualtrics and SPSS exports.

A raw folder's files are found by the start of their names (:func:`find_sources`); one export named
directly gets its kind from its name or columns (:func:`file_kind`); a mapping file names the exports and
maps their columns and values (:func:`load_sources`). :func:`read_source` reads any of them in relkap's raw
column names (README, "Exports from SurveyXact, Qualtrics and SPSS: mapping files").
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import config
from ..errors import InputError, listing
from ..raw import FORMATS, KINDS, RAW_SUFFIXES, guess_format, read_raw, read_yaml

__all__ = ["Source", "load_sources", "find_sources", "interview_folders", "folder_summary", "file_kind", "read_source",
           "read_yaml", "SYNTHETIC_MARK"]

SYNTHETIC_MARK = "relkap-synthetic.json"  # `relkap synth` writes it beside the raw files it makes


@dataclass
class Source:
    """One raw export and how its columns map onto relkap's raw format.

    ``kind`` is ``employees``, ``citizens`` or ``structures``, or empty for one export named directly whose
    kind is told from its name or columns (:func:`file_kind`); ``fmt`` is one of
    :data:`~relkap.raw.FORMATS`; ``columns``, ``values`` and ``constants`` are a mapping file's entries.
    """

    kind: str
    path: Path
    fmt: str
    columns: dict[str, str] | None = None
    values: dict[str, dict[str, str]] | None = None
    constants: dict[str, object] | None = None
    sheet: str | int | None = None


def find_sources(raw_dir: Path, interviews: bool = False) -> tuple[list[Source], list[str]]:
    """The raw exports of a folder and of its subfolders, at any depth (``raw/kbh/employees.csv``), by the
    start of their names, and a note of the files left out.

    ``interviews/`` folders (coded interviews) and hidden folders are not searched, nor a subfolder of synthetic
    demo data (``relkap synth``'s :data:`SYNTHETIC_MARK`, or the old demo folder ``data/raw/demo``), which is
    left out with a note. No survey file anywhere is an error that says which folders were searched, unless
    the folder has interviews (``interviews``)."""
    found = [f for f in _tree_files(raw_dir) if f.suffix.lower() in RAW_SUFFIXES]
    sources, used = [], set()
    for kind in KINDS:
        these = [f for f in found if f.stem.lower().startswith(kind)]
        sources += [Source(kind, f, guess_format(f)) for f in these]
        used.update(these)
    if not sources and not interviews:
        folders = sorted({f.parent for f in _tree_files(raw_dir)} | {raw_dir} | set(_tree_folders(raw_dir)))
        shown = listing([_shown_folder(f, raw_dir) for f in folders], 8)
        raise InputError(raw_dir, "no raw survey files in the folder"
                         + (f" or its {len(folders) - 1} subfolder{'s' if len(folders) > 2 else ''}"
                            if len(folders) > 1 else "")
                         + f" (looked in {shown} for employees.csv, citizens.csv, structures.csv, or .xlsx, .txt,"
                         " .sav files whose names start so)",
                         fix="Put the survey exports there, name one file directly (relkap import FILE --kind"
                         " employees), or pass --mapping for a SurveyXact/Qualtrics/SPSS export")
    skipped = [f for f in found if f not in used]
    notes = [f"{raw_dir}: left out {listing([f.relative_to(raw_dir).as_posix() for f in skipped], 6)} (the name does"
             " not start with employees, citizens or structures)"] if skipped else []
    demo = [d for d in raw_dir.rglob("*") if d.is_dir() and _synthetic(d, raw_dir)
            and not any(_synthetic(a, raw_dir) for a in d.parents if a.is_relative_to(raw_dir) and a != raw_dir)]
    notes += [f"{raw_dir}: left out {_shown_folder(d, raw_dir)} (synthetic demo data from relkap synth; import it on"
              " its own, into a store of its own)" for d in sorted(demo)]
    return sources, notes


def _searched(folder: Path, root: Path) -> bool:
    """Whether a folder below ``root`` is searched for exports (not ``interviews/``, not hidden, not synthetic
    demo data below ``root``)."""
    parts = folder.relative_to(root).parts
    if any(p.lower() == "interviews" or p.startswith(".") for p in parts):
        return False
    return not any(_synthetic(root.joinpath(*parts[:i]), root) for i in range(1, len(parts) + 1))


def _synthetic(folder: Path, root: Path) -> bool:
    """A subfolder of ``root`` that holds synthetic demo data: marked by relkap synth, or the old demo folder."""
    return folder != root and ((folder / SYNTHETIC_MARK).is_file() or folder == config.RAW_DIR / "demo")


def _tree_folders(root: Path) -> list[Path]:
    return sorted(d for d in root.rglob("*") if d.is_dir() and _searched(d, root))


def _tree_files(root: Path) -> list[Path]:
    """The files of ``root`` and of its searched subfolders, the folder's own first, then by path."""
    files = [f for f in root.rglob("*") if f.is_file() and _searched(f.parent, root) and not f.name.startswith(".")]
    return sorted(files, key=lambda f: (len(f.relative_to(root).parts) > 1, f.relative_to(root).as_posix()))


def _shown_folder(folder: Path, root: Path) -> str:
    return "." if folder == root else folder.relative_to(root).as_posix() + "/"


def interview_folders(root: Path) -> list[Path]:
    """The ``interviews/`` folders below the subfolders of ``root`` (``raw/kbh/interviews``); the one directly
    in ``root`` is not among them."""
    return sorted(d for d in root.rglob("*") if d.is_dir() and d.name.lower() == "interviews" and d.parent != root
                  and _searched(d.parent, root))


def folder_summary(root: Path, read: list[tuple[Path, str, int | None, list[int]]]) -> list[str]:
    """One line per folder of a folder of folders: its files, their kinds, rows and kommuner.

    ``read`` holds (file, kind, rows or ``None``, kommune codes) per file read; nothing when all are in
    ``root`` itself.

    Examples
    --------
    >>> root = Path("/r")
    >>> folder_summary(root, [(root / "kbh" / "employees.xlsx", "employees", 40, [101]),
    ...                       (root / "aar" / "employees.csv", "employees", 30, [751])])
    ['aar/: employees.csv (employees, 30 rows; kommune 751)', 'kbh/: employees.xlsx (employees, 40 rows; kommune 101)']
    """
    folders: dict[Path, list[str]] = {}
    for path, kind, rows, kommuner in read:
        codes = ", ".join(str(k) for k in sorted(set(kommuner)))
        counted = "" if rows is None else f", {rows} row{'s' if rows != 1 else ''}"
        folders.setdefault(path.parent, []).append(
            f"{path.name} ({kind}{counted}; kommune{'r' if len(set(kommuner)) > 1 else ''} {codes})")
    if set(folders) <= {root}:
        return []
    return [f"{_shown_folder(folder, root)}: {', '.join(files)}" for folder, files in sorted(folders.items())]


def file_kind(path: Path, df: pd.DataFrame) -> tuple[str, str]:
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


def load_sources(mapping: str | os.PathLike, raw_dir: Path) -> list[Source]:
    """The exports a mapping file names, and how to read each::

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
    raw = read_yaml(mp, "mapping file not found", fix="Check the --mapping path")
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
            sources.append(Source(kind, f, fmt or guess_format(f), columns, values, e.get("constants"), e.get("sheet")))
    return sources


def read_source(src: Source) -> tuple[pd.DataFrame, Path]:
    """One export in relkap's raw column names (as :func:`relkap.raw.read_raw` returns), and the file to
    name in errors: mapped columns renamed, values recoded and constants added when the source says so."""
    if src.columns or src.values or src.constants or src.fmt == "surveyxact":
        return _apply_mapping(src)
    return read_raw(src.path, src.fmt, src.sheet), src.path


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
            raise InputError(where, f"the mapping names columns the export does not have: {listing(missing)}",
                             fix="Correct the column names under columns: in the mapping file; the export has "
                             + listing(list(data.columns)))
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
        data, where = read_raw(ds, "csv"), ds
        if (p / "labels.csv").exists():
            labels = read_raw(p / "labels.csv", "csv")
    else:
        try:
            sheets = pd.ExcelFile(p).sheet_names
        except Exception as exc:
            raise InputError(p, f"not a readable Excel workbook ({exc})", fix="Export it again from SurveyXact") from None
        lower = {s.lower(): s for s in sheets}
        ds_sheet = src.sheet or lower.get("dataset") or lower.get("datasæt") or sheets[0]
        data, where = read_raw(p, "excel", ds_sheet), p
        if "labels" in lower:
            labels = read_raw(p, "excel", lower["labels"])
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
