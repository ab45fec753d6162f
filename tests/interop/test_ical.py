"""interop.ical on its own: what a calendar app expands from the documents is what
`activities.recurrence.expand` gives for the same schedule (the sessions Relier lists)."""

import datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from activities import recurrence
from interop import ical
from tests.activities.test_recurrence import ANY_RULE_PARTS, cases

PARIS = ZoneInfo("Europe/Paris")
UTC = datetime.UTC
STAMP = datetime.datetime(2026, 9, 1, 8, 30, tzinfo=UTC)
PROPERTY = settings(max_examples=150, deadline=None)
DETAILS = ical.Details(summary="Tricot", description="Un atelier.", url="https://x.test/a/1/")


def series(**fields) -> ical.Series:
    values = {
        "uid": "schedule-1@relier.test",
        "details": DETAILS,
        "start_time": datetime.time(14),
        "end_time": datetime.time(16),
        "timezone": "Europe/Paris",
        "valid_from": datetime.date(2026, 10, 1),
    } | fields
    return ical.Series(**values)


def expanded(document: bytes, start: datetime.datetime, end: datetime.datetime) -> list:
    calendar = icalendar.Calendar.from_ical(document)
    return sorted(
        recurring_ical_events.of(calendar).between(start, end),
        key=lambda event: event.DTSTART,
    )


def instants(pairs) -> list[tuple]:
    return [(start.astimezone(UTC), end.astimezone(UTC)) for start, end in pairs]


def relier_sessions(one: ical.Series, start, end) -> list[tuple]:
    return recurrence.expand(
        rrule=one.rrule or None,
        dtstart=one.valid_from,
        start_time=one.start_time,
        end_time=one.end_time,
        timezone=one.timezone,
        exdates=one.exdates,
        dates=one.dates,
        valid_to=one.valid_to,
        window_start=start,
        window_end=end,
    )


def test_a_weekly_tuesday_stays_at_14_paris_time_across_both_clock_changes():
    weekly = series(rrule="FREQ=WEEKLY;BYDAY=TU", valid_from=datetime.date(2026, 10, 1))
    document = ical.activity_calendar(name="Tricot", series=[weekly], stamp=STAMP)
    window = (
        datetime.datetime(2026, 10, 1, tzinfo=PARIS),
        datetime.datetime(2027, 4, 15, tzinfo=PARIS),
    )
    events = expanded(document, *window)
    starts = [event.DTSTART for event in events]
    assert len(starts) == 28  # every Tuesday from 6 October 2026 to 13 April 2027
    assert all(s.astimezone(PARIS).time() == datetime.time(14) for s in starts)
    offsets = {s.astimezone(PARIS).date(): s.astimezone(PARIS).utcoffset() for s in starts}
    # Summer time before 25 October and after 28 March, winter time between.
    assert offsets[datetime.date(2026, 10, 20)] == datetime.timedelta(hours=2)
    assert offsets[datetime.date(2026, 10, 27)] == datetime.timedelta(hours=1)
    assert offsets[datetime.date(2027, 3, 23)] == datetime.timedelta(hours=1)
    assert offsets[datetime.date(2027, 3, 30)] == datetime.timedelta(hours=2)
    assert [(e.DTSTART, e.DTEND) for e in events] == relier_sessions(weekly, *window)


def test_the_document_names_its_zone_and_carries_the_rule_as_stored():
    weekly = series(rrule="FREQ=WEEKLY;BYDAY=TU", exdates=(datetime.date(2026, 10, 13),))
    calendar = icalendar.Calendar.from_ical(
        ical.activity_calendar(name="Tricot", series=[weekly], stamp=STAMP)
    )
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    (event,) = calendar.walk("VEVENT")
    assert event["UID"] == "schedule-1@relier.test"
    first_start = event.DTSTART
    assert first_start == datetime.datetime(2026, 10, 6, 14, tzinfo=PARIS)
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert event["RRULE"].to_ical() == b"FREQ=WEEKLY;BYDAY=TU"
    assert event["EXDATE"].dts[0].dt == datetime.datetime(2026, 10, 13, 14, tzinfo=PARIS)
    stamp = event.DTSTAMP
    assert stamp == STAMP
    assert (event["SUMMARY"], event["URL"]) == ("Tricot", "https://x.test/a/1/")


