"""A published collection as a search filter: `activities/?collection=` and
`occurrences/?collection=` find its published activities only, combined with every other
parameter, on SQLite and PostgreSQL (the suite runs on both)."""

import datetime

import pytest
from django.utils import timezone

from tests.curation.factories import NANTES, CollectionFactory, territory, with_items
from tests.factories import listed_activity
from tests.pages import all_ids

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/occurrences/"
SOON = timezone.now() + datetime.timedelta(days=2)
LATER = timezone.now() + datetime.timedelta(days=9)


def venue(lat=47.2184, lng=-1.5536, **fields):
    return listed_activity(lat, lng, starts=[SOON, LATER], territory=territory(NANTES), **fields)


@pytest.fixture
def world():
    inside = [venue(title="Chorale du jeudi"), venue(title="Marche douce", kind="outing")]
    far = venue(47.30, -1.45, title="Chorale des bords de l'Erdre")
    pending = venue(title="Atelier en attente", status="pending")
    outside = [venue(title="Chorale hors collection")]
    collection = with_items(CollectionFactory(slug="ete-seniors"), *inside, far, pending)
    draft = with_items(CollectionFactory(slug="brouillon", status="draft"), *outside)
    return {
        "inside": inside,
        "far": far,
        "outside": outside,
        "pending": pending,
        "collection": collection,
        "draft": draft,
    }


def test_the_search_finds_the_collections_published_activities_only(api_client, world):
    found = all_ids(api_client, {"collection": "ete-seniors"})

    expected = {a.pk for a in [*world["inside"], world["far"]]}
    assert set(found) == expected and len(found) == len(expected)


def test_the_collection_combines_with_other_parameters(api_client, world):
    chorale, walk = world["inside"]

    words = all_ids(api_client, {"collection": "ete-seniors", "q": "chorale"})
    assert set(words) == {chorale.pk, world["far"].pk}  # not the one outside the collection
    assert set(all_ids(api_client, {"collection": "ete-seniors", "kind": "outing"})) == {walk.pk}
    near = all_ids(
        api_client, {"collection": "ete-seniors", "lat": 47.2184, "lng": -1.5536, "radius_km": 2}
    )
    assert set(near) == {chorale.pk, walk.pk}


def test_the_session_search_takes_the_same_filter(api_client, world):
    sessions = []
    url, query = SESSIONS, {"collection": "ete-seniors", "page_size": 100}
    while url:
        body = api_client.get(url, query).json()
        sessions += body["results"]
        url, query = body["next"], None

    expected = {a.pk for a in [*world["inside"], world["far"]]}
    assert {s["activity"]["id"] for s in sessions} == expected
    assert len(sessions) == 2 * len(expected)
    near = api_client.get(
        SESSIONS, {"collection": "ete-seniors", "lat": 47.2184, "lng": -1.5536, "radius_km": 2}
    ).json()["results"]
    assert {s["activity"]["id"] for s in near} == {a.pk for a in world["inside"]}


def test_an_empty_collection_finds_nothing(api_client, world):
    CollectionFactory(slug="vide")

    assert all_ids(api_client, {"collection": "vide"}) == []
    assert api_client.get(SESSIONS, {"collection": "vide"}).json()["results"] == []


@pytest.mark.parametrize("url", ["/api/v1/activities/", SESSIONS])
@pytest.mark.parametrize("slug", ["inconnue", "brouillon", "", "pas un slug!"])
def test_an_unknown_or_draft_collection_is_a_bad_parameter(api_client, world, url, slug):
    response = api_client.get(url, {"collection": slug})

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["collection"]


def test_a_bad_collection_is_named_with_the_other_bad_parameters(api_client, world):
    response = api_client.get("/api/v1/activities/", {"collection": "inconnue", "free": "maybe"})

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"collection", "free"}


def test_without_the_filter_the_search_is_unchanged(api_client, world):
    found = set(all_ids(api_client, {}))

    assert {a.pk for a in [*world["inside"], world["far"], *world["outside"]]} <= found
    assert world["pending"].pk not in found
