"""The vocabularies of curation: moderation actions, audit entries, reports and collections."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ModerationAction(models.TextChoices):
    """What a curator decides about an activity (`services.moderation.activity_moderate`)."""

    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    REQUEST_CHANGES = "request_changes", _("Request changes")
    ARCHIVE = "archive", _("Archive")
    FEATURE = "feature", _("Feature")
    UNFEATURE = "unfeature", _("Unfeature")


# The actions that need a reason the organization reads.
ACTIONS_WITH_REASON = frozenset({ModerationAction.REJECT, ModerationAction.REQUEST_CHANGES})


class AuditAction(models.TextChoices):
    """What an entry of the audit trail records, read off the change itself."""

    CREATED = "created", _("Created")
    EDITED = "edited", _("Edited")
    DELETED = "deleted", _("Deleted")
    SUBMITTED = "submitted", _("Submitted for review")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    ARCHIVED = "archived", _("Archived")
    FEATURED = "featured", _("Featured")
    UNFEATURED = "unfeatured", _("Unfeatured")
    VERIFIED = "verified", _("Verified")
    UNVERIFIED = "unverified", _("Verification withdrawn")


# The audit actions that are a curator's decision (the organization is shown the last one).
DECISIONS = frozenset(
    {
        AuditAction.PUBLISHED,
        AuditAction.REJECTED,
        AuditAction.CHANGES_REQUESTED,
        AuditAction.ARCHIVED,
    }
)


class ReportReason(models.TextChoices):
    WRONG_INFORMATION = "wrong_information", _("Wrong information")
    NO_LONGER_EXISTS = "no_longer_exists", _("No longer exists")
    INAPPROPRIATE = "inappropriate", _("Inappropriate")
    UNSAFE = "unsafe", _("Unsafe")


class ReportStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DISMISSED = "dismissed", _("Dismissed")
    ACTED_ON = "acted_on", _("Acted on")


class CollectionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
