"""Reminders of going registrations, the day before and two hours before, as each resident
chose; each made and sent once however often the periodic task runs, also when a batch stops
halfway and runs again; never sent in quiet hours. (In-process; the same with a real worker on
PostgreSQL in test_reminders_worker.py.)"""

import datetime
import json

import pytest
import time_machine

from notifications import delivery
from notifications.models import Notification, NotificationPreferences
from notifications.tasks import notifications_dispatch_task
from tests.factories import UserFactory
from tests.notifications.factories import registered, session

pytestmark = pytest.mark.django_db
NOON = datetime.datetime(2026, 6, 10, 10, 0, tzinfo=datetime.UTC)  # 12:00 in Paris
HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def sent(settings, tmp_path):
    path = tmp_path / "sent.jsonl"
    settings.NOTIFICATIONS_LOG_FILE = str(path)

    def read() -> list[tuple[str, int]]:
        if not path.exists():
            return []
        lines = [json.loads(line) for line in path.read_text().splitlines()]
        return sorted((line["kind"], line["notification"]) for line in lines)

    return read


def at(moment):
    return time_machine.travel(moment, tick=False)


def dispatch(moment) -> dict:
    with at(moment):
        return notifications_dispatch_task()


def reminder_kinds(user) -> list[str]:
    return sorted(Notification.objects.filter(user=user).values_list("kind", flat=True))


def test_the_day_before_and_two_hours_before_each_once(sent):
    with at(NOON):
        occurrence = session(starts_in=26 * HOUR, title="Chorale")  # tomorrow 14:00 Paris
        going = registered(occurrence)
        waiting = registered(occurrence, status="waitlisted")
        cancelled = registered(occurrence, status="cancelled")
    dispatch(NOON + HOUR)  # 25 h before: nothing yet
    assert sent() == []
    for minutes in (120, 121, 180):  # 24 h before, then later runs
        dispatch(NOON + datetime.timedelta(minutes=minutes))
    assert reminder_kinds(going.user) == ["reminder_day_before"]
    for minutes in (24 * 60, 24 * 60 + 1):  # 2 h before
        dispatch(NOON + datetime.timedelta(minutes=minutes))
    assert reminder_kinds(going.user) == ["reminder_day_before", "reminder_two_hours"]
    assert [kind for kind, _ in sent()] == ["reminder_day_before", "reminder_two_hours"]
    assert reminder_kinds(waiting.user) == [] and reminder_kinds(cancelled.user) == []
    day_before = Notification.objects.get(user=going.user, kind="reminder_day_before")
    assert day_before.title == "Demain : Chorale"
    assert "14:00" in day_before.body
    assert day_before.data["registration"] == going.pk


def test_each_resident_chooses_which_reminders(sent):
    with at(NOON):
        occurrence = session(starts_in=26 * HOUR)
        only_soon = registered(occurrence)
        NotificationPreferences.objects.create(user=only_soon.user, remind_day_before=False)
        none = registered(occurrence)
        NotificationPreferences.objects.create(
            user=none.user, remind_day_before=False, remind_two_hours=False
        )
    dispatch(NOON + 2 * HOUR)
    dispatch(NOON + 24 * HOUR)
    assert reminder_kinds(only_soon.user) == ["reminder_two_hours"]
    assert reminder_kinds(none.user) == []


def test_two_runs_at_the_same_moment_make_and_send_each_reminder_once(sent):
    with at(NOON):
        occurrence = session(starts_in=90 * datetime.timedelta(minutes=1))
        users = [registered(occurrence).user for _ in range(5)]
    first, second = (
        dispatch(NOON + datetime.timedelta(minutes=1)),
        dispatch(NOON + datetime.timedelta(minutes=1)),
    )
    assert first["planned"] == 5 and second["planned"] == 0
    assert len(sent()) == 5
    assert all(reminder_kinds(user) == ["reminder_two_hours"] for user in users)


