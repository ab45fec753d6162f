

def test_a_tie_follows_the_attendance_marked_by_the_organizer_and_the_nightly_rebuild(activity):
    from activities.services.registrations import registration_mark_attendance
    from impact.models import Tie
    from impact.services import ties_rebuild

    editor = editor_of(activity.organization)
    resident = UserFactory()
    first = attend(resident, activity, at=days_ago(20))
    assert Tie.objects.get(user=resident, activity=activity).sessions == 1
    second = attend(resident, activity, at=days_ago(6))
    second.status = "going"
    second.save(update_fields=["status"])
    registration_mark_attendance(registration=second, by=editor, attended=True)
    tie = Tie.objects.get(user=resident, activity=activity)
    assert (tie.sessions, tie.first_at, tie.last_at) == (
        2,
        first.occurrence.start,
        second.occurrence.start,
    )
    registration_mark_attendance(registration=second, by=editor, attended=False)  # corrected
    assert Tie.objects.get(user=resident, activity=activity).sessions == 1
    Tie.objects.all().delete()  # a lost signal: the nightly rebuild finds it again
    assert ties_rebuild() == 1
    assert Tie.objects.get(user=resident, activity=activity).last_at == first.occurrence.start
