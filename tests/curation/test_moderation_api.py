"""The moderation API: who reads and who decides, what each decision leaves in the audit
trail, what the organization and residents then see, the queue, and bad input."""

import datetime
from typing import Any

import pytest
import time_machine
from django.utils import timezone, translation
from django.utils.translation import gettext
from rest_framework.test import APIClient

from activities import services
from activities.models import Activity, Organization, Territory
from curation.models import Report
from matching import services as matching
from tests.api.test_openapi import assert_documented
from tests.bad_input import error_of, send
from tests.conftest import client_for
from tests.curation.moderation_factories import (
    LOIRE_ATLANTIQUE,
    NANTES,
    NANTES_METROPOLE,
    REZE,
    activity_in,
    curator_of,
    editor_in,
    submitted,
)
from tests.factories import OrganizationFactory, UserFactory
from tests.pages import all_ids

pytestmark = pytest.mark.django_db

API = "/api/v1/"
QUEUE = f"{API}moderation/queue/"
ROLES = (
    "anonymous", "resident", "editor", "curator_nantes", "curator_reze", "curator_epci",
    "curator_dept", "staff",
)  # fmt: skip
# The curators who cover Nantes: its own, Nantes Métropole's, Loire-Atlantique's, and staff.
COVERING = {"curator_nantes", "curator_epci", "curator_dept", "staff"}


def moderation_url(activity: Activity) -> str:
    return f"{API}activities/{activity.pk}/moderation/"


def history_url(activity: Activity) -> str:
    return f"{API}activities/{activity.pk}/history/"


@pytest.fixture
def pending() -> Activity:
    """An unverified association's activity in Nantes, waiting for review."""
    return submitted(NANTES)


@pytest.fixture
def people(pending) -> dict[str, Any]:
    return {
        "anonymous": None,
        "resident": UserFactory(),
        "editor": editor_in(pending.organization),
        "curator_nantes": curator_of(NANTES),
        "curator_reze": curator_of(REZE),
        "curator_epci": curator_of(NANTES_METROPOLE),
        "curator_dept": curator_of(LOIRE_ATLANTIQUE),
        "staff": UserFactory(is_staff=True),
    }


def as_role(people: dict, role: str) -> APIClient:
    return APIClient() if people[role] is None else client_for(people[role])


def stored(activity: Activity) -> dict:
    """What a refused decision must leave as it was: the row and its audit trail."""
    organization = activity.organization
    return {
        "activity": Activity.objects.filter(pk=activity.pk).values().get(),
        "organization": Organization.objects.filter(pk=organization.pk).values().get(),
        "activity_history": Activity.history.filter(id=activity.pk).count(),
        "organization_history": Organization.history.filter(id=organization.pk).count(),
    }


def trail(client: APIClient, activity: Activity) -> list[dict]:
    response = client.get(history_url(activity))
    assert response.status_code == 200, response.content
    return response.json()


def error_code(response) -> str:
    return response.json()["error"]["code"]


# --- who reads and who decides, per endpoint and role ---------------------------------------

QUEUE_STATUS = {"anonymous": 401, "resident": 403, "editor": 403}


@pytest.mark.parametrize("role", ROLES)
def test_the_queue_is_for_the_curators_of_the_territory(people, pending, role):
    response = as_role(people, role).get(QUEUE)
    expected = QUEUE_STATUS.get(role, 200)
    assert response.status_code == expected, response.content
    if expected != 200:
        return
    ids = [item["id"] for item in response.json()["results"] if item["kind"] == "activity"]
    slugs = [item["slug"] for item in response.json()["results"] if item["kind"] != "activity"]
    covered = role in COVERING
    assert (pending.pk in ids) is covered
    assert (pending.organization.slug in slugs) is covered


MODERATE_STATUS = {"anonymous": 401, "resident": 403, "editor": 403, "curator_reze": 403}


@pytest.mark.parametrize("role", ROLES)
def test_approving_is_for_the_curators_covering_the_commune(people, pending, role):
    before = stored(pending)
    response = as_role(people, role).post(
        moderation_url(pending), {"action": "approve", "reason": "Conforme"}
    )
    expected = MODERATE_STATUS.get(role, 200)
    assert response.status_code == expected, response.content
    if expected != 200:
        assert stored(pending) == before
        return
    body = response.json()
    assert body["activity"]["status"] == "published"
    assert body["activity"]["moderation"]["action"] == "published"
    assert body["decision"]["action"] == "approve"
    assert body["decision"]["reason"] == "Conforme"
    latest = trail(client_for(people["editor"]), pending)[0]
    assert (latest["action"], latest["by_id"], latest["reason"]) == (
        "published",
        people[role].pk,
        "Conforme",
    )


