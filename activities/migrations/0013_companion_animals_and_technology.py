"""Two kinds of social connection the WHO's 2025 resolution on social connection names beside
friendship programmes and peer groups: companion animals and companion technology, with their
sub-categories (activities/data/taxonomy.json, seeded again: existing categories keep their
ids, the new ones are added)."""

from django.db import migrations

from activities.seed import seed_categories


class Migration(migrations.Migration):
    dependencies = [("activities", "0012_sqlite_text_search")]

    operations = [migrations.RunPython(seed_categories, migrations.RunPython.noop, elidable=False)]
