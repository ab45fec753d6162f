"""Each instrument scored as published, on hand-made answer sets, missing answers included."""

import pytest

from impact.instruments import (
    INSTRUMENTS,
    ONS4,
    ONS_DIRECT,
    UCLA3,
    InvalidAnswer,
    band,
    score,
)

ucla = INSTRUMENTS[UCLA3]
ons4 = INSTRUMENTS[ONS4]
direct = INSTRUMENTS[ONS_DIRECT]


@pytest.mark.parametrize(
    ("answers", "expected", "expected_band"),
    [
        ({"companionship": 1, "left_out": 1, "isolated": 1}, 3, "not_often_lonely"),
        ({"companionship": 2, "left_out": 1, "isolated": 2}, 5, "not_often_lonely"),
        ({"companionship": 2, "left_out": 2, "isolated": 2}, 6, "often_lonely"),
        ({"companionship": 3, "left_out": 3, "isolated": 3}, 9, "often_lonely"),
        ({"companionship": 3, "left_out": None, "isolated": 3}, None, None),  # left blank
        ({"companionship": 3, "isolated": 3}, None, None),  # not asked
    ],
)
def test_ucla3_is_the_sum_of_its_three_answers_or_nothing(answers, expected, expected_band):
    assert score(ucla, answers) == {UCLA3: expected}
    assert band(UCLA3, expected) == expected_band


def test_ons4_keeps_four_measures_never_summed_a_blank_one_stays_blank():
    answers = {"life_satisfaction": 7, "worthwhile": 10, "happiness": 4, "anxiety": None}
    assert score(ons4, answers) == {
        "life_satisfaction": 7,
        "worthwhile": 10,
        "happiness": 4,
        "anxiety": None,
    }


@pytest.mark.parametrize(
    ("measure", "value", "expected"),
    [
        ("life_satisfaction", 0, "low"),
        ("life_satisfaction", 4, "low"),
        ("worthwhile", 5, "medium"),
        ("happiness", 6, "medium"),
        ("happiness", 7, "high"),
        ("life_satisfaction", 8, "high"),
        ("worthwhile", 9, "very_high"),
        ("anxiety", 0, "very_low"),
        ("anxiety", 1, "very_low"),
        ("anxiety", 2, "low"),
        ("anxiety", 3, "low"),
        ("anxiety", 4, "medium"),
        ("anxiety", 5, "medium"),
        ("anxiety", 6, "high"),
        ("anxiety", 10, "high"),
    ],
)
def test_ons4_bands_are_the_published_thresholds(measure, value, expected):
    assert band(measure, value) == expected


def test_the_direct_question_is_an_ordered_answer():
    assert score(direct, {"lonely": 1}) == {"lonely": 1}
    assert band("lonely", 1) == "often_always" and band("lonely", 3) == "not_often"
    assert score(direct, {}) == {"lonely": None}


@pytest.mark.parametrize(
    ("instrument", "answers"),
    [
        (ucla, {"companionship": 0, "left_out": 1, "isolated": 1}),  # 1 to 3 only
        (ucla, {"companionship": 4, "left_out": 1, "isolated": 1}),
        (ucla, {"companionship": "2", "left_out": 1, "isolated": 1}),
        (ucla, {"companionship": True, "left_out": 1, "isolated": 1}),
        (ucla, {"lonely": 1}),  # another instrument's question
        (ons4, {"anxiety": 11}),
        (ons4, {"happiness": -1}),
        (ons4, {"happiness": 5.5}),
        (direct, {"lonely": 6}),
    ],
)
def test_an_answer_the_question_does_not_offer_is_refused(instrument, answers):
    with pytest.raises(InvalidAnswer):
        score(instrument, answers)


def test_every_question_has_its_wording_in_french_and_english():
    for instrument in INSTRUMENTS.values():
        assert set(instrument.name) == {"fr", "en"}
        for question in instrument.questions:
            assert set(question.text) == {"fr", "en"} and all(question.text.values())
            for choice in question.choices:
                assert set(choice.label) == {"fr", "en"}
            if not question.choices:
                assert set(question.anchors) == {"fr", "en"}
