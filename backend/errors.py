"""Domain errors raised by services and turned into the one API error shape by `api.errors`.

Domain apps raise these (never DRF exceptions), so the same rules hold for the API, the
Celery tasks and the management commands.
"""

from typing import Any

# The key of the messages that concern no single input field (Django's `__all__`).
NON_FIELD_KEY = "non_field_errors"


class ApplicationError(Exception):
    """A request that the domain refuses. `fields` maps input field names to messages."""

    status_code = 400
    default_code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
        extra: dict[str, Any] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.fields = fields or {}
        self.extra = extra or {}


class ValidationFailed(ApplicationError):
    status_code = 400
    default_code = "invalid"


class NotAuthenticated(ApplicationError):
    status_code = 401
    default_code = "not_authenticated"


class PermissionDenied(ApplicationError):
    status_code = 403
    default_code = "permission_denied"


class NotFound(ApplicationError):
    status_code = 404
    default_code = "not_found"


class Conflict(ApplicationError):
    status_code = 409
    default_code = "conflict"
