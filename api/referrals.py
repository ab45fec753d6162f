"""Social prescribing over HTTP: referrers' persons and their consents, shortlists computed
by the matcher, referrals and their statuses on both sides, the access log, and who the
referrers are (for curators).

Each audience has its serializer: a referrer sees the whole record of the persons their
organization holds; a receiving organization sees only what it needs to welcome the person
(first name, contact if the person agreed to be contacted, access needs), never the
referrer's notes, interests or any score. Every read of a person record is logged."""

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import generics, serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from activities import choices as activity_choices
from activities.models import Activity, Occurrence, Organization
from api.cards import (
    ActivityCardSerializer,
    UpcomingSessionSerializer,
    activity_card,
    upcoming_session,
)
from api.matching import InterestsField, PointSerializer, ReasonSerializer, SlotsField
from api.schema import error_response
from api.serializers import InputSerializer, MaskListField
from curation.scope import require_curator
from matching import engine
from referrals import fhir, selectors, services
from referrals.choices import (
    ConsentMethod,
    ConsentScope,
    Mobility,
    PersonView,
    ReferralStatus,
    Side,
)
from referrals.models import AccessLog, Consent, Person, Referral

NOT_SIGNED_IN = error_response("Not signed in.", ["not_authenticated", "token_not_valid"])
NOT_A_REFERRER = error_response(
    "Not a referrer of a verified referring organization.", ["permission_denied", "not_a_referrer"]
)
PERSON_NOT_FOUND = error_response(
    "No such person among those held by the organizations the user refers for.", ["not_found"]
)
NO_CONSENT = error_response(
    "The person has not agreed to be referred (record a consent of scope `referral`).",
    ["consent_required"],
)
BAD_INPUT = error_response(
    "Invalid input, named in `fields`.",
    ["invalid", "required", "invalid_choice", "invalid_type", "unknown_field", "read_only_field"],
)


class IsReferrer(BasePermission):
    """A referrer of at least one verified organization of a referring kind."""

    message = gettext_lazy("Only referrers of a verified referring organization can do this.")

    def has_permission(self, request: Request, view) -> bool:
        return selectors.referrer_organizations(user=request.user).exists()


# --- persons -------------------------------------------------------------------------------


class ConsentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Consent
        fields = ["id", "scope", "method", "given_at", "withdrawn_at"]


class PersonSerializer(serializers.ModelSerializer):
    """The whole record, for the referrers of the organization holding it."""

    organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    home = serializers.SerializerMethodField(
        help_text="The stored home: the centre of a cell of about 0.7 km², never the address."
    )
    languages = MaskListField(vocabulary=activity_choices.LANGUAGES, source="languages_mask")
    availability = SlotsField(source="availability_mask")
    consents = ConsentSerializer(many=True, read_only=True)

    class Meta:
        model = Person
        fields = [
            "id", "organization", "first_name", "phone", "email", "home", "mobility",
            "max_distance_km", "step_free", "homebound", "languages", "availability",
            "interests", "budget_max", "attendance_modes", "access_needs", "notes", "consents",
            "created_at", "updated_at",
        ]  # fmt: skip

    @extend_schema_field(PointSerializer(allow_null=True))
    def get_home(self, person: Person) -> dict | None:
        if person.home_lat is None:
            return None
        return {"lat": person.home_lat, "lng": person.home_lng}


class PersonInputSerializer(InputSerializer):
    output_serializer = PersonSerializer
    create_only = ("organization",)

    organization = serializers.SlugField(
        required=False,
        help_text=(
            "The referring organization that holds the record (its slug); may be left out "
            "by a user who refers for one organization only."
        ),
    )
    first_name = serializers.CharField(max_length=80, help_text="First name or an alias.")
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    home = PointSerializer(
        required=False, allow_null=True, help_text="Coarsened before it is stored."
    )
    mobility = serializers.ChoiceField(choices=Mobility.choices, required=False, allow_blank=True)
    max_distance_km = serializers.FloatField(
        min_value=0.2,
        max_value=50,
        required=False,
        help_text="Left out with a mobility: the distance that mobility usually allows.",
    )
    step_free = serializers.BooleanField(required=False)
    homebound = serializers.BooleanField(required=False)
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=activity_choices.LANGUAGES),
        required=False,
        allow_empty=False,
    )
    availability = SlotsField(required=False)
    interests = InterestsField(required=False, help_text="Category slug -> weight 0..1.")
    budget_max = serializers.DecimalField(
        max_digits=7, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    attendance_modes = serializers.ListField(
        child=serializers.ChoiceField(choices=engine.MODES), required=False
    )
    access_needs = serializers.CharField(max_length=500, required=False, allow_blank=True)
    notes = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text="The referrer's notes: never shown to a receiving organization.",
    )

    def to_service_fields(self) -> dict:
        data = dict(self.validated_data)
        data.pop("organization", None)
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


