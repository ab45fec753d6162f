"""A new association's journey through the API alone, up to a resident's recommendations.

Register, create the organization, its place in Nantes, an activity and its schedule, submit
it: it waits for review. A curator of Nantes approves it through the moderation API; then
the activity is found by search and reaches a nearby resident's recommendations with no
call asking for them. The same journey runs on the embedded default (tasks run in-process
when the transaction commits) and with a real worker on the real broker.
"""

from collections.abc import Callable

import pytest
from django.utils import timezone

from tests.curation.moderation_factories import NANTES, curator_of
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.waiting import wait_until

API = "/api/v1/"
STRONG = "un mot de passe solide"


def _registered(client, email: str) -> dict:
    response = client.post(f"{API}auth/register/", {"email": email, "password": STRONG})
    assert response.status_code == 201, response.content
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['tokens']['access']}"}


def _signed_in(client, email: str, password: str) -> dict:
    response = client.post(f"{API}auth/token/", {"email": email, "password": password})
    assert response.status_code == 200, response.content
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['access']}"}


def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.content
    return response.json()


def _journey(client, settled: Callable[[Callable[[], bool]], bool]) -> None:
    """`settled(predicate)`: whether what the tasks do came true (at once, or in time)."""
    # The city's curator: set up by staff (who curates which territory is not an API).
    curator_of(NANTES, user=UserFactory(email="curatrice@nantes.example"))
    curator = _signed_in(client, "curatrice@nantes.example", DEFAULT_PASSWORD)

    # A resident nearby who likes singing, with consent to matching.
    resident = _registered(client, "habitante@example.org")
    _ok(
        client.patch(
            f"{API}me/profile/",
            {
                "home": {"lat": 47.2184, "lng": -1.5536},
                "max_distance_km": 3,
                "interests": {"chorale-chant": 1.0},
                "matching_consent": True,
            },
            format="json",
            **resident,
        )
    )

    # The association.
    association = _registered(client, "chorale@example.org")
    organization = _ok(
        client.post(f"{API}organizations/", {"name": "Chorale du Bouffay"}, **association), 201
    )
    assert organization["verified"] is False
    place = _ok(
        client.post(
            f"{API}places/",
            {"organization": organization["slug"], "name": "Salle du Bouffay",
             "lat": 47.2151, "lng": -1.5531},
            format="json",
            **association,
        ),
        201,
    )  # fmt: skip
    assert place["territory"] == NANTES
    activity = _ok(
        client.post(
            f"{API}activities/",
            {"organization": organization["slug"], "title": "Chorale du jeudi au Bouffay",
             "summary": "On chante ensemble, débutants bienvenus.", "kind": "club",
             "categories": ["chorale-chant"], "place": place["id"]},
            format="json",
            **association,
        ),
        201,
    )  # fmt: skip
    _ok(
        client.post(
            f"{API}activities/{activity['id']}/schedules/",
            {"rrule": "FREQ=WEEKLY;BYDAY=TH", "start_time": "15:00", "end_time": "16:30",
             "valid_from": timezone.localdate().isoformat()},
            format="json",
            **association,
        ),
        201,
    )  # fmt: skip
    submitted = _ok(client.post(f"{API}activities/{activity['id']}/submit/", **association))
    assert submitted["status"] == "pending"

    def found() -> list[int]:
        return [
            card["id"]
            for card in _ok(client.get(f"{API}activities/", {"q": "chorale Bouffay"}))["results"]
        ]

    def recommended() -> list[int]:
        items = _ok(client.get(f"{API}recommendations/", **resident))["results"]
        return [item["activity"]["id"] for item in items]

    assert activity["id"] not in found()
    assert activity["id"] not in recommended()

    # The curator finds it in the queue and approves it.
    queue = _ok(client.get(f"{API}moderation/queue/", {"kind": "activity"}, **curator))
    assert [item["id"] for item in queue["results"]] == [activity["id"]]
    decided = _ok(
        client.post(
            f"{API}activities/{activity['id']}/moderation/",
            {"action": "approve", "reason": "Bienvenue à la chorale."},
            format="json",
            **curator,
        )
    )
    assert decided["activity"]["status"] == "published"

    # Searchable, and in the resident's recommendations with no call asking for them.
    assert activity["id"] in found()
    assert settled(lambda: activity["id"] in recommended())
    detail = _ok(client.get(f"{API}activities/{activity['id']}/", **association))
    assert detail["moderation"]["action"] == "published"
    assert detail["moderation"]["reason"] == "Bienvenue à la chorale."


def test_the_journey_on_the_embedded_default(
    transactional_db, django_db_serialized_rollback, api_client
):
    """Tasks run in-process once each transaction commits: done by the time it answers."""
    _journey(api_client, settled=lambda predicate: predicate())


@pytest.mark.worker
def test_the_journey_with_a_real_worker(api_client, celery_worker):
    _journey(api_client, settled=lambda predicate: wait_until(predicate, timeout=60))
