"""The coverage of a curated territory: what is published there, and who lives near it.

`territory_coverage` reads the territory's published activities (held in the territory or a
territory under it, or serving it from a distance) in two queries, and the communes' cells
from this process's cache (outlines change only with migrations); the distances are computed
by the pure `curation.coverage_grid`. Who may read a territory's coverage is the caller's
concern (`curation.scope`).

Only the territory's own activities count, as everywhere in a curator's scope: an activity
just across the border, in a commune the curator does not curate, does not reach anyone here.
"""

from __future__ import annotations

import csv
import functools
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.core.cache import cache
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from activities import choices, taxonomy
from activities.models import Activity, Category, Territory
from curation import coverage_grid as grid_module
from curation.models import Indicator, IndicatorValue

COMMUNES_CSV = Path(choices.__file__).resolve().parent / "data" / "communes-44.csv"
SUPPORT_FLAGS = choices.ACCESSIBILITY_FLAGS


def territory_and_below(territory: Territory) -> Q:
    """The territory, its children and their children (a département's EPCIs' communes)."""
    return Q(pk=territory.pk) | Q(parent=territory.pk) | Q(parent__parent=territory.pk)


def territory_activities(*, territory: Territory) -> QuerySet[Activity]:
    """Published activities held in the territory or under it, or serving it from afar."""
    below = Territory.objects.filter(territory_and_below(territory)).values("pk")
    served = Activity.service_area.through.objects.filter(territory_id__in=below).values(
        "activity_id"
    )
    return Activity.objects.filter(status=choices.ActivityStatus.PUBLISHED).filter(
        Q(territory_id__in=below) | Q(pk__in=served)
    )


# --- the communes' cells, per process ---------------------------------------------------------


@functools.cache
def _centroids() -> dict[str, tuple[float, float]]:
    """The centre of each commune of the reference data, where its outline is unknown."""
    with COMMUNES_CSV.open(encoding="utf-8") as handle:
        return {
            row["insee"]: (float(row["lat"]), float(row["lng"])) for row in csv.DictReader(handle)
        }


# Each process keeps the cells it has seen; the shared cache spares a new process (a web
# worker just started) from computing them again from the outlines.
_CELLS: dict[str, grid_module.CommuneCells] = {}
CELLS_CACHE_PREFIX = "curation:cells:v1"
CELLS_CACHE_SECONDS = 30 * 24 * 3600
_CELLS_LOCK = threading.Lock()


def _commune_cells(communes: list[dict]) -> list[grid_module.CommuneCells]:
    """Each commune's cells: from this process's memory, else from the shared cache, else
    computed from its outline (and shared). Keyed by id and bounding box: an outline that
    changes moves its box."""
    key_of = {
        row["pk"]: ":".join(
            map(
                str,
                (
                    CELLS_CACHE_PREFIX,
                    grid_module.RESOLUTION,
                    row["pk"],
                    row["outlined"],
                    row["min_lat"],
                    row["min_lng"],
                    row["max_lat"],
                    row["max_lng"],
                ),
            )
        )
        for row in communes
    }
    missing = [row for row in communes if key_of[row["pk"]] not in _CELLS]
    if missing:
        shared = cache.get_many([key_of[row["pk"]] for row in missing])
        with _CELLS_LOCK:
            for key, (cells, lat, lng) in shared.items():
                _CELLS[key] = grid_module.CommuneCells(
                    cells=np.frombuffer(cells, dtype=np.uint64),
                    lat=np.frombuffer(lat, dtype=np.float64),
                    lng=np.frombuffer(lng, dtype=np.float64),
                )
        missing = [row for row in missing if key_of[row["pk"]] not in _CELLS]
    if missing:
        outlines = dict(
            Territory.objects.filter(pk__in=[row["pk"] for row in missing]).values_list(
                "pk", "boundary"
            )
        )
        computed = {}
        for row in missing:
            lat, lng = _centre(row)
            computed[key_of[row["pk"]]] = grid_module.commune_cells(
                boundary=outlines.get(row["pk"]), lat=lat, lng=lng
            )
        with _CELLS_LOCK:
            _CELLS.update(computed)
        cache.set_many(
            {
                key: (cells.cells.tobytes(), cells.lat.tobytes(), cells.lng.tobytes())
                for key, cells in computed.items()
            },
            timeout=CELLS_CACHE_SECONDS,
        )
    return [_CELLS[key_of[row["pk"]]] for row in communes]


def _centre(row: dict) -> tuple[float | None, float | None]:
    if row["min_lat"] is not None:
        return (row["min_lat"] + row["max_lat"]) / 2, (row["min_lng"] + row["max_lng"]) / 2
    return _centroids().get(row["insee_code"], (None, None))


