"""Visiting and befriending programmes over HTTP: teams, volunteers and their vetting,
requests, pairing runs, pairs and their life, contacts, and the coordinator's view.

Each audience has its serializer: a team's coordinators (its organization's owners and
editors) see the whole of their team; a volunteer sees their own profile and, of the people
they are paired with, only what the visit needs (first name, phone, access notes, when they
are free, their languages, what they will do together; the address once the pair is active),
never the priority, the request's origin, the consent, the coarse home or the score. Anyone
else, another team's coordinators included, sees nothing: a 404, as for an id that does not
exist."""

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from activities import choices as activity_choices
from activities import taxonomy
from activities.models import Organization
from api.matching import PointSerializer, SlotsField
from api.schema import error_response
from api.serializers import InputSerializer, MaskListField
from visiting import choices, selectors, services
from visiting.models import Contact, Pair, PairingRun, Team, VisitRequest, Volunteer
from visiting.pairing import BLOCKERS

TAG = ["visiting"]
NOT_SIGNED_IN = error_response("Not signed in.", ["not_authenticated", "token_not_valid"])
BAD_INPUT = error_response(
    "Invalid input, named in `fields`.",
    ["invalid", "required", "invalid_choice", "invalid_type", "unknown_field", "read_only_field"],
)
NOT_A_COORDINATOR = error_response(
    "Not a coordinator of this team (an owner or editor of its organization).",
    ["permission_denied", "not_a_coordinator"],
)
TEAM_NOT_FOUND = error_response(
    "No such team among those the user coordinates or volunteers in.", ["not_found"]
)
TEAM_NOT_COORDINATED = error_response(
    "No such team among those the user coordinates.", ["not_found"]
)
ID = {"min_value": 1, "max_value": 2**63 - 1}


class OffersField(serializers.ListField):
    """What is offered or wanted: ["visits", "calls", "outings"], stored as bits."""

    child = serializers.ChoiceField(choices=choices.OFFER_NAMES)

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_empty", False)
        super().__init__(**kwargs)

    def to_representation(self, mask: int) -> list[str]:
        return choices.offers_names(mask)

    def to_internal_value(self, data) -> int:
        return choices.offers_mask(super().to_internal_value(data))


class CategoriesField(serializers.ListField):
    child = serializers.SlugField(max_length=60)

    def to_internal_value(self, data) -> list[str]:
        value = sorted(set(super().to_internal_value(data)))
        unknown = sorted(set(value) - set(taxonomy.slugs()))
        if unknown:
            raise serializers.ValidationError(
                _("Unknown categories: %(slugs)s.") % {"slugs": ", ".join(unknown)}
            )
        return value


def _home(row) -> dict:
    return {"lat": row.home_lat, "lng": row.home_lng}


# --- teams ---------------------------------------------------------------------------------


class TeamSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    territories = serializers.SlugRelatedField(slug_field="insee_code", many=True, read_only=True)
    coordinator = serializers.SerializerMethodField(help_text="Whether I coordinate this team.")

    class Meta:
        model = Team
        fields = [
            "id", "organization", "name", "territories", "requires_reference_check",
            "requires_record_check", "coordinator", "created_at",
        ]  # fmt: skip

    def get_coordinator(self, team: Team) -> bool:
        return team.pk in self.context.get("coordinated", ())


class TeamInputSerializer(InputSerializer):
    output_serializer = TeamSerializer

    organization = serializers.SlugField(help_text="An organization I am an owner or editor of.")
    name = serializers.CharField(max_length=120)
    requires_reference_check = serializers.BooleanField(required=False)
    requires_record_check = serializers.BooleanField(required=False)


def _team_context(request: Request) -> dict:
    return {
        "coordinated": set(
            selectors.coordinated_teams(user=request.user).values_list("pk", flat=True)
        )
    }


