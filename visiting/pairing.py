"""Pairing volunteers with the people who asked to be visited or called: a global optimum
under hard constraints, and why someone could not be paired.

Plain data and plain functions (numpy, scipy; no Django), so the solver is tested and measured
alone. A coordinator's run reads the team's vetted volunteers and open requests into
`Volunteer` and `Request`, calls `pair`, and stores the proposals.

**Hard constraints** (`feasible`), never broken: the volunteer is fully vetted and has room
(capacity); the pair never ended for a safeguarding reason; they share a weekly slot (bit
`weekday * 3 + part of day`, as residents' availability) and a language; what the volunteer
offers meets what the person wants (home visits, phone calls, outings); for a visit or an
outing, the person lives within the volunteer's reach (calls have no reach); and each side's
stated preference about the other's gender, if any, is met.

**The objective**: among feasible pairings, first as many people paired as possible, then the
greatest total of compatibility (shared interests, overlap of free time, nearness) plus
urgency (the person's priority and how long they have waited), so that when volunteers are too
few, the longest-waiting and most isolated are served first. It is solved exactly as a
maximum-weight full matching of a bipartite graph (scipy's LAPJVsp,
`min_weight_full_bipartite_matching`): one row per request, one column per place a volunteer
has left (a volunteer who can follow two more people gives two columns), and one column per
request meaning "not paired this time", so that every row can be matched. A pair's weight is
PAIRED + compatibility + urgency, PAIRED exceeding what all the other terms together can add,
so no pairing with fewer people can outweigh one with more.

**Size.** In a town, a person may have hundreds of feasible volunteers. Each person keeps
their PER_PERSON most compatible ones (`candidates`), and the optimum is exact over that
graph: the loss against the full graph is measured by `bench.pairing --full` (see
docs/benchmarks.md). The brute-force tests run with teams smaller than PER_PERSON, so there
they check the exact optimum.
"""

import dataclasses
from collections.abc import Iterable, Sequence

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import min_weight_full_bipartite_matching
from scipy.spatial import cKDTree

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
_UNPAIRED = 1e-9  # the "not paired" column's weight: an edge needs a non-zero weight
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


# More than compatibility (at most 1) and urgency (at most 7.5) of every request together.
def _paired_weight(requests: int) -> float:
    return 10.0 * (requests + 1)


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
    # Only vetted volunteers with room are searched; then the pairs are narrowed step by
    # step, each test on what the previous left.
    able = np.flatnonzero(V["vetted"] & (V["capacity"] > 0))
    k, i, d = _within_reach(V["lat"][able], V["lng"][able], V["reach"][able], R["lat"], R["lng"])
    k = able[k]
    keep = d <= V["reach"][k]
    k, i, d = k[keep], i[keep], d[keep]
    a, b = V["packed"][k], R["packed"][i]
    both = a & b
    keep = ((both & _SLOTS) != 0) & ((both & _KINDS) != 0)
    wanted, given = (b >> 26) & 3, (a >> 24) & 3
    keep &= (wanted == 0) | (wanted == given)
    wanted, given = (a >> 26) & 3, (b >> 24) & 3
    keep &= (wanted == 0) | (wanted == given)
    k, i, d = k[keep], i[keep], d[keep]
    keep = (V["languages"][k] & R["languages"][i]) != 0
    k, i, d = k[keep], i[keep], d[keep]
    if V["banned"].size:
        keep = ~np.isin(i * len(volunteers) + k, V["banned"])
        k, i, d = k[keep], i[keep], d[keep]
    shared = _popcount(V["interests"][k] & R["interests"][i])
    union = _popcount(V["interests"][k] | R["interests"][i])
    interests = np.divide(shared, union, out=np.zeros(len(k)), where=union > 0)
    common = np.bitwise_count(V["slots"][k] & R["slots"][i]).astype(float)
    fewest = np.maximum(
        1, np.minimum(np.bitwise_count(V["slots"][k]), np.bitwise_count(R["slots"][i]))
    )
    nearness = np.maximum(0.0, 1.0 - d / V["reach"][k])
    score = INTEREST_WEIGHT * interests + TIME_WEIGHT * common / fewest + NEARNESS_WEIGHT * nearness
    if per_person is not None and len(k):
        order = np.lexsort((-score, i))
        i, k, d, score = i[order], k[order], d[order], score[order]
        starts = np.flatnonzero(np.r_[True, i[1:] != i[:-1]])
        rank = np.arange(len(i)) - np.repeat(starts, np.diff(np.r_[starts, len(i)]))
        keep = rank < per_person
        i, k, d, score = i[keep], k[keep], d[keep], score[keep]
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


def _within_reach(lat, lng, reach, request_lat, request_lng):
    """(volunteer index, request index, great-circle km) of the pairs within the volunteer's
    reach group's bound: k-d trees over unit vectors, pairs returned as arrays, the chord
    turned into the arc."""
    requests = cKDTree(_xyz(request_lat, request_lng))
    group = np.searchsorted(_REACH_BOUNDS, reach)
    ks, is_, ds = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], [np.zeros(0)]
    for g in np.unique(group):
        members = np.flatnonzero(group == g)
        bound = _REACH_BOUNDS[min(g, len(_REACH_BOUNDS) - 1)]
        chord = 2 * np.sin(min(np.pi, bound / EARTH_RADIUS_KM) / 2) + 1e-12
        tree = cKDTree(_xyz(lat[members], lng[members]))
        pairs = tree.sparse_distance_matrix(requests, chord, output_type="ndarray")
        ks.append(members[pairs["i"]])
        is_.append(pairs["j"].astype(np.int64))
        ds.append(2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, pairs["v"] / 2)))
    return np.concatenate(ks), np.concatenate(is_), np.concatenate(ds)


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
    found = candidates(volunteers, requests, per_person=per_person)
    if not len(found.request):
        return []
    n = len(requests)
    capacity = np.array([max(0, v.capacity) for v in volunteers])
    first_column = np.concatenate([[0], np.cumsum(capacity)])
    urgencies = np.array([urgency(r) for r in requests])
    weight = _paired_weight(n) + found.score + urgencies[found.request]
    copies = capacity[found.volunteer]
    edge = np.repeat(np.arange(len(found.request)), copies)
    offset = np.arange(len(edge)) - np.repeat(np.cumsum(copies) - copies, copies)
    places = int(first_column[-1])
    # Rows are the places (fewer than the people, as a rule), columns the people, then one
    # "left empty" column per place, so that every row can be matched.
    rows = np.concatenate([first_column[found.volunteer[edge]] + offset, np.arange(places)])
    columns = np.concatenate([found.request[edge], n + np.arange(places)])
    weights = np.concatenate([weight[edge], np.full(places, _UNPAIRED)])
    graph = csr_array((weights, (rows, columns)), shape=(places, n + places))
    matched_rows, matched_columns = min_weight_full_bipartite_matching(graph, maximize=True)
    owner = np.searchsorted(first_column, np.arange(places), side="right") - 1
    proposals = []
    for row, i in zip(matched_rows.tolist(), matched_columns.tolist(), strict=True):
        if i >= n:
            continue
        volunteer, request = volunteers[int(owner[row])], requests[i]
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
