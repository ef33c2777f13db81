"""relkap: relational capacity (Relationel Kapacitet) in Danish kommuner, from survey export to report."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .instrument import Instrument, load_instrument

try:
    __version__ = version("relkap")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["Instrument", "load_instrument", "load", "__version__"]


def load(data_dir=None):
    """The processed tidy tables (relations, scales, citizens, structures); see :func:`relkap.io.load`."""
    from .io import load as _load

    return _load(data_dir)
