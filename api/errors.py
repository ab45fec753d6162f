"""The one error shape of the API: `{"error": {"code", "message", "fields"}}`.

Every failure reaches the client in this shape: domain errors raised by services, Django
validation errors, DRF errors (parse, auth, permission, 404, 405, throttling) and, as a last
resort, unexpected exceptions (logged, answered with a 500 that reveals nothing internal).
"""

import logging
import math
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from backend.errors import NON_FIELD_KEY, ApplicationError
from backend.validation import from_django, validation_failed

logger = logging.getLogger("relier.api")


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict:
    return {"error": {"code": code, "message": str(message), "fields": fields or {}}}


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error detail into {"dotted.field.path": [messages]}."""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if not prefix and key in ("non_field_errors", "__all__"):
                path = NON_FIELD_KEY
            out.update(_flatten(value, path))
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return {prefix or NON_FIELD_KEY: [str(item) for item in detail]}
        out = {}
        for index, item in enumerate(detail):
            if item:
                out.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
        return out
    return {prefix or NON_FIELD_KEY: [str(detail)]}


def _first_code(detail: Any, default: str) -> str:
    codes = detail.get_codes() if hasattr(detail, "get_codes") else None
    while isinstance(codes, dict | list) and codes:
        codes = next(iter(codes.values())) if isinstance(codes, dict) else codes[0]
    return codes if isinstance(codes, str) else default


def exception_handler(exc: Exception, context: dict) -> Response:
    headers: dict[str, str] = {}
    if isinstance(exc, DjangoValidationError):
        exc = from_django(exc)
    elif isinstance(exc, exceptions.ValidationError):
        exc = validation_failed(_flatten(exc.detail), code=_first_code(exc, "invalid"))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, ApplicationError):
        return Response(
            error_body(exc.code, exc.message, exc.fields) | exc.extra, status=exc.status_code
        )
    if isinstance(exc, exceptions.APIException):
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            headers["Retry-After"] = str(max(1, math.ceil(exc.wait)))
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        detail = exc.detail
        message = detail.get("detail", "") if isinstance(detail, dict) else detail
        code = exc.get_codes()
        if isinstance(code, dict):
            code = code.get("code") or code.get("detail") or exc.default_code
        return Response(
            error_body(str(code), str(message)), status=exc.status_code, headers=headers
        )

    request = context.get("request")
    logger.exception("Unhandled error on %s", getattr(request, "path", "?"), exc_info=exc)
    return Response(
        error_body("server_error", _("An unexpected error occurred. It has been logged.")),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


def _json_error(status_code: int, code: str, message: str) -> JsonResponse:
    response = JsonResponse(error_body(code, message), status=status_code)
    response["Cache-Control"] = "no-store"
    return response


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """Django's handler404 and the API's catch-all route."""
    return _json_error(404, "not_found", _("Nothing is found at this address."))


def server_error(request: HttpRequest) -> JsonResponse:
    return _json_error(500, "server_error", _("An unexpected error occurred. It has been logged."))


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _json_error(400, "bad_request", _("The request is malformed."))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _json_error(403, "permission_denied", _("You are not allowed to do this."))
