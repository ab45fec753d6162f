"""One activity published, changed or withdrawn is merged into the few lists it changes, and
those lists are the ones a computation against the whole directory gives."""

import dataclasses
import datetime

import numpy as np
import pytest
from django.core.cache import cache
from django.test import TestCase
from django.utils import timezone

from activities import services as directory
from activities.models import Activity, Category, Territory
from matching import candidates, engine, services
from matching import residents as matching_residents
from matching.arrays import rows_of, take
from matching.models import RecommendationSet
from tests.factories import UserFactory, editor_of, listed_activity

pytestmark = pytest.mark.django_db
# The centre of the home cell of the place du Commerce in Nantes: homes are stored coarsened,
# so distances from there are the ones the engine sees.
HOME = services.coarsen(47.2184, -1.5536)[:2]
TOPICS = ["tricot-couture", "echecs", "chorale-chant", "jardin-partage", "theatre", "bridge"]


def north(km: float) -> tuple[float, float]:
    return HOME[0] + km / 111.2, HOME[1]


def soon(days: int = 1) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


@pytest.fixture
def town():
    """26 venues from 0.1 to 1.85 km north of home, and five residents: two with full lists
    (reach 3 km), one with a short list (0.4 km), one homebound, one far away."""
    venues = [
        listed_activity(*north(0.1 + 0.07 * n), starts=[soon()], categories=[TOPICS[n % 6]])
        for n in range(26)
    ]
    residents = {}
    for name, fields in {
        "knitter": {"interests": {"tricot-couture": 1.0}, "max_distance_km": 3},
        "player": {"interests": {"echecs": 1.0, "chorale-chant": 0.5}, "max_distance_km": 3},
        "neighbour": {"interests": {"theatre": 1.0}, "max_distance_km": 0.4},
        "homebound": {"homebound": True},
    }.items():
        residents[name] = UserFactory()
        services.profile_update(user=residents[name], matching_consent=True, home=HOME, **fields)
    residents["far"] = UserFactory()
    services.profile_update(user=residents["far"], matching_consent=True, home=(48.8566, 2.3522))
    now = timezone.now()
    services.recommendations_compute(user_ids=[u.pk for u in residents.values()], now=now)
    return venues, residents, now


def lists(residents) -> dict[int, tuple]:
    return {
        row.user_id: (row.activity_ids, row.threshold, row.scores, row.reasons)
        for row in RecommendationSet.objects.filter(user__in=residents.values())
    }


def merge_then_compare(activity, residents, now) -> dict[str, int]:
    """Merge the activity, then recompute everyone in full: nothing may differ."""
    counts = services.recommendations_for_activity(activity_id=activity.pk, now=now)
    merged = lists(residents)
    services.recommendations_compute(user_ids=[u.pk for u in residents.values()], now=now)
    assert merged == lists(residents)
    return counts


def listed(user) -> list[int]:
    return RecommendationSet.objects.get(user=user).activity_ids


def test_the_town_has_full_and_short_lists(town):
    _venues, residents, _now = town
    assert len(listed(residents["knitter"])) == engine.TOP_K
    assert 0 < len(listed(residents["neighbour"])) < engine.TOP_K
    assert RecommendationSet.objects.get(user=residents["knitter"]).threshold > 0


def test_a_new_activity_enters_the_lists_it_beats_and_only_those(town):
    _venues, residents, now = town
    before = lists(residents)
    new = listed_activity(*north(0.2), starts=[soon()], categories=["tricot-couture"])
    counts = merge_then_compare(new, residents, now)
    assert new.pk in listed(residents["knitter"])
    assert new.pk in listed(residents["neighbour"])  # a short list takes anything feasible
    assert counts["merged"] >= 2 and counts["refilled"] == 0
    # Out of reach (homebound, far away): not even looked at.
    assert counts["in_reach"] == 3
    after = lists(residents)
    for user in (residents["homebound"], residents["far"]):
        assert after[user.pk] == before[user.pk]


def test_a_listed_activity_that_falls_out_of_a_full_list_is_refilled(town):
    venues, residents, now = town
    favourite = listed(residents["knitter"])[0]
    activity = next(v for v in venues if v.pk == favourite)
    activity.categories.set(Category.objects.filter(slug="bridge"))
    activity.lat, activity.lng = north(1.9)
    activity.save()  # as the services do: `updated_at` moves
    counts = merge_then_compare(activity, residents, now)
    assert counts["refilled"] >= 1


def test_an_unlisted_activity_that_improves_is_merged(town):
    venues, residents, now = town
    player = residents["player"]
    outside = next(v for v in reversed(venues) if v.pk not in listed(player))
    outside.categories.set(Category.objects.filter(slug="echecs"))
    outside.lat, outside.lng = north(0.05)
    outside.save()
    counts = merge_then_compare(outside, residents, now)
    assert outside.pk in listed(player)
    assert counts["merged"] >= 1


