"""Reminders through the real broker and real `celery worker` processes on PostgreSQL: the
periodic task run twice at the same moment, and a worker killed (SIGKILL) in the middle of a
batch and started again; every reminder is sent exactly once (the log backend's file says what
was sent), none to the resident in quiet hours.

To kill the worker at a known moment, the test holds a delivery row of one notification from
another connection: either uncommitted, so that the worker waits on its unique key when it
claims the chunk holding it (killed between two chunks), or an old claim a dead worker left,
row-locked, so that the worker waits to take it over in the middle of a chunk (killed with
messages sent but not yet closed, one sent but not confirmed, and claims not yet sent).
"""

import contextlib
import datetime
import json
import os
import signal
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import User
from activities.models import Registration
from backend.celery import app as celery_app
from notifications.models import Delivery, Notification, NotificationPreferences
from notifications.tasks import notifications_dispatch_task
from tests.conftest import _missing_service
from tests.matching.test_fault_worker import database_url
from tests.notifications.factories import session
from tests.waiting import wait_until

pytestmark = [
    pytest.mark.worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
RESIDENTS = 300


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
def log_file(tmp_path):
    return tmp_path / "sent.jsonl"


def sent(log_file) -> Counter:
    if not log_file.exists():
        return Counter()
    return Counter(json.loads(line)["notification"] for line in log_file.read_text().splitlines())


@pytest.fixture
def residents():
    """RESIDENTS going to a session in 90 minutes (their two-hours reminder is due), awake;
    and one whose quiet hours are now."""
    occurrence = session(starts_in=datetime.timedelta(minutes=90))
    users = User.objects.bulk_create(
        User(email=f"r{n}@example.org", display_name=f"R{n}") for n in range(RESIDENTS + 1)
    )
    Registration.objects.bulk_create(
        Registration(
            user=user,
            activity=occurrence.activity,
            occurrence=occurrence,
            status="going",
            position=n + 1,
        )
        for n, user in enumerate(users)
    )
    NotificationPreferences.objects.bulk_create(
        NotificationPreferences(user=user, quiet_hours=False) for user in users[:-1]
    )
    local = timezone.now().astimezone(ZoneInfo("Europe/Paris"))
    NotificationPreferences.objects.create(
        user=users[-1],
        quiet_hours=True,
        quiet_start=(local - datetime.timedelta(hours=1)).time(),
        quiet_end=(local + datetime.timedelta(hours=1)).time(),
    )
    return users


LEASE = 3  # seconds a claim belongs to its worker (NOTIFICATIONS_CLAIM_LEASE_SECONDS)


def worker(broker, log_file, **extra):
    from bench.matching_celery import Worker

    return Worker(
        database_url(),
        broker,
        concurrency=2,
        log_path="/tmp/relier-notifications-worker.log",
        extra_env={
            "NOTIFICATIONS_LOG_FILE": str(log_file),
            "NOTIFICATIONS_CLAIM_LEASE_SECONDS": str(LEASE),
            **extra,
        },
    )


def all_closed() -> bool:
    """Every notification due is closed (the one in quiet hours waits for their end)."""
    due = Notification.objects.filter(delivery_state="pending", deliver_after__lte=timezone.now())
    return not due.exists()


def test_two_runs_of_the_periodic_task_at_once_send_each_reminder_once(residents, broker, log_file):
    running = worker(broker, log_file).start()
    try:
        first, second = notifications_dispatch_task.delay(), notifications_dispatch_task.delay()
        first.get(timeout=60), second.get(timeout=60)
        assert wait_until(all_closed, timeout=60)
    finally:
        running.stop()
    quiet = residents[-1]
    counts = sent(log_file)
    awake = Notification.objects.exclude(user=quiet).values_list("pk", flat=True)
    assert len(awake) == RESIDENTS
    assert counts == Counter({pk: 1 for pk in awake})
    held = Notification.objects.get(user=quiet)  # in the inbox, not sent: quiet hours
    assert held.kind == "reminder_two_hours" and held.pk not in counts
    assert held.deliver_after > timezone.now()


def hold_the_claim_of(notification_id: int) -> psycopg.Connection:
    locker = psycopg.connect(database_url())
    locker.execute(
        f"INSERT INTO {Delivery._meta.db_table} "
        "(notification_id, channel, status, attempts, error, created_at) "
        "VALUES (%s, 'email', 'sending', 1, '', now())",
        [notification_id],
    )
    return locker  # in a transaction until closed (rolled back)


def blocked_on(statement: str):
    """Whether a backend of this database waits on a lock in a statement on the delivery
    table beginning with `statement` (INSERT: a claim; UPDATE: taking a claim over)."""

    def blocked() -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query LIKE %s",
                [f"{statement} %delivery%"],
            )
            return cursor.fetchone()[0] > 0

    return blocked


