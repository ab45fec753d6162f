"""Curation over HTTP: the moderation queue, curators' decisions on activities and
organizations, the audit trail, and the territories a curator covers.

Who may (the scope is `curation.scope`: a curator covers the territories their municipality,
EPCI or département organization curates and every commune under them; staff cover all):
- the queue and the decisions: curators only (401 anonymous, 403 anyone else). A decision on
  an activity or an organization outside the caller's territories is a 403, never a 404: like
  the directory's other writes, a write looks at every object, so the caller learns that it
  is not theirs to decide rather than a misleading "not found";
- an audit trail: the curators of the territory and the editors of the organization. An
  activity's trail is a read: an activity the caller cannot read (not published, neither
  theirs nor in their territories) is a 404 as its detail is; a published one that is
  neither theirs nor in their territories is a 403. Organizations are public: 403.
"""

import datetime

from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from activities import selectors as directory_selectors
from activities import taxonomy
from activities.models import Activity, Organization, Territory
from activities.search.keyset import invalid_cursor
from api.activities import ActivityDetailSerializer, activities_readable_by
from api.cards import OrganizationSummarySerializer
from api.directory import OrganizationSerializer, TerritorySerializer
from api.pagination import KeysetCursor
from api.schema import error_response
from api.serializers import InputSerializer, validated_query
from backend.errors import PermissionDenied
from curation.choices import ACTIONS_WITH_REASON, AuditAction, ModerationAction
from curation.scope import CuratorScope, curator_scope, require_curator
from curation.selectors.history import audit_trail, changes_since_approved
from curation.selectors.queue import (
    KINDS,
    QUEUE_STATUSES,
    QueueFilters,
    QueueKey,
    moderation_queue,
)
from curation.services.moderation import (
    REASON_MAX_LENGTH,
    activity_moderate,
    organization_verify,
)

# --- the audit trail ------------------------------------------------------------------------


class AuditChangeSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The field that changed.")
    before = serializers.JSONField(help_text="Its value before (ids for relations).")
    after = serializers.JSONField(help_text="Its value after.")


class AuditEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    subject = serializers.ChoiceField(
        choices=["activity", "schedule", "place", "organization"],
        help_text="What changed: the object itself, or one of its schedules or places.",
    )
    subject_id = serializers.IntegerField()
    action = serializers.ChoiceField(choices=AuditAction.choices)
    by_id = serializers.IntegerField(allow_null=True, help_text="Who (null: the system).")
    by_name = serializers.CharField(
        help_text=(
            "Who, by the display name they chose; never an email address (empty: the system, "
            "or a person without a display name)."
        )
    )
    reason = serializers.CharField(help_text="Why, as they said it (may be empty).")
    changes = AuditChangeSerializer(many=True, help_text="Before and after of each field changed.")


def _trail_readable(user, *, organization: Organization, covered: bool) -> None:
    if covered or directory_selectors.user_can_edit(user=user, organization=organization):
        return
    raise PermissionDenied(
        _("Only the curators of its territory and the editors of its organization read this.")
    )


def _covers_activity(scope: CuratorScope, activity: Activity) -> bool:
    return scope.activities(Activity.objects.filter(pk=activity.pk)).exists()


def _covers_organization(scope: CuratorScope, organization: Organization) -> bool:
    return scope.organizations(Organization.objects.filter(pk=organization.pk)).exists()


TRAIL_DESCRIPTION = (
    "Who did what, when and why, with the value of each field before and after, newest "
    "first. Readable by the curators of its territory and the editors of its organization."
)


@extend_schema(
    tags=["curation"],
    summary="The audit trail of an activity (its schedules and place included)",
    description=(
        f"{TRAIL_DESCRIPTION} 404 when the activity is not visible to you (as its detail); "
        "403 when it is, but is neither your organization's nor in your territories."
    ),
    responses={
        200: AuditEntrySerializer(many=True),
        403: error_response(
            "Neither an editor of its organization nor a curator of its territory.",
            ["permission_denied"],
        ),
    },
)
class ActivityHistoryApi(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request, pk: int) -> Response:
        activity = get_object_or_404(activities_readable_by(request.user), pk=pk)
        covered = _covers_activity(curator_scope(request.user), activity)
        _trail_readable(request.user, organization=activity.organization, covered=covered)
        return Response(AuditEntrySerializer(audit_trail(obj=activity), many=True).data)


