"""Sets are written with one bulk upsert (COPY then INSERT ... ON CONFLICT on PostgreSQL, a bulk
upsert elsewhere) and the candidate matrix is kept per process while the directory stays."""

import datetime
import gc
from unittest import mock

import numpy as np
import pytest
from django.db import connection, transaction
from django.test import TestCase
from django.utils import timezone

from activities import services as directory
from activities.models import Category
from matching import candidates, engine, reasons, residents, services
from matching.models import RecommendationSet
from matching.services.sets import NewSets, new_sets, recommendation_sets_store
from tests.factories import UserFactory, editor_of, listed_activity

pytestmark = pytest.mark.django_db
HOME = (47.2184, -1.5536)


FREE = len(engine.MODES) * 16 + 2  # the reason key of "free" alone (see `engine.reason_keys`)


def sets(lists: dict[int, list[tuple[int, float]]], key: int = FREE) -> NewSets:
    """Residents' lists of (activity id, score) items, all with the same reason key."""
    width = max(map(len, lists.values()))
    ids, scores = np.full((len(lists), width), -1), np.zeros((len(lists), width))
    for n, items in enumerate(lists.values()):
        for m, (activity_id, score) in enumerate(items):
            ids[n, m], scores[n, m] = activity_id, score
    count = np.array([len(items) for items in lists.values()])
    keys = np.where(ids >= 0, key, 0)
    return NewSets(np.array(list(lists)), engine.Lists(ids, scores, keys, count))


def full_list(first: int = 100) -> list[tuple[int, float]]:
    return [(first + n, round(0.9 - n / 100, 5)) for n in range(engine.TOP_K)]


def test_the_upsert_inserts_new_sets_and_replaces_old_ones_only():
    kept, replaced, new = UserFactory(), UserFactory(), UserFactory()
    then = timezone.now() - datetime.timedelta(days=1)
    now = timezone.now()
    recommendation_sets_store(
        sets=sets({kept.pk: [(1, 0.5)], replaced.pk: [(2, 0.4)]}), computed_at=then
    )
    with transaction.atomic():  # twice in one transaction: the temporary table is per call
        recommendation_sets_store(sets=sets({replaced.pk: full_list()}), computed_at=now)
        recommendation_sets_store(sets=sets({new.pk: [(3, 0.3)]}), computed_at=now)
    rows = {row.user_id: row for row in RecommendationSet.objects.all()}
    assert rows[kept.pk].activity_ids == [1] and rows[kept.pk].computed_at == then
    assert rows[replaced.pk].computed_at == now
    assert rows[replaced.pk].activity_ids == [a for a, _score in full_list()]
    assert rows[replaced.pk].scores[0] == 0.9
    assert reasons.decode(rows[replaced.pk].reasons)[0] == [{"code": "free", "params": {}}]
    assert rows[replaced.pk].threshold == pytest.approx(0.9 - (engine.TOP_K - 1) / 100)
    assert rows[new.pk].threshold == 0.0  # a short list takes anything feasible
    assert rows[new.pk].engine_version == engine.ENGINE_VERSION


def test_a_merge_keeps_the_time_a_set_was_computed():
    user = UserFactory()
    then = timezone.now() - datetime.timedelta(days=1)
    recommendation_sets_store(sets=sets({user.pk: [(1, 0.5)]}), computed_at=then)
    recommendation_sets_store(
        sets=sets({user.pk: [(2, 0.6), (1, 0.5)]}),
        computed_at=timezone.now(),
        keep_computed_at=True,
    )
    row = RecommendationSet.objects.get(user=user)
    assert (row.activity_ids, row.scores, row.computed_at) == ([2, 1], [0.6, 0.5], then)


def test_reasons_are_stored_by_category_id_and_read_back_by_slug():
    """A category's column moves when categories come and go; the stored key names its id."""
    user = UserFactory()
    slugs = ["echecs", "theatre"]
    theatre = Category.objects.get(slug="theatre")
    near = ((2 << 20) + 2 * 8 + 1 + len(engine.MODES)) * 16 + 2  # column 1 + 1, 0.7 km
    lists = sets({user.pk: [(1, 0.5)]}, key=near).lists
    recommendation_sets_store(
        sets=new_sets(np.array([user.pk]), lists, slugs), computed_at=timezone.now()
    )
    row = RecommendationSet.objects.get(user=user)
    assert row.reasons == [near - (2 << 24) + (theatre.pk << 24)]
    assert reasons.decode(row.reasons)[0] == [
        {"code": "interest", "params": {"category": "theatre"}},
        {"code": "near", "params": {"distance_km": 0.7}},
        {"code": "step_free", "params": {}},
        {"code": "free", "params": {}},
    ]


