"""An ipywidgets explorer of the tie scores for JupyterLab: kommune, any wave, the change between two or the
trend over all, dimension, ``min_n``.

Usage in a notebook::

    from relkap import load_instrument
    from relkap.explore import explore
    explore(instrument=load_instrument())   # data/processed, or explore("path/to/processed", instrument=...)

The package reads like its screen:

- :mod:`relkap.explore.model`: the tables, without widgets (:class:`ExplorerData`: load once, score the
  answers :func:`relkap.privacy.shareable` keeps per kommune and ``min_n``, cached; the benchmark through
  :mod:`relkap.benchmark`); :mod:`relkap.explore.selection`: :class:`Selection`, what the controls have
  chosen, the views and the table as shown; :mod:`relkap.explore.rows`: the relations split per kommune.
- :mod:`relkap.explore.render`: what is on screen (the heat maps and benchmark as HTML tables from
  :mod:`relkap.plots`, the network, the trend and the tie's profile as SVG written from the data by
  :mod:`relkap.plots.svgcharts` and :mod:`relkap.plots.svgnetwork`, the tie table and drill-down as HTML), with the
  words of the catalogue's ``explore`` section and the numbers of :mod:`relkap.fmt`.
- :mod:`relkap.explore.widget`: :class:`Explorer`, the controls and their callbacks.
- :mod:`relkap.explore.quotes`: the private interview quotes, read on the researcher's own machine only.

Suppression (``min_n``) applies to every figure and table, as in the reports, and every value shown
(pooled, index, dimension, tie, benchmark) is computed without the hidden cells' answers. Batch reports
(``relkap batch``) never use this package: exported HTML has no kernel.
"""

from __future__ import annotations

from .model import ALL, FIGURES, VIEWS, ExplorerData, Selection
from .widget import Explorer, explore

__all__ = ["Explorer", "explore", "ExplorerData", "Selection", "ALL", "VIEWS", "FIGURES"]
