"""Activities, their schedules and their sessions (occurrences)."""

import datetime
import functools

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import get_language
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from activities import choices, recurrence, selectors, services
from activities.filters import ORDERINGS, SearchParams
from activities.models import (
    Activity,
    ActivityTombstone,
    Occurrence,
    Organization,
    Place,
    Schedule,
)
from api.directory import PlaceSerializer
from api.pagination import KeysetCursor
from api.serializers import MaskListField

# --- serializers ----------------------------------------------------------------------------


class OrganizationSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["slug", "name", "kind", "verified"]


class OccurrenceSerializer(serializers.ModelSerializer):
    activity = serializers.PrimaryKeyRelatedField(read_only=True)
    seats_left = serializers.SerializerMethodField()

    class Meta:
        model = Occurrence
        fields = [
            "id", "activity", "start", "end", "status", "capacity", "seats_taken", "seats_left",
            "note", "is_modified",
        ]  # fmt: skip

    def get_seats_left(self, occurrence: Occurrence) -> int | None:
        if occurrence.capacity is None:
            return None
        return max(0, occurrence.capacity - occurrence.seats_taken)


class ScheduleSerializer(serializers.ModelSerializer):
    description = serializers.SerializerMethodField(
        help_text="The rule in words, in the language of the request."
    )

    class Meta:
        model = Schedule
        fields = [
            "id", "rrule", "dates", "start_time", "end_time", "timezone", "valid_from",
            "valid_to", "exdates", "description",
        ]  # fmt: skip

    def get_description(self, schedule: Schedule) -> str:
        return recurrence.describe(
            schedule.rrule or None,
            dtstart=schedule.valid_from,
            start_time=schedule.start_time,
            language=(get_language() or "fr")[:2],
        )


class ScheduleInputSerializer(serializers.Serializer):
    rrule = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        help_text=(
            "RFC 5545 RRULE: FREQ=DAILY, WEEKLY or MONTHLY, with INTERVAL, BYDAY (ordinals such "
            "as 2TU or -1FR with MONTHLY), BYMONTHDAY, UNTIL or COUNT. Empty for one-off dates."
        ),
    )
    dates = serializers.ListField(
        child=serializers.DateField(), required=False, max_length=recurrence.MAX_ONE_OFF_DATES
    )
    start_time = serializers.TimeField()
    end_time = serializers.TimeField()
    timezone = serializers.CharField(max_length=64, default="Europe/Paris")
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(required=False, allow_null=True)
    exdates = serializers.ListField(child=serializers.DateField(), required=False, max_length=366)


class ActivitySerializer(serializers.ModelSerializer):
    organization = OrganizationSummarySerializer(read_only=True)
    categories = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    audiences = MaskListField(vocabulary=choices.AUDIENCES, source="audiences_mask")
    languages = MaskListField(vocabulary=choices.LANGUAGES, source="languages_mask")
    place = PlaceSerializer(read_only=True)
    service_area = serializers.SlugRelatedField(slug_field="insee_code", many=True, read_only=True)

    class Meta:
        model = Activity
        fields = [
            "id", "organization", "title", "summary", "description", "kind", "categories",
            "audiences", "age_min", "age_max", "attendance_mode", "place", "service_area",
            "service_radius_km", "languages", "is_free", "price_min", "price_max",
            "reduced_price", "registration", "registration_url", "registration_phone",
            "registration_email", "capacity", "intensity", "group_size", "status", "featured",
            "last_verified_at", "published_at", "source", "external_id", "updated_at",
        ]  # fmt: skip


class ActivityDetailSerializer(ActivitySerializer):
    schedules = ScheduleSerializer(many=True, read_only=True)

    class Meta(ActivitySerializer.Meta):
        fields = [*ActivitySerializer.Meta.fields, "schedules"]


