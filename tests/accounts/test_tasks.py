from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.tasks import tokens_flush_expired_task
from tests.factories import UserFactory


def _tokens(user):
    live = RefreshToken.for_user(user)
    expired = RefreshToken.for_user(user)
    OutstandingToken.objects.filter(jti=expired["jti"]).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    return live, expired


@pytest.mark.django_db
def test_flush_expired_tokens_keeps_live_ones():
    live, expired = _tokens(UserFactory())
    tokens_flush_expired_task.delay()
    assert OutstandingToken.objects.filter(jti=live["jti"]).exists()
    assert not OutstandingToken.objects.filter(jti=expired["jti"]).exists()


@pytest.mark.worker
def test_a_real_worker_runs_the_task_through_the_broker(celery_worker):
    live, expired = _tokens(UserFactory())
    result = tokens_flush_expired_task.delay()
    assert result.get(timeout=20) >= 1
    assert OutstandingToken.objects.filter(jti=live["jti"]).exists()
    assert not OutstandingToken.objects.filter(jti=expired["jti"]).exists()
