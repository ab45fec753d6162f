"""Activities from an iCalendar feed (RFC 5545), read with the `icalendar` library.

The VEVENTs sharing a UID are one activity (an item, numbered from 1 in the order of the
feed): the one without RECURRENCE-ID is the series, the others edit one session each.
- DTSTART/DTEND (or DURATION) in the event's zone give the schedule's local times; its RRULE
  becomes the schedule's rule when `activities.recurrence` holds it (DAILY, WEEKLY, MONTHLY
  with INTERVAL, BYDAY, BYMONTHDAY, UNTIL or COUNT); any other rule (HOURLY, YEARLY,
  BYWEEKNO, BYSETPOS...) is reported on the item with the part at fault, never approximated.
- EXDATE are skipped days; RDATE at the series' times are one-off days of the same schedule,
  RDATE at other times one-off schedules of their own.
- An override (RECURRENCE-ID) is a `SessionEdit`: moved or retimed, or cancelled by
  STATUS:CANCELLED. A series cancelled as a whole is left out (as if gone from the feed).
- Zones: an IANA TZID is used as is; a Windows name (Outlook's "Romance Standard Time") and
  vendor prefixes ("/mozilla.org/.../Europe/Paris") are mapped to the IANA zone. UTC times are
  read in the calendar's X-WR-TIMEZONE when it has one (Google Calendar's way); without it a
  one-off event is shown in Europe/Paris and a rule in UTC stays in UTC (what the feed says:
  the same UTC time all year), with a warning. Floating times are read in the calendar's zone
  (else Europe/Paris), with a warning. An all-day event is a session from 00:00 to 23:59 on
  each of its days.
- SUMMARY, DESCRIPTION, LOCATION (a place by name, or online when it is a link), GEO, URL and
  CATEGORIES are mapped; LOCATION without GEO names a place the import finds by its name.
"""

from __future__ import annotations

import datetime
import warnings
from zoneinfo import ZoneInfo, available_timezones

import icalendar
from django.utils.translation import gettext as _
from icalendar.timezone.tzid import tzids_from_tzinfo
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from activities import recurrence
from activities.schedule_text import recurrence_error_message
from interop.imports import _common
from interop.imports.items import SessionEdit, SourceEntry, SourceError, SourceItem

__all__ = ["read_ical"]

_ALL_DAY_START = datetime.time(0, 0)
_ALL_DAY_END = datetime.time(23, 59)
_SPAN = datetime.timedelta(days=recurrence.MAX_SPAN_DAYS)


def read_ical(data: bytes) -> list[SourceEntry]:
    """Items and errors of an iCalendar document, one per UID, in the order of the feed."""
    with warnings.catch_warnings():
        # icalendar warns when it maps a vendor-prefixed TZID; the mapping is what we want.
        warnings.simplefilter("ignore")
        try:
            calendars = icalendar.Calendar.from_ical(data, multiple=True)
        except (ValueError, IndexError, KeyError) as error:
            return [
                SourceError(
                    position=0,
                    message=_("This is not an iCalendar file (.ics) that can be read: %(error)s")
                    % {"error": error},
                )
            ]
        groups: dict[str, list[icalendar.Event]] = {}
        entries: list[SourceEntry] = []
        default_zone, declared = _common.DEFAULT_TIMEZONE, False
        for calendar in calendars:
            if name := _iana_name(str(calendar.get("X-WR-TIMEZONE", ""))):
                default_zone, declared = name, True
            for event in calendar.walk("VEVENT"):
                uid = str(event.get("UID", "")).strip()
                if not uid:
                    entries.append(
                        SourceError(
                            position=len(groups) + 1,
                            message=_(
                                'The event "%(title)s" has no UID: the feed must give each event a '
                                "stable UID so that it can be read again without duplicates."
                            )
                            % {"title": str(event.get("SUMMARY", ""))},
                        )
                    )
                    continue
                groups.setdefault(uid, []).append(event)
        for position, (uid, events) in enumerate(groups.items(), start=1):
            try:
                item = _Item(uid, events, position, default_zone, declared).read()
            except _common.Refused as refused:
                entries.append(
                    SourceError(position=position, message=str(refused), external_id=uid)
                )
                continue
            except (ValueError, TypeError, KeyError, AttributeError) as error:
                entries.append(
                    SourceError(
                        position=position,
                        external_id=uid,
                        message=_("The event %(uid)s cannot be read: %(error)s")
                        % {"uid": uid, "error": error},
                    )
                )
                continue
            if item is not None:
                entries.append(item)
        entries.sort(key=lambda entry: entry.position)
    return entries