def test_a_curator_of_another_commune_is_refused_whatever_the_decision(people, pending):
    rezé = as_role(people, "curator_reze")
    before = stored(pending)
    for action in ("approve", "reject", "request_changes", "archive", "feature"):
        response = rezé.post(moderation_url(pending), {"action": action, "reason": "Non."})
        assert response.status_code == 403, (action, response.content)
        assert error_code(response) == "permission_denied"
    assert stored(pending) == before


def test_an_unknown_activity_is_a_404_for_a_curator(people):
    response = as_role(people, "curator_nantes").post(
        f"{API}activities/999999/moderation/", {"action": "approve"}
    )
    assert response.status_code == 404


HISTORY_STATUS = {"anonymous": 401, "resident": 404, "curator_reze": 404}


@pytest.mark.parametrize("role", ROLES)
def test_an_activity_trail_is_read_by_its_organization_and_its_curators(people, pending, role):
    """Pending, the activity is invisible outside its organization and its curators: 404."""
    response = as_role(people, role).get(history_url(pending))
    expected = HISTORY_STATUS.get(role, 200)
    assert response.status_code == expected, response.content
    if expected == 200:
        assert response.json()[0]["action"] == "submitted"


@pytest.mark.parametrize("role", ["resident", "curator_reze"])
def test_a_published_activity_trail_is_a_403_for_others(people, pending, role):
    client_for(people["curator_nantes"]).post(moderation_url(pending), {"action": "approve"})
    assert as_role(people, role).get(f"{API}activities/{pending.pk}/").status_code == 200
    response = as_role(people, role).get(history_url(pending))
    assert response.status_code == 403
    assert error_code(response) == "permission_denied"
    assert "référents" in response.json()["error"]["message"]


VERIFY_STATUS = MODERATE_STATUS


@pytest.mark.parametrize("role", ROLES)
def test_verifying_is_for_the_curators_where_the_organization_acts(people, pending, role):
    organization = pending.organization
    before = stored(pending)
    response = as_role(people, role).post(
        f"{API}organizations/{organization.slug}/verification/",
        {"verified": True, "reason": "Association connue"},
    )
    expected = VERIFY_STATUS.get(role, 200)
    assert response.status_code == expected, response.content
    organization.refresh_from_db()
    if expected != 200:
        assert stored(pending) == before
        assert organization.verified is False
        return
    assert organization.verified is True
    body = response.json()
    assert body["organization"]["verified"] is True
    decision = body["decision"]
    assert (decision["verified"], decision["reason"]) == (True, "Association connue")
    history = client_for(people["editor"]).get(f"{API}organizations/{organization.slug}/history/")
    latest = history.json()[0]
    assert (latest["action"], latest["by_id"], latest["reason"]) == (
        "verified",
        people[role].pk,
        "Association connue",
    )
    assert {"field": "verified", "before": False, "after": True} in latest["changes"]


ORGANIZATION_HISTORY_STATUS = {"anonymous": 401, "resident": 403, "curator_reze": 403}


@pytest.mark.parametrize("role", ROLES)
def test_an_organization_trail_is_read_by_it_and_its_curators(people, pending, role):
    response = as_role(people, role).get(f"{API}organizations/{pending.organization.slug}/history/")
    expected = ORGANIZATION_HISTORY_STATUS.get(role, 200)
    assert response.status_code == expected, response.content
    if expected == 200:
        assert {entry["subject"] for entry in response.json()} >= {"organization", "place"}


def test_an_unknown_organization_is_a_404(people):
    for url in ("verification/", "history/"):
        client = as_role(people, "curator_nantes")
        path = f"{API}organizations/pas-une-association/{url}"
        response = client.post(path, {"verified": True}) if "ver" in url else client.get(path)
        assert response.status_code == 404


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("resident", set()),
        ("editor", set()),
        ("curator_nantes", {NANTES}),
        ("curator_reze", {REZE}),
    ],
)
def test_my_curated_territories(people, role, expected):
    response = as_role(people, role).get(f"{API}me/curated-territories/")
    assert response.status_code == 200
    items = response.json()["results"]
    assert {item["insee_code"] for item in items} == expected
    assert all(item["curated_directly"] for item in items)


