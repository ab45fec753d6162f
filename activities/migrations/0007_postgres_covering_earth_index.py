"""PostgreSQL: the nearest-first index carries the columns a point search filters on, so the
search picks its rows from the index alone (an index-only scan) and reads the table only for the
page it returns. Measured on 1,000,000 activities, 5 km around Paris with a weekday: 7.6 ms
instead of 90-145 ms, where the table rows of the 31,000 activities in the circle were read.
"""

from django.db import migrations

from activities.pg import postgres_only

FORWARD = [
    "DROP INDEX IF EXISTS activity_published_earth_gist",
    """
    CREATE INDEX IF NOT EXISTS activity_published_earth_covering
    ON activities_activity USING gist (ll_to_earth(lat, lng))
    INCLUDE (id, lat, lng, next_start, weekly_slots, kind, attendance_mode, is_free)
    WHERE status = 'published' AND lat IS NOT NULL
    """,
]
BACKWARD = [
    "DROP INDEX IF EXISTS activity_published_earth_covering",
    """
    CREATE INDEX IF NOT EXISTS activity_published_earth_gist
    ON activities_activity USING gist (ll_to_earth(lat, lng))
    WHERE status = 'published' AND lat IS NOT NULL
    """,
]


class Migration(migrations.Migration):
    dependencies = [("activities", "0006_postgres_stored_search_columns")]

    operations = [migrations.RunPython(postgres_only(FORWARD), postgres_only(BACKWARD))]
