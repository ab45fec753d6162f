import datetime

import pytest
from django.core.management import call_command

from activities import choices
from activities.demo import DEMO_SOURCE, demo_directory_load
from activities.models import Activity, Category, Occurrence, Place
from activities.seed import NANTES_METROPOLE

pytestmark = pytest.mark.django_db


def test_the_demo_directory_loads_once_and_is_served(client):
    today = datetime.date.today()
    first = demo_directory_load(today=today)
    assert first["activities_created"] >= 300
    assert first["organizations"] >= 60

    again = demo_directory_load(today=today)
    assert again["activities_created"] == 0
    assert again["activities_total"] == first["activities_total"]

    published = Activity.objects.filter(source=DEMO_SOURCE, status="published")
    assert set(published.values_list("kind", flat=True)) == set(choices.ActivityKind.values)
    leaves = set(Category.objects.filter(parent__isnull=False).values_list("slug", flat=True))
    assert set(published.values_list("categories__slug", flat=True)) == leaves
    assert published.values("organization").distinct().count() >= 60
    assert all(
        insee in NANTES_METROPOLE["communes"]
        for insee in Place.objects.values_list("territory__insee_code", flat=True)
    )
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
