"""The batch engine's structures against plain statements of what they must do: the lists of
`recommend_batched` are the reference engine's, whatever path a pair takes (a spatial batch
scored whole or by interest category, a service area, a bounded stream, every remote pair)."""

import contextlib
import dataclasses
import operator
from unittest import mock

import h3
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench import matching_synth as synth
from matching import engine
from matching.arrays import take
from matching.engine import batch, spatial
from tests.matching.test_engine_reference import (
    ALL_SLOTS,
    CATEGORIES,
    EVERYONE,
    activity,
    build,
    resident,
    violations,
)


@contextlib.contextmanager
def pruned(on: bool = True):
    """The paths of large populations, for small ones: every venue pool scored by interest
    category and a bounded stream, remote activities never all at once, and streams in
    chunks of a few columns."""
    wide = 1 if on else 1 << 62
    with (
        mock.patch.multiple(
            batch, DENSE_REMOTE_PAIRS=0 if on else 1 << 62, WIDE_POOL=wide, STREAM_FIRST=2
        ),
        mock.patch.object(spatial, "WIDE_POOL", wide),
    ):
        yield


def both(residents, candidates, slugs=CATEGORIES, everyone_bit=EVERYONE, **batched):
    kwargs = {"everyone_bit": everyone_bit, "category_slugs": slugs}
    return (
        engine.recommend_batched(residents, candidates, **kwargs, **batched),
        engine.recommend(residents, candidates, **kwargs),
    )


@st.composite
def directory(draw, max_activities=40, max_residents=12):
    activities = [draw(activity(i)) for i in range(draw(st.integers(1, max_activities)))]
    # Some activities twice over: equal scores, decided by id.
    for copy in draw(st.lists(st.sampled_from(activities), max_size=6)):
        activities.append({**copy, "id": 1000 + len(activities)})
    residents = [draw(resident(i)) for i in range(draw(st.integers(1, max_residents)))]
    candidates, arrays = build(activities, residents)
    ids = [a["id"] for a in activities]
    arrays.boosted = [frozenset(draw(st.sets(st.sampled_from(ids), max_size=3))) for _ in residents]
    return activities, residents, candidates, arrays


@settings(max_examples=150, deadline=None)
@given(data=directory(), size=st.integers(1, 8), prune=st.booleans())
def test_batches_give_the_reference_lists_scores_and_reasons(data, size, prune):
    _activities, _residents, candidates, arrays = data
    with pruned(prune):
        batched, reference = both(arrays, candidates, batch_size=size)
    assert batched == reference


@settings(max_examples=60, deadline=None)
@given(data=directory(), split=st.integers(0, 12))
def test_one_preparation_serves_every_group_of_residents(data, split):
    """Candidates prepared once (as a worker keeps them) give every group of residents the
    reference lists, as a preparation of its own does."""
    _activities, _residents, candidates, arrays = data
    prepared = engine.Prepared.of(candidates)
    kwargs = {"everyone_bit": EVERYONE, "category_slugs": CATEGORIES}
    everyone = np.arange(len(arrays.ids))
    for rows in (everyone[:split], everyone[split:]):
        group = take(arrays, rows)
        assert engine.recommend_batched(
            group, candidates, prepared=prepared, **kwargs
        ) == engine.recommend(group, candidates, **kwargs)


def test_a_preparation_serves_only_its_own_candidates():
    _taxonomy, candidates, residents = synth.france(200, 20, seed=3)
    other = take(candidates, np.arange(100))
    with pytest.raises(ValueError):
        engine.recommend_batched(
            residents, other, prepared=engine.Prepared.of(candidates),
            everyone_bit=synth.EVERYONE_BIT, category_slugs=[],
        )  # fmt: skip


@settings(max_examples=80, deadline=None)
@given(data=directory())
def test_no_batched_recommendation_breaks_a_hard_constraint(data):
    activities, residents, candidates, arrays = data
    by_id = {a["id"]: a for a in activities}
    with pruned():
        lists = engine.recommend_batched(
            arrays, candidates, everyone_bit=EVERYONE, category_slugs=CATEGORIES, batch_size=3
        )
    for r, items in zip(residents, lists, strict=True):
        for item in items:
            assert violations(r, by_id[item.activity_id]) == []
        feasible = [a for a in activities if not violations(r, a)]
        assert len(items) == min(len(feasible), engine.TOP_K)


