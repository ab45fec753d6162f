"""Reads of visiting programmes: who coordinates which team, who volunteers, the team's
queue, the solver's input, the coordinator's view."""

from __future__ import annotations

import datetime

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from activities.choices import MembershipRole
from visiting import pairing
from visiting.choices import OPEN_PAIR_STATUSES, EndReason, PairStatus, RequestStatus
from visiting.models import Contact, Pair, Team, VisitRequest, Volunteer

COORDINATOR_ROLES = (MembershipRole.OWNER, MembershipRole.EDITOR)


def _signed_in(user: User | None) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def coordinated_teams(*, user: User) -> QuerySet[Team]:
    """The teams whose organization `user` is an owner or editor of."""
    if not _signed_in(user):
        return Team.objects.none()
    return Team.objects.filter(
        organization__memberships__user=user,
        organization__memberships__role__in=COORDINATOR_ROLES,
    ).distinct()


def is_coordinator(*, user: User, team: Team) -> bool:
    return coordinated_teams(user=user).filter(pk=team.pk).exists()


def visible_teams(*, user: User) -> QuerySet[Team]:
    """The teams `user` coordinates or volunteers in."""
    if not _signed_in(user):
        return Team.objects.none()
    return Team.objects.filter(
        Q(pk__in=coordinated_teams(user=user).values("pk"))
        | Q(pk__in=Volunteer.objects.filter(user=user).values("team_id"))
    ).order_by("name", "id")


def vetted_q(prefix: str = "") -> Q:
    """Fully vetted, as `Volunteer.fully_vetted`, for a queryset (of volunteers, or through
    `prefix`, e.g. "volunteer__")."""
    p = prefix
    return (
        Q(**{f"{p}charter_signed_on__isnull": False, f"{p}trained_on__isnull": False})
        & (
            Q(**{f"{p}team__requires_reference_check": False})
            | Q(**{f"{p}reference_checked_on__isnull": False})
        )
        & (
            Q(**{f"{p}team__requires_record_check": False})
            | Q(**{f"{p}record_checked_on__isnull": False})
        )
    )


def volunteer_list(*, user: User) -> QuerySet[Volunteer]:
    """The volunteers of the teams `user` coordinates, and `user`'s own volunteer profiles."""
    if not _signed_in(user):
        return Volunteer.objects.none()
    return (
        Volunteer.objects.filter(
            Q(team__in=coordinated_teams(user=user).values("pk")) | Q(user=user)
        )
        .select_related("team", "user")
        .order_by("team_id", "id")
    )


def request_list(*, user: User) -> QuerySet[VisitRequest]:
    """The requests of the teams `user` coordinates (volunteers read their paired people
    through their pairs only)."""
    return (
        VisitRequest.objects.filter(team__in=coordinated_teams(user=user).values("pk"))
        .select_related("team")
        .order_by("-id")
    )


def pair_list(*, user: User) -> QuerySet[Pair]:
    """The pairs of the teams `user` coordinates, and the pairs `user` is the volunteer of."""
    if not _signed_in(user):
        return Pair.objects.none()
    return (
        Pair.objects.filter(
            Q(team__in=coordinated_teams(user=user).values("pk")) | Q(volunteer__user=user)
        )
        .select_related("team", "volunteer", "volunteer__user", "request")
        .order_by("-id")
    )


def contact_list(*, user: User) -> QuerySet[Contact]:
    if not _signed_in(user):
        return Contact.objects.none()
    return (
        Contact.objects.filter(
            Q(pair__team__in=coordinated_teams(user=user).values("pk"))
            | Q(pair__volunteer__user=user)
        )
        .select_related("pair", "pair__team", "pair__volunteer")
        .order_by("-date", "-id")
    )


def open_pairs_of(*, team: Team) -> dict[int, int]:
    """The team's volunteer id -> pairs that hold one of their places (every pair not
    ended)."""
    rows = (
        Pair.objects.filter(team=team, status__in=OPEN_PAIR_STATUSES)
        .values("volunteer_id")
        .annotate(n=Count("id"))
    )
    return {row["volunteer_id"]: row["n"] for row in rows}


def waiting_requests(*, team: Team) -> QuerySet[VisitRequest]:
    """The team's queue: people returned by an ended pair first, then by request date."""
    return (
        VisitRequest.objects.filter(team=team, status=RequestStatus.WAITING)
        .exclude(pairs__status__in=OPEN_PAIR_STATUSES)
        .order_by(F("returned_at").asc(nulls_last=True), "requested_on", "id")
    )


