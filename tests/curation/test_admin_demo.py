"""The demo curator that `make run` creates: an account of "Nantes Métropole" curating the
intercommunality, with a password generated once, kept and printed."""

import io
import stat

import pytest
from django.core.management import call_command
from django.test import Client

from activities.models import Membership, Organization, Territory
from curation.demo import DEMO_CURATOR_EMAIL, demo_curator_ensure, demo_curator_password
from curation.scope import curator_scope

pytestmark = pytest.mark.django_db
PASSWORD = "curatrice-de-demo-2026"


def test_the_demo_curator_curates_nantes_metropole_and_its_communes():
    curator = demo_curator_ensure(password=PASSWORD)
    assert curator.created
    assert curator.territory.insee_code == "244400404"
    assert curator.organization.name == "Nantes Métropole"
    assert list(curator.organization.territories.all()) == [curator.territory]
    scope = curator_scope(curator.user)
    assert scope.is_curator
    assert scope.covers(Territory.objects.get(insee_code="44143").pk)  # Rezé
    assert not scope.covers(Territory.objects.get(insee_code="44184").pk)  # Saint-Nazaire


def test_creating_it_again_changes_nothing_but_the_password():
    first = demo_curator_ensure(password=PASSWORD)
    again = demo_curator_ensure(password="un-autre-mot-de-passe-2026")
    assert not again.created
    assert (again.user.pk, again.organization.pk) == (first.user.pk, first.organization.pk)
    assert Organization.objects.filter(name="Nantes Métropole").count() == 1
    assert Membership.objects.filter(user=first.user).count() == 1
    again.user.refresh_from_db()
    assert again.user.check_password("un-autre-mot-de-passe-2026")


def test_the_password_is_generated_once_and_kept_for_its_owner_only(tmp_path):
    path = tmp_path / ".demo" / "curator-password"
    password = demo_curator_password(path)
    assert len(password) >= 12
    assert demo_curator_password(path) == password
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_command_prints_how_to_sign_in_and_the_account_signs_in(tmp_path, monkeypatch):
    from curation.management.commands import load_demo_curator

    monkeypatch.setattr(load_demo_curator, "DEMO_CURATOR_PASSWORD_FILE", tmp_path / "password")
    out = io.StringIO()
    call_command("load_demo_curator", "--url", "http://127.0.0.1:8000/curation/", stdout=out)
    password = (tmp_path / "password").read_text().strip()
    printed = out.getvalue()
    assert DEMO_CURATOR_EMAIL in printed and password in printed
    assert "http://127.0.0.1:8000/curation/" in printed
    client = Client()
    response = client.post(
        "/curation/login/?next=/curation/",
        {"username": DEMO_CURATOR_EMAIL, "password": password},
    )
    assert response.status_code == 302 and response["Location"] == "/curation/"
    # Run again (the next `make run`): the same password, still one account.
    call_command("load_demo_curator", stdout=io.StringIO())
    assert (tmp_path / "password").read_text().strip() == password
