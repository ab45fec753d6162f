"""The resident search as SQL, with one interface over two databases.

The search is the hottest read of the API, so it is written as SQL with bound parameters rather
than built through the ORM: composing and compiling the equivalent QuerySet cost several times
the query itself (measured: 4.5 ms of Python per request against 2 ms for the whole framework
floor). Every condition is one line below, shared by both searches and both databases.

PostgreSQL uses its contrib extensions (migration 0004): cube + earthdistance for an
index-backed nearest-first query, full-text search with the French configuration and unaccent,
and pg_trgm word similarity for typos; intarray (migration 0011) keys the category ids in the
nearest-first index. SQLite, the embedded default, gets portable fallbacks:
a bounding-box prefilter on indexed coordinates and a plain substring match.

Distances are great-circle distances on the mean Earth radius (activities.geo), computed in SQL
with the same haversine formula on both databases, so "within 5 km" means the same everywhere.

Pages are cut by keyset: a page ends on the sort key of its last row, and the next page starts
strictly after it (`after`), so a page costs the same however deep it is and rows inserted
meanwhile are neither skipped nor repeated.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import math
import re

import psycopg
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from activities import choices, geo, taxonomy
from activities.filters import SearchParams
from activities.models import (
    Activity,
    Occurrence,
    Organization,
    Place,
)
from activities.territories import territories_at, territories_named

# earth_box works on earthdistance's sphere (radius earth() = 6378.168 km): scale the radius so
# the box always holds the whole circle measured on our sphere; the exact test follows.
_EARTH_BOX_KM = 6378.168
_EARTH_M = _EARTH_BOX_KM * 1000
_BOX_MARGIN = 1.001

ACTIVITY = Activity._meta.db_table
OCCURRENCE = Occurrence._meta.db_table
PLACE = Place._meta.db_table
ORGANIZATION = Organization._meta.db_table
ACTIVITY_CATEGORIES = Activity.categories.through._meta.db_table
SERVICE_AREA = Activity.service_area.through._meta.db_table

REMOTE_MODES = tuple(str(mode) for mode in choices.REMOTE_MODES)
CANCELLED = str(choices.OccurrenceStatus.CANCELLED)

# What a result card shows, in the order of the columns read back (then its category ids and
# next sessions: _cards_by_id).
CARD_COLUMNS = (
    "a.id", "a.title", "a.summary", "a.kind", "a.audiences_mask", "a.age_min", "a.age_max",
    "a.attendance_mode", "a.languages_mask", "a.is_free", "a.price_min", "a.price_max",
    "a.registration", "a.intensity", "a.group_size", "a.featured", "a.updated_at",
    "org.slug", "org.name", "org.kind", "org.verified",
    "p.id", "p.name", "p.city", "p.postal_code", "p.lat", "p.lng", "p.wheelchair",
)  # fmt: skip
NEXT_SESSIONS = 3
CARD_JOINS = (
    f'JOIN "{ORGANIZATION}" org ON org.id = a.organization_id '
    f'LEFT JOIN "{PLACE}" p ON p.id = a.place_id'
)


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


# Cached, as api.activities renders them: the sessions of a page share few times.
_parsed_datetime = functools.lru_cache(maxsize=8192)(parse_datetime)


# --- SQL fragments ----------------------------------------------------------------------------


def _in(values) -> str:
    return "(" + ", ".join(["%s"] * len(values)) + ")"


def distance_sql(lat: float, lng: float, *, table: str = "a") -> tuple[str, list]:
    """Haversine distance (km) from the point to the coordinates of `table` (an alias)."""
    phi, lmb = math.radians(lat), math.radians(lng)
    return (
        f"({2 * geo.EARTH_RADIUS_KM!r} * ASIN(SQRT("
        f"POWER(SIN((RADIANS({table}.lat) - %s) / 2), 2) + "
        f"%s * COS(RADIANS({table}.lat)) * POWER(SIN((RADIANS({table}.lng) - %s) / 2), 2))))",
        [phi, math.cos(phi), lmb],
    )


def _earth_point(lat: float, lng: float) -> tuple[float, float, float]:
    """earthdistance's ll_to_earth(lat, lng), computed here with the same formula (the same
    floats: the tests compare them). Called with constants, earthdistance's SQL functions
    are run while planning every query, their bodies parsed and planned on each call
    (measured: 0.2 ms of a 0.8 ms plan of "5 km + category + day")."""
    phi, lmb = math.radians(lat), math.radians(lng)
    return (
        _EARTH_M * math.cos(phi) * math.cos(lmb),
        _EARTH_M * math.cos(phi) * math.sin(lmb),
        _EARTH_M * math.sin(phi),
    )


def _cube(*corners: tuple[float, ...]) -> str:
    """A cube literal: a point, or a box from its lower and upper corners."""
    return ",".join("(" + ", ".join(repr(value) for value in corner) + ")" for corner in corners)


def earth_point_sql(lat: float, lng: float) -> tuple[str, list]:
    """ll_to_earth(lat, lng) as a literal."""
    return "%s::cube", [_cube(_earth_point(lat, lng))]


def earth_box_sql(lat: float, lng: float, radius_m: float) -> tuple[str, list]:
    """earth_box(ll_to_earth(lat, lng), radius_m) as a literal: the point's cube enlarged by
    the chord of the radius (gc_to_sec)."""
    point = _earth_point(lat, lng)
    chord = 2 * _EARTH_M * math.sin(min(radius_m / (2 * _EARTH_M), math.pi / 2))
    return "%s::cube", [_cube(tuple(v - chord for v in point), tuple(v + chord for v in point))]


def _knn_sql(lat: float, lng: float) -> tuple[str, list]:
    """PostgreSQL: GiST nearest-first order on ll_to_earth(lat, lng)."""
    point, args = earth_point_sql(lat, lng)
    return f"(ll_to_earth(a.lat, a.lng) <-> {point})", args


# Stored generated columns on PostgreSQL (migration 0006), indexed with GIN. The words are
# matched by full-text search; only when they match nothing is the trigram word similarity
# asked (`with_typo_fallback`): OR-ed with every query, its index scan cost more than the rest
# of the search (measured: 45 ms for "danse" at N = 1M, against 5 ms for the page).
_TSQUERY = "websearch_to_tsquery('french_unaccent'::regconfig, %s)"
_WORDS_MATCH = f"a.search_vector @@ {_TSQUERY}"
_WORDS_RELEVANCE = f"ts_rank(a.search_vector, {_TSQUERY})"
_TYPOS_MATCH = "a.search_text %%> relier_unaccent(lower(%s))"
_TYPOS_RELEVANCE = "word_similarity(relier_unaccent(lower(%s)), a.search_text)"


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclasses.dataclass
class Query:
    """WHERE clauses with their parameters, in order."""

    where: list[str] = dataclasses.field(default_factory=list)
    args: list = dataclasses.field(default_factory=list)

    def add(self, clause: str, *args) -> None:
        self.where.append(clause)
        self.args.extend(args)

    @property
    def where_sql(self) -> str:
        return " AND ".join(self.where) or "TRUE"


def activity_conditions(
    params: SearchParams, *, venues: bool = True, remote_ids: tuple[int, ...] = ()
) -> Query:
    """Published activities with upcoming sessions matching every parameter (AND).

    With a point: the venues within the radius (`venues`), and the activities of `remote_ids`
    (online, at-home and phone activities serving the point)."""
    query = Query()
    query.add("a.status = %s AND a.next_start IS NOT NULL", str(choices.ActivityStatus.PUBLISHED))
    postgres = is_postgres()
    if params.q:
        if postgres:
            query.add(_TYPOS_MATCH if params.typos else _WORDS_MATCH, params.q)
        else:
            for word in params.q.split():
                pattern = _like(word)
                query.add(
                    "(a.title LIKE %s ESCAPE '\\' OR a.summary LIKE %s ESCAPE '\\' "
                    "OR a.description LIKE %s ESCAPE '\\')",
                    pattern,
                    pattern,
                    pattern,
                )
    if params.point:
        near = Query()
        if venues:
            lat, lng = params.point
            radius = params.radius
            # The box is what bounds a nearest-first walk of the GiST indexes to the circle.
            if postgres:
                radius_m = radius * 1000 * _EARTH_BOX_KM / geo.EARTH_RADIUS_KM * _BOX_MARGIN
                box, box_args = earth_box_sql(lat, lng, radius_m)
                near.add(f"a.lat IS NOT NULL AND {box} @> ll_to_earth(a.lat, a.lng)", *box_args)
            else:
                min_lat, max_lat, min_lng, max_lng = geo.bounding_box(
                    lat, lng, radius * _BOX_MARGIN
                )
                near.add("a.lat BETWEEN %s AND %s AND a.lng BETWEEN %s AND %s")
                near.args += [min_lat, max_lat, min_lng, max_lng]
            distance, args = distance_sql(lat, lng)
            near.add(f"{distance} <= %s", *args, radius)
        clauses = [f"({near.where_sql})"] if near.where else []
        if remote_ids:
            clauses.append(f"a.id IN {_in(remote_ids)}")
        query.add(f"({' OR '.join(clauses) or 'FALSE'})", *near.args, *remote_ids)
    if params.category:
        known = taxonomy.current()
        ids = sorted({pk for slug in params.category for pk in known.ids_under(slug)})
        if postgres:  # the activity's own copy of its category ids (migration 0010)
            query.add("a.category_ids && %s::integer[]", ids)
        else:
            query.add(
                f'EXISTS (SELECT 1 FROM "{ACTIVITY_CATEGORIES}" ac '
                f"WHERE ac.activity_id = a.id AND ac.category_id IN {_in(ids)})",
                *ids,
            )
    if params.kind:
        query.add(f"a.kind IN {_in(params.kind)}", *params.kind)
    if params.audience:
        everyone = choices.mask_of([choices.Audience.EVERYONE], choices.AUDIENCES)
        query.add(
            "(a.audiences_mask & %s) <> 0",
            choices.mask_of(params.audience, choices.AUDIENCES) | everyone,
        )
    if params.language:
        query.add(
            "(a.languages_mask & %s) <> 0", choices.mask_of(params.language, choices.LANGUAGES)
        )
    if params.attendance_mode:
        query.add(f"a.attendance_mode IN {_in(params.attendance_mode)}", *params.attendance_mode)
    if params.day or params.part_of_day:
        days = [choices.WEEKDAYS.index(d) for d in params.day] or range(7)
        parts = [choices.PARTS_OF_DAY.index(p) for p in params.part_of_day] or range(3)
        query.add("(a.weekly_slots & %s) <> 0", choices.slots_mask(days=days, parts=parts))
    if params.starts_after or params.starts_before:
        window = Query()
        if params.starts_after:
            window.add("o.start >= %s", db_datetime(params.starts_after))
        if params.starts_before:
            window.add("o.start < %s", db_datetime(params.starts_before))
        query.add(
            f'EXISTS (SELECT 1 FROM "{OCCURRENCE}" o WHERE o.activity_id = a.id '
            f"AND o.status <> %s AND {window.where_sql})",
            CANCELLED,
            *window.args,
        )
    if params.free is not None:
        query.add("a.is_free = %s", params.free)
    if params.wheelchair:
        levels = ("full",) if params.wheelchair == "full" else ("partial", "full")
        query.add(
            f"(a.attendance_mode IN {_in(REMOTE_MODES)} OR p.wheelchair IN {_in(levels)})",
            *REMOTE_MODES,
            *levels,
        )
    for flag in params.accessibility:
        query.add(f"p.{flag}_support = %s", True)
    if params.age is not None:
        query.add(
            "(a.age_min IS NULL OR a.age_min <= %s) AND (a.age_max IS NULL OR a.age_max >= %s)",
            params.age,
            params.age,
        )
    if params.organization:
        query.add("org.slug = %s", params.organization)
    if params.territory:
        ids = territories_named(params.territory) or [0]
        query.add(
            f'(a.territory_id IN {_in(ids)} OR EXISTS (SELECT 1 FROM "{SERVICE_AREA}" sa '
            f"WHERE sa.activity_id = a.id AND sa.territory_id IN {_in(ids)}))",
            *ids,
            *ids,
        )
    if params.updated_since:
        query.add("a.updated_at > %s", db_datetime(params.updated_since))
    return query


def remote_serving(params: SearchParams) -> tuple[int, ...]:
    """Online, at-home and phone activities whose service area holds the point searched."""
    if not params.point:
        return ()
    territories = territories_at(lat=params.point[0], lng=params.point[1])
    if not territories:
        return ()
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT DISTINCT sa.activity_id FROM "{SERVICE_AREA}" sa '
            f'JOIN "{ACTIVITY}" a ON a.id = sa.activity_id '
            f"WHERE sa.territory_id IN {_in(territories)} AND a.attendance_mode IN "
            f"{_in(REMOTE_MODES)} ORDER BY sa.activity_id",
            [*territories, *REMOTE_MODES],
        )
        return tuple(row[0] for row in cursor.fetchall())


# --- ordering and keyset ----------------------------------------------------------------------

ASC, DESC = "ASC", "DESC"


@dataclasses.dataclass(frozen=True)
class SortKey:
    sql: str
    args: tuple
    direction: str
    kind: type = float  # of the value a cursor carries: float, int or datetime

    def decode(self, value):
        """A cursor's value for this key, checked: a tampered cursor is a 400, not a 500."""
        if self.kind is datetime.datetime and isinstance(value, str):
            moment = parse_datetime(value.replace(" ", "T"))
            if moment is not None:
                return db_datetime(moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC))
        elif self.kind is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        elif self.kind is float and isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise invalid_cursor()


