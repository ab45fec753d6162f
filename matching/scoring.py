"""The matcher's core: score a batch of residents against one candidate matrix.

Pure functions over numpy arrays, no ORM. Hard constraints are never traded against the
score: an infeasible pair gets its score lowered by a constant far larger than any score, so
`argpartition` keeps its speed (no -inf ties) and an infeasible pair can never enter a list.
Ties are broken by activity id so that runs are repeatable.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from activities.geo import EARTH_RADIUS_KM

ENGINE_VERSION = "1.0"
INFEASIBLE = 1.0e6
TOP_K = 20
DIVERSITY_TOP = 10
DIVERSITY_DECAY = 0.8  # each earlier pick of the same top category multiplies the score by this

# Attendance modes, in this order in `mode` arrays and `accepted_modes` bit masks.
MODES = ("in_person", "online", "mixed", "at_home", "phone")
IN_PERSON, ONLINE, MIXED, AT_HOME, PHONE = range(5)
REMOTE_REACH_MODES = (AT_HOME, PHONE)  # reach the resident where they live: need a service area

WEIGHTS = {
    "interest": 0.40,
    "distance": 0.20,
    "availability": 0.15,
    "social": 0.15,
    "freshness": 0.05,
    "popularity": 0.05,
}
LONELY_SCORE = 6  # UCLA 3-item score from which social value counts double


def unit_vectors(lat: np.ndarray, lng: np.ndarray) -> np.ndarray:
    """Points as 3-D unit vectors: great-circle distances become a matrix product."""
    phi, lmb = np.radians(lat), np.radians(lng)
    cos_phi = np.cos(phi)
    return np.stack([cos_phi * np.cos(lmb), cos_phi * np.sin(lmb), np.sin(phi)], axis=-1)


def popcount(values: np.ndarray) -> np.ndarray:
    return np.bitwise_count(values.astype(np.uint64)).astype(np.float32)


@dataclasses.dataclass
class Candidates:
    """M activities, one row each. Remote activities have NaN coordinates."""

    ids: np.ndarray  # int64
    xyz: np.ndarray  # (M, 3) float64, zeros for remote
    mode: np.ndarray  # int8 index in MODES
    step_free: np.ndarray  # bool: venue fully wheelchair accessible
    age_min: np.ndarray  # int16, 0 when none
    age_max: np.ndarray  # int16, 200 when none
    has_age_limits: np.ndarray  # bool
    audiences: np.ndarray  # int64 mask; the "everyone" bit means open to all
    languages: np.ndarray  # int64 mask
    price: np.ndarray  # float32: cheapest price, 0 when free
    slots: np.ndarray  # int64 weekly slots of upcoming sessions
    categories: np.ndarray  # (M, C) float32, 1 for each category and its parent
    top_category: np.ndarray  # int32 index of the main top category (diversity)
    social: np.ndarray  # float32 0..1: recurring, small group, peer/friendship programmes
    freshness: np.ndarray  # float32 0..1
    popularity: np.ndarray  # float32 0..1
    low_threshold: np.ndarray  # bool: free, low intensity, no registration needed
    service_territories: list[frozenset[int]]  # for at-home/phone: territory ids served
    free: np.ndarray  # bool

    def __len__(self) -> int:
        return len(self.ids)


@dataclasses.dataclass
class Residents:
    """R residents, one row each."""

    ids: np.ndarray  # int64 user ids
    xyz: np.ndarray  # (R, 3) coarse home
    has_home: np.ndarray  # bool
    territory: np.ndarray  # int64 home commune id, -1 when unknown
    reach_km: np.ndarray  # float32
    step_free: np.ndarray  # bool
    homebound: np.ndarray  # bool
    age: np.ndarray  # int16, -1 when unknown
    audiences: np.ndarray  # int64 mask (consented only)
    languages: np.ndarray  # int64 mask
    budget: np.ndarray  # float32, inf when none
    accepted_modes: np.ndarray  # int64 mask over MODES
    availability: np.ndarray  # int64 weekly slots mask
    interests: np.ndarray  # (R, C) float32 weights 0..1
    lonely: np.ndarray  # bool
    excluded: list[frozenset[int]]  # activity ids never to show (dismissed)
    boosted: list[frozenset[int]]  # activity ids saved or joined

    def __len__(self) -> int:
        return len(self.ids)


@dataclasses.dataclass(frozen=True)
class Recommendation:
    activity_id: int
    score: float
    reasons: list[dict]


def distances_km(residents: Residents, candidates: Candidates) -> np.ndarray:
    cos = np.clip(residents.xyz @ candidates.xyz.T, -1.0, 1.0)
    return (EARTH_RADIUS_KM * np.arccos(cos)).astype(np.float32)


def feasibility(
    residents: Residents, candidates: Candidates, distance: np.ndarray, everyone_bit: int
) -> np.ndarray:
    """(R, M) bool: every hard constraint holds."""
    mode = candidates.mode[None, :]
    in_person = (mode == IN_PERSON) | (mode == MIXED)
    online_ok = (residents.accepted_modes[:, None] >> ONLINE) & 1 == 1

    mode_ok = (residents.accepted_modes[:, None] >> candidates.mode[None, :].astype(np.int64)) & 1
    mode_ok = mode_ok == 1
    # A mixed activity can be followed online by a resident who accepts online.
    mode_ok |= (mode == MIXED) & online_ok

    within_reach = residents.has_home[:, None] & (distance <= residents.reach_km[:, None])
    venue_ok = within_reach & (~residents.step_free[:, None] | candidates.step_free[None, :])
    venue_ok &= ~residents.homebound[:, None]
    mixed_online = (mode == MIXED) & online_ok
    reach_ok = np.where(in_person, venue_ok | mixed_online, True)
    # At home and by phone: only where the activity serves the resident's commune.
    served = np.ones_like(reach_ok)
    for j in np.flatnonzero(np.isin(candidates.mode, REMOTE_REACH_MODES)):
        area = candidates.service_territories[j]
        served[:, j] = np.fromiter(
            (t in area for t in residents.territory), dtype=bool, count=len(residents)
        )
    reach_ok &= served

    age = residents.age[:, None]
    age_ok = np.where(
        age < 0,
        ~candidates.has_age_limits[None, :],
        (age >= candidates.age_min[None, :]) & (age <= candidates.age_max[None, :]),
    )
    audience_ok = ((candidates.audiences & everyone_bit) != 0)[None, :] | (
        (residents.audiences[:, None] & candidates.audiences[None, :]) != 0
    )
    language_ok = (residents.languages[:, None] & candidates.languages[None, :]) != 0
    budget_ok = candidates.price[None, :] <= residents.budget[:, None]
    has_slots = candidates.slots[None, :] != 0
    time_ok = ~has_slots | ((residents.availability[:, None] & candidates.slots[None, :]) != 0)

    feasible = mode_ok & reach_ok & age_ok & audience_ok & language_ok & budget_ok & time_ok
    for i, excluded in enumerate(residents.excluded):
        if excluded:
            feasible[i, np.isin(candidates.ids, list(excluded))] = False
    return feasible


def soft_scores(
    residents: Residents, candidates: Candidates, distance: np.ndarray
) -> dict[str, np.ndarray]:
    """(R, M) float32 components, each in 0..1."""
    weights = residents.interests
    norm = np.maximum(weights.sum(axis=1, keepdims=True), 1e-6)
    interest = (weights @ candidates.categories.T) / norm
    interest = np.minimum(interest * 2.0, 1.0)  # one strong shared interest is enough

    in_person = np.isin(candidates.mode, (IN_PERSON, MIXED))[None, :]
    reach = np.maximum(residents.reach_km[:, None], 0.2)
    nearness = np.where(in_person, np.exp(-distance / (0.5 * reach)), 0.5).astype(np.float32)

    overlap = popcount(residents.availability[:, None] & candidates.slots[None, :])
    offered = np.maximum(popcount(candidates.slots), 1.0)[None, :]
    availability = overlap / offered

    social = candidates.social[None, :] * np.where(residents.lonely, 1.0, 0.5)[:, None]
    return {
        "interest": interest.astype(np.float32),
        "distance": nearness,
        "availability": availability.astype(np.float32),
        "social": social.astype(np.float32),
        "freshness": np.broadcast_to(candidates.freshness[None, :], distance.shape),
        "popularity": np.broadcast_to(candidates.popularity[None, :], distance.shape),
    }


def combine(residents: Residents, candidates: Candidates, parts: dict[str, np.ndarray]):
    score = sum(WEIGHTS[name] * part for name, part in parts.items()).astype(np.float32)
    # No interests yet: popular, low-threshold activities near them come first.
    cold = residents.interests.sum(axis=1) == 0
    if cold.any():
        welcoming = 0.3 * candidates.low_threshold.astype(np.float32) + 0.3 * candidates.popularity
        score[cold] += welcoming[None, :]
    for i, boosted in enumerate(residents.boosted):
        if boosted:
            score[i, np.isin(candidates.ids, list(boosted))] += 0.1
    return score


def _reasons(
    i: int,
    j: int,
    residents: Residents,
    candidates: Candidates,
    parts: dict[str, np.ndarray],
    distance: np.ndarray,
    category_slugs: list[str],
) -> list[dict]:
    reasons: list[dict] = []
    if parts["interest"][i, j] > 0:
        shared = residents.interests[i] * candidates.categories[j]
        reasons.append(
            {"code": "interest", "params": {"category": category_slugs[int(shared.argmax())]}}
        )
    mode = int(candidates.mode[j])
    if mode in (IN_PERSON, MIXED) and residents.has_home[i]:
        reasons.append({"code": "near", "params": {"distance_km": round(float(distance[i, j]), 1)}})
        if residents.step_free[i]:
            reasons.append({"code": "step_free", "params": {}})
    elif mode in (AT_HOME, PHONE):
        reasons.append({"code": MODES[mode], "params": {}})
    elif mode == ONLINE:
        reasons.append({"code": "online", "params": {}})
    if parts["availability"][i, j] > 0 and residents.availability[i] != (1 << 21) - 1:
        reasons.append({"code": "fits_availability", "params": {}})
    if candidates.free[j]:
        reasons.append({"code": "free", "params": {}})
    if residents.lonely[i] and candidates.social[j] >= 0.5:
        reasons.append({"code": "social", "params": {}})
    if residents.interests[i].sum() == 0 and candidates.low_threshold[j]:
        reasons.append({"code": "welcoming", "params": {}})
    return reasons


def recommend(
    residents: Residents,
    candidates: Candidates,
    *,
    everyone_bit: int,
    category_slugs: list[str],
    k: int = TOP_K,
) -> list[list[Recommendation]]:
    """Each resident's top k feasible activities, diversified, with reasons."""
    if len(candidates) == 0 or len(residents) == 0:
        return [[] for _ in range(len(residents))]
    distance = distances_km(residents, candidates)
    feasible = feasibility(residents, candidates, distance, everyone_bit)
    parts = soft_scores(residents, candidates, distance)
    score = combine(residents, candidates, parts)
    score = np.where(feasible, score, score - INFEASIBLE)

    k = min(k, len(candidates))
    top = np.argpartition(-score, k - 1, axis=1)[:, :k]
    results = []
    for i in range(len(residents)):
        # Everything tied with the k-th score competes too, so ties go to the lowest id and
        # runs are repeatable whatever order argpartition leaves them in.
        kth = score[i, top[i]].min()
        tied = np.flatnonzero(score[i] >= kth)
        row = sorted(
            (j for j in tied if feasible[i, j]), key=lambda j: (-score[i, j], candidates.ids[j])
        )[:k]
        row = diversify(row, score[i], candidates.top_category)
        results.append(
            [
                Recommendation(
                    activity_id=int(candidates.ids[j]),
                    score=round(float(score[i, j]), 5),
                    reasons=_reasons(i, j, residents, candidates, parts, distance, category_slugs),
                )
                for j in row
            ]
        )
    return results