def _person_of(request: Request, pk: int) -> Person:
    return get_object_or_404(selectors.person_list(user=request.user), pk=pk)


@extend_schema_view(
    get=extend_schema(
        tags=["referrals"],
        summary="The persons my referring organizations hold",
        description="Newest first. Each read is written in the access log.",
        responses={200: PersonSerializer(many=True), 401: NOT_SIGNED_IN, 403: NOT_A_REFERRER},
    ),
    post=extend_schema(
        tags=["referrals"],
        summary="Record a person (referrers)",
        description=(
            "The least data that serves: a first name or alias, contact if wanted, a coarse "
            "home, needs. Nothing is shared before the person's consent to be referred."
        ),
        request=PersonInputSerializer,
        responses={
            201: PersonSerializer,
            400: BAD_INPUT,
            401: NOT_SIGNED_IN,
            403: NOT_A_REFERRER,
            404: error_response("No organization with this slug.", ["not_found"]),
        },
    ),
)
class PersonCollectionApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticated, IsReferrer]
    serializer_class = PersonSerializer
    filter_backends: list = []
    cursor_ordering = "-id"

    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.person_list(user=request.user))
        services.person_access_record(persons=page, by=request.user, view=PersonView.LIST)
        return self.get_paginated_response(PersonSerializer(page, many=True).data)

    def post(self, request: Request) -> Response:
        data = PersonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        slug = data.validated_data.get("organization")
        if slug is None:
            mine = list(selectors.referrer_organizations(user=request.user)[:2])
            if len(mine) != 1:
                raise serializers.ValidationError(
                    {"organization": [_("Say which organization holds the record.")]}
                )
            organization = mine[0]
        else:
            organization = get_object_or_404(Organization, slug=slug)
        person = services.person_create(
            organization=organization, by=request.user, **data.to_service_fields()
        )
        return Response(
            PersonSerializer(_person_of(request, person.pk)).data, status=status.HTTP_201_CREATED
        )


