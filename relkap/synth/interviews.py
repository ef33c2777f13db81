"""Synthetic coded interviews for the demo kommuner: one REFI-QDA project (``.qdpx``) per kommune.

:func:`write_demo_interviews` writes ``<code>.qdpx`` for every kommune parameter file given and the
interview mapping ``mapping.yaml`` that :func:`relkap.interviews.read_interviews` reads them with. Each kommune
draws from a random stream of its own, ``numpy.random.default_rng([seed, 16, kommune])``, so the survey
demo of :mod:`relkap.synth` stays exactly as it is and a kommune's interviews do not depend on the others.

Design (consistent with the survey's built-in effects in :mod:`relkap.synth`)
---------------------------------------------------------------------------
- :data:`INTERVIEWS_PER_WAVE` (6-10) interviews per kommune and wave, one interviewee each, drawn from the
  kommune's groups; in intervention kommuner the groups of the targeted ties are three times as likely
  (researchers interview the key actors of the focal process).
- Every interview speaks of a few RK dimensions, leadership behaviours, structures, free themes and ties of
  the interviewee's own group, each as a strength or a problem with probability 1/2 in both waves
  (nothing changes there in the survey either, apart from the small time trend).
- Targeted ties of intervention kommuner (``targeted_ties``): interviewees of the tie's two groups speak of
  the tie with probability :data:`P_TARGETED_KEY`, others with :data:`P_TARGETED_OTHER`; as a strength with
  probability :data:`P_STRENGTH_TARGETED` ``[baseline, followup]`` = 0.1 then 0.9. So the interviews speak
  of them more as strengths at follow-up, where the survey has the +0.5 intervention effect.
- The code book follows a common pattern: parent codes ``Styrke`` and ``Problem`` carry the valence, with
  the same children under each (``Relationer/<rater> -> <target>``, ``RK-dimensioner/<label>``,
  ``Ledelse/<label>``, ``Strukturer/<label>``); ``Andre temaer`` holds the free themes. Cases carry the
  variables ``Kommune`` (code), ``Runde`` (Førmåling / Eftermåling) and ``Faggruppe`` (the group's Danish
  label); source names look like real ones ("Interview 03 (Skole), førmåling") so tests can check they
  never reach an output.
- Two coders (``Users``: :data:`INTERVIEW_CODERS`): the first coded every interview; the second coded a share
  :data:`P_SECOND_CODER` of them again, independently: each passage the first coder coded with the same code
  with probability :data:`P_SAME_CODE`, with the other valence's code (where the code book has it) with
  :data:`P_OTHER_VALENCE`, else not at all; the second coder's selection starts at the answer's ``R:`` with
  probability 1/3 (overlapping selections are one passage); and with probability :data:`P_EXTRA_FREE` per
  interview codes one answer with a free theme the first coder did not give it. The second coder draws from
  streams of its own (``[seed, 16, kommune, 2]`` for guids, ``[seed, 16, kommune, 3]`` for choices), so the
  first coder's codings, the texts and the guids are those of the single-coder demo; the counts use the first
  coder (:mod:`relkap.interviews.counts`), so the interview counts are unchanged.
- The archive's members carry a fixed date (1980-01-01), so the same seed writes the same bytes.
"""

from __future__ import annotations

import os
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import yaml

from .. import config
from ..files import atomic_write, write_text
from ..instrument import Instrument, load_instrument
from ..interviews.refi import NAMESPACE
from ..params import KommuneParams, load_all_kommune_params

__all__ = ["write_demo_interviews", "demo_mapping", "INTERVIEWS_PER_WAVE", "P_STRENGTH_TARGETED",
           "P_TARGETED_KEY", "P_TARGETED_OTHER", "P_SECOND_CODER", "INTERVIEW_CODERS"]

INTERVIEWS_PER_WAVE = (6, 10)
P_TARGETED_KEY = 0.9  # an interviewee of the targeted tie's groups speaks of the tie
P_TARGETED_OTHER = 0.35  # any other interviewee does
P_STRENGTH_TARGETED = (0.1, 0.9)  # targeted tie spoken of as a strength: baseline, follow-up
P_OWN_TIE = 0.25  # each other tie of the interviewee's own group
P_STRENGTH = 0.5  # everything else, both waves
P_REPEAT = 0.3  # a tie spoken of a second time in the same interview (two segments, one interview)
P_SECOND_CODER = 0.3  # share of interviews coded a second time, by the second coder
P_SAME_CODE = 0.85  # the second coder gives a passage the first coder's code
P_OTHER_VALENCE = 0.05  # ... or the code of the other valence (else leaves it uncoded)
P_EXTRA_FREE = 0.3  # the second coder codes one answer with a free theme, per interview coded
INTERVIEW_CODERS = ("koder_1", "koder_2")  # the demo projects' Users (as the structure codings' coders)
LEADERSHIP = ("vision", "deltagelse", "ramme", "involvering")
WAVE_WORDS = ("Førmåling", "Eftermåling")

