"""Notices about the directory's changes: a session cancelled, moved in time or moved online;
a seat offered; a newcomer coming. Each is sent once per change, by its dedupe key."""

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


def change_of(occurrence: Occurrence) -> tuple[str, str] | None:
    """(kind, dedupe key) of the change residents are told of, or None (a note, a capacity).

    The signal says only that the session changed, so the change is read from the session as
    it now stands: cancelled, online, or away from its slot in the series (a new start). The
    key names the state, so the same state is told once, and a second move (a new start) is
    told again."""
    if occurrence.status == OccurrenceStatus.CANCELLED:
        return Kind.SESSION_CANCELLED, f"occurrence:{occurrence.pk}:cancelled"
    if occurrence.status == OccurrenceStatus.MOVED_ONLINE:
        return Kind.SESSION_MOVED_ONLINE, f"occurrence:{occurrence.pk}:online"
    if occurrence.start != occurrence.series_start:
        moved_to = int(occurrence.start.timestamp())
        return Kind.SESSION_MOVED, f"occurrence:{occurrence.pk}:moved:{moved_to}"
    return None


def change_notices_send(*, occurrence_id: int) -> int:
    """Notify every resident registered for the session (going, waitlisted, offered) and
    every resident who saved its activity; the number of notifications made now."""
    occurrence = Occurrence.objects.select_related("activity").filter(pk=occurrence_id).first()
    change = None if occurrence is None else change_of(occurrence)
    if change is None:
        return 0
    kind, key = change
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
                start=occurrence.start,
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
                "start": occurrence.start.isoformat(),
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
