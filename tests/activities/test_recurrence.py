"""Tests of activities.recurrence: dateutil as an oracle, independent properties, examples.

One file past the usual size, as the module it tests: the dateutil oracle, the hypothesis
strategies of rules (`cases`) and the argument builders are shared by the tests of expansion
and of validation; split apart, they would be imported back and forth."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from activities.recurrence import (
    ALLOWED_PARTS,
    MAX_COUNT,
    MAX_INTERVAL,
    MAX_SPAN_DAYS,
    RecurrenceError,
    describe,
    expand,
    normalize_rrule,
    validate_start,
    validate_timezone,
)

PROPERTY = settings(max_examples=150, deadline=None)
PARIS = ZoneInfo("Europe/Paris")
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
ZONES = ("Europe/Paris", "America/New_York", "Australia/Sydney", "UTC")
ANY_ZONE = st.sampled_from(ZONES)
# Paris clock changes: (last Sunday of March, last Sunday of October).
PARIS_SUMMERS = {
    2024: (date(2024, 3, 31), date(2024, 10, 27)),
    2025: (date(2025, 3, 30), date(2025, 10, 26)),
    2026: (date(2026, 3, 29), date(2026, 10, 25)),
    2027: (date(2027, 3, 28), date(2027, 10, 31)),
    2028: (date(2028, 3, 26), date(2028, 10, 29)),
}
PARIS_CLOCK_CHANGES = tuple(day for pair in PARIS_SUMMERS.values() for day in pair)
# Chosen to hit the 02:00-03:00 hour that Paris skips in March and repeats in October.
TRICKY_START_TIMES = (time(1, 30), time(2, 0), time(2, 30), time(2, 59), time(3, 0))


# ---------------------------------------------------------------------------------------------
# Generated schedules
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Case:
    rule: str | None  # the rule given to expand()
    oracle_rule: str | None  # the same rule for dateutil.rrulestr, UNTIL as a floating end of day
    until_day: date | None
    until_utc: datetime | None
    count: int | None
    byday: tuple[str, ...]
    dtstart: date
    start_time: time
    end_time: time
    timezone: str
    dates: tuple[date, ...]
    valid_to: date | None
    window_start: datetime
    window_end: datetime

    def kwargs(self, exdates: Iterable[date] = ()) -> dict[str, object]:
        return {
            "rrule": self.rule,
            "dtstart": self.dtstart,
            "start_time": self.start_time,
            "end_time": self.end_time,
            "timezone": self.timezone,
            "exdates": tuple(exdates),
            "dates": self.dates,
            "valid_to": self.valid_to,
            "window_start": self.window_start,
            "window_end": self.window_end,
        }


def weekly_parts() -> st.SearchStrategy[list[tuple[str, str]]]:
    return st.tuples(
        st.lists(st.sampled_from(WEEKDAY_CODES), unique=True, max_size=7),
        st.none() | st.integers(1, 4),
        st.none() | st.sampled_from(WEEKDAY_CODES),
    ).map(
        lambda drawn: [
            ("FREQ", "WEEKLY"),
            *([("BYDAY", ",".join(drawn[0]))] if drawn[0] else []),
            *([("INTERVAL", str(drawn[1]))] if drawn[1] else []),
            *([("WKST", drawn[2])] if drawn[2] else []),
        ]
    )


def daily_parts() -> st.SearchStrategy[list[tuple[str, str]]]:
    return st.tuples(
        st.lists(st.sampled_from(WEEKDAY_CODES), unique=True, max_size=5),
        st.none() | st.integers(1, 5),
    ).map(
        lambda drawn: [
            ("FREQ", "DAILY"),
            *([("BYDAY", ",".join(drawn[0]))] if drawn[0] else []),
            *([("INTERVAL", str(drawn[1]))] if drawn[1] else []),
        ]
    )


POSITIONS = st.sampled_from([-5, -4, -3, -2, -1, 1, 2, 3, 4, 5])


def monthly_position_parts() -> st.SearchStrategy[list[tuple[str, str]]]:
    position = st.tuples(POSITIONS, st.sampled_from(WEEKDAY_CODES)).map(
        lambda drawn: f"{drawn[0]}{drawn[1]}"
    )
    return st.tuples(
        st.lists(position, min_size=1, max_size=3, unique=True),
        st.none() | st.integers(1, 4),
    ).map(
        lambda drawn: [
            ("FREQ", "MONTHLY"),
            ("BYDAY", ",".join(drawn[0])),
            *([("INTERVAL", str(drawn[1]))] if drawn[1] else []),
        ]
    )


def monthly_day_parts() -> st.SearchStrategy[list[tuple[str, str]]]:
    monthday = st.integers(1, 31) | st.integers(-31, -1)
    return st.tuples(
        st.lists(monthday, max_size=3, unique=True),
        st.none() | st.integers(1, 4),
    ).map(
        lambda drawn: [
            ("FREQ", "MONTHLY"),
            *([("BYMONTHDAY", ",".join(map(str, drawn[0])))] if drawn[0] else []),
            *([("INTERVAL", str(drawn[1]))] if drawn[1] else []),
        ]
    )


ANY_RULE_PARTS = weekly_parts() | daily_parts() | monthly_position_parts() | monthly_day_parts()


def days_after(start: date, low: int, high: int) -> st.SearchStrategy[date]:
    return st.integers(low, high).map(lambda offset: start + timedelta(days=offset))


@st.composite
def cases(
    draw: st.DrawFn,
    rule_parts: st.SearchStrategy[list[tuple[str, str]]],
    *,
    timezones: st.SearchStrategy[str] = ANY_ZONE,
    around_clock_changes: bool = False,
) -> Case:
    timezone = draw(timezones)
    zone = ZoneInfo(timezone)
    if around_clock_changes:
        change = draw(st.sampled_from(PARIS_CLOCK_CHANGES))
        dtstart = draw(days_after(change, -400, -1))
        start_time = draw(
            st.sampled_from(TRICKY_START_TIMES) | st.sampled_from((time(9, 0), time(14, 0)))
        )
    else:
        dtstart = draw(st.dates(date(2024, 1, 1), date(2028, 12, 31)))
        start_time = draw(
            st.sampled_from(TRICKY_START_TIMES)
            | st.builds(time, st.integers(0, 22), st.sampled_from((0, 15, 30, 45)))
        )
    duration = timedelta(minutes=draw(st.integers(1, 240)))
    end_moment = datetime.combine(dtstart, start_time) + duration
    end_time = end_moment.time() if end_moment.date() == dtstart else time(23, 59)

    parts = list(draw(rule_parts))
    oracle_parts = list(parts)
    # Ends of the series drawn among its first occurrences too, so that UNTIL often cuts a day
    # that has one.
    first = datetime.combine(dtstart, start_time)
    unbounded = rrulestr(";".join(f"{name}={value}" for name, value in parts), dtstart=first)
    first_days = [
        moment.date()
        for moment in itertools.islice(
            unbounded.between(first, first + timedelta(days=900), inc=True), 40
        )
    ]
    series_end_days = days_after(dtstart, 0, 900)
    if first_days:
        series_end_days |= st.sampled_from(first_days)
    until_day = until_utc = count = None
    limit = draw(st.sampled_from(("none", "count", "until_day", "until_utc")))
    if limit == "count":
        # COUNT is bounded like UNTIL: its last occurrence within MAX_SPAN_DAYS of the start.
        span_end = datetime.combine(dtstart + timedelta(days=MAX_SPAN_DAYS), time.max)
        within_span = itertools.islice(unbounded.between(first, span_end, inc=True), 60)
        count = draw(st.integers(1, max(1, len(list(within_span)))))
        parts.append(("COUNT", str(count)))
        oracle_parts.append(("COUNT", str(count)))
    elif limit == "until_day":
        until_day = draw(series_end_days)
        parts.append(("UNTIL", f"{until_day:%Y%m%d}"))
        oracle_parts.append(("UNTIL", f"{until_day:%Y%m%d}T235959"))
    elif limit == "until_utc":
        # Often within minutes of an occurrence's start, to test the UNTIL instant itself.
        local_until = datetime.combine(draw(series_end_days), start_time) + timedelta(
            minutes=draw(st.sampled_from((-60, -1, 0, 1, 60)) | st.integers(-24 * 60, 24 * 60))
        )
        until_utc = local_until.replace(tzinfo=zone).astimezone(UTC)
        parts.append(("UNTIL", f"{until_utc:%Y%m%dT%H%M%SZ}"))
    order = draw(st.permutations(range(len(parts))))
    rule = ";".join(f"{parts[index][0]}={parts[index][1]}" for index in order)
    if draw(st.booleans()):
        rule = "RRULE:" + rule.lower()
    oracle_rule = ";".join(f"{name}={value}" for name, value in oracle_parts)

    valid_to = draw(st.none() | days_after(dtstart, 0, 1200))
    dates = draw(st.lists(days_after(dtstart, 0, 600), max_size=4))
    dates = tuple(day for day in dates if valid_to is None or day <= valid_to)

    window_zone = draw(st.sampled_from((UTC, zone)))
    if around_clock_changes:
        change = draw(st.sampled_from([day for day in PARIS_CLOCK_CHANGES if day > dtstart]))
        window_start = datetime.combine(
            change - timedelta(days=draw(st.integers(1, 40))), time(0), tzinfo=window_zone
        )
        window_end = datetime.combine(
            change + timedelta(days=draw(st.integers(1, 40))), time(0), tzinfo=window_zone
        )
    else:
        ends = [day for day in (until_day, valid_to) if day is not None]
        if until_utc is not None:
            ends.append(until_utc.astimezone(zone).date())
        if ends and draw(st.booleans()):
            # Around an end of the series, where UNTIL and valid_to bite.
            end = datetime.combine(draw(st.sampled_from(ends)), time(12), tzinfo=window_zone)
            window_start = end - timedelta(hours=draw(st.integers(1, 24 * 60)))
            window_end = end + timedelta(hours=draw(st.integers(1, 24 * 60)))
        else:
            # From a little before the start (where COUNT bites) to years later.
            window_start = datetime.combine(dtstart, time(0), tzinfo=window_zone) + timedelta(
                hours=draw(st.integers(-24 * 30, 24 * 300) | st.integers(0, 24 * 1500))
            )
            window_end = window_start + timedelta(hours=draw(st.integers(1, 24 * 200)))
    byday = tuple(value for name, value in parts if name == "BYDAY")
    return Case(
        rule=rule,
        oracle_rule=oracle_rule,
        until_day=until_day,
        until_utc=until_utc,
        count=count,
        byday=byday[0].split(",") if byday else (),
        dtstart=dtstart,
        start_time=start_time,
        end_time=end_time,
        timezone=timezone,
        dates=dates,
        valid_to=valid_to,
        window_start=window_start,
        window_end=window_end,
    )


# ---------------------------------------------------------------------------------------------
# The oracle: dateutil in naive local time, everything else done here independently
# ---------------------------------------------------------------------------------------------


def wall_clock(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The aware instant a local wall-clock time denotes (fold=0), as a real local time."""
    instant = datetime.combine(day, at, tzinfo=zone).timestamp()
    return datetime.fromtimestamp(instant, tz=zone)


