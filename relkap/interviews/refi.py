"""REFI-QDA projects (``.qdpx``): the XML of the Project Exchange format read into one row per coding.

A ``.qdpx`` is a zip with ``project.qde`` (XML, namespace :data:`NAMESPACE`) and the source texts under
``sources/``. The parts read here:

- ``CodeBook/Codes/Code`` (``guid``, ``name``, nested): the codes, as paths ``Problem/Relationer/...``;
- ``Sources/TextSource`` (``guid``, ``name``, ``plainTextPath="internal://<file>"`` or an inline
  ``PlainTextContent``) holding ``PlainTextSelection`` (``guid``, ``startPosition``, ``endPosition``) with
  ``Coding/CodeRef@targetGUID``; a ``Coding`` directly under the source codes the whole text;
- ``Variables/Variable`` (``guid``, ``name``) and ``VariableValue`` (``VariableRef@targetGUID`` and one of
  ``TextValue``, ``IntegerValue``, ...) on a ``Case`` (with ``SourceRef@targetGUID``) or on a source.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pandas as pd

from ..errors import InputError
from .mapping import SOURCE_FIELDS, InterviewMapping, source_fields

__all__ = ["read_project", "Project", "NAMESPACE"]

NAMESPACE = "urn:QDA-XML:project:1.0"
_HOW_TO_EXPORT = ("Export the project again as a REFI-QDA project (.qdpx) from NVivo, ATLAS.ti, MAXQDA or"
                  " QDA Miner")


def read_project(path: str | os.PathLike, mapping: InterviewMapping) -> Project:
    """Read and check a REFI-QDA project: one row per coding, with each interview's kommune, wave and group
    found as ``mapping`` says (:func:`relkap.interviews.mapping.source_fields`).

    An :class:`~relkap.errors.InputError` names the file and the element (its ``guid`` and ``name``)."""
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
            attrs = source_fields(name, fields_found, mapping, path, f"project.qde: {_describe(s)}")
            for sel, start, end, code, _where in codings:
                rows.append({"source_guid": guid, "source_name": name, "selection": sel, "start": start,
                             "end": end, "code_path": codes[code], **attrs})
    cols = ["source_guid", "source_name", "selection", "start", "end", "code_path", *SOURCE_FIELDS]
    return Project(path, pd.DataFrame(rows, columns=cols), texts)


@dataclass
class Project:
    """What a ``.qdpx`` holds that relkap uses (:func:`read_project`).

    ``rows`` has one row per coding with the raw source name and code path (never stored or shared),
    ``texts`` where each source's text is: its zip member, or ``''`` and the inline text.
    """

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
