"""PRIVATE quotes: the coded text behind a cell, for the researcher's own machine only (the explorer's quote
view). Quotes identify people: nothing here is for a report, a summary, an export or anything shared.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..instrument import Instrument
from ..pseudonym import pseudonym_key
from .codings import resolve_codings, source_pseudonyms
from .mapping import InterviewMapping, load_mapping
from .refi import read_project

__all__ = ["private_quotes"]


def private_quotes(project: str | os.PathLike, mapping: str | os.PathLike | Mapping | InterviewMapping,
                   kommune: int | None = None, wave: str | None = None, theme: str | None = None,
                   theme_kind: str | None = None, valence: str | None = None,
                   instrument: Instrument | str | None = None, key: bytes | None = None,
                   source_names: bool = False, positions: str | None = None) -> pd.DataFrame:
    """PRIVATE: the coded text behind a cell, read from the ``.qdpx`` by start and end position (in the
    unit the project's exporter counts, :mod:`relkap.interviews.positions`).

    NOT FOR SHARED PRODUCTS. Quotes identify people: use this on the researcher's own machine (the
    explorer's quote view), never in a report, a summary, an export or anything sent to a kommune.

    One row per coded selection matching the filters (``None`` = any): ``kommune, wave, source`` (the
    pseudonym of the codings table), ``group, code, theme_kind, theme, valence, start, end, text``, and
    ``source_name`` only when ``source_names=True`` (to find the passage in the QDA program). The frame
    carries ``attrs["private"] = True``; :func:`relkap.interviews.joint_display` refuses such frames.
    ``positions`` sets the unit of the positions (:func:`relkap.interviews.read_interviews`).
    """
    m = load_mapping(mapping, instrument)
    proj = read_project(project, m, positions)
    raw = proj.rows.assign(_file=str(proj.path))
    r = resolve_codings(raw, m)
    keep = np.ones(len(r), dtype=bool)
    for col, want in (("kommune", kommune), ("wave", wave), ("theme", theme), ("theme_kind", theme_kind),
                      ("valence", valence)):
        if want is not None:
            keep &= (r[col] == want).to_numpy()
    r = r[keep].reset_index(drop=True)
    key = key if key is not None else pseudonym_key()
    texts = proj.texts
    quote = [texts[g][int(s):(None if pd.isna(e) else int(e))] for g, s, e in
             zip(r["source_guid"], r["start"], r["end"], strict=True)]
    out = pd.DataFrame({
        "kommune": r["kommune"].astype("int16"), "wave": r["wave"].astype("string"),
        "source": source_pseudonyms(r["kommune"], r["source_name"], key),
        "group": r["group"].astype("string"), "code": r["code"].astype("string"),
        "theme_kind": r["theme_kind"].astype("string"), "theme": r["theme"].astype("string"),
        "valence": r["valence"].astype("string"), "start": r["start"].astype("Int64"),
        "end": r["end"].astype("Int64"), "text": pd.Series(quote, dtype="string"),
    })
    if source_names:
        out["source_name"] = r["source_name"].astype("string")
    out.attrs["private"] = True
    return out

