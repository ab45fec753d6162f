"""Celery interfaces of the matcher: ids in, services do the work. All idempotent."""

from celery import shared_task, signals
from django.conf import settings
from django.core.cache import cache
from django.db import connections

from matching import chunks
from matching.candidates import current_candidates, prepared
from matching.residents import current_residents, current_thresholds, resident_terms
from matching.services import (
    recommendations_compute,
    recommendations_for_activity,
    recommendations_full_refresh_started,
    recommendations_sweep_done,
    recommendations_sweep_plan,
)

DEBOUNCE_SECONDS = 3  # a resident's changes within this delay are computed once


def pending_key(user_id: int) -> str:
    """The cache key marking a resident's recomputation as queued (`scheduling`)."""
    return f"reco:pending:{user_id}"


RETRY = {"acks_late": True, "autoretry_for": (Exception,), "retry_backoff": True, "max_retries": 5}


@shared_task(**RETRY)
def recommendations_recompute_task(user_ids: list[int]) -> int:
    """These residents against the whole directory: a profile change, or one chunk of a full
    refresh or of the sweep."""
    cache.delete_many([pending_key(uid) for uid in user_ids])
    return recommendations_compute(user_ids=user_ids)


@shared_task(**RETRY)
def recommendations_for_activity_task(activity_id: int) -> dict[str, int]:
    """An activity was published, changed or withdrawn: update the lists it changes."""
    return recommendations_for_activity(activity_id=activity_id)


def _send(user_chunks: list[list[int]]) -> int:
    for chunk in user_chunks:
        recommendations_recompute_task.delay(chunk)
    return sum(len(chunk) for chunk in user_chunks)


def _full_refresh() -> int:
    # The start is recorded first, so that the sweep finds whoever a lost chunk leaves behind.
    recommendations_full_refresh_started()
    return _send(chunks.refresh_chunks())


@shared_task(acks_late=True)
def recommendations_full_refresh_task() -> int:
    """Every consenting resident, in chunks of neighbours that any number of workers can take.
    Returns how many residents were queued."""
    return _full_refresh()


@shared_task(acks_late=True)
def recommendations_sweep_task() -> int:
    """Reconcile what the triggers may have missed (`services.sweep.recommendations_sweep_plan`).
    Returns how many residents and activities were queued."""
    plan = recommendations_sweep_plan()
    if plan.full_refresh:
        queued = _full_refresh()
    else:
        for activity_id in plan.activity_ids:
            recommendations_for_activity_task.delay(activity_id)
        queued = _send(chunks.plan_chunks(plan.residents)) + len(plan.activity_ids)
    recommendations_sweep_done(plan=plan)
    return queued


@signals.worker_init.connect
def _warm_tables(**kwargs) -> None:
    """With MATCHING_WARM_WORKERS, build the candidate matrix (prepared for the engine), the
    residents' table (with its terms) and the sets' thresholds in the worker's main process
    before it forks its pool: every process starts with them (pages shared until written)
    instead of building its own on its first task. The connections opened for it are
    closed, so that no process inherits one."""
    if not settings.MATCHING_WARM_WORKERS:
        return
    prepared(current_candidates()[0], build=True)
    resident_terms(current_residents())
    current_thresholds()
    connections.close_all()
