"""Referrals: the FHIR task statuses moved by the right side, each change audited and told
to the other side; the receiving organization sees only what it needs to welcome the
person."""

import datetime

import pytest

from activities import services as directory
from activities.models import Occurrence
from notifications.models import Notification
from referrals import services
from referrals.choices import ConsentMethod, ConsentScope, ReferralStatus
from referrals.models import AccessLog, Referral
from tests.factories import UserFactory
from tests.referrals.conftest import person_of

pytestmark = pytest.mark.django_db

SENT = "/api/v1/referrals/"
RECEIVED = "/api/v1/referrals/received/"


def refer(clients, person, activity, **extra):
    return clients["referrer"].post(
        SENT, {"person": person.pk, "activity": activity.pk, "note": "Très seule.", **extra},
        format="json",
    )  # fmt: skip


def test_a_referral_needs_the_persons_consent(clients, social_service, referrer, activity):
    person = person_of(social_service, referrer, consent=False)
    answer = refer(clients, person, activity)
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "consent_required"
    assert not Referral.objects.exists()


@pytest.mark.parametrize("role", ["other_referrer", "receiver", "resident", "curator", "anonymous"])
def test_only_the_holding_organizations_referrer_refers(clients, person, activity, role):
    answer = clients[role].post(SENT, {"person": person.pk, "activity": activity.pk}, format="json")
    assert answer.status_code == {"other_referrer": 404, "anonymous": 401}.get(role, 403)
    assert not Referral.objects.exists()


