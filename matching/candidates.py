"""The candidate matrix of the whole directory, kept by each process and brought up to date
row by row.

Building the matrix of every published activity is the slow step of a recomputation, while scoring
one chunk of residents against it takes a fraction of that, and a full refresh runs many chunks in
each worker process. So each process keeps the last matrix it built, reuses it while the directory
version has not moved, and when it has, rebuilds only the rows of the activities that changed since.

The version is read on every call, so it must cost next to nothing (two index lookups and one
cache read) and still move whenever a row of the matrix would change:
- the last `updated_at` and the last id of the activities: creations, publications,
  withdrawals and edits, through the services or the admin;
- a generation counter in the shared cache, bumped by the matcher's receivers on every domain
  signal of the directory, with the id of the activity at each generation: a schedule or a
  single session edited changes an activity's timing without touching its `updated_at`
  (timing is not an edit, see `activities.services.occurrences.refresh_timing`);
- the day: freshness is counted in days, and sessions that age out of the rolling window (the
  window task sends no signal) and the popularity of activities (saved, joined) are taken as
  they were when the matrix was built: a new day rebuilds the whole matrix.
The changed rows are then the activities whose `updated_at` is not older than the matrix's,
and those logged at the generations since. When that cannot be told (a gap in the log, too
many changes, a row left behind by a deleted activity), the whole matrix is rebuilt.
"""

from __future__ import annotations

import dataclasses
import datetime
import threading
from collections.abc import Iterable

import numpy as np
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Max, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from activities.models import Activity
from matching import engine
from matching.arrays import concat_by_id, locate, rows_of, splice, take
from matching.choices import FeedbackSignal
from matching.models import Feedback
from matching.selectors import build_candidates, candidate_activities

GENERATION_KEY = "matching:directory-generation"
CHANGED_KEY = "matching:directory-changed:{}"  # the activity id of one generation
CHANGE_LOG_SECONDS = 2 * 24 * 3600
MAX_PATCH = 2_000  # beyond this many changed activities, rebuilding is as fast


@dataclasses.dataclass(frozen=True)
class _Entry:
    version: tuple  # (last updated_at, last id, generation, day)
    candidates: engine.Candidates
    slugs: list[str]


_lock = threading.Lock()
_entry: _Entry | None = None


def log_change(generation_key: str, entry_key: str, value) -> None:
    """Record `value` at the next generation of a change log in the shared cache: the
    counter at `generation_key`, each generation's value at `entry_key` (formatted with it).
    Readers that find a generation without its value know they missed something."""
    if cache.add(generation_key, 1, timeout=None):
        generation = 1
    else:
        try:
            generation = cache.incr(generation_key)
        except ValueError:  # evicted meanwhile: the readers see a gap and start over
            cache.add(generation_key, 1, timeout=None)
            return
    cache.set(entry_key.format(generation), value, CHANGE_LOG_SECONDS)


def directory_changed(activity_id: int) -> None:
    """Tell every process that this activity moved (a domain signal was sent)."""
    log_change(GENERATION_KEY, CHANGED_KEY, activity_id)


def directory_version(*, now: datetime.datetime | None = None) -> tuple:
    latest = Activity.objects.aggregate(changed=Max("updated_at"), last=Max("id"))
    return (
        latest["changed"],
        latest["last"],
        cache.get(GENERATION_KEY, 0),
        timezone.localdate(now or timezone.now()),
    )


def _start_of_day(now: datetime.datetime) -> datetime.datetime:
    """Rows are built as of the start of the day: freshness counts whole days, so a matrix
    built in the morning and a pool built in the evening of the same day score alike (a list
    merged in the evening must be the one a full computation gives)."""
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def _most_popular() -> list[int]:
    """`build_candidates` scales popularity by the most saved or joined activity among the
    rows it is given: a few rows must come with that one to be scored as in the whole
    directory."""
    top = (
        Feedback.objects.filter(
            signal__in=(FeedbackSignal.SAVED, FeedbackSignal.JOINED),
            activity__in=candidate_activities(),
        )
        .values("activity")
        .annotate(n=Count("id"))
        .order_by("-n", "activity")
        .first()
    )
    return [top["activity"]] if top else []


