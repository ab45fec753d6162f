"""Celery interfaces of the directory: ids in, services do the work."""

from celery import shared_task
from django.db import transaction

from activities import choices
from activities.models import Activity
from activities.services.occurrences import occurrences_materialize

# Activities whose sessions are kept materialized: everything not withdrawn.
LIVE_STATUSES = (
    choices.ActivityStatus.DRAFT,
    choices.ActivityStatus.PENDING,
    choices.ActivityStatus.PUBLISHED,
)
CHUNK_SIZE = 200


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def occurrences_materialize_task(activity_ids: list[int]) -> int:
    """Roll the window forward for these activities. Idempotent."""
    done = 0
    for activity in Activity.objects.filter(pk__in=activity_ids, status__in=LIVE_STATUSES):
        with transaction.atomic():
            occurrences_materialize(activity=activity)
        done += 1
    return done


@shared_task(acks_late=True)
def occurrences_roll_window_task() -> int:
    """Daily: split every live activity into chunks any number of workers can take."""
    ids = list(
        Activity.objects.filter(status__in=LIVE_STATUSES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    chunks = [ids[i : i + CHUNK_SIZE] for i in range(0, len(ids), CHUNK_SIZE)]
    for chunk in chunks:
        occurrences_materialize_task.delay(chunk)
    return len(chunks)
