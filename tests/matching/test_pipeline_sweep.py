"""The sweep is the safety net: from one watermark to the next it merges the activities that
changed and recomputes the residents whose set is missing, older than their profile, too old,
or left behind by a full refresh that lost a chunk."""

import datetime

import pytest
from django.test import TestCase
from django.utils import timezone

from activities import services as directory
from matching import services
from matching.models import RecommendationSet, ResidentProfile
from matching.services import sweep
from matching.tasks import recommendations_sweep_task
from tests.factories import UserFactory, editor_of, listed_activity

pytestmark = pytest.mark.django_db
HOME = (47.2184, -1.5536)


def soon(days: int = 1) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


def resident(**fields):
    user = UserFactory()
    services.profile_update(user=user, matching_consent=True, home=HOME, **fields)
    return user


def listed(user) -> list[int]:
    return RecommendationSet.objects.get(user=user).activity_ids


def test_the_first_sweep_refreshes_everyone_then_only_what_changed():
    users = [resident(interests={"chorale-chant": 1.0}) for _ in range(3)]
    first = services.recommendations_sweep_plan()
    assert first.full_refresh  # no watermark: nothing says what changed
    assert recommendations_sweep_task.delay().get() == 3
    assert all(listed(u) == [] for u in users)

    plan = services.recommendations_sweep_plan()
    assert not plan.full_refresh and plan.residents == [] and plan.activity_ids == []

    # A publication whose signal was lost is merged by the next sweep.
    activity = listed_activity(
        HOME[0] + 0.003, HOME[1], starts=[], status="draft", categories=["chorale-chant"]
    )
    directory.schedule_create(
        activity=activity, by=editor_of(activity.organization), rrule="FREQ=WEEKLY;BYDAY=MO",
        start_time=datetime.time(15), end_time=datetime.time(17), valid_from=timezone.localdate(),
    )  # fmt: skip
    with TestCase.captureOnCommitCallbacks(execute=False) as dropped:
        directory.activity_publish(activity=activity)
    assert dropped and all(listed(u) == [] for u in users)
    plan = services.recommendations_sweep_plan()
    assert activity.pk in plan.activity_ids and plan.residents == []
    recommendations_sweep_task.delay()
    assert all(listed(u) == [activity.pk] for u in users)


def test_the_sweep_recomputes_missing_changed_old_and_left_behind_sets():
    fresh, missing, changed, old, left_behind = (resident() for _ in range(5))
    now = timezone.now()
    ResidentProfile.objects.update(updated_at=now - datetime.timedelta(days=2))
    services.recommendations_sweep_done(plan=services.recommendations_sweep_plan(now=now))
    services.recommendations_compute(
        user_ids=[fresh.pk, changed.pk, old.pk, left_behind.pk], now=now
    )
    RecommendationSet.objects.filter(user=missing).delete()
    services.profile_update(user=changed, max_distance_km=7)
    RecommendationSet.objects.filter(user=old).update(
        computed_at=now - sweep.SET_MAX_AGE - datetime.timedelta(minutes=1)
    )
    # A full refresh queued long ago never reached this one (its chunk was lost).
    services.recommendations_full_refresh_started(
        at=now - sweep.REFRESH_GRACE + datetime.timedelta(seconds=1)
    )
    RecommendationSet.objects.filter(user=left_behind).update(computed_at=now - sweep.REFRESH_GRACE)
    later = now + datetime.timedelta(seconds=2)
    stale = {user_id for user_id, _cell, _homebound in services.recommendations_sweep_plan(
        now=later
    ).residents}  # fmt: skip
    assert stale == {missing.pk, changed.pk, old.pk, left_behind.pk}

    # While the refresh may still be running, its residents are not taken for lost.
    services.recommendations_full_refresh_started(at=later)
    stale = {u for u, _c, _h in services.recommendations_sweep_plan(now=later).residents}
    assert stale == {missing.pk, changed.pk, old.pk}


def test_too_many_changes_make_the_sweep_a_full_refresh(monkeypatch):
    resident()
    services.recommendations_sweep_done(plan=services.recommendations_sweep_plan())
    monkeypatch.setattr(sweep, "SWEEP_MAX_ACTIVITIES", 2)
    for n in range(3):
        listed_activity(HOME[0] + 0.001 * n, HOME[1], starts=[soon()])
    assert services.recommendations_sweep_plan().full_refresh
