"""Reads of interop: what the calendar feeds show, and whose feed an address opens."""

import hmac

from django.db.models import QuerySet

from accounts.models import User
from activities import choices
from activities.models import Activity, Occurrence, Registration, Schedule
from interop import services
from interop.models import CalendarFeed


def calendar_feed_by_token(*, token: str) -> CalendarFeed | None:
    """The feed whose address carries `token`; None for a token that is malformed, unknown,
    rotated or revoked, or whose account is deactivated."""
    if len(token) != services.TOKEN_LENGTH or not token.isascii():
        return None
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=services.token_hash(token), user__is_active=True)
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


# The registrations a resident's calendar shows: a seat held, or offered and not yet confirmed.
CALENDAR_REGISTRATION_STATUSES = (
    choices.RegistrationStatus.GOING,
    choices.RegistrationStatus.OFFERED,
)


def calendar_registrations(*, user: User) -> QuerySet[Registration]:
    """The user's registrations for sessions that a calendar shows, soonest first (a
    registration for an ongoing activity without sessions has no time to show)."""
    return (
        Registration.objects.filter(
            user=user, status__in=CALENDAR_REGISTRATION_STATUSES, occurrence__isnull=False
        )
        .select_related(
            "occurrence",
            "occurrence__schedule",
            "activity",
            "activity__place",
            "activity__organization",
        )
        .order_by("occurrence__start", "id")
    )
