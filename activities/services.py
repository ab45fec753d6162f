"""Every write to the directory.

Services are keyword-only, check who acts (`by`), validate with `full_clean()` before saving,
and raise `backend.errors` domain errors. Signals for matching and notifications are sent once
the transaction commits.
"""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User
from activities import choices, recurrence, signals
from activities.geo import cell_of
from activities.models import (
    Activity,
    ActivityTombstone,
    Category,
    Membership,
    Occurrence,
    Organization,
    Place,
    Schedule,
    Territory,
)
from activities.selectors import user_can_edit, user_is_owner
from activities.territories import territory_for_point
from activities.text import refuse_markup
from backend.errors import Conflict, PermissionDenied, ValidationFailed

Status = choices.ActivityStatus


# --- permissions ----------------------------------------------------------------------------


def _require_editor(organization: Organization, by: User) -> None:
    if not user_can_edit(user=by, organization=organization):
        raise PermissionDenied(_("Only editors of this organization can do this."))


def _require_owner(organization: Organization, by: User) -> None:
    if not user_is_owner(user=by, organization=organization):
        raise PermissionDenied(_("Only owners of this organization can do this."))


def _set_fields(instance, fields: dict, allowed: Iterable[str]) -> None:
    allowed = set(allowed)
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationFailed(
            _("Some fields cannot be set."),
            fields={name: [_("This field cannot be set.")] for name in sorted(unknown)},
        )
    for name, value in fields.items():
        setattr(instance, name, value)


def _on_commit(signal, **kwargs) -> None:
    transaction.on_commit(lambda: signal.send(sender=Activity, **kwargs))


# --- organizations and memberships ----------------------------------------------------------

ORGANIZATION_FIELDS = ("name", "kind", "description", "email", "phone", "website", "rna", "siren")


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "organisation"
    slug, n = base, 1
    while Organization.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def organization_create(*, by: User, name: str, **fields) -> Organization:
    """Create an organization; its creator becomes its owner. Never verified at creation."""
    refuse_markup(name=name, description=fields.get("description"))
    organization = Organization(name=name)
    _set_fields(organization, fields, ORGANIZATION_FIELDS)
    organization.slug = _unique_slug(name)
    organization.full_clean()
    organization.save()
    Membership.objects.create(user=by, organization=organization, role=choices.MembershipRole.OWNER)
    return organization


@transaction.atomic
def organization_update(*, organization: Organization, by: User, **fields) -> Organization:
    _require_editor(organization, by)
    refuse_markup(name=fields.get("name"), description=fields.get("description"))
    _set_fields(organization, fields, ORGANIZATION_FIELDS)
    organization.full_clean()
    organization.save()
    return organization


@transaction.atomic
def membership_add(
    *, organization: Organization, by: User, email: str, role: str = choices.MembershipRole.EDITOR
) -> Membership:
    """Give an existing account a role in the organization (owners only)."""
    _require_owner(organization, by)
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise ValidationFailed(
            _("No account uses this email address: ask the person to sign up first."),
            code="unknown_email",
            fields={"email": [_("No account uses this email address.")]},
        )
    membership, created = Membership.objects.get_or_create(
        user=user, organization=organization, defaults={"role": role}
    )
    if not created:
        raise Conflict(_("This person is already a member of the organization."))
    membership.full_clean()
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, by: User) -> None:
    organization = membership.organization
    if membership.user_id != by.pk:  # anyone may leave; removing others is for owners
        _require_owner(organization, by)
    owners = organization.memberships.select_for_update().filter(role=choices.MembershipRole.OWNER)
    if membership.role == choices.MembershipRole.OWNER and owners.count() == 1:
        raise Conflict(_("An organization keeps at least one owner."))
    membership.delete()


# --- places ---------------------------------------------------------------------------------

PLACE_FIELDS = (
    "name", "address", "postal_code", "city", "lat", "lng", "transport_access", "wheelchair",
    "hearing_support", "visual_support", "psychic_support", "motor_support",
    "intellectual_support",
)  # fmt: skip


PLACE_TEXT_FIELDS = ("name", "address", "city", "transport_access")


