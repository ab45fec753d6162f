"""An import run by a real Celery worker: the API shows its progress while it runs."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from activities.models import Activity
from interop.imports import runner
from tests.conftest import client_for
from tests.factories import OrganizationFactory, editor_of
from tests.interop.imports.test_runner_support import STAND_IN, as_bytes, item

IMPORTS = "/api/v1/imports/"


@pytest.mark.worker
def test_the_job_progresses_in_a_worker_and_the_api_shows_it(celery_worker, monkeypatch):
    monkeypatch.setitem(runner.READERS, "csv", STAND_IN)
    monkeypatch.setattr(runner, "PROGRESS_EVERY", 2)
    real = runner.draft_of

    def slow_item(**kwargs):  # a slow source: time for the client to see the job move
        time.sleep(0.3)
        return real(**kwargs)

    monkeypatch.setattr(runner, "draft_of", slow_item)
    organization = OrganizationFactory()
    client = client_for(editor_of(organization))
    file = SimpleUploadedFile("agenda.csv", as_bytes([item(n) for n in range(10)]))

    answer = client.post(
        IMPORTS, {"organization": organization.slug, "kind": "csv", "file": file},
        format="multipart",
    )  # fmt: skip
    assert answer.status_code == 202
    seen, deadline = [], time.monotonic() + 60
    while time.monotonic() < deadline:
        job = client.get(f"{IMPORTS}{answer.json()['id']}/").json()
        seen.append((job["state"], job["done"]))
        if job["state"] in ("done", "failed"):
            break
        time.sleep(0.1)

    assert seen[-1] == ("done", 10)
    assert any(state == "running" and 0 < done < 10 for state, done in seen), seen
    assert Activity.objects.filter(organization=organization).count() == 10


def _csv(rows: int, *, broken_line: int) -> bytes:
    """A CSV file of `rows` activities (English headers), at 50 venues of Nantes; the row on
    `broken_line` has a start time that is not one."""
    header = "id;title;summary;kind;categories;place;address;latitude;longitude;schedule"
    lines = [header]
    for n in range(rows):
        venue = n % 50
        schedule = (
            "every Tuesday 25:00-26:00"
            if n + 2 == broken_line
            else (f"every {('Monday', 'Tuesday', 'Thursday')[n % 3]} 14:00-16:00")
        )
        lines.append(
            f"row-{n};Atelier {n};Un moment convivial.;club;Tricot et couture;Salle {venue};"
            f"{venue} rue des Essais;{47.20 + venue / 2000:.5f};{-1.56 + venue / 2000:.5f};"
            f"{schedule}"
        )
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.worker
@pytest.mark.postgres
def test_a_5000_row_csv_imported_twice_in_a_worker_creates_each_activity_once(celery_worker):
    organization = OrganizationFactory()
    client = client_for(editor_of(organization))
    data = _csv(5000, broken_line=2501)

    def run() -> tuple[dict, list]:
        file = SimpleUploadedFile("agenda.csv", data, content_type="text/csv")
        answer = client.post(
            IMPORTS, {"organization": organization.slug, "kind": "csv", "file": file},
            format="multipart",
        )  # fmt: skip
        assert answer.status_code == 202, answer.json()
        seen, deadline = [], time.monotonic() + 600
        while time.monotonic() < deadline:
            job = client.get(f"{IMPORTS}{answer.json()['id']}/").json()
            seen.append((job["state"], job["done"]))
            if job["state"] in ("done", "failed"):
                return job, seen
            time.sleep(0.2)
        raise AssertionError(f"the import did not end: {seen[-3:]}")

    first, seen = run()
    assert first["state"] == "done" and first["total"] == 5000
    assert any(state == "running" and 0 < done < 5000 for state, done in seen), seen[:5]
    report = first["report"]
    assert (report["created"], report["errors_count"]) == (4999, 1)
    [error] = report["errors"]
    assert error["position"] == 2501 and error["external_id"] == "row-2499"
    assert Activity.objects.filter(organization=organization).count() == 4999

    second, _ = run()
    assert second["state"] == "done"
    report = second["report"]
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 4999)
    assert [e["position"] for e in report["errors"]] == [2501]
    assert Activity.objects.filter(organization=organization).count() == 4999
