"""The coverage grid (pure): population over H3 cells, reach within a radius, the gap grid."""

import math

import h3
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, shape

from activities.geo import distance_km
from curation import coverage_grid as cg

NANTES = (47.2184, -1.5536)
KM_LAT = 1 / 111.195  # degrees of latitude in a kilometre on the mean sphere


def east(lat: float, lng: float, km: float) -> tuple[float, float]:
    return lat, lng + km * KM_LAT / math.cos(math.radians(lat))


def north(lat: float, lng: float, km: float) -> tuple[float, float]:
    return lat + km * KM_LAT, lng


def grid_of(rows: list[tuple[float, float, float]], commune: list[int] | None = None):
    """A grid whose rows are (lat, lng, population), one commune each unless told."""
    lat = np.array([r[0] for r in rows])
    lng = np.array([r[1] for r in rows])
    return cg.PopulationGrid(
        cells=np.array(
            [h3.str_to_int(h3.latlng_to_cell(a, b, 9)) for a, b in zip(lat, lng, strict=True)]
        ),
        lat=lat,
        lng=lng,
        commune=np.array(commune or list(range(len(rows))), dtype=np.int64),
        population=np.array([r[2] for r in rows], dtype=float),
    )


SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [(-1.56, 47.21), (-1.54, 47.21), (-1.54, 47.22), (-1.56, 47.22), (-1.56, 47.21)]
    ],
}


def test_a_commune_is_the_cells_whose_centres_are_inside_it():
    cells = cg.commune_cells(boundary=SQUARE, lat=None, lng=None)
    outline = shape(SQUARE)
    # About 1.5 km x 1.1 km: some fifteen cells of 0.105 km².
    assert 10 <= cells.cells.size <= 22
    for lat, lng in zip(cells.lat, cells.lng, strict=True):
        assert outline.contains(Point(lng, lat))
    # Every cell of the area whose centre is inside is there.
    around = h3.grid_disk(h3.latlng_to_cell(47.215, -1.55, 9), 6)
    inside = {c for c in around if outline.contains(Point(*reversed(h3.cell_to_latlng(c))))}
    assert set(cg.cell_text(cells.cells)) == inside


def test_without_an_outline_the_population_is_on_the_cell_of_the_centre():
    cells = cg.commune_cells(boundary=None, lat=NANTES[0], lng=NANTES[1])
    assert cg.cell_text(cells.cells) == [h3.latlng_to_cell(*NANTES, 9)]
    tiny = {
        "type": "Polygon",
        "coordinates": [[(-1.55, 47.21), (-1.5499, 47.21), (-1.5499, 47.2101), (-1.55, 47.21)]],
    }
    cells = cg.commune_cells(boundary=tiny, lat=None, lng=None)
    assert cells.cells.size == 1
    assert cg.commune_cells(boundary=None, lat=None, lng=None).cells.size == 0


def test_the_population_is_spread_evenly_over_the_cells():
    square = cg.commune_cells(boundary=SQUARE, lat=None, lng=None)
    point = cg.commune_cells(boundary=None, lat=47.3, lng=-1.5)
    grid = cg.population_grid([(7, 1500, square), (8, 40, point), (9, None, point)])
    assert grid.population.sum() == pytest.approx(1540)
    rows = grid.commune == 7
    assert np.allclose(grid.population[rows], 1500 / square.cells.size)
    assert grid.population[grid.commune == 8].tolist() == [40]
    assert grid.population[grid.commune == 9].tolist() == [0]


def test_shares_within_one_and_three_km_by_hand():
    # 100 people at 0.5 km east of the club, 200 at 2 km north, 700 at 5 km east.
    rows = [
        (*east(*NANTES, 0.5), 100),
        (*north(*NANTES, 2.0), 200),
        (*east(*NANTES, 5.0), 700),
    ]
    grid = grid_of(rows)
    result = {
        c.key: c
        for c in cg.category_coverage(
            grid=grid,
            points={"bouger-sport": [NANTES, NANTES], "jeux": [east(*NANTES, 5.9)]},
        )
    }
    sport = cg.weighted_shares(weights=grid.population, reached=result["bouger-sport"].reached)
    assert sport == {1.0: pytest.approx(0.1), 3.0: pytest.approx(0.3)}
    assert result["bouger-sport"].points == 1  # one place, counted once
    games = cg.weighted_shares(weights=grid.population, reached=result["jeux"].reached)
    assert games == {1.0: pytest.approx(0.7), 3.0: pytest.approx(0.7)}
    anything = cg.weighted_shares(weights=grid.population, reached=result[cg.ANY].reached)
    assert anything == {1.0: pytest.approx(0.8), 3.0: pytest.approx(1.0)}


