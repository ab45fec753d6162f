"""Django's `ValidationError` turned into the domain's `ValidationFailed`, in one place.

Services validate with `full_clean()` and raise only domain errors; this module is where the
one becomes the other, so every app (accounts, activities, matching) reports invalid input in
the same shape and with the same message.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.translation import gettext as _

from backend.errors import NON_FIELD_KEY, ValidationFailed


def validation_failed(fields: dict[str, list[str]], *, code: str = "invalid") -> ValidationFailed:
    """The error for input refused field by field; the message sums it up."""
    message = _("Some fields are invalid.")
    if list(fields) == [NON_FIELD_KEY]:
        message = fields[NON_FIELD_KEY][0]
    return ValidationFailed(message, code=code, fields=fields)


def from_django(error: ValidationError) -> ValidationFailed:
    """A Django `ValidationError` (from `full_clean()` or a validator) as a domain error."""
    if not hasattr(error, "error_dict"):
        return validation_failed({NON_FIELD_KEY: list(error.messages)}, code=_code(error))
    fields = {
        NON_FIELD_KEY if name == "__all__" else name: list(ValidationError(errors).messages)
        for name, errors in error.error_dict.items()
    }
    first = next(iter(error.error_dict.values()))
    return validation_failed(fields, code=_code(ValidationError(first)))


def _code(error: ValidationError) -> str:
    for item in error.error_list:
        return item.code or "invalid"
    return "invalid"


def full_clean(
    instance: Model, *, exclude: Iterable[str] | None = None, database: bool = True
) -> None:
    """`instance.full_clean()`, raising `ValidationFailed` instead of Django's error.

    `database=False` checks only what needs no query: the fields and `clean()`, but neither
    that related rows exist nor the uniqueness and check constraints (each a query). It is
    for rows written in bulk, whose relations the caller holds and whose constraints the
    database enforces on insert."""
    exclude = set(exclude or ())
    if not database:
        exclude |= {field.name for field in instance._meta.concrete_fields if field.is_relation}
    try:
        instance.full_clean(
            exclude=exclude, validate_unique=database, validate_constraints=database
        )
    except ValidationError as error:
        raise from_django(error) from error
