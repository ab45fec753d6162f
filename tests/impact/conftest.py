"""The cast of the outcome measures: the social prescribing cast (a referrer, another
referring organization's referrer, an association's editor, a resident, a curator of Nantes, a
person held with consent to be referred), and sessions attended in the past."""

import datetime

import pytest
from django.utils import timezone

from activities.models import Activity, Occurrence, Registration
from activities.signals import registration_changed
from impact import services
from impact.choices import Decision
from tests.factories import UserFactory
from tests.referrals.conftest import (  # noqa: F401 (fixtures)
    HOME,
    activity,
    association,
    clients,
    curator,
    other_referrer,
    person,
    person_of,
    receiver,
    referrer,
    referring_organization,
    resident,
    social_service,
)

API = "/api/v1/"


def days_ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def attend(user, at_activity, *, at: datetime.datetime) -> Registration:
    """A session of `at_activity` at `at`, attended by `user`, announced as the directory's
    services announce a session marked attended."""
    occurrence = Occurrence.objects.create(
        activity=at_activity, series_start=at, start=at, end=at + datetime.timedelta(hours=2)
    )
    registration = Registration.objects.create(
        user=user, activity=at_activity, occurrence=occurrence, status="attended", position=1
    )
    registration_changed.send(sender=Activity, registration=registration, previous_status="going")
    return registration


def consenting_resident(**fields):
    user = UserFactory(**fields)
    services.measure_consent_decide(by=user, decision=Decision.AGREE)
    return user


@pytest.fixture
def agreeing(db):
    return consenting_resident()
