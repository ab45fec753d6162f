"""The import benchmark: 10,000 activities imported through the runner on PostgreSQL.

    python -m bench.imports --rows 10000 [--database-url postgres://...]

The database (relier_imp_bench by default) is created if missing and migrated (the taxonomy
and the territories of Loire-Atlantique). Each run imports into a new organization, in this
process (one worker, as a Celery worker runs a job): `--rows` items generated with a fixed
seed, as a source reader yields them (`interop.imports.items`), each at one of `rows / 3`
venues of Nantes Métropole given by name, address and coordinates, with one or two
categories given by their French name and a weekly schedule. Every item goes the whole way
a job's item goes: its fields read by the model's fields, categories resolved, its place found
or created (and located in its commune), the activity created, its schedule validated and its
sessions materialized for the rolling window, then submitted for review. Then the same items
are imported again, which must change nothing ("unchanged" for every item).

The items are generated rather than read from a CSV file so that the figure measures the
runner; reading a CSV file of that size is the reader's part and is measured apart.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time
from collections.abc import Sequence

from bench.load_search_dataset import ensure_database, migrate, setup_django

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/relier_imp_bench"
DEFAULT_SEED = 20261207
# Points inside Nantes Métropole (the venues are drawn around them, within ~2 km).
CENTRES = [(47.2184, -1.5536), (47.1920, -1.5690), (47.2450, -1.5200), (47.2090, -1.6500)]
CATEGORIES = ["Tricot et couture", "Danse", "Gym douce", "Marche et randonnée", "Jeux de société"]
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA"]


def items(rows: int, *, seed: int = DEFAULT_SEED, today: datetime.date | None = None) -> list:
    """`rows` items as a reader yields them, the same for the same seed and day."""
    from django.utils import timezone

    from interop.imports.items import SourceItem

    rng = random.Random(seed)
    today = today or timezone.localdate()
    venues = []
    for n in range(max(1, rows // 3)):
        lat, lng = rng.choice(CENTRES)
        venues.append(
            {
                "name": f"Salle {n}",
                "address": f"{n} rue des Essais",
                "lat": round(lat + rng.uniform(-0.015, 0.015), 5),
                "lng": round(lng + rng.uniform(-0.02, 0.02), 5),
            }
        )
    made = []
    for n in range(rows):
        hour = rng.choice([9, 10, 14, 15, 17])
        made.append(
            SourceItem(
                external_id=f"bench-{n}",
                position=n + 2,  # the line in a CSV file whose header is line 1
                activity={
                    "title": f"Atelier {n}",
                    "summary": "Un moment convivial pour se retrouver.",
                    "kind": rng.choice(["club", "class", "outing"]),
                    "categories": rng.sample(CATEGORIES, rng.choice([1, 2])),
                },
                place=dict(rng.choice(venues)),
                schedules=[
                    {
                        "rrule": f"FREQ=WEEKLY;BYDAY={rng.choice(DAYS)}",
                        "start_time": f"{hour:02d}:00",
                        "end_time": f"{hour + 2:02d}:00",
                        "valid_from": today.isoformat(),
                    }
                ],
            )
        )
    return made


def run_once(entries: list, *, organization=None, source: str = "bench.csv") -> dict:
    """Import the entries into an organization (a new one unless given) twice; the times
    and the two reports."""
    from accounts.models import User
    from activities.models import Membership, Organization
    from interop.imports import runner

    stamp = time.time_ns()
    if organization is None:
        organization = Organization.objects.create(name="Banc d'essai", slug=f"banc-{stamp}")
    editor = User.objects.create_user(email=f"bench-{stamp}@example.org", password=None)
    Membership.objects.create(user=editor, organization=organization, role="owner")
    result: dict = {"rows": len(entries)}
    for name in ("first", "second"):
        job = runner.import_job_create(
            organization=organization, by=editor, kind="csv", source=source, data=b"", language="en"
        )
        started = time.perf_counter()
        job = runner.job_run(job=job, entries=entries)
        result[f"{name}_seconds"] = round(time.perf_counter() - started, 2)
        result[f"{name}_report"] = {
            key: job.report[key]
            for key in ("created", "updated", "unchanged", "archived", "skipped")
        } | {"errors": job.report.get("errors_count", 0)}
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    args = parser.parse_args(argv)

    ensure_database(args.database_url)
    migrate(args.database_url)
    setup_django(args.database_url)
    import logging

    logging.getLogger("celery").setLevel(logging.WARNING)
    load_before = os.getloadavg()[0]
    entries = items(args.rows, seed=args.seed)
    result = run_once(entries)
    print(result)
    rate = args.rows / result["first_seconds"]
    print(
        f"| {args.rows:,} items | first import {result['first_seconds']:.1f} s "
        f"({rate:.0f} items/s): {result['first_report']} | again "
        f"{result['second_seconds']:.1f} s: {result['second_report']} | load average "
        f"{load_before:.2f} before, {os.getloadavg()[0]:.2f} after |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
