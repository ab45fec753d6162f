"""Coverage of a curated territory (JSON and PNG map) and the indicators that weigh it.

Curators only: anonymous 401, signed in without a curated territory 403. A territory, or an
indicator, outside the caller's scope answers 404, as every object the caller cannot see.
"""

from django.db.models import Case, Count, IntegerField, QuerySet, Value, When
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import generics, serializers, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from activities.models import Territory
from api.schema import error_response, error_responses
from api.serializers import InputSerializer, validated_query
from backend.errors import NotFound, PermissionDenied
from backend.validation import validation_failed
from curation import coverage_grid
from curation.maps import territory_coverage_png
from curation.models import Indicator
from curation.scope import CuratorScope, curating_organization, require_curator, territory_and_above
from curation.selectors.coverage import territory_coverage, top_category_slugs
from curation.services.indicators import indicator_delete, indicator_upload

OUT_OF_SCOPE = error_response("The territory is not one you curate.", ["not_found"])
INDICATOR_OUT_OF_SCOPE = error_response(
    "No indicator of a territory you curate has this id.", ["not_found"]
)
NOT_A_CURATOR = error_response("You curate no territory.", ["permission_denied"])


# --- looking things up in the caller's scope --------------------------------------------------


def _territory(code: str, scope: CuratorScope) -> Territory:
    territory = Territory.objects.select_related("parent__parent").filter(insee_code=code).first()
    if territory is None:
        raise validation_failed({"territory": [_("No territory has this INSEE code.")]})
    if not scope.covers(territory.pk):
        raise NotFound(_("You do not curate this territory."))
    return territory


def _indicator(slug: str, territory: Territory, scope: CuratorScope) -> Indicator:
    """The indicator of this slug for the territory or a territory above it that the caller
    curates: the caller's own organizations' first, then the nearest territory's."""
    above = [pk for pk in territory_and_above(territory) if scope.covers(pk)]
    mine = Case(
        When(organization_id__in=scope.organization_ids, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    nearest = Case(
        *(When(territory_id=pk, then=Value(rank)) for rank, pk in enumerate(above)),
        output_field=IntegerField(),
    )
    indicator = (
        Indicator.objects.filter(slug=slug, territory_id__in=above)
        .order_by(mine, nearest, "pk")
        .first()
    )
    if indicator is None:
        raise validation_failed({"indicator": [_("No indicator of this territory has this slug.")]})
    return indicator


def _category(slug: str | None) -> str | None:
    if slug in (None, "", coverage_grid.ANY):
        return None
    if slug not in top_category_slugs():
        raise validation_failed({"category": [_("Give the slug of a top category, or any.")]})
    return slug


def visible_indicators(scope: CuratorScope) -> QuerySet[Indicator]:
    indicators = Indicator.objects.select_related("territory", "organization").annotate(
        values_count=Count("values")
    )
    return (
        indicators if scope.everything else indicators.filter(territory_id__in=scope.territory_ids)
    )


# --- coverage -------------------------------------------------------------------------------


class CoverageQuerySerializer(serializers.Serializer):
    territory = serializers.CharField(
        max_length=9, help_text="INSEE code of a territory you curate (commune, EPCI, département)."
    )
    indicator = serializers.SlugField(
        required=False,
        max_length=60,
        help_text="Slug of an indicator of this territory (or of one above it): the shares are "
        "also given weighted by population × the indicator's value per commune.",
    )
    category = serializers.SlugField(
        required=False,
        max_length=60,
        help_text="A top category's slug, or `any` (the default): whose gap grid is returned.",
    )


class CoverageMapQuerySerializer(CoverageQuerySerializer):
    indicator = serializers.SlugField(
        required=False,
        max_length=60,
        help_text="Slug of an indicator of this territory (or of one above it): the gaps are "
        "shaded by population × the indicator's value per commune.",
    )
    category = serializers.SlugField(
        required=False,
        max_length=60,
        help_text="A top category's slug, or `any` (the default): whose gaps and venues are drawn.",
    )


class TerritoryBriefSerializer(serializers.Serializer):
    insee_code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    population = serializers.IntegerField(allow_null=True)


class AccessibilityCountsSerializer(serializers.Serializer):
    wheelchair = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Activities by their venue's wheelchair access: none, partial, full.",
    )
    support = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Activities whose venue offers support for: hearing, visual, psychic, motor, "
        "intellectual.",
    )


class ActivityCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField(
        help_text="Published activities held in the territory or serving it from a distance."
    )
    with_venue = serializers.IntegerField()
    by_category = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Top category slug -> activities with a category under it (an activity may "
        "count in several).",
    )
    by_audience = serializers.DictField(child=serializers.IntegerField())
    by_attendance_mode = serializers.DictField(child=serializers.IntegerField())
    accessibility = AccessibilityCountsSerializer()


