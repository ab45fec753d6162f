"""Vocabularies of social prescribing. Referral statuses are FHIR R4 Task statuses as the
Gravity Project's SDOH Clinical Care guide uses them (hyphens as FHIR spells them)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from activities.choices import OrganizationKind

# Organizations whose referrer members may refer people (once a curator verified them).
REFERRING_KINDS = (
    OrganizationKind.SOCIAL_SERVICE,
    OrganizationKind.HEALTH,
    OrganizationKind.GP_PRACTICE,
    OrganizationKind.MUTUAL_INSURER,
    OrganizationKind.HOSPITAL,
    OrganizationKind.SOCIAL_ACTION_CENTRE,
)


class ConsentScope(models.TextChoices):
    """What a referred person agreed to."""

    REFERRAL = "referral", _("Being referred")
    CONTACT = "contact", _("Being contacted by the receiving organization")
    FOLLOW_UP = "follow_up", _("Answering follow-up questions")


class ConsentMethod(models.TextChoices):
    ORAL = "oral", _("Oral")
    WRITTEN = "written", _("Written")
    APP = "app", _("In the app")


class Mobility(models.TextChoices):
    """How the person gets about: what sets their reach when no distance is given."""

    WALKS_LITTLE = "walks_little", _("Walks a little")
    WALKS = "walks", _("Walks")
    PUBLIC_TRANSPORT = "public_transport", _("Public transport")
    CAR = "car", _("Drives or is driven")


# The reach (km) of each mobility, used when the referrer gives no distance.
MOBILITY_REACH_KM = {
    Mobility.WALKS_LITTLE: 0.8,
    Mobility.WALKS: 2.0,
    Mobility.PUBLIC_TRANSPORT: 8.0,
    Mobility.CAR: 15.0,
}


class ReferralStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    IN_PROGRESS = "in-progress", _("In progress")
    ON_HOLD = "on-hold", _("On hold")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    FAILED = "failed", _("Failed")


CLOSED_STATUSES = (
    ReferralStatus.REJECTED,
    ReferralStatus.COMPLETED,
    ReferralStatus.CANCELLED,
    ReferralStatus.FAILED,
)


class Side(models.TextChoices):
    """Who acts on a referral."""

    REFERRER = "referrer", _("The referring organization")
    RECEIVER = "receiver", _("The receiving organization")
    SYSTEM = "system", _("Relier")


class PersonView(models.TextChoices):
    """What a logged read of a person record was."""

    LIST = "list", _("List")
    DETAIL = "detail", _("Detail")
    EXPORT = "export", _("Export")
    SHORTLIST = "shortlist", _("Shortlist")
    REFERRAL = "referral", _("Referral (receiving side)")
    LINK = "link", _("The person's link page")


class LinkChannel(models.TextChoices):
    """How a shortlist's link reached the person."""

    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    PRINT = "print", _("Printed sheet")


class LinkDelivery(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    PRINTED = "printed", _("Printed, not sent")


class LinkState(models.TextChoices):
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class Answer(models.TextChoices):
    """What the person said of an activity on their link's page."""

    GOING = "going", _("I'd like to go")
    NOT_FOR_ME = "not_for_me", _("Not for me")
