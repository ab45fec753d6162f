"""The calendar feeds: the directory read and handed to `interop.ical` as plain values.

Words shown in a calendar (its name, a session's note) are in the active language: the
request's for an activity's feed, the resident's own for their feed, which calendar apps
fetch without saying which language they want.
"""

import dataclasses
import datetime
from collections.abc import Callable, Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _

from accounts.models import User
from activities import choices
from activities.models import Activity, Occurrence, Place, Registration, Schedule
from activities.services.occurrences import schedule_sessions
from interop import ical, selectors

# Sessions that are not what their series says: moved or otherwise edited, cancelled (also
# with the whole activity, which does not mark them edited), moved online. A full session is
# still the series' session.
_OVERRIDING_STATUSES = (choices.OccurrenceStatus.CANCELLED, choices.OccurrenceStatus.MOVED_ONLINE)


def activity_ics(*, activity: Activity, uid_domain: str, url: str) -> bytes:
    """An activity's calendar (`interop.ical.activity_calendar`): a recurring event per
    schedule, its sessions edited or cancelled on their own as overrides, and the sessions
    that no schedule gives (any more) as events of their own."""
    schedules = list(selectors.calendar_schedules(activity=activity))
    occurrences = list(selectors.calendar_occurrences(activity=activity))
    details = _details(activity, url=url)
    overrides: dict[int, list[ical.Session]] = {schedule.pk: [] for schedule in schedules}
    alone: list[ical.Session] = []
    slots = _series_slots(schedules, occurrences)
    for occurrence in occurrences:
        in_series = _utc(occurrence.series_start) in slots.get(occurrence.schedule_id, ())
        if in_series and not _differs(occurrence):
            continue  # the series gives it as it is
        session = _session(
            occurrence,
            uid=_uid("schedule", occurrence.schedule_id, uid_domain)
            if in_series
            else _uid("occurrence", occurrence.pk, uid_domain),
            details=details,
            series_start=occurrence.series_start if in_series else None,
        )
        (overrides[occurrence.schedule_id] if in_series else alone).append(session)
    series = [
        _series(schedule, details=details, uid_domain=uid_domain, overrides=overrides[schedule.pk])
        for schedule in schedules
    ]
    stamps = [activity.updated_at, *(s.updated_at for s in schedules)]
    stamps += [o.updated_at for o in occurrences]
    return ical.activity_calendar(
        name=activity.title, series=series, sessions=alone, stamp=max(stamps)
    )


def registrations_ics(
    *,
    user: User,
    uid_domain: str,
    url_of: Callable[[Activity], str],
    refresh: datetime.timedelta | None = None,
) -> bytes:
    """A resident's calendar (`interop.ical.sessions_calendar`): the sessions they are going
    to (CONFIRMED) or are offered a seat at (TENTATIVE, until when it is held), each an event
    of its own; a session cancelled since is CANCELLED."""
    registrations = list(selectors.calendar_registrations(user=user))
    sessions = []
    for registration in registrations:
        occurrence = registration.occurrence
        notes = []
        status = "CONFIRMED"
        if registration.status == choices.RegistrationStatus.OFFERED:
            status = "TENTATIVE"
            notes.append(_offer_note(registration, occurrence))
        sessions.append(
            _session(
                occurrence,
                uid=_uid("occurrence", occurrence.pk, uid_domain),
                details=_details(registration.activity, url=url_of(registration.activity)),
                status=status,
                notes=notes,
            )
        )
    stamps = [user.date_joined]
    for registration in registrations:
        stamps += [
            registration.updated_at,
            registration.occurrence.updated_at,
            registration.activity.updated_at,
        ]
    return ical.sessions_calendar(
        name=_("Relier: my activities"), sessions=sessions, stamp=max(stamps), refresh=refresh
    )


