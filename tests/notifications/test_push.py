"""Push through FCM HTTP v1 and APNs over HTTP/2, against fake servers on loopback that check
each request is well formed; a token the service reports dead removes the device; a push that
fails falls back to email."""

import pytest
from django.core import mail

from notifications.choices import DeliveryStatus
from notifications.models import Delivery, Device, Notification
from notifications.services import notify
from tests.factories import UserFactory
from tests.notifications.fakes import apns_key

# Serialized rollback: the reference data (taxonomy, territories) is restored afterwards, and
# the flush leaves the content types to it rather than re-creating them.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ANDROID_TOKEN = "fcm-token-" + "a" * 140
WEB_TOKEN = "fcm-web-token-" + "w" * 140
IOS_TOKEN = "ab" * 32


@pytest.fixture
def awake(settings):
    """Deliveries at once whatever the time of day of the run: quiet hours off."""
    from notifications.models import NotificationPreferences

    def resident(**fields):
        user = UserFactory(**fields)
        NotificationPreferences.objects.create(user=user, quiet_hours=False)
        return user

    return resident


def tell(user, key="k1"):
    return notify(
        user=user,
        kind="session_cancelled",
        title="Annulé : Chorale",
        body="La séance de jeudi est annulée.",
        data={"activity": 7, "occurrence": 42},
        dedupe_key=key,
    )


def test_an_android_device_gets_a_well_formed_fcm_v1_request(fcm, awake):
    user = awake()
    Device.objects.create(user=user, platform="android", token=ANDROID_TOKEN)
    notification = tell(user)
    assert fcm.errors == []
    token_requests = [s for s in fcm.seen if s.path == "/token"]
    sends = [s for s in fcm.seen if s.path != "/token"]
    assert len(token_requests) == 1 and len(sends) == 1
    send = sends[0]
    assert send.method == "POST"
    assert send.path == "/v1/projects/relier-test/messages:send"
    assert send.headers["Authorization"] == "Bearer ya29.fake-0"
    message = send.json()["message"]
    assert message["token"] == ANDROID_TOKEN
    assert message["notification"] == {
        "title": "Annulé : Chorale",
        "body": "La séance de jeudi est annulée.",
    }
    assert message["data"] == {
        "activity": "7",
        "occurrence": "42",
        "kind": "session_cancelled",
        "notification_id": str(notification.pk),
    }
    assert message["android"] == {"priority": "high"}
    delivery = Delivery.objects.get(notification=notification)
    assert (delivery.channel, delivery.status) == ("push", DeliveryStatus.SENT)
    assert mail.outbox == []


def test_the_access_token_is_reused_between_messages(fcm, awake):
    user = awake()
    Device.objects.create(user=user, platform="web", token=WEB_TOKEN)
    tell(user, "a")
    tell(user, "b")
    assert [s.path for s in fcm.seen].count("/token") == 1
    assert len([s for s in fcm.seen if s.path != "/token"]) == 2
    assert fcm.errors == []


def test_an_unregistered_fcm_token_removes_the_device_and_email_takes_over(fcm, awake, settings):
    settings.NOTIFICATIONS_EMAIL_BACKEND = "email"
    user = awake()
    Device.objects.create(user=user, platform="android", token=ANDROID_TOKEN)
    fcm.gone.add(ANDROID_TOKEN)
    notification = tell(user)
    assert not Device.objects.filter(token=ANDROID_TOKEN).exists()
    statuses = dict(
        Delivery.objects.filter(notification=notification).values_list("channel", "status")
    )
    assert statuses == {"push": "failed", "email": "sent"}
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert mail.outbox[0].subject == "Annulé : Chorale"


def test_an_ios_device_gets_a_well_formed_apns_request_over_http2(apns, awake):
    user = awake()
    Device.objects.create(user=user, platform="ios", token=IOS_TOKEN)
    notification = tell(user)
    assert apns.errors == []
    assert len(apns.seen) == 1
    assert apns.negotiated == ["h2"]  # over TLS, by ALPN
    seen = apns.seen[0]
    assert seen.protocol == "HTTP/2"
    assert (seen.method, seen.path) == ("POST", f"/3/device/{IOS_TOKEN}")
    assert seen.headers["apns-topic"] == "org.relier.app"
    assert seen.headers["apns-push-type"] == "alert"
    assert seen.headers["apns-priority"] == "10"
    payload = seen.json()
    assert payload["aps"]["alert"] == {
        "title": "Annulé : Chorale",
        "body": "La séance de jeudi est annulée.",
    }
    assert payload["notification_id"] == notification.pk and payload["occurrence"] == 42
    assert Delivery.objects.get(notification=notification).status == DeliveryStatus.SENT


