"""Loading the demo directory file through the services: what the file says, once."""

import datetime
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from activities import choices, demo
from activities.demo import DEMO_SOURCE, demo_directory_load, demo_directory_read
from activities.models import Activity, Membership, Occurrence, Organization, Place
from activities.seed import NANTES_METROPOLE

pytestmark = pytest.mark.django_db


def _schedule_order(row: tuple) -> tuple:
    """(valid_from, valid_to, start_time, exdates) in a total order: an activity may have
    several schedules from one day, ending or not."""
    valid_from, valid_to, start_time, exdates = row
    return valid_from, start_time, valid_to or datetime.date.max, exdates


def test_the_demo_directory_loads_once_as_written_and_is_served(client):
    today = timezone.localdate()
    directory = demo_directory_read()
    written = {
        a["external_id"]: (o, a) for o in directory["organizations"] for a in o["activities"]
    }

    first = demo_directory_load(today=today)
    assert first == {
        "organizations": len(directory["organizations"]),
        "activities_created": len(written),
        "activities_total": len(written),
    }
    counts = (Organization.objects.count(), Place.objects.count(), Occurrence.objects.count())
    again = demo_directory_load(today=today)
    assert again["activities_created"] == 0 and again["activities_total"] == len(written)
    assert (Organization.objects.count(), Place.objects.count(), Occurrence.objects.count()) == (
        counts
    )

    loaded = Activity.objects.filter(source=DEMO_SOURCE).select_related("organization", "place")
    loaded = loaded.prefetch_related("categories", "schedules", "service_area")
    assert Counter(a.status for a in loaded) == Counter(a["status"] for _, a in written.values())
    for activity in loaded:
        organization, entry = written[activity.external_id]
        assert activity.organization.name == organization["name"]
        assert activity.organization.verified == organization["verified"]
        assert activity.title == entry["title"] and activity.kind == entry["kind"]
        assert activity.status == entry["status"], activity.external_id
        assert {c.slug for c in activity.categories.all()} == set(entry["categories"])
        assert sorted(t.insee_code for t in activity.service_area.all()) == sorted(
            entry.get("service_area", ())
        )
        assert activity.price_min == (Decimal(entry["price_min"]) if "price_min" in entry else None)
        assert activity.capacity == entry.get("capacity")
        assert (activity.place.name if activity.place else None) == entry.get("place")
        schedules = [
            demo.schedule_resolve(s, today=today, timezone=directory["timezone"])
            for s in entry["schedules"]
        ]
        assert sorted(
            ((s.valid_from, s.valid_to, s.start_time, s.exdates) for s in activity.schedules.all()),
            key=_schedule_order,
        ) == sorted(
            (
                (s.valid_from, s.valid_to, s.start_time, [d.isoformat() for d in s.exdates])
                for s in schedules
            ),
            key=_schedule_order,
        ), activity.external_id

    # Each organization has its own owner; venues are placed in the métropole's communes.
    owners = Membership.objects.filter(role=choices.MembershipRole.OWNER)
    assert owners.values("user").distinct().count() == len(directory["organizations"])
    places = Place.objects.select_related("territory")
    assert all(p.territory.insee_code in NANTES_METROPOLE["communes"] for p in places)

    published = Activity.objects.filter(source=DEMO_SOURCE, status="published")
    assert set(published.values_list("kind", flat=True)) == set(choices.ActivityKind.values)
    assert not published.filter(published_at__isnull=True).exists()
    # Every published activity has sessions in the coming weeks.
    assert not published.exclude(pk__in=Occurrence.objects.values("activity")).exists()

    listed = client.get("/api/v1/activities/?page_size=100").json()
    assert len(listed["results"]) == 100
    assert listed["next"]
    first_item = listed["results"][0]
    assert first_item["organization"]["name"]
    assert 1 <= len(first_item["next_occurrences"]) <= 3


def test_the_command_reports_what_it_did(capsys):
    call_command("load_demo")
    call_command("load_demo")
    out = capsys.readouterr().out.splitlines()
    assert "(0 new)" in out[-1]
