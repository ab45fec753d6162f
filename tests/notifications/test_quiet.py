"""Quiet hours in local time, across midnight and across the clock changes."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from notifications.quiet import quiet_until

PARIS = ZoneInfo("Europe/Paris")
NIGHT = {"start": datetime.time(21), "end": datetime.time(8), "zone": "Europe/Paris"}


def paris(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=PARIS)


@pytest.mark.parametrize(
    "now, until",
    [
        (paris(2026, 6, 10, 20, 59), None),
        (paris(2026, 6, 10, 21, 0), paris(2026, 6, 11, 8, 0)),
        (paris(2026, 6, 10, 23, 30), paris(2026, 6, 11, 8, 0)),
        (paris(2026, 6, 11, 0, 10), paris(2026, 6, 11, 8, 0)),
        (paris(2026, 6, 11, 7, 59), paris(2026, 6, 11, 8, 0)),
        (paris(2026, 6, 11, 8, 0), None),
        (paris(2026, 6, 11, 14, 0), None),
    ],
)
def test_the_night_runs_from_21_to_8_local_time(now, until):
    assert quiet_until(now, **NIGHT) == until


def test_the_end_stays_8_local_across_the_clock_changes():
    spring = quiet_until(paris(2026, 3, 28, 22, 0), **NIGHT)  # clocks go forward that night
    autumn = quiet_until(paris(2026, 10, 24, 22, 0), **NIGHT)  # and back
    assert spring.astimezone(PARIS).time() == datetime.time(8)
    assert autumn.astimezone(PARIS).time() == datetime.time(8)
    assert spring - paris(2026, 3, 28, 22, 0) == datetime.timedelta(hours=9)
    assert autumn - paris(2026, 10, 24, 22, 0) == datetime.timedelta(hours=11)


def test_a_daytime_period_and_an_empty_one():
    nap = {"start": datetime.time(13), "end": datetime.time(15), "zone": "Europe/Paris"}
    assert quiet_until(paris(2026, 6, 10, 14, 0), **nap) == paris(2026, 6, 10, 15, 0)
    assert quiet_until(paris(2026, 6, 10, 16, 0), **nap) is None
    never = {"start": datetime.time(8), "end": datetime.time(8), "zone": "Europe/Paris"}
    assert quiet_until(paris(2026, 6, 10, 23, 0), **never) is None


def test_the_residents_own_zone_is_used():
    now = datetime.datetime(2026, 6, 10, 19, 30, tzinfo=datetime.UTC)  # 21:30 Paris
    assert quiet_until(now, **NIGHT) is not None
    montreal = {**NIGHT, "zone": "America/Montreal"}  # 15:30 there
    assert quiet_until(now, **montreal) is None
