"""Outcome measures and impact reports over HTTP.

`measures/`: the instruments' wording, a person's agreement (or refusal, for good), their
answers (a resident's own, or a referred person's through their referrer) and the follow-ups
due. `impact/`: the ties that last (a person's, an activity's) and the reports for curators
(their territories) and organizations (their own activities and referrals), as JSON, CSV and
PNG charts, every count through small-cell suppression."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.coverage import AnyAcceptedNegotiation
from api.schema import error_response
from api.serializers import InputSerializer, validated_query
from impact import instruments, reports, selectors, services
from impact.choices import Context, Decision, Instrument
from impact.models import FollowUp, MeasureConsent, Measurement
from referrals.choices import ConsentMethod
from referrals.models import Person
from referrals.selectors import person_list

NOT_SIGNED_IN = error_response("Not signed in.", ["not_authenticated", "token_not_valid"])
PERSON_NOT_FOUND = error_response(
    "No such person among those held by the organizations the user refers for.", ["not_found"]
)
BAD_INPUT = error_response(
    "Invalid input, named in `fields` (an answer the question does not offer: "
    "`answers.<question>`).",
    ["invalid", "required", "invalid_choice", "invalid_type", "unknown_field", "read_only_field"],
)
NO_CONSENT = error_response(
    "The person has not agreed to the measures, or declined them for good.",
    ["measure_consent_required", "measures_declined", "already_measured"],
)
DECLINED = error_response("The person declined the measures for good.", ["measures_declined"])
FORBIDDEN = error_response(
    "Not a referrer of the organization holding the person.",
    ["permission_denied", "not_a_referrer"],
)


def _language() -> str:
    language = (get_language() or "en")[:2]
    return language if language in ("fr", "en") else "en"


def _person(request: Request, pk: int | None) -> Person | None:
    """The person `pk` among those the user's organizations hold (404 otherwise)."""
    if pk is None:
        return None
    return get_object_or_404(person_list(user=request.user), pk=pk)


class PersonQuerySerializer(serializers.Serializer):
    person = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        help_text="A person held by an organization you refer for (referrers); left out: yourself.",
    )


# --- instruments -------------------------------------------------------------------------


class ChoiceSerializer(serializers.Serializer):
    value = serializers.IntegerField()
    label = serializers.CharField()


class QuestionSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()
    choices = ChoiceSerializer(many=True, help_text="Empty for a 0 to 10 scale.")
    low = serializers.IntegerField()
    high = serializers.IntegerField()
    anchors = serializers.ListField(
        child=serializers.CharField(), help_text="The scale's two ends, in words (0 to 10 scales)."
    )


class InstrumentSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=Instrument.choices)
    name = serializers.CharField()
    source = serializers.CharField()
    questions = QuestionSerializer(many=True)


def instrument_body(instrument: instruments.Instrument, language: str) -> dict:
    return {
        "code": instrument.code,
        "name": instrument.name[language],
        "source": instrument.source,
        "questions": [
            {
                "code": question.code,
                "text": question.text[language],
                "choices": [
                    {"value": choice.value, "label": choice.label[language]}
                    for choice in question.choices
                ],
                "low": min((c.value for c in question.choices), default=question.low),
                "high": max((c.value for c in question.choices), default=question.high),
                "anchors": list(question.anchors.get(language, ())),
            }
            for question in instrument.questions
        ],
    }


@extend_schema(
    tags=["impact"],
    summary="The instruments, worded in the language of the request",
    description="UCLA-3, the ONS direct loneliness question and ONS4, in French or English.",
    responses={200: InstrumentSerializer(many=True)},
)
class InstrumentListApi(APIView):
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        language = _language()
        return Response(
            [instrument_body(item, language) for item in instruments.INSTRUMENTS.values()]
        )


# --- consent -----------------------------------------------------------------------------


class MeasureConsentSerializer(serializers.Serializer):
    person = serializers.IntegerField(allow_null=True, help_text="Null: the signed-in resident.")
    agreed = serializers.BooleanField()
    declined = serializers.BooleanField(help_text="Declined for good: never asked again.")
    declined_at = serializers.DateTimeField(allow_null=True)


class MeasureConsentInputSerializer(InputSerializer):
    output_serializer = MeasureConsentSerializer

    decision = serializers.ChoiceField(choices=Decision.choices)
    person = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        help_text="A person held by an organization you refer for; left out: yourself.",
    )
    method = serializers.ChoiceField(
        choices=ConsentMethod.choices,
        required=False,
        help_text="How a referred person agreed (oral by default).",
    )


