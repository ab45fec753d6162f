"""Controlled vocabularies of the directory.

Values follow the standards where one exists (OpenActive attendance modes, OpenAgenda
accessibility codes, HSDS service statuses); labels are translatable.
"""

import functools
from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganizationKind(models.TextChoices):
    ASSOCIATION = "association", _("Association")
    MUNICIPALITY = "municipality", _("Municipality")
    SOCIAL_SERVICE = "social_service", _("Social service")
    HEALTH = "health", _("Health centre")
    OTHER = "other", _("Other")
    # Organizations that refer people (social prescribing): see referrals.choices.
    GP_PRACTICE = "gp_practice", _("GP practice")
    MUTUAL_INSURER = "mutual_insurer", _("Mutual insurer")
    HOSPITAL = "hospital", _("Hospital")
    SOCIAL_ACTION_CENTRE = "social_action_centre", _("Municipal social action centre (CCAS)")


class MembershipRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    EDITOR = "editor", _("Editor")
    # Refers people to activities in the organization's name; edits nothing in the directory.
    REFERRER = "referrer", _("Referrer")


class TerritoryKind(models.TextChoices):
    COMMUNE = "commune", _("Commune")
    EPCI = "epci", _("Intercommunality (EPCI)")
    DEPARTEMENT = "departement", _("Département")


class WheelchairAccess(models.TextChoices):
    NONE = "none", _("Not accessible")
    PARTIAL = "partial", _("Partly accessible")
    FULL = "full", _("Fully accessible")


# OpenAgenda accessibility codes: hi = hearing, vi = visual, pi = psychic,
# mi = motor, ii = intellectual.
ACCESSIBILITY_FLAGS = ("hearing", "visual", "psychic", "motor", "intellectual")


class ActivityKind(models.TextChoices):
    CLUB = "club", _("Club")
    PEER_SUPPORT = "peer_support", _("Peer-support group")
    FRIENDSHIP = "friendship", _("Friendship programme")
    VISITING = "visiting", _("Visiting programme")
    CLASS = "class", _("Class")
    OUTING = "outing", _("Outing")
    VOLUNTEERING = "volunteering", _("Volunteering")
    EVENT = "event", _("Event")


class Audience(models.TextChoices):
    EVERYONE = "everyone", _("Everyone")
    SENIORS = "seniors", _("Seniors")
    YOUTH = "youth", _("Young people")
    FAMILIES = "families", _("Families")
    CAREGIVERS = "caregivers", _("Caregivers")
    DISABILITY = "disability", _("People with a disability")
    ILLNESS = "illness", _("People living with an illness")
    NEWCOMERS = "newcomers", _("Newcomers")


class AttendanceMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")
    MIXED = "mixed", _("In person and online")
    AT_HOME = "at_home", _("At home")
    PHONE = "phone", _("By phone")


# Modes that need no venue: the activity reaches the resident where they are.
REMOTE_MODES = (AttendanceMode.ONLINE, AttendanceMode.AT_HOME, AttendanceMode.PHONE)


class Registration(models.TextChoices):
    NONE = "none", _("No registration")
    REQUIRED = "required", _("Registration required")


class Intensity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class GroupSize(models.TextChoices):
    ONE_TO_ONE = "one_to_one", _("One to one")
    SMALL = "small", _("Small group (up to 12)")
    MEDIUM = "medium", _("Medium group (13 to 30)")
    LARGE = "large", _("Large group (over 30)")


class ActivityStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Pending review")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")
    ARCHIVED = "archived", _("Archived")


class OccurrenceStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")
    FULL = "full", _("Full")
    MOVED_ONLINE = "moved_online", _("Moved online")


class ParticipationStatus(models.TextChoices):
    GOING = "going", _("Going")
    WAITLISTED = "waitlisted", _("Waitlisted")
    CANCELLED = "cancelled", _("Cancelled")
    ATTENDED = "attended", _("Attended")