def never_again(*, team: Team) -> dict[int, set[int]]:
    """Request id -> volunteers of its pairs that ended for a safeguarding reason."""
    banned: dict[int, set[int]] = {}
    rows = Pair.objects.filter(
        team=team, status=PairStatus.ENDED, end_reason=EndReason.SAFEGUARDING
    ).values_list("request_id", "volunteer_id")
    for request_id, volunteer_id in rows:
        banned.setdefault(request_id, set()).add(volunteer_id)
    return banned


def solver_volunteers(*, team: Team, only_able: bool = True) -> list[pairing.Volunteer]:
    """The team's active volunteers as the solver reads them, their capacity less the pairs
    they follow; with `only_able`, only the fully vetted ones with room."""
    rows = Volunteer.objects.filter(team=team, active=True)
    vetted_ids = set(rows.filter(vetted_q()).values_list("id", flat=True))
    taken = open_pairs_of(team=team)
    found = []
    for row in rows.values_list(
        "id", "home_lat", "home_lng", "reach_km", "availability_mask", "languages_mask",
        "offers", "capacity", "interests", "gender", "wants_gender",
    ).order_by("id"):  # fmt: skip
        pk, lat, lng, reach, slots, languages, offers, capacity, interests, g, wg = row
        room = max(0, capacity - taken.get(pk, 0))
        vetted = pk in vetted_ids
        if only_able and not (vetted and room):
            continue
        found.append(
            pairing.Volunteer(
                id=pk, lat=lat, lng=lng, reach_km=reach, slots=slots, languages=languages,
                offers=offers, capacity=room, vetted=vetted, interests=frozenset(interests),
                gender=g, wants_gender=wg,
            )
        )  # fmt: skip
    return found


def solver_requests(
    *,
    team: Team,
    requests: QuerySet[VisitRequest] | None = None,
    today: datetime.date | None = None,
) -> list[pairing.Request]:
    """The waiting people as the solver reads them. A person whose pair ended is at the head
    of the queue: they count as waiting at least as long as the longest-waiting person."""
    today = today or timezone.localdate()
    banned = never_again(team=team)
    queue = waiting_requests(team=team) if requests is None else requests
    rows = list(
        queue.values_list(
            "id", "home_lat", "home_lng", "availability_mask", "languages_mask", "wants",
            "interests", "priority", "requested_on", "gender", "wants_gender", "returned_at",
        )
    )  # fmt: skip
    oldest = min((row[8] for row in rows), default=today)
    found = []
    for row in rows:
        pk, lat, lng, slots, languages, wants, interests, priority, since, g, wg, back = row
        if back is not None:
            since = oldest
        found.append(
            pairing.Request(
                id=pk, lat=lat, lng=lng, slots=slots, languages=languages, wants=wants,
                interests=frozenset(interests), priority=priority,
                waiting_days=max(0, (today - since).days), gender=g, wants_gender=wg,
                never_again=frozenset(banned.get(pk, ())),
            )
        )  # fmt: skip
    return found


def waiting_list(*, team: Team, today: datetime.date | None = None) -> list[dict]:
    """The coordinator's queue: each waiting person, how long they have waited, and the
    constraint that leaves them no volunteer (None when one is feasible)."""
    today = today or timezone.localdate()
    queue = list(waiting_requests(team=team))
    everyone = solver_volunteers(team=team, only_able=False)
    solver = {
        r.id: r
        for r in solver_requests(team=team, requests=waiting_requests(team=team), today=today)
    }
    return [
        {
            "request": request,
            "waiting_days": max(0, (today - request.requested_on).days),
            "blocking": pairing.blocking(everyone, solver[request.pk]),
        }
        for request in queue
    ]


def volunteer_load(*, team: Team) -> QuerySet[Volunteer]:
    """The team's volunteers with the pairs they follow (`following`, not ended) and the
    active ones (`active_pairs`)."""
    return (
        Volunteer.objects.filter(team=team)
        .select_related("user", "team")
        .annotate(
            following=Count("pairs", filter=Q(pairs__status__in=OPEN_PAIR_STATUSES)),
            active_pairs=Count("pairs", filter=Q(pairs__status=PairStatus.ACTIVE)),
        )
        .order_by("id")
    )


def lapsed_pairs(*, today: datetime.date, days: int) -> QuerySet[Pair]:
    """Active pairs with no contact for `days` days or more."""
    return Pair.objects.filter(
        status=PairStatus.ACTIVE, last_contact_on__lte=today - datetime.timedelta(days=days)
    ).select_related("team")
