"""A worker keeps its database connection from one task to the next, and replaces one it
can no longer use."""

import pytest
from django.db import connection

from backend.celery import app


@app.task(name="tests.backend_pid")
def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _run() -> int:
    return backend_pid.delay().get(timeout=30)


@pytest.mark.worker
@pytest.mark.postgres
def test_tasks_share_the_connection_until_it_breaks(celery_worker):
    first = _run()
    assert _run() == first
    assert _run() == first

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [first])
        assert cursor.fetchone()[0] is True

    replaced = _run()
    assert replaced != first
    assert _run() == replaced
