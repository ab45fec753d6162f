from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from referrals.models import AccessLog, Referral


@admin.register(Referral)
class ReferralAdmin(SimpleHistoryAdmin):
    list_display = [
        "id",
        "status",
        "referring_organization",
        "receiving_organization",
        "created_at",
    ]
    list_filter = ["status"]
    raw_id_fields = ["person", "activity", "shortlist", "created_by"]


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ["at", "organization", "person_number", "user", "view"]
    list_filter = ["view"]
    raw_id_fields = ["person", "user"]
