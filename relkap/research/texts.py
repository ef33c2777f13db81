"""The methods and limitations texts, written from the parameters and the actual numbers.

Every sentence is a catalogue entry (``research.methods.*``, ``research.limits.*``, in Danish and in
English with the same content); the code only chooses the sentences and fills in the numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import fmt
from ..instrument import Instrument
from ..words import Language, text, text_n
from .answers import ALPHA
from .data import LEADERSHIP, wave_order
from .fit import MIN_UNITS
from .questions import counts

__all__ = ["DEFAULTS", "methods_text", "limitations_text", "not_answered_texts"]

DEFAULTS = {"nesting": "vc", "n_boot": 2000, "n_permutations": 999, "seed": 1, "min_units": MIN_UNITS,
            "mediation_correction": "mediator"}


def methods_text(results: dict[str, pd.DataFrame], parameters: dict, language: Language = "en",
                 instrument: Instrument | None = None) -> str:
    """A methods paragraph (Markdown) from the parameters and the actual numbers, ready for a paper.

    Parameters
    ----------
    results : dict of DataFrame
        :func:`relkap.research.analyse`.
    parameters : dict
        The run's parameters (``nesting``, ``n_boot``, ``seed``, ``n_permutations``,
        ``mediation_correction``; :data:`DEFAULTS` for those not given).
    language : {"da", "en"}
        Language of the text.
    instrument : Instrument, optional
        The codebook: the waves in its order and by its names (else the codes, sorted).

    Returns
    -------
    str
        One paragraph: the data, the waves used (and with three or more, RQ4's event study and trend and
        H3's consecutive pairs), the models.

    Examples
    --------
    >>> units = pd.DataFrame({"kommune": [1, 2], "wave": ["baseline"] * 2, "n_respondents": [30, 40]})
    >>> res = {"units": units, "h2_leadership": pd.DataFrame(columns=["predictor", "reliability"])}
    >>> methods_text(res, {}, "en")[:67]
    'The data comprise 2 kommuner in 1 waves (2 kommune-waves), 70 emplo'
    """
    n = counts(results)
    p = {**DEFAULTS, **parameters}
    lead = results["h2_leadership"]
    alpha = lead.loc[lead["predictor"] == LEADERSHIP, "reliability"] if "reliability" in lead else []
    order = wave_order(results["units"]["wave"], instrument)
    named = ", ".join(instrument.waves.name(w, language) if instrument is not None else w for w in order)
    many = len(order) >= 3
    sentences = [
        text("research.methods.data", language, **n),
        text("research.methods.waves", language, waves=named),
        text("research.methods.index", language),
        text("research.methods.aggregation", language),
        text("research.methods.small_sample", language),
        text("research.methods.unit_level", language),
        text("research.methods.cross_lagged_waves", language, k=len(order)) if many
        else text("research.methods.cross_lagged", language),
        text("research.methods.mixed", language, nesting=text(f"research.methods.nesting_{p['nesting']}", language),
             alpha=fmt.number(alpha.iloc[0] if len(alpha) else np.nan, 2, language) or "NA"),
        text("research.methods.same_source", language, seed=p["seed"]),
        text("research.methods.rq1", language),
        text("research.methods.rq2_correction", language),
        text("research.methods.mediation", language, n_boot=p["n_boot"], seed=p["seed"],
             correction=text(f"research.methods.correction_{p['mediation_correction']}", language)),
        text("research.methods.rq4", language, intervention=n["intervention"], control=n["control"],
             n_permutations=p["n_permutations"]),
        *([text("research.methods.event_study", language, k=len(order), first=_name(order[0], instrument, language),
                latest=_name(order[-1], instrument, language))] if many else []),
        text("research.methods.answers", language, alpha=fmt.number(ALPHA, 2, language)),
        text("research.methods.holm", language),
    ]
    return " ".join(sentences)


def _name(code: str, instrument: Instrument | None, language: Language) -> str:
    """A wave's display name in running text (lower case), its code without a codebook."""
    return instrument.waves.name(code, language).lower() if instrument is not None else code


def not_answered_texts(results: dict[str, pd.DataFrame], language: Language = "en") -> dict[str, str]:
    """Table name -> the sentence that says why its question cannot be answered (or only in part).

    Examples
    --------
    >>> status = pd.DataFrame([{"table": "rq4_did", "answered": "no", "reason": "too_few_kommuner",
    ...                         "needed": 2, "available": 1}])
    >>> not_answered_texts({"not_answered": status}, "en")["rq4_did"]
    'RQ4: intervention versus control cannot be answered: the model needs at least 2 kommuner and the data have 1.'
    """
    status = results.get("not_answered")
    if status is None:
        return {}
    out = {}
    for r in status.itertuples(index=False):
        numbers = {k: v for k, v in (("needed", r.needed), ("available", r.available)) if not pd.isna(v)}
        reason = text(f"research.reason.{r.reason}", language, **numbers)
        key = "research.not_answered" if r.answered == "no" else "research.partly_answered"
        out[r.table] = text(key, language, question=text(f"research.question.{r.table}", language), reason=reason)
    return out


def limitations_text(results: dict[str, pd.DataFrame], parameters: dict, language: Language = "en") -> str:
    """Limitations (a Markdown bullet list) that reflect the actual numbers of units and the diagnostics.

    Parameters
    ----------
    results : dict of DataFrame
        :func:`relkap.research.analyse`.
    parameters : dict
        The run's parameters (``min_units``).
    language : {"da", "en"}
        Language of the text.

    Returns
    -------
    str
        One bullet per limitation: the number of kommuner (low power below ``min_units``), the arms of
        RQ4, the aggregation verdict, models that did not converge, the questions the data cannot
        answer, and the design's standing limitations.

    Examples
    --------
    >>> units = pd.DataFrame({"kommune": [1, 2], "wave": ["baseline"] * 2, "n_respondents": [30, 40]})
    >>> empty = pd.DataFrame(columns=["level", "verdict"])
    >>> limitations_text({"units": units, "aggregation": empty}, {}, "da").splitlines()[0][:40]
    '- Kun 2 kommuner: analyserne på kommunen'
    """
    n = counts(results)
    min_units = int(parameters.get("min_units", MIN_UNITS))
    items = [text("research.limits.few_kommuner" if n["kommuner"] < min_units else "research.limits.kommuner",
                  language, kommuner=n["kommuner"], min_units=min_units)]
    if n["intervention"] or n["control"]:
        items.append(text("research.limits.arms", language, intervention=n["intervention"], control=n["control"]))
    agg = results["aggregation"]
    if ((agg["level"] == "kommune") & (agg["verdict"] != "justified")).any():
        items.append(text("research.limits.aggregation", language))
    mixed = [results[k]["converged"] for k in ("h1_structures_rk", "h2_leadership", "rq1_cocreation")
             if k in results and "converged" in results[k]]
    failed = int(sum((c == False).sum() for c in mixed))  # noqa: E712 - NaN (not a mixed model) is no failure
    if failed:
        items.append(text_n("research.limits.not_converged", failed, language, k=failed))
    items += list(not_answered_texts(results, language).values())
    k = len(wave_order(results["units"]["wave"]))
    # employees in several waves have a respondent intercept in the employee-level models (research.fit) with
    # two waves as with more; the cross-sectional sentence names two waves or the trend's equal steps
    standing = ("cross_sectional_waves" if k >= 3 else "cross_sectional", "repeated_waves")
    items += [text(f"research.limits.{key}", language, k=k) for key in (*standing, "same_source", "correction")]
    return "\n".join(f"- {t}" for t in items)
