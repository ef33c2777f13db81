"""Alt texts for the report's figures, written from the figure's data: what it shows, and its extremes.

One or two sentences per figure, in the report's language (catalogue section ``alt``), for readers who
cannot see the figure (screen readers) and for the PDF's text layer: what the figure shows, the strongest
and weakest tie (or the largest change), with numbers from :mod:`relkap.fmt` and names from the codebook.
Suppressed cells are only counted, never described; no count below ``min_n`` is written.
An SVG figure (:mod:`relkap.plots.svgcharts`) carries the text as its ``<title>``/``<desc>``;
:func:`relkap.publish.figure` puts it on an exported image.
"""

from __future__ import annotations

import pandas as pd

from .. import fmt
from ..config import ALPHA, MIN_N
from ..instrument import Instrument
from ..labels import wave_label
from ..words import Language, text, text_n
from .common import check_instrument

__all__ = ["alt_tie_heatmap", "alt_change_heatmap", "alt_change_network", "alt_network", "alt_response", "alt_profile",
           "alt_forest", "alt_scales", "alt_estimates", "alt_trend"]


def _tie(row, language: Language, inst: Instrument) -> str:
    return text("alt.tie", language, rater=inst.label(str(row["group"]), language),
                target=inst.label(str(row["target"]), language))


def _shown(ties: pd.DataFrame, value: str) -> tuple[pd.DataFrame, int]:
    """Cross-group ties with a value, and how many cross-group ties are suppressed."""
    cross = ties[~ties["diagonal"]] if "diagonal" in ties else ties[ties["group"].astype(str) != ties["target"].astype(str)]
    sup = cross["suppressed"].astype(bool) if "suppressed" in cross else cross[value].isna()
    return cross[~sup].dropna(subset=[value]), int(sup.sum())


def _waves(data: pd.DataFrame, language: Language, inst: Instrument) -> str:
    if "wave" not in data or data["wave"].nunique() != 1:
        return ""
    return text("alt.in_wave", language, wave=_wave(data["wave"].iloc[0], language, inst))


def _wave(wave: object, language: Language, inst: Instrument) -> str:
    """A wave's name inside a sentence ("førmåling", "follow-up")."""
    return wave_label(wave, language, inst).lower()


def _extremes(shown: pd.DataFrame, value: str, language: Language, inst: Instrument, sign: bool = False) -> str:
    hi, lo = shown.loc[shown[value].idxmax()], shown.loc[shown[value].idxmin()]
    return text("alt.extremes", language, strongest=_tie(hi, language, inst),
                high=fmt.number(hi[value], 2, language, sign=sign), weakest=_tie(lo, language, inst),
                low=fmt.number(lo[value], 2, language, sign=sign))


def _hidden(n: int, language: Language, min_n: int) -> str:
    return " " + text_n("alt.hidden", n, language, ties=n, min_n=min_n) if n else ""


def alt_tie_heatmap(ties: pd.DataFrame, instrument: Instrument, language: Language = "da",
                    min_n: int = MIN_N, value: str = "mean") -> str:
    """Alt text of :func:`relkap.plots.tie_heatmap`: the ties shown, the strongest and the weakest.

    Parameters
    ----------
    ties : DataFrame
        :func:`relkap.scoring.tie_scores` rows of one wave (``group, target, mean, suppressed, diagonal``).

    Examples
    --------
    >>> t = pd.DataFrame({"wave": "baseline", "group": ["skole", "ppr", "skole", "ppr"],
    ...                   "target": ["ppr", "skole", "skole", "ppr"], "mean": [3.2, 4.1, 4.5, None],
    ...                   "suppressed": [False, False, False, True], "diagonal": [False, False, True, True]})
    >>> alt_tie_heatmap(t, inst, language="en")
    'Heat map of how each group experiences its collaboration with each other group (1-5), at baseline: 2 ties shown. Strongest: Educational psychology (PPR) → Schools (4.10); weakest: Schools → Educational psychology (PPR) (3.20).'
    """
    inst = check_instrument(instrument, "alt_tie_heatmap")
    shown, hidden = _shown(ties, value)
    head = text_n("alt.tie_heatmap", len(shown), language, when=_waves(ties, language, inst), ties=len(shown))
    if shown.empty:
        return head + _hidden(hidden, language, min_n)
    return head + " " + _extremes(shown, value, language, inst) + _hidden(hidden, language, min_n)


