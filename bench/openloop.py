"""An open-loop (constant-rate) HTTP load generator for loopback benchmarks.

    python -m bench.openloop --url http://127.0.0.1:8765 --paths paths.txt --rate 400 --duration 30

wrk is closed-loop: a slow response delays the next request, so queueing hides from its
percentiles (coordinated omission). Here request i is due at t0 + i / rate whatever happens to
the others, and its latency is measured from that due time, so time spent waiting for a free
connection or behind a slow server counts. No wrk2 or vegeta package exists on this system,
hence this small generator: asyncio, HTTP/1.1, keep-alive when the server allows it, at most
`max_connections` in flight. It reports how late it dispatched requests itself, so a run where
the generator could not keep up is visible. A request that times out keeps its latency (at
least the timeout) in the distribution and is counted in `timeouts`: past saturation the
percentiles grow without bound, as they do for real users.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values (fraction in 0..1)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, round(fraction * len(sorted_values) + 0.5))
    return sorted_values[min(rank, len(sorted_values)) - 1]


class _Client:
    # Servers close idle keep-alive connections (gunicorn after 2 s): reuse only fresher ones.
    MAX_IDLE_S = 1.0

    def __init__(self, host: str, port: int, max_connections: int) -> None:
        self.host, self.port = host, port
        self.idle: list[tuple[float, asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.slots = asyncio.Semaphore(max_connections)

    async def get(self, path: str) -> int:
        async with self.slots:
            connection = self._idle_connection()
            if connection is not None:
                reader, writer = connection
                try:
                    return await self._exchange_on(reader, writer, path)
                except (asyncio.IncompleteReadError, ConnectionError):
                    # Closed by the server while idle, before answering: a new connection
                    # retries the (idempotent) GET, as HTTP clients do.
                    pass
            reader, writer = await asyncio.open_connection(self.host, self.port)
            return await self._exchange_on(reader, writer, path)

    def _idle_connection(self):
        now = asyncio.get_running_loop().time()
        while self.idle:
            since, reader, writer = self.idle.pop()
            if now - since <= self.MAX_IDLE_S:
                return reader, writer
            writer.close()
        return None

    async def _exchange_on(self, reader, writer, path: str) -> int:
        try:
            status, keep_alive = await self._exchange(reader, writer, path)
        except BaseException:
            writer.close()
            raise
        if keep_alive:
            self.idle.append((asyncio.get_running_loop().time(), reader, writer))
        else:
            writer.close()
        return status

    async def _exchange(self, reader, writer, path: str) -> tuple[int, bool]:
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            "Accept: application/json\r\nConnection: keep-alive\r\n\r\n".encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip().lower()
        keep_alive = headers.get("connection") != "close"
        if "content-length" in headers:
            await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            while True:
                size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
                await reader.readexactly(size + 2)
                if size == 0:
                    break
        else:
            await reader.read()
            keep_alive = False
        return status, keep_alive


async def run(
    *,
    url: str,
    paths: list[tuple[str, str]],
    rate: float,
    duration: float,
    max_connections: int = 256,
    timeout: float = 10.0,
    seed: int = 1,
) -> dict:
    """Send rate * duration requests on a fixed timetable; latency counts from the due time.

    A request not answered `timeout` seconds after its due time is abandoned and counted.
    """
    parts = urlsplit(url)
    client = _Client(parts.hostname or "127.0.0.1", parts.port or 80, max_connections)
    rng = random.Random(seed)
    loop = asyncio.get_running_loop()
    total = int(rate * duration)
    latencies: list[float] = []
    by_label: dict[str, list[float]] = {}
    statuses: dict[int, int] = {}
    errors: dict[str, int] = {}
    dispatch_lag: list[float] = []

    timeouts = 0

    async def one(label: str, path: str, due: float) -> None:
        nonlocal timeouts
        try:
            # The deadline runs from the due time: waiting for a free connection counts.
            status = await asyncio.wait_for(client.get(path), due + timeout - loop.time())
        except TimeoutError:
            # Still a latency, and at least this long: it stays in the distribution.
            timeouts += 1
            status = None
        except Exception as exc:  # a failed request is counted, never retried
            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
            return
        latency = loop.time() - due
        latencies.append(latency)
        by_label.setdefault(label, []).append(latency)
        if status is not None:
            statuses[status] = statuses.get(status, 0) + 1

    tasks = []
    start = loop.time() + 0.05
    for i in range(total):
        due = start + i / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        dispatch_lag.append(loop.time() - due)
        label, path = rng.choice(paths)
        tasks.append(asyncio.create_task(one(label, path, due)))
    await asyncio.gather(*tasks)
    elapsed = loop.time() - start
    for _, _, writer in client.idle:
        writer.close()

    latencies.sort()
    dispatch_lag.sort()
    non2xx = sum(count for status, count in statuses.items() if not 200 <= status < 300)
    return {
        "offered_rate": rate,
        "duration_s": duration,
        "scheduled": total,
        "completed": len(latencies) - timeouts,
        "timeouts": timeouts,
        "timeout_s": timeout,
        "achieved_rate": round((len(latencies) - timeouts) / elapsed, 1) if elapsed else 0.0,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "non2xx": non2xx,
        "errors": errors,
        "latency_ms": {
            name: round(percentile(latencies, q) * 1000, 2)
            for name, q in (("p50", 0.5), ("p90", 0.9), ("p95", 0.95), ("p99", 0.99), ("max", 1))
        },
        "by_label": {
            label: {
                "count": len(values),
                **{
                    name: round(percentile(sorted(values), q) * 1000, 2)
                    for name, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))
                },
            }
            for label, values in sorted(by_label.items())
        },
        "dispatch_lag_ms": {
            "p99": round(percentile(dispatch_lag, 0.99) * 1000, 2),
            "max": round(percentile(dispatch_lag, 1) * 1000, 2),
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Constant-rate HTTP GET load on loopback.")
    parser.add_argument("--url", required=True, help="base URL, e.g. http://127.0.0.1:8765")
    parser.add_argument(
        "--paths", required=True, type=Path, help="file of request paths ([label<TAB>]path)"
    )
    parser.add_argument("--rate", required=True, type=float, help="requests per second")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds")
    parser.add_argument("--max-connections", type=int, default=256)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    # One path per line, optionally after a label and a tab (latencies are also kept by label).
    paths = [
        tuple(line.split("\t", 1)) if "\t" in line else ("all", line)
        for line in args.paths.read_text().splitlines()
        if line
    ]
    started = time.time()
    result = asyncio.run(
        run(
            url=args.url,
            paths=paths,
            rate=args.rate,
            duration=args.duration,
            max_connections=args.max_connections,
            timeout=args.timeout,
            seed=args.seed,
        )
    )
    result["started_at"] = started
    json.dump(result, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
