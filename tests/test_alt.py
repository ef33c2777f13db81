"""relkap.plots.alt: alt texts from the figures' data (what they show, the extremes, no small counts)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import relkap
from relkap.plots import alt

INST = relkap.load_instrument()


def _ties() -> pd.DataFrame:
    return pd.DataFrame({
        "wave": "baseline",
        "group": ["skole", "skole", "ppr", "ppr", "myndighed", "myndighed", "skole"],
        "target": ["ppr", "myndighed", "skole", "myndighed", "skole", "ppr", "skole"],
        "n": [8, 9, 6, 3, 12, 7, 9],
        "mean": [3.21, 4.44, 3.87, None, 2.95, 4.01, 4.9],
        "suppressed": [False, False, False, True, False, False, False],
        "diagonal": [False, False, False, False, False, False, True],
    })


def test_tie_heatmap_names_the_strongest_and_weakest_cross_group_tie():
    text = alt.alt_tie_heatmap(_ties(), INST, "da", min_n=5)
    # the diagonal (4.90) is not the strongest tie; the suppressed tie is only counted
    assert "Stærkest: Skole → Myndighed (4,44)" in text.replace(INST.label("skole"), "Skole").replace(
        INST.label("myndighed"), "Myndighed")
    assert "2,95" in text and "4,90" not in text
    assert "ved førmåling" in text and "5 relationer vises" in text
    assert "1 relation har færre end 5 besvarelser" in text  # plural form (CLDR "one")


def test_change_heatmap_names_the_largest_changes_and_counts_significant_ones():
    c = _ties().rename(columns={"mean": "diff"}).assign(p_fdr=[0.01, 0.02, 0.5, None, 0.3, 0.04, 0.9])
    c["diff"] = [0.5, -0.31, 0.12, None, 0.02, -0.05, 0.7]
    text = alt.alt_change_heatmap(c, INST, "en", min_n=5)
    assert "+0.50" in text and "−0.31" in text and "+0.70" not in text  # the diagonal is left out
    assert "3 statistically significant" in text


def test_response_never_writes_a_count_below_min_n():
    counts = pd.DataFrame({"group": ["skole", "ppr", "ledere", "skole"],
                           "wave": ["baseline", "baseline", "baseline", "followup"], "n": [12, 6, 4, 15]})
    text = alt.alt_response(counts, INST, "da", min_n=5)
    assert "15" in text and INST.label("ledere") in text
    assert not re.search(r"(?<![\d,])[1-4](?![\d,])", text.replace("1-5", ""))  # no small count


def test_network_and_profile():
    assert "3 grupper" in alt.alt_network(_ties(), INST, "da")
    prof = pd.DataFrame({"wave": ["baseline"] * 3 + ["followup"] * 3,
                         "dimension": ["kendskab", "respekt", "innovation"] * 2,
                         "mean": [3.1, 3.9, None, 3.5, 4.2, 3.3], "suppressed": [False, False, True] * 2})
    text = alt.alt_profile(prof, INST, "en")
    assert text.count("highest") == 2 and "3.90" in text and "4.20" in text and "3.30" not in text  # suppressed
    # every text is one or two sentences of plain words, and says nothing when nothing is shown
    empty = _ties().assign(suppressed=True, mean=None)
    assert alt.alt_tie_heatmap(empty, INST, "en").startswith("Heat map")


def test_alt_text_needs_the_codebook_explicitly():
    # no silent fallback to the packaged codebook: a run on another codebook must pass its own
    with pytest.raises(TypeError, match=r"alt_network\(\) needs the codebook"):
        alt.alt_network(_ties(), None, "da")
