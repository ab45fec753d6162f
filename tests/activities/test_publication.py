"""The publication state machine: which transitions it allows, and what each one does."""

import itertools

import pytest
from django.utils import timezone

from activities import choices, signals
from activities import services as directory
from activities.models import Activity, ActivityTombstone, Occurrence
from backend.errors import Conflict
from tests.factories import (
    ActivityFactory,
    UserFactory,
    editor_of,
    weekly_schedule,
)

pytestmark = pytest.mark.django_db
Status = choices.ActivityStatus

ALLOWED = {
    (Status.DRAFT, Status.PENDING),
    (Status.DRAFT, Status.PUBLISHED),
    (Status.DRAFT, Status.ARCHIVED),
    (Status.PENDING, Status.DRAFT),
    (Status.PENDING, Status.PUBLISHED),
    (Status.PENDING, Status.REJECTED),
    (Status.PENDING, Status.ARCHIVED),
    (Status.REJECTED, Status.PENDING),
    (Status.REJECTED, Status.PUBLISHED),
    (Status.REJECTED, Status.ARCHIVED),
    (Status.PUBLISHED, Status.REJECTED),
    (Status.PUBLISHED, Status.ARCHIVED),
}


@pytest.fixture
def sent():
    """The domain signals sent, as (signal name, kwargs)."""
    caught: list[tuple[str, dict]] = []
    receivers = {}
    for name in ("activity_published", "activity_unpublished"):

        def receiver(sender, signal, _name=name, **kwargs):
            caught.append((_name, kwargs))

        receivers[name] = receiver
        getattr(signals, name).connect(receiver, dispatch_uid=f"test-{name}")
    yield caught
    for name in receivers:
        getattr(signals, name).disconnect(dispatch_uid=f"test-{name}")


@pytest.mark.parametrize(("current", "to"), list(itertools.product(Status.values, Status.values)))
def test_the_workflow_allows_only_its_transitions(current, to):
    activity = ActivityFactory(status=current)
    if (current, to) in ALLOWED:
        directory.activity_transition(activity=activity, to=to, by=None)
        assert Activity.objects.get(pk=activity.pk).status == to
    else:
        with pytest.raises(Conflict) as refused:
            directory.activity_transition(activity=activity, to=to, by=None)
        assert refused.value.status_code == 409
        assert refused.value.code == "invalid_transition"
        assert Activity.objects.get(pk=activity.pk).status == current


