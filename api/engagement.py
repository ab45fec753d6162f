"""From a match to a first visit: favorites, registrations and their waitlist, organizers'
lists and attendance, the welcome of newcomers and the question after a first visit.

Residents see only their own registrations; organizers (editors of the activity's
organization) see those of their own activities, with the least the session needs: a display
name, first visit or not, and the needs the resident chose to share.
"""

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from activities import choices, selectors, services
from activities.models import Activity, Favorite, Occurrence, Registration
from activities.services.common import require_editor
from api.cards import (
    ActivityCardSerializer,
    UpcomingSessionSerializer,
    activity_card,
    render_datetime,
)
from api.schema import BAD_LIST_QUERY, error_response
from api.serializers import InputSerializer, validated_query
from backend.errors import NotFound
from matching.choices import FeedbackSignal
from matching.selectors import feedback_of
from matching.services import feedback_record, feedback_withdraw

NOT_SIGNED_IN = error_response("Not signed in.", ["not_authenticated", "token_not_valid"])
NOT_AN_EDITOR = error_response(
    "Only editors of the activity's organization can do this.", ["permission_denied"]
)
REGISTRATION_NOT_FOUND = error_response(
    "No such registration of yours (another resident's is not found either).", ["not_found"]
)

# --- cards ----------------------------------------------------------------------------------


def _cards(activity_ids: list[int]) -> dict[int, dict]:
    rows = selectors.activity_cards(ids=activity_ids, now=timezone.now())
    return {row["id"]: activity_card(row) for row in rows}


def _session(occurrence: Occurrence | None) -> dict | None:
    if occurrence is None:
        return None
    return {
        "id": occurrence.pk,
        "start": render_datetime(occurrence.start),
        "end": render_datetime(occurrence.end),
        "status": occurrence.status,
    }


# --- favorites ------------------------------------------------------------------------------


class FavoriteSerializer(serializers.Serializer):
    activity = ActivityCardSerializer(help_text="The activity card, as search gives it.")
    created_at = serializers.DateTimeField(help_text="When the resident saved it.")


class FavoriteInputSerializer(InputSerializer):
    activity = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="The id of a published activity."
    )


def _favorite_items(favorites: list[Favorite]) -> list[dict]:
    cards = _cards([favorite.activity_id for favorite in favorites])
    return [
        {"activity": cards[item.activity_id], "created_at": render_datetime(item.created_at)}
        for item in favorites
        if item.activity_id in cards
    ]


