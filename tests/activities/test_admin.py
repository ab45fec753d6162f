"""The Django admin goes through the directory's services: status changes through the
publication workflow, edits with the effects they have from the API (location, sessions,
the matcher told), refusals shown on the form."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from activities import services, signals
from activities.geo import cell_of
from activities.models import Activity, ActivityTombstone
from matching import services as matching
from matching.models import RecommendationSet
from tests.factories import PlaceFactory, UserFactory, listed_activity, weekly_schedule

pytestmark = pytest.mark.django_db
HOME = (47.2184, -1.5536)  # Nantes, place du Commerce
NANTES = "44109"
SAINT_NAZAIRE = (47.2735, -2.2138)  # town hall
SAINT_NAZAIRE_INSEE = "44184"


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


def form_data(*forms) -> dict:
    """The fields of `forms` as the browser would post them."""
    data: dict = {}
    for form in forms:
        for name in form.fields:
            value = _value(form[name])
            if value is not None:
                data[form.add_prefix(name)] = value
    return data


def change_form(client: Client, activity: Activity, **changes) -> dict:
    """The admin change form of the activity as the browser would post it, with `changes`."""
    context = client.get(change_url(activity)).context
    forms = [context["adminform"].form]
    for inline in context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    return form_data(*forms) | changes


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


def add_schedule_row(data: dict, prefix: str = "schedules", **fields) -> dict:
    """`data` with one more row in the activity's schedule inline."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    data.update({f"{prefix}-{index}-{name}": value for name, value in fields.items()})
    data[f"{prefix}-{index}-timezone"] = fields.get("timezone", "Europe/Paris")
    return data


