"""Smoke run of bench/impact.py at a size that takes seconds, and acceptance 2 on its data:
the planted mean change lies within the report's 95 % interval; with no effect planted, the
interval covers zero."""

import pytest

from bench import impact as bench
from impact import reports
from impact.models import Measurement
from impact.stats import mean_change


@pytest.mark.django_db
def test_the_bench_loads_its_territory_and_times_its_report():
    lines = []
    curator = bench.load(
        people=300, sessions=3000, activities=12, persons=30, seed=7, log=lines.append, batch=500
    )
    result = bench.time_report(curator, runs=2, log=lines.append)
    assert result["runs"] == 2 and 0 < result["median_s"] <= result["max_s"]
    assert result["people_at_4_weeks"] > 0 and result["referrals"] == 30
    measured = result["measured"]
    # 300 people, 70 % agreeing, half of them measured twice: about 105 pairs.
    assert 80 <= measured["ucla3"]["n"] <= 130
    for measure, planted in bench.PLANTED.items():
        assert measured[measure]["low"] <= planted <= measured[measure]["high"], measure
    assert not measured["ucla3"]["low"] <= 0 <= measured["ucla3"]["high"]  # the effect shows
    assert Measurement.objects.filter(context="month_3").count() == measured["ucla3"]["n"] * 2
    assert len(lines) == 5 and "median_s" in lines[-1]


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize(("effect", "low", "high"), [(-1, 3, 9), (1, 0, 10), (0, 3, 9)])
def test_the_planted_cohort_gives_back_its_effect(seed, effect, low, high):
    pairs = bench.cohort(200, effect=effect, low=low, high=high, seed=seed)
    assert all(low <= value <= high for pair in pairs for value in pair)
    change = mean_change(pairs)
    assert change.low <= effect <= change.high
    assert change.covers_zero == (effect == 0)


@pytest.mark.django_db
def test_with_no_effect_planted_the_reports_interval_covers_zero(monkeypatch):
    monkeypatch.setattr(bench, "PLANTED", dict.fromkeys(bench.PLANTED, 0))
    curator = bench.load(
        people=300, sessions=3000, activities=12, persons=10, seed=11, log=lambda line: None
    )
    change = reports.build(scope=reports.report_scope(user=curator, territory="44109"))
    for measure in bench.PLANTED:
        assert change.body["change"][measure]["low"] <= 0 <= change.body["change"][measure]["high"]
