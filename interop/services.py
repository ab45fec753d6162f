"""Writes of interop: a resident's calendar feed address, issued, rotated and revoked."""

import base64
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.models import User
from backend.validation import full_clean
from interop.models import CalendarFeed

_TOKEN_SALT = "interop.calendar-feed"
# A token is the URL-safe base64 of a SHA-256 HMAC, without padding: 43 characters.
TOKEN_LENGTH = 43


def calendar_feed_token(feed: CalendarFeed) -> str:
    """The token of a feed's address, derived from its key under the server's secret."""
    digest = salted_hmac(_TOKEN_SALT, feed.key, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _issue(feed: CalendarFeed) -> str:
    feed.key = secrets.token_hex(32)
    feed.issued_at = timezone.now()
    token = calendar_feed_token(feed)
    feed.token_hash = token_hash(token)
    full_clean(feed)
    feed.save()
    return token


@transaction.atomic
def calendar_feed_issue(*, user: User) -> tuple[CalendarFeed, str]:
    """The user's feed and its token, issued on first use.

    The same address every time while it is not rotated. After the server's secret changed,
    the token derived from the key is another: the stored hash follows it, so the address
    shown is the one that works (the one shown before stops working)."""
    # Two first reads at once: the second waits on the user's row, then finds the feed.
    User.objects.select_for_update().only("pk").get(pk=user.pk)
    feed = CalendarFeed.objects.filter(user=user).first()
    if feed is None:
        feed = CalendarFeed(user=user)
        return feed, _issue(feed)
    token = calendar_feed_token(feed)
    if feed.token_hash != token_hash(token):
        feed.token_hash = token_hash(token)
        feed.save(update_fields=["token_hash"])
    return feed, token


@transaction.atomic
def calendar_feed_rotate(*, user: User) -> tuple[CalendarFeed, str]:
    """A new address for the user's feed: the previous one answers 404 from now on."""
    User.objects.select_for_update().only("pk").get(pk=user.pk)
    feed = CalendarFeed.objects.filter(user=user).first() or CalendarFeed(user=user)
    return feed, _issue(feed)


@transaction.atomic
def calendar_feed_revoke(*, user: User) -> None:
    """No address any more: the feed answers 404 until a new one is issued."""
    CalendarFeed.objects.filter(user=user).delete()
