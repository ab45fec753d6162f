"""An impact report over a territory of 100,000 people and 1,000,000 sessions, on PostgreSQL,
with a planted effect in the measures.

    python -m bench.impact [--people 100000] [--sessions 1000000] [--runs 5] [--skip-load] \\
        [--database-url postgres://postgres@127.0.0.1:5432/relier_impact_bench]

1. Load (into a dedicated database, migrated first): one association with `--activities`
   activities in Nantes (INSEE 44109) of every programme kind, a session every week for 26
   weeks; `--people` residents, each attending one activity from a week drawn at random (half
   stay to the end, half come one to three times) and a quarter a second one, until the
   sessions attended number about `--sessions`; 70 % agreed to the measures, and half of them
   answered UCLA-3 and ONS4 at intake and at 3 months with a planted change (`cohort`); a CCAS
   refers `--persons` persons to the activities, a third of whom use the app, with statuses
   and their history.
2. Time the territory's report (`impact.reports.build`, what the API's view calls, and its
   JSON rendering) `--runs` times after one warm-up run; print the median and the slowest,
   and the planted against the measured changes.

`cohort` is the planted effect, shared with the tests (acceptance: the planted mean change lies
within the report's 95 % interval; with no effect planted, the interval covers zero).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/relier_impact_bench"
WEEKS = 26
KINDS = ("club", "peer_support", "friendship", "class", "outing", "volunteering")
# The planted changes, intake to 3 months: UCLA-3 falls by one point, life satisfaction rises
# by one, the others do not move.
PLANTED = {"ucla3": -1, "life_satisfaction": 1, "worthwhile": 0, "happiness": 0, "anxiety": 0}
NOISE = 2  # each person's change is the planted one plus a whole number in [-2, 2]


def cohort(n: int, *, effect: int, low: int, high: int, seed: int) -> list[tuple[int, int]]:
    """n (intake, 3 months) scores on a scale low..high whose mean change is `effect` in
    expectation: the change is the effect plus symmetric noise, and the intake is drawn where
    no later score leaves the scale (nothing is clipped, so nothing biases the mean)."""
    rng = random.Random(seed)
    first = low + NOISE - min(effect, 0)
    last = high - NOISE - max(effect, 0)
    pairs = []
    for _ in range(n):
        before = rng.randint(first, last)
        pairs.append((before, before + effect + rng.randint(-NOISE, NOISE)))
    return pairs


def ucla_answers(total: int) -> dict[str, int]:
    first = min(3, total - 2)
    second = min(3, total - first - 1)
    return {"companionship": first, "left_out": second, "isolated": total - first - second}


def load(
    *,
    people: int,
    sessions: int,
    activities: int,
    persons: int,
    seed: int,
    log: Callable[[str], None] = print,
    batch: int = 20_000,
):
    """The bench's territory (see the module's docstring); returns its curator."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from activities.models import (
        Activity,
        Membership,
        Occurrence,
        Organization,
        Registration,
        Territory,
    )
    from impact.models import MeasureConsent, Measurement
    from impact.services import ties_rebuild
    from referrals.models import Consent, Person, Referral

    User = get_user_model()
    rng = random.Random(seed)
    now = timezone.now()
    started = time.perf_counter()
    nantes = Territory.objects.get(insee_code="44109")
    association = Organization.objects.create(name="Bench association", slug="bench-impact")
    municipality = Organization.objects.create(
        name="Ville (bench)", slug="bench-impact-ville", kind="municipality"
    )
    municipality.territories.set([nantes])
    ccas = Organization.objects.create(
        name="CCAS (bench)", slug="bench-impact-ccas", kind="social_action_centre", verified=True
    )
    curator = User.objects.create(email="curator@bench-impact.invalid", display_name="Curator")
    referrer = User.objects.create(email="referrer@bench-impact.invalid", display_name="Ref")
    Membership.objects.create(user=curator, organization=municipality, role="editor")
    Membership.objects.create(user=referrer, organization=ccas, role="referrer")
    made = Activity.objects.bulk_create(
        [
            Activity(
                organization=association,
                title=f"Activité {index}",
                summary="Bench",
                kind=KINDS[index % len(KINDS)],
                attendance_mode="online",
                status="published",
                territory=nantes,
            )
            for index in range(activities)
        ]
    )
    activity_ids = [activity.pk for activity in made]
    monday = (now - datetime.timedelta(weeks=WEEKS - 1)).replace(hour=14, minute=0, second=0)
    occurrences = Occurrence.objects.bulk_create(
        [
            Occurrence(
                activity_id=activity_id,
                series_start=monday + datetime.timedelta(weeks=week),
                start=monday + datetime.timedelta(weeks=week),
                end=monday + datetime.timedelta(weeks=week, hours=2),
            )
            for activity_id in activity_ids
            for week in range(WEEKS)
        ],
        batch_size=batch,
    )
    occurrence_of = {(o.activity_id, o.start): o.pk for o in occurrences}
    week_start = [monday + datetime.timedelta(weeks=week) for week in range(WEEKS)]
    log(f"{activities} activities, {len(occurrences)} sessions scheduled")
    users = User.objects.bulk_create(
        [
            User(email=f"p{index}@bench-impact.invalid", display_name="P", password="!")
            for index in range(people)
        ],
        batch_size=batch,
    )
    user_ids = [user.pk for user in users]
    # Sessions: half stay to the last week, half come one to three times; a quarter also go
    # to a second activity, as many weeks as the sessions left to reach the target allow.
    rows, attended = [], 0
    second_share = 0.25
    for user_id in user_ids:
        plan = []
        activity_id, week = rng.choice(activity_ids), rng.randrange(WEEKS - 2)
        end = WEEKS if rng.random() < 0.5 else min(WEEKS, week + rng.randint(1, 3))
        plan.append((activity_id, week, end))
        if rng.random() < second_share:
            other, start = rng.choice(activity_ids), rng.randrange(WEEKS - 1)
            if other != activity_id:
                plan.append((other, start, min(WEEKS, start + rng.randint(4, 26))))
        for activity_id, first, last in plan:
            for w in range(first, last):
                rows.append(
                    Registration(
                        user_id=user_id,
                        activity_id=activity_id,
                        occurrence_id=occurrence_of[(activity_id, week_start[w])],
                        status="attended",
                        position=1,
                        first_visit=w == first,
                    )
                )
        if len(rows) >= batch:
            attended += len(rows)
            Registration.objects.bulk_create(rows, batch_size=batch)
            rows = []
        if attended + len(rows) >= sessions:
            break
    attended += len(rows)
    Registration.objects.bulk_create(rows, batch_size=batch)
    ties = ties_rebuild()  # as the nightly task does (bulk rows send no signal)
    log(
        f"{people} people, {attended} sessions attended, {ties} ties "
        f"({time.perf_counter() - started:.0f} s)"
    )
    # Consent and measures, the planted change in each measure.
    agreeing = [user_id for user_id in user_ids if rng.random() < 0.7]
    MeasureConsent.objects.bulk_create(
        [MeasureConsent(user_id=user_id, agreed_at=now) for user_id in agreeing],
        batch_size=batch,
    )
    measured = agreeing[: len(agreeing) // 2]
    scales = {"ucla3": (3, 9)} | {m: (0, 10) for m in PLANTED if m != "ucla3"}
    planted = {
        measure: cohort(len(measured), effect=effect, low=scales[measure][0],
                        high=scales[measure][1], seed=seed + index)
        for index, (measure, effect) in enumerate(PLANTED.items())
    }  # fmt: skip
    today = timezone.localdate(now)
    measurements = []
    for index, user_id in enumerate(measured):
        for context, side, when in (("intake", 0, 100), ("month_3", 1, 5)):
            ucla = planted["ucla3"][index][side]
            ons4 = {m: planted[m][index][side] for m in PLANTED if m != "ucla3"}
            common = {"user_id": user_id, "context": context,
                      "measured_on": today - datetime.timedelta(days=when)}  # fmt: skip
            measurements.append(
                Measurement(**common, instrument="ucla3", answers=ucla_answers(ucla), ucla3=ucla)
            )
            measurements.append(Measurement(**common, instrument="ons4", answers=ons4, **ons4))
    Measurement.objects.bulk_create(measurements, batch_size=batch)
    log(f"{len(agreeing)} agreed, {len(measured)} measured twice")
    # Referred persons: a third use the app (their account attends), statuses and history.
    with_app = rng.sample(user_ids, persons // 3)
    held = Person.objects.bulk_create(
        [
            Person(organization=ccas, created_by=referrer, first_name=f"R{index}",
                   user_id=with_app[index] if index < len(with_app) else None)
            for index in range(persons)
        ],
        batch_size=batch,
    )  # fmt: skip
    consents = [
        Consent(person=p, scope=scope, method="oral", given_at=now, recorded_by=referrer)
        for p in held
        for scope in ("referral", "follow_up")
        if scope == "referral" or rng.random() < 0.6
    ]
    Consent.objects.bulk_create(consents, batch_size=batch)
    statuses = ["requested", "accepted", "in-progress", "completed", "rejected", "cancelled"]
    referrals = Referral.objects.bulk_create(
        [
            Referral(person=p, referring_organization=ccas, receiving_organization=association,
                     activity_id=rng.choice(activity_ids), created_by=referrer,
                     status=rng.choice(statuses))
            for p in held
        ],
        batch_size=batch,
    )  # fmt: skip
    path = {
        "requested": ["requested"],
        "accepted": ["requested", "accepted"],
        "in-progress": ["requested", "accepted", "in-progress"],
        "completed": ["requested", "accepted", "in-progress", "completed"],
        "rejected": ["requested", "rejected"],
        "cancelled": ["requested", "accepted", "cancelled"],
    }
    History = Referral.history.model
    history = [
        History(id=r.pk, status=status, status_reason="", created_at=r.created_at,
                person_id=r.person_id, referring_organization_id=ccas.pk,
                receiving_organization_id=association.pk, activity_id=r.activity_id,
                history_date=now - datetime.timedelta(days=100 - step),
                history_type="+" if step == 0 else "~")
        for r in referrals
        for step, status in enumerate(path[r.status])
    ]  # fmt: skip
    History.objects.bulk_create(history, batch_size=batch)
    with transaction.atomic():
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    log(f"{persons} persons referred; loaded in {time.perf_counter() - started:.0f} s")
    return curator


def time_report(curator, *, runs: int, log: Callable[[str], None] = print) -> dict:
    """The territory's report, built and rendered as the API does, `runs` times after one."""
    from api.renderers import FastJSONRenderer
    from impact import reports

    def once():
        scope = reports.report_scope(user=curator, territory="44109")
        report = reports.build(scope=scope)
        return report, FastJSONRenderer().render(report.body)

    report, body = once()  # warm-up: the connection, the imports
    load_before = os.getloadavg()[0]
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        report, body = once()
        timings.append(time.perf_counter() - started)
    change = report.body["change"]
    result = {
        "runs": runs,
        "median_s": round(statistics.median(timings), 3),
        "max_s": round(max(timings), 3),
        "json_bytes": len(body),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "people_at_4_weeks": report.body["retention"]["curve"][0]["people"],
        "referrals": report.body["referrals"]["funnel"]["made"],
        "planted": PLANTED,
        "measured": {
            measure: {k: change[measure][k] for k in ("n", "mean", "low", "high")}
            for measure in PLANTED
        },
    }
    log(json.dumps(result))
    return result


def machine() -> str:
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next(line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line)
    except (OSError, StopIteration):
        pass
    return f"{model}, nproc {os.cpu_count()}, Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--activities", type=int, default=2_000)
    parser.add_argument("--persons", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--skip-load", action="store_true", help="the territory is loaded")
    args = parser.parse_args(argv)
    from bench.load_search_dataset import setup_django

    if not args.skip_load:
        name = args.database_url.rsplit("/", 1)[1]
        admin = args.database_url.rsplit("/", 1)[0] + "/postgres"
        subprocess.run(["psql", admin, "-c", f'DROP DATABASE IF EXISTS "{name}"'], check=True)
        subprocess.run(["psql", admin, "-c", f'CREATE DATABASE "{name}"'], check=True)
    setup_django(args.database_url)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    if args.skip_load:
        curator = get_user_model().objects.get(email="curator@bench-impact.invalid")
    else:
        call_command("migrate", verbosity=0)
        curator = load(
            people=args.people,
            sessions=args.sessions,
            activities=args.activities,
            persons=args.persons,
            seed=args.seed,
        )
    print(f"machine: {machine()}")
    time_report(curator, runs=args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
