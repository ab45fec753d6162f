"""Smoke run of the in-process search benchmark (bench/search_inprocess.py): its requests are
the search benchmark's and the floor's, and every template is measured in every round."""

import datetime

import pytest
from django.test import Client

from bench.search import MIX
from bench.search_inprocess import measure, requests_of
from tests.factories import listed_activity

NOW = datetime.datetime(2026, 3, 2, 8, 30, tzinfo=datetime.UTC)


@pytest.mark.django_db
def test_every_template_is_measured_in_every_round(settings):
    settings.ROOT_URLCONF = "bench.urls"  # the floor, as bench/settings.py routes it
    listed_activity(47.2184, -1.5536, starts=[NOW + datetime.timedelta(days=1)])
    paths = requests_of(40, seed=7, now=NOW)
    templates = {template for template, _path in paths}
    assert templates == {name for name, _weight in MIX} | {"floor"}

    result = measure(Client(), paths, rounds=2)

    assert set(result["queries_per_request"]) == templates
    assert all(count >= 1 for count in result["queries_per_request"].values())
    assert set(result["rounds"]) == templates
    for rounds in result["rounds"].values():
        assert len(rounds) == 2
        assert all(r["requests"] >= 1 and r["cpu_ms"] >= 0 for r in rounds)
    assert sum(r["requests"] for r in (v[0] for v in result["rounds"].values())) == len(paths)
