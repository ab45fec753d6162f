"""Points on the sphere and who is within reach: the one home of the engine's geometry.

Distances are great-circle arcs between 3-D unit vectors (a dot product, so a matrix product
for many pairs). `reach_cap` bounds a group of homes and their reach by one spherical cap: the
batch engine takes a group's venues from it, and the services take a region's candidates."""

from __future__ import annotations

import dataclasses

import numpy as np

from activities.geo import EARTH_RADIUS_KM


def unit_vectors(lat: np.ndarray, lng: np.ndarray) -> np.ndarray:
    """Points as 3-D unit vectors: great-circle distances become a matrix product."""
    phi, lmb = np.radians(lat), np.radians(lng)
    cos_phi = np.cos(phi)
    return np.stack([cos_phi * np.cos(lmb), cos_phi * np.sin(lmb), np.sin(phi)], axis=-1)


def latlng(xyz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Degrees of latitude and longitude of 3-D unit vectors."""
    lat = np.degrees(np.arcsin(np.clip(xyz[..., 2], -1.0, 1.0)))
    return lat, np.degrees(np.arctan2(xyz[..., 1], xyz[..., 0]))


def arc_km(dot: np.ndarray) -> np.ndarray:
    """Great-circle distances (km) from the dot products of unit vectors."""
    return EARTH_RADIUS_KM * np.arccos(np.clip(dot, -1.0, 1.0))


@dataclasses.dataclass(frozen=True)
class Cap:
    """A spherical cap: the unit vectors at most `angle` radians from `centre`."""

    centre: np.ndarray  # unit vector
    angle: float  # radians, at most pi

    def holds(self, xyz: np.ndarray) -> np.ndarray:
        return xyz @ self.centre >= np.cos(self.angle)


def reach_cap(xyz: np.ndarray, reach_km: np.ndarray, *, margin: float = 1.0) -> Cap | None:
    """A cap holding every point within the longest of `reach_km` of any of these points
    (unit vectors): centred on their mean direction, as wide as their spread around it plus
    that reach, times `margin`. A superset of what each point reaches, so that a caller can
    narrow many candidates at once and leave the exact test to the engine. None when the
    points have no mean direction (they cancel out): anything may be in reach."""
    centre = xyz.sum(axis=0)
    length = float(np.linalg.norm(centre))
    if length < 1e-9:
        return None
    centre = centre / length
    spread = float(np.arccos(np.clip((xyz @ centre).min(), -1.0, 1.0)))
    angle = (spread + float(np.max(reach_km)) / EARTH_RADIUS_KM) * margin + 1e-9
    return Cap(centre, min(angle, float(np.pi)))
