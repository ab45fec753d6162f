"""Organizations and their members."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from activities import choices
from activities.models import Membership, Organization
from activities.services.common import (
    UNCHANGED,
    Unchanged,
    assign,
    given,
    require_editor,
    require_owner,
    unique_slug,
)
from backend.errors import Conflict, ValidationFailed
from backend.text import require_plain_text
from backend.validation import full_clean


@transaction.atomic
def organization_create(
    *,
    by: User,
    name: str,
    kind: str = choices.OrganizationKind.ASSOCIATION,
    description: str = "",
    email: str = "",
    phone: str = "",
    website: str = "",
    rna: str = "",
    siren: str = "",
) -> Organization:
    """Create an organization; its creator becomes its owner. Never verified at creation."""
    require_plain_text(multiline=("description",), name=name, description=description, phone=phone)
    organization = Organization(
        name=name,
        kind=kind,
        description=description,
        email=email,
        phone=phone,
        website=website,
        rna=rna,
        siren=siren,
        slug=unique_slug(Organization, name, fallback="organisation"),
    )
    full_clean(organization)
    organization.save()
    Membership.objects.create(user=by, organization=organization, role=choices.MembershipRole.OWNER)
    return organization


@transaction.atomic
def organization_update(
    *,
    organization: Organization,
    by: User,
    name: str | Unchanged = UNCHANGED,
    kind: str | Unchanged = UNCHANGED,
    description: str | Unchanged = UNCHANGED,
    email: str | Unchanged = UNCHANGED,
    phone: str | Unchanged = UNCHANGED,
    website: str | Unchanged = UNCHANGED,
    rna: str | Unchanged = UNCHANGED,
    siren: str | Unchanged = UNCHANGED,
) -> Organization:
    require_editor(organization, by)
    require_plain_text(multiline=("description",), name=name, description=description, phone=phone)
    assign(
        organization,
        given(
            name=name,
            kind=kind,
            description=description,
            email=email,
            phone=phone,
            website=website,
            rna=rna,
            siren=siren,
        ),
    )
    full_clean(organization)
    organization.save()
    return organization


@transaction.atomic
def membership_add(
    *, organization: Organization, by: User, email: str, role: str = choices.MembershipRole.EDITOR
) -> Membership:
    """Give an existing account a role in the organization (owners only)."""
    require_owner(organization, by)
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise ValidationFailed(
            _("No account uses this email address: ask the person to sign up first."),
            code="unknown_email",
            fields={"email": [_("No account uses this email address.")]},
        )
    membership = Membership(user=user, organization=organization, role=role)
    # The unique constraint is left to the database, which also settles two concurrent adds.
    full_clean(membership, exclude=["user", "organization"])
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError:
        raise Conflict(_("This person is already a member of the organization.")) from None
    return membership


@transaction.atomic
def require_not_last_owner(*, user: User) -> None:
    """An account whose erasure would leave an organization without an owner, while another
    member could take it over, is not erased (409 `last_owner`): its owner names another one
    first. The only member of an organization may go (staff can name a new owner)."""
    names = []
    for membership in Membership.objects.filter(
        user=user, role=choices.MembershipRole.OWNER
    ).select_related("organization"):
        organization = membership.organization
        # Two owners erased at once: the second waits for the first's owner row, then finds
        # it gone (the lock is held until the erasure's transaction ends).
        owners = organization.memberships.select_for_update().filter(
            role=choices.MembershipRole.OWNER
        )
        if any(owner != user.pk for owner in owners.values_list("user_id", flat=True)):
            continue
        if organization.memberships.exclude(user=user).exists():
            names.append(organization.name)
    if names:
        raise Conflict(
            _("You are the only owner of %(names)s: make another member an owner first.")
            % {"names": ", ".join(sorted(names))},
            code="last_owner",
        )


@transaction.atomic
def membership_remove(*, membership: Membership, by: User) -> None:
    organization = membership.organization
    if membership.user_id != by.pk:  # anyone may leave; removing others is for owners
        require_owner(organization, by)
    owners = organization.memberships.select_for_update().filter(role=choices.MembershipRole.OWNER)
    if membership.role == choices.MembershipRole.OWNER and owners.count() == 1:
        raise Conflict(_("An organization keeps at least one owner."))
    membership.delete()
