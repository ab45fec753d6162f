"""How the batch engine groups residents by space and finds the venues near a group: reach
bands and adaptive H3 cells, a grid index of venues, and the packing of small groups (and of
service areas) into batches."""

from __future__ import annotations

import dataclasses

import h3
import numpy as np

from matching.engine.lookups import distinct
from matching.engine.reach import latlng, reach_cap
from matching.engine.tables import VENUE_MODES, Candidates, Residents

CELL_SIZE = 64  # H3 cells are split while they hold more residents: smaller pools of venues
PACK_PAIRS = 5_000  # scoring this many pairs costs about as much as one more block
WIDE_POOL = 2048  # venues from which a batch's pool is scored by interest, the rest bounded
WIDE_BATCHES = 4  # batches of residents with a wide pool scored as one (see `packed_batches`)
COARSE_CELL_RESOLUTION = 3  # H3, edge ~69 km
FINE_CELL_RESOLUTION = 9  # H3, edge ~0.2 km: residents in one such cell are not split further
REACH_BANDS_KM = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0)  # upper edges: short reaches, small pools
GRID_DEGREES = 0.1  # latitude rows of the venue index


def h3_parent(cells: np.ndarray, resolution: int) -> np.ndarray:
    """The parents at `resolution` of finer H3 cells (uint64), as h3.cell_to_parent computes
    them, on the bits of the index: the resolution field, then every finer digit set to 7."""
    resolution_field = np.uint64(0xF << 52)
    finer_digits = np.uint64((1 << (3 * (15 - resolution))) - 1)
    return (cells & ~resolution_field) | np.uint64(resolution << 52) | finer_digits


def spatial_batches(
    residents: Residents, size: int = CELL_SIZE, rows: np.ndarray | None = None
) -> list[np.ndarray]:
    """Rows of residents (all, or the given `rows`) grouped by reach band (a group's pool of
    venues is as wide as its longest reach), then by H3 cell: coarse cells, split while they
    hold more than `size` residents. Groups come in order of band, then cell."""
    rows = np.arange(len(residents)) if rows is None else np.asarray(rows, dtype=np.int64)
    if not len(rows):
        return []
    lat, lng = latlng(residents.xyz[rows])
    cells = np.array(
        [
            h3.api.basic_int.latlng_to_cell(a, b, FINE_CELL_RESOLUTION)
            for a, b in zip(lat.tolist(), lng.tolist(), strict=True)
        ],
        dtype=np.uint64,
    )
    band = np.searchsorted(REACH_BANDS_KM, residents.reach_km[rows])
    at = np.arange(len(rows))  # positions in `rows`
    groups: list[np.ndarray] = []
    for resolution in range(COARSE_CELL_RESOLUTION, FINE_CELL_RESOLUTION + 1):
        parent = h3_parent(cells[at], resolution)
        order = np.lexsort((parent, band[at]))
        at, parent = at[order], parent[order]
        starts = np.flatnonzero(
            np.concatenate([[True], (parent[1:] != parent[:-1]) | (np.diff(band[at]) != 0)])
        )
        sizes = np.diff(np.append(starts, len(at)))
        split = sizes > size
        if resolution == FINE_CELL_RESOLUTION:
            split[:] = False
        for start, count in zip(starts[~split].tolist(), sizes[~split].tolist(), strict=True):
            groups += row_chunks(rows[at[start : start + count]], size)
        at = at[np.repeat(split, sizes)]
        if not len(at):
            break
    return groups


def row_chunks(rows: np.ndarray, size: int) -> list[np.ndarray]:
    return [rows[s : s + size] for s in range(0, len(rows), size)]