@extend_schema_view(
    get=extend_schema(
        tags=TAG,
        summary="The teams I coordinate or volunteer in",
        responses={200: TeamSerializer(many=True), 401: NOT_SIGNED_IN},
    ),
    post=extend_schema(
        tags=TAG,
        summary="Create a team of an organization I edit",
        request=TeamInputSerializer,
        responses={
            201: TeamSerializer,
            400: BAD_INPUT,
            401: NOT_SIGNED_IN,
            403: error_response(
                "Not an owner or editor of the organization.", ["permission_denied"]
            ),
            404: error_response("No organization with this slug.", ["not_found"]),
        },
    ),
)
class TeamCollectionApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = TeamSerializer
    filter_backends: list = []
    cursor_ordering = "id"

    def get(self, request: Request) -> Response:
        teams = selectors.visible_teams(user=request.user).prefetch_related("territories")
        page = self.paginate_queryset(teams.select_related("organization"))
        return self.get_paginated_response(
            TeamSerializer(page, many=True, context=_team_context(request)).data
        )

    def post(self, request: Request) -> Response:
        data = TeamInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        organization = get_object_or_404(Organization, slug=values.pop("organization"))
        team = services.team_create(organization=organization, by=request.user, **values)
        return Response(
            TeamSerializer(team, context=_team_context(request)).data,
            status=status.HTTP_201_CREATED,
        )


def _coordinated_team(request: Request, pk: int) -> Team:
    return get_object_or_404(selectors.coordinated_teams(user=request.user), pk=pk)


class WaitingPersonSerializer(serializers.Serializer):
    request = serializers.IntegerField(source="request.pk")
    first_name = serializers.CharField(source="request.first_name")
    priority = serializers.IntegerField(source="request.priority")
    requested_on = serializers.DateField(source="request.requested_on")
    returned = serializers.SerializerMethodField(help_text="Back in the queue after a pair ended.")
    waiting_days = serializers.IntegerField()
    blocking = serializers.ChoiceField(
        choices=[code for code, _keeps in BLOCKERS],
        allow_null=True,
        help_text=(
            "The first constraint that leaves the person no volunteer, in the order a "
            "coordinator would relax them; null when a volunteer is feasible."
        ),
    )

    def get_returned(self, row: dict) -> bool:
        return row["request"].returned_at is not None


@extend_schema(
    tags=TAG,
    summary="The team's waiting list (coordinators)",
    description=(
        "Everyone waiting without a pair: people back from an ended pair first, then by "
        "request date; how long each has waited and, for those no volunteer can take, which "
        "constraint blocks them."
    ),
    responses={
        200: WaitingPersonSerializer(many=True),
        401: NOT_SIGNED_IN,
        404: TEAM_NOT_COORDINATED,
    },
)
class WaitingListApi(generics.GenericAPIView):
    queryset = Team.objects.none()  # the path's id is a team's
    permission_classes = [IsAuthenticated]
    serializer_class = WaitingPersonSerializer
    pagination_class = None

    def get(self, request: Request, pk: int) -> Response:
        team = _coordinated_team(request, pk)
        return Response(WaitingPersonSerializer(selectors.waiting_list(team=team), many=True).data)


class VolunteerLoadSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="user.display_name")
    fully_vetted = serializers.BooleanField(read_only=True)
    following = serializers.IntegerField(help_text="Pairs not ended (proposed to paused).")
    active_pairs = serializers.IntegerField()

    class Meta:
        model = Volunteer
        fields = ["id", "name", "capacity", "following", "active_pairs", "fully_vetted", "active"]


@extend_schema(
    tags=TAG,
    summary="The team's volunteers and how many people each follows (coordinators)",
    responses={
        200: VolunteerLoadSerializer(many=True),
        401: NOT_SIGNED_IN,
        404: TEAM_NOT_COORDINATED,
    },
)
class VolunteerLoadApi(generics.GenericAPIView):
    queryset = Team.objects.none()  # the path's id is a team's
    permission_classes = [IsAuthenticated]
    serializer_class = VolunteerLoadSerializer
    pagination_class = None

    def get(self, request: Request, pk: int) -> Response:
        team = _coordinated_team(request, pk)
        return Response(
            VolunteerLoadSerializer(selectors.volunteer_load(team=team), many=True).data
        )


# --- volunteers ----------------------------------------------------------------------------


class VolunteerSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="user.display_name", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    home = serializers.SerializerMethodField(
        help_text="The stored home: the centre of a cell of about 0.7 km², never the address."
    )
    availability = SlotsField(source="availability_mask")
    languages = MaskListField(vocabulary=activity_choices.LANGUAGES, source="languages_mask")
    offers = OffersField()
    fully_vetted = serializers.BooleanField(read_only=True)

    class Meta:
        model = Volunteer
        fields = [
            "id", "team", "name", "email", "home", "reach_km", "travel_mode", "availability",
            "languages", "interests", "offers", "capacity", "gender", "wants_gender",
            "charter_signed_on", "trained_on", "reference_checked_on", "record_checked_on",
            "fully_vetted", "active", "created_at", "updated_at",
        ]  # fmt: skip

    @extend_schema_field(PointSerializer)
    def get_home(self, volunteer: Volunteer) -> dict:
        return _home(volunteer)


