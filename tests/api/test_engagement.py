"""Favorites and registrations over HTTP: who reads and who writes each endpoint, what a
resident and an organizer see, the newcomer's welcome and the question after a first visit,
errors in the one shape in French and English, answers as the OpenAPI document says."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from activities import choices
from activities.models import Favorite, Occurrence, Registration
from matching.models import Feedback
from tests.api.test_openapi import assert_documented
from tests.conftest import client_for
from tests.factories import UserFactory, editor_of, listed_activity

pytestmark = pytest.mark.django_db

API = "/api/v1/"


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    return response.json()


def make_session(*, capacity: int | None = 2, days: float = 3, **fields) -> Occurrence:
    start = timezone.now() + datetime.timedelta(days=days)
    activity = listed_activity(47.2, -1.55, starts=[start], **fields)
    occurrence = activity.occurrences.get()
    occurrence.capacity = capacity
    occurrence.save()
    return occurrence


class World:
    """A session of an activity, its organizer and greeter, a registered resident, and the
    others who must not see what is not theirs."""

    def __init__(self):
        self.occurrence = make_session(capacity=2)
        self.activity = self.occurrence.activity
        self.organizer = editor_of(self.activity.organization)
        self.greeter = editor_of(
            self.activity.organization, UserFactory(display_name="Malika Benali")
        )
        self.activity.greeter = self.greeter
        self.activity.meeting_point = "Demandez le cercle tricot à l'accueil."
        self.activity.save()
        self.resident = UserFactory(display_name="Jeanne Martin")
        self.stranger = UserFactory()
        self.other_organizer = editor_of(listed_activity(47.2, -1.55).organization)
        self.staff = UserFactory(is_staff=True)

    def client(self, role: str) -> APIClient:
        if role == "anonymous":
            return APIClient()
        return client_for(getattr(self, role))

    def register(self, user=None) -> Registration:
        response = client_for(user or self.resident).post(
            f"{API}occurrences/{self.occurrence.pk}/registration/", {}, format="json"
        )
        assert response.status_code == 201, response.content
        return Registration.objects.get(pk=response.json()["id"])

    def start(self) -> None:
        Occurrence.objects.filter(pk=self.occurrence.pk).update(
            start=timezone.now() - datetime.timedelta(hours=1)
        )


@pytest.fixture
def world() -> World:
    return World()


def _snapshot() -> list:
    return sorted(
        Registration.objects.values_list(
            "id", "status", "offered_until", "visit_feeling", "shared_needs"
        )
    )


# --- favorites ------------------------------------------------------------------------------


def test_a_resident_saves_lists_and_unsaves_an_activity_with_its_card(world, schema):
    client = world.client("resident")
    response = client.post(f"{API}favorites/", {"activity": world.activity.pk}, format="json")
    assert response.status_code == 201
    assert_documented(schema, "/api/v1/favorites/", "post", response)
    assert response.json()["activity"]["id"] == world.activity.pk
    again = client.post(f"{API}favorites/", {"activity": world.activity.pk}, format="json")
    assert again.status_code == 200
    listed = client.get(f"{API}favorites/")
    assert_documented(schema, "/api/v1/favorites/", "get", listed)
    cards = [item["activity"] for item in listed.json()["results"]]
    assert [card["id"] for card in cards] == [world.activity.pk]
    assert cards[0]["next_occurrences"][0]["id"] == world.occurrence.pk
    # Another resident's list is their own.
    assert world.client("stranger").get(f"{API}favorites/").json()["results"] == []
    saved = Feedback.objects.filter(user=world.resident, activity=world.activity, signal="saved")
    assert saved.count() == 1  # the matcher heard it, once
    gone = client.delete(f"{API}favorites/{world.activity.pk}/")
    assert gone.status_code == 204
    assert not saved.exists()
    assert client.delete(f"{API}favorites/{world.activity.pk}/").status_code == 204
    assert client.get(f"{API}favorites/").json()["results"] == []


def test_favorites_need_a_signed_in_resident_and_a_published_activity(world):
    anonymous = world.client("anonymous")
    assert anonymous.get(f"{API}favorites/").status_code == 401
    refused = anonymous.post(f"{API}favorites/", {"activity": world.activity.pk}, format="json")
    assert refused.status_code == 401
    draft = listed_activity(47.2, -1.55, status="draft")
    response = world.client("resident").post(
        f"{API}favorites/", {"activity": draft.pk}, format="json"
    )
    assert response.status_code == 404
    assert not Favorite.objects.exists()


def test_unsaving_touches_only_ones_own_favorite(world):
    Favorite.objects.create(user=world.resident, activity=world.activity)
    assert (
        world.client("stranger").delete(f"{API}favorites/{world.activity.pk}/").status_code == 204
    )
    assert Favorite.objects.filter(user=world.resident).count() == 1


def test_an_archived_favorite_leaves_the_list(world):
    Favorite.objects.create(user=world.resident, activity=world.activity)
    world.activity.status = choices.ActivityStatus.ARCHIVED
    world.activity.save()
    assert world.client("resident").get(f"{API}favorites/").json()["results"] == []


# --- registering ----------------------------------------------------------------------------


def test_a_first_registration_tells_who_will_greet_and_where(world, schema):
    client = world.client("resident")
    path = f"{API}occurrences/{world.occurrence.pk}/registration/"
    response = client.post(path, {"shared_needs": "Je marche avec une canne."}, format="json")
    assert response.status_code == 201
    assert_documented(schema, "/api/v1/occurrences/{id}/registration/", "post", response)
    body = response.json()
    assert body["status"] == "going"
    assert body["first_visit"] is True
    assert body["welcome"] == {
        "greeter_first_name": "Malika",
        "meeting_point": "Demandez le cercle tricot à l'accueil.",
    }
    assert body["ask_how_it_went"] is False
    mine = client.get(path)
    assert mine.status_code == 200
    assert_documented(schema, "/api/v1/occurrences/{id}/registration/", "get", mine)
    assert mine.json()["id"] == body["id"]
    again = client.post(path, {}, format="json")
    assert (again.status_code, again.json()["id"]) == (200, body["id"])


def test_no_welcome_when_the_activity_names_nobody_and_no_place():
    occurrence = make_session()
    response = client_for(UserFactory()).post(
        f"{API}occurrences/{occurrence.pk}/registration/", {}, format="json"
    )
    assert response.json()["welcome"] is None


@pytest.mark.parametrize("role", ["anonymous"])
def test_registering_needs_a_signed_in_resident(world, role):
    path = f"{API}occurrences/{world.occurrence.pk}/registration/"
    client = world.client(role)
    assert client.post(path, {}, format="json").status_code == 401
    assert client.get(path).status_code == 401
    assert client.delete(path).status_code == 401
    assert not Registration.objects.exists()


def test_a_resident_never_sees_anothers_registration(world):
    world.register()
    path = f"{API}occurrences/{world.occurrence.pk}/registration/"
    for role in ("stranger", "organizer", "other_organizer", "staff"):
        assert world.client(role).get(path).status_code == 404, role
        assert world.client(role).get(f"{API}me/registrations/").json()["results"] == [], role
    before = _snapshot()
    assert world.client("stranger").delete(path).status_code == 204  # nothing of theirs
    assert _snapshot() == before


def test_the_waitlist_and_the_offer_over_http(world, schema):
    first, second = UserFactory(), UserFactory()
    path = f"{API}occurrences/{world.occurrence.pk}/registration/"
    world.register()
    world.register(first)
    waiting = client_for(second).post(path, {}, format="json").json()
    assert waiting["status"] == "waitlisted"
    # The first going resident cancels: the waitlisted one is offered the seat.
    assert client_for(world.resident).delete(path).status_code == 204
    mine = client_for(second).get(f"{API}me/registrations/")
    assert_documented(schema, "/api/v1/me/registrations/", "get", mine)
    (offer,) = mine.json()["results"]
    assert offer["status"] == "offered"
    assert offer["offered_until"] is not None
    # Another resident cannot take it; its owner can.
    confirm = f"{API}registrations/{offer['id']}/confirm/"
    assert client_for(first).post(confirm, {}, format="json").status_code == 404
    response = client_for(second).post(confirm, {}, format="json")
    assert response.status_code == 200
    assert_documented(schema, "/api/v1/registrations/{id}/confirm/", "post", response)
    assert response.json()["status"] == "going"
    again = client_for(second).post(confirm, {}, format="json")
    assert again.json()["status"] == "going"


@pytest.mark.parametrize("role", ["stranger", "organizer", "other_organizer", "staff"])
def test_no_one_else_confirms_or_answers_for_a_resident(world, role):
    world.register(UserFactory())
    world.register(UserFactory())
    waiting = world.register()
    going = Registration.objects.filter(status="going").first()
    client_for(going.user).delete(f"{API}occurrences/{world.occurrence.pk}/registration/")
    before = _snapshot()
    client = world.client(role)
    confirm = client.post(f"{API}registrations/{waiting.pk}/confirm/", {}, format="json")
    answer = client.post(
        f"{API}registrations/{waiting.pk}/how-it-went/", {"feeling": "good"}, format="json"
    )
    assert (confirm.status_code, answer.status_code) == (404, 404)
    assert confirm.json()["error"]["code"] == "not_found"
    assert _snapshot() == before
    assert Registration.objects.get(pk=waiting.pk).status == "offered"


@pytest.mark.parametrize(
    ("body", "field"),
    [({"activity": "x"}, "activity"), ({}, "activity"), ({"activity": 1, "user": 2}, "user")],
)
def test_bad_favorite_input_is_refused_in_both_languages(world, body, field):
    for language in ("fr", "en"):
        response = world.client("resident").post(
            f"{API}favorites/", body, format="json", HTTP_ACCEPT_LANGUAGE=language
        )
        assert response.status_code == 400
        assert field in response.json()["error"]["fields"]
    assert not Favorite.objects.exists()


def test_an_expired_offer_is_refused_and_stays_passed_on(world, settings):
    path = f"{API}occurrences/{world.occurrence.pk}/registration/"
    first, second = UserFactory(), UserFactory()
    world.register()
    world.register(UserFactory())
    world.register(first)
    world.register(second)
    client_for(world.resident).delete(path)
    offer = Registration.objects.get(user=first)
    Registration.objects.filter(pk=offer.pk).update(
        offered_until=timezone.now() - datetime.timedelta(minutes=1)
    )
    response = client_for(first).post(
        f"{API}registrations/{offer.pk}/confirm/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "offer_expired"
    assert "next" in response.json()["error"]["message"]
    assert Registration.objects.get(pk=offer.pk).status == "cancelled"
    assert Registration.objects.get(user=second).status == "offered"


@pytest.mark.parametrize(
    ("setup", "code"),
    [("cancelled", "session_cancelled"), ("started", "session_past"), ("full", "session_full")],
)
def test_refused_registrations_say_why_in_french_and_english(setup, code):
    occurrence = make_session(capacity=1, waitlist=setup != "full")
    if setup == "cancelled":
        Occurrence.objects.filter(pk=occurrence.pk).update(status="cancelled")
    elif setup == "started":
        Occurrence.objects.filter(pk=occurrence.pk).update(
            start=timezone.now() - datetime.timedelta(minutes=1)
        )
    else:
        client_for(UserFactory()).post(
            f"{API}occurrences/{occurrence.pk}/registration/", {}, format="json"
        )
    before = _snapshot()
    client = client_for(UserFactory())
    path = f"{API}occurrences/{occurrence.pk}/registration/"
    french = client.post(path, {}, format="json")
    english = client.post(path, {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert french.status_code == english.status_code == 409
    assert french.json()["error"]["code"] == english.json()["error"]["code"] == code
    assert french.json()["error"]["message"] != english.json()["error"]["message"]
    assert _snapshot() == before


def test_an_unpublished_session_is_not_found_for_residents():
    occurrence = make_session(status="pending")
    response = client_for(UserFactory()).post(
        f"{API}occurrences/{occurrence.pk}/registration/", {}, format="json"
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    # Its own editors see the session, but cannot register for what residents cannot see.
    editor = editor_of(occurrence.activity.organization)
    response = client_for(editor).post(
        f"{API}occurrences/{occurrence.pk}/registration/", {}, format="json"
    )
    assert response.status_code == 404
    assert not Registration.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"shared_needs": 12}, "shared_needs"),
        ({"shared_needs": "x" * 501}, "shared_needs"),
        ({"status": "going"}, "status"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_bad_registration_input_is_refused_with_the_field_named(world, body, field):
    path = f"{API}occurrences/{world.occurrence.pk}/registration/"
    for language in ("fr", "en"):
        response = world.client("resident").post(
            path, body, format="json", HTTP_ACCEPT_LANGUAGE=language
        )
        assert response.status_code == 400
        assert field in response.json()["error"]["fields"]
    assert not Registration.objects.exists()


def test_an_ongoing_activity_is_registered_for_as_a_whole(schema):
    activity = listed_activity(47.2, -1.55, capacity=1)
    path = f"{API}activities/{activity.pk}/registration/"
    response = client_for(UserFactory()).post(path, {}, format="json")
    assert response.status_code == 201
    assert_documented(schema, "/api/v1/activities/{id}/registration/", "post", response)
    assert response.json()["occurrence"] is None
    assert client_for(UserFactory()).post(path, {}, format="json").json()["status"] == "waitlisted"


def test_an_activity_with_sessions_is_registered_for_by_session(world):
    response = world.client("resident").post(
        f"{API}activities/{world.activity.pk}/registration/", {}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "has_sessions"


# --- my registrations -----------------------------------------------------------------------


def test_my_registrations_list_upcoming_first_and_filter(world):
    later = make_session(days=10)
    sooner = make_session(days=1)
    past = make_session(days=5)
    client = world.client("resident")
    for occurrence in (later, sooner, past, world.occurrence):
        client.post(f"{API}occurrences/{occurrence.pk}/registration/", {}, format="json")
    Occurrence.objects.filter(pk=past.pk).update(
        start=timezone.now() - datetime.timedelta(days=2),
        end=timezone.now() - datetime.timedelta(days=2) + datetime.timedelta(hours=2),
    )
    upcoming = client.get(f"{API}me/registrations/").json()["results"]
    assert [item["occurrence"]["id"] for item in upcoming] == [
        sooner.pk,
        world.occurrence.pk,
        later.pk,
    ]
    previous = client.get(f"{API}me/registrations/?when=past").json()["results"]
    assert [item["occurrence"]["id"] for item in previous] == [past.pk]
    client.delete(f"{API}occurrences/{later.pk}/registration/")
    cancelled = client.get(f"{API}me/registrations/?status=cancelled").json()["results"]
    assert [item["occurrence"]["id"] for item in cancelled] == [later.pk]
    bad = client.get(f"{API}me/registrations/?when=soon", HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 400
    assert "when" in bad.json()["error"]["fields"]
    assert world.client("anonymous").get(f"{API}me/registrations/").status_code == 401


def test_my_registrations_page_in_order_with_the_cursor(world):
    sessions = [make_session(days=days) for days in (6, 2, 4, 8, 9)]
    client = world.client("resident")
    for occurrence in sessions:
        client.post(f"{API}occurrences/{occurrence.pk}/registration/", {}, format="json")
    now = timezone.now()
    for occurrence, days_ago in ((sessions[3], 3), (sessions[4], 1)):
        start = now - datetime.timedelta(days=days_ago)
        Occurrence.objects.filter(pk=occurrence.pk).update(
            start=start, end=start + datetime.timedelta(hours=2)
        )

    def read(when: str) -> list[int]:
        seen, url = [], f"{API}me/registrations/?when={when}&page_size=1"
        while url:
            page = client.get(url).json()
            seen += [item["occurrence"]["id"] for item in page["results"]]
            url = page["next"]
        return seen

    assert read("upcoming") == [sessions[1].pk, sessions[2].pk, sessions[0].pk]
    assert read("past") == [sessions[4].pk, sessions[3].pk]


# --- organizers -----------------------------------------------------------------------------


def test_organizers_see_the_least_personal_data_of_their_own_activities(world, schema):
    client_for(world.resident).post(
        f"{API}occurrences/{world.occurrence.pk}/registration/",
        {"shared_needs": "Malentendante"},
        format="json",
    )
    path = f"{API}activities/{world.activity.pk}/registrations/"
    response = world.client("organizer").get(path)
    assert response.status_code == 200
    assert_documented(schema, "/api/v1/activities/{id}/registrations/", "get", response)
    (item,) = response.json()["results"]
    assert item["display_name"] == "Jeanne Martin"
    assert item["first_visit"] is True
    assert item["shared_needs"] == "Malentendante"
    assert not {"email", "user", "visit_note", "how_it_went"} & set(item)
    filtered = world.client("organizer").get(f"{path}?occurrence={world.occurrence.pk}")
    assert len(filtered.json()["results"]) == 1
    assert world.client("organizer").get(f"{path}?status=waitlisted").json()["results"] == []


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 401),
        ("resident", 403),
        ("stranger", 403),
        ("other_organizer", 403),
        ("staff", 403),
    ],
)
def test_only_the_activitys_organizers_list_its_registrations(world, role, expected):
    world.register()
    response = world.client(role).get(f"{API}activities/{world.activity.pk}/registrations/")
    assert response.status_code == expected
    assert "results" not in response.json()


def test_an_unpublished_activitys_registrations_are_not_found_outside_its_organization():
    activity = listed_activity(47.2, -1.55, status="draft")
    other = editor_of(listed_activity(47.2, -1.55).organization)
    response = client_for(other).get(f"{API}activities/{activity.pk}/registrations/")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 401),
        ("resident", 403),
        ("stranger", 404),
        ("other_organizer", 404),
        ("staff", 404),
        ("organizer", 200),
    ],
)
def test_only_the_activitys_organizers_mark_attendance(world, schema, role, expected):
    registration = world.register()
    world.start()
    response = world.client(role).post(
        f"{API}registrations/{registration.pk}/attendance/", {"status": "attended"}, format="json"
    )
    assert response.status_code == expected
    status = Registration.objects.get(pk=registration.pk).status
    assert status == ("attended" if expected == 200 else "going")
    if expected == 200:
        assert_documented(schema, "/api/v1/registrations/{id}/attendance/", "post", response)


def test_attendance_before_the_session_is_refused(world):
    registration = world.register()
    response = world.client("organizer").post(
        f"{API}registrations/{registration.pk}/attendance/",
        {"status": "no_show"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_started"
    bad = world.client("organizer").post(
        f"{API}registrations/{registration.pk}/attendance/", {"status": "going"}, format="json"
    )
    assert bad.status_code == 400
    assert "status" in bad.json()["error"]["fields"]
    assert Registration.objects.get(pk=registration.pk).status == "going"


# --- the question after a first visit -------------------------------------------------------


def test_after_a_first_visit_the_resident_is_asked_once_and_the_matcher_hears(world, schema):
    registration = world.register()
    world.start()
    world.client("organizer").post(
        f"{API}registrations/{registration.pk}/attendance/", {"status": "attended"}, format="json"
    )
    client = world.client("resident")
    (item,) = client.get(f"{API}me/registrations/?when=upcoming").json()["results"]
    assert item["ask_how_it_went"] is True
    path = f"{API}registrations/{registration.pk}/how-it-went/"
    assert (
        world.client("stranger").post(path, {"feeling": "good"}, format="json").status_code == 404
    )
    response = client.post(path, {"feeling": "good", "note": "Très bon accueil."}, format="json")
    assert response.status_code == 201
    assert_documented(schema, "/api/v1/registrations/{id}/how-it-went/", "post", response)
    assert response.json()["ask_how_it_went"] is False
    assert response.json()["how_it_went"]["feeling"] == "good"
    feedback = dict(
        Feedback.objects.filter(user=world.resident, activity=world.activity).values_list(
            "signal", "rating"
        )
    )
    assert feedback == {"attended": None, "rating": 5}
    second = client.post(path, {"feeling": "hard"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "already_answered"
    assert Registration.objects.get(pk=registration.pk).visit_feeling == "good"
    assert Feedback.objects.get(user=world.resident, signal="rating").rating == 5


def test_the_question_is_not_asked_before_the_visit(world):
    registration = world.register()
    response = world.client("resident").post(
        f"{API}registrations/{registration.pk}/how-it-went/", {"feeling": "good"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_asked"
    bad = world.client("resident").post(
        f"{API}registrations/{registration.pk}/how-it-went/", {"feeling": "great"}, format="json"
    )
    assert bad.status_code == 400
    assert not Feedback.objects.exists()


# --- the welcome ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 401),
        ("resident", 403),
        ("other_organizer", 403),
        ("staff", 403),
        ("organizer", 200),
    ],
)
def test_only_editors_name_the_greeter(world, schema, role, expected):
    path = f"{API}activities/{world.activity.pk}/welcome/"
    response = world.client(role).patch(path, {"meeting_point": "Salle B"}, format="json")
    assert response.status_code == expected
    world.activity.refresh_from_db()
    assert (world.activity.meeting_point == "Salle B") == (expected == 200)
    assert world.client(role).get(path).status_code == expected
    if expected == 200:
        assert_documented(schema, "/api/v1/activities/{id}/welcome/", "patch", response)
        assert response.json()["greeter_first_name"] == "Malika"


def test_the_greeter_must_be_a_member(world):
    path = f"{API}activities/{world.activity.pk}/welcome/"
    response = world.client("organizer").patch(
        path, {"greeter": world.stranger.pk}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "greeter_not_member"
    assert "greeter" in response.json()["error"]["fields"]
    world.activity.refresh_from_db()
    assert world.activity.greeter == world.greeter
    cleared = world.client("organizer").patch(path, {"greeter": None}, format="json")
    assert cleared.json()["greeter"] is None
