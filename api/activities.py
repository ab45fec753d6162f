"""Activities, their schedules and their sessions (occurrences)."""

import datetime

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from activities import choices, recurrence, selectors, services
from activities.models import (
    Activity,
    Occurrence,
    Organization,
    Place,
    Schedule,
)
from activities.schedule_text import schedule_describe
from api.cards import OrganizationSummarySerializer
from api.directory import PlaceSerializer
from api.schema import error_responses
from api.serializers import InputSerializer, MaskListField, validated_query
from curation.choices import DECISIONS, AuditAction
from curation.scope import curator_scope
from curation.selectors.history import last_decision

# --- serializers ----------------------------------------------------------------------------

# Seats per session, the same bound on every database (SQLite would store any integer).
MAX_CAPACITY = 100_000


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
        return schedule_describe(schedule)


class ScheduleInputSerializer(InputSerializer):
    output_serializer = ScheduleSerializer

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
    place = PlaceSerializer(read_only=True, allow_null=True)
    service_area = serializers.SlugRelatedField(slug_field="insee_code", many=True, read_only=True)

    class Meta:
        model = Activity
        fields = [
            "id", "organization", "title", "summary", "description", "kind", "categories",
            "audiences", "age_min", "age_max", "attendance_mode", "place", "service_area",
            "service_radius_km", "languages", "is_free", "price_min", "price_max",
            "reduced_price", "registration", "registration_url", "registration_phone",
            "registration_email", "capacity", "waitlist", "intensity", "group_size", "status",
            "featured", "last_verified_at", "published_at", "source", "external_id",
            "updated_at",
        ]  # fmt: skip


# The steps of the audit trail that are a decision on an activity's publication.
DECISION_CHOICES = [(action.value, action.label) for action in AuditAction if action in DECISIONS]


class LastDecisionSerializer(serializers.Serializer):
    """The last decision taken on an activity's publication, as its organization reads it."""

    action = serializers.ChoiceField(choices=DECISION_CHOICES)
    reason = serializers.CharField(help_text="Why, in the curator's words (may be empty).")
    at = serializers.DateTimeField()


def sees_moderation(user, activity: Activity) -> bool:
    """The editors of the activity's organization and the curators of its territory read
    the curators' decisions on it."""
    if not user.is_authenticated:
        return False
    if selectors.user_can_edit(user=user, organization=activity.organization):
        return True
    return curator_scope(user).activities(Activity.objects.filter(pk=activity.pk)).exists()


class ActivityDetailSerializer(ActivitySerializer):
    schedules = ScheduleSerializer(many=True, read_only=True)
    moderation = serializers.SerializerMethodField(
        help_text=(
            "The last decision on its publication (published, rejected, changes requested, "
            "archived) with the curator's reason: shown to the editors of its organization "
            "and to the curators of its territory, null for everyone else and before any "
            "decision."
        )
    )

    class Meta(ActivitySerializer.Meta):
        fields = [*ActivitySerializer.Meta.fields, "schedules", "moderation"]

    @extend_schema_field(LastDecisionSerializer(allow_null=True))
    def get_moderation(self, activity: Activity) -> dict | None:
        request = self.context.get("request")
        if request is None or not sees_moderation(request.user, activity):
            return None
        decision = last_decision(activity=activity)
        return None if decision is None else LastDecisionSerializer(decision).data


class ActivityInputSerializer(InputSerializer):
    output_serializer = ActivityDetailSerializer
    create_only = ("organization",)

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
    capacity = serializers.IntegerField(
        min_value=1, max_value=MAX_CAPACITY, required=False, allow_null=True
    )
    waitlist = serializers.BooleanField(
        required=False,
        help_text=(
            "When a session is full, residents join its waitlist (the default); false: a "
            "full session refuses them (409 `session_full`)."
        ),
    )
    intensity = serializers.ChoiceField(choices=choices.Intensity.choices, required=False)
    group_size = serializers.ChoiceField(choices=choices.GroupSize.choices, required=False)

    def to_service_fields(self) -> dict:
        fields = dict(self.validated_data)
        fields.pop("organization", None)
        return fields


class SubmitInputSerializer(InputSerializer):
    """Submitting takes no field: the status moves through the workflow, never by value."""

    output_serializer = ActivityDetailSerializer


