"""Reads of the audit trail: who changed what, when and why, with before and after.

The historical rows (`curation.models`, django-simple-history) each hold a whole row after a
change; an entry of the trail is one row compared with the row before it. What the change was
is read off that comparison: a status that moved is a step of the publication workflow
(`submitted`, `published`, `rejected`...), a flag that moved is `featured` or `verified`,
anything else is `edited`. Saves that changed no audited field leave no entry.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Model, QuerySet

from activities import choices as directory
from activities.models import Activity, Organization, Place, Schedule
from curation.choices import DECISIONS, AuditAction

Status = directory.ActivityStatus

# Where an activity's status went, and what that step is called in the trail.
_STATUS_STEPS: dict[str, str] = {
    Status.PENDING: AuditAction.SUBMITTED,
    Status.PUBLISHED: AuditAction.PUBLISHED,
    Status.REJECTED: AuditAction.REJECTED,
    Status.ARCHIVED: AuditAction.ARCHIVED,
    Status.DRAFT: AuditAction.CHANGES_REQUESTED,
}
_CREATED, _CHANGED, _DELETED = "+", "~", "-"


@dataclass(frozen=True)
class Change:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class AuditEntry:
    at: datetime.datetime
    subject: str  # activity, schedule, place or organization
    subject_id: int
    action: str
    by_id: int | None
    by_name: str
    reason: str
    changes: list[Change] = field(default_factory=list)


def _plain(value: Any) -> Any:
    """A value of a historical row as JSON shows it."""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list):
        return sorted(_plain(item) for item in value)
    return value


def _m2m_ids(record, name: str) -> list[int]:
    target = record.instance_type._meta.get_field(name).m2m_reverse_field_name()
    return sorted(getattr(row, target + "_id") for row in getattr(record, name).all())


def _changes(record, previous, m2m: tuple[str, ...]) -> list[Change]:
    if previous is None:
        return []
    delta = record.diff_against(previous, excluded_fields=m2m, foreign_keys_are_objs=False)
    changes = [
        Change(field=item.field, before=_plain(item.old), after=_plain(item.new))
        for item in delta.changes
    ]
    for name in m2m:
        before, after = _m2m_ids(previous, name), _m2m_ids(record, name)
        if before != after:
            changes.append(Change(field=name, before=before, after=after))
    return sorted(changes, key=lambda change: change.field)


def _action(record, previous, changes: list[Change]) -> str | None:
    if record.history_type == _CREATED:
        return AuditAction.CREATED
    if record.history_type == _DELETED:
        return AuditAction.DELETED
    moved = {change.field: change for change in changes}
    if "status" in moved:
        return _STATUS_STEPS.get(moved["status"].after, AuditAction.EDITED)
    if "featured" in moved:
        return AuditAction.FEATURED if moved["featured"].after else AuditAction.UNFEATURED
    if "verified" in moved:
        return AuditAction.VERIFIED if moved["verified"].after else AuditAction.UNVERIFIED
    return AuditAction.EDITED if changes else None


def _entries(records: QuerySet, subject: str, m2m: tuple[str, ...] = ()) -> list[AuditEntry]:
    """The entries of these historical rows, each compared with the row before it (of the
    same object), oldest first."""
    entries: list[AuditEntry] = []
    previous: dict[int, Any] = {}
    for record in records.select_related("history_user").order_by("history_date", "history_id"):
        before = previous.get(record.id)
        previous[record.id] = record
        changes = _changes(record, before, m2m)
        action = _action(record, before, changes)
        if action is None:
            continue
        user = record.history_user
        entries.append(
            AuditEntry(
                at=record.history_date,
                subject=subject,
                subject_id=record.id,
                action=action,
                by_id=user.pk if user else None,
                # The display name only: an entry is read by the organization and by the curators,
                # who are not shown each other's email addresses.
                by_name=user.display_name if user else "",
                reason=record.history_change_reason or "",
                changes=changes,
            )
        )
    return entries


def _newest_first(*trails: list[AuditEntry]) -> list[AuditEntry]:
    return sorted((e for trail in trails for e in trail), key=lambda e: e.at, reverse=True)


def activity_trail(*, activity: Activity) -> list[AuditEntry]:
    """Every change to the activity, to its schedules and to its place, newest first."""
    trails = [
        _entries(Activity.history.filter(id=activity.pk), "activity", m2m=("categories",)),
        _entries(Schedule.history.filter(activity_id=activity.pk), "schedule"),
    ]
    if activity.place_id is not None:
        trails.append(_entries(Place.history.filter(id=activity.place_id), "place"))
    return _newest_first(*trails)


def organization_trail(*, organization: Organization) -> list[AuditEntry]:
    """Every change to the organization and to its places, newest first."""
    return _newest_first(
        _entries(Organization.history.filter(id=organization.pk), "organization"),
        _entries(Place.history.filter(organization_id=organization.pk), "place"),
    )


def audit_trail(*, obj: Model) -> list[AuditEntry]:
    """The trail of an activity or an organization (see `activity_trail`,
    `organization_trail`)."""
    if isinstance(obj, Activity):
        return activity_trail(activity=obj)
    if isinstance(obj, Organization):
        return organization_trail(organization=obj)
    raise TypeError(f"No audit trail for {type(obj).__name__}")


def last_decision(*, activity: Activity) -> AuditEntry | None:
    """The latest step of the workflow decided for the activity (published, rejected, changes
    requested, archived), with its reason: what its organization is shown."""
    for entry in reversed(_entries(Activity.history.filter(id=activity.pk), "activity")):
        if entry.action in DECISIONS:
            return entry
    return None


def changes_since_approved(*, activity: Activity) -> list[Change] | None:
    """What differs between the activity as it stands and as it was when it was last
    approved (the row where its status became `published`); None when it never was."""
    approved = latest = None
    for record in Activity.history.filter(id=activity.pk).order_by("history_date", "history_id"):
        if record.status == Status.PUBLISHED and (latest is None or latest.status != record.status):
            approved = record
        latest = record
    if approved is None:
        return None
    return [
        change
        for change in _changes(latest, approved, ("categories",))
        if change.field not in ("status", "featured", "published_at", "last_verified_at")
    ]
