"""The matcher's core: each resident's top k feasible activities, diversified, with reasons.

Pure functions over numpy arrays, no ORM. Two engines give the same lists:

- `recommend` is the reference: every pair scored exactly (float64, `pair_scores`), written
  to be read. Hard constraints are never traded against the score.
- `recommend_batched` is the production engine. Residents are grouped by reach band and by
  adaptive H3 cell; a batch is scored only against the venues within its cover (the mixed
  ones alone for residents who can only follow online), each service area's residents
  against its at-home and phone activities, and the online activities (and mixed ones
  followed online) by shared interest category. Where there are many (a city's venues, the
  country's online activities), they are scored in order of their ceiling, the most a pair
  can score (a city's venues sharing an interest all at once), and each resident stops as
  soon as nothing left could enter their list. Scores are float32 matrix products
  (distances as dot products of unit vectors, hard constraints as products of 0/1
  matrices), an infeasible pair lowered by a constant larger than any score, so that a
  partition keeps its speed and an infeasible pair never enters a list. Each resident keeps
  a shortlist a little longer than k, whose head is rescored exactly with `pair_scores` (a
  shortlist too crowded to tell is redone wider): lists, scores and reasons are the
  reference's. Ties are broken by activity id, so runs are repeatable.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import heapq
import itertools
from typing import NamedTuple

import h3
import numpy as np

from activities.geo import EARTH_RADIUS_KM
from matching.arrays import locate

ENGINE_VERSION = "1.0"
TOP_K = 20
DIVERSITY_TOP = 10
DIVERSITY_DECAY = 0.8  # each earlier pick of the same top category multiplies the score by this

# Attendance modes, in this order in `mode` arrays and `accepted_modes` bit masks.
MODES = ("in_person", "online", "mixed", "at_home", "phone")
IN_PERSON, ONLINE, MIXED, AT_HOME, PHONE = range(5)
REMOTE_REACH_MODES = (AT_HOME, PHONE)  # reach the resident where they live: need a service area
VENUE_MODES = (IN_PERSON, MIXED)

WEIGHTS = {
    "interest": 0.40,
    "distance": 0.20,
    "availability": 0.15,
    "social": 0.15,
    "freshness": 0.05,
    "popularity": 0.05,
}
LONELY_SCORE = 6  # UCLA 3-item score from which social value counts double
NO_VENUE_NEARNESS = 0.5  # nearness of an activity without a venue
MIN_DECAY_REACH_KM = 0.2  # nearness decays over half the reach, never over less than this
COLD_START = 0.3  # weight of low threshold and of popularity for residents without interests
BOOST = 0.1  # saved or joined
ALL_SLOTS = (1 << 21) - 1  # bit (weekday * 3 + part of day)


def unit_vectors(lat: np.ndarray, lng: np.ndarray) -> np.ndarray:
    """Points as 3-D unit vectors: great-circle distances become a matrix product."""
    phi, lmb = np.radians(lat), np.radians(lng)
    cos_phi = np.cos(phi)
    return np.stack([cos_phi * np.cos(lmb), cos_phi * np.sin(lmb), np.sin(phi)], axis=-1)


def latlng(xyz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Degrees of latitude and longitude of 3-D unit vectors."""
    lat = np.degrees(np.arcsin(np.clip(xyz[..., 2], -1.0, 1.0)))
    return lat, np.degrees(np.arctan2(xyz[..., 1], xyz[..., 0]))


def popcount(values: np.ndarray) -> np.ndarray:
    return np.bitwise_count(values.astype(np.uint64)).astype(np.float64)


@dataclasses.dataclass
class Candidates:
    """M activities, one row each. Activities without a venue have zero coordinates."""

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


class Recommendation(NamedTuple):
    """One listed activity. Items with the same reasons share them: treat them as read-only."""

    activity_id: int
    score: float
    reasons: tuple[dict, ...]


_new_recommendation = functools.partial(tuple.__new__, Recommendation)  # from a 3-tuple, in C


# --- The reference: exact scores of pairs -------------------------------------------------


