"""Quiet hours: when a message may go out. Pure (no Django): plain times and zones."""

import datetime
from zoneinfo import ZoneInfo


def quiet_until(
    now: datetime.datetime, *, start: datetime.time, end: datetime.time, zone: str
) -> datetime.datetime | None:
    """The end of the quiet period `now` (aware) falls in, as an aware UTC datetime, or None
    when `now` is outside quiet hours. The period runs from `start` to `end` local time and
    may cross midnight (21:00-08:00). Local wall-clock times are read in `zone` on the day
    they fall on, so the end stays 08:00 local across a clock change; start == end: never
    quiet."""
    if start == end:
        return None
    tz = ZoneInfo(zone)
    local = now.astimezone(tz)
    clock = local.time().replace(tzinfo=None)
    if start < end:
        inside = start <= clock < end
        end_day = local.date()
    else:  # crosses midnight
        inside = clock >= start or clock < end
        end_day = local.date() + datetime.timedelta(days=1) if clock >= start else local.date()
    if not inside:
        return None
    return datetime.datetime.combine(end_day, end, tzinfo=tz).astimezone(datetime.UTC)