@extend_schema_view(
    get=extend_schema(
        tags=["engagement"],
        summary="My saved activities",
        description="Activities still published, last saved first, each with its card.",
        responses={200: FavoriteSerializer(many=True), 401: NOT_SIGNED_IN},
    ),
    post=extend_schema(
        tags=["engagement"],
        summary="Save an activity",
        description=(
            "Saving it again answers 200 with the favorite already there. The matcher hears it "
            "as the feedback `saved` (similar activities move up)."
        ),
        request=FavoriteInputSerializer,
        responses={
            201: FavoriteSerializer,
            200: OpenApiResponse(FavoriteSerializer, description="Already saved."),
            401: NOT_SIGNED_IN,
            404: error_response("No published activity with this id.", ["not_found"]),
        },
    ),
)
class FavoriteCollectionApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = FavoriteSerializer
    filter_backends: list = []
    cursor_ordering = "-id"

    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.favorite_list(user=request.user))
        return self.get_paginated_response(_favorite_items(page))

    def post(self, request: Request) -> Response:
        data = FavoriteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        activity = get_object_or_404(
            Activity, pk=data.validated_data["activity"], status=choices.ActivityStatus.PUBLISHED
        )
        favorite, created = services.favorite_add(user=request.user, activity=activity)
        # The matcher hears a favorite as its `saved` signal (similar activities move up).
        feedback_record(user=request.user, activity=activity, signal=FeedbackSignal.SAVED)
        return Response(
            _favorite_items([favorite])[0],
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


@extend_schema(
    tags=["engagement"],
    summary="Unsave an activity",
    description=(
        "204 whether or not it was saved (the id is an activity's). The feedback `saved` is "
        "taken back with it."
    ),
    responses={204: None, 401: NOT_SIGNED_IN},
)
class FavoriteDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    def delete(self, request: Request, activity_id: int) -> Response:
        services.favorite_remove(user=request.user, activity=Activity(pk=activity_id))
        saved = feedback_of(user=request.user).filter(
            activity_id=activity_id, signal=FeedbackSignal.SAVED
        )
        for feedback in saved:
            feedback_withdraw(feedback=feedback)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- a resident's registrations -------------------------------------------------------------


class WelcomeSerializer(serializers.Serializer):
    greeter_first_name = serializers.CharField(
        allow_null=True, help_text="Who will greet the newcomer (first name only)."
    )
    meeting_point = serializers.CharField(
        help_text='Where to go, e.g. "ask at the reception for the knitting circle".'
    )


class VisitAnswerSerializer(serializers.Serializer):
    feeling = serializers.ChoiceField(choices=choices.VisitFeeling.choices)
    note = serializers.CharField()
    answered_at = serializers.DateTimeField()


class RegistrationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    activity = ActivityCardSerializer(help_text="The activity card, as search gives it.")
    occurrence = UpcomingSessionSerializer(
        allow_null=True, help_text="The session; null for an ongoing activity without sessions."
    )
    status = serializers.ChoiceField(choices=choices.RegistrationStatus.choices)
    first_visit = serializers.BooleanField(help_text="The resident's first visit to this activity.")
    offered_until = serializers.DateTimeField(
        allow_null=True,
        help_text=(
            "With `offered`: the seat is held until then; `POST registrations/{id}/confirm/` "
            "takes it, cancelling lets it pass to the next."
        ),
    )
    shared_needs = serializers.CharField(
        help_text="What the resident chose to share with the organizers."
    )
    welcome = WelcomeSerializer(
        allow_null=True,
        help_text="For a first visit, who greets the newcomer and where, when the activity says.",
    )
    ask_how_it_went = serializers.BooleanField(
        help_text=(
            "After a first visit marked attended, until answered: "
            "`POST registrations/{id}/how-it-went/`."
        )
    )
    how_it_went = VisitAnswerSerializer(allow_null=True, help_text="The answer, once given.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


def _welcome(registration: Registration) -> dict | None:
    activity = registration.activity
    first_name = services.greeter_first_name(activity)
    if not registration.first_visit or (first_name is None and not activity.meeting_point):
        return None
    return {"greeter_first_name": first_name, "meeting_point": activity.meeting_point}


def _registration_items(registrations: list[Registration]) -> list[dict]:
    cards = _cards(list({registration.activity_id for registration in registrations}))
    items = []
    for registration in registrations:
        answered = registration.visit_answered_at is not None
        items.append(
            {
                "id": registration.pk,
                "activity": cards[registration.activity_id],
                "occurrence": _session(registration.occurrence),
                "status": registration.status,
                "first_visit": registration.first_visit,
                "offered_until": render_datetime(registration.offered_until),
                "shared_needs": registration.shared_needs,
                "welcome": _welcome(registration),
                "ask_how_it_went": services.asks_how_it_went(registration),
                "how_it_went": {
                    "feeling": registration.visit_feeling,
                    "note": registration.visit_note,
                    "answered_at": render_datetime(registration.visit_answered_at),
                }
                if answered
                else None,
                "created_at": render_datetime(registration.created_at),
                "updated_at": render_datetime(registration.updated_at),
            }
        )
    return items


class RegistrationInputSerializer(InputSerializer):
    output_serializer = RegistrationSerializer

    shared_needs = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text=(
            "Optional: what the organizers should know to welcome you (access, hearing...). "
            "Only they see it."
        ),
    )


REGISTER_CONFLICTS = error_response(
    "Registration refused in the current state.",
    ["session_cancelled", "session_past", "session_full", "has_sessions"],
)
CANCEL_CONFLICT = error_response("The session has already started.", ["session_past"])
NOT_REGISTERED = error_response(
    "No such session or activity, or you are not registered for it.", ["not_found"]
)
REGISTER_DESCRIPTION = (
    "Going while seats are free, then `waitlisted` in order of arrival (409 `session_full` "
    "when the activity keeps no waitlist). Registering again answers 200 with the registration "
    "already there. A first visit's answer carries `welcome` (who greets you, where). 409 "
    "`session_cancelled`, `session_past`; an activity not published is not found."
)
CANCEL_DESCRIPTION = (
    "Gives up the place, or lets an offered seat pass; a seat held is offered to the first "
    "waitlisted resident. 204 also when already cancelled."
)


class ServiceTransactions:
    """A view whose service holds its own transactions, rather than the request holding one
    (ATOMIC_REQUESTS): the seats' lock is released as the service commits, not after the
    answer is rendered, so residents registering at once wait only for each other's writes."""

    @classmethod
    def as_view(cls, **initkwargs):
        return transaction.non_atomic_requests(super().as_view(**initkwargs))


class _OwnRegistrationApi(ServiceTransactions, APIView):
    """GET, POST and DELETE of the resident's own registration at a session or activity."""

    permission_classes = [IsAuthenticated]

    def target(self, request: Request, pk: int) -> tuple[Activity, Occurrence | None]:
        raise NotImplementedError

    def get(self, request: Request, pk: int) -> Response:
        activity, occurrence = self.target(request, pk)
        registration = selectors.registration_of(
            user=request.user, activity=activity, occurrence=occurrence
        )
        if registration is None:
            raise NotFound(_("You are not registered."))
        return Response(_registration_items([registration])[0])

    def post(self, request: Request, pk: int) -> Response:
        activity, occurrence = self.target(request, pk)
        data = RegistrationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        registration, created = services.registration_create(
            user=request.user, activity=activity, occurrence=occurrence, **data.validated_data
        )
        return Response(
            _registration_items([registration])[0],
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def delete(self, request: Request, pk: int) -> Response:
        activity, occurrence = self.target(request, pk)
        registration = selectors.registration_of(
            user=request.user, activity=activity, occurrence=occurrence
        )
        if registration is not None:
            services.registration_cancel(registration=registration, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _own_registration_schema(what: str) -> dict:
    return {
        "get": extend_schema(
            tags=["engagement"],
            summary=f"My registration for this {what}",
            responses={200: RegistrationSerializer, 401: NOT_SIGNED_IN, 404: NOT_REGISTERED},
        ),
        "post": extend_schema(
            tags=["engagement"],
            summary=f"Register for this {what}",
            description=REGISTER_DESCRIPTION,
            request=RegistrationInputSerializer,
            responses={
                201: RegistrationSerializer,
                200: OpenApiResponse(RegistrationSerializer, description="Already registered."),
                401: NOT_SIGNED_IN,
                404: error_response(f"No such {what} published.", ["not_found"]),
                409: REGISTER_CONFLICTS,
            },
        ),
        "delete": extend_schema(
            tags=["engagement"],
            summary=f"Cancel my registration for this {what}",
            description=CANCEL_DESCRIPTION,
            responses={
                204: None,
                401: NOT_SIGNED_IN,
                404: error_response(f"No such {what}.", ["not_found"]),
                409: CANCEL_CONFLICT,
            },
        ),
    }


@extend_schema_view(**_own_registration_schema("session"))
class OccurrenceRegistrationApi(_OwnRegistrationApi):
    def target(self, request: Request, pk: int) -> tuple[Activity, Occurrence | None]:
        occurrence = get_object_or_404(selectors.occurrence_visible_to(user=request.user), pk=pk)
        return occurrence.activity, occurrence


@extend_schema_view(**_own_registration_schema("ongoing activity"))
class ActivityRegistrationApi(_OwnRegistrationApi):
    def target(self, request: Request, pk: int) -> tuple[Activity, Occurrence | None]:
        activity = get_object_or_404(selectors.activity_visible_to(user=request.user), pk=pk)
        return activity, None


def _own_registration(request: Request, pk: int) -> Registration:
    return get_object_or_404(
        Registration.objects.filter(user=request.user).select_related(
            "activity__greeter", "occurrence"
        ),
        pk=pk,
    )


class EmptyInputSerializer(InputSerializer):
    """No field: confirming takes no input."""

    output_serializer = RegistrationSerializer


@extend_schema(
    tags=["engagement"],
    summary="Take the seat offered to me",
    description=(
        "An `offered` registration becomes `going`. 409 `offer_expired` when the offer ran "
        "out (it went to the next resident), `not_offered` when no seat is offered."
    ),
    request=None,
    responses={
        200: RegistrationSerializer,
        401: NOT_SIGNED_IN,
        404: REGISTRATION_NOT_FOUND,
        409: error_response("No seat to take.", ["offer_expired", "not_offered"]),
    },
)
class RegistrationConfirmApi(ServiceTransactions, APIView):
    # Also: the service commits an expired offer's passing on before it refuses to confirm
    # it, which one transaction for the request would roll back with the refusal.
    permission_classes = [IsAuthenticated]

    def post(self, request: Request, pk: int) -> Response:
        EmptyInputSerializer(data=request.data).is_valid(raise_exception=True)
        registration = services.registration_confirm(
            registration=_own_registration(request, pk), by=request.user
        )
        return Response(_registration_items([registration])[0])


class MyRegistrationQuerySerializer(serializers.Serializer):
    when = serializers.ChoiceField(
        choices=selectors.REGISTRATION_WHEN,
        default="upcoming",
        help_text=(
            "`upcoming` (default): sessions not over and ongoing activities, soonest first; "
            "`past`: the rest, most recent first."
        ),
    )
    status = serializers.ChoiceField(
        choices=choices.RegistrationStatus.choices, required=False, help_text="Only this status."
    )


@extend_schema(
    tags=["engagement"],
    summary="My registrations",
    description=(
        "Upcoming first (see `when`). Offers whose time ran out are passed on before the list "
        "is read."
    ),
    parameters=[MyRegistrationQuerySerializer],
    responses={
        200: RegistrationSerializer(many=True),
        400: BAD_LIST_QUERY,
        401: NOT_SIGNED_IN,
    },
)
class MyRegistrationListApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = RegistrationSerializer
    filter_backends: list = []

    @property
    def cursor_ordering(self) -> tuple[str, str]:
        if self.params["when"] == "past":
            return ("-sort_start", "-id")
        return ("sort_start", "id")

    def get(self, request: Request) -> Response:
        self.params = validated_query(MyRegistrationQuerySerializer, request)
        services.registration_offers_expire(user=request.user)
        registrations = selectors.registration_list_for_user(
            user=request.user, when=self.params["when"], status=self.params.get("status")
        )
        page = self.paginate_queryset(registrations)
        return self.get_paginated_response(_registration_items(page))


class VisitAnswerInputSerializer(InputSerializer):
    feeling = serializers.ChoiceField(choices=choices.VisitFeeling.choices)
    note = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, help_text="Optional, in your words."
    )


# How the answer reaches the matcher (matching.services.feedback_record): the resident went
# (`attended`), and the three choices spread over the rating's 1 to 5 as its top, middle and
# bottom. A "hard" first visit may say as much about the step as about the activity; the
# matcher reads ratings as a whole, not one visit.
VISIT_RATING = {
    choices.VisitFeeling.GOOD: 5,
    choices.VisitFeeling.MIXED: 3,
    choices.VisitFeeling.HARD: 1,
}


@extend_schema(
    tags=["engagement"],
    summary="Say how my first visit went",
    description=(
        "Once, after a first visit marked attended (`ask_how_it_went`): `good`, `mixed` or "
        "`hard`, with an optional note. The matcher hears it as feedback: `attended`, and a "
        "`rating` of 5, 3 or 1. 409 `already_answered` the second time, `not_asked` before."
    ),
    request=VisitAnswerInputSerializer,
    responses={
        201: RegistrationSerializer,
        401: NOT_SIGNED_IN,
        404: REGISTRATION_NOT_FOUND,
        409: error_response("Not asked, or already answered.", ["not_asked", "already_answered"]),
    },
)
class RegistrationVisitApi(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request: Request, pk: int) -> Response:
        registration = _own_registration(request, pk)
        data = VisitAnswerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        registration = services.registration_answer_visit(
            registration=registration, by=request.user, **data.validated_data
        )
        feedback_record(
            user=request.user, activity=registration.activity, signal=FeedbackSignal.ATTENDED
        )
        feedback_record(
            user=request.user,
            activity=registration.activity,
            signal=FeedbackSignal.RATING,
            rating=VISIT_RATING[registration.visit_feeling],
        )
        return Response(_registration_items([registration])[0], status=status.HTTP_201_CREATED)


# --- organizers -----------------------------------------------------------------------------


class AttendeeSerializer(serializers.Serializer):
    """A registration as the organizers see it: no contact, no account detail."""

    id = serializers.IntegerField()
    occurrence = UpcomingSessionSerializer(
        allow_null=True, help_text="Null for an ongoing activity."
    )
    status = serializers.ChoiceField(choices=choices.RegistrationStatus.choices)
    position = serializers.IntegerField(help_text="Order of arrival at this session.")
    offered_until = serializers.DateTimeField(allow_null=True)
    display_name = serializers.CharField(help_text="The name the resident chose to show.")
    first_visit = serializers.BooleanField()
    shared_needs = serializers.CharField(
        help_text="What the resident chose to share with the organizers."
    )
    followed_up_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When the organization sent its message after this missed first visit.",
    )
    may_follow_up = serializers.BooleanField(
        help_text=(
            "A first visit marked `no_show` with no message sent yet: "
            "`POST registrations/{id}/follow-up/` sends the one message."
        )
    )
    created_at = serializers.DateTimeField()


def _attendee(registration: Registration) -> dict:
    return {
        "id": registration.pk,
        "occurrence": _session(registration.occurrence),
        "status": registration.status,
        "position": registration.position,
        "offered_until": render_datetime(registration.offered_until),
        "display_name": registration.user.display_name,
        "first_visit": registration.first_visit,
        "shared_needs": registration.shared_needs,
        "followed_up_at": render_datetime(registration.followed_up_at),
        "may_follow_up": services.may_follow_up(registration),
        "created_at": render_datetime(registration.created_at),
    }


class AttendeeQuerySerializer(serializers.Serializer):
    occurrence = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, required=False, help_text="Only this session."
    )
    status = serializers.ChoiceField(
        choices=choices.RegistrationStatus.choices, required=False, help_text="Only this status."
    )


