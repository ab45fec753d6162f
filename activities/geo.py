"""Pure geography helpers: spatial cells, great-circle distances, point in polygon."""

import math
from collections.abc import Callable

import h3
from shapely.geometry import Point, shape
from shapely.prepared import PreparedGeometry, prep

# Resolution 9 cells are about 0.1 km² (edge ~200 m): fine enough to derive coarser cells
# (h3.cell_to_parent) for search and matching without touching the rows again.
PLACE_CELL_RESOLUTION = 9
EARTH_RADIUS_KM = 6371.0088


def cell_of(lat: float, lng: float, resolution: int = PLACE_CELL_RESOLUTION) -> str:
    return h3.latlng_to_cell(lat, lng, resolution)


def bounding_box(lat: float, lng: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lng, max_lng) of a box holding every point within radius_km."""
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    dlng = min(180.0, dlat / max(math.cos(math.radians(lat)), 1e-6))
    return lat - dlat, lat + dlat, lng - dlng, lng + dlng


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle (haversine) distance on the mean Earth radius."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


# Territory outlines change only with reference-data migrations, so prepared shapes are kept
# for the life of the process, keyed by territory id.
_PREPARED: dict[int, PreparedGeometry] = {}


def geometry_contains(
    *, key: int, geometry: dict | Callable[[], dict], lat: float, lng: float
) -> bool:
    """Whether a GeoJSON geometry contains the point (lat, lng). The geometry may be given as
    a function, called only the first time the key is seen (outlines are large to read)."""
    prepared = _PREPARED.get(key)
    if prepared is None:
        prepared = _PREPARED[key] = prep(shape(geometry() if callable(geometry) else geometry))
    return prepared.contains(Point(lng, lat))