def pool(activity_ids: Iterable[int], *, now: datetime.datetime) -> engine.Candidates:
    """The rows of these activities (those that are candidates), as in the whole matrix. Any
    candidate may come with them: a list drawn from a pool is the same as one drawn from the
    whole directory as long as the pool holds the whole directory's top of that list."""
    ids = {*activity_ids, *_most_popular()}
    activities = with_ids(candidate_activities(), list(ids))
    candidates, _slugs = build_candidates(activities, now=_start_of_day(now))
    return candidates


def _changed_since(since: tuple, version: tuple) -> set[int] | None:
    """Ids of the activities whose rows changed between these two versions, or None when
    that cannot be told (see the module's docstring)."""
    changed_at, _last, generation, day = since
    if version[3] != day or version[2] < generation or version[2] - generation > MAX_PATCH:
        return None
    # A matrix built from an empty directory: every activity is new.
    recent = (
        Activity.objects.all()
        if changed_at is None
        else Activity.objects.filter(updated_at__gte=changed_at)
    )
    ids = set(recent.values_list("id", flat=True)[: MAX_PATCH + 1])
    keys = [CHANGED_KEY.format(g) for g in range(generation + 1, version[2] + 1)]
    logged = cache.get_many(keys) if keys else {}
    if len(logged) < len(keys):
        return None
    ids.update(logged.values())
    return ids if len(ids) <= MAX_PATCH else None


def _patched(entry: _Entry, version: tuple, now: datetime.datetime) -> _Entry | None:
    """The entry's matrix with the rows of every activity changed since, or None when the
    changes cannot be told (see the module's docstring)."""
    ids = _changed_since(entry.version, version)
    if ids is None:
        return None
    rows = pool(ids, now=now)
    candidates = splice(entry.candidates, ids | set(rows.ids.tolist()), rows)
    # An activity deleted, or out of sessions without a signal, leaves a row behind: a count
    # tells, once per new version, unless the directory moved again meanwhile (the count is
    # then of a later directory: the next call patches that move and counts again).
    counted = candidate_activities().count()
    if len(candidates) != counted and directory_version(now=now) == version:
        return None
    return _Entry(version, candidates, entry.slugs)


def current_candidates(
    *, now: datetime.datetime | None = None
) -> tuple[engine.Candidates, list[str]]:
    """The candidate matrix of the directory as it is now and the category slugs of its
    columns: the matrix this process holds, brought up to date."""
    global _entry
    now = now or timezone.now()
    with _lock:
        # Read before the rows: a change committed while they are read moves the version
        # again, and the next call looks at it once more.
        version = directory_version(now=now)
        if _entry is None or _entry.version != version:
            entry = _patched(_entry, version, now) if _entry is not None else None
            if entry is None:
                candidates, slugs = build_candidates(now=_start_of_day(now))
                entry = _Entry(version, candidates, slugs)
            _entry = entry
        return _entry.candidates, _entry.slugs


@dataclasses.dataclass(frozen=True)
class _Fresh:
    """Rows built anew since the matrix was built, for activities changed since: as they
    were at `version`, for the matrix of version `base`."""

    base: tuple
    version: tuple
    changed: frozenset[int]  # every activity changed between `base` and `version`
    built: frozenset[int]  # those built anew (without a row when no longer a candidate)
    rows: engine.Candidates  # by id


_fresh: _Fresh | None = None
_prepared: engine.Prepared | None = None


def _fresh_rows(entry: _Entry, version: tuple) -> _Fresh | None:
    """The rows built anew for the entry's matrix, as of this version: those kept from the
    last call where their activity has not changed again since. None when what changed
    since the matrix was built cannot be told."""
    with _lock:
        fresh = _fresh
    if fresh is not None and fresh.base == entry.version and fresh.version == version:
        return fresh
    changed = _changed_since(entry.version, version)
    if changed is None:
        return None
    again = None
    if fresh is not None and fresh.base == entry.version:
        again = _changed_since(fresh.version, version)
    if again is None:  # nothing kept
        return _Fresh(entry.version, version, frozenset(changed), frozenset(), _empty(entry))
    stale = np.fromiter(again, dtype=np.int64, count=len(again))
    return _Fresh(
        entry.version,
        version,
        frozenset(changed),
        fresh.built - again,
        take(fresh.rows, np.flatnonzero(~np.isin(fresh.rows.ids, stale))),
    )


