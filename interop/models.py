"""Formats in and out. For now: the private address of a resident's calendar feed."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarFeed(models.Model):
    """A resident's private calendar address: `/api/v1/calendar/<token>.ics`.

    Calendar apps cannot send a header, so the token in the address is the credential. It is
    not stored: the token is an HMAC of `key` under the server's secret (so the resident can be
    shown their address again), and only its SHA-256 is kept, to find the feed by the token
    it is read with. A database read alone gives neither. Rotating draws a new key; revoking
    deletes the row: the old address is a 404 at once.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    key = models.CharField(_("key"), max_length=64)
    token_hash = models.CharField(_("token hash (SHA-256)"), max_length=64, unique=True)
    issued_at = models.DateTimeField(_("issued at"))

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"calendar feed of {self.user}"