def oracle_rule_days(case: Case, *, last_day: date) -> set[date]:
    """Local days on which dateutil's rule has an occurrence, up to last_day."""
    zone = ZoneInfo(case.timezone)
    days: set[date] = set()
    for naive in rrulestr(
        case.oracle_rule, dtstart=datetime.combine(case.dtstart, case.start_time)
    ):
        if naive.date() > last_day:
            break
        if case.until_utc is None or wall_clock(naive.date(), naive.time(), zone) <= case.until_utc:
            days.add(naive.date())
    return days


def oracle(case: Case, exdates: Iterable[date] = ()) -> list[tuple[str, str]]:
    zone = ZoneInfo(case.timezone)
    last_day = case.window_end.astimezone(zone).date() + timedelta(days=2)
    if case.valid_to is not None:
        last_day = min(last_day, case.valid_to)
    days = set(case.dates)
    if case.oracle_rule is not None:
        days |= oracle_rule_days(case, last_day=last_day)
    days = {day for day in days if day <= last_day} - set(exdates)
    expected = []
    for day in sorted(days):
        start = wall_clock(day, case.start_time, zone)
        end = wall_clock(day, case.end_time, zone)
        if end <= start:
            planned = datetime.combine(day, case.end_time) - datetime.combine(day, case.start_time)
            end = datetime.fromtimestamp(start.timestamp() + planned.total_seconds(), tz=zone)
        if case.window_start.timestamp() <= start.timestamp() < case.window_end.timestamp():
            expected.append((start.isoformat(), end.isoformat()))
    return expected


