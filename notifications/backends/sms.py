"""SMS through a provider's HTTP API.

    POST {NOTIFICATIONS_SMS_URL}
    Authorization: Bearer {NOTIFICATIONS_SMS_API_KEY}
    {"to": "+33612345678", "from": NOTIFICATIONS_SMS_SENDER, "text": "...", "reference": "..."}

Any 2xx is taken as accepted; anything else, or no answer within the timeout, raises
DeliveryError. Most SMS gateways (and the aggregators in front of French operators) take
this shape or one a small adapter in front of them turns into it.
"""

import httpx
from django.conf import settings

from notifications.backends.base import DeliveryError, Message, Recipient

TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class HttpSmsBackend:
    name = "sms"

    def __init__(self) -> None:
        if not settings.NOTIFICATIONS_SMS_URL:
            raise DeliveryError("sms: NOTIFICATIONS_SMS_URL is not set")
        self.url = settings.NOTIFICATIONS_SMS_URL
        self.client = httpx.Client(timeout=TIMEOUT)

    @staticmethod
    def body(message: Message, recipient: Recipient) -> dict:
        return {
            "to": recipient.address,
            "from": settings.NOTIFICATIONS_SMS_SENDER,
            "text": message.body,
            "reference": f"{message.kind}:{message.notification_id}",
        }

    def send(self, message: Message, recipient: Recipient) -> None:
        headers = {}
        if settings.NOTIFICATIONS_SMS_API_KEY:
            headers["Authorization"] = f"Bearer {settings.NOTIFICATIONS_SMS_API_KEY}"
        try:
            response = self.client.post(
                self.url, json=self.body(message, recipient), headers=headers
            )
        except httpx.HTTPError as error:
            raise DeliveryError(f"sms: {type(error).__name__}: {error}") from error
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"sms: {response.status_code} {response.text[:200]}".strip())
