"""SQLite, the embedded default: an FTS5 index of the activities' stemmed, unaccented words,
its vocabulary (for typos) and the triggers keeping it in step (activities.search.text_sqlite).

Nothing happens on PostgreSQL, whose text search is migrations 0004 and 0006.
"""

from django.db import migrations

from activities.search.text_sqlite import drop_index, ensure_index, register_functions


def forward(apps, schema_editor) -> None:
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    connection.ensure_connection()
    register_functions(connection.connection)
    with connection.cursor() as cursor:
        ensure_index(cursor)


def backward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        drop_index(cursor)


class Migration(migrations.Migration):
    dependencies = [("activities", "0011_postgres_category_tree_index")]

    operations = [migrations.RunPython(forward, backward)]