@pytest.mark.parametrize("answer", ["Unregistered", "BadDeviceToken"])
def test_a_dead_apns_token_removes_the_device(apns, awake, answer, settings):
    settings.NOTIFICATIONS_EMAIL_BACKEND = "email"
    user = awake()
    other_token = "cd" * 32
    Device.objects.create(user=user, platform="ios", token=IOS_TOKEN)
    Device.objects.create(user=user, platform="ios", token=other_token)
    if answer == "Unregistered":
        apns.gone.add(IOS_TOKEN)
    else:
        apns.topic = "org.relier.app"  # unchanged; the token itself is refused below
        apns.answer = _refusing(apns.answer, IOS_TOKEN, answer)
    notification = tell(user)
    assert list(Device.objects.filter(user=user).values_list("token", flat=True)) == [other_token]
    # The other device got it: push worked, no email.
    assert Delivery.objects.get(notification=notification).status == DeliveryStatus.SENT
    assert mail.outbox == []


def _refusing(answer, token, reason):
    def refuse(headers, body):
        if headers.get(":path") == f"/3/device/{token}":
            answer(headers, body)  # recorded and checked as any request
            return 400, {"reason": reason}
        return answer(headers, body)

    return refuse


def test_a_push_service_that_is_down_falls_back_to_email(settings, awake, tmp_path):
    key_file = tmp_path / "AuthKey.p8"
    key_file.write_text(apns_key()[0])
    settings.NOTIFICATIONS_PUSH_BACKEND = "native"
    settings.NOTIFICATIONS_EMAIL_BACKEND = "email"
    settings.NOTIFICATIONS_APNS_URL = "http://127.0.0.1:8369"  # nothing listens
    settings.NOTIFICATIONS_APNS_KEY_FILE = str(key_file)
    settings.NOTIFICATIONS_APNS_KEY_ID = "K"
    settings.NOTIFICATIONS_APNS_TEAM_ID = "T"
    settings.NOTIFICATIONS_APNS_TOPIC = "org.relier.app"
    user = awake()
    Device.objects.create(user=user, platform="ios", token=IOS_TOKEN)
    notification = tell(user)
    statuses = dict(
        Delivery.objects.filter(notification=notification).values_list("channel", "status")
    )
    assert statuses == {"push": "failed", "email": "sent"}
    assert Device.objects.filter(token=IOS_TOKEN).exists()  # a failure is not a dead token
    assert len(mail.outbox) == 1
    assert Notification.objects.get(pk=notification.pk).delivery_state == "done"


def test_a_cancelled_session_reaches_each_residents_phones_and_drops_an_expired_token(
    fcm, apns, awake
):
    """Acceptance: the session cancelled by its organizer; the registered and the saving
    residents told on their channels; the fake FCM and APNs servers got well-formed requests;
    the expired token is gone."""
    import datetime

    from activities import services as directory
    from tests.factories import editor_of
    from tests.notifications.factories import registered, saved, session

    occurrence = session(starts_in=datetime.timedelta(days=2), title="Chorale")
    android, iphone, fan = awake(), awake(), awake()
    registered(occurrence, android)
    registered(occurrence, iphone, status="waitlisted")
    saved(occurrence.activity, fan)
    Device.objects.create(user=android, platform="android", token=ANDROID_TOKEN)
    Device.objects.create(user=iphone, platform="ios", token=IOS_TOKEN)
    Device.objects.create(user=fan, platform="web", token=WEB_TOKEN)
    fcm.gone.add(WEB_TOKEN)
    directory.occurrence_cancel(
        occurrence=occurrence, by=editor_of(occurrence.activity.organization)
    )
    assert fcm.errors == [] and apns.errors == []
    pushed = sorted(s.json()["message"]["token"] for s in fcm.seen if s.path != "/token")
    assert pushed == sorted([ANDROID_TOKEN, WEB_TOKEN])
    assert [s.path for s in apns.seen] == [f"/3/device/{IOS_TOKEN}"]
    assert all(s.json()["aps"]["alert"]["title"] == "Séance annulée : Chorale" for s in apns.seen)
    assert not Device.objects.filter(token=WEB_TOKEN).exists()
    deliveries = set(Delivery.objects.values_list("notification__user_id", "channel", "status"))
    assert deliveries == {
        (android.pk, "push", "sent"),
        (iphone.pk, "push", "sent"),
        (fan.pk, "push", "failed"),  # its only device's token had expired
        (fan.pk, "email", "sent"),  # so email took over
    }
    assert Notification.objects.filter(kind="session_cancelled").count() == 3