@extend_schema(
    tags=["curation"],
    summary="The audit trail of an organization (its places included)",
    description=TRAIL_DESCRIPTION,
    responses={
        200: AuditEntrySerializer(many=True),
        403: error_response(
            "Neither an editor of the organization nor a curator of a territory where it has "
            "a place or an activity.",
            ["permission_denied"],
        ),
    },
)
class OrganizationHistoryApi(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request, slug: str) -> Response:
        organization = get_object_or_404(Organization, slug=slug)
        covered = _covers_organization(curator_scope(request.user), organization)
        _trail_readable(request.user, organization=organization, covered=covered)
        return Response(AuditEntrySerializer(audit_trail(obj=organization), many=True).data)


# --- decisions ------------------------------------------------------------------------------

REASON_HELP = (
    "Why, in plain text: the organization reads it. Required to reject or to request changes."
)


class ModerationInputSerializer(InputSerializer):
    action = serializers.ChoiceField(choices=ModerationAction.choices)
    reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default="",
        help_text=REASON_HELP,
    )  # fmt: skip

    def validate(self, data: dict) -> dict:
        if data["action"] in ACTIONS_WITH_REASON and not data["reason"]:
            message = _("A reason is required for this decision: the organization reads it.")
            raise serializers.ValidationError({"reason": [message]}, code="required")
        return data


class ActivityDecisionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=ModerationAction.choices)
    reason = serializers.CharField()
    at = serializers.DateTimeField()


class ActivityModerationSerializer(serializers.Serializer):
    activity = ActivityDetailSerializer()
    decision = ActivityDecisionSerializer()


@extend_schema(
    tags=["curation"],
    summary="Decide on an activity (curators of its territory)",
    description=(
        "`approve` publishes it (pending or rejected), `reject` withdraws it from residents "
        "(pending or published), `request_changes` sends a pending activity back to its "
        "organization as a draft, `archive` withdraws it for good, `feature` and `unfeature` "
        "put a published activity forward or not. Every step goes through the publication "
        "workflow and lands in the audit trail with you and your reason; the organization "
        "reads the reason in the activity's `moderation`. 403 outside your territories (also "
        "for an activity you cannot read: a write looks at every activity); 409 when the "
        "workflow refuses the step from the current status."
    ),
    request=ModerationInputSerializer,
    responses={
        200: ActivityModerationSerializer,
        403: error_response(
            "Not a curator, or the activity is outside your territories.", ["permission_denied"]
        ),
        409: error_response(
            "The workflow refuses this step from the activity's current status.",
            ["invalid_transition", "not_published"],
        ),
    },
)
class ActivityModerationApi(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request: Request, pk: int) -> Response:
        activity = get_object_or_404(Activity.objects.select_related("organization"), pk=pk)
        data = ModerationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        at = timezone.now()
        activity_moderate(activity=activity, by=request.user, **data.validated_data)
        detail = get_object_or_404(activities_readable_by(request.user), pk=pk)
        body = {
            "activity": ActivityDetailSerializer(detail, context={"request": request}).data,
            "decision": ActivityDecisionSerializer({**data.validated_data, "at": at}).data,
        }
        return Response(body)


class VerificationInputSerializer(InputSerializer):
    verified = serializers.BooleanField(
        help_text="true to verify the organization, false to withdraw its verification."
    )
    reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default="",
        help_text="Why, in plain text (optional).",
    )  # fmt: skip


class OrganizationDecisionSerializer(serializers.Serializer):
    verified = serializers.BooleanField()
    reason = serializers.CharField()
    at = serializers.DateTimeField()


class OrganizationVerificationSerializer(serializers.Serializer):
    organization = OrganizationSerializer()
    decision = OrganizationDecisionSerializer()


