"""The demo directory file (activities/data/demo-nantes.json): complete, consistent and
believable, and its relative dates resolved into valid schedules whatever the load date."""

import csv
import dataclasses
import datetime
import difflib
import itertools
import json
import re
import unicodedata
from collections import Counter
from decimal import Decimal

import pytest
from django.utils.text import slugify
from shapely.geometry import Point, shape

from activities import choices, demo, recurrence
from activities.seed import DATA, NANTES_METROPOLE, load_taxonomy

TODAY = datetime.date(2026, 12, 7)
REMOTE = {mode.value for mode in choices.REMOTE_MODES}
ORGANIZATION_KEYS = {
    "name", "kind", "verified", "description", "email", "phone", "website", "siren", "places",
    "activities",
}  # fmt: skip
PLACE_KEYS = {
    "name", "address", "postal_code", "city", "lat", "lng", "transport_access", "wheelchair",
    "accessibility",
}  # fmt: skip
ACTIVITY_KEYS = {
    "external_id", "status", "title", "summary", "description", "kind", "categories", "audiences",
    "age_min", "age_max", "languages", "attendance_mode", "place", "service_area", "is_free",
    "price_min", "price_max", "reduced_price", "registration", "registration_url",
    "registration_phone", "registration_email", "capacity", "intensity", "group_size",
    "schedules",
}  # fmt: skip
RULE_KEYS = {
    "rrule", "start_time", "end_time", "from_day", "to_day", "until_school_year_end",
    "closed_on_holidays", "cancelled_session",
}  # fmt: skip
ONE_OFF_KEYS = {"dates", "start_time", "end_time"}


@pytest.fixture(scope="module")
def directory():
    return demo.demo_directory_read()


@pytest.fixture(scope="module")
def organizations(directory):
    return directory["organizations"]


@pytest.fixture(scope="module")
def activities(organizations):
    """(organization, activity) pairs, in file order."""
    return [(o, a) for o in organizations for a in o["activities"]]


@pytest.fixture(scope="module")
def places(organizations):
    return [(o, p) for o in organizations for p in o["places"]]


@pytest.fixture(scope="module")
def leaves():
    return {child["slug"] for top in load_taxonomy() for child in top["children"]}


@pytest.fixture(scope="module")
def communes():
    """Name -> outline of the communes of Nantes Métropole."""
    with (DATA / "communes-44.csv").open(encoding="utf-8") as handle:
        names = {row["insee"]: row["name"] for row in csv.DictReader(handle)}
    collection = json.loads((DATA / "communes-44.geojson").read_text(encoding="utf-8"))
    return {
        names[f["properties"]["code"]]: shape(f["geometry"])
        for f in collection["features"]
        if f["properties"]["code"] in NANTES_METROPOLE["communes"]
    }


def _resolved(activity: dict, today: datetime.date) -> list[demo.DemoSchedule]:
    return [
        demo.schedule_resolve(s, today=today, timezone="Europe/Paris")
        for s in activity["schedules"]
    ]


def _coming(schedule: demo.DemoSchedule, today: datetime.date) -> list[datetime.date]:
    """Session days after `today` in the occurrence window, exception dates left out."""
    return demo.session_days(
        schedule,
        first=today + datetime.timedelta(days=1),
        last=today + datetime.timedelta(weeks=12),
    )


def test_every_key_is_one_the_loader_reads(directory, organizations, activities, places):
    # The loader takes what it does not find as a default: a misspelt key would be dropped.
    assert set(directory) == {"timezone", "organizations"}
    recurrence.validate_timezone(directory["timezone"])
    for organization in organizations:
        assert set(organization) <= ORGANIZATION_KEYS, organization["name"]
    for _, place in places:
        assert set(place) <= PLACE_KEYS, place["name"]
    for _, activity in activities:
        assert set(activity) <= ACTIVITY_KEYS, activity["external_id"]
        for schedule in activity["schedules"]:
            keys = ONE_OFF_KEYS if "dates" in schedule else RULE_KEYS
            assert set(schedule) <= keys, activity["external_id"]
        # Left-out keys stand for "none": a written null or empty value would be noise.
        assert None not in activity.values() and "" not in activity.values()


