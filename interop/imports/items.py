"""What every import source yields and the import runner consumes.

A source (a CSV file, an iCalendar feed, schema.org Event JSON-LD, an OpenAgenda export) is
read into a list of `SourceItem` and `SourceError`, in the order of the source. An item holds
the same fields as the API's write bodies (`ActivityInputSerializer`, `PlaceInputSerializer`,
`ScheduleInputSerializer`), so the runner validates an import with the API's own rules and
writes it through the same services and state machine; a source only maps its format.

`position` is what a volunteer looks for in their file: the line number in a CSV (its header
is line 1), the item's number (from 1) in a feed. Messages are translated when the source is
read, in the language active for the import (the importer's).
"""

import dataclasses
import datetime
from typing import Any


@dataclasses.dataclass
class SessionEdit:
    """A session of a series edited in the source (an iCalendar RECURRENCE-ID): moved,
    retimed, or cancelled. `series_start` is the start the series rule gives it (aware)."""

    series_start: datetime.datetime
    start: datetime.datetime | None = None
    end: datetime.datetime | None = None
    cancelled: bool = False
    note: str = ""


@dataclasses.dataclass
class SourceItem:
    """One activity as the source describes it.

    - `external_id`: its stable id in the source (a CSV `id` column, an iCalendar UID, a
      JSON-LD `@id` or `url`, an OpenAgenda `uid`); with the job's source it makes an import
      idempotent.
    - `activity`: fields of `ActivityInputSerializer` but `organization` and `place`;
      `categories` holds labels as written in the source (a slug, or a French or English
      name), resolved by the runner.
    - `place`: fields of `PlaceInputSerializer` but `organization`; None for an activity
      held at no place (online, at home, by phone).
    - `schedules`: each the fields of `ScheduleInputSerializer`.
    - `sessions`: the series' sessions the source edits.
    - `warnings`: what was read but not kept (a property Relier has no field for), for the
      report; never a reason to skip the item.
    """

    external_id: str
    position: int
    activity: dict[str, Any]
    place: dict[str, Any] | None = None
    schedules: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    sessions: list[SessionEdit] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class SourceError:
    """An item, a line or the whole source that cannot be read: reported with its position
    (0 for the source as a whole) and a message a volunteer can act on; the others go on."""

    position: int
    message: str
    external_id: str = ""


SourceEntry = SourceItem | SourceError
