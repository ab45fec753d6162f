"""New items are written in groups (`services.activities_create_many`): the same rows, the same
audit trail and the same refusals as one by one; a group the database refuses is written
again one by one."""

import pytest
from django.db.models import Count

from activities import services
from activities.models import Activity, Occurrence, Place
from interop.imports import runner
from tests.interop.imports.test_runner import counts, new_job, run
from tests.interop.imports.test_runner_support import item, organization_with_editor

pytestmark = pytest.mark.django_db


def written(activity: Activity) -> dict:
    """What an activity's import wrote, but its ids and times of writing."""
    sessions = Occurrence.objects.filter(activity=activity).order_by("start")
    return {
        "status": activity.status,
        "categories": sorted(activity.categories.values_list("slug", flat=True)),
        "place": (activity.place.name, activity.place.territory_id, activity.place.h3_cell),
        "location": (activity.lat, activity.lng, activity.h3_cell, activity.territory_id),
        "timing": (activity.weekly_slots, activity.next_start),
        "schedules": list(
            activity.schedules.values_list("rrule", "start_time", "end_time", "valid_from")
        ),
        "sessions": list(sessions.values_list("series_start", "start", "end", "capacity")),
    }


def one_by_one(job, entry, by):
    return runner.import_item(job=job, item=entry, by=by, external_id=entry.external_id)


def test_a_group_writes_what_one_by_one_writes():
    organization, editor = organization_with_editor()
    grouped = run(organization, editor, [item(1)], source="grouped.csv")
    assert counts(grouped)["created"] == 1
    job = new_job(organization, editor, source="alone.csv")
    assert one_by_one(job, item(1), editor) == "created"

    by_group, alone = (
        Activity.objects.get(source=key, external_id="row-1")
        for key in (grouped.source_key, job.source_key)
    )
    assert written(by_group) == written(alone)
    assert written(by_group)["status"] == "pending"
    assert len(written(by_group)["sessions"]) >= 11  # the rolling window's Tuesdays


def test_a_group_leaves_the_audit_trail_of_each_row():
    organization, editor = organization_with_editor()
    run(organization, editor, [item(n) for n in range(3)])
    for activity in Activity.objects.filter(organization=organization):
        [record] = activity.history.all()
        assert record.history_type == "+" and record.history_user == editor
        assert record.status == "pending"
        assert [row.category.slug for row in record.categories.all()] == ["tricot-couture"]
        assert activity.schedules.get().history.get().history_user == editor
    [place] = Place.objects.filter(organization=organization)
    assert place.history.get().history_user == editor


def test_items_sharing_a_new_place_create_it_once():
    organization, editor = organization_with_editor()
    job = run(organization, editor, [item(n) for n in range(4)])
    assert counts(job)["created"] == 4
    assert Place.objects.filter(organization=organization).count() == 1
    [row] = (
        Activity.objects.filter(organization=organization).values("place").annotate(n=Count("pk"))
    )
    assert row["n"] == 4


def test_a_refused_place_is_reported_on_each_of_its_items_and_leaves_nothing():
    organization, editor = organization_with_editor()
    bad = {"name": "Ailleurs", "address": "", "lat": 95.0, "lng": 0.0}
    job = run(organization, editor, [item(1, place=bad), item(2, place=bad), item(3)])
    assert counts(job)["created"] == 1
    assert [error["position"] for error in job.report["errors"]] == [2, 3]
    assert {error["message"] for error in job.report["errors"]} == {
        "lat: Ensure this value is less than or equal to 90."
    }
    assert not Place.objects.filter(organization=organization, name="Ailleurs").exists()


def test_a_new_place_whose_activities_are_all_refused_is_not_kept():
    organization, editor = organization_with_editor()
    lonely = {"name": "Salle seule", "address": "2 rue Basse", "lat": 47.22, "lng": -1.55}
    refused = item(1, place=lonely)
    refused.activity["categories"] = ["pas une catégorie"]
    job = run(organization, editor, [refused, item(2)])
    assert counts(job)["created"] == 1
    assert job.report["errors"][0]["position"] == 2
    assert not Place.objects.filter(name="Salle seule").exists()


def test_a_group_the_database_refuses_is_written_again_one_by_one(monkeypatch):
    organization, editor = organization_with_editor()
    job = new_job(organization, editor)
    real = runner.draft_of

    def and_a_concurrent_import(*, job, item, places):
        # Another run of the same source writes this item between the group's read and its
        # insert: the unique (source, external id) refuses the group's insert.
        if item.external_id == "row-2":
            services.activity_create(
                organization=organization,
                by=editor,
                title="Atelier tricot 2",
                summary="Écrit par une autre lecture de la même source.",
                kind="club",
                source=job.source_key,
                external_id="row-2",
            )
        return real(job=job, item=item, places=places)

    monkeypatch.setattr(runner, "draft_of", and_a_concurrent_import)
    job = runner.job_run(job=job, entries=[item(n) for n in range(4)])

    assert job.state == "done" and job.report["errors"] == []
    assert counts(job)["created"] == 3 and counts(job)["updated"] == 1
    assert Activity.objects.filter(source=job.source_key).count() == 4
    assert Place.objects.filter(organization=organization).count() == 1


def test_an_editor_no_longer_editing_gets_every_new_item_refused():
    organization, editor = organization_with_editor()
    job = new_job(organization, editor)
    organization.memberships.filter(user=editor).delete()
    job = runner.job_run(job=job, entries=[item(n) for n in range(3)])
    assert counts(job)["created"] == 0
    assert [error["position"] for error in job.report["errors"]] == [1, 2, 3]
    assert not Activity.objects.filter(organization=organization).exists()


def test_a_new_place_not_kept_in_one_group_is_created_with_a_later_one():
    organization, editor = organization_with_editor()
    lonely = {"name": "Salle seule", "address": "2 rue Basse", "lat": 47.22, "lng": -1.55}
    refused = item(1, place=lonely)
    refused.activity["categories"] = ["pas une catégorie"]
    job = new_job(organization, editor)
    job = runner.job_run(job=job, entries=[refused, item(2, place=lonely)], every=1)
    assert counts(job)["created"] == 1 and len(job.report["errors"]) == 1
    assert Activity.objects.get().place.name == "Salle seule"


def test_a_place_made_for_an_item_that_is_refused_is_not_offered_to_the_next():
    organization, editor = organization_with_editor()
    run(organization, editor, [item(1)])
    hall = {"name": "Salle neuve", "address": "5 rue Haute", "lat": 47.21, "lng": -1.56}
    refused = item(1, place=hall)  # already imported: written on its own, its place first
    refused.activity["title"] = ""
    job = new_job(organization, editor)
    job = runner.job_run(job=job, entries=[refused, item(2, place=hall)], every=1)
    assert [error["position"] for error in job.report["errors"]] == [2]
    assert counts(job)["created"] == 1
    [place] = Place.objects.filter(organization=organization, name="Salle neuve")
    assert Activity.objects.get(external_id="row-2").place == place
