"""Firebase Cloud Messaging, HTTP v1 API (Android and web push).

    POST {NOTIFICATIONS_FCM_URL}/v1/projects/{project_id}/messages:send
    Authorization: Bearer <OAuth2 access token of the service account>
    {"message": {"token": ..., "notification": {"title", "body"}, "data": {str: str}, ...}}

The access token comes from the service account's key through google-auth (a signed JWT
exchanged at the account's `token_uri`), cached until shortly before it expires. A token
that FCM no longer knows (404 / UNREGISTERED, or a token refused as malformed) raises
TokenGone; any other failure raises DeliveryError.
"""

import json
import threading

import httpx
from django.conf import settings
from google.auth.transport.requests import Request as GoogleRequest
from google.oauth2 import service_account

from notifications.backends.base import DeliveryError, Message, Recipient, TokenGone

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class FcmBackend:
    name = "fcm"

    def __init__(self) -> None:
        path = settings.NOTIFICATIONS_FCM_CREDENTIALS_FILE
        if not path:
            raise DeliveryError("fcm: NOTIFICATIONS_FCM_CREDENTIALS_FILE is not set")
        with open(path) as handle:
            info = json.load(handle)
        self.project_id = settings.NOTIFICATIONS_FCM_PROJECT_ID or info["project_id"]
        self.credentials = service_account.Credentials.from_service_account_info(
            info, scopes=[SCOPE]
        )
        self.url = (
            f"{settings.NOTIFICATIONS_FCM_URL.rstrip('/')}/v1/projects/{self.project_id}"
            "/messages:send"
        )
        self.client = httpx.Client(timeout=TIMEOUT)
        self._lock = threading.Lock()

    def _bearer(self, *, renew: bool = False) -> str:
        with self._lock:
            if renew or not self.credentials.valid:
                try:
                    self.credentials.refresh(GoogleRequest())
                except Exception as error:  # google.auth.exceptions.*, transport errors
                    raise DeliveryError(f"fcm: no access token: {error}") from error
            return self.credentials.token

    @staticmethod
    def body(message: Message, recipient: Recipient) -> dict:
        data = {key: str(value) for key, value in message.data.items()}
        data.update(kind=message.kind, notification_id=str(message.notification_id))
        payload = {
            "token": recipient.address,
            "notification": {"title": message.title, "body": message.body},
            "data": data,
        }
        if recipient.platform == "android":
            payload["android"] = {"priority": "high"}
        return {"message": payload}

    def send(self, message: Message, recipient: Recipient) -> None:
        body = self.body(message, recipient)
        response = self._post(body, self._bearer())
        if response.status_code == 401:  # revoked or expired early: one new token
            response = self._post(body, self._bearer(renew=True))
        if response.status_code == 200:
            return
        error = _error_of(response)
        if response.status_code == 404 or error.get("code") == "UNREGISTERED":
            raise TokenGone(f"fcm: token unregistered ({response.status_code})")
        if response.status_code == 400 and _names_the_token(error):
            raise TokenGone(f"fcm: token refused ({error.get('message', '')})")
        raise DeliveryError(f"fcm: {response.status_code} {error.get('message', '')}".strip())

    def _post(self, body: dict, bearer: str) -> httpx.Response:
        try:
            return self.client.post(
                self.url,
                json=body,
                headers={"Authorization": f"Bearer {bearer}"},
            )
        except httpx.HTTPError as error:
            raise DeliveryError(f"fcm: {type(error).__name__}: {error}") from error


def _error_of(response: httpx.Response) -> dict:
    """`{"code": <FCM error code>, "message": ...}` from FCM's error body (google.rpc.Status
    with a FcmError detail), as far as it can be read."""
    try:
        error = response.json().get("error", {})
    except (ValueError, AttributeError):
        return {}
    found = {"message": str(error.get("message", ""))}
    for detail in error.get("details", []) or []:
        if isinstance(detail, dict) and detail.get("errorCode"):
            found["code"] = detail["errorCode"]
        for violation in (detail or {}).get("fieldViolations", []) or []:
            found.setdefault("fields", []).append(violation.get("field", ""))
    return found


def _names_the_token(error: dict) -> bool:
    return error.get("code") == "INVALID_ARGUMENT" and (
        "message.token" in error.get("fields", []) or "token" in error.get("message", "").lower()
    )
