"""The directory listens to an account's deletion (the API's erasure or the Django admin's):
the resident's places are given up first, as their own cancellations would be."""

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from accounts.models import User
from activities.services import registrations_release


@receiver(pre_delete, sender=User, dispatch_uid="activities.registrations_release")
def _account_deleted(sender, instance: User, **kwargs) -> None:
    registrations_release(user=instance)
