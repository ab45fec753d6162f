"""Registrations and favorites made directly (the registration services have their own tests)."""

import datetime

from django.utils import timezone

from activities.models import Favorite, Occurrence, Registration
from tests.factories import UserFactory, listed_activity


def session(*, starts_in: datetime.timedelta, **fields) -> Occurrence:
    activity = listed_activity(47.2184, -1.5536, starts=[timezone.now() + starts_in], **fields)
    return activity.occurrences.get()


def registered(occurrence: Occurrence, user=None, *, status: str = "going", **fields):
    user = user or UserFactory()
    position = Registration.objects.filter(occurrence=occurrence).count() + 1
    if status == "offered":
        fields.setdefault("offered_until", timezone.now() + datetime.timedelta(hours=12))
    return Registration.objects.create(
        user=user,
        activity=occurrence.activity,
        occurrence=occurrence,
        status=status,
        position=position,
        **fields,
    )


def saved(activity, user=None) -> Favorite:
    return Favorite.objects.create(user=user or UserFactory(), activity=activity)
