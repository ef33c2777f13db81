""""Det vigtigste": the report's key points as data (JSON-ready, also in ``summary.json``) and as sentences."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import fmt, words
from ..config import ALPHA, MIN_N
from ..instrument import Instrument
from ..labels import label, wave_label
from ..words import Language
from .briefing import index_has_followup, index_row, index_sentence
from .changed import most_changed
from .response import LOW_RESPONSE, TOTAL, low_response_groups
from .targeted import TargetedComparison, targeted_comparison
from .ties import certainty, certainty_word, join_items, tie_name

__all__ = ["key_points", "key_point_sentences", "trend_sentence"]


def key_points(rk: pd.DataFrame, ties: pd.DataFrame | None = None, rates: pd.DataFrame | None = None,
               params=None, k: int = 2, min_n: int = MIN_N, p: str = "p_fdr", alpha: float = ALPHA,
               name: str | None = None, trend: pd.DataFrame | None = None,
               comparison: TargetedComparison | None = None) -> list[dict]:
    """The data of at most five key points, in reading order.

    ``index`` (the RK index change), ``up`` and ``down`` (the ``k`` largest improvements and declines of
    :func:`most_changed`), ``targeted`` (intervention kommune: :func:`targeted_comparison`) or ``control``
    (control kommune), and ``response`` (the wave totals of :func:`relkap.report.response.response_rates`).
    Each point is a dict with ``kind`` and plain values (JSON-ready, for ``summary.json``). ``trend`` (three
    or more waves: the index rows of :func:`relkap.report.tables.rk_by_wave`) adds the index's value in every
    wave to the index point (``trend``: wave, n, mean, CI), said in words by :func:`key_point_sentences`.
    ``comparison``: the :func:`targeted_comparison` of ``ties`` and the parameters' targeted ties at ``min_n``,
    ``p`` and ``alpha`` when the caller has it already (a report computes it once).
    """
    row = index_row(rk)
    points: list[dict] = [{"kind": "index", **_plain(row, ["n_baseline", "n_followup", "mean_baseline",
                                                           "mean_followup", "diff", "diff_ci_low", "diff_ci_high",
                                                           p, "mdc", "suppressed"]),
                           "certainty": certainty(row.get(p), alpha) if index_has_followup(row) else "untested",
                           "has_followup": index_has_followup(row)}]
    if trend is not None and len(trend):
        points[0]["trend"] = [{"wave": str(r.wave), "n": _num(r.n), "mean": _num(r.mean), "ci_low": _num(r.ci_low),
                               "ci_high": _num(r.ci_high), "suppressed": bool(r.suppressed)}
                              for r in trend.itertuples(index=False)]
    if ties is not None and index_has_followup(row):
        targeted = getattr(params, "targeted_ties", []) or []
        most = most_changed(ties, k=k, min_n=min_n, p=p, alpha=alpha, targeted=targeted)
        for direction in ("up", "down"):
            part = most[most["direction"] == direction]
            points.append({"kind": direction, "ties": [
                {"group": r.group, "target": r.target, "diff": _num(r.diff), "p": _num(r.p),
                 "certainty": r.certainty, "targeted": bool(r.targeted)} for r in part.itertuples(index=False)]})
        arm = getattr(params, "arm", None)
        if arm == "intervention" and targeted:
            comp = (comparison if comparison is not None
                    else targeted_comparison(ties, targeted, min_n=min_n, p=p, alpha=alpha))
            points.append({"kind": "targeted", **{f"{c}_{g.kind}": _num(getattr(g, c))
                                                  for g in comp.groups.itertuples(index=False)
                                                  for c in ("n_ties", "mean_diff", "n_improved", "n_significant")}})
        elif arm == "control":
            points.append({"kind": "control", "name": name or getattr(params, "name", "")})
    if rates is not None and len(rates):
        tot = rates[rates["group"] == TOTAL]
        points.append({"kind": "response", "waves": [
            {"wave": str(r.wave), "n": _num(r.n), "invited": _num(r.invited), "rate": _num(r.rate),
             "low": bool(r.low), "status": r.status} for r in tot.itertuples(index=False)],
            "low_groups": [{"group": str(g), "wave": str(w)} for g, w in
                           rates.loc[rates["low"] & (rates["group"] != TOTAL), ["group", "wave"]].itertuples(index=False)]})
    return points[:5]


def _num(v):
    if fmt.missing(v):
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    return round(float(v), 6)


def _plain(row: pd.Series | None, cols: list[str]) -> dict:
    if row is None:
        return {}
    return {c: _num(row[c]) for c in cols if c in row.index}


def key_point_sentences(points: list[dict], language: Language, instrument: Instrument,
                        rates: pd.DataFrame | None = None, p: str = "p_fdr", alpha: float = ALPHA,
                        low: float | None = None) -> list[str]:
    """One plain sentence per key point of :func:`key_points` (at most five), in ``language``."""
    inst = instrument
    out = []
    for pt in points:
        kind = pt["kind"]
        if kind == "index":
            row = pd.DataFrame([{k: (np.nan if v is None else v) for k, v in pt.items() if k != "kind"}])
            row.insert(0, "dimension", "rk")
            sentence = index_sentence(row, language, inst, p, alpha)
            out.append(sentence + (" " + trend_sentence(pt["trend"], language, instrument=inst) if pt.get("trend") else ""))
        elif kind in ("up", "down"):
            if not pt["ties"]:
                out.append(words.text(f"briefing.key.no_{kind}", language))
                continue
            items = [words.text("briefing.key.tie_change", language,
                                tie=tie_name(t["group"], t["target"], language, inst, t["targeted"]),
                                diff=fmt.signed(t["diff"], 2, language),
                                certainty=certainty_word(t["certainty"], language)) for t in pt["ties"]]
            out.append(words.text(f"briefing.key.{kind}", language, ties=join_items(items, language)))
        elif kind == "targeted":
            if not pt["n_ties_targeted"]:
                out.append(words.text("briefing.key.targeted_none", language))
                continue
            out.append(words.text_n("briefing.key.targeted", pt["n_ties_targeted"], language, n_targeted=pt["n_ties_targeted"],
                                  n_other=pt["n_ties_other"], n_improved=pt["n_improved_targeted"],
                                  mean_targeted=fmt.signed(pt["mean_diff_targeted"], 2, language),
                                  mean_other=fmt.signed(pt["mean_diff_other"], 2, language)))
        elif kind == "control":
            out.append(words.text("briefing.key.control", language, name=pt["name"]))
        elif kind == "response":
            out.append(_response_sentence(pt, language, inst, rates, LOW_RESPONSE if low is None else low))
    return out[:5]


def trend_sentence(trend: list[dict], language: Language = "da", *, instrument: Instrument) -> str:
    """The index over the waves in words: each wave's value, and whether it went up (down) at every wave.

    Examples
    --------
    >>> from relkap import load_instrument
    >>> t = [{"wave": "baseline", "mean": 3.38, "suppressed": False}, {"wave": "followup", "mean": 3.52,
    ...      "suppressed": False}]
    >>> trend_sentence(t, "en", instrument=load_instrument())
    'Across the waves: baseline 3.38 → follow-up 3.52; up at every wave.'
    """
    inst = instrument
    shown = [t for t in trend if not t["suppressed"] and t["mean"] is not None]
    steps = " → ".join(words.text("waves.step", language, wave=wave_label(t["wave"], language, inst).lower(),
                                  value=fmt.number(t["mean"], 2, language)) for t in shown)
    diffs = np.diff([round(t["mean"], 2) for t in shown])
    shape = "up" if (diffs > 0).all() else "down" if (diffs < 0).all() else "mixed"
    return words.text("waves.trend_key", language, steps=steps, shape=words.text(f"waves.shape.{shape}", language))


def _response_sentence(pt: dict, language: Language, inst: Instrument, rates: pd.DataFrame | None,
                       low: float) -> str:
    waves = pt["waves"]
    given = [w for w in waves if w["status"] == "given"]
    if not given:
        parts = [words.text("briefing.key.response_unknown_part", language,
                            wave=wave_label(w["wave"], language, inst).lower(), n=fmt.count(w["n"], None, language))
                 for w in waves]
        return words.text("briefing.key.response_unknown", language, parts=", ".join(parts))
    parts = [words.text("briefing.key.response_part", language, wave=wave_label(w["wave"], language, inst).lower(),
                        rate=fmt.percent(w["rate"], language), n=fmt.count(w["n"], None, language),
                        invited=fmt.count(w["invited"], None, language))
             for w in given]
    low_groups = (low_response_groups(rates, language, inst) if rates is not None else
                  [words.text("briefing.key.group_wave", language, group=label(g["group"], language, inst),
                              wave=wave_label(g["wave"], language, inst).lower()) for g in pt["low_groups"]])
    low_text = (words.text("briefing.key.response_low", language, threshold=fmt.percent(low, language),
                           groups=join_items(low_groups, language)) if low_groups else "")
    return words.text("briefing.key.response", language, parts=", ".join(parts), low=low_text)