def as_text(occurrences: list[tuple[datetime, datetime]]) -> list[tuple[str, str]]:
    return [(start.isoformat(), end.isoformat()) for start, end in occurrences]


def check_against_oracle(case: Case, data: st.DataObject) -> list[tuple[datetime, datetime]] | None:
    """Compare expand() with the oracle; exdates are partly drawn among the real occurrences.

    Returns the occurrences, or None when the rule was (rightly) refused.
    """
    try:
        expand(**case.kwargs())
    except RecurrenceError as error:
        # Only a rule that never produces anything up to its UNTIL may be refused here.
        assert error.field == "rrule"
        assert case.until_day is not None or case.until_utc is not None
        zone = ZoneInfo(case.timezone)
        until_day = case.until_day or case.until_utc.astimezone(zone).date()
        assert not oracle_rule_days(dataclasses.replace(case, until_utc=None), last_day=until_day)
        return None
    occurring = sorted({date.fromisoformat(start[:10]) for start, _ in oracle(case)})
    exdates = data.draw(st.lists(st.sampled_from(occurring), max_size=5)) if occurring else []
    exdates += data.draw(st.lists(days_after(case.dtstart, -10, 700), max_size=3))
    result = expand(**case.kwargs(exdates))
    assert as_text(result) == oracle(case, exdates)
    assert all(start.tzinfo == ZoneInfo(case.timezone) for start, _ in result)
    return result


# ---------------------------------------------------------------------------------------------
# Properties against dateutil
# ---------------------------------------------------------------------------------------------


@PROPERTY
@given(case=cases(weekly_parts()), data=st.data())
def test_weekly_rules_match_dateutil(case: Case, data: st.DataObject) -> None:
    check_against_oracle(case, data)


@PROPERTY
@given(case=cases(daily_parts()), data=st.data())
def test_daily_rules_match_dateutil(case: Case, data: st.DataObject) -> None:
    check_against_oracle(case, data)


@PROPERTY
@given(case=cases(monthly_position_parts()), data=st.data())
def test_monthly_rules_by_weekday_position_match_dateutil(case: Case, data: st.DataObject) -> None:
    check_against_oracle(case, data)


@PROPERTY
@given(case=cases(monthly_day_parts()), data=st.data())
def test_monthly_rules_by_month_day_match_dateutil(case: Case, data: st.DataObject) -> None:
    check_against_oracle(case, data)


@PROPERTY
@given(
    case=cases(
        weekly_parts() | daily_parts() | monthly_position_parts(),
        timezones=st.just("Europe/Paris"),
        around_clock_changes=True,
    ),
    data=st.data(),
)
def test_windows_across_paris_clock_changes_match_dateutil(case: Case, data: st.DataObject) -> None:
    result = check_against_oracle(case, data)
    if result is None or case.start_time < time(3, 0):
        return
    # Out of the 02:00-03:00 hour, the offset only depends on the day.
    for start, _ in result:
        spring, autumn = PARIS_SUMMERS[start.year]
        summer = spring <= start.date() < autumn
        assert start.utcoffset() == timedelta(hours=2 if summer else 1)
        assert start.time() == case.start_time


@PROPERTY
@given(
    dtstart=st.dates(date(2024, 1, 1), date(2027, 12, 31)),
    offsets=st.lists(st.integers(0, 700), min_size=1, max_size=20),
    excluded=st.lists(st.integers(0, 700), max_size=10),
    start_time=st.sampled_from((*TRICKY_START_TIMES, time(10, 0), time(18, 30))),
    timezone=st.sampled_from(ZONES),
)
def test_one_off_dates_match_oracle(
    dtstart: date,
    offsets: list[int],
    excluded: list[int],
    start_time: time,
    timezone: str,
) -> None:
    dates = [dtstart + timedelta(days=offset) for offset in offsets]
    exdates = [dtstart + timedelta(days=offset) for offset in excluded]
    window_start = datetime.combine(dtstart, time(0), tzinfo=UTC)
    case = Case(
        rule=None,
        oracle_rule=None,
        until_day=None,
        until_utc=None,
        count=None,
        byday=(),
        dtstart=dtstart,
        start_time=start_time,
        end_time=time(23, 0),
        timezone=timezone,
        dates=tuple(dates),
        valid_to=None,
        window_start=window_start,
        window_end=window_start + timedelta(days=702),
    )
    assert as_text(expand(**case.kwargs(exdates))) == oracle(case, exdates)


