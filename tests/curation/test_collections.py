"""Collections through the API: who reads which, who writes them, their items, publishing.
A refused write changes nothing."""

import pytest

from curation.models import Collection, CollectionItem
from tests.conftest import client_for
from tests.curation.factories import (
    CURATE_NANTES,
    DEPARTEMENT,
    METROPOLE,
    NANTES,
    REZE,
    ROLES,
    SAINT_NAZAIRE,
    CollectionFactory,
    activity_in,
    curating_organization,
    roles,
    territory,
    with_items,
)
from tests.factories import ActivityFactory

pytestmark = pytest.mark.django_db

COLLECTIONS = "/api/v1/collections/"


def client_as(api_client, user):
    return api_client if user is None else client_for(user)


def stored() -> dict[str, list[dict]]:
    return {
        "collections": list(Collection.objects.order_by("pk").values()),
        "items": list(CollectionItem.objects.order_by("pk").values()),
    }


def slugs(client, **params) -> set[str]:
    response = client.get(COLLECTIONS, {"page_size": 100, **params})
    assert response.status_code == 200, response.content
    return {c["slug"] for c in response.json()["results"]}


@pytest.fixture
def world():
    world = roles()

    def collection(code: str, slug: str, status: str = "published") -> Collection:
        return CollectionFactory(territory=territory(code), slug=slug, status=status)

    world.nantes = with_items(collection(NANTES, "ete-seniors"), world.nantes_activity)
    world.nantes_draft = collection(NANTES, "brouillon-nantes", "draft")
    world.reze = with_items(collection(REZE, "reze-deuil"), world.reze_activity)
    world.reze_draft = collection(REZE, "brouillon-reze", "draft")
    world.metropole = collection(METROPOLE, "metropole-premiers-pas")
    world.departement_draft = collection(DEPARTEMENT, "brouillon-44", "draft")
    world.departement = collection(DEPARTEMENT, "loire-atlantique-aidants")
    return world


PUBLISHED = {"ete-seniors", "reze-deuil", "metropole-premiers-pas", "loire-atlantique-aidants"}
DRAFTS_SEEN = {
    "anonymous": set(),
    "resident": set(),
    "other_resident": set(),
    "editor": set(),
    "nantes_curator": {"brouillon-nantes"},
    "reze_curator": {"brouillon-reze"},
    "metropole_curator": {"brouillon-nantes", "brouillon-reze"},
    "departement_curator": {"brouillon-nantes", "brouillon-reze", "brouillon-44"},
    "staff": {"brouillon-nantes", "brouillon-reze", "brouillon-44"},
}


# --- reading --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_who_reads_which_collections(api_client, world, role):
    client = client_as(api_client, world.named(role))

    assert slugs(client) == PUBLISHED | DRAFTS_SEEN[role]
    for draft in ("brouillon-nantes", "brouillon-reze", "brouillon-44"):
        response = client.get(f"{COLLECTIONS}{draft}/")
        assert response.status_code == (200 if draft in DRAFTS_SEEN[role] else 404), draft
    assert client.get(f"{COLLECTIONS}ete-seniors/").status_code == 200


def test_a_communes_collections_include_those_of_its_epci_and_departement(api_client, world):
    assert slugs(api_client, territory=NANTES) == {
        "ete-seniors",
        "metropole-premiers-pas",
        "loire-atlantique-aidants",
    }
    assert slugs(api_client, territory=REZE) == {
        "reze-deuil",
        "metropole-premiers-pas",
        "loire-atlantique-aidants",
    }
    assert slugs(api_client, territory=SAINT_NAZAIRE) == {"loire-atlantique-aidants"}
    assert slugs(api_client, territory=METROPOLE) == {
        "metropole-premiers-pas",
        "loire-atlantique-aidants",
    }


def test_an_unknown_territory_has_no_collections_and_an_empty_one_is_a_bad_filter(
    api_client, world
):
    assert slugs(api_client, territory="99999") == set()
    for bad in ("", "1234567890"):
        response = api_client.get(COLLECTIONS, {"territory": bad})
        assert response.status_code == 400
        assert "territory" in response.json()["error"]["fields"]


def test_the_list_is_by_title_and_counts_published_activities(api_client, world):
    hidden = activity_in(NANTES, status="pending")
    CollectionItem.objects.create(collection=world.nantes, activity=hidden, position=1)

    results = api_client.get(COLLECTIONS, {"territory": NANTES}).json()["results"]

    assert [c["title"] for c in results] == sorted(c["title"] for c in results)
    counts = {c["slug"]: c["items_count"] for c in results}
    assert counts["ete-seniors"] == 1
    nantes = next(c for c in results if c["slug"] == "ete-seniors")
    assert nantes["territory"] == {"insee_code": NANTES, "name": "Nantes", "kind": "commune"}
    assert nantes["organization"]["slug"] == world.nantes.organization.slug


