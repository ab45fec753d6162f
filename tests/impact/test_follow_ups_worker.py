"""The beat's follow-up task on a real worker and broker, against PostgreSQL."""

import pytest

from impact.models import FollowUp
from impact.services import FOLLOW_UP_KIND
from impact.tasks import follow_ups_due_task
from notifications.models import Notification
from tests.factories import listed_activity
from tests.impact.conftest import HOME, attend, consenting_resident, days_ago


@pytest.mark.worker
@pytest.mark.postgres
def test_the_task_asks_each_due_follow_up_once_on_a_worker(celery_worker):
    activity = listed_activity(*HOME)
    due = [consenting_resident() for _ in range(3)]
    for resident in due:
        attend(resident, activity, at=days_ago(43))
    not_yet = consenting_resident()
    attend(not_yet, activity, at=days_ago(10))
    assert follow_ups_due_task.delay().get(timeout=60) == 3
    assert follow_ups_due_task.delay().get(timeout=60) == 0
    assert set(FollowUp.objects.values_list("user_id", flat=True)) == {u.pk for u in due}
    assert Notification.objects.filter(kind=FOLLOW_UP_KIND).count() == 3