def test_an_intercommunality_curator_covers_its_communes(people):
    client = as_role(people, "curator_epci")
    codes = all_ids_of(client, f"{API}me/curated-territories/")
    communes = set(
        Territory.objects.filter(parent__insee_code=NANTES_METROPOLE).values_list(
            "insee_code", flat=True
        )
    )
    assert codes == {NANTES_METROPOLE} | communes
    assert {NANTES, REZE} <= codes
    assert LOIRE_ATLANTIQUE not in codes


def test_a_departement_curator_covers_every_commune_under_it(people):
    codes = all_ids_of(as_role(people, "curator_dept"), f"{API}me/curated-territories/")
    assert codes == set(Territory.objects.values_list("insee_code", flat=True))


def test_my_curated_territories_need_an_account(api_client):
    assert api_client.get(f"{API}me/curated-territories/").status_code == 401


def all_ids_of(client: APIClient, url: str) -> set[str]:
    codes, query = set(), {"page_size": 100}
    while url:
        response = client.get(url, query)
        assert response.status_code == 200
        codes |= {item["insee_code"] for item in response.json()["results"]}
        url, query = response.json()["next"], None
    return codes


# --- every decision in the trail, with who and why, before and after ------------------------


def test_every_decision_is_in_the_trail_with_who_why_before_and_after(people, pending):
    curator = people["curator_nantes"]
    curator_api, editor_api = client_for(curator), client_for(people["editor"])

    def decide(action: str, reason: str = "") -> dict:
        response = curator_api.post(moderation_url(pending), {"action": action, "reason": reason})
        assert response.status_code == 200, response.content
        latest = trail(editor_api, pending)[0]
        assert latest["by_id"] == curator.pk and latest["by_name"] == curator.display_name
        assert curator.email not in str(latest)
        assert latest["reason"] == reason
        return latest

    def resubmit() -> None:
        response = editor_api.post(f"{API}activities/{pending.pk}/submit/")
        assert response.status_code == 200, response.content

    def change(entry: dict, field: str) -> tuple:
        found = [c for c in entry["changes"] if c["field"] == field]
        assert found, entry
        return found[0]["before"], found[0]["after"]

    entry = decide("approve", "Bienvenue")
    assert entry["action"] == "published"
    assert change(entry, "status") == ("pending", "published")
    entry = decide("feature", "Coup de cœur de l'été")
    assert entry["action"] == "featured" and change(entry, "featured") == (False, True)
    entry = decide("unfeature", "Fin de l'été")
    assert entry["action"] == "unfeatured" and change(entry, "featured") == (True, False)
    entry = decide("reject", "Les horaires ne correspondent pas à la salle.")
    assert entry["action"] == "rejected"
    assert change(entry, "status") == ("published", "rejected")
    resubmit()
    entry = decide("request_changes", "Précisez l'accès pour les fauteuils.")
    assert entry["action"] == "changes_requested"
    assert change(entry, "status") == ("pending", "draft")
    resubmit()
    entry = decide("archive", "L'association a fermé.")
    assert entry["action"] == "archived"
    assert change(entry, "status") == ("pending", "archived")
    actions = [item["action"] for item in trail(editor_api, pending)]
    assert actions[:9] == [
        "archived", "submitted", "changes_requested", "submitted", "rejected", "unfeatured",
        "featured", "published", "submitted",
    ]  # fmt: skip


def test_an_edit_of_the_organization_is_in_the_trail_with_before_and_after(people, pending):
    organization = pending.organization
    owner = client_for(people["editor"])
    response = owner.patch(f"{API}organizations/{organization.slug}/", {"name": "Club renommé"})
    assert response.status_code == 200, response.content
    history = client_for(people["curator_dept"]).get(
        f"{API}organizations/{organization.slug}/history/"
    )
    latest = history.json()[0]
    assert latest["action"] == "edited" and latest["by_id"] == people["editor"].pk
    assert {"field": "name", "before": organization.name, "after": "Club renommé"} in latest[
        "changes"
    ]


