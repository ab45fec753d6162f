"""iCalendar (RFC 5545) documents built from plain data: an activity's series, a resident's
sessions.

Pure on purpose (no Django): `interop.calendars` reads the directory and hands this module
values, so the format is tested on its own and the same code will serve the exports.

An activity's schedule becomes one VEVENT that carries the rule: DTSTART is the series' first
session in local time with its TZID, the stored RRULE (already RFC 5545) follows, one-off days
are RDATEs and skipped days EXDATEs. A session edited or cancelled on its own is an override
of that VEVENT (same UID, RECURRENCE-ID = its slot in the series). Times stay local wall-clock
times in the schedule's zone, described by a VTIMEZONE, so a client expands "Tuesdays 14:00"
to 14:00 on both sides of a clock change, as `activities.recurrence` does.

Three rewrites keep the expansion equal to `activities.recurrence.expand`:
- RFC 5545 wants UNTIL in UTC when DTSTART has a TZID; a stored UNTIL date (and the schedule's
  `valid_to`, which the rule itself does not carry) becomes the end of that local day in UTC.
- COUNT and UNTIL cannot stand together; when a counted rule also has a `valid_to`, the rule
  ends at the earlier of its last counted session and that day, spelled as UNTIL.
- A session starting in the hour a spring-forward skips is spelled out as an override with
  its real times (`_skipped_hour_sessions`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import icalendar

from activities import recurrence

__all__ = [
    "PRODID",
    "Details",
    "Series",
    "Session",
    "activity_calendar",
    "sessions_calendar",
]

PRODID = "-//Relier//Relier API//FR"
# The VTIMEZONE describes the zone's transitions over the years the document spans, from its
# first session on; a series without end reaches at least this far (icalendar's own default).
_TIMEZONE_HORIZON = datetime.date(2038, 1, 1)
# Whatever the rule, a schedule's sessions lie within its first MAX_SPAN_DAYS (recurrence).
_SPAN = datetime.timedelta(days=recurrence.MAX_SPAN_DAYS + 2)


@dataclass(frozen=True)
class Details:
    """What a calendar shows of an event, beyond its times."""

    summary: str
    description: str = ""
    url: str = ""
    location: str = ""
    geo: tuple[float, float] | None = None


@dataclass(frozen=True)
class Session:
    """One session with its own times (aware datetimes).

    `series_start` is its slot in its series (the start the rule gives it) when it overrides
    one; None for a session that stands alone. `status` is an RFC 5545 event status:
    CONFIRMED, TENTATIVE or CANCELLED.
    """

    uid: str
    start: datetime.datetime
    end: datetime.datetime
    timezone: str
    details: Details
    status: str | None = "CONFIRMED"
    series_start: datetime.datetime | None = None


@dataclass(frozen=True)
class Series:
    """A schedule as `activities.models.Schedule` stores it, with the sessions that differ
    from what it gives (edited or cancelled on their own) as `overrides`."""

    uid: str
    details: Details
    start_time: datetime.time
    end_time: datetime.time
    timezone: str
    valid_from: datetime.date
    valid_to: datetime.date | None = None
    rrule: str = ""
    dates: tuple[datetime.date, ...] = ()
    exdates: tuple[datetime.date, ...] = ()
    overrides: tuple[Session, ...] = field(default=())


def activity_calendar(
    *,
    name: str,
    series: Sequence[Series],
    sessions: Sequence[Session] = (),
    stamp: datetime.datetime,
) -> bytes:
    """An activity's calendar: one recurring VEVENT per series with its overrides, and the
    `sessions` that belong to no series as events of their own. `stamp` (aware) is the
    DTSTAMP of every event: when the data last changed, so the same data gives the same
    bytes."""
    calendar = _calendar(name)
    first_days: list[datetime.date] = []
    last_days: list[datetime.date] = []
    for one in series:
        events = _series_events(one, stamp=stamp)
        if not events:
            continue
        for event in events:
            calendar.add_component(event)
        first_days.append(events[0].DTSTART.date())
        last_days.append(_last_day(one))
    for session in sessions:
        calendar.add_component(_session_event(session, stamp=stamp))
        first_days.append(session.start.date())
        last_days.append(session.end.date())
    return _finish(calendar, first_days, last_days)


def sessions_calendar(
    *,
    name: str,
    sessions: Sequence[Session],
    stamp: datetime.datetime,
    refresh: datetime.timedelta | None = None,
) -> bytes:
    """A calendar of single sessions (a resident's registrations), each its own event.
    `refresh`: how often a subscribed client should fetch it again."""
    calendar = _calendar(name)
    if refresh is not None:
        calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", refresh)
    for session in sessions:
        calendar.add_component(_session_event(session, stamp=stamp))
    return _finish(
        calendar,
        [session.start.date() for session in sessions],
        [session.end.date() for session in sessions],
    )


# ---------------------------------------------------------------------------------------------


def _calendar(name: str) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    return calendar


def _finish(
    calendar: icalendar.Calendar,
    first_days: Iterable[datetime.date],
    last_days: Iterable[datetime.date],
) -> bytes:
    first_days, last_days = list(first_days), list(last_days)
    if first_days:
        # One VTIMEZONE per TZID the events use, generated from the tz database.
        calendar.add_missing_timezones(
            first_date=min(first_days) - datetime.timedelta(days=1),
            last_date=max(_TIMEZONE_HORIZON, max(last_days) + datetime.timedelta(days=1)),
        )
    return calendar.to_ical()


def _last_day(series: Series) -> datetime.date:
    """The last day the series may have a session on (its whole span when unbounded)."""
    return series.valid_to or series.valid_from + _SPAN


def _add_details(event: icalendar.Event, details: Details) -> None:
    event.add("summary", details.summary)
    if details.description:
        event.add("description", details.description)
    if details.location:
        event.add("location", details.location)
    if details.geo is not None:
        event.add("geo", details.geo)
    if details.url:
        event.add("url", details.url)


def _session_event(
    session: Session,
    *,
    stamp: datetime.datetime,
    recurrence_id: datetime.datetime | None = None,
) -> icalendar.Event:
    zone = ZoneInfo(session.timezone)
    event = icalendar.Event()
    event.add("uid", session.uid)
    event.add("dtstamp", stamp.astimezone(datetime.UTC))
    if recurrence_id is not None:
        event.add("recurrence-id", recurrence_id)
    event.add("dtstart", session.start.astimezone(zone))
    event.add("dtend", session.end.astimezone(zone))
    if session.status is not None:
        event.add("status", session.status)
    _add_details(event, session.details)
    return event


def _wall_clock(day: datetime.date, time: datetime.time, zone: ZoneInfo) -> datetime.datetime:
    """A local date-time as the document writes it (with TZID): the wall-clock reading."""
    return datetime.datetime.combine(day, time.replace(microsecond=0), tzinfo=zone)


def _series_events(series: Series, *, stamp: datetime.datetime) -> list[icalendar.Event]:
    """The master VEVENT of the series (first) and its overrides; none when the series has
    no session at all."""
    zone = ZoneInfo(series.timezone)
    rule_days = _rule_days(series)
    one_off = sorted(set(series.dates))
    if series.valid_to is not None:
        one_off = [day for day in one_off if day <= series.valid_to]
    if not rule_days and not one_off:
        return []
    # DTSTART is the series' first session: a counted rule counts from it, and with a rule
    # it is the rule's first (one-off days before it are RDATEs like the others).
    first_day = rule_days[0] if rule_days else one_off[0]
    master = icalendar.Event()
    master.add("uid", series.uid)
    master.add("dtstamp", stamp.astimezone(datetime.UTC))
    master.add("dtstart", _wall_clock(first_day, series.start_time, zone))
    master.add("dtend", _wall_clock(first_day, series.end_time, zone))
    if rule_days:
        master.add("rrule", _export_rule(series, zone=zone, counted_last=rule_days[-1]))
    extra = [day for day in one_off if day != first_day]
    if extra:
        master.add("rdate", [_wall_clock(day, series.start_time, zone) for day in extra])
    if series.exdates:
        master.add(
            "exdate",
            [_wall_clock(day, series.start_time, zone) for day in sorted(set(series.exdates))],
        )
    _add_details(master, series.details)
    overrides = [*series.overrides, *_skipped_hour_sessions(series, zone=zone)]
    return [
        master,
        *(
            # The slot as the client reads the rule: its day at the series' wall-clock time.
            _session_event(
                session,
                stamp=stamp,
                recurrence_id=_wall_clock(
                    session.series_start.astimezone(zone).date(), series.start_time, zone
                ),
            )
            for session in overrides
            if session.series_start is not None
        ),
    ]


def _skipped_hour_sessions(series: Series, *, zone: ZoneInfo) -> list[Session]:
    """The series' sessions that start in the hour a spring-forward skips, spelled out.

    Relier moves such a start past the gap and keeps the planned length when the end would
    come before it (`activities.recurrence`); a client reading 02:30 on that night computes
    the end from the wall-clock length and may end the session before it starts. An override
    states the real times. At most one night a year; none for most start times.
    """
    overridden = {
        session.series_start.astimezone(datetime.UTC)
        for session in series.overrides
        if session.series_start is not None
    }
    found = []
    for day in _skipped_days(series, zone=zone):
        midnight = datetime.datetime.combine(day, datetime.time(), zone)
        for start, end in recurrence.expand(
            rrule=series.rrule or None,
            dtstart=series.valid_from,
            start_time=series.start_time,
            end_time=series.end_time,
            timezone=series.timezone,
            exdates=series.exdates,
            dates=series.dates,
            valid_to=series.valid_to,
            window_start=midnight,
            window_end=midnight + datetime.timedelta(days=1),
        ):
            if start.astimezone(datetime.UTC) not in overridden:
                found.append(
                    Session(
                        uid=series.uid,
                        start=start,
                        end=end,
                        timezone=series.timezone,
                        details=series.details,
                        status=None,
                        series_start=start,
                    )
                )
    return found


def _skipped_days(series: Series, *, zone: ZoneInfo) -> list[datetime.date]:
    """The days of the series' span on which its start time does not exist (a gap).

    Offsets are compared month by month, then day by day within a month whose offset
    changed: a few dozen look-ups for five years rather than one per day. A month is compared
    from noon on the day before it to noon on the first of the next, and its days are looked
    at through that first: a change early on the first of a month (Sydney's spring-forward on
    Sunday 1 October 2028, at 02:00) lies before that day's noon, so it belongs to the month
    before, whose days must include that first."""
    days: set[datetime.date] = set()
    one_day = datetime.timedelta(days=1)
    last = _last_day(series)
    month = series.valid_from.replace(day=1)
    while month <= last:
        following = (month + datetime.timedelta(days=32)).replace(day=1)
        if _noon_offset(month - one_day, zone) != _noon_offset(following, zone):
            day = month - one_day
            while day <= following:
                wall = _wall_clock(day, series.start_time, zone)
                real = wall.astimezone(datetime.UTC).astimezone(zone)
                in_span = series.valid_from <= day <= last
                if in_span and real.replace(tzinfo=None) != wall.replace(tzinfo=None):
                    days.add(day)
                day += one_day
        month = following
    return sorted(days)


def _noon_offset(day: datetime.date, zone: ZoneInfo) -> datetime.timedelta | None:
    return datetime.datetime.combine(day, datetime.time(12), zone).utcoffset()


def _rule_days(series: Series) -> list[datetime.date]:
    """The first day the rule gives (and, for a counted rule, its last), before skipped days
    are taken out: [] without a rule or when the rule gives nothing within validity."""
    if not series.rrule:
        return []
    counted = "COUNT=" in series.rrule.upper()
    start = datetime.datetime.combine(series.valid_from, datetime.time(), datetime.UTC)
    # Most rules give their first session within a few weeks: look there before looking
    # over the whole span (a counted rule is walked whole: its last session is needed).
    windows = [_SPAN] if counted else [datetime.timedelta(days=70), _SPAN]
    for length in windows:
        sessions = recurrence.expand(
            rrule=series.rrule,
            dtstart=series.valid_from,
            start_time=series.start_time,
            end_time=series.end_time,
            timezone=series.timezone,
            valid_to=series.valid_to,
            window_start=start - datetime.timedelta(days=2),
            window_end=start + length,
        )
        if sessions:
            days = [session_start.date() for session_start, _end in sessions]
            return [days[0], days[-1]] if counted else [days[0]]
    return []


def _export_rule(
    series: Series, *, zone: ZoneInfo, counted_last: datetime.date
) -> icalendar.vRecur:
    rule = icalendar.vRecur.from_ical(series.rrule)
    ends: list[datetime.datetime] = []
    until = rule.pop("UNTIL", None)
    if until:
        until = until[0]
        if isinstance(until, datetime.datetime):
            ends.append(until.astimezone(datetime.UTC))
        else:
            ends.append(_end_of_day(until, zone))
    if series.valid_to is not None:
        ends.append(_end_of_day(series.valid_to, zone))
        if rule.pop("COUNT", None):
            # The rule's last counted session within validity (recurrence.expand cut it there).
            ends.append(_end_of_day(counted_last, zone))
    if ends:
        rule["UNTIL"] = [min(ends)]
    return rule


def _end_of_day(day: datetime.date, zone: ZoneInfo) -> datetime.datetime:
    """The last second of a local day, in UTC: an UNTIL that keeps every session of that day."""
    return datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=zone).astimezone(
        datetime.UTC
    )
