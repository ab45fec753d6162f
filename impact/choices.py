"""Vocabularies of the outcome measures."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from impact import instruments


class Instrument(models.TextChoices):
    UCLA3 = instruments.UCLA3, _("UCLA 3-item loneliness scale")
    ONS_DIRECT = instruments.ONS_DIRECT, _("Direct loneliness question (ONS)")
    ONS4 = instruments.ONS4, _("Personal wellbeing (ONS4)")


class Context(models.TextChoices):
    """When a measure is taken: at intake, then after the first session attended."""

    INTAKE = "intake", _("Intake")
    WEEK_6 = "week_6", _("Follow-up at 6 weeks")
    MONTH_3 = "month_3", _("Follow-up at 3 months")


class Decision(models.TextChoices):
    AGREE = "agree", _("I agree to answer")
    DECLINE = "decline", _("I decline, for good")


# The follow-ups, each asked from its day (after the first session attended) until the next
# one's: a follow-up not answered in its window is not asked later (it would measure another
# time), and one missed at 6 weeks leaves the 3-month one to be asked.
FOLLOW_UP_DAYS = {Context.WEEK_6: 42, Context.MONTH_3: 91}
FOLLOW_UP_UNTIL_DAYS = {Context.WEEK_6: 91, Context.MONTH_3: 183}
# Never more than one request a week to the same person.
REQUEST_GAP_DAYS = 7
