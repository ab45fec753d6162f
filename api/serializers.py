"""Field types shared by the API's serializers."""

from rest_framework import serializers

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