@pytest.mark.parametrize("prune", [True, False])
def test_a_city_and_france_give_the_reference_lists(prune):
    city = synth.city(1_500, 250, seed=1)
    taxonomy, candidates, residents = synth.france(20_000, 250, seed=2)
    with pruned(prune):
        assert operator.eq(
            *both(
                city.declared, city.candidates, city.taxonomy.slugs, synth.EVERYONE_BIT,
                batch_size=32,
            )
        )  # fmt: skip
        assert operator.eq(*both(residents, candidates, taxonomy.slugs, synth.EVERYONE_BIT))


def test_crowds_of_equal_activities_are_listed_by_id():
    """Forty copies of a few activities tie: more than a shortlist holds."""
    city = synth.city(600, 120, seed=4)
    c = city.candidates
    copies = np.concatenate([np.arange(len(c))] + [np.full(40, j) for j in range(0, 600, 97)])
    crowded = dataclasses.replace(
        take(c, copies), ids=np.arange(len(copies), dtype=np.int64)[::-1] + 1
    )
    batched, reference = both(city.declared, crowded, city.taxonomy.slugs, synth.EVERYONE_BIT)
    assert batched == reference


def test_a_list_ending_among_equal_remote_activities_scores_the_run_and_stops():
    """Thirty online activities alike but for their ids end the resident's list: the bounded
    stream scores the whole run of equal ceilings (an equal score enters by its id), then
    stops before the ten less fresh ones, which cannot reach the list."""
    alike = {"lat": np.nan, "lng": np.nan, "mode": engine.ONLINE, "step_free": True,
             "age": None, "audiences": 1, "languages": 1, "price": 0.0,
             "slots": ALL_SLOTS, "category": 1, "territories": frozenset()}  # fmt: skip
    activities = [{**alike, "id": n} for n in range(1, 41)]
    person = {"id": 1, "has_home": True, "lat": 47.2, "lng": -1.5, "territory": 1,
              "reach": 5.0, "step_free": False, "homebound": False, "age": 40,
              "audiences": 1, "languages": 1, "budget": np.inf, "modes": 1 << engine.ONLINE,
              "availability": ALL_SLOTS, "interests": [1.0, 0, 0, 0], "lonely": False,
              "dismissed": frozenset()}  # fmt: skip
    candidates, residents = build(activities, [person])
    older = np.arange(len(activities)) >= 30  # ten less fresh: below the run
    candidates = dataclasses.replace(
        candidates, freshness=np.where(older, 0.0, 1.0).astype(np.float32)
    )
    scored = []

    def block_scores(rows_m, columns, rows, cols, **options):
        scored.extend(candidates.ids[columns.order[cols]].tolist())
        return original(rows_m, columns, rows, cols, **options)

    original = batch._block_scores
    with pruned(), mock.patch.object(batch, "_block_scores", block_scores):
        batched, reference = both(residents, candidates)
    assert [item.activity_id for item in batched[0]] == list(range(1, 21))
    assert batched == reference
    assert sorted(scored) == list(range(1, 31))


