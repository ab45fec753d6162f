"""Reads of the directory. Each returns a QuerySet (or a plain value) for the API and tasks."""

import dataclasses
import datetime

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from accounts.models import User
from activities import choices, search
from activities.models import (
    Activity,
    ActivityTombstone,
    Category,
    Membership,
    Occurrence,
    Organization,
    Place,
    Territory,
)


def user_can_edit(*, user: User, organization: Organization) -> bool:
    """Owners and editors write an organization's places, activities and schedules."""
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(user=user, organization=organization).exists()


def user_is_owner(*, user: User, organization: Organization) -> bool:
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(
        user=user, organization=organization, role=choices.MembershipRole.OWNER
    ).exists()


def category_tree() -> QuerySet[Category]:
    return Category.objects.filter(parent__isnull=True).prefetch_related(
        Prefetch("children", queryset=Category.objects.order_by("position", "slug"))
    )


def category_with_descendants(slugs: list[str]) -> QuerySet[Category]:
    """The categories named and, for a top category, all its sub-categories."""
    return Category.objects.filter(Q(slug__in=slugs) | Q(parent__slug__in=slugs))


def territory_list() -> QuerySet[Territory]:
    return Territory.objects.defer("boundary").order_by("kind", "name")


def organization_list() -> QuerySet[Organization]:
    return Organization.objects.all().order_by("name", "id")


def membership_list(*, organization: Organization) -> QuerySet[Membership]:
    return organization.memberships.select_related("user").order_by("created_at", "id")


def place_list() -> QuerySet[Place]:
    return Place.objects.select_related("organization", "territory").order_by("name", "id")


def activity_visible_to(*, user: User) -> QuerySet[Activity]:
    """Published activities, plus every activity of the organizations the user edits."""
    visible = Q(status=choices.ActivityStatus.PUBLISHED)
    if user.is_authenticated:
        visible |= Q(organization__in=Organization.objects.filter(memberships__user=user))
    return Activity.objects.filter(visible)


def activity_list(*, user: User) -> QuerySet[Activity]:
    return (
        activity_visible_to(user=user)
        .select_related("organization", "place", "place__territory")
        .prefetch_related("categories", "service_area")
        .order_by("-updated_at", "-id")
    )


def occurrence_list(
    *,
    activity: Activity,
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
) -> QuerySet[Occurrence]:
    occurrences = activity.occurrences.all()
    if start is not None:
        occurrences = occurrences.filter(end__gt=start)
    if end is not None:
        occurrences = occurrences.filter(start__lt=end)
    return occurrences.order_by("start", "id")


def occurrence_visible_to(*, user: User) -> QuerySet[Occurrence]:
    return Occurrence.objects.filter(
        activity__in=activity_visible_to(user=user).values("pk")
    ).select_related("activity", "activity__organization")


def upcoming_sessions(now: datetime.datetime, count: int) -> Prefetch:
    """Prefetch each activity's next `count` sessions (not cancelled) as `upcoming`."""
    sessions = (
        Occurrence.objects.filter(start__gte=now)
        .exclude(status=choices.OccurrenceStatus.CANCELLED)
        .order_by("start", "id")
    )
    return Prefetch("occurrences", queryset=sessions[:count], to_attr="upcoming")


SEARCH_ORDERINGS = {
    "-updated_at": ("-updated_at", "-id"),
    "updated_at": ("updated_at", "id"),
    "next_occurrence": ("next_start", "id"),
    "relevance": ("-relevance", "id"),
    "distance": ("distance_km", "id"),
}


@dataclasses.dataclass(frozen=True)
class ActivitySearch:
    activities: QuerySet[Activity]
    ordering: tuple[str, ...]
    point: tuple[float, float] | None
    criteria: dict  # the cleaned search parameters


def activity_search(
    *, params: QueryDict | dict, user: User, now: datetime.datetime | None = None
) -> ActivitySearch:
    """Published activities with upcoming sessions matching the search parameters of
    ActivityFilterSet, each with its next three sessions (`upcoming`), `distance_km` when a
    point is given, and the ordering to page them by. Invalid parameters raise ValidationError.
    """
    from activities.filters import ActivityFilterSet

    now = now or timezone.now()
    published = Activity.objects.filter(
        status=choices.ActivityStatus.PUBLISHED, next_start__isnull=False
    )
    filterset = ActivityFilterSet(params, queryset=published)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    activities = filterset.qs
    data = filterset.form.cleaned_data
    ordering = data.get("ordering") or (
        "updated_at"
        if data.get("updated_since")
        else "distance"
        if filterset.point
        else "relevance"
        if data.get("q")
        else "-updated_at"
    )
    activities = activities.select_related("organization", "place").prefetch_related(
        "categories", upcoming_sessions(now, 3)
    )
    keys = SEARCH_ORDERINGS[ordering]
    if ordering == "distance":
        activities, keys = search.annotate_nearest_first(
            activities, lat=filterset.point[0], lng=filterset.point[1]
        )
    return ActivitySearch(activities, keys, filterset.point, data)


def activity_tombstones(*, since: datetime.datetime) -> QuerySet[ActivityTombstone]:
    return ActivityTombstone.objects.filter(removed_at__gt=since).order_by("removed_at", "id")


def occurrence_search(
    *, params: QueryDict | dict, user: User, now: datetime.datetime | None = None
) -> QuerySet[Occurrence]:
    """Upcoming sessions (from `starts_after`, default now, to `starts_before`) of the
    activities matching the same parameters, soonest first."""
    now = now or timezone.now()
    found = activity_search(params=params, user=user, now=now)
    # The matching activities are fetched first: as a subquery, the planner (which cannot
    # estimate the spatial filter) walks every session of the window instead.
    activity_ids = list(found.activities.order_by().values_list("pk", flat=True))
    sessions = Occurrence.objects.filter(
        activity_id__in=activity_ids,
        start__gte=found.criteria.get("starts_after") or now,
    ).exclude(status=choices.OccurrenceStatus.CANCELLED)
    if starts_before := found.criteria.get("starts_before"):
        sessions = sessions.filter(start__lt=starts_before)
    return sessions.select_related("activity", "activity__organization", "activity__place")
