"""The session search: one page of the upcoming sessions of the activities matching the
parameters, soonest first, each with its activity's card.

The sessions are found by one of three ways, depending on where and how many: on PostgreSQL
around a point, cell by cell from the index of sessions by map cell and start; where few
activities match, each activity's own first sessions; where many do, walking the sessions of
the window soonest first. Each way reads its sessions' cards in the same query (the card's
columns of activities.search.cards): a query of their own would cost a round trip and a
query's fixed cost on every page.
"""

from __future__ import annotations

import dataclasses
import datetime
import math

from activities import geo
from activities.filters import SearchParams
from activities.search.cards import CARD_JOINS, card_columns, cards_of_rows, locate
from activities.search.conditions import Query, activity_conditions, remote_serving
from activities.search.geo_sql import BOX_MARGIN, distance_sql
from activities.search.keyset import ASC, SortKey, decode_after, key_value, keyset_sql
from activities.search.page import Page
from activities.search.sql import (
    ACTIVITY,
    CANCELLED,
    OCCURRENCE,
    db_datetime,
    fetch,
    fetch_prepared,
    is_postgres,
    placeholders,
    read_datetime,
    walk_index,
)

SESSION_COLUMNS = (
    "o.id", "o.start", 'o."end"', "o.status", "o.capacity", "o.seats_taken",
)  # fmt: skip
CARD_AT = len(SESSION_COLUMNS)  # a row's card columns start here
# Up to this many matching activities, their sessions are read by activity; beyond, the sessions
# of the window are walked soonest first (dense areas find a page within a few hundred).
SPARSE_ACTIVITIES = 3000
# PostgreSQL: sessions carry their activity's position, indexed by map cell of 1/20 degree
# and start (migration 0009, relier_cell). A circle touching at most this many cells is read
# cell by cell: 5 km touches about 12, 10 km about 35.
CELLS_PER_DEGREE = 20
MAX_CELLS = 64


def occurrence_page(
    params: SearchParams, *, now: datetime.datetime, after: list | None, size: int
) -> Page:
    """One page of the upcoming sessions (from `starts_after`, default now, to
    `starts_before`) of the activities matching `params`, soonest first. Each row holds the
    session's fields and, as `activity`, its activity's card (one dict for all the sessions
    of an activity)."""
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
    card = card_columns(now)
    cells = session_cells(*params.point, params.radius) if params.point else None
    if is_postgres() and cells:
        rows = _sessions_by_cell(activities, sessions, card, cells, remote, size + 1)
    else:
        conditions = activity_conditions(activities, remote_ids=remote)
        rows = _sessions_by_activity(conditions, sessions, card, size + 1)
    page = rows[:size]
    cards = {card["id"]: card for card in cards_of_rows([row[CARD_AT:] for row in page], now=now)}
    for card in cards.values():
        locate(card, params.point, serves_point=card["id"] in remote)
    found = [
        {
            "id": row[0],
            "start": read_datetime(row[1]),
            "end": read_datetime(row[2]),
            "status": row[3],
            "capacity": row[4],
            "seats_taken": row[5],
            "activity": cards[row[CARD_AT]],
        }
        for row in page
    ]
    more = len(rows) > size
    return Page(found, [key_value(read_datetime(page[-1][1])), page[-1][0]] if more else None)


def session_cells(lat: float, lng: float, radius: float) -> list[int] | None:
    """The cells (relier_cell) of the box around the circle; None when there are too many, or
    when the box crosses the antimeridian."""
    min_lat, max_lat, min_lng, max_lng = geo.bounding_box(lat, lng, radius * BOX_MARGIN)
    if min_lng < -180 or max_lng > 180:
        return None
    rows = range(math.floor(min_lat * CELLS_PER_DEGREE), math.floor(max_lat * CELLS_PER_DEGREE) + 1)
    columns = range(
        math.floor(min_lng * CELLS_PER_DEGREE), math.floor(max_lng * CELLS_PER_DEGREE) + 1
    )
    if len(rows) * len(columns) > MAX_CELLS:
        return None
    return [row * 10000 + column for row in rows for column in columns]


