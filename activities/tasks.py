"""Celery interfaces of the directory: ids in, services do the work."""

from celery import shared_task
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from activities import choices
from activities.models import Activity, Occurrence, Registration
from activities.services.occurrences import occurrences_materialize
from activities.services.registrations import (
    registration_fill_free_seats,
    registration_offers_expire,
)

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


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def registration_offers_expire_task() -> dict[str, int]:
    """Every few minutes: offers not confirmed in time pass to the next resident waiting, and
    seats left free (a capacity raised, an offer passed when no one waited) are offered to the
    waitlist. Idempotent: each offer passes once, under its seats' lock, whoever runs it."""
    now = timezone.now()
    passed = registration_offers_expire(now=now)
    waiting = Registration.objects.filter(
        status=choices.RegistrationStatus.WAITLISTED, occurrence__isnull=False
    ).values("occurrence_id")
    with_free_seats = Occurrence.objects.filter(
        pk__in=waiting,
        start__gt=now,
        status=choices.OccurrenceStatus.SCHEDULED,
        capacity__isnull=False,
        seats_taken__lt=F("capacity"),
    ).select_related("activity")
    offered = 0
    for occurrence in with_free_seats:
        offered += registration_fill_free_seats(
            activity=occurrence.activity, occurrence=occurrence, now=now
        )
    return {"passed": passed, "offered": offered}
