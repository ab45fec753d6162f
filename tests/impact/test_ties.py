"""Ties that last: a person's sessions and whether they still come 4, 8, 12 weeks after the
first; an activity's newcomers coming back a second and a third time (suppressed)."""

from activities.models import Territory
from activities.services.registrations import registration_mark_attendance
from impact.models import Tie
from impact.selectors import person_ties
from impact.services import ties_rebuild
from tests.conftest import client_for
from tests.factories import UserFactory, editor_of, listed_activity
from tests.impact.conftest import API, HOME, attend, consenting_resident, days_ago


def test_a_persons_sessions_and_whether_they_still_come(activity):
    resident = UserFactory()
    other = listed_activity(*HOME, organization=activity.organization)
    for days in (100, 93, 70, 45):
        attend(resident, activity, at=days_ago(days))
    attend(resident, other, at=days_ago(5))  # another activity: not "still attending" it
    ties = person_ties(user=resident)
    assert ties.sessions == 5 and ties.activity == activity.pk
    # first + 4 weeks = 72 days ago (a session 70 days ago), + 8 weeks = 44 days ago (the
    # last one there was 45 days ago), + 12 weeks = 16 days ago.
    assert ties.still_attending == {4: True, 8: False, 12: False}
    shown = client_for(resident).get(f"{API}impact/ties/").json()
    assert shown["sessions"] == 5 and shown["still_attending"] == {
        "4": True,
        "8": False,
        "12": False,
    }


def test_weeks_not_yet_come_are_unknown(activity):
    resident = UserFactory()
    attend(resident, activity, at=days_ago(30))
    # a month on, they did not come again
    assert person_ties(user=resident).still_attending == {4: False, 8: None, 12: None}
    assert person_ties(user=UserFactory()).sessions == 0


def test_an_activitys_newcomers_coming_back_counted_and_suppressed(activity, curator):
    activity.territory = Territory.objects.get(insee_code="44109")
    activity.save(update_fields=["territory"])
    editor = editor_of(activity.organization)
    visits = [1] * 6 + [2] * 5 + [3] * 5 + [4] * 2
    for count in visits:
        resident = consenting_resident()
        for visit in range(count):
            attend(resident, activity, at=days_ago(60 - 7 * visit))
    for _ in range(3):  # came three times but never agreed: never counted
        silent = UserFactory()
        for visit in range(3):
            attend(silent, activity, at=days_ago(60 - 7 * visit))
    body = client_for(editor).get(f"{API}impact/activities/{activity.pk}/ties/").json()
    assert body == {
        "activity": activity.pk,
        "newcomers": 18,
        "came_once": 6,
        "came_twice": 5,
        "came_three_times_or_more": 7,
        "back_second_time_share": round(12 / 18, 4),
        "back_third_time_share": round(7 / 18, 4),
    }
    assert client_for(curator).get(f"{API}impact/activities/{activity.pk}/ties/").status_code == 200


def test_a_small_group_is_suppressed_and_others_do_not_see_it(activity, clients):
    editor = editor_of(activity.organization)
    for count in (1, 1, 2, 3, 3, 3, 3, 3):
        resident = consenting_resident()
        for visit in range(count):
            attend(resident, activity, at=days_ago(60 - 7 * visit))
    body = client_for(editor).get(f"{API}impact/activities/{activity.pk}/ties/").json()
    # 2 once and 1 twice are suppressed, and 5 three times with them (else 8 - 5 = 3).
    assert body["came_once"] is None and body["came_twice"] is None
    assert body["came_three_times_or_more"] is None and body["newcomers"] == 8
    assert body["back_second_time_share"] is None
    for role in ("resident", "other_referrer", "referrer"):
        answer = clients[role].get(f"{API}impact/activities/{activity.pk}/ties/")
        assert answer.status_code == 404


def test_a_tie_follows_the_attendance_marked_by_the_organizer_and_the_nightly_rebuild(
    activity, django_capture_on_commit_callbacks
):
    editor = editor_of(activity.organization)
    resident = UserFactory()
    first = attend(resident, activity, at=days_ago(20))
    assert Tie.objects.get(user=resident, activity=activity).sessions == 1
    second = attend(resident, activity, at=days_ago(6))
    second.status = "no_show"
    second.save(update_fields=["status"])
    ties_rebuild()  # as if it had been marked no-show
    assert Tie.objects.get(user=resident, activity=activity).sessions == 1
    with django_capture_on_commit_callbacks(execute=True):
        registration_mark_attendance(registration=second, by=editor, attended=True)
    tie = Tie.objects.get(user=resident, activity=activity)
    assert (tie.sessions, tie.first_at, tie.last_at) == (
        2,
        first.occurrence.start,
        second.occurrence.start,
    )
    with django_capture_on_commit_callbacks(execute=True):  # corrected
        registration_mark_attendance(registration=second, by=editor, attended=False)
    assert Tie.objects.get(user=resident, activity=activity).sessions == 1
    Tie.objects.all().delete()  # a lost signal: the nightly rebuild finds it again
    assert ties_rebuild() == 1
    assert Tie.objects.get(user=resident, activity=activity).last_at == first.occurrence.start
