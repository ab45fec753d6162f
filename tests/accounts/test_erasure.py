"""Erasing one's account (`DELETE me/`): confirmed with the password; the resident's upcoming
places are given up first, each seat offered to the next waitlisted resident as a cancellation
does; then nothing that links to the person remains in any table, and no token works. The
Django admin's deletion frees the seats the same way."""

import datetime

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from activities.models import Activity, Membership, Occurrence, Registration
from curation.models import HistoricalActivity, Report
from matching import services as matching_services
from matching.models import Feedback, RecommendationSet, ResidentProfile
from notifications.models import Device, Notification
from tests.api.test_openapi import assert_documented
from tests.conftest import client_for
from tests.factories import (
    DEFAULT_PASSWORD,
    OrganizationFactory,
    UserFactory,
    editor_of,
    listed_activity,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/"
HOME = {"lat": 47.2184, "lng": -1.5536}


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    return response.json()


def session(*, capacity: int = 1, days: float = 3) -> Occurrence:
    start = timezone.now() + datetime.timedelta(days=days)
    activity = listed_activity(47.2184, -1.5546, starts=[start], capacity=capacity)
    occurrence = activity.occurrences.get()
    Occurrence.objects.filter(pk=occurrence.pk).update(capacity=capacity)
    occurrence.refresh_from_db()
    return occurrence


def register(user, occurrence: Occurrence) -> dict:
    response = client_for(user).post(
        f"{API}occurrences/{occurrence.pk}/registration/", {}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def signed_in(user) -> tuple[APIClient, str]:
    """A client signed in as the app is (the token pair from `auth/token/`), and the refresh."""
    tokens = APIClient().post(
        f"{API}auth/token/", {"email": user.email, "password": DEFAULT_PASSWORD}, format="json"
    )
    assert tokens.status_code == 200, tokens.content
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.json()['access']}")
    return client, tokens.json()["refresh"]


def erase(client: APIClient, password: str = DEFAULT_PASSWORD, **extra):
    return client.delete(f"{API}me/", {"password": password}, format="json", **extra)


def links_to(user_id: int) -> list[str]:
    """Every row of every table whose foreign key still points at the account."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields():
            if (
                isinstance(field, models.ForeignKey | models.OneToOneField)
                and field.related_model is User
                and model._base_manager.filter(**{field.attname: user_id}).exists()
            ):
                found.append(f"{model._meta.label}.{field.name}")
    return found


def test_erasing_frees_the_seat_for_the_first_waitlisted_resident_who_is_told(
    schema, django_capture_on_commit_callbacks
):
    occurrence = session(capacity=1)
    leaving, waiting, after = UserFactory(), UserFactory(preferred_language="en"), UserFactory()
    register(leaving, occurrence)
    assert register(waiting, occurrence)["status"] == "waitlisted"
    assert register(after, occurrence)["status"] == "waitlisted"
    client, _refresh = signed_in(leaving)
    with django_capture_on_commit_callbacks(execute=True):
        response = erase(client)
    assert response.status_code == 204, response.content
    assert_documented(schema, "/api/v1/me/", "delete", response)
    assert not User.objects.filter(pk=leaving.pk).exists()
    statuses = dict(Registration.objects.values_list("user_id", "status"))
    assert statuses == {waiting.pk: "offered", after.pk: "waitlisted"}
    occurrence.refresh_from_db()
    assert occurrence.seats_taken == 1  # the seat offered is held for the resident offered it
    notice = Notification.objects.get(user=waiting)
    assert (notice.kind, notice.title) == (
        "seat_offered",
        f"A seat for you: {occurrence.activity.title}",
    )
    # The resident offered the seat takes it.
    (offer,) = Registration.objects.filter(user=waiting)
    confirmed = client_for(waiting).post(
        f"{API}registrations/{offer.pk}/confirm/", {}, format="json"
    )
    assert confirmed.json()["status"] == "going"


def test_a_seat_at_an_ongoing_activity_is_freed_too(django_capture_on_commit_callbacks):
    activity = listed_activity(47.2184, -1.5546, capacity=1)
    leaving, waiting = UserFactory(), UserFactory()
    for user in (leaving, waiting):
        response = client_for(user).post(
            f"{API}activities/{activity.pk}/registration/", {}, format="json"
        )
        assert response.status_code == 201, response.content
    # A regular of the group: attending holds the place.
    Registration.objects.filter(user=leaving).update(status="attended")
    client, _refresh = signed_in(leaving)
    with django_capture_on_commit_callbacks(execute=True):
        assert erase(client).status_code == 204
    assert Registration.objects.get(user=waiting).status == "offered"
    assert Notification.objects.filter(user=waiting, kind="seat_offered").exists()


def test_a_session_already_started_keeps_its_seats_and_the_account_still_goes():
    occurrence = session(capacity=1)
    leaving, waiting = UserFactory(), UserFactory()
    register(leaving, occurrence)
    register(waiting, occurrence)
    Occurrence.objects.filter(pk=occurrence.pk).update(
        start=timezone.now() - datetime.timedelta(minutes=30)
    )
    client, _refresh = signed_in(leaving)
    assert erase(client).status_code == 204
    assert Registration.objects.get(user=waiting).status == "waitlisted"
    assert not Registration.objects.filter(user_id=leaving.pk).exists()


def test_nothing_that_links_to_the_person_remains_and_no_token_works():
    resident = UserFactory(display_name="Jeanne Martin", email="jeanne.martin@example.org")
    client, refresh = signed_in(resident)
    occurrence = session(capacity=5)
    activity = occurrence.activity
    organization = activity.organization
    register(resident, occurrence)
    past = session(capacity=5, days=-2)
    Registration.objects.create(
        user=resident,
        activity=past.activity,
        occurrence=past,
        status="attended",
        position=1,
        first_visit=True,
    )
    assert (
        client.post(f"{API}favorites/", {"activity": activity.pk}, format="json").status_code == 201
    )
    assert (
        client.post(
            f"{API}me/devices/",
            {"platform": "android", "token": "dGVzdA:APA91b" + "x" * 140},
            format="json",
        ).status_code
        == 201
    )
    profile = client.patch(
        f"{API}me/profile/", {"home": HOME, "matching_consent": True}, format="json"
    )
    assert profile.status_code == 200, profile.content
    matching_services.recommendations_compute(user_ids=[resident.pk])
    assert client.post(
        f"{API}feedback/", {"activity": activity.pk, "signal": "dismissed"}, format="json"
    ).status_code in (200, 201)
    assert client.get(f"{API}me/calendar-feed/").status_code == 200
    put = client.put(
        f"{API}me/notification-preferences/",
        {
            "channels": ["email"],
            "remind_day_before": True,
            "remind_two_hours": False,
            "quiet_hours": True,
            "quiet_start": "21:00",
            "quiet_end": "08:00",
            "timezone": "Europe/Paris",
        },
        format="json",
    )
    assert put.status_code == 200, put.content
    Notification.objects.create(user=resident, kind="test", title="Bonjour Jeanne")
    reported = client.post(
        f"{API}reports/",
        {"activity": activity.pk, "reason": "no_longer_exists", "comment": "Fermé."},
        format="json",
    )
    assert reported.status_code == 201, reported.content
    # Also an editor of an organization, the greeter of its activity (in the audit trail too),
    # and named by the admin's log.
    editor_of(organization, resident)
    activity.greeter = resident
    activity.save()
    LogEntry.objects.create(
        user=UserFactory(is_staff=True),
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(resident.pk),
        object_repr=str(resident),
        action_flag=CHANGE,
    )
    assert Device.objects.filter(user=resident).exists()
    assert ResidentProfile.objects.filter(user=resident).exists()
    assert RecommendationSet.objects.filter(user=resident).exists()
    assert Feedback.objects.filter(user=resident).exists()
    assert len(links_to(resident.pk)) >= 10

    assert erase(client).status_code == 204

    assert links_to(resident.pk) == []
    assert not LogEntry.objects.filter(object_repr__icontains="Jeanne").exists()
    # What belongs to others stays, without the link.
    report = Report.objects.get(activity=activity)
    assert report.reporter_id is None and report.comment == "Fermé."
    activity.refresh_from_db()
    assert activity.greeter_id is None
    assert Membership.objects.filter(organization=organization).count() == 0
    assert Activity.objects.filter(pk=activity.pk).exists()
    # No token works: the access token is refused, the refresh token revoked.
    assert client.get(f"{API}me/").status_code == 401
    refreshed = APIClient().post(f"{API}auth/token/refresh/", {"refresh": refresh}, format="json")
    assert refreshed.status_code == 401
    assert set(refreshed.json()) == {"error"}
    signed = APIClient().post(
        f"{API}auth/token/",
        {"email": "jeanne.martin@example.org", "password": DEFAULT_PASSWORD},
        format="json",
    )
    assert signed.status_code == 401


def test_the_audit_trail_keeps_its_rows_without_the_greeter_or_the_author():
    resident = UserFactory()
    activity = listed_activity(47.2184, -1.5546)
    editor_of(activity.organization, resident)
    Activity.objects.filter(pk=activity.pk).update(greeter=resident)
    activity.refresh_from_db()
    activity._change_reason = "greeter"
    activity._history_user = resident
    activity.save()
    assert HistoricalActivity.objects.filter(greeter_id=resident.pk).exists()
    rows = HistoricalActivity.objects.filter(id=activity.pk).count()
    client, _refresh = signed_in(resident)
    assert erase(client).status_code == 204
    assert HistoricalActivity.objects.filter(id=activity.pk).count() == rows
    assert not HistoricalActivity.objects.filter(greeter_id=resident.pk).exists()
    assert not HistoricalActivity.objects.filter(history_user_id=resident.pk).exists()


@pytest.mark.parametrize(
    ("language", "message"),
    [("fr", "Le mot de passe est incorrect."), ("en", "The password is wrong.")],
)
def test_a_wrong_password_is_a_400_in_the_callers_language_and_nothing_goes(language, message):
    occurrence = session(capacity=1)
    resident, waiting = UserFactory(), UserFactory()
    register(resident, occurrence)
    register(waiting, occurrence)
    client, refresh = signed_in(resident)
    response = erase(client, "not the password", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "wrong_password"
    assert error["fields"]["password"] == [message]
    assert User.objects.filter(pk=resident.pk).exists()
    assert Registration.objects.get(user=resident).status == "going"
    assert Registration.objects.get(user=waiting).status == "waitlisted"
    assert client.get(f"{API}me/").status_code == 200
    refreshed = APIClient().post(f"{API}auth/token/refresh/", {"refresh": refresh}, format="json")
    assert refreshed.status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "password"),
        ({"password": ""}, "password"),
        ({"password": None}, "password"),
        ({"password": "x" * 129}, "password"),
        ({"password": DEFAULT_PASSWORD, "confirm": True}, "confirm"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(body, field):
    resident = UserFactory()
    for language in ("fr", "en"):
        response = client_for(resident).delete(
            f"{API}me/", body, format="json", HTTP_ACCEPT_LANGUAGE=language
        )
        assert response.status_code == 400, response.content
        assert field in response.json()["error"]["fields"]
    assert User.objects.filter(pk=resident.pk).exists()


def test_anonymous_cannot_erase_and_a_wrong_password_never_erases():
    assert APIClient().delete(f"{API}me/", {"password": "x"}, format="json").status_code == 401
    resident, other = UserFactory(), UserFactory()
    # The password of another account does not erase it, nor one's own.
    response = erase(client_for(other), DEFAULT_PASSWORD + "!")
    assert response.status_code == 400
    assert User.objects.filter(pk__in=[resident.pk, other.pk]).count() == 2


def test_the_admins_deletion_frees_the_seat_as_well(django_capture_on_commit_callbacks, settings):
    occurrence = session(capacity=1)
    leaving, waiting = UserFactory(), UserFactory()
    register(leaving, occurrence)
    register(waiting, occurrence)
    _client, refresh = signed_in(leaving)
    staff = UserFactory(is_staff=True, is_superuser=True)
    admin = Client()
    admin.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            f"/{settings.ADMIN_URL}accounts/user/{leaving.pk}/delete/", {"post": "yes"}
        )
    assert response.status_code == 302, response.content[:500]
    assert not User.objects.filter(pk=leaving.pk).exists()
    assert Registration.objects.get(user=waiting).status == "offered"
    assert Notification.objects.filter(user=waiting, kind="seat_offered").exists()
    refreshed = APIClient().post(f"{API}auth/token/refresh/", {"refresh": refresh}, format="json")
    assert refreshed.status_code == 401


def test_the_greeters_inbox_forgets_the_newcomers_first_name(django_capture_on_commit_callbacks):
    occurrence = session(capacity=5)
    greeter = editor_of(occurrence.activity.organization)
    Activity.objects.filter(pk=occurrence.activity_id).update(greeter=greeter)
    leaving = UserFactory(display_name="Jeanne Martin")
    staying = UserFactory(display_name="Paul Durand")
    with django_capture_on_commit_callbacks(execute=True):
        register(leaving, occurrence)
        register(staying, occurrence)
    told = Notification.objects.filter(user=greeter, kind="newcomer_coming")
    assert sorted("Jeanne" in item.body for item in told) == [False, True]
    client, _refresh = signed_in(leaving)
    assert erase(client).status_code == 204
    (left,) = Notification.objects.filter(user=greeter, kind="newcomer_coming")
    assert "Paul" in left.body
    assert not Notification.objects.filter(body__contains="Jeanne").exists()


def test_the_only_owner_of_an_organization_with_other_members_names_another_first():
    owner, editor = UserFactory(), UserFactory()
    organization = OrganizationFactory(name="Amicale des Dervallières")
    editor_of(organization, owner, role="owner")
    editor_of(organization, editor)
    occurrence = session(capacity=1)
    register(owner, occurrence)
    client, refresh = signed_in(owner)
    for language, words in (("fr", "seul propriétaire"), ("en", "only owner")):
        refused = erase(client, HTTP_ACCEPT_LANGUAGE=language)
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "last_owner"
        assert words in refused.json()["error"]["message"]
        assert "Amicale des Dervallières" in refused.json()["error"]["message"]
    # Nothing changed: the account, its place, its tokens.
    assert User.objects.filter(pk=owner.pk).exists()
    assert Registration.objects.get(user=owner).status == "going"
    refreshed = APIClient().post(f"{API}auth/token/refresh/", {"refresh": refresh}, format="json")
    assert refreshed.status_code == 200
    # Another owner named: the account may go, the organization keeps its owner.
    Membership.objects.filter(user=editor, organization=organization).update(role="owner")
    assert erase(client).status_code == 204
    assert list(
        Membership.objects.filter(organization=organization).values_list("user", "role")
    ) == [(editor.pk, "owner")]


def test_the_only_member_of_an_organization_may_go():
    owner = UserFactory()
    organization = OrganizationFactory()
    editor_of(organization, owner, role="owner")
    client, _refresh = signed_in(owner)
    assert erase(client).status_code == 204
    assert not Membership.objects.filter(organization=organization).exists()
