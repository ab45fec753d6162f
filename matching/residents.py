"""Every consenting resident as the engine's arrays, kept by each process and brought up to
date row by row: what a publication scores its one activity against.

An activity reaches anything from a few dozen residents (a venue in the countryside) to all of them
(online): loading their profiles through the ORM and building their arrays costs far more than
scoring them against one activity. So each process keeps the table of every consenting resident and,
when the residents' version has moved, rebuilds only the rows of the residents who changed since:
- profiles saved since the table was built (`updated_at`, which every profile change and
  every consent given or withdrawn moves), and profiles created since;
- residents who gave feedback since (dismissed, saved, joined change their rows); feedback
  taken back moves the profile's `updated_at` (a deletion moves no feedback id);
- the day: ages are counted from the current year; a new day rebuilds the whole table.
A resident deleted since keeps a row until then: harmless, as nothing is written for a
resident without a profile (the services reload the profiles of the sets they write).

Each process also keeps the threshold of every resident's set (`current_thresholds`): an
online publication compares its score with every resident's threshold, and reading them
scans the whole table of sets. The services log the residents whose sets they write
(`sets_written`), and the table re-reads those. A set another process has just committed
is re-read once that process has logged it, right after its commit: a publication merged in
between may miss that list, as it could already miss a list committed just after it read the
thresholds; the sweep merges the activities changed since its last run again.
"""

from __future__ import annotations

import dataclasses
import datetime
import threading

import numpy as np
from django.core.cache import cache
from django.db.models import Max
from django.utils import timezone

from matching import engine
from matching.arrays import concat, locate, splice
from matching.candidates import log_change, with_ids
from matching.models import Feedback, RecommendationSet, ResidentProfile
from matching.selectors import build_residents, category_index, consenting_profiles

PIECE = 20_000  # profiles loaded and built at a time, to bound memory
MAX_PATCH = 5_000  # beyond this many changed residents, rebuilding is as fast


@dataclasses.dataclass(frozen=True)
class _Entry:
    version: tuple  # (last profile update, last profile id, last feedback id, day)
    residents: engine.Residents


_lock = threading.Lock()
_entry: _Entry | None = None


def residents_version(*, now: datetime.datetime | None = None) -> tuple:
    profiles = ResidentProfile.objects.aggregate(changed=Max("updated_at"), last=Max("id"))
    feedback = Feedback.objects.aggregate(last=Max("id"))
    return (
        profiles["changed"],
        profiles["last"],
        feedback["last"],
        timezone.localdate(now or timezone.now()),
    )


def _build(profiles) -> engine.Residents:
    slugs = category_index()[0]
    pieces, piece = [build_residents([], slugs)], []
    for profile in profiles:
        piece.append(profile)
        if len(piece) == PIECE:
            pieces.append(build_residents(piece, slugs))
            piece = []
    pieces.append(build_residents(piece, slugs))
    return concat(pieces)


def _patched(entry: _Entry, version: tuple) -> _Entry | None:
    changed_at, _last, feedback_id, day = entry.version
    if version[3] != day:
        return None
    users = set()
    if changed_at is not None:
        recent = ResidentProfile.objects.filter(updated_at__gte=changed_at)
        users.update(recent.values_list("user_id", flat=True)[: MAX_PATCH + 1])
    feedback = Feedback.objects.filter(id__gt=feedback_id or 0)
    users.update(feedback.values_list("user_id", flat=True).distinct()[: MAX_PATCH + 1])
    if len(users) > MAX_PATCH:
        return None
    added = _build(consenting_profiles().order_by("user_id").filter(user_id__in=users))
    return _Entry(version, splice(entry.residents, users, added))


def current_residents(*, now: datetime.datetime | None = None) -> engine.Residents:
    """Every consenting resident, ordered by user id, as they are now: the table this
    process holds, brought up to date."""
    global _entry
    with _lock:
        # Read before the rows: a change committed meanwhile moves the version again.
        version = residents_version(now=now)
        if _entry is None or _entry.version != version:
            entry = _patched(_entry, version) if _entry is not None else None
            _entry = entry or _Entry(
                version,
                _build(consenting_profiles().order_by("user_id").iterator(chunk_size=PIECE)),
            )
        return _entry.residents


SETS_GENERATION_KEY = "matching:sets-generation"
SETS_WRITTEN_KEY = "matching:sets-written:{}"  # the user ids of one write of sets
MAX_THRESHOLD_PATCH = 20_000  # beyond this many sets written since, reading all is as fast


