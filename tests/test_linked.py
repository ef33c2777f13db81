"""Respondents linked across waves: counted as sets of ids would count them, and said in the report's methods
without a count below min_n (issue 25: the report said the waves 'are not linked' though most ids recur)."""

from __future__ import annotations

import pandas as pd
import pytest

from relkap import load, load_instrument
from relkap.linked import linked_respondents
from relkap.report.methods import methods_text

INST = load_instrument()


def test_counts_equal_set_arithmetic_on_the_demo(demo_project):
    project = demo_project(3, 1, 40)
    relations = load(project.data).relations
    got = linked_respondents(relations, "kommune").set_index("kommune")
    assert len(got) == 3
    for kommune, rows in relations.groupby("kommune", observed=True):
        base = set(rows.loc[rows["wave"] == "baseline", "respondent_id"])
        follow = set(rows.loc[rows["wave"] == "followup", "respondent_id"])
        row = got.loc[kommune]
        assert row["n_baseline"] == len(base) and row["n_followup"] == len(follow)
        assert row["n_linked"] == row["n_every_wave"] == len(base & follow)
        assert row["n_respondents"] == len(base | follow) and row["n_waves"] == 2
    assert (got["n_linked"] > 0).all()  # the demo's respondents recur: the report must not say otherwise


def test_three_waves_and_a_respondent_in_one_wave_only():
    d = pd.DataFrame({"respondent_id": ["a", "a", "a", "b", "b", "c", "d"],
                      "wave": pd.Categorical(["t1", "t2", "t3", "t1", "t3", "t2", "t2"], ["t1", "t2", "t3"]),
                      "score": [1.0, None, 2.0, 3.0, 4.0, 5.0, None]})
    row = linked_respondents(d).iloc[0].to_dict()
    # a: three waves, b: two, c and d: one (a missing score is an answer: 'ved ikke')
    assert row == {"n_waves": 3, "n_respondents": 4, "n_linked": 2, "n_every_wave": 1, "n_t1": 2, "n_t2": 3,
                   "n_t3": 2, "shown": True}
    with pytest.raises(ValueError, match="no column 'kommune'"):
        linked_respondents(d, "kommune")


def _methods(linked, language="da"):
    rk = pd.DataFrame({"dimension": ["rk"], "n_baseline": [56], "n_followup": [58], "suppressed": [False]})
    ties = pd.DataFrame({"group": ["a"], "target": ["b"], "n_baseline": [8], "n_followup": [9], "diff": [0.2],
                         "test": "welch", "suppressed": [False]})
    return " ".join(methods_text(rk, ties, language=language, instrument=INST, linked=linked))


def test_the_methods_say_how_many_answered_both_times():
    da = _methods({"n_linked": 42, "n_followup": 56})
    assert "42 af medarbejderne har svaret i begge målinger (75 % af dem i eftermålingen)" in da
    assert "som ikke kobles" not in da and "not linked" not in _methods(None, "en")
    en = _methods({"n_linked": 42, "n_followup": 56}, "en")
    assert "42 of the employees answered in both waves (75% of those in the follow-up)" in en
    # below min_n: no exact count, no share; a handful unlinked at follow-up: no count that would reveal them
    few = _methods({"n_linked": 3, "n_followup": 56})
    assert "<5 medarbejdere har svaret i begge målinger" in few and "%" not in few.split("begge målinger")[1][:20]
    assert "Næsten alle medarbejdere i eftermålingen har også svaret i førmålingen" in _methods(
        {"n_linked": 53, "n_followup": 56})
    assert "Ingen medarbejdere kan genkendes i begge målinger" in _methods({"n_linked": 0, "n_followup": 56})
    assert "begge målinger" not in _methods(None)  # without the count, nothing is claimed
