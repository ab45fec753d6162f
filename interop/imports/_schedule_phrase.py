"""Schedules written in words, as volunteers type them in a spreadsheet, read into a rule.

"tous les mardis 14h-16h", "every Tuesday 14:00-16:00", "le 1er et 3e jeudi du mois
10:00-12:00", "du lundi au vendredi de 9h à 12h", "le 15 de chaque mois", "une semaine sur
deux le mardi", a list of dates ("12/01/2027; 26/01/2027 14h-16h") or an RFC 5545 RRULE.

The words understood are the ones `activities.schedule_text` writes (a schedule read back from
its own description gives the same rule, which the tests check) plus their usual variants.
Any other word is refused with the word named: a schedule is never guessed. Pure, like
`activities.recurrence`: messages are English templates marked for translation, put into the
reader's language by the caller.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field

__all__ = ["PhraseError", "Schedule", "normalize", "parse_date", "parse_schedule", "parse_time"]


def gettext_noop(message: str) -> str:
    return message


class PhraseError(ValueError):
    """A schedule phrase that cannot be read; `message % params` says what to write instead."""

    def __init__(self, message: str, params: dict[str, object] | None = None) -> None:
        self.message = message
        self.params = params or {}
        super().__init__(message % self.params if self.params else message)


@dataclass
class Schedule:
    """What a phrase says: a rule (RRULE without DTSTART) or one-off dates, and the times
    if it gives them."""

    rrule: str | None = None
    dates: list[datetime.date] = field(default_factory=list)
    start_time: datetime.time | None = None
    end_time: datetime.time | None = None


def normalize(text: str) -> str:
    """Lower case, no accents, one space between words, typographic apostrophes and dashes
    made plain."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = text.replace("’", "'").replace("–", "-").replace("—", "-").replace("\u00a0", " ")
    return " ".join(text.lower().split())


# --- times and dates --------------------------------------------------------------------------

# 14h, 14h30, 14:30, 14:30:00, 2pm, 2:30 pm (never a bare number: "le 15" is a day).
_TIME = r"(\d{1,2})(?:\s*(?:h|:)\s*(\d{2})?(?::\d{2})?\s*(am|pm)?|\s*(am|pm)\b)"
_TIME_RE = re.compile(rf"^{_TIME}$")
_RANGE_RE = re.compile(
    rf"(?:\bde\s+|\bfrom\s+)?{_TIME}\s*(?:-|\ba\b|\bto\b|\buntil\b|\bjusqu'a\b)\s*{_TIME}"
)
_SINGLE_TIME_RE = re.compile(rf"(?:\ba\s+|\bat\s+)?(?<![\d/.-]){_TIME}(?![\d/])")


def _time_of(hours: str, minutes: str | None, meridiem: str | None) -> datetime.time:
    hour, minute = int(hours), int(minutes or 0)
    if meridiem:
        if not 1 <= hour <= 12:
            raise PhraseError(
                gettext_noop("%(hour)s%(meridiem)s is not a time."),
                {"hour": hours, "meridiem": meridiem},
            )
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if hour == 24 and minute == 0:
        # "until midnight": the last minute of the day, sessions stay within one day.
        return datetime.time(23, 59)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise PhraseError(
            gettext_noop("%(time)s is not a time of day."),
            {"time": f"{hours}:{minutes or '00'}"},
        )
    return datetime.time(hour, minute)


def parse_time(text: str) -> datetime.time:
    """A time of day: 14h, 14h30, 14:30, 14:30:00, 2pm."""
    match = _TIME_RE.match(normalize(text))
    if match is None:
        raise PhraseError(
            gettext_noop('"%(value)s" is not a time; write it as 14:30 or 14h30.'), {"value": text}
        )
    hours, minutes, meridiem, meridiem_alone = match.groups()
    return _time_of(hours, minutes, meridiem or meridiem_alone)


_DATE_FR_RE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$")
_DATE_ISO_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
# A spreadsheet often writes a date with a midnight time: "31/12/2026 00:00:00".
_MIDNIGHT_RE = re.compile(r"(?:\s+|t)00:00(?::00)?$")


