"""Coded interviews in: REFI-QDA projects (``.qdpx``) and coded-segments tables, mapped onto RK themes.

Qualitative researchers code interviews in NVivo, ATLAS.ti, MAXQDA or QDA Miner; all of them export the
REFI-QDA Project Exchange format (`qdasoftware.org <https://www.qdasoftware.org>`_, schema
``urn:QDA-XML:project:1.0``), read by :mod:`relkap.qda.refi`. Teams that code in a spreadsheet give a
**coded-segments table** instead (:mod:`relkap.qda.segments`).

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

The modules: :mod:`~relkap.qda.mapping` (the mapping file), :mod:`~relkap.qda.refi` (REFI-QDA projects),
:mod:`~relkap.qda.segments` (coded-segments tables), :mod:`~relkap.qda.codings` (the tidy table) and
:mod:`~relkap.qda.quotes` (private quotes).
"""

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
from .mapping import THEME_KINDS, VALENCES, CodeRule, InterviewMapping, load_mapping
from .quotes import private_quotes
from .refi import NAMESPACE

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
