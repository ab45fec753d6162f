"""Apple Push Notification service over HTTP/2 with a provider token (JWT, ES256).

    POST {NOTIFICATIONS_APNS_URL}/3/device/{token}
    authorization: bearer <JWT {alg: ES256, kid} {iss: team id, iat}>
    apns-topic: <bundle id>, apns-push-type: alert, apns-priority: 10
    {"aps": {"alert": {"title", "body"}, "sound": "default"}, ...data}

APNs speaks HTTP/2 only: the client is httpx with h2, HTTP/1.1 switched off (over TLS it
negotiates h2 by ALPN, as the tests' fake server requires; over plain http it would speak h2
with prior knowledge). The provider token is reused for 50 minutes (Apple refuses one older than
an hour and one renewed more often than every 20 minutes). 410 (Unregistered) and 400
BadDeviceToken / DeviceTokenNotForTopic raise TokenGone.
"""

import ssl
import threading
import time
import uuid

import httpx
import jwt
from django.conf import settings

from notifications.backends.base import DeliveryError, Message, Recipient, TokenGone

TOKEN_LIFETIME = 50 * 60
GONE_REASONS = {"BadDeviceToken", "Unregistered", "DeviceTokenNotForTopic"}
TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class ApnsBackend:
    name = "apns"

    def __init__(self) -> None:
        missing = [
            name
            for name in (
                "NOTIFICATIONS_APNS_KEY_FILE",
                "NOTIFICATIONS_APNS_KEY_ID",
                "NOTIFICATIONS_APNS_TEAM_ID",
                "NOTIFICATIONS_APNS_TOPIC",
            )
            if not getattr(settings, name)
        ]
        if missing:
            raise DeliveryError(f"apns: {', '.join(missing)} not set")
        with open(settings.NOTIFICATIONS_APNS_KEY_FILE) as handle:
            self.key = handle.read()
        self.base = settings.NOTIFICATIONS_APNS_URL.rstrip("/")
        # The system's certificate authorities, or the bundle named (a test server's own).
        verify: ssl.SSLContext | bool = True
        if settings.NOTIFICATIONS_APNS_CA_FILE:
            verify = ssl.create_default_context(cafile=settings.NOTIFICATIONS_APNS_CA_FILE)
        self.client = httpx.Client(http1=False, http2=True, timeout=TIMEOUT, verify=verify)
        self._lock = threading.Lock()
        self._token: tuple[str, float] | None = None

    def provider_token(self, *, renew: bool = False) -> str:
        with self._lock:
            now = time.time()
            if renew or self._token is None or now - self._token[1] > TOKEN_LIFETIME:
                token = jwt.encode(
                    {"iss": settings.NOTIFICATIONS_APNS_TEAM_ID, "iat": int(now)},
                    self.key,
                    algorithm="ES256",
                    headers={"kid": settings.NOTIFICATIONS_APNS_KEY_ID},
                )
                self._token = (token, now)
            return self._token[0]

    @staticmethod
    def body(message: Message) -> dict:
        return {
            "aps": {"alert": {"title": message.title, "body": message.body}, "sound": "default"},
            "kind": message.kind,
            "notification_id": message.notification_id,
            **{key: value for key, value in message.data.items() if key != "aps"},
        }

    def send(self, message: Message, recipient: Recipient) -> None:
        response = self._post(message, recipient, self.provider_token())
        if response.status_code == 403 and _reason(response) == "ExpiredProviderToken":
            response = self._post(message, recipient, self.provider_token(renew=True))
        if response.status_code == 200:
            return
        reason = _reason(response)
        if response.status_code == 410 or reason in GONE_REASONS:
            raise TokenGone(f"apns: {response.status_code} {reason}")
        raise DeliveryError(f"apns: {response.status_code} {reason}".strip())

    def _post(self, message: Message, recipient: Recipient, token: str) -> httpx.Response:
        try:
            return self.client.post(
                f"{self.base}/3/device/{recipient.address}",
                json=self.body(message),
                headers={
                    "authorization": f"bearer {token}",
                    "apns-topic": settings.NOTIFICATIONS_APNS_TOPIC,
                    "apns-push-type": "alert",
                    "apns-priority": "10",
                    "apns-id": str(uuid.uuid4()),
                },
            )
        except httpx.HTTPError as error:
            raise DeliveryError(f"apns: {type(error).__name__}: {error}") from error


def _reason(response: httpx.Response) -> str:
    try:
        return str(response.json().get("reason", ""))
    except (ValueError, AttributeError):
        return ""