GROUP_NOUNS = {
    "myndighed": "myndighedsrådgiverne", "udfoerer": "familiebehandlerne", "skole": "skolen",
    "dagtilbud": "dagtilbuddene", "ppr": "PPR", "sundhedspleje": "sundhedsplejen", "jobcenter": "jobcentret",
    "psykiatri": "børne- og ungdomspsykiatrien", "sundhed": "sundhed og forebyggelse", "ledere": "lederne",
}
TIE_TEXT = {
    "strength": (
        "Samarbejdet mellem {a} og {b} er blevet meget bedre; man ringer bare til hinanden, når der er en bekymring.",
        "{A} oplever, at {b} tager dem med på råd, og at de har et fælles billede af barnet.",
        "Der er kommet faste møder mellem {a} og {b}, så sagerne ikke ligger og venter.",
    ),
    "problem": (
        "Mellem {a} og {b} falder sagerne ofte mellem to stole; ingen ved helt, hvem der gør hvad.",
        "{A} har svært ved at få fat i {b}, og der kommer sjældent svar tilbage.",
        "Der er en vis mistillid mellem {a} og {b}; man taler forbi hinanden.",
    ),
}
THEME_TEXT = {
    "kendskab": ("Vi kender efterhånden hinandens opgaver og ved, hvad de andre faggrupper kan bidrage med.",
                 "Vi ved for lidt om, hvad de andre faggrupper egentlig laver, og hvad vi kan forvente af dem."),
    "respekt": ("Der er stor respekt for hinandens faglighed, også når vi er uenige.",
                "Nogle gange føler vi ikke, at vores faglige vurderinger bliver taget alvorligt af de andre."),
    "bidrag": ("Alle byder ind med deres faglighed, og det gør vores beslutninger bedre.",
               "Det er ofte de samme, der bidrager, og nogle faggrupper sidder bare med."),
    "videndeling": ("Vi deler viden løbende, så alle har de samme oplysninger om familien.",
                    "Oplysninger bliver hængende hos den enkelte, og vi hører det for sent."),
    "problemloesning": ("Når noget går galt, sætter vi os sammen og finder en løsning i stedet for en syndebuk.",
                        "Når der opstår problemer, skubber vi dem rundt mellem afdelingerne."),
    "innovation": ("Vi har prøvet nye måder at arbejde sammen på, og det har givet mod på mere.",
                   "Det er svært at få plads til at prøve noget nyt; vi gør, som vi plejer."),
    "vision": ("Ledelsen har været tydelig om, hvad vi vil med det tværfaglige samarbejde.",
               "Vi ved ikke rigtigt, hvad ledelsen vil med samarbejdet; visionen er uklar."),
    "deltagelse": ("Vi bliver inddraget, når der skal besluttes noget om vores måde at arbejde på.",
                   "Beslutningerne bliver truffet hen over hovedet på os."),
    "ramme": ("Lederne sætter klare rammer, så vi ved, hvad vi selv må beslutte.",
              "Rammerne er uklare, så vi bruger meget tid på at finde ud af, hvem der bestemmer."),
    "involvering": ("Vores leder insisterer på, at alle faggrupper er med, også når det er besværligt.",
                    "Der er ingen, der holder fast i, at alle skal involveres; det glider ud."),
    "organisering": ("Organiseringen i et fælles team gør det nemt at finde hinanden.",
                     "Vi sidder i hver vores forvaltning, og organisationen spænder ben for samarbejdet."),
    "strukturer": ("De faste samarbejdsfora fungerer godt.", "Vi mangler faste mødefora på tværs."),
    "processer": ("Vi har en fælles arbejdsgang for underretninger, som alle kender.",
                  "Arbejdsgangene er forskellige fra afdeling til afdeling, og det skaber forvirring."),
    "strategier": ("Der er fælles mål for indsatsen, som vi kan navigere efter.",
                   "Vi har ikke fælles mål; hver afdeling har sine egne."),
}
FREE_THEMES = {
    "Ressourcer og tid": "Der er simpelthen for mange sager per medarbejder til, at vi kan nå det hele.",
    "Digitale systemer": "Vores it-systemer kan ikke tale sammen, så vi sender oplysninger på mail.",
    "Personaleomsætning": "Der har været stor udskiftning, så relationerne skal bygges op igen og igen.",
    "Tavshedspligt": "Reglerne om tavshedspligt gør os usikre på, hvad vi må dele med hinanden.",
}
QUESTIONS = {
    "tie": "I: Hvordan oplever du samarbejdet med de andre faggrupper?",
    "dimension": "I: Kan du give et eksempel fra hverdagen?",
    "leadership": "I: Hvad betyder ledelsen for samarbejdet?",
    "structure": "I: Hvordan hænger jeres strukturer og arbejdsgange sammen?",
    "free": "I: Er der andet, der fylder i hverdagen?",
}
PARENTS = {"tie": "Relationer", "dimension": "RK-dimensioner", "leadership": "Ledelse", "structure": "Strukturer"}
VALENCE_CODES = {"strength": "Styrke", "problem": "Problem"}


