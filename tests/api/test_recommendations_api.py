"""What a resident meets in `recommendations/`: consent asked for by its own error, the session
shown beside "when you are free" at a time they are free, why a list is short, and distances
written as the reader's language writes decimals."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.utils import timezone

from activities import choices
from activities.models import Occurrence
from matching import services
from matching.models import RecommendationSet
from matching.tasks import pending_key
from tests.conftest import client_for
from tests.factories import UserFactory, listed_activity

pytestmark = pytest.mark.django_db
HOME = (47.2184, -1.5536)
URL = "/api/v1/recommendations/"
REFRESH = "/api/v1/recommendations/refresh/"
SATURDAY_MORNING = choices.slots_mask(days=[5], parts=[0])


def soon(days=1):
    return timezone.now() + datetime.timedelta(days=days)


def north(km: float) -> tuple[float, float]:
    return HOME[0] + km / 111.2, HOME[1]


def resident(**profile):
    user = UserFactory()
    profile.setdefault("home", HOME)
    services.profile_update(user=user, matching_consent=True, **profile)
    return user


def computed(user):
    services.recommendations_compute(user_ids=[user.pk])
    return user


# --- consent ----------------------------------------------------------------------------------


def no_consent_yet():
    return UserFactory()


def consent_refused():
    user = UserFactory()
    services.profile_update(user=user, home=HOME, matching_consent=False)
    return user


def consent_withdrawn():
    user = computed(resident())
    services.profile_update(user=user, matching_consent=False)
    return user


@pytest.mark.parametrize("who", [no_consent_yet, consent_refused, consent_withdrawn])
def test_without_consent_the_list_is_a_409_saying_how_to_give_it(who):
    listed_activity(*north(0.5), starts=[soon()])
    api = client_for(who())
    french = api.get(URL)
    english = api.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    for response in (french, english):
        assert response.status_code == 409
        error = response.json()["error"]
        assert error["code"] == "consent_required"
        assert "me/profile/" in error["message"] and "matching_consent" in error["message"]
    assert "consentement" in french.json()["error"]["message"]
    assert "consent to matching" in english.json()["error"]["message"]


@pytest.mark.parametrize("who", [no_consent_yet, consent_refused, consent_withdrawn])
def test_without_consent_a_refresh_is_a_409_and_queues_nothing(
    who, django_capture_on_commit_callbacks
):
    user = who()
    cache.clear()
    with django_capture_on_commit_callbacks() as queued:
        response = client_for(user).post(REFRESH)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "consent_required"
    assert queued == [] and cache.get(pending_key(user.pk)) is None


def test_with_consent_a_refresh_is_queued(django_capture_on_commit_callbacks):
    user = resident()
    cache.clear()
    with django_capture_on_commit_callbacks() as queued:
        response = client_for(user).post(REFRESH)
    assert response.status_code == 202 and response.json() == {"status": "queued"}
    assert len(queued) == 1 and cache.get(pending_key(user.pk)) == 1


def test_anonymous_is_401(api_client):
    assert api_client.get(URL).status_code == 401
    assert api_client.post(REFRESH).status_code == 401


# --- the session shown ------------------------------------------------------------------------


def local(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def next_weekday(after: datetime.date, weekday: int) -> datetime.date:
    return after + datetime.timedelta(days=(weekday - after.weekday()) % 7 or 7)


def tuesday_then_saturday() -> tuple[datetime.datetime, datetime.datetime]:
    tuesday = next_weekday(timezone.localdate(), 1)
    return local(tuesday, 15), local(next_weekday(tuesday, 5), 10)


def only(user) -> dict:
    results = client_for(user).get(URL, HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    assert len(results) == 1
    return results[0]


def test_beside_when_you_are_free_the_session_is_one_when_the_resident_is_free():
    tuesday, saturday = tuesday_then_saturday()
    activity = listed_activity(*north(0.5), starts=[tuesday, saturday])
    result = only(computed(resident(availability_mask=SATURDAY_MORNING)))
    assert "fits_availability" in [reason["code"] for reason in result["reasons"]]
    assert result["activity"]["next_occurrences"][0]["start"] == tuesday.isoformat()
    saturday_session = Occurrence.objects.get(activity=activity, start=saturday)
    assert result["next_occurrence"]["id"] == saturday_session.pk
    assert result["next_occurrence"]["start"] == saturday.isoformat()


def test_a_resident_free_at_any_time_is_shown_the_next_session():
    tuesday, saturday = tuesday_then_saturday()
    listed_activity(*north(0.5), starts=[tuesday, saturday])
    result = only(computed(resident()))
    assert "fits_availability" not in [reason["code"] for reason in result["reasons"]]
    assert result["next_occurrence"] == result["activity"]["next_occurrences"][0]
    assert result["next_occurrence"]["start"] == tuesday.isoformat()


def test_when_no_session_left_is_at_a_free_time_the_reason_is_not_given():
    tuesday, saturday = tuesday_then_saturday()
    activity = listed_activity(*north(0.5), starts=[tuesday, saturday])
    user = computed(resident(availability_mask=SATURDAY_MORNING))
    # The Saturday session is cancelled after the list was computed.
    Occurrence.objects.filter(activity=activity, start=saturday).update(status="cancelled")
    result = only(user)
    assert "fits_availability" not in [reason["code"] for reason in result["reasons"]]
    assert result["next_occurrence"]["start"] == tuesday.isoformat()


# --- why a list is short ----------------------------------------------------------------------


def shortfall(user, language="en") -> tuple[int, dict | None]:
    body = client_for(user).get(URL, HTTP_ACCEPT_LANGUAGE=language).json()
    return len(body["results"]), body["shortfall"]


def test_a_full_list_has_no_shortfall():
    for n in range(21):
        listed_activity(*north(0.1 + 0.05 * n), starts=[soon()])
    assert shortfall(computed(resident())) == (20, None)


def test_a_list_not_computed_yet_says_so():
    listed_activity(*north(0.5), starts=[soon()])
    count, why = shortfall(resident())
    assert (count, why["reason"]) == (0, "not_computed_yet")
    assert why["message"]


def test_a_list_older_than_the_profile_is_being_computed():
    listed_activity(*north(0.5), starts=[soon()])
    user = computed(resident())
    services.profile_update(user=user, max_distance_km=5)
    assert shortfall(user)[1]["reason"] == "not_computed_yet"


def test_few_activities_within_reach():
    for n in range(3):
        listed_activity(*north(0.5 + 0.1 * n), starts=[soon()])
    listed_activity(*north(30), starts=[soon()])  # beyond reach
    count, why = shortfall(computed(resident(max_distance_km=3)))
    assert (count, why["reason"]) == (3, "few_nearby")


def test_enough_within_reach_but_the_residents_constraints_leave_few():
    for n in range(22):
        listed_activity(
            *north(0.1 + 0.05 * n), starts=[soon()], is_free=n < 2,
            price_min=None if n < 2 else 5,
        )  # fmt: skip
    count, why = shortfall(computed(resident(budget_max=0)))
    assert (count, why["reason"]) == (2, "constraints")


def test_dismissed_activities_do_not_count_as_within_reach():
    activities = [listed_activity(*north(0.1 + 0.05 * n), starts=[soon()]) for n in range(20)]
    user = resident()
    services.feedback_record(user=user, activity=activities[0], signal="dismissed")
    count, why = shortfall(computed(user))
    assert (count, why["reason"]) == (19, "few_nearby")


def test_without_a_home_area_it_says_to_give_one():
    listed_activity(None, None, starts=[soon()], attendance_mode="online")
    user = UserFactory()
    services.profile_update(user=user, matching_consent=True)
    computed(user)
    count, why = shortfall(user)
    assert (count, why["reason"]) == (1, "no_home")
    assert "me/profile/" in why["message"]


def test_the_shortfall_message_is_in_the_readers_language():
    listed_activity(*north(0.5), starts=[soon()])
    user = computed(resident())
    _count, french = shortfall(user, "fr")
    _count, english = shortfall(user, "en")
    assert french["reason"] == english["reason"] == "few_nearby"
    assert french["message"] != english["message"]
    assert "activities" in english["message"] and "activités" in french["message"]


# --- decimals -----------------------------------------------------------------------------------


def test_french_reasons_write_a_decimal_comma_and_english_ones_a_point():
    listed_activity(*north(1.2), starts=[soon()])
    user = computed(resident())

    def near(language) -> dict:
        body = client_for(user).get(URL, HTTP_ACCEPT_LANGUAGE=language).json()
        (reason,) = [r for r in body["results"][0]["reasons"] if r["code"] == "near"]
        return reason

    french, english = near("fr"), near("en")
    distance = english["params"]["distance_km"]
    assert french["params"]["distance_km"] == distance and distance % 1
    assert f"{distance} km" in english["text"]
    assert f"{distance}".replace(".", ",") + " km" in french["text"]
    assert not re.search(r"\d\.\d", french["text"])


def test_the_stored_list_is_not_changed_by_reading_it():
    listed_activity(*north(0.5), starts=[soon()])
    user = computed(resident())
    before = RecommendationSet.objects.values().get(user=user)
    client_for(user).get(URL)
    assert RecommendationSet.objects.values().get(user=user) == before
