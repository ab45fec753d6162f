"""Reference data and providers: categories, territories, organizations, members, places."""

from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from activities import choices, selectors, services
from activities.models import Category, Membership, Organization, Place, Territory
from api.permissions import IsOrganizationEditor
from api.schema import error_responses
from api.serializers import InputSerializer, ModelInputSerializer, validated_query

# --- categories -----------------------------------------------------------------------------


class CategorySerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField(help_text="Name in the language of the request.")
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Category
        fields = ["slug", "name", "name_fr", "name_en", "icon", "parent"]

    def get_name(self, category: Category) -> str:
        return category.name_in(get_language() or "fr")


class CategoryTreeSerializer(CategorySerializer):
    children = CategorySerializer(many=True, read_only=True)

    class Meta(CategorySerializer.Meta):
        fields = [*CategorySerializer.Meta.fields, "children"]


@extend_schema(
    tags=["reference"],
    summary="The interest taxonomy",
    description="Top categories with their sub-categories; `name` follows `Accept-Language`.",
)
class CategoryListApi(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = CategoryTreeSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.category_tree()


# --- territories ----------------------------------------------------------------------------


class TerritorySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="insee_code", read_only=True, allow_null=True)
    bbox = serializers.SerializerMethodField(help_text="[min_lng, min_lat, max_lng, max_lat]")

    class Meta:
        model = Territory
        fields = ["insee_code", "name", "kind", "parent", "population", "bbox"]

    def get_bbox(self, territory: Territory) -> list[float] | None:
        if territory.min_lat is None:
            return None
        return [territory.min_lng, territory.min_lat, territory.max_lng, territory.max_lat]


class TerritoryDetailSerializer(TerritorySerializer):
    class Meta(TerritorySerializer.Meta):
        fields = [*TerritorySerializer.Meta.fields, "boundary"]


class TerritoryQuerySerializer(serializers.Serializer):
    """The territory list's filters: documented and validated by the same fields."""

    kind = serializers.ChoiceField(choices=choices.TerritoryKind.choices, required=False)
    q = serializers.CharField(required=False, allow_blank=True, help_text="Part of the name.")
    parent = serializers.CharField(
        required=False, allow_blank=True, help_text="INSEE code of the parent territory."
    )


