"""The audit trail of rows the directory writes in bulk (`activities.signals.created_in_bulk`):
django-simple-history writes a historical row on each `post_save`, which `bulk_create` does not
send, so the rows written at once get theirs here, at once, in the same transaction."""

from django.apps import apps
from django.dispatch import receiver

from activities import signals as directory


@receiver(directory.created_in_bulk, dispatch_uid="curation.history_of_bulk")
def _history_of_bulk(sender, instances, by, **kwargs) -> None:
    manager = getattr(sender, "history", None)
    if manager is None or not instances:
        return
    records = manager.bulk_history_create(instances, default_user=by)
    history = manager.model
    for field in getattr(history, "_history_m2m_fields", ()):
        through = getattr(sender, field.name).through
        owner = next(f.name for f in through._meta.fields if f.related_model is sender)
        rows_model = apps.get_model(history._meta.app_label, f"{history.__name__}_{field.name}")
        record_of = {record.id: record for record in records}
        rows = through.objects.filter(**{f"{owner}__in": list(record_of)})
        rows_model.objects.bulk_create(
            rows_model(
                history=record_of[getattr(row, f"{owner}_id")],
                **{f.attname: getattr(row, f.attname) for f in through._meta.fields},
            )
            for row in rows
        )
