"""Email through Django's mail (EMAIL_BACKEND and its settings)."""

from django.conf import settings
from django.core.mail import send_mail

from notifications.backends.base import DeliveryError, Message, Recipient


class EmailBackend:
    name = "email"

    def send(self, message: Message, recipient: Recipient) -> None:
        try:
            send_mail(
                subject=message.title,
                message=message.body or message.title,
                from_email=settings.NOTIFICATIONS_EMAIL_FROM,
                recipient_list=[recipient.address],
            )
        except Exception as error:  # SMTP errors come in many classes (smtplib, socket)
            raise DeliveryError(f"email: {type(error).__name__}: {error}") from error
