"""Schedules and recurrence errors in the reader's language, through gettext.

`activities.recurrence` stays free of Django: it raises errors whose message is an English
template marked for translation, and describes a schedule as structured parts
(`recurrence.Description`). This module puts both into words in the active language.
"""

from django.utils.dates import MONTHS, WEEKDAYS
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from activities import recurrence
from activities.models import Schedule

# "Every Monday" / "Tous les lundis": French says the weekday in the plural here.
_EVERY_WEEKDAY = (
    pgettext_lazy("every (weekday)", "Monday"),
    pgettext_lazy("every (weekday)", "Tuesday"),
    pgettext_lazy("every (weekday)", "Wednesday"),
    pgettext_lazy("every (weekday)", "Thursday"),
    pgettext_lazy("every (weekday)", "Friday"),
    pgettext_lazy("every (weekday)", "Saturday"),
    pgettext_lazy("every (weekday)", "Sunday"),
)
# "The first and third Tuesday of the month": positions said once for one weekday.
_POSITION = {
    1: pgettext_lazy("position in the month", "first"),
    2: pgettext_lazy("position in the month", "second"),
    3: pgettext_lazy("position in the month", "third"),
    4: pgettext_lazy("position in the month", "fourth"),
    5: pgettext_lazy("position in the month", "fifth"),
    -1: pgettext_lazy("position in the month", "last"),
    -2: pgettext_lazy("position in the month", "second-to-last"),
}
# "The first Monday and the last Friday of the month": each position with its weekday.
_POSITION_OF_WEEKDAY = {
    1: pgettext_lazy("position in the month", "the first %(weekday)s"),
    2: pgettext_lazy("position in the month", "the second %(weekday)s"),
    3: pgettext_lazy("position in the month", "the third %(weekday)s"),
    4: pgettext_lazy("position in the month", "the fourth %(weekday)s"),
    5: pgettext_lazy("position in the month", "the fifth %(weekday)s"),
    -1: pgettext_lazy("position in the month", "the last %(weekday)s"),
    -2: pgettext_lazy("position in the month", "the second-to-last %(weekday)s"),
    -3: pgettext_lazy("position in the month", "the third-to-last %(weekday)s"),
    -4: pgettext_lazy("position in the month", "the fourth-to-last %(weekday)s"),
    -5: pgettext_lazy("position in the month", "the fifth-to-last %(weekday)s"),
}
# English ordinal suffixes; French writes the bare number ("le 15"), and "1er".
_DAY_NUMBER = {
    "st": pgettext_lazy("day of the month", "%(day)dst"),
    "nd": pgettext_lazy("day of the month", "%(day)dnd"),
    "rd": pgettext_lazy("day of the month", "%(day)drd"),
    "th": pgettext_lazy("day of the month", "%(day)dth"),
}


def recurrence_error_message(error: recurrence.RecurrenceError) -> str:
    """The error's message in the active language."""
    message = _(error.message)
    return message % error.params if error.params else message


def schedule_describe(schedule: Schedule) -> str:
    """The schedule in a short sentence, in the active language."""
    return describe(
        recurrence.describe(
            schedule.rrule or None, dtstart=schedule.valid_from, start_time=schedule.start_time
        )
    )


def describe(description: recurrence.Description) -> str:
    """Put a `recurrence.Description` into words, in the active language."""
    at = pgettext("time of a session", "at %(hour)02d:%(minute)02d") % {
        "hour": description.start_time.hour,
        "minute": description.start_time.minute,
    }
    if description.pattern == "on_date":
        return _("On %(date)s %(time)s") % {"date": _date(description.day), "time": at}
    pattern, aside = _pattern(description)
    if aside:
        pattern = f"{pattern}, {aside},"
    return f"{capfirst(pattern)} {at}{_limit(description)}"


