from django import forms
from django.contrib import admin, messages
from django.db import models, transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from activities import choices
from activities.models import (
    Activity,
    Category,
    Favorite,
    Membership,
    Occurrence,
    Organization,
    Place,
    Registration,
    Schedule,
    Territory,
)
from activities.services.activities import activity_edited, activity_validate
from activities.services.places import place_edited, place_validate
from activities.services.publication import (
    activity_transition,
    transition_allowed,
    transition_refusal,
)
from activities.services.schedules import schedule_validate
from backend.errors import Conflict, ValidationFailed

# Django 6 reads a URL typed without a scheme as https; say so now rather than rely on the
# transitional setting.
URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


class ServiceValidatedForm(forms.ModelForm):
    """A form that also refuses what the services refuse (`<entity>_validate`), on the field
    at fault, so the admin shows the same rules as the API instead of failing on save."""

    def validate_with_services(self) -> None:
        raise NotImplementedError

    def _post_clean(self) -> None:
        # The instance carries the form's values from here on (ModelForm's model validation).
        super()._post_clean()
        if self.errors:
            return
        try:
            self.validate_with_services()
        except ValidationFailed as refusal:
            for field, errors in (refusal.fields or {None: [refusal.message]}).items():
                self.add_error(field if field in self.fields else None, errors)


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
    formfield_overrides = URL_FIELDS


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


class PlaceAdminForm(ServiceValidatedForm):
    def validate_with_services(self) -> None:
        place_validate(place=self.instance)


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    """A saved place is located again (cell, territory, INSEE code) and its activities follow
    it, as `place_update` does from the API."""

    form = PlaceAdminForm
    list_display = ("name", "organization", "city", "wheelchair")
    search_fields = ("name", "city", "organization__name")
    readonly_fields = ("h3_cell", "territory", "insee_code")

    def save_model(self, request: HttpRequest, obj: Place, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        place_edited(place=obj)


class ScheduleAdminForm(ServiceValidatedForm):
    def validate_with_services(self) -> None:
        schedule_validate(schedule=self.instance)


class ScheduleInline(admin.TabularInline):
    """Saved by the admin; the sessions follow in `ActivityAdmin.save_related`."""

    model = Schedule
    form = ScheduleAdminForm
    extra = 0


class ActivityAdminForm(ServiceValidatedForm):
    """Refuses, on the status field, a change the publication workflow does not allow, and
    on the others what the services refuse. (The admin builds the form's Meta from the
    ModelAdmin.)"""

    def validate_with_services(self) -> None:
        activity_validate(activity=self.instance)

    def clean_status(self) -> str:
        to = self.cleaned_data["status"]
        current = self.instance.status if self.instance.pk else choices.ActivityStatus.DRAFT
        if to != current and not transition_allowed(current=current, to=to):
            raise forms.ValidationError(transition_refusal(current=current, to=to))
        return to


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    """An edit has the effects it has from the API (`activity_edited`): the activity moves
    with its place, its sessions follow its schedules, the matcher hears of a published
    activity's change. A change of status then goes through the publication workflow
    (`activities.services.publication`): publishing here sets `published_at` and tells the
    matcher, archiving cancels the future sessions and leaves a tombstone for offline
    clients."""

    form = ActivityAdminForm
    formfield_overrides = URL_FIELDS
    list_display = ("title", "organization", "kind", "status", "featured", "updated_at")
    list_filter = ("status", "kind", "attendance_mode", "featured")
    search_fields = ("title", "summary", "organization__name")
    raw_id_fields = ("place", "greeter")
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
        edited = set(form.changed_data) - {"status"} or any(f.has_changed() for f in formsets)
        if edited or not change:
            # Before the transition: an edit made while archiving must not bring sessions back.
            activity_edited(activity=activity)
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


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    """For support: read what happened. Seats and the waitlist move only through the
    services (`activities.services.registrations`), so nothing here edits them."""

    list_display = ("activity", "occurrence", "user", "status", "position", "first_visit")
    list_filter = ("status", "first_visit")
    search_fields = ("activity__title", "user__email")
    raw_id_fields = ("activity", "occurrence", "user")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Favorite)
class FavoriteAdmin(admin.ModelAdmin):
    list_display = ("activity", "user", "created_at")
    search_fields = ("activity__title", "user__email")
    raw_id_fields = ("activity", "user")
