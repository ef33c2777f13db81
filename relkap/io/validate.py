"""Validation of the raw exports and the reshaping into the tidy long tables: ids, kommune codes, waves,
groups, item columns and answers, each refused with the rows and column a user sees in a spreadsheet.

:func:`read_survey` gives the tidy tables of one file, :func:`tidy_tables` those of wide frames in memory;
an import (:func:`relkap.io.store.import_raw`) validates every file with :func:`long_tables` and
:func:`check_across_files` before it pseudonymises anything with :func:`finish_tables`.

Every check records its problem and the next one runs (:class:`~relkap.errors.Problems`): one import names
every problem of every file at once (:class:`~relkap.errors.InputErrors`), and writes nothing. Codes typed with
another case or accents are read as the codebook's codes where that is unambiguous (:mod:`relkap.io.codes`),
with a note; others are refused with the closest codes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, Problems, listing
from ..instrument import Instrument, load_instrument
from ..interviews.codings import empty_codings
from ..kommuner import KOMMUNER
from ..pseudonym import pseudonym_key, pseudonymise
from ..raw import read_raw
from .codes import CodeMatcher
from .duplicates import duplicates_across_files, duplicates_in_file
from .mapping import file_kind

__all__ = ["Tables", "TABLES", "SURVEY_TABLES", "read_survey", "tidy_tables", "long_tables", "finish_tables",
           "check_across_files"]

SURVEY_TABLES = ("relations", "scales", "citizens", "structures")
TABLES = (*SURVEY_TABLES, "codings")
_INSTRUMENT = {"employees": "employee", "citizens": "citizen"}  # raw kind -> the codebook's instrument
_ID_COLUMNS = {
    "employees": ("kommune", "wave", "respondent_id", "group"),
    "citizens": ("kommune", "wave", "respondent_id"),
    "structures": ("kommune", "wave", "coder"),
}


@dataclass
class Tables:
    """The tidy tables of ``docs/contract.md``: relations, scales, citizens, structures, and the interview
    ``codings`` (:mod:`relkap.interviews`; a table without rows where there are no interviews)."""

    relations: pd.DataFrame
    scales: pd.DataFrame
    citizens: pd.DataFrame
    structures: pd.DataFrame
    codings: pd.DataFrame = field(default_factory=empty_codings)

    def __iter__(self):
        return iter((name, getattr(self, name)) for name in TABLES)


def read_survey(path: str | os.PathLike, instrument: Instrument | str | None = None, kind: str | None = None,
                fmt: str | None = None) -> dict[str, pd.DataFrame]:
    """Validate one raw file and return its tidy table(s) (``relations`` and ``scales`` for employees).

    Respondent ids are pseudonymised with :func:`pseudonym_key`.

    Examples
    --------
    >>> import relkap.io as rio                                  # doctest: +SKIP
    >>> rio.read_survey("data/raw/demo/employees.csv")["relations"].head()   # doctest: +SKIP
    """
    inst = load_instrument(instrument)
    p = Path(path)
    df = read_raw(p, fmt)
    kind = kind or file_kind(p, df)[0]
    tidy, _ids = long_tables(df, kind, p, inst)
    key = pseudonym_key()
    return {name: _finish(name, t, inst, key) for name, t in tidy.items()}


def tidy_tables(employees: pd.DataFrame, citizens: pd.DataFrame | None = None,
                structures: pd.DataFrame | None = None, instrument: Instrument | str | None = None,
                key: bytes | None = None) -> Tables:
    """The tidy tables of raw wide DataFrames already in memory (e.g. from :func:`relkap.synth.simulate`),
    validated exactly as files are. ``key`` overrides the pseudonymisation key (tests, benchmarks).

    Errors name the table as ``<employees>`` etc. and the rows as they would be numbered in a spreadsheet.
    """
    inst = load_instrument(instrument)
    key = key if key is not None else pseudonym_key()
    collected: dict[str, list[pd.DataFrame]] = {t: [] for t in SURVEY_TABLES}
    for kind, df in (("employees", employees), ("citizens", citizens), ("structures", structures)):
        if df is None:
            continue
        df = df.copy()
        df.index = pd.RangeIndex(2, len(df) + 2)  # spreadsheet rows: the header is row 1
        df.attrs["positions"] = {str(c): i for i, c in enumerate(df.columns, start=1)}
        tidy, _ids = long_tables(df, kind, Path(f"<{kind}>"), inst)
        for name, t in tidy.items():
            collected[name].append(t)
    return Tables(**finish_tables(collected, inst, key))


def long_tables(df: pd.DataFrame, kind: str, path: Path, inst: Instrument, problems: Problems | None = None,
                notes: list[str] | None = None) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Validate one raw frame (:func:`relkap.raw.read_raw`) of ``kind`` (``employees``, ``citizens`` or
    ``structures``) and return its long table(s), one row per answered cell with keyed scores and raw ids
    (:func:`finish_tables` names the columns and pseudonymises), and its id columns (one row per raw row).

    Every problem is added to ``problems`` and the checks go on; without ``problems`` an
    :class:`~relkap.errors.InputErrors` names them all (``path``, the rows and the column of each). Codes and
    headers typed with another case or accents are read as the codebook's (a note in ``notes`` says which)."""
    found = Problems() if problems is None else problems
    recoded: dict[str, dict[str, str]] = {}
    df = _codebook_headers(df, kind, inst, recoded)
    ids = _check_ids(df, kind, path, inst, found, recoded)
    relational, scale_items = _item_columns(df, kind, path, inst, found)
    out: dict[str, pd.DataFrame] = {}
    integer = kind != "structures"
    if kind == "employees":
        out["relations"] = _melt(df, ids, [c for _, _, c in relational], path, inst, integer,
                                 {c: (i, t) for i, t, c in relational}, found)
    items = {c: (inst.item_scale[c], c) for c in scale_items}
    table = {"employees": "scales", "citizens": "citizens", "structures": "structures"}[kind]
    out[table] = _melt(df, ids, scale_items, path, inst, integer, items, found)
    if notes is not None and recoded:
        notes.append(f"{path.name}: read as the codebook's codes (case and accents aside): " + "; ".join(
            f"{what} {listing([f'{typed!r} as {code!r}' for typed, code in pairs.items()], 6)}"
            for what, pairs in recoded.items()))
    if problems is None:
        found.raise_any()
    return out, ids