def resident():
    user = UserFactory()
    services.profile_update(
        user=user, matching_consent=True, home=HOME, interests={"chorale-chant": 1.0}
    )
    return user


def recommended(user, now=None) -> list[int]:
    services.recommendations_compute(user_ids=[user.pk], now=now)
    return RecommendationSet.objects.get(user=user).activity_ids


def soon(days: int = 1) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


def test_nested_pauses_of_the_cycle_collector_are_one():
    assert gc.isenabled()
    with engine.cycle_collector_paused():
        with engine.cycle_collector_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_candidate_matrix_is_built_once_while_the_directory_stays():
    user = resident()
    listed_activity(HOME[0] + 0.003, HOME[1], starts=[soon()], categories=["chorale-chant"])
    with mock.patch.object(
        candidates, "build_candidates", wraps=candidates.build_candidates
    ) as build:
        for _ in range(3):
            recommended(user)
        assert build.call_count == 1
        recommended(user, now=timezone.now() + datetime.timedelta(days=1))  # freshness ages
        assert build.call_count == 2


def test_a_new_or_edited_activity_gives_a_new_matrix():
    user = resident()
    first = listed_activity(HOME[0] + 0.003, HOME[1], starts=[soon()], categories=["echecs"])
    assert recommended(user) == [first.pk]
    second = listed_activity(HOME[0] + 0.004, HOME[1], starts=[soon()], categories=["echecs"])
    assert set(recommended(user)) == {first.pk, second.pk}
    # Edited through the service; its after-commit signal never comes (test transaction):
    # `updated_at` alone moves the version.
    directory.activity_update(
        activity=second, by=editor_of(second.organization), categories=["chorale-chant"]
    )
    assert recommended(user)[0] == second.pk


def test_a_timing_change_without_an_edit_of_the_activity_gives_a_new_matrix():
    """A schedule added to a published activity changes its weekly slots with a queryset
    update (`updated_at` stays): the matcher's receiver moves the version."""
    user = resident()
    services.profile_update(user=user, availability_mask=0b111 << 9)  # free on Thursdays only
    activity = listed_activity(
        HOME[0] + 0.003, HOME[1], starts=[soon()], categories=["chorale-chant"]
    )
    activity.weekly_slots = 0b111  # Mondays only, so far
    activity.save()
    assert activity.pk not in recommended(user)
    stamp = type(activity).objects.get(pk=activity.pk).updated_at
    with TestCase.captureOnCommitCallbacks(execute=True):
        directory.schedule_create(
            activity=activity, by=editor_of(activity.organization), rrule="FREQ=WEEKLY;BYDAY=TH",
            start_time=datetime.time(15), end_time=datetime.time(17),
            valid_from=timezone.localdate(),
        )  # fmt: skip
    assert type(activity).objects.get(pk=activity.pk).updated_at == stamp
    assert activity.pk in recommended(user)


def same_matrix(a: engine.Candidates, b: engine.Candidates) -> bool:
    import dataclasses

    import numpy as np

    return all(
        getattr(a, f.name) == getattr(b, f.name)
        if isinstance(getattr(a, f.name), list)
        else np.array_equal(getattr(a, f.name), getattr(b, f.name))
        for f in dataclasses.fields(engine.Candidates)
    )