# Rules whose translation needs care: a first day that is not a session, INTERVAL periods,
# ordinals, months without the day, COUNT, UNTIL as a date or a UTC time, the schedule's end
# of validity (not part of the rule) with and without COUNT, one-off days before the rule's
# first session and skipped days, and a start inside the spring-forward gap.
CASES = [
    {"rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", "valid_from": datetime.date(2026, 10, 7)},
    {"rrule": "FREQ=WEEKLY;INTERVAL=3", "valid_from": datetime.date(2026, 10, 8)},
    {"rrule": "FREQ=MONTHLY;BYDAY=2TU,-1FR"},
    {"rrule": "FREQ=MONTHLY;BYMONTHDAY=31", "valid_from": datetime.date(2026, 10, 2)},
    {"rrule": "FREQ=MONTHLY;INTERVAL=2"},
    {"rrule": "FREQ=DAILY;INTERVAL=5;COUNT=30"},
    {"rrule": "FREQ=WEEKLY;BYDAY=SA;UNTIL=20270320"},
    {"rrule": "FREQ=WEEKLY;BYDAY=SA;UNTIL=20270320T120000Z", "start_time": datetime.time(13)},
    {"rrule": "FREQ=WEEKLY;BYDAY=WE", "valid_to": datetime.date(2027, 2, 3)},
    {"rrule": "FREQ=WEEKLY;BYDAY=WE;COUNT=40", "valid_to": datetime.date(2027, 1, 13)},
    {"rrule": "FREQ=WEEKLY;BYDAY=WE;COUNT=6", "valid_to": datetime.date(2027, 6, 1)},
    {
        "rrule": "FREQ=WEEKLY;BYDAY=FR",
        "valid_from": datetime.date(2026, 10, 5),
        "dates": (datetime.date(2026, 10, 6), datetime.date(2026, 12, 26)),
        "exdates": (datetime.date(2026, 10, 9), datetime.date(2026, 12, 25)),
    },
    {"dates": (datetime.date(2026, 11, 3), datetime.date(2027, 3, 28), datetime.date(2027, 4, 1))},
    {
        "rrule": "FREQ=DAILY",
        "valid_from": datetime.date(2027, 3, 26),
        "start_time": datetime.time(2, 30),
        "end_time": datetime.time(4),
    },
    {
        # Shorter than the skipped hour: on that night the end would come before the start.
        "rrule": "FREQ=WEEKLY;BYDAY=SU",
        "valid_from": datetime.date(2027, 3, 1),
        "start_time": datetime.time(2, 30),
        "end_time": datetime.time(3, 15),
    },
    {"rrule": "FREQ=WEEKLY;BYDAY=TU", "timezone": "America/New_York"},
]


@pytest.mark.parametrize("fields", CASES, ids=lambda f: f.get("rrule") or "one-off dates")
def test_a_client_expands_what_relier_expands(fields):
    one = series(**fields)
    document = ical.activity_calendar(name="Club", series=[one], stamp=STAMP)
    start = datetime.datetime(2026, 9, 1, tzinfo=UTC)
    end = datetime.datetime(2028, 1, 1, tzinfo=UTC)
    events = expanded(document, start, end)
    wanted = relier_sessions(one, start, end)
    assert wanted, "a case with no session proves nothing"
    # Compared as instants: a start in the spring-forward gap reads 02:30 in one and 03:30
    # in the other, the same moment.
    assert instants((e.DTSTART, e.DTEND) for e in events) == instants(wanted)


