"""PostgreSQL: each activity carries the ids of its categories, and the nearest-first covering
index (0007) carries them too, so "5 km + a category" is tested on the index entry instead of
probing the category links of every activity walked (a leaf category is about 1 % of the
activities: a dense area walks thousands of them for a page).

A trigger on the links keeps the array right for every writer. Like the search columns (0006),
the column exists only on PostgreSQL and is invisible to the ORM.
"""

from django.db import migrations

from activities.pg import postgres_only

COVERING = """
    CREATE INDEX IF NOT EXISTS activity_published_earth_covering
    ON activities_activity USING gist (ll_to_earth(lat, lng))
    INCLUDE (id, lat, lng, next_start, weekly_slots, kind, attendance_mode, is_free{extra})
    WHERE status = 'published' AND lat IS NOT NULL
"""

FORWARD = [
    "DROP INDEX IF EXISTS activity_published_earth_covering",  # rebuilt below, not updated
    """
    ALTER TABLE activities_activity
    ADD COLUMN IF NOT EXISTS category_ids integer[] NOT NULL DEFAULT '{}'
    """,
    """
    UPDATE activities_activity a SET category_ids = linked.ids
    FROM (
        SELECT activity_id, array_agg(category_id ORDER BY category_id) AS ids
        FROM activities_activity_categories GROUP BY activity_id
    ) linked
    WHERE a.id = linked.activity_id
    """,
    """
    CREATE OR REPLACE FUNCTION relier_activity_categories() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        changed bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.activity_id ELSE NEW.activity_id END;
    BEGIN
        UPDATE activities_activity SET category_ids = coalesce((
            SELECT array_agg(category_id ORDER BY category_id)
            FROM activities_activity_categories WHERE activity_id = changed
        ), '{}')
        WHERE id = changed;
        IF TG_OP = 'UPDATE' AND OLD.activity_id <> NEW.activity_id THEN
            UPDATE activities_activity SET category_ids = coalesce((
                SELECT array_agg(category_id ORDER BY category_id)
                FROM activities_activity_categories WHERE activity_id = OLD.activity_id
            ), '{}')
            WHERE id = OLD.activity_id;
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE OR REPLACE TRIGGER activity_categories_changed
    AFTER INSERT OR UPDATE OR DELETE ON activities_activity_categories
    FOR EACH ROW EXECUTE FUNCTION relier_activity_categories()
    """,
    COVERING.format(extra=", category_ids"),
]
BACKWARD = [
    "DROP INDEX IF EXISTS activity_published_earth_covering",
    COVERING.format(extra=""),
    "DROP TRIGGER IF EXISTS activity_categories_changed ON activities_activity_categories",
    "DROP FUNCTION IF EXISTS relier_activity_categories()",
    "ALTER TABLE activities_activity DROP COLUMN IF EXISTS category_ids",
]


class Migration(migrations.Migration):
    dependencies = [("activities", "0009_postgres_session_cells")]

    operations = [migrations.RunPython(postgres_only(FORWARD), postgres_only(BACKWARD))]
