"""The matcher through the database and Celery: a full refresh with writes, on PostgreSQL.

    python -m bench.matching_refresh --activities 200000 --residents 100000 \\
        [--database-url postgres://postgres@127.0.0.1:5432/relier_bench_matching] \\
        [--redis-url redis://127.0.0.1:6379/11] [--skip-load] [--skip-residents] \\
        [--runs 2] [--concurrency 2] [--warm-workers] [--skip-celery] [--run-activity-task]

1. The directory: `bench.load_search_dataset` (the search benchmark's COPY loader) fills the
   dedicated database with the synthetic France of `--activities` published activities.
2. Residents: users and matching profiles are written with COPY (table and column names from
   the models' `_meta`, via its `CopyPlan`), homes placed in proportion to population, reach
   1-15 km, interests over the seeded taxonomy.
3. One chunk in-process: the spatial plan of the full refresh (`matching.chunks`), the
   candidate matrix cold then warm (`matching.candidates`), then `recommendations_compute()`
   for the first chunk of neighbours (scoring and writes, matrix warm).
4. One activity: how many residents are within their own reach of an activity in central
   Paris; with `--run-activity-task`, `recommendations_for_activity_task` is also run
   in-process (the merge of one activity into the lists it changes).
5. Full refresh: a real worker (`bench.matching_celery`: `celery -A backend worker
   --concurrency=2`, instrumented) against this database and a Redis database of its own,
   `recommendations_full_refresh_task` sent `--runs` times in a row (first: each worker
   process builds the candidate matrix and the residents' table, unless `--warm-workers` had
   the worker build them before forking; again: they are built), each timed until every
   resident's RecommendationSet has been written since the run started, with the CPU time of
   the worker processes and the machine's load.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/relier_bench_matching"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/11"
EMAIL_DOMAIN = "bench-matching.invalid"


def load_residents(n: int, *, seed: int, database_url: str, log=print) -> list[int]:
    """(Re)write n bench residents with COPY; returns their user ids."""
    import psycopg
    from django.contrib.auth import get_user_model

    from activities.models import Category
    from bench import matching_synth as synth
    from bench.load_search_dataset import CopyPlan
    from matching import engine
    from matching.models import RecommendationSet, ResidentProfile
    from matching.services import coarsen

    user_model = get_user_model()
    users, profiles = user_model._meta.db_table, ResidentProfile._meta.db_table
    email = user_model._meta.get_field("email").column
    now = datetime.datetime.now(datetime.UTC)
    with psycopg.connect(database_url) as conn:
        # The benchmark database holds no other residents; the bench's users own nothing else.
        conn.execute(f'DELETE FROM "{RecommendationSet._meta.db_table}"')
        conn.execute(f'DELETE FROM "{profiles}"')
        conn.execute(f'DELETE FROM "{users}" WHERE "{email}" LIKE %s', [f"%@{EMAIL_DOMAIN}"])
        first = conn.execute(
            f'SELECT coalesce(max("{user_model._meta.pk.column}"), 0) + 1 FROM "{users}"'
        ).fetchone()[0]
        conn.commit()

    categories = list(Category.objects.order_by("id").values_list("slug", "parent_id"))
    leaves = [slug for slug, parent in categories if parent is not None]
    taxonomy, _candidates, residents = synth.france(1, n, seed=seed)
    xyz = residents.xyz
    lat, lng = np.degrees(np.arcsin(xyz[:, 2])), np.degrees(np.arctan2(xyz[:, 1], xyz[:, 0]))
    ids = list(range(first, first + n))
    user_plan = CopyPlan.for_model(user_model, ["id", "email", "password"], now=now)
    profile_plan = CopyPlan.for_model(
        ResidentProfile,
        [
            "id", "user_id", "home_lat", "home_lng", "home_cell", "max_distance_km", "step_free",
            "homebound", "birth_year", "interests", "availability_mask", "languages_mask",
            "budget_max", "attendance_modes", "loneliness_score", "matching_consent_at",
            "sensitive_consent_at",
        ],
        now=now,
    )  # fmt: skip
    started = time.perf_counter()
    with psycopg.connect(database_url) as conn, conn.cursor() as cursor:
        with cursor.copy(user_plan.copy_sql()) as copy:
            for n_, uid in enumerate(ids):
                copy.write(user_plan.line([uid, f"resident{n_}@{EMAIL_DOMAIN}", "!"]))
        with cursor.copy(profile_plan.copy_sql()) as copy:
            for n_, uid in enumerate(ids):
                home_lat, home_lng, cell = coarsen(float(lat[n_]), float(lng[n_]))
                weights = residents.interests[n_, taxonomy.n_top :]
                interests = {
                    leaves[k % len(leaves)]: round(float(weights[k]), 2)
                    for k in np.flatnonzero(weights)
                }
                modes = [
                    m for b, m in enumerate(engine.MODES) if residents.accepted_modes[n_] >> b & 1
                ]
                budget = residents.budget[n_]
                copy.write(
                    profile_plan.line(
                        [
                            uid, uid, home_lat, home_lng, cell, float(residents.reach_km[n_]),
                            bool(residents.step_free[n_]), bool(residents.homebound[n_]),
                            now.year - int(residents.age[n_]), interests,
                            int(residents.availability[n_]), int(residents.languages[n_]),
                            None if not np.isfinite(budget) else int(budget), modes,
                            9 if residents.lonely[n_] else 4, now, now,
                        ]
                    )
                )  # fmt: skip
        for table in (users, profiles):  # the services create users and profiles afterwards
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'(SELECT max(id) FROM "{table}"))'
            )
        conn.commit()
        conn.autocommit = True
        conn.execute(f'VACUUM (ANALYZE) "{users}"')
        conn.execute(f'VACUUM (ANALYZE) "{profiles}"')
    log(f"copied {n:,} users and profiles in {time.perf_counter() - started:.1f} s")
    return ids


def time_one_chunk(log=print) -> dict[str, float]:
    """One chunk of the full refresh in-process: the plan, the candidate matrix cold and warm
    (`matching.candidates`), then `recommendations_compute` on one chunk of neighbours."""
    from matching import candidates, chunks, services

    started = time.perf_counter()
    plan = chunks.refresh_chunks()
    sizes = sorted(len(chunk) for chunk in plan)
    result = {
        "plan_seconds": time.perf_counter() - started,
        "chunks": len(plan),
        "chunk_size_median": sizes[len(sizes) // 2],
    }
    candidates.forget()
    started = time.perf_counter()
    matrix, _slugs = candidates.current_candidates()
    result["candidates_cold_seconds"] = time.perf_counter() - started
    result["candidates"] = len(matrix)
    started = time.perf_counter()
    candidates.current_candidates()
    result["candidates_warm_seconds"] = time.perf_counter() - started
    chunk = plan[0]
    started, cpu = time.perf_counter(), time.process_time()
    services.recommendations_compute(user_ids=chunk)
    result["chunk_residents"] = len(chunk)
    result["recommendations_compute_warm_seconds"] = time.perf_counter() - started
    result["recommendations_compute_warm_cpu"] = time.process_time() - cpu
    log(f"one chunk: {result}")
    return result


def paris_activity():
    from activities.models import Activity
    from matching import selectors

    return (
        selectors.candidate_activities()
        .filter(attendance_mode="in_person", lat__range=(48.84, 48.87), lng__range=(2.33, 2.37))
        .order_by("id")
        .first()
    ) or Activity.objects.filter(lat__isnull=False).first()


def time_one_activity(*, run: bool, log=print) -> dict[str, float]:
    """How many residents are in reach of an activity in central Paris (each one's own reach),
    and with `run`, the activity task in-process (`recommendations_for_activity`)."""
    from matching import services, tasks

    activity = paris_activity()
    started = time.perf_counter()
    in_reach = len(services.residents_in_reach(activity=activity))
    result = {
        "activity": activity.pk,
        "residents_in_reach": in_reach,
        "residents_in_reach_seconds": time.perf_counter() - started,
    }
    if run:
        started = time.perf_counter()
        result["task"] = tasks.recommendations_for_activity_task.run(activity.pk)
        result["task_seconds"] = time.perf_counter() - started
    log(f"one activity near Paris: {result}")
    return result


def wait_for_sets(
    n: int,
    *,
    since: datetime.datetime,
    timeout: float,
    redis_url: str | None = None,
    count_every: float = 30.0,
    drained_every: float = 1.0,
):
    """Seconds until n sets have been computed since `since`, and how many were. Counting
    scans the table: at a million sets a parallel scan taking 0.5-0.7 s of PostgreSQL's CPU,
    which, every 2 s, took about a third of a core from the refresh it timed.
    So with `redis_url` the broker is watched instead, and the sets are counted when its
    queue is empty and no message is out (the workers acknowledge a task after it
    committed; at most every `drained_every` seconds), and otherwise every `count_every`
    seconds (a killed worker's messages stay out until they are given back). Without a
    broker they are counted at every poll."""
    from matching.models import RecommendationSet

    client = None
    if redis_url:
        import redis

        client = redis.Redis.from_url(redis_url)
    started = time.perf_counter()
    counted_at, written = -count_every, 0
    while time.perf_counter() - started < timeout:
        now = time.perf_counter()
        drained = client is not None and client.llen("celery") + client.hlen("unacked") == 0
        if client is None or now - counted_at >= (drained_every if drained else count_every):
            counted_at = now
            written = RecommendationSet.objects.filter(computed_at__gte=since).count()
            if written >= n:
                break
        time.sleep(0.05 if client is not None else 0.25)
    return time.perf_counter() - started, written


def full_refresh(
    n: int,
    *,
    database_url: str,
    redis_url: str,
    timeout: float,
    runs: int = 1,
    concurrency: int = 2,
    warm_workers: bool = False,
    log=print,
) -> list[dict]:
    """`recommendations_full_refresh_task` through Redis and a real worker, `runs` times in a
    row. Without `warm_workers` the first run builds the candidate matrix and the residents'
    table in each worker process; with it (MATCHING_WARM_WORKERS=1) the worker builds them
    before forking its pool; the next runs find them built (the directory has not moved).
    Each run is timed from the moment the task is sent to the moment the last of the n sets
    is written."""
    from bench.matching_celery import (
        Worker,
        load_note,
        machine_cpu,
        now_utc,
        postgres_cpu,
        purge,
    )
    from matching.tasks import recommendations_full_refresh_task

    extra = {"MATCHING_WARM_WORKERS": "1"} if warm_workers else {}
    worker = Worker(database_url, redis_url, concurrency=concurrency, extra_env=extra)
    purge(redis_url)
    started = time.perf_counter()
    worker.start(wait=1800)
    log(f"worker ready in {time.perf_counter() - started:.1f} s (warm workers: {warm_workers})")
    results = []
    try:
        for run in range(runs):
            machine, cpu, pg = machine_cpu(), worker.cpu_seconds(), postgres_cpu()
            started_at = now_utc()
            recommendations_full_refresh_task.delay()
            seconds, written = wait_for_sets(
                n, since=started_at, timeout=timeout, redis_url=redis_url
            )
            result = {
                "run": "first" if run == 0 else "again",
                "warm_workers": warm_workers,
                "written": written,
                "residents": n,
                "seconds": round(seconds, 2),
                "worker_cpu_seconds": round(worker.cpu_seconds() - cpu, 1),
                "postgres_cpu_seconds": round(postgres_cpu() - pg, 1),
                "complete": written >= n,
                "conditions": load_note(machine),
            }
            log(f"full refresh: {result}")
            results.append(result)
    finally:
        worker.stop()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--activities", type=int, default=200_000)
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--skip-load", action="store_true", help="the directory is loaded")
    parser.add_argument("--skip-celery", action="store_true")
    parser.add_argument("--skip-chunk", action="store_true", help="no in-process chunk timing")
    parser.add_argument(
        "--run-activity-task", action="store_true", help="also run the activity task in-process"
    )
    parser.add_argument("--runs", type=int, default=2, help="full refreshes in a row")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument(
        "--warm-workers", action="store_true", help="MATCHING_WARM_WORKERS=1 for the worker"
    )
    parser.add_argument("--skip-residents", action="store_true", help="the residents are loaded")
    args = parser.parse_args(argv)
    from bench.load_search_dataset import load_search_dataset, setup_django
    from bench.matching_celery import use_broker

    use_broker(args.redis_url)

    if args.skip_load:
        setup_django(args.database_url)
    else:
        load_search_dataset(n=args.activities, database_url=args.database_url)
    if not args.skip_residents:
        load_residents(args.residents, seed=args.seed, database_url=args.database_url)
    if not args.skip_chunk:
        time_one_chunk()
    time_one_activity(run=args.run_activity_task)
    if not args.skip_celery:
        from matching.selectors import consenting_profiles

        consenting = consenting_profiles().count()
        results = full_refresh(
            consenting,
            database_url=args.database_url,
            redis_url=args.redis_url,
            timeout=args.timeout,
            runs=args.runs,
            concurrency=args.concurrency,
            warm_workers=args.warm_workers,
        )
        return 0 if all(result["complete"] for result in results) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