def _noun(group: str, inst: Instrument) -> str:
    return GROUP_NOUNS.get(group, inst.label(group, "da").lower())


def _tie_code(a: str, b: str) -> str:
    return f"{a} -> {b}"


class _Guids:
    def __init__(self, rng: np.random.Generator):
        self.rng = rng

    def __call__(self) -> str:
        return str(uuid.UUID(bytes=self.rng.bytes(16), version=4))


def _interview(rng: np.random.Generator, kp: KommuneParams, group: str, wave: int,
               inst: Instrument) -> list[tuple[str, str, str | None]]:
    """One interview's coded segments: (kind, theme, valence) in the order spoken."""
    segs: list[tuple[str, str, str | None]] = []
    targeted = [tuple(t) for t in kp.targeted_ties] if kp.arm == "intervention" else []
    for a, b in targeted:
        if rng.random() < (P_TARGETED_KEY if group in (a, b) else P_TARGETED_OTHER):
            v = "strength" if rng.random() < P_STRENGTH_TARGETED[wave] else "problem"
            segs.append(("tie", f"{a}->{b}", v))
            if rng.random() < P_REPEAT:
                segs.append(("tie", f"{a}->{b}", v))
    for other in kp.groups:
        if other != group and (group, other) not in targeted and rng.random() < P_OWN_TIE:
            segs.append(("tie", f"{group}->{other}", "strength" if rng.random() < P_STRENGTH else "problem"))
    dims = [d for d in inst.relational_codes if d in THEME_TEXT]
    for d in rng.choice(dims, size=min(len(dims), int(rng.integers(2, 4))), replace=False):
        segs.append(("dimension", str(d), "strength" if rng.random() < P_STRENGTH else "problem"))
    for s in rng.choice(LEADERSHIP, size=int(rng.integers(1, 3)), replace=False):
        segs.append(("leadership", str(s), "strength" if rng.random() < P_STRENGTH else "problem"))
    if rng.random() < 0.6:
        s = str(rng.choice(("organisering", "strukturer", "processer", "strategier")))
        segs.append(("structure", s, "strength" if rng.random() < P_STRENGTH else "problem"))
    for name in FREE_THEMES:
        if rng.random() < 0.3:
            segs.append(("free", name, None))
    return segs


def _sentence(rng: np.random.Generator, kind: str, theme: str, valence: str | None, inst: Instrument) -> str:
    if kind == "tie":
        a, b = theme.split("->")
        t = str(rng.choice(TIE_TEXT[valence]))
        na, nb = _noun(a, inst), _noun(b, inst)
        return t.format(a=na, b=nb, A=na[:1].upper() + na[1:])
    if kind == "free":
        return FREE_THEMES[theme]
    return THEME_TEXT[theme][0 if valence == "strength" else 1]


def _code_label(kind: str, theme: str, inst: Instrument) -> str:
    if kind == "tie":
        return _tie_code(*theme.split("->"))
    return inst.label(theme, "da")


def _el(parent: ET.Element | None, tag: str, **attrs: str) -> ET.Element:
    name = f"{{{NAMESPACE}}}{tag}"
    el = ET.Element(name, attrs) if parent is None else ET.SubElement(parent, name, attrs)
    return el


