"""Every write of the directory: anonymous gets 401, a signed-in stranger 403, an editor
success; a refused write changes nothing."""

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from activities import services
from activities.models import Activity, Membership, Occurrence, Organization, Place, Schedule
from tests.conftest import client_for
from tests.factories import ActivityFactory, PlaceFactory, UserFactory, editor_of

pytestmark = pytest.mark.django_db


@dataclass
class World:
    organization: Organization
    owner: Any
    editor: Any
    stranger: Any
    place: Place
    spare_place: Place
    activity: Activity
    schedule: Schedule
    occurrence: Occurrence
    membership: Membership


@pytest.fixture
def world() -> World:
    activity = ActivityFactory(status="draft")
    organization = activity.organization
    owner = editor_of(organization, role="owner")
    editor = editor_of(organization)
    schedule = services.schedule_create(
        activity=activity,
        by=editor,
        rrule="FREQ=WEEKLY;BYDAY=WE",
        start_time=datetime.time(10),
        end_time=datetime.time(11),
        valid_from=timezone.localdate(),
    )
    return World(
        organization=organization,
        owner=owner,
        editor=editor,
        stranger=UserFactory(),
        place=activity.place,
        spare_place=PlaceFactory(organization=organization),
        activity=activity,
        schedule=schedule,
        occurrence=activity.occurrences.first(),
        membership=Membership.objects.get(user=editor),
    )


WEEKLY = {"rrule": "FREQ=WEEKLY;BYDAY=MO", "start_time": "09:00", "end_time": "10:00"}

# (name, method, url(world), body(world), status on success, who succeeds)
WRITES = [
    ("organization-update", "patch", lambda w: f"/api/v1/organizations/{w.organization.slug}/",
     lambda w: {"description": "Nouvelle description"}, 200, "editor"),
    ("member-add", "post", lambda w: f"/api/v1/organizations/{w.organization.slug}/members/",
     lambda w: {"email": UserFactory().email}, 201, "owner"),
    ("member-remove", "delete",
     lambda w: f"/api/v1/organizations/{w.organization.slug}/members/{w.membership.pk}/",
     lambda w: None, 204, "owner"),
    ("place-create", "post", lambda w: "/api/v1/places/",
     lambda w: {"organization": w.organization.slug, "name": "Salle", "lat": 47.2, "lng": -1.55},
     201, "editor"),
    ("place-update", "patch", lambda w: f"/api/v1/places/{w.place.pk}/",
     lambda w: {"name": "Salle rénovée"}, 200, "editor"),
    ("place-delete", "delete", lambda w: f"/api/v1/places/{w.spare_place.pk}/",
     lambda w: None, 204, "editor"),
    ("activity-create", "post", lambda w: "/api/v1/activities/",
     lambda w: {"organization": w.organization.slug, "title": "Chorale", "summary": "On chante.",
                "kind": "club", "categories": ["chorale-chant"], "place": w.place.pk},
     201, "editor"),
    ("activity-update", "patch", lambda w: f"/api/v1/activities/{w.activity.pk}/",
     lambda w: {"title": "Tricot et thé"}, 200, "editor"),
    ("activity-archive", "delete", lambda w: f"/api/v1/activities/{w.activity.pk}/",
     lambda w: None, 204, "editor"),
    ("activity-submit", "post", lambda w: f"/api/v1/activities/{w.activity.pk}/submit/",
     lambda w: None, 200, "editor"),
    ("schedule-create", "post", lambda w: f"/api/v1/activities/{w.activity.pk}/schedules/",
     lambda w: {**WEEKLY, "valid_from": timezone.localdate().isoformat()}, 201, "editor"),
    ("schedule-update", "patch", lambda w: f"/api/v1/schedules/{w.schedule.pk}/",
     lambda w: {"end_time": "11:30"}, 200, "editor"),
    ("schedule-delete", "delete", lambda w: f"/api/v1/schedules/{w.schedule.pk}/",
     lambda w: None, 204, "editor"),
    ("occurrence-cancel", "patch", lambda w: f"/api/v1/occurrences/{w.occurrence.pk}/",
     lambda w: {"status": "cancelled", "note": "Salle indisponible"}, 200, "editor"),
]  # fmt: skip
IDS = [write[0] for write in WRITES]


