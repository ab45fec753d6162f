"""The import runner: items written through the services, idempotent by source and id."""

import dataclasses
import datetime

import pytest
from django.utils import translation

from activities.models import Activity, ActivityTombstone, Occurrence, Place
from interop.imports import runner
from interop.imports.items import SessionEdit, SourceError
from interop.models import ImportJob
from tests.interop.imports.test_runner_support import item, organization_with_editor

pytestmark = pytest.mark.django_db


def new_job(organization, by, *, source="agenda.csv", publish=False, language="en"):
    return runner.import_job_create(
        organization=organization,
        by=by,
        kind="csv",
        source=source,
        data=b"unused: entries are given",
        publish=publish,
        language=language,
    )


def run(organization, by, entries, **job_fields):
    return runner.job_run(job=new_job(organization, by, **job_fields), entries=entries)


def counts(job):
    return {k: job.report[k] for k in ("created", "updated", "unchanged", "archived", "skipped")}


def test_the_same_items_twice_create_once_then_change_nothing():
    organization, editor = organization_with_editor()
    entries = [item(n) for n in range(5)]

    first = run(organization, editor, entries)
    activities = Activity.objects.filter(organization=organization)
    stamps = dict(activities.values_list("pk", "updated_at"))
    sessions = Occurrence.objects.filter(activity__organization=organization).count()
    second = run(organization, editor, [item(n) for n in range(5)])

    assert first.state == second.state == "done"
    assert counts(first) == {
        "created": 5,
        "updated": 0,
        "unchanged": 0,
        "archived": 0,
        "skipped": 0,
    }
    assert counts(second) == {
        "created": 0,
        "updated": 0,
        "unchanged": 5,
        "archived": 0,
        "skipped": 0,
    }
    assert activities.count() == 5
    assert dict(activities.values_list("pk", "updated_at")) == stamps
    assert Occurrence.objects.filter(activity__organization=organization).count() == sessions
    # One place of that name and address, found again rather than created per row.
    assert Place.objects.filter(organization=organization).count() == 1
    activity = activities.get(external_id="row-0")
    assert activity.status == "pending"  # submitted for review: the organization is not verified
    assert list(activity.categories.values_list("slug", flat=True)) == ["tricot-couture"]
    assert activity.source == first.source_key and activity.territory.insee_code == "44109"
    assert activity.occurrences.count() >= 10  # weekly, materialized for the window


def test_a_verified_organization_publishes_and_a_curator_job_publishes():
    verified, editor = organization_with_editor(verified=True)
    other, other_editor = organization_with_editor()

    run(verified, editor, [item(1)])
    run(other, other_editor, [item(1)], publish=True)

    assert Activity.objects.get(organization=verified).status == "published"
    assert Activity.objects.get(organization=other).status == "published"


def test_a_changed_item_updates_its_activity_only():
    organization, editor = organization_with_editor()
    run(organization, editor, [item(1), item(2)])
    untouched = Activity.objects.get(external_id="row-2").updated_at

    moved = item(2)
    moved.schedules[0]["rrule"] = "FREQ=WEEKLY;BYDAY=TH"
    job = run(organization, editor, [item(1, title="Tricot du mardi"), moved])

    assert counts(job)["updated"] == 2 and counts(job)["unchanged"] == 0
    assert Activity.objects.get(external_id="row-1").title == "Tricot du mardi"
    second = Activity.objects.get(external_id="row-2")
    assert second.schedules.get().rrule == "FREQ=WEEKLY;BYDAY=TH"
    assert {o.start.astimezone(datetime.UTC).weekday() for o in second.occurrences.all()} == {3}
    assert second.updated_at >= untouched
    assert (
        run(organization, editor, [item(1, title="Tricot du mardi"), moved]).report["unchanged"]
        == 2
    )


def test_an_item_gone_from_the_source_is_archived_with_its_tombstone():
    organization, editor = organization_with_editor()
    run(organization, editor, [item(1), item(2), item(3)], publish=True)
    gone = Activity.objects.get(external_id="row-2")

    job = run(organization, editor, [item(1), item(3)], publish=True)

    assert counts(job)["archived"] == 1 and counts(job)["unchanged"] == 2
    gone.refresh_from_db()
    assert gone.status == "archived"
    assert ActivityTombstone.objects.filter(activity_id=gone.pk).exists()
    assert Activity.objects.filter(organization=organization).count() == 3  # never deleted
    # Back in the source: archived is final, the item is skipped and said so.
    again = run(organization, editor, [item(1), item(2), item(3)], publish=True)
    assert counts(again)["skipped"] == 1 and again.report["warnings"][0]["position"] == 3


def test_another_source_of_the_organization_archives_nothing():
    organization, editor = organization_with_editor()
    run(organization, editor, [item(1)], source="club.csv")
    job = run(organization, editor, [item(9)], source="agenda.csv")
    assert counts(job)["archived"] == 0
    assert Activity.objects.filter(organization=organization, status="archived").count() == 0


def test_a_source_not_read_whole_archives_nothing():
    organization, editor = organization_with_editor()
    run(organization, editor, [item(1), item(2)])
    job = run(organization, editor, [item(1), SourceError(position=0, message="Truncated.")])
    assert counts(job)["archived"] == 0
    assert not Activity.objects.filter(status="archived").exists()