@extend_schema_view(
    get=extend_schema(
        tags=["reference"],
        summary="Territories",
        description="Communes, intercommunalities (EPCI) and départements, without outlines.",
        parameters=[TerritoryQuerySerializer],
    )
)
class TerritoryListApi(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = TerritorySerializer
    cursor_ordering = ("name", "id")

    def get_queryset(self):
        territories = selectors.territory_list().select_related("parent")
        params = validated_query(TerritoryQuerySerializer, self.request)
        if kind := params.get("kind"):
            territories = territories.filter(kind=kind)
        if q := params.get("q"):
            territories = territories.filter(name__icontains=q)
        if parent := params.get("parent"):
            territories = territories.filter(parent__insee_code=parent)
        return territories


@extend_schema(tags=["reference"], summary="One territory, with its outline (GeoJSON)")
class TerritoryDetailApi(generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    serializer_class = TerritoryDetailSerializer
    lookup_field = "insee_code"
    queryset = Territory.objects.select_related("parent")


# --- organizations --------------------------------------------------------------------------


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = [
            "slug", "name", "kind", "description", "email", "phone", "website", "rna", "siren",
            "verified", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["slug", "verified", "created_at", "updated_at"]


class OrganizationInputSerializer(ModelInputSerializer):
    output_serializer = OrganizationSerializer

    class Meta:
        model = Organization
        fields = ["name", "kind", "description", "email", "phone", "website", "rna", "siren"]
        extra_kwargs = {"name": {"required": True}}


class OrganizationQuerySerializer(serializers.Serializer):
    """The organization list's filters: documented and validated by the same fields."""

    kind = serializers.ChoiceField(choices=choices.OrganizationKind.choices, required=False)
    mine = serializers.BooleanField(
        required=False, help_text="Only the organizations I am a member of (signed in)."
    )


@extend_schema_view(
    get=extend_schema(
        tags=["organizations"], summary="Organizations", parameters=[OrganizationQuerySerializer]
    ),
    post=extend_schema(
        tags=["organizations"],
        summary="Create an organization",
        description=(
            "The signed-in user becomes its owner. A new organization is not verified: its "
            "activities go through review before they are published."
        ),
        request=OrganizationInputSerializer,
        responses={201: OrganizationSerializer},
    ),
)
class OrganizationListApi(generics.ListCreateAPIView):
    serializer_class = OrganizationSerializer
    cursor_ordering = ("name", "id")

    def get_queryset(self):
        organizations = selectors.organization_list()
        params = validated_query(OrganizationQuerySerializer, self.request)
        if kind := params.get("kind"):
            organizations = organizations.filter(kind=kind)
        if params.get("mine") and self.request.user.is_authenticated:
            organizations = organizations.filter(memberships__user=self.request.user)
        return organizations

    def create(self, request: Request, *args, **kwargs) -> Response:
        data = OrganizationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        organization = services.organization_create(by=request.user, **data.validated_data)
        return Response(OrganizationSerializer(organization).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        tags=["organizations"], summary="One organization", responses=OrganizationSerializer
    ),
    patch=extend_schema(
        tags=["organizations"],
        summary="Edit an organization (its editors)",
        request=OrganizationInputSerializer,
        responses=OrganizationSerializer,
    ),
)
class OrganizationDetailApi(APIView):
    def get(self, request: Request, slug: str) -> Response:
        return Response(OrganizationSerializer(get_object_or_404(Organization, slug=slug)).data)

    def patch(self, request: Request, slug: str) -> Response:
        organization = get_object_or_404(Organization, slug=slug)
        data = OrganizationInputSerializer(organization, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        organization = services.organization_update(
            organization=organization, by=request.user, **data.validated_data
        )
        return Response(OrganizationSerializer(organization).data)


class MembershipSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email")
    display_name = serializers.CharField(source="user.display_name")

    class Meta:
        model = Membership
        fields = ["id", "email", "display_name", "role", "created_at"]


class MembershipInputSerializer(InputSerializer):
    output_serializer = MembershipSerializer

    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(
        choices=choices.MembershipRole.choices, default=choices.MembershipRole.EDITOR
    )


@extend_schema_view(
    get=extend_schema(
        tags=["organizations"],
        summary="Members of an organization (its members only)",
        responses={200: MembershipSerializer(many=True), **error_responses(403)},
    ),
    post=extend_schema(
        tags=["organizations"],
        summary="Add an editor or an owner by email (owners only)",
        description="The person must already have an account. 409 if already a member.",
        request=MembershipInputSerializer,
        responses={201: MembershipSerializer, **error_responses(409)},
    ),
)
class MembershipListApi(APIView):
    permission_classes = [IsAuthenticated, IsOrganizationEditor]

    def get_organization(self, slug: str) -> Organization:
        organization = get_object_or_404(Organization, slug=slug)
        if self.request.method == "GET":
            self.check_object_permissions(self.request, organization)
        return organization

    def get(self, request: Request, slug: str) -> Response:
        members = selectors.membership_list(organization=self.get_organization(slug))
        return Response(MembershipSerializer(members, many=True).data)

    def post(self, request: Request, slug: str) -> Response:
        organization = self.get_organization(slug)
        data = MembershipInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.membership_add(
            organization=organization, by=request.user, **data.validated_data
        )
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=["organizations"],
    summary="Remove a member (owners; anyone may leave)",
    description="An organization keeps at least one owner (409).",
    responses={204: None, **error_responses(409)},
)
class MembershipDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    def delete(self, request: Request, slug: str, pk: int) -> Response:
        membership = get_object_or_404(
            Membership.objects.select_related("organization"), pk=pk, organization__slug=slug
        )
        services.membership_remove(membership=membership, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- places ---------------------------------------------------------------------------------


class PlaceSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    territory = serializers.SlugRelatedField(
        slug_field="insee_code", read_only=True, allow_null=True
    )
    accessibility = serializers.ListField(
        child=serializers.ChoiceField(choices=choices.ACCESSIBILITY_FLAGS), read_only=True
    )

    class Meta:
        model = Place
        fields = [
            "id", "organization", "name", "address", "postal_code", "city", "insee_code",
            "territory", "lat", "lng", "h3_cell", "transport_access", "wheelchair",
            "accessibility", "updated_at",
        ]  # fmt: skip


class PlaceInputSerializer(InputSerializer):
    output_serializer = PlaceSerializer
    create_only = ("organization",)

    organization = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Organization.objects.all(),
        help_text="Slug of the owning organization (set at creation, never changed).",
    )
    name = serializers.CharField(max_length=160)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    postal_code = serializers.RegexField(r"^\d{5}$", required=False, allow_blank=True)
    city = serializers.CharField(max_length=120, required=False, allow_blank=True)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lng = serializers.FloatField(min_value=-180, max_value=180)
    transport_access = serializers.CharField(max_length=300, required=False, allow_blank=True)
    wheelchair = serializers.ChoiceField(choices=choices.WheelchairAccess.choices, required=False)
    accessibility = serializers.ListField(
        child=serializers.ChoiceField(choices=choices.ACCESSIBILITY_FLAGS), required=False
    )

    def to_service_fields(self) -> dict:
        fields = dict(self.validated_data)
        fields.pop("organization", None)
        flags = fields.pop("accessibility", None)
        if flags is not None:
            for flag in choices.ACCESSIBILITY_FLAGS:
                fields[f"{flag}_support"] = flag in flags
        return fields


@extend_schema_view(
    get=extend_schema(
        tags=["places"],
        summary="Places (venues)",
        parameters=[OpenApiParameter("organization", description="Organization slug.")],
    ),
    post=extend_schema(
        tags=["places"],
        summary="Create a place (editors of the organization)",
        description=(
            "Its commune (territory) is found from the coordinates by point in polygon and its "
            "H3 cell computed."
        ),
        request=PlaceInputSerializer,
        responses={201: PlaceSerializer},
    ),
)
class PlaceListApi(generics.ListCreateAPIView):
    serializer_class = PlaceSerializer
    cursor_ordering = ("name", "id")

    def get_queryset(self):
        places = selectors.place_list()
        if organization := self.request.query_params.get("organization"):
            places = places.filter(organization__slug=organization)
        return places

    def create(self, request: Request, *args, **kwargs) -> Response:
        data = PlaceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        place = services.place_create(
            organization=data.validated_data["organization"],
            by=request.user,
            **data.to_service_fields(),
        )
        return Response(PlaceSerializer(place).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(tags=["places"], summary="One place", responses=PlaceSerializer),
    patch=extend_schema(
        tags=["places"],
        summary="Edit a place (editors)",
        request=PlaceInputSerializer,
        responses=PlaceSerializer,
    ),
    delete=extend_schema(
        tags=["places"],
        summary="Delete a place (editors)",
        description="409 while activities that are not archived take place there.",
        responses={204: None, **error_responses(409)},
    ),
)
class PlaceDetailApi(APIView):
    def get_place(self, pk: int) -> Place:
        return get_object_or_404(selectors.place_list(), pk=pk)

    def get(self, request: Request, pk: int) -> Response:
        return Response(PlaceSerializer(self.get_place(pk)).data)

    def patch(self, request: Request, pk: int) -> Response:
        place = self.get_place(pk)
        data = PlaceInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        place = services.place_update(place=place, by=request.user, **data.to_service_fields())
        return Response(PlaceSerializer(place).data)

    def delete(self, request: Request, pk: int) -> Response:
        services.place_delete(place=self.get_place(pk), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
