"""Every write of the matcher: profiles, recommendation sets, feedback."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

import h3
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from activities import choices as activity_choices
from activities.geo import bounding_box
from activities.models import Activity
from activities.services import territory_for_point
from matching import scoring
from matching.choices import TRANSPORT_MODES, FeedbackSignal
from matching.models import Feedback, RecommendationSet, ResidentProfile
from matching.selectors import EVERYONE_BIT, build_candidates, build_residents

HOME_CELL_RESOLUTION = 8  # ~0.7 km² cells: the stored home is the centre of one of them
MAX_REACH_KM = 50.0
DEBOUNCE_SECONDS = 3
SENSITIVE_FIELDS = ("audiences", "loneliness_score")

PROFILE_FIELDS = (
    "max_distance_km", "step_free", "homebound", "birth_year", "interests", "availability_mask",
    "languages_mask", "budget_max", "attendance_modes", "group_sizes", "transport_modes",
)  # fmt: skip


def coarsen(lat: float, lng: float) -> tuple[float, float, str]:
    """The centre of the resolution-8 H3 cell holding the point, and the cell."""
    cell = h3.latlng_to_cell(lat, lng, HOME_CELL_RESOLUTION)
    centre_lat, centre_lng = h3.cell_to_latlng(cell)
    return round(centre_lat, 5), round(centre_lng, 5), cell


def _check_lists(fields: dict) -> None:
    errors: dict[str, list[str]] = {}
    if any(m not in TRANSPORT_MODES for m in fields.get("transport_modes") or []):
        errors["transport_modes"] = [_("Unknown transport mode.")]
    if any(m not in scoring.MODES for m in fields.get("attendance_modes") or []):
        errors["attendance_modes"] = [_("Unknown attendance mode.")]
    if any(g not in activity_choices.GroupSize.values for g in fields.get("group_sizes") or []):
        errors["group_sizes"] = [_("Unknown group size.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def profile_update(
    *,
    user: User,
    home: tuple[float, float] | bool | None = False,
    matching_consent: bool | None = None,
    sensitive_consent: bool | None = None,
    audiences: Iterable[str] | None = None,
    loneliness_score: int | bool | None = False,
    **fields,
) -> ResidentProfile:
    """Create or change the resident's profile. `home` is coarsened before it is stored; None
    forgets it. Sensitive fields need a consent given now or before; withdrawing consent
    erases them."""
    profile, _created = ResidentProfile.objects.select_for_update().get_or_create(user=user)
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})
    _check_lists(fields)
    for name, value in fields.items():
        setattr(profile, name, value)
    now = timezone.now()
    if matching_consent is not None:
        profile.matching_consent_at = now if matching_consent else None
    if sensitive_consent is not None:
        profile.sensitive_consent_at = now if sensitive_consent else None
        if not sensitive_consent:
            profile.audiences_mask, profile.loneliness_score = 0, None
    giving_sensitive = audiences is not None or loneliness_score is not False
    if giving_sensitive and profile.sensitive_consent_at is None:
        field = "audiences" if audiences is not None else "loneliness_score"
        raise ValidationError(
            {field: [_("This is sensitive: give your consent (sensitive_consent) first.")]}
        )
    if audiences is not None:
        profile.audiences_mask = activity_choices.mask_of(audiences, activity_choices.AUDIENCES)
    if loneliness_score is not False:
        profile.loneliness_score = loneliness_score
    if home is None:
        profile.home_lat = profile.home_lng = None
        profile.home_cell, profile.home_territory = "", None
    elif home is not False:
        profile.home_lat, profile.home_lng, profile.home_cell = coarsen(*home)
        profile.home_territory = territory_for_point(lat=home[0], lng=home[1])
    profile.full_clean(exclude=["user", "home_territory"])
    profile.save()
    recommendations_schedule(user_ids=[user.pk])
    return profile


def recommendations_schedule(*, user_ids: list[int]) -> None:
    """Queue a recomputation after commit, once per resident within the debounce delay."""
    from matching.tasks import recommendations_recompute_task

    fresh = [uid for uid in user_ids if cache.add(f"reco:pending:{uid}", 1, DEBOUNCE_SECONDS)]
    if fresh:
        transaction.on_commit(
            lambda: recommendations_recompute_task.apply_async(
                args=[fresh], countdown=DEBOUNCE_SECONDS
            )
        )


def _profiles(user_ids: Iterable[int]) -> list[ResidentProfile]:
    return list(
        ResidentProfile.objects.filter(
            user_id__in=list(user_ids), matching_consent_at__isnull=False
        ).order_by("user_id")
    )


@transaction.atomic
def recommendations_compute(
    *, user_ids: Iterable[int], now: datetime.datetime | None = None
) -> int:
    """Recompute and store the recommendation sets of these residents (consenting ones)."""
    now = now or timezone.now()
    profiles = _profiles(user_ids)
    if not profiles:
        return 0
    candidates, slugs = build_candidates(now=now)
    residents = build_residents(profiles, slugs)
    lists = scoring.recommend_batched(
        residents, candidates, everyone_bit=EVERYONE_BIT, category_slugs=slugs
    )
    existing = {
        r.user_id: r for r in RecommendationSet.objects.filter(user_id__in=residents.ids.tolist())
    }
    to_create, to_update = [], []
    for profile, items in zip(profiles, lists, strict=True):
        payload = [
            {"activity": item.activity_id, "score": item.score, "reasons": item.reasons}
            for item in items
        ]
        threshold = items[-1].score if len(items) >= scoring.TOP_K else 0.0
        row = existing.get(profile.user_id) or RecommendationSet(user_id=profile.user_id)
        row.computed_at, row.engine_version = now, scoring.ENGINE_VERSION
        row.items, row.threshold = payload, threshold
        (to_update if row.pk else to_create).append(row)
    RecommendationSet.objects.bulk_create(to_create)
    RecommendationSet.objects.bulk_update(
        to_update, ["computed_at", "engine_version", "items", "threshold"]
    )
    return len(profiles)


def residents_in_reach(*, activity: Activity) -> list[int]:
    """Residents who might see this activity: everyone within the longest reach of its venue,
    everyone in its service area, everyone for an online activity."""
    profiles = ResidentProfile.objects.filter(matching_consent_at__isnull=False)
    if activity.attendance_mode == activity_choices.AttendanceMode.ONLINE:
        return list(profiles.values_list("user_id", flat=True))
    if activity.attendance_mode in (
        activity_choices.AttendanceMode.AT_HOME,
        activity_choices.AttendanceMode.PHONE,
    ):
        return list(
            profiles.filter(home_territory__in=activity.service_area.all()).values_list(
                "user_id", flat=True
            )
        )
    if activity.lat is None:
        return []
    # A bounding box of the longest reach; the scoring applies each resident's own reach.
    min_lat, max_lat, min_lng, max_lng = bounding_box(activity.lat, activity.lng, MAX_REACH_KM)
    return list(
        profiles.filter(
            home_lat__gte=min_lat,
            home_lat__lte=max_lat,
            home_lng__gte=min_lng,
            home_lng__lte=max_lng,
        ).values_list("user_id", flat=True)
    )


@transaction.atomic
def feedback_record(
    *, user: User, activity: Activity, signal: str, rating: int | None = None
) -> Feedback:
    if signal == FeedbackSignal.RATING and rating is None:
        raise ValidationError({"rating": [_("Give a rating from 1 to 5.")]})
    feedback = Feedback(user=user, activity=activity, signal=signal, rating=rating)
    feedback.full_clean()
    feedback.save()
    if signal == FeedbackSignal.DISMISSED:
        # Gone at once from what the resident sees; the recomputation fills the gap.
        row = RecommendationSet.objects.select_for_update().filter(user=user).first()
        if row is not None:
            row.items = [item for item in row.items if item["activity"] != activity.pk]
            row.save(update_fields=["items"])
    if signal in (FeedbackSignal.DISMISSED, FeedbackSignal.SAVED, FeedbackSignal.JOINED):
        recommendations_schedule(user_ids=[user.pk])
    return feedback
