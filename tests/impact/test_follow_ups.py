"""When to ask: 6 weeks and 3 months after the first session attended, at most one request a
week, never to a person who declined; residents in their inbox, persons through their
referrer."""

import datetime

from django.utils import timezone

from impact import services
from impact.choices import Decision
from impact.models import FollowUp
from impact.tasks import follow_ups_due_task
from notifications.models import Notification
from referrals import services as referral_services
from referrals.choices import ConsentMethod, ConsentScope
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.impact.conftest import API, attend, consenting_resident, days_ago

KIND = services.FOLLOW_UP_KIND


def test_a_resident_is_asked_once_in_their_inbox_six_weeks_after_their_first_session(activity):
    resident = consenting_resident()
    attend(resident, activity, at=days_ago(44))
    attend(resident, activity, at=days_ago(30))
    assert follow_ups_due_task.delay().get() == 1
    assert follow_ups_due_task.delay().get() == 0  # the same day: nothing more
    follow_up = FollowUp.objects.get(user=resident)
    assert follow_up.context == "week_6"
    assert follow_up.first_attended_on == timezone.localdate(days_ago(44))
    (question,) = Notification.objects.filter(user=resident, kind=KIND)
    assert question.data == {"follow_up": follow_up.pk, "context": "week_6"}
    due = client_for(resident).get(f"{API}measures/due/").json()
    assert [item["context"] for item in due] == ["week_6"]
    answered = client_for(resident).post(
        f"{API}measures/",
        {"instrument": "ons_direct", "context": "week_6", "answers": {"lonely": 3}},
        format="json",
    )
    assert answered.status_code == 201
    assert client_for(resident).get(f"{API}measures/due/").json() == []


def test_not_before_six_weeks_and_never_to_one_who_did_not_agree(activity):
    early = consenting_resident()
    attend(early, activity, at=days_ago(40))
    silent = UserFactory()  # never agreed
    attend(silent, activity, at=days_ago(44))
    assert services.follow_ups_ask() == 0
    assert not Notification.objects.filter(kind=KIND).exists()


def test_never_more_than_one_request_a_week(activity):
    resident = consenting_resident()
    attend(resident, activity, at=days_ago(88))
    now = timezone.now()
    assert services.follow_ups_ask(now=now) == 1  # the 6-week one, still in its window
    # Four days later the 3-month one is due, but the last request was four days ago.
    later = now + datetime.timedelta(days=4)
    assert services.follow_ups_ask(now=later) == 0
    assert services.follow_ups_ask(now=now + datetime.timedelta(days=7, minutes=1)) == 1
    assert list(FollowUp.objects.values_list("context", flat=True)) == ["week_6", "month_3"]
    asked = sorted(FollowUp.objects.values_list("asked_at", flat=True))
    assert asked[1] - asked[0] >= datetime.timedelta(days=7)


def test_a_person_who_declined_is_never_asked_again(activity):
    resident = consenting_resident()
    attend(resident, activity, at=days_ago(44))
    assert services.follow_ups_ask() == 1
    services.measure_consent_decide(by=resident, decision=Decision.DECLINE)
    assert not FollowUp.objects.exists()  # the pending one is dropped
    for days in (0, 8, 50, 100):
        assert services.follow_ups_ask(now=timezone.now() + datetime.timedelta(days=days)) == 0
    assert Notification.objects.filter(user=resident, kind=KIND).count() == 1


def test_a_referred_persons_follow_up_is_listed_to_their_referrer_only(
    clients, person, referrer, activity
):
    account = UserFactory()
    person.user = account
    person.save(update_fields=["user"])
    attend(account, activity, at=days_ago(92))
    assert services.follow_ups_ask() == 0  # no consent to follow-up questions yet
    referral_services.consent_record(
        person=person, by=referrer, scope=ConsentScope.FOLLOW_UP, method=ConsentMethod.ORAL
    )
    assert services.follow_ups_ask() == 1
    due = clients["referrer"].get(f"{API}measures/due/").json()
    assert [(item["person"], item["first_name"], item["context"]) for item in due] == [
        (person.pk, "Jeanne", "month_3")
    ]
    for role in ("other_referrer", "receiver", "resident", "curator"):
        assert clients[role].get(f"{API}measures/due/").json() == []
    assert not Notification.objects.filter(kind=KIND).exists()  # the referrer asks
    services.measure_consent_decide(by=referrer, decision=Decision.DECLINE, person=person)
    assert clients["referrer"].get(f"{API}measures/due/").json() == []
    assert not person.consents.filter(scope="follow_up", withdrawn_at__isnull=True).exists()
    assert services.follow_ups_ask(now=timezone.now() + datetime.timedelta(days=8)) == 0
