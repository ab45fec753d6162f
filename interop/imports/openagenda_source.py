"""Activities from an OpenAgenda JSON export (an agenda's events, as its export or API gives
them: `{"events": [...]}`, a list of events, or one event).

Each event is an item, numbered from 1 in the order of the export, its external id the
event's `uid`.
- `title`, `description`, `longDescription`, `conditions` are language maps: French is taken,
  else English, else the first language given; HTML and Markdown links made plain;
- `timings` (`begin`/`end`, or `start`/`end` in older exports, ISO 8601 with an offset) are the
  sessions, grouped into one-off schedules by their local times in the event's `timezone`
  (else the location's, else Europe/Paris);
- `location`: `name`, `address`, `postalCode`, `city`, `latitude`, `longitude`;
- `keywords` (a language map of lists) are category labels; `age` (`min`, `max`);
- `attendanceMode` 1 offline, 2 online, 3 mixed; `onlineAccessLink`;
- `status` 6 (cancelled) or 4 (postponed, its timings no longer its dates) leaves the event
  out, 3 (moved online) makes it online; `accessibility` codes hi, vi, pi, mi, ii are the
  place's hearing, visual, psychic, motor and intellectual support;
- `registration` entries: a link, a phone number or an email address.
"""

from __future__ import annotations

import datetime
import json
import re
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from activities import recurrence
from interop.imports import _common
from interop.imports.items import SourceEntry, SourceError, SourceItem

__all__ = ["read_openagenda"]

# OpenAgenda's event statuses: 1 scheduled, 2 rescheduled, 3 moved online, 4 postponed (no
# new date yet), 5 full, 6 cancelled. A postponed event's timings are no longer its dates.
_MOVED_ONLINE = 3
_LEFT_OUT = (4, 6)
_ATTENDANCE = {1: "in_person", 2: "online", 3: "mixed"}
_ACCESSIBILITY = {
    "hi": "hearing",
    "vi": "visual",
    "pi": "psychic",
    "mi": "motor",
    "ii": "intellectual",
}
_MARKDOWN_LINK_RE = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def read_openagenda(data: bytes) -> list[SourceEntry]:
    """Items and errors of an OpenAgenda JSON export, in the order of its events."""
    try:
        document = json.loads(data.decode("utf-8-sig", errors="replace"))
    except json.JSONDecodeError as error:
        return [
            SourceError(
                position=0,
                message=_("This is not JSON that can be read (line %(line)d, column %(column)d).")
                % {"line": error.lineno, "column": error.colno},
            )
        ]
    if isinstance(document, dict) and isinstance(document.get("events"), list):
        events = document["events"]
    elif isinstance(document, list):
        events = document
    elif isinstance(document, dict) and "uid" in document:
        events = [document]
    else:
        return [
            SourceError(
                position=0,
                message=_(
                    "This is not an OpenAgenda export: it should hold a list of events under "
                    '"events".'
                ),
            )
        ]
    return _common.read_each(events, external_id=_uid, read=_read_event)


def _uid(event) -> str:
    return str(event.get("uid", "")).strip() if isinstance(event, dict) else ""


def _localized(value: Any) -> str:
    """French, else English, else the first language of a language map."""
    if isinstance(value, dict):
        for language in ("fr", "en"):
            if value.get(language):
                return _localized(value[language])
        return next((_localized(text) for text in value.values() if text), "")
    if isinstance(value, list):
        return ", ".join(str(part) for part in value)
    return "" if value is None else str(value)


def _keywords(value: Any) -> list[str]:
    if isinstance(value, dict):
        for language in ("fr", "en"):
            if value.get(language):
                return _keywords(value[language])
        value = next((entry for entry in value.values() if entry), [])
    if isinstance(value, str):
        value = value.split(",")
    return list(dict.fromkeys(str(label).strip() for label in value or [] if str(label).strip()))


def _text(value: Any) -> str:
    return _common.plain_text(_MARKDOWN_LINK_RE.sub(r"\1 (\2)", _localized(value)))


