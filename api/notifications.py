"""The resident's notifications over HTTP: devices, the inbox, preferences."""

import re

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
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

from api.schema import error_response
from api.serializers import InputSerializer, validated_query
from notifications import selectors, services
from notifications.choices import Channel, Platform
from notifications.models import Device, Notification

NOT_SIGNED_IN = error_response("Not signed in.", ["not_authenticated", "token_not_valid"])
BAD_INPUT = error_response(
    "Invalid input, named in `fields`.", ["invalid", "required", "invalid_choice"]
)

# What push services issue: FCM registration tokens (about 150-200 characters of base64url
# with ':' and '-'), APNs device tokens (64 hexadecimal digits, perhaps longer one day).
TOKEN_PATTERN = r"^[A-Za-z0-9_:.\-]+$"
APNS_TOKEN_PATTERN = r"^[0-9a-fA-F]{64,200}$"


# --- devices ---------------------------------------------------------------------------------


class DeviceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Device
        fields = ["id", "platform", "token", "created_at", "last_seen_at"]
        read_only_fields = fields


class DeviceInputSerializer(InputSerializer):
    output_serializer = DeviceSerializer

    platform = serializers.ChoiceField(choices=Platform.choices)
    token = serializers.RegexField(
        TOKEN_PATTERN,
        min_length=20,
        max_length=1024,
        help_text=(
            "The push token the platform gave the app: FCM's registration token (Android, "
            "web) or APNs' device token in hexadecimal (iOS)."
        ),
    )

    def validate(self, data: dict) -> dict:
        if data["platform"] == Platform.IOS and not re.match(APNS_TOKEN_PATTERN, data["token"]):
            raise serializers.ValidationError(
                {"token": [_("An iOS device token is 64 hexadecimal digits or more.")]}
            )
        return data


