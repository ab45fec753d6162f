"""Pairing volunteers with the people who asked to be visited or called: a global optimum
under hard constraints, and why someone could not be paired.

Plain data and plain functions (numpy, scipy, OR-tools; no Django), so the solver is tested
and measured alone. A coordinator's run reads the team's vetted volunteers and open requests into
`Volunteer` and `Request`, calls `pair`, and stores the proposals.

**Hard constraints** (`feasible`), never broken: the volunteer is fully vetted and has room
(capacity); the pair never ended for a safeguarding reason; they share a weekly slot (bit
`weekday * 3 + part of day`, as residents' availability) and a language; what the volunteer
offers meets what the person wants (home visits, phone calls, outings); the person lives
within the volunteer's reach (calls included: a team is local); and each side's
stated preference about the other's gender, if any, is met.

**The objective**: among feasible pairings, first as many people paired as possible, then the
greatest total of compatibility (shared interests, overlap of free time, nearness) plus
urgency (the person's priority and how long they have waited), so that when volunteers are too
few, the longest-waiting and most isolated are served first. It is solved exactly as a
maximum flow of minimum cost (OR-tools' `SimpleMinCostFlow.solve_max_flow_with_min_cost`): the
source gives each volunteer as many units as they have places left, each feasible pair is an
arc of capacity one whose cost is minus its weight (compatibility + urgency, in billionths),
and each person takes at most one unit to the sink. The maximum flow pairs as many people as
can be; among those flows the least cost is the greatest total. (scipy's LAPJVsp on the
equivalent assignment graph, one row per place, reached the same optimum about 15 times
slower at the size of a département.)

**Size.** In a town, a person may have hundreds of feasible volunteers. Each person keeps
their PER_PERSON most compatible ones (`candidates`), and the optimum is exact over that
graph. The brute-force tests run with teams smaller than PER_PERSON, so there they check the
exact optimum.
"""

import dataclasses
from collections.abc import Iterable, Sequence

import numpy as np

# OR-tools and scipy are imported where the pairing runs, not with the module: the web workers
# import it for its constants and reasons, and never pair.

EARTH_RADIUS_KM = 6371.0088
VISIT, CALL, OUTING = 1, 2, 4  # what is offered or wanted, as bits
ALL_SLOTS = (1 << 21) - 1

# The compatibility terms (each 0..1) and their weights; urgency's weights.
INTEREST_WEIGHT = 0.45
TIME_WEIGHT = 0.30
NEARNESS_WEIGHT = 0.25
PRIORITY_WEIGHT = 0.5  # per level of priority, 0..3
WAIT_WEIGHT = 3.0  # for a year of waiting (linear, capped at two years): above what any
# compatibility can add, so that between two people competing for a place, the one who has
# waited months longer comes first
# The flow's costs are whole numbers: weights in billionths (a pairing's total is off by
# less than 1e-5 at 20,000 people; the largest cost times the nodes stays far within int64).
COST_SCALE = 1e9
PER_PERSON = 40


@dataclasses.dataclass(frozen=True)
class Volunteer:
    id: int
    lat: float
    lng: float
    reach_km: float
    slots: int  # availability bits
    languages: int  # bits
    offers: int  # VISIT | CALL | OUTING
    capacity: int  # how many more people they can follow
    vetted: bool = True
    interests: frozenset[str] = frozenset()
    gender: str = ""  # "f", "m" or "" (not said)
    wants_gender: str = ""  # the person's gender they ask for, or "" (any)


@dataclasses.dataclass(frozen=True)
class Request:
    id: int
    lat: float
    lng: float
    slots: int
    languages: int
    wants: int  # VISIT | CALL | OUTING
    interests: frozenset[str] = frozenset()
    priority: int = 0  # 0..3, set by the coordinator
    waiting_days: int = 0
    gender: str = ""
    wants_gender: str = ""
    never_again: frozenset[int] = frozenset()  # volunteers of pairs ended for safeguarding


@dataclasses.dataclass(frozen=True)
class Proposal:
    request: int
    volunteer: int
    kinds: int  # what they will do together (bits)
    score: float  # compatibility, 0..1
    reasons: tuple[tuple[str, object], ...]


