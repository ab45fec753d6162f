"""Collections: curated, ordered lists of activities per territory, read by residents and
written by the curators of the territory."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response

from activities.models import Territory
from activities.selectors import activity_cards
from api.cards import ActivityCardSerializer, OrganizationSummarySerializer, activity_card
from api.schema import error_response
from api.serializers import InputSerializer, validated_query
from curation.choices import CollectionStatus
from curation.models import Collection, CollectionItem
from curation.scope import curator_scope
from curation.selectors.collections import (
    PUBLISHED_ACTIVITY,
    collection_curated_by,
    collection_items,
    collection_list,
    collection_visible_to,
)
from curation.services.collections import (
    MAX_ITEMS,
    ItemInput,
    collection_create,
    collection_delete,
    collection_set_items,
    collection_update,
)

NOT_A_CURATOR = error_response(
    "Signed in, but not a curator of the collection's territory.", ["permission_denied"]
)
COLLECTION_NOT_FOUND = error_response(
    "No published collection has this slug (nor a draft of a territory the user curates).",
    ["not_found"],
)
INPUT_CODES = ["invalid", "required", "invalid_choice", "invalid_text", "unknown_field"]


class CollectionTerritorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Territory
        fields = ["insee_code", "name", "kind"]


class CollectionSerializer(serializers.ModelSerializer):
    territory = CollectionTerritorySerializer(read_only=True)
    organization = OrganizationSummarySerializer(read_only=True)
    items_count = serializers.IntegerField(
        read_only=True, help_text="How many of its activities are published."
    )

    class Meta:
        model = Collection
        fields = [
            "slug", "title", "description", "status", "territory", "organization",
            "items_count", "created_at", "updated_at",
        ]  # fmt: skip


class CollectionItemSerializer(serializers.Serializer):
    """Documents an item of a collection (rendered by `_items`)."""

    position = serializers.IntegerField(help_text="0 for the first.")
    note = serializers.CharField(help_text="The curators' word on this activity.")
    published = serializers.BooleanField(
        help_text="Residents see published activities only; its curators see every item."
    )
    activity = ActivityCardSerializer(help_text="The activity card, as search gives it.")


class CollectionDetailSerializer(CollectionSerializer):
    items = CollectionItemSerializer(many=True, read_only=True)

    class Meta(CollectionSerializer.Meta):
        fields = [*CollectionSerializer.Meta.fields, "items"]


def _max_length(model, name: str) -> int:
    return model._meta.get_field(name).max_length


class CollectionInputSerializer(InputSerializer):
    """A collection's own fields (its activities: `PUT collections/{slug}/items/`)."""

    output_serializer = CollectionDetailSerializer
    create_only = ("territory",)

    territory = serializers.SlugRelatedField(
        slug_field="insee_code",
        queryset=Territory.objects.all(),
        help_text=(
            "INSEE code of the territory (commune, EPCI or département) the collection is for; "
            "one the user curates. Set at creation, never changed."
        ),
    )
    title = serializers.CharField(max_length=_max_length(Collection, "title"))
    description = serializers.CharField(
        max_length=_max_length(Collection, "description"), required=False, allow_blank=True
    )
    status = serializers.ChoiceField(
        choices=CollectionStatus.choices,
        required=False,
        help_text="`published` shows it to residents; `draft` (the default) hides it.",
    )


class CollectionItemInputSerializer(InputSerializer):
    """One entry of a collection's list."""

    activity = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        help_text="A published activity of the collection's territory (an activity id).",
    )
    note = serializers.CharField(
        max_length=_max_length(CollectionItem, "note"), required=False, allow_blank=True
    )


class CollectionItemsInputSerializer(InputSerializer):
    """A collection's whole list of activities, in order."""

    items = serializers.ListField(
        child=CollectionItemInputSerializer(),
        max_length=MAX_ITEMS,
        help_text="The whole list, in order; it replaces the one there was.",
    )


class CollectionQuerySerializer(serializers.Serializer):
    """The collection list's filters: documented and validated by the same fields."""

    territory = serializers.CharField(
        max_length=_max_length(Territory, "insee_code"),
        required=False,
        help_text=(
            "INSEE code: the collections of this territory and of those above it (a commune's "
            "EPCI and département); none for a code that names no territory, as in search."
        ),
    )


class CuratesCollection(BasePermission):
    """Writes to a collection are for the curators of its territory; checked before the input,
    so that someone who may not write is told so whatever they sent."""

    def has_permission(self, request: Request, view) -> bool:
        if request.method == "POST":
            return curator_scope(request.user).is_curator
        return True

    def has_object_permission(self, request: Request, view, obj: Collection) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return collection_curated_by(user=request.user, collection=obj)


def _items(collection: Collection, *, curated: bool) -> list[dict]:
    """The items as CollectionItemSerializer documents them; residents get the published ones."""
    items = list(collection_items(collection=collection, published_only=not curated))
    rows = activity_cards(ids=[item.activity_id for item in items], now=timezone.now())
    cards = {row["id"]: activity_card(row) for row in rows}
    return [
        {
            "position": item.position,
            "note": item.note,
            "published": item.activity.status == PUBLISHED_ACTIVITY,
            "activity": cards[item.activity_id],
        }
        for item in items
        if item.activity_id in cards
    ]


