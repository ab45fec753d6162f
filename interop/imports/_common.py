"""What the import sources share: a summary from a description, plain text from HTML, a
place from a one-line location, dated sessions grouped into schedules, and the check of a
schedule by `activities.recurrence` so that a source reports what Relier cannot hold on the
item's own line, in the importer's language."""

from __future__ import annotations

import datetime
import functools
import html.parser
import re
import unicodedata
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from activities import recurrence, taxonomy
from activities.schedule_text import recurrence_error_message
from interop.imports.items import SourceEntry, SourceError

DEFAULT_TIMEZONE = "Europe/Paris"
TITLE_MAX = 160
SUMMARY_MAX = 200
DESCRIPTION_MAX = 5000
CATEGORIES_MAX = 5
PLACE_NAME_MAX = 160
ADDRESS_MAX = 200

_SENTENCE_END_RE = re.compile(r"(?<=[.!?…])\s")
_POSTAL_CITY_RE = re.compile(r"^(?:(.*?),?\s+)?(\d{5})\s+(.+)$")


class Refused(Exception):
    """An item that cannot be imported; the message says why, in the importer's language."""


def refusal(title: str, message: str) -> Refused:
    return Refused(_('Event "%(title)s": %(message)s') % {"title": title, "message": message})


def read_each(events: Iterable, *, external_id, read) -> list[SourceEntry]:
    """Each event of a feed read by `read(event, position, external_id)` (a SourceItem, or
    None for an event left out), in order; one that cannot be read is a SourceError with its
    number and the others go on."""
    entries: list[SourceEntry] = []
    for position, event in enumerate(events, start=1):
        identifier = external_id(event)
        try:
            item = read(event, position, identifier)
        except Refused as refused:
            entries.append(
                SourceError(position=position, message=str(refused), external_id=identifier)
            )
            continue
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            entries.append(
                SourceError(
                    position=position,
                    external_id=identifier,
                    message=_("Event %(number)d cannot be read: %(error)s")
                    % {"number": position, "error": error},
                )
            )
            continue
        if item is not None:
            entries.append(item)
    return entries


def shorten(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:")
    return cut + "…"


def summary_of(*, title: str, description: str) -> str:
    """The summary a card shows: the description's first sentence (at most SUMMARY_MAX
    characters), else the title."""
    text = " ".join(description.split())
    if not text:
        return shorten(title, SUMMARY_MAX)
    first = _SENTENCE_END_RE.split(text, maxsplit=1)[0]
    return shorten(first, SUMMARY_MAX)


class _TextExtractor(html.parser.HTMLParser):
    _BREAKS = frozenset({"p", "br", "div", "li", "h1", "h2", "h3", "h4", "tr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self._BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(value: str) -> str:
    """Text of an HTML or Markdown-free description, paragraphs kept, spaces collapsed."""
    if "<" not in value and "&" not in value:
        text = value
    else:
        extractor = _TextExtractor()
        extractor.feed(value)
        extractor.close()
        text = "".join(extractor.parts)
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line).strip()


def place_from_location(text: str) -> dict[str, str]:
    """A place from a one-line location such as "Salle des fêtes, 12 rue Paul Bert, 69003
    Lyon": the name before the first comma, the street after it, and the postal code and city
    when the line ends with them. Without coordinates the import finds the place by name."""
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts:
        return {}
    place: dict[str, str] = {"name": shorten(parts[0], PLACE_NAME_MAX)}
    rest = parts[1:]
    if rest and (match := _POSTAL_CITY_RE.match(rest[-1])):
        street, postal_code, city = match.groups()
        place["postal_code"], place["city"] = postal_code, city.strip()
        rest = [*rest[:-1], street] if street else rest[:-1]
    elif rest and not any(char.isdigit() for char in rest[-1]) and len(rest) > 1:
        place["city"] = rest[-1]
        rest = rest[:-1]
    if rest:
        place["address"] = shorten(", ".join(rest), ADDRESS_MAX)
    return place


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.casefold().replace("-", " ").split())


def feed_categories(labels: Iterable[str], warnings: list[str]) -> list[str]:
    """The slugs of a feed's keywords that name one of Relier's categories (by slug, French or
    English name, accents and case ignored); the others are said in `warnings`.

    A feed's keywords are free tags ("Convivialité", "Gratuit"): unlike a CSV's categories
    column, which a volunteer fills for Relier and where an unknown name is an error to fix,
    an unknown tag must not keep the event out."""
    current = taxonomy.current()
    by_label: dict[str, str] = {}
    for slug, name_fr, name_en in zip(
        current.slugs, current.names_fr, current.names_en, strict=True
    ):
        for label in (name_en, name_fr, slug):
            by_label[_fold(label)] = slug
    kept: list[str] = []
    left: list[str] = []
    for label in labels:
        slug = by_label.get(_fold(label))
        if slug is None:
            left.append(label)
        elif slug not in kept:
            kept.append(slug)
    if left:
        warnings.append(
            _(
                "Its keywords %(labels)s are not categories of Relier and were left out; "
                "choose its categories in Relier if it has none."
            )
            % {"labels": ", ".join(f"“{label}”" for label in left)}
        )
    if len(kept) > CATEGORIES_MAX:
        warnings.append(
            _("It had more than %(count)d categories: the first %(count)d were kept.")
            % {"count": CATEGORIES_MAX}
        )
        kept = kept[:CATEGORIES_MAX]
    return kept


def check_schedule(schedule: dict) -> str | None:
    """Why `activities.recurrence` refuses the schedule, in the active language; None if it
    holds it. `schedule` has the fields of the API's schedule body, dates as ISO strings."""
    error = _schedule_error(
        schedule.get("rrule") or None,
        schedule["valid_from"],
        schedule["start_time"],
        schedule["end_time"],
        schedule.get("timezone", DEFAULT_TIMEZONE),
        tuple(schedule.get("exdates", ())),
        tuple(schedule.get("dates", ())),
        schedule.get("valid_to"),
    )
    return None if error is None else recurrence_error_message(error)


# The rows of a large file often share their schedule: each distinct one is checked once (the
# error is kept untranslated, and put into words in the language of each import).
@functools.lru_cache(maxsize=4096)
def _schedule_error(
    rrule: str | None,
    valid_from: str,
    start_time: str,
    end_time: str,
    timezone: str,
    exdates: tuple[str, ...],
    dates: tuple[str, ...],
    valid_to: str | None,
) -> recurrence.RecurrenceError | None:
    day = datetime.date.fromisoformat
    try:
        recurrence.expand(
            rrule=rrule,
            dtstart=day(valid_from),
            start_time=datetime.time.fromisoformat(start_time),
            end_time=datetime.time.fromisoformat(end_time),
            timezone=timezone,
            exdates=[day(value) for value in exdates],
            dates=[day(value) for value in dates],
            valid_to=day(valid_to) if valid_to else None,
            # An empty window: everything is checked, nothing is computed.
            window_start=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC),
            window_end=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC),
        )
    except recurrence.RecurrenceError as error:
        return error
    return None


