"""Load the synthetic France directory (bench.france) into PostgreSQL, fast.

    python -m bench.load_search_dataset --n 100000 --database-url postgres://postgres@127.0.0.1/relier_bench_100k

One module, because its parts change together: the COPY encoding, the rows written as the
services would leave them (`write_dataset`, the longest part, one table after another in
foreign-key order), the indexes dropped and rebuilt around them and the reuse marker all
follow the directory's schema, and a change there is made here in one pass.

The target database is created if missing and migrated (`manage.py migrate`, which seeds the
categories and territories), then organizations, places, activities, their categories and
service areas, schedules and the occurrences of the rolling window are written with COPY into
the tables of the Django models. Table and column names come from the models' `_meta`, and
every column the generator does not know gets the field's default, so the loader follows the
schema as it evolves.

Rows are written as the services would leave them: activities published, with the
denormalized location (lat, lng, h3_cell, territory) copied from their place and the timing
(weekly_slots, next_start) computed from the materialized occurrences the way
`services.occurrences.refresh_timing` does; occurrences expanded with `activities.recurrence.expand`
over the window `services.occurrence_window` uses.

In the benchmark database (`fast=True`) the load truncates the directory tables, drops their
secondary indexes and unique constraints, disables foreign-key triggers while copying (the
generator's ids are consistent by construction, and checked afterwards), then rebuilds the
indexes and runs VACUUM ANALYZE. A marker table records what was loaded, so a second run with
the same n and seed reuses the data.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import decimal
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
MARKER_TABLE = "bench_dataset"
PENDING_INDEX_TABLE = "bench_pending_index"
DEFAULT_SEED = 20251121
# A loaded dataset is reused for this long: its sessions and next starts age with the calendar.
DEFAULT_MAX_AGE_DAYS = 7
THROWAWAY_SECRET_KEY = "bench-only-throwaway-secret-key-not-for-production"


def setup_django(database_url: str | None = None) -> None:
    """Configure Django (settings read the environment) without touching any database."""
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", THROWAWAY_SECRET_KEY)
    os.environ.setdefault("DJANGO_DEBUG", "0")
    import django

    django.setup()


# --- COPY text encoding ------------------------------------------------------------------------

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NULL = "\\N"


def _escape(text: str) -> str:
    return text.translate(_ESCAPES) if "\\" in text or not text.isprintable() else text


_ENCODERS: dict[type, Callable[[Any], str]] = {
    type(None): lambda value: NULL,
    bool: lambda value: "t" if value else "f",
    str: _escape,
    int: str,
    float: repr,
    decimal.Decimal: str,
    datetime.datetime: datetime.datetime.isoformat,
    datetime.date: datetime.date.isoformat,
    datetime.time: datetime.time.isoformat,
}


def encode(value: Any) -> str:
    """A Python value in PostgreSQL's COPY text format."""
    encoder = _ENCODERS.get(type(value))
    if encoder is None:  # a subclass, such as a TextChoices member (a str)
        base = next((t for t in type(value).__mro__ if t in _ENCODERS), None)
        if base is None:
            raise TypeError(f"cannot encode {value!r} for COPY")
        encoder = _ENCODERS[type(value)] = _ENCODERS[base]
    return encoder(value)


def encode_json(value: Any) -> str:
    return encode(json.dumps(value, ensure_ascii=False))


