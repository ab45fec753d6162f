"""The one Celery app of Relier (JSON only, late acks, time limits, autodiscovery)."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

# A worker process computes on one core: the pool gives the parallelism. OpenBLAS would start
# a thread per core in every process, and threads of two processes fighting for two cores
# spin while they wait, several times slower (docs/benchmarks-history.md). Set
# before numpy is first imported (this module is imported with the settings); an explicit
# value in the environment wins.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

app = Celery("relier")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def close_unusable_connections(task=None, **_kwargs) -> None:
    """Around each task, what Django does around each request: close the connections older
    than CONN_MAX_AGE or left unusable, and health-check the others on their next use. The
    worker keeps its connection otherwise (CELERY_DB_REUSE_MAX): a new one is a new
    PostgreSQL backend, whose first queries also warm its catalog caches, several
    milliseconds each time. Not for a task run
    eagerly, inside its caller's transaction."""
    if task is not None and getattr(task.request, "is_eager", False):
        return
    close_old_connections()
