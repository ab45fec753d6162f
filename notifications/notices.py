"""Notices about the directory's changes: a session cancelled, back on, moved in time or moved
online; a seat offered; a newcomer coming; the organization's word after a missed first visit.
Each is sent once per change, by its dedupe key."""

import datetime
from dataclasses import dataclass
from typing import Any

from accounts.models import User
from activities.choices import OccurrenceStatus, RegistrationStatus
from activities.models import Activity, Favorite, Occurrence, Registration
from notifications import messages
from notifications.choices import Kind
from notifications.models import Notification
from notifications.selectors import preferences_of_users
from notifications.services import notify

# Residents told of a change to their session: those holding or waiting for a seat.
REGISTERED = [RegistrationStatus.GOING, RegistrationStatus.WAITLISTED, RegistrationStatus.OFFERED]


@dataclass(frozen=True)
class SessionEdit:
    """One edit of a session, as the directory's signal tells it: what the session became
    (`start`, `status`) and what it was just before. `at` is the session's `updated_at` after
    the edit: it names this edit, so the same edit is told once (a task run twice finds its
    key taken) and any later edit is told again, also one that brings back an earlier state.

    `previous_status` None: not known (a task queued before the signal carried it), the
    change is then read from the session's state and `previous_start` is its slot."""

    occurrence_id: int
    start: datetime.datetime
    status: str
    previous_start: datetime.datetime
    previous_status: str | None
    at: datetime.datetime

    @classmethod
    def of(
        cls,
        occurrence: Occurrence,
        *,
        previous_start: datetime.datetime | None = None,
        previous_status: str | None = None,
    ) -> "SessionEdit":
        known = previous_start is not None and previous_status is not None
        return cls(
            occurrence_id=occurrence.pk,
            start=occurrence.start,
            status=occurrence.status,
            previous_start=previous_start if known else occurrence.series_start,
            previous_status=previous_status if known else None,
            at=occurrence.updated_at,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "status": self.status,
            "previous_start": self.previous_start.isoformat(),
            "previous_status": self.previous_status,
            "at": self.at.isoformat(),
        }

    @classmethod
    def from_json(cls, occurrence_id: int, data: dict[str, Any]) -> "SessionEdit":
        return cls(
            occurrence_id=occurrence_id,
            start=datetime.datetime.fromisoformat(data["start"]),
            status=data["status"],
            previous_start=datetime.datetime.fromisoformat(data["previous_start"]),
            previous_status=data["previous_status"],
            at=datetime.datetime.fromisoformat(data["at"]),
        )

    @property
    def moved(self) -> bool:
        return self.start != self.previous_start

    def kind(self) -> str | None:
        """What residents are told of, or None (a note, a capacity). Cancelled outweighs
        back on, then online, then a new time (a message says both)."""
        if self.status == OccurrenceStatus.CANCELLED:
            if self.previous_status == OccurrenceStatus.CANCELLED:
                return None
            return Kind.SESSION_CANCELLED
        if self.previous_status == OccurrenceStatus.CANCELLED:
            return Kind.SESSION_RESTORED
        if (
            self.status == OccurrenceStatus.MOVED_ONLINE
            and self.previous_status != OccurrenceStatus.MOVED_ONLINE
        ):
            return Kind.SESSION_MOVED_ONLINE
        if self.moved:
            return Kind.SESSION_MOVED
        return None

    def dedupe_key(self, kind: str) -> str:
        what = {
            Kind.SESSION_CANCELLED: "cancelled",
            Kind.SESSION_RESTORED: "restored",
            Kind.SESSION_MOVED_ONLINE: "online",
            Kind.SESSION_MOVED: "moved",
        }[kind]
        edited = int(self.at.timestamp() * 1_000_000)
        return f"occurrence:{self.occurrence_id}:{what}:{edited}"


