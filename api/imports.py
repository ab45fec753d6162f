"""Imports: a CSV file, an iCalendar feed, schema.org JSON-LD or an OpenAgenda export read
into an organization's activities by a job, which a worker runs.

Who may import, and whether the result publishes at once, is decided here, from the
importer's rights (the runner writes through the services, which check again that the
importer edits the organization):
- an editor of the organization imports into it; the activities are submitted for review,
  which publishes them at once when the organization is verified (`activity_submit`);
- a curator who is an editor of the organization, and whose territory holds it (its places
  or activities, or it is the curating organization itself), publishes directly;
- anyone else: 403, and nothing is written.

The upload is the one multipart body of the API, on this view only, held to the same size
limit as every body (`api.middleware`: 413 past it); a larger source is given by its address.
"""

import csv
import io
import os

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from activities import selectors as activity_selectors
from activities.models import Membership, Organization, Place
from api.calendar import CalendarNegotiation
from api.cards import OrganizationSummarySerializer
from api.parsers import JSONObjectParser, nul_refused
from api.renderers import FastJSONRenderer
from api.schema import ERROR_DESCRIPTIONS, ERROR_REF, error_response
from api.serializers import InputSerializer, validated_query
from backend.errors import PermissionDenied
from curation.scope import curator_scope
from interop import tasks
from interop.imports import runner
from interop.models import ImportJob, ImportKind, ImportRepeat

CSV_TYPE = "text/csv"
JSON_TYPE = "application/json"
MULTIPART_TYPE = "multipart/form-data"
FILE_NAME_MAX = 200

NOT_AN_EDITOR = error_response(
    "Signed in, but not an editor of this organization: nothing is written.",
    ["permission_denied"],
)


# --- serializers ----------------------------------------------------------------------------


class ImportMessageSerializer(serializers.Serializer):
    position = serializers.IntegerField(
        help_text=(
            "Where to look in the source: the line in a CSV file (its header is line 1), the "
            "item's number (from 1) in a feed; 0 for the source as a whole."
        )
    )
    message = serializers.CharField(
        help_text="What is wrong and what to do, in the importer's language."
    )
    external_id = serializers.CharField(
        required=False, help_text="The item's id in the source, when it has one."
    )


class ImportReportSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField(help_text="Items read again that changed nothing.")
    archived = serializers.IntegerField(
        help_text="Activities of an earlier run of this source that it no longer holds."
    )
    skipped = serializers.IntegerField(help_text="Items of activities archived in Relier.")
    errors = ImportMessageSerializer(
        many=True, help_text="Items not imported (at most 500 listed; `errors_count` counts all)."
    )
    warnings = ImportMessageSerializer(
        many=True, help_text="What was read but not kept; the item was imported."
    )
    errors_count = serializers.IntegerField(required=False)
    warnings_count = serializers.IntegerField(required=False)


class ImportJobSerializer(serializers.ModelSerializer):
    organization = OrganizationSummarySerializer(read_only=True)
    report = ImportReportSerializer(read_only=True)
    source = serializers.CharField(help_text="The address read, or the uploaded file's name.")
    done = serializers.IntegerField(help_text="Items done so far, of `total`.")
    publish = serializers.BooleanField(
        help_text=(
            "True: the activities publish at once (a curator's import); false: they are "
            "submitted for review (published at once for a verified organization)."
        )
    )

    default_categories = serializers.ListField(
        child=serializers.CharField(),
        help_text="Slugs of the categories given to the items that give none.",
    )
    default_place = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text=(
            "The place (id) of the in-person items that give none, or name one without "
            "coordinates that the organization does not have; null: none."
        ),
    )

    class Meta:
        model = ImportJob
        fields = [
            "id", "organization", "kind", "source", "state", "total", "done", "report",
            "publish", "repeat", "next_run_at", "language", "default_categories",
            "default_place", "created_at", "started_at", "finished_at",
        ]  # fmt: skip


class _ImportInput(InputSerializer):
    output_serializer = ImportJobSerializer

    organization = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Organization.objects.all(),
        help_text="The slug of the organization the activities belong to.",
    )
    kind = serializers.ChoiceField(choices=ImportKind.choices)
    default_categories = serializers.ListField(
        child=serializers.CharField(max_length=100),
        max_length=10,
        required=False,
        help_text=(
            "Categories (slugs, or French or English names) for the items that give none: an "
            "association's calendar rarely says which."
        ),
    )
    default_place = serializers.PrimaryKeyRelatedField(
        queryset=Place.objects.all(),
        required=False,
        allow_null=True,
        help_text=(
            "A place (id) of the organization for the in-person items that give none, or name "
            "one without coordinates that the organization does not have (a warning says so)."
        ),
    )


