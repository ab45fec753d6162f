"""The ids of each set's items, with a GIN index on PostgreSQL to find the sets that list a
given activity (what a publication, a change or a withdrawal looks for)."""

from django.db import migrations, models

from activities.pg import postgres_only

GIN = [
    "CREATE INDEX IF NOT EXISTS recommendationset_activity_ids_gin "
    "ON matching_recommendationset USING gin (activity_ids jsonb_path_ops)"
]
NO_GIN = ["DROP INDEX IF EXISTS recommendationset_activity_ids_gin"]


def fill_activity_ids(apps, schema_editor):
    """Sets written before: their ids from their items, a batch at a time."""
    RecommendationSet = apps.get_model("matching", "RecommendationSet")
    batch = []
    for row in RecommendationSet.objects.only("id", "items").iterator(chunk_size=2000):
        row.activity_ids = [item["activity"] for item in row.items]
        batch.append(row)
        if len(batch) == 2000:
            RecommendationSet.objects.bulk_update(batch, ["activity_ids"])
            batch = []
    RecommendationSet.objects.bulk_update(batch, ["activity_ids"])


class Migration(migrations.Migration):

    dependencies = [
        ("matching", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="recommendationset",
            name="activity_ids",
            field=models.JSONField(default=list),
        ),
        migrations.RunPython(fill_activity_ids, migrations.RunPython.noop),
        migrations.RunPython(postgres_only(GIN), postgres_only(NO_GIN)),
    ]
