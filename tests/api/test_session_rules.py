"""The rules of one session's edits, and of an activity whose last schedule is deleted."""

import datetime

import pytest
from django.test import TestCase
from django.utils import timezone

from activities import services as directory
from activities.models import Occurrence
from matching import services as matching
from matching.models import RecommendationSet
from tests.conftest import client_for
from tests.factories import UserFactory, editor_of, listed_activity

pytestmark = pytest.mark.django_db
HOME = (47.2184, -1.5536)


def _published_with_schedule(**fields):
    activity = listed_activity(*HOME, starts=[], status="draft", **fields)
    editor = editor_of(activity.organization)
    schedule = directory.schedule_create(
        activity=activity, by=editor, rrule="FREQ=WEEKLY;BYDAY=MO,TH",
        start_time=datetime.time(15), end_time=datetime.time(17),
        valid_from=timezone.localdate(),
    )  # fmt: skip
    with TestCase.captureOnCommitCallbacks(execute=True):
        directory.activity_publish(activity=activity)
    return activity, schedule, client_for(editor)


def _sessions(activity) -> list[Occurrence]:
    return list(activity.occurrences.filter(start__gte=timezone.now()).order_by("start", "id"))


def _iso(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).isoformat()


@pytest.mark.parametrize(
    "body",
    [{}, {"note": ""}, {"status": "scheduled"}, {"capacity": None}, "same times"],
)
def test_a_no_op_edit_leaves_the_session_following_its_series(body):
    activity, schedule, client = _published_with_schedule()
    session = _sessions(activity)[0]
    if body == "same times":
        body = {"start": _iso(session.start), "end": _iso(session.end), "note": ""}
    response = client.patch(f"/api/v1/occurrences/{session.pk}/", body)
    assert response.status_code == 200, response.content
    assert response.json()["is_modified"] is False
    session.refresh_from_db()
    assert not session.is_modified
    # The series changes: the session follows it.
    directory.schedule_update(
        schedule=schedule, by=editor_of(activity.organization), end_time=datetime.time(18)
    )
    session.refresh_from_db()
    assert timezone.localtime(session.end).hour == 18


def test_a_real_edit_keeps_the_session_apart_from_its_series():
    activity, schedule, client = _published_with_schedule()
    session = _sessions(activity)[0]
    response = client.patch(f"/api/v1/occurrences/{session.pk}/", {"note": "Salle 2"})
    assert response.status_code == 200
    assert response.json()["is_modified"] is True
    directory.schedule_update(
        schedule=schedule, by=editor_of(activity.organization), end_time=datetime.time(18)
    )
    session.refresh_from_db()
    assert timezone.localtime(session.end).hour == 17
    assert session.note == "Salle 2"


def _refused(response, code: str) -> None:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == code
    assert "start" in error["fields"]


def test_a_session_cannot_be_moved_into_the_past():
    activity, _schedule, client = _published_with_schedule()
    session = _sessions(activity)[0]
    before = (session.start, session.end, session.is_modified)
    yesterday = timezone.now() - datetime.timedelta(days=1)
    response = client.patch(
        f"/api/v1/occurrences/{session.pk}/",
        {"start": _iso(yesterday), "end": _iso(yesterday + datetime.timedelta(hours=2))},
    )
    _refused(response, "session_in_past")
    session.refresh_from_db()
    assert (session.start, session.end, session.is_modified) == before


def test_a_session_cannot_be_moved_onto_another_session():
    activity, _schedule, client = _published_with_schedule()
    first, second = _sessions(activity)[:2]
    before = (first.start, first.end)
    # Exactly onto the other, then overlapping it by an hour.
    for start in (second.start, second.start - datetime.timedelta(hours=1)):
        response = client.patch(
            f"/api/v1/occurrences/{first.pk}/",
            {"start": _iso(start), "end": _iso(start + datetime.timedelta(hours=2))},
        )
        _refused(response, "session_overlap")
        first.refresh_from_db()
        assert (first.start, first.end) == before
    # A free time is fine; so is the time of a cancelled session.
    free = second.start + datetime.timedelta(hours=3)
    response = client.patch(
        f"/api/v1/occurrences/{first.pk}/",
        {"start": _iso(free), "end": _iso(free + datetime.timedelta(hours=1))},
    )
    assert response.status_code == 200, response.content
    third = _sessions(activity)[2]
    cancelled = client.patch(f"/api/v1/occurrences/{third.pk}/", {"status": "cancelled"})
    assert cancelled.status_code == 200
    fourth = _sessions(activity)[3]
    response = client.patch(
        f"/api/v1/occurrences/{fourth.pk}/", {"start": _iso(third.start), "end": _iso(third.end)}
    )
    assert response.status_code == 200, response.content


def test_count_beyond_five_years_is_refused():
    activity, _schedule, client = _published_with_schedule()
    response = client.post(
        f"/api/v1/activities/{activity.pk}/schedules/",
        {
            "rrule": "FREQ=WEEKLY;INTERVAL=52;COUNT=730",
            "start_time": "10:00",
            "end_time": "11:00",
            "valid_from": str(timezone.localdate()),
        },
    )
    assert response.status_code == 400
    assert "rrule" in response.json()["error"]["fields"]
    assert activity.schedules.count() == 1


def _listed(client, path: str, activity_id: int) -> bool:
    response = client.get(path)
    assert response.status_code == 200
    ids = [
        row["activity"]["id"] if "start" in row else row["id"] for row in response.json()["results"]
    ]
    return activity_id in ids


def test_deleting_the_last_schedule_removes_the_activity_from_search_and_recommendations():
    resident = UserFactory()
    matching.profile_update(
        user=resident, matching_consent=True, home=HOME, interests={"chorale-chant": 1.0}
    )
    activity, schedule, client = _published_with_schedule(categories=["chorale-chant"])
    matching.recommendations_compute(user_ids=[resident.pk])
    assert activity.pk in RecommendationSet.objects.get(user=resident).activity_ids
    reader = client_for(resident)
    assert _listed(reader, "/api/v1/activities/", activity.pk)
    assert _listed(reader, "/api/v1/occurrences/", activity.pk)

    # The deletion's signal reaches the matcher after commit (Celery eager, as on `make run`).
    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
        assert client.delete(f"/api/v1/schedules/{schedule.pk}/").status_code == 204
    assert callbacks

    activity.refresh_from_db()
    assert activity.next_start is None
    assert not _listed(reader, "/api/v1/activities/", activity.pk)
    assert not _listed(reader, "/api/v1/occurrences/", activity.pk)
    assert not _listed(reader, f"/api/v1/activities/?q={activity.title}", activity.pk)
    assert activity.pk not in RecommendationSet.objects.get(user=resident).activity_ids
    listing = reader.get("/api/v1/recommendations/").json()["results"]
    assert activity.pk not in [item["activity"]["id"] for item in listing]