def distance_km(lat1, lng1, lat2, lng2):
    """Great-circle distance; numpy arrays or floats."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    a = (
        np.sin((phi2 - phi1) / 2) ** 2
        + np.cos(phi1) * np.cos(phi2) * np.sin(np.radians(lng2 - lng1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(a)))


def _gender_ok(volunteer: Volunteer, request: Request) -> bool:
    return (not request.wants_gender or volunteer.gender == request.wants_gender) and (
        not volunteer.wants_gender or request.gender == volunteer.wants_gender
    )


def kinds_together(volunteer: Volunteer, request: Request, distance: float) -> int:
    """What this volunteer and this person can do together: the kinds both want and offer,
    none when the person lives beyond the volunteer's reach."""
    return 0 if distance > volunteer.reach_km else volunteer.offers & request.wants


def feasible(volunteer: Volunteer, request: Request, distance: float | None = None) -> bool:
    """Every hard constraint, for one pair (the reference the solver is tested against)."""
    if distance is None:
        distance = float(distance_km(volunteer.lat, volunteer.lng, request.lat, request.lng))
    return (
        volunteer.vetted
        and volunteer.capacity > 0
        and volunteer.id not in request.never_again
        and bool(volunteer.slots & request.slots)
        and bool(volunteer.languages & request.languages)
        and bool(kinds_together(volunteer, request, distance))
        and _gender_ok(volunteer, request)
    )


def compatibility(volunteer: Volunteer, request: Request, distance: float) -> tuple[float, tuple]:
    """(0..1, reasons): shared interests, overlap of free time, nearness."""
    shared = volunteer.interests & request.interests
    union = volunteer.interests | request.interests
    interests = len(shared) / len(union) if union else 0.0
    common_slots = (volunteer.slots & request.slots).bit_count()
    time = common_slots / max(1, min(volunteer.slots.bit_count(), request.slots.bit_count()))
    nearness = max(0.0, 1.0 - distance / volunteer.reach_km)
    value = INTEREST_WEIGHT * interests + TIME_WEIGHT * time + NEARNESS_WEIGHT * nearness
    reasons = [("common_slots", common_slots), ("distance_km", round(distance, 1))]
    if shared:
        reasons.append(("shared_interests", tuple(sorted(shared))))
    return value, tuple(reasons)


def urgency(request: Request) -> float:
    return PRIORITY_WEIGHT * request.priority + WAIT_WEIGHT * min(request.waiting_days, 730) / 365


@dataclasses.dataclass
class Candidates:
    """Feasible pairs as arrays: request index, volunteer index, distance, compatibility."""

    request: np.ndarray
    volunteer: np.ndarray
    distance: np.ndarray
    score: np.ndarray


def candidates(
    volunteers: Sequence[Volunteer],
    requests: Sequence[Request],
    *,
    per_person: int | None = PER_PERSON,
) -> Candidates:
    """Every feasible pair (the constraints of `feasible`, on arrays), each person keeping
    their `per_person` most compatible volunteers (None: all). The people within each
    volunteer's reach are found with a k-d tree on chord distances."""
    if not volunteers or not requests:
        empty = np.zeros(0, dtype=np.int64)
        return Candidates(empty, empty, empty.astype(float), empty.astype(float))
    V = _arrays(volunteers, requests)
    R = V["requests"]
    # Only vetted volunteers with room are searched, each against the people who want what
    # they offer (and of the gender a person may ask for) within their reach; then the
    # other constraints narrow the pairs, each test on what the previous left.
    able = np.flatnonzero(V["vetted"] & (V["capacity"] > 0))
    k, i, d = _within_reach(V, R, able)
    common = np.bitwise_count(V["slots"][k] & R["slots"][i])
    keep = common > 0
    asks = (V["packed"] >> 26) & 3  # the gender a volunteer asks of the person, if any
    if asks.any():
        by = asks[k]
        keep &= (by == 0) | (by == (R["packed"][i] >> 24) & 3)
    k, i, d, common = k[keep], i[keep], d[keep], common[keep]
    keep = (V["languages"][k] & R["languages"][i]) != 0
    k, i, d, common = k[keep], i[keep], d[keep], common[keep]
    if V["banned"].size:
        keep = ~np.isin(i.astype(np.int64) * len(volunteers) + k, V["banned"])
        k, i, d, common = k[keep], i[keep], d[keep], common[keep]
    vi, ri = V["interests"], R["interests"]
    if vi.shape[1] == 1:  # one word of interests (up to 64 names): no row sums
        shared = np.bitwise_count(vi[:, 0][k] & ri[:, 0][i]).astype(float)
        union = np.bitwise_count(vi[:, 0][k] | ri[:, 0][i]).astype(float)
    else:
        shared, union = _popcount(vi[k] & ri[i]), _popcount(vi[k] | ri[i])
    interests = np.divide(shared, union, out=np.zeros(len(k)), where=union > 0)
    slot_counts = np.bitwise_count(V["slots"]), np.bitwise_count(R["slots"])
    fewest = np.maximum(1, np.minimum(slot_counts[0][k], slot_counts[1][i]))
    nearness = np.maximum(0.0, 1.0 - d / V["reach"][k])
    score = INTEREST_WEIGHT * interests + TIME_WEIGHT * common / fewest + NEARNESS_WEIGHT * nearness
    if per_person is not None and len(k):
        kept = _best_per_person(i, score, len(requests), per_person)
        i, k, d, score = i[kept], k[kept], d[kept], score[kept]
    return Candidates(i, k, d, score)


