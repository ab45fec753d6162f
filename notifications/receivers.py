"""The notifications room listens to the directory's domain signals (sent after commit) and
hands the work to its services and tasks; and to an account's deletion, which takes the
resident's first name out of the greeters' inboxes."""

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from accounts.models import User
from activities import signals as directory
from notifications import notices
from notifications.tasks import change_notices_task


@receiver(directory.occurrence_changed)
def _occurrence_changed(
    sender, occurrence, previous_start=None, previous_status=None, **kwargs
) -> None:
    # The change travels with the task as it was made: a later edit does not rewrite it.
    change = notices.SessionEdit.of(
        occurrence, previous_start=previous_start, previous_status=previous_status
    )
    change_notices_task.delay(occurrence.pk, change.as_json())


@receiver(pre_delete, sender=User, dispatch_uid="notifications.newcomer_notices_forget")
def _account_deleted(sender, instance: User, **kwargs) -> None:
    notices.newcomer_notices_forget(user=instance)


@receiver(directory.visit_followed_up)
def _visit_followed_up(sender, registration, body="", **kwargs) -> None:
    notices.follow_up_notify(registration=registration, body=body)


@receiver(directory.seat_offered)
def _seat_offered(sender, registration, **kwargs) -> None:
    notices.seat_offer_notify(registration=registration)


@receiver(directory.newcomer_registered)
def _newcomer_registered(sender, registration, **kwargs) -> None:
    notices.newcomer_notify(registration=registration)


@receiver(directory.registration_changed)
def _registration_changed(sender, registration, previous_status=None, **kwargs) -> None:
    # A newcomer who waited for a seat is coming once it is theirs: the greeter is told then
    # (once: the notice's key is the registration's).
    if registration.first_visit and previous_status is not None:
        notices.newcomer_notify(registration=registration)
