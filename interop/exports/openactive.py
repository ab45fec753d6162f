"""Relier's directory as OpenActive Modelling Opportunity Data 2.0 (SessionSeries and
ScheduledSession) and as schema.org Event / EventSeries JSON-LD: one mapping of places,
organizers, prices and schedules for both, since OpenActive is schema.org's vocabulary with
its own context.

Activities are classified by Relier's own concept scheme (the OpenActive activity list is
for sport): the scheme is the category list `<base>/api/v1/categories/`, each category a
`Concept` whose id is that address with `#<slug>`, its French name as `prefLabel`.

Times: `startDate`/`endDate` are local wall-clock times of the session's time zone with
their UTC offset (ISO 8601), so "Tuesdays 14:00" reads 14:00 on both sides of a clock
change.

The functions read instances whose relations the selectors loaded; `base` is the absolute
address of the API's root (`https://host`), which the ids and links start with.
"""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from activities import choices
from activities.models import Activity, Occurrence, Organization, Place, Schedule

OPENACTIVE_CONTEXT = ["https://openactive.io/", "https://openactive.io/ns-beta"]
SCHEMA_ORG_CONTEXT = "https://schema.org"
CURRENCY = "EUR"
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_BYDAY = dict(zip(("MO", "TU", "WE", "TH", "FR", "SA", "SU"), _DAYS, strict=True))
_FREQUENCY = {"DAILY": "D", "WEEKLY": "W", "MONTHLY": "M"}
_ATTENDANCE = {
    choices.AttendanceMode.IN_PERSON: "OfflineEventAttendanceMode",
    choices.AttendanceMode.ONLINE: "OnlineEventAttendanceMode",
    choices.AttendanceMode.MIXED: "MixedEventAttendanceMode",
    # At home and by phone: no venue to go to, as online.
    choices.AttendanceMode.AT_HOME: "OnlineEventAttendanceMode",
    choices.AttendanceMode.PHONE: "OnlineEventAttendanceMode",
}
_EVENT_STATUS = {
    choices.OccurrenceStatus.SCHEDULED: "EventScheduled",
    choices.OccurrenceStatus.FULL: "EventScheduled",
    choices.OccurrenceStatus.CANCELLED: "EventCancelled",
    choices.OccurrenceStatus.MOVED_ONLINE: "EventMovedOnline",
}


def series_url(base: str, activity_id: int) -> str:
    return f"{base}/api/v1/activities/{activity_id}/"


def session_url(base: str, occurrence_id: int) -> str:
    return f"{base}/api/v1/occurrences/{occurrence_id}/"


def concept_scheme(base: str) -> str:
    return f"{base}/api/v1/categories/"


def _schema(name: str) -> str:
    return f"https://schema.org/{name}"


def _drop_empty(obj: dict) -> dict:
    return {key: value for key, value in obj.items() if value not in (None, "", [])}


def organizer(org: Organization) -> dict:
    return _drop_empty(
        {
            "@type": "Organization",
            "name": org.name,
            "description": org.description,
            "url": org.website,
            "email": org.email,
            "telephone": org.phone,
            "identifier": org.siren or org.rna,
        }
    )


def place(venue: Place) -> dict:
    return _drop_empty(
        {
            "@type": "Place",
            "name": venue.name,
            "address": _drop_empty(
                {
                    "@type": "PostalAddress",
                    "streetAddress": venue.address,
                    "postalCode": venue.postal_code,
                    "addressLocality": venue.city,
                    "addressCountry": "FR",
                }
            ),
            "geo": {"@type": "GeoCoordinates", "latitude": venue.lat, "longitude": venue.lng},
            "description": venue.transport_access,
        }
    )


def offers(activity: Activity) -> list[dict]:
    if activity.is_free:
        return [{"@type": "Offer", "name": "Gratuit", "price": 0, "priceCurrency": CURRENCY}]
    prices = [
        ("Tarif", activity.price_min if activity.price_min is not None else activity.price_max),
        ("Tarif réduit", activity.reduced_price),
    ]
    return [
        {"@type": "Offer", "name": name, "price": float(price), "priceCurrency": CURRENCY}
        for name, price in prices
        if price is not None
    ]


def concepts(activity: Activity, *, base: str) -> list[dict]:
    scheme = concept_scheme(base)
    return [
        {
            "@type": "Concept",
            "@id": f"{scheme}#{category.slug}",
            "prefLabel": category.name_fr,
            "inScheme": scheme,
        }
        for category in activity.categories.all()
    ]


def event_schedule(schedule: Schedule) -> dict:
    """A schedule as schema.org `Schedule`: a recurrence by its RRULE's frequency and days
    (`byDay` for plain weekdays; "the first Tuesday" rules keep their frequency only), one-off
    dates as a daily schedule from the first to the last with the days between as
    `exceptDate`."""
    body = {
        "@type": "Schedule",
        "startTime": schedule.start_time.strftime("%H:%M"),
        "endTime": schedule.end_time.strftime("%H:%M"),
        "scheduleTimezone": schedule.timezone,
        "startDate": schedule.valid_from.isoformat(),
        "endDate": schedule.valid_to.isoformat() if schedule.valid_to else None,
        "exceptDate": [str(day) for day in schedule.exdates] or None,
    }
    if schedule.rrule:
        parts = dict(item.split("=", 1) for item in schedule.rrule.split(";"))
        interval = int(parts.get("INTERVAL", "1"))
        body["repeatFrequency"] = f"P{interval}{_FREQUENCY[parts['FREQ']]}"
        days = [_BYDAY[day[-2:]] for day in parts.get("BYDAY", "").split(",") if day]
        if days and all(day[-2:] == day for day in parts["BYDAY"].split(",")):
            body["byDay"] = [_schema(day) for day in days]
        if "BYMONTHDAY" in parts:
            body["byMonthDay"] = [int(day) for day in parts["BYMONTHDAY"].split(",")]
        if "COUNT" in parts:
            body["repeatCount"] = int(parts["COUNT"])
    else:
        dates = sorted(str(day) for day in schedule.dates)
        body["startDate"], body["endDate"] = dates[0], dates[-1]
        body["repeatFrequency"] = "P1D"
        body["exceptDate"] = _days_between_skipped(dates) or None
    return _drop_empty(body)


