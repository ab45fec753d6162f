"""The registration benchmark: many residents register at once for a session of few seats,
through gunicorn on PostgreSQL.

    python -m bench.registrations --attempts 500 --seats 10

One run: a database of its own (`relier_reg_bench`, dropped and created) holds one
published activity with one session of `--seats` seats and `--attempts` residents; gunicorn
serves the API on loopback (sync workers, 2 per core, as the Dockerfile runs it); every
resident's thread waits at a barrier, then sends `POST occurrences/{id}/registration/` at
once. Then the database is read back and checked: exactly `--seats` going, the rest
waitlisted, no resident twice, positions 1..N without a gap, and the waitlist in the order the
registrations reached the session's lock (positions ordered as the rows' creation times).
Each request's time (from just before it is sent to its answer, queueing in the server
included) gives the p50, p95 and max; the same burst of reads of the framework's floor
(bench/floor.py), right after, says what the machine gave any request then. Results go to
bench/results/registrations-<ts>.json and a Markdown row is printed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from bench.load_search_dataset import ROOT
from bench.search import FLOOR_PATH, Server, free_port, server_environment

RESULTS_DIR = ROOT / "bench" / "results"
DEFAULT_BASE_URL = "postgres://postgres@127.0.0.1:5432"
DATABASE = "relier_reg_bench"


# --- the directory and the residents --------------------------------------------------------


def seed(*, attempts: int, seats: int, now: datetime.datetime | None = None) -> tuple[int, list]:
    """A published activity with one session of `seats` seats in two days, and `attempts`
    residents. Returns the session's id and the residents. Needs Django set up."""
    from django.utils import timezone

    from accounts.models import User
    from activities.geo import cell_of
    from activities.models import Activity, Occurrence, Organization, Place

    now = now or timezone.now()
    organization = Organization.objects.create(
        name="Club des voisins", slug=f"club-des-voisins-{now.timestamp():.0f}"
    )
    place = Place.objects.create(
        organization=organization,
        name="Salle des fêtes",
        city="Nantes",
        lat=47.2184,
        lng=-1.5536,
        h3_cell=cell_of(47.2184, -1.5536),
    )
    start = now + datetime.timedelta(days=2)
    activity = Activity.objects.create(
        organization=organization,
        place=place,
        title="Atelier tricot",
        summary="On tricote ensemble.",
        kind="club",
        status="published",
        capacity=seats,
        lat=place.lat,
        lng=place.lng,
        h3_cell=place.h3_cell,
        next_start=start,
    )
    occurrence = Occurrence.objects.create(
        activity=activity,
        series_start=start,
        start=start,
        end=start + datetime.timedelta(hours=2),
        capacity=seats,
    )
    stamp = f"{now.timestamp():.0f}"
    residents = User.objects.bulk_create(
        User(email=f"resident{index}-{stamp}@example.org", display_name=f"Résident {index}")
        for index in range(attempts)
    )
    return occurrence.pk, residents


def tokens_for(residents: Sequence) -> list[str]:
    from rest_framework_simplejwt.tokens import RefreshToken

    return [str(RefreshToken.for_user(resident).access_token) for resident in residents]


# --- the load -------------------------------------------------------------------------------


def _post(base: str, path: str, token: str) -> tuple[int, str]:
    request = urllib.request.Request(
        f"{base}/api/v1/{path}",
        data=b"{}",
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except (TimeoutError, ConnectionError, urllib.error.URLError) as error:
        return 0, repr(error)


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except (TimeoutError, ConnectionError, urllib.error.URLError) as error:
        return 0, repr(error)


def attack(base: str, occurrence_id: int | None, tokens: Sequence[str]) -> list[dict]:
    """Every token registers at once (threads released together by a barrier). Each answer
    with its status, body and seconds taken. With `occurrence_id` None, the same burst reads
    the framework's floor (bench/floor.py) instead: what the machine gives any request."""
    together = threading.Barrier(len(tokens))
    path = f"occurrences/{occurrence_id}/registration/"

    def one(token: str) -> dict:
        together.wait()
        began = time.perf_counter()
        if occurrence_id is None:
            status, body = _get(base + FLOOR_PATH)
        else:
            status, body = _post(base, path, token)
        return {"status": status, "body": body, "seconds": time.perf_counter() - began}

    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        return list(pool.map(one, tokens))


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (share in 0..1)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def check(*, occurrence_id: int, attempts: int, seats: int, answers: Sequence[dict]) -> dict:
    """What the database holds after the run, against what must hold."""
    from activities.models import Occurrence, Registration

    rows = list(Registration.objects.filter(occurrence_id=occurrence_id).order_by("position"))
    statuses = [row.status for row in rows]
    by_creation = sorted(rows, key=lambda row: (row.created_at, row.pk))
    answered = [answer["status"] for answer in answers]
    found = {
        "answers_201": answered.count(201),
        "answers_other": len(answered) - answered.count(201),
        "registrations": len(rows),
        "going": statuses.count("going"),
        "waitlisted": statuses.count("waitlisted"),
        "distinct_residents": len({row.user_id for row in rows}),
        "positions_without_gap": [row.position for row in rows] == list(range(1, len(rows) + 1)),
        "going_first_then_waitlist": statuses
        == ["going"] * min(seats, len(rows)) + ["waitlisted"] * max(0, len(rows) - seats),
        "waitlist_in_arrival_order": [row.pk for row in rows] == [row.pk for row in by_creation],
        "seats_taken": Occurrence.objects.get(pk=occurrence_id).seats_taken,
    }
    found["valid"] = (
        found["answers_201"] == attempts
        and found["registrations"] == attempts
        and found["going"] == seats
        and found["waitlisted"] == attempts - seats
        and found["distinct_residents"] == attempts
        and found["positions_without_gap"]
        and found["going_first_then_waitlist"]
        and found["waitlist_in_arrival_order"]
        and found["seats_taken"] == seats
    )
    return found


def timings(answers: Sequence[dict]) -> dict:
    seconds = [answer["seconds"] for answer in answers]
    return {
        "p50_ms": round(percentile(seconds, 0.50) * 1000, 1),
        "p95_ms": round(percentile(seconds, 0.95) * 1000, 1),
        "max_ms": round(max(seconds) * 1000, 1),
    }


# --- the run --------------------------------------------------------------------------------


def machine_info() -> dict:
    cpu = ""
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = subprocess.run(["free", "-g"], capture_output=True, text=True).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": memory,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "load_average_before": os.getloadavg(),
    }


