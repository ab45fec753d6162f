"""Reminders of a going registration, the day before and two hours before, each once.

The periodic task makes them: every reminder that is due becomes a notification whose
dedupe_key (`reminder:<when>:<registration id>`) is unique per resident, so two runs at the
same moment make it once (the second insert is ignored), and a run that died is simply done
again by the next. Sending then goes through `notifications.delivery` like any notification,
claimed per channel. A reminder falling in the resident's quiet hours waits for their end, and
is not sent at all if the session starts before then (the inbox still has it).
"""

import datetime
from collections.abc import Iterator

from django.db.models import CharField, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from activities.choices import OccurrenceStatus, RegistrationStatus
from activities.models import Registration
from notifications import messages
from notifications.choices import DeliveryState, Kind
from notifications.models import (
    DEFAULT_QUIET_END,
    DEFAULT_QUIET_START,
    DEFAULT_TIMEZONE,
    Notification,
    NotificationPreferences,
)
from notifications.timing import deliver_after_for

# kind -> (session starts after now + this, and at the latest now + this, preference field).
# The day-before reminder is made from 24 h before the session until 6 h before it (a beat
# run that was down catches up, but a "tomorrow" reminder an hour before would be noise).
WINDOWS = {
    Kind.REMINDER_DAY_BEFORE: (
        datetime.timedelta(hours=6),
        datetime.timedelta(hours=24),
        "remind_day_before",
    ),
    Kind.REMINDER_TWO_HOURS: (
        datetime.timedelta(0),
        datetime.timedelta(hours=2),
        "remind_two_hours",
    ),
}
KEY_PREFIX = {
    Kind.REMINDER_DAY_BEFORE: "reminder:day_before:",
    Kind.REMINDER_TWO_HOURS: "reminder:two_hours:",
}
INSERT_BATCH = 2000
# A notification due this long ago that is still pending lost its task: queued again.
LOST_AFTER = datetime.timedelta(minutes=5)
PREFS = "user__notification_preferences__"


def reminder_key(kind: str, registration_id: int) -> str:
    return f"{KEY_PREFIX[kind]}{registration_id}"


def reminders_plan(*, now: datetime.datetime | None = None) -> int:
    """Make the notifications of the reminders due now; the number of reminders found due
    (some may have been made by a concurrent run: those inserts are ignored)."""
    now = now or timezone.now()
    found = 0
    for kind in WINDOWS:
        batch: list[Notification] = []
        for row in _due(kind, now).iterator(chunk_size=INSERT_BATCH):
            batch.append(_reminder(kind, row, now))
            if len(batch) >= INSERT_BATCH:
                found += _insert(batch)
                batch = []
        found += _insert(batch)
    return found


def _due(kind: str, now: datetime.datetime):
    earliest, latest, wanted = WINDOWS[kind]
    made = Notification.objects.filter(user_id=OuterRef("user_id"), dedupe_key=OuterRef("key"))
    return (
        Registration.objects.filter(
            status=RegistrationStatus.GOING,
            occurrence__isnull=False,
            occurrence__start__gt=now + earliest,
            occurrence__start__lte=now + latest,
        )
        .exclude(occurrence__status=OccurrenceStatus.CANCELLED)
        .filter(Q(**{f"{PREFS}isnull": True}) | Q(**{f"{PREFS}{wanted}": True}))
        .annotate(key=Concat(Value(KEY_PREFIX[kind]), Cast("pk", CharField())))
        .exclude(Exists(made))
        .values(
            "pk",
            "user_id",
            "occurrence_id",
            "activity_id",
            "occurrence__start",
            "activity__title",
            "user__preferred_language",
            f"{PREFS}id",
            f"{PREFS}channels",
            f"{PREFS}quiet_hours",
            f"{PREFS}quiet_start",
            f"{PREFS}quiet_end",
            f"{PREFS}timezone",
        )
        .order_by("pk")
    )


def _reminder(kind: str, row: dict, now: datetime.datetime) -> Notification:
    has_preferences = row[f"{PREFS}id"] is not None
    preferences = NotificationPreferences(
        user_id=row["user_id"],
        quiet_hours=row[f"{PREFS}quiet_hours"] if has_preferences else True,
        quiet_start=row[f"{PREFS}quiet_start"] if has_preferences else DEFAULT_QUIET_START,
        quiet_end=row[f"{PREFS}quiet_end"] if has_preferences else DEFAULT_QUIET_END,
        timezone=row[f"{PREFS}timezone"] if has_preferences else DEFAULT_TIMEZONE,
    )
    channels = row[f"{PREFS}channels"] if has_preferences else ["push", "email"]
    start = row["occurrence__start"]
    with messages.rendered_in(row["user__preferred_language"]):
        title, body = messages.reminder(
            kind=kind, title=row["activity__title"], start=start, zone=preferences.timezone
        )
    deliver_after = deliver_after_for(preferences, now)
    late = deliver_after >= start  # quiet until the session starts: inbox only
    return Notification(
        user_id=row["user_id"],
        kind=kind,
        title=title[:200],
        body=body,
        data={
            "registration": row["pk"],
            "occurrence": row["occurrence_id"],
            "activity": row["activity_id"],
            "start": start.isoformat(),
        },
        dedupe_key=reminder_key(kind, row["pk"]),
        created_at=now,
        deliver_after=deliver_after,
        delivery_state=(DeliveryState.DONE if late or not channels else DeliveryState.PENDING),
    )


def _insert(batch: list[Notification]) -> int:
    if batch:
        Notification.objects.bulk_create(batch, ignore_conflicts=True)
    return len(batch)


def due_batches(*, size: int, now: datetime.datetime) -> Iterator[list[int]]:
    """The pending notifications to queue now, in batches of ids: the reminders made at `now`
    by `reminders_plan(now=now)`, those deferred past quiet hours whose time has come, and
    those whose task was lost. A notification made by `notify` is queued on commit and left
    alone here for LOST_AFTER, so that it is not queued twice while its task runs."""
    due = Notification.objects.filter(
        delivery_state=DeliveryState.PENDING, deliver_after__lte=now
    ).filter(
        Q(created_at=now, kind__in=list(WINDOWS))
        | Q(deliver_after__gt=F("created_at"))
        | Q(created_at__lte=now - LOST_AFTER)
    )
    batch: list[int] = []
    for pk in due.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=5000):
        batch.append(pk)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
