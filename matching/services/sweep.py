"""The periodic sweep and the full refresh's mark: what a lost task or a broker outage left
behind is found and queued again."""

from __future__ import annotations

import dataclasses
import datetime

from django.core.cache import cache
from django.db.models import F, Q
from django.utils import timezone

from activities.models import Activity, Occurrence, Schedule
from matching.selectors import consenting_profiles

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
        consenting_profiles()
        .filter(stale)
        .order_by("user_id")
        .values_list("user_id", "home_cell", "homebound")
    )
    return SweepPlan(False, residents, sorted(changed), watermark)


def recommendations_sweep_done(*, plan: SweepPlan) -> None:
    """The plan's work is queued: the next sweep looks at what changed after it."""
    cache.set(SWEEP_WATERMARK_KEY, plan.watermark, timeout=None)
