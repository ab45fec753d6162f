"""Smoke run of the matching benchmarks (bench/matching_*.py) at a size that takes seconds:
the planted-truth evaluation and the loop-vs-batch comparison."""

import numpy as np
import pytest

from bench import matching_eval, matching_perf
from bench import matching_synth as synth
from matching import selectors


def test_the_bench_uses_the_apps_everyone_bit():
    assert selectors.EVERYONE_BIT == synth.EVERYONE_BIT


def test_the_synthetic_city_is_reproducible():
    first, again = synth.city(200, 100, seed=3), synth.city(200, 100, seed=3)
    assert np.array_equal(first.declared.interests, again.declared.interests)
    assert np.array_equal(first.candidates.popularity, again.candidates.popularity)
    assert not np.array_equal(
        first.declared.interests, synth.city(200, 100, seed=4).declared.interests
    )


@pytest.fixture(scope="module")
def evaluation():
    return matching_eval.evaluate(400, 500, seed=11, reference=False)


def test_the_engine_never_breaks_a_declared_constraint(evaluation):
    engine = evaluation.results["engine"]
    assert engine["violations"] == 0, engine["violations_by_constraint"]


def test_the_engine_beats_nearest_first_on_planted_interests(evaluation):
    engine, nearest = evaluation.results["engine"], evaluation.results["nearest first"]
    assert engine["precision@10"] > nearest["precision@10"]
    assert engine["nDCG@10"] > nearest["nDCG@10"]


def test_metrics_are_rates_and_counts(evaluation):
    for result in evaluation.results.values():
        for name in ("precision@10", "nDCG@10", "coverage", "social_lonely", "social_others",
                     "truly_infeasible"):  # fmt: skip
            assert 0.0 <= result[name] <= 1.0, (name, result[name])
        assert 0.0 <= result["diversity"] <= matching_eval.TOP


def test_the_checker_catches_a_list_that_ignores_constraints():
    """Nearest first with no hard constraint at all must be caught: the checker can fail."""
    data = synth.city(300, 200, seed=5)
    rel = matching_eval.relevance(data)
    venue = np.isin(data.candidates.mode, (0, 2))
    distance = matching_eval._haversine(
        data.truth.lat[:, None], data.truth.lng[:, None], data.activity_lat, data.activity_lng
    )
    reckless = np.argsort(np.where(venue, distance, np.inf), axis=1)[:, :20]
    result = matching_eval.metrics(data, reckless, rel)
    assert result["violations"] > 0
    assert result["violations_by_constraint"]["reach"] > 0


def test_the_python_loop_and_the_batch_engine_give_the_same_lists():
    for label, residents, candidates, slugs in matching_perf.loop_samples(40, 1_500, seed=9):
        result = matching_perf.compare_loop_and_batch(residents, candidates, slugs, label)
        assert result.differences == [], (label, result.differences[:2])
        assert result.identical == 40


def test_the_throughput_run_observes_the_engines_blocks():
    result = matching_perf.throughput(300, 3_000, seed=9)
    assert 0 < result.pairs_per_resident < 3_000  # pools, not every pair
    assert result.cpu_seconds > 0 and result.rss_peak_mb >= result.rss_before_mb
