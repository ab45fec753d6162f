"""What a web worker loads: the application and every view, without the libraries only a few
requests need (charts and maps, the statistics, the pairing solver, printed sheets). Each of
them is imported where it is used; loaded with the views, they more than doubled a worker's
memory (docs/benchmarks.md, "The search at N = 1,000,000 again")."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOADED_WHEN_USED = ("matplotlib", "scipy", "ortools", "weasyprint", "segno", "fhir")

WORKER = """
import json, sys
from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

get_wsgi_application()
get_resolver().url_patterns  # imports backend.urls, and through it every view
{then}
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] in {libraries!r})))
"""


def _loaded_by_a_worker(then: str = "") -> list[str]:
    completed = subprocess.run(
        [sys.executable, "-c", WORKER.format(then=then, libraries=LOADED_WHEN_USED)],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "backend.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_a_web_worker_loads_no_library_that_only_some_requests_use():
    assert _loaded_by_a_worker() == []


def test_the_first_use_loads_it():
    """The probe sees such a library once it is used: an impact report's interval needs
    scipy's t quantile."""
    loaded = _loaded_by_a_worker("from impact import stats; stats.mean_change([(1, 2), (2, 4)])")
    assert "scipy.stats" in loaded
    assert "matplotlib" not in loaded
