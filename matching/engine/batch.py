"""The production engine: `recommend`'s lists for any number of residents, in a fraction of the
time and memory.

Residents are grouped by reach band and by adaptive H3 cell (matching.engine.spatial); a batch
is scored only against the venues within its cover (the mixed ones alone for residents who can
only follow online), each service area's residents against its at-home and phone activities,
and the online activities (and mixed ones followed online) by shared interest category. Where
there are many (a city's venues, the country's online activities), they are scored in order of
their ceiling, the most a pair can score, and each resident stops as soon as nothing left
could enter their list. Scores are float32 matrix products (distances as dot products of unit
vectors, hard constraints as products of 0/1 matrices), an infeasible pair lowered by a
constant larger than any score, so that a partition keeps its speed and an infeasible pair
never enters a list. Each resident keeps a shortlist a little longer than k, whose head is
rescored exactly with `pair_scores` (a shortlist too crowded to tell is redone wider): lists,
scores and reasons are the reference's. Ties are broken by activity id, so runs are repeatable.

One module on purpose: the two sides of the matrix products (`_Columns`, `_Rows`), the block
scores, the shortlists' keys and the bounded streams share one float32 layout and one set of
invariants (INFEASIBLE, the key order, the ceilings); split, a change to one would silently
break another."""

from __future__ import annotations

import dataclasses
import heapq
from typing import NamedTuple

import numpy as np

from activities.geo import EARTH_RADIUS_KM
from matching.arrays import locate, take
from matching.engine.lists import Lists, finish, recommendations
from matching.engine.lookups import (
    Lookups,
    PairSet,
    ServiceAreas,
    category_columns_of,
    distinct,
    id_ranks,
    positions,
)
from matching.engine.reference import best_exact, pair_scores
from matching.engine.spatial import (
    WIDE_POOL,
    Venues,
    has_venue,
    packed_areas,
    packed_batches,
    row_chunks,
)
from matching.engine.tables import (
    AT_HOME,
    BOOST,
    COLD_START,
    IN_PERSON,
    MIN_DECAY_REACH_KM,
    MIXED,
    MODES,
    NO_VENUE_NEARNESS,
    ONLINE,
    PHONE,
    TOP_K,
    VENUE_MODES,
    WEIGHTS,
    Candidates,
    PairScores,
    Recommendation,
    Residents,
)

BATCH_SIZE = 256  # residents scored together against one candidate matrix, at most
COLUMN_CHUNK = 2048  # candidates per matrix product: the temporaries stay in cache
GROUP = 8  # columns per group when picking a wide block's best
INFEASIBLE = 8.0  # lowers an infeasible pair's float32 score below every feasible one (< 2)
SHORTLIST_MARGIN = 12  # items kept beyond k, so that float32 rounding never decides a list
RESCORE_SLACK = 1e-4  # float32 scores are within 1e-5 of the exact ones
DENSE_REMOTE_PAIRS = 1 << 18  # below this, score every remote pair: blocks would cost more
CHOOSE_CHUNK = 4096  # residents rescored together: the temporaries are reused
STREAM_FIRST = 64  # columns in a bounded stream's first chunk; each next chunk is twice as wide
CEILING_SLACK = 1e-6  # covers the order in which float64 bounds and exact scores are added
SPATIAL, GLOBAL = "spatial", "global"  # routes: venues and services nearby; online ones
# Feasibility is a product of 0/1 matrices: four categorical checks (access, language,
# audience, age) count 32 each when they pass, then the shared weekly slots (or 1 for an
# activity without slots) count 1 each, at most 22: feasible means at least 129. The budget
# is compared on its own (the residents' budgets are not the candidates' to know).
_CHECK = 32.0
_FEASIBLE_AT = 4 * _CHECK + 1
_N_ACCESS = 2 * len(MODES)  # mode x fully step-free venue
_EMPTY = np.iinfo(np.int64).min


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
    needs_interest: np.ndarray  # bool: feasible only for a resident sharing an interest
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
    unique, position = positions(values)
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
    c = take(candidates, order, lists=False)
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
        needs_interest=c.needs_interest,
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
    # Any interest shared: the product says it (a positive weight is at least 1e-30).
    shared = score > 0 if every else None
    needs_interest = columns.needs_interest[cols]
    unshared = ~(score[:, needs_interest] > 0) if needs_interest.any() else None
    np.minimum(score, WEIGHTS["interest"], out=score)
    score += rows_m.rest[rows] @ columns.rest[cols].T
    access = np.concatenate([rows_m.access_codes[route][rows], rows_m.access[rows]], axis=1)
    bad = access @ columns.access[cols].T < _FEASIBLE_AT
    bad |= columns.price[cols] > rows_m.budget[rows, None]
    if unshared is not None:
        bad[:, needs_interest] |= unshared
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
        for rows, pool in packed_batches(venues, residents, np.flatnonzero(who), cover_km, size)
    ]
    online = remote_codes[:, ONLINE].any()
    return _Plan(
        batches=batches,
        served=list(packed_areas(prepared.areas.blocks(residents.territory), size)),
        remote=prepared.remote if online else prepared.remote[:0],
        remote_located=prepared.remote_located if online else 0,
    )


@dataclasses.dataclass(frozen=True)
class Prepared:
    """The candidates' side of the batch engine, which depends on nothing else: a process
    that keeps a candidate matrix can prepare it once for every call against it (for
    a whole directory this costs about as much as scoring a chunk of residents)."""

    candidates: Candidates  # what was prepared
    venues: Venues
    mixed_venues: Venues  # those of mixed activities only
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
        venues = Venues.of(candidates)
        others = np.ones(len(candidates), dtype=bool)
        others[venues.cols] = False
        order = np.concatenate([venues.cols, np.flatnonzero(others)])
        position = np.empty(len(candidates), dtype=np.int64)
        position[order] = np.arange(len(order))
        by_rank, id_rank = id_ranks(candidates.ids)
        mixed = candidates.mode == MIXED
        located = has_venue(candidates)
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
            mixed_venues=Venues.of(candidates, (MIXED,)),
            areas=ServiceAreas.of(candidates),
            id_rank=id_rank,
            by_rank=by_rank,
            category_columns=category_columns_of(candidates.categories),
            columns=_column_side(candidates, order, id_rank),
            position=position,
            remote=remote,
            remote_located=remote_located,
            ceilings=ceilings,
            remote_streams=remote_streams,
            remote_stream=remote_stream,
        )


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
        for rows in row_chunks(residents_of_area, size):
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
        for rows in row_chunks(online, size):
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
        for rows in row_chunks(online[interested[online, c]], size):
            shared = (weights[rows] @ category.signatures.T).max(axis=1)
            most = np.minimum(2.0 * shared / lookups.interest_norm[rows], 1.0)
            streams.append(_bounded(
                shortlist, rows_m, columns, lookups, rows, category.stream,
                lift[rows] + WEIGHTS["interest"] * most, covered=category.earlier, **context,
            ))  # fmt: skip
    by_language = online[np.argsort(residents.languages[online], kind="stable")]
    for rows in row_chunks(by_language, size):
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
        for chunk in row_chunks(np.arange(len(shortlist)), CHOOSE_CHUNK)
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
    return *best_exact(PairScores(*fields), grid_cols, lookups, k), crowded


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
    return finish(residents, candidates, chosen, exact, lookups=lookups)


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
            take(residents, crowded), prepared, everyone_bit=everyone_bit, k=k, size=size,
            margin=16 * margin,
        )  # fmt: skip
        for field, value in zip(exact, again, strict=True):
            field[crowded] = value
    return chosen, exact, lookups