def test_the_radius_is_inclusive_and_measured_on_the_ground():
    # 0.99 km and 1.01 km, east and north: the x axis is scaled by the latitude's cosine.
    rows = [
        (*east(*NANTES, 0.99), 1),
        (*east(*NANTES, 1.01), 1),
        (*north(*NANTES, 0.99), 1),
        (*north(*NANTES, 1.01), 1),
    ]
    grid = grid_of(rows)
    (club, _) = cg.category_coverage(grid=grid, points={"jeux": [NANTES]}, radii=[1.0])
    assert club.reached[1.0].tolist() == [True, False, True, False]


def test_indicator_weights_use_each_commune_value_and_leave_out_the_others():
    grid = grid_of(
        [(*east(*NANTES, 0.5), 100), (*east(*NANTES, 5), 300), (*east(*NANTES, 9), 50)],
        commune=[1, 2, 3],
    )
    weights = cg.indicator_weights(grid, {1: 0.5, 2: 0.1})
    assert weights.tolist() == [50, 30, 0]
    (club, _) = cg.category_coverage(grid=grid, points={"jeux": [NANTES]})
    # 50 of the 80 weighted people are within 1 km.
    assert cg.weighted_shares(weights=weights, reached=club.reached)[1.0] == pytest.approx(50 / 80)
    assert cg.weighted_shares(weights=np.zeros(3), reached=club.reached)[1.0] is None


def test_the_gap_grid_holds_people_out_of_reach_each_cell_once():
    far = east(*NANTES, 4)
    grid = grid_of(
        [(*NANTES, 10), (*far, 30), (*far, 5), (*east(*NANTES, 6), 0)], commune=[1, 2, 3, 4]
    )
    (club, _) = cg.category_coverage(grid=grid, points={"jeux": [NANTES]})
    cells, population = cg.gap_cells(grid, club.reached[cg.GAP_RADIUS_KM])
    assert cg.cell_text(cells) == [h3.latlng_to_cell(*far, 9)]
    assert population.tolist() == [35]


def test_no_activity_reaches_no_one():
    grid = grid_of([(*NANTES, 10)])
    coverage = cg.category_coverage(grid=grid, points={})
    assert [c.key for c in coverage] == [cg.ANY]
    assert cg.weighted_shares(weights=grid.population, reached=coverage[0].reached)[3.0] == 0


@settings(max_examples=60, deadline=None)
@given(
    cells=st.lists(st.tuples(st.floats(-8, 8), st.floats(-8, 8)), min_size=1, max_size=40),
    points=st.lists(st.tuples(st.floats(-8, 8), st.floats(-8, 8)), max_size=25),
    radius=st.sampled_from([0.3, 1.0, 3.0]),
)
def test_reach_matches_the_great_circle_distance(cells, points, radius):
    rows = [(*north(*east(*NANTES, x), y), 1.0) for x, y in cells]
    spots = [north(*east(*NANTES, x), y) for x, y in points]
    grid = grid_of(rows)
    (found, *_) = cg.category_coverage(grid=grid, points={"jeux": spots}, radii=[radius])
    for row, (lat, lng, _) in enumerate(rows):
        nearest = min((distance_km(lat, lng, a, b) for a, b in spots), default=math.inf)
        if abs(nearest - radius) > 1e-3:  # the knife edge is left to rounding
            assert found.reached[radius][row] == (nearest <= radius)


def test_the_pairs_are_tested_in_chunks(monkeypatch):
    monkeypatch.setattr(cg, "PAIRS_PER_CHUNK", 3)
    rows = [(*east(*NANTES, x / 10), 1.0) for x in range(-40, 40, 3)]
    spots = [east(*NANTES, 2.2), east(*NANTES, 2.5), east(*NANTES, 2.6)]
    grid = grid_of(rows)
    (found, *_) = cg.category_coverage(grid=grid, points={"jeux": spots}, radii=[0.5])
    expected = [min(distance_km(a, b, *s) for s in spots) <= 0.5 for a, b, _ in rows]
    assert found.reached[0.5].tolist() == expected


def test_parents_and_compaction_agree_with_h3():
    cells = h3.grid_disk(h3.latlng_to_cell(*NANTES, 9), 12)
    ints = np.array(sorted(h3.str_to_int(c) for c in cells), dtype=np.uint64)
    parents = cg.parent_cells(ints, 9)
    assert cg.cell_text(parents) == [h3.cell_to_parent(h3.int_to_str(int(c)), 8) for c in ints]
    population = np.arange(ints.size, dtype=float)
    compacted, summed = cg.compact(ints, population)
    assert set(cg.cell_text(compacted)) == set(h3.compact_cells(cells))
    assert summed.sum() == pytest.approx(population.sum())
    some = next(c for c in compacted if cg.cell_resolution(np.array([c]))[0] == 8)
    children = [h3.str_to_int(c) for c in h3.cell_to_children(h3.int_to_str(int(some)), 9)]
    index = {int(c): p for c, p in zip(ints, population, strict=True)}
    assert summed[compacted == some][0] == pytest.approx(sum(index[c] for c in children))
