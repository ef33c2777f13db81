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

__all__ = ["header", "change_table", "plain_change_table", "wave_change_table", "received_perceived_table",
           "agreement_display", "benchmark_display"]


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
    ['Relational capacity (index)', '32', '36', '3.50', '3.67', '+0.17', '[0.05, 0.29]', '+0.22', '[0.06, 0.39]', '0.010', '0.069']
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


def _certainty_word(row: dict, language: Language) -> str:
    """A tested change's certainty in words ("" when it is hidden or untested)."""
    p = row.get("p_fdr")
    if bool(row.get("suppressed")) or fmt.missing(p):
        return ""
    return text("glossary.significant" if float(p) < ALPHA else "glossary.not_significant", language)


def wave_change_table(by_wave: pd.DataFrame, comparisons: list[tuple[str, str, pd.DataFrame]],
                      instrument: Instrument, language: Language = "da", min_n: int = MIN_N) -> Styler:
    """The index and the dimensions in every wave and their changes, in one table for the main part.

    Parameters
    ----------
    by_wave : pandas.DataFrame
        :func:`relkap.report.tables.rk_by_wave`: ``wave, dimension, n, mean, suppressed`` (the trend).
    comparisons : list of (from wave, to wave, table)
        The tested changes (:func:`relkap.report.tables.rk_change` tables), first to latest first.
    instrument, language, min_n
        As in :func:`change_table`.

    Returns
    -------
    pandas.io.formats.style.Styler
        One row per dimension (the index first): its mean in each wave (empty when hidden), then per
        comparison the change (the difference of the two means shown, :func:`relkap.fmt.difference`) and
        its certainty in words. With one comparison the column is "Change"; with more, "Change since <wave>".
        Intervals, effect sizes and p-values are the appendix's.

    Examples
    --------
    >>> from relkap import load_instrument
    >>> inst = load_instrument()
    >>> by_wave = pd.DataFrame({"wave": ["baseline", "followup"], "dimension": "rk", "n": [32, 36],
    ...                         "mean": [3.384, 3.676], "suppressed": False})
    >>> cmp = pd.DataFrame({"dimension": ["rk"], "p_fdr": [0.01], "suppressed": [False]})
    >>> wave_change_table(by_wave, [("baseline", "followup", cmp)], inst, "en").data.iloc[0].tolist()
    ['Relational capacity (index)', '3.38', '3.68', '+0.30', 'statistically significant']
    """
    waves = [w for w in instrument.waves.codes if w in set(by_wave["wave"].astype(str))]
    dims = [d for d in ["rk", *instrument.relational_codes] if d in set(by_wave["dimension"].astype(str))]
    means = {(str(r["wave"]), str(r["dimension"])): (float("nan") if bool(r["suppressed"]) else r["mean"])
             for r in by_wave.to_dict("records")}
    tested = [(a, b, {str(r["dimension"]): r for r in t.to_dict("records")}) for a, b, t in comparisons]
    certain = text("briefing.most_changed.col_certainty", language)
    rows = []
    for d in dims:
        row = {text("waves.col_dimension", language): instrument.label(d, language)}
        for w in waves:
            v = means.get((w, d), float("nan"))
            row[wave_label(w, language, instrument)] = "" if fmt.missing(v) else fmt.number(v, 2, language)
        for a, b, t in tested:
            change = (header("diff", language) if len(tested) == 1 else
                      text("brief.col_change_since", language, wave=wave_label(a, language, instrument).lower()))
            hidden = d not in t or bool(t[d].get("suppressed"))
            row[change] = "" if hidden else fmt.difference(means.get((a, d)), means.get((b, d)), 2, language)
            how = certain if len(tested) == 1 else text("brief.col_certainty_since", language,
                                                         wave=wave_label(a, language, instrument).lower())
            row[how] = "" if hidden else _certainty_word(t[d], language)
        rows.append(row)
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
        ``alpha``: one row per scale: items, then per wave (headed by its name) Cronbach's alpha with its
        95% CI and n ("too few answers" when suppressed, "<min_n"); ``icc``: wave, F, p, ICC(1), ICC(2);
        ``rwg``: one row per group, per wave r_wg(j) and n. An empty DataFrame when the table is empty.

    Examples
    --------
    >>> from relkap import load_instrument, synth
    >>> inst, t = load_instrument(), synth.example_tables(1, respondents=30, key=b"example")
    >>> from relkap.report import tables
    >>> agree = tables.agreement_tables(t, inst)
    >>> agreement_display(agree, "icc", inst, "da").data.columns.tolist()
    ['Måling', 'F', 'p', 'ICC(1)', 'ICC(2)']
    >>> agreement_display(agree, "rwg", inst, "en").data.columns.tolist()
    ['Group', 'Baseline', 'Follow-up']
    """
    df = agree[key]
    if df.empty:
        return pd.DataFrame()
    if key == "icc":
        out = pd.DataFrame({header("wave", language): [wave_label(w, language, instrument) for w in df["wave"]],
                            header("f", language): [fmt.number(v, 2, language) for v in df["F"]],
                            header("p", language): [fmt.pvalue(v, language) for v in df["p_val"]],
                            header("icc1", language): [fmt.number(v, 3, language) for v in df["ICC1"]],
                            header("icc2", language): [fmt.number(v, 3, language) for v in df["ICC2"]]})
        return _styled(out)
    # one row per scale (group), one pair of columns per wave: a table as long as the codebook, not x waves
    waves = [w for w in instrument.waves.codes if w in set(df["wave"].astype(str))]
    by = "scale" if key == "alpha" else "group"
    order = list(dict.fromkeys(df[by].astype(str)))
    if by == "group":
        order = group_order(order, instrument)
    cells = {(str(d[by]), str(d["wave"])): d for d in df.to_dict("records")}
    rows = []
    for code in order:
        row = {header(by, language): instrument.label(code, language)}
        if key == "alpha":
            items = {int(d["k"]) for (c, _), d in cells.items() if c == code and not fmt.missing(d["k"])}
            row[header("items", language)] = ", ".join(str(k) for k in sorted(items))
        for w in waves:
            d = cells.get((code, w))
            if d is None:
                shown = ""
            elif bool(d["suppressed"]):
                shown = text("report.with_n", language, value=header("suppressed", language),
                             n=fmt.count(d["n"], min_n, language))
            elif key == "alpha":
                shown = text("report.with_n", language, n=fmt.count(d["n"], min_n, language),
                             value=text("waves.value_ci", language, value=fmt.number(d["alpha"], 2, language),
                                        ci=fmt.ci(d["ci_low"], d["ci_high"], language)))
            else:
                shown = text("report.with_n", language, value=fmt.number(d["rwg_j"], 2, language),
                             n=fmt.count(d["n"], min_n, language))
            row[wave_label(w, language, instrument)] = shown
        rows.append(row)
    return _styled(pd.DataFrame(rows))


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
