"""After a missed first visit, the organization's one friendly message: who may send it, when,
once, what the resident finds in their inbox, and what the organizers' list says."""

import pytest
from django.test import Client

from activities.models import Registration
from notifications.models import Notification
from tests.api.test_engagement import API, World
from tests.api.test_openapi import assert_documented
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    return response.json()


@pytest.fixture
def world() -> World:
    return World()


def missed(world: World, *, user=None) -> Registration:
    """A registration marked no-show by the organizer after the session started."""
    registration = world.register(user)
    world.start()
    marked = world.client("organizer").post(
        f"{API}registrations/{registration.pk}/attendance/", {"status": "no_show"}, format="json"
    )
    assert marked.status_code == 200, marked.content
    return Registration.objects.get(pk=registration.pk)


def follow_up(client, registration, body=None, **extra):
    path = f"{API}registrations/{registration.pk}/follow-up/"
    return client.post(path, {} if body is None else {"body": body}, format="json", **extra)


def test_the_organizer_sends_one_message_in_their_words_and_the_resident_reads_it(
    world, schema, django_capture_on_commit_callbacks
):
    registration = missed(world)
    listed = world.client("organizer").get(f"{API}activities/{world.activity.pk}/registrations/")
    (item,) = listed.json()["results"]
    assert (item["may_follow_up"], item["followed_up_at"]) == (True, None)
    words = "Bonjour Jeanne, vous nous avez manqué ! Le café vous attend mardi."
    with django_capture_on_commit_callbacks(execute=True):
        response = follow_up(world.client("organizer"), registration, words)
    assert response.status_code == 201, response.content
    assert_documented(schema, "/api/v1/registrations/{id}/follow-up/", "post", response)
    assert response.json()["may_follow_up"] is False
    assert response.json()["followed_up_at"] is not None
    inbox = world.client("resident").get(f"{API}me/notifications/").json()["results"]
    (notice,) = [item for item in inbox if item["kind"] == "visit_follow_up"]
    assert notice["body"] == words
    assert world.activity.organization.name in notice["title"]
    assert notice["data"]["registration"] == registration.pk
    # Nobody else hears it.
    assert not Notification.objects.filter(kind="visit_follow_up").exclude(user=world.resident)
    (item,) = (
        world.client("organizer")
        .get(f"{API}activities/{world.activity.pk}/registrations/")
        .json()["results"]
    )
    assert item["may_follow_up"] is False
    assert item["followed_up_at"] == response.json()["followed_up_at"]


@pytest.mark.parametrize(
    ("language", "words"), [("fr", "Vous nous avez manqué"), ("en", "We missed you")]
)
def test_an_empty_body_sends_a_kind_default_text_in_the_residents_language(
    world, language, words, django_capture_on_commit_callbacks
):
    resident = UserFactory(display_name="Sam", preferred_language=language)
    registration = missed(world, user=resident)
    with django_capture_on_commit_callbacks(execute=True):
        response = follow_up(world.client("organizer"), registration, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 201
    notice = Notification.objects.get(user=resident, kind="visit_follow_up")
    assert words in notice.body
    assert world.activity.title in notice.body


def test_a_second_message_is_a_409_and_sends_nothing(world, django_capture_on_commit_callbacks):
    registration = missed(world)
    with django_capture_on_commit_callbacks(execute=True):
        assert follow_up(world.client("organizer"), registration, "").status_code == 201
        sent_at = Registration.objects.get(pk=registration.pk).followed_up_at
        again = follow_up(
            world.client("organizer"), registration, "Encore ?", HTTP_ACCEPT_LANGUAGE="en"
        )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_followed_up"
    assert again.json()["error"]["message"] == "A message was already sent after this missed visit."
    assert Notification.objects.filter(kind="visit_follow_up").count() == 1
    assert Registration.objects.get(pk=registration.pk).followed_up_at == sent_at


def test_only_a_first_visit_marked_no_show_may_be_followed_up(world):
    going = world.register()
    refused = follow_up(world.client("organizer"), going, "", HTTP_ACCEPT_LANGUAGE="fr")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "not_missed_first_visit"
    assert refused.json()["error"]["message"].startswith("Un message ne peut être envoyé")
    world.start()
    world.client("organizer").post(
        f"{API}registrations/{going.pk}/attendance/", {"status": "attended"}, format="json"
    )
    assert follow_up(world.client("organizer"), going, "").status_code == 409
    # A resident who had come before: not a first visit.
    Registration.objects.filter(pk=going.pk).update(status="no_show", first_visit=False)
    assert follow_up(world.client("organizer"), going, "").status_code == 409
    assert Registration.objects.get(pk=going.pk).followed_up_at is None
    assert not Notification.objects.filter(kind="visit_follow_up").exists()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 401),
        ("resident", 403),
        ("stranger", 404),
        ("other_organizer", 404),
        ("staff", 404),
        ("greeter", 201),
        ("organizer", 201),
    ],
)
def test_only_the_activitys_organizers_send_it(world, schema, role, expected):
    registration = missed(world)
    response = follow_up(world.client(role), registration, "")
    assert response.status_code == expected
    if expected != 201:
        assert set(response.json()) == {"error"}
    else:
        assert_documented(schema, "/api/v1/registrations/{id}/follow-up/", "post", response)
    sent = Registration.objects.get(pk=registration.pk).followed_up_at is not None
    assert sent is (expected == 201)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"body": "x" * 501}, "body"),
        ({"body": "Bonjour\x00"}, "body"),
        ({"body": None}, "body"),
        ({"message": "Bonjour"}, "message"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_sends_nothing(world, body, field):
    registration = missed(world)
    for language in ("fr", "en"):
        response = world.client("organizer").post(
            f"{API}registrations/{registration.pk}/follow-up/",
            body,
            format="json",
            HTTP_ACCEPT_LANGUAGE=language,
        )
        assert response.status_code == 400, response.content
        assert field in response.json()["error"]["fields"]
    assert Registration.objects.get(pk=registration.pk).followed_up_at is None


def test_a_message_that_is_not_plain_text_is_refused(world):
    registration = missed(world)
    response = world.client("organizer").post(
        f"{API}registrations/{registration.pk}/follow-up/",
        {"body": "Bonjour <script>alert(1)</script>"},
        format="json",
    )
    assert response.status_code == 400
    assert "body" in response.json()["error"]["fields"]
    assert Registration.objects.get(pk=registration.pk).followed_up_at is None


def test_the_resident_never_sees_another_residents_message(
    world, django_capture_on_commit_callbacks
):
    registration = missed(world)
    with django_capture_on_commit_callbacks(execute=True):
        follow_up(world.client("organizer"), registration, "Au plaisir !")
    other = client_for(world.stranger).get(f"{API}me/notifications/").json()["results"]
    assert other == []
