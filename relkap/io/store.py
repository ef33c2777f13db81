"""The processed store: the tidy tables keyed by kommune and wave, added to by :func:`import_raw` and read by
:func:`load` (README, "Importing adds: the processed tables are a store").

An import adds its kommune-waves and replaces exactly those it holds, per instrument (employees, citizens,
structures, interviews), and keeps every other one. The new tables are written to a temporary folder inside
the store, marked complete, and only then moved in; a failed or killed import leaves the store as it was,
and :func:`load` never reads a mix of two imports. ``store.json`` beside the tables (:func:`read_manifest`)
records where each kommune-wave came from and the fingerprint of the pseudonym key.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from .. import config
from ..errors import InputError, Problems, listing
from ..filememo import identity, settled
from ..instrument import Instrument, load_instrument
from ..interviews.codings import check_interviews, empty_codings
from ..interviews.codings import interview_files as find_interview_files
from ..kommuner import KOMMUNER
from ..pseudonym import KEY_ENV, key_file, key_fingerprint, key_for_store
from ..raw import KINDS, guess_format
from .codebook import (
    CODEBOOK_FILE,
    codebook_conflicts,
    codebook_record,
    codebook_text,
    data_waves_groups,
)
from .mapping import (
    SYNTHETIC_MARK,
    Source,
    file_kind,
    find_sources,
    folder_summary,
    interview_folders,
    load_sources,
    read_source,
)
from .validate import SURVEY_TABLES, TABLES, Tables, check_across_files, finish_tables, long_tables

__all__ = ["import_raw", "load", "ImportResult", "StoreChange", "read_manifest", "pending_imports", "foreign_sources",
           "raw_origin", "INTERVIEWS", "STORE_KINDS", "STORE_FILE", "SYNTHETIC_MARK"]

INTERVIEWS = "interviews"
STORE_KINDS = (*KINDS, INTERVIEWS)  # what the store replaces kommune-wave by kommune-wave
_TABLE_KIND = {"relations": "employees", "scales": "employees", "citizens": "citizens", "structures": "structures",
               "codings": INTERVIEWS}
_UNIT = {"employees": "respondents", "citizens": "citizens", "structures": "coders", INTERVIEWS: "interviews"}
_ID = {"structures": "coder", INTERVIEWS: "source"}  # what a unit is per instrument (else respondent_id)
STORE_FILE = "store.json"
_ORIGINS = {"synthetic": "synthetic demo data from relkap synth", "own": "survey data not made by relkap synth"}
_COMMITTED = "COMMITTED"  # written last into an import's temporary folder: its commit point


def import_raw(raw: str | os.PathLike, out_dir: str | os.PathLike | None = None,
               instrument: Instrument | str | None = None, mapping: str | os.PathLike | None = None, *,
               kind: str | None = None, rebuild: bool = False,
               interview_mapping: str | os.PathLike | None = None, mix_sources: bool = False) -> ImportResult:
    """Validate raw exports and add them to the processed tables in ``out_dir`` (default ``data/processed``).

    ``raw`` is a folder (every ``employees*``, ``citizens*`` and ``structures*`` file in it; several files of
    one kind are stacked; coded interviews from its ``interviews/`` subfolder) or one export file (its kind
    from its name, its columns, or ``kind``). A folder of interview files only (``*.qdpx``, ``codings*``
    tables) and one interview file (a ``.qdpx``, or a table with ``kind="interviews"``) are imported as
    interviews (:mod:`relkap.interviews`), with ``interview_mapping`` (default: the ``mapping.yaml`` beside them).
    The processed tables are a store keyed by kommune and wave: the kommune-waves of each instrument in
    ``raw`` replace exactly those kommune-waves of that instrument (employees: ``relations`` and ``scales``;
    interviews: ``codings``), and every other one is kept. ``rebuild=True`` replaces the whole store with
    ``raw``.

    A store holds one kind of data: synthetic demo data (files ``relkap synth`` wrote, :func:`raw_origin`) or a
    team's own. Importing the one into a store holding the other is refused, naming both, unless
    ``mix_sources`` (a report would benchmark a real kommune against synthetic ones).

    Nothing is written unless every file validates (every problem of every file is named at once), and the store changes all at once: the new tables are
    written to a temporary folder, marked complete, then moved in; an import killed before the mark leaves
    the store as it was, one killed after it is completed by the next import or :func:`load`.

    Returns an :class:`ImportResult` (``{table: path}`` with the changes, the kept kommune-waves and notes).
    """
    source = Path(raw).expanduser().resolve()
    if kind is not None and kind not in STORE_KINDS:
        raise InputError(source, f"unknown kind '{kind}'", fix=f"Use one of {', '.join(STORE_KINDS)}")
    if not source.exists():
        raise InputError(source, "no such file or folder",
                         fix="Give the folder that holds the exports (employees.csv, ...) or one export file")
    out = config.resolve(out_dir, config.PROCESSED_DIR)
    # without --instrument, the store's own codebook (the one its answers were scored with), if it has one
    own = out / CODEBOOK_FILE
    inst = load_instrument(instrument if instrument is not None or not own.is_file() else own)
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
            sources = [Source(kind or "", source, guess_format(source))]
    else:
        if kind:
            raise InputError(source, "--kind is for one export file; in a folder each file's name says its kind",
                             fix="Name the file directly: relkap import FOLDER/FILE --kind " + kind)
        folder = source / "interviews"
        only_interviews = not mapping and not folder.is_dir() and bool(find_interview_files(source)) and not any(
            f.is_file() and f.stem.lower().startswith(KINDS) for f in source.iterdir())
        if only_interviews:  # a folder of interview files named directly
            folder, sources = source, []
        elif mapping:
            sources = load_sources(mapping, source)
        else:
            coded = folder.is_dir() or any(find_interview_files(d) for d in interview_folders(source))
            sources, notes = find_sources(source, interviews=coded)
        if folder.is_dir():
            interview_files = find_interview_files(folder)
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
    problems = Problems()  # every file is checked, and every problem of each named, before anything is written
    read: list[tuple[Path, str, int | None, list[int]]] = []  # (file, kind, rows, kommuner): the summary per folder
    for src in sources:
        with problems.step():
            df, where = read_source(src)
            src_kind = src.kind
            if not src_kind:
                src_kind, note = file_kind(where, df)
                notes += [note] if note else []
            tidy, ids = long_tables(df, src_kind, where, inst, problems, notes)
            if df.attrs.get("ignored"):
                notes.append(f"{where.name}: {df.attrs['ignored']}")
            check_across_files(seen, src_kind, df, ids, where, problems)
            for name, t in tidy.items():
                collected[name].append(t)
            read.append((src.path, src_kind, len(df), ids["kommune"].unique().tolist()))
            for k, w in ids[["kommune", "wave"]].drop_duplicates().itertuples(index=False):
                contains[src_kind].setdefault((int(k), str(w)), set()).add(str(src.path))
    # the interviews/ folder of RAW and those of its subfolders (raw/kbh/interviews), each with its mapping
    interview_sets = [(interview_files, interview_map)] if interview_files else []
    if source.is_dir() and not only_interviews:
        for sub in interview_folders(source):
            found = find_interview_files(sub)
            interview_sets += [(found, sub / "mapping.yaml")] if found else []
            notes += [] if found else [f"{sub}: no interview files (*.qdpx, or tables named codings*)"]
    checked = []
    for files, mapping_file in interview_sets:
        with problems.step():
            checked.append(check_interviews(files, mapping_file, inst))
    for c in checked:
        notes += c.notes
        for kw, files in c.files.items():
            twice = contains[INTERVIEWS].get(kw)
            if twice:
                problems.add(InputError(sorted(files)[0], f"interviews of {kw[0]} {kw[1]} are also in"
                                        f" {sorted(twice)[0]}", fix="Keep each kommune-wave's interviews in one"
                                        " interviews/ folder"))
            contains[INTERVIEWS].setdefault(kw, set()).update(files | {str(c.mapping.path)})
        for f in sorted({f for fs in c.files.values() for f in fs}):
            read.append((Path(f), INTERVIEWS, None, [k for (k, _w), fs in c.files.items() if f in fs]))
    problems.raise_any()

    out.mkdir(parents=True, exist_ok=True)
    with _locked(out):
        _recover(out, clean=True)
        try:
            old, manifest = _read_store(out)
        except InputError:
            if not rebuild:
                raise
            old, manifest = {}, {}  # a damaged store is what a rebuild is for
        if old and not rebuild and not mix_sources:
            _refuse_mixing(out, source, manifest)
        if old and not rebuild:
            _check_codebook(out, inst, old, instrument)
        key, created = key_for_store(out, manifest.get("key_fingerprint"), bool(old) and not rebuild)
        new = finish_tables(collected, inst, key)
        new["codings"] = _stacked([c.codings(key) for c in checked]) if checked else empty_codings(inst)
        merged, changes, unchanged = _merge(old, new, {k: set(v) for k, v in contains.items()}, rebuild)
        merged = _waves_in_codebook_order(merged, inst)
        manifest = (_next_manifest(manifest, key, contains, new, rebuild, raw_origin(source))
                    | {"codebook": codebook_record(inst)})
        paths = _commit(out, merged, manifest, {CODEBOOK_FILE: codebook_text(inst)})
    if created is None and (rebuild or not old):
        notes.append(f"a new store: its pseudonyms are made with the existing key ({key_source()}, fingerprint"
                     f" {key_fingerprint(key)[:8]}); later imports into {out} need the same key")
    if created is not None:
        notes.append(f"created the pseudonym key file {created}. Keep it, and back it up with the raw data: a later"
                     " import (e.g. the follow-up) needs the same key, or the same respondents get other pseudonyms"
                     " and the waves no longer link")
    folders = folder_summary(source, read) if source.is_dir() else []
    return ImportResult(paths, out=out, changes=changes, unchanged=unchanged, notes=notes, key_file_created=created,
                        folders=folders)


def load(data_dir: str | os.PathLike | None = None, *, deferred: Iterable[str] = ()) -> Tables:
    """The processed tables of ``data_dir`` (default ``data/processed``) as a :class:`Tables`.

    Never a mix of two imports: an import caught while moving its files in is waited for (or, if it was
    stopped, completed) and the tables read again. ``deferred``: survey tables read only when first used
    (the explorer never uses ``scales`` and ``citizens``, a second of its load at 98 kommuner); such a read
    checks that no import has changed the store since, else an :class:`~relkap.errors.InputError` says to
    load again.

    The tables read last are kept (without ``deferred``): a next call for the same store, unchanged (its
    generation and every file's inode, size and times), returns deep copies of them instead of reading the
    files again (a warm report kernel loads the national store once per kommune).
    """
    deferred = tuple(deferred)
    unknown = set(deferred) - set(SURVEY_TABLES)
    if unknown:
        raise ValueError(f"only survey tables ({', '.join(SURVEY_TABLES)}) can be deferred, not {sorted(unknown)}")
    d = config.resolve(data_dir, config.PROCESSED_DIR)
    for _attempt in range(5):
        generation = read_manifest(d).get("generation")
        if not pending_imports(d):
            missing = [t for t in SURVEY_TABLES if not (d / f"{t}.parquet").exists()]
            if missing:
                demo = config.DEMO_DIR / "processed"
                elsewhere = (f"; the demo's tables are in {demo} (--data {demo}, relkap.load('{demo}'))"
                             if d != demo and (demo / "relations.parquet").exists() else " (or `make demo`)")
                raise InputError(d, f"processed tables missing: {', '.join(missing)}",
                                 fix=f"Run `relkap import <raw folder>` first{elsewhere}")
            # a store made before interviews were imported has no codings: an empty table then
            names = [t for t in TABLES if (t in SURVEY_TABLES or (d / f"{t}.parquet").exists()) and t not in deferred]
            files = tuple(identity(d / f"{t}.parquet") for t in names)  # before the files are read
            key = (generation, files)
            kept = _LAST_READ.get(key) if not deferred else None
            tables = kept or {t: pd.read_parquet(d / f"{t}.parquet") for t in names}
            if read_manifest(d).get("generation") == generation and not pending_imports(d):
                if deferred:
                    return _DeferredTables(d, generation, tables, deferred)
                _LAST_READ.clear()  # one store at a time (~50 MB at national size)
                if settled(*files):  # not a file changed seconds ago (relkap.filememo)
                    _LAST_READ[key] = tables
                return Tables(**{t: df.copy(deep=True) for t, df in tables.items()})  # the kept ones stay as read
        with _locked(d):
            _recover(d, clean=False)
    raise InputError(d, "the processed tables kept changing while they were read", fix="Load them again")


# The tables :func:`load` read last, under the store's generation and its files' identities
# (:func:`relkap.filememo.identity`): a warm report kernel loads the same national store once per kommune, and
# reading its parquet files costs ~0.1 s.
_LAST_READ: dict[tuple, dict[str, pd.DataFrame]] = {}


class _DeferredTables(Tables):
    """:class:`Tables` whose ``deferred`` tables are read from the store ``folder`` when first used."""

    def __init__(self, folder: Path, generation: object, tables: dict[str, pd.DataFrame], deferred: Iterable[str]):
        self.__dict__.update(tables, _folder=folder, _generation=generation, _deferred=frozenset(deferred))

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name not in self.__dict__.get("_deferred", ()):
            raise AttributeError(name)
        d = self._folder
        table = pd.read_parquet(d / f"{name}.parquet")
        if read_manifest(d).get("generation") != self._generation or pending_imports(d):
            raise InputError(d, f"the processed tables changed (an import) since they were loaded: {name} would not"
                                " match the tables read then", fix="Load them again")
        self.__dict__[name] = table
        return table


class ImportResult(dict):
    """``{table: path}`` of the processed tables, plus what the import did to the store.

    ``changes`` lists each kommune-wave (per instrument) added or replaced (removed ones too, in a
    rebuild), ``unchanged`` the kommune-waves kept as they were, ``notes`` what the user should know (rows and
    columns left out, codes read as typed otherwise, a new pseudonym key file), ``folders`` one line per
    subfolder of a folder of folders (its files, rows and kommuner) and ``out`` the store's folder.
    """

    def __init__(self, paths: dict[str, Path], *, out: Path, changes: list[StoreChange],
                 unchanged: list[tuple[str, int, str]], notes: list[str], key_file_created: Path | None = None,
                 folders: list[str] | None = None):
        super().__init__(paths)
        self.folders = folders or []
        self.out = out
        self.changes = changes
        self.unchanged = unchanged
        self.notes = notes
        self.key_file_created = key_file_created

    def report(self) -> list[str]:
        """The lines ``relkap import`` prints: what each subfolder held, each change, what was kept, the notes,
        the store's folder."""
        lines = [f"read {f}" for f in self.folders]
        lines += [str(c) for c in self.changes] if len(self.changes) <= 24 else self._summary()
        if self.unchanged:
            pairs = sorted({(k, w) for _, k, w in self.unchanged})
            kommuner = sorted({k for k, _ in pairs})
            shown = ", ".join(map(str, kommuner)) if len(kommuner) <= 12 else listing(kommuner)
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
                    lines.append(f"{kind}: {action} {len(these)} kommune-waves of {kommuner} kommuner,"
                                 f" {_counts(action, before, after, kind)}")
        return lines


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
        return f"{where}: {self.action}, {_counts(self.action, self.before, self.after, self.kind)}"


def _counts(action: str, before: int, after: int, kind: str) -> str:
    """'125 respondents' (added), '118 respondents' (removed) or '118 -> 125 respondents' (replaced)."""
    counts = {"added": f"{after}", "removed": f"{before}", "replaced": f"{before} -> {after}"}[action]
    return f"{counts} {_UNIT[kind]}"


def read_manifest(out: Path) -> dict:
    """The store's ``store.json`` (``{}`` when there is none): the key's fingerprint and, per instrument and
    kommune-wave (``"employees/766/followup"``), the files it came from, when, and how many units."""
    try:
        return json.loads((out / STORE_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def raw_origin(raw: str | os.PathLike) -> str:
    """``"synthetic"`` for raw files ``relkap synth`` wrote (its :data:`SYNTHETIC_MARK` in their folder or a
    folder above), else ``"own"``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> raw_origin(d), (d / SYNTHETIC_MARK).write_text("{}") and raw_origin(d / "kbh" / "employees.csv")
    ('own', 'synthetic')
    """
    p = Path(raw).expanduser().resolve()
    folder = p if p.is_dir() else p.parent
    return "synthetic" if any((d / SYNTHETIC_MARK).is_file() for d in (folder, *folder.parents)) else "own"


def _stored_origin(entry: dict) -> str:
    """The origin of a store entry; a store made before origins were recorded: the demo's folders say it."""
    if "origin" in entry:
        return entry["origin"]
    files = [Path(f) for f in entry.get("files", [])]
    demo = bool(files) and all(f.is_relative_to(config.RAW_DIR / "demo") or f.is_relative_to(config.DEMO_DIR)
                               for f in files)
    return "synthetic" if demo else "own"


def _refuse_mixing(out: Path, source: Path, manifest: dict) -> None:
    """Refuse to import ``source`` into the store ``out`` when the store holds data of the other origin."""
    origin = raw_origin(source)
    other = sorted(k for k, v in manifest.get("sources", {}).items() if _stored_origin(v) != origin)
    if other:
        theirs = _ORIGINS["own" if origin == "synthetic" else "synthetic"]
        raise InputError(out, f"the store holds {theirs} ({len(other)} kommune-waves: {listing(other, 4)}), and"
                         f" {source} holds {_ORIGINS[origin]}: importing would mix them, and each report would"
                         " benchmark its kommune against the other kind",
                         fix="Import into a store of its own (--out FOLDER; the demo's is data/demo/processed), or"
                         " pass --mix-sources to mix them anyway")


def foreign_sources(out: str | os.PathLike, raw: str | os.PathLike) -> list[str]:
    """The kommune-waves of the store ``out`` that came from files outside the folder ``raw``.

    ``make demo`` imports the synthetic demo (real kommune codes) into its own store ``data/demo/processed``
    only when this is empty, so the demo never mixes into, or replaces, other data.

    Examples
    --------
    >>> import tempfile
    >>> foreign_sources(tempfile.mkdtemp(), "data/raw/demo")  # an empty store holds nothing foreign
    []
    """
    root = Path(raw).expanduser().resolve()
    sources = read_manifest(Path(out).expanduser()).get("sources", {})
    return sorted(k for k, v in sources.items()
                  if not all(Path(f).resolve().is_relative_to(root) for f in v.get("files", [])))


def key_source() -> str:
    """Where the pseudonym key comes from, for a note: ``$RELKAP_PSEUDONYM_KEY`` or the key file."""
    return f"${KEY_ENV}" if os.environ.get(KEY_ENV) else str(key_file())


def pending_imports(folder: Path) -> list[Path]:
    """The temporary folders of complete imports into the store ``folder`` not yet moved into place (the
    import was stopped while moving its files; the next import or :func:`load` completes them)."""
    return sorted((p for p in folder.glob(".import-*") if (p / _COMMITTED).exists()),
                  key=lambda p: (p / _COMMITTED).stat().st_mtime)


@contextmanager
def _locked(folder: Path):
    """One import (or recovery) at a time per store; a no-op where ``fcntl`` is missing (Windows)."""
    try:
        import fcntl  # POSIX only: deferred so that Windows gets the no-op below
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with open(folder / ".lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _roll_forward(pending: Path, out: Path) -> None:
    for name in (pending / _COMMITTED).read_text(encoding="utf-8").split():
        if (pending / name).exists():
            os.replace(pending / name, out / name)
    shutil.rmtree(pending, ignore_errors=True)


def _recover(out: Path, clean: bool) -> None:
    """Finish a complete import that was stopped while moving its files; with ``clean`` (under the import
    lock) also delete the temporary folders of imports that were stopped before they were complete."""
    for pending in pending_imports(out):
        _roll_forward(pending, out)
    if clean:
        for stale in out.glob(".import-*"):
            shutil.rmtree(stale, ignore_errors=True)


def _read_store(out: Path) -> tuple[dict[str, pd.DataFrame], dict]:
    """The store's tables (``{}`` when it has none yet) and its manifest."""
    present = [t for t in TABLES if (out / f"{t}.parquet").exists()]
    if not any(t in SURVEY_TABLES for t in present):
        return {}, {}
    try:
        return {t: pd.read_parquet(out / f"{t}.parquet") if t in present else None for t in TABLES}, read_manifest(out)
    except Exception as exc:  # a damaged parquet file: say so instead of overwriting it
        raise InputError(out, f"the processed tables cannot be read ({type(exc).__name__}: {exc})",
                         fix="Rebuild them from every raw file: relkap import RAW --rebuild") from None


def _aligned(a: pd.DataFrame, b: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both frames with the same categories (the store's first, then new ones) so they stack as categories."""
    for col in a.columns:
        if isinstance(a[col].dtype, pd.CategoricalDtype) and col in b and a[col].dtype != b[col].dtype:
            cats = list(a[col].cat.categories)
            cats += [c for c in b[col].astype("category").cat.categories if c not in cats]
            dtype = pd.CategoricalDtype(cats)
            a, b = a.assign(**{col: a[col].astype(dtype)}), b.assign(**{col: b[col].astype(dtype)})
    return a, b


def _stacked(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """Tables of one kind stacked, their categories united (interview folders with mappings of their own)."""
    out = tables[0]
    for t in tables[1:]:
        out, t = _aligned(out, t)
        out = pd.concat([out, t], ignore_index=True)
    return out


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


def _check_codebook(out: Path, inst: Instrument, old: dict[str, pd.DataFrame], given: object) -> None:
    """Refuse an import whose codebook would change the meaning of the answers already in the store."""
    own = out / CODEBOOK_FILE
    stored = load_instrument(own) if own.is_file() else None
    waves, groups = data_waves_groups(old)
    problems = codebook_conflicts(inst, waves, groups, stored)
    if problems:
        name = given if isinstance(given, str | os.PathLike) else inst.name
        raise InputError(out, f"the codebook {name} would change the meaning of the stored answers: "
                         + "; ".join(problems),
                         fix=f"Import with the store's codebook (leave out --instrument; it is {own}), declare the"
                         " stored waves and groups in yours (new waves go in their place in time), or rebuild the"
                         " store from every raw file with the new codebook (--rebuild). Nothing was written")


def _waves_in_codebook_order(tables: dict[str, pd.DataFrame], inst: Instrument) -> dict[str, pd.DataFrame]:
    """Every table's ``wave`` as a categorical in the codebook's time order (an added wave joins in its place)."""
    dtype = pd.CategoricalDtype(inst.waves.codes)
    out = {}
    for name, t in tables.items():
        if (t is not None and "wave" in t.columns and t["wave"].isin(dtype.categories).all()
                and list(getattr(t["wave"], "cat", pd.Series(dtype="category").cat).categories) != inst.waves.codes):
            t = t.assign(wave=t["wave"].astype(str).astype(dtype))
        out[name] = t
    return out


def _next_manifest(manifest: dict, key: bytes, contains: dict, new: dict[str, pd.DataFrame],
                   rebuild: bool, origin: str) -> dict:
    """``store.json``: the key's fingerprint and, per instrument and kommune-wave, the files it came from and
    their origin (``synthetic`` or ``own``, :func:`raw_origin`)."""
    sources = {} if rebuild else dict(manifest.get("sources", {}))
    now = datetime.now(UTC).isoformat(timespec="seconds")
    for kind, pairs in contains.items():
        units = _units(new, kind)
        for (k, w), files in pairs.items():
            sources[f"{kind}/{k}/{w}"] = {"files": sorted(files), "imported": now, "origin": origin,
                                          _UNIT[kind]: units.get((k, w), 0)}
    return {"schema": 1, "generation": uuid.uuid4().hex, "key_fingerprint": key_fingerprint(key),
            "sources": dict(sorted(sources.items()))}


def _commit(out: Path, tables: dict[str, pd.DataFrame], manifest: dict, texts: dict[str, str]) -> dict[str, Path]:
    """Write the tables, ``texts`` (the codebook's copy) and manifest to a temporary folder, mark it complete,
    then move each file in.

    ``store.json`` moves last: its ``generation`` changes only when every table is in place (see :func:`load`).
    """
    tmp = Path(tempfile.mkdtemp(prefix=".import-", dir=out))
    files = [f"{name}.parquet" for name in tables] + list(texts) + [STORE_FILE]
    try:
        for name, t in tables.items():
            t.to_parquet(tmp / f"{name}.parquet", index=False)
        for name, text in texts.items():
            (tmp / name).write_text(text, encoding="utf-8")
        (tmp / STORE_FILE).write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
        (tmp / f"{_COMMITTED}.tmp").write_text("\n".join(files), encoding="utf-8")
        os.replace(tmp / f"{_COMMITTED}.tmp", tmp / _COMMITTED)  # the commit point
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _roll_forward(tmp, out)
    return {name: out / f"{name}.parquet" for name in tables}
