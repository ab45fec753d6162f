"""Reads of the reports: a resident's own, and those a curator triages (the reports of the
activities of their territories)."""

import django_filters
from django import forms
from django.db.models import BooleanField, Count, Exists, OuterRef, Q, QuerySet, Value

from accounts.models import User
from activities.models import Activity
from backend.validation import validation_failed
from curation.choices import ReportReason, ReportStatus
from curation.models import Report
from curation.scope import curator_scope


class _IdFilter(django_filters.NumberFilter):
    """An id: a whole number (NumberFilter takes decimals), within a database key's range."""

    field_class = forms.IntegerField


class ReportFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices)
    reason = django_filters.ChoiceFilter(choices=ReportReason.choices)
    activity = _IdFilter(field_name="activity_id", min_value=1, max_value=2**63 - 1)

    class Meta:
        model = Report
        fields = ["status", "reason", "activity"]


def report_visible_to(*, user: User) -> QuerySet[Report]:
    """The user's own reports and, for a curator, the reports of the activities in their
    scope; each annotated `curated` (whether the user curates its activity: only then is the
    reporter shown)."""
    if not user.is_authenticated:
        return Report.objects.none()
    scope = curator_scope(user)
    if not scope.is_curator:
        curated = Value(False, output_field=BooleanField())
        return Report.objects.filter(reporter=user).annotate(curated=curated)
    in_scope = scope.activities(Activity.objects.filter(pk=OuterRef("activity_id")))
    return Report.objects.annotate(curated=Exists(in_scope)).filter(
        Q(reporter=user) | Q(curated=True)
    )


def report_list(*, user: User, filters: dict | None = None) -> QuerySet[Report]:
    """`report_visible_to`, filtered by `ReportFilterSet` (`status`, `reason`, `activity`);
    invalid filters, empty ones included, are a `ValidationFailed` naming them."""
    reports = report_visible_to(user=user).select_related(
        "activity", "activity__organization", "reporter"
    )
    filters = filters or {}
    filterset = ReportFilterSet(filters, queryset=reports)
    errors = {
        name: [str(message) for message in messages] for name, messages in filterset.errors.items()
    }
    for name in ReportFilterSet.base_filters:
        # Present but empty (`?status=`) is a client's bug, not "no filter".
        if name in filters and filters.get(name) == "" and name not in errors:
            errors[name] = [str(forms.Field.default_error_messages["required"])]
    if errors:
        raise validation_failed(errors)
    return filterset.qs


def open_report_counts(activities: QuerySet[Activity]) -> QuerySet[Activity]:
    """The activities annotated with `open_reports`, the number of their open reports (what
    raises an item in the moderation queue)."""
    return activities.annotate(
        open_reports=Count("reports", filter=Q(reports__status=ReportStatus.OPEN), distinct=True)
    )