def alt_change_heatmap(changes: pd.DataFrame, instrument: Instrument, language: Language = "da",
                       min_n: int = MIN_N, value: str = "diff", p: str = "p_fdr", alpha: float = ALPHA,
                       kind: str = "change_heatmap") -> str:
    """Alt text of :func:`relkap.plots.change_heatmap`: the largest increase and decrease, and how many
    changes are statistically significant.

    Examples
    --------
    >>> c = pd.DataFrame({"group": ["skole", "ppr"], "target": ["ppr", "skole"], "diff": [0.4, -0.2],
    ...                   "p_fdr": [0.01, 0.6], "suppressed": [False, False], "diagonal": [False, False]})
    >>> alt_change_heatmap(c, inst, language="en")
    'Heat map of the change from baseline to follow-up per tie: 2 ties shown, 1 statistically significant. Largest increase: Schools → Educational psychology (PPR) (+0.40); largest decrease: Educational psychology (PPR) → Schools (−0.20).'
    """
    inst = check_instrument(instrument, "alt_change_heatmap")
    shown, hidden = _shown(changes, value)
    sig = int((shown[p] < alpha).sum()) if p in shown else 0
    head = text_n(f"alt.{kind}", len(shown), language, ties=len(shown), significant=sig)
    if shown.empty:
        return head + _hidden(hidden, language, min_n)
    up, down = shown.loc[shown[value].idxmax()], shown.loc[shown[value].idxmin()]
    body = text("alt.change_extremes", language, up=_tie(up, language, inst),
                up_value=fmt.signed(up[value], 2, language), down=_tie(down, language, inst),
                down_value=fmt.signed(down[value], 2, language))
    return head + " " + body + _hidden(hidden, language, min_n)


def alt_change_network(changes: pd.DataFrame, instrument: Instrument, language: Language = "da",
                       min_n: int = MIN_N, value: str = "diff", p: str = "p_fdr", alpha: float = ALPHA) -> str:
    """Alt text of :func:`relkap.plots.change_network`: as :func:`alt_change_heatmap`, for the network."""
    return alt_change_heatmap(changes, instrument, language, min_n, value, p, alpha, kind="change_network")


def alt_network(ties: pd.DataFrame, instrument: Instrument, language: Language = "da",
                min_n: int = MIN_N, value: str = "mean") -> str:
    """Alt text of :func:`relkap.plots.network_diagram`: groups, ties shown, the strongest and the weakest.

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["skole", "ppr"], "target": ["ppr", "skole"], "mean": [3.2, 4.1],
    ...                   "suppressed": [False, False], "diagonal": [False, False]})
    >>> alt_network(t, inst, language="en")
    'Network of 2 groups: an arrow from A to B is how A experiences its collaboration with B, 2 ties shown. Strongest: Educational psychology (PPR) → Schools (4.10); weakest: Schools → Educational psychology (PPR) (3.20).'
    """
    inst = check_instrument(instrument, "alt_network")
    shown, hidden = _shown(ties, value)
    groups = len(set(ties["group"].astype(str)) | set(ties["target"].astype(str)))
    head = text_n("alt.network", len(shown), language, when=_waves(ties, language, inst), groups=groups, ties=len(shown))
    if shown.empty:
        return head + _hidden(hidden, language, min_n)
    return head + " " + _extremes(shown, value, language, inst) + _hidden(hidden, language, min_n)


