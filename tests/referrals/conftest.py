"""The cast of social prescribing: a verified social service and its referrer, another
referring organization's referrer, an association receiving referrals and its editor, a
resident, a curator of Nantes, and a person the social service holds (with consent)."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from activities.models import Membership, Territory
from referrals import services
from referrals.choices import ConsentMethod, ConsentScope
from tests.conftest import client_for
from tests.factories import OrganizationFactory, UserFactory, editor_of, listed_activity
from tests.referrals.browser import axe_source, chromium  # noqa: F401  (fixtures)

HOME = (47.2184, -1.5536)  # Nantes centre


def referring_organization(**fields):
    fields.setdefault("kind", "social_service")
    fields.setdefault("verified", True)
    return OrganizationFactory(**fields)


def referrer_of(organization, user=None):
    return editor_of(organization, user=user, role="referrer")


def soon(days: int = 2) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


@pytest.fixture
def social_service(db):
    return referring_organization(name="CCAS de Nantes")


@pytest.fixture
def referrer(social_service):
    return referrer_of(social_service)


@pytest.fixture
def other_referrer(db):
    return referrer_of(referring_organization(kind="health", name="Maison de santé"))


@pytest.fixture
def association(db):
    return OrganizationFactory(name="Les Amis du quartier")


@pytest.fixture
def receiver(association):
    return editor_of(association)


@pytest.fixture
def resident(db):
    return UserFactory()


@pytest.fixture
def curator(db):
    user = UserFactory()
    municipality = OrganizationFactory(kind="municipality")
    municipality.territories.set(Territory.objects.filter(insee_code="44109"))
    Membership.objects.create(user=user, organization=municipality, role="editor")
    return user


@pytest.fixture
def activity(association):
    return listed_activity(*HOME, starts=[soon()], organization=association)


def person_of(organization, by, *, consent: bool = True, **fields):
    fields.setdefault("first_name", "Jeanne")
    fields.setdefault("phone", "+33612345678")
    fields.setdefault("email", "jeanne@example.org")
    fields.setdefault("notes", "Veuve depuis peu, sort peu.")
    fields.setdefault("access_needs", "Malentendante: parler face à elle.")
    person = services.person_create(organization=organization, by=by, home=HOME, **fields)
    if consent:
        services.consent_record(
            person=person, by=by, scope=ConsentScope.REFERRAL, method=ConsentMethod.ORAL
        )
    return person


@pytest.fixture
def person(social_service, referrer):
    return person_of(social_service, referrer)


@pytest.fixture
def clients(referrer, other_referrer, receiver, resident, curator):
    """A client per role, by name (anonymous is a client without credentials)."""
    return {
        "referrer": client_for(referrer),
        "other_referrer": client_for(other_referrer),
        "receiver": client_for(receiver),
        "resident": client_for(resident),
        "curator": client_for(curator),
        "anonymous": APIClient(),
    }


@pytest.fixture
def sms_provider(settings):
    """The fake SMS provider on loopback, and the HTTP SMS backend pointed at it."""
    from notifications import backends
    from tests.referrals.fakes import API_KEY, FakeSmsProvider

    fake = FakeSmsProvider()
    fake.start()
    settings.NOTIFICATIONS_SMS_BACKEND = "http"
    settings.NOTIFICATIONS_SMS_URL = fake.url
    settings.NOTIFICATIONS_SMS_API_KEY = API_KEY
    settings.PUBLIC_BASE_URL = "https://relier.example"
    backends.forget()
    yield fake
    backends.forget()
    fake.stop()


def shortlist_for(person, by, activities, note="Bonne découverte !"):
    return services.shortlist_save(
        person=person, by=by, activity_ids=[a.pk for a in activities], note=note
    )


@pytest.fixture
def shortlist(person, referrer, activity):
    return shortlist_for(person, referrer, [activity])
