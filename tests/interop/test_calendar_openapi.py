"""The calendar operations as the OpenAPI document says them: .ics answers are
`text/calendar` text, everything else JSON in the documented shapes."""

import datetime

import pytest
from django.test import Client
from openapi_schema_validator import OAS31Validator
from rest_framework.test import APIClient

from tests.conftest import client_for
from tests.factories import UserFactory, listed_activity

pytestmark = pytest.mark.django_db

ICS_OPERATIONS = ("/api/v1/activities/{id}/calendar.ics", "/api/v1/calendar/{token}.ics")


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def documented(schema: dict, path: str, method: str, response) -> None:
    """The answer's status and media type are documented, and a JSON body fits its schema."""
    answers = schema["paths"][path][method]["responses"]
    assert str(response.status_code) in answers, (path, method, response.status_code)
    content = answers[str(response.status_code)].get("content")
    if content is None:
        assert not response.content
        return
    media_type = response["Content-Type"].split(";")[0]
    assert list(content) == [media_type], (path, method, response.status_code)
    if media_type == "application/json":
        body_schema = {**content[media_type]["schema"], "components": schema["components"]}
        OAS31Validator(body_schema).validate(response.json())


def test_ics_operations_document_text_calendar_and_json_errors(schema):
    for path in ICS_OPERATIONS:
        operation = schema["paths"][path]["get"]
        assert operation["responses"]["200"]["content"] == {
            "text/calendar": {"schema": {"type": "string"}}
        }
        assert "404" in operation["responses"]
        # The calendar is the only format: no `format` query parameter to choose another.
        assert all(p["in"] == "path" for p in operation.get("parameters", []))
    assert schema["paths"]["/api/v1/calendar/{token}.ics"]["get"]["security"] == [{}]


def test_every_calendar_answer_is_documented(schema):
    activity = listed_activity(starts=[datetime.datetime.now(datetime.UTC)])
    resident = client_for(UserFactory())
    anonymous = APIClient()
    feed = "/api/v1/me/calendar-feed/"
    answers = [
        ("/api/v1/activities/{id}/calendar.ics", "get",
         anonymous.get(f"/api/v1/activities/{activity.pk}/calendar.ics")),
        ("/api/v1/activities/{id}/calendar.ics", "get",
         anonymous.get("/api/v1/activities/999999/calendar.ics")),
        (feed, "get", anonymous.get(feed)),
        (feed, "get", resident.get(feed)),
        (feed + "rotate/", "post", resident.post(feed + "rotate/", {"x": 1}, format="json")),
        (feed + "rotate/", "post", resident.post(feed + "rotate/")),
    ]  # fmt: skip
    url = answers[-1][2].json()["url"]
    answers += [
        ("/api/v1/calendar/{token}.ics", "get", anonymous.get(url)),
        (feed, "delete", resident.delete(feed)),
        ("/api/v1/calendar/{token}.ics", "get", anonymous.get(url)),
    ]
    assert [response.status_code for *_, response in answers] == [
        200, 404, 401, 200, 400, 200, 200, 204, 404
    ]  # fmt: skip
    for path, method, response in answers:
        documented(schema, path, method, response)
