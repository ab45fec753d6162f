"""Recurring schedules: validation of RFC 5545 RRULE values and expansion into occurrences.

Pure Python on purpose (no Django): the API, the importers and the matching code all share it.
Expansion happens in local wall-clock time, then the schedule's time zone is attached, so a
"Tuesdays at 14:00" club stays at 14:00 local time across daylight-saving changes.

One module past the usual size, on purpose: validation, expansion and description read the
same parsed rule (`_Rule`) and share its edge cases (UNTIL in local or UTC days, COUNT before
exdates, the longest span), so splitting them would spread one grammar over several files.
Words are not here: messages are English templates marked for translation, and a schedule is
described as structured parts (`Description`) that `activities.schedule_text` renders.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo, available_timezones

from dateutil import rrule as du

__all__ = [
    "ALLOWED_FREQS",
    "ALLOWED_PARTS",
    "EARLIEST_START",
    "MAX_COUNT",
    "MAX_INTERVAL",
    "MAX_ONE_OFF_DATES",
    "MAX_SPAN_DAYS",
    "NAMED_POSITIONS",
    "Description",
    "RecurrenceError",
    "describe",
    "expand",
    "normalize_rrule",
    "validate_start",
    "validate_timezone",
]

MAX_COUNT = 730
MAX_SPAN_DAYS = 366 * 5
MAX_INTERVAL = 52
MAX_ONE_OFF_DATES = 366
# The earliest first day of a schedule: anything before is a typing error, not a club's
# founding date. The latest is at most MAX_SPAN_DAYS ahead (`validate_start`).
EARLIEST_START = datetime.date(1900, 1, 1)
# Whatever the caller's today: the last start from which a whole series (MAX_SPAN_DAYS, and
# the day around a window) still fits in the calendar, so no computation overflows.
_LATEST_POSSIBLE_START = datetime.date.max - datetime.timedelta(days=MAX_SPAN_DAYS + 7)
ALLOWED_FREQS = ("DAILY", "WEEKLY", "MONTHLY")
ALLOWED_PARTS = ("FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "UNTIL", "COUNT", "WKST")

# Far longer than any acceptable rule (all BYDAY and BYMONTHDAY values fit in ~700 characters);
# only there so that a huge payload is refused before being parsed.
_MAX_RRULE_LENGTH = 1024


def gettext_noop(message: str) -> str:
    """Mark a message for `make messages` without translating it: this module imports no
    Django, and `activities.schedule_text` translates what it raises."""
    return message


_WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DATEUTIL_FREQS = {"DAILY": du.DAILY, "WEEKLY": du.WEEKLY, "MONTHLY": du.MONTHLY}
_MORE_THAN_DAILY = gettext_noop(
    "FREQ=%(freq)s is not supported: activities repeat at most once a day."
)
_REFUSED_FREQ_MESSAGES = {
    "SECONDLY": _MORE_THAN_DAILY,
    "MINUTELY": _MORE_THAN_DAILY,
    "HOURLY": _MORE_THAN_DAILY,
    "YEARLY": gettext_noop("FREQ=%(freq)s is not supported: add the dates one by one instead."),
}
_RFC5545_ONLY_PARTS = (
    "BYSECOND",
    "BYMINUTE",
    "BYHOUR",
    "BYYEARDAY",
    "BYWEEKNO",
    "BYMONTH",
    "BYSETPOS",
)
_BYDAY_RE = re.compile(r"([+-]?)(\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
_INTEGER_RE = re.compile(r"[+-]?\d{1,6}")
_UNTIL_DATE_RE = re.compile(r"\d{8}")
_UNTIL_UTC_RE = re.compile(r"\d{8}T\d{6}Z")

# Entries of the tz database that are not places: "localtime" mirrors the server's own setting
# and "Factory" is a placeholder zone.
_NOT_PLACE_ZONES = frozenset({"localtime", "Factory", "posixrules"})


class RecurrenceError(ValueError):
    """Bad recurrence input; .field names the input field at fault.

    One of "rrule", "end_time", "exdates", "dates", "timezone", "valid_to". `.message` is an
    English template whose `%(name)s` placeholders `.params` fills; it is also the message id
    under which `activities.schedule_text` finds its translation. `str()` gives the English.
    """

    def __init__(
        self, message: str, *, field: str = "rrule", params: dict[str, object] | None = None
    ) -> None:
        self.message = message
        self.params = params or {}
        self.field = field
        super().__init__(message % self.params if self.params else message)


@dataclass(frozen=True)
class _Rule:
    freq: str
    interval: int | None
    byday: tuple[tuple[int | None, int], ...]  # (ordinal or None, weekday with Monday = 0)
    bymonthday: tuple[int, ...]
    until_date: datetime.date | None
    until_utc: datetime.datetime | None
    count: int | None
    wkst: int | None

    @property
    def step(self) -> int:
        return self.interval or 1

    def to_string(self) -> str:
        parts = [f"FREQ={self.freq}"]
        if self.interval is not None:
            parts.append(f"INTERVAL={self.interval}")
        if self.byday:
            days = ",".join(
                f"{'' if ordinal is None else ordinal}{_WEEKDAY_CODES[weekday]}"
                for ordinal, weekday in self.byday
            )
            parts.append(f"BYDAY={days}")
        if self.bymonthday:
            parts.append(f"BYMONTHDAY={','.join(str(day) for day in self.bymonthday)}")
        if self.until_date is not None:
            parts.append(f"UNTIL={self.until_date:%Y%m%d}")
        if self.until_utc is not None:
            parts.append(f"UNTIL={self.until_utc:%Y%m%dT%H%M%SZ}")
        if self.count is not None:
            parts.append(f"COUNT={self.count}")
        if self.wkst is not None:
            parts.append(f"WKST={_WEEKDAY_CODES[self.wkst]}")
        return ";".join(parts)


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------


@functools.cache
def _known_timezones() -> frozenset[str]:
    return frozenset(available_timezones()) - _NOT_PLACE_ZONES


def validate_timezone(name: str) -> ZoneInfo:
    """Return the ZoneInfo of an IANA time zone name such as "Europe/Paris"."""
    if not isinstance(name, str) or name not in _known_timezones():
        raise RecurrenceError(
            gettext_noop("%(name)r is not a known IANA time zone."),
            field="timezone",
            params={"name": name},
        )
    return ZoneInfo(name)


def validate_start(dtstart: datetime.date, *, today: datetime.date | None = None) -> None:
    """Refuse a first day before EARLIEST_START or, given `today`, more than MAX_SPAN_DAYS
    after it (nothing of such a schedule could be shown for years)."""
    latest = _LATEST_POSSIBLE_START
    if today is not None:
        latest = min(latest, today + datetime.timedelta(days=MAX_SPAN_DAYS))
    if not EARLIEST_START <= dtstart <= latest:
        raise RecurrenceError(
            gettext_noop("The start of validity must be between %(earliest)s and %(latest)s."),
            field="valid_from",
            params={"earliest": EARLIEST_START.isoformat(), "latest": latest.isoformat()},
        )


def normalize_rrule(rrule: str, *, dtstart: datetime.date, timezone: str | None = None) -> str:
    """Validate an RFC 5545 RRULE value and return it normalised.

    The result is upper case, has its parts in the order of ALLOWED_PARTS and no "RRULE:" prefix.
    Without `timezone`, a UTC date-time UNTIL is checked against every possible local day (the
    local day differs from the UTC one by at most one); with it, the check is exact.
    """
    zone = None if timezone is None else validate_timezone(timezone)
    return _parse_rrule(rrule, dtstart=dtstart, zone=zone).to_string()


def _parse_rrule(rrule: str, *, dtstart: datetime.date, zone: ZoneInfo | None) -> _Rule:
    validate_start(dtstart)
    raw_parts = _split_parts(rrule)
    freq = _parse_freq(raw_parts)
    interval = _parse_bounded_int(raw_parts.get("INTERVAL"), "INTERVAL", 1, MAX_INTERVAL)
    count = _parse_bounded_int(raw_parts.get("COUNT"), "COUNT", 1, MAX_COUNT)
    byday = _parse_byday(raw_parts.get("BYDAY"), freq=freq)
    bymonthday = _parse_bymonthday(raw_parts.get("BYMONTHDAY"), freq=freq)
    wkst = _parse_wkst(raw_parts.get("WKST"))
    until_date, until_utc = _parse_until(raw_parts.get("UNTIL"))
    if count is not None and (until_date or until_utc):
        raise RecurrenceError(
            gettext_noop("UNTIL and COUNT cannot be used together; keep only one.")
        )
    rule = _Rule(
        freq=freq,
        interval=interval,
        byday=byday,
        bymonthday=bymonthday,
        until_date=until_date,
        until_utc=until_utc,
        count=count,
        wkst=wkst,
    )
    _check_until_span(rule, dtstart=dtstart, zone=zone)
    _check_count_span(rule, dtstart=dtstart)
    _check_has_occurrence(rule, dtstart=dtstart, zone=zone)
    return rule


def _split_parts(rrule: str) -> dict[str, str]:
    text = rrule.strip().upper()
    if text.startswith("RRULE:"):
        text = text[len("RRULE:") :]
    if not text:
        raise RecurrenceError(gettext_noop("The recurrence rule is empty."))
    if len(text) > _MAX_RRULE_LENGTH:
        raise RecurrenceError(gettext_noop("The recurrence rule is too long."))
    parts: dict[str, str] = {}
    # One closing semicolon is a common habit and harmless; an empty part anywhere else
    # ("FREQ=WEEKLY;;") is a malformed rule.
    for chunk in text.removesuffix(";").split(";"):
        if not chunk.strip():
            raise RecurrenceError(
                gettext_noop("The rule has an empty part (two semicolons in a row?).")
            )
        name, equals, value = (piece.strip() for piece in chunk.partition("="))
        if not equals or not name or not value:
            raise RecurrenceError(
                gettext_noop("%(part)r is not of the form NAME=VALUE."),
                params={"part": chunk.strip()},
            )
        if name in _RFC5545_ONLY_PARTS:
            raise RecurrenceError(
                gettext_noop("%(name)s is not supported; allowed parts: %(allowed)s."),
                params={"name": name, "allowed": _allowed_list()},
            )
        if name not in ALLOWED_PARTS:
            raise RecurrenceError(
                gettext_noop("Unknown rule part %(name)r; allowed parts: %(allowed)s."),
                params={"name": name, "allowed": _allowed_list()},
            )
        if name in parts:
            raise RecurrenceError(
                gettext_noop("%(name)s appears more than once."), params={"name": name}
            )
        parts[name] = value
    return parts


def _allowed_list() -> str:
    return ", ".join(ALLOWED_PARTS)


def _parse_freq(parts: dict[str, str]) -> str:
    freq = parts.get("FREQ")
    if freq is None:
        raise RecurrenceError(gettext_noop("FREQ is required (DAILY, WEEKLY or MONTHLY)."))
    if freq in _REFUSED_FREQ_MESSAGES:
        raise RecurrenceError(_REFUSED_FREQ_MESSAGES[freq], params={"freq": freq})
    if freq not in ALLOWED_FREQS:
        raise RecurrenceError(
            gettext_noop("Unknown frequency %(freq)r; use DAILY, WEEKLY or MONTHLY."),
            params={"freq": freq},
        )
    return freq


def _parse_int(value: str, name: str) -> int:
    if not _INTEGER_RE.fullmatch(value):
        raise RecurrenceError(
            gettext_noop("%(name)s=%(value)s is not a whole number in range."),
            params={"name": name, "value": value},
        )
    return int(value)


def _parse_bounded_int(value: str | None, name: str, low: int, high: int) -> int | None:
    if value is None:
        return None
    number = _parse_int(value, name)
    if not low <= number <= high:
        raise RecurrenceError(
            gettext_noop("%(name)s must be between %(low)d and %(high)d (got %(value)s)."),
            params={"name": name, "low": low, "high": high, "value": value},
        )
    return number


def _parse_byday(value: str | None, *, freq: str) -> tuple[tuple[int | None, int], ...]:
    if value is None:
        return ()
    days: set[tuple[int | None, int]] = set()
    for item in value.split(","):
        match = _BYDAY_RE.fullmatch(item.strip())
        if match is None:
            raise RecurrenceError(
                gettext_noop("BYDAY value %(value)r is not a weekday like TU, 2TU or -1FR."),
                params={"value": item},
            )
        sign, digits, code = match.groups()
        if sign and not digits:
            raise RecurrenceError(
                gettext_noop("BYDAY value %(value)r has a sign but no number."),
                params={"value": item},
            )
        ordinal = None if digits is None else int(sign + digits)
        if ordinal is not None:
            if freq != "MONTHLY":
                raise RecurrenceError(
                    gettext_noop(
                        "BYDAY=%(value)s has a position in the month, which only FREQ=MONTHLY "
                        "allows."
                    ),
                    params={"value": item},
                )
            if not 1 <= abs(ordinal) <= 5:
                raise RecurrenceError(
                    gettext_noop(
                        "BYDAY=%(value)s: the position must be 1 to 5 or -1 to -5 (-1 = last)."
                    ),
                    params={"value": item},
                )
        days.add((ordinal, _WEEKDAY_CODES.index(code)))
    # Canonical order: by weekday, then plain day first, then by position.
    return tuple(sorted(days, key=lambda day: (day[1], day[0] is not None, day[0] or 0)))


def _parse_bymonthday(value: str | None, *, freq: str) -> tuple[int, ...]:
    if value is None:
        return ()
    if freq != "MONTHLY":
        raise RecurrenceError(gettext_noop("BYMONTHDAY is only allowed with FREQ=MONTHLY."))
    days: set[int] = set()
    for item in value.split(","):
        day = _parse_int(item.strip(), "BYMONTHDAY")
        if not 1 <= abs(day) <= 31:
            raise RecurrenceError(
                gettext_noop("BYMONTHDAY=%(value)s must be 1 to 31 or -1 to -31 (-1 = last)."),
                params={"value": item},
            )
        days.add(day)
    return tuple(sorted(days, key=lambda day: (day < 0, day)))


def _parse_wkst(value: str | None) -> int | None:
    if value is None:
        return None
    if value not in _WEEKDAY_CODES:
        raise RecurrenceError(
            gettext_noop("WKST=%(value)s is not a weekday (MO, TU, WE, TH, FR, SA, SU)."),
            params={"value": value},
        )
    return _WEEKDAY_CODES.index(value)


def _parse_until(value: str | None) -> tuple[datetime.date | None, datetime.datetime | None]:
    if value is None:
        return None, None
    try:
        if _UNTIL_DATE_RE.fullmatch(value):
            return datetime.datetime.strptime(value, "%Y%m%d").date(), None
        if _UNTIL_UTC_RE.fullmatch(value):
            moment = datetime.datetime.strptime(value, "%Y%m%dT%H%M%SZ")
            return None, moment.replace(tzinfo=datetime.UTC)
    except ValueError:
        raise RecurrenceError(
            gettext_noop("UNTIL=%(value)s is not a real date."), params={"value": value}
        ) from None
    raise RecurrenceError(
        gettext_noop(
            "UNTIL=%(value)s must be a date (YYYYMMDD) or a UTC date-time (YYYYMMDDTHHMMSSZ)."
        ),
        params={"value": value},
    )


def _until_local_days(
    rule: _Rule, *, zone: ZoneInfo | None
) -> tuple[datetime.date, datetime.date] | None:
    """Earliest and latest local day the rule's UNTIL can fall on (None without UNTIL)."""
    if rule.until_date is not None:
        return rule.until_date, rule.until_date
    if rule.until_utc is None:
        return None
    if zone is not None:
        local_day = rule.until_utc.astimezone(zone).date()
        return local_day, local_day
    # UTC offsets stay within ±14 h, so the local day is the UTC day or one of its neighbours.
    utc_day = rule.until_utc.date()
    one_day = datetime.timedelta(days=1)
    return utc_day - one_day, utc_day + one_day