@extend_schema_view(
    get=extend_schema(
        tags=["referrals"],
        summary="One person's record (logged)",
        responses={
            200: PersonSerializer,
            401: NOT_SIGNED_IN,
            403: NOT_A_REFERRER,
            404: PERSON_NOT_FOUND,
        },
    ),
    patch=extend_schema(
        tags=["referrals"],
        summary="Change a person's record",
        request=PersonInputSerializer,
        responses={
            200: PersonSerializer,
            400: BAD_INPUT,
            401: NOT_SIGNED_IN,
            403: NOT_A_REFERRER,
            404: PERSON_NOT_FOUND,
        },
    ),
    delete=extend_schema(
        tags=["referrals"],
        summary="Erase a person, on their request",
        description=(
            "Their record, consents, shortlists and referrals go; open referrals are cancelled "
            "first, so the receiving organization is told. The access log keeps the number."
        ),
        responses={
            204: OpenApiResponse(description="Erased."),
            401: NOT_SIGNED_IN,
            403: NOT_A_REFERRER,
            404: PERSON_NOT_FOUND,
        },
    ),
)
class PersonDetailApi(generics.GenericAPIView):
    queryset = Person.objects.none()  # the path's id is a person's
    permission_classes = [IsAuthenticated, IsReferrer]
    serializer_class = PersonSerializer

    def get(self, request: Request, pk: int) -> Response:
        person = _person_of(request, pk)
        services.person_access_record(persons=[person], by=request.user, view=PersonView.DETAIL)
        return Response(PersonSerializer(person).data)

    def patch(self, request: Request, pk: int) -> Response:
        person = _person_of(request, pk)
        data = PersonInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.person_update(person=person, by=request.user, **data.to_service_fields())
        return Response(PersonSerializer(_person_of(request, pk)).data)

    def delete(self, request: Request, pk: int) -> Response:
        services.person_erase(person=_person_of(request, pk), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(
    tags=["referrals"],
    summary="Everything held on a person, as JSON (logged)",
    description="For the person, on their request to their referrer.",
    responses={
        200: OpenApiResponse(
            response={"type": "object", "additionalProperties": True},
            description="The record, consents, shortlists and referrals.",
        ),
        401: NOT_SIGNED_IN,
        403: NOT_A_REFERRER,
        404: PERSON_NOT_FOUND,
    },
)
class PersonExportApi(generics.GenericAPIView):
    queryset = Person.objects.none()  # the path's id is a person's
    permission_classes = [IsAuthenticated, IsReferrer]
    serializer_class = None

    def get(self, request: Request, pk: int) -> Response:
        return Response(services.person_export(person=_person_of(request, pk), by=request.user))


# --- consents ------------------------------------------------------------------------------


class ConsentInputSerializer(InputSerializer):
    output_serializer = ConsentSerializer

    scope = serializers.ChoiceField(choices=ConsentScope.choices)
    method = serializers.ChoiceField(choices=ConsentMethod.choices)
    given_at = serializers.DateTimeField(
        required=False, help_text="When the person agreed (now if left out; never later)."
    )


@extend_schema(
    tags=["referrals"],
    summary="Record a person's consent",
    description=(
        "What the person agreed to (`referral`, `contact`, `follow_up`), how and when; "
        "recorded by the signed-in referrer. A consent of that scope already standing is "
        "answered 200, unchanged."
    ),
    request=ConsentInputSerializer,
    responses={
        201: ConsentSerializer,
        200: OpenApiResponse(ConsentSerializer, description="Already standing: that consent."),
        400: BAD_INPUT,
        401: NOT_SIGNED_IN,
        403: NOT_A_REFERRER,
        404: PERSON_NOT_FOUND,
    },
)
class ConsentCollectionApi(generics.GenericAPIView):
    queryset = Person.objects.none()  # the path's id is a person's
    permission_classes = [IsAuthenticated, IsReferrer]
    serializer_class = ConsentSerializer

    def post(self, request: Request, pk: int) -> Response:
        person = _person_of(request, pk)
        data = ConsentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        consent, created = services.consent_record(
            person=person, by=request.user, **data.validated_data
        )
        return Response(
            ConsentSerializer(consent).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


@extend_schema(
    tags=["referrals"],
    summary="Withdraw a consent",
    description=(
        "Kept with the time it was withdrawn. Withdrawing consent to be referred cancels the "
        "person's open referrals."
    ),
    request=None,
    responses={
        200: ConsentSerializer,
        401: NOT_SIGNED_IN,
        403: NOT_A_REFERRER,
        404: error_response(
            "No such consent of a person the user's organizations hold.", ["not_found"]
        ),
    },
)
class ConsentWithdrawApi(generics.GenericAPIView):
    queryset = Person.objects.none()  # the path's id is a person's
    permission_classes = [IsAuthenticated, IsReferrer]
    serializer_class = ConsentSerializer

    def post(self, request: Request, pk: int, consent_pk: int) -> Response:
        person = _person_of(request, pk)
        consent = get_object_or_404(person.consents.all(), pk=consent_pk)
        consent = services.consent_withdraw(consent=consent, by=request.user)
        return Response(ConsentSerializer(consent).data)


# --- shortlists ----------------------------------------------------------------------------


class ShortlistCandidateSerializer(serializers.Serializer):
    activity = ActivityCardSerializer(help_text="The activity card, as search gives it.")
    score = serializers.FloatField()
    reasons = ReasonSerializer(many=True)
    next_occurrence = UpcomingSessionSerializer(allow_null=True)


class ShortlistItemSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    activity = serializers.IntegerField(source="activity_id")


class ShortlistSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    person = serializers.IntegerField(source="person_id")
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
    items = ShortlistItemSerializer(many=True)


class ShortlistInputSerializer(InputSerializer):
    output_serializer = ShortlistSerializer

    activities = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        min_length=1,
        max_length=services.SHORTLIST_MAX,
        help_text="Up to ten activity ids among those the matcher offers the person, in order.",
    )
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True)


