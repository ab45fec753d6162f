"""The demo directory generator: deterministic, complete and consistent (no database)."""

import json
import re
import time as timer
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from dateutil.rrule import rrulestr
from shapely.geometry import Point

from activities import choices, demo_data

TODAY = date(2025, 11, 21)
REMOTE = {mode.value for mode in choices.REMOTE_MODES}


@pytest.fixture(scope="module")
def directory():
    return demo_data.generate(today=TODAY)


@pytest.fixture(scope="module")
def leaves():
    return {child["slug"] for top in demo_data.load_taxonomy() for child in top["children"]}


@pytest.fixture(scope="module")
def communes():
    return demo_data.load_communes()


def test_generation_is_deterministic_and_fast():
    start = timer.perf_counter()
    first = demo_data.generate(today=TODAY)
    elapsed = timer.perf_counter() - start
    assert first == demo_data.generate(today=TODAY)
    assert elapsed < 2
    assert demo_data.generate(today=TODAY, seed=1) != first


def test_taxonomy_shape(leaves):
    taxonomy = demo_data.load_taxonomy()
    assert 10 <= len(taxonomy) <= 14
    assert 60 <= len(leaves) <= 70
    slugs = [top["slug"] for top in taxonomy] + [
        child["slug"] for top in taxonomy for child in top["children"]
    ]
    assert len(slugs) == len(set(slugs))
    for top in taxonomy:
        assert set(top) == {"slug", "name_fr", "name_en", "icon", "children"}
        assert re.fullmatch(r"[a-z0-9_]+", top["icon"]) and len(top["icon"]) <= 40
        for node in [top, *top["children"]]:
            assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", node["slug"])
            assert node["name_fr"] and node["name_en"]
        for child in top["children"]:
            assert set(child) == {"slug", "name_fr", "name_en"}


def test_metropole_communes_exist(communes):
    assert len(demo_data.NANTES_METROPOLE_INSEE) == 24
    assert len(set(demo_data.NANTES_METROPOLE_INSEE)) == 24
    assert "44109" in demo_data.NANTES_METROPOLE_INSEE
    assert set(demo_data.NANTES_METROPOLE_INSEE) <= set(communes)
    assert communes["44109"][0] == "Nantes"


def test_counts(directory):
    assert len(directory.organizations) == 70
    assert len(directory.activities) >= 300
    organizations_with_activities = {a.organization_slug for a in directory.activities}
    assert len(organizations_with_activities) >= 60
    kinds = Counter(o.kind for o in directory.organizations)
    assert kinds["municipality"] >= 4 and kinds["association"] >= 40
    assert kinds["social_service"] >= 1 and kinds["health"] >= 1
    assert any(o.verified for o in directory.organizations)


def test_identifiers_are_unique_and_linked(directory):
    org_slugs = [o.slug for o in directory.organizations]
    place_keys = [p.key for p in directory.places]
    ids = [a.external_id for a in directory.activities]
    assert len(set(org_slugs)) == len(org_slugs)
    assert len(set(place_keys)) == len(place_keys)
    assert len(set(ids)) == len(ids)
    assert ids[0] == "nantes-demo-0001"
    assert all(re.fullmatch(r"nantes-demo-\d{4}", i) for i in ids)
    assert {p.organization_slug for p in directory.places} <= set(org_slugs)
    assert {a.organization_slug for a in directory.activities} <= set(org_slugs)
    used = {a.place_key for a in directory.activities if a.place_key}
    assert used == set(place_keys)
    # An organization's venues are told apart by name.
    names = Counter((p.organization_slug, p.name) for p in directory.places)
    assert max(names.values()) == 1


def test_organizations(directory):
    for org in directory.organizations:
        assert org.kind in choices.OrganizationKind.values
        assert org.name and org.description
        assert org.siren == "" or (len(org.siren) == 9 and org.siren.isdigit())
        assert org.email.endswith(".example")
        assert org.website == "" or org.website.startswith("https://")
        assert re.fullmatch(r"0\d( \d\d){4}", org.phone)


