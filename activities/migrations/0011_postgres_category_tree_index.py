"""PostgreSQL: the nearest-first covering index (0007, 0010) keys the activity's category ids
too, through contrib's intarray (gist__int_ops), so a category condition prunes the walk.

With the ids only included (0010), "5 km + a leaf category + a day" in a dense area walked
every activity nearest first and dropped those of other categories one by one: 6,000 to 13,000
index entries for a page, 11-24 ms. Keyed, each subtree knows the union of its categories and
is skipped when it holds none of those asked (measured at N = 1M: the same queries read 100 to
350 entries, 2-6 ms; searches without a category are unchanged). The ids stay included as
well: a keyed intarray column cannot be read back from the index, an included one can, so the
walk stays an index-only scan.

intarray's `&&` on integer[] replaces the built-in one for that type; category_ids is the only
integer[] column.
"""

from django.db import migrations

from activities.pg import postgres_only

COVERING = """
    CREATE INDEX IF NOT EXISTS activity_published_earth_covering
    ON activities_activity USING gist (ll_to_earth(lat, lng){key})
    INCLUDE (id, lat, lng, next_start, weekly_slots, kind, attendance_mode, is_free, category_ids)
    WHERE status = 'published' AND lat IS NOT NULL
"""

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS intarray",
    "DROP INDEX IF EXISTS activity_published_earth_covering",
    COVERING.format(key=", category_ids gist__int_ops"),
]
BACKWARD = [
    "DROP INDEX IF EXISTS activity_published_earth_covering",
    COVERING.format(key=""),
    "DROP EXTENSION IF EXISTS intarray",
]


class Migration(migrations.Migration):
    dependencies = [("activities", "0010_postgres_activity_category_ids")]

    operations = [migrations.RunPython(postgres_only(FORWARD), postgres_only(BACKWARD))]