def _iana_name(tzid: str) -> str | None:
    """The IANA name a TZID stands for, or None."""
    tzid = tzid.strip()
    if not tzid:
        return None
    candidates = [tzid, WINDOWS_TO_OLSON.get(tzid, "")]
    # Vendor prefixes: "/mozilla.org/20050126_1/Europe/Paris", "/citadel.org/.../Europe/Paris".
    pieces = tzid.strip("/").split("/")
    candidates += ["/".join(pieces[-3:]), "/".join(pieces[-2:]), pieces[-1]]
    for name in candidates:
        try:
            recurrence.validate_timezone(name)
        except recurrence.RecurrenceError:
            continue
        return name
    return None


def _same_offsets(moment: datetime.datetime, *, preferred: str) -> str | None:
    """The IANA zone whose UTC offsets are the VTIMEZONE's on the 1st and 15th of every month
    over the span a series may have from `moment` (the preferred zone first, then Europe's):
    a zone a calendar describes under a name of its own ("Heure de Paris")."""
    local = moment.replace(tzinfo=None)
    samples = [
        datetime.datetime(
            local.year + (local.month - 1 + n) // 12, (local.month - 1 + n) % 12 + 1, day, 12
        )
        for n in range(recurrence.MAX_SPAN_DAYS // 30)
        for day in (1, 15)
    ]
    wanted = [sample.replace(tzinfo=moment.tzinfo).utcoffset() for sample in samples]
    names = sorted(
        available_timezones(),
        key=lambda name: (name != preferred, not name.startswith("Europe/"), name),
    )
    for name in names:
        try:
            zone = recurrence.validate_timezone(name)
        except recurrence.RecurrenceError:
            continue
        if all(
            sample.replace(tzinfo=zone).utcoffset() == offset
            for sample, offset in zip(samples, wanted, strict=True)
        ):
            return name
    return None


class _Item:
    def __init__(
        self,
        uid: str,
        events: list[icalendar.Event],
        position: int,
        default_zone: str,
        declared_zone: bool,
    ) -> None:
        self.uid = uid
        self.position = position
        self.default_zone = default_zone
        self.declared_zone = declared_zone
        self.warnings: list[str] = []
        masters = [event for event in events if "RECURRENCE-ID" not in event]
        if len(masters) > 1:
            raise _common.Refused(
                _(
                    "The UID %(uid)s is given to %(count)d different events: each event needs "
                    "its own UID."
                )
                % {"uid": uid, "count": len(masters)}
            )
        self.master = masters[0] if masters else None
        self.overrides = [event for event in events if "RECURRENCE-ID" in event]
        self.title = str((self.master or events[0]).get("SUMMARY", "")).strip()

    def refuse(self, message: str) -> _common.Refused:
        return _common.refusal(self.title or self.uid, message)

    # --- times

    def zone_of(self, event: icalendar.Event) -> str:
        moment = event.start
        if not isinstance(moment, datetime.datetime):
            return self.default_zone
        tzid = str(event["DTSTART"].params.get("TZID", ""))
        if moment.tzinfo is None and tzid:
            raise self.refuse(
                _("its time zone %(zone)s is unknown; use an IANA name such as Europe/Paris.")
                % {"zone": tzid}
            )
        if moment.tzinfo is None:
            self.warnings.append(
                _("Its times carry no time zone; they were read as %(zone)s time.")
                % {"zone": self.default_zone}
            )
            return self.default_zone
        for name in (getattr(moment.tzinfo, "key", None), *tzids_from_tzinfo(moment.tzinfo)):
            found = _iana_name(str(name or ""))
            if found:
                return found
        label = tzid or str(moment.tzinfo)
        found = _same_offsets(moment, preferred=self.default_zone)
        if found is None:
            raise self.refuse(
                _("its time zone %(zone)s is unknown; use an IANA name such as Europe/Paris.")
                % {"zone": label}
            )
        self.warnings.append(
            _(
                "Its time zone %(zone)s is not an IANA name; its VTIMEZONE has the offsets of "
                "%(iana)s, used instead."
            )
            % {"zone": label, "iana": found}
        )
        return found

    def aware(self, moment: datetime.date, zone: ZoneInfo) -> datetime.datetime:
        if not isinstance(moment, datetime.datetime):
            return datetime.datetime.combine(moment, _ALL_DAY_START, zone)
        if moment.tzinfo is None:
            return moment.replace(tzinfo=zone)
        return moment.astimezone(zone)

    # --- the item

    def read(self) -> SourceItem | None:
        if self.master is None:
            return self.orphan_overrides()
        master = self.master
        if str(master.get("STATUS", "")).upper() == "CANCELLED":
            return None
        if not self.title:
            raise self.refuse(_("it has no title (SUMMARY)."))
        if "DTSTART" not in master:
            raise self.refuse(_("it has no start (DTSTART)."))
        start = master.start
        all_day = not isinstance(start, datetime.datetime)
        zone_name = self.zone_of(master)
        if zone_name == "UTC":
            # With X-WR-TIMEZONE, UTC times are read in the calendar's zone (as Google Calendar
            # writes them, and as calendar applications expand them).
            if master.rrules and not self.declared_zone:
                # Exact is what the feed says: the same UTC time all year round.
                self.warnings.append(
                    _(
                        "Its times are in UTC, so its sessions move by an hour in local time at "
                        "each clock change; give DTSTART a time zone (TZID) if they should not."
                    )
                )
            else:
                zone_name = self.default_zone
        zone = ZoneInfo(zone_name)
        schedules = self.series_schedules(master, zone_name, zone, all_day=all_day)
        for schedule in schedules:
            if reason := _common.check_schedule(schedule):
                raise self.refuse(reason)
        edits = [self.edit(event, zone, all_day) for event in self.overrides]
        sessions, extra = self.sort_edits(edits, schedules, zone, all_day)
        if extra:
            more, problems = _common.sessions_schedules(extra, timezone=zone_name)
            if problems:
                raise self.refuse(problems[0])
            schedules += more
        item = SourceItem(
            external_id=self.uid,
            position=self.position,
            activity=self.activity(master, repeats=any(s["rrule"] for s in schedules)),
            place=None,
            schedules=schedules,
            sessions=sessions,
        )
        item.place = self.place(master, item.activity)
        item.warnings = list(dict.fromkeys(self.warnings))
        return item

    def series_schedules(
        self, master: icalendar.Event, zone_name: str, zone: ZoneInfo, *, all_day: bool
    ) -> list[dict]:
        start = self.aware(master.start, zone)
        rules = master.rrules
        if len(rules) > 1:
            raise self.refuse(
                _("it has %(count)d RRULE; Relier holds one rule per event.")
                % {"count": len(rules)}
            )
        if all_day:
            end_day = master.end if "DTEND" in master or "DURATION" in master else None
            days = max(1, (end_day - master.start).days) if end_day else 1
            if days > 1 and rules:
                raise self.refuse(
                    _("it repeats and lasts %(days)d days; Relier holds sessions within one day.")
                    % {"days": days}
                )
            self.warnings.append(
                _(
                    "It lasts all day: its sessions are shown from 00:00 to 23:59; give it times "
                    "in the feed if it has some."
                )
            )
            first_day = start.date()
            day, start_time, end_time = first_day, _ALL_DAY_START, _ALL_DAY_END
            extra_days = [first_day + datetime.timedelta(days=n) for n in range(1, days)]
        else:
            if "DTEND" not in master and "DURATION" not in master:
                raise self.refuse(_("it has no end (DTEND or DURATION)."))
            end = start + master.duration
            times = _common.local_times(start, end, zone)
            if isinstance(times, str):
                raise self.refuse(times)
            day, start_time, end_time = times
            extra_days = []
        duration = datetime.timedelta(days=1) if all_day else master.duration
        schedule = {
            "rrule": self.rule(rules[0], start=start, zone=zone) if rules else "",
            "dates": [],
            "start_time": _common.hhmm(start_time),
            "end_time": _common.hhmm(end_time),
            "timezone": zone_name,
            "valid_from": day.isoformat(),
            "exdates": sorted(
                {self.aware(value, zone).date().isoformat() for value in master.exdates}
            ),
        }
        dates = set(extra_days)
        if schedule["rrule"] and not self.rule_starts_on(schedule, day):
            # RFC 5545: DTSTART is always the series' first session, even off the rule.
            dates.add(day)
        if not schedule["rrule"]:
            dates.add(day)
        others: list[tuple[datetime.datetime, datetime.datetime]] = []
        # RFC 5545: an EXDATE removes the instance at that very moment, an RDATE included.
        excluded = {self.aware(value, zone) for value in master.exdates}
        for value, period_end in master.rdates:
            rdate_start = self.aware(value, zone)
            if isinstance(period_end, datetime.timedelta):
                rdate_end = rdate_start + period_end
            elif period_end is not None:
                rdate_end = self.aware(period_end, zone)
            else:
                rdate_end = rdate_start + duration
            if rdate_start in excluded:
                continue
            same_times = all_day or (
                rdate_start.time().replace(second=0) == start_time
                and rdate_end - rdate_start == duration
            )
            within_span = day <= rdate_start.date() <= day + _SPAN
            if same_times and within_span:
                dates.add(rdate_start.date())
            else:
                others.append((rdate_start, rdate_end))
        schedule["dates"] = sorted(value.isoformat() for value in dates)
        if not schedule["rrule"]:
            schedule["exdates"] = []
        last_day = (day + _SPAN).isoformat()
        if any(value > last_day for value in schedule["exdates"]):
            # Relier keeps a series' skipped days within its first years (MAX_SPAN_DAYS).
            schedule["exdates"] = [value for value in schedule["exdates"] if value <= last_day]
            self.warnings.append(
                _("Its skipped days more than %(days)d days after its start were not kept.")
                % {"days": recurrence.MAX_SPAN_DAYS}
            )
        schedules = [schedule]
        if others:
            extra, problems = _common.sessions_schedules(others, timezone=zone_name)
            if problems:
                raise self.refuse(problems[0])
            schedules += extra
        return schedules

    def rule(self, rule: icalendar.vRecur, *, start: datetime.datetime, zone: ZoneInfo) -> str:
        rule = icalendar.vRecur(rule)
        until = rule.get("UNTIL")
        if until:
            value = until[0]
            if isinstance(value, datetime.datetime):
                # A local or floating UNTIL is the same instant in UTC, as RFC 5545 wants it.
                local = value if value.tzinfo else value.replace(tzinfo=zone)
                rule["UNTIL"] = [local.astimezone(datetime.UTC)]
        text = rule.to_ical().decode()
        try:
            return recurrence.normalize_rrule(text, dtstart=start.date(), timezone=str(zone.key))
        except recurrence.RecurrenceError as error:
            raise self.refuse(
                _(
                    "it repeats by the rule %(rule)s, which Relier cannot hold: %(reason)s "
                    "Give its dates one by one (RDATE) or a simpler rule."
                )
                % {"rule": text, "reason": recurrence_error_message(error)}
            ) from None

    @staticmethod
    def rule_starts_on(schedule: dict, day: datetime.date) -> bool:
        zone = ZoneInfo(schedule["timezone"])
        found = recurrence.expand(
            rrule=schedule["rrule"],
            dtstart=day,
            start_time=datetime.time.fromisoformat(schedule["start_time"]),
            end_time=datetime.time.fromisoformat(schedule["end_time"]),
            timezone=schedule["timezone"],
            window_start=datetime.datetime.combine(day, datetime.time.min, zone),
            window_end=datetime.datetime.combine(
                day + datetime.timedelta(days=1), datetime.time.min, zone
            ),
        )
        return bool(found)

    def edit(self, event: icalendar.Event, zone: ZoneInfo, all_day: bool) -> SessionEdit:
        """The override as an edit of its session, its new times always given (but when
        cancelled)."""
        recurrence_id = event["RECURRENCE-ID"]
        if str(recurrence_id.params.get("RANGE", "")).upper() == "THISANDFUTURE":
            raise self.refuse(
                _(
                    "it changes a session and all the following ones (RANGE=THISANDFUTURE); "
                    "Relier reads one change per session: split the series in two events."
                )
            )
        series_start = self.aware(recurrence_id.dt, zone)
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            return SessionEdit(series_start=series_start, cancelled=True)
        start = self.aware(event.start, zone) if "DTSTART" in event else series_start
        if all_day:
            end = datetime.datetime.combine(start.date(), _ALL_DAY_END, zone)
        elif "DTEND" in event or "DURATION" in event:
            end = start + event.duration
        else:
            end = start + self.master.duration
        if isinstance(_common.local_times(start, end, zone), str):
            raise self.refuse(_common.local_times(start, end, zone))
        if start == series_start and end == self.planned_end(series_start, zone, all_day):
            for name in ("SUMMARY", "DESCRIPTION", "LOCATION"):
                if str(event.get(name, "")) != str(self.master.get(name, "")):
                    self.warnings.append(
                        _(
                            "The session of %(date)s has its own title, description or place in "
                            "the feed; Relier keeps the series' ones."
                        )
                        % {"date": series_start.strftime("%d/%m/%Y")}
                    )
                    break
        return SessionEdit(series_start=series_start, start=start, end=end)

    def planned_end(
        self, series_start: datetime.datetime, zone: ZoneInfo, all_day: bool
    ) -> datetime.datetime:
        if all_day:
            return datetime.datetime.combine(series_start.date(), _ALL_DAY_END, zone)
        return series_start + self.master.duration

    def sort_edits(
        self, edits: list[SessionEdit], schedules: list[dict], zone: ZoneInfo, all_day: bool
    ) -> tuple[list[SessionEdit], list[tuple[datetime.datetime, datetime.datetime]]]:
        """The edits that change a session of the series; and the sessions of overrides whose
        RECURRENCE-ID the series does not have, which calendar applications show on their
        own (a cancelled one shows nothing)."""
        kept, extra = [], []
        for edit in edits:
            start = edit.series_start
            window = (start - datetime.timedelta(minutes=1), start + datetime.timedelta(minutes=1))
            in_series = any(
                moment == start
                for schedule in schedules
                for moment, _end in _expand(schedule, *window)
            )
            if not in_series:
                if not edit.cancelled:
                    extra.append((edit.start, edit.end))
            elif edit.cancelled or (edit.start, edit.end) != (
                start,
                self.planned_end(start, zone, all_day),
            ):
                kept.append(edit)
        return kept, extra

    def orphan_overrides(self) -> SourceItem | None:
        """Only edited sessions, without their series (a feed of one's invitations): they
        are the activity's sessions."""
        kept = [
            event for event in self.overrides if str(event.get("STATUS", "")).upper() != "CANCELLED"
        ]
        if not kept:
            return None
        first = kept[0]
        if not self.title:
            raise self.refuse(_("it has no title (SUMMARY)."))
        zone_name = self.zone_of(first)
        zone_name = self.default_zone if zone_name == "UTC" else zone_name
        zone = ZoneInfo(zone_name)
        sessions = [
            (self.aware(event.start, zone), self.aware(event.start, zone) + event.duration)
            for event in kept
        ]
        schedules, problems = _common.sessions_schedules(sessions, timezone=zone_name)
        if problems:
            raise self.refuse(problems[0])
        activity = self.activity(first, repeats=False)
        item = SourceItem(
            external_id=self.uid, position=self.position, activity=activity, schedules=schedules
        )
        item.place = self.place(first, activity)
        item.warnings = list(dict.fromkeys(self.warnings))
        return item

    # --- what it says

    def activity(self, event: icalendar.Event, *, repeats: bool) -> dict:
        title = self.title
        if len(title) > _common.TITLE_MAX:
            self.warnings.append(
                _("Its title was shortened to %(count)d characters.") % {"count": _common.TITLE_MAX}
            )
            title = _common.shorten(title, _common.TITLE_MAX)
        description = _common.plain_text(str(event.get("DESCRIPTION", "")))
        if len(description) > _common.DESCRIPTION_MAX:
            self.warnings.append(
                _("Its description was shortened to %(count)d characters.")
                % {"count": _common.DESCRIPTION_MAX}
            )
            description = _common.shorten(description, _common.DESCRIPTION_MAX)
        activity = {
            "title": title,
            "summary": _common.summary_of(title=title, description=description),
            "description": description,
            "kind": "club" if repeats else "event",
            "categories": _common.feed_categories(_categories(event), self.warnings),
        }
        if url := str(event.get("URL", "")).strip():
            activity["registration_url"] = url
        return activity

    def place(self, event: icalendar.Event, activity: dict) -> dict | None:
        location = " ".join(str(event.get("LOCATION", "")).split())
        geo = event.get("GEO")
        if location.lower().startswith(("http://", "https://")):
            activity["attendance_mode"] = "online"
            activity.setdefault("registration_url", location)
            return None
        place = _common.place_from_location(location) if location else {}
        if geo is not None:
            place["lat"], place["lng"] = float(geo.latitude), float(geo.longitude)
            place.setdefault("name", _common.shorten(activity["title"], _common.PLACE_NAME_MAX))
        return place or None


def _categories(event: icalendar.Event) -> list[str]:
    values = event.get("CATEGORIES")
    if values is None:
        return []
    labels: list[str] = []
    for value in values if isinstance(values, list) else [values]:
        labels += [str(label).strip() for label in getattr(value, "cats", [value])]
    return list(dict.fromkeys(label for label in labels if label))


def _expand(
    schedule: dict, window_start: datetime.datetime, window_end: datetime.datetime
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    day = datetime.date.fromisoformat
    return recurrence.expand(
        rrule=schedule.get("rrule") or None,
        dtstart=day(schedule["valid_from"]),
        start_time=datetime.time.fromisoformat(schedule["start_time"]),
        end_time=datetime.time.fromisoformat(schedule["end_time"]),
        timezone=schedule["timezone"],
        exdates=[day(value) for value in schedule.get("exdates", ())],
        dates=[day(value) for value in schedule.get("dates", ())],
        valid_to=day(schedule["valid_to"]) if schedule.get("valid_to") else None,
        window_start=window_start,
        window_end=window_end,
    )
