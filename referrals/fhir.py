"""A referral as HL7 FHIR R4: a ServiceRequest (what is asked, by whom, of whom) and the
Task that follows it (its status is the referral's, FHIR Task statuses as the Gravity
Project's SDOH Clinical Care guide uses them), in a Bundle of type `collection`.

The person is named by an identifier in the referring organization's records and their first
name, never more: no Patient resource, no contact, no notes. Organizations are identified by
their Relier slug. Plain dicts (no ORM calls beyond the rows given): the tests validate them
with the `fhir.resources` R4B models (R4B is R4's technical correction; ServiceRequest and
Task did not change)."""

from __future__ import annotations

import uuid

from referrals.choices import ReferralStatus
from referrals.models import Referral

NAMESPACE = uuid.UUID("8f0c3c55-5d7e-4c4f-9a57-2f5e0b3f6a29")
SDOHCC_CODES = "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes"
TASK_CODES = "http://hl7.org/fhir/CodeSystem/task-code"

# ServiceRequest.status (request-status) for each Task status of the referral.
REQUEST_STATUS = {
    ReferralStatus.REQUESTED: "active",
    ReferralStatus.ACCEPTED: "active",
    ReferralStatus.IN_PROGRESS: "active",
    ReferralStatus.ON_HOLD: "on-hold",
    ReferralStatus.COMPLETED: "completed",
    ReferralStatus.REJECTED: "revoked",
    ReferralStatus.CANCELLED: "revoked",
    ReferralStatus.FAILED: "revoked",
}


def _urn(kind: str, pk: int) -> str:
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{kind}:{pk}')}"


def _organization(organization, base_url: str) -> dict:
    return {
        "identifier": {"system": f"{base_url}/organizations", "value": organization.slug},
        "display": organization.name,
    }


def _instant(moment) -> str:
    return moment.isoformat(timespec="seconds")


def referral_bundle(referral: Referral, *, base_url: str) -> dict:
    """The ServiceRequest and its Task for `referral` (with its person, organizations and
    activity loaded)."""
    request_urn, task_urn = _urn("service-request", referral.pk), _urn("task", referral.pk)
    subject = {
        "identifier": {
            "system": f"{base_url}/organizations/{referral.referring_organization.slug}/persons",
            "value": str(referral.person_id),
        },
        "display": referral.person.first_name,
    }
    identifier = [{"system": f"{base_url}/referrals", "value": str(referral.pk)}]
    what = referral.activity.title if referral.activity_id else referral.receiving_organization.name
    requester = _organization(referral.referring_organization, base_url)
    performer = _organization(referral.receiving_organization, base_url)
    service_request = {
        "resourceType": "ServiceRequest",
        "identifier": identifier,
        "status": REQUEST_STATUS[referral.status],
        "intent": "order",
        "category": [
            {
                "coding": [
                    {
                        "system": SDOHCC_CODES,
                        "code": "social-connection",
                        "display": "Social Connection",
                    }
                ]
            }
        ],
        "code": {"text": what},
        "subject": subject,
        "authoredOn": _instant(referral.created_at),
        "requester": requester,
        "performer": [performer],
    }
    task = {
        "resourceType": "Task",
        "identifier": identifier,
        "basedOn": [{"reference": request_urn}],
        "status": referral.status,
        "intent": "order",
        "code": {"coding": [{"system": TASK_CODES, "code": "fulfill"}]},
        "focus": {"reference": request_urn},
        "for": subject,
        "authoredOn": _instant(referral.created_at),
        "lastModified": _instant(referral.updated_at),
        "requester": requester,
        "owner": performer,
    }
    if referral.status_reason:
        task["statusReason"] = {"text": referral.status_reason}
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": _instant(referral.updated_at),
        "entry": [
            {"fullUrl": request_urn, "resource": service_request},
            {"fullUrl": task_urn, "resource": task},
        ],
    }
