"""Celery interfaces of the matcher: ids in, services do the work. All idempotent."""

from celery import shared_task
from django.db.models import F, Max, Q
from django.utils import timezone

from activities.models import Activity
from matching.models import ResidentProfile
from matching.services import recommendations_compute, residents_in_reach

CHUNK_SIZE = 500
RETRY = {"acks_late": True, "autoretry_for": (Exception,), "retry_backoff": True, "max_retries": 5}


@shared_task(**RETRY)
def recommendations_recompute_task(user_ids: list[int]) -> int:
    from django.core.cache import cache

    cache.delete_many([f"reco:pending:{uid}" for uid in user_ids])
    return recommendations_compute(user_ids=user_ids)


@shared_task(**RETRY)
def recommendations_for_activity_task(activity_id: int) -> int:
    """An activity was published, changed or withdrawn: recompute the residents in reach."""
    activity = Activity.objects.filter(pk=activity_id).first()
    if activity is None:
        return 0
    user_ids = residents_in_reach(activity=activity)
    for start in range(0, len(user_ids), CHUNK_SIZE):
        recommendations_compute(user_ids=user_ids[start : start + CHUNK_SIZE])
    return len(user_ids)


def _chunks(user_ids: list[int]) -> int:
    for start in range(0, len(user_ids), CHUNK_SIZE):
        recommendations_recompute_task.delay(user_ids[start : start + CHUNK_SIZE])
    return len(user_ids)


@shared_task(acks_late=True)
def recommendations_full_refresh_task() -> int:
    """Every consenting resident, in chunks any number of workers can take."""
    return _chunks(
        list(
            ResidentProfile.objects.filter(matching_consent_at__isnull=False)
            .order_by("user_id")
            .values_list("user_id", flat=True)
        )
    )


@shared_task(acks_late=True)
def recommendations_sweep_task() -> int:
    """Reconcile: recompute every resident whose set is missing or older than their profile or
    than the newest change in the directory, so a lost task or a broker outage loses nothing."""
    newest_change = Activity.objects.aggregate(at=Max("updated_at"))["at"] or timezone.now()
    stale = ResidentProfile.objects.filter(matching_consent_at__isnull=False).filter(
        Q(user__recommendations__isnull=True)
        | Q(user__recommendations__computed_at__lt=F("updated_at"))
        | Q(user__recommendations__computed_at__lt=newest_change)
    )
    return _chunks(list(stale.order_by("user_id").values_list("user_id", flat=True)))