def test_venues_sharing_no_interest_are_scored_only_for_lists_they_can_enter():
    """A wide pool is scored by interest first. The first resident's list fills with thirty
    venues of their interest, above anything the fifty others could score: those are never
    scored for them. The second resident shares no interest with any venue: their list comes
    from the bounded stream. Both lists are the reference's."""
    venue = {"lat": 47.2, "lng": -1.5, "mode": engine.IN_PERSON, "step_free": True,
             "age": None, "audiences": 1, "languages": 1, "price": 0.0,
             "slots": ALL_SLOTS, "territories": frozenset()}  # fmt: skip
    activities = [{**venue, "id": n, "category": 1 if n <= 30 else 2} for n in range(1, 81)]
    person = {"has_home": True, "lat": 47.2, "lng": -1.5, "territory": 1, "reach": 5.0,
              "step_free": False, "homebound": False, "age": 40, "audiences": 1,
              "languages": 1, "budget": np.inf, "modes": 1 << engine.IN_PERSON,
              "availability": ALL_SLOTS, "lonely": False, "dismissed": frozenset()}  # fmt: skip
    people = [
        {**person, "id": 1, "interests": [0, 1.0, 0, 0]},
        {**person, "id": 2, "interests": [0, 0, 0, 1.0]},
    ]
    candidates, residents = build(activities, people)
    scored = {1: set(), 3: set()}  # by the resident's interest (a crowded list is redone apart)
    original = batch._block_scores

    def block_scores(rows_m, columns, rows, cols, **options):
        for interest in rows_m.interests[rows].argmax(axis=1).tolist():
            scored[interest].update(candidates.ids[columns.order[cols]].tolist())
        return original(rows_m, columns, rows, cols, **options)

    with pruned(), mock.patch.object(batch, "_block_scores", block_scores):
        batched, reference = both(residents, candidates)
    assert batched == reference
    assert [item.activity_id for item in batched[0]] == list(range(1, 21))
    assert scored[1] == set(range(1, 31))
    assert len(batched[1]) == engine.TOP_K
    assert scored[3] >= {item.activity_id for item in batched[1]}


@pytest.mark.parametrize("mode", [engine.ONLINE, engine.IN_PERSON])
def test_the_least_interest_weight_counts_once(mode):
    """A weight of 1e-45 (the least float32) is an interest: the pair is scored in its
    category's block and not again among the activities sharing no interest, where the
    weight scaled by the sum of weights (2) would round to 0."""
    place = (
        {"lat": 47.2, "lng": -1.5} if mode == engine.IN_PERSON else {"lat": np.nan, "lng": np.nan}
    )
    activities = [
        {**place, "id": n, "mode": mode, "step_free": True, "age": None, "audiences": 1,
         "languages": 1, "price": 0.0, "slots": 0, "category": n % 2, "territories": frozenset()}
        for n in range(1, 7)
    ]  # fmt: skip
    person = {"id": 1, "has_home": True, "lat": 47.2, "lng": -1.5, "territory": 1,
              "reach": 5.0, "step_free": False, "homebound": False, "age": 40,
              "audiences": 1, "languages": 1, "budget": np.inf, "modes": 1 << mode,
              "availability": 0, "interests": [0, 1e-45, 1.0, 1.0], "lonely": False,
              "dismissed": frozenset()}  # fmt: skip
    candidates, residents = build(activities, [person])
    assert residents.interests[0, 1] > 0
    with pruned():
        batched, reference = both(residents, candidates)
    listed = [item.activity_id for item in batched[0]]
    assert sorted(listed) == list(range(1, 7))
    assert batched == reference


@settings(max_examples=50, deadline=None)
@given(
    lat=st.floats(-89.9, 89.9),
    lng=st.floats(-179.9, 179.9),
    resolution=st.integers(spatial.COARSE_CELL_RESOLUTION, spatial.FINE_CELL_RESOLUTION),
)
def test_h3_parents_from_the_bits_are_h3s(lat, lng, resolution):
    cell = h3.api.basic_int.latlng_to_cell(lat, lng, spatial.FINE_CELL_RESOLUTION)
    parent = spatial.h3_parent(np.array([cell], dtype=np.uint64), resolution)
    assert int(parent[0]) == h3.api.basic_int.cell_to_parent(cell, resolution)


@settings(max_examples=40, deadline=None)
@given(data=directory(max_residents=60), size=st.integers(1, 9))
def test_spatial_batches_hold_every_resident_once_in_small_groups(data, size):
    arrays = data[3]
    groups = spatial.spatial_batches(arrays, size)
    rows = np.concatenate(groups)
    assert sorted(rows.tolist()) == list(range(len(arrays)))
    assert max(len(g) for g in groups) <= size
    band = np.searchsorted(spatial.REACH_BANDS_KM, arrays.reach_km)
    assert all(len(set(band[g].tolist())) == 1 for g in groups)
    some = np.arange(len(arrays))[::2]
    groups = spatial.spatial_batches(arrays, size, some)
    assert sorted(np.concatenate(groups or [some[:0]]).tolist()) == some.tolist()
    assert all(len(g) <= size and len(set(band[g].tolist())) == 1 for g in groups)


