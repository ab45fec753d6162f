"""The search in one process, template by template: what the code costs, apart from the server.

    python -m bench.search_inprocess --n 1000000 [--rounds 2] [--paths 2000]

The same request paths as `bench.search` (its templates, seed and points), plus requests to the
framework's floor, are sent through Django's test client in this process, one at a time, on the
benchmark's dataset (relier_bench_<n>, loaded by `bench.search` or `bench.load_search_dataset`),
with the server's settings as `bench.search` sets them. After a warm-up pass, each round sends
every path once in a shuffled order and records, per template, the process's CPU time per
request (the view, the serializers, the cards: Python, not PostgreSQL) and the median wall time
(PostgreSQL included). The queries per request are counted once, on each template's first paths.

Through gunicorn the machine's speed moves from run to run; one process, one request at a time,
separates what a change of code costs from that. Run two versions of the code in turn from
their own checkouts to compare them.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import time

DEFAULT_BASE_URL = "postgres://postgres@127.0.0.1:5432"
FLOOR_SHARE = 4  # one floor request for every four search paths
COUNTED = 100  # paths of each template whose queries are counted


def configure(database_url: str) -> None:
    """The environment `bench.search` gives its server, for this process (whose test client
    calls itself "testserver")."""
    from bench.search import server_environment

    environment = server_environment(database_url)
    environment["ALLOWED_HOSTS"] += ",testserver"
    os.environ.update(environment)
    os.environ.pop("REDIS_URL", None)


def requests_of(count: int, *, seed: int, now: datetime.datetime) -> list[tuple[str, str]]:
    """(template, path) pairs: the search's paths, then the floor's."""
    from bench.search import FLOOR_PATH, search_paths

    paths = search_paths(count, seed=seed, now=now)
    rng = random.Random(f"{seed}:floor")
    floor = [
        ("floor", f"{FLOOR_PATH}?after={rng.randrange(1_000_000)}")
        for _ in range(max(1, count // FLOOR_SHARE))
    ]
    return paths + floor


def measure(client, paths: list[tuple[str, str]], *, rounds: int) -> dict:
    """Queries per request (each template's first paths), then per template and round: mean
    CPU ms per request, median wall ms. Every response must be a 200."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    queries: dict[str, list[int]] = {}
    for template, path in paths:
        if len(queries.get(template, ())) >= COUNTED:
            continue
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code}")
        queries.setdefault(template, []).append(len(captured.captured_queries))
    for _template, path in paths:  # warm-up
        client.get(path)
    results: dict[str, list[dict]] = {}
    for number in range(rounds):
        order = list(paths)
        random.Random(number).shuffle(order)
        spent: dict[str, tuple[list[float], list[float]]] = {}
        for template, path in order:
            wall, cpu = time.perf_counter(), time.process_time()
            client.get(path)
            walls, cpus = spent.setdefault(template, ([], []))
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
        for template, (walls, cpus) in spent.items():
            results.setdefault(template, []).append(
                {
                    "cpu_ms": round(statistics.fmean(cpus), 3),
                    "wall_median_ms": round(statistics.median(walls), 3),
                    "requests": len(walls),
                }
            )
    return {
        "queries_per_request": {
            template: round(statistics.fmean(counts), 2) for template, counts in queries.items()
        },
        "rounds": results,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, required=True, help="the dataset's activities")
    parser.add_argument("--database-url", help=f"default {DEFAULT_BASE_URL}/relier_bench_<n>")
    parser.add_argument("--paths", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=20251121)
    args = parser.parse_args(argv)
    suffix = f"{args.n // 1_000_000}m" if args.n % 1_000_000 == 0 else f"{args.n // 1000}k"
    configure(args.database_url or f"{DEFAULT_BASE_URL}/relier_bench_{suffix}")
    import django

    django.setup()
    from django.test import Client

    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    paths = requests_of(args.paths, seed=args.seed, now=now)
    result = measure(Client(), paths, rounds=args.rounds)
    result.update({"n": args.n, "now": now.isoformat(), "seed": args.seed})
    json.dump(result, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
