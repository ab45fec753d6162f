"""Activities: their content, and the steps of publication their providers take."""

from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from activities import choices, signals, taxonomy
from activities.models import Activity, Organization, Place, Territory
from activities.services.common import (
    UNCHANGED,
    Unchanged,
    assign,
    given,
    require_editor,
    require_not_archived,
    send_after_commit,
)
from activities.services.occurrences import occurrences_materialize
from activities.services.places import copy_location
from activities.services.publication import activity_transition, transition_allowed
from backend.errors import Conflict, ValidationFailed
from backend.text import require_plain_text
from backend.validation import full_clean, validation_failed

Status = choices.ActivityStatus


def _resolve_categories(slugs: Iterable[str]) -> list[int]:
    slugs = list(dict.fromkeys(slugs))
    found = taxonomy.current().id_of
    unknown = [slug for slug in slugs if slug not in found]
    if unknown:
        raise validation_failed(
            {"categories": [_("Unknown category: %(slug)s.") % {"slug": s} for s in unknown]}
        )
    return [found[slug] for slug in slugs]


def _resolve_territories(codes: Iterable[str]) -> list[Territory]:
    codes = list(dict.fromkeys(codes))
    found = {t.insee_code: t for t in Territory.objects.filter(insee_code__in=codes)}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise validation_failed(
            {"service_area": [_("Unknown territory: %(code)s.") % {"code": c} for c in unknown]}
        )
    return [found[code] for code in codes]


def _mask(values: Iterable[str], vocabulary: tuple[str, ...], field: str) -> int:
    values = list(values)
    unknown = [v for v in values if v not in vocabulary]
    if unknown:
        raise validation_failed({field: [_("Unknown value: %(v)s.") % {"v": v} for v in unknown]})
    if not values:
        raise validation_failed({field: [_("Give at least one value.")]})
    return choices.mask_of(values, vocabulary)


def _save_activity(
    activity: Activity,
    *,
    categories: Iterable[str] | None,
    audiences: Iterable[str] | None,
    languages: Iterable[str] | None,
    service_area: Iterable[str] | None,
) -> Activity:
    if audiences is not None:
        activity.audiences_mask = _mask(audiences, choices.AUDIENCES, "audiences")
    if languages is not None:
        activity.languages_mask = _mask(languages, choices.LANGUAGES, "languages")
    resolved_categories = _resolve_categories(categories) if categories is not None else None
    resolved_area = _resolve_territories(service_area) if service_area is not None else None
    activity_validate(activity=activity)
    copy_location(activity, activity.place)
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
    title: str,
    summary: str,
    kind: str,
    description: str = "",
    categories: Iterable[str] = (),
    audiences: Iterable[str] = (choices.Audience.EVERYONE,),
    languages: Iterable[str] = ("fr",),
    service_area: Iterable[str] = (),
    age_min: int | None = None,
    age_max: int | None = None,
    attendance_mode: str = choices.AttendanceMode.IN_PERSON,
    place: Place | None = None,
    service_radius_km: float | None = None,
    is_free: bool = True,
    price_min: Decimal | None = None,
    price_max: Decimal | None = None,
    reduced_price: Decimal | None = None,
    registration: str = choices.Registration.NONE,
    registration_url: str = "",
    registration_phone: str = "",
    registration_email: str = "",
    capacity: int | None = None,
    waitlist: bool = True,
    intensity: str = choices.Intensity.LOW,
    group_size: str = choices.GroupSize.SMALL,
    source: str = "relier",
    external_id: str = "",
) -> Activity:
    """Create an activity as a draft of the organization. `categories` are slugs,
    `service_area` INSEE codes; `source` and `external_id` identify an imported row."""
    require_editor(organization, by)
    activity = Activity(
        organization=organization,
        status=Status.DRAFT,
        title=title,
        summary=summary,
        kind=kind,
        description=description,
        age_min=age_min,
        age_max=age_max,
        attendance_mode=attendance_mode,
        place=place,
        service_radius_km=service_radius_km,
        is_free=is_free,
        price_min=price_min,
        price_max=price_max,
        reduced_price=reduced_price,
        registration=registration,
        registration_url=registration_url,
        registration_phone=registration_phone,
        registration_email=registration_email,
        capacity=capacity,
        waitlist=waitlist,
        intensity=intensity,
        group_size=group_size,
        source=source,
        external_id=external_id,
    )
    return _save_activity(
        activity,
        categories=categories,
        audiences=audiences,
        languages=languages,
        service_area=service_area,
    )


def _or_none(value):
    return None if value is UNCHANGED else value


