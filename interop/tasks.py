"""Celery interfaces of imports: a job's id in, the runner does the work."""

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from interop.imports import runner
from interop.models import ImportJob, ImportState

# An import of a large file outlives the default task limits (backend/settings.py): a
# 10,000-row file takes about a minute; these bound a runaway one.
IMPORT_TIME_LIMIT = 3600


def import_job_enqueue(job: ImportJob) -> None:
    """Run the job in a worker once the transaction that created it commits."""
    transaction.on_commit(lambda: import_job_run_task.delay(job.pk))


@shared_task(acks_late=True, time_limit=IMPORT_TIME_LIMIT, soft_time_limit=IMPORT_TIME_LIMIT - 60)
def import_job_run_task(job_id: int) -> str:
    """Run a queued job. A job found running was cut short (its worker lost): the runner
    compares before it writes, so running it again writes only what is left. A finished job
    is left as it is."""
    job = ImportJob.objects.select_related("organization", "created_by").filter(pk=job_id).first()
    if job is None or job.state not in (ImportState.QUEUED, ImportState.RUNNING):
        return "skipped"
    return runner.job_run(job=job).state


@shared_task(acks_late=True)
def imports_repeat_due_task() -> int:
    """Every few minutes (beat): a new run of each scheduled feed that is due."""
    now = timezone.now()
    due = ImportJob.objects.exclude(repeat="").filter(next_run_at__lte=now).order_by("pk")
    started = 0
    for job in due.select_related("organization", "created_by"):
        with transaction.atomic():
            # Two beats never start the same feed twice: the second finds it moved on.
            locked = ImportJob.objects.select_for_update(skip_locked=True).filter(
                pk=job.pk, next_run_at__lte=now
            )
            if not locked.exists():
                continue
            import_job_enqueue(runner.import_job_repeat(job=job, now=now))
        started += 1
    return started
