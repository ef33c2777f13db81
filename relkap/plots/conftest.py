"""Doctests of the figure modules (``pytest --doctest-modules relkap``): no window, no leftover figures."""

import matplotlib
import matplotlib.pyplot as plt
import pytest

from relkap import load_instrument

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(autouse=True)
def _codebook(doctest_namespace):
    # the examples' codebook, chosen once (figures take it explicitly: no silent packaged fallback)
    doctest_namespace["inst"] = load_instrument()