def hhmm(moment: datetime.time) -> str:
    return moment.strftime("%H:%M")


def local_times(
    start: datetime.datetime, end: datetime.datetime, zone: ZoneInfo
) -> tuple[datetime.date, datetime.time, datetime.time] | str:
    """A session's local day, start and end time; or, when it does not fit in one local day,
    the reason in the active language. An end at midnight is read as 23:59 the same day."""
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    if local_end.date() == local_start.date() + datetime.timedelta(days=1) and (
        local_end.time() == datetime.time(0, 0)
    ):
        local_end = datetime.datetime.combine(local_start.date(), datetime.time(23, 59), zone)
    if local_end <= local_start:
        return _("it ends before it starts (%(start)s, %(end)s).") % {
            "start": local_start.strftime("%d/%m/%Y %H:%M"),
            "end": local_end.strftime("%d/%m/%Y %H:%M"),
        }
    if local_end.date() != local_start.date():
        return _(
            "it runs from %(start)s to %(end)s, over more than one day: Relier holds sessions "
            "within one day; give one session per day instead."
        ) % {
            "start": local_start.strftime("%d/%m/%Y %H:%M"),
            "end": local_end.strftime("%d/%m/%Y %H:%M"),
        }
    return (
        local_start.date(),
        local_start.time().replace(second=0, microsecond=0),
        (local_end.time().replace(second=0, microsecond=0)),
    )


def sessions_schedules(
    sessions: Iterable[tuple[datetime.datetime, datetime.datetime]], *, timezone: str
) -> tuple[list[dict], list[str]]:
    """Dated sessions (aware start, end) as one-off schedules: one per start and end time,
    holding the days at those times (split to stay within what a schedule holds). Returns the
    schedules and the reasons, in the active language, why some sessions could not be kept."""
    zone = ZoneInfo(timezone)
    by_times: dict[tuple[datetime.time, datetime.time], set[datetime.date]] = {}
    problems: list[str] = []
    for start, end in sessions:
        times = local_times(start, end, zone)
        if isinstance(times, str):
            problems.append(times)
            continue
        day, start_time, end_time = times
        by_times.setdefault((start_time, end_time), set()).add(day)
    schedules = []
    for (start_time, end_time), days in sorted(by_times.items()):
        for chunk in _chunks(sorted(days)):
            schedules.append(
                {
                    "rrule": "",
                    "dates": [day.isoformat() for day in chunk],
                    "start_time": hhmm(start_time),
                    "end_time": hhmm(end_time),
                    "timezone": timezone,
                    "valid_from": chunk[0].isoformat(),
                }
            )
    return schedules, problems


def _chunks(days: list[datetime.date]) -> Iterable[list[datetime.date]]:
    """Consecutive runs of days that a one-off schedule holds: at most MAX_ONE_OFF_DATES days,
    the last at most MAX_SPAN_DAYS after the first."""
    chunk: list[datetime.date] = []
    for day in days:
        if chunk and (
            len(chunk) >= recurrence.MAX_ONE_OFF_DATES
            or (day - chunk[0]).days > recurrence.MAX_SPAN_DAYS
        ):
            yield chunk
            chunk = []
        chunk.append(day)
    if chunk:
        yield chunk