def parse_date(text: str) -> datetime.date:
    """A date written the French way (31/12/2026, 31-12-2026, 31.12.26) or ISO (2026-12-31)."""
    value = _MIDNIGHT_RE.sub("", normalize(text))
    try:
        if match := _DATE_ISO_RE.match(value):
            year, month, day = (int(part) for part in match.groups())
            return datetime.date(year, month, day)
        if match := _DATE_FR_RE.match(value):
            day, month, year = (int(part) for part in match.groups())
            if year < 100:
                year += 2000
            return datetime.date(year, month, day)
    except ValueError:
        raise PhraseError(
            gettext_noop('"%(value)s" is not a real date.'), {"value": text}
        ) from None
    raise PhraseError(
        gettext_noop('"%(value)s" is not a date; write it as 31/12/2026.'), {"value": text}
    )


# --- words ----------------------------------------------------------------------------------

_WEEKDAY_WORDS = {
    0: ("lundi", "lun", "monday", "mon"),
    1: ("mardi", "mar", "tuesday", "tue", "tues"),
    2: ("mercredi", "mer", "wednesday", "wed"),
    3: ("jeudi", "jeu", "thursday", "thu", "thur", "thurs"),
    4: ("vendredi", "ven", "friday", "fri"),
    5: ("samedi", "sam", "saturday", "sat"),
    6: ("dimanche", "dim", "sunday", "sun"),
}
WEEKDAYS = {
    variant: day
    for day, words in _WEEKDAY_WORDS.items()
    for word in words
    for variant in (word, word + "s")
}
_WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
ORDINALS = {
    **dict.fromkeys(("1er", "1re", "1ere", "premier", "premiere", "1st", "first"), 1),
    **dict.fromkeys(("2e", "2eme", "2nd", "deuxieme", "second", "seconde"), 2),
    **dict.fromkeys(("3e", "3eme", "3rd", "troisieme", "third"), 3),
    **dict.fromkeys(("4e", "4eme", "4th", "quatrieme", "fourth"), 4),
    **dict.fromkeys(("5e", "5eme", "5th", "cinquieme", "fifth"), 5),
    **dict.fromkeys(("dernier", "derniere", "last"), -1),
    **dict.fromkeys(("avant_dernier", "avant_derniere", "second_to_last"), -2),
}
_NUMBER_WORDS = {
    "un": 1, "une": 1, "one": 1, "deux": 2, "two": 2, "trois": 3, "three": 3,
    "quatre": 4, "four": 4, "cinq": 5, "five": 5, "six": 6,
}  # fmt: skip
_DAY_UNITS = frozenset({"jour", "jours", "day", "days"})
_WEEK_UNITS = frozenset({"semaine", "semaines", "week", "weeks"})
_MONTH_UNITS = frozenset({"mois", "month", "months"})
_FILLERS = frozenset(
    [
        "tous",
        "toutes",
        "tout",
        "les",
        "le",
        "la",
        "l",
        "de",
        "du",
        "des",
        "d",
        "et",
        "chaque",
        "a",
        "au",
        "aux",
        "en",
        "le",
        "sur",
        "par",
        "every",
        "each",
        "on",
        "the",
        "and",
        "of",
        "in",
        "a",
        "at",
        "from",
        "to",
    ]
)
_RANGE_WORDS = frozenset({"au", "to", "a"})
# Whole phrases first, so that their words are not read one by one.
_IDIOMS = (
    (re.compile(r"\b(?:une semaine sur deux|every other week|tous les (?:15|quinze) jours)\b"),
     " every_2_weeks "),
    (re.compile(r"\b(?:un mois sur deux|every other month)\b"), " every_2_months "),
    (re.compile(r"\b(?:en semaine|weekdays|jours ouvres)\b"), " monday_to_friday "),
    (re.compile(r"\b(?:le week-end|le weekend|week-ends|weekends|week-end|weekend)\b"),
     " samedi dimanche "),
    (re.compile(r"\btous les jours\b|\bevery day\b|\bdaily\b|\bquotidien(?:ne)?\b"), " daily "),
    (re.compile(r"\bavant-dernier(e?)\b"), r" avant_dernier\1 "),
    (re.compile(r"\bsecond[- ]to[- ]last\b"), " second_to_last "),
    (re.compile(r"\bdernier jour\b|\blast day\b"), " last_day "),
)  # fmt: skip
# "15th", "15e": a day of the month (the first five are ORDINALS, which may name a weekday).
_NUMBERED_DAY_RE = re.compile(r"^([1-9]|[12]\d|3[01])(?:st|nd|rd|th|e|eme|er|re)$")
_DATE_TOKEN_RE = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|\d{1,2}-\d{1,2}-\d{4}"
)


