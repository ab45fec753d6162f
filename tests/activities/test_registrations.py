"""Registrations through the services: seats, the waitlist in order, offers of freed seats and
their expiry, attendance, the question after a first visit, the welcome of newcomers."""

import datetime

import pytest
from django.utils import timezone

from activities import choices, services, signals
from activities.models import Occurrence, Registration
from activities.tasks import registration_offers_expire_task
from backend.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tests.factories import UserFactory, editor_of, listed_activity

pytestmark = pytest.mark.django_db

Status = choices.RegistrationStatus


def session(*, capacity: int | None = 2, days: float = 3, **fields) -> Occurrence:
    start = timezone.now() + datetime.timedelta(days=days)
    activity = listed_activity(47.2, -1.55, starts=[start], **fields)
    occurrence = activity.occurrences.get()
    occurrence.capacity = capacity
    occurrence.save()
    return occurrence


def register(user, occurrence, **kwargs) -> Registration:
    registration, _created = services.registration_create(
        user=user, activity=occurrence.activity, occurrence=occurrence, **kwargs
    )
    return registration


class Recorder:
    """Records what a domain signal sends."""

    def __init__(self, signal):
        self.calls: list[dict] = []
        signal.connect(self.receive, weak=False)
        self.signal = signal

    def receive(self, sender, **kwargs):
        self.calls.append(kwargs)

    def close(self):
        self.signal.disconnect(self.receive)


@pytest.fixture
def record():
    recorders = []

    def start(signal) -> Recorder:
        recorders.append(Recorder(signal))
        return recorders[-1]

    yield start
    for recorder in recorders:
        recorder.close()


def test_seats_go_first_then_the_waitlist_in_order_of_arrival():
    occurrence = session(capacity=2)
    residents = UserFactory.create_batch(4)
    registrations = [register(user, occurrence) for user in residents]
    assert [r.status for r in registrations] == ["going", "going", "waitlisted", "waitlisted"]
    assert [r.position for r in registrations] == [1, 2, 3, 4]
    occurrence.refresh_from_db()
    assert occurrence.seats_taken == 2


def test_registering_again_returns_the_same_registration():
    occurrence = session()
    resident = UserFactory()
    first, created = services.registration_create(
        user=resident, activity=occurrence.activity, occurrence=occurrence
    )
    again, created_again = services.registration_create(
        user=resident, activity=occurrence.activity, occurrence=occurrence
    )
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    occurrence.refresh_from_db()
    assert occurrence.seats_taken == 1


def test_a_full_session_without_waitlist_refuses_and_stores_nothing():
    occurrence = session(capacity=1, waitlist=False)
    register(UserFactory(), occurrence)
    with pytest.raises(Conflict) as error:
        register(UserFactory(), occurrence)
    assert error.value.code == "session_full"
    assert Registration.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"status": choices.OccurrenceStatus.CANCELLED}, "session_cancelled"),
        ({"start": "past"}, "session_past"),
    ],
)
def test_a_cancelled_or_started_session_refuses(change, code):
    occurrence = session()
    if change.get("start") == "past":
        Occurrence.objects.filter(pk=occurrence.pk).update(
            start=timezone.now() - datetime.timedelta(minutes=5)
        )
    else:
        Occurrence.objects.filter(pk=occurrence.pk).update(**change)
    occurrence.refresh_from_db()
    with pytest.raises(Conflict) as error:
        register(UserFactory(), occurrence)
    assert error.value.code == code
    assert not Registration.objects.exists()


def test_an_unpublished_activity_is_not_found():
    occurrence = session(status="draft")
    with pytest.raises(NotFound):
        register(UserFactory(), occurrence)


def test_cancelling_a_seat_offers_it_to_the_first_waitlisted(
    record, django_capture_on_commit_callbacks, settings
):
    settings.REGISTRATION_OFFER_HOURS = 12
    occurrence = session(capacity=1, days=3)
    going, first, second = (register(UserFactory(), occurrence) for _ in range(3))
    offered = record(signals.seat_offered)
    changed = record(signals.registration_changed)
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=going, by=going.user)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Status.OFFERED
    assert second.status == Status.WAITLISTED
    assert first.offered_until == pytest.approx(
        timezone.now() + datetime.timedelta(hours=12), abs=datetime.timedelta(seconds=30)
    )
    assert [call["registration"].pk for call in offered.calls] == [first.pk]
    assert [(c["registration"].pk, c["previous_status"]) for c in changed.calls] == [
        (going.pk, "going"),
        (first.pk, "waitlisted"),
    ]
    occurrence.refresh_from_db()
    assert occurrence.seats_taken == 1  # the seat is held for the offer


def test_an_offer_never_outlasts_the_session_start(settings):
    settings.REGISTRATION_OFFER_HOURS = 12
    occurrence = session(capacity=1, days=0.25)  # in 6 hours
    going, waiting = register(UserFactory(), occurrence), register(UserFactory(), occurrence)
    services.registration_cancel(registration=going, by=going.user)
    waiting.refresh_from_db()
    assert waiting.offered_until == occurrence.start


