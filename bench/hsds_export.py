"""The HSDS export benchmark: the full export of N published services streamed through the
web stack, its rate and the web worker's peak memory.

    python -m bench.hsds_export --n 100000

The directory is the search benchmark's synthetic France (`bench.load_search_dataset`,
reused when already loaded). gunicorn serves the API with one sync worker, as in
production; the benchmark reads `hsds/export/services/` as a harvester would, counting the
lines as they arrive, while the worker's resident memory is sampled; the worker's peak
(`VmHWM`, the kernel's high-water mark of its RSS) is read at the end. The target: the
worker's peak under 200 MB whatever N, which holds only if the export streams.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterable
from pathlib import Path

from bench.load_search_dataset import load_search_dataset
from bench.search import FLOOR_PATH, children_of, free_port, server_environment

ROOT = Path(__file__).resolve().parent.parent
EXPORT_PATH = "/api/v1/hsds/export/services/"
RESULTS_DIR = ROOT / "bench" / "results"
# gunicorn kills a sync worker silent for longer than its timeout (30 s by default), and a
# worker streaming a response is silent to it until the response ends: the export of 100,000
# services takes minutes, so the worker serving it needs a timeout longer than that.
WORKER_TIMEOUT = 900


class ExportServer:
    """gunicorn, one sync worker, serving the API on loopback against the dataset."""

    def __init__(self, *, database_url: str, port: int, log_path: Path) -> None:
        self.base_url = f"http://127.0.0.1:{port}"
        env = {**os.environ, **server_environment(database_url)}
        env.pop("REDIS_URL", None)
        gunicorn = Path(sys.executable).with_name("gunicorn")
        command = [
            str(gunicorn), "backend.wsgi:application", "--bind", f"127.0.0.1:{port}",
            "--workers", "1", "--worker-class", "sync", "--timeout", str(WORKER_TIMEOUT),
        ]  # fmt: skip
        self.log = log_path.open("w")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=self.log
        )

    def wait_ready(self, timeout: float = 60) -> int:
        """The worker's pid, once it answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early (see {self.log.name})")
            try:
                with urllib.request.urlopen(self.base_url + FLOOR_PATH, timeout=5):
                    workers = children_of(self.process.pid)
                    if len(workers) == 1:
                        return workers[0]
            except (OSError, TimeoutError):
                pass
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer in time")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def count_stream(chunks: Iterable[bytes]) -> dict:
    """Read an NDJSON stream to its end: services (lines), bytes, seconds, and the first
    line (parsed) to show what was read."""
    started = time.perf_counter()
    lines = size = 0
    first = None
    pending = b""
    for chunk in chunks:
        size += len(chunk)
        lines += chunk.count(b"\n")
        if first is None:
            pending += chunk
            if b"\n" in pending:
                first = json.loads(pending.split(b"\n", 1)[0])
                pending = b""
    seconds = time.perf_counter() - started
    return {
        "services": lines,
        "bytes": size,
        "seconds": round(seconds, 3),
        "services_per_second": round(lines / seconds, 1) if seconds else None,
        "first": first,
    }


def _kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for process {pid}")


class RssSampler(threading.Thread):
    """The worker's RSS every 50 ms while the stream is read (a curve to show that it stays
    flat), beside the kernel's peak read once at the end."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.samples: list[tuple[float, int]] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        started = time.perf_counter()
        while not self.stopped.is_set():
            self.samples.append((time.perf_counter() - started, _kib(self.pid, "VmRSS")))
            time.sleep(0.05)


def _http_chunks(url: str, size: int = 64 * 1024) -> Iterable[bytes]:
    with urllib.request.urlopen(url, timeout=600) as response:
        while chunk := response.read(size):
            yield chunk


def run(*, n: int, database_url: str, port: int, skip_load: bool, log=print) -> dict:
    if not skip_load:
        load_search_dataset(n=n, database_url=database_url, log=log)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    server = ExportServer(
        database_url=database_url,
        port=free_port(port),
        log_path=RESULTS_DIR / "gunicorn-hsds-export.log",
    )
    try:
        worker = server.wait_ready()
        before = _kib(worker, "VmRSS")
        sampler = RssSampler(worker)
        sampler.start()
        result = count_stream(_http_chunks(server.base_url + EXPORT_PATH))
        sampler.stopped.set()
        sampler.join()
        peak = _kib(worker, "VmHWM")
    finally:
        server.stop()
    rss = [kib for _t, kib in sampler.samples]
    quarter = max(len(rss) // 4, 1)
    return {
        "n": n,
        **{key: value for key, value in result.items() if key != "first"},
        "first_service_name": (result["first"] or {}).get("name"),
        "worker_rss_before_mb": round(before / 1024, 1),
        "worker_peak_rss_mb": round(peak / 1024, 1),
        # Flat memory: the RSS of the last quarter of the stream against the first.
        "worker_rss_first_quarter_max_mb": round(max(rss[:quarter]) / 1024, 1),
        "worker_rss_last_quarter_max_mb": round(max(rss[-quarter:]) / 1024, 1),
        "rss_samples": len(rss),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="published services")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port (0: any free)")
    parser.add_argument("--skip-load", action="store_true", help="the dataset is loaded")
    args = parser.parse_args(argv)
    database_url = args.database_url or (
        f"postgres://postgres@127.0.0.1:5432/relier_bench_{args.n // 1000}k"
    )
    report = run(n=args.n, database_url=database_url, port=args.port, skip_load=args.skip_load)
    json.dump(report, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