def test_moving_a_published_activity_in_the_admin_reaches_a_nearby_resident(
    admin_client, django_capture_on_commit_callbacks
):
    resident = UserFactory()
    activity = listed_activity(SAINT_NAZAIRE[0], SAINT_NAZAIRE[1], categories=["chorale-chant"])
    weekly_schedule(activity)
    with django_capture_on_commit_callbacks(execute=True):
        matching.profile_update(
            user=resident, matching_consent=True, home=HOME, interests={"chorale-chant": 1.0}
        )
    assert activity.pk not in RecommendationSet.objects.get(user=resident).activity_ids
    nearby = PlaceFactory(
        organization=activity.organization, lat=HOME[0] + 0.003, lng=HOME[1], h3_cell=""
    )
    services.place_edited(place=nearby)

    data = change_form(admin_client, activity, place=str(nearby.pk))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(change_url(activity), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    activity.refresh_from_db()
    assert (activity.lat, activity.lng, activity.territory_id) == (
        nearby.lat,
        nearby.lng,
        nearby.territory_id,
    )
    assert activity.pk in RecommendationSet.objects.get(user=resident).activity_ids


def test_adding_a_schedule_in_the_admin_creates_its_sessions(admin_client):
    activity = listed_activity(HOME[0], HOME[1])
    data = add_schedule_row(
        change_form(admin_client, activity),
        rrule="FREQ=WEEKLY;BYDAY=TU",
        start_time="14:00",
        end_time="16:00",
        valid_from=timezone.localdate().isoformat(),
    )
    response = admin_client.post(change_url(activity), data)
    assert response.status_code == 302
    starts = [
        timezone.localtime(start) for start in activity.occurrences.values_list("start", flat=True)
    ]
    assert len(starts) >= 11
    assert {(start.weekday(), start.hour) for start in starts} == {(1, 14)}
    activity.refresh_from_db()
    assert activity.next_start == min(activity.occurrences.values_list("start", flat=True))


def test_editing_and_deleting_a_schedule_in_the_admin_moves_its_sessions(admin_client):
    activity = listed_activity(HOME[0], HOME[1])
    weekly_schedule(activity, days="MO", hour=15)
    data = change_form(admin_client, activity)
    data["schedules-0-rrule"] = "FREQ=WEEKLY;BYDAY=FR"
    assert admin_client.post(change_url(activity), data).status_code == 302
    days = {
        timezone.localtime(s).weekday()
        for s in activity.occurrences.values_list("start", flat=True)
    }
    assert days == {4}

    data = change_form(admin_client, activity)
    data["schedules-0-DELETE"] = "on"
    assert admin_client.post(change_url(activity), data).status_code == 302
    assert not activity.schedules.exists() and not activity.occurrences.exists()
    activity.refresh_from_db()
    assert activity.next_start is None


def test_the_admin_shows_what_the_services_refuse_on_the_form(admin_client):
    activity = listed_activity(HOME[0], HOME[1])
    today = timezone.localdate().isoformat()
    data = change_form(admin_client, activity, title="<b>Chorale</b>")
    add_schedule_row(
        data, rrule="FREQ=HOURLY", start_time="14:00", end_time="16:00", valid_from=today
    )
    add_schedule_row(
        data, dates='["le 3 mars"]', start_time="14:00", end_time="16:00", valid_from=today
    )
    response = admin_client.post(change_url(activity), data)
    assert response.status_code == 200
    assert "title" in response.context["adminform"].form.errors
    hourly, badly_dated = response.context["inline_admin_formsets"][0].formset.errors
    assert ("rrule" in hourly, "dates" in badly_dated) == (True, True)
    assert not activity.schedules.exists()
    assert Activity.objects.get(pk=activity.pk).title != "<b>Chorale</b>"


def test_a_url_typed_without_a_scheme_in_the_admin_is_read_as_https(admin_client):
    activity = listed_activity(HOME[0], HOME[1])
    data = change_form(
        admin_client, activity, registration="required", registration_url="chorale.example.org"
    )
    assert admin_client.post(change_url(activity), data).status_code == 302
    activity.refresh_from_db()
    assert activity.registration_url == "https://chorale.example.org"


def test_moving_a_place_in_the_admin_locates_it_and_its_activities_again(
    admin_client, django_capture_on_commit_callbacks
):
    activity = listed_activity(HOME[0], HOME[1])
    place = activity.place
    services.place_edited(place=place)
    assert place.insee_code == NANTES
    url = f"/admin/activities/place/{place.pk}/change/"
    data = form_data(admin_client.get(url).context["adminform"].form)
    data.update(lat=str(SAINT_NAZAIRE[0]), lng=str(SAINT_NAZAIRE[1]))
    changed = []
    signals.activity_changed.connect(
        lambda sender, activity, **kwargs: changed.append(activity.pk), weak=False, dispatch_uid="t"
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(url, data)
    finally:
        signals.activity_changed.disconnect(dispatch_uid="t")
    assert response.status_code == 302, response.context["adminform"].form.errors
    place.refresh_from_db()
    assert (place.insee_code, place.territory.insee_code) == (SAINT_NAZAIRE_INSEE,) * 2
    assert place.h3_cell == cell_of(*SAINT_NAZAIRE)
    activity.refresh_from_db()
    assert (activity.lat, activity.lng, activity.h3_cell) == (*SAINT_NAZAIRE, place.h3_cell)
    assert activity.territory_id == place.territory_id
    assert changed == [activity.pk]  # the matcher hears that the published activity moved


def test_registrations_are_read_in_the_admin_and_never_edited_there(admin_client):
    from activities.models import Registration

    activity = listed_activity(47.2, -1.55, starts=[timezone.now() + datetime.timedelta(days=2)])
    occurrence = activity.occurrences.get()
    registration, _created = services.registration_create(
        user=UserFactory(), activity=activity, occurrence=occurrence
    )
    listing = admin_client.get("/admin/activities/registration/")
    assert listing.status_code == 200 and activity.title in listing.content.decode()
    page = admin_client.get(f"/admin/activities/registration/{registration.pk}/change/")
    assert page.status_code == 200
    refused = admin_client.post(
        f"/admin/activities/registration/{registration.pk}/change/", {"status": "cancelled"}
    )
    assert refused.status_code == 403
    assert Registration.objects.get(pk=registration.pk).status == "going"
    assert admin_client.get("/admin/activities/registration/add/").status_code == 403