def test_a_start_skipped_on_the_first_of_a_month_ends_after_it_in_a_client():
    # Found by the property below: at 02:00 on 1 October 2028 Sydney's clocks jump to 03:00.
    # Relier starts the 02:59 session at 03:59 (16:59 UTC) and keeps its planned minute; a
    # client reading 02:59 + 1 minute of wall-clock time would end it at 03:00 (16:00 UTC).
    sydney = ZoneInfo("Australia/Sydney")
    daily = series(
        rrule="FREQ=DAILY",
        timezone="Australia/Sydney",
        valid_from=datetime.date(2028, 9, 25),
        start_time=datetime.time(2, 59),
        end_time=datetime.time(3),
    )
    document = ical.activity_calendar(name="Club", series=[daily], stamp=STAMP)
    overrides = [
        event.DTSTART
        for event in icalendar.Calendar.from_ical(document).walk("VEVENT")
        if "RECURRENCE-ID" in event
    ]
    assert overrides[0] == datetime.datetime(2028, 10, 1, 3, 59, tzinfo=sydney)
    window = (
        datetime.datetime(2028, 9, 30, tzinfo=sydney),
        datetime.datetime(2028, 10, 3, tzinfo=sydney),
    )
    sessions = instants((e.DTSTART, e.DTEND) for e in expanded(document, *window))
    assert sessions[1] == (
        datetime.datetime(2028, 9, 30, 16, 59, tzinfo=UTC),
        datetime.datetime(2028, 9, 30, 17, tzinfo=UTC),
    )
    assert sessions == instants(relier_sessions(daily, *window))


@pytest.mark.parametrize(
    ("timezone", "start_time"),
    [
        ("Australia/Sydney", datetime.time(2, 59)),
        ("Australia/Sydney", datetime.time(2)),
        ("Antarctica/Macquarie", datetime.time(2, 30)),
        ("Europe/Paris", datetime.time(2, 30)),
        ("America/New_York", datetime.time(2, 30)),
    ],
    ids=str,
)
def test_every_night_a_start_time_is_skipped_has_its_session_spelled_out(timezone, start_time):
    # Day by day over the whole span (the export looks month by month): every night of a
    # series without end on which its start time falls in a gap gets its override.
    one = series(
        rrule="FREQ=DAILY",
        timezone=timezone,
        valid_from=datetime.date(2024, 1, 1),
        start_time=start_time,
        end_time=datetime.time(4),
    )
    zone = ZoneInfo(timezone)
    skipped = []
    day = one.valid_from
    while day <= one.valid_from + datetime.timedelta(days=recurrence.MAX_SPAN_DAYS):
        wall = datetime.datetime.combine(day, start_time, tzinfo=zone)
        if wall.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall.replace(tzinfo=None):
            skipped.append(day)
        day += datetime.timedelta(days=1)
    assert len(skipped) == 5  # one spring-forward a year
    document = ical.activity_calendar(name="Club", series=[one], stamp=STAMP)
    overridden = [
        event["RECURRENCE-ID"].dt.date()
        for event in icalendar.Calendar.from_ical(document).walk("VEVENT")
        if "RECURRENCE-ID" in event
    ]
    assert overridden == skipped


def test_an_override_moves_or_cancels_one_session_of_the_series():
    weekly = series(
        rrule="FREQ=WEEKLY;BYDAY=TU",
        overrides=(
            ical.Session(
                uid="schedule-1@relier.test",
                series_start=datetime.datetime(2026, 10, 13, 14, tzinfo=PARIS),
                start=datetime.datetime(2026, 10, 14, 10, tzinfo=PARIS),
                end=datetime.datetime(2026, 10, 14, 12, tzinfo=PARIS),
                timezone="Europe/Paris",
                details=DETAILS,
            ),
            ical.Session(
                uid="schedule-1@relier.test",
                series_start=datetime.datetime(2026, 10, 27, 14, tzinfo=PARIS),
                start=datetime.datetime(2026, 10, 27, 14, tzinfo=PARIS),
                end=datetime.datetime(2026, 10, 27, 16, tzinfo=PARIS),
                timezone="Europe/Paris",
                details=DETAILS,
                status="CANCELLED",
            ),
        ),
    )
    document = ical.activity_calendar(name="Tricot", series=[weekly], stamp=STAMP)
    events = expanded(
        document,
        datetime.datetime(2026, 10, 1, tzinfo=PARIS),
        datetime.datetime(2026, 11, 1, tzinfo=PARIS),
    )
    assert [(e.DTSTART.astimezone(PARIS).isoformat(), e.get("STATUS")) for e in events] == [
        ("2026-10-06T14:00:00+02:00", None),
        ("2026-10-14T10:00:00+02:00", "CONFIRMED"),
        ("2026-10-20T14:00:00+02:00", None),
        ("2026-10-27T14:00:00+01:00", "CANCELLED"),
    ]
    assert {e["UID"] for e in events} == {"schedule-1@relier.test"}