def invalid_cursor() -> ValidationError:
    return ValidationError({"cursor": [_("Invalid cursor.")]})


def decode_after(keys: list[SortKey], after: list) -> list:
    """A cursor's key values, one per sort key, checked and ready for keyset_sql."""
    if len(after) != len(keys):
        raise invalid_cursor()
    return [key.decode(value) for key, value in zip(keys, after, strict=True)]


def _sort_keys(ordering: str, params: SearchParams) -> list[SortKey]:
    """The keys of an ordering, the activity id last so that every row has its own place."""
    if ordering == "distance":
        lat, lng = params.point
        expression, args = _knn_sql(lat, lng) if is_postgres() else distance_sql(lat, lng)
        first = SortKey(expression, tuple(args), ASC)
    elif ordering == "relevance":
        relevance = _TYPOS_RELEVANCE if params.typos else _WORDS_RELEVANCE
        first = SortKey(relevance, (params.q,), DESC) if is_postgres() else SortKey("0.0", (), DESC)
    elif ordering == "next_occurrence":
        first = SortKey("a.next_start", (), ASC, datetime.datetime)
    elif ordering == "updated_at":
        return [SortKey("a.updated_at", (), ASC, datetime.datetime), SortKey("a.id", (), ASC, int)]
    else:  # -updated_at
        return [
            SortKey("a.updated_at", (), DESC, datetime.datetime),
            SortKey("a.id", (), DESC, int),
        ]
    return [first, SortKey("a.id", (), ASC, int)]


