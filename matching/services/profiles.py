"""A resident's matching profile: the home coarsened, consents given and withdrawn, the
sensitive fields kept only with consent."""

from __future__ import annotations

import decimal
import enum

import h3
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from activities import choices as activity_choices
from activities.territories import territory_for_point
from backend.validation import full_clean, validation_failed
from matching import engine, signals
from matching.choices import TRANSPORT_MODES
from matching.models import ResidentProfile

HOME_CELL_RESOLUTION = 8  # ~0.7 km² cells: the stored home is the centre of one of them


class Unset(enum.Enum):
    """A field left as it is (None may be a value: forgetting the home, the loneliness score)."""

    UNSET = enum.auto()


UNSET = Unset.UNSET


def coarsen(lat: float, lng: float) -> tuple[float, float, str]:
    """The centre of the resolution-8 H3 cell holding the point, and the cell."""
    cell = h3.latlng_to_cell(lat, lng, HOME_CELL_RESOLUTION)
    centre_lat, centre_lng = h3.cell_to_latlng(cell)
    return round(centre_lat, 5), round(centre_lng, 5), cell


def _check_lists(
    *,
    transport_modes: list[str] | Unset,
    attendance_modes: list[str] | Unset,
    group_sizes: list[str] | Unset,
) -> None:
    errors: dict[str, list[str]] = {}
    if transport_modes is not UNSET and any(m not in TRANSPORT_MODES for m in transport_modes):
        errors["transport_modes"] = [_("Unknown transport mode.")]
    if attendance_modes is not UNSET and any(m not in engine.MODES for m in attendance_modes):
        errors["attendance_modes"] = [_("Unknown attendance mode.")]
    sizes = activity_choices.GroupSize.values
    if group_sizes is not UNSET and any(g not in sizes for g in group_sizes):
        errors["group_sizes"] = [_("Unknown group size.")]
    if errors:
        raise validation_failed(errors)


@transaction.atomic
def profile_update(
    *,
    user: User,
    home: tuple[float, float] | Unset | None = UNSET,
    max_distance_km: float | Unset = UNSET,
    transport_modes: list[str] | Unset = UNSET,
    step_free: bool | Unset = UNSET,
    homebound: bool | Unset = UNSET,
    birth_year: int | Unset | None = UNSET,
    interests: dict[str, float] | Unset = UNSET,
    availability_mask: int | Unset = UNSET,
    languages_mask: int | Unset = UNSET,
    budget_max: decimal.Decimal | float | Unset | None = UNSET,
    attendance_modes: list[str] | Unset = UNSET,
    group_sizes: list[str] | Unset = UNSET,
    matching_consent: bool | None = None,
    sensitive_consent: bool | None = None,
    audiences: list[str] | None = None,
    loneliness_score: int | Unset | None = UNSET,
) -> ResidentProfile:
    """Create or change the resident's profile; what is left UNSET stays as it is. `home` is
    coarsened before it is stored; None forgets it. Sensitive fields (`audiences`,
    `loneliness_score`) need a consent given now or before; withdrawing consent erases
    them. The resident's recommendations are recomputed after commit."""
    profile, _created = ResidentProfile.objects.select_for_update().get_or_create(user=user)
    _check_lists(
        transport_modes=transport_modes,
        attendance_modes=attendance_modes,
        group_sizes=group_sizes,
    )
    plain = {
        "max_distance_km": max_distance_km,
        "transport_modes": transport_modes,
        "step_free": step_free,
        "homebound": homebound,
        "birth_year": birth_year,
        "interests": interests,
        "availability_mask": availability_mask,
        "languages_mask": languages_mask,
        "budget_max": budget_max,
        "attendance_modes": attendance_modes,
        "group_sizes": group_sizes,
    }
    for name, value in plain.items():
        if value is not UNSET:
            setattr(profile, name, value)
    now = timezone.now()
    if matching_consent is not None:
        profile.matching_consent_at = now if matching_consent else None
    if sensitive_consent is not None:
        profile.sensitive_consent_at = now if sensitive_consent else None
        if not sensitive_consent:
            profile.audiences_mask, profile.loneliness_score = 0, None
    giving_sensitive = audiences is not None or loneliness_score is not UNSET
    if giving_sensitive and profile.sensitive_consent_at is None:
        field = "audiences" if audiences is not None else "loneliness_score"
        raise validation_failed(
            {field: [_("This is sensitive: give your consent (sensitive_consent) first.")]}
        )
    if audiences is not None:
        profile.audiences_mask = activity_choices.mask_of(audiences, activity_choices.AUDIENCES)
    if loneliness_score is not UNSET:
        profile.loneliness_score = loneliness_score
    if home is None:
        profile.home_lat = profile.home_lng = None
        profile.home_cell, profile.home_territory = "", None
    elif home is not UNSET:
        profile.home_lat, profile.home_lng, profile.home_cell = coarsen(*home)
        profile.home_territory = territory_for_point(lat=home[0], lng=home[1])
    full_clean(profile, exclude=["user", "home_territory"])
    profile.save()
    signals.residents_changed.send(sender=ResidentProfile, user_ids=[user.pk])
    return profile
