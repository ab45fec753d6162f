"""The CSV import source: encodings and separators as spreadsheets write them, French and
English headers, schedule phrases, and a bad line reported with its number while the others
are read."""

import datetime
import pathlib

import pytest
from django.conf import settings
from django.utils import timezone, translation

from activities import recurrence
from activities.schedule_text import describe
from interop.imports._schedule_phrase import parse_schedule
from interop.imports.csv_source import COLUMNS, read_csv, template
from interop.imports.items import SourceError, SourceItem

FRENCH_FILE = (
    "Identifiant;TITRE;Description;Catégories;Horaires;Date de debut;date de fin;"
    "Lieu;Adresse;Code postal;Ville;Latitude;Longitude;Gratuit;Prix minimum;Publics\r\n"
    'tricot;Atelier tricot;"Tricoter ensemble. Débutants\r\nbienvenus.";"Loisirs créatifs; '
    'convivialite";tous les mardis 14h-16h;06/10/2026;30/06/2027;Maison de quartier;'
    "12 rue Paul Bert;69003;Lyon;45,7578;4,8320;non;2,50;Seniors, aidants\r\n"
    "memoire;Atelier mémoire;;;le 1er et 3e jeudi du mois 10:00-12:00;31/02/2027;;"
    "Médiathèque;;;;;;oui;;\r\n"
    ";Loto;;;14/11/2026 14h30-17h;;;Salle des fêtes;;;;;;oui;;\r\n"
)


def test_a_french_excel_file_in_windows_1252_with_a_bad_line():
    entries = read_csv(FRENCH_FILE.encode("cp1252"))
    assert [entry.position for entry in entries] == [2, 4, 5]
    knitting, bad, loto = entries
    assert isinstance(knitting, SourceItem)
    assert knitting.external_id == "tricot"
    assert knitting.activity["title"] == "Atelier tricot"
    assert knitting.activity["summary"] == "Tricoter ensemble."
    assert knitting.activity["categories"] == ["Loisirs créatifs", "convivialite"]
    assert knitting.activity["audiences"] == ["seniors", "caregivers"]
    assert (knitting.activity["is_free"], knitting.activity["price_min"]) == (False, "2.50")
    assert knitting.activity["kind"] == "club"
    assert knitting.place == {
        "name": "Maison de quartier",
        "address": "12 rue Paul Bert",
        "postal_code": "69003",
        "city": "Lyon",
        "lat": 45.7578,
        "lng": 4.832,
    }
    assert knitting.schedules == [
        {
            "rrule": "FREQ=WEEKLY;BYDAY=TU",
            "dates": [],
            "start_time": "14:00",
            "end_time": "16:00",
            "timezone": "Europe/Paris",
            "valid_from": "2026-10-06",
            "valid_to": "2027-06-30",
            "exdates": [],
        }
    ]
    # The description spans two lines of the file: the next row is line 4, not 3.
    assert isinstance(bad, SourceError)
    assert bad.external_id == "memoire"
    assert "Date de debut" in bad.message and "31/02/2027" in bad.message
    # A list of dates, no id: a one-off event whose id is a hash of its fields.
    assert loto.activity["kind"] == "event"
    assert loto.schedules[0]["dates"] == ["2026-11-14"]
    assert (loto.schedules[0]["start_time"], loto.schedules[0]["end_time"]) == ("14:30", "17:00")
    assert loto.external_id.startswith("csv-")
    assert read_csv(FRENCH_FILE.encode("cp1252"))[2].external_id == loto.external_id


def test_the_same_file_in_utf8_with_a_bom_reads_the_same():
    assert read_csv(FRENCH_FILE.encode("utf-8-sig")) == read_csv(FRENCH_FILE.encode("cp1252"))


