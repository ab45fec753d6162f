"""Taking notifications out of the inbox to the resident's channels, each at most once.

For each notification whose time has come, the resident's channels are tried in their order of
preference: a channel that has no address (push without a device) is passed over; for the
others, the delivery row is inserted first (unique per notification and channel: the claim),
then the backend is called. A failed channel is marked at once and falls back to the next; the
rows of the sends that succeeded are marked `sent` together at the end of the batch. Two
workers on the same notification: the second insert waits for the first's commit and inserts
nothing (ON CONFLICT DO NOTHING), and the second worker leaves it. A worker that dies after
its claim leaves the row `sending`: whether the message went out is then unknown, and after
CLAIM_LEASE the notification is closed without sending again (never twice, at the cost of the
one message that a killed process was sending; the ones it had sent stay `sending` in the
record, and are not sent again either).

Runs outside any transaction: each claim is one statement that commits at once, so other
workers see it.
"""

import contextlib
import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.db import connection
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
    sent again. Each delivery commits two or three times, so a synchronous flush each time
    would be most of its cost."""
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
    """Deliver those of these notifications that are pending and due; the number handled."""
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
    closed: list[int] = []
    sent: list[int] = []
    with _fast_commits():
        for notification in pending:
            channels = preferences[notification.user_id].channels
            if _deliver(notification, channels, devices, now, sent):
                closed.append(notification.pk)
        Delivery.objects.filter(pk__in=sent).update(
            status=DeliveryStatus.SENT, sent_at=timezone.now()
        )
        Notification.objects.filter(pk__in=closed).update(delivery_state=DeliveryState.DONE)
    return len(closed)


def _deliver(
    notification: Notification,
    channels: list[str],
    devices: dict[int, list[Device]],
    now: datetime.datetime,
    sent_deliveries: list[int],
) -> bool:
    """Try the channels in order. False when another worker holds this notification (it will
    close it), True when this one is finished with it. The delivery that succeeded is added to
    `sent_deliveries`."""
    message = backends.Message(
        notification_id=notification.pk,
        kind=notification.kind,
        title=notification.title,
        body=notification.body,
        data=notification.data,
    )
    for channel in channels:
        recipients = _recipients(channel, notification, devices)
        if not recipients:
            continue
        delivery = _claim(notification.pk, channel, now)
        if delivery is None:
            held = Delivery.objects.get(notification=notification, channel=channel)
            if held.status == DeliveryStatus.FAILED:
                continue
            # Sent; or being sent by another worker, which closes it; or its outcome unknown
            # past the lease (a worker died during the send): closed, never sent twice.
            busy = held.status == DeliveryStatus.SENDING and held.created_at > now - CLAIM_LEASE
            return not busy
        errors = []
        sent = False
        for recipient, device in recipients:
            try:
                backends.backend_for(channel, recipient.platform).send(message, recipient)
                sent = True
            except backends.TokenGone as error:
                errors.append(str(error))
                if device is not None:
                    Device.objects.filter(pk=device.pk).delete()
                    devices[notification.user_id].remove(device)
            except backends.DeliveryError as error:
                errors.append(str(error))
            except Exception as error:  # a backend's bug or its configuration: next channel
                logger.exception("%s backend failed", channel)
                errors.append(f"{type(error).__name__}: {error}")
        if sent:
            if errors:  # one device of several refused it
                Delivery.objects.filter(pk=delivery).update(error="; ".join(errors)[:ERROR_LENGTH])
            sent_deliveries.append(delivery)
            return True
        Delivery.objects.filter(pk=delivery).update(
            status=DeliveryStatus.FAILED, error="; ".join(errors)[:ERROR_LENGTH]
        )
    return True


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


def _claim(notification_id: int, channel: str, now: datetime.datetime) -> int | None:
    """The id of the delivery row, inserted (and committed) now in one statement, or None when
    the row exists already (PostgreSQL and SQLite alike: ON CONFLICT ... RETURNING)."""
    table = connection.ops.quote_name(Delivery._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (notification_id, channel, status, attempts, error, created_at)"
            " VALUES (%s, %s, %s, 1, '', %s) ON CONFLICT DO NOTHING RETURNING id",
            [
                notification_id,
                channel,
                DeliveryStatus.SENDING.value,
                connection.ops.adapt_datetimefield_value(now),
            ],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]
