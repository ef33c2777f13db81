"""Per-kommune parameter files (``params/kommuner/<code>.yaml``), validated into a typed model.

A kommune in the data without a parameter file still gets a report: :func:`kommune_params` then gives
defaults (its official name, arm unknown, no targeted ties) marked ``source="defaults"`` so the report can
say so, and :func:`write_starting_params` (``relkap params``) writes a starting file to edit.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import pandas as pd
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    StrictBool,
    ValidationError,
    field_validator,
    model_validator,
)

from . import config
from .errors import InputError, InstrumentError
from .files import write_text
from .instrument import format_validation_error
from .kommuner import KOMMUNER, kommune_name

__all__ = [
    "KommuneParams",
    "load_kommune_params",
    "load_all_kommune_params",
    "dump_kommune_params",
    "default_kommune_params",
    "kommune_params",
    "kommuner_in_data",
    "write_starting_params",
]


class KommuneParams(BaseModel):
    """What the batch needs to know about one kommune.

    ``arm`` is ``intervention``, ``control`` or ``unknown`` (the cross-kommune difference-in-differences
    leaves unknown kommuner out). ``targeted_ties`` lists the directed ties (rater group, target group) the
    kommune's leadership interventions aimed at; empty for control kommuner. ``invited`` (optional) gives the
    number of employees invited per wave and group (``{wave: {group: n}}``), from which the report computes
    response rates. ``consent_named`` (default ``false``) is ``true`` only when the kommune has agreed to be
    named in the project's cross-kommune products (the project reference group's brief,
    :mod:`relkap.research.brief`); without it no such product names the kommune. It must be a YAML
    boolean (``true``/``false``), so a typed "ja" or "yes" in quotes is refused rather than read as consent.
    ``source`` is not written in a file: ``"file"`` for a parameter file, ``"defaults"`` when the kommune has
    none (:func:`kommune_params`).
    """

    model_config = ConfigDict(extra="forbid")

    kommune: int
    name: str
    groups: list[str] = Field(default_factory=list)
    focal_process: str = ""
    arm: Literal["intervention", "control", "unknown"] = "unknown"
    targeted_ties: list[tuple[str, str]] = []
    invited: dict[str, dict[str, PositiveInt]] = {}
    consent_named: StrictBool = False
    source: Literal["file", "defaults"] = Field(default="file", exclude=True)

    @field_validator("kommune")
    @classmethod
    def _official(cls, v: int) -> int:
        if v not in KOMMUNER:
            raise ValueError(f"{v} is not the official code of a Danish kommune (e.g. 751 for Aarhus)")
        return v

    @model_validator(mode="after")
    def _file_names_groups(self) -> KommuneParams:
        if self.source == "file" and not self.groups:
            raise ValueError("groups: list the kommune's professional groups (codebook codes)")
        return self


def load_kommune_params(path: str | Path) -> KommuneParams:
    p = Path(path)
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InstrumentError(f"{p}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise InstrumentError(f"{p}: expected a mapping with kommune:, name:, groups:, focal_process:, arm:")
    if "source" in raw:
        raise InstrumentError(f"{p}: key 'source': set by relkap, not in a parameter file; delete it")
    try:
        return KommuneParams.model_validate(raw)
    except ValidationError as exc:
        raise InstrumentError(format_validation_error(p, exc)) from None


def load_all_kommune_params(folder: str | Path | None = None) -> dict[int, KommuneParams]:
    """Every ``*.yaml`` in ``folder`` (default ``params/kommuner``), keyed by kommune code."""
    d = config.resolve(folder, config.KOMMUNE_PARAMS_DIR)
    out: dict[int, KommuneParams] = {}
    where: dict[int, Path] = {}
    for f in sorted(d.glob("*.yaml")):
        kp = load_kommune_params(f)
        if kp.kommune in where:
            raise InstrumentError(f"{f}: kommune {kp.kommune} also has the parameter file {where[kp.kommune].name}: "
                                  "keep one file per kommune (delete or merge the other)")
        out[kp.kommune], where[kp.kommune] = kp, f
    return out


def dump_kommune_params(kp: KommuneParams) -> str:
    """YAML text of a parameter file (stable key order, Danish letters kept)."""
    data = kp.model_dump()
    data["targeted_ties"] = [list(t) for t in kp.targeted_ties]
    if not kp.invited:  # files without invited counts stay as they were
        data.pop("invited")
    if not kp.consent_named:  # no consent is the default: files without it stay as they were
        data.pop("consent_named")
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110)


def default_kommune_params(kommune: int, groups: list[str] | None = None) -> KommuneParams:
    """Parameters of a kommune without a file: official name, arm unknown, no targeted ties."""
    return KommuneParams(kommune=int(kommune), name=kommune_name(kommune), groups=list(groups or []),
                         arm="unknown", source="defaults")


def kommune_params(kommune: int, folder: str | Path | None = None,
                   groups: list[str] | None = None) -> KommuneParams:
    """The kommune's parameter file in ``folder`` (default ``params/kommuner``), else its defaults.

    Defaults have ``source == "defaults"`` (the report notes it); ``groups`` fills their groups. The file is
    usually ``<kommune>.yaml`` (read alone); any other name is found by reading the folder.
    """
    own = config.resolve(folder, config.KOMMUNE_PARAMS_DIR) / f"{int(kommune)}.yaml"
    if own.is_file():
        kp = load_kommune_params(own)
        if kp.kommune == int(kommune):
            return kp
    kp = load_all_kommune_params(folder).get(int(kommune))
    return kp if kp is not None else default_kommune_params(kommune, groups)


def _relations_file(data_dir: str | os.PathLike | None) -> Path:
    d = config.resolve(data_dir, config.PROCESSED_DIR)
    f = d / "relations.parquet"
    if not f.exists():
        raise InputError(d, "no processed tables (relations.parquet)",
                         fix="Import the raw exports first: relkap import RAW --out " + str(d))
    return f


def kommuner_in_data(data_dir: str | os.PathLike | None = None) -> dict[int, list[str]]:
    """The kommuner with employee answers in the processed tables, each with its groups (raters)."""
    f = _relations_file(data_dir)
    try:
        rel = pd.read_parquet(f, columns=["kommune", "group"])
    except Exception as exc:  # not a parquet file, or one without the contract's columns
        raise InputError(f, f"cannot read the processed relations table ({type(exc).__name__}: {exc})",
                         fix="Import the raw exports again: relkap import RAW --rebuild") from None
    order = list(rel["group"].cat.categories) if isinstance(rel["group"].dtype, pd.CategoricalDtype) else []
    out: dict[int, list[str]] = {}
    for k, g in rel.drop_duplicates().groupby("kommune", observed=True)["group"]:
        present = {str(x) for x in g}
        out[int(k)] = [c for c in order if c in present] + sorted(present - set(order))
    return dict(sorted(out.items()))


_STARTING_HEADER = """\
# Parameters of {name}'s report (kommune {kommune}), started by `relkap params` from the data.
# Edit and keep: focal_process (the work process the kommune's collaboration is about), arm (intervention
# or control; unknown leaves the kommune out of the difference-in-differences) and, for an intervention
# kommune, targeted_ties: [[rater group, target group], ...]. groups are those with answers in the data.
# consent_named: true only when the kommune has agreed to be named in the project's cross-kommune brief.
"""


def write_starting_params(data_dir: str | os.PathLike | None = None, params_dir: str | os.PathLike | None = None
                          ) -> list[Path]:
    """A starting ``<code>.yaml`` for each kommune in the data that has no parameter file; returns them.

    Existing files are never touched.
    """
    folder = config.resolve(params_dir, config.KOMMUNE_PARAMS_DIR)
    have = load_all_kommune_params(folder) if folder.is_dir() else {}
    written = []
    for code, groups in kommuner_in_data(data_dir).items():
        path = folder / f"{code}.yaml"
        if code in have or path.exists():
            continue
        kp = KommuneParams(kommune=code, name=kommune_name(code), groups=groups, arm="unknown")
        write_text(path, _STARTING_HEADER.format(name=kp.name, kommune=code) + dump_kommune_params(kp))
        written.append(path)
    return written
