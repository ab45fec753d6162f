"""Devices, the inbox, delivery attempts and each resident's preferences.

Exactly once: a notification is unique per (user, dedupe_key), so whoever creates it second
gets the first one's row; a delivery attempt is unique per (notification, channel) and its row
is written before anything is sent, so of two workers racing on one notification only the one
whose insert succeeded sends.
"""

import datetime

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications import choices

DEFAULT_CHANNELS = [choices.Channel.PUSH.value, choices.Channel.EMAIL.value]
DEFAULT_QUIET_START = datetime.time(21, 0)
DEFAULT_QUIET_END = datetime.time(8, 0)
DEFAULT_TIMEZONE = "Europe/Paris"


def default_channels() -> list[str]:
    return list(DEFAULT_CHANNELS)


class Device(models.Model):
    """A phone or browser that can receive push messages for its user."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="devices"
    )
    platform = models.CharField(_("platform"), max_length=10, choices=choices.Platform.choices)
    # A token names one app installation: it moves to whoever signs in on it.
    token = models.CharField(_("push token"), max_length=1024, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen at"), default=timezone.now)

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["-last_seen_at", "-id"]

    def __str__(self) -> str:
        return f"{self.platform} device of {self.user_id}"


class NotificationPreferences(models.Model):
    """How a resident wants to be told. No row: the defaults below."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    # In order of preference; empty: the inbox only.
    channels = models.JSONField(_("channels"), default=default_channels, blank=True)
    remind_day_before = models.BooleanField(_("reminder the day before"), default=True)
    remind_two_hours = models.BooleanField(_("reminder two hours before"), default=True)
    quiet_hours = models.BooleanField(_("quiet hours"), default=True)
    quiet_start = models.TimeField(_("quiet hours start"), default=DEFAULT_QUIET_START)
    quiet_end = models.TimeField(_("quiet hours end"), default=DEFAULT_QUIET_END)
    timezone = models.CharField(_("time zone"), max_length=64, default=DEFAULT_TIMEZONE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification preferences")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"


kind_validator = RegexValidator(r"^[a-z][a-z0-9_]*$", _("Lower-case letters, digits and _."))


class Notification(models.Model):
    """One item of a resident's inbox, and the state of its way out to their channels."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=40, validators=[kind_validator])
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), max_length=2000, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    # Empty: no deduplication (a unique key otherwise, per user).
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # Push and email wait until then (the end of quiet hours); the inbox does not.
    deliver_after = models.DateTimeField(_("deliver after"), default=timezone.now)
    delivery_state = models.CharField(
        max_length=10,
        choices=choices.DeliveryState.choices,
        default=choices.DeliveryState.PENDING,
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="notification_dedupe_unique",
            )
        ]
        indexes = [
            models.Index(fields=["user", "-id"]),
            models.Index(
                fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
            models.Index(
                fields=["deliver_after"],
                condition=Q(delivery_state="pending"),
                name="notification_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"


class Delivery(models.Model):
    """One attempt on one channel. The row is written (status `claimed`) before the send: it
    is the claim, so nothing is sent twice on a channel. It turns `sending` just before the
    send and `sent` just after (notifications.delivery)."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=choices.Channel.choices)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=choices.DeliveryStatus.choices,
        default=choices.DeliveryStatus.CLAIMED,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=1)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="delivery_once_per_channel"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.status} for {self.notification_id}"
