"""What curators decide: an activity's publication, its place on the front page, and whether
an organization is verified.

Every status change goes through the directory's one state machine
(`activities.services.activity_transition`); this module adds who may decide (the curators
of the activity's territory, `curation.scope`) and records why in the audit trail: the reason
is the historical row's `history_change_reason`, and the curator its `history_user`.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from activities import choices as directory
from activities import services
from activities.models import Activity, Organization
from activities.services.common import assign
from backend.errors import Conflict, PermissionDenied, ValidationFailed
from backend.text import require_plain_text
from curation.choices import ACTIONS_WITH_REASON, ModerationAction
from curation.scope import require_curator

Status = directory.ActivityStatus

# The status each decision moves the activity to; featuring leaves the status as it is.
_DESTINATION: dict[str, str] = {
    ModerationAction.APPROVE: Status.PUBLISHED,
    ModerationAction.REJECT: Status.REJECTED,
    ModerationAction.REQUEST_CHANGES: Status.DRAFT,
    ModerationAction.ARCHIVE: Status.ARCHIVED,
}


def _audited(instance, *, by: User, reason: str) -> None:
    """Name who acts and why on the row the next save records in the audit trail."""
    instance._history_user = by
    instance._change_reason = reason


REASON_MAX_LENGTH = 2000


def _checked_reason(reason: str, *, required: bool) -> str:
    reason = reason.strip()
    require_plain_text(multiline=("reason",), reason=reason)
    problem = None
    if required and not reason:
        problem = _("A reason is required for this decision: the organization reads it.")
    elif len(reason) > REASON_MAX_LENGTH:
        problem = _("Keep the reason under %(limit)d characters.") % {"limit": REASON_MAX_LENGTH}
    if problem:
        raise ValidationFailed(problem, code="invalid_reason", fields={"reason": [problem]})
    return reason


@transaction.atomic
def activity_moderate(*, activity: Activity, action: str, by: User, reason: str = "") -> Activity:
    """Apply a curator's decision to the activity. Raises `PermissionDenied` outside the
    curator's territories, `ValidationFailed` without a reason where one is required, and
    `Conflict` where the workflow refuses the step (approving an archived activity, asking
    changes of a published one, featuring one that is not published)."""
    scope = require_curator(by)
    if not scope.activities(Activity.objects.filter(pk=activity.pk)).exists():
        raise PermissionDenied(_("This activity is outside the territories you curate."))
    action = ModerationAction(action)
    reason = _checked_reason(reason, required=action in ACTIONS_WITH_REASON)
    if action in (ModerationAction.FEATURE, ModerationAction.UNFEATURE):
        return _feature(
            activity=activity, featured=action == ModerationAction.FEATURE, by=by, reason=reason
        )
    if action == ModerationAction.APPROVE and activity.status == Status.DRAFT:
        # A draft is its organization's work in progress until they submit it.
        raise Conflict(
            _("This activity has not been submitted for review."), code="invalid_transition"
        )
    _audited(activity, by=by, reason=reason)
    return services.activity_transition(activity=activity, to=_DESTINATION[action], by=by)


def _set_flag(instance: Activity | Organization, name: str, value: bool, *, by, reason) -> None:
    """Set a flag of a row locked and read again; a flag already so changes nothing and
    leaves no entry in the audit trail."""
    if getattr(instance, name) == value:
        return
    setattr(instance, name, value)
    _audited(instance, by=by, reason=reason)
    instance.save(update_fields=[name, "updated_at"])


def _feature(*, activity: Activity, featured: bool, by: User, reason: str) -> Activity:
    assign(activity, {})
    if featured and activity.status != Status.PUBLISHED:
        raise Conflict(_("Only a published activity can be featured."), code="not_published")
    _set_flag(activity, "featured", featured, by=by, reason=reason)
    return activity


@transaction.atomic
def organization_verify(
    *, organization: Organization, by: User, verified: bool, reason: str = ""
) -> Organization:
    """Verify an organization (its later submissions publish at once) or withdraw it. Only
    the curators of a territory where it has a place or an activity may; what it already
    published stays published (a curator can still reject or archive each activity)."""
    scope = require_curator(by)
    if not scope.organizations(Organization.objects.filter(pk=organization.pk)).exists():
        raise PermissionDenied(_("This organization has nothing in the territories you curate."))
    reason = _checked_reason(reason, required=False)
    assign(organization, {})
    _set_flag(organization, "verified", verified, by=by, reason=reason)
    return organization
