"""One kommune's baseline-versus-follow-up report: its tables, its ``summary.json`` and its sentences.

The report notebook (``notebooks/kommune_report.ipynb``) reads like this package's table of contents:

- :mod:`relkap.report.model`: :func:`build` computes everything a kommune's report shows, once, as a
  :class:`KommuneReport` (the notebook displays it, :func:`summary` writes it to ``summary.json``, the
  explorer reads it);
- :mod:`relkap.report.tables`: the statistics tables, computed once from the shared data (response
  overview, the RK index and its dimensions, ties, agreement, scales, dimension profile); the kommune among
  all kommuner is :func:`relkap.benchmark.index_benchmark`, re-exported as ``benchmark``;
- :mod:`relkap.report.briefing`: the first screen (title block, headline, reading guide);
  :mod:`relkap.report.keypoints`: the key points; :mod:`relkap.report.changed`: the ties that changed most;
  :mod:`relkap.report.targeted`: the targeted ties; :mod:`relkap.report.dialogue`: the three ties to talk
  about first; :mod:`relkap.report.ties`: their shared pieces (certainty in words, tie names);
- :mod:`relkap.report.response`: response rates from the invited counts of the parameter file;
- :mod:`relkap.report.display`: the tables for reading (labels, headers, rounding, "<5");
- :mod:`relkap.report.narrative`: the other generated sentences (response note, notes, sections);
- :mod:`relkap.report.methods`: the methods and limitations text, from what was actually done;
- :mod:`relkap.report.record`: what a report records about itself: its inputs, ``summary.json`` (one
  writer, one schema) and provenance.

The model, the tables, the display tables and the record are importable from ``relkap.report`` itself; the
sentence helpers from their modules.
"""

from ..benchmark import index_benchmark as benchmark
from ..kommuner import kommune_name
from . import (
    briefing,
    changed,
    dialogue,
    display,
    keypoints,
    methods,
    model,
    narrative,
    record,
    response,
    tables,
    targeted,
    ties,
)
from .display import (
    agreement_display,
    benchmark_display,
    change_table,
    plain_change_table,
    received_perceived_table,
    wave_change_table,
)
from .model import KommuneReport, build
from .record import (
    SUMMARY_FIELDS,
    SUMMARY_SCHEMA,
    Inputs,
    inputs,
    provenance,
    provenance_table,
    summary,
    write_summary,
)
from .tables import (
    agreement_tables,
    check_kommune,
    dimension_profile_data,
    has_wave,
    kommune_tables,
    received_perceived_gap,
    respondent_dimension_scores,
    response_overview,
    rk_change,
    scale_change,
    shared_tables,
    tie_change,
    tie_table,
)

__all__ = [
    # modules
    "model", "tables", "briefing", "keypoints", "changed", "targeted", "ties", "dialogue", "response", "display",
    "narrative", "methods", "record",
    # the model
    "build", "KommuneReport",
    # tables
    "kommune_tables", "shared_tables", "has_wave", "check_kommune", "kommune_name", "response_overview",
    "respondent_dimension_scores", "rk_change", "tie_change", "tie_table", "agreement_tables", "scale_change",
    "dimension_profile_data", "received_perceived_gap", "benchmark",
    # display
    "change_table", "plain_change_table", "wave_change_table", "received_perceived_table", "agreement_display",
    "benchmark_display",
    # inputs, summary.json and provenance
    "Inputs", "inputs", "summary", "write_summary", "provenance", "provenance_table", "SUMMARY_SCHEMA", "SUMMARY_FIELDS",
]