# ---------------------------------------------------------------------------------------------
# Independent properties
# ---------------------------------------------------------------------------------------------


def is_skipped_wall_time(day: date, at: time, zone: ZoneInfo) -> bool:
    naive = datetime.combine(day, at)
    return naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive


@PROPERTY
@given(case=cases(ANY_RULE_PARTS), data=st.data())
def test_occurrences_respect_the_schedule(case: Case, data: st.DataObject) -> None:
    case = dataclasses.replace(case, dates=())
    exdates = data.draw(st.lists(days_after(case.dtstart, 0, 400), max_size=30))
    try:
        result = expand(**case.kwargs(exdates))
    except RecurrenceError as error:
        assert error.field == "rrule"
        return
    zone = ZoneInfo(case.timezone)
    starts = [start for start, _ in result]
    assert starts == sorted(starts, key=lambda start: start.timestamp())
    assert len({start.timestamp() for start in starts}) == len(starts)
    if case.count is not None:
        assert len(result) <= case.count
    for start, end in result:
        day = start.date()
        assert case.window_start.timestamp() <= start.timestamp() < case.window_end.timestamp()
        assert end > start
        assert start.tzinfo == zone
        assert day not in exdates
        assert day >= case.dtstart
        if is_skipped_wall_time(day, case.start_time, zone):
            assert start.replace(tzinfo=None) > datetime.combine(day, case.start_time)
        else:
            assert start.time() == case.start_time
        if case.until_day is not None:
            assert day <= case.until_day
        if case.until_utc is not None:
            assert start <= case.until_utc
        if case.valid_to is not None:
            assert day <= case.valid_to
        plain_days = [code for code in case.byday if code.isalpha()]
        if plain_days and len(plain_days) == len(case.byday):
            assert WEEKDAY_CODES[day.weekday()] in plain_days


@PROPERTY
@given(
    dtstart=st.dates(date(2024, 1, 1), date(2028, 12, 31)),
    months=st.integers(1, 36),
    start_time=st.sampled_from((*TRICKY_START_TIMES, time(18, 30))),
)
def test_last_friday_rule_gives_the_last_friday_of_each_month(
    dtstart: date, months: int, start_time: time
) -> None:
    window_start = datetime.combine(dtstart, time(0), tzinfo=PARIS)
    # A month can pass between two last Fridays plus a few days: the window always holds one.
    window_end = window_start + timedelta(days=31 * months + 7)
    result = expand(
        rrule="FREQ=MONTHLY;BYDAY=-1FR",
        dtstart=dtstart,
        start_time=start_time,
        end_time=time(23, 0),
        timezone="Europe/Paris",
        window_start=window_start,
        window_end=window_end,
    )
    days = [start.date() for start, _ in result]
    assert days
    for day in days:
        assert day.weekday() == 4
        assert (day + timedelta(days=7)).month != day.month
    months_seen = [(day.year, day.month) for day in days]
    assert len(set(months_seen)) == len(months_seen)
    for (year, month), (next_year, next_month) in itertools.pairwise(months_seen):
        assert next_year * 12 + next_month == year * 12 + month + 1


@PROPERTY
@given(
    dtstart=st.dates(date(2024, 1, 1), date(2028, 12, 31)),
    count=st.integers(1, 40),
    parts=weekly_parts() | monthly_position_parts() | monthly_day_parts(),
)
def test_count_counts_from_dtstart_before_exdates(
    dtstart: date, count: int, parts: list[tuple[str, str]]
) -> None:
    unbounded = ";".join(f"{name}={value}" for name, value in parts)
    first = datetime.combine(dtstart, time(10, 0))
    span_end = datetime.combine(dtstart + timedelta(days=MAX_SPAN_DAYS), time.max)
    # COUNT is bounded like UNTIL: at most the occurrences within MAX_SPAN_DAYS of the start.
    count = min(count, len(rrulestr(unbounded, dtstart=first).between(first, span_end, inc=True)))
    rule = f"{unbounded};COUNT={count}"
    arguments = {
        "rrule": rule,
        "dtstart": dtstart,
        "start_time": time(10, 0),
        "end_time": time(11, 0),
        "timezone": "UTC",
        "window_start": datetime.combine(dtstart, time(0), tzinfo=UTC),
        "window_end": datetime.combine(
            dtstart + timedelta(days=MAX_SPAN_DAYS + 1), time(0), tzinfo=UTC
        ),
    }
    everything = expand(**arguments)
    assert len(everything) == count
    skipped = everything[0][0].date()
    without_first = expand(**arguments, exdates=[skipped])
    assert without_first == everything[1:]


@PROPERTY
@given(parts=ANY_RULE_PARTS, dtstart=st.dates(date(2024, 1, 1), date(2028, 12, 31)))
def test_normalize_rrule_is_idempotent_and_keeps_the_meaning(
    parts: list[tuple[str, str]], dtstart: date
) -> None:
    rule = ";".join(f"{name}={value}" for name, value in reversed(parts)).lower()
    normalized = normalize_rrule(rule, dtstart=dtstart)
    assert normalized == normalized.upper()
    assert normalize_rrule(normalized, dtstart=dtstart) == normalized
    assert normalize_rrule("RRULE:" + rule, dtstart=dtstart) == normalized
    names = [part.split("=")[0] for part in normalized.split(";")]
    assert names == sorted(names, key=ALLOWED_PARTS.index)
    first = datetime.combine(dtstart, time(9, 0))
    original = rrulestr(rule.upper(), dtstart=first)
    assert original.between(first, first + timedelta(days=400), inc=True) == rrulestr(
        normalized, dtstart=first
    ).between(first, first + timedelta(days=400), inc=True)


# ---------------------------------------------------------------------------------------------
# Examples
# ---------------------------------------------------------------------------------------------


