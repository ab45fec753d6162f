"""The visiting API per endpoint: who may read, who may write, a refused write changes
nothing; a volunteer sees only the people they are paired with and only what the visit
needs; another team's coordinators see nothing."""

import datetime

import pytest
from django.utils import timezone

from tests.bad_input import error_of
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.visiting.conftest import (
    HOME,
    active_pair,
    proposed_pair,
    request_of,
    run_pairing,
    volunteer_of,
)
from visiting.models import Contact, Pair, PairingRun, Team, VisitRequest, Volunteer

pytestmark = pytest.mark.django_db
API = "/api/v1/"


def results(response):
    assert response.status_code == 200, response.content
    body = response.json()
    return body["results"] if isinstance(body, dict) else body


def detail(response):
    assert response.status_code == 200, response.content
    return response.json()


def test_teams_are_seen_by_their_coordinators_and_volunteers_only(clients, team, volunteer):
    for role, count in [("coordinator", 1), ("volunteer", 1), ("other_coordinator", 1),
                        ("resident", 0)]:  # fmt: skip
        teams = results(clients[role].get(API + "teams/"))
        assert len(teams) == count, role
        if role in ("coordinator", "volunteer"):
            assert teams[0]["id"] == team.pk
            assert teams[0]["coordinator"] is (role == "coordinator")
    assert clients["anonymous"].get(API + "teams/").status_code == 401


def test_a_team_is_created_by_an_editor_of_the_organization(clients, team, coordinator):
    body = {"organization": team.organization.slug, "name": "Équipe Sud"}
    for role in ("volunteer", "other_coordinator", "resident"):
        assert clients[role].post(API + "teams/", body, format="json").status_code == 403
    assert clients["anonymous"].post(API + "teams/", body, format="json").status_code == 401
    assert Team.objects.count() == 2  # this team and the other coordinator's
    response = clients["coordinator"].post(API + "teams/", body, format="json")
    assert response.status_code == 201 and response.json()["coordinator"] is True


@pytest.mark.parametrize("path", ["waiting-list", "volunteer-load"])
def test_the_coordinators_view_is_theirs_alone(clients, team, volunteer, waiting, path):
    url = f"{API}teams/{team.pk}/{path}/"
    for role in ("volunteer", "other_coordinator", "resident"):
        assert clients[role].get(url).status_code == 404, role
    assert clients["anonymous"].get(url).status_code == 401
    rows = results(clients["coordinator"].get(url))
    assert len(rows) == 1


def test_the_waiting_list_names_what_blocks_a_person(clients, team, coordinator, volunteer):
    request_of(team, coordinator, first_name="Maria", languages_mask=1 << 5, waited_days=40)
    [row] = results(clients["coordinator"].get(f"{API}teams/{team.pk}/waiting-list/"))
    assert (row["first_name"], row["waiting_days"], row["blocking"]) == (
        "Maria", 40, "no_shared_language",
    )  # fmt: skip


def test_volunteer_load_counts_the_pairs_followed(clients, team, coordinator, volunteer, waiting):
    active_pair(team, coordinator)
    [row] = results(clients["coordinator"].get(f"{API}teams/{team.pk}/volunteer-load/"))
    assert (row["capacity"], row["following"], row["active_pairs"], row["fully_vetted"]) == (
        1, 1, 1, True,
    )  # fmt: skip


