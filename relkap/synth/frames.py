"""The synthetic answers as the raw exports' tables: raw answers from keyed scores, one row per respondent.

:func:`relkap.synth.survey.simulate` draws the answers per kommune; these functions stack them into the
employees, citizens and structures tables of the raw contract (``docs/contract.md``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..instrument import Instrument

__all__ = ["raw_of_keyed", "raw_tables", "int_frame", "respondent_ids", "assemble_employees", "assemble",
           "assemble_structures"]


def int_frame(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """Float arrays with NaN (blank) -> nullable integer columns, so the CSV shows 3, not 3.0."""
    return pd.DataFrame({k: pd.array(np.rint(v), dtype="Float64").astype("Int64") for k, v in columns.items()})


def respondent_ids(prefix: str, numbers: np.ndarray) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(numbers.astype(str), 6)).astype(object)


def assemble_employees(parts: Sequence[tuple[int, dict]], inst: Instrument, waves: np.ndarray) -> pd.DataFrame:
    groups = np.array(inst.group_codes, dtype=object)
    rel_cols = [f"{item}__{g}" for item in inst.relational_codes for g in inst.group_codes]
    kommune = np.concatenate([np.full(len(p["wave"]), code) for code, p in parts])
    wave = np.concatenate([p["wave"] for _, p in parts])
    head = pd.DataFrame({
        "kommune": kommune.astype("int64"),
        "wave": waves[wave],
        "respondent_id": respondent_ids("R", np.concatenate([p["id"] for _, p in parts])),
        "group": groups[np.concatenate([p["group"] for _, p in parts])],
    })
    rel = np.concatenate([p["rel"] for _, p in parts])
    rel_frame = int_frame(dict(zip(rel_cols, rel.T, strict=True)))
    items = inst.items_for("employee")
    scale_frame = int_frame({i: np.concatenate([p["scales"][i] for _, p in parts]) for i in items})
    out = pd.concat([head, rel_frame, scale_frame], axis=1)
    return out.sort_values(["kommune", "wave", "respondent_id"], kind="stable", ignore_index=True)


def assemble(parts: Sequence[tuple[int, dict]], waves: np.ndarray, prefix: str, items: list[str]) -> pd.DataFrame:
    kommune = np.concatenate([np.full(len(p["wave"]), code) for code, p in parts])
    head = pd.DataFrame({
        "kommune": kommune.astype("int64"),
        "wave": waves[np.concatenate([p["wave"] for _, p in parts])],
        "respondent_id": respondent_ids(prefix, np.concatenate([p["id"] for _, p in parts])),
    })
    body = int_frame({i: np.concatenate([p["items"][i] for _, p in parts]) for i in items})
    out = pd.concat([head, body], axis=1)
    return out.sort_values(["kommune", "wave", "respondent_id"], kind="stable", ignore_index=True)


def assemble_structures(parts: Sequence[tuple[int, dict]], waves: np.ndarray, items: list[str],
                        coders: Sequence[str]) -> pd.DataFrame:
    kommune = np.concatenate([np.full(len(p["wave"]), code) for code, p in parts])
    head = pd.DataFrame({
        "kommune": kommune.astype("int64"),
        "wave": waves[np.concatenate([p["wave"] for _, p in parts])],
        "coder": np.array(coders, dtype=object)[np.concatenate([p["coder"] for _, p in parts])],
    })
    body = int_frame({i: np.concatenate([p["items"][i] for _, p in parts]) for i in items})
    out = pd.concat([head, body], axis=1)
    return out.sort_values(["kommune", "wave", "coder"], kind="stable", ignore_index=True)


def raw_of_keyed(inst: Instrument, item: str) -> np.ndarray:
    """Lookup ``raw = table[keyed - min]``: the raw answer whose keyed score is ``keyed``.

    For a custom map that is not one-to-one the raw answer with the nearest score is used.
    """
    lo, hi = inst.scale.min, inst.scale.max
    raws = np.arange(lo, hi + 1, dtype="float64")
    scores = inst.key(item, raws)
    distance = np.abs(scores[None, :] - np.arange(lo, hi + 1)[:, None])
    return raws[np.argmin(np.where(np.isnan(distance), np.inf, distance), axis=1)]


def raw_tables(inst: Instrument) -> dict[str, np.ndarray]:
    """:func:`raw_of_keyed` for every relational and scale item of the codebook."""
    items = [*inst.relational_codes, *(i for s in inst.scales for i in s.items)]
    return {item: raw_of_keyed(inst, item) for item in items}
