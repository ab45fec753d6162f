"""The notifications room listens to the directory's domain signals (sent after commit) and
hands the work to its services and tasks."""

from django.dispatch import receiver

from activities import signals as directory
from notifications import notices
from notifications.tasks import change_notices_task


@receiver(directory.occurrence_changed)
def _occurrence_changed(sender, occurrence, **kwargs) -> None:
    change_notices_task.delay(occurrence.pk)


@receiver(directory.seat_offered)
def _seat_offered(sender, registration, **kwargs) -> None:
    notices.seat_offer_notify(registration=registration)


@receiver(directory.newcomer_registered)
def _newcomer_registered(sender, registration, **kwargs) -> None:
    notices.newcomer_notify(registration=registration)
