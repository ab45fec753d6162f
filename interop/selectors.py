"""Reads of interop: what the calendar feeds show, and whose feed an address opens."""

import hmac

from django.db.models import QuerySet

from activities.models import Activity, Occurrence, Schedule
from interop import services
from interop.models import CalendarFeed


def calendar_feed_by_token(*, token: str) -> CalendarFeed | None:
    """The feed whose address carries `token`; None for a token that is malformed, unknown,
    rotated or revoked."""
    if len(token) != services.TOKEN_LENGTH or not token.isascii():
        return None
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=services.token_hash(token))
        .first()
    )
    # The hash found the row; the comparison of the tokens themselves takes constant time.
    if feed is None or not hmac.compare_digest(services.calendar_feed_token(feed), token):
        return None
    return feed


def calendar_schedules(*, activity: Activity) -> QuerySet[Schedule]:
    return activity.schedules.order_by("valid_from", "start_time", "id")


def calendar_occurrences(*, activity: Activity) -> QuerySet[Occurrence]:
    """Every materialized session of the activity, past and upcoming."""
    return activity.occurrences.select_related("schedule").order_by("start", "id")
