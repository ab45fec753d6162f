"""A referrer's shortlists over HTTP: the list and one shortlist with what the person
answered, sending its link by SMS or email, revoking a link and seeing each link's state,
and the printed sheet (PDF, A4, large print, a QR code per activity)."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from api.calendar import JSON_TYPE, CalendarNegotiation
from api.referrals import NO_CONSENT, NOT_A_REFERRER, NOT_SIGNED_IN, IsReferrer
from api.renderers import FastJSONRenderer
from api.schema import error_response
from api.serializers import InputSerializer, validated_query
from referrals import pages, selectors, services
from referrals.choices import Answer, LinkChannel, LinkState, PersonView
from referrals.models import Shortlist, ShortlistLink

SHORTLIST_NOT_FOUND = error_response(
    "No such shortlist of a person the user's referring organizations hold.", ["not_found"]
)
PDF_TYPE = "application/pdf"


class LinkSerializer(serializers.ModelSerializer):
    """A link's state, as its referrer sees it (never its token)."""

    state = serializers.SerializerMethodField(help_text="active, expired or revoked.")

    class Meta:
        model = ShortlistLink
        fields = [
            "id", "channel", "address", "language", "state", "created_at", "expires_at",
            "revoked_at", "delivery", "sent_at", "delivery_error", "first_opened_at",
            "last_opened_at",
        ]  # fmt: skip

    @staticmethod
    def get_state(link: ShortlistLink) -> LinkState:
        return link.state(timezone.now())


class ShortlistEntrySerializer(serializers.Serializer):
    position = serializers.IntegerField()
    activity = serializers.IntegerField(source="activity_id")
    answer = serializers.ChoiceField(
        choices=Answer.choices, allow_blank=True, help_text="Blank: nothing said yet."
    )
    answered_at = serializers.DateTimeField(allow_null=True)


class ShortlistDetailSerializer(serializers.ModelSerializer):
    person = serializers.IntegerField(source="person_id")
    items = ShortlistEntrySerializer(many=True)
    links = LinkSerializer(many=True)

    class Meta:
        model = Shortlist
        fields = ["id", "person", "note", "created_at", "items", "links"]


class LinkInputSerializer(InputSerializer):
    output_serializer = LinkSerializer

    channel = serializers.ChoiceField(
        choices=[LinkChannel.SMS, LinkChannel.EMAIL],
        help_text="sms (the person's phone) or email (their email address).",
    )
    language = serializers.ChoiceField(
        choices=["fr", "en"], required=False, help_text="Of the message (fr if left out)."
    )


def _shortlist_of(request: Request, pk: int) -> Shortlist:
    return get_object_or_404(selectors.shortlist_list(user=request.user), pk=pk)


@extend_schema(
    tags=["referrals"],
    summary="The shortlists kept for the persons my referring organizations hold",
    responses={
        200: ShortlistDetailSerializer(many=True),
        401: NOT_SIGNED_IN,
        403: NOT_A_REFERRER,
    },
)
class ShortlistListApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticated, IsReferrer]
    serializer_class = ShortlistDetailSerializer
    filter_backends: list = []
    cursor_ordering = "-id"

    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.shortlist_list(user=request.user))
        return self.get_paginated_response(ShortlistDetailSerializer(page, many=True).data)


@extend_schema(
    tags=["referrals"],
    summary="One shortlist: what the person answered and the state of its links",
    responses={
        200: ShortlistDetailSerializer,
        401: NOT_SIGNED_IN,
        403: NOT_A_REFERRER,
        404: SHORTLIST_NOT_FOUND,
    },
)
class ShortlistDetailApi(generics.GenericAPIView):
    queryset = Shortlist.objects.none()  # the path's id is a shortlist's
    permission_classes = [IsAuthenticated, IsReferrer]
    serializer_class = ShortlistDetailSerializer

    def get(self, request: Request, pk: int) -> Response:
        return Response(ShortlistDetailSerializer(_shortlist_of(request, pk)).data)


@extend_schema(
    tags=["referrals"],
    summary="Send a shortlist's link to the person (SMS or email)",
    description=(
        "A signed link (256-bit token, stored only as its digest) to the shortlist's page "
        "`/s/{token}`, open for REFERRALS_LINK_DAYS days (30 by default) unless revoked, sent "
        "after commit to the person's phone or email. Needs the person's standing consent to "
        "be referred (409 `consent_required`); a person without that address: 400 "
        "`no_address`. The answer's `delivery` is `pending` until the message is handed "
        "to the provider."
    ),
    request=LinkInputSerializer,
    responses={
        201: LinkSerializer,
        400: error_response(
            "Invalid input, named in `fields`.",
            ["invalid", "required", "invalid_choice", "unknown_field", "no_address"],
        ),
        401: NOT_SIGNED_IN,
        403: NOT_A_REFERRER,
        404: SHORTLIST_NOT_FOUND,
        409: NO_CONSENT,
    },
)
class ShortlistLinkSendApi(generics.GenericAPIView):
    queryset = Shortlist.objects.none()  # the path's id is a shortlist's
    permission_classes = [IsAuthenticated, IsReferrer]
    serializer_class = LinkSerializer

    def post(self, request: Request, pk: int) -> Response:
        shortlist = _shortlist_of(request, pk)
        data = LinkInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        link = services.shortlist_link_send(
            shortlist=shortlist,
            by=request.user,
            channel=data.validated_data["channel"],
            language=data.validated_data.get("language", "fr"),
        )
        return Response(LinkSerializer(link).data, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=["referrals"],
    summary="Revoke a shortlist's link",
    description="Its page answers 410 from now on. Revoking a revoked link changes nothing.",
    request=None,
    responses={
        200: LinkSerializer,
        401: NOT_SIGNED_IN,
        403: NOT_A_REFERRER,
        404: error_response("No such link of that shortlist.", ["not_found"]),
    },
)
class ShortlistLinkRevokeApi(generics.GenericAPIView):
    queryset = Shortlist.objects.none()  # the path's id is a shortlist's
    permission_classes = [IsAuthenticated, IsReferrer]
    serializer_class = LinkSerializer

    def post(self, request: Request, pk: int, link_pk: int) -> Response:
        shortlist = _shortlist_of(request, pk)
        link = get_object_or_404(shortlist.links.all(), pk=link_pk)
        link = services.shortlist_link_revoke(link=link, by=request.user)
        return Response(LinkSerializer(link).data)


