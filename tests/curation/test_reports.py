"""Reports through the API: who may report, who reads which reports, who triages them, and
what the reporter learns of the outcome. A refused write changes nothing."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from activities.models import Activity
from curation.models import Report
from curation.selectors.reports import open_report_counts
from curation.services.reports import report_create
from tests.conftest import client_for
from tests.curation.factories import (
    CURATE_NANTES,
    ROLES,
    ReportFactory,
    activity_in,
    curator_of,
    roles,
)
from tests.factories import ActivityFactory, UserFactory, editor_of

pytestmark = pytest.mark.django_db

REPORTS = "/api/v1/reports/"


def client_as(api_client, user):
    return api_client if user is None else client_for(user)


def rows() -> list[dict]:
    return list(Report.objects.order_by("pk").values())


@pytest.fixture
def world():
    world = roles()
    world.nantes_report = ReportFactory(
        activity=world.nantes_activity, reporter=world.resident, comment="Fermé depuis juin."
    )
    world.reze_report = ReportFactory(
        activity=world.reze_activity, reporter=world.other_resident, reason="unsafe"
    )
    return world


# --- reporting ------------------------------------------------------------------------------


def test_a_resident_reports_a_published_activity_once_while_it_is_open(user_client, user):
    activity = activity_in("44109")
    body = {"activity": activity.pk, "reason": "no_longer_exists", "comment": "Plus personne."}

    first = user_client.post(REPORTS, body)
    again = user_client.post(REPORTS, {**body, "reason": "unsafe"})

    assert first.status_code == 201, first.content
    report = first.json()
    assert report["activity"]["id"] == activity.pk
    assert (report["reason"], report["status"], report["comment"]) == (
        "no_longer_exists",
        "open",
        "Plus personne.",
    )
    assert report["mine"] is True and report["resolved_at"] is None
    assert again.status_code == 200
    assert again.json() == report  # the open report, unchanged
    assert Report.objects.filter(activity=activity, reporter=user).count() == 1


def test_once_triaged_the_same_resident_may_report_again(user_client, user):
    activity = activity_in("44109")
    ReportFactory(activity=activity, reporter=user, status="dismissed")

    response = user_client.post(REPORTS, {"activity": activity.pk, "reason": "unsafe"})

    assert response.status_code == 201
    assert Report.objects.filter(activity=activity, reporter=user).count() == 2


def test_two_residents_each_report_the_same_activity(api_client):
    activity = activity_in("44109")
    for _ in range(2):
        response = client_for(UserFactory()).post(
            REPORTS, {"activity": activity.pk, "reason": "inappropriate"}
        )
        assert response.status_code == 201
    assert Report.objects.filter(activity=activity).count() == 2


@pytest.mark.parametrize("status", ["draft", "pending", "rejected", "archived"])
def test_an_activity_not_published_cannot_be_reported_as_it_is_not_found(user_client, status):
    activity = ActivityFactory(status=status)

    response = user_client.post(REPORTS, {"activity": activity.pk, "reason": "unsafe"})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert not Report.objects.exists()


def test_an_unknown_activity_is_not_found(user_client):
    response = user_client.post(REPORTS, {"activity": 987654, "reason": "unsafe"})
    assert response.status_code == 404
    assert not Report.objects.exists()


def test_reporting_needs_an_account(api_client):
    activity = activity_in("44109")

    response = api_client.post(REPORTS, {"activity": activity.pk, "reason": "unsafe"})

    assert response.status_code == 401
    assert not Report.objects.exists()


# --- reading --------------------------------------------------------------------------------

# Which of the two reports (Nantes by `resident`, Rezé by `other_resident`) each role reads.
SEES = {
    "resident": {"nantes"},
    "other_resident": {"reze"},
    "editor": set(),
    "nantes_curator": {"nantes"},
    "reze_curator": {"reze"},
    "metropole_curator": {"nantes", "reze"},
    "departement_curator": {"nantes", "reze"},
    "staff": {"nantes", "reze"},
}


@pytest.mark.parametrize("role", ROLES)
def test_who_reads_which_reports(api_client, world, role):
    client = client_as(api_client, world.named(role))
    ids = {world.nantes_report.pk: "nantes", world.reze_report.pk: "reze"}

    listed = client.get(REPORTS)

    if role == "anonymous":
        assert listed.status_code == 401
        assert client.get(f"{REPORTS}{world.nantes_report.pk}/").status_code == 401
        return
    assert listed.status_code == 200
    assert {ids[r["id"]] for r in listed.json()["results"]} == SEES[role]
    for pk, name in ids.items():
        detail = client.get(f"{REPORTS}{pk}/")
        assert detail.status_code == (200 if name in SEES[role] else 404), (name, detail.content)


@pytest.mark.parametrize("role", sorted(SEES))
def test_only_curators_of_the_activity_see_who_reported(api_client, world, role):
    client = client_for(world.named(role))

    results = client.get(REPORTS).json()["results"]

    curator = role in CURATE_NANTES or role in {"reze_curator"}
    for report in results:
        if curator:
            reporter = Report.objects.get(pk=report["id"]).reporter
            assert report["reporter"] == {
                "display_name": reporter.display_name,
                "email": reporter.email,
            }
        else:
            assert report["reporter"] is None
            assert report["mine"] is True


def test_the_activitys_organization_never_learns_who_reported(world):
    editor = client_for(world.editor)

    assert editor.get(REPORTS).json()["results"] == []
    assert editor.get(f"{REPORTS}{world.nantes_report.pk}/").status_code == 404
    assert editor.get(REPORTS, {"activity": world.nantes_activity.pk}).json()["results"] == []


def test_a_curator_who_is_also_a_reporter_sees_their_own_reports_elsewhere(world):
    """A Nantes curator who reported a Rezé activity reads that report, without the Rezé
    reporters' names."""
    mine = ReportFactory(activity=world.reze_activity, reporter=world.nantes_curator)
    client = client_for(world.nantes_curator)

    results = {r["id"]: r for r in client.get(REPORTS).json()["results"]}

    assert set(results) == {world.nantes_report.pk, mine.pk}
    assert results[mine.pk]["reporter"] is None and results[mine.pk]["mine"] is True
    assert results[world.nantes_report.pk]["reporter"]["email"] == world.resident.email