@extend_schema(
    tags=["engagement"],
    summary="Who registered for my activity (editors)",
    description="In order of arrival. Editors of the activity's organization only.",
    parameters=[AttendeeQuerySerializer],
    responses={
        200: AttendeeSerializer(many=True),
        400: BAD_LIST_QUERY,
        401: NOT_SIGNED_IN,
        403: NOT_AN_EDITOR,
        404: error_response("No such activity.", ["not_found"]),
    },
)
class ActivityRegistrationListApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = AttendeeSerializer
    filter_backends: list = []
    cursor_ordering = "id"

    def get(self, request: Request, pk: int) -> Response:
        params = validated_query(AttendeeQuerySerializer, request)
        activity = get_object_or_404(
            selectors.activity_visible_to(user=request.user).select_related("organization"), pk=pk
        )
        require_editor(activity.organization, request.user)
        registrations = selectors.registration_list_for_activity(
            activity=activity,
            occurrence_id=params.get("occurrence"),
            status=params.get("status"),
        )
        page = self.paginate_queryset(registrations)
        return self.get_paginated_response([_attendee(item) for item in page])


class AttendanceInputSerializer(InputSerializer):
    output_serializer = AttendeeSerializer

    status = serializers.ChoiceField(choices=choices.ATTENDANCE_MARKS)


