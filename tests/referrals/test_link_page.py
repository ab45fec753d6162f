"""The link's page: the shortlist in French or English, each activity's essentials, and the
person's answers ("I'd like to go" refers them, once; "not for me"), told to both sides."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from activities.models import Occurrence
from notifications.models import Notification
from referrals import services
from referrals.choices import ReferralStatus
from referrals.models import AccessLog, Referral
from tests.factories import editor_of, listed_activity
from tests.referrals.conftest import HOME, shortlist_for

pytestmark = pytest.mark.django_db


def local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M:%S")


@pytest.fixture
def token(shortlist, referrer):
    link = services.shortlist_link_send(shortlist=shortlist, by=referrer, channel="sms")
    return services.link_token(link)


def test_the_page_shows_the_shortlist_in_the_readers_language(token, activity, shortlist):
    occurrence = Occurrence.objects.get(activity=activity)
    english = Client().get(f"/s/{token}", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200 and english["Content-Language"] == "en"
    page = english.content.decode()
    assert '<html lang="en">' in page
    assert "Hello Jeanne, here are activities picked for you" in page
    assert activity.title in page and activity.place.name in page
    assert f'datetime="{local(occurrence.start)}' in page
    assert "Bonne découverte !" in page  # the referrer's note for the person
    assert "I'd like to go" in page and "Not for me" in page
    # No-one else sees it: not cached, not indexed, no Referer carrying the token.
    assert english["Cache-Control"] == "no-store, private"
    assert english["Referrer-Policy"] == "same-origin"

    # Each open is a logged read of the person's record (by whoever holds the link).
    assert AccessLog.objects.filter(person=shortlist.person, view="link", user=None).count() == 1

    switched = Client().get(f"/s/{token}?lang=fr", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="fr">' in switched.content.decode()
    assert "Je voudrais y aller" in switched.content.decode()


def test_id_like_to_go_refers_the_person_once_and_tells_both_sides(
    token, shortlist, activity, referrer, receiver, django_capture_on_commit_callbacks
):
    client = Client(enforce_csrf_checks=True)
    page = client.get(f"/s/{token}?lang=en")
    csrf = page.cookies["csrftoken"].value
    # Without the CSRF token the form is refused.
    refused = client.post(
        f"/s/{token}/answer", {"activity": activity.pk, "answer": "going", "lang": "en"}
    )
    assert refused.status_code == 403 and not Referral.objects.exists()
    # ...on the page's look, saying what to do.
    assert "Your answer could not be recorded" in refused.content.decode()
    assert refused["Cache-Control"] == "no-store, private"

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            f"/s/{token}/answer",
            {"activity": activity.pk, "answer": "going", "lang": "en",
             "csrfmiddlewaretoken": csrf},
        )  # fmt: skip
    assert answer.status_code == 303
    assert answer["Location"] == f"/s/{token}?lang=en#activity-{activity.pk}"
    referral = Referral.objects.get()
    assert referral.status == ReferralStatus.REQUESTED
    assert (referral.activity, referral.shortlist, referral.created_by) == (
        activity,
        shortlist,
        referrer,
    )
    assert referral.receiving_organization == activity.organization
    assert Notification.objects.get(user=receiver).kind == "referral_received"
    told = Notification.objects.get(user=referrer)
    assert told.kind == "shortlist_answered" and told.data["referral"] == referral.pk
    assert "Jeanne" in told.title and activity.title in told.title

    # Saying it again changes nothing.
    client.post(
        f"/s/{token}/answer",
        {"activity": activity.pk, "answer": "going", "csrfmiddlewaretoken": csrf},
    )
    assert Referral.objects.count() == 1
    again = client.get(f"/s/{token}?lang=en").content.decode()
    assert "You said you would like to go" in again

    state = Client().get(f"/s/{token}")  # the referrer's view shows the answer too
    assert state.status_code == 200
    item = shortlist.items.get()
    assert item.answer == "going" and item.answered_at is not None


def test_not_for_me_is_recorded_and_told_to_the_referrer(
    token, shortlist, activity, referrer, receiver, clients, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = Client().post(
            f"/s/{token}/answer", {"activity": activity.pk, "answer": "not_for_me"}
        )
    assert answer.status_code == 303 and not Referral.objects.exists()
    assert not Notification.objects.filter(user=receiver).exists()
    assert Notification.objects.get(user=referrer).data["answer"] == "not_for_me"
    seen = clients["referrer"].get(f"/api/v1/shortlists/{shortlist.pk}/").json()
    assert seen["items"][0]["answer"] == "not_for_me"


def test_an_answer_about_another_activity_is_refused(token, association):
    elsewhere = listed_activity(*HOME, organization=association)
    for body in (
        {"activity": elsewhere.pk, "answer": "going"},
        {"activity": "x", "answer": "going"},
        {"activity": elsewhere.pk, "answer": "maybe"},
    ):
        assert Client().post(f"/s/{token}/answer", body).status_code == 400
    assert not Referral.objects.exists()


def test_the_page_lists_only_sessions_still_on(person, referrer, association):
    starts = [timezone.now() + datetime.timedelta(days=d) for d in (1, 2, 3, 4, 5)]
    activity = listed_activity(*HOME, starts=starts, organization=association)
    editor_of(association)
    shortlist = shortlist_for(person, referrer, [activity])
    Occurrence.objects.filter(activity=activity, start=starts[0]).update(status="cancelled")
    link = services.shortlist_link_send(shortlist=shortlist, by=referrer, channel="sms")
    page = Client().get(f"/s/{services.link_token(link)}").content.decode()
    shown = [s for s in starts if f'datetime="{local(s)}' in page]
    assert shown == starts[1:4]  # the next three, the cancelled one left out