_GENDERS = {"": 0, "f": 1, "m": 2}
# One integer per volunteer and per person: slots (bits 0-20), what is offered or wanted
# (21-23), gender (24-25), the gender asked of the other (26-27).
_SLOTS = (1 << 21) - 1
_KINDS = 7 << 21


def _packed(items, kinds: str) -> np.ndarray:
    return np.fromiter(
        (
            item.slots
            | getattr(item, kinds) << 21
            | _GENDERS[item.gender] << 24
            | _GENDERS[item.wants_gender] << 26
            for item in items
        ),
        dtype=np.int64,
        count=len(items),
    )


def _arrays(volunteers: Sequence[Volunteer], requests: Sequence[Request]) -> dict:
    vocabulary = sorted(
        {x for v in volunteers for x in v.interests} | {x for r in requests for x in r.interests}
    )
    bit = {name: n for n, name in enumerate(vocabulary)}
    words = max(1, -(-len(vocabulary) // 64))

    def interests(items) -> np.ndarray:
        masks = np.zeros((len(items), words), dtype=np.uint64)
        for row, item in enumerate(items):
            for name in item.interests:
                masks[row, bit[name] // 64] |= np.uint64(1 << (bit[name] % 64))
        return masks

    def column(items, name, dtype=np.int64):
        return np.fromiter((getattr(item, name) for item in items), dtype=dtype, count=len(items))

    index = {v.id: n for n, v in enumerate(volunteers)}
    banned = [
        row * len(volunteers) + index[vid]
        for row, r in enumerate(requests)
        for vid in r.never_again
        if vid in index
    ]
    return {
        "lat": column(volunteers, "lat", float),
        "lng": column(volunteers, "lng", float),
        "reach": column(volunteers, "reach_km", float),
        "slots": column(volunteers, "slots"),
        "languages": column(volunteers, "languages"),
        "capacity": column(volunteers, "capacity"),
        "vetted": column(volunteers, "vetted", bool),
        "packed": _packed(volunteers, "offers"),
        "interests": interests(volunteers),
        "banned": np.array(banned, dtype=np.int64),
        "requests": {
            "lat": column(requests, "lat", float),
            "lng": column(requests, "lng", float),
            "slots": column(requests, "slots"),
            "languages": column(requests, "languages"),
            "packed": _packed(requests, "wants"),
            "interests": interests(requests),
        },
    }


# Reaches are grouped under these bounds (km), each group searched at its bound, then every
# pair checked against the volunteer's own reach.
_REACH_BOUNDS = (1, 2, 3, 5, 8, 10, 15, 20, 30, 50, 100, 200, 500, 20040)


def _within_reach(V: dict, R: dict, able: np.ndarray):
    """(volunteer index, request index, great-circle km) of the pairs within the volunteer's
    reach where the volunteer offers something the person wants and is of the gender the
    person asks for, if any: the people are split by what they want and ask for, and each
    part searched only by the volunteers who can serve it (k-d trees over unit vectors,
    pairs returned as arrays, the chord turned into the arc). Pairs that could never be
    feasible are so never made, which is most of the time of the search."""
    from scipy.spatial import cKDTree

    xyz = _xyz(R["lat"], R["lng"])
    volunteer_xyz = _xyz(V["lat"], V["lng"])
    wants = (R["packed"] >> 21) & 7
    asks = (R["packed"] >> 26) & 3
    offers = (V["packed"][able] >> 21) & 7
    gender = (V["packed"][able] >> 24) & 3
    group = np.searchsorted(_REACH_BOUNDS, V["reach"][able])
    ks, is_, ds = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], [np.zeros(0)]
    for part in np.unique(wants * 4 + asks).tolist():
        kinds, asked = part // 4, part % 4
        people = np.flatnonzero((wants == kinds) & (asks == asked))
        serving = (offers & kinds) != 0
        if asked:
            serving &= gender == asked
        if not people.size or not serving.any():
            continue
        tree = cKDTree(xyz[people])
        for g in np.unique(group[serving]).tolist():
            members = able[serving & (group == g)]
            bound = _REACH_BOUNDS[min(g, len(_REACH_BOUNDS) - 1)]
            chord = 2 * np.sin(min(np.pi, bound / EARTH_RADIUS_KM) / 2) + 1e-12
            found = cKDTree(volunteer_xyz[members]).sparse_distance_matrix(
                tree, chord, output_type="ndarray"
            )
            k = members[found["i"]]
            d = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, found["v"] / 2))
            keep = d <= V["reach"][k]
            ks.append(k[keep])
            is_.append(people[found["j"][keep]])
            ds.append(d[keep])
    return np.concatenate(ks), np.concatenate(is_), np.concatenate(ds)


