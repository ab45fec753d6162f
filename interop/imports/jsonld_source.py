"""Activities from schema.org Event / EventSeries in JSON-LD: a JSON document (one object, a
list, or an @graph) or the `<script type="application/ld+json">` blocks of an HTML page.

Each Event (or a subtype: SocialEvent, EducationEvent...) or EventSeries is an item, numbered
from 1 in the order of the document; its external id is its `@id`, else its `url`, else a
hash of its name and start.
- `name`, `description` (HTML made plain), `url` (registration link), `keywords` (category
  labels), `inLanguage`;
- `startDate`/`endDate` (ISO 8601 with an offset; without one, Europe/Paris time with a
  warning) are one session; `subEvent`s of a series are its sessions;
- `eventSchedule` (schema.org Schedule: `byDay`, `byMonthDay`, `byMonthWeek`, `startTime`,
  `endTime` or `duration`, `repeatFrequency` P1D/P1W/P2W/P1M..., `repeatCount`, `startDate`,
  `endDate`, `exceptDate`, `scheduleTimezone`) is a recurring schedule; `byMonth` or a yearly
  frequency are refused on the item;
- `location`: a Place (`name`, `address` as text or PostalAddress, `geo`) or a
  VirtualLocation (online); `eventAttendanceMode` (online, offline, mixed);
- `eventStatus` EventCancelled leaves the item out (as if gone from the source);
- `offers`: prices (0 = free), `isAccessibleForFree`;
- `organizer` is not read: the import's organization is the organizer.
"""

from __future__ import annotations

import datetime
import hashlib
import html.parser
import json
import re
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from activities import choices, recurrence
from interop.imports import _common
from interop.imports.items import SourceEntry, SourceError, SourceItem

__all__ = ["read_jsonld"]

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_FREQUENCY_RE = re.compile(r"^P(\d+)([DWM])$")
_FREQUENCIES = {"D": "DAILY", "W": "WEEKLY", "M": "MONTHLY"}
_NAMED_FREQUENCIES = {"daily": "P1D", "weekly": "P1W", "monthly": "P1M"}
_DURATION_RE = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?$")


class _ScriptBlocks(html.parser.HTMLParser):
    """The text of every `<script type="application/ld+json">` of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.blocks: list[str] = []
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and (dict(attrs).get("type") or "").strip().lower() == (
            "application/ld+json"
        ):
            self._inside = True
            self.blocks.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._inside = False

    def handle_data(self, data: str) -> None:
        if self._inside:
            self.blocks[-1] += data


def read_jsonld(data: bytes) -> list[SourceEntry]:
    """Items and errors of a JSON-LD document or of an HTML page's JSON-LD blocks."""
    text = data.decode("utf-8-sig", errors="replace").strip()
    if text.startswith("<"):
        parser = _ScriptBlocks()
        parser.feed(text)
        blocks = parser.blocks
        if not blocks:
            return [
                SourceError(
                    position=0,
                    message=_(
                        'This page has no schema.org data (no <script type="application/ld+json">).'
                    ),
                )
            ]
    else:
        blocks = [text]
    documents = []
    for block in blocks:
        try:
            documents.append(json.loads(block))
        except json.JSONDecodeError as error:
            return [
                SourceError(
                    position=0,
                    message=_(
                        "This is not JSON that can be read (line %(line)d, column %(column)d)."
                    )
                    % {"line": error.lineno, "column": error.colno},
                )
            ]
    events = [node for document in documents for node in _events(document)]
    if not events:
        return [
            SourceError(
                position=0,
                message=_("No schema.org Event or EventSeries was found in this document."),
            )
        ]
    return _common.read_each(events, external_id=_external_id, read=_read_event)


def _types(node: dict) -> list[str]:
    value = node.get("@type", [])
    values = value if isinstance(value, list) else [value]
    return [str(kind).rsplit("/", 1)[-1] for kind in values]


def _is_event(node: Any) -> bool:
    return isinstance(node, dict) and any(
        kind.endswith("Event") or kind == "EventSeries" for kind in _types(node)
    )


