"""What every directory service shares: who may act, the "unchanged" default of updates, and
domain signals sent once the transaction commits."""

import enum
from typing import Any

from django.db import models, transaction
from django.dispatch import Signal
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User
from activities import choices
from activities.models import Activity, Organization
from activities.selectors import user_can_edit, user_is_owner
from backend.errors import Conflict, PermissionDenied


class Unchanged(enum.Enum):
    """The default of an update's keyword arguments: the field keeps its value. (None cannot
    say it: None is a value several fields accept.)"""

    UNCHANGED = "unchanged"


UNCHANGED = Unchanged.UNCHANGED


def given(**values: Any) -> dict[str, Any]:
    """The keyword arguments the caller did give (not left UNCHANGED)."""
    return {name: value for name, value in values.items() if value is not UNCHANGED}


def assign(instance: models.Model, values: dict[str, Any]) -> None:
    """Set the given fields on the row as it stands now. A saved row is read again and locked
    until the transaction ends (PostgreSQL; SQLite's writers already take turns), so that two
    concurrent edits of different fields apply one after the other, rather than the second
    writing back the first's fields from its stale copy. Call it inside the update's
    transaction, before any other change to the instance."""
    if instance.pk is not None:
        locked = type(instance)._default_manager.select_for_update()
        instance.refresh_from_db(from_queryset=locked)
    for name, value in values.items():
        setattr(instance, name, value)


def require_editor(organization: Organization, by: User) -> None:
    if not user_can_edit(user=by, organization=organization):
        raise PermissionDenied(_("Only editors of this organization can do this."))


def require_owner(organization: Organization, by: User) -> None:
    if not user_is_owner(user=by, organization=organization):
        raise PermissionDenied(_("Only owners of this organization can do this."))


def require_not_archived(activity: Activity) -> None:
    """An archived activity is withdrawn for good (`publication.TRANSITIONS`): its content,
    schedules and sessions stay as they were when it left."""
    if activity.status == choices.ActivityStatus.ARCHIVED:
        raise Conflict(_("An archived activity cannot be edited."), code="archived")


def send_after_commit(signal: Signal, **kwargs: Any) -> None:
    """Send a domain signal of `activities.signals` once the transaction commits: listeners
    (matching, notifications) never see a write that is rolled back."""
    transaction.on_commit(lambda: signal.send(sender=Activity, **kwargs))


def unique_slug(model: type[models.Model], text: str, *, fallback: str) -> str:
    """A slug of `text` (`fallback` when it has no letters) that no row of `model` holds yet,
    numbered from -2 when taken."""
    base = slugify(text)[:70] or fallback
    slug, n = base, 1
    while model._default_manager.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug
