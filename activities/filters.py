"""The search parameters of the directory: parsed and checked once, shared by both searches.

`SearchParams.parse(query)` turns a query string into typed values or raises ValidationFailed
naming each bad parameter. Each parameter is cleaned by a Django form field built once per
process (so the messages are Django's own, translated) rather than by a form or FilterSet built
per request: the search is the hottest read of the API, and the deep copies a FilterSet makes
of its filters on each request cost more than the rest of the request.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

from activities import choices, taxonomy
from backend.validation import validation_failed

MAX_RADIUS_KM = 200.0
DEFAULT_RADIUS_KM = 10.0

ORDERINGS = {
    "distance": _("nearest first (needs lat and lng)"),
    "next_occurrence": _("soonest next session first"),
    "relevance": _("best text match first (needs q)"),
    "-updated_at": _("most recently updated first"),
    "updated_at": _("least recently updated first (for sync)"),
}


class DateTimeParameter(IsoDateTimeField):
    """An ISO 8601 time, returned in UTC: a time that has no UTC equivalent within Python's
    years 1 to 9999 (`0001-01-01T00:00:00+01:00`, or a naive one read in Paris time) is a 400
    naming the parameter, where the database would otherwise fail on it."""

    default_error_messages = {
        "out_of_range": _("This time is out of the supported range."),
        "empty": _("Give a time (ISO 8601), or leave the parameter out."),
    }

    def clean(self, value):
        if value in ("", None):  # present but empty: a client's bug, not "no filter"
            raise ValidationError(self.error_messages["empty"], code="invalid")
        try:
            moment = super().clean(value)
            return None if moment is None else moment.astimezone(datetime.UTC)
        except OverflowError as error:
            message = self.error_messages["out_of_range"]
            raise ValidationError(message, code="out_of_range") from error


def _pairs(values) -> list[tuple[str, str]]:
    return [(value, value) for value in values]


def _category_choices() -> list[tuple[str, str]]:
    return _pairs(taxonomy.slugs())


@functools.cache
def _fields() -> dict[str, tuple[forms.Field, bool]]:
    """Each parameter's field, and whether it repeats (`?kind=a&kind=b` or `?kind=a,b`)."""
    multi = forms.MultipleChoiceField
    return {
        "q": (forms.CharField(max_length=200, required=False), False),
        "lat": (forms.FloatField(min_value=-90, max_value=90, required=False), False),
        "lng": (forms.FloatField(min_value=-180, max_value=180, required=False), False),
        "radius_km": (
            forms.FloatField(min_value=0, max_value=MAX_RADIUS_KM, required=False),
            False,
        ),
        # A callable: the choices follow the taxonomy when a category is edited.
        "category": (multi(choices=_category_choices, required=False), True),
        "kind": (multi(choices=choices.ActivityKind.choices, required=False), True),
        "audience": (multi(choices=choices.Audience.choices, required=False), True),
        "attendance_mode": (multi(choices=choices.AttendanceMode.choices, required=False), True),
        "day": (multi(choices=_pairs(choices.WEEKDAYS), required=False), True),
        "part_of_day": (multi(choices=choices.PartOfDay.choices, required=False), True),
        "starts_after": (DateTimeParameter(required=False), False),
        "starts_before": (DateTimeParameter(required=False), False),
        # "true" or "false" only: a NullBooleanField would read "maybe" as "not asked".
        "free": (
            forms.TypedChoiceField(
                choices=_pairs(("true", "false")),
                coerce=lambda value: value == "true",
                empty_value=None,
                required=False,
            ),
            False,
        ),
        "wheelchair": (
            forms.ChoiceField(choices=_pairs(("partial", "full")), required=False),
            False,
        ),
        "accessibility": (multi(choices=_pairs(choices.ACCESSIBILITY_FLAGS), required=False), True),
        "language": (multi(choices=_pairs(choices.LANGUAGES), required=False), True),
        "age": (forms.IntegerField(min_value=0, max_value=120, required=False), False),
        "organization": (forms.SlugField(max_length=80, required=False), False),
        "territory": (forms.CharField(max_length=9, required=False), False),
        "updated_since": (DateTimeParameter(required=False), False),
        "ordering": (forms.ChoiceField(choices=list(ORDERINGS.items()), required=False), False),
    }


