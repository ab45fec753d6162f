"""The standard measures of loneliness and wellbeing, with their wording and their scoring.

Plain data and plain functions (no Django): the wording is the instrument's own, in French and
English, never a translation made on the fly, and the scoring is the published one:

- UCLA 3-item loneliness scale (Hughes, Waite, Hawkley and Cacioppo, 2004): three questions,
  each answered "hardly ever" (1), "some of the time" (2) or "often" (3); the score is their
  sum, 3 to 9, higher meaning lonelier. The Office for National Statistics' guidance (2018)
  reads 3 to 5 as "not often lonely" and 6 to 9 as "often lonely"; that band is given too.
  The sum needs the three answers: with one missing there is no score (no imputation).
- The ONS direct loneliness question: "How often do you feel lonely?", five answers from
  "often/always" to "never"; not a score but an ordered category (1 = often/always).
- ONS4 personal wellbeing: four questions answered 0 to 10 (life satisfaction, worthwhile,
  happiness yesterday, anxiety yesterday), each its own measure (never summed), with the ONS
  thresholds: for the first three, low 0-4, medium 5-6, high 7-8, very high 9-10; for anxiety,
  very low 0-1, low 2-3, medium 4-5, high 6-10. A missing answer leaves that measure empty.

The French wording follows the French forms of these questions used in national surveys
(INSEE's life satisfaction question reads the same scale); docs/impact.md says where each
comes from.
"""

import dataclasses
from collections.abc import Mapping

UCLA3 = "ucla3"
ONS_DIRECT = "ons_direct"
ONS4 = "ons4"


@dataclasses.dataclass(frozen=True)
class Choice:
    value: int
    label: Mapping[str, str]  # language -> wording


@dataclasses.dataclass(frozen=True)
class Question:
    code: str
    text: Mapping[str, str]
    choices: tuple[Choice, ...] = ()  # empty: a scale from low to high
    low: int = 0
    high: int = 10
    anchors: Mapping[str, tuple[str, str]] = dataclasses.field(default_factory=dict)

    def accepts(self, value: int) -> bool:
        if self.choices:
            return any(choice.value == value for choice in self.choices)
        return self.low <= value <= self.high


@dataclasses.dataclass(frozen=True)
class Instrument:
    code: str
    name: Mapping[str, str]
    questions: tuple[Question, ...]
    source: str

    def question(self, code: str) -> Question:
        for question in self.questions:
            if question.code == code:
                return question
        raise KeyError(code)


_HOW_OFTEN = (
    Choice(1, {"en": "Hardly ever", "fr": "Presque jamais"}),
    Choice(2, {"en": "Some of the time", "fr": "Parfois"}),
    Choice(3, {"en": "Often", "fr": "Souvent"}),
)