class VolunteerInputSerializer(InputSerializer):
    output_serializer = VolunteerSerializer
    create_only = ("team", "email")

    team = serializers.IntegerField(**ID, help_text="A team I coordinate.")
    email = serializers.EmailField(help_text="The account of the person who volunteers.")
    home = PointSerializer(help_text="Coarsened before it is stored.")
    reach_km = serializers.FloatField(min_value=0.2, max_value=100, required=False)
    travel_mode = serializers.ChoiceField(choices=choices.TravelMode.choices, required=False)
    availability = SlotsField(allow_empty=False)
    languages = MaskListField(vocabulary=activity_choices.LANGUAGES, required=False)
    interests = CategoriesField(required=False, help_text="Category slugs.")
    offers = OffersField()
    capacity = serializers.IntegerField(min_value=1, max_value=10, required=False)
    gender = serializers.ChoiceField(choices=choices.Gender.choices, required=False)
    wants_gender = serializers.ChoiceField(choices=choices.Gender.choices, required=False)
    charter_signed_on = serializers.DateField(required=False, allow_null=True)
    trained_on = serializers.DateField(required=False, allow_null=True)
    reference_checked_on = serializers.DateField(required=False, allow_null=True)
    record_checked_on = serializers.DateField(required=False, allow_null=True)
    active = serializers.BooleanField(required=False)

    def to_service_fields(self) -> dict:
        data = dict(self.validated_data)
        data.pop("team", None)
        data.pop("email", None)
        if "home" in data:
            home = data.pop("home")
            data["home"] = (home["lat"], home["lng"])
        if "availability" in data:
            data["availability_mask"] = data.pop("availability")
        if "languages" in data:
            data["languages_mask"] = activity_choices.mask_of(
                data.pop("languages"), activity_choices.LANGUAGES
            )
        return data


VOLUNTEER_NOT_FOUND = error_response(
    "No such volunteer in the teams I coordinate (nor myself).", ["not_found"]
)


@extend_schema_view(
    get=extend_schema(
        tags=TAG,
        summary="The volunteers of the teams I coordinate, and my own volunteer profiles",
        responses={200: VolunteerSerializer(many=True), 401: NOT_SIGNED_IN},
    ),
    post=extend_schema(
        tags=TAG,
        summary="Record a volunteer of a team I coordinate",
        description=(
            "Only a fully vetted volunteer (charter signed, trained, and the checks the team "
            "requires) is ever proposed."
        ),
        request=VolunteerInputSerializer,
        responses={
            201: VolunteerSerializer,
            400: BAD_INPUT,
            401: NOT_SIGNED_IN,
            404: error_response(
                "No such team among those I coordinate, or no account with this email.",
                ["not_found"],
            ),
        },
    ),
)
class VolunteerCollectionApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = VolunteerSerializer
    filter_backends: list = []
    cursor_ordering = "id"

    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.volunteer_list(user=request.user))
        return self.get_paginated_response(VolunteerSerializer(page, many=True).data)

    def post(self, request: Request) -> Response:
        data = VolunteerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        team = _coordinated_team(request, data.validated_data["team"])
        user = get_object_or_404(get_user_model(), email__iexact=data.validated_data["email"])
        volunteer = services.volunteer_create(
            team=team, user=user, by=request.user, **data.to_service_fields()
        )
        return Response(VolunteerSerializer(volunteer).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        tags=TAG,
        summary="A volunteer (coordinators of the team, or the volunteer)",
        responses={200: VolunteerSerializer, 401: NOT_SIGNED_IN, 404: VOLUNTEER_NOT_FOUND},
    ),
    patch=extend_schema(
        tags=TAG,
        summary="Change a volunteer's profile or vetting (coordinators)",
        request=VolunteerInputSerializer(partial=True),
        responses={
            200: VolunteerSerializer,
            400: BAD_INPUT,
            401: NOT_SIGNED_IN,
            403: NOT_A_COORDINATOR,
            404: VOLUNTEER_NOT_FOUND,
        },
    ),
)
class VolunteerDetailApi(generics.GenericAPIView):
    queryset = Volunteer.objects.none()  # the path's id is a volunteer's
    permission_classes = [IsAuthenticated]
    serializer_class = VolunteerSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get(self, request: Request, pk: int) -> Response:
        volunteer = get_object_or_404(selectors.volunteer_list(user=request.user), pk=pk)
        return Response(VolunteerSerializer(volunteer).data)

    def patch(self, request: Request, pk: int) -> Response:
        volunteer = get_object_or_404(selectors.volunteer_list(user=request.user), pk=pk)
        data = VolunteerInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        volunteer = services.volunteer_update(
            volunteer=volunteer, by=request.user, **data.to_service_fields()
        )
        return Response(VolunteerSerializer(volunteer).data)


