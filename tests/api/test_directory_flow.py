"""An association publishes an activity through real URLs, end to end."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from activities.models import Activity, Occurrence

PARIS = ZoneInfo("Europe/Paris")
STRONG = "un mot de passe solide"


def _signed_in(client, email: str) -> dict:
    response = client.post(
        "/api/v1/auth/register/", {"email": email, "password": STRONG, "display_name": email}
    )
    assert response.status_code == 201, response.content
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['tokens']['access']}"}


@pytest.mark.django_db
def test_an_association_publishes_a_weekly_activity_across_the_clock_change(api_client):
    with time_machine.travel(datetime.datetime(2026, 10, 1, 9, 0, tzinfo=PARIS), tick=False):
        owner = _signed_in(api_client, "presidente@amicale.example")
        editor = _signed_in(api_client, "benevole@amicale.example")

        org = api_client.post(
            "/api/v1/organizations/",
            {"name": "Amicale de Chantenay", "kind": "association", "siren": "123456789"},
            **owner,
        )
        assert org.status_code == 201, org.content
        slug = org.json()["slug"]
        assert org.json()["verified"] is False

        added = api_client.post(
            f"/api/v1/organizations/{slug}/members/",
            {"email": "benevole@amicale.example", "role": "editor"},
            **owner,
        )
        assert added.status_code == 201, added.content
        members = api_client.get(f"/api/v1/organizations/{slug}/members/", **editor).json()
        assert {m["role"] for m in members} == {"owner", "editor"}

        place = api_client.post(
            "/api/v1/places/",
            {
                "organization": slug,
                "name": "Maison de quartier de Chantenay",
                "address": "22 rue des Réformes",
                "postal_code": "44100",
                "lat": 47.2053,
                "lng": -1.5905,
                "wheelchair": "full",
                "accessibility": ["hearing", "motor"],
                "transport_access": "Bus C1, arrêt Chantenay",
            },
            **editor,
        )
        assert place.status_code == 201, place.content
        assert place.json()["territory"] == "44109"
        assert place.json()["city"] == "Nantes"
        assert place.json()["h3_cell"]

        activity = api_client.post(
            "/api/v1/activities/",
            {
                "organization": slug,
                "title": "Atelier tricot du mardi",
                "summary": "On tricote ensemble autour d'un thé, débutants bienvenus.",
                "kind": "club",
                "categories": ["tricot-couture"],
                "audiences": ["everyone", "seniors"],
                "languages": ["fr"],
                "place": place.json()["id"],
                "capacity": 12,
            },
            **editor,
        )
        assert activity.status_code == 201, activity.content
        activity_id = activity.json()["id"]
        assert activity.json()["status"] == "draft"

        schedule = api_client.post(
            f"/api/v1/activities/{activity_id}/schedules/",
            {
                "rrule": "FREQ=WEEKLY;BYDAY=TU",
                "start_time": "14:00",
                "end_time": "16:30",
                "timezone": "Europe/Paris",
                "valid_from": "2026-10-01",
            },
            **editor,
        )
        assert schedule.status_code == 201, schedule.content
        assert schedule.json()["description"] == "Tous les mardis à 14h00"

        submitted = api_client.post(f"/api/v1/activities/{activity_id}/submit/", **editor)
        assert submitted.status_code == 200, submitted.content
        assert submitted.json()["status"] == "pending"

        listed = api_client.get(
            f"/api/v1/activities/{activity_id}/occurrences/?page_size=50", **editor
        )
        assert listed.status_code == 200, listed.content
        sessions = listed.json()["results"]

    assert len(sessions) == 12
    starts = [datetime.datetime.fromisoformat(s["start"]) for s in sessions]
    local = [s.astimezone(PARIS) for s in starts]
    assert all(s.weekday() == 1 and (s.hour, s.minute) == (14, 0) for s in local)
    assert [s.date() for s in local][:4] == [
        datetime.date(2026, 10, 6),
        datetime.date(2026, 10, 13),
        datetime.date(2026, 10, 20),
        datetime.date(2026, 10, 27),
    ]
    # Before the clock change on 25 October, 14:00 in Paris is 12:00 UTC; after it, 13:00 UTC.
    utc_hours = [s.astimezone(datetime.UTC).hour for s in starts]
    assert utc_hours[:3] == [12, 12, 12]
    assert utc_hours[3:] == [13] * 9
    assert all(s["capacity"] == 12 and s["seats_left"] == 12 for s in sessions)


@pytest.mark.django_db
def test_a_pending_activity_is_not_shown_to_residents(api_client):
    from tests.factories import ActivityFactory, UserFactory, editor_of

    activity = ActivityFactory(status="pending")
    editor = editor_of(activity.organization)
    resident = UserFactory()
    from tests.conftest import client_for

    assert api_client.get(f"/api/v1/activities/{activity.pk}/").status_code == 404
    assert client_for(resident).get(f"/api/v1/activities/{activity.pk}/").status_code == 404
    assert client_for(editor).get(f"/api/v1/activities/{activity.pk}/").status_code == 200
    ids = [a["id"] for a in api_client.get("/api/v1/activities/").json()["results"]]
    assert activity.pk not in ids


@pytest.mark.django_db
def test_a_verified_organization_publishes_on_submit(api_client):
    from tests.conftest import client_for
    from tests.factories import ActivityFactory, editor_of

    activity = ActivityFactory(status="draft", organization__verified=True)
    editor = editor_of(activity.organization)
    client = client_for(editor)
    response = client.post(
        f"/api/v1/activities/{activity.pk}/schedules/",
        {
            "rrule": "FREQ=MONTHLY;BYDAY=-1FR",
            "start_time": "18:30",
            "end_time": "20:00",
            "valid_from": datetime.date.today().isoformat(),
        },
    )
    assert response.status_code == 201, response.content
    published = client.post(f"/api/v1/activities/{activity.pk}/submit/")
    assert published.json()["status"] == "published"
    activity.refresh_from_db()
    assert activity.published_at is not None
    assert Occurrence.objects.filter(activity=activity).count() >= 2
    assert Activity.objects.get(pk=activity.pk).status == "published"