def test_a_malformed_item_is_reported_with_its_position_and_the_others_import():
    organization, editor = organization_with_editor()
    broken = item(2)
    broken.activity["title"] = ""
    late = item(4)
    late.schedules[0]["start_time"] = "25:00"
    entries = [item(1), broken, item(3), late, SourceError(position=7, message="Bad date.")]

    job = run(organization, editor, entries)

    assert job.state == "done" and counts(job)["created"] == 2
    errors = {e["position"]: e["message"] for e in job.report["errors"]}
    assert set(errors) == {3, 5, 7}
    assert "title" in errors[3]
    assert "start time" in errors[5]
    assert errors[7] == "Bad date."
    assert set(Activity.objects.values_list("external_id", flat=True)) == {"row-1", "row-3"}


def test_an_incomplete_activity_is_refused_whole():
    organization, editor = organization_with_editor()
    job = run(organization, editor, [item(1, schedules=[])])
    assert counts(job)["created"] == 0
    assert "schedule" in job.report["errors"][0]["message"]
    assert not Activity.objects.exists() and not Place.objects.exists()  # rolled back


def test_categories_by_slug_french_or_english_name_accents_and_case_ignored():
    organization, editor = organization_with_editor()
    labels = ["TRICOT ET COUTURE", "knitting and sewing", "Petanque et boules", "danse"]
    job = run(organization, editor, [item(1, activity={**item(1).activity, "categories": labels})])
    assert counts(job)["created"] == 1
    slugs = set(Activity.objects.get().categories.values_list("slug", flat=True))
    assert slugs == {"tricot-couture", "petanque-boules", "danse"}

    origami = item(2, activity={**item(2).activity, "categories": ["Origami"]})
    unknown = run(organization, editor, [origami])
    assert "Origami" in unknown.report["errors"][0]["message"]


def test_a_place_named_without_coordinates_is_the_organizations_place_of_that_name():
    organization, editor = organization_with_editor()
    run(organization, editor, [item(1)])
    named = item(2, place={"name": "maison de quartier"})
    nowhere = item(3, place={"name": "Salle des fêtes"})

    job = run(organization, editor, [item(1), named, nowhere])

    assert Activity.objects.get(external_id="row-2").place == Place.objects.get()
    [error] = job.report["errors"]
    assert error["position"] == 4 and "Salle des fêtes" in error["message"]
    assert "latitude" in error["message"]


def test_a_cancelled_session_of_the_source_is_cancelled_once():
    organization, editor = organization_with_editor()
    run(organization, editor, [item(1)])
    first = Activity.objects.get().occurrences.order_by("start").first()
    cancelled = item(1, sessions=[SessionEdit(series_start=first.series_start, cancelled=True)])

    job = run(organization, editor, [cancelled])
    again = run(organization, editor, [dataclasses.replace(cancelled)])

    first.refresh_from_db()
    assert first.status == "cancelled" and first.is_modified
    assert counts(job)["updated"] == 1 and counts(again)["unchanged"] == 1


def test_a_duplicate_id_is_reported_and_imported_once():
    organization, editor = organization_with_editor()
    job = run(organization, editor, [item(1), item(1, position=9)])
    assert counts(job)["created"] == 1
    assert job.report["errors"][0]["position"] == 9


def test_progress_is_written_while_the_job_runs():
    organization, editor = organization_with_editor()
    job = new_job(organization, editor)
    seen = []

    def poll(_job):
        # What a client polling the API reads: the row, not the runner's copy.
        row = ImportJob.objects.get(pk=job.pk)
        seen.append((row.state, row.done, row.total))

    runner.job_run(job=job, entries=[item(n) for n in range(7)], on_progress=poll, every=3)

    assert seen == [("running", 3, 7), ("running", 6, 7), ("running", 7, 7)]
    assert ImportJob.objects.get(pk=job.pk).state == "done"


def test_messages_are_in_the_importers_language():
    organization, editor = organization_with_editor()
    broken = item(1, place={"name": "Salle des fêtes"})
    with translation.override("en"):
        job = run(organization, editor, [broken], language="fr")
        assert translation.get_language() == "en"  # the importer's language for the run only
    message = job.report["errors"][0]["message"]
    assert "Aucun lieu de votre organisation ne s'appelle « Salle des fêtes »" in message


def test_someone_who_does_not_edit_the_organization_writes_nothing():
    organization, _editor = organization_with_editor()
    _other, stranger = organization_with_editor()
    job = run(organization, stranger, [item(1)])
    assert counts(job)["created"] == 0 and len(job.report["errors"]) == 1
    assert not Activity.objects.exists() and not Place.objects.exists()


def test_a_reader_that_fails_ends_the_job_as_failed(monkeypatch):
    organization, editor = organization_with_editor()

    def broken(data):
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

    monkeypatch.setattr(runner, "read_source", lambda kind, data: broken(data))
    job = runner.job_run(job=new_job(organization, editor))
    assert job.state == "failed" and job.finished_at is not None
    assert job.report["errors"] == [{"position": 0, "message": "The source could not be read."}]
    assert job.data is None


def test_a_places_accessibility_list_sets_its_support_flags():
    organization, editor = organization_with_editor()
    accessible = item(1)
    accessible.place = {**accessible.place, "accessibility": ["hearing", "motor"]}
    wrong = item(2)
    wrong.place = {**wrong.place, "name": "Autre salle", "accessibility": ["sonar"]}

    job = run(organization, editor, [accessible, wrong])

    place = Place.objects.get()
    assert place.hearing_support and place.motor_support and not place.visual_support
    assert job.report["errors"][0]["position"] == 3
    assert "hearing" in job.report["errors"][0]["message"]
