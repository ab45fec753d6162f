"""The iCalendar import source: a feed's sessions, as Relier materializes them from the items
(`activities.recurrence` expansion of the schedules, then the edited sessions), are the
feed's events as `recurring-ical-events` expands them, across the October clock change."""

import datetime
import pathlib
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from dateutil.rrule import rrulestr
from django.utils import translation
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from activities import recurrence
from interop.imports.ical_source import read_ical
from interop.imports.items import SourceError, SourceItem
from tests.activities.test_recurrence import ANY_RULE_PARTS

# Feeds' keywords are matched against the categories table.
pytestmark = pytest.mark.django_db

DATA = pathlib.Path(__file__).parent / "data"
UTC = datetime.UTC
PARIS = ZoneInfo("Europe/Paris")
WINDOW = (datetime.datetime(2025, 1, 1, tzinfo=UTC), datetime.datetime(2031, 1, 1, tzinfo=UTC))


def feed(*events: str, head: str = "") -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//Test//FR"]
    lines += [line for line in head.splitlines() if line.strip()]
    for event in events:
        lines += ["BEGIN:VEVENT", "DTSTAMP:20260901T080000Z"]
        lines += [line.strip() for line in event.strip().splitlines()]
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


def materialized(item: SourceItem) -> set[tuple[datetime.datetime, datetime.datetime]]:
    """The sessions Relier shows for an item: its schedules expanded, then its edits."""
    sessions: dict[datetime.datetime, datetime.datetime] = {}
    day = datetime.date.fromisoformat
    for schedule in item.schedules:
        for start, end in recurrence.expand(
            rrule=schedule["rrule"] or None,
            dtstart=day(schedule["valid_from"]),
            start_time=datetime.time.fromisoformat(schedule["start_time"]),
            end_time=datetime.time.fromisoformat(schedule["end_time"]),
            timezone=schedule["timezone"],
            exdates=[day(value) for value in schedule.get("exdates", [])],
            dates=[day(value) for value in schedule.get("dates", [])],
            valid_to=day(schedule["valid_to"]) if schedule.get("valid_to") else None,
            window_start=WINDOW[0],
            window_end=WINDOW[1],
        ):
            sessions[start.astimezone(UTC)] = end.astimezone(UTC)
    for edit in item.sessions:
        key = edit.series_start.astimezone(UTC)
        if not WINDOW[0] <= key < WINDOW[1]:
            continue
        assert key in sessions, f"edit of a session the series does not have: {edit}"
        del sessions[key]
        if not edit.cancelled:
            sessions[edit.start.astimezone(UTC)] = edit.end.astimezone(UTC)
    return set(sessions.items())


def expanded(document: bytes, uid: str) -> set[tuple[datetime.datetime, datetime.datetime]]:
    """The same feed's events of `uid`, as a calendar application expands them."""
    calendar = icalendar.Calendar.from_ical(document)
    return {
        (event.start.astimezone(UTC), event.end.astimezone(UTC))
        for event in recurring_ical_events.of(calendar).between(*WINDOW)
        if str(event["UID"]) == uid and str(event.get("STATUS", "")).upper() != "CANCELLED"
    }


def items_by_uid(document: bytes) -> dict[str, SourceItem | SourceError]:
    return {entry.external_id: entry for entry in read_ical(document)}


def test_a_feed_with_rule_skipped_added_and_edited_sessions_across_the_clock_change():
    document = (DATA / "club.ics").read_bytes()
    entries = items_by_uid(document)
    for uid in (
        "tricot-2026@tisserands.example",
        "marche-1@tisserands.example",
        "permanence@tisserands.example",
    ):
        item = entries[uid]
        assert isinstance(item, SourceItem), item
        assert materialized(item) == expanded(document, uid), uid
    knitting = materialized(entries["tricot-2026@tisserands.example"])
    # Before and after the clock change (25 October 2026) the club meets at 14:00 Paris time.
    starts = sorted(start.astimezone(PARIS) for start, _end in knitting)
    assert starts[0] == datetime.datetime(2026, 10, 6, 14, tzinfo=PARIS)
    assert datetime.datetime(2026, 11, 3, 14, tzinfo=PARIS) in starts
    assert datetime.datetime(2026, 10, 20, 14, tzinfo=PARIS) not in starts  # EXDATE
    assert datetime.datetime(2026, 10, 27, 14, tzinfo=PARIS) not in starts  # moved
    assert datetime.datetime(2026, 10, 28, 15, tzinfo=PARIS) in starts  # to here
    assert datetime.datetime(2026, 11, 10, 14, tzinfo=PARIS) not in starts  # cancelled
    assert datetime.datetime(2026, 11, 7, 10, tzinfo=PARIS) in starts  # RDATE at other times


