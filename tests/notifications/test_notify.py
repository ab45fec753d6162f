"""notify(): the inbox at once; the first allowed channel that works, once per key; quiet
hours defer push and email, not the inbox."""

import datetime
import json
import threading

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import TestCase
from django.utils import timezone

from notifications import delivery
from notifications.models import Delivery, Device, Notification, NotificationPreferences
from notifications.services import notify
from notifications.tasks import notifications_dispatch_task
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
NOON = datetime.datetime(2026, 6, 10, 10, 0, tzinfo=datetime.UTC)  # 12:00 in Paris
NIGHT = datetime.datetime(2026, 6, 10, 21, 0, tzinfo=datetime.UTC)  # 23:00 in Paris


@pytest.fixture
def sent_lines(settings, tmp_path):
    """What the log backend sent, read back from its file."""
    path = tmp_path / "sent.jsonl"
    settings.NOTIFICATIONS_LOG_FILE = str(path)

    def read() -> list[dict]:
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines()]

    return read


def tell(user, key: str | None = "k", **fields):
    """notify() as a caller's transaction would: its delivery task runs after the commit."""
    values = {"kind": "seat_offered", "title": "Une place", "body": "Pour vous", "data": {}}
    with TestCase.captureOnCommitCallbacks(execute=True):
        return notify(user=user, dedupe_key=key, **{**values, **fields})


@time_machine.travel(NOON, tick=False)
def test_the_inbox_gets_it_and_the_first_channel_sends_it_once_per_key(sent_lines):
    user = UserFactory()
    first = tell(user)
    second = tell(user)
    assert first.pk == second.pk
    assert Notification.objects.filter(user=user).count() == 1
    # Push comes first, but without a device there is no push: email (the log backend).
    assert [(line["notification"], line["to"]) for line in sent_lines()] == [(first.pk, user.email)]
    assert list(Delivery.objects.values_list("channel", "status")) == [("email", "sent")]
    # Without a key, each call is a new notification.
    tell(user, key=None)
    tell(user, key=None)
    assert Notification.objects.filter(user=user).count() == 3


@time_machine.travel(NOON, tick=False)
def test_a_resident_with_a_device_is_pushed_first(sent_lines):
    user = UserFactory()
    Device.objects.create(user=user, platform="android", token="t" * 40)
    tell(user)
    assert [line["platform"] for line in sent_lines()] == ["android"]


@time_machine.travel(NOON, tick=False)
def test_inbox_only_sends_nothing(sent_lines):
    user = UserFactory()
    NotificationPreferences.objects.create(user=user, channels=[])
    item = tell(user)
    assert sent_lines() == [] and not Delivery.objects.exists()
    assert item.delivery_state == "done"
    assert Notification.objects.filter(user=user).count() == 1


@time_machine.travel(NOON, tick=False)
def test_when_every_channel_fails_the_inbox_still_has_it(settings):
    settings.NOTIFICATIONS_EMAIL_BACKEND = "email"
    settings.EMAIL_BACKEND = "tests.notifications.test_notify.BrokenMail"
    user = UserFactory()
    item = tell(user)
    assert list(Delivery.objects.values_list("channel", "status")) == [("email", "failed")]
    assert "refused" in Delivery.objects.get().error
    assert Notification.objects.get(pk=item.pk).delivery_state == "done"


class BrokenMail:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("relay refused")


def test_quiet_hours_defer_push_and_email_to_their_end_not_the_inbox(sent_lines):
    user = UserFactory()
    with time_machine.travel(NIGHT, tick=False):
        item = tell(user)
        assert Notification.objects.filter(pk=item.pk).exists()  # in the inbox now
        notifications_dispatch_task()
        assert sent_lines() == []
    assert item.deliver_after == datetime.datetime(2026, 6, 11, 6, 0, tzinfo=datetime.UTC)
    with time_machine.travel(datetime.datetime(2026, 6, 11, 5, 59, tzinfo=datetime.UTC)):
        notifications_dispatch_task()
        assert sent_lines() == []
    with time_machine.travel(datetime.datetime(2026, 6, 11, 6, 1, tzinfo=datetime.UTC)):
        notifications_dispatch_task()
        notifications_dispatch_task()
    assert [line["notification"] for line in sent_lines()] == [item.pk]


def test_a_resident_who_opted_out_of_quiet_hours_is_told_at_night(sent_lines):
    user = UserFactory()
    NotificationPreferences.objects.create(user=user, quiet_hours=False)
    with time_machine.travel(NIGHT, tick=False):
        item = tell(user)
    assert [line["notification"] for line in sent_lines()] == [item.pk]


@time_machine.travel(NOON, tick=False)
def test_a_lost_delivery_task_is_made_up_by_the_periodic_run(sent_lines, monkeypatch):
    monkeypatch.setattr("notifications.services.deliver_later", lambda ids: None)
    user = UserFactory()
    item = tell(user)
    assert sent_lines() == []
    notifications_dispatch_task()  # too early to call it lost: its task may be running
    assert sent_lines() == []
    with time_machine.travel(NOON + datetime.timedelta(minutes=6), tick=False):
        notifications_dispatch_task()
    assert [line["notification"] for line in sent_lines()] == [item.pk]


