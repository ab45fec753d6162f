"""Smoke run of the registration benchmark (bench/registrations.py) at a size that takes
seconds: its directory, its burst on a real server, and the checks that judge a run."""

import pytest

from activities.models import Occurrence, Registration
from bench.registrations import attack, check, percentile, seed, timings, tokens_for
from tests.api.test_concurrent_writes import server  # noqa: F401 (fixture)

ATTEMPTS = 12
SEATS = 3


def test_a_small_burst_passes_the_benchmarks_checks(server):  # noqa: F811
    occurrence_id, residents = seed(attempts=ATTEMPTS, seats=SEATS)
    tokens = tokens_for(residents)
    start, read_back = server
    answers = attack(start(), occurrence_id, tokens)
    read_back()
    found = check(occurrence_id=occurrence_id, attempts=ATTEMPTS, seats=SEATS, answers=answers)
    assert found["valid"], found
    assert (found["going"], found["waitlisted"]) == (SEATS, ATTEMPTS - SEATS)
    assert set(timings(answers)) == {"p50_ms", "p95_ms", "max_ms"}


@pytest.mark.django_db
def test_the_checks_catch_a_seat_too_many():
    occurrence_id, residents = seed(attempts=4, seats=2)
    activity_id = Occurrence.objects.get(pk=occurrence_id).activity_id
    for position, resident in enumerate(residents, 1):
        Registration.objects.create(
            user=resident,
            activity_id=activity_id,
            occurrence_id=occurrence_id,
            status="going" if position <= 3 else "waitlisted",  # three going for two seats
            position=position,
        )
    answers = [{"status": 201, "body": "", "seconds": 0.1}] * 4
    found = check(occurrence_id=occurrence_id, attempts=4, seats=2, answers=answers)
    assert found["going"] == 3
    assert not found["valid"]


def test_percentiles_are_nearest_rank():
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 0.95) == 95.0
    assert percentile(values, 0.50) == 50.0
    assert percentile([7.0], 0.95) == 7.0
