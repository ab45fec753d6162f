"""Writes of the notifications room: notify a resident, their devices, inbox and preferences."""

import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from celery import current_app
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from backend.errors import ValidationFailed
from backend.validation import full_clean, validation_failed
from notifications.choices import Channel, DeliveryState
from notifications.models import Device, Notification, NotificationPreferences
from notifications.selectors import preferences_of
from notifications.timing import deliver_after_for


@transaction.atomic
def notify(
    *,
    user: User,
    kind: str,
    title: str,
    body: str,
    data: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
) -> Notification:
    """Put a notification in the resident's inbox and send it on their first channel that
    works (after commit, by a task; at the end of quiet hours if now is within them).

    With a `dedupe_key`, exactly once per resident and key: a second call (also a concurrent
    one) returns the first call's notification and sends nothing."""
    now = timezone.now()
    preferences = preferences_of(user=user)
    notification = Notification(
        user=user,
        kind=kind,
        title=title[:200],
        body=body,
        data=data or {},
        dedupe_key=dedupe_key or "",
        created_at=now,
        deliver_after=deliver_after_for(preferences, now),
        delivery_state=(DeliveryState.PENDING if preferences.channels else DeliveryState.DONE),
    )
    # The unique key is checked by the insert itself (a concurrent notify included).
    full_clean(notification, exclude=["user", "dedupe_key"])
    if dedupe_key:
        try:
            with transaction.atomic():
                notification.save()
        except IntegrityError:
            return Notification.objects.get(user=user, dedupe_key=dedupe_key)
    else:
        notification.save()
    if notification.delivery_state == DeliveryState.PENDING and notification.deliver_after <= now:
        pk = notification.pk
        transaction.on_commit(lambda: deliver_later([pk]))
    return notification


# The delivery task by name: notifications.tasks imports the services (the change notices call
# `notify`), so the services cannot import it back. The signature resolves to the registered
# task, so it runs in-process when tasks are eager, as `.delay` would.
DELIVER_TASK = "notifications.tasks.notifications_deliver_task"


def deliver_later(notification_ids: list[int]) -> None:
    current_app.signature(DELIVER_TASK, args=[notification_ids]).delay()


@transaction.atomic
def device_register(*, user: User, platform: str, token: str) -> tuple[Device, bool]:
    """Register a push token, or refresh it (`last_seen_at`). A token names one installation
    of the app: if another account had it, it is now this user's. Returns (device, created)."""
    now = timezone.now()
    device = Device.objects.select_for_update().filter(token=token).first()
    created = device is None
    if created:
        device = Device(user=user, platform=platform, token=token, created_at=now)
    device.user, device.platform, device.last_seen_at = user, platform, now
    full_clean(device, exclude=["token"] if not created else None)
    try:
        with transaction.atomic():
            device.save()
    except IntegrityError:  # registered at this very moment by a concurrent request
        device = Device.objects.select_for_update().get(token=token)
        device.user, device.platform, device.last_seen_at = user, platform, now
        device.save()
        created = False
    return device, created


@transaction.atomic
def device_delete(*, device: Device) -> None:
    device.delete()


@transaction.atomic
def notification_mark_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        notification.refresh_from_db(fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def preferences_update(
    *,
    user: User,
    channels: list[str],
    remind_day_before: bool,
    remind_two_hours: bool,
    quiet_hours: bool,
    quiet_start: datetime.time,
    quiet_end: datetime.time,
    timezone_name: str,
) -> NotificationPreferences:
    """Replace the resident's preferences whole. `channels`: push and email in the order to
    try them, each at most once; empty for the inbox only."""
    if len(set(channels)) != len(channels) or not set(channels) <= set(Channel.values):
        raise validation_failed({"channels": [_("Give push and email at most once each.")]})
    try:
        ZoneInfo(timezone_name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationFailed(
            _("Unknown time zone."), fields={"timezone": [_("Give an IANA time zone.")]}
        ) from error
    preferences, _created = NotificationPreferences.objects.select_for_update().get_or_create(
        user=user
    )
    preferences.channels = list(channels)
    preferences.remind_day_before = remind_day_before
    preferences.remind_two_hours = remind_two_hours
    preferences.quiet_hours = quiet_hours
    preferences.quiet_start = quiet_start
    preferences.quiet_end = quiet_end
    preferences.timezone = timezone_name
    full_clean(preferences)
    preferences.save()
    return preferences