def forget(*, shared: bool = False) -> None:
    """Drop this process's cells; with `shared`, the shared cache's copies of them too."""
    with _CELLS_LOCK:
        if shared:
            cache.delete_many(list(_CELLS))
        _CELLS.clear()


def population_grid(*, territory: Territory) -> grid_module.PopulationGrid:
    """The territory's communes (itself when it is one) over their cells."""
    communes = list(
        Territory.objects.filter(territory_and_below(territory), kind=choices.TerritoryKind.COMMUNE)
        .annotate(
            outlined=ExpressionWrapper(Q(boundary__isnull=False), output_field=BooleanField())
        )
        .order_by("pk")
        .values(
            "pk", "insee_code", "population", "outlined", "min_lat", "min_lng", "max_lat", "max_lng"
        )
    )
    cells = _commune_cells(communes)
    return grid_module.population_grid(
        (row["pk"], row["population"], commune)
        for row, commune in zip(communes, cells, strict=True)
    )


# --- the coverage -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Published:
    """The territory's published activities as the counts and the distances need them."""

    rows: list[tuple]
    tops: dict[int, set[str]]  # activity id -> its top categories' slugs


def _published(territory: Territory) -> _Published:
    activities = territory_activities(territory=territory)
    rows = list(
        activities.values_list(
            "pk",
            "audiences_mask",
            "attendance_mode",
            "lat",
            "lng",
            "place__wheelchair",
            *(f"place__{flag}_support" for flag in SUPPORT_FLAGS),
        )
    )
    snapshot = taxonomy.current()
    top_slug = {pk: snapshot.slugs[column] for pk, column in snapshot.top_column_of.items()}
    tops: dict[int, set[str]] = {}
    links = Activity.categories.through.objects.filter(activity__in=activities).values_list(
        "activity_id", "category_id"
    )
    for activity_id, category_id in links:
        if category_id in top_slug:
            tops.setdefault(activity_id, set()).add(top_slug[category_id])
    return _Published(rows=rows, tops=tops)


def _counts(published: _Published, top_slugs: list[str]) -> dict:
    by_category = dict.fromkeys(top_slugs, 0)
    by_category.update(Counter(slug for slugs in published.tops.values() for slug in slugs))
    columns = list(zip(*published.rows, strict=True)) or [()] * (6 + len(SUPPORT_FLAGS))
    masks, modes, access, flags = columns[1], columns[2], columns[5], columns[6:]
    by_audience = dict.fromkeys(choices.AUDIENCES, 0)
    # Few distinct masks: each is decoded once.
    for mask, count in Counter(masks).items():
        for audience in choices.values_of(mask, choices.AUDIENCES):
            by_audience[audience] += count
    by_mode = dict.fromkeys(choices.AttendanceMode.values, 0)
    by_mode.update(Counter(modes))
    wheelchair = dict.fromkeys(choices.WheelchairAccess.values, 0)
    wheelchair.update(Counter(value for value in access if value is not None))
    support = {
        flag: sum(map(bool, column)) for flag, column in zip(SUPPORT_FLAGS, flags, strict=True)
    }
    return {
        "total": len(published.rows),
        "with_venue": sum(value is not None for value in access),
        "by_category": by_category,
        "by_audience": by_audience,
        "by_attendance_mode": by_mode,
        "accessibility": {"wheelchair": wheelchair, "support": support},
    }


def _points(published: _Published) -> dict[str, np.ndarray]:
    """The venues' points per top category, of the activities one can go to."""
    remote = set(choices.REMOTE_MODES)
    points: dict[str, list[tuple[float, float]]] = {}
    for pk, _audiences, mode, lat, lng, *_place in published.rows:
        if lat is None or lng is None or mode in remote:
            continue
        for slug in published.tops.get(pk, ()):
            points.setdefault(slug, []).append((lat, lng))
    return {slug: np.array(rows, dtype=float) for slug, rows in points.items()}


def indicator_values(*, indicator: Indicator) -> dict[int, float]:
    """The indicator's value per commune id."""
    return dict(
        IndicatorValue.objects.filter(indicator=indicator).values_list("territory_id", "value")
    )


def category_names(language: str | None = None) -> dict[str, str]:
    """Top category slug -> name in `language` (the request's by default), plus "any"."""
    snapshot = taxonomy.current()
    language = language or get_language() or "fr"
    names = {
        slug: snapshot.name(slug, language)
        for slug, parent in zip(snapshot.slugs, snapshot.parent_ids, strict=True)
        if parent is None
    }
    return {**names, grid_module.ANY: _("Any activity")}