def _offer_note(registration: Registration, occurrence: Occurrence) -> str:
    if registration.offered_until is None:
        return _("A seat is offered to you: confirm it in the app.")
    zone = ZoneInfo(_zone_of(occurrence))
    until = formats.date_format(
        registration.offered_until.astimezone(zone), "SHORT_DATETIME_FORMAT"
    )
    return _("A seat is offered to you: confirm it in the app before %(time)s.") % {"time": until}


# ---------------------------------------------------------------------------------------------


def _uid(kind: str, pk: int, domain: str) -> str:
    return f"{kind}-{pk}@{domain}"


def _utc(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(datetime.UTC)


def _differs(occurrence: Occurrence) -> bool:
    return occurrence.is_modified or occurrence.status in _OVERRIDING_STATUSES


def _series_slots(
    schedules: list[Schedule], occurrences: list[Occurrence]
) -> dict[int, set[datetime.datetime]]:
    """For each schedule, the starts (UTC) its rule gives over the span of its materialized
    sessions: a session whose slot is not among them (a past session of a rule since
    changed) is no instance of the series."""
    slots: dict[int, set[datetime.datetime]] = {}
    for schedule in schedules:
        starts = [o.series_start for o in occurrences if o.schedule_id == schedule.pk]
        if not starts:
            continue
        given = schedule_sessions(
            schedule,
            window_start=min(starts),
            window_end=max(starts) + datetime.timedelta(seconds=1),
        )
        slots[schedule.pk] = {_utc(start) for start, _end in given}
    return slots


def _location(place: Place | None) -> str:
    if place is None:
        return ""
    town = " ".join(part for part in (place.postal_code, place.city) if part)
    return ", ".join(part for part in (place.name, place.address, town) if part)


def _details(activity: Activity, *, url: str) -> ical.Details:
    place = None if activity.is_remote else activity.place
    organizer = _("Organized by %(name)s.") % {"name": activity.organization.name}
    description = "\n\n".join(
        part for part in (activity.summary, activity.description, organizer) if part
    )
    return ical.Details(
        summary=activity.title,
        description=description,
        url=url,
        location=_location(place),
        geo=None if place is None else (place.lat, place.lng),
    )


def _zone_of(occurrence: Occurrence) -> str:
    """The session's zone: its schedule's, or the server's for a session without one."""
    return occurrence.schedule.timezone if occurrence.schedule else settings.TIME_ZONE


def _session(
    occurrence: Occurrence,
    *,
    uid: str,
    details: ical.Details,
    series_start: datetime.datetime | None = None,
    status: str = "CONFIRMED",
    notes: Iterable[str] = (),
) -> ical.Session:
    notes = list(notes)
    if occurrence.status == choices.OccurrenceStatus.CANCELLED:
        status = "CANCELLED"
        notes.append(_("This session has been cancelled."))
    if occurrence.status == choices.OccurrenceStatus.MOVED_ONLINE:
        notes.append(_("This session takes place online."))
        details = dataclasses.replace(details, location="", geo=None)
    if occurrence.note:
        notes.append(occurrence.note)
    if notes:
        description = "\n\n".join(part for part in (*notes, details.description) if part)
        details = dataclasses.replace(details, description=description)
    return ical.Session(
        uid=uid,
        start=occurrence.start,
        end=occurrence.end,
        timezone=_zone_of(occurrence),
        details=details,
        status=status,
        series_start=series_start,
    )


def _series(
    schedule: Schedule, *, details: ical.Details, uid_domain: str, overrides: list[ical.Session]
) -> ical.Series:
    return ical.Series(
        uid=_uid("schedule", schedule.pk, uid_domain),
        details=details,
        start_time=schedule.start_time,
        end_time=schedule.end_time,
        timezone=schedule.timezone,
        valid_from=schedule.valid_from,
        valid_to=schedule.valid_to,
        rrule=schedule.rrule,
        dates=tuple(datetime.date.fromisoformat(day) for day in schedule.dates),
        exdates=tuple(datetime.date.fromisoformat(day) for day in schedule.exdates),
        overrides=tuple(overrides),
    )
