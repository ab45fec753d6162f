"""Reads of the exports: the published directory and what left it, in the orders the feeds
page by. Only published activities, the organizations that offer one, and their places:
nothing a draft, a pending or a rejected activity holds, and no person's data."""

import datetime

from django.db.models import Exists, F, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest

from activities import choices
from activities.models import (
    Activity,
    ActivityTombstone,
    Category,
    Occurrence,
    Organization,
    Schedule,
)

PUBLISHED = choices.ActivityStatus.PUBLISHED


def published_activities() -> QuerySet[Activity]:
    """Published activities with everything a fully nested HSDS service or an OpenActive
    SessionSeries shows, in a constant number of queries per chunk (prefetches run once per
    chunk of `.iterator(chunk_size=...)`)."""
    return (
        Activity.objects.filter(status=PUBLISHED)
        .select_related("organization", "place", "place__territory")
        .prefetch_related(
            Prefetch("categories", queryset=Category.objects.order_by("id")),
            Prefetch("service_area"),
            Prefetch("schedules", queryset=Schedule.objects.order_by("valid_from", "id")),
        )
    )


def published_activity(*, pk: int) -> Activity | None:
    return published_activities().filter(pk=pk).first()


def hsds_services(
    *,
    search: str | None = None,
    category_ids: list[int] | None = None,
    organization_id: int | None = None,
    modified_after: datetime.datetime | None = None,
) -> QuerySet[Activity]:
    services = published_activities()
    if search:
        services = services.filter(Q(title__icontains=search) | Q(summary__icontains=search))
    if category_ids is not None:
        services = services.filter(categories__in=category_ids).distinct()
    if organization_id is not None:
        services = services.filter(organization_id=organization_id)
    if modified_after is not None:
        services = services.filter(updated_at__gte=modified_after)
    return services.order_by("id")


def hsds_organizations(*, search: str | None = None) -> QuerySet[Organization]:
    """Organizations that offer at least one published activity: one with only drafts is
    not in the directory yet."""
    offering = Activity.objects.filter(organization=OuterRef("pk"), status=PUBLISHED)
    organizations = Organization.objects.filter(Exists(offering))
    if search:
        organizations = organizations.filter(name__icontains=search)
    return organizations.order_by("id")


def hsds_organization(*, pk: int) -> Organization | None:
    return hsds_organizations().filter(pk=pk).first()


def organization_services(*, organization: Organization) -> QuerySet[Activity]:
    return published_activities().filter(organization=organization).order_by("id")


def categories() -> QuerySet[Category]:
    return Category.objects.order_by("id")


# --- RPDE: ordered by (modified, id) -----------------------------------------------------


def _after(field: str, id_field: str, after: tuple[datetime.datetime, int] | None) -> Q:
    if after is None:
        return Q()
    moment, pk = after
    return Q(**{f"{field}__gt": moment}) | Q(**{field: moment, f"{id_field}__gt": pk})


def rpde_series(*, after: tuple[datetime.datetime, int] | None, size: int) -> QuerySet[Activity]:
    """Published activities after the cursor, by (rpde_modified, id). A SessionSeries shows
    its activity, its place, its organization and its schedules: `rpde_modified` is the
    latest change of any of them (editing a schedule is not an edit of the activity's own
    `updated_at`, yet it changes the series' `eventSchedule`)."""
    latest_schedule = (
        Schedule.objects.filter(activity=OuterRef("pk"))
        .values("activity")
        .annotate(latest=Max("updated_at"))
        .values("latest")
    )
    return (
        published_activities()
        .annotate(
            rpde_modified=Greatest(
                F("updated_at"),
                F("organization__updated_at"),
                Coalesce(F("place__updated_at"), F("updated_at")),
                Coalesce(Subquery(latest_schedule), F("updated_at")),
            )
        )
        .filter(_after("rpde_modified", "id", after))
        .order_by("rpde_modified", "id")[:size]
    )


def rpde_series_removed(
    *, after: tuple[datetime.datetime, int] | None, size: int
) -> QuerySet[ActivityTombstone]:
    """Activities that left the published directory after the cursor, by (removed_at,
    activity id)."""
    return (
        ActivityTombstone.objects.filter(_after("removed_at", "activity_id", after))
        .exclude(activity_id__in=Activity.objects.filter(status=PUBLISHED).values("pk"))
        .order_by("removed_at", "activity_id")[:size]
    )


def rpde_sessions(
    *, after: tuple[datetime.datetime, int] | None, size: int
) -> QuerySet[Occurrence]:
    """Sessions after the cursor, by (rpde_modified, id): those of published activities, and
    those of activities that were published once (a tombstone), which the feed gives as
    deleted. Sessions of an activity never published are never named. `rpde_modified` is the
    latest change of the session or its schedule: materializing a schedule's new end time
    rewrites its sessions without touching their own `updated_at`."""
    was_published = ActivityTombstone.objects.filter(activity_id=OuterRef("activity_id"))
    return (
        Occurrence.objects.filter(Q(activity__status=PUBLISHED) | Exists(was_published))
        .annotate(
            rpde_modified=Greatest(
                F("updated_at"), Coalesce(F("schedule__updated_at"), F("updated_at"))
            )
        )
        .filter(_after("rpde_modified", "id", after))
        .select_related("activity", "schedule")
        .order_by("rpde_modified", "id")[:size]
    )


def upcoming_sessions(
    *, activity: Activity, now: datetime.datetime, limit: int
) -> list[Occurrence]:
    """The activity's next sessions (cancelled ones too: a calendar shows them so)."""
    return list(
        activity.occurrences.filter(end__gt=now)
        .select_related("schedule")
        .order_by("start", "id")[:limit]
    )
