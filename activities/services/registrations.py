"""Registrations: a resident's place at a session (or at an ongoing activity without sessions),
the waitlist, offers of freed seats, attendance, and the question after a first visit.

Seats are guarded by one row lock: the session's row (`Occurrence`), or the activity's row for
an ongoing activity. Every write that takes, frees or passes on a seat locks it first and
reads the counts after, so two residents never take the last seat, and positions on the
waitlist are given in the order the lock was obtained. PostgreSQL's `select_for_update` makes
the others wait; SQLite's writers already take turns (`transaction_mode=IMMEDIATE`).

A session's seats held are its `seats_taken` (going, offered, attended, no-show); an ongoing
activity counts the registrations holding a seat. A freed seat is offered to the first
waitlisted resident for `REGISTRATION_OFFER_HOURS` (never beyond the session's start); an
offer not confirmed in time passes to the next (`registration_offers_expire`, run by the beat
task and at read and confirm time).
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from activities import choices, signals
from activities.models import Activity, Membership, Occurrence, Registration
from activities.services.common import (
    UNCHANGED,
    Unchanged,
    assign,
    given,
    require_editor,
    send_after_commit,
)
from backend.errors import Conflict, NotFound, ValidationFailed
from backend.text import require_plain_text
from backend.validation import full_clean

Status = choices.RegistrationStatus
# For an ongoing activity, the registrations that hold a place in the group.
ONGOING_SEAT_STATUSES = (Status.GOING, Status.OFFERED, Status.ATTENDED)


def _offer_hold() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.REGISTRATION_OFFER_HOURS)


def _changed(registration: Registration, previous_status: str | None) -> None:
    send_after_commit(
        signals.registration_changed, registration=registration, previous_status=previous_status
    )


def _lock(*, activity: Activity, occurrence: Occurrence | None) -> Occurrence | Activity:
    """The row guarding these seats, locked until the transaction ends, as it stands now."""
    if occurrence is not None:
        return Occurrence.objects.select_for_update().get(pk=occurrence.pk)
    return Activity.objects.select_for_update().get(pk=activity.pk)


def _registrations_of(*, activity: Activity, occurrence: Occurrence | None):
    if occurrence is not None:
        return Registration.objects.filter(occurrence_id=occurrence.pk)
    return Registration.objects.filter(activity_id=activity.pk, occurrence__isnull=True)


def _has_free_seat(
    locked: Occurrence | Activity, *, activity: Activity, occurrence: Occurrence | None
) -> bool:
    if occurrence is not None:
        if locked.status == choices.OccurrenceStatus.FULL:
            return False
        return locked.capacity is None or locked.seats_taken < locked.capacity
    if activity.capacity is None:
        return True
    held = _registrations_of(activity=activity, occurrence=None).filter(
        status__in=ONGOING_SEAT_STATUSES
    )
    return held.count() < activity.capacity


def _take_seat(locked: Occurrence | Activity, *, delta: int) -> None:
    """Count a seat taken (+1) or freed (-1) on a session; an ongoing activity counts rows."""
    if isinstance(locked, Occurrence):
        locked.seats_taken = max(0, locked.seats_taken + delta)
        Occurrence.objects.filter(pk=locked.pk).update(seats_taken=locked.seats_taken)


def is_first_visit(*, user: User, activity: Activity) -> bool:
    """A resident who never attended this activity and holds no other place at it."""
    return not Registration.objects.filter(
        user=user,
        activity=activity,
        status__in=(Status.GOING, Status.WAITLISTED, Status.OFFERED, Status.ATTENDED),
    ).exists()


@transaction.atomic
def registration_create(
    *,
    user: User,
    activity: Activity,
    occurrence: Occurrence | None = None,
    shared_needs: str = "",
    now: datetime.datetime | None = None,
) -> tuple[Registration, bool]:
    """Register the resident for a session of the activity, or for the activity itself when
    it is ongoing without sessions (`occurrence` None). Going while seats are free, then
    waitlisted in order of arrival (409 `session_full` when the activity keeps no waitlist).

    Registering again while registered returns the registration already there, with `created`
    False. Refused: an activity that is not published (404, as if it did not exist), a session
    cancelled (409 `session_cancelled`) or started (409 `session_past`), an activity with
    sessions registered for as a whole (409 `has_sessions`)."""
    now = now or timezone.now()
    if activity.status != choices.ActivityStatus.PUBLISHED:
        raise NotFound(_("No activity found."))
    if occurrence is not None and occurrence.activity_id != activity.pk:
        raise NotFound(_("No session found."))
    require_plain_text(multiline=("shared_needs",), shared_needs=shared_needs)
    if occurrence is None and activity.occurrences.filter(end__gt=now).exists():
        raise Conflict(
            _("This activity has sessions: register for one of them."), code="has_sessions"
        )
    # What does not depend on the seats is settled before waiting for them: residents
    # registering at once queue on the lock only for the few statements that do.
    registration = Registration(
        user=user,
        activity=activity,
        occurrence=occurrence,
        status=Status.WAITLISTED,
        position=1,
        first_visit=is_first_visit(user=user, activity=activity),
        shared_needs=shared_needs,
    )
    full_clean(registration, exclude=["user", "activity", "occurrence"])
    locked = _lock(activity=activity, occurrence=occurrence)
    if occurrence is not None:
        if locked.status == choices.OccurrenceStatus.CANCELLED:
            raise Conflict(_("This session is cancelled."), code="session_cancelled")
        if locked.start <= now:
            raise Conflict(_("This session has already started."), code="session_past")
    # One statement: the resident's registration already there, and the last position given.
    mine = Q(user=user) & ~Q(status=Status.CANCELLED)
    found = _registrations_of(activity=activity, occurrence=occurrence).aggregate(
        last=Max("position"), existing=Max("pk", filter=mine)
    )
    if found["existing"] is not None:
        return Registration.objects.get(pk=found["existing"]), False
    if _has_free_seat(locked, activity=activity, occurrence=occurrence):
        registration.status = Status.GOING
    elif not activity.waitlist:
        raise Conflict(_("This session is full and keeps no waitlist."), code="session_full")
    registration.position = (found["last"] or 0) + 1
    registration.save()
    if registration.status == Status.GOING:
        _take_seat(locked, delta=+1)
    _changed(registration, None)
    if registration.first_visit:
        send_after_commit(signals.newcomer_registered, registration=registration)
    return registration, True


def _require_own(registration: Registration, by: User) -> None:
    # Another resident's registration does not exist for them.
    if registration.user_id != by.pk:
        raise NotFound(_("No registration found."))


def _reload(registration: Registration) -> Registration:
    """The registration as it stands once its seats are locked."""
    registration.refresh_from_db()
    return registration


@transaction.atomic
def registration_cancel(
    *, registration: Registration, by: User, now: datetime.datetime | None = None
) -> Registration:
    """The resident gives up their place (or lets an offered seat pass). A seat held is
    offered to the first waitlisted resident. Idempotent: cancelling again changes nothing.
    A session that has started keeps its registrations (409 `session_past`)."""
    _require_own(registration, by)
    now = now or timezone.now()
    locked = _lock(activity=registration.activity, occurrence=registration.occurrence)
    registration = _reload(registration)
    if registration.status == Status.CANCELLED:
        return registration
    if registration.occurrence_id is not None and locked.start <= now:
        raise Conflict(_("This session has already started."), code="session_past")
    previous = registration.status
    registration.status = Status.CANCELLED
    registration.offered_until = None
    registration.save(update_fields=["status", "offered_until", "updated_at"])
    _changed(registration, previous)
    if _held_a_seat(registration, previous):
        _pass_seat(locked, activity=registration.activity, now=now)
    return registration


def _held_a_seat(registration: Registration, status: str) -> bool:
    # A session's attended and no-show are past (a started session keeps its registrations);
    # at an ongoing activity, attending is holding a place in the group.
    if registration.occurrence_id is None:
        return status in ONGOING_SEAT_STATUSES
    return status in (Status.GOING, Status.OFFERED)


def registrations_release(*, user: User, now: datetime.datetime | None = None) -> int:
    """Give up every place the resident holds or waits for at a session that has not started
    and at an ongoing activity, each through `registration_cancel`, so each seat held is
    offered to the next waitlisted resident exactly as their own cancellation would: the
    first step of erasing their account. Returns how many were cancelled."""
    now = now or timezone.now()
    upcoming = (
        Registration.objects.filter(user=user)
        .exclude(status=Status.CANCELLED)
        .filter(Q(occurrence__isnull=True) | Q(occurrence__start__gt=now))
        .select_related("activity", "occurrence")
        .order_by("pk")
    )
    cancelled = 0
    for registration in upcoming:
        try:
            registration_cancel(registration=registration, by=user, now=now)
        except Conflict:
            continue  # the session started meanwhile: no seat left to pass on
        cancelled += 1
    return cancelled


def _offer_to_next(
    locked: Occurrence | Activity, *, activity: Activity, now: datetime.datetime
) -> Registration | None:
    """Offer a seat to the first waitlisted resident, held until the offer's deadline (never
    beyond the session's start); None when no one waits, or the session is cancelled or about
    to start."""
    occurrence = locked if isinstance(locked, Occurrence) else None
    deadline = now + _offer_hold()
    if occurrence is not None:
        if occurrence.status == choices.OccurrenceStatus.CANCELLED:
            return None  # no seat to offer at a session that will not take place
        deadline = min(deadline, occurrence.start)
    if deadline <= now:
        return None
    waiting = (
        _registrations_of(activity=activity, occurrence=occurrence)
        .filter(status=Status.WAITLISTED)
        .order_by("position", "id")
        .first()
    )
    if waiting is None:
        return None
    waiting.status = Status.OFFERED
    waiting.offered_until = deadline
    waiting.save(update_fields=["status", "offered_until", "updated_at"])
    _changed(waiting, Status.WAITLISTED)
    send_after_commit(signals.seat_offered, registration=waiting)
    return waiting


def _pass_seat(
    locked: Occurrence | Activity, *, activity: Activity, now: datetime.datetime
) -> Registration | None:
    """A seat was freed: offered to the first waitlisted resident, or counted free."""
    offered = _offer_to_next(locked, activity=activity, now=now)
    if offered is None:
        _take_seat(locked, delta=-1)
    return offered


def registration_confirm(
    *, registration: Registration, by: User, now: datetime.datetime | None = None
) -> Registration:
    """The resident takes the seat offered to them: going. An offer whose time ran out has
    already passed to the next (409 `offer_expired`); a registration not offered a seat
    cannot be confirmed (409 `not_offered`).

    Two transactions, so that the offer passed on stays passed on when the confirmation is
    refused: callers must not wrap this in their own (the API's view is not atomic)."""
    _require_own(registration, by)
    now = now or timezone.now()
    registration_offers_expire(
        activity=registration.activity, occurrence=registration.occurrence, now=now
    )
    return _confirm(registration=registration, now=now)


@transaction.atomic
def _confirm(*, registration: Registration, now: datetime.datetime) -> Registration:
    _lock(activity=registration.activity, occurrence=registration.occurrence)
    registration = _reload(registration)
    if registration.status == Status.GOING:
        return registration
    if registration.status != Status.OFFERED:
        if registration.offered_until is not None and registration.status == Status.CANCELLED:
            raise Conflict(
                _("The seat offered to you was not confirmed in time: it went to the next."),
                code="offer_expired",
            )
        raise Conflict(_("No seat is offered to you for this session."), code="not_offered")
    registration.status = Status.GOING
    registration.save(update_fields=["status", "updated_at"])
    _changed(registration, Status.OFFERED)
    return registration


def registration_offers_expire(
    *,
    activity: Activity | None = None,
    occurrence: Occurrence | None = None,
    user: User | None = None,
    now: datetime.datetime | None = None,
) -> int:
    """Pass on every offer whose time ran out (of one session or activity, of one resident,
    or all): the resident it was offered to is cancelled, the seat offered to the next.
    Idempotent: an offer is passed on once, under its seats' lock. Returns how many passed.

    One transaction per offer: the beat task's sweep never holds the locks of many sessions
    at once, and residents registering wait for one offer's statements at most."""
    now = now or timezone.now()
    due = Registration.objects.filter(status=Status.OFFERED, offered_until__lte=now)
    if occurrence is not None:
        due = due.filter(occurrence=occurrence)
    elif activity is not None:
        due = due.filter(activity=activity, occurrence__isnull=True)
    if user is not None:
        due = due.filter(user=user)
    passed = 0
    for offer in due.select_related("activity", "occurrence").order_by("offered_until", "id"):
        with transaction.atomic():
            passed += _offer_expire(offer, now=now)
    return passed


def _offer_expire(offer: Registration, *, now: datetime.datetime) -> int:
    locked = _lock(activity=offer.activity, occurrence=offer.occurrence)
    offer = _reload(offer)
    if offer.status != Status.OFFERED or offer.offered_until > now:
        return 0  # confirmed or passed on meanwhile
    offer.status = Status.CANCELLED
    offer.save(update_fields=["status", "updated_at"])
    _changed(offer, Status.OFFERED)
    _pass_seat(locked, activity=offer.activity, now=now)
    return 1


@transaction.atomic
def registration_fill_free_seats(
    *,
    activity: Activity,
    occurrence: Occurrence | None = None,
    now: datetime.datetime | None = None,
) -> int:
    """Offer the seats that are free (capacity raised, a seat counted free when no one
    waited) to the waitlist, in order. Returns how many were offered."""
    now = now or timezone.now()
    locked = _lock(activity=activity, occurrence=occurrence)
    offered = 0
    while _has_free_seat(locked, activity=activity, occurrence=occurrence):
        if _offer_to_next(locked, activity=activity, now=now) is None:
            break
        _take_seat(locked, delta=+1)
        offered += 1
    return offered


def _require_organizer(registration: Registration, by: User) -> None:
    """Editors of the activity's organization; the resident themselves learns 403, anyone
    else that it does not exist."""
    organization = registration.activity.organization
    if registration.user_id == by.pk:
        require_editor(organization, by)
    elif not Membership.objects.filter(user=by, organization=organization).exists():
        raise NotFound(_("No registration found."))


@transaction.atomic
def registration_mark_attendance(
    *,
    registration: Registration,
    by: User,
    attended: bool,
    now: datetime.datetime | None = None,
) -> Registration:
    """An organizer marks a resident who had a seat as attended or no-show, once the session
    has started (409 `not_started`); a resident waitlisted, offered or cancelled had no seat
    (409 `not_going`). Marking again corrects the mark."""
    _require_organizer(registration, by)
    now = now or timezone.now()
    locked = _lock(activity=registration.activity, occurrence=registration.occurrence)
    registration = _reload(registration)
    if registration.occurrence_id is not None and locked.start > now:
        raise Conflict(_("This session has not started yet."), code="not_started")
    if registration.status not in (Status.GOING, Status.ATTENDED, Status.NO_SHOW):
        raise Conflict(_("This resident had no seat at this session."), code="not_going")
    status = Status.ATTENDED if attended else Status.NO_SHOW
    if registration.status == status:
        return registration
    if registration.visit_answered_at is not None:
        raise Conflict(
            _("The resident already said how the visit went: the mark stays."),
            code="already_answered",
        )
    previous = registration.status
    registration.status = status
    registration.save(update_fields=["status", "updated_at"])
    _changed(registration, previous)
    return registration


# The organization's message after a missed first visit: a few friendly sentences.
FOLLOW_UP_MAX_LENGTH = 500


def may_follow_up(registration: Registration) -> bool:
    """After a first visit marked no-show, the organization may send one friendly message."""
    return (
        registration.first_visit
        and registration.status == Status.NO_SHOW
        and registration.followed_up_at is None
    )


@transaction.atomic
def registration_follow_up(
    *,
    registration: Registration,
    by: User,
    body: str = "",
    now: datetime.datetime | None = None,
) -> Registration:
    """An organizer sends the resident who missed their first visit one friendly message:
    their own words (`body`, plain text, at most `FOLLOW_UP_MAX_LENGTH` characters), or, empty,
    a kind default text in the resident's language (the notifications room writes it). Once
    per registration (409 `already_followed_up`), only after a first visit marked no-show
    (409 `not_missed_first_visit`). The resident hears it through `visit_followed_up`."""
    _require_organizer(registration, by)
    # Under the seats' lock, as attendance is marked: the mark read here is the one that stands.
    _lock(activity=registration.activity, occurrence=registration.occurrence)
    registration = _reload(registration)
    if registration.followed_up_at is not None:
        raise Conflict(
            _("A message was already sent after this missed visit."),
            code="already_followed_up",
        )
    if not may_follow_up(registration):
        raise Conflict(
            _("A message can be sent only after a first visit marked as missed."),
            code="not_missed_first_visit",
        )
    body = body.strip()
    require_plain_text(multiline=("body",), body=body)
    if len(body) > FOLLOW_UP_MAX_LENGTH:
        raise ValidationFailed(
            _("The message is too long."),
            fields={"body": [_("At most %(limit)d characters.") % {"limit": FOLLOW_UP_MAX_LENGTH}]},
        )
    registration.followed_up_at = now or timezone.now()
    registration.save(update_fields=["followed_up_at", "updated_at"])
    send_after_commit(signals.visit_followed_up, registration=registration, body=body)
    return registration


def asks_how_it_went(registration: Registration) -> bool:
    """After a first visit marked attended, the resident is asked once how it went."""
    return (
        registration.first_visit
        and registration.status == Status.ATTENDED
        and registration.visit_answered_at is None
    )


@transaction.atomic
def registration_answer_visit(
    *,
    registration: Registration,
    by: User,
    feeling: str,
    note: str = "",
    now: datetime.datetime | None = None,
) -> Registration:
    """The resident says once how their first visit went (`good`, `mixed`, `hard`) with an
    optional note. Asked only after a first visit marked attended (409 `not_asked`);
    answered once (409 `already_answered`)."""
    _require_own(registration, by)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.visit_answered_at is not None:
        raise Conflict(_("You already said how this visit went."), code="already_answered")
    if not asks_how_it_went(registration):
        raise Conflict(
            _("This question comes after a first visit the organizers marked as attended."),
            code="not_asked",
        )
    require_plain_text(multiline=("note",), note=note)
    registration.visit_feeling = feeling
    registration.visit_note = note
    registration.visit_answered_at = now or timezone.now()
    full_clean(registration, exclude=["user", "activity", "occurrence"])
    registration.save(
        update_fields=["visit_feeling", "visit_note", "visit_answered_at", "updated_at"]
    )
    return registration


@transaction.atomic
def activity_welcome_update(
    *,
    activity: Activity,
    by: User,
    greeter: User | Unchanged | None = UNCHANGED,
    meeting_point: str | Unchanged = UNCHANGED,
) -> Activity:
    """Who greets newcomers (a member of the organization, or nobody) and where they meet.
    Editors of the organization only."""
    require_editor(activity.organization, by)
    if (
        isinstance(greeter, User)
        and not Membership.objects.filter(
            user=greeter, organization_id=activity.organization_id
        ).exists()
    ):
        raise ValidationFailed(
            _("The greeter must be a member of the organization."),
            code="greeter_not_member",
            fields={"greeter": [_("Choose a member of the organization.")]},
        )
    require_plain_text(meeting_point=meeting_point)
    changes = given(greeter=greeter, meeting_point=meeting_point)
    assign(activity, changes)
    full_clean(activity)
    # Not an edit of what residents search: `updated_at` (what offline clients sync on) stays.
    activity.save(update_fields=["greeter", "meeting_point"])
    return activity


def greeter_first_name(activity: Activity) -> str | None:
    """The first name a newcomer is told: the first word of the greeter's display name."""
    if activity.greeter is None or not activity.greeter.display_name.strip():
        return None
    return activity.greeter.display_name.split()[0]
