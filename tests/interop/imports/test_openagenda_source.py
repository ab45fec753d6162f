"""The OpenAgenda JSON export import source."""

import json
import pathlib

import pytest
from django.utils import translation

from interop.imports.items import SourceError, SourceItem
from interop.imports.openagenda_source import read_openagenda

# Feeds' keywords are matched against the categories table.
pytestmark = pytest.mark.django_db

DATA = pathlib.Path(__file__).parent / "data"


def test_an_export_of_events():
    with translation.override("en"):
        entries = read_openagenda((DATA / "openagenda.json").read_bytes())
    # The cancelled event (3rd, status 6) is left out.
    assert [entry.position for entry in entries] == [1, 2, 4]
    memory, online, overnight = entries
    assert memory.external_id == "51234567"
    assert memory.activity["title"] == "Atelier mémoire"  # French first
    assert memory.activity["summary"] == (
        "Exercices ludiques pour garder la mémoire en forme. Ouvert à tous."
    )
    assert "site (https://asso.example/memoire)" in memory.activity["description"]
    assert memory.activity["categories"] == ["ateliers-memoire"]
    assert any("Seniors" in warning for warning in memory.warnings)
    assert memory.activity["age_min"] == 60 and "age_max" not in memory.activity
    assert memory.activity["registration_url"] == "https://asso.example/memoire"
    assert memory.activity["registration_phone"] == "04 72 00 00 00"
    assert memory.place["accessibility"] == ["hearing", "motor"]
    assert (memory.place["lat"], memory.place["lng"]) == (45.7452, 4.8421)
    # Timings grouped by their local times, across the clock change (+02:00, then +01:00).
    assert [(s["dates"], s["start_time"], s["end_time"]) for s in memory.schedules] == [
        (["2026-10-13", "2026-10-27", "2026-11-10"], "10:00", "11:30"),
        (["2026-11-24"], "14:00", "15:30"),
    ]
    assert online.activity["title"] == "Online English conversation"  # English, no French
    assert online.place is None and online.activity["attendance_mode"] == "online"
    assert online.activity["registration_url"] == "https://visio.example/english"
    assert isinstance(overnight, SourceError) and "one session per day" in overnight.message


def test_postponed_is_left_out_and_moved_online_is_online():
    timing = {"begin": "2026-11-05T18:00:00+01:00", "end": "2026-11-05T19:00:00+01:00"}
    place = {"name": "Salle", "latitude": 45.7, "longitude": 4.8}
    document = json.dumps(
        [
            {"uid": 1, "title": {"fr": "Reporté"}, "timings": [timing], "status": 4},
            {
                "uid": 2,
                "title": {"fr": "En ligne"},
                "timings": [timing],
                "status": 3,
                "location": place,
            },
        ]
    ).encode()
    (item,) = read_openagenda(document)
    assert item.external_id == "2" and item.position == 2
    assert item.activity["attendance_mode"] == "online" and item.place is None


def test_older_exports_with_start_and_a_bare_list():
    document = json.dumps(
        [
            {
                "uid": "a1",
                "title": {"de": "Spaziergang"},
                "timings": [
                    {"start": "2026-10-10T09:00:00+02:00", "end": "2026-10-10T10:00:00+02:00"}
                ],
                "location": {"name": "Parc", "latitude": "45.7", "longitude": "4.8"},
            }
        ]
    ).encode()
    (item,) = read_openagenda(document)
    assert isinstance(item, SourceItem)
    assert item.activity["title"] == "Spaziergang"  # first language when neither fr nor en
    assert item.place == {"name": "Parc", "lat": 45.7, "lng": 4.8}


def test_an_event_without_timings_is_an_error_in_the_importer_language():
    document = json.dumps({"events": [{"uid": 9, "title": {"fr": "Sans date"}}]}).encode()
    with translation.override("fr"):
        (error,) = read_openagenda(document)
    assert isinstance(error, SourceError)
    assert (error.position, error.external_id) == (1, "9")
    assert "Événement" in error.message


def test_not_an_export_is_one_error_for_the_source():
    (error,) = read_openagenda(b'{"agenda": {}}')
    assert error.position == 0
    (error,) = read_openagenda(b"not json")
    assert error.position == 0
