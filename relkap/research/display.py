"""The research tables and figures as readers see them: localised headers and words, formatted numbers.

The words come from the catalogue (``research.column.*``, ``research.value.*``) and the codebook
(:meth:`relkap.instrument.Instrument.label` for scales, dimensions and structure codes), the numbers
from :mod:`relkap.fmt`. The CSV and JSON outputs keep the raw names (:mod:`relkap.research.outputs`).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .. import fmt
from ..instrument import Instrument
from ..words import Language, text
from .answers import ALPHA, answers
from .data import wave_order
from .fit import WAVE_TERMS
from .rq4 import RQ4_FAMILIES
from .texts import not_answered_texts

__all__ = ["COLUMNS", "term", "display_table", "answers_table", "answers_rule", "show", "note", "localise", "present",
           "counts_table", "event_study_rows", "waves_note"]

# The columns shown per table, in order ("ci" stands for ci_low/ci_high in one column, "ci_std" and
# "ci_split" for the standardised and split-sample ones); the CSV files and the JSON keep all of them.
COLUMNS = {
    "aggregation": ["level", "wave", "statistic", "estimate", "ci", "p_val", "threshold", "meets", "n_units",
                    "n_respondents", "verdict"],
    "h1_structures_rk": ["model", "predictor", "estimate", "ci", "estimate_std", "p_val", "df", "method", "p_adj",
                         "n_units", "n_respondents"],
    "h2_leadership": ["outcome", "predictor", "estimate", "ci", "estimate_std", "ci_std", "estimate_corrected",
                      "reliability", "p_val", "method", "p_adj", "estimate_split", "ci_split", "p_split", "n_units",
                      "n_respondents", "converged"],
    "h3_structures_leadership": ["analysis", "path", "wave", "estimate", "ci", "p_val", "df", "method", "p_adj",
                                 "n_units", "n_respondents"],
    "rq1_cocreation": ["outcome", "predictor", "estimate", "ci", "estimate_std", "estimate_corrected",
                       "reliability", "p_val", "method", "p_adj", "n_units", "n_respondents"],
    "rq2_rk_citizen": ["outcome", "predictor", "estimate", "ci", "estimate_std", "estimate_corrected",
                       "reliability", "p_val", "df", "method", "p_adj", "n_units", "n_respondents", "low_power"],
    "rq2_mediation": ["outcome", "path", "estimate", "ci", "p_val", "method", "p_adj", "n_units", "n_citizens",
                      "low_power"],
    "rq4_did": ["scope", "dimension", "wave", "wave_term", "estimate", "ci", "p_val", "method", "p_adj", "family",
                "estimate_model", "p_model", "n_units", "n_intervention", "n_control", "n_respondents"],
    # RQ4's event study: the primary scope's RK rows, each later wave against the first and the trend
    "rq4_event_study": ["wave", "baseline_wave", "wave_term", "estimate", "ci", "p_val", "p_adj", "family",
                        "estimate_model", "ci_model", "p_model", "method_model", "n_units", "n_respondents"],
}
_P = ("p_val", "p_adj", "p_model", "p_split")
_COUNTS = ("n_units", "n_respondents", "n_citizens", "n_intervention", "n_control")
_WORDS = {  # raw value -> research.value key, per column
    "verdict": {"justified": "justified", "partly": "partly", "not justified": "not_justified"},
    "level": {"kommune": "kommune", "kommune:group": "kommune_group"},
    "statistic": {"ICC1": "icc1", "ICC2": "icc2", "rwg_j_median": "rwg_j_median"},
    "model": {"ols_unit": "ols_unit", "mixed_respondent": "mixed_respondent"},
    "analysis": {"correlation": "correlation", "slope": "slope", "cross_lagged": "cross_lagged"},
    "scope": {"all_ties": "all_ties", "targeted_ties": "targeted_ties", "targeted_contrast": "targeted_contrast",
              "targeted_unadjusted": "targeted_unadjusted"},
    "wave_term": {t: f"wave_term_{t}" for t in WAVE_TERMS},
    "family": {f: f"family_{f}" for f in RQ4_FAMILIES},
}
_TERMS = ("rk", "structure", "structure_between", "structure_within", "leadership")
_PATHS = ("a", "b", "indirect", "direct", "total")


def term(code: str, instrument: Instrument | None = None, language: Language = "da") -> str:
    """A variable, wave or path as readers name it: ``"structure -> leadership"`` -> "Strukturindeks → Ledelse, samlet".

    RK, the structure index and its parts and total leadership come from the catalogue, wave labels
    from the codebook's waves (without a codebook the glossary's baseline and follow-up), scale, dimension
    and structure codes from the codebook; arrows become "→"/"↔", a comma-separated list of waves their
    names. "all" (every wave) reads "Begge målinger" with a two-wave codebook, else "Alle målinger".

    Examples
    --------
    >>> from relkap import load_instrument
    >>> term("structure <-> leadership", load_instrument(), "en")
    'Structure index ↔ Leadership, total'
    >>> term("baseline->followup", None, "da")
    'Førmåling → Eftermåling'
    >>> term("baseline,followup", load_instrument(), "en")
    'Baseline, Follow-up'
    """
    for raw, arrow in ((" <-> ", " ↔ "), (" -> ", " → "), ("->", " → "), (",", ", ")):
        if raw in code:
            return arrow.join(term(part, instrument, language) for part in code.split(raw))
    if code in _TERMS:
        return text(f"research.value.{code}", language)
    if instrument is not None and instrument.waves.get(code) is not None:
        return instrument.waves.name(code, language)
    if instrument is None and code in ("baseline", "followup"):
        return text(f"glossary.{code}", language)
    if code == "all":
        many = instrument is not None and len(instrument.waves) > 2
        return text(f"research.value.{'every_wave' if many else 'all_waves'}", language)
    return instrument.label(code, language) if instrument is not None else code


def _word(column: str, value: object, instrument: Instrument | None, language: Language) -> str:
    if fmt.missing(value):
        return ""
    if column in ("converged", "low_power", "meets"):
        return text(f"research.value.{'yes' if bool(value) else 'no'}", language)
    if column in ("method", "method_model"):
        return text(f"research.method.{value}", language)
    if column in _WORDS:
        key = _WORDS[column].get(str(value))
        return text(f"research.value.{key}", language) if key else str(value)
    if column == "path" and value in _PATHS:
        return text(f"research.value.path_{value}", language)
    return term(str(value), instrument, language)


def _is_ci(column: str) -> bool:
    """``"ci"`` and ``"ci_<suffix>"`` stand for the columns ``ci_low<_suffix>`` and ``ci_high<_suffix>``."""
    return column == "ci" or column.startswith("ci_") and not column.startswith(("ci_low", "ci_high"))


def display_table(results: dict[str, pd.DataFrame], name: str, instrument: Instrument | None = None,
                  language: Language = "da", decimals: int = 2) -> pd.DataFrame:
    """A result table as readers see it: its main columns (:data:`COLUMNS`), localised and formatted.

    Headers come from ``research.column.*``; words (verdicts, models, paths, variables, waves) from the
    catalogue and the codebook; numbers through :func:`relkap.fmt.number` (``decimals``), CIs as one
    column (:func:`relkap.fmt.ci`), p-values through :func:`relkap.fmt.pvalue`, counts as whole numbers
    (kommuner and pooled responses: never a small cell).

    Parameters
    ----------
    results : dict of DataFrame
        :func:`relkap.research.analyse`.
    name : str
        One of :data:`relkap.research.TABLE_NAMES`.
    instrument : Instrument, optional
        The codebook, for the labels of scales and dimensions (without it the codes are shown).
    language : {"da", "en"}
        Language of headers, words and numbers.
    decimals : int
        Decimals of estimates.

    Returns
    -------
    DataFrame
        Strings only, one row per result row.

    Examples
    --------
    >>> t = pd.DataFrame({"outcome": ["tilfredshed"], "predictor": ["samskabelse"], "estimate": [0.4123],
    ...                   "ci_low": [-0.1], "ci_high": [0.9], "p_val": [0.0004], "n_units": [10]})
    >>> from relkap import load_instrument
    >>> display_table({"rq1_cocreation": t}, "rq1_cocreation", load_instrument(), "da").iloc[0].to_dict()
    {'Udfald': 'Tilfredshed', 'Forklarende variabel': 'Samskabelse', 'Estimat': '0,41', '95 %-KI': '[−0,10; 0,90]', 'p': '< 0,001', 'Kommuner': '10'}
    """
    t = results[name]
    cols = [c for c in COLUMNS[name] if c in t.columns or _is_ci(c) and f"ci_low{c[2:]}" in t.columns]
    out = {}
    for c in cols:
        header = text(f"research.column.{c}", language)
        if _is_ci(c):
            suffix = c[2:]
            out[header] = [fmt.ci(lo, hi, language, decimals) for lo, hi in
                           zip(t[f"ci_low{suffix}"], t[f"ci_high{suffix}"], strict=True)]
        elif c in _P:
            out[header] = [fmt.pvalue(p, language) for p in t[c]]
        elif c in _COUNTS:
            out[header] = [fmt.count(n, None, language) for n in t[c]]
        elif pd.api.types.is_float_dtype(t[c]) and c not in ("converged", "low_power", "meets"):
            out[header] = [fmt.number(x, decimals, language) for x in t[c]]
        else:
            out[header] = [_word(c, v, instrument, language) for v in t[c]]
    if name == "aggregation" and {"verdict", "level", "wave"} <= set(t.columns):
        # the verdict is the level's in a wave (all three statistics together): said once, on the block's first
        # row, so a row that meets its own threshold does not read "partly justified"
        first = ~t.duplicated(["level", "wave"]).to_numpy()
        header = text("research.column.verdict", language)
        out[header] = [v if keep else "" for v, keep in zip(out[header], first, strict=True)]
    return pd.DataFrame(out, index=range(len(t)))


def show(results: dict[str, pd.DataFrame], name: str, instrument: Instrument | None = None,
         language: Language = "da", decimals: int = 2):
    """:func:`display_table` as a notebook table without the index, captioned with its question (a ``Styler``)."""
    # deferred: publish loads IPython's display; only a notebook shows tables
    from ..publish import captioned

    return captioned(display_table(results, name, instrument, language, decimals).style.hide(axis="index"),
                     text(f"research.question.{name}", language))


def event_study_rows(results: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """RQ4's event study: the rows of the primary scope (the targeted contrast, else all ties) and the RK index,
    each later wave against the first (in time order, as :func:`relkap.research.intervention_did` writes
    them) and the linear trend; empty without RQ4 rows.

    Examples
    --------
    >>> rq4 = pd.DataFrame({"scope": ["all_ties"] * 4, "dimension": ["rk", "rk", "respekt", "rk"],
    ...                     "wave": ["midtvejs", "followup", "followup", "all"], "estimate": [0.2, 0.5, 0.4, 0.25]})
    >>> event_study_rows({"rq4_did": rq4})[["wave", "estimate"]].values.tolist()
    [['midtvejs', 0.2], ['followup', 0.5], ['all', 0.25]]
    """
    t = results.get("rq4_did", pd.DataFrame())
    if not len(t):
        return t
    scope = "targeted_contrast" if (t["scope"] == "targeted_contrast").any() else "all_ties"
    return t[(t["scope"] == scope) & (t["dimension"] == "rk")].reset_index(drop=True)


def waves_note(results: dict[str, pd.DataFrame], instrument: Instrument | None = None, language: Language = "da") -> str:
    """The waves the analyses use, by name and in time order, and how the models use them (Markdown).

    Examples
    --------
    >>> units = pd.DataFrame({"kommune": [1, 1], "wave": ["followup", "baseline"]})
    >>> waves_note({"units": units}, None, "en")[:56]
    'The analyses use the waves baseline, followup (in this o'
    """
    order = wave_order(results["units"]["wave"], instrument)
    named = ", ".join(term(w, instrument, language) if instrument is not None else w for w in order)
    return text("research.methods.waves", language, waves=named)


def note(results: dict[str, pd.DataFrame], name: str, language: Language = "da") -> str:
    """The Markdown note of a question the data cannot answer (or answer only in part), else ``""``."""
    t = not_answered_texts(results, language).get(name)
    return text("research.note", language, text=t) if t else ""


def localise(table: pd.DataFrame, columns: str | Sequence[str], instrument: Instrument | None = None,
             language: Language = "da") -> pd.DataFrame:
    """``table`` with the values of ``columns`` as readers name them (:func:`term`, verdicts, models).

    For a figure's row labels (:func:`relkap.plots.estimates_plot` prints the values as they are).

    Examples
    --------
    >>> t = pd.DataFrame({"predictor": ["leadership"], "estimate": [0.3]})
    >>> localise(t, "predictor", language="en")["predictor"].tolist()
    ['Leadership, total']
    """
    out = table.copy()
    for c in [columns] if isinstance(columns, str) else list(columns):
        out[c] = [_word(c, v, instrument, language) for v in out[c]]
    return out


def present(results: dict[str, pd.DataFrame], name: str, instrument: Instrument | None = None,
            language: Language = "da", label: str | Sequence[str] = "predictor", estimate: str = "estimate",
            xlabel: str = "estimate", plot: bool = True, decimals: int = 2) -> None:
    """Show one question in the notebook: why it cannot be answered (if so), its table and its forest plot.

    ``xlabel`` names the axis label in the catalogue (``research.figure.<xlabel>``: "estimate", "std",
    "did"); the plot's title is the question (``research.question.<name>``). A question without rows
    shows only its note; ``plot=False`` leaves the figure out; ``decimals`` of the table's numbers (3 for
    the aggregation check, whose ICC(1) near its 0.05 threshold would print as the threshold itself).
    """
    from IPython.display import Markdown, display  # deferred: IPython, only inside a notebook

    if text_ := note(results, name, language):
        display(Markdown(text_))
    if len(results[name]) == 0:
        return
    display(show(results, name, instrument, language, decimals))
    if not plot:
        return
    # deferred: publish loads IPython's display and plots matplotlib/seaborn; relkap.research loads neither
    from .. import publish
    from ..plots import estimates_plot
    from ..plots.alt import alt_estimates

    shown, title = localise(results[name], label, instrument, language), text(f"research.question.{name}", language)
    ax = estimates_plot(shown, label=label, estimate=estimate, language=language, xlabel=text(f"research.figure.{xlabel}", language),
                        title=title)
    publish.figure(ax.figure, alt_estimates(shown, label, estimate, title, language))


def answers_table(results: dict[str, pd.DataFrame], instrument: Instrument | None = None, language: Language = "da",
                  parameters: dict | None = None, decimals: int = 2) -> pd.DataFrame:
    """The answers (:func:`relkap.research.answers`) as readers see them: one row per question, its primary estimate.

    Each row has the question, the primary relation, estimate, CI, p, p adjusted within its family, the
    method that gave the p (and for H2/RQ3 the split-sample estimate with its CI), the verdict and the
    caveats; :func:`answers_reasons` gives each verdict's reason in words. Headers and words from the
    catalogue (``research.answer.*``, ``research.caveat.*``), numbers through :mod:`relkap.fmt`.

    Examples
    --------
    >>> h1 = pd.DataFrame([{"model": "mixed_respondent", "outcome": "rk", "predictor": "structure_between",
    ...                     "estimate": 0.2, "ci_low": -0.01, "ci_high": 0.41, "p_val": 0.057, "df": 7.2,
    ...                     "method": "satterthwaite", "n_units": 10}])
    >>> t = answers_table({"h1_structures_rk": h1, "units": pd.DataFrame()}, language="en")
    >>> t.iloc[0, [0, 1, 4, 6, 8]].tolist()
    ['H1: Formal structures raise RK (between kommuner)', 'Structures, between kommuner → RK index', '0.057', 't, Satterthwaite df', 'not supported']
    """
    keys = ("question", "part", "estimate", "ci", "p_val", "p_adj", "method", "split", "verdict", "caveats")
    col = {k: text(f"research.answer.column.{k}", language) for k in keys}
    rows = []
    for a in answers(results, parameters, language, ALPHA):
        p = a["parts"][0] if a["parts"] else {}
        rel = p.get("relation", "")
        split = p.get("estimate_split")
        rows.append({
            col["question"]: a["statement"],
            col["part"]: _versus(results, a["table"], p, term(rel, instrument, language) if " -> " in rel else
                                 _word("scope", rel or None, instrument, language), instrument, language),
            col["estimate"]: fmt.number(p.get("estimate"), decimals, language),
            col["ci"]: fmt.ci(p.get("ci_low"), p.get("ci_high"), language, decimals),
            col["p_val"]: fmt.pvalue(p.get("p_val"), language),
            col["p_adj"]: fmt.pvalue(p.get("p_adj") if p.get("p_adj") is not None else p.get("p_val"), language),
            col["method"]: _word("method", p.get("method"), instrument, language),
            col["split"]: "" if fmt.missing(split) else (
                f"{fmt.number(split, decimals, language)} {fmt.ci(p['ci_low_split'], p['ci_high_split'], language, decimals)}"),
            col["verdict"]: text(f"research.answer.verdict.{a['verdict']}", language),
            col["caveats"]: "; ".join(text(f"research.caveat.{c}", language) for c in a["caveats"]),
        })
    return pd.DataFrame(rows, columns=[col[k] for k in keys])


def _versus(results: dict[str, pd.DataFrame], table: str, part: dict, shown: str, instrument: Instrument | None,
            language: Language) -> str:
    """``shown`` with the waves the primary row compares ("... (Eftermåling mod Førmåling)") when its table
    compares more than one later wave with the first (RQ4's event study), else ``shown`` as it is."""
    t = results.get(table, pd.DataFrame())
    if "wave_term" not in t.columns or not part.get("wave"):
        return shown
    if t.loc[t["wave_term"] == "versus_first", "wave"].nunique() < 2:
        return shown
    first = t.loc[t["wave"] == part["wave"], "baseline_wave"].iloc[0]
    return text("research.answer.versus", language, part=shown, later=term(str(part["wave"]), instrument, language),
                first=term(str(first), instrument, language))


def answers_reasons(results: dict[str, pd.DataFrame], instrument: Instrument | None = None, language: Language = "da",
                    parameters: dict | None = None) -> str:
    """Each answer's verdict, its reason and its primary estimate with the adjustment, one Markdown bullet each.

    Examples
    --------
    >>> print(answers_reasons({"units": pd.DataFrame()}, language="en").splitlines()[0])
    - **H1: Formal structures raise RK (between kommuner)**: cannot be answered with this design. The data do not suffice for the question's model.
    """
    lines = []
    for a in answers(results, parameters, language, ALPHA):
        verdict = text(f"research.answer.verdict.{a['verdict']}", language)
        line = f"- **{a['statement']}**: {verdict}. {a['reason_text']}"
        if a["family_size"]:
            rel = a["relation"] or ""
            shown = term(rel, instrument, language) if " -> " in rel else _word("scope", rel or None, instrument,
                                                                               language)
            kind = "none" if a["family_size"] == 1 else "holm"
            line += " " + text(f"research.answer.adjustment.{kind}", language, relation=shown, m=a["family_size"])
        lines.append(line)
    return "\n".join(lines)


def answers_rule(language: Language = "da") -> str:
    """The verdict rule of :func:`answers_table` in words (Markdown), with the significance level.

    Examples
    --------
    >>> answers_rule("en")[:40]
    'Each question is answered by one pre-dec'
    """
    return text("research.answer.rule", language, alpha=fmt.number(ALPHA, 2, language))


def counts_table(counts: dict[str, int], language: Language = "da") -> pd.DataFrame:
    """What the research data hold (:func:`relkap.research.counts`) as a two-column table for readers.

    Examples
    --------
    >>> counts_table({"kommuner": 10, "employees": 1588}, "en").to_dict("list")
    {'What is counted': ['Kommuner', 'Employee responses'], 'Count': ['10', '1,588']}
    """
    return pd.DataFrame({text("research.column.counted", language): [text(f"research.n.{k}", language) for k in counts],
                         text("research.count", language): [fmt.count(v, None, language) for v in counts.values()]})
