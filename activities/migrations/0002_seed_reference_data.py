from django.db import migrations

from activities.seed import seed_categories, seed_territories


class Migration(migrations.Migration):
    dependencies = [("activities", "0001_initial")]

    operations = [
        migrations.RunPython(seed_categories, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(seed_territories, migrations.RunPython.noop, elidable=False),
    ]
