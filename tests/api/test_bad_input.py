"""Bad input on every write and search endpoint: one table.

Each case is sent twice, in French (the default) and in English (`Accept-Language: en`). Each
must get a 4xx in the one error shape, naming the field at fault, with messages that are the
translation of each other, and leave every stored row as it was.
"""

import datetime
from typing import Any

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import User
from activities.models import Activity, Membership, Occurrence, Organization, Place, Schedule
from matching.models import ResidentProfile
from tests.bad_input import error_of, fill, send
from tests.conftest import client_for
from tests.factories import DEFAULT_PASSWORD, ActivityFactory, OrganizationFactory, editor_of
from tests.factories import weekly_schedule as add_weekly_schedule

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PAST = (timezone.now() - datetime.timedelta(days=2)).isoformat()
REGISTER = {"email": "new@example.org", "password": "un mot de passe solide"}
PLACE = {"organization": "{org}", "name": "Salle", "lat": 47.2, "lng": -1.55}
SCHEDULE = {"rrule": "FREQ=WEEKLY", "start_time": "14:00", "end_time": "16:00"}
SCHEDULE["valid_from"] = TODAY.isoformat()
# February of next year, which has no 30th.
FEBRUARY = {"valid_from": f"{TODAY.year + 1}-02-01", "valid_to": f"{TODAY.year + 1}-02-20"}
RLO, ZWSP, NUL = "\u202e", "\u200b", "\x00"


def case(name, method, path, body=None, *, field, code=None, anonymous=False):
    return pytest.param(method, path, body, field, code, anonymous, id=name)


