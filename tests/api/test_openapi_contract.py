"""Smoke of the contract run's fixtures (.ci/contract_seed.py): what it hands schemathesis
works as the run expects, so a change of the services breaks here before it breaks CI's
contract step."""

import importlib.util
import json
from pathlib import Path

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

SEED = Path(__file__).resolve().parents[2] / ".ci" / "contract_seed.py"


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_the_seed_gives_each_role_its_objects(tmp_path):
    spec = importlib.util.spec_from_file_location("contract_seed", SEED)
    seed = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(seed)
    out = tmp_path / "fixtures.json"
    seed.main(str(out))
    fixtures = json.loads(out.read_text())

    resident = client_with(fixtures["tokens"]["resident"])
    editor = client_with(fixtures["tokens"]["editor"])
    profile = resident.get("/api/v1/me/profile/").json()
    assert profile["home"] is not None and profile["matching_consent_at"] is not None
    # The editor owns what the run's path parameters point at; the resident does not.
    organization = f"/api/v1/organizations/{fixtures['organization']}/"
    assert editor.patch(organization, {"description": "Jeux"}).status_code == 200
    assert resident.patch(organization, {"description": "Jeux"}).status_code == 403
    activity = APIClient().get(f"/api/v1/activities/{fixtures['activity']}/").json()
    assert activity["status"] == "published"
    assert {s["id"] for s in activity["schedules"]} == {
        fixtures["schedule"],
        fixtures["spare_schedule"],
    }
    assert APIClient().get(f"/api/v1/occurrences/{fixtures['occurrence']}/").status_code == 200
    assert APIClient().get(f"/api/v1/places/{fixtures['spare_place']}/").status_code == 200
    assert APIClient().get(f"/api/v1/territories/{fixtures['territory']}/").status_code == 200
    assert editor.get(f"/api/v1/activities/{fixtures['draft']}/").json()["status"] == "draft"
    # The missed first visit is the editor's to follow up, once; not the resident's.
    follow_up = f"/api/v1/registrations/{fixtures['missed_visit']}/follow-up/"
    assert resident.post(follow_up, {}, format="json").status_code == 404
    assert editor.post(follow_up, {}, format="json").status_code == 201
    assert editor.post(follow_up, {}, format="json").status_code == 409
    members = editor.get(f"{organization}members/").json()
    assert fixtures["membership"] in {member["id"] for member in members}
