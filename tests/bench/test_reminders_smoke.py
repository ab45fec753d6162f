"""Smoke run of the reminders benchmark (bench/reminders.py) at a size that takes seconds, so
that it cannot rot: real worker processes on the test database and the test Redis (skipped
without them, a failure with REQUIRE_SERVICES=1)."""

import pytest
from django.conf import settings

from backend.celery import app as celery_app
from bench import reminders
from notifications.models import Notification
from tests.conftest import _missing_service
from tests.matching.test_fault_worker import database_url


@pytest.mark.worker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_small_run_delivers_each_reminder_exactly_once():
    if not settings.REDIS_URL:
        _missing_service("needs a broker: set REDIS_URL=redis://...")
    celery_app.conf.task_always_eager = False
    result = reminders.run(
        database_url=database_url(),
        redis_url=settings.REDIS_URL,
        n=1200,
        workers=2,
        timeout=180,
        say=lambda _: None,
    )
    assert result["exactly_once"], result
    assert result["sent_twice"] == 0 and result["sent_distinct"] == 1200
    assert Notification.objects.filter(kind="reminder_two_hours").count() == 1200
    assert sum(run["planned"] for run in result["dispatch_runs"]) == 1200


@pytest.mark.django_db
def test_prepare_makes_the_residents_going_to_sessions_due_for_a_reminder():
    from activities.models import Registration

    sessions = reminders.prepare(1001)
    assert len(sessions) == 3
    assert Registration.objects.filter(status="going", occurrence_id__in=sessions).count() == 1001
    reminders.prepare(10)  # a second run replaces the first's residents
    assert Registration.objects.count() == 10
