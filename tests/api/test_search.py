"""Resident search: `GET /api/v1/activities/` and `GET /api/v1/occurrences/`."""

import base64
import datetime
import json
import random
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from activities import services
from activities.geo import distance_km
from activities.models import Activity
from tests.factories import editor_of, listed_activity
from tests.pages import all_ids

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
URL = "/api/v1/activities/"


def soon(days: int = 1, hour: int = 14) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=PARIS)


@pytest.fixture
def spread():
    """150 activities scattered over ~40 km around Nantes, and a few far away."""
    rng = random.Random(7)
    points = [(47.22 + rng.uniform(-0.2, 0.2), -1.55 + rng.uniform(-0.3, 0.3)) for _ in range(150)]
    points += [(48.85, 2.35), (43.3, 5.37), (47.2184, -1.5536)]
    return [listed_activity(lat=lat, lng=lng, starts=[soon()]) for lat, lng in points]


def test_radius_returns_exactly_the_activities_within_it(client, spread):
    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(
        lat=st.floats(47.0, 47.45),
        lng=st.floats(-1.9, -1.2),
        radius=st.floats(0.5, 30),
    )
    def check(lat, lng, radius):
        params = {"lat": lat, "lng": lng, "radius_km": radius}
        found = all_ids(client, params)
        expected = {a.pk for a in spread if distance_km(lat, lng, a.lat, a.lng) <= radius}
        assert set(found) == expected
        assert len(found) == len(expected)  # no duplicates across pages
        distances = [
            distance_km(lat, lng, a.lat, a.lng) for a in Activity.objects.filter(pk__in=found)
        ]
        assert all(d <= radius for d in distances)

    check()


def test_nearest_first_is_monotonic_and_reports_distances(client, spread):
    response = client.get(URL, {"lat": 47.2184, "lng": -1.5536, "radius_km": 15, "page_size": 50})
    items = response.json()["results"]
    distances = [item["distance_km"] for item in items]
    assert distances == sorted(distances)
    assert distances[0] == pytest.approx(0, abs=0.01)
    for item in items[:5]:
        place = item["place"]
        assert item["distance_km"] == pytest.approx(
            distance_km(47.2184, -1.5536, place["lat"], place["lng"]), abs=0.001
        )


def test_filters_combine_with_and(client):
    match = listed_activity(lat=47.22, lng=-1.55, starts=[soon()], kind="club", is_free=True)
    listed_activity(lat=47.22, lng=-1.55, starts=[soon()], kind="class", is_free=True)
    listed_activity(lat=47.22, lng=-1.55, starts=[soon()], kind="club", is_free=False, price_min=5)
    listed_activity(lat=48.85, lng=2.35, starts=[soon()], kind="club", is_free=True)
    params = {"lat": 47.22, "lng": -1.55, "radius_km": 5, "kind": "club", "free": "true"}
    assert all_ids(client, params) == [match.pk]


def test_a_parent_category_includes_its_sub_categories(client):
    knitting = listed_activity(lat=None, lng=None, starts=[soon()], categories=["tricot-couture"])
    pottery = listed_activity(lat=None, lng=None, starts=[soon()], categories=["poterie-ceramique"])
    choir = listed_activity(lat=None, lng=None, starts=[soon()], categories=["chorale-chant"])
    assert set(all_ids(client, {"category": "loisirs-creatifs"})) == {knitting.pk, pottery.pk}
    assert set(all_ids(client, {"category": "tricot-couture"})) == {knitting.pk}
    assert set(all_ids(client, {"category": ["tricot-couture", "culture-arts"]})) == {
        knitting.pk,
        choir.pk,
    }


def test_a_category_change_is_searched_at_once(client):
    """On PostgreSQL the search reads the activity's copy of its category ids (a trigger)."""
    activity = listed_activity(lat=47.2, lng=-1.5, starts=[soon()], categories=["tricot-couture"])
    near = {"lat": 47.2, "lng": -1.5, "radius_km": 1}
    services.activity_update(
        activity=activity, by=editor_of(activity.organization), categories=["chorale-chant"]
    )
    assert all_ids(client, {**near, "category": "tricot-couture"}) == []
    assert all_ids(client, {**near, "category": "culture-arts"}) == [activity.pk]


