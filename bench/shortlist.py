"""A referred person's shortlist (`referrals.services.shortlist_compute`), on PostgreSQL.

    python -m bench.shortlist --activities 200000 [--persons 200] [--skip-load] \\
        [--database-url postgres://postgres@127.0.0.1:5432/relier_ref_bench_shortlist]

1. The directory: `bench.load_search_dataset` (the search and matcher benchmarks' COPY
   loader) fills the dedicated database with the synthetic France of `--activities`
   published activities (reused when it is there).
2. Persons: one verified social action centre and its referrer hold `--persons` persons,
   homes drawn near the directory's venues (where people live), reach 1-15 km, a third
   needing step-free access, a tenth homebound, one to three languages, availability and
   budget varied; each agreed to be referred.
3. The first shortlist builds the process's candidate matrix (timed apart: a worker does it
   once, then keeps it up to date); then every person's shortlist is timed, end to end as the
   API's view calls it (engine, cards, sessions, reasons, the access log's write).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/relier_ref_bench_shortlist"
ALL_SLOTS = (1 << 21) - 1


def _bench_referrer():
    from django.contrib.auth import get_user_model

    from activities.models import Membership, Organization

    organization, _created = Organization.objects.get_or_create(
        slug="bench-ccas",
        defaults={"name": "CCAS (bench)", "kind": "social_action_centre", "verified": True},
    )
    user, _created = get_user_model().objects.get_or_create(
        email="referrer@bench-shortlist.invalid", defaults={"display_name": "Referrer"}
    )
    Membership.objects.get_or_create(
        user=user, organization=organization, defaults={"role": "referrer"}
    )
    return organization, user


def persons(n: int, *, seed: int) -> list:
    """n persons of the bench social action centre (the previous ones are erased first)."""
    from activities.models import Activity
    from referrals import services
    from referrals.models import Person

    organization, referrer = _bench_referrer()
    Person.objects.filter(organization=organization).delete()
    rng = random.Random(seed)
    venues = list(
        Activity.objects.filter(status="published", lat__isnull=False)
        .order_by("?")
        .values_list("lat", "lng")[: max(n, 1)]
    )
    made = []
    for k in range(n):
        lat, lng = venues[k % len(venues)] if venues else (47.2184, -1.5536)
        home = (lat + rng.uniform(-0.02, 0.02), lng + rng.uniform(-0.03, 0.03))
        person = services.person_create(
            organization=organization,
            by=referrer,
            home=home,
            first_name=f"Personne {k}",
            max_distance_km=rng.uniform(1, 15),
            step_free=rng.random() < 0.33,
            homebound=rng.random() < 0.1,
            languages_mask=rng.choice([1, 1, 1, 3, 5]),
            availability_mask=rng.choice([ALL_SLOTS, ALL_SLOTS, rng.randint(1, ALL_SLOTS)]),
            budget_max=rng.choice([None, None, 0, 5, 15]),
        )
        services.consent_record(person=person, by=referrer, scope="referral", method="oral")
        made.append(person)
    return made


def time_shortlists(people: list, *, log=print) -> dict[str, float]:
    """Seconds of the first shortlist (builds the matrix) and of every one after, in ms."""
    from matching import candidates
    from referrals import services

    _organization, referrer = _bench_referrer()
    candidates.forget()
    started = time.perf_counter()
    services.shortlist_compute(person=people[0], by=referrer, language="fr")
    cold = time.perf_counter() - started
    timings, sizes = [], []
    for person in people:
        started = time.perf_counter()
        items = services.shortlist_compute(person=person, by=referrer, language="fr")
        timings.append((time.perf_counter() - started) * 1000)
        sizes.append(len(items))
    timings.sort()

    def percentile(q: float) -> float:
        return timings[min(len(timings) - 1, int(q * len(timings)))]

    result = {
        "persons": len(people),
        "cold_first_s": round(cold, 2),
        "p50_ms": round(percentile(0.5), 1),
        "p95_ms": round(percentile(0.95), 1),
        "p99_ms": round(percentile(0.99), 1),
        "max_ms": round(timings[-1], 1),
        "mean_items": round(statistics.mean(sizes), 1),
    }
    log(f"shortlist: {result}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--activities", type=int, default=200_000)
    parser.add_argument("--persons", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--skip-load", action="store_true", help="the directory is loaded")
    args = parser.parse_args(argv)
    from bench.load_search_dataset import load_search_dataset, setup_django

    if args.skip_load:
        setup_django(args.database_url)
    else:
        load_search_dataset(n=args.activities, database_url=args.database_url)
    from activities.models import Activity

    print(f"directory: {Activity.objects.filter(status='published').count()} published")
    people = persons(args.persons, seed=args.seed)
    time_shortlists(people)
    return 0


if __name__ == "__main__":
    sys.exit(main())
