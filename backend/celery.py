"""The one Celery app of Relier (JSON only, late acks, time limits, autodiscovery)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

# A worker process computes on one core: the pool gives the parallelism. OpenBLAS would start
# a thread per core in every process, and threads of two processes fighting for two cores
# spin while they wait: a full refresh of 100,000 residents took 49 s instead of 17 s. Set
# before numpy is first imported (this module is imported with the settings); an explicit
# value in the environment wins.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

app = Celery("relier")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