def _best_per_person(i: np.ndarray, score: np.ndarray, people: int, per_person: int):
    """The indices of each person's `per_person` best pairs. Two stable radix sorts (the
    score in 65,536 steps, best first, then the person) instead of a comparison sort of
    millions of pairs; pairs whose scores differ by less than a step keep their order."""
    steps = np.round((1.0 - np.clip(score, 0.0, 1.0)) * 65535).astype(np.uint16)
    order = np.argsort(steps, kind="stable")
    owner = i[order]
    if people <= 1 << 16:
        order = order[np.argsort(owner.astype(np.uint16), kind="stable")]
    else:
        order = order[np.argsort(owner, kind="stable")]
    counts = np.bincount(i, minlength=people)
    rank = np.arange(len(order)) - np.repeat(np.cumsum(counts) - counts, counts)
    return order[rank < per_person]


def _popcount(masks: np.ndarray) -> np.ndarray:
    return np.bitwise_count(masks).sum(axis=1).astype(float)


def _xyz(lats, lngs) -> np.ndarray:
    phi, lmb = np.radians(np.asarray(lats, float)), np.radians(np.asarray(lngs, float))
    return np.column_stack([np.cos(phi) * np.cos(lmb), np.cos(phi) * np.sin(lmb), np.sin(phi)])


