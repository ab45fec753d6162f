"""Schedules: when an activity happens. Every change materializes the sessions again."""

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone as django_timezone
from django.utils.translation import gettext as _

from accounts.models import User
from activities import choices, recurrence, signals
from activities.models import Activity, Schedule
from activities.schedule_text import recurrence_error_message
from activities.services.common import (
    UNCHANGED,
    Unchanged,
    assign,
    given,
    require_editor,
    require_not_archived,
    send_after_commit,
)
from activities.services.occurrences import occurrences_materialize, schedule_sessions
from backend.validation import full_clean, validation_failed

Dates = Iterable[datetime.date | str]


@transaction.atomic
def schedule_create(
    *,
    activity: Activity,
    by: User,
    start_time: datetime.time,
    end_time: datetime.time,
    valid_from: datetime.date,
    rrule: str = "",
    dates: Dates = (),
    timezone: str = "Europe/Paris",
    valid_to: datetime.date | None = None,
    exdates: Dates = (),
) -> Schedule:
    """A recurrence (`rrule`, RFC 5545) or one-off `dates`, at local wall-clock times in
    `timezone`."""
    require_editor(activity.organization, by)
    require_not_archived(activity)
    schedule = Schedule(
        activity=activity,
        start_time=start_time,
        end_time=end_time,
        valid_from=valid_from,
        rrule=rrule,
        dates=dates,
        timezone=timezone,
        valid_to=valid_to,
        exdates=exdates,
    )
    return _save_schedule(schedule)


@transaction.atomic
def schedule_update(
    *,
    schedule: Schedule,
    by: User,
    start_time: datetime.time | Unchanged = UNCHANGED,
    end_time: datetime.time | Unchanged = UNCHANGED,
    valid_from: datetime.date | Unchanged = UNCHANGED,
    rrule: str | Unchanged = UNCHANGED,
    dates: Dates | Unchanged = UNCHANGED,
    timezone: str | Unchanged = UNCHANGED,
    valid_to: datetime.date | Unchanged | None = UNCHANGED,
    exdates: Dates | Unchanged = UNCHANGED,
) -> Schedule:
    require_editor(schedule.activity.organization, by)
    require_not_archived(schedule.activity)
    assign(
        schedule,
        given(
            start_time=start_time,
            end_time=end_time,
            valid_from=valid_from,
            rrule=rrule,
            dates=dates,
            timezone=timezone,
            valid_to=valid_to,
            exdates=exdates,
        ),
    )
    return _save_schedule(schedule)


@transaction.atomic
def schedule_delete(*, schedule: Schedule, by: User) -> None:
    """Delete the schedule and its future sessions. The activity's timing (next start, weekly
    slots) follows, so an activity left without upcoming sessions leaves the search, and the
    listeners (the matcher) hear of it."""
    activity = schedule.activity
    require_editor(activity.organization, by)
    require_not_archived(activity)
    schedule.occurrences.filter(start__gte=django_timezone.now()).delete()
    schedule.delete()
    occurrences_materialize(activity=activity)
    if activity.status == choices.ActivityStatus.PUBLISHED:
        send_after_commit(signals.activity_changed, activity=activity)


def _as_dates(values: Dates, *, field: str) -> list[str]:
    # The API gives dates; the admin's JSON field may hold anything.
    try:
        return sorted(
            {
                datetime.date.fromisoformat(v).isoformat() if isinstance(v, str) else v.isoformat()
                for v in values
            }
        )
    except (AttributeError, TypeError, ValueError) as error:
        raise validation_failed({field: [_("Give a list of dates as YYYY-MM-DD.")]}) from error


def schedule_validate(*, schedule: Schedule, database: bool = True) -> None:
    """Normalize the schedule (dates sorted, the rule in its canonical form) and raise
    `ValidationFailed` for what the services refuse in it, on the field at fault, without
    saving it: for a form that edits schedules outside these services (the Django admin)."""
    schedule.dates = _as_dates(schedule.dates or [], field="dates")
    schedule.exdates = _as_dates(schedule.exdates or [], field="exdates")
    full_clean(schedule, exclude=["activity"], database=database)
    _check_recurrence(schedule)


def _save_schedule(schedule: Schedule) -> Schedule:
    schedule_validate(schedule=schedule)
    schedule.save()
    activity = schedule.activity
    occurrences_materialize(activity=activity)
    if activity.status == choices.ActivityStatus.PUBLISHED:
        send_after_commit(signals.activity_changed, activity=activity)
    return schedule


def _check_recurrence(schedule: Schedule) -> None:
    """Normalize the rule and refuse what `recurrence` refuses, on the field at fault."""
    try:
        recurrence.validate_timezone(schedule.timezone)
        recurrence.validate_start(schedule.valid_from, today=django_timezone.localdate())
        if schedule.rrule:
            schedule.rrule = recurrence.normalize_rrule(
                schedule.rrule, dtstart=schedule.valid_from, timezone=schedule.timezone
            )
        # Expanding over an empty window runs every input check (dates, exdates, end time).
        now = django_timezone.now()
        schedule_sessions(schedule, window_start=now, window_end=now)
    except recurrence.RecurrenceError as error:
        raise validation_failed({error.field: [recurrence_error_message(error)]}) from error
    if schedule.valid_to is not None and not _sessions_within_validity(schedule):
        field = "rrule" if schedule.rrule else "dates"
        raise validation_failed(
            {field: [_("This schedule has no session between its start and its end of validity.")]}
        )


def _sessions_within_validity(schedule: Schedule) -> bool:
    """Whether a schedule with an end of validity has any session at all (a rule such as
    the 30th of the month, valid for February only, has none). At most five years of days."""
    margin = datetime.timedelta(days=2)  # wider than any UTC offset
    start = datetime.datetime.combine(schedule.valid_from - margin, datetime.time(), datetime.UTC)
    end = datetime.datetime.combine(schedule.valid_to + margin, datetime.time(), datetime.UTC)
    return bool(schedule_sessions(schedule, window_start=start, window_end=end))