class ActivityInputSerializer(serializers.Serializer):
    organization = serializers.SlugRelatedField(
        slug_field="slug", queryset=Organization.objects.all()
    )
    title = serializers.CharField(max_length=160)
    summary = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=choices.ActivityKind.choices)
    categories = serializers.ListField(
        child=serializers.SlugField(), max_length=5, help_text="Category slugs."
    )
    audiences = serializers.ListField(
        child=serializers.ChoiceField(choices=choices.AUDIENCES), required=False, allow_empty=False
    )
    age_min = serializers.IntegerField(min_value=0, max_value=120, required=False, allow_null=True)
    age_max = serializers.IntegerField(min_value=0, max_value=120, required=False, allow_null=True)
    attendance_mode = serializers.ChoiceField(
        choices=choices.AttendanceMode.choices, required=False
    )
    place = serializers.PrimaryKeyRelatedField(
        queryset=Place.objects.all(), required=False, allow_null=True
    )
    service_area = serializers.ListField(
        child=serializers.CharField(max_length=9),
        required=False,
        help_text="INSEE codes of the territories an at-home or phone activity serves.",
    )
    service_radius_km = serializers.FloatField(
        min_value=0.1, max_value=200, required=False, allow_null=True
    )
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=choices.LANGUAGES), required=False, allow_empty=False
    )
    is_free = serializers.BooleanField(required=False)
    price_min = serializers.DecimalField(
        max_digits=8, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    price_max = serializers.DecimalField(
        max_digits=8, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    reduced_price = serializers.DecimalField(
        max_digits=8, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    registration = serializers.ChoiceField(choices=choices.Registration.choices, required=False)
    registration_url = serializers.URLField(required=False, allow_blank=True)
    registration_phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    registration_email = serializers.EmailField(required=False, allow_blank=True)
    capacity = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    intensity = serializers.ChoiceField(choices=choices.Intensity.choices, required=False)
    group_size = serializers.ChoiceField(choices=choices.GroupSize.choices, required=False)

    def to_service_fields(self) -> dict:
        fields = dict(self.validated_data)
        fields.pop("organization", None)
        return fields


class OccurrenceInputSerializer(serializers.Serializer):
    start = serializers.DateTimeField(required=False)
    end = serializers.DateTimeField(required=False)
    status = serializers.ChoiceField(choices=choices.OccurrenceStatus.choices, required=False)
    capacity = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


# --- activities -----------------------------------------------------------------------------


class UpcomingSessionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Occurrence
        fields = ["id", "start", "end", "status"]


class PlaceCardSerializer(serializers.ModelSerializer):
    class Meta:
        model = Place
        fields = ["id", "name", "city", "postal_code", "lat", "lng", "wheelchair"]


class ActivityCardSerializer(serializers.ModelSerializer):
    """A search result: what a phone shows in a list, without the long description."""

    organization = OrganizationSummarySerializer(read_only=True)
    categories = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    audiences = MaskListField(vocabulary=choices.AUDIENCES, source="audiences_mask")
    languages = MaskListField(vocabulary=choices.LANGUAGES, source="languages_mask")
    place = PlaceCardSerializer(read_only=True)
    distance_km = serializers.SerializerMethodField(
        help_text="Great-circle distance from the point searched, when lat and lng are given."
    )
    serves_point = serializers.BooleanField(
        help_text=(
            "With a point: an online, at-home or phone activity whose service area holds the "
            "point (no distance; listed after the venues when ordering by distance)."
        )
    )
    next_occurrences = UpcomingSessionSerializer(many=True, read_only=True)

    class Meta:
        model = Activity
        fields = [
            "id", "organization", "title", "summary", "kind", "categories", "audiences",
            "age_min", "age_max", "attendance_mode", "place", "languages", "is_free",
            "price_min", "price_max", "registration", "intensity", "group_size", "featured",
            "distance_km", "serves_point", "next_occurrences", "updated_at",
        ]  # fmt: skip

    def get_distance_km(self, activity: Activity) -> float | None:
        """Documents the field; cards are rendered by `activity_card`."""
        return None


# The search renders its cards by hand from the rows of activities.search (a serializer per
# row cost more than the query); a test checks that the keys are those of
# ActivityCardSerializer, which documents them, and that the values are DRF's.
_PRICE = serializers.DecimalField(max_digits=8, decimal_places=2)
_ZONE = timezone.get_default_timezone()


@functools.lru_cache(maxsize=8192)
def _datetime(value: datetime.datetime | None) -> str | None:
    """An aware datetime as DRF's DateTimeField renders it: ISO 8601 in the project's zone (no
    request activates another one), "Z" for UTC. Written out because a page holds up to 140
    datetimes, and the field's own path (its settings and zone looked up on each value) was
    0.3-0.8 ms of a search request's 2.7-4.3 ms of Python. Cached: sessions start at a few
    thousand distinct times (measured with read_datetime's cache: rendering 95 pages of a
    text search took 0.29 ms a page instead of 0.60)."""
    if value is None:
        return None
    text = value.astimezone(_ZONE).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _price(value) -> str | None:
    return None if value is None else _PRICE.to_representation(value)


def activity_card(row: dict) -> dict:
    distance = row["distance_km"]
    place = None
    if row["place_id"] is not None:
        place = {
            "id": row["place_id"],
            "name": row["place_name"],
            "city": row["place_city"],
            "postal_code": row["place_postal_code"],
            "lat": row["place_lat"],
            "lng": row["place_lng"],
            "wheelchair": row["place_wheelchair"],
        }
    return {
        "id": row["id"],
        "organization": {
            "slug": row["org_slug"],
            "name": row["org_name"],
            "kind": row["org_kind"],
            "verified": bool(row["org_verified"]),
        },
        "title": row["title"],
        "summary": row["summary"],
        "kind": row["kind"],
        "categories": row["categories"],
        "audiences": choices.values_of(row["audiences_mask"], choices.AUDIENCES),
        "age_min": row["age_min"],
        "age_max": row["age_max"],
        "attendance_mode": row["attendance_mode"],
        "place": place,
        "languages": choices.values_of(row["languages_mask"], choices.LANGUAGES),
        "is_free": bool(row["is_free"]),
        "price_min": _price(row["price_min"]),
        "price_max": _price(row["price_max"]),
        "registration": row["registration"],
        "intensity": row["intensity"],
        "group_size": row["group_size"],
        "featured": bool(row["featured"]),
        "distance_km": None if distance is None else round(distance, 3),
        "serves_point": row["serves_point"],
        "next_occurrences": [
            {
                "id": session["id"],
                "start": _datetime(session["start"]),
                "end": _datetime(session["end"]),
                "status": session["status"],
            }
            for session in row["next_occurrences"]
        ],
        "updated_at": _datetime(row["updated_at"]),
    }


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
    OpenApiParameter(
        "mine",
        bool,
        description=(
            "Back office: every activity of the organizations the signed-in user edits, any "
            "status (with `organization` and `status`)."
        ),
    ),
    OpenApiParameter("status", enum=choices.ActivityStatus.values, description="With `mine`."),
]


@extend_schema_view(
    get=extend_schema(
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
        responses=search_page(
            "ActivitySearchPage",
            ActivityCardSerializer(many=True),
            tombstones=TombstoneSerializer(many=True, required=False),
        ),
    ),
    post=extend_schema(
        tags=["activities"],
        summary="Create an activity (editors of the organization)",
        description=(
            "Creates a draft. Add schedules, then submit it. Text fields take plain text: "
            "markup (HTML tags) is refused with 400."
        ),
        request=ActivityInputSerializer,
        responses={201: ActivityDetailSerializer},
    ),
)
class ActivityListApi(generics.ListCreateAPIView):
    cursor_ordering: tuple[str, ...] = ("-updated_at", "-id")

    def get_serializer_class(self):
        return ActivitySerializer if self._back_office else ActivityCardSerializer

    @property
    def _back_office(self) -> bool:
        return self.request.query_params.get("mine") in ("1", "true")

    def get_queryset(self):
        activities = selectors.activity_list(user=self.request.user).filter(
            organization__memberships__user_id=self.request.user.pk
        )
        params = self.request.query_params
        if organization := params.get("organization"):
            activities = activities.filter(organization__slug=organization)
        if activity_status := params.get("status"):
            activities = activities.filter(status=activity_status)
        return activities

    def list(self, request: Request, *args, **kwargs) -> Response:
        if self._back_office:
            return super().list(request, *args, **kwargs)
        params = SearchParams.parse(request.query_params)
        cursor = KeysetCursor(request, params.effective_ordering)
        after = cursor.after()
        page = selectors.activity_search(params=params, after=after, size=cursor.page_size)
        body = cursor.body([activity_card(row) for row in page.rows], page.after)
        if params.updated_since is not None and after is None:
            tombstones = selectors.activity_tombstones(since=params.updated_since)
            body["tombstones"] = TombstoneSerializer(tombstones, many=True).data
        return Response(body)

    def create(self, request: Request, *args, **kwargs) -> Response:
        data = ActivityInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        activity = services.activity_create(
            organization=data.validated_data["organization"],
            by=request.user,
            **data.to_service_fields(),
        )
        return Response(ActivityDetailSerializer(activity).data, status=status.HTTP_201_CREATED)


class _SessionPlaceSerializer(serializers.Serializer):
    name = serializers.CharField()
    city = serializers.CharField()


class _SessionActivitySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=choices.ActivityKind.choices)
    attendance_mode = serializers.ChoiceField(choices=choices.AttendanceMode.choices)
    organization = serializers.CharField(help_text="The organization's name.")
    place = _SessionPlaceSerializer(allow_null=True)


class OccurrenceCardSerializer(serializers.ModelSerializer):
    """Documents a session search result (rendered from activities.search rows)."""

    activity = _SessionActivitySerializer()

    class Meta:
        model = Occurrence
        fields = ["id", "start", "end", "status", "capacity", "seats_taken", "activity"]


@extend_schema(
    tags=["occurrences"],
    summary="Search sessions",
    description=(
        "Upcoming sessions, soonest first, of the activities matching the same parameters as "
        "the activity search (for example the next 7 days near a point: lat, lng, radius_km, "
        "starts_after, starts_before)."
    ),
    parameters=[p for p in SEARCH_PARAMETERS if p.name not in ("updated_since", "mine", "status")],
    responses=search_page("OccurrenceSearchPage", OccurrenceCardSerializer(many=True)),
)
class OccurrenceSearchApi(APIView):
    def get(self, request: Request) -> Response:
        params = SearchParams.parse(request.query_params)
        cursor = KeysetCursor(request, "start")
        page = selectors.occurrence_search(
            params=params, after=cursor.after(), size=cursor.page_size
        )
        rows = [
            {
                **row,
                "start": _datetime(row["start"]),
                "end": _datetime(row["end"]),
            }
            for row in page.rows
        ]
        return Response(cursor.body(rows, page.after))


def _activity_for_read(request: Request, pk: int) -> Activity:
    return get_object_or_404(
        selectors.activity_list(user=request.user).prefetch_related("schedules"), pk=pk
    )


def _activity_for_write(pk: int) -> Activity:
    # Writes look at every activity, so a non-editor learns 403 rather than a misleading 404.
    return get_object_or_404(Activity.objects.select_related("organization", "place"), pk=pk)


@extend_schema_view(
    get=extend_schema(tags=["activities"], summary="One activity"),
    patch=extend_schema(
        tags=["activities"],
        summary="Edit an activity (editors)",
        request=ActivityInputSerializer,
        responses=ActivityDetailSerializer,
    ),
    delete=extend_schema(
        tags=["activities"],
        summary="Archive an activity (editors)",
        description="Archives it: it leaves search, its future sessions are cancelled.",
        responses={204: None},
    ),
)
class ActivityDetailApi(APIView):
    def get(self, request: Request, pk: int) -> Response:
        return Response(ActivityDetailSerializer(_activity_for_read(request, pk)).data)

    def patch(self, request: Request, pk: int) -> Response:
        activity = _activity_for_write(pk)
        data = ActivityInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.activity_update(activity=activity, by=request.user, **data.to_service_fields())
        return Response(ActivityDetailSerializer(_activity_for_read(request, pk)).data)

    def delete(self, request: Request, pk: int) -> Response:
        services.activity_archive(activity=_activity_for_write(pk), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(
    tags=["activities"],
    summary="Submit an activity for publication (editors)",
    description=(
        "A draft or rejected activity goes to review (`pending`), or is published at once when "
        "its organization is verified. 400 `incomplete` lists what is missing; 409 from any "
        "other status."
    ),
    request=None,
    responses=ActivityDetailSerializer,
)
class ActivitySubmitApi(APIView):
    def post(self, request: Request, pk: int) -> Response:
        services.activity_submit(activity=_activity_for_write(pk), by=request.user)
        return Response(ActivityDetailSerializer(_activity_for_read(request, pk)).data)


# --- schedules ------------------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(tags=["schedules"], summary="Schedules of an activity"),
    post=extend_schema(
        tags=["schedules"],
        summary="Add a schedule (editors)",
        description=(
            "Sessions are materialized at once for the rolling window (12 weeks). Times are "
            "local wall-clock times in `timezone`: a weekly 14:00 stays 14:00 across clock "
            "changes."
        ),
        request=ScheduleInputSerializer,
        responses={201: ScheduleSerializer},
    ),
)
class ScheduleListApi(APIView):
    def get(self, request: Request, pk: int) -> Response:
        activity = _activity_for_read(request, pk)
        return Response(ScheduleSerializer(activity.schedules.all(), many=True).data)

    def post(self, request: Request, pk: int) -> Response:
        activity = _activity_for_write(pk)
        data = ScheduleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        schedule = services.schedule_create(
            activity=activity, by=request.user, **data.validated_data
        )
        return Response(ScheduleSerializer(schedule).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    patch=extend_schema(
        tags=["schedules"],
        summary="Edit a schedule (editors)",
        request=ScheduleInputSerializer,
        responses=ScheduleSerializer,
    ),
    delete=extend_schema(
        tags=["schedules"],
        summary="Delete a schedule and its future sessions (editors)",
        responses={204: None},
    ),
)
class ScheduleDetailApi(APIView):
    def get_schedule(self, pk: int) -> Schedule:
        return get_object_or_404(
            Schedule.objects.select_related("activity", "activity__organization"), pk=pk
        )

    def patch(self, request: Request, pk: int) -> Response:
        schedule = self.get_schedule(pk)
        data = ScheduleInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        schedule = services.schedule_update(
            schedule=schedule, by=request.user, **data.validated_data
        )
        return Response(ScheduleSerializer(schedule).data)

    def delete(self, request: Request, pk: int) -> Response:
        services.schedule_delete(schedule=self.get_schedule(pk), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- occurrences ----------------------------------------------------------------------------


class OccurrenceWindowSerializer(serializers.Serializer):
    start = serializers.DateTimeField(required=False)
    end = serializers.DateTimeField(required=False)


@extend_schema(
    tags=["occurrences"],
    summary="Sessions of an activity",
    description=(
        "From now (or `start`) to `end` (default: the 12-week window). Times are ISO 8601 with "
        "the offset of Europe/Paris at that date."
    ),
    parameters=[
        OpenApiParameter("start", datetime.datetime),
        OpenApiParameter("end", datetime.datetime),
    ],
    responses=OccurrenceSerializer(many=True),
)
class ActivityOccurrenceListApi(generics.ListAPIView):
    serializer_class = OccurrenceSerializer
    cursor_ordering = ("start", "id")

    def get_queryset(self):
        activity = _activity_for_read(self.request, self.kwargs["pk"])
        window = OccurrenceWindowSerializer(data=self.request.query_params)
        window.is_valid(raise_exception=True)
        return selectors.occurrence_list(
            activity=activity,
            start=window.validated_data.get("start", timezone.now()),
            end=window.validated_data.get("end"),
        )


@extend_schema_view(
    get=extend_schema(tags=["occurrences"], summary="One session"),
    patch=extend_schema(
        tags=["occurrences"],
        summary="Edit or cancel one session (editors)",
        description=(
            "Changes this session only (time, status such as `cancelled` or `moved_online`, "
            "capacity, note); the series and its other sessions are untouched, and the edit "
            "survives later changes of the schedule while the slot stays in the series."
        ),
        request=OccurrenceInputSerializer,
        responses=OccurrenceSerializer,
    ),
)
class OccurrenceDetailApi(APIView):
    def get(self, request: Request, pk: int) -> Response:
        occurrence = get_object_or_404(selectors.occurrence_visible_to(user=request.user), pk=pk)
        return Response(OccurrenceSerializer(occurrence).data)

    def patch(self, request: Request, pk: int) -> Response:
        occurrence = get_object_or_404(
            Occurrence.objects.select_related("activity", "activity__organization"), pk=pk
        )
        data = OccurrenceInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        occurrence = services.occurrence_update(
            occurrence=occurrence, by=request.user, **data.validated_data
        )
        return Response(OccurrenceSerializer(occurrence).data)
