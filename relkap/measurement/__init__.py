"""Measurement models: confirmatory factor analysis, measurement invariance and omega (equal to lavaan)."""

from relkap.measurement.cfa import (
    STATUSES,
    Fit,
    cfa,
    fit_indices,
    omega,
    parameters,
    standardized_loadings,
)
from relkap.measurement.invariance import (
    CUTOFFS,
    STEPS,
    Invariance,
    compare,
    intercept_score_tests,
    invariance,
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
           "rk_wide"]
