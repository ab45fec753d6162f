"""Relier's directory as Open Referral HSDS 3.0 objects (schemas in shared data/hsds-3.0).

| Relier                        | HSDS 3.0                                           |
|-------------------------------|----------------------------------------------------|
| Organization                  | organization (+ organization_identifiers: SIREN, RNA; phones) |
| Activity (published)          | service (status `active`)                          |
| Place                         | location (`physical`) + address + accessibility    |
| Activity at its place         | service_at_location                                |
| Schedule                      | schedule (RRULE parts; one-off dates one each)     |
| Category                      | taxonomy_term of the one `relier-categories` taxonomy |
| registration phone/email      | contact of the service (+ phone)                   |
| price, free flag              | cost_options (EUR)                                 |
| languages                     | languages (ISO 639 codes)                          |
| service area (at home, phone) | service_areas                                      |

The functions read model instances whose relations the selectors prefetched; they make no
query of their own. Ids come from `interop.exports.ids`.
"""

import datetime
import functools
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import translation

from activities import choices
from activities.models import Activity, Category, Organization, Place, Schedule
from activities.schedule_text import schedule_describe
from interop.exports.ids import export_id

TAXONOMY_NAME = "relier-categories"
TAXONOMY_VERSION = "1"
CURRENCY = "EUR"
# HSDS freq holds WEEKLY and MONTHLY; a daily rule is every day of the week.
_EVERY_DAY = "MO,TU,WE,TH,FR,SA,SU"


def _text(value: str | None) -> str | None:
    return value or None


def _drop_empty(obj: dict) -> dict:
    """HSDS fields are optional unless required: an unknown one is left out, not null."""
    return {key: value for key, value in obj.items() if value is not None}


def taxonomy() -> dict:
    return {
        "id": export_id("taxonomy", 1),
        "name": TAXONOMY_NAME,
        "description": (
            "Relier's two-level interest categories (French names; English names as the "
            "description)."
        ),
        "version": TAXONOMY_VERSION,
    }


def taxonomy_term(category: Category) -> dict:
    return _drop_empty(
        {
            "id": export_id("taxonomy_term", category.pk),
            "code": category.slug,
            "name": category.name_fr,
            "description": category.name_en,
            "parent_id": export_id("taxonomy_term", category.parent_id)
            if category.parent_id
            else None,
            "taxonomy": TAXONOMY_NAME,
            "taxonomy_id": export_id("taxonomy", 1),
            "language": "fr",
        }
    )


def organization(org: Organization, *, services: list[dict] | None = None) -> dict:
    identifiers = []
    for part, (scheme, kind, value) in enumerate(
        (("FR-RCS", "SIREN", org.siren), ("FR-RNA", "RNA", org.rna))
    ):
        if value:
            identifiers.append(
                {
                    "id": export_id("organization_identifier", org.pk, part),
                    "organization_id": export_id("organization", org.pk),
                    "identifier_scheme": scheme,
                    "identifier_type": kind,
                    "identifier": value,
                }
            )
    phones = []
    if org.phone:
        phones.append(
            {
                "id": export_id("phone", org.pk, 1),
                "organization_id": export_id("organization", org.pk),
                "number": org.phone,
            }
        )
    body = _drop_empty(
        {
            "id": export_id("organization", org.pk),
            "name": org.name,
            "description": org.description,
            "email": _text(org.email),
            "website": _text(org.website),
            "legal_status": org.kind,
            "phones": phones,
            "organization_identifiers": identifiers,
        }
    )
    if services is not None:
        body["services"] = services
    return body


def location(place: Place) -> dict:
    location_id = export_id("location", place.pk)
    addresses = []
    if place.address and place.city:
        addresses.append(
            {
                "id": export_id("address", place.pk),
                "location_id": location_id,
                "address_1": place.address,
                "city": place.city,
                "state_province": _departement(place.postal_code),
                "postal_code": place.postal_code,
                "country": "FR",
                "address_type": "physical",
            }
        )
    return _drop_empty(
        {
            "id": location_id,
            "location_type": "physical",
            "organization_id": export_id("organization", place.organization_id),
            "name": place.name,
            "transportation": _text(place.transport_access),
            "latitude": place.lat,
            "longitude": place.lng,
            "external_identifier": _text(place.insee_code),
            "external_identifier_type": "INSEE commune code" if place.insee_code else None,
            "addresses": addresses,
            "accessibility": [
                _drop_empty(
                    {
                        "id": export_id("accessibility", place.pk),
                        "location_id": location_id,
                        "description": _accessibility(place),
                        "details": ", ".join(place.accessibility) or None,
                    }
                )
            ],
        }
    )


