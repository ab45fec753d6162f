"""The cast of a visiting team: an association and its team, a coordinator (the association's
editor), a fully vetted volunteer near a waiting person, another team's coordinator, a
resident with no role."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.conftest import client_for
from tests.factories import OrganizationFactory, UserFactory, editor_of
from visiting import services, tasks

HOME = (47.2184, -1.5536)  # Nantes centre
NEAR = (47.2200, -1.5500)
ALL_SLOTS = (1 << 21) - 1
VETTED = {
    "charter_signed_on": datetime.date(2026, 1, 5),
    "trained_on": datetime.date(2026, 1, 20),
    "reference_checked_on": datetime.date(2026, 1, 10),
}


def team_of(organization=None, **fields):
    organization = organization or OrganizationFactory()
    coordinator = editor_of(organization)
    fields.setdefault("name", "Équipe Monalisa Nantes Nord")
    return services.team_create(organization=organization, by=coordinator, **fields), coordinator


def volunteer_of(team, coordinator, *, user=None, home=NEAR, vetted=True, **fields):
    fields.setdefault("availability_mask", ALL_SLOTS)
    fields.setdefault("offers", 1)
    fields.setdefault("capacity", 1)
    fields.setdefault("reach_km", 5.0)
    if vetted:
        for name, value in VETTED.items():
            fields.setdefault(name, value)
    return services.volunteer_create(
        team=team, user=user or UserFactory(), by=coordinator, home=home, **fields
    )


def request_of(team, coordinator, *, home=HOME, waited_days=30, **fields):
    fields.setdefault("first_name", "Yvonne")
    fields.setdefault("availability_mask", ALL_SLOTS)
    fields.setdefault("wants", 1)
    fields.setdefault("requested_on", timezone.localdate() - datetime.timedelta(days=waited_days))
    fields.setdefault("access_notes", "Sonner deux fois, elle entend mal.")
    fields.setdefault("address", "3 rue des Lilas, Nantes")
    return services.request_create(
        team=team, by=coordinator, entered_by="coordinator", home=home, **fields
    )


@pytest.fixture
def team_and_coordinator(db):
    return team_of()


@pytest.fixture
def team(team_and_coordinator):
    return team_and_coordinator[0]


@pytest.fixture
def coordinator(team_and_coordinator):
    return team_and_coordinator[1]


@pytest.fixture
def volunteer(team, coordinator):
    return volunteer_of(team, coordinator)


@pytest.fixture
def waiting(team, coordinator):
    return request_of(team, coordinator)


@pytest.fixture
def other_coordinator(db):
    return team_of(name="Autre équipe")[1]


def run_pairing(team, coordinator):
    """A coordinator's run, the task called as the worker would once the request commits
    (the test's transaction never commits)."""
    run = services.pairing_run_request(team=team, by=coordinator)
    tasks.pairing_run_task(run.pk)
    run.refresh_from_db()
    return run


def proposed_pair(team, coordinator):
    return run_pairing(team, coordinator).pairs.get()


def active_pair(team, coordinator):
    pair = proposed_pair(team, coordinator)
    services.pair_transition(pair=pair, to="accepted_by_volunteer", by=pair.volunteer.user)
    return services.pair_transition(pair=pair, to="active", by=coordinator)


@pytest.fixture
def clients(coordinator, volunteer, other_coordinator):
    return {
        "coordinator": client_for(coordinator),
        "volunteer": client_for(volunteer.user),
        "other_coordinator": client_for(other_coordinator),
        "resident": client_for(UserFactory()),
        "anonymous": APIClient(),
    }
