"""Bad input to the directory gets 400 with field errors and writes nothing."""

import datetime

import pytest
from django.utils import timezone

from activities.models import Activity, Occurrence, Place, Schedule
from tests.conftest import client_for
from tests.factories import ActivityFactory, editor_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def activity():
    return ActivityFactory(status="draft")


@pytest.fixture
def client(activity):
    return client_for(editor_of(activity.organization))


def _counts() -> tuple[int, ...]:
    return (
        Place.objects.count(),
        Activity.objects.count(),
        Schedule.objects.count(),
        Occurrence.objects.count(),
    )


def _fails(response, *fields: str) -> dict:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    for field in fields:
        assert field in error["fields"], error
    return error


def _activity_body(activity, **overrides) -> dict:
    return {
        "organization": activity.organization.slug,
        "title": "Atelier",
        "summary": "Un atelier.",
        "kind": "club",
        "categories": ["tricot-couture"],
        "place": activity.place_id,
        **overrides,
    }


@pytest.mark.parametrize(
    ("lat", "lng", "field"),
    [(91, 0, "lat"), (-90.5, 0, "lat"), (47, 181, "lng"), (47, -200, "lng")],
)
def test_place_coordinates_out_of_range(client, activity, lat, lng, field):
    before = _counts()
    response = client.post(
        "/api/v1/places/",
        {"organization": activity.organization.slug, "name": "Salle", "lat": lat, "lng": lng},
    )
    _fails(response, field)
    assert _counts() == before


def test_moving_a_place_out_of_range_changes_nothing(client, activity):
    place = activity.place
    _fails(client.patch(f"/api/v1/places/{place.pk}/", {"lat": 95}), "lat")
    place.refresh_from_db()
    assert place.lat == pytest.approx(47.2184)


def test_unknown_category(client, activity):
    before = _counts()
    response = client.post(
        "/api/v1/activities/", _activity_body(activity, categories=["astrologie-quantique"])
    )
    error = _fails(response, "categories")
    assert "astrologie-quantique" in error["fields"]["categories"][0]
    assert _counts() == before


def test_unknown_category_on_update_keeps_the_old_ones(client, activity):
    _fails(
        client.patch(f"/api/v1/activities/{activity.pk}/", {"categories": ["nope"], "title": "X"}),
        "categories",
    )
    activity.refresh_from_db()
    assert activity.title.startswith("Atelier")
    assert list(activity.categories.values_list("slug", flat=True)) == ["tricot-couture"]


def test_summary_over_200_characters(client, activity):
    before = _counts()
    _fails(
        client.post("/api/v1/activities/", _activity_body(activity, summary="x" * 201)), "summary"
    )
    assert _counts() == before


@pytest.mark.parametrize("field", ["price_min", "price_max", "reduced_price"])
def test_negative_price(client, activity, field):
    before = _counts()
    body = _activity_body(activity, is_free=False, **{field: "-1.00"})
    _fails(client.post("/api/v1/activities/", body), field)
    assert _counts() == before


def test_price_min_above_price_max(client, activity):
    body = _activity_body(activity, is_free=False, price_min="10.00", price_max="5.00")
    _fails(client.post("/api/v1/activities/", body), "price_min")


def test_a_free_activity_has_no_price(client, activity):
    _fails(client.post("/api/v1/activities/", _activity_body(activity, price_min="3")), "is_free")


def test_age_min_over_age_max(client, activity):
    before = _counts()
    _fails(
        client.post("/api/v1/activities/", _activity_body(activity, age_min=70, age_max=60)),
        "age_min",
    )
    assert _counts() == before
    _fails(
        client.patch(f"/api/v1/activities/{activity.pk}/", {"age_min": 90, "age_max": 20}),
        "age_min",
    )
    activity.refresh_from_db()
    assert activity.age_min is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "<b>Atelier</b>"),
        ("summary", "Venez <script>alert(1)</script>"),
        ("description", "Texte <img src=x onerror=alert(1)>"),
    ],
)
def test_markup_is_refused(client, activity, field, value):
    before = _counts()
    _fails(client.post("/api/v1/activities/", _activity_body(activity, **{field: value})), field)
    assert _counts() == before


def test_plain_text_with_angle_brackets_is_fine(client, activity):
    response = client.post(
        "/api/v1/activities/", _activity_body(activity, summary="Pour les 7 < 12 ans, on <3 le jeu")
    )
    assert response.status_code == 201, response.content


def test_a_remote_activity_has_no_place(client, activity):
    body = _activity_body(activity, attendance_mode="online")
    _fails(client.post("/api/v1/activities/", body), "place")


def test_a_place_of_another_organization(client, activity):
    other = ActivityFactory()
    _fails(
        client.post("/api/v1/activities/", _activity_body(activity, place=other.place_id)), "place"
    )


def _schedule(client, activity, **fields):
    body = {
        "rrule": "FREQ=WEEKLY;BYDAY=TU",
        "start_time": "14:00",
        "end_time": "16:00",
        "valid_from": timezone.localdate().isoformat(),
        **fields,
    }
    return client.post(f"/api/v1/activities/{activity.pk}/schedules/", body)


@pytest.mark.parametrize(
    "rrule",
    [
        "FREQ=SECONDLY",
        "FREQ=MINUTELY;INTERVAL=5",
        "FREQ=HOURLY;BYDAY=MO",
        "FREQ=YEARLY",
        "FREQ=WEEKLY;COUNT=100000",
        "FREQ=DAILY;UNTIL=20600101",
        "FREQ=WEEKLY;BYHOUR=10",
        "FREQ=WEEKLY;INTERVAL=0",
        "pas une règle",
    ],
)
def test_refused_recurrence_rules(client, activity, rrule):
    before = _counts()
    error = _fails(_schedule(client, activity, rrule=rrule), "rrule")
    assert error["fields"]["rrule"][0]
    assert _counts() == before


def test_schedule_end_before_start(client, activity):
    before = _counts()
    _fails(_schedule(client, activity, start_time="16:00", end_time="14:00"), "end_time")
    assert _counts() == before


def test_unknown_time_zone(client, activity):
    _fails(_schedule(client, activity, timezone="Mars/Olympus"), "timezone")


def test_valid_to_before_valid_from(client, activity):
    _fails(_schedule(client, activity, valid_to="2000-01-01"), "valid_to")


def test_a_bad_schedule_edit_keeps_the_sessions(client, activity):
    created = _schedule(client, activity)
    assert created.status_code == 201
    sessions = list(Occurrence.objects.values_list("start", flat=True))
    response = client.patch(
        f"/api/v1/schedules/{created.json()['id']}/", {"rrule": "FREQ=SECONDLY"}
    )
    _fails(response, "rrule")
    assert list(Occurrence.objects.values_list("start", flat=True)) == sessions
    assert Schedule.objects.get().rrule == "FREQ=WEEKLY;BYDAY=TU"


def test_occurrence_end_before_start(client, activity):
    _schedule(client, activity)
    occurrence = Occurrence.objects.first()
    start = occurrence.start
    response = client.patch(
        f"/api/v1/occurrences/{occurrence.pk}/",
        {"end": (start - datetime.timedelta(hours=1)).isoformat()},
    )
    _fails(response, "end")
    occurrence.refresh_from_db()
    assert occurrence.end > occurrence.start == start


def test_submitting_an_incomplete_activity_lists_what_is_missing(client, activity):
    activity.categories.clear()
    error = _fails(
        client.post(f"/api/v1/activities/{activity.pk}/submit/"), "categories", "schedules"
    )
    assert error["code"] == "incomplete"
    activity.refresh_from_db()
    assert activity.status == "draft"
