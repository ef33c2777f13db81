"""Measurement models: confirmatory factor analysis, measurement invariance and omega (equal to lavaan).

- :mod:`~relkap.measurement.cfa`: the ML CFA (:func:`cfa`), fit indices, parameters, standardised
  loadings, omega (why written here and not taken from semopy: that module's docstring).
- :mod:`~relkap.measurement.invariance`: configural, metric, scalar and partial scalar models across groups.
- :mod:`~relkap.measurement.survey`: the codebook's models on the tidy tables (:func:`measure`).
- :mod:`~relkap.measurement.summary`: invariance levels, the JSON block, the report sentence.
- :mod:`~relkap.measurement.display`: the tables for readers.
"""

from relkap.measurement.cfa import (
    STATUSES,
    Fit,
    cfa,
    fit_indices,
    omega,
    parameters,
    standardized_loadings,
)
from relkap.measurement.display import invariance_rule, measurement_display
from relkap.measurement.invariance import (
    CUTOFFS,
    STEPS,
    Invariance,
    compare,
    intercept_score_tests,
    invariance,
)
from relkap.measurement.summary import (
    LEVELS,
    RESULT_TABLES,
    as_results,
    invariance_level,
    invariance_sentence,
    measurement_block,
    model_of_scale,
    rk_wave_invariance,
    wave_levels,
)
from relkap.measurement.survey import (
    LEADERSHIP,
    RK_MODEL,
    Measurement,
    codebook_models,
    items_wide,
    measure,
    model_data,
    rk_wide,
)

__all__ = ["STATUSES", "Fit", "cfa", "fit_indices", "omega", "parameters", "standardized_loadings",
           "CUTOFFS", "STEPS", "Invariance", "compare", "intercept_score_tests", "invariance",
           "LEADERSHIP", "RK_MODEL", "Measurement", "codebook_models", "items_wide", "measure", "model_data",
           "rk_wide", "LEVELS", "RESULT_TABLES", "as_results", "invariance_level", "invariance_sentence",
           "measurement_block", "model_of_scale", "rk_wave_invariance", "wave_levels", "measurement_display",
           "invariance_rule"]
