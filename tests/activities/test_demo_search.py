"""Searching the demo directory: what the words find is the same on both databases (the table
of docs/search.md), and the kinds of social connection added to the taxonomy (companion animals
and companion technology) are found by category and by words, and recommended.

The directory is loaded once for the module, inside a transaction rolled back at its end.
"""

import pytest
from django.db import transaction
from django.utils import timezone

from activities.demo import demo_directory_load
from activities.models import Activity
from matching import services as matching
from matching.models import RecommendationSet
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.pages import all_ids

pytestmark = pytest.mark.django_db
URL = "/api/v1/activities/"

# The query, and the demo activities it finds (the numbers of their external ids,
# nantes-demo-NNNN), on SQLite as on PostgreSQL.
FOUND_ON_BOTH = [
    # accents
    ("theatre", {114}),
    ("Théâtre", {114}),
    ("THÉÂTRE", {114}),
    ("ceramique", {119, 121, 336}),
    ("poesie", {134, 201, 305}),
    ("numerique", {10, 12, 20, 24, 31, 32, 55, 91, 110, 192, 295}),
    # inflections
    ("tricoter", {137, 256}),
    ("tricotons", {137, 256}),
    ("tricots", {137, 256}),
    ("chorales", {112, 277, 279, 347}),
    ("jardins", {97, 151, 152, 153}),
    ("chiens", {341, 343, 344}),
    ("animaux", {341, 342, 344}),
    ("tablettes", {55, 110, 258, 345}),
    # typos
    ("jardinnage", {152}),
    ("theatr", {114}),
    ("tricott", {137, 256}),
    ("tablete", {55, 110, 258, 345}),
    ("scrable", {80, 82, 216}),
    ("belotte", {40, 79, 280, 327, 328}),
    # several words: all of them
    ("jardin partagé", {97, 151}),
    ("atelier cuisine", {88, 255, 257}),
    ("chiens refuge", {343}),
    ("tablette famille", {345}),
    ("café animaux", {344}),
    ("médiation animale", {341, 342}),
    ("groupes en ligne", {26, 107, 226, 347}),
    # nothing
    ("xyzzy", set()),
    ("astronomie", set()),
    ("le la de", set()),  # only stop words
    ("yogga", set()),  # the stem "yog" is too short to guess at, trigrams too far
]
COMPANION_ANIMALS = {341, 342, 343, 344}
COMPANION_TECHNOLOGY = {345, 346, 347}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo directory's activities by the number of their external id."""
    with django_db_blocker.unblock(), transaction.atomic():
        demo_directory_load(today=timezone.localdate())
        yield {
            int(external_id.rsplit("-", 1)[1]): pk
            for pk, external_id in Activity.objects.values_list("id", "external_id")
        }
        transaction.set_rollback(True)


def found(client, demo: dict[int, int], params: dict) -> set[int]:
    """The numbers of the activities found, every page followed."""
    number = {pk: n for n, pk in demo.items()}
    ids = all_ids(client, params, URL)
    assert len(ids) == len(set(ids)), params
    return {number[pk] for pk in ids}


def test_the_words_find_the_same_activities_on_either_database(client, demo):
    assert len(FOUND_ON_BOTH) >= 20
    misses = {
        query: (sorted(got), sorted(expected))
        for query, expected in FOUND_ON_BOTH
        if (got := found(client, demo, {"q": query})) != expected
    }
    assert misses == {}


def test_a_one_letter_typo_in_a_short_word(client, demo, settings):
    """SQLite forgives one edit on the stem ("chorral" -> "choral"); PostgreSQL's trigrams
    find "chorral" too far from "chorale" (word similarity 0.56, under its 0.6 threshold)."""
    expected = set() if settings.IS_POSTGRES else {112, 277, 279, 347}
    assert found(client, demo, {"q": "chorral"}) == expected


@pytest.mark.parametrize(
    ("category", "sub_category", "names", "activities"),
    [
        (
            "animaux-compagnie",
            "promenade-chiens-refuge",
            ("Animaux de compagnie", "Companion animals"),
            COMPANION_ANIMALS,
        ),
        (
            "technologies-compagnie",
            "pret-tablette",
            ("Technologies du lien", "Companion technology"),
            COMPANION_TECHNOLOGY,
        ),
    ],
)
def test_the_new_kinds_of_connection_are_categories_with_activities(
    client, demo, category, sub_category, names, activities
):
    for language, name in zip(("fr", "en"), names, strict=True):
        tree = client.get("/api/v1/categories/", HTTP_ACCEPT_LANGUAGE=language).json()
        tops = tree["results"] if isinstance(tree, dict) else tree
        top = next(t for t in tops if t["slug"] == category)
        assert top["name"] == name
        assert len(top["children"]) == 3
        assert sub_category in {c["slug"] for c in top["children"]}
    assert found(client, demo, {"category": category}) == activities
    assert found(client, demo, {"category": sub_category}) < activities


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("promenades chiens", {343, 344}),
        ("chat lapins", {342}),
        ("animaux bienvenus", {344}),
        ("tablette simplifiée", {345}),
        ("appels vidéo proches", {345}),
        ("webcam", {346}),
    ],
)
def test_the_new_kinds_of_connection_are_found_by_words(client, demo, query, expected):
    assert found(client, demo, {"q": query}) == expected


@pytest.mark.parametrize(
    ("interest", "home", "homebound", "activities"),
    [
        # Carquefou, by the shelter dog walks' meeting point.
        ("animaux-compagnie", (47.2968, -1.4841), False, COMPANION_ANIMALS),
        # Nantes, Dervallières: the tablet lent at home comes to a homebound resident.
        ("technologies-compagnie", (47.2155, -1.6025), True, COMPANION_TECHNOLOGY),
    ],
)
def test_a_resident_interested_in_a_new_kind_is_recommended_one(
    demo, interest, home, homebound, activities
):
    resident = UserFactory()
    # A senior (the activities set an age or an audience a resident must declare).
    matching.profile_update(
        user=resident,
        matching_consent=True,
        sensitive_consent=True,
        audiences=["seniors"],
        birth_year=1948,
        home=home,
        homebound=homebound,
        interests={interest: 1.0},
    )
    matching.recommendations_compute(user_ids=[resident.pk])
    recommended = RecommendationSet.objects.get(user=resident).activity_ids
    number = {pk: n for n, pk in demo.items()}
    assert number[recommended[0]] in activities
    body = client_for(resident).get("/api/v1/recommendations/").json()
    first = body["results"][0]
    assert first["activity"]["id"] == recommended[0]
    assert "interest" in {reason["code"] for reason in first["reasons"]}
