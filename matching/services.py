"""Every write of the matcher: profiles, recommendation sets, feedback."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable
from typing import NamedTuple

import h3
import numpy as np
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from activities import choices as activity_choices
from activities import taxonomy
from activities.models import Activity, Occurrence, Schedule
from activities.territories import territory_for_point
from matching import engine
from matching.arrays import concat_by_id, locate, rows_of, take
from matching.candidates import candidate_rows, current_candidates, prepared, with_ids
from matching.choices import TRANSPORT_MODES, FeedbackSignal
from matching.models import Feedback, RecommendationSet, ResidentProfile
from matching.residents import current_residents, current_thresholds, resident_terms, sets_written
from matching.selectors import EVERYONE_BIT, category_index

HOME_CELL_RESOLUTION = 8  # ~0.7 km² cells: the stored home is the centre of one of them
DEBOUNCE_SECONDS = 3
SENSITIVE_FIELDS = ("audiences", "loneliness_score")

PROFILE_FIELDS = (
    "max_distance_km", "step_free", "homebound", "birth_year", "interests", "availability_mask",
    "languages_mask", "budget_max", "attendance_modes", "group_sizes", "transport_modes",
)  # fmt: skip


def coarsen(lat: float, lng: float) -> tuple[float, float, str]:
    """The centre of the resolution-8 H3 cell holding the point, and the cell."""
    cell = h3.latlng_to_cell(lat, lng, HOME_CELL_RESOLUTION)
    centre_lat, centre_lng = h3.cell_to_latlng(cell)
    return round(centre_lat, 5), round(centre_lng, 5), cell


def _check_lists(fields: dict) -> None:
    errors: dict[str, list[str]] = {}
    if any(m not in TRANSPORT_MODES for m in fields.get("transport_modes") or []):
        errors["transport_modes"] = [_("Unknown transport mode.")]
    if any(m not in engine.MODES for m in fields.get("attendance_modes") or []):
        errors["attendance_modes"] = [_("Unknown attendance mode.")]
    if any(g not in activity_choices.GroupSize.values for g in fields.get("group_sizes") or []):
        errors["group_sizes"] = [_("Unknown group size.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def profile_update(
    *,
    user: User,
    home: tuple[float, float] | bool | None = False,
    matching_consent: bool | None = None,
    sensitive_consent: bool | None = None,
    audiences: Iterable[str] | None = None,
    loneliness_score: int | bool | None = False,
    **fields,
) -> ResidentProfile:
    """Create or change the resident's profile. `home` is coarsened before it is stored; None
    forgets it. Sensitive fields need a consent given now or before; withdrawing consent
    erases them."""
    profile, _created = ResidentProfile.objects.select_for_update().get_or_create(user=user)
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})
    _check_lists(fields)
    for name, value in fields.items():
        setattr(profile, name, value)
    now = timezone.now()
    if matching_consent is not None:
        profile.matching_consent_at = now if matching_consent else None
    if sensitive_consent is not None:
        profile.sensitive_consent_at = now if sensitive_consent else None
        if not sensitive_consent:
            profile.audiences_mask, profile.loneliness_score = 0, None
    giving_sensitive = audiences is not None or loneliness_score is not False
    if giving_sensitive and profile.sensitive_consent_at is None:
        field = "audiences" if audiences is not None else "loneliness_score"
        raise ValidationError(
            {field: [_("This is sensitive: give your consent (sensitive_consent) first.")]}
        )
    if audiences is not None:
        profile.audiences_mask = activity_choices.mask_of(audiences, activity_choices.AUDIENCES)
    if loneliness_score is not False:
        profile.loneliness_score = loneliness_score
    if home is None:
        profile.home_lat = profile.home_lng = None
        profile.home_cell, profile.home_territory = "", None
    elif home is not False:
        profile.home_lat, profile.home_lng, profile.home_cell = coarsen(*home)
        profile.home_territory = territory_for_point(lat=home[0], lng=home[1])
    profile.full_clean(exclude=["user", "home_territory"])
    profile.save()
    recommendations_schedule(user_ids=[user.pk])
    return profile


def recommendations_schedule(*, user_ids: list[int]) -> None:
    """Queue a recomputation after commit, once per resident within the debounce delay."""
    from matching.tasks import recommendations_recompute_task

    fresh = [uid for uid in user_ids if cache.add(f"reco:pending:{uid}", 1, DEBOUNCE_SECONDS)]
    if fresh:
        transaction.on_commit(
            lambda: recommendations_recompute_task.apply_async(
                args=[fresh], countdown=DEBOUNCE_SECONDS
            )
        )


class _Sets(NamedTuple):
    """New lists on their way to the database: row n of `lists` is resident `user_ids[n]`'s,
    their reason keys holding category ids (`engine.Lists.with_category_ids`)."""

    user_ids: np.ndarray  # int64
    lists: engine.Lists

    def thresholds(self) -> np.ndarray:
        """The lowest score of each full list (TOP_K items), 0 for a shorter one. The
        diversity re-rank reorders the head of a list: its lowest score may be anywhere."""
        lists = self.lists
        full = lists.count >= engine.TOP_K
        if not full.any():
            return np.zeros(len(full))
        listed = np.arange(lists.scores.shape[1]) < lists.count[:, None]
        return np.where(full, np.where(listed, lists.scores, np.inf).min(axis=1), 0.0)

    def take(self, rows) -> _Sets:
        return _Sets(self.user_ids[rows], self.lists.take(rows))


def _sets(user_ids: np.ndarray, lists: engine.Lists, category_slugs: list[str]) -> _Sets:
    """The engine's lists (interests by category column, `category_slugs`) as stored, by
    category id: a category's column moves when another is added or removed, its id does
    not (a category removed since is no reason any more)."""
    ids = taxonomy.current().id_of
    by_column = np.array([ids.get(slug, 0) for slug in category_slugs], dtype=np.int64)
    return _Sets(np.asarray(user_ids, dtype=np.int64), lists.with_category_ids(by_column))


def _same(new: tuple[list, list, list], stored: _Locked, activity_id: int) -> bool:
    """Whether a list (ids, scores, reason keys), merged with one activity, is the stored one.
    A list that did not hold the activity is the same when it does not take it: its
    activities keep their scores and reasons, so comparing ids is enough (its scores and
    reasons are not loaded)."""
    if activity_id not in stored.activity_ids:
        return new[0] == stored.activity_ids
    return new == (stored.activity_ids, stored.scores, stored.reasons)


def _is_full(row: RecommendationSet | _Locked) -> bool:
    return len(row.activity_ids) >= engine.TOP_K


SET_FIELDS = ("computed_at", "engine_version", "activity_ids", "scores", "reasons", "threshold")
COPY_LINES = 1000  # rows handed to COPY at once


def _json_numbers(values: list[int] | list[float]) -> str:
    """A list of ints or finite floats as a JSON array: their repr is JSON (and this is
    several times faster than `json`'s encoder for short lists)."""
    return f"[{','.join(map(repr, values))}]"


@transaction.atomic
def _store_sets(
    sets: _Sets, *, computed_at: datetime.datetime, keep_computed_at: bool = False
) -> None:
    """Insert or replace these residents' sets, in the order of their user ids (the order
    `recommendations_for_activity` locks them in, so two writers never deadlock), computed
    at `computed_at`; with `keep_computed_at`, a set that exists keeps its time (a merge).

    A list is three short JSON arrays (ids, scores and reason keys: about 0.4 kB, where the
    same list as objects with their reasons took 3.6 kB), written straight from the engine's
    arrays. On PostgreSQL the rows are copied into a temporary table and moved with one
    INSERT ... ON CONFLICT DO UPDATE (for a chunk of 1,000 sets of 20 items, 60-80 ms against
    0.4 s for the multi-row INSERT ... ON CONFLICT of `bulk_create` and 0.7 s for
    `bulk_update`, measured on the bench database). Elsewhere (the embedded SQLite) the bulk
    upsert does the same."""
    if not len(sets.user_ids):
        return
    sets = sets.take(np.argsort(sets.user_ids, kind="stable"))
    user_ids = sets.user_ids.tolist()
    _announce(user_ids)
    updated = [name for name in SET_FIELDS if not (keep_computed_at and name == "computed_at")]
    rows = zip(user_ids, sets.lists.rows(), sets.thresholds().tolist(), strict=True)
    if connection.vendor != "postgresql":
        RecommendationSet.objects.bulk_create(
            [
                RecommendationSet(
                    user_id=user_id,
                    computed_at=computed_at,
                    engine_version=engine.ENGINE_VERSION,
                    activity_ids=ids,
                    scores=scores,
                    reasons=keys,
                    threshold=threshold,
                )
                for user_id, (ids, scores, keys), threshold in rows
            ],
            update_conflicts=True,
            unique_fields=["user"],
            update_fields=updated,
        )
        return
    table = RecommendationSet._meta.db_table
    column = {name: RecommendationSet._meta.get_field(name).column for name in SET_FIELDS}
    copied = ("user_id", column["activity_ids"], column["scores"], column["reasons"])
    copied += (column["threshold"],)
    columns = ", ".join((*copied, column["computed_at"], column["engine_version"]))
    updates = ", ".join(f"{column[name]} = EXCLUDED.{column[name]}" for name in updated)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE matching_incoming ON COMMIT DROP AS "
            f'SELECT {", ".join(copied)} FROM "{table}" WITH NO DATA'
        )
        # Numbers and JSON arrays of numbers: nothing for COPY's text format to escape.
        lines = [
            f"{user_id}\t{_json_numbers(ids)}\t{_json_numbers(scores)}\t{_json_numbers(keys)}"
            f"\t{threshold!r}\n"
            for user_id, (ids, scores, keys), threshold in rows
        ]
        with cursor.cursor.copy(f"COPY matching_incoming ({', '.join(copied)}) FROM STDIN") as copy:
            for start in range(0, len(lines), COPY_LINES):
                copy.write("".join(lines[start : start + COPY_LINES]))
        cursor.execute(
            f'INSERT INTO "{table}" ({columns}) SELECT {", ".join(copied)}, %s, %s '
            f"FROM matching_incoming ORDER BY user_id "
            f"ON CONFLICT (user_id) DO UPDATE SET {updates}",
            [computed_at, engine.ENGINE_VERSION],
        )
        cursor.execute("DROP TABLE matching_incoming")


