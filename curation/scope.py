"""A curator's scope: the territories a user curates, with every territory under them.

A curator is a member (owner or editor) of an organization that curates territories
(`Organization.territories`, set by staff: a municipality, an intercommunality or a
département). Curating an EPCI or a département covers its communes. Staff cover everything.
Each reader narrows its QuerySet with the scope's methods, so the territory is a condition of
the query itself: nothing outside the scope is read and then dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
from activities.models import Activity, Organization, Place, Territory
from backend.errors import PermissionDenied


@dataclass(frozen=True)
class CuratorScope:
    everything: bool
    territory_ids: frozenset[int]
    organization_ids: frozenset[int]

    @property
    def is_curator(self) -> bool:
        return self.everything or bool(self.territory_ids)

    def covers(self, territory_id: int | None) -> bool:
        return self.everything or territory_id in self.territory_ids

    def territories(self, territories: QuerySet[Territory]) -> QuerySet[Territory]:
        return territories if self.everything else territories.filter(pk__in=self.territory_ids)

    def activities(self, activities: QuerySet[Activity]) -> QuerySet[Activity]:
        """Activities held in the scope, and remote ones whose service area reaches into it."""
        if self.everything:
            return activities
        served = Activity.service_area.through.objects.filter(
            territory_id__in=self.territory_ids
        ).values("activity_id")
        return activities.filter(Q(territory_id__in=self.territory_ids) | Q(pk__in=served))

    def places(self, places: QuerySet[Place]) -> QuerySet[Place]:
        return places if self.everything else places.filter(territory_id__in=self.territory_ids)

    def organizations(self, organizations: QuerySet[Organization]) -> QuerySet[Organization]:
        """Organizations with a place or an activity in the scope."""
        if self.everything:
            return organizations
        with_place = self.places(Place.objects.all()).values("organization_id")
        with_activity = self.activities(Activity.objects.all()).values("organization_id")
        return organizations.filter(Q(pk__in=with_place) | Q(pk__in=with_activity))


def territory_and_above(territory: Territory) -> list[int]:
    """The territory's id, then its parent's and its grandparent's (a commune's EPCI and
    département), nearest first."""
    ids = [territory.pk]
    parent = territory.parent
    while parent is not None and parent.pk not in ids:
        ids.append(parent.pk)
        parent = parent.parent
    return ids


def curating_organization(*, scope: CuratorScope, territory: Territory) -> Organization | None:
    """The organization a curator acts in the name of for `territory` (a collection, an
    indicator): their own curating organization nearest it (the commune's before its EPCI's);
    for staff curating through none of theirs, the organization nearest it that curates it;
    None when there is none."""
    above = territory_and_above(territory)
    pools: list[frozenset[int] | None] = [scope.organization_ids]
    if scope.everything:
        pools.append(None)  # any organization
    for pool in pools:
        candidates = Organization.objects.filter(territories__in=above)
        if pool is not None:
            candidates = candidates.filter(pk__in=pool)
        nearest: dict[int, int] = {}  # territory -> the first organization curating it
        pairs = candidates.values_list("pk", "territories").order_by("pk")
        for organization_id, territory_id in pairs:
            nearest.setdefault(territory_id, organization_id)
        for territory_id in above:
            if territory_id in nearest:
                return Organization.objects.get(pk=nearest[territory_id])
    return None


NOTHING = CuratorScope(everything=False, territory_ids=frozenset(), organization_ids=frozenset())


def curator_scope(user: User) -> CuratorScope:
    """What `user` curates: two queries, none for an anonymous user."""
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    curating = Organization.objects.filter(memberships__user=user, territories__isnull=False)
    organization_ids = frozenset(curating.values_list("pk", flat=True))
    if user.is_staff:
        return CuratorScope(
            everything=True, territory_ids=frozenset(), organization_ids=organization_ids
        )
    if not organization_ids:
        return NOTHING
    curated = Territory.objects.filter(curating_organizations__in=organization_ids).values("pk")
    territory_ids = Territory.objects.filter(
        Q(pk__in=curated) | Q(parent__in=curated) | Q(parent__parent__in=curated)
    ).values_list("pk", flat=True)
    return CuratorScope(
        everything=False,
        territory_ids=frozenset(territory_ids),
        organization_ids=organization_ids,
    )


def require_curator(user: User) -> CuratorScope:
    """The user's scope; `PermissionDenied` when they curate nothing."""
    scope = curator_scope(user)
    if not scope.is_curator:
        raise PermissionDenied(_("Only the curators of a territory can do this."))
    return scope