def _check_until_span(rule: _Rule, *, dtstart: datetime.date, zone: ZoneInfo | None) -> None:
    until_days = _until_local_days(rule, zone=zone)
    if until_days is None:
        return
    earliest, latest = until_days
    if latest < dtstart:
        raise RecurrenceError(gettext_noop("UNTIL is before the start of the series."))
    if (earliest - dtstart).days > MAX_SPAN_DAYS:
        raise RecurrenceError(
            gettext_noop("UNTIL is more than %(days)d days after the start of the series."),
            params={"days": MAX_SPAN_DAYS},
        )


def _check_count_span(rule: _Rule, *, dtstart: datetime.date) -> None:
    """COUNT is bounded like UNTIL: its last occurrence at most MAX_SPAN_DAYS after the start
    (COUNT=730 every 52 weeks would reach 700 years ahead)."""
    if rule.count is None:
        return
    last_day = dtstart + datetime.timedelta(days=MAX_SPAN_DAYS)
    series = _dateutil_rule(
        rule,
        first=datetime.datetime.combine(dtstart, datetime.time.min),
        series_start=dtstart,
        until=None,
        count=rule.count,
    )
    # At most COUNT (730) steps, and fewer: the walk stops at the first day past the span.
    if any(moment.date() > last_day for moment in series):
        raise RecurrenceError(
            gettext_noop(
                "COUNT=%(count)d goes on more than %(days)d days after the start of the series."
            ),
            params={"count": rule.count, "days": MAX_SPAN_DAYS},
        )


