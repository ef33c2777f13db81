"""The report's tables for reading: codebook labels, catalogue headers, rounded numbers, small counts hidden.

Each function takes a table of :mod:`relkap.report.tables` and returns a pandas ``Styler`` (index hidden)
for the notebook to display. Headers come from the catalogue's ``table`` section (:func:`relkap.words.text`),
group, item and scale names from the codebook, wave names from the glossary, numbers from :mod:`relkap.fmt`,
and a count below ``min_n`` reads "<min_n" (:func:`relkap.fmt.count`). The numbers are those of the tables;
nothing is computed here except the most changed ties' selection and the received/perceived means.
"""

from __future__ import annotations

import pandas as pd
from pandas.io.formats.style import Styler

from .. import fmt, scoring
from ..config import ALPHA, MIN_N
from ..instrument import Instrument
from ..labels import group_order, wave_label
from ..words import Language, text
from .tables import received_perceived_gap

__all__ = ["header", "change_table", "plain_change_table", "received_perceived_table", "agreement_display", "benchmark_display"]


def header(key: str, language: Language = "da") -> str:
    """The column header ``key`` of the catalogue's ``table`` section.

    Examples
    --------
    >>> header("mean_baseline", "da"), header("n_followup", "en")
    ('Førmåling', 'n follow-up')
    """
    return text(f"table.{key}", language)


def _styled(df: pd.DataFrame) -> Styler:
    return df.style.hide(axis="index")


def change_table(df: pd.DataFrame, label: str | list[str], instrument: Instrument, language: Language = "da",
                 min_n: int = MIN_N) -> Styler:
    """A wave comparison for reading: one row per row of ``df``, labelled, rounded, small counts hidden.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`relkap.change.compare_waves` table (``rk_change``, ``tie_change``, ``scale_change``).
    label : str or list of str
        The code columns that name a row (``"dimension"``, ``"scale"``, or ``["group", "target"]`` for
        ties), shown with their codebook labels.
    instrument : Instrument
        The codebook.
    language : {"da", "en"}
        Headers, labels and number format.
    min_n : int
        Counts below it read "<min_n".

    Returns
    -------
    pandas.io.formats.style.Styler
        The label columns, then n and mean of each wave, the change with its 95% CI, Hedges' g with its
        95% CI, p and p (FDR). A suppressed row keeps its counts ("<min_n") and no value.

    Examples
    --------
    >>> from relkap import load_instrument, synth
    >>> inst, t = load_instrument(), synth.example_tables(1, respondents=30, key=b"example")
    >>> from relkap.report import tables
    >>> shown = change_table(tables.rk_change(t.relations, inst), "dimension", inst, "en").data
    >>> shown.iloc[0].tolist()
    ['Relational capacity (index)', '32', '36', '3.54', '3.69', '+0.15', '[−0.22, 0.52]', '+0.20', '[−0.28, 0.68]', '0.414', '0.675']
    """
    labels = [label] if isinstance(label, str) else list(label)
    label_head = {"dimension": "dimension", "scale": "scale", "target": "target",
                  "group": "rater" if "target" in labels else "group"}
    rows = []
    for d in df.to_dict("records"):
        row = {header(label_head.get(c, c), language): instrument.label(str(d[c]), language) for c in labels}
        row[header("n_baseline", language)] = fmt.count(d["n_baseline"], min_n, language)
        row[header("n_followup", language)] = fmt.count(d["n_followup"], min_n, language)
        suppressed = bool(d["suppressed"])
        for wave in ("baseline", "followup"):
            empty = suppressed and d[f"n_{wave}"] < 1
            row[header(f"mean_{wave}", language)] = "" if empty else fmt.number(d[f"mean_{wave}"], 2, language)
        row[header("diff", language)] = (fmt.signed(d["diff"], 2, language) if fmt.missing(d["mean_baseline"])
                                         else fmt.difference(d["mean_baseline"], d["mean_followup"], 2, language))
        row[header("diff_ci", language)] = fmt.ci(d["diff_ci_low"], d["diff_ci_high"], language)
        row[header("hedges", language)] = fmt.signed(d["hedges"], 2, language)
        row[header("hedges_ci", language)] = fmt.ci(d["hedges_ci_low"], d["hedges_ci_high"], language)
        row[header("p", language)] = fmt.pvalue(d["p_val"], language)
        row[header("p_fdr", language)] = fmt.pvalue(d["p_fdr"], language)
        rows.append(row)
    return _styled(pd.DataFrame(rows))