def test_the_series_fields_place_and_schedules():
    item = items_by_uid((DATA / "club.ics").read_bytes())["tricot-2026@tisserands.example"]
    assert item.position == 1
    assert item.activity["title"] == "Atelier tricot"
    assert item.activity["summary"] == "Tricoter ensemble autour d'un thé."
    assert item.activity["kind"] == "club"
    # Keywords naming a category of Relier are kept as its slug, the others said.
    assert item.activity["categories"] == ["tricot-couture", "convivialite"]
    assert any("Gratuit" in warning for warning in item.warnings)
    assert item.activity["registration_url"] == "https://tisserands.example/tricot"
    assert item.place == {
        "name": "Maison de quartier",
        "address": "12 rue Paul Bert",
        "postal_code": "69003",
        "city": "Lyon",
        "lat": 45.7578,
        "lng": 4.832,
    }
    series, other_times = item.schedules
    assert series["rrule"].startswith("FREQ=WEEKLY;BYDAY=TU;UNTIL=")
    assert (series["start_time"], series["end_time"], series["timezone"]) == (
        "14:00",
        "16:00",
        "Europe/Paris",
    )
    assert series["exdates"] == ["2026-10-20"]
    assert series["dates"] == ["2026-10-29"]  # an RDATE at the series' times
    assert (other_times["dates"], other_times["start_time"]) == (["2026-11-07"], "10:00")
    moved, cancelled = item.sessions
    assert moved.series_start == datetime.datetime(2026, 10, 27, 14, tzinfo=PARIS)
    assert (moved.start, moved.end, moved.cancelled) == (
        datetime.datetime(2026, 10, 28, 15, tzinfo=PARIS),
        datetime.datetime(2026, 10, 28, 17, tzinfo=PARIS),
        False,
    )
    assert cancelled.cancelled and cancelled.series_start.date() == datetime.date(2026, 11, 10)


def test_an_online_event_and_a_rule_in_utc():
    entries = items_by_uid((DATA / "club.ics").read_bytes())
    online = entries["permanence@tisserands.example"]
    assert online.place is None
    assert online.activity["attendance_mode"] == "online"
    assert online.activity["kind"] == "event"
    # UTC times in a calendar that names its zone (X-WR-TIMEZONE) are read in that zone.
    walk = entries["marche-1@tisserands.example"]
    assert (walk.schedules[0]["timezone"], walk.schedules[0]["start_time"]) == (
        "Europe/Paris",
        "10:00",
    )


def test_a_rule_in_utc_in_a_calendar_without_zone_keeps_its_utc_times():
    document = feed(
        """UID:utc
        SUMMARY:Marche
        LOCATION:Parc
        DTSTART:20261018T080000Z
        DTEND:20261018T100000Z
        RRULE:FREQ=MONTHLY;BYDAY=3SU;COUNT=4"""
    )
    with translation.override("en"):
        (item,) = read_ical(document)
    assert item.schedules[0]["timezone"] == "UTC"
    assert item.warnings and "UTC" in item.warnings[0]
    assert materialized(item) == expanded(document, "utc")


@pytest.mark.parametrize(
    ("uid", "position", "rule"),
    [
        ("toutes-les-heures@tisserands.example", 4, "FREQ=HOURLY"),
        ("fete@tisserands.example", 5, "BYWEEKNO"),
    ],
)
def test_a_rule_relier_cannot_hold_is_an_error_on_its_item_naming_the_rule(uid, position, rule):
    with translation.override("fr"):
        entries = items_by_uid((DATA / "club.ics").read_bytes())
    error = entries[uid]
    assert isinstance(error, SourceError)
    assert error.position == position
    assert rule in error.message
    assert "n'est pas accepté" in error.message
    assert "Événement" in error.message  # the importer's language, not the server's


def test_bysetpos_and_yearly_are_refused_never_guessed():
    document = feed(
        """UID:a
        SUMMARY:Dernier jour ouvré
        DTSTART;TZID=Europe/Paris:20261030T100000
        DTEND;TZID=Europe/Paris:20261030T110000
        RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1""",
        """UID:b
        SUMMARY:Anniversaire
        DTSTART;TZID=Europe/Paris:20261030T100000
        DTEND;TZID=Europe/Paris:20261030T110000
        RRULE:FREQ=YEARLY""",
    )
    first, second = read_ical(document)
    assert isinstance(first, SourceError) and "BYSETPOS" in first.message
    assert isinstance(second, SourceError) and "YEARLY" in second.message
    assert (first.position, second.position) == (1, 2)