def _split(values: list[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@dataclasses.dataclass(frozen=True)
class SearchParams:
    """The cleaned search; an empty value means "not asked" (a parameter given empty in a
    query is refused, but for `q`)."""

    q: str = ""
    lat: float | None = None
    lng: float | None = None
    radius_km: float | None = None
    category: tuple[str, ...] = ()
    kind: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    attendance_mode: tuple[str, ...] = ()
    day: tuple[str, ...] = ()
    part_of_day: tuple[str, ...] = ()
    starts_after: datetime.datetime | None = None
    starts_before: datetime.datetime | None = None
    free: bool | None = None
    wheelchair: str = ""
    accessibility: tuple[str, ...] = ()
    language: tuple[str, ...] = ()
    age: int | None = None
    organization: str = ""
    territory: str = ""
    updated_since: datetime.datetime | None = None
    ordering: str = ""
    # Not a parameter: a restriction to these activities, set by a caller that resolved one
    # of its own parameters to ids (the API's `collection`); None restricts nothing, an empty
    # tuple finds nothing.
    activity_ids: tuple[int, ...] | None = None
    # Not a parameter: set by the search when the words themselves match nothing, to look
    # again forgiving typos (activities.search.page.with_typo_fallback).
    typos: bool = False

    @classmethod
    def parse(cls, query) -> SearchParams:
        """From a QueryDict (or a plain dict of strings or lists); unknown keys are ignored."""
        values, errors = {}, {}
        for name, (field, repeats) in _fields().items():
            if name not in query:
                continue
            raw = query.getlist(name) if hasattr(query, "getlist") else query[name]
            if repeats:
                raw = _split(raw if isinstance(raw, list | tuple) else [raw])
            elif isinstance(raw, list | tuple):
                raw = raw[-1] if raw else ""
            if name != "q" and raw in ("", []):
                # Given, but with nothing: a client's bug more likely than "not asked", and
                # what the OpenAPI document's types refuse.
                errors[name] = [_("Give a value, or leave the parameter out.")]
                continue
            try:
                value = field.clean(raw)
            except ValidationError as error:
                errors[name] = error.messages
                continue
            if value not in (None, "", []):
                values[name] = tuple(value) if repeats else value
        if "q" in values:
            values["q"] = values["q"].strip()
        params = cls(**values)
        errors.update(params._group_errors())
        if errors:
            raise validation_failed(errors)
        return params

    def _group_errors(self) -> dict[str, list]:
        errors = {}
        has_lat, has_lng = self.lat is not None, self.lng is not None
        if has_lat != has_lng:
            errors["lat" if not has_lat else "lng"] = [_("Give lat and lng together.")]
        if self.radius_km is not None and not has_lat:
            errors["radius_km"] = [_("A radius needs lat and lng.")]
        if self.ordering == "distance" and not has_lat:
            errors["ordering"] = [_("Ordering by distance needs lat and lng.")]
        if self.ordering == "relevance" and not self.q:
            errors["ordering"] = [_("Ordering by relevance needs q.")]
        if self.starts_after and self.starts_before and self.starts_before <= self.starts_after:
            errors["starts_before"] = [_("starts_before must be after starts_after.")]
        return errors

    @property
    def point(self) -> tuple[float, float] | None:
        return None if self.lat is None or self.lng is None else (self.lat, self.lng)

    @property
    def radius(self) -> float:
        return DEFAULT_RADIUS_KM if self.radius_km is None else self.radius_km

    @property
    def effective_ordering(self) -> str:
        if self.ordering:
            return self.ordering
        if self.updated_since:
            return "updated_at"
        if self.point:
            return "distance"
        return "relevance" if self.q else "-updated_at"