def test_filters_status_reason_and_activity(world):
    client = client_for(world.metropole_curator)
    ReportFactory(activity=world.nantes_activity, status="dismissed", reason="unsafe")

    def ids(**params):
        return {r["id"] for r in client.get(REPORTS, params).json()["results"]}

    assert ids(status="open") == {world.nantes_report.pk, world.reze_report.pk}
    assert ids(reason="unsafe", status="open") == {world.reze_report.pk}
    assert len(ids(activity=world.nantes_activity.pk)) == 2
    assert ids(activity=world.reze_activity.pk, status="open") == {world.reze_report.pk}


def test_the_list_is_newest_first_and_pages(world):
    client = client_for(world.staff)
    newer = ReportFactory(activity=world.nantes_activity)

    first = client.get(REPORTS, {"page_size": 2}).json()
    rest = client.get(first["next"]).json()

    assert [r["id"] for r in first["results"]] == [
        newer.pk,
        world.reze_report.pk,
    ]
    assert [r["id"] for r in rest["results"]] == [world.nantes_report.pk]


# --- triage ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_who_triages_a_report_of_nantes(api_client, world, role):
    client = client_as(api_client, world.named(role))
    before = rows()

    response = client.post(
        f"{REPORTS}{world.nantes_report.pk}/triage/",
        {"status": "acted_on", "note": "Fiche corrigée avec l'association."},
    )

    if role in CURATE_NANTES:
        assert response.status_code == 200, response.content
        report = Report.objects.get(pk=world.nantes_report.pk)
        assert (report.status, report.resolution_note) == (
            "acted_on",
            "Fiche corrigée avec l'association.",
        )
        assert report.resolved_by == world.named(role) and report.resolved_at is not None
        return
    expected = {"anonymous": 401, "resident": 403}.get(role, 404)
    assert response.status_code == expected, (role, response.content)
    assert rows() == before


def test_the_reporter_reads_the_outcome(world):
    curator = client_for(world.nantes_curator)
    curator.post(
        f"{REPORTS}{world.nantes_report.pk}/triage/",
        {"status": "dismissed", "note": "Les horaires sont bons : vérifié par téléphone."},
    )

    mine = client_for(world.resident).get(f"{REPORTS}{world.nantes_report.pk}/").json()

    assert mine["status"] == "dismissed"
    assert mine["resolution_note"] == "Les horaires sont bons : vérifié par téléphone."
    assert mine["resolved_at"] is not None
    assert mine["reporter"] is None and mine["mine"] is True


def test_a_report_is_triaged_once(world):
    curator = client_for(world.nantes_curator)
    url = f"{REPORTS}{world.nantes_report.pk}/triage/"
    assert curator.post(url, {"status": "dismissed"}).status_code == 200
    before = rows()

    again = client_for(world.metropole_curator).post(url, {"status": "acted_on", "note": "Non"})

    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_triaged"
    assert rows() == before


def test_a_report_cannot_be_triaged_back_to_open(world):
    before = rows()

    response = client_for(world.nantes_curator).post(
        f"{REPORTS}{world.nantes_report.pk}/triage/", {"status": "open"}
    )

    assert response.status_code == 400
    assert "status" in response.json()["error"]["fields"]
    assert rows() == before


def test_a_curator_who_edits_the_organization_still_curates(world):
    """A municipality running its own activity curates it: its curators see the reporter."""
    curator = world.nantes_curator
    editor_of(world.nantes_activity.organization, user=curator)

    report = client_for(curator).get(f"{REPORTS}{world.nantes_report.pk}/").json()

    assert report["reporter"]["email"] == world.resident.email


def test_a_remote_activity_is_curated_where_it_serves(api_client):
    """A phone line serving Nantes: its reports are triaged by the curators of Nantes."""
    from tests.curation.factories import territory

    activity = ActivityFactory(attendance_mode="phone", place=None)
    activity.service_area.set([territory("44109")])
    report = ReportFactory(activity=activity)

    nantes = client_for(curator_of("44109")).get(f"{REPORTS}{report.pk}/")
    reze = client_for(curator_of("44143")).get(f"{REPORTS}{report.pk}/")

    assert nantes.status_code == 200 and nantes.json()["reporter"] is not None
    assert reze.status_code == 404


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_reports_at_once_by_one_resident_make_one():
    """A double tap: two requests of the same resident about the same activity, at once."""
    activity, resident = activity_in("44109"), UserFactory()
    barrier = threading.Barrier(2)

    def report() -> bool:
        try:
            barrier.wait(timeout=10)
            return report_create(activity=activity, by=resident, reason="unsafe")[1]
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        created = sorted(pool.map(lambda _: report(), range(2)))

    assert created == [False, True]
    assert Report.objects.filter(activity=activity, reporter=resident).count() == 1


def test_open_reports_are_counted_per_activity(world):
    """What raises an activity in the moderation queue: its open reports."""
    ReportFactory(activity=world.nantes_activity)
    ReportFactory(activity=world.nantes_activity, status="dismissed")

    counts = dict(open_report_counts(Activity.objects.all()).values_list("pk", "open_reports"))

    assert counts[world.nantes_activity.pk] == 2
    assert counts[world.reze_activity.pk] == 1
