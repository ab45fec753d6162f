"""The plain-text rules (backend/text.py) shared by every free-text field."""

import pytest
from django.utils import translation

from backend.errors import ValidationFailed
from backend.text import is_blank, require_plain_text, text_problem

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # joined by zero-width joiners


@pytest.mark.parametrize(
    "text",
    [
        "Chorale du quartier",
        "Café-théâtre à l'Île de Nantes",
        "Pour les 7 < 12 ans, on <3 le jeu",
        f"Atelier en famille {FAMILY}",
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian, with a zero-width non-joiner
        "Ελληνικά, русский, 日本語",
        "",
    ],
)
def test_ordinary_text_is_plain(text):
    assert text_problem(text) is None
    require_plain_text(title=text)


@pytest.mark.parametrize(
    ("text", "code_point"),
    [
        ("Chorale \u202eevila", "U+202E"),  # right-to-left override
        ("Cho\u200brale", "U+200B"),  # zero-width space
        ("\ufeffChorale", "U+FEFF"),  # byte order mark
        ("Chorale\u2066x\u2069", "U+2066"),  # bidi isolate
        ("Chorale\x00", "U+0000"),
        ("Chorale\x1b[31m", "U+001B"),
        ("Chorale\ud800", "U+D800"),  # a lone surrogate, which no database stores
        ("Chorale\u2028rock", "U+2028"),  # line separator
    ],
)
def test_control_and_format_characters_are_refused_and_named(text, code_point):
    problem = text_problem(text, multiline=True)
    assert problem is not None and code_point in problem


def test_long_text_keeps_line_breaks_and_tabs_that_short_text_refuses():
    assert text_problem("Premier jour\n\tdeuxième\r\nligne", multiline=True) is None
    assert "U+000A" in text_problem("Chorale\nrock")
    assert "U+0009" in text_problem("Chorale\trock")


@pytest.mark.parametrize("text", ["   ", "\u3164", "\u2800\u2800", "\u00a0\u3000", "\u0301"])
def test_text_that_shows_nothing_is_refused(text):
    assert is_blank(text)
    assert text_problem(text) is not None


def test_markup_is_refused():
    assert text_problem("<b>Chorale</b>") is not None
    assert text_problem("Texte <img src=x onerror=alert(1)>") is not None


def test_every_field_at_fault_is_named_in_the_readers_language():
    with translation.override("fr"), pytest.raises(ValidationFailed) as refused:
        require_plain_text(
            multiline=("description",),
            title="\u202e\u200b",
            summary="Bien",
            description="Ligne\nsuivante <b>gras</b>",
            capacity=None,
        )
    assert refused.value.code == "invalid_text"
    assert set(refused.value.fields) == {"title", "description"}
    assert "U+202E, U+200B" in refused.value.fields["title"][0]
    assert refused.value.fields["title"][0].startswith("Les caractères invisibles")