def _announce(user_ids: list[int]) -> None:
    """Tell the processes' tables of thresholds that these sets are being written: at once,
    for reads in this transaction, and again once it commits, for the others (one that
    re-read them in between saw the old rows)."""
    sets_written(user_ids)
    transaction.on_commit(lambda: sets_written(user_ids))


def _consenting(user_ids: Iterable[int]) -> list[int]:
    """Those of these residents who consent to matching, by user id (the ids as one array on
    PostgreSQL: for a chunk of 2,500, 3 ms of CPU against 16 ms for a list of parameters)."""
    consenting = ResidentProfile.objects.filter(matching_consent_at__isnull=False)
    consenting = with_ids(consenting, list(user_ids), field="user")
    return sorted(consenting.values_list("user_id", flat=True))


@transaction.atomic
def recommendations_compute(
    *, user_ids: Iterable[int], now: datetime.datetime | None = None
) -> int:
    """Recompute and store the recommendation sets of these residents (consenting ones)
    against the whole directory."""
    now = now or timezone.now()
    # The table of residents keeps a deleted resident's row until the next day: read who
    # still consents, the rows from the table.
    user_ids = _consenting(user_ids)
    if not user_ids:
        return 0
    candidates, slugs = current_candidates(now=now)
    residents = current_residents(now=now)
    residents = take(residents, rows_of(residents, user_ids))
    # The matrix prepared once for every call against it, or this call's region prepared.
    kept = prepared(candidates, build=len(residents) >= PREPARED_FROM)
    lists = engine.lists_batched(
        residents,
        candidates if kept else _within_reach(residents, candidates),
        prepared=kept,
        everyone_bit=EVERYONE_BIT,
    )
    _store_sets(_sets(residents.ids, lists, slugs), computed_at=now)
    return len(residents)