def test_english_headers_comma_separated():
    text = (
        "Title,Schedule,Start date,Place,Latitude,Longitude,Kind,Languages,Attendance mode\n"
        "Chess club,every Wednesday and Friday 2pm-4pm,2026-10-07,Library,45.75,4.84,"
        'Club,"French, English",In person\n'
    )
    (item,) = read_csv(text.encode())
    assert item.activity["languages"] == ["fr", "en"]
    assert item.activity["attendance_mode"] == "in_person"
    assert item.schedules[0]["rrule"] == "FREQ=WEEKLY;BYDAY=WE,FR"
    assert (item.schedules[0]["start_time"], item.schedules[0]["end_time"]) == ("14:00", "16:00")
    assert (item.place["lat"], item.place["lng"]) == (45.75, 4.84)


def test_an_rrule_with_times_in_their_columns():
    text = (
        "titre;horaires;date de début;heure de début;heure de fin;dates exclues;lieu\n"
        'Marche;"FREQ=MONTHLY;BYDAY=-1FR";01/10/2026;9h30;11h;30/10/2026, 27/11/2026;Parc\n'
    )
    (item,) = read_csv(text.encode())
    assert item.schedules[0]["rrule"] == "FREQ=MONTHLY;BYDAY=-1FR"
    assert item.schedules[0]["exdates"] == ["2026-10-30", "2026-11-27"]
    assert (item.schedules[0]["start_time"], item.schedules[0]["end_time"]) == ("09:30", "11:00")


def test_every_problem_of_a_line_is_said_in_the_importer_language():
    text = (
        "titre;horaires;date de début;places;latitude;longitude;type\n"
        "Chorale;toutes les heures 14h-16h;01/10/2026;douze;45,7;;chorale\n"
    )
    with translation.override("fr"):
        (error,) = read_csv(text.encode())
    assert isinstance(error, SourceError) and error.position == 2
    for column in ("places", "longitude", "type", "horaires"):
        assert f"Colonne « {column} »" in error.message, column


def test_a_refused_rule_is_an_error_naming_it():
    text = (
        "titre,horaires,date de début,heure de début,heure de fin\n"
        "Fête,FREQ=YEARLY,01/10/2026,9h,18h\n"
    )
    (error,) = read_csv(text.encode())
    assert isinstance(error, SourceError) and "YEARLY" in error.message


def test_a_missing_title_column_stops_the_file_with_one_error():
    (error,) = read_csv(b"nom;horaires\nA;tous les mardis 14h-16h\n")
    assert error.position == 1 and "titre" in error.message


def test_unknown_columns_are_said_and_the_lines_still_read():
    text = (
        "titre;remarques;date de début;heure de début;heure de fin\n"
        "Repas;à voir;05/12/2026;12h;14h\n"
    )
    unknown, item = read_csv(text.encode())
    assert isinstance(unknown, SourceError) and unknown.position == 1
    assert "remarques" in unknown.message
    assert isinstance(item, SourceItem) and item.schedules[0]["dates"] == ["2026-12-05"]


def test_two_lines_with_the_same_id_are_one_error():
    text = (
        "id;titre;date de début;heure de début;heure de fin\n"
        "a;Un;05/12/2026;12h;14h\n"
        "a;Deux;06/12/2026;12h;14h\n"
    )
    first, second = read_csv(text.encode())
    assert isinstance(first, SourceItem)
    assert isinstance(second, SourceError) and second.position == 3 and "2" in second.message


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_template_reads_back_as_one_valid_item(lang):
    content = template(lang)
    assert content.startswith(b"\xef\xbb\xbf")
    header = content.decode("utf-8-sig").splitlines()[0]
    assert header.split(";") == [column.fr if lang == "fr" else column.en for column in COLUMNS]
    (item,) = read_csv(content)
    assert isinstance(item, SourceItem), item
    assert item.schedules[0]["rrule"] == "FREQ=WEEKLY;BYDAY=TU"