def check_across_files(seen: dict[str, pd.DataFrame], kind: str, df: pd.DataFrame, ids: pd.DataFrame, where: Path,
                       problems: Problems | None = None) -> None:
    """Refuse ids already in another file of the same kind for the same kommune and wave (e.g. the same wave
    exported twice), naming both files, both rows and the id; exact copies of a row are said to be copies.

    ``seen`` holds the ids of the files checked so far, per kind, and gets those of ``ids`` (the id columns
    :func:`long_tables` returns for the raw frame ``df``)."""
    found = Problems() if problems is None else problems
    idcol = "coder" if kind == "structures" else "respondent_id"
    duplicates_across_files(seen, kind, df, ids, idcol, where, found, df.attrs.get("positions", {}).get(idcol))
    if problems is None:
        found.raise_any()


def finish_tables(collected: dict[str, list[pd.DataFrame]], inst: Instrument, key: bytes) -> dict[str, pd.DataFrame]:
    """The tidy tables of the long parts (:func:`long_tables`) collected per table: each table's parts stacked
    (an empty table with the right columns when there are none), ids pseudonymised with ``key``, the columns
    named and typed as the contract says."""
    return {name: _finish(name, pd.concat(parts, ignore_index=True) if parts else _empty(name), inst, key)
            for name, parts in collected.items()}


def _rows(df: pd.DataFrame, mask) -> list[int]:
    """Spreadsheet row numbers (the index of a raw frame) where ``mask`` holds."""
    m = pd.array(np.asarray(mask, dtype=object), dtype="boolean").fillna(False).to_numpy(dtype=bool)
    return [int(r) for r in df.index.to_numpy()[m]]


def _col(df: pd.DataFrame, column: str) -> dict:
    """``column=`` and ``position=`` of :class:`InputError` for a column of a raw frame."""
    return {"column": column, "position": df.attrs.get("positions", {}).get(column)}


def _shown(value) -> str:
    return "a blank cell" if value is None or pd.isna(value) else f"'{value}'"


def _parse_scores(df: pd.DataFrame, col: str, path: Path, inst: Instrument, integer: bool,
                  problems: Problems) -> np.ndarray:
    """Numbers of one item column (decimal comma accepted), checked against the scale and missing codes; a
    cell that is neither is a problem (and NaN here)."""
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
            examples = listing([f"'{v}'" for v in text[bad].unique()], 3)
            problems.add(InputError(path, f"not a number ({examples})", rows=_rows(df, bad), **_col(df, col),
                                    fix=f"Use whole numbers {inst.scale.min}-{inst.scale.max}, {_missing_text(inst)},"
                                    " or leave the cell blank"))
        values = num.to_numpy(dtype="float64", na_value=np.nan)
    else:
        values = pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64")
    ok = np.isnan(values) | np.isin(values, inst.missing_codes)
    in_range = (values >= inst.scale.min) & (values <= inst.scale.max)
    if integer:
        in_range &= values == np.round(values)
    bad = ~(ok | in_range)
    if bad.any():
        shown = listing([f"{v:g}" for v in pd.unique(values[bad])], 3)
        what = "whole numbers" if integer else "numbers"
        problems.add(InputError(path, f"value {shown} is outside the scale", rows=_rows(df, bad), **_col(df, col),
                                fix=f"Allowed: {what} {inst.scale.min}-{inst.scale.max}, {_missing_text(inst)},"
                                " or blank"))
        values = np.where(bad, np.nan, values)
    return values


