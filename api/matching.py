"""The matcher over HTTP: the resident's profile, recommendations, feedback."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import generics, serializers, status
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
    upcoming_session,
)
from api.schema import BAD_LIST_QUERY, activity_filter, error_response
from api.serializers import InputSerializer, MaskListField
from matching import engine, services
from matching.choices import TRANSPORT_MODES, FeedbackSignal
from matching.models import Feedback, ResidentProfile
from matching.selectors import Shortfall, feedback_list, feedback_of, recommendation_list_for

SLOTS = [
    f"{day}_{part}" for day in activity_choices.WEEKDAYS for part in activity_choices.PARTS_OF_DAY
]


NOT_SIGNED_IN = error_response("Not signed in.", ["not_authenticated", "token_not_valid"])
NO_CONSENT = error_response(
    "The resident has not consented to matching (`PATCH me/profile/` with "
    "`matching_consent: true` gives it).",
    ["consent_required"],
)


class SlotsField(serializers.ListField):
    """Weekly availability as ["tue_afternoon", ...], stored as a 21-bit mask."""

    child = serializers.ChoiceField(choices=SLOTS)

    def to_representation(self, mask: int) -> list[str]:
        return [slot for bit, slot in enumerate(SLOTS) if mask >> bit & 1]

    def to_internal_value(self, data) -> int:
        return sum(1 << SLOTS.index(slot) for slot in set(super().to_internal_value(data)))


class PointSerializer(InputSerializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lng = serializers.FloatField(min_value=-180, max_value=180)


class InterestsField(serializers.DictField):
    child = serializers.FloatField(min_value=0, max_value=1)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        known = set(taxonomy.slugs())
        unknown = sorted(set(value) - known)
        if unknown:
            raise serializers.ValidationError(
                _("Unknown categories: %(slugs)s.") % {"slugs": ", ".join(unknown)}
            )
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


class ProfileInputSerializer(InputSerializer):
    output_serializer = ProfileSerializer

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
        tags=["matching"],
        summary="My matching profile",
        responses={200: ProfileSerializer, 401: NOT_SIGNED_IN},
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
        responses={
            200: ProfileSerializer,
            400: error_response("Invalid input, named in `fields`.", ["invalid", "required"]),
            401: NOT_SIGNED_IN,
        },
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
        allow_null=True,
        help_text=(
            'The session to show beside the reasons: when `fits_availability` ("when you are '
            'free") is one of them, the next session at a time the resident is free; '
            "otherwise the card's first next session."
        ),
    )


class ShortfallSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(
        choices=Shortfall.choices,
        help_text=(
            "`not_computed_yet`: the list is being computed (first time, or since the profile "
            "changed); `no_home`: no home area in the profile, so only activities online, by "
            "phone or at home; `few_nearby`: fewer than 20 activities within the resident's "
            "reach at all; `constraints`: the resident's needs and preferences (availability, "
            "budget, languages, access, attendance modes, age, audiences) leave only these."
        ),
    )
    message = serializers.CharField(help_text="What to do about it, in the request's language.")


class RecommendationListSerializer(serializers.Serializer):
    computed_at = serializers.DateTimeField(allow_null=True)
    engine_version = serializers.CharField(allow_null=True)
    results = RecommendationSerializer(many=True)
    shortfall = ShortfallSerializer(
        allow_null=True, help_text="Why fewer than 20 results came back; null for a full list."
    )


@extend_schema(
    tags=["matching"],
    summary="My recommendations",
    description=(
        "Up to 20 activities, best first, each with its reasons (rendered in the language of "
        "the request) and the session to show. Activities no longer published are left out. "
        "When fewer than 20 come back, `shortfall` says why. Without consent to matching: "
        "409 `consent_required`."
    ),
    responses={200: RecommendationListSerializer, 401: NOT_SIGNED_IN, 409: NO_CONSENT},
)
class RecommendationListApi(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        listing = recommendation_list_for(user=request.user, language=(get_language() or "fr")[:2])
        shortfall = None
        if listing.shortfall is not None:
            shortfall = {"reason": listing.shortfall.value, "message": listing.shortfall_message}
        return Response(
            {
                "computed_at": render_datetime(listing.computed_at),
                "engine_version": listing.engine_version,
                "results": [
                    {
                        "activity": activity_card(item.card),
                        "score": item.score,
                        "reasons": item.reasons,
                        "next_occurrence": (
                            None
                            if item.next_occurrence is None
                            else upcoming_session(item.next_occurrence)
                        ),
                    }
                    for item in listing.items
                ],
                "shortfall": shortfall,
            }
        )


@extend_schema(
    tags=["matching"],
    summary="Recompute my recommendations",
    description="Queued; answers 202 at once. Without consent to matching: 409 `consent_required`.",
    request=None,
    responses={
        202: inline_serializer(
            "RecommendationRefreshQueued",
            fields={"status": serializers.ChoiceField(choices=["queued"])},
        ),
        401: NOT_SIGNED_IN,
        409: NO_CONSENT,
    },
)
class RecommendationRefreshApi(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request: Request) -> Response:
        services.recommendations_refresh(user=request.user)
        return Response({"status": "queued"}, status=status.HTTP_202_ACCEPTED)


class FeedbackInputSerializer(InputSerializer):
    activity = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    signal = serializers.ChoiceField(choices=FeedbackSignal.choices)
    rating = serializers.IntegerField(
        min_value=1, max_value=5, required=False, allow_null=True,
        help_text="1 to 5, with the signal `rating` only.",
    )  # fmt: skip


class FeedbackSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="`DELETE feedback/{id}/` takes it back.")
    activity = ActivityCardSerializer(help_text="The activity card, as search gives it.")
    signal = serializers.ChoiceField(choices=FeedbackSignal.choices)
    rating = serializers.IntegerField(allow_null=True, help_text="1 to 5 for `rating`, else null.")
    created_at = serializers.DateTimeField()


def _feedback_items(feedback: list[Feedback]) -> list[dict]:
    """The items as FeedbackSerializer documents them, each with its activity's card."""
    rows = activity_cards(ids=[item.activity_id for item in feedback], now=timezone.now())
    cards = {row["id"]: activity_card(row) for row in rows}
    return [
        {
            "id": item.pk,
            "activity": cards[item.activity_id],
            "signal": item.signal,
            "rating": item.rating,
            "created_at": render_datetime(item.created_at),
        }
        for item in feedback
        if item.activity_id in cards
    ]


