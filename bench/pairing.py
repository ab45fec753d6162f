"""The pairing solver at the size of a département, against the greedy pass; and the
coordinator's whole run on PostgreSQL, writes included.

    python -m bench.pairing --volunteers 5000 --requests 20000 [--runs 3] [--seed N]
    python -m bench.pairing --stored [--database-url postgres://...] [--runs 3]

A synthetic team over Loire-Atlantique (about 7,000 km²): volunteers and people drawn around
towns (Nantes holding about a third, the rest spread over eleven other towns and the
countryside), each with a weekly availability of a few slots out of 21, one to three
languages out of eight (French nearly always), what they offer or want (visits mostly, calls,
outings), a reach of 3 to 15 km, a capacity of one to three people, interests out of twenty;
90 % of volunteers fully vetted; priorities 0 to 3; waiting times up to two years. The solver
runs on one core (BLAS threads set to 1 before numpy loads). The greedy pass (the
longest-waiting first, each given the nearest feasible volunteer with room) runs on the same
instance. Printed as JSON: seconds of the solver (candidates found, weights, the matching, the
proposals) per run, then, for both, the people paired, the total compatibility, and the longest
wait among those left unpaired, of all and of those who had at least one feasible volunteer.

With `--stored`, the same instance is written as one team (its volunteers, vetting and
requests; the database, relier_visiting_bench by default, is created if missing and
migrated), and each run is the coordinator's run as the task does it
(`visiting.services.pairing_run_execute`): the volunteers and the queue read, the solver, the
proposals and their history written, the people marked paired, committed. Before each run the
previous run's pairs are deleted and everyone waits again. Printed: wall and CPU seconds of
the process per run, and the pairs stored.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

from visiting.pairing import (  # noqa: E402
    CALL,
    OUTING,
    VISIT,
    Request,
    Volunteer,
    candidates,
    greedy,
    objective,
    pair,
)

TOWNS = [  # (lat, lng, weight): Nantes and eleven towns of Loire-Atlantique
    (47.218, -1.554, 34), (47.273, -2.214, 7), (47.212, -1.724, 3), (47.166, -1.471, 3),
    (47.286, -1.520, 3), (47.441, -1.836, 2), (47.366, -2.400, 2), (46.993, -1.731, 2),
    (47.718, -1.376, 2), (47.112, -2.102, 2), (47.378, -1.187, 2), (47.270, -2.340, 2),
]  # fmt: skip
COUNTRYSIDE = (46.86, 47.84, -2.56, -1.00)  # the rest: uniform over the département's box
INTERESTS = [f"interest-{n}" for n in range(20)]


def _place(rng: random.Random) -> tuple[float, float]:
    if rng.random() < 0.2:
        lat0, lat1, lng0, lng1 = COUNTRYSIDE
        return rng.uniform(lat0, lat1), rng.uniform(lng0, lng1)
    lat, lng, _ = rng.choices(TOWNS, weights=[w for *_, w in TOWNS])[0]
    return rng.gauss(lat, 0.03), rng.gauss(lng, 0.045)


def _slots(rng: random.Random, low: int, high: int) -> int:
    mask = 0
    for slot in rng.sample(range(21), rng.randint(low, high)):
        mask |= 1 << slot
    return mask


def _languages(rng: random.Random) -> int:
    mask = 1 if rng.random() < 0.97 else 0
    for _ in range(rng.choice([0, 0, 0, 1, 2])):
        mask |= 1 << rng.randint(1, 7)
    return mask or 1


def _kinds(rng: random.Random) -> int:
    return rng.choices([VISIT, VISIT | CALL, CALL, VISIT | OUTING, OUTING], [5, 3, 2, 2, 1])[0]


def instance(volunteers: int, requests: int, seed: int):
    rng = random.Random(seed)
    team = []
    for n in range(volunteers):
        lat, lng = _place(rng)
        team.append(
            Volunteer(
                id=n + 1, lat=lat, lng=lng, reach_km=rng.choice([3.0, 5.0, 8.0, 10.0, 15.0]),
                slots=_slots(rng, 2, 8), languages=_languages(rng), offers=_kinds(rng),
                capacity=rng.choice([1, 1, 2, 2, 3]), vetted=rng.random() < 0.9,
                interests=frozenset(rng.sample(INTERESTS, rng.randint(1, 4))),
                gender=rng.choice("fm"), wants_gender="",
            )
        )  # fmt: skip
    asked = []
    for n in range(requests):
        lat, lng = _place(rng)
        asked.append(
            Request(
                id=n + 1, lat=lat, lng=lng, slots=_slots(rng, 2, 10),
                languages=_languages(rng), wants=_kinds(rng),
                interests=frozenset(rng.sample(INTERESTS, rng.randint(0, 4))),
                priority=rng.choices([0, 1, 2, 3], [5, 3, 2, 1])[0],
                waiting_days=int(rng.expovariate(1 / 120)) % 730, gender=rng.choice("fm"),
                wants_gender=rng.choice(["", "", "", "", "f"]),
            )
        )  # fmt: skip
    return team, asked


def longest_wait_unpaired(proposals, requests, among=None) -> int:
    """The longest wait of the people left unpaired (among the ids `among`, if given)."""
    paired = {p.request for p in proposals}
    return max(
        (
            r.waiting_days
            for r in requests
            if r.id not in paired and (among is None or r.id in among)
        ),
        default=0,
    )


def run(volunteers: int, requests: int, runs: int, seed: int) -> dict:
    team, asked = instance(volunteers, requests, seed)
    seconds, proposals = [], []
    for _ in range(runs):
        started = time.process_time()
        proposals = pair(team, asked)
        seconds.append(time.process_time() - started)
    started = time.process_time()
    hand = greedy(team, asked)
    greedy_seconds = time.process_time() - started
    with_a_volunteer = {asked[i].id for i in candidates(team, asked, per_person=None).request}
    solved_count, _ = objective(proposals, team, asked)
    hand_count, _ = objective(hand, team, asked)
    return {
        "volunteers": volunteers,
        "requests": requests,
        "places": sum(v.capacity for v in team if v.vetted),
        "solver_cpu_seconds": [round(s, 2) for s in seconds],
        "solver_cpu_seconds_median": round(statistics.median(seconds), 2),
        "greedy_cpu_seconds": round(greedy_seconds, 2),
        "paired": {"solver": solved_count, "greedy": hand_count},
        "total_compatibility": {
            "solver": round(sum(p.score for p in proposals), 1),
            "greedy": round(sum(p.score for p in hand), 1),
        },
        "people_with_a_feasible_volunteer": len(with_a_volunteer),
        "longest_wait_unpaired_days": {
            "solver": longest_wait_unpaired(proposals, asked),
            "greedy": longest_wait_unpaired(hand, asked),
        },
        "longest_wait_unpaired_with_a_feasible_volunteer_days": {
            "solver": longest_wait_unpaired(proposals, asked, with_a_volunteer),
            "greedy": longest_wait_unpaired(hand, asked, with_a_volunteer),
        },
        "machine": f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}",
    }


DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/relier_visiting_bench"


def store_instance(team_members, asked, *, today: datetime.date):
    """Write the instance as one team of a bench association (the previous bench team is
    deleted first): returns the team and its coordinator."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from activities.models import Membership, Organization
    from matching.services import coarsen
    from visiting.models import Team, VisitRequest, Volunteer

    User = get_user_model()
    with transaction.atomic():
        organization, _created = Organization.objects.get_or_create(
            slug="bench-visiting", defaults={"name": "Visites (bench)", "kind": "association"}
        )
        coordinator, _created = User.objects.get_or_create(
            email="coordinator@bench-visiting.invalid", defaults={"display_name": "Coordinator"}
        )
        Membership.objects.get_or_create(
            user=coordinator, organization=organization, defaults={"role": "editor"}
        )
        Team.objects.filter(organization=organization).delete()
        User.objects.filter(email__endswith="@volunteers.bench-visiting.invalid").delete()
        team = Team.objects.create(organization=organization, name="Loire-Atlantique (bench)")
        users = User.objects.bulk_create(
            User(email=f"v{v.id}@volunteers.bench-visiting.invalid", display_name=f"V{v.id}")
            for v in team_members
        )
        signed = today - datetime.timedelta(days=60)
        rows = []
        for user, v in zip(users, team_members, strict=True):
            lat, lng, cell = coarsen(v.lat, v.lng)
            rows.append(
                Volunteer(
                    team=team, user=user, home_lat=lat, home_lng=lng, home_cell=cell,
                    reach_km=v.reach_km, availability_mask=v.slots, languages_mask=v.languages,
                    interests=sorted(v.interests), offers=v.offers, capacity=v.capacity,
                    gender=v.gender, wants_gender=v.wants_gender, charter_signed_on=signed,
                    trained_on=signed if v.vetted else None, reference_checked_on=signed,
                )
            )  # fmt: skip
        Volunteer.objects.bulk_create(rows, batch_size=2000)
        rows = []
        for r in asked:
            lat, lng, cell = coarsen(r.lat, r.lng)
            rows.append(
                VisitRequest(
                    team=team, created_by=coordinator, entered_by="coordinator",
                    first_name=f"P{r.id}", home_lat=lat, home_lng=lng, home_cell=cell,
                    availability_mask=r.slots, languages_mask=r.languages,
                    interests=sorted(r.interests), wants=r.wants, gender=r.gender,
                    wants_gender=r.wants_gender, priority=r.priority,
                    requested_on=today - datetime.timedelta(days=r.waiting_days),
                )
            )  # fmt: skip
        VisitRequest.objects.bulk_create(rows, batch_size=2000)
    _analyze()
    return team, coordinator


