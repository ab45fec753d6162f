"""Keyset paging: the sort keys of each ordering, and "strictly after the last row seen".

A page ends on the sort key of its last row, and the next page starts strictly after it
(`after`), so a page costs the same however deep it is and rows inserted meanwhile are neither
skipped nor repeated. Every ordering ends with the id, so that every row has its own place.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import math

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from activities.filters import SearchParams
from activities.search.conditions import TYPOS_RELEVANCE, WORDS_RELEVANCE
from activities.search.geo_sql import distance_sql, knn_sql
from activities.search.sql import db_datetime, is_postgres
from backend.errors import ValidationFailed

# The range of the ids a cursor may carry (64-bit keys): larger numbers are not ours.
_MAX_ID = 2**63 - 1

ASC, DESC = "ASC", "DESC"


@dataclasses.dataclass(frozen=True)
class SortKey:
    sql: str
    args: tuple
    direction: str
    kind: type = float  # of the value a cursor carries: float, int or datetime

    def decode(self, value):
        """A cursor's value for this key, checked: a tampered cursor is a 400, not a 500."""
        if isinstance(value, bool):
            raise invalid_cursor()
        if self.kind is datetime.datetime and isinstance(value, str):
            try:
                moment = parse_datetime(value.replace(" ", "T"))
                if moment is not None:
                    aware = moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)
                    return db_datetime(aware)
            except (ValueError, OverflowError):
                pass
        elif self.kind is int and isinstance(value, int) and abs(value) <= _MAX_ID:
            return value
        elif self.kind is float and isinstance(value, int | float) and math.isfinite(value):
            return float(value)
        raise invalid_cursor()


def invalid_cursor() -> ValidationFailed:
    """A page cursor the server did not make (tampered, truncated, from another ordering):
    the same 400 on every paginated list, the searches' and the others' (api.pagination)."""
    message = _("Invalid cursor: follow the next link of the previous page.")
    return ValidationFailed(message, code="invalid_cursor", fields={"cursor": [message]})


def decode_after(keys: list[SortKey], after: list) -> list:
    """A cursor's key values, one per sort key, checked and ready for keyset_sql."""
    if len(after) != len(keys):
        raise invalid_cursor()
    return [key.decode(value) for key, value in zip(keys, after, strict=True)]


def sort_keys(ordering: str, params: SearchParams) -> list[SortKey]:
    """The keys of an activity search ordering, the activity id last."""
    if ordering == "distance":
        lat, lng = params.point
        expression, args = knn_sql(lat, lng) if is_postgres() else distance_sql(lat, lng)
        first = SortKey(expression, tuple(args), ASC)
    elif ordering == "relevance":
        relevance = TYPOS_RELEVANCE if params.typos else WORDS_RELEVANCE
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


def order_sql(keys: list[SortKey]) -> tuple[str, list]:
    return ", ".join(f"{key.sql} {key.direction}" for key in keys), [
        arg for key in keys for arg in key.args
    ]


def key_value(value):
    """A sort key value as the cursor carries it (JSON)."""
    return value.isoformat() if isinstance(value, datetime.datetime) else value


def in_key_order(rows: list[tuple], keys: list[SortKey]) -> None:
    """Sorts rows of (id, *values of every key but the id) in the order of `keys`."""
    descending = [key.direction == DESC for key in keys]
    rows.sort(key=lambda row: _sortable((*row[1:], row[0]), descending))


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
