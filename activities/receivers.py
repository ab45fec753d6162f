"""The directory listens to an account's erasure: it refuses to leave an organization without
an owner while another member could take it over, and as the account is deleted (by the API's
erasure or the Django admin) the resident's places are given up first, as their own
cancellations would be."""

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from accounts.models import User
from accounts.signals import erasure_requested
from activities.services import registrations_release, require_not_last_owner


@receiver(erasure_requested, dispatch_uid="activities.require_not_last_owner")
def _erasure_requested(sender, user: User, **kwargs) -> None:
    require_not_last_owner(user=user)


@receiver(pre_delete, sender=User, dispatch_uid="activities.registrations_release")
def _account_deleted(sender, instance: User, **kwargs) -> None:
    registrations_release(user=instance)