def test_the_same_data_gives_the_same_bytes():
    weekly = series(rrule="FREQ=WEEKLY;BYDAY=TU")
    first = ical.activity_calendar(name="Tricot", series=[weekly], stamp=STAMP)
    assert ical.activity_calendar(name="Tricot", series=[weekly], stamp=STAMP) == first


def test_a_calendar_of_sessions_has_one_event_each_with_its_status():
    sessions = [
        ical.Session(
            uid=f"occurrence-{n}@relier.test",
            start=datetime.datetime(2026, 10, 20 + n, 18, tzinfo=PARIS),
            end=datetime.datetime(2026, 10, 20 + n, 19, tzinfo=PARIS),
            timezone="Europe/Paris",
            details=ical.Details(summary="Chorale", location="Salle 1", geo=(47.2, -1.55)),
            status=status,
        )
        for n, status in enumerate(["CONFIRMED", "TENTATIVE"])
    ]
    calendar = icalendar.Calendar.from_ical(
        ical.sessions_calendar(
            name="Mes activités",
            sessions=sessions,
            stamp=STAMP,
            refresh=datetime.timedelta(hours=1),
        )
    )
    events = calendar.walk("VEVENT")
    assert [(e["UID"], e["STATUS"]) for e in events] == [
        ("occurrence-0@relier.test", "CONFIRMED"),
        ("occurrence-1@relier.test", "TENTATIVE"),
    ]
    assert (events[0].DTSTART.hour, events[0]["DTSTART"].params["TZID"]) == (18, "Europe/Paris")
    assert (events[0]["GEO"].latitude, events[0]["GEO"].longitude) == (47.2, -1.55)
    assert events[0]["LOCATION"] == "Salle 1"
    assert calendar["X-WR-CALNAME"] == "Mes activités"
    assert calendar["REFRESH-INTERVAL"].dt == datetime.timedelta(hours=1)


@PROPERTY
@given(
    case=cases(ANY_RULE_PARTS) | cases(ANY_RULE_PARTS, around_clock_changes=True),
    data=st.data(),
)
def test_any_schedule_expands_in_a_client_as_relier_expands_it(case, data):
    """Rules, one-off days, skipped days, ends of validity and windows drawn as in the tests
    of `activities.recurrence`, about the clock changes too."""
    try:
        rule = recurrence.normalize_rrule(case.rule, dtstart=case.dtstart, timezone=case.timezone)
        wanted = recurrence.expand(**case.kwargs())
    except recurrence.RecurrenceError:
        reject()  # a schedule the API refuses has no calendar
    # Skipped days drawn partly among the sessions, so that EXDATE often removes one.
    session_days = [start.date() for start, _end in wanted]
    any_days = st.dates(case.dtstart, case.dtstart + datetime.timedelta(days=900))
    exdates = data.draw(
        st.lists(st.sampled_from(session_days) if session_days else any_days, max_size=3)
        | st.lists(any_days, max_size=2)
    )
    one = series(
        rrule=rule,
        dates=case.dates,
        exdates=tuple(exdates),
        start_time=case.start_time,
        end_time=case.end_time,
        timezone=case.timezone,
        valid_from=case.dtstart,
        valid_to=case.valid_to,
    )
    try:
        wanted = recurrence.expand(**case.kwargs(exdates))
    except recurrence.RecurrenceError:
        reject()  # skipped days the API refuses (more than MAX_SPAN_DAYS after the start)
    document = ical.activity_calendar(name="Club", series=[one], stamp=STAMP)
    events = [
        event
        for event in expanded(document, case.window_start, case.window_end)
        if case.window_start <= event.DTSTART
    ]
    assert instants((e.DTSTART, e.DTEND) for e in events) == instants(wanted)
