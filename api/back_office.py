"""What providers do with their own activities from the collection: list them, whatever
their status, and create one."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from activities import choices, selectors, services
from api.activities import ActivityDetailSerializer, ActivityInputSerializer, ActivitySerializer
from api.serializers import query_choice

BACK_OFFICE_PARAMETERS = [
    OpenApiParameter("organization", description="Organization slug."),
    OpenApiParameter("status", enum=choices.ActivityStatus.values),
]


@extend_schema(
    tags=["activities"],
    summary="My organizations' activities (editors)",
    description=(
        "Every activity of the organizations the signed-in user edits, any status, most "
        "recently updated first."
    ),
    parameters=BACK_OFFICE_PARAMETERS,
)
class MyActivityListApi(generics.ListAPIView):
    serializer_class = ActivitySerializer
    cursor_ordering: tuple[str, ...] = ("-updated_at", "-id")

    def get_queryset(self):
        activities = selectors.activity_list(user=self.request.user).filter(
            organization__memberships__user_id=self.request.user.pk
        )
        params = self.request.query_params
        if organization := params.get("organization"):
            activities = activities.filter(organization__slug=organization)
        if activity_status := query_choice(params, "status", choices.ActivityStatus.values):
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