def _events(document: Any) -> Iterator[dict]:
    if isinstance(document, list):
        for node in document:
            yield from _events(node)
    elif isinstance(document, dict):
        if "@graph" in document:
            yield from _events(document["@graph"])
        elif _is_event(document):
            yield document


def _text(value: Any) -> str:
    """A text value: a string, a language-tagged {"@value"}, or the first of a list."""
    if isinstance(value, list):
        return _text(value[0]) if value else ""
    if isinstance(value, dict):
        return str(value.get("@value", value.get("name", "")))
    return "" if value is None else str(value)


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _external_id(node: dict) -> str:
    for key in ("@id", "url"):
        if value := _text(node.get(key)).strip():
            return value
    identity = f"{_text(node.get('name'))}\x1f{_text(node.get('startDate'))}"
    return "jsonld-" + hashlib.sha256(identity.encode()).hexdigest()[:24]


def _enum(value: Any) -> str:
    return _text(value).rsplit("/", 1)[-1]


def _read_event(node: dict, position: int, external_id: str) -> SourceItem | None:
    if _enum(node.get("eventStatus")) == "EventCancelled":
        return None
    warnings: list[str] = []
    title = " ".join(_text(node.get("name")).split())
    if not title:
        raise _common.Refused(_("Event %(number)d has no name.") % {"number": position})

    def refuse(message: str) -> _common.Refused:
        return _common.refusal(title, message)

    description = _common.plain_text(_text(node.get("description")))
    if len(title) > _common.TITLE_MAX:
        warnings.append(
            _("Its title was shortened to %(count)d characters.") % {"count": _common.TITLE_MAX}
        )
        title = _common.shorten(title, _common.TITLE_MAX)
    if len(description) > _common.DESCRIPTION_MAX:
        warnings.append(
            _("Its description was shortened to %(count)d characters.")
            % {"count": _common.DESCRIPTION_MAX}
        )
        description = _common.shorten(description, _common.DESCRIPTION_MAX)
    schedules = []
    for schedule in _as_list(node.get("eventSchedule")):
        schedules.append(_schedule(schedule, node, refuse))
    sessions = []
    if not schedules:
        occasions = [node, *[sub for sub in _as_list(node.get("subEvent")) if _is_event(sub)]]
        for occasion in occasions:
            if not occasion.get("startDate"):
                continue
            if _enum(occasion.get("eventStatus")) == "EventCancelled":
                continue
            sessions.append(_session(occasion, warnings, refuse))
        if not sessions:
            raise refuse(_("it has neither a startDate nor an eventSchedule."))
        extra, problems = _common.sessions_schedules(sessions, timezone=_common.DEFAULT_TIMEZONE)
        if problems:
            raise refuse(problems[0])
        schedules = extra
    for schedule in schedules:
        if reason := _common.check_schedule(schedule):
            raise refuse(reason)
    activity: dict[str, Any] = {
        "title": title,
        "summary": _common.summary_of(title=title, description=description),
        "description": description,
        "kind": "club" if any(schedule["rrule"] for schedule in schedules) else "event",
        "categories": _common.feed_categories(_keywords(node.get("keywords")), warnings),
    }
    if url := _text(node.get("url")).strip():
        activity["registration_url"] = url
    languages = [
        code
        for code in (
            _text(value).split("-")[0].lower() for value in _as_list(node.get("inLanguage"))
        )
        if code in choices.LANGUAGES
    ]
    if languages:
        activity["languages"] = list(dict.fromkeys(languages))
    activity.update(_offers(node))
    place = _place(node, activity)
    return SourceItem(
        external_id=external_id,
        position=position,
        activity=activity,
        place=place,
        schedules=schedules,
        warnings=warnings,
    )


def _moment(value: str, warnings: list[str]) -> datetime.datetime | datetime.date:
    text = value.strip()
    if len(text) == 10:
        return datetime.date.fromisoformat(text)
    moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        warnings.append(_("Its dates carry no offset; they were read as Europe/Paris time."))
        moment = moment.replace(tzinfo=ZoneInfo(_common.DEFAULT_TIMEZONE))
    return moment