def _check_has_occurrence(rule: _Rule, *, dtstart: datetime.date, zone: ZoneInfo | None) -> None:
    # Checked day by day over the longest span a series may have: enough to catch rules such as
    # BYMONTHDAY=31 in February only, without iterating towards year 9999.
    last_day = dtstart + datetime.timedelta(days=MAX_SPAN_DAYS)
    until_days = _until_local_days(rule, zone=zone)
    if until_days is not None:
        last_day = min(last_day, until_days[1])
    first = datetime.datetime.combine(dtstart, datetime.time.min)
    probe = _dateutil_rule(
        rule,
        first=first,
        series_start=dtstart,
        until=datetime.datetime.combine(last_day, datetime.time.max),
        count=None,
    )
    if next(iter(probe), None) is None:
        raise RecurrenceError(gettext_noop("This rule never produces an occurrence."))


# ---------------------------------------------------------------------------------------------
# Expansion
# ---------------------------------------------------------------------------------------------


def _dateutil_rule(
    rule: _Rule,
    *,
    first: datetime.datetime,
    series_start: datetime.date,
    until: datetime.datetime | None,
    count: int | None,
) -> du.rrule:
    byweekday = [
        du.weekday(weekday) if ordinal is None else du.weekday(weekday, ordinal)
        for ordinal, weekday in rule.byday
    ]
    bymonthday = list(rule.bymonthday)
    # dateutil fills a missing BYDAY/BYMONTHDAY from dtstart; spell the defaults out from the real
    # series start so that iteration can begin later (see _fast_forward) without changing them.
    if not byweekday and not bymonthday:
        if rule.freq == "WEEKLY":
            byweekday = [du.weekday(series_start.weekday())]
        elif rule.freq == "MONTHLY":
            bymonthday = [series_start.day]
    return du.rrule(
        _DATEUTIL_FREQS[rule.freq],
        dtstart=first,
        interval=rule.step,
        # RFC 5545 weeks start on Monday (0) by default; dateutil would use calendar.firstweekday().
        wkst=0 if rule.wkst is None else rule.wkst,
        byweekday=byweekday or None,
        bymonthday=bymonthday or None,
        until=until,
        count=count,
    )


