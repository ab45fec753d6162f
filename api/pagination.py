import base64
import binascii
import json

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param

from activities.search.keyset import invalid_cursor


def page_size_of(request: Request) -> int:
    """The client's `page_size`, from 1 to the maximum (default otherwise).

    A page size over the maximum is refused (400) rather than silently capped, so a client
    never believes it holds everything when it does not.
    """
    raw = request.query_params.get("page_size")
    if raw is None:
        return settings.API_PAGE_SIZE
    try:
        size = int(raw)
    except ValueError:
        size = 0
    if not 1 <= size <= settings.API_MAX_PAGE_SIZE:
        raise ValidationError(
            {
                "page_size": [
                    _("Must be an integer between 1 and %(max)d.")
                    % {"max": settings.API_MAX_PAGE_SIZE}
                ]
            }
        )
    return size


class CursorPagination(pagination.CursorPagination):
    """Cursor pagination with a client-chosen, bounded page size."""

    page_size = settings.API_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = settings.API_MAX_PAGE_SIZE
    ordering = "-id"

    def get_ordering(self, request, queryset, view):
        # Each list view names a stable ordering ending with a unique field.
        ordering = getattr(view, "cursor_ordering", self.ordering)
        return (ordering,) if isinstance(ordering, str) else tuple(ordering)

    def get_page_size(self, request):
        return page_size_of(request)

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        """DRF's cursor, or 400 `invalid_cursor` (DRF answers 404) when it was not made by the
        server: undecodable, or a position that is no value of the ordering's first field
        (which the database would choke on). An empty `cursor=` is the first page, as in the
        search's lists."""
        if not request.query_params.get(self.cursor_query_param):
            return None
        try:
            cursor = super().decode_cursor(request)
        except NotFound as error:
            raise invalid_cursor() from error
        if cursor is not None and cursor.position is not None:
            self._check_position(cursor.position)
        return cursor

    def _check_position(self, position: str) -> None:
        try:
            field = self._model._meta.get_field(self.ordering[0].lstrip("-"))
        except (AttributeError, FieldDoesNotExist):
            return
        try:
            field.run_validators(field.to_python(position))
        except (DjangoValidationError, ValueError, TypeError, OverflowError) as error:
            raise invalid_cursor() from error


class KeysetCursor:
    """Forward pages cut by the sort key of the last row (the search's `after`).

    The cursor is opaque to clients: the ordering and the key, in URL-safe base64 JSON. A
    cursor made for another ordering, or tampered with, is a 400.
    """

    param = "cursor"

    def __init__(self, request: Request, ordering: str):
        self.request, self.ordering = request, ordering
        self.page_size = page_size_of(request)

    def after(self) -> list | None:
        raw = self.request.query_params.get(self.param)
        if not raw:
            return None
        try:
            ordering, after = json.loads(base64.urlsafe_b64decode(raw.encode("ascii")))
        except (ValueError, TypeError, UnicodeError, binascii.Error, RecursionError):
            ordering, after = None, None
        if ordering != self.ordering or not isinstance(after, list) or not after:
            raise invalid_cursor()
        return after

    def next_link(self, after: list | None) -> str | None:
        if after is None:
            return None
        url = self.request.build_absolute_uri()
        token = base64.urlsafe_b64encode(json.dumps([self.ordering, after]).encode()).decode()
        return replace_query_param(url, self.param, token)

    def body(self, results: list, after: list | None) -> dict:
        return {"next": self.next_link(after), "previous": None, "results": results}
