"""An activity has one shape wherever the app meets it: the search, the sessions' search and
the recommendations give the same card (api.cards)."""

import datetime
import re

import pytest
from django.utils import timezone

from matching import services
from tests.conftest import client_for
from tests.factories import UserFactory, listed_activity

pytestmark = pytest.mark.django_db
HOME = (47.2184, -1.5536)  # Nantes, place du Commerce
# ISO 8601 with the offset of Europe/Paris at that date, as DRF renders it.
PARIS_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+0[12]:00$")


def times_of(card: dict) -> list[str]:
    sessions = card["next_occurrences"]
    return [card["updated_at"], *(s[key] for s in sessions for key in ("start", "end"))]


def test_an_activity_has_one_shape_in_search_sessions_and_recommendations():
    starts = [timezone.now() + datetime.timedelta(days=days) for days in (1, 2)]
    activity = listed_activity(*HOME, starts=starts, place_fields={"wheelchair": "full"})
    resident = UserFactory()
    services.profile_update(user=resident, matching_consent=True, home=HOME)
    services.recommendations_compute(user_ids=[resident.pk])
    client = client_for(resident)

    searched = client.get("/api/v1/activities/").json()["results"]
    in_session = client.get("/api/v1/occurrences/").json()["results"]
    recommendations = client.get("/api/v1/recommendations/").json()
    recommended = recommendations["results"]
    assert [card["id"] for card in searched] == [activity.pk]
    assert {session["activity"]["id"] for session in in_session} == {activity.pk}
    assert [item["activity"]["id"] for item in recommended] == [activity.pk]
    card = searched[0]
    assert list(card["organization"]) == ["slug", "name", "kind", "verified"]
    assert list(card["place"]) == ["id", "name", "city", "postal_code", "lat", "lng", "wheelchair"]
    assert card["place"]["wheelchair"] == "full" and card["place"]["lat"] == HOME[0]
    assert len(times_of(card)) == 5 and all(PARIS_TIME.match(t) for t in times_of(card))

    # The sessions' search: the very same card, for each of the activity's sessions.
    assert [session["activity"] for session in in_session] == [card, card]
    assert all(PARIS_TIME.match(session["start"]) for session in in_session)

    # The recommendations: the same organization, place and times.
    shown = recommended[0]["activity"]
    assert shown["organization"] == card["organization"]
    assert shown["place"] == card["place"]
    assert times_of(shown) == times_of(card)
    assert PARIS_TIME.match(recommendations["computed_at"])