@extend_schema_view(
    get=extend_schema(
        tags=["referrals"],
        summary="Activities that fit a person (the matcher)",
        description=(
            "Up to 20 activities, best first, with their reasons (in the language of the "
            "request): the residents' engine and hard constraints, for the person's needs. "
            "Without the person's consent to be referred: 409 `consent_required`. Logged."
        ),
        responses={
            200: ShortlistCandidateSerializer(many=True),
            401: NOT_SIGNED_IN,
            403: NOT_A_REFERRER,
            404: PERSON_NOT_FOUND,
            409: NO_CONSENT,
        },
    ),
    post=extend_schema(
        tags=["referrals"],
        summary="Keep a shortlist for a person",
        description=(
            "Up to ten of the activities offered (`GET`), with a note for the person. An "
            "activity not offered to them is refused (400 `not_in_shortlist`)."
        ),
        request=ShortlistInputSerializer,
        responses={
            201: ShortlistSerializer,
            400: error_response(
                "Invalid input, named in `fields`.",
                ["invalid", "required", "invalid_type", "unknown_field", "not_in_shortlist"],
            ),
            401: NOT_SIGNED_IN,
            403: NOT_A_REFERRER,
            404: PERSON_NOT_FOUND,
            409: NO_CONSENT,
        },
    ),
)
class ShortlistApi(generics.GenericAPIView):
    queryset = Person.objects.none()  # the path's id is a person's
    pagination_class = None  # at most 20 activities, in the matcher's order
    permission_classes = [IsAuthenticated, IsReferrer]
    serializer_class = ShortlistSerializer

    def get(self, request: Request, pk: int) -> Response:
        items = services.shortlist_compute(
            person=_person_of(request, pk),
            by=request.user,
            language=(get_language() or "fr")[:2],
        )
        return Response(
            [
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
                for item in items
            ]
        )

    def post(self, request: Request, pk: int) -> Response:
        person = _person_of(request, pk)
        data = ShortlistInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        shortlist = services.shortlist_save(
            person=person,
            by=request.user,
            activity_ids=data.validated_data["activities"],
            note=data.validated_data.get("note", ""),
        )
        return Response(ShortlistSerializer(shortlist).data, status=status.HTTP_201_CREATED)


# --- referrals -----------------------------------------------------------------------------


class ReferralActivitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Activity
        fields = ["id", "title"]


class PersonBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "first_name"]


class ReferralSerializer(serializers.ModelSerializer):
    """A referral as its referring organization sees it."""

    person = PersonBriefSerializer(read_only=True)
    activity = ReferralActivitySerializer(read_only=True, allow_null=True)
    referring_organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    receiving_organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    allowed_transitions = serializers.SerializerMethodField(
        help_text="The statuses the signed-in user may move it to."
    )

    class Meta:
        model = Referral
        fields = [
            "id", "person", "activity", "referring_organization", "receiving_organization",
            "shortlist", "status", "status_reason", "note", "created_at", "updated_at",
            "closed_at", "first_attended_at", "allowed_transitions",
        ]  # fmt: skip

    def get_allowed_transitions(self, referral: Referral) -> list[str]:
        return services.allowed_transitions(referral=referral, sides=self.context["sides"])


class WelcomedPersonSerializer(serializers.Serializer):
    """What a receiving organization needs to welcome the person, and no more."""

    first_name = serializers.CharField()
    phone = serializers.CharField(
        allow_null=True, help_text="Only when the person agreed to be contacted."
    )
    email = serializers.CharField(
        allow_null=True, help_text="Only when the person agreed to be contacted."
    )
    step_free = serializers.BooleanField()
    homebound = serializers.BooleanField()
    languages = serializers.ListField(child=serializers.CharField())
    access_needs = serializers.CharField()


class ReceivedReferralSerializer(serializers.ModelSerializer):
    """A referral as its receiving organization sees it: never the referrer's note, the
    person's interests or any score."""

    person = serializers.SerializerMethodField()
    activity = ReferralActivitySerializer(read_only=True, allow_null=True)
    referring_organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    receiving_organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    allowed_transitions = serializers.SerializerMethodField(
        help_text="The statuses the signed-in user may move it to."
    )

    class Meta:
        model = Referral
        fields = [
            "id", "person", "activity", "referring_organization", "receiving_organization",
            "status", "status_reason", "created_at", "updated_at", "closed_at",
            "first_attended_at", "allowed_transitions",
        ]  # fmt: skip

    @extend_schema_field(WelcomedPersonSerializer)
    def get_person(self, referral: Referral) -> dict:
        person = referral.person
        contact = any(
            c.scope == ConsentScope.CONTACT and c.withdrawn_at is None
            for c in person.consents.all()
        )
        return {
            "first_name": person.first_name,
            "phone": (person.phone or None) if contact else None,
            "email": (person.email or None) if contact else None,
            "step_free": person.step_free,
            "homebound": person.homebound,
            "languages": activity_choices.values_of(
                person.languages_mask, activity_choices.LANGUAGES
            ),
            "access_needs": person.access_needs,
        }

    def get_allowed_transitions(self, referral: Referral) -> list[str]:
        return services.allowed_transitions(referral=referral, sides=self.context["sides"])


