"""The curator tool: a Django admin site of its own, mounted at /curation/, for the editors of
municipality organizations (and staff).

Everything a curator sees goes through their scope (`curation.scope.curator_scope`): every
queryset is filtered in the query, so another territory's activity, organization, report,
collection or territory is not in the list, not reachable by its URL (404) and not touched by
an action. Nothing here writes a model directly: an activity's status changes only through the
moderation service (the publication state machine), an organization's verification through
`organization_verify`, a report's triage through `report_triage`. The content of activities
and organizations is their organization's to edit (from the API, where every edit lands in the
audit trail), so it is read-only here. The main admin (/admin/) stays the staff's.
"""

import datetime
from collections.abc import Callable
from functools import update_wrapper
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import DateTimeField, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from activities import choices as directory
from activities.models import Activity, Category, Organization, Place, Schedule, Territory
from backend.errors import ApplicationError
from curation.choices import AuditAction, ModerationAction, ReportStatus
from curation.maps import territory_coverage_png
from curation.models import Collection, CollectionItem, Indicator, Report
from curation.scope import CuratorScope, curator_scope, territory_and_above
from curation.selectors.history import AuditEntry, audit_trail
from curation.selectors.queue import entered_pending
from curation.services.moderation import activity_moderate, organization_verify
from curation.services.reports import report_triage

# --- the site -------------------------------------------------------------------------------


def request_scope(request: HttpRequest) -> CuratorScope:
    """The signed-in user's curator scope, computed once per request."""
    if not hasattr(request, "_curator_scope"):
        request._curator_scope = curator_scope(request.user)
    return request._curator_scope


def may_curate(request: HttpRequest) -> bool:
    user = request.user
    return user.is_active and (user.is_staff or request_scope(request).is_curator)


class CuratorAuthenticationForm(AuthenticationForm):
    """Sign-in with a Relier account (email and password) that curates a territory; Django's
    admin form would ask for a staff account."""

    required_css_class = "required"
    error_messages = {
        **AuthenticationForm.error_messages,
        "not_a_curator": _(
            "This account curates no territory. The curator tool is for the members of a "
            "municipality organization that curates a territory."
        ),
    }

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if not (user.is_staff or curator_scope(user).is_curator):
            raise ValidationError(self.error_messages["not_a_curator"], code="not_a_curator")


class CuratorAdminSite(admin.AdminSite):
    site_header = _("Relier: curating my territory")
    site_title = _("Relier curation")
    index_title = _("My territories")
    site_url = None
    login_form = CuratorAuthenticationForm

    def has_permission(self, request: HttpRequest) -> bool:
        return request.user.is_authenticated and may_curate(request)

    def admin_view(self, view: Callable, cacheable: bool = False) -> Callable:
        """A signed-in account that curates nothing is told so (403), not sent back to a
        sign-in page it has just passed; anonymous visitors are sent to sign in."""
        protected = super().admin_view(view, cacheable)

        def inner(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if (
                request.user.is_authenticated
                and not self.has_permission(request)
                and request.path != reverse("admin:logout", current_app=self.name)
            ):
                request.current_app = self.name
                return TemplateResponse(
                    request,
                    "curation/admin/not_a_curator.html",
                    {**self.each_context(request), "title": _("Not a curator")},
                    status=403,
                )
            return protected(request, *args, **kwargs)

        return update_wrapper(inner, protected)


curator_site = CuratorAdminSite(name="curation")


# --- what every model admin of the site shares ------------------------------------------------


class ScopedAdmin(admin.ModelAdmin):
    """Read-only lists and pages of what the curator's scope holds. An object out of scope is
    a 404, whichever view asks for it (change, history, coverage)."""

    # Activities and organizations keep an audit trail (django-simple-history), shown by
    # the "History" page; the other models have none, so no such page.
    has_audit_trail = True

    def scoped(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Scoped (and annotated) before ordering, since the ordering may use an annotation.
        queryset = self.scoped(request, self.model._default_manager.get_queryset())
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("Nothing is found at this address."))
        return obj

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.admin_site.has_permission(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.admin_site.has_permission(request)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def history_view(self, request: HttpRequest, object_id: str, extra_context=None):
        """The audit trail of the object (who, when, what, why, before and after), in place of
        the admin's own log, which knows nothing of changes made through the API."""
        if not self.has_audit_trail:
            raise Http404(_("Nothing is found at this address."))
        obj = self.get_object(request, object_id)
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "title": _("History: %(object)s") % {"object": obj},
            "subtitle": None,
            "opts": self.opts,
            "object": obj,
            "entries": [audit_row(entry) for entry in audit_trail(obj=obj)],
            "app_label": self.opts.app_label,
        }
        return TemplateResponse(request, "curation/admin/audit_trail.html", context)

    def _run_per_item(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        act: Callable,
        done_message: Callable[[int], str],
    ) -> None:
        """`act(obj)` for each selected object, one transaction each, then one message for
        what was done and one for each refusal (the service's reason)."""
        done = 0
        for obj in queryset:
            try:
                act(obj)
            except ApplicationError as refusal:
                self.message_user(
                    request,
                    _("%(object)s: refused. %(reason)s")
                    % {"object": obj, "reason": refusal.message},
                    messages.WARNING,
                )
            else:
                done += 1
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)

    def _ask_then_run(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        form_class: type[forms.Form],
        title,
        intro,
        run: Callable[[dict], None],
    ):
        """An action that needs more input (a reason, a note): first a page asking it, as the
        admin asks to confirm a deletion; once it is valid, `run(cleaned_data)`."""
        form = form_class(request.POST if "post" in request.POST else None)
        if form.is_valid():
            run(form.cleaned_data)
            return None
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "subtitle": None,
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "queryset": queryset,
            "form": form,
            "action": request.POST.get("action"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "curation/admin/action_form.html", context)


