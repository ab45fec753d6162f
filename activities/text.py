"""Plain-text rules for what providers type: Relier stores text, never markup."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# A tag, a comment or a doctype: "<b>", "</p>", "<img src=x>", "<!-- -->". A lone "<" as in
# "3 < 5" or "<3" is ordinary text and stays.
_MARKUP = re.compile(
    r"<\s*(?:[a-zA-Z][\w:-]*(?:\s[^<>]*)?/?|/\s*[a-zA-Z][\w:-]*\s*|!--.*?--|![a-zA-Z][^<>]*)>", re.S
)


def refuse_markup(**fields: str | None) -> None:
    """Raise a ValidationError naming every field that contains HTML or XML markup."""
    errors = {
        name: [_("Markup is not accepted: write plain text (line breaks are kept).")]
        for name, value in fields.items()
        if value and _MARKUP.search(value)
    }
    if errors:
        raise ValidationError(errors)
