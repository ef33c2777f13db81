"""Coded-segments tables: the interviews of teams that code in a spreadsheet (CSV/xlsx, read like the survey
exports), one row per coded segment with ``source``, ``kommune``, ``wave``, ``group``, ``code`` and optionally
``valence``, ``segments`` (a count standing for that many segments), ``coder`` (who coded it; the first coder
in the table is the interview's first coder) and ``segment`` (an id of the passage within the interview, shared
by the coders who coded it: the unit of intercoder agreement).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..raw import read_raw
from .mapping import SOURCE_FIELDS, InterviewMapping, recode, source_fields
from .refi import NO_CODER_RANK

__all__ = ["segment_rows", "TABLE_SUFFIXES"]

TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")
# Valence words a coded-segments table may use (besides the mapping's values:); compared case-insensitively.
_VALENCE_WORDS = {"strength": "strength", "styrke": "strength", "+": "strength", "positiv": "strength",
                  "positive": "strength", "problem": "problem", "-": "problem", "negativ": "problem",
                  "negative": "problem", "udfordring": "problem"}


def segment_rows(path: Path, mapping: InterviewMapping) -> pd.DataFrame:
    """The coded segments of a table as :attr:`relkap.interviews.refi.Project.rows` has a project's codings: one row
    per segment (a row with ``segments: n`` gives ``n``) with the raw source name and code path, each
    interview's kommune, wave and group found as ``mapping`` says, and the row's own valence (``_valence``).

    ``code`` may be a path ``Problem/Relationer/myndighed -> skole``. An
    :class:`~relkap.errors.InputError` names the file, the row and the column."""
    df = read_raw(path)
    if mapping.columns:
        missing = [c for c in mapping.columns if c not in df.columns]
        if missing:
            raise InputError(path, f"the mapping's columns: names columns the table does not have: {missing}",
                             fix=f"The table has: {', '.join(map(str, df.columns[:10]))}")
        df = df.rename(columns=mapping.columns)
    need = [c for c in ("source", "code") if c not in df.columns]
    if need:
        raise InputError(path, f"missing required column{'s' if len(need) > 1 else ''} {', '.join(need)}",
                         fix="A coded-segments table has the columns source, kommune, wave, group, code and"
                         " optionally valence and segments (or map yours under columns: in the mapping)")
    rows = []
    coders: dict[str, int] = {}  # coder -> order of first appearance (the first coder counts, see codings)
    # read_raw numbers the rows as the spreadsheet does (header = row 1, empty rows counted)
    for row_no, rec in zip(df.index, df.to_dict("records"), strict=True):
        where = f"row {row_no}"
        name = rec.get("source")
        code = rec.get("code")
        if not isinstance(name, str) or not name.strip() or not isinstance(code, str) or not code.strip():
            raise InputError(path, "source and code must not be blank", rows=[row_no],
                             column="source" if not isinstance(name, str) else "code",
                             fix="Fill in the interview's name and the code on every row")
        found = {f: [(str(rec[f]), f"{where}, column '{f}'")] for f in SOURCE_FIELDS
                 if f in rec and isinstance(rec[f], str) and rec[f].strip()}
        attrs = source_fields(name.strip(), found, mapping, path, where)
        n = 1
        if isinstance(rec.get("segments"), str):
            text = rec["segments"].strip()
            if not text.isdigit() or int(text) < 1:
                raise InputError(path, f"segments must be a whole number of at least 1, not '{text}'",
                                 rows=[row_no], column="segments")
            n = int(text)
        valence = None
        if isinstance(rec.get("valence"), str) and rec["valence"].strip():
            v = recode("valence", rec["valence"].strip(), mapping)
            valence = _VALENCE_WORDS.get(v.casefold())
            if valence is None:
                raise InputError(path, f"unknown valence '{rec['valence']}'", rows=[row_no], column="valence",
                                 fix="Allowed: strength (styrke) or problem, or blank")
        path_parts = tuple(p.strip() for p in code.split("/") if p.strip())
        coder = rec["coder"].strip() if isinstance(rec.get("coder"), str) and rec["coder"].strip() else None
        segment = rec["segment"].strip() if isinstance(rec.get("segment"), str) and rec["segment"].strip() else None
        if coder is not None and coder not in coders:
            coders[coder] = len(coders)
        for j in range(n):
            rows.append({"source_guid": "", "source_name": name.strip(), "selection": f"{row_no}.{j}",
                         "start": None, "end": None, "code_path": path_parts, "_valence": valence, **attrs,
                         "coder": coder, "coder_rank": coders.get(coder, NO_CODER_RANK), "segment": segment})
    cols = ["source_guid", "source_name", "selection", "start", "end", "code_path", "_valence", *SOURCE_FIELDS,
            "coder", "coder_rank", "segment"]
    return pd.DataFrame(rows, columns=cols)

