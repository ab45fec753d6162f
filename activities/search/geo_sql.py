"""Distances and earthdistance values as SQL: the haversine on both databases, and on
PostgreSQL the cube literals of points and boxes that its GiST indexes compare with.

Distances are great-circle distances on the mean Earth radius (activities.geo), computed in SQL
with the same haversine formula on both databases, so "within 5 km" means the same everywhere.
"""

from __future__ import annotations

import math

from activities import geo

# earth_box works on earthdistance's sphere (radius earth() = 6378.168 km): scale the radius so
# the box always holds the whole circle measured on our sphere; the exact test follows.
EARTH_BOX_KM = 6378.168
_EARTH_M = EARTH_BOX_KM * 1000
BOX_MARGIN = 1.001


def distance_sql(lat: float, lng: float, *, table: str = "a") -> tuple[str, list]:
    """Haversine distance (km) from the point to the coordinates of `table` (an alias)."""
    phi, lmb = math.radians(lat), math.radians(lng)
    return (
        f"({2 * geo.EARTH_RADIUS_KM!r} * ASIN(SQRT("
        f"POWER(SIN((RADIANS({table}.lat) - %s) / 2), 2) + "
        f"%s * COS(RADIANS({table}.lat)) * POWER(SIN((RADIANS({table}.lng) - %s) / 2), 2))))",
        [phi, math.cos(phi), lmb],
    )


def _earth_point(lat: float, lng: float) -> tuple[float, float, float]:
    """earthdistance's ll_to_earth(lat, lng), computed here with the same formula (the same
    floats: the tests compare them). Called with constants, earthdistance's SQL functions
    are run while planning every query, their bodies parsed and planned on each call, a
    sizeable share of a search's planning."""
    phi, lmb = math.radians(lat), math.radians(lng)
    return (
        _EARTH_M * math.cos(phi) * math.cos(lmb),
        _EARTH_M * math.cos(phi) * math.sin(lmb),
        _EARTH_M * math.sin(phi),
    )


def _cube(*corners: tuple[float, ...]) -> str:
    """A cube literal: a point, or a box from its lower and upper corners."""
    return ",".join("(" + ", ".join(repr(value) for value in corner) + ")" for corner in corners)


def earth_point_sql(lat: float, lng: float) -> tuple[str, list]:
    """ll_to_earth(lat, lng) as a literal."""
    return "%s::cube", [_cube(_earth_point(lat, lng))]


def earth_box_sql(lat: float, lng: float, radius_m: float) -> tuple[str, list]:
    """earth_box(ll_to_earth(lat, lng), radius_m) as a literal: the point's cube enlarged by
    the chord of the radius (gc_to_sec)."""
    point = _earth_point(lat, lng)
    chord = 2 * _EARTH_M * math.sin(min(radius_m / (2 * _EARTH_M), math.pi / 2))
    return "%s::cube", [_cube(tuple(v - chord for v in point), tuple(v + chord for v in point))]


def circle_box_sql(lat: float, lng: float, radius_km: float) -> tuple[str, list]:
    """The earth box holding the circle of `radius_km` (on our sphere) around the point."""
    return earth_box_sql(
        lat, lng, radius_km * 1000 * EARTH_BOX_KM / geo.EARTH_RADIUS_KM * BOX_MARGIN
    )


def knn_sql(lat: float, lng: float) -> tuple[str, list]:
    """PostgreSQL: GiST nearest-first order on ll_to_earth(lat, lng)."""
    point, args = earth_point_sql(lat, lng)
    return f"(ll_to_earth(a.lat, a.lng) <-> {point})", args
