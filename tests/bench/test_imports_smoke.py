"""Smoke run of the import benchmark (bench/imports.py) at a size that takes seconds."""

import pytest

from activities.models import Activity
from bench.imports import items, run_once

pytestmark = pytest.mark.django_db


def test_a_small_import_creates_every_item_then_changes_nothing():
    entries = items(30, seed=7)
    result = run_once(entries)
    assert result["first_report"] == {
        "created": 30, "updated": 0, "unchanged": 0, "archived": 0, "skipped": 0, "errors": 0,
    }  # fmt: skip
    assert result["second_report"]["unchanged"] == 30
    assert result["second_report"]["created"] == 0
    assert Activity.objects.filter(status="pending").count() == 30
    assert result["first_seconds"] > 0


def test_the_items_are_the_same_for_the_same_seed():
    assert items(20, seed=3) == items(20, seed=3)
    assert items(20, seed=3) != items(20, seed=4)
