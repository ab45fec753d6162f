"""The platform's limits, case by case: whatever a phone sends (bodies too deep, too large or
not JSON, a path without its slash, a forged cursor, times at the ends of the calendar), the
answer is a 4xx in the one error shape, in French by default and in English on request, and
nothing stored changes."""

import base64
import dataclasses
import datetime
import io
import json
from urllib.parse import urlencode

import pytest
from django.db import models
from django.http import HttpRequest
from django.test import Client
from django.urls import include, path
from django.utils import timezone

from accounts.models import User
from activities.models import Activity, Occurrence
from api.errors import csrf_failure
from api.parsers import MAX_JSON_DEPTH
from matching.models import Feedback, ResidentProfile
from tests.conftest import client_for
from tests.factories import DEFAULT_PASSWORD, UserFactory, editor_of, listed_activity

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def _deep_object(levels: int) -> str:
    return '{"a": ' * levels + "1" + "}" * levels


def _token(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


def _drf_cursor(position: str) -> str:
    return base64.b64encode(urlencode({"p": position}).encode()).decode()


@dataclasses.dataclass
class Case:
    id: str
    method: str
    path: str  # {activity} is the editor's activity
    status: int
    code: str
    who: str = "anonymous"  # or "resident", "editor"
    body: bytes | str | None = None
    content_type: str = "application/json"
    headers: dict = dataclasses.field(default_factory=dict)
    field: str | None = None  # the input field the error names, if any


CASES = [
    # --- bodies: depth, syntax, shape ------------------------------------------------------
    Case("deep-array-token", "post", "auth/token/", 400, "parse_error", body=_deep(5000)),
    Case("deep-object-profile", "patch", "me/profile/", 400, "parse_error", "resident",
         body=_deep_object(5000)),
    Case("over-depth-activity", "patch", "activities/{activity}/", 400, "parse_error", "editor",
         body='{"title": ' + _deep(MAX_JSON_DEPTH + 1) + "}"),
    Case("malformed-profile", "patch", "me/profile/", 400, "parse_error", "resident",
         body='{"max_distance_km": 3,'),
    Case("nan-profile", "patch", "me/profile/", 400, "parse_error", "resident",
         body='{"max_distance_km": NaN}'),
    Case("infinity-feedback", "post", "feedback/", 400, "parse_error", "resident",
         body='{"activity": 1, "signal": "rating", "rating": -Infinity}'),
    Case("array-profile", "patch", "me/profile/", 400, "parse_error", "resident",
         body='[{"max_distance_km": 3}]'),
    Case("string-register", "post", "auth/register/", 400, "parse_error", body='"hello"'),
    Case("null-activity", "patch", "activities/{activity}/", 400, "parse_error", "editor",
         body="null"),
    Case("not-utf8-token", "post", "auth/token/", 400, "parse_error",
         body=b'{"email": "\xff\xfe"}'),
    # --- bodies: size and length ------------------------------------------------------------
    Case("3mb-register", "post", "auth/register/", 413, "request_too_large",
         body=json.dumps({"email": "a@example.org", "password": "x" * 3 * MB})),
    Case("3mb-profile", "patch", "me/profile/", 413, "request_too_large", "resident",
         body=json.dumps({"interests": {"x" * 3 * MB: 1}})),
    Case("1mb-email-token", "post", "auth/token/", 400, "max_length",
         body=json.dumps({"email": "a" * MB + "@example.org", "password": DEFAULT_PASSWORD}),
         field="email"),
    Case("1mb-password-token", "post", "auth/token/", 400, "max_length",
         body=json.dumps({"email": "someone@example.org", "password": "p" * MB}),
         field="password"),
    Case("1mb-email-register", "post", "auth/register/", 400, "max_length",
         body=json.dumps({"email": "a" * MB + "@example.org", "password": DEFAULT_PASSWORD}),
         field="email"),
    # --- media types, methods, paths --------------------------------------------------------
    Case("text-plain-profile", "patch", "me/profile/", 415, "unsupported_media_type",
         "resident", body="max_distance_km=3", content_type="text/plain"),
    Case("form-token", "post", "auth/token/", 415, "unsupported_media_type",
         body="email=a%40example.org&password=x",
         content_type="application/x-www-form-urlencoded"),
    Case("html-categories", "get", "categories/", 406, "not_acceptable",
         headers={"HTTP_ACCEPT": "text/html"}),
    Case("delete-categories", "delete", "categories/", 405, "method_not_allowed", "resident"),
    Case("post-unknown-path", "post", "nothing-here/", 404, "not_found", body="{}"),
    Case("post-without-slash", "post", "auth/token", 404, "not_found",
         body=json.dumps({"email": "a@example.org", "password": DEFAULT_PASSWORD})),
    Case("patch-without-slash", "patch", "me/profile", 404, "not_found", "resident",
         body='{"max_distance_km": 3}'),
    Case("put-outside-v1", "put", "/api/v0/activities/", 404, "not_found", "editor",
         body="{}"),
    Case("too-many-parameters", "get",
         "activities/?" + "&".join(f"p{i}=1" for i in range(1200)), 400, "bad_request"),
    # --- cursors ----------------------------------------------------------------------------
    Case("cursor-garbage-organizations", "get", "organizations/?cursor=zzz", 400,
         "invalid_cursor", field="cursor"),
    Case("cursor-garbage-activities", "get", "activities/?cursor=zzz", 400, "invalid_cursor",
         field="cursor"),
    Case("cursor-garbage-occurrences", "get", "occurrences/?cursor=%%%", 400, "invalid_cursor",
         field="cursor"),
    Case("cursor-position-not-a-date", "get",
         "activities/{activity}/occurrences/?cursor=" + _drf_cursor("not-a-date"), 400,
         "invalid_cursor", field="cursor"),
    Case("cursor-position-not-a-name", "get",
         "territories/?cursor=" + _drf_cursor("x" * 5000), 400, "invalid_cursor",
         field="cursor"),
    Case("cursor-id-overflow", "get",
         "activities/?cursor=" + _token(["-updated_at", ["2026-01-01T00:00:00Z", 10**30]]), 400,
         "invalid_cursor", field="cursor"),
    Case("cursor-infinite-distance", "get",
         "activities/?lat=47.2&lng=-1.55&cursor=" + _token(["distance", [1e999, 3]]), 400,
         "invalid_cursor", field="cursor"),
    Case("cursor-year-zero", "get",
         "activities/?ordering=next_occurrence&cursor="
         + _token(["next_occurrence", ["0000-01-01T00:00:00Z", 3]]), 400, "invalid_cursor",
         field="cursor"),
    # --- query parameters: extremes ---------------------------------------------------------
    Case("starts-after-year-1-offset", "get",
         "activities/?starts_after=0001-01-01T00:00:00%2B01:00", 400, "invalid",
         field="starts_after"),
    Case("updated-since-year-9999-offset", "get",
         "activities/?updated_since=9999-12-31T23:59:59-01:00", 400, "invalid",
         field="updated_since"),
    Case("starts-before-year-1-paris", "get", "occurrences/?starts_before=0001-01-01T00:00:00",
         400, "invalid", field="starts_before"),
    Case("starts-after-year-10000", "get", "occurrences/?starts_after=10000-01-01T00:00:00Z",
         400, "invalid", field="starts_after"),
    Case("sessions-start-year-9999", "get",
         "activities/{activity}/occurrences/?start=9999-12-31T23:59:59Z", 400, "overflow",
         field="start"),
    Case("sessions-end-year-1-offset", "get",
         "activities/{activity}/occurrences/?end=0001-01-01T00:00:00%2B01:00", 400, "overflow",
         field="end"),
    Case("page-size-zero", "get", "activities/?page_size=0", 400, "invalid",
         field="page_size"),
    Case("page-size-over-max", "get", "organizations/?page_size=101", 400, "invalid",
         field="page_size"),
    Case("page-size-huge", "get", "occurrences/?page_size=99999999999999999999999", 400,
         "invalid", field="page_size"),
    Case("latitude-91", "get", "activities/?lat=91&lng=0", 400, "invalid", field="lat"),
    Case("longitude-nan", "get", "occurrences/?lat=47&lng=nan", 400, "invalid", field="lng"),
    Case("radius-500", "get", "activities/?lat=47&lng=-1.5&radius_km=500", 400, "invalid",
         field="radius_km"),
    Case("radius-negative", "get", "occurrences/?lat=47&lng=-1.5&radius_km=-1", 400, "invalid",
         field="radius_km"),
]  # fmt: skip


@pytest.fixture
def world():
    """A resident with a profile, an editor with an activity, so a refused write has
    something it could have changed."""
    resident = UserFactory(email="someone@example.org")
    ResidentProfile.objects.create(user=resident, max_distance_km=5)
    start = timezone.now() + datetime.timedelta(days=2)
    activity = listed_activity(47.2184, -1.5536, starts=[start])
    editor = editor_of(activity.organization)
    return {"resident": resident, "editor": editor, "activity": activity}


def _snapshot() -> dict:
    """Everything a request of the table could change."""
    tables: list[type[models.Model]] = [User, ResidentProfile, Activity, Occurrence, Feedback]
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in tables}