REFERRER_SIDE = {"sides": {Side.REFERRER}}
RECEIVER_SIDE = {"sides": {Side.RECEIVER}}


class ReferralInputSerializer(InputSerializer):
    output_serializer = ReferralSerializer

    person = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    activity = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, required=False, help_text="Refer to this activity..."
    )
    organization = serializers.SlugField(
        required=False, help_text="...or to this organization (one of the two)."
    )
    shortlist = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    note = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text="For the referring organization only; never shown to the receiving one.",
    )


class TransitionInputSerializer(InputSerializer):
    status = serializers.ChoiceField(choices=ReferralStatus.choices)
    reason = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text="Why (required to reject, put on hold or mark failed).",
    )


TRANSITION_ERRORS = {
    400: error_response(
        "Invalid input, named in `fields`.",
        ["invalid", "required", "invalid_choice", "invalid_type", "unknown_field"],
    ),
    401: NOT_SIGNED_IN,
    403: error_response("The other side of the referral decides this.", ["permission_denied"]),
    409: error_response(
        "The referral's status does not allow this change.", ["transition_not_allowed"]
    ),
}


@extend_schema_view(
    get=extend_schema(
        tags=["referrals"],
        summary="Referrals my referring organizations made",
        responses={200: ReferralSerializer(many=True), 401: NOT_SIGNED_IN, 403: NOT_A_REFERRER},
    ),
    post=extend_schema(
        tags=["referrals"],
        summary="Refer a person to an activity or an organization",
        description=(
            "Status `requested`; the receiving organization is told. Needs the person's "
            "consent to be referred (409 `consent_required`)."
        ),
        request=ReferralInputSerializer,
        responses={
            201: ReferralSerializer,
            400: BAD_INPUT,
            401: NOT_SIGNED_IN,
            403: NOT_A_REFERRER,
            404: error_response(
                "No such person, published activity, organization or shortlist.", ["not_found"]
            ),
            409: NO_CONSENT,
        },
    ),
)
class ReferralCollectionApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticated, IsReferrer]
    serializer_class = ReferralSerializer
    filter_backends: list = []
    cursor_ordering = "-id"

    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.referral_list_sent(user=request.user))
        return self.get_paginated_response(
            ReferralSerializer(page, many=True, context=REFERRER_SIDE).data
        )

    def post(self, request: Request) -> Response:
        data = ReferralInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        person = _person_of(request, values["person"])
        activity = organization = shortlist = None
        if "activity" in values:
            activity = get_object_or_404(
                Activity.objects.select_related("organization"), pk=values["activity"]
            )
        if "organization" in values:
            organization = get_object_or_404(Organization, slug=values["organization"])
        if "shortlist" in values:
            shortlist = get_object_or_404(person.shortlists.all(), pk=values["shortlist"])
        referral = services.referral_create(
            person=person,
            by=request.user,
            activity=activity,
            organization=organization,
            shortlist=shortlist,
            note=values.get("note", ""),
        )
        referral = selectors.referral_list_sent(user=request.user).get(pk=referral.pk)
        return Response(
            ReferralSerializer(referral, context=REFERRER_SIDE).data,
            status=status.HTTP_201_CREATED,
        )


SENT_NOT_FOUND = error_response(
    "No such referral among those the user's referring organizations made.", ["not_found"]
)
RECEIVED_NOT_FOUND = error_response(
    "No such referral among those made to the organizations the user edits.", ["not_found"]
)


@extend_schema(
    tags=["referrals"],
    summary="One referral my referring organizations made",
    responses={
        200: ReferralSerializer,
        401: NOT_SIGNED_IN,
        403: NOT_A_REFERRER,
        404: SENT_NOT_FOUND,
    },
)
class ReferralDetailApi(generics.GenericAPIView):
    queryset = Referral.objects.none()  # the path's id is a referral's
    permission_classes = [IsAuthenticated, IsReferrer]
    serializer_class = ReferralSerializer

    def get(self, request: Request, pk: int) -> Response:
        referral = get_object_or_404(selectors.referral_list_sent(user=request.user), pk=pk)
        return Response(ReferralSerializer(referral, context=REFERRER_SIDE).data)


