"""Celery interfaces of visiting programmes."""

from celery import shared_task

from visiting import services
from visiting.models import PairingRun

RETRY = {"acks_late": True, "autoretry_for": (Exception,), "retry_backoff": True, "max_retries": 5}


@shared_task(**RETRY)
def pairing_run_task(run_id: int) -> int:
    """Run a coordinator's pairing; a run already done is left as it is."""
    run = PairingRun.objects.filter(pk=run_id).first()
    if run is None:
        return 0
    return services.pairing_run_execute(run=run).proposed


@shared_task(**RETRY)
def pair_health_check_task() -> int:
    """Daily: alert the coordinators of pairs without a contact for three weeks, once per
    lapse."""
    return services.pair_health_check()
