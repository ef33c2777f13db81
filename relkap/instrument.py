"""The instrument codebook: scale, missing codes, groups, relational items and respondent scales.

The RK item wording is proprietary, so the survey is described by a YAML codebook
(``params/instrument.yaml``) rather than hard-coded. It is validated into a typed model when loaded; a
wrong codebook gives an :class:`~relkap.errors.InstrumentError` that names the key.
"""

from __future__ import annotations

import copy
from functools import cached_property
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    ValidationError,
    field_validator,
    model_validator,
)

from . import config, words
from .errors import InstrumentError
from .filememo import FileMemo

__all__ = ["Instrument", "Wave", "Waves", "Group", "RelationalItem", "Scale", "load_instrument", "format_validation_error"]

Language = words.Language


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScaleRange(_Model):
    min: int = 1
    max: int = 5

    @model_validator(mode="after")
    def _ordered(self) -> ScaleRange:
        if self.max <= self.min:
            raise ValueError(f"max ({self.max}) must be larger than min ({self.min})")
        return self

    @property
    def options(self) -> int:
        """Number of response options, A in the r_wg null variance (A^2 - 1) / 12."""
        return self.max - self.min + 1


class Labelled(_Model):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    da: str
    en: str

    def label(self, language: Language = "da") -> str:
        """The Danish (``da``) or English (``en``) label."""
        return getattr(self, words.check_language(language))


class Group(Labelled):
    """A professional group (rater group and target group of the matrix)."""


class RelationalItem(Labelled):
    """A matrix item, asked about every target group.

    ``keying`` is ``positive``, ``reverse`` ((min + max) - raw) or a custom map from raw answer to score
    (RC's frequency item scores positions 1..5 as 1, 3, 5, 4, 2).
    """

    keying: Literal["positive", "reverse"] | dict[int, float] = "positive"
    subscale: str | None = None


class Scale(Labelled):
    """A respondent-level scale; ``instrument`` says which survey it belongs to."""

    instrument: Literal["employee", "citizen", "structures"]
    items: list[str] = Field(min_length=1)
    reverse: list[str] = []
    custom: dict[str, dict[int, float]] = {}

    @model_validator(mode="after")
    def _keyed_items_exist(self) -> Scale:
        for item in [*self.reverse, *self.custom]:
            if item not in self.items:
                raise ValueError(f"keyed item '{item}' is not one of the scale's items {self.items}")
        return self


class Bands(_Model):
    """Tie strength bands: weak < ``weak_below`` <= moderate <= ``strong_above`` < strong.

    The defaults (3.5 and 4.0) are used in practice but not confirmed as official: configurable.
    """

    weak_below: float = 3.5
    strong_above: float = 4.0

    @model_validator(mode="after")
    def _ordered(self) -> Bands:
        if self.strong_above < self.weak_below:
            raise ValueError("strong_above must be at least weak_below")
        return self


class Wave(_Model):
    """One measurement: the label the exports use (``code``), its display names and, optionally, when it was
    (``date``: a day, month or period as the study names it, e.g. ``"2025-03"`` or ``"forår 2025"``)."""

    code: str = Field(min_length=1, pattern=r"^\S(.*\S)?$")
    da: str
    en: str
    date: str | None = None

    def label(self, language: Language = "da") -> str:
        """The Danish (``da``) or English (``en``) display name."""
        return getattr(self, words.check_language(language))


_TWO_WAVE_KEYS = ("baseline", "followup")


def _two_wave_form(raw: dict) -> list[dict]:
    """The waves of an old two-wave codebook (``waves: {baseline: b, followup: f}``) as the ordered list."""
    unknown = [k for k in raw if k not in _TWO_WAVE_KEYS]
    if unknown:
        raise ValueError(
            f"unknown key(s) {unknown}: waves is an ordered list, e.g. waves: [{{code: baseline, da: Førmåling,"
            " en: Baseline}, {code: midtvejs, da: Midtvejsmåling, en: Midway}, {code: followup, da: Eftermåling,"
            " en: Follow-up}] (the old form {baseline: ..., followup: ...} declares exactly two waves)")
    return [{"code": str(raw.get(role, role)), "da": words.text(f"glossary.{role}", "da"),
             "en": words.text(f"glossary.{role}", "en")} for role in _TWO_WAVE_KEYS]