class OccurrenceInputSerializer(InputSerializer):
    output_serializer = OccurrenceSerializer

    start = serializers.DateTimeField(required=False)
    end = serializers.DateTimeField(required=False)
    status = serializers.ChoiceField(choices=choices.OccurrenceStatus.choices, required=False)
    capacity = serializers.IntegerField(
        min_value=1, max_value=MAX_CAPACITY, required=False, allow_null=True
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


# --- activities -----------------------------------------------------------------------------


def activities_readable_by(user) -> QuerySet[Activity]:
    """What `user` reads of the directory: published activities, every activity of the
    organizations they edit, and for a curator every activity of their territories (the
    pending ones they decide on included). Anything else answers 404."""
    readable = selectors.activity_list(user=user)
    scope = curator_scope(user)
    if not scope.is_curator:
        return readable
    visible = selectors.activity_visible_to(user=user).values("pk")
    curated = scope.activities(Activity.objects.all()).values("pk")
    return (
        Activity.objects.filter(Q(pk__in=visible) | Q(pk__in=curated))
        .select_related("organization", "place", "place__territory")
        .prefetch_related("categories", "service_area")
        .order_by("-updated_at", "-id")
    )


def _activity_for_read(request: Request, pk: int) -> Activity:
    return get_object_or_404(
        activities_readable_by(request.user).prefetch_related("schedules"), pk=pk
    )


def _detail(request: Request, pk: int) -> dict:
    """The activity's detail as `request`'s user reads it."""
    activity = _activity_for_read(request, pk)
    return ActivityDetailSerializer(activity, context={"request": request}).data


def _activity_for_write(pk: int) -> Activity:
    # Writes look at every activity, so a non-editor learns 403 rather than a misleading 404.
    return get_object_or_404(Activity.objects.select_related("organization", "place"), pk=pk)


@extend_schema_view(
    get=extend_schema(
        tags=["activities"], summary="One activity", responses=ActivityDetailSerializer
    ),
    patch=extend_schema(
        tags=["activities"],
        summary="Edit an activity (editors)",
        request=ActivityInputSerializer,
        responses={200: ActivityDetailSerializer, **error_responses(409)},
    ),
    delete=extend_schema(
        tags=["activities"],
        summary="Archive an activity (editors)",
        description="Archives it: it leaves search, its future sessions are cancelled.",
        responses={204: None, **error_responses(409)},
    ),
)
class ActivityDetailApi(APIView):
    def get(self, request: Request, pk: int) -> Response:
        return Response(_detail(request, pk))

    def patch(self, request: Request, pk: int) -> Response:
        activity = _activity_for_write(pk)
        data = ActivityInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.activity_update(activity=activity, by=request.user, **data.to_service_fields())
        return Response(_detail(request, pk))

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
    responses={200: ActivityDetailSerializer, **error_responses(409)},
)
class ActivitySubmitApi(APIView):
    def post(self, request: Request, pk: int) -> Response:
        SubmitInputSerializer(data=request.data).is_valid(raise_exception=True)
        services.activity_submit(activity=_activity_for_write(pk), by=request.user)
        return Response(_detail(request, pk))


# --- schedules ------------------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        tags=["schedules"],
        summary="Schedules of an activity",
        responses=ScheduleSerializer(many=True),
    ),
    post=extend_schema(
        tags=["schedules"],
        summary="Add a schedule (editors)",
        description=(
            "Sessions are materialized at once for the rolling window (12 weeks). Times are "
            "local wall-clock times in `timezone`: a weekly 14:00 stays 14:00 across clock "
            "changes."
        ),
        request=ScheduleInputSerializer,
        responses={201: ScheduleSerializer, **error_responses(409)},
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
        responses={200: ScheduleSerializer, **error_responses(409)},
    ),
    delete=extend_schema(
        tags=["schedules"],
        summary="Delete a schedule and its future sessions (editors)",
        responses={204: None, **error_responses(409)},
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
        OpenApiParameter("id", int, OpenApiParameter.PATH, description="The activity's id."),
        OpenApiParameter("start", datetime.datetime),
        OpenApiParameter("end", datetime.datetime),
    ],
    responses=OccurrenceSerializer(many=True),
)
class ActivityOccurrenceListApi(generics.ListAPIView):
    serializer_class = OccurrenceSerializer
    queryset = Occurrence.objects.none()  # names the model for the schema; see get_queryset
    cursor_ordering = ("start", "id")

    def get_queryset(self):
        activity = _activity_for_read(self.request, self.kwargs["pk"])
        window = validated_query(OccurrenceWindowSerializer, self.request)
        return selectors.occurrence_list(
            activity=activity, start=window.get("start", timezone.now()), end=window.get("end")
        )


@extend_schema_view(
    get=extend_schema(tags=["occurrences"], summary="One session", responses=OccurrenceSerializer),
    patch=extend_schema(
        tags=["occurrences"],
        summary="Edit or cancel one session (editors)",
        description=(
            "Changes this session only (time, status such as `cancelled` or `moved_online`, "
            "capacity, note); the series and its other sessions are untouched, and the edit "
            "survives later changes of the schedule while the slot stays in the series."
        ),
        request=OccurrenceInputSerializer,
        responses={200: OccurrenceSerializer, **error_responses(409)},
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