def diversify(row: list[int], scores: np.ndarray, top_category: np.ndarray) -> list[int]:
    """Greedy re-rank of the first DIVERSITY_TOP picks: each earlier pick of the same top
    category lowers an item's effective score, so the top ten are not ten choirs."""
    remaining = list(row)
    picked: list[int] = []
    seen: dict[int, int] = {}
    while remaining and len(picked) < DIVERSITY_TOP:
        best = max(
            remaining,
            key=lambda j: scores[j] * DIVERSITY_DECAY ** seen.get(int(top_category[j]), 0),
        )
        picked.append(best)
        remaining.remove(best)
        seen[int(top_category[best])] = seen.get(int(top_category[best]), 0) + 1
    return picked + remaining


BATCH_SIZE = 256  # residents scored together against one candidate matrix


def _subset(candidates: Candidates, keep: np.ndarray) -> Candidates:
    fields = {}
    for field in dataclasses.fields(Candidates):
        value = getattr(candidates, field.name)
        if isinstance(value, list):
            fields[field.name] = [value[j] for j in np.flatnonzero(keep)]
        else:
            fields[field.name] = value[keep]
    return Candidates(**fields)


def _subset_residents(residents: Residents, rows: np.ndarray) -> Residents:
    fields = {}
    for field in dataclasses.fields(Residents):
        value = getattr(residents, field.name)
        fields[field.name] = [value[i] for i in rows] if isinstance(value, list) else value[rows]
    return Residents(**fields)