def test_a_batch_that_stops_halfway_is_finished_by_the_next_run_each_sent_once(
    sent, monkeypatch, settings
):
    settings.NOTIFICATIONS_CLAIM_CHUNK = 2  # claims of (1, 2), (3, 4), (5, 6)
    with at(NOON):
        occurrence = session(starts_in=90 * datetime.timedelta(minutes=1))
        for _ in range(6):
            registered(occurrence)
    real_send = delivery.backends.backend_for("email").send
    calls = []

    def dies_on_the_fourth(message, recipient):
        calls.append(message.notification_id)
        if len(calls) == 4:
            raise SystemExit("the worker process is killed")
        real_send(message, recipient)

    monkeypatch.setattr(delivery.backends.backend_for("email"), "send", dies_on_the_fourth)
    with pytest.raises(SystemExit):
        dispatch(NOON + datetime.timedelta(minutes=1))
    assert len(sent()) == 3
    monkeypatch.setattr(delivery.backends.backend_for("email"), "send", real_send)
    # The fourth was being handed to its channel when the process died: its outcome is
    # unknown, so after the lease it is closed without a second send; the last two were never
    # claimed: sent now. Nothing is sent twice.
    dispatch(NOON + datetime.timedelta(minutes=7))
    assert len(sent()) == 5
    assert len({n for _, n in sent()}) == 5
    dispatch(NOON + datetime.timedelta(minutes=20))
    assert len(sent()) == 5
    assert not Notification.objects.filter(delivery_state="pending").exists()


def test_nothing_is_sent_in_quiet_hours_it_waits_for_their_end(sent):
    # A session at 09:30 Paris: its two-hours reminder is due at 07:30, in quiet hours.
    start = datetime.datetime(2026, 6, 11, 7, 30, tzinfo=datetime.UTC)
    with at(start - 20 * HOUR):
        occurrence = session(starts_in=20 * HOUR)
        going = registered(occurrence)
    dispatch(start - 2 * HOUR + datetime.timedelta(minutes=1))  # 07:31 Paris
    assert reminder_kinds(going.user) == ["reminder_two_hours"]  # in the inbox
    assert sent() == []
    dispatch(start - 2 * HOUR + datetime.timedelta(minutes=20))  # 07:50
    assert sent() == []
    dispatch(start - datetime.timedelta(minutes=89))  # 08:01
    assert [kind for kind, _ in sent()] == ["reminder_two_hours"]


def test_a_reminder_whose_quiet_hours_outlast_the_session_stays_in_the_inbox(sent):
    start = datetime.datetime(2026, 6, 11, 5, 30, tzinfo=datetime.UTC)  # 07:30 Paris
    with at(start - 20 * HOUR):
        going = registered(session(starts_in=20 * HOUR))
    for minutes in (119, 60, 1):
        dispatch(start - datetime.timedelta(minutes=minutes))
    assert reminder_kinds(going.user) == ["reminder_two_hours"]
    assert sent() == []


def test_a_resident_without_quiet_hours_is_reminded_at_night(sent):
    start = datetime.datetime(2026, 6, 11, 5, 30, tzinfo=datetime.UTC)
    with at(start - 20 * HOUR):
        going = registered(session(starts_in=20 * HOUR), UserFactory())
        NotificationPreferences.objects.create(user=going.user, quiet_hours=False)
    dispatch(start - datetime.timedelta(minutes=119))
    assert [kind for kind, _ in sent()] == ["reminder_two_hours"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@time_machine.travel(NOON, tick=False)  # outside quiet hours, whatever the time the suite runs
def test_two_plannings_at_the_same_moment_make_each_reminder_once():
    """The periodic task lets one run plan at a time (a lock in the cache); should two plan at
    once all the same (the lock expired), the unique keys still make each reminder once."""
    import threading

    from django.db import connection

    from notifications.reminders import reminders_plan

    occurrence = session(starts_in=90 * datetime.timedelta(minutes=1))
    going = [registered(occurrence) for _ in range(60)]
    made: list[list[int]] = [[], []]
    start = threading.Barrier(2)

    def plan(slot: int) -> None:
        try:
            start.wait()
            reminders_plan(made=made[slot].extend)
        finally:
            connection.close()

    threads = [threading.Thread(target=plan, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(made[0] + made[1]) == sorted(Notification.objects.values_list("pk", flat=True))
    assert Notification.objects.count() == len(going)