CASES = [
    # --- accounts ---------------------------------------------------------------------------
    case("register-unknown", "post", "auth/register/", {**REGISTER, "nickname": "Cam"},
         field="nickname", code="unknown_field", anonymous=True),
    case("register-email-int", "post", "auth/register/", {**REGISTER, "email": 123},
         field="email", code="invalid_type", anonymous=True),
    case("register-name-markup", "post", "auth/register/",
         {**REGISTER, "display_name": "<b>Cam</b>"}, field="display_name", anonymous=True),
    case("register-name-bidi", "post", "auth/register/",
         {**REGISTER, "display_name": f"Cam{RLO}ille"}, field="display_name",
         code="invalid_text", anonymous=True),
    case("register-name-too-long", "post", "auth/register/",
         {**REGISTER, "display_name": "x" * 81}, field="display_name", anonymous=True),
    case("register-password-too-long", "post", "auth/register/",
         {**REGISTER, "password": "x" * 129}, field="password", anonymous=True),
    case("register-language", "post", "auth/register/",
         {**REGISTER, "preferred_language": "xx"}, field="preferred_language", anonymous=True),
    case("password-int", "post", "auth/password/",
         {"current_password": DEFAULT_PASSWORD, "new_password": 12345678901234},
         field="new_password", code="invalid_type"),
    case("password-unknown", "post", "auth/password/",
         {"current_password": DEFAULT_PASSWORD, "new_password": "encore plus solide",
          "confirm": "encore plus solide"}, field="confirm", code="unknown_field"),
    case("me-email-read-only", "patch", "me/", {"email": "other@example.org"},
         field="email", code="read_only_field"),
    case("me-name-invisible", "patch", "me/", {"display_name": ZWSP * 3}, field="display_name"),
    case("me-name-bool", "patch", "me/", {"display_name": True}, field="display_name"),
    case("me-language", "patch", "me/", {"preferred_language": "de"}, field="preferred_language"),
    # --- the matching profile ---------------------------------------------------------------
    case("profile-unknown", "patch", "me/profile/", {"needs_step_free": True},
         field="needs_step_free", code="unknown_field"),
    case("profile-home-partial", "patch", "me/profile/", {"home": {"lat": 47.2}},
         field="home.lng", code="required"),
    case("profile-home-unknown", "patch", "me/profile/",
         {"home": {"lat": 47.2, "lng": -1.5, "alt": 30}}, field="home.alt"),
    case("profile-home-not-object", "patch", "me/profile/", {"home": [47.2, -1.5]},
         field="home"),
    case("profile-bool-maybe", "patch", "me/profile/", {"step_free": "maybe"},
         field="step_free", code="invalid_type"),
    case("profile-bool-string", "patch", "me/profile/", {"step_free": "1"}, field="step_free"),
    case("profile-number-bool", "patch", "me/profile/", {"max_distance_km": True},
         field="max_distance_km"),
    case("profile-read-only", "patch", "me/profile/", {"updated_at": PAST},
         field="updated_at", code="read_only_field"),
    case("profile-interest-weight-bool", "patch", "me/profile/",
         {"interests": {"tricot-couture": True}}, field="interests"),
    case("profile-interest-unknown-category", "patch", "me/profile/",
         {"interests": {"pas-une-categorie": 0.5}}, field="interests"),
    # --- organizations and members ----------------------------------------------------------
    case("organization-name-invisible", "post", "organizations/", {"name": RLO + ZWSP},
         field="name"),
    case("organization-verified", "post", "organizations/", {"name": "Club", "verified": True},
         field="verified", code="read_only_field"),
    case("organization-name-int", "post", "organizations/", {"name": 123}, field="name"),
    case("organization-slug", "patch", "organizations/{org}/", {"slug": "autre"},
         field="slug", code="read_only_field"),
    case("organization-markup", "patch", "organizations/{org}/",
         {"description": "<script>alert(1)</script>"}, field="description"),
    case("organization-name-too-long", "patch", "organizations/{org}/", {"name": "x" * 161},
         field="name"),
    case("organization-website-too-long", "patch", "organizations/{org}/",
         {"website": "https://example.org/" + "a" * 300}, field="website"),
    case("member-email-int", "post", "organizations/{org}/members/", {"email": 42},
         field="email"),
    case("member-role", "post", "organizations/{org}/members/",
         {"email": "user0@example.org", "role": "admin"}, field="role"),
    case("member-unknown", "post", "organizations/{org}/members/",
         {"email": "user0@example.org", "user": 1}, field="user", code="unknown_field"),
    # --- places -----------------------------------------------------------------------------
    case("place-lat-bool", "post", "places/", {**PLACE, "lat": True}, field="lat",
         code="invalid_type"),
    case("place-lng-string", "post", "places/", {**PLACE, "lng": "-1.55"}, field="lng"),
    case("place-unknown", "post", "places/", {**PLACE, "altitude": 12}, field="altitude"),
    case("place-organization-moved", "patch", "places/{place}/", {"organization": "{org}"},
         field="organization", code="read_only_field"),
    case("place-h3-cell", "patch", "places/{place}/", {"h3_cell": "8a1fb46622dffff"},
         field="h3_cell", code="read_only_field"),
    case("place-name-blank-looking", "patch", "places/{place}/", {"name": "\u3164\u3164"},
         field="name"),
    case("place-accessibility-not-list", "patch", "places/{place}/",
         {"accessibility": "hearing"}, field="accessibility"),
    # --- activities -------------------------------------------------------------------------
    case("activity-title-int", "patch", "activities/{activity}/", {"title": 123},
         field="title", code="invalid_type"),
    case("activity-status", "patch", "activities/{activity}/", {"status": "published"},
         field="status", code="read_only_field"),
    case("activity-id", "patch", "activities/{activity}/", {"id": 1, "title": "Autre"},
         field="id", code="read_only_field"),
    case("activity-featured", "patch", "activities/{activity}/", {"featured": True},
         field="featured"),
    case("activity-title-invisible", "patch", "activities/{activity}/", {"title": RLO + ZWSP},
         field="title", code="invalid_text"),
    case("activity-title-spaces", "patch", "activities/{activity}/", {"title": "   "},
         field="title"),
    case("activity-title-bidi", "patch", "activities/{activity}/",
         {"title": f"Chorale {RLO}evila"}, field="title", code="invalid_text"),
    case("activity-title-newline", "patch", "activities/{activity}/",
         {"title": "Chorale\nrock"}, field="title"),
    case("activity-description-nul", "patch", "activities/{activity}/",
         {"description": f"Texte{NUL}"}, field="description"),
    case("activity-bool-maybe", "patch", "activities/{activity}/", {"is_free": "maybe"},
         field="is_free"),
    case("activity-bool-int", "patch", "activities/{activity}/", {"is_free": 0},
         field="is_free"),
    case("activity-summary-too-long", "patch", "activities/{activity}/",
         {"summary": "x" * 201}, field="summary"),
    case("activity-capacity-float", "patch", "activities/{activity}/", {"capacity": 2.5},
         field="capacity"),
    case("activity-capacity-huge", "patch", "activities/{activity}/", {"capacity": 10**12},
         field="capacity"),
    case("activity-url-too-long", "patch", "activities/{activity}/",
         {"registration_url": "https://example.org/" + "a" * 300}, field="registration_url"),
    case("activity-categories-string", "patch", "activities/{activity}/",
         {"categories": "tricot-couture"}, field="categories"),
    case("activity-organization-moved", "patch", "activities/{activity}/",
         {"organization": "{org}"}, field="organization", code="read_only_field"),
    case("activity-create-unknown", "post", "activities/",
         {"organization": "{org}", "title": "Atelier", "summary": "Un atelier.", "kind": "club",
          "categories": ["tricot-couture"], "tags": ["x"]}, field="tags"),
    case("submit-with-status", "post", "activities/{activity}/submit/",
         {"status": "published"}, field="status", code="read_only_field"),
    # --- schedules --------------------------------------------------------------------------
    case("schedule-empty-part", "post", "activities/{activity}/schedules/",
         {**SCHEDULE, "rrule": "FREQ=WEEKLY;;"}, field="rrule"),
    case("schedule-unknown-part", "post", "activities/{activity}/schedules/",
         {**SCHEDULE, "rrule": "FREQ=WEEKLY;FOO=1"}, field="rrule"),
    case("schedule-count-too-far", "post", "activities/{activity}/schedules/",
         {**SCHEDULE, "rrule": "FREQ=WEEKLY;INTERVAL=52;COUNT=730"}, field="rrule"),
    case("schedule-interval-zero", "post", "activities/{activity}/schedules/",
         {**SCHEDULE, "rrule": "FREQ=WEEKLY;INTERVAL=0"}, field="rrule"),
    case("schedule-valid-from-far", "post", "activities/{activity}/schedules/",
         {**SCHEDULE, "valid_from": "9999-12-31"}, field="valid_from"),
    case("schedule-valid-from-ancient", "patch", "schedules/{schedule}/",
         {"valid_from": "0001-01-01"}, field="valid_from"),
    case("schedule-never-in-validity", "post", "activities/{activity}/schedules/",
         {**SCHEDULE, "rrule": "FREQ=MONTHLY;BYMONTHDAY=30", **FEBRUARY}, field="rrule"),
    case("schedule-ends-before-start", "post", "activities/{activity}/schedules/",
         {**SCHEDULE, "valid_to": "2000-01-01"}, field="valid_to"),
    case("schedule-description", "post", "activities/{activity}/schedules/",
         {**SCHEDULE, "description": "Tous les lundis"}, field="description",
         code="read_only_field"),
    case("schedule-time-int", "post", "activities/{activity}/schedules/",
         {**SCHEDULE, "start_time": 1400}, field="start_time"),
    case("schedule-too-many-exdates", "post", "activities/{activity}/schedules/",
         {**SCHEDULE, "exdates": [TODAY.isoformat()] * 367}, field="exdates"),
    case("schedule-timezone-too-long", "post", "activities/{activity}/schedules/",
         {**SCHEDULE, "timezone": "Europe/" + "x" * 100}, field="timezone"),
    # --- sessions ---------------------------------------------------------------------------
    case("session-is-modified", "patch", "occurrences/{occurrence}/", {"is_modified": False},
         field="is_modified", code="read_only_field"),
    case("session-seats-taken", "patch", "occurrences/{occurrence}/", {"seats_taken": 0},
         field="seats_taken"),
    case("session-into-the-past", "patch", "occurrences/{occurrence}/", {"start": PAST},
         field="start", code="session_in_past"),
    case("session-note-markup", "patch", "occurrences/{occurrence}/",
         {"note": "<a href=x>ici</a>"}, field="note"),
    case("session-capacity-text", "patch", "occurrences/{occurrence}/", {"capacity": "ten"},
         field="capacity"),
    case("session-end-out-of-range", "patch", "occurrences/{occurrence}/",
         {"end": "9999-12-31T23:59:59Z"}, field="end"),
    # --- search parameters ------------------------------------------------------------------
    case("search-free-maybe", "get", "activities/", {"free": "maybe"}, field="free"),
    case("search-kind-bogus", "get", "activities/", {"kind": "bogus"}, field="kind"),
    case("search-lat-text", "get", "activities/", {"lat": "north", "lng": "-1.5"},
         field="lat"),
    case("search-age-text", "get", "activities/", {"age": "old"}, field="age"),
    case("sessions-free-maybe", "get", "occurrences/", {"free": "maybe"}, field="free"),
    case("search-updated-since-empty", "get", "activities/", {"updated_since": ""},
         field="updated_since"),
    case("sessions-starts-before-empty", "get", "occurrences/", {"starts_before": ""},
         field="starts_before"),
    case("places-organization-nul", "get", "places/", {"organization": f"club{NUL}"},
         field="organization", code="invalid_text"),
    case("place-organization-nul", "post", "places/",
         {"organization": f"club{NUL}", "name": "Salle", "city": "Nantes"},
         field="organization", code="invalid_text"),
    case("sessions-day-bogus", "get", "occurrences/", {"day": "someday"}, field="day"),
    case("territories-kind-bogus", "get", "territories/", {"kind": "bogus"}, field="kind"),
    case("organizations-kind-bogus", "get", "organizations/", {"kind": "bogus"}, field="kind"),
    case("my-activities-status-bogus", "get", "me/activities/", {"status": "bogus"},
         field="status"),
]  # fmt: skip


