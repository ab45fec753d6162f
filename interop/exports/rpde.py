"""RPDE pages (Realtime Paged Data Exchange 1.0, "modified timestamp and ID" ordering):
items ordered by (`modified`, `id`), the next page's address naming the last item's
`modified` and `id` as `afterTimestamp` and `afterId`, deleted items with no `data`.

`modified` is the row's last change in microseconds since the epoch: an integer, exact (the
database keeps microseconds), so the next page starts exactly after the last item. A page
merges two ordered reads (the rows still there, and the tombstones of those that left) and
keeps the first `size` of both; an id is in one read only at a time (publishing an activity
again drops its tombstone).
"""

import dataclasses
import datetime
from collections.abc import Callable
from typing import Any

from activities import choices
from activities.models import Occurrence
from interop.exports import openactive, selectors

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
# The largest `afterTimestamp` there is a date for (9999-12-31).
MAX_TIMESTAMP = 253_402_300_799_999_999
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
KIND_SERIES = "SessionSeries"
KIND_SESSION = "ScheduledSession"


def timestamp_of(moment: datetime.datetime) -> int:
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def moment_of(timestamp: int) -> datetime.datetime:
    return EPOCH + datetime.timedelta(microseconds=timestamp)


@dataclasses.dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    # (afterTimestamp, afterId) of the next page; None: the same query again (the last page).
    next_after: tuple[int, int] | None


def _item(kind: str, pk: int, moment: datetime.datetime, data: dict | None) -> dict:
    item: dict[str, Any] = {
        "state": "updated" if data is not None else "deleted",
        "kind": kind,
        "id": pk,
        "modified": timestamp_of(moment),
    }
    if data is not None:
        item["data"] = data
    return item


def _page(rows: list[tuple[datetime.datetime, int, Callable[[], dict]]], size: int) -> Page:
    rows.sort(key=lambda row: (row[0], row[1]))
    items = [make() for _moment, _pk, make in rows[:size]]
    if not items:
        return Page(items=[], next_after=None)
    return Page(items=items, next_after=(items[-1]["modified"], items[-1]["id"]))


def _after(after: tuple[int, int] | None) -> tuple[datetime.datetime, int] | None:
    return None if after is None else (moment_of(after[0]), after[1])


def session_series_page(*, after: tuple[int, int] | None, size: int, base: str) -> Page:
    since = _after(after)
    rows: list[tuple[datetime.datetime, int, Callable[[], dict]]] = []
    for activity in selectors.rpde_series(after=since, size=size):
        rows.append(
            (
                activity.rpde_modified,
                activity.pk,
                lambda a=activity: _item(
                    KIND_SERIES, a.pk, a.rpde_modified, openactive.session_series(a, base=base)
                ),
            )
        )
    for tombstone in selectors.rpde_series_removed(after=since, size=size):
        rows.append(
            (
                tombstone.removed_at,
                tombstone.activity_id,
                lambda t=tombstone: _item(KIND_SERIES, t.activity_id, t.removed_at, None),
            )
        )
    return _page(rows, size)


def _session_is_live(occurrence: Occurrence) -> bool:
    return (
        occurrence.activity.status == choices.ActivityStatus.PUBLISHED
        and occurrence.status != choices.OccurrenceStatus.CANCELLED
    )


def scheduled_sessions_page(*, after: tuple[int, int] | None, size: int, base: str) -> Page:
    """Sessions of published activities (updated); cancelled sessions and those of
    activities that left the directory (deleted)."""
    rows = [
        (
            occurrence.rpde_modified,
            occurrence.pk,
            lambda o=occurrence: _item(
                KIND_SESSION,
                o.pk,
                o.rpde_modified,
                openactive.scheduled_session(o, base=base) if _session_is_live(o) else None,
            ),
        )
        for occurrence in selectors.rpde_sessions(after=_after(after), size=size)
    ]
    return _page(rows, size)
