"""The OpenActive RPDE feeds through real URLs, checked against the RPDE 1.0 rules
(`assert_rpde_feed`): ordering by (modified, id), `next` naming the last item, deleted
items without data, the last page repeating its query, cache headers; and that nothing
unpublished is named. CI also walks the served feeds with OpenActive's own validator
(clients/openactive-check)."""

import datetime
from urllib.parse import parse_qs, urlparse

import pytest
from rest_framework.test import APIClient

from activities import services
from activities.models import Occurrence
from interop.exports import rpde
from tests.interop.exports.conftest import assert_nothing_hidden

pytestmark = pytest.mark.django_db

SERIES = "/api/v1/openactive/session-series"
SESSIONS = "/api/v1/openactive/scheduled-sessions"


def assert_rpde_feed(client: APIClient, url: str, kind: str) -> list[dict]:
    """Walk the feed from its first page to its last, asserting every RPDE rule on the way;
    the items of every page."""
    seen: list[dict] = []
    previous = None
    for _ in range(1000):
        response = client.get(url)
        assert response.status_code == 200, response.content
        assert response["Content-Type"].startswith("application/json")
        page = response.json()
        assert set(page) == {"next", "items", "license"}
        assert page["license"].startswith("https://")
        for item in page["items"]:
            assert item["kind"] == kind
            assert item["state"] in ("updated", "deleted")
            assert isinstance(item["id"], int) and isinstance(item["modified"], int)
            if item["state"] == "updated":
                assert item["data"]["@type"] == kind
                assert item["data"]["identifier"] == item["id"]
            else:
                assert "data" not in item
            key = (item["modified"], item["id"])
            assert previous is None or key > previous, "items out of (modified, id) order"
            previous = key
        query = parse_qs(urlparse(page["next"]).query)
        if page["items"]:
            last = page["items"][-1]
            assert query == {
                "afterTimestamp": [str(last["modified"])],
                "afterId": [str(last["id"])],
            }
            assert response["Cache-Control"] == "public, max-age=3600"
            seen += page["items"]
            url = page["next"]
            continue
        # The last page: its `next` is its own query, cached briefly.
        assert urlparse(page["next"]).query == urlparse("http://testserver" + url).query or (
            not urlparse(page["next"]).query and "?" not in url
        )
        assert response["Cache-Control"] == "public, max-age=8"
        return seen
    pytest.fail("the feed never ends")


def test_session_series_feed_follows_rpde_and_shows_only_published(directory):
    client = APIClient()
    items = assert_rpde_feed(client, SERIES, "SessionSeries")
    assert {item["id"] for item in items} == {directory["club"].pk, directory["online"].pk}
    club = next(item["data"] for item in items if item["id"] == directory["club"].pk)
    assert club["@context"][0] == "https://openactive.io/"
    assert club["location"]["geo"]["latitude"] == pytest.approx(47.2184)
    assert club["location"]["address"]["postalCode"] == "44000"
    assert club["organizer"]["name"] == "Les Amis du Tricot"
    assert club["eventSchedule"][0]["byDay"] == ["https://schema.org/Tuesday"]
    assert club["eventSchedule"][0]["repeatFrequency"] == "P1W"
    assert club["eventSchedule"][0]["scheduleTimezone"] == "Europe/Paris"
    concept = club["activity"][0]
    assert concept["@type"] == "Concept" and concept["inScheme"].endswith("/api/v1/categories/")
    assert concept["@id"].startswith(concept["inScheme"] + "#")
    assert club["offers"][0]["price"] == 0
    import json

    assert_nothing_hidden(json.dumps(items))


def test_an_archived_activity_becomes_a_deleted_item_and_its_sessions_too(directory):
    client = APIClient()
    club = directory["club"]
    first = assert_rpde_feed(client, SERIES, "SessionSeries")
    last_seen = first[-1]
    services.activity_transition(activity=club, to="archived", by=directory["editor"])
    after = f"{SERIES}?afterTimestamp={last_seen['modified']}&afterId={last_seen['id']}"
    new = assert_rpde_feed(client, after, "SessionSeries")
    assert [(item["id"], item["state"]) for item in new] == [(club.pk, "deleted")]
    sessions = assert_rpde_feed(client, SESSIONS, "ScheduledSession")
    club_sessions = set(
        club.occurrences.filter(start__gte=datetime.datetime.now(datetime.UTC)).values_list(
            "pk", flat=True
        )
    )
    assert club_sessions
    states = {item["id"]: item["state"] for item in sessions}
    assert all(states[pk] == "deleted" for pk in club_sessions)