def _session(
    node: dict, warnings: list[str], refuse
) -> tuple[datetime.datetime, datetime.datetime]:
    start = _moment(_text(node.get("startDate")), warnings)
    zone = ZoneInfo(_common.DEFAULT_TIMEZONE)
    if not isinstance(start, datetime.datetime):
        warnings.append(_("It has a date but no time: its session is shown from 00:00 to 23:59."))
        start = datetime.datetime.combine(start, datetime.time(0, 0), zone)
        return start, start.replace(hour=23, minute=59)
    end_text = _text(node.get("endDate"))
    if not end_text:
        if duration := _duration(_text(node.get("duration"))):
            return start, start + duration
        raise refuse(_("it has a startDate but no endDate."))
    end = _moment(end_text, warnings)
    if not isinstance(end, datetime.datetime):
        end = datetime.datetime.combine(end, datetime.time(23, 59), zone)
    return start, end


def _duration(text: str) -> datetime.timedelta | None:
    match = _DURATION_RE.match(text.strip().upper())
    if not match or not any(match.groups()):
        return None
    hours, minutes = (int(part or 0) for part in match.groups())
    return datetime.timedelta(hours=hours, minutes=minutes)


def _clock(text: str) -> datetime.time:
    value = text.strip()
    # "14:00:00+02:00": the offset is the schedule's zone's; the local time is what counts.
    value = re.sub(r"(Z|[+-]\d{2}:?\d{2})$", "", value)
    return datetime.time.fromisoformat(value)


def _schedule(schedule: dict, event: dict, refuse) -> dict:
    if "byMonth" in schedule:
        raise refuse(
            _(
                "its schedule is limited to some months (byMonth), which Relier cannot "
                "hold; give its dates one by one."
            )
        )
    zone = _text(schedule.get("scheduleTimezone")) or _common.DEFAULT_TIMEZONE
    try:
        recurrence.validate_timezone(zone)
    except recurrence.RecurrenceError:
        raise refuse(
            _("its time zone %(zone)s is unknown; use an IANA name such as Europe/Paris.")
            % {"zone": zone}
        ) from None
    frequency = _text(schedule.get("repeatFrequency")).strip()
    frequency = _NAMED_FREQUENCIES.get(frequency.lower(), frequency.upper())
    match = _FREQUENCY_RE.match(frequency)
    if not match:
        raise refuse(
            _("its repeatFrequency %(value)s is not one Relier holds (P1D, P1W, P2W, P1M...).")
            % {"value": frequency or "-"}
        )
    step, unit = int(match.group(1)), _FREQUENCIES[match.group(2)]
    days = []
    for value in _as_list(schedule.get("byDay")):
        name = _enum(value).lower()
        if name not in _WEEKDAYS:
            raise refuse(_("byDay %(value)s is not a day of the week.") % {"value": name})
        days.append(_CODES[_WEEKDAYS.index(name)])
    weeks = [int(value) for value in _as_list(schedule.get("byMonthWeek"))]
    monthdays = [int(value) for value in _as_list(schedule.get("byMonthDay"))]
    parts = [f"FREQ={unit}"] + ([f"INTERVAL={step}"] if step > 1 else [])
    if weeks:
        if unit != "MONTHLY":
            raise refuse(_("byMonthWeek needs a monthly repeatFrequency (P1M)."))
        days = [f"{week}{day}" for week in weeks for day in days]
    if days:
        parts.append("BYDAY=" + ",".join(days))
    if monthdays:
        parts.append("BYMONTHDAY=" + ",".join(str(day) for day in monthdays))
    if count := schedule.get("repeatCount"):
        parts.append(f"COUNT={int(count)}")
    warnings: list[str] = []
    first = _text(schedule.get("startDate")) or _text(event.get("startDate"))
    if not first:
        raise refuse(_("its schedule has no startDate."))
    valid_from = _moment(first, warnings)
    if isinstance(valid_from, datetime.datetime):
        valid_from = valid_from.astimezone(ZoneInfo(zone)).date()
    start_time = _clock(_text(schedule.get("startTime")))
    if end_text := _text(schedule.get("endTime")):
        end_time = _clock(end_text)
    elif duration := _duration(_text(schedule.get("duration"))):
        end_time = (datetime.datetime.combine(valid_from, start_time) + duration).time()
    else:
        raise refuse(_("its schedule has no endTime."))
    result = {
        "rrule": ";".join(parts),
        "dates": [],
        "start_time": _common.hhmm(start_time),
        "end_time": _common.hhmm(end_time),
        "timezone": zone,
        "valid_from": valid_from.isoformat(),
        "exdates": sorted({_text(value)[:10] for value in _as_list(schedule.get("exceptDate"))}),
    }
    if last := _text(schedule.get("endDate")):
        result["valid_to"] = last[:10]
    return result