def test_tuesdays_at_14_stay_at_14_local_across_the_october_change() -> None:
    result = expand(
        rrule="FREQ=WEEKLY;BYDAY=TU",
        dtstart=date(2026, 10, 1),
        start_time=time(14, 0),
        end_time=time(16, 0),
        timezone="Europe/Paris",
        window_start=datetime(2026, 10, 1, tzinfo=PARIS),
        window_end=datetime(2026, 10, 1, tzinfo=PARIS) + timedelta(weeks=12),
    )
    assert len(result) == 12
    for start, end in result:
        assert start.weekday() == 1
        assert (start.hour, start.minute) == (14, 0)
        assert (end.hour, end.minute) == (16, 0)
        if start.date() < date(2026, 10, 25):
            assert start.utcoffset() == timedelta(hours=2)
            assert start.astimezone(UTC).time() == time(12, 0)
        else:
            assert start.utcoffset() == timedelta(hours=1)
            assert start.astimezone(UTC).time() == time(13, 0)
    assert [start.date() for start, _ in result[2:4]] == [date(2026, 10, 20), date(2026, 10, 27)]


def test_tuesdays_keep_their_local_time_across_the_march_change() -> None:
    result = expand(
        rrule="FREQ=WEEKLY;BYDAY=TU",
        dtstart=date(2027, 3, 1),
        start_time=time(14, 0),
        end_time=time(16, 0),
        timezone="Europe/Paris",
        window_start=datetime(2027, 3, 15, tzinfo=UTC),
        window_end=datetime(2027, 4, 10, tzinfo=UTC),
    )
    assert [start.isoformat() for start, _ in result] == [
        "2027-03-16T14:00:00+01:00",
        "2027-03-23T14:00:00+01:00",
        "2027-03-30T14:00:00+02:00",
        "2027-04-06T14:00:00+02:00",
    ]


@pytest.mark.parametrize(
    ("day", "start_time", "end_time", "expected_start", "expected_end"),
    [
        # Clocks jump from 02:00 to 03:00: 02:30 does not exist and resolves to 03:30.
        (date(2026, 3, 29), time(2, 30), time(3, 0), "03:30:00+02:00", "04:00:00+02:00"),
        (date(2026, 3, 29), time(2, 30), time(4, 0), "03:30:00+02:00", "04:00:00+02:00"),
        (date(2026, 3, 29), time(1, 30), time(2, 30), "01:30:00+01:00", "03:30:00+02:00"),
        # Clocks go back from 03:00 to 02:00: 02:30 happens twice, the first one is used.
        (date(2026, 10, 25), time(2, 30), time(2, 45), "02:30:00+02:00", "02:45:00+02:00"),
        (date(2026, 10, 25), time(1, 30), time(3, 30), "01:30:00+02:00", "03:30:00+01:00"),
    ],
)
def test_wall_clock_times_in_clock_changes_resolve_with_fold_zero(
    day: date, start_time: time, end_time: time, expected_start: str, expected_end: str
) -> None:
    [(start, end)] = expand(
        rrule="FREQ=DAILY",
        dtstart=day - timedelta(days=3),
        start_time=start_time,
        end_time=end_time,
        timezone="Europe/Paris",
        window_start=datetime.combine(day, time(0), tzinfo=PARIS),
        window_end=datetime.combine(day + timedelta(days=1), time(0), tzinfo=PARIS),
    )
    assert start.isoformat() == f"{day.isoformat()}T{expected_start}"
    assert end.isoformat() == f"{day.isoformat()}T{expected_end}"
    assert end > start


def test_open_ended_rule_far_from_its_start() -> None:
    case = Case(
        rule="FREQ=WEEKLY;INTERVAL=3;BYDAY=MO,TH;WKST=SU",
        oracle_rule="FREQ=WEEKLY;INTERVAL=3;BYDAY=MO,TH;WKST=SU",
        until_day=None,
        until_utc=None,
        count=None,
        byday=("MO", "TH"),
        dtstart=date(2020, 1, 8),
        start_time=time(9, 0),
        end_time=time(10, 0),
        timezone="Europe/Paris",
        dates=(),
        valid_to=None,
        window_start=datetime(2045, 3, 1, tzinfo=UTC),
        window_end=datetime(2045, 6, 1, tzinfo=UTC),
    )
    result = expand(**case.kwargs())
    assert as_text(result) == oracle(case)
    # Weeks starting on Sunday 2045-03-12, 04-02, 04-23 and 05-14 are every third one since 2020.
    assert [start.date().isoformat() for start, _ in result] == [
        "2045-03-13",
        "2045-03-16",
        "2045-04-03",
        "2045-04-06",
        "2045-04-24",
        "2045-04-27",
        "2045-05-15",
        "2045-05-18",
    ]


def test_date_until_includes_its_whole_day() -> None:
    result = expand(
        rrule="FREQ=DAILY;UNTIL=20260105",
        dtstart=date(2026, 1, 1),
        start_time=time(23, 30),
        end_time=time(23, 45),
        timezone="Europe/Paris",
        window_start=datetime(2025, 1, 1, tzinfo=UTC),
        window_end=datetime(2027, 1, 1, tzinfo=UTC),
    )
    assert [start.day for start, _ in result] == [1, 2, 3, 4, 5]