class CategoryCoverageSerializer(serializers.Serializer):
    category = serializers.CharField(help_text="A top category's slug, or `any`.")
    name = serializers.CharField(help_text="In the language of the request.")
    venues = serializers.IntegerField(help_text="Distinct venues of in-person activities.")
    population_1km = serializers.IntegerField(
        help_text="People within 1 km (straight line: a proxy for on foot) of a venue."
    )
    share_1km = serializers.FloatField(allow_null=True, help_text="Of the population; null: none.")
    weighted_share_1km = serializers.FloatField(
        allow_null=True,
        help_text="The share weighted by population × the indicator (null without indicator).",
    )
    population_3km = serializers.IntegerField(
        help_text="People within 3 km (straight line: a proxy for public transport)."
    )
    share_3km = serializers.FloatField(allow_null=True)
    weighted_share_3km = serializers.FloatField(allow_null=True)
    gap_population = serializers.IntegerField(help_text="People with no venue within 1 km.")


class GapCellSerializer(serializers.Serializer):
    cell = serializers.CharField(help_text="H3 index (hexadecimal).")
    population = serializers.FloatField()


class GapGridSerializer(serializers.Serializer):
    category = serializers.CharField()
    resolution = serializers.IntegerField(
        help_text="The grid's H3 resolution; the cells are compacted (a coarser cell stands for "
        "its seven children)."
    )
    radius_km = serializers.FloatField()
    population = serializers.IntegerField()
    cells = GapCellSerializer(many=True)


class IndicatorBriefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    source = serializers.CharField()
    communes_with_value = serializers.IntegerField()
    communes_without_value = serializers.IntegerField(help_text="Left out of the weighted shares.")


class CoverageSerializer(serializers.Serializer):
    territory = TerritoryBriefSerializer()
    population = serializers.IntegerField(help_text="Placed on the grid.")
    resolution = serializers.IntegerField(help_text="H3 resolution of the population grid.")
    radii_km = serializers.ListField(child=serializers.FloatField())
    activities = ActivityCountsSerializer()
    indicator = IndicatorBriefSerializer(allow_null=True)
    coverage = CategoryCoverageSerializer(many=True, help_text="Each top category, then `any`.")
    gaps = GapGridSerializer()


def coverage_body(result: dict) -> dict:
    """The selector's result as `CoverageSerializer` describes it (built directly: a gap grid
    holds thousands of cells)."""
    territory = result["territory"]
    return {
        "territory": {
            "insee_code": territory.insee_code,
            "name": territory.name,
            "kind": territory.kind,
            "population": territory.population,
        },
        "population": result["population"],
        "resolution": result["resolution"],
        "radii_km": result["radii_km"],
        "activities": result["activities"],
        "indicator": result["indicator"],
        "coverage": result["coverage"],
        "gaps": {
            **result["gaps"],
            "resolution": result["resolution"],
            "radius_km": result["gap_radius_km"],
        },
    }