@extend_schema(
    tags=["curation"],
    summary="Verify an organization, or withdraw it (curators)",
    description=(
        "A verified organization's later submissions are published at once (a curator can "
        "still reject or archive each); withdrawing verification leaves what it published as "
        "it is. For the curators of a territory where it has a place or an activity (403 "
        "otherwise); recorded in its audit trail with your reason. Verifying a verified "
        "organization changes nothing and records nothing."
    ),
    request=VerificationInputSerializer,
    responses={
        200: OrganizationVerificationSerializer,
        403: error_response(
            "Not a curator, or the organization has nothing in your territories.",
            ["permission_denied"],
        ),
    },
)
class OrganizationVerificationApi(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request: Request, slug: str) -> Response:
        organization = get_object_or_404(Organization, slug=slug)
        data = VerificationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        at = timezone.now()
        organization = organization_verify(
            organization=organization, by=request.user, **data.validated_data
        )
        body = {
            "organization": OrganizationSerializer(organization).data,
            "decision": OrganizationDecisionSerializer({**data.validated_data, "at": at}).data,
        }
        return Response(body)


# --- the queue ------------------------------------------------------------------------------


class QueueCommuneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Territory
        fields = ["insee_code", "name"]


class QueueItemSerializer(serializers.Serializer):
    """Documents an item of the queue (rendered by `queue_item`)."""

    kind = serializers.ChoiceField(choices=KINDS)
    id = serializers.IntegerField(allow_null=True, help_text="The activity's id (activities).")
    slug = serializers.CharField(
        allow_null=True, help_text="The organization's slug (organizations)."
    )
    title = serializers.CharField(help_text="The activity's title or the organization's name.")
    status = serializers.ChoiceField(
        choices=QUEUE_STATUSES,
        help_text="An activity's status (pending, or published when reported); `unverified` "
        "for an organization.",
    )
    organization = OrganizationSummarySerializer()
    commune = QueueCommuneSerializer(
        allow_null=True, help_text="Where it takes place (null for remote activities)."
    )
    waiting_since = serializers.DateTimeField(
        help_text="Since it was submitted for review; a reported activity since its oldest "
        "open report."
    )
    open_reports = serializers.IntegerField(min_value=0)
    raised = serializers.BooleanField(
        help_text="Reported by residents at least twice (open reports): listed first."
    )
    changes = AuditChangeSerializer(
        many=True,
        allow_null=True,
        help_text="An activity's changes since it was last published; null when it never "
        "was, and for organizations.",
    )


def queue_item(item: Activity | Organization) -> dict:
    """An item of the queue as `QueueItemSerializer` documents it."""
    waiting_since = serializers.DateTimeField().to_representation(item.waiting_since)
    common = {
        "kind": item.queue_kind,
        "waiting_since": waiting_since,
        "open_reports": item.open_reports,
        "raised": bool(item.raised),
    }
    if isinstance(item, Activity):
        changes = changes_since_approved(activity=item)
        territory = item.territory
        return {
            **common,
            "id": item.pk,
            "slug": None,
            "title": item.title,
            "status": item.status,
            "organization": OrganizationSummarySerializer(item.organization).data,
            "commune": QueueCommuneSerializer(territory).data if territory else None,
            "changes": None if changes is None else AuditChangeSerializer(changes, many=True).data,
        }
    commune = Territory.objects.filter(pk=item.commune_id).first() if item.commune_id else None
    return {
        **common,
        "id": None,
        "slug": item.slug,
        "title": item.name,
        "status": "unverified",
        "organization": OrganizationSummarySerializer(item).data,
        "commune": QueueCommuneSerializer(commune).data if commune else None,
        "changes": None,
    }


class QueueQuerySerializer(serializers.Serializer):
    """The queue's filters: documented and validated by the same fields."""

    kind = serializers.ChoiceField(choices=KINDS, required=False)
    territory = serializers.CharField(
        max_length=9,
        required=False,
        help_text="INSEE code of one of your territories (403 outside them); an EPCI or a "
        "département includes its communes.",
    )
    category = serializers.SlugField(
        max_length=60, required=False, help_text="Category slug; a top category includes its own."
    )
    organization = serializers.SlugField(
        max_length=80, required=False, help_text="Organization slug."
    )
    status = serializers.ChoiceField(choices=QUEUE_STATUSES, required=False)
    waiting_more_than_days = serializers.IntegerField(
        min_value=0, max_value=3650, required=False, help_text="Waiting for longer than this."
    )

    def validate_territory(self, code: str) -> Territory:
        territory = Territory.objects.filter(insee_code=code).first()
        if territory is None:
            raise serializers.ValidationError(_("Unknown territory: %(code)s.") % {"code": code})
        return territory

    def validate_category(self, slug: str) -> str:
        if slug not in taxonomy.current().id_of:
            raise serializers.ValidationError(_("Unknown category: %(slug)s.") % {"slug": slug})
        return slug


