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
