"""Interviews beside the survey: coded interviews read, mapped onto RK themes, quantitized and shown.

Qualitative researchers code interviews in NVivo, ATLAS.ti, MAXQDA or QDA Miner; all of them export the
REFI-QDA Project Exchange format (`qdasoftware.org <https://www.qdasoftware.org>`_, schema
``urn:QDA-XML:project:1.0``), read by :mod:`relkap.interviews.refi`. Teams that code in a spreadsheet give a
**coded-segments table** instead (:mod:`relkap.interviews.segments`).

A **mapping file** (YAML) says where each interview's kommune, wave and interviewee group come from and what
the codes mean (the README's "Interviews" section, :func:`load_mapping`). The result is the tidy ``codings``
table, one row per kommune, wave, interview (source), coder, passage, code and valence:

=========== ==================================================================================================
kommune     int16, official kommune code
wave        category (the codebook's wave labels)
source      string, pseudonym of the interview: HMAC as respondent ids (:func:`relkap.io.pseudonymise`,
            same key), never the source's name
group       category (codebook groups), the interviewee's group; missing when the mapping gives none
code        string, the code's path in the project (``Problem/Relationer/myndighed -> skole``)
theme_kind  category: ``dimension``, ``tie``, ``leadership``, ``structure`` or ``free`` (unmapped code)
theme       string: a dimension code, ``rater->target``, a leadership or structure scale code, or (free) the
            code's name
rater       category (groups), for ties: the rating group A of T(A->B); missing otherwise
target      category (groups), for ties: the rated group B; missing otherwise
valence     category ``strength`` / ``problem``; missing when the coding carries none
segments    int32, number of coded selections
coder       string, who coded it (the project's ``User``, a table's ``coder``); missing when none is named
unit        Int32, the passage within the interview (overlapping selections of all coders merged; a table's
            ``segment``); missing for a coding of the whole source
first_coder bool, whether ``coder`` is the interview's first coder: the counts use only these codings
=========== ==================================================================================================

No quote text and no source name ever enter the table. :func:`private_quotes` reads the coded text behind a
cell for the researcher's own machine; it is not for shared products.

Every problem with a file raises :class:`~relkap.errors.InputError` naming the file and the element (its
``guid`` and ``name``) and saying how to fix it.

The modules, from files to displays: :mod:`~relkap.interviews.mapping` (the mapping file),
:mod:`~relkap.interviews.refi` (REFI-QDA projects), :mod:`~relkap.interviews.segments` (coded-segments
tables), :mod:`~relkap.interviews.codings` (the tidy table), :mod:`~relkap.interviews.quotes` (private
quotes), :mod:`~relkap.interviews.counts` (quantitizing: interviews per theme, the joint table beside the
survey), :mod:`~relkap.interviews.display` (joint displays, the kommune report's section) and
:mod:`~relkap.interviews.research` (the research notebook's joint tables across kommuner),
:mod:`~relkap.interviews.positions` (what REFI-QDA positions count, per exporter) and
:mod:`~relkap.interviews.agreement` (intercoder agreement per theme).
"""

from .agreement import AGREEMENT_COLUMNS, interview_agreement
from .codings import (
    CODINGS_COLUMNS,
    CheckedInterviews,
    check_interviews,
    empty_codings,
    interview_files,
    read_coded_segments,
    read_interviews,
    read_qdpx,
)
from .counts import (
    CONVERGENCE,
    MIN_INTERVIEWS,
    MIN_NET_CHANGE,
    interview_waves,
    joint_table,
    theme_change,
    theme_shares,
)
from .display import (
    JointSection,
    agreement_note,
    agreement_section,
    joint_display,
    joint_note,
    report_section,
    theme_display,
    theme_label,
)
from .mapping import THEME_KINDS, VALENCES, CodeRule, InterviewMapping, load_mapping
from .quotes import private_quotes
from .refi import NAMESPACE
from .research import research_display, research_joint

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
    "theme_shares",
    "theme_change",
    "joint_table",
    "interview_waves",
    "joint_display",
    "joint_note",
    "theme_display",
    "theme_label",
    "JointSection",
    "report_section",
    "research_joint",
    "research_display",
    "MIN_INTERVIEWS",
    "MIN_NET_CHANGE",
    "CONVERGENCE",
    "interview_agreement",
    "agreement_note",
    "agreement_section",
    "AGREEMENT_COLUMNS",
]
