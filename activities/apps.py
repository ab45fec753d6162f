from django.apps import AppConfig
from django.db import connections
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from activities.search.text_sqlite import ensure_index, register_functions


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = _("Directory")

    def ready(self) -> None:
        from activities import receivers, taxonomy  # noqa: F401  (connect their receivers)

        connection_created.connect(_sqlite_functions, dispatch_uid="activities.sqlite_functions")
        post_migrate.connect(_sqlite_text_index, sender=self, dispatch_uid="activities.fts")


def _sqlite_functions(sender, connection, **kwargs) -> None:
    """The embedded default's text-search triggers call Python (activities.search.text_sqlite)."""
    if connection.vendor == "sqlite":
        register_functions(connection.connection)


def _sqlite_text_index(sender, using, **kwargs) -> None:
    """A migration that rebuilds the activity table drops its triggers: put them back."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        ensure_index(cursor)