class ImportUrlInputSerializer(_ImportInput):
    """A source read from its address (JSON body)."""

    url = serializers.URLField(
        max_length=2000, help_text="The feed or export's address (http or https)."
    )
    repeat = serializers.ChoiceField(
        choices=ImportRepeat.choices,
        required=False,
        help_text="Read the address again on this schedule (empty: once).",
    )


class ImportFileInputSerializer(_ImportInput):
    """An uploaded file (multipart/form-data body)."""

    file = serializers.FileField(help_text="The file to import.")


class TemplateQuerySerializer(serializers.Serializer):
    lang = serializers.ChoiceField(
        choices=[("fr", "French headers"), ("en", "English headers")],
        default="fr",
        help_text="The language of the column headers.",
    )


class UploadParser(MultiPartParser):
    """A multipart body (the one the API reads, here only), held to the JSON bodies' rule on
    text: a field that holds NUL is a 400 naming it (PostgreSQL's text cannot hold it)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        paths = [
            key if "\x00" not in key else "non_field_errors"
            for key, values in parsed.data.lists()
            if "\x00" in key or any("\x00" in value for value in values)
        ]
        if paths:
            raise nul_refused(sorted(set(paths)))
        return parsed


# --- who may import -------------------------------------------------------------------------


def import_right(*, user: User, organization: Organization) -> bool:
    """Whether the user's import publishes directly (True) or is submitted (False);
    `PermissionDenied` when they may not import into the organization."""
    if not activity_selectors.user_can_edit(user=user, organization=organization):
        raise PermissionDenied(
            _("Only editors of this organization can import activities into it.")
        )
    scope = curator_scope(user)
    if not scope.is_curator:
        return False
    if organization.pk in scope.organization_ids:
        return True
    return scope.organizations(Organization.objects.filter(pk=organization.pk)).exists()


def import_jobs_visible_to(user: User) -> QuerySet[ImportJob]:
    """The jobs of the organizations the user edits, and for a curator those of the
    organizations their territory holds."""
    edited = Membership.objects.filter(user=user).values("organization_id")
    mine = Q(organization__in=edited)
    scope = curator_scope(user)
    if scope.is_curator:
        curated = scope.organizations(Organization.objects.all()).values("pk")
        mine |= Q(organization__in=curated)
    return ImportJob.objects.filter(mine).select_related("organization").defer("data")


def _language(request: Request) -> str:
    """The importer's language: the request's, else the one they chose in their account."""
    if request.META.get("HTTP_ACCEPT_LANGUAGE"):
        return translation.get_language() or request.user.preferred_language
    return request.user.preferred_language or translation.get_language()


# --- views ----------------------------------------------------------------------------------


class ImportCollectionApi(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONObjectParser, UploadParser]
    serializer_class = ImportJobSerializer
    filter_backends: list = []
    cursor_ordering = "-id"

    def get_queryset(self):
        return import_jobs_visible_to(self.request.user)

    @extend_schema(
        tags=["imports"],
        summary="The imports I can follow",
        description=(
            "The imports of the organizations I edit, and for a curator those of the "
            "organizations of their territory; newest first."
        ),
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=["imports"],
        summary="Import activities",
        description=(
            "Starts a job that a worker runs: a file uploaded as multipart/form-data, or a "
            "JSON body with the source's address (which may be read again `daily` or "
            "`weekly`). Follow it at `imports/{id}/`: `done` of `total` while it runs, then "
            "the report. Importing the same source again changes only what changed in it; "
            "activities it no longer holds are archived. An editor's import is submitted for "
            "review (published at once for a verified organization); a curator's import into "
            "an organization of their territory publishes directly. Messages are in the "
            "importer's language (Accept-Language, else their account's)."
        ),
        request={
            JSON_TYPE: ImportUrlInputSerializer,
            MULTIPART_TYPE: ImportFileInputSerializer,
        },
        responses={202: ImportJobSerializer, 403: NOT_AN_EDITOR},
    )
    def post(self, request: Request) -> Response:
        is_upload = request.content_type.startswith(MULTIPART_TYPE)
        input_class = ImportFileInputSerializer if is_upload else ImportUrlInputSerializer
        body = input_class(data=request.data)
        body.is_valid(raise_exception=True)
        fields = body.validated_data
        organization = fields["organization"]
        publish = import_right(user=request.user, organization=organization)
        if is_upload:
            upload = fields["file"]
            # The name as shown in the report: no control character (nor NUL, which
            # PostgreSQL's text cannot hold).
            name = "".join(c for c in os.path.basename(upload.name or "") if c.isprintable())
            source = name[:FILE_NAME_MAX] or "upload"
            data, repeat = upload.read(), ""
        else:
            source, data, repeat = fields["url"], None, fields.get("repeat", "")
        job = runner.import_job_create(
            organization=organization,
            by=request.user,
            kind=fields["kind"],
            source=source,
            data=data,
            publish=publish,
            language=_language(request),
            repeat=repeat,
            default_categories=fields.get("default_categories", ()),
            default_place=fields.get("default_place"),
        )
        tasks.import_job_enqueue(job)
        job.refresh_from_db()
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ImportDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["imports"],
        summary="An import: its state, progress and report",
        description=(
            "`state` queued, running, done or failed; `done` of `total` items and the report "
            "so far while it runs (written after each group of 100 items), the whole report "
            "when it ends. 404 for an import of an organization I do not follow."
        ),
        responses={200: ImportJobSerializer},
    )
    def get(self, request: Request, pk: int) -> Response:
        job = get_object_or_404(import_jobs_visible_to(request.user), pk=pk)
        return Response(ImportJobSerializer(job).data)


class CsvRenderer(BaseRenderer):
    media_type = CSV_TYPE
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return data


# The template's columns until the CSV reader publishes its own (`csv_source.COLUMNS`):
# (French header, English header, example).
PLACEHOLDER_COLUMNS = [
    ("id", "id", "atelier-tricot-1"),
    ("titre", "title", "Atelier tricot"),
    ("résumé", "summary", "On tricote ensemble autour d'un thé."),
    ("catégories", "categories", "tricot-couture"),
    ("lieu", "place", "Maison de quartier"),
    ("adresse", "address", "1 rue de la Paix"),
    ("latitude", "latitude", "47.2184"),
    ("longitude", "longitude", "-1.5536"),
    ("horaires", "schedule", "tous les mardis 14h-16h"),
    ("début", "start date", "2027-01-05"),
]


def csv_template(lang: str) -> bytes:
    """The CSV reader's template when it has one, else one from the placeholder columns."""
    try:
        from interop.imports import csv_source  # the reader lands separately
    except ImportError:
        csv_source = None
    if csv_source is not None and hasattr(csv_source, "template"):
        return csv_source.template(lang)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    column = 0 if lang == "fr" else 1
    writer.writerow([c[column] for c in PLACEHOLDER_COLUMNS])
    writer.writerow([c[2] for c in PLACEHOLDER_COLUMNS])
    return ("\ufeff" + out.getvalue()).encode()


class ImportTemplateApi(APIView):
    """A CSV answer on success, a JSON error otherwise."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    renderer_classes = [CsvRenderer]
    content_negotiation_class = CalendarNegotiation

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and response.status_code >= 400:
            response.accepted_renderer = FastJSONRenderer()
            response.accepted_media_type = JSON_TYPE
        return response

    @extend_schema(
        tags=["imports"],
        operation_id="imports_template_csv",
        summary="The CSV template",
        description=(
            "A header row and one example row, `;`-separated, UTF-8 with a byte order mark "
            "(as spreadsheets read it); headers in French (`lang=fr`) or English."
        ),
        parameters=[TemplateQuerySerializer],
        responses={
            (200, CSV_TYPE): OpenApiResponse(
                response=OpenApiTypes.STR, description="The template."
            ),
            (400, JSON_TYPE): OpenApiResponse(
                response=ERROR_REF, description=ERROR_DESCRIPTIONS[400]
            ),
        },
    )
    def get(self, request: Request) -> Response:
        lang = validated_query(TemplateQuerySerializer, request)["lang"]
        response = Response(csv_template(lang), content_type=f"{CSV_TYPE}; charset=utf-8")
        name = "relier-modele.csv" if lang == "fr" else "relier-template.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