@dataclasses.dataclass(frozen=True)
class Venues:
    """Located in-person and mixed activities by grid row of latitude, then longitude: the
    venues near a group are a few ranges of it."""

    cols: np.ndarray  # candidate columns
    keys: np.ndarray  # grid row x 1000 + longitude + 180, ascending
    xyz: np.ndarray

    @classmethod
    def of(cls, candidates: Candidates, modes: tuple[int, ...] = VENUE_MODES) -> Venues:
        cols = np.flatnonzero(has_venue(candidates) & np.isin(candidates.mode, modes))
        keys = _grid_keys(*latlng(candidates.xyz[cols]))
        order = np.argsort(keys, kind="stable")
        cols = cols[order]
        return cls(cols, keys[order], candidates.xyz[cols].astype(np.float64))

    def near(self, xyz: np.ndarray, cover_km: np.ndarray) -> np.ndarray:
        """Positions (ascending) of the venues within the cover of any of these points: those in
        their `reach_cap`, found by grid rows and longitude ranges, then by angle."""
        cap = reach_cap(xyz, cover_km)
        if cap is None:
            return np.arange(len(self.cols))
        angle = cap.angle
        lat, lng = (float(v) for v in latlng(cap.centre))
        phi = np.radians(lat)
        if abs(phi) + angle >= np.pi / 2:  # the cap holds a pole: every longitude
            positions = np.arange(len(self.cols))
        else:
            half = np.degrees(np.arcsin(np.sin(angle) / np.cos(phi))) + 1e-9
            west, east = (lng - half, lng + half) if abs(lng) + half <= 180 else (-180.0, 180.0)
            band = np.degrees(angle) + 1e-9
            grid_rows = np.arange(
                np.floor((lat - band + 90.0) / GRID_DEGREES),
                np.floor((lat + band + 90.0) / GRID_DEGREES) + 1,
            )
            starts = np.searchsorted(self.keys, grid_rows * 1000.0 + west + 180.0)
            stops = np.searchsorted(self.keys, grid_rows * 1000.0 + east + 180.0, side="right")
            positions = np.concatenate(
                [np.arange(a, b) for a, b in zip(starts, stops, strict=True)]
            )
        return positions[cap.holds(self.xyz[positions])]


def _grid_keys(lat: np.ndarray, lng: np.ndarray) -> np.ndarray:
    return np.floor((lat + 90.0) / GRID_DEGREES) * 1000.0 + (lng + 180.0)


def has_venue(candidates: Candidates) -> np.ndarray:
    """In person or mixed, with a venue."""
    return np.isin(candidates.mode, VENUE_MODES) & np.any(candidates.xyz != 0, axis=1)


def _union(sorted_arrays: list[np.ndarray]) -> np.ndarray:
    return sorted_arrays[0] if len(sorted_arrays) == 1 else distinct(np.concatenate(sorted_arrays))


def packed_batches(
    venues: Venues, residents: Residents, who: np.ndarray, cover_km: np.ndarray, size: int
):
    """(rows, venue positions) batches from the groups of `spatial_batches` of the rows
    `who`, each group with the venues within its cover. Consecutive groups share a batch while
    the pairs this adds cost less than the block they save (sparse places have many small
    groups); consecutive groups with a wide pool (WIDE_POOL venues or more, scored by
    interest category) share one of up to WIDE_BATCHES x `size` residents, so that each
    category's block holds more than a few of them."""
    narrow: list[tuple[np.ndarray, np.ndarray]] = []
    wide: list[tuple[np.ndarray, np.ndarray]] = []
    height = width = wide_height = 0
    for group in spatial_batches(residents, min(CELL_SIZE, size), who):
        pool = venues.near(residents.xyz[group], cover_km[group])
        if len(pool) >= WIDE_POOL:
            if wide and wide_height + len(group) > WIDE_BATCHES * size:
                yield _joined(wide)
                wide, wide_height = [], 0
            wide.append((group, pool))
            wide_height += len(group)
            continue
        added = height * len(pool) + len(group) * width
        if narrow and (height + len(group) > size or added > PACK_PAIRS):
            yield _joined(narrow)
            narrow, height, width = [], 0, 0
        narrow.append((group, pool))
        height, width = height + len(group), width + len(pool)
    for batch in (narrow, wide):
        if batch:
            yield _joined(batch)


def _joined(groups: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """One batch of (rows, venue positions) groups: their rows, and the union of their pools."""
    rows, pools = zip(*groups, strict=True)
    return np.concatenate(rows), _union(list(pools))


def packed_areas(blocks: list[tuple[np.ndarray, np.ndarray]], size: int):
    """(rows, columns, mixed) from the blocks of service areas: consecutive small ones share
    a block, as in `packed_batches`; such a block is mixed, holding pairs that are not served."""
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    height = width = 0
    for area_rows, area_cols in blocks:
        added = height * len(area_cols) + len(area_rows) * width
        if rows and (height + len(area_rows) > size or added > PACK_PAIRS):
            yield distinct(np.concatenate(rows)), np.concatenate(cols), len(rows) > 1
            rows, cols, height, width = [], [], 0, 0
        rows.append(area_rows)
        cols.append(area_cols)
        height, width = height + len(area_rows), width + len(area_cols)
    if rows:
        yield distinct(np.concatenate(rows)), np.concatenate(cols), len(rows) > 1
