"""Figures of a kommune's report and of the explorer, in the seaborn style: ``ax=None`` in, ``Axes`` out.

Every function is called as seaborn's are, ``f(data=None, *, <keywords>, ax=None, **kwargs)``: it takes a
tidy DataFrame first (the contract columns of :func:`relkap.scoring.tie_scores` or
:func:`relkap.change.compare_waves`, see ``docs/contract.md``), everything else by keyword (column names,
``min_n`` defaulting to :data:`relkap.config.MIN_N`, ``alpha`` to :data:`relkap.config.ALPHA`), draws on
``ax`` (a new figure when ``None``), passes ``**kwargs`` on to matplotlib and returns the
:class:`~matplotlib.axes.Axes` (every figure here draws on one Axes).
Figures compute no statistics and change neither global matplotlib settings nor the caller's data; wrap
calls in :func:`relkap.style.figure_context` for the report style.

Words come from the codebook and the catalogue (:mod:`relkap.words`, ``language="da"`` or ``"en"``),
numbers from :mod:`relkap.fmt`, colours, hatches, markers and line styles from :mod:`relkap.style`.
Meaning never rests on colour alone. Suppressed cells (fewer than ``min_n`` raters) show only "n<min_n".

Contents
--------
- :mod:`.heatmap`: :func:`tie_heatmap`, :func:`change_heatmap` (matplotlib)
- :mod:`.html`: :func:`tie_heatmap_html`, :func:`change_heatmap_html`, :func:`benchmark_html` (explorer)
- :mod:`.cells`: the heat map cells both renderings draw (:func:`~.cells.tie_cells`, ``change_cells``)
- :mod:`.graphs`: :func:`network_diagram`, :func:`change_network`
- :mod:`.profiles`: means per wave with CIs, :func:`dimension_profile`, :func:`scale_change`
- :mod:`.trend`: the index and the dimensions over every wave, :func:`wave_trend`
- :mod:`.svgcharts`: the explorer's figures written as SVG text from the data, :func:`wave_trend_svg`,
  :func:`dimension_profile_svg`, and the report's, :func:`response_overview_svg`, :func:`forest_plot_svg`;
  :mod:`.svgnetwork`: :func:`network_svg`, :func:`change_network_svg`
- :mod:`.estimates`: estimates with CIs, :func:`forest_plot` (Hedges' g), :func:`estimates_plot` (research)
- :mod:`.response`: :func:`response_overview`
- :mod:`.benchmark`: :func:`benchmark_plot` (one kommune among all)
- :mod:`.gallery`: :func:`example_data`, :func:`demo_data`, :func:`gallery`;
  ``python -m relkap.plots --gallery docs/figures`` writes one PNG per figure
- :mod:`.common`: helpers the figure modules share
"""

from __future__ import annotations

from .benchmark import benchmark_plot
from .common import BENCHMARK_COLUMNS
from .estimates import estimates_plot, forest_plot
from .gallery import demo_data, example_data, gallery
from .graphs import change_network, network_diagram
from .heatmap import change_heatmap, tie_heatmap
from .html import benchmark_html, change_heatmap_html, tie_heatmap_html
from .profiles import dimension_profile, scale_change
from .response import response_overview
from .svgcharts import dimension_profile_svg, forest_plot_svg, response_overview_svg, wave_trend_svg
from .svgnetwork import change_network_svg, network_svg
from .trend import wave_trend

__all__ = [
    "tie_heatmap",
    "change_heatmap",
    "tie_heatmap_html",
    "change_heatmap_html",
    "benchmark_plot",
    "benchmark_html",
    "network_diagram",
    "change_network",
    "dimension_profile",
    "forest_plot",
    "response_overview",
    "scale_change",
    "wave_trend",
    "wave_trend_svg",
    "dimension_profile_svg",
    "response_overview_svg",
    "forest_plot_svg",
    "network_svg",
    "change_network_svg",
    "estimates_plot",
    "example_data",
    "demo_data",
    "gallery",
    "BENCHMARK_COLUMNS",
]