def plain_change_table(df: pd.DataFrame, label: str, instrument: Instrument, language: Language = "da",
                       min_n: int = MIN_N) -> Styler:
    """:func:`change_table` for the report's main part: name, the two means, the change (the difference of
    the shown means, :func:`relkap.fmt.difference`) and its certainty in words; the intervals, effect sizes
    and p-values are the appendix's (:func:`change_table`).

    Examples
    --------
    >>> from relkap import load_instrument
    >>> df = pd.DataFrame({"dimension": ["rk"], "n_baseline": [32], "n_followup": [36], "mean_baseline": [3.384],
    ...     "mean_followup": [3.676], "diff": [0.292], "p_fdr": [0.01], "suppressed": [False]})
    >>> plain_change_table(df, "dimension", load_instrument(), "en").data.iloc[0].tolist()
    ['Relational capacity (index)', '3.38', '3.68', '+0.30', 'statistically significant']
    """
    certain = {"significant": text("glossary.significant", language),
               "uncertain": text("glossary.not_significant", language), "untested": ""}
    rows = []
    for d in df.to_dict("records"):
        shown = not bool(d["suppressed"])
        before = fmt.number(d["mean_baseline"], 2, language) if shown or d["n_baseline"] >= min_n else ""
        after = fmt.number(d["mean_followup"], 2, language) if shown or d["n_followup"] >= min_n else ""
        p = d.get("p_fdr")
        code = "untested" if not shown or fmt.missing(p) else "significant" if float(p) < ALPHA else "uncertain"
        rows.append({header(label, language): instrument.label(str(d[label]), language),
                     header("mean_baseline", language): before, header("mean_followup", language): after,
                     header("diff", language): fmt.difference(d["mean_baseline"], d["mean_followup"], 2, language)
                     if shown else "",
                     text("briefing.most_changed.col_certainty", language): certain[code]})
    return _styled(pd.DataFrame(rows))


def received_perceived_table(ties: pd.DataFrame, instrument: Instrument, language: Language = "da",
                             min_n: int = MIN_N) -> pd.DataFrame:
    """Received and perceived RK per group and wave, and their gap (cross-group, reportable ties only).

    Parameters
    ----------
    ties : pandas.DataFrame
        :func:`relkap.report.tables.tie_table` of the kommune (both waves).
    instrument, language, min_n
        As in :func:`change_table`.

    Returns
    -------
    pandas.DataFrame
        One row per group (codebook order), then per wave (baseline first) received, perceived and the gap
        (received − perceived, :func:`relkap.report.tables.received_perceived_gap`), formatted; a value without
        enough answers reads "n<min_n" as in the heat maps. Empty when there are no ties.

    Examples
    --------
    >>> from relkap import load_instrument, synth
    >>> inst, t = load_instrument(), synth.example_tables(1, respondents=30, key=b"example")
    >>> from relkap.report import tables
    >>> rp = received_perceived_table(tables.tie_table(t.relations, inst), inst, "en")
    >>> rp.columns.tolist()[:4]
    ['Group', 'Received, baseline', 'Perceived, baseline', 'Gap, baseline']
    >>> rp.set_index("Group").loc["Job centre"].tolist()
    ['3.20', '3.72', '−0.52', '3.64', '4.02', '−0.37']
    """
    rp = scoring.received_perceived(ties)
    if rp.empty:
        return pd.DataFrame()
    rp = received_perceived_gap(rp.astype({"group": str, "wave": str}))
    waves = [w for w in (instrument.waves.baseline, instrument.waves.followup) if (rp["wave"] == w).any()]
    groups = group_order(set(ties["group"].astype(str)) | set(ties["target"].astype(str)), instrument)
    hidden = text("figure.suppressed", language, min_n=min_n)
    by = rp.set_index(["group", "wave"])
    rows = []
    for g in groups:
        row = {header("group", language): instrument.label(g, language)}
        for w in waves:
            for key, col, sign in (("received", "received", False), ("perceived", "perceived", False),
                                   ("gap", "gap", True)):
                what = header(key, language) if key != "gap" else text("report.gap", language)
                name = text("report.rp_column", language, what=what,
                            wave=wave_label(w, language, instrument).lower())
                v = by[col].get((g, w), float("nan"))
                row[name] = hidden if fmt.missing(v) else fmt.number(v, 2, language, sign=sign)
        rows.append(row)
    return pd.DataFrame(rows)


def _value_or_suppressed(values: pd.Series, suppressed: pd.Series, decimals: int, language: Language) -> list[str]:
    return [header("suppressed", language) if s else fmt.number(v, decimals, language)
            for v, s in zip(values, suppressed, strict=True)]


