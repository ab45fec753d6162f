"""A small run of the pairing benchmark (bench/pairing.py): it runs, and its comparison holds."""

from bench.pairing import run


def test_a_small_pairing_benchmark_runs_and_the_solver_pairs_no_fewer_than_the_greedy_pass():
    result = run(volunteers=120, requests=480, runs=1, seed=7)
    assert result["requests"] == 480 and len(result["solver_cpu_seconds"]) == 1
    assert 0 < result["paired"]["solver"] <= result["places"]
    assert result["paired"]["solver"] >= result["paired"]["greedy"]