def _departement(postal_code: str) -> str:
    """The département's code from a postal code (overseas: three digits); empty unknown."""
    if len(postal_code) != 5:
        return ""
    return postal_code[:3] if postal_code.startswith("97") else postal_code[:2]


def _accessibility(place: Place) -> str:
    with translation.override("en"):
        wheelchair = str(choices.WheelchairAccess(place.wheelchair).label)
    return f"Wheelchair: {wheelchair}"


def schedules(schedule: Schedule, *, service_id: str) -> list[dict]:
    """A schedule as HSDS schedules: a recurrence as one (its RRULE parts), one-off dates
    each as their own (valid from and to that day)."""
    zone = ZoneInfo(schedule.timezone)
    common = {
        "service_id": service_id,
        "opens_at": schedule.start_time.strftime("%H:%M"),
        "closes_at": schedule.end_time.strftime("%H:%M"),
        "notes": f"Local times, time zone {schedule.timezone}.",
    }
    if not schedule.rrule:
        return [
            _drop_empty(
                {
                    "id": export_id("schedule_date", schedule.pk, part),
                    **common,
                    "valid_from": day,
                    "valid_to": day,
                    "dtstart": day,
                    "timezone": _offset_hours(zone, datetime.date.fromisoformat(day), schedule),
                    "description": _describe(schedule),
                }
            )
            for part, day in enumerate(sorted(schedule.dates))
        ]
    parts = dict(item.split("=", 1) for item in schedule.rrule.split(";"))
    freq = parts.get("FREQ")
    byday = parts.get("BYDAY")
    interval = int(parts.get("INTERVAL", "1"))
    if freq == "DAILY" and interval == 1:
        freq, byday = "WEEKLY", _EVERY_DAY
    until = parts.get("UNTIL")
    return [
        _drop_empty(
            {
                "id": export_id("schedule", schedule.pk),
                **common,
                "valid_from": schedule.valid_from.isoformat(),
                "valid_to": schedule.valid_to.isoformat() if schedule.valid_to else None,
                "dtstart": schedule.valid_from.isoformat(),
                "timezone": _offset_hours(zone, schedule.valid_from, schedule),
                "until": f"{until[:4]}-{until[4:6]}-{until[6:8]}" if until else None,
                "count": int(parts["COUNT"]) if "COUNT" in parts else None,
                # A rule HSDS cannot hold (every other day) keeps its description only.
                "freq": freq if freq in ("WEEKLY", "MONTHLY") else None,
                "interval": interval if freq in ("WEEKLY", "MONTHLY") else None,
                "byday": byday,
                "bymonthday": parts.get("BYMONTHDAY"),
                "wkst": parts.get("WKST"),
                "description": _describe(schedule),
            }
        )
    ]


def _offset_hours(zone: ZoneInfo, day: datetime.date, schedule: Schedule) -> float:
    """HSDS `timezone` is a UTC offset: the zone's offset on the first day (a clock change
    later keeps the local times, which `notes` names the zone for)."""
    moment = datetime.datetime.combine(day, schedule.start_time, tzinfo=zone)
    offset = moment.utcoffset() or datetime.timedelta()
    hours = offset.total_seconds() / 3600
    return int(hours) if hours.is_integer() else hours


def _describe(schedule: Schedule) -> str:
    return _description(
        schedule.rrule, tuple(schedule.dates), schedule.valid_from, schedule.start_time
    )


@functools.lru_cache(maxsize=4096)
def _description(
    rrule: str, dates: tuple, valid_from: datetime.date, start_time: datetime.time
) -> str:
    # Cached: a directory holds few distinct rules, and putting one into words took a third
    # of the export's time.
    schedule = Schedule(
        rrule=rrule, dates=list(dates), valid_from=valid_from, start_time=start_time
    )
    with translation.override("fr"):
        return schedule_describe(schedule)


