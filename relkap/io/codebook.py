"""The codebook a store was imported with: recorded beside the tables, used by default, and checked.

An import writes a copy of its codebook into the store (``codebook.yaml``) and records in ``store.json`` its
content hash and the waves and groups it declared. Every command and notebook then reads the store with
that codebook unless told otherwise (:func:`store_codebook_path`), so the wave names, the group order and
the keying a report uses are those the answers were scored with. A later import with a codebook that would
change the meaning of stored answers (drop or reorder a stored wave, drop a stored group, key an item
differently) is refused (:func:`codebook_conflicts`), and a report run whose codebook lacks a wave or group
in the data is refused before it starts (:func:`check_data_declared`).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import yaml

from .. import config
from ..errors import InputError, RelkapError, listing
from ..instrument import Instrument, load_instrument

__all__ = ["CODEBOOK_FILE", "codebook_hash", "codebook_record", "codebook_text", "codebook_conflicts",
           "store_codebook_path", "store_instrument", "data_waves_groups", "check_data_declared"]

CODEBOOK_FILE = "codebook.yaml"  # the copy of the codebook inside the store


def codebook_hash(inst: Instrument) -> str:
    """SHA-256 of the codebook's validated content (the same codebook in the old two-wave form and in the
    list form has the same hash; comments and key order do not count)."""
    text = json.dumps(inst.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def codebook_record(inst: Instrument) -> dict:
    """What ``store.json`` records of the codebook: name, hash, and the waves (in order) and groups declared."""
    return {"name": inst.name, "sha256": codebook_hash(inst), "file": CODEBOOK_FILE,
            "waves": inst.waves.codes, "groups": inst.group_codes}


def codebook_text(inst: Instrument) -> str:
    """The codebook as YAML (loadable by :func:`~relkap.instrument.load_instrument`), for the store's copy."""
    head = "# The codebook this store was imported with (written by relkap import; do not edit: import again).\n"
    return head + yaml.safe_dump(inst.model_dump(mode="json", exclude_none=True), allow_unicode=True, sort_keys=False)


def store_codebook_path(data_dir: str | os.PathLike | None, instrument: str | os.PathLike | None = None) -> Path:
    """The codebook to use with the store ``data_dir``: ``instrument`` when given, else the store's own copy,
    else the project's ``params/instrument.yaml`` (a store imported before stores kept their codebook)."""
    if instrument is not None and str(instrument) != "":
        return config.resolve(instrument, config.INSTRUMENT_PATH)
    copy = config.resolve(data_dir, config.PROCESSED_DIR) / CODEBOOK_FILE
    return copy if copy.is_file() else config.INSTRUMENT_PATH


def store_instrument(data_dir: str | os.PathLike | None,
                     instrument: Instrument | str | os.PathLike | None = None) -> Instrument:
    """The validated codebook for the store ``data_dir`` (see :func:`store_codebook_path`)."""
    if isinstance(instrument, Instrument):
        return instrument
    return load_instrument(store_codebook_path(data_dir, instrument))


def data_waves_groups(tables: dict[str, pd.DataFrame | None]) -> tuple[set[str], set[str]]:
    """The wave labels and group codes (raters and targets) that occur in a store's tables."""
    waves: set[str] = set()
    groups: set[str] = set()
    for t in tables.values():
        if t is None or not len(t):
            continue
        if "wave" in t.columns:
            waves |= {str(w) for w in pd.unique(t["wave"].dropna().astype(str))}
        for col in ("group", "target"):
            if col in t.columns:
                groups |= {str(g) for g in pd.unique(t[col].dropna().astype(str))}
    return waves, groups


def _scoring(inst: Instrument) -> dict:
    """What gives a stored score its meaning: the scale, missing codes and each item's keying."""
    return {"scale": inst.scale.model_dump(), "missing_codes": sorted(inst.missing_codes),
            "relational": {r.code: r.keying for r in inst.relational},
            "scales": {s.code: (s.items, sorted(s.reverse), s.custom) for s in inst.scales}}


def codebook_conflicts(new: Instrument, waves: set[str], groups: set[str], stored: Instrument | None = None
                       ) -> list[str]:
    """How importing with ``new`` would change the meaning of a store holding ``waves`` and ``groups`` (and
    imported with ``stored``, when known): one sentence per conflict, ``[]`` when the codebook fits.

    A codebook may add waves (in their place in time) and groups; it may not drop or reorder a stored wave,
    drop a stored group, or score a stored item differently.

    Examples
    --------
    >>> from relkap.instrument import load_instrument
    >>> rk = load_instrument()
    >>> codebook_conflicts(rk, {"baseline", "followup"}, {"skole"})
    []
    >>> codebook_conflicts(rk, {"baseline", "midtvejs"}, {"skole", "familiehus"})
    ["the store holds wave 'midtvejs', which the codebook does not declare (it declares baseline, followup)", "the store holds group 'familiehus', which the codebook does not declare"]
    """
    out = []
    declared = new.waves.codes
    for w in sorted(waves - set(declared)):
        out.append(f"the store holds wave '{w}', which the codebook does not declare (it declares {', '.join(declared)})")
    out += [f"the store holds group '{g}', which the codebook does not declare" for g in sorted(groups - set(new.group_codes))]
    if stored is not None:
        before = [w for w in stored.waves.codes if w in waves and w in declared]
        after = [w for w in declared if w in set(before)]
        if before != after:
            out.append(f"the codebook orders the stored waves {', '.join(after)}; the store has them as {', '.join(before)}")
        old, now = _scoring(stored), _scoring(new)
        for part in ("scale", "missing_codes"):
            if old[part] != now[part]:
                out.append(f"the codebook's {part} {now[part]} differs from the store's {old[part]}")
        for part in ("relational", "scales"):
            changed = [c for c, v in old[part].items() if c in now[part] and now[part][c] != v]
            if changed:
                out.append(f"the codebook keys {part} {', '.join(changed)} differently from the store")
    return out


def check_data_declared(data_dir: str | os.PathLike | None, inst: Instrument, codebook: object = None) -> None:
    """Refuse, before anything runs, a codebook that lacks a wave or group of the store ``data_dir``.

    The message names the store, the labels and the fix (``--instrument`` with a codebook that declares them,
    or the store's own codebook).
    """
    d = config.resolve(data_dir, config.PROCESSED_DIR)
    tables = {}
    for name, cols in (("relations", ["wave", "group", "target"]), ("scales", ["wave", "group"])):
        path = d / f"{name}.parquet"
        try:  # only the columns the table has (a hand-made store may lack some): the others are not checked
            have = set(pq.read_schema(path).names)
            tables[name] = pd.read_parquet(path, columns=[c for c in cols if c in have])
        except FileNotFoundError:
            continue
        except Exception as exc:  # not a parquet file, or one without the contract's columns
            raise InputError(d / f"{name}.parquet", f"cannot read the processed table ({type(exc).__name__}: {exc})",
                             fix="Import the raw exports again: relkap import RAW --rebuild") from None
    waves, groups = data_waves_groups(tables)
    problems = codebook_conflicts(inst, waves, groups)
    if problems:
        own = d / CODEBOOK_FILE
        fix = (f"run with the store's own codebook (leave out --instrument; it is {own})" if own.is_file() else
               "pass --instrument with a codebook that declares them (waves: and groups: in the codebook)")
        raise RelkapError(f"{d}: the codebook {codebook or inst.name} does not fit the data: {listing(problems, 4)}."
                          f" Fix: {fix}. Nothing was run.")
