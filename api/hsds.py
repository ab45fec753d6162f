"""Open Referral HSDS 3.0 API: services and organizations as the standard's API paths give
them (`interop.exports.hsds`), and the full export streamed as NDJSON.

Public reads of the published directory: anyone, signed in or not, sees the same. Pages are
numbered as the HSDS API says (`page`, `per_page`; answers carry `total_items`,
`total_pages`, `page_number`, `size`, `first_page`, `last_page`, `empty`, `contents`); a page
past the last is an empty page, not an error.
"""

import math

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.renderers import FastJSONRenderer
from api.serializers import validated_query
from backend.errors import NotFound
from interop.exports import hsds, ids, selectors, stream
from interop.exports.hsds_schema import component_name

NDJSON_TYPE = "application/x-ndjson"
MAX_PER_PAGE = 100


def _ref(table: str) -> dict:
    return {"$ref": f"#/components/schemas/{component_name(table)}"}


def _page_schema(table: str) -> dict:
    return {
        "type": "object",
        "properties": {
            "total_items": {"type": "integer", "description": "Entities in every page."},
            "total_pages": {"type": "integer", "description": "Count of pages."},
            "page_number": {"type": "integer", "description": "This page's number (from 1)."},
            "size": {"type": "integer", "description": "Entities in this page."},
            "first_page": {"type": "boolean"},
            "last_page": {"type": "boolean"},
            "empty": {"type": "boolean", "description": "Whether the result set is empty."},
            "contents": {"type": "array", "items": _ref(table)},
        },
        "required": [
            "total_items",
            "total_pages",
            "page_number",
            "size",
            "first_page",
            "last_page",
            "empty",
            "contents",
        ],
    }


class PageQuerySerializer(serializers.Serializer):
    page = serializers.IntegerField(
        required=False, min_value=1, max_value=1_000_000, help_text="Page number, from 1."
    )
    per_page = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_PER_PAGE,
        help_text=f"Entities per page, 1 to {MAX_PER_PAGE} (default 20).",
    )
    search = serializers.CharField(
        required=False, max_length=200, help_text="Words in the name (or a service's summary)."
    )


class ServiceQuerySerializer(PageQuerySerializer):
    taxonomy_term_id = serializers.UUIDField(
        required=False,
        help_text="Services with this taxonomy term (a category, its sub-categories included).",
    )
    taxonomy_id = serializers.UUIDField(
        required=False, help_text="Services with a term of this taxonomy."
    )
    organization_id = serializers.UUIDField(
        required=False, help_text="Services this organization provides."
    )
    modified_after = serializers.DateTimeField(
        required=False, help_text="Services modified on or after this date and time."
    )
    full = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Fully nested services (as `services/{id}`) rather than their own fields.",
    )


def _page(items: QuerySet, params: dict, render) -> dict:
    per_page = params.get("per_page", 20)
    number = params.get("page", 1)
    total = items.count()
    pages = math.ceil(total / per_page)
    rows = list(items[(number - 1) * per_page : number * per_page]) if total else []
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": number,
        "size": len(rows),
        "first_page": number == 1,
        "last_page": number >= pages,
        "empty": total == 0,
        "contents": [render(row) for row in rows],
    }


def _id_filter(value, kind: str) -> int:
    """The row an id of ours names; -1 (no row) for a well-formed UUID that is not ours."""
    row = ids.row_of(kind, str(value))
    return -1 if row is None else row


class HsdsApiView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]


class HsdsServiceListApi(HsdsApiView):
    @extend_schema(
        tags=["hsds"],
        operation_id="hsds_services_list",
        summary="Services (HSDS 3.0)",
        description=(
            "The published activities as HSDS services, by id, numbered pages. Filters as "
            "the HSDS API names them; an id that is well formed but names nothing gives an "
            "empty page."
        ),
        parameters=[ServiceQuerySerializer],
        responses={200: OpenApiResponse(response=_page_schema("service"))},
    )
    def get(self, request: Request) -> Response:
        params = validated_query(ServiceQuerySerializer, request)
        category_ids = None
        if "taxonomy_term_id" in params:
            term = _id_filter(params["taxonomy_term_id"], "taxonomy_term")
            category_ids = [
                category.pk
                for category in selectors.categories()
                if term in (category.pk, category.parent_id)
            ]
        if "taxonomy_id" in params and _id_filter(params["taxonomy_id"], "taxonomy") != 1:
            category_ids = []
        organization_id = None
        if "organization_id" in params:
            organization_id = _id_filter(params["organization_id"], "organization")
        services = selectors.hsds_services(
            search=params.get("search"),
            category_ids=category_ids,
            organization_id=organization_id,
            modified_after=params.get("modified_after"),
        )
        full = params["full"]
        return Response(_page(services, params, lambda row: hsds.service(row, full=full)))


