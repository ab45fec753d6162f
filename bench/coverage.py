"""The coverage of a territory on PostgreSQL: 10,000 published activities over Loire-Atlantique.

    python -m bench.coverage --activities 10000 [--runs 7] [--database-url postgres://...]

The database (relier_cov_bench by default) is created if missing and migrated (which seeds the
taxonomy and the territories of Loire-Atlantique: 207 communes with their outlines and
populations). Published in-person activities are then written through the ORM: each at a venue
drawn inside a commune's outline, communes drawn in proportion to their population (so Nantes
holds about a fifth), one to three activities per venue, one or two categories each. A second
run with the same size and seed reuses them.

Then, for the département (44) and Nantes Métropole, in this process: `territory_coverage`
cold (the commune cells forgotten by the process and the shared cache before each run: they
are computed from the outlines read again, as after a deployment), in a new process (the
process's cells forgotten, read from the shared cache) and warm (the usual case: the cells
in the process's memory), the coverage API
through Django's test client as a curator (JSON included), and the PNG map. Medians of
`--runs` runs, with the minimum and maximum.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.load_search_dataset import ensure_database, migrate, setup_django

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "activities" / "data"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/relier_cov_bench"
DEFAULT_SEED = 20261207
SOURCE = "bench-coverage"
TERRITORIES = (("44", "Loire-Atlantique"), ("244400404", "Nantes Métropole"))


@dataclass(frozen=True)
class Venue:
    commune: str  # INSEE code
    lat: float
    lng: float
    wheelchair: str
    supports: tuple[str, ...]


@dataclass(frozen=True)
class Spec:
    venue: int
    categories: tuple[str, ...]
    audiences_mask: int
    attendance_mode: str


def generate(n: int, *, seed: int, leaves: Sequence[str]) -> tuple[list[Venue], list[Spec]]:
    """`n` activities at venues inside the communes' outlines, communes weighted by people."""
    from shapely.geometry import Point, shape
    from shapely.prepared import prep

    rng = random.Random(seed)
    with (DATA / "communes-44.csv").open(encoding="utf-8") as handle:
        population = {row["insee"]: int(row["population"]) for row in csv.DictReader(handle)}
    features = json.loads((DATA / "communes-44.geojson").read_text(encoding="utf-8"))["features"]
    outlines = {
        f["properties"]["code"]: shape(f["geometry"])
        for f in features
        if f["properties"]["code"] in population
    }
    codes = sorted(outlines)
    weights = [population[code] for code in codes]
    prepared = {code: prep(outline) for code, outline in outlines.items()}
    venues: list[Venue] = []
    specs: list[Spec] = []
    flags = ("hearing", "visual", "psychic", "motor", "intellectual")
    while len(specs) < n:
        code = rng.choices(codes, weights)[0]
        min_lng, min_lat, max_lng, max_lat = outlines[code].bounds
        while True:
            lng, lat = rng.uniform(min_lng, max_lng), rng.uniform(min_lat, max_lat)
            if prepared[code].contains(Point(lng, lat)):
                break
        venues.append(
            Venue(
                commune=code,
                lat=round(lat, 6),
                lng=round(lng, 6),
                wheelchair=rng.choice(("none", "partial", "full")),
                supports=tuple(flag for flag in flags if rng.random() < 0.15),
            )
        )
        for _ in range(min(rng.choice((1, 1, 2, 3)), n - len(specs))):
            specs.append(
                Spec(
                    venue=len(venues) - 1,
                    categories=tuple(rng.sample(leaves, rng.choice((1, 1, 2)))),
                    audiences_mask=rng.choice((1, 1, 2, 3, 8, 16, 128)),
                    attendance_mode=rng.choice(("in_person",) * 9 + ("mixed",)),
                )
            )
    return venues, specs


