"""Through the services: the organization's one message after a missed first visit, and the
places a resident gives up as their account is erased (each seat passed on as a cancellation
passes it on, also at an ongoing activity)."""

import datetime

import pytest
from django.test import TestCase
from django.utils import timezone

from activities import services, signals
from activities.models import Occurrence, Registration
from backend.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tests.activities.test_registrations import Recorder, register, session
from tests.factories import UserFactory, editor_of, listed_activity

pytestmark = pytest.mark.django_db


def started(occurrence: Occurrence) -> Occurrence:
    Occurrence.objects.filter(pk=occurrence.pk).update(
        start=timezone.now() - datetime.timedelta(hours=1)
    )
    occurrence.refresh_from_db()
    return occurrence


def missed_first_visit() -> tuple[Registration, object]:
    occurrence = session(capacity=3)
    registration = register(UserFactory(), occurrence)
    started(occurrence)
    organizer = editor_of(occurrence.activity.organization)
    services.registration_mark_attendance(registration=registration, by=organizer, attended=False)
    registration.refresh_from_db()
    return registration, organizer


def test_one_message_after_a_missed_first_visit_with_its_signal():
    registration, organizer = missed_first_visit()
    assert services.may_follow_up(registration)
    recorder = Recorder(signals.visit_followed_up)
    try:
        with TestCase.captureOnCommitCallbacks(execute=True):
            followed = services.registration_follow_up(
                registration=registration, by=organizer, body="  À bientôt !  "
            )
        assert followed.followed_up_at is not None
        assert not services.may_follow_up(followed)
        ((call),) = recorder.calls
        assert call["registration"].pk == registration.pk and call["body"] == "À bientôt !"
        with pytest.raises(Conflict) as refused:
            services.registration_follow_up(registration=registration, by=organizer)
        assert refused.value.code == "already_followed_up"
        assert len(recorder.calls) == 1
    finally:
        recorder.close()


def test_not_a_missed_first_visit_is_refused():
    occurrence = session(capacity=3)
    organizer = editor_of(occurrence.activity.organization)
    going = register(UserFactory(), occurrence)
    with pytest.raises(Conflict) as refused:
        services.registration_follow_up(registration=going, by=organizer)
    assert refused.value.code == "not_missed_first_visit"
    regular = register(UserFactory(), occurrence)
    Registration.objects.filter(pk=regular.pk).update(status="no_show", first_visit=False)
    regular.refresh_from_db()
    with pytest.raises(Conflict):
        services.registration_follow_up(registration=regular, by=organizer)
    assert not Registration.objects.filter(followed_up_at__isnull=False).exists()


def test_only_the_organizations_members_send_it():
    registration, _organizer = missed_first_visit()
    with pytest.raises(PermissionDenied):
        services.registration_follow_up(registration=registration, by=registration.user)
    stranger = editor_of(listed_activity(47.2, -1.55).organization)
    with pytest.raises(NotFound):
        services.registration_follow_up(registration=registration, by=stranger)
    registration.refresh_from_db()
    assert registration.followed_up_at is None


def test_a_message_too_long_or_with_markup_is_refused_and_nothing_is_sent():
    registration, organizer = missed_first_visit()
    for body in ("x" * (services.FOLLOW_UP_MAX_LENGTH + 1), "<b>Bonjour</b>"):
        with pytest.raises(ValidationFailed) as refused:
            services.registration_follow_up(registration=registration, by=organizer, body=body)
        assert "body" in refused.value.fields
    registration.refresh_from_db()
    assert registration.followed_up_at is None


def test_giving_up_every_place_passes_each_seat_on_and_leaves_past_ones():
    occurrence = session(capacity=1)
    other = session(capacity=1)
    leaving, first, second = UserFactory(), UserFactory(), UserFactory()
    register(leaving, occurrence)
    register(first, occurrence)
    register(second, occurrence)
    # Waiting at another session: cancelled, no seat to pass on.
    holder = register(UserFactory(), other)
    waiting_elsewhere = register(leaving, other)
    past = session(capacity=1, days=-1)
    attended = Registration.objects.create(
        user=leaving, activity=past.activity, occurrence=past, status="attended", position=1
    )
    assert services.registrations_release(user=leaving) == 2
    statuses = dict(
        Registration.objects.filter(occurrence=occurrence).values_list("user", "status")
    )
    assert statuses == {leaving.pk: "cancelled", first.pk: "offered", second.pk: "waitlisted"}
    waiting_elsewhere.refresh_from_db()
    holder.refresh_from_db()
    assert (waiting_elsewhere.status, holder.status) == ("cancelled", "going")
    assert Occurrence.objects.get(pk=other.pk).seats_taken == 1
    attended.refresh_from_db()
    assert attended.status == "attended"
    assert services.registrations_release(user=leaving) == 0  # nothing left to give up


def test_a_place_in_an_ongoing_group_is_passed_on_when_its_regular_leaves():
    activity = listed_activity(47.2, -1.55, capacity=1)
    regular, newcomer = UserFactory(), UserFactory()
    held, _ = services.registration_create(user=regular, activity=activity)
    waiting, _ = services.registration_create(user=newcomer, activity=activity)
    Registration.objects.filter(pk=held.pk).update(status="attended")
    held.refresh_from_db()
    assert waiting.status == "waitlisted"
    services.registration_cancel(registration=held, by=regular)
    waiting.refresh_from_db()
    assert waiting.status == "offered"
