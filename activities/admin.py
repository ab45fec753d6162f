from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from activities import choices
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
from activities.services.publication import (
    activity_transition,
    transition_allowed,
    transition_refusal,
)
from backend.errors import Conflict


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


class ActivityAdminForm(forms.ModelForm):
    """Refuses, on the status field, a change the publication workflow does not allow. (The
    admin builds the form's Meta from the ModelAdmin.)"""

    def clean_status(self) -> str:
        to = self.cleaned_data["status"]
        current = self.instance.status if self.instance.pk else choices.ActivityStatus.DRAFT
        if to != current and not transition_allowed(current=current, to=to):
            raise forms.ValidationError(transition_refusal(current=current, to=to))
        return to


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    """A change of status goes through the publication workflow
    (`activities.services.publication`), as it does from the API: publishing here sets
    `published_at` and tells the matcher, archiving cancels the future sessions and leaves a
    tombstone for offline clients."""

    form = ActivityAdminForm
    list_display = ("title", "organization", "kind", "status", "featured", "updated_at")
    list_filter = ("status", "kind", "attendance_mode", "featured")
    search_fields = ("title", "summary", "organization__name")
    raw_id_fields = ("place",)
    readonly_fields = ("published_at", "last_verified_at")
    inlines = [ScheduleInline]
    actions = ["publish", "reject", "archive"]

    def save_model(self, request: HttpRequest, obj: Activity, form, change: bool) -> None:
        # The row is saved with the status it had; the new one is the workflow's to apply,
        # once the schedules and categories below are saved too (`save_related`).
        wanted = obj.status
        obj.status = form.initial["status"] if change else choices.ActivityStatus.DRAFT
        super().save_model(request, obj, form, change)
        obj._wanted_status = wanted

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        activity = form.instance
        wanted = getattr(activity, "_wanted_status", activity.status)
        if wanted != activity.status:
            activity_transition(activity=activity, to=wanted, by=request.user)

    def _transition_selected(self, request: HttpRequest, queryset, to: str) -> None:
        done, refused = 0, []
        for activity in queryset.select_related("organization"):
            try:
                with transaction.atomic():
                    activity_transition(activity=activity, to=to, by=request.user)
                done += 1
            except Conflict as refusal:
                refused.append(f"{activity}: {refusal.message}")
        if done:
            self.message_user(
                request,
                ngettext("%(count)d activity changed.", "%(count)d activities changed.", done)
                % {"count": done},
                messages.SUCCESS,
            )
        for refusal in refused:
            self.message_user(request, refusal, messages.WARNING)

    @admin.action(description=_("Publish the selected activities"))
    def publish(self, request: HttpRequest, queryset) -> None:
        self._transition_selected(request, queryset, choices.ActivityStatus.PUBLISHED)

    @admin.action(description=_("Reject the selected activities"))
    def reject(self, request: HttpRequest, queryset) -> None:
        self._transition_selected(request, queryset, choices.ActivityStatus.REJECTED)

    @admin.action(description=_("Archive the selected activities"))
    def archive(self, request: HttpRequest, queryset) -> None:
        self._transition_selected(request, queryset, choices.ActivityStatus.ARCHIVED)


@admin.register(Occurrence)
class OccurrenceAdmin(admin.ModelAdmin):
    list_display = ("activity", "start", "status", "seats_taken", "capacity")
    list_filter = ("status",)
    raw_id_fields = ("activity", "schedule")
    date_hierarchy = "start"
