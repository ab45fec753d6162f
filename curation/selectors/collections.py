"""Reads of the curated collections: what residents see, what curators edit, and a published
collection's activities for the search's `collection` filter."""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from accounts.models import User
from activities import choices as activity_choices
from activities.models import Activity, Territory
from curation.choices import CollectionStatus
from curation.models import Collection, CollectionItem
from curation.scope import curator_scope, territory_and_above

PUBLISHED_ACTIVITY = activity_choices.ActivityStatus.PUBLISHED


def collection_visible_to(*, user: User) -> QuerySet[Collection]:
    """Published collections, and the drafts of the territories the user curates."""
    visible = Q(status=CollectionStatus.PUBLISHED)
    scope = curator_scope(user)
    if scope.is_curator:
        visible |= Q(territory__in=scope.territories(Territory.objects.all()))
    return Collection.objects.filter(visible)


def collection_list(*, user: User, territory: str = "") -> QuerySet[Collection]:
    """The collections the user sees (`collection_visible_to`), by title, each with
    `items_count`, the number of its activities that are published. With `territory` (an
    INSEE code): the collections of that territory and of those above it (a commune's EPCI
    and département); none when the code names no territory, as in search."""
    collections = collection_visible_to(user=user)
    if territory:
        found = Territory.objects.select_related("parent__parent").filter(insee_code=territory)
        named = found.first()
        if named is None:
            return collections.none()
        collections = collections.filter(territory__in=territory_and_above(named))
    return (
        collections.select_related("territory", "organization")
        .annotate(items_count=Count("items", filter=Q(items__activity__status=PUBLISHED_ACTIVITY)))
        .order_by("title", "id")
    )


def collection_items(*, collection: Collection, published_only: bool) -> QuerySet[CollectionItem]:
    """The collection's items in their order; `published_only` leaves out those whose activity
    is not published (what residents see)."""
    items = collection.items.select_related("activity").order_by("position", "id")
    if published_only:
        items = items.filter(activity__status=PUBLISHED_ACTIVITY)
    return items


def collection_curated_by(*, user: User, collection: Collection) -> bool:
    """Whether the user curates the collection's territory (edits it, sees it as a draft)."""
    return curator_scope(user).covers(collection.territory_id)


def collection_activity_ids(*, slug: str) -> list[int] | None:
    """The activities of the published collection `slug`, in its order; None when no published
    collection has this slug. Whether each is published is the search's business."""
    collection = (
        Collection.objects.filter(slug=slug, status=CollectionStatus.PUBLISHED).only("pk").first()
    )
    if collection is None:
        return None
    return list(collection.items.order_by("position", "id").values_list("activity_id", flat=True))


def activities_of_territory(*, territory: Territory) -> QuerySet[Activity]:
    """The activities a collection of `territory` may hold: those taking place in it or in a
    territory under it, and those whose service area holds it, a territory under it or one
    above it (a phone line for the département serves each of its communes)."""
    below = Territory.objects.filter(
        Q(pk=territory.pk) | Q(parent=territory.pk) | Q(parent__parent=territory.pk)
    ).values("pk")
    served = Activity.service_area.through.objects.filter(
        Q(territory__in=below) | Q(territory__in=territory_and_above(territory)),
        activity=OuterRef("pk"),
    )
    return Activity.objects.filter(Q(territory__in=below) | Exists(served))