@transaction.atomic
def activity_update(
    *,
    activity: Activity,
    by: User,
    title: str | Unchanged = UNCHANGED,
    summary: str | Unchanged = UNCHANGED,
    kind: str | Unchanged = UNCHANGED,
    description: str | Unchanged = UNCHANGED,
    categories: Iterable[str] | Unchanged = UNCHANGED,
    audiences: Iterable[str] | Unchanged = UNCHANGED,
    languages: Iterable[str] | Unchanged = UNCHANGED,
    service_area: Iterable[str] | Unchanged = UNCHANGED,
    age_min: int | Unchanged | None = UNCHANGED,
    age_max: int | Unchanged | None = UNCHANGED,
    attendance_mode: str | Unchanged = UNCHANGED,
    place: Place | Unchanged | None = UNCHANGED,
    service_radius_km: float | Unchanged | None = UNCHANGED,
    is_free: bool | Unchanged = UNCHANGED,
    price_min: Decimal | Unchanged | None = UNCHANGED,
    price_max: Decimal | Unchanged | None = UNCHANGED,
    reduced_price: Decimal | Unchanged | None = UNCHANGED,
    registration: str | Unchanged = UNCHANGED,
    registration_url: str | Unchanged = UNCHANGED,
    registration_phone: str | Unchanged = UNCHANGED,
    registration_email: str | Unchanged = UNCHANGED,
    capacity: int | Unchanged | None = UNCHANGED,
    waitlist: bool | Unchanged = UNCHANGED,
    intensity: str | Unchanged = UNCHANGED,
    group_size: str | Unchanged = UNCHANGED,
) -> Activity:
    require_editor(activity.organization, by)
    require_not_archived(activity)
    assign(
        activity,
        given(
            title=title,
            summary=summary,
            kind=kind,
            description=description,
            age_min=age_min,
            age_max=age_max,
            attendance_mode=attendance_mode,
            place=place,
            service_radius_km=service_radius_km,
            is_free=is_free,
            price_min=price_min,
            price_max=price_max,
            reduced_price=reduced_price,
            registration=registration,
            registration_url=registration_url,
            registration_phone=registration_phone,
            registration_email=registration_email,
            capacity=capacity,
            waitlist=waitlist,
            intensity=intensity,
            group_size=group_size,
        ),
    )
    _save_activity(
        activity,
        categories=_or_none(categories),
        audiences=_or_none(audiences),
        languages=_or_none(languages),
        service_area=_or_none(service_area),
    )
    _after_edit(activity, sessions=place is not UNCHANGED or attendance_mode is not UNCHANGED)
    return activity


def activity_validate(*, activity: Activity, database: bool = True) -> None:
    """Raise `ValidationFailed` for what the services refuse in the activity's own fields as
    they stand (plain text, the model's rules), without saving it: for a form that edits
    activities outside these services (the Django admin) to show on its fields.
    `database=False`: no query (see `backend.validation.full_clean`), for rows written in bulk."""
    require_plain_text(
        multiline=("description",),
        title=activity.title,
        summary=activity.summary,
        description=activity.description,
        registration_phone=activity.registration_phone,
    )
    full_clean(activity, database=database)


@transaction.atomic
def activity_edited(*, activity: Activity) -> Activity:
    """Apply what follows an edit saved outside `activity_update`: the Django admin saves an
    activity's row, categories and schedules through its forms, then calls this.

    The activity is located at its place again, its sessions follow its schedules, and a
    published activity's change reaches the listeners (the matcher). An archived activity's
    sessions stay as archiving left them: it is withdrawn for good. Who may edit is the
    caller's rule, as for `activity_transition`.
    """
    copy_location(activity, activity.place)
    activity.save(update_fields=["lat", "lng", "h3_cell", "territory"])
    _after_edit(activity, sessions=activity.status != Status.ARCHIVED)
    return activity


def _after_edit(activity: Activity, *, sessions: bool) -> None:
    """The sessions materialized again when the edit may have moved them; the listeners told
    when residents can see the activity."""
    if sessions:
        occurrences_materialize(activity=activity)
    if activity.status == Status.PUBLISHED:
        send_after_commit(signals.activity_changed, activity=activity)


def _check_publishable(activity: Activity) -> None:
    check_publishable(
        activity,
        has_categories=activity.categories.exists(),
        has_schedules=activity.schedules.exists(),
        has_service_area=activity.service_area.exists(),
    )


def check_publishable(
    activity: Activity, *, has_categories: bool, has_schedules: bool, has_service_area: bool
) -> None:
    """Raise `ValidationFailed` (incomplete) for what an activity lacks to be submitted, its
    related rows described by the caller (read or about to be written)."""
    errors: dict[str, list[str]] = {}
    if not has_categories:
        errors["categories"] = [_("Choose at least one category.")]
    if not has_schedules:
        errors["schedules"] = [_("Add at least one schedule.")]
    if not activity.is_remote and activity.place_id is None:
        errors["place"] = [_("An in-person activity needs a place.")]
    reaches_residents = activity.attendance_mode in (
        choices.AttendanceMode.AT_HOME,
        choices.AttendanceMode.PHONE,
    )
    if reaches_residents and activity.service_radius_km is None and not has_service_area:
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
    require_editor(activity.organization, by)
    # Submitting asks for review: the workflow says from which statuses one may.
    if not transition_allowed(current=activity.status, to=Status.PENDING):
        raise Conflict(
            _("Only a draft or a rejected activity can be submitted (it is %(status)s).")
            % {"status": activity.get_status_display()},
            code="invalid_transition",
        )
    _check_publishable(activity)
    to = Status.PUBLISHED if activity.organization.verified else Status.PENDING
    return activity_transition(activity=activity, to=to, by=by)


@transaction.atomic
def activity_publish(*, activity: Activity) -> Activity:
    """Make an activity visible to residents on the system's authority: an import or the demo
    loader, trusted by how it was set up. A person's decision is a curator's, taken in
    `curation.services.moderation`, where who may decide is checked."""
    return activity_transition(activity=activity, to=Status.PUBLISHED, by=None)


@transaction.atomic
def activity_archive(*, activity: Activity, by: User) -> Activity:
    """Withdraw an activity: it leaves search and recommendations; its future sessions are
    cancelled. Archiving an archived activity changes nothing."""
    require_editor(activity.organization, by)
    if activity.status == Status.ARCHIVED:
        return activity
    return activity_transition(activity=activity, to=Status.ARCHIVED, by=by)