# Languages an activity can be held in: ISO 639-1 codes, plus ISO 639-3 "fcs" for French Sign
# Language (LSF). The order is the bit order of the stored masks: append only, never reorder.
LANGUAGES = (
    "fr", "en", "ar", "es", "pt", "de", "it", "tr", "ro", "ru", "uk", "zh", "fcs", "pl", "nl",
    "vi", "fa", "ps", "ta", "wo", "bm", "ln", "sw", "br", "oc", "eu", "ca", "hy", "ka", "ku",
    "sq", "sr", "so", "ti", "am", "bg", "he", "hi", "bn", "ur", "ja", "ko", "th", "km", "mg",
)  # fmt: skip

# Audiences are stored as a bit mask too (bit order = declaration order of Audience).
AUDIENCES = tuple(Audience.values)


def mask_of(values: Iterable[str], vocabulary: tuple[str, ...]) -> int:
    """Encode a set of vocabulary values as a bit mask (unknown values raise ValueError)."""
    mask = 0
    for value in values:
        mask |= 1 << vocabulary.index(value)
    return mask


def values_of(mask: int, vocabulary: tuple[str, ...]) -> list[str]:
    """The vocabulary values of a bit mask, in declaration order."""
    return list(_values_of(mask, vocabulary))


@functools.lru_cache(maxsize=4096)
def _values_of(mask: int, vocabulary: tuple[str, ...]) -> tuple[str, ...]:
    # Cached: every card of a page decodes two masks, and few distinct masks exist.
    return tuple(value for bit, value in enumerate(vocabulary) if mask >> bit & 1)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class PartOfDay(models.TextChoices):
    MORNING = "morning", _("Morning (before noon)")
    AFTERNOON = "afternoon", _("Afternoon (noon to 6 pm)")
    EVENING = "evening", _("Evening (from 6 pm)")


PARTS_OF_DAY = tuple(PartOfDay.values)


def part_of_day(hour: int) -> int:
    """Index in PARTS_OF_DAY of a local hour."""
    return 0 if hour < 12 else (1 if hour < 18 else 2)


def slot_bit(weekday: int, part: int) -> int:
    """The bit of a (weekday, part of day) slot in a weekly slots mask (21 bits)."""
    return 1 << (weekday * 3 + part)


def slots_mask(*, days: Iterable[int] = range(7), parts: Iterable[int] = range(3)) -> int:
    """Mask of every slot on the given weekdays and parts of day."""
    parts = tuple(parts)
    mask = 0
    for day in days:
        for part in parts:
            mask |= slot_bit(day, part)
    return mask


class RegistrationStatus(models.TextChoices):
    """A resident's place at a session (or at an ongoing activity without sessions)."""

    GOING = "going", _("Going")
    WAITLISTED = "waitlisted", _("Waitlisted")
    OFFERED = "offered", _("Offered a seat")
    CANCELLED = "cancelled", _("Cancelled")
    ATTENDED = "attended", _("Attended")
    NO_SHOW = "no_show", _("Did not come")


# A registration in one of these holds a seat (an offered seat is kept for the resident it is
# offered to until the offer is confirmed or passes).
SEAT_HOLDING_STATUSES = (
    RegistrationStatus.GOING,
    RegistrationStatus.OFFERED,
    RegistrationStatus.ATTENDED,
    RegistrationStatus.NO_SHOW,
)
# What an organizer marks once a session has started.
ATTENDANCE_MARKS = (
    (RegistrationStatus.ATTENDED.value, RegistrationStatus.ATTENDED.label),
    (RegistrationStatus.NO_SHOW.value, RegistrationStatus.NO_SHOW.label),
)
# Every status but cancelled: one such registration per resident and session.
ACTIVE_REGISTRATION_STATUSES = (*SEAT_HOLDING_STATUSES, RegistrationStatus.WAITLISTED)


class VisitFeeling(models.TextChoices):
    """How a first visit went, in the resident's words."""

    GOOD = "good", _("It went well")
    MIXED = "mixed", _("Mixed")
    HARD = "hard", _("It was hard")
