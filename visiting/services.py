"""Every write of visiting programmes: teams, volunteers and their vetting, requests, the
pairing run (the solver's proposals stored), the one state machine of a pair
(`pair_transition`), contacts, and the pair health alerts.

Coordinators of a team are its organization's owners and editors; a volunteer acts only on
their own pairs. A person waits in the team's queue until a pair is proposed, and goes back
to its head when a pair ends (unless they no longer need a visit)."""

from __future__ import annotations

import datetime
from typing import Any

from celery import current_app
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from activities.models import Membership, Organization, Territory
from backend.errors import PermissionDenied
from backend.validation import full_clean, validation_failed
from matching.services import coarsen
from notifications import messages
from notifications.services import notify
from visiting import pairing, selectors
from visiting.choices import (
    OPEN_PAIR_STATUSES,
    EndReason,
    EnteredBy,
    PairStatus,
    RequestStatus,
    RunStatus,
    Side,
)
from visiting.errors import NotACoordinator, PairClosed, TransitionNotAllowed
from visiting.models import Contact, Pair, PairAlert, PairingRun, Team, VisitRequest, Volunteer

HEALTH_LAPSE_DAYS = 21  # three weeks without a contact: the coordinator is told
PAIR_HEALTH_KIND = "pair_health"

VOLUNTEER_FIELDS = (
    "reach_km", "travel_mode", "availability_mask", "languages_mask", "interests", "offers",
    "capacity", "gender", "wants_gender", "charter_signed_on", "trained_on",
    "reference_checked_on", "record_checked_on", "active",
)  # fmt: skip
REQUEST_FIELDS = (
    "first_name", "phone", "address", "availability_mask", "languages_mask", "interests",
    "wants", "gender", "wants_gender", "access_notes", "priority", "requested_on",
    "consent_method", "consent_given_at",
)  # fmt: skip


def require_coordinator(*, user: User, team: Team) -> None:
    if not selectors.is_coordinator(user=user, team=team):
        raise NotACoordinator()


