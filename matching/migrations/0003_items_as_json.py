"""A set's items kept as PostgreSQL `json` rather than `jsonb` (see JSONDocumentField)."""

from django.db import migrations

import matching.models


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0002_pipeline"),
    ]

    operations = [
        migrations.AlterField(
            model_name="recommendationset",
            name="items",
            field=matching.models.JSONDocumentField(default=list),
        ),
    ]
