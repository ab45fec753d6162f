"""PostgreSQL search: contrib extensions, a French unaccented text configuration, and the
indexes behind nearest-first geo search, full-text search and typo-tolerant matching.

Nothing happens on other databases (SQLite uses the portable fallbacks of activities/search/).
"""

from django.db import migrations

from activities.pg import postgres_only

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE EXTENSION IF NOT EXISTS cube",
    "CREATE EXTENSION IF NOT EXISTS earthdistance",
    # unaccent() is only STABLE (it reads its dictionary); indexes need an IMMUTABLE function.
    """
    CREATE OR REPLACE FUNCTION relier_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$
    """,
    """
    DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'french_unaccent') THEN
            CREATE TEXT SEARCH CONFIGURATION french_unaccent (COPY = french);
            ALTER TEXT SEARCH CONFIGURATION french_unaccent
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
        END IF;
    END $$
    """,
    # Nearest-first search over published activities with a venue.
    """
    CREATE INDEX IF NOT EXISTS activity_published_earth_gist
    ON activities_activity USING gist (ll_to_earth(lat, lng))
    WHERE status = 'published' AND lat IS NOT NULL
    """,
    """
    CREATE INDEX IF NOT EXISTS activity_published_fts_gin
    ON activities_activity USING gin (
        to_tsvector('french_unaccent'::regconfig,
                    title || ' ' || summary || ' ' || description)
    )
    WHERE status = 'published'
    """,
    """
    CREATE INDEX IF NOT EXISTS activity_published_title_trgm
    ON activities_activity USING gin (relier_unaccent(lower(title || ' ' || summary)) gin_trgm_ops)
    WHERE status = 'published'
    """,
]

BACKWARD = [
    "DROP INDEX IF EXISTS activity_published_title_trgm",
    "DROP INDEX IF EXISTS activity_published_fts_gin",
    "DROP INDEX IF EXISTS activity_published_earth_gist",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS french_unaccent",
    "DROP FUNCTION IF EXISTS relier_unaccent(text)",
]


class Migration(migrations.Migration):
    dependencies = [("activities", "0003_activity_search_fields")]

    operations = [migrations.RunPython(postgres_only(FORWARD), postgres_only(BACKWARD))]
