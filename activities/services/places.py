"""Places (venues): where they are, and the activities that follow them when they move."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from activities import choices, signals
from activities.geo import cell_of
from activities.models import Activity, Organization, Place, Territory
from activities.services.common import (
    UNCHANGED,
    Unchanged,
    assign,
    given,
    require_editor,
    send_after_commit,
)
from activities.territories import territory_for_point
from backend.errors import Conflict
from backend.text import require_plain_text
from backend.validation import full_clean


def locate(place: Place, *, territory: Territory | Unchanged | None = UNCHANGED) -> None:
    """Set the place's H3 cell, commune, INSEE code and (when empty) city from its point;
    `territory` is the commune when the caller has found it already."""
    place.h3_cell = cell_of(place.lat, place.lng)
    if territory is UNCHANGED:
        territory = territory_for_point(lat=place.lat, lng=place.lng)
    place.territory = territory
    if place.territory is not None:
        place.insee_code = place.territory.insee_code
        place.city = place.city or place.territory.name


def copy_location(activity: Activity, place: Place | None) -> None:
    """An activity is searched and matched where its place is: copy the place's point, cell
    and territory onto it (None for an activity without a venue)."""
    activity.lat = place.lat if place else None
    activity.lng = place.lng if place else None
    activity.h3_cell = place.h3_cell if place else ""
    activity.territory_id = place.territory_id if place else None


@transaction.atomic
def place_create(
    *,
    organization: Organization,
    by: User,
    name: str,
    lat: float,
    lng: float,
    address: str = "",
    postal_code: str = "",
    city: str = "",
    transport_access: str = "",
    wheelchair: str = choices.WheelchairAccess.NONE,
    hearing_support: bool = False,
    visual_support: bool = False,
    psychic_support: bool = False,
    motor_support: bool = False,
    intellectual_support: bool = False,
) -> Place:
    require_editor(organization, by)
    place = Place(
        organization=organization,
        name=name,
        lat=lat,
        lng=lng,
        address=address,
        postal_code=postal_code,
        city=city,
        transport_access=transport_access,
        wheelchair=wheelchair,
        hearing_support=hearing_support,
        visual_support=visual_support,
        psychic_support=psychic_support,
        motor_support=motor_support,
        intellectual_support=intellectual_support,
    )
    place_validate(place=place)
    locate(place)
    place.save()
    return place


@transaction.atomic
def place_update(
    *,
    place: Place,
    by: User,
    name: str | Unchanged = UNCHANGED,
    lat: float | Unchanged = UNCHANGED,
    lng: float | Unchanged = UNCHANGED,
    address: str | Unchanged = UNCHANGED,
    postal_code: str | Unchanged = UNCHANGED,
    city: str | Unchanged = UNCHANGED,
    transport_access: str | Unchanged = UNCHANGED,
    wheelchair: str | Unchanged = UNCHANGED,
    hearing_support: bool | Unchanged = UNCHANGED,
    visual_support: bool | Unchanged = UNCHANGED,
    psychic_support: bool | Unchanged = UNCHANGED,
    motor_support: bool | Unchanged = UNCHANGED,
    intellectual_support: bool | Unchanged = UNCHANGED,
) -> Place:
    require_editor(place.organization, by)
    point = given(lat=lat, lng=lng)
    moved = any(value != getattr(place, name) for name, value in point.items())
    assign(
        place,
        given(
            name=name,
            address=address,
            postal_code=postal_code,
            city=city,
            transport_access=transport_access,
            wheelchair=wheelchair,
            hearing_support=hearing_support,
            visual_support=visual_support,
            psychic_support=psychic_support,
            motor_support=motor_support,
            intellectual_support=intellectual_support,
        )
        | point,
    )
    place_validate(place=place)
    if moved:
        locate(place)
    place.save()
    _activities_follow(place)
    return place


def place_validate(*, place: Place, database: bool = True) -> None:
    """Raise `ValidationFailed` for what the services refuse in the place as it stands
    (plain text, the model's rules), without saving it: for a form that edits places outside
    these services (the Django admin) to show on its fields."""
    require_plain_text(
        multiline=("transport_access",),
        name=place.name,
        address=place.address,
        city=place.city,
        transport_access=place.transport_access,
    )
    full_clean(place, exclude=["h3_cell"], database=database)


@transaction.atomic
def place_edited(*, place: Place) -> Place:
    """Apply what follows an edit of a place saved outside `place_update`: the Django admin
    saves the row through its form, then calls this. The place is located again (H3 cell,
    territory, INSEE code) and its activities follow it. Who may edit is the caller's rule."""
    locate(place)
    place.save(update_fields=["h3_cell", "territory", "insee_code", "city", "updated_at"])
    _activities_follow(place)
    return place


def _activities_follow(place: Place) -> None:
    """Copy the place's location onto its activities; the matcher hears of the published ones."""
    for activity in place.activities.all():
        copy_location(activity, place)
        activity.save(update_fields=["lat", "lng", "h3_cell", "territory", "updated_at"])
        if activity.status == choices.ActivityStatus.PUBLISHED:
            send_after_commit(signals.activity_changed, activity=activity)


@transaction.atomic
def place_delete(*, place: Place, by: User) -> None:
    require_editor(place.organization, by)
    if place.activities.exclude(status=choices.ActivityStatus.ARCHIVED).exists():
        raise Conflict(_("Activities still take place here: move or archive them first."))
    place.activities.update(place=None)
    place.delete()
