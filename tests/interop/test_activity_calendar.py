"""`activities/{id}/calendar.ics` through real URLs: what a calendar app expands from it is the
sessions the API lists, at the right local times; who may read it is who may read the
activity."""

import datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
import time_machine
from django.conf import settings
from rest_framework.test import APIClient

from activities import services
from activities.models import Activity, Occurrence
from tests.conftest import client_for
from tests.factories import ActivityFactory, OrganizationFactory, UserFactory, editor_of

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
UTC = datetime.UTC


def calendar_url(activity: Activity) -> str:
    return f"/api/v1/activities/{activity.pk}/calendar.ics"


def weekly_tuesdays(*, today: datetime.date, status: str = "published") -> tuple[Activity, object]:
    """A Tuesday 14:00-16:00 (Paris) club from `today`, its sessions materialized."""
    organization = OrganizationFactory()
    editor = editor_of(organization)
    activity = ActivityFactory(organization=organization, status=status, title="Tricot du mardi")
    services.schedule_create(
        activity=activity,
        by=editor,
        rrule="FREQ=WEEKLY;BYDAY=TU",
        start_time=datetime.time(14),
        end_time=datetime.time(16),
        valid_from=today,
    )
    return activity, editor


def listed_sessions(client: APIClient, activity: Activity) -> list[dict]:
    """Every session `activities/{id}/occurrences/` lists (from now), page after page."""
    url, query, sessions = f"/api/v1/activities/{activity.pk}/occurrences/", {"page_size": 100}, []
    while url:
        response = client.get(url, query)
        assert response.status_code == 200, response.content
        sessions += response.json()["results"]
        url, query = response.json()["next"], None
    return sessions


def expanded(body: bytes, start: datetime.datetime, end: datetime.datetime) -> list:
    calendar = icalendar.Calendar.from_ical(body)
    return sorted(
        recurring_ical_events.of(calendar).between(start, end),
        key=lambda event: event.DTSTART.astimezone(UTC),
    )


def as_listed(event) -> tuple[datetime.datetime, datetime.datetime, bool]:
    return (
        event.DTSTART.astimezone(UTC),
        event.DTEND.astimezone(UTC),
        event.get("STATUS") == "CANCELLED",
    )


def from_api(session: dict) -> tuple[datetime.datetime, datetime.datetime, bool]:
    return (
        datetime.datetime.fromisoformat(session["start"]).astimezone(UTC),
        datetime.datetime.fromisoformat(session["end"]).astimezone(UTC),
        session["status"] == "cancelled",
    )


@pytest.mark.parametrize(
    ("now", "clock_change"),
    [
        (datetime.datetime(2026, 10, 5, 9, tzinfo=PARIS), datetime.date(2026, 10, 25)),
        (datetime.datetime(2027, 3, 8, 9, tzinfo=PARIS), datetime.date(2027, 3, 28)),
    ],
    ids=["late October", "late March"],
)
def test_the_calendar_gives_exactly_the_listed_sessions_across_the_clock_change(now, clock_change):
    with time_machine.travel(now, tick=False):
        activity, editor = weekly_tuesdays(today=now.date())
        as_editor = client_for(editor)
        sessions = listed_sessions(APIClient(), activity)
        # One session moved to the Wednesday morning, one cancelled, one with a note.
        moved, cancelled, noted = sessions[1], sessions[4], sessions[6]
        moved_start = (
            datetime.datetime.fromisoformat(moved["start"]).astimezone(PARIS)
            + datetime.timedelta(days=1)
        ).replace(hour=10)
        moved_end = moved_start + datetime.timedelta(hours=2)
        edits = [
            (moved, {"start": moved_start.isoformat(), "end": moved_end.isoformat()}),
            (cancelled, {"status": "cancelled", "note": "Salle indisponible"}),
            (noted, {"note": "Apportez vos aiguilles"}),
        ]
        for session, change in edits:
            response = as_editor.patch(f"/api/v1/occurrences/{session['id']}/", change)
            assert response.status_code == 200, response.content

        response = APIClient().get(calendar_url(activity))
        assert response.status_code == 200
        assert response["Content-Type"] == "text/calendar; charset=utf-8"
        window_end = now + datetime.timedelta(weeks=settings.OCCURRENCE_WINDOW_WEEKS)
        events = expanded(response.content, now, window_end)
        listed = listed_sessions(APIClient(), activity)

    assert [as_listed(event) for event in events] == [from_api(s) for s in listed]
    assert len(events) == 12
    local = {e.DTSTART.astimezone(PARIS).date(): e.DTSTART.astimezone(PARIS) for e in events}
    unchanged = [start for start in local.values() if start.weekday() == 1]
    assert all(start.time() == datetime.time(14) for start in unchanged)
    offsets = {start.utcoffset() for start in unchanged}
    assert offsets == {datetime.timedelta(hours=1), datetime.timedelta(hours=2)}
    before = [s for day, s in local.items() if day < clock_change]
    after = [s for day, s in local.items() if day > clock_change]
    assert before and after
    moved_event = next(e for e in events if e.DTSTART.astimezone(PARIS).weekday() == 2)
    assert moved_event.DTSTART.astimezone(PARIS).time() == datetime.time(10)
    assert "RECURRENCE-ID" in moved_event
    cancelled_event = next(e for e in events if e.get("STATUS") == "CANCELLED")
    assert "Salle indisponible" in cancelled_event["DESCRIPTION"]
    assert any("Apportez vos aiguilles" in e.get("DESCRIPTION", "") for e in events)


