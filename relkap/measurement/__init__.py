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

__all__ = ["STATUSES", "Fit", "cfa", "fit_indices", "omega", "parameters", "standardized_loadings"]
