"""Where a territory's people live and how far they are from an activity: pure, numpy and H3.

Population: each commune's population is spread evenly over the H3 cells whose centres fall
inside its outline (a commune without a known outline, or too small to hold a centre, puts its
population on the cell of its centre). Resolution 9 (cells of about 0.105 km², edges of about
200 m): a person is then at most about 200 m from the centre that stands for them, a fifth of
the smaller radius, while a département (about 7,000 km²) stays under 70,000 cells. Resolution
10 would cost seven times the cells for no gain, the population being spread evenly inside a
commune anyway; resolution 8 (0.74 km², 460 m edges) would blur the 1 km radius.

Reach: a cell is reached for a category when an activity of that category lies within the
radius of its centre, in a straight line (a proxy for a walk at 1 km and a bus or tram ride at
3 km: no street or timetable data is used). Distances are exact enough at these radii
(equirectangular at the cell's own latitude: under a metre off the great circle at 3 km).

The search is a table of squares in numpy rather than a tree (see `_Reach`): a cell with a
point in its own square or the eight around it is reached outright, the others test the
points of the squares within reach, as pairs expanded in chunks and tested at once. A cell
reached at 1 km is reached at 3 km, so the second pass looks only at the cells the first left.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import h3.api.numpy_int as h3n
import numpy as np
from shapely.geometry import shape

from activities.geo import EARTH_RADIUS_KM

RESOLUTION = 9
RADII_KM = (1.0, 3.0)
# The radius of the gap grid: a cell with people and no activity within it is a gap.
GAP_RADIUS_KM = 1.0
# The pseudo-category of every activity, whatever its category.
ANY = "any"
# Candidate pairs tested at once: bounds the memory of a pass (about 40 bytes a pair).
PAIRS_PER_CHUNK = 1_000_000

_RES_SHIFT = np.uint64(52)
_RES_MASK = np.uint64(0xF) << _RES_SHIFT
_SEVEN = np.uint64(7)


@dataclass(frozen=True)
class CommuneCells:
    """The cells standing for one commune, with their centres (degrees)."""

    cells: np.ndarray  # uint64 H3 indexes
    lat: np.ndarray
    lng: np.ndarray


def commune_cells(
    *, boundary: Mapping | None, lat: float | None, lng: float | None, resolution: int = RESOLUTION
) -> CommuneCells:
    """The cells whose centres are inside `boundary` (a GeoJSON Polygon or MultiPolygon), or
    the cell of (lat, lng) when there is no boundary or no centre falls inside it. A commune
    with neither has no cell."""
    cells = np.empty(0, dtype=np.uint64)
    if boundary is not None:
        cells = np.asarray(h3n.geo_to_cells(boundary, resolution), dtype=np.uint64)
    if cells.size == 0 and boundary is not None and (lat is None or lng is None):
        point = shape(boundary).representative_point()
        lat, lng = point.y, point.x
    if cells.size == 0 and lat is not None and lng is not None:
        cells = np.array([h3n.latlng_to_cell(lat, lng, resolution)], dtype=np.uint64)
    cells = np.sort(cells)
    centres = np.array([h3n.cell_to_latlng(cell) for cell in cells], dtype=float).reshape(-1, 2)
    return CommuneCells(cells=cells, lat=centres[:, 0].copy(), lng=centres[:, 1].copy())


@dataclass(frozen=True)
class PopulationGrid:
    """One row per (commune, cell): the cell, its centre, the commune's key, its people."""

    cells: np.ndarray
    lat: np.ndarray
    lng: np.ndarray
    commune: np.ndarray  # int64 keys given by the caller
    population: np.ndarray  # float64

    @property
    def size(self) -> int:
        return int(self.cells.size)


def population_grid(communes: Iterable[tuple[int, float | None, CommuneCells]]) -> PopulationGrid:
    """The grid of (key, population, cells) communes: each commune's population split evenly
    over its cells. A commune of unknown population counts no one."""
    parts = [(key, population or 0.0, cells) for key, population, cells in communes]
    parts = [part for part in parts if part[2].cells.size]
    if not parts:
        empty = np.empty(0)
        return PopulationGrid(
            cells=np.empty(0, dtype=np.uint64),
            lat=empty,
            lng=empty,
            commune=np.empty(0, dtype=np.int64),
            population=empty,
        )
    sizes = np.array([cells.cells.size for _, _, cells in parts])
    return PopulationGrid(
        cells=np.concatenate([cells.cells for _, _, cells in parts]),
        lat=np.concatenate([cells.lat for _, _, cells in parts]),
        lng=np.concatenate([cells.lng for _, _, cells in parts]),
        commune=np.repeat(np.array([key for key, _, _ in parts], dtype=np.int64), sizes),
        population=np.repeat(np.array([float(p) for _, p, _ in parts]) / sizes, sizes),
    )