SUBJECTS = {
    "activity": _("the activity"),
    "schedule": _("a schedule"),
    "place": _("its place"),
    "organization": _("the organization"),
}


def audit_row(entry: AuditEntry) -> dict:
    """An entry of the audit trail as the History page shows it, in the reader's language."""
    return {
        "at": entry.at,
        "who": entry.by_name,
        "action": entry.action,
        "action_label": AuditAction(entry.action).label,
        "subject": SUBJECTS.get(entry.subject, entry.subject),
        "reason": entry.reason,
        "changes": [
            {
                "field": field_label(entry.subject, c.field),
                "before": shown_value(c.field, c.before),
                "after": shown_value(c.field, c.after),
            }
            for c in entry.changes
        ],
    }


def shown_value(field: str, value):
    """Categories by name rather than by id; any other value as the trail holds it."""
    if field == "categories" and isinstance(value, list):
        language = get_language() or "fr"
        names = Category.objects.filter(pk__in=value).order_by("position", "slug")
        return ", ".join(category.name_in(language) for category in names)
    return value


AUDITED_MODELS = {
    "activity": Activity,
    "schedule": Schedule,
    "place": Place,
    "organization": Organization,
}


def field_label(subject: str, name: str) -> str:
    try:
        return str(AUDITED_MODELS[subject]._meta.get_field(name).verbose_name)
    except (KeyError, FieldDoesNotExist):
        return name


class ModerationReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        max_length=1000,
        help_text=_("The organization reads it with its activity."),
    )


# --- activities ----------------------------------------------------------------------------


def waiting_since() -> Coalesce:
    """When the activity last entered the queue (`curation.selectors.queue.entered_pending`),
    its last edit when the trail holds none, as for rows older than the audit trail."""
    return Coalesce(entered_pending(), "updated_at", output_field=DateTimeField())


class TopCategoryFilter(admin.SimpleListFilter):
    title = _("category")
    parameter_name = "category"

    def lookups(self, request, model_admin):
        language = get_language() or "fr"
        tops = Category.objects.filter(parent__isnull=True).order_by("position", "slug")
        return [(top.slug, top.name_in(language)) for top in tops]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        matching = Category.objects.filter(Q(slug=self.value()) | Q(parent__slug=self.value()))
        return queryset.filter(categories__in=matching).distinct()


