"""A resident's calendar feed: a private address (`me/calendar-feed/`) that a calendar app
reads without any header, listing the sessions the resident registered for; rotated or
revoked, the old address is a 404 at once."""

import datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from activities import services
from activities.models import Registration
from interop.models import CalendarFeed
from tests.conftest import client_for
from tests.factories import ActivityFactory, OrganizationFactory, UserFactory, editor_of

pytestmark = pytest.mark.django_db

FEED = "/api/v1/me/calendar-feed/"
PARIS = ZoneInfo("Europe/Paris")


def feed_path(client: APIClient) -> str:
    response = client.get(FEED)
    assert response.status_code == 200, response.content
    url = response.json()["url"]
    assert url.startswith("http://testserver/api/v1/calendar/") and url.endswith(".ics")
    return url.removeprefix("http://testserver")


def read_feed(path: str, **headers) -> icalendar.Calendar:
    response = APIClient().get(path, **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def assert_not_found(response) -> None:
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"


def club_with_sessions(*, capacity: int | None = None, title: str = "Chorale"):
    organization = OrganizationFactory()
    editor = editor_of(organization)
    activity = ActivityFactory(organization=organization, title=title, capacity=capacity)
    services.schedule_create(
        activity=activity,
        by=editor,
        rrule="FREQ=WEEKLY;BYDAY=MO,TH",
        start_time=datetime.time(18),
        end_time=datetime.time(19, 30),
        valid_from=timezone.localdate(),
    )
    sessions = list(activity.occurrences.filter(start__gt=timezone.now()).order_by("start"))
    return activity, editor, sessions


def register(user, activity, occurrence) -> Registration:
    registration, _created = services.registration_create(
        user=user, activity=activity, occurrence=occurrence
    )
    return registration


def test_the_address_is_issued_once_and_read_without_a_header():
    resident = UserFactory()
    client = client_for(resident)
    path = feed_path(client)
    assert feed_path(client) == path  # the same address until rotated
    body = client.get(FEED).json()
    assert body["webcal_url"] == "webcal://testserver" + path
    assert body["issued_at"]
    calendar = read_feed(path)
    assert calendar.walk("VEVENT") == []
    assert calendar["X-WR-CALNAME"] == "Relier : mes activités"
    # An app that sends a stale bearer token with it is not refused either.
    assert APIClient().get(path, HTTP_AUTHORIZATION="Bearer expired").status_code == 200


def test_the_feed_lists_the_sessions_going_and_offered_and_no_other():
    resident = UserFactory(preferred_language="en")
    activity, editor, sessions = club_with_sessions(capacity=1)
    going = register(resident, activity, sessions[0])
    register(resident, activity, sessions[1]).delete()  # nothing left of it
    cancelled = register(resident, activity, sessions[2])
    services.registration_cancel(registration=cancelled, by=resident)
    # The resident waits for the full session 4, then is offered the seat that frees.
    someone = UserFactory()
    first = register(someone, activity, sessions[3])
    waiting = register(resident, activity, sessions[3])
    assert waiting.status == "waitlisted"
    services.registration_cancel(registration=first, by=someone)
    waiting.refresh_from_db()
    assert waiting.status == "offered"
    # A session the resident is going to, cancelled since by the organizer.
    register(resident, activity, sessions[5])
    services.occurrence_cancel(occurrence=sessions[5], by=editor, note="Salle fermée")

    calendar = read_feed(feed_path(client_for(resident)))
    events = {event["UID"]: event for event in calendar.walk("VEVENT")}
    uid = "occurrence-{}@testserver".format
    assert set(events) == {uid(sessions[0].pk), uid(sessions[3].pk), uid(sessions[5].pk)}
    assert events[uid(sessions[0].pk)]["STATUS"] == "CONFIRMED"
    assert events[uid(sessions[3].pk)]["STATUS"] == "TENTATIVE"
    assert "confirm it in the app before" in events[uid(sessions[3].pk)]["DESCRIPTION"]
    assert events[uid(sessions[5].pk)]["STATUS"] == "CANCELLED"
    assert "Salle fermée" in events[uid(sessions[5].pk)]["DESCRIPTION"]
    first_event = events[uid(going.occurrence_id)]
    assert (first_event.start, first_event.end) == (sessions[0].start, sessions[0].end)
    assert first_event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert first_event.DTSTART.astimezone(PARIS).time() == datetime.time(18)
    assert first_event["SUMMARY"] == "Chorale"
    assert calendar["X-WR-CALNAME"] == "Relier: my activities"
    assert calendar["REFRESH-INTERVAL"].dt == datetime.timedelta(hours=1)


def test_a_resident_feed_never_shows_another_residents_registrations():
    activity, _editor, sessions = club_with_sessions()
    alice, bob = UserFactory(), UserFactory()
    register(alice, activity, sessions[0])
    register(bob, activity, sessions[1])
    alice_events = read_feed(feed_path(client_for(alice))).walk("VEVENT")
    bob_events = read_feed(feed_path(client_for(bob))).walk("VEVENT")
    assert [e["UID"] for e in alice_events] == [f"occurrence-{sessions[0].pk}@testserver"]
    assert [e["UID"] for e in bob_events] == [f"occurrence-{sessions[1].pk}@testserver"]


def test_a_rotated_address_is_a_404_at_once_and_the_new_one_works():
    resident = UserFactory()
    client = client_for(resident)
    old = feed_path(client)
    rotated = client.post(f"{FEED}rotate/")
    assert rotated.status_code == 200
    new = rotated.json()["url"].removeprefix("http://testserver")
    assert new != old
    assert_not_found(APIClient().get(old))
    read_feed(new)
    assert feed_path(client) == new


def test_a_revoked_address_is_a_404_and_reading_the_resource_issues_a_new_one():
    resident = UserFactory()
    client = client_for(resident)
    old = feed_path(client)
    assert client.delete(FEED).status_code == 204
    assert_not_found(APIClient().get(old))
    assert not CalendarFeed.objects.filter(user=resident).exists()
    assert client.delete(FEED).status_code == 204  # nothing left to revoke: still done
    new = feed_path(client)
    assert new != old
    read_feed(new)


def test_only_a_hash_of_the_token_is_stored():
    resident = UserFactory()
    path = feed_path(client_for(resident))
    token = path.removeprefix("/api/v1/calendar/").removesuffix(".ics")
    feed = CalendarFeed.objects.get(user=resident)
    stored = " ".join(str(value) for value in feed.__dict__.values())
    assert token not in stored
    assert len(feed.token_hash) == 64 and feed.token_hash != token


@pytest.mark.parametrize(
    "token",
    [
        "x" * 43,  # well formed, unknown
        "short",
        "é" * 43,
        "x" * 200,
        "../../me",
    ],
)
def test_a_malformed_or_unknown_token_is_a_404_in_the_error_shape(token):
    feed_path(client_for(UserFactory()))  # a feed exists, just not this one
    response = APIClient().get(f"/api/v1/calendar/{token}.ics", HTTP_ACCEPT="text/calendar")
    assert_not_found(response)
    english = APIClient().get(f"/api/v1/calendar/{token}.ics", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["error"]["message"] in {
        "No calendar feed has this address.",
        "Nothing is found at this address.",
    }


def test_the_address_resources_need_a_signed_in_resident():
    anonymous = APIClient()
    for method, path in (("get", FEED), ("delete", FEED), ("post", f"{FEED}rotate/")):
        response = getattr(anonymous, method)(path)
        assert response.status_code == 401, (method, path)
        assert response.json()["error"]["code"] == "not_authenticated"
    assert not CalendarFeed.objects.exists()


def test_rotating_takes_no_field():
    resident = UserFactory()
    client = client_for(resident)
    path = feed_path(client)
    response = client.post(f"{FEED}rotate/", {"token": "mine"}, format="json")
    assert response.status_code == 400
    assert "token" in response.json()["error"]["fields"]
    read_feed(path)  # unchanged


def test_a_resident_cannot_rotate_or_revoke_anothers_address():
    alice, bob = UserFactory(), UserFactory()
    alice_path = feed_path(client_for(alice))
    bob_client = client_for(bob)
    assert bob_client.post(f"{FEED}rotate/").status_code == 200
    assert bob_client.delete(FEED).status_code == 204
    read_feed(alice_path)  # rotating and revoking act on the caller's own feed only


def test_an_unchanged_feed_answers_304_to_its_etag():
    resident = UserFactory()
    activity, _editor, sessions = club_with_sessions()
    path = feed_path(client_for(resident))
    first = APIClient().get(path)
    assert APIClient().get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert first["Cache-Control"] == "private"
    register(resident, activity, sessions[0])
    changed = APIClient().get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200


def test_a_registration_for_an_ongoing_activity_without_sessions_has_no_event():
    resident = UserFactory()
    ongoing = ActivityFactory(title="Visites à domicile")
    registration, _created = services.registration_create(user=resident, activity=ongoing)
    assert registration.status == "going" and registration.occurrence is None
    assert read_feed(feed_path(client_for(resident))).walk("VEVENT") == []


def test_a_deactivated_account_feed_is_a_404():
    resident = UserFactory()
    path = feed_path(client_for(resident))
    resident.is_active = False
    resident.save(update_fields=["is_active"])
    assert_not_found(APIClient().get(path))
