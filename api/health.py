"""Liveness with dependency status: database, cache, broker and Celery workers."""

import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from backend.celery import app as celery_app

WORKER_PING_TIMEOUT = 0.5
WORKER_STATUS_CACHE_SECONDS = 15


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_cache() -> str:
    cache.set("healthz:probe", "1", timeout=10)
    return "ok" if cache.get("healthz:probe") == "1" else "error"


def _check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=1)
    return "ok"


def _check_workers() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    # A ping waits for replies: remember the answer briefly so probes stay cheap.
    cached = cache.get("healthz:workers")
    if cached:
        return cached
    replies = celery_app.control.ping(timeout=WORKER_PING_TIMEOUT) or []
    result = "ok" if replies else "none"
    cache.set("healthz:workers", result, timeout=WORKER_STATUS_CACHE_SECONDS)
    return result


CHECKS: dict[str, Callable[[], str]] = {
    "database": _check_database,
    "cache": _check_cache,
    "broker": _check_broker,
    "workers": _check_workers,
}
HEALTHY = {"ok", "eager"}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers; the parts that do not are listed under `degraded`."""
    checks: dict[str, dict] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            state = check()
        except Exception as exc:  # any failure of a dependency is a status, not a crash
            state = f"error: {type(exc).__name__}"
        checks[name] = {
            "status": state,
            "latency_ms": round((time.perf_counter() - started) * 1000, 1),
        }
    degraded = [name for name, result in checks.items() if result["status"] not in HEALTHY]
    database_up = checks["database"]["status"] == "ok"
    body = {
        "status": "ok" if not degraded else ("degraded" if database_up else "down"),
        "degraded": degraded,
        "checks": checks,
    }
    return JsonResponse(body, status=200 if database_up else 503)
