"""Activity cards read by id: what a phone shows of an activity in any list (rendered by
api.cards.activity_card), with its category slugs and its next sessions.

The searches choose the rows and this reads their cards, in a query of its own: the same for
every page, it is prepared once per connection, where planning the cards together with a
search cost more than reading them. On PostgreSQL that query also brings the activity's own
copy of its category ids (migration 0010) and its next sessions as one JSON array from the
(activity, start) index; SQLite reads both for the whole page afterwards, one query each.
"""

from __future__ import annotations

import datetime

from activities import geo, taxonomy
from activities.search.sql import (
    ACTIVITY,
    ACTIVITY_CATEGORIES,
    CANCELLED,
    OCCURRENCE,
    ORGANIZATION,
    PLACE,
    db_datetime,
    fetch,
    fetch_prepared,
    is_postgres,
    placeholders,
    read_datetime,
)

# What a card shows, in the order of the columns read back (then its category ids and next
# sessions).
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
_CARD_NAMES = (
    *(
        column.replace("a.", "", 1).replace("org.", "org_").replace("p.", "place_")
        for column in CARD_COLUMNS
    ),
    "category_ids",
    "next_occurrences",
)


def activity_cards(ids: list[int], *, now: datetime.datetime) -> list[dict]:
    """The cards of these activities, in the order of `ids` (those that no longer exist left
    out), each with its categories and its next sessions from `now`; no distance
    (`distance_km` None, `serves_point` False: `locate` sets them). A constant number of
    queries, whatever the ids."""
    found = cards_by_id(ids, now)
    return cards_of_rows([found[pk] for pk in dict.fromkeys(ids) if pk in found], now=now)


def cards_of_rows(rows: list[tuple], *, now: datetime.datetime) -> list[dict]:
    """Cards from rows of the card's columns (`card_columns`), once per activity, in the order
    of the rows; on SQLite, their categories and next sessions are read here, in one query
    each."""
    cards = {}
    for row in rows:
        if row[0] not in cards:
            card = dict(zip(_CARD_NAMES, row, strict=True))
            card["updated_at"] = read_datetime(card["updated_at"])
            locate(card, None, serves_point=False)
            cards[row[0]] = card
    _attach_categories(list(cards.values()))
    _attach_sessions(list(cards.values()), now=now)
    return list(cards.values())


def card_columns(now: datetime.datetime) -> tuple[str, list]:
    """The card's select list over `a` joined by CARD_JOINS, with its arguments: the columns
    of CARD_COLUMNS then, on PostgreSQL, the category ids and the next sessions from `now` as
    one JSON array from the (activity, start) index (NULLs on SQLite, read by
    `cards_of_rows`). A search selects it with its own rows to read its cards in the same
    query."""
    columns = ", ".join(CARD_COLUMNS)
    if not is_postgres():
        return f"{columns}, NULL, NULL", []
    sessions = (
        'SELECT coalesce(json_agg(json_build_array(n.id, n.start, n."end", n.status) '
        "ORDER BY n.start, n.id), '[]') FROM ("
        f'SELECT id, start, "end", status FROM "{OCCURRENCE}" '
        "WHERE activity_id = a.id AND start >= %s AND status <> %s "
        "ORDER BY start, id LIMIT %s) n"
    )
    return f"{columns}, a.category_ids, ({sessions})", [
        db_datetime(now),
        CANCELLED,
        NEXT_SESSIONS,
    ]


def locate(card: dict, point: tuple[float, float] | None, *, serves_point: bool) -> None:
    """Sets whether the activity serves the point searched from afar (online, at home, by
    phone) and, for a venue searched around a point, its distance from it."""
    card["serves_point"] = serves_point
    if point and card["place_lat"] is not None and not serves_point:
        card["distance_km"] = geo.distance_km(*point, card["place_lat"], card["place_lng"])
    else:
        card["distance_km"] = None


def cards_by_id(ids: list[int], now: datetime.datetime) -> dict[int, tuple]:
    """The card rows (`card_columns`) of these activities, by id."""
    if not ids:
        return {}
    columns, args = card_columns(now)
    if not is_postgres():
        rows = fetch(
            f'SELECT {columns} FROM "{ACTIVITY}" a {CARD_JOINS} WHERE a.id IN {placeholders(ids)}',
            [*args, *ids],
        )
    else:
        rows = fetch_prepared(
            f'SELECT {columns} FROM unnest(%s::bigint[]) AS k(id) JOIN "{ACTIVITY}" a '
            f"ON a.id = k.id {CARD_JOINS}",
            [*args, ids],
        )
    return {row[0]: row for row in rows}


def _attach_categories(cards: list[dict]) -> None:
    """Each card's category slugs (by category id), read with the card on PostgreSQL and in
    one query for the page on SQLite."""
    unread = {card["id"]: card for card in cards if card["category_ids"] is None}
    if unread:
        for card in unread.values():
            card["category_ids"] = []
        for activity_id, category_id in fetch(
            f'SELECT activity_id, category_id FROM "{ACTIVITY_CATEGORIES}" '
            f"WHERE activity_id IN {placeholders(unread)} ORDER BY category_id",
            list(unread),
        ):
            unread[activity_id]["category_ids"].append(category_id)
    slugs = taxonomy.current().slug_of
    for card in cards:
        card["categories"] = [slugs[pk] for pk in sorted(card.pop("category_ids"))]


def _attach_sessions(cards: list[dict], *, now: datetime.datetime) -> None:
    """Each card's next sessions (not cancelled), read with the card on PostgreSQL and in one
    query for the page on SQLite."""
    unread = {card["id"]: card for card in cards if card["next_occurrences"] is None}
    if unread:
        for card in unread.values():
            card["next_occurrences"] = []
        for row in fetch(
            'SELECT activity_id, id, start, "end", status FROM ('
            'SELECT activity_id, id, start, "end", status, ROW_NUMBER() OVER '
            "(PARTITION BY activity_id ORDER BY start, id) AS n "
            f'FROM "{OCCURRENCE}" WHERE activity_id IN {placeholders(unread)} AND start >= %s '
            "AND status <> %s) s WHERE n <= %s ORDER BY activity_id, start, id",
            [*unread, db_datetime(now), CANCELLED, NEXT_SESSIONS],
        ):
            unread[row[0]]["next_occurrences"].append(row[1:])
    for card in cards:
        card["next_occurrences"] = [
            {"id": pk, "start": read_datetime(start), "end": read_datetime(end), "status": status}
            for pk, start, end, status in card["next_occurrences"]
        ]
