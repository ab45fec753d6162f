"""Feedback as a resource: listed with the activity's card, filtered by signal, taken back,
recorded once whatever the taps, a rating only after `attended`; and what the matcher makes of
it, undo included."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from api.cards import ActivityCardSerializer
from matching import residents, services
from matching.models import Feedback, RecommendationSet
from tests.conftest import client_for
from tests.factories import UserFactory, listed_activity

pytestmark = pytest.mark.django_db
HOME = (47.2184, -1.5536)
URL = "/api/v1/feedback/"


def soon(days=1):
    return timezone.now() + datetime.timedelta(days=days)


def nearby(**fields):
    return listed_activity(HOME[0] + 0.004, HOME[1], starts=[soon()], **fields)


def resident():
    user = UserFactory()
    services.profile_update(user=user, matching_consent=True, home=HOME)
    return user


def rows(user) -> list[tuple]:
    return sorted(Feedback.objects.filter(user=user).values_list("activity_id", "signal", "rating"))


def test_saving_twice_keeps_one_save_and_answers_200_with_the_same_item():
    activity = nearby()
    user = resident()
    api = client_for(user)
    first = api.post(URL, {"activity": activity.pk, "signal": "saved"})
    again = api.post(URL, {"activity": activity.pk, "signal": "saved"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    item = first.json()
    assert item["signal"] == "saved" and item["rating"] is None and item["created_at"]
    assert item["activity"]["id"] == activity.pk
    assert set(item["activity"]) == set(ActivityCardSerializer().fields)
    assert rows(user) == [(activity.pk, "saved", None)]


@pytest.mark.postgres
# Serialized rollback: the reference data (taxonomy, territories) is restored afterwards, and
# the flush leaves the content types to it rather than re-creating them.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_identical_posts_at_once_store_one_row():
    """A double tap: both requests find no row, both insert; the unique constraint fails
    the second, which answers with the first's row. On PostgreSQL: the tests' SQLite
    database is shared in memory between threads, where a writer does not wait for
    another (the next test makes the same race certain on any database)."""
    activity = nearby()
    user = resident()
    barrier = threading.Barrier(2)
    answers = []

    def tap():
        try:
            barrier.wait(timeout=10)
            response = client_for(user).post(URL, {"activity": activity.pk, "signal": "saved"})
            answers.append((response.status_code, response.json().get("id")))
        finally:
            connection.close()

    threads = [threading.Thread(target=tap) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(status for status, _id in answers) == [200, 201]
    assert len({pk for _status, pk in answers}) == 1
    assert rows(user) == [(activity.pk, "saved", None)]


def test_a_tap_that_loses_the_race_answers_with_the_row_of_the_one_that_won(monkeypatch):
    """The same race, made certain: the row is inserted between the lookup and the insert
    of the second request."""
    from matching.services import feedback as feedback_service

    activity = nearby()
    user = resident()
    winner = Feedback.objects.create(user=user, activity=activity, signal="saved")
    real_filter = Feedback.objects.filter

    class Missed:
        def first(self):
            return None

    def filter_missing_once(**lookup):
        monkeypatch.setattr(Feedback.objects, "filter", real_filter)
        return Missed()

    monkeypatch.setattr(Feedback.objects, "filter", filter_missing_once)
    feedback, created = feedback_service._feedback_once(
        user=user, activity=activity, signal="saved", rating=None
    )
    assert (feedback.pk, created) == (winner.pk, False)
    assert rows(user) == [(activity.pk, "saved", None)]


def test_the_list_is_my_own_feedback_newest_first_filtered_by_signal_and_paged():
    first, second, third = nearby(), nearby(), nearby()
    user, other = resident(), resident()
    api = client_for(user)
    for activity in (first, second):
        assert api.post(URL, {"activity": activity.pk, "signal": "saved"}).status_code == 201
    assert api.post(URL, {"activity": third.pk, "signal": "dismissed"}).status_code == 201
    client_for(other).post(URL, {"activity": third.pk, "signal": "saved"})

    everything = api.get(URL).json()
    assert [(i["activity"]["id"], i["signal"]) for i in everything["results"]] == [
        (third.pk, "dismissed"), (second.pk, "saved"), (first.pk, "saved"),
    ]  # fmt: skip
    saved = api.get(URL, {"signal": "saved"}).json()["results"]
    assert [i["activity"]["id"] for i in saved] == [second.pk, first.pk]
    assert all(set(i["activity"]) == set(ActivityCardSerializer().fields) for i in saved)
    about_third = api.get(URL, {"activity": third.pk}).json()["results"]
    assert [i["signal"] for i in about_third] == ["dismissed"]

    page = api.get(URL, {"signal": "saved", "page_size": 1}).json()
    assert [i["activity"]["id"] for i in page["results"]] == [second.pk]
    rest = api.get(page["next"]).json()
    assert [i["activity"]["id"] for i in rest["results"]] == [first.pk]
    assert rest["next"] is None


def test_an_activity_no_longer_published_leaves_the_list():
    kept, archived = nearby(), nearby()
    user = resident()
    for activity in (kept, archived):
        services.feedback_record(user=user, activity=activity, signal="saved")
    archived.status = "archived"
    archived.save(update_fields=["status"])
    listed = client_for(user).get(URL, {"signal": "saved"}).json()["results"]
    assert [i["activity"]["id"] for i in listed] == [kept.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"signal": "liked"}, "signal"),
        ({"activity": "abc"}, "activity"),
        ({"activity": "1.5"}, "activity"),
        ({"activity": str(2**70)}, "activity"),
        ({"page_size": "0"}, "page_size"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(params, field):
    response = client_for(resident()).get(URL, params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]


def test_taking_back_deletes_my_row_only_and_twice_is_404():
    activity = nearby()
    user = resident()
    api = client_for(user)
    item = api.post(URL, {"activity": activity.pk, "signal": "saved"}).json()
    assert api.get(f"{URL}{item['id']}/").json() == item
    assert api.delete(f"{URL}{item['id']}/").status_code == 204
    assert rows(user) == []
    assert api.delete(f"{URL}{item['id']}/").status_code == 404
    assert api.get(f"{URL}{item['id']}/").status_code == 404
    assert api.get(URL, {"signal": "saved"}).json()["results"] == []


@pytest.mark.parametrize("pk", ["0", "99999999999999999999"])
def test_an_id_that_cannot_be_a_row_is_404(pk):
    api = client_for(resident())
    for response in (api.get(f"{URL}{pk}/"), api.delete(f"{URL}{pk}/")):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_another_resident_can_neither_see_nor_take_back_my_feedback():
    activity = nearby()
    owner, other = resident(), resident()
    item = client_for(owner).post(URL, {"activity": activity.pk, "signal": "saved"}).json()
    stranger = client_for(other)
    for response in (stranger.get(f"{URL}{item['id']}/"), stranger.delete(f"{URL}{item['id']}/")):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert stranger.get(URL).json()["results"] == []
    assert rows(owner) == [(activity.pk, "saved", None)]


def test_anonymous_requests_are_401_and_change_nothing(api_client):
    activity = nearby()
    user = resident()
    item = client_for(user).post(URL, {"activity": activity.pk, "signal": "saved"}).json()
    for response in (
        api_client.get(URL),
        api_client.post(URL, {"activity": activity.pk, "signal": "dismissed"}),
        api_client.get(f"{URL}{item['id']}/"),
        api_client.delete(f"{URL}{item['id']}/"),
    ):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"
    assert Feedback.objects.count() == 1


def test_feedback_on_an_activity_that_is_not_published_is_404_and_stores_nothing():
    draft = nearby(status="draft")
    user = resident()
    response = client_for(user).post(URL, {"activity": draft.pk, "signal": "saved"})
    assert response.status_code == 404
    assert rows(user) == []


def test_a_rating_needs_attended_first():
    activity = nearby()
    user = resident()
    api = client_for(user)
    refused = api.post(URL, {"activity": activity.pk, "signal": "rating", "rating": 5})
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "not_attended" and "rating" in error["fields"]
    assert "attended" in error["message"]
    assert rows(user) == []

    assert api.post(URL, {"activity": activity.pk, "signal": "attended"}).status_code == 201
    rated = api.post(URL, {"activity": activity.pk, "signal": "rating", "rating": 4})
    assert rated.status_code == 201 and rated.json()["rating"] == 4
    # A new rating replaces the first: one row.
    again = api.post(URL, {"activity": activity.pk, "signal": "rating", "rating": 2})
    assert again.status_code == 200
    assert again.json()["id"] == rated.json()["id"] and again.json()["rating"] == 2
    assert rows(user) == [(activity.pk, "attended", None), (activity.pk, "rating", 2)]


@pytest.mark.parametrize(
    "body",
    [
        {"signal": "rating"},
        {"signal": "rating", "rating": 6},
        {"signal": "rating", "rating": 0},
        {"signal": "saved", "rating": 3},
        {"signal": "loved"},
    ],
)
def test_a_bad_rating_or_signal_is_400_and_stores_nothing(body):
    activity = nearby()
    user = resident()
    services.feedback_record(user=user, activity=activity, signal="attended")
    response = client_for(user).post(URL, {"activity": activity.pk, **body}, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()["error"]["fields"]) & {"rating", "signal"}
    assert rows(user) == [(activity.pk, "attended", None)]


def test_taking_back_attended_takes_back_the_rating_that_needed_it():
    activity = nearby()
    user = resident()
    attended, _ = services.feedback_record(user=user, activity=activity, signal="attended")
    services.feedback_record(user=user, activity=activity, signal="rating", rating=5)
    services.feedback_record(user=user, activity=activity, signal="saved")
    assert client_for(user).delete(f"{URL}{attended.pk}/").status_code == 204
    assert rows(user) == [(activity.pk, "saved", None)]


def recommended(user) -> list[int]:
    services.recommendations_compute(user_ids=[user.pk])
    return RecommendationSet.objects.get(user=user).activity_ids


def test_a_dismissal_taken_back_lets_the_activity_come_back():
    activity, other = nearby(), nearby()
    user = resident()
    assert set(recommended(user)) == {activity.pk, other.pk}
    api = client_for(user)
    item = api.post(URL, {"activity": activity.pk, "signal": "dismissed"}).json()
    assert recommended(user) == [other.pk]
    assert api.delete(f"{URL}{item['id']}/").status_code == 204
    # The process's table of residents (kept between computations) sees the undo too.
    assert set(recommended(user)) == {activity.pk, other.pk}


def test_a_save_taken_back_no_longer_moves_the_activity_up():
    activity = nearby()
    user = resident()
    api = client_for(user)
    item = api.post(URL, {"activity": activity.pk, "signal": "saved"}).json()

    def boosted() -> frozenset:
        table = residents.current_residents()
        return table.boosted[list(table.ids).index(user.pk)]

    assert boosted() == {activity.pk}
    api.delete(f"{URL}{item['id']}/")
    assert boosted() == frozenset()