@extend_schema_view(
    get=extend_schema(
        tags=["notifications"],
        summary="My devices",
        description="The phones and browsers that receive my push notifications, last seen first.",
        responses={200: DeviceSerializer(many=True), 401: NOT_SIGNED_IN},
    ),
    post=extend_schema(
        tags=["notifications"],
        summary="Register or refresh a push token",
        description=(
            "Registers the token (201) or, when it is known, refreshes it (200: `last_seen_at` "
            "is now). A token names one installation of the app: if another account had it, it "
            "is now mine. A token that the push service reports invalid or expired is removed."
        ),
        request=DeviceInputSerializer,
        responses={
            201: DeviceSerializer,
            200: OpenApiResponse(DeviceSerializer, description="Known: refreshed."),
            400: BAD_INPUT,
            401: NOT_SIGNED_IN,
        },
    ),
)
class DeviceCollectionApi(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        return Response(DeviceSerializer(selectors.devices_of(user=request.user), many=True).data)

    def post(self, request: Request) -> Response:
        data = DeviceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        device, created = services.device_register(user=request.user, **data.validated_data)
        return Response(
            DeviceSerializer(device).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


@extend_schema(
    tags=["notifications"],
    summary="Forget a device",
    description="It receives no more push notifications (signing out of the app).",
    responses={
        204: None,
        401: NOT_SIGNED_IN,
        404: error_response(
            "No such device of mine (another's is not found either).", ["not_found"]
        ),
    },
)
class DeviceDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    def delete(self, request: Request, pk: int) -> Response:
        device = get_object_or_404(selectors.devices_of(user=request.user), pk=pk)
        services.device_delete(device=device)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- the inbox -------------------------------------------------------------------------------


class NotificationSerializer(serializers.ModelSerializer):
    data = serializers.DictField(
        help_text=(
            "Ids the app links to, by kind: `activity`, `occurrence`, `registration`, "
            "`offered_until`, a session's `start` and `previous_start`..."
        )
    )
    kind = serializers.CharField(
        help_text=(
            "reminder_day_before, reminder_two_hours, session_cancelled, session_restored, "
            "session_moved, session_moved_online, seat_offered, newcomer_coming, "
            "visit_follow_up, or another kind of the directory's."
        )
    )

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "data", "created_at", "read_at"]
        read_only_fields = fields


class NotificationQuerySerializer(serializers.Serializer):
    unread = serializers.BooleanField(
        required=False,
        default=None,
        allow_null=True,
        help_text="`true`: only the unread ones; `false`: only the read ones.",
    )


class UnreadCountSerializer(serializers.Serializer):
    unread_count = serializers.IntegerField(min_value=0)


NOTIFICATION_NOT_FOUND = error_response(
    "No such notification of mine (another's is not found either).", ["not_found"]
)


@extend_schema(
    tags=["notifications"],
    summary="My notifications",
    description=(
        "The inbox, newest first. The number unread is at `me/notifications/unread-count/`."
    ),
    parameters=[NotificationQuerySerializer],
    responses={
        200: NotificationSerializer(many=True),
        400: error_response("A bad filter, page size or cursor.", ["invalid", "invalid_cursor"]),
        401: NOT_SIGNED_IN,
    },
)
class NotificationListApi(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = NotificationSerializer
    filter_backends: list = []
    cursor_ordering = "-id"

    def get_queryset(self):
        params = validated_query(NotificationQuerySerializer, self.request)
        return selectors.notifications_of(user=self.request.user, unread=params.get("unread"))


@extend_schema(
    tags=["notifications"],
    summary="How many notifications I have not read",
    responses={200: UnreadCountSerializer, 401: NOT_SIGNED_IN},
)
class UnreadCountApi(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        return Response({"unread_count": selectors.unread_count(user=request.user)})


@extend_schema(
    tags=["notifications"],
    summary="Mark a notification read",
    description="Idempotent: a notification already read keeps the time it was first read.",
    request=None,
    responses={200: NotificationSerializer, 401: NOT_SIGNED_IN, 404: NOTIFICATION_NOT_FOUND},
)
class NotificationReadApi(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request: Request, pk: int) -> Response:
        notification = get_object_or_404(selectors.notifications_of(user=request.user), pk=pk)
        notification = services.notification_mark_read(notification=notification)
        return Response(NotificationSerializer(notification).data)


@extend_schema(
    tags=["notifications"],
    summary="Mark all my notifications read",
    request=None,
    responses={
        200: inline_serializer(
            "NotificationsMarkedRead",
            fields={"marked": serializers.IntegerField(min_value=0, help_text="How many.")},
        ),
        401: NOT_SIGNED_IN,
    },
)
class NotificationReadAllApi(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request: Request) -> Response:
        return Response({"marked": services.notifications_mark_all_read(user=request.user)})


# --- preferences -----------------------------------------------------------------------------


class PreferencesSerializer(serializers.Serializer):
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices),
        max_length=2,
        allow_empty=True,
        help_text=(
            "Beyond the inbox, which every notification reaches: `push` and `email` in the "
            "order to try them (the next when one fails); `[]` for the inbox only."
        ),
    )
    remind_day_before = serializers.BooleanField(help_text="A reminder the day before a session.")
    remind_two_hours = serializers.BooleanField(help_text="A reminder two hours before.")
    quiet_hours = serializers.BooleanField(
        help_text=(
            "Keep quiet hours: push and email wait for their end (the inbox does not). "
            "`false`: at any hour."
        )
    )
    quiet_start = serializers.TimeField(format="%H:%M", help_text="Local time, 21:00 by default.")
    quiet_end = serializers.TimeField(format="%H:%M", help_text="Local time, 08:00 by default.")
    timezone = serializers.CharField(
        max_length=64, help_text="IANA time zone of the quiet hours, Europe/Paris by default."
    )


class PreferencesInputSerializer(InputSerializer, PreferencesSerializer):
    output_serializer = PreferencesSerializer


@extend_schema_view(
    get=extend_schema(
        tags=["notifications"],
        summary="My notification preferences",
        description="The defaults until I change them: push then email, both reminders, "
        "quiet hours 21:00-08:00 Europe/Paris.",
        responses={200: PreferencesSerializer, 401: NOT_SIGNED_IN},
    ),
    put=extend_schema(
        tags=["notifications"],
        summary="Change my notification preferences",
        description="Replaces them whole: every field is required.",
        request=PreferencesInputSerializer,
        responses={200: PreferencesSerializer, 400: BAD_INPUT, 401: NOT_SIGNED_IN},
    ),
)
class PreferencesApi(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        return Response(PreferencesSerializer(selectors.preferences_of(user=request.user)).data)

    def put(self, request: Request) -> Response:
        data = PreferencesInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        preferences = services.preferences_update(
            user=request.user, timezone_name=values.pop("timezone"), **values
        )
        return Response(PreferencesSerializer(preferences).data)
