"""Coded interviews in: REFI-QDA projects (``.qdpx``) and coded-segments tables, mapped onto RK themes.

Qualitative researchers code interviews in NVivo, ATLAS.ti, MAXQDA or QDA Miner; all of them export the
REFI-QDA Project Exchange format (`qdasoftware.org <https://www.qdasoftware.org>`_, schema
``urn:QDA-XML:project:1.0``): a zip with ``project.qde`` (XML) and the source texts under ``sources/``. The
parts read here:

- ``CodeBook/Codes/Code`` (``guid``, ``name``, nested): the codes, as paths ``Problem/Relationer/...``;
- ``Sources/TextSource`` (``guid``, ``name``, ``plainTextPath="internal://<file>"`` or an inline
  ``PlainTextContent``) holding ``PlainTextSelection`` (``guid``, ``startPosition``, ``endPosition``) with
  ``Coding/CodeRef@targetGUID``; a ``Coding`` directly under the source codes the whole text;
- ``Variables/Variable`` (``guid``, ``name``) and ``VariableValue`` (``VariableRef@targetGUID`` and one of
  ``TextValue``, ``IntegerValue``, ...) on a ``Case`` (with ``SourceRef@targetGUID``) or on a source.

Teams that code in a spreadsheet give a **coded-segments table** instead (CSV/xlsx, read like the survey
exports): one row per coded segment with ``source``, ``kommune``, ``wave``, ``group``, ``code`` and optionally
``valence`` and ``segments`` (a count standing for that many segments).

A **mapping file** (YAML) says where each interview's kommune, wave and interviewee group come from and what
the codes mean (the README's "Interviews" section, :func:`load_mapping`). The result is the tidy ``codings``
table, one row per kommune, wave, interview (source), code and valence:

========== ==================================================================================================
kommune    int16, official kommune code
wave       category (the codebook's wave labels)
source     string, pseudonym of the interview: HMAC as respondent ids (:func:`relkap.io.pseudonymise`,
           same key), never the source's name
group      category (codebook groups), the interviewee's group; missing when the mapping gives none
code       string, the code's path in the project (``Problem/Relationer/myndighed -> skole``)
theme_kind category: ``dimension``, ``tie``, ``leadership``, ``structure`` or ``free`` (unmapped code)
theme      string: a dimension code, ``rater->target``, a leadership or structure scale code, or (free) the
           code's name
rater      category (groups), for ties: the rating group A of T(A->B); missing otherwise
target     category (groups), for ties: the rated group B; missing otherwise
valence    category ``strength`` / ``problem``; missing when the coding carries none
segments   int32, number of coded selections
========== ==================================================================================================

No quote text and no source name ever enter the table. :func:`private_quotes` reads the coded text behind a
cell for the researcher's own machine; it is not for shared products.

Every problem with a file raises :class:`~relkap.errors.InputError` naming the file and the element (its
``guid`` and ``name``) and saying how to fix it.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd
import yaml

from .errors import InputError
from .instrument import Instrument, load_instrument
from .io import pseudonym_key, pseudonymise, read_raw
from .kommuner import KOMMUNER

__all__ = [
    "InterviewMapping",
    "CodeRule",
    "load_mapping",
    "read_qdpx",
    "read_coded_segments",
    "read_interviews",
    "check_interviews",
    "CheckedInterviews",
    "interview_files",
    "private_quotes",
    "empty_codings",
    "CODINGS_COLUMNS",
    "THEME_KINDS",
    "VALENCES",
    "NAMESPACE",
]

NAMESPACE = "urn:QDA-XML:project:1.0"
THEME_KINDS: tuple[str, ...] = ("dimension", "tie", "leadership", "structure", "free")
VALENCES: tuple[str, ...] = ("strength", "problem")
CODINGS_COLUMNS = ["kommune", "wave", "source", "group", "code", "theme_kind", "theme", "rater", "target",
                   "valence", "segments"]
SOURCE_FIELDS = ("kommune", "wave", "group")
TABLE_COLUMNS = ("source", "kommune", "wave", "group", "code", "valence", "segments")
TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")
# Valence words a coded-segments table may use (besides the mapping's values:); compared case-insensitively.
_VALENCE_WORDS = {"strength": "strength", "styrke": "strength", "+": "strength", "positiv": "strength",
                  "positive": "strength", "problem": "problem", "-": "problem", "negativ": "problem",
                  "negative": "problem", "udfordring": "problem"}
_PSEUDONYM_DOMAIN = "interview\x1f"  # keeps interview pseudonyms apart from respondent pseudonyms
_HOW_TO_EXPORT = ("Export the project again as a REFI-QDA project (.qdpx) from NVivo, ATLAS.ti, MAXQDA or"
                  " QDA Miner")
_MAPPING_HELP = "See the README, 'Interviews beside the survey', the mapping file"


# ----------------------------------------------------------------------------------------------------
# The mapping file
# ----------------------------------------------------------------------------------------------------
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


def _key(name: str) -> str:
    return " ".join(str(name).split()).casefold()


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

    Code names and paths are compared ignoring case and repeated spaces. Codes that match no entry are
    free themes (``theme_kind="free"``).
    """
    inst = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
    if isinstance(mapping, InterviewMapping):
        return mapping
    if isinstance(mapping, Mapping):
        raw, where = dict(mapping), "<mapping>"
    else:
        p = Path(mapping)
        where = str(p)
        try:
            raw = yaml.safe_load(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(p, "interview mapping file not found", fix="Check the path") from None
        except yaml.YAMLError as exc:
            raise InputError(p, f"not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise _mapping_error(where, "expected top-level keys sources:, codes:, columns: and free_themes:")
    extra = set(raw) - {"sources", "codes", "columns", "free_themes"}
    if extra:
        raise _mapping_error(where, f"unknown top-level keys {sorted(extra)}",
                             fix="Allowed: sources, codes, columns, free_themes")
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
        columns=columns, codes=codes, free_themes=free == "keep",
    )


# ----------------------------------------------------------------------------------------------------
# Kommune, wave and group of an interview
# ----------------------------------------------------------------------------------------------------
def _recode(field_: str, value: str, mapping: InterviewMapping) -> str:
    m = mapping.values.get(field_, {})
    if value in m:
        return m[value]
    folded = {_key(k): v for k, v in m.items()}
    return folded.get(_key(value), value)


_KOMMUNE_BY_NAME = {_key(n): c for c, n in KOMMUNER.items()}


def _check_value(field_: str, value: str, mapping: InterviewMapping, file: object, origin: str) -> object:
    """The recoded, validated value of ``field_``; an InputError naming ``origin`` if it is not allowed."""
    inst = mapping.instrument
    v = _recode(field_, str(value).strip(), mapping)
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
        waves = [inst.waves.baseline, inst.waves.followup]
        if v in waves:
            return v
        raise InputError(file, f"{origin}: unknown wave '{value}'",
                         fix=f"Allowed: {', '.join(waves)}; recode it under sources.values.wave in the mapping")
    if v in inst.group_codes:
        return v
    raise InputError(file, f"{origin}: unknown group '{value}'",
                     fix=f"Allowed: {', '.join(inst.group_codes)}; recode it under sources.values.group in the"
                     " mapping")


def _source_fields(name: str, found: dict[str, list[tuple[str, str]]], mapping: InterviewMapping,
                   file: object, origin: str) -> dict[str, object]:
    """Kommune, wave and group of one interview: variables (``found``: field -> [(value, where)]), then the
    source-name pattern, then constants. Contradicting variable values are an error."""
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


# ----------------------------------------------------------------------------------------------------
# REFI-QDA projects
# ----------------------------------------------------------------------------------------------------
@dataclass
class _Project:
    """What a .qdpx holds that relkap uses: one row per coding with the raw source name and code path."""

    path: Path
    rows: pd.DataFrame  # source_guid, source_name, selection, start, end, code_path, kommune, wave, group
    texts: dict[str, tuple[str, str | None]]  # source guid -> (zip member or '', inline text)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(el: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in el if _local(c.tag) == name]


def _child(el: ET.Element | None, name: str) -> ET.Element | None:
    if el is None:
        return None
    return next((c for c in el if _local(c.tag) == name), None)


def _describe(el: ET.Element) -> str:
    name = el.get("name")
    return f"{_local(el.tag)} " + (f"'{name}' " if name else "") + f"(guid {el.get('guid')})"


def _open_project(path: Path) -> tuple[zipfile.ZipFile, ET.Element]:
    if not path.exists():
        raise InputError(path, "file not found", fix="Check the path")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(path, f"not a REFI-QDA project: a .qdpx file is a zip archive, and this one cannot be"
                         f" opened ({exc})", fix=_HOW_TO_EXPORT) from None
    qde = [n for n in zf.namelist() if PurePosixPath(n).name.lower() == "project.qde"]
    if not qde:
        shown = ", ".join(zf.namelist()[:5]) or "nothing"
        zf.close()
        raise InputError(path, f"the archive has no project.qde (it holds {shown})", fix=_HOW_TO_EXPORT)
    try:
        root = ET.fromstring(zf.read(sorted(qde, key=len)[0]))
    except ET.ParseError as exc:
        line, col = exc.position
        zf.close()
        raise InputError(path, f"project.qde is not valid XML (line {line}, column {col}: {exc})",
                         fix=_HOW_TO_EXPORT) from None
    if _local(root.tag) != "Project":
        zf.close()
        raise InputError(path, f"project.qde: the root element is <{_local(root.tag)}>, not <Project>"
                         f" (namespace {NAMESPACE})", fix=_HOW_TO_EXPORT)
    return zf, root


def _codes(root: ET.Element, path: Path) -> dict[str, tuple[str, ...]]:
    """Code guid -> path of names from the top of the code book."""
    out: dict[str, tuple[str, ...]] = {}

    def walk(el: ET.Element, parent: tuple[str, ...]) -> None:
        for c in _children(el, "Code"):
            guid, name = c.get("guid"), c.get("name")
            if not guid or name is None:
                raise InputError(path, f"project.qde: {_describe(c)} under '{'/'.join(parent) or 'Codes'}' needs"
                                 " both guid and name", fix=_HOW_TO_EXPORT)
            out[guid] = (*parent, name.strip())
            walk(c, out[guid])

    walk(_child(_child(root, "CodeBook"), "Codes") or ET.Element("Codes"), ())
    return out


def _value(vv: ET.Element) -> str | None:
    for c in vv:
        if _local(c.tag).endswith("Value") and c.text is not None and c.text.strip():
            return c.text.strip()
    return None


def _variable_values(el: ET.Element, variables: dict[str, str], path: Path) -> list[tuple[str, str]]:
    """[(variable name, value)] of an element's VariableValue children."""
    out = []
    for vv in _children(el, "VariableValue"):
        ref = _child(vv, "VariableRef")
        guid = ref.get("targetGUID") if ref is not None else None
        if guid not in variables:
            raise InputError(path, f"project.qde: {_describe(el)}: a VariableValue refers to variable {guid!r},"
                             " which is not in <Variables>", fix=_HOW_TO_EXPORT)
        value = _value(vv)
        if value is not None:
            out.append((variables[guid], value))
    return out


def _text_member(zf: zipfile.ZipFile, source: ET.Element, path: Path) -> tuple[str, str | None]:
    """(zip member, None) of a source's text file, or ('', inline text)."""
    inline = _child(source, "PlainTextContent")
    ptp = source.get("plainTextPath")
    if not ptp:
        if inline is not None:
            return "", inline.text or ""
        raise InputError(path, f"project.qde: {_describe(source)} has neither plainTextPath nor PlainTextContent",
                         fix=_HOW_TO_EXPORT)
    if not ptp.startswith("internal://"):
        raise InputError(path, f"project.qde: {_describe(source)}: plainTextPath '{ptp}' points outside the"
                         " archive", fix="Export the project with the sources embedded (internal://)")
    name = ptp[len("internal://"):]
    members = {n.lower(): n for n in zf.namelist()}
    for candidate in (f"sources/{name}", name):
        if candidate.lower() in members:
            return members[candidate.lower()], None
    raise InputError(path, f"{_describe(source)}: its text file '{ptp}' is missing from the archive (no"
                     f" sources/{name})", fix=_HOW_TO_EXPORT + " with its sources")


def _int(el: ET.Element, attr: str, path: Path, where: str) -> int:
    v = el.get(attr)
    try:
        return int(v)
    except (TypeError, ValueError):
        raise InputError(path, f"project.qde: {where}: {attr} must be a whole number, not {v!r}",
                         fix=_HOW_TO_EXPORT) from None


def _read_project(path: str | os.PathLike, mapping: InterviewMapping) -> _Project:
    path = Path(path)
    zf, root = _open_project(path)
    with zf:
        codes = _codes(root, path)
        variables = {v.get("guid"): (v.get("name") or "").strip()
                     for v in _children(_child(root, "Variables") or ET.Element("x"), "Variable")}
        sources = _children(_child(root, "Sources") or ET.Element("x"), "TextSource")
        by_guid = {s.get("guid"): s for s in sources}
        wanted = {name: f for f, name in mapping.variables.items()}
        found: dict[str, dict[str, list[tuple[str, str]]]] = {g: {} for g in by_guid}
        for case in _children(_child(root, "Cases") or ET.Element("x"), "Case"):
            values = [(wanted[n], v) for n, v in _variable_values(case, variables, path) if n in wanted]
            for ref in _children(case, "SourceRef"):
                g = ref.get("targetGUID")
                for f, v in values:
                    if g in found:
                        found[g].setdefault(f, []).append((v, f"{_describe(case)}, variable"
                                                              f" '{mapping.variables[f]}'"))
        rows, texts = [], {}
        for s in sources:
            guid = s.get("guid")
            if not guid:
                raise InputError(path, f"project.qde: a TextSource ('{s.get('name')}') has no guid", fix=_HOW_TO_EXPORT)
            texts[guid] = _text_member(zf, s, path)
            codings: list[tuple] = []  # selection, start, end, code guid, where
            for sel in _children(s, "PlainTextSelection"):
                where = f"{_describe(s)}, {_describe(sel)}"
                start, end = _int(sel, "startPosition", path, where), _int(sel, "endPosition", path, where)
                for c in _children(sel, "Coding"):
                    ref = _child(c, "CodeRef")
                    codings.append((sel.get("guid"), start, end, ref.get("targetGUID") if ref is not None else None,
                                    where + f", Coding (guid {c.get('guid')})"))
            for c in _children(s, "Coding"):  # the whole source coded
                ref = _child(c, "CodeRef")
                codings.append((guid, 0, None, ref.get("targetGUID") if ref is not None else None,
                                f"{_describe(s)}, Coding (guid {c.get('guid')})"))
            for *_, code, where in codings:
                if code not in codes:
                    raise InputError(path, f"project.qde: {where} refers to code {code!r}, which is not in the"
                                     " CodeBook", fix=_HOW_TO_EXPORT + " with its code book")
            if not codings:
                continue
            fields_found = dict(found[guid])
            for f, v in _variable_values(s, variables, path):  # a source's own variables: where no case
                f = wanted.get(f)                                # gives the field
                if f is not None and f not in found[guid]:
                    fields_found.setdefault(f, []).append((v, f"{_describe(s)}, variable '{mapping.variables[f]}'"))
            name = (s.get("name") or guid).strip()
            attrs = _source_fields(name, fields_found, mapping, path, f"project.qde: {_describe(s)}")
            for sel, start, end, code, _where in codings:
                rows.append({"source_guid": guid, "source_name": name, "selection": sel, "start": start,
                             "end": end, "code_path": codes[code], **attrs})
    cols = ["source_guid", "source_name", "selection", "start", "end", "code_path", *SOURCE_FIELDS]
    return _Project(path, pd.DataFrame(rows, columns=cols), texts)


# ----------------------------------------------------------------------------------------------------
# From codings to the tidy table
# ----------------------------------------------------------------------------------------------------
def _resolve(raw: pd.DataFrame, mapping: InterviewMapping) -> pd.DataFrame:
    """One row per coding with its theme and valence; valence markers give their valence to the other codes
    of the same selection and are dropped; ignored (and, with free_themes: drop, free) codes are dropped."""
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


def _codings(resolved: pd.DataFrame, mapping: InterviewMapping, key: bytes) -> pd.DataFrame:
    """Aggregate resolved codings to the tidy codings table (pseudonymised sources, contract dtypes)."""
    inst = mapping.instrument
    groups = pd.CategoricalDtype(inst.group_codes)
    r = resolved.copy()
    if r.empty:
        out = pd.DataFrame({c: pd.Series(dtype=object) for c in CODINGS_COLUMNS})
    else:
        r["source"] = pseudonymise(r["kommune"], _PSEUDONYM_DOMAIN + r["source_name"].astype(str), key).to_numpy()
        keys = ["kommune", "wave", "source", "group", "code", "theme_kind", "theme", "rater", "target", "valence"]
        r["_sel"] = r["selection"].astype(str)
        out = (r.groupby(keys, dropna=False, sort=True)["_sel"].nunique().rename("segments").reset_index())
    out = pd.DataFrame({
        "kommune": out["kommune"].astype("int16"),
        "wave": out["wave"].astype(pd.CategoricalDtype([inst.waves.baseline, inst.waves.followup])),
        "source": out["source"].astype("string"),
        "group": out["group"].astype(groups),
        "code": out["code"].astype("string"),
        "theme_kind": out["theme_kind"].astype(pd.CategoricalDtype(THEME_KINDS)),
        "theme": out["theme"].astype("string"),
        "rater": out["rater"].astype(groups),
        "target": out["target"].astype(groups),
        "valence": out["valence"].astype(pd.CategoricalDtype(VALENCES)),
        "segments": out["segments"].astype("int32") if len(out) else pd.Series(dtype="int32"),
    })
    return out.sort_values(["kommune", "wave", "source", "theme_kind", "theme", "valence"],
                           ignore_index=True)


def empty_codings(instrument: Instrument | str | None = None) -> pd.DataFrame:
    """A codings table without rows (the contract's columns and dtypes), for a store without interviews.

    Examples
    --------
    >>> list(empty_codings().columns) == CODINGS_COLUMNS, len(empty_codings())
    (True, 0)
    """
    inst = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
    return _codings(pd.DataFrame(), InterviewMapping(instrument=inst), b"")


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


def read_qdpx(path: str | os.PathLike, mapping: str | os.PathLike | Mapping | InterviewMapping,
              instrument: Instrument | str | None = None, key: bytes | None = None) -> pd.DataFrame:
    """The tidy ``codings`` table (module docstring) of one REFI-QDA project.

    ``key`` overrides the pseudonymisation key (default :func:`relkap.io.pseudonym_key`, as for respondents).
    """
    return read_interviews([path], mapping, instrument=instrument, key=key)


def _read_table_raw(path: Path, mapping: InterviewMapping) -> pd.DataFrame:
    df = read_raw(path)
    offset = df.attrs.get("row_offset", 2)
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
    for i, rec in enumerate(df.to_dict("records")):
        row_no = i + offset
        where = f"row {row_no}"
        name = rec.get("source")
        code = rec.get("code")
        if not isinstance(name, str) or not name.strip() or not isinstance(code, str) or not code.strip():
            raise InputError(path, "source and code must not be blank", rows=[row_no],
                             column="source" if not isinstance(name, str) else "code",
                             fix="Fill in the interview's name and the code on every row")
        found = {f: [(str(rec[f]), f"{where}, column '{f}'")] for f in SOURCE_FIELDS
                 if f in rec and isinstance(rec[f], str) and rec[f].strip()}
        attrs = _source_fields(name.strip(), found, mapping, path, where)
        n = 1
        if isinstance(rec.get("segments"), str):
            text = rec["segments"].strip()
            if not text.isdigit() or int(text) < 1:
                raise InputError(path, f"segments must be a whole number of at least 1, not '{text}'",
                                 rows=[row_no], column="segments")
            n = int(text)
        valence = None
        if isinstance(rec.get("valence"), str) and rec["valence"].strip():
            v = _recode("valence", rec["valence"].strip(), mapping)
            valence = _VALENCE_WORDS.get(v.casefold())
            if valence is None:
                raise InputError(path, f"unknown valence '{rec['valence']}'", rows=[row_no], column="valence",
                                 fix="Allowed: strength (styrke) or problem, or blank")
        path_parts = tuple(p.strip() for p in code.split("/") if p.strip())
        for j in range(n):
            rows.append({"source_guid": "", "source_name": name.strip(), "selection": f"{row_no}.{j}",
                         "start": None, "end": None, "code_path": path_parts, "_valence": valence, **attrs})
    cols = ["source_guid", "source_name", "selection", "start", "end", "code_path", "_valence", *SOURCE_FIELDS]
    return pd.DataFrame(rows, columns=cols)


def read_coded_segments(path: str | os.PathLike, mapping: str | os.PathLike | Mapping | InterviewMapping,
                        instrument: Instrument | str | None = None, key: bytes | None = None) -> pd.DataFrame:
    """The tidy ``codings`` table of a coded-segments table (CSV/xlsx; encodings as the survey files).

    Columns ``source``, ``code`` and, unless the mapping's ``sources:`` gives them, ``kommune``, ``wave``
    (``group`` optional); ``valence`` (strength/styrke, problem, or blank) and ``segments`` (a count,
    default 1) are optional. ``code`` may be a path ``Problem/Relationer/myndighed -> skole``.
    """
    return read_interviews([path], mapping, instrument=instrument, key=key)


def interview_files(folder: str | os.PathLike) -> list[Path]:
    """The interview files of a folder: every ``*.qdpx`` and every table whose name starts with ``codings``."""
    folder = Path(folder)
    return sorted(f for f in folder.iterdir() if f.is_file() and (
        f.suffix.lower() == ".qdpx" or (f.suffix.lower() in TABLE_SUFFIXES and f.stem.lower().startswith("codings"))))


def _raw_codings(paths: Iterable[str | os.PathLike], m: InterviewMapping) -> pd.DataFrame:
    parts = []
    for p in paths:
        p = Path(p)
        if p.suffix.lower() == ".qdpx":
            raw = _read_project(p, m).rows.assign(_valence=None)
        elif p.suffix.lower() in TABLE_SUFFIXES:
            raw = _read_table_raw(p, m)
        else:
            raise InputError(p, f"not an interview file ('{p.suffix}')",
                             fix="Give REFI-QDA projects (.qdpx) or coded-segments tables (.csv, .xlsx)")
        parts.append(raw.assign(_file=str(p)))
    if not parts:
        return pd.DataFrame(columns=["source_guid", "source_name", "selection", "start", "end", "code_path",
                                     "_valence", *SOURCE_FIELDS, "_file"])
    return pd.concat(parts, ignore_index=True)


def read_interviews(files: str | os.PathLike | Iterable[str | os.PathLike],
                    mapping: str | os.PathLike | Mapping | InterviewMapping | None = None,
                    instrument: Instrument | str | None = None, key: bytes | None = None) -> pd.DataFrame:
    """The tidy ``codings`` table of every interview file given: ``.qdpx`` projects and coded-segments tables.

    ``files`` is a list of files or one folder; in a folder, every ``*.qdpx`` and every table whose name
    starts with ``codings`` is read, and ``mapping`` defaults to the folder's ``mapping.yaml``. Everything is
    validated before anything is returned; two interviews with the same name in one kommune and wave are
    an error (their pseudonyms would coincide).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from relkap import synth_interviews
    >>> from relkap.params import load_all_kommune_params
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> params = [load_all_kommune_params()[336]]
    >>> _ = synth_interviews.write_demo_interviews(d, params, seed=1)
    >>> c = read_interviews(d, key=b"doc")
    >>> list(c.columns) == CODINGS_COLUMNS, sorted(c["theme_kind"].unique().astype(str))
    (True, ['dimension', 'free', 'leadership', 'structure', 'tie'])
    """
    return check_interviews(files, mapping, instrument).codings(key if key is not None else pseudonym_key())


@dataclass
class CheckedInterviews:
    """Interview files read and validated, not yet pseudonymised (:func:`check_interviews`).

    An import validates every file before it has the store's key; :meth:`codings` then makes the table.
    """

    mapping: InterviewMapping
    resolved: pd.DataFrame  # one row per coding with its theme and the raw source name: never stored
    files: dict[tuple[int, str], set[str]]  # (kommune, wave) -> the files holding interviews of it

    def codings(self, key: bytes) -> pd.DataFrame:
        """The tidy ``codings`` table, sources pseudonymised with ``key``."""
        return _codings(self.resolved, self.mapping, key)


def check_interviews(files: str | os.PathLike | Iterable[str | os.PathLike],
                     mapping: str | os.PathLike | Mapping | InterviewMapping | None = None,
                     instrument: Instrument | str | None = None) -> CheckedInterviews:
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
    raw = _raw_codings(paths, m)
    _check_unique_sources(raw)
    where: dict[tuple[int, str], set[str]] = {}
    for k, w, f in raw[["kommune", "wave", "_file"]].drop_duplicates().itertuples(index=False):
        where.setdefault((int(k), str(w)), set()).add(str(f))
    resolved = _resolve(raw, m)
    if "_valence" in resolved.columns:  # a table's valence column wins over the code's
        resolved["valence"] = resolved["_valence"].where(resolved["_valence"].notna(), resolved["valence"])
    return CheckedInterviews(m, resolved, where)


# ----------------------------------------------------------------------------------------------------
# Quotes: for the researcher's own machine only
# ----------------------------------------------------------------------------------------------------
def _decode_text(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    return data.decode("utf-8", errors="replace")


def private_quotes(project: str | os.PathLike, mapping: str | os.PathLike | Mapping | InterviewMapping,
                   kommune: int | None = None, wave: str | None = None, theme: str | None = None,
                   theme_kind: str | None = None, valence: str | None = None,
                   instrument: Instrument | str | None = None, key: bytes | None = None,
                   source_names: bool = False) -> pd.DataFrame:
    """PRIVATE: the coded text behind a cell, read from the ``.qdpx`` by start and end position.

    NOT FOR SHARED PRODUCTS. Quotes identify people: use this on the researcher's own machine (the
    explorer's quote view), never in a report, a summary, an export or anything sent to a kommune.

    One row per coded selection matching the filters (``None`` = any): ``kommune, wave, source`` (the
    pseudonym of the codings table), ``group, code, theme_kind, theme, valence, start, end, text``, and
    ``source_name`` only when ``source_names=True`` (to find the passage in the QDA program). The frame
    carries ``attrs["private"] = True``; :func:`relkap.interviews.joint_display` refuses such frames.
    """
    m = load_mapping(mapping, instrument)
    proj = _read_project(project, m)
    raw = proj.rows.assign(_file=str(proj.path))
    r = _resolve(raw, m)
    keep = np.ones(len(r), dtype=bool)
    for col, want in (("kommune", kommune), ("wave", wave), ("theme", theme), ("theme_kind", theme_kind),
                      ("valence", valence)):
        if want is not None:
            keep &= (r[col] == want).to_numpy()
    r = r[keep].reset_index(drop=True)
    key = key if key is not None else pseudonym_key()
    texts: dict[str, str] = {}
    with zipfile.ZipFile(proj.path) as zf:
        for guid in r["source_guid"].unique():
            member, inline = proj.texts[guid]
            texts[guid] = inline if inline is not None else _decode_text(zf.read(member))
    quote = [texts[g][int(s):(None if pd.isna(e) else int(e))] for g, s, e in
             zip(r["source_guid"], r["start"], r["end"], strict=True)]
    out = pd.DataFrame({
        "kommune": r["kommune"].astype("int16"), "wave": r["wave"].astype("string"),
        "source": pseudonymise(r["kommune"], _PSEUDONYM_DOMAIN + r["source_name"].astype(str), key).to_numpy(),
        "group": r["group"].astype("string"), "code": r["code"].astype("string"),
        "theme_kind": r["theme_kind"].astype("string"), "theme": r["theme"].astype("string"),
        "valence": r["valence"].astype("string"), "start": r["start"].astype("Int64"),
        "end": r["end"].astype("Int64"), "text": pd.Series(quote, dtype="string"),
    })
    if source_names:
        out["source_name"] = r["source_name"].astype("string")
    out.attrs["private"] = True
    return out