WINDOWS_ZONE = """BEGIN:VTIMEZONE
TZID:Romance Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE"""


def test_an_outlook_zone_name_is_read_as_its_iana_zone():
    document = feed(
        """UID:outlook
        SUMMARY:Chorale
        LOCATION:Salle des fêtes
        DTSTART;TZID=Romance Standard Time:20261014T180000
        DTEND;TZID=Romance Standard Time:20261014T193000
        RRULE:FREQ=WEEKLY;COUNT=6
        EXDATE;TZID=Romance Standard Time:20261021T180000""",
        head=WINDOWS_ZONE,
    )
    (item,) = read_ical(document)
    assert item.schedules[0]["timezone"] == "Europe/Paris"
    assert item.schedules[0]["start_time"] == "18:00"
    assert materialized(item) == expanded(document, "outlook")


def test_a_zone_of_its_own_name_is_read_as_the_iana_zone_of_the_same_offsets():
    document = feed(
        """UID:own
        SUMMARY:Chorale
        LOCATION:Salle des fêtes
        DTSTART;TZID=Heure de Paris:20261014T180000
        DTEND;TZID=Heure de Paris:20261014T193000
        RRULE:FREQ=WEEKLY;COUNT=6""",
        head=WINDOWS_ZONE.replace("Romance Standard Time", "Heure de Paris"),
    )
    with translation.override("en"):
        (item,) = read_ical(document)
    assert item.schedules[0]["timezone"] == "Europe/Paris"
    assert any("Heure de Paris" in warning for warning in item.warnings)
    assert materialized(item) == expanded(document, "own")


def test_an_unknown_zone_without_its_description_is_an_error_naming_it():
    document = feed(
        """UID:nowhere
        SUMMARY:Chorale
        DTSTART;TZID=Nulle part:20261014T180000
        DTEND;TZID=Nulle part:20261014T193000"""
    )
    with translation.override("en"):
        (error,) = read_ical(document)
    assert isinstance(error, SourceError) and "Nulle part" in error.message


def test_floating_times_are_read_in_paris_with_a_warning():
    document = feed(
        """UID:floating
        SUMMARY:Café des parents
        LOCATION:Médiathèque
        DTSTART:20261103T093000
        DTEND:20261103T110000"""
    )
    with translation.override("en"):
        (item,) = read_ical(document)
    assert item.schedules[0]["timezone"] == "Europe/Paris"
    assert (item.schedules[0]["dates"], item.schedules[0]["start_time"]) == (
        ["2026-11-03"],
        "09:30",
    )
    assert any("time zone" in warning for warning in item.warnings)


def test_an_all_day_event_is_a_session_over_each_of_its_days():
    document = feed(
        """UID:forum
        SUMMARY:Forum des associations
        LOCATION:Gymnase
        DTSTART;VALUE=DATE:20261107
        DTEND;VALUE=DATE:20261109"""
    )
    (item,) = read_ical(document)
    schedule = item.schedules[0]
    assert schedule["dates"] == ["2026-11-07", "2026-11-08"]
    assert (schedule["start_time"], schedule["end_time"]) == ("00:00", "23:59")
    assert item.warnings


def test_a_series_cancelled_as_a_whole_is_left_out():
    document = feed(
        """UID:gone
        SUMMARY:Atelier annulé
        STATUS:CANCELLED
        DTSTART;TZID=Europe/Paris:20261103T093000
        DTEND;TZID=Europe/Paris:20261103T110000""",
        """UID:kept
        SUMMARY:Atelier maintenu
        DTSTART;TZID=Europe/Paris:20261103T093000
        DTEND;TZID=Europe/Paris:20261103T110000""",
    )
    (item,) = read_ical(document)
    assert (item.external_id, item.position) == ("kept", 2)


def test_an_event_over_several_days_with_times_is_an_error_saying_what_to_do():
    document = feed(
        """UID:weekend
        SUMMARY:Séjour
        DTSTART;TZID=Europe/Paris:20261107T100000
        DTEND;TZID=Europe/Paris:20261108T170000"""
    )
    with translation.override("en"):
        (error,) = read_ical(document)
    assert isinstance(error, SourceError)
    assert "one session per day" in error.message


