"""Celery tasks of the notifications room: interfaces that take ids and call the services.

Every task is idempotent: what was sent is recorded per notification and channel before the
send (notifications.delivery), so a task delivered twice, or run by two workers at once, sends
nothing twice.
"""

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from notifications import delivery, notices, reminders

BATCH = 500
PLANNING_LOCK = "notifications:reminders-planning"


@shared_task(acks_late=True, max_retries=5, autoretry_for=(OSError,), retry_backoff=True)
def notifications_deliver_task(notification_ids: list[int]) -> int:
    """Deliver these; those another worker holds are looked at again once its lease has run
    out (closed by then if that worker lived, taken over if it died)."""
    result = delivery.notifications_deliver(notification_ids=notification_ids)
    # Run eagerly (the embedded default), the look again would come at once, in a loop: the
    # periodic run's look at lost notifications (reminders.due_batches) makes up for it.
    if result.waiting and not notifications_deliver_task.app.conf.task_always_eager:
        notifications_deliver_task.apply_async(
            (result.waiting,), countdown=delivery.claim_lease().total_seconds() + 1
        )
    return result.closed


@shared_task(acks_late=True)
def notifications_dispatch_task() -> dict[str, int]:
    """The periodic task (CELERY_BEAT_SCHEDULE): make the reminders that are due (each once,
    by its unique key), then queue in batches every notification whose time has come and
    that no task took (new reminders, the end of quiet hours, a task lost)."""
    now = timezone.now()
    queued = 0
    planned = 0

    def queue(ids: list[int]) -> None:
        nonlocal queued
        for first in range(0, len(ids), BATCH):
            notifications_deliver_task.delay(ids[first : first + BATCH])
        queued += len(ids)

    # One run plans at a time: a second at the same moment would only repeat the work (its
    # inserts find every key taken). The lock expires with the task's time limit, should the
    # worker holding it die.
    if cache.add(PLANNING_LOCK, now.isoformat(), timeout=settings.CELERY_TASK_TIME_LIMIT):
        try:
            planned = reminders.reminders_plan(now=now, made=queue)
        finally:
            cache.delete(PLANNING_LOCK)
    for batch in reminders.due_batches(size=BATCH, now=now):
        queue(batch)
    return {"planned": planned, "queued": queued}


@shared_task(acks_late=True, max_retries=5, autoretry_for=(OSError,), retry_backoff=True)
def change_notices_task(occurrence_id: int, change: dict | None = None) -> int:
    """Tell the residents registered for a session, and those who saved its activity, that it
    was cancelled, moved in time or moved online (each once per change). `change` is
    `notices.SessionEdit.as_json()`; a task queued without it reads the session as it stands."""
    return notices.change_notices_send(occurrence_id=occurrence_id, change=change)