def _fast_forward(
    rule: _Rule, *, series_start: datetime.date, target: datetime.date
) -> datetime.date:
    """Latest day on or before `target` at which iterating the rule gives the same occurrences.

    It is the first day of a period (day, week from WKST, month) that the INTERVAL selects, so
    starting there skips whole periods only. Never used with COUNT, which counts from the start.
    """
    if target <= series_start:
        return series_start
    step = rule.step
    if rule.freq == "DAILY":
        skipped_days = (target - series_start).days // step * step
        return series_start + datetime.timedelta(days=skipped_days)
    if rule.freq == "WEEKLY":
        week_start_day = 0 if rule.wkst is None else rule.wkst
        first_week = series_start - datetime.timedelta(
            days=(series_start.weekday() - week_start_day) % 7
        )
        skipped_weeks = (target - first_week).days // 7 // step * step
        if skipped_weeks == 0:
            return series_start
        return first_week + datetime.timedelta(weeks=skipped_weeks)
    months_apart = (target.year - series_start.year) * 12 + target.month - series_start.month
    skipped_months = months_apart // step * step
    if skipped_months == 0:
        return series_start
    month_index = series_start.year * 12 + series_start.month - 1 + skipped_months
    return datetime.date(month_index // 12, month_index % 12 + 1, 1)


def _localize(wall_clock: datetime.datetime, zone: ZoneInfo) -> datetime.datetime:
    # zoneinfo's fold=0 rule: a wall-clock time skipped by a spring-forward gap gets the offset in
    # force before the gap, and an ambiguous fall-back time is taken in its first (summer-time)
    # reading. The round trip through UTC turns a skipped time into the real time it denotes
    # (02:30 on the day clocks jump from 02:00 to 03:00 becomes 03:30).
    return wall_clock.replace(tzinfo=zone).astimezone(datetime.UTC).astimezone(zone)


def _occurrence(
    day: datetime.date,
    *,
    start_time: datetime.time,
    end_time: datetime.time,
    zone: ZoneInfo,
) -> tuple[datetime.datetime, datetime.datetime]:
    start = _localize(datetime.datetime.combine(day, start_time), zone)
    end = _localize(datetime.datetime.combine(day, end_time), zone)
    # Compared in UTC: between datetimes sharing a tzinfo, Python compares wall-clock readings.
    if end.astimezone(datetime.UTC) <= start.astimezone(datetime.UTC):
        # Only when a DST gap pushed the start forward past the end: keep the planned duration.
        planned = datetime.datetime.combine(day, end_time) - datetime.datetime.combine(
            day, start_time
        )
        end = (start.astimezone(datetime.UTC) + planned).astimezone(zone)
    return start, end


def _as_days(values: Iterable[datetime.date], *, field: str) -> set[datetime.date]:
    days: set[datetime.date] = set()
    for value in values:
        if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
            raise RecurrenceError(
                gettext_noop("%(value)r is not a date."), field=field, params={"value": value}
            )
        days.add(value)
    return days


def _check_inputs(
    *,
    rrule: str | None,
    dtstart: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    exdates: set[datetime.date],
    dates: set[datetime.date],
    valid_to: datetime.date | None,
) -> None:
    validate_start(dtstart)
    if end_time <= start_time:
        raise RecurrenceError(
            gettext_noop("The end time must be after the start time."), field="end_time"
        )
    span_end = dtstart + datetime.timedelta(days=MAX_SPAN_DAYS)
    if valid_to is not None:
        if valid_to < dtstart:
            raise RecurrenceError(
                gettext_noop("The end of validity is before its start."), field="valid_to"
            )
        if valid_to > span_end:
            raise RecurrenceError(
                gettext_noop("The end of validity is more than %(days)d days after its start."),
                field="valid_to",
                params={"days": MAX_SPAN_DAYS},
            )
    if rrule is None and not dates:
        raise RecurrenceError(
            gettext_noop("A one-off schedule needs at least one date."), field="dates"
        )
    if len(dates) > MAX_ONE_OFF_DATES:
        raise RecurrenceError(
            gettext_noop("At most %(count)d dates are allowed."),
            field="dates",
            params={"count": MAX_ONE_OFF_DATES},
        )
    if any(day < dtstart for day in dates):
        raise RecurrenceError(
            gettext_noop("A date is before the start of the schedule."), field="dates"
        )
    if valid_to is not None and any(day > valid_to for day in dates):
        raise RecurrenceError(gettext_noop("A date is after the end of validity."), field="dates")
    if any(day > span_end for day in dates):
        raise RecurrenceError(
            gettext_noop("A date is more than %(days)d days after the start."),
            field="dates",
            params={"days": MAX_SPAN_DAYS},
        )
    if any(day > span_end for day in exdates):
        raise RecurrenceError(
            gettext_noop("An excluded date is more than %(days)d days after the start."),
            field="exdates",
            params={"days": MAX_SPAN_DAYS},
        )


def expand(
    *,
    rrule: str | None,
    dtstart: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    timezone: str,
    exdates: Iterable[datetime.date] = (),
    dates: Iterable[datetime.date] = (),
    valid_to: datetime.date | None = None,
    window_start: datetime.datetime,
    window_end: datetime.datetime,
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """Occurrences starting in [window_start, window_end), as aware (start, end) pairs.

    They are in the schedule's time zone, sorted and without duplicates. `dates` are one-off days,
    added to the rule's occurrences (RDATE); `exdates` are days skipped; COUNT counts occurrences
    before exdates are removed; `valid_to` is the last day of the series, inclusive.
    Raises RecurrenceError on bad input, and ValueError if the window bounds are naive.
    """
    if window_start.utcoffset() is None or window_end.utcoffset() is None:
        raise ValueError("window_start and window_end must be timezone-aware.")
    zone = validate_timezone(timezone)
    excluded = _as_days(exdates, field="exdates")
    extra_days = _as_days(dates, field="dates")
    _check_inputs(
        rrule=rrule,
        dtstart=dtstart,
        start_time=start_time,
        end_time=end_time,
        exdates=excluded,
        dates=extra_days,
        valid_to=valid_to,
    )
    rule = None if rrule is None else _parse_rrule(rrule, dtstart=dtstart, zone=zone)
    if window_end <= window_start:
        return []

    # dateutil drops microseconds from its start; do the same so all occurrences line up.
    start_time = start_time.replace(microsecond=0)
    # Whole local days around the window: a DST shift moves a localised wall-clock time by at
    # most a couple of hours, and the exact bounds are applied afterwards on aware times.
    one_day = datetime.timedelta(days=1)
    first_day = max(dtstart, window_start.astimezone(zone).date() - one_day)
    last_day = window_end.astimezone(zone).date() + one_day
    if valid_to is not None:
        last_day = min(last_day, valid_to)
    rule_last_day = last_day
    until_days = None if rule is None else _until_local_days(rule, zone=zone)
    if until_days is not None:
        rule_last_day = min(rule_last_day, until_days[1])
    if first_day > last_day:
        return []

    days = {day for day in extra_days if first_day <= day <= last_day}
    if rule is not None and first_day <= rule_last_day:
        iteration_start = dtstart
        if rule.count is None:
            iteration_start = _fast_forward(rule, series_start=dtstart, target=first_day)
        dateutil_rule = _dateutil_rule(
            rule,
            first=datetime.datetime.combine(iteration_start, start_time),
            series_start=dtstart,
            until=None,
            count=rule.count,
        )
        found = dateutil_rule.between(
            datetime.datetime.combine(first_day, datetime.time.min),
            datetime.datetime.combine(rule_last_day, datetime.time.max),
            inc=True,
        )
        days.update(
            moment.date()
            for moment in found
            if rule.until_utc is None or _localize(moment, zone) <= rule.until_utc
        )

    window_start_utc = window_start.astimezone(datetime.UTC)
    window_end_utc = window_end.astimezone(datetime.UTC)
    occurrences = [
        _occurrence(day, start_time=start_time, end_time=end_time, zone=zone)
        for day in sorted(days - excluded)
    ]
    return [
        (start, end)
        for start, end in occurrences
        if window_start_utc <= start.astimezone(datetime.UTC) < window_end_utc
    ]


# ---------------------------------------------------------------------------------------------
# Description: what a schedule says, as parts a language module puts into words
# ---------------------------------------------------------------------------------------------

# Positions in the month with a word of their own in the languages Relier speaks ("last",
# "second-to-last" / "avant-dernier"); beyond them French needs the weekday in the phrase.
NAMED_POSITIONS = frozenset({1, 2, 3, 4, 5, -1, -2})


@dataclass(frozen=True)
class Description:
    """A schedule in words, without the words: `activities.schedule_text` renders it.

    `pattern` is one of:
    - "on_date": one-off, on `day`;
    - "every_days": every `step` days;
    - "monday_to_friday";
    - "weekly": every `step` weeks on `weekdays` (Monday = 0);
    - "positions_of_weekday": `positions` (ordinal, weekday) that share one weekday and are
      all NAMED_POSITIONS ("the first and third Tuesday"); "positions" otherwise;
    - "monthdays" (1..31, or -1 for the last day...), with `every_month` when the step is 1;
    - "selected_days": a rule none of the above says, every `step` of `freq`.
    `every_months` (monthly patterns repeated every n months) is said as an aside; `count` or
    `until` end the series.
    """

    pattern: str
    start_time: datetime.time
    step: int = 1
    freq: str = ""
    day: datetime.date | None = None
    weekdays: tuple[int, ...] = ()
    positions: tuple[tuple[int, int], ...] = ()
    monthdays: tuple[int, ...] = ()
    every_month: bool = False
    every_months: int | None = None
    count: int | None = None
    until: datetime.date | None = None


def describe(
    rrule: str | None, *, dtstart: datetime.date, start_time: datetime.time
) -> Description:
    """The parts of a short sentence such as "Every Tuesday at 14:00" ("Tous les mardis à
    14h00"). A one-off schedule (rrule None) is described by its first day, `dtstart`.
    Raises RecurrenceError on a bad rule."""
    if rrule is None:
        return Description(pattern="on_date", start_time=start_time, day=dtstart)
    rule = _parse_rrule(rrule, dtstart=dtstart, zone=None)
    until = rule.until_date or (rule.until_utc.date() if rule.until_utc else None)
    return Description(
        start_time=start_time,
        step=rule.step,
        freq=rule.freq,
        count=rule.count,
        until=None if rule.count is not None else until,
        **_pattern(rule, dtstart=dtstart),
    )


def _pattern(rule: _Rule, *, dtstart: datetime.date) -> dict:
    step = rule.step
    plain_days = [weekday for ordinal, weekday in rule.byday if ordinal is None]
    positioned = [(ordinal, weekday) for ordinal, weekday in rule.byday if ordinal is not None]
    every_months = step if step > 1 else None
    if rule.freq == "WEEKLY":
        return _weekly(plain_days or [dtstart.weekday()], step=step)
    if rule.freq == "DAILY" and not rule.byday:
        return {"pattern": "every_days"}
    # A weekday filter on every day or every month amounts to a weekly rule.
    if step == 1 and plain_days and not positioned and not rule.bymonthday:
        return _weekly(plain_days, step=1)
    if rule.freq == "MONTHLY" and positioned and not plain_days and not rule.bymonthday:
        # First, second, ... then the positions counted from the end, the last one last.
        ordered = tuple(sorted(positioned, key=lambda day: (day[0] < 0, day[0], day[1])))
        grouped = len({weekday for _, weekday in ordered}) == 1 and all(
            ordinal in NAMED_POSITIONS for ordinal, _ in ordered
        )
        return {
            "pattern": "positions_of_weekday" if grouped else "positions",
            "positions": ordered,
            "every_months": every_months,
        }
    if rule.freq == "MONTHLY" and not rule.byday:
        return {
            "pattern": "monthdays",
            "monthdays": rule.bymonthday or (dtstart.day,),
            "every_month": step == 1,
            "every_months": every_months,
        }
    return {"pattern": "selected_days"}


def _weekly(weekdays: list[int], *, step: int) -> dict:
    """`step` is the rule's own: a weekly pattern repeats every `step` weeks."""
    ordered = tuple(sorted(set(weekdays)))
    if step == 1 and len(ordered) == 7:
        return {"pattern": "every_days"}
    if step == 1 and ordered == (0, 1, 2, 3, 4):
        return {"pattern": "monday_to_friday"}
    return {"pattern": "weekly", "weekdays": ordered}
