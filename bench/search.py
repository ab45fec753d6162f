"""The search benchmark: the API under gunicorn on PostgreSQL, loaded on loopback.

    python -m bench.search --n 100000 --n 1000000 --duration 30

One module, because it is one run read from top to bottom: the request templates and their
checks, the server, the load tools, the machine's state and the report each serve only this
run, and a reader checking a figure of docs/benchmarks.md follows it here in one place.

For each N: the France dataset of N activities is loaded (or reused) into its own database
(relier_bench_100k, relier_bench_1m...), gunicorn serves the API on 127.0.0.1 with DEBUG off
and throttling out of the way, and then, in the same run:

1. closed loop (wrk, saturating): the floor endpoint (bench/floor.py), then the search mix,
   each with how wrk's connections fell on the workers;
2. open loop (bench/openloop.py): the search mix at a constant rate of half the floor's
   maximum, latency measured from each request's due time;

while the resident memory of each gunicorn worker is sampled. Results go to
bench/results/search-<timestamp>.json and a Markdown table is printed.

The search mix draws request paths from three templates, at points drawn like the dataset
(by population): 5 km + category + day (50 %), a text query within 20 km (25 %), and the
sessions of the next 7 days within 5 km (25 %). `--mix list` measures the plain list
(`/api/v1/activities/?page_size=20`) instead, to check the harness while search is not there.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlencode

from bench import france, vocabulary
from bench.load_search_dataset import DEFAULT_SEED, ROOT, THROWAWAY_SECRET_KEY

RESULTS_DIR = ROOT / "bench" / "results"
WRK_SCRIPT = Path(__file__).resolve().parent / "wrk_paths.lua"
DEFAULT_BASE_URL = "postgres://postgres@127.0.0.1:5432"
FLOOR_PATH = "/bench/floor/"
LIST_PATH = "/api/v1/activities/?page_size=20"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TOP_CATEGORIES = tuple(dict.fromkeys(france.TAXONOMY_LEAVES.values()))
LEAF_CATEGORIES = tuple(france.TAXONOMY_LEAVES)
# Share of each template in the search mix.
MIX = (("near_category_day", 50), ("text_near", 25), ("sessions_next_week", 25))
# Targets of the issue (2 cores, PostgreSQL, 1,000,000 activities).
TARGET_RATIO = 0.6
TARGET_P95_MS = 50.0
TARGET_RSS_MB = 250.0


def database_label(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    if n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def server_environment(database_url: str) -> dict[str, str]:
    """The settings the benchmark serves the API with (no REDIS_URL: throttle counters in
    process memory): debug off, a throwaway key, the floor's URLconf."""
    return {
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": THROWAWAY_SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        # Throttling out of the way: the load comes from one address.
        "THROTTLE_ANON": "100000000/s",
        "THROTTLE_USER": "100000000/s",
        "LOG_LEVEL": "WARNING",
    }


def search_paths(
    count: int,
    *,
    seed: int,
    now: datetime.datetime,
    mix: str = "search",
    points: Sequence[tuple[float, float]] | None = None,
) -> list[tuple[str, str]]:
    """(template, path) pairs of the load, drawn deterministically from the seed.

    The points default to where residents live (drawn by population, like the dataset).
    """
    if mix == "list":
        return [("list", LIST_PATH)] * count
    rng = random.Random(f"{seed}:requests")
    if points is None:
        points = france.sample_points(count, seed=seed)
    points = [points[i % len(points)] for i in range(count)]
    templates = [name for name, weight in MIX for _ in range(weight)]
    week_later = now + datetime.timedelta(days=7)
    paths = []
    for lat, lng in points:
        template = rng.choice(templates)
        if template == "near_category_day":
            category = rng.choice(TOP_CATEGORIES if rng.random() < 0.4 else LEAF_CATEGORIES)
            query = {"lat": lat, "lng": lng, "radius_km": 5, "category": category}
            query["day"] = rng.choice(WEEKDAYS)
            path = "/api/v1/activities/?" + urlencode(query)
        elif template == "text_near":
            query = {"q": rng.choice(vocabulary.SEARCH_WORDS), "lat": lat, "lng": lng}
            query["radius_km"] = 20
            path = "/api/v1/activities/?" + urlencode(query)
        else:
            query = {"lat": lat, "lng": lng, "radius_km": 5}
            query.update(starts_after=_iso(now), starts_before=_iso(week_later))
            path = "/api/v1/occurrences/?" + urlencode(query)
        paths.append((template, path))
    return paths