@dataclass
class CopyPlan:
    """How rows of one model are written: the columns, in order, and the constant tail.

    `supplied` are the attnames the caller gives for each row, in that order. Every other
    concrete column gets a constant: `constants[attname]` if given, else the field's default
    (auto_now fields: the load time), else NULL when the column allows it, else "" for a
    blank text column. A column with a database default and no value is left out, so
    PostgreSQL fills it; generated columns too.
    """

    table: str
    columns: tuple[str, ...]
    supplied: tuple[str, ...]
    encoders: tuple[Callable[[Any], str], ...]
    tail: str  # "\t"-prefixed encoded constants, then the newline

    @classmethod
    def for_model(
        cls,
        model,
        supplied: Sequence[str],
        *,
        now: datetime.datetime,
        constants=None,
        database_only: Sequence[str] = (),
    ) -> CopyPlan:
        """`database_only`: columns the ORM does not know (PostgreSQL-only columns a trigger
        fills, which the load switches off), supplied after the others."""
        from django.db import models
        from django.db.models.fields import NOT_PROVIDED

        constants = dict(constants or {})
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [name for name in (*supplied, *constants) if name not in fields]
        if unknown:
            raise ValueError(f"{model._meta.label} has no column for {unknown}")
        encoders, tail_values, tail_columns = [], [], []
        for name in supplied:
            encoders.append(encode_json if isinstance(fields[name], models.JSONField) else encode)
        encoders += [encode] * len(database_only)
        for name, f in fields.items():
            if name in supplied or getattr(f, "generated", False):
                continue
            if name in constants:
                value = constants[name]
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = now
            elif f.has_default():
                value = f.get_default()
            elif getattr(f, "db_default", NOT_PROVIDED) is not NOT_PROVIDED:
                continue
            elif f.null:
                value = None
            elif f.blank and f.empty_strings_allowed:
                value = ""
            else:
                raise ValueError(
                    f"{model._meta.label}.{name} is NOT NULL and the loader has no value for it"
                )
            tail_columns.append(f.column)
            is_json = isinstance(f, models.JSONField)
            tail_values.append(encode_json(value) if is_json else encode(value))
        columns = (*(fields[name].column for name in supplied), *database_only, *tail_columns)
        tail = "".join("\t" + value for value in tail_values) + "\n"
        supplied = (*supplied, *database_only)
        return cls(model._meta.db_table, columns, supplied, tuple(encoders), tail)

    def line(self, values: Sequence[Any]) -> str:
        return "\t".join([enc(v) for enc, v in zip(self.encoders, values, strict=True)]) + self.tail

    def copy_sql(self) -> str:
        columns = ", ".join(f'"{column}"' for column in self.columns)
        return f'COPY "{self.table}" ({columns}) FROM STDIN'


class _Sink:
    """Buffered writer of COPY text for one table, flushed in chunks to `write_bytes`."""

    CHUNK = 1 << 20

    def __init__(self, plan: CopyPlan, write_bytes: Callable[[bytes], None]) -> None:
        self.plan, self.write_bytes = plan, write_bytes
        self.parts: list[str] = []
        self.size = 0
        self.rows = 0

    def add(self, text: str, rows: int = 1) -> None:
        self.parts.append(text)
        self.size += len(text)
        self.rows += rows
        if self.size >= self.CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.parts:
            self.write_bytes("".join(self.parts).encode())
            self.parts, self.size = [], 0


# --- the load ----------------------------------------------------------------------------------


@dataclass
class LoadReport:
    n: int
    seed: int
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    reused: bool = False
    window_weeks: int = 12
    loaded_at: str = ""

    def as_dict(self) -> dict:
        return {
            "n": self.n,
            "seed": self.seed,
            "reused": self.reused,
            "window_weeks": self.window_weeks,
            "loaded_at": self.loaded_at,
            "counts": self.counts,
            "seconds": {k: round(v, 2) for k, v in self.seconds.items()},
        }


class _TimingCache:
    """Occurrences of each distinct schedule, expanded once (schedules repeat a lot)."""

    def __init__(self, *, window_start, window_end, display_zone: ZoneInfo) -> None:
        self.window_start, self.window_end = window_start, window_end
        self.display_zone = display_zone
        self.cache: dict = {}

    def occurrences(self, spec) -> tuple[tuple, ...]:
        """(start, start text, end text, slot bit, local day) for each session of a schedule."""
        found = self.cache.get(spec)
        if found is None:
            from activities import choices, recurrence

            found = []
            for start, end in recurrence.expand(
                rrule=spec.rrule or None,
                dtstart=spec.valid_from,
                start_time=spec.start_time,
                end_time=spec.end_time,
                timezone=spec.timezone,
                exdates=spec.exdates,
                dates=spec.dates,
                valid_to=spec.valid_to,
                window_start=self.window_start,
                window_end=self.window_end,
            ):
                # refresh_timing reads slots in the site's time zone (timezone.localtime).
                local = start.astimezone(self.display_zone)
                bit = choices.slot_bit(local.weekday(), choices.part_of_day(local.hour))
                found.append((start, start.isoformat(), end.isoformat(), bit, start.date()))
            found = self.cache[spec] = tuple(found)
        return found


