"""Accounts over HTTP: registration, JWT tokens, logout, the signed-in user."""

from django.conf import settings
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt import serializers as jwt_serializers
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from accounts.models import User
from accounts.services import (
    user_change_password,
    user_erase,
    user_logout,
    user_register,
    user_update,
)
from api import serializers as api_serializers
from api.schema import error_response, error_responses
from api.throttling import AuthEmailThrottle, AuthIPThrottle

# The longest email (RFC 5321) and password the API reads: longer input is a 400 before any
# lookup or hashing.
EMAIL_MAX_LENGTH = 254
PASSWORD_MAX_LENGTH = 128


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "display_name", "preferred_language", "date_joined"]
        read_only_fields = fields


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(help_text="JWT access token, valid about 15 minutes.")
    refresh = serializers.CharField(help_text="Refresh token, valid about 30 days, rotated on use.")


class RegisterApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AuthIPThrottle]

    @extend_schema_serializer(component_name="Register")
    class InputSerializer(api_serializers.InputSerializer):
        email = serializers.EmailField(max_length=EMAIL_MAX_LENGTH)
        password = serializers.CharField(
            write_only=True, max_length=PASSWORD_MAX_LENGTH, style={"input_type": "password"}
        )
        display_name = serializers.CharField(max_length=80, required=False, allow_blank=True)
        preferred_language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)

    @extend_schema_serializer(component_name="RegisteredAccount")
    class OutputSerializer(serializers.Serializer):
        user = UserSerializer()
        tokens = TokenPairSerializer()

    @extend_schema(
        tags=["auth"],
        summary="Create an account",
        description=(
            "Creates an account with an email and a password (at least 10 characters, not "
            "common, not all digits) and returns the user with a first token pair, so the app "
            "is signed in at once. Attempts are throttled per client address."
        ),
        request=InputSerializer,
        responses={201: OutputSerializer},
        examples=[
            OpenApiExample(
                "A resident",
                value={
                    "email": "camille@example.org",
                    "password": "un mot de passe solide",
                    "display_name": "Camille",
                    "preferred_language": "fr",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        if "preferred_language" not in fields:
            fields["preferred_language"] = request.LANGUAGE_CODE
        user = user_register(**fields)
        refresh = RefreshToken.for_user(user)
        body = {
            "user": UserSerializer(user).data,
            "tokens": {"access": str(refresh.access_token), "refresh": str(refresh)},
        }
        return Response(body, status=status.HTTP_201_CREATED)


class TokenObtainPairSerializer(
    api_serializers.StrictInputMixin, jwt_serializers.TokenObtainPairSerializer
):
    """simplejwt's sign-in input, read strictly, with the lengths the API reads (same schema
    name)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[self.username_field] = serializers.CharField(
            max_length=EMAIL_MAX_LENGTH, write_only=True
        )
        self.fields["password"] = jwt_serializers.PasswordField(max_length=PASSWORD_MAX_LENGTH)


class TokenObtainApi(TokenObtainPairView):
    serializer_class = TokenObtainPairSerializer
    throttle_classes = [AuthIPThrottle, AuthEmailThrottle]

    @extend_schema(
        tags=["auth"],
        summary="Sign in: get a token pair",
        description=(
            "Exchanges email and password for an access token (about 15 minutes) and a refresh "
            "token (about 30 days). Wrong credentials get 401. Attempts are throttled per "
            "client address and per account: past the limit, 429 with `Retry-After`."
        ),
        responses={200: TokenPairSerializer, **error_responses(401)},
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class TokenRefreshSerializer(
    api_serializers.StrictInputMixin, jwt_serializers.TokenRefreshSerializer
):
    """simplejwt's refresh input, read strictly (same schema name)."""


class TokenRefreshApi(TokenRefreshView):
    serializer_class = TokenRefreshSerializer

    @extend_schema(
        tags=["auth"],
        summary="Rotate the refresh token",
        description=(
            "Returns a new access token and a new refresh token; the refresh token sent is "
            "revoked at once, so it cannot be replayed (401 if it is)."
        ),
        responses={200: TokenPairSerializer, **error_responses(401)},
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class LogoutApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema_serializer(component_name="Logout")
    class InputSerializer(api_serializers.InputSerializer):
        refresh = serializers.CharField()

    @extend_schema(
        tags=["auth"],
        summary="Sign out: revoke a refresh token",
        description="Revokes the refresh token. Using it afterwards gets 401.",
        request=InputSerializer,
        responses={204: None, **error_responses(401)},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user_logout(refresh=data.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class BodyOnDeleteSchema(AutoSchema):
    """drf-spectacular documents a request body for POST, PUT and PATCH only; OpenAPI 3.1
    allows one on DELETE, which the erasure reads (the password that confirms it)."""

    def _get_request_body(self, direction: str = "request"):
        if self.method != "DELETE":
            return super()._get_request_body(direction)
        self.method = "POST"
        try:
            return super()._get_request_body(direction)
        finally:
            self.method = "DELETE"


class MeApi(APIView):
    permission_classes = [IsAuthenticated]
    schema = BodyOnDeleteSchema()

    def get_throttles(self) -> list:
        # Erasing checks a password: throttled as signing in is, per client address.
        if self.request.method == "DELETE":
            return [*super().get_throttles(), AuthIPThrottle()]
        return super().get_throttles()

    @extend_schema_serializer(component_name="AccountUpdate")
    class UpdateSerializer(api_serializers.InputSerializer):
        output_serializer = UserSerializer
        display_name = serializers.CharField(max_length=80, required=False, allow_blank=True)
        preferred_language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)

    @extend_schema(tags=["me"], summary="The signed-in account", responses=UserSerializer)
    def get(self, request: Request) -> Response:
        return Response(UserSerializer(request.user).data)

    @extend_schema(
        tags=["me"],
        summary="Edit the signed-in account",
        request=UpdateSerializer,
        responses=UserSerializer,
    )
    def patch(self, request: Request) -> Response:
        data = self.UpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        user = user_update(user=request.user, **data.validated_data)
        return Response(UserSerializer(user).data)

    @extend_schema_serializer(component_name="AccountErase")
    class EraseSerializer(api_serializers.InputSerializer):
        password = serializers.CharField(
            max_length=PASSWORD_MAX_LENGTH,
            style={"input_type": "password"},
            help_text="The account's password, to confirm.",
        )

    @extend_schema(
        tags=["me"],
        summary="Erase my account",
        description=(
            "Erases the account and the personal data it holds, for good, confirmed with its "
            "password (400 `wrong_password`, and nothing changes). First, the registrations "
            "for sessions not started yet and for ongoing activities are cancelled, each seat "
            "offered to the next waitlisted resident as a cancellation does. Then go the "
            "devices, notifications and preferences, favorites, registrations, memberships, "
            "the matching profile, recommendations and feedback, and the calendar feed; "
            "reports made and other shared records stay without the link to the account. "
            "Every token stops working at once (401). 409 `last_owner` while the account is "
            "the only owner of an organization that has other members: name another owner "
            "first."
        ),
        request=EraseSerializer,
        responses={
            204: None,
            409: error_response(
                "The only owner of an organization with other members.", ["last_owner"]
            ),
        },
    )
    def delete(self, request: Request) -> Response:
        data = self.EraseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user_erase(user=request.user, password=data.validated_data["password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeApi(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [AuthIPThrottle]

    @extend_schema_serializer(component_name="PasswordChange")
    class InputSerializer(api_serializers.InputSerializer):
        current_password = serializers.CharField(max_length=PASSWORD_MAX_LENGTH)
        new_password = serializers.CharField(max_length=PASSWORD_MAX_LENGTH)

    @extend_schema(
        tags=["me"],
        summary="Change the password",
        description=(
            "Needs the current password. Every refresh token issued before is revoked: other "
            "devices must sign in again."
        ),
        request=InputSerializer,
        responses={204: None},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user_change_password(user=request.user, **data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)