def test_scheduled_sessions_carry_local_times_and_cancellations(directory):
    client = APIClient()
    items = assert_rpde_feed(client, SESSIONS, "ScheduledSession")
    club = directory["club"]
    by_id = {item["id"]: item for item in items}
    occurrence = club.occurrences.order_by("start").first()
    data = by_id[occurrence.pk]["data"]
    assert data["superEvent"].endswith(f"/api/v1/activities/{club.pk}/")
    start = datetime.datetime.fromisoformat(data["startDate"])
    assert start.utcoffset() in (datetime.timedelta(hours=1), datetime.timedelta(hours=2))
    assert (start.hour, start.minute) == (14, 0)
    assert start == occurrence.start
    Occurrence.objects.filter(pk=occurrence.pk).update(
        status="cancelled", updated_at=datetime.datetime.now(datetime.UTC)
    )
    again = {item["id"]: item for item in assert_rpde_feed(client, SESSIONS, "ScheduledSession")}
    assert again[occurrence.pk]["state"] == "deleted" and "data" not in again[occurrence.pk]


def test_sessions_of_an_activity_never_published_are_never_named(directory):
    hidden = directory["hidden"]["draft"]
    start = datetime.datetime(2030, 1, 1, 14, tzinfo=datetime.UTC)
    secret = Occurrence.objects.create(
        activity=hidden, series_start=start, start=start, end=start + datetime.timedelta(hours=1)
    )
    items = assert_rpde_feed(APIClient(), SESSIONS, "ScheduledSession")
    assert secret.pk not in {item["id"] for item in items}


def test_pages_split_exactly_after_the_last_item(directory, monkeypatch):
    """Small pages: the walk still yields every item once."""
    from api import openactive as feeds

    full = assert_rpde_feed(APIClient(), SESSIONS, "ScheduledSession")
    monkeypatch.setattr(feeds, "PAGE_SIZE", 1)
    paged = assert_rpde_feed(APIClient(), SESSIONS, "ScheduledSession")
    assert [(i["id"], i["modified"]) for i in paged] == [(i["id"], i["modified"]) for i in full]
    assert len(paged) > 2


def test_modified_round_trips_to_the_microsecond():
    moment = datetime.datetime(2026, 3, 29, 1, 2, 3, 456789, tzinfo=datetime.UTC)
    assert rpde.moment_of(rpde.timestamp_of(moment)) == moment


@pytest.mark.parametrize(
    "query",
    [
        {"afterTimestamp": "1"},
        {"afterId": "1"},
        {"afterTimestamp": "x", "afterId": "1"},
        {"afterTimestamp": "-1", "afterId": "1"},
        {"afterTimestamp": str(rpde.MAX_TIMESTAMP + 1), "afterId": "1"},
    ],
)
def test_bad_cursor_is_a_400_in_the_callers_language(directory, query):
    en = APIClient().get(SERIES, query, HTTP_ACCEPT_LANGUAGE="en")
    fr = APIClient().get(SERIES, query, HTTP_ACCEPT_LANGUAGE="fr")
    assert en.status_code == fr.status_code == 400
    assert en.json()["error"]["fields"]
    assert en.json()["error"]["message"] != fr.json()["error"]["message"]


def test_a_schedule_edit_moves_its_series_to_the_end_of_the_feed(directory):
    """The series shows its schedules: editing one is a change of the SessionSeries, though
    not of the activity's own `updated_at`."""
    client = APIClient()
    club = directory["club"]
    before = assert_rpde_feed(client, SERIES, "SessionSeries")
    assert before[-1]["id"] != club.pk
    last = before[-1]
    schedule = club.schedules.get()
    services.schedule_update(schedule=schedule, by=directory["editor"], end_time=datetime.time(17))
    after = f"{SERIES}?afterTimestamp={last['modified']}&afterId={last['id']}"
    [item] = assert_rpde_feed(client, after, "SessionSeries")
    assert item["id"] == club.pk and item["state"] == "updated"
    assert item["data"]["eventSchedule"][0]["endTime"] == "17:00"


def test_a_schedule_edit_moves_its_sessions_to_the_end_of_the_feed(directory):
    client = APIClient()
    club = directory["club"]
    before = assert_rpde_feed(client, SESSIONS, "ScheduledSession")
    last = before[-1]
    services.schedule_update(
        schedule=club.schedules.get(), by=directory["editor"], end_time=datetime.time(17)
    )
    after = f"{SESSIONS}?afterTimestamp={last['modified']}&afterId={last['id']}"
    items = assert_rpde_feed(client, after, "ScheduledSession")
    future = club.occurrences.filter(start__gte=datetime.datetime.now(datetime.UTC))
    assert {item["id"] for item in items} >= set(future.values_list("pk", flat=True))
    for item in items:
        end = datetime.datetime.fromisoformat(item["data"]["endDate"])
        assert (end.hour, end.minute) == (17, 0)