@extend_schema(
    tags=["curation"],
    summary="Coverage of a territory you curate",
    description=(
        "Published activities of the territory (held in it or under it, or serving it from a "
        "distance) by top category, audience, attendance mode and accessibility; for each top "
        "category and for any activity, the share of the population within 1 km and within "
        "3 km (straight line: a proxy for on foot and public transport) of a venue of an "
        "in-person activity, weighted by commune population spread over H3 cells (resolution "
        "9) inside the commune's outline, and weighted by an indicator when one is named; the "
        "gap grid of one category (cells with people and no venue within 1 km). Curators "
        "only; a territory outside your scope is a 404."
    ),
    parameters=[CoverageQuerySerializer],
    responses={
        200: CoverageSerializer,
        403: NOT_A_CURATOR,
        404: OUT_OF_SCOPE,
    },
)
class CoverageApi(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        scope = require_curator(request.user)
        params = validated_query(CoverageQuerySerializer, request)
        territory = _territory(params["territory"], scope)
        category = _category(params.get("category"))
        indicator = None
        if params.get("indicator"):
            indicator = _indicator(params["indicator"], territory, scope)
        result = territory_coverage(
            territory=territory,
            indicator=indicator,
            gap_category=category or coverage_grid.ANY,
        )
        return Response(coverage_body(result))


class AnyAcceptedNegotiation(BaseContentNegotiation):
    """The map answers its PNG whatever the client accepts (an `<img>` asks for image/*), and
    its errors in JSON: no 406."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


@extend_schema(
    tags=["curation"],
    summary="Coverage map of a territory you curate (PNG)",
    description=(
        "A 1200 × 1000 PNG: commune outlines, the cells with people and no venue of the "
        "category within 1 km shaded by their population (or by population × the indicator), "
        "the venues as points, a legend, a title and the sources. Errors are JSON."
    ),
    parameters=[CoverageMapQuerySerializer],
    responses={
        (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY, description="The map."),
        403: NOT_A_CURATOR,
        404: OUT_OF_SCOPE,
    },
)
class CoverageMapApi(APIView):
    permission_classes = [IsAuthenticated]
    content_negotiation_class = AnyAcceptedNegotiation

    def get(self, request: Request) -> HttpResponse:
        scope = require_curator(request.user)
        params = validated_query(CoverageMapQuerySerializer, request)
        territory = _territory(params["territory"], scope)
        category = _category(params.get("category"))
        indicator = None
        if params.get("indicator"):
            indicator = _indicator(params["indicator"], territory, scope)
        png = territory_coverage_png(territory=territory, category=category, indicator=indicator)
        response = HttpResponse(png, content_type="image/png")
        response["Cache-Control"] = "private, max-age=60"
        return response


# --- indicators -----------------------------------------------------------------------------


class IndicatorSerializer(serializers.ModelSerializer):
    territory = serializers.SlugRelatedField(slug_field="insee_code", read_only=True)
    organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    values_count = serializers.IntegerField(read_only=True, help_text="Communes with a value.")

    class Meta:
        model = Indicator
        fields = [
            "id", "territory", "organization", "slug", "title", "source", "uploaded_at",
            "values_count",
        ]  # fmt: skip


class IndicatorValueSerializer(serializers.Serializer):
    insee_code = serializers.CharField()
    name = serializers.CharField()
    value = serializers.FloatField()


class IndicatorDetailSerializer(IndicatorSerializer):
    values = serializers.SerializerMethodField()

    class Meta(IndicatorSerializer.Meta):
        fields = [*IndicatorSerializer.Meta.fields, "values"]

    @extend_schema_field(IndicatorValueSerializer(many=True))
    def get_values(self, indicator: Indicator) -> list[dict]:
        return [
            {"insee_code": code, "name": name, "value": value}
            for code, name, value in indicator.values.order_by("territory__insee_code").values_list(
                "territory__insee_code", "territory__name", "value"
            )
        ]


class IndicatorInputSerializer(InputSerializer):
    output_serializer = IndicatorDetailSerializer

    territory = serializers.CharField(
        max_length=9, help_text="INSEE code of the territory you curate that the indicator covers."
    )
    slug = serializers.SlugField(max_length=60, help_text="Uploading the same slug replaces it.")
    title = serializers.CharField(max_length=160)
    source = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    csv = serializers.CharField(
        trim_whitespace=False,
        max_length=500_000,
        help_text="CSV text: a header `insee_code,value`, then one line per commune of the "
        "territory; a value is a number, 0 or more (a decimal comma is accepted, with `;` "
        "between the columns or the value in quotes).",
    )


@extend_schema_view(
    get=extend_schema(
        tags=["curation"],
        summary="Indicators of the territories you curate",
        responses={200: IndicatorSerializer(many=True), 403: NOT_A_CURATOR},
    ),
    post=extend_schema(
        tags=["curation"],
        summary="Upload an indicator per commune (CSV)",
        description=(
            "Stored for your organization that curates the territory; an indicator of the same "
            "slug for that territory is replaced. A bad file is a 400 whose `fields.csv` lists "
            "the lines at fault. A territory outside your scope is a 404."
        ),
        request=IndicatorInputSerializer,
        responses={201: IndicatorDetailSerializer, 404: OUT_OF_SCOPE, **error_responses(409)},
    ),
)
class IndicatorListApi(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = IndicatorSerializer
    cursor_ordering = ("-uploaded_at", "-id")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema's generator
            return Indicator.objects.none()
        return visible_indicators(require_curator(self.request.user))

    def post(self, request: Request) -> Response:
        scope = require_curator(request.user)
        data = IndicatorInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        territory = _territory(fields["territory"], scope)
        organization = curating_organization(scope=scope, territory=territory)
        if organization is None:
            raise PermissionDenied(_("Only the curators of a territory can do this."))
        indicator = indicator_upload(
            organization=organization,
            territory=territory,
            slug=fields["slug"],
            title=fields["title"],
            source=fields["source"],
            csv_text=fields["csv"],
            by=request.user,
        )
        indicator = visible_indicators(scope).get(pk=indicator.pk)
        return Response(IndicatorDetailSerializer(indicator).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        tags=["curation"],
        summary="One indicator, with its values",
        responses={
            200: IndicatorDetailSerializer,
            403: NOT_A_CURATOR,
            404: INDICATOR_OUT_OF_SCOPE,
        },
    ),
    delete=extend_schema(
        tags=["curation"],
        summary="Delete an indicator (the curators of its organization)",
        responses={204: None, 404: INDICATOR_OUT_OF_SCOPE},
    ),
)
class IndicatorDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    def _indicator(self, request: Request, pk: int) -> Indicator:
        return get_object_or_404(visible_indicators(require_curator(request.user)), pk=pk)

    def get(self, request: Request, pk: int) -> Response:
        return Response(IndicatorDetailSerializer(self._indicator(request, pk)).data)

    def delete(self, request: Request, pk: int) -> Response:
        indicator_delete(indicator=self._indicator(request, pk), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
