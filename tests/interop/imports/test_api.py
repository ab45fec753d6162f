"""imports/: who may import, what is written, the job's progress and report, the template."""

import http.server
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from activities.models import Activity, Membership, Place
from interop.imports import runner
from interop.models import ImportJob
from tests.conftest import client_for
from tests.curation.moderation_factories import NANTES, REZE, curator_of, territory
from tests.factories import OrganizationFactory, PlaceFactory, UserFactory, editor_of
from tests.interop.imports.test_runner_support import STAND_IN, as_bytes, item

pytestmark = pytest.mark.django_db

IMPORTS = "/api/v1/imports/"
FEED_PORT = 18611


@pytest.fixture(autouse=True)
def stand_in_reader(monkeypatch):
    """The CSV and iCalendar kinds read by the tests' stand-in (a JSON list of items)."""
    monkeypatch.setitem(runner.READERS, "csv", STAND_IN)
    monkeypatch.setitem(runner.READERS, "ical", STAND_IN)


def post(client, body, **kwargs):
    """POST imports/, the job's task run once the request's transaction commits."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(IMPORTS, body, **kwargs)


def upload(client, organization, entries, *, kind="csv", **headers):
    file = SimpleUploadedFile("agenda.csv", as_bytes(entries), content_type="text/csv")
    body = {"organization": organization.slug, "kind": kind, "file": file}
    answer = post(client, body, format="multipart", **headers)
    if answer.status_code == 202:  # the job as it ended
        return client.get(f"{IMPORTS}{answer.json()['id']}/")
    return answer


def nothing_written(places: int = 0):
    return (
        not (ImportJob.objects.exists() or Activity.objects.exists())
        and Place.objects.count() == places
    )


def test_an_editor_imports_a_file_submitted_for_review_and_follows_the_job():
    organization = OrganizationFactory()
    client = client_for(editor_of(organization))

    answer = upload(client, organization, [item(1), item(2)])

    assert answer.status_code == 200, answer.json()
    job = answer.json()
    assert job["organization"]["slug"] == organization.slug and job["publish"] is False
    detail = client.get(f"{IMPORTS}{job['id']}/").json()
    assert detail["state"] == "done" and detail["done"] == detail["total"] == 2
    assert detail["report"]["created"] == 2 and detail["report"]["errors"] == []
    assert detail["source"] == "agenda.csv"
    assert set(Activity.objects.values_list("status", flat=True)) == {"pending"}
    assert ImportJob.objects.get().data is None  # the upload is kept for the run only
    # Again: nothing changes.
    again = upload(client, organization, [item(1), item(2)]).json()
    assert client.get(f"{IMPORTS}{again['id']}/").json()["report"]["unchanged"] == 2
    assert Activity.objects.count() == 2


def test_the_job_is_read_while_it_runs():
    organization = OrganizationFactory()
    client = client_for(editor_of(organization))
    polled = []
    real = runner.draft_of

    def slow_item(*, job, item, places):
        if item.position == 4:  # halfway: poll as the importer's app would
            polled.append(client.get(f"{IMPORTS}{job.pk}/").json())
        return real(job=job, item=item, places=places)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(runner, "draft_of", slow_item)
        patch.setattr(runner, "PROGRESS_EVERY", 1)
        upload(client, organization, [item(n) for n in range(6)])
    [mid] = polled
    assert mid["state"] == "running" and mid["total"] == 6 and mid["done"] == 3
    assert mid["report"]["created"] == 3  # the report so far


@pytest.mark.parametrize("who", ["other_editor", "resident"])
def test_who_does_not_edit_the_organization_is_refused_and_nothing_is_written(who):
    organization = OrganizationFactory()
    user = editor_of(OrganizationFactory()) if who == "other_editor" else UserFactory()
    answer = upload(client_for(user), organization, [item(1)], HTTP_ACCEPT_LANGUAGE="fr")
    assert answer.status_code == 403
    assert answer.json()["error"]["message"] == (
        "Seuls les éditeurs de cette organisation peuvent y importer des activités."
    )
    assert nothing_written()


def test_anonymous_is_refused(api_client):
    organization = OrganizationFactory()
    assert upload(api_client, organization, [item(1)]).status_code == 401
    assert api_client.get(IMPORTS).status_code == 401
    assert nothing_written()


def test_a_curator_of_the_territory_publishes_directly():
    association = OrganizationFactory()
    PlaceFactory(organization=association, territory=territory(NANTES))
    curator = curator_of(NANTES)
    Membership.objects.create(user=curator, organization=association, role="editor")

    job = upload(client_for(curator), association, [item(1)]).json()

    assert job["publish"] is True
    assert Activity.objects.get().status == "published"


def test_a_curator_imports_into_their_own_municipality_and_publishes():
    curator = curator_of(NANTES)
    municipality = curator.memberships.get().organization
    job = upload(client_for(curator), municipality, [item(1)]).json()
    assert job["publish"] is True and Activity.objects.get().status == "published"


def test_a_curator_out_of_the_territory_submits_for_review():
    association = OrganizationFactory()
    PlaceFactory(organization=association, territory=territory(NANTES))
    curator = curator_of(REZE)
    Membership.objects.create(user=curator, organization=association, role="editor")

    job = upload(client_for(curator), association, [item(1)]).json()

    assert job["publish"] is False
    assert Activity.objects.get().status == "pending"


def test_a_curator_who_does_not_edit_the_organization_is_refused():
    association = OrganizationFactory()
    PlaceFactory(organization=association, territory=territory(NANTES))
    answer = upload(client_for(curator_of(NANTES)), association, [item(1)])
    assert answer.status_code == 403 and nothing_written(places=1)


def test_who_reads_which_jobs():
    organization = OrganizationFactory()
    PlaceFactory(organization=organization, territory=territory(NANTES))
    editor = editor_of(organization)
    job = upload(client_for(editor), organization, [item(1)]).json()

    def ids(user):
        return [j["id"] for j in client_for(user).get(IMPORTS).json()["results"]]

    assert ids(editor) == [job["id"]]
    assert ids(editor_of(OrganizationFactory())) == []
    assert ids(UserFactory()) == []
    assert ids(curator_of(NANTES)) == [job["id"]]
    assert ids(curator_of(REZE)) == []
    other = client_for(editor_of(OrganizationFactory()))
    assert other.get(f"{IMPORTS}{job['id']}/").status_code == 404


def test_report_and_refusals_are_in_the_importers_language():
    organization = OrganizationFactory()
    client = client_for(editor_of(organization))
    nowhere = item(1, place={"name": "Salle des fêtes"})

    job = upload(client, organization, [nowhere], HTTP_ACCEPT_LANGUAGE="fr").json()
    bad = upload(client, organization, [item(1)], kind="fax", HTTP_ACCEPT_LANGUAGE="fr")

    message = client.get(f"{IMPORTS}{job['id']}/").json()["report"]["errors"][0]["message"]
    assert "Aucun lieu de votre organisation" in message
    assert bad.status_code == 400
    assert "kind" in bad.json()["error"]["fields"]
    assert "n'est pas un choix valide" in bad.json()["error"]["fields"]["kind"][0]


def test_the_preferred_language_is_used_without_accept_language():
    organization = OrganizationFactory()
    editor = editor_of(organization)  # prefers French (the factory's default)
    job = upload(client_for(editor), organization, [item(1, place={"name": "Nulle part"})])
    assert ImportJob.objects.get(pk=job.json()["id"]).language == "fr"


def test_bad_bodies_are_4xx_in_the_error_shape():
    organization = OrganizationFactory()
    client = client_for(editor_of(organization))
    missing_file = post(
        client, {"organization": organization.slug, "kind": "csv"}, format="multipart"
    )
    unknown_org = post(
        client,
        {"organization": "nope", "kind": "ical", "url": "https://example.org/a.ics"},
        format="json",
    )
    not_http = post(
        client,
        {"organization": organization.slug, "kind": "ical", "url": "ftp://example.org/a.ics"},
        format="json",
    )
    text = client.generic("POST", IMPORTS, "hello", content_type="text/plain")
    assert missing_file.status_code == 400 and "file" in missing_file.json()["error"]["fields"]
    assert (
        unknown_org.status_code == 400 and "organization" in unknown_org.json()["error"]["fields"]
    )
    assert not_http.status_code == 400 and "url" in not_http.json()["error"]["fields"]
    assert text.status_code == 415
    assert nothing_written()


def test_a_private_address_is_refused_unless_allowed(settings):
    organization = OrganizationFactory()
    client = client_for(editor_of(organization))
    body = {
        "organization": organization.slug,
        "kind": "ical",
        "url": f"http://127.0.0.1:{FEED_PORT}/feed.ics",
    }
    settings.IMPORT_ALLOW_PRIVATE_HOSTS = False
    refused = post(client, body, format="json", HTTP_ACCEPT_LANGUAGE="fr")
    assert refused.status_code == 400
    assert "réseau privé" in refused.json()["error"]["message"]
    assert nothing_written()


@pytest.fixture
def feed_server(settings):
    """A feed served on loopback (the tests allow private hosts)."""
    settings.IMPORT_ALLOW_PRIVATE_HOSTS = True
    served = {"body": b""}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")  # not trusted: the kind says
            self.end_headers()
            self.wfile.write(served["body"])

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", FEED_PORT), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served
    server.shutdown()
    server.server_close()


def test_a_feed_is_read_from_its_address_and_again_on_its_schedule(feed_server):
    from django.utils import timezone

    from interop.tasks import imports_repeat_due_task

    organization = OrganizationFactory()
    client = client_for(editor_of(organization))
    feed_server["body"] = as_bytes([item(1), item(2)])
    url = f"http://127.0.0.1:{FEED_PORT}/feed.ics"

    job = post(
        client,
        {"organization": organization.slug, "kind": "ical", "url": url, "repeat": "daily"},
        format="json",
    ).json()
    job = client.get(f"{IMPORTS}{job['id']}/").json()

    assert job["state"] == "done" and job["report"]["created"] == 2
    assert job["repeat"] == "daily" and job["next_run_at"] is not None
    # A day later the feed lost an item: the beat reads it again and archives it.
    feed_server["body"] = as_bytes([item(1)])
    ImportJob.objects.filter(pk=job["id"]).update(next_run_at=timezone.now())
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert imports_repeat_due_task() == 1
    rerun = ImportJob.objects.latest("pk")
    assert rerun.pk != job["id"] and rerun.state == "done"
    assert rerun.report["archived"] == 1 and rerun.report["unchanged"] == 1
    assert imports_repeat_due_task() == 0  # moved to the next day


def test_a_feed_larger_than_the_limit_fails_the_job(feed_server, settings):
    organization = OrganizationFactory()
    client = client_for(editor_of(organization))
    feed_server["body"] = b"x" * 5000
    settings.IMPORT_MAX_BYTES = 4000
    job = post(
        client,
        {
            "organization": organization.slug,
            "kind": "ical",
            "url": f"http://127.0.0.1:{FEED_PORT}/big.ics",
        },
        format="json",
    ).json()
    job = client.get(f"{IMPORTS}{job['id']}/").json()
    assert job["state"] == "failed"
    # In the importer's language: their account's (French) when the request names none.
    assert "trop volumineuse" in job["report"]["errors"][0]["message"]


@pytest.mark.parametrize(("lang", "header"), [("fr", "titre"), ("en", "title")])
def test_the_csv_template(api_client, lang, header):
    answer = api_client.get(f"{IMPORTS}template.csv?lang={lang}")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    text = answer.content.decode("utf-8-sig")
    assert header in text.splitlines()[0].split(";")
    assert len(text.splitlines()) == 2


def test_the_csv_template_refuses_an_unknown_language(api_client):
    answer = api_client.get(f"{IMPORTS}template.csv?lang=de")
    assert answer.status_code == 400 and "lang" in answer.json()["error"]["fields"]


BAD_BODIES = [
    # (case, body, field); JSON bodies name an address, multipart ones a file.
    ("unknown-kind", {"kind": "fax", "url": "https://example.org/a.ics"}, "kind"),
    ("not-http", {"kind": "ical", "url": "ftp://example.org/a.ics"}, "url"),
    ("not-a-url", {"kind": "ical", "url": "agenda"}, "url"),
    ("repeat-hourly", {"kind": "ical", "url": "https://example.org/a.ics", "repeat": "hourly"},
     "repeat"),
    ("unknown-field", {"kind": "ical", "url": "https://example.org/a.ics", "publish": True},
     "publish"),
    ("no-organization", {"organization": "nope", "kind": "ical",
                         "url": "https://example.org/a.ics"}, "organization"),
    ("file-in-json", {"kind": "csv", "file": "a.csv"}, "file"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "body", "field"), BAD_BODIES, ids=[c[0] for c in BAD_BODIES])
def test_a_bad_body_is_a_400_naming_the_field_in_the_callers_language(case, body, field):
    from django.utils import translation
    from django.utils.translation import gettext

    from tests.bad_input import error_of

    organization = OrganizationFactory()
    client = client_for(editor_of(organization))
    body = {"organization": organization.slug, **body}

    french = error_of(post(client, body, format="json", HTTP_ACCEPT_LANGUAGE="fr"), field)
    english = error_of(post(client, body, format="json", HTTP_ACCEPT_LANGUAGE="en"), field)

    assert nothing_written()
    assert french["code"] == english["code"]
    assert french["fields"][field] != english["fields"][field]
    with translation.override("fr"):
        assert gettext(english["message"]) == french["message"]


def test_a_multipart_body_with_a_field_of_the_json_one_is_refused():
    organization = OrganizationFactory()
    client = client_for(editor_of(organization))
    file = SimpleUploadedFile("agenda.csv", b"[]", content_type="text/csv")
    answer = post(
        client,
        {"organization": organization.slug, "kind": "csv", "file": file, "repeat": "daily"},
        format="multipart",
    )
    assert answer.status_code == 400 and "repeat" in answer.json()["error"]["fields"]
    assert nothing_written()


def test_a_multipart_field_holding_nul_is_a_400_naming_it():
    organization = OrganizationFactory()
    client = client_for(editor_of(organization))
    file = SimpleUploadedFile("agenda.csv", b"[]", content_type="text/csv")
    answer = post(
        client,
        {"organization": "club\x00", "kind": "csv", "file": file},
        format="multipart",
    )
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "invalid_text" and "organization" in error["fields"]
    assert nothing_written()


def test_a_file_name_with_control_characters_is_kept_without_them():
    organization = OrganizationFactory()
    client = client_for(editor_of(organization))
    file = SimpleUploadedFile("agen\x00da\n.csv", as_bytes([item(1)]), content_type="text/csv")
    answer = post(client, {"organization": organization.slug, "kind": "csv", "file": file},
                  format="multipart")  # fmt: skip
    assert answer.status_code == 202
    assert "\x00" not in answer.json()["source"] and "\n" not in answer.json()["source"]
