"""Taking notifications out of the inbox to the resident's channels, each at most once.

For each notification whose time has come, the resident's channels are tried in their order of
preference: a channel that has no address (push without a device) is passed over; for the
others, the delivery row is inserted first (unique per notification and channel: the claim),
then the backend is called, then the row says sent or failed. A failed channel falls back to
the next. Two workers on the same notification: the second insert waits for the first's commit
and fails, and the second worker leaves it. A worker that dies between its claim and the
backend's answer leaves the row `sending`: after CLAIM_LEASE that notification is closed
without sending again (never twice, at the cost of that one message).

Runs outside any transaction: each claim commits at once, so other workers see it.
"""

import contextlib
import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.db import IntegrityError, connection, transaction
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
    closed = []
    with _fast_commits():
        for notification in pending:
            if _deliver(notification, preferences[notification.user_id].channels, devices, now):
                closed.append(notification.pk)
        Notification.objects.filter(pk__in=closed).update(delivery_state=DeliveryState.DONE)
    return len(closed)


def _deliver(
    notification: Notification,
    channels: list[str],
    devices: dict[int, list[Device]],
    now: datetime.datetime,
) -> bool:
    """Try the channels in order. False when another worker holds this notification (it will
    close it), True when this one is finished with it."""
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
        delivery = _claim(notification, channel, now)
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
            Delivery.objects.filter(pk=delivery.pk).update(
                status=DeliveryStatus.SENT,
                sent_at=timezone.now(),
                error="; ".join(errors)[:ERROR_LENGTH],
            )
            return True
        Delivery.objects.filter(pk=delivery.pk).update(
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


def _claim(notification: Notification, channel: str, now: datetime.datetime) -> Delivery | None:
    """The delivery row, inserted (and committed) now, or None when it exists already."""
    try:
        with transaction.atomic():
            return Delivery.objects.create(
                notification=notification, channel=channel, created_at=now
            )
    except IntegrityError:
        return None
