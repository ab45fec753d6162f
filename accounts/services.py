"""Every write to accounts: registration, profile edits, password change, logout."""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

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