# --- requests ------------------------------------------------------------------------------


class VisitRequestSerializer(serializers.ModelSerializer):
    """The whole request, for the team's coordinators (and its author, once, on creation)."""

    home = serializers.SerializerMethodField(
        help_text="The stored home: the centre of a cell of about 0.7 km², never the address."
    )
    availability = SlotsField(source="availability_mask")
    languages = MaskListField(vocabulary=activity_choices.LANGUAGES, source="languages_mask")
    wants = OffersField()

    class Meta:
        model = VisitRequest
        fields = [
            "id", "team", "entered_by", "first_name", "phone", "address", "home", "availability",
            "languages", "interests", "wants", "gender", "wants_gender", "access_notes",
            "priority", "requested_on", "consent_method", "consent_given_at", "status",
            "returned_at", "created_at",
        ]  # fmt: skip

    @extend_schema_field(PointSerializer)
    def get_home(self, request: VisitRequest) -> dict:
        return _home(request)


class VisitRequestInputSerializer(InputSerializer):
    output_serializer = VisitRequestSerializer
    create_only = ("team", "entered_by")

    team = serializers.IntegerField(**ID)
    entered_by = serializers.ChoiceField(
        choices=choices.EnteredBy.choices,
        help_text="`coordinator` only for the team's coordinators.",
    )
    first_name = serializers.CharField(max_length=80, help_text="First name or an alias.")
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    address = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        help_text="Shown to the paired volunteer only once the pair is active.",
    )
    home = PointSerializer(help_text="Coarsened before it is stored.")
    availability = SlotsField(allow_empty=False)
    languages = MaskListField(vocabulary=activity_choices.LANGUAGES, required=False)
    interests = CategoriesField(required=False)
    wants = OffersField()
    gender = serializers.ChoiceField(choices=choices.Gender.choices, required=False)
    wants_gender = serializers.ChoiceField(choices=choices.Gender.choices, required=False)
    access_notes = serializers.CharField(max_length=500, required=False, allow_blank=True)
    priority = serializers.IntegerField(
        min_value=0, max_value=3, required=False, help_text="Set by coordinators only."
    )
    requested_on = serializers.DateField(
        required=False, help_text="Today unless a coordinator enters an earlier request."
    )
    consent_method = serializers.ChoiceField(
        choices=choices.ConsentMethod.choices,
        required=False,
        help_text="Required when a relative or a professional makes the request.",
    )
    consent_given_at = serializers.DateTimeField(required=False)

    def to_service_fields(self) -> dict:
        data = dict(self.validated_data)
        data.pop("team", None)
        if "home" in data:
            home = data.pop("home")
            data["home"] = (home["lat"], home["lng"])
        if "availability" in data:
            data["availability_mask"] = data.pop("availability")
        if "languages" in data:
            data["languages_mask"] = activity_choices.mask_of(
                data.pop("languages"), activity_choices.LANGUAGES
            )
        return data