def test_the_journey_from_request_to_in_progress(
    clients, person, activity, referrer, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = refer(clients, person, activity)
    assert answer.status_code == 201, answer.json()
    referral = answer.json()
    assert referral["status"] == "requested"
    assert referral["receiving_organization"] == activity.organization.slug
    assert referral["allowed_transitions"] == ["cancelled"]
    # The association is told.
    told = Notification.objects.get(user=receiver)
    assert told.kind == "referral_received" and "Très seule" not in told.body

    # The receiving side sees only what it needs.
    listed = clients["receiver"].get(RECEIVED).json()["results"]
    assert [r["id"] for r in listed] == [referral["id"]]
    seen = listed[0]
    assert "note" not in seen and "score" not in seen
    assert seen["person"] == {
        "first_name": "Jeanne",
        "phone": None,  # not agreed to be contacted
        "email": None,
        "step_free": False,
        "homebound": False,
        "languages": ["fr"],
        "access_needs": "Malentendante: parler face à elle.",
    }
    assert seen["allowed_transitions"] == ["accepted", "rejected"]
    assert AccessLog.objects.filter(user=receiver, view="referral", person=person).count() == 1

    # With consent to be contacted, the contact is shown.
    services.consent_record(
        person=person, by=referrer, scope=ConsentScope.CONTACT, method=ConsentMethod.WRITTEN
    )
    seen = clients["receiver"].get(f"{RECEIVED}{referral['id']}/").json()
    assert seen["person"]["phone"] == "+33612345678"

    # The referrer may not accept for the association, nor the association cancel.
    url = f"{SENT}{referral['id']}/transition/"
    assert clients["referrer"].post(url, {"status": "accepted"}, format="json").status_code == 403
    received_url = f"{RECEIVED}{referral['id']}/transition/"
    refused = clients["receiver"].post(received_url, {"status": "cancelled"}, format="json")
    assert refused.status_code == 403
    assert Referral.objects.get().status == ReferralStatus.REQUESTED

    with django_capture_on_commit_callbacks(execute=True):
        answer = clients["receiver"].post(received_url, {"status": "accepted"}, format="json")
    assert answer.status_code == 200 and answer.json()["status"] == "accepted"
    changed = Notification.objects.get(user=referrer)
    assert changed.kind == "referral_changed" and changed.data["status"] == "accepted"

    # Accepting twice is a conflict.
    again = clients["receiver"].post(received_url, {"status": "accepted"}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "transition_not_allowed"

    # The person, who later made an account, attends their first session: in progress.
    resident = UserFactory()
    person.user = resident
    person.save()
    occurrence = Occurrence.objects.get(activity=activity)
    registration, _created = directory.registration_create(
        user=resident, activity=activity, occurrence=occurrence
    )
    with django_capture_on_commit_callbacks(execute=True):
        directory.registration_mark_attendance(
            registration=registration,
            by=receiver,
            attended=True,
            now=occurrence.start + datetime.timedelta(minutes=5),
        )
    referral_row = Referral.objects.get()
    assert referral_row.status == ReferralStatus.IN_PROGRESS
    # Every change is in the audit trail, with who made it.
    trail = list(referral_row.history.order_by("history_id").values_list("status", "history_user"))
    assert trail == [
        ("requested", referrer.pk),
        ("accepted", receiver.pk),
        ("in-progress", None),
    ]


def test_a_rejection_needs_a_reason_and_is_told_to_the_referrer(
    clients, person, activity, referrer, django_capture_on_commit_callbacks
):
    referral = refer(clients, person, activity).json()
    url = f"{RECEIVED}{referral['id']}/transition/"
    answer = clients["receiver"].post(url, {"status": "rejected"}, format="json")
    assert answer.status_code == 400 and "reason" in answer.json()["error"]["fields"]
    with django_capture_on_commit_callbacks(execute=True):
        answer = clients["receiver"].post(
            url, {"status": "rejected", "reason": "Groupe complet"}, format="json"
        )
    assert answer.json()["status"] == "rejected"
    row = Referral.objects.get()
    assert row.closed_at is not None and row.status_reason == "Groupe complet"
    assert row.history.latest().history_change_reason == "Groupe complet"
    assert Notification.objects.filter(user=referrer, kind="referral_changed").count() == 1


@pytest.mark.parametrize("role", ["other_referrer", "resident", "curator"])
def test_outsiders_see_no_referral(clients, person, activity, role):
    referral = refer(clients, person, activity).json()
    assert clients[role].get(f"{SENT}{referral['id']}/").status_code in (403, 404)
    assert clients[role].get(f"{RECEIVED}{referral['id']}/").status_code == 404
    assert clients[role].get(RECEIVED).json()["results"] == []
    url = f"{RECEIVED}{referral['id']}/transition/"
    assert clients[role].post(url, {"status": "accepted"}, format="json").status_code == 404
    assert Referral.objects.get().status == ReferralStatus.REQUESTED


def test_the_receiver_cannot_read_the_referrers_side(clients, person, activity):
    referral = refer(clients, person, activity).json()
    assert clients["receiver"].get(f"{SENT}{referral['id']}/").status_code == 403
    assert clients["receiver"].get(SENT).status_code == 403


def test_withdrawing_consent_cancels_open_referrals(clients, person, activity):
    refer(clients, person, activity)
    consent = person.consents.get(scope="referral")
    answer = clients["referrer"].post(
        f"/api/v1/persons/{person.pk}/consents/{consent.pk}/withdraw/"
    )
    assert answer.status_code == 200
    assert Referral.objects.get().status == ReferralStatus.CANCELLED
    # And nothing more can be sent.
    assert refer(clients, person, activity).status_code == 409


def test_errors_of_transitions_speak_the_callers_language(clients, person, activity):
    referral = refer(clients, person, activity).json()
    url = f"{RECEIVED}{referral['id']}/transition/"
    answer = clients["receiver"].post(
        url, {"status": "completed"}, format="json", HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert answer.status_code == 409
    assert "Demandé" in answer.json()["error"]["message"]
    answer = clients["receiver"].post(
        url, {"status": "completed"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Requested" in answer.json()["error"]["message"]


def test_every_transition_is_named_in_the_one_state_machine():
    statuses = set(ReferralStatus.values)
    named = {status for pair in services.TRANSITIONS for status in pair}
    assert named == statuses
    closed = {"rejected", "completed", "cancelled", "failed"}
    assert not any(start in closed for start, _to in services.TRANSITIONS)


def test_a_person_is_referred_to_an_organization(clients, person, association, receiver):
    answer = clients["referrer"].post(
        SENT, {"person": person.pk, "organization": association.slug}, format="json"
    )
    assert answer.status_code == 201
    assert answer.json()["activity"] is None
    assert answer.json()["receiving_organization"] == association.slug
    seen = clients["receiver"].get(RECEIVED).json()["results"]
    assert [r["id"] for r in seen] == [answer.json()["id"]]
    both = clients["referrer"].post(
        SENT,
        {"person": person.pk, "organization": association.slug, "activity": 10**6},
        format="json",
    )
    assert both.status_code == 404  # no such activity
    neither = clients["referrer"].post(SENT, {"person": person.pk}, format="json")
    assert neither.status_code == 400
    assert Referral.objects.count() == 1


def test_a_non_referrer_is_told_why_in_their_language(clients):
    answer = clients["resident"].get("/api/v1/persons/", HTTP_ACCEPT_LANGUAGE="fr")
    assert answer.status_code == 403
    assert "prescripteurs" in answer.json()["error"]["message"]
    answer = clients["resident"].get("/api/v1/persons/", HTTP_ACCEPT_LANGUAGE="en")
    assert "referrers" in answer.json()["error"]["message"]
