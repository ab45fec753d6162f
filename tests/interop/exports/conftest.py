import datetime
from decimal import Decimal

import pytest

from activities import services
from activities.models import Activity
from tests.factories import (
    ActivityFactory,
    OrganizationFactory,
    PlaceFactory,
    UserFactory,
    editor_of,
)


@pytest.fixture
def directory(db):
    """A published club with a weekly schedule and sessions, a published online activity of
    another organization with one-off dates and a price, and what must never be exported:
    a draft, a pending and a rejected activity (of an organization with nothing published),
    and a member's account."""
    organization = OrganizationFactory(
        name="Les Amis du Tricot",
        siren="123456789",
        email="contact@amis-tricot.example",
        phone="02 40 00 00 00",
        website="https://amis-tricot.example",
    )
    editor = editor_of(organization, UserFactory(email="secret.member@example.org"))
    place = PlaceFactory(
        organization=organization,
        name="Maison de quartier",
        address="3 rue des Olivettes",
        postal_code="44000",
        city="Nantes",
        transport_access="Tram 1, arrêt Duchesse Anne",
    )
    club = ActivityFactory(
        organization=organization,
        place=place,
        title="Tricot du mardi",
        summary="On tricote ensemble.",
        registration="required",
        registration_phone="06 00 00 00 00",
        registration_email="inscriptions@amis-tricot.example",
        age_min=16,
    )
    services.schedule_create(
        activity=club,
        by=editor,
        rrule="FREQ=WEEKLY;BYDAY=TU",
        start_time=datetime.time(14),
        end_time=datetime.time(16),
        valid_from=datetime.date.today(),
    )
    other = OrganizationFactory(name="Chorale en ligne")
    online = ActivityFactory(
        organization=other,
        place=None,
        attendance_mode="online",
        title="Chant en visio",
        is_free=False,
        price_min=Decimal("5.00"),
        price_max=Decimal("8.00"),
    )
    services.schedule_create(
        activity=online,
        by=editor_of(other),
        dates=[datetime.date.today() + datetime.timedelta(days=n) for n in (3, 10)],
        start_time=datetime.time(18),
        end_time=datetime.time(19, 30),
        valid_from=datetime.date.today(),
    )
    hidden_org = OrganizationFactory(name="Association cachée")
    hidden = {
        status: ActivityFactory(
            organization=hidden_org,
            place=PlaceFactory(organization=hidden_org),
            title=f"Secret {status}",
            status=status,
        )
        for status in ("draft", "pending", "rejected")
    }
    return {
        "organization": organization,
        "other": other,
        "club": club,
        "online": online,
        "hidden": hidden,
        "hidden_org": hidden_org,
        "editor": editor,
    }


HIDDEN_MARKERS = (
    "Secret draft",
    "Secret pending",
    "Secret rejected",
    "secret.member@",
    "Association cachée",
)


def assert_nothing_hidden(text: str) -> None:
    for marker in HIDDEN_MARKERS:
        assert marker not in text, marker


def reload(activity: Activity) -> Activity:
    return Activity.objects.get(pk=activity.pk)
