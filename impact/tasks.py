"""Celery interfaces of the outcome measures."""

from celery import shared_task

from impact.services import follow_ups_ask, ties_rebuild

RETRY = {"acks_late": True, "autoretry_for": (Exception,), "retry_backoff": True, "max_retries": 5}


@shared_task(**RETRY)
def follow_ups_due_task() -> int:
    """Every few hours: ask the follow-ups that fell due (at most one a week per person)."""
    return follow_ups_ask()


@shared_task(**RETRY)
def ties_rebuild_task() -> int:
    """Nightly: every tie again from the registrations."""
    return ties_rebuild()