@pytest.mark.parametrize("kill", ["worker", "process"])
def test_a_worker_killed_mid_batch_and_restarted_sends_each_reminder_once(
    residents, broker, log_file, kill
):
    from notifications.reminders import reminders_plan

    reminders_plan()  # made in-process: the ids are known, the batch is what is killed
    ids = sorted(
        Notification.objects.filter(
            delivery_state="pending", deliver_after__lte=timezone.now()
        ).values_list("pk", flat=True)
    )
    assert len(ids) == RESIDENTS
    victim = ids[len(ids) // 2]
    locker = hold_the_claim_of(victim)
    start = lambda: worker(broker, log_file, CELERY_VISIBILITY_TIMEOUT="2").start()  # noqa: E731
    running = start()
    try:
        from notifications.tasks import notifications_deliver_task

        notifications_deliver_task.delay(ids)
        assert wait_until(blocked_on("INSERT INTO"), timeout=60), (
            "the batch never reached the victim"
        )
        if kill == "worker":
            running.kill()
        else:
            kill_the_pool_process_waiting_on_a_lock(running)
        before = sent(log_file)
        assert 0 < len(before) < len(ids) and victim not in before
        locker.rollback()
        locker.close()
        if kill == "worker":
            running = start()
        assert wait_until(all_closed, timeout=90), "the batch was not finished after the kill"
    finally:
        locker.close()
        running.stop()
    assert sent(log_file) == Counter({pk: 1 for pk in ids})


def hold_a_dead_workers_claim_of(notification_id: int) -> psycopg.Connection:
    """A claim a dead worker left an hour ago, never sent (the batch takes it over when it
    reaches it), row-locked from another connection: the batch waits there, mid-chunk."""
    table = Delivery._meta.db_table
    with psycopg.connect(database_url(), autocommit=True) as setup:
        setup.execute(
            f"INSERT INTO {table} (notification_id, channel, status, attempts, error, created_at)"
            " VALUES (%s, 'email', 'claimed', 1, '', now() - interval '1 hour')",
            [notification_id],
        )
    locker = psycopg.connect(database_url())
    locker.execute(
        f"SELECT id FROM {table} WHERE notification_id = %s FOR UPDATE", [notification_id]
    )
    return locker


def backend_waiting_on_a_lock() -> tuple[int, int]:
    """(pid, client port) of the database backend waiting on a lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, client_port FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()


def backend_alive(backend: tuple[int, int]) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [backend[0]])
        return cursor.fetchone()[0] > 0


def kill_the_pool_process_waiting_on_a_lock(running) -> None:
    """SIGKILL the pool process whose database connection waits on a lock: the one running
    the batch (both pool processes sleep, one on the database, one on its queue)."""
    port = backend_waiting_on_a_lock()[1]
    for pid in running.pool_pids():
        if port in local_tcp_ports(pid):
            os.kill(pid, signal.SIGKILL)
            return
    raise AssertionError(f"no pool process holds the connection of port {port}")


def local_tcp_ports(pid: int) -> set[int]:
    """The local ports of the TCP sockets process `pid` has open (from /proc)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    ports = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[9] in inodes:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


@pytest.mark.parametrize("kill", ["worker", "process"])
def test_a_worker_killed_in_the_middle_of_a_chunk_loses_nothing_and_sends_nothing_twice(
    residents, broker, log_file, kill
):
    from notifications.reminders import reminders_plan
    from notifications.tasks import notifications_deliver_task

    reminders_plan()
    ids = sorted(
        Notification.objects.filter(
            delivery_state="pending", deliver_after__lte=timezone.now()
        ).values_list("pk", flat=True)
    )
    chunk = settings.NOTIFICATIONS_CLAIM_CHUNK
    assert len(ids) == RESIDENTS and 3 * chunk < RESIDENTS
    at = 3 * chunk + 10  # the victim is the 11th of the fourth chunk
    victim, last_sent, claimed_after = ids[at], ids[at - 1], ids[at + 1 : 4 * chunk]
    locker = hold_a_dead_workers_claim_of(victim)
    start = lambda: worker(broker, log_file, CELERY_VISIBILITY_TIMEOUT="2").start()  # noqa: E731
    running = start()
    try:
        notifications_deliver_task.delay(ids)
        assert wait_until(blocked_on("UPDATE"), timeout=60), "never reached the victim"
        backend = backend_waiting_on_a_lock()
        if kill == "worker":
            running.kill()
        else:
            kill_the_pool_process_waiting_on_a_lock(running)
        # PostgreSQL cancels the dead client's waiting statement (client_connection_check_
        # interval) rather than carrying it out when the lock comes free.
        assert wait_until(lambda: not backend_alive(backend), timeout=30)
        before = sent(log_file)
        assert set(before) == set(ids[:at])  # sent one by one up to the victim, not beyond
        states = dict(
            Delivery.objects.filter(notification_id__in=ids).values_list(
                "notification_id", "status"
            )
        )
        assert states[last_sent] == "sending"  # sent, its confirmation waiting with the victim
        assert {states[pk] for pk in claimed_after} == {"claimed"}  # never handed to a channel
        locker.rollback()
        locker.close()
        if kill == "worker":
            running = start()
        assert wait_until(all_closed, timeout=90), "the batch was not finished after the kill"
    finally:
        locker.close()
        running.stop()
    assert sent(log_file) == Counter({pk: 1 for pk in ids})
    assert Delivery.objects.get(notification_id=last_sent).status == "sending"  # never again