QUEUE_CURSOR = "queue"


def _queue_key(after: list | None) -> QueueKey | None:
    """The key a `next` link carries (see `_cursor_value`); 400 when it was not made here."""
    if after is None:
        return None
    try:
        raised, since, kind, pk = after
        waiting_since = parse_datetime(since)
    except (TypeError, ValueError):
        raise invalid_cursor() from None
    valid = (
        isinstance(raised, bool)
        and waiting_since is not None
        and waiting_since.tzinfo is not None
        and kind in KINDS
        and isinstance(pk, int)
        and not isinstance(pk, bool)
    )
    if not valid:
        raise invalid_cursor()
    return QueueKey(raised=raised, waiting_since=waiting_since, kind=kind, pk=pk)


def _cursor_value(key: QueueKey | None) -> list | None:
    if key is None:
        return None
    since = key.waiting_since.astimezone(datetime.UTC).isoformat()
    return [key.raised, since, key.kind, key.pk]


QUEUE_PAGE = inline_serializer(
    "ModerationQueuePage",
    fields={
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": QueueItemSerializer(many=True),
    },
)


class ModerationQueueApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="moderation_queue_list",
        tags=["curation"],
        summary="The moderation queue of my territories (curators)",
        description=(
            "What waits for a decision in your territories: activities submitted for review, "
            "organizations not verified that have an activity waiting, and published activities "
            "reported by residents at least twice (open reports), which come first. Then the "
            "longest waiting first. Filters combine (AND)."
        ),
        parameters=[
            QueueQuerySerializer,
            OpenApiParameter(
                "cursor", description="The `next` link's cursor: the page after the last item seen."
            ),
            OpenApiParameter("page_size", int),  # bounds and description: api.schema
        ],
        responses={
            200: QUEUE_PAGE,
            403: error_response(
                "Not a curator, or `territory` is not one of yours.", ["permission_denied"]
            ),
        },
    )
    def get(self, request: Request) -> Response:
        scope = require_curator(request.user)
        params = validated_query(QueueQuerySerializer, request)
        territory = params.get("territory")
        if territory is not None and not scope.covers(territory.pk):
            raise PermissionDenied(_("This territory is not one you curate."))
        filters = QueueFilters(
            kind=params.get("kind"),
            territory=territory,
            category=params.get("category"),
            organization=params.get("organization"),
            status=params.get("status"),
            waiting_more_than_days=params.get("waiting_more_than_days"),
        )
        cursor = KeysetCursor(request, QUEUE_CURSOR)
        page = moderation_queue(
            scope=scope,
            filters=filters,
            size=cursor.page_size,
            after=_queue_key(cursor.after()),
            now=timezone.now(),
        )
        items = [queue_item(item) for item in page.items]
        return Response(cursor.body(items, _cursor_value(page.after)))


# --- my territories -------------------------------------------------------------------------


class CuratedTerritorySerializer(TerritorySerializer):
    curated_directly = serializers.BooleanField(
        help_text="Curated by one of your organizations itself (false: under such a territory)."
    )

    class Meta(TerritorySerializer.Meta):
        fields = [*TerritorySerializer.Meta.fields, "curated_directly"]


@extend_schema(
    tags=["curation"],
    summary="The territories I curate",
    description=(
        "The territories your organizations curate and every territory under them (an "
        "EPCI's or a département's communes). Empty when you curate nothing; staff cover "
        "every territory."
    ),
)
class CuratedTerritoryListApi(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = CuratedTerritorySerializer
    cursor_ordering = ("name", "id")

    def get_queryset(self):
        scope = curator_scope(self.request.user)
        territories = directory_selectors.territory_list().select_related("parent")
        if not scope.is_curator:
            return territories.none()
        directly = Organization.territories.through.objects.filter(
            organization_id__in=scope.organization_ids, territory_id=OuterRef("pk")
        )
        return scope.territories(territories).annotate(curated_directly=Exists(directly))
