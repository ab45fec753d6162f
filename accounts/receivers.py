"""Accounts listen to their own rows' deletion: whatever deletes an account (the API's
erasure, the Django admin) goes through the same steps."""

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from accounts.models import User
from accounts.services import user_erasing


@receiver(pre_delete, sender=User, dispatch_uid="accounts.user_erasing")
def _user_erasing(sender, instance: User, **kwargs) -> None:
    user_erasing(user=instance)
