"""Plain-text rules for what people type: Relier stores text, never markup nor invisible
characters. The one home of these rules, below every app, so that the accounts and the
directory (and through them the API, the admin and the imports) refuse the same things."""

import re
import unicodedata

from django.utils.translation import gettext as _

from backend.validation import validation_failed

# A tag, a comment or a doctype: "<b>", "</p>", "<img src=x>", "<!-- -->". A lone "<" as in
# "3 < 5" or "<3" is ordinary text and stays.
_MARKUP = re.compile(
    r"<\s*(?:[a-zA-Z][\w:-]*(?:\s[^<>]*)?/?|/\s*[a-zA-Z][\w:-]*\s*|!--.*?--|![a-zA-Z][^<>]*)>", re.S
)
# What long text may hold besides visible characters: line breaks and tabs.
_LAYOUT = frozenset("\n\r\t")
# Format characters that belong to ordinary writing: the joiners of emoji sequences and of
# several scripts (Persian, Indic). Every other format character (bidi overrides, zero-width
# spaces, the byte order mark...) only hides or reorders what a reader sees.
_JOINERS = frozenset("\u200c\u200d")
# Letters and symbols that draw nothing (Hangul fillers, the blank Braille pattern, the
# Mongolian vowel separator): a text made only of them is blank to a reader.
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e")
# Unicode categories a reader does not see as text on their own: spaces, separators, controls,
# format characters and combining marks without a base.
_INVISIBLE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Mn", "Me"})


def _hidden_characters(text: str, *, multiline: bool) -> list[str]:
    """The code points (as "U+202E") of the control, format and lone surrogate characters in
    `text`; line breaks and tabs are allowed in long text."""
    found: dict[str, None] = {}
    for char in text:
        category = unicodedata.category(char)
        control = category in ("Cc", "Zl", "Zp") and not (multiline and char in _LAYOUT)
        hidden = category == "Cs" or (category == "Cf" and char not in _JOINERS)
        if control or hidden:
            found[f"U+{ord(char):04X}"] = None
    return list(found)


def is_blank(text: str) -> bool:
    """True when `text` shows nothing: empty, or only spaces and invisible characters."""
    return all(
        char.isspace()
        or char in _BLANK_LOOKING
        or unicodedata.category(char) in _INVISIBLE_CATEGORIES
        for char in text
    )


def text_problem(text: str, *, multiline: bool = False) -> str | None:
    """Why `text` is refused (in the active language), or None when it is plain text.

    Refused: control and format characters (`multiline` text may hold line breaks and tabs),
    text that is not empty but shows nothing, and markup (HTML or XML tags)."""
    hidden = _hidden_characters(text, multiline=multiline)
    if hidden:
        return _("Invisible or control characters are not accepted (%(characters)s).") % {
            "characters": ", ".join(hidden)
        }
    if text and is_blank(text):
        return _("This text shows nothing: it is only spaces or invisible characters.")
    if _MARKUP.search(text):
        return _("Markup is not accepted: write plain text (line breaks are kept).")
    return None


def require_plain_text(*, multiline: tuple[str, ...] = (), **fields: object) -> None:
    """Raise `ValidationFailed` naming every field whose text `text_problem` refuses; the
    fields named in `multiline` may hold line breaks and tabs. Values that are not text (None,
    an update's UNCHANGED) are not looked at."""
    errors = {
        name: [problem]
        for name, value in fields.items()
        if isinstance(value, str)
        and (problem := text_problem(value, multiline=name in multiline)) is not None
    }
    if errors:
        raise validation_failed(errors, code="invalid_text")
