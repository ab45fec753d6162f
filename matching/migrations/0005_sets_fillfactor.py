"""Half of each page of the sets' table left free on PostgreSQL (fillfactor 50), so that a
set rewritten with the same activities in the same order (a full refresh of an unchanged
directory, or scores that drifted without reordering the list) is a heap-only update: the
new row goes next to the old one and no index changes (neither the GIN index of
`activity_ids` nor the two B-trees). Rewriting 27,000 unchanged lists of the 1,000,000-set
bench table took 53-64 µs of PostgreSQL CPU per set instead of 98-104 µs, and 170 bytes of
WAL instead of 2.0-5.9 kB (see docs/benchmarks.md). Pages already written keep theirs until they
are rewritten (`VACUUM FULL matching_recommendationset` rewrites them all at once)."""

from django.db import migrations

from activities.pg import postgres_only

TABLE = "matching_recommendationset"


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0004_items_lz4"),
    ]

    operations = [
        migrations.RunPython(
            postgres_only([f"ALTER TABLE {TABLE} SET (fillfactor = 50)"]),
            postgres_only([f"ALTER TABLE {TABLE} RESET (fillfactor)"]),
        ),
    ]