@extend_schema(
    tags=["referrals"],
    summary="Move a referral I made to another status (referrer's side)",
    description="Cancel it, put it on hold, resume, complete or mark it failed.",
    request=TransitionInputSerializer,
    responses={200: ReferralSerializer, 404: SENT_NOT_FOUND, **TRANSITION_ERRORS},
)
class ReferralTransitionApi(generics.GenericAPIView):
    queryset = Referral.objects.none()  # the path's id is a referral's
    permission_classes = [IsAuthenticated, IsReferrer]
    serializer_class = ReferralSerializer

    def post(self, request: Request, pk: int) -> Response:
        referral = get_object_or_404(selectors.referral_list_sent(user=request.user), pk=pk)
        data = TransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _transition(request, referral, data.validated_data, side=Side.REFERRER)
        referral = selectors.referral_list_sent(user=request.user).get(pk=pk)
        return Response(ReferralSerializer(referral, context=REFERRER_SIDE).data)


FHIR_CODING = {
    "type": "object",
    "properties": {
        "system": {"type": "string", "format": "uri"},
        "code": {"type": "string"},
        "display": {"type": "string"},
    },
    "required": ["system", "code"],
}
FHIR_CONCEPT = {
    "type": "object",
    "properties": {"coding": {"type": "array", "items": FHIR_CODING}, "text": {"type": "string"}},
}
FHIR_IDENTIFIER = {
    "type": "object",
    "properties": {"system": {"type": "string", "format": "uri"}, "value": {"type": "string"}},
    "required": ["system", "value"],
}
FHIR_REFERENCE = {
    "type": "object",
    "properties": {
        "reference": {"type": "string"},
        "identifier": FHIR_IDENTIFIER,
        "display": {"type": "string"},
    },
}
FHIR_SERVICE_REQUEST = {
    "type": "object",
    "description": "FHIR R4 ServiceRequest: what is asked, for whom, by whom, of whom.",
    "properties": {
        "resourceType": {"type": "string", "enum": ["ServiceRequest"]},
        "identifier": {"type": "array", "items": FHIR_IDENTIFIER},
        "status": {"type": "string", "enum": ["active", "on-hold", "completed", "revoked"]},
        "intent": {"type": "string", "enum": ["order"]},
        "category": {"type": "array", "items": FHIR_CONCEPT},
        "code": FHIR_CONCEPT,
        "subject": FHIR_REFERENCE,
        "authoredOn": {"type": "string", "format": "date-time"},
        "requester": FHIR_REFERENCE,
        "performer": {"type": "array", "items": FHIR_REFERENCE},
    },
    "required": ["resourceType", "status", "intent", "subject"],
}
FHIR_TASK = {
    "type": "object",
    "description": "FHIR R4 Task following the ServiceRequest; its status is the referral's.",
    "properties": {
        "resourceType": {"type": "string", "enum": ["Task"]},
        "identifier": {"type": "array", "items": FHIR_IDENTIFIER},
        "basedOn": {"type": "array", "items": FHIR_REFERENCE},
        "status": {"type": "string", "enum": list(ReferralStatus.values)},
        "statusReason": FHIR_CONCEPT,
        "intent": {"type": "string", "enum": ["order"]},
        "code": FHIR_CONCEPT,
        "focus": FHIR_REFERENCE,
        "for": FHIR_REFERENCE,
        "authoredOn": {"type": "string", "format": "date-time"},
        "lastModified": {"type": "string", "format": "date-time"},
        "requester": FHIR_REFERENCE,
        "owner": FHIR_REFERENCE,
    },
    "required": ["resourceType", "status", "intent"],
}
FHIR_BUNDLE = {
    "type": "object",
    "description": "FHIR R4 Bundle of type collection: the ServiceRequest, then its Task.",
    "properties": {
        "resourceType": {"type": "string", "enum": ["Bundle"]},
        "type": {"type": "string", "enum": ["collection"]},
        "timestamp": {"type": "string", "format": "date-time"},
        "entry": {
            "type": "array",
            "minItems": 2,
            "maxItems": 2,
            "items": {
                "type": "object",
                "properties": {
                    "fullUrl": {"type": "string"},
                    "resource": {"oneOf": [FHIR_SERVICE_REQUEST, FHIR_TASK]},
                },
                "required": ["fullUrl", "resource"],
            },
        },
    },
    "required": ["resourceType", "type", "entry"],
}