def test_day_and_part_of_day_use_paris_time():
    """A Tuesday 23:30 session in Paris is Tuesday evening, though it is 21:30/22:30 UTC; a
    Wednesday 00:30 session is Wednesday morning though it is still Tuesday in UTC."""
    late = listed_activity(lat=None, lng=None, starts=[], kind="event")
    early = listed_activity(lat=None, lng=None, starts=[], kind="event")
    editor = editor_of(late.organization)
    editor_of(early.organization, user=editor)
    for activity, at in ((late, datetime.time(23, 30)), (early, datetime.time(0, 30))):
        services.schedule_create(
            activity=activity,
            by=editor,
            rrule="FREQ=WEEKLY;BYDAY=" + ("TU" if activity is late else "WE"),
            start_time=at,
            end_time=datetime.time(23, 59) if activity is late else datetime.time(2, 0),
            valid_from=timezone.localdate(),
        )
    from rest_framework.test import APIClient

    client = APIClient()
    assert all_ids(client, {"day": "tue", "part_of_day": "evening"}) == [late.pk]
    assert all_ids(client, {"day": "wed", "part_of_day": "morning"}) == [early.pk]
    assert all_ids(client, {"day": "wed", "part_of_day": "evening"}) == []
    assert set(all_ids(client, {"day": "tue,wed"})) == {late.pk, early.pk}


def test_time_window_filters_on_real_sessions(client):
    this_week = listed_activity(lat=None, lng=None, starts=[soon(2)])
    later = listed_activity(lat=None, lng=None, starts=[soon(20)])
    params = {"starts_after": soon(0).isoformat(), "starts_before": soon(7).isoformat()}
    assert all_ids(client, params) == [this_week.pk]
    sessions = client.get("/api/v1/occurrences/", params).json()["results"]
    assert [s["activity"]["id"] for s in sessions] == [this_week.pk]
    assert later.pk in all_ids(client, {})


def test_audience_language_age_accessibility_and_wheelchair(client):
    from activities.choices import AUDIENCES, LANGUAGES, mask_of

    seniors = listed_activity(
        lat=47.2, lng=-1.5, starts=[soon()], audiences_mask=mask_of(["seniors"], AUDIENCES),
        languages_mask=mask_of(["fr", "ar"], LANGUAGES), age_min=60,
        place_fields={"wheelchair": "partial", "hearing_support": True},
    )  # fmt: skip
    everyone = listed_activity(
        lat=47.2, lng=-1.5, starts=[soon()], place_fields={"wheelchair": "full"}
    )
    youth = listed_activity(
        lat=47.2, lng=-1.5, starts=[soon()], audiences_mask=mask_of(["youth"], AUDIENCES),
        age_max=25, place_fields={"wheelchair": "none"},
    )  # fmt: skip
    online = listed_activity(lat=None, lng=None, starts=[soon()])
    assert set(all_ids(client, {"audience": "seniors"})) == {seniors.pk, everyone.pk, online.pk}
    assert set(all_ids(client, {"language": "ar"})) == {seniors.pk}
    assert set(all_ids(client, {"age": 70})) == {seniors.pk, everyone.pk, online.pk}
    assert set(all_ids(client, {"age": 20})) == {everyone.pk, youth.pk, online.pk}
    assert set(all_ids(client, {"accessibility": "hearing"})) == {seniors.pk}
    assert set(all_ids(client, {"wheelchair": "full"})) == {everyone.pk, online.pk}
    assert set(all_ids(client, {"wheelchair": "partial"})) == {seniors.pk, everyone.pk, online.pk}


def test_only_published_activities_with_sessions_are_found(client):
    shown = listed_activity(lat=None, lng=None, starts=[soon()])
    listed_activity(lat=None, lng=None, starts=[soon()], status="pending")
    listed_activity(lat=None, lng=None, starts=[soon()], status="draft")
    listed_activity(lat=None, lng=None, starts=[])  # nothing ahead
    assert all_ids(client, {}) == [shown.pk]


