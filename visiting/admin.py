"""The visiting models in Django's admin (staff), and the visiting teams of a territory in the
curator tool (`curation.admin.curator_site`), read-only."""

from django.contrib import admin
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from curation.admin import ScopedAdmin, curator_site, request_scope
from visiting import selectors
from visiting.choices import RequestStatus
from visiting.models import Contact, Pair, PairingRun, Team, VisitRequest, Volunteer


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "organization", "created_at"]
    raw_id_fields = ["organization"]
    filter_horizontal = ["territories"]


@admin.register(Volunteer)
class VolunteerAdmin(admin.ModelAdmin):
    list_display = ["id", "team", "user", "capacity", "charter_signed_on", "trained_on", "active"]
    list_filter = ["active", "team"]
    raw_id_fields = ["team", "user"]


@admin.register(VisitRequest)
class VisitRequestAdmin(admin.ModelAdmin):
    list_display = ["id", "team", "first_name", "status", "priority", "requested_on"]
    list_filter = ["status", "priority", "team"]
    raw_id_fields = ["team", "created_by"]


@admin.register(Pair)
class PairAdmin(SimpleHistoryAdmin):
    # The state machine is the only way a status changes (services.pair_transition).
    list_display = ["id", "team", "volunteer", "request", "status", "end_reason", "proposed_at"]
    list_filter = ["status", "end_reason"]
    raw_id_fields = ["team", "volunteer", "request", "run"]
    readonly_fields = ["status", "end_reason", "started_at", "ended_at", "last_contact_on"]


@admin.register(PairingRun)
class PairingRunAdmin(admin.ModelAdmin):
    list_display = ["id", "team", "status", "proposed", "unpaired", "created_at"]
    raw_id_fields = ["team", "created_by"]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["id", "pair", "date", "kind", "duration_minutes"]
    raw_id_fields = ["pair", "logged_by"]


# --- the curator tool ------------------------------------------------------------------------

# What the coordinator's view names as the constraint that leaves a person no volunteer
# (`pairing.BLOCKERS`), as the curator tool says it.
BLOCKING_LABELS = {
    "no_vetted_volunteer": _("no fully vetted volunteer"),
    "nothing_offered_as_wanted": _("no volunteer offers what is wanted"),
    "none_within_reach": _("no volunteer within reach"),
    "no_shared_language": _("no volunteer within reach shares a language"),
    "no_shared_time": _("no volunteer within reach is free at the same times"),
    "preferences": _("the stated preferences rule out every volunteer left"),
    "every_suitable_volunteer_is_full": _("every suitable volunteer is full"),
}


@admin.register(Team, site=curator_site)
class CuratedTeamAdmin(ScopedAdmin):
    """The visiting teams covering the curator's territories, read-only: the queue with its
    waits and what blocks each person, and the volunteers' load. No one's name or address:
    a curator follows the programme, the coordinators the people."""

    list_display = ("name", "organization", "waiting", "longest_wait")
    list_select_related = ("organization",)
    search_fields = ("name", "organization__name")
    has_audit_trail = False
    change_form_template = "visiting/curator_team.html"

    def scoped(self, request, queryset):
        scope = request_scope(request)
        if not scope.everything:
            queryset = queryset.filter(territories__in=scope.territory_ids).distinct()
        waiting = Q(requests__status=RequestStatus.WAITING)
        return queryset.annotate(
            waiting_count=Count("requests", filter=waiting),
            first_requested=Min("requests__requested_on", filter=waiting),
        )

    @admin.display(description=_("people waiting"), ordering="waiting_count")
    def waiting(self, team: Team) -> int:
        return team.waiting_count

    @admin.display(description=_("longest wait (days)"), ordering="first_requested")
    def longest_wait(self, team: Team) -> int | None:
        if team.first_requested is None:
            return None
        return (timezone.localdate() - team.first_requested).days

    def change_view(self, request, object_id, form_url="", extra_context=None):
        team = self.get_object(request, object_id)
        queue = [
            {**row, "blocking": BLOCKING_LABELS.get(row["blocking"]) if row["blocking"] else None}
            for row in selectors.waiting_list(team=team)
        ]
        extra_context = {
            **(extra_context or {}),
            "queue": sorted(queue, key=lambda row: -row["waiting_days"]),
            "load": selectors.volunteer_load(team=team),
        }
        return super().change_view(request, object_id, form_url, extra_context)
