"""Reads of social prescribing. Every read of a person record is logged by the caller
(`services.person_access_record`) once it knows which records it shows."""

from __future__ import annotations

import dataclasses
import datetime

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from activities.choices import MembershipRole, OccurrenceStatus
from activities.models import Activity, Membership, Occurrence, Organization
from referrals import links
from referrals.choices import REFERRING_KINDS, ConsentScope
from referrals.models import (
    AccessLog,
    Consent,
    Person,
    Referral,
    Shortlist,
    ShortlistItem,
    ShortlistLink,
)


def referring_organizations() -> QuerySet[Organization]:
    """Organizations whose referrers may refer: verified, of a referring kind."""
    return Organization.objects.filter(verified=True, kind__in=REFERRING_KINDS)


def referrer_organizations(*, user: User) -> QuerySet[Organization]:
    """The referring organizations `user` refers for (role referrer); none for anonymous."""
    if not user.is_authenticated or not user.is_active:
        return Organization.objects.none()
    return referring_organizations().filter(
        memberships__user=user, memberships__role=MembershipRole.REFERRER
    )


def receiving_organizations(*, user: User) -> QuerySet[Organization]:
    """The organizations whose owner or editor `user` is: the referrals to them are theirs."""
    if not user.is_authenticated or not user.is_active:
        return Organization.objects.none()
    return Organization.objects.filter(
        memberships__user=user,
        memberships__role__in=[MembershipRole.OWNER, MembershipRole.EDITOR],
    )


def referrer_memberships() -> QuerySet[Membership]:
    """Every referrer of a referring organization (verified or not: a curator verifies)."""
    return (
        Membership.objects.filter(
            role=MembershipRole.REFERRER, organization__kind__in=REFERRING_KINDS
        )
        .select_related("user", "organization")
        .order_by("organization__name", "created_at", "id")
    )


def person_list(*, user: User) -> QuerySet[Person]:
    """The persons held by the organizations `user` refers for (anonymized ones left out)."""
    return (
        Person.objects.filter(
            organization__in=referrer_organizations(user=user), anonymized_at__isnull=True
        )
        .select_related("organization")
        .prefetch_related("consents")
        .order_by("-id")
    )


def standing_consent(*, person: Person, scope: str) -> Consent | None:
    return person.consents.filter(scope=scope, withdrawn_at__isnull=True).first()


def has_consent(*, person: Person, scope: str = ConsentScope.REFERRAL) -> bool:
    return person.consents.filter(scope=scope, withdrawn_at__isnull=True).exists()


def referral_list_sent(*, user: User) -> QuerySet[Referral]:
    """Referrals made by the organizations `user` refers for."""
    return (
        Referral.objects.filter(referring_organization__in=referrer_organizations(user=user))
        .select_related("person", "receiving_organization", "referring_organization", "activity")
        .order_by("-id")
    )


def referral_list_received(*, user: User) -> QuerySet[Referral]:
    """Referrals to the organizations `user` edits (whatever their status)."""
    return (
        Referral.objects.filter(receiving_organization__in=receiving_organizations(user=user))
        .select_related("person", "receiving_organization", "referring_organization", "activity")
        .prefetch_related("person__consents")
        .order_by("-id")
    )


def access_log_of(*, user: User) -> QuerySet[AccessLog]:
    """The reads of the person records held by the organizations `user` refers for."""
    return (
        AccessLog.objects.filter(organization__in=referrer_organizations(user=user))
        .select_related("user")
        .order_by("-at", "-id")
    )


def link_by_token(token: str) -> ShortlistLink | None:
    """The link of this token, if any (found by the token's digest, confirmed by the HMAC)."""
    if not links.well_formed(token):
        return None
    link = (
        ShortlistLink.objects.select_related("shortlist__person__organization")
        .filter(token_digest=links.digest_of(token))
        .first()
    )
    if link is None or not links.matches(token=token, link_id=link.pk, salt=link.salt):
        return None
    return link


def links_of(*, shortlist_ids) -> QuerySet[ShortlistLink]:
    return ShortlistLink.objects.filter(shortlist_id__in=shortlist_ids).order_by("-id")


def shortlist_list(*, user: User) -> QuerySet[Shortlist]:
    """The shortlists of the persons the organizations `user` refers for hold."""
    return (
        Shortlist.objects.filter(person__in=person_list(user=user))
        .select_related("person__organization")
        .prefetch_related("items", "links")
        .order_by("-id")
    )


SESSIONS_SHOWN = 3  # the next sessions the link's page and the printed sheet show


@dataclasses.dataclass
class PageEntry:
    """One activity as the person reads it on their page or their printed sheet."""

    item: ShortlistItem
    activity: Activity
    sessions: list[Occurrence]
    accessibility: list[str]


def shortlist_page(
    *, shortlist: Shortlist, now: datetime.datetime | None = None
) -> list[PageEntry]:
    """The shortlist's activities in the referrer's order, with what the person needs to go:
    the place and its access, the next sessions still on (cancelled ones left out)."""
    now = now or timezone.now()
    items = list(
        shortlist.items.select_related("activity__organization", "activity__place").order_by(
            "position"
        )
    )
    upcoming = (
        Occurrence.objects.filter(
            activity_id__in=[i.activity_id for i in items],
            start__gte=now,
        )
        .exclude(status=OccurrenceStatus.CANCELLED)
        .select_related("schedule")
        .order_by("start")
    )
    sessions: dict[int, list[Occurrence]] = {}
    for occurrence in upcoming:
        shown = sessions.setdefault(occurrence.activity_id, [])
        if len(shown) < SESSIONS_SHOWN:
            shown.append(occurrence)
    return [
        PageEntry(
            item=item,
            activity=item.activity,
            sessions=sessions.get(item.activity_id, []),
            accessibility=item.activity.place.accessibility if item.activity.place else [],
        )
        for item in items
    ]
