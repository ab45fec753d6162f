"""Through the real broker and a real worker: no manual call anywhere."""

import pytest
from django.utils import timezone

from activities.models import Organization
from matching.models import RecommendationSet
from tests.waiting import wait_until

STRONG = "un mot de passe solide"


def _account(client, email: str) -> dict:
    response = client.post("/api/v1/auth/register/", {"email": email, "password": STRONG})
    assert response.status_code == 201, response.content
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['tokens']['access']}"}


def _recommended(email: str) -> list[int]:
    row = RecommendationSet.objects.filter(user__email=email).first()
    return row.activity_ids if row else []


@pytest.mark.worker
def test_a_published_activity_reaches_a_matching_resident_on_its_own(api_client, celery_worker):
    resident = _account(api_client, "habitante@example.org")
    profile = api_client.patch(
        "/api/v1/me/profile/",
        {
            "home": {"lat": 47.2184, "lng": -1.5536},
            "max_distance_km": 2,
            "interests": {"chorale-chant": 1.0},
            "matching_consent": True,
        },
        format="json",
        **resident,
    )
    assert profile.status_code == 200, profile.content
    assert wait_until(
        lambda: RecommendationSet.objects.filter(user__email="habitante@example.org").exists(),
        timeout=30,
    )

    association = _account(api_client, "chorale@example.org")
    slug = api_client.post(
        "/api/v1/organizations/", {"name": "Chorale du Bouffay"}, **association
    ).json()["slug"]
    Organization.objects.filter(slug=slug).update(verified=True)  # a curator's decision
    place = api_client.post(
        "/api/v1/places/",
        {"organization": slug, "name": "Salle du Bouffay", "lat": 47.2151, "lng": -1.5531},
        format="json",
        **association,
    ).json()
    activity = api_client.post(
        "/api/v1/activities/",
        {"organization": slug, "title": "Chorale du jeudi", "summary": "On chante ensemble.",
         "kind": "club", "categories": ["chorale-chant"], "place": place["id"]},
        format="json",
        **association,
    ).json()  # fmt: skip
    api_client.post(
        f"/api/v1/activities/{activity['id']}/schedules/",
        {"rrule": "FREQ=WEEKLY;BYDAY=TH", "start_time": "15:00", "end_time": "16:30",
         "valid_from": timezone.localdate().isoformat()},
        format="json",
        **association,
    )  # fmt: skip
    assert activity["id"] not in _recommended("habitante@example.org")
    published = api_client.post(f"/api/v1/activities/{activity['id']}/submit/", **association)
    assert published.json()["status"] == "published"

    assert wait_until(lambda: activity["id"] in _recommended("habitante@example.org"), timeout=30)
    shown = api_client.get("/api/v1/recommendations/", **resident).json()["results"]
    assert shown[0]["activity"]["id"] == activity["id"]
