"""Filters of the matcher's lists, applied by its selectors."""

import django_filters
from django import forms

from matching.choices import FeedbackSignal
from matching.models import Feedback


class _IdFilter(django_filters.NumberFilter):
    """An id: a whole number (NumberFilter takes decimals), within a database key's range."""

    field_class = forms.IntegerField


class FeedbackFilterSet(django_filters.FilterSet):
    signal = django_filters.ChoiceFilter(choices=FeedbackSignal.choices)
    activity = _IdFilter(field_name="activity_id", min_value=1, max_value=2**63 - 1)

    class Meta:
        model = Feedback
        fields = ["signal", "activity"]
