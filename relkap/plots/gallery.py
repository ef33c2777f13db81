"""Data for trying the figures, and the README's gallery: ``python -m relkap.plots --gallery docs/figures``.

Both data sources are survey answers in the raw contract format, imported with :func:`relkap.io.tidy_tables`
and analysed as the kommune report analyses them (:mod:`relkap.report`, :mod:`relkap.scoring`,
:mod:`relkap.change`): :func:`example_data` from a small hand-designed kommune, :func:`demo_data` from the
ten simulated demo kommuner of :mod:`relkap.synth`. No statistics are computed here.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd

from .. import io, network, report, scoring, synth
from ..checks import check_choice
from ..config import MIN_N
from ..instrument import Instrument
from ..labels import default_instrument
from ..style import figure_context
from ..words import Language
from .estimates import forest_plot
from .graphs import change_network, network_diagram
from .heatmap import change_heatmap, tie_heatmap
from .profiles import dimension_profile, scale_change
from .response import response_overview

__all__ = ["figure_tables", "example_data", "demo_data", "gallery", "main"]

_KEY = b"relkap-gallery"  # pseudonyms do not matter for figures; the project's key is neither read nor made


def figure_tables(tables: io.Tables, kommune: int | None = None, instrument: Instrument | None = None,
                  min_n: int = MIN_N) -> dict[str, pd.DataFrame]:
    """The tables one kommune's figures draw, computed as the kommune report computes them.

    ``kommune`` defaults to the kommune with the most groups, then the fewest suppressed ties (a full
    matrix with some grey cells).

    Returns
    -------
    dict
        ``ties_baseline``, ``ties_followup`` (:func:`relkap.scoring.tie_scores` by kommune and wave, RK
        index), ``comparison`` (:func:`relkap.report.tie_change`), ``profile``
        (:func:`relkap.report.dimension_profile_data`), ``scales`` (:func:`relkap.report.scale_change`) and
        ``counts`` (``group, wave, n`` of :func:`relkap.report.response_overview`, employee groups).
    """
    inst = default_instrument(instrument)
    all_ties = scoring.tie_scores(tables.relations, inst, by=["kommune", "wave"], dimension="rk", min_n=min_n)
    if kommune is None:
        k = all_ties.groupby("kommune", observed=True).agg(groups=("group", "nunique"), sup=("suppressed", "sum"))
        kommune = int(k.sort_values(["groups", "sup"], ascending=[False, True], kind="stable").index[0])
    ties = all_ties[all_ties["kommune"] == kommune]
    if ties.empty:
        raise ValueError(f"kommune {kommune} is not in the data ({sorted(all_ties['kommune'].unique())})")
    own = report.kommune_tables(tables, kommune)
    waves = ties["wave"].astype(str)
    overview = report.response_overview(own, inst, min_n)
    return {"ties_baseline": ties[waves == inst.waves.baseline].reset_index(drop=True),
            "ties_followup": ties[waves == inst.waves.followup].reset_index(drop=True),
            "comparison": report.tie_change(own.relations, inst, min_n),
            "profile": report.dimension_profile_data(own.relations, inst, min_n),
            "scales": report.scale_change(own, inst, min_n),
            "counts": overview.loc[overview["group"].isin(inst.group_codes), ["group", "wave", "n"]]
            .reset_index(drop=True)}


def example_data(seed: int = 7, min_n: int = MIN_N, instrument: Instrument | None = None) -> dict[str, pd.DataFrame]:
    """:func:`figure_tables` of the made-up kommune of :func:`relkap.synth.example_survey` (fast: under a second).

    Examples
    --------
    >>> data = example_data()
    >>> sorted(data), bool(data["ties_baseline"]["suppressed"].any())
    (['comparison', 'counts', 'profile', 'scales', 'ties_baseline', 'ties_followup'], True)
    """
    inst = default_instrument(instrument)
    employees, citizens = synth.example_survey(seed, inst)
    return figure_tables(io.tidy_tables(employees, citizens, instrument=inst, key=_KEY), 751, inst, min_n)


def demo_data(kommune: int | None = None, seed: int = 1, min_n: int = MIN_N,
              instrument: Instrument | None = None) -> dict[str, pd.DataFrame]:
    """:func:`figure_tables` of one of the ten simulated demo kommuner (:func:`relkap.synth.simulate`).

    ``kommune`` defaults to the one with the most groups, then the fewest suppressed ties.
    """
    inst = default_instrument(instrument)
    sim = synth.simulate(n_kommuner=10, seed=seed, instrument=inst)
    tables = io.tidy_tables(sim.employees, sim.citizens, sim.structures, instrument=inst, key=_KEY)
    return figure_tables(tables, kommune, inst, min_n)


_SIZES = {"tie_heatmap": (8.5, 7), "change_heatmap": (8.5, 7), "network": (7.5, 8), "change_network": (8.5, 8),
          "dimension_profile": (8.5, 4.8), "forest_plot": (7.5, 10), "response_overview": (8, 4.8),
          "scale_change": (9.5, 5)}


def gallery(folder: str | Path, language: Language = "da", dpi: int = 100, source: str = "demo") -> list[Path]:
    """Draw every figure and save one PNG each in ``folder``; return the paths.

    ``source="demo"`` uses :func:`demo_data` (simulated demo kommuner), ``"example"`` :func:`example_data`.
    """
    check_choice("source", source, ("demo", "example"))
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    data = demo_data() if source == "demo" else example_data()
    base, follow, comp = data["ties_baseline"], data["ties_followup"], data["comparison"]
    pos = network.layout([base, follow], instrument=default_instrument())
    n_max = max(base["n"].max(), follow["n"].max())
    cross = comp[comp["group"] != comp["target"]]
    figures = {
        "tie_heatmap_baseline": lambda ax: tie_heatmap(base, language=language, ax=ax),
        "tie_heatmap_followup": lambda ax: tie_heatmap(follow, language=language, ax=ax),
        "change_heatmap": lambda ax: change_heatmap(comp, language=language, ax=ax),
        "network_baseline": lambda ax: network_diagram(base, pos=pos, n_max=n_max, language=language, ax=ax),
        "network_followup": lambda ax: network_diagram(follow, pos=pos, n_max=n_max, language=language, ax=ax),
        "change_network": lambda ax: change_network(comp, baseline=base, followup=follow, pos=pos, n_max=n_max,
                                                            language=language, ax=ax),
        "dimension_profile": lambda ax: dimension_profile(data["profile"], language=language, ax=ax),
        "forest_plot": lambda ax: forest_plot(cross, language=language, ax=ax),
        "response_overview": lambda ax: response_overview(data["counts"], min_n=MIN_N, language=language, ax=ax),
        "scale_change": lambda ax: scale_change(data["scales"], language=language, ax=ax),
    }
    written = []
    with figure_context():
        for name, draw in figures.items():
            fig, ax = plt.subplots(figsize=next(v for k, v in _SIZES.items() if name.startswith(k)))
            draw(ax)
            path = folder / f"{name}.png"
            fig.savefig(path, dpi=dpi, bbox_inches="tight")
            plt.close(fig)
            written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m relkap.plots --gallery FOLDER [--language en] [--dpi 100] [--source example]``."""
    parser = argparse.ArgumentParser(prog="python -m relkap.plots", description=__doc__.splitlines()[0])
    parser.add_argument("--gallery", metavar="FOLDER", required=True, help="write one PNG per figure here")
    parser.add_argument("--language", choices=("da", "en"), default="da")
    parser.add_argument("--dpi", type=int, default=100)
    parser.add_argument("--source", choices=("demo", "example"), default="demo",
                        help="demo: the simulated demo kommuner; example: example_data()")
    args = parser.parse_args(argv)
    mpl.use("Agg")
    for path in gallery(args.gallery, args.language, args.dpi, args.source):
        print(path)
    return 0
