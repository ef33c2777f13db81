"""Import raw survey exports into the tidy tables, and load them again.

Raw input (see the README, "Raw input formats"):

- ``employees``: wide, one row per respondent: ``kommune``, ``wave``, ``respondent_id``, ``group``, one
  column ``<relational item>__<target group>`` per item and target, then the employee scale items.
- ``citizens``: ``kommune``, ``wave``, ``respondent_id``, then the citizen scale items.
- ``structures``: ``kommune``, ``wave``, ``coder``, then one column per structure item.

Coded interviews (REFI-QDA projects and coded-segments tables, :mod:`relkap.interviews`) are imported the same way:
a raw folder's ``interviews/`` subfolder with its ``mapping.yaml``, or one interview file named directly. They
become the fifth table, ``codings``; no quote text and no source name enter it.

Everything is validated before anything is written; every problem of every file is named at once
(:class:`~relkap.errors.InputErrors`, one :class:`~relkap.errors.InputError` per problem) with the file, the
rows (as numbered in a spreadsheet: the header is row 1) and the column (its letter, position and header).

The modules, from bytes to the store:

- :mod:`relkap.decode` (below this package, shared with :mod:`relkap.interviews`): bytes to cells: UTF-8 (with or without BOM), UTF-16 with BOM or cp1252, never
  mojibake (a stray byte is refused with its line, character and column); the CSV delimiter; Excel and SPSS.
- :mod:`relkap.raw` (below this package too): :func:`read_raw`, one export as a table with the spreadsheet's row numbers and
  column positions; fully empty rows and header-less empty columns (Excel leftovers) are ignored with a note.
- :mod:`relkap.io.mapping`: the files of a raw folder, and mapping files for SurveyXact exports (workbook or
  ``dataset.csv`` + ``structure.csv`` + ``labels.csv``), Qualtrics CSVs (three header rows) and SPSS files.
- :mod:`relkap.io.codes`: codes typed with another case or accents read as the codebook's where unambiguous,
  else "did you mean".
- :mod:`relkap.io.validate`: ids, kommune codes, waves, groups, item columns and answers, reshaped into the
  tidy long tables (:func:`read_survey`, :func:`tidy_tables`, :class:`Tables`).
- :mod:`relkap.io.duplicates`: a respondent twice in a kommune and wave, in one export or two, and exact
  copies of a row.
- :mod:`relkap.pseudonym` (below this package too): the pseudonym key and the keyed hash of respondent ids (:func:`pseudonymise`).
- :mod:`relkap.io.store`: the processed tables as a store keyed by kommune and wave (:func:`import_raw`,
  :func:`load`), changed all at once.
"""

from ..pseudonym import KEY_ENV, KEY_FILE, key_fingerprint, pseudonym_key, pseudonymise
from ..raw import FORMATS, KINDS, RAW_SUFFIXES, read_raw
from .mapping import Source
from .store import (
    INTERVIEWS,
    STORE_FILE,
    STORE_KINDS,
    SYNTHETIC_MARK,
    ImportResult,
    StoreChange,
    foreign_sources,
    import_raw,
    load,
    raw_origin,
)
from .validate import SURVEY_TABLES, TABLES, Tables, read_survey, tidy_tables

__all__ = [
    "Tables",
    "TABLES",
    "SURVEY_TABLES",
    "KINDS",
    "STORE_KINDS",
    "INTERVIEWS",
    "FORMATS",
    "RAW_SUFFIXES",
    "STORE_FILE",
    "SYNTHETIC_MARK",
    "KEY_ENV",
    "KEY_FILE",
    "Source",
    "read_raw",
    "read_survey",
    "tidy_tables",
    "import_raw",
    "foreign_sources",
    "raw_origin",
    "ImportResult",
    "StoreChange",
    "load",
    "pseudonymise",
    "pseudonym_key",
    "key_fingerprint",
]
