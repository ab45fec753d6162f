"""The one error shape of the API: `{"error": {"code", "message", "fields"}}`.

Every failure reaches the client in this shape: domain errors raised by services, Django
validation errors, DRF errors (parse, auth, permission, 404, 405, throttling) and, as a last
resort, unexpected exceptions (logged, answered with a 500 that reveals nothing internal).
"""

import logging
import math
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response

from api import link_page
from api.parsers import RequestTooLarge
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


def _error_of(exc: Exception, request: Any = None) -> tuple[int, dict, dict[str, str]]:
    """Any exception as (status, body in the one shape, headers)."""
    headers: dict[str, str] = {}
    if isinstance(exc, DjangoValidationError):
        exc = from_django(exc)
    elif isinstance(exc, exceptions.ValidationError):
        exc = validation_failed(_flatten(exc.detail), code=_first_code(exc, "invalid"))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    elif isinstance(exc, SuspiciousOperation):
        # Too many query parameters or form fields, a forged header: Django's own 400.
        exc = exceptions.ParseError(_("The request is malformed."), code="bad_request")

    if isinstance(exc, ApplicationError):
        body = error_body(exc.code, exc.message, exc.fields) | exc.extra
        return exc.status_code, body, headers
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
        return exc.status_code, error_body(str(code), str(message)), headers

    logger.exception("Unhandled error on %s", getattr(request, "path", "?"), exc_info=exc)
    message = _("An unexpected error occurred. It has been logged.")
    return status.HTTP_500_INTERNAL_SERVER_ERROR, error_body("server_error", message), headers


def exception_handler(exc: Exception, context: dict) -> Response:
    """DRF's exception handler: every error of a view, in the one shape."""
    status_code, body, headers = _error_of(exc, context.get("request"))
    return Response(body, status=status_code, headers=headers)


def error_response(exc: Exception) -> JsonResponse:
    """The same answer outside DRF's views (middleware, Django's own error handlers)."""
    status_code, body, headers = _error_of(exc)
    response = JsonResponse(body, status=status_code, headers=headers)
    response["Cache-Control"] = "no-store"
    return response


def _json_error(status_code: int, code: str, message: str) -> JsonResponse:
    response = JsonResponse(error_body(code, message), status=status_code)
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """Django's handler404 and the API's catch-all route, whatever the method (the API takes
    no cookie sessions, so no CSRF check: a POST to a wrong path is a 404, not a 403)."""
    if not request.path.endswith("/") and _is_an_api_route(f"{request.path}/"):
        message = _("Nothing is found at this address. The API's paths end with a slash: %(path)s")
        return _json_error(404, "not_found", message % {"path": f"{request.path}/"})
    return _json_error(404, "not_found", _("Nothing is found at this address."))


def _is_an_api_route(path: str) -> bool:
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return match.func is not not_found


def server_error(request: HttpRequest) -> JsonResponse:
    return _json_error(500, "server_error", _("An unexpected error occurred. It has been logged."))


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    if isinstance(exception, RequestDataTooBig):
        return error_response(exception)
    return _json_error(400, "bad_request", _("The request is malformed."))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _json_error(403, "permission_denied", _("You are not allowed to do this."))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: in the error shape under /api/, on the page's look for a referred
    person's page (/s/), Django's page elsewhere (the admin)."""
    if request.path.startswith("/api/"):
        return permission_denied(request)
    if request.path.startswith("/s/"):
        return link_page.csrf_refused(request)
    return django_csrf_failure(request, reason=reason)