@extend_schema(
    tags=["referrals"],
    summary="A referral my referring organizations made, as FHIR R4 (ServiceRequest + Task)",
    description=(
        "A Bundle of type `collection`: the ServiceRequest (category `social-connection` of "
        "the SDOH Clinical Care guide, requester the referring organization, performer the "
        "receiving one) and the Task that follows it (status: the referral's FHIR Task "
        "status, `statusReason` its reason). The person appears by their record's number "
        "and first name only. Logged as an export of the person's record."
    ),
    responses={
        200: OpenApiResponse(response=FHIR_BUNDLE, description="The FHIR Bundle."),
        401: NOT_SIGNED_IN,
        403: NOT_A_REFERRER,
        404: SENT_NOT_FOUND,
    },
)
class ReferralFhirApi(generics.GenericAPIView):
    queryset = Referral.objects.none()  # the path's id is a referral's
    permission_classes = [IsAuthenticated, IsReferrer]
    serializer_class = None

    def get(self, request: Request, pk: int) -> Response:
        referral = get_object_or_404(selectors.referral_list_sent(user=request.user), pk=pk)
        services.person_access_record(
            persons=[referral.person], by=request.user, view=PersonView.EXPORT
        )
        return Response(fhir.referral_bundle(referral, base_url=settings.PUBLIC_BASE_URL))


def _transition(request: Request, referral: Referral, values: dict, *, side: str) -> None:
    services.referral_transition(
        referral=referral,
        to=values["status"],
        by=request.user,
        reason=values.get("reason", ""),
        acting_as=side,
    )


@extend_schema(
    tags=["referrals"],
    summary="Referrals made to the organizations I edit",
    description=(
        "What the receiving organization needs to welcome each person: first name, contact "
        "if they agreed to be contacted, access needs. Each read is logged for the "
        "organization holding the record."
    ),
    responses={200: ReceivedReferralSerializer(many=True), 401: NOT_SIGNED_IN},
)
class ReceivedReferralListApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = ReceivedReferralSerializer
    filter_backends: list = []
    cursor_ordering = "-id"

    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.referral_list_received(user=request.user))
        services.person_access_record(
            persons=[referral.person for referral in page],
            by=request.user,
            view=PersonView.REFERRAL,
        )
        return self.get_paginated_response(
            ReceivedReferralSerializer(page, many=True, context=RECEIVER_SIDE).data
        )


@extend_schema(
    tags=["referrals"],
    summary="One referral made to an organization I edit (logged)",
    responses={200: ReceivedReferralSerializer, 401: NOT_SIGNED_IN, 404: RECEIVED_NOT_FOUND},
)
class ReceivedReferralDetailApi(generics.GenericAPIView):
    queryset = Referral.objects.none()  # the path's id is a referral's
    permission_classes = [IsAuthenticated]
    serializer_class = ReceivedReferralSerializer

    def get(self, request: Request, pk: int) -> Response:
        referral = get_object_or_404(selectors.referral_list_received(user=request.user), pk=pk)
        services.person_access_record(
            persons=[referral.person], by=request.user, view=PersonView.REFERRAL
        )
        return Response(ReceivedReferralSerializer(referral, context=RECEIVER_SIDE).data)


@extend_schema(
    tags=["referrals"],
    summary="Answer or follow a referral made to an organization I edit (receiving side)",
    description=(
        "Accept or reject it (with a reason), mark it in progress, on hold, completed or "
        "failed. The referring organization is told."
    ),
    request=TransitionInputSerializer,
    responses={200: ReceivedReferralSerializer, 404: RECEIVED_NOT_FOUND, **TRANSITION_ERRORS},
)
class ReceivedReferralTransitionApi(generics.GenericAPIView):
    queryset = Referral.objects.none()  # the path's id is a referral's
    permission_classes = [IsAuthenticated]
    serializer_class = ReceivedReferralSerializer

    def post(self, request: Request, pk: int) -> Response:
        referral = get_object_or_404(selectors.referral_list_received(user=request.user), pk=pk)
        data = TransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _transition(request, referral, data.validated_data, side=Side.RECEIVER)
        referral = selectors.referral_list_received(user=request.user).get(pk=pk)
        return Response(ReceivedReferralSerializer(referral, context=RECEIVER_SIDE).data)