def test_publishing_dates_it_materializes_and_tells_after_commit(
    sent, django_capture_on_commit_callbacks
):
    activity = ActivityFactory(status="pending")
    ActivityTombstone.objects.create(activity_id=activity.pk, removed_at=timezone.now(), reason="x")
    weekly_schedule(activity)
    Occurrence.objects.all().delete()
    staff = UserFactory(is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        directory.activity_transition(activity=activity, to=Status.PUBLISHED, by=staff)
        assert sent == []  # not before the commit
    activity.refresh_from_db()
    assert activity.status == "published"
    assert activity.published_at is not None
    assert activity.last_verified_at == activity.published_at
    assert activity.occurrences.exists() and activity.next_start is not None
    assert not ActivityTombstone.objects.filter(activity_id=activity.pk).exists()
    assert sent == [("activity_published", {"activity": activity, "by": staff})]


@pytest.mark.parametrize("to", [Status.REJECTED, Status.ARCHIVED])
def test_leaving_published_withdraws_the_sessions_and_leaves_a_tombstone(
    to, sent, django_capture_on_commit_callbacks
):
    activity = ActivityFactory(status="published")
    weekly_schedule(activity)
    assert activity.occurrences.filter(status="scheduled").exists()
    with django_capture_on_commit_callbacks(execute=True):
        directory.activity_transition(activity=activity, to=to, by=None)
    assert set(activity.occurrences.values_list("status", flat=True)) == {"cancelled"}
    assert ActivityTombstone.objects.get(activity_id=activity.pk).reason == to
    assert sent == [
        (
            "activity_unpublished",
            {"activity": activity, "previous_status": "published", "by": None},
        )
    ]


def test_a_rejection_before_publication_keeps_the_sessions(sent):
    activity = ActivityFactory(status="pending")
    weekly_schedule(activity)
    directory.activity_transition(activity=activity, to=Status.REJECTED, by=None)
    assert set(activity.occurrences.values_list("status", flat=True)) == {"scheduled"}
    assert not ActivityTombstone.objects.exists()


def test_publishing_again_brings_back_the_sessions_withdrawn_with_the_activity():
    activity = ActivityFactory(status="published")
    weekly_schedule(activity)
    editor = editor_of(activity.organization)
    cancelled_alone = activity.occurrences.order_by("start")[1]
    directory.occurrence_cancel(occurrence=cancelled_alone, by=editor)
    directory.activity_transition(activity=activity, to=Status.REJECTED, by=None)
    directory.activity_transition(activity=activity, to=Status.PUBLISHED, by=None)
    statuses = dict(activity.occurrences.values_list("pk", "status"))
    assert statuses.pop(cancelled_alone.pk) == "cancelled"
    assert set(statuses.values()) == {"scheduled"}


def test_submitting_follows_the_workflow():
    activity = ActivityFactory(status="draft")
    weekly_schedule(activity)
    editor = editor_of(activity.organization)
    directory.activity_submit(activity=activity, by=editor)
    assert activity.status == "pending" and activity.published_at is None
    with pytest.raises(Conflict):
        directory.activity_submit(activity=activity, by=editor)
    directory.activity_transition(activity=activity, to=Status.REJECTED, by=None)
    activity.organization.verified = True
    activity.organization.save()
    directory.activity_submit(activity=activity, by=editor)
    assert activity.status == "published" and activity.published_at is not None


def test_archiving_twice_changes_nothing(sent):
    activity = ActivityFactory(status="published")
    editor = editor_of(activity.organization)
    directory.activity_archive(activity=activity, by=editor)
    removed_at = ActivityTombstone.objects.get(activity_id=activity.pk).removed_at
    directory.activity_archive(activity=activity, by=editor)
    assert ActivityTombstone.objects.get(activity_id=activity.pk).removed_at == removed_at


def test_a_refused_transition_reaches_the_api_as_a_conflict():
    from tests.conftest import client_for

    activity = ActivityFactory(status="published")
    response = client_for(editor_of(activity.organization)).post(
        f"/api/v1/activities/{activity.pk}/submit/"
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "invalid_transition"
    assert set(error) == {"code", "message", "fields"}


def test_an_archived_activity_keeps_its_schedules_and_sessions_as_they_were():
    from tests.conftest import client_for

    activity = ActivityFactory(status="published")
    schedule = weekly_schedule(activity)
    editor = editor_of(activity.organization)
    directory.activity_archive(activity=activity, by=editor)
    sessions = list(Occurrence.objects.filter(activity=activity).values_list("id", "status"))
    client = client_for(editor)

    added = client.post(
        f"/api/v1/activities/{activity.pk}/schedules/",
        {
            "rrule": "FREQ=WEEKLY;BYDAY=WE",
            "start_time": "10:00",
            "end_time": "11:00",
            "valid_from": timezone.localdate().isoformat(),
        },
        format="json",
    )
    edited = client.patch(f"/api/v1/schedules/{schedule.pk}/", {"start_time": "09:00"})
    removed = client.delete(f"/api/v1/schedules/{schedule.pk}/")
    assert [added.status_code, edited.status_code, removed.status_code] == [409, 409, 409]
    assert added.json()["error"]["code"] == "archived"
    assert activity.schedules.count() == 1
    assert list(Occurrence.objects.filter(activity=activity).values_list("id", "status")) == (
        sessions
    )
    assert not Occurrence.objects.filter(
        activity=activity, status=choices.OccurrenceStatus.SCHEDULED, start__gte=timezone.now()
    ).exists()