@extend_schema(
    tags=["engagement"],
    summary="Mark attendance (editors)",
    description=(
        "Once the session has started, a resident who had a seat is marked `attended` or "
        "`no_show` (marking again corrects it). 409 `not_started`, `not_going` (waitlisted, "
        "offered or cancelled), `already_answered` (the resident said how the visit went)."
    ),
    request=AttendanceInputSerializer,
    responses={
        200: AttendeeSerializer,
        401: NOT_SIGNED_IN,
        403: NOT_AN_EDITOR,
        404: error_response("No such registration at your activities.", ["not_found"]),
        409: error_response("Not markable now.", ["not_started", "not_going", "already_answered"]),
    },
)
class RegistrationAttendanceApi(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request: Request, pk: int) -> Response:
        registration = get_object_or_404(
            selectors.registration_visible_to(user=request.user), pk=pk
        )
        data = AttendanceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        registration = services.registration_mark_attendance(
            registration=registration,
            by=request.user,
            attended=data.validated_data["status"] == choices.RegistrationStatus.ATTENDED,
        )
        return Response(_attendee(registration))


class FollowUpInputSerializer(InputSerializer):
    output_serializer = AttendeeSerializer

    body = serializers.CharField(
        max_length=services.FOLLOW_UP_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text=(
            "The organization's own words, plain text. Empty or left out: a kind default "
            "text, in the resident's language."
        ),
    )


