"""The research outputs for machines: ``research_summary.json`` and one CSV per table.

Column names and values are the raw ones (``estimate``, ``ci_low``, ``verdict``, ...), so scripts can
read them; the notebook shows the same tables localised (:mod:`relkap.research.display`).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from .. import files
from ..instrument import Instrument
from ..measurement import RESULT_TABLES as MEASUREMENT_TABLES
from ..measurement import measurement_block
from ..words import Language
from .answers import answers
from .data import wave_order
from .questions import NOT_ANSWERED_COLUMNS, TABLE_NAMES, counts
from .texts import limitations_text, methods_text, not_answered_texts

__all__ = ["SUMMARY_SCHEMA", "research_summary", "write_tables", "waves_used"]

SUMMARY_SCHEMA = 4  # 2: "not_answered"; 3: "answers", "df"/"method" in every table; 4: "measurement", primary rows,
# p_adj verdicts


def _records(df: pd.DataFrame) -> list[dict]:
    return [{c: files.json_value(v) for c, v in zip(df.columns, row, strict=True)}
            for row in df.itertuples(index=False)]


def waves_used(results: dict[str, pd.DataFrame], instrument: Instrument | None = None) -> list[str]:
    """The waves the research models use (the kommune-waves of ``units``), in the codebook's order (of
    ``instrument``, else the wave categories; :func:`relkap.research.data.wave_order`), so no output pools
    waves without saying which.

    Examples
    --------
    >>> units = pd.DataFrame({"kommune": [1, 1, 1], "wave": pd.Categorical(["f", "b", "m"], ["b", "m", "f"])})
    >>> waves_used({"units": units})
    ['b', 'm', 'f']
    """
    return wave_order(results["units"]["wave"], instrument)


def research_summary(results: dict[str, pd.DataFrame], parameters: dict, language: Language = "en",
                     instrument: Instrument | None = None) -> dict:
    """The JSON-ready summary of a research run (no kommune-level rows).

    Parameters
    ----------
    results : dict of DataFrame
        :func:`relkap.research.analyse`.
    parameters : dict
        The run's parameters.
    language : {"da", "en"}
        Language of the texts.

    Returns
    -------
    dict
        ``schema`` (:data:`SUMMARY_SCHEMA`), ``parameters``, ``n`` (:func:`relkap.research.counts`),
        ``waves`` (the wave codes the models use, in the codebook's order: :func:`waves_used`),
        ``tables`` (name -> list of row objects, :data:`relkap.research.TABLE_NAMES`),
        ``not_answered`` (one object per question the data cannot answer, or answer only in part:
        ``table``, ``answered`` "no"/"partly", ``reason``, ``needed``, ``available``, ``text``),
        ``answers`` (one object each for H1, H2, H3, RQ1, RQ2, RQ3, RQ4: :func:`relkap.research.answers`),
        ``methods`` and ``limitations`` (Markdown), and ``measurement`` when the results hold the
        measurement tables (:func:`relkap.measurement.measurement_block`: fit, loadings, reliability,
        invariance and the invariance level per model across waves).

    Examples
    --------
    >>> from relkap.research import analyse
    >>> from relkap import load_instrument
    >>> from relkap.research import example_tables
    >>> inst, t = load_instrument(), example_tables(1)
    >>> s = research_summary(analyse(t, inst, n_boot=10, n_permutations=0), {})
    >>> s["n"]["kommuner"], [x["table"] for x in s["not_answered"]][:2]
    (1, ['aggregation', 'h1_structures_rk'])
    >>> [(a["question"], a["verdict"]) for a in s["answers"]][:2]
    [('H1', 'cannot_answer'), ('H2', 'cannot_answer')]
    """
    status = results.get("not_answered", pd.DataFrame(columns=NOT_ANSWERED_COLUMNS))
    notes = not_answered_texts(results, language)
    measurement = measurement_block(results, language)
    return {
        "schema": SUMMARY_SCHEMA,
        "parameters": {k: files.json_value(v) for k, v in parameters.items()},
        "n": counts(results),
        "waves": waves_used(results, instrument),
        "tables": {name: _records(results[name]) for name in TABLE_NAMES if name in results},
        "not_answered": [{**r, "text": notes[r["table"]]} for r in _records(status)],
        "answers": answers(results, parameters, language),
        "methods": methods_text(results, parameters, language, instrument),
        "limitations": limitations_text(results, parameters, language),
        **({"measurement": measurement} if measurement is not None else {}),
    }


def write_tables(results: dict[str, pd.DataFrame], out_dir: str | os.PathLike, parameters: dict,
                 decimal: str = ",", language: Language = "en", instrument: Instrument | None = None
                 ) -> dict[str, Path]:
    """Write ``research_summary.json`` and ``<table>.csv`` for every table into ``out_dir``, each atomically.

    CSV files are ``;``-separated UTF-8 with BOM (``utf-8-sig``) so that Danish Excel opens them, with
    ``decimal`` as the decimal mark (default a comma). Unit-level rows (one per kommune) are not written.
    Returns ``{name: path}`` (``"summary"`` for the JSON file).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name in (*TABLE_NAMES, *MEASUREMENT_TABLES):
        if name not in results:
            continue
        df = results[name]
        paths[name] = files.atomic_write(
            out / f"{name}.csv",
            lambda tmp, df=df: df.to_csv(tmp, sep=";", decimal=decimal, index=False, encoding="utf-8-sig"))
    paths["summary"] = files.write_json(out / "research_summary.json",
                                        research_summary(results, parameters, language, instrument))
    return paths