def test_each_result_has_its_next_three_sessions_without_n_plus_one(client):
    for _ in range(3):
        listed_activity(lat=47.2, lng=-1.5, starts=[soon(d) for d in range(1, 6)])

    def run() -> tuple[list, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"lat": 47.2, "lng": -1.5, "radius_km": 5})
        return response.json()["results"], len(queries)

    run()  # the first request reads the reference data each process keeps (taxonomy, outlines)
    results, few = run()
    assert [len(r["next_occurrences"]) for r in results] == [3, 3, 3]
    starts = [s["start"] for s in results[0]["next_occurrences"]]
    assert starts == sorted(starts)
    for _ in range(12):
        listed_activity(lat=47.2, lng=-1.5, starts=[soon(d) for d in range(1, 6)])
    results, many = run()
    assert len(results) == 15
    assert many == few


def test_session_search_reads_its_activities_cards_without_n_plus_one(client):
    """Each session carries its activity's whole card, read once for the page whatever the
    number of sessions or activities."""
    for _ in range(2):
        listed_activity(lat=47.2, lng=-1.5, starts=[soon(d) for d in range(1, 6)])
    url = "/api/v1/occurrences/"

    def run() -> tuple[list, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"lat": 47.2, "lng": -1.5, "radius_km": 5})
        return response.json()["results"], len(queries)

    run()
    results, few = run()
    assert len(results) == 10
    first = next(r["activity"] for r in results)
    assert len(first["next_occurrences"]) == 3 and first["categories"] == ["tricot-couture"]
    assert first["distance_km"] == 0.0 and first["serves_point"] is False
    for _ in range(8):
        listed_activity(lat=47.2, lng=-1.5, starts=[soon(d) for d in range(1, 6)])
    results, many = run()
    assert len(results) == 20 and len({r["activity"]["id"] for r in results}) > 2
    assert many == few


def test_mine_answers_as_the_back_office_list(client):
    from activities.models import Organization
    from tests.conftest import client_for

    published = listed_activity(lat=47.2, lng=-1.5, starts=[soon()])
    draft = listed_activity(lat=None, lng=None, organization=published.organization, status="draft")
    listed_activity(lat=47.2, lng=-1.5, starts=[soon()])  # another organization's
    editor = client_for(editor_of(Organization.objects.get(pk=published.organization_id)))
    mine = editor.get("/api/v1/me/activities/").json()
    assert {a["id"] for a in mine["results"]} == {published.pk, draft.pk}
    assert editor.get(URL, {"mine": "true"}).json() == mine
    drafts = editor.get("/api/v1/me/activities/", {"status": "draft"}).json()["results"]
    assert [a["id"] for a in drafts] == [draft.pk]
    assert editor.get(URL, {"mine": "1", "status": "draft"}).json()["results"] == drafts
    # The search's parameters do not apply to it, but a bad one is refused all the same.
    refused = editor.get(URL, {"mine": "true", "attendance_mode": ""})
    assert refused.status_code == 400
    assert "attendance_mode" in refused.json()["error"]["fields"]


def test_updated_since_gives_exactly_the_changes_and_tombstones(client):
    kept = listed_activity(lat=None, lng=None, starts=[soon()])
    edited = listed_activity(lat=None, lng=None, starts=[soon()])
    removed = listed_activity(lat=None, lng=None, starts=[soon()])
    first = client.get(URL, {"page_size": 100})
    assert {i["id"] for i in first.json()["results"]} == {kept.pk, edited.pk, removed.pk}
    synced_at = timezone.now()

    editor = editor_of(edited.organization)
    services.activity_update(activity=edited, by=editor, title="Tricot du jeudi")
    services.activity_archive(activity=removed, by=editor_of(removed.organization))
    added = listed_activity(lat=None, lng=None, starts=[soon()])

    changes = client.get(URL, {"updated_since": synced_at.isoformat()}).json()
    assert [i["id"] for i in changes["results"]] == [edited.pk, added.pk]
    assert changes["results"][0]["title"] == "Tricot du jeudi"
    assert [t["id"] for t in changes["tombstones"]] == [removed.pk]
    assert changes["tombstones"][0]["reason"] == "archived"

    later = timezone.now()
    nothing = client.get(URL, {"updated_since": later.isoformat()}).json()
    assert nothing["results"] == [] and nothing["tombstones"] == []


