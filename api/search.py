"""Search: activities and sessions, the parameters they share, offline sync's tombstones."""

import dataclasses
import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from activities import choices, selectors
from activities.filters import ORDERINGS, SearchParams
from activities.models import ActivityTombstone, Occurrence
from api.activities import ActivitySerializer
from api.back_office import BACK_OFFICE_PARAMETERS, ActivityCreateApi, MyActivityListApi
from api.cards import ActivityCardSerializer, activity_card, render_datetime
from api.pagination import KeysetCursor
from backend.errors import ValidationFailed
from backend.validation import validation_failed
from curation.models import Collection
from curation.selectors.collections import collection_activity_ids


class TombstoneSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="activity_id")

    class Meta:
        model = ActivityTombstone
        fields = ["id", "removed_at", "reason"]


def search_page(name: str, card: serializers.Serializer, **extra) -> serializers.Serializer:
    """The documented envelope of a search page (keyset cursor: `previous` is always null)."""
    return inline_serializer(
        name,
        fields={
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": card,
            **extra,
        },
    )


SEARCH_PARAMETERS = [
    OpenApiParameter("q", description="Words; French stemming, accents and typos tolerated."),
    OpenApiParameter("lat", float, description="Latitude of the point searched around."),
    OpenApiParameter("lng", float, description="Longitude of the point searched around."),
    OpenApiParameter("radius_km", float, description="0 to 200, default 10 (needs lat, lng)."),
    OpenApiParameter(
        "category", many=True, description="Category slugs; a top category includes its children."
    ),
    OpenApiParameter("kind", many=True, enum=choices.ActivityKind.values),
    OpenApiParameter(
        "audience",
        many=True,
        enum=choices.Audience.values,
        description="Activities for these audiences; activities for everyone always match.",
    ),
    OpenApiParameter("attendance_mode", many=True, enum=choices.AttendanceMode.values),
    OpenApiParameter(
        "day", many=True, enum=list(choices.WEEKDAYS), description="Has sessions on these days."
    ),
    OpenApiParameter(
        "part_of_day",
        many=True,
        enum=choices.PartOfDay.values,
        description="Morning before 12:00, afternoon 12:00-18:00, evening after (Paris time).",
    ),
    OpenApiParameter("starts_after", datetime.datetime, description="Has a session from then."),
    OpenApiParameter("starts_before", datetime.datetime, description="Has a session before then."),
    OpenApiParameter("free", bool),
    OpenApiParameter(
        "wheelchair",
        enum=["partial", "full"],
        description="Venue access at least this; online, phone and at-home activities match.",
    ),
    OpenApiParameter("accessibility", many=True, enum=list(choices.ACCESSIBILITY_FLAGS)),
    OpenApiParameter("language", many=True, description="ISO 639 codes (any of them)."),
    OpenApiParameter("age", int, description="Activities open to this age."),
    OpenApiParameter("organization", description="Organization slug."),
    OpenApiParameter(
        "territory", description="INSEE code; an EPCI or département includes its communes."
    ),
    OpenApiParameter(
        "collection",
        description=(
            "Slug of a published collection: only its activities (an unknown slug is a 400)."
        ),
    ),
    OpenApiParameter(
        "updated_since",
        datetime.datetime,
        description=(
            "Offline sync: what changed after this time, oldest first, with `tombstones` for "
            "activities removed since."
        ),
    ),
    OpenApiParameter("ordering", enum=list(ORDERINGS)),
    OpenApiParameter(
        "cursor", description="The `next` link's cursor: the page after the last row seen."
    ),
    OpenApiParameter("page_size", int),  # bounds and description: api.schema
]


# Required when present: `collection=` empty is a client's bug, not "no collection".
_COLLECTION = forms.SlugField(
    max_length=Collection._meta.get_field("slug").max_length,
    error_messages={"required": _("Give a collection's slug, or leave the parameter out.")},
)


def _collection_activities(raw: str) -> list[int]:
    slug = _COLLECTION.clean(raw)
    ids = collection_activity_ids(slug=slug)
    if ids is None:
        raise ValidationError(_("No published collection has this slug."), code="not_found")
    return ids


def search_params(query) -> SearchParams:
    """The search's parameters, with `collection` resolved here to its activities (the
    directory does not know collections) and passed on as a plain restriction. Every bad
    parameter is named in one 400."""
    errors: dict[str, list[str]] = {}
    activity_ids = None
    if "collection" in query:
        try:
            activity_ids = _collection_activities(query.getlist("collection")[-1])
        except ValidationError as error:
            errors["collection"] = error.messages
    try:
        params = SearchParams.parse(query)
    except ValidationFailed as error:
        raise validation_failed({**error.fields, **errors}) from error
    if errors:
        raise validation_failed(errors)
    if activity_ids is None:
        return params
    return dataclasses.replace(params, activity_ids=tuple(activity_ids))


