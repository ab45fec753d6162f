"""The outcome measures listen to the directory: a session marked attended (or unmarked)
refreshes that person's tie to that activity."""

from django.dispatch import receiver

from activities import signals as directory
from impact import services


@receiver(directory.registration_changed)
def _registration_changed(sender, registration, previous_status=None, **kwargs) -> None:
    attended = "attended"
    if attended in (registration.status, previous_status):
        services.tie_refresh(user_id=registration.user_id, activity_id=registration.activity_id)