def consent_body(*, user=None, person: Person | None = None) -> dict:
    if person is not None:
        record = MeasureConsent.objects.filter(person=person).first()
        agreed = selectors.person_consents(person)
    else:
        record = MeasureConsent.objects.filter(user=user).first()
        agreed = selectors.user_consents(user)
    declined_at = record.declined_at if record else None
    return {
        "person": person.pk if person else None,
        "agreed": agreed,
        "declined": declined_at is not None,
        "declined_at": declined_at,
    }


@extend_schema_view(
    get=extend_schema(
        tags=["impact"],
        summary="Whether I (or a person I refer) agreed to the measures",
        parameters=[PersonQuerySerializer],
        responses={200: MeasureConsentSerializer, 401: NOT_SIGNED_IN, 404: PERSON_NOT_FOUND},
    ),
    post=extend_schema(
        tags=["impact"],
        summary="Agree to the measures, or decline them for good",
        description=(
            "A resident for themself; a referrer for a person their organization holds (the "
            "agreement is recorded as the person's consent of scope `follow_up`). Declining is "
            "final: pending follow-ups are dropped and nothing is asked again."
        ),
        request=MeasureConsentInputSerializer,
        responses={
            200: MeasureConsentSerializer,
            400: BAD_INPUT,
            401: NOT_SIGNED_IN,
            403: FORBIDDEN,
            404: PERSON_NOT_FOUND,
            409: DECLINED,
        },
    ),
)
class MeasureConsentApi(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        person = _person(request, validated_query(PersonQuerySerializer, request).get("person"))
        return Response(consent_body(user=request.user, person=person))

    def post(self, request: Request) -> Response:
        data = MeasureConsentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        person = _person(request, data.validated_data.get("person"))
        services.measure_consent_decide(
            by=request.user,
            decision=data.validated_data["decision"],
            person=person,
            method=data.validated_data.get("method", ConsentMethod.ORAL),
        )
        return Response(consent_body(user=request.user, person=person))


# --- measurements ------------------------------------------------------------------------


class MeasurementSerializer(serializers.ModelSerializer):
    person = serializers.IntegerField(source="person_id", allow_null=True)
    answers = serializers.SerializerMethodField()
    scores = serializers.SerializerMethodField()

    class Meta:
        model = Measurement
        fields = ["id", "person", "instrument", "context", "measured_on", "answers", "scores"]

    def get_answers(self, measurement: Measurement) -> dict[str, int | None]:
        return measurement.answers

    def get_scores(self, measurement: Measurement) -> dict[str, int | None]:
        definition = instruments.INSTRUMENTS[measurement.instrument]
        names = (
            [instruments.UCLA3]
            if definition.code == instruments.UCLA3
            else [question.code for question in definition.questions]
        )
        return {name: getattr(measurement, name) for name in names}


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"type": ["integer", "null"]},
        "description": "Question code -> answer (null: left blank).",
    }
)
class AnswersField(serializers.JSONField):
    """Question code -> answer (an integer the question offers, or null for a blank)."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError("Expected an object: question -> answer.")
        return data


class MeasurementInputSerializer(InputSerializer):
    output_serializer = MeasurementSerializer

    instrument = serializers.ChoiceField(choices=Instrument.choices)
    context = serializers.ChoiceField(choices=Context.choices)
    answers = AnswersField(
        help_text="Question code -> answer: a value the question offers, or null (left blank)."
    )
    person = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        help_text="A person held by an organization you refer for; left out: yourself.",
    )
    measured_on = serializers.DateField(required=False, help_text="Today if left out.")


@extend_schema_view(
    get=extend_schema(
        tags=["impact"],
        summary="My answers, and those of the persons I refer",
        parameters=[PersonQuerySerializer],
        responses={
            200: MeasurementSerializer(many=True),
            401: NOT_SIGNED_IN,
            404: PERSON_NOT_FOUND,
        },
    ),
    post=extend_schema(
        tags=["impact"],
        summary="Record the answers to an instrument",
        description=(
            "A resident for themself, once they agreed; a referrer for a person their "
            "organization holds with a standing `follow_up` consent. Scored as published "
            "(UCLA-3 the sum of three answers, no score with one missing; ONS4 four measures). "
            "One answer per instrument and time (intake, 6 weeks, 3 months)."
        ),
        request=MeasurementInputSerializer,
        responses={
            201: MeasurementSerializer,
            400: BAD_INPUT,
            401: NOT_SIGNED_IN,
            403: FORBIDDEN,
            404: PERSON_NOT_FOUND,
            409: NO_CONSENT,
        },
    ),
)
class MeasurementCollectionApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = MeasurementSerializer
    filter_backends: list = []
    cursor_ordering = ("-id",)

    def get(self, request: Request) -> Response:
        person = _person(request, validated_query(PersonQuerySerializer, request).get("person"))
        measurements = selectors.measurements_of(user=request.user)
        if person is not None:
            measurements = measurements.filter(person=person)
        page = self.paginate_queryset(measurements)
        return self.get_paginated_response(MeasurementSerializer(page, many=True).data)

    def post(self, request: Request) -> Response:
        data = MeasurementInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        person = _person(request, values.pop("person", None))
        measurement = services.measurement_record(
            by=request.user,
            user=None if person is not None else request.user,
            person=person,
            **values,
        )
        return Response(MeasurementSerializer(measurement).data, status=status.HTTP_201_CREATED)


class FollowUpSerializer(serializers.ModelSerializer):
    person = serializers.IntegerField(source="person_id", allow_null=True)
    first_name = serializers.SerializerMethodField()

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "person",
            "first_name",
            "context",
            "first_attended_on",
            "due_on",
            "asked_at",
        ]

    def get_first_name(self, follow_up: FollowUp) -> str | None:
        return follow_up.person.first_name if follow_up.person_id else None


@extend_schema(
    tags=["impact"],
    summary="Follow-ups due: mine, and those of the persons I refer",
    description=(
        "Asked 6 weeks and 3 months after the first session attended, at most one a week, "
        "never to a person who declined; listed until answered."
    ),
    responses={200: FollowUpSerializer(many=True), 401: NOT_SIGNED_IN},
)
class FollowUpDueApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = FollowUpSerializer
    filter_backends: list = []
    pagination_class = None

    def get(self, request: Request) -> Response:
        due = list(selectors.follow_ups_due_to_resident(user=request.user)) + list(
            selectors.follow_ups_due_to_referrer(user=request.user)
        )
        return Response(FollowUpSerializer(due, many=True).data)


# --- ties that last ----------------------------------------------------------------------


class PersonTiesSerializer(serializers.Serializer):
    sessions = serializers.IntegerField(help_text="Sessions attended.")
    first_attended_on = serializers.DateField(allow_null=True)
    activity = serializers.IntegerField(allow_null=True, help_text="Of the first session.")
    still_attending = serializers.DictField(
        child=serializers.BooleanField(allow_null=True),
        help_text=(
            "Weeks after the first session (4, 8, 12) -> still attending that activity "
            "(a session of it attended since); null while that day has not come."
        ),
    )


@extend_schema(
    tags=["impact"],
    summary="The ties that last: my sessions, or a person's I refer",
    parameters=[PersonQuerySerializer],
    responses={200: PersonTiesSerializer, 401: NOT_SIGNED_IN, 404: PERSON_NOT_FOUND},
)
class PersonTiesApi(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        person = _person(request, validated_query(PersonQuerySerializer, request).get("person"))
        user = request.user if person is None else person.user
        ties = selectors.person_ties(user=user)
        return Response(
            {
                "sessions": ties.sessions,
                "first_attended_on": ties.first_attended_on,
                "activity": ties.activity,
                "still_attending": {
                    str(weeks): value for weeks, value in ties.still_attending.items()
                },
            }
        )


class ActivityTiesSerializer(serializers.Serializer):
    activity = serializers.IntegerField()
    newcomers = serializers.IntegerField(allow_null=True, help_text="Null: suppressed.")
    came_once = serializers.IntegerField(allow_null=True)
    came_twice = serializers.IntegerField(allow_null=True)
    came_three_times_or_more = serializers.IntegerField(allow_null=True)
    back_second_time_share = serializers.FloatField(allow_null=True)
    back_third_time_share = serializers.FloatField(allow_null=True)


@extend_schema(
    tags=["impact"],
    summary="How many of an activity's newcomers came back a second and a third time",
    description=(
        "For the activity's organization and the curators of its territory. Only people who "
        "agreed to the measures are counted; a count resting on 1 to 4 people is suppressed "
        "(null), and so is what would give it away."
    ),
    responses={
        200: ActivityTiesSerializer,
        401: NOT_SIGNED_IN,
        404: error_response("No such activity among yours or your territory's.", ["not_found"]),
    },
)
class ActivityTiesApi(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request, pk: int) -> Response:
        activity = get_object_or_404(reports.activities_reported_to(user=request.user), pk=pk)
        return Response(reports.activity_ties(activity=activity))


# --- reports -----------------------------------------------------------------------------


class ReportQuerySerializer(serializers.Serializer):
    territory = serializers.CharField(
        required=False,
        max_length=9,
        help_text="INSEE code of a territory you curate (curators).",
    )
    organization = serializers.SlugField(
        required=False,
        max_length=60,
        help_text="Slug of an organization you own or edit: its activities and referrals.",
    )

    def validate(self, data):
        if ("territory" in data) == ("organization" in data):
            raise serializers.ValidationError(
                {"territory": ["Give a territory or an organization (one of the two)."]}
            )
        return data


class ChartQuerySerializer(ReportQuerySerializer):
    chart = serializers.ChoiceField(choices=reports.CHARTS, help_text="Which chart.")


REPORT_FORBIDDEN = error_response(
    "Not a curator of this territory, nor an owner or editor of this organization.",
    ["permission_denied"],
)
REPORT_NOT_FOUND = error_response("No such territory or organization.", ["not_found"])


def _report(
    request: Request, serializer_class=ReportQuerySerializer
) -> tuple[reports.Report, dict]:
    params = validated_query(serializer_class, request)
    scope = reports.report_scope(
        user=request.user,
        territory=params.get("territory"),
        organization=params.get("organization"),
    )
    return reports.build(scope=scope, language=_language()), params


@extend_schema(
    tags=["impact"],
    summary="Impact report (JSON)",
    description=(
        "Referrals made, accepted, attended at least once and still attending at 3 months; "
        "the mean change of UCLA-3 and ONS4 from intake to 3 months with its 95 % interval "
        "and the number of people; retention at 4, 8 and 12 weeks; by territory, programme "
        "kind and referring organization kind. Only people who agreed to the measures are "
        "counted; any count resting on 1 to 4 people is suppressed (null), and so is any "
        "count that would give it away by subtraction."
    ),
    parameters=[ReportQuerySerializer],
    responses={
        200: OpenApiResponse(
            response={"type": "object", "additionalProperties": True},
            description="The report: see docs/impact.md for its parts.",
        ),
        401: NOT_SIGNED_IN,
        403: REPORT_FORBIDDEN,
        404: REPORT_NOT_FOUND,
    },
)
class ReportApi(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        report, _params = _report(request)
        return Response(report.body)


@extend_schema(
    tags=["impact"],
    summary="Impact report (CSV)",
    description="The report's tables, one row per published cell; suppressed cells are empty.",
    parameters=[ReportQuerySerializer],
    responses={
        (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The tables."),
        401: NOT_SIGNED_IN,
        403: REPORT_FORBIDDEN,
        404: REPORT_NOT_FOUND,
    },
)
class ReportCsvApi(APIView):
    permission_classes = [IsAuthenticated]
    content_negotiation_class = AnyAcceptedNegotiation

    def get(self, request: Request) -> HttpResponse:
        report, _params = _report(request)
        response = HttpResponse(reports.as_csv(report), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="impact.csv"'
        return response


@extend_schema(
    tags=["impact"],
    summary="Impact report chart (PNG)",
    description=(
        "`funnel`: referrals by stage; `change`: mean change with its 95 % interval per "
        "measure; `retention`: share still attending at 4, 8, 12 weeks. Each has a title, "
        "named axes and the number of people. Errors are JSON."
    ),
    parameters=[ChartQuerySerializer],
    responses={
        (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY, description="The chart."),
        401: NOT_SIGNED_IN,
        403: REPORT_FORBIDDEN,
        404: REPORT_NOT_FOUND,
    },
)
class ReportChartApi(APIView):
    permission_classes = [IsAuthenticated]
    content_negotiation_class = AnyAcceptedNegotiation

    def get(self, request: Request) -> HttpResponse:
        report, params = _report(request, ChartQuerySerializer)
        response = HttpResponse(
            reports.chart_png(report, params["chart"]), content_type="image/png"
        )
        response["Cache-Control"] = "private, max-age=60"
        return response
