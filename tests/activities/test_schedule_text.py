"""Schedules and recurrence errors in words, in French and in English (gettext)."""

from datetime import date, time

import pytest
from django.utils import translation

from activities import recurrence, schedule_text

START = date(2026, 1, 1)  # a Thursday


def words(rule: str | None, start_time: time, language: str, dtstart: date = START) -> str:
    with translation.override(language):
        return schedule_text.describe(
            recurrence.describe(rule, dtstart=dtstart, start_time=start_time)
        )


@pytest.mark.parametrize(
    ("rule", "start_time", "french", "english"),
    [
        ("FREQ=WEEKLY;BYDAY=TU", time(14, 0), "Tous les mardis à 14h00", "Every Tuesday at 14:00"),
        (
            "FREQ=MONTHLY;BYDAY=-1FR",
            time(18, 30),
            "Le dernier vendredi du mois à 18h30",
            "The last Friday of the month at 18:30",
        ),
        (
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO",
            time(9, 0),
            "Toutes les 2 semaines le lundi à 9h00",
            "Every 2 weeks on Monday at 09:00",
        ),
        (
            "FREQ=WEEKLY;INTERVAL=3;BYDAY=MO,TH",
            time(9, 0),
            "Toutes les 3 semaines le lundi et le jeudi à 9h00",
            "Every 3 weeks on Monday and Thursday at 09:00",
        ),
        (
            "FREQ=WEEKLY;BYDAY=MO,WE,FR",
            time(10, 15),
            "Tous les lundis, mercredis et vendredis à 10h15",
            "Every Monday, Wednesday and Friday at 10:15",
        ),
        ("FREQ=DAILY", time(8, 0), "Tous les jours à 8h00", "Every day at 08:00"),
        ("FREQ=DAILY;INTERVAL=3", time(8, 0), "Tous les 3 jours à 8h00", "Every 3 days at 08:00"),
        (
            "FREQ=MONTHLY;BYDAY=1TU,3TU",
            time(14, 0),
            "Le premier et le troisième mardi du mois à 14h00",
            "The first and third Tuesday of the month at 14:00",
        ),
        (
            "FREQ=MONTHLY;BYDAY=-2TH;INTERVAL=2",
            time(14, 0),
            "L'avant-dernier jeudi du mois, tous les 2 mois, à 14h00",
            "The second-to-last Thursday of the month, every 2 months, at 14:00",
        ),
        (
            "FREQ=MONTHLY;BYDAY=-3WE",
            time(14, 0),
            "Le troisième mercredi en partant de la fin du mois à 14h00",
            "The third-to-last Wednesday of the month at 14:00",
        ),
        (
            "FREQ=MONTHLY;BYMONTHDAY=15",
            time(10, 0),
            "Le 15 de chaque mois à 10h00",
            "On the 15th of every month at 10:00",
        ),
        (
            "FREQ=MONTHLY;BYMONTHDAY=1,-1",
            time(10, 0),
            "Le 1er et le dernier jour du mois à 10h00",
            "On the 1st and the last day of the month at 10:00",
        ),
        (
            "FREQ=MONTHLY;BYMONTHDAY=2,-2,-3;INTERVAL=3",
            time(10, 0),
            "Le 2, le 3e jour avant la fin et l'avant-dernier jour du mois, tous les 3 mois, "
            "à 10h00",
            "On the 2nd, the 3rd-to-last day and the 2nd-to-last day of the month, every 3 "
            "months, at 10:00",
        ),
        (
            "FREQ=MONTHLY;BYMONTHDAY=21;INTERVAL=2",
            time(10, 0),
            "Le 21, tous les 2 mois, à 10h00",
            "On the 21st, every 2 months, at 10:00",
        ),
        (
            "FREQ=WEEKLY;BYDAY=SA;COUNT=6",
            time(10, 0),
            "Tous les samedis à 10h00, 6 fois",
            "Every Saturday at 10:00, 6 times",
        ),
        (
            "FREQ=WEEKLY;BYDAY=SA;UNTIL=20260630",
            time(10, 0),
            "Tous les samedis à 10h00, jusqu'au 30 juin 2026",
            "Every Saturday at 10:00, until 30 June 2026",
        ),
        (
            "FREQ=WEEKLY;BYDAY=FR,TH,WE,TU,MO",
            time(9, 30),
            "Du lundi au vendredi à 9h30",
            "Monday to Friday at 09:30",
        ),
        (
            "FREQ=DAILY;BYDAY=SA,SU;COUNT=1",
            time(10, 0),
            "Tous les samedis et dimanches à 10h00, une fois",
            "Every Saturday and Sunday at 10:00, once",
        ),
        (
            "FREQ=MONTHLY;BYDAY=1MO,-1FR",
            time(18, 0),
            "Le premier lundi et le dernier vendredi du mois à 18h00",
            "The first Monday and the last Friday of the month at 18:00",
        ),
        (
            "FREQ=DAILY;INTERVAL=2;BYDAY=MO",
            time(10, 0),
            "Tous les 2 jours, certains jours, à 10h00",
            "Every 2 days, on selected days, at 10:00",
        ),
        (
            "FREQ=MONTHLY;BYMONTHDAY=1;BYDAY=MO",
            time(10, 0),
            "Tous les mois, certains jours, à 10h00",
            "Every month, on selected days, at 10:00",
        ),
        (
            "FREQ=MONTHLY;INTERVAL=2;BYDAY=MO",
            time(10, 0),
            "Tous les 2 mois, certains jours, à 10h00",
            "Every 2 months, on selected days, at 10:00",
        ),
    ],
)
def test_a_schedule_in_words(rule: str, start_time: time, french: str, english: str) -> None:
    assert words(rule, start_time, "fr") == french
    assert words(rule, start_time, "en") == english


