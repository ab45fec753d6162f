"""Fault run: a worker killed (SIGKILL) during a full refresh, then restarted, and whether
every resident ends with a complete set.

    python -m bench.matching_fault [--kill worker|process] [--kill-at 0.5] \\
        [--visibility-timeout SECONDS] \\
        [--database-url postgres://postgres@127.0.0.1:5432/relier_bench_matching] \\
        [--redis-url redis://127.0.0.1:6379/11]

The database is the one `bench.matching_refresh` loads (directory and residents). A real
worker (`bench.matching_celery`: the project's Celery app, `--concurrency=2`, instrumented)
starts on an empty queue; `recommendations_full_refresh_task` is sent; once `--kill-at` of
the residents have their new set:
- `--kill worker`: the whole worker (main process and pool) gets SIGKILL, as in a crash or an
  OOM kill of the container, and a new worker is started at once. The chunks the dead worker
  was running stay unacknowledged in Redis until the visibility timeout
  (CELERY_VISIBILITY_TIMEOUT, by default the task time limit + 60 s), then go to the new one.
- `--kill process`: one pool process gets SIGKILL while running a chunk; the worker's main
  process requeues the chunk at once (`task_reject_on_worker_lost`).

Printed: residents, sets complete (computed since the refresh started), time to completion
from the start and from the kill, tasks run and tasks run more than once (redelivered), a
check of 300 random residents against an in-process computation, and what the sweep would
still have to recompute.
"""

from __future__ import annotations

import argparse
import datetime
import random
import sys
import time

from bench.matching_refresh import DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, wait_for_sets


def task_runs(redis_url: str) -> list[int]:
    """How many times each task recorded by the instrumented workers was run."""
    import redis

    from bench.matching_celery import TASK_KEY

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(TASK_KEY + "*", count=10_000))
    pipe = client.pipeline()
    for key in keys:
        pipe.hget(key, "runs")
    return [int(runs or 0) for runs in pipe.execute()]


def check_sample(size: int, *, seed: int = 7) -> dict[str, int]:
    """Stored lists of `size` random residents against an in-process computation."""
    from matching import engine
    from matching.candidates import current_candidates
    from matching.models import RecommendationSet, ResidentProfile
    from matching.selectors import EVERYONE_BIT, build_residents, consenting_profiles

    ids = list(consenting_profiles().values_list("user_id", flat=True))
    sample = sorted(random.Random(seed).sample(ids, min(size, len(ids))))
    profiles = list(ResidentProfile.objects.filter(user_id__in=sample).order_by("user_id"))
    matrix, slugs = current_candidates()
    lists = engine.recommend_batched(
        build_residents(profiles, slugs), matrix, everyone_bit=EVERYONE_BIT, category_slugs=slugs
    )
    stored = dict(
        RecommendationSet.objects.filter(user_id__in=sample).values_list("user_id", "activity_ids")
    )
    same = sum(
        stored.get(p.user_id) == [item.activity_id for item in items]
        for p, items in zip(profiles, lists, strict=True)
    )
    return {"checked": len(profiles), "identical": same}


def sweep_leftovers(started_at: datetime.datetime) -> int:
    """How many residents the sweep would recompute once the refresh is past its grace."""
    from matching import services
    from matching.services import sweep

    later = started_at + sweep.REFRESH_GRACE + datetime.timedelta(seconds=1)
    services.recommendations_sweep_done(
        plan=services.SweepPlan(False, [], [], watermark=started_at)
    )
    services.recommendations_full_refresh_started(at=started_at)
    return len(services.recommendations_sweep_plan(now=later).residents)


def fault_run(
    *,
    database_url: str,
    redis_url: str,
    kill: str = "worker",
    kill_at: float = 0.5,
    visibility_timeout: int | None = None,
    concurrency: int = 2,
    timeout: float = 1800,
    sample: int = 300,
    log=print,
) -> dict:
    from bench.matching_celery import Worker, load_note, machine_cpu, now_utc, purge
    from matching.selectors import consenting_profiles
    from matching.tasks import recommendations_full_refresh_task

    n = consenting_profiles().count()
    extra = {"CELERY_VISIBILITY_TIMEOUT": str(visibility_timeout)} if visibility_timeout else {}
    worker = Worker(database_url, redis_url, concurrency=concurrency, extra_env=extra)
    purge(redis_url)
    worker.start()
    machine = machine_cpu()
    started_at = now_utc()
    started = time.perf_counter()
    recommendations_full_refresh_task.delay()
    _seconds, written = wait_for_sets(
        int(n * kill_at), since=started_at, timeout=timeout, count_every=0.5
    )
    killed_after = time.perf_counter() - started
    cpu = worker.cpu_seconds()
    restarted = None
    if kill == "worker":
        worker.kill()
        worker = Worker(database_url, redis_url, concurrency=concurrency, extra_env=extra)
        worker.start()
        restarted = time.perf_counter() - started
    else:
        worker.kill_one_process()
    log(f"killed ({kill}) after {killed_after:.1f} s with {written:,} of {n:,} sets written")
    try:
        _seconds, written = wait_for_sets(
            n, since=started_at, timeout=timeout, redis_url=redis_url, count_every=2.0
        )
        completed = time.perf_counter() - started
        cpu += worker.cpu_seconds()
    finally:
        worker.stop()
    runs = task_runs(redis_url)
    result = {
        "residents": n,
        "sets_complete": written,
        "complete": written >= n,
        "kill": kill,
        "killed_after_seconds": round(killed_after, 1),
        "restarted_after_seconds": round(restarted, 1) if restarted else None,
        "completed_after_seconds": round(completed, 1),
        "kill_to_complete_seconds": round(completed - killed_after, 1),
        "tasks_run": len(runs),
        "tasks_redelivered": sum(1 for r in runs if r > 1),
        "visibility_timeout": visibility_timeout or "default (CELERY_TASK_TIME_LIMIT + 60)",
        "worker_cpu_seconds": round(cpu, 1),
        "conditions": load_note(machine),
    }
    result["sample"] = check_sample(sample) if sample else None
    result["sweep_would_recompute"] = sweep_leftovers(started_at)
    log(f"fault run: {result}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--kill", choices=("worker", "process"), default="worker")
    parser.add_argument("--kill-at", type=float, default=0.5, help="share of sets written")
    parser.add_argument("--visibility-timeout", type=int, default=None)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--sample", type=int, default=300)
    args = parser.parse_args(argv)
    from bench.load_search_dataset import setup_django
    from bench.matching_celery import use_broker

    use_broker(args.redis_url)
    setup_django(args.database_url)
    result = fault_run(
        database_url=args.database_url,
        redis_url=args.redis_url,
        kill=args.kill,
        kill_at=args.kill_at,
        visibility_timeout=args.visibility_timeout,
        concurrency=args.concurrency,
        timeout=args.timeout,
        sample=args.sample,
    )
    ok = result["complete"] and result["sample"]["identical"] == result["sample"]["checked"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
