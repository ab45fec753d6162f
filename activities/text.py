"""Plain-text rules for what providers type: Relier stores text, never markup."""

import re

from django.utils.translation import gettext as _

from backend.validation import validation_failed

# A tag, a comment or a doctype: "<b>", "</p>", "<img src=x>", "<!-- -->". A lone "<" as in
# "3 < 5" or "<3" is ordinary text and stays.
_MARKUP = re.compile(
    r"<\s*(?:[a-zA-Z][\w:-]*(?:\s[^<>]*)?/?|/\s*[a-zA-Z][\w:-]*\s*|!--.*?--|![a-zA-Z][^<>]*)>", re.S
)


def refuse_markup(**fields: object) -> None:
    """Raise `ValidationFailed` naming every field whose text contains HTML or XML markup.
    Values that are not text (None, an update's UNCHANGED) are not looked at."""
    errors = {
        name: [_("Markup is not accepted: write plain text (line breaks are kept).")]
        for name, value in fields.items()
        if isinstance(value, str) and _MARKUP.search(value)
    }
    if errors:
        raise validation_failed(errors)
