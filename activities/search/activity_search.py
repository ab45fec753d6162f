"""The activity search: one page of the activities matching the parameters, in the ordering
asked, with their cards.

The rows are chosen by a query that reads only the activity (and its place or organization
when a condition needs them); on PostgreSQL the covering GiST index answers it without
touching the table (migration 0007). The cards of the page are then read by id
(activities.search.cards).
"""

from __future__ import annotations

import datetime

from activities.filters import SearchParams
from activities.search.cards import activity_cards, locate
from activities.search.conditions import Query, activity_conditions, remote_serving
from activities.search.keyset import (
    ASC,
    SortKey,
    decode_after,
    in_key_order,
    invalid_cursor,
    key_value,
    keyset_sql,
    order_sql,
    sort_keys,
)
from activities.search.page import Page
from activities.search.sql import fetch_prepared, is_postgres, walk_index


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
    found: dict[int, bool] = {}  # the page's activities, and whether each serves from afar
    next_after = None
    if phase == 0:
        keys = sort_keys(ordering, params)
        conditions = activity_conditions(params, remote_ids=() if split else remote)
        rows, more = _activity_rows(conditions, keys, after[1:] if after else None, size)
        found.update((pk, pk in remote) for pk, _ in rows)
        if more:
            next_after = [0, *rows[-1][1]]
    if split and remote and next_after is None and len(found) == size:
        next_after = [1, 0]  # the venues filled this page exactly: the services come next
    elif split and remote and next_after is None:
        keys = [SortKey("a.id", (), ASC, int)]
        conditions = activity_conditions(params, venues=False, remote_ids=remote)
        seen = after[1:] if after and phase == 1 else None
        served, more = _activity_rows(conditions, keys, seen, size - len(found))
        found.update((pk, True) for pk, _ in served)
        if more:
            next_after = [1, *served[-1][1]]
    cards = activity_cards(list(found), now=now)
    for card in cards:
        locate(card, params.point, serves_point=found[card["id"]])
    return Page(cards, next_after)


def _activity_rows(
    conditions: Query, keys: list[SortKey], after: list | None, size: int
) -> tuple[list[tuple[int, list]], bool]:
    """Up to `size` activity ids after `after`, each with its sort key values as a cursor
    carries them, and whether more follow."""
    where, args = conditions.where_sql, list(conditions.args)
    if after:
        keyset, keyset_args = keyset_sql(keys, decode_after(keys, after))
        where, args = f"{where} AND {keyset}", [*args, *keyset_args]
    # The GiST index walks nearest first only when its distance is the sole sort key: rows at
    # the same distance are put in id order below, after reading the whole tie at the cut.
    knn_alone = is_postgres() and keys[0].sql.startswith("(ll_to_earth")
    order, order_args = order_sql(keys[:1] if knn_alone else keys)
    inner = (
        "SELECT a.id"
        + "".join(f", {key.sql}" for key in keys[:-1])
        + f" FROM {conditions.tables} WHERE {where}"
    )
    inner_args = [*(arg for key in keys[:-1] for arg in key.args), *args]
    # Prepared: its plan does not depend on the point or the words.
    rows = fetch_prepared(
        f"{inner} ORDER BY {order} LIMIT %s", [*inner_args, *order_args, size + 1]
    )
    if knn_alone and len(rows) > size and rows[size - 1][1] == rows[size][1]:
        tie = rows[size][1]
        rows = [row for row in rows if row[1] != tie] + _tie_rows(
            inner, inner_args, keys[0], tie, order, order_args, size
        )
    in_key_order(rows, keys)
    page = [(row[0], [key_value(value) for value in (*row[1:], row[0])]) for row in rows[:size]]
    return page, len(rows) > size


def _tie_rows(
    inner: str, inner_args: list, key: SortKey, tie: float, order: str, order_args: list, size: int
) -> list[tuple]:
    """The rows of `inner` at the distance `tie`, nearest first like the page: activities
    sharing a venue tie, and a venue may hold dozens. Asked for "distance = tie" without an
    order, or even with one, the planner may read every text match of the area and sort them;
    the tie's rows are the next ones of the nearest-first walk."""
    limit = 2 * (size + 1)
    while True:
        rows = walk_index(
            f"{inner} AND {key.sql} >= %s ORDER BY {order} LIMIT %s",
            [*inner_args, *key.args, tie, *order_args, limit],
        )
        if len(rows) < limit or rows[-1][1] != tie:  # past the tie: it was read whole
            return [row for row in rows if row[1] == tie]
        limit *= 4