def _territory_locator(cursor):
    """Point-in-polygon over the seeded communes, like territories.territory_for_point."""
    from shapely import STRtree
    from shapely.geometry import Point, shape

    from activities.models import Territory

    meta = Territory._meta
    column = {f.attname: f.column for f in meta.concrete_fields}
    cursor.execute(
        f'SELECT "{column["id"]}", "{column["boundary"]}" FROM "{meta.db_table}" '
        f'WHERE "{column["kind"]}" = %s AND "{column["boundary"]}" IS NOT NULL',
        ["commune"],
    )
    rows = [
        (pk, boundary if isinstance(boundary, dict) else json.loads(boundary))
        for pk, boundary in cursor.fetchall()
    ]
    if not rows:
        return lambda lat, lng: None
    ids = [pk for pk, _ in rows]
    shapes = [shape(boundary) for _, boundary in rows]
    tree = STRtree(shapes)

    def locate(lat: float, lng: float) -> int | None:
        point = Point(lng, lat)
        for position in tree.query(point, predicate="intersects"):
            if shapes[position].contains(point):
                return ids[position]
        return None

    return locate


def _category_ids(cursor) -> dict[str, int]:
    from activities.models import Category

    meta = Category._meta
    column = {f.attname: f.column for f in meta.concrete_fields}
    cursor.execute(f'SELECT "{column["slug"]}", "{column["id"]}" FROM "{meta.db_table}"')
    return dict(cursor.fetchall())


def _territory_ids_by_insee(cursor) -> dict[str, int]:
    from activities.models import Territory

    meta = Territory._meta
    column = {f.attname: f.column for f in meta.concrete_fields}
    cursor.execute(
        f'SELECT "{column["insee_code"]}", "{column["id"]}" FROM "{meta.db_table}" '
        f'WHERE "{column["kind"]}" = %s',
        ["commune"],
    )
    return dict(cursor.fetchall())


def _next_id(cursor, model) -> int:
    pk = model._meta.pk.column
    cursor.execute(f'SELECT coalesce(max("{pk}"), 0) FROM "{model._meta.db_table}"')
    return cursor.fetchone()[0] + 1


def directory_models() -> dict[str, Any]:
    from activities.models import Activity, Occurrence, Organization, Place, Schedule

    return {
        "organization": Organization,
        "place": Place,
        "activity": Activity,
        "activity_categories": Activity.categories.through,
        "activity_service_area": Activity.service_area.through,
        "schedule": Schedule,
        "occurrence": Occurrence,
    }