@pytest.mark.parametrize(
    ("status", "action", "code"),
    [
        ("published", "request_changes", "invalid_transition"),
        ("archived", "approve", "invalid_transition"),
        ("pending", "feature", "not_published"),
    ],
)
def test_a_step_the_workflow_refuses_is_a_409_that_changes_nothing(people, status, action, code):
    activity = submitted(NANTES)
    if status != "pending":
        Activity.objects.filter(pk=activity.pk).update(status=status)
    before = stored(activity)
    response = client_for(curator_of(NANTES)).post(
        moderation_url(activity), {"action": action, "reason": "Pour voir."}
    )
    assert response.status_code == 409, response.content
    assert error_code(response) == code
    assert stored(activity) == before


# --- what the organization and residents see --------------------------------------------------

DETAIL_AFTER_REJECTION = {
    "anonymous": 404, "resident": 404, "curator_reze": 404,
}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_a_rejection_is_read_by_its_organization_and_hidden_from_residents(people, pending, role):
    reason = "Les horaires ne correspondent pas à la salle."
    response = client_for(people["curator_nantes"]).post(
        moderation_url(pending), {"action": "reject", "reason": reason}
    )
    assert response.status_code == 200
    detail = as_role(people, role).get(f"{API}activities/{pending.pk}/")
    expected = DETAIL_AFTER_REJECTION.get(role, 200)
    assert detail.status_code == expected
    if expected == 200:
        moderation = detail.json()["moderation"]
        assert (moderation["action"], moderation["reason"]) == ("rejected", reason)
        assert datetime.datetime.fromisoformat(moderation["at"]) <= timezone.now()


def test_a_published_activity_shows_no_decision_to_residents(people, pending):
    client_for(people["curator_nantes"]).post(moderation_url(pending), {"action": "approve"})
    resident = as_role(people, "resident").get(f"{API}activities/{pending.pk}/")
    assert resident.status_code == 200 and resident.json()["moderation"] is None
    editor = as_role(people, "editor").get(f"{API}activities/{pending.pk}/")
    assert editor.json()["moderation"]["action"] == "published"


def test_before_any_decision_the_organization_reads_none(people, pending):
    detail = as_role(people, "editor").get(f"{API}activities/{pending.pk}/")
    assert detail.status_code == 200 and detail.json()["moderation"] is None


def session_activities(client: APIClient, words: str) -> set[int]:
    response = client.get(f"{API}occurrences/", {"q": words, "page_size": 100})
    assert response.status_code == 200, response.content
    return {item["activity"]["id"] for item in response.json()["results"]}


def test_a_rejected_activity_leaves_search_sessions_and_recommendations(
    people, pending, django_capture_on_commit_callbacks
):
    resident = people["resident"]
    matching.profile_update(
        user=resident,
        home=(47.2184, -1.5536),
        matching_consent=True,
        interests={pending.categories.first().slug: 1.0},
    )
    curator = client_for(people["curator_nantes"])
    with django_capture_on_commit_callbacks(execute=True):
        assert curator.post(moderation_url(pending), {"action": "approve"}).status_code == 200
    matching.recommendations_compute(user_ids=[resident.pk])
    session = pending.occurrences.order_by("start").first()
    readers = {"anonymous": APIClient(), "resident": client_for(resident)}
    shown = [item["activity"]["id"] for item in readers["resident"].get(f"{API}recommendations/")
             .json()["results"]]  # fmt: skip
    assert pending.pk in shown
    for client in readers.values():
        assert pending.pk in all_ids(client, {"q": pending.title})
        assert pending.pk in session_activities(client, pending.title)
        assert client.get(f"{API}occurrences/{session.pk}/").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = curator.post(moderation_url(pending), {"action": "reject", "reason": "Fermé."})
    assert response.status_code == 200

    for client in readers.values():
        assert pending.pk not in all_ids(client, {"q": pending.title})
        assert pending.pk not in session_activities(client, pending.title)
        assert client.get(f"{API}activities/{pending.pk}/").status_code == 404
        assert client.get(f"{API}activities/{pending.pk}/occurrences/").status_code == 404
        assert client.get(f"{API}occurrences/{session.pk}/").status_code == 404
    listed = readers["resident"].get(f"{API}recommendations/").json()["results"]
    assert pending.pk not in [item["activity"]["id"] for item in listed]
    matching.recommendations_compute(user_ids=[resident.pk])
    listed = readers["resident"].get(f"{API}recommendations/").json()["results"]
    assert pending.pk not in [item["activity"]["id"] for item in listed]


