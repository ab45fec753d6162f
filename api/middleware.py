import io
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from rest_framework import exceptions

from api.errors import error_response
from api.parsers import RequestTooLarge, nul_refused

API_PREFIX = "/api/"


class VaryOnAuthorizationMiddleware:
    """API answers depend on who asks: caches (and ETags) must keep them apart."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(API_PREFIX):
            patch_vary_headers(response, ("Authorization",))
        return response


class LengthRequired(exceptions.APIException):
    status_code = 411
    default_code = "length_required"

    def __init__(self):
        super().__init__(_("Send the body with a Content-Length header."))


class ApiRequestMiddleware:
    """The size of an API request's body, checked before anything reads it.

    A declared `Content-Length` over `DATA_UPLOAD_MAX_MEMORY_SIZE` is a 413 at once. A chunked
    body (no `Content-Length`) is read here, up to the same limit, when the server has
    decoded the chunks (gunicorn says so with `wsgi.input_terminated`); Django itself would
    read such a body as empty, so a write would silently change nothing. A server that cannot
    decode chunks (`runserver`) gets a 411 instead. Runs after the locale is chosen, so the
    answers are in the reader's language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(API_PREFIX):
            refused = self._refuse_query(request) or self._refuse_body(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    def _refuse_query(self, request):
        """A query parameter holding NUL is a 400 naming it, as in a body (api.parsers)."""
        query = request.META.get("QUERY_STRING", "")
        if "%00" not in query and "\x00" not in query:
            return None
        names = [
            key or "non_field_errors"
            for key, value in parse_qsl(query, keep_blank_values=True)
            if "\x00" in key or "\x00" in value
        ]
        return error_response(nul_refused(names)) if names else None

    def _refuse_body(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        declared = request.META.get("CONTENT_LENGTH")
        if declared:
            try:
                too_large = int(declared) > limit
            except ValueError:
                return error_response(exceptions.ParseError(_("Invalid Content-Length.")))
            return error_response(RequestTooLarge()) if too_large else None
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        if not chunked:
            return None
        if not request.META.get("wsgi.input_terminated"):
            return error_response(LengthRequired())
        body = request.META["wsgi.input"].read(limit + 1)
        if len(body) > limit:
            return error_response(RequestTooLarge())
        request.META["CONTENT_LENGTH"] = str(len(body))
        request._stream = LimitedStream(io.BytesIO(body), len(body))
        return None