# --- checking that the endpoints answer what was asked -------------------------------------------


def check_response(template: str, path: str, status: int, body: bytes) -> str | None:
    """Why a response does not show the search working (None when it does).

    A 200 is not enough: an endpoint that ignores unknown parameters answers 200 with the plain
    list. Activities near a point must carry `distance_km` within the radius; sessions must
    start inside the requested window.
    """
    if not 200 <= status < 300:
        return f"status {status}"
    if template in ("floor", "list"):
        return None
    try:
        payload = json.loads(body)
    except ValueError:
        return "not JSON"
    results = payload.get("results") if isinstance(payload, dict) else payload
    if not isinstance(results, list):
        return "no results list"
    params = dict(pair.split("=", 1) for pair in path.split("?", 1)[1].split("&") if "=" in pair)
    radius = float(params.get("radius_km", 0))
    for item in results:
        if template == "sessions_next_week":
            if "start" not in item:
                return "a session without start"
            continue
        distance = item.get("distance_km")
        if distance is None:
            return "distance_km missing: the point is ignored"
        if distance > radius * 1.001 + 0.01:
            return f"distance_km {distance} beyond the {radius} km radius"
    return None


def probe(base_url: str, paths: Sequence[tuple[str, str]], per_template: int = 5) -> dict:
    """Issue a few requests of each template; count successes and the first problem seen."""
    report: dict[str, dict] = {}
    for template, path in paths:
        entry = report.setdefault(template, {"checked": 0, "ok": 0, "empty": 0, "problem": None})
        if entry["checked"] >= per_template:
            continue
        entry["checked"] += 1
        try:
            with urllib.request.urlopen(base_url + path, timeout=30) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        problem = check_response(template, path, status, body)
        if problem is None:
            entry["ok"] += 1
            try:
                payload = json.loads(body)
                results = payload.get("results") if isinstance(payload, dict) else payload
                entry["empty"] += not results
            except ValueError:
                pass
        elif entry["problem"] is None:
            entry["problem"] = f"{problem}: {path}"
    return report


# --- gunicorn ------------------------------------------------------------------------------------