def _client(case: Case, world: dict):
    if case.who == "anonymous":
        # Django's client with CSRF checks on, as a browser-less phone meets them.
        return Client(enforce_csrf_checks=True)
    return client_for(world[case.who])


def _send(case: Case, world: dict, **language):
    url = case.path.format(activity=world["activity"].pk)
    url = url if url.startswith("/") else f"/api/v1/{url}"
    client = _client(case, world)
    kwargs = dict(case.headers, **language)
    if case.body is not None:
        kwargs.update(data=case.body, content_type=case.content_type)
    return getattr(client, case.method)(url, **kwargs)


def _error(response, case: Case) -> dict:
    assert response.status_code == case.status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == case.code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if case.field:
        assert case.field in body["error"]["fields"]
    return body["error"]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_gets_the_error_shape_and_changes_nothing(case, world):
    before = _snapshot()
    french = _error(_send(case, world), case)
    english = _error(_send(case, world, HTTP_ACCEPT_LANGUAGE="en"), case)
    assert french["message"] != english["message"], "the message is not translated"
    if case.field:
        assert french["fields"][case.field] != english["fields"][case.field]
    assert _snapshot() == before


def test_the_table_covers_every_class():
    assert len(CASES) >= 25
    assert {case.status for case in CASES} >= {400, 404, 405, 406, 413, 415}


