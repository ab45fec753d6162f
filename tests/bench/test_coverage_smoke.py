"""Smoke run of the coverage benchmark (bench/coverage.py) at a size that runs in seconds."""

import pytest
from shapely.geometry import Point, shape

from activities.models import Activity, Territory
from bench import coverage as bench
from curation.selectors import coverage as selectors

pytestmark = pytest.mark.django_db

LEAVES = ["marche-randonnee", "jeux-de-societe", "chorale-chant"]


def test_the_generator_puts_venues_inside_their_commune_and_repeats_itself():
    venues, specs = bench.generate(60, seed=3, leaves=LEAVES)
    again = bench.generate(60, seed=3, leaves=LEAVES)
    assert (venues, specs) == again
    assert len(specs) == 60 and len(venues) <= 60
    outlines = {
        t.insee_code: shape(t.boundary)
        for t in Territory.objects.filter(insee_code__in={v.commune for v in venues})
    }
    for venue in venues:
        assert outlines[venue.commune].buffer(1e-6).contains(Point(venue.lng, venue.lat))
    for spec in specs:
        assert set(spec.categories) <= set(LEAVES) and 0 <= spec.venue < len(venues)


def test_a_small_load_is_measured_and_printed():
    selectors.forget()
    assert bench.load(40, seed=5) == 40
    loaded = Activity.objects.filter(source=bench.SOURCE)
    assert loaded.filter(status="published", territory__isnull=False).count() == 40
    # Loading again replaces the benchmark's activities.
    assert bench.load(30, seed=6) == 30
    assert loaded.count() == 30

    rows = bench.measure(runs=1, territories=[("244400404", "Nantes Métropole")])
    (row,) = rows
    metropole = Territory.objects.get(insee_code="244400404")
    in_metropole = loaded.filter(territory__parent=metropole).count()
    assert row["activities"] == in_metropole
    assert row["cells"] > 4000  # 523 km² of cells of about 0.1 km²
    for key in ("cold", "new_process", "warm", "api", "png"):
        assert row[key]["wall"][0] > 0 and row[key]["cpu"][0] >= 0
    assert row["png_bytes"] > 10_000
    printed = bench.table(rows)
    assert "| Nantes Métropole |" in printed and printed.count("\n") == 2