def test_a_document_that_is_not_icalendar_is_one_error_for_the_source():
    (error,) = read_ical(b"<html>not a calendar</html>")
    assert isinstance(error, SourceError) and error.position == 0


PARIS_CLOCK_CHANGES = (
    datetime.date(2026, 3, 29),
    datetime.date(2026, 10, 25),
    datetime.date(2027, 3, 28),
    datetime.date(2027, 10, 31),
)


@st.composite
def feeds(draw: st.DrawFn) -> bytes:
    """A series around a clock change: a rule Relier holds, ended by COUNT or UNTIL or not,
    skipped days, added days at the series' times and at others, a moved session and a
    cancelled one."""
    change = draw(st.sampled_from(PARIS_CLOCK_CHANGES))
    dtstart_day = change - datetime.timedelta(days=draw(st.integers(1, 120)))
    start_time = draw(st.sampled_from((datetime.time(9), datetime.time(14, 30), datetime.time(19))))
    minutes = draw(st.integers(30, 180))
    start = datetime.datetime.combine(dtstart_day, start_time, PARIS)
    parts = draw(ANY_RULE_PARTS)
    rule = ";".join(f"{name}={value}" for name, value in parts)
    series = rrulestr(rule, dtstart=start.replace(tzinfo=None))
    # Its first sessions within the span Relier holds (COUNT and UNTIL are drawn among them).
    span_end = start.replace(tzinfo=None) + datetime.timedelta(days=recurrence.MAX_SPAN_DAYS)
    first = series.between(start.replace(tzinfo=None), span_end, inc=True)[:40]
    assume(len(first) >= 4)
    limit = draw(st.sampled_from(("none", "count", "until")))
    if limit == "count":
        rule += f";COUNT={draw(st.integers(2, len(first)))}"
    elif limit == "until":
        until = datetime.datetime.combine(draw(st.sampled_from(first)).date(), start_time, PARIS)
        rule += f";UNTIL={until.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    lines = [
        "UID:series",
        "SUMMARY:Série",
        "LOCATION:Maison de quartier",
        f"DTSTART;TZID=Europe/Paris:{start:%Y%m%dT%H%M%S}",
        f"DURATION:PT{minutes}M",
        f"RRULE:{rule}",
    ]
    for moment in draw(st.lists(st.sampled_from(first[1:]), max_size=3, unique=True)):
        lines.append(f"EXDATE;TZID=Europe/Paris:{moment:%Y%m%dT%H%M%S}")
    later = [moment.date() + datetime.timedelta(days=1) for moment in first[1:]]
    for day in draw(st.lists(st.sampled_from(later), max_size=2, unique=True)):
        # Another time at least two hours and a quarter from every start time drawn above:
        # recurring-ical-events matches an EXDATE by its UTC or its local reading, so it
        # would also remove an RDATE one or two hours (Paris' offsets) from it, which RFC 5545
        # does not say.
        other_time = draw(st.sampled_from((start_time, datetime.time(12, 15))))
        lines.append(
            f"RDATE;TZID=Europe/Paris:{datetime.datetime.combine(day, other_time):%Y%m%dT%H%M%S}"
        )
    events = ["\n".join(lines)]
    kept = [
        moment for moment in first[1:] if moment.strftime("%Y%m%dT%H%M%S") not in "\n".join(lines)
    ]
    edited = draw(st.lists(st.sampled_from(kept), max_size=2, unique=True)) if kept else []
    for number, moment in enumerate(edited):
        override = [
            "UID:series",
            "SUMMARY:Série",
            f"RECURRENCE-ID;TZID=Europe/Paris:{moment:%Y%m%dT%H%M%S}",
        ]
        if number == 0:
            moved = moment + datetime.timedelta(days=1, hours=1)
            override += [
                f"DTSTART;TZID=Europe/Paris:{moved:%Y%m%dT%H%M%S}",
                f"DURATION:PT{minutes}M",
            ]
        else:
            override += [
                "STATUS:CANCELLED",
                f"DTSTART;TZID=Europe/Paris:{moment:%Y%m%dT%H%M%S}",
                f"DURATION:PT{minutes}M",
            ]
        events.append("\n".join(override))
    return feed(*events)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=feeds())
def test_any_series_gives_the_sessions_a_calendar_application_expands(document):
    (item,) = read_ical(document)
    assert isinstance(item, SourceItem), item
    assert materialized(item) == expanded(document, "series")