def test_volunteers_are_recorded_and_vetted_by_coordinators(clients, team, volunteer):
    newcomer = UserFactory()
    body = {
        "team": team.pk, "email": newcomer.email, "home": {"lat": HOME[0], "lng": HOME[1]},
        "availability": ["mon_morning"], "offers": ["calls"], "languages": ["fr", "pt"],
    }  # fmt: skip
    for role in ("volunteer", "other_coordinator", "resident"):
        assert clients[role].post(API + "volunteers/", body, format="json").status_code == 404
    assert Volunteer.objects.count() == 1
    response = clients["coordinator"].post(API + "volunteers/", body, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["fully_vetted"] is False and created["offers"] == ["calls"]
    assert created["home"] != {"lat": HOME[0], "lng": HOME[1]}  # coarsened
    url = f"{API}volunteers/{created['id']}/"
    vetting = {"charter_signed_on": "2026-11-02", "trained_on": "2026-11-20",
               "reference_checked_on": "2026-11-05"}  # fmt: skip
    # The volunteer cannot vet themself; another team's coordinator does not see them.
    assert client_for(newcomer).patch(url, vetting, format="json").status_code == 403
    assert clients["other_coordinator"].patch(url, vetting, format="json").status_code == 404
    assert Volunteer.objects.get(pk=created["id"]).trained_on is None
    response = clients["coordinator"].patch(url, vetting, format="json")
    assert response.status_code == 200 and response.json()["fully_vetted"] is True
    # A volunteer reads their own profile, not the others'.
    assert client_for(newcomer).get(url).status_code == 200
    assert clients["volunteer"].get(url).status_code == 404
    assert [v["id"] for v in results(clients["volunteer"].get(API + "volunteers/"))] == [
        volunteer.pk
    ]


def test_requests_are_read_by_coordinators_only(clients, team, waiting):
    for role in ("volunteer", "other_coordinator", "resident"):
        assert results(clients[role].get(API + "visit-requests/")) == [], role
        assert clients[role].get(f"{API}visit-requests/{waiting.pk}/").status_code == 404
        response = clients[role].patch(
            f"{API}visit-requests/{waiting.pk}/", {"priority": 3}, format="json"
        )
        assert response.status_code == 404
    assert VisitRequest.objects.get().priority == 0
    assert [r["id"] for r in results(clients["coordinator"].get(API + "visit-requests/"))] == [
        waiting.pk
    ]
    response = clients["coordinator"].patch(
        f"{API}visit-requests/{waiting.pk}/", {"priority": 3}, format="json"
    )
    assert response.status_code == 200 and response.json()["priority"] == 3


def test_a_person_asks_for_themself_without_a_priority(clients, team):
    body = {
        "team": team.pk, "entered_by": "self", "first_name": "Odette",
        "home": {"lat": HOME[0], "lng": HOME[1]}, "availability": ["tue_afternoon"],
        "wants": ["visits"],
    }  # fmt: skip
    response = clients["resident"].post(API + "visit-requests/", {**body, "priority": 3},
                                        format="json")  # fmt: skip
    assert response.status_code == 403
    response = clients["resident"].post(
        API + "visit-requests/", {**body, "entered_by": "coordinator"}, format="json"
    )
    assert response.status_code == 403
    assert not VisitRequest.objects.exists()
    response = clients["resident"].post(API + "visit-requests/", body, format="json")
    assert response.status_code == 201
    assert response.json()["requested_on"] == timezone.localdate().isoformat()


@pytest.mark.parametrize(
    "field, value, named",
    [
        ("availability", [], "availability"), ("wants", ["cooking"], "wants.0"),
        ("home", {"lat": 95, "lng": 0}, "home.lat"), ("priority", 4, "priority"),
        ("interests", ["no-such-category"], "interests"), ("languages", ["xx"], "languages.0"),
        ("consent_method", "telepathy", "consent_method"),
        ("requested_on", "tomorrow", "requested_on"), ("team", 0, "team"),
        ("colour", "blue", "colour"),
    ],
)  # fmt: skip
def test_bad_request_input_names_the_field(clients, team, field, value, named):
    body = {
        "team": team.pk, "entered_by": "coordinator", "first_name": "Odette",
        "home": {"lat": HOME[0], "lng": HOME[1]}, "availability": ["tue_afternoon"],
        "wants": ["visits"], field: value,
    }  # fmt: skip
    response = clients["coordinator"].post(API + "visit-requests/", body, format="json")
    error_of(response, named)
    assert not VisitRequest.objects.exists()


def test_a_coordinator_runs_the_pairing_through_the_task(
    clients, team, volunteer, waiting, django_capture_on_commit_callbacks
):
    for role in ("volunteer", "other_coordinator", "resident"):
        response = clients[role].post(API + "pairings/", {"team": team.pk}, format="json")
        assert response.status_code == 404
    assert not PairingRun.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = clients["coordinator"].post(API + "pairings/", {"team": team.pk}, format="json")
    assert response.status_code == 202
    run = detail(clients["coordinator"].get(f"{API}pairings/{response.json()['id']}/"))
    assert (run["status"], run["proposed"], run["unpaired"]) == ("done", 1, 0)
    assert clients["other_coordinator"].get(f"{API}pairings/{run['id']}/").status_code == 404


def test_a_volunteer_sees_only_what_the_visit_needs(clients, team, coordinator, volunteer, waiting):
    other_volunteer = volunteer_of(team, coordinator, home=(47.25, -1.52))
    request_of(team, coordinator, first_name="Lucien", home=(47.25, -1.52))
    pair = proposed_pair_for(team, coordinator, volunteer)
    [seen] = results(clients["volunteer"].get(API + "pairs/"))
    assert seen["id"] == pair.pk
    person = seen["person"]
    assert set(person) == {"first_name", "phone", "address", "access_notes", "availability",
                           "languages"}  # fmt: skip
    assert person["address"] is None  # not before the pair is active
    assert seen["request"] is None and seen["score"] is None and seen["end_note"] == ""
    assert seen["allowed_transitions"] == ["accepted_by_volunteer", "ended"]
    # The other volunteer's pair is not theirs.
    others = Pair.objects.exclude(volunteer=volunteer).get()
    assert others.volunteer == other_volunteer
    assert clients["volunteer"].get(f"{API}pairs/{others.pk}/").status_code == 404
    assert clients["other_coordinator"].get(f"{API}pairs/{pair.pk}/").status_code == 404
    assert results(clients["other_coordinator"].get(API + "pairs/")) == []
    # Accepted on both sides, the address is given.
    url = f"{API}pairs/{pair.pk}/transition/"
    assert (
        clients["volunteer"]
        .post(url, {"status": "accepted_by_volunteer"}, format="json")
        .status_code
        == 200
    )
    assert clients["coordinator"].post(url, {"status": "active"}, format="json").status_code == 200
    seen = detail(clients["volunteer"].get(f"{API}pairs/{pair.pk}/"))
    assert seen["person"]["address"] == waiting.address
    coordinator_view = detail(clients["coordinator"].get(f"{API}pairs/{pair.pk}/"))
    assert coordinator_view["request"] == waiting.pk and coordinator_view["score"] > 0


def proposed_pair_for(team, coordinator, volunteer):
    run_pairing(team, coordinator)
    return Pair.objects.get(volunteer=volunteer)


def test_pair_transitions_refused_change_nothing(clients, team, coordinator, volunteer, waiting):
    pair = proposed_pair(team, coordinator)
    url = f"{API}pairs/{pair.pk}/transition/"
    cases = [
        ("other_coordinator", {"status": "ended", "reason": "declined"}, 404),
        ("resident", {"status": "ended", "reason": "declined"}, 404),
        ("coordinator", {"status": "accepted_by_volunteer"}, 403),
        ("volunteer", {"status": "active"}, 409),
        ("volunteer", {"status": "ended"}, 400),
        ("volunteer", {"status": "gone"}, 400),
    ]
    for role, body, expected in cases:
        assert clients[role].post(url, body, format="json").status_code == expected, (role, body)
    assert clients["anonymous"].post(url, {"status": "ended"}, format="json").status_code == 401
    assert Pair.objects.get().status == "proposed"


def test_visits_are_logged_by_the_volunteer_and_notes_kept_for_coordinators(
    clients, team, coordinator, volunteer, waiting
):
    pair = active_pair(team, coordinator)
    today = timezone.localdate().isoformat()
    body = {"pair": pair.pk, "date": today, "duration_minutes": 50, "kind": "visit",
            "note": "Elle parle de déménager en EHPAD."}  # fmt: skip
    assert clients["coordinator"].post(API + "visits/", body, format="json").status_code == 403
    assert (
        clients["other_coordinator"].post(API + "visits/", body, format="json").status_code == 404
    )
    assert not Contact.objects.exists()
    future = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    error_of(clients["volunteer"].post(API + "visits/", {**body, "date": future}, format="json"),
             "date")  # fmt: skip
    response = clients["volunteer"].post(API + "visits/", body, format="json")
    assert response.status_code == 201 and response.json()["note"] == body["note"]
    [mine] = results(clients["volunteer"].get(API + "visits/"))
    assert mine["note"] == ""
    [theirs] = results(clients["coordinator"].get(API + "visits/"))
    assert theirs["note"] == body["note"]
    assert results(clients["other_coordinator"].get(API + "visits/")) == []


def test_unknown_ids_are_404_in_the_error_shape(clients):
    for path in ("teams/999/waiting-list/", "volunteers/999/", "visit-requests/999/",
                 "pairings/999/", "pairs/999/"):  # fmt: skip
        response = clients["coordinator"].get(API + path)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
