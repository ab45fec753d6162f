"""End to end: a French spreadsheet imported twice through the runner creates its activities
once, and its bad line is reported with its number, in French, while the others import."""

import datetime

import pytest
import time_machine

from activities.models import Activity
from interop.imports import runner
from tests.factories import OrganizationFactory, editor_of

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2026, 9, 20, 9, tzinfo=datetime.UTC)
SHEET = (
    "identifiant;titre;catégories;horaires;date de début;lieu;adresse;latitude;longitude;"
    "prix minimum\n"
    "tricot;Atelier tricot;Tricot et couture;tous les mardis 14h-16h;06/10/2026;"
    "Maison de quartier;1 rue de la Paix;47,2184;-1,5536;2,50\n"
    "memoire;Atelier mémoire;Ateliers mémoire;le 1er et 3e jeudi du mois 10h-12h;31/02/2026;"
    "Maison de quartier;1 rue de la Paix;47,2184;-1,5536;\n"
    "loto;Loto;Loto et quiz;14/11/2026 14h30-17h;;Maison de quartier;1 rue de la Paix;"
    "47,2184;-1,5536;\n"
)


def test_a_spreadsheet_twice_creates_once_and_reports_its_bad_line():
    organization = OrganizationFactory()
    editor = editor_of(organization)
    data = SHEET.encode("cp1252")
    with time_machine.travel(TODAY, tick=False):

        def run():
            job = runner.import_job_create(
                organization=organization,
                by=editor,
                kind="csv",
                source="agenda.csv",
                data=data,
                language="fr",
            )
            return runner.job_run(job=job)

        first, second = run(), run()
    assert (first.report["created"], second.report["unchanged"]) == (2, 2), str(first.report)
    assert second.report["created"] == second.report["updated"] == 0
    errors = first.report["errors"]
    assert len(errors) == 1, errors
    (error,) = errors
    assert error["position"] == 3 and "31/02/2026" in error["message"]
    assert "Colonne « date de début »" in error["message"]
    knitting = Activity.objects.get(organization=organization, external_id="tricot")
    assert list(knitting.categories.values_list("slug", flat=True)) == ["tricot-couture"]
    assert (knitting.is_free, str(knitting.price_min)) == (False, "2.50")
    assert knitting.occurrences.count() > 5
