"""The resident search (activities and their sessions) as SQL, with one interface over two
databases.

The search is the hottest read of the API, so it is written as SQL with bound parameters rather
than built through the ORM: composing and compiling the equivalent QuerySet cost several times
the query itself. PostgreSQL uses its contrib extensions (migration 0004): cube +
earthdistance for an index-backed nearest-first query, full-text search with the French
configuration and unaccent, pg_trgm word similarity for typos, and intarray (migration 0011)
for the category ids in the nearest-first index. SQLite, the embedded default, gets portable
fallbacks.

One module per reason to change:
- `conditions`: the search parameters as a WHERE, and the joins they need;
- `keyset`: the sort keys of each ordering, cursors, "strictly after the last row seen";
- `activity_search`, `session_search`: the two searches, choosing a page's rows;
- `cards`: an activity's card read by id, with its categories and next sessions;
- `page`: what a search returns, and its second look forgiving typos;
- `geo_sql`: distances and earthdistance literals; `sql`: running SQL on either database.

Callers go through activities.selectors.
"""