def test_etag_gives_304_on_lists_and_details(client):
    activity = listed_activity(lat=None, lng=None, starts=[soon()])
    for url in (URL, f"{URL}{activity.pk}/"):
        first = client.get(url)
        assert first.status_code == 200
        etag = first["ETag"]
        assert etag
        again = client.get(url, HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304
        assert again.content == b""
    services.activity_update(
        activity=activity, by=editor_of(activity.organization), title="Nouveau titre"
    )
    assert client.get(f"{URL}{activity.pk}/", HTTP_IF_NONE_MATCH=etag).status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": 91, "lng": 0}, "lat"),
        ({"lat": 47, "lng": -181}, "lng"),
        ({"lat": 47, "lng": -1, "radius_km": -1}, "radius_km"),
        ({"lat": 47, "lng": -1, "radius_km": 201}, "radius_km"),
        ({"lat": 47}, "lng"),
        ({"radius_km": 5}, "radius_km"),
        ({"ordering": "price"}, "ordering"),
        ({"ordering": "distance"}, "ordering"),
        ({"ordering": "relevance"}, "ordering"),
        ({"starts_after": "mardi"}, "starts_after"),
        ({"updated_since": "2026-13-45"}, "updated_since"),
        ({"day": "funday"}, "day"),
        ({"category": "astrologie"}, "category"),
        ({"age": "old"}, "age"),
        ({"page_size": 101}, "page_size"),
        ({"page_size": 0}, "page_size"),
    ],
)
def test_bad_search_input_is_400(client, params, field):
    for url in (URL, "/api/v1/occurrences/"):
        response = client.get(url, params)
        assert response.status_code == 400, (url, response.content)
        assert field in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("tricoter", "Atelier tricot"),
        ("tricotons", "Atelier tricot"),
        ("theatre", "Atelier de théâtre amateur"),
        ("jardinnage", "Ateliers jardinage au jardin partagé"),
        ("Théâtre", "Atelier de théâtre amateur"),
    ],
)
def test_text_search_stems_unaccents_and_forgives_typos(client, query, title):
    target = listed_activity(lat=None, lng=None, starts=[soon()], title=title, summary="Venez.")
    listed_activity(lat=None, lng=None, starts=[soon()], title="Chorale", summary="On chante.")
    found = all_ids(client, {"q": query})
    assert found == [target.pk]


@pytest.mark.postgres
def test_typos_are_forgiven_only_when_the_words_match_nothing(client):
    """ "jardin" matches "Jardin partagé" by its words: the near-spelling "Jardins du monde"
    (trigram) is not mixed in, but a typo that matches no word finds both, page after page."""
    words = listed_activity(lat=None, lng=None, starts=[soon()], title="Jardin partagé")
    near = listed_activity(lat=None, lng=None, starts=[soon()], title="Jardinerie solidaire")
    listed_activity(lat=None, lng=None, starts=[soon()], title="Chorale", summary="On chante.")
    assert all_ids(client, {"q": "jardin"}) == [words.pk]
    assert sorted(all_ids(client, {"q": "jardinn", "page_size": 1})) == sorted([words.pk, near.pk])
    sessions = client.get("/api/v1/occurrences/", {"q": "jardinn"}).json()["results"]
    assert {s["activity"]["id"] for s in sessions} == {words.pk, near.pk}


def test_text_search_finds_words_on_any_database(client):
    target = listed_activity(lat=None, lng=None, starts=[soon()], title="Atelier tricot")
    listed_activity(lat=None, lng=None, starts=[soon()], title="Chorale")
    assert all_ids(client, {"q": "tricot"}) == [target.pk]


