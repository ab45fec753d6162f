"""Every consenting resident as the engine's arrays, kept by each process and brought up to
date row by row: what a publication scores its one activity against.

An activity reaches anything from a few dozen residents (a venue in the countryside) to all
of them (online): loading their profiles through the ORM and building their arrays costs about
60 µs a resident (6 s for 100,000), far more than scoring them against one activity. So each
process keeps the table of every consenting resident and, when the residents' version has
moved, rebuilds only the rows of the residents who changed since:
- profiles saved since the table was built (`updated_at`, which every profile change and
  every consent given or withdrawn moves), and profiles created since;
- residents who gave feedback since (dismissed, saved, joined change their rows);
- the day: ages are counted from the current year; a new day rebuilds the whole table.
A resident deleted since keeps a row until then: harmless, as nothing is written for a
resident without a profile (the services reload the profiles of the sets they write).
"""

from __future__ import annotations

import dataclasses
import datetime
import threading

from django.db.models import Max
from django.utils import timezone

from matching import scoring
from matching.arrays import concat, splice
from matching.models import Feedback, ResidentProfile
from matching.selectors import build_residents, category_index

PIECE = 20_000  # profiles loaded and built at a time, to bound memory
MAX_PATCH = 5_000  # beyond this many changed residents, rebuilding is as fast


@dataclasses.dataclass(frozen=True)
class _Entry:
    version: tuple  # (last profile update, last profile id, last feedback id, day)
    residents: scoring.Residents


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


def _consenting():
    return ResidentProfile.objects.filter(matching_consent_at__isnull=False).order_by("user_id")


def _build(profiles) -> scoring.Residents:
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
    added = _build(_consenting().filter(user_id__in=users))
    return _Entry(version, splice(entry.residents, users, added))


def current_residents(*, now: datetime.datetime | None = None) -> scoring.Residents:
    """Every consenting resident, ordered by user id, as they are now: the table this
    process holds, brought up to date."""
    global _entry
    with _lock:
        # Read before the rows: a change committed meanwhile moves the version again.
        version = residents_version(now=now)
        if _entry is None or _entry.version != version:
            entry = _patched(_entry, version) if _entry is not None else None
            _entry = entry or _Entry(version, _build(_consenting().iterator(chunk_size=PIECE)))
        return _entry.residents


def forget() -> None:
    """Drop this process's table (tests, or a worker that wants its memory back)."""
    global _entry
    with _lock:
        _entry = None
