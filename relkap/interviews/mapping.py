"""The interview mapping file: where each interview's kommune, wave and group come from, and what the codes
mean (README, "Interviews beside the survey", the mapping file; :func:`load_mapping`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..instrument import Instrument, load_instrument
from ..kommuner import KOMMUNER
from ..raw import read_yaml

__all__ = ["InterviewMapping", "CodeRule", "load_mapping", "source_fields", "recode", "THEME_KINDS", "VALENCES",
           "SOURCE_FIELDS", "TABLE_COLUMNS", "POSITION_UNITS"]

THEME_KINDS: tuple[str, ...] = ("dimension", "tie", "leadership", "structure", "free")
VALENCES: tuple[str, ...] = ("strength", "problem")
SOURCE_FIELDS = ("kommune", "wave", "group")  # what the mapping finds for each interview
TABLE_COLUMNS = ("source", "kommune", "wave", "group", "code", "valence", "segments", "coder",
                 "segment")  # of a coded-segments table
# what a REFI-QDA selection's startPosition/endPosition count (relkap.interviews.positions); auto = detect
POSITION_UNITS: tuple[str, ...] = ("auto", "codepoints", "utf16", "crlf_one")
_MAPPING_HELP = "See the README, 'Interviews beside the survey', the mapping file"


@dataclass(frozen=True)
class CodeRule:
    """What one mapping entry says about a code (and, unless its children say otherwise, its children).

    ``theme_kind``/``theme`` (with ``rater``/``target`` for ties) give the RK theme, ``valence`` the
    direction, ``ignore`` drops the code and its children (e.g. administrative or in-vivo codes).
    """

    theme_kind: str | None = None
    theme: str | None = None
    rater: str | None = None
    target: str | None = None
    valence: str | None = None
    ignore: bool = False


@dataclass
class InterviewMapping:
    """A validated interview mapping (:func:`load_mapping`)."""

    instrument: Instrument
    path: str = "<mapping>"
    variables: dict[str, str] = field(default_factory=dict)
    name_pattern: re.Pattern | None = None
    constants: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    codes: dict[str, CodeRule] = field(default_factory=dict)  # casefolded name or path -> rule
    free_themes: bool = True
    positions: str = "auto"  # the unit of REFI-QDA selection positions (POSITION_UNITS)

    def rule(self, path: tuple[str, ...]) -> tuple[CodeRule, bool]:
        """The merged rule of a code path (the deepest entry wins per field) and whether the code itself is
        a valence marker (its own entry gives a valence and no theme, and no ancestor gives a theme)."""
        theme: CodeRule | None = None
        valence = None
        ignore = False
        own = None
        for depth in range(1, len(path) + 1):
            r = self.codes.get(_key("/".join(path[:depth]))) or self.codes.get(_key(path[depth - 1]))
            if r is None:
                continue
            if depth == len(path):
                own = r
            ignore = ignore or r.ignore
            if r.theme_kind is not None:
                theme = r
            if r.valence is not None:
                valence = r.valence
        merged = CodeRule(theme.theme_kind if theme else None, theme.theme if theme else None,
                          theme.rater if theme else None, theme.target if theme else None, valence, ignore)
        marker = own is not None and own.valence is not None and own.theme_kind is None and theme is None
        return merged, marker


def load_mapping(mapping: str | os.PathLike | Mapping | InterviewMapping,
                 instrument: Instrument | str | None = None) -> InterviewMapping:
    """Read and validate an interview mapping (a YAML file, or the same structure as a dict)::

        sources:                                  # each interview's kommune, wave and group: the first found of
          variables: {kommune: Kommune, wave: Runde, group: Faggruppe}   # case (or source) variables,
          name_pattern: '^(?P<kommune>\\d{3})-(?P<wave>\\w+)-'           # named groups in the source name,
          constants: {kommune: 766}                                     # or a constant
          values:                                 # raw value -> code (exact, then ignoring case)
            wave: {Førmåling: baseline, Eftermåling: followup}
            group: {Skolelærer: skole}
        columns: {Interview: source, Kode: code}  # coded-segments tables only: table column -> relkap column
        codes:                                    # code name (anywhere in the tree) or path a/b/c -> meaning
          Styrke: {valence: strength}             # children inherit; a valence-only code applied to the same
          Problem: {valence: problem}             #   selection as a theme code gives that code its valence
          Gensidigt kendskab: {dimension: kendskab}
          myndighed -> skole: {tie: [myndighed, skole]}      # the tie T(myndighed -> skole)
          Ledelse/Fælles vision: {leadership: vision}
          Formalisering: {structure: processer}
          Interne noter: {ignore: true}           # dropped with its children
        free_themes: keep                         # keep (default) or drop the codes mapped to no theme
        positions: auto                           # REFI-QDA positions: auto (default), codepoints, utf16, crlf_one

    Code names and paths are compared ignoring case and repeated spaces. Codes that match no entry are
    free themes (``theme_kind="free"``).
    """
    inst = load_instrument(instrument)
    if isinstance(mapping, InterviewMapping):
        return mapping
    if isinstance(mapping, Mapping):
        raw, where = dict(mapping), "<mapping>"
    else:
        p = Path(mapping)
        where = str(p)
        raw = read_yaml(p, "interview mapping file not found", fix="Check the path")
    if not isinstance(raw, dict):
        raise _mapping_error(where, "expected top-level keys sources:, codes:, columns: and free_themes:")
    extra = set(raw) - {"sources", "codes", "columns", "free_themes", "positions"}
    if extra:
        raise _mapping_error(where, f"unknown top-level keys {sorted(extra)}",
                             fix="Allowed: sources, codes, columns, free_themes, positions")
    positions = str(raw.get("positions", "auto"))
    if positions not in POSITION_UNITS:
        raise _mapping_error(where, f"positions must be one of {', '.join(POSITION_UNITS)}, not {positions!r}",
                             fix="auto detects the unit; codepoints is the REFI-QDA standard, utf16 what NVivo"
                             " writes, crlf_one what ATLAS.ti is reported to write")
    src = raw.get("sources") or {}
    if not isinstance(src, dict) or set(src) - {"variables", "name_pattern", "constants", "values"}:
        raise _mapping_error(where, "sources: allows variables:, name_pattern:, constants: and values:")
    for key in ("variables", "constants", "values"):
        bad = set(src.get(key) or {}) - set(SOURCE_FIELDS)
        if bad:
            raise _mapping_error(where, f"sources.{key}: unknown fields {sorted(bad)}",
                                 fix="Allowed: kommune, wave, group")
    pattern = None
    if src.get("name_pattern"):
        try:
            pattern = re.compile(str(src["name_pattern"]))
        except re.error as exc:
            raise _mapping_error(where, f"sources.name_pattern is not a valid regular expression ({exc})") from None
        bad = set(pattern.groupindex) - set(SOURCE_FIELDS)
        if bad:
            raise _mapping_error(where, f"sources.name_pattern: unknown named groups {sorted(bad)}",
                                 fix="Use (?P<kommune>...), (?P<wave>...), (?P<group>...)")
    columns = {str(k): str(v) for k, v in (raw.get("columns") or {}).items()}
    bad = set(columns.values()) - set(TABLE_COLUMNS)
    if bad:
        raise _mapping_error(where, f"columns: unknown relkap columns {sorted(bad)}",
                             fix=f"Allowed: {', '.join(TABLE_COLUMNS)}")
    codes_raw = raw.get("codes") or {}
    if not isinstance(codes_raw, dict):
        raise _mapping_error(where, "codes: expected a mapping of code names to their meaning")
    codes = {}
    for k, spec in codes_raw.items():
        key = _key("/".join(part.strip() for part in str(k).split("/")))
        if key in codes:
            raise _mapping_error(where, f"codes: '{k}' is given twice (names are compared ignoring case)")
        codes[key] = _code_rule(str(k), spec, where, inst)
    free = raw.get("free_themes", "keep")
    if free not in ("keep", "drop"):
        raise _mapping_error(where, f"free_themes must be keep or drop, not {free!r}")
    return InterviewMapping(
        instrument=inst, path=where,
        variables={k: str(v) for k, v in (src.get("variables") or {}).items()},
        name_pattern=pattern,
        constants={k: str(v) for k, v in (src.get("constants") or {}).items()},
        values={f: {str(a): str(b) for a, b in (m or {}).items()} for f, m in (src.get("values") or {}).items()},
        columns=columns, codes=codes, free_themes=free == "keep", positions=positions,
    )


def source_fields(name: str, found: dict[str, list[tuple[str, str]]], mapping: InterviewMapping,
                  file: object, origin: str) -> dict[str, object]:
    """Kommune, wave and group of the interview ``name``: variables (``found``: field -> [(value, where)]),
    then the source-name pattern, then constants, each recoded and validated (group may be missing).

    Contradicting variable values, or a value the codebook does not allow, raise an
    :class:`~relkap.errors.InputError` naming ``file`` and ``origin`` (where in the file the interview is)."""
    out: dict[str, object] = {}
    match = mapping.name_pattern.search(name) if mapping.name_pattern is not None else None
    for f in SOURCE_FIELDS:
        candidates = found.get(f, [])
        if candidates:
            checked = {(_check_value(f, v, mapping, file, where)) for v, where in candidates}
            if len(checked) > 1:
                wheres = "; ".join(f"{where} says '{v}'" for v, where in candidates)
                raise InputError(file, f"{origin}: contradicting {f} values ({wheres})",
                                 fix="Give the interview one value (one case per interview, or the same value)")
            out[f] = checked.pop()
        elif match is not None and match.groupdict().get(f):
            out[f] = _check_value(f, match.group(f), mapping, file, f"{origin}: name pattern group '{f}'")
        elif f in mapping.constants:
            out[f] = _check_value(f, mapping.constants[f], mapping, file, f"{mapping.path}: sources.constants.{f}")
        elif f != "group":
            raise InputError(file, f"{origin}: no {f} found for this interview",
                             fix=f"Give it a case variable named in sources.variables.{f}, a named group in"
                             f" sources.name_pattern, or sources.constants.{f} in the mapping")
        else:
            out[f] = None
    return out


def recode(field_: str, value: str, mapping: InterviewMapping) -> str:
    """``value`` of ``field_`` (kommune, wave, group or valence) recoded by the mapping's ``sources.values``:
    an exact match, else one ignoring case and repeated spaces, else ``value`` unchanged."""
    m = mapping.values.get(field_, {})
    if value in m:
        return m[value]
    folded = {_key(k): v for k, v in m.items()}
    return folded.get(_key(value), value)


def _key(name: str) -> str:
    return " ".join(str(name).split()).casefold()


_KOMMUNE_BY_NAME = {_key(n): c for c, n in KOMMUNER.items()}


def _mapping_error(where: str, problem: str, fix: str = _MAPPING_HELP) -> InputError:
    return InputError(where, problem, fix=fix)


def _tie(value: object, where: str, key: str, inst: Instrument) -> tuple[str, str]:
    if isinstance(value, str):
        parts = [p.strip() for p in re.split(r"\s*->\s*|\s*→\s*", value)]
    elif isinstance(value, list | tuple):
        parts = [str(p).strip() for p in value]
    else:
        parts = []
    if len(parts) != 2:
        raise _mapping_error(where, f"codes: '{key}': tie must be [rater group, target group] or 'rater->target',"
                             f" not {value!r}")
    for g in parts:
        if g not in inst.group_codes:
            raise _mapping_error(where, f"codes: '{key}': unknown group code '{g}' in tie",
                                 fix=f"Allowed groups: {', '.join(inst.group_codes)}")
    return parts[0], parts[1]


def _code_rule(key: str, spec: object, where: str, inst: Instrument) -> CodeRule:
    if not isinstance(spec, dict):
        raise _mapping_error(where, f"codes: '{key}': expected a mapping such as {{dimension: kendskab}}, not {spec!r}")
    allowed = {"dimension", "tie", "leadership", "structure", "valence", "ignore"}
    extra = set(spec) - allowed
    if extra:
        raise _mapping_error(where, f"codes: '{key}': unknown keys {sorted(extra)}",
                             fix=f"Allowed: {', '.join(sorted(allowed))}")
    kinds = [k for k in ("dimension", "tie", "leadership", "structure") if k in spec]
    if len(kinds) > 1:
        raise _mapping_error(where, f"codes: '{key}': a code belongs to one theme, not {kinds}")
    valence = spec.get("valence")
    if valence is not None and valence not in VALENCES:
        raise _mapping_error(where, f"codes: '{key}': valence must be strength or problem, not {valence!r}")
    rule = CodeRule(valence=valence, ignore=bool(spec.get("ignore", False)))
    if not kinds:
        return rule
    kind = kinds[0]
    value = spec[kind]
    if kind == "tie":
        rater, target = _tie(value, where, key, inst)
        return CodeRule("tie", f"{rater}->{target}", rater, target, valence, rule.ignore)
    allowed_codes = {
        "dimension": inst.relational_codes,
        "leadership": [s.code for s in inst.scales_for("employee")],
        "structure": [s.code for s in inst.scales_for("structures")],
    }[kind]
    if str(value) not in allowed_codes:
        raise _mapping_error(where, f"codes: '{key}': unknown {kind} code '{value}'",
                             fix=f"Allowed: {', '.join(allowed_codes)} (codes of the instrument codebook)")
    return CodeRule(kind, str(value), valence=valence, ignore=rule.ignore)


def _check_value(field_: str, value: str, mapping: InterviewMapping, file: object, origin: str) -> object:
    """The recoded, validated value of ``field_``; an InputError naming ``origin`` if it is not allowed."""
    inst = mapping.instrument
    v = recode(field_, str(value).strip(), mapping)
    if field_ == "kommune":
        text = v[:-2] if v.endswith(".0") else v
        if text.lstrip("-").isdigit() and int(text) in KOMMUNER:
            return int(text)
        if _key(v) in _KOMMUNE_BY_NAME:
            return _KOMMUNE_BY_NAME[_key(v)]
        raise InputError(file, f"{origin}: kommune value '{value}' is not the official code of a Danish kommune",
                         fix="Use the kommune code (e.g. 766 for Hedensted) or its name, or recode the value under"
                         " sources.values.kommune in the mapping")
    if field_ == "wave":
        waves = inst.waves.codes
        if v in waves:
            return v
        raise InputError(file, f"{origin}: unknown wave '{value}'",
                         fix=f"Allowed: {', '.join(waves)}; recode it under sources.values.wave in the mapping")
    if v in inst.group_codes:
        return v
    raise InputError(file, f"{origin}: unknown group '{value}'",
                     fix=f"Allowed: {', '.join(inst.group_codes)}; recode it under sources.values.group in the"
                     " mapping")