def _check_fields(fields: dict, allowed: tuple[str, ...]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")


def _set_home(row: Volunteer | VisitRequest, home: tuple[float, float]) -> None:
    row.home_lat, row.home_lng, row.home_cell = coarsen(*home)


# --- teams ---------------------------------------------------------------------------------


@transaction.atomic
def team_create(
    *,
    organization: Organization,
    by: User,
    name: str,
    territories: list[Territory] | None = None,
    requires_reference_check: bool = True,
    requires_record_check: bool = False,
) -> Team:
    """A team of `organization`, created by one of its owners or editors."""
    editor = Membership.objects.filter(
        user=by, organization=organization, role__in=selectors.COORDINATOR_ROLES
    ).exists()
    if not editor:
        raise PermissionDenied(_("Only the organization's owners and editors can create a team."))
    team = Team(
        organization=organization,
        name=name,
        requires_reference_check=requires_reference_check,
        requires_record_check=requires_record_check,
    )
    full_clean(team, exclude=["organization"])
    team.save()
    if territories:
        team.territories.set(territories)
    return team


# --- volunteers ----------------------------------------------------------------------------


@transaction.atomic
def volunteer_create(
    *, team: Team, user: User, by: User, home: tuple[float, float], **fields: Any
) -> Volunteer:
    """`user` joins the team as a volunteer (recorded by a coordinator); the home is
    coarsened as a resident's is."""
    require_coordinator(user=by, team=team)
    _check_fields(fields, VOLUNTEER_FIELDS)
    if Volunteer.objects.filter(team=team, user=user).exists():
        raise validation_failed({"user": [_("Already a volunteer of this team.")]})
    volunteer = Volunteer(team=team, user=user, **fields)
    _set_home(volunteer, home)
    full_clean(volunteer, exclude=["team", "user"])
    volunteer.save()
    return volunteer


_KEEP = object()


@transaction.atomic
def volunteer_update(
    *, volunteer: Volunteer, by: User, home: Any = _KEEP, **fields: Any
) -> Volunteer:
    """Change a volunteer's profile or vetting (coordinators). Lowering the capacity below
    the pairs they follow leaves those pairs as they are; no new one is proposed."""
    require_coordinator(user=by, team=volunteer.team)
    _check_fields(fields, VOLUNTEER_FIELDS)
    for name, value in fields.items():
        setattr(volunteer, name, value)
    if home is not _KEEP:
        _set_home(volunteer, home)
    full_clean(volunteer, exclude=["team", "user"])
    volunteer.save()
    return volunteer


# --- requests ------------------------------------------------------------------------------


@transaction.atomic
def request_create(
    *,
    team: Team,
    by: User,
    entered_by: str,
    home: tuple[float, float],
    **fields: Any,
) -> VisitRequest:
    """A person asks to be visited or called, or someone asks for them. A relative or a
    professional records the person's consent (how, when); only a coordinator sets a
    priority; the request date is today unless a coordinator enters an earlier one."""
    _check_fields(fields, REQUEST_FIELDS)
    coordinator = selectors.is_coordinator(user=by, team=team)
    if entered_by == EnteredBy.COORDINATOR and not coordinator:
        raise NotACoordinator()
    if not coordinator and ("priority" in fields or "requested_on" in fields):
        raise NotACoordinator()
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    if entered_by in (EnteredBy.RELATIVE, EnteredBy.PROFESSIONAL):
        if not fields.get("consent_method") or not fields.get("consent_given_at"):
            errors["consent_method"] = [
                _("A relative or a professional records how and when the person agreed.")
            ]
        elif fields["consent_given_at"] > timezone.now():
            errors["consent_given_at"] = [_("A consent cannot be given in the future.")]
    if fields.get("requested_on") and fields["requested_on"] > today:
        errors["requested_on"] = [_("A request cannot be made in the future.")]
    if errors:
        raise validation_failed(errors)
    fields.setdefault("requested_on", today)
    request = VisitRequest(team=team, created_by=by, entered_by=entered_by, **fields)
    _set_home(request, home)
    full_clean(request, exclude=["team", "created_by"])
    request.save()
    return request


@transaction.atomic
def request_update(
    *, request: VisitRequest, by: User, home: Any = _KEEP, **fields: Any
) -> VisitRequest:
    require_coordinator(user=by, team=request.team)
    _check_fields(fields, REQUEST_FIELDS)
    for name, value in fields.items():
        setattr(request, name, value)
    if home is not _KEEP:
        _set_home(request, home)
    full_clean(request, exclude=["team", "created_by"])
    request.save()
    return request


# --- the pairing run -----------------------------------------------------------------------

RUN_TASK = "visiting.tasks.pairing_run_task"


@transaction.atomic
def pairing_run_request(*, team: Team, by: User) -> PairingRun:
    """A coordinator asks for the team's pairing; it runs in a task after commit."""
    require_coordinator(user=by, team=team)
    run = PairingRun(team=team, created_by=by)
    run.save()
    pk = run.pk

    def enqueue() -> None:
        current_app.signature(RUN_TASK, args=[pk]).delay()

    transaction.on_commit(enqueue)
    return run


@transaction.atomic
def pairing_run_execute(*, run: PairingRun, today: datetime.date | None = None) -> PairingRun:
    """Propose pairs for the team's queue: the solver's optimum over its fully vetted
    volunteers with room, never a pair that ended for safeguarding. Runs of one team take
    turns (the team's row is locked); a run already done is returned as it is."""
    Team.objects.select_for_update().get(pk=run.team_id)
    run = PairingRun.objects.get(pk=run.pk)
    if run.status != RunStatus.QUEUED:
        return run
    volunteers = selectors.solver_volunteers(team=run.team)
    requests = selectors.solver_requests(team=run.team, today=today)
    proposals = pairing.pair(volunteers, requests)
    pairs_store(team=run.team, run=run, proposals=proposals)
    run.status = RunStatus.DONE
    run.proposed = len(proposals)
    run.unpaired = len(requests) - len(proposals)
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "proposed", "unpaired", "finished_at"])
    return run


