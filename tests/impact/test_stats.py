"""The mean change and its 95 % interval: a worked example, then simulated cohorts with a
planted effect (the interval gives it back) and with none (the interval covers zero), and the
interval's coverage over many cohorts."""

import numpy as np
import pytest

from impact.stats import mean_change


def test_a_worked_example():
    # Differences 1..5: mean 3, sd sqrt(2.5), t(0.975, 4) = 2.7764451
    result = mean_change([(0, 1), (0, 2), (0, 3), (0, 4), (0, 5)])
    half = 2.7764451 * (2.5**0.5) / (5**0.5)
    assert result.n == 5 and result.mean == 3
    assert result.low == pytest.approx(3 - half, abs=1e-6)
    assert result.high == pytest.approx(3 + half, abs=1e-6)


def test_too_few_pairs_give_no_interval():
    assert mean_change([]).mean is None
    one = mean_change([(7, 5)])
    assert (one.n, one.mean, one.low, one.high) == (1, -2, None, None)


def cohort(rng, *, n, effect):
    """UCLA-3-like scores at intake and follow-up, an effect planted in the change."""
    intake = rng.integers(3, 10, size=n).astype(float)
    after = intake + effect + rng.normal(0, 1.2, size=n)
    return list(zip(intake, after, strict=True))


def test_a_planted_effect_is_given_back_within_the_interval():
    result = mean_change(cohort(np.random.default_rng(2026), n=400, effect=-1.5))
    assert result.low <= -1.5 <= result.high
    assert not result.covers_zero


def test_with_no_effect_the_interval_covers_zero():
    assert mean_change(cohort(np.random.default_rng(2027), n=400, effect=0.0)).covers_zero


def test_the_interval_covers_the_planted_effect_about_95_times_in_100():
    rng = np.random.default_rng(7)
    covered = 0
    for _ in range(1000):
        result = mean_change(cohort(rng, n=30, effect=-0.8))
        covered += result.low <= -0.8 <= result.high
    assert 930 <= covered <= 970
