"""The Nantes Métropole demo directory: `data/demo-nantes.json`, loaded through the services.

Everything in the file is invented (names, addresses, phone numbers from the ranges the French
regulator keeps for fiction, web and mail addresses under the reserved `.example` domain)
except the geography: venues lie inside the real outlines of their commune.

The file never goes stale because its dates are relative to the day it is loaded:
- a one-off date is `{"week": w, "day": "SA"}`: that weekday in the w-th week after the week
  of loading (w >= 1, weeks start on Monday), so it keeps its weekday and falls in the coming
  twelve weeks;
- a recurring schedule starts `from_day` days after the load date (negative when it is already
  running) and ends `to_day` days after it, or on the 30 June closing the school year at least
  100 days ahead (`until_school_year_end`), or never;
- `closed_on_holidays` skips the sessions that fall on a French public holiday or in the
  Christmas break; `cancelled_session: n` cancels the n-th coming session, if there is one.
  Neither ever cancels all the sessions of the coming twelve weeks.
Times are wall-clock times in the file's `timezone`. Keys left out take the services'
defaults (empty text, no age limit, no capacity...).
"""

import datetime
import functools
import json
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from dateutil.easter import easter
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.text import slugify

from accounts.models import User
from activities import choices, recurrence, services
from activities.models import Activity, Membership, Organization, Place

DEMO_PATH = Path(__file__).resolve().parent / "data" / "demo-nantes.json"
DEMO_SOURCE = "demo"
DEMO_EMAIL_DOMAIN = "demo.relier.example"
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# The coming sessions: those of the occurrence window's default twelve weeks.
COMING = datetime.timedelta(weeks=12)
# Holidays are skipped up to a year ahead, far beyond the sessions ever materialized.
CLOSURE_HORIZON = datetime.timedelta(days=365)
Status = choices.ActivityStatus


def demo_directory_read(path: Path = DEMO_PATH) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


# --- dates relative to the load date -------------------------------------------------------


@dataclass(frozen=True)
class DemoSchedule:
    """A schedule of the file, resolved for one load date: `schedule_create`'s arguments."""

    rrule: str
    dates: tuple[datetime.date, ...]
    start_time: datetime.time
    end_time: datetime.time
    timezone: str
    valid_from: datetime.date
    valid_to: datetime.date | None
    exdates: tuple[datetime.date, ...]


@functools.cache
def closed_days(year: int) -> frozenset[datetime.date]:
    """French public holidays of `year`, and the Christmas break around its ends."""
    easter_sunday = easter(year)
    days = {
        datetime.date(year, month, day)
        for month, day in ((1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25))
    }
    days.update(easter_sunday + datetime.timedelta(days=n) for n in (1, 39, 50))
    days.update(datetime.date(year, 12, 22) + datetime.timedelta(days=n) for n in range(10))
    days.update(datetime.date(year, 1, 1) + datetime.timedelta(days=n) for n in range(3))
    return frozenset(days)


def school_year_end(today: datetime.date) -> datetime.date:
    """The 30 June closing the school year, at least 100 days ahead so a season stays visible."""
    floor = today + datetime.timedelta(days=100)
    end = datetime.date(floor.year, 6, 30)
    return end if end >= floor else datetime.date(floor.year + 1, 6, 30)


def session_days(
    schedule: DemoSchedule, *, first: datetime.date, last: datetime.date
) -> list[datetime.date]:
    """Local days of the schedule's sessions from `first` to `last`, both included."""
    zone = ZoneInfo(schedule.timezone)
    pairs = recurrence.expand(
        rrule=schedule.rrule or None,
        dtstart=schedule.valid_from,
        start_time=schedule.start_time,
        end_time=schedule.end_time,
        timezone=schedule.timezone,
        exdates=schedule.exdates,
        dates=schedule.dates,
        valid_to=schedule.valid_to,
        window_start=datetime.datetime.combine(first, datetime.time.min, zone),
        window_end=datetime.datetime.combine(
            last + datetime.timedelta(days=1), datetime.time.min, zone
        ),
    )
    return [start.date() for start, _ in pairs]


def schedule_resolve(entry: dict, *, today: datetime.date, timezone: str) -> DemoSchedule:
    """The schedule of a file entry, with its dates counted from `today`."""
    start_time = datetime.time.fromisoformat(entry["start_time"])
    end_time = datetime.time.fromisoformat(entry["end_time"])
    if "dates" in entry:
        monday = today - datetime.timedelta(days=today.weekday())
        dates = tuple(
            sorted(
                monday + datetime.timedelta(weeks=d["week"], days=WEEKDAYS.index(d["day"]))
                for d in entry["dates"]
            )
        )
        return DemoSchedule("", dates, start_time, end_time, timezone, dates[0], dates[-1], ())

    valid_from = today + datetime.timedelta(days=entry["from_day"])
    valid_to = None
    if entry.get("until_school_year_end"):
        valid_to = school_year_end(today)
    elif "to_day" in entry:
        valid_to = today + datetime.timedelta(days=entry["to_day"])
    schedule = DemoSchedule(
        entry["rrule"], (), start_time, end_time, timezone, valid_from, valid_to, ()
    )
    coming = {"first": today + datetime.timedelta(days=1), "last": today + COMING}
    exdates: list[datetime.date] = []
    if entry.get("closed_on_holidays"):
        sessions = session_days(schedule, first=valid_from, last=today + CLOSURE_HORIZON)
        exdates = [day for day in sessions if day in closed_days(day.year)]
    if "cancelled_session" in entry:
        number = entry["cancelled_session"]
        exdates = session_days(schedule, **coming)[number - 1 : number]
    resolved = replace(schedule, exdates=tuple(exdates))
    # Closures never take away all the coming sessions: a demo activity stays bookable.
    if exdates and not session_days(resolved, **coming):
        return schedule
    return resolved


