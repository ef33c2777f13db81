"""Synthetic data with known built-in effects: the demo's surveys and coded interviews, and small examples.

- :mod:`relkap.synth.survey`: :func:`simulate` (employee, citizen and structure answers of real kommuner) and
  :func:`write_demo` (the demo's raw files, ``relkap synth``).
- :mod:`relkap.synth.interviews`: the demo's coded interviews as REFI-QDA projects with their mapping file
  (:func:`write_demo_interviews`), from random streams of their own.
- :mod:`relkap.synth.examples`: small tables for docstring examples and tests (:func:`example_tables`) and the
  figure gallery's hand-designed kommune (:func:`example_survey`).
"""

from .examples import example_survey, example_tables
from .interviews import (
    INTERVIEW_CODERS,
    INTERVIEWS_PER_WAVE,
    P_SECOND_CODER,
    P_STRENGTH_TARGETED,
    P_TARGETED_KEY,
    P_TARGETED_OTHER,
    demo_mapping,
    write_demo_interviews,
)
from .survey import (
    CITIZENS,
    COCREATION_SLOPE,
    CODERS,
    DEFAULT_EMPLOYEES,
    DEMO_KOMMUNER,
    DONT_KNOW_SHARE,
    EFFECT_SLOPE,
    INTERVENTION_EFFECT,
    LEADERSHIP_SLOPE,
    LOW_RESPONSE_RATE,
    LOW_RESPONSE_SHARE,
    MIDWAY_SHARE,
    MIDWAY_WAVE,
    MOTIVATION_SLOPE,
    REPEAT_SHARE,
    RESPONSE_RATE,
    SATISFACTION_SLOPE,
    SCALE_DONT_KNOW_SHARE,
    STRUCTURE_LEADERSHIP_SLOPE,
    STRUCTURE_SLOPE,
    TARGET_ICC1,
    TIME_TREND,
    SynthData,
    SynthError,
    demo_kommuner,
    simulate,
    with_waves,
    write_demo,
)

__all__ = [
    "MIDWAY_SHARE",
    "MIDWAY_WAVE",
    "with_waves",
    "SynthData",
    "SynthError",
    "simulate",
    "write_demo",
    "demo_kommuner",
    "example_tables",
    "example_survey",
    "write_demo_interviews",
    "demo_mapping",
    "DEMO_KOMMUNER",
    "INTERVENTION_EFFECT",
    "TIME_TREND",
    "LEADERSHIP_SLOPE",
    "MOTIVATION_SLOPE",
    "STRUCTURE_SLOPE",
    "STRUCTURE_LEADERSHIP_SLOPE",
    "COCREATION_SLOPE",
    "SATISFACTION_SLOPE",
    "EFFECT_SLOPE",
    "TARGET_ICC1",
    "REPEAT_SHARE",
    "DONT_KNOW_SHARE",
    "SCALE_DONT_KNOW_SHARE",
    "DEFAULT_EMPLOYEES",
    "CITIZENS",
    "CODERS",
    "RESPONSE_RATE",
    "LOW_RESPONSE_RATE",
    "LOW_RESPONSE_SHARE",
    "INTERVIEWS_PER_WAVE",
    "INTERVIEW_CODERS",
    "P_SECOND_CODER",
    "P_STRENGTH_TARGETED",
    "P_TARGETED_KEY",
    "P_TARGETED_OTHER",
]
