"""The publication workflow of an activity: its one state machine.

Every change of `Activity.status` goes through `activity_transition`, whoever asks: the API's
services, the Django admin, the moderation of curators. It refuses what `TRANSITIONS` does not
allow (409 Conflict) and carries each transition's side effects, so no caller can set a status
and forget one:
- entering `published`: `published_at` and `last_verified_at` set, the tombstone removed, the
  sessions materialized (those withdrawn with it scheduled again), `activity_published` sent;
- leaving `published` (for `rejected` or `archived`) and entering `archived`: future sessions
  cancelled; leaving `published` also writes a tombstone and sends `activity_unpublished`.
Who may ask is the caller's rule (editors submit and archive, curators decide in `curation`,
the admin has Django's permissions); what happens is this module's.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from activities import choices, signals
from activities.models import Activity, ActivityTombstone
from activities.services.common import send_after_commit
from activities.services.occurrences import (
    occurrences_materialize,
    occurrences_restore,
    occurrences_withdraw,
)
from backend.errors import Conflict

Status = choices.ActivityStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.PENDING, Status.PUBLISHED, Status.ARCHIVED}),
    # Back to draft: the curators asked for changes, the organization edits and submits again.
    Status.PENDING: frozenset({Status.DRAFT, Status.PUBLISHED, Status.REJECTED, Status.ARCHIVED}),
    Status.REJECTED: frozenset({Status.PENDING, Status.PUBLISHED, Status.ARCHIVED}),
    Status.PUBLISHED: frozenset({Status.REJECTED, Status.ARCHIVED}),
    # Withdrawn for good: its sessions are cancelled and offline clients were told it is gone.
    Status.ARCHIVED: frozenset(),
}


def transition_allowed(*, current: str, to: str) -> bool:
    return to in TRANSITIONS.get(current, frozenset())


def transition_refusal(*, current: str, to: str) -> str:
    """Why the workflow refuses to go from `current` to `to`, in the reader's language."""
    return _("An activity cannot go from %(current)s to %(to)s.") % {
        "current": Status(current).label,
        "to": Status(to).label,
    }


@transaction.atomic
def activity_transition(*, activity: Activity, to: str, by: User | None) -> Activity:
    """Move the activity to status `to` and apply what that means; raises `Conflict` when the
    workflow does not allow it.

    `by` is who acts (None for the system: an import, the demo loader, a task); it reaches the
    listeners of the domain signals. The row is locked, so two concurrent transitions of one
    activity are applied one after the other, the second checked against the first's result.
    """
    current = (
        Activity.objects.select_for_update().values_list("status", flat=True).get(pk=activity.pk)
    )
    if not transition_allowed(current=current, to=to):
        raise Conflict(transition_refusal(current=current, to=to), code="invalid_transition")
    now = timezone.now()
    activity.status = to
    if to == Status.PUBLISHED:
        activity.published_at = activity.last_verified_at = now
        activity.save(update_fields=["status", "published_at", "last_verified_at", "updated_at"])
        ActivityTombstone.objects.filter(activity_id=activity.pk).delete()
        occurrences_restore(activity=activity, now=now)
        occurrences_materialize(activity=activity, now=now)
        send_after_commit(signals.activity_published, activity=activity, by=by)
        return activity
    activity.save(update_fields=["status", "updated_at"])
    if to == Status.ARCHIVED or current == Status.PUBLISHED:
        occurrences_withdraw(activity=activity, now=now)
    if current == Status.PUBLISHED:
        # Offline clients sync on `updated_since`: the tombstone tells them it is gone.
        ActivityTombstone.objects.update_or_create(
            activity_id=activity.pk, defaults={"removed_at": now, "reason": to}
        )
        send_after_commit(
            signals.activity_unpublished, activity=activity, previous_status=current, by=by
        )
    return activity