def test_utc_until_is_an_instant() -> None:
    result = expand(
        # 2026-01-03 13:00 UTC is 14:00 in Paris: the 14:00 occurrence of that day is included.
        rrule="FREQ=DAILY;UNTIL=20260103T130000Z",
        dtstart=date(2026, 1, 1),
        start_time=time(14, 0),
        end_time=time(15, 0),
        timezone="Europe/Paris",
        window_start=datetime(2026, 1, 1, tzinfo=UTC),
        window_end=datetime(2026, 2, 1, tzinfo=UTC),
    )
    assert [start.day for start, _ in result] == [1, 2, 3]
    one_second_earlier = expand(
        rrule="FREQ=DAILY;UNTIL=20260103T125959Z",
        dtstart=date(2026, 1, 1),
        start_time=time(14, 0),
        end_time=time(15, 0),
        timezone="Europe/Paris",
        window_start=datetime(2026, 1, 1, tzinfo=UTC),
        window_end=datetime(2026, 2, 1, tzinfo=UTC),
    )
    assert [start.day for start, _ in one_second_earlier] == [1, 2]


def test_valid_to_and_rdates_and_exdates_together() -> None:
    result = expand(
        rrule="FREQ=WEEKLY;BYDAY=MO",
        dtstart=date(2026, 6, 1),
        start_time=time(10, 0),
        end_time=time(12, 0),
        timezone="Europe/Paris",
        exdates=[date(2026, 6, 8), date(2026, 6, 3)],
        dates=[date(2026, 6, 3), date(2026, 6, 10), date(2026, 6, 15)],
        valid_to=date(2026, 6, 22),
        window_start=datetime(2026, 1, 1, tzinfo=UTC),
        window_end=datetime(2027, 1, 1, tzinfo=UTC),
    )
    assert [start.date() for start, _ in result] == [
        date(2026, 6, 1),
        date(2026, 6, 10),
        date(2026, 6, 15),
        date(2026, 6, 22),
    ]


def test_window_bounds_are_start_inclusive_and_end_exclusive() -> None:
    arguments = {
        "rrule": "FREQ=DAILY",
        "dtstart": date(2026, 1, 1),
        "start_time": time(14, 0),
        "end_time": time(15, 0),
        "timezone": "Europe/Paris",
    }
    first = datetime(2026, 1, 2, 14, 0, tzinfo=PARIS)
    result = expand(**arguments, window_start=first, window_end=first + timedelta(days=2))
    assert [start for start, _ in result] == [first, first + timedelta(days=1)]
    assert expand(**arguments, window_start=first, window_end=first) == []


def test_naive_window_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        expand(
            rrule="FREQ=DAILY",
            dtstart=date(2026, 1, 1),
            start_time=time(14, 0),
            end_time=time(15, 0),
            timezone="Europe/Paris",
            window_start=datetime(2026, 1, 1),
            window_end=datetime(2026, 2, 1),
        )


# ---------------------------------------------------------------------------------------------
# Normalisation and refusals
# ---------------------------------------------------------------------------------------------

START = date(2026, 1, 1)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("FREQ=WEEKLY;BYDAY=TU", "FREQ=WEEKLY;BYDAY=TU"),
        ("rrule:byday=tu,mo;freq=weekly;interval=02", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TU"),
        (" FREQ=MONTHLY ; BYDAY=+2TU,-1FR ; ", "FREQ=MONTHLY;BYDAY=2TU,-1FR"),
        ("FREQ=MONTHLY;BYMONTHDAY=-1,15,1,15", "FREQ=MONTHLY;BYMONTHDAY=1,15,-1"),
        ("WKST=SU;COUNT=10;FREQ=DAILY", "FREQ=DAILY;COUNT=10;WKST=SU"),
        ("FREQ=DAILY;UNTIL=20270630T215959z", "FREQ=DAILY;UNTIL=20270630T215959Z"),
        ("FREQ=DAILY;UNTIL=20270630", "FREQ=DAILY;UNTIL=20270630"),
        (f"FREQ=DAILY;COUNT={MAX_COUNT}", f"FREQ=DAILY;COUNT={MAX_COUNT}"),
        (f"FREQ=DAILY;INTERVAL={MAX_INTERVAL}", f"FREQ=DAILY;INTERVAL={MAX_INTERVAL}"),
        ("FREQ=WEEKLY;", "FREQ=WEEKLY"),
    ],
)
def test_normalize_rrule(rule: str, expected: str) -> None:
    assert normalize_rrule(rule, dtstart=START) == expected


def test_until_may_be_exactly_the_longest_span() -> None:
    last = START + timedelta(days=MAX_SPAN_DAYS)
    assert normalize_rrule(f"FREQ=DAILY;UNTIL={last:%Y%m%d}", dtstart=START)
    with pytest.raises(RecurrenceError):
        normalize_rrule(f"FREQ=DAILY;UNTIL={last + timedelta(days=1):%Y%m%d}", dtstart=START)


def test_count_may_reach_exactly_the_longest_span() -> None:
    # Every 30 days, the 62nd session falls on day 61 * 30 = 1830, the longest span.
    assert MAX_SPAN_DAYS == 61 * 30
    assert normalize_rrule("FREQ=DAILY;INTERVAL=30;COUNT=62", dtstart=START)
    with pytest.raises(RecurrenceError) as refused:
        normalize_rrule("FREQ=DAILY;INTERVAL=30;COUNT=63", dtstart=START)
    assert refused.value.field == "rrule"
    assert refused.value.params == {"count": 63, "days": MAX_SPAN_DAYS}


@pytest.mark.parametrize("dtstart", [date(1, 1, 1), date(1899, 12, 31), date(9999, 12, 31)])
def test_a_start_outside_the_calendar_is_refused_on_valid_from(dtstart: date) -> None:
    for check in (
        lambda: normalize_rrule("FREQ=WEEKLY", dtstart=dtstart),
        lambda: expand(**valid_expand_arguments(dtstart=dtstart)),
        lambda: expand(**valid_expand_arguments(rrule=None, dates=[dtstart], dtstart=dtstart)),
    ):
        with pytest.raises(RecurrenceError) as refused:
            check()
        assert refused.value.field == "valid_from"


