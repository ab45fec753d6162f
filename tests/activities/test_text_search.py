"""The text search's words (activities.search.text, pure) and the embedded default's index kept
in step with every write (activities.search.text_sqlite)."""

import datetime

import pytest
from django.conf import settings
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from activities.models import Activity
from activities.search import text
from activities.search.text_sqlite import FTS_TABLE
from tests.factories import listed_activity

URL = "/api/v1/activities/"


def test_words_are_unaccented_stemmed_and_stop_words_left_out():
    assert text.stems("Théâtre") == text.stems("theatre") == text.stems("THÉÂTRES") == ["theatr"]
    assert text.stems("tricoter") == text.stems("tricots") == text.stems("tricot") == ["tricot"]
    assert text.stems("l'atelier de la Bottière") == ["ateli", "bottier"]
    assert text.stems("Œuvres") == ["oeuvr"]
    assert text.stems("le la de") == []


def test_typo_candidates_are_one_edit_away_then_a_shorter_ending():
    near, shorter = text.typo_candidates("jardinnag")
    assert "jardinag" in near and "jardinnag" not in near
    assert text.typo_candidates("tricoton")[1] == {"tricot", "trico"}
    assert text.typo_candidates("yog") == (set(), set())  # too short to guess at
    assert all(len(stem) >= text.TYPO_MIN_LENGTH for stem in near | shorter)


@given(st.from_regex(r"[a-z]{4,12}", fullmatch=True), st.data())
def test_every_single_edit_of_a_stem_leads_back_to_it(stem, data):
    at = data.draw(st.integers(0, len(stem) - 1))
    letter = data.draw(st.sampled_from(text.ALPHABET))
    for typo in (stem[:at] + stem[at + 1 :], stem[:at] + letter + stem[at:]):
        if typo != stem and len(typo) >= text.TYPO_MIN_LENGTH:
            assert stem in text.typo_candidates(typo)[0]


def _soon() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=2)


def _found(client, q: str) -> list[int]:
    response = client.get(URL, {"q": q})
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


@pytest.mark.django_db
def test_a_renamed_activity_is_found_by_its_new_words_and_a_deleted_one_no_more(client):
    activity = listed_activity(starts=[_soon()], title="Atelier tricot", summary="Venez.")
    assert _found(client, "tricoter") == [activity.pk]
    Activity.objects.filter(pk=activity.pk).update(title="Atelier poterie")
    assert _found(client, "tricoter") == []
    assert _found(client, "poteries") == [activity.pk]
    Activity.objects.filter(pk=activity.pk).delete()
    assert _found(client, "poteries") == []


@pytest.mark.django_db
@pytest.mark.skipif(settings.IS_POSTGRES, reason="the embedded default's index")
def test_a_migration_rebuilding_the_table_loses_no_word(client):
    """SQLite's schema editor rebuilds a table for most changes, dropping its triggers: after
    every migrate (its post_migrate signal) they are back and the index holds what was
    written meanwhile."""
    activity = listed_activity(starts=[_soon()], title="Chorale du jeudi", summary="On chante.")
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER activities_activity_fts_update")
        cursor.execute("DROP TRIGGER activities_activity_fts_insert")
    Activity.objects.filter(pk=activity.pk).update(title="Théâtre du jeudi")
    assert _found(client, "theatre") == []  # the index missed the write
    emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)
    assert _found(client, "theatre") == [activity.pk]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {FTS_TABLE}")
        assert cursor.fetchone()[0] == Activity.objects.count()