def _project(kp: KommuneParams, seed: int, inst: Instrument) -> tuple[bytes, dict[str, str]]:
    """project.qde (bytes) and the source texts {file name in sources/: text} of one kommune."""
    rng = np.random.default_rng([int(seed), 16, int(kp.kommune)])
    guid = _Guids(np.random.default_rng([int(seed), 16, int(kp.kommune), 1]))
    interviews = []  # (wave, number, group, [(kind, theme, valence)])
    key = {g for t in kp.targeted_ties for g in t} if kp.arm == "intervention" else set()
    weights = np.array([3.0 if g in key else 1.0 for g in kp.groups])
    lo, hi = INTERVIEWS_PER_WAVE
    for wave in (0, 1):
        n = int(rng.integers(lo, hi + 1))
        groups = rng.choice(kp.groups, size=n, p=weights / weights.sum())
        for i, g in enumerate(groups):
            interviews.append((wave, i + 1, str(g), _interview(rng, kp, str(g), wave, inst)))

    root = _el(None, "Project", name=f"RK-interviews {kp.name}", origin="relkap.synth_interviews")
    guid2 = _Guids(np.random.default_rng([int(seed), 16, int(kp.kommune), 2]))  # the second coder's streams
    rng2 = np.random.default_rng([int(seed), 16, int(kp.kommune), 3])
    users = _el(root, "Users")
    user_guid = [guid2() for _ in INTERVIEW_CODERS]
    for g, name in zip(user_guid, INTERVIEW_CODERS, strict=True):
        _el(users, "User", guid=g, name=name)
    codes_el = _el(_el(root, "CodeBook"), "Codes")
    used = {(k, t) for *_, segs in interviews for k, t, _v in segs}
    code_guid: dict[tuple[str, str, str | None], str] = {}
    for valence, vname in VALENCE_CODES.items():
        top = _el(codes_el, "Code", guid=guid(), name=vname, isCodable="false")
        for kind, parent_name in PARENTS.items():
            themes = sorted(t for k, t in used if k == kind)
            if not themes:
                continue
            parent = _el(top, "Code", guid=guid(), name=parent_name, isCodable="false")
            for t in themes:
                code_guid[(kind, t, valence)] = guid()
                _el(parent, "Code", guid=code_guid[(kind, t, valence)], name=_code_label(kind, t, inst),
                    isCodable="true")
    free = _el(codes_el, "Code", guid=guid(), name="Andre temaer", isCodable="false")
    for name in FREE_THEMES:
        code_guid[("free", name, None)] = guid()
        _el(free, "Code", guid=code_guid[("free", name, None)], name=name, isCodable="true")

    var_guid = {v: guid() for v in ("Kommune", "Runde", "Faggruppe")}
    variables = _el(root, "Variables")
    for v, g in var_guid.items():
        _el(variables, "Variable", guid=g, name=v, typeOfVariable="Integer" if v == "Kommune" else "Text")
    cases = _el(root, "Cases")
    sources = _el(root, "Sources")
    texts: dict[str, str] = {}
    for wave, number, group, segs in interviews:
        label = inst.label(group, "da")
        src_guid = guid()
        lines = ["I: Vil du starte med at fortælle om dit arbejde?",
                 f"R: Jeg arbejder med {_noun(group, inst)} og har været her i {int(rng.integers(1, 25))} år."]
        spans = []
        for kind, theme, valence in segs:
            lines.append(QUESTIONS[kind])
            sentence = _sentence(rng, kind, theme, valence, inst)
            start = sum(len(x) + 1 for x in lines) + len("R: ")
            lines.append("R: " + sentence)
            spans.append((start, start + len(sentence), kind, theme, valence))
        text = "\n".join(lines) + "\n"
        texts[f"{src_guid}.txt"] = text
        src = _el(sources, "TextSource", guid=src_guid,
                  name=f"Interview {number:02d} ({label}), {WAVE_WORDS[wave].lower()}",
                  plainTextPath=f"internal://{src_guid}.txt")
        for start, end, kind, theme, valence in spans:
            sel = _el(src, "PlainTextSelection", guid=guid(), startPosition=str(start), endPosition=str(end),
                      creatingUser=user_guid[0])
            coding = _el(sel, "Coding", guid=guid(), creatingUser=user_guid[0])
            _el(coding, "CodeRef", targetGUID=code_guid[(kind, theme, valence)])
        if rng2.random() < P_SECOND_CODER:
            _second_coder(src, spans, code_guid, rng2, guid2, user_guid[1])
        case = _el(cases, "Case", guid=guid(), name=f"Interviewperson {WAVE_WORDS[wave][0]}{number}")
        for v, value in (("Kommune", str(kp.kommune)), ("Runde", WAVE_WORDS[wave]), ("Faggruppe", label)):
            vv = _el(case, "VariableValue")
            _el(vv, "VariableRef", targetGUID=var_guid[v])
            _el(vv, "IntegerValue" if v == "Kommune" else "TextValue").text = value
        _el(case, "SourceRef", targetGUID=src_guid)
    ET.register_namespace("", NAMESPACE)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True), texts