def _sessions_by_cell(
    activities: SearchParams,
    sessions: Query,
    card: tuple[str, list],
    cells: list[int],
    remote: tuple[int, ...],
    limit: int,
) -> list[tuple]:
    """PostgreSQL: the first `limit` sessions of each cell the circle touches, read in order
    from the cell's index and tested there for the distance, then of each activity serving
    the point from afar; the soonest `limit` of them all."""
    lat, lng = activities.point
    elsewhere = dataclasses.replace(activities, lat=None, lng=None, radius_km=None)
    conditions = activity_conditions(elsewhere)
    tables = f'{conditions.tables} JOIN "{OCCURRENCE}" o ON o.activity_id = a.id'
    distance, distance_args = distance_sql(lat, lng, table="o")
    # The circle's box first: a cell at its edge holds many sessions outside, dropped by four
    # comparisons rather than the haversine.
    box = geo.bounding_box(lat, lng, activities.radius * BOX_MARGIN)
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
    # Prepared, as the activity search's rows: its plan does not depend on the cells.
    found_rows = fetch_prepared(
        f"SELECT id FROM ({found}) f ORDER BY start, id LIMIT %s", [*args, limit]
    )
    return _sessions_by_id([row[0] for row in found_rows], card)


def _sessions_by_id(ids: list[int], card: tuple[str, list]) -> list[tuple]:
    """PostgreSQL: the rows (SESSION_COLUMNS, then the card's) of these sessions, soonest
    first, in a query of their own prepared once per connection (as the cards)."""
    if not ids:
        return []
    card_sql, card_args = card
    rows = fetch_prepared(
        f"SELECT {', '.join(SESSION_COLUMNS)}, {card_sql} FROM unnest(%s::bigint[]) AS k(id) "
        f'JOIN "{OCCURRENCE}" o ON o.id = k.id JOIN "{ACTIVITY}" a ON a.id = o.activity_id '
        f"{CARD_JOINS}",
        [*card_args, ids],
    )
    return sorted(rows, key=lambda row: (row[1], row[0]))


def _sessions_by_activity(
    conditions: Query, sessions: Query, card: tuple[str, list], limit: int
) -> list[tuple]:
    """The first `limit` sessions of the activities matching `conditions`, with their cards:
    read by activity when few match, else walking the sessions soonest first."""
    card_sql, card_args = card
    columns = f"{', '.join(SESSION_COLUMNS)}, {card_sql}"
    found = fetch(
        f"SELECT a.id FROM {conditions.tables} WHERE {conditions.where_sql} LIMIT %s",
        [*conditions.args, SPARSE_ACTIVITIES + 1],
    )
    if len(found) > SPARSE_ACTIVITIES:
        # The card's joins in place of those the conditions would make (same aliases).
        carded = dataclasses.replace(conditions, needs_organization=False, needs_place=False)
        return walk_index(
            f'SELECT {columns} FROM {carded.tables} {CARD_JOINS} JOIN "{OCCURRENCE}" o '
            f"ON o.activity_id = a.id WHERE {sessions.where_sql} AND {conditions.where_sql} "
            "ORDER BY o.start, o.id LIMIT %s",
            [*card_args, *sessions.args, *conditions.args, limit],
        )
    with_card = f'JOIN "{ACTIVITY}" a ON a.id = o.activity_id {CARD_JOINS}'
    if is_postgres():
        # Each activity's own first sessions through its (activity, start) index: told only
        # "these activities", the planner walks the whole window by start instead.
        return fetch(
            f"SELECT {columns} FROM (SELECT o.* FROM unnest(%s::bigint[]) AS m(id) "
            f'CROSS JOIN LATERAL (SELECT * FROM "{OCCURRENCE}" o WHERE o.activity_id = m.id '
            f"AND {sessions.where_sql} ORDER BY o.start, o.id LIMIT %s) o "
            f"ORDER BY o.start, o.id LIMIT %s) o {with_card} ORDER BY o.start, o.id",
            [*card_args, [row[0] for row in found], *sessions.args, limit, limit],
        )
    ids = [row[0] for row in found] or [0]
    return fetch(
        f'SELECT {columns} FROM "{OCCURRENCE}" o {with_card} '
        f"WHERE o.activity_id IN {placeholders(ids)} AND {sessions.where_sql} "
        "ORDER BY o.start, o.id LIMIT %s",
        [*card_args, *ids, *sessions.args, limit],
    )
