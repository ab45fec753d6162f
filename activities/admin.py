from django.contrib import admin

from activities.models import (
    Activity,
    Category,
    Membership,
    Occurrence,
    Organization,
    Place,
    Schedule,
    Territory,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    autocomplete_fields = ["user"]
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "verified", "updated_at")
    list_filter = ("kind", "verified")
    search_fields = ("name", "slug", "siren", "rna")
    inlines = [MembershipInline]
    filter_horizontal = ("territories",)


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ("name", "insee_code", "kind", "population")
    list_filter = ("kind",)
    search_fields = ("name", "insee_code")
    exclude = ("boundary",)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("slug", "name_fr", "name_en", "parent", "position")
    list_filter = ("parent",)


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "city", "wheelchair")
    search_fields = ("name", "city", "organization__name")
    readonly_fields = ("h3_cell", "territory", "insee_code")


class ScheduleInline(admin.TabularInline):
    model = Schedule
    extra = 0


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("title", "organization", "kind", "status", "featured", "updated_at")
    list_filter = ("status", "kind", "attendance_mode", "featured")
    search_fields = ("title", "summary", "organization__name")
    raw_id_fields = ("place",)
    inlines = [ScheduleInline]


@admin.register(Occurrence)
class OccurrenceAdmin(admin.ModelAdmin):
    list_display = ("activity", "start", "status", "seats_taken", "capacity")
    list_filter = ("status",)
    raw_id_fields = ("activity", "schedule")
    date_hierarchy = "start"
