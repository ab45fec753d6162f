"""Activities from a spreadsheet saved as CSV: the documented columns, the template, the reader.

A file is UTF-8 (with or without the BOM Excel writes) or Windows-1252 / Latin-1 (Excel's
"CSV (séparateur : point-virgule)" in France); the separator, `;` or `,`, is read from the
header. Headers are French or English, case, accents, spaces and punctuation ignored. Each
row becomes a `SourceItem`, or a `SourceError` naming its line (the header is line 1) and what
to fix; a bad row never stops the others.

Without an `id` column, a row's external id is a hash of its title, place and schedule (no
organization: the job gives it), so re-importing the same file changes nothing; but a row
whose title, place or schedule changes then becomes a new activity (the old one archived):
an `id` column keeps an activity's identity through any change.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import functools
import hashlib
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf.locale import LANG_INFO
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from activities import choices, recurrence
from interop.imports import _common
from interop.imports._schedule_phrase import (
    PhraseError,
    normalize,
    parse_date,
    parse_schedule,
    parse_time,
)
from interop.imports.items import SourceEntry, SourceError, SourceItem

__all__ = ["COLUMNS", "Column", "read_csv", "template"]


@dataclass(frozen=True)
class Column:
    key: str
    fr: str
    en: str
    meaning: str
    example_fr: str
    example_en: str
    required: bool = False


COLUMNS = (
    Column("id", "identifiant", "id", gettext_lazy(
        "Your own reference for the activity, unique in the file; keeps it the same activity "
        "when its title, place or schedule changes."), "atelier-12", "workshop-12"),
    Column("title", "titre", "title", gettext_lazy("Name of the activity (160 characters at "
           "most)."), "Atelier tricot", "Knitting circle", required=True),
    Column("summary", "résumé", "summary", gettext_lazy(
        "One sentence shown on the card (200 characters at most); the description's first "
        "sentence when empty."), "Tricoter ensemble autour d'un thé.",
        "Knitting together over a cup of tea."),
    Column("description", "description", "description", gettext_lazy("The full text."),
           "Débutants bienvenus, laine fournie.", "Beginners welcome, wool provided."),
    Column("kind", "type", "kind", gettext_lazy(
        "Club, peer-support group, friendship programme, visiting programme, class, outing, "
        "volunteering or event; a club when the activity repeats, an event otherwise, when "
        "empty."), "club", "club"),
    Column("categories", "catégories", "categories", gettext_lazy(
        "Categories by their name or slug, separated by commas (5 at most)."),
        "Loisirs créatifs", "Crafts"),
    Column("audiences", "publics", "audiences", gettext_lazy(
        "Who it is for: everyone, seniors, young people, families, caregivers, people with a "
        "disability, people living with an illness, newcomers (commas between)."),
        "Seniors", "Seniors"),
    Column("age_min", "âge minimum", "minimum age", gettext_lazy("Youngest age welcome."),
           "60", "60"),
    Column("age_max", "âge maximum", "maximum age", gettext_lazy("Oldest age welcome."), "", ""),
    Column("attendance_mode", "modalité", "attendance mode", gettext_lazy(
        "In person, online, in person and online, at home or by phone; in person when empty."),
        "Sur place", "In person"),
    Column("languages", "langues", "languages", gettext_lazy(
        "Languages spoken, by name or code (fr, en...), commas between."), "français",
        "French"),
    Column("is_free", "gratuit", "free", gettext_lazy("yes or no."), "non", "no"),
    Column("price_min", "prix minimum", "minimum price", gettext_lazy(
        "In euros, a comma or a point before the cents."), "2,50", "2.50"),
    Column("price_max", "prix maximum", "maximum price", gettext_lazy("In euros."), "5", "5"),
    Column("reduced_price", "tarif réduit", "reduced price", gettext_lazy("In euros."), "1",
           "1"),
    Column("registration", "inscription", "registration", gettext_lazy(
        "yes when one must register, no otherwise."), "oui", "yes"),
    Column("registration_url", "lien d'inscription", "registration link", gettext_lazy(
        "Web page to register or learn more."), "https://exemple.fr/tricot",
        "https://example.org/knitting"),
    Column("registration_phone", "téléphone", "phone", gettext_lazy("Phone to register."),
           "01 23 45 67 89", "01 23 45 67 89"),
    Column("registration_email", "e-mail", "email", gettext_lazy("Email to register."),
           "contact@exemple.fr", "contact@example.org"),
    Column("capacity", "places", "capacity", gettext_lazy("Seats per session."), "12", "12"),
    Column("intensity", "intensité physique", "physical intensity", gettext_lazy(
        "low, medium or high."), "faible", "low"),
    Column("place", "lieu", "place", gettext_lazy(
        "Name of the place; without coordinates, a place of your organization with this name."),
        "Maison de quartier", "Community centre"),
    Column("address", "adresse", "address", gettext_lazy("Street and number."),
           "12 rue Paul Bert", "12 rue Paul Bert"),
    Column("postal_code", "code postal", "postal code", gettext_lazy("Five digits."), "69003",
           "69003"),
    Column("city", "ville", "city", gettext_lazy("Commune."), "Lyon", "Lyon"),
    Column("lat", "latitude", "latitude", gettext_lazy(
        "Decimal degrees, a comma or a point (45,7578)."), "45,7578", "45.7578"),
    Column("lng", "longitude", "longitude", gettext_lazy("Decimal degrees."), "4,8320",
           "4.8320"),
    Column("wheelchair", "accès fauteuil roulant", "wheelchair access", gettext_lazy(
        "yes, partly or no."), "oui", "yes"),
    Column("schedule", "horaires", "schedule", gettext_lazy(
        "When it happens: \"tous les mardis 14h-16h\", \"every Tuesday 14:00-16:00\", \"le 1er "
        "et 3e jeudi du mois 10:00-12:00\", a list of dates, or an RRULE; empty for one session "
        "on the start date."), "tous les mardis 14h-16h", "every Tuesday 14:00-16:00"),
    Column("start_date", "date de début", "start date", gettext_lazy(
        "First day (31/12/2026 or 2026-12-31); today when empty and the schedule repeats."),
        "06/01/2027", "2027-01-06"),
    Column("end_date", "date de fin", "end date", gettext_lazy("Last day, if it stops."),
           "30/06/2027", "2027-06-30"),
    Column("start_time", "heure de début", "start time", gettext_lazy(
        "When the schedule gives no time: 14:00 or 14h."), "", ""),
    Column("end_time", "heure de fin", "end time", gettext_lazy("16:00 or 16h."), "", ""),
    Column("exdates", "dates exclues", "excluded dates", gettext_lazy(
        "Days without a session (holidays), commas between."), "23/02/2027", "2027-02-23"),
    Column("timezone", "fuseau horaire", "time zone", gettext_lazy(
        "Europe/Paris when empty; another IANA name for overseas (America/Cayenne...)."),
        "", ""),
)  # fmt: skip

_BY_KEY = {column.key: column for column in COLUMNS}


def _header_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", normalize(text))


_HEADERS = {
    _header_key(name): column.key
    for column in COLUMNS
    for name in (column.key, column.fr, column.en)
}


def template(lang: str) -> bytes:
    """The template to download: the header row in French ("fr") or English (anything else)
    and one example row; UTF-8 with a BOM so that Excel shows the accents, `;`-separated in
    both languages, as Excel reads and writes it in France (the reader takes `,` as well)."""
    french = lang.split("-")[0].lower() == "fr"
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([column.fr if french else column.en for column in COLUMNS])
    writer.writerow([column.example_fr if french else column.example_en for column in COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


# --- reading --------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Excel in France writes Windows-1252; its few undefined bytes are read as Latin-1.
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")


def _separator(header_line: str) -> str:
    try:
        return csv.Sniffer().sniff(header_line, delimiters=";,\t").delimiter
    except csv.Error:
        return ";" if header_line.count(";") >= header_line.count(",") else ","


def read_csv(data: bytes) -> list[SourceEntry]:
    """Items and errors of a CSV file, in the order of its lines."""
    text = _decode(data)
    if not text.strip():
        return [SourceError(position=0, message=_("The file is empty."))]
    first_line = next(line for line in text.splitlines() if line.strip()).strip()
    hint = re.fullmatch(r"(?i)sep=(.)", first_line)
    # Excel's own hint line ("sep=;"), kept by some exports, names the separator.
    separator = hint.group(1) if hint else _separator(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    try:
        header = next(reader)
        while not any(cell.strip() for cell in header) or (
            hint and header[0].strip().lower() == "sep=" and not any(header[1:])
        ):
            header = next(reader)
    except (csv.Error, StopIteration) as error:
        return [
            SourceError(
                position=reader.line_num or 1,
                message=_("The header line cannot be read: %(error)s") % {"error": error},
            )
        ]
    header_line = reader.line_num
    entries: list[SourceEntry] = []
    columns: dict[str, int] = {}
    shown: dict[str, str] = {}
    unknown = []
    for index, name in enumerate(header):
        key = _HEADERS.get(_header_key(name))
        if key is None:
            if name.strip():
                unknown.append(name.strip())
            continue
        if key in columns:
            return [
                SourceError(
                    position=header_line,
                    message=_(
                        'The columns "%(first)s" and "%(second)s" say the same thing: keep one.'
                    )
                    % {"first": shown[key], "second": name.strip()},
                )
            ]
        columns[key], shown[key] = index, name.strip()
    missing = [column for column in COLUMNS if column.required and column.key not in columns]
    if missing:
        return [
            SourceError(
                position=header_line,
                message=_(
                    'The column "%(french)s" (or "%(english)s") is missing from the first line; '
                    "download the template to see the columns."
                )
                % {"french": missing[0].fr, "english": missing[0].en},
            )
        ]
    if unknown:
        entries.append(
            SourceError(
                position=header_line,
                message=_(
                    "Column(s) %(names)s not known and ignored; the template lists the columns "
                    "read."
                )
                % {"names": ", ".join(f'"{name}"' for name in unknown)},
            )
        )
    seen: dict[str, int] = {}
    line = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            entries.append(
                SourceError(
                    position=line + 1,
                    message=_("This line cannot be read (%(error)s): check its quotes.")
                    % {"error": error},
                )
            )
            line = reader.line_num
            continue
        position, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        values = {
            key: row[index].strip() if index < len(row) else "" for key, index in columns.items()
        }
        entry = _Row(values, shown, position).read()
        if isinstance(entry, SourceItem):
            if entry.external_id in seen:
                entry = SourceError(
                    position=position,
                    external_id=entry.external_id,
                    message=_(
                        'Same activity as line %(line)d: give each line its own "%(column)s".'
                    )
                    % {"line": seen[entry.external_id], "column": shown.get("id", "id")},
                )
            else:
                seen[entry.external_id] = position
        entries.append(entry)
    return entries


class _Row:
    """One line of the file read into an item; every problem of the line is collected so the
    volunteer fixes them all at once."""

    def __init__(self, values: dict[str, str], shown: dict[str, str], position: int) -> None:
        self.values = values
        self.shown = shown
        self.position = position
        self.problems: list[str] = []

    def problem(self, key: str, message: str) -> None:
        self.problems.append(
            _('Column "%(column)s": %(message)s')
            % {
                "column": self.shown.get(key, _BY_KEY[key].fr),
                "message": message,
            }
        )

    def get(self, key: str) -> str:
        return self.values.get(key, "")

    def read(self) -> SourceEntry:
        title = self.get("title")
        if not title:
            self.problem("title", _("the title is empty."))
        description = self.get("description")
        activity: dict = {
            "title": title,
            "summary": self.get("summary")
            or _common.summary_of(title=title, description=description),
            "description": description,
            "categories": _split(self.get("categories")),
        }
        for key in ("audiences", "languages"):
            if self.get(key):
                activity[key] = self.choices(key, _choice_vocabulary(key))
        for key in ("attendance_mode", "intensity"):
            if self.get(key):
                activity[key] = self.choice(key, _choice_vocabulary(key))
        for key in ("age_min", "age_max", "capacity"):
            if self.get(key):
                activity[key] = self.integer(key)
        for key in ("price_min", "price_max", "reduced_price"):
            if self.get(key):
                activity[key] = self.decimal(key)
        for key in ("is_free", "registration"):
            if self.get(key):
                flag = self.boolean(key)
                if key == "is_free":
                    activity[key] = flag
                elif flag is not None:
                    activity[key] = "required" if flag else "none"
        if "is_free" not in activity and any(
            activity.get(key) for key in ("price_min", "price_max", "reduced_price")
        ):
            activity["is_free"] = False
        for key in ("registration_url", "registration_phone", "registration_email"):
            if self.get(key):
                activity[key] = self.get(key)
        schedules = self.schedules()
        repeats = any(schedule.get("rrule") for schedule in schedules)
        if self.get("kind"):
            activity["kind"] = self.choice("kind", _choice_vocabulary("kind"))
        else:
            activity["kind"] = "club" if repeats else "event"
        place = self.place()
        if self.problems:
            return SourceError(
                position=self.position,
                message=" ".join(self.problems),
                external_id=self.get("id"),
            )
        return SourceItem(
            external_id=self.get("id") or self.fingerprint(),
            position=self.position,
            activity={key: value for key, value in activity.items() if value is not None},
            place=place,
            schedules=schedules,
        )

    def fingerprint(self) -> str:
        keys = (
            "title",
            "place",
            "address",
            "city",
            "lat",
            "lng",
            "schedule",
            "start_date",
            "start_time",
            "end_time",
        )
        identity = "\x1f".join(normalize(self.get(key)) for key in keys)
        return "csv-" + hashlib.sha256(identity.encode()).hexdigest()[:24]

    # --- values

    def choice(self, key: str, vocabulary: dict[str, str]) -> str | None:
        value = vocabulary.get(normalize(self.get(key)))
        if value is None:
            self.problem(
                key,
                _('"%(value)s" is not one of: %(choices)s.')
                % {
                    "value": self.get(key),
                    "choices": _choices_list(key),
                },
            )
        return value

    def choices(self, key: str, vocabulary: dict[str, str]) -> list[str] | None:
        found, wrong = [], []
        for label in _split(self.get(key)):
            value = vocabulary.get(normalize(label))
            if value is None:
                wrong.append(label)
            elif value not in found:
                found.append(value)
        if wrong:
            self.problem(
                key,
                _('"%(value)s" is not one of: %(choices)s.')
                % {
                    "value": ", ".join(wrong),
                    "choices": _choices_list(key),
                },
            )
            return None
        return found

    def integer(self, key: str) -> int | None:
        value = self.get(key).replace(" ", "")
        if not re.fullmatch(r"\d{1,6}", value):
            self.problem(key, _('"%(value)s" is not a whole number.') % {"value": self.get(key)})
            return None
        return int(value)

    def decimal(self, key: str) -> str | None:
        value = self.get(key).replace("€", "").replace("\u00a0", "").replace(" ", "")
        value = value.replace(",", ".")
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            self.problem(
                key, _('"%(value)s" is not an amount; write it as 2,50.') % {"value": self.get(key)}
            )
            return None
        return str(number.quantize(Decimal("0.01")))

    def coordinate(self, key: str) -> float | None:
        try:
            return float(self.get(key).replace(",", ".").replace(" ", ""))
        except ValueError:
            self.problem(
                key,
                _('"%(value)s" is not a number of degrees such as 45,7578.')
                % {"value": self.get(key)},
            )
            return None

    def boolean(self, key: str) -> bool | None:
        value = normalize(self.get(key))
        if value in {"oui", "yes", "o", "y", "vrai", "true", "1", "x"}:
            return True
        if value in {"non", "no", "n", "faux", "false", "0"}:
            return False
        self.problem(
            key, _('"%(value)s": write yes or no (oui or non).') % {"value": self.get(key)}
        )
        return None

    def date(self, key: str, text: str | None = None) -> datetime.date | None:
        try:
            return parse_date(self.get(key) if text is None else text)
        except PhraseError as error:
            self.problem(key, _phrase_message(error))
            return None

    def time(self, key: str) -> datetime.time | None:
        try:
            return parse_time(self.get(key))
        except PhraseError as error:
            self.problem(key, _phrase_message(error))
            return None

    # --- place and schedule

    def place(self) -> dict | None:
        place: dict = {}
        for key, field in (
            ("place", "name"),
            ("address", "address"),
            ("postal_code", "postal_code"),
            ("city", "city"),
        ):
            if self.get(key):
                place[field] = self.get(key)
        if self.get("lat") or self.get("lng"):
            if not (self.get("lat") and self.get("lng")):
                missing = "lng" if self.get("lat") else "lat"
                self.problem(missing, _("give both the latitude and the longitude, or neither."))
            else:
                lat, lng = self.coordinate("lat"), self.coordinate("lng")
                if lat is not None and lng is not None:
                    if abs(lat) > 90 or abs(lng) > 180:
                        self.problem(
                            "lat",
                            _("%(lat)s, %(lng)s are not coordinates on Earth.")
                            % {"lat": lat, "lng": lng},
                        )
                    place["lat"], place["lng"] = lat, lng
        if self.get("wheelchair"):
            place["wheelchair"] = self.choice("wheelchair", _WHEELCHAIR)
        if not place:
            return None
        if "name" not in place:
            place["name"] = _common.shorten(
                place.get("address") or place.get("city") or self.get("title"),
                _common.PLACE_NAME_MAX,
            )
        return place

    def schedules(self) -> list[dict]:
        zone = self.get("timezone") or _common.DEFAULT_TIMEZONE
        if self.get("timezone"):
            try:
                recurrence.validate_timezone(zone)
            except recurrence.RecurrenceError:
                self.problem(
                    "timezone",
                    _('"%(value)s" is not a time zone such as Europe/Paris.') % {"value": zone},
                )
                return []
        parsed = None
        if self.get("schedule"):
            try:
                parsed = _parsed_schedule(self.get("schedule"))
            except PhraseError as error:
                self.problem("schedule", _phrase_message(error))
                return []
        start_date = self.date("start_date") if self.get("start_date") else None
        end_date = self.date("end_date") if self.get("end_date") else None
        start_time = parsed.start_time if parsed else None
        end_time = parsed.end_time if parsed else None
        if self.get("start_time"):
            start_time = self.time("start_time")
        if self.get("end_time"):
            end_time = self.time("end_time")
        exdates = [self.date("exdates", value) for value in _split(self.get("exdates"))]
        if self.problems:
            return []
        if start_time is None or end_time is None:
            self.problem(
                "start_time" if start_time is None else "end_time",
                _('give the start and end times, in the schedule ("14h-16h") or in their columns.'),
            )
            return []
        dates = parsed.dates if parsed else []
        rrule = parsed.rrule if parsed else None
        if rrule is None and not dates:
            if start_date is None:
                self.problem("start_date", _("give a date, or a schedule that repeats."))
                return []
            dates = [start_date]
        if rrule and start_date is None:
            start_date = timezone.localdate()
        valid_from = start_date or min(dates)
        if dates and valid_from > min(dates):
            valid_from = min(dates)
        schedule = {
            "rrule": rrule or "",
            "dates": [day.isoformat() for day in dates],
            "start_time": _common.hhmm(start_time),
            "end_time": _common.hhmm(end_time),
            "timezone": zone,
            "valid_from": valid_from.isoformat(),
            "exdates": [day.isoformat() for day in exdates if day is not None],
        }
        if rrule:
            # A refused rule is kept as written: check_schedule below says why, in the
            # importer's language.
            with contextlib.suppress(recurrence.RecurrenceError):
                schedule["rrule"] = _normalized_rule(rrule, valid_from, zone)
        if end_date is not None:
            schedule["valid_to"] = end_date.isoformat()
        if reason := _common.check_schedule(schedule):
            self.problem("schedule", reason)
            return []
        return [schedule]


# The rows of a large file often share their schedule: each distinct one is read once. The
# Schedule returned is shared, and only read.
_parsed_schedule = functools.lru_cache(maxsize=4096)(parse_schedule)


@functools.lru_cache(maxsize=4096)
def _normalized_rule(rrule: str, valid_from: datetime.date, zone: str) -> str:
    return recurrence.normalize_rrule(rrule, dtstart=valid_from, timezone=zone)


def _split(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;,]", value) if part.strip()]


def _phrase_message(error: PhraseError) -> str:
    message = _(error.message)
    return message % error.params if error.params else message


_WHEELCHAIR = {
    **dict.fromkeys(("oui", "yes", "full", "total", "totalement", "accessible"), "full"),
    **dict.fromkeys(("partiel", "partiellement", "partly", "partial", "en partie"), "partial"),
    **dict.fromkeys(("non", "no", "none", "aucun"), "none"),
}


@functools.cache
def _choice_vocabulary(key: str) -> dict[str, str]:
    """Values of a column by every name a volunteer may write: the code, the French and
    English labels (accents and case ignored)."""
    if key == "languages":
        words: dict[str, str] = {}
        for code in choices.LANGUAGES:
            info = LANG_INFO.get(code, {})
            names = [code, info.get("name", ""), info.get("name_local", "")]
            with translation.override("fr"):
                names.append(str(_(info["name"])) if info.get("name") else "")
            for name in names:
                if name:
                    words[normalize(name)] = code
        words.update({"lsf": "fcs", "langue des signes": "fcs", "sign language": "fcs"})
        return words
    vocabulary = {
        "audiences": choices.Audience,
        "attendance_mode": choices.AttendanceMode,
        "intensity": choices.Intensity,
        "kind": choices.ActivityKind,
    }[key]
    words = {}
    for value, label in vocabulary.choices:
        words[normalize(value)] = value
        words[normalize(value.replace("_", " "))] = value
        for language in ("en", "fr"):
            with translation.override(language):
                words[normalize(str(label))] = value
    extra = {
        "attendance_mode": {
            "sur place": "in_person",
            "presentiel": "in_person",
            "distanciel": "online",
            "a distance": "online",
        },
        "intensity": {"moyenne": "medium", "elevee": "high", "forte": "high"},
    }
    words.update(extra.get(key, {}))
    return words


def _choices_list(key: str) -> str:
    if key == "languages":
        return _("a language name or its two-letter code (fr, en, ar...)")
    if key == "wheelchair":
        return _("yes, partly, no")
    vocabulary = {
        "audiences": choices.Audience,
        "attendance_mode": choices.AttendanceMode,
        "intensity": choices.Intensity,
        "kind": choices.ActivityKind,
    }[key]
    return ", ".join(str(label) for label in vocabulary.labels)