def _keywords(value: Any) -> list[str]:
    labels: list[str] = []
    for entry in _as_list(value):
        text = _text(entry)
        labels += [part.strip() for part in text.split(",")]
    return list(dict.fromkeys(label for label in labels if label))


def _offers(node: dict) -> dict:
    fields: dict[str, Any] = {}
    prices = []
    for offer in _as_list(node.get("offers")):
        if isinstance(offer, dict) and offer.get("price") not in (None, ""):
            try:
                prices.append(float(str(offer["price"]).replace(",", ".")))
            except ValueError:
                continue
    free = node.get("isAccessibleForFree")
    if isinstance(free, str):
        free = free.strip().lower() in {"true", "yes", "1"}
    if prices:
        paid = [price for price in prices if price > 0]
        if not paid:
            fields["is_free"] = True
        else:
            fields["is_free"] = bool(free) if free is not None else False
            fields["price_min"] = f"{min(paid):.2f}"
            if max(paid) != min(paid):
                fields["price_max"] = f"{max(paid):.2f}"
    elif free is not None:
        fields["is_free"] = bool(free)
    return fields


def _place(node: dict, activity: dict) -> dict | None:
    mode = _enum(node.get("eventAttendanceMode"))
    locations = [value for value in _as_list(node.get("location")) if value]
    physical = [
        value
        for value in locations
        if isinstance(value, str) or "VirtualLocation" not in _types(value)
    ]
    online = len(physical) < len(locations)
    if mode == "OnlineEventAttendanceMode" or (online and not physical):
        activity["attendance_mode"] = "online"
    elif mode == "MixedEventAttendanceMode" or (online and physical):
        activity["attendance_mode"] = "mixed"
    elif mode == "OfflineEventAttendanceMode":
        activity["attendance_mode"] = "in_person"
    if not physical or activity.get("attendance_mode") == "online":
        return None
    location = physical[0]
    if isinstance(location, str):
        return _common.place_from_location(location) or None
    place: dict[str, Any] = {}
    if name := _text(location.get("name")).strip():
        place["name"] = _common.shorten(name, _common.PLACE_NAME_MAX)
    address = location.get("address")
    if isinstance(address, dict):
        for key, field in (
            ("streetAddress", "address"),
            ("postalCode", "postal_code"),
            ("addressLocality", "city"),
        ):
            if value := _text(address.get(key)).strip():
                place[field] = value
    elif address:
        parsed = _common.place_from_location(f"-, {_text(address)}")
        parsed.pop("name", None)
        place.update(parsed)
    geo = location.get("geo")
    if isinstance(geo, dict) and geo.get("latitude") not in (None, ""):
        place["lat"] = float(str(geo["latitude"]).replace(",", "."))
        place["lng"] = float(str(geo["longitude"]).replace(",", "."))
    if place and "name" not in place:
        place["name"] = _common.shorten(
            place.get("address") or place.get("city") or activity["title"],
            _common.PLACE_NAME_MAX,
        )
    return place or None