class PairSet:
    """A set of (a, b) pairs of small non-negative integers, as sorted int64 keys, so that
    membership of many pairs at once is a binary search."""

    def __init__(self, a: np.ndarray, b: np.ndarray) -> None:
        self.keys = distinct(_pair_key(np.asarray(a), np.asarray(b)))

    def contains(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Membership of every (a, b), for arrays that broadcast together."""
        return locate(self.keys, _pair_key(a, b))[1]

    def pairs_of(self, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(position in a, b) of every stored pair whose first element is in a."""
        if not len(self.keys):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        first = a.astype(np.int64) << 32
        start = np.searchsorted(self.keys, first)
        count = np.searchsorted(self.keys, first + (1 << 32)) - start
        which = np.repeat(np.arange(len(a)), count)
        at = np.arange(count.sum()) + np.repeat(start - (np.cumsum(count) - count), count)
        return which, self.keys[at] & 0xFFFFFFFF


def distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values (np.unique, by sorting: its hash table is slower here)."""
    values = np.sort(values, kind="stable")  # stable: merges already sorted runs fast
    first = np.ones(len(values), dtype=bool)
    first[1:] = values[1:] != values[:-1]
    return values[first]


def _positions(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values, and the position of each value among them."""
    unique = distinct(values)
    return unique, np.searchsorted(unique, values)


def _pair_key(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a.astype(np.int64) << 32) | b.astype(np.int64)


@dataclasses.dataclass(frozen=True)
class ServiceAreas:
    """Which communes each at-home or phone activity serves. Activities often share an area
    (a département, a city), so each distinct area is stored once."""

    area_of: np.ndarray  # (M,) int64 area number, -1 for none
    covers: PairSet  # (area, territory id + 1)
    serving: PairSet  # (territory id + 1, area)
    members: PairSet  # (area, column)

    @classmethod
    def of(cls, candidates: Candidates) -> ServiceAreas:
        remote = np.flatnonzero(np.isin(candidates.mode, REMOTE_REACH_MODES))
        number: dict[frozenset[int], int] = {}
        area_of = np.full(len(candidates), -1, dtype=np.int64)
        area_of[remote] = [
            number.setdefault(candidates.service_territories[j], len(number)) for j in remote
        ]
        areas = np.repeat(np.arange(len(number)), [len(area) for area in number])
        territories = np.fromiter(itertools.chain.from_iterable(number), dtype=np.int64) + 1
        return cls(
            area_of=area_of,
            covers=PairSet(areas, territories),
            serving=PairSet(territories, areas),
            members=PairSet(area_of[remote], remote),
        )

    def serves(self, cols: np.ndarray, territory: np.ndarray) -> np.ndarray:
        return self.covers.contains(self.area_of[cols], territory + 1)

    def blocks(self, territory: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """(resident rows, columns) per service area: the residents of its communes and the
        activities serving exactly it. Every served pair is in one block, and only those."""
        rows, areas = self.serving.pairs_of(territory + 1)
        if not len(rows):
            return []
        order = np.argsort(areas, kind="stable")
        rows, areas = rows[order], areas[order]
        starts = np.flatnonzero(np.concatenate([[True], areas[1:] != areas[:-1]]))
        ends = np.append(starts[1:], len(areas))
        _which, cols = self.members.pairs_of(areas[starts])
        col_starts = np.searchsorted(_which, np.arange(len(starts)))
        col_ends = np.append(col_starts[1:], len(cols))
        return [
            (rows[a:b], cols[c:d])
            for a, b, c, d in zip(starts, ends, col_starts, col_ends, strict=True)
        ]


@dataclasses.dataclass(frozen=True)
class Lookups:
    """What pairs need beyond the two tables, built once per call: service areas, which
    activities each resident dismissed or boosted (by row and column), each activity's
    category columns, and the order of the activity ids."""

    areas: ServiceAreas
    excluded: PairSet  # (resident row, column)
    boosted: PairSet  # (resident row, column)
    category_columns: np.ndarray  # (M, W) int: each activity's category columns, C-padded
    weights: np.ndarray  # (R, C + 1) float32 interest weights, the padding column C zero
    interest_norm: np.ndarray  # (R,) float64 sum of the weights (at least 1e-6)
    cold: np.ndarray  # (R,) bool: no interest given yet
    id_rank: np.ndarray  # (M,) int64: rank of each activity id (ties go to the lowest)
    by_rank: np.ndarray  # (M,) int64: column of each id rank

    @classmethod
    def build(
        cls,
        residents: Residents,
        candidates: Candidates,
        *,
        prepared: Prepared | None = None,
        terms: ResidentTerms | None = None,
    ) -> Lookups:
        """`prepared`: the candidates' `Prepared`, when the caller has it; `terms`: the
        residents' `ResidentTerms`, when the caller keeps them."""
        if prepared is None:
            by_rank, id_rank = _id_ranks(candidates.ids)
            areas = ServiceAreas.of(candidates)
            category_columns = _category_columns(candidates.categories)
        else:
            by_rank, id_rank = prepared.by_rank, prepared.id_rank
            areas, category_columns = prepared.areas, prepared.category_columns
        terms = terms or ResidentTerms.of(residents)
        return cls(
            areas=areas,
            excluded=terms.excluded.pairs(candidates.ids, by_rank),
            boosted=terms.boosted.pairs(candidates.ids, by_rank),
            category_columns=category_columns,
            weights=terms.weights,
            interest_norm=terms.norm,
            cold=terms.cold,
            id_rank=id_rank,
            by_rank=by_rank,
        )


@dataclasses.dataclass(frozen=True)
class Listed:
    """The activities listed in one set per resident (dismissed, or saved and joined), as
    (resident row, activity id) pairs ordered by row."""

    rows: np.ndarray  # int64
    ids: np.ndarray  # int64

    @classmethod
    def of(cls, sets: list[frozenset[int]]) -> Listed:
        sizes = np.fromiter(map(len, sets), dtype=np.int64, count=len(sets))
        rows = np.flatnonzero(sizes)
        listed = [np.fromiter(sets[n], dtype=np.int64) for n in rows.tolist()]
        ids = np.concatenate(listed) if listed else np.zeros(0, dtype=np.int64)
        return cls(np.repeat(rows, sizes[rows]), ids)

    def at(self, rows: np.ndarray) -> Listed:
        """The pairs of these rows (ascending), renumbered as the rows' positions."""
        at, kept = locate(rows, self.rows)
        return Listed(at[kept], self.ids[kept])

    def pairs(self, ids: np.ndarray, by_rank: np.ndarray) -> PairSet:
        """(resident row, column) of each listed activity that is among these candidates."""
        at, found = locate(ids[by_rank], self.ids)
        return PairSet(self.rows[found], by_rank[at[found]])


@dataclasses.dataclass(frozen=True)
class ResidentTerms:
    """The residents' side of the lookups, which depends on nothing else: a process that
    keeps a table of residents can keep these (for 100,000 residents they cost more than
    scoring one activity against all of them)."""

    weights: np.ndarray  # (R, C + 1) float32 interest weights, the padding column C zero
    norm: np.ndarray  # (R,) float64 sum of the weights (at least 1e-6)
    cold: np.ndarray  # (R,) bool: no interest given yet
    excluded: Listed
    boosted: Listed

    @classmethod
    def of(cls, residents: Residents) -> ResidentTerms:
        weights = np.pad(residents.interests.astype(np.float32), ((0, 0), (0, 1)))
        # Summed in column order, as a loop over the weights adds them.
        total = np.zeros(len(weights))
        for column in weights.T:
            total += column
        return cls(
            weights,
            np.maximum(total, 1e-6),
            ~np.any(weights, axis=1),
            Listed.of(residents.excluded),
            Listed.of(residents.boosted),
        )

    def at(self, rows: np.ndarray) -> ResidentTerms:
        """The terms of these residents' rows (ascending)."""
        return ResidentTerms(
            self.weights[rows],
            self.norm[rows],
            self.cold[rows],
            self.excluded.at(rows),
            self.boosted.at(rows),
        )


def _id_ranks(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The column of each id rank, and the rank of each column's id (ties to the lowest)."""
    by_rank = np.argsort(ids, kind="stable")
    id_rank = np.empty_like(by_rank)
    id_rank[by_rank] = np.arange(len(by_rank))
    return by_rank, id_rank


def _category_columns(categories: np.ndarray) -> np.ndarray:
    """(M, W) the category columns of each activity in ascending order, padded with C."""
    rows, cols = np.nonzero(categories != 0)
    count = np.bincount(rows, minlength=len(categories))
    out = np.full((len(categories), max(int(count.max(initial=0)), 1)), categories.shape[1])
    starts = np.cumsum(count) - count
    out[rows, np.arange(len(rows)) - starts[rows]] = cols
    return out


class PairScores(NamedTuple):
    """Arrays of the same shape, one entry per pair."""

    score: np.ndarray  # float64
    feasible: np.ndarray  # bool: every hard constraint holds
    distance: np.ndarray  # km, float64
    interest: np.ndarray  # 0..1
    availability: np.ndarray  # 0..1


def pair_scores(
    residents: Residents,
    candidates: Candidates,
    rows: np.ndarray,
    cols: np.ndarray,
    *,
    everyone_bit: int,
    lookups: Lookups,
) -> PairScores:
    """Exact score and hard constraints of the pairs (resident rows, candidate columns), for
    index arrays that broadcast together. Float64, in the order a plain loop adds them: this
    is the definition the fast engine reproduces."""
    r, c = residents, candidates
    mode = c.mode[cols].astype(np.int64)
    accepted = r.accepted_modes[rows]
    online_ok = (accepted >> ONLINE) & 1 == 1
    mixed = mode == MIXED
    mode_ok = ((accepted >> mode) & 1 == 1) | (mixed & online_ok)

    dot = (
        r.xyz[:, 0][rows] * c.xyz[:, 0][cols]
        + r.xyz[:, 1][rows] * c.xyz[:, 1][cols]
        + r.xyz[:, 2][rows] * c.xyz[:, 2][cols]
    )
    distance = EARTH_RADIUS_KM * np.arccos(np.clip(dot, -1.0, 1.0))
    reach = r.reach_km[rows].astype(np.float64)
    venue = (mode == IN_PERSON) | mixed
    venue_ok = r.has_home[rows] & (distance <= reach) & ~r.homebound[rows]
    venue_ok &= ~r.step_free[rows] | c.step_free[cols]
    reach_ok = ~venue | venue_ok | (mixed & online_ok)
    # At home and by phone: only where the activity serves the resident's commune.
    remote = (mode == AT_HOME) | (mode == PHONE)
    reach_ok &= ~remote | lookups.areas.serves(cols, r.territory[rows])

    age = r.age[rows]
    age_ok = np.where(
        age < 0, ~c.has_age_limits[cols], (age >= c.age_min[cols]) & (age <= c.age_max[cols])
    )
    audience_ok = (c.audiences[cols] & everyone_bit != 0) | (
        c.audiences[cols] & r.audiences[rows] != 0
    )
    language_ok = c.languages[cols] & r.languages[rows] != 0
    budget_ok = c.price[cols] <= r.budget[rows]
    slots = c.slots[cols]
    overlap = slots & r.availability[rows]
    time_ok = (slots == 0) | (overlap != 0)
    feasible = mode_ok & reach_ok & age_ok & audience_ok & language_ok & budget_ok & time_ok
    feasible &= ~lookups.excluded.contains(rows, cols)

    shared = np.zeros(np.broadcast_shapes(np.shape(rows), np.shape(cols)))
    for n in range(lookups.category_columns.shape[1]):
        shared = shared + lookups.weights[rows, lookups.category_columns[cols, n]]
    norm = lookups.interest_norm[rows]
    interest = np.minimum(2.0 * shared / norm, 1.0)
    decay = 0.5 * np.maximum(reach, MIN_DECAY_REACH_KM)
    nearness = np.where(venue, np.exp(-distance / decay), NO_VENUE_NEARNESS)
    offered = np.maximum(popcount(slots), 1.0)
    shared_slots = popcount(overlap)
    social_factor = np.where(r.lonely[rows], 1.0, 0.5)
    popularity = c.popularity[cols].astype(np.float64)
    score = (
        WEIGHTS["interest"] * interest
        + WEIGHTS["distance"] * nearness
        + WEIGHTS["availability"] * shared_slots / offered
        + WEIGHTS["social"] * c.social[cols].astype(np.float64) * social_factor
        + WEIGHTS["freshness"] * c.freshness[cols].astype(np.float64)
        + WEIGHTS["popularity"] * popularity
    )
    # No interests yet: popular, low-threshold activities near them come first.
    cold = lookups.cold[rows]
    score = score + np.where(cold, COLD_START * c.low_threshold[cols] + COLD_START * popularity, 0)
    score = score + np.where(lookups.boosted.contains(rows, cols), BOOST, 0.0)
    return PairScores(score, feasible, distance, interest, shared_slots / offered)


def recommend(
    residents: Residents,
    candidates: Candidates,
    *,
    everyone_bit: int,
    category_slugs: list[str],
    k: int = TOP_K,
) -> list[list[Recommendation]]:
    """Each resident's top k feasible activities, diversified, with reasons: every pair
    scored exactly. The reference for `recommend_batched`; fine for a few residents."""
    if len(candidates) == 0 or len(residents) == 0:
        return [[] for _ in range(len(residents))]
    lookups = Lookups.build(residents, candidates)
    cols = np.arange(len(candidates))
    chunk = max(1, 2_000_000 // len(candidates))
    chosen, exact = [], []
    for start in range(0, len(residents), chunk):
        rows = np.arange(start, min(start + chunk, len(residents)))
        grid = np.broadcast_to(cols, (len(rows), len(cols)))
        best, best_scores = _best_of_pairs(
            residents, candidates, rows, grid, everyone_bit=everyone_bit, lookups=lookups, k=k
        )
        chosen.append(best)
        exact.append(best_scores)
    exact = PairScores(*(np.concatenate(field) for field in zip(*exact, strict=True)))
    lists = _finish(residents, candidates, np.concatenate(chosen), exact, lookups=lookups)
    return recommendations(lists, category_slugs)


def recommend_among(
    residents: Residents,
    candidates: Candidates,
    columns: np.ndarray,
    *,
    everyone_bit: int,
    category_slugs: list[str],
    k: int = TOP_K,
) -> list[list[Recommendation]]:
    """`recommend` with each resident's own candidates: row n of `columns` (R, W) holds the
    candidate columns resident n is scored against, padded with -1. Where they hold the
    resident's top k of the whole directory (a list computed against it, plus the one
    activity that changed since), the list is the one `recommend` gives against the whole
    directory: same scores, ties, diversity and reasons, for W pairs a resident."""
    lists = lists_among(residents, candidates, columns, everyone_bit=everyone_bit, k=k)
    return recommendations(lists, category_slugs)


def lists_among(
    residents: Residents, candidates: Candidates, columns: np.ndarray, *, everyone_bit: int,
    k: int = TOP_K,
) -> Lists:  # fmt: skip
    """`recommend_among`'s lists as arrays."""
    if len(candidates) == 0 or len(residents) == 0:
        return Lists.empty(len(residents))
    lookups = Lookups.build(residents, candidates)
    rows = np.arange(len(residents))
    chosen, exact = _best_of_pairs(
        residents, candidates, rows, columns, everyone_bit=everyone_bit, lookups=lookups, k=k
    )
    return _finish(residents, candidates, chosen, exact, lookups=lookups)


def _best_of_pairs(
    residents, candidates, rows, columns, *, everyone_bit, lookups, k
) -> tuple[np.ndarray, PairScores]:
    """Each of these rows' k best feasible columns of its own row of `columns` (-1 padded,
    as are the results) and their exact scores."""
    scores = pair_scores(
        residents, candidates, rows[:, None], np.maximum(columns, 0), everyone_bit=everyone_bit,
        lookups=lookups,
    )  # fmt: skip
    return _best_exact(scores, columns, lookups, k)


def _best_exact(
    exact: PairScores, cols: np.ndarray, lookups: Lookups, k: int
) -> tuple[np.ndarray, PairScores]:
    """Each row's k best feasible pairs (by score, then lowest id): their columns (-1
    padded) and their scores."""
    score = np.where(exact.feasible & (cols >= 0), exact.score, -np.inf)
    rank = lookups.id_rank[np.maximum(cols, 0)]
    order = np.lexsort((rank, -score), axis=1)[:, :k]
    missing = k - order.shape[1]
    order = np.pad(order, ((0, 0), (0, missing)))
    best_score = np.take_along_axis(score, order, axis=1)
    best_score[:, k - missing :] = -np.inf
    best = np.where(best_score > -np.inf, np.take_along_axis(cols, order, axis=1), -1)
    chosen = PairScores(
        *(np.take_along_axis(np.broadcast_to(field, score.shape), order, axis=1) for field in exact)
    )
    return best, chosen


# --- Diversity and reasons, for the k chosen ------------------------------------------------


def diversify(scores: np.ndarray, top_category: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Greedy re-rank of the first DIVERSITY_TOP items of each row (rows sorted best first,
    the first `count` items real): each earlier pick of the same top category multiplies an
    item's score by DIVERSITY_DECAY, so the top ten are not ten choirs. Returns each row's new
    order of columns; the items not picked keep their order after the picks."""
    n, k = scores.shape
    decay = np.array([DIVERSITY_DECAY**p for p in range(k + 1)])
    everyone = np.arange(n)
    position = np.broadcast_to(np.arange(k) + k, (n, k)).copy()
    open_ = np.arange(k)[None, :] < count[:, None]
    seen = np.zeros((n, k), dtype=np.int64)
    for step in range(min(DIVERSITY_TOP, k)):
        effective = np.where(open_, scores * decay[seen], -np.inf)
        best = effective.argmax(axis=1)  # the first of equals: the better ranked
        rows = everyone[step < count]
        picked = best[rows]
        position[rows, picked] = step
        open_[rows, picked] = False
        seen[rows] += top_category[rows] == top_category[rows, picked][:, None]
    return np.argsort(position, axis=1)


FINISH_CHUNK = 4096  # residents listed together: the temporaries are reused
OTHER_REASONS = ("fits_availability", "free", "social", "welcoming")
_ACCESS_BITS = 20  # (tenths of km + 1) x 2 + 1 fits below 2**20 up to 52,000 km
_INTEREST_SHIFT = _ACCESS_BITS + 4


class Lists(NamedTuple):
    """Each resident's list, best first, as arrays: what the engines compute before any
    Python object is built (`recommendations` builds them; a full refresh stores the arrays).

    An item's reasons are one integer, its reason key: (interest << 24) + (access + 5) * 16 +
    others, where interest is 0 for none, else the shared category with the strongest weight
    (its column + 1 here, its id once stored: `with_category_ids`); access is 2 x (tenths of
    km + 1) + step-free for a venue, -1 - mode for an activity reaching the resident where
    they are, 0 for none; others are bits of OTHER_REASONS (`reason_parts`, `reasons_of`)."""

    ids: np.ndarray  # (R, k) int64 activity ids, -1 after `count`
    scores: np.ndarray  # (R, k) float64, rounded to 5 decimals
    keys: np.ndarray  # (R, k) int64 reason keys
    count: np.ndarray  # (R,) int64 items in each list

    @classmethod
    def empty(cls, n: int) -> Lists:
        """n empty lists."""
        nothing = np.zeros((n, 0), dtype=np.int64)
        return cls(nothing, nothing.astype(np.float64), nothing, np.zeros(n, dtype=np.int64))

    def rows(self):
        """Each list's ids, scores and reason keys, as Python lists."""
        for ids, scores, keys, n in zip(
            self.ids.tolist(), self.scores.tolist(), self.keys.tolist(), self.count.tolist(),
            strict=True,
        ):  # fmt: skip
            yield ids[:n], scores[:n], keys[:n]

    def take(self, rows: np.ndarray) -> Lists:
        return Lists(*(field[rows] for field in self))

    def with_category_ids(self, ids_by_column: np.ndarray) -> Lists:
        """The lists with each reason key's interest given as a category id (`ids_by_column`:
        the id of each category column), as stored: columns move when categories do."""
        interest = np.concatenate([[0], ids_by_column]).astype(np.int64)[
            self.keys >> _INTEREST_SHIFT
        ]
        rest = self.keys & ((1 << _INTEREST_SHIFT) - 1)
        return self._replace(keys=(interest << _INTEREST_SHIFT) + rest)


def reason_parts(key: int) -> tuple[int, int, int]:
    """(interest, access, others) of a reason key (see `Lists`)."""
    rest, others = divmod(key, 16)
    interest, access = divmod(rest, 1 << _ACCESS_BITS)
    return interest, access - len(MODES), others


def reasons_of(category: str | None, access: int, others: int) -> tuple[dict, ...]:
    """An item's reasons, from the parts of its key (the interest as its category's slug)."""
    interest = ({"code": "interest", "params": {"category": category}},) if category else ()
    return interest + _access_reasons(access) + _other_reasons[others]


def _reason_keys(residents: Residents, candidates: Candidates, rows, cols, exact, lookups):
    """Each item's reason key (see `Lists`)."""
    r, c = residents, candidates
    weights = np.concatenate([r.interests, np.full((len(r), 1), -1.0, np.float32)], axis=1)
    columns = lookups.category_columns[cols]
    strongest = weights[rows[..., None], columns].argmax(axis=-1)[..., None]
    shared = np.take_along_axis(columns, strongest, axis=-1)[..., 0]
    interest = np.where(exact.interest > 0, shared + 1, 0)
    mode = c.mode[cols].astype(np.int64)
    near = np.isin(mode, VENUE_MODES) & r.has_home[rows]
    tenths = np.rint(exact.distance * 10).astype(np.int64) + 1
    remote = np.isin(mode, (ONLINE, *REMOTE_REACH_MODES))
    access = np.where(near, 2 * tenths + r.step_free[rows], np.where(remote, -1 - mode, 0))
    others = (
        ((exact.availability > 0) & (r.availability[rows] != ALL_SLOTS)) * 1
        + c.free[cols] * 2
        + (r.lonely[rows] & (c.social[cols] >= 0.5)) * 4
        + (lookups.cold[rows] & c.low_threshold[cols]) * 8
    )
    return ((interest << _ACCESS_BITS) + access + len(MODES)) * 16 + others


@functools.cache
def _access_reasons(access: int) -> tuple[dict, ...]:
    if access > 0:
        tenths, step_free = divmod(access, 2)
        near = {"code": "near", "params": {"distance_km": (tenths - 1) / 10}}
        return (near, {"code": "step_free", "params": {}}) if step_free else (near,)
    if access < 0:
        return ({"code": MODES[-1 - access], "params": {}},)
    return ()


_other_reasons = [
    tuple({"code": name, "params": {}} for n, name in enumerate(OTHER_REASONS) if bits >> n & 1)
    for bits in range(1 << len(OTHER_REASONS))
]


def _reason_book(category_slugs: list[str]) -> _Built:
    """Reasons by key (see `Lists`, interests by column), each built once."""

    def build(key: int) -> tuple[dict, ...]:
        interest, access, others = reason_parts(key)
        return reasons_of(category_slugs[interest - 1] if interest else None, access, others)

    return _Built(build)


def _finish(
    residents: Residents,
    candidates: Candidates,
    chosen: np.ndarray,
    exact: PairScores,
    *,
    lookups: Lookups,
) -> Lists:
    """The lists from each row's chosen columns (best first, -1 padded) and their exact
    scores: diversity re-rank and reason keys, for these k pairs only. Rows go in chunks, so
    that the temporaries are reused."""
    parts = []
    for start in range(0, len(residents), FINISH_CHUNK):
        part = slice(start, start + FINISH_CHUNK)
        rows = np.arange(len(residents))[part, None]
        count = (chosen[part] >= 0).sum(axis=1)
        cols = np.maximum(chosen[part], 0)
        order = diversify(exact.score[part], candidates.top_category[cols], count)
        cols = np.take_along_axis(cols, order, axis=1)
        scores = PairScores(*(np.take_along_axis(a[part], order, axis=1) for a in exact))
        listed = np.arange(cols.shape[1]) < count[:, None]
        parts.append(
            Lists(
                np.where(listed, candidates.ids[cols], -1),
                np.where(listed, np.round(scores.score, 5), 0.0),
                np.where(
                    listed, _reason_keys(residents, candidates, rows, cols, scores, lookups), 0
                ),
                count,
            )
        )
    if not parts:
        return Lists.empty(0)
    return Lists(*(np.concatenate(field) for field in zip(*parts, strict=True)))


def recommendations(lists: Lists, category_slugs: list[str]) -> list[list[Recommendation]]:
    """The lists as Recommendation objects, reasons built from their keys (interests by
    column: `category_slugs`). Equal reasons are built once and shared."""
    reasons = _reason_book(category_slugs)
    results: list[list[Recommendation]] = []
    with cycle_collector_paused():
        for ids, scores, keys in lists.rows():
            items = zip(ids, scores, map(reasons.__getitem__, keys), strict=True)
            results.append(list(map(_new_recommendation, items)))
    return results


class _Built(dict):
    """A dict that builds a missing value with `build` and keeps it."""

    def __init__(self, build) -> None:
        super().__init__()
        self.build = build

    def __missing__(self, key):
        value = self[key] = self.build(key)
        return value


@contextlib.contextmanager
def cycle_collector_paused():
    """Millions of small acyclic objects are built at once: without this, the cycle
    collector rescans them all every few hundred allocations (3x slower). Nested pauses are
    one."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# --- The batch engine ----------------------------------------------------------------------

BATCH_SIZE = 256  # residents scored together against one candidate matrix, at most
CELL_SIZE = 64  # H3 cells are split while they hold more residents: smaller pools of venues
COLUMN_CHUNK = 2048  # candidates per matrix product: the temporaries stay in cache
GROUP = 8  # columns per group when picking a wide block's best
INFEASIBLE = 8.0  # lowers an infeasible pair's float32 score below every feasible one (< 2)
SHORTLIST_MARGIN = 12  # items kept beyond k, so that float32 rounding never decides a list
RESCORE_SLACK = 1e-4  # float32 scores are within 1e-5 of the exact ones
PACK_PAIRS = 5_000  # scoring this many pairs costs about as much as one more block
DENSE_REMOTE_PAIRS = 1 << 18  # below this, score every remote pair: blocks would cost more
CHOOSE_CHUNK = 4096  # residents rescored together: the temporaries are reused
WIDE_POOL = 2048  # venues from which a batch's pool is scored by interest, the rest bounded
WIDE_BATCHES = 4  # batches of residents with a wide pool scored as one (see `_packed`)
STREAM_FIRST = 64  # columns in a bounded stream's first chunk; each next chunk is twice as wide
CEILING_SLACK = 1e-6  # covers the order in which float64 bounds and exact scores are added
COARSE_CELL_RESOLUTION = 3  # H3, edge ~69 km
FINE_CELL_RESOLUTION = 9  # H3, edge ~0.2 km: residents in one such cell are not split further
REACH_BANDS_KM = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0)  # upper edges: short reaches, small pools
GRID_DEGREES = 0.1  # latitude rows of the venue index
SPATIAL, GLOBAL = "spatial", "global"  # routes: venues and services nearby; online ones
# Feasibility is a product of 0/1 matrices: four categorical checks (access, language,
# audience, age) count 32 each when they pass, then the shared weekly slots (or 1 for an
# activity without slots) count 1 each, at most 22: feasible means at least 129. The budget
# is compared on its own (the residents' budgets are not the candidates' to know).
_CHECK = 32.0
_FEASIBLE_AT = 4 * _CHECK + 1
_N_ACCESS = 2 * len(MODES)  # mode x fully step-free venue
_EMPTY = np.iinfo(np.int64).min


def h3_parent(cells: np.ndarray, resolution: int) -> np.ndarray:
    """The parents at `resolution` of finer H3 cells (uint64), as h3.cell_to_parent computes
    them, on the bits of the index: the resolution field, then every finer digit set to 7."""
    resolution_field = np.uint64(0xF << 52)
    finer_digits = np.uint64((1 << (3 * (15 - resolution))) - 1)
    return (cells & ~resolution_field) | np.uint64(resolution << 52) | finer_digits


def spatial_batches(
    residents: Residents, size: int = CELL_SIZE, rows: np.ndarray | None = None
) -> list[np.ndarray]:
    """Rows of residents (all, or the given `rows`) grouped by reach band (a group's pool of
    venues is as wide as its longest reach), then by H3 cell: coarse cells, split while they
    hold more than `size` residents. Groups come in order of band, then cell."""
    rows = np.arange(len(residents)) if rows is None else np.asarray(rows, dtype=np.int64)
    if not len(rows):
        return []
    lat, lng = latlng(residents.xyz[rows])
    cells = np.array(
        [
            h3.api.basic_int.latlng_to_cell(a, b, FINE_CELL_RESOLUTION)
            for a, b in zip(lat.tolist(), lng.tolist(), strict=True)
        ],
        dtype=np.uint64,
    )
    band = np.searchsorted(REACH_BANDS_KM, residents.reach_km[rows])
    at = np.arange(len(rows))  # positions in `rows`
    groups: list[np.ndarray] = []
    for resolution in range(COARSE_CELL_RESOLUTION, FINE_CELL_RESOLUTION + 1):
        parent = h3_parent(cells[at], resolution)
        order = np.lexsort((parent, band[at]))
        at, parent = at[order], parent[order]
        starts = np.flatnonzero(
            np.concatenate([[True], (parent[1:] != parent[:-1]) | (np.diff(band[at]) != 0)])
        )
        sizes = np.diff(np.append(starts, len(at)))
        split = sizes > size
        if resolution == FINE_CELL_RESOLUTION:
            split[:] = False
        for start, count in zip(starts[~split].tolist(), sizes[~split].tolist(), strict=True):
            groups += _chunks(rows[at[start : start + count]], size)
        at = at[np.repeat(split, sizes)]
        if not len(at):
            break
    return groups


def _chunks(rows: np.ndarray, size: int) -> list[np.ndarray]:
    return [rows[s : s + size] for s in range(0, len(rows), size)]


@dataclasses.dataclass(frozen=True)
class _Venues:
    """Located in-person and mixed activities by grid row of latitude, then longitude: the
    venues near a group are a few ranges of it."""

    cols: np.ndarray  # candidate columns
    keys: np.ndarray  # grid row x 1000 + longitude + 180, ascending
    xyz: np.ndarray

    @classmethod
    def of(cls, candidates: Candidates, modes: tuple[int, ...] = VENUE_MODES) -> _Venues:
        cols = np.flatnonzero(_located(candidates) & np.isin(candidates.mode, modes))
        keys = _grid_keys(*latlng(candidates.xyz[cols]))
        order = np.argsort(keys, kind="stable")
        cols = cols[order]
        return cls(cols, keys[order], candidates.xyz[cols].astype(np.float64))

    def near(self, xyz: np.ndarray, cover_km: np.ndarray) -> np.ndarray:
        """Positions (ascending) of the venues within the cover of any of these points: all
        those within (their spread around their centre + the longest cover), found by grid
        rows and longitude ranges, then by angle."""
        centre = xyz.sum(axis=0)
        length = float(np.linalg.norm(centre))
        if length < 1e-9:
            return np.arange(len(self.cols))
        centre /= length
        spread = float(np.arccos(np.clip((xyz @ centre).min(), -1.0, 1.0)))
        angle = spread + float(cover_km.max()) / EARTH_RADIUS_KM + 1e-9
        lat, lng = (float(v) for v in latlng(centre))
        phi = np.radians(lat)
        if abs(phi) + angle >= np.pi / 2:  # the cap holds a pole: every longitude
            positions = np.arange(len(self.cols))
        else:
            half = np.degrees(np.arcsin(np.sin(angle) / np.cos(phi))) + 1e-9
            west, east = (lng - half, lng + half) if abs(lng) + half <= 180 else (-180.0, 180.0)
            band = np.degrees(angle) + 1e-9
            grid_rows = np.arange(
                np.floor((lat - band + 90.0) / GRID_DEGREES),
                np.floor((lat + band + 90.0) / GRID_DEGREES) + 1,
            )
            starts = np.searchsorted(self.keys, grid_rows * 1000.0 + west + 180.0)
            stops = np.searchsorted(self.keys, grid_rows * 1000.0 + east + 180.0, side="right")
            positions = np.concatenate(
                [np.arange(a, b) for a, b in zip(starts, stops, strict=True)]
            )
        return positions[self.xyz[positions] @ centre >= np.cos(angle)]


@dataclasses.dataclass(frozen=True)
class _Plan:
    """What the batch engine scores: each batch of residents with the venues within its cover
    (rows in `columns`), each service area's residents with its activities, and the remote
    activities (mixed ones with a venue first) when some resident follows online."""

    batches: list[tuple[np.ndarray, np.ndarray]]  # (rows, venues' rows in `columns`)
    served: list[tuple[np.ndarray, np.ndarray, bool]]  # (rows, columns, some pairs unserved)
    remote: np.ndarray
    remote_located: int


@dataclasses.dataclass(frozen=True)
class _Columns:
    """The candidates' side of the matrix products (float32), one row per candidate, the
    venues first in the order of their grid (a batch's venues sit together in memory)."""

    order: np.ndarray  # candidate column of each row
    rank: np.ndarray  # its id rank
    categories: np.ndarray  # (N, C) 0/1
    rest: np.ndarray  # (N, 24): availability by weekly slot, static terms, social, cold start
    access: np.ndarray  # (N, A): one-hots of the checked values, weekly slots, no slots
    xyz: np.ndarray
    languages: np.ndarray  # int64 masks
    price: np.ndarray
    # The distinct language and audience masks and age ranges (limited, lower, upper) that
    # the one-hots of `access` stand for, in order.
    vocabularies: tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclasses.dataclass(frozen=True)
class _Rows:
    """The residents' side of the matrix products (float32), and what their blocks need."""

    interests: np.ndarray  # (R, C) weights
    # 0.8 w / sum(w), the clamp at 0.4 being 0.4 min(2 w.c / sum(w), 1); a positive weight
    # at least 1e-30, so that its product with a category (0 or 1) is never rounded to 0.
    scaled_interests: np.ndarray
    rest: np.ndarray  # (R, 24): available by weekly slot, 1, social factor, cold
    access: np.ndarray  # (R, A - 10): 32 where each checked value is allowed, slots free, 1
    access_codes: dict[str, np.ndarray]  # by route: 32 where that mode x step-free is allowed
    budget: np.ndarray
    languages: np.ndarray  # int64 masks
    xyz: np.ndarray
    territory: np.ndarray
    cos_reach: np.ndarray  # float64: within reach when the dot product is at least this
    nearness_rate: np.ndarray  # nearness = exp(rate sqrt(1 - cos)): the chord is sqrt(2 - 2 cos)
    kind: np.ndarray  # 2 lonely + without interests: the column of `_ceilings` that applies
    lift: np.ndarray  # float64: the most availability and a saved or joined activity can add


def _one_hot(position: np.ndarray, size: int) -> np.ndarray:
    one_hot = np.zeros((len(position), size), dtype=np.float32)
    one_hot[np.arange(len(position)), position] = 1.0
    return one_hot


def _vocabulary(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values and the one-hot (N, V) float32 matrix of each value's position."""
    unique, position = _positions(values)
    return unique, _one_hot(position, len(unique))


def _slot_bits(slots: np.ndarray) -> np.ndarray:
    """(N, 21) float32 0/1 weekly slots."""
    bits = np.unpackbits(
        slots.astype("<u8").view(np.uint8).reshape(-1, 8), axis=1, bitorder="little"
    )
    return bits[:, :21].astype(np.float32)


def _column_side(candidates: Candidates, order: np.ndarray, id_rank: np.ndarray) -> _Columns:
    """The candidates' side of every matrix product, for the columns in `order`, in that
    order."""
    c = _take(candidates, order, lists=False)
    venue_mode = np.isin(c.mode, VENUE_MODES)
    # Score terms beyond interest and nearness: [slots | 1 | social factor | cold].
    slot_bits = _slot_bits(c.slots)
    offered = np.maximum(slot_bits.sum(axis=1, keepdims=True), 1)
    static = WEIGHTS["freshness"] * c.freshness + WEIGHTS["popularity"] * c.popularity
    static = static + np.where(venue_mode, 0.0, WEIGHTS["distance"] * NO_VENUE_NEARNESS)
    cold_start = COLD_START * c.low_threshold + COLD_START * c.popularity
    rest = np.concatenate(
        [
            WEIGHTS["availability"] * slot_bits / offered,
            np.stack([static, WEIGHTS["social"] * c.social, cold_start], axis=1),
        ],
        axis=1,
    )
    # Hard constraints as one-hots of the candidates' values, against the values each
    # resident allows (a small vocabulary each: the distinct masks and ranges).
    languages, language_hot = _vocabulary(c.languages)
    audiences, audience_hot = _vocabulary(c.audiences)
    age_range = c.has_age_limits * (1 << 32) + c.age_min.astype(np.int64) * (1 << 16) + c.age_max
    ranges, age_hot = _vocabulary(age_range)
    ranges = np.stack([ranges >> 32, (ranges >> 16) & 0xFFFF, ranges & 0xFFFF], axis=1)
    access_hot = _one_hot(2 * c.mode.astype(np.int64) + c.step_free, _N_ACCESS)
    no_slots = (c.slots == 0)[:, None]
    return _Columns(
        order=order,
        rank=id_rank[order],
        categories=c.categories.astype(np.float32, copy=False),
        rest=rest.astype(np.float32),
        access=np.concatenate(
            [access_hot, language_hot, audience_hot, age_hot, slot_bits, no_slots],
            axis=1,
            dtype=np.float32,
        ),
        xyz=c.xyz.astype(np.float64, copy=False),
        languages=c.languages,
        price=c.price,
        vocabularies=(languages, audiences, ranges),
    )


def _allowed_modes(r: Residents) -> tuple[np.ndarray, np.ndarray]:
    """(R, mode, fully step-free venue?) bool: what each resident can take on the spatial
    route (venues within reach, services where they live) and on the global one (online)."""
    accepts = (r.accepted_modes[:, None] >> np.arange(len(MODES))) & 1 == 1
    online_ok = accepts[:, ONLINE]
    venue_ok = (r.has_home & ~r.homebound)[:, None] & (
        np.array([False, True])[None, :] | ~r.step_free[:, None]
    )  # (R, step-free venue?)
    spatial = np.zeros((len(r), len(MODES), 2), dtype=bool)
    spatial[:, IN_PERSON] = accepts[:, [IN_PERSON]] & venue_ok
    spatial[:, MIXED] = online_ok[:, None] | (accepts[:, [MIXED]] & venue_ok)
    spatial[:, AT_HOME] = accepts[:, [AT_HOME]]
    spatial[:, PHONE] = accepts[:, [PHONE]]
    remote_codes = np.zeros_like(spatial)
    remote_codes[:, ONLINE] = remote_codes[:, MIXED] = online_ok[:, None]
    return spatial, remote_codes


def _row_side(
    residents: Residents, lookups: Lookups, everyone_bit: int, columns: _Columns
) -> _Rows:
    """The residents' side of every matrix product, against the candidates' `columns`."""
    r, f32 = residents, np.float32
    available = _slot_bits(r.availability)
    social_factor = np.where(r.lonely, 1.0, 0.5)
    rest = np.concatenate(
        [available, np.stack([np.ones(len(r)), social_factor, lookups.cold], axis=1)], axis=1
    )
    languages, audiences, ranges = columns.vocabularies
    age = r.age[:, None]
    allowed_age = np.where(
        age < 0, ranges[:, 0] == 0, (age >= ranges[:, 1]) & (age <= ranges[:, 2])
    )
    allowed = [
        r.languages[:, None] & languages != 0,
        (audiences & everyone_bit != 0) | (r.audiences[:, None] & audiences != 0),
        allowed_age,
    ]
    access = np.concatenate(
        [_CHECK * np.concatenate(allowed, axis=1), available, np.ones((len(r), 1))], axis=1
    )

    spatial, remote_codes = _allowed_modes(r)
    reach = r.reach_km.astype(np.float64)
    cover = np.maximum(reach, MIN_DECAY_REACH_KM)
    boosted = np.zeros(len(r), dtype=bool)
    boosted[(lookups.boosted.keys >> 32).astype(np.int64)] = True
    interests = r.interests.astype(f32, copy=False)
    scale = (2 * WEIGHTS["interest"] / lookups.interest_norm).astype(f32)
    return _Rows(
        interests=interests,
        scaled_interests=np.where(
            interests > 0, np.maximum(interests * scale[:, None], f32(1e-30)), f32(0)
        ),
        rest=rest.astype(f32),
        access=access.astype(f32),
        access_codes={
            route: (_CHECK * codes.reshape(len(r), _N_ACCESS)).astype(f32)
            for route, codes in ((SPATIAL, spatial), (GLOBAL, remote_codes))
        },
        budget=r.budget,
        languages=r.languages,
        xyz=r.xyz.astype(np.float64),
        territory=r.territory,
        cos_reach=np.cos(reach / EARTH_RADIUS_KM),
        nearness_rate=(-np.sqrt(2) * EARTH_RADIUS_KM / (0.5 * cover)).astype(f32),
        kind=2 * r.lonely.astype(np.int64) + lookups.cold,
        lift=WEIGHTS["availability"] + BOOST * boosted + CEILING_SLACK,
    )


def _grid_keys(lat: np.ndarray, lng: np.ndarray) -> np.ndarray:
    return np.floor((lat + 90.0) / GRID_DEGREES) * 1000.0 + (lng + 180.0)


def _located(candidates: Candidates) -> np.ndarray:
    """In person or mixed, with a venue."""
    return np.isin(candidates.mode, VENUE_MODES) & np.any(candidates.xyz != 0, axis=1)


def _take(table, rows: np.ndarray, *, lists: bool = True):
    """The given rows of a Candidates or Residents table, in that order (its list fields
    left out, empty, when `lists` is false)."""
    return type(table)(
        **{
            field.name: (list(map(values.__getitem__, rows.tolist())) if lists else [])
            if isinstance(values, list)
            else values[rows]
            for field in dataclasses.fields(table)
            for values in [getattr(table, field.name)]
        }
    )


def _ceilings(c: Candidates) -> np.ndarray:
    """(M, 4) float64: the most each activity can score beyond its interest, availability and
    nearness terms and a boost, for each kind of resident (2 lonely + without interests)."""
    popularity = c.popularity.astype(np.float64)
    base = WEIGHTS["freshness"] * c.freshness + WEIGHTS["popularity"] * popularity
    cold_start = COLD_START * c.low_threshold + COLD_START * popularity
    return np.stack(
        [
            base
            + WEIGHTS["social"] * c.social * (1.0 if lonely else 0.5)
            + (cold_start if cold else 0.0)
            for lonely in (False, True)
            for cold in (False, True)
        ],
        axis=1,
    )


@dataclasses.dataclass(frozen=True)
class _Stream:
    """Columns in descending order of their ceiling (the most a pair can score without its
    interest, availability and boost), in chunks of doubling width, each with its columns
    with a venue first: a row can stop once no later chunk can reach its list."""

    cols: np.ndarray  # positions in `columns`
    starts: np.ndarray  # (n + 1,) where each chunk starts in `cols`, then its length
    located: np.ndarray  # (n,) columns with a venue at the head of each chunk
    ceilings: np.ndarray  # (n + 1, 4) the highest ceiling from each chunk on, by kind; -inf last

    @classmethod
    def of(cls, cols: np.ndarray, ceilings: np.ndarray, located: np.ndarray) -> _Stream:
        order = np.argsort(-ceilings[:, 0], kind="stable")
        starts = [0]
        while starts[-1] < len(cols):
            starts.append(min(len(cols), 2 * starts[-1] + STREAM_FIRST))
        starts = np.array(starts)
        chunk = np.repeat(np.arange(len(starts) - 1), np.diff(starts))
        order = order[np.lexsort((np.arange(len(cols)), ~located[order], chunk))]
        cols, ceilings, located = cols[order], ceilings[order], located[order]
        highest = np.full((len(starts), ceilings.shape[1]), -np.inf)
        heads = starts[:0]
        if len(cols):
            highest[:-1] = np.maximum.reduceat(ceilings, starts[:-1], axis=0)
            heads = np.add.reduceat(located.astype(np.int64), starts[:-1])
        return cls(
            cols=cols,
            starts=starts,
            located=heads,
            ceilings=np.maximum.accumulate(highest[::-1], axis=0)[::-1],
        )


def _listed(keys: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Of shortlist keys: the float32 scores (-inf for an empty slot or an infeasible pair),
    the id ranks, and each row's k-th score (-inf while fewer than k feasible are listed)."""
    approx, ranks = _unkey(keys)
    approx = np.where((keys != _EMPTY) & (approx > -INFEASIBLE / 2), approx, -np.inf)
    width = keys.shape[1]
    return approx, ranks, np.partition(approx, width - k, axis=1)[:, width - k]


def _floors(shortlist: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
    """A lower bound on each row's final k-th exact score: its k-th float32 score so far, less
    RESCORE_SLACK (-inf while fewer than k feasible pairs are listed)."""
    return _listed(shortlist[rows], k)[2].astype(np.float64) - RESCORE_SLACK


def _bounded(shortlist, rows_m, columns, lookups, rows, stream, lift, *, k, route, covered):
    """Score these rows against a stream, a chunk at a time: the generator yields the highest
    bound of its next chunk, and scores it when advanced again. A row stops when its bound
    (its kind's ceiling from that chunk on, plus `lift`, its own share: availability, boost,
    interest) is below its floor: no pair left can enter its list, not even on a tie."""
    kind = rows_m.kind[rows]
    for n in range(len(stream.located)):
        bounds = stream.ceilings[n, kind] + lift
        yield float(bounds.max())
        open_ = bounds >= _floors(shortlist, rows, k)
        rows, kind, lift = rows[open_], kind[open_], lift[open_]
        if not len(rows):
            return
        # Left out: the columns none of these rows can take (no shared language, too dear).
        cols = stream.cols[stream.starts[n] : stream.starts[n + 1]]
        spoken = np.bitwise_or.reduce(rows_m.languages[rows])
        possible = columns.languages[cols] & spoken != 0
        possible &= columns.price[cols] <= rows_m.budget[rows].max()
        _score_and_offer(
            shortlist, rows_m, columns, lookups, rows, cols[possible], k=k, route=route,
            located=int(np.count_nonzero(possible[: stream.located[n]])), covered=covered,
        )  # fmt: skip


def _drain(streams: list) -> None:
    """Score the bounded streams' chunks best bound first, until none is left that could
    enter a list: the chunks that can score highest raise the floors that end the others."""
    queue = []
    for n, stream in enumerate(streams):
        bound = next(stream, None)
        if bound is not None:
            queue.append((-bound, n, stream))
    heapq.heapify(queue)
    while queue:
        _bound, n, stream = queue[0]
        bound = next(stream, None)
        if bound is None:
            heapq.heappop(queue)
        else:
            heapq.heapreplace(queue, (-bound, n, stream))


def _block_scores(
    rows_m: _Rows,
    columns: _Columns,
    rows: np.ndarray,
    cols: np.ndarray,
    *,
    route: str,
    located: int = 0,
    covered: np.ndarray | None = None,
) -> np.ndarray:
    """(R_b, M_b) float32 scores of residents `rows` against activities `cols`, an infeasible
    pair lowered by INFEASIBLE. The first `located` columns have a venue: nearness is
    computed for them, and they count only within reach on the spatial route, only beyond it
    on the global one (within reach, the resident's batch scores them). A pair sharing an
    interest in one of the `covered` categories (columns) is left out: a category block has
    it."""
    categories = columns.categories[cols]
    score = rows_m.scaled_interests[rows] @ categories.T
    every = covered is not None and len(covered) == categories.shape[1]
    shared = score > 0 if every else None  # any interest shared: the product says it
    np.minimum(score, WEIGHTS["interest"], out=score)
    score += rows_m.rest[rows] @ columns.rest[cols].T
    access = np.concatenate([rows_m.access_codes[route][rows], rows_m.access[rows]], axis=1)
    bad = access @ columns.access[cols].T < _FEASIBLE_AT
    bad |= columns.price[cols] > rows_m.budget[rows, None]
    if every:
        bad |= shared
    elif covered is not None and len(covered):
        interested = (rows_m.interests[rows][:, covered] > 0).astype(np.float32)
        bad |= interested @ categories[:, covered].T > 0
    if located:
        dot = rows_m.xyz[rows] @ columns.xyz[cols[:located]].T
        beyond = dot < rows_m.cos_reach[rows, None]
        bad[:, :located] |= beyond if route == SPATIAL else ~beyond
        # Nearness from the chord, sqrt(2 - 2 cos): within 1e-6 of the arc for any nearness
        # that counts (the shortlist is rescored exactly anyway).
        np.subtract(1.0, dot, out=dot)
        nearness = dot.astype(np.float32)
        np.maximum(nearness, 0.0, out=nearness)
        np.sqrt(nearness, out=nearness)
        nearness *= rows_m.nearness_rate[rows, None]
        np.exp(nearness, out=nearness)
        nearness *= WEIGHTS["distance"]
        score[:, :located] += nearness
    score -= np.float32(INFEASIBLE) * bad
    return score


def _keys(scores: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """int64 keys ordered as (score, then lower id rank): the float32 score's bits, made
    monotone, above; the inverted rank below. No two keys tie."""
    bits = scores.view(np.int32)
    ordered = bits ^ ((bits >> 31) & 0x7FFFFFFF)
    return (ordered.astype(np.int64) << 32) | (0xFFFFFFFF - ranks)


def _unkey(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ordered = (keys >> 32).astype(np.int32)
    bits = ordered ^ ((ordered >> 31) & 0x7FFFFFFF)
    return bits.view(np.float32), 0xFFFFFFFF - (keys & 0xFFFFFFFF)


def _offer(shortlist, rows, scores, ranks, k) -> None:
    """Merge a block's best pairs into the residents' shortlists (their best `width` keys).
    Only pairs scoring at least a row's floor can enter: its shortlist's worst once full.
    Rows with no more such pairs than the shortlist holds take them as they are; the others
    take their best (see `_best_keys`)."""
    width = shortlist.shape[1]
    current = shortlist[rows]
    worst = current.min(axis=1)
    lowest = np.where(worst == _EMPTY, -np.inf, _unkey(worst)[0])
    passing = scores >= lowest[:, None].astype(np.float32)
    count = passing.sum(axis=1)
    keys = np.full((len(rows), width), _EMPTY)
    few = count <= width
    passing[~few] = False
    at_row, at_col = np.nonzero(passing)
    slot = np.arange(len(at_row)) - np.repeat(np.cumsum(count * few) - count * few, count * few)
    keys[at_row, slot] = _keys(scores[at_row, at_col], ranks[at_col])
    many = np.flatnonzero(~few)
    if len(many):
        keys[many] = _best_keys(scores[many], ranks, width, k)
    merged = np.concatenate([current, keys], axis=1)
    shortlist[rows] = np.partition(merged, merged.shape[1] - width, axis=1)[:, -width:]


def _best_keys(scores: np.ndarray, ranks: np.ndarray, width: int, k: int) -> np.ndarray:
    """Keys of each row's `width` best pairs. A partition of the float32 scores finds them;
    rows where equal scores straddle its cut at or above the k-th are redone with keys, so
    that equals go to the lowest ids."""
    m = scores.shape[1]
    if m <= width:
        return np.pad(
            _keys(scores, np.broadcast_to(ranks, scores.shape)), ((0, 0), (0, width - m)),
            constant_values=_EMPTY,
        )  # fmt: skip
    best = _best_columns(scores, width)
    top = np.take_along_axis(scores, best, axis=1)
    keys = _keys(top, ranks[best])
    least = top.min(axis=1)
    kth = np.partition(top, width - k, axis=1)[:, width - k]
    for n in np.flatnonzero((least == kth) & (kth > -INFEASIBLE / 2)):
        if np.count_nonzero(scores[n] == least[n]) > np.count_nonzero(top[n] == least[n]):
            keys[n] = np.partition(_keys(scores[n], ranks), m - width)[m - width :]
    return keys


def _best_columns(scores: np.ndarray, width: int) -> np.ndarray:
    """(R_b, width) columns of each row's `width` best scores (any of equals). A wide block
    takes two steps: the best groups of GROUP columns by their maximum, then the best columns
    of these groups, where the best columns are."""
    n, m = scores.shape
    stride = m // GROUP  # group q holds the columns q, q + stride, q + 2 stride...
    if stride <= 4 * width:
        return np.argpartition(scores, m - width, axis=1)[:, m - width :]
    maxima = scores[:, : stride * GROUP].reshape(n, GROUP, stride).max(axis=1)
    groups = np.argpartition(maxima, stride - width, axis=1)[:, stride - width :]
    members = (groups[:, :, None] + stride * np.arange(GROUP)).reshape(n, -1)
    rest = np.broadcast_to(np.arange(stride * GROUP, m), (n, m - stride * GROUP))
    members = np.concatenate([members, rest], axis=1)
    values = np.take_along_axis(scores, members, axis=1)
    best = np.argpartition(values, values.shape[1] - width, axis=1)[:, -width:]
    return np.take_along_axis(members, best, axis=1)


def _penalize(scores: np.ndarray, pairs: PairSet, rows: np.ndarray, cols: np.ndarray, amount):
    """Add `amount` to the block's pairs listed in `pairs` (resident row, column)."""
    if not len(pairs.keys):
        return
    which, listed = pairs.pairs_of(rows)
    if not len(which):
        return
    order = np.argsort(cols)
    at, hit = locate(cols[order], listed)
    np.add.at(scores, (which[hit], order[at[hit]]), amount)


def _score_and_offer(
    shortlist, rows_m, columns, lookups, rows, cols, *, k, route, located=0, covered=None,
    served=None,
):  # fmt: skip
    """One block, in chunks of columns: scores, the pairs `served` leaves out (when given),
    the residents' own dismissed and saved activities, then the best pairs into the
    shortlists."""
    for start in range(0, len(cols), COLUMN_CHUNK):
        part = slice(start, start + COLUMN_CHUNK)
        chunk = cols[part]
        scores = _block_scores(
            rows_m, columns, rows, chunk, route=route, covered=covered,
            located=min(max(located - start, 0), len(chunk)),
        )  # fmt: skip
        if served is not None:
            scores -= np.float32(INFEASIBLE) * ~served[:, part]
        _penalize(scores, lookups.excluded, rows, columns.order[chunk], -INFEASIBLE)
        _penalize(scores, lookups.boosted, rows, columns.order[chunk], BOOST)
        _offer(shortlist, rows, scores, columns.rank[chunk], k)


def _union(sorted_arrays: list[np.ndarray]) -> np.ndarray:
    return sorted_arrays[0] if len(sorted_arrays) == 1 else distinct(np.concatenate(sorted_arrays))


def _packed(
    venues: _Venues, residents: Residents, who: np.ndarray, cover_km: np.ndarray, size: int
):
    """(rows, venue positions) batches from the groups of `spatial_batches` of the rows
    `who`, each group with the venues within its cover. Consecutive groups share a batch while
    the pairs this adds cost less than the block they save (sparse places have many small
    groups); consecutive groups with a wide pool (WIDE_POOL venues or more, scored by
    interest category) share one of up to WIDE_BATCHES x `size` residents, so that each
    category's block holds more than a few of them."""
    narrow: list[tuple[np.ndarray, np.ndarray]] = []
    wide: list[tuple[np.ndarray, np.ndarray]] = []
    height = width = wide_height = 0
    for group in spatial_batches(residents, min(CELL_SIZE, size), who):
        pool = venues.near(residents.xyz[group], cover_km[group])
        if len(pool) >= WIDE_POOL:
            if wide and wide_height + len(group) > WIDE_BATCHES * size:
                yield _joined(wide)
                wide, wide_height = [], 0
            wide.append((group, pool))
            wide_height += len(group)
            continue
        added = height * len(pool) + len(group) * width
        if narrow and (height + len(group) > size or added > PACK_PAIRS):
            yield _joined(narrow)
            narrow, height, width = [], 0, 0
        narrow.append((group, pool))
        height, width = height + len(group), width + len(pool)
    for batch in (narrow, wide):
        if batch:
            yield _joined(batch)


def _joined(groups: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """One batch of (rows, venue positions) groups: their rows, and the union of their pools."""
    rows, pools = zip(*groups, strict=True)
    return np.concatenate(rows), _union(list(pools))


def _plan(residents: Residents, prepared: Prepared, size: int) -> _Plan:
    """The batches of venues, the blocks of service areas and the remote activities. Residents
    who cannot go out (homebound, or with no home) or do not attend in person meet only the
    mixed venues, which they may follow online (nearness counts for one within reach: beyond
    it, the remote route scores it); those who can do neither meet no venue."""
    cover_km = np.maximum(residents.reach_km.astype(np.float64), MIN_DECAY_REACH_KM)
    spatial, remote_codes = _allowed_modes(residents)
    in_person = spatial[:, IN_PERSON].any(axis=1)
    mixed = spatial[:, MIXED].any(axis=1)
    batches = [
        (rows, prepared.position[venues.cols[pool]])
        for venues, who in (
            (prepared.venues, in_person),
            (prepared.mixed_venues, mixed & ~in_person),
        )
        for rows, pool in _packed(venues, residents, np.flatnonzero(who), cover_km, size)
    ]
    online = remote_codes[:, ONLINE].any()
    return _Plan(
        batches=batches,
        served=list(_packed_areas(prepared.areas.blocks(residents.territory), size)),
        remote=prepared.remote if online else prepared.remote[:0],
        remote_located=prepared.remote_located if online else 0,
    )


@dataclasses.dataclass(frozen=True)
class Prepared:
    """The candidates' side of the batch engine, which depends on nothing else: a process
    that keeps a candidate matrix can prepare it once for every call against it (for
    200,000 activities this costs about as much as scoring a chunk of residents)."""

    candidates: Candidates  # what was prepared
    venues: _Venues
    mixed_venues: _Venues  # those of mixed activities only
    areas: ServiceAreas
    id_rank: np.ndarray  # (M,) rank of each activity id (ties go to the lowest)
    by_rank: np.ndarray  # (M,) column of each id rank
    category_columns: np.ndarray  # see Lookups
    columns: _Columns
    position: np.ndarray  # (M,) row of each candidate column in `columns`
    remote: np.ndarray  # columns of the mixed activities with a venue, without, then online
    remote_located: int  # how many of `remote` have a venue
    ceilings: np.ndarray  # (N, 4) `_ceilings` of the rows of `columns`
    remote_streams: dict[int, _CategoryStream]  # by category: see _remote_streams
    remote_stream: _Stream  # every remote activity

    @classmethod
    def of(cls, candidates: Candidates) -> Prepared:
        venues = _Venues.of(candidates)
        others = np.ones(len(candidates), dtype=bool)
        others[venues.cols] = False
        order = np.concatenate([venues.cols, np.flatnonzero(others)])
        position = np.empty(len(candidates), dtype=np.int64)
        position[order] = np.arange(len(order))
        by_rank, id_rank = _id_ranks(candidates.ids)
        mixed = candidates.mode == MIXED
        located = _located(candidates)
        remote = np.concatenate(
            [
                np.flatnonzero(mixed & located),
                np.flatnonzero(mixed & ~located),
                np.flatnonzero(candidates.mode == ONLINE),
            ]
        )
        ceilings = _ceilings(candidates)[order]
        remote_located = int(np.count_nonzero(mixed & located))
        remote_streams, remote_stream = _remote_streams(
            candidates, remote, remote_located, position[remote], ceilings
        )
        return cls(
            candidates=candidates,
            venues=venues,
            mixed_venues=_Venues.of(candidates, (MIXED,)),
            areas=ServiceAreas.of(candidates),
            id_rank=id_rank,
            by_rank=by_rank,
            category_columns=_category_columns(candidates.categories),
            columns=_column_side(candidates, order, id_rank),
            position=position,
            remote=remote,
            remote_located=remote_located,
            ceilings=ceilings,
            remote_streams=remote_streams,
            remote_stream=remote_stream,
        )


def _packed_areas(blocks: list[tuple[np.ndarray, np.ndarray]], size: int):
    """(rows, columns, mixed) from the blocks of service areas: consecutive small ones share
    a block, as in `_packed`; such a block is mixed, holding pairs that are not served."""
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    height = width = 0
    for area_rows, area_cols in blocks:
        added = height * len(area_cols) + len(area_rows) * width
        if rows and (height + len(area_rows) > size or added > PACK_PAIRS):
            yield distinct(np.concatenate(rows)), np.concatenate(cols), len(rows) > 1
            rows, cols, height, width = [], [], 0, 0
        rows.append(area_rows)
        cols.append(area_cols)
        height, width = height + len(area_rows), width + len(area_cols)
    if rows:
        yield distinct(np.concatenate(rows)), np.concatenate(cols), len(rows) > 1


def _remote_streams(
    candidates: Candidates,
    remote: np.ndarray,
    remote_located: int,
    cols: np.ndarray,
    ceilings: np.ndarray,
) -> tuple[dict[int, _CategoryStream], _Stream]:
    """The remote activities (candidate columns `remote`, the first `remote_located` with a
    venue; `cols`, their rows in the columns) as bounded streams: for each category, those
    in it, and one stream of them all. A mixed activity scored on this route is beyond
    the resident's reach, its nearness below exp(-2) (but for a reach shorter than the least
    decay: see `_score_remote`); one without a venue is far away."""
    mixed = candidates.mode[remote] == MIXED
    nearness = WEIGHTS["distance"] * np.where(mixed, np.exp(-2.0), NO_VENUE_NEARNESS)
    ceiling = ceilings[cols] + nearness[:, None]
    located = np.arange(len(remote)) < remote_located
    categories = candidates.categories[remote] > 0
    packed = np.packbits(categories, axis=1)
    keys = np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1])))[:, 0]
    distinct_keys, signature = np.unique(keys, return_inverse=True)
    signatures = np.unpackbits(
        distinct_keys.view(np.uint8).reshape(len(distinct_keys), packed.shape[1]), axis=1,
        count=categories.shape[1],
    ).astype(np.float64)  # fmt: skip
    streams = {
        int(c): _CategoryStream(
            _Stream.of(cols[members], ceiling[members], located[members]),
            signatures[distinct(signature[members])],
            _earlier(categories[members], c),
        )
        for c in np.flatnonzero(categories.any(axis=0))
        for members in [categories[:, c]]
    }
    return streams, _Stream.of(cols, ceiling, located)


class _CategoryStream(NamedTuple):
    """The stream of the remote activities of one category, with what bounds and excludes
    its pairs."""

    stream: _Stream
    signatures: np.ndarray  # (S, C) float64: the distinct category rows among its activities
    earlier: np.ndarray  # the earlier categories they have: a pair sharing one is not its own


def _earlier(in_category: np.ndarray, c: int) -> np.ndarray:
    """The category columns before `c` that some of these activities (rows of 0/1
    categories) have: a pair sharing an interest in one of them belongs to its block."""
    return np.flatnonzero(in_category[:, :c].any(axis=0))


def _score_nearby(shortlist, rows_m, columns, lookups, plan, prepared, *, k, size) -> list:
    """Each batch against the venues within its cover, then each service area's residents
    against its at-home and phone activities. A batch's pool of WIDE_POOL venues or more is
    scored by interest category (each pair in the block of its first shared category), and
    its venues sharing no interest with a resident are left to a bounded stream: returns
    these streams."""
    streams = []
    for rows, cols in plan.batches:
        if len(cols) < WIDE_POOL:
            if len(cols):
                _score_and_offer(
                    shortlist, rows_m, columns, lookups, rows, cols, k=k, route=SPATIAL,
                    located=len(cols),
                )  # fmt: skip
            continue
        in_category = columns.categories[cols] > 0
        interested = rows_m.interests[rows] > 0
        for c in np.flatnonzero(in_category.any(axis=0) & interested.any(axis=0)):
            members = in_category[:, c]
            _score_and_offer(
                shortlist, rows_m, columns, lookups, rows[interested[:, c]], cols[members],
                k=k, route=SPATIAL, located=np.count_nonzero(members),
                covered=_earlier(in_category[members], c),
            )  # fmt: skip
        ceilings = prepared.ceilings[cols] + WEIGHTS["distance"]
        stream = _Stream.of(cols, ceilings, np.ones(len(cols), dtype=bool))
        streams.append(_bounded(
            shortlist, rows_m, columns, lookups, rows, stream, rows_m.lift[rows], k=k,
            route=SPATIAL, covered=np.arange(in_category.shape[1]),
        ))  # fmt: skip
    for residents_of_area, cols, mixed in plan.served:
        for rows in _chunks(residents_of_area, size):
            served = lookups.areas.serves(cols, rows_m.territory[rows, None]) if mixed else None
            _score_and_offer(
                shortlist, rows_m, columns, lookups, rows, prepared.position[cols], k=k,
                route=SPATIAL, served=served,
            )  # fmt: skip
    return streams


def _score_remote(shortlist, residents, rows_m, columns, lookups, plan, prepared, *, k, size):
    """Online activities and mixed ones followed online, for the residents who accept online:
    every pair when they are few; else bounded streams (returned): for each interest
    category, its activities for the residents interested in it (each pair in the stream of
    its first shared category), and every remote activity for everyone, pairs sharing an
    interest left out."""
    online = np.flatnonzero((residents.accepted_modes >> ONLINE) & 1 == 1)
    remote = prepared.position[plan.remote]
    if not len(online) or not len(remote):
        return []
    if len(online) * len(remote) <= DENSE_REMOTE_PAIRS:
        for rows in _chunks(online, size):
            _score_and_offer(
                shortlist, rows_m, columns, lookups, rows, remote, k=k, route=GLOBAL,
                located=plan.remote_located,
            )  # fmt: skip
        return []
    # Nearness beyond the reach is below exp(-2), but for a reach shorter than the least decay.
    reach = residents.reach_km.astype(np.float64)
    beyond_reach = np.exp(-reach / (0.5 * np.maximum(reach, MIN_DECAY_REACH_KM)))
    lift = rows_m.lift + WEIGHTS["distance"] * (beyond_reach - np.exp(-2.0))
    interested = rows_m.interests > 0
    weights = lookups.weights[:, :-1].astype(np.float64)
    streams = []
    context = dict(k=k, route=GLOBAL)
    for c, category in prepared.remote_streams.items():
        for rows in _chunks(online[interested[online, c]], size):
            shared = (weights[rows] @ category.signatures.T).max(axis=1)
            most = np.minimum(2.0 * shared / lookups.interest_norm[rows], 1.0)
            streams.append(_bounded(
                shortlist, rows_m, columns, lookups, rows, category.stream,
                lift[rows] + WEIGHTS["interest"] * most, covered=category.earlier, **context,
            ))  # fmt: skip
    by_language = online[np.argsort(residents.languages[online], kind="stable")]
    for rows in _chunks(by_language, size):
        streams.append(_bounded(
            shortlist, rows_m, columns, lookups, rows, prepared.remote_stream, lift[rows],
            covered=np.arange(interested.shape[1]), **context,
        ))  # fmt: skip
    return streams


def _choose(residents, candidates, lookups, shortlist, *, k, everyone_bit):
    """Each row's k best columns and exact scores from its shortlist, and whether the
    shortlist was too short to tell. In chunks of rows, so that the temporaries are reused
    rather than paged in anew."""
    parts = [
        _choose_rows(
            residents, candidates, lookups, shortlist, chunk, k=k, everyone_bit=everyone_bit
        )
        for chunk in _chunks(np.arange(len(shortlist)), CHOOSE_CHUNK)
    ]
    chosen, exact, crowded = zip(*parts, strict=True)
    exact = PairScores(*(np.concatenate(field) for field in zip(*exact, strict=True)))
    return np.concatenate(chosen), exact, np.concatenate(crowded)


def _choose_rows(residents, candidates, lookups, shortlist, rows, *, k, everyone_bit):
    """The items whose float32 score is within RESCORE_SLACK of the k-th are rescored
    exactly. When the shortlist is full of such items, one left out could belong too: the
    row is crowded."""
    approx, ranks, kth = _listed(shortlist[rows], k)
    near = (approx > -np.inf) & (approx >= kth[:, None] - RESCORE_SLACK)
    crowded = near.all(axis=1)
    at_row, at_col = np.nonzero(near)
    cols = lookups.by_rank[ranks[at_row, at_col]]
    exact = pair_scores(
        residents, candidates, rows[at_row], cols, everyone_bit=everyone_bit, lookups=lookups
    )
    grid_cols = np.full(near.shape, -1)
    grid_cols[at_row, at_col] = cols
    fields = []
    for field in exact:
        grid = np.zeros(near.shape, dtype=field.dtype)
        grid[at_row, at_col] = field
        fields.append(grid)
    return *_best_exact(PairScores(*fields), grid_cols, lookups, k), crowded


def recommend_batched(
    residents: Residents,
    candidates: Candidates,
    *,
    everyone_bit: int,
    category_slugs: list[str],
    k: int = TOP_K,
    batch_size: int = BATCH_SIZE,
    prepared: Prepared | None = None,
) -> list[list[Recommendation]]:
    """`recommend` for any number of residents, in a fraction of the time and memory: the
    same lists, scores and reasons (see the module docstring for how). `prepared`: these
    candidates' `Prepared`, when the caller keeps it."""
    lists = lists_batched(
        residents, candidates, everyone_bit=everyone_bit, k=k, batch_size=batch_size,
        prepared=prepared,
    )  # fmt: skip
    return recommendations(lists, category_slugs)


def lists_batched(
    residents: Residents,
    candidates: Candidates,
    *,
    everyone_bit: int,
    k: int = TOP_K,
    batch_size: int = BATCH_SIZE,
    prepared: Prepared | None = None,
) -> Lists:
    """`recommend_batched`'s lists as arrays."""
    if len(residents) == 0 or len(candidates) == 0:
        return Lists.empty(len(residents))
    if prepared is None:
        prepared = Prepared.of(candidates)
    elif prepared.candidates is not candidates:
        raise ValueError("prepared from other candidates")
    chosen, exact, lookups = _chosen(
        residents, prepared, everyone_bit=everyone_bit, k=k, size=batch_size,
        margin=SHORTLIST_MARGIN,
    )  # fmt: skip
    return _finish(residents, candidates, chosen, exact, lookups=lookups)


def _chosen(residents, prepared, *, everyone_bit, k, size, margin):
    """Each resident's k best columns (-1 padded) and their exact scores, with the lookups
    they were computed with. Residents whose shortlist of k + margin was crowded are done
    again with a margin sixteen times wider (a run of equal scores is often longer than four
    times the margin)."""
    candidates, columns = prepared.candidates, prepared.columns
    plan = _plan(residents, prepared, size)
    lookups = Lookups.build(residents, candidates, prepared=prepared)
    rows_m = _row_side(residents, lookups, everyone_bit, columns)
    shortlist = np.full((len(residents), k + margin), _EMPTY)
    common = dict(k=k, size=size)
    streams = _score_nearby(shortlist, rows_m, columns, lookups, plan, prepared, **common)
    streams += _score_remote(
        shortlist, residents, rows_m, columns, lookups, plan, prepared, **common
    )
    _drain(streams)
    chosen, exact, crowded = _choose(
        residents, candidates, lookups, shortlist, k=k, everyone_bit=everyone_bit
    )
    crowded = np.flatnonzero(crowded)
    if len(crowded):
        chosen[crowded], again, _ = _chosen(
            _take(residents, crowded), prepared, everyone_bit=everyone_bit, k=k, size=size,
            margin=16 * margin,
        )  # fmt: skip
        for field, value in zip(exact, again, strict=True):
            field[crowded] = value
    return chosen, exact, lookups