def recommend_batched(
    residents: Residents,
    candidates: Candidates,
    *,
    everyone_bit: int,
    category_slugs: list[str],
    k: int = TOP_K,
    batch_size: int = BATCH_SIZE,
) -> list[list[Recommendation]]:
    """`recommend` for any number of residents: neighbours are batched together (sorted along
    a space-filling order of their homes), and each batch is scored only against the venues
    within reach of some member plus every activity without a venue. Same results as
    `recommend`, in a fraction of the time and memory."""
    results: list[list[Recommendation]] = [[] for _ in range(len(residents))]
    if len(residents) == 0:
        return results
    # Mixed activities can be followed online from anywhere: they stay in every batch.
    venue = candidates.mode == IN_PERSON
    order = np.lexsort((residents.xyz[:, 1].round(2), residents.xyz[:, 2].round(2)))
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        batch = _subset_residents(residents, rows)
        homes = batch.xyz[batch.has_home & ~batch.homebound]
        reachable = ~venue
        if len(homes):
            # Venues within (spread of the homes + longest reach) of the batch's centre.
            centre = homes.sum(axis=0)
            centre /= np.linalg.norm(centre) or 1.0
            spread = float(np.arccos(np.clip(homes @ centre, -1.0, 1.0)).max())
            angle = spread + float(batch.reach_km.max()) / EARTH_RADIUS_KM
            near = candidates.xyz[venue] @ centre >= np.cos(min(angle * 1.001, np.pi))
            reachable = reachable.copy()
            reachable[np.flatnonzero(venue)[near]] = True
        subset = _subset(candidates, reachable)
        for row, items in zip(
            rows,
            recommend(batch, subset, everyone_bit=everyone_bit, category_slugs=category_slugs, k=k),
            strict=True,
        ):
            results[row] = items
    return results