def pairs_store(*, team: Team, run: PairingRun | None, proposals: list[pairing.Proposal]) -> int:
    """Write the proposals as pairs, with their history rows, and mark their people paired:
    a few statements whatever their number."""
    if not proposals:
        return 0
    pairs = Pair.objects.bulk_create(
        Pair(
            team=team,
            run=run,
            volunteer_id=p.volunteer,
            request_id=p.request,
            kinds=p.kinds,
            score=round(p.score, 4),
            reasons=[[code, list(v) if isinstance(v, tuple) else v] for code, v in p.reasons],
        )
        for p in proposals
    )
    VisitRequest.objects.filter(pk__in=[p.request for p in proposals]).update(
        status=RequestStatus.PAIRED
    )
    Pair.history.bulk_history_create(pairs, default_user=run.created_by if run else None)
    return len(pairs)


# --- the life of a pair --------------------------------------------------------------------

_BOTH = frozenset({Side.VOLUNTEER, Side.COORDINATOR})
# The one state machine of a pair: (from, to) -> who may move it. The person's answer (or
# their relative's) is recorded by a coordinator; either side may pause, resume, or end it.
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (PairStatus.PROPOSED, PairStatus.ACCEPTED_BY_VOLUNTEER): frozenset({Side.VOLUNTEER}),
    (PairStatus.PROPOSED, PairStatus.ACCEPTED_BY_PERSON): frozenset({Side.COORDINATOR}),
    (PairStatus.ACCEPTED_BY_VOLUNTEER, PairStatus.ACTIVE): frozenset({Side.COORDINATOR}),
    (PairStatus.ACCEPTED_BY_PERSON, PairStatus.ACTIVE): frozenset({Side.VOLUNTEER}),
    (PairStatus.ACTIVE, PairStatus.PAUSED): _BOTH,
    (PairStatus.PAUSED, PairStatus.ACTIVE): _BOTH,
    **{(status, PairStatus.ENDED): _BOTH for status in OPEN_PAIR_STATUSES},
}


def sides_of(*, user: User, pair: Pair) -> set[str]:
    sides = set()
    if pair.volunteer.user_id == user.pk:
        sides.add(Side.VOLUNTEER)
    if selectors.is_coordinator(user=user, team=pair.team):
        sides.add(Side.COORDINATOR)
    return sides


def allowed_transitions(*, pair: Pair, sides: set[str]) -> list[str]:
    return [to for (start, to), who in TRANSITIONS.items() if start == pair.status and who & sides]


@transaction.atomic
def pair_transition(*, pair: Pair, to: str, by: User, reason: str = "", note: str = "") -> Pair:
    """Move the pair to `to` if `by` acts for a side that may (`TRANSITIONS`). Ending needs
    a reason (`EndReason`); the person goes back to the head of the queue, or leaves it when
    they no longer need a visit. Audited (who, when, why)."""
    pair = Pair.objects.select_for_update().select_related("team", "volunteer").get(pk=pair.pk)
    if to not in PairStatus.values:
        raise validation_failed({"to": [_("Unknown status.")]})
    sides = sides_of(user=by, pair=pair)
    if not sides:
        raise PermissionDenied(
            _("Only the pair's volunteer and the team's coordinators can do this.")
        )
    allowed = TRANSITIONS.get((pair.status, to))
    if allowed is None:
        raise TransitionNotAllowed(
            _("A pair %(status)s cannot become %(to)s.")
            % {"status": pair.get_status_display(), "to": PairStatus(to).label}
        )
    if not allowed & sides:
        raise PermissionDenied(_("The other side of this pair decides this."))
    now = timezone.now()
    if to == PairStatus.ENDED:
        if reason not in EndReason.values:
            raise validation_failed({"reason": [_("Say why the pair ends.")]})
        pair.end_reason, pair.end_note, pair.ended_at = reason, note, now
        request = VisitRequest.objects.select_for_update().get(pk=pair.request_id)
        if reason == EndReason.NO_LONGER_NEEDED:
            request.status = RequestStatus.WITHDRAWN
        else:
            request.status, request.returned_at = RequestStatus.WAITING, now
        request.save(update_fields=["status", "returned_at"])
    if to == PairStatus.ACTIVE and pair.started_at is None:
        pair.started_at = now
        pair.last_contact_on = timezone.localdate()
    pair.status = to
    pair._history_user = by
    pair._change_reason = reason or None
    full_clean(pair, exclude=["team", "volunteer", "request", "run"])
    pair.save()
    return pair