def _missing_text(inst: Instrument) -> str:
    codes = "/".join(str(c) for c in inst.missing_codes)
    return f"{codes} for 'ved ikke'" if codes else "no missing codes"


def _check_ids(df: pd.DataFrame, kind: str, path: Path, inst: Instrument, problems: Problems,
               recoded: dict[str, dict[str, str]]) -> pd.DataFrame:
    """Required columns, kommune codes, wave labels, ids, groups. Returns the id columns cleaned (codes typed
    otherwise read as the codebook's, recorded in ``recoded``). Missing columns and a file without rows stop
    the file's checks (raised); every other problem is added to ``problems``."""
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
        shown = listing([_shown(v) for v in k_text[bad].unique()], 4)
        problems.add(InputError(path, f"{shown} {'is' if bad.sum() == 1 else 'are'} not the official code of a"
                                " Danish kommune", rows=_rows(df, bad), **_col(df, "kommune"),
                                fix="Use the three-digit kommune code, e.g. 751 for Aarhus, 766 for Hedensted"))
    out["kommune"] = k_num.where(~bad, 0).astype("int16").to_numpy()

    waves = list(inst.waves.codes)
    out["wave"] = _codes(df, "wave", CodeMatcher(waves), "wave label", path, problems, recoded,
                         fix=f"Correct the label, or declare the wave in the codebook's ordered waves: list (its waves, in"
                         f" time order: {', '.join(waves)}), in its place in time, e.g. `- {{code: midtvejs, da:"
                         " Midtvejsmåling, en: Midway, date: 2026-03}` (README, 'Waves')")

    idcol = "coder" if kind == "structures" else "respondent_id"
    # NFC: the same id typed on a Mac (decomposed letters) and on Windows must get the same pseudonym
    ids = df[idcol].astype("string").str.strip().str.normalize("NFC")
    bad = ids.isna() | (ids == "")
    if bad.any():
        problems.add(InputError(path, "empty id", rows=_rows(df, bad), **_col(df, idcol), fix="Every row needs an id"))
    out[idcol] = ids.to_numpy()
    duplicates_in_file(df, out, idcol, path, problems, df.attrs.get("positions", {}).get(idcol))

    if kind == "employees":
        out["group"] = _codes(df, "group", CodeMatcher(inst.group_codes), "group code", path, problems, recoded,
                              fix=f"Allowed: {', '.join(inst.group_codes)} (add groups to the codebook)")
    return out


def _codes(df: pd.DataFrame, column: str, codes: CodeMatcher, what: str, path: Path, problems: Problems,
           recoded: dict[str, dict[str, str]], fix: str) -> np.ndarray:
    """The column's values as codes: typed otherwise but unambiguous read as the code (``recoded[column]``);
    blanks and values no code matches are a problem naming each value, its rows and the closest codes."""
    typed = df[column].astype("string").str.strip()
    read, matched, unknown = codes.read(typed)
    if matched:
        recoded.setdefault(column, {}).update(matched)
    bad = typed.isna() | typed.isin(unknown)
    if bad.any():
        values = ([None] if typed.isna().any() else []) + unknown
        if len(values) == 1:
            v = values[0]
            hint = codes.hint(v) if v is not None else ""
            problem = f"unknown {what} {_shown(v)}" + (f" ({hint})" if hint else "")
        else:
            shown = []
            for v in values:
                rows = _rows(df, typed.isna() if v is None else typed == v)
                where = f"row {rows[0]}" if len(rows) == 1 else f"rows {listing(rows, 3)}"
                hint = codes.hint(v) if v is not None else ""
                shown.append(f"{_shown(v)} ({where}{'; ' + hint if hint else ''})")
            problem = f"unknown {what}s: {listing(shown, 6)}"
        problems.add(InputError(path, problem, rows=_rows(df, bad), **_col(df, column), fix=fix))
    return read.to_numpy()


