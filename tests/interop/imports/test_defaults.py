"""What a source often lacks, given once for the job: categories for the items that give
none, and a place for the in-person items that give none Relier can locate."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from activities.models import Activity, Place
from interop.imports import runner
from interop.models import ImportJob
from tests.conftest import client_for
from tests.factories import OrganizationFactory, PlaceFactory, editor_of
from tests.interop.imports.test_api import IMPORTS, post, stand_in_reader  # noqa: F401
from tests.interop.imports.test_runner import counts
from tests.interop.imports.test_runner_support import as_bytes, item, organization_with_editor

pytestmark = pytest.mark.django_db


def job_with(organization, by, **defaults):
    return runner.import_job_create(
        organization=organization,
        by=by,
        kind="csv",
        source="agenda.csv",
        data=b"unused: entries are given",
        language="en",
        **defaults,
    )


def bare(n, **overrides):
    """An item as an association's calendar gives it: no category."""
    entry = item(n, **overrides)
    entry.activity = {k: v for k, v in entry.activity.items() if k != "categories"}
    return entry


def test_items_without_categories_take_the_jobs_and_the_others_keep_theirs():
    organization, editor = organization_with_editor()
    job = job_with(organization, editor, default_categories=["Danse", "jeux-de-societe"])
    assert job.default_categories == ["danse", "jeux-de-societe"]  # names read as slugs

    job = runner.job_run(job=job, entries=[bare(1), item(2)])

    assert counts(job)["created"] == 2 and job.report["errors"] == []
    slugs = {
        a.external_id: sorted(a.categories.values_list("slug", flat=True))
        for a in Activity.objects.all()
    }
    assert slugs == {"row-1": ["danse", "jeux-de-societe"], "row-2": ["tricot-couture"]}


def test_without_defaults_an_item_without_category_is_refused_as_before():
    organization, editor = organization_with_editor()
    job = runner.job_run(job=job_with(organization, editor), entries=[bare(1)])
    assert counts(job)["created"] == 0
    assert "categor" in job.report["errors"][0]["message"]


def test_in_person_items_without_a_place_relier_can_locate_take_the_jobs_place():
    organization, editor = organization_with_editor()
    hall = PlaceFactory(organization=organization, name="Salle des fêtes")
    job = job_with(organization, editor, default_place=hall)
    no_place = item(1, place=None)
    unknown_room = item(2, place={"name": "Salle Bleue"})  # no coordinates, not a place of ours
    located = item(3)
    online = item(4, place=None)
    online.activity = {**online.activity, "attendance_mode": "online"}

    job = runner.job_run(job=job, entries=[no_place, unknown_room, located, online])

    assert counts(job)["created"] == 4 and job.report["errors"] == []
    place_of = dict(Activity.objects.values_list("external_id", "place__name"))
    assert place_of == {
        "row-1": "Salle des fêtes",
        "row-2": "Salle des fêtes",
        "row-3": "Maison de quartier",
        "row-4": None,
    }
    assert job.report["warnings"] == [
        {
            "position": 2,
            "message": "No place given: the activity is at “Salle des fêtes”, this import's place.",
        },
        {
            "position": 3,
            "message": "No place of your organization is named “Salle Bleue”: the activity is "
            "at “Salle des fêtes”, this import's place.",
        },
    ]


def test_the_defaults_are_checked_when_the_job_is_made():
    organization, editor = organization_with_editor()
    elsewhere = PlaceFactory(organization=OrganizationFactory())
    with pytest.raises(runner.ValidationFailed) as error, translation.override("en"):
        job_with(organization, editor, default_categories=["Origami"])
    assert error.value.fields == {
        "default_categories": ["Give categories by their slug or their name."]
    }
    with pytest.raises(runner.ValidationFailed) as error:
        job_with(organization, editor, default_place=elsewhere)
    assert list(error.value.fields) == ["default_place"]
    assert not ImportJob.objects.exists()


def test_a_feed_read_again_keeps_its_defaults(settings):
    settings.IMPORT_ALLOW_PRIVATE_HOSTS = True  # the feed's address is on loopback
    organization, editor = organization_with_editor()
    hall = PlaceFactory(organization=organization)
    job = runner.import_job_create(
        organization=organization,
        by=editor,
        kind="ical",
        source="http://127.0.0.1:9/feed.ics",
        repeat="weekly",
        default_categories=["danse"],
        default_place=hall,
    )
    again = runner.import_job_repeat(job=job, now=timezone.now())
    assert (again.default_categories, again.default_place) == (["danse"], hall)


def test_the_api_takes_the_defaults_in_a_file_upload_and_shows_them():
    organization = OrganizationFactory()
    client = client_for(editor_of(organization))
    hall = PlaceFactory(organization=organization, name="Salle des fêtes")
    file = SimpleUploadedFile("agenda.csv", as_bytes([bare(1, place=None)]))
    body = {
        "organization": organization.slug,
        "kind": "csv",
        "file": file,
        "default_categories": ["danse", "Gym douce"],
        "default_place": hall.pk,
    }

    answer = post(client, body, format="multipart")

    assert answer.status_code == 202, answer.json()
    job = client.get(f"{IMPORTS}{answer.json()['id']}/").json()
    assert job["default_categories"] == ["danse", "gym-douce"]
    assert job["default_place"] == hall.pk
    assert job["report"]["created"] == 1
    assert Activity.objects.get().place == hall


@pytest.mark.parametrize(
    "defaults, field",
    [
        ({"default_categories": ["Origami"]}, "default_categories"),
        ({"default_place": "elsewhere"}, "default_place"),
        ({"default_place": 987654}, "default_place"),
        ({"default_categories": "x" * 101}, "default_categories"),
    ],
)
def test_the_api_refuses_bad_defaults_in_the_callers_language_and_writes_nothing(defaults, field):
    organization = OrganizationFactory()
    client = client_for(editor_of(organization))
    if defaults.get("default_place") == "elsewhere":
        defaults = {"default_place": PlaceFactory(organization=OrganizationFactory()).pk}
    file = SimpleUploadedFile("agenda.csv", as_bytes([item(1)]))
    body = {"organization": organization.slug, "kind": "csv", "file": file, **defaults}
    answer = post(client, body, format="multipart", HTTP_ACCEPT_LANGUAGE="fr")
    assert answer.status_code == 400, answer.json()
    error = answer.json()["error"]
    assert [key.split(".")[0] for key in error["fields"]] == [field]
    assert not ImportJob.objects.exists() and not Activity.objects.exists()
    assert Place.objects.filter(organization=organization).count() == 0
