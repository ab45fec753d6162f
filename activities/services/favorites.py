"""Favorites: the activities a resident saved."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from activities import choices
from activities.models import Activity, Favorite
from backend.errors import NotFound


@transaction.atomic
def favorite_add(*, user: User, activity: Activity) -> tuple[Favorite, bool]:
    """Save a published activity (404 for any other, as if it did not exist). Saving it again
    returns the favorite already there, with `created` False, even when two taps race."""
    if activity.status != choices.ActivityStatus.PUBLISHED:
        raise NotFound(_("No activity found."))
    existing = Favorite.objects.filter(user=user, activity=activity).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return Favorite.objects.create(user=user, activity=activity), True
    except IntegrityError:
        # A tap committed meanwhile: its row is the answer.
        return Favorite.objects.get(user=user, activity=activity), False


@transaction.atomic
def favorite_remove(*, user: User, activity: Activity) -> bool:
    """Unsave; True when there was something to remove. Removing again changes nothing."""
    deleted, _by_model = Favorite.objects.filter(user=user, activity=activity).delete()
    return deleted > 0
