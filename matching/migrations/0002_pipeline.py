"""The ids of each set's items, so that a publication reads thousands of sets without their
items, with a GIN index on PostgreSQL to find the sets that list a given activity; and an
index on the residents' homes for who is within reach of a venue."""

from django.db import migrations, models

from activities.pg import postgres_only

GIN = [
    "CREATE INDEX IF NOT EXISTS recommendationset_activity_ids_gin "
    "ON matching_recommendationset USING gin (activity_ids jsonb_path_ops)"
]
NO_GIN = ["DROP INDEX IF EXISTS recommendationset_activity_ids_gin"]


def fill_activity_ids(apps, schema_editor):
    RecommendationSet = apps.get_model("matching", "RecommendationSet")
    rows = list(RecommendationSet.objects.only("id", "items"))
    for row in rows:
        row.activity_ids = [item["activity"] for item in row.items]
    RecommendationSet.objects.bulk_update(rows, ["activity_ids"], batch_size=1000)


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
        migrations.AddIndex(
            model_name="residentprofile",
            index=models.Index(fields=["home_lat", "home_lng"], name="resident_home_lat_lng"),
        ),
    ]
