"""A worker killed (SIGKILL) during a full refresh, and restarted, leaves every resident with a
complete set: its chunk was acknowledged late, so the broker hands it out again.

Real PostgreSQL, Redis and `celery worker` processes (`bench.matching_celery.Worker`, the
project's app with per-task run records). To kill the worker at a known moment, the test holds
a row lock on one resident's set from another connection: the chunk computes, then waits on
that row in its upsert, uncommitted, and is killed there.
"""

import datetime
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from backend.celery import app as celery_app
from matching import services
from matching.models import RecommendationSet
from matching.tasks import recommendations_full_refresh_task
from tests.conftest import _missing_service
from tests.factories import UserFactory, listed_activity
from tests.waiting import wait_until

pytestmark = [
    pytest.mark.worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
TOWNS = [(47.2184, -1.5536), (45.7640, 4.8357), (43.6047, 1.4442)]  # Nantes, Lyon, Toulouse


def database_url() -> str:
    params = connection.settings_dict
    password = f":{quote(params['PASSWORD'])}" if params.get("PASSWORD") else ""
    host = params.get("HOST") or "localhost"
    return (
        f"postgres://{quote(params['USER'])}{password}@{host}:{params.get('PORT') or 5432}"
        f"/{params['NAME']}"
    )


@pytest.fixture
def broker():
    if not settings.REDIS_URL:
        _missing_service("needs a broker: set REDIS_URL=redis://...")
    from bench.matching_celery import purge

    celery_app.conf.task_always_eager = False
    purge(settings.REDIS_URL)
    yield settings.REDIS_URL
    purge(settings.REDIS_URL)


@pytest.fixture
def town():
    """Residents of three towns (one in five homebound) with venues and an online activity;
    built before the broker is switched on, so their first sets are computed in-process."""
    soon = timezone.now() + datetime.timedelta(days=1)
    listed_activity(starts=[soon], attendance_mode="online")
    users = []
    for n, (lat, lng) in enumerate(TOWNS * 4):
        for km in (0.2, 0.6, 1.1):
            listed_activity(lat + km / 111.2, lng + n * 0.001, starts=[soon])
        user = UserFactory()
        services.profile_update(
            user=user, matching_consent=True, home=(lat, lng), homebound=n % 5 == 4
        )
        users.append(user.pk)
    # The victim already has a set from before: the lock is taken on its row.
    services.recommendations_compute(user_ids=[users[0]])
    RecommendationSet.objects.filter(user_id=users[0]).update(
        computed_at=timezone.now() - datetime.timedelta(days=2)
    )
    return users


def lock_the_set_of(user_id: int) -> psycopg.Connection:
    locker = psycopg.connect(database_url())
    locker.execute(
        f"SELECT 1 FROM {RecommendationSet._meta.db_table} WHERE user_id = %s FOR UPDATE",
        [user_id],
    )
    return locker  # in a transaction until closed


def blocked_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO%%'"
        )
        return cursor.fetchone()[0] > 0


def fresh_sets(since: datetime.datetime) -> set[int]:
    return set(
        RecommendationSet.objects.filter(computed_at__gte=since).values_list("user_id", flat=True)
    )


def the_lists_are_complete(users: list[int]) -> None:
    stored = dict(RecommendationSet.objects.values_list("user_id", "activity_ids"))
    services.recommendations_compute(user_ids=users)  # in-process, the same directory
    again = dict(RecommendationSet.objects.values_list("user_id", "activity_ids"))
    assert stored == again
    assert all(stored[u] for u in users)  # venues near everyone, an online one for all


def runs_of_tasks(redis_url: str) -> list[int]:
    from bench.matching_fault import task_runs

    return task_runs(redis_url)


@pytest.mark.parametrize("kill", ["worker", "process"])
def test_a_worker_killed_during_a_full_refresh_leaves_every_resident_with_a_complete_set(
    town, broker, kill
):
    from bench.matching_celery import Worker

    url = database_url()
    # Redelivery after the whole worker died waits for the visibility timeout: short here.
    start_worker = lambda: Worker(  # noqa: E731
        url, broker, concurrency=1, extra_env={"CELERY_VISIBILITY_TIMEOUT": "2"}
    ).start()
    started_at = timezone.now()
    locker = lock_the_set_of(town[0])
    worker = start_worker()
    try:
        recommendations_full_refresh_task.delay()
        assert wait_until(blocked_on_a_lock), "the chunk never reached its upsert"
        if kill == "worker":
            worker.kill()
        else:
            worker.kill_one_process()
        # Killed before its commit: nothing of the victim's chunk (the residents reached only
        # remotely have a chunk of their own, which may be done).
        written = fresh_sets(started_at)
        assert town[0] not in written and len(written) < len(town) // 2
        locker.close()
        if kill == "worker":
            worker = start_worker()
        assert wait_until(lambda: fresh_sets(started_at) == set(town)), (
            f"{len(fresh_sets(started_at))} of {len(town)} sets after the restart"
        )
    finally:
        locker.close()
        worker.stop()
    assert 2 in runs_of_tasks(broker)  # the chunk, run again after the kill
    the_lists_are_complete(town)
