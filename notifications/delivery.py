"""Taking notifications out of the inbox to the resident's channels, each at most once.

For each notification whose time has come, the resident's channels are tried in their order of
preference: a channel that has no address (push without a device) is passed over; for the
others, the delivery row is inserted first (unique per notification and channel: the claim),
then the backend is called. A failed channel is marked at once and falls back to the next.
Two workers on the same notification: the second insert waits for the first's commit and
inserts nothing (ON CONFLICT DO NOTHING), and the second worker leaves it.

Claims are made CLAIM_CHUNK notifications at a time, one statement each, and the sends of a
chunk are confirmed together right after it: a statement per message would cost most of the
delivery (a round trip and a commit each). The price is paid only if a worker process dies
during a chunk: the rows it claimed stay `sending`, whether their messages went out is unknown,
and after CLAIM_LEASE those notifications are closed without sending again. So nothing is ever
sent twice, and a process killed mid-chunk may leave up to CLAIM_CHUNK messages unsent.

Runs outside any transaction: each claim commits as soon as it is made, so other workers see it.
"""

import contextlib
import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from notifications import backends
from notifications.choices import Channel, DeliveryState, DeliveryStatus
from notifications.models import Delivery, Device, Notification
from notifications.selectors import preferences_of_users

logger = logging.getLogger(__name__)
CLAIM_LEASE = datetime.timedelta(minutes=10)
ERROR_LENGTH = 500