class Server:
    """gunicorn serving the API on loopback against one benchmark database."""

    def __init__(
        self,
        *,
        database_url: str,
        port: int,
        workers: int,
        threads: int,
        worker_class: str,
        log_path: Path,
    ) -> None:
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.config = {"workers": workers, "threads": threads, "worker_class": worker_class}
        env = {**os.environ, **server_environment(database_url)}
        env.pop("REDIS_URL", None)
        gunicorn = Path(sys.executable).with_name("gunicorn")
        command = [
            str(gunicorn), "backend.wsgi:application", "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--worker-class", worker_class,
            "--threads", str(threads), "--backlog", "2048", "--timeout", "60",
        ]  # fmt: skip
        self.log = log_path.open("w")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=self.log
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early (see {self.log.name})")
            try:
                with urllib.request.urlopen(self.base_url + FLOOR_PATH, timeout=5) as response:
                    if response.status == 200 and len(self.worker_pids()) == self.config["workers"]:
                        return
            # A worker still booting may let a probe time out: not an answer yet.
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer in time")

    def wait_drained(self, log, timeout: float = 300) -> None:
        """Wait until the workers answer the floor endpoint promptly again (nothing queued)."""
        deadline = time.monotonic() + timeout
        fast = 0
        while time.monotonic() < deadline and fast < 3:
            started = time.monotonic()
            try:
                with urllib.request.urlopen(self.base_url + FLOOR_PATH, timeout=30) as response:
                    response.read()
                fast = fast + 1 if time.monotonic() - started < 0.2 else 0
            except (urllib.error.URLError, TimeoutError, ConnectionError):
                fast = 0
            time.sleep(0.2)
        if fast < 3:
            log("  the server is still busy with earlier requests")

    def worker_pids(self) -> list[int]:
        return children_of(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def free_port(port: int = 0) -> int:
    """`port` if it is free on loopback (any free port for 0); refuses one already taken, so
    that another server listening there is never measured by mistake."""
    with socket.socket() as probe_socket:
        try:
            probe_socket.bind(("127.0.0.1", port))
        except OSError as error:
            raise RuntimeError(f"port {port} is already in use on 127.0.0.1") from error
        return probe_socket.getsockname()[1]


def children_of(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name sits in parentheses and may hold spaces: split after it.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            children.append(int(entry.name))
    return sorted(children)


def memory_of(pid: int) -> tuple[float, float] | None:
    """(RSS, PSS) in MB of a process, from /proc."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return None
    rss = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    pss = re.search(r"^Pss:\s+(\d+) kB", rollup, re.M)
    if rss is None:
        return None
    return int(rss.group(1)) / 1024, (int(pss.group(1)) / 1024 if pss else float("nan"))


class MemorySampler(threading.Thread):
    """Samples the RSS and PSS of each gunicorn worker; keeps the peak of each."""

    def __init__(self, server: Server, interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.server, self.interval = server, interval
        self.peaks: dict[int, dict[str, float]] = {}
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            for pid in self.server.worker_pids():
                memory = memory_of(pid)
                if memory is None:
                    continue
                peak = self.peaks.setdefault(pid, {"rss_mb": 0.0, "pss_mb": 0.0})
                peak["rss_mb"] = max(peak["rss_mb"], round(memory[0], 1))
                peak["pss_mb"] = max(peak["pss_mb"], round(memory[1], 1))
            self.stopped.wait(self.interval)

    def stop(self) -> dict[str, dict[str, float]]:
        self.stopped.set()
        self.join()
        return {str(pid): peak for pid, peak in sorted(self.peaks.items())}


class OtherCpu:
    """CPU time used during a phase by processes that are not part of the benchmark.

    The machine may be shared (other people's test runs): such load steals cores from the
    server and the load tools, so it is measured and reported next to each figure. So is the
    time the hypervisor gave the virtual CPUs to other machines ("steal" in /proc/stat), which
    no process here shows: on a busy host the same run loses throughput to it.
    """

    def __init__(self, database: str) -> None:
        # The server, the load tools, this harness and the PostgreSQL backends of the database
        # under test; everything else (another benchmark database included) is "other".
        self.markers = ("backend.wsgi", "wrk", "bench.openloop", "bench.search", f" {database} ")
        self.ticks_per_second = os.sysconf("SC_CLK_TCK")
        self.before = self._snapshot()
        self.stolen_before = self._stolen_ticks()
        self.started = time.monotonic()

    @staticmethod
    def _stolen_ticks() -> int:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
        return int(fields[8]) if len(fields) > 8 else 0  # cpu user nice system idle ... steal

    @staticmethod
    def _snapshot() -> dict[int, tuple[int, str]]:
        snapshot = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            snapshot[int(entry.name)] = (int(fields[11]) + int(fields[12]), cmdline)
        return snapshot

    def stop(self) -> dict:
        after = self._snapshot()
        elapsed = time.monotonic() - self.started
        other, busiest = 0, {}
        for pid, (ticks, cmdline) in after.items():
            used = ticks - self.before.get(pid, (0, ""))[0]
            if used <= 0 or any(marker in cmdline for marker in self.markers):
                continue
            other += used
            busiest[cmdline[:80] or str(pid)] = busiest.get(cmdline[:80] or str(pid), 0) + used
        seconds = other / self.ticks_per_second
        stolen = (self._stolen_ticks() - self.stolen_before) / self.ticks_per_second
        top = sorted(busiest.items(), key=lambda item: -item[1])[:3]
        capacity = elapsed * (os.cpu_count() or 1)
        return {
            "cpu_seconds": round(seconds, 1),
            "share_of_machine": round(seconds / capacity, 3),
            "stolen_share": round(stolen / capacity, 3),
            "top": [(name, round(ticks / self.ticks_per_second, 1)) for name, ticks in top],
        }


def wait_until_quiet(database: str, *, max_wait: float, log) -> dict:
    """Wait (at most max_wait seconds) for other processes to leave the CPU to the benchmark."""
    started = time.monotonic()
    while True:
        other = OtherCpu(database)
        time.sleep(3)
        share = other.stop()["share_of_machine"]
        waited = time.monotonic() - started
        if share <= 0.05 or waited >= max_wait:
            if share > 0.05:
                log(
                    f"  the machine is still busy ({share:.0%} used by others) after {waited:.0f} s"
                )
            return {"waited_s": round(waited, 1), "others_share_before": share}


# --- load tools ----------------------------------------------------------------------------------


def run_wrk(
    base_url: str, paths_file: Path, *, duration: float, connections: int, threads: int = 1
) -> dict:
    """Closed-loop saturation with wrk; the Lua script reports status counts and percentiles."""
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{int(duration)}s", "--timeout", "10s",
        "--latency", "-s", str(WRK_SCRIPT), base_url, "--", str(paths_file),
    ]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True, check=True)
    for line in completed.stdout.splitlines():
        if line.startswith("WRK_JSON "):
            result = json.loads(line[len("WRK_JSON ") :])
            seconds = result["duration_us"] / 1e6
            result["rps"] = round(result["requests"] / seconds, 1)
            result["latency_ms"] = {
                name: round(value / 1000, 2) for name, value in result.pop("latency_us").items()
            }
            result["connections"] = connections
            return result
    raise RuntimeError(f"wrk printed no result:\n{completed.stdout}\n{completed.stderr}")


def connections_per_worker(server) -> list[int]:
    """The established connections on the server's port that each gunicorn worker holds,
    most first. With threaded workers (gthread), wrk's keep-alive connections stay with the
    worker that accepted them, and a worker is bound to one core by its GIL: how they fell
    moves a closed-loop run's throughput (all of them on one worker halves it), and the count
    lets a run show it. Sync workers close each connection after its request, so the count is
    only the requests in progress at that instant."""
    port = f":{server.port:04X}"
    sockets = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if fields[1].endswith(port) and fields[3] == "01":  # local port, ESTABLISHED
                sockets.add(f"socket:[{fields[9]}]")
    counts = []
    for pid in server.worker_pids():
        try:
            descriptors = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        held = 0
        for fd in descriptors:
            with contextlib.suppress(OSError):
                held += os.readlink(f"/proc/{pid}/fd/{fd}") in sockets
        counts.append(held)
    return sorted(counts, reverse=True)


def closed_loop(server, paths_file: Path, *, duration: float, connections: int) -> dict:
    """`run_wrk` against the server, with how its connections fell on the workers (sampled
    halfway through the run)."""
    spread: list[int] = []
    timer = threading.Timer(duration / 2, lambda: spread.extend(connections_per_worker(server)))
    timer.start()
    try:
        result = run_wrk(server.base_url, paths_file, duration=duration, connections=connections)
    finally:
        timer.cancel()
        timer.join()
    result["connections_per_worker"] = spread
    return result


def _log_closed_loop(log, run: dict) -> None:
    log(
        f"  {run['rps']} req/s; connections per worker {run['connections_per_worker']}; "
        f"others used {run['other_cpu']}"
    )


def run_open_loop(base_url: str, paths_file: Path, *, rate: float, duration: float) -> dict:
    command = [
        sys.executable, "-m", "bench.openloop", "--url", base_url, "--paths", str(paths_file),
        "--rate", f"{rate:.1f}", "--duration", str(duration),
    ]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(completed.stdout.strip().splitlines()[-1])


# --- machine -------------------------------------------------------------------------------------


def machine_info(database_url: str) -> dict:
    import psycopg

    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    with psycopg.connect(database_url) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        settings = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]
            for name in ("shared_buffers", "work_mem", "effective_cache_size", "max_connections")
        }
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.strip(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgresql": version,
        "postgresql_settings": settings,
        "wrk": (wrk.stdout or wrk.stderr).splitlines()[0] if (wrk.stdout or wrk.stderr) else "",
    }


# --- one N ---------------------------------------------------------------------------------------


def bench_one(n: int, args: argparse.Namespace, log) -> dict:
    from bench.load_search_dataset import load_search_dataset

    database_name = f"relier_bench_{database_label(n)}"
    database_url = f"{args.base_url}/{database_name}"
    load = load_search_dataset(n=n, database_url=database_url, seed=args.seed, log=log)
    now = datetime.datetime.now(datetime.UTC)
    workdir = Path(tempfile.mkdtemp(prefix="relier-bench-"))
    mix_paths = search_paths(args.paths, seed=args.seed, now=now, mix=args.mix)
    mix_file = workdir / "mix.txt"
    mix_file.write_text("".join(path + "\n" for _, path in mix_paths))
    labelled_mix_file = workdir / "mix-labelled.txt"
    labelled_mix_file.write_text("".join(f"{t}\t{path}\n" for t, path in mix_paths))
    rng = random.Random(args.seed)
    floor_file = workdir / "floor.txt"
    floor_file.write_text(
        "".join(f"{FLOOR_PATH}?after={rng.randrange(max(1, n - 20))}\n" for _ in range(1000))
    )

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    server = Server(
        database_url=database_url,
        port=free_port(args.port),
        workers=args.workers,
        threads=args.threads,
        worker_class=args.worker_class,
        log_path=RESULTS_DIR / f"gunicorn-{database_label(n)}.log",
    )
    result: dict = {"n": n, "database": database_url, "load": load.as_dict(), "mix": args.mix}
    result["server"] = {**server.config, "throttling": "rates set to 100000000/s"}
    try:
        server.wait_ready()
        sampler = MemorySampler(server)
        sampler.start()
        result["probe"] = probe(server.base_url, mix_paths)
        log(f"probe: {json.dumps(result['probe'], ensure_ascii=False)}")
        log(f"warming up for {args.warmup} s")
        run_wrk(server.base_url, floor_file, duration=args.warmup / 2, connections=args.connections)
        run_wrk(server.base_url, mix_file, duration=args.warmup / 2, connections=args.connections)
        log(f"closed loop, floor endpoint, {args.duration} s")
        quiet = wait_until_quiet(database_name, max_wait=args.wait_quiet, log=log)
        other = OtherCpu(database_name)
        result["floor"] = closed_loop(
            server, floor_file, duration=args.duration, connections=args.connections
        )
        result["floor"]["other_cpu"] = other.stop()
        result["floor"]["quiet_wait"] = quiet
        _log_closed_loop(log, result["floor"])
        log(f"closed loop, {args.mix} mix, {args.duration} s")
        server.wait_drained(log)
        quiet = wait_until_quiet(database_name, max_wait=args.wait_quiet, log=log)
        other = OtherCpu(database_name)
        result["search"] = closed_loop(
            server, mix_file, duration=args.duration, connections=args.connections
        )
        result["search"]["other_cpu"] = other.stop()
        result["search"]["quiet_wait"] = quiet
        _log_closed_loop(log, result["search"])
        if not args.skip_open_loop:
            # Half the mix's own maximum (a load it can carry), then the target's rate (half
            # the floor's maximum). In that order: past saturation the server keeps working on
            # requests their clients gave up, long after the run.
            for key, rate in (
                ("open_loop_half_own_max", result["search"]["rps"] / 2),
                ("open_loop", result["floor"]["rps"] / 2),
            ):
                log(f"open loop, {args.mix} mix at {rate:.0f} req/s, {args.duration} s")
                server.wait_drained(log)
                quiet = wait_until_quiet(database_name, max_wait=args.wait_quiet, log=log)
                other = OtherCpu(database_name)
                result[key] = run_open_loop(
                    server.base_url, labelled_mix_file, rate=rate, duration=args.duration
                )
                result[key]["other_cpu"] = other.stop()
                result[key]["quiet_wait"] = quiet
                log(f"  p95 {result[key]['latency_ms']['p95']} ms")
        result["worker_memory"] = sampler.stop()
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    result["verdict"] = verdict(result)
    return result


def verdict(result: dict) -> dict:
    """Whether the run is valid (no errors, search answering) and how it fares on the targets."""
    problems = []
    for name in ("floor", "search"):
        run = result.get(name) or {}
        errors = sum(run.get("errors", {}).values())
        if run.get("non2xx") or errors:
            problems.append(f"{name}: {run.get('non2xx')} non-2xx, {errors} socket errors")
    for key in ("open_loop", "open_loop_half_own_max"):
        run = result.get(key)
        if run and (run["non2xx"] or run["errors"]):
            problems.append(f"{key}: {run['non2xx']} non-2xx, errors {run['errors']}")
    open_loop = result.get("open_loop")
    for template, entry in (result.get("probe") or {}).items():
        if entry["problem"]:
            problems.append(f"probe {template}: {entry['problem']}")
    warnings = []
    for name in ("floor", "search", "open_loop", "open_loop_half_own_max"):
        other = (result.get(name) or {}).get("other_cpu") or {}
        if other.get("share_of_machine", 0) > 0.05:
            warnings.append(
                f"{name}: other processes used {other['share_of_machine']:.0%} of the machine"
            )
        if other.get("stolen_share", 0) > 0.05:
            warnings.append(f"{name}: the hypervisor took {other['stolen_share']:.0%}")
    floor_rps = (result.get("floor") or {}).get("rps") or 0
    search_rps = (result.get("search") or {}).get("rps") or 0
    ratio = round(search_rps / floor_rps, 3) if floor_rps else None
    rss = [peak["rss_mb"] for peak in (result.get("worker_memory") or {}).values()]
    p95 = open_loop["latency_ms"]["p95"] if open_loop else None
    return {
        "valid": not problems,
        "problems": problems,
        "warnings": warnings,
        "ratio_to_floor": ratio,
        "ratio_target_met": ratio is not None and ratio >= TARGET_RATIO,
        "open_loop_p95_ms": p95,
        "p95_target_met": p95 is not None and p95 <= TARGET_P95_MS,
        "open_loop_timeouts": open_loop["timeouts"] if open_loop else None,
        "max_worker_rss_mb": max(rss) if rss else None,
        "rss_target_met": bool(rss) and max(rss) < TARGET_RSS_MB,
    }


def markdown(results: Sequence[dict]) -> str:
    lines = [
        "| N | load | requests | req/s | p50 ms | p95 ms | p99 ms | non-2xx | errors |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    notes = []
    for result in results:
        n = f"{result['n']:,}"
        for name, label in (("floor", "closed loop"), ("search", "closed loop")):
            run = result.get(name)
            if not run:
                continue
            what = "floor (20 rows by pk)" if name == "floor" else f"{result['mix']} mix"
            lines.append(
                f"| {n} | {label}, {run['connections']} conn. | {what} | {run['rps']:,.0f} | "
                f"{run['latency_ms']['p50']} | {run['latency_ms']['p95']} | "
                f"{run['latency_ms']['p99']} | {run['non2xx']} | {sum(run['errors'].values())} |"
            )
        for key in ("open_loop", "open_loop_half_own_max"):
            run = result.get(key)
            if not run:
                continue
            timeouts = f" + {run['timeouts']} timeouts" if run["timeouts"] else ""
            lines.append(
                f"| {n} | open loop at {run['offered_rate']:,.0f} req/s | {result['mix']} mix | "
                f"{run['achieved_rate']:,.0f} | {run['latency_ms']['p50']} | "
                f"{run['latency_ms']['p95']} | {run['latency_ms']['p99']} | {run['non2xx']} | "
                f"{sum(run['errors'].values())}{timeouts} |"
            )
        v = result["verdict"]
        rss = ", ".join(f"{peak['rss_mb']:.0f}" for peak in result["worker_memory"].values())
        load = result["load"]
        loaded = "reused" if load["reused"] else f"loaded in {load['seconds']['total']:.0f} s"
        spread = "; ".join(
            f"{name} {'/'.join(map(str, result[name].get('connections_per_worker', [])))}"
            for name in ("floor", "search")
            if result.get(name)
        )
        notes.append(
            f"- N = {n}: dataset {loaded}; {result['mix']}/floor throughput ratio "
            f"{v['ratio_to_floor']}; wrk connections per worker: {spread}; "
            f"peak worker RSS (MB): {rss}; "
            f"{'valid run' if v['valid'] else 'NOT VALID: ' + '; '.join(v['problems'])}"
            + (f" (warning: {'; '.join(v['warnings'])})" if v["warnings"] else "")
        )
    templates = [
        "",
        "Open loop, by template (p50 / p95 / p99 ms):",
        "",
        "| N | offered req/s | " + " | ".join(name for name, _ in MIX) + " |",
        "|---:|---:|" + "---|" * len(MIX),
    ]
    for result in results:
        for key in ("open_loop_half_own_max", "open_loop"):
            run = result.get(key)
            if not run or not run.get("by_label") or result["mix"] != "search":
                continue
            cells = []
            for name, _ in MIX:
                entry = run["by_label"].get(name)
                cells.append(f"{entry['p50']} / {entry['p95']} / {entry['p99']}" if entry else "-")
            lines_n = f"{result['n']:,}"
            templates.append(
                f"| {lines_n} | {run['offered_rate']:,.0f} | " + " | ".join(cells) + " |"
            )
    if len(templates) == 5:
        templates = []
    return "\n".join([*lines, "", *notes, *templates])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, action="append", help="activities (repeatable)")
    parser.add_argument("--duration", type=float, default=30, help="seconds per measured run")
    parser.add_argument("--warmup", type=float, default=10, help="seconds of warm-up")
    parser.add_argument("--mix", choices=("search", "list"), default="search")
    # gunicorn as the Dockerfile runs it: sync workers, 2 per core (docs/benchmarks.md).
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--threads", type=int, default=1, help="above 1: gthread workers")
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--paths", type=int, default=2000, help="distinct request paths")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--base-url", default=DEFAULT_BASE_URL, help="PostgreSQL server URL")
    parser.add_argument("--skip-open-loop", action="store_true")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=60,
        help="before each measurement, wait up to this many seconds for other processes to "
        "leave the CPU (their share is reported either way)",
    )
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed (apt-get install -y wrk)")

    # Stopped with SIGTERM, still stop gunicorn and remove the temporary files.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))

    def log(message: str) -> None:
        print(
            f"[{datetime.datetime.now(datetime.UTC):%H:%M:%S}Z] {message}",
            file=sys.stderr,
            flush=True,
        )

    started = datetime.datetime.now(datetime.UTC)
    runs = []
    for n in args.n or [100_000, 1_000_000]:
        log(f"N = {n:,}")
        runs.append(bench_one(n, args, log))
    report = {
        "benchmark": "search",
        "started_at": started.isoformat(),
        "command": " ".join(["python -m bench.search", *(argv or sys.argv[1:])]),
        "machine": machine_info(f"{args.base_url}/postgres"),
        "config": {k: v for k, v in vars(args).items() if k != "n"},
        "runs": runs,
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"search-{started:%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(markdown(runs))
    print(f"\nResults: {path.relative_to(ROOT)}")
    return 0 if all(run["verdict"]["valid"] for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