def alt_response(counts: pd.DataFrame, instrument: Instrument, language: Language = "da",
                 min_n: int = MIN_N) -> str:
    """Alt text of :func:`relkap.plots.response_overview`: the largest group and the groups below ``min_n``
    (named, never with their count).

    Examples
    --------
    >>> c = pd.DataFrame({"group": ["skole", "ppr", "skole"], "wave": ["baseline", "baseline", "followup"],
    ...                   "n": [12, 3, 14]})
    >>> alt_response(c, inst, language="en")
    'Respondents per group and wave. Most: Schools, 14 (follow-up). Fewer than 5 respondents, so not shown: Educational psychology (PPR) (baseline).'
    """
    inst = check_instrument(instrument, "alt_response")
    out = text("alt.response", language)
    big = counts[counts["n"] >= min_n]
    if len(big):
        top = big.loc[big["n"].idxmax()]
        out += " " + text("alt.response_most", language, group=inst.label(str(top["group"]), language),
                          n=fmt.count(top["n"], min_n, language), wave=_wave(top["wave"], language, inst))
    small = counts[counts["n"] < min_n]
    if len(small):
        names = ", ".join(text("alt.group_wave", language, group=inst.label(str(r["group"]), language),
                               wave=_wave(r["wave"], language, inst)) for _, r in small.iterrows())
        out += " " + text("alt.response_small", language, min_n=min_n, groups=names)
    return out


def alt_profile(profile: pd.DataFrame, instrument: Instrument, language: Language = "da") -> str:
    """Alt text of :func:`relkap.plots.dimension_profile`: per wave the highest and the lowest dimension.

    Examples
    --------
    >>> p = pd.DataFrame({"wave": ["baseline"] * 2, "dimension": ["kendskab", "respekt"], "mean": [3.4, 3.9],
    ...                   "suppressed": [False, False]})
    >>> alt_profile(p, inst, language="en")
    'Mean of each dimension with its 95% confidence interval. Baseline: highest Mutual respect (3.90), lowest Mutual knowledge (3.40).'
    """
    inst = check_instrument(instrument, "alt_profile")
    parts = [text("alt.profile", language)]
    sup = profile["suppressed"].astype(bool) if "suppressed" in profile else profile["mean"].isna()
    shown = profile[~sup].dropna(subset=["mean"])
    for wave, part in shown.groupby(shown["wave"].astype(str), sort=False):
        hi, lo = part.loc[part["mean"].idxmax()], part.loc[part["mean"].idxmin()]
        parts.append(text("alt.profile_wave", language, wave=wave_label(wave, language, inst),
                          high_dimension=inst.label(str(hi["dimension"]), language),
                          high=fmt.number(hi["mean"], 2, language),
                          low_dimension=inst.label(str(lo["dimension"]), language),
                          low=fmt.number(lo["mean"], 2, language)))
    return " ".join(parts)


def alt_forest(changes: pd.DataFrame, instrument: Instrument, language: Language = "da",
               min_n: int = MIN_N, value: str = "hedges", p: str = "p_fdr", alpha: float = ALPHA) -> str:
    """Alt text of :func:`relkap.plots.forest_plot` of the ties: how many, how many significant, the largest
    increase and decrease of Hedges' g.

    Examples
    --------
    >>> c = pd.DataFrame({"group": ["skole", "ppr"], "target": ["ppr", "skole"], "hedges": [0.8, -0.3],
    ...                   "p_fdr": [0.01, 0.6], "suppressed": [False, False], "diagonal": [False, False]})
    >>> alt_forest(c, inst, language="en")
    "The change in Hedges' g with its 95% confidence interval for 2 ties, 1 statistically significant. Largest increase: Schools → Educational psychology (PPR) (+0.80); largest decrease: Educational psychology (PPR) → Schools (−0.30)."
    """
    inst = check_instrument(instrument, "alt_forest")
    shown, hidden = _shown(changes, value)
    sig = int((shown[p] < alpha).sum()) if p in shown else 0
    head = text_n("alt.forest", len(shown), language, ties=len(shown), significant=sig)
    if shown.empty:
        return head + _hidden(hidden, language, min_n)
    up, down = shown.loc[shown[value].idxmax()], shown.loc[shown[value].idxmin()]
    return head + " " + text("alt.change_extremes", language, up=_tie(up, language, inst),
                             up_value=fmt.signed(up[value], 2, language), down=_tie(down, language, inst),
                             down_value=fmt.signed(down[value], 2, language))


