"""Reads of the territories: which commune holds a point, and which territories a code names.

The territories (communes, EPCIs, départements) are reference data seeded by migrations; their
outlines are read from the database the first time a process tests a point against them.
"""

from __future__ import annotations

import functools

from django.db.models import Max, Min, Q

from activities import choices
from activities.geo import geometry_contains
from activities.models import Territory


def territory_for_point(*, lat: float, lng: float) -> Territory | None:
    """The commune whose outline contains the point (bounding boxes first, then shapes), with
    its parent loaded. An outline is read only the first time the process tests it."""
    candidates = (
        Territory.objects.filter(
            kind=choices.TerritoryKind.COMMUNE,
            min_lat__lte=lat,
            max_lat__gte=lat,
            min_lng__lte=lng,
            max_lng__gte=lng,
            boundary__isnull=False,
        )
        .select_related("parent")
        .only("insee_code", "name", "parent__parent")
    )
    for territory in candidates:
        if geometry_contains(key=territory.pk, geometry=_outline(territory.pk), lat=lat, lng=lng):
            return territory
    return None


def territories_for_points(points: list[tuple[float, float]]) -> list[Territory | None]:
    """`territory_for_point` for many (lat, lng) points with one query: the communes whose
    boxes meet the points' box, then each point tested against the boxes and outlines."""
    if not points:
        return []
    lats, lngs = [lat for lat, _ in points], [lng for _, lng in points]
    communes = list(
        Territory.objects.filter(
            kind=choices.TerritoryKind.COMMUNE,
            min_lat__lte=max(lats),
            max_lat__gte=min(lats),
            min_lng__lte=max(lngs),
            max_lng__gte=min(lngs),
            boundary__isnull=False,
        )
        .select_related("parent")
        .only("insee_code", "name", "min_lat", "max_lat", "min_lng", "max_lng", "parent__parent")
        .order_by("pk")
    )
    found: list[Territory | None] = []
    for lat, lng in points:
        found.append(
            next(
                (
                    commune
                    for commune in communes
                    if commune.min_lat <= lat <= commune.max_lat
                    and commune.min_lng <= lng <= commune.max_lng
                    and geometry_contains(
                        key=commune.pk, geometry=_outline(commune.pk), lat=lat, lng=lng
                    )
                ),
                None,
            )
        )
    return found


def _outline(pk: int):
    return functools.partial(Territory.objects.values_list("boundary", flat=True).get, pk=pk)


# Territories change only with migrations: the box is read once per process.
@functools.cache
def _communes_box() -> tuple[float, float, float, float] | None:
    """The box around every commune outline: points outside it skip the territory lookup."""
    box = Territory.objects.filter(kind=choices.TerritoryKind.COMMUNE).aggregate(
        Min("min_lat"), Max("max_lat"), Min("min_lng"), Max("max_lng")
    )
    values = tuple(box.values())
    return None if None in values else values


def territories_at(*, lat: float, lng: float) -> list[int]:
    """The ids of the commune whose outline holds the point, its EPCI and its département."""
    box = _communes_box()
    if box is None or not (box[0] <= lat <= box[1] and box[2] <= lng <= box[3]):
        return []
    commune = territory_for_point(lat=lat, lng=lng)
    if commune is None:
        return []
    department = commune.parent.parent_id if commune.parent else None
    return [t for t in (commune.pk, commune.parent_id, department) if t is not None]


def territories_named(code: str) -> list[int]:
    """A commune, or an EPCI / département with the communes under it, by INSEE code."""
    return list(
        Territory.objects.filter(
            Q(insee_code=code) | Q(parent__insee_code=code) | Q(parent__parent__insee_code=code)
        ).values_list("id", flat=True)
    )