class Waves(RootModel[list[Wave]]):
    """The measurements in time order (at least one). ``waves.baseline`` is the first wave's code and
    ``waves.followup`` the latest's (the pair the two-wave comparisons use).

    Examples
    --------
    >>> w = Waves.model_validate([{"code": "b", "da": "Før", "en": "Before"}, {"code": "m", "da": "Midt", "en": "Mid"},
    ...                           {"code": "f", "da": "Efter", "en": "After"}])
    >>> w.codes, w.first, w.latest, w.previous("f"), w.previous(), w.name("m", "en")
    (['b', 'm', 'f'], 'b', 'f', 'm', 'm', 'Mid')
    >>> Waves.model_validate({"baseline": "t0", "followup": "t1"}).codes  # the old two-wave form
    ['t0', 't1']
    """

    model_config = ConfigDict(frozen=True)
    root: list[Wave] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _old_form(cls, data: object) -> object:
        return _two_wave_form(data) if isinstance(data, dict) else data

    @model_validator(mode="after")
    def _unique(self) -> Waves:
        codes = [w.code for w in self.root]
        dup = sorted({c for c in codes if codes.count(c) > 1})
        if dup:
            raise ValueError(f"duplicate wave codes: {dup}")
        return self

    def __iter__(self):
        return iter(self.root)

    def __len__(self) -> int:
        return len(self.root)

    @property
    def codes(self) -> list[str]:
        """The wave codes in time order."""
        return [w.code for w in self.root]

    @property
    def first(self) -> str:
        """The first wave's code (the baseline)."""
        return self.root[0].code

    @property
    def latest(self) -> str:
        """The latest wave's code."""
        return self.root[-1].code

    baseline = first
    followup = latest

    def previous(self, code: str | None = None) -> str | None:
        """The wave before ``code`` (default: before the latest); ``None`` for the first wave."""
        i = self.index(self.latest if code is None else code)
        return self.root[i - 1].code if i > 0 else None

    def index(self, code: object) -> int:
        """Position of a wave code (0 = first); a :class:`KeyError` naming the declared waves if unknown."""
        try:
            return self.codes.index(str(code))
        except ValueError:
            raise KeyError(f"wave '{code}' is not declared in the codebook (waves: {', '.join(self.codes)})") from None

    def get(self, code: object) -> Wave | None:
        """The :class:`Wave` of a code, ``None`` if the codebook lacks it."""
        return next((w for w in self.root if w.code == str(code)), None)

    def name(self, code: object, language: Language = "da") -> str:
        """Display name of a wave code ("Førmåling"); the code itself for a wave the codebook lacks."""
        w = self.get(code)
        return w.label(language) if w is not None else str(code)

    def present(self, codes) -> list[str]:
        """The declared waves among ``codes``, in time order."""
        have = {str(c) for c in codes}
        return [c for c in self.codes if c in have]


class Privacy(_Model):
    """The codebook's disclosure settings: the floor under ``min_n`` (:func:`relkap.privacy.check_min_n`)."""

    min_n_floor: int = Field(5, ge=1)