def change_notices_send(*, occurrence_id: int, change: dict[str, Any] | None = None) -> int:
    """Notify every resident registered for the session (going, waitlisted, offered) and
    every resident who saved its activity of one edit (`SessionEdit.as_json()`; None: read
    from the session as it stands); the number of notifications made now."""
    occurrence = Occurrence.objects.select_related("activity").filter(pk=occurrence_id).first()
    if occurrence is None:
        return 0
    edit = (
        SessionEdit.of(occurrence)
        if change is None
        else SessionEdit.from_json(occurrence_id, change)
    )
    kind = edit.kind()
    if kind is None:
        return 0
    key = edit.dedupe_key(kind)
    registered = Registration.objects.filter(occurrence=occurrence, status__in=REGISTERED)
    saved = Favorite.objects.filter(activity_id=occurrence.activity_id)
    user_ids = set(registered.values_list("user_id", flat=True)) | set(
        saved.values_list("user_id", flat=True)
    )
    told = set(
        Notification.objects.filter(user_id__in=user_ids, dedupe_key=key).values_list(
            "user_id", flat=True
        )
    )
    preferences = preferences_of_users(user_ids - told)
    made = 0
    for user in User.objects.filter(pk__in=user_ids - told, is_active=True).order_by("pk"):
        with messages.rendered_in(user.preferred_language):
            title, body = messages.session_changed(
                kind=kind,
                title=occurrence.activity.title,
                start=edit.start,
                previous_start=edit.previous_start,
                zone=preferences[user.pk].timezone,
                note=occurrence.note,
            )
        notify(
            user=user,
            kind=kind,
            title=title,
            body=body,
            data={
                "activity": occurrence.activity_id,
                "occurrence": occurrence.pk,
                "start": edit.start.isoformat(),
                "previous_start": edit.previous_start.isoformat(),
            },
            dedupe_key=key,
        )
        made += 1
    return made


def seat_offer_notify(*, registration: Registration) -> Notification | None:
    """Tell the resident a seat is theirs if they confirm before the deadline."""
    if registration.status != RegistrationStatus.OFFERED:
        return None
    user = registration.user
    occurrence = registration.occurrence
    zone = preferences_of_users([user.pk])[user.pk].timezone
    with messages.rendered_in(user.preferred_language):
        title, body = messages.seat_offered(
            title=registration.activity.title,
            start=occurrence.start if occurrence else None,
            until=registration.offered_until,
            zone=zone,
        )
    until = registration.offered_until
    return notify(
        user=user,
        kind=Kind.SEAT_OFFERED,
        title=title,
        body=body,
        data={
            "activity": registration.activity_id,
            "occurrence": registration.occurrence_id,
            "registration": registration.pk,
            "offered_until": until.isoformat() if until else None,
        },
        dedupe_key=f"seat_offered:{registration.pk}:{int(until.timestamp()) if until else 0}",
    )


def newcomer_notices_forget(*, user: User) -> int:
    """As the resident's account is erased: the notices that told greeters this resident was
    coming (their first name) leave the greeters' inboxes. Returns how many went."""
    keys = [
        f"newcomer:{pk}"
        for pk in Registration.objects.filter(user=user).values_list("pk", flat=True)
    ]
    deleted, _by_model = Notification.objects.filter(
        kind=Kind.NEWCOMER_COMING, dedupe_key__in=keys
    ).delete()
    return deleted


def newcomer_notify(*, registration: Registration) -> Notification | None:
    """Tell the activity's greeter that a newcomer is coming, by first name only: once the
    newcomer has a seat (going), not while they wait for one."""
    if registration.status != RegistrationStatus.GOING or not registration.first_visit:
        return None
    # Read again: the greeter is whoever the activity names now.
    activity = Activity.objects.select_related("greeter").get(pk=registration.activity_id)
    greeter = activity.greeter
    if greeter is None or not greeter.is_active or greeter.pk == registration.user_id:
        return None
    occurrence = registration.occurrence
    zone = preferences_of_users([greeter.pk])[greeter.pk].timezone
    with messages.rendered_in(greeter.preferred_language):
        title, body = messages.newcomer_coming(
            first_name=messages.first_name(registration.user.display_name),
            title=activity.title,
            start=occurrence.start if occurrence else None,
            zone=zone,
        )
    return notify(
        user=greeter,
        kind=Kind.NEWCOMER_COMING,
        title=title,
        body=body,
        data={"activity": activity.pk, "occurrence": registration.occurrence_id},
        dedupe_key=f"newcomer:{registration.pk}",
    )


def follow_up_notify(*, registration: Registration, body: str = "") -> Notification | None:
    """The organization's one friendly message after a missed first visit: their own words,
    or (`body` empty) a kind default text in the resident's language. Once per registration."""
    user = registration.user
    if not user.is_active:
        return None
    activity = Activity.objects.select_related("organization").get(pk=registration.activity_id)
    occurrence = registration.occurrence
    zone = preferences_of_users([user.pk])[user.pk].timezone
    with messages.rendered_in(user.preferred_language):
        title, default = messages.missed_first_visit(
            organization=activity.organization.name,
            title=activity.title,
            start=occurrence.start if occurrence else None,
            zone=zone,
        )
    return notify(
        user=user,
        kind=Kind.VISIT_FOLLOW_UP,
        title=title,
        body=body or default,
        data={
            "activity": activity.pk,
            "occurrence": registration.occurrence_id,
            "registration": registration.pk,
        },
        dedupe_key=f"follow_up:{registration.pk}",
    )