def _locate(place: Place) -> None:
    place.h3_cell = cell_of(place.lat, place.lng)
    place.territory = territory_for_point(lat=place.lat, lng=place.lng)
    if place.territory is not None:
        place.insee_code = place.territory.insee_code
        place.city = place.city or place.territory.name


@transaction.atomic
def place_create(*, organization: Organization, by: User, **fields) -> Place:
    _require_editor(organization, by)
    refuse_markup(**{k: fields.get(k) for k in PLACE_TEXT_FIELDS})
    place = Place(organization=organization)
    _set_fields(place, fields, PLACE_FIELDS)
    place.full_clean(exclude=["h3_cell"])
    _locate(place)
    place.save()
    return place


@transaction.atomic
def place_update(*, place: Place, by: User, **fields) -> Place:
    _require_editor(place.organization, by)
    refuse_markup(**{k: fields.get(k) for k in PLACE_TEXT_FIELDS})
    moved = any(k in fields and fields[k] != getattr(place, k) for k in ("lat", "lng"))
    _set_fields(place, fields, PLACE_FIELDS)
    place.full_clean(exclude=["h3_cell"])
    if moved:
        _locate(place)
    place.save()
    for activity in place.activities.all():
        _copy_location(activity, place)
        activity.save(update_fields=["lat", "lng", "h3_cell", "territory", "updated_at"])
        if activity.status == Status.PUBLISHED:
            _on_commit(signals.activity_changed, activity=activity)
    return place


@transaction.atomic
def place_delete(*, place: Place, by: User) -> None:
    _require_editor(place.organization, by)
    if place.activities.exclude(status=Status.ARCHIVED).exists():
        raise Conflict(_("Activities still take place here: move or archive them first."))
    place.activities.update(place=None)
    place.delete()


# --- activities -----------------------------------------------------------------------------


def _copy_location(activity: Activity, place: Place | None) -> None:
    activity.lat = place.lat if place else None
    activity.lng = place.lng if place else None
    activity.h3_cell = place.h3_cell if place else ""
    activity.territory_id = place.territory_id if place else None


ACTIVITY_FIELDS = (
    "title", "summary", "description", "kind", "age_min", "age_max", "attendance_mode",
    "place", "service_radius_km", "is_free", "price_min", "price_max", "reduced_price",
    "registration", "registration_url", "registration_phone", "registration_email", "capacity",
    "intensity", "group_size",
)  # fmt: skip


def _resolve_categories(slugs: Iterable[str]) -> list[Category]:
    slugs = list(dict.fromkeys(slugs))
    found = {c.slug: c for c in Category.objects.filter(slug__in=slugs)}
    unknown = [slug for slug in slugs if slug not in found]
    if unknown:
        raise ValidationError(
            {"categories": [_("Unknown category: %(slug)s.") % {"slug": s} for s in unknown]}
        )
    return [found[slug] for slug in slugs]


def _resolve_territories(codes: Iterable[str]) -> list[Territory]:
    codes = list(dict.fromkeys(codes))
    found = {t.insee_code: t for t in Territory.objects.filter(insee_code__in=codes)}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise ValidationError(
            {"service_area": [_("Unknown territory: %(code)s.") % {"code": c} for c in unknown]}
        )
    return [found[code] for code in codes]


def _mask(values: Iterable[str], vocabulary: tuple[str, ...], field: str) -> int:
    values = list(values)
    unknown = [v for v in values if v not in vocabulary]
    if unknown:
        raise ValidationError({field: [_("Unknown value: %(v)s.") % {"v": v} for v in unknown]})
    if not values:
        raise ValidationError({field: [_("Give at least one value.")]})
    return choices.mask_of(values, vocabulary)


def _save_activity(
    activity: Activity,
    *,
    categories: Iterable[str] | None,
    audiences: Iterable[str] | None,
    languages: Iterable[str] | None,
    service_area: Iterable[str] | None,
) -> Activity:
    refuse_markup(title=activity.title, summary=activity.summary, description=activity.description)
    if audiences is not None:
        activity.audiences_mask = _mask(audiences, choices.AUDIENCES, "audiences")
    if languages is not None:
        activity.languages_mask = _mask(languages, choices.LANGUAGES, "languages")
    resolved_categories = _resolve_categories(categories) if categories is not None else None
    resolved_area = _resolve_territories(service_area) if service_area is not None else None
    activity.full_clean()
    _copy_location(activity, activity.place)
    activity.save()
    if resolved_categories is not None:
        activity.categories.set(resolved_categories)
    if resolved_area is not None:
        activity.service_area.set(resolved_area)
    return activity