def test_changes_are_patched_into_the_matrix_row_by_row():
    near = [
        listed_activity(HOME[0] + 0.001 * n, HOME[1], starts=[soon()], categories=["echecs"])
        for n in range(5)
    ]
    now = timezone.now()
    candidates.current_candidates(now=now)
    editor = editor_of(near[1].organization)
    directory.activity_update(activity=near[1], by=editor, categories=["chorale-chant"])
    directory.activity_archive(activity=near[3], by=editor_of(near[3].organization))
    candidates.directory_changed(near[4].pk)  # a timing change: only the signal tells
    added = listed_activity(HOME[0], HOME[1] + 0.002, starts=[soon()], categories=["theatre"])
    with mock.patch.object(
        candidates, "build_candidates", wraps=candidates.build_candidates
    ) as build:
        patched, _slugs = candidates.current_candidates(now=now)
    (call,) = build.call_args_list
    assert set(call.args[0].values_list("id", flat=True)) == {near[1].pk, added.pk, near[4].pk}
    rebuilt, _slugs = candidates.build_candidates(now=candidates._start_of_day(now))
    assert same_matrix(patched, rebuilt)
    assert near[3].pk not in patched.ids and added.pk in patched.ids


def test_a_row_left_behind_rebuilds_the_matrix():
    gone = listed_activity(HOME[0], HOME[1], starts=[soon()])
    kept = listed_activity(HOME[0] + 0.001, HOME[1], starts=[soon()])
    candidates.current_candidates()
    type(gone).objects.filter(pk=gone.pk).delete()  # no signal, no `updated_at`
    listed_activity(HOME[0] + 0.002, HOME[1], starts=[soon()])  # the version moves
    matrix, _slugs = candidates.current_candidates()
    assert gone.pk not in matrix.ids and kept.pk in matrix.ids


def same_table(a, b) -> bool:
    import dataclasses

    import numpy as np

    return all(
        getattr(a, f.name) == getattr(b, f.name)
        if isinstance(getattr(a, f.name), list)
        else np.array_equal(getattr(a, f.name), getattr(b, f.name))
        for f in dataclasses.fields(a)
    )


def test_the_residents_table_is_patched_row_by_row():
    """Profile changes, consent given and withdrawn, feedback: the kept table is the one a
    build from scratch gives, and only the residents who changed are read again."""
    users = [resident() for _ in range(4)]
    activity = listed_activity(HOME[0], HOME[1], starts=[soon()])
    residents.current_residents()
    services.profile_update(user=users[0], max_distance_km=9)
    services.profile_update(user=users[1], matching_consent=False)
    services.feedback_record(user=users[2], activity=activity, signal="dismissed")
    newcomer = resident()
    with mock.patch.object(residents, "build_residents", wraps=residents.build_residents) as build:
        patched = residents.current_residents()
    read = {p.user_id for call in build.call_args_list for p in call.args[0]}
    # users[1] no longer consents; users[3], saved last before the build, shares its time.
    assert read - {users[3].pk} == {users[0].pk, users[2].pk, newcomer.pk}
    residents.forget()
    assert same_table(patched, residents.current_residents())
    assert users[1].pk not in patched.ids and newcomer.pk in patched.ids
    assert patched.excluded[list(patched.ids).index(users[2].pk)] == {activity.pk}


def updates() -> tuple[int, int]:
    """Rows of the sets' table updated in this transaction, and how many of them heap-only."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_stat_get_xact_tuples_updated(oid), pg_stat_get_xact_tuples_hot_updated(oid)"
            " FROM pg_class WHERE oid = 'matching_recommendationset'::regclass"
        )
        return cursor.fetchone()


@pytest.mark.postgres
def test_a_set_rewritten_with_the_same_activities_changes_no_index(db):
    """Migration 0005: with half of each page free, a list rewritten with the same activities
    in the same order is a heap-only update (no GIN or B-tree entry written), even with other
    scores; one whose activities changed is not. 24 lists fill several pages: with full pages
    the new rows would go to other pages, through the indexes."""
    users = UserFactory.create_batch(24)
    items = full_list()
    recommendation_sets_store(
        sets=sets({user.pk: items for user in users}), computed_at=timezone.now()
    )
    drifted = [(activity_id, round(score - 0.01, 5)) for activity_id, score in items]
    reordered = [items[1], items[0], *items[2:]]
    before = updates()
    changed = {users[0].pk: reordered, users[1].pk: drifted}
    recommendation_sets_store(
        sets=sets({user.pk: changed.get(user.pk, items) for user in users}),
        computed_at=timezone.now(),
    )
    after = updates()
    assert (after[0] - before[0], after[1] - before[1]) == (24, 23)  # (updated, heap-only)
    stored = RecommendationSet.objects.get(user=users[1])
    assert stored.scores == [score for _activity_id, score in drifted]
