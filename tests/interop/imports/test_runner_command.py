"""`manage.py import_activities`: the runner from the terminal."""

import io

import pytest
from django.core.management import CommandError, call_command

from activities.models import Activity
from interop.imports import runner
from tests.interop.imports.test_runner_support import (
    STAND_IN,
    as_bytes,
    item,
    organization_with_editor,
)

pytestmark = pytest.mark.django_db


def test_a_file_imported_twice_from_the_terminal(tmp_path, monkeypatch):
    monkeypatch.setitem(runner.READERS, "csv", STAND_IN)
    organization, _editor = organization_with_editor()
    broken = item(3)
    broken.activity["title"] = ""
    path = tmp_path / "agenda.csv"
    path.write_bytes(as_bytes([item(1), item(2), broken]))

    def run(*extra):
        out, err = io.StringIO(), io.StringIO()
        call_command(
            "import_activities", str(path), "--organization", organization.slug,
            "--kind", "csv", "--language", "en", *extra, stdout=out, stderr=err,
        )  # fmt: skip
        return out.getvalue(), err.getvalue()

    first, bar = run("--publish")
    second, _ = run("--publish")

    assert "created 2, updated 0, unchanged 0" in first
    assert "error 4: title:" in first  # the line of the broken row
    assert "3/3" in bar  # the progress bar reached the end
    assert "created 0, updated 0, unchanged 2" in second
    assert set(Activity.objects.values_list("status", flat=True)) == {"published"}


def test_an_unknown_organization_or_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="No organization"):
        call_command("import_activities", "x.csv", "--organization", "nope", "--kind", "csv")
    organization, _editor = organization_with_editor()
    with pytest.raises(CommandError, match="No file"):
        call_command(
            "import_activities", str(tmp_path / "missing.csv"),
            "--organization", organization.slug, "--kind", "csv",
        )  # fmt: skip


def test_the_terminal_gives_default_categories_and_place(tmp_path, monkeypatch):
    from tests.factories import PlaceFactory

    monkeypatch.setitem(runner.READERS, "csv", STAND_IN)
    organization, _editor = organization_with_editor()
    hall = PlaceFactory(organization=organization, name="Salle des fêtes")
    bare = item(1, place=None)
    del bare.activity["categories"]
    path = tmp_path / "agenda.csv"
    path.write_bytes(as_bytes([bare]))
    out = io.StringIO()
    call_command(
        "import_activities", str(path), "--organization", organization.slug, "--kind", "csv",
        "--category", "Danse", "--place", "salle des fêtes", stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    activity = Activity.objects.get()
    assert activity.place == hall
    assert list(activity.categories.values_list("slug", flat=True)) == ["danse"]
    with pytest.raises(CommandError, match="no place named"):
        call_command(
            "import_activities", str(path), "--organization", organization.slug,
            "--kind", "csv", "--place", "Nulle part",
        )  # fmt: skip