@transaction.atomic
def activity_create(
    *,
    organization: Organization,
    by: User,
    categories: Iterable[str] = (),
    audiences: Iterable[str] = (choices.Audience.EVERYONE,),
    languages: Iterable[str] = ("fr",),
    service_area: Iterable[str] = (),
    **fields,
) -> Activity:
    """Create an activity as a draft of the organization."""
    _require_editor(organization, by)
    activity = Activity(organization=organization, status=Status.DRAFT)
    _set_fields(activity, fields, (*ACTIVITY_FIELDS, "source", "external_id"))
    return _save_activity(
        activity,
        categories=categories,
        audiences=audiences,
        languages=languages,
        service_area=service_area,
    )


@transaction.atomic
def activity_update(
    *,
    activity: Activity,
    by: User,
    categories: Iterable[str] | None = None,
    audiences: Iterable[str] | None = None,
    languages: Iterable[str] | None = None,
    service_area: Iterable[str] | None = None,
    **fields,
) -> Activity:
    _require_editor(activity.organization, by)
    if activity.status == Status.ARCHIVED:
        raise Conflict(_("An archived activity cannot be edited."))
    _set_fields(activity, fields, ACTIVITY_FIELDS)
    _save_activity(
        activity,
        categories=categories,
        audiences=audiences,
        languages=languages,
        service_area=service_area,
    )
    if "place" in fields or "attendance_mode" in fields:
        occurrences_materialize(activity=activity)
    if activity.status == Status.PUBLISHED:
        _on_commit(signals.activity_changed, activity=activity)
    return activity


def _check_publishable(activity: Activity) -> None:
    errors: dict[str, list[str]] = {}
    if not activity.categories.exists():
        errors["categories"] = [_("Choose at least one category.")]
    if not activity.schedules.exists():
        errors["schedules"] = [_("Add at least one schedule.")]
    if not activity.is_remote and activity.place_id is None:
        errors["place"] = [_("An in-person activity needs a place.")]
    reaches_residents = activity.attendance_mode in (
        choices.AttendanceMode.AT_HOME,
        choices.AttendanceMode.PHONE,
    )
    if (
        reaches_residents
        and activity.service_radius_km is None
        and not activity.service_area.exists()
    ):
        errors["service_area"] = [_("Say where this activity reaches residents.")]
    if errors:
        raise ValidationFailed(
            _("This activity is not complete enough to be submitted."),
            code="incomplete",
            fields=errors,
        )


@transaction.atomic
def activity_submit(*, activity: Activity, by: User) -> Activity:
    """Send a draft (or a rejected activity) for review; a verified organization publishes
    at once."""
    _require_editor(activity.organization, by)
    if activity.status not in (Status.DRAFT, Status.REJECTED):
        raise Conflict(
            _("Only a draft or a rejected activity can be submitted (it is %(status)s).")
            % {"status": activity.get_status_display()}
        )
    _check_publishable(activity)
    if activity.organization.verified:
        return activity_publish(activity=activity)
    activity.status = Status.PENDING
    activity.save(update_fields=["status", "updated_at"])
    return activity


@transaction.atomic
def activity_publish(*, activity: Activity) -> Activity:
    """Make an activity visible to residents. The caller has checked who may publish."""
    activity.status = Status.PUBLISHED
    ActivityTombstone.objects.filter(activity_id=activity.pk).delete()
    activity.published_at = timezone.now()
    activity.last_verified_at = activity.published_at
    activity.save(update_fields=["status", "published_at", "last_verified_at", "updated_at"])
    occurrences_materialize(activity=activity)
    _on_commit(signals.activity_published, activity=activity)
    return activity


