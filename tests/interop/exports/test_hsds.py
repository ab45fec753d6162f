"""HSDS 3.0 through real URLs: every object validates against the standard's JSON schemas
(the copy in shared data/hsds-3.0), ids are stable UUIDs, only published data leaves."""

import json
from pathlib import Path

import pytest
from jsonschema.validators import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from rest_framework.test import APIClient

from activities import services
from interop.exports import ids
from interop.exports.hsds_schema import SCHEMA_DIR
from tests.conftest import client_for
from tests.interop.exports.conftest import assert_nothing_hidden

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
# The schemas as the project received them; the package's copy must equal them.
SHARED_SCHEMAS = ROOT.parent / "shared" / "data" / "hsds-3.0"
SCHEMAS = SHARED_SCHEMAS if SHARED_SCHEMAS.is_dir() else SCHEMA_DIR


def _registry() -> Registry:
    resources = []
    for path in SCHEMAS.glob("*.json"):
        if path.name == "openapi.json":
            continue
        contents = json.loads(path.read_text())
        resources.append(
            (path.name, Resource.from_contents(contents, default_specification=DRAFT202012))
        )
    return Registry().with_resources(resources)


REGISTRY = _registry()


def validate(table: str, obj: dict) -> None:
    schema = json.loads((SCHEMAS / f"{table}.json").read_text())
    validator = Draft202012Validator(
        schema, registry=REGISTRY, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(obj), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def test_the_package_copy_of_the_schemas_is_the_standard():
    if not SHARED_SCHEMAS.is_dir():
        # A checkout without the project's shared data beside it: the objects are validated
        # against the package's copy, which this test compared when the data was there.
        pytest.skip(f"no reference copy of the HSDS schemas at {SHARED_SCHEMAS}")
    for path in SCHEMA_DIR.glob("*.json"):
        assert json.loads(path.read_text()) == json.loads((SHARED_SCHEMAS / path.name).read_text())


def test_a_schema_violation_is_caught():
    """The validation below can fail: a service without its required status does."""
    with pytest.raises(AssertionError):
        validate("service", {"id": ids.export_id("service", 1), "name": "x"})
    with pytest.raises(AssertionError):
        validate("service", {"id": "not-a-uuid", "name": "x", "status": "active"})


def test_services_list_pages_and_validates(directory):
    client = APIClient()
    response = client.get("/api/v1/hsds/services/", {"per_page": 1})
    assert response.status_code == 200, response.content
    page = response.json()
    assert page["total_items"] == 2
    assert page["total_pages"] == 2
    assert page["page_number"] == 1 and page["first_page"] and not page["last_page"]
    assert page["size"] == 1 and not page["empty"]
    validate("service", page["contents"][0])
    assert page["contents"][0]["id"] == ids.export_id("service", directory["club"].pk)
    second = client.get("/api/v1/hsds/services/", {"per_page": 1, "page": 2}).json()
    assert second["last_page"] and second["contents"][0]["name"] == "Chant en visio"
    past = client.get("/api/v1/hsds/services/", {"page": 9}).json()
    assert past["contents"] == [] and past["size"] == 0 and past["total_items"] == 2


def test_full_services_validate_with_every_nested_object(directory):
    page = APIClient().get("/api/v1/hsds/services/", {"full": "true"}).json()
    assert page["size"] == 2
    for service in page["contents"]:
        validate("service", service)
        validate("organization", service["organization"])
        for schedule in service["schedules"]:
            validate("schedule", schedule)
        for sal in service["service_at_locations"]:
            validate("service_at_location", sal)
            validate("location", sal["location"])
        for attribute in service["attributes"]:
            validate("attribute", attribute)
            validate("taxonomy_term", attribute["taxonomy_term"])
    club, online = page["contents"]
    weekly = club["schedules"][0]
    assert (weekly["freq"], weekly["byday"], weekly["opens_at"], weekly["closes_at"]) == (
        "WEEKLY",
        "TU",
        "14:00",
        "16:00",
    )
    assert weekly["timezone"] in (1, 2)
    location = club["service_at_locations"][0]["location"]
    assert location["latitude"] == pytest.approx(47.2184)
    assert location["addresses"][0]["postal_code"] == "44000"
    assert location["addresses"][0]["state_province"] == "44"
    assert club["contacts"][0]["phones"][0]["number"] == "06 00 00 00 00"
    assert club["minimum_age"] == 16
    assert club["organization"]["organization_identifiers"][0]["identifier"] == "123456789"
    assert online["service_at_locations"] == []
    assert [s["valid_from"] for s in online["schedules"]] == sorted(
        s["valid_from"] for s in online["schedules"]
    )
    assert len(online["schedules"]) == 2 and all(
        s["valid_from"] == s["valid_to"] for s in online["schedules"]
    )
    assert {(c["option"], c["amount"]) for c in online["cost_options"]} == {
        ("standard", 5.0),
        ("maximum", 8.0),
    }


def test_service_detail_and_its_stable_id(directory):
    club = directory["club"]
    client = APIClient()
    url = f"/api/v1/hsds/services/{ids.export_id('service', club.pk)}/"
    first = client.get(url)
    assert first.status_code == 200
    validate("service", first.json())
    assert client.get(url).json()["id"] == first.json()["id"]
    assert ids.row_of("service", first.json()["id"]) == club.pk


@pytest.mark.parametrize(
    "ident",
    [
        "nope",
        "00000000-0000-0000-0000-000000000000",
        "draft",  # replaced below by the draft's own service id
        "organization",  # an organization's id is no service's
    ],
)
def test_service_detail_404(directory, ident):
    if ident == "draft":
        ident = ids.export_id("service", directory["hidden"]["draft"].pk)
    elif ident == "organization":
        ident = ids.export_id("organization", directory["club"].organization_id)
    for language in ("en", "fr"):
        response = APIClient().get(f"/api/v1/hsds/services/{ident}/", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    en = APIClient().get(f"/api/v1/hsds/services/{ident}/", HTTP_ACCEPT_LANGUAGE="en")
    fr = APIClient().get(f"/api/v1/hsds/services/{ident}/", HTTP_ACCEPT_LANGUAGE="fr")
    assert en.json()["error"]["message"] != fr.json()["error"]["message"]


def test_organizations_list_and_detail(directory):
    client = APIClient()
    page = client.get("/api/v1/hsds/organizations/").json()
    names = [org["name"] for org in page["contents"]]
    assert names == ["Les Amis du Tricot", "Chorale en ligne"]
    for org in page["contents"]:
        validate("organization", org)
    org_id = ids.export_id("organization", directory["organization"].pk)
    detail = client.get(f"/api/v1/hsds/organizations/{org_id}/")
    assert detail.status_code == 200
    validate("organization", detail.json())
    assert [s["name"] for s in detail.json()["services"]] == ["Tricot du mardi"]
    for service in detail.json()["services"]:
        validate("service", service)
    hidden_id = ids.export_id("organization", directory["hidden_org"].pk)
    assert client.get(f"/api/v1/hsds/organizations/{hidden_id}/").status_code == 404


def test_filters(directory):
    client = APIClient()
    org_id = ids.export_id("organization", directory["other"].pk)
    page = client.get("/api/v1/hsds/services/", {"organization_id": org_id}).json()
    assert [s["name"] for s in page["contents"]] == ["Chant en visio"]
    category = directory["club"].categories.get()
    term = ids.export_id("taxonomy_term", category.pk)
    page = client.get("/api/v1/hsds/services/", {"taxonomy_term_id": term}).json()
    assert {s["name"] for s in page["contents"]} == {"Tricot du mardi", "Chant en visio"}
    parent = ids.export_id("taxonomy_term", category.parent_id)
    assert (
        client.get("/api/v1/hsds/services/", {"taxonomy_term_id": parent}).json()["total_items"]
        == 2
    )
    other_taxonomy = ids.export_id("taxonomy", 2)
    assert client.get("/api/v1/hsds/services/", {"taxonomy_id": other_taxonomy}).json()["empty"]
    assert client.get("/api/v1/hsds/services/", {"search": "visio"}).json()["total_items"] == 1
    future = "2999-01-01T00:00:00Z"
    assert client.get("/api/v1/hsds/services/", {"modified_after": future}).json()["empty"]


@pytest.mark.parametrize(
    "query",
    [
        {"page": "0"},
        {"page": "x"},
        {"per_page": "101"},
        {"taxonomy_term_id": "not-a-uuid"},
        {"modified_after": "yesterday"},
        {"full": "maybe"},
    ],
)
def test_bad_query_is_a_400_in_the_callers_language(directory, query):
    en = APIClient().get("/api/v1/hsds/services/", query, HTTP_ACCEPT_LANGUAGE="en")
    fr = APIClient().get("/api/v1/hsds/services/", query, HTTP_ACCEPT_LANGUAGE="fr")
    assert en.status_code == fr.status_code == 400
    field = next(iter(query))
    assert field in en.json()["error"]["fields"]
    assert en.json()["error"]["fields"][field] != fr.json()["error"]["fields"][field]


def test_export_streams_every_published_service_as_valid_ndjson(directory):
    response = APIClient().get("/api/v1/hsds/export/services/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("application/x-ndjson")
    body = b"".join(response.streaming_content).decode()
    assert_nothing_hidden(body)
    lines = [json.loads(line) for line in body.splitlines()]
    assert [line["name"] for line in lines] == ["Tricot du mardi", "Chant en visio"]
    for line in lines:
        validate("service", line)


def test_taxonomy_export_validates(directory):
    body = b"".join(APIClient().get("/api/v1/hsds/export/taxonomy/").streaming_content)
    taxonomy, *terms = [json.loads(line) for line in body.splitlines()]
    validate("taxonomy", taxonomy)
    assert terms
    for term in terms:
        validate("taxonomy_term", term)
        assert term["taxonomy_id"] == taxonomy["id"]


def test_nothing_unpublished_or_personal_leaks_for_any_reader(directory):
    readers = [APIClient(), client_for(directory["editor"])]
    org_id = ids.export_id("organization", directory["organization"].pk)
    for client in readers:
        for url in (
            "/api/v1/hsds/services/?full=true&per_page=100",
            "/api/v1/hsds/organizations/?per_page=100",
            f"/api/v1/hsds/organizations/{org_id}/",
        ):
            response = client.get(url)
            assert response.status_code == 200
            assert_nothing_hidden(response.content.decode())


def test_an_archived_activity_leaves_the_export(directory):
    club = directory["club"]
    services.activity_transition(activity=club, to="archived", by=directory["editor"])
    page = APIClient().get("/api/v1/hsds/services/").json()
    assert [s["name"] for s in page["contents"]] == ["Chant en visio"]


def test_writes_are_refused(directory):
    client = client_for(directory["editor"])
    for url in (
        "/api/v1/hsds/services/",
        "/api/v1/hsds/organizations/",
        "/api/v1/hsds/export/services/",
    ):
        response = client.post(url, {}, format="json")
        assert response.status_code == 405
        assert response.json()["error"]["code"]