def test_a_withdrawn_activity_leaves_every_list(town):
    venues, residents, now = town
    shared = next(
        v.pk
        for v in venues
        if v.pk in listed(residents["knitter"]) and v.pk in listed(residents["neighbour"])
    )
    activity = next(v for v in venues if v.pk == shared)
    activity.status = "archived"
    activity.save()
    counts = merge_then_compare(activity, residents, now)
    assert all(shared not in listed(user) for user in residents.values())
    assert counts["merged"] >= 1  # the short list: removed in place
    assert counts["refilled"] >= 1  # the full list: refilled from the whole directory


def test_a_dismissed_activity_never_comes_back_through_a_merge(town):
    venues, residents, now = town
    knitter = residents["knitter"]
    first = listed(knitter)[0]
    activity = next(v for v in venues if v.pk == first)
    services.feedback_record(user=knitter, activity=activity, signal="dismissed")
    assert first not in listed(knitter)
    activity.lat, activity.lng = north(0.01)  # even closer: it would rank first again
    activity.save()
    services.recommendations_for_activity(activity_id=activity.pk, now=now)
    assert first not in listed(knitter)


def test_merged_lists_keep_the_time_of_their_last_full_computation(town):
    _venues, residents, now = town
    new = listed_activity(*north(0.2), starts=[soon()], categories=["tricot-couture"])
    later = now + datetime.timedelta(minutes=5)
    services.recommendations_for_activity(activity_id=new.pk, now=later)
    row = RecommendationSet.objects.get(user=residents["knitter"])
    assert new.pk in row.activity_ids
    assert row.computed_at == now


def test_residents_in_reach_use_their_own_reach():
    venue = listed_activity(*north(2.5), starts=[soon()])
    online = listed_activity(None, None, starts=[soon()], attendance_mode="online")
    mixed = listed_activity(*north(2.5), starts=[soon()], attendance_mode="mixed")
    visiting = listed_activity(None, None, starts=[soon()], attendance_mode="at_home")
    visiting.service_area.set([Territory.objects.get(insee_code="44109")])
    users = {}
    for name, fields in {
        "short": {"max_distance_km": 2},
        "long": {"max_distance_km": 3},
        "homebound": {"homebound": True, "max_distance_km": 5},
        "no consent": {"max_distance_km": 5},
    }.items():
        users[name] = UserFactory()
        services.profile_update(
            user=users[name], home=HOME, matching_consent=name != "no consent", **fields
        )
    everyone = {users[n].pk for n in ("short", "long", "homebound")}
    assert set(services.residents_in_reach(activity=venue)) == {users["long"].pk}
    assert set(services.residents_in_reach(activity=online)) == everyone
    assert set(services.residents_in_reach(activity=mixed)) == everyone  # followed online
    assert set(services.residents_in_reach(activity=visiting)) == everyone


def test_a_cancelled_last_session_takes_the_activity_out_of_every_list_through_its_signal(town):
    venues, residents, _now = town
    shared = next(
        v
        for v in venues
        if v.pk in listed(residents["knitter"]) and v.pk in listed(residents["neighbour"])
    )
    session = shared.occurrences.get()
    with TestCase.captureOnCommitCallbacks(execute=True):
        directory.occurrence_cancel(occurrence=session, by=editor_of(shared.organization))
    assert all(shared.pk not in listed(user) for user in residents.values())
    merged = lists(residents)
    services.recommendations_compute(user_ids=[u.pk for u in residents.values()])
    assert merged == lists(residents)


def test_an_edit_through_the_service_reaches_the_lists_through_its_signal(town):
    venues, residents, _now = town
    player = residents["player"]
    outside = next(v for v in reversed(venues) if v.pk not in listed(player))
    with TestCase.captureOnCommitCallbacks(execute=True):
        directory.activity_update(
            activity=outside, by=editor_of(outside.organization), categories=["echecs"]
        )
    assert outside.pk in listed(player)
    merged = lists(residents)
    services.recommendations_compute(user_ids=[u.pk for u in residents.values()])
    assert merged == lists(residents)


def test_an_online_activity_is_merged_into_the_lists_it_beats_across_the_table(town):
    """Every resident is in reach: the whole table is scored at once."""
    _venues, residents, now = town
    new = listed_activity(None, None, starts=[soon()], categories=["echecs"])
    counts = merge_then_compare(new, residents, now)
    assert counts["in_reach"] == len(residents)
    assert new.pk in listed(residents["player"])
    assert new.pk in listed(residents["homebound"])  # a short list takes anything feasible
    assert counts["merged"] >= 2