def pair(
    volunteers: Sequence[Volunteer],
    requests: Sequence[Request],
    *,
    per_person: int | None = PER_PERSON,
) -> list[Proposal]:
    """The optimal pairing (see the module's docstring): one proposal per person paired."""
    from ortools.graph.python import min_cost_flow

    found = candidates(volunteers, requests, per_person=per_person)
    if not len(found.request):
        return []
    nv, n = len(volunteers), len(requests)
    capacity = np.array([max(0, v.capacity) for v in volunteers], dtype=np.int64)
    urgencies = np.array([urgency(r) for r in requests])
    weight = found.score + urgencies[found.request]
    edges = len(weight)
    # Nodes: volunteers 0..nv-1, people nv..nv+n-1, the source, the sink. The source gives
    # each volunteer their places, each person takes at most one; the flow is maximal (as
    # many people paired as possible), then of least cost: the greatest total weight.
    source, sink = nv + n, nv + n + 1
    tails = np.concatenate([np.full(nv, source), found.volunteer, nv + np.arange(n)])
    heads = np.concatenate([np.arange(nv), nv + found.request, np.full(n, sink)])
    capacities = np.concatenate([capacity, np.ones(edges + n, dtype=np.int64)])
    costs = np.concatenate(
        [
            np.zeros(nv, dtype=np.int64),
            -np.round(weight * COST_SCALE).astype(np.int64),
            np.zeros(n, dtype=np.int64),
        ]
    )
    flow = min_cost_flow.SimpleMinCostFlow()
    first = flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), capacities, costs
    )
    flow.set_nodes_supplies(np.array([source, sink]), np.array([n, -n]))
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"the pairing's flow was not solved: {status}")
    used = np.flatnonzero(flow.flows(first[nv : nv + edges]) > 0)
    proposals = []
    for edge in used.tolist():
        volunteer = volunteers[int(found.volunteer[edge])]
        request = requests[int(found.request[edge])]
        d = float(distance_km(volunteer.lat, volunteer.lng, request.lat, request.lng))
        value, reasons = compatibility(volunteer, request, d)
        proposals.append(
            Proposal(
                request.id, volunteer.id, kinds_together(volunteer, request, d), value, reasons
            )
        )
    return sorted(proposals, key=lambda proposal: proposal.request)


def objective(
    proposals: Iterable[Proposal], volunteers: Sequence[Volunteer], requests: Sequence[Request]
) -> tuple[int, float]:
    """(people paired, total compatibility + urgency): what the solver maximizes, in order."""
    by_request = {r.id: r for r in requests}
    count, total = 0, 0.0
    for proposal in proposals:
        count += 1
        total += proposal.score + urgency(by_request[proposal.request])
    return count, total


def greedy(volunteers: Sequence[Volunteer], requests: Sequence[Request]) -> list[Proposal]:
    """The pass a coordinator does by hand, for comparison: the longest-waiting first, each
    given the nearest feasible volunteer who still has room (among all feasible ones)."""
    found = candidates(volunteers, requests, per_person=None)
    order = np.lexsort((found.distance, found.request))
    options: dict[int, list[int]] = {}
    for i, k in zip(found.request[order].tolist(), found.volunteer[order].tolist(), strict=True):
        options.setdefault(i, []).append(k)
    room = [v.capacity for v in volunteers]
    proposals = []
    for i in sorted(range(len(requests)), key=lambda i: (-requests[i].waiting_days, i)):
        for k in options.get(i, []):
            if room[k] > 0:
                room[k] -= 1
                volunteer, request = volunteers[k], requests[i]
                d = float(distance_km(volunteer.lat, volunteer.lng, request.lat, request.lng))
                value, reasons = compatibility(volunteer, request, d)
                kinds = kinds_together(volunteer, request, d)
                proposals.append(Proposal(request.id, volunteer.id, kinds, value, reasons))
                break
    return proposals


# Why a person has no possible volunteer: the constraints in the order a coordinator would
# relax them, each narrowing the team's volunteers; the first that leaves none is named.
BLOCKERS = (
    ("no_vetted_volunteer", lambda v, r, d: v.vetted),
    ("nothing_offered_as_wanted", lambda v, r, d: bool(v.offers & r.wants)),
    ("none_within_reach", lambda v, r, d: d <= v.reach_km),
    ("no_shared_language", lambda v, r, d: bool(v.languages & r.languages)),
    ("no_shared_time", lambda v, r, d: bool(v.slots & r.slots)),
    ("preferences", lambda v, r, d: _gender_ok(v, r) and v.id not in r.never_again),
    ("every_suitable_volunteer_is_full", lambda v, r, d: v.capacity > 0),
)


def blocking(volunteers: Sequence[Volunteer], request: Request) -> str | None:
    """The first constraint that leaves this person no volunteer, or None if one is feasible
    (then only other people's pairing took them)."""
    pool = [(v, float(distance_km(v.lat, v.lng, request.lat, request.lng))) for v in volunteers]
    for code, keeps in BLOCKERS:
        pool = [(v, d) for v, d in pool if keeps(v, request, d)]
        if not pool:
            return code
    return None
