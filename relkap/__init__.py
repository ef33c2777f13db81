"""relkap: relational capacity (Relationel Kapacitet) in Danish kommuner, from survey export to report.

The statistics are re-exported here (``relkap.tie_scores``, ``relkap.icc``, ``relkap.compare_waves``, ``relkap.compare_linked``, ...);
figures live in :mod:`relkap.plots` and :mod:`relkap.network`, imported on demand (they load matplotlib).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .agreement import alpha, icc, rwg, rwg_j
from .change import adjust_pvalues, compare_waves, did, hedges_paired
from .instrument import Instrument, load_instrument
from .io import load
from .linked import compare_linked
from .mixed import fit_reml, satterthwaite
from .power import minimum_detectable_change, power_ttest, sample_size
from .scoring import (
    received_perceived,
    respondent_scores,
    scale_scores,
    tie_matrix,
    tie_scores,
    unit_index,
)

try:
    __version__ = version("relkap")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "Instrument",
    "load_instrument",
    "load",
    "respondent_scores",
    "tie_scores",
    "tie_matrix",
    "received_perceived",
    "unit_index",
    "scale_scores",
    "icc",
    "rwg",
    "rwg_j",
    "alpha",
    "compare_waves",
    "compare_linked",
    "adjust_pvalues",
    "did",
    "hedges_paired",
    "satterthwaite",
    "fit_reml",
    "minimum_detectable_change",
    "power_ttest",
    "sample_size",
    "__version__",
]

