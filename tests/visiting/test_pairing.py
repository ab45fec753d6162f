"""The pairing solver: never a broken constraint, the brute-force optimum on small teams, never
fewer people paired than the greedy pass, and the blocking constraint named."""

import itertools
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from visiting.pairing import (
    CALL,
    VISIT,
    Request,
    Volunteer,
    blocking,
    compatibility,
    distance_km,
    feasible,
    greedy,
    objective,
    pair,
    urgency,
)

NANTES = (47.218, -1.554)
INTERESTS = ["garden", "cards", "music", "walks", "books"]


def _near(draw, spread=0.15):
    lat = draw(st.floats(NANTES[0] - spread, NANTES[0] + spread))
    lng = draw(st.floats(NANTES[1] - spread, NANTES[1] + spread))
    return lat, lng


@st.composite
def volunteers(draw, ids):
    lat, lng = _near(draw)
    return Volunteer(
        id=draw(ids),
        lat=lat,
        lng=lng,
        reach_km=draw(st.sampled_from([2.0, 5.0, 10.0])),
        slots=draw(st.integers(1, (1 << 21) - 1)),
        languages=draw(st.integers(1, 7)),
        offers=draw(st.integers(1, 7)),
        capacity=draw(st.integers(0, 2)),
        vetted=draw(st.sampled_from([True, True, True, False])),
        interests=frozenset(draw(st.sets(st.sampled_from(INTERESTS), max_size=3))),
        gender=draw(st.sampled_from(["", "f", "m"])),
        wants_gender=draw(st.sampled_from(["", "", "", "f", "m"])),
    )


@st.composite
def teams(draw, max_volunteers=6, max_requests=8):
    vols = draw(
        st.lists(volunteers(st.integers(1, 10**6)), min_size=1, max_size=max_volunteers,
                 unique_by=lambda v: v.id)
    )  # fmt: skip
    requests = []
    for n in range(draw(st.integers(1, max_requests))):
        lat, lng = _near(draw)
        requests.append(
            Request(
                id=n + 1,
                lat=lat,
                lng=lng,
                slots=draw(st.integers(1, (1 << 21) - 1)),
                languages=draw(st.integers(1, 7)),
                wants=draw(st.integers(1, 7)),
                interests=frozenset(draw(st.sets(st.sampled_from(INTERESTS), max_size=3))),
                priority=draw(st.integers(0, 3)),
                waiting_days=draw(st.integers(0, 900)),
                gender=draw(st.sampled_from(["", "f", "m"])),
                wants_gender=draw(st.sampled_from(["", "", "", "f", "m"])),
                never_again=frozenset(
                    draw(st.sets(st.sampled_from([v.id for v in vols]), max_size=1))
                ),
            )
        )
    return vols, requests


def _check(proposals, vols, requests):
    by_id = {v.id: v for v in vols}
    by_request = {r.id: r for r in requests}
    assert len({p.request for p in proposals}) == len(proposals), "a person paired twice"
    load = Counter(p.volunteer for p in proposals)
    for volunteer_id, count in load.items():
        assert count <= by_id[volunteer_id].capacity, "a volunteer over their capacity"
    for proposal in proposals:
        volunteer, request = by_id[proposal.volunteer], by_request[proposal.request]
        assert feasible(volunteer, request), "a hard constraint broken"
        assert proposal.kinds and proposal.kinds & volunteer.offers & request.wants


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(teams())
def test_no_proposal_ever_breaks_a_hard_constraint(team):
    vols, requests = team
    _check(pair(vols, requests), vols, requests)


