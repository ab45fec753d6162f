"""Celery tasks of the notifications room: interfaces that take ids and call the services.

Every task is idempotent: what was sent is recorded per notification and channel before the
send (notifications.delivery), so a task delivered twice, or run by two workers at once, sends
nothing twice.
"""

from celery import shared_task
from django.utils import timezone

from notifications import delivery
reminders = None  # TEMP

BATCH = 500


@shared_task(acks_late=True, max_retries=5, autoretry_for=(OSError,), retry_backoff=True)
def notifications_deliver_task(notification_ids: list[int]) -> int:
    return delivery.notifications_deliver(notification_ids=notification_ids)


@shared_task(acks_late=True)
def notifications_dispatch_task() -> dict[str, int]:
    """The periodic task (CELERY_BEAT_SCHEDULE): make the reminders that are due (each once,
    by its unique key), then queue in batches every notification whose time has come and
    that no task took (new reminders, the end of quiet hours, a task lost)."""
    now = timezone.now()
    planned = reminders.reminders_plan(now=now)
    queued = 0
    for batch in reminders.due_batches(size=BATCH, now=now):
        notifications_deliver_task.delay(batch)
        queued += len(batch)
    return {"planned": planned, "queued": queued}
