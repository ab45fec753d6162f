"""A full refresh is cut by space: every consenting resident in exactly one chunk, neighbours
together, residents reached only remotely on their own."""

import datetime
import random

import h3
import pytest
from django.utils import timezone

from matching import chunks, services
from matching.models import RecommendationSet
from matching.services import sets
from matching.services.reach import candidates_within_reach
from matching.tasks import recommendations_full_refresh_task
from tests.factories import UserFactory

CITIES = {"nantes": (47.2184, -1.5536), "lyon": (45.7640, 4.8357), "lille": (50.6292, 3.0573)}


def population(seed: int = 1) -> tuple[list[tuple[int, str, bool]], dict[int, str]]:
    """(user id, home cell, homebound) triples around three cities, plus residents without a
    home and homebound ones; and the city of each resident with a home."""
    rng = random.Random(seed)
    residents, city_of = [], {}
    user_id = 0
    for city, (lat, lng) in CITIES.items():
        for _ in range(rng.randint(150, 400)):
            user_id += 1
            point = lat + rng.uniform(-0.1, 0.1), lng + rng.uniform(-0.15, 0.15)
            homebound = rng.random() < 0.1
            residents.append((user_id, services.coarsen(*point)[2], homebound))
            if not homebound:
                city_of[user_id] = city
    for _ in range(30):
        user_id += 1
        residents.append((user_id, "", False))
    rng.shuffle(residents)
    return residents, city_of


@pytest.mark.parametrize("size", [1, 37, 100, 1000])
def test_every_resident_is_in_exactly_one_chunk_of_at_most_size(size):
    residents, _city_of = population()
    plan = chunks.plan_chunks(residents, size=size)
    ids = [user_id for chunk in plan for user_id in chunk]
    assert sorted(ids) == sorted(user_id for user_id, _cell, _remote in residents)
    assert all(0 < len(chunk) <= size for chunk in plan)


def test_neighbours_share_chunks_and_remote_residents_have_their_own():
    residents, city_of = population()
    remote = {user_id for user_id, cell, homebound in residents if homebound or not cell}
    plan = chunks.plan_chunks(residents, size=100)
    for chunk in plan:
        if any(u in remote for u in chunk):
            assert all(u in remote for u in chunk)
        else:  # consecutive pieces: at most the end of one city and the start of the next
            assert len({city_of[u] for u in chunk}) <= 2
    for city in CITIES:
        members = sum(1 for c in city_of.values() if c == city)
        holding = [chunk for chunk in plan if any(city_of.get(u) == city for u in chunk)]
        assert len(holding) <= -(-members // 100) + 1  # packed, not scattered


def test_a_home_cell_fuller_than_a_chunk_is_cut():
    cell = h3.latlng_to_cell(47.2184, -1.5536, 8)
    plan = chunks.plan_chunks([(n, cell, False) for n in range(1, 251)], size=100)
    assert [len(chunk) for chunk in plan] == [100, 100, 50]


@pytest.mark.django_db
def test_the_full_refresh_computes_every_consenting_resident_and_only_them():
    consenting = []
    for n, (lat, lng) in enumerate(list(CITIES.values()) * 3):
        user = UserFactory()
        services.profile_update(
            user=user, matching_consent=True, home=(lat + n * 0.01, lng), homebound=n == 4
        )
        consenting.append(user.pk)
    refusing = UserFactory()
    services.profile_update(user=refusing, matching_consent=False, home=CITIES["lyon"])
    assert sorted(u for chunk in chunks.refresh_chunks(size=2) for u in chunk) == consenting
    assert recommendations_full_refresh_task.delay().get() == len(consenting)
    assert sorted(RecommendationSet.objects.values_list("user_id", flat=True)) == consenting


@pytest.fixture
def three_towns(db):
    """Six venues in each city and one online activity; three residents in each city (one
    homebound), by city. The process's matrix is forgotten before and after."""
    from matching import candidates
    from tests.factories import listed_activity

    candidates.forget()
    soon = timezone.now() + datetime.timedelta(days=1)
    for lat, lng in CITIES.values():
        for n in range(6):
            listed_activity(lat + 0.01 * n, lng, starts=[soon], categories=["echecs"])
    listed_activity(starts=[soon], attendance_mode="online", categories=["echecs"])
    users = {}
    for name, (lat, lng) in CITIES.items():
        for n in range(3):
            user = UserFactory()
            services.profile_update(
                user=user, matching_consent=True, home=(lat + 0.01 * n, lng),
                max_distance_km=2 + 2 * n, homebound=n == 2, interests={"echecs": 1.0},
            )  # fmt: skip
            users.setdefault(name, []).append(user.pk)
    yield users
    candidates.forget()


def test_a_chunk_is_scored_against_the_venues_of_its_region_with_the_same_lists(three_towns):
    from matching import candidates, engine
    from matching.models import ResidentProfile
    from matching.selectors import EVERYONE_BIT, build_residents

    users = three_towns
    matrix, slugs = candidates.current_candidates()
    for group in (users["nantes"], users["nantes"] + users["lille"], [users["lyon"][2]]):
        profiles = ResidentProfile.objects.filter(user_id__in=group).order_by("user_id")
        residents = build_residents(list(profiles), slugs)
        subset = candidates_within_reach(residents, matrix)
        assert len(subset) < len(matrix)
        whole, within = (
            engine.recommend_batched(
                residents, table, everyone_bit=EVERYONE_BIT, category_slugs=slugs
            )
            for table in (matrix, subset)
        )
        assert whole == within and any(whole)


def test_a_large_computation_prepares_the_whole_matrix_once_with_the_same_lists(
    three_towns, monkeypatch
):
    """From PREPARED_FROM residents, the whole matrix is prepared, kept for every later call
    against it (however small) and let go when the matrix changes; the lists are those of
    a computation against the region of its residents."""
    from matching import candidates, engine
    from tests.factories import listed_activity

    users = [user_id for town in three_towns.values() for user_id in town]

    def stored():
        return {
            row.user_id: (row.activity_ids, row.scores, row.reasons)
            for row in RecommendationSet.objects.all()
        }

    services.recommendations_compute(user_ids=users)  # each call prepares its own region
    assert candidates.prepared(candidates.current_candidates()[0], build=False) is None
    by_region = stored()
    monkeypatch.setattr(sets, "PREPARED_FROM", len(users))
    services.recommendations_compute(user_ids=users)
    matrix = candidates.current_candidates()[0]
    kept = candidates.prepared(matrix, build=False)
    assert kept is not None and kept.candidates is matrix
    assert stored() == by_region
    with monkeypatch.context() as patch:  # a small call uses it: no region, no preparation
        patch.setattr(sets, "candidates_within_reach", None)
        patch.setattr(engine.Prepared, "of", None)
        services.recommendations_compute(user_ids=users[:1])
    assert candidates.prepared(matrix, build=False) is kept
    assert stored() == by_region
    soon = timezone.now() + datetime.timedelta(days=1)
    listed_activity(*CITIES["lyon"], starts=[soon], categories=["echecs"])
    assert candidates.current_candidates()[0] is not matrix
    assert candidates.prepared(candidates.current_candidates()[0], build=False) is None