# From this many residents, a computation prepares the whole matrix for itself and the calls
# after it (`candidates.prepared`, 0.2-0.6 s and 132 MB for 200,000 activities) rather than its
# region.
PREPARED_FROM = 500
# Followed from anywhere: a mixed activity too, online.
EVERYWHERE = (activity_choices.AttendanceMode.ONLINE, activity_choices.AttendanceMode.MIXED)
REACHED_AT_HOME = (activity_choices.AttendanceMode.AT_HOME, activity_choices.AttendanceMode.PHONE)
REACH_MARGIN = 1.001  # the engine's own distances, give or take its float rounding


def _within_reach(residents: engine.Residents, candidates: engine.Candidates):
    """The candidates that can be feasible for some of these residents: every activity that
    is not only in person, and the venues within the longest reach of those who can leave
    home, around them (a spherical cap over their homes). The engine applies every
    constraint; handing it the venues of one region rather than of the whole directory
    spares it preparing every row (0.2-0.6 s for 200,000 activities) for the few residents
    of a refill or a profile change, when the process keeps no preparation of its matrix."""
    venue = candidates.mode == engine.IN_PERSON
    homes = residents.xyz[residents.has_home & ~residents.homebound]
    keep = ~venue
    if len(homes):
        cap = engine.reach_cap(homes, residents.reach_km, margin=REACH_MARGIN)
        keep = keep | (venue & (cap.holds(candidates.xyz) if cap is not None else True))
    return candidates if keep.all() else take(candidates, np.flatnonzero(keep))