INSTRUMENTS: dict[str, Instrument] = {
    UCLA3: Instrument(
        code=UCLA3,
        name={
            "en": "UCLA 3-item loneliness scale",
            "fr": "Échelle de solitude UCLA en 3 questions",
        },
        source="Hughes, Waite, Hawkley and Cacioppo, Research on Aging 26(6), 2004",
        questions=(
            Question(
                "companionship",
                {
                    "en": "How often do you feel that you lack companionship?",
                    "fr": "À quelle fréquence avez-vous le sentiment de manquer de compagnie ?",
                },
                _HOW_OFTEN,
            ),
            Question(
                "left_out",
                {
                    "en": "How often do you feel left out?",
                    "fr": "À quelle fréquence vous sentez-vous laissé(e) de côté ?",
                },
                _HOW_OFTEN,
            ),
            Question(
                "isolated",
                {
                    "en": "How often do you feel isolated from others?",
                    "fr": "À quelle fréquence vous sentez-vous isolé(e) des autres ?",
                },
                _HOW_OFTEN,
            ),
        ),
    ),
    ONS_DIRECT: Instrument(
        code=ONS_DIRECT,
        name={
            "en": "Direct loneliness question (ONS)",
            "fr": "Question directe sur la solitude (ONS)",
        },
        source="Office for National Statistics, national measurement of loneliness, 2018",
        questions=(
            Question(
                "lonely",
                {
                    "en": "How often do you feel lonely?",
                    "fr": "À quelle fréquence vous sentez-vous seul(e) ?",
                },
                (
                    Choice(1, {"en": "Often/always", "fr": "Souvent ou toujours"}),
                    Choice(2, {"en": "Some of the time", "fr": "Parfois"}),
                    Choice(3, {"en": "Occasionally", "fr": "De temps en temps"}),
                    Choice(4, {"en": "Hardly ever", "fr": "Presque jamais"}),
                    Choice(5, {"en": "Never", "fr": "Jamais"}),
                ),
            ),
        ),
    ),
    ONS4: Instrument(
        code=ONS4,
        name={"en": "Personal wellbeing (ONS4)", "fr": "Bien-être personnel (ONS4)"},
        source="Office for National Statistics, personal well-being user guidance",
        questions=(
            Question(
                "life_satisfaction",
                {
                    "en": "Overall, how satisfied are you with your life nowadays?",
                    "fr": "Dans l'ensemble, dans quelle mesure êtes-vous satisfait(e) de "
                    "votre vie actuelle ?",
                },
                anchors={
                    "en": ("Not at all", "Completely"),
                    "fr": ("Pas du tout", "Complètement"),
                },
            ),
            Question(
                "worthwhile",
                {
                    "en": "Overall, to what extent do you feel that the things you do in your "
                    "life are worthwhile?",
                    "fr": "Dans l'ensemble, dans quelle mesure avez-vous le sentiment que ce "
                    "que vous faites dans votre vie en vaut la peine ?",
                },
                anchors={
                    "en": ("Not at all", "Completely"),
                    "fr": ("Pas du tout", "Complètement"),
                },
            ),
            Question(
                "happiness",
                {
                    "en": "Overall, how happy did you feel yesterday?",
                    "fr": "Dans l'ensemble, dans quelle mesure vous êtes-vous senti(e) "
                    "heureux(se) hier ?",
                },
                anchors={
                    "en": ("Not at all", "Completely"),
                    "fr": ("Pas du tout", "Complètement"),
                },
            ),
            Question(
                "anxiety",
                {
                    "en": "Overall, how anxious did you feel yesterday?",
                    "fr": "Dans l'ensemble, dans quelle mesure vous êtes-vous senti(e) "
                    "anxieux(se) hier ?",
                },
                anchors={
                    "en": ("Not at all anxious", "Completely anxious"),
                    "fr": ("Pas du tout anxieux(se)", "Complètement anxieux(se)"),
                },
            ),
        ),
    ),
}


class InvalidAnswer(ValueError):
    """An answer the question does not offer, or a question the instrument does not ask."""

    def __init__(self, question: str, value=None):
        super().__init__(question)
        self.question = question
        self.value = value


def check_answers(instrument: Instrument, answers: Mapping[str, int | None]) -> None:
    """Raise InvalidAnswer for an unknown question or an answer out of its range; a missing
    answer (absent or None) is allowed: the person may leave a question."""
    codes = {question.code for question in instrument.questions}
    for code, value in answers.items():
        if code not in codes:
            raise InvalidAnswer(code)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidAnswer(code, value)
        if not instrument.question(code).accepts(value):
            raise InvalidAnswer(code, value)


def score(instrument: Instrument, answers: Mapping[str, int | None]) -> dict[str, int | None]:
    """The instrument's measures from its answers: measure -> value, None where the answers
    needed are missing. UCLA-3: {"ucla3": 3..9}; ONS direct: {"lonely": 1..5}; ONS4: one
    measure per question, 0..10."""
    check_answers(instrument, answers)
    values = [answers.get(question.code) for question in instrument.questions]
    if instrument.code == UCLA3:
        return {UCLA3: None if None in values else sum(values)}
    return {question.code: answers.get(question.code) for question in instrument.questions}


def band(measure: str, value: int | None) -> str | None:
    """The published band of a measure's value (None for none)."""
    if value is None:
        return None
    if measure == UCLA3:
        return "not_often_lonely" if value <= 5 else "often_lonely"
    if measure == "anxiety":
        return (
            "very_low"
            if value <= 1
            else "low"
            if value <= 3
            else "medium"
            if value <= 5
            else "high"
        )
    if measure in ("life_satisfaction", "worthwhile", "happiness"):
        return (
            "low"
            if value <= 4
            else "medium"
            if value <= 6
            else "high"
            if value <= 8
            else "very_high"
        )
    if measure == "lonely":
        return "often_always" if value == 1 else "not_often"
    raise KeyError(measure)


# Which direction is better, for a change from intake to follow-up: a fall in the UCLA-3 score
# and in anxiety is an improvement; a rise in the others (the ONS direct answer counts from
# "often/always", 1, to "never", 5).
LOWER_IS_BETTER = frozenset({UCLA3, "anxiety"})
