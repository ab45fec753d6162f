"""Concurrent writes on a real multi-threaded server: the double taps and retries of a phone.

The app is served by `manage.py runserver` (threaded, as `make run` serves it) in a subprocess,
on a SQLite file holding a copy of the test database, or on the test database itself when
DATABASE_URL names PostgreSQL. Twenty writers start together: partial profile edits of one
resident whose profile does not exist yet, profile edits of other residents, edits of one
activity by its editor, each to its own field, and feedback on several activities. None may
fail, and every write must be found in the final state (no write lost to another).
"""

import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken

from activities.models import Activity
from matching.models import Feedback, ResidentProfile
from tests.factories import UserFactory, editor_of, listed_activity

ROOT = Path(__file__).resolve().parents[2]
WRITERS = 20


def _free_port() -> int:
    # RELIER_TEST_PORT pins the port on a shared machine; otherwise the system chooses one.
    if os.environ.get("RELIER_TEST_PORT"):
        return int(os.environ["RELIER_TEST_PORT"])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url(path: Path) -> str:
    """The URL of a database holding what this test committed, for the server to use."""
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        user, host, port = db["USER"], db["HOST"] or "127.0.0.1", db["PORT"] or 5432
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"
    # The test database lives in memory: copied to a file, as `make run` uses one.
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    return f"sqlite:///{path}"


def _read_back(path: Path) -> None:
    """The server's writes made visible to this process (SQLite: the file copied back)."""
    if connection.vendor == "sqlite":
        source = sqlite3.connect(path)
        source.backup(connection.connection)
        source.close()


@pytest.fixture
def server(tmp_path, transactional_db, django_db_serialized_rollback):
    """A function that starts the app on the database as it stands and returns its URL,
    and one that reads back what it wrote."""
    process = None
    path = tmp_path / "relier.sqlite3"

    def start() -> str:
        nonlocal process
        port = _free_port()
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "REDIS_URL", "REQUIRE_SERVICES"}
        }
        env.update(
            DATABASE_URL=_database_url(path),
            DJANGO_DEBUG="0",
            DJANGO_SECRET_KEY=settings.SECRET_KEY,
            JWT_SIGNING_KEY=settings.SIMPLE_JWT["SIGNING_KEY"],
            ALLOWED_HOSTS="127.0.0.1",
            CONN_MAX_AGE="0",
            LOG_LEVEL="WARNING",
        )
        command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}"]
        process = subprocess.Popen(
            [*command, "--noreload", "--skip-checks"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"the server stopped: {process.stderr.read().decode()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                    return base
            except urllib.error.HTTPError:
                return base
            except OSError:
                time.sleep(0.1)
        pytest.fail("the server did not start within 30 s")

    yield start, lambda: _read_back(path)
    if process is not None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stderr.close()


def _request(base: str, method: str, path: str, token: str, body: dict) -> tuple[int, str]:
    request = urllib.request.Request(
        f"{base}/api/v1/{path}",
        data=json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except TimeoutError:
        return 0, "no answer within 30 s"


def _token(user) -> str:
    return str(RefreshToken.for_user(user).access_token)


def test_twenty_concurrent_writers_neither_fail_nor_lose_a_write(server):
    soon = timezone.now() + timezone.timedelta(days=3)
    newcomer = UserFactory()  # no profile yet: the first writes create it
    residents = UserFactory.create_batch(4)
    saver = UserFactory()
    activities = [listed_activity(47.2184, -1.5536, starts=[soon]) for _ in range(6)]
    edited = activities[0]
    editor = editor_of(edited.organization)

    newcomer_edits = {
        "max_distance_km": 7.5,
        "birth_year": 1950,
        "step_free": True,
        "budget_max": "12.00",
        "transport_modes": ["walk", "bike"],
        "availability": ["tue_afternoon"],
    }
    activity_edits = {
        "title": "Chorale du mardi",
        "summary": "On chante ensemble.",
        "description": "Chaque mardi, salle des fêtes.",
        "age_min": 16,
        "capacity": 25,
    }
    writes = [("PATCH", "me/profile/", _token(newcomer), {k: v}) for k, v in newcomer_edits.items()]
    writes += [
        ("PATCH", "me/profile/", _token(resident), {"max_distance_km": 2 + index})
        for index, resident in enumerate(residents)
    ]
    writes += [
        ("PATCH", f"activities/{edited.pk}/", _token(editor), {name: value})
        for name, value in activity_edits.items()
    ]
    writes += [
        ("POST", "feedback/", _token(saver), {"activity": activity.pk, "signal": "saved"})
        for activity in activities[1:]
    ]
    assert len(writes) == WRITERS

    start, read_back = server
    base = start()
    start_together = threading.Barrier(WRITERS)

    def write(args):
        start_together.wait()
        return _request(base, *args)

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        answers = list(pool.map(write, writes))
    elapsed = time.monotonic() - began

    failures = [(status, body[:300]) for status, body in answers if status >= 300]
    assert failures == [], failures
    assert elapsed < 60
    read_back()

    profile = ResidentProfile.objects.get(user=newcomer)
    assert profile.max_distance_km == 7.5
    assert profile.birth_year == 1950
    assert profile.step_free is True
    assert str(profile.budget_max) == "12.00"
    assert sorted(profile.transport_modes) == ["bike", "walk"]
    assert profile.availability_mask != 0
    assert sorted(
        ResidentProfile.objects.filter(user__in=residents).values_list("max_distance_km", flat=True)
    ) == [2, 3, 4, 5]
    edited = Activity.objects.get(pk=edited.pk)
    assert {name: getattr(edited, name) for name in activity_edits} == activity_edits
    assert sorted(Feedback.objects.filter(user=saver).values_list("activity_id", flat=True)) == [
        activity.pk for activity in activities[1:]
    ]
