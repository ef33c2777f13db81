"""The research questions across kommuner: the aggregation check, H1-H3 and RQ1-RQ4 on the pooled data.

Read the modules in this order:

- :mod:`~relkap.research.data`: the tidy inputs, built once from :func:`relkap.load`'s tables:
  :func:`respondent_table` (one row per employee and wave), :func:`citizen_table`, :func:`unit_table`
  (one row per kommune and wave, with the sampling (co)variances of the kommune means).
- :mod:`~relkap.research.fit`: what the questions share: mixed models, OLS with kommune-clustered SEs,
  reliability and the corrections for measurement error, and the result table.
- One module per question: :mod:`~relkap.research.aggregation` (:func:`aggregation_check`),
  :mod:`~relkap.research.h1` (:func:`structures_rk`), :mod:`~relkap.research.h2`
  (:func:`leadership_models`, also RQ3), :mod:`~relkap.research.h3` (:func:`structures_leadership`),
  :mod:`~relkap.research.rq1` (:func:`cocreation_outcomes`), :mod:`~relkap.research.rq2`
  (:func:`rk_citizen`, :func:`mediation`), :mod:`~relkap.research.rq4` (:func:`intervention_did`).
- :mod:`~relkap.research.questions`: what each question needs from the data and :func:`analyse`, which
  answers every question the data can answer and says why not for the others.
- :mod:`~relkap.research.answers`: one answer per hypothesis and question (estimate, CI, small-sample p,
  verdict, caveats) from the tables.
- :mod:`~relkap.research.texts` (methods and limitations), :mod:`~relkap.research.display` (tables and
  figures for readers), :mod:`~relkap.research.outputs` (``research_summary.json`` and CSV files),
  :mod:`~relkap.research.run` (the notebook through papermill).

Every result table has one row per estimate with ``estimate``, ``ci_low``, ``ci_high`` (95%), ``p_val``,
``df`` and ``method`` (the small-sample test behind ``p_val`` and the CI: Satterthwaite df for mixed models,
t on the kommuner's df for kommune-level OLS, a bootstrap or permutation over kommuner), ``p_adj`` (within a family of tests; the method in ``p_adjust``), ``n_units`` (kommuner in the model) and
``n_respondents`` (employees or citizens behind it) after the columns that say what was estimated.

Levels and models (aggregation to the unit as Bliese 2000, in Klein & Kozlowski (eds.), *Multilevel
theory, research, and methods in organizations*):

- Respondent level: the respondent's cross-group RK index, the four leadership subscales, their mean
  (``leadership``) and motivation. Mixed models (REML at lme4's optimum, t tests on Satterthwaite df:
  :func:`relkap.mixed.satterthwaite`) have a random intercept per kommune and, by default, a variance
  component for the group within the kommune (``nesting="vc"``; ``"combined"`` uses one random intercept
  per kommune:group instead). Every model has a fixed effect per wave (all the waves in the data, in the
  codebook's order: ``waves`` and ``wave_term`` in every table say which).
- Unit level: one row per kommune and wave. RK is the unweighted mean of the kommune's cross-group tie
  means (each tie counts once, as in the relational-coordination literature); employee scales are the
  unweighted mean of the group means; structures are the mean over coders and the structure dimensions;
  citizen scales are citizen means. Unit-level OLS uses kommune-clustered standard errors (the waves
  of a kommune are not independent; CR2 with Satterthwaite df) and a fixed effect per wave.
- Same-source variance: H2/RQ3 relate leadership to RK and motivation rated by the same employees; the H2
  table also gives a split-sample estimate (predictor and outcome from different random halves of each
  group, :func:`relkap.research.h2.leadership_models`).
- Measurement error in a predictor scale attenuates a slope by the predictor's reliability. Tables with a
  scale predictor also give ``estimate_corrected`` = estimate / reliability (Spearman's correction, with
  Cronbach's alpha as the reliability; the CI is divided by the same number, ignoring the uncertainty of
  alpha). For the leadership total the reliability is alpha over the four subscale scores.
"""

from __future__ import annotations

from .aggregation import aggregation_check
from .answers import ANSWERS, REASONS, VERDICTS, answers
from .data import (
    LEADERSHIP_SCALES,
    citizen_table,
    example_tables,
    respondent_table,
    unit_table,
    wave_order,
)
from .display import (
    answers_reasons,
    answers_rule,
    answers_table,
    counts_table,
    display_table,
    event_study_rows,
    localise,
    note,
    present,
    show,
    waves_note,
)
from .fit import MIN_UNITS, RESULT_COLUMNS
from .h1 import structures_rk
from .h2 import leadership_models
from .h3 import structures_leadership
from .outputs import SUMMARY_SCHEMA, research_summary, write_tables
from .questions import QUESTIONS, TABLE_NAMES, analyse, counts, not_answered
from .rq1 import cocreation_outcomes
from .rq2 import mediation, rk_citizen
from .rq4 import event_study, intervention_did
from .run import RESEARCH_NOTEBOOK, run_research
from .texts import limitations_text, methods_text

__all__ = [
    "LEADERSHIP_SCALES",
    "MIN_UNITS",
    "RESULT_COLUMNS",
    "TABLE_NAMES",
    "QUESTIONS",
    "SUMMARY_SCHEMA",
    "RESEARCH_NOTEBOOK",
    "example_tables",
    "respondent_table",
    "citizen_table",
    "unit_table",
    "wave_order",
    "aggregation_check",
    "structures_rk",
    "leadership_models",
    "structures_leadership",
    "cocreation_outcomes",
    "rk_citizen",
    "mediation",
    "intervention_did",
    "event_study",
    "analyse",
    "not_answered",
    "counts",
    "methods_text",
    "limitations_text",
    "research_summary",
    "write_tables",
    "display_table",
    "event_study_rows",
    "waves_note",
    "show",
    "note",
    "localise",
    "present",
    "run_research",
    "ANSWERS",
    "VERDICTS",
    "REASONS",
    "answers",
    "answers_table",
    "answers_rule",
    "answers_reasons",
    "counts_table",
]