def alt_scales(comparison: pd.DataFrame, instrument: Instrument, language: Language = "da", *,
               scale: str = "scale") -> str:
    """Alt text of :func:`relkap.plots.scale_change`: how many scales, and the one that changed most.

    Examples
    --------
    >>> c = pd.DataFrame({"scale": ["vision", "motivation"], "mean_baseline": [3.1, 3.9],
    ...                   "mean_followup": [3.6, 3.8], "diff": [0.5, -0.1], "suppressed": [False, False]})
    >>> alt_scales(c, inst, language="en")
    'Means at baseline and follow-up for 2 scales. Largest change: Communicated shared vision: 3.10 → 3.60 (+0.50).'
    """
    inst = check_instrument(instrument, "alt_scales")
    sup = comparison["suppressed"].astype(bool) if "suppressed" in comparison else comparison["diff"].isna()
    shown = comparison[~sup].dropna(subset=["diff"])
    out = text_n("alt.scales", len(comparison), language, scales=len(comparison))
    if shown.empty:
        return out
    top = shown.loc[shown["diff"].abs().idxmax()]
    change = text("alt.scale_change", language, scale=inst.label(str(top[scale]), language),
                  before=fmt.number(top["mean_baseline"], 2, language),
                  after=fmt.number(top["mean_followup"], 2, language),
                  diff=fmt.difference(top["mean_baseline"], top["mean_followup"], 2, language))
    return out + " " + text("alt.scales_largest", language, change=change)


def alt_estimates(table: pd.DataFrame, label: str | list[str], estimate: str = "estimate", title: str = "",
                  language: Language = "da", alpha: float = ALPHA) -> str:
    """Alt text of :func:`relkap.plots.estimates_plot` (a research result table, labels already localised):
    how many estimates, how many with (adjusted) p below ``alpha``, the largest and the smallest.

    Examples
    --------
    >>> t = pd.DataFrame({"predictor": ["Vision", "Ramme"], "estimate": [0.3, 0.05], "p_val": [0.004, 0.5]})
    >>> alt_estimates(t, "predictor", title="H2", language="en")
    'H2: 2 estimates with their 95% confidence interval, 1 with p below 0.05. Largest: Vision (0.30); smallest: Ramme (0.05).'
    """
    labels = [label] if isinstance(label, str) else list(label)
    d = table.dropna(subset=[estimate])
    p = d["p_adj"].where(d["p_adj"].notna(), d["p_val"]) if "p_adj" in d else d.get("p_val")
    sig = int((p < alpha).sum()) if p is not None else 0
    head = text_n("alt.estimates", len(d), language, title=title, n=len(d), significant=sig,
                alpha=fmt.number(alpha, 2, language))
    if d.empty:
        return head
    name = lambda r: " · ".join(str(r[c]) for c in labels)  # noqa: E731
    hi, lo = d.loc[d[estimate].idxmax()], d.loc[d[estimate].idxmin()]
    return head + " " + text("alt.estimates_extremes", language, high=name(hi),
                             high_value=fmt.number(hi[estimate], 2, language), low=name(lo),
                             low_value=fmt.number(lo[estimate], 2, language))


def alt_trend(data: pd.DataFrame, instrument: Instrument, language: Language = "da") -> str:
    """Alt text of :func:`relkap.plots.wave_trend`: the index's value in every wave (hidden waves left out).

    Examples
    --------
    >>> d = pd.DataFrame({"wave": ["baseline", "followup"], "dimension": "rk", "mean": [3.38, 3.67],
    ...                   "suppressed": [False, False]})
    >>> alt_trend(d, inst, language="en")
    'Line chart of Relational capacity (index) in 2 waves: Baseline 3.38, Follow-up 3.67.'
    """
    inst = check_instrument(instrument, "alt_trend")
    sup = data["suppressed"].astype(bool) if "suppressed" in data else data["mean"].isna()
    rk = data[(data["dimension"].astype(str) == "rk") & ~sup].dropna(subset=["mean"])
    order = {w: i for i, w in enumerate(inst.waves.codes)}
    rk = rk.assign(_w=rk["wave"].astype(str).map(order)).sort_values("_w")
    values = ", ".join(text("waves.alt_value", language, wave=wave_label(w, language, inst),
                            value=fmt.number(m, 2, language)) for w, m in zip(rk["wave"].astype(str), rk["mean"],
                                                                               strict=True))
    return text("waves.alt_trend", language, what=inst.label("rk", language),
                n=len(data["wave"].astype(str).unique()), values=values)