def test_a_rule_that_leaves_the_day_out_takes_it_from_the_start() -> None:
    assert words("FREQ=WEEKLY", time(9, 0), "fr") == "Tous les jeudis à 9h00"
    assert words("FREQ=MONTHLY", time(9, 0), "en") == "On the 1st of every month at 09:00"


def test_a_one_off_schedule_in_words() -> None:
    assert words(None, time(9, 5), "fr", dtstart=date(2026, 3, 1)) == "Le 1er mars 2026 à 9h05"
    assert words(None, time(9, 5), "en", dtstart=date(2026, 3, 1)) == "On 1 March 2026 at 09:05"
    assert words(None, time(9, 5), "fr", dtstart=date(2026, 3, 2)) == "Le 2 mars 2026 à 9h05"


@pytest.mark.parametrize(
    ("call", "french", "english"),
    [
        (
            lambda: recurrence.normalize_rrule("FREQ=HOURLY", dtstart=START),
            "FREQ=HOURLY n'est pas accepté : une activité se répète au plus une fois par jour.",
            "FREQ=HOURLY is not supported: activities repeat at most once a day.",
        ),
        (
            lambda: recurrence.normalize_rrule("FREQ=WEEKLY;INTERVAL=99", dtstart=START),
            "INTERVAL doit être compris entre 1 et 52 (reçu : 99).",
            "INTERVAL must be between 1 and 52 (got 99).",
        ),
        (
            lambda: recurrence.validate_timezone("Mars/Olympus"),
            "'Mars/Olympus' n'est pas un fuseau horaire IANA connu.",
            "'Mars/Olympus' is not a known IANA time zone.",
        ),
        (
            lambda: recurrence.normalize_rrule("FREQ=DAILY;COUNT=2;UNTIL=20260301", dtstart=START),
            "UNTIL et COUNT ne peuvent pas être utilisés ensemble : n'en gardez qu'un.",
            "UNTIL and COUNT cannot be used together; keep only one.",
        ),
    ],
)
def test_recurrence_errors_in_words(call, french: str, english: str) -> None:
    with pytest.raises(recurrence.RecurrenceError) as refused:
        call()
    with translation.override("fr"):
        assert schedule_text.recurrence_error_message(refused.value) == french
    with translation.override("en"):
        assert schedule_text.recurrence_error_message(refused.value) == english
