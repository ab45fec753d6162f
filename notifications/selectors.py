"""Reads of the notifications room."""

from collections.abc import Iterable

from django.db.models import QuerySet

from accounts.models import User
from notifications.models import Device, Notification, NotificationPreferences


def preferences_of(*, user: User) -> NotificationPreferences:
    """The resident's preferences, or the defaults (unsaved) when they never chose."""
    found = NotificationPreferences.objects.filter(user=user).first()
    return found or NotificationPreferences(user=user)


def preferences_of_users(user_ids: Iterable[int]) -> "_Preferences":
    ids = set(user_ids)
    return _Preferences(
        {row.user_id: row for row in NotificationPreferences.objects.filter(user_id__in=ids)}
    )


class _Preferences(dict):
    """user id -> preferences, the defaults for a user without a row."""

    def __missing__(self, user_id: int) -> NotificationPreferences:
        return NotificationPreferences(user_id=user_id)


def devices_of(*, user: User) -> QuerySet[Device]:
    return Device.objects.filter(user=user).order_by("-last_seen_at", "-id")


def notifications_of(*, user: User, unread: bool | None = None) -> QuerySet[Notification]:
    items = Notification.objects.filter(user=user)
    if unread is True:
        items = items.filter(read_at__isnull=True)
    elif unread is False:
        items = items.filter(read_at__isnull=False)
    return items.order_by("-id")


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
