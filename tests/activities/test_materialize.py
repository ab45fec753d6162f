import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from activities import services
from activities.models import Occurrence
from activities.tasks import occurrences_roll_window_task
from tests.factories import ActivityFactory, editor_of

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def _weekly(activity, **fields):
    return services.schedule_create(
        activity=activity,
        by=editor_of(activity.organization),
        rrule="FREQ=WEEKLY;BYDAY=TU",
        start_time=datetime.time(14),
        end_time=datetime.time(16),
        valid_from=datetime.date(2026, 1, 1),
        **fields,
    )


def test_materialization_is_idempotent():
    with time_machine.travel(datetime.datetime(2026, 3, 1, tzinfo=PARIS), tick=False):
        activity = ActivityFactory()
        _weekly(activity)
        first = list(Occurrence.objects.values_list("pk", "start"))
        counts = services.occurrences_materialize(activity=activity)
    assert counts == {"created": 0, "updated": 0, "deleted": 0}
    assert list(Occurrence.objects.values_list("pk", "start")) == first
    assert len(first) == 12


def test_the_periodic_task_rolls_the_window_forward():
    with time_machine.travel(datetime.datetime(2026, 3, 1, tzinfo=PARIS), tick=False):
        activity = ActivityFactory()
        _weekly(activity)
    last_before = Occurrence.objects.order_by("start").last().start
    with time_machine.travel(datetime.datetime(2026, 4, 5, tzinfo=PARIS), tick=False):
        occurrences_roll_window_task.delay()
    last_after = Occurrence.objects.order_by("start").last().start
    assert last_after - last_before == datetime.timedelta(weeks=5)
    # Past sessions stay: they are history (attendance, feedback).
    assert (
        Occurrence.objects.filter(start__lt=datetime.datetime(2026, 4, 5, tzinfo=PARIS)).count()
        == 5
    )
    # Across the March clock change the local time stays 14:00.
    assert {o.start.astimezone(PARIS).hour for o in Occurrence.objects.all()} == {14}


def test_archived_activities_are_not_rolled():
    with time_machine.travel(datetime.datetime(2026, 3, 1, tzinfo=PARIS), tick=False):
        activity = ActivityFactory()
        _weekly(activity)
        services.activity_archive(activity=activity, by=editor_of(activity.organization))
        assert set(Occurrence.objects.values_list("status", flat=True)) == {"cancelled"}
    count = Occurrence.objects.count()
    with time_machine.travel(datetime.datetime(2026, 4, 5, tzinfo=PARIS), tick=False):
        occurrences_roll_window_task.delay()
    assert Occurrence.objects.count() == count


def test_exception_dates_and_valid_to_are_respected():
    with time_machine.travel(datetime.datetime(2026, 3, 1, tzinfo=PARIS), tick=False):
        activity = ActivityFactory()
        _weekly(
            activity,
            exdates=[datetime.date(2026, 3, 10)],
            valid_to=datetime.date(2026, 4, 1),
        )
    days = [o.start.astimezone(PARIS).date() for o in Occurrence.objects.all()]
    assert days == [
        datetime.date(2026, 3, 3),
        datetime.date(2026, 3, 17),
        datetime.date(2026, 3, 24),
        datetime.date(2026, 3, 31),
    ]
