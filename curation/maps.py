"""The coverage of a territory as a PNG map, for the municipality (matplotlib, Agg backend).

Commune outlines, the gap cells shaded (people with no venue of the category within the gap
radius), the venues as points, a legend, a title and the sources. The projection is
equirectangular at the territory's mean latitude: true to scale at a commune's or a
département's size.
"""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING

import numpy as np
from django.utils.translation import gettext as _

from activities import choices
from activities.models import Territory
from curation import coverage_grid as grid_module
from curation.models import Indicator
from curation.selectors.coverage import (
    category_names,
    coverage_parts,
    indicator_values,
    reached_by,
    territory_and_below,
)

if TYPE_CHECKING:
    from matplotlib.path import Path

# matplotlib is imported where a map is drawn, not with the module: every web worker imports
# this one, and few of their requests ever draw a map.

WIDTH_PX, HEIGHT_PX, DPI = 1200, 1000, 100
GAP_COLOR = "#d7301f"
VENUE_COLOR = "#08519c"
OUTLINE_COLOR = "#636363"


def _rings(geometry: dict | None) -> list[np.ndarray]:
    """The outer and inner rings of a GeoJSON Polygon or MultiPolygon, as (lng, lat) arrays."""
    if not geometry:
        return []
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    return [np.asarray(ring, dtype=float)[:, :2] for polygon in polygons for ring in polygon]


def _classes(weights: np.ndarray):
    """Three classes of gap cells by weight (terciles): ((low, high), alpha, members)."""
    if weights.size == 0:
        return []
    edges = np.unique(np.quantile(weights, [0, 1 / 3, 2 / 3, 1]))
    if edges.size == 1:
        return [((edges[0], edges[0]), 0.55, np.ones(weights.size, dtype=bool))]
    classes = np.clip(np.searchsorted(edges, weights, side="right") - 1, 0, edges.size - 2)
    alphas = np.linspace(0.3, 0.8, edges.size - 1)
    return [
        ((edges[k], edges[k + 1]), float(alphas[k]), classes == k)
        for k in range(edges.size - 1)
        if (classes == k).any()
    ]


def _compound_path(polygons: list[list[np.ndarray]]) -> Path:
    """One path of many polygons with holes (GeoJSON rings: outer counter-clockwise, holes
    clockwise, which the non-zero winding rule fills right)."""
    from matplotlib.path import Path

    vertices, codes = [], []
    for polygon in polygons:
        for ring in polygon:
            ring = np.asarray(ring, dtype=float)
            vertices.append(np.vstack([ring, ring[:1]]))
            codes.append([Path.MOVETO] + [Path.LINETO] * (len(ring) - 1) + [Path.CLOSEPOLY])
    if not vertices:
        return Path(np.empty((0, 2)))
    return Path(np.concatenate(vertices), np.concatenate(codes))


def territory_coverage_png(
    *, territory: Territory, category: str | None = None, indicator: Indicator | None = None
) -> bytes:
    """The map of the territory's coverage for one top category (every activity when None):
    gap cells shaded (darker where more people, or more of the indicator's weight, live),
    venues as points, commune outlines, legend, title and sources. 1200 x 1000 pixels."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, PathPatch

    key = category or grid_module.ANY
    parts = coverage_parts(territory=territory, category=key)
    grid = parts.grid
    reached = reached_by(parts, key)[grid_module.GAP_RADIUS_KM]
    weights = grid.population
    if indicator is not None:
        weights = grid_module.indicator_weights(grid, indicator_values(indicator=indicator))
    gap = (~reached) & (grid.population > 0)
    cells, inverse = np.unique(grid.cells[gap], return_inverse=True)
    cell_weights = np.bincount(inverse, weights=weights[gap], minlength=cells.size)

    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.03, 0.08, 0.94, 0.84))
    legend = []
    for (low, high), alpha, members in _classes(cell_weights):
        # The cells of a class drawn as their union: a few polygons, not thousands of hexagons.
        path = _compound_path(grid_module.cells_outline(cells[members]))
        # add_artist: the limits are set below; add_patch would walk every vertex for them.
        axes.add_artist(PathPatch(path, facecolor=GAP_COLOR, alpha=alpha, edgecolor="none"))
        legend.append(Patch(facecolor=GAP_COLOR, alpha=alpha, label=f"{low:,.0f} – {high:,.0f}"))

    outlines = Territory.objects.filter(
        territory_and_below(territory), kind=choices.TerritoryKind.COMMUNE
    ).values_list("boundary", flat=True)
    rings = [ring for boundary in outlines for ring in _rings(boundary)]
    if not rings:
        rings = _rings(territory.boundary)
    if rings:
        axes.add_collection(
            PolyCollection(rings, facecolors="none", edgecolors=OUTLINE_COLOR, linewidths=0.5)
        )
    venues = parts.points.get(key) if key != grid_module.ANY else None
    if key == grid_module.ANY and parts.points:
        venues = np.concatenate(list(parts.points.values()))
    if venues is not None and venues.size:
        axes.scatter(venues[:, 1], venues[:, 0], s=6, c=VENUE_COLOR, linewidths=0, zorder=3)

    lngs = [ring[:, 0] for ring in rings] + [grid.lng]
    lats = [ring[:, 1] for ring in rings] + [grid.lat]
    all_lng, all_lat = np.concatenate(lngs), np.concatenate(lats)
    if all_lng.size:
        pad_lng = max(np.ptp(all_lng) * 0.03, 0.005)
        pad_lat = max(np.ptp(all_lat) * 0.03, 0.005)
        axes.set_xlim(all_lng.min() - pad_lng, all_lng.max() + pad_lng)
        axes.set_ylim(all_lat.min() - pad_lat, all_lat.max() + pad_lat)
        axes.set_aspect(1 / math.cos(math.radians(float(all_lat.mean()))), adjustable="box")
    axes.set_axis_off()

    name = category_names().get(key, key)
    title = _("%(territory)s: %(category)s, people with no venue within %(radius)s km") % {
        "territory": territory.name,
        "category": name,
        "radius": f"{grid_module.GAP_RADIUS_KM:g}",
    }
    figure.suptitle(title, fontsize=15, y=0.97)
    weight_label = indicator.title if indicator is not None else _("population")
    weight_label = indicator.title if indicator is not None else _("inhabitants")
    gap_title = _("No venue within %(radius)s km (%(weight)s per cell):") % {
        "radius": f"{grid_module.GAP_RADIUS_KM:g}",
        "weight": weight_label,
    }
    legend = [
        Patch(facecolor="none", edgecolor="none", label=gap_title),
        *legend,
        Line2D(
            [],
            [],
            marker="o",
            linestyle="none",
            color=VENUE_COLOR,
            markersize=5,
            label=_("Venue of a published activity"),
        ),
        Line2D([], [], color=OUTLINE_COLOR, linewidth=1, label=_("Commune boundary")),
    ]
    axes.legend(handles=legend, loc="upper left", fontsize=10, framealpha=0.9)
    sources = _(
        "Population: Etalab decoupage-administratif. Outlines: IGN Admin Express via "
        "france-geojson (Licence Ouverte). H3 cells of resolution %(resolution)s; straight-line "
        "distance."
    ) % {"resolution": grid_module.RESOLUTION}
    if indicator is not None and indicator.source:
        sources += " " + _("Indicator: %(source)s.") % {"source": indicator.source}
    figure.text(0.03, 0.025, sources, fontsize=8.5, color="#404040")

    output = io.BytesIO()
    figure.savefig(output, format="png", dpi=DPI)
    return output.getvalue()
