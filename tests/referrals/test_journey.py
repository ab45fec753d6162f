"""Acceptance 1, the whole journey on PostgreSQL with a real Celery worker on the real broker:
a referrer records a person without an app and their consent, computes the shortlist (every
activity offered meets every hard constraint, per the residents' independent checker), keeps
it and sends it by SMS; the worker hands the SMS to the fake provider on loopback; the link's
page opens in headless chromium (screenshots kept under artifacts/browser/referrals/), "I'd
like to go" refers the person; the association accepts; it marks the person's first session
attended, and the referral is in progress."""

import datetime
import re

import pytest
from django.utils import timezone

from activities.models import Occurrence
from notifications.models import Notification
from referrals.models import Person, Referral, ShortlistLink
from tests.factories import listed_activity
from tests.matching.test_engine_reference import violations
from tests.referrals.browser import screenshot
from tests.referrals.test_shortlist import as_candidate, as_resident
from tests.waiting import wait_until

pytestmark = [
    pytest.mark.worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
HOME = (47.2184, -1.5536)  # Nantes centre


def test_a_person_without_an_app_goes_from_referral_to_their_first_session(
    celery_worker, chromium, live_server, sms_provider, settings,
    clients, referrer, receiver, association,
):  # fmt: skip
    from selenium.webdriver.common.by import By

    settings.PUBLIC_BASE_URL = live_server.url
    soon = timezone.now() + datetime.timedelta(days=2)
    near = listed_activity(
        HOME[0] + 0.004, HOME[1], starts=[soon], organization=association, title="Café tricot",
        place_fields={"wheelchair": "full", "transport_access": "Tram 1, arrêt Commerce"},
    )  # fmt: skip
    steps = listed_activity(
        HOME[0] - 0.004, HOME[1], starts=[soon], organization=association, title="Chorale",
        place_fields={"wheelchair": "none"},
    )  # fmt: skip
    far = listed_activity(47.47, -0.55, starts=[soon], organization=association, title="Angers")
    referrer_api = clients["referrer"]

    # The person, without an app, and their consent.
    created = referrer_api.post(
        "/api/v1/persons/",
        {"first_name": "Jeanne", "phone": "+33612345678", "home": {"lat": HOME[0], "lng": HOME[1]},
         "mobility": "walks", "step_free": True, "languages": ["fr"]},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.json()
    person_id = created.json()["id"]
    for scope in ("referral", "contact"):
        consent = referrer_api.post(
            f"/api/v1/persons/{person_id}/consents/", {"scope": scope, "method": "oral"},
            format="json",
        )  # fmt: skip
        assert consent.status_code == 201

    # The shortlist: every activity offered meets every hard constraint.
    offered = referrer_api.get(f"/api/v1/persons/{person_id}/shortlist/").json()
    offered_ids = [item["activity"]["id"] for item in offered]
    person = Person.objects.get(pk=person_id)
    for activity in (near, steps, far):
        fits = violations(as_resident(person), as_candidate(activity)) == []
        assert (activity.pk in offered_ids) == fits, activity.title
    assert offered_ids == [near.pk]
    kept = referrer_api.post(
        f"/api/v1/persons/{person_id}/shortlist/",
        {"activities": [near.pk], "note": "On s'y retrouve mardi ?"}, format="json",
    )  # fmt: skip
    assert kept.status_code == 201
    shortlist_id = kept.json()["id"]

    # Sent by SMS: the worker hands it to the provider.
    sent = referrer_api.post(
        f"/api/v1/shortlists/{shortlist_id}/links/", {"channel": "sms"}, format="json"
    )
    assert sent.status_code == 201
    assert wait_until(lambda: sms_provider.received, timeout=30), "no SMS reached the provider"
    [sms] = sms_provider.received
    assert sms["to"] == "+33612345678"
    url = re.search(r"(http://\S+/s/[A-Za-z0-9_-]{43})", sms["text"]).group(1)
    assert wait_until(
        lambda: ShortlistLink.objects.get(pk=sent.json()["id"]).delivery == "sent", timeout=10
    )

    # The page in the browser, and "I'd like to go".
    chromium.get(url)
    assert "Bonjour Jeanne" in chromium.find_element(By.TAG_NAME, "h1").text
    assert "Café tricot" in chromium.page_source and "Tram 1" in chromium.page_source
    screenshot(chromium, "journey-1-shortlist")
    chromium.find_element(By.CSS_SELECTOR, f"#activity-{near.pk} button.go").click()
    assert wait_until(lambda: Referral.objects.exists(), timeout=10)
    assert "Vous avez dit que vous voudriez y aller" in chromium.page_source
    screenshot(chromium, "journey-2-answered")
    referral = Referral.objects.get()
    assert (referral.status, referral.activity_id) == ("requested", near.pk)
    assert wait_until(
        lambda: (
            Notification.objects.filter(user=receiver, kind="referral_received").exists()
            and Notification.objects.filter(user=referrer, kind="shortlist_answered").exists()
        ),
        timeout=10,
    )

    # The association accepts; the person comes to the first session (its time has come).
    received = f"/api/v1/referrals/received/{referral.pk}"
    accepted = clients["receiver"].post(f"{received}/transition/", {"status": "accepted"})
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["person"]["phone"] == "+33612345678"  # agreed to be contacted
    session = Occurrence.objects.get(activity=near)
    Occurrence.objects.filter(pk=session.pk).update(
        start=timezone.now() - datetime.timedelta(minutes=30),
        end=timezone.now() + datetime.timedelta(minutes=90),
    )
    attended = clients["receiver"].post(f"{received}/attended/", {"occurrence": session.pk})
    assert attended.status_code == 200, attended.json()
    assert attended.json()["status"] == "in-progress"
    referral.refresh_from_db()
    assert referral.status == "in-progress" and referral.first_session_id == session.pk
    trail = list(referral.history.order_by("history_id").values_list("status", "history_user"))
    assert trail == [("requested", None), ("accepted", receiver.pk), ("in-progress", receiver.pk)]
    assert wait_until(
        lambda: Notification.objects.filter(
            user=referrer, kind="referral_changed", data__status="in-progress"
        ).exists(),
        timeout=10,
    )
