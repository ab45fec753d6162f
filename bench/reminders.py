"""Reminders at scale: N due reminders made and delivered through the log backend by real
`celery worker` processes on PostgreSQL, each exactly once.

    python -m bench.reminders [--n 100000] [--workers 2] [--database-url ...] [--redis-url ...]

N residents are going to sessions that start in 90 minutes, so every two-hours reminder is
due. The periodic task (`notifications_dispatch_task`) is queued twice at the same moment, as
two beat processes would; it makes the reminders (one notification per registration and kind,
by its unique key) and queues them in batches; the workers deliver them through the log
backend, which appends one line per message to a file. The clock runs from the two tasks being
queued until no due notification is pending; then the file is read back: every reminder must
appear in it exactly once. The residents have no device (push is passed over: email, here the
log backend) and quiet hours off, so that the run does not depend on the time of day.

The database is the benchmark's own (created and migrated if missing); its residents,
registrations and notifications are replaced at each run. Figures: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/relier_not_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/11"
PER_SESSION = 500
EMAIL_DOMAIN = "bench-reminders.example.org"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def prepare(n: int) -> list[int]:
    """N residents going to sessions in 90 minutes (PER_SESSION each), quiet hours off; the
    previous run's residents and every notification removed. The ids of the sessions."""
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from activities.models import Activity, Occurrence, Organization, Registration
    from notifications.models import Delivery, Notification, NotificationPreferences

    # Emptied by TRUNCATE, which leaves the tables without statistics, as on a fresh install
    # (PostgreSQL then estimates from their size as they grow); statistics taken of an empty
    # table would make the planner scan the whole inbox for each update by id. SQLite: delete.
    if connection.vendor == "postgresql":
        tables = ", ".join(
            connection.ops.quote_name(model._meta.db_table) for model in (Delivery, Notification)
        )
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {tables}")
    else:
        Delivery.objects.all().delete()
        Notification.objects.all().delete()
    User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").delete()
    Organization.objects.filter(slug="bench-reminders").delete()
    organization = Organization.objects.create(name="Bench reminders", slug="bench-reminders")
    start = timezone.now() + datetime.timedelta(minutes=90)
    sessions = []
    for number in range((n + PER_SESSION - 1) // PER_SESSION):
        activity = Activity.objects.create(
            organization=organization,
            title=f"Atelier {number}",
            summary="Un atelier.",
            kind="club",
            status="published",
            attendance_mode="online",
        )
        begins = start + datetime.timedelta(seconds=number)
        sessions.append(
            Occurrence.objects.create(
                activity=activity,
                series_start=begins,
                start=begins,
                end=begins + datetime.timedelta(hours=2),
            )
        )
    batch = 5000
    for first in range(0, n, batch):
        users = User.objects.bulk_create(
            User(email=f"r{i}@{EMAIL_DOMAIN}", display_name=f"R{i}", password="!")
            for i in range(first, min(n, first + batch))
        )
        Registration.objects.bulk_create(
            Registration(
                user=user,
                activity_id=sessions[i // PER_SESSION].activity_id,
                occurrence=sessions[i // PER_SESSION],
                status="going",
                position=i % PER_SESSION + 1,
            )
            for i, user in zip(range(first, first + len(users)), users, strict=True)
        )
        NotificationPreferences.objects.bulk_create(
            NotificationPreferences(user=user, quiet_hours=False) for user in users
        )
    with connection.cursor() as cursor:
        for model in (User, Organization, Activity, Occurrence, Registration):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        cursor.execute(
            f"ANALYZE {connection.ops.quote_name(NotificationPreferences._meta.db_table)}"
        )
    return [session.pk for session in sessions]


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = subprocess.run(["free", "-g"], capture_output=True, text=True).stdout.splitlines()
    total = memory[1].split()[1] if len(memory) > 1 else "?"
    return f"{os.cpu_count()} cores (nproc), {total} GB RAM (free -g), {cpu}"


def run(
    *,
    database_url: str,
    redis_url: str,
    n: int,
    workers: int = 2,
    timeout: float = 900,
    say=log,
) -> dict:
    """Prepare, deliver, check. Django is set up on `database_url` with `redis_url` as broker."""
    from django.utils import timezone

    from bench.matching_celery import Worker, load_note, machine_cpu, purge
    from notifications.models import Delivery, Notification
    from notifications.tasks import notifications_dispatch_task

    purge(redis_url)
    started = time.perf_counter()
    prepare(n)
    say(f"prepared {n} going registrations in {time.perf_counter() - started:.1f} s")
    sent_file = Path(tempfile.mkstemp(prefix="relier-reminders-", suffix=".jsonl")[1])
    pool = [
        Worker(
            database_url,
            redis_url,
            concurrency=1,
            log_path="/tmp/relier-bench-reminders-worker.log",
            extra_env={"NOTIFICATIONS_LOG_FILE": str(sent_file)},
        ).start()
        for _ in range(workers)
    ]
    try:
        cpu_before = machine_cpu()
        began = time.perf_counter()
        runs = [notifications_dispatch_task.delay(), notifications_dispatch_task.delay()]
        made_at = None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if made_at is None and Notification.objects.count() >= n:
                made_at = time.perf_counter() - began
            pending = Notification.objects.filter(
                delivery_state="pending", deliver_after__lte=timezone.now()
            ).exists()
            if made_at is not None and not pending:
                break
            time.sleep(0.2)
        elapsed = time.perf_counter() - began
        planned = [result.get(timeout=60) for result in runs]
        note = load_note(cpu_before)
        worker_cpu = sum(worker.cpu_seconds() for worker in pool)
    finally:
        for worker in pool:
            worker.stop()
    lines = [json.loads(line) for line in sent_file.read_text().splitlines()]
    sent_file.unlink()
    counts = Counter(line["notification"] for line in lines)
    made = Notification.objects.count()
    result = {
        "n": n,
        "workers": workers,
        "seconds": round(elapsed, 1),
        "made_seconds": round(made_at, 1) if made_at else None,
        "per_second": round(len(counts) / elapsed) if elapsed else None,
        "notifications": made,
        "sent_lines": len(lines),
        "sent_distinct": len(counts),
        "sent_twice": sum(1 for c in counts.values() if c > 1),
        "delivery_rows_sent": Delivery.objects.filter(status="sent").count(),
        "dispatch_runs": planned,
        "workers_cpu_seconds": round(worker_cpu, 1),
        "load": note,
        "machine": machine(),
    }
    result["exactly_once"] = (
        made == n and len(lines) == n and len(counts) == n and result["delivery_rows_sent"] == n
    )
    say(json.dumps(result, indent=2))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args(argv)
    from bench.load_search_dataset import ensure_database, migrate, setup_django
    from bench.matching_celery import use_broker

    ensure_database(args.database_url)
    migrate(args.database_url)
    use_broker(args.redis_url)
    setup_django(args.database_url)
    result = run(
        database_url=args.database_url,
        redis_url=args.redis_url,
        n=args.n,
        workers=args.workers,
        timeout=args.timeout,
    )
    return 0 if result["exactly_once"] else 1


if __name__ == "__main__":
    sys.exit(main())
