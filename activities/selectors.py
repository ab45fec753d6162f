"""Reads of the directory. Each returns a QuerySet (or a plain value) for the API and tasks."""

import datetime

from django.db.models import F, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from activities import choices
from activities.filters import SearchParams
from activities.models import (
    Activity,
    ActivityTombstone,
    Category,
    Favorite,
    Membership,
    Occurrence,
    Organization,
    Place,
    Registration,
    Territory,
)
from activities.search import cards
from activities.search.activity_search import activity_page
from activities.search.page import Page, with_typo_fallback
from activities.search.session_search import occurrence_page


def user_can_edit(*, user: User, organization: Organization) -> bool:
    """Owners and editors write an organization's places, activities and schedules."""
    if not user.is_authenticated:
        return False
    return (
        Membership.objects.filter(user=user, organization=organization)
        .exclude(role=choices.MembershipRole.REFERRER)
        .exists()
    )


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


def activity_search(
    *, params: SearchParams, after: list | None, size: int, now: datetime.datetime | None = None
) -> Page:
    """A page of published activities with upcoming sessions matching `params`, each a card
    (activities.search.cards) with, given a point, `distance_km`."""
    return with_typo_fallback(
        activity_page,
        params,
        ordering=params.effective_ordering,
        after=after,
        size=size,
        now=now or timezone.now(),
    )


def activity_cards(*, ids: list[int], now: datetime.datetime | None = None) -> list[dict]:
    """The card rows (rendered by api.cards.activity_card) of these activities, in the order
    of `ids`, published or not (the caller chooses which ids to show), each with its
    categories and next three sessions; no distance (`distance_km` None, `serves_point`
    False). A constant number of queries, whatever the ids."""
    return cards.activity_cards(list(ids), now=now or timezone.now())


def activity_tombstones(*, since: datetime.datetime) -> QuerySet[ActivityTombstone]:
    return ActivityTombstone.objects.filter(removed_at__gt=since).order_by("removed_at", "id")


def occurrence_search(
    *, params: SearchParams, after: list | None, size: int, now: datetime.datetime | None = None
) -> Page:
    """A page of the upcoming sessions of the activities matching `params`, soonest first,
    each with its activity's card as `activity`."""
    return with_typo_fallback(
        occurrence_page, params, now=now or timezone.now(), after=after, size=size
    )


def favorite_list(*, user: User) -> QuerySet[Favorite]:
    """The resident's saved activities that are still published, last saved first."""
    return Favorite.objects.filter(
        user=user, activity__status=choices.ActivityStatus.PUBLISHED
    ).order_by("-id")


def registration_of(
    *, user: User, activity: Activity, occurrence: Occurrence | None
) -> Registration | None:
    """The resident's registration (not cancelled) for this session, or for this ongoing
    activity when `occurrence` is None."""
    registrations = Registration.objects.filter(user=user, activity=activity).exclude(
        status=choices.RegistrationStatus.CANCELLED
    )
    if occurrence is None:
        registrations = registrations.filter(occurrence__isnull=True)
    else:
        registrations = registrations.filter(occurrence=occurrence)
    return registrations.select_related("activity__greeter", "occurrence").first()


REGISTRATION_WHEN = ("upcoming", "past")


def registration_list_for_user(
    *,
    user: User,
    when: str = "upcoming",
    status: str | None = None,
    now: datetime.datetime | None = None,
) -> QuerySet[Registration]:
    """The resident's own registrations, each with `sort_start` (the session's start; for an
    ongoing activity, when the resident registered). `upcoming`: sessions not over yet and
    ongoing activities the resident still belongs to, soonest first; `past`: the rest, most
    recent first."""
    now = now or timezone.now()
    registrations = Registration.objects.filter(user=user).annotate(
        sort_start=Coalesce(F("occurrence__start"), F("created_at"))
    )
    upcoming = Q(occurrence__end__gt=now) | (
        Q(occurrence__isnull=True) & ~Q(status=choices.RegistrationStatus.CANCELLED)
    )
    registrations = registrations.filter(upcoming if when == "upcoming" else ~upcoming)
    if status is not None:
        registrations = registrations.filter(status=status)
    return registrations.select_related("activity__greeter", "occurrence")


def registration_visible_to(*, user: User) -> QuerySet[Registration]:
    """A resident's own registrations, and those of the activities of the organizations the
    user edits."""
    if not user.is_authenticated:
        return Registration.objects.none()
    return Registration.objects.filter(
        Q(user=user)
        | Q(activity__organization__in=Organization.objects.filter(memberships__user=user))
    ).select_related("activity__organization", "activity__greeter", "occurrence", "user")


def registration_list_for_activity(
    *, activity: Activity, occurrence_id: int | None = None, status: str | None = None
) -> QuerySet[Registration]:
    """The registrations of an activity, for its organizers (arrival order by default)."""
    registrations = activity.registrations.all()
    if occurrence_id is not None:
        registrations = registrations.filter(occurrence_id=occurrence_id)
    if status is not None:
        registrations = registrations.filter(status=status)
    return registrations.select_related("user", "occurrence")
