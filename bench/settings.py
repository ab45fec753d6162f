"""Settings of the benchmark's own server: the project's, plus the URLconf that serves the
framework's floor (bench/floor.py). Production never loads this module."""

from backend.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
