"""The reference scorer, without a database: hard constraints hold for any input."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from activities.geo import distance_km
from matching import engine

EVERYONE = 1
CATEGORIES = ["a", "b", "c", "d"]
ALL_SLOTS = (1 << 21) - 1


@st.composite
def activity(draw, ident):
    mode = draw(st.integers(0, 4))
    venue = mode in (engine.IN_PERSON, engine.MIXED)
    ages = draw(st.one_of(st.none(), st.tuples(st.integers(0, 80), st.integers(0, 40))))
    return {
        "id": ident,
        "lat": draw(st.floats(47.1, 47.35)) if venue else np.nan,
        "lng": draw(st.floats(-1.75, -1.35)) if venue else np.nan,
        "mode": mode,
        "step_free": draw(st.booleans()),
        "age": None if ages is None else (ages[0], ages[0] + ages[1]),
        "audiences": draw(st.integers(1, 255)),
        "languages": draw(st.integers(1, 7)),
        "price": draw(st.sampled_from([0.0, 0.0, 2.0, 5.0, 12.0])),
        "slots": draw(st.integers(0, ALL_SLOTS)),
        "category": draw(st.integers(0, 3)),
        "territories": frozenset(draw(st.sets(st.integers(1, 4), max_size=3))),
        # A closed peer-support group: only for residents interested in its category.
        "needs_interest": draw(st.booleans()),
    }


@st.composite
def resident(draw, ident):
    has_home = draw(st.booleans())
    return {
        "id": ident,
        "has_home": has_home,
        "lat": draw(st.floats(47.1, 47.35)),
        "lng": draw(st.floats(-1.75, -1.35)),
        "territory": draw(st.integers(-1, 4)),
        "reach": draw(st.floats(0.2, 15)),
        "step_free": draw(st.booleans()),
        "homebound": draw(st.booleans()),
        "age": draw(st.integers(-1, 100)),
        "audiences": draw(st.integers(0, 255)),
        "languages": draw(st.integers(1, 7)),
        "budget": draw(st.sampled_from([np.inf, 0.0, 5.0])),
        "modes": draw(st.integers(1, 31)),
        "availability": draw(st.integers(0, ALL_SLOTS)),
        "interests": draw(st.lists(st.floats(0, 1), min_size=4, max_size=4)),
        "lonely": draw(st.booleans()),
        "dismissed": frozenset(draw(st.sets(st.integers(0, 30), max_size=5))),
    }


def build(activities, residents):
    categories = np.zeros((len(activities), len(CATEGORIES)), dtype=np.float32)
    for n, a in enumerate(activities):
        categories[n, a["category"]] = 1
    lat = np.array([a["lat"] for a in activities])
    lng = np.array([a["lng"] for a in activities])
    candidates = engine.Candidates(
        ids=np.array([a["id"] for a in activities], dtype=np.int64),
        xyz=np.nan_to_num(engine.unit_vectors(lat, lng)),
        mode=np.array([a["mode"] for a in activities], dtype=np.int8),
        step_free=np.array([a["step_free"] for a in activities]),
        age_min=np.array([a["age"][0] if a["age"] else 0 for a in activities], dtype=np.int16),
        age_max=np.array([a["age"][1] if a["age"] else 200 for a in activities], dtype=np.int16),
        has_age_limits=np.array([a["age"] is not None for a in activities]),
        audiences=np.array([a["audiences"] for a in activities], dtype=np.int64),
        languages=np.array([a["languages"] for a in activities], dtype=np.int64),
        price=np.array([a["price"] for a in activities], dtype=np.float32),
        slots=np.array([a["slots"] for a in activities], dtype=np.int64),
        categories=categories,
        top_category=np.array([a["category"] for a in activities], dtype=np.int32),
        social=np.full(len(activities), 0.5, dtype=np.float32),
        freshness=np.ones(len(activities), dtype=np.float32),
        popularity=np.zeros(len(activities), dtype=np.float32),
        low_threshold=np.array([a["price"] == 0 for a in activities]),
        service_territories=[a["territories"] for a in activities],
        free=np.array([a["price"] == 0 for a in activities]),
        needs_interest=np.array([a.get("needs_interest", False) for a in activities], dtype=bool),
    )
    residents_arrays = engine.Residents(
        ids=np.array([r["id"] for r in residents], dtype=np.int64),
        xyz=engine.unit_vectors(
            np.array([r["lat"] for r in residents]), np.array([r["lng"] for r in residents])
        ),
        has_home=np.array([r["has_home"] for r in residents]),
        territory=np.array([r["territory"] for r in residents], dtype=np.int64),
        reach_km=np.array([r["reach"] for r in residents], dtype=np.float32),
        step_free=np.array([r["step_free"] for r in residents]),
        homebound=np.array([r["homebound"] for r in residents]),
        age=np.array([r["age"] for r in residents], dtype=np.int16),
        audiences=np.array([r["audiences"] for r in residents], dtype=np.int64),
        languages=np.array([r["languages"] for r in residents], dtype=np.int64),
        budget=np.array([r["budget"] for r in residents], dtype=np.float32),
        accepted_modes=np.array([r["modes"] for r in residents], dtype=np.int64),
        availability=np.array([r["availability"] for r in residents], dtype=np.int64),
        interests=np.array([r["interests"] for r in residents], dtype=np.float32),
        lonely=np.array([r["lonely"] for r in residents]),
        excluded=[r["dismissed"] for r in residents],
        boosted=[frozenset() for _ in residents],
    )
    return candidates, residents_arrays


def violations(r, a) -> list[str]:
    """Independent statement of every hard constraint, one pair at a time."""
    broken = []
    accepts = lambda mode: bool(r["modes"] >> mode & 1)  # noqa: E731
    mode = a["mode"]
    online_instead = mode == engine.MIXED and accepts(engine.ONLINE)
    if not accepts(mode) and not online_instead:
        broken.append("mode")
    if mode in (engine.IN_PERSON, engine.MIXED) and not online_instead:
        if r["homebound"]:
            broken.append("homebound")
        if not r["has_home"]:
            broken.append("no home")
        elif distance_km(r["lat"], r["lng"], a["lat"], a["lng"]) > r["reach"] + 1e-3:
            broken.append("too far")
        if r["step_free"] and not a["step_free"]:
            broken.append("steps")
    if mode in (engine.AT_HOME, engine.PHONE) and r["territory"] not in a["territories"]:
        broken.append("not served")
    if a["age"] is not None and not (r["age"] >= 0 and a["age"][0] <= r["age"] <= a["age"][1]):
        broken.append("age")
    if not (a["audiences"] & EVERYONE or a["audiences"] & r["audiences"]):
        broken.append("audience")
    if not a["languages"] & r["languages"]:
        broken.append("language")
    if a["price"] > r["budget"]:
        broken.append("budget")
    if a["slots"] and not a["slots"] & r["availability"]:
        broken.append("never free")
    if a["id"] in r["dismissed"]:
        broken.append("dismissed")
    if a.get("needs_interest") and not np.float32(r["interests"][a["category"]]) > 0:
        broken.append("not concerned")
    return broken


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_no_recommendation_ever_breaks_a_hard_constraint(data):
    activities = [data.draw(activity(i)) for i in range(data.draw(st.integers(1, 30)))]
    residents = [data.draw(resident(i)) for i in range(data.draw(st.integers(1, 6)))]
    candidates, arrays = build(activities, residents)
    lists = engine.recommend(arrays, candidates, everyone_bit=EVERYONE, category_slugs=CATEGORIES)
    by_id = {a["id"]: a for a in activities}
    for r, items in zip(residents, lists, strict=True):
        assert len(items) <= engine.TOP_K
        assert len({i.activity_id for i in items}) == len(items)
        for item in items:
            assert violations(r, by_id[item.activity_id]) == [], (r, by_id[item.activity_id])
        # Completeness: every feasible activity is listed while fewer than k are.
        feasible = [a for a in activities if not violations(r, a)]
        assert len(items) == min(len(feasible), engine.TOP_K)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_batching_gives_the_same_lists(data):
    activities = [data.draw(activity(i)) for i in range(data.draw(st.integers(1, 30)))]
    residents = [data.draw(resident(i)) for i in range(data.draw(st.integers(1, 12)))]
    candidates, arrays = build(activities, residents)
    kwargs = {"everyone_bit": EVERYONE, "category_slugs": CATEGORIES}
    whole = engine.recommend(arrays, candidates, **kwargs)
    batched = engine.recommend_batched(arrays, candidates, batch_size=3, **kwargs)
    assert [[i.activity_id for i in row] for row in batched] == [
        [i.activity_id for i in row] for row in whole
    ]


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_a_list_rescored_among_its_own_items_and_one_more_activity_is_the_whole_list(data):
    """A merge: each resident scored only against the items of its list plus one other
    activity (its own columns, in any order, -1 padded) gets the list of the whole
    directory."""
    activities = [data.draw(activity(i)) for i in range(data.draw(st.integers(1, 40)))]
    residents = [data.draw(resident(i)) for i in range(data.draw(st.integers(1, 8)))]
    candidates, arrays = build(activities, residents)
    kwargs = {"everyone_bit": EVERYONE, "category_slugs": CATEGORIES, "k": 6}
    whole = engine.recommend(arrays, candidates, **kwargs)
    column_of = {ident: n for n, ident in enumerate(candidates.ids.tolist())}
    pools = []
    for items in whole:
        own = [column_of[item.activity_id] for item in items]
        others = sorted(set(range(len(candidates))) - set(own))
        if others:
            own.append(data.draw(st.sampled_from(others)))
        pools.append(data.draw(st.permutations(own)))
    columns = np.full((len(pools), max(map(len, pools)) + 2), -1)
    for n, own in enumerate(pools):
        columns[n, : len(own)] = own
    assert engine.recommend_among(arrays, candidates, columns, **kwargs) == whole


def test_scores_are_repeatable_and_ties_break_by_id():
    activities = [
        {"id": i, "lat": 47.2, "lng": -1.55, "mode": 0, "step_free": True, "age": None,
         "audiences": 1, "languages": 1, "price": 0.0, "slots": 0, "category": 0,
         "territories": frozenset()}
        for i in (70_005, 70_003, 70_009, 5, 3, 9)
    ]  # fmt: skip
    person = {
        "id": 1, "has_home": True, "lat": 47.2, "lng": -1.55, "territory": -1, "reach": 5,
        "step_free": False, "homebound": False, "age": 40, "audiences": 0, "languages": 1,
        "budget": np.inf, "modes": 31, "availability": ALL_SLOTS, "interests": [1, 0, 0, 0],
        "lonely": False, "dismissed": frozenset(),
    }  # fmt: skip
    candidates, arrays = build(activities, [person])
    first = engine.recommend(arrays, candidates, everyone_bit=1, category_slugs=CATEGORIES, k=4)
    again = engine.recommend(arrays, candidates, everyone_bit=1, category_slugs=CATEGORIES, k=4)
    ids = [i.activity_id for i in first[0]]
    assert ids == [i.activity_id for i in again[0]] == [3, 5, 9, 70_003]


def test_diversity_keeps_the_top_ten_from_being_one_category():
    activities = [
        {"id": i, "lat": 47.2, "lng": -1.55, "mode": 0, "step_free": True, "age": None,
         "audiences": 1, "languages": 1, "price": 0.0, "slots": 0,
         "category": 0 if i < 15 else 1 + i % 3, "territories": frozenset()}
        for i in range(30)
    ]  # fmt: skip
    person = {
        "id": 1, "has_home": True, "lat": 47.2, "lng": -1.55, "territory": -1, "reach": 5,
        "step_free": False, "homebound": False, "age": 40, "audiences": 0, "languages": 1,
        "budget": np.inf, "modes": 31, "availability": ALL_SLOTS, "interests": [1, .3, .3, .3],
        "lonely": False, "dismissed": frozenset(),
    }  # fmt: skip
    candidates, arrays = build(activities, [person])
    top = engine.recommend(arrays, candidates, everyone_bit=1, category_slugs=CATEGORIES)[0][:10]
    categories = [activities[i.activity_id]["category"] for i in top]
    assert categories.count(0) < 10
    assert len(set(categories)) >= 3
    assert top[0].reasons[0] == {"code": "interest", "params": {"category": "a"}}
