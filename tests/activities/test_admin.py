"""The Django admin changes an activity's status through the publication workflow."""

import pytest
from django.test import Client

from accounts.models import User
from activities.models import Activity, ActivityTombstone
from matching import services as matching
from matching.models import RecommendationSet
from tests.factories import UserFactory, listed_activity, weekly_schedule

pytestmark = pytest.mark.django_db
HOME = (47.2184, -1.5536)  # Nantes, place du Commerce


@pytest.fixture
def admin_client() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("admin@example.org", "x"))
    return client


def change_url(activity: Activity) -> str:
    return f"/admin/activities/activity/{activity.pk}/change/"


def _value(bound) -> list[str] | str | None:
    value = bound.value()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else None
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return str(value)


def change_form(client: Client, activity: Activity, **changes) -> dict:
    """The admin change form of the activity as the browser would post it, with `changes`."""
    context = client.get(change_url(activity)).context
    forms = [context["adminform"].form]
    data: dict = {}
    for inline in context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        forms += inline.formset.forms
    for form in forms:
        for name in form.fields:
            value = _value(form[name])
            if value is not None:
                data[form.add_prefix(name)] = value
    data.update(changes)
    return data


def test_publishing_in_the_admin_reaches_a_nearby_resident(
    admin_client, django_capture_on_commit_callbacks
):
    resident = UserFactory()
    matching.profile_update(
        user=resident, matching_consent=True, home=HOME, interests={"chorale-chant": 1.0}
    )
    activity = listed_activity(
        HOME[0] + 0.003, HOME[1], status="pending", categories=["chorale-chant"]
    )
    weekly_schedule(activity)
    data = change_form(admin_client, activity, status="published")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(change_url(activity), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    activity.refresh_from_db()
    assert activity.status == "published"
    assert activity.published_at is not None and activity.last_verified_at is not None
    assert activity.pk in RecommendationSet.objects.get(user=resident).activity_ids


def test_archiving_in_the_admin_cancels_future_sessions_and_leaves_a_tombstone(
    admin_client, django_capture_on_commit_callbacks
):
    activity = listed_activity(HOME[0], HOME[1], status="published")
    weekly_schedule(activity)
    assert activity.occurrences.filter(status="scheduled").exists()
    data = change_form(admin_client, activity, status="archived")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(change_url(activity), data)
    assert response.status_code == 302
    assert Activity.objects.get(pk=activity.pk).status == "archived"
    assert set(activity.occurrences.values_list("status", flat=True)) == {"cancelled"}
    assert ActivityTombstone.objects.get(activity_id=activity.pk).reason == "archived"


def test_the_admin_refuses_what_the_workflow_refuses(admin_client):
    activity = listed_activity(HOME[0], HOME[1], status="archived")
    response = admin_client.post(
        change_url(activity), change_form(admin_client, activity, status="published")
    )
    assert response.status_code == 200
    assert "status" in response.context["adminform"].form.errors
    activity.refresh_from_db()
    assert (activity.status, activity.published_at) == ("archived", None)


def test_other_edits_in_the_admin_leave_the_status_alone(admin_client):
    activity = listed_activity(HOME[0], HOME[1], status="published")
    response = admin_client.post(
        change_url(activity), change_form(admin_client, activity, title="Chorale du lundi")
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert (activity.title, activity.status, activity.published_at) == (
        "Chorale du lundi",
        "published",
        None,
    )


def test_the_list_actions_go_through_the_workflow(admin_client):
    pending = listed_activity(HOME[0], HOME[1], status="pending")
    weekly_schedule(pending)
    archived = listed_activity(HOME[0], HOME[1], status="archived")
    response = admin_client.post(
        "/admin/activities/activity/",
        {"action": "publish", "_selected_action": [pending.pk, archived.pk]},
        follow=True,
    )
    pending.refresh_from_db()
    assert pending.status == "published" and pending.published_at is not None
    assert Activity.objects.get(pk=archived.pk).status == "archived"
    messages = [str(message) for message in response.context["messages"]]
    assert any(archived.title in message for message in messages)

    admin_client.post(
        "/admin/activities/activity/", {"action": "archive", "_selected_action": [pending.pk]}
    )
    assert set(pending.occurrences.values_list("status", flat=True)) == {"cancelled"}
    assert ActivityTombstone.objects.filter(activity_id=pending.pk).exists()
