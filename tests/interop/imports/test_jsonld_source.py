"""The schema.org JSON-LD import source: Event and EventSeries from a document or a page."""

import datetime
import pathlib
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from activities import recurrence
from interop.imports.items import SourceError, SourceItem
from interop.imports.jsonld_source import read_jsonld

# Feeds' keywords are matched against the categories table.
pytestmark = pytest.mark.django_db

DATA = pathlib.Path(__file__).parent / "data"
PARIS = ZoneInfo("Europe/Paris")


def test_a_graph_of_events_and_series():
    entries = read_jsonld((DATA / "events.jsonld").read_bytes())
    # The cancelled event (4th) is left out, the Organization is not an event.
    assert [entry.position for entry in entries] == [1, 2, 3, 5]
    series, one_off, online, refused = entries
    assert series.external_id == "https://tisserands.example/activites/tricot"
    assert series.activity["title"] == "Atelier tricot"
    assert (
        series.activity["description"] == "Tricoter ensemble autour d'un thé.\nDébutants bienvenus."
    )
    assert series.activity["kind"] == "club"
    assert series.activity["categories"] == ["tricot-couture", "convivialite"]
    assert series.warnings == []
    assert series.activity["languages"] == ["fr"]
    assert (series.activity["is_free"], series.activity["price_min"]) == (False, "2.50")
    assert series.activity["attendance_mode"] == "in_person"
    assert series.schedules == [
        {
            "rrule": "FREQ=WEEKLY;BYDAY=TU,TH",
            "dates": [],
            "start_time": "14:00",
            "end_time": "16:00",
            "timezone": "Europe/Paris",
            "valid_from": "2026-10-06",
            "valid_to": "2027-06-30",
            "exdates": ["2026-12-24", "2026-12-31"],
        }
    ]
    assert series.place == {
        "name": "Maison de quartier",
        "address": "12 rue Paul Bert",
        "postal_code": "69003",
        "city": "Lyon",
        "lat": 45.7578,
        "lng": 4.832,
    }
    assert "organizer" not in series.activity
    # A startDate with an offset: the session in Paris local time.
    assert one_off.schedules[0]["dates"] == ["2026-11-14"]
    assert (one_off.schedules[0]["start_time"], one_off.schedules[0]["end_time"]) == (
        "14:30",
        "17:00",
    )
    assert one_off.activity["is_free"] is True
    assert one_off.place == {
        "name": "Salle des fêtes",
        "address": "5 place de la Mairie",
        "postal_code": "69003",
        "city": "Lyon",
    }
    assert online.place is None and online.activity["attendance_mode"] == "online"
    assert isinstance(refused, SourceError) and "byMonth" in refused.message


def test_the_json_ld_blocks_of_a_page():
    first, second = read_jsonld((DATA / "page.html").read_bytes())
    assert isinstance(first, SourceItem) and first.activity["title"] == "Repas partagé"
    assert second.schedules[0]["rrule"] == "FREQ=MONTHLY;BYDAY=1TU"
    # No @id nor url: a stable hash of its name and start.
    assert second.external_id.startswith("jsonld-")
    assert read_jsonld((DATA / "page.html").read_bytes())[1].external_id == second.external_id


def test_a_date_without_offset_is_read_in_paris_with_a_warning():
    (item,) = read_jsonld(
        b'{"@type": "Event", "name": "Pique-nique", "startDate": "2026-07-04T12:00",'
        b' "endDate": "2026-07-04T15:00", "location": "Parc"}'
    )
    assert item.schedules[0]["start_time"] == "12:00"
    assert item.warnings
    assert item.place == {"name": "Parc"}


def test_a_yearly_schedule_is_refused_in_the_importer_language():
    document = (
        b'{"@type": "EventSeries", "name": "Brocante", "eventSchedule": {"@type": "Schedule",'
        b' "repeatFrequency": "P1Y", "startTime": "08:00", "endTime": "18:00",'
        b' "startDate": "2027-05-01"}}'
    )
    with translation.override("fr"):
        (error,) = read_jsonld(document)
    assert isinstance(error, SourceError) and error.position == 1
    assert "P1Y" in error.message and "Événement" in error.message


def test_what_is_not_json_ld_is_one_error_for_the_source():
    (error,) = read_jsonld(b"{not json")
    assert isinstance(error, SourceError) and error.position == 0
    (error,) = read_jsonld(b"<html><body>Rien</body></html>")
    assert error.position == 0
    (error,) = read_jsonld(b'{"@type": "Organization", "name": "X"}')
    assert error.position == 0


def test_an_event_schedule_keeps_its_local_time_across_the_clock_change():
    (series, *_rest) = read_jsonld((DATA / "events.jsonld").read_bytes())
    schedule = series.schedules[0]
    day = datetime.date.fromisoformat
    sessions = recurrence.expand(
        rrule=schedule["rrule"],
        dtstart=day(schedule["valid_from"]),
        start_time=datetime.time.fromisoformat(schedule["start_time"]),
        end_time=datetime.time.fromisoformat(schedule["end_time"]),
        timezone=schedule["timezone"],
        exdates=[day(value) for value in schedule["exdates"]],
        valid_to=day(schedule["valid_to"]),
        window_start=datetime.datetime(2026, 10, 19, tzinfo=PARIS),
        window_end=datetime.datetime(2026, 11, 2, tzinfo=PARIS),
    )
    assert [start for start, _end in sessions] == [
        datetime.datetime(2026, 10, 20, 14, tzinfo=PARIS),  # Tuesday, summer time
        datetime.datetime(2026, 10, 22, 14, tzinfo=PARIS),
        datetime.datetime(2026, 10, 27, 14, tzinfo=PARIS),  # Tuesday, winter time
        datetime.datetime(2026, 10, 29, 14, tzinfo=PARIS),
    ]
    assert {start.utcoffset() for start, _end in sessions} == {
        datetime.timedelta(hours=2),
        datetime.timedelta(hours=1),
    }