class AttendedInputSerializer(InputSerializer):
    occurrence = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="The session the person came to."
    )


@extend_schema(
    tags=["referrals"],
    summary="Mark that the referred person came to a session (receiving side)",
    description=(
        "For a person without an account (with one, marking their registration attended does "
        "it). The first session is kept; an accepted referral moves to `in-progress` and the "
        "referring organization is told."
    ),
    request=AttendedInputSerializer,
    responses={
        200: ReceivedReferralSerializer,
        400: error_response(
            "Invalid input, named in `fields` (not a session of that activity, or one still "
            "to come).",
            ["invalid", "required", "invalid_type", "unknown_field"],
        ),
        401: NOT_SIGNED_IN,
        404: error_response(
            "No such referral among those made to the organizations the user edits, or no "
            "such session.",
            ["not_found"],
        ),
        409: error_response(
            "The referral is not accepted, in progress or on hold.", ["transition_not_allowed"]
        ),
    },
)
class ReceivedReferralAttendedApi(generics.GenericAPIView):
    queryset = Referral.objects.none()  # the path's id is a referral's
    permission_classes = [IsAuthenticated]
    serializer_class = ReceivedReferralSerializer

    def post(self, request: Request, pk: int) -> Response:
        referral = get_object_or_404(selectors.referral_list_received(user=request.user), pk=pk)
        data = AttendedInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        occurrence = get_object_or_404(Occurrence, pk=data.validated_data["occurrence"])
        services.referral_mark_attended(referral=referral, occurrence=occurrence, by=request.user)
        referral = selectors.referral_list_received(user=request.user).get(pk=pk)
        services.person_access_record(
            persons=[referral.person], by=request.user, view=PersonView.REFERRAL
        )
        return Response(ReceivedReferralSerializer(referral, context=RECEIVER_SIDE).data)


# --- access log and referrers --------------------------------------------------------------


class AccessLogSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    person = serializers.IntegerField(source="person_number", help_text="The person's id.")
    user = serializers.SerializerMethodField(help_text="Who read it (null: account gone).")

    class Meta:
        model = AccessLog
        fields = ["id", "at", "organization", "person", "user", "view"]

    @extend_schema_field(serializers.EmailField(allow_null=True))
    def get_user(self, entry: AccessLog) -> str | None:
        return None if entry.user is None else entry.user.email


@extend_schema(
    tags=["referrals"],
    summary="Who read the records my referring organizations hold",
    description="Every read of a person record (list, detail, export, shortlist, referral).",
    responses={200: AccessLogSerializer(many=True), 401: NOT_SIGNED_IN, 403: NOT_A_REFERRER},
)
class AccessLogApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticated, IsReferrer]
    serializer_class = AccessLogSerializer
    filter_backends: list = []
    cursor_ordering = "-id"

    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.access_log_of(user=request.user))
        return self.get_paginated_response(AccessLogSerializer(page, many=True).data)


class ReferrerSerializer(serializers.Serializer):
    organization = serializers.SlugField(source="organization.slug")
    organization_name = serializers.CharField(source="organization.name")
    organization_kind = serializers.CharField(source="organization.kind")
    organization_verified = serializers.BooleanField(source="organization.verified")
    display_name = serializers.CharField(source="user.display_name")
    email = serializers.EmailField(source="user.email")
    since = serializers.DateTimeField(source="created_at")


@extend_schema(
    tags=["referrals"],
    summary="The referrers of the organizations of my territories (curators)",
    description=(
        "Members with the referrer role of referring organizations that have a place or an "
        "activity in the territories the curator curates."
    ),
    responses={
        200: ReferrerSerializer(many=True),
        401: NOT_SIGNED_IN,
        403: error_response("Not a curator.", ["permission_denied"]),
    },
)
class ReferrerListApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = ReferrerSerializer
    filter_backends: list = []
    cursor_ordering = "-id"

    def get(self, request: Request) -> Response:
        scope = require_curator(request.user)
        organizations = scope.organizations(Organization.objects.all())
        referrers = selectors.referrer_memberships().filter(organization__in=organizations)
        page = self.paginate_queryset(referrers)
        return self.get_paginated_response(ReferrerSerializer(page, many=True).data)
