"""Delivery backends behind one interface (`base.Backend.send(message, recipient)`).

Which backend serves a channel is configured: NOTIFICATIONS_PUSH_BACKEND is `log` (the
default) or `native` (FCM for Android and web, APNs for iOS); NOTIFICATIONS_EMAIL_BACKEND is
`log` (the default) or `email` (Django's mail); NOTIFICATIONS_SMS_BACKEND is `log` (the
default) or `http` (a provider's HTTP API, `sms.HttpSmsBackend`). Backends are built once
per process and reused (their HTTP connections and access tokens with them).
"""

import functools

from django.conf import settings

from notifications.backends.base import (
    Backend,
    DeliveryError,
    Message,
    Recipient,
    TokenGone,
)

__all__ = ["Backend", "DeliveryError", "Message", "Recipient", "TokenGone", "backend_for"]


@functools.cache
def _build(name: str) -> Backend:
    if name == "log":
        from notifications.backends.log import LogBackend

        return LogBackend()
    if name == "email":
        from notifications.backends.email import EmailBackend

        return EmailBackend()
    if name == "sms":
        from notifications.backends.sms import HttpSmsBackend

        return HttpSmsBackend()
    if name == "fcm":
        from notifications.backends.fcm import FcmBackend

        return FcmBackend()
    if name == "apns":
        from notifications.backends.apns import ApnsBackend

        return ApnsBackend()
    raise DeliveryError(f"unknown backend {name!r}")


def backend_for(channel: str, platform: str = "") -> Backend:
    if channel == "email":
        return _build("email" if settings.NOTIFICATIONS_EMAIL_BACKEND == "email" else "log")
    if channel == "sms":
        return _build("sms" if settings.NOTIFICATIONS_SMS_BACKEND == "http" else "log")
    if settings.NOTIFICATIONS_PUSH_BACKEND == "native":
        return _build("apns" if platform == "ios" else "fcm")
    return _build("log")


def forget() -> None:
    """Drop the built backends (settings changed: tests)."""
    _build.cache_clear()