ACTIVITY_SEARCH_PAGE = search_page(
    "ActivitySearchPage",
    ActivityCardSerializer(many=True),
    tombstones=TombstoneSerializer(many=True, required=False),
)


class ActivitySearchApi(APIView):
    @extend_schema(
        operation_id="activities_search",
        tags=["activities"],
        summary="Search activities",
        description=(
            "Published activities that have upcoming sessions. Every parameter combines with "
            "the others (AND); repeatable parameters also accept comma-separated values and "
            "match any of their values. Each result carries its next three sessions and, when "
            "a point is given, `distance_km`. Default order: nearest first with a point, best "
            "match with `q`, otherwise most recently updated."
        ),
        parameters=SEARCH_PARAMETERS,
        responses=ACTIVITY_SEARCH_PAGE,
    )
    def get(self, request: Request) -> Response:
        params = search_params(request.query_params)
        cursor = KeysetCursor(request, params.effective_ordering)
        after = cursor.after()
        page = selectors.activity_search(params=params, after=after, size=cursor.page_size)
        body = cursor.body([activity_card(row) for row in page.rows], page.after)
        if params.updated_since is not None and after is None:
            tombstones = selectors.activity_tombstones(since=params.updated_since)
            body["tombstones"] = TombstoneSerializer(tombstones, many=True).data
        return Response(body)


_back_office = MyActivityListApi.as_view()


@extend_schema_view(
    get=extend_schema(
        parameters=[
            OpenApiParameter(
                "mine",
                bool,
                deprecated=True,
                description=(
                    "Answers as `me/activities/`: every activity of the organizations the "
                    "signed-in user edits, any status (with `organization` and `status`)."
                ),
            ),
            *(p for p in BACK_OFFICE_PARAMETERS if p.name == "status"),
        ],
        # The search's page, or with `mine` the back office's (api.schema makes it anyOf:
        # an empty page is both).
        responses=PolymorphicProxySerializer(
            component_name="ActivityCollectionPage",
            serializers=[
                ACTIVITY_SEARCH_PAGE,
                search_page("MyActivityPage", ActivitySerializer(many=True)),
            ],
            resource_type_field_name=None,
        ),
    )
)
class ActivityCollectionApi(ActivitySearchApi, ActivityCreateApi):
    """`activities/`: the search (GET) and the creation (POST) share the collection's URL, each
    in its own view. `?mine` answers as `me/activities/`, the back office's list, which it was
    before that path existed."""

    def dispatch(self, request, *args, **kwargs):
        if request.method == "GET" and request.GET.get("mine") in ("1", "true"):
            # The back office's list applies none of the search's parameters, but they keep
            # their rules: with a bad one, the search answers its 400.
            try:
                search_params(request.GET)
            except ValidationFailed:
                pass
            else:
                return _back_office(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)


class OccurrenceCardSerializer(serializers.ModelSerializer):
    """Documents a session search result (rendered by `occurrence_card`)."""

    activity = ActivityCardSerializer()

    class Meta:
        model = Occurrence
        fields = ["id", "start", "end", "status", "capacity", "seats_taken", "activity"]


def occurrence_card(row: dict, activity: dict) -> dict:
    """A session search row, with its activity's card already rendered."""
    return {
        "id": row["id"],
        "start": render_datetime(row["start"]),
        "end": render_datetime(row["end"]),
        "status": row["status"],
        "capacity": row["capacity"],
        "seats_taken": row["seats_taken"],
        "activity": activity,
    }


class OccurrenceSearchApi(APIView):
    @extend_schema(
        operation_id="occurrences_search",
        tags=["occurrences"],
        summary="Search sessions",
        description=(
            "Upcoming sessions, soonest first, of the activities matching the same parameters as "
            "the activity search (for example the next 7 days near a point: lat, lng, radius_km, "
            "starts_after, starts_before)."
        ),
        parameters=[p for p in SEARCH_PARAMETERS if p.name != "updated_since"],
        responses=search_page("OccurrenceSearchPage", OccurrenceCardSerializer(many=True)),
    )
    def get(self, request: Request) -> Response:
        params = search_params(request.query_params)
        cursor = KeysetCursor(request, "start")
        page = selectors.occurrence_search(
            params=params, after=cursor.after(), size=cursor.page_size
        )
        cards: dict[int, dict] = {}  # an activity's card rendered once for all its sessions
        rows = []
        for row in page.rows:
            activity = row["activity"]
            if activity["id"] not in cards:
                cards[activity["id"]] = activity_card(activity)
            rows.append(occurrence_card(row, cards[activity["id"]]))
        return Response(cursor.body(rows, page.after))
