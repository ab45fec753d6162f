"""Smoke run of the pipeline benchmarks (bench/matching_refresh.py, matching_latency.py,
matching_fault.py) at a size that takes seconds, so that they cannot rot: a real worker on
the test database and the test Redis when the services are there (REQUIRE_SERVICES=1 in CI),
the parts that need none otherwise."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from backend.celery import app as celery_app
from bench import matching_fault, matching_latency, matching_refresh
from matching import services
from matching.models import RecommendationSet
from tests.conftest import _missing_service
from tests.factories import UserFactory, listed_activity
from tests.matching.test_fault_worker import database_url

NANTES = (47.2184, -1.5536)


def small_town(people: int = 12) -> list[int]:
    soon = timezone.now() + datetime.timedelta(days=1)
    for n in range(30):
        listed_activity(NANTES[0] + 0.002 * (n % 10), NANTES[1] + 0.003 * (n // 10), starts=[soon])
    listed_activity(starts=[soon], attendance_mode="online")
    users = []
    for n in range(people):
        user = UserFactory()
        services.profile_update(
            user=user,
            matching_consent=True,
            home=(NANTES[0] + 0.004 * (n % 4), NANTES[1]),
            max_distance_km=2 + n % 3,
            homebound=n == 5,
        )
        users.append(user.pk)
    services.recommendations_compute(user_ids=users)
    return users


@pytest.mark.django_db
def test_drafts_are_written_with_the_services_and_cleaned_up():
    small_town(2)
    drafts = matching_latency.make_drafts(6, mix="directory", seed=1, log=lambda _: None)
    assert len(drafts) == 6 and all(d.status == "draft" for d in drafts)
    assert all(d.place_id for d in drafts if d.attendance_mode in ("in_person", "mixed"))
    assert matching_latency.cleanup() >= 6
    assert not type(drafts[0]).objects.filter(pk__in=[d.pk for d in drafts]).exists()


def test_the_summary_reports_percentiles_in_milliseconds():
    rows = [
        {
            "latency": s,
            "wait": 0.01,
            "run": s - 0.01,
            "mode": "online",
            "in_reach": 10,
            "merged": 1,
            "refilled": 0,
        }
        for s in (0.05, 0.06, 0.07, 0.08, 1.0)
    ]
    result = matching_latency.summary(rows, "publication")
    assert result["latency"]["p50_ms"] == 70.0
    assert 80.0 < result["latency"]["p95_ms"] <= 1000.0
    assert result["latency"]["max_ms"] == 1000.0
    assert result["slowest"][0]["latency"] == 1.0


@pytest.fixture
def services_up():
    if not settings.REDIS_URL:
        _missing_service("needs a broker: set REDIS_URL=redis://...")
    if not settings.IS_POSTGRES:
        _missing_service("needs PostgreSQL: set DATABASE_URL=postgres://...")
    celery_app.conf.task_always_eager = False
    yield database_url(), settings.REDIS_URL


pipeline = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pipeline
def test_the_full_refresh_bench_writes_every_set(services_up):
    url, redis_url = services_up
    users = small_town()
    (result,) = matching_refresh.full_refresh(
        len(users), database_url=url, redis_url=redis_url, timeout=60, log=lambda _: None
    )
    assert result["complete"] and result["written"] == len(users)


@pipeline
def test_the_latency_bench_times_publications_and_withdrawals(services_up):
    url, redis_url = services_up
    small_town()
    result = matching_latency.latency_run(
        database_url=url, redis_url=redis_url, publications=4, check=20, log=lambda _: None
    )
    assert result["publish"]["n"] == 4 and result["withdraw"]["n"] == 4
    assert result["publish"]["latency"]["p95_ms"] > 0
    assert result["check"]["identical"] == result["check"]["checked"]
    for activity_id in result["activities"]:  # withdrawn: in no list any more
        assert not RecommendationSet.objects.filter(activity_ids__contains=[activity_id]).exists()


@pipeline
def test_the_fault_bench_ends_with_every_set(services_up):
    url, redis_url = services_up
    users = small_town()
    result = matching_fault.fault_run(
        database_url=url, redis_url=redis_url, kill="process", kill_at=0.0, timeout=60,
        sample=5, log=lambda _: None,
    )  # fmt: skip
    assert result["complete"] and result["sets_complete"] == len(users)
    assert result["sample"]["identical"] == result["sample"]["checked"]
