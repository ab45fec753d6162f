"""Every write to accounts: registration, profile edits, password change, logout, erasure."""

from django.contrib.admin.models import LogEntry
from django.contrib.auth import password_validation
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import signals
from accounts.models import User
from backend.errors import NotAuthenticated, ValidationFailed
from backend.text import require_plain_text
from backend.validation import full_clean


def _validate_password(password: str, *, user: User, field: str) -> None:
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationFailed(
            _("The password is too weak."), code="weak_password", fields={field: list(exc.messages)}
        ) from exc


@transaction.atomic
def user_register(
    *, email: str, password: str, display_name: str = "", preferred_language: str = "fr"
) -> User:
    require_plain_text(email=email, display_name=display_name)
    email = User.objects.normalize_email(email).strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationFailed(
            _("An account already exists with this email address."),
            code="email_taken",
            fields={"email": [_("An account already exists with this email address.")]},
        )
    user = User(email=email, display_name=display_name, preferred_language=preferred_language)
    _validate_password(password, user=user, field="password")
    user.set_password(password)
    full_clean(user, exclude=["password"])
    user.save()
    return user


@transaction.atomic
def user_update(
    *, user: User, display_name: str | None = None, preferred_language: str | None = None
) -> User:
    require_plain_text(display_name=display_name)
    if display_name is not None:
        user.display_name = display_name
    if preferred_language is not None:
        user.preferred_language = preferred_language
    full_clean(user, exclude=["password"])
    user.save(update_fields=["display_name", "preferred_language"])
    return user


@transaction.atomic
def user_change_password(*, user: User, current_password: str, new_password: str) -> User:
    if not user.check_password(current_password):
        raise ValidationFailed(
            _("The current password is wrong."),
            code="wrong_password",
            fields={"current_password": [_("The current password is wrong.")]},
        )
    _validate_password(new_password, user=user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    # A changed password signs out every other device: their refresh tokens stop working.
    user_revoke_all_refresh_tokens(user=user)
    return user


def user_revoke_all_refresh_tokens(*, user: User) -> int:
    outstanding = OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False)
    revoked = [BlacklistedToken(token=token) for token in outstanding]
    BlacklistedToken.objects.bulk_create(revoked, ignore_conflicts=True)
    return len(revoked)


def user_logout(*, refresh: str) -> None:
    """Revoke a refresh token so it can never be used again."""
    try:
        token = RefreshToken(refresh)
    except TokenError as exc:
        raise NotAuthenticated(
            _("The refresh token is invalid, expired or revoked."), code="token_not_valid"
        ) from exc
    token.blacklist()


@transaction.atomic
def user_erase(*, user: User, password: str) -> None:
    """Erase the account for good (GDPR art. 17), confirmed with its password (400
    `wrong_password`, and nothing changes). The apps above may refuse through
    `signals.erasure_requested` (the directory: 409 `last_owner`).

    Deleting the row takes with it what belongs to the person (its foreign keys cascade:
    devices, notifications and preferences, favorites, registrations, memberships, the
    matching profile, recommendations and feedback, the calendar feed); rows that belong to
    others keep their content and lose the link (null: reports and their resolution,
    collections and indicators made, the audit trail's authors, an activity's greeter).
    Before the row goes, `pre_delete` receivers act, so that the Django admin's deletion does
    the same: `user_erasing` below; the directory's (`activities.receivers`), which cancels
    the resident's upcoming registrations through the registration services so each seat held
    is offered to the next waitlisted resident; the notifications room's, which takes the
    notices naming the newcomer out of greeters' inboxes."""
    if not user.check_password(password):
        raise ValidationFailed(
            _("The password is wrong."),
            code="wrong_password",
            fields={"password": [_("The password is wrong.")]},
        )
    signals.erasure_requested.send(sender=User, user=user)
    user.delete()


def user_erasing(*, user: User) -> None:
    """What an account's deletion needs beyond its foreign keys, whatever deletes it (run by a
    `pre_delete` receiver): its refresh tokens revoked (the revocation is checked before the
    account is looked up, so a refresh is a 401), the admin's log entries that name it
    removed, and references the database does not follow (`DO_NOTHING`, as the audit trail's
    copies of past rows hold) set to null."""
    user_revoke_all_refresh_tokens(user=user)
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk)
    ).delete()
    for relation in User._meta.get_fields(include_hidden=True):
        field = getattr(relation, "field", None)
        if (
            relation.auto_created
            and not relation.concrete
            and field is not None
            and field.remote_field.on_delete is models.DO_NOTHING
            and field.null
        ):
            relation.related_model._base_manager.filter(**{field.name: user.pk}).update(
                **{field.name: None}
            )
