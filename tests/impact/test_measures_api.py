"""Recording the measures: who may, with whose consent, validated by the instruments, each
refusal changing nothing; declining is for good."""

import pytest

from impact.models import MeasureConsent, Measurement
from referrals import services as referral_services
from referrals.choices import ConsentMethod, ConsentScope
from tests.conftest import client_for
from tests.impact.conftest import API

UCLA = {"companionship": 3, "left_out": 2, "isolated": 3}


def record(client, **body):
    body.setdefault("instrument", "ucla3")
    body.setdefault("context", "intake")
    body.setdefault("answers", UCLA)
    return client.post(f"{API}measures/", body, format="json")


def test_a_resident_agrees_then_answers_and_reads_their_score(resident):
    client = client_for(resident)
    assert record(client).json()["error"]["code"] == "measure_consent_required"
    assert not Measurement.objects.exists()
    agreed = client.post(f"{API}measures/consent/", {"decision": "agree"}, format="json")
    assert agreed.status_code == 200 and agreed.json()["agreed"] is True
    response = record(client)
    assert response.status_code == 201, response.content
    assert response.json()["scores"] == {"ucla3": 8}
    ons4 = record(
        client,
        instrument="ons4",
        answers={"life_satisfaction": 4, "worthwhile": 6, "happiness": 5, "anxiety": None},
    )
    assert ons4.json()["scores"] == {
        "life_satisfaction": 4,
        "worthwhile": 6,
        "happiness": 5,
        "anxiety": None,
    }
    listed = client.get(f"{API}measures/").json()["results"]
    assert [item["instrument"] for item in listed] == ["ons4", "ucla3"]
    again = record(client)
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_measured"
    assert Measurement.objects.count() == 2


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"companionship": 4, "left_out": 1, "isolated": 1}, "answers.companionship"),
        ({"companionship": "2", "left_out": 1, "isolated": 1}, "answers.companionship"),
        ({"lonely": 1}, "answers.lonely"),
        ([1, 2, 3], "answers"),
    ],
)
def test_an_answer_the_instrument_does_not_offer_is_refused_in_the_one_shape(
    agreeing, answers, field
):
    response = record(client_for(agreeing), answers=answers)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Measurement.objects.exists()


def test_a_missing_answer_is_kept_and_leaves_the_score_empty(agreeing):
    response = record(client_for(agreeing), answers={"companionship": 2, "isolated": 1})
    assert response.status_code == 201
    assert response.json()["answers"] == {"companionship": 2, "left_out": None, "isolated": 1}
    assert response.json()["scores"] == {"ucla3": None}


def test_declining_is_for_good(agreeing):
    client = client_for(agreeing)
    declined = client.post(f"{API}measures/consent/", {"decision": "decline"}, format="json")
    assert declined.json()["declined"] is True and declined.json()["agreed"] is False
    again = client.post(f"{API}measures/consent/", {"decision": "agree"}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "measures_declined"
    assert record(client).json()["error"]["code"] == "measures_declined"
    assert not Measurement.objects.exists()
    assert MeasureConsent.objects.get(user=agreeing).declined_at is not None


def test_a_referrer_records_for_their_person_with_a_follow_up_consent(clients, person, referrer):
    client = clients["referrer"]
    refused = record(client, person=person.pk)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "measure_consent_required"
    agreed = client.post(
        f"{API}measures/consent/",
        {"decision": "agree", "person": person.pk, "method": "written"},
        format="json",
    )
    assert agreed.status_code == 200 and agreed.json() == {
        "person": person.pk,
        "agreed": True,
        "declined": False,
        "declined_at": None,
    }
    assert person.consents.filter(scope="follow_up", withdrawn_at__isnull=True).exists()
    response = record(client, person=person.pk, context="intake")
    assert response.status_code == 201 and response.json()["person"] == person.pk
    measurement = Measurement.objects.get()
    assert measurement.person == person and measurement.asked_by == referrer
    assert client.get(f"{API}measures/", {"person": person.pk}).json()["results"][0]["id"] == (
        measurement.pk
    )


def test_withdrawing_the_follow_up_consent_stops_the_recording(clients, person, referrer):
    consent, _ = referral_services.consent_record(
        person=person, by=referrer, scope=ConsentScope.FOLLOW_UP, method=ConsentMethod.ORAL
    )
    assert record(clients["referrer"], person=person.pk).status_code == 201
    referral_services.consent_withdraw(consent=consent, by=referrer)
    refused = record(
        clients["referrer"], person=person.pk, instrument="ons_direct", answers={"lonely": 2}
    )
    assert refused.status_code == 409
    assert Measurement.objects.count() == 1


@pytest.mark.parametrize("role", ["other_referrer", "receiver", "resident", "curator"])
def test_nobody_else_reads_or_writes_a_persons_measures(clients, person, referrer, role):
    referral_services.consent_record(
        person=person, by=referrer, scope=ConsentScope.FOLLOW_UP, method=ConsentMethod.ORAL
    )
    client = clients[role]
    assert record(client, person=person.pk).status_code == 404
    assert client.get(f"{API}measures/", {"person": person.pk}).status_code == 404
    decline = client.post(
        f"{API}measures/consent/", {"decision": "decline", "person": person.pk}, format="json"
    )
    assert decline.status_code == 404
    assert not Measurement.objects.exists()
    assert not MeasureConsent.objects.filter(person=person).exists()


def test_anonymous_is_refused_and_the_instruments_are_public(api_client, db):
    assert api_client.post(f"{API}measures/", {}, format="json").status_code == 401
    assert api_client.get(f"{API}measures/due/").status_code == 401
    assert api_client.get(f"{API}impact/report/", {"territory": "44109"}).status_code == 401
    worded = api_client.get(f"{API}measures/instruments/", HTTP_ACCEPT_LANGUAGE="fr").json()
    ucla = next(item for item in worded if item["code"] == "ucla3")
    assert ucla["questions"][0]["choices"][0] == {"value": 1, "label": "Presque jamais"}
    assert (ucla["questions"][0]["low"], ucla["questions"][0]["high"]) == (1, 3)