def test_a_collection_shows_its_activities_in_order_as_cards(api_client, world):
    second = activity_in(NANTES)
    CollectionItem.objects.create(
        collection=world.nantes, activity=second, position=1, note="Pour commencer doucement."
    )
    # In the list, but no longer published: residents do not see it.
    withdrawn = activity_in(NANTES, status="archived")
    CollectionItem.objects.create(collection=world.nantes, activity=withdrawn, position=2)

    resident = api_client.get(f"{COLLECTIONS}ete-seniors/").json()
    curator = client_for(world.nantes_curator).get(f"{COLLECTIONS}ete-seniors/").json()

    assert [i["activity"]["id"] for i in resident["items"]] == [
        world.nantes_activity.pk,
        second.pk,
    ]
    assert resident["items"][1]["note"] == "Pour commencer doucement."
    assert resident["items"][0]["activity"]["next_occurrences"]  # the search's card
    assert all(item["published"] for item in resident["items"])
    assert [(i["activity"]["id"], i["published"]) for i in curator["items"]] == [
        (world.nantes_activity.pk, True),
        (second.pk, True),
        (withdrawn.pk, False),
    ]


# --- writing --------------------------------------------------------------------------------

CREATE_NANTES = {"territory": NANTES, "title": "Premiers pas après un deuil"}


@pytest.mark.parametrize("role", ROLES)
def test_who_creates_a_collection_of_nantes(api_client, world, role):
    client = client_as(api_client, world.named(role))
    before = stored()

    response = client.post(COLLECTIONS, {**CREATE_NANTES, "description": "Pour traverser."})

    if role in CURATE_NANTES:
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["slug"] == "premiers-pas-apres-un-deuil"
        assert (body["status"], body["items"], body["territory"]["insee_code"]) == (
            "draft",
            [],
            NANTES,
        )
        created = Collection.objects.get(slug=body["slug"])
        assert created.created_by == world.named(role)
        assert created.organization.territories.filter(
            insee_code__in=[NANTES, METROPOLE, DEPARTEMENT]
        ).exists()
        return
    assert response.status_code == (401 if role == "anonymous" else 403), response.content
    assert stored() == before


def test_a_collection_is_made_in_the_name_of_the_nearest_curating_organization(world):
    response = client_for(world.metropole_curator).post(COLLECTIONS, CREATE_NANTES)

    organization = Collection.objects.get(slug=response.json()["slug"]).organization
    assert organization == world.metropole_curator.organizations.get()


def test_a_slug_is_unique(world):
    client = client_for(world.nantes_curator)

    first = client.post(COLLECTIONS, CREATE_NANTES).json()["slug"]
    second = client.post(COLLECTIONS, CREATE_NANTES).json()["slug"]

    assert (first, second) == ("premiers-pas-apres-un-deuil", "premiers-pas-apres-un-deuil-2")


def test_a_curator_cannot_create_a_collection_above_their_territory(world):
    before = stored()

    response = client_for(world.nantes_curator).post(
        COLLECTIONS, {**CREATE_NANTES, "territory": METROPOLE}
    )

    assert response.status_code == 403
    assert stored() == before


