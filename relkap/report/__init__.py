"""One kommune's baseline-versus-follow-up report: its tables, its ``summary.json`` and its sentences.

The report notebook (``notebooks/kommune_report.ipynb``) reads like this package's table of contents:

- :mod:`relkap.report.tables`: the statistics tables, computed once from the shared data (response
  overview, the RK index and its dimensions, ties, agreement, scales, dimension profile); the kommune among
  all kommuner is :func:`relkap.benchmark.index_benchmark`, re-exported as ``benchmark``;
- :mod:`relkap.report.briefing`: the first screen (title block, key points, headline), the ties that
  changed most and the targeted ties; :mod:`relkap.report.dialogue`: the three ties to talk about first;
- :mod:`relkap.report.response`: response rates from the invited counts of the parameter file;
- :mod:`relkap.report.display`: the tables for reading (labels, headers, rounding, "<5");
- :mod:`relkap.report.narrative`: the other generated sentences (response note, notes, sections);
- :mod:`relkap.report.methods`: the methods and limitations text, from what was actually done;
- :mod:`relkap.report.record`: what a report records about itself, ``summary.json`` and provenance.

Every public function is importable from ``relkap.report`` itself.
"""

from ..benchmark import index_benchmark as benchmark
from ..kommuner import kommune_name
from . import briefing, dialogue, display, methods, narrative, record, response, tables
from .display import (
    agreement_display,
    benchmark_display,
    change_table,
    received_perceived_table,
)
from .record import (
    SUMMARY_FIELDS,
    SUMMARY_SCHEMA,
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
    respondent_dimension_scores,
    response_overview,
    rk_change,
    scale_change,
    shared_tables,
    tie_change,
    tie_table,
    with_hidden,
)

__all__ = [
    # modules
    "tables", "briefing", "dialogue", "response", "display", "narrative", "methods", "record",
    # tables
    "kommune_tables", "shared_tables", "with_hidden", "has_wave", "check_kommune", "kommune_name", "response_overview",
    "respondent_dimension_scores", "rk_change", "tie_change", "tie_table", "agreement_tables", "scale_change",
    "dimension_profile_data", "benchmark",
    # display
    "change_table", "received_perceived_table", "agreement_display", "benchmark_display",
    # summary.json and provenance
    "summary", "write_summary", "provenance", "provenance_table", "SUMMARY_SCHEMA", "SUMMARY_FIELDS",
]
