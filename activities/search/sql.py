"""Running the search's SQL on either database: the tables' names, datetimes as each database
keeps them, and three ways to read rows (plain, prepared, walking an ordered index)."""

from __future__ import annotations

import datetime
import functools

import orjson
import psycopg
from django.db import connection, transaction
from django.utils.dateparse import parse_datetime
from psycopg.types.json import JsonBinaryLoader

from activities import choices
from activities.models import Activity, Occurrence, Organization, Place

ACTIVITY = Activity._meta.db_table
OCCURRENCE = Occurrence._meta.db_table
PLACE = Place._meta.db_table
ORGANIZATION = Organization._meta.db_table
ACTIVITY_CATEGORIES = Activity.categories.through._meta.db_table
SERVICE_AREA = Activity.service_area.through._meta.db_table

REMOTE_MODES = tuple(str(mode) for mode in choices.REMOTE_MODES)
CANCELLED = str(choices.OccurrenceStatus.CANCELLED)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def db_datetime(value: datetime.datetime):
    """A datetime as this database compares it (SQLite keeps naive UTC text)."""
    return connection.ops.adapt_datetimefield_value(value)


def read_datetime(value) -> datetime.datetime | None:
    """A datetime read back by raw SQL, aware: SQLite gives naive UTC (text or datetime), and
    PostgreSQL text within the JSON of a card's sessions."""
    if value is None:
        return None
    if not isinstance(value, datetime.datetime):
        value = _parsed_datetime(value)
    return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)


# Cached, as api.cards renders them: the sessions of a page share few times.
_parsed_datetime = functools.lru_cache(maxsize=8192)(parse_datetime)


def placeholders(values) -> str:
    """`(%s, %s, ...)`, one per value: a list bound as an SQL `IN` list."""
    return "(" + ", ".join(["%s"] * len(values)) + ")"


def fetch(sql: str, args: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return cursor.fetchall()


class _JsonLoader(JsonBinaryLoader):
    """A json column (the next sessions of each card of a page) parsed by orjson: with the
    standard library's parser, the JSON took most of the time of reading a page's rows."""

    _loads = orjson.loads


class _PreparedCursor(psycopg.Cursor):
    """psycopg's cursor with server-side binding, each query run as a prepared statement
    (psycopg keeps them per connection, by query and argument types), its rows read in
    binary. In text, Django's loader for timestamptz (psycopg's in Python, to set the
    zone) parses each datetime, and a page of cards holds up to 170 of them; in binary,
    psycopg's C loaders read every column, datetimes in the connection's zone, UTC, as
    Django's loader gives them."""

    def __init__(self, connection, **kwargs):
        super().__init__(connection, **kwargs)
        self.adapters.register_loader("json", _JsonLoader)

    def execute(self, query, params=None, **kwargs):
        return super().execute(query, params, prepare=True, binary=True, **kwargs)


def fetch_prepared(sql: str, args: list) -> list[tuple]:
    """`fetch` for a query whose plan does not depend on its arguments (rows by primary
    key; an ordered index walked to a limit): on PostgreSQL, prepared once per connection,
    through Django's cursor wrapper (its execute wrappers and error translation), and after
    five runs planned once if PostgreSQL finds the generic plan no costlier. Where
    Django logs the queries (DEBUG, tests counting them), plain `fetch` runs it: the log
    shows a query as its client-side bound text, which a prepared statement has not."""
    if not is_postgres() or connection.queries_logged:
        return fetch(sql, args)
    connection.ensure_connection()
    with connection.make_cursor(_PreparedCursor(connection.connection)) as cursor:
        cursor.execute(sql, args)
        return cursor.fetchall()


def walk_index(sql: str, args: list) -> list[tuple]:
    """Rows of a query whose first few rows in index order are wanted, where PostgreSQL cannot
    estimate how many rows a circle holds: it may read every candidate and sort them; told
    not to sort, it walks the ordered index (GiST nearest first, or sessions soonest first)
    and stops at the limit, which is what a dense area needs."""
    if not is_postgres():
        return fetch(sql, args)
    settings = ("enable_sort", "enable_bitmapscan", "max_parallel_workers_per_gather")
    # SET LOCAL needs a transaction; within a request's, RESET gives the settings back.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute("; ".join(f"SET LOCAL {setting} = 0" for setting in settings))
        cursor.execute(sql, args)
        rows = cursor.fetchall()
        cursor.execute("; ".join(f"RESET {setting}" for setting in settings))
        return rows