def test_the_pool_of_a_group_holds_every_venue_within_each_members_reach():
    rng = np.random.default_rng(7)
    # Venues and residents around the antimeridian, near a pole and in France.
    centres = [(0.0, 179.95), (89.5, 10.0), (46.5, 2.3)]
    lat = np.concatenate([c[0] + rng.normal(0, 0.2, 400) for c in centres]).clip(-90, 90)
    lng = np.concatenate([c[1] + rng.normal(0, 0.2, 400) for c in centres])
    lng = (lng + 180) % 360 - 180
    _taxonomy, candidates, residents = synth.france(1_200, 300, seed=3)
    candidates.mode[:] = engine.IN_PERSON
    candidates.xyz = engine.unit_vectors(lat, lng)
    residents.xyz = candidates.xyz[rng.choice(1_200, 300)]
    venues = spatial.Venues.of(candidates)
    cover = np.maximum(residents.reach_km.astype(np.float64), engine.MIN_DECAY_REACH_KM)
    for group in spatial.spatial_batches(residents, 16):
        pool = set(venues.cols[venues.near(residents.xyz[group], cover[group])].tolist())
        cos = residents.xyz[group] @ candidates.xyz.T
        within = cos >= np.cos(cover[group] / 6371.0088)[:, None]
        assert set(np.flatnonzero(within.any(axis=0)).tolist()) <= pool


def test_residents_who_cannot_go_out_meet_only_mixed_venues():
    _taxonomy, candidates, residents = synth.france(3_000, 400, seed=5)
    rng = np.random.default_rng(5)
    residents.homebound[:] = rng.random(400) < 0.4
    residents.has_home[:] = rng.random(400) < 0.9
    residents.accepted_modes[:] = rng.integers(0, 1 << len(engine.MODES), 400)
    accepts = (residents.accepted_modes[:, None] >> np.arange(len(engine.MODES))) & 1 == 1
    goes_out = residents.has_home & ~residents.homebound
    prepared = engine.Prepared.of(candidates)
    plan = batch._plan(residents, prepared, 64)
    met = {}  # resident row: the modes of the venues met
    for rows, cols in plan.batches:
        modes = set(candidates.mode[prepared.columns.order[cols]].tolist())
        for row in rows.tolist():
            assert row not in met  # one batch each
            met[row] = modes
    for row in range(400):
        if goes_out[row] and accepts[row, engine.IN_PERSON]:
            assert met[row] <= {engine.IN_PERSON, engine.MIXED}
        elif accepts[row, engine.ONLINE] or (goes_out[row] and accepts[row, engine.MIXED]):
            assert met.get(row, set()) <= {engine.MIXED}
        else:
            assert row not in met
    assert any(m == {engine.MIXED} for m in met.values())
    assert any(engine.IN_PERSON in m for m in met.values())
    assert residents.homebound[[r for r, m in met.items() if m == {engine.MIXED}]].any()


@settings(max_examples=60, deadline=None)
@given(
    areas=st.lists(st.frozensets(st.integers(0, 12), max_size=5), min_size=1, max_size=30),
    territories=st.lists(st.integers(-1, 14), min_size=1, max_size=40),
)
def test_service_area_blocks_hold_exactly_the_served_pairs(areas, territories):
    activities = [
        {"id": j, "lat": np.nan, "lng": np.nan, "mode": engine.AT_HOME, "step_free": False,
         "age": None, "audiences": 1, "languages": 1, "price": 0.0, "slots": 0, "category": 0,
         "territories": area}
        for j, area in enumerate(areas)
    ]  # fmt: skip
    candidates, _residents = build(activities, [])
    territory = np.array(territories, dtype=np.int64)
    service = engine.ServiceAreas.of(candidates)
    pairs = [
        (int(i), int(j)) for rows, cols in service.blocks(territory) for i in rows for j in cols
    ]
    served = {(i, j) for i, t in enumerate(territories) for j, a in enumerate(areas) if t in a}
    assert len(pairs) == len(set(pairs)) and set(pairs) == served
    assert {
        (i, j)
        for i in range(len(territories))
        for j in range(len(areas))
        if service.serves(np.array(j), territory[i])
    } == served