def test_a_seat_freed_with_no_one_waiting_is_free_again():
    occurrence = session(capacity=1)
    going = register(UserFactory(), occurrence)
    services.registration_cancel(registration=going, by=going.user)
    occurrence.refresh_from_db()
    assert occurrence.seats_taken == 0
    assert register(UserFactory(), occurrence).status == Status.GOING


def test_an_offer_not_confirmed_in_time_passes_to_the_next(
    record, django_capture_on_commit_callbacks
):
    occurrence = session(capacity=1)
    going, first, second = (register(UserFactory(), occurrence) for _ in range(3))
    services.registration_cancel(registration=going, by=going.user)
    later = timezone.now() + datetime.timedelta(hours=13)
    offered = record(signals.seat_offered)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.registration_offers_expire(now=later) == 1
        assert services.registration_offers_expire(now=later) == 0  # once
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Status.CANCELLED
    assert second.status == Status.OFFERED
    assert second.offered_until > later
    assert [call["registration"].pk for call in offered.calls] == [second.pk]


def test_the_beat_task_passes_expired_offers_and_running_it_twice_changes_nothing_more():
    occurrence = session(capacity=1)
    going, first, second = (register(UserFactory(), occurrence) for _ in range(3))
    services.registration_cancel(registration=going, by=going.user)
    Registration.objects.filter(pk=first.pk).update(
        offered_until=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert registration_offers_expire_task() == {"passed": 1, "offered": 0}
    assert registration_offers_expire_task() == {"passed": 0, "offered": 0}
    assert Registration.objects.get(pk=second.pk).status == Status.OFFERED


def test_confirming_an_offer_takes_the_seat():
    occurrence = session(capacity=1)
    going, waiting = register(UserFactory(), occurrence), register(UserFactory(), occurrence)
    services.registration_cancel(registration=going, by=going.user)
    confirmed = services.registration_confirm(registration=waiting, by=waiting.user)
    assert confirmed.status == Status.GOING


def test_confirming_too_late_is_refused_and_the_seat_goes_to_the_next():
    occurrence = session(capacity=1)
    going, first, second = (register(UserFactory(), occurrence) for _ in range(3))
    services.registration_cancel(registration=going, by=going.user)
    later = timezone.now() + datetime.timedelta(hours=13)
    with pytest.raises(Conflict) as error:
        services.registration_confirm(registration=first, by=first.user, now=later)
    assert error.value.code == "offer_expired"
    assert Registration.objects.get(pk=second.pk).status == Status.OFFERED


def test_a_waitlisted_registration_cannot_be_confirmed():
    occurrence = session(capacity=1)
    register(UserFactory(), occurrence)
    waiting = register(UserFactory(), occurrence)
    with pytest.raises(Conflict) as error:
        services.registration_confirm(registration=waiting, by=waiting.user)
    assert error.value.code == "not_offered"


def test_another_resident_cannot_cancel_or_confirm():
    occurrence = session()
    registration = register(UserFactory(), occurrence)
    stranger = UserFactory()
    with pytest.raises(NotFound):
        services.registration_cancel(registration=registration, by=stranger)
    with pytest.raises(NotFound):
        services.registration_confirm(registration=registration, by=stranger)
    registration.refresh_from_db()
    assert registration.status == Status.GOING


def test_a_raised_capacity_is_offered_to_the_waitlist_by_the_beat_task():
    occurrence = session(capacity=1)
    register(UserFactory(), occurrence)
    first, second = register(UserFactory(), occurrence), register(UserFactory(), occurrence)
    Occurrence.objects.filter(pk=occurrence.pk).update(capacity=2)
    assert registration_offers_expire_task() == {"passed": 0, "offered": 1}
    assert Registration.objects.get(pk=first.pk).status == Status.OFFERED
    assert Registration.objects.get(pk=second.pk).status == Status.WAITLISTED
    assert Occurrence.objects.get(pk=occurrence.pk).seats_taken == 2


def test_an_ongoing_activity_counts_its_members_against_its_capacity():
    activity = listed_activity(47.2, -1.55, capacity=1)
    first, _ = services.registration_create(user=UserFactory(), activity=activity)
    second, _ = services.registration_create(user=UserFactory(), activity=activity)
    assert (first.status, second.status) == (Status.GOING, Status.WAITLISTED)
    assert first.occurrence is None
    services.registration_cancel(registration=first, by=first.user)
    second.refresh_from_db()
    assert second.status == Status.OFFERED


def test_an_activity_with_sessions_is_registered_for_by_session():
    occurrence = session()
    with pytest.raises(Conflict) as error:
        services.registration_create(user=UserFactory(), activity=occurrence.activity)
    assert error.value.code == "has_sessions"


def test_a_first_registration_is_a_newcomer_and_tells_the_greeter(
    record, django_capture_on_commit_callbacks
):
    occurrence = session()
    resident = UserFactory()
    newcomers = record(signals.newcomer_registered)
    with django_capture_on_commit_callbacks(execute=True):
        first = register(resident, occurrence)
    assert first.first_visit
    assert [call["registration"].pk for call in newcomers.calls] == [first.pk]
    later = Occurrence.objects.create(
        activity=occurrence.activity,
        series_start=occurrence.start + datetime.timedelta(days=7),
        start=occurrence.start + datetime.timedelta(days=7),
        end=occurrence.end + datetime.timedelta(days=7),
    )
    with django_capture_on_commit_callbacks(execute=True):
        second = register(resident, later)
    assert not second.first_visit
    assert len(newcomers.calls) == 1


def _started(occurrence: Occurrence) -> None:
    Occurrence.objects.filter(pk=occurrence.pk).update(
        start=timezone.now() - datetime.timedelta(hours=1)
    )


def test_organizers_mark_attendance_once_the_session_started():
    occurrence = session()
    organizer = editor_of(occurrence.activity.organization)
    registration = register(UserFactory(), occurrence)
    with pytest.raises(Conflict) as error:
        services.registration_mark_attendance(
            registration=registration, by=organizer, attended=True
        )
    assert error.value.code == "not_started"
    _started(occurrence)
    marked = services.registration_mark_attendance(
        registration=registration, by=organizer, attended=True
    )
    assert marked.status == Status.ATTENDED
    assert services.asks_how_it_went(marked)


def test_only_the_activitys_organizers_mark_attendance():
    occurrence = session()
    registration = register(UserFactory(), occurrence)
    _started(occurrence)
    other = editor_of(listed_activity(47.2, -1.55).organization)
    with pytest.raises(NotFound):
        services.registration_mark_attendance(registration=registration, by=other, attended=True)
    with pytest.raises(PermissionDenied):
        services.registration_mark_attendance(
            registration=registration, by=registration.user, attended=True
        )
    assert Registration.objects.get(pk=registration.pk).status == Status.GOING


def test_a_waitlisted_resident_is_not_marked():
    occurrence = session(capacity=1)
    organizer = editor_of(occurrence.activity.organization)
    register(UserFactory(), occurrence)
    waiting = register(UserFactory(), occurrence)
    _started(occurrence)
    with pytest.raises(Conflict) as error:
        services.registration_mark_attendance(registration=waiting, by=organizer, attended=False)
    assert error.value.code == "not_going"


def test_the_visit_question_is_answered_once_after_a_first_visit_attended():
    occurrence = session()
    organizer = editor_of(occurrence.activity.organization)
    registration = register(UserFactory(), occurrence)
    with pytest.raises(Conflict) as error:
        services.registration_answer_visit(
            registration=registration, by=registration.user, feeling="good"
        )
    assert error.value.code == "not_asked"
    _started(occurrence)
    services.registration_mark_attendance(registration=registration, by=organizer, attended=True)
    answered = services.registration_answer_visit(
        registration=registration, by=registration.user, feeling="mixed", note="Un peu timide."
    )
    assert (answered.visit_feeling, answered.visit_note) == ("mixed", "Un peu timide.")
    assert not services.asks_how_it_went(answered)
    with pytest.raises(Conflict) as error:
        services.registration_answer_visit(
            registration=registration, by=registration.user, feeling="good"
        )
    assert error.value.code == "already_answered"
    assert Registration.objects.get(pk=registration.pk).visit_feeling == "mixed"


def test_the_greeter_is_a_member_of_the_organization():
    occurrence = session()
    activity = occurrence.activity
    organizer = editor_of(activity.organization)
    with pytest.raises(ValidationFailed) as error:
        services.activity_welcome_update(activity=activity, by=organizer, greeter=UserFactory())
    assert error.value.code == "greeter_not_member"
    greeter = editor_of(activity.organization, UserFactory(display_name="Malika Benali"))
    services.activity_welcome_update(
        activity=activity, by=organizer, greeter=greeter, meeting_point="À l'accueil."
    )
    activity.refresh_from_db()
    assert services.greeter_first_name(activity) == "Malika"
    assert activity.meeting_point == "À l'accueil."
    with pytest.raises(PermissionDenied):
        services.activity_welcome_update(activity=activity, by=UserFactory(), meeting_point="")


def test_no_seat_is_offered_at_a_cancelled_session():
    occurrence = session(capacity=1)
    going, waiting = register(UserFactory(), occurrence), register(UserFactory(), occurrence)
    Occurrence.objects.filter(pk=occurrence.pk).update(status=choices.OccurrenceStatus.CANCELLED)
    services.registration_cancel(registration=going, by=going.user)
    assert Registration.objects.get(pk=waiting.pk).status == Status.WAITLISTED