def test_counts(organizations, activities):
    assert len(organizations) == 70
    # One activity per thing offered: its days and times are its schedules, not copies of it.
    assert len(activities) >= 230
    assert sum(bool(o["activities"]) for o in organizations) >= 60
    kinds = Counter(o["kind"] for o in organizations)
    assert kinds["municipality"] >= 4 and kinds["association"] >= 40
    assert kinds["social_service"] >= 1 and kinds["health"] >= 1
    verified = Counter(o["verified"] for o in organizations)
    assert verified[True] >= 10 and verified[False] >= 10


def test_identifiers_are_unique_and_linked(organizations, activities):
    names = [o["name"] for o in organizations]
    assert len(set(names)) == len(names)
    # Each organization's owner account is named after it.
    assert len({slugify(name) for name in names}) == len(names)
    ids = [a["external_id"] for _, a in activities]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"nantes-demo-\d{4}", i) for i in ids)
    for organization in organizations:
        place_names = [p["name"] for p in organization["places"]]
        # An organization's venues are told apart by name: the loader finds them by it.
        assert len(set(place_names)) == len(place_names), organization["name"]
        used = {a["place"] for a in organization["activities"] if "place" in a}
        assert used == set(place_names), organization["name"]


def test_organizations(organizations):
    for org in organizations:
        assert org["kind"] in choices.OrganizationKind.values
        assert org["name"] and org["description"]
        siren = org.get("siren", "")
        assert siren == "" or (len(siren) == 9 and siren.isdigit())
        assert org["email"].endswith(".example")
        assert org.get("website", "https://").startswith("https://")
        assert re.fullmatch(r"0\d( \d\d){4}", org["phone"])


def test_every_kind_and_leaf_is_represented(activities, leaves):
    published = [a for _, a in activities if a["status"] == "published"]
    assert {a["kind"] for a in published} == set(choices.ActivityKind.values)
    assert {slug for a in published for slug in a["categories"]} == leaves
    for _, activity in activities:
        categories = activity["categories"]
        assert 1 <= len(categories) <= 3
        assert len(set(categories)) == len(categories)
        assert set(categories) <= leaves, activity["external_id"]


def test_places_lie_in_their_commune(places, communes):
    for _, place in places:
        assert communes[place["city"]].contains(Point(place["lng"], place["lat"])), place["name"]
        assert place["wheelchair"] in choices.WheelchairAccess.values
        assert set(place.get("accessibility", ())) <= set(choices.ACCESSIBILITY_FLAGS)
        assert re.fullmatch(r"44\d{3}", place["postal_code"])
        assert place["name"] and place["address"] and place["transport_access"]
    # A venue name denotes one venue per commune, even when several organizations use it.
    spots = {}
    for _, place in places:
        spot = (place["lat"], place["lng"], place["address"])
        assert spots.setdefault((place["city"], place["name"]), spot) == spot, place["name"]
    in_nantes = sum(p["city"] == "Nantes" for _, p in places)
    assert 0.35 <= in_nantes / len(places) <= 0.65
    assert len({p["city"] for _, p in places}) >= 12
    assert {p["wheelchair"] for _, p in places} == set(choices.WheelchairAccess.values)


def test_attendance_mode_and_place(activities):
    modes = Counter(a["attendance_mode"] for _, a in activities)
    assert set(modes) == set(choices.AttendanceMode.values)
    assert modes["in_person"] > len(activities) / 2
    for _, activity in activities:
        remote = activity["attendance_mode"] in REMOTE
        assert ("place" not in activity) == remote, activity["external_id"]
        if activity["attendance_mode"] in ("at_home", "phone"):
            assert activity["service_area"]
            assert set(activity["service_area"]) <= set(NANTES_METROPOLE["communes"])
        else:
            assert "service_area" not in activity


# Summaries this alike (difflib's ratio, 0..1) say the same thing in other words.
NEAR_IDENTICAL = 0.9