# --- reach -----------------------------------------------------------------------------------


# A quarter of the radius: the side of the squares the points are sorted into.
_SPLIT = 4
# The columns of squares around a cell's square that can hold a point within the radius: a
# point within the radius is at most _SPLIT squares away in x and in y, and the squares at
# (±4, ±3) are still within reach of some place of the cell's square, those at (±4, ±4) not.
_COLUMNS = tuple((dx, _SPLIT - (abs(dx) == _SPLIT)) for dx in range(-_SPLIT, _SPLIT + 1))


class _Reach:
    """The grid's cells in a dense table of squares of a quarter of the radius.

    y runs along the meridian, x along the parallel scaled by the smallest cosine of the cells'
    latitudes, so that a point within the radius of a cell's centre (measured at the cell's
    latitude) is never more than four squares away in x or in y. A point in the cell's square
    or in the eight around it is at most 2 * sqrt(1 + stretch²) quarters away, under the radius
    while the stretch (the largest cosine over the smallest) stays under sqrt(3): true of any
    French département, checked. Those cells are reached with no distance computed; the
    others test the points of the 77 squares that may hold one within the radius."""

    def __init__(self, grid: PopulationGrid, radius_km: float) -> None:
        radius = radius_km / EARTH_RADIUS_KM
        self.limit = radius * radius
        self.side = radius / _SPLIT
        self.phi = np.radians(grid.lat)
        self.lam = np.radians(grid.lng)
        self.cos = np.cos(self.phi)
        self.scale = float(self.cos.min()) if grid.size else 1.0
        stretch = float(self.cos.max()) / self.scale if grid.size else 1.0
        self.shortcut = stretch < math.sqrt(3)
        # Two squares away along one axis and one along the other: at most sqrt(9 * stretch² +
        # 4) quarters, under four while the stretch stays under 1.15 (a French département:
        # about 1.02).
        self.wide = stretch < 1.15
        bx, by = self._indexes(self.phi, self.lam)
        if not grid.size:
            bx = by = np.zeros(1, dtype=np.int64)
        margin = _SPLIT + 1
        self.x0 = int(bx.min()) - margin
        self.y0 = int(by.min()) - margin
        self.width = int(bx.max()) - self.x0 + margin + 1
        self.height = int(by.max()) - self.y0 + margin + 1
        self.square = (bx - self.x0) * self.height + (by - self.y0)
        self.square = self.square.astype(np.int32)
        self.run_starts = np.array([dx * self.height - m for dx, m in _COLUMNS], dtype=np.int32)
        self.run_lengths = np.array([2 * m + 1 for _, m in _COLUMNS], dtype=np.int32)

    def _indexes(self, phi: np.ndarray, lam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        bx = np.floor(lam * self.scale / self.side).astype(np.int64)
        return bx, np.floor(phi / self.side).astype(np.int64)

    def table(self, phi: np.ndarray, lam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The points sorted by square (as indexes of the given points) and the offsets of
        each square's points in that order (square k: offsets[k]:offsets[k + 1]). Points
        outside the table reach no cell and are left out."""
        bx, by = self._indexes(phi, lam)
        bx, by = bx - self.x0, by - self.y0
        inside = np.flatnonzero((bx >= 0) & (bx < self.width) & (by >= 0) & (by < self.height))
        squares = bx[inside] * self.height + by[inside]
        order = np.argsort(squares, kind="stable")
        offsets = np.zeros(self.width * self.height + 1, dtype=np.int32)
        counts = np.bincount(squares, minlength=self.width * self.height)
        np.cumsum(counts, out=offsets[1:], dtype=np.int32)
        return inside[order], offsets

    def status(self, offsets: np.ndarray) -> np.ndarray:
        """Per square: 2 when every place in it is within the radius of a point (a point in
        the square or the eight around it; also two squares away along one axis when the
        stretch allows), 1 when a point may be (one in the 9 x 9 squares around), 0 when none
        can be."""
        full = (offsets[1:] > offsets[:-1]).reshape(self.width, self.height)
        certain = _dilate(full, 1, 1)
        if self.wide:
            certain |= _dilate(full, 2, 1) | _dilate(full, 1, 2)
        status = _dilate(full, _SPLIT, _SPLIT).astype(np.int8)
        status[certain] = 2
        return status.ravel()


def _dilate(full: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """Whether a square within dx columns and dy rows of each square is set."""
    out = full.copy()
    for shift in range(1, dx + 1):
        out[shift:, :] |= full[:-shift, :]
        out[:-shift, :] |= full[shift:, :]
    wide = out.copy()
    for shift in range(1, dy + 1):
        out[:, shift:] |= wide[:, :-shift]
        out[:, :-shift] |= wide[:, shift:]
    return out


def _ragged_ranges(starts: np.ndarray, lengths: np.ndarray, total: int) -> np.ndarray:
    """The ranges starts[i]:starts[i] + lengths[i] one after another, as one array (a cumulative
    sum of steps: faster than repeating each start)."""
    keep = lengths > 0
    starts, lengths = starts[keep].astype(np.int64), lengths[keep].astype(np.int64)
    steps = np.ones(total, dtype=np.int64)
    steps[0] = starts[0]
    firsts = np.cumsum(lengths)[:-1]
    steps[firsts] = starts[1:] - (starts[:-1] + lengths[:-1] - 1)
    return np.cumsum(steps)


def _reached(reach: _Reach, lat: np.ndarray, lng: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Which of the grid's `rows` have a point (lat, lng) within the radius of their centre."""
    reached = np.zeros(rows.size, dtype=bool)
    if rows.size == 0 or lat.size == 0:
        return reached
    p_phi, p_lam = np.radians(lat), np.radians(lng)
    order, offsets = reach.table(p_phi, p_lam)
    squares = reach.square[rows]
    status = reach.status(offsets)[squares]
    if reach.shortcut:
        reached = status == 2
    todo = np.flatnonzero(status == 1) if reach.shortcut else np.flatnonzero(status > 0)
    if todo.size == 0:
        return reached
    p_phi, p_lam = p_phi[order], p_lam[order]
    cells = rows[todo]
    squares = squares[todo]
    # One run of sorted points per column: squares (dx, -m..m) are consecutive in the table.
    first = squares[:, None] + reach.run_starts[None, :]
    lo = offsets[first]
    counts = offsets[first + reach.run_lengths[None, :]] - lo
    c_phi, c_lam, c_cos = reach.phi[cells], reach.lam[cells], reach.cos[cells]
    found = np.zeros(cells.size, dtype=bool)
    per_cell = counts.sum(axis=1)
    ends = np.cumsum(per_cell)
    start = 0
    while start < cells.size:
        # As many cells as fit in a chunk of pairs (at least one).
        done_pairs = int(ends[start - 1]) if start else 0
        stop = int(np.searchsorted(ends, done_pairs + PAIRS_PER_CHUNK, side="right"))
        stop = min(max(stop, start + 1), cells.size)
        chunk_counts = counts[start:stop].ravel()
        total = int(ends[stop - 1]) - done_pairs
        if total:
            cell = np.repeat(np.arange(start, stop), per_cell[start:stop])
            point = _ragged_ranges(lo[start:stop].ravel(), chunk_counts, total)
            dx = (p_lam[point] - c_lam[cell]) * c_cos[cell]
            dy = p_phi[point] - c_phi[cell]
            found[cell[dx * dx + dy * dy <= reach.limit]] = True
        start = stop
    reached[todo] = found
    return reached


@dataclass(frozen=True)
class CategoryCoverage:
    """The reach of one category over the grid."""

    key: str
    points: int  # distinct activity locations
    reached: dict[float, np.ndarray] = field(repr=False)  # radius -> bool per grid row


def _distinct_points(points: np.ndarray) -> np.ndarray:
    """The distinct (lat, lng) rows (each pair seen as one complex number: a 1-D sort)."""
    if points.size == 0:
        return points
    pairs = np.ascontiguousarray(points, dtype=np.float64).view(np.complex128).ravel()
    return np.unique(pairs).view(np.float64).reshape(-1, 2)


def category_coverage(
    *,
    grid: PopulationGrid,
    points: Mapping[str, np.ndarray],
    radii: Sequence[float] = RADII_KM,
    keys: Iterable[str] | None = None,
) -> list[CategoryCoverage]:
    """For each category of `points` (key -> array of (lat, lng) rows), then for ANY (every
    point), which rows of the grid have a point within each radius; only the categories of
    `keys` when given. A row reached at one radius is reached at the larger ones without being
    tested again."""
    radii = sorted(radii)
    reaches = {radius: _Reach(grid, radius) for radius in radii}
    arrays = {key: np.asarray(value, dtype=float).reshape(-1, 2) for key, value in points.items()}
    arrays[ANY] = np.concatenate(list(arrays.values())) if arrays else np.empty((0, 2), dtype=float)
    if keys is not None:
        wanted = set(keys)
        arrays = {key: array for key, array in arrays.items() if key in wanted}
    result = []
    for key, array in arrays.items():
        unique = _distinct_points(array)
        reached: dict[float, np.ndarray] = {}
        done = np.zeros(grid.size, dtype=bool)
        for radius in radii:
            rows = np.flatnonzero(~done)
            found = _reached(reaches[radius], unique[:, 0], unique[:, 1], rows)
            done = done.copy()
            done[rows[found]] = True
            reached[radius] = done
        result.append(CategoryCoverage(key=key, points=len(unique), reached=reached))
    return result


def weighted_shares(
    *, weights: np.ndarray, reached: Mapping[float, np.ndarray]
) -> dict[float, float | None]:
    """The share of the total weight in reached rows, per radius (None when nothing weighs)."""
    total = float(weights.sum())
    return {
        radius: (float(weights[mask].sum()) / total if total > 0 else None)
        for radius, mask in reached.items()
    }


def indicator_weights(grid: PopulationGrid, values: Mapping[int, float]) -> np.ndarray:
    """Each row's population times its commune's value; communes without a value weigh 0."""
    keys = np.array(list(values), dtype=np.int64)
    vals = np.array([float(v) for v in values.values()], dtype=float)
    order = np.argsort(keys)
    keys, vals = keys[order], vals[order]
    weights = np.zeros(grid.size)
    if keys.size:
        index = np.clip(np.searchsorted(keys, grid.commune), 0, keys.size - 1)
        known = keys[index] == grid.commune
        weights[known] = grid.population[known] * vals[index[known]]
    return weights


# --- the gap grid ----------------------------------------------------------------------------


def gap_cells(grid: PopulationGrid, reached: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(cells, population) of the cells with people and no activity within reach, each cell
    once (two communes placed on one cell add up), sorted by cell."""
    mask = (~reached) & (grid.population > 0)
    cells, inverse = np.unique(grid.cells[mask], return_inverse=True)
    return cells, np.bincount(inverse, weights=grid.population[mask], minlength=cells.size)


def parent_cells(cells: np.ndarray, resolution: int) -> np.ndarray:
    """The parents at `resolution - 1` of H3 cells all at `resolution` (bit arithmetic on the
    index: the digit of `resolution` set to 7 and the resolution field lowered)."""
    cells = np.asarray(cells, dtype=np.uint64)
    digit = np.uint64((15 - resolution) * 3)
    cells = cells | (_SEVEN << digit)
    return (cells & ~_RES_MASK) | (np.uint64(resolution - 1) << _RES_SHIFT)


def compact(
    cells: np.ndarray, population: np.ndarray, *, resolution: int = RESOLUTION, coarsest: int = 5
) -> tuple[np.ndarray, np.ndarray]:
    """Like h3's compact_cells on cells of one resolution, keeping each cell's population (a
    parent gets the sum of its seven children), down to `coarsest`. Sorted by cell."""
    keep_cells: list[np.ndarray] = []
    keep_population: list[np.ndarray] = []
    cells = np.asarray(cells, dtype=np.uint64)
    population = np.asarray(population, dtype=float)
    for res in range(resolution, coarsest, -1):
        if cells.size == 0:
            break
        parents = parent_cells(cells, res)
        unique, inverse, counts = np.unique(parents, return_inverse=True, return_counts=True)
        # France has no pentagon: a full parent has seven children.
        full = counts[inverse] == 7
        keep_cells.append(cells[~full])
        keep_population.append(population[~full])
        sums = np.bincount(inverse, weights=population, minlength=unique.size)
        whole = counts == 7
        cells, population = unique[whole], sums[whole]
    keep_cells.append(cells)
    keep_population.append(population)
    all_cells = np.concatenate(keep_cells)
    all_population = np.concatenate(keep_population)
    order = np.argsort(all_cells)
    return all_cells[order], all_population[order]


def cell_resolution(cells: np.ndarray) -> np.ndarray:
    return ((np.asarray(cells, dtype=np.uint64) & _RES_MASK) >> _RES_SHIFT).astype(np.int64)


def cell_text(cells: np.ndarray) -> list[str]:
    """H3 indexes as the usual 15-hex-digit strings."""
    return [format(int(cell), "x") for cell in cells]


def cells_outline(cells: np.ndarray) -> list[list[np.ndarray]]:
    """The union of cells of one resolution as polygons, each a list of rings of (lng, lat)
    vertices (the outer ring first, then its holes), for drawing."""
    if len(cells) == 0:
        return []
    geometry = h3n.cells_to_geo(np.asarray(cells, dtype=np.uint64))
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    return [[np.asarray(ring, dtype=float)[:, :2] for ring in polygon] for polygon in polygons]


def radius_label(radius: float) -> str:
    """1.0 -> "1km", 2.5 -> "2.5km": the keys of the shares in the API."""
    return f"{radius:g}km"
