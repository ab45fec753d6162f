"""The OpenAPI document as a client generator reads it: every operation's bodies named and
described, every answer it can give documented, in the shape the API really answers."""

import datetime
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from openapi_schema_validator import OAS31Validator

from tests.factories import listed_activity, weekly_schedule

pytestmark = pytest.mark.django_db

UNSAFE = {"post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker) -> dict:
    # Generated once for the module (it reads the taxonomy, which migrations seed).
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def assert_documented(schema: dict, path: str, method: str, response) -> None:
    """The answer's status is documented for the operation and its body fits the schema."""
    responses = schema["paths"][path][method]["responses"]
    assert str(response.status_code) in responses, (path, method, response.status_code)
    content = responses[str(response.status_code)].get("content")
    if content is None:
        assert not response.content
        return
    body_schema = {**content["application/json"]["schema"], "components": schema["components"]}
    OAS31Validator(body_schema).validate(response.json())


def test_the_document_generates_without_warnings_and_validates(tmp_path: Path):
    # --fail-on-warn: a component name shared by two serializers, a view whose body cannot be
    # guessed or an enum name collision fails here (and in `make lint`).
    out = tmp_path / "schema.json"
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--format",
        "openapi-json",
        "--file",
        str(out),
    )
    assert json.loads(out.read_text())["paths"]


def test_each_request_body_has_its_own_component(schema):
    def body_properties(path: str) -> set[str]:
        body = schema["paths"][path]["post"]["requestBody"]["content"]["application/json"]
        return set(resolve(schema, body["schema"])["properties"])

    assert {"email", "password", "display_name"} <= body_properties("/api/v1/auth/register/")
    assert body_properties("/api/v1/auth/password/") == {"current_password", "new_password"}
    assert body_properties("/api/v1/auth/logout/") == {"refresh"}
    refs = {
        schema["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"][
            "$ref"
        ]
        for path in ("/api/v1/auth/register/", "/api/v1/auth/password/", "/api/v1/auth/logout/")
    }
    assert len(refs) == 3


def test_every_success_has_a_body_except_no_content(schema):
    for path, method, operation in operations(schema):
        successes = {code: r for code, r in operation["responses"].items() if code[0] == "2"}
        assert successes, (method, path)
        for code, response in successes.items():
            assert ("content" in response) == (code != "204"), (method, path, code)


def test_every_operation_documents_its_errors_in_the_one_shape(schema):
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert set(schema["components"]["schemas"]["ErrorBody"]["required"]) == {
        "code",
        "message",
        "fields",
    }
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        errors = {code for code in responses if code[0] == "4"}
        assert "429" in errors and "Retry-After" in responses["429"]["headers"], (method, path)
        if method in UNSAFE:
            assert {"400", "413", "415"} <= errors, (method, path)
        if "{" in path:
            assert "404" in errors, (method, path)
        if any("jwtAuth" in requirement for requirement in operation.get("security", [])):
            assert "401" in errors, (method, path)
        for code in errors:
            documented = responses[code]["content"]["application/json"]["schema"]
            assert documented == {"$ref": "#/components/schemas/Error"}, (method, path, code)


def test_page_size_is_bounded_wherever_a_list_pages(schema):
    for path, _method, operation in operations(schema):
        parameters = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
        if "cursor" in parameters:
            size = parameters["page_size"]["schema"]
            assert (size["minimum"], size["maximum"]) == (1, settings.API_MAX_PAGE_SIZE), path


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/api/v1/territories/", "kind"),
        ("/api/v1/organizations/", "kind"),
        ("/api/v1/me/activities/", "status"),
    ],
)
def test_list_filters_are_enums_and_refused_outside_them(schema, user_client, path, parameter):
    declared = next(
        p
        for p in schema["paths"][path]["get"]["parameters"]
        if p["name"] == parameter and p["in"] == "query"
    )
    assert resolve(schema, declared["schema"])["enum"]
    for bogus in ("bogus", ""):
        response = user_client.get(path, {parameter: bogus})
        assert response.status_code == 400, (path, bogus)
        assert parameter in response.json()["error"]["fields"]
        assert_documented(schema, path, "get", response)


def test_answers_fit_the_documented_bodies_with_their_nulls(schema, client, user_client):
    """An online activity has no place and territories no parent: the document says they may
    be null, as the API answers."""
    soon = timezone.now() + datetime.timedelta(days=2)
    online = listed_activity(starts=[soon])
    venue = listed_activity(47.2184, -1.5536, starts=[soon])
    weekly_schedule(venue)
    checks = [
        ("/api/v1/activities/", "/api/v1/activities/", client),
        ("/api/v1/activities/", "/api/v1/activities/?lat=47.2&lng=-1.55", client),
        ("/api/v1/activities/", "/api/v1/activities/?mine=true", user_client),
        ("/api/v1/activities/{id}/", f"/api/v1/activities/{online.pk}/", client),
        ("/api/v1/activities/{id}/schedules/", f"/api/v1/activities/{venue.pk}/schedules/", client),
        ("/api/v1/occurrences/", "/api/v1/occurrences/", client),
        ("/api/v1/categories/", "/api/v1/categories/", client),
        ("/api/v1/territories/", "/api/v1/territories/", client),
        ("/api/v1/places/{id}/", f"/api/v1/places/{venue.place_id}/", client),
        ("/api/v1/me/profile/", "/api/v1/me/profile/", user_client),
        ("/api/v1/recommendations/", "/api/v1/recommendations/", user_client),
        ("/api/v1/activities/{id}/", "/api/v1/activities/999999/", client),
        ("/api/v1/me/", "/api/v1/me/", client),
    ]
    for path, url, who in checks:
        assert_documented(schema, path, "get", who.get(url))


def test_write_answers_fit_the_documented_bodies(schema, user_client):
    refused = user_client.post("/api/v1/recommendations/refresh/")
    assert refused.status_code == 409  # no consent yet
    assert_documented(schema, "/api/v1/recommendations/refresh/", "post", refused)
    consent = {"matching_consent": True}
    assert user_client.patch("/api/v1/me/profile/", consent, format="json").status_code == 200
    refresh = user_client.post("/api/v1/recommendations/refresh/")
    assert refresh.status_code == 202
    assert_documented(schema, "/api/v1/recommendations/refresh/", "post", refresh)
    activity = listed_activity(starts=[timezone.now() + datetime.timedelta(days=1)])
    saved = user_client.post("/api/v1/feedback/", {"activity": activity.pk, "signal": "saved"})
    assert saved.status_code == 201
    assert_documented(schema, "/api/v1/feedback/", "post", saved)
    refused = user_client.post("/api/v1/feedback/", {"activity": activity.pk, "signal": "meh"})
    assert refused.status_code == 400
    assert_documented(schema, "/api/v1/feedback/", "post", refused)


def test_text_inputs_say_that_nul_is_refused(schema, user_client):
    name = schema["components"]["schemas"]["OrganizationInputRequest"]["properties"]["name"]
    assert name["pattern"] == "^[^\\u0000]*$"
    refused = user_client.post("/api/v1/organizations/", {"name": "Club\x00"})
    assert refused.status_code == 400
    assert "name" in refused.json()["error"]["fields"]
    assert_documented(schema, "/api/v1/organizations/", "post", refused)
