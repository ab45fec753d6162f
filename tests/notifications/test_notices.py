"""Change notices: a session cancelled, moved in time or moved online reaches every resident
registered for it (going, waitlisted, offered) and every resident who saved its activity, once
per change, in their language; a seat offered reaches the resident with its deadline; the
greeter learns a newcomer is coming, by first name only."""

import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.test import TestCase
from django.utils import timezone

from activities import services as directory
from activities import signals
from activities.models import Activity
from notifications import notices
from notifications.models import Notification, NotificationPreferences
from tests.factories import UserFactory, editor_of
from tests.notifications.factories import registered, saved, session

pytestmark = pytest.mark.django_db


def inbox(user) -> list[tuple[str, str]]:
    return list(Notification.objects.filter(user=user).values_list("kind", "title"))


def edit(occurrence, **changes):
    with TestCase.captureOnCommitCallbacks(execute=True):
        directory.occurrence_update(
            occurrence=occurrence, by=editor_of(occurrence.activity.organization), **changes
        )


def test_cancelling_a_session_tells_the_registered_and_the_savers_once_each():
    occurrence = session(starts_in=datetime.timedelta(days=3), title="Chorale")
    going, waiting, offered = (
        registered(occurrence),
        registered(occurrence, status="waitlisted"),
        registered(occurrence, status="offered"),
    )
    gone = registered(occurrence, status="cancelled")
    fan = saved(occurrence.activity)
    both = registered(occurrence).user
    saved(occurrence.activity, both)
    stranger = UserFactory()
    edit(occurrence, status="cancelled")
    for user in (going.user, waiting.user, offered.user, fan.user, both):
        assert inbox(user) == [("session_cancelled", "Séance annulée : Chorale")]
    assert inbox(gone.user) == [] and inbox(stranger) == []
    edit(occurrence, note="Reprise la semaine prochaine.")  # the same state: told once
    assert Notification.objects.filter(kind="session_cancelled").count() == 5


def test_a_move_in_time_is_told_in_each_residents_language_and_again_for_a_second_move():
    occurrence = session(starts_in=datetime.timedelta(days=3), title="Chorale")
    french = registered(occurrence).user
    english = registered(occurrence, UserFactory(preferred_language="en")).user
    later = occurrence.start + datetime.timedelta(hours=1)
    edit(occurrence, start=later, end=later + datetime.timedelta(hours=2))
    assert inbox(french) == [("session_moved", "Nouvel horaire : Chorale")]
    assert inbox(english) == [("session_moved", "New time: Chorale")]
    local = timezone.localtime(later).strftime("%H:%M")
    assert local in Notification.objects.get(user=english).body
    edit(occurrence, capacity=30)  # not a change residents are told of
    assert len(inbox(french)) == 1
    again = later + datetime.timedelta(days=1)
    edit(occurrence, start=again, end=again + datetime.timedelta(hours=2))
    assert [kind for kind, _ in inbox(french)] == ["session_moved", "session_moved"]


def test_a_session_moved_online_is_told():
    occurrence = session(starts_in=datetime.timedelta(days=2), title="Chorale")
    going = registered(occurrence).user
    edit(occurrence, status="moved_online")
    assert inbox(going) == [("session_moved_online", "En ligne : Chorale")]
    item = Notification.objects.get(user=going)
    assert (
        item.data["occurrence"] == occurrence.pk and item.data["activity"] == occurrence.activity_id
    )


def test_a_seat_offered_is_told_with_its_deadline():
    occurrence = session(starts_in=datetime.timedelta(days=2), title="Chorale")
    offer = registered(occurrence, UserFactory(preferred_language="en"), status="offered")
    with TestCase.captureOnCommitCallbacks(execute=True):
        signals.seat_offered.send(sender=Activity, registration=offer)
        signals.seat_offered.send(sender=Activity, registration=offer)  # told once
    (item,) = Notification.objects.filter(user=offer.user)
    assert (item.kind, item.title) == ("seat_offered", "A seat for you: Chorale")
    assert timezone.localtime(offer.offered_until).strftime("%H:%M") in item.body
    assert "Confirm before" in item.body
    assert item.data["offered_until"] == offer.offered_until.isoformat()
    assert item.data["registration"] == offer.pk


def test_the_greeter_learns_a_newcomer_is_coming_by_first_name_only():
    occurrence = session(starts_in=datetime.timedelta(days=2), title="Tricot")
    activity = occurrence.activity
    greeter = editor_of(activity.organization)
    Activity.objects.filter(pk=activity.pk).update(greeter=greeter)
    newcomer = registered(
        occurrence,
        UserFactory(display_name="Camille Durand", email="camille.durand@example.org"),
        first_visit=True,
    )
    newcomer.activity.refresh_from_db()
    with TestCase.captureOnCommitCallbacks(execute=True):
        signals.newcomer_registered.send(sender=Activity, registration=newcomer)
    (item,) = Notification.objects.filter(user=greeter)
    assert item.kind == "newcomer_coming"
    assert "Camille" in item.body
    text = f"{item.title} {item.body} {item.data}"
    assert "Durand" not in text and "camille.durand" not in text
    assert str(newcomer.user_id) not in str(item.data.values())
    assert inbox(newcomer.user) == []