def parse_schedule(text: str) -> Schedule:
    """Read a schedule phrase, a list of dates or an RRULE. Raises PhraseError."""
    stripped = text.strip()
    if re.match(r"(?i)^(rrule:)?\s*freq\s*=", stripped):
        return Schedule(rrule=re.sub(r"(?i)^rrule:", "", stripped).upper().replace(" ", ""))
    phrase = normalize(stripped)
    if not phrase:
        raise PhraseError(gettext_noop("The schedule is empty."))
    schedule = Schedule()
    phrase = _take_times(phrase, schedule)
    dates = _DATE_TOKEN_RE.findall(phrase)
    if dates:
        rest = _DATE_TOKEN_RE.sub(" ", phrase)
        leftover = [word for word in re.findall(r"[^\s,;]+", rest) if word not in _FILLERS]
        if leftover:
            raise PhraseError(
                gettext_noop("%(words)s: a list of dates holds only dates and times."),
                {"words": " ".join(leftover)},
            )
        schedule.dates = sorted({parse_date(value) for value in dates})
        return schedule
    schedule.rrule = _rule_of(phrase)
    return schedule


def _take_times(phrase: str, schedule: Schedule) -> str:
    match = _RANGE_RE.search(phrase)
    if match:
        h1, m1, p1, q1, h2, m2, p2, q2 = match.groups()
        end_meridiem = p2 or q2
        # "2-4pm" is not read (no h or colon in the start): "2pm-4pm" and "14:00-16:00" are.
        schedule.start_time = _time_of(h1, m1, p1 or q1 or None)
        schedule.end_time = _time_of(h2, m2, end_meridiem)
        return phrase[: match.start()] + " " + phrase[match.end() :]
    match = _SINGLE_TIME_RE.search(phrase)
    if match:
        hours, minutes, meridiem, meridiem_alone = match.groups()
        schedule.start_time = _time_of(hours, minutes, meridiem or meridiem_alone)
        return phrase[: match.start()] + " " + phrase[match.end() :]
    return phrase