@extend_schema_view(
    get=extend_schema(
        tags=TAG,
        summary="The requests of the teams I coordinate",
        responses={200: VisitRequestSerializer(many=True), 401: NOT_SIGNED_IN},
    ),
    post=extend_schema(
        tags=TAG,
        summary="Ask for a person to be visited or called",
        description=(
            "By the person, a relative or a professional (both recording how and when the "
            "person agreed), or a coordinator of the team. The request joins the team's queue."
        ),
        request=VisitRequestInputSerializer,
        responses={
            201: VisitRequestSerializer,
            400: BAD_INPUT,
            401: NOT_SIGNED_IN,
            403: NOT_A_COORDINATOR,
            404: error_response("No such team.", ["not_found"]),
        },
    ),
)
class VisitRequestCollectionApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = VisitRequestSerializer
    filter_backends: list = []
    cursor_ordering = "-id"

    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.request_list(user=request.user))
        return self.get_paginated_response(VisitRequestSerializer(page, many=True).data)

    def post(self, request: Request) -> Response:
        data = VisitRequestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        team = get_object_or_404(Team, pk=data.validated_data["team"])
        fields = data.to_service_fields()
        created = services.request_create(
            team=team, by=request.user, entered_by=fields.pop("entered_by"), **fields
        )
        return Response(VisitRequestSerializer(created).data, status=status.HTTP_201_CREATED)


REQUEST_NOT_FOUND = error_response("No such request in the teams I coordinate.", ["not_found"])


@extend_schema_view(
    get=extend_schema(
        tags=TAG,
        summary="A request (coordinators)",
        responses={200: VisitRequestSerializer, 401: NOT_SIGNED_IN, 404: REQUEST_NOT_FOUND},
    ),
    patch=extend_schema(
        tags=TAG,
        summary="Change a request, its priority included (coordinators)",
        request=VisitRequestInputSerializer(partial=True),
        responses={
            200: VisitRequestSerializer,
            400: BAD_INPUT,
            401: NOT_SIGNED_IN,
            404: REQUEST_NOT_FOUND,
        },
    ),
)
class VisitRequestDetailApi(generics.GenericAPIView):
    queryset = VisitRequest.objects.none()  # the path's id is a request's
    permission_classes = [IsAuthenticated]
    serializer_class = VisitRequestSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get(self, request: Request, pk: int) -> Response:
        found = get_object_or_404(selectors.request_list(user=request.user), pk=pk)
        return Response(VisitRequestSerializer(found).data)

    def patch(self, request: Request, pk: int) -> Response:
        found = get_object_or_404(selectors.request_list(user=request.user), pk=pk)
        data = VisitRequestInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        found = services.request_update(request=found, by=request.user, **data.to_service_fields())
        return Response(VisitRequestSerializer(found).data)


# --- pairing runs --------------------------------------------------------------------------


class PairingRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = PairingRun
        fields = ["id", "team", "status", "proposed", "unpaired", "created_at", "finished_at"]


class PairingRunInputSerializer(InputSerializer):
    output_serializer = PairingRunSerializer

    team = serializers.IntegerField(**ID, help_text="A team I coordinate.")


@extend_schema(
    tags=TAG,
    summary="Run the pairing of a team I coordinate",
    description=(
        "Queued (202); the run proposes pairs for the people waiting, each with its reasons: "
        "the optimum under the hard constraints, weighted for waiting time and priority."
    ),
    request=PairingRunInputSerializer,
    responses={
        202: PairingRunSerializer,
        400: BAD_INPUT,
        401: NOT_SIGNED_IN,
        404: TEAM_NOT_COORDINATED,
    },
)
class PairingRunCollectionApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = PairingRunSerializer

    def post(self, request: Request) -> Response:
        data = PairingRunInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        team = _coordinated_team(request, data.validated_data["team"])
        run = services.pairing_run_request(team=team, by=request.user)
        return Response(PairingRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(
    tags=TAG,
    summary="A pairing run (coordinators)",
    responses={
        200: PairingRunSerializer,
        401: NOT_SIGNED_IN,
        404: error_response("No such run in the teams I coordinate.", ["not_found"]),
    },
)
class PairingRunDetailApi(generics.GenericAPIView):
    queryset = PairingRun.objects.none()  # the path's id is a run's
    permission_classes = [IsAuthenticated]
    serializer_class = PairingRunSerializer

    def get(self, request: Request, pk: int) -> Response:
        runs = PairingRun.objects.filter(team__in=selectors.coordinated_teams(user=request.user))
        return Response(PairingRunSerializer(get_object_or_404(runs, pk=pk)).data)


# --- pairs ---------------------------------------------------------------------------------


class ReasonItemSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=["common_slots", "distance_km", "shared_interests"])
    value = serializers.JSONField(help_text="A count, kilometres, or the interests shared.")


