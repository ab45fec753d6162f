"""The embedded default's text search: an SQLite FTS5 index of the activities' stemmed words,
kept by triggers, and the MATCH expression of a search's words.

The index (`activities_activity_fts`, rowid = activity id) holds `text.document(title,
summary, description)`: unaccented French stems, which its `unicode61 remove_diacritics 2`
tokenizer splits back into words. Triggers on the activity table keep it in step with every
write, whoever writes (services, admin, imports, bulk updates), by calling that Python
function, which each SQLite connection is given when it opens (`register_functions`). The
triggers go with the table when a migration rebuilds it (as SQLite's schema editor does for
most changes), so they are created again, and the index rebuilt, after every migrate
(`ensure_index`, from the app's post_migrate receiver and migration 0012).

Typos: `fts5vocab` lists the index's stems; a word whose stem is not there is replaced by the
nearest stems of the vocabulary it may be a typo of (`text.typo_candidates`).
"""

from __future__ import annotations

from activities.search import text

FTS_TABLE = "activities_activity_fts"
VOCABULARY = "activities_activity_fts_vocab"
DOCUMENT_FUNCTION = "relier_search_document"
_ACTIVITY = "activities_activity"
_DOCUMENT = f"{DOCUMENT_FUNCTION}(new.title, new.summary, new.description)"
# A bound query holds at most 999 parameters on older SQLite builds.
_LOOKUP_CHUNK = 900

_TRIGGERS = {
    "activities_activity_fts_insert": (
        f"AFTER INSERT ON {_ACTIVITY} BEGIN "
        f"INSERT INTO {FTS_TABLE}(rowid, words) VALUES (new.id, {_DOCUMENT}); END"
    ),
    "activities_activity_fts_update": (
        f"AFTER UPDATE OF title, summary, description ON {_ACTIVITY} "
        "WHEN old.title IS NOT new.title OR old.summary IS NOT new.summary "
        "OR old.description IS NOT new.description BEGIN "
        f"UPDATE {FTS_TABLE} SET words = {_DOCUMENT} WHERE rowid = new.id; END"
    ),
    "activities_activity_fts_delete": (
        f"AFTER DELETE ON {_ACTIVITY} BEGIN DELETE FROM {FTS_TABLE} WHERE rowid = old.id; END"
    ),
}


def register_functions(connection) -> None:
    """Give an SQLite connection (a DB-API one) the function the triggers call."""
    connection.create_function(DOCUMENT_FUNCTION, 3, text.document, deterministic=True)


def ensure_index(cursor) -> bool:
    """Create the index, its vocabulary and its triggers where missing, and fill the index
    again from the activities when a trigger was missing (the index may have missed writes).
    Returns whether it was filled again."""
    cursor.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} "
        "USING fts5(words, tokenize = 'unicode61 remove_diacritics 2')"
    )
    cursor.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {VOCABULARY} USING fts5vocab({FTS_TABLE}, 'row')"
    )
    cursor.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [_ACTIVITY]
    )
    present = {row[0] for row in cursor.fetchall()}
    missing = [name for name in _TRIGGERS if name not in present]
    for name in missing:
        cursor.execute(f"CREATE TRIGGER {name} {_TRIGGERS[name]}")
    if missing:
        cursor.execute(f"DELETE FROM {FTS_TABLE}")
        cursor.execute(
            f"INSERT INTO {FTS_TABLE}(rowid, words) SELECT id, "
            f"{DOCUMENT_FUNCTION}(title, summary, description) FROM {_ACTIVITY}"
        )
    return bool(missing)


def drop_index(cursor) -> None:
    for name in _TRIGGERS:
        cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
    cursor.execute(f"DROP TABLE IF EXISTS {VOCABULARY}")
    cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def _quoted(stem: str) -> str:
    return '"' + stem.replace('"', '""') + '"'


def match_expression(q: str, *, typos: bool, fetch) -> str | None:
    """The FTS5 query of the words `q`: every word's stem (AND); with `typos`, a stem the
    index does not hold is replaced by the nearest it holds that it may be a typo of (OR). None
    when nothing can match (only stop words, or a typo of nothing known).

    `fetch(sql, args)` reads rows (the vocabulary, when forgiving typos)."""
    stems = list(dict.fromkeys(text.stems(q)))
    if not stems:
        return None
    if not typos:
        return " AND ".join(_quoted(stem) for stem in stems)
    candidates = {stem: text.typo_candidates(stem) for stem in stems}
    known = _known(set(stems).union(*(c for tiers in candidates.values() for c in tiers)), fetch)
    terms = []
    for stem in stems:
        tiers = ({stem}, *candidates[stem])
        meant = next((sorted(tier & known) for tier in tiers if tier & known), None)
        if meant is None:
            return None
        terms.append("(" + " OR ".join(_quoted(m) for m in meant) + ")")
    return " AND ".join(terms)


def _known(stems: set[str], fetch) -> set[str]:
    """The stems the index holds, among `stems`."""
    ordered, found = sorted(stems), set()
    for start in range(0, len(ordered), _LOOKUP_CHUNK):
        chunk = ordered[start : start + _LOOKUP_CHUNK]
        marks = ", ".join(["%s"] * len(chunk))
        rows = fetch(f"SELECT term FROM {VOCABULARY} WHERE term IN ({marks})", chunk)
        found.update(row[0] for row in rows)
    return found
