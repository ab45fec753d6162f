from celery import shared_task
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def tokens_flush_expired_task() -> int:
    """Delete refresh tokens past their expiry (and their blacklist rows). Idempotent."""
    deleted, _by_model = OutstandingToken.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted
