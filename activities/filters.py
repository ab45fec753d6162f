"""The search parameters of the directory, as django-filter FilterSets.

The API and the matcher share these: `ActivityFilterSet(params, queryset).qs`.
"""

import functools

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from activities import choices, search
from activities.models import Activity, Category, Occurrence, Territory
from activities.selectors import category_with_descendants

MAX_RADIUS_KM = 200.0
DEFAULT_RADIUS_KM = 10.0

ORDERINGS = {
    "distance": _("nearest first (needs lat and lng)"),
    "next_occurrence": _("soonest next session first"),
    "relevance": _("best text match first (needs q)"),
    "-updated_at": _("most recently updated first"),
    "updated_at": _("least recently updated first (for sync)"),
}


@functools.cache
def _category_slugs() -> tuple[str, ...]:
    # The taxonomy changes only with migrations: read it once per process.
    return tuple(Category.objects.values_list("slug", flat=True))


def category_choices() -> list[tuple[str, str]]:
    return [(slug, slug) for slug in _category_slugs()]


class _MultiChoice(forms.MultipleChoiceField):
    """Repeatable (`?kind=a&kind=b`) or comma-separated (`?kind=a,b`)."""

    def to_python(self, value):
        values = super().to_python(value)
        return [part.strip() for item in values for part in item.split(",") if part.strip()]


class MultiChoiceFilter(filters.MultipleChoiceFilter):
    field_class = _MultiChoice


def _mask_filter(field: str, vocabulary: tuple[str, ...], always: int = 0):
    def apply(queryset: QuerySet, name: str, values: list[str]) -> QuerySet:
        if not values:
            return queryset
        mask = choices.mask_of(values, vocabulary) | always
        return queryset.alias(**{f"{name}_hit": F(field).bitand(mask)}).filter(
            **{f"{name}_hit__gt": 0}
        )

    return apply