def _prepare_database(base_url: str, database: str) -> str:
    import psycopg

    with psycopg.connect(f"{base_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}"')
        conn.execute(f'CREATE DATABASE "{database}"')
    return f"{base_url}/{database}"


def _setup_django(database_url: str) -> None:
    os.environ.update(server_environment(database_url))
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


def _first_free(ports: Sequence[int]) -> int:
    """The first port of `ports` free on loopback (one just closed may linger a minute)."""
    for port in ports:
        try:
            return free_port(port)
        except RuntimeError:
            continue
    raise RuntimeError(f"none of the ports {list(ports)} is free")


def _wait_ready(server: Server, timeout: float = 60) -> None:
    """`Server.wait_ready`, also when a worker still booting lets the first probe time out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return server.wait_ready(timeout=max(1.0, deadline - time.monotonic()))
        except TimeoutError:
            if time.monotonic() > deadline:
                raise


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--attempts", type=int, default=500)
    parser.add_argument("--seats", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument(
        "--port", type=int, action="append", help="ports to try, in order (default 8352-8359)"
    )
    parser.add_argument("--base-url", default=DEFAULT_BASE_URL, help="PostgreSQL server URL")
    parser.add_argument("--database", default=DATABASE)
    parser.add_argument("--runs", type=int, default=1, help="runs, each on a new session")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        stamp = datetime.datetime.now(datetime.UTC)
        print(f"[{stamp:%H:%M:%S}Z] {message}", file=sys.stderr, flush=True)

    started = datetime.datetime.now(datetime.UTC)
    database_url = _prepare_database(args.base_url, args.database)
    _setup_django(database_url)
    from django.core.management import call_command
    from django.db import connections

    log(f"migrating {args.database}")
    call_command("migrate", verbosity=0)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    port = _first_free(args.port or range(8352, 8360))
    server = Server(
        database_url=database_url,
        port=port,
        workers=args.workers,
        threads=1,
        worker_class="sync",
        log_path=RESULTS_DIR / "gunicorn-registrations.log",
    )
    runs = []
    try:
        _wait_ready(server)
        for run in range(args.runs):
            occurrence_id, residents = seed(attempts=args.attempts, seats=args.seats)
            tokens = tokens_for(residents)
            connections.close_all()
            log(f"run {run + 1}: {args.attempts} residents register for {args.seats} seats")
            began = time.perf_counter()
            answers = attack(server.base_url, occurrence_id, tokens)
            wall = time.perf_counter() - began
            result = {
                "wall_s": round(wall, 2),
                **timings(answers),
                **check(
                    occurrence_id=occurrence_id,
                    attempts=args.attempts,
                    seats=args.seats,
                    answers=answers,
                ),
            }
            failures = [a["body"][:200] for a in answers if a["status"] not in (200, 201)]
            result["failures_sample"] = failures[:3]
            log(json.dumps(result))
            log(f"run {run + 1}: the same burst of {args.attempts} reads of the floor")
            began = time.perf_counter()
            floor = attack(server.base_url, None, tokens)
            result["floor"] = {
                "wall_s": round(time.perf_counter() - began, 2),
                "answers_200": sum(answer["status"] == 200 for answer in floor),
                **timings(floor),
            }
            log(json.dumps(result["floor"]))
            runs.append(result)
    finally:
        server.stop()
    report = {
        "benchmark": "registrations",
        "started_at": started.isoformat(),
        "command": " ".join(["python -m bench.registrations", *(argv or sys.argv[1:])]),
        "machine": machine_info(),
        "config": vars(args),
        "runs": runs,
    }
    path = RESULTS_DIR / f"registrations-{started:%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(
        "| run | attempts | seats | going | waitlisted | valid | p50 ms | p95 ms | max ms "
        "| wall s | floor p95 ms | floor wall s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for index, run in enumerate(runs, 1):
        print(
            f"| {index} | {args.attempts} | {args.seats} | {run['going']} | {run['waitlisted']} "
            f"| {run['valid']} | {run['p50_ms']} | {run['p95_ms']} | {run['max_ms']} "
            f"| {run['wall_s']} | {run['floor']['p95_ms']} | {run['floor']['wall_s']} |"
        )
    print(f"\nResults: {path.relative_to(ROOT)}")
    return 0 if all(run["valid"] for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
