"""The resident's devices, inbox and preferences over HTTP: each resident sees and changes only
their own; bad input is refused in the one error shape, in French or English; every answer is
the one the OpenAPI document describes."""

import pytest

from notifications.models import Device, Notification, NotificationPreferences
from notifications.services import notify
from tests.api.test_openapi import assert_documented, schema  # noqa: F401 (fixture)
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DEVICES = "/api/v1/me/devices/"
INBOX = "/api/v1/me/notifications/"
UNREAD = "/api/v1/me/notifications/unread-count/"
READ_ALL = "/api/v1/me/notifications/read-all/"
PREFERENCES = "/api/v1/me/notification-preferences/"
FCM_TOKEN = "dGVzdC10b2tlbg:APA91b" + "x" * 140
IOS_TOKEN = "0f" * 32


def told(user, n: int = 1, **fields) -> list[Notification]:
    return [
        notify(user=user, kind="session_cancelled", title=f"Annulé {i}", body="", **fields)
        for i in range(n)
    ]


# --- devices ---------------------------------------------------------------------------------


def test_registering_a_token_then_again_refreshes_the_same_device(schema):  # noqa: F811
    api = client_for(UserFactory())
    first = api.post(DEVICES, {"platform": "android", "token": FCM_TOKEN})
    again = api.post(DEVICES, {"platform": "android", "token": FCM_TOKEN})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert again.json()["last_seen_at"] >= first.json()["last_seen_at"]
    assert_documented(schema, DEVICES, "post", first)
    assert_documented(schema, DEVICES, "post", again)
    listed = api.get(DEVICES)
    assert [d["token"] for d in listed.json()] == [FCM_TOKEN]
    assert_documented(schema, DEVICES, "get", listed)


def test_a_token_registered_by_another_account_moves_to_the_one_signed_in_now():
    before, after = UserFactory(), UserFactory()
    client_for(before).post(DEVICES, {"platform": "ios", "token": IOS_TOKEN})
    moved = client_for(after).post(DEVICES, {"platform": "ios", "token": IOS_TOKEN})
    assert moved.status_code == 200
    assert client_for(before).get(DEVICES).json() == []
    assert Device.objects.get(token=IOS_TOKEN).user == after


def test_a_resident_never_sees_nor_deletes_another_residents_device(schema):  # noqa: F811
    owner, other = UserFactory(), UserFactory()
    device = Device.objects.create(user=owner, platform="android", token=FCM_TOKEN)
    assert client_for(other).get(DEVICES).json() == []
    refused = client_for(other).delete(f"{DEVICES}{device.pk}/")
    assert refused.status_code == 404
    assert refused.json()["error"]["code"] == "not_found"
    assert_documented(schema, "/api/v1/me/devices/{id}/", "delete", refused)
    assert Device.objects.filter(pk=device.pk).exists()
    deleted = client_for(owner).delete(f"{DEVICES}{device.pk}/")
    assert deleted.status_code == 204
    assert not Device.objects.filter(pk=device.pk).exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"platform": "symbian", "token": FCM_TOKEN}, "platform"),
        ({"platform": "ios", "token": FCM_TOKEN}, "token"),  # not hexadecimal
        ({"platform": "android", "token": "short"}, "token"),
        ({"platform": "android", "token": "has spaces " * 5}, "token"),
        ({"platform": "android"}, "token"),
        ({"platform": "android", "token": FCM_TOKEN, "user": 1}, "user"),
        ({"platform": "android", "token": 12345678901234567890}, "token"),
    ],
)
def test_bad_device_input_is_a_400_naming_the_field_and_stores_nothing(
    schema,  # noqa: F811
    body,
    field,
):
    api = client_for(UserFactory())
    refused = api.post(DEVICES, body, format="json")
    assert refused.status_code == 400
    assert field in refused.json()["error"]["fields"]
    assert_documented(schema, DEVICES, "post", refused)
    assert not Device.objects.exists()


def test_errors_are_in_french_by_default_and_in_english_when_asked():
    api = client_for(UserFactory())
    body = {"platform": "ios", "token": "zz" * 32}
    fr = api.post(DEVICES, body, HTTP_ACCEPT_LANGUAGE="fr").json()["error"]
    en = api.post(DEVICES, body, HTTP_ACCEPT_LANGUAGE="en").json()["error"]
    assert en["fields"]["token"] == ["An iOS device token is 64 hexadecimal digits or more."]
    assert fr["fields"]["token"] == [
        "Un jeton d'appareil iOS compte au moins 64 chiffres hexadécimaux."
    ]


@pytest.mark.parametrize(
    "method, url",
    [
        ("get", DEVICES),
        ("post", DEVICES),
        ("delete", f"{DEVICES}1/"),
        ("get", INBOX),
        ("get", UNREAD),
        ("post", f"{INBOX}1/read/"),
        ("post", READ_ALL),
        ("get", PREFERENCES),
        ("put", PREFERENCES),
    ],
)
def test_every_endpoint_refuses_the_anonymous(api_client, method, url):
    response = getattr(api_client, method)(url)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


# --- the inbox -------------------------------------------------------------------------------