def test_a_curator_reads_a_pending_activity_of_their_territory_only(people, pending):
    assert as_role(people, "curator_dept").get(f"{API}activities/{pending.pk}/").status_code == 200
    assert as_role(people, "curator_reze").get(f"{API}activities/{pending.pk}/").status_code == 404


# --- the queue ------------------------------------------------------------------------------

START = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)


def at(days: float):
    return time_machine.travel(START + datetime.timedelta(days=days), tick=False)


def report(activity: Activity, times: int) -> None:
    for _ in range(times):
        Report.objects.create(activity=activity, reporter=UserFactory(), reason="unsafe")


@pytest.fixture
def queue_world() -> dict[str, Any]:
    """In Nantes: two submissions a week apart from one association, a published activity
    reported twice and one reported once, a verified organization's activity waiting too;
    in Rezé, a submission."""
    association = OrganizationFactory()
    verified = OrganizationFactory(verified=True)
    with at(0):
        older = submitted(NANTES, organization=association, title="Chorale du lundi")
    with at(7):
        newer = submitted(NANTES, organization=association, categories=["chorale-chant"])
    with at(2):
        waiting_verified = activity_in(NANTES, organization=verified)
        services.activity_submit(activity=waiting_verified, by=editor_in(verified))
        Activity.objects.filter(pk=waiting_verified.pk).update(status="pending")
    with at(3):
        reported = activity_in(NANTES, status="published")
        report(reported, 2)
        once = activity_in(NANTES, status="published")
        report(once, 1)
    with at(1):
        elsewhere = submitted(REZE)
    return {
        "association": association,
        "verified": verified,
        "older": older,
        "newer": newer,
        "waiting_verified": waiting_verified,
        "reported": reported,
        "once": once,
        "elsewhere": elsewhere,
    }


def keys(results: list[dict]) -> list:
    return [item["id"] if item["kind"] == "activity" else item["slug"] for item in results]


def test_reported_items_come_first_then_the_longest_waiting(queue_world):
    w = queue_world
    with at(10):
        response = client_for(curator_of(NANTES)).get(QUEUE)
    assert response.status_code == 200
    results = response.json()["results"]
    assert keys(results) == [
        w["reported"].pk, w["older"].pk, w["association"].slug, w["waiting_verified"].pk,
        w["newer"].pk,
    ]  # fmt: skip
    first = results[0]
    assert (first["raised"], first["open_reports"], first["status"]) == (True, 2, "published")
    older = results[1]
    assert older["title"] == "Chorale du lundi" and older["status"] == "pending"
    assert older["organization"]["slug"] == w["association"].slug
    assert older["commune"] == {"insee_code": NANTES, "name": "Nantes"}
    assert datetime.datetime.fromisoformat(older["waiting_since"]) == START
    assert older["changes"] is None  # never published
    organization = results[2]
    assert organization["kind"] == "organization" and organization["status"] == "unverified"
    assert organization["title"] == w["association"].name
    assert datetime.datetime.fromisoformat(organization["waiting_since"]) == START


def test_the_queue_pages_in_the_same_order(queue_world):
    with at(10):
        curator = client_for(curator_of(LOIRE_ATLANTIQUE))
        first = curator.get(QUEUE, {"page_size": 100})
        assert first.status_code == 200, first.content
        whole = keys(first.json()["results"])
        paged, url, query = [], QUEUE, {"page_size": 1}
        while url:
            response = curator.get(url, query)
            assert response.status_code == 200, response.content
            paged += keys(response.json()["results"])
            url, query = response.json()["next"], None
    assert paged == whole and len(whole) == 7  # Rezé's submission and its association too
    assert queue_world["elsewhere"].pk in whole


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "organization"}, ["association"]),
        ({"status": "published"}, ["reported"]),
        ({"status": "unverified"}, ["association"]),
        ({"kind": "activity", "status": "pending"}, ["older", "waiting_verified", "newer"]),
        ({"category": "culture-arts"}, ["newer", "association"]),
        ({"organization": "{association}"}, ["older", "association", "newer"]),
        ({"waiting_more_than_days": 5}, ["reported", "older", "association", "waiting_verified"]),
        ({"waiting_more_than_days": 8}, ["older", "association"]),
        ({"territory": NANTES, "kind": "activity", "status": "pending"},
         ["older", "waiting_verified", "newer"]),
    ],
)  # fmt: skip
def test_the_queue_filters(queue_world, params, expected):
    w = queue_world
    params = {k: str(v).format(association=w["association"].slug) for k, v in params.items()}
    with at(10):
        response = client_for(curator_of(NANTES)).get(QUEUE, params)
    assert response.status_code == 200, response.content
    wanted = [w[name].slug if name == "association" else w[name].pk for name in expected]
    assert keys(response.json()["results"]) == wanted