def test_pages_follow_the_order_through_ties_without_loss_or_repeat(client):
    """Five activities share each place: every ordering pages through ties in id order."""
    same_place = [
        listed_activity(lat=47.22, lng=-1.55, starts=[soon()], place_fields={}) for _ in range(5)
    ]
    for activity in same_place[1:]:
        activity.place = same_place[0].place
        activity.save(update_fields=["place"])
    farther = [listed_activity(lat=47.23, lng=-1.55, starts=[soon(2)]) for _ in range(3)]
    point = {"lat": 47.22, "lng": -1.55, "radius_km": 5}
    everything = {a.pk for a in same_place + farther}
    for ordering in ("distance", "next_occurrence", "-updated_at", "updated_at"):
        ids, url, query = [], URL, {**point, "ordering": ordering, "page_size": 2}
        while url:
            body = client.get(url, query).json()
            assert body["previous"] is None
            ids += [item["id"] for item in body["results"]]
            url, query = body["next"], None
        assert len(ids) == len(everything) and set(ids) == everything, ordering
    nearest = all_ids(client, {**point, "ordering": "distance"})
    assert nearest[:5] == sorted(a.pk for a in same_place)


def test_a_tampered_cursor_is_400(client):
    listed_activity(lat=None, lng=None, starts=[soon()])
    listed_activity(lat=None, lng=None, starts=[soon()])
    body = client.get(URL, {"page_size": 1}).json()
    good = parse_qs(urlsplit(body["next"]).query)["cursor"][0]

    def cursor(value) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()

    forged = [
        "not-base64!",
        cursor(["distance", [0, 1.0, 2]]),  # made for another ordering
        cursor(["-updated_at", [0, "yesterday", 2]]),
        cursor(["-updated_at", [0, {"a": 1}, 2]]),
        cursor(["-updated_at", [7, "2026-11-21T07:56:45", 2]]),
        cursor(["-updated_at", [0, "2026-11-21T07:56:45"]]),
    ]
    assert client.get(URL, {"page_size": 1, "cursor": good}).status_code == 200
    for cursor in forged:
        for url in (URL, "/api/v1/occurrences/"):
            response = client.get(url, {"cursor": cursor})
            assert response.status_code == 400, (url, cursor, response.content)
            assert "cursor" in response.json()["error"]["fields"]


def test_cards_have_exactly_the_documented_fields(client):
    from api.cards import ActivityCardSerializer
    from api.search import OccurrenceCardSerializer

    listed_activity(lat=47.2, lng=-1.5, starts=[soon()], price_min=5, is_free=False)
    card = client.get(URL, {"lat": 47.2, "lng": -1.5}).json()["results"][0]
    assert list(card) == ActivityCardSerializer.Meta.fields
    assert list(card["organization"]) == ["slug", "name", "kind", "verified"]
    assert list(card["place"]) == ["id", "name", "city", "postal_code", "lat", "lng", "wheelchair"]
    assert card["price_min"] == "5.00"
    assert card["updated_at"].endswith(("+01:00", "+02:00"))  # Paris time, as DRF renders it
    session = client.get("/api/v1/occurrences/").json()["results"][0]
    assert list(session) == OccurrenceCardSerializer.Meta.fields
    assert list(session["activity"]) == list(OccurrenceCardSerializer().fields["activity"].fields)


@given(
    moment=st.datetimes(
        min_value=datetime.datetime(1900, 1, 2),
        max_value=datetime.datetime(2200, 1, 1),
        timezones=st.sampled_from(
            [datetime.UTC, ZoneInfo("Europe/Paris"), ZoneInfo("America/Cayenne")]
        ),
    )
)
def test_card_datetimes_are_rendered_as_drf_renders_them(moment):
    from rest_framework import serializers

    from api.cards import render_datetime

    assert render_datetime(moment) == serializers.DateTimeField().to_representation(moment)


