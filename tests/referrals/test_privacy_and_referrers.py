"""Retention, export and erasure of a person's data; who the referrers are (granted through
the membership endpoints, seen by curators); a referrer edits nothing in the directory."""

import datetime

import pytest
from django.utils import timezone

from activities.models import Membership
from referrals import services, tasks
from referrals.choices import ReferralStatus
from referrals.models import AccessLog, Person, Referral
from tests.conftest import client_for
from tests.curation.moderation_factories import NANTES, territory
from tests.factories import PlaceFactory, UserFactory, editor_of
from tests.referrals.conftest import person_of, referrer_of, referring_organization

pytestmark = pytest.mark.django_db


def closed_referral(person, referrer, activity, *, days_ago: int) -> Referral:
    referral = services.referral_create(person=person, by=referrer, activity=activity, note="x")
    services.referral_transition(referral=referral, to=ReferralStatus.CANCELLED, by=referrer)
    Referral.objects.filter(pk=referral.pk).update(
        closed_at=timezone.now() - datetime.timedelta(days=days_ago)
    )
    return referral


def test_persons_of_referrals_closed_long_ago_are_anonymized(
    settings, social_service, referrer, activity
):
    settings.REFERRALS_RETENTION_DAYS = 730
    old = person_of(social_service, referrer, first_name="Ancienne")
    closed_referral(old, referrer, activity, days_ago=800)
    recent = person_of(social_service, referrer, first_name="Récente")
    closed_referral(recent, referrer, activity, days_ago=100)
    still_open = person_of(social_service, referrer, first_name="Ouverte")
    closed_referral(still_open, referrer, activity, days_ago=800)
    services.referral_create(person=still_open, by=referrer, activity=activity)

    assert tasks.persons_anonymize_task.delay().get() == 1
    old.refresh_from_db()
    assert old.anonymized_at is not None
    assert (old.first_name, old.phone, old.email, old.notes, old.access_needs) == (
        services.ANONYMOUS, "", "", "", ""
    )  # fmt: skip
    assert old.home_lat is None and old.interests == {}
    assert Referral.objects.get(person=old).note == ""
    assert Person.objects.get(pk=recent.pk).first_name == "Récente"
    assert Person.objects.get(pk=still_open.pk).first_name == "Ouverte"
    # Once is enough.
    assert services.persons_anonymize() == 0


def test_the_retention_follows_the_setting(settings, social_service, referrer, activity):
    person = person_of(social_service, referrer)
    closed_referral(person, referrer, activity, days_ago=40)
    settings.REFERRALS_RETENTION_DAYS = 30
    assert services.persons_anonymize() == 1


def test_export_and_erase_on_request(clients, person, referrer, activity):
    services.referral_create(person=person, by=referrer, activity=activity, note="à suivre")
    url = f"/api/v1/persons/{person.pk}/export/"
    assert clients["other_referrer"].get(url).status_code == 404
    assert clients["receiver"].get(url).status_code == 403
    exported = clients["referrer"].get(url)
    assert exported.status_code == 200
    body = exported.json()
    assert body["person"]["first_name"] == "Jeanne"
    assert [c["scope"] for c in body["consents"]] == ["referral"]
    assert [r["note"] for r in body["referrals"]] == ["à suivre"]

    assert clients["other_referrer"].delete(f"/api/v1/persons/{person.pk}/").status_code == 404
    assert Person.objects.filter(pk=person.pk).exists()
    answer = clients["referrer"].delete(f"/api/v1/persons/{person.pk}/")
    assert answer.status_code == 204
    assert not Person.objects.filter(pk=person.pk).exists()
    assert not Referral.objects.exists() and not Referral.history.exists()
    # The log of reads keeps the number of the record, not the record.
    assert AccessLog.objects.filter(person_number=person.pk, view="export").count() == 1


def test_an_owner_grants_the_referrer_role_through_the_members_endpoint(social_service):
    owner = editor_of(social_service, role="owner")
    colleague = UserFactory()
    answer = client_for(owner).post(
        f"/api/v1/organizations/{social_service.slug}/members/",
        {"email": colleague.email, "role": "referrer"},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    assert Membership.objects.get(user=colleague).role == "referrer"
    assert client_for(colleague).get("/api/v1/persons/").status_code == 200


def test_a_referrer_edits_nothing_in_the_directory(referrer, social_service):
    place = PlaceFactory(organization=social_service)
    answer = client_for(referrer).patch(
        f"/api/v1/places/{place.pk}/", {"name": "Renamed"}, format="json"
    )
    assert answer.status_code in (403, 404)
    place.refresh_from_db()
    assert place.name != "Renamed"


def test_curators_see_the_referrers_of_their_territory(clients, referrer, social_service):
    # The social service receives people at a place in Nantes; the other one is elsewhere.
    PlaceFactory(organization=social_service, territory=territory(NANTES), insee_code=NANTES)
    elsewhere = referrer_of(referring_organization())
    answer = clients["curator"].get("/api/v1/referrers/")
    assert answer.status_code == 200
    listed = [(r["email"], r["organization"]) for r in answer.json()["results"]]
    assert listed == [(referrer.email, social_service.slug)]
    assert elsewhere.email not in str(listed)
    for role in ("referrer", "receiver", "resident"):
        assert clients[role].get("/api/v1/referrers/").status_code == 403
    assert clients["anonymous"].get("/api/v1/referrers/").status_code == 401