def test_a_missing_slash_names_the_path_to_use(world):
    response = client_for(world["resident"]).patch(
        "/api/v1/me/profile", {"max_distance_km": 3}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 404
    assert "/api/v1/me/profile/" in response.json()["error"]["message"]


def test_times_at_the_ends_of_the_calendar_that_fit_are_answered(world):
    client = client_for(world["resident"])
    for query in (
        "starts_after=0001-01-02T00:00:00Z",
        "starts_before=9999-12-31T23:59:59Z",
        "updated_since=0001-01-01T00:00:00%2B00:00",
        "starts_after=9999-12-31T23:59:59-00:00",
    ):
        for endpoint in ("activities", "occurrences"):
            response = client.get(f"/api/v1/{endpoint}/?{query}")
            assert response.status_code == 200, (endpoint, query, response.content[:300])
    everything = client.get("/api/v1/activities/?starts_after=0001-01-02T00:00:00Z").json()
    assert [item["id"] for item in everything["results"]] == [world["activity"].pk]


# --- chunked bodies, as gunicorn passes them (no Content-Length, wsgi.input_terminated) ------


def _chunked(client, url: str, body: bytes, *, terminated: bool):
    # A stream that reads like a server's decoded chunks: up to what is asked, then b"".
    extra = {
        "CONTENT_LENGTH": "",
        "HTTP_TRANSFER_ENCODING": "chunked",
        "wsgi.input": io.BytesIO(body),
    }
    if terminated:
        extra["wsgi.input_terminated"] = True
    return client.patch(url, body, content_type="application/json", **extra)


def test_a_chunked_body_is_read_within_the_limit(world):
    client = client_for(world["resident"])
    response = _chunked(client, "/api/v1/me/profile/", b'{"max_distance_km": 7}', terminated=True)
    assert response.status_code == 200, response.content
    assert ResidentProfile.objects.get(user=world["resident"]).max_distance_km == 7


def test_a_chunked_body_over_the_limit_is_413(world):
    client = client_for(world["resident"])
    body = json.dumps({"interests": {"x" * 3 * MB: 1}}).encode()
    response = _chunked(client, "/api/v1/me/profile/", body, terminated=True)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    assert ResidentProfile.objects.get(user=world["resident"]).max_distance_km == 5


def test_a_chunked_body_a_server_cannot_decode_is_411_not_silently_empty(world):
    client = client_for(world["resident"])
    response = _chunked(client, "/api/v1/me/profile/", b'{"max_distance_km": 7}', terminated=False)
    assert response.status_code == 411
    assert response.json()["error"]["code"] == "length_required"
    assert ResidentProfile.objects.get(user=world["resident"]).max_distance_km == 5


# --- Django's own failures under /api/ ------------------------------------------------------


def _boom(request):
    raise RuntimeError("a failure outside DRF's views")


urlpatterns = [
    path("api/boom/", _boom),
    path("", include("backend.urls")),
]
handler404 = "api.errors.not_found"
handler500 = "api.errors.server_error"


@pytest.mark.urls(__name__)
def test_a_server_error_outside_drf_is_in_the_shape():
    client = Client(raise_request_exception=False)
    french = client.get("/api/boom/")
    english = client.get("/api/boom/", HTTP_ACCEPT_LANGUAGE="en")
    for response in (french, english):
        assert response.status_code == 500
        assert response.json()["error"]["code"] == "server_error"
    assert french.json()["error"]["message"] != english.json()["error"]["message"]


def test_a_csrf_failure_under_the_api_is_in_the_shape():
    request = HttpRequest()
    request.path = "/api/v1/anything/"
    response = csrf_failure(request, reason="no token")
    assert response.status_code == 403
    assert json.loads(response.content)["error"]["code"] == "permission_denied"
    request.path = "/admin/login/"
    assert b"CSRF" in csrf_failure(request, reason="no token").content


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["places/", "organizations/", "territories/", "activities/"])
def test_an_empty_cursor_is_the_first_page(api_client, path):
    first = api_client.get(f"/api/v1/{path}")
    empty = api_client.get(f"/api/v1/{path}?cursor=")
    assert first.status_code == empty.status_code == 200
    assert empty.json()["results"] == first.json()["results"]
