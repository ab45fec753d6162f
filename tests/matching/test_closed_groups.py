"""A closed peer-support group for a life situation (a grief circle, entered after an interview)
is offered only to residents whose interests name its situation: never on nearness, welcome or
popularity alone, whichever way the list is made (computed, merged on publication)."""

import datetime

import numpy as np
import pytest
from django.test import TestCase
from django.utils import timezone

from activities import services as directory
from activities.models import Category
from matching import engine, services
from matching.models import RecommendationSet
from matching.selectors import closed_peer_group
from tests.factories import UserFactory, editor_of, listed_activity
from tests.matching.test_engine_reference import CATEGORIES, build

HOME = (47.2184, -1.5536)
PERSON = {
    "id": 1, "has_home": True, "lat": 47.2, "lng": -1.55, "territory": -1, "reach": 5,
    "step_free": False, "homebound": False, "age": 40, "audiences": 0, "languages": 1,
    "budget": np.inf, "modes": 31, "availability": (1 << 21) - 1, "lonely": True,
    "dismissed": frozenset(),
}  # fmt: skip
GROUP = {
    "id": 7, "lat": 47.2, "lng": -1.55, "mode": engine.IN_PERSON, "step_free": True,
    "age": None, "audiences": 1, "languages": 1, "price": 0.0, "slots": 0, "category": 2,
    "territories": frozenset(),
}  # fmt: skip


@pytest.mark.parametrize(
    ("needs_interest", "interests", "offered"),
    [
        (True, [0, 0, 0, 0], False),  # no interests at all: nearness and welcome only
        (True, [1, 0, 0, 0], False),  # other interests (board games)
        (True, [1, 0, 0.2, 0], True),  # its situation among them
        (True, [0, 0, 1, 0], True),
        (False, [1, 0, 0, 0], True),  # any other activity: nearness is enough
        (False, [0, 0, 0, 0], True),
    ],
)
@pytest.mark.parametrize("batched", [False, True])
def test_a_closed_group_needs_a_shared_interest(needs_interest, interests, offered, batched):
    candidates, residents = build(
        [{**GROUP, "needs_interest": needs_interest}], [{**PERSON, "interests": interests}]
    )
    recommend = engine.recommend_batched if batched else engine.recommend
    lists = recommend(residents, candidates, everyone_bit=1, category_slugs=CATEGORIES)
    assert [item.activity_id for item in lists[0]] == ([7] if offered else [])


@pytest.mark.parametrize(
    ("kind", "registration", "closed"),
    [
        ("peer_support", "required", True),
        ("peer_support", "none", False),  # an open group: come once without commitment
        ("club", "required", False),
        ("friendship", "required", False),
    ],
)
def test_what_counts_as_a_closed_peer_group(kind, registration, closed):
    assert closed_peer_group(kind, registration) is closed


def soon(days=1):
    return timezone.now() + datetime.timedelta(days=days)


def resident(**profile):
    user = UserFactory()
    services.profile_update(user=user, matching_consent=True, home=HOME, **profile)
    return user


def grief_circle(**fields):
    fields.setdefault("categories", ["deuil"])
    return listed_activity(
        HOME[0] + 0.003, HOME[1], kind="peer_support", registration="required",
        registration_email="contact@deuil.example", **fields,
    )  # fmt: skip


@pytest.mark.django_db
def test_a_grief_circle_next_door_is_offered_to_the_bereaved_not_to_a_board_game_lover():
    circle = grief_circle(starts=[soon()])
    games = listed_activity(
        HOME[0] + 0.01, HOME[1], starts=[soon()], categories=["jeux-de-societe"]
    )
    open_group = listed_activity(
        HOME[0] + 0.003, HOME[1], starts=[soon()], kind="peer_support", registration="none",
        categories=["deuil"],
    )  # fmt: skip
    player = resident(
        interests={"jeux-de-societe": 1.0}, sensitive_consent=True, loneliness_score=9
    )
    newcomer = resident()  # no interests yet: welcoming and popular activities near them
    bereaved = resident(interests={"deuil": 0.6, "jeux-de-societe": 1.0})
    caregiver = resident(interests={"aidants": 1.0})  # another situation of the same family
    # A caregivers' group meeting in a café: for caregivers, not for someone who likes cafés.
    caregivers_group = grief_circle(starts=[soon()], categories=["aidants"])
    caregivers_group.categories.add(Category.objects.get(slug="cafe-rencontre"))  # not its main
    cafe_lover = resident(interests={"cafe-rencontre": 1.0})
    everyone = [player, newcomer, bereaved, caregiver, cafe_lover]
    services.recommendations_compute(user_ids=[user.pk for user in everyone])

    def listed(user) -> list[int]:
        return RecommendationSet.objects.get(user=user).activity_ids

    for user in (player, newcomer, caregiver, cafe_lover):
        assert circle.pk not in listed(user)
        assert open_group.pk in listed(user)
    assert games.pk in listed(player)
    assert circle.pk in listed(bereaved)
    assert caregivers_group.pk in listed(caregiver)
    assert caregivers_group.pk not in listed(cafe_lover)
    assert caregivers_group.pk not in listed(bereaved)


@pytest.mark.django_db
def test_a_grief_circle_published_later_is_merged_only_into_the_lists_of_the_bereaved():
    player = resident(interests={"jeux-de-societe": 1.0})
    bereaved = resident(interests={"deuil": 1.0})
    listed_activity(HOME[0] + 0.01, HOME[1], starts=[soon()], categories=["jeux-de-societe"])
    services.recommendations_compute(user_ids=[player.pk, bereaved.pk])
    circle = grief_circle(starts=[], status="draft")
    directory.schedule_create(
        activity=circle, by=editor_of(circle.organization), rrule="FREQ=WEEKLY;BYDAY=MO",
        start_time=datetime.time(15), end_time=datetime.time(17), valid_from=timezone.localdate(),
    )  # fmt: skip
    with TestCase.captureOnCommitCallbacks(execute=True):
        directory.activity_publish(activity=circle)
    assert circle.pk in RecommendationSet.objects.get(user=bereaved).activity_ids
    assert circle.pk not in RecommendationSet.objects.get(user=player).activity_ids
