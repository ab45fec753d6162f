"""The matcher over HTTP: the resident's profile, recommendations, feedback."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from activities import choices as activity_choices
from activities import taxonomy
from activities.models import Activity
from activities.selectors import activity_cards
from api.cards import (
    ActivityCardSerializer,
    UpcomingSessionSerializer,
    activity_card,
    render_datetime,
)
from api.schema import error_responses
from api.serializers import MaskListField
from matching import engine, services
from matching.choices import TRANSPORT_MODES, FeedbackSignal
from matching.models import ResidentProfile
from matching.scheduling import recommendations_schedule
from matching.selectors import recommendation_list_for

SLOTS = [
    f"{day}_{part}" for day in activity_choices.WEEKDAYS for part in activity_choices.PARTS_OF_DAY
]


class SlotsField(serializers.ListField):
    """Weekly availability as ["tue_afternoon", ...], stored as a 21-bit mask."""

    child = serializers.ChoiceField(choices=SLOTS)

    def to_representation(self, mask: int) -> list[str]:
        return [slot for bit, slot in enumerate(SLOTS) if mask >> bit & 1]

    def to_internal_value(self, data) -> int:
        return sum(1 << SLOTS.index(slot) for slot in set(super().to_internal_value(data)))


class PointSerializer(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lng = serializers.FloatField(min_value=-180, max_value=180)


class InterestsField(serializers.DictField):
    child = serializers.FloatField(min_value=0, max_value=1)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        known = set(taxonomy.slugs())
        unknown = sorted(set(value) - known)
        if unknown:
            raise serializers.ValidationError(f"Unknown categories: {', '.join(unknown)}.")
        return value


class ProfileSerializer(serializers.ModelSerializer):
    home = serializers.SerializerMethodField(
        help_text="The stored home: the centre of a cell of about 0.7 km², never the address."
    )
    availability = SlotsField(source="availability_mask")
    languages = MaskListField(vocabulary=activity_choices.LANGUAGES, source="languages_mask")
    audiences = MaskListField(vocabulary=activity_choices.AUDIENCES, source="audiences_mask")

    class Meta:
        model = ResidentProfile
        fields = [
            "home", "max_distance_km", "transport_modes", "step_free", "homebound",
            "birth_year", "interests", "availability", "languages", "budget_max",
            "attendance_modes", "group_sizes", "audiences", "loneliness_score",
            "matching_consent_at", "sensitive_consent_at", "updated_at",
        ]  # fmt: skip

    def get_home(self, profile: ResidentProfile) -> dict | None:
        if profile.home_lat is None:
            return None
        return {"lat": profile.home_lat, "lng": profile.home_lng}


class ProfileInputSerializer(serializers.Serializer):
    home = PointSerializer(
        required=False, allow_null=True, help_text="Coarsened before it is stored."
    )
    max_distance_km = serializers.FloatField(min_value=0.2, max_value=50, required=False)
    transport_modes = serializers.ListField(
        child=serializers.ChoiceField(choices=TRANSPORT_MODES), required=False
    )
    step_free = serializers.BooleanField(required=False)
    homebound = serializers.BooleanField(required=False)
    birth_year = serializers.IntegerField(
        min_value=1900, max_value=2100, required=False, allow_null=True
    )
    interests = InterestsField(required=False, help_text="Category slug -> weight 0..1.")
    availability = SlotsField(required=False)
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=activity_choices.LANGUAGES),
        required=False,
        allow_empty=False,
    )
    budget_max = serializers.DecimalField(
        max_digits=7, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    attendance_modes = serializers.ListField(
        child=serializers.ChoiceField(choices=engine.MODES), required=False
    )
    group_sizes = serializers.ListField(
        child=serializers.ChoiceField(choices=activity_choices.GroupSize.values), required=False
    )
    audiences = serializers.ListField(
        child=serializers.ChoiceField(choices=activity_choices.AUDIENCES),
        required=False,
        help_text="Sensitive: needs sensitive_consent.",
    )
    loneliness_score = serializers.IntegerField(
        min_value=3, max_value=9, required=False, allow_null=True,
        help_text="UCLA 3-item scale, 3 to 9. Sensitive: needs sensitive_consent.",
    )  # fmt: skip
    matching_consent = serializers.BooleanField(required=False)
    sensitive_consent = serializers.BooleanField(required=False)

    def to_service_fields(self) -> dict:
        data = dict(self.validated_data)
        if "home" in data:
            home = data.pop("home")
            data["home"] = None if home is None else (home["lat"], home["lng"])
        if "availability" in data:
            data["availability_mask"] = data.pop("availability")
        if "languages" in data:
            data["languages_mask"] = activity_choices.mask_of(
                data.pop("languages"), activity_choices.LANGUAGES
            )
        return data


@extend_schema_view(
    get=extend_schema(
        tags=["matching"], summary="My matching profile", responses=ProfileSerializer
    ),
    patch=extend_schema(
        tags=["matching"],
        summary="Change my matching profile",
        description=(
            "Recommendations need `matching_consent`. The home point is coarsened to the centre "
            "of a cell of about 0.7 km² before it is stored and is never shown to anyone else. "
            "`audiences` and `loneliness_score` are sensitive: they need `sensitive_consent` "
            "(given now or before); withdrawing it erases them. A change queues a "
            "recomputation of the recommendations."
        ),
        request=ProfileInputSerializer,
        responses=ProfileSerializer,
    ),
)
class ProfileApi(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        profile, _ = ResidentProfile.objects.get_or_create(user=request.user)
        return Response(ProfileSerializer(profile).data)

    def patch(self, request: Request) -> Response:
        data = ProfileInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        profile = services.profile_update(user=request.user, **data.to_service_fields())
        return Response(ProfileSerializer(profile).data)


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="interest, near, step_free, online, at_home, ...")
    params = serializers.DictField(help_text='e.g. {"category": "chorale-chant"}')
    text = serializers.CharField(help_text="The reason in the language of the request.")


class RecommendationSerializer(serializers.Serializer):
    activity = ActivityCardSerializer(help_text="The activity card, as search gives it.")
    score = serializers.FloatField()
    reasons = ReasonSerializer(many=True)
    next_occurrence = UpcomingSessionSerializer(
        allow_null=True, help_text="The first of the card's next occurrences."
    )


class RecommendationListSerializer(serializers.Serializer):
    computed_at = serializers.DateTimeField(allow_null=True)
    engine_version = serializers.CharField(allow_null=True)
    results = RecommendationSerializer(many=True)


@extend_schema(
    tags=["matching"],
    summary="My recommendations",
    description=(
        "Up to 20 activities, best first, each with its reasons (rendered in the language of "
        "the request) and its next session. Activities no longer published are left out."
    ),
    responses=RecommendationListSerializer,
)
class RecommendationListApi(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        listing = recommendation_list_for(user=request.user, language=(get_language() or "fr")[:2])
        rows = activity_cards(ids=[item.activity_id for item in listing.items], now=timezone.now())
        cards = {row["id"]: activity_card(row) for row in rows}
        results = []
        for item in listing.items:
            card = cards.get(item.activity_id)
            if card is None:
                continue
            sessions = card["next_occurrences"]
            results.append(
                {
                    "activity": card,
                    "score": item.score,
                    "reasons": item.reasons,
                    "next_occurrence": sessions[0] if sessions else None,
                }
            )
        return Response(
            {
                "computed_at": render_datetime(listing.computed_at),
                "engine_version": listing.engine_version,
                "results": results,
            }
        )


@extend_schema(
    tags=["matching"],
    summary="Recompute my recommendations",
    description="Queued; answers 202 at once.",
    request=None,
    responses={
        202: inline_serializer(
            "RecommendationRefreshQueued",
            fields={"status": serializers.ChoiceField(choices=["queued"])},
        )
    },
)
class RecommendationRefreshApi(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request: Request) -> Response:
        recommendations_schedule(user_ids=[request.user.pk])
        return Response({"status": "queued"}, status=status.HTTP_202_ACCEPTED)


class FeedbackInputSerializer(serializers.Serializer):
    activity = serializers.IntegerField()
    signal = serializers.ChoiceField(choices=FeedbackSignal.choices)
    rating = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)


@extend_schema(
    tags=["matching"],
    summary="Tell the matcher what I think of an activity",
    description=(
        "`dismissed` removes it for good; `saved` and `joined` bring similar ones forward; "
        "`rating` needs a rating from 1 to 5."
    ),
    request=FeedbackInputSerializer,
    responses={
        201: inline_serializer(
            "FeedbackRecorded", fields={"status": serializers.ChoiceField(choices=["recorded"])}
        ),
        **error_responses(404),
    },
)
class FeedbackApi(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request: Request) -> Response:
        data = FeedbackInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        activity = get_object_or_404(
            Activity,
            pk=data.validated_data["activity"],
            status=activity_choices.ActivityStatus.PUBLISHED,
        )
        services.feedback_record(
            user=request.user,
            activity=activity,
            signal=data.validated_data["signal"],
            rating=data.validated_data.get("rating"),
        )
        return Response({"status": "recorded"}, status=status.HTTP_201_CREATED)
