"""The moderation queue: what waits for a curator's decision in their territories.

Three kinds of item, all narrowed by the curator's scope inside the query:
- activities submitted for review (`pending`);
- published activities that residents reported at least `RAISED_AT_REPORTS` times (open
  reports): these are raised above every other item;
- organizations not verified that have something in the scope and an activity waiting for
  review: verifying them is the decision asked (their later submissions publish at once).

Order: raised items first, then the longest waiting first. An activity waits since it
entered `pending` (read from the audit trail; its last update when the trail has no such
row), a reported activity since its oldest open report, an organization since the longest
waiting of its activities entered `pending`. Pages are cut by the sort key of the last item
(`QueueKey`), taken from both kinds in the same order and merged, so a page costs two
bounded queries whatever the queue's length.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Literal

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from activities import choices as directory
from activities import taxonomy
from activities.models import Activity, Organization, Place, Territory
from curation.choices import ReportStatus
from curation.models import Report
from curation.scope import CuratorScope

Status = directory.ActivityStatus
Kind = Literal["activity", "organization"]
KINDS: tuple[Kind, ...] = ("activity", "organization")

# Open reports from which a published activity comes back to the queue, above the rest.
RAISED_AT_REPORTS = 2

# What the queue's `status` filter takes: an activity's status, or `unverified` for the
# organizations waiting for verification.
UNVERIFIED = "unverified"
QUEUE_STATUSES = (Status.PENDING.value, Status.PUBLISHED.value, UNVERIFIED)


@dataclass(frozen=True)
class QueueFilters:
    kind: Kind | None = None
    territory: Territory | None = None  # within the scope (the caller checks it)
    category: str | None = None  # a slug; a top category includes its sub-categories
    organization: str | None = None  # a slug
    status: str | None = None  # one of QUEUE_STATUSES
    waiting_more_than_days: int | None = None


@dataclass(frozen=True)
class QueueKey:
    """Where an item sorts: raised first, then the longest waiting, then by kind and id."""

    raised: bool
    waiting_since: datetime.datetime
    kind: Kind
    pk: int

    def sort_value(self) -> tuple:
        return (not self.raised, self.waiting_since, KINDS.index(self.kind), self.pk)


@dataclass(frozen=True)
class QueuePage:
    items: list[Model]  # Activity or Organization rows with `open_reports`, `raised`,
    # `waiting_since` and `queue_kind` annotated
    after: QueueKey | None  # where the next page starts; None on the last page


def key_of(item: Model) -> QueueKey:
    return QueueKey(
        raised=bool(item.raised),
        waiting_since=item.waiting_since,
        kind=item.queue_kind,
        pk=item.pk,
    )


def _history():
    return Activity.history.model


def entered_pending() -> Subquery:
    """When the activity last entered `pending`: its first pending row of the trail after
    the last row in any other status (rows in the order they were written: two rows of one
    instant keep their order)."""
    rows = _history().objects
    left_pending = (
        rows.filter(id=OuterRef("id"))
        .exclude(status=Status.PENDING)
        .order_by("-history_id")
        .values("history_id")[:1]
    )
    return Subquery(
        rows.filter(id=OuterRef("pk"), status=Status.PENDING)
        .filter(history_id__gt=Coalesce(Subquery(left_pending), 0))
        .order_by("history_id")
        .values("history_date")[:1],
        output_field=DateTimeField(),
    )


def _open_reports() -> QuerySet[Report]:
    return Report.objects.filter(activity=OuterRef("pk"), status=ReportStatus.OPEN)


def _territory_ids(territory: Territory) -> QuerySet[Territory]:
    """The territory and every territory under it (an EPCI's or a département's communes)."""
    return Territory.objects.filter(
        Q(pk=territory.pk) | Q(parent=territory.pk) | Q(parent__parent=territory.pk)
    ).values("pk")


def _category_ids(slug: str) -> tuple[int, ...]:
    return taxonomy.current().ids_under(slug) or (-1,)


def _filter_activities(activities: QuerySet[Activity], filters: QueueFilters) -> QuerySet:
    if filters.territory is not None:
        served = Activity.service_area.through.objects.filter(
            territory_id__in=_territory_ids(filters.territory)
        ).values("activity_id")
        activities = activities.filter(
            Q(territory_id__in=_territory_ids(filters.territory)) | Q(pk__in=served)
        )
    if filters.category:
        tagged = Activity.categories.through.objects.filter(
            category_id__in=_category_ids(filters.category)
        ).values("activity_id")
        activities = activities.filter(pk__in=tagged)
    if filters.organization:
        activities = activities.filter(organization__slug=filters.organization)
    return activities


def queue_activities(*, scope: CuratorScope, filters: QueueFilters) -> QuerySet[Activity]:
    """The activities of the queue, each annotated with `open_reports`, `raised` (1 or 0),
    `waiting_since` and `queue_kind`, in queue order."""
    open_reports = Coalesce(
        Subquery(
            _open_reports().values("activity").annotate(n=Count("pk")).values("n"),
            output_field=IntegerField(),
        ),
        0,
    )
    activities = (
        scope.activities(Activity.objects.all())
        .annotate(open_reports=open_reports)
        .filter(
            Q(status=Status.PENDING)
            | Q(status=Status.PUBLISHED, open_reports__gte=RAISED_AT_REPORTS)
        )
        .annotate(
            raised=Case(
                When(open_reports__gte=RAISED_AT_REPORTS, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            waiting_since=Case(
                When(
                    status=Status.PENDING,
                    then=Coalesce(entered_pending(), "updated_at", output_field=DateTimeField()),
                ),
                default=Coalesce(
                    Subquery(
                        _open_reports().order_by("created_at").values("created_at")[:1],
                        output_field=DateTimeField(),
                    ),
                    "updated_at",
                    output_field=DateTimeField(),
                ),
                output_field=DateTimeField(),
            ),
            queue_kind=Value("activity"),
        )
    )
    if filters.status in (Status.PENDING, Status.PUBLISHED):
        activities = activities.filter(status=filters.status)
    activities = _filter_activities(activities, filters)
    return activities.select_related("organization", "territory").order_by(
        "-raised", "waiting_since", "pk"
    )


def queue_organizations(*, scope: CuratorScope, filters: QueueFilters) -> QuerySet[Organization]:
    """The organizations of the queue (not verified, with an activity waiting for review in
    the scope), annotated as `queue_activities`' rows, with `commune_id` (the commune of its
    first place in the scope, else of its first activity there), in queue order."""
    waiting = _filter_activities(
        scope.activities(Activity.objects.filter(status=Status.PENDING)), filters
    )
    first_submitted = (
        waiting.filter(organization=OuterRef("pk"))
        .annotate(entered=entered_pending())
        .order_by(F("entered").asc(nulls_last=True))
        .values("entered")[:1]
    )
    first_place = (
        scope.places(Place.objects.filter(organization=OuterRef("pk"), territory__isnull=False))
        .order_by("pk")
        .values("territory_id")[:1]
    )
    first_activity = (
        waiting.filter(organization=OuterRef("pk"), territory__isnull=False)
        .order_by("pk")
        .values("territory_id")[:1]
    )
    organizations = (
        scope.organizations(Organization.objects.filter(verified=False))
        .filter(Exists(waiting.filter(organization=OuterRef("pk"))))
        .annotate(
            open_reports=Value(0),
            raised=Value(0),
            waiting_since=Coalesce(
                Subquery(first_submitted, output_field=DateTimeField()),
                "updated_at",
                output_field=DateTimeField(),
            ),
            queue_kind=Value("organization"),
            commune_id=Coalesce(
                Subquery(first_place, output_field=IntegerField()),
                Subquery(first_activity, output_field=IntegerField()),
            ),
        )
    )
    return organizations.order_by("waiting_since", "pk")


def _after(items: QuerySet, kind: Kind, after: QueueKey) -> QuerySet:
    """The items of one kind that sort after `after`."""
    raised = int(after.raised)
    later = Q(raised__lt=raised) | Q(raised=raised, waiting_since__gt=after.waiting_since)
    same_wait = Q(raised=raised, waiting_since=after.waiting_since)
    if kind == after.kind:
        later |= same_wait & Q(pk__gt=after.pk)
    elif KINDS.index(kind) > KINDS.index(after.kind):
        later |= same_wait
    return items.filter(later)


def moderation_queue(
    *,
    scope: CuratorScope,
    filters: QueueFilters,
    size: int,
    after: QueueKey | None = None,
    now: datetime.datetime,
) -> QueuePage:
    """A page of the queue (see the module's docstring) after the key `after`."""
    sources: list[tuple[Kind, QuerySet]] = []
    if filters.kind in (None, "activity") and filters.status != UNVERIFIED:
        sources.append(("activity", queue_activities(scope=scope, filters=filters)))
    if filters.kind in (None, "organization") and filters.status in (None, UNVERIFIED):
        sources.append(("organization", queue_organizations(scope=scope, filters=filters)))
    items: list[Model] = []
    for kind, rows in sources:
        if filters.waiting_more_than_days is not None:
            since = now - datetime.timedelta(days=filters.waiting_more_than_days)
            rows = rows.filter(waiting_since__lt=since)
        if after is not None:
            rows = _after(rows, kind, after)
        items += list(rows[: size + 1])
    items.sort(key=lambda item: key_of(item).sort_value())
    if len(items) > size:
        items = items[:size]
        return QueuePage(items=items, after=key_of(items[-1]))
    return QueuePage(items=items, after=None)