def _pattern(d: recurrence.Description) -> tuple[str, str | None]:
    """The main phrase, and an aside such as "every 2 months" set between commas."""
    every_months = None
    if d.every_months:
        every_months = pgettext("aside", "every %(step)d months") % {"step": d.every_months}
    if d.pattern == "every_days":
        return _every(d.step, "DAILY"), None
    if d.pattern == "monday_to_friday":
        return _("Monday to Friday"), None
    if d.pattern == "weekly":
        if d.step == 1:
            return _("Every %(weekdays)s") % {
                "weekdays": _join([str(_EVERY_WEEKDAY[day]) for day in d.weekdays])
            }, None
        on_days = [
            pgettext("on a weekday", "%(weekday)s") % {"weekday": WEEKDAYS[day]}
            for day in d.weekdays
        ]
        return _("Every %(step)d weeks on %(weekdays)s") % {
            "step": d.step,
            "weekdays": _join(on_days),
        }, None
    if d.pattern == "positions_of_weekday":
        return _("The %(positions)s %(weekday)s of the month") % {
            "positions": _join([str(_POSITION[ordinal]) for ordinal, _day in d.positions]),
            "weekday": WEEKDAYS[d.positions[0][1]],
        }, every_months
    if d.pattern == "positions":
        labels = [
            _POSITION_OF_WEEKDAY[ordinal] % {"weekday": WEEKDAYS[day]}
            for ordinal, day in d.positions
        ]
        return _("%(positions)s of the month") % {"positions": _join(labels)}, every_months
    if d.pattern == "monthdays":
        days = _join([_monthday(d.monthdays[0])] + [_the_monthday(n) for n in d.monthdays[1:]])
        if any(day < 0 for day in d.monthdays):
            return _("On the %(days)s of the month") % {"days": days}, every_months
        if d.every_month:
            return _("On the %(days)s of every month") % {"days": days}, None
        return _("On the %(days)s") % {"days": days}, every_months
    return _every(d.step, d.freq), _("on selected days")


def _every(step: int, freq: str) -> str:
    if freq == "DAILY":
        return _("Every day") if step == 1 else _("Every %(step)d days") % {"step": step}
    if freq == "WEEKLY":
        return _("Every week") if step == 1 else _("Every %(step)d weeks") % {"step": step}
    return _("Every month") if step == 1 else _("Every %(step)d months") % {"step": step}


def _day_number(day: int) -> str:
    if day == 1:
        return pgettext("day of the month", "1st")
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return _DAY_NUMBER[suffix] % {"day": day}


def _monthday(day: int) -> str:
    """A day of the month as the first of a list: "15th", "last day"."""
    if day > 0:
        return _day_number(day)
    if day == -1:
        return pgettext("day of the month", "last day")
    if day == -2:
        return pgettext("day of the month", "2nd-to-last day")
    return pgettext("day of the month", "%(number)s-to-last day") % {"number": _day_number(-day)}


def _the_monthday(day: int) -> str:
    """A day of the month further in a list, with its article: "the 15th", "the last day"."""
    if day > 0:
        return pgettext("day of the month", "the %(number)s") % {"number": _day_number(day)}
    if day == -1:
        return pgettext("day of the month", "the last day")
    if day == -2:
        return pgettext("day of the month", "the 2nd-to-last day")
    return pgettext("day of the month", "the %(number)s-to-last day") % {
        "number": _day_number(-day)
    }


def _date(day) -> str:
    values = {"day": day.day, "month": MONTHS[day.month], "year": day.year}
    if day.day == 1:
        return pgettext("date", "1 %(month)s %(year)d") % values
    return pgettext("date", "%(day)d %(month)s %(year)d") % values


def _limit(d: recurrence.Description) -> str:
    if d.count is not None:
        return _(", once") if d.count == 1 else _(", %(count)d times") % {"count": d.count}
    if d.until is not None:
        return _(", until %(date)s") % {"date": _date(d.until)}
    return ""


def _join(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return pgettext("list", "%(items)s and %(last)s") % {
        "items": ", ".join(items[:-1]),
        "last": items[-1],
    }