def test_a_start_more_than_the_longest_span_ahead_is_refused() -> None:
    today = date(2026, 12, 7)
    validate_start(today + timedelta(days=MAX_SPAN_DAYS), today=today)
    validate_start(date(1990, 9, 1), today=today)
    with pytest.raises(RecurrenceError) as refused:
        validate_start(today + timedelta(days=MAX_SPAN_DAYS + 1), today=today)
    assert refused.value.field == "valid_from"


def test_utc_until_is_checked_exactly_once_the_time_zone_is_known() -> None:
    # 2026-10-01 20:00 UTC is 2026-10-02 05:00 in Tokyo but 16:00 on 2026-10-01 in New York.
    rule = "FREQ=DAILY;UNTIL=20261001T200000Z"
    start = date(2026, 10, 2)
    assert normalize_rrule(rule, dtstart=start) == rule
    assert normalize_rrule(rule, dtstart=start, timezone="Asia/Tokyo") == rule
    with pytest.raises(RecurrenceError) as refused:
        normalize_rrule(rule, dtstart=start, timezone="America/New_York")
    assert refused.value.field == "rrule"


TWENTY_YEARS_AHEAD = f"{START + timedelta(days=366 * 20):%Y%m%d}"


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=SECONDLY",
        "FREQ=MINUTELY",
        "FREQ=HOURLY",
        "FREQ=YEARLY",
        "FREQ=FORTNIGHTLY",
        "FREQ=DAILY;COUNT=100000",
        "FREQ=DAILY;COUNT=99999999999999999999999999999999",
        f"FREQ=DAILY;COUNT={MAX_COUNT + 1}",
        "FREQ=DAILY;COUNT=0",
        "FREQ=DAILY;COUNT=-3",
        "FREQ=DAILY;COUNT=ten",
        f"FREQ=WEEKLY;UNTIL={TWENTY_YEARS_AHEAD}",
        "FREQ=WEEKLY;UNTIL=20251231",
        "FREQ=WEEKLY;UNTIL=20260230",
        "FREQ=WEEKLY;UNTIL=20260630T120000",
        "FREQ=WEEKLY;UNTIL=2026-06-30",
        "FREQ=WEEKLY;UNTIL=20260630;COUNT=3",
        "FREQ=WEEKLY;INTERVAL=0",
        f"FREQ=WEEKLY;INTERVAL={MAX_INTERVAL + 1}",
        "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=-1",
        "FREQ=DAILY;BYHOUR=10",
        "FREQ=DAILY;BYMONTH=3",
        "FREQ=DAILY;COLOR=BLUE",
        "FREQ=WEEKLY;BYDAY=TU;BYDAY=WE",
        "FREQ=WEEKLY;BYDAY=XX",
        "FREQ=WEEKLY;BYDAY=",
        "FREQ=WEEKLY;BYDAY=MO,,TU",
        "FREQ=WEEKLY;BYDAY=2TU",
        "FREQ=DAILY;BYDAY=-1FR",
        "FREQ=MONTHLY;BYDAY=6TU",
        "FREQ=MONTHLY;BYDAY=0TU",
        "FREQ=MONTHLY;BYDAY=-TU",
        "FREQ=MONTHLY;BYMONTHDAY=32",
        "FREQ=MONTHLY;BYMONTHDAY=0",
        "FREQ=MONTHLY;BYMONTHDAY=-32",
        "FREQ=WEEKLY;BYMONTHDAY=3",
        "FREQ=WEEKLY;WKST=XX",
        # February 2026 has no 30th, and the rule ends before March.
        "FREQ=MONTHLY;BYMONTHDAY=30;UNTIL=20260227",
        "BYDAY=TU",
        "",
        "RRULE:",
        "every tuesday at 2pm",
        "FREQ=WEEKLY;BYDAY=TU" + ";X" * 2000,
        "FREQ=WEEKLY;;",
        "FREQ=WEEKLY;;BYDAY=TU",
        ";FREQ=WEEKLY",
        "FREQ=WEEKLY; ;BYDAY=TU",
        # COUNT is bounded like UNTIL: the 730th session every 52 weeks is 700 years ahead.
        "FREQ=WEEKLY;INTERVAL=52;COUNT=730",
        "FREQ=MONTHLY;INTERVAL=12;COUNT=7",
        "FREQ=DAILY;INTERVAL=3;COUNT=700",
    ],
)
def test_bad_rules_are_refused(rule: str) -> None:
    dtstart = date(2026, 1, 31) if "BYMONTHDAY=30;UNTIL" in rule else START
    with pytest.raises(RecurrenceError) as refused:
        normalize_rrule(rule, dtstart=dtstart)
    assert refused.value.field == "rrule"
    assert str(refused.value)
    with pytest.raises(RecurrenceError) as refused_by_expand:
        expand(**valid_expand_arguments(rrule=rule, dtstart=dtstart))
    assert refused_by_expand.value.field == "rrule"


@pytest.mark.parametrize("freq", ["SECONDLY", "MINUTELY", "HOURLY", "YEARLY"])
def test_each_refused_frequency_is_named_in_its_message(freq: str) -> None:
    with pytest.raises(RecurrenceError, match=f"FREQ={freq}"):
        normalize_rrule(f"FREQ={freq}", dtstart=START)


def valid_expand_arguments(**changes: object) -> dict[str, object]:
    arguments: dict[str, object] = {
        "rrule": "FREQ=WEEKLY;BYDAY=TU",
        "dtstart": START,
        "start_time": time(14, 0),
        "end_time": time(16, 0),
        "timezone": "Europe/Paris",
        "exdates": (),
        "dates": (),
        "valid_to": None,
        "window_start": datetime(2026, 1, 1, tzinfo=UTC),
        "window_end": datetime(2026, 3, 1, tzinfo=UTC),
    }
    arguments.update(changes)
    return arguments