FEEDBACK_NOT_FOUND = error_response(
    "No such feedback of the signed-in resident (another resident's is not found either).",
    ["not_found"],
)


@extend_schema_view(
    get=extend_schema(
        tags=["matching"],
        summary="What I said of activities",
        description=(
            "The resident's own feedback on activities still published, newest first, each with "
            "the activity's card: `?signal=saved` lists the saved activities."
        ),
        parameters=[
            OpenApiParameter("signal", enum=FeedbackSignal.values, description="Only this signal."),
            activity_filter("Only about this activity (an activity id)."),
        ],
        responses={
            200: FeedbackSerializer(many=True),
            400: BAD_LIST_QUERY,
            401: NOT_SIGNED_IN,
        },
    ),
    post=extend_schema(
        tags=["matching"],
        summary="Tell the matcher what I think of an activity",
        description=(
            "One row per signal and activity: sending the same signal again returns the row "
            "already there with 200 (a new `rating` replaces the old one); a new one is 201. "
            "`dismissed` removes the activity from the recommendations until taken back; `saved` "
            "and `joined` bring similar ones forward; `rating` (1 to 5) is only for an "
            "activity the resident said they `attended` (409 `not_attended` otherwise)."
        ),
        request=FeedbackInputSerializer,
        responses={
            201: FeedbackSerializer,
            200: OpenApiResponse(FeedbackSerializer, description="Already said: the same row."),
            400: error_response("Invalid input.", ["invalid", "required", "invalid_choice"]),
            401: NOT_SIGNED_IN,
            404: error_response("No published activity with this id.", ["not_found"]),
            409: error_response("A rating of an activity not attended.", ["not_attended"]),
        },
    ),
)
class FeedbackCollectionApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = FeedbackSerializer
    filter_backends: list = []  # the selector filters
    cursor_ordering = "-id"

    def get(self, request: Request) -> Response:
        feedback = feedback_list(user=request.user, filters=request.query_params)
        page = self.paginate_queryset(feedback)
        return self.get_paginated_response(_feedback_items(page))

    def post(self, request: Request) -> Response:
        data = FeedbackInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        activity = get_object_or_404(
            Activity,
            pk=data.validated_data["activity"],
            status=activity_choices.ActivityStatus.PUBLISHED,
        )
        feedback, created = services.feedback_record(
            user=request.user,
            activity=activity,
            signal=data.validated_data["signal"],
            rating=data.validated_data.get("rating"),
        )
        return Response(
            _feedback_items([feedback])[0],
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


@extend_schema_view(
    get=extend_schema(
        tags=["matching"],
        summary="One thing I said of an activity",
        responses={200: FeedbackSerializer, 401: NOT_SIGNED_IN, 404: FEEDBACK_NOT_FOUND},
    ),
    delete=extend_schema(
        tags=["matching"],
        summary="Take it back",
        description=(
            "Undo: a saved activity is no longer saved, a dismissed one may be recommended "
            "again (the recommendations are recomputed). Taking back `attended` takes back the "
            "rating too."
        ),
        responses={204: None, 401: NOT_SIGNED_IN, 404: FEEDBACK_NOT_FOUND},
    ),
)
class FeedbackDetailApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = FeedbackSerializer

    def get_object(self) -> Feedback:
        return get_object_or_404(feedback_of(user=self.request.user), pk=self.kwargs["pk"])

    def get(self, request: Request, pk: int) -> Response:
        return Response(_feedback_items([self.get_object()])[0])

    def delete(self, request: Request, pk: int) -> Response:
        services.feedback_withdraw(feedback=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