def _comparable(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join(
        re.findall(r"\w+", "".join(c for c in decomposed if not unicodedata.combining(c)))
    )


def test_no_published_activity_is_a_near_duplicate_of_another(activities):
    """A resident is never shown the same thing twice: two published activities of one
    organization at one place (or, without a venue, in one attendance mode) never share a
    summary, even near-identical; another day, time or price is another schedule or price of
    the one activity."""
    where = {}
    for organization, activity in activities:
        if activity["status"] == "published":
            spot = (organization["name"], activity.get("place") or activity["attendance_mode"])
            where.setdefault(spot, []).append(activity)
    for spot, offered in where.items():
        for one, other in itertools.combinations(offered, 2):
            ratio = difflib.SequenceMatcher(
                None, _comparable(one["summary"]), _comparable(other["summary"])
            ).ratio()
            assert ratio < NEAR_IDENTICAL, (spot, one["external_id"], other["external_id"])


def test_texts(activities):
    for _, activity in activities:
        assert activity["title"] and activity["summary"] and activity["description"]
        assert len(activity["summary"]) <= 200
        assert len(activity["title"]) <= 160
        assert "{" not in activity["title"] + activity["summary"] + activity["description"]
        sentences = re.findall(r"[.!?](?:\s|$)", activity["description"])
        assert 2 <= len(sentences) <= 4, activity["description"]
    assert len({a["title"] for _, a in activities}) > len(activities) / 2


def test_vocabularies(activities):
    statuses = Counter(a["status"] for _, a in activities)
    assert set(statuses) == {"published", "pending", "draft"}
    assert statuses["published"] > 0.8 * len(activities)
    for organization, activity in activities:
        if activity["status"] == "pending":
            # A verified organization's submission is published at once: it is never pending.
            assert not organization["verified"], activity["external_id"]
        assert activity["kind"] in choices.ActivityKind.values
        assert activity["attendance_mode"] in choices.AttendanceMode.values
        assert activity["audiences"]
        assert set(activity["audiences"]) <= set(choices.Audience.values)
        assert activity["registration"] in choices.Registration.values
        assert activity["intensity"] in choices.Intensity.values
        assert activity["group_size"] in choices.GroupSize.values
        assert activity["languages"] and set(activity["languages"]) <= set(choices.LANGUAGES)
        if activity["registration"] == "required":
            assert {"registration_url", "registration_phone", "registration_email"} & set(
                activity
            ), activity["external_id"]
    languages = Counter(code for _, a in activities for code in a["languages"])
    assert languages["fr"] > 0.9 * len(activities)
    assert languages["en"] and languages["ar"] and languages["es"] and languages["fcs"]


def test_prices_ages_and_capacity(activities):
    for _, activity in activities:
        prices = [activity.get(k) for k in ("price_min", "price_max", "reduced_price")]
        if activity["is_free"]:
            assert prices == [None, None, None], activity["external_id"]
        else:
            low, high, reduced = (None if p is None else Decimal(p) for p in prices)
            assert low is not None and high is not None
            assert Decimal(0) <= low <= high
            assert reduced is None or Decimal(0) < reduced < low
        age_min, age_max = activity.get("age_min"), activity.get("age_max")
        if age_min is not None and age_max is not None:
            assert age_min <= age_max
        assert all(0 <= age <= 120 for age in (age_min, age_max) if age is not None)
        assert activity.get("capacity", 1) > 0
    free = sum(a["is_free"] for _, a in activities)
    assert 0.5 <= free / len(activities) <= 0.75


def test_schedules_as_written(activities):
    one_off = 0
    for _, activity in activities:
        assert activity["schedules"], activity["external_id"]
        for schedule in activity["schedules"]:
            start = datetime.time.fromisoformat(schedule["start_time"])
            end = datetime.time.fromisoformat(schedule["end_time"])
            assert start < end and 8 <= start.hour <= 21
            if "dates" in schedule:
                assert 1 <= len(schedule["dates"]) <= 3
                # Week 1 at least, so that a date is never before the load date.
                assert all(1 <= d["week"] <= 11 for d in schedule["dates"])
                assert all(d["day"] in demo.WEEKDAYS for d in schedule["dates"])
            else:
                assert schedule["rrule"].startswith("FREQ=")
                assert -200 <= schedule["from_day"] <= 40
                assert schedule.get("to_day", 100) >= 100
                assert schedule.get("cancelled_session", 1) >= 1
                assert not ("to_day" in schedule and "until_school_year_end" in schedule)
                assert not ("closed_on_holidays" in schedule and "cancelled_session" in schedule)
        one_off += "dates" in activity["schedules"][0]
    assert 0.05 <= one_off / len(activities) <= 0.18
    schedules = [s for _, a in activities for s in a["schedules"]]
    rules = [s["rrule"] for s in schedules if "rrule" in s]
    assert any("INTERVAL=2" in r for r in rules)
    assert any(re.search(r"BYDAY=-?\d(MO|TU|WE|TH|FR|SA|SU)", r) for r in rules)
    assert any("BYMONTHDAY" in r for r in rules)
    assert any(r.startswith("FREQ=DAILY") for r in rules)
    for key in ("to_day", "until_school_year_end", "closed_on_holidays", "cancelled_session"):
        assert any(key in s for s in schedules), key


@pytest.mark.parametrize(
    "today",
    [
        TODAY,
        datetime.date(2027, 3, 27),  # a Saturday, the eve of the clock change
        datetime.date(2027, 7, 4),  # a Sunday, in the summer break
        datetime.date(2027, 12, 20),  # before Christmas
        datetime.date(2028, 2, 29),
    ],
)
def test_any_load_date_gives_valid_schedules_and_coming_sessions(activities, today):
    horizon = today + datetime.timedelta(weeks=12)
    for _, activity in activities:
        resolved = _resolved(activity, today)
        for schedule, written in zip(resolved, activity["schedules"], strict=True):
            if schedule.rrule:
                recurrence.normalize_rrule(
                    schedule.rrule, dtstart=schedule.valid_from, timezone=schedule.timezone
                )
            else:
                assert all(today < d <= horizon for d in schedule.dates)
                assert [demo.WEEKDAYS[d.weekday()] for d in schedule.dates] == [
                    d["day"] for d in written["dates"]
                ]
            if schedule.valid_to is not None:
                assert schedule.valid_from <= schedule.valid_to
        if activity["status"] == "published":
            assert any(_coming(s, today) for s in resolved), activity["external_id"]


def test_closed_days_are_french_public_holidays_and_the_christmas_break():
    days = demo.closed_days(2027)
    # Easter 2027 is on 28 March: Monday, Ascension and Whit Monday follow from it.
    for day in ((3, 29), (5, 6), (5, 17), (1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1)):
        assert datetime.date(2027, *day) in days
    assert datetime.date(2027, 12, 22) in days and datetime.date(2027, 12, 31) in days
    assert datetime.date(2027, 1, 3) in days and datetime.date(2027, 1, 4) not in days
    assert datetime.date(2027, 3, 28) not in days  # Easter Sunday is a Sunday anyway
    assert len(days) == 22


def test_relative_rules_resolve_to_what_they_say(activities):
    today = datetime.date(2027, 9, 15)
    seen = Counter()
    for _, activity in activities:
        resolved = _resolved(activity, today)
        for written, schedule in zip(activity["schedules"], resolved, strict=True):
            if "rrule" not in written:
                continue
            assert schedule.valid_from == today + datetime.timedelta(days=written["from_day"])
            without = dataclasses.replace(schedule, exdates=())
            if written.get("until_school_year_end"):
                seen["school"] += 1
                assert schedule.valid_to == datetime.date(2028, 6, 30)
            if written.get("closed_on_holidays"):
                seen["holidays"] += 1
                year = {"first": schedule.valid_from, "last": today + datetime.timedelta(days=365)}
                assert set(schedule.exdates) <= set(demo.session_days(without, **year))
                assert all(d in demo.closed_days(d.year) for d in schedule.exdates)
                kept = demo.session_days(schedule, **year)
                assert not any(d in demo.closed_days(d.year) for d in kept)
            if "cancelled_session" in written:
                coming = _coming(without, today)
                if schedule.exdates:
                    seen["cancelled"] += 1
                    assert schedule.exdates == (coming[written["cancelled_session"] - 1],)
                    assert _coming(schedule, today)
    assert seen["school"] and seen["holidays"] and seen["cancelled"]
    assert demo.school_year_end(datetime.date(2027, 3, 1)) == datetime.date(2027, 6, 30)
    assert demo.school_year_end(datetime.date(2027, 3, 23)) == datetime.date(2028, 6, 30)