class OrganizationFilter(admin.RelatedOnlyFieldListFilter):
    """The organizations of the activities in scope only (the field has no translated name)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("organization")


class QueueAgeFilter(admin.SimpleListFilter):
    """Pending activities by how long they have waited for a decision."""

    title = _("waiting in the queue")
    parameter_name = "waiting"
    BOUNDS = {
        "lt2": (None, 2),
        "2to7": (2, 7),
        "gt7": (7, None),
    }

    def lookups(self, request, model_admin):
        return [
            ("lt2", _("less than 2 days")),
            ("2to7", _("2 to 7 days")),
            ("gt7", _("more than 7 days")),
        ]

    def queryset(self, request, queryset):
        if self.value() not in self.BOUNDS:
            return queryset
        at_least, less_than = self.BOUNDS[self.value()]
        now = timezone.now()
        queryset = queryset.filter(status=directory.ActivityStatus.PENDING)
        if at_least is not None:
            queryset = queryset.filter(waiting_since__lte=now - datetime.timedelta(days=at_least))
        if less_than is not None:
            queryset = queryset.filter(waiting_since__gt=now - datetime.timedelta(days=less_than))
        return queryset


@admin.register(Activity, site=curator_site)
class CuratedActivityAdmin(ScopedAdmin):
    list_display = ("title", "status", "organization", "commune", "waiting")
    list_display_links = ("title",)
    list_filter = (
        "status",
        TopCategoryFilter,
        ("organization", OrganizationFilter),
        QueueAgeFilter,
        "featured",
    )
    search_fields = ("title", "organization__name")
    list_select_related = ("organization", "territory")
    list_per_page = 50
    actions = ["approve", "reject", "request_changes", "archive", "feature", "unfeature"]
    fields = (
        "title",
        "status",
        "organization",
        "summary",
        "description",
        "kind",
        "categories",
        "attendance_mode",
        "place",
        "territory",
        "featured",
        "published_at",
        "updated_at",
    )
    readonly_fields = fields
    change_form_template = "curation/admin/activity_change_form.html"

    def scoped(self, request, queryset):
        return request_scope(request).activities(queryset).annotate(waiting_since=waiting_since())

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        # The item page's own buttons post to the list's actions, for this one activity.
        context["moderation_actions"] = [
            (name, self.get_actions(request)[name][2]) for name in self.actions
        ]
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def get_ordering(self, request):
        # The queue reads oldest first; other lists most recently changed first.
        if request.GET.get("status__exact") == directory.ActivityStatus.PENDING:
            return ("waiting_since", "pk")
        return ("-updated_at", "pk")

    @admin.display(description=_("commune"), ordering="territory__name")
    def commune(self, activity: Activity) -> str:
        return activity.territory.name if activity.territory else "—"

    @admin.display(description=_("waiting since"), ordering="waiting_since")
    def waiting(self, activity: Activity) -> str:
        if activity.status != directory.ActivityStatus.PENDING:
            return "—"
        days = (timezone.now() - activity.waiting_since).days
        return ngettext("%(days)d day", "%(days)d days", days) % {"days": days}

    def _moderate(self, request, queryset, action: str, reason: str, done: Callable) -> None:
        self._run_per_item(
            request,
            queryset,
            lambda activity: activity_moderate(
                activity=activity, action=action, by=request.user, reason=reason
            ),
            done,
        )

    def _moderate_with_reason(self, request, queryset, action: str, title, done: Callable):
        """A decision that needs a reason: a page asking it, then each activity moderated."""
        return self._ask_then_run(
            request,
            queryset,
            ModerationReasonForm,
            title,
            _("The organization of each activity below will read this reason."),
            lambda data: self._moderate(request, queryset, action, data["reason"], done),
        )

    @admin.action(description=_("Approve (publish) the selected activities"))
    def approve(self, request, queryset):
        self._moderate(
            request,
            queryset,
            ModerationAction.APPROVE,
            "",
            lambda n: (
                ngettext("%(count)d activity approved.", "%(count)d activities approved.", n)
                % {"count": n}
            ),
        )

    @admin.action(description=_("Reject the selected activities, with a reason"))
    def reject(self, request, queryset):
        return self._moderate_with_reason(
            request,
            queryset,
            ModerationAction.REJECT,
            _("Reject with a reason"),
            lambda n: (
                ngettext("%(count)d activity rejected.", "%(count)d activities rejected.", n)
                % {"count": n}
            ),
        )

    @admin.action(description=_("Request changes on the selected activities, with a reason"))
    def request_changes(self, request, queryset):
        return self._moderate_with_reason(
            request,
            queryset,
            ModerationAction.REQUEST_CHANGES,
            _("Request changes, with a reason"),
            lambda n: (
                ngettext(
                    "Changes requested on %(count)d activity.",
                    "Changes requested on %(count)d activities.",
                    n,
                )
                % {"count": n}
            ),
        )

    @admin.action(description=_("Archive the selected activities for good, with a reason"))
    def archive(self, request, queryset):
        return self._moderate_with_reason(
            request,
            queryset,
            ModerationAction.ARCHIVE,
            _("Archive for good, with a reason"),
            lambda n: (
                ngettext("%(count)d activity archived.", "%(count)d activities archived.", n)
                % {"count": n}
            ),
        )

    @admin.action(description=_("Feature the selected activities"))
    def feature(self, request, queryset):
        self._moderate(
            request,
            queryset,
            ModerationAction.FEATURE,
            "",
            lambda n: (
                ngettext("%(count)d activity featured.", "%(count)d activities featured.", n)
                % {"count": n}
            ),
        )

    @admin.action(description=_("Stop featuring the selected activities"))
    def unfeature(self, request, queryset):
        self._moderate(
            request,
            queryset,
            ModerationAction.UNFEATURE,
            "",
            lambda n: (
                ngettext(
                    "%(count)d activity no longer featured.",
                    "%(count)d activities no longer featured.",
                    n,
                )
                % {"count": n}
            ),
        )


# --- organizations -------------------------------------------------------------------------


@admin.register(Organization, site=curator_site)
class CuratedOrganizationAdmin(ScopedAdmin):
    list_display = ("name", "kind", "verified", "updated_at")
    list_filter = ("verified", "kind")
    search_fields = ("name", "siren", "rna")
    actions = ["verify", "unverify"]
    fields = ("name", "kind", "verified", "description", "email", "phone", "website", "siren")
    readonly_fields = fields

    def scoped(self, request, queryset):
        return request_scope(request).organizations(queryset)

    def _verify(self, request, queryset, verified: bool, done: Callable) -> None:
        self._run_per_item(
            request,
            queryset,
            lambda organization: organization_verify(
                organization=organization, by=request.user, verified=verified
            ),
            done,
        )

    @admin.action(description=_("Verify the selected organizations"))
    def verify(self, request, queryset):
        self._verify(
            request,
            queryset,
            True,
            lambda n: (
                ngettext("%(count)d organization verified.", "%(count)d organizations verified.", n)
                % {"count": n}
            ),
        )

    @admin.action(description=_("Withdraw the verification of the selected organizations"))
    def unverify(self, request, queryset):
        self._verify(
            request,
            queryset,
            False,
            lambda n: (
                ngettext(
                    "%(count)d organization no longer verified.",
                    "%(count)d organizations no longer verified.",
                    n,
                )
                % {"count": n}
            ),
        )


# --- reports and collections ---------------------------------------------------------------


@admin.register(Report, site=curator_site)
class CuratedReportAdmin(ScopedAdmin):
    list_display = ("activity", "reason", "status", "created_at")
    list_filter = ("status", "reason")
    search_fields = ("activity__title",)
    list_select_related = ("activity",)
    exclude = ("reporter",)
    change_form_template = "curation/admin/change_form_without_history.html"
    actions = ["dismiss", "mark_acted_on"]

    def scoped(self, request, queryset):
        in_scope = request_scope(request).activities(Activity.objects.all())
        return queryset.filter(activity__in=in_scope.values("pk"))

    has_audit_trail = False

    def _triage(self, request, queryset, status: str, title, done: Callable):
        """Close each selected report through `report_triage`, with one note for all."""
        return self._ask_then_run(
            request,
            queryset,
            TriageNoteForm,
            title,
            _("Whoever reported each activity below is told the outcome, with this note."),
            lambda data: self._run_per_item(
                request,
                queryset,
                lambda report: report_triage(
                    report=report, by=request.user, status=status, note=data["note"]
                ),
                done,
            ),
        )

    @admin.action(description=_("Dismiss the selected reports, with a note"))
    def dismiss(self, request, queryset):
        return self._triage(
            request,
            queryset,
            ReportStatus.DISMISSED,
            _("Dismiss, with a note"),
            lambda n: (
                ngettext("%(count)d report dismissed.", "%(count)d reports dismissed.", n)
                % {"count": n}
            ),
        )

    @admin.action(description=_("Close the selected reports as acted on, with a note"))
    def mark_acted_on(self, request, queryset):
        return self._triage(
            request,
            queryset,
            ReportStatus.ACTED_ON,
            _("Close as acted on, with a note"),
            lambda n: (
                ngettext(
                    "%(count)d report closed as acted on.",
                    "%(count)d reports closed as acted on.",
                    n,
                )
                % {"count": n}
            ),
        )


class TriageNoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the reporter"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        max_length=2000,
        required=False,
    )


class CollectionItemInline(admin.TabularInline):
    model = CollectionItem
    fields = ("position", "activity", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return True


@admin.register(Collection, site=curator_site)
class CuratedCollectionAdmin(ScopedAdmin):
    list_display = ("title", "territory", "organization", "status", "updated_at")
    list_filter = ("status",)
    search_fields = ("title",)
    list_select_related = ("territory", "organization")
    fields = ("title", "slug", "territory", "curated_by", "status", "description", "updated_at")
    readonly_fields = fields
    inlines = [CollectionItemInline]
    change_form_template = "curation/admin/change_form_without_history.html"

    @admin.display(description=_("curated by"))
    def curated_by(self, collection: Collection) -> str:
        # Plain text: the curating organization is no organization of the territory's.
        return str(collection.organization)

    def scoped(self, request, queryset):
        territories = request_scope(request).territories(Territory.objects.all())
        return queryset.filter(territory__in=territories.values("pk"))

    has_audit_trail = False


# --- territories and their coverage map ----------------------------------------------------


@admin.register(Territory, site=curator_site)
class CuratedTerritoryAdmin(ScopedAdmin):
    list_display = ("name", "insee_code", "kind", "population")
    list_filter = ("kind",)
    search_fields = ("name", "insee_code")
    fields = ("name", "insee_code", "kind", "within", "population")
    readonly_fields = fields
    change_form_template = "curation/admin/territory_change_form.html"

    def scoped(self, request, queryset):
        return request_scope(request).territories(queryset)

    @admin.display(description=_("within"))
    def within(self, territory: Territory) -> str:
        # Plain text: the enclosing territory is often out of the curator's scope.
        return str(territory.parent) if territory.parent else "—"

    has_audit_trail = False

    def get_urls(self):
        coverage = self.admin_site.admin_view(self.coverage_png_view)
        name = f"{self.opts.app_label}_{self.opts.model_name}_coverage"
        return [path("<path:object_id>/coverage.png", coverage, name=name), *super().get_urls()]

    def _coverage_arguments(self, request, territory: Territory) -> dict:
        """The map's optional category (a top category's slug) and indicator (the id of an
        indicator the page offers); ValueError on anything else."""
        arguments: dict = {}
        slug = request.GET.get("category")
        if slug:
            if not Category.objects.filter(parent__isnull=True, slug=slug).exists():
                raise ValueError(slug)
            arguments["category"] = slug
        indicator = request.GET.get("indicator")
        if indicator:
            if not indicator.isdigit():
                raise ValueError(indicator)
            arguments["indicator"] = (
                self._indicators(request, territory).filter(pk=int(indicator)).first()
            )
            if arguments["indicator"] is None:
                raise ValueError(indicator)
        return arguments

    def _indicators(self, request, territory: Territory) -> QuerySet:
        """The indicators that weigh this territory's map: those uploaded for it or for a
        territory above it (an intercommunality's, for one of its communes), in scope."""
        scope = request_scope(request)
        above = territory_and_above(territory)
        return Indicator.objects.filter(territory_id__in=[pk for pk in above if scope.covers(pk)])

    def coverage_png_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        territory = self.get_object(request, object_id)
        try:
            arguments = self._coverage_arguments(request, territory)
        except ValueError:
            return HttpResponseBadRequest(_("Unknown category or indicator."))
        png = territory_coverage_png(territory=territory, **arguments)
        return HttpResponse(png, content_type="image/png")

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        if obj is not None:
            language = get_language() or "fr"
            tops = Category.objects.filter(parent__isnull=True).order_by("position", "slug")
            context["coverage_categories"] = [(c.slug, c.name_in(language)) for c in tops]
            context["coverage_indicators"] = list(self._indicators(request, obj))
            context["coverage_url"] = reverse(
                f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_coverage",
                args=[obj.pk],
            )
            chosen = {k: request.GET[k] for k in ("category", "indicator") if request.GET.get(k)}
            context["coverage_query"] = urlencode(chosen)
            context["coverage_category"] = chosen.get("category", "")
            context["coverage_indicator"] = chosen.get("indicator", "")
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)