def _codebook_headers(df: pd.DataFrame, kind: str, inst: Instrument, recoded: dict[str, dict[str, str]]
                      ) -> pd.DataFrame:
    """``df`` with headers typed with another case or accents renamed to the codebook's names where that is
    unambiguous (``Vision_1`` -> ``vision_1``, ``Kendskab__Skole`` -> ``kendskab__skole``), positions kept."""
    names = CodeMatcher([*_ID_COLUMNS[kind], *inst.items_for(_INSTRUMENT.get(kind, kind))])
    items, groups = CodeMatcher(inst.relational_codes), CodeMatcher(inst.group_codes)
    rename: dict[str, str] = {}
    for col in df.columns:
        if col in names.codes:
            continue
        if kind == "employees" and "__" in col:
            item, _, target = col.partition("__")
            item, target = items.match(item), groups.match(target)
            new = f"{item}__{target}" if item and target else None
        else:
            new = names.match(col)
        if new and new != col and new not in df.columns and new not in rename.values():
            rename[col] = new
    if not rename:
        return df
    positions = df.attrs.get("positions", {})
    renamed = df.rename(columns=rename)
    renamed.attrs = {**df.attrs, "positions": {rename.get(c, c): p for c, p in positions.items()}}
    recoded.setdefault("column", {}).update(rename)
    return renamed


def _item_columns(df: pd.DataFrame, kind: str, path: Path, inst: Instrument, problems: Problems):
    """Split the non-id columns into relational (item, target, column) and scale (item, column) columns; an
    unknown item, target group or column is a problem (with the closest codebook names)."""
    ids = set(_ID_COLUMNS[kind])
    rel_codes, groups = CodeMatcher(inst.relational_codes), CodeMatcher(inst.group_codes)
    instrument_items = set(inst.items_for(_INSTRUMENT.get(kind, kind)))
    relational, scale_items, unknown = [], [], []
    for col in df.columns:
        if col in ids:
            continue
        if "__" in col and kind == "employees":
            item, _, target = col.partition("__")
            if item not in rel_codes.codes:
                hint = rel_codes.hint(item)
                problems.add(InputError(path, f"unknown relational item '{item}'" + (f" ({hint})" if hint else ""),
                                        **_col(df, col),
                                        fix="Relational columns are <item>__<group>; items: "
                                        + ", ".join(inst.relational_codes)))
            elif target not in groups.codes:
                hint = groups.hint(target)
                problems.add(InputError(path, f"unknown target group code '{target}'" + (f" ({hint})" if hint else ""),
                                        **_col(df, col), fix=f"Allowed groups: {', '.join(inst.group_codes)}"))
            else:
                relational.append((item, target, col))
        elif col in instrument_items:
            scale_items.append(col)
        else:
            unknown.append(col)
    if unknown:
        known = CodeMatcher(sorted(instrument_items))
        shown = [f"{c} ({known.hint(c, quote=False)})" if known.suggest(c) else c for c in unknown]
        problems.add(InputError(path, f"column{'s' if len(unknown) > 1 else ''} not in the codebook: {listing(shown, 6)}",
                                **_col(df, unknown[0]),
                                fix="Rename it to a codebook item, remove it, or map it with a mapping file; the "
                                f"codebook's {kind} items are {listing(sorted(instrument_items))}"
                                + (" and relational columns <item>__<group>" if kind == "employees" else "")))
    if kind == "employees" and not relational and not any("__" in c for c in df.columns):
        problems.add(InputError(path, "no relational columns (<item>__<group>, e.g. kendskab__skole)",
                                fix="The employees file needs the relational matrix items"))
    return relational, scale_items


def _melt(df, ids, columns, path, inst, integer, meaning, problems: Problems) -> pd.DataFrame:
    """Long rows (one per answered cell) with keyed scores; blank cells are dropped, missing codes kept as NaN."""
    parts = []
    for col in columns:
        raw = _parse_scores(df, col, path, inst, integer, problems)
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
    waves = pd.CategoricalDtype(inst.waves.codes)
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


def _empty(table: str) -> pd.DataFrame:
    cols = {"relations": ["kommune", "wave", "respondent_id", "group", "_a", "_b", "score"],
            "scales": ["kommune", "wave", "respondent_id", "group", "_a", "_b", "score"],
            "citizens": ["kommune", "wave", "respondent_id", "_a", "_b", "score"],
            "structures": ["kommune", "wave", "coder", "_a", "_b", "score"]}[table]
    return pd.DataFrame({c: pd.Series(dtype="float64" if c == "score" else object) for c in cols})
