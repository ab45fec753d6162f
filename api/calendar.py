"""Calendar feeds (iCalendar, RFC 5545): an activity's sessions, and a resident's private,
revocable address listing the sessions they registered for.

The .ics answers are `text/calendar` whatever the client's Accept header says (calendar apps
send anything from `*/*` to `text/calendar` alone); their errors stay JSON in the one error
shape. Their ETag comes from `ConditionalGetMiddleware`, as for every GET of the API: every
event's DTSTAMP is when its data last changed, so the same data gives the same bytes and a
client's `If-None-Match` a 304.
"""

import datetime

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from activities import selectors as activity_selectors
from activities.models import Activity
from api.renderers import FastJSONRenderer
from api.schema import ERROR_DESCRIPTIONS, ERROR_REF
from api.serializers import InputSerializer
from backend.errors import NotFound
from interop import calendars, services
from interop import selectors as interop_selectors
from interop.models import CalendarFeed

CALENDAR_TYPE = "text/calendar"
JSON_TYPE = "application/json"
# How often a subscribed calendar app should fetch the resident's feed again.
FEED_REFRESH = datetime.timedelta(hours=1)


class CalendarRenderer(BaseRenderer):
    media_type = CALENDAR_TYPE
    format = "ics"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return data


class CalendarNegotiation(BaseContentNegotiation):
    """The view's first renderer, whatever the Accept header: never a 406 for a calendar app
    that asks for text/calendar only, nor for one that asks for anything else."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class CalendarApiView(APIView):
    """An .ics answer on success, a JSON error otherwise (the one renderer the view names is
    the calendar's, so the document offers no other format)."""

    renderer_classes = [CalendarRenderer]
    content_negotiation_class = CalendarNegotiation

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and response.status_code >= 400:
            response.accepted_renderer = FastJSONRenderer()
            response.accepted_media_type = JSON_TYPE
        return response


def calendar_errors(*codes: int) -> dict:
    """Error answers of an .ics operation: JSON in the one shape, beside its text/calendar."""
    return {
        (code, JSON_TYPE): OpenApiResponse(response=ERROR_REF, description=description)
        for code, description in ((code, ERROR_DESCRIPTIONS[code]) for code in codes)
    }


def _uid_domain(request: Request) -> str:
    return request.get_host().split(":")[0]


def _activity_url(request: Request, activity: Activity) -> str:
    return request.build_absolute_uri(reverse("api:activity-detail", args=[activity.pk]))


# --- an activity's calendar -----------------------------------------------------------------


ICS_RESPONSE = OpenApiResponse(
    response=OpenApiTypes.STR, description="An iCalendar document (VCALENDAR)."
)


class ActivityCalendarApi(CalendarApiView):
    @extend_schema(
        tags=["calendar"],
        operation_id="activities_calendar_retrieve",
        summary="An activity's calendar (iCalendar)",
        description=(
            "RFC 5545: one recurring event per schedule (its RRULE, one-off dates as RDATE, "
            "skipped days as EXDATE, local times with a VTIMEZONE, so a weekly 14:00 stays "
            "14:00 across clock changes); a session edited or cancelled on its own overrides "
            "its slot (RECURRENCE-ID; cancelled: STATUS:CANCELLED). Anyone reads a published "
            "activity's calendar, its organization's editors any of theirs; 404 otherwise, as "
            "for the activity. ETag: `If-None-Match` answers 304 while nothing changed."
        ),
        parameters=[
            OpenApiParameter("id", int, OpenApiParameter.PATH, description="The activity's id."),
        ],
        responses={(200, CALENDAR_TYPE): ICS_RESPONSE, **calendar_errors(404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        activity = get_object_or_404(
            activity_selectors.activity_list(user=request.user).select_related("place"), pk=pk
        )
        body = calendars.activity_ics(
            activity=activity,
            uid_domain=_uid_domain(request),
            url=_activity_url(request, activity),
        )
        return Response(body, content_type=f"{CALENDAR_TYPE}; charset=utf-8")


# --- a resident's calendar feed -------------------------------------------------------------


class CalendarFeedSerializer(serializers.Serializer):
    url = serializers.URLField(
        help_text=(
            "The private address of the feed: whoever has it reads the sessions you "
            "registered for. Rotate it if it leaked."
        )
    )
    webcal_url = serializers.CharField(
        help_text="The same address as `webcal://`, which phones open in their calendar app."
    )
    issued_at = serializers.DateTimeField(help_text="When this address was issued.")


def _feed_answer(request: Request, feed: CalendarFeed, token: str) -> dict:
    url = request.build_absolute_uri(reverse("api:calendar-feed-ics", args=[token]))
    return CalendarFeedSerializer(
        {
            "url": url,
            "webcal_url": "webcal://" + url.split("://", 1)[1],
            "issued_at": feed.issued_at,
        }
    ).data


class RotateInputSerializer(InputSerializer):
    """Rotating takes no field."""


class CalendarFeedApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["calendar"],
        summary="The address of my calendar feed",
        description=(
            "Issued on first read, then the same address until rotated or revoked. Subscribe "
            "to it in a calendar app: it lists the sessions you are going to or are offered "
            "a seat at, with no header to send."
        ),
        responses=CalendarFeedSerializer,
    )
    def get(self, request: Request) -> Response:
        feed, token = services.calendar_feed_issue(user=request.user)
        return Response(_feed_answer(request, feed, token))

    @extend_schema(
        tags=["calendar"],
        summary="Revoke my calendar feed",
        description=(
            "Its address answers 404 at once; reading this resource again issues a new one."
        ),
        responses={204: None},
    )
    def delete(self, request: Request) -> Response:
        services.calendar_feed_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(
    tags=["calendar"],
    summary="A new address for my calendar feed",
    description="The previous address answers 404 at once.",
    request=None,
    responses=CalendarFeedSerializer,
)
class CalendarFeedRotateApi(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request: Request) -> Response:
        RotateInputSerializer(data=request.data).is_valid(raise_exception=True)
        feed, token = services.calendar_feed_rotate(user=request.user)
        return Response(_feed_answer(request, feed, token))


class CalendarFeedIcsApi(CalendarApiView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["calendar"],
        operation_id="calendar_feed_ics_retrieve",
        summary="My calendar feed (iCalendar, by its private address)",
        description=(
            "The address `me/calendar-feed/` gives; no Authorization header (calendar apps "
            "cannot send one). The sessions the resident is going to (CONFIRMED) or is "
            "offered a seat at (TENTATIVE), in the resident's language; a cancelled session "
            "stays, STATUS:CANCELLED. A rotated, revoked or unknown address: 404."
        ),
        parameters=[
            OpenApiParameter(
                "token", str, OpenApiParameter.PATH, description="The feed's secret token."
            ),
        ],
        responses={(200, CALENDAR_TYPE): ICS_RESPONSE, **calendar_errors(404)},
    )
    def get(self, request: Request, token: str) -> Response:
        feed = interop_selectors.calendar_feed_by_token(token=token)
        if feed is None:
            raise NotFound(_("No calendar feed has this address."))
        user = feed.user
        with translation.override(user.preferred_language or translation.get_language()):
            body = calendars.registrations_ics(
                user=user,
                uid_domain=_uid_domain(request),
                url_of=lambda activity: _activity_url(request, activity),
                refresh=FEED_REFRESH,
            )
        response = Response(body, content_type=f"{CALENDAR_TYPE}; charset=utf-8")
        # The address is the credential: no shared cache keeps what it opens.
        response["Cache-Control"] = "private"
        return response