def _backend_pid() -> int | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _cpu_of(pid: int | None) -> float:
    """CPU seconds (user + system) of a process of this machine, 0 if unknown."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, TypeError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _analyze() -> None:
    """Fresh statistics for the planner, as a database that lives has them (autovacuum
    would, a while after a bulk load or the reset's deletions)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE visiting_volunteer, visiting_visitrequest, visiting_pair")


def stored_runs(team, coordinator, runs: int, *, today: datetime.date) -> dict:
    """Each run as the task does it, timed (wall and the process's CPU), after the previous
    run's pairs are deleted and everyone waits again."""
    from django.db import transaction

    from visiting.models import Pair, PairingRun, VisitRequest
    from visiting.services import pairing_run_execute

    walls, cpus, database_cpus, stored = [], [], [], []
    backend = _backend_pid()
    for _ in range(runs):
        with transaction.atomic():
            Pair.history.filter(team_id=team.pk).delete()
            Pair.objects.filter(team=team).delete()
            VisitRequest.objects.filter(team=team).update(status="waiting", returned_at=None)
            PairingRun.objects.filter(team=team).delete()
        _analyze()
        run_ = PairingRun.objects.create(team=team, created_by=coordinator)
        wall, cpu, database_cpu = time.perf_counter(), time.process_time(), _cpu_of(backend)
        done = pairing_run_execute(run=run_, today=today)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        database_cpus.append(_cpu_of(backend) - database_cpu)
        stored.append(Pair.objects.filter(run=done).count())
    return {
        "run_wall_seconds": [round(s, 2) for s in walls],
        "run_cpu_seconds": [round(s, 2) for s in cpus],
        "run_wall_seconds_median": round(statistics.median(walls), 2),
        # The PostgreSQL backend serving the run (read from /proc: same machine only).
        "run_database_cpu_seconds": [round(s, 2) for s in database_cpus],
        "run_cpu_seconds_with_database": [
            round(a + b, 2) for a, b in zip(cpus, database_cpus, strict=True)
        ],
        "pairs_stored": stored,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument(
        "--stored", action="store_true", help="the run on PostgreSQL, writes included"
    )
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    args = parser.parse_args(argv)
    if not args.stored:
        print(json.dumps(run(args.volunteers, args.requests, args.runs, args.seed), indent=2))
        return 0
    from bench.load_search_dataset import ensure_database, migrate, setup_django

    ensure_database(args.database_url)
    migrate(args.database_url)
    setup_django(args.database_url)
    today = datetime.date(2026, 12, 7)
    team_members, asked = instance(args.volunteers, args.requests, args.seed)
    started = time.perf_counter()
    team, coordinator = store_instance(team_members, asked, today=today)
    loaded = round(time.perf_counter() - started, 1)
    result = {
        "volunteers": args.volunteers,
        "requests": args.requests,
        "load_seconds": loaded,
        **stored_runs(team, coordinator, args.runs, today=today),
        "machine": f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}",
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
