"""The visiting teams of a territory in the curator tool (/curation/): read-only, in scope
only, the queue with its waits and what blocks each person, the volunteers' load, and no
one's name or address."""

import pytest
from django.test import Client
from django.utils import translation

from activities.models import Territory
from tests.curation.moderation_factories import NANTES, REZE, curator_of
from tests.factories import UserFactory
from tests.visiting.conftest import request_of, team_of, volunteer_of
from visiting.admin import BLOCKING_LABELS
from visiting.models import Team

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(team: Team, view: str = "change") -> str:
    base = "/curation/visiting/team/"
    return base if view == "changelist" else f"{base}{team.pk}/change/"


@pytest.fixture
def nantes_team():
    team, coordinator = team_of(territories=[Territory.objects.get(insee_code=NANTES)])
    volunteer_of(team, coordinator, languages_mask=1)  # French only
    request_of(team, coordinator, waited_days=40, first_name="Yvonne", languages_mask=2)
    request_of(team, coordinator, waited_days=10, first_name="Lucien")
    return team


def test_a_curator_of_the_commune_sees_the_queue_and_the_load(nantes_team):
    client = signed_in(curator_of(NANTES))
    listing = client.get(page(nantes_team, "changelist"))
    assert listing.status_code == 200
    [row] = listing.context["cl"].queryset
    assert (row.pk, row.waiting_count) == (nantes_team.pk, 2)

    opened = client.get(page(nantes_team))
    assert opened.status_code == 200
    queue = opened.context["queue"]
    assert [r["waiting_days"] for r in queue] == [40, 10]
    assert queue[0]["blocking"] == BLOCKING_LABELS["no_shared_language"]
    assert queue[1]["blocking"] is None
    html = opened.content.decode()
    with translation.override(opened["Content-Language"]):  # the curator's language
        assert str(BLOCKING_LABELS["no_shared_language"]) in html
    for private in ("Yvonne", "Lucien", "rue des Lilas", "Sonner deux fois"):
        assert private not in html
    [load] = opened.context["load"]
    assert (load.following, load.capacity) == (0, 1)


def test_a_curator_of_another_commune_neither_lists_nor_opens_it(nantes_team):
    client = signed_in(curator_of(REZE))
    assert not client.get(page(nantes_team, "changelist")).context["cl"].queryset.exists()
    assert client.get(page(nantes_team)).status_code == 404


@pytest.mark.parametrize("view", ["changelist", "change"])
def test_a_resident_is_refused_and_an_anonymous_visitor_sent_to_sign_in(nantes_team, view):
    assert signed_in(UserFactory()).get(page(nantes_team, view)).status_code == 403
    response = Client().get(page(nantes_team, view))
    assert response.status_code == 302 and "/curation/login/" in response["Location"]


def test_nothing_is_changed_from_the_curator_tool(nantes_team):
    client = signed_in(curator_of(NANTES))
    before = Team.objects.values().get(pk=nantes_team.pk)
    answer = client.post(page(nantes_team), {"name": "Renommée"})
    assert answer.status_code == 403
    assert Team.objects.values().get(pk=nantes_team.pk) == before