ID_PARAMETER = OpenApiParameter(
    "id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The HSDS id (a UUID)."
)


class HsdsServiceDetailApi(HsdsApiView):
    @extend_schema(
        tags=["hsds"],
        operation_id="hsds_services_retrieve",
        summary="A fully nested service (HSDS 3.0)",
        description="404 for an id that names no published activity.",
        parameters=[ID_PARAMETER],
        responses={200: OpenApiResponse(response=_ref("service"))},
    )
    def get(self, request: Request, id: str) -> Response:
        row = ids.row_of("service", id)
        activity = selectors.published_activity(pk=row) if row is not None else None
        if activity is None:
            raise NotFound(_("No published service has this id."))
        return Response(hsds.service(activity))


class HsdsOrganizationListApi(HsdsApiView):
    @extend_schema(
        tags=["hsds"],
        operation_id="hsds_organizations_list",
        summary="Organizations (HSDS 3.0)",
        description="The organizations that offer at least one published activity, by id.",
        parameters=[PageQuerySerializer],
        responses={200: OpenApiResponse(response=_page_schema("organization"))},
    )
    def get(self, request: Request) -> Response:
        params = validated_query(PageQuerySerializer, request)
        organizations = selectors.hsds_organizations(search=params.get("search"))
        return Response(_page(organizations, params, hsds.organization))


class HsdsOrganizationDetailApi(HsdsApiView):
    @extend_schema(
        tags=["hsds"],
        operation_id="hsds_organizations_retrieve",
        summary="An organization with its services (HSDS 3.0)",
        description=(
            "With `services`: its published activities, fully nested. 404 for an id that "
            "names no organization offering a published activity."
        ),
        parameters=[ID_PARAMETER],
        responses={200: OpenApiResponse(response=_ref("organization"))},
    )
    def get(self, request: Request, id: str) -> Response:
        row = ids.row_of("organization", id)
        organization = selectors.hsds_organization(pk=row) if row is not None else None
        if organization is None:
            raise NotFound(_("No organization of the directory has this id."))
        services = [
            hsds.service(activity)
            for activity in selectors.organization_services(organization=organization)
        ]
        return Response(hsds.organization(organization, services=services))


class NdjsonRenderer(BaseRenderer):
    """Names the export's media type for the document; the lines are written by the view."""

    media_type = NDJSON_TYPE
    format = "ndjson"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return data


class FirstRendererNegotiation(BaseContentNegotiation):
    """The export's one format whatever the Accept header: a harvester asking for JSON gets
    the NDJSON the operation documents, not a 406."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class NdjsonApiView(HsdsApiView):
    """NDJSON on success, a JSON error in the one shape otherwise."""

    renderer_classes = [NdjsonRenderer]
    content_negotiation_class = FirstRendererNegotiation

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and response.status_code >= 400:
            response.accepted_renderer = FastJSONRenderer()
            response.accepted_media_type = "application/json"
        return response


NDJSON_RESPONSE = OpenApiResponse(
    response=OpenApiTypes.STR,
    description="NDJSON: one JSON object a line, read as it is written.",
)


class HsdsExportApi(NdjsonApiView):
    @extend_schema(
        tags=["hsds"],
        operation_id="hsds_export_services",
        summary="Every service, fully nested (HSDS 3.0, NDJSON)",
        description=(
            "The whole published directory, one fully nested HSDS service a line, by id, "
            "streamed: the server holds a few hundred services at a time whatever the "
            "directory's size. Each line validates against HSDS 3.0's service schema."
        ),
        responses={(200, NDJSON_TYPE): NDJSON_RESPONSE},
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        return _ndjson(stream.services_ndjson(), "hsds-services.ndjson")


class HsdsTaxonomyExportApi(NdjsonApiView):
    @extend_schema(
        tags=["hsds"],
        operation_id="hsds_export_taxonomy",
        summary="The category taxonomy and its terms (HSDS 3.0, NDJSON)",
        description="First line: the taxonomy; then each taxonomy term (a category).",
        responses={(200, NDJSON_TYPE): NDJSON_RESPONSE},
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        return _ndjson(stream.taxonomy_ndjson(), "hsds-taxonomy.ndjson")


def _ndjson(lines, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type=f"{NDJSON_TYPE}; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