@transaction.atomic
def activity_archive(*, activity: Activity, by: User) -> Activity:
    """Withdraw an activity: it leaves search and recommendations; its future sessions are
    cancelled."""
    _require_editor(activity.organization, by)
    if activity.status == Status.ARCHIVED:
        return activity
    previous = activity.status
    activity.status = Status.ARCHIVED
    activity.save(update_fields=["status", "updated_at"])
    activity.occurrences.filter(start__gte=timezone.now()).update(
        status=choices.OccurrenceStatus.CANCELLED, updated_at=timezone.now()
    )
    if previous == Status.PUBLISHED:
        activity_unpublished(activity=activity, previous_status=previous, reason="archived")
    return activity


def activity_unpublished(*, activity: Activity, previous_status: str, reason: str) -> None:
    """Record that a published activity left the directory: a tombstone for offline clients
    and a signal for matching and notifications."""
    ActivityTombstone.objects.update_or_create(
        activity_id=activity.pk, defaults={"removed_at": timezone.now(), "reason": reason}
    )
    _on_commit(signals.activity_unpublished, activity=activity, previous_status=previous_status)


# --- schedules and occurrences --------------------------------------------------------------

SCHEDULE_FIELDS = (
    "rrule", "dates", "start_time", "end_time", "timezone", "valid_from", "valid_to", "exdates",
)  # fmt: skip


def _clean_schedule(schedule: Schedule) -> None:
    try:
        recurrence.validate_timezone(schedule.timezone)
        if schedule.rrule:
            schedule.rrule = recurrence.normalize_rrule(
                schedule.rrule, dtstart=schedule.valid_from, timezone=schedule.timezone
            )
        # Expanding over an empty window runs every input check (dates, exdates, end time).
        now = timezone.now()
        _expand(schedule, window_start=now, window_end=now)
    except recurrence.RecurrenceError as exc:
        raise ValidationError({exc.field: [str(exc)]}) from exc


def _as_dates(values: Iterable[datetime.date | str]) -> list[str]:
    return sorted({v if isinstance(v, str) else v.isoformat() for v in values})


def _schedule_dates(values: list[str]) -> list[datetime.date]:
    return [datetime.date.fromisoformat(v) for v in values]