def brute_force(vols, requests):
    """Every assignment of each person to a feasible volunteer or to nobody, within
    capacities: the best (people paired, total) in that order."""
    options = []
    for request in requests:
        options.append([None] + [v for v in vols if feasible(v, request)])
    best = (0, 0.0)
    for choice in itertools.product(*options):
        load = Counter(v.id for v in choice if v is not None)
        if any(load[v.id] > v.capacity for v in vols):
            continue
        count, total = 0, 0.0
        for volunteer, request in zip(choice, requests, strict=True):
            if volunteer is not None:
                d = float(distance_km(volunteer.lat, volunteer.lng, request.lat, request.lng))
                count += 1
                total += compatibility(volunteer, request, d)[0] + urgency(request)
        if (count, total) > (best[0], best[1] + 1e-12):
            best = (count, total)
    return best


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(teams(max_volunteers=4, max_requests=6))
def test_on_small_teams_the_solver_reaches_the_brute_force_optimum(team):
    vols, requests = team
    count, total = objective(pair(vols, requests), vols, requests)
    best_count, best_total = brute_force(vols, requests)
    assert count == best_count
    assert total == pytest.approx(best_total, abs=1e-6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(teams(max_volunteers=8, max_requests=14))
def test_never_fewer_people_paired_nor_a_lower_total_than_the_greedy_pass(team):
    vols, requests = team
    solved, hand = pair(vols, requests), greedy(vols, requests)
    _check(hand, vols, requests)
    (count, total), (hand_count, hand_total) = (
        objective(solved, vols, requests),
        objective(hand, vols, requests),
    )
    # The flow's costs are whole billionths: equal totals may differ in the last digits.
    assert count > hand_count or (count == hand_count and total >= hand_total - 1e-7)


def volunteer(**fields):
    values = dict(
        id=1, lat=NANTES[0], lng=NANTES[1], reach_km=5.0, slots=0b111, languages=1,
        offers=VISIT, capacity=1,
    )  # fmt: skip
    return Volunteer(**{**values, **fields})


def request(**fields):
    values = dict(id=1, lat=NANTES[0] + 0.01, lng=NANTES[1], slots=0b1, languages=1, wants=VISIT)
    return Request(**{**values, **fields})


def test_a_volunteer_not_fully_vetted_is_never_proposed():
    assert pair([volunteer(vetted=False)], [request()]) == []
    assert [p.volunteer for p in pair([volunteer(vetted=False), volunteer(id=2)], [request()])] == [
        2
    ]


def test_a_pair_ended_for_safeguarding_is_never_proposed_again():
    assert pair([volunteer()], [request(never_again=frozenset({1}))]) == []


def test_beyond_a_volunteers_reach_nothing_is_proposed_not_even_calls():
    far = request(lat=NANTES[0] + 1.0, wants=VISIT | CALL)
    assert pair([volunteer(offers=VISIT | CALL)], [far]) == []
    (proposal,) = pair([volunteer(offers=VISIT | CALL, reach_km=200.0)], [far])
    assert proposal.kinds == VISIT | CALL


def test_the_longest_waiting_are_served_first_when_volunteers_are_too_few():
    vols = [volunteer()]
    requests = [request(id=1, waiting_days=10), request(id=2, waiting_days=300)]
    assert [p.request for p in pair(vols, requests)] == [2]


def test_each_proposal_carries_its_reasons():
    (proposal,) = pair(
        [volunteer(interests=frozenset({"cards", "garden"}))],
        [request(interests=frozenset({"cards"}))],
    )
    reasons = dict(proposal.reasons)
    assert reasons["shared_interests"] == ("cards",)
    assert reasons["common_slots"] == 1
    assert 1.0 <= reasons["distance_km"] <= 1.2


@pytest.mark.parametrize(
    ("volunteers_", "expected"),
    [
        ([volunteer(vetted=False)], "no_vetted_volunteer"),
        ([volunteer(offers=CALL)], "nothing_offered_as_wanted"),
        ([volunteer(lat=NANTES[0] + 1)], "none_within_reach"),
        ([volunteer(languages=0b10)], "no_shared_language"),  # a Portuguese speaker wanted
        ([volunteer(slots=0b10)], "no_shared_time"),
        ([volunteer(gender="m")], "preferences"),
        ([volunteer(capacity=0)], "every_suitable_volunteer_is_full"),
        ([volunteer()], None),
    ],
)
def test_the_constraint_that_blocks_a_person_is_named(volunteers_, expected):
    person = request(wants_gender="f" if expected == "preferences" else "")
    assert blocking(volunteers_, person) == expected