class SheetQuerySerializer(serializers.Serializer):
    lang = serializers.ChoiceField(
        choices=["fr", "en"], required=False, help_text="The sheet's language (fr if left out)."
    )


class PdfRenderer(BaseRenderer):
    media_type = PDF_TYPE
    format = "pdf"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return data


@extend_schema(
    tags=["referrals"],
    summary="A shortlist's printable sheet (PDF, A4, large print)",
    description=(
        "Each activity's essentials, next sessions, access notes and a QR code to its place on "
        "the shortlist's page (`/s/{token}#activity-{id}`), through a link of channel `print` "
        "(the newest one still open, else a new one). Needs the person's consent to be "
        "referred (409). Logged as a read of the person's record."
    ),
    parameters=[SheetQuerySerializer],
    responses={
        (200, PDF_TYPE): OpenApiResponse(response=OpenApiTypes.BINARY, description="The PDF."),
        (400, JSON_TYPE): error_response("Unknown language.", ["invalid_choice"]),
        (401, JSON_TYPE): NOT_SIGNED_IN,
        (403, JSON_TYPE): NOT_A_REFERRER,
        (404, JSON_TYPE): SHORTLIST_NOT_FOUND,
        (409, JSON_TYPE): NO_CONSENT,
    },
)
class ShortlistSheetApi(generics.GenericAPIView):
    queryset = Shortlist.objects.none()  # the path's id is a shortlist's
    permission_classes = [IsAuthenticated, IsReferrer]
    serializer_class = None
    renderer_classes = [PdfRenderer]
    content_negotiation_class = CalendarNegotiation

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and response.status_code >= 400:
            response.accepted_renderer = FastJSONRenderer()
            response.accepted_media_type = JSON_TYPE
        return response

    def get(self, request: Request, pk: int) -> HttpResponse:
        language = validated_query(SheetQuerySerializer, request).get("lang", "fr")
        shortlist = _shortlist_of(request, pk)
        link = services.shortlist_sheet_link(
            shortlist=shortlist, by=request.user, language=language
        )
        services.person_access_record(
            persons=[shortlist.person], by=request.user, view=PersonView.SHORTLIST
        )
        pdf = pages.sheet_pdf(link=link, link_url=services.link_url(link), language=language)
        response = HttpResponse(pdf, content_type=PDF_TYPE)
        response["Content-Disposition"] = f'inline; filename="shortlist-{shortlist.pk}.pdf"'
        response["Cache-Control"] = "no-store, private"
        return response


class ClaimInputSerializer(InputSerializer):
    token = serializers.CharField(
        max_length=64, help_text="The token of the person's link (the end of `/s/{token}`)."
    )
    prefill = serializers.BooleanField(
        default=False,
        help_text="The person agrees to fill their resident profile from the record.",
    )


class ClaimSerializer(serializers.Serializer):
    claimed = serializers.BooleanField(help_text="Always true: the record is the account's.")
    profile_prefilled = serializers.BooleanField()


@extend_schema(
    tags=["referrals"],
    summary="Claim my record from my link (a referred person with an account)",
    description=(
        "The signed-in person links the record their referrer holds to their account: the "
        "sessions they are marked attended at then move their referrals to in progress. With "
        "`prefill`, their resident profile takes the record's needs and their consent to "
        "matching. An unknown token: 404; a closed link: 410; a record claimed with another "
        "account: 409 `already_claimed`. Claiming again with the same account changes nothing "
        "but the prefill."
    ),
    request=ClaimInputSerializer,
    responses={
        200: ClaimSerializer,
        400: error_response(
            "Invalid input, named in `fields`.",
            ["invalid", "required", "invalid_type", "unknown_field", "max_length"],
        ),
        401: NOT_SIGNED_IN,
        404: error_response("No link with this token.", ["not_found"]),
        409: error_response("Claimed with another account.", ["already_claimed"]),
        410: error_response("The link expired or was revoked.", ["link_gone"]),
    },
)
class PersonClaimApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = ClaimSerializer

    def post(self, request: Request) -> Response:
        data = ClaimInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.person_claim(
            token=data.validated_data["token"],
            user=request.user,
            prefill=data.validated_data["prefill"],
        )
        return Response({"claimed": True, "profile_prefilled": data.validated_data["prefill"]})
