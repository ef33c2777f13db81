"""relkap.power against R's pwr (tests/R/power_pwr.R)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from relkap.power import minimum_detectable_change, power_ttest, sample_size

# tests/R/power_pwr.R, "minimum detectable d, two-sample": (n1, n2, power, pwr.t2n.test d, tight d)
# pwr's uniroot stops at ~1e-4, so pwr's d is checked to 1e-5 and the same equation solved tightly to 1e-9.
TWO_SAMPLE = [
    (40, 35, 0.8, 0.657127513396, 0.657127782771),
    (10, 10, 0.8, 1.32494658048, 1.32494739258),
    (8, 12, 0.9, 1.56531416997, 1.56531786704),
    (120, 95, 0.8, 0.386491409368, 0.386488004417),
]
# "minimum detectable d_z, paired": (n, power, pwr.t.test d, tight d)
PAIRED = [
    (30, 0.8, 0.529234471054, 0.529235615113),
    (6, 0.8, 1.43453787703, 1.43454478204),
    (15, 0.9, 0.900874816611, 0.900872330481),
]


@pytest.mark.parametrize("n1, n2, power, d_pwr, d_tight", TWO_SAMPLE)
def test_two_sample_mdc_matches_pwr_t2n_test(n1, n2, power, d_pwr, d_tight):
    sd = 0.7
    mdc = minimum_detectable_change(n1, n2, sd=sd, power=power)
    assert mdc / sd == pytest.approx(d_tight, abs=1e-9)
    assert mdc / sd == pytest.approx(d_pwr, abs=1e-5)
    assert power_ttest(mdc, n1, n2, sd=sd) == pytest.approx(power, abs=1e-10)


@pytest.mark.parametrize("n, power, d_pwr, d_tight", PAIRED)
def test_paired_mdc_matches_pwr_t_test(n, power, d_pwr, d_tight):
    sd, r = 0.8, 0.55
    sd_d = sd * np.sqrt(2 * (1 - r))
    mdc = minimum_detectable_change(n, n, sd=sd, power=power, paired=True, r=r)
    assert mdc / sd_d == pytest.approx(d_tight, abs=1e-9)
    assert mdc / sd_d == pytest.approx(d_pwr, abs=1e-5)


def test_sample_size_matches_pwr():
    # pwr.t.test(d = 0.3/0.7, power = .8, type = "two.sample")$n = 86.4362966109
    out = sample_size(0.3, sd=0.7).iloc[0]
    assert out["n_exact"] == pytest.approx(86.4362966109, abs=1e-4)
    assert (out["n_baseline"], out["n_followup"]) == (87, 87)
    assert out["power"] >= 0.8 > power_ttest(0.3, 86, 86, sd=0.7)
    # pwr.t.test(d = 0.5, power = .9, type = "paired")$n = 43.9954813808 (d_z = change / sd_D)
    sd, r = 1.0, 0.5  # sd_D = sd * sqrt(2(1 - r)) = 1
    paired = sample_size(0.5, sd=sd, power=0.9, paired=True, r=r).iloc[0]
    assert paired["n_exact"] == pytest.approx(43.9954813808, abs=1e-4)
    assert paired["n_baseline"] == paired["n_followup"] == 44
    assert paired["test"] == "paired"
    # unequal waves: follow-up n = ceil(ratio x baseline n), power reached with the smallest baseline n
    uneven = sample_size(0.3, sd=0.7, ratio=0.8).iloc[0]
    assert uneven["n_followup"] == np.ceil(0.8 * uneven["n_baseline"])
    assert uneven["power"] >= 0.8
    smaller = int(uneven["n_baseline"]) - 1
    assert power_ttest(0.3, smaller, np.ceil(0.8 * smaller), sd=0.7) < 0.8


def test_power_matches_pwr_and_is_vectorised():
    # pwr.t2n.test(n1 = 40, n2 = 40, d = 0.3/0.7)$power = 0.473368320693
    assert power_ttest(0.3, 40, 40, sd=0.7) == pytest.approx(0.473368320693, abs=1e-9)
    n = np.array([10, 20, 40])
    mdc = minimum_detectable_change(n, n, sd=1.0)
    assert mdc.shape == (3,) and np.all(np.diff(mdc) < 0)
    np.testing.assert_allclose(power_ttest(mdc, n, n, sd=1.0), 0.8, atol=1e-10)
    assert np.isnan(minimum_detectable_change(1, 1, sd=1.0))


def test_exact_mdc_exceeds_the_normal_approximation():
    n, sd = 10, 1.0
    normal = (stats.norm.isf(0.025) + stats.norm.ppf(0.8)) * sd * np.sqrt(2 / n)
    exact = minimum_detectable_change(n, n, sd=sd)
    assert exact > normal * 1.04


def test_power_rejects_bad_input():
    with pytest.raises(ValueError, match="needs r"):
        minimum_detectable_change(10, 10, sd=1, paired=True)
    with pytest.raises(ValueError, match="must be equal"):
        minimum_detectable_change(10, 12, sd=1, paired=True, r=0.5)
    with pytest.raises(ValueError, match="power"):
        minimum_detectable_change(10, 10, sd=1, power=80)
    with pytest.raises(ValueError, match="change"):
        sample_size(0, sd=1)
    with pytest.raises(ValueError, match="r must"):
        sample_size(0.2, sd=1, paired=True, r=1.0)
