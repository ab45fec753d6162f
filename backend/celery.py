"""The one Celery app of Relier (JSON only, late acks, time limits, autodiscovery)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

app = Celery("relier")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
