"""The one activity card: what a phone shows of an activity in any list (search, sessions,
recommendations, favorites). `ActivityCardSerializer` documents it in the OpenAPI document;
`activity_card` renders it from a card row (activities.selectors.activity_cards)."""

import datetime
import functools

from django.utils import timezone
from rest_framework import serializers

from activities import choices
from activities.models import Activity, Occurrence, Organization, Place
from api.serializers import MaskListField


class OrganizationSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["slug", "name", "kind", "verified"]


class UpcomingSessionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Occurrence
        fields = ["id", "start", "end", "status"]


class PlaceCardSerializer(serializers.ModelSerializer):
    class Meta:
        model = Place
        fields = ["id", "name", "city", "postal_code", "lat", "lng", "wheelchair"]


class ActivityCardSerializer(serializers.ModelSerializer):
    """An activity as a phone shows it in any list, without the long description."""

    organization = OrganizationSummarySerializer(read_only=True)
    categories = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    audiences = MaskListField(vocabulary=choices.AUDIENCES, source="audiences_mask")
    languages = MaskListField(vocabulary=choices.LANGUAGES, source="languages_mask")
    place = PlaceCardSerializer(read_only=True, allow_null=True)
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


# Cards are rendered by hand from the rows of activities.search.cards: a serializer per row
# cost more than the query. A test checks that the keys are those of ActivityCardSerializer,
# which documents them, and that the values are DRF's.
_PRICE = serializers.DecimalField(max_digits=8, decimal_places=2)
_ZONE = timezone.get_default_timezone()


def render_datetime(value: datetime.datetime | None) -> str | None:
    """An aware datetime as DRF's DateTimeField renders it: ISO 8601 in the project's zone (no
    request activates another one), "Z" for UTC. Every datetime of a card or a list built by
    hand goes through here, so the app reads one format. Written out because a page holds up
    to 140 datetimes and the field's own path looks up its settings and zone on each value;
    cached because sessions start at few distinct times."""
    # Keyed by zone and fold too: within a zone, the two times of the hour when clocks go back
    # compare (and hash) equal, and across zones equal instants may be written apart.
    return None if value is None else _render(value, value.tzinfo, value.fold)


@functools.lru_cache(maxsize=8192)
def _render(value: datetime.datetime, zone: datetime.tzinfo, fold: int) -> str:
    text = value.astimezone(_ZONE).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


@functools.lru_cache(maxsize=4096)
def _price(value) -> str | None:
    # Cached: DRF's rendering looks up its settings on each value, and prices repeat.
    return None if value is None else _PRICE.to_representation(value)


def upcoming_session(session: dict) -> dict:
    """A session as a card or a recommendation shows it, documented by
    UpcomingSessionSerializer."""
    return {
        "id": session["id"],
        "start": render_datetime(session["start"]),
        "end": render_datetime(session["end"]),
        "status": session["status"],
    }


def activity_card(row: dict) -> dict:
    """A card row (activities.selectors.activity_cards, or a search's rows) as the app gets it,
    documented by ActivityCardSerializer."""
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
        "next_occurrences": [upcoming_session(session) for session in row["next_occurrences"]],
        "updated_at": render_datetime(row["updated_at"]),
    }
