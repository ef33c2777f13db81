"""The tidy ``codings`` table: the codings of every interview file resolved to RK themes and valences,
counted per kommune, wave, interview (pseudonymised), code and valence (columns in :mod:`relkap.interviews`).

Everything is read and validated before anything is pseudonymised (:func:`check_interviews`), so an import
can check every file before it has the store's key.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..instrument import Instrument, load_instrument
from ..pseudonym import pseudonym_key, pseudonymise
from .mapping import (
    POSITION_UNITS,
    SOURCE_FIELDS,
    THEME_KINDS,
    VALENCES,
    InterviewMapping,
    load_mapping,
)
from .refi import Project, read_project
from .segments import TABLE_SUFFIXES, segment_rows

__all__ = ["read_interviews", "read_qdpx", "read_coded_segments", "check_interviews", "CheckedInterviews",
           "interview_files", "empty_codings", "resolve_codings", "source_pseudonyms", "CODINGS_COLUMNS"]

CODINGS_COLUMNS = ["kommune", "wave", "source", "group", "code", "theme_kind", "theme", "rater", "target",
                   "valence", "segments", "coder", "unit", "first_coder"]
_PSEUDONYM_DOMAIN = "interview\x1f"  # keeps interview pseudonyms apart from respondent pseudonyms


def read_interviews(files: str | os.PathLike | Iterable[str | os.PathLike],
                    mapping: str | os.PathLike | Mapping | InterviewMapping | None = None,
                    instrument: Instrument | str | None = None, key: bytes | None = None,
                    positions: str | None = None) -> pd.DataFrame:
    """The tidy ``codings`` table of every interview file given: ``.qdpx`` projects and coded-segments tables.

    ``positions`` sets what the projects' selection positions count (``codepoints``, ``utf16``,
    ``crlf_one``; default the mapping's ``positions:``, else detected: :mod:`relkap.interviews.positions`).

    ``files`` is a list of files or one folder; in a folder, every ``*.qdpx`` and every table whose name
    starts with ``codings`` is read, and ``mapping`` defaults to the folder's ``mapping.yaml``. Everything is
    validated before anything is returned; two interviews with the same name in one kommune and wave are
    an error (their pseudonyms would coincide).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from relkap import synth
    >>> from relkap.params import load_all_kommune_params
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> params = [load_all_kommune_params()[336]]
    >>> _ = synth.write_demo_interviews(d, params, seed=1)
    >>> c = read_interviews(d, key=b"doc")
    >>> list(c.columns) == CODINGS_COLUMNS, sorted(c["theme_kind"].unique().astype(str))
    (True, ['dimension', 'free', 'leadership', 'structure', 'tie'])
    """
    return check_interviews(files, mapping, instrument, positions).codings(key if key is not None else pseudonym_key())


def read_qdpx(path: str | os.PathLike, mapping: str | os.PathLike | Mapping | InterviewMapping,
              instrument: Instrument | str | None = None, key: bytes | None = None,
              positions: str | None = None) -> pd.DataFrame:
    """The tidy ``codings`` table (module docstring) of one REFI-QDA project.

    ``key`` overrides the pseudonymisation key (default :func:`relkap.io.pseudonym_key`, as for respondents);
    ``positions`` the unit of its selection positions (:func:`read_interviews`).
    """
    return read_interviews([path], mapping, instrument=instrument, key=key, positions=positions)


def read_coded_segments(path: str | os.PathLike, mapping: str | os.PathLike | Mapping | InterviewMapping,
                        instrument: Instrument | str | None = None, key: bytes | None = None) -> pd.DataFrame:
    """The tidy ``codings`` table of a coded-segments table (CSV/xlsx; encodings as the survey files).

    Columns ``source``, ``code`` and, unless the mapping's ``sources:`` gives them, ``kommune``, ``wave``
    (``group`` optional); ``valence`` (strength/styrke, problem, or blank) and ``segments`` (a count,
    default 1) are optional. ``code`` may be a path ``Problem/Relationer/myndighed -> skole``.
    """
    return read_interviews([path], mapping, instrument=instrument, key=key)


def check_interviews(files: str | os.PathLike | Iterable[str | os.PathLike],
                     mapping: str | os.PathLike | Mapping | InterviewMapping | None = None,
                     instrument: Instrument | str | None = None, positions: str | None = None) -> CheckedInterviews:
    """Read and validate interview files as :func:`read_interviews` does, without pseudonymising yet."""
    if isinstance(files, str | os.PathLike) and Path(files).is_dir():
        folder = Path(files)
        paths = interview_files(folder)
        if mapping is None:
            mapping = folder / "mapping.yaml"
    else:
        paths = [Path(files)] if isinstance(files, str | os.PathLike) else [Path(f) for f in files]
    if mapping is None:
        raise InputError(paths[0] if paths else "<interviews>", "no interview mapping given",
                         fix="Pass mapping= (a YAML file); see the README, 'Interviews beside the survey'")
    m = load_mapping(mapping, instrument)
    if positions is not None:
        m = _with_positions(m, positions)
    raw, notes = _raw_codings(paths, m)
    _check_unique_sources(raw)
    raw = _with_units(raw)
    where: dict[tuple[int, str], set[str]] = {}
    for k, w, f in raw[["kommune", "wave", "_file"]].drop_duplicates().itertuples(index=False):
        where.setdefault((int(k), str(w)), set()).add(str(f))
    resolved = resolve_codings(raw, m)
    if "_valence" in resolved.columns:  # a table's valence column wins over the code's
        resolved["valence"] = resolved["_valence"].where(resolved["_valence"].notna(), resolved["valence"])
    return CheckedInterviews(m, resolved, where, notes)


@dataclass
class CheckedInterviews:
    """Interview files read and validated, not yet pseudonymised (:func:`check_interviews`).

    An import validates every file before it has the store's key; :meth:`codings` then makes the table.
    """

    mapping: InterviewMapping
    resolved: pd.DataFrame  # one row per coding with its theme and the raw source name: never stored
    files: dict[tuple[int, str], set[str]]  # (kommune, wave) -> the files holding interviews of it
    notes: list[str] = field(default_factory=list)  # per file: position unit, codings not read, uncoded sources

    def codings(self, key: bytes) -> pd.DataFrame:
        """The tidy ``codings`` table, sources pseudonymised with ``key``."""
        return _codings(self.resolved, self.mapping, key)


def interview_files(folder: str | os.PathLike) -> list[Path]:
    """The interview files of a folder: every ``*.qdpx`` and every table whose name starts with ``codings``."""
    folder = Path(folder)
    return sorted(f for f in folder.iterdir() if f.is_file() and (
        f.suffix.lower() == ".qdpx" or (f.suffix.lower() in TABLE_SUFFIXES and f.stem.lower().startswith("codings"))))


def empty_codings(instrument: Instrument | str | None = None) -> pd.DataFrame:
    """A codings table without rows (the contract's columns and dtypes), for a store without interviews.

    Examples
    --------
    >>> list(empty_codings().columns) == CODINGS_COLUMNS, len(empty_codings())
    (True, 0)
    """
    inst = load_instrument(instrument)
    return _codings(pd.DataFrame(), InterviewMapping(instrument=inst), b"")


def resolve_codings(raw: pd.DataFrame, mapping: InterviewMapping) -> pd.DataFrame:
    """One row per coding of ``raw`` (:attr:`relkap.interviews.refi.Project.rows`) with its code, theme and valence
    as ``mapping`` says; valence markers give their valence to the other codes of the same selection and are
    dropped; ignored (and, with free_themes: drop, free) codes are dropped."""
    if raw.empty:
        return raw.assign(theme_kind=pd.Series(dtype=object), theme=pd.Series(dtype=object),
                          rater=pd.Series(dtype=object), target=pd.Series(dtype=object),
                          valence=pd.Series(dtype=object), code=pd.Series(dtype=object))
    rules = {p: mapping.rule(p) for p in raw["code_path"].unique()}
    r = raw.copy()
    r["code"] = [("/".join(p)) for p in r["code_path"]]
    merged = [rules[p][0] for p in r["code_path"]]
    r["_marker"] = [rules[p][1] for p in r["code_path"]]
    r["_ignore"] = [m.ignore for m in merged]
    r["theme_kind"] = [m.theme_kind or "free" for m in merged]
    r["theme"] = [m.theme if m.theme_kind else p[-1] for m, p in zip(merged, r["code_path"], strict=True)]
    r["rater"] = [m.rater for m in merged]
    r["target"] = [m.target for m in merged]
    r["valence"] = [m.valence for m in merged]
    r = r[~r["_ignore"]]
    # a valence marker coded on the same selection gives its valence to the theme codes there
    sel_key = ["_file", "source_name", "selection"] if "_file" in r.columns else ["source_name", "selection"]
    markers = r[r["_marker"]]
    if len(markers):
        per_sel = markers.groupby(sel_key, dropna=False)["valence"].agg(lambda v: v.iloc[0] if v.nunique() == 1
                                                                       else None)
        given = r.join(per_sel.rename("_given"), on=sel_key)["_given"]
        r["valence"] = r["valence"].where(r["valence"].notna(), given)
    r = r[~r["_marker"]]
    if not mapping.free_themes:
        r = r[r["theme_kind"] != "free"]
    return r.drop(columns=["_marker", "_ignore"]).reset_index(drop=True)


def source_pseudonyms(kommune, source_name, key: bytes) -> np.ndarray:
    """The pseudonyms of interviews: :func:`relkap.io.pseudonymise` of kommune and source name with the
    respondents' key, in a domain of their own so that no interview shares a pseudonym with a respondent."""
    return pseudonymise(kommune, _PSEUDONYM_DOMAIN + pd.Series(source_name).astype(str), key).to_numpy()


def _codings(resolved: pd.DataFrame, mapping: InterviewMapping, key: bytes) -> pd.DataFrame:
    """Aggregate resolved codings to the tidy codings table (pseudonymised sources, contract dtypes)."""
    inst = mapping.instrument
    groups = pd.CategoricalDtype(inst.group_codes)
    r = resolved.copy()
    if r.empty:
        out = pd.DataFrame({c: pd.Series(dtype=object) for c in CODINGS_COLUMNS})
    else:
        r["source"] = source_pseudonyms(r["kommune"], r["source_name"], key)
        keys = ["kommune", "wave", "source", "group", "code", "theme_kind", "theme", "rater", "target", "valence",
                "coder", "unit", "first_coder"]
        for col in ("coder", "unit", "first_coder"):
            if col not in r.columns:
                r[col] = None if col != "first_coder" else True
        r["_sel"] = r["selection"].astype(str)
        out = (r.groupby(keys, dropna=False, sort=True)["_sel"].nunique().rename("segments").reset_index())
    out = pd.DataFrame({
        "kommune": out["kommune"].astype("int16"),
        "wave": out["wave"].astype(pd.CategoricalDtype(inst.waves.codes)),
        "source": out["source"].astype("string"),
        "group": out["group"].astype(groups),
        "code": out["code"].astype("string"),
        "theme_kind": out["theme_kind"].astype(pd.CategoricalDtype(THEME_KINDS)),
        "theme": out["theme"].astype("string"),
        "rater": out["rater"].astype(groups),
        "target": out["target"].astype(groups),
        "valence": out["valence"].astype(pd.CategoricalDtype(VALENCES)),
        "segments": out["segments"].astype("int32") if len(out) else pd.Series(dtype="int32"),
        "coder": out["coder"].astype("string"),
        "unit": out["unit"].astype("Int32"),
        "first_coder": out["first_coder"].astype("bool"),
    })
    return out.sort_values(["kommune", "wave", "source", "theme_kind", "theme", "valence", "coder", "unit"],
                           ignore_index=True)


def _check_unique_sources(raw: pd.DataFrame) -> None:
    """Two different interviews (files or guids) with the same name, kommune and wave would be merged."""
    if raw.empty:
        return
    ids = raw.assign(_id=raw["_file"].astype(str) + "\x1f" + raw["source_guid"].astype(str))
    n = ids.groupby(["kommune", "wave", "source_name"], dropna=False)["_id"].nunique()
    dup = n[n > 1]
    groups = ids.groupby(["_id", "kommune", "wave", "source_name"], dropna=False)["group"].nunique(dropna=False)
    if (groups > 1).any():
        _id, k, w, name = groups[groups > 1].index[0]
        raise InputError(_id.split("\x1f")[0], f"the interview '{name}' (kommune {k}, {w}) has more than one"
                         " group", column="group", fix="An interview has one interviewee group: correct the rows")
    if len(dup):
        (k, w, name) = dup.index[0]
        files = sorted(set(ids.loc[(ids["kommune"] == k) & (ids["wave"] == w) & (ids["source_name"] == name),
                                   "_file"].astype(str)))
        raise InputError(files[0], f"two interviews of kommune {k}, {w}, have the same source name '{name}'"
                         f" (in {', '.join(files)})",
                         fix="Give every interview its own name: the name is what its pseudonym is made of")


def _with_positions(mapping: InterviewMapping, positions: str) -> InterviewMapping:
    if positions not in POSITION_UNITS:
        raise ValueError(f"positions must be one of {', '.join(POSITION_UNITS)}, not {positions!r}")
    return replace(mapping, positions=positions)


def _raw_codings(paths: Iterable[str | os.PathLike], m: InterviewMapping) -> tuple[pd.DataFrame, list[str]]:
    parts, notes = [], []
    for p in paths:
        p = Path(p)
        if p.suffix.lower() == ".qdpx":
            project = read_project(p, m)
            raw = project.rows.assign(_valence=None, segment=None)
            notes.append(project_note(project))
        elif p.suffix.lower() in TABLE_SUFFIXES:
            raw = segment_rows(p, m)
        else:
            raise InputError(p, f"not an interview file ('{p.suffix}')",
                             fix="Give REFI-QDA projects (.qdpx) or coded-segments tables (.csv, .xlsx)")
        if raw.empty:
            what = (project_note(project) if p.suffix.lower() == ".qdpx" else "the table has no coded segments")
            raise InputError(p, f"no codings to import ({what})",
                             fix="Export the project after coding its interviews as text (a transcript as a text"
                             " document), or leave the file out")
        parts.append(raw.assign(_file=str(p)))
    if not parts:
        return pd.DataFrame(columns=["source_guid", "source_name", "selection", "start", "end", "code_path",
                                     "_valence", *SOURCE_FIELDS, "coder", "coder_rank", "segment", "_file"]), notes
    return pd.concat(parts, ignore_index=True), notes


def project_note(project: Project) -> str:
    """What an import says about a project: interviews read, the positions' unit, and what was not read."""
    n = project.rows["source_guid"].nunique()
    parts = [f"{project.path.name}: {n} interview{'s' if n != 1 else ''} with codings"]
    if n:
        parts.append(f"positions counted as {project.unit} ({project.unit_reason})")
    if project.uncoded:
        parts.append(f"{project.uncoded} text source{'s' if project.uncoded != 1 else ''} without codings (not"
                     " counted as interviews)")
    if project.dropped:
        shown = ", ".join(f"{v} on {k} sources" if k != "transcript" else f"{v} on transcripts"
                          for k, v in sorted(project.dropped.items()))
        parts.append(f"codings not read: {shown} (relkap reads codings of text sources; import a transcript as a"
                     " text document)")
    if project.case_codings:
        parts.append(f"{project.case_codings} codings of {project.case_codes} codes that are cases (a Case refers to"
                     " them or has their name) removed from the themes")
    return "; ".join(parts)


def _with_units(raw: pd.DataFrame) -> pd.DataFrame:
    """Each coding's ``unit`` (the passage it lies in: overlapping selections of all coders of an interview
    merged; a table's ``segment``) and whether its coder is the interview's ``first_coder`` (the first of the
    project's Users, or of the table's coders, who coded it; codings without a coder count as one coder)."""
    r = raw.copy()
    r["unit"] = pd.array([pd.NA] * len(r), dtype="Int32")
    r["first_coder"] = True
    if r.empty:
        return r
    ident = r["_file"].astype(str) + "\x1f" + r["source_guid"].astype(str) + "\x1f" + r["source_name"].astype(str)
    units = np.full(len(r), -1, dtype=np.int64)
    for _, idx in r.groupby(ident, sort=False).indices.items():
        sub = r.iloc[idx]
        if sub["segment"].notna().any():
            codes, _ = pd.factorize(sub["segment"])
            units[idx] = codes
            continue
        start = pd.to_numeric(sub["start"], errors="coerce").to_numpy(dtype=float)
        end = pd.to_numeric(sub["end"], errors="coerce").to_numpy(dtype=float)
        has = ~np.isnan(start) & ~np.isnan(end)
        order = np.argsort(np.where(has, start, np.inf), kind="stable")
        unit, reach = -1, -np.inf
        for k in order:
            if not has[k]:
                continue
            if start[k] >= reach:  # no overlap with the passage so far: a new unit
                unit += 1
            reach = max(reach, end[k]) if start[k] < reach else end[k]
            units[idx[k]] = unit
    r["unit"] = pd.array(np.where(units >= 0, units, 0), dtype="Int32")
    r.loc[units < 0, "unit"] = pd.NA
    rank = pd.to_numeric(r["coder_rank"], errors="coerce").fillna(0).to_numpy()
    first = pd.Series(rank).groupby(ident.to_numpy()).transform("min").to_numpy()
    r["first_coder"] = rank == first
    return r