def test_a_waitlisted_newcomer_is_announced_once_the_seat_is_theirs():
    occurrence = session(starts_in=datetime.timedelta(days=2), title="Tricot")
    greeter = editor_of(occurrence.activity.organization)
    Activity.objects.filter(pk=occurrence.activity_id).update(greeter=greeter)
    waiting = registered(occurrence, status="waitlisted", first_visit=True)
    with TestCase.captureOnCommitCallbacks(execute=True):
        signals.newcomer_registered.send(sender=Activity, registration=waiting)
    assert inbox(greeter) == []
    waiting.status = "going"
    waiting.save()
    with TestCase.captureOnCommitCallbacks(execute=True):
        signals.registration_changed.send(
            sender=Activity, registration=waiting, previous_status="offered"
        )
        signals.registration_changed.send(
            sender=Activity, registration=waiting, previous_status="going"
        )
    assert inbox(greeter) == [("newcomer_coming", "Un nouveau venu arrive : Tricot")]


def test_no_greeter_no_notice():
    occurrence = session(starts_in=datetime.timedelta(days=2))
    newcomer = registered(occurrence, first_visit=True)
    with TestCase.captureOnCommitCallbacks(execute=True):
        signals.newcomer_registered.send(sender=Activity, registration=newcomer)
    assert not Notification.objects.exists()


def test_through_the_registration_services_a_freed_seat_and_a_newcomer_are_told():
    """The registration services send the signals; the notices follow: the greeter learns a
    newcomer is coming, the first waitlisted resident that a seat is offered."""
    from activities.models import Occurrence

    occurrence = session(starts_in=datetime.timedelta(days=2), title="Tricot")
    Occurrence.objects.filter(pk=occurrence.pk).update(capacity=1)
    Activity.objects.filter(pk=occurrence.activity_id).update(capacity=1)
    greeter = editor_of(occurrence.activity.organization)
    Activity.objects.filter(pk=occurrence.activity_id).update(greeter=greeter)
    activity = Activity.objects.get(pk=occurrence.activity_id)
    occurrence.refresh_from_db()
    first = UserFactory(display_name="Lou Martin")
    second = UserFactory(preferred_language="en")
    with TestCase.captureOnCommitCallbacks(execute=True):
        going, _ = directory.registration_create(
            user=first, activity=activity, occurrence=occurrence
        )
    with TestCase.captureOnCommitCallbacks(execute=True):
        waiting, _ = directory.registration_create(
            user=second, activity=activity, occurrence=occurrence
        )
    assert (going.status, waiting.status) == ("going", "waitlisted")
    assert [kind for kind, _ in inbox(greeter)] == ["newcomer_coming"]
    assert "Lou" in Notification.objects.get(user=greeter).body
    assert inbox(second) == []
    with TestCase.captureOnCommitCallbacks(execute=True):
        directory.registration_cancel(registration=going, by=first)
    assert inbox(second) == [("seat_offered", "A seat for you: Tricot")]
    # Confirmed, the newcomer who waited is announced to the greeter too.
    waiting.refresh_from_db()
    with TestCase.captureOnCommitCallbacks(execute=True):
        directory.registration_confirm(registration=waiting, by=second)
    assert [kind for kind, _ in inbox(greeter)] == ["newcomer_coming", "newcomer_coming"]


def test_a_move_names_the_old_and_the_new_time_in_the_residents_zone_and_language():
    occurrence = session(starts_in=datetime.timedelta(days=3), title="Chorale")
    english = registered(occurrence, UserFactory(preferred_language="en")).user
    french = registered(occurrence).user
    before = occurrence.start
    later = before + datetime.timedelta(days=1, hours=1)
    edit(occurrence, start=later, end=later + datetime.timedelta(hours=2))
    paris = ZoneInfo("Europe/Paris")
    (item,) = Notification.objects.filter(user=english)
    assert before.astimezone(paris).strftime("%H:%M") in item.body
    assert later.astimezone(paris).strftime("%H:%M") in item.body
    assert item.body.index(before.astimezone(paris).strftime("%A")) < item.body.index(
        later.astimezone(paris).strftime("%A")
    )
    assert item.data["previous_start"] == before.isoformat()
    assert item.data["start"] == later.isoformat()
    (french_item,) = Notification.objects.filter(user=french)
    assert french_item.body.startswith("La séance du ")
    assert "a désormais lieu le" in french_item.body