# (name, method, path, body): every write to the published Nantes collection.
WRITES = [
    ("edit", "patch", "ete-seniors/", {"title": "L'été des aînés"}),
    ("unpublish", "patch", "ete-seniors/", {"status": "draft"}),
    ("items", "put", "ete-seniors/items/", {"items": []}),
    ("delete", "delete", "ete-seniors/", None),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method", "path", "body"), WRITES, ids=[w[0] for w in WRITES])
def test_who_writes_a_collection_of_nantes(api_client, world, role, name, method, path, body):
    client = client_as(api_client, world.named(role))
    before = stored()

    response = getattr(client, method)(f"{COLLECTIONS}{path}", body, format="json")

    if role in CURATE_NANTES:
        assert response.status_code in (200, 204), response.content
        assert stored() != before
        return
    assert response.status_code == (401 if role == "anonymous" else 403), response.content
    assert stored() == before


@pytest.mark.parametrize("role", sorted(set(ROLES) - CURATE_NANTES - {"anonymous"}))
def test_a_draft_of_nantes_is_not_found_by_those_who_do_not_curate_it(world, role):
    client = client_for(world.named(role))
    before = stored()

    for method, path, body in [
        ("get", "brouillon-nantes/", None),
        ("patch", "brouillon-nantes/", {"status": "published"}),
        ("put", "brouillon-nantes/items/", {"items": []}),
        ("delete", "brouillon-nantes/", None),
    ]:
        response = getattr(client, method)(f"{COLLECTIONS}{path}", body, format="json")
        assert response.status_code == 404, (method, response.content)
    assert stored() == before


def test_publishing_shows_a_collection_to_residents_and_unpublishing_hides_it(api_client, world):
    curator = client_for(world.nantes_curator)

    published = curator.patch(f"{COLLECTIONS}brouillon-nantes/", {"status": "published"})
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert "brouillon-nantes" in slugs(api_client)
    assert api_client.get(f"{COLLECTIONS}brouillon-nantes/").status_code == 200

    curator.patch(f"{COLLECTIONS}brouillon-nantes/", {"status": "draft"})
    assert "brouillon-nantes" not in slugs(api_client)
    assert api_client.get(f"{COLLECTIONS}brouillon-nantes/").status_code == 404


def test_the_slug_and_territory_are_kept_through_edits(world):
    curator = client_for(world.departement_curator)
    before = stored()

    for body, field in [
        ({"territory": REZE}, "territory"),
        ({"slug": "autre"}, "slug"),
        ({"items_count": 3}, "items_count"),
    ]:
        response = curator.patch(f"{COLLECTIONS}ete-seniors/", body)
        assert response.status_code == 400
        assert response.json()["error"]["fields"][field]
    edited = curator.patch(f"{COLLECTIONS}ete-seniors/", {"title": "L'été des aînés"}).json()
    assert (edited["slug"], edited["title"]) == ("ete-seniors", "L'été des aînés")
    assert stored()["collections"] != before["collections"]


# --- items ----------------------------------------------------------------------------------


def test_the_list_of_items_is_replaced_whole_in_order(world):
    curator = client_for(world.nantes_curator)
    first, second = activity_in(NANTES), activity_in(NANTES)

    response = curator.put(
        f"{COLLECTIONS}ete-seniors/items/",
        {"items": [{"activity": second.pk, "note": "D'abord"}, {"activity": first.pk}]},
    )

    assert response.status_code == 200, response.content
    items = response.json()["items"]
    assert [(i["position"], i["activity"]["id"], i["note"]) for i in items] == [
        (0, second.pk, "D'abord"),
        (1, first.pk, ""),
    ]
    assert not world.nantes.items.filter(activity=world.nantes_activity).exists()


def test_an_epci_collection_takes_activities_of_its_communes_and_remote_ones(world):
    phone = ActivityFactory(attendance_mode="phone", place=None)
    phone.service_area.set([territory(DEPARTEMENT)])
    curator = client_for(world.metropole_curator)
    items = [world.nantes_activity, world.reze_activity, phone]

    response = curator.put(
        f"{COLLECTIONS}metropole-premiers-pas/items/",
        {"items": [{"activity": a.pk} for a in items]},
    )

    assert response.status_code == 200, response.content
    assert [i["activity"]["id"] for i in response.json()["items"]] == [a.pk for a in items]


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("another commune's activity", "items.1.activity"),
        ("an activity not published", "items.1.activity"),
        ("an unknown activity", "items.1.activity"),
        ("the same activity twice", "items.1.activity"),
        ("markup in a note", "items.0.note"),
    ],
)
def test_items_that_do_not_belong_are_refused_naming_the_entry(world, case, field):
    pending = activity_in(NANTES, status="pending")
    second = {
        "another commune's activity": world.reze_activity.pk,
        "an activity not published": pending.pk,
        "an unknown activity": 987654,
        "the same activity twice": world.nantes_activity.pk,
        "markup in a note": activity_in(NANTES).pk,
    }[case]
    note = "<b>Top</b>" if case == "markup in a note" else "Bien"
    before = stored()

    response = client_for(world.nantes_curator).put(
        f"{COLLECTIONS}ete-seniors/items/",
        {"items": [{"activity": world.nantes_activity.pk, "note": note}, {"activity": second}]},
    )

    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["fields"]) == [field]
    assert stored() == before


def test_a_collection_holds_at_most_a_hundred_activities(world):
    before = stored()

    response = client_for(world.nantes_curator).put(
        f"{COLLECTIONS}ete-seniors/items/",
        {"items": [{"activity": pk} for pk in range(1, 102)]},
    )

    assert response.status_code == 400
    assert "items" in response.json()["error"]["fields"]
    assert stored() == before


def test_deleting_a_collection_removes_its_items_not_its_activities(world):
    response = client_for(world.nantes_curator).delete(f"{COLLECTIONS}ete-seniors/")

    assert response.status_code == 204
    assert not Collection.objects.filter(slug="ete-seniors").exists()
    assert not CollectionItem.objects.filter(collection_id=world.nantes.pk).exists()
    world.nantes_activity.refresh_from_db()  # still there


def test_a_new_curating_organization_gets_the_collection_when_staff_creates_it(world):
    """Staff curate through no organization: the collection is made in the name of the
    organization curating the territory."""
    organization = curating_organization(SAINT_NAZAIRE)

    response = client_for(world.staff).post(
        COLLECTIONS, {"territory": SAINT_NAZAIRE, "title": "Saint-Nazaire l'été"}
    )

    assert response.status_code == 201, response.content
    assert Collection.objects.get(slug=response.json()["slug"]).organization == organization


def test_collections_list_pages_whole(api_client, world):
    for n in range(5):
        CollectionFactory(slug=f"page-{n}", title=f"Page {n}")

    pages, url, query = [], COLLECTIONS, {"page_size": 3}
    while url:
        body = api_client.get(url, query).json()
        pages += [c["slug"] for c in body["results"]]
        url, query = body["next"], None
    assert len(pages) == len(set(pages)) == len(PUBLISHED) + 5