def agreement_display(agree: dict[str, pd.DataFrame], key: str, instrument: Instrument,
                      language: Language = "da", min_n: int = MIN_N):
    """One of the agreement tables for reading (labels, rounding, counts below ``min_n`` as "<min_n").

    Parameters
    ----------
    agree : dict of pandas.DataFrame
        :func:`relkap.report.tables.agreement_tables` of the kommune.
    key : {"alpha", "icc", "rwg"}
        Which table.
    instrument, language, min_n
        As in :func:`change_table`.

    Returns
    -------
    pandas.io.formats.style.Styler or pandas.DataFrame
        ``alpha``: scale, wave, n, items, Cronbach's alpha ("too few answers" when suppressed), 95% CI;
        ``icc``: wave, F, p, ICC(1), ICC(2); ``rwg``: group, wave, n, r_wg(j). An empty DataFrame when
        the table is empty.

    Examples
    --------
    >>> from relkap import load_instrument, synth
    >>> inst, t = load_instrument(), synth.example_tables(1, respondents=30, key=b"example")
    >>> from relkap.report import tables
    >>> agree = tables.agreement_tables(t, inst)
    >>> agreement_display(agree, "icc", inst, "da").data.columns.tolist()
    ['Måling', 'F', 'p', 'ICC(1)', 'ICC(2)']
    """
    df = agree[key]
    if df.empty:
        return pd.DataFrame()
    waves = [wave_label(w, language, instrument) for w in df["wave"]]
    if key == "alpha":
        out = pd.DataFrame({header("scale", language): [instrument.label(str(s), language) for s in df["scale"]],
                            header("wave", language): waves,
                            header("n", language): [fmt.count(n, min_n, language) for n in df["n"]],
                            header("items", language): df["k"],
                            header("alpha", language): _value_or_suppressed(df["alpha"], df["suppressed"], 2,
                                                                            language),
                            header("ci", language): [fmt.ci(a, b, language)
                                                     for a, b in zip(df["ci_low"], df["ci_high"], strict=True)]})
    elif key == "icc":
        out = pd.DataFrame({header("wave", language): waves,
                            header("f", language): [fmt.number(v, 2, language) for v in df["F"]],
                            header("p", language): [fmt.pvalue(v, language) for v in df["p_val"]],
                            header("icc1", language): [fmt.number(v, 3, language) for v in df["ICC1"]],
                            header("icc2", language): [fmt.number(v, 3, language) for v in df["ICC2"]]})
    else:
        out = pd.DataFrame({header("group", language): [instrument.label(str(g), language) for g in df["group"]],
                            header("wave", language): waves,
                            header("n", language): [fmt.count(n, min_n, language) for n in df["n"]],
                            header("rwg_j", language): _value_or_suppressed(df["rwg_j"], df["suppressed"], 2,
                                                                            language)})
    return _styled(out)


def benchmark_display(bench: pd.DataFrame, instrument: Instrument, language: Language = "da"):
    """The kommune among all kommuner for reading: its value, the median, quartiles and its rank.

    Parameters
    ----------
    bench : pandas.DataFrame
        :func:`relkap.report.tables.benchmark` of the kommune.
    instrument, language
        As in :func:`change_table`.

    Returns
    -------
    pandas.io.formats.style.Styler or pandas.DataFrame
        measure (wave name or "change"), the kommune's value (signed for the change), median, 25% and
        75% quartiles, rank as "rank / kommuner". An empty DataFrame when ``bench`` is empty.

    Examples
    --------
    >>> from relkap import load_instrument, synth
    >>> inst, t = load_instrument(), synth.example_tables(1, respondents=30, key=b"example")
    >>> bench = pd.DataFrame({"measure": ["baseline", "change"], "value": [3.9, 0.1], "n_kommuner": [10, 10],
    ...                       "median": [3.8, 0.05], "q25": [3.6, 0.0], "q75": [4.0, 0.12], "rank": [3, 4]})
    >>> benchmark_display(bench, inst, "da").data.iloc[1].tolist()
    ['Ændring', '+0,10', '0,05', '0,00', '0,12', '4 / 11']
    """
    if bench.empty:
        return pd.DataFrame()
    measures = [header("change", language) if m == "change" else wave_label(m, language, instrument)
                for m in bench["measure"]]
    values = [fmt.number(v, 2, language, sign=m == "change")
              for v, m in zip(bench["value"], bench["measure"], strict=True)]
    enough = bench["enough"].astype(bool) if "enough" in bench.columns else pd.Series(True, index=bench.index)
    too_few = text("report.benchmark_too_few", language)
    out = pd.DataFrame({header("measure", language): measures, header("value", language): values,
                        **{header(c, language): [fmt.number(v, 2, language) if ok else too_few
                                                 for v, ok in zip(bench[c], enough, strict=True)]
                           for c in ("median", "q25", "q75")},
                        header("rank", language): [f"{int(r)} / {int(n) + 1}" if ok and not fmt.missing(r) else ""
                                                   for r, n, ok in zip(bench["rank"], bench["n_kommuner"], enough,
                                                                       strict=True)]})
    return _styled(out)