def _reached(residents: engine.Residents, activity: Activity) -> np.ndarray:
    """Rows of the residents for whom the activity might be feasible: every one for an online
    or mixed activity, every one living in its service area for one at home or by phone, and
    for a venue every one who can leave home and lives within their own reach of it
    (distances as the engine measures them). A superset: the engine applies every
    constraint. Numpy over the residents' table: a few milliseconds for a million."""
    mode = activity.attendance_mode
    if mode in EVERYWHERE:
        return np.arange(len(residents))
    if mode in REACHED_AT_HOME:
        served = list(activity.service_area.values_list("id", flat=True))
        return np.flatnonzero(np.isin(residents.territory, served))
    if activity.lat is None:
        return np.arange(0)
    venue = engine.unit_vectors(np.array([activity.lat]), np.array([activity.lng]))[0]
    distance = engine.arc_km(residents.xyz @ venue)
    mobile = residents.has_home & ~residents.homebound
    return np.flatnonzero(mobile & (distance <= residents.reach_km * REACH_MARGIN))


def residents_in_reach(*, activity: Activity) -> list[int]:
    """User ids of the consenting residents who might see this activity (`_reached`)."""
    residents = current_residents()
    return residents.ids[_reached(residents, activity)].tolist()


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
    """The score of one activity (`single`, its row: none when it is no longer a candidate)
    for the residents at these rows of the table, where it is feasible. The engine's exact
    pair scores, as `engine.recommend` computes them before it builds lists and reasons
    (which would cost four times more for the hundred thousand residents an online activity
    reaches), rounded as listed items are, so that they compare with thresholds. The
    residents' terms (interests, dismissed and boosted activities) are the ones the process
    keeps for the table; when every resident is in reach (online), the table is scored as it
    is."""
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
    128 lists at a time, so that the database parses the first ones while the next are
    rescored, cost more CPU than it saved: 1.44 s against 1.14-1.24 s for the same seven
    online publications on the bench database, and more wall time.)"""
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
    merged = _sets(merging.ids, lists, slugs)
    changed = [
        n
        for n, (user_id, new) in enumerate(zip(users, merged.lists.rows(), strict=True))
        if not _same(new, before[user_id], activity_id)
    ]
    _store_sets(merged.take(changed), computed_at=now, keep_computed_at=True)
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
    rows = _reached(residents, activity)
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


FULL_REFRESH_KEY = "matching:full-refresh-started"
SWEEP_WATERMARK_KEY = "matching:sweep-watermark"
SET_MAX_AGE = datetime.timedelta(days=1)  # freshness, popularity and ended sessions catch up
REFRESH_GRACE = datetime.timedelta(minutes=30)  # a full refresh still running is not lost
SWEEP_OVERLAP = datetime.timedelta(minutes=2)  # changes still committing while the sweep read
SWEEP_MAX_ACTIVITIES = 500  # beyond this many changed activities, a full refresh is cheaper


def recommendations_full_refresh_started(*, at: datetime.datetime | None = None) -> None:
    """Record that a full refresh was queued: a set older than that, once the refresh has
    had time to finish, was left behind by a lost chunk and the sweep computes it."""
    cache.set(FULL_REFRESH_KEY, at or timezone.now(), timeout=None)


@dataclasses.dataclass(frozen=True)
class SweepPlan:
    full_refresh: bool
    residents: list[tuple[int, str, bool]]  # (user id, home cell, homebound): chunks.plan_chunks
    activity_ids: list[int]
    watermark: datetime.datetime  # to record once the work is queued


def recommendations_sweep_plan(*, now: datetime.datetime | None = None) -> SweepPlan:
    """What the periodic sweep reconciles, so that a lost task or a broker outage loses
    nothing:
    - residents without a set, or whose set is older than their profile, than SET_MAX_AGE, or
      than a full refresh queued more than REFRESH_GRACE ago;
    - activities changed since the last sweep (their own fields, a schedule, a session
      edited on its own), merged again: a merge is idempotent.
    Without a watermark (the first sweep, or an emptied cache) nothing says what changed, and
    with more than SWEEP_MAX_ACTIVITIES changes a full refresh is cheaper than the merges."""
    now = now or timezone.now()
    watermark = now - SWEEP_OVERLAP
    since = cache.get(SWEEP_WATERMARK_KEY)
    if since is None:
        return SweepPlan(True, [], [], watermark)
    changed = set(Activity.objects.filter(updated_at__gte=since).values_list("id", flat=True))
    changed |= set(
        Schedule.objects.filter(updated_at__gte=since).values_list("activity_id", flat=True)
    )
    changed |= set(
        Occurrence.objects.filter(is_modified=True, updated_at__gte=since).values_list(
            "activity_id", flat=True
        )
    )
    if len(changed) > SWEEP_MAX_ACTIVITIES:
        return SweepPlan(True, [], [], watermark)
    computed_at = "user__recommendations__computed_at"
    stale = (
        Q(user__recommendations__isnull=True)
        | Q(**{f"{computed_at}__lt": F("updated_at")})
        | Q(**{f"{computed_at}__lt": now - SET_MAX_AGE})
    )
    refresh = cache.get(FULL_REFRESH_KEY)
    if refresh is not None and refresh < now - REFRESH_GRACE:
        stale |= Q(**{f"{computed_at}__lt": refresh})
    residents = list(
        ResidentProfile.objects.filter(matching_consent_at__isnull=False)
        .filter(stale)
        .order_by("user_id")
        .values_list("user_id", "home_cell", "homebound")
    )
    return SweepPlan(False, residents, sorted(changed), watermark)


def recommendations_sweep_done(*, plan: SweepPlan) -> None:
    """The plan's work is queued: the next sweep looks at what changed after it."""
    cache.set(SWEEP_WATERMARK_KEY, plan.watermark, timeout=None)


@transaction.atomic
def feedback_record(
    *, user: User, activity: Activity, signal: str, rating: int | None = None
) -> Feedback:
    if signal == FeedbackSignal.RATING and rating is None:
        raise ValidationError({"rating": [_("Give a rating from 1 to 5.")]})
    feedback = Feedback(user=user, activity=activity, signal=signal, rating=rating)
    feedback.full_clean()
    feedback.save()
    if signal == FeedbackSignal.DISMISSED:
        # Gone at once from what the resident sees; the recomputation fills the gap.
        row = RecommendationSet.objects.select_for_update().filter(user=user).first()
        if row is not None:
            kept = [n for n, a in enumerate(row.activity_ids) if a != activity.pk]
            row.activity_ids = [row.activity_ids[n] for n in kept]
            row.scores = [row.scores[n] for n in kept]
            row.reasons = [row.reasons[n] for n in kept]
            row.save(update_fields=["activity_ids", "scores", "reasons"])
    if signal in (FeedbackSignal.DISMISSED, FeedbackSignal.SAVED, FeedbackSignal.JOINED):
        recommendations_schedule(user_ids=[user.pk])
    return feedback
