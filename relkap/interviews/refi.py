"""REFI-QDA projects (``.qdpx``): the XML of the Project Exchange format read into one row per coding.

A ``.qdpx`` is a zip with one project file (``project.qde`` by the standard, ``<project name>.qde`` from
ATLAS.ti; XML, namespace :data:`NAMESPACE`) and the source texts under ``sources/``. The parts read here
(checked against the standard's schema, REFI-QDA ``Project.xsd`` 1.0 of 2019):

- ``CodeBook/Codes/Code`` (``guid``, ``name``, nested): the codes, as paths ``Problem/Relationer/...``;
- ``Sources/TextSource`` (``guid``, ``name``, ``plainTextPath="internal://<file>"`` or an inline
  ``PlainTextContent``) holding ``PlainTextSelection`` (``guid``, ``startPosition``, ``endPosition``) with
  ``Coding/CodeRef@targetGUID``; a ``Coding`` directly under the source codes the whole text;
- ``Variables/Variable`` (``guid``, ``name``) and ``VariableValue`` (``VariableRef@targetGUID`` and one of
  ``TextValue``, ``IntegerValue``, ...) on a ``Case`` (with ``SourceRef@targetGUID``) or on a source;
- ``Project@origin`` (the exporting program: the positions' unit), ``Users/User`` (``guid``, ``name``) and
  each ``Coding``'s (else its selection's) ``creatingUser``: the coder;
- ``Case/CodeRef`` and cases' names: codes that stand for cases, not themes;
- ``PDFSource``, ``PictureSource``, ``AudioSource``, ``VideoSource`` and their ``Transcript``: only their
  codings are counted (reported as not read).
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pandas as pd

from ..errors import InputError
from .mapping import POSITION_UNITS, SOURCE_FIELDS, InterviewMapping, source_fields
from .positions import decode_source_text, detect_unit, offsets, to_index, unit_of_origin

__all__ = ["read_project", "Project", "NAMESPACE", "MEDIA_KINDS"]

NAMESPACE = "urn:QDA-XML:project:1.0"
_HOW_TO_EXPORT = ("Export the project again as a REFI-QDA project (.qdpx) from NVivo, ATLAS.ti, MAXQDA or"
                  " QDA Miner")


def read_project(path: str | os.PathLike, mapping: InterviewMapping, positions: str | None = None) -> Project:
    """Read and check a REFI-QDA project: one row per coding of a text source, with each interview's kommune,
    wave and group found as ``mapping`` says (:func:`relkap.interviews.mapping.source_fields`) and its coder.

    The project file is the archive's one ``*.qde`` (``project.qde`` by the standard; ATLAS.ti names it after
    the project). Selection positions are read in ``positions`` (default: the mapping's ``positions:``, else
    ``auto``; :mod:`relkap.interviews.positions`), converted to code points and checked against their text.
    Codings of PDF, picture, audio and video sources and of transcripts are counted in
    :attr:`Project.dropped` (relkap reads text sources only), text sources without codings in
    :attr:`Project.uncoded`; codes that are cases (a ``Case`` refers to them, or one carries their name) are
    removed and counted in :attr:`Project.case_codings`.

    An :class:`~relkap.errors.InputError` names the file and the element (its ``guid`` and ``name``)."""
    path = Path(path)
    wanted_unit = positions or mapping.positions
    if wanted_unit not in POSITION_UNITS:
        raise ValueError(f"positions must be one of {', '.join(POSITION_UNITS)}, not {wanted_unit!r}")
    zf, root = _open_project(path)
    with zf:
        codes = _codes(root, path)
        users = [(u.get("guid"), (u.get("name") or u.get("id") or u.get("guid") or "").strip())
                 for u in _children(_child(root, "Users") or ET.Element("x"), "User")]
        user_name, user_rank = dict(users), {g: i for i, (g, _) in enumerate(users)}
        variables = {v.get("guid"): (v.get("name") or "").strip()
                     for v in _children(_child(root, "Variables") or ET.Element("x"), "Variable")}
        all_sources = _child(root, "Sources") or ET.Element("x")
        sources = _children(all_sources, "TextSource")
        dropped = _media_codings(all_sources)
        by_guid = {s.get("guid"): s for s in sources}
        wanted = {name: f for f, name in mapping.variables.items()}
        found: dict[str, dict[str, list[tuple[str, str]]]] = {g: {} for g in by_guid}
        cases = _children(_child(root, "Cases") or ET.Element("x"), "Case")
        case_names = {(c.get("name") or "").strip().casefold() for c in cases} - {""}
        case_codes = ({r.get("targetGUID") for c in cases for r in _children(c, "CodeRef")}
                      | {g for g, p in codes.items() if p[-1].casefold() in case_names})
        for case in cases:
            values = [(wanted[n], v) for n, v in _variable_values(case, variables, path) if n in wanted]
            for ref in _children(case, "SourceRef"):
                g = ref.get("targetGUID")
                for f, v in values:
                    if g in found:
                        found[g].setdefault(f, []).append((v, f"{_describe(case)}, variable"
                                                              f" '{mapping.variables[f]}'"))
        coded, texts, uncoded, case_codings = [], {}, 0, 0
        for s in sources:
            guid = s.get("guid")
            if not guid:
                raise InputError(path, f"project.qde: a TextSource ('{s.get('name')}') has no guid", fix=_HOW_TO_EXPORT)
            codings: list[tuple] = []  # selection, start, end, code guid, where, creating user
            for sel in _children(s, "PlainTextSelection"):
                where = f"{_describe(s)}, {_describe(sel)}"
                start, end = _int(sel, "startPosition", path, where), _int(sel, "endPosition", path, where)
                for c in _children(sel, "Coding"):
                    ref = _child(c, "CodeRef")
                    codings.append((sel.get("guid"), start, end, ref.get("targetGUID") if ref is not None else None,
                                    where + f", Coding (guid {c.get('guid')})",
                                    c.get("creatingUser") or sel.get("creatingUser")))
            for c in _children(s, "Coding"):  # the whole source coded
                ref = _child(c, "CodeRef")
                codings.append((guid, 0, None, ref.get("targetGUID") if ref is not None else None,
                                f"{_describe(s)}, Coding (guid {c.get('guid')})", c.get("creatingUser")))
            for _sel, _s, _e, code, where, _u in codings:
                if code not in codes:
                    raise InputError(path, f"project.qde: {where} refers to code {code!r}, which is not in the"
                                     " CodeBook", fix=_HOW_TO_EXPORT + " with its code book")
            kept = [c for c in codings if c[3] not in case_codes]
            case_codings += len(codings) - len(kept)
            if not kept:
                uncoded += not codings
                continue
            texts[guid] = _source_text(zf, s, path)
            fields_found = dict(found[guid])
            for f, v in _variable_values(s, variables, path):  # a source's own variables: where no case
                f = wanted.get(f)                                # gives the field
                if f is not None and f not in found[guid]:
                    fields_found.setdefault(f, []).append((v, f"{_describe(s)}, variable '{mapping.variables[f]}'"))
            name = (s.get("name") or guid).strip()
            attrs = source_fields(name, fields_found, mapping, path, f"project.qde: {_describe(s)}")
            coded.append((guid, name, attrs, kept))
        origin = root.get("origin")
        unit, reason = _position_unit(wanted_unit, origin, [(texts[g], st, en) for g, _n, _a, kept in coded
                                                             for _s, st, en, *_ in kept if en is not None])
        rows = []
        for guid, name, attrs, kept in coded:
            text = texts[guid]
            cum = offsets(text, unit)
            for sel, start, end, code, where, user in kept:
                if end is not None:
                    if start < 0 or end < start or end > cum[-1]:
                        raise InputError(path, f"project.qde: {where}: the selection {start}-{end} lies outside its"
                                         f" text ({int(cum[-1])} positions counted as {unit}, {reason})",
                                         fix="Check the positions' unit (mapping file, positions:) or export the"
                                         " project again")
                    (start, end), _exact = to_index([start, end], cum)
                if user and user not in user_rank:  # a creator missing from Users: after them, in order met
                    user_rank[user] = len(user_rank)
                rows.append({"source_guid": guid, "source_name": name, "selection": sel, "start": start,
                             "end": end, "code_path": codes[code], **attrs,
                             "coder": user_name.get(user, user) if user else None,
                             "coder_rank": user_rank[user] if user else NO_CODER_RANK})
    cols = ["source_guid", "source_name", "selection", "start", "end", "code_path", *SOURCE_FIELDS, "coder",
            "coder_rank"]
    return Project(path, pd.DataFrame(rows, columns=cols), texts, unit, reason, dropped, uncoded,
                   case_codings, len(case_codes & codes.keys()))


@dataclass
class Project:
    """What a ``.qdpx`` holds that relkap uses (:func:`read_project`).

    ``rows`` has one row per coding with the raw source name and code path (never stored or shared), its
    positions in code points and its coder (the ``User`` named by the coding's ``creatingUser``);
    ``texts`` each coded source's text (private: quotes).
    """

    path: Path
    rows: pd.DataFrame  # source_guid, source_name, selection, start, end, code_path, kommune, wave, group, coder, ...
    texts: dict[str, str]  # source guid -> its plain text
    unit: str = "codepoints"  # what the file's positions count (relkap.interviews.positions)
    unit_reason: str = ""  # how the unit was chosen
    dropped: dict[str, int] = field(default_factory=dict)  # pdf/picture/audio/video/transcript -> codings not read
    uncoded: int = 0  # text sources without codings
    case_codings: int = 0  # codings of codes that are cases, removed
    case_codes: int = 0  # codes that are cases


NO_CODER_RANK = 1_000_000  # codings without a creator: one coder, after every named one
MEDIA_KINDS = {"PDFSource": "pdf", "PictureSource": "picture", "AudioSource": "audio", "VideoSource": "video"}


def _media_codings(sources: ET.Element) -> dict[str, int]:
    """Codings relkap does not read: per kind (``pdf``, ``picture``, ``audio``, ``video``, ``transcript``)."""
    out: dict[str, int] = {}
    for el in sources:
        kind = MEDIA_KINDS.get(_local(el.tag))
        if kind is None:
            continue
        in_transcripts = sum(_local(c.tag) == "Coding" for t in _children(el, "Transcript") for c in t.iter())
        total = sum(_local(c.tag) == "Coding" for c in el.iter())
        for k, n in ((kind, total - in_transcripts), ("transcript", in_transcripts)):
            if n:
                out[k] = out.get(k, 0) + n
    return out


def _position_unit(wanted: str, origin: str | None, selections: list[tuple[str, int, int]]) -> tuple[str, str]:
    if wanted != "auto":
        return wanted, "set in the mapping"
    by_origin = unit_of_origin(origin)
    if by_origin is not None:
        return by_origin, f"the project's origin '{origin}'"
    unit, score = detect_unit(selections)
    if len(set(score.values())) == 1:
        return "codepoints", "the REFI-QDA standard; the units agree on these texts"
    return unit, f"detected: {score[unit]} of {2 * len(selections)} selection ends on word or line boundaries"


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
    qde = [n for n in zf.namelist() if PurePosixPath(n).suffix.lower() == ".qde"]
    if not qde:
        shown = ", ".join(zf.namelist()[:5]) or "nothing"
        zf.close()
        raise InputError(path, f"the archive has no project file (*.qde; it holds {shown})", fix=_HOW_TO_EXPORT)
    if len(qde) > 1:
        zf.close()
        raise InputError(path, f"the archive holds {len(qde)} project files ({', '.join(sorted(qde))}); a .qdpx"
                         " holds one project", fix="Export each project to a .qdpx of its own")
    try:
        root = ET.fromstring(zf.read(qde[0]))
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


def _source_text(zf: zipfile.ZipFile, source: ET.Element, path: Path) -> str:
    """A source's plain text: its file in the archive (``sources/``), or its inline ``PlainTextContent``."""
    inline = _child(source, "PlainTextContent")
    ptp = source.get("plainTextPath")
    if not ptp:
        if inline is not None:
            return inline.text or ""
        raise InputError(path, f"project.qde: {_describe(source)} has neither plainTextPath nor PlainTextContent",
                         fix=_HOW_TO_EXPORT)
    if not ptp.startswith("internal://"):
        raise InputError(path, f"project.qde: {_describe(source)}: plainTextPath '{ptp}' points outside the"
                         " archive", fix="Export the project with the sources embedded (internal://)")
    name = ptp[len("internal://"):]
    members = {n.lower(): n for n in zf.namelist()}
    for candidate in (f"sources/{name}", name):
        if candidate.lower() in members:
            return decode_source_text(zf.read(members[candidate.lower()]))
    raise InputError(path, f"{_describe(source)}: its text file '{ptp}' is missing from the archive (no"
                     f" sources/{name})", fix=_HOW_TO_EXPORT + " with its sources")


def _int(el: ET.Element, attr: str, path: Path, where: str) -> int:
    v = el.get(attr)
    try:
        return int(v)
    except (TypeError, ValueError):
        raise InputError(path, f"project.qde: {where}: {attr} must be a whole number, not {v!r}",
                         fix=_HOW_TO_EXPORT) from None
