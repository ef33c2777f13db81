"""Wave comparison and p-value adjustment against R: ``tests/R/change_reference.R`` made every value."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from relkap.change import adjust_pvalues, compare_waves

REF = pd.read_csv(Path(__file__).parent / "data" / "change_reference.csv").set_index("name")["value"].to_dict()
FOLLOWUP = [3.2, 3.8, 4.1, 3.5, 3.9, 4.4, 3.0, 3.6]  # DOMAIN.md's x
BASELINE = [3.9, 4.2, 4.6, 4.0, 4.4, 3.8, 4.7, 4.1, 4.5]  # DOMAIN.md's y


def test_welch_and_hedges_match_r():
    data = pd.DataFrame({
        "wave": ["followup"] * len(FOLLOWUP) + ["baseline"] * len(BASELINE),
        "respondent_id": [f"r{i}" for i in range(len(FOLLOWUP) + len(BASELINE))],
        "score": FOLLOWUP + BASELINE,
    })
    row = compare_waves(data, dv="score", by=None).iloc[0]
    assert row["T"] == pytest.approx(REF["welch_t"], abs=1e-12)
    assert row["dof"] == pytest.approx(REF["welch_df"], abs=1e-10)
    assert row["p_val"] == pytest.approx(REF["welch_p"], abs=1e-12)
    assert row["diff_ci_low"] == pytest.approx(REF["welch_ci_low"], abs=1e-12)
    assert row["diff_ci_high"] == pytest.approx(REF["welch_ci_high"], abs=1e-12)
    assert row["hedges"] == pytest.approx(REF["hedges_g"], abs=1e-12)


def test_bh_and_holm_match_p_adjust():
    p = [0.01, 0.02, 0.03, 0.04, 0.20]
    np.testing.assert_allclose(adjust_pvalues(p, method="fdr_bh"), [REF[f"bh_{i}"] for i in range(1, 6)],
                               atol=1e-15)
    np.testing.assert_allclose(adjust_pvalues(p, method="holm"), [REF[f"holm_{i}"] for i in range(1, 6)],
                               atol=1e-15)