@contextlib.contextmanager
def _fast_commits() -> Iterator[None]:
    """PostgreSQL: this connection's commits return before their WAL reaches the disk. A
    killed worker loses nothing it committed; only a crash of the database server itself could
    lose the last fraction of a second of delivery rows, whose notifications would then be
    sent again."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def notifications_deliver(
    *, notification_ids: Iterable[int], now: datetime.datetime | None = None
) -> int:
    """Deliver those of these notifications that are pending and due; the number closed."""
    now = now or timezone.now()
    pending = list(
        Notification.objects.filter(
            pk__in=list(notification_ids),
            delivery_state=DeliveryState.PENDING,
            deliver_after__lte=now,
        )
        .select_related("user")
        .order_by("pk")
    )
    if not pending:
        return 0
    user_ids = {item.user_id for item in pending}
    preferences = preferences_of_users(user_ids)
    devices: dict[int, list[Device]] = defaultdict(list)
    for device in Device.objects.filter(user_id__in=user_ids).order_by("pk"):
        devices[device.user_id].append(device)
    closed = 0
    size = settings.NOTIFICATIONS_CLAIM_CHUNK
    with _fast_commits():
        for first in range(0, len(pending), size):
            chunk = pending[first : first + size]
            done = _Chunk(chunk, preferences, devices, now).deliver()
            Notification.objects.filter(pk__in=done).update(delivery_state=DeliveryState.DONE)
            closed += len(done)
    return closed


class _Chunk:
    """Some notifications, taken round by round: each round claims the next channel of every
    notification still open in one statement, sends, and confirms in one statement."""

    def __init__(self, notifications, preferences, devices, now):
        self.notifications = notifications
        self.channels = {n.pk: list(preferences[n.user_id].channels) for n in notifications}
        self.devices = devices
        self.now = now

    def deliver(self) -> list[int]:
        """The ids of the notifications this worker is finished with."""
        done: list[int] = []
        open_ = list(self.notifications)
        while open_:
            wanted = []  # (notification, channel, recipients)
            for notification in open_:
                channel, recipients = self._next_channel(notification)
                if channel is None:
                    done.append(notification.pk)  # every allowed channel tried (or none)
                else:
                    wanted.append((notification, channel, recipients))
            claimed = _claim([(n.pk, channel) for n, channel, _ in wanted], self.now)
            held = self._held([(n.pk, c) for n, c, _ in wanted if n.pk not in claimed])
            open_, sent = [], []
            for notification, channel, recipients in wanted:
                delivery = claimed.get(notification.pk)
                if delivery is None:
                    status, since = held[(notification.pk, channel)]
                    if status == DeliveryStatus.FAILED:
                        open_.append(notification)  # on to its next channel
                    elif status == DeliveryStatus.SENT or since <= self.now - CLAIM_LEASE:
                        # Sent, or its outcome unknown past the lease: never sent twice.
                        done.append(notification.pk)
                    # else another worker is sending it and closes it.
                    continue
                errors = self._send(notification, channel, recipients)
                if errors is None or errors[0]:
                    sent.append(delivery)
                    done.append(notification.pk)
                    if errors and errors[1]:
                        Delivery.objects.filter(pk=delivery).update(error=errors[1])
                else:
                    Delivery.objects.filter(pk=delivery).update(
                        status=DeliveryStatus.FAILED, error=errors[1]
                    )
                    open_.append(notification)
            if sent:
                Delivery.objects.filter(pk__in=sent).update(
                    status=DeliveryStatus.SENT, sent_at=timezone.now()
                )
        return done

    def _next_channel(self, notification: Notification):
        remaining = self.channels[notification.pk]
        while remaining:
            channel = remaining.pop(0)
            recipients = _recipients(channel, notification, self.devices)
            if recipients:
                return channel, recipients
        return None, []

    def _held(self, pairs: list[tuple[int, str]]) -> dict[tuple[int, str], tuple[str, object]]:
        if not pairs:
            return {}
        rows = Delivery.objects.filter(notification_id__in={pk for pk, _ in pairs}).values_list(
            "notification_id", "channel", "status", "created_at"
        )
        return {(pk, channel): (status, since) for pk, channel, status, since in rows}

    def _send(self, notification, channel, recipients) -> tuple[bool, str] | None:
        """None when every recipient took it; else (some took it, the errors)."""
        message = backends.Message(
            notification_id=notification.pk,
            kind=notification.kind,
            title=notification.title,
            body=notification.body,
            data=notification.data,
        )
        errors, sent = [], False
        for recipient, device in recipients:
            try:
                backends.backend_for(channel, recipient.platform).send(message, recipient)
                sent = True
            except backends.TokenGone as error:
                errors.append(str(error))
                if device is not None:
                    Device.objects.filter(pk=device.pk).delete()
                    self.devices[notification.user_id].remove(device)
            except backends.DeliveryError as error:
                errors.append(str(error))
            except Exception as error:  # a backend's bug or its configuration: next channel
                logger.exception("%s backend failed", channel)
                errors.append(f"{type(error).__name__}: {error}")
        if not errors:
            return None
        return sent, "; ".join(errors)[:ERROR_LENGTH]


def _recipients(
    channel: str, notification: Notification, devices: dict[int, list[Device]]
) -> list[tuple[backends.Recipient, Device | None]]:
    if channel == Channel.PUSH:
        return [
            (backends.Recipient(address=device.token, platform=device.platform), device)
            for device in devices.get(notification.user_id, [])
        ]
    if channel == Channel.EMAIL and notification.user.email:
        return [(backends.Recipient(address=notification.user.email), None)]
    return []


def _claim(pairs: list[tuple[int, str]], now: datetime.datetime) -> dict[int, int]:
    """Insert the delivery rows of these (notification, channel) pairs in one statement,
    skipping those that exist (ON CONFLICT DO NOTHING, on PostgreSQL and SQLite alike), and
    commit; notification id -> delivery id of the rows inserted: the claims won.

    In a transaction of its own, committed by the worker once it has the answer: a worker
    killed while its insert waits (on another's claim of the same row) never commits it,
    whereas a statement in autocommit would commit by itself when the wait ends."""
    if not pairs:
        return {}
    table = connection.ops.quote_name(Delivery._meta.db_table)
    created = connection.ops.adapt_datetimefield_value(now)
    values, params = [], []
    for notification_id, channel in pairs:
        values.append("(%s, %s, %s, 1, '', %s)")
        params += [notification_id, channel, DeliveryStatus.SENDING.value, created]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (notification_id, channel, status, attempts, error, created_at)"
            f" VALUES {', '.join(values)} ON CONFLICT DO NOTHING RETURNING notification_id, id",
            params,
        )
        return dict(cursor.fetchall())
