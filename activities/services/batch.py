"""Many new activities written at once: an import's new rows.

Each activity goes through the rules `activity_create`, `schedule_create` and `activity_submit`
(or `activity_publish`) apply one by one, checked by the same validators, but the writes are
grouped: its new places located with one query and inserted together, the activities, their
categories, schedules and sessions inserted with one statement per table, and the audit
trail written for them in bulk (`signals.created_in_bulk`). What needs a query to be checked
one row at a time (the uniqueness and check constraints) is left to the database: an
`IntegrityError` rolls the whole batch back, and the caller writes its rows one by one.
"""

import datetime
import inspect
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from activities import choices, signals
from activities.models import Activity, Occurrence, Organization, Place, Schedule
from activities.services import activities as one
from activities.services.common import require_editor, send_after_commit
from activities.services.occurrences import new_sessions, occurrence_window, timing_of
from activities.services.places import copy_location, locate, place_create, place_validate
from activities.services.schedules import schedule_create, schedule_validate
from activities.territories import territories_for_points
from backend.errors import ApplicationError

Status = choices.ActivityStatus

# The defaults of one activity's and one schedule's creation, declared once, there.
_ACTIVITY_DEFAULTS = {
    name: parameter.default
    for name, parameter in inspect.signature(one.activity_create).parameters.items()
    if parameter.default is not inspect.Parameter.empty
}
_PLACE_DEFAULTS = {
    name: parameter.default
    for name, parameter in inspect.signature(place_create).parameters.items()
    if parameter.default is not inspect.Parameter.empty
}
_SCHEDULE_DEFAULTS = {
    name: parameter.default
    for name, parameter in inspect.signature(schedule_create).parameters.items()
    if parameter.default is not inspect.Parameter.empty
}
# What is not a column of the activity's row: the services resolve them to related rows.
_RELATED = ("categories", "audiences", "languages", "service_area")


@dataclass
class Draft:
    """A new activity: `fields` as `activity_create` takes them (but the organization, who
    acts and the place), its `place` (the organization's, or a new unsaved one, which may be
    shared by several drafts), and its `schedules` as `schedule_create` takes them."""

    fields: dict[str, Any]
    place: Place | None = None
    schedules: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Built:
    activity: Activity
    category_ids: list[int]
    territories: list
    schedules: list[Schedule]
    sessions: list[Occurrence]


def place_new(*, organization: Organization, **fields: Any) -> Place:
    """An unsaved place of the organization with `place_create`'s fields and defaults, for a
    `Draft`: `activities_create_many` validates, locates and inserts it."""
    return Place(organization=organization, **(_PLACE_DEFAULTS | fields))


def activities_create_many(
    *,
    organization: Organization,
    by: User,
    drafts: list[Draft],
    publish: bool = False,
    now: datetime.datetime | None = None,
) -> list[Activity | ApplicationError]:
    """Create the drafts' activities, with their new places, schedules and sessions, submitted
    for review (published at once for a verified organization, or when `publish`: the
    importer's right, as `activity_publish`). One result per draft, in order: the activity,
    or the domain error that refused it (the others are written). Raises `IntegrityError` when
    the database refuses the batch (nothing is written then)."""
    require_editor(organization, by)
    now = now or timezone.now()
    window = occurrence_window(now)
    results: list[Activity | ApplicationError | None] = [None] * len(drafts)
    with transaction.atomic():
        places = _save_new_places(drafts, results)
        built: list[tuple[int, _Built]] = []
        for index, draft in enumerate(drafts):
            if results[index] is not None:
                continue
            try:
                built.append((index, _build(organization, draft, publish, now, window)))
            except ApplicationError as error:
                results[index] = error
        used = {item.activity.place_id for _, item in built}
        if unused := [place for place in places if place.pk not in used]:
            # No activity of the batch is there: not kept, and new again for a later batch.
            Place.objects.filter(pk__in=[place.pk for place in unused]).delete()
            for place in unused:
                place.pk, place._state.adding = None, True
            places = [place for place in places if place.pk is not None]
        _insert([item for _, item in built])
        signals.created_in_bulk.send(sender=Place, instances=places, by=by)
        signals.created_in_bulk.send(
            sender=Activity, instances=[item.activity for _, item in built], by=by
        )
        signals.created_in_bulk.send(
            sender=Schedule, instances=[s for _, item in built for s in item.schedules], by=by
        )
        for index, item in built:
            results[index] = item.activity
            if item.activity.status == Status.PUBLISHED:
                send_after_commit(signals.activity_published, activity=item.activity, by=None)
    return results