class VisitedPersonSerializer(serializers.Serializer):
    """What the visit needs, for the volunteer: never the priority, origin, consent, home
    or score; the address once the pair is active."""

    first_name = serializers.CharField()
    phone = serializers.CharField()
    address = serializers.CharField(allow_null=True)
    access_notes = serializers.CharField()
    availability = SlotsField(source="availability_mask")
    languages = MaskListField(vocabulary=activity_choices.LANGUAGES, source="languages_mask")

    def to_representation(self, request: VisitRequest) -> dict:
        data = super().to_representation(request)
        if self.context.get("pair_status") not in (
            choices.PairStatus.ACTIVE,
            choices.PairStatus.PAUSED,
        ):
            data["address"] = None
        return data


class PairSerializer(serializers.ModelSerializer):
    """A pair, as its volunteer or the team's coordinators see it (`request` is null for
    the volunteer, `person` is what the visit needs)."""

    volunteer = serializers.IntegerField(source="volunteer_id")
    volunteer_name = serializers.CharField(source="volunteer.user.display_name")
    request = serializers.SerializerMethodField(
        help_text="The request's id, for the team's coordinators only (null for the volunteer)."
    )
    person = serializers.SerializerMethodField()
    kinds = OffersField(help_text="What they will do together.")
    score = serializers.FloatField(
        allow_null=True, help_text="Compatibility 0..1, for the team's coordinators (else null)."
    )
    end_note = serializers.CharField(
        allow_blank=True, help_text="For the team's coordinators (else empty)."
    )
    reasons = serializers.SerializerMethodField()
    allowed_transitions = serializers.SerializerMethodField()

    class Meta:
        model = Pair
        fields = [
            "id", "team", "volunteer", "volunteer_name", "request", "person", "status", "kinds",
            "score", "reasons", "end_reason", "end_note", "proposed_at", "started_at",
            "ended_at", "last_contact_on", "allowed_transitions",
        ]  # fmt: skip

    def _coordinates(self, pair: Pair) -> bool:
        return pair.team_id in self.context["coordinated"]

    def get_request(self, pair: Pair) -> int | None:
        return pair.request_id if self._coordinates(pair) else None

    @extend_schema_field(VisitedPersonSerializer)
    def get_person(self, pair: Pair) -> dict:
        return VisitedPersonSerializer(pair.request, context={"pair_status": pair.status}).data

    @extend_schema_field(ReasonItemSerializer(many=True))
    def get_reasons(self, pair: Pair) -> list[dict]:
        return [{"code": code, "value": value} for code, value in pair.reasons]

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=choices.PairStatus.choices))
    )
    def get_allowed_transitions(self, pair: Pair) -> list[str]:
        sides = set()
        if self._coordinates(pair):
            sides.add(choices.Side.COORDINATOR)
        if pair.volunteer.user_id == self.context["user"].pk:
            sides.add(choices.Side.VOLUNTEER)
        return services.allowed_transitions(pair=pair, sides=sides)

    def to_representation(self, pair: Pair) -> dict:
        data = super().to_representation(pair)
        if not self._coordinates(pair):
            data["score"] = None
            data["end_note"] = ""
        return data


def _pair_context(request: Request) -> dict:
    return {**_team_context(request), "user": request.user}


PAIR_NOT_FOUND = error_response(
    "No such pair among mine or those of the teams I coordinate.", ["not_found"]
)


@extend_schema(
    tags=TAG,
    summary="My pairs as a volunteer, and the pairs of the teams I coordinate",
    responses={200: PairSerializer(many=True), 401: NOT_SIGNED_IN},
)
class PairCollectionApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = PairSerializer
    filter_backends: list = []
    cursor_ordering = "-id"

    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.pair_list(user=request.user))
        return self.get_paginated_response(
            PairSerializer(page, many=True, context=_pair_context(request)).data
        )


@extend_schema(
    tags=TAG,
    summary="A pair (its volunteer, or the team's coordinators)",
    responses={200: PairSerializer, 401: NOT_SIGNED_IN, 404: PAIR_NOT_FOUND},
)
class PairDetailApi(generics.GenericAPIView):
    queryset = Pair.objects.none()  # the path's id is a pair's
    permission_classes = [IsAuthenticated]
    serializer_class = PairSerializer

    def get(self, request: Request, pk: int) -> Response:
        pair = get_object_or_404(selectors.pair_list(user=request.user), pk=pk)
        return Response(PairSerializer(pair, context=_pair_context(request)).data)