def _detail(collection: Collection, user) -> dict:
    curated = collection_curated_by(user=user, collection=collection)
    collection = collection_list(user=user).get(pk=collection.pk)  # with its items_count
    body = CollectionSerializer(collection).data
    body["items"] = _items(collection, curated=curated)
    return body


@extend_schema_view(
    get=extend_schema(
        tags=["curation"],
        summary="Collections",
        description=(
            "Published collections, by title, each with the number of its published "
            "activities; a curator also sees the drafts of the territories they curate. "
            "`territory` gives a resident's: those of their commune, its EPCI and its "
            "département."
        ),
        parameters=[CollectionQuerySerializer],
        responses={
            200: CollectionSerializer(many=True),
            400: error_response(
                "A bad filter (an empty or too long territory code), page size or cursor.",
                ["invalid", "blank", "max_length", "invalid_cursor"],
            ),
        },
    ),
    post=extend_schema(
        tags=["curation"],
        summary="Create a collection (curators of the territory)",
        description=(
            "A draft by default; its slug is made from the title and kept. It is made in the "
            "name of the user's organization that curates the territory. Then `PUT "
            "collections/{slug}/items/` gives its activities."
        ),
        request=CollectionInputSerializer,
        responses={
            201: CollectionDetailSerializer,
            400: error_response("Invalid input, named in `fields`.", INPUT_CODES),
            403: NOT_A_CURATOR,
        },
    ),
)
class CollectionListApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticatedOrReadOnly, CuratesCollection]
    serializer_class = CollectionSerializer
    filter_backends: list = []  # validated_query filters
    cursor_ordering = ("title", "id")

    def get(self, request: Request) -> Response:
        params = validated_query(CollectionQuerySerializer, request)
        collections = collection_list(user=request.user, territory=params.get("territory", ""))
        page = self.paginate_queryset(collections)
        return self.get_paginated_response(CollectionSerializer(page, many=True).data)

    def post(self, request: Request) -> Response:
        data = CollectionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        collection = collection_create(by=request.user, **data.validated_data)
        return Response(_detail(collection, request.user), status=status.HTTP_201_CREATED)


class _CollectionApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticatedOrReadOnly, CuratesCollection]
    serializer_class = CollectionDetailSerializer

    def get_object(self) -> Collection:
        collection = get_object_or_404(
            collection_visible_to(user=self.request.user).select_related("territory"),
            slug=self.kwargs["slug"],
        )
        self.check_object_permissions(self.request, collection)
        return collection


@extend_schema_view(
    get=extend_schema(
        tags=["curation"],
        summary="One collection, with its activities in order",
        description=(
            "Each item carries the activity's card, as search gives it, and the curators' "
            "note. Residents see the published activities; the curators of the territory see "
            "every item (`published` tells them apart)."
        ),
        responses={200: CollectionDetailSerializer, 404: COLLECTION_NOT_FOUND},
    ),
    patch=extend_schema(
        tags=["curation"],
        summary="Edit, publish or unpublish a collection (curators of the territory)",
        description="`status`: `published` shows it to residents, `draft` hides it again.",
        request=CollectionInputSerializer,
        responses={
            200: CollectionDetailSerializer,
            400: error_response("Invalid input, named in `fields`.", INPUT_CODES),
            403: NOT_A_CURATOR,
            404: COLLECTION_NOT_FOUND,
        },
    ),
    delete=extend_schema(
        tags=["curation"],
        summary="Delete a collection (curators of the territory)",
        responses={204: None, 403: NOT_A_CURATOR, 404: COLLECTION_NOT_FOUND},
    ),
)
class CollectionDetailApi(_CollectionApi):
    def get(self, request: Request, slug: str) -> Response:
        return Response(_detail(self.get_object(), request.user))

    def patch(self, request: Request, slug: str) -> Response:
        collection = self.get_object()
        data = CollectionInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        collection = collection_update(
            collection=collection, by=request.user, **data.validated_data
        )
        return Response(_detail(collection, request.user))

    def delete(self, request: Request, slug: str) -> Response:
        collection_delete(collection=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(
    tags=["curation"],
    summary="Set a collection's activities, in order (curators of the territory)",
    description=(
        'The whole list `{"items": [{"activity", "note"}]}` replaces the one there was. '
        f"At most {MAX_ITEMS}; each activity published, of the collection's territory (taking "
        "place in it or under it, or serving it from afar) and listed once: otherwise 400 "
        "naming the entry (`items.3.activity`), and the list stays as it was."
    ),
    request=CollectionItemsInputSerializer,
    responses={
        200: CollectionDetailSerializer,
        400: error_response(
            "Invalid input, named in `fields`.", [*INPUT_CODES, "invalid_type", "max_length"]
        ),
        403: NOT_A_CURATOR,
        404: COLLECTION_NOT_FOUND,
    },
)
class CollectionItemsApi(_CollectionApi):
    def put(self, request: Request, slug: str) -> Response:
        collection = self.get_object()
        data = CollectionItemsInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        items = [
            ItemInput(activity=item["activity"], note=item.get("note", ""))
            for item in data.validated_data["items"]
        ]
        collection = collection_set_items(collection=collection, by=request.user, items=items)
        return Response(_detail(collection, request.user))