def keyset_sql(keys: list[SortKey], after: list) -> tuple[str, list]:
    """Rows strictly after `after` (one value per key) in the order of `keys`."""
    clauses, args = [], []
    for i, key in enumerate(keys):
        parts, part_args = [], []
        for previous, value in zip(keys[:i], after, strict=False):
            parts.append(f"{previous.sql} = %s")
            part_args += [*previous.args, value]
        parts.append(f"{key.sql} {'>' if key.direction == ASC else '<'} %s")
        part_args += [*key.args, after[i]]
        clauses.append("(" + " AND ".join(parts) + ")")
        args += part_args
    return "(" + " OR ".join(clauses) + ")", args


def _order_sql(keys: list[SortKey]) -> tuple[str, list]:
    return ", ".join(f"{key.sql} {key.direction}" for key in keys), [
        arg for key in keys for arg in key.args
    ]


def _key_value(value):
    """A sort key value as the cursor carries it (JSON)."""
    return value.isoformat() if isinstance(value, datetime.datetime) else value


# --- the searches -----------------------------------------------------------------------------


@dataclasses.dataclass
class Page:
    rows: list[dict]
    after: list | None  # where the next page starts, None on the last page


def _fetch(sql: str, args: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return cursor.fetchall()


class _PreparedCursor(psycopg.Cursor):
    """psycopg's cursor with server-side binding, each query run as a prepared statement
    (psycopg keeps them per connection, by query and argument types)."""

    def execute(self, query, params=None, **kwargs):
        return super().execute(query, params, prepare=True, **kwargs)


def _fetch_prepared(sql: str, args: list) -> list[tuple]:
    """`_fetch` for a query whose plan does not depend on its arguments (rows by primary
    key; an ordered index walked to a limit): on PostgreSQL, prepared once per connection,
    through Django's cursor wrapper (its execute wrappers and error translation), and after
    five runs planned once if PostgreSQL finds the generic plan no costlier. Where
    Django logs the queries (DEBUG, tests counting them), plain `_fetch` runs it: the log
    shows a query as its client-side bound text, which a prepared statement has not."""
    if not is_postgres() or connection.queries_logged:
        return _fetch(sql, args)
    connection.ensure_connection()
    with connection.make_cursor(_PreparedCursor(connection.connection)) as cursor:
        cursor.execute(sql, args)
        return cursor.fetchall()


def _cards_by_id(ids: list[int], now: datetime.datetime) -> dict[int, tuple]:
    """The card rows of these activities, by id: the columns of CARD_COLUMNS, then, on
    PostgreSQL, the activity's own copy of its category ids (migration 0010) and its next
    sessions as one JSON array from the (activity, start) index; SQLite reads both for the
    whole page afterwards (attach_categories, attach_sessions).

    The search chooses the rows and this reads their cards, in a query of its own: the same
    for every page, it is prepared once per connection, where planning the cards with the
    search cost more than reading them (measured at N = 1M: 0.6-0.8 ms to plan "5 km +
    category + day" with its cards, 0.2 ms without)."""
    if not ids:
        return {}
    columns = ", ".join(CARD_COLUMNS)
    if not is_postgres():
        rows = _fetch(
            f'SELECT {columns}, NULL, NULL FROM "{ACTIVITY}" a {CARD_JOINS} '
            f"WHERE a.id IN {_in(ids)}",
            ids,
        )
    else:
        sessions = (
            'SELECT coalesce(json_agg(json_build_array(o.id, o.start, o."end", o.status) '
            "ORDER BY o.start, o.id), '[]') FROM ("
            f'SELECT id, start, "end", status FROM "{OCCURRENCE}" '
            "WHERE activity_id = a.id AND start >= %s AND status <> %s "
            "ORDER BY start, id LIMIT %s) o"
        )
        rows = _fetch_prepared(
            f"SELECT {columns}, a.category_ids, ({sessions}) "
            f'FROM unnest(%s::bigint[]) AS k(id) JOIN "{ACTIVITY}" a ON a.id = k.id '
            f"{CARD_JOINS}",
            [db_datetime(now), CANCELLED, NEXT_SESSIONS, ids],
        )
    return {row[0]: row for row in rows}


def _card(row: tuple) -> dict:
    card = dict(zip(_CARD_NAMES, row[: len(_CARD_NAMES)], strict=True))
    card["updated_at"] = read_datetime(card["updated_at"])
    return card


_CARD_NAMES = (
    *(
        column.replace("a.", "", 1).replace("org.", "org_").replace("p.", "place_")
        for column in CARD_COLUMNS
    ),
    "category_ids",
    "next_occurrences",
)


def with_typo_fallback(search, params: SearchParams, *, after: list | None, **kwargs) -> Page:
    """`search(params, after=after, **kwargs)`, looking again with typos forgiven (trigram word
    similarity, PostgreSQL) when the words match nothing: "jardinnage" finds "jardinage".
    Later pages of a forgiving search come back here, find nothing with the words either,
    and so continue forgiving."""
    page = search(params, after=after, **kwargs)
    if page.rows or not params.q or not is_postgres():
        return page
    if after and search(params, after=None, **{**kwargs, "size": 1}).rows:
        return page  # the words match: this is truly the end of their pages
    return search(dataclasses.replace(params, typos=True), after=after, **kwargs)


def activity_page(
    params: SearchParams, *, ordering: str, after: list | None, size: int, now: datetime.datetime
) -> Page:
    """One page of the activity search. `after` is (phase, *sort key values) of the last row
    seen: with a point, ordering by distance lists the venues nearest first (phase 0), then
    the activities serving the point from afar (phase 1, by id)."""
    remote = remote_serving(params)
    split = ordering == "distance"
    phase = after[0] if after else 0
    if phase not in (0, 1) or (phase == 1 and not split):
        raise invalid_cursor()
    rows: list[dict] = []
    next_after = None
    if phase == 0:
        keys = _sort_keys(ordering, params)
        conditions = activity_conditions(params, remote_ids=() if split else remote)
        rows, more = _activity_rows(conditions, keys, after[1:] if after else None, size, now)
        if more:
            next_after = [0, *rows[-1].pop("_key")]
    if split and remote and next_after is None and len(rows) == size:
        next_after = [1, 0]  # the venues filled this page exactly: the services come next
    elif split and remote and next_after is None:
        keys = [SortKey("a.id", (), ASC, int)]
        conditions = activity_conditions(params, venues=False, remote_ids=remote)
        seen = after[1:] if after and phase == 1 else None
        served, more = _activity_rows(conditions, keys, seen, size - len(rows), now)
        for card in served:
            card["serves_point"] = True
        rows += served
        if more:
            next_after = [1, *rows[-1].pop("_key")]
    for card in rows:
        card.pop("_key", None)
        card.setdefault("serves_point", card["id"] in remote)
        if params.point and card["place_lat"] is not None and not card["serves_point"]:
            card["distance_km"] = geo.distance_km(
                *params.point, card["place_lat"], card["place_lng"]
            )
        else:
            card["distance_km"] = None
    return Page(rows, next_after)


def _activity_rows(
    conditions: Query, keys: list[SortKey], after: list | None, size: int, now: datetime.datetime
) -> tuple[list[dict], bool]:
    """Up to `size` cards after `after`, and whether more follow.

    The rows are chosen by a query that reads only the activity (and its place or
    organization when a condition needs them); on PostgreSQL the covering GiST index answers
    it without touching the table (migration 0007). The cards of the page are then read by
    id (`_cards_by_id`).
    """
    where, args = conditions.where_sql, list(conditions.args)
    if after:
        keyset, keyset_args = keyset_sql(keys, decode_after(keys, after))
        where, args = f"{where} AND {keyset}", [*args, *keyset_args]
    # The GiST index walks nearest first only when its distance is the sole sort key: rows at
    # the same distance are put in id order below, after reading the whole tie at the cut.
    knn_alone = is_postgres() and keys[0].sql.startswith("(ll_to_earth")
    order, order_args = _order_sql(keys[:1] if knn_alone else keys)
    inner = (
        "SELECT a.id"
        + "".join(f", {key.sql}" for key in keys[:-1])
        + f" FROM {_activities_for(where)} WHERE {where}"
    )
    inner_args = [*(arg for key in keys[:-1] for arg in key.args), *args]
    # Prepared (replayed at N = 1M: 1.65-1.76 ms per "5 km + category + day" query against
    # 1.81-2.23 ms planning each; docs/benchmarks.md, ninth measurement).
    rows = _fetch_prepared(
        f"{inner} ORDER BY {order} LIMIT %s", [*inner_args, *order_args, size + 1]
    )
    if knn_alone and len(rows) > size and rows[size - 1][1] == rows[size][1]:
        tie = rows[size][1]
        rows = [row for row in rows if row[1] != tie] + _tie_rows(
            inner, inner_args, keys[0], tie, order, order_args, size
        )
    descending = [key.direction == DESC for key in keys]
    rows.sort(key=lambda row: _sortable((*row[1:], row[0]), descending))
    page = rows[:size]
    found = _cards_by_id([row[0] for row in page], now)
    cards = []
    for row in page:
        if row[0] not in found:  # deleted since the search read it
            continue
        card = _card(found[row[0]])
        card["_key"] = [_key_value(value) for value in (*row[1:], row[0])]
        cards.append(card)
    return cards, len(rows) > size


def _tie_rows(
    inner: str, inner_args: list, key: SortKey, tie: float, order: str, order_args: list, size: int
) -> list[tuple]:
    """The rows of `inner` at the distance `tie`, nearest first like the page: activities
    sharing a venue tie, and a venue may hold dozens. Asked for "distance = tie" without an
    order, or even with one, the planner may read every text match of the area and sort them
    (measured: 0.4 s at N = 1M); the tie's rows are the next ones of the nearest-first walk."""
    limit = 2 * (size + 1)
    while True:
        rows = _walk_index(
            f"{inner} AND {key.sql} >= %s ORDER BY {order} LIMIT %s",
            [*inner_args, *key.args, tie, *order_args, limit],
        )
        if len(rows) < limit or rows[-1][1] != tie:  # past the tie: it was read whole
            return [row for row in rows if row[1] == tie]
        limit *= 4


def _activities_for(where: str) -> str:
    """The activity table, joined to its organization or place only where `where` needs them:
    alone, the activity's covering index can answer without reading the table."""
    joins = [f'"{ACTIVITY}" a']
    if re.search(r"(?<![\w.])org\.", where):
        joins.append(f'JOIN "{ORGANIZATION}" org ON org.id = a.organization_id')
    if re.search(r"(?<![\w.])p\.", where):
        joins.append(f'LEFT JOIN "{PLACE}" p ON p.id = a.place_id')
    return " ".join(joins)


def _sortable(values: tuple, descending: list[bool]) -> tuple:
    return tuple(_Reversed(v) if desc else v for v, desc in zip(values, descending, strict=True))


@functools.total_ordering
class _Reversed:
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __eq__(self, other):
        return self.value == other.value

    def __lt__(self, other):
        return other.value < self.value


def attach_categories(cards: list[dict]) -> None:
    """Each card's category slugs (by category id), read with the card on PostgreSQL and in
    one query for the page on SQLite."""
    unread = {card["id"]: card for card in cards if card["category_ids"] is None}
    if unread:
        for card in unread.values():
            card["category_ids"] = []
        for activity_id, category_id in _fetch(
            f'SELECT activity_id, category_id FROM "{ACTIVITY_CATEGORIES}" '
            f"WHERE activity_id IN {_in(unread)} ORDER BY category_id",
            list(unread),
        ):
            unread[activity_id]["category_ids"].append(category_id)
    slugs = taxonomy.current().slug_of
    for card in cards:
        card["categories"] = [slugs[pk] for pk in sorted(card.pop("category_ids"))]


def attach_sessions(cards: list[dict], *, now: datetime.datetime) -> None:
    """Each card's next sessions (not cancelled), read with the card on PostgreSQL and in one
    query for the page on SQLite."""
    unread = {card["id"]: card for card in cards if card["next_occurrences"] is None}
    if unread:
        for card in unread.values():
            card["next_occurrences"] = []
        for row in _fetch(
            'SELECT activity_id, id, start, "end", status FROM ('
            'SELECT activity_id, id, start, "end", status, ROW_NUMBER() OVER '
            "(PARTITION BY activity_id ORDER BY start, id) AS n "
            f'FROM "{OCCURRENCE}" WHERE activity_id IN {_in(unread)} AND start >= %s '
            "AND status <> %s) s WHERE n <= %s ORDER BY activity_id, start, id",
            [*unread, db_datetime(now), CANCELLED, NEXT_SESSIONS],
        ):
            unread[row[0]]["next_occurrences"].append(row[1:])
    for card in cards:
        card["next_occurrences"] = [
            {"id": pk, "start": read_datetime(start), "end": read_datetime(end), "status": status}
            for pk, start, end, status in card["next_occurrences"]
        ]


# --- sessions ---------------------------------------------------------------------------------

SESSION_COLUMNS = (
    "o.id", "o.start", 'o."end"', "o.status", "o.capacity", "o.seats_taken",
    "a.id", "a.title", "a.kind", "a.attendance_mode", "org.name", "p.name", "p.city",
)  # fmt: skip
SESSION_FROM = f'"{OCCURRENCE}" o JOIN "{ACTIVITY}" a ON a.id = o.activity_id {CARD_JOINS}'
# Up to this many matching activities, their sessions are read by activity; beyond, the sessions
# of the window are walked soonest first (dense areas find a page within a few hundred).
SPARSE_ACTIVITIES = 3000
# PostgreSQL: sessions carry their activity's position, indexed by map cell of 1/20 degree
# and start (migration 0009, relier_cell). A circle touching at most this many cells is read
# cell by cell: 5 km touches about 12, 10 km about 35.
CELLS_PER_DEGREE = 20
MAX_CELLS = 64


def session_cells(lat: float, lng: float, radius: float) -> list[int] | None:
    """The cells (relier_cell) of the box around the circle; None when there are too many, or
    when the box crosses the antimeridian."""
    min_lat, max_lat, min_lng, max_lng = geo.bounding_box(lat, lng, radius * _BOX_MARGIN)
    if min_lng < -180 or max_lng > 180:
        return None
    rows = range(math.floor(min_lat * CELLS_PER_DEGREE), math.floor(max_lat * CELLS_PER_DEGREE) + 1)
    columns = range(
        math.floor(min_lng * CELLS_PER_DEGREE), math.floor(max_lng * CELLS_PER_DEGREE) + 1
    )
    if len(rows) * len(columns) > MAX_CELLS:
        return None
    return [row * 10000 + column for row in rows for column in columns]


def occurrence_page(
    params: SearchParams, *, now: datetime.datetime, after: list | None, size: int
) -> Page:
    """One page of the upcoming sessions (from `starts_after`, default now, to
    `starts_before`) of the activities matching `params`, soonest first."""
    keys = [SortKey("o.start", (), ASC, datetime.datetime), SortKey("o.id", (), ASC, int)]
    # The window applies to the sessions themselves, not as a condition on their activities.
    activities = dataclasses.replace(params, starts_after=None, starts_before=None)
    remote = remote_serving(params)
    sessions = Query()
    sessions.add("o.status <> %s", CANCELLED)
    sessions.add("o.start >= %s", db_datetime(params.starts_after or now))
    if params.starts_before:
        sessions.add("o.start < %s", db_datetime(params.starts_before))
    if after:
        keyset, keyset_args = keyset_sql(keys, decode_after(keys, after))
        sessions.add(keyset, *keyset_args)
    cells = session_cells(*params.point, params.radius) if params.point else None
    if is_postgres() and cells:
        rows = _sessions_by_cell(activities, sessions, cells, remote, size + 1)
    else:
        conditions = activity_conditions(activities, remote_ids=remote)
        rows = _sessions_by_activity(conditions, sessions, size + 1)
    cards = [
        {
            "id": row[0],
            "start": read_datetime(row[1]),
            "end": read_datetime(row[2]),
            "status": row[3],
            "capacity": row[4],
            "seats_taken": row[5],
            "activity": {
                "id": row[6],
                "title": row[7],
                "kind": row[8],
                "attendance_mode": row[9],
                "organization": row[10],
                "place": None if row[11] is None else {"name": row[11], "city": row[12]},
            },
        }
        for row in rows[:size]
    ]
    more = len(rows) > size
    return Page(cards, [_key_value(cards[-1]["start"]), cards[-1]["id"]] if more else None)


def _sessions_by_cell(
    activities: SearchParams, sessions: Query, cells: list[int], remote: tuple[int, ...], limit: int
) -> list[tuple]:
    """PostgreSQL: the first `limit` sessions of each cell the circle touches, read in order
    from the cell's index and tested there for the distance, then of each activity serving
    the point from afar; the soonest `limit` of them all."""
    lat, lng = activities.point
    elsewhere = dataclasses.replace(activities, lat=None, lng=None, radius_km=None)
    conditions = activity_conditions(elsewhere)
    tables = (
        f'{_activities_for(conditions.where_sql)} JOIN "{OCCURRENCE}" o ON o.activity_id = a.id'
    )
    distance, distance_args = distance_sql(lat, lng, table="o")
    # The circle's box first: a cell at its edge holds many sessions outside, dropped by four
    # comparisons rather than the haversine (measured: 2.3-3.5 ms down to 1.6-2.0 ms).
    box = geo.bounding_box(lat, lng, activities.radius * _BOX_MARGIN)
    found = (
        "SELECT s.id, s.start FROM unnest(%s::integer[]) AS c(cell) CROSS JOIN LATERAL ("
        f"SELECT o.id, o.start FROM {tables} WHERE relier_cell(o.lat, o.lng) = c.cell "
        "AND o.lat BETWEEN %s AND %s AND o.lng BETWEEN %s AND %s "
        f"AND {distance} <= %s AND {sessions.where_sql} "
        f"AND {conditions.where_sql} ORDER BY o.start, o.id LIMIT %s) s"
    )
    args = [
        cells,
        *box,
        *distance_args,
        activities.radius,
        *sessions.args,
        *conditions.args,
        limit,
    ]
    if remote:
        found += (
            # UNION: an activity serving from afar may also have a venue in the circle.
            " UNION SELECT s.id, s.start FROM unnest(%s::bigint[]) AS m(id) CROSS JOIN "
            f"LATERAL (SELECT o.id, o.start FROM {tables} WHERE o.activity_id = m.id "
            f"AND {sessions.where_sql} AND {conditions.where_sql} "
            "ORDER BY o.start, o.id LIMIT %s) s"
        )
        args += [list(remote), *sessions.args, *conditions.args, limit]
    # Prepared, as in _activity_rows (2.73-3.04 ms per query against 3.18-3.95 ms).
    found_rows = _fetch_prepared(
        f"SELECT id FROM ({found}) f ORDER BY start, id LIMIT %s", [*args, limit]
    )
    return _sessions_by_id([row[0] for row in found_rows])


def _sessions_by_id(ids: list[int]) -> list[tuple]:
    """PostgreSQL: the rows (SESSION_COLUMNS) of these sessions, soonest first, in a query
    of their own prepared once per connection (as `_cards_by_id`)."""
    if not ids:
        return []
    rows = _fetch_prepared(
        f"SELECT {', '.join(SESSION_COLUMNS)} FROM unnest(%s::bigint[]) AS k(id) "
        f"JOIN {SESSION_FROM} ON o.id = k.id",
        [ids],
    )
    return sorted(rows, key=lambda row: (row[1], row[0]))


def _sessions_by_activity(conditions: Query, sessions: Query, limit: int) -> list[tuple]:
    """The first `limit` sessions of the activities matching `conditions`: read by activity
    when few match, else walking the sessions soonest first."""
    columns = ", ".join(SESSION_COLUMNS)
    found = _fetch(
        f"SELECT a.id FROM {_activities_for(conditions.where_sql)} "
        f"WHERE {conditions.where_sql} LIMIT %s",
        [*conditions.args, SPARSE_ACTIVITIES + 1],
    )
    if len(found) > SPARSE_ACTIVITIES:
        return _walk_index(
            f"SELECT {columns} FROM {SESSION_FROM} "
            f"WHERE {sessions.where_sql} AND {conditions.where_sql} "
            "ORDER BY o.start, o.id LIMIT %s",
            [*sessions.args, *conditions.args, limit],
        )
    if is_postgres():
        # Each activity's own first sessions through its (activity, start) index: told only
        # "these activities", the planner walks the whole window by start instead.
        return _fetch(
            f"SELECT {columns} FROM unnest(%s::bigint[]) AS m(id) CROSS JOIN LATERAL ("
            f'SELECT * FROM "{OCCURRENCE}" o WHERE o.activity_id = m.id AND {sessions.where_sql} '
            "ORDER BY o.start, o.id LIMIT %s) o "
            f'JOIN "{ACTIVITY}" a ON a.id = o.activity_id {CARD_JOINS} '
            "ORDER BY o.start, o.id LIMIT %s",
            [[row[0] for row in found], *sessions.args, limit, limit],
        )
    ids = [row[0] for row in found] or [0]
    return _fetch(
        f"SELECT {columns} FROM {SESSION_FROM} "
        f"WHERE o.activity_id IN {_in(ids)} AND {sessions.where_sql} "
        "ORDER BY o.start, o.id LIMIT %s",
        [*ids, *sessions.args, limit],
    )


def _walk_index(sql: str, args: list) -> list[tuple]:
    """Rows of a query whose first few rows in index order are wanted, where PostgreSQL cannot
    estimate how many rows a circle holds: it may read every candidate and sort them; told
    not to sort, it walks the ordered index (GiST nearest first, or sessions soonest first)
    and stops at the limit, which is what a dense area needs."""
    if not is_postgres():
        return _fetch(sql, args)
    settings = ("enable_sort", "enable_bitmapscan", "max_parallel_workers_per_gather")
    # SET LOCAL needs a transaction; within a request's, RESET gives the settings back.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute("; ".join(f"SET LOCAL {setting} = 0" for setting in settings))
        cursor.execute(sql, args)
        rows = cursor.fetchall()
        cursor.execute("; ".join(f"RESET {setting}" for setting in settings))
        return rows