class PairTransitionInputSerializer(InputSerializer):
    status = serializers.ChoiceField(choices=choices.PairStatus.choices)
    reason = serializers.ChoiceField(
        choices=choices.EndReason.choices, required=False, help_text="Required to end a pair."
    )
    note = serializers.CharField(
        max_length=500, required=False, allow_blank=True, help_text="For the coordinators."
    )


@extend_schema(
    tags=TAG,
    summary="Move a pair to another status",
    description=(
        "The volunteer accepts; a coordinator records the person's (or their relative's) "
        "answer; either pauses, resumes or ends it, with a reason. An ended pair puts the "
        "person back at the head of the queue; one ended for safeguarding is never proposed "
        "again."
    ),
    request=PairTransitionInputSerializer,
    responses={
        200: PairSerializer,
        400: BAD_INPUT,
        401: NOT_SIGNED_IN,
        403: error_response("The other side of the pair decides this.", ["permission_denied"]),
        404: PAIR_NOT_FOUND,
        409: error_response(
            "The pair's status does not allow this change.", ["transition_not_allowed"]
        ),
    },
)
class PairTransitionApi(generics.GenericAPIView):
    queryset = Pair.objects.none()  # the path's id is a pair's
    permission_classes = [IsAuthenticated]
    serializer_class = PairSerializer

    def post(self, request: Request, pk: int) -> Response:
        pair = get_object_or_404(selectors.pair_list(user=request.user), pk=pk)
        data = PairTransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        services.pair_transition(
            pair=pair,
            to=values["status"],
            by=request.user,
            reason=values.get("reason", ""),
            note=values.get("note", ""),
        )
        pair = selectors.pair_list(user=request.user).get(pk=pk)
        return Response(PairSerializer(pair, context=_pair_context(request)).data)


# --- visits and calls ----------------------------------------------------------------------


class ContactSerializer(serializers.ModelSerializer):
    """A contact; its note only for the team's coordinators (and the volunteer who wrote
    it, on creation)."""

    class Meta:
        model = Contact
        fields = ["id", "pair", "date", "duration_minutes", "kind", "note", "created_at"]

    def to_representation(self, contact: Contact) -> dict:
        data = super().to_representation(contact)
        if not self.context.get("show_notes") and contact.pair.team_id not in self.context.get(
            "coordinated", ()
        ):
            data["note"] = ""
        return data


class ContactInputSerializer(InputSerializer):
    output_serializer = ContactSerializer

    pair = serializers.IntegerField(**ID)
    date = serializers.DateField()
    duration_minutes = serializers.IntegerField(min_value=1, max_value=720)
    kind = serializers.ChoiceField(choices=choices.ContactKind.choices)
    note = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text="For the coordinators only; not shown back to the volunteer afterwards.",
    )


@extend_schema_view(
    get=extend_schema(
        tags=TAG,
        summary="Visits and calls of my pairs, and of the teams I coordinate",
        responses={200: ContactSerializer(many=True), 401: NOT_SIGNED_IN},
    ),
    post=extend_schema(
        tags=TAG,
        summary="Log a visit, call or outing (the pair's volunteer)",
        request=ContactInputSerializer,
        responses={
            201: ContactSerializer,
            400: BAD_INPUT,
            401: NOT_SIGNED_IN,
            403: error_response(
                "Only the pair's volunteer logs its visits and calls.", ["permission_denied"]
            ),
            404: PAIR_NOT_FOUND,
            409: error_response("The pair is not active nor paused.", ["pair_not_active"]),
        },
    ),
)
class ContactCollectionApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = ContactSerializer
    filter_backends: list = []
    cursor_ordering = "-id"

    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.contact_list(user=request.user))
        return self.get_paginated_response(
            ContactSerializer(page, many=True, context=_team_context(request)).data
        )

    def post(self, request: Request) -> Response:
        data = ContactInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        pair = get_object_or_404(selectors.pair_list(user=request.user), pk=values.pop("pair"))
        contact = services.contact_log(pair=pair, by=request.user, **values)
        return Response(
            ContactSerializer(contact, context={"show_notes": True}).data,
            status=status.HTTP_201_CREATED,
        )