def test_the_calendar_describes_the_activity_and_its_place():
    activity, _editor = weekly_tuesdays(today=datetime.date.today())
    activity.place.address = "22 rue des Réformes"
    activity.place.postal_code = "44100"
    activity.place.save()
    body = APIClient().get(calendar_url(activity)).content
    calendar = icalendar.Calendar.from_ical(body)
    (zone,) = calendar.walk("VTIMEZONE")
    assert zone["TZID"] == "Europe/Paris"
    (event,) = calendar.walk("VEVENT")
    assert event["SUMMARY"] == "Tricot du mardi"
    assert event["RRULE"].to_ical() == b"FREQ=WEEKLY;BYDAY=TU"
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert event["LOCATION"] == f"{activity.place.name}, 22 rue des Réformes, 44100 Nantes"
    assert (event["GEO"].latitude, event["GEO"].longitude) == (
        activity.place.lat,
        activity.place.lng,
    )
    assert event["URL"] == f"http://testserver/api/v1/activities/{activity.pk}/"
    assert activity.organization.name in event["DESCRIPTION"]
    assert event["UID"].endswith("@testserver")
    assert event.DTSTAMP.tzinfo is not None


def test_a_session_a_schedule_no_longer_gives_stands_alone():
    """A session of the past whose rule changed since (here: one with no schedule) is still
    shown, as an event of its own."""
    activity, _editor = weekly_tuesdays(today=datetime.date.today())
    start = datetime.datetime.now(UTC) - datetime.timedelta(days=3)
    alone = Occurrence.objects.create(
        activity=activity, series_start=start, start=start, end=start + datetime.timedelta(hours=1)
    )
    calendar = icalendar.Calendar.from_ical(APIClient().get(calendar_url(activity)).content)
    standalone = [e for e in calendar.walk("VEVENT") if "RRULE" not in e]
    assert [e["UID"].split("@")[0] for e in standalone] == [f"occurrence-{alone.pk}"]
    assert standalone[0].start == start.replace(microsecond=0)