def write_dataset(
    dataset,
    *,
    cursor,
    sink_factory: Callable[[str, CopyPlan], _Sink],
    now: datetime.datetime,
    window_weeks: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Stream the dataset's rows to one sink per table; return the row counts.

    `cursor` reads reference data (categories, territories) and the first free ids.
    """
    from django.conf import settings

    from activities import choices
    from activities.geo import cell_of

    models = directory_models()
    weeks = window_weeks if window_weeks is not None else settings.OCCURRENCE_WINDOW_WEEKS
    window_start, window_end = now, now + datetime.timedelta(weeks=weeks)
    timing = _TimingCache(
        window_start=window_start,
        window_end=window_end,
        display_zone=ZoneInfo(settings.TIME_ZONE),
    )
    category_ids = _category_ids(cursor)
    territory_by_insee = _territory_ids_by_insee(cursor)
    locate = _territory_locator(cursor)
    first_id = {name: _next_id(cursor, model) for name, model in models.items()}

    plans = {
        "organization": CopyPlan.for_model(
            models["organization"],
            ("id", "slug", "name", "kind", "email", "phone", "website", "rna", "verified"),
            now=now,
        ),
        "place": CopyPlan.for_model(
            models["place"],
            (
                "id",
                "organization_id",
                "name",
                "address",
                "postal_code",
                "city",
                "insee_code",
                "territory_id",
                "lat",
                "lng",
                "h3_cell",
                "transport_access",
                "wheelchair",
                "hearing_support",
                "visual_support",
                "psychic_support",
                "motor_support",
                "intellectual_support",
            ),
            now=now,
        ),
        "activity": CopyPlan.for_model(
            models["activity"],
            (
                "id",
                "organization_id",
                "title",
                "summary",
                "description",
                "kind",
                "audiences_mask",
                "age_min",
                "age_max",
                "attendance_mode",
                "place_id",
                "service_radius_km",
                "languages_mask",
                "is_free",
                "price_min",
                "price_max",
                "reduced_price",
                "registration",
                "registration_url",
                "registration_phone",
                "registration_email",
                "capacity",
                "intensity",
                "group_size",
                "status",
                "featured",
                "last_verified_at",
                "published_at",
                "lat",
                "lng",
                "h3_cell",
                "territory_id",
                "weekly_slots",
                "next_start",
                "source",
                "external_id",
                "created_at",
                "updated_at",
            ),
            now=now,
            database_only=("category_ids",),  # (migration 0010)
        ),
        "activity_categories": CopyPlan.for_model(
            models["activity_categories"], ("id", "activity_id", "category_id"), now=now
        ),
        "activity_service_area": CopyPlan.for_model(
            models["activity_service_area"], ("id", "activity_id", "territory_id"), now=now
        ),
        "schedule": CopyPlan.for_model(
            models["schedule"],
            (
                "id",
                "activity_id",
                "rrule",
                "dates",
                "start_time",
                "end_time",
                "timezone",
                "valid_from",
                "valid_to",
                "exdates",
            ),
            now=now,
        ),
        "occurrence": CopyPlan.for_model(
            models["occurrence"],
            (
                "id",
                "activity_id",
                "schedule_id",
                "series_start",
                "start",
                "end",
                "capacity",
                "status",
                "is_modified",
                "note",
            ),
            now=now,
            database_only=("lat", "lng"),  # the activity's position (migration 0009)
        ),
    }
    sinks = {name: sink_factory(name, plan) for name, plan in plans.items()}

    organization_base = first_id["organization"]
    for spec in dataset.organizations:
        sinks["organization"].add(
            plans["organization"].line(
                (
                    organization_base + spec.index,
                    spec.slug,
                    spec.name,
                    spec.kind,
                    spec.email,
                    spec.phone,
                    spec.website,
                    spec.rna,
                    spec.verified,
                )
            )
        )
    place_base = first_id["place"]
    place_location: list[tuple[float, float, str, int | None]] = []
    for spec in dataset.places:
        cell = cell_of(spec.lat, spec.lng)
        territory = None
        if spec.commune.departement in _SEEDED_DEPTS:
            territory = locate(spec.lat, spec.lng)
        place_location.append((spec.lat, spec.lng, cell, territory))
        sinks["place"].add(
            plans["place"].line(
                (
                    place_base + spec.index,
                    organization_base + spec.organization,
                    spec.name,
                    spec.address,
                    spec.commune.postal_code,
                    spec.commune.name,
                    spec.commune.insee,
                    territory,
                    spec.lat,
                    spec.lng,
                    cell,
                    spec.transport_access,
                    spec.wheelchair,
                    *spec.supports,
                )
            )
        )

    activity_line = plans["activity"].line
    schedule_line = plans["schedule"].line
    occurrence_tail = plans["occurrence"].tail
    category_sink, area_sink = sinks["activity_categories"], sinks["activity_service_area"]
    activity_sink, schedule_sink = sinks["activity"], sinks["schedule"]
    occurrence_sink = sinks["occurrence"]
    activity_base = first_id["activity"]
    link_id, area_id = first_id["activity_categories"], first_id["activity_service_area"]
    schedule_id, occurrence_id = first_id["schedule"], first_id["occurrence"]
    published = choices.ActivityStatus.PUBLISHED.value
    scheduled = choices.OccurrenceStatus.SCHEDULED.value
    cancelled = choices.OccurrenceStatus.CANCELLED.value
    audience_bits = {value: 1 << bit for bit, value in enumerate(choices.AUDIENCES)}
    language_bits = {value: 1 << bit for bit, value in enumerate(choices.LANGUAGES)}
    day = datetime.timedelta(days=1)

    for spec in dataset.activities():
        activity_id = activity_base + spec.index
        if spec.place is None:
            lat = lng = territory = None
            cell = ""
            place_id = None
        else:
            lat, lng, cell, territory = place_location[spec.place]
            place_id = place_base + spec.place
        capacity = "\\N" if spec.capacity is None else str(spec.capacity)
        position = "\\N\t\\N" if lat is None else f"{encode(lat)}\t{encode(lng)}"
        mask, next_start = 0, None
        occurrence_lines = []
        for schedule in spec.schedules:
            sessions = timing.occurrences(schedule)
            for start, start_text, end_text, bit, local_day in sessions:
                is_cancelled = local_day in spec.cancelled_days
                if is_cancelled:
                    status, modified, note = cancelled, "t", "Séance annulée"
                else:
                    status, modified, note = scheduled, "f", ""
                    mask |= bit
                    if next_start is None or start < next_start:
                        next_start = start
                occurrence_lines.append(
                    f"{occurrence_id}\t{activity_id}\t{schedule_id}\t{start_text}\t{start_text}"
                    f"\t{end_text}\t{capacity}\t{status}\t{modified}\t{note}"
                    f"\t{position}{occurrence_tail}"
                )
                occurrence_id += 1
            schedule_sink.add(
                schedule_line(
                    (
                        schedule_id,
                        activity_id,
                        schedule.rrule,
                        [d.isoformat() for d in schedule.dates],
                        schedule.start_time,
                        schedule.end_time,
                        schedule.timezone,
                        schedule.valid_from,
                        schedule.valid_to,
                        [d.isoformat() for d in schedule.exdates],
                    )
                )
            )
            schedule_id += 1
        if occurrence_lines:
            occurrence_sink.add("".join(occurrence_lines), len(occurrence_lines))
        updated_at = now - spec.updated_days_ago * day
        audiences = sum(audience_bits[value] for value in spec.audiences)
        languages = sum(language_bits[value] for value in spec.languages)
        activity_sink.add(
            activity_line(
                (
                    activity_id,
                    organization_base + spec.organization,
                    spec.title,
                    spec.summary,
                    spec.description,
                    spec.kind,
                    audiences,
                    spec.age_min,
                    spec.age_max,
                    spec.attendance_mode,
                    place_id,
                    spec.service_radius_km,
                    languages,
                    spec.is_free,
                    spec.price_min,
                    spec.price_max,
                    spec.reduced_price,
                    spec.registration,
                    spec.registration_url,
                    spec.registration_phone,
                    spec.registration_email,
                    spec.capacity,
                    spec.intensity,
                    spec.group_size,
                    published,
                    spec.featured,
                    updated_at,
                    now - spec.created_days_ago * day,
                    lat,
                    lng,
                    cell,
                    territory,
                    mask,
                    next_start,
                    "bench",
                    f"fr-{spec.index + 1}",
                    now - spec.created_days_ago * day,
                    updated_at,
                    "{" + ",".join(str(category_ids[slug]) for slug in spec.categories) + "}",
                )
            )
        )
        for slug in spec.categories:
            category_sink.add(f"{link_id}\t{activity_id}\t{category_ids[slug]}\n")
            link_id += 1
        if spec.attendance_mode in ("at_home", "phone"):
            area = territory_by_insee.get(spec.commune.insee)
            if area is not None:
                area_sink.add(f"{area_id}\t{activity_id}\t{area}\n")
                area_id += 1
        if progress is not None and spec.index % 50_000 == 0:
            progress(spec.index)
    for sink in sinks.values():
        sink.flush()
    return {name: sink.rows for name, sink in sinks.items()}


# Départements whose communes are seeded as territories (activities.seed).
_SEEDED_DEPTS = frozenset({"44"})


def load_into_connection(
    dataset, *, connection, now: datetime.datetime, window_weeks: int | None = None
) -> dict[str, int]:
    """Load through one psycopg connection, inside its current transaction (tests).

    Each table's rows are spooled to a temporary file, then copied; constraints and triggers
    stay in force.
    """
    spools: list[tuple[CopyPlan, Any]] = []
    with contextlib.ExitStack() as stack, connection.cursor() as cursor:

        def sink_factory(name: str, plan: CopyPlan) -> _Sink:
            spool = stack.enter_context(tempfile.SpooledTemporaryFile(max_size=64 << 20))
            spools.append((plan, spool))
            return _Sink(plan, spool.write)

        counts = write_dataset(
            dataset, cursor=cursor, sink_factory=sink_factory, now=now, window_weeks=window_weeks
        )
        for plan, spool in spools:
            spool.seek(0)
            with cursor.copy(plan.copy_sql()) as copy:
                while chunk := spool.read(1 << 20):
                    copy.write(chunk)
        _reset_sequences(cursor, directory_models().values())
    return counts


def _reset_sequences(cursor, models: Iterable) -> None:
    for model in models:
        table, pk = model._meta.db_table, model._meta.pk.column
        cursor.execute(
            f'SELECT setval(pg_get_serial_sequence(%s, %s), max("{pk}")) FROM "{table}" '
            f'HAVING max("{pk}") IS NOT NULL',
            [f'"{table}"', pk],
        )


# --- secondary indexes, dropped during the load --------------------------------------------------


def _drop_secondary_indexes(cursor, tables: Sequence[str]) -> int:
    """Drop unique constraints and indexes other than primary keys, remembering them first."""
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {PENDING_INDEX_TABLE} ("
        "table_name text NOT NULL, name text NOT NULL, definition text NOT NULL, "
        "is_constraint boolean NOT NULL)"
    )
    dropped = 0
    for table in tables:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('u', 'x')",
            [f'"{table}"'],
        )
        for name, definition in cursor.fetchall():
            cursor.execute(
                f"INSERT INTO {PENDING_INDEX_TABLE} VALUES (%s, %s, %s, true)",
                [table, name, f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'],
            )
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            dropped += 1
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid)",
            [f'"{table}"'],
        )
        for name, definition in cursor.fetchall():
            cursor.execute(
                f"INSERT INTO {PENDING_INDEX_TABLE} VALUES (%s, %s, %s, false)",
                [table, name, definition],
            )
            cursor.execute(f'DROP INDEX "{name}"')
            dropped += 1
    return dropped


def restore_indexes(database_url: str, *, parallel: int = 2) -> int:
    """Rebuild every index and constraint a load dropped (also after an interrupted load)."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        exists = conn.execute("SELECT to_regclass(%s)", [PENDING_INDEX_TABLE]).fetchone()[0]
        if exists is None:
            return 0
        # Biggest tables first, so the pool does not end on one long build.
        pending = conn.execute(
            f"SELECT name, definition, is_constraint FROM {PENDING_INDEX_TABLE} "
            "ORDER BY pg_total_relation_size(quote_ident(table_name)::regclass) DESC"
        ).fetchall()

    def rebuild(item) -> None:
        name, definition, is_constraint = item
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("SET maintenance_work_mem = '1GB'")
            if is_constraint:
                present = conn.execute(
                    "SELECT 1 FROM pg_constraint WHERE conname = %s", [name]
                ).fetchone()
            else:
                present = conn.execute("SELECT to_regclass(%s)", [f'"{name}"']).fetchone()[0]
            if not present:
                conn.execute(definition)
            conn.execute(f"DELETE FROM {PENDING_INDEX_TABLE} WHERE name = %s", [name])

    with ThreadPoolExecutor(max_workers=parallel) as pool:
        list(pool.map(rebuild, pending))
    return len(pending)


# --- the benchmark database --------------------------------------------------------------------


def ensure_database(database_url: str) -> None:
    """Create the target database if it does not exist yet."""
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(database_url)
    name = params.get("dbname")
    if not name:
        raise ValueError("the database URL names no database")
    admin = make_conninfo(database_url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def migrate(database_url: str) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or THROWAWAY_SECRET_KEY,
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def stored_dataset(conn) -> dict | None:
    if conn.execute("SELECT to_regclass(%s)", [MARKER_TABLE]).fetchone()[0] is None:
        return None
    row = conn.execute(f"SELECT report FROM {MARKER_TABLE} LIMIT 1").fetchone()
    return None if row is None else row[0]


def _is_reusable(stored: dict | None, *, n: int, seed: int, window_weeks: int, max_age_days):
    from bench.france import GENERATOR_VERSION

    if not stored or stored.get("generator_version") != GENERATOR_VERSION:
        return False
    if (stored["n"], stored["seed"], stored["window_weeks"]) != (n, seed, window_weeks):
        return False
    loaded_at = datetime.datetime.fromisoformat(stored["loaded_at"])
    age = datetime.datetime.now(datetime.UTC) - loaded_at
    return age <= datetime.timedelta(days=max_age_days)


def load_search_dataset(
    *,
    n: int,
    database_url: str,
    seed: int = DEFAULT_SEED,
    window_weeks: int | None = None,
    force: bool = False,
    max_age_days: float = DEFAULT_MAX_AGE_DAYS,
    log: Callable[[str], None] = print,
) -> LoadReport:
    """Make `database_url` hold the France dataset of n activities (reused when it does)."""
    import psycopg
    from psycopg.copy import QueuedLibpqWriter

    setup_django(database_url)
    from django.conf import settings

    from bench.france import GENERATOR_VERSION, generate

    weeks = window_weeks if window_weeks is not None else settings.OCCURRENCE_WINDOW_WEEKS
    report = LoadReport(n=n, seed=seed, window_weeks=weeks)
    started = time.perf_counter()
    ensure_database(database_url)
    migrate(database_url)
    restore_indexes(database_url)  # left over by an interrupted load, if any
    report.seconds["migrate"] = time.perf_counter() - started
    models = directory_models()
    tables = [model._meta.db_table for model in models.values()]

    with psycopg.connect(database_url, autocommit=True) as conn:
        stored = stored_dataset(conn)
        if not force and _is_reusable(
            stored, n=n, seed=seed, window_weeks=weeks, max_age_days=max_age_days
        ):
            log(f"reusing the dataset of {n:,} activities loaded at {stored['loaded_at']}")
            report.reused = True
            report.counts = stored["counts"]
            report.loaded_at = stored["loaded_at"]
            report.seconds = {f"original_{k}": v for k, v in stored["seconds"].items()}
            report.seconds["migrate"] = time.perf_counter() - started
            # Back to a steady state: a migration may have rewritten a table since (a new
            # stored column drops its visibility map), and statistics must cover new columns.
            # Quick when nothing changed: vacuum skips all-visible pages.
            phase = time.perf_counter()
            for table in tables:
                conn.execute(f'VACUUM (ANALYZE) "{table}"')
            report.seconds["vacuum_analyze_on_reuse"] = time.perf_counter() - phase
            return report

    phase = time.perf_counter()
    with psycopg.connect(database_url) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {MARKER_TABLE}")
        conn.execute(
            "TRUNCATE " + ", ".join(f'"{table}"' for table in tables) + " RESTART IDENTITY CASCADE"
        )
        dropped = _drop_secondary_indexes(conn.cursor(), tables)
        conn.commit()
    report.seconds["truncate_and_drop_indexes"] = time.perf_counter() - phase
    log(f"dropped {dropped} secondary indexes and constraints for the load")

    now = datetime.datetime.now(datetime.UTC)
    dataset = generate(n, seed=seed, today=now.astimezone(ZoneInfo(settings.TIME_ZONE)).date())
    phase = time.perf_counter()
    with contextlib.ExitStack() as stack:
        # One connection and one COPY per table, all streaming while the rows are generated;
        # leaving the stack finishes each COPY and commits its connection.

        def sink_factory(name: str, plan: CopyPlan) -> _Sink:
            conn = stack.enter_context(psycopg.connect(database_url))
            # The ids are consistent by construction (checked below): skip the per-row
            # foreign-key triggers.
            conn.execute("SET session_replication_role = replica")
            cursor = stack.enter_context(conn.cursor())
            copy = stack.enter_context(
                cursor.copy(plan.copy_sql(), writer=QueuedLibpqWriter(cursor))
            )
            return _Sink(plan, copy.write)

        with psycopg.connect(database_url) as reader:
            counts = write_dataset(
                dataset,
                cursor=reader.cursor(),
                sink_factory=sink_factory,
                now=now,
                window_weeks=weeks,
                progress=lambda i: log(f"  {i:,} activities written") if i else None,
            )
    report.counts = counts
    report.seconds["generate_and_copy"] = time.perf_counter() - phase
    log(f"copied {counts} in {report.seconds['generate_and_copy']:.1f} s")

    phase = time.perf_counter()
    restore_indexes(database_url)
    report.seconds["rebuild_indexes"] = time.perf_counter() - phase
    log(f"rebuilt the indexes in {report.seconds['rebuild_indexes']:.1f} s")

    phase = time.perf_counter()
    with psycopg.connect(database_url, autocommit=True) as conn:
        _check_references(conn, models)
        _reset_sequences(conn.cursor(), models.values())
        for table in tables:
            conn.execute(f'VACUUM (ANALYZE) "{table}"')
    report.seconds["check_and_vacuum_analyze"] = time.perf_counter() - phase
    report.seconds["total"] = time.perf_counter() - started
    report.loaded_at = now.isoformat()

    stored = {**report.as_dict(), "generator_version": GENERATOR_VERSION}
    with psycopg.connect(database_url) as conn:
        conn.execute(f"CREATE TABLE {MARKER_TABLE} (report jsonb NOT NULL)")
        conn.execute(f"INSERT INTO {MARKER_TABLE} VALUES (%s)", [json.dumps(stored)])
    log(f"loaded {n:,} activities in {report.seconds['total']:.1f} s")
    return report


def _check_references(conn, models: dict) -> None:
    """The foreign keys the load did not check row by row: each must point at a row."""
    for model in models.values():
        source = model._meta.db_table
        for f in model._meta.concrete_fields:
            if not f.is_relation or f.related_model not in models.values():
                continue
            target, pk = f.related_model._meta.db_table, f.related_model._meta.pk.column
            orphans = conn.execute(
                f'SELECT count(*) FROM "{source}" s LEFT JOIN "{target}" t '
                f'ON t."{pk}" = s."{f.column}" '
                f'WHERE s."{f.column}" IS NOT NULL AND t."{pk}" IS NULL'
            ).fetchone()[0]
            if orphans:
                raise RuntimeError(f"{orphans} rows of {model._meta.label}.{f.name} point nowhere")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, required=True, help="number of activities")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--window-weeks", type=int, default=None)
    parser.add_argument("--force", action="store_true", help="reload even if already loaded")
    args = parser.parse_args(argv)
    report = load_search_dataset(
        n=args.n,
        database_url=args.database_url,
        seed=args.seed,
        window_weeks=args.window_weeks,
        force=args.force,
    )
    json.dump(report.as_dict(), sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
