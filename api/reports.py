"""Reports: residents flag activities, curators triage them, the reporter reads the outcome."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import generics, serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from activities.models import Activity
from api.schema import BAD_LIST_QUERY, activity_filter, error_response
from api.serializers import InputSerializer
from curation.choices import ReportReason, ReportStatus
from curation.models import Report
from curation.selectors.reports import report_list, report_visible_to
from curation.services.reports import OUTCOMES, report_create, report_triage

NOT_SIGNED_IN = error_response("Not signed in.", ["not_authenticated", "token_not_valid"])
REPORT_NOT_FOUND = error_response(
    "No such report among those the signed-in user may read (their own, or those of the "
    "activities they curate).",
    ["not_found"],
)


class ReportedActivitySerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Activity
        fields = ["id", "title", "status", "organization"]


class ReporterSerializer(serializers.Serializer):
    display_name = serializers.CharField()
    email = serializers.EmailField()


class ReportSerializer(serializers.ModelSerializer):
    activity = ReportedActivitySerializer(read_only=True)
    reporter = serializers.SerializerMethodField(
        help_text=(
            "Who reported: shown to the curators of the activity only (null for anyone else, "
            "the activity's organization included)."
        )
    )
    mine = serializers.SerializerMethodField(help_text="Reported by the signed-in user.")
    resolution_note = serializers.CharField(
        help_text="The curators' word on the outcome, for the reporter."
    )

    class Meta:
        model = Report
        fields = [
            "id", "activity", "reason", "comment", "status", "created_at", "resolved_at",
            "resolution_note", "mine", "reporter",
        ]  # fmt: skip

    @extend_schema_field(ReporterSerializer(allow_null=True))
    def get_reporter(self, report: Report) -> dict | None:
        if not getattr(report, "curated", False) or report.reporter is None:
            return None
        return ReporterSerializer(report.reporter).data

    def get_mine(self, report: Report) -> bool:
        return report.reporter_id is not None and report.reporter_id == self.context["user"].pk


class ReportInputSerializer(InputSerializer):
    """A report of a published activity."""

    output_serializer = ReportSerializer

    activity = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    reason = serializers.ChoiceField(choices=ReportReason.choices)
    comment = serializers.CharField(
        max_length=Report._meta.get_field("comment").max_length,
        required=False,
        allow_blank=True,
        help_text="What is wrong, in the reporter's words (plain text).",
    )


class ReportTriageInputSerializer(InputSerializer):
    """The outcome of an open report."""

    output_serializer = ReportSerializer

    status = serializers.ChoiceField(choices=[(value, value) for value in OUTCOMES])
    note = serializers.CharField(
        max_length=Report._meta.get_field("resolution_note").max_length,
        required=False,
        allow_blank=True,
        help_text="The outcome in words, for the reporter (plain text).",
    )


class CuratesReport(BasePermission):
    """Triage is for the curators of the report's activity (`curated`, from the selector);
    checked before the input, so a reporter is told they may not, whatever they sent."""

    def has_object_permission(self, request: Request, view, obj: Report) -> bool:
        return bool(getattr(obj, "curated", False))


def _report(report: Report, user) -> dict:
    return ReportSerializer(report, context={"user": user}).data


@extend_schema_view(
    get=extend_schema(
        tags=["curation"],
        summary="Reports: my own, and those of the activities I curate",
        description=(
            "A resident sees their own reports with their status and outcome (`resolved_at`, "
            "`resolution_note`); a curator also sees the reports of the activities of the "
            "territories they curate, with who reported them. Newest first."
        ),
        parameters=[
            OpenApiParameter("status", enum=ReportStatus.values),
            OpenApiParameter("reason", enum=ReportReason.values),
            activity_filter("Only the reports of this activity (an activity id)."),
        ],
        responses={
            200: ReportSerializer(many=True),
            400: BAD_LIST_QUERY,
            401: NOT_SIGNED_IN,
        },
    ),
    post=extend_schema(
        tags=["curation"],
        summary="Report an activity",
        description=(
            "A signed-in resident reports a published activity. One open report per person "
            "and activity: reporting it again while the first is open answers 200 with that "
            "report, unchanged; a new report is 201. The activity's organization never sees "
            "who reported."
        ),
        request=ReportInputSerializer,
        responses={
            201: ReportSerializer,
            200: OpenApiResponse(ReportSerializer, description="Already reported: that report."),
            400: error_response(
                "Invalid input, named in `fields`.",
                ["invalid", "required", "invalid_choice", "invalid_text", "unknown_field"],
            ),
            401: NOT_SIGNED_IN,
            404: error_response("No published activity with this id.", ["not_found"]),
        },
    ),
)
class ReportCollectionApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = ReportSerializer
    filter_backends: list = []  # the selector filters
    cursor_ordering = "-id"

    def get(self, request: Request) -> Response:
        reports = report_list(user=request.user, filters=request.query_params)
        page = self.paginate_queryset(reports)
        return self.get_paginated_response(
            ReportSerializer(page, many=True, context={"user": request.user}).data
        )

    def post(self, request: Request) -> Response:
        data = ReportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        activity = get_object_or_404(Activity, pk=data.validated_data["activity"])
        report, created = report_create(
            activity=activity,
            by=request.user,
            reason=data.validated_data["reason"],
            comment=data.validated_data.get("comment", ""),
        )
        report = report_visible_to(user=request.user).get(pk=report.pk)
        return Response(
            _report(report, request.user),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


@extend_schema(
    tags=["curation"],
    summary="One report (its reporter, or a curator of its activity)",
    responses={200: ReportSerializer, 401: NOT_SIGNED_IN, 404: REPORT_NOT_FOUND},
)
class ReportDetailApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = ReportSerializer

    def get(self, request: Request, pk: int) -> Response:
        report = get_object_or_404(report_list(user=request.user), pk=pk)
        return Response(_report(report, request.user))


@extend_schema(
    tags=["curation"],
    summary="Triage a report (curators of its activity)",
    description=(
        "Closes an open report as `dismissed` or `acted_on`, with a `note` the reporter reads "
        "on their report (`GET reports/{id}/`). Acting on the activity itself (unpublishing, "
        "archiving) is done through its moderation. A report is triaged once: 409 "
        "`already_triaged` after. The reporter may read their report but not triage it (403); "
        "anyone else does not find it (404)."
    ),
    request=ReportTriageInputSerializer,
    responses={
        200: ReportSerializer,
        400: error_response(
            "Invalid input, named in `fields`.",
            ["invalid", "required", "invalid_choice", "invalid_text", "unknown_field"],
        ),
        401: NOT_SIGNED_IN,
        403: error_response("Not a curator of the activity's territory.", ["permission_denied"]),
        404: REPORT_NOT_FOUND,
        409: error_response("The report is already triaged.", ["already_triaged"]),
    },
)
class ReportTriageApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticated, CuratesReport]
    serializer_class = ReportSerializer

    def post(self, request: Request, pk: int) -> Response:
        report = get_object_or_404(report_visible_to(user=request.user), pk=pk)
        self.check_object_permissions(request, report)
        data = ReportTriageInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report_triage(
            report=report,
            by=request.user,
            status=data.validated_data["status"],
            note=data.validated_data.get("note", ""),
        )
        report = report_list(user=request.user).get(pk=pk)
        return Response(_report(report, request.user))
