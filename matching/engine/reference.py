"""The reference scorer: every pair (resident, activity) scored exactly, in float64, in the order
a plain loop adds the terms. `pair_scores` is the definition of the score and of the hard
constraints (never traded against the score); `recommend` lists each resident's top k from it.
The batch engine reproduces these lists, and its own exact step calls `pair_scores`."""

from __future__ import annotations

import numpy as np

from matching.engine.lists import Lists, finish, recommendations
from matching.engine.lookups import Lookups
from matching.engine.reach import arc_km
from matching.engine.tables import (
    AT_HOME,
    BOOST,
    COLD_START,
    IN_PERSON,
    MIN_DECAY_REACH_KM,
    MIXED,
    NO_VENUE_NEARNESS,
    ONLINE,
    PHONE,
    TOP_K,
    WEIGHTS,
    Candidates,
    PairScores,
    Recommendation,
    Residents,
    popcount,
)


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
    distance = arc_km(dot)
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
    shared = np.zeros(np.broadcast_shapes(np.shape(rows), np.shape(cols)))
    for n in range(lookups.category_columns.shape[1]):
        shared = shared + lookups.weights[rows, lookups.category_columns[cols, n]]
    # Some activities are for residents who said they are concerned, never for the nearby.
    interest_ok = ~c.needs_interest[cols] | (shared > 0)

    feasible = mode_ok & reach_ok & age_ok & audience_ok & language_ok & budget_ok & time_ok
    feasible &= interest_ok & ~lookups.excluded.contains(rows, cols)
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
    lists = finish(residents, candidates, np.concatenate(chosen), exact, lookups=lookups)
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
    return finish(residents, candidates, chosen, exact, lookups=lookups)


def _best_of_pairs(
    residents, candidates, rows, columns, *, everyone_bit, lookups, k
) -> tuple[np.ndarray, PairScores]:
    """Each of these rows' k best feasible columns of its own row of `columns` (-1 padded,
    as are the results) and their exact scores."""
    scores = pair_scores(
        residents, candidates, rows[:, None], np.maximum(columns, 0), everyone_bit=everyone_bit,
        lookups=lookups,
    )  # fmt: skip
    return best_exact(scores, columns, lookups, k)


def best_exact(
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