class ActivityFilterSet(filters.FilterSet):
    q = filters.CharFilter(method="filter_q", max_length=200, label=_("words to look for"))
    lat = filters.NumberFilter(method="filter_noop", min_value=-90, max_value=90)
    lng = filters.NumberFilter(method="filter_noop", min_value=-180, max_value=180)
    radius_km = filters.NumberFilter(
        method="filter_noop", min_value=0, max_value=MAX_RADIUS_KM, label=_("radius (km)")
    )
    category = MultiChoiceFilter(
        method="filter_category", label=_("category slugs (sub-categories included)")
    )
    kind = MultiChoiceFilter(choices=choices.ActivityKind.choices)
    audience = MultiChoiceFilter(
        choices=choices.Audience.choices,
        method=_mask_filter(
            "audiences_mask",
            choices.AUDIENCES,
            always=choices.mask_of([choices.Audience.EVERYONE], choices.AUDIENCES),
        ),
        label=_("audiences (activities open to everyone always match)"),
    )
    attendance_mode = MultiChoiceFilter(choices=choices.AttendanceMode.choices)
    day = MultiChoiceFilter(
        choices=[(d, d) for d in choices.WEEKDAYS], method="filter_noop", label=_("weekdays")
    )
    part_of_day = MultiChoiceFilter(
        choices=choices.PartOfDay.choices, method="filter_noop", label=_("parts of day")
    )
    starts_after = filters.IsoDateTimeFilter(method="filter_noop")
    starts_before = filters.IsoDateTimeFilter(method="filter_noop")
    free = filters.BooleanFilter(field_name="is_free")
    wheelchair = filters.ChoiceFilter(
        choices=[(c, c) for c in ("partial", "full")],
        method="filter_wheelchair",
        label=_("venue wheelchair access at least this (remote activities always match)"),
    )
    accessibility = MultiChoiceFilter(
        choices=[(f, f) for f in choices.ACCESSIBILITY_FLAGS], method="filter_accessibility"
    )
    language = MultiChoiceFilter(
        choices=[(code, code) for code in choices.LANGUAGES],
        method=_mask_filter("languages_mask", choices.LANGUAGES),
    )
    age = filters.NumberFilter(method="filter_age", min_value=0, max_value=120)
    organization = filters.CharFilter(field_name="organization__slug")
    territory = filters.CharFilter(method="filter_territory", label=_("INSEE code"))
    updated_since = filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gt")
    ordering = filters.ChoiceFilter(choices=list(ORDERINGS.items()), method="filter_noop")

    class Meta:
        model = Activity
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["category"].choices = category_choices()

    # Parameters read as a group (point, time slots, time window) are applied in filter_queryset.
    def filter_noop(self, queryset, name, value):
        return queryset

    def filter_q(self, queryset, name, value):
        return search.filter_text(queryset, q=value) if value.strip() else queryset

    def filter_category(self, queryset, name, values):
        if not values:
            return queryset
        through = Activity.categories.through
        return queryset.filter(
            Exists(
                through.objects.filter(
                    activity_id=OuterRef("pk"),
                    category_id__in=category_with_descendants(values).values("pk"),
                )
            )
        )

    def filter_wheelchair(self, queryset, name, value):
        levels = ["full"] if value == "full" else ["partial", "full"]
        return queryset.filter(
            Q(attendance_mode__in=choices.REMOTE_MODES) | Q(place__wheelchair__in=levels)
        )

    def filter_accessibility(self, queryset, name, values):
        return queryset.filter(**{f"place__{flag}_support": True for flag in values})

    def filter_age(self, queryset, name, value):
        return queryset.filter(
            Q(age_min__isnull=True) | Q(age_min__lte=value),
            Q(age_max__isnull=True) | Q(age_max__gte=value),
        )

    def filter_territory(self, queryset, name, value):
        # A commune, or an EPCI / département with the communes under it.
        territories = Territory.objects.filter(
            Q(insee_code=value) | Q(parent__insee_code=value) | Q(parent__parent__insee_code=value)
        )
        served = Activity.service_area.through.objects.filter(
            activity_id=OuterRef("pk"), territory__in=territories
        )
        return queryset.filter(Q(territory__in=territories) | Exists(served))

    @property
    def point(self) -> tuple[float, float] | None:
        data = self.form.cleaned_data
        if data.get("lat") is None:
            return None
        return float(data["lat"]), float(data["lng"])

    def clean_group(self) -> None:
        data = self.form.cleaned_data
        errors: dict[str, list[str]] = {}
        has_lat, has_lng = data.get("lat") is not None, data.get("lng") is not None
        if has_lat != has_lng:
            errors["lat" if not has_lat else "lng"] = [_("Give lat and lng together.")]
        if data.get("radius_km") is not None and not has_lat:
            errors["radius_km"] = [_("A radius needs lat and lng.")]
        ordering = data.get("ordering")
        if ordering == "distance" and not has_lat:
            errors["ordering"] = [_("Ordering by distance needs lat and lng.")]
        if ordering == "relevance" and not data.get("q"):
            errors["ordering"] = [_("Ordering by relevance needs q.")]
        after, before = data.get("starts_after"), data.get("starts_before")
        if after and before and before <= after:
            errors["starts_before"] = [_("starts_before must be after starts_after.")]
        if errors:
            raise ValidationError(errors)

    def filter_queryset(self, queryset):
        self.clean_group()
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        if self.point:
            radius = data.get("radius_km")
            queryset = search.filter_near(
                queryset,
                lat=self.point[0],
                lng=self.point[1],
                radius_km=float(radius if radius is not None else DEFAULT_RADIUS_KM),
                spatial_index=not data.get("q"),
            )
        days = [choices.WEEKDAYS.index(d) for d in data.get("day") or []]
        parts = [choices.PARTS_OF_DAY.index(p) for p in data.get("part_of_day") or []]
        if days or parts:
            mask = choices.slots_mask(days=days or range(7), parts=parts or range(3))
            queryset = queryset.alias(slot_hit=F("weekly_slots").bitand(mask)).filter(
                slot_hit__gt=0
            )
        after, before = data.get("starts_after"), data.get("starts_before")
        if after or before:
            sessions = Occurrence.objects.filter(activity_id=OuterRef("pk")).exclude(
                status=choices.OccurrenceStatus.CANCELLED
            )
            if after:
                sessions = sessions.filter(start__gte=after)
            if before:
                sessions = sessions.filter(start__lt=before)
            queryset = queryset.filter(Exists(sessions))
        return queryset