def _read_event(event: dict, position: int, external_id: str) -> SourceItem | None:
    if not external_id:
        raise _common.Refused(_("Event %(number)d has no uid.") % {"number": position})
    if event.get("status") in _LEFT_OUT:
        return None
    warnings: list[str] = []
    title = " ".join(_localized(event.get("title")).split())
    if not title:
        raise _common.Refused(
            _("Event %(number)d (uid %(uid)s) has no title.")
            % {"number": position, "uid": external_id}
        )

    def refuse(message: str) -> _common.Refused:
        return _common.refusal(title, message)

    if len(title) > _common.TITLE_MAX:
        warnings.append(
            _("Its title was shortened to %(count)d characters.") % {"count": _common.TITLE_MAX}
        )
        title = _common.shorten(title, _common.TITLE_MAX)
    short = _text(event.get("description"))
    long = _text(event.get("longDescription"))
    description = "\n\n".join(part for part in (short, long) if part)
    if conditions := _text(event.get("conditions")):
        description = "\n\n".join(part for part in (description, conditions) if part)
    if len(description) > _common.DESCRIPTION_MAX:
        warnings.append(
            _("Its description was shortened to %(count)d characters.")
            % {"count": _common.DESCRIPTION_MAX}
        )
        description = _common.shorten(description, _common.DESCRIPTION_MAX)
    location = event.get("location") or {}
    zone = _zone(event.get("timezone") or location.get("timezone"))
    sessions = []
    for timing in event.get("timings") or []:
        begin, end = timing.get("begin") or timing.get("start"), timing.get("end")
        if not begin or not end:
            raise refuse(_("one of its timings has no begin or end."))
        sessions.append((_moment(begin, zone, warnings), _moment(end, zone, warnings)))
    if not sessions:
        raise refuse(_("it has no timings."))
    schedules, problems = _common.sessions_schedules(sessions, timezone=zone)
    if problems:
        raise refuse(problems[0])
    for schedule in schedules:
        if reason := _common.check_schedule(schedule):
            raise refuse(reason)
    activity: dict[str, Any] = {
        "title": title,
        "summary": _common.shorten(short, _common.SUMMARY_MAX)
        if short
        else _common.summary_of(title=title, description=description),
        "description": description,
        "kind": "event" if len(sessions) == 1 else "club",
        "categories": _common.feed_categories(_keywords(event.get("keywords")), warnings),
    }
    age = event.get("age") or {}
    for key, field in (("min", "age_min"), ("max", "age_max")):
        if isinstance(age.get(key), int) and 0 <= age[key] <= 120:
            activity[field] = age[key]
    mode = _ATTENDANCE.get(event.get("attendanceMode"))
    if event.get("status") == _MOVED_ONLINE:
        mode = "online"
    if mode:
        activity["attendance_mode"] = mode
    for entry in event.get("registration") or []:
        value = str(entry.get("value", "") if isinstance(entry, dict) else entry).strip()
        if value.startswith(("http://", "https://")):
            activity.setdefault("registration_url", value)
        elif _EMAIL_RE.match(value):
            activity.setdefault("registration_email", value)
        elif value:
            activity.setdefault("registration_phone", value[:32])
    if link := str(event.get("onlineAccessLink") or "").strip():
        activity.setdefault("registration_url", link)
    place = None if mode == "online" else _place(location, event, title)
    return SourceItem(
        external_id=external_id,
        position=position,
        activity=activity,
        place=place,
        schedules=schedules,
        warnings=warnings,
    )


def _zone(name: Any) -> str:
    if isinstance(name, str) and name:
        try:
            recurrence.validate_timezone(name)
        except recurrence.RecurrenceError:
            return _common.DEFAULT_TIMEZONE
        return name
    return _common.DEFAULT_TIMEZONE


def _moment(value: str, zone: str, warnings: list[str]) -> datetime.datetime:
    moment = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        warnings.append(
            _("Its timings carry no offset; they were read as %(zone)s time.") % {"zone": zone}
        )
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment


def _place(location: dict, event: dict, title: str) -> dict | None:
    if not location:
        return None
    place: dict[str, Any] = {}
    for key, field in (
        ("name", "name"),
        ("address", "address"),
        ("postalCode", "postal_code"),
        ("city", "city"),
    ):
        if value := " ".join(_localized(location.get(key)).split()):
            place[field] = value
    if "address" in place:
        place["address"] = _common.shorten(place["address"], _common.ADDRESS_MAX)
    if location.get("latitude") not in (None, "") and location.get("longitude") not in (None, ""):
        place["lat"], place["lng"] = float(location["latitude"]), float(location["longitude"])
    flags = event.get("accessibility") or {}
    if isinstance(flags, dict) and any(flags.values()):
        place["accessibility"] = [flag for code, flag in _ACCESSIBILITY.items() if flags.get(code)]
    if not place:
        return None
    place["name"] = _common.shorten(
        place.get("name") or place.get("address") or title, _common.PLACE_NAME_MAX
    )
    return place