def test_the_two_times_of_the_hour_when_clocks_go_back_are_rendered_apart():
    from api.cards import render_datetime

    first = datetime.datetime(2026, 10, 25, 2, 30, tzinfo=ZoneInfo("Europe/Paris"))
    second = first.replace(fold=1)  # equal to the first within the zone, an hour later
    assert render_datetime(first) == "2026-10-25T02:30:00+02:00"
    assert render_datetime(second) == "2026-10-25T02:30:00+01:00"


@pytest.mark.postgres
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lat=st.floats(min_value=-89.9, max_value=89.9, allow_subnormal=False),
    lng=st.floats(min_value=-180, max_value=180, allow_subnormal=False),
    radius_m=st.floats(min_value=0, max_value=400_000, allow_subnormal=False),
)
def test_earth_literals_are_earthdistance_s_own_values(lat, lng, radius_m):
    """The point and box the search sends as literals are exactly what ll_to_earth and
    earth_box compute: the nearest-first order and its cursors stay those of the index."""
    from activities.search.geo_sql import earth_box_sql, earth_point_sql

    point, point_args = earth_point_sql(lat, lng)
    box, box_args = earth_box_sql(lat, lng, radius_m)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {point} = ll_to_earth(%s, %s), {box} = earth_box(ll_to_earth(%s, %s), %s)",
            [*point_args, lat, lng, *box_args, lat, lng, radius_m],
        )
        assert cursor.fetchone() == (True, True)


@pytest.mark.postgres
def test_cards_and_sessions_by_id_are_read_through_prepared_statements():
    """The same rows as the plain query, from a statement the connection keeps prepared."""
    from activities.search import cards, session_search

    activities = [listed_activity(lat=47.2, lng=-1.5, starts=[soon(1), soon(2)]) for _ in range(3)]
    ids = [activity.pk for activity in activities]
    sessions = [pk for a in activities for pk in a.occurrences.values_list("id", flat=True)]
    now = timezone.now()
    rows = cards.cards_by_id(ids, now)
    assert sorted(rows) == sorted(ids)
    assert all(len(row[-1]) == 2 for row in rows.values())  # the next sessions, read with it
    found = session_search._sessions_by_id(sessions, cards.card_columns(now))
    assert sorted(row[0] for row in found) == sorted(sessions)
    assert [row[1] for row in found] == sorted(row[1] for row in found)  # soonest first
    card_at = session_search.CARD_AT  # each session with its activity's card row
    assert all(row[card_at:] == rows[row[card_at]] for row in found)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any("unnest" in text and "activities_activity" in text for text in prepared)
    with CaptureQueriesContext(connection) as logged:  # logged: the plain query, same rows
        assert cards.cards_by_id(ids, now) == rows
        assert session_search._sessions_by_id(sessions, cards.card_columns(now)) == found
    assert all(query["sql"] for query in logged.captured_queries)


def test_remote_activities_serving_the_point_are_included_and_marked(client):
    """Rezé (44143) is in Nantes Métropole: an at-home service for the métropole serves it."""
    from activities.models import Territory

    metropole = Territory.objects.get(insee_code="244400404")
    home_visits = listed_activity(lat=None, lng=None, starts=[soon()], attendance_mode="at_home")
    home_visits.service_area.set([metropole])
    elsewhere = listed_activity(lat=None, lng=None, starts=[soon()], attendance_mode="phone")
    elsewhere.service_area.set([Territory.objects.get(insee_code="44184")])  # Saint-Nazaire
    venue = listed_activity(lat=47.1763, lng=-1.5500, starts=[soon()])
    rezé = {"lat": 47.1763, "lng": -1.5496, "radius_km": 3}
    results = client.get(URL, rezé).json()["results"]
    assert [item["id"] for item in results] == [venue.pk, home_visits.pk]
    assert results[0]["serves_point"] is False and results[0]["distance_km"] is not None
    assert results[1]["serves_point"] is True and results[1]["distance_km"] is None
    # Paged one by one, the venue then the service; and with a page the venues fill exactly.
    assert all_ids(client, {**rezé, "page_size": 1}) == [venue.pk, home_visits.pk]
    second_venue = listed_activity(lat=47.1764, lng=-1.5500, starts=[soon()])
    assert all_ids(client, {**rezé, "page_size": 2}) == [venue.pk, second_venue.pk, home_visits.pk]
    everything = {venue.pk, second_venue.pk, home_visits.pk}
    assert set(all_ids(client, {**rezé, "ordering": "-updated_at"})) == everything
    sessions = client.get("/api/v1/occurrences/", rezé).json()["results"]
    assert {s["activity"]["id"] for s in sessions} == everything