def test_a_merge_reads_again_the_listed_activities_changed_since_the_matrix_was_built(town):
    """Lists are rescored with the rows of the matrix each process keeps: a listed activity
    changed since the matrix was built must be scored as it is now."""
    venues, residents, now = town
    player = residents["player"]
    listed_there = next(v for v in venues if v.pk in listed(player))
    # The matrix is not brought up to date by a merge that needs no full computation.
    listed_there.categories.set(Category.objects.filter(slug="echecs"))
    listed_there.save()
    merge_then_compare(listed_there, residents, now)
    new = listed_activity(*north(0.3), starts=[soon()], categories=["echecs"])
    counts = merge_then_compare(new, residents, now)
    assert new.pk in listed(player)
    assert counts["refilled"] == 0


def test_candidate_rows_are_the_rows_built_anew(town):
    """Rows of the kept matrix where nothing changed, built anew where something did, none
    for an activity that is no longer a candidate, however it left."""
    venues, _residents, now = town
    candidates.current_candidates(now=now)
    edited, ended, kept = venues[0], venues[1], venues[2]
    edited.categories.set(Category.objects.filter(slug="bridge"))
    edited.save()
    Activity.objects.filter(pk=ended.pk).update(next_start=None)  # no signal, no timestamp
    ids = [edited.pk, ended.pk, kept.pk, venues[3].pk]
    rows = candidates.candidate_rows(ids, now=now)
    assert rows.ids.tolist() == sorted({edited.pk, kept.pk, venues[3].pk})
    assert_built_anew(rows, now)


def test_rows_built_anew_are_kept_until_their_activity_changes_again(town, monkeypatch):
    venues, _residents, now = town
    candidates.current_candidates(now=now)
    edited, other = venues[0], venues[1]
    edited.categories.set(Category.objects.filter(slug="bridge"))
    edited.save()
    built = []
    pool = candidates.pool
    monkeypatch.setattr(candidates, "pool", lambda ids, **kw: built.append(ids) or pool(ids, **kw))
    for _ in range(2):
        assert candidates.candidate_rows([edited.pk, other.pk], now=now).ids.tolist() == [
            edited.pk, other.pk
        ]  # fmt: skip
    assert built == [[edited.pk]]
    other.categories.set(Category.objects.filter(slug="theatre"))
    other.save()
    rows = candidates.candidate_rows([edited.pk, other.pk], now=now)
    # Changed at or after the newest change seen (`edited`, read again: the same instant
    # may hold changes not committed yet), in one build.
    assert built == [[edited.pk], [edited.pk, other.pk]]
    assert_built_anew(rows, now)
    # Out of sessions without a signal: its kept row is left out.
    Activity.objects.filter(pk=edited.pk).update(next_start=None)
    assert candidates.candidate_rows([edited.pk, other.pk], now=now).ids.tolist() == [other.pk]


def test_candidate_rows_bring_the_matrix_up_to_date_when_what_changed_cannot_be_told(town):
    venues, _residents, now = town
    candidates.current_candidates(now=now)
    edited = venues[0]
    edited.categories.set(Category.objects.filter(slug="bridge"))  # no timestamp: logged
    candidates.directory_changed(edited.pk)
    cache.delete(candidates.CHANGED_KEY.format(cache.get(candidates.GENERATION_KEY)))
    rows = candidates.candidate_rows([edited.pk, venues[1].pk], now=now)
    assert rows.ids.tolist() == [edited.pk, venues[1].pk]
    assert_built_anew(rows, now)
    assert candidates._entry.version == candidates.directory_version(now=now)


def assert_built_anew(rows, now) -> None:
    anew = candidates.pool(rows.ids.tolist(), now=now)
    anew = take(anew, rows_of(anew, rows.ids.tolist()))
    for field in dataclasses.fields(rows):
        assert np.array_equal(
            np.asarray(getattr(rows, field.name)), np.asarray(getattr(anew, field.name))
        ), field.name


def test_a_merge_sees_lists_written_since_the_process_read_their_thresholds(town):
    """Each process keeps the sets' thresholds: a list recomputed since is read again."""
    _venues, residents, now = town
    knitter = residents["knitter"]
    matching_residents.current_thresholds()
    services.profile_update(user=knitter, max_distance_km=0.4)
    services.recommendations_compute(user_ids=[knitter.pk], now=now)
    assert RecommendationSet.objects.get(user=knitter).threshold == 0  # a short list now
    new = listed_activity(*north(0.3), starts=[soon()], categories=["bridge"])
    merge_then_compare(new, residents, now)
    assert new.pk in listed(knitter)


def test_thresholds_are_read_again_in_full_after_a_gap_in_the_log_of_writes(town):
    _venues, residents, now = town
    knitter = residents["knitter"]
    before = matching_residents.current_thresholds().of(np.array([knitter.pk]))[1][0]
    services.profile_update(user=knitter, max_distance_km=0.4)
    services.recommendations_compute(user_ids=[knitter.pk], now=now)
    generation = cache.get(matching_residents.SETS_GENERATION_KEY)
    cache.delete(matching_residents.SETS_WRITTEN_KEY.format(generation))
    has_set, thresholds = matching_residents.current_thresholds().of(np.array([knitter.pk]))
    assert has_set[0] and before > 0 and thresholds[0] == 0