def test_the_inbox_lists_newest_first_with_an_unread_filter_and_count(schema):  # noqa: F811
    user = UserFactory()
    first, second, third = told(user, 3)
    told(UserFactory(), 2)  # another resident's
    api = client_for(user)
    listed = api.get(INBOX)
    assert [n["id"] for n in listed.json()["results"]] == [third.pk, second.pk, first.pk]
    assert_documented(schema, INBOX, "get", listed)
    count = api.get(UNREAD)
    assert count.json() == {"unread_count": 3}
    assert_documented(schema, UNREAD, "get", count)

    read = api.post(f"{INBOX}{second.pk}/read/")
    assert read.status_code == 200 and read.json()["read_at"]
    assert_documented(schema, "/api/v1/me/notifications/{id}/read/", "post", read)
    again = api.post(f"{INBOX}{second.pk}/read/")
    assert again.json()["read_at"] == read.json()["read_at"]
    unread = api.get(INBOX, {"unread": "true"}).json()["results"]
    assert [n["id"] for n in unread] == [third.pk, first.pk]
    assert [n["id"] for n in api.get(INBOX, {"unread": "false"}).json()["results"]] == [second.pk]
    assert api.get(UNREAD).json() == {"unread_count": 2}

    marked = api.post(READ_ALL)
    assert marked.json() == {"marked": 2}
    assert_documented(schema, READ_ALL, "post", marked)
    assert api.get(UNREAD).json() == {"unread_count": 0}


def test_a_resident_never_sees_nor_marks_another_residents_notification(schema):  # noqa: F811
    owner, other = UserFactory(), UserFactory()
    (item,) = told(owner)
    api = client_for(other)
    assert api.get(INBOX).json()["results"] == []
    assert api.get(UNREAD).json() == {"unread_count": 0}
    refused = api.post(f"{INBOX}{item.pk}/read/")
    assert refused.status_code == 404
    assert_documented(schema, "/api/v1/me/notifications/{id}/read/", "post", refused)
    assert api.post(READ_ALL).json() == {"marked": 0}
    item.refresh_from_db()
    assert item.read_at is None


def test_a_bad_filter_is_a_400(schema):  # noqa: F811
    refused = client_for(UserFactory()).get(INBOX, {"unread": "maybe"})
    assert refused.status_code == 400
    assert "unread" in refused.json()["error"]["fields"]
    assert_documented(schema, INBOX, "get", refused)


# --- preferences -----------------------------------------------------------------------------

CHOSEN = {
    "channels": ["email", "push"],
    "remind_day_before": False,
    "remind_two_hours": True,
    "quiet_hours": True,
    "quiet_start": "22:30",
    "quiet_end": "07:00",
    "timezone": "Europe/Paris",
}


def test_preferences_start_at_the_defaults_and_are_replaced_whole(schema):  # noqa: F811
    user = UserFactory()
    api = client_for(user)
    defaults = api.get(PREFERENCES)
    assert defaults.json() == {
        "channels": ["push", "email"],
        "remind_day_before": True,
        "remind_two_hours": True,
        "quiet_hours": True,
        "quiet_start": "21:00",
        "quiet_end": "08:00",
        "timezone": "Europe/Paris",
    }
    assert_documented(schema, PREFERENCES, "get", defaults)
    changed = api.put(PREFERENCES, CHOSEN, format="json")
    assert changed.status_code == 200 and changed.json() == CHOSEN
    assert_documented(schema, PREFERENCES, "put", changed)
    assert api.get(PREFERENCES).json() == CHOSEN
    inbox_only = api.put(PREFERENCES, {**CHOSEN, "channels": []}, format="json")
    assert inbox_only.json()["channels"] == []
    # Another resident still has the defaults.
    assert client_for(UserFactory()).get(PREFERENCES).json()["channels"] == ["push", "email"]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"channels": ["push", "push"]}, "channels"),
        ({"channels": ["sms"]}, "channels"),
        ({"channels": "push"}, "channels"),
        ({"quiet_start": "25:00"}, "quiet_start"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"quiet_hours": "yes"}, "quiet_hours"),
        ({"sms": True}, "sms"),
    ],
)
def test_bad_preferences_are_a_400_and_change_nothing(schema, change, field):  # noqa: F811
    user = UserFactory()
    api = client_for(user)
    api.put(PREFERENCES, CHOSEN, format="json")
    refused = api.put(PREFERENCES, {**CHOSEN, **change}, format="json")
    assert refused.status_code == 400, refused.content
    assert any(name.split(".")[0] == field for name in refused.json()["error"]["fields"])
    assert_documented(schema, PREFERENCES, "put", refused)
    assert api.get(PREFERENCES).json() == CHOSEN


def test_a_partial_put_is_refused_naming_what_is_missing():
    api = client_for(UserFactory())
    refused = api.put(PREFERENCES, {"channels": []}, format="json")
    assert refused.status_code == 400
    assert {"remind_day_before", "quiet_start", "timezone"} <= set(
        refused.json()["error"]["fields"]
    )
    assert not NotificationPreferences.objects.exists()