@pytest.mark.parametrize(
    ("max_cells", "sparse"),
    [(64, 3000), (0, 0), (0, 3000)],
    ids=["by cell (PostgreSQL)", "dense walk", "by activity"],
)
def test_session_search_returns_exactly_the_sessions_in_the_circle(
    client, monkeypatch, spread, max_cells, sparse
):
    """Every way of finding sessions gives exactly those of the activities within the radius,
    soonest first, through ties on the start (all of them start at the same time but one)."""
    from activities.models import Occurrence
    from activities.search import session_search

    monkeypatch.setattr(session_search, "MAX_CELLS", max_cells)
    monkeypatch.setattr(session_search, "SPARSE_ACTIVITIES", sparse)
    spread[0].occurrences.update(start=soon(2), end=soon(2, 16))
    sessions = list(Occurrence.objects.select_related("activity"))

    @settings(
        max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(lat=st.floats(47.0, 47.45), lng=st.floats(-1.9, -1.2), radius=st.floats(0.5, 25))
    def check(lat, lng, radius):
        expected = sorted(
            (s.start, s.pk)
            for s in sessions
            if distance_km(lat, lng, s.activity.lat, s.activity.lng) <= radius
        )
        url, query, found = (
            "/api/v1/occurrences/",
            {"lat": lat, "lng": lng, "radius_km": radius},
            [],
        )
        query["page_size"] = 7
        while url:
            body = client.get(url, query).json()
            found += [
                (datetime.datetime.fromisoformat(s["start"]), s["id"]) for s in body["results"]
            ]
            url, query = body["next"], None
        assert found == expected

    check()


@pytest.mark.postgres
def test_sessions_follow_their_activity_when_its_venue_moves(client):
    activity = listed_activity(lat=47.2, lng=-1.5, starts=[soon()])
    editor = editor_of(activity.organization)
    services.place_update(place=activity.place, by=editor, lat=45.76, lng=4.83)  # to Lyon
    for (lat, lng), found in (((47.2, -1.5), []), ((45.76, 4.83), [activity.pk])):
        body = client.get("/api/v1/occurrences/", {"lat": lat, "lng": lng, "radius_km": 2}).json()
        assert [s["activity"]["id"] for s in body["results"]] == found


@pytest.mark.parametrize("sparse", [0, 3000], ids=["dense walk", "by activity"])
def test_session_search_pages_soonest_first(client, monkeypatch, sparse):
    """Both ways of finding sessions (by activity where few match, walking the window
    soonest first where many do) give the same pages."""
    from activities.search import session_search

    monkeypatch.setattr(session_search, "SPARSE_ACTIVITIES", sparse)
    listed_activity(lat=48.85, lng=2.35, starts=[soon(1, 9)])  # elsewhere, sooner
    activities = [
        listed_activity(lat=47.2, lng=-1.5, starts=[soon(d, hour) for d in range(1, 4)])
        for hour in (10, 15)
    ]
    url, query, starts = "/api/v1/occurrences/", {"lat": 47.2, "lng": -1.5, "page_size": 4}, []
    while url:
        body = client.get(url, query).json()
        starts += [(s["start"], s["id"]) for s in body["results"]]
        url, query = body["next"], None
    assert len(starts) == 6 and starts == sorted(starts)
    assert {a.pk for a in activities} == set(
        Activity.objects.filter(occurrences__id__in=[pk for _, pk in starts]).values_list(
            "pk", flat=True
        )
    )
