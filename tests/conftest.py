"""Shared fixtures. Services: see README "Tests" for which tests need which server.

- Tests marked `worker` run a real Celery worker (in a thread of the test process) consuming
  from the real broker named by REDIS_URL. Without REDIS_URL they are skipped, unless
  REQUIRE_SERVICES=1 (CI), where they fail.
- Tests marked `postgres` need PostgreSQL; the same rule applies.
"""

import os

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from activities import taxonomy
from backend.celery import app as celery_app
from matching import candidates as matching_candidates
from matching import residents as matching_residents
from tests.factories import UserFactory

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _missing_service(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1: a missing service is a failure)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _isolated(settings):
    """Each test starts with an empty cache (throttles), none of the matcher's per-process
    tables (another test's directory), and in-process Celery tasks."""
    # Password hashing is slow by design; tests check behaviour, not the hash's cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    taxonomy.forget()
    matching_candidates.forget()
    matching_residents.forget()
    celery_app.conf.task_always_eager = True
    yield
    cache.clear()
    taxonomy.forget()
    matching_candidates.forget()
    matching_residents.forget()


@pytest.fixture(autouse=True)
def _needs_postgres(request):
    if request.node.get_closest_marker("postgres") and not settings.IS_POSTGRES:
        _missing_service("needs PostgreSQL: set DATABASE_URL=postgres://...")


@pytest.fixture
def celery_worker(transactional_db, django_db_serialized_rollback):
    """A real Celery worker on the real broker, consuming while the test runs.

    The worker thread needs committed data, hence a transactional database; serialized
    rollback restores the reference data (taxonomy, territories) seeded by migrations.
    """
    if not settings.REDIS_URL:
        _missing_service("needs a broker: set REDIS_URL=redis://...")
    from celery.contrib.testing.worker import start_worker

    celery_app.conf.task_always_eager = False
    celery_app.loader.import_module("celery.contrib.testing.tasks")
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=3)
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=True, shutdown_timeout=30) as w:
        yield w
        _close_connections.delay().get(timeout=30)


@celery_app.task(name="tests.close_connections")
def _close_connections() -> None:
    """Run by the worker's thread: a worker keeps its database connection between tasks (see
    backend.celery), and this one would outlive the thread and hold the test database."""
    connections.close_all()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def user_client(user) -> APIClient:
    return client_for(user)