def test_valid_arguments_used_by_refusal_tests_are_accepted() -> None:
    assert len(expand(**valid_expand_arguments())) == 8


FAR = START + timedelta(days=MAX_SPAN_DAYS + 1)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"end_time": time(13, 0)}, "end_time"),
        ({"end_time": time(14, 0)}, "end_time"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "localtime"}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"timezone": ""}, "timezone"),
        ({"valid_to": START - timedelta(days=1)}, "valid_to"),
        ({"valid_to": FAR}, "valid_to"),
        ({"rrule": None}, "dates"),
        ({"rrule": None, "dates": [START + timedelta(days=n) for n in range(367)]}, "dates"),
        ({"dates": [FAR]}, "dates"),
        ({"dates": [START - timedelta(days=1)]}, "dates"),
        ({"dates": [date(2026, 5, 1)], "valid_to": date(2026, 4, 30)}, "dates"),
        ({"dates": [datetime(2026, 5, 1, 10, 0)]}, "dates"),
        ({"exdates": [FAR]}, "exdates"),
        ({"exdates": ["2026-01-06"]}, "exdates"),
        ({"rrule": "FREQ=HOURLY"}, "rrule"),
    ],
)
def test_bad_schedules_are_refused_with_the_field_at_fault(
    changes: dict[str, object], field: str
) -> None:
    with pytest.raises(RecurrenceError) as refused:
        expand(**valid_expand_arguments(**changes))
    assert refused.value.field == field


def test_limits_on_one_off_dates_are_inclusive() -> None:
    dates = [START + timedelta(days=n) for n in range(366)]
    result = expand(
        **valid_expand_arguments(
            rrule=None,
            dates=dates,
            window_end=datetime(2028, 1, 1, tzinfo=UTC),
            exdates=[START + timedelta(days=MAX_SPAN_DAYS)],
        )
    )
    assert len(result) == 366


def test_validate_timezone() -> None:
    assert validate_timezone("Europe/Paris") == PARIS
    with pytest.raises(RecurrenceError) as refused:
        validate_timezone("Mars/Olympus")
    assert refused.value.field == "timezone"


def test_recurrence_error_is_a_value_error_with_rrule_as_default_field() -> None:
    error = RecurrenceError("bad")
    assert isinstance(error, ValueError)
    assert error.field == "rrule"
    assert RecurrenceError("bad", field="dates").field == "dates"


# ---------------------------------------------------------------------------------------------
# describe(): the parts of a sentence (tests/activities/test_schedule_text.py has the words)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("FREQ=WEEKLY;BYDAY=TU", {"pattern": "weekly", "weekdays": (1,), "step": 1}),
        ("FREQ=WEEKLY", {"pattern": "weekly", "weekdays": (3,)}),  # 2026-01-01: a Thursday
        ("FREQ=DAILY;BYDAY=SA,SU;COUNT=1", {"pattern": "weekly", "weekdays": (5, 6), "count": 1}),
        ("FREQ=WEEKLY;BYDAY=FR,TH,WE,TU,MO", {"pattern": "monday_to_friday"}),
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU", {"pattern": "every_days", "step": 1}),
        ("FREQ=DAILY;INTERVAL=3", {"pattern": "every_days", "step": 3}),
        (
            "FREQ=MONTHLY;BYDAY=3TU,1TU;INTERVAL=2",
            {"pattern": "positions_of_weekday", "positions": ((1, 1), (3, 1)), "every_months": 2},
        ),
        # No everyday word for "third-to-last" in French: each position keeps its weekday.
        ("FREQ=MONTHLY;BYDAY=-3TU,1TU", {"pattern": "positions", "positions": ((1, 1), (-3, 1))}),
        ("FREQ=MONTHLY;BYDAY=-1FR,1MO", {"pattern": "positions", "positions": ((1, 0), (-1, 4))}),
        (
            "FREQ=MONTHLY;BYMONTHDAY=-1,1",
            {"pattern": "monthdays", "monthdays": (1, -1), "every_month": True},
        ),
        ("FREQ=MONTHLY", {"pattern": "monthdays", "monthdays": (1,), "every_month": True}),
        ("FREQ=DAILY;INTERVAL=2;BYDAY=MO", {"pattern": "selected_days", "freq": "DAILY"}),
        ("FREQ=WEEKLY;BYDAY=SA;UNTIL=20260630", {"until": date(2026, 6, 30), "count": None}),
        ("FREQ=WEEKLY;BYDAY=SA;UNTIL=20260630T220000Z", {"until": date(2026, 6, 30)}),
    ],
)
def test_describe_gives_the_parts_of_the_sentence(rule: str, expected: dict) -> None:
    description = describe(rule, dtstart=START, start_time=time(14, 0))
    assert description.start_time == time(14, 0)
    for name, value in expected.items():
        assert getattr(description, name) == value, name


def test_describe_one_off_schedule() -> None:
    description = describe(None, dtstart=date(2026, 3, 1), start_time=time(9, 5))
    assert (description.pattern, description.day) == ("on_date", date(2026, 3, 1))


def test_describe_refuses_a_bad_rule() -> None:
    with pytest.raises(RecurrenceError):
        describe("FREQ=HOURLY", dtstart=START, start_time=time(9, 0))


def test_an_error_carries_its_template_and_parameters() -> None:
    with pytest.raises(RecurrenceError) as refused:
        normalize_rrule("FREQ=WEEKLY;INTERVAL=99", dtstart=START)
    error = refused.value
    assert error.message == "%(name)s must be between %(low)d and %(high)d (got %(value)s)."
    assert error.params == {"name": "INTERVAL", "low": 1, "high": MAX_INTERVAL, "value": "99"}
    assert str(error) == f"INTERVAL must be between 1 and {MAX_INTERVAL} (got 99)."