def test_a_territory_outside_my_scope_is_a_403_and_an_epci_covers_its_communes(queue_world):
    nantes = client_for(curator_of(NANTES))
    refused = nantes.get(QUEUE, {"territory": REZE})
    assert refused.status_code == 403 and error_code(refused) == "permission_denied"
    english = nantes.get(QUEUE, {"territory": REZE}, HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["error"]["message"] == "This territory is not one you curate."
    assert refused.json()["error"]["message"] == "Vous n'êtes pas référent de ce territoire."
    epci = client_for(curator_of(NANTES_METROPOLE))
    rezé_only = keys(epci.get(QUEUE, {"territory": REZE, "kind": "activity"}).json()["results"])
    assert rezé_only == [queue_world["elsewhere"].pk]


def test_a_resubmission_shows_what_changed_since_it_was_approved(people, pending):
    curator, editor = client_for(people["curator_nantes"]), client_for(people["editor"])
    assert curator.post(moderation_url(pending), {"action": "approve"}).status_code == 200
    rejected = curator.post(moderation_url(pending), {"action": "reject", "reason": "Titre."})
    assert rejected.status_code == 200
    edit = editor.patch(f"{API}activities/{pending.pk}/", {"title": "Chorale du mardi"})
    assert edit.status_code == 200, edit.content
    assert editor.post(f"{API}activities/{pending.pk}/submit/").status_code == 200
    item = next(
        i for i in curator.get(QUEUE, {"kind": "activity"}).json()["results"]
        if i["id"] == pending.pk
    )  # fmt: skip
    assert {"field": "title", "before": pending.title, "after": "Chorale du mardi"} in item[
        "changes"
    ]


def test_approving_from_the_queue_empties_it(people, pending):
    curator = client_for(people["curator_nantes"])
    assert curator.post(moderation_url(pending), {"action": "approve"}).status_code == 200
    assert keys(curator.get(QUEUE, {"kind": "activity"}).json()["results"]) == []
    verified = curator.post(
        f"{API}organizations/{pending.organization.slug}/verification/", {"verified": True}
    )
    assert verified.status_code == 200
    assert curator.get(QUEUE).json()["results"] == []


# --- bad input ------------------------------------------------------------------------------

NUL = "\x00"


def case(name, method, path, body=None, *, field, code=None):
    return pytest.param(method, path, body, field, code, id=name)


BAD_INPUT = [
    case("moderate-action-unknown", "post", "moderation", {"action": "publish"}, field="action"),
    case("moderate-action-missing", "post", "moderation", {"reason": "Non."}, field="action",
         code="required"),
    case("moderate-action-int", "post", "moderation", {"action": 1}, field="action",
         code="invalid_type"),
    case("moderate-reject-without-reason", "post", "moderation", {"action": "reject"},
         field="reason", code="required"),
    case("moderate-changes-blank-reason", "post", "moderation",
         {"action": "request_changes", "reason": "   "}, field="reason"),
    case("moderate-reason-int", "post", "moderation", {"action": "reject", "reason": 42},
         field="reason", code="invalid_type"),
    case("moderate-reason-nul", "post", "moderation",
         {"action": "reject", "reason": f"Non{NUL}"}, field="reason"),
    case("moderate-reason-too-long", "post", "moderation",
         {"action": "reject", "reason": "x" * 2001}, field="reason"),
    case("moderate-reason-markup", "post", "moderation",
         {"action": "reject", "reason": "<b>Non</b>"}, field="reason"),
    case("moderate-unknown-field", "post", "moderation", {"action": "approve", "note": "x"},
         field="note", code="unknown_field"),
    case("moderate-status", "post", "moderation", {"action": "approve", "status": "published"},
         field="status"),
    case("verify-missing", "post", "verification", {"reason": "Oui."}, field="verified",
         code="required"),
    case("verify-string", "post", "verification", {"verified": "yes"}, field="verified",
         code="invalid_type"),
    case("verify-int", "post", "verification", {"verified": 1}, field="verified"),
    case("verify-unknown-field", "post", "verification", {"verified": True, "level": 2},
         field="level", code="unknown_field"),
    case("verify-reason-nul", "post", "verification", {"verified": True, "reason": NUL},
         field="reason"),
    case("queue-kind-bogus", "get", "queue", {"kind": "event"}, field="kind"),
    case("queue-status-bogus", "get", "queue", {"status": "draft"}, field="status"),
    case("queue-days-text", "get", "queue", {"waiting_more_than_days": "long"},
         field="waiting_more_than_days"),
    case("queue-days-negative", "get", "queue", {"waiting_more_than_days": -1},
         field="waiting_more_than_days"),
    case("queue-territory-unknown", "get", "queue", {"territory": "99999"}, field="territory"),
    case("queue-category-unknown", "get", "queue", {"category": "pas-une-categorie"},
         field="category"),
    case("queue-territory-nul", "get", "queue", {"territory": f"44{NUL}"}, field="territory"),
    case("queue-page-size", "get", "queue", {"page_size": 0}, field="page_size"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "body", "field", "code"), BAD_INPUT)
def test_bad_input_is_refused_in_the_error_shape_in_both_languages_and_changes_nothing(
    pending, method, path, body, field, code
):
    url = {
        "moderation": moderation_url(pending),
        "verification": f"{API}organizations/{pending.organization.slug}/verification/",
        "queue": QUEUE,
    }[path]
    client = client_for(curator_of(NANTES))
    before = stored(pending)

    french = error_of(send(client, method, url, body, None), field)
    english = error_of(send(client, method, url, body, "en"), field)

    assert stored(pending) == before
    if code is not None:
        assert french["code"] == english["code"] == code
    assert french["code"] == english["code"]
    assert french["fields"][field] != english["fields"][field]
    assert french["message"] != english["message"]
    with translation.override("fr"):
        assert gettext(english["message"]) == french["message"]


def test_a_cursor_not_made_by_the_server_is_a_400(people):
    response = as_role(people, "curator_nantes").get(QUEUE, {"cursor": "bm90IGEgY3Vyc29y"})
    assert response.status_code == 400
    assert error_code(response) == "invalid_cursor"


# --- every answer as the OpenAPI document describes it --------------------------------------


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_every_answer_fits_the_document(schema, people, pending, queue_world):
    organization = pending.organization.slug
    reported = queue_world["reported"]
    requests = [
        ("get", "/api/v1/moderation/queue/", QUEUE, None),
        ("get", "/api/v1/moderation/queue/", QUEUE, {"territory": REZE}),
        ("get", "/api/v1/moderation/queue/", QUEUE, {"kind": "bogus"}),
        ("get", "/api/v1/me/curated-territories/", f"{API}me/curated-territories/", None),
        ("get", "/api/v1/activities/{id}/history/", history_url(pending), None),
        ("get", "/api/v1/activities/{id}/history/", history_url(reported), None),
        ("get", "/api/v1/activities/{id}/", f"{API}activities/{pending.pk}/", None),
        ("get", "/api/v1/organizations/{slug}/history/",
         f"{API}organizations/{organization}/history/", None),
        ("post", "/api/v1/activities/{id}/moderation/", moderation_url(pending),
         {"action": "reject"}),
        ("post", "/api/v1/activities/{id}/moderation/", moderation_url(pending),
         {"action": "feature"}),
        ("post", "/api/v1/activities/{id}/moderation/", moderation_url(pending),
         {"action": "approve", "reason": "Bienvenue."}),
        ("post", "/api/v1/activities/{id}/moderation/", f"{API}activities/999999/moderation/",
         {"action": "approve"}),
        ("post", "/api/v1/organizations/{slug}/verification/",
         f"{API}organizations/{organization}/verification/", {"verified": True}),
        ("post", "/api/v1/organizations/{slug}/verification/",
         f"{API}organizations/{organization}/verification/", {"verified": "yes"}),
    ]  # fmt: skip
    seen = set()
    for role in ROLES:
        client = as_role(people, role)
        for method, path, url, body in requests:
            if method == "get":
                response = client.get(url, body)
            else:
                response = client.post(url, body, format="json")
            assert_documented(schema, path, method, response)
            seen.add(response.status_code)
    assert {200, 400, 401, 403, 404, 409} <= seen