def test_every_kind_and_leaf_is_represented(directory, leaves):
    published = [a for a in directory.activities if a.status == "published"]
    assert {a.kind for a in published} == set(choices.ActivityKind.values)
    assert {slug for a in published for slug in a.category_slugs} == leaves
    for activity in directory.activities:
        assert 1 <= len(activity.category_slugs) <= 3
        assert len(set(activity.category_slugs)) == len(activity.category_slugs)
        assert set(activity.category_slugs) <= leaves


def test_places_lie_in_their_commune(directory, communes):
    for place in directory.places:
        assert place.insee in demo_data.NANTES_METROPOLE_INSEE
        assert communes[place.insee][1].contains(Point(place.lng, place.lat)), place.key
        assert place.wheelchair in choices.WheelchairAccess.values
        assert set(place.accessibility) <= set(choices.ACCESSIBILITY_FLAGS)
        assert re.fullmatch(r"44\d{3}", place.postal_code)
        assert place.name and place.address and place.city and place.transport
    # A venue name denotes one venue per commune, even when several organizations use it.
    spots = {}
    for place in directory.places:
        spot = spots.setdefault((place.insee, place.name), (place.lat, place.lng, place.address))
        assert spot == (place.lat, place.lng, place.address), place.key
    in_nantes = sum(p.insee == "44109" for p in directory.places)
    assert 0.35 <= in_nantes / len(directory.places) <= 0.65
    assert len({p.insee for p in directory.places}) >= 12
    assert len({p.wheelchair for p in directory.places}) == 3


def test_attendance_mode_and_place(directory):
    place_keys = {p.key for p in directory.places}
    modes = Counter(a.attendance_mode for a in directory.activities)
    assert set(modes) == set(choices.AttendanceMode.values)
    assert modes["in_person"] > len(directory.activities) / 2
    for activity in directory.activities:
        remote = activity.attendance_mode in REMOTE
        assert (activity.place_key is None) == remote, activity.external_id
        if not remote:
            assert activity.place_key in place_keys
        if activity.attendance_mode in ("at_home", "phone"):
            assert activity.service_area_insee
            assert set(activity.service_area_insee) <= set(demo_data.NANTES_METROPOLE_INSEE)
        else:
            assert activity.service_area_insee == ()


def test_texts(directory):
    for activity in directory.activities:
        assert activity.title and activity.summary and activity.description
        assert len(activity.summary) <= 200
        assert len(activity.title) <= 160
        assert "{" not in activity.title + activity.summary + activity.description
        sentences = re.findall(r"[.!?](?:\s|$)", activity.description)
        assert 2 <= len(sentences) <= 4, activity.description
    assert len({a.title for a in directory.activities}) > len(directory.activities) / 2


def test_vocabularies(directory):
    statuses = Counter(a.status for a in directory.activities)
    assert set(statuses) <= set(choices.ActivityStatus.values)
    assert statuses["published"] > 0.8 * len(directory.activities)
    assert statuses["draft"] and statuses["pending"]
    for activity in directory.activities:
        assert activity.kind in choices.ActivityKind.values
        assert activity.attendance_mode in choices.AttendanceMode.values
        assert activity.audiences
        assert set(activity.audiences) <= set(choices.Audience.values)
        assert activity.registration in choices.Registration.values
        assert activity.intensity in choices.Intensity.values
        assert activity.group_size in choices.GroupSize.values
        assert activity.languages and all(
            re.fullmatch(r"[a-z]{2,3}", c) for c in activity.languages
        )
        if activity.registration == "required":
            assert (
                activity.registration_url
                or activity.registration_phone
                or activity.registration_email
            )
    languages = Counter(code for a in directory.activities for code in a.languages)
    assert languages["fr"] > 0.9 * len(directory.activities)
    assert languages["en"] and languages["ar"] and languages["es"] and languages["fcs"]


