"""A referred person who makes an account claims their record from their link: the record is
theirs (their attended sessions move their referrals), and with their agreement their resident
profile is prefilled from it."""

import datetime

import pytest

from activities import services as directory
from activities.models import Occurrence
from matching.models import ResidentProfile
from referrals import services
from referrals.choices import ConsentScope, ReferralStatus
from referrals.models import Person
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
CLAIM = "/api/v1/persons/claim/"


@pytest.fixture
def token(shortlist, referrer):
    link = services.shortlist_link_send(shortlist=shortlist, by=referrer, channel="sms")
    return services.link_token(link)


def test_claiming_links_the_record_and_prefills_the_profile(
    token, person, referrer, receiver, activity, django_capture_on_commit_callbacks
):
    services.person_update(
        person=person, by=referrer, step_free=True, max_distance_km=1.5, languages_mask=3
    )
    account = UserFactory()
    answer = client_for(account).post(CLAIM, {"token": token, "prefill": True})
    assert answer.status_code == 200, answer.json()
    assert answer.json() == {"claimed": True, "profile_prefilled": True}
    person.refresh_from_db()
    assert person.user == account
    profile = ResidentProfile.objects.get(user=account)
    assert (profile.home_cell, profile.step_free, profile.max_distance_km) == (
        person.home_cell, True, 1.5,
    )  # fmt: skip
    assert profile.languages_mask == 3 and profile.matching_consent_at is not None

    # Their first session, marked attended on their account, starts the referral.
    referral = services.referral_create(person=person, by=referrer, activity=activity)
    services.referral_transition(referral=referral, to=ReferralStatus.ACCEPTED, by=receiver)
    occurrence = Occurrence.objects.get(activity=activity)
    registration, _created = directory.registration_create(
        user=account, activity=activity, occurrence=occurrence
    )
    with django_capture_on_commit_callbacks(execute=True):
        directory.registration_mark_attendance(
            registration=registration,
            by=receiver,
            attended=True,
            now=occurrence.start + datetime.timedelta(minutes=5),
        )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.IN_PROGRESS


def test_without_agreement_no_profile_is_made(token, person):
    account = UserFactory()
    answer = client_for(account).post(CLAIM, {"token": token})
    assert answer.status_code == 200 and answer.json()["profile_prefilled"] is False
    assert not ResidentProfile.objects.filter(user=account).exists()
    assert Person.objects.get(pk=person.pk).user == account


def test_a_record_is_claimed_once_and_only_from_an_open_link(
    token, person, referrer, shortlist, clients
):
    first, second = UserFactory(), UserFactory()
    assert client_for(first).post(CLAIM, {"token": token}).status_code == 200
    assert client_for(first).post(CLAIM, {"token": token}).status_code == 200  # same account
    taken = client_for(second).post(CLAIM, {"token": token})
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "already_claimed"
    assert clients["anonymous"].post(CLAIM, {"token": token}).status_code == 401
    unknown = client_for(second).post(CLAIM, {"token": "A" * 43})
    assert unknown.status_code == 404
    assert client_for(second).post(CLAIM, {"token": "x" * 65}).status_code == 400

    services.consent_withdraw(consent=person.consents.get(scope=ConsentScope.REFERRAL), by=referrer)
    gone = client_for(second).post(CLAIM, {"token": token})
    assert gone.status_code == 410 and gone.json()["error"]["code"] == "link_gone"
    assert Person.objects.get(pk=person.pk).user == first
