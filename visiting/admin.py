from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

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