def test_an_unchanged_calendar_answers_304_to_its_etag():
    activity, editor = weekly_tuesdays(today=datetime.date.today())
    first = APIClient().get(calendar_url(activity))
    assert first.status_code == 200 and first["ETag"]
    again = APIClient().get(calendar_url(activity), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    session = activity.occurrences.order_by("start").first()
    services.occurrence_cancel(occurrence=session, by=editor)
    changed = APIClient().get(calendar_url(activity), HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]


def test_a_calendar_app_asking_for_text_calendar_only_gets_it():
    activity, _editor = weekly_tuesdays(today=datetime.date.today())
    response = APIClient().get(calendar_url(activity), HTTP_ACCEPT="text/calendar")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"


def assert_not_found(response) -> None:
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("status", ["draft", "pending", "rejected"])
def test_an_unpublished_activity_calendar_is_its_editors_only(status):
    activity, editor = weekly_tuesdays(today=datetime.date.today(), status=status)
    assert client_for(editor).get(calendar_url(activity)).status_code == 200
    assert_not_found(APIClient().get(calendar_url(activity)))
    assert_not_found(client_for(UserFactory()).get(calendar_url(activity)))
    other_editor = editor_of(OrganizationFactory())
    assert_not_found(client_for(other_editor).get(calendar_url(activity)))


def test_an_archived_activity_calendar_shows_its_editors_the_sessions_cancelled():
    activity, editor = weekly_tuesdays(today=datetime.date.today())
    services.activity_archive(activity=activity, by=editor)
    response = client_for(editor).get(calendar_url(activity))
    assert response.status_code == 200
    now = datetime.datetime.now(UTC)
    events = expanded(response.content, now, now + datetime.timedelta(weeks=4))
    assert events and {event["STATUS"] for event in events} == {"CANCELLED"}
    assert_not_found(APIClient().get(calendar_url(activity)))
    assert_not_found(client_for(UserFactory()).get(calendar_url(activity)))
    other_editor = editor_of(OrganizationFactory())
    assert_not_found(client_for(other_editor).get(calendar_url(activity)))


def test_an_unknown_activity_is_a_404_in_the_error_shape_whatever_the_accept_header():
    for accept in ("text/calendar", "application/json", "*/*"):
        response = APIClient().get("/api/v1/activities/999999/calendar.ics", HTTP_ACCEPT=accept)
        assert_not_found(response)
    english = APIClient().get("/api/v1/activities/999999/calendar.ics", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["error"]["message"] == "Not found."
    assert_not_found(APIClient().get("/api/v1/activities/abc/calendar.ics"))


def test_writing_to_the_calendar_is_refused():
    activity, editor = weekly_tuesdays(today=datetime.date.today())
    response = client_for(editor).post(calendar_url(activity), {})
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_past_sessions_of_a_rule_since_changed_stay_as_events_of_their_own():
    start = datetime.datetime(2026, 10, 5, 9, tzinfo=PARIS)
    with time_machine.travel(start, tick=False):
        activity, editor = weekly_tuesdays(today=start.date())
    with time_machine.travel(start + datetime.timedelta(weeks=3), tick=False):
        schedule = activity.schedules.get()
        services.schedule_update(schedule=schedule, by=editor, rrule="FREQ=WEEKLY;BYDAY=WE")
        past_tuesdays = list(
            activity.occurrences.filter(start__lt=datetime.datetime.now(UTC)).order_by("start")
        )
        body = APIClient().get(calendar_url(activity)).content
    assert [s.start.astimezone(PARIS).date() for s in past_tuesdays] == [
        datetime.date(2026, 10, 6),
        datetime.date(2026, 10, 13),
        datetime.date(2026, 10, 20),
    ]
    calendar = icalendar.Calendar.from_ical(body)
    alone = {e["UID"].split("@")[0]: e for e in calendar.walk("VEVENT") if "RRULE" not in e}
    assert set(alone) == {f"occurrence-{s.pk}" for s in past_tuesdays}
    (series,) = [e for e in calendar.walk("VEVENT") if "RRULE" in e]
    assert series["RRULE"].to_ical() == b"FREQ=WEEKLY;BYDAY=WE"
    assert series.start == datetime.datetime(2026, 10, 7, 14, tzinfo=PARIS)


def test_a_session_moved_online_has_no_place():
    activity, editor = weekly_tuesdays(today=datetime.date.today())
    session = activity.occurrences.order_by("start").first()
    services.occurrence_update(occurrence=session, by=editor, status="moved_online")
    calendar = icalendar.Calendar.from_ical(APIClient().get(calendar_url(activity)).content)
    (series,) = [e for e in calendar.walk("VEVENT") if "RECURRENCE-ID" not in e]
    (online,) = [e for e in calendar.walk("VEVENT") if "RECURRENCE-ID" in e]
    assert "LOCATION" in series and "GEO" in series
    assert "LOCATION" not in online and "GEO" not in online
    assert online["DESCRIPTION"].startswith("Cette séance a lieu en ligne.")
    assert online["RECURRENCE-ID"].dt == session.series_start
