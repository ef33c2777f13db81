"""Respondents linked across waves: counted as sets of ids would count them, and said in the report's methods
without a count below min_n (issue 25: the report said the waves 'are not linked' though most ids recur)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from relkap import load, load_instrument, report, synth
from relkap.linked import linked_respondents, participation_shown
from relkap.params import default_kommune_params
from relkap.report import waves as over_waves
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


def _published(x: np.ndarray, n_waves: int) -> np.ndarray:
    """n_w per wave, R, L and A of pattern counts x (rows: candidate solutions)."""
    bits = (np.arange(1, 2**n_waves)[:, None] >> np.arange(n_waves)) & 1
    size = bits.sum(axis=1)
    return np.column_stack([x @ bits, x.sum(axis=1), x @ (size >= 2), x @ (size == n_waves)])


@pytest.mark.parametrize("n_waves", [2, 3])
def test_shown_linked_counts_determine_no_small_count_by_brute_force(n_waves):
    """Every way of taking part that a reader can count exactly from the published numbers (respondents per wave,
    all, in more than one wave, in every wave; counts are whole numbers >= 0) is found by enumerating all
    pattern counts that give the same published numbers: participation_shown is True exactly when none of those
    counts lies in 1..min_n - 1. With patterns of at most 2 respondents no pattern can exceed 8 (the largest
    wave), so the grid 0..8 holds every solution."""
    min_n, top = 2, 8
    n_patterns = 2**n_waves - 1
    grid = np.stack(np.meshgrid(*[np.arange(top + 1)] * n_patterns, indexing="ij"), -1).reshape(-1, n_patterns)
    key = _published(grid, n_waves) @ 100 ** np.arange(n_waves + 3)  # the published numbers as one key (< 100)
    order = np.argsort(key, kind="stable")
    key = key[order]
    unions = (np.arange(1, 2**n_patterns)[:, None] >> np.arange(n_patterns)) & 1
    small = grid[(grid <= 2).all(axis=1)]
    rng = np.random.default_rng(0)
    verdicts = []
    for x in small[rng.choice(len(small), min(len(small), 80), replace=False)]:
        k = _published(x[None, :], n_waves) @ 100 ** np.arange(n_waves + 3)
        same = grid[order[np.searchsorted(key, k[0]):np.searchsorted(key, k[0], side="right")]]
        counts = same @ unions.T  # every union's count in every consistent solution
        exact = counts[0, (counts == counts[0]).all(axis=0)]
        safe = bool(np.all((exact == 0) | (exact >= min_n)))
        assert participation_shown(x, min_n) == safe, x
        verdicts.append(safe)
    assert any(verdicts) and not all(verdicts)


def test_linked_counts_hidden_together_in_the_methods_the_waves_section_and_summary():
    # 30 in both waves, 3 only at baseline, 37 only at follow-up: with the answers per wave (33 and 67) the
    # linked count gives the 3 away, so no linked count is published anywhere
    ids = [f"a{i}" for i in range(30)]
    d = pd.DataFrame({"respondent_id": ids + [f"b{i}" for i in range(3)] + ids + [f"f{i}" for i in range(37)],
                      "wave": ["baseline"] * 33 + ["followup"] * 67})
    row = linked_respondents(d, min_n=5)
    assert not bool(row.loc[0, "shown"]) and bool(linked_respondents(d, min_n=3).loc[0, "shown"])
    da = _methods(row.iloc[0].to_dict())
    assert "30" not in da and "Mange medarbejdere har svaret i begge målinger" in da
    sentence = over_waves.linked_sentence(row, 5, "da")
    assert sentence.startswith("Nogle medarbejdere svarede i mere end én måling") and "30" not in sentence
    inst, t = load_instrument(), synth.example_tables(1, respondents=30, key=b"example")
    model = report.build(t, inst, default_kommune_params(766), min_n=5)
    shown = report.summary(model)["linked_respondents"]
    assert bool(model.linked.loc[0, "shown"]) == (shown["respondents"] is not None)
    hidden = report.summary(dataclasses.replace(model, linked=row))["linked_respondents"]
    assert hidden == {"more_than_one_wave": None, "all_waves": None, "respondents": None}


def test_three_waves_say_more_than_one_wave_not_both():
    # "begge målinger" (both waves) would be wrong with three; the share of the latest wave too (those linked
    # between earlier waves are not in it): the count of all who answered instead, in each language's digits
    row = {"n_waves": 3, "n_respondents": 1234, "n_linked": 420, "n_every_wave": 100, "n_followup": 500,
           "shown": True}
    da, en = _methods(row), _methods(row, "en")
    assert "420 af de 1.234 medarbejdere har svaret i mere end én måling" in da and "begge" not in da
    assert "420 of the 1,234 employees answered in more than one wave" in en
    assert "Ingen medarbejdere kan genkendes i mere end én måling" in _methods({**row, "n_linked": 0})
