"""Publication latency: from an activity's publication to the updated recommendations of every
resident in its reach, through Redis and a real worker.

    python -m bench.matching_latency [--publications 200] [--mix directory|in_person] \\
        [--database-url postgres://postgres@127.0.0.1:5432/relier_bench_matching] \\
        [--redis-url redis://127.0.0.1:6379/11] [--seed 5]

The database is the one `bench.matching_refresh` loads (directory, residents) and whose full
refresh has written every resident's set.

1. Drafts: `--publications` activities of a verified bench organization, written with the
   directory's services (place, activity, weekly schedule), as drafts: each venue copies the
   position of a random venue of the directory (so publications follow its density),
   categories are drawn from the taxonomy's leaves. With `--mix directory` the attendance
   modes follow the directory's own shares (in person, online, mixed, at home, phone: online
   and mixed ones reach every resident); with `--mix in_person`, venues only.
   Before them, the tables a run rewrites are vacuumed (`vacuum`: autovacuum is off on the
   bench machine).
2. A real worker (`bench.matching_celery`: `celery -A backend worker --concurrency=2`,
   instrumented) with MATCHING_WARM_WORKERS=1 (its tables built before it forks), warmed by
   three publications that are not counted.
3. Publications one after the other: `activities.services.activity_submit`, as the API does
   for a verified organization. Its after-commit signal queues
   `recommendations_for_activity_task`; the latency runs from the call to the moment the
   task's result is in the result backend, its writes committed. The worker's records split
   it into the wait before the task starts and its run.
4. Check: the lists of up to 300 residents in reach of the published activities against an
   in-process computation against the whole directory (they must be identical).
5. Withdrawals (`activity_archive`) of the same activities, timed the same way: the path that
   removes an activity from lists and refills the full ones. Then the bench activities are
   deleted, and the directory is as it was.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter

import numpy as np

from bench.matching_refresh import DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL

BENCH_ORGANIZATION = "Relier bench latency"
BENCH_EDITOR = "latency@bench-matching.invalid"


def _bench_organization():
    from django.contrib.auth import get_user_model

    from activities import services as directory
    from activities.models import Organization

    editor, _created = get_user_model().objects.get_or_create(email=BENCH_EDITOR)
    organization = Organization.objects.filter(name=BENCH_ORGANIZATION).first()
    if organization is None:
        organization = directory.organization_create(by=editor, name=BENCH_ORGANIZATION)
    Organization.objects.filter(pk=organization.pk).update(verified=True)  # a curator's act
    organization.refresh_from_db()
    return organization, editor


def mode_shares(mix: str) -> dict[str, float]:
    from django.db.models import Count

    from activities.models import Activity

    if mix == "in_person":
        return {"in_person": 1.0}
    counts = dict(
        Activity.objects.filter(status="published")
        .values_list("attendance_mode")
        .annotate(n=Count("id"))
    )
    total = sum(counts.values())
    return {mode: n / total for mode, n in counts.items()}


def make_drafts(n: int, *, mix: str, seed: int, log=print) -> list:
    """n draft activities of the bench organization, ready to submit."""
    import datetime

    from django.utils import timezone

    from activities import services as directory
    from activities.models import Category, Place, Territory

    rng = random.Random(seed)
    organization, editor = _bench_organization()
    leaves = list(Category.objects.filter(parent__isnull=False).values_list("slug", flat=True))
    shares = mode_shares(mix)
    modes = rng.choices(list(shares), weights=list(shares.values()), k=n)
    venues = list(
        Place.objects.exclude(organization=organization)
        .order_by("?")
        .values_list("lat", "lng")[: modes.count("in_person") + modes.count("mixed")]
    )
    # Bench residents have no home commune (the loader leaves it out), so activities at home
    # and by phone reach nobody: they are published and timed all the same.
    communes = list(Territory.objects.filter(kind="commune").values_list("insee_code", flat=True))
    drafts = []
    started = time.perf_counter()
    for number, mode in enumerate(modes):
        place = None
        if mode in ("in_person", "mixed"):
            lat, lng = venues.pop()
            place = directory.place_create(
                organization=organization, by=editor, name=f"Salle {number}", lat=lat, lng=lng
            )
        at_home = mode in ("at_home", "phone")
        activity = directory.activity_create(
            organization=organization,
            by=editor,
            service_area=[rng.choice(communes)] if at_home else (),
            title=f"Atelier {number}",
            summary="Un atelier pour se retrouver.",
            kind=rng.choice(["club", "class", "friendship", "peer_support", "outing"]),
            attendance_mode=mode,
            place=place,
            is_free=rng.random() < 0.6,
            categories=rng.sample(leaves, rng.choice([1, 1, 2])),
        )
        hour = rng.choice([10, 14, 18])
        directory.schedule_create(
            activity=activity, by=editor, rrule=f"FREQ=WEEKLY;BYDAY={rng.choice(DAYS)}",
            start_time=datetime.time(hour), end_time=datetime.time(hour + 1, 30),
            valid_from=timezone.localdate(),
        )  # fmt: skip
        drafts.append(activity)
    log(f"{n} drafts written in {time.perf_counter() - started:.1f} s ({Counter(modes)})")
    return drafts


DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class _TaskIds:
    """Ids of the activity tasks this process sends (Celery's `before_task_publish`)."""

    NAME = "matching.tasks.recommendations_for_activity_task"

    def __init__(self) -> None:
        from celery import signals

        self.ids: list[str] = []
        signals.before_task_publish.connect(self._sent, weak=False)

    def _sent(self, sender=None, headers=None, **kwargs) -> None:
        if sender == self.NAME:
            self.ids.append(headers["id"])


def timed(action, activities, *, sent: _TaskIds, redis_url: str, timeout: float = 300) -> list:
    """Run `action(activity)` for each activity in turn, waiting each time for the activity
    task it queued to finish. One row per activity: mode, latency, wait, run, counts."""
    from celery.result import AsyncResult

    from bench.matching_celery import task_records

    rows = []
    for activity in activities:
        before = len(sent.ids)
        started_at = time.time()
        started = time.perf_counter()
        action(activity)
        task_id = sent.ids[before]
        counts = AsyncResult(task_id).get(timeout=timeout)
        latency = time.perf_counter() - started
        rows.append(
            {
                "activity": activity.pk,
                "mode": activity.attendance_mode,
                "latency": latency,
                "task_id": task_id,
                "started_at": started_at,
                **counts,
            }
        )
    records = task_records(redis_url, [row["task_id"] for row in rows])
    for row in rows:
        record = records[row["task_id"]]
        row["wait"] = record["started"] - row["started_at"]
        row["run"] = record["finished"] - record["started"]
    return rows


def summary(rows: list[dict], label: str) -> dict:
    def stats(values) -> dict[str, float]:
        values = np.array(values) * 1000
        return {
            "p50_ms": round(float(np.percentile(values, 50)), 1),
            "p95_ms": round(float(np.percentile(values, 95)), 1),
            "max_ms": round(float(values.max()), 1),
        }

    result = {"label": label, "n": len(rows), "latency": stats([r["latency"] for r in rows])}
    result["wait"] = stats([r["wait"] for r in rows])
    result["run"] = stats([r["run"] for r in rows])
    result["in_reach_median"] = int(np.median([r["in_reach"] for r in rows]))
    result["merged_mean"] = round(float(np.mean([r["merged"] for r in rows])), 1)
    result["refilled_mean"] = round(float(np.mean([r["refilled"] for r in rows])), 1)
    result["slowest"] = [
        {k: round(r[k], 3) if k == "latency" else r[k] for k in SLOW_KEYS}
        for r in sorted(rows, key=lambda r: -r["latency"])[:3]
    ]
    return result


SLOW_KEYS = ("latency", "mode", "in_reach", "merged", "refilled")


def check_in_reach(activities, *, size: int = 300, seed: int = 5) -> dict[str, int]:
    """Stored lists of residents in reach of these activities against an in-process
    computation against the whole directory."""
    from matching import engine, services
    from matching.candidates import current_candidates
    from matching.models import RecommendationSet, ResidentProfile
    from matching.selectors import EVERYONE_BIT, build_residents

    rng = random.Random(seed)
    in_reach = set()
    for activity in activities:
        if activity.attendance_mode == "in_person":
            in_reach.update(services.residents_in_reach(activity=activity))
    sample = sorted(rng.sample(sorted(in_reach), min(size, len(in_reach))))
    profiles = list(ResidentProfile.objects.filter(user_id__in=sample).order_by("user_id"))
    matrix, slugs = current_candidates()
    lists = engine.recommend_batched(
        build_residents(profiles, slugs), matrix, everyone_bit=EVERYONE_BIT, category_slugs=slugs
    )
    stored = dict(
        RecommendationSet.objects.filter(user_id__in=sample).values_list("user_id", "activity_ids")
    )
    published = {a.pk for a in activities}
    same = listing = 0
    for profile, items in zip(profiles, lists, strict=True):
        ids = [item.activity_id for item in items]
        same += stored.get(profile.user_id) == ids
        listing += bool(published & set(ids))
    return {"checked": len(profiles), "identical": same, "listing_a_new_activity": listing}


def cleanup() -> int:
    """Delete the bench activities; any still published (an interrupted run) are withdrawn
    first, and their withdrawal merged in-process, so that no list keeps them."""
    from activities import services as directory
    from activities.models import Activity, Organization, Place
    from matching.services import recommendations_for_activity

    organization = Organization.objects.filter(name=BENCH_ORGANIZATION).first()
    if organization is None:
        return 0
    editor = _bench_organization()[1]
    for activity in Activity.objects.filter(organization=organization, status="published"):
        directory.activity_archive(activity=activity, by=editor)
        recommendations_for_activity(activity_id=activity.pk)
    deleted, _ = Activity.objects.filter(organization=organization).delete()
    Place.objects.filter(organization=organization).delete()
    return deleted


def vacuum(log=print) -> None:
    """VACUUM ANALYZE the tables a run rewrites: autovacuum is off on the bench machine, and
    runs leave dead versions of sets and activities behind (274,000 dead sets for 100,000
    live ones after a few runs), which the next run's reads and writes go through. A
    production server's autovacuum keeps them down."""
    from django.db import connection

    from activities.models import Activity
    from matching.models import RecommendationSet

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for model in (RecommendationSet, Activity):
            cursor.execute(f'VACUUM (ANALYZE) "{model._meta.db_table}"')
    log(f"vacuumed the sets and activities in {time.perf_counter() - started:.1f} s")


def latency_run(
    *,
    database_url: str,
    redis_url: str,
    publications: int = 200,
    mix: str = "directory",
    seed: int = 5,
    concurrency: int = 2,
    check: int = 300,
    log=print,
) -> dict:
    from activities import services as directory
    from bench.matching_celery import Worker, load_note, machine_cpu, purge

    cleanup()
    vacuum(log=log)
    drafts = make_drafts(publications + 3, mix=mix, seed=seed, log=log)
    editor = _bench_organization()[1]
    sent = _TaskIds()
    # The worker builds its tables before forking (MATCHING_WARM_WORKERS): no publication
    # waits for a process's first build.
    worker = Worker(
        database_url, redis_url, concurrency=concurrency, extra_env={"MATCHING_WARM_WORKERS": "1"}
    )
    purge(redis_url)
    started = time.perf_counter()
    worker.start(wait=1800)
    log(f"worker ready in {time.perf_counter() - started:.1f} s (tables built before the fork)")
    result: dict = {"publications": publications, "mix": mix}
    result["activities"] = [activity.pk for activity in drafts[3:]]
    try:
        submit = lambda a: directory.activity_submit(activity=a, by=editor)  # noqa: E731
        timed(submit, drafts[:3], sent=sent, redis_url=redis_url)  # warm-up
        machine, cpu = machine_cpu(), worker.cpu_seconds()
        rows = timed(submit, drafts[3:], sent=sent, redis_url=redis_url)
        result["publish"] = summary(rows, "publication")
        for kind, modes in (("venue", {"in_person"}), ("everyone", {"online", "mixed"})):
            subset = [r for r in rows if r["mode"] in modes]
            if subset:
                result[f"publish_{kind}"] = summary(subset, f"publication ({kind})")
                log(f"publications ({kind}): {result[f'publish_{kind}']}")
        result["publish"]["worker_cpu_seconds"] = round(worker.cpu_seconds() - cpu, 1)
        result["publish"]["conditions"] = load_note(machine)
        log(f"publications: {result['publish']}")
        if check:
            result["check"] = check_in_reach(drafts[3:], size=check)
            log(f"check: {result['check']}")
        machine, cpu = machine_cpu(), worker.cpu_seconds()
        archive = lambda a: directory.activity_archive(activity=a, by=editor)  # noqa: E731
        rows = timed(archive, drafts, sent=sent, redis_url=redis_url)
        result["withdraw"] = summary(rows[3:], "withdrawal")
        result["withdraw"]["worker_cpu_seconds"] = round(worker.cpu_seconds() - cpu, 1)
        result["withdraw"]["conditions"] = load_note(machine)
        log(f"withdrawals: {result['withdraw']}")
    finally:
        worker.stop()
    log(f"deleted {cleanup()} bench rows")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--publications", type=int, default=200)
    parser.add_argument("--mix", choices=("directory", "in_person"), default="directory")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--check", type=int, default=300, help="residents checked (0: none)")
    args = parser.parse_args(argv)
    from bench.load_search_dataset import setup_django
    from bench.matching_celery import use_broker

    use_broker(args.redis_url)
    setup_django(args.database_url)
    result = latency_run(
        database_url=args.database_url,
        redis_url=args.redis_url,
        publications=args.publications,
        mix=args.mix,
        seed=args.seed,
        concurrency=args.concurrency,
        check=args.check,
    )
    check = result.get("check")
    return 0 if not check or check["identical"] == check["checked"] else 1


if __name__ == "__main__":
    sys.exit(main())