@extend_schema(
    tags=["engagement"],
    summary="Send one friendly message after a missed first visit (editors)",
    description=(
        "Once per registration, after a first visit marked `no_show`: the resident finds it "
        "in their notifications (kind `visit_follow_up`), titled with the organization's "
        "name. 409 `already_followed_up` the second time, `not_missed_first_visit` for a "
        "registration that is not a first visit marked `no_show`."
    ),
    request=FollowUpInputSerializer,
    responses={
        201: AttendeeSerializer,
        401: NOT_SIGNED_IN,
        403: NOT_AN_EDITOR,
        404: error_response("No such registration at your activities.", ["not_found"]),
        409: error_response(
            "No message to send.", ["already_followed_up", "not_missed_first_visit"]
        ),
    },
)
class RegistrationFollowUpApi(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request: Request, pk: int) -> Response:
        registration = get_object_or_404(
            selectors.registration_visible_to(user=request.user), pk=pk
        )
        data = FollowUpInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        registration = services.registration_follow_up(
            registration=registration, by=request.user, **data.validated_data
        )
        return Response(_attendee(registration), status=status.HTTP_201_CREATED)


# --- the welcome of newcomers ---------------------------------------------------------------


class ActivityWelcomeSerializer(serializers.Serializer):
    greeter = serializers.IntegerField(
        allow_null=True, help_text="The user id of the member who greets newcomers."
    )
    greeter_first_name = serializers.CharField(
        allow_null=True, help_text="What newcomers are told."
    )
    meeting_point = serializers.CharField()