def _empty(entry: _Entry) -> engine.Candidates:
    return take(entry.candidates, np.zeros(0, dtype=np.int64))


def candidate_rows(
    activity_ids: Iterable[int], *, now: datetime.datetime | None = None
) -> engine.Candidates:
    """The rows of these activities that are candidates now (only those), in id order, as
    `pool` builds them: the rows of this process's matrix for the activities unchanged since
    it was built and still candidates, the others built anew. A publication merges its
    activity into lists that hold a few thousand others: building their rows costs about as
    much as bringing the whole matrix up to date (copying it, counting the directory).
    The rows built anew are kept until their activity changes again: the lists a publication
    merges into hold the activities published before it, and its own row is read twice.
    Without a matrix every row is built anew; when what changed since it was built cannot
    be told (a new day, too many changes), it is brought up to date first."""
    global _fresh
    now = now or timezone.now()
    wanted = np.array(sorted(set(activity_ids)), dtype=np.int64)
    with _lock:
        entry = _entry
    if entry is None:
        return _only(pool(wanted.tolist(), now=now), wanted)
    fresh = _fresh_rows(entry, directory_version(now=now))
    if fresh is None:
        # Bring the matrix up to date once, rather than build every row on each call.
        matrix, _slugs = current_candidates(now=now)
        return _only(matrix, wanted)
    changed = np.fromiter(fresh.changed, dtype=np.int64, count=len(fresh.changed))
    renew = np.isin(wanted, changed)
    missing = np.array([i for i in wanted[renew].tolist() if i not in fresh.built], np.int64)
    if len(missing):
        fresh = dataclasses.replace(
            fresh,
            built=fresh.built | set(missing.tolist()),
            rows=concat_by_id([fresh.rows, _only(pool(missing.tolist(), now=now), missing)]),
        )
    with _lock:
        _fresh = fresh
    held = entry.candidates
    at, kept = locate(held.ids, wanted)
    kept &= ~renew
    rows = _only(fresh.rows, wanted[renew])
    # Deleted, or out of sessions without a signal, since the row was built: left out.
    checked = np.setdiff1d(np.concatenate([wanted[kept], rows.ids]), missing)
    alive = with_ids(candidate_activities(), checked.tolist()).values_list("id", flat=True)
    alive = np.union1d(np.fromiter(alive, dtype=np.int64), missing)
    return concat_by_id([take(held, at[kept & np.isin(wanted, alive)]), _only(rows, alive)])


def _only(candidates: engine.Candidates, ids: np.ndarray) -> engine.Candidates:
    """The rows of these ids (a pool may come with the most popular activity)."""
    return take(candidates, rows_of(candidates, ids))


def with_ids(queryset: QuerySet, ids: list[int], *, field: str = "pk") -> QuerySet:
    """The rows of the queryset whose `field` is one of these ids. On PostgreSQL the ids go
    as one array: an IN list of thousands of parameters costs more to build than to run."""
    if connection.vendor == "postgresql":
        ids = RawSQL("SELECT unnest(%s::bigint[])", [ids])
    return queryset.filter(**{f"{field}__in": ids})


def prepared(candidates: engine.Candidates, *, build: bool) -> engine.Prepared | None:
    """The engine's side of this process's matrix (`engine.Prepared`), kept with it: the one
    already made from these very candidates, or when `build` (a call large enough to pay for
    it, such as a chunk of a full refresh) a new one, which every later call against the same
    matrix uses. None otherwise: a preparation of another matrix is let go."""
    global _prepared
    with _lock:
        kept = _prepared
        if kept is not None and kept.candidates is not candidates:
            kept = _prepared = None
    if kept is None and build:
        kept = engine.Prepared.of(candidates)
        with _lock:
            _prepared = kept
    return kept


def forget() -> None:
    """Drop this process's matrix (tests, or a worker that wants its memory back)."""
    global _entry, _fresh, _prepared
    with _lock:
        _entry = _fresh = _prepared = None
