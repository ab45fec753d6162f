"""One activity published, changed or withdrawn, merged into the lists it changes rather than
rescoring every resident in its reach."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable
from typing import NamedTuple

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from activities.models import Activity
from matching import engine
from matching.arrays import concat_by_id, locate, rows_of, take
from matching.candidates import candidate_rows, with_ids
from matching.models import RecommendationSet
from matching.residents import current_residents, current_thresholds, resident_terms
from matching.selectors import EVERYONE_BIT, category_index
from matching.services.reach import residents_reached
from matching.services.sets import new_sets, recommendation_sets_store, recommendations_compute


def _same(new: tuple[list, list, list], stored: _Locked, activity_id: int) -> bool:
    """Whether a list (ids, scores, reason keys), merged with one activity, is the stored one.
    A list that did not hold the activity is the same when it does not take it: its
    activities keep their scores and reasons, so comparing ids is enough (its scores and
    reasons are not loaded)."""
    if activity_id not in stored.activity_ids:
        return new[0] == stored.activity_ids
    return new == (stored.activity_ids, stored.scores, stored.reasons)


MERGE, REFILL = "merge", "refill"


@dataclasses.dataclass
class _Locked:
    """A set locked for a merge, read without building a model instance (an online activity
    locks a thousand or more): its scores and reasons only when it lists the activity."""

    user_id: int
    threshold: float
    activity_ids: list[int]
    scores: list[float] | None = None
    reasons: list[int] | None = None


def _merge_action(
    row: RecommendationSet | _Locked, activity_id: int, score: float | None
) -> str | None:
    """What one activity's new score (None: not feasible, or no longer a candidate) does to a
    list that was the resident's top of the whole directory before it changed (`row` with
    its scores when it lists the activity).

    The new top is within the old list plus this activity (MERGE: rescore that pool) unless
    the activity was listed in a full list and went down to or below the lowest score, or
    out: then an unlisted activity may take its place and only a full computation knows
    which (REFILL). A short list holds every feasible activity: merging it is always exact."""
    listed = activity_id in row.activity_ids
    if not _is_full(row):
        return MERGE if listed or score is not None else None
    if not listed:
        return MERGE if score is not None and score >= row.threshold else None
    if score is None:
        return REFILL
    before = row.scores[row.activity_ids.index(activity_id)]
    return MERGE if score > row.threshold or score >= before else REFILL


def _sets_listing(activity_id: int) -> list[RecommendationSet]:
    """The sets that list this activity: a lookup in the GIN index of `activity_ids` on
    PostgreSQL (migration 0002); a scan of every set elsewhere (the embedded SQLite, small)."""
    sets = RecommendationSet.objects.only("user_id", "threshold", "activity_ids", "scores")
    if connection.vendor == "postgresql":
        return list(sets.filter(activity_ids__contains=[activity_id]))
    return [row for row in sets.iterator() if activity_id in row.activity_ids]


class _Scores(NamedTuple):
    """One activity's rounded score for each resident for whom it is feasible."""

    user_ids: np.ndarray  # int64, ascending
    scores: np.ndarray  # float64

    def of(self, user_ids: Iterable[int]) -> dict[int, float]:
        """The scores of these residents (those for whom the activity is feasible)."""
        wanted = np.fromiter(user_ids, dtype=np.int64)
        at, hit = locate(self.user_ids, wanted)
        return dict(zip(wanted[hit].tolist(), self.scores[at[hit]].tolist(), strict=True))


def _activity_scores(
    residents: engine.Residents, rows: np.ndarray, single: engine.Candidates
) -> _Scores:
    """The score of one activity (`single`, its row: none when it is no longer a candidate) for the
    residents at these rows of the table, where it is feasible. The engine's exact pair scores, as
    `engine.recommend` computes them before it builds lists and reasons (which would cost far more
    for the many residents an online activity reaches), rounded as listed items are, so that they
    compare with thresholds. The residents' terms (interests, dismissed and boosted activities) are
    the ones the process keeps for the table; when every resident is in reach (online), the table is
    scored as it is."""
    if len(single) == 0 or len(rows) == 0:
        return _Scores(np.zeros(0, dtype=np.int64), np.zeros(0))
    terms = resident_terms(residents)
    if len(rows) < len(residents):
        residents, terms = take(residents, rows), terms.at(rows)
    lookups = engine.Lookups.build(residents, single, terms=terms)
    everyone = np.arange(len(residents))
    pairs = engine.pair_scores(
        residents, single, everyone, np.zeros_like(everyone), everyone_bit=EVERYONE_BIT,
        lookups=lookups,
    )  # fmt: skip
    feasible = np.flatnonzero(pairs.feasible)
    return _Scores(residents.ids[feasible], np.round(pairs.score[feasible], 5))


def _pools(lists: list[list[int]], activity_id: int, candidates: engine.Candidates) -> np.ndarray:
    """(R, W) the columns of `candidates` holding each list's activities and this one
    (-1 padded, and where one is not a candidate)."""
    pools = [[*(a for a in ids if a != activity_id), activity_id] for ids in lists]
    ids = np.full((len(pools), max(map(len, pools), default=0)), -1, dtype=np.int64)
    for n, pool_ids in enumerate(pools):
        ids[n, : len(pool_ids)] = pool_ids
    at, found = locate(candidates.ids, ids)
    return np.where(found, at, -1)


