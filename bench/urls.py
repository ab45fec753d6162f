"""The project's URLs, with the benchmark's floor endpoint in front (bench/settings.py)."""

from django.urls import path

from backend.urls import handler400, handler403, handler404, handler500  # noqa: F401
from backend.urls import urlpatterns as project_urlpatterns
from bench.floor import FloorApi

urlpatterns = [
    path("bench/floor/", FloorApi.as_view(), name="bench-floor"),
    *project_urlpatterns,
]
