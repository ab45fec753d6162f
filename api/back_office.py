"""What providers do with their own activities from the collection: list them, whatever
their status, and create one."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from activities import choices, selectors, services
from api.activities import ActivityDetailSerializer, ActivityInputSerializer, ActivitySerializer
from api.serializers import validated_query

BACK_OFFICE_PARAMETERS = [
    OpenApiParameter("organization", description="Organization slug."),
    OpenApiParameter("status", enum=choices.ActivityStatus.values),
]


class MyActivityQuerySerializer(serializers.Serializer):
    """The back office list's filters: documented and validated by the same fields."""

    organization = serializers.CharField(
        required=False, allow_blank=True, help_text="Organization slug."
    )
    status = serializers.ChoiceField(choices=choices.ActivityStatus.choices, required=False)


@extend_schema(
    tags=["activities"],
    summary="My organizations' activities (editors)",
    description=(
        "Every activity of the organizations the signed-in user edits, any status, most "
        "recently updated first."
    ),
    parameters=[MyActivityQuerySerializer],
)
class MyActivityListApi(generics.ListAPIView):
    serializer_class = ActivitySerializer
    cursor_ordering: tuple[str, ...] = ("-updated_at", "-id")

    def get_queryset(self):
        activities = selectors.activity_list(user=self.request.user).filter(
            organization__memberships__user_id=self.request.user.pk
        )
        params = validated_query(MyActivityQuerySerializer, self.request)
        if organization := params.get("organization"):
            activities = activities.filter(organization__slug=organization)
        if activity_status := params.get("status"):
            activities = activities.filter(status=activity_status)
        return activities


class ActivityCreateApi(APIView):
    @extend_schema(
        tags=["activities"],
        summary="Create an activity (editors of the organization)",
        description=(
            "Creates a draft. Add schedules, then submit it. Text fields take plain text: "
            "markup (HTML tags) is refused with 400."
        ),
        request=ActivityInputSerializer,
        responses={201: ActivityDetailSerializer},
    )
    def post(self, request: Request) -> Response:
        data = ActivityInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        activity = services.activity_create(
            organization=data.validated_data["organization"],
            by=request.user,
            **data.to_service_fields(),
        )
        return Response(ActivityDetailSerializer(activity).data, status=status.HTTP_201_CREATED)