# --- contacts and pair health --------------------------------------------------------------


@transaction.atomic
def contact_log(
    *, pair: Pair, by: User, date: datetime.date, duration_minutes: int, kind: str, note: str = ""
) -> Contact:
    """The pair's volunteer logs a visit, call or outing (the note is for the coordinator)."""
    pair = Pair.objects.select_for_update().select_related("volunteer").get(pk=pair.pk)
    if pair.volunteer.user_id != by.pk:
        raise PermissionDenied(_("Only the pair's volunteer logs its visits and calls."))
    if pair.status not in (PairStatus.ACTIVE, PairStatus.PAUSED):
        raise PairClosed(_("Visits and calls are logged for an active or paused pair."))
    errors = {}
    if date > timezone.localdate():
        errors["date"] = [_("A visit cannot be logged before it happens.")]
    elif pair.started_at is not None and date < timezone.localdate(pair.started_at):
        errors["date"] = [_("The pair had not started on that day.")]
    if errors:
        raise validation_failed(errors)
    contact = Contact(
        pair=pair, logged_by=by, date=date, duration_minutes=duration_minutes, kind=kind, note=note
    )
    full_clean(contact, exclude=["pair", "logged_by"])
    contact.save()
    if pair.last_contact_on is None or date > pair.last_contact_on:
        pair.last_contact_on = date
        pair.save(update_fields=["last_contact_on"])
    return contact


def pair_health_check(*, today: datetime.date | None = None) -> int:
    """Raise an alert for each active pair without a contact for three weeks, exactly once
    per lapse (a pair and the day of its last contact), to the team's coordinators. Safe to
    run concurrently: the alert's unique key decides who raises it. Returns the alerts
    raised."""
    today = today or timezone.localdate()
    raised = 0
    for pair in selectors.lapsed_pairs(today=today, days=HEALTH_LAPSE_DAYS):
        raised += _alert(pair=pair, today=today)
    return raised


@transaction.atomic
def _alert(*, pair: Pair, today: datetime.date) -> int:
    try:
        with transaction.atomic():
            PairAlert.objects.create(pair=pair, since=pair.last_contact_on)
    except IntegrityError:
        return 0
    days = (today - pair.last_contact_on).days
    coordinators = (
        Membership.objects.filter(
            organization_id=pair.team.organization_id, role__in=selectors.COORDINATOR_ROLES
        )
        .select_related("user")
        .order_by("id")
    )
    for membership in coordinators:
        user = membership.user
        with messages.rendered_in(user.preferred_language):
            title = _("Pair %(number)d: no visit or call for %(days)d days") % {
                "number": pair.pk,
                "days": days,
            }
            body = _(
                "No contact has been logged for pair %(number)d of %(team)s since %(since)s."
            ) % {
                "number": pair.pk,
                "team": pair.team.name,
                "since": pair.last_contact_on.isoformat(),
            }
        notify(
            user=user,
            kind=PAIR_HEALTH_KIND,
            title=title,
            body=body,
            data={"pair": pair.pk, "team": pair.team_id, "since": pair.last_contact_on.isoformat()},
            dedupe_key=f"pair-health:{pair.pk}:{pair.last_contact_on.isoformat()}",
        )
    return 1