def _days_between_skipped(dates: list[str]) -> list[str]:
    """One-off dates as a daily schedule from the first to the last, except the days that
    are not among them."""
    given = {datetime.date.fromisoformat(day) for day in dates}
    first, last = min(given), max(given)
    span = (last - first).days
    return [
        (first + datetime.timedelta(days=n)).isoformat()
        for n in range(span + 1)
        if first + datetime.timedelta(days=n) not in given
    ]


def _zone(occurrence: Occurrence) -> ZoneInfo:
    schedule = occurrence.schedule if occurrence.schedule_id else None
    return ZoneInfo(schedule.timezone if schedule else settings.TIME_ZONE)


def local(moment: datetime.datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat()


def _duration(start: datetime.datetime, end: datetime.datetime) -> str:
    minutes = int((end - start).total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes or not hours else "")


def _series_fields(activity: Activity, *, base: str) -> dict:
    return {
        "@id": series_url(base, activity.pk),
        "identifier": activity.pk,
        "name": activity.title,
        "description": activity.description or activity.summary,
        "url": series_url(base, activity.pk),
        "organizer": organizer(activity.organization),
        "location": place(activity.place) if activity.place_id else None,
        "eventAttendanceMode": _schema(_ATTENDANCE[activity.attendance_mode]),
        "isAccessibleForFree": activity.is_free,
        "offers": offers(activity),
        "inLanguage": activity.languages,
        "maximumAttendeeCapacity": activity.capacity,
        "eventSchedule": [event_schedule(s) for s in activity.schedules.all()],
    }


def session_series(activity: Activity, *, base: str) -> dict:
    """An activity as an OpenActive SessionSeries."""
    age = _drop_empty(
        {"@type": "QuantitativeValue", "minValue": activity.age_min, "maxValue": activity.age_max}
    )
    return _drop_empty(
        {
            "@context": OPENACTIVE_CONTEXT,
            "@type": "SessionSeries",
            **_series_fields(activity, base=base),
            "activity": concepts(activity, base=base),
            "ageRange": age if len(age) > 1 else None,
        }
    )


def scheduled_session(occurrence: Occurrence, *, base: str) -> dict:
    """A session as an OpenActive ScheduledSession, part of its activity's SessionSeries."""
    zone = _zone(occurrence)
    capacity = occurrence.capacity
    return _drop_empty(
        {
            "@context": OPENACTIVE_CONTEXT,
            "@type": "ScheduledSession",
            "@id": session_url(base, occurrence.pk),
            "identifier": occurrence.pk,
            "superEvent": series_url(base, occurrence.activity_id),
            "startDate": local(occurrence.start, zone),
            "endDate": local(occurrence.end, zone),
            "duration": _duration(occurrence.start, occurrence.end),
            "eventStatus": _schema(_EVENT_STATUS[occurrence.status]),
            "maximumAttendeeCapacity": capacity,
            "remainingAttendeeCapacity": max(capacity - occurrence.seats_taken, 0)
            if capacity is not None
            else None,
        }
    )


def event_series(activity: Activity, sessions: list[Occurrence], *, base: str) -> dict:
    """An activity as schema.org JSON-LD: an EventSeries with its schedules and its next
    sessions as `subEvent` Events."""
    return _drop_empty(
        {
            "@context": SCHEMA_ORG_CONTEXT,
            "@type": "EventSeries",
            **_series_fields(activity, base=base),
            "typicalAgeRange": _age_range(activity),
            "keywords": [category.name_fr for category in activity.categories.all()],
            "subEvent": [_event(activity, occurrence, base=base) for occurrence in sessions],
        }
    )


def _age_range(activity: Activity) -> str | None:
    if activity.age_min is None and activity.age_max is None:
        return None
    low = activity.age_min or 0
    return f"{low}-{activity.age_max}" if activity.age_max is not None else f"{low}-"


def _event(activity: Activity, occurrence: Occurrence, *, base: str) -> dict:
    zone = _zone(occurrence)
    mode = activity.attendance_mode
    if occurrence.status == choices.OccurrenceStatus.MOVED_ONLINE:
        mode = choices.AttendanceMode.ONLINE
    return _drop_empty(
        {
            "@type": "Event",
            "@id": session_url(base, occurrence.pk),
            "name": activity.title,
            "startDate": local(occurrence.start, zone),
            "endDate": local(occurrence.end, zone),
            "eventStatus": _schema(_EVENT_STATUS[occurrence.status]),
            "eventAttendanceMode": _schema(_ATTENDANCE[mode]),
            "location": place(activity.place) if activity.place_id else None,
            "organizer": organizer(activity.organization),
            "isAccessibleForFree": activity.is_free,
            "offers": offers(activity),
            "inLanguage": activity.languages,
        }
    )