def _save_new_places(drafts: list[Draft], results: list) -> list[Place]:
    """Validate, locate and insert the drafts' new places; a draft whose place is refused
    gets the error. The places, saved."""
    new: dict[int, Place] = {}
    refused: dict[int, ApplicationError] = {}
    for draft in drafts:
        place = draft.place
        if place is None or place.pk is not None or id(place) in new or id(place) in refused:
            continue
        try:
            place_validate(place=place, database=False)
        except ApplicationError as error:
            refused[id(place)] = error
            continue
        new[id(place)] = place
    for index, draft in enumerate(drafts):
        if draft.place is not None and id(draft.place) in refused:
            results[index] = refused[id(draft.place)]
    places = list(new.values())
    territories = territories_for_points([(place.lat, place.lng) for place in places])
    for place, territory in zip(places, territories, strict=True):
        locate(place, territory=territory)
    return Place.objects.bulk_create(places)


def _build(
    organization: Organization,
    draft: Draft,
    publish: bool,
    now: datetime.datetime,
    window: tuple[datetime.datetime, ...],
) -> _Built:
    """The activity, its schedules and sessions as the services would write them, unsaved;
    raises the domain error that refuses it."""
    fields = (_ACTIVITY_DEFAULTS | draft.fields) | {"place": draft.place}
    related = {name: fields.pop(name) for name in _RELATED}
    activity = Activity(organization=organization, status=Status.DRAFT, **fields)
    activity.audiences_mask = one._mask(related["audiences"], choices.AUDIENCES, "audiences")
    activity.languages_mask = one._mask(related["languages"], choices.LANGUAGES, "languages")
    category_ids = one._resolve_categories(related["categories"])
    area = related["service_area"]
    territories = one._resolve_territories(area) if area else []
    one.activity_validate(activity=activity, database=False)
    copy_location(activity, draft.place)
    schedules = []
    for values in draft.schedules:
        schedule = Schedule(activity=activity, **(_SCHEDULE_DEFAULTS | values))
        schedule_validate(schedule=schedule, database=False)
        schedules.append(schedule)
    one.check_publishable(
        activity,
        has_categories=bool(category_ids),
        has_schedules=bool(schedules),
        has_service_area=bool(territories),
    )
    activity.status = Status.PUBLISHED if publish or organization.verified else Status.PENDING
    if activity.status == Status.PUBLISHED:
        activity.published_at = activity.last_verified_at = now
    window_start, window_end = window
    sessions = [
        session
        for schedule in schedules
        for session in new_sessions(
            activity, schedule, window_start=window_start, window_end=window_end
        )
    ]
    activity.weekly_slots, activity.next_start = timing_of(
        session.start for session in sessions if session.start >= window_start
    )
    return _Built(activity, category_ids, territories, schedules, sessions)


def _insert(built: list[_Built]) -> None:
    """One insert per table, the rows of each pointing at the rows just inserted."""
    Activity.objects.bulk_create([item.activity for item in built])
    Categories = Activity.categories.through
    Categories.objects.bulk_create(
        Categories(activity_id=item.activity.pk, category_id=category_id)
        for item in built
        for category_id in item.category_ids
    )
    Area = Activity.service_area.through
    Area.objects.bulk_create(
        Area(activity_id=item.activity.pk, territory_id=territory.pk)
        for item in built
        for territory in item.territories
    )
    # Each row holds its activity and schedule, saved by now: bulk_create reads their ids.
    Schedule.objects.bulk_create([s for item in built for s in item.schedules])
    Occurrence.objects.bulk_create(
        [session for item in built for session in item.sessions], batch_size=2000
    )