@pytest.fixture
def world() -> dict[str, Any]:
    activity = ActivityFactory(status="draft")
    organization = activity.organization
    schedule = add_weekly_schedule(activity)
    editor = editor_of(organization, role="owner")
    occurrence = activity.occurrences.order_by("start").first()
    OrganizationFactory()  # another organization, so that nothing is alone in its table
    return {
        "user": editor,
        "org": organization.slug,
        "place": activity.place_id,
        "activity": activity.pk,
        "schedule": schedule.pk,
        "occurrence": occurrence.pk,
    }


def snapshot() -> dict[str, list[dict]]:
    """Every row a write of this table could touch."""
    models = (
        User, Organization, Membership, Place, Activity, Schedule, Occurrence, ResidentProfile
    )  # fmt: skip
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


@pytest.mark.parametrize(("method", "path", "body", "field", "code", "anonymous"), CASES)
def test_bad_input_is_refused_in_the_error_shape_and_changes_nothing(
    world, api_client, method, path, body, field, code, anonymous
):
    client = api_client if anonymous else client_for(world["user"])
    path, body = fill(path, world), fill(body, world)
    before = snapshot()

    french = error_of(send(client, method, f"/api/v1/{path}", body, None), field)
    english = error_of(send(client, method, f"/api/v1/{path}", body, "en"), field)

    assert snapshot() == before
    if code is not None:
        assert french["code"] == english["code"] == code
    assert french["code"] == english["code"]
    assert set(french["fields"]) == set(english["fields"])
    # The same refusal, said in each language: the English is the message id of the French.
    assert french["fields"][field] != english["fields"][field]
    assert french["message"] != english["message"]
    with translation.override("fr"):
        assert gettext(english["message"]) == french["message"]


def test_the_table_covers_every_write_endpoint():
    paths = [param.values[1] for param in CASES]
    for endpoint in (
        "auth/register/", "auth/password/", "me/", "me/profile/", "organizations/",
        "members/", "places/", "activities/", "submit/", "schedules/", "occurrences/",
        "territories/", "me/activities/",
    ):  # fmt: skip
        assert any(endpoint in path for path in paths), endpoint
    assert len(CASES) >= 45