def top_category_slugs() -> list[str]:
    """The top categories in the taxonomy's order, as the coverage lists them."""
    return list(
        Category.objects.filter(parent__isnull=True)
        .order_by("position", "slug")
        .values_list("slug", flat=True)
    )


@dataclass(frozen=True)
class CoverageParts:
    """What the figures and the map of a territory's coverage are made of."""

    grid: grid_module.PopulationGrid
    published: _Published
    points: dict[str, np.ndarray]
    coverage: dict[str, grid_module.CategoryCoverage]  # per category with a venue, and "any"


def coverage_parts(*, territory: Territory, category: str | None = None) -> CoverageParts:
    """The grid, the activities and their reach: of every category, or of `category` alone
    (a top category's slug, or "any")."""
    published = _published(territory)
    grid = population_grid(territory=territory)
    points = _points(published)
    coverage = grid_module.category_coverage(
        grid=grid, points=points, keys=None if category is None else [category]
    )
    return CoverageParts(
        grid=grid,
        published=published,
        points=points,
        coverage={item.key: item for item in coverage},
    )


def reached_by(parts: CoverageParts, key: str) -> dict[float, np.ndarray]:
    """The rows reached by a category's venues (none when it has no venue)."""
    nobody = np.zeros(parts.grid.size, dtype=bool)
    item = parts.coverage.get(key)
    return item.reached if item else dict.fromkeys(grid_module.RADII_KM, nobody)


def territory_coverage(
    *, territory: Territory, indicator: Indicator | None = None, gap_category: str = grid_module.ANY
) -> dict:
    """What is published in the territory and how near its people live to it.

    Plain data: `activities` (counts by top category, audience, attendance mode, wheelchair
    access and support flags), `coverage` (per top category, then "any": venues, population
    within each radius and its share, the same weighted by the indicator when given, the
    population in gaps), `gaps` (the gap grid of `gap_category`, a top category or "any":
    the H3 cells, compacted, with people and no venue within `gap_radius_km`, with their
    population; thousands of cells for a département, hence one category at a time), and the
    grid's parameters.
    """
    top_slugs = top_category_slugs()
    parts = coverage_parts(territory=territory)
    grid = parts.grid
    weights = None
    indicator_info = None
    if indicator is not None:
        values = indicator_values(indicator=indicator)
        weights = grid_module.indicator_weights(grid, values)
        communes = set(grid.commune.tolist())
        indicator_info = {
            "slug": indicator.slug,
            "title": indicator.title,
            "source": indicator.source,
            "communes_with_value": len(communes & set(values)),
            "communes_without_value": len(communes - set(values)),
        }
    names = category_names()
    rows: list[dict] = []
    gaps = {"category": gap_category, "population": 0, "cells": []}
    for key in [*top_slugs, grid_module.ANY]:
        reached = reached_by(parts, key)
        venues = parts.coverage[key].points if key in parts.coverage else 0
        row: dict = {"category": key, "name": names.get(key, key), "venues": venues}
        shares = grid_module.weighted_shares(weights=grid.population, reached=reached)
        weighted = (
            grid_module.weighted_shares(weights=weights, reached=reached)
            if weights is not None
            else None
        )
        for radius in grid_module.RADII_KM:
            label = grid_module.radius_label(radius)
            row[f"population_{label}"] = round(float(grid.population[reached[radius]].sum()))
            row[f"share_{label}"] = shares[radius]
            row[f"weighted_share_{label}"] = weighted[radius] if weighted else None
        out_of_reach = ~reached[grid_module.GAP_RADIUS_KM]
        row["gap_population"] = round(float(grid.population[out_of_reach].sum()))
        if key == gap_category:
            cells, population = grid_module.gap_cells(grid, reached[grid_module.GAP_RADIUS_KM])
            cells, population = grid_module.compact(cells, population)
            gaps = {
                "category": key,
                "population": row["gap_population"],
                "cells": [
                    {"cell": cell, "population": value}
                    for cell, value in zip(
                        grid_module.cell_text(cells), population.round(1).tolist(), strict=True
                    )
                ],
            }
        rows.append(row)
    return {
        "territory": territory,
        "population": round(float(grid.population.sum())),
        "resolution": grid_module.RESOLUTION,
        "radii_km": list(grid_module.RADII_KM),
        "gap_radius_km": grid_module.GAP_RADIUS_KM,
        "activities": _counts(parts.published, top_slugs),
        "indicator": indicator_info,
        "coverage": rows,
        "gaps": gaps,
    }