def load(n: int, *, seed: int = DEFAULT_SEED) -> int:
    """Write the activities into the current database (the earlier ones of this benchmark
    deleted first). Returns the number written."""
    from django.db import transaction

    from activities.geo import cell_of
    from activities.models import Activity, Category, Organization, Place, Territory

    leaves = list(
        Category.objects.filter(parent__isnull=False)
        .order_by("slug")
        .values_list("slug", flat=True)
    )
    category_ids = dict(Category.objects.values_list("slug", "pk"))
    venues, specs = generate(n, seed=seed, leaves=leaves)
    territory_ids = dict(Territory.objects.values_list("insee_code", "pk"))
    with transaction.atomic():
        old = Organization.objects.filter(slug__startswith=f"{SOURCE}-")
        Activity.objects.filter(organization__in=old).delete()
        Place.objects.filter(organization__in=old).delete()
        old.delete()
        organizations = Organization.objects.bulk_create(
            Organization(name=f"Association {i}", slug=f"{SOURCE}-{i}", kind="association")
            for i in range(max(1, len(venues) // 4))
        )
        places = Place.objects.bulk_create(
            Place(
                organization=organizations[i % len(organizations)],
                name=f"Salle {i}",
                insee_code=venue.commune,
                territory_id=territory_ids.get(venue.commune),
                lat=venue.lat,
                lng=venue.lng,
                h3_cell=cell_of(venue.lat, venue.lng),
                wheelchair=venue.wheelchair,
                **{f"{flag}_support": True for flag in venue.supports},
            )
            for i, venue in enumerate(venues)
        )
        activities = Activity.objects.bulk_create(
            Activity(
                organization_id=places[spec.venue].organization_id,
                place=places[spec.venue],
                title=f"Activité {i}",
                summary="Une activité de quartier.",
                kind="club",
                status="published",
                source=SOURCE,
                external_id=str(i),
                audiences_mask=spec.audiences_mask,
                attendance_mode=spec.attendance_mode,
                lat=places[spec.venue].lat,
                lng=places[spec.venue].lng,
                h3_cell=places[spec.venue].h3_cell,
                territory_id=places[spec.venue].territory_id,
            )
            for i, spec in enumerate(specs)
        )
        Activity.categories.through.objects.bulk_create(
            Activity.categories.through(activity_id=activity.pk, category_id=category_ids[slug])
            for activity, spec in zip(activities, specs, strict=True)
            for slug in spec.categories
        )
    return len(activities)


def timed(function: Callable[[], object], runs: int, before: Callable[[], None] | None = None):
    """Per run, wall and CPU seconds of this process: {"wall": (median, min, max), "cpu": ...}.
    The CPU time leaves out what other processes take of a shared machine (and PostgreSQL's own
    work)."""
    wall, cpu = [], []
    for _ in range(runs):
        if before:
            before()
        started, started_cpu = time.perf_counter(), time.process_time()
        function()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return {
        "wall": (statistics.median(wall), min(wall), max(wall)),
        "cpu": (statistics.median(cpu), min(cpu), max(cpu)),
    }


def measure(*, runs: int, territories: Sequence[tuple[str, str]] = TERRITORIES) -> list[dict]:
    """The timings of each territory (see the module's docstring)."""
    from django.test import Client
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.models import User
    from activities.models import Territory
    from curation.maps import territory_coverage_png
    from curation.selectors import coverage as selectors

    curator, _ = User.objects.get_or_create(
        email="bench-coverage@example.org", defaults={"is_staff": True}
    )
    token = str(RefreshToken.for_user(curator).access_token)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    rows = []
    for code, name in territories:
        territory = Territory.objects.get(insee_code=code)
        result = selectors.territory_coverage(territory=territory)
        path = f"/api/v1/stats/coverage/?territory={code}"

        def api(path=path) -> None:
            response = client.get(path)
            assert response.status_code == 200, response.content[:300]

        sizes = {"json_bytes": len(client.get(path).content)}
        png = territory_coverage_png(territory=territory)
        rows.append(
            {
                "territory": name,
                "activities": result["activities"]["total"],
                "venues": next(r for r in result["coverage"] if r["category"] == "any")["venues"],
                "cells": selectors.population_grid(territory=territory).size,
                "cold": timed(
                    lambda t=territory: selectors.territory_coverage(territory=t),
                    runs,
                    before=lambda: selectors.forget(shared=True),
                ),
                "new_process": timed(
                    lambda t=territory: selectors.territory_coverage(territory=t),
                    runs,
                    before=selectors.forget,
                ),
                "warm": timed(lambda t=territory: selectors.territory_coverage(territory=t), runs),
                "api": timed(api, runs),
                "png": timed(lambda t=territory: territory_coverage_png(territory=t), runs),
                "png_bytes": len(png),
                **sizes,
            }
        )
    return rows


def table(rows: list[dict]) -> str:
    def cell(value: dict) -> str:
        median, low, high = value["wall"]
        return (
            f"{median * 1000:.0f} ms ({low * 1000:.0f}-{high * 1000:.0f}), "
            f"CPU {value['cpu'][0] * 1000:.0f} ms"
        )

    lines = [
        "| territory | activities | venues | H3 cells | coverage cold | new process "
        "| coverage warm | API (JSON) | PNG |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['territory']} | {row['activities']:,} | {row['venues']:,} | {row['cells']:,} "
            f"| {cell(row['cold'])} | {cell(row['new_process'])} | {cell(row['warm'])} "
            f"| {cell(row['api'])}, "
            f"{row['json_bytes'] / 1000:.0f} kB | {cell(row['png'])}, "
            f"{row['png_bytes'] / 1000:.0f} kB |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--reload", action="store_true", help="write the activities again")
    args = parser.parse_args(argv)

    ensure_database(args.database_url)
    migrate(args.database_url)
    setup_django(args.database_url)
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    from activities.models import Activity

    loaded = Activity.objects.filter(source=SOURCE, status="published").count()
    if args.reload or loaded != args.activities:
        started = time.perf_counter()
        loaded = load(args.activities, seed=args.seed)
        print(f"loaded {loaded:,} activities in {time.perf_counter() - started:.1f} s")
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        print(f"reusing {loaded:,} activities")
    load_before = os.getloadavg()[0]
    rows = measure(runs=args.runs)
    print(table(rows))
    print(
        f"median of {args.runs} runs (min-max); load average {load_before:.2f} before, "
        f"{os.getloadavg()[0]:.2f} after"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
