"""The coverage endpoints and the indicators: who may read and write, and bad input."""

import io

import pytest
from PIL import Image

from curation.models import Indicator
from tests.conftest import client_for
from tests.curation import test_coverage_selectors as hand_made
from tests.curation.test_coverage_selectors import curator_of, upload
from tests.factories import UserFactory

# The hand-made territory and its activities (see test_coverage_selectors).
land = hand_made.land
activities = hand_made.activities
_fresh_cells = hand_made._fresh_cells

pytestmark = pytest.mark.django_db

COVERAGE = "/api/v1/stats/coverage/"
MAP = "/api/v1/stats/coverage.png"
INDICATORS = "/api/v1/stats/indicators/"
CSV = "insee_code,value\n98001,0.5\n98002,0.1\n"


def indicator_path(pk: int) -> str:
    return f"{INDICATORS}{pk}/"


@pytest.fixture
def indicator(land):
    return upload(curator_of(land["98"]), land["98"], CSV)


def reads(indicator) -> list[tuple[str, dict]]:
    return [
        (COVERAGE, {"territory": "98001"}),
        (MAP, {"territory": "98001"}),
        (INDICATORS, {}),
        (indicator_path(indicator.pk), {}),
    ]


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    if code:
        assert body["error"]["code"] == code
    return body["error"]


def test_anonymous_and_residents_are_refused(api_client, indicator):
    resident = client_for(UserFactory())
    for path, params in reads(indicator):
        assert_error(api_client.get(path, params), 401)
        assert_error(resident.get(path, params), 403, "permission_denied")
    body = {"territory": "98", "slug": "x", "title": "x", "csv": CSV}
    assert_error(api_client.post(INDICATORS, body, format="json"), 401)
    assert_error(resident.post(INDICATORS, body, format="json"), 403)
    assert_error(resident.delete(indicator_path(indicator.pk)), 403)
    assert Indicator.objects.filter(pk=indicator.pk).exists()
    assert Indicator.objects.count() == 1


def test_a_curator_of_another_commune_sees_nothing_of_this_one(land, activities, indicator):
    other = client_for(curator_of(land["B"]))
    for path, params in [(COVERAGE, {"territory": "98001"}), (MAP, {"territory": "98001"})]:
        error = assert_error(other.get(path, params), 404, "not_found")
        assert "98001" not in str(error) and "Aville" not in str(error)
    # The département's indicator is not theirs to see or delete.
    assert other.get(INDICATORS).json()["results"] == []
    assert_error(other.get(indicator_path(indicator.pk)), 404)
    assert_error(other.delete(indicator_path(indicator.pk)), 404)
    assert Indicator.objects.filter(pk=indicator.pk).exists()
    refused = other.post(
        INDICATORS,
        {"territory": "98001", "slug": "x", "title": "x", "csv": CSV},
        format="json",
    )
    assert_error(refused, 404)
    assert Indicator.objects.count() == 1
    # Their own commune is theirs.
    assert other.get(COVERAGE, {"territory": "98002"}).status_code == 200


def test_a_departement_curator_reads_its_communes(land, activities, indicator):
    curator = indicator.organization.memberships.get().user
    client = client_for(curator)
    response = client.get(COVERAGE, {"territory": "98001", "indicator": "seuls-75"})
    assert response.status_code == 200
    body = response.json()
    assert body["territory"] == {
        "insee_code": "98001", "name": "Aville", "kind": "commune", "population": 1000,
    }  # fmt: skip
    sport = next(item for item in body["coverage"] if item["category"] == "bouger-sport")
    assert sport["share_1km"] == 1.0 and sport["weighted_share_1km"] == 1.0
    assert body["indicator"]["slug"] == "seuls-75"
    assert body["gaps"]["category"] == "any" and body["gaps"]["cells"] == []

    whole = client.get(COVERAGE, {"territory": "98", "category": "bouger-sport"}).json()
    assert whole["gaps"]["category"] == "bouger-sport"
    assert whole["gaps"]["population"] == 3000
    assert sum(cell["population"] for cell in whole["gaps"]["cells"]) == pytest.approx(3000, abs=1)

    image = client.get(
        MAP, {"territory": "98", "category": "bouger-sport", "indicator": "seuls-75"}
    )
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(image.content)).size == (1200, 1000)
    # An <img> asks for images: the map is served all the same.
    assert client.get(MAP, {"territory": "98"}, HTTP_ACCEPT="image/png").status_code == 200


