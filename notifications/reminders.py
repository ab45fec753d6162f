"""Reminders of a going registration, the day before and two hours before, each once.

The periodic task makes them: every reminder that is due becomes a notification whose
dedupe_key (`reminder:<when>:<registration id>`) is unique per resident, so two runs at the
same moment make it once (the second insert is ignored), and a run that died is simply done
again by the next. Sending then goes through `notifications.delivery` like any notification,
claimed per channel. A reminder falling in the resident's quiet hours waits for their end, and
is not sent at all if the session starts before then (the inbox still has it).
"""

import datetime
import functools
import json
from collections.abc import Callable, Iterator

from django.db import connection
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
INSERT_BATCH = 1000
# A notification due this long ago that is still pending lost its task: queued again.
LOST_AFTER = datetime.timedelta(minutes=5)
PREFS = "user__notification_preferences__"


def reminder_key(kind: str, registration_id: int) -> str:
    return f"{KEY_PREFIX[kind]}{registration_id}"


def reminders_plan(
    *,
    now: datetime.datetime | None = None,
    made: Callable[[list[int]], None] = lambda ids: None,
) -> int:
    """Make the notifications of the reminders due now, handing the ids of each chunk made to
    `made` (to be queued for delivery) as it goes; the number made here. A reminder a
    concurrent run made first is not made again (its insert does nothing)."""
    now = now or timezone.now()
    _rendered.cache_clear()  # "tomorrow" depends on the day
    total = 0
    for kind in WINDOWS:
        batch: list[Notification] = []
        for row in _due(kind, now).iterator(chunk_size=INSERT_BATCH):
            batch.append(_reminder(kind, row, now))
            if len(batch) >= INSERT_BATCH:
                total += _insert(batch, made)
                batch = []
        total += _insert(batch, made)
    return total


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
    title, body = _rendered(
        kind, row["user__preferred_language"], row["activity__title"], start, preferences.timezone
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


@functools.lru_cache(maxsize=4096)
def _rendered(
    kind: str, language: str, title: str, start: datetime.datetime, zone: str
) -> tuple[str, str]:
    """A reminder's text: the same for everyone going to one session in one language, so
    rendered once per run rather than once per resident."""
    with messages.rendered_in(language):
        return messages.reminder(kind=kind, title=title, start=start, zone=zone)


def _insert(batch: list[Notification], made: Callable[[list[int]], None]) -> int:
    """Insert the notifications, skipping those whose key exists (one statement, which
    commits at once); hand the ids of those inserted and still to deliver to `made`."""
    if not batch:
        return 0
    table = connection.ops.quote_name(Notification._meta.db_table)
    columns = (
        "user_id, kind, title, body, data, dedupe_key, created_at, deliver_after, delivery_state"
    )
    adapt = connection.ops.adapt_datetimefield_value
    rows, params = [], []
    for item in batch:
        rows.append("(%s, %s, %s, %s, %s, %s, %s, %s, %s)")
        params += [
            item.user_id,
            item.kind,
            item.title,
            item.body,
            json.dumps(item.data),
            item.dedupe_key,
            adapt(item.created_at),
            adapt(item.deliver_after),
            item.delivery_state,
        ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES {', '.join(rows)} "
            "ON CONFLICT DO NOTHING RETURNING id, user_id, dedupe_key",
            params,
        )
        inserted = cursor.fetchall()
    # Those deferred past quiet hours are queued by a later run, once their time has come.
    by_key = {(item.user_id, item.dedupe_key): item for item in batch}
    due = []
    for pk, user_id, key in inserted:
        item = by_key[(user_id, key)]
        if item.delivery_state == DeliveryState.PENDING and item.deliver_after <= item.created_at:
            due.append(pk)
    if due:
        made(due)
    return len(inserted)


def due_batches(*, size: int, now: datetime.datetime) -> Iterator[list[int]]:
    """The pending notifications to queue now, in batches of ids: those deferred past quiet
    hours whose time has come, and those whose task was lost. The others were queued when
    they were made (on commit by `notify`, at once by `reminders_plan`), and are left alone
    for LOST_AFTER, so that they are not queued twice while their task runs."""
    due = Notification.objects.filter(
        delivery_state=DeliveryState.PENDING, deliver_after__lte=now
    ).filter(Q(deliver_after__gt=F("created_at")) | Q(created_at__lte=now - LOST_AFTER))
    batch: list[int] = []
    for pk in due.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=5000):
        batch.append(pk)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
