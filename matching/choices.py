from django.db import models
from django.utils.translation import gettext_lazy as _

from activities.choices import AttendanceMode


class TransportMode(models.TextChoices):
    WALK = "walk", _("On foot")
    WHEELCHAIR = "wheelchair", _("Wheelchair")
    BIKE = "bike", _("Bicycle")
    PUBLIC_TRANSPORT = "public_transport", _("Public transport")
    CAR = "car", _("Car")
    LIFT = "lift", _("Lift from someone")


TRANSPORT_MODES = tuple(TransportMode.values)


class FeedbackSignal(models.TextChoices):
    SEEN = "seen", _("Seen")
    SAVED = "saved", _("Saved")
    DISMISSED = "dismissed", _("Dismissed")
    JOINED = "joined", _("Joined")
    ATTENDED = "attended", _("Attended")
    RATING = "rating", _("Rating")


# How an activity reaches a resident, by attendance mode: from anywhere (a mixed one followed
# online); where they live (its service area); at a venue within their reach.
REACHED_EVERYWHERE = (AttendanceMode.ONLINE, AttendanceMode.MIXED)
REACHED_AT_HOME = (AttendanceMode.AT_HOME, AttendanceMode.PHONE)
REACHED_AT_A_VENUE = (AttendanceMode.IN_PERSON, AttendanceMode.MIXED)
