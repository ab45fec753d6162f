"""Pair health: no contact for three weeks alerts the team's coordinators, exactly once per
lapse; a contact starts a new count; a paused pair is not chased. Through the periodic task
on a real worker, and two checks at once on PostgreSQL."""

import datetime
import threading

import pytest
from django.conf import settings
from django.db import connections
from django.utils import timezone

from backend.celery import app as celery_app
from notifications.models import Notification
from tests.factories import editor_of
from tests.visiting.conftest import active_pair, request_of, team_of, volunteer_of
from visiting import services
from visiting.models import PairAlert

TODAY = datetime.date(2026, 12, 7)


def days_ago(n: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=n)


def lapsed_pair(last_contact_days: int):
    team, coordinator = team_of()
    second = editor_of(team.organization)
    volunteer_of(team, coordinator)
    request_of(team, coordinator)
    pair = active_pair(team, coordinator)
    type(pair).objects.filter(pk=pair.pk).update(last_contact_on=days_ago(last_contact_days))
    pair.refresh_from_db()
    return pair, [coordinator, second]


@pytest.mark.django_db
def test_one_alert_per_lapse_to_each_coordinator():
    pair, coordinators = lapsed_pair(20)
    assert services.pair_health_check(today=TODAY) == 0
    pair.__class__.objects.filter(pk=pair.pk).update(last_contact_on=days_ago(21))
    assert services.pair_health_check(today=TODAY) == 1
    assert services.pair_health_check(today=TODAY + datetime.timedelta(days=3)) == 0
    sent = Notification.objects.filter(kind="pair_health")
    assert sorted(n.user_id for n in sent) == sorted(u.pk for u in coordinators)
    assert sent[0].data["pair"] == pair.pk
    # A contact ends the lapse; three weeks without another is a new lapse, told once.
    pair.__class__.objects.filter(pk=pair.pk).update(
        started_at=timezone.now() - datetime.timedelta(days=60)
    )
    services.contact_log(
        pair=pair, by=pair.volunteer.user, date=timezone.localdate() - datetime.timedelta(days=1),
        duration_minutes=30, kind="call",
    )  # fmt: skip
    later = timezone.localdate() + datetime.timedelta(days=20)
    assert services.pair_health_check(today=later) == 1
    assert services.pair_health_check(today=later) == 0
    assert PairAlert.objects.filter(pair=pair).count() == 2
    assert Notification.objects.filter(kind="pair_health").count() == 4


@pytest.mark.django_db
def test_a_paused_pair_is_not_chased():
    pair, coordinators = lapsed_pair(40)
    services.pair_transition(pair=pair, to="paused", by=coordinators[0])
    assert services.pair_health_check(today=TODAY) == 0
    assert not Notification.objects.filter(kind="pair_health").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_checks_at_once_raise_the_alert_once():
    pair, coordinators = lapsed_pair(30)
    barrier = threading.Barrier(2)
    raised = []

    def check():
        try:
            barrier.wait(timeout=10)
            raised.append(services.pair_health_check(today=TODAY))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=check) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(raised) == [0, 1]
    assert PairAlert.objects.filter(pair=pair).count() == 1
    assert Notification.objects.filter(kind="pair_health").count() == len(coordinators)


@pytest.mark.worker
@pytest.mark.postgres
def test_the_periodic_task_on_a_real_worker_alerts_once(celery_worker):
    pair, coordinators = lapsed_pair(0)
    lapse_start = timezone.localdate() - datetime.timedelta(days=22)
    pair.__class__.objects.filter(pk=pair.pk).update(last_contact_on=lapse_start)
    task = settings.CELERY_BEAT_SCHEDULE["visiting-pair-health"]["task"]
    first = celery_app.send_task(task)
    second = celery_app.send_task(task)
    assert (first.get(timeout=30), second.get(timeout=30)) == (1, 0)
    alert = PairAlert.objects.get(pair=pair)
    assert alert.since == lapse_start
    sent = Notification.objects.filter(kind="pair_health", data__pair=pair.pk)
    assert sorted(n.user_id for n in sent) == sorted(u.pk for u in coordinators)