def test_prices_ages_and_capacity(directory):
    free = 0
    for activity in directory.activities:
        if activity.is_free:
            free += 1
            assert activity.price_min is None and activity.price_max is None
            assert activity.reduced_price is None
        else:
            assert activity.price_min is not None and activity.price_max is not None
            assert Decimal(0) <= activity.price_min <= activity.price_max
            if activity.reduced_price is not None:
                assert Decimal(0) <= activity.reduced_price <= activity.price_min
        if activity.age_min is not None and activity.age_max is not None:
            assert activity.age_min <= activity.age_max
        for age in (activity.age_min, activity.age_max):
            assert age is None or 0 <= age <= 120
        assert activity.capacity is None or activity.capacity > 0
    assert 0.5 <= free / len(directory.activities) <= 0.75


def _upcoming(schedule, today, weeks=12):
    horizon = today + timedelta(weeks=weeks)
    if schedule.rrule is None:
        return [d for d in schedule.dates if today < d <= horizon]
    rule = rrulestr(
        schedule.rrule, dtstart=datetime.combine(schedule.valid_from, schedule.start_time)
    )
    end = min(horizon, schedule.valid_to or horizon)
    found = rule.between(
        datetime.combine(today + timedelta(days=1), schedule.start_time),
        datetime.combine(end, schedule.end_time),
        inc=True,
    )
    return [d.date() for d in found if d.date() not in schedule.exdates]


def test_schedules(directory):
    one_off = 0
    for activity in directory.activities:
        assert activity.schedules
        for schedule in activity.schedules:
            assert schedule.timezone == "Europe/Paris"
            assert schedule.start_time < schedule.end_time
            assert 8 <= schedule.start_time.hour <= 21
            if schedule.valid_to is not None:
                assert schedule.valid_from <= schedule.valid_to
            if schedule.rrule is None:
                assert 1 <= len(schedule.dates) <= 3
                assert all(TODAY < d <= TODAY + timedelta(weeks=12) for d in schedule.dates)
            else:
                assert schedule.rrule.startswith("FREQ=")
                assert schedule.dates == ()
                assert schedule.valid_from >= TODAY - timedelta(days=200)
                assert schedule.valid_from <= TODAY + timedelta(days=40)
        if activity.schedules[0].rrule is None:
            one_off += 1
        if activity.status == "published":
            assert any(_upcoming(s, TODAY) for s in activity.schedules), activity.external_id
    assert 0.05 <= one_off / len(directory.activities) <= 0.18
    rules = [s.rrule for a in directory.activities for s in a.schedules if s.rrule]
    assert any("INTERVAL=2" in r for r in rules)
    assert any(re.search(r"BYDAY=-?\d(MO|TU|WE|TH|FR|SA|SU)", r) for r in rules)
    assert any("BYMONTHDAY" in r for r in rules)
    assert any(r.startswith("FREQ=DAILY") for r in rules)
    assert any(s.exdates for a in directory.activities for s in a.schedules)
    assert any(s.valid_to for a in directory.activities for s in a.schedules)


@pytest.mark.parametrize("today", [date(2026, 3, 2), date(2026, 7, 14), date(2027, 1, 1)])
def test_other_dates_keep_published_activities_upcoming(today):
    directory = demo_data.generate(today=today, seed=7)
    for activity in directory.activities:
        if activity.status == "published":
            assert any(_upcoming(s, today) for s in activity.schedules), activity.external_id


def test_sizes_are_parameters():
    small = demo_data.generate(today=TODAY, n_organizations=20, n_activities=120)
    assert len(small.organizations) == 20
    assert len(small.activities) == 120
    big = demo_data.generate(today=TODAY, n_organizations=100, n_activities=400)
    assert len(big.organizations) == 100
    assert len({o.slug for o in big.organizations}) == 100


def test_taxonomy_file_is_valid_json():
    raw = (demo_data.DATA_DIR / "taxonomy.json").read_text(encoding="utf-8")
    assert json.loads(raw) == demo_data.load_taxonomy()
