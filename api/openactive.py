"""OpenActive RPDE feeds of the published directory (SessionSeries and ScheduledSession),
and an activity's schema.org JSON-LD.

The feeds follow RPDE 1.0's "modified timestamp and ID" ordering (`interop.exports.rpde`):
a harvester starts at the feed's address, follows `next` until a page has no items (whose
`next` is its own query again), then polls that address. Cache headers as the RPDE spec
recommends: a page with items never changes (an hour in any cache), the last page changes
as soon as anything does (8 seconds).

The JSON-LD has its own address (`activities/{id}/jsonld/`) rather than a second media
type of the activity's detail: one operation answers one schema, which the OpenAPI document
states exactly and a generated client types as it is, and caches need no `Vary: Accept`.
"""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from activities import selectors as activity_selectors
from api.renderers import FastJSONRenderer
from api.serializers import validated_query
from interop.exports import openactive, rpde
from interop.exports import selectors as export_selectors

# RPDE recommends pages of at least 500 items; an item is a few hundred bytes.
PAGE_SIZE = 500
JSONLD_TYPE = "application/ld+json"
# How many upcoming sessions an activity's JSON-LD lists as sub-events.
NEXT_SESSIONS = 10


def _base(request: Request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


class FeedQuerySerializer(serializers.Serializer):
    afterTimestamp = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=rpde.MAX_TIMESTAMP,
        help_text="The `modified` of the last item already read (with `afterId`).",
    )
    afterId = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=2**63 - 1,
        help_text="The `id` of the last item already read (with `afterTimestamp`).",
    )

    def validate(self, attrs):
        if ("afterTimestamp" in attrs) != ("afterId" in attrs):
            missing = "afterId" if "afterTimestamp" in attrs else "afterTimestamp"
            raise serializers.ValidationError(
                {missing: [_("afterTimestamp and afterId go together.")]}
            )
        return attrs


def _feed_schema(kind: str) -> dict:
    return {
        "type": "object",
        "description": "An RPDE 1.0 page.",
        "properties": {
            "next": {
                "type": "string",
                "format": "uri",
                "description": "The next page; on the last page (no items), this page again.",
            },
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "state": {"type": "string", "enum": ["updated", "deleted"]},
                        "kind": {"type": "string", "enum": [kind]},
                        "id": {"type": "integer"},
                        "modified": {
                            "type": "integer",
                            "description": "Last change, microseconds since the epoch.",
                        },
                        "data": {
                            "type": "object",
                            "description": f"The OpenActive {kind} (updated items only).",
                            "additionalProperties": True,
                        },
                    },
                    "required": ["state", "kind", "id", "modified"],
                },
            },
            "license": {"type": "string", "format": "uri"},
        },
        "required": ["next", "items", "license"],
    }


class RpdeFeedApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    renderer_classes = [FastJSONRenderer]

    def page(self, *, after, size: int, base: str) -> rpde.Page:
        raise NotImplementedError

    def get(self, request: Request) -> Response:
        params = validated_query(FeedQuerySerializer, request)
        after = None
        if "afterTimestamp" in params:
            after = (params["afterTimestamp"], params["afterId"])
        page = self.page(after=after, size=PAGE_SIZE, base=_base(request))
        url = request.build_absolute_uri()
        if page.next_after is not None:
            url = replace_query_param(url, "afterTimestamp", page.next_after[0])
            url = replace_query_param(url, "afterId", page.next_after[1])
        response = Response({"next": url, "items": page.items, "license": rpde.LICENSE})
        response["Cache-Control"] = f"public, max-age={3600 if page.items else 8}"
        return response


_FEED_DESCRIPTION = (
    "RPDE 1.0 feed, ordered by `modified` then `id` (`afterTimestamp` and `afterId` name the "
    "last item read; follow `next`). Items `updated` carry `data`; `deleted` items have "
    "none. Public, published data only."
)


class SessionSeriesFeedApi(RpdeFeedApi):
    @extend_schema(
        tags=["openactive"],
        operation_id="openactive_session_series",
        summary="SessionSeries feed (OpenActive RPDE)",
        description=_FEED_DESCRIPTION
        + " One item per activity; an activity archived, withdrawn or sent back to draft "
        "is a deleted item.",
        parameters=[FeedQuerySerializer],
        responses={200: OpenApiResponse(response=_feed_schema(rpde.KIND_SERIES))},
    )
    def get(self, request: Request) -> Response:
        return super().get(request)

    def page(self, *, after, size: int, base: str) -> rpde.Page:
        return rpde.session_series_page(after=after, size=size, base=base)


class ScheduledSessionFeedApi(RpdeFeedApi):
    @extend_schema(
        tags=["openactive"],
        operation_id="openactive_scheduled_sessions",
        summary="ScheduledSession feed (OpenActive RPDE)",
        description=_FEED_DESCRIPTION
        + " One item per session; a cancelled session, or one of an activity that left the "
        "directory, is a deleted item.",
        parameters=[FeedQuerySerializer],
        responses={200: OpenApiResponse(response=_feed_schema(rpde.KIND_SESSION))},
    )
    def get(self, request: Request) -> Response:
        return super().get(request)

    def page(self, *, after, size: int, base: str) -> rpde.Page:
        return rpde.scheduled_sessions_page(after=after, size=size, base=base)


class JsonLdRenderer(JSONRenderer):
    media_type = JSONLD_TYPE
    format = "jsonld"


class ActivityJsonLdApi(APIView):
    renderer_classes = [JsonLdRenderer, FastJSONRenderer]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and response.status_code >= 400:
            # Errors in the one JSON shape, as every operation documents them.
            response.accepted_renderer = FastJSONRenderer()
            response.accepted_media_type = "application/json"
        return response

    @extend_schema(
        tags=["activities"],
        operation_id="activities_jsonld_retrieve",
        summary="An activity as schema.org JSON-LD",
        description=(
            "An `EventSeries` (its schedules as `eventSchedule`, its next sessions as "
            "`subEvent` Events with local `startDate`/`endDate` and their UTC offset), for "
            "pages and search engines. Anyone reads a published activity's, its "
            "organization's editors any of theirs; 404 otherwise, as for the activity."
        ),
        responses={
            (200, JSONLD_TYPE): OpenApiResponse(
                response=OpenApiTypes.OBJECT, description="schema.org JSON-LD (EventSeries)."
            )
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        activity = get_object_or_404(
            activity_selectors.activity_list(user=request.user).prefetch_related("schedules"),
            pk=pk,
        )
        sessions = export_selectors.upcoming_sessions(
            activity=activity, now=timezone.now(), limit=NEXT_SESSIONS
        )
        body = openactive.event_series(activity, sessions, base=_base(request))
        return Response(body, content_type=JSONLD_TYPE)
