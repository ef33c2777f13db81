"""Per-kommune parameter files (``params/kommuner/<code>.yaml``), validated into a typed model."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PositiveInt, ValidationError, field_validator

from . import config
from .errors import InstrumentError
from .instrument import format_validation_error
from .kommuner import KOMMUNER

__all__ = ["KommuneParams", "load_kommune_params", "load_all_kommune_params", "dump_kommune_params"]


class KommuneParams(BaseModel):
    """What the batch needs to know about one kommune.

    ``targeted_ties`` lists the directed ties (rater group, target group) the kommune's leadership
    interventions aimed at; empty for control kommuner. ``invited`` (optional) gives the number of employees
    invited per wave and group (``{wave: {group: n}}``), from which the report computes response rates.
    """

    model_config = ConfigDict(extra="forbid")

    kommune: int
    name: str
    groups: list[str] = Field(min_length=2)
    focal_process: str
    arm: Literal["intervention", "control"]
    targeted_ties: list[tuple[str, str]] = []
    invited: dict[str, dict[str, PositiveInt]] = {}

    @field_validator("kommune")
    @classmethod
    def _official(cls, v: int) -> int:
        if v not in KOMMUNER:
            raise ValueError(f"{v} is not the official code of a Danish kommune (e.g. 751 for Aarhus)")
        return v


def load_kommune_params(path: str | Path) -> KommuneParams:
    p = Path(path)
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InstrumentError(f"{p}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise InstrumentError(f"{p}: expected a mapping with kommune:, name:, groups:, focal_process:, arm:")
    try:
        return KommuneParams.model_validate(raw)
    except ValidationError as exc:
        raise InstrumentError(format_validation_error(p, exc)) from None


def load_all_kommune_params(folder: str | Path | None = None) -> dict[int, KommuneParams]:
    """Every ``*.yaml`` in ``folder`` (default ``params/kommuner``), keyed by kommune code."""
    d = config.resolve(folder, config.KOMMUNE_PARAMS_DIR)
    out: dict[int, KommuneParams] = {}
    for f in sorted(d.glob("*.yaml")):
        kp = load_kommune_params(f)
        out[kp.kommune] = kp
    return out


def dump_kommune_params(kp: KommuneParams) -> str:
    """YAML text of a parameter file (stable key order, Danish letters kept)."""
    data = kp.model_dump()
    data["targeted_ties"] = [list(t) for t in kp.targeted_ties]
    if not kp.invited:  # files without invited counts stay as they were
        data.pop("invited")
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110)