def _amount(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def cost_options(activity: Activity, *, service_id: str) -> list[dict]:
    if activity.is_free:
        return [
            {
                "id": export_id("cost_option", activity.pk),
                "service_id": service_id,
                "option": "free",
                "currency": CURRENCY,
                "amount": 0,
            }
        ]
    options = []
    for part, (option, amount) in enumerate(
        (
            ("standard", activity.price_min),
            ("maximum", activity.price_max),
            ("reduced", activity.reduced_price),
        )
    ):
        if amount is not None:
            options.append(
                {
                    "id": export_id("cost_option", activity.pk, part + 1),
                    "service_id": service_id,
                    "option": option,
                    "currency": CURRENCY,
                    "amount": _amount(amount),
                }
            )
    return options


def _fees(activity: Activity) -> str:
    if activity.is_free:
        return "Gratuit"
    low, high = activity.price_min, activity.price_max
    if low is not None and high is not None and low != high:
        return f"De {low} à {high} EUR"
    price = low if low is not None else high
    return f"{price} EUR" if price is not None else "Payant"


def service(activity: Activity, *, full: bool = True) -> dict:
    """An activity as an HSDS service. `full`: with its nested objects (the fully nested
    service of `services/{id}` and the export); otherwise its one-to-one fields and its
    organization, as the HSDS service list gives."""
    service_id = export_id("service", activity.pk)
    body = _drop_empty(
        {
            "id": service_id,
            "organization_id": export_id("organization", activity.organization_id),
            "name": activity.title,
            "alternate_name": activity.summary,
            "description": activity.description or activity.summary,
            "url": _text(activity.registration_url),
            "status": "active",
            "application_process": _registration(activity),
            "fees_description": _fees(activity),
            "eligibility_description": ", ".join(activity.audiences) or None,
            "minimum_age": activity.age_min,
            "maximum_age": activity.age_max,
            "assured_date": activity.last_verified_at.date().isoformat()
            if activity.last_verified_at
            else None,
            "last_modified": activity.updated_at.isoformat(),
        }
    )
    if not full:
        return body
    body["organization"] = organization(activity.organization)
    body["schedules"] = [
        item
        for schedule in activity.schedules.all()
        for item in schedules(schedule, service_id=service_id)
    ]
    body["service_at_locations"] = (
        [service_at_location(activity)] if activity.place_id is not None else []
    )
    body["service_areas"] = [
        {
            "id": export_id("service_area", activity.pk, part),
            "service_id": service_id,
            "name": territory.name,
            "extent_type": "INSEE code",
            "extent": territory.insee_code,
        }
        for part, territory in enumerate(activity.service_area.all())
    ]
    if activity.service_radius_km and activity.place_id is None:
        body["service_areas"].append(
            {
                "id": export_id("service_area", activity.pk, 1023),
                "service_id": service_id,
                "description": f"Within {activity.service_radius_km:g} km",
            }
        )
    body["languages"] = [
        {
            "id": export_id("language", activity.pk, part),
            "service_id": service_id,
            "code": code,
        }
        for part, code in enumerate(activity.languages)
    ]
    body["cost_options"] = cost_options(activity, service_id=service_id)
    body["contacts"] = _contacts(activity, service_id=service_id)
    body["phones"] = []
    body["attributes"] = [
        {
            "id": export_id("attribute", activity.pk, part),
            "link_id": service_id,
            "link_type": "taxonomy_term",
            "link_entity": "service",
            "taxonomy_term_id": export_id("taxonomy_term", category.pk),
            "taxonomy_term": taxonomy_term(category),
        }
        for part, category in enumerate(activity.categories.all())
    ]
    return body


def _registration(activity: Activity) -> str:
    if activity.registration == choices.Registration.REQUIRED:
        return "Inscription obligatoire"
    return "Sans inscription"


def _contacts(activity: Activity, *, service_id: str) -> list[dict]:
    """Who to call or write to register: the activity's registration phone and email, which
    its organization publishes for that (never a member's own account)."""
    if not (activity.registration_phone or activity.registration_email):
        return []
    contact_id = export_id("contact", activity.pk)
    phones = []
    if activity.registration_phone:
        phones.append(
            {
                "id": export_id("phone", activity.pk),
                "contact_id": contact_id,
                "service_id": service_id,
                "number": activity.registration_phone,
            }
        )
    return [
        _drop_empty(
            {
                "id": contact_id,
                "service_id": service_id,
                "name": "Inscriptions",
                "email": _text(activity.registration_email),
                "phones": phones,
            }
        )
    ]


def service_at_location(activity: Activity) -> dict:
    return {
        "id": export_id("service_at_location", activity.pk),
        "service_id": export_id("service", activity.pk),
        "location_id": export_id("location", activity.place_id),
        "location": location(activity.place),
    }