# --- loading through the services ----------------------------------------------------------


def _organization(entry: dict) -> tuple[Organization, User]:
    """The demo organization of this name and its owner, created on first load."""
    membership = (
        Membership.objects.select_related("organization", "user")
        .filter(
            organization__name=entry["name"],
            role=choices.MembershipRole.OWNER,
            user__email__endswith=f"@{DEMO_EMAIL_DOMAIN}",
        )
        .first()
    )
    if membership is not None:
        return membership.organization, membership.user
    owner, _ = User.objects.get_or_create(
        email=f"{slugify(entry['name'])}@{DEMO_EMAIL_DOMAIN}",
        defaults={"display_name": entry["name"], "password": make_password(None)},
    )
    organization = services.organization_create(
        by=owner,
        name=entry["name"],
        kind=entry["kind"],
        description=entry.get("description", ""),
        email=entry.get("email", ""),
        phone=entry.get("phone", ""),
        website=entry.get("website", ""),
        siren=entry.get("siren", ""),
    )
    if entry["verified"]:
        # Verifying is a curator's act, and curation has no service for it yet.
        Organization.objects.filter(pk=organization.pk).update(verified=True)
        organization.verified = True
    return organization, owner


def _place(entry: dict, organization: Organization, owner: User) -> Place:
    existing = Place.objects.filter(organization=organization, name=entry["name"]).first()
    if existing is not None:
        return existing
    flags = set(entry.get("accessibility", ()))
    return services.place_create(
        organization=organization,
        by=owner,
        name=entry["name"],
        address=entry["address"],
        postal_code=entry["postal_code"],
        city=entry["city"],
        lat=entry["lat"],
        lng=entry["lng"],
        transport_access=entry.get("transport_access", ""),
        wheelchair=entry["wheelchair"],
        hearing_support="hearing" in flags,
        visual_support="visual" in flags,
        psychic_support="psychic" in flags,
        motor_support="motor" in flags,
        intellectual_support="intellectual" in flags,
    )


def _money(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _activity(
    entry: dict, organization: Organization, owner: User, place: Place | None
) -> Activity:
    return services.activity_create(
        organization=organization,
        by=owner,
        categories=entry["categories"],
        audiences=entry["audiences"],
        languages=entry["languages"],
        service_area=entry.get("service_area", ()),
        source=DEMO_SOURCE,
        external_id=entry["external_id"],
        title=entry["title"],
        summary=entry["summary"],
        description=entry["description"],
        kind=entry["kind"],
        age_min=entry.get("age_min"),
        age_max=entry.get("age_max"),
        attendance_mode=entry["attendance_mode"],
        place=place,
        is_free=entry["is_free"],
        price_min=_money(entry.get("price_min")),
        price_max=_money(entry.get("price_max")),
        reduced_price=_money(entry.get("reduced_price")),
        registration=entry["registration"],
        registration_url=entry.get("registration_url", ""),
        registration_phone=entry.get("registration_phone", ""),
        registration_email=entry.get("registration_email", ""),
        capacity=entry.get("capacity"),
        intensity=entry["intensity"],
        group_size=entry["group_size"],
    )


@transaction.atomic
def demo_directory_load(*, today: datetime.date, path: Path = DEMO_PATH) -> dict[str, int]:
    """Load the demo directory with its dates counted from `today`. Activities already loaded
    (same external id) are left as they are, so loading again changes nothing."""
    directory = demo_directory_read(path)
    timezone = directory["timezone"]
    loaded = set(Activity.objects.filter(source=DEMO_SOURCE).values_list("external_id", flat=True))
    created = 0
    for organization_entry in directory["organizations"]:
        organization, owner = _organization(organization_entry)
        place_entries = {p["name"]: p for p in organization_entry.get("places", ())}
        places: dict[str, Place] = {}
        for entry in organization_entry.get("activities", ()):
            if entry["external_id"] in loaded:
                continue
            place = None
            if "place" in entry:
                if entry["place"] not in places:
                    places[entry["place"]] = _place(
                        place_entries[entry["place"]], organization, owner
                    )
                place = places[entry["place"]]
            activity = _activity(entry, organization, owner, place)
            for schedule_entry in entry["schedules"]:
                schedule = schedule_resolve(schedule_entry, today=today, timezone=timezone)
                services.schedule_create(
                    activity=activity,
                    by=owner,
                    rrule=schedule.rrule,
                    dates=list(schedule.dates),
                    start_time=schedule.start_time,
                    end_time=schedule.end_time,
                    timezone=schedule.timezone,
                    valid_from=schedule.valid_from,
                    valid_to=schedule.valid_to,
                    exdates=list(schedule.exdates),
                )
            # The workflow a provider follows: submitted, then published at once for a
            # verified organization, or else on a moderator's approval, given here by the
            # system (`by=None`).
            if entry["status"] != Status.DRAFT:
                services.activity_submit(activity=activity, by=owner)
            if entry["status"] == Status.PUBLISHED and activity.status != Status.PUBLISHED:
                services.activity_publish(activity=activity)
            created += 1
    return {
        "organizations": len(directory["organizations"]),
        "activities_created": created,
        "activities_total": Activity.objects.filter(source=DEMO_SOURCE).count(),
    }