def _snapshot() -> tuple:
    return (
        list(Organization.objects.values()),
        list(Membership.objects.values()),
        list(Place.objects.values()),
        list(Activity.objects.values()),
        list(Schedule.objects.values()),
        list(Occurrence.objects.values()),
    )


def _send(client, method, url, body):
    return (
        getattr(client, method)(url, body, format="json") if body else getattr(client, method)(url)
    )


@pytest.mark.parametrize(("name", "method", "url", "body", "ok", "who"), WRITES, ids=IDS)
def test_anonymous_gets_401(api_client, world, name, method, url, body, ok, who):
    before = _snapshot()
    response = _send(api_client, method, url(world), body(world))
    assert response.status_code == 401, response.content
    assert response.json()["error"]["code"] == "not_authenticated"
    assert _snapshot() == before


@pytest.mark.parametrize(("name", "method", "url", "body", "ok", "who"), WRITES, ids=IDS)
def test_a_stranger_gets_403(world, name, method, url, body, ok, who):
    request_body = body(world)
    before = _snapshot()
    response = _send(client_for(world.stranger), method, url(world), request_body)
    assert response.status_code == 403, response.content
    assert response.json()["error"]["code"] == "permission_denied"
    assert _snapshot() == before


@pytest.mark.parametrize(("name", "method", "url", "body", "ok", "who"), WRITES, ids=IDS)
def test_the_right_member_succeeds(world, name, method, url, body, ok, who):
    response = _send(client_for(getattr(world, who)), method, url(world), body(world))
    assert response.status_code == ok, response.content


def test_an_editor_cannot_add_members(world):
    response = client_for(world.editor).post(
        f"/api/v1/organizations/{world.organization.slug}/members/", {"email": "x@example.org"}
    )
    assert response.status_code == 403


def test_a_member_may_leave_but_the_last_owner_stays(world):
    own = Membership.objects.get(user=world.owner)
    response = client_for(world.owner).delete(
        f"/api/v1/organizations/{world.organization.slug}/members/{own.pk}/"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    leaving = client_for(world.editor).delete(
        f"/api/v1/organizations/{world.organization.slug}/members/{world.membership.pk}/"
    )
    assert leaving.status_code == 204


def test_member_list_is_for_members(world):
    url = f"/api/v1/organizations/{world.organization.slug}/members/"
    assert client_for(world.stranger).get(url).status_code == 403
    assert client_for(world.editor).get(url).status_code == 200


def test_creating_an_organization_needs_an_account(api_client, user_client):
    assert api_client.post("/api/v1/organizations/", {"name": "Club"}).status_code == 401
    response = user_client.post("/api/v1/organizations/", {"name": "Club des Cinq"})
    assert response.status_code == 201
    assert response.json()["slug"] == "club-des-cinq"


def test_a_place_in_use_cannot_be_deleted(world):
    response = client_for(world.editor).delete(f"/api/v1/places/{world.place.pk}/")
    assert response.status_code == 409
    assert Place.objects.filter(pk=world.place.pk).exists()


def test_cancelling_one_session_leaves_the_series(world):
    others = list(
        world.activity.occurrences.exclude(pk=world.occurrence.pk).values_list("status", flat=True)
    )
    response = client_for(world.editor).patch(
        f"/api/v1/occurrences/{world.occurrence.pk}/", {"status": "cancelled"}
    )
    assert response.status_code == 200
    assert response.json()["is_modified"] is True
    assert set(others) == {"scheduled"}
    assert set(
        world.activity.occurrences.exclude(pk=world.occurrence.pk).values_list("status", flat=True)
    ) == {"scheduled"}
    # Editing the series again keeps the single cancellation.
    client_for(world.editor).patch(f"/api/v1/schedules/{world.schedule.pk}/", {"end_time": "12:00"})
    world.occurrence.refresh_from_db()
    assert world.occurrence.status == "cancelled"
    assert (
        world.activity.occurrences.filter(status="scheduled")
        .first()
        .end.astimezone(timezone.get_current_timezone())
        .hour
        == 12
    )
