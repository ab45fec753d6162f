"""Reads of social prescribing. Every read of a person record is logged by the caller
(`services.person_access_record`) once it knows which records it shows."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from activities.choices import MembershipRole
from activities.models import Membership, Organization
from referrals.choices import REFERRING_KINDS, ConsentScope
from referrals.models import AccessLog, Consent, Person, Referral


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
