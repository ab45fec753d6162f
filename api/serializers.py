"""Field types shared by the API's serializers."""

from rest_framework import serializers
from rest_framework.request import Request

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


def validated_query(serializer_class: type[serializers.Serializer], request: Request) -> dict:
    """A list's filters, validated by the serializer that also documents them
    (`extend_schema(parameters=[serializer_class])`). Read as plain values, so an empty
    `kind=` is refused like any value outside the vocabulary; a bad value is a 400."""
    query = serializer_class(data=request.query_params.dict())
    query.is_valid(raise_exception=True)
    return query.validated_data
