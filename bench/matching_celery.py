"""A real Celery worker for the matching benchmarks, and what it did.

    python -m bench.matching_celery worker [celery worker options]

The worker is the project's own (`backend.celery`, `celery -A backend worker`), started as a
subprocess in its own process group so that a benchmark can SIGKILL it whole or kill one of
its pool processes. This module adds only instrumentation: each task run writes its start and
end (wall clock, seconds since the epoch) and its number of runs to a Redis hash
`bench:task:<task id>` with fields `runs`, `started`, `finished`, `name` and `pid`. A task
that is delivered again after its worker died has `runs` > 1.

Measurement helpers: the CPU time of a process tree (/proc), the machine's CPU use over an
interval (/proc/stat) and its load average, so that every figure is printed next to the load
it was measured under (the machine is shared).
"""

from __future__ import annotations

import contextlib
import datetime
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TASK_KEY = "bench:task:"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# --- inside the worker process ---------------------------------------------------------------


def _instrument(redis_url: str) -> None:
    import redis
    from celery import signals

    client = redis.Redis.from_url(redis_url)

    @signals.task_prerun.connect(weak=False)
    def _started(task_id=None, task=None, **kwargs) -> None:
        pipe = client.pipeline()
        pipe.hincrby(TASK_KEY + task_id, "runs", 1)
        pipe.hset(
            TASK_KEY + task_id,
            mapping={"started": time.time(), "pid": os.getpid(), "name": task.name},
        )
        pipe.expire(TASK_KEY + task_id, 24 * 3600)
        pipe.execute()

    @signals.task_postrun.connect(weak=False)
    def _finished(task_id=None, **kwargs) -> None:
        client.hset(TASK_KEY + task_id, "finished", time.time())


def use_broker(redis_url: str) -> None:
    """Before Django is set up: tasks go to this Redis, never run eagerly."""
    os.environ["REDIS_URL"] = redis_url
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "0")


def worker_main(argv: list[str]) -> None:
    from bench.load_search_dataset import setup_django

    setup_django()
    _instrument(os.environ["REDIS_URL"])
    from backend.celery import app

    app.worker_main(["worker", *argv])


# --- in the benchmark process ----------------------------------------------------------------


@dataclass
class Worker:
    """`celery worker --concurrency=N` against the given database and Redis."""

    database_url: str
    redis_url: str
    concurrency: int = 2
    log_path: str = "/tmp/bench-matching-worker.log"
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None

    def start(self, *, wait: float = 60.0) -> Worker:
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "PYTHONPATH": str(ROOT),
            **self.extra_env,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.matching_celery", "worker",
             f"--concurrency={self.concurrency}", "--loglevel=WARNING", "--without-gossip",
             "--without-mingle", "--without-heartbeat", f"--hostname=bench{time.time_ns()}@%h"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.log_path, "a"),  # noqa: SIM115
            start_new_session=True,  # its own process group: killed whole by kill()
        )  # fmt: skip
        from backend.celery import app

        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the worker exited, see {self.log_path}")
            replies = app.control.ping(timeout=1.0)
            if len(self.pool_pids()) >= self.concurrency and replies:
                return self
        raise RuntimeError(f"the worker did not answer within {wait} s, see {self.log_path}")

    def pool_pids(self) -> list[int]:
        return _children(self.process.pid) if self.process else []

    def cpu_seconds(self) -> float:
        """User + system CPU of the worker and its pool processes (live ones)."""
        if self.process is None:
            return 0.0
        return sum(_cpu(pid) for pid in [self.process.pid, *self.pool_pids()])

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool), as a crash or an OOM kill would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def kill_one_process(self) -> int:
        """SIGKILL one pool process that is running a task; the main process survives."""
        pids = self.pool_pids()
        busy = [pid for pid in pids if _state(pid) == "R"] or pids
        os.kill(busy[0], signal.SIGKILL)
        return busy[0]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.kill()


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(p) for p in (task / "children").read_text().split()]
    return found


def _stat(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return []
    return raw[raw.rindex(")") + 2 :].split()


def _cpu(pid: int, *, reaped_children: bool = False) -> float:
    """User + system CPU of a process, and of its children it has reaped when asked."""
    fields = _stat(pid)
    end = 15 if reaped_children else 13  # utime, stime, then cutime, cstime
    return sum(int(value) for value in fields[11:end]) / CLOCK_TICKS if fields else 0.0


def _state(pid: int) -> str:
    fields = _stat(pid)
    return fields[0] if fields else ""


def postgres_cpu() -> float:
    """User + system CPU of the PostgreSQL server (every database: the server is shared),
    from /proc: its processes now alive, and those that have ended (a backend ends with its
    connection), which the kernel adds to their parent's children time when they are
    reaped."""
    total = 0.0
    for comm in Path("/proc").glob("[0-9]*/comm"):
        with contextlib.suppress(OSError):
            if comm.read_text().strip() == "postgres":
                total += _cpu(int(comm.parent.name), reaped_children=True)
    return total


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / CLOCK_TICKS, sum(values) / CLOCK_TICKS


def load_note(since: tuple[float, float] | None = None) -> str:
    """The machine's load average, and its CPU use since `since` (a `machine_cpu()`)."""
    one, five, _fifteen = os.getloadavg()
    note = f"load average {one:.2f} (1 min) {five:.2f} (5 min), {os.cpu_count()} cores"
    if since is not None:
        busy, total = machine_cpu()
        share = (busy - since[0]) / max(total - since[1], 1e-9)
        note += f", machine CPU busy {share:.0%} over the run"
    return note


def task_records(
    redis_url: str, task_ids: list[str], *, timeout: float = 10.0
) -> dict[str, dict[str, float]]:
    """What the instrumented worker wrote about these tasks, once it wrote their end: Celery
    stores a task's result before `task_postrun` fires, so a caller that saw the result may
    read the record a moment before its `finished` field is there."""
    import redis

    client = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + timeout
    while True:
        pipe = client.pipeline()
        for task_id in task_ids:
            pipe.hgetall(TASK_KEY + task_id)
        records = {
            task_id: {k.decode(): v.decode() if k == b"name" else float(v) for k, v in raw.items()}
            for task_id, raw in zip(task_ids, pipe.execute(), strict=True)
        }
        done = all("finished" in record for record in records.values())
        if done or time.monotonic() > deadline:
            return records
        time.sleep(0.01)


def purge(redis_url: str) -> None:
    """Empty the broker's queue, the messages a killed worker left unacknowledged (the Redis
    transport's `unacked` keys) and the benchmark's task records: the Redis database is the
    benchmark's own."""
    import redis

    from backend.celery import app

    app.control.purge()
    client = redis.Redis.from_url(redis_url)
    client.delete("unacked", "unacked_index", "unacked_mutex")
    keys = list(client.scan_iter(TASK_KEY + "*", count=10_000))
    for start in range(0, len(keys), 10_000):
        client.delete(*keys[start : start + 10_000])


def now_utc() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


if __name__ == "__main__":
    if sys.argv[1:2] != ["worker"]:
        sys.exit(__doc__)
    worker_main(sys.argv[2:])
