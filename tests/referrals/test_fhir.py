"""A referral as FHIR R4 ServiceRequest + Task, validated by the fhir.resources models."""

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from referrals import services
from referrals.choices import ReferralStatus
from referrals.models import AccessLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def referral(person, referrer, activity):
    return services.referral_create(person=person, by=referrer, activity=activity, note="Seule.")


def test_the_export_is_a_valid_bundle_of_a_service_request_and_its_task(
    clients, referral, receiver, person, activity, referrer
):
    services.referral_transition(
        referral=referral, to=ReferralStatus.REJECTED, by=receiver, reason="Complet cet hiver."
    )
    answer = clients["referrer"].get(f"/api/v1/referrals/{referral.pk}/fhir/")
    assert answer.status_code == 200
    body = answer.json()
    bundle = Bundle.model_validate(body)
    assert bundle.type == "collection" and len(bundle.entry) == 2
    request = ServiceRequest.model_validate(body["entry"][0]["resource"])
    task = Task.model_validate(body["entry"][1]["resource"])
    assert request.status == "revoked" and request.intent == "order"
    assert request.code.text == activity.title
    assert request.performer[0].identifier.value == activity.organization.slug
    assert request.requester.identifier.value == person.organization.slug
    assert task.status == "rejected" and task.statusReason.text == "Complet cet hiver."
    assert task.focus.reference == body["entry"][0]["fullUrl"]
    assert task.owner.identifier.value == activity.organization.slug
    assert task.for_fhir.identifier.value == str(person.pk)
    # Least data: no note, no contact, no notes of the referrer.
    text = answer.content.decode()
    for secret in ("Seule.", person.phone, person.email, person.notes):
        assert secret not in text
    assert AccessLog.objects.filter(person=person, view="export", user=referrer).exists()


@pytest.mark.parametrize("status", ReferralStatus.values)
def test_every_status_maps_to_a_valid_pair(referral, status, settings):
    from referrals import fhir

    referral.status = status
    bundle = fhir.referral_bundle(referral, base_url=settings.PUBLIC_BASE_URL)
    Bundle.model_validate(bundle)
    assert Task.model_validate(bundle["entry"][1]["resource"]).status == status


@pytest.mark.parametrize(
    "role,status",
    [("other_referrer", 404), ("receiver", 403), ("resident", 403), ("anonymous", 401)],
)
def test_only_the_referring_side_exports(clients, referral, role, status):
    assert clients[role].get(f"/api/v1/referrals/{referral.pk}/fhir/").status_code == status