def _expand(
    schedule: Schedule, *, window_start: datetime.datetime, window_end: datetime.datetime
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    return recurrence.expand(
        rrule=schedule.rrule or None,
        dtstart=schedule.valid_from,
        start_time=schedule.start_time,
        end_time=schedule.end_time,
        timezone=schedule.timezone,
        exdates=_schedule_dates(schedule.exdates),
        dates=_schedule_dates(schedule.dates),
        valid_to=schedule.valid_to,
        window_start=window_start,
        window_end=window_end,
    )


@transaction.atomic
def schedule_create(*, activity: Activity, by: User, **fields) -> Schedule:
    _require_editor(activity.organization, by)
    schedule = Schedule(activity=activity)
    _set_fields(schedule, fields, SCHEDULE_FIELDS)
    return _save_schedule(schedule)


@transaction.atomic
def schedule_update(*, schedule: Schedule, by: User, **fields) -> Schedule:
    _require_editor(schedule.activity.organization, by)
    _set_fields(schedule, fields, SCHEDULE_FIELDS)
    return _save_schedule(schedule)


def _save_schedule(schedule: Schedule) -> Schedule:
    schedule.dates = _as_dates(schedule.dates or [])
    schedule.exdates = _as_dates(schedule.exdates or [])
    schedule.full_clean(exclude=["activity"])
    _clean_schedule(schedule)
    schedule.save()
    activity = schedule.activity
    occurrences_materialize(activity=activity)
    if activity.status == Status.PUBLISHED:
        _on_commit(signals.activity_changed, activity=activity)
    return schedule


@transaction.atomic
def schedule_delete(*, schedule: Schedule, by: User) -> None:
    activity = schedule.activity
    _require_editor(activity.organization, by)
    schedule.occurrences.filter(start__gte=timezone.now()).delete()
    schedule.delete()
    if activity.status == Status.PUBLISHED:
        _on_commit(signals.activity_changed, activity=activity)


def occurrence_window(now: datetime.datetime | None = None) -> tuple[datetime.datetime, ...]:
    now = now or timezone.now()
    return now, now + datetime.timedelta(weeks=settings.OCCURRENCE_WINDOW_WEEKS)


@transaction.atomic
def occurrences_materialize(
    *, activity: Activity, now: datetime.datetime | None = None
) -> dict[str, int]:
    """Bring the activity's future sessions in line with its schedules for the rolling window.

    Idempotent. Slots are matched by (schedule, series start): new slots are created, moved
    ones updated, slots that left the series are deleted; a session edited on its own keeps
    its edits while its slot stays in the series. Past sessions are never touched.
    """
    window_start, window_end = occurrence_window(now)
    existing = {
        (o.schedule_id, o.series_start): o
        for o in activity.occurrences.filter(series_start__gte=window_start)
    }
    wanted: dict[tuple[int, datetime.datetime], tuple[datetime.datetime, datetime.datetime]] = {}
    for schedule in activity.schedules.all():
        for start, end in _expand(schedule, window_start=window_start, window_end=window_end):
            wanted[(schedule.pk, start.astimezone(datetime.UTC))] = (start, end)

    created, updated = [], []
    for key, (start, end) in wanted.items():
        occurrence = existing.pop(key, None)
        if occurrence is None:
            created.append(
                Occurrence(
                    activity=activity,
                    schedule_id=key[0],
                    series_start=start,
                    start=start,
                    end=end,
                    capacity=activity.capacity,
                )
            )
        elif not occurrence.is_modified and (
            occurrence.end != end or occurrence.capacity != activity.capacity
        ):
            occurrence.end = end
            occurrence.capacity = activity.capacity
            updated.append(occurrence)
    Occurrence.objects.bulk_create(created)
    Occurrence.objects.bulk_update(updated, ["end", "capacity"])
    stale = [o.pk for o in existing.values()]
    Occurrence.objects.filter(pk__in=stale).delete()
    _refresh_timing(activity, window_start=window_start)
    return {"created": len(created), "updated": len(updated), "deleted": len(stale)}


def _refresh_timing(activity: Activity, *, window_start: datetime.datetime) -> None:
    """Recompute the weekly slots and the next start from the upcoming sessions.

    Written with a queryset update: timing follows the calendar, it is not an edit of the
    activity, so `updated_at` (what offline clients sync on) stays.
    """
    upcoming = activity.occurrences.filter(start__gte=window_start).exclude(
        status=choices.OccurrenceStatus.CANCELLED
    )
    mask, next_start = 0, None
    for start in upcoming.values_list("start", flat=True):
        local = timezone.localtime(start)
        mask |= choices.slot_bit(local.weekday(), choices.part_of_day(local.hour))
        next_start = start if next_start is None else min(next_start, start)
    Activity.objects.filter(pk=activity.pk).update(weekly_slots=mask, next_start=next_start)
    activity.weekly_slots, activity.next_start = mask, next_start


OCCURRENCE_FIELDS = ("start", "end", "status", "capacity", "note")


@transaction.atomic
def occurrence_update(*, occurrence: Occurrence, by: User, **fields) -> Occurrence:
    """Edit or cancel one session without touching its series."""
    _require_editor(occurrence.activity.organization, by)
    if occurrence.end <= timezone.now():
        raise Conflict(_("A session that is over cannot be edited."))
    refuse_markup(note=fields.get("note"))
    _set_fields(occurrence, fields, OCCURRENCE_FIELDS)
    if occurrence.end <= occurrence.start:
        raise ValidationError({"end": [_("The end must be after the start.")]})
    occurrence.is_modified = True
    occurrence.full_clean()
    occurrence.save()
    _refresh_timing(occurrence.activity, window_start=timezone.now())
    if occurrence.activity.status == Status.PUBLISHED:
        _on_commit(signals.occurrence_changed, occurrence=occurrence)
    return occurrence


def occurrence_cancel(*, occurrence: Occurrence, by: User, note: str = "") -> Occurrence:
    return occurrence_update(
        occurrence=occurrence, by=by, status=choices.OccurrenceStatus.CANCELLED, note=note
    )