def _merge(
    rows: list[_Locked],
    activity_id: int,
    single: engine.Candidates,
    residents: engine.Residents,
    *,
    now: datetime.datetime,
) -> tuple[int, list[int]]:
    """Rescore each of these lists against its own items plus the activity (`single`, its
    row: none when it is no longer a candidate), and store those that changed. Returns how
    many changed, and the residents whose list had an activity that is no longer a
    candidate: the gap it leaves needs a full computation.

    Every list is rescored exactly, 21 pairs each, in one pass over all of them, with rows
    of the matrix the process keeps (`candidate_rows`). A list keeps its scores rounded to 5
    decimals, and three lists in four hold equal rounded scores, whose order (and the
    diversity re-rank over them) only the exact scores decide: inserting the one activity
    by its score would not give the lists a full computation gives. (Rescoring and writing
    the lists in slices, so that the database parses the first ones while the next are
    rescored, cost more CPU than it saved: see docs/benchmarks.md.)"""
    others = set().union(*(row.activity_ids for row in rows)) - {activity_id}
    listed = concat_by_id([candidate_rows(others, now=now), single])
    present = {*listed.ids.tolist(), activity_id}
    gaps = [row.user_id for row in rows if not present.issuperset(row.activity_ids)]
    before = {row.user_id: row for row in rows if row.user_id not in gaps}
    merging = take(residents, rows_of(residents, before))
    users = merging.ids.tolist()
    slugs = category_index()[0]
    lists = engine.lists_among(
        merging,
        listed,
        _pools([before[user_id].activity_ids for user_id in users], activity_id, listed),
        everyone_bit=EVERYONE_BIT,
    )
    merged = new_sets(merging.ids, lists, slugs)
    changed = [
        n
        for n, (user_id, new) in enumerate(zip(users, merged.lists.rows(), strict=True))
        if not _same(new, before[user_id], activity_id)
    ]
    recommendation_sets_store(sets=merged.take(changed), computed_at=now, keep_computed_at=True)
    return len(changed), gaps


def _reachable_sets(scores: _Scores) -> tuple[list[int], list[int]]:
    """Of the residents with these scores for one activity: those whose set the score
    reaches (at or above its threshold), and those without a set. The thresholds are the
    ones this process keeps (`residents.current_thresholds`): an online activity is feasible
    for tens of thousands of residents, and comparing in the database scans every set."""
    has_set, thresholds = current_thresholds().of(scores.user_ids)
    reached = has_set & (scores.scores >= thresholds)
    return scores.user_ids[reached].tolist(), scores.user_ids[~has_set].tolist()


def recommendations_for_activity(
    *, activity_id: int, now: datetime.datetime | None = None
) -> dict[str, int]:
    """An activity was published, changed or withdrawn: bring the lists of the residents in
    its reach up to date, rewriting only the lists it changes.

    The activity alone is scored against the residents in reach (taken from the table of
    residents each process keeps, `matching.residents`). Where it can enter a list, or was in
    it, the list is rescored against its own items plus the activity: the same list a
    computation against the whole directory gives, for a fraction of the work. Where it left
    a full list, that resident is computed in full, and so is a resident who can see the
    activity and has no set yet. Lists keep their `computed_at` (see `RecommendationSet`).
    """
    now = now or timezone.now()
    # Residents in reach, lists changed by a merge, residents computed in full.
    counts = {"in_reach": 0, "merged": 0, "refilled": 0}
    activity = Activity.objects.filter(pk=activity_id).first()
    if activity is None:
        return counts
    residents = current_residents(now=now)
    rows = residents_reached(residents, activity)
    counts["in_reach"] = len(rows)
    # The activity's row, none when it is no longer a candidate (withdrawn, no session left).
    single = candidate_rows([activity_id], now=now)
    activity_scores = _activity_scores(residents, rows, single)
    entering, first = _reachable_sets(activity_scores)
    # Those who list it, in reach or no longer (it moved, or changed its mode).
    listing = {row.user_id: row for row in _sets_listing(activity_id)}
    scores = activity_scores.of([*listing, *entering])
    wanted = {u for u, row in listing.items() if _merge_action(row, activity_id, scores.get(u))}
    wanted.update(u for u in entering if u not in listing)
    if not wanted and not first:
        return counts
    with transaction.atomic():
        # Decide again on the locked rows: another writer may have changed them meanwhile.
        locked = [
            _Locked(*values)
            for values in with_ids(
                RecommendationSet.objects.select_for_update(), sorted(wanted), field="user"
            )
            .order_by("user_id")
            .values_list("user_id", "threshold", "activity_ids")
        ]
        # Scores and reasons are read only for the lists holding the activity: the others
        # (hundreds for an online activity) are decided and compared by their ids.
        holding = {row.user_id: row for row in locked if activity_id in row.activity_ids}
        for user_id, listed_scores, keys in RecommendationSet.objects.filter(
            user_id__in=list(holding)
        ).values_list("user_id", "scores", "reasons"):
            holding[user_id].scores, holding[user_id].reasons = listed_scores, keys
        actions: dict[str, list[_Locked]] = {MERGE: [], REFILL: []}
        for row in locked:
            action = _merge_action(row, activity_id, scores.get(row.user_id))
            if action is not None:
                actions[action].append(row)
        refill = [row.user_id for row in actions[REFILL]] + first
        if actions[MERGE]:
            counts["merged"], gaps = _merge(actions[MERGE], activity_id, single, residents, now=now)
            refill += gaps
        if refill:
            counts["refilled"] = recommendations_compute(user_ids=sorted(refill), now=now)
    return counts


def _is_full(row: RecommendationSet | _Locked) -> bool:
    return len(row.activity_ids) >= engine.TOP_K