def sets_written(user_ids: list[int]) -> None:
    """Tell every process that these residents' sets were written: call it once the write
    is visible to them (after the commit), and for reads in the writer's own transaction,
    before (see `services._announce`)."""
    log_change(SETS_GENERATION_KEY, SETS_WRITTEN_KEY, user_ids)


@dataclasses.dataclass(frozen=True)
class SetThresholds:
    """The threshold of every resident's set, as of one generation of the log of writes."""

    generation: int
    user_ids: np.ndarray  # int64, ascending: the residents who have a set
    thresholds: np.ndarray  # float64

    def of(self, user_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Whether each of these residents has a set, and its threshold (0 for none)."""
        at, found = locate(self.user_ids, user_ids)
        thresholds = np.zeros(len(user_ids))
        thresholds[found] = self.thresholds[at[found]]
        return found, thresholds


def _read_thresholds(generation: int, user_ids: list[int] | None = None) -> SetThresholds:
    """The thresholds of these residents' sets (default every set), read now."""
    sets = RecommendationSet.objects.all()
    if user_ids is not None:
        sets = with_ids(sets, user_ids, field="user")
    rows = list(sets.values_list("user_id", "threshold"))
    user_ids = np.fromiter((user_id for user_id, _t in rows), dtype=np.int64, count=len(rows))
    thresholds = np.fromiter((t for _u, t in rows), dtype=np.float64, count=len(rows))
    order = np.argsort(user_ids, kind="stable")
    return SetThresholds(generation, user_ids[order], thresholds[order])


def _updated(table: SetThresholds, generation: int) -> SetThresholds | None:
    """The table with the sets written at the generations since re-read, or None when they
    cannot be told (a gap in the log) or are too many."""
    keys = [SETS_WRITTEN_KEY.format(g) for g in range(table.generation + 1, generation + 1)]
    logged = cache.get_many(keys) if keys else {}
    if len(logged) < len(keys) or sum(map(len, logged.values())) > MAX_THRESHOLD_PATCH:
        return None
    written = sorted(set().union(*logged.values()))
    if not written:
        return dataclasses.replace(table, generation=generation)
    fresh = _read_thresholds(generation, written)
    # Most sets written are rewritten ones: their thresholds change in place, and the table
    # is rebuilt (a sort of every set) only when sets were added or removed.
    gone = np.setdiff1d(np.array(written, dtype=np.int64), fresh.user_ids, assume_unique=True)
    at, present = locate(table.user_ids, fresh.user_ids)
    if present.all() and not locate(table.user_ids, gone)[1].any():
        thresholds = table.thresholds.copy()
        thresholds[at] = fresh.thresholds
        return SetThresholds(generation, table.user_ids, thresholds)
    kept = ~np.isin(table.user_ids, written)
    user_ids = np.concatenate([table.user_ids[kept], fresh.user_ids])
    order = np.argsort(user_ids, kind="stable")
    thresholds = np.concatenate([table.thresholds[kept], fresh.thresholds])[order]
    return SetThresholds(generation, user_ids[order], thresholds)


_thresholds: SetThresholds | None = None


def current_thresholds() -> SetThresholds:
    """The threshold of every resident's set as it is now: the table this process holds,
    brought up to date."""
    global _thresholds
    with _lock:
        # Read before the rows: a write logged meanwhile is re-read next time.
        generation = cache.get(SETS_GENERATION_KEY, 0)
        table = _thresholds
        if table is None or table.generation != generation:
            table = _updated(table, generation) if table and table.generation < generation else None
            table = table or _read_thresholds(generation)
        _thresholds = table
        return table


_terms: tuple[engine.Residents, engine.ResidentTerms] | None = None


def resident_terms(residents: engine.Residents) -> engine.ResidentTerms:
    """The table's `engine.ResidentTerms`, computed once for the table this process holds:
    an online publication scores its activity against all of it."""
    global _terms
    with _lock:
        if _terms is None or _terms[0] is not residents:
            _terms = (residents, engine.ResidentTerms.of(residents))
        return _terms[1]


def forget() -> None:
    """Drop this process's table (tests, or a worker that wants its memory back)."""
    global _entry, _terms, _thresholds
    with _lock:
        _entry = _terms = _thresholds = None