@time_machine.travel(NOON, tick=False)
def test_delivering_the_same_notification_again_sends_nothing_more(sent_lines):
    item = tell(UserFactory())
    Notification.objects.filter(pk=item.pk).update(delivery_state="pending")  # as if redelivered
    delivery.notifications_deliver(notification_ids=[item.pk])
    delivery.notifications_deliver(notification_ids=[item.pk])
    assert len(sent_lines()) == 1


@time_machine.travel(NOON, tick=False)
def test_a_send_left_unconfirmed_by_a_dead_worker_is_closed_after_the_lease_not_sent_again(
    sent_lines,
):
    user = UserFactory()
    item = Notification.objects.create(user=user, kind="x", title="t", deliver_after=NOON)
    Delivery.objects.create(notification=item, channel="email", status="sending", created_at=NOON)
    held = delivery.notifications_deliver(notification_ids=[item.pk])
    assert held.waiting == [item.pk]  # its worker may be sending it: left to it
    assert Notification.objects.get(pk=item.pk).delivery_state == "pending"
    later = NOON + delivery.claim_lease() + datetime.timedelta(seconds=1)
    after = delivery.notifications_deliver(notification_ids=[item.pk], now=later)
    assert (after.closed, after.waiting) == (1, [])
    assert Notification.objects.get(pk=item.pk).delivery_state == "done"
    assert sent_lines() == []


@time_machine.travel(NOON, tick=False)
def test_a_claim_a_dead_worker_never_sent_is_taken_over_after_the_lease_and_sent_once(
    sent_lines,
):
    user = UserFactory()
    item = Notification.objects.create(user=user, kind="x", title="t", deliver_after=NOON)
    row = Delivery.objects.create(notification=item, channel="email", created_at=NOON)
    assert row.status == "claimed"
    assert delivery.notifications_deliver(notification_ids=[item.pk]).waiting == [item.pk]
    assert sent_lines() == []  # within the lease the claim is its worker's
    later = NOON + delivery.claim_lease() + datetime.timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        assert delivery.notifications_deliver(notification_ids=[item.pk]).closed == 1
        delivery.notifications_deliver(notification_ids=[item.pk])
    assert [line["notification"] for line in sent_lines()] == [item.pk]
    row.refresh_from_db()
    assert (row.status, row.sent_at) == ("sent", later)


@time_machine.travel(NOON, tick=False)
def test_each_message_is_confirmed_as_sent_before_the_next_is_handed_to_a_channel(
    sent_lines, monkeypatch
):
    """What a worker killed between two sends leaves: every message before confirmed, the
    next ones still claimed (to be taken over), at most one `sending`."""
    items = [
        Notification.objects.create(user=UserFactory(), kind="x", title="t", deliver_after=NOON)
        for _ in range(4)
    ]
    seen = []

    def send(backend, message, recipient):
        seen.append(
            dict(
                Delivery.objects.filter(notification_id__in=[i.pk for i in items]).values_list(
                    "notification_id", "status"
                )
            )
        )

    monkeypatch.setattr("notifications.backends.log.LogBackend.send", send)
    delivery.notifications_deliver(notification_ids=[i.pk for i in items])
    ids = [i.pk for i in items]
    assert seen[2] == {ids[0]: "sent", ids[1]: "sent", ids[2]: "sending", ids[3]: "claimed"}
    assert Delivery.objects.filter(status="sent").count() == 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_racing_on_the_same_notifications_send_each_once(sent_lines, settings):
    users = [UserFactory() for _ in range(40)]
    items = [
        Notification.objects.create(user=u, kind="x", title="t", deliver_after=timezone.now())
        for u in users
    ]
    ids = [item.pk for item in items]
    start = threading.Barrier(2)

    def worker(order):
        try:
            start.wait()
            delivery.notifications_deliver(notification_ids=order)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=(ids,)),
        threading.Thread(target=worker, args=(ids[::-1],)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent = sorted(line["notification"] for line in sent_lines())
    assert sent == sorted(ids)
    assert Notification.objects.filter(pk__in=ids, delivery_state="done").count() == 40


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@time_machine.travel(NOON, tick=False)  # outside quiet hours, whatever the time the suite runs
def test_two_notify_calls_at_once_with_one_key_make_one_notification(sent_lines):
    user = UserFactory()
    start = threading.Barrier(2)
    made = []

    def call():
        try:
            start.wait()
            made.append(tell(user, key="offer:1").pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 2 and made[0] == made[1]
    assert Notification.objects.filter(user=user).count() == 1
    assert len(sent_lines()) == 1
    assert mail.outbox == []  # the log backend, not mail
