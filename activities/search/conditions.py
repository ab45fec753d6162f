"""The search parameters as an SQL WHERE over the activity (`a`), one condition per parameter,
shared by both searches and both databases.

A condition that reads the activity's organization (`org`) or place (`p`) says so on the query
(`Query.needs_organization`, `Query.needs_place`), and `Query.tables` joins only those: alone,
the activity's covering index can answer without reading the table.

PostgreSQL matches words by full-text search with the French configuration and unaccent
(stored generated columns, migration 0006, indexed with GIN) and, only when they match
nothing, by trigram word similarity (`with_typo_fallback` in activities.search.page): OR-ed
with every query, the similarity's index scan would cost more than the rest of the search.
SQLite, the embedded default, matches the same stems in an FTS5 index, forgiving typos in the
same second look (activities.search.text_sqlite), and gets a bounding-box prefilter on indexed
coordinates.
"""

from __future__ import annotations

import dataclasses

from activities import choices, geo, taxonomy
from activities.filters import SearchParams
from activities.search.geo_sql import BOX_MARGIN, circle_box_sql, distance_sql
from activities.search.sql import (
    ACTIVITY,
    ACTIVITY_CATEGORIES,
    CANCELLED,
    OCCURRENCE,
    ORGANIZATION,
    PLACE,
    REMOTE_MODES,
    SERVICE_AREA,
    db_datetime,
    fetch,
    is_postgres,
    placeholders,
)
from activities.search.text_sqlite import FTS_TABLE, match_expression
from activities.territories import territories_at, territories_named

_TSQUERY = "websearch_to_tsquery('french_unaccent'::regconfig, %s)"
_WORDS_MATCH = f"a.search_vector @@ {_TSQUERY}"
_TYPOS_MATCH = "a.search_text %%> relier_unaccent(lower(%s))"
WORDS_RELEVANCE = f"ts_rank(a.search_vector, {_TSQUERY})"
TYPOS_RELEVANCE = "word_similarity(relier_unaccent(lower(%s)), a.search_text)"


@dataclasses.dataclass
class Query:
    """WHERE clauses with their parameters, in order, and the tables they read besides the
    activity."""

    where: list[str] = dataclasses.field(default_factory=list)
    args: list = dataclasses.field(default_factory=list)
    needs_organization: bool = False
    needs_place: bool = False

    def add(self, clause: str, *args) -> None:
        self.where.append(clause)
        self.args.extend(args)

    @property
    def where_sql(self) -> str:
        return " AND ".join(self.where) or "TRUE"

    @property
    def tables(self) -> str:
        """The activity table (`a`), joined to its organization or place where a clause
        needs them."""
        joins = [f'"{ACTIVITY}" a']
        if self.needs_organization:
            joins.append(f'JOIN "{ORGANIZATION}" org ON org.id = a.organization_id')
        if self.needs_place:
            joins.append(f'LEFT JOIN "{PLACE}" p ON p.id = a.place_id')
        return " ".join(joins)


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
            match = match_expression(params.q, typos=params.typos, fetch=fetch)
            if match is None:
                query.add("FALSE")
            else:
                query.add(
                    f"a.id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)", match
                )
    if params.point:
        near = Query()
        if venues:
            lat, lng = params.point
            radius = params.radius
            # The box is what bounds a nearest-first walk of the GiST indexes to the circle.
            if postgres:
                box, box_args = circle_box_sql(lat, lng, radius)
                near.add(f"a.lat IS NOT NULL AND {box} @> ll_to_earth(a.lat, a.lng)", *box_args)
            else:
                min_lat, max_lat, min_lng, max_lng = geo.bounding_box(lat, lng, radius * BOX_MARGIN)
                near.add("a.lat BETWEEN %s AND %s AND a.lng BETWEEN %s AND %s")
                near.args += [min_lat, max_lat, min_lng, max_lng]
            distance, args = distance_sql(lat, lng)
            near.add(f"{distance} <= %s", *args, radius)
        clauses = [f"({near.where_sql})"] if near.where else []
        if remote_ids:
            clauses.append(f"a.id IN {placeholders(remote_ids)}")
        query.add(f"({' OR '.join(clauses) or 'FALSE'})", *near.args, *remote_ids)
    if params.category:
        known = taxonomy.current()
        ids = sorted({pk for slug in params.category for pk in known.ids_under(slug)})
        if postgres:  # the activity's own copy of its category ids (migration 0010)
            query.add("a.category_ids && %s::integer[]", ids)
        else:
            query.add(
                f'EXISTS (SELECT 1 FROM "{ACTIVITY_CATEGORIES}" ac '
                f"WHERE ac.activity_id = a.id AND ac.category_id IN {placeholders(ids)})",
                *ids,
            )
    if params.kind:
        query.add(f"a.kind IN {placeholders(params.kind)}", *params.kind)
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
        modes = params.attendance_mode
        query.add(f"a.attendance_mode IN {placeholders(modes)}", *modes)
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
            f"(a.attendance_mode IN {placeholders(REMOTE_MODES)} "
            f"OR p.wheelchair IN {placeholders(levels)})",
            *REMOTE_MODES,
            *levels,
        )
        query.needs_place = True
    for flag in params.accessibility:
        query.add(f"p.{flag}_support = %s", True)
        query.needs_place = True
    if params.age is not None:
        query.add(
            "(a.age_min IS NULL OR a.age_min <= %s) AND (a.age_max IS NULL OR a.age_max >= %s)",
            params.age,
            params.age,
        )
    if params.organization:
        query.add("org.slug = %s", params.organization)
        query.needs_organization = True
    if params.territory:
        ids = territories_named(params.territory) or [0]
        query.add(
            f"(a.territory_id IN {placeholders(ids)} OR EXISTS (SELECT 1 FROM "
            f'"{SERVICE_AREA}" sa WHERE sa.activity_id = a.id '
            f"AND sa.territory_id IN {placeholders(ids)}))",
            *ids,
            *ids,
        )
    if params.updated_since:
        query.add("a.updated_at > %s", db_datetime(params.updated_since))
    if params.activity_ids is not None:
        if not params.activity_ids:
            query.add("FALSE")
        elif postgres:  # one array argument: the prepared plan does not depend on how many
            query.add("a.id = ANY(%s::bigint[])", list(params.activity_ids))
        else:
            query.add(f"a.id IN {placeholders(params.activity_ids)}", *params.activity_ids)
    return query


def remote_serving(params: SearchParams) -> tuple[int, ...]:
    """Online, at-home and phone activities whose service area holds the point searched."""
    if not params.point:
        return ()
    territories = territories_at(lat=params.point[0], lng=params.point[1])
    if not territories:
        return ()
    rows = fetch(
        f'SELECT DISTINCT sa.activity_id FROM "{SERVICE_AREA}" sa '
        f'JOIN "{ACTIVITY}" a ON a.id = sa.activity_id '
        f"WHERE sa.territory_id IN {placeholders(territories)} AND a.attendance_mode IN "
        f"{placeholders(REMOTE_MODES)} ORDER BY sa.activity_id",
        [*territories, *REMOTE_MODES],
    )
    return tuple(row[0] for row in rows)
