"""Every refusal of `activities.recurrence` reaches a French reader in French."""

import ast
import datetime
import pathlib

import pytest
from django.utils import translation

from activities import recurrence
from activities.schedule_text import recurrence_error_message


def _messages() -> list[str]:
    """The message templates the pure module marks for translation (`gettext_noop`)."""
    source = pathlib.Path(recurrence.__file__).read_text()
    return [
        node.args[0].value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", "") == "gettext_noop"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    ]


def test_the_messages_are_found():
    assert len(_messages()) > 30


@pytest.mark.parametrize("message", _messages())
def test_each_recurrence_message_has_its_french_translation(message):
    with translation.override("fr"):
        assert translation.gettext(message) != message


@pytest.mark.parametrize(
    "rule", ["FREQ=WEEKLY;;", "FREQ=WEEKLY;INTERVAL=52;COUNT=730", "FREQ=WEEKLY;FOO=1"]
)
def test_a_refused_rule_is_explained_in_the_readers_language(rule):
    with pytest.raises(recurrence.RecurrenceError) as refused:
        recurrence.normalize_rrule(rule, dtstart=datetime.date(2026, 1, 5))
    with translation.override("en"):
        english = recurrence_error_message(refused.value)
    with translation.override("fr"):
        french = recurrence_error_message(refused.value)
    assert english == str(refused.value)
    assert french != english