def _second_coder(src: ET.Element, spans: list[tuple], code_guid: dict, rng: np.random.Generator,
                  guid: _Guids, user: str) -> None:
    """The second coder's selections of one interview (module docstring)."""
    other = {"strength": "problem", "problem": "strength"}
    coded = []
    for start, end, kind, theme, valence in spans:
        u = rng.random()
        if u < P_SAME_CODE:
            code = code_guid[(kind, theme, valence)]
        elif u < P_SAME_CODE + P_OTHER_VALENCE and valence in other and (kind, theme, other[valence]) in code_guid:
            code = code_guid[(kind, theme, other[valence])]
        else:
            continue
        coded.append((start - 3 if rng.random() < 1 / 3 else start, end, code))
    if spans and rng.random() < P_EXTRA_FREE:
        start, end, kind, theme, _v = spans[int(rng.integers(len(spans)))]
        name = str(rng.choice(list(FREE_THEMES)))
        if (kind, theme) != ("free", name):
            coded.append((start, end, code_guid[("free", name, None)]))
    for start, end, code in coded:
        sel = _el(src, "PlainTextSelection", guid=guid(), startPosition=str(start), endPosition=str(end),
                  creatingUser=user)
        coding = _el(sel, "Coding", guid=guid(), creatingUser=user)
        _el(coding, "CodeRef", targetGUID=code)


def demo_mapping(instrument: Instrument | None = None, groups: Iterable[str] | None = None) -> dict:
    """The interview mapping of the demo projects (as a dict; :func:`write_demo_interviews` writes it)."""
    inst = instrument or load_instrument()
    gs = list(groups) if groups is not None else inst.group_codes
    codes: dict[str, dict] = {name: {"valence": v} for v, name in VALENCE_CODES.items()}
    for d in inst.relational_codes:
        codes[inst.label(d, "da")] = {"dimension": d}
    for s in LEADERSHIP:
        codes[inst.label(s, "da")] = {"leadership": s}
    for s in ("organisering", "strukturer", "processer", "strategier"):
        codes[inst.label(s, "da")] = {"structure": s}
    for a in gs:
        for b in gs:
            if a != b:
                codes[_tie_code(a, b)] = {"tie": [a, b]}
    return {
        "sources": {
            "variables": {"kommune": "Kommune", "wave": "Runde", "group": "Faggruppe"},
            "values": {"wave": {WAVE_WORDS[0]: inst.waves.baseline, WAVE_WORDS[1]: inst.waves.followup},
                       "group": {inst.label(g, "da"): g for g in inst.group_codes}},
        },
        "codes": codes,
        "free_themes": "keep",
    }


def _member(name: str) -> zipfile.ZipInfo:
    """A zip member with a fixed date, so the same seed writes the same bytes."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def write_demo_interviews(out_dir: str | os.PathLike | None = None,
                          kommuner_params: Iterable[KommuneParams] | str | os.PathLike | None = None,
                          seed: int = 1, instrument: Instrument | str | None = None) -> list[Path]:
    """Write ``<code>.qdpx`` per kommune and ``mapping.yaml`` into ``out_dir``; returns the paths.

    ``kommuner_params``: :class:`~relkap.params.KommuneParams` (e.g. ``relkap.synth.simulate(...).params``)
    or a folder of parameter files (default ``params/kommuner``). ``out_dir`` defaults to
    ``data/raw/demo/interviews``. Each file is written atomically.
    """
    inst = load_instrument(instrument)
    if kommuner_params is None or isinstance(kommuner_params, str | os.PathLike):
        params = list(load_all_kommune_params(kommuner_params).values())
    else:
        params = list(kommuner_params)
    out = config.resolve(out_dir, config.RAW_DIR / "demo" / "interviews")
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for kp in params:
        qde, texts = _project(kp, seed, inst)

        def write(tmp: str, qde=qde, texts=texts) -> None:
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(_member("project.qde"), qde)
                for name, t in texts.items():
                    zf.writestr(_member(f"sources/{name}"), t.encode("utf-8"))

        paths.append(atomic_write(out / f"{kp.kommune}.qdpx", write))
    groups = sorted({g for kp in params for g in kp.groups}, key=inst.group_codes.index)
    header = ("# Interview mapping of the synthetic demo projects (relkap.synth_interviews); see"
              " the README, 'Interviews beside the survey'\n")
    text = header + yaml.safe_dump(demo_mapping(inst, groups), allow_unicode=True, sort_keys=False, width=110)
    paths.append(write_text(out / "mapping.yaml", text))
    return paths