@pytest.mark.parametrize(
    ("language", "message"),
    [("fr", "Aucun territoire n'a ce code INSEE."), ("en", "No territory has this INSEE code.")],
)
def test_bad_coverage_queries_are_400_in_the_language_asked(land, language, message):
    client = client_for(curator_of(land["98"]))
    client.credentials(
        HTTP_AUTHORIZATION=client._credentials["HTTP_AUTHORIZATION"], HTTP_ACCEPT_LANGUAGE=language
    )
    for path in (COVERAGE, MAP):
        error = assert_error(client.get(path, {"territory": "00000"}), 400)
        assert error["fields"] == {"territory": [message]}
        error = assert_error(client.get(path, {"territory": "98", "category": "tricot"}), 400)
        assert list(error["fields"]) == ["category"]
        error = assert_error(client.get(path, {"territory": "98", "indicator": "nope"}), 400)
        assert list(error["fields"]) == ["indicator"]
        assert list(assert_error(client.get(path), 400)["fields"]) == ["territory"]


@pytest.mark.parametrize(
    ("language", "line"),
    [
        ("fr", "Ligne 3 : 44109 n'est pas le code INSEE d'une commune de ce territoire."),
        ("en", "Line 3: 44109 is not the INSEE code of a commune of this territory."),
    ],
)
def test_a_bad_csv_is_400_with_its_lines(land, language, line):
    curator = curator_of(land["98"])
    client = client_for(curator)
    body = {
        "territory": "98",
        "slug": "seuls-75",
        "title": "Seuls",
        "csv": "insee_code,value\n98001,1\n44109,2\n",
    }
    response = client.post(INDICATORS, body, format="json", HTTP_ACCEPT_LANGUAGE=language)
    assert assert_error(response, 400)["fields"] == {"csv": [line]}
    assert not Indicator.objects.exists()
    response = client.post(INDICATORS, {**body, "extra": 1}, format="json")
    assert "extra" in assert_error(response, 400)["fields"]


def test_curators_upload_replace_list_and_delete_indicators(land):
    curator = curator_of(land["98"])
    client = client_for(curator)
    body = {"territory": "98", "slug": "seuls-75", "title": "Seuls", "source": "INSEE", "csv": CSV}
    created = client.post(INDICATORS, body, format="json")
    assert created.status_code == 201
    first = created.json()
    assert first["territory"] == "98" and first["values_count"] == 2
    assert {v["insee_code"]: v["value"] for v in first["values"]} == {"98001": 0.5, "98002": 0.1}
    replaced = client.post(
        INDICATORS, {**body, "csv": "insee_code;value\n98003;0,3\n"}, format="json"
    )
    assert replaced.json()["id"] == first["id"]
    assert replaced.json()["values"] == [{"insee_code": "98003", "name": "Cehameau", "value": 0.3}]
    listed = client.get(INDICATORS).json()["results"]
    assert [item["id"] for item in listed] == [first["id"]]
    assert client.get(indicator_path(first["id"])).json()["values_count"] == 1

    # The curator of another organization curating the département reads it, not deletes it.
    commune_curator = client_for(curator_of(land["98"]))
    assert commune_curator.get(indicator_path(first["id"])).status_code == 200
    assert_error(commune_curator.delete(indicator_path(first["id"])), 403)
    assert Indicator.objects.filter(pk=first["id"]).exists()
    assert client.delete(indicator_path(first["id"])).status_code == 204
    assert not Indicator.objects.exists()


def test_the_answers_fit_the_documented_bodies(land, activities, indicator):
    from django.test import Client

    from tests.api.test_openapi import assert_documented

    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    client = client_for(indicator.organization.memberships.get().user)
    answers = [
        ("/api/v1/stats/coverage/", "get", client.get(COVERAGE, {"territory": "98"})),
        (
            "/api/v1/stats/coverage/",
            "get",
            client.get(COVERAGE, {"territory": "98", "indicator": "seuls-75", "category": "jeux"}),
        ),
        ("/api/v1/stats/coverage/", "get", client.get(COVERAGE, {"territory": "x"})),
        (
            "/api/v1/stats/coverage.png",
            "get",
            client.get(MAP, {"territory": "98", "category": "x"}),
        ),
        ("/api/v1/stats/indicators/", "get", client.get(INDICATORS)),
        (
            "/api/v1/stats/indicators/{id}/",
            "get",
            client.get(indicator_path(indicator.pk)),
        ),
        (
            "/api/v1/stats/indicators/",
            "post",
            client.post(
                INDICATORS,
                {"territory": "98", "slug": "autre", "title": "Autre", "csv": CSV},
                format="json",
            ),
        ),
    ]
    covered = answers[1][2].json()
    assert covered["gaps"]["cells"] and covered["indicator"]["slug"] == "seuls-75"
    for path, method, response in answers:
        assert_documented(schema, path, method, response)
    image = client.get(MAP, {"territory": "98"})
    documented = schema["paths"]["/api/v1/stats/coverage.png"]["get"]["responses"]["200"]
    assert list(documented["content"]) == ["image/png"] and image["Content-Type"] == "image/png"
