"""Smoke run of the search benchmark (bench/): the generator, the COPY loader, the floor
endpoint and the request templates, at a size that runs in a few seconds."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.urls import resolve
from django.utils import timezone
from rest_framework.test import APIRequestFactory

from activities import recurrence, services
from activities.geo import cell_of, distance_km
from activities.models import Activity, Category, Occurrence, Organization, Place, Schedule
from bench import france, vocabulary
from bench.floor import FLOOR_ROWS, FloorApi
from bench.load_search_dataset import CopyPlan, encode, load_into_connection
from bench.search import WEEKDAYS, check_response, search_paths

TODAY = datetime.date(2026, 3, 2)
NOW = datetime.datetime(2026, 3, 2, 8, 30, tzinfo=datetime.UTC)


@pytest.fixture(scope="module")
def small():
    dataset = france.generate(300, seed=7, today=TODAY)
    return dataset, list(dataset.activities())


def test_the_generator_is_deterministic(small):
    dataset, activities = small
    again = france.generate(300, seed=7, today=TODAY)
    assert again.organizations == dataset.organizations
    assert again.places == dataset.places
    assert list(again.activities()) == activities
    other = list(france.generate(300, seed=8, today=TODAY).activities())
    assert [a.title for a in other] != [a.title for a in activities]


def test_venues_are_in_france_near_their_commune(small):
    dataset, activities = small
    for place in dataset.places:
        assert france.in_france(place.lat, place.lng)
        reach = france.jitter_radius_km(place.commune.population)
        assert distance_km(place.lat, place.lng, place.commune.lat, place.commune.lng) <= reach
    for activity in activities:
        if activity.attendance_mode in ("online", "at_home", "phone"):
            assert activity.place is None
        else:
            place = dataset.places[activity.place]
            # A place belongs to the activity's organization (Activity.clean).
            assert place.organization == activity.organization


def test_providers_are_spread_in_proportion_to_population():
    dataset = france.generate(60_000, seed=3, today=TODAY)  # 4,000 organizations
    communes = dataset.communes
    total = sum(c.population for c in communes)
    big = {c.insee for c in communes if c.population >= 50_000}
    expected = sum(c.population for c in communes if c.insee in big) / total
    found = sum(o.commune.insee in big for o in dataset.organizations) / len(dataset.organizations)
    assert 0.8 * expected < found < 1.2 * expected
    paris = sum(o.commune.name == "Paris" for o in dataset.organizations)
    assert paris == max(sum(o.commune.insee == c for o in dataset.organizations) for c in big)


def test_activities_look_like_a_directory(small):
    _, activities = small
    slugs = set(france.TAXONOMY_LEAVES)
    for activity in activities:
        assert 1 <= len(activity.categories) <= 3
        assert set(activity.categories) <= slugs
        assert len(activity.summary) <= 200 and len(activity.title) <= 160
        assert activity.is_free == (activity.price_min is None)
        for schedule in activity.schedules:
            assert 9 <= schedule.start_time.hour <= 21
            assert schedule.end_time > schedule.start_time
            if schedule.rrule:
                # Stored as the services store it: normalized.
                assert (
                    recurrence.normalize_rrule(
                        schedule.rrule, dtstart=schedule.valid_from, timezone=schedule.timezone
                    )
                    == schedule.rrule
                )
            else:
                assert schedule.dates
    modes = {a.attendance_mode for a in activities}
    assert {"in_person", "online"} <= modes
    # The words of the text-search template find activities.
    text = " ".join(f"{a.title} {a.summary}".lower() for a in activities)
    wide = " ".join(
        f"{a.title} {a.summary}".lower()
        for a in france.generate(3000, seed=7, today=TODAY).activities()
    )
    for word in vocabulary.SEARCH_WORDS:
        assert word in wide, word
    assert "tricot" in text or "chorale" in text


def test_copy_encoding_escapes_what_copy_would_misread():
    assert encode(None) == "\\N"
    assert encode("a\tb\nc\\d") == "a\\tb\\nc\\\\d"
    assert encode(True) == "t"
    assert encode(datetime.date(2026, 3, 2)) == "2026-03-02"


def test_copy_plans_follow_the_models_columns():
    supplied = ("id", "activity_id", "series_start", "start", "end")
    plan = CopyPlan.for_model(Occurrence, supplied, now=NOW)
    assert set(plan.columns) == {f.column for f in Occurrence._meta.concrete_fields}
    assert plan.columns[:5] == supplied
    # Columns with a default get it; a NOT NULL column without one is an error, not a guess.
    assert "\tscheduled\t" in plan.tail
    with pytest.raises(ValueError, match="NOT NULL"):
        CopyPlan.for_model(Occurrence, supplied[:-1], now=NOW)


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_copy_loader_writes_what_the_services_would(small):
    dataset, activities = small
    connection.ensure_connection()
    raw = connection.connection
    counts = load_into_connection(dataset, connection=raw, now=NOW)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # foreign keys checked now

    assert counts["activity"] == Activity.objects.count() == 300
    assert Organization.objects.count() == len(dataset.organizations)
    assert Place.objects.count() == len(dataset.places)
    assert Schedule.objects.count() == sum(len(a.schedules) for a in activities)
    assert Occurrence.objects.count() == counts["occurrence"] > 300
    assert Activity.categories.through.objects.count() == sum(len(a.categories) for a in activities)

    loaded = Activity.objects.select_related("place").order_by("id")
    for spec, activity in zip(activities, loaded, strict=True):
        assert activity.title == spec.title
        assert activity.status == "published"
        assert sorted(activity.categories.values_list("slug", flat=True)) == sorted(spec.categories)
        if activity.place is None:
            assert (activity.lat, activity.lng, activity.h3_cell) == (None, None, "")
        else:
            assert (activity.lat, activity.lng) == (activity.place.lat, activity.place.lng)
            assert activity.h3_cell == activity.place.h3_cell == cell_of(activity.lat, activity.lng)
            assert activity.territory_id == activity.place.territory_id
    # Materializing again with the same clock changes nothing: the sessions, the weekly slots
    # and the next start are those the services compute.
    cancelled = [a.index for a in activities if a.cancelled_days]
    sample = list(loaded[:40]) + [loaded[i] for i in cancelled[:5]]
    for activity in sample:
        timing = (activity.weekly_slots, activity.next_start)
        changes = services.occurrences_materialize(activity=activity, now=NOW)
        assert changes == {"created": 0, "updated": 0, "deleted": 0}
        assert (activity.weekly_slots, activity.next_start) == timing
    # Rows added afterwards through the ORM get fresh ids (the sequences were moved on).
    assert Category.objects.count() > 0
    organization = Organization.objects.create(name="Après le chargement", slug="apres")
    assert organization.pk > len(dataset.organizations)


@pytest.mark.django_db
def test_the_floor_endpoint_returns_twenty_activities():
    organization = Organization.objects.create(name="Club", slug="club")
    Activity.objects.bulk_create(
        Activity(organization=organization, title=f"Atelier {i}", summary="s", kind="club")
        for i in range(FLOOR_ROWS + 5)
    )
    response = FloorApi.as_view()(APIRequestFactory().get("/bench/floor/", {"after": 0}))
    assert response.status_code == 200
    assert len(response.data) == FLOOR_ROWS
    ids = [row["id"] for row in response.data]
    assert ids == sorted(ids)


def test_the_request_templates_are_well_formed():
    paths = search_paths(60, seed=5, now=NOW)
    templates = {template for template, _ in paths}
    assert templates == {"near_category_day", "text_near", "sessions_next_week"}
    categories = set(france.TAXONOMY_LEAVES) | set(france.TAXONOMY_LEAVES.values())
    for template, path in paths:
        parts = urlsplit(path)
        query = {
            key: values[0] for key, values in parse_qs(parts.query, strict_parsing=True).items()
        }
        assert resolve(parts.path).url_name in ("activity-list", "occurrence-list"), parts.path
        assert france.in_france(float(query["lat"]), float(query["lng"]))
        assert float(query["radius_km"]) in (5, 20)
        if template == "near_category_day":
            assert query["category"] in categories and query["day"] in WEEKDAYS
        elif template == "text_near":
            assert query["q"] in vocabulary.SEARCH_WORDS
        else:
            after = datetime.datetime.fromisoformat(query["starts_after"])
            before = datetime.datetime.fromisoformat(query["starts_before"])
            assert before - after == datetime.timedelta(days=7)


def test_a_response_ignoring_the_point_is_not_a_search_result():
    path = "/api/v1/activities/?lat=47.2&lng=-1.5&radius_km=5"
    assert check_response("near_category_day", path, 200, b'{"results": [{"id": 1}]}')
    assert check_response("near_category_day", path, 400, b"{}") == "status 400"
    ok = b'{"results": [{"id": 1, "distance_km": 4.2}]}'
    assert check_response("near_category_day", path, 200, ok) is None
    far = b'{"results": [{"id": 1, "distance_km": 7.5}]}'
    assert "beyond" in check_response("near_category_day", path, 200, far)


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_search_mix_answers_on_the_small_dataset(api_client):
    now = timezone.now()
    dataset = france.generate(300, seed=11, today=timezone.localdate())
    connection.ensure_connection()
    load_into_connection(dataset, connection=connection.connection, now=now)
    # Searched from the venues themselves, so that every template finds something.
    points = [(place.lat, place.lng) for place in dataset.places]
    problems, found = [], 0
    for template, path in search_paths(15, seed=5, now=now, points=points):
        response = api_client.get(path)
        assert response.status_code < 500, path
        problem = check_response(template, path, response.status_code, response.content)
        if problem:
            problems.append(f"{problem}: {path}")
        else:
            found += bool(response.json()["results"])
    assert not problems
    assert found >= 5


def test_a_run_on_a_shared_machine_says_so():
    from bench.search import OtherCpu, verdict

    measured = OtherCpu("relier_bench_none").stop()
    assert measured["share_of_machine"] >= 0 and 0 <= measured["stolen_share"] <= 1
    quiet = {"share_of_machine": 0.01, "stolen_share": 0.0}
    busy = {"share_of_machine": 0.2, "stolen_share": 0.3}
    run = {"rps": 100, "non2xx": 0, "errors": {}}
    assert verdict({"floor": {**run, "other_cpu": quiet}})["warnings"] == []
    warnings = verdict({"floor": {**run, "other_cpu": busy}})["warnings"]
    assert warnings == [
        "floor: other processes used 20% of the machine",
        "floor: the hypervisor took 30%",
    ]


def test_the_connections_each_worker_holds_are_counted():
    """A listening socket in this process stands for the server, this process for its only
    worker: it holds the accepted ends; the clients' ends (another local port) do not count."""
    import os
    import socket
    import types

    from bench.search import connections_per_worker

    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        server = types.SimpleNamespace(port=port, worker_pids=lambda: [os.getpid()])
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
        accepted = [listener.accept()[0] for _ in clients]
        try:
            assert connections_per_worker(server) == [3]
            accepted.pop().close()
            clients.pop().close()
            assert connections_per_worker(server) == [2]
        finally:
            for end in clients + accepted:
                end.close()
    assert connections_per_worker(types.SimpleNamespace(port=port, worker_pids=lambda: [])) == []