class Instrument(_Model):
    """A validated codebook. Load it with :func:`load_instrument`."""

    name: str = "relkap"
    scale: ScaleRange = ScaleRange()
    missing_codes: list[int] = [9]
    min_items: int = Field(4, ge=1)
    bands: Bands = Bands()
    privacy: Privacy = Privacy()
    waves: Waves = Field(default_factory=lambda: Waves.model_validate({}))
    groups: list[Group] = Field(min_length=2)
    relational: list[RelationalItem] = Field(min_length=1)
    scales: list[Scale] = []

    @field_validator("missing_codes")
    @classmethod
    def _codes_unique(cls, v: list[int]) -> list[int]:
        if len(set(v)) != len(v):
            raise ValueError("missing codes must be unique")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Instrument:
        for kind, codes in (
            ("group", [g.code for g in self.groups]),
            ("relational item", [r.code for r in self.relational]),
            ("scale", [s.code for s in self.scales]),
        ):
            dup = sorted({c for c in codes if codes.count(c) > 1})
            if dup:
                raise ValueError(f"duplicate {kind} codes: {dup}")
        for code in self.missing_codes:
            if self.scale.min <= code <= self.scale.max:
                raise ValueError(f"missing code {code} lies inside the scale {self.scale.min}-{self.scale.max}")
        if self.min_items > len(self.relational):
            raise ValueError(
                f"min_items ({self.min_items}) is larger than the number of relational items ({len(self.relational)})"
            )
        items = [i for s in self.scales for i in s.items]
        dup = sorted({i for i in items if items.count(i) > 1})
        if dup:
            raise ValueError(f"items used by more than one scale: {dup}")
        return self

    # -- lookups ---------------------------------------------------------------------------------
    @cached_property
    def group_codes(self) -> list[str]:
        return [g.code for g in self.groups]

    @cached_property
    def relational_codes(self) -> list[str]:
        return [r.code for r in self.relational]

    def scales_for(self, instrument: str) -> list[Scale]:
        return [s for s in self.scales if s.instrument == instrument]

    def items_for(self, instrument: str) -> list[str]:
        return [i for s in self.scales_for(instrument) for i in s.items]

    @cached_property
    def item_scale(self) -> dict[str, str]:
        """Scale code of every respondent-level item."""
        return {i: s.code for s in self.scales for i in s.items}

    def label(self, code: str, language: Language = "da") -> str:
        """Danish or English label of a group, relational item or scale code (the code itself if unknown)."""
        for thing in (*self.groups, *self.relational, *self.scales):
            if thing.code == code:
                return thing.label(language)
        if code == "rk":
            return words.text("glossary.index_long", language)
        return code

    def labels(self, language: Language = "da") -> dict[str, str]:
        """Every code's label in one dict (for renaming axes and table columns)."""
        out = {t.code: t.label(language) for t in (*self.groups, *self.relational, *self.scales)}
        out["rk"] = self.label("rk", language)
        return out

    def between(self, first: str, last: str) -> Instrument:
        """This codebook with only the waves ``first`` and ``last`` (first is the comparison's baseline, last
        its follow-up), for the two-wave comparisons (:func:`relkap.change.compare_waves` of
        ``waves.baseline`` and ``waves.followup``) between any two of its waves."""
        pair = [self.waves.root[self.waves.index(first)], self.waves.root[self.waves.index(last)]]
        return self.model_copy(update={"waves": Waves(root=pair)})

    # -- keying ----------------------------------------------------------------------------------
    def _key_map(self, item: str) -> Literal["positive", "reverse"] | dict[int, float]:
        for r in self.relational:
            if r.code == item:
                return r.keying
        scale = self.item_scale.get(item)
        if scale is None:
            raise KeyError(item)
        s = next(s for s in self.scales if s.code == scale)
        if item in s.custom:
            return s.custom[item]
        return "reverse" if item in s.reverse else "positive"

    def key(self, item: str, raw: pd.Series | np.ndarray) -> np.ndarray:
        """Keyed scores for raw answers to ``item``: missing codes -> NaN, reverse and custom maps applied.

        Values outside the scale are not checked here (the importer reports them with their rows).
        """
        values = np.asarray(raw, dtype="float64").copy()
        values[np.isin(values, self.missing_codes)] = np.nan
        keying = self._key_map(item)
        if keying == "reverse":
            return (self.scale.min + self.scale.max) - values
        if isinstance(keying, dict):
            out = np.full_like(values, np.nan)
            for raw_value, score in keying.items():
                out[values == raw_value] = score
            return out
        return values


def format_validation_error(source: object, err: ValidationError) -> str:
    """One line per problem, each naming the key path (``relational.2.keying``) in ``source``."""
    lines = []
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"]) or "(top level)"
        lines.append(f"{source}: key '{key}': {e['msg']}")
    return "\n".join(lines)


# a codebook's YAML parsed once while the file is unchanged (parsing is ~10 ms, validating ~0.3 ms)
_parsed = FileMemo(lambda p: yaml.safe_load(p.read_text(encoding="utf-8")))


def load_instrument(path: Instrument | str | Path | None = None) -> Instrument:
    """Load and validate a codebook; ``None`` gives ``params/instrument.yaml``; an :class:`Instrument` is
    returned as it is (so a function may take either).

    A relative path is taken from the project root, so the default and ``"params/instrument_rc7.yaml"`` work
    from any directory.
    """
    if isinstance(path, Instrument):
        return path
    p = config.resolve(path, config.INSTRUMENT_PATH)
    try:
        raw = copy.deepcopy(_parsed(p))  # the parsed file kept while it is unchanged; each call validates its own
    except FileNotFoundError as exc:
        raise InstrumentError(f"{p}: instrument codebook not found") from exc
    except yaml.YAMLError as exc:
        raise InstrumentError(f"{p}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise InstrumentError(f"{p}: expected a mapping at the top level (scale:, groups:, relational:, ...)")
    try:
        return Instrument.model_validate(raw)
    except ValidationError as exc:
        raise InstrumentError(format_validation_error(p, exc)) from None