def test_a_session_in_another_zone_is_told_in_the_residents_zone():
    occurrence = session(starts_in=datetime.timedelta(days=3), title="Chorale")
    abroad = registered(occurrence, UserFactory(preferred_language="en")).user
    NotificationPreferences.objects.create(user=abroad, timezone="America/Montreal")
    later = occurrence.start + datetime.timedelta(hours=1)
    edit(occurrence, start=later, end=later + datetime.timedelta(hours=2))
    body = Notification.objects.get(user=abroad).body
    montreal = ZoneInfo("America/Montreal")
    assert occurrence.start.astimezone(montreal).strftime("%H:%M") in body
    assert later.astimezone(montreal).strftime("%H:%M") in body


def test_a_session_moved_back_to_its_slot_in_the_series_is_told():
    occurrence = session(starts_in=datetime.timedelta(days=3), title="Chorale")
    going = registered(occurrence).user
    slot = occurrence.start
    assert occurrence.series_start == slot
    later = slot + datetime.timedelta(hours=3)
    edit(occurrence, start=later, end=later + datetime.timedelta(hours=2))
    edit(occurrence, start=slot, end=slot + datetime.timedelta(hours=2))
    moves = Notification.objects.filter(user=going, kind="session_moved").order_by("id")
    assert [item.data["start"] for item in moves] == [later.isoformat(), slot.isoformat()]
    # And there again: a new change, told again, though it reaches a state told before.
    edit(occurrence, start=later, end=later + datetime.timedelta(hours=2))
    assert [item.data["start"] for item in moves.all()] == [
        later.isoformat(),
        slot.isoformat(),
        later.isoformat(),
    ]


def test_put_back_after_a_cancellation_is_told_and_cancelled_again_too_but_a_note_is_not():
    occurrence = session(starts_in=datetime.timedelta(days=3), title="Chorale")
    going = registered(occurrence).user
    english = registered(occurrence, UserFactory(preferred_language="en")).user
    edit(occurrence, status="cancelled")
    edit(occurrence, note="Désolés.")  # still cancelled: nothing new to tell
    edit(occurrence, status="scheduled", note="")
    edit(occurrence, status="cancelled")
    kinds = ["session_cancelled", "session_restored", "session_cancelled"]
    assert [
        kind
        for kind, _ in Notification.objects.filter(user=going)
        .order_by("id")
        .values_list("kind", "title")
    ] == kinds
    back = Notification.objects.get(user=english, kind="session_restored")
    assert back.title == "Back on: Chorale"
    assert back.body.startswith("The session of ") and back.body.endswith("takes place after all.")
    assert Notification.objects.get(user=going, kind="session_restored").title == (
        "De nouveau au programme : Chorale"
    )


def test_a_change_is_told_once_when_its_task_runs_twice_even_after_a_later_edit():
    occurrence = session(starts_in=datetime.timedelta(days=3), title="Chorale")
    going = registered(occurrence).user
    before = occurrence.start
    sent = []
    handler = lambda sender, **kwargs: sent.append(kwargs)  # noqa: E731
    signals.occurrence_changed.connect(handler)
    try:
        later = occurrence.start + datetime.timedelta(hours=1)
        edit(occurrence, start=later, end=later + datetime.timedelta(hours=2))
    finally:
        signals.occurrence_changed.disconnect(handler)
    (kwargs,) = sent
    assert (kwargs["previous_start"], kwargs["previous_status"]) == (before, "scheduled")
    change = notices.SessionEdit.of(
        kwargs["occurrence"],
        previous_start=kwargs["previous_start"],
        previous_status=kwargs["previous_status"],
    ).as_json()
    edit(occurrence, status="cancelled")  # a later edit does not rewrite the first one
    assert notices.change_notices_send(occurrence_id=occurrence.pk, change=change) == 0
    assert [kind for kind, _ in inbox(going)] == ["session_cancelled", "session_moved"]
    body = Notification.objects.get(user=going, kind="session_moved").body
    assert timezone.localtime(later).strftime("%H:%M") in body


def test_a_move_and_online_at_once_is_told_once_as_online_with_both_times():
    occurrence = session(starts_in=datetime.timedelta(days=3), title="Chorale")
    going = registered(occurrence, UserFactory(preferred_language="en")).user
    later = occurrence.start + datetime.timedelta(hours=2)
    edit(
        occurrence,
        status="moved_online",
        start=later,
        end=later + datetime.timedelta(hours=1),
    )
    (item,) = Notification.objects.filter(user=going)
    assert item.kind == "session_moved_online"
    assert timezone.localtime(occurrence.start).strftime("%H:%M") in item.body
    assert timezone.localtime(later).strftime("%H:%M") in item.body


def test_the_matcher_still_hears_a_session_edit():
    occurrence = session(starts_in=datetime.timedelta(days=3), title="Chorale")
    with mock.patch("matching.receivers.recommendations_for_activity_task") as task:
        edit(occurrence, status="cancelled")
    task.delay.assert_called_once_with(occurrence.activity_id)
