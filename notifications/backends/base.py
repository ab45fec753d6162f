"""The one interface of every delivery backend, and its two ways to fail."""

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Message:
    """What is said, rendered in the recipient's language when the notification was made."""

    notification_id: int
    kind: str
    title: str
    body: str
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Recipient:
    """Where it goes: a device's push token (with its platform) or an email address."""

    address: str
    platform: str = ""  # android, ios, web for a device; empty for an email address


class DeliveryError(Exception):
    """This attempt failed; the channel is not used for this notification any more and the
    next allowed channel is tried."""


class TokenGone(DeliveryError):
    """The push service says the token is invalid or no longer registered: the device is
    forgotten."""


class Backend(Protocol):
    name: str

    def send(self, message: Message, recipient: Recipient) -> None:
        """Deliver or raise DeliveryError (TokenGone for a dead push token)."""