class ActivityWelcomeInputSerializer(InputSerializer):
    output_serializer = ActivityWelcomeSerializer

    greeter = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        required=False,
        allow_null=True,
        help_text="A member of the organization (a user id), or null for nobody.",
    )
    meeting_point = serializers.CharField(max_length=300, required=False, allow_blank=True)


def _welcome_of(activity: Activity) -> dict:
    return {
        "greeter": activity.greeter_id,
        "greeter_first_name": services.greeter_first_name(activity),
        "meeting_point": activity.meeting_point,
    }


@extend_schema_view(
    get=extend_schema(
        tags=["engagement"],
        summary="Who welcomes newcomers (editors)",
        responses={200: ActivityWelcomeSerializer, 401: NOT_SIGNED_IN, 403: NOT_AN_EDITOR},
    ),
    patch=extend_schema(
        tags=["engagement"],
        summary="Name the greeter and the meeting point (editors)",
        description=(
            "The greeter must be a member of the organization (400 `greeter_not_member`); "
            "newcomers are told their first name and the meeting point."
        ),
        request=ActivityWelcomeInputSerializer,
        responses={200: ActivityWelcomeSerializer, 401: NOT_SIGNED_IN, 403: NOT_AN_EDITOR},
    ),
)
class ActivityWelcomeApi(APIView):
    permission_classes = [IsAuthenticated]

    def activity(self, request: Request, pk: int) -> Activity:
        activity = get_object_or_404(
            selectors.activity_visible_to(user=request.user).select_related(
                "organization", "greeter"
            ),
            pk=pk,
        )
        require_editor(activity.organization, request.user)
        return activity

    def get(self, request: Request, pk: int) -> Response:
        return Response(_welcome_of(self.activity(request, pk)))

    def patch(self, request: Request, pk: int) -> Response:
        activity = self.activity(request, pk)
        data = ActivityWelcomeInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        activity = services.activity_welcome_update(
            activity=activity, by=request.user, **data.validated_data
        )
        return Response(_welcome_of(activity))
