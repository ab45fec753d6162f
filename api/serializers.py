"""Field types and the input base shared by the API's serializers.

Every serializer that reads a write body derives from `InputSerializer` (or
`ModelInputSerializer`), so every write refuses, with 400 naming the field:
- a field the endpoint does not know (a typo must not silently drop a constraint);
- a field the resource shows but a client cannot set (`id`, `verified`, `status`...);
- a JSON value of the wrong type: text where a string is expected, numbers (never booleans)
  where a number is, `true`/`false` only where a boolean is (DRF would take 123 as "123",
  `true` as 1.0 and "yes" as true);
- a nested object without one of its required parts, even in a partial update: a nested
  object is replaced whole, never patched.
Form-encoded bodies carry only strings, so the type rules apply to JSON bodies.
"""

from collections.abc import Mapping
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.request import Request
from rest_framework.settings import api_settings

from activities import choices


class MaskListField(serializers.ListField):
    """A list of vocabulary values, stored as a bit mask on the model."""

    def __init__(self, *, vocabulary: tuple[str, ...], **kwargs):
        self.vocabulary = vocabulary
        kwargs.setdefault("child", serializers.ChoiceField(choices=vocabulary))
        kwargs.setdefault("allow_empty", False)
        super().__init__(**kwargs)

    def to_representation(self, mask: int) -> list[str]:
        return choices.values_of(mask, self.vocabulary)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _whole_number(value: Any) -> int | None:
    """The integer a JSON number stands for, or None. JSON, like JSON Schema's `integer`, does
    not tell 3 from 3.0: both are the whole number 3."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


_WHOLE_FIELDS = (serializers.IntegerField, serializers.PrimaryKeyRelatedField)


def _as_whole(field: serializers.Field | None, value: Any) -> Any:
    whole = _whole_number(value) if isinstance(field, _WHOLE_FIELDS) else None
    return value if whole is None else whole


def type_error(field: serializers.Field, value: Any) -> str | None:
    """Why a JSON `value` has the wrong type for `field` (in the active language), or None.
    None values are left to the field (`allow_null`); a nested serializer checks its own
    fields."""
    if value is None:
        return None
    if isinstance(field, serializers.ListSerializer):
        return None if isinstance(value, list) else _("Give a list.")
    if isinstance(field, serializers.BaseSerializer):
        return None if isinstance(value, Mapping) else _("Give an object.")
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else _("Give true or false.")
    if isinstance(field, _WHOLE_FIELDS):
        return None if _whole_number(value) is not None else _("Give a whole number.")
    if isinstance(field, serializers.FloatField):
        return None if _is_number(value) else _("Give a number.")
    if isinstance(field, serializers.DecimalField):
        # Decimals are written as strings ("12.50"), as the API writes them; numbers are fine.
        return None if _is_number(value) or isinstance(value, str) else _("Give a number.")
    if isinstance(field, serializers.MultipleChoiceField):
        return None if isinstance(value, list) else _("Give a list.")
    if isinstance(field, serializers.ListField):
        if not isinstance(value, list):
            return _("Give a list.")
        return next(filter(None, (type_error(field.child, item) for item in value)), None)
    if isinstance(field, serializers.DictField):
        if not isinstance(value, dict):
            return _("Give an object.")
        return next(filter(None, (type_error(field.child, item) for item in value.values())), None)
    text_fields = (
        serializers.CharField,
        serializers.ChoiceField,
        serializers.SlugRelatedField,
        serializers.DateField,
        serializers.DateTimeField,
        serializers.TimeField,
    )
    if isinstance(field, text_fields):
        return None if isinstance(value, str) else _("Give text (a string).")
    return None


class StrictInputMixin:
    """Refuses unknown fields, read-only fields, values of the wrong JSON type and nested
    objects missing a required part (see the module's docstring).

    `output_serializer` is the serializer of the resource as the API shows it: its fields that
    this input does not take are read-only. `create_only` fields are set at creation and
    refused in a partial update (PATCH)."""

    output_serializer: type[serializers.BaseSerializer] | None = None
    create_only: tuple[str, ...] = ()

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
            return super().to_internal_value(data)  # DRF's "expected a dictionary"
        errors: dict[str, list] = {}
        updating = self.partial and self.parent is None
        writable = {
            name
            for name, field in self.fields.items()
            if not field.read_only and not (updating and name in self.create_only)
        }
        read_only = set(self.fields) | self._output_fields()
        for key in data:
            if key in writable:
                continue
            if key in read_only:
                message = _("This field is read-only: it cannot be set here.")
                errors[key] = [ErrorDetail(message, code="read_only_field")]
            else:
                errors[key] = [ErrorDetail(_("Unknown field."), code="unknown_field")]
        if not isinstance(data, QueryDict):
            for name in writable & set(data):
                message = type_error(self.fields[name], data[name])
                if message is not None:
                    errors[name] = [ErrorDetail(message, code="invalid_type")]
            # 3.0 is read as 3 (`_whole_number`), by the fields too.
            data = {name: _as_whole(self.fields.get(name), value) for name, value in data.items()}
        if self.parent is not None:
            # Nested: the object is replaced whole, so its required parts are required even
            # when the request is a partial update.
            for name in writable - set(data):
                field = self.fields[name]
                if field.required:
                    errors[name] = [ErrorDetail(field.error_messages["required"], code="required")]
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            detail = error.detail
            if not isinstance(detail, dict):
                detail = {api_settings.NON_FIELD_ERRORS_KEY: detail}
            for name, messages in detail.items():
                errors.setdefault(name, messages)
            raise serializers.ValidationError(errors) from error
        if errors:
            raise serializers.ValidationError(errors)
        return value

    def _output_fields(self) -> set[str]:
        if self.output_serializer is None:
            return set()
        return set(self.output_serializer().fields)


class InputSerializer(StrictInputMixin, serializers.Serializer):
    """The base of every serializer that reads a request body."""


class ModelInputSerializer(StrictInputMixin, serializers.ModelSerializer):
    """`InputSerializer` for inputs described by their model's fields."""


def validated_query(serializer_class: type[serializers.Serializer], request: Request) -> dict:
    """A list's filters, validated by the serializer that also documents them
    (`extend_schema(parameters=[serializer_class])`). Read as plain values, so an empty
    `kind=` is refused like any value outside the vocabulary; a bad value is a 400."""
    query = serializer_class(data=request.query_params.dict())
    query.is_valid(raise_exception=True)
    return query.validated_data