def _rule_of(phrase: str) -> str:
    for pattern, replacement in _IDIOMS:
        phrase = pattern.sub(replacement, phrase)
    tokens = re.findall(r"[a-z0-9_]+", phrase.replace("'", " "))
    plain: list[int] = []
    positioned: list[tuple[int, int]] = []
    monthdays: list[int] = []
    pending: list[int] = []
    interval: dict[str, int] = {}
    freq_words: set[str] = set()
    unknown: list[str] = []
    previous_day: int | None = None
    range_open = False
    index = 0
    while index < len(tokens):
        token = tokens[index]
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        if token in WEEKDAYS:
            day = WEEKDAYS[token]
            if pending:
                positioned.extend((ordinal, day) for ordinal in pending)
                pending = []
            elif range_open and previous_day is not None:
                span = (day - previous_day) % 7
                plain.extend((previous_day + step) % 7 for step in range(1, span + 1))
            else:
                plain.append(day)
            previous_day, range_open = day, False
        elif token in ORDINALS:
            pending.append(ORDINALS[token])
        elif _NUMBERED_DAY_RE.match(token):
            monthdays.append(int(_NUMBERED_DAY_RE.match(token).group(1)))
        elif token == "last_day":
            monthdays.append(-1)
        elif token == "daily":
            freq_words.add("DAILY")
        elif token == "monday_to_friday":
            plain.extend(range(5))
        elif token.startswith("every_2_"):
            unit = "WEEKLY" if token.endswith("weeks") else "MONTHLY"
            interval[unit] = 2
            freq_words.add(unit)
        elif token.isdigit() or token in _NUMBER_WORDS:
            number = int(token) if token.isdigit() else _NUMBER_WORDS[token]
            if following in _WEEK_UNITS | _MONTH_UNITS | _DAY_UNITS:
                unit = (
                    "WEEKLY"
                    if following in _WEEK_UNITS
                    else "MONTHLY"
                    if following in _MONTH_UNITS
                    else "DAILY"
                )
                interval[unit] = number
                freq_words.add(unit)
                index += 1
            elif token.isdigit() and 1 <= number <= 31:
                monthdays.append(number)
            else:
                unknown.append(token)
        elif token in _WEEK_UNITS:
            freq_words.add("WEEKLY")
        elif token in _MONTH_UNITS or token in {"mensuel", "mensuelle", "monthly"}:
            freq_words.add("MONTHLY")
        elif token in {"hebdomadaire", "weekly"}:
            freq_words.add("WEEKLY")
        elif token in _DAY_UNITS:
            freq_words.add("DAILY")
        elif token in _RANGE_WORDS and previous_day is not None and following in WEEKDAYS:
            range_open = True
        elif token in _FILLERS or token in {"th", "st", "nd", "rd"}:
            pass
        else:
            unknown.append(token)
        index += 1
    if unknown:
        raise PhraseError(
            gettext_noop(
                '%(words)s: not understood in a schedule. Write for example "tous les mardis '
                '14h-16h", "le 1er et 3e jeudi du mois 10:00-12:00", a list of dates or an '
                "RRULE."
            ),
            {"words": " ".join(unknown)},
        )
    # An ordinal without a weekday is a day of the month: "le 1er de chaque mois".
    monthdays.extend(ordinal for ordinal in pending if ordinal > 0)
    if any(ordinal < 0 for ordinal in pending):
        raise PhraseError(
            gettext_noop('Say which day is the last one: "le dernier vendredi du mois".')
        )
    return _assemble(plain, positioned, monthdays, interval, freq_words)


def _assemble(
    plain: list[int],
    positioned: list[tuple[int, int]],
    monthdays: list[int],
    interval: dict[str, int],
    freq_words: set[str],
) -> str:
    def with_interval(freq: str, parts: list[str]) -> str:
        step = interval.get(freq)
        head = [f"FREQ={freq}"] + ([f"INTERVAL={step}"] if step and step > 1 else [])
        return ";".join(head + parts)

    if positioned:
        if plain or monthdays:
            raise PhraseError(
                gettext_noop(
                    "Mixing days of the month and weekdays in one schedule is not read: write "
                    "one line per rule."
                )
            )
        days = ",".join(
            f"{ordinal}{_WEEKDAY_CODES[day]}" for ordinal, day in sorted(set(positioned))
        )
        return with_interval("MONTHLY", [f"BYDAY={days}"])
    if monthdays:
        if plain:
            raise PhraseError(
                gettext_noop(
                    "Mixing days of the month and weekdays in one schedule is not read: write "
                    "one line per rule."
                )
            )
        days = ",".join(str(day) for day in sorted(set(monthdays), key=lambda d: (d < 0, d)))
        return with_interval("MONTHLY", [f"BYMONTHDAY={days}"])
    if plain:
        days = ",".join(_WEEKDAY_CODES[day] for day in sorted(set(plain)))
        if "DAILY" in freq_words and "WEEKLY" not in freq_words and len(set(plain)) == 7:
            return with_interval("DAILY", [])
        return with_interval("WEEKLY", [f"BYDAY={days}"])
    for freq in ("DAILY", "WEEKLY", "MONTHLY"):
        if freq in freq_words:
            return with_interval(freq, [])
    raise PhraseError(
        gettext_noop(
            'This schedule says no day. Write for example "tous les mardis 14h-16h" or '
            '"every Tuesday 14:00-16:00".'
        )
    )
