"""Celery interfaces of social prescribing."""

from celery import shared_task

from referrals.services import persons_anonymize, shortlist_link_deliver

RETRY = {"acks_late": True, "autoretry_for": (Exception,), "retry_backoff": True, "max_retries": 5}


@shared_task(**RETRY)
def persons_anonymize_task() -> int:
    """Daily: anonymize the persons whose referrals closed longer ago than the retention."""
    return persons_anonymize()


@shared_task(**RETRY)
def shortlist_link_deliver_task(link_id: int) -> str:
    """Send a shortlist's link by SMS or email (once, whatever the retries)."""
    return shortlist_link_deliver(link_id=link_id)
