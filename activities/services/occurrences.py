"""Sessions: materialized from the schedules for a rolling window, and edited one by one."""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from activities import choices, recurrence, signals
from activities.models import Activity, Occurrence, Schedule
from activities.services.common import (
    UNCHANGED,
    Unchanged,
    assign,
    given,
    require_editor,
    require_not_archived,
    send_after_commit,
)
from activities.services.registrations import registration_fill_free_seats
from backend.errors import Conflict, ValidationFailed
from backend.text import require_plain_text
from backend.validation import full_clean, validation_failed


def schedule_sessions(
    schedule: Schedule, *, window_start: datetime.datetime, window_end: datetime.datetime
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """The schedule's (start, end) pairs in the window; raises `recurrence.RecurrenceError`."""
    return recurrence.expand(
        rrule=schedule.rrule or None,
        dtstart=schedule.valid_from,
        start_time=schedule.start_time,
        end_time=schedule.end_time,
        timezone=schedule.timezone,
        exdates=[datetime.date.fromisoformat(day) for day in schedule.exdates],
        dates=[datetime.date.fromisoformat(day) for day in schedule.dates],
        valid_to=schedule.valid_to,
        window_start=window_start,
        window_end=window_end,
    )


def new_sessions(
    activity: Activity,
    schedule: Schedule,
    *,
    window_start: datetime.datetime,
    window_end: datetime.datetime,
) -> list[Occurrence]:
    """The schedule's sessions in the window as unsaved rows, each following its series."""
    return [
        Occurrence(
            activity=activity,
            schedule=schedule,
            series_start=start,
            start=start,
            end=end,
            capacity=activity.capacity,
        )
        for start, end in schedule_sessions(
            schedule, window_start=window_start, window_end=window_end
        )
    ]


def occurrence_window(now: datetime.datetime | None = None) -> tuple[datetime.datetime, ...]:
    now = now or timezone.now()
    return now, now + datetime.timedelta(weeks=settings.OCCURRENCE_WINDOW_WEEKS)


@transaction.atomic
def occurrences_materialize(
    *, activity: Activity, now: datetime.datetime | None = None
) -> dict[str, int]:
    """Bring the activity's future sessions in line with its schedules for the rolling window.

    Idempotent. Slots are matched by (schedule, series start): new slots are created, moved
    ones updated, slots that left the series are deleted; a session edited on its own keeps
    its edits while its slot stays in the series. Past sessions are never touched.
    """
    window_start, window_end = occurrence_window(now)
    existing = {
        (o.schedule_id, o.series_start): o
        for o in activity.occurrences.filter(series_start__gte=window_start)
    }
    wanted: dict[tuple[int, datetime.datetime], Occurrence] = {
        (schedule.pk, occurrence.series_start.astimezone(datetime.UTC)): occurrence
        for schedule in activity.schedules.all()
        for occurrence in new_sessions(
            activity, schedule, window_start=window_start, window_end=window_end
        )
    }

    created, updated = [], []
    for key, new in wanted.items():
        occurrence = existing.pop(key, None)
        if occurrence is None:
            created.append(new)
        elif not occurrence.is_modified and (
            occurrence.end != new.end or occurrence.capacity != activity.capacity
        ):
            occurrence.end = new.end
            occurrence.capacity = activity.capacity
            updated.append(occurrence)
    Occurrence.objects.bulk_create(created)
    Occurrence.objects.bulk_update(updated, ["end", "capacity"])
    stale = [o.pk for o in existing.values()]
    Occurrence.objects.filter(pk__in=stale).delete()
    refresh_timing(activity, window_start=window_start)
    return {"created": len(created), "updated": len(updated), "deleted": len(stale)}


def refresh_timing(activity: Activity, *, window_start: datetime.datetime) -> None:
    """Recompute the weekly slots and the next start from the upcoming sessions.

    Written with a queryset update: timing follows the calendar, it is not an edit of the
    activity, so `updated_at` (what offline clients sync on) stays.
    """
    upcoming = activity.occurrences.filter(start__gte=window_start).exclude(
        status=choices.OccurrenceStatus.CANCELLED
    )
    mask, next_start = timing_of(upcoming.values_list("start", flat=True))
    Activity.objects.filter(pk=activity.pk).update(weekly_slots=mask, next_start=next_start)
    activity.weekly_slots, activity.next_start = mask, next_start


def timing_of(starts: Iterable[datetime.datetime]) -> tuple[int, datetime.datetime | None]:
    """The weekly slots (a bit per weekday and part of day, local time) and the first start
    of upcoming sessions."""
    mask, next_start = 0, None
    for start in starts:
        local = timezone.localtime(start)
        mask |= choices.slot_bit(local.weekday(), choices.part_of_day(local.hour))
        next_start = start if next_start is None else min(next_start, start)
    return mask, next_start


@transaction.atomic
def occurrence_update(
    *,
    occurrence: Occurrence,
    by: User,
    start: datetime.datetime | Unchanged = UNCHANGED,
    end: datetime.datetime | Unchanged = UNCHANGED,
    status: str | Unchanged = UNCHANGED,
    capacity: int | Unchanged | None = UNCHANGED,
    note: str | Unchanged = UNCHANGED,
) -> Occurrence:
    """Edit or cancel one session without touching its series.

    Only a real change marks the session as edited on its own (it then keeps its edits when
    the series changes): an empty or same-value edit leaves it following its series. A session
    is not moved into the past, nor onto the time of another session of the activity."""
    require_editor(occurrence.activity.organization, by)
    require_not_archived(occurrence.activity)
    now = timezone.now()
    if occurrence.end <= now:
        raise Conflict(_("A session that is over cannot be edited."))
    require_plain_text(multiline=("note",), note=note)
    changes = {
        name: value
        for name, value in given(
            start=start, end=end, status=status, capacity=capacity, note=note
        ).items()
        if value != getattr(occurrence, name)
    }
    if not changes:
        return occurrence
    # What residents are told is read against the session as it stood under the lock.
    assign(occurrence, {})
    previous_start, previous_status = occurrence.start, occurrence.status
    assign(occurrence, changes)
    if occurrence.end <= occurrence.start:
        raise validation_failed({"end": [_("The end must be after the start.")]})
    if "start" in changes or "end" in changes:
        _check_move(occurrence, now=now, started_again="start" in changes)
    occurrence.is_modified = True
    full_clean(occurrence)
    occurrence.save()
    if "capacity" in changes:
        # Seats a raised capacity frees go to the waitlist at once, in order.
        registration_fill_free_seats(activity=occurrence.activity, occurrence=occurrence, now=now)
    refresh_timing(occurrence.activity, window_start=timezone.now())
    if occurrence.activity.status == choices.ActivityStatus.PUBLISHED:
        send_after_commit(
            signals.occurrence_changed,
            occurrence=occurrence,
            previous_start=previous_start,
            previous_status=previous_status,
        )
    return occurrence


def _check_move(occurrence: Occurrence, *, now: datetime.datetime, started_again: bool) -> None:
    """A session given a new start starts in the future (a past one could never be edited
    back); a session given new times does not overlap another session of the activity that
    still takes place."""
    if started_again and occurrence.start < now:
        raise ValidationFailed(
            _("A session cannot be moved into the past."),
            code="session_in_past",
            fields={"start": [_("Choose a start in the future.")]},
        )
    # Two sessions moved at once onto one time: the second waits for the first, then sees it.
    Activity.objects.select_for_update().only("pk").get(pk=occurrence.activity_id)
    overlapping = (
        Occurrence.objects.filter(
            activity_id=occurrence.activity_id, start__lt=occurrence.end, end__gt=occurrence.start
        )
        .exclude(pk=occurrence.pk)
        .exclude(status=choices.OccurrenceStatus.CANCELLED)
    )
    if overlapping.exists():
        raise ValidationFailed(
            _("Another session of this activity already takes place at this time."),
            code="session_overlap",
            fields={"start": [_("Another session of this activity takes place at this time.")]},
        )


def occurrence_cancel(*, occurrence: Occurrence, by: User, note: str = "") -> Occurrence:
    return occurrence_update(
        occurrence=occurrence, by=by, status=choices.OccurrenceStatus.CANCELLED, note=note
    )


def occurrences_withdraw(*, activity: Activity, now: datetime.datetime) -> int:
    """Cancel the activity's future sessions as it leaves the directory. A session cancelled
    this way is not marked as edited on its own, so `occurrences_restore` can tell it apart."""
    return activity.occurrences.filter(start__gte=now).update(
        status=choices.OccurrenceStatus.CANCELLED, updated_at=now
    )


def occurrences_restore(*, activity: Activity, now: datetime.datetime) -> int:
    """Schedule again the future sessions `occurrences_withdraw` cancelled, as the activity
    comes back; sessions the provider cancelled one by one stay cancelled."""
    return activity.occurrences.filter(
        start__gte=now, status=choices.OccurrenceStatus.CANCELLED, is_modified=False
    ).update(status=choices.OccurrenceStatus.SCHEDULED, updated_at=now)
