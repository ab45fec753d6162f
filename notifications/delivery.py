"""Taking notifications out of the inbox to the resident's channels, each exactly once but
for the one message a dying worker was handing to a channel.

For each notification whose time has come, the resident's channels are tried in their order of
preference: a channel that has no address (push without a device) is passed over; for the
others, the delivery row is inserted first (unique per notification and channel: the claim),
then the backend is called. A failed channel is marked at once and falls back to the next.
Two workers on the same notification: the second insert waits for the first's commit and
inserts nothing (ON CONFLICT DO NOTHING), and the second worker leaves it.

A row goes `claimed` -> `sending` -> `sent` (or `failed`). Claims are made CLAIM_CHUNK
notifications at a time, one statement each. Then, message by message, one statement confirms
the message just sent and turns the next claim `sending`, only if it is still `claimed`; the
backend is called only when that turn is won. So if a worker process dies during a chunk:
- the messages it confirmed are closed by whoever looks next;
- its claims still `claimed` were never handed to a channel: after the lease
  (NOTIFICATIONS_CLAIM_LEASE_SECONDS) another worker takes them over and sends them;
- the one row left `sending` was being handed to a channel (or was just sent, unconfirmed):
  whether it went out is unknown, and after the lease it is closed without sending again.
Nothing is ever sent twice, and a killed process loses at most that one message. A
notification another worker holds is left to it, and handed back (`Delivered.waiting`) for a
later look once its lease has run out.

Runs outside any transaction: each claim commits as soon as it is made, so other workers see it.
"""

import contextlib
import dataclasses
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
ERROR_LENGTH = 500


def claim_lease() -> datetime.timedelta:
    """How long a claim or a send in progress belongs to its worker."""
    return datetime.timedelta(seconds=settings.NOTIFICATIONS_CLAIM_LEASE_SECONDS)


@dataclasses.dataclass
class Delivered:
    closed: int = 0
    # Held by another worker: to look at again once the lease has run out.
    waiting: list[int] = dataclasses.field(default_factory=list)


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
) -> Delivered:
    """Deliver those of these notifications that are pending and due."""
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
    result = Delivered()
    if not pending:
        return result
    user_ids = {item.user_id for item in pending}
    preferences = preferences_of_users(user_ids)
    devices: dict[int, list[Device]] = defaultdict(list)
    for device in Device.objects.filter(user_id__in=user_ids).order_by("pk"):
        devices[device.user_id].append(device)
    size = settings.NOTIFICATIONS_CLAIM_CHUNK
    with _fast_commits():
        for first in range(0, len(pending), size):
            chunk = _Chunk(pending[first : first + size], preferences, devices, now)
            done = chunk.deliver()
            Notification.objects.filter(pk__in=done).update(delivery_state=DeliveryState.DONE)
            result.closed += len(done)
            result.waiting += chunk.waiting
    return result


class _Chunk:
    """Some notifications, taken round by round: each round claims the next channel of every
    notification still open in one statement, then sends message by message."""

    def __init__(self, notifications, preferences, devices, now):
        self.notifications = notifications
        self.channels = {n.pk: list(preferences[n.user_id].channels) for n in notifications}
        self.devices = devices
        self.now = now
        self.waiting: list[int] = []

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
            open_, mine = self._sort(wanted, done)
            sent = None  # the last message sent, to confirm with the next turn
            for notification, channel, recipients, delivery in mine:
                if not _turn(sending=delivery, sent=sent):
                    sent = None  # another worker took that claim over: it sends and closes it
                    self.waiting.append(notification.pk)
                    continue
                errors = self._send(notification, channel, recipients)
                if errors is None or errors[0]:
                    sent = delivery
                    done.append(notification.pk)
                    if errors and errors[1]:
                        Delivery.objects.filter(pk=delivery).update(error=errors[1])
                else:
                    sent = None
                    Delivery.objects.filter(pk=delivery).update(
                        status=DeliveryStatus.FAILED, error=errors[1]
                    )
                    open_.append(notification)
            if sent is not None:
                _turn(sending=None, sent=sent)
        return done

    def _sort(self, wanted, done: list[int]):
        """Claim the round's channels; (the notifications on to their next channel, the
        deliveries this worker holds). A claim another worker made is left to it within
        the lease; past it, a claim never handed to a channel is this worker's to send, and a
        send whose outcome is unknown is closed."""
        claimed = _claim([(n.pk, channel) for n, channel, _ in wanted], self.now)
        held = self._held([(n.pk, c) for n, c, _ in wanted if n.pk not in claimed])
        stale = self.now - claim_lease()
        next_channel, mine = [], []
        for notification, channel, recipients in wanted:
            delivery = claimed.get(notification.pk)
            if delivery is None:
                delivery, status, since = held[(notification.pk, channel)]
                if status == DeliveryStatus.FAILED:
                    next_channel.append(notification)
                    continue
                if status == DeliveryStatus.SENT or (
                    status == DeliveryStatus.SENDING and since <= stale
                ):
                    done.append(notification.pk)  # sent, or perhaps sent: never twice
                    continue
                if since > stale:
                    self.waiting.append(notification.pk)  # its worker is on it
                    continue
            mine.append((notification, channel, recipients, delivery))
        return next_channel, mine

    def _next_channel(self, notification: Notification):
        remaining = self.channels[notification.pk]
        while remaining:
            channel = remaining.pop(0)
            recipients = _recipients(channel, notification, self.devices)
            if recipients:
                return channel, recipients
        return None, []

    def _held(self, pairs: list[tuple[int, str]]) -> dict[tuple[int, str], tuple[int, str, object]]:
        if not pairs:
            return {}
        rows = Delivery.objects.filter(notification_id__in={pk for pk, _ in pairs}).values_list(
            "notification_id", "channel", "pk", "status", "created_at"
        )
        return {(pk, channel): (row, status, since) for pk, channel, row, status, since in rows}

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


def _turn(*, sending: int | None, sent: int | None) -> bool:
    """In one statement: confirm `sent` (this worker's, `sending`) as sent, and turn the claim
    `sending` to `sending` if it is still `claimed`; whether that turn was won. Plain SQL: it
    runs once per message, and building it with the ORM cost more than the send."""
    table = connection.ops.quote_name(Delivery._meta.db_table)
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = CASE WHEN id = %s THEN %s ELSE %s END,"
            " sent_at = CASE WHEN id = %s THEN %s ELSE sent_at END"
            " WHERE id = %s OR (id = %s AND status = %s)",
            [
                sent, DeliveryStatus.SENT.value, DeliveryStatus.SENDING.value,
                sent, at,
                sent, sending, DeliveryStatus.CLAIMED.value,
            ],
        )  # fmt: skip
        changed = cursor.rowcount
    return sending is not None and changed == 1 + (sent is not None)


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
        params += [notification_id, channel, DeliveryStatus.CLAIMED.value, created]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (notification_id, channel, status, attempts, error, created_at)"
            f" VALUES {', '.join(values)} ON CONFLICT DO NOTHING RETURNING notification_id, id",
            params,
        )
        return dict(cursor.fetchall())
