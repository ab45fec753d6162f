"""The OpenAPI document of reports, collections and the search's `collection`: every answer
these endpoints give, success or refusal, is documented for its operation and fits its body."""

import pytest
from django.test import Client

from tests.api.test_openapi import assert_documented
from tests.conftest import client_for
from tests.curation.factories import (
    NANTES,
    CollectionFactory,
    activity_in,
    curator_of,
    with_items,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

V1 = "/api/v1"


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def check(schema, client, method: str, path: str, url: str, body=None, *, status: int) -> dict:
    if method == "get":
        response = client.get(f"{V1}{url}", body)
    else:
        response = getattr(client, method)(f"{V1}{url}", body, format="json")
    assert response.status_code == status, (method, url, response.content)
    assert_documented(schema, f"{V1}{path}", method, response)
    return response.json() if response.content else {}


def test_report_answers_fit_the_document(schema, api_client):
    activity = activity_in(NANTES)
    resident, stranger, curator = UserFactory(), UserFactory(), curator_of(NANTES)
    other_curator = curator_of("44143")
    mine, them = client_for(resident), client_for(curator)
    body = {"activity": activity.pk, "reason": "unsafe", "comment": "Escalier sans rampe."}

    created = check(schema, mine, "post", "/reports/", "/reports/", body, status=201)
    check(schema, mine, "post", "/reports/", "/reports/", body, status=200)
    check(schema, mine, "post", "/reports/", "/reports/", {"activity": 987654, "reason": "unsafe"},
          status=404)  # fmt: skip
    check(schema, mine, "post", "/reports/", "/reports/", {"reason": "x"}, status=400)
    check(schema, api_client, "post", "/reports/", "/reports/", body, status=401)
    check(schema, mine, "get", "/reports/", "/reports/", status=200)
    check(schema, them, "get", "/reports/", "/reports/", {"status": "open"}, status=200)
    check(schema, them, "get", "/reports/", "/reports/", {"status": "closed"}, status=400)
    check(schema, api_client, "get", "/reports/", "/reports/", status=401)
    detail, triage = "/reports/{id}/", "/reports/{id}/triage/"
    url = f"/reports/{created['id']}/"
    check(schema, them, "get", detail, url, status=200)
    check(schema, client_for(stranger), "get", detail, url, status=404)
    check(schema, mine, "post", triage, f"{url}triage/", {"status": "dismissed"}, status=403)
    check(schema, client_for(other_curator), "post", triage, f"{url}triage/",
          {"status": "dismissed"}, status=404)  # fmt: skip
    check(schema, them, "post", triage, f"{url}triage/", {"status": "open"}, status=400)
    triaged = check(schema, them, "post", triage, f"{url}triage/",
                    {"status": "acted_on", "note": "Fiche corrigée."}, status=200)  # fmt: skip
    assert triaged["reporter"]["email"] == resident.email
    check(schema, them, "post", triage, f"{url}triage/", {"status": "dismissed"}, status=409)
    check(schema, api_client, "post", triage, f"{url}triage/", {"status": "dismissed"},
          status=401)  # fmt: skip


def test_collection_answers_fit_the_document(schema, api_client):
    activity = activity_in(NANTES)
    curator, other = client_for(curator_of(NANTES)), client_for(curator_of("44143"))
    resident = client_for(UserFactory())
    with_items(CollectionFactory(slug="ete-seniors"), activity)
    new = {"territory": NANTES, "title": "Premiers pas"}
    one, items = "/collections/{slug}/", "/collections/{slug}/items/"

    check(schema, api_client, "get", "/collections/", "/collections/", {"territory": NANTES},
          status=200)  # fmt: skip
    check(schema, api_client, "get", "/collections/", "/collections/", {"territory": ""},
          status=400)  # fmt: skip
    created = check(schema, curator, "post", "/collections/", "/collections/", new, status=201)
    check(schema, curator, "post", "/collections/", "/collections/", {"title": 1}, status=400)
    check(schema, resident, "post", "/collections/", "/collections/", new, status=403)
    check(schema, api_client, "post", "/collections/", "/collections/", new, status=401)
    url = f"/collections/{created['slug']}/"
    check(schema, api_client, "get", one, url, status=404)  # a draft
    check(schema, curator, "get", one, url, status=200)
    check(schema, curator, "put", items, f"{url}items/",
          {"items": [{"activity": activity.pk, "note": "Le jeudi"}]}, status=200)  # fmt: skip
    check(schema, curator, "put", items, f"{url}items/", {"items": [{"activity": 0}]},
          status=400)  # fmt: skip
    check(schema, curator, "patch", one, url, {"status": "published"}, status=200)
    check(schema, curator, "patch", one, url, {"status": "live"}, status=400)
    shown = check(schema, api_client, "get", one, url, status=200)
    assert [item["activity"]["id"] for item in shown["items"]] == [activity.pk]
    check(schema, other, "patch", one, url, {"title": "Autre"}, status=403)
    check(schema, other, "put", items, f"{url}items/", {"items": []}, status=403)
    check(schema, other, "delete", one, url, status=403)
    check(schema, api_client, "delete", one, url, status=401)
    check(schema, curator, "delete", one, url, status=204)
    check(schema, curator, "get", one, url, status=404)


def test_the_search_with_a_collection_fits_the_document(schema, api_client):
    with_items(CollectionFactory(slug="ete-seniors"), activity_in(NANTES))

    for path in ("/activities/", "/occurrences/"):
        found = check(schema, api_client, "get", path, path, {"collection": "ete-seniors"},
                      status=200)  # fmt: skip
        assert len(found["results"]) == 1
        check(schema, api_client, "get", path, path, {"collection": "inconnue"}, status=400)
    parameters = schema["paths"][f"{V1}/activities/"]["get"]["parameters"]
    assert any(p["name"] == "collection" and p["in"] == "query" for p in parameters)
