"""The activity's `waitlist` flag over HTTP: read in the detail, written by its editors only,
and honoured by registration (a full session without a waitlist is a 409 `session_full`)."""

import pytest
from django.test import Client

from activities.models import Activity, Registration
from tests.api.test_engagement import API, make_session
from tests.api.test_openapi import assert_documented
from tests.conftest import client_for
from tests.factories import OrganizationFactory, UserFactory, editor_of, listed_activity

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    return response.json()


def register(user, occurrence):
    return client_for(user).post(
        f"{API}occurrences/{occurrence.pk}/registration/",
        {},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_an_editor_creates_without_a_waitlist_and_turns_it_on(schema):
    organization = OrganizationFactory()
    editor = editor_of(organization)
    client = client_for(editor)
    created = client.post(
        f"{API}activities/",
        {
            "organization": organization.slug,
            "title": "Atelier mémoire",
            "summary": "Des jeux pour la mémoire, en petit groupe.",
            "kind": "class",
            "categories": ["tricot-couture"],
            "attendance_mode": "online",
            "capacity": 8,
            "waitlist": False,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert_documented(schema, "/api/v1/activities/", "post", created)
    assert created.json()["waitlist"] is False
    activity_id = created.json()["id"]
    assert Activity.objects.get(pk=activity_id).waitlist is False
    detail = client.get(f"{API}activities/{activity_id}/")
    assert_documented(schema, "/api/v1/activities/{id}/", "get", detail)
    assert detail.json()["waitlist"] is False
    changed = client.patch(f"{API}activities/{activity_id}/", {"waitlist": True}, format="json")
    assert changed.status_code == 200, changed.content
    assert_documented(schema, "/api/v1/activities/{id}/", "patch", changed)
    assert changed.json()["waitlist"] is True
    assert Activity.objects.get(pk=activity_id).waitlist is True
    # Other fields left out keep theirs.
    assert changed.json()["capacity"] == 8


def test_an_activity_keeps_a_waitlist_unless_told_otherwise():
    activity = listed_activity(47.2, -1.55)
    detail = client_for(UserFactory()).get(f"{API}activities/{activity.pk}/")
    assert detail.status_code == 200
    assert detail.json()["waitlist"] is True


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 401), ("resident", 403), ("other_editor", 403), ("editor", 200)],
)
def test_only_the_organizations_editors_change_the_waitlist(role, expected):
    activity = listed_activity(47.2, -1.55)
    users = {
        "resident": UserFactory(),
        "other_editor": editor_of(OrganizationFactory()),
        "editor": editor_of(activity.organization),
    }
    client = Client() if role == "anonymous" else client_for(users[role])
    response = client.patch(
        f"{API}activities/{activity.pk}/",
        {"waitlist": False},
        content_type="application/json",
    )
    assert response.status_code == expected, response.content
    assert Activity.objects.get(pk=activity.pk).waitlist is (expected != 200)


@pytest.mark.parametrize("value", ["maybe", None, [True], {"on": True}])
def test_a_waitlist_that_is_not_a_boolean_is_a_400_naming_it(value):
    activity = listed_activity(47.2, -1.55)
    client = client_for(editor_of(activity.organization))
    for language in ("fr", "en"):
        response = client.patch(
            f"{API}activities/{activity.pk}/",
            {"waitlist": value},
            format="json",
            HTTP_ACCEPT_LANGUAGE=language,
        )
        assert response.status_code == 400, response.content
        assert "waitlist" in response.json()["error"]["fields"]
    assert Activity.objects.get(pk=activity.pk).waitlist is True


def test_registration_honours_the_flag_written_through_the_api():
    occurrence = make_session(capacity=1)
    activity = occurrence.activity
    editor = client_for(editor_of(activity.organization))
    off = editor.patch(f"{API}activities/{activity.pk}/", {"waitlist": False}, format="json")
    assert off.status_code == 200, off.content
    assert register(UserFactory(), occurrence).json()["status"] == "going"
    refused = register(UserFactory(), occurrence)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "session_full"
    assert Registration.objects.count() == 1
    on = editor.patch(f"{API}activities/{activity.pk}/", {"waitlist": True}, format="json")
    assert on.status_code == 200
    waiting = register(UserFactory(), occurrence)
    assert waiting.status_code == 201
    assert waiting.json()["status"] == "waitlisted"
