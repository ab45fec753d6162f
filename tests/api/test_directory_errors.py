"""One error family: services raise domain errors only, and every failure reaches the client
in the one shape `{"error": {"code", "message", "fields"}}`."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone, translation
from rest_framework import exceptions

from activities import services as directory
from api.errors import exception_handler
from backend.errors import Conflict, NotFound, ValidationFailed
from tests.factories import ActivityFactory, editor_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("error", "status", "code", "fields"),
    [
        (ValidationFailed("Bad.", fields={"title": ["Too long."]}), 400, "invalid", {"title"}),
        (Conflict("Already."), 409, "conflict", set()),
        (NotFound("Gone."), 404, "not_found", set()),
        (DjangoValidationError({"end": ["Before."]}), 400, "invalid", {"end"}),
        (DjangoValidationError("Whole form.", code="odd"), 400, "odd", {"non_field_errors"}),
        (exceptions.ValidationError({"lat": ["Out of range."]}), 400, "invalid", {"lat"}),
        (exceptions.NotAuthenticated(), 401, "not_authenticated", set()),
        (DjangoPermissionDenied(), 403, "permission_denied", set()),
        (Http404(), 404, "not_found", set()),
        (exceptions.Throttled(wait=3), 429, "throttled", set()),
        (RuntimeError("boom"), 500, "server_error", set()),
    ],
)
def test_every_failure_has_the_one_shape(error, status, code, fields):
    response = exception_handler(error, {})
    assert response.status_code == status
    assert set(response.data) == {"error"}
    body = response.data["error"]
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code and body["message"]
    assert set(body["fields"]) == fields
    if status == 429:
        assert response["Retry-After"] == "3"


def test_a_whole_form_message_becomes_the_message():
    body = exception_handler(DjangoValidationError("Whole form."), {}).data["error"]
    assert body["message"] == "Whole form."


def test_services_raise_domain_errors_with_field_messages():
    activity = ActivityFactory(status="draft")
    editor = editor_of(activity.organization)
    with translation.override("fr"), pytest.raises(ValidationFailed) as refused:
        directory.activity_update(activity=activity, by=editor, summary="x" * 201, age_min=130)
    assert refused.value.message == "Certains champs ne sont pas valides."
    assert set(refused.value.fields) == {"summary", "age_min"}
    activity.refresh_from_db()
    with pytest.raises(ValidationFailed) as refused:
        directory.activity_update(activity=activity, by=editor, title="<b>Chorale</b>")
    assert set(refused.value.fields) == {"title"}
    activity.refresh_from_db()
    with pytest.raises(ValidationFailed) as refused:
        directory.activity_update(activity=activity, by=editor, categories=["nope"])
    assert set(refused.value.fields) == {"categories"}
    with pytest.raises(ValidationFailed) as refused:
        directory.schedule_create(
            activity=activity,
            by=editor,
            rrule="FREQ=HOURLY",
            start_time=datetime.time(10),
            end_time=datetime.time(11),
            valid_from=timezone.localdate(),
        )
    assert set(refused.value.fields) == {"rrule"}


def test_a_recurrence_error_reaches_a_french_reader_in_french(client):
    activity = ActivityFactory(status="draft")
    from tests.conftest import client_for

    response = client_for(editor_of(activity.organization)).post(
        f"/api/v1/activities/{activity.pk}/schedules/",
        {
            "rrule": "FREQ=HOURLY",
            "start_time": "10:00",
            "end_time": "11:00",
            "valid_from": "2026-10-01",
        },
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["rrule"] == [
        "FREQ=HOURLY n'est pas accepté : une activité se répète au plus une fois par jour."
    ]


def test_an_update_leaves_what_it_is_not_given():
    activity = ActivityFactory(status="draft", description="Le lundi.", age_min=60)
    directory.activity_update(
        activity=activity, by=editor_of(activity.organization), title="Chorale", age_max=None
    )
    activity.refresh_from_db()
    assert (activity.title, activity.description, activity.age_min, activity.age_max) == (
        "Chorale",
        "Le lundi.",
        60,
        None,
    )
