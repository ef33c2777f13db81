"""Doctests of the figure modules (``pytest --doctest-modules relkap``): no window, no leftover figures."""

import matplotlib
import matplotlib.pyplot as plt
import pytest

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")
