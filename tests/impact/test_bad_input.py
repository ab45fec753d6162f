"""Bad input to the measures and reports: a 400 in the one error shape naming the field, in
the caller's language, and nothing stored."""

import pytest

from impact.models import MeasureConsent, Measurement
from tests.bad_input import error_of, send
from tests.conftest import client_for
from tests.impact.conftest import API

BIG = 2**63


def measure(**fields) -> dict:
    return {"instrument": "ons4", "context": "intake", "answers": {}} | fields


CASES = [
    ("post", "measures/", measure(instrument="ucla4"), "instrument"),
    ("post", "measures/", measure(context="week_7"), "context"),
    ("post", "measures/", {"instrument": "ucla3", "context": "intake"}, "answers"),
    ("post", "measures/", measure(answers="3"), "answers"),
    ("post", "measures/", measure(answers=None), "answers"),
    (
        "post",
        "measures/",
        measure(instrument="ucla3", answers={"isolated": BIG}),
        "answers.isolated",
    ),
    ("post", "measures/", measure(answers={"anxiety": 1.5}), "answers.anxiety"),
    ("post", "measures/", measure(answers={"anxiety": [1]}), "answers.anxiety"),
    ("post", "measures/", measure(measured_on="2999-01-01"), "measured_on"),
    ("post", "measures/", measure(person=BIG), "person"),
    ("post", "measures/", measure(score=3), "score"),
    ("post", "measures/consent/", {"decision": "maybe"}, "decision"),
    ("post", "measures/consent/", {}, "decision"),
    ("post", "measures/consent/", {"decision": "agree", "method": "telepathy"}, "method"),
    ("get", "measures/", {"person": "x"}, "person"),
    ("get", "impact/ties/", {"person": "0"}, "person"),
    ("get", "impact/report/", {"territory": "4" * 10}, "territory"),
    ("get", "impact/report/", {"organization": "not a slug"}, "organization"),
    ("get", "impact/report/chart/", {"territory": "44109"}, "chart"),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), CASES)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_bad_input_is_refused_in_the_one_shape_and_stores_nothing(
    agreeing, method, path, body, field, language
):
    before = MeasureConsent.objects.filter(declined_at__isnull=False).count()
    response = send(client_for(agreeing), method, f"{API}{path}", body, language)
    assert response.status_code == 400
    error_of(response, field)
    assert not Measurement.objects.exists()
    assert MeasureConsent.objects.filter(declined_at__isnull=False).count() == before


def test_an_id_beyond_64_bits_in_the_path_is_not_found(agreeing):
    response = client_for(agreeing).get(f"{API}impact/activities/{2**64}/ties/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
