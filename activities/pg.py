"""Helpers for migrations that only concern PostgreSQL."""


def postgres_only(statements: list[str]):
    """A RunPython function executing the SQL statements on PostgreSQL, nothing elsewhere."""

    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run