RULES = [
    "FREQ=WEEKLY;BYDAY=TU",
    "FREQ=WEEKLY;BYDAY=MO,TH",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE",
    "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
    "FREQ=DAILY",
    "FREQ=MONTHLY;BYDAY=1TH,3TH",
    "FREQ=MONTHLY;BYDAY=-1FR",
    "FREQ=MONTHLY;BYMONTHDAY=15",
    "FREQ=MONTHLY;BYMONTHDAY=-1",
]


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("rule", RULES)
def test_a_schedule_described_in_words_reads_back_as_its_rule(rule, language):
    start = datetime.date(2026, 10, 6)
    with translation.override(language):
        words = describe(recurrence.describe(rule, dtstart=start, start_time=datetime.time(14)))
    parsed = parse_schedule(words)
    assert parsed.start_time == datetime.time(14)
    assert recurrence.normalize_rrule(parsed.rrule, dtstart=start) == recurrence.normalize_rrule(
        rule, dtstart=start
    ), words


@pytest.mark.parametrize(
    ("phrase", "rule"),
    [
        ("tous les mardis 14h-16h", "FREQ=WEEKLY;BYDAY=TU"),
        ("du lundi au vendredi de 9h à 12h", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
        ("une semaine sur deux le mardi 14h30-16h", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"),
        ("tous les 15 jours le jeudi 10h-12h", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH"),
        ("le samedi et le dimanche 10h-12h", "FREQ=WEEKLY;BYDAY=SA,SU"),
        ("le dernier vendredi du mois 18h-20h", "FREQ=MONTHLY;BYDAY=-1FR"),
        ("le 1er de chaque mois 10h-11h", "FREQ=MONTHLY;BYMONTHDAY=1"),
        ("every other week on Monday 2pm-4pm", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"),
        ("the second and fourth Tuesday of the month 14:00-16:00", "FREQ=MONTHLY;BYDAY=2TU,4TU"),
        ("every Monday and Thursday 9am-11am", "FREQ=WEEKLY;BYDAY=MO,TH"),
        ("Monday to Friday 9:00-12:00", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
        ("en semaine 9h-12h", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
        ("le week-end 10h-12h", "FREQ=WEEKLY;BYDAY=SA,SU"),
        ("l'avant-dernier vendredi du mois 18h-20h", "FREQ=MONTHLY;BYDAY=-2FR"),
        ("un mois sur deux le 1er mardi 14h-16h", "FREQ=MONTHLY;INTERVAL=2;BYDAY=1TU"),
        ("on the 15th of every month 10:00-11:00", "FREQ=MONTHLY;BYMONTHDAY=15"),
        ("the last day of the month 10:00-11:00", "FREQ=MONTHLY;BYMONTHDAY=-1"),
        ("every day 9:00-10:00", "FREQ=DAILY"),
        ("toutes les 2 semaines le mardi 14h-16h", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"),
    ],
)
def test_schedule_phrases(phrase, rule):
    parsed = parse_schedule(phrase)
    assert parsed.rrule == rule
    assert parsed.start_time is not None and parsed.end_time is not None


def test_an_unknown_word_is_refused_never_guessed():
    with pytest.raises(ValueError, match="cafe"):
        parse_schedule("tous les mardis au café 14h-16h")


def test_the_documentation_lists_every_column_in_both_languages():
    doc = (pathlib.Path(settings.BASE_DIR) / "docs" / "import-formats.md").read_text()
    for column in COLUMNS:
        assert f"| `{column.fr}` | `{column.en}` |" in doc, column.key


def test_a_repeating_schedule_without_start_date_starts_today():
    (item,) = read_csv(b"titre;horaires;lieu\nYoga;tous les lundis 10h-11h;Parc\n")
    assert item.schedules[0]["valid_from"] == timezone.localdate().isoformat()


def test_excel_separator_hint_and_blank_lines_before_the_header():
    text = (
        "sep=;\r\n\r\ntitre;date de début;heure de début;heure de fin\r\n"
        "Repas;05/12/2026;12h;14h\r\n"
    )
    (item,) = read_csv(text.encode())
    assert item.position == 4
    assert item.schedules[0]["dates"] == ["2026-12-05"]
    (error,) = read_csv(b"sep=,\nnom,date\n")
    assert error.position == 2  # the header's line, as the spreadsheet numbers it
