"""The vocabularies of visiting and befriending programmes."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from visiting.pairing import CALL, OUTING, VISIT

# What a volunteer offers and a person wants, as the solver's bits.
OFFERS = (("visits", VISIT), ("calls", CALL), ("outings", OUTING))
OFFER_NAMES = tuple(name for name, _bit in OFFERS)


def offers_mask(names: list[str]) -> int:
    bits = dict(OFFERS)
    return sum(bits[name] for name in set(names))


def offers_names(mask: int) -> list[str]:
    return [name for name, bit in OFFERS if mask & bit]


class TravelMode(models.TextChoices):
    WALK = "walk", _("On foot")
    BIKE = "bike", _("By bike")
    PUBLIC_TRANSPORT = "public_transport", _("By public transport")
    CAR = "car", _("By car")


class Gender(models.TextChoices):
    NOT_SAID = "", _("Not said")
    FEMALE = "f", _("Woman")
    MALE = "m", _("Man")


class EnteredBy(models.TextChoices):
    """Who made the request for the person to be visited."""

    SELF = "self", _("The person")
    RELATIVE = "relative", _("A relative")
    PROFESSIONAL = "professional", _("A professional")
    COORDINATOR = "coordinator", _("A coordinator")


class ConsentMethod(models.TextChoices):
    WRITTEN = "written", _("Written")
    ORAL = "oral", _("Oral")
    ELECTRONIC = "electronic", _("Electronic")


class RequestStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    PAIRED = "paired", _("Paired")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class PairStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACCEPTED_BY_VOLUNTEER = "accepted_by_volunteer", _("Accepted by the volunteer")
    ACCEPTED_BY_PERSON = "accepted_by_person", _("Accepted by the person")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    ENDED = "ended", _("Ended")


OPEN_PAIR_STATUSES = (
    PairStatus.PROPOSED,
    PairStatus.ACCEPTED_BY_VOLUNTEER,
    PairStatus.ACCEPTED_BY_PERSON,
    PairStatus.ACTIVE,
    PairStatus.PAUSED,
)


class EndReason(models.TextChoices):
    DECLINED = "declined", _("Declined")
    NOT_A_GOOD_FIT = "not_a_good_fit", _("Not a good fit")
    MOVED_AWAY = "moved_away", _("Moved away")
    VOLUNTEER_LEFT = "volunteer_left", _("The volunteer stopped")
    NO_LONGER_NEEDED = "no_longer_needed", _("No longer needed")
    SAFEGUARDING = "safeguarding", _("Safeguarding concern")
    OTHER = "other", _("Other")


class Side(models.TextChoices):
    """Who acts on a pair: its volunteer, a coordinator of its team, or the system."""

    VOLUNTEER = "volunteer", _("Volunteer")
    COORDINATOR = "coordinator", _("Coordinator")


class ContactKind(models.TextChoices):
    VISIT = "visit", _("Visit")
    CALL = "call", _("Call")
    OUTING = "outing", _("Outing")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
