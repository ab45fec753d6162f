"""The shortlist of a person is the residents' matcher for a profile that is not a
resident's: every activity offered satisfies every hard constraint, per the independent
checker the residents' engine is tested against, and none is left out while fewer than 20
are offered. Saving keeps only activities offered."""

import datetime
import math
import random

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from activities.models import Territory
from matching import engine
from referrals import services
from referrals.models import AccessLog, Shortlist
from tests.factories import listed_activity
from tests.matching.test_engine_reference import violations
from tests.referrals.conftest import HOME, person_of

pytestmark = pytest.mark.django_db

ALL_SLOTS = (1 << 21) - 1
LANGUAGES = ["fr", "en", "ar"]


def directory(association) -> list:
    """Thirty activities around Nantes, of every attendance mode, access, language, price,
    age limit, audience and weekly time; and two that must never be offered (a draft, and
    one without any session to come)."""
    rng = random.Random(7)
    nantes = list(Territory.objects.filter(insee_code__in=["44109", "44143"]))
    made = []
    for n in range(30):
        mode = rng.choice(engine.MODES)
        venue = mode in ("in_person", "mixed")
        starts = [
            timezone.now() + datetime.timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 12))
        ]
        priced = rng.random() < 0.4
        fields = {
            "organization": association,
            "attendance_mode": mode,
            "languages_mask": rng.choice([1, 1, 3, 5, 2]),
            "audiences_mask": rng.choice([1, 1, 1, 2, 6]),
            "is_free": not priced,
            "price_min": rng.choice([2, 5, 12]) if priced else None,
            "title": f"Activité {n}",
        }
        if rng.random() < 0.2:
            fields["age_min"], fields["age_max"] = 60, 99
        if venue:
            lat = HOME[0] + rng.uniform(-0.05, 0.05)
            lng = HOME[1] + rng.uniform(-0.07, 0.07)
            fields["place_fields"] = {"wheelchair": rng.choice(["full", "none", "partial"])}
            activity = listed_activity(lat, lng, starts=starts, **fields)
        else:
            activity = listed_activity(starts=starts, **fields)
            if mode in ("at_home", "phone") and nantes:
                activity.service_area.set(rng.sample(nantes, rng.randint(0, len(nantes))))
        made.append(activity)
    listed_activity(*HOME, starts=[timezone.now() + datetime.timedelta(days=1)], status="draft",
                    organization=association)  # fmt: skip
    listed_activity(*HOME, starts=[], organization=association)
    return made


def as_candidate(activity) -> dict:
    """An activity as the independent checker states it."""
    prices = [float(p) for p in (activity.price_min, activity.reduced_price) if p is not None]
    ages = None
    if activity.age_min is not None or activity.age_max is not None:
        ages = (activity.age_min or 0, activity.age_max if activity.age_max is not None else 200)
    return {
        "id": activity.pk,
        "lat": activity.lat if activity.lat is not None else math.nan,
        "lng": activity.lng if activity.lng is not None else math.nan,
        "mode": engine.MODES.index(activity.attendance_mode),
        "step_free": activity.place is not None and activity.place.wheelchair == "full",
        "age": ages,
        "audiences": activity.audiences_mask,
        "languages": activity.languages_mask,
        "price": 0.0 if activity.is_free else (min(prices) if prices else 0.0),
        "slots": activity.weekly_slots,
        "category": 0,
        "territories": frozenset(activity.service_area.values_list("pk", flat=True)),
        "needs_interest": False,
    }


def as_resident(person) -> dict:
    """A person as the independent checker states a resident: no age or audiences are kept
    for a referred person."""
    modes = person.attendance_modes or list(engine.MODES)
    if person.homebound:
        modes = [m for m in modes if m in ("online", "at_home", "phone")]
    return {
        "has_home": person.home_lat is not None,
        "lat": person.home_lat if person.home_lat is not None else 0.0,
        "lng": person.home_lng if person.home_lng is not None else 0.0,
        "territory": person.home_territory_id if person.home_territory_id is not None else -1,
        "reach": person.max_distance_km,
        "step_free": person.step_free,
        "homebound": person.homebound,
        "age": -1,
        "audiences": 0,
        "languages": person.languages_mask,
        "budget": math.inf if person.budget_max is None else float(person.budget_max),
        "modes": sum(1 << engine.MODES.index(m) for m in modes),
        "availability": person.availability_mask,
        "interests": [0.0],
        "lonely": False,
        "dismissed": frozenset(),
    }


needs = st.fixed_dictionaries(
    {
        "home": st.one_of(
            st.none(),
            st.tuples(st.floats(47.17, 47.27), st.floats(-1.62, -1.48)),
        ),
        "max_distance_km": st.floats(0.2, 8),
        "step_free": st.booleans(),
        "homebound": st.booleans(),
        "languages_mask": st.integers(1, 7),
        "availability_mask": st.one_of(st.just(ALL_SLOTS), st.integers(0, ALL_SLOTS)),
        "budget_max": st.sampled_from([None, 0, 3, 10]),
        "attendance_modes": st.lists(st.sampled_from(engine.MODES), unique=True, max_size=3),
    }
)


@pytest.fixture
def catalogue(association):
    return {activity.pk: as_candidate(activity) for activity in directory(association)}


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(wanted=needs)
def test_every_shortlisted_activity_meets_every_hard_constraint(
    catalogue, social_service, referrer, wanted
):
    home = wanted.pop("home")
    person = person_of(social_service, referrer, **wanted)
    if home is None:
        services.person_update(person=person, by=referrer, home=None)
    else:
        services.person_update(person=person, by=referrer, home=home)
    person.refresh_from_db()
    items = services.shortlist_compute(person=person, by=referrer, language="fr")
    resident = as_resident(person)
    offered = [item.activity_id for item in items]
    assert len(set(offered)) == len(offered) <= engine.TOP_K
    for activity_id in offered:
        assert activity_id in catalogue  # never the draft, never one without a session
        assert violations(resident, catalogue[activity_id]) == [], catalogue[activity_id]
    feasible = [a for a in catalogue.values() if not violations(resident, a)]
    assert len(offered) == min(len(feasible), engine.TOP_K)
    for item in items:
        assert item.card["id"] == item.activity_id


def test_a_person_with_few_constraints_is_offered_much_of_the_directory(
    catalogue, social_service, referrer
):
    # The property above is not vacuous: this directory has plenty for a mobile person.
    person = person_of(social_service, referrer, max_distance_km=8)
    offered = services.shortlist_compute(person=person, by=referrer, language="fr")
    feasible = [a for a in catalogue.values() if not violations(as_resident(person), a)]
    assert len(feasible) >= 5
    assert len(offered) == min(len(feasible), engine.TOP_K)


def test_the_shortlist_answers_with_cards_and_reasons(clients, person, activity):
    answer = clients["referrer"].get(
        f"/api/v1/persons/{person.pk}/shortlist/", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert answer.status_code == 200
    [item] = answer.json()
    assert item["activity"]["id"] == activity.pk and item["activity"]["title"] == activity.title
    assert item["reasons"] and all(r["text"] for r in item["reasons"])
    assert AccessLog.objects.filter(person=person, view="shortlist").count() == 1


@pytest.mark.parametrize(
    ("role", "status"),
    [("other_referrer", 404), ("receiver", 403), ("resident", 403), ("curator", 403),
     ("anonymous", 401)],
)  # fmt: skip
def test_only_the_referrer_computes_or_saves_a_shortlist(clients, person, activity, role, status):
    url = f"/api/v1/persons/{person.pk}/shortlist/"
    assert clients[role].get(url).status_code == status
    assert clients[role].post(url, {"activities": [activity.pk]}, format="json").status_code == (
        status
    )
    assert not Shortlist.objects.exists()


def test_a_saved_shortlist_keeps_only_what_was_offered(clients, person, activity, association):
    url = f"/api/v1/persons/{person.pk}/shortlist/"
    far = listed_activity(
        HOME[0] + 1, HOME[1], starts=[timezone.now() + datetime.timedelta(days=1)],
        organization=association,
    )  # fmt: skip
    refused = clients["referrer"].post(url, {"activities": [activity.pk, far.pk]}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "not_in_shortlist"
    too_many = clients["referrer"].post(url, {"activities": list(range(1, 12))}, format="json")
    assert too_many.status_code == 400
    assert not Shortlist.objects.exists()
    answer = clients["referrer"].post(
        url, {"activities": [activity.pk], "note": "À essayer mardi"}, format="json"
    )
    assert answer.status_code == 201
    assert answer.json()["items"] == [{"position": 0, "activity": activity.pk}]
    assert Shortlist.objects.get().note == "À essayer mardi"


def test_no_shortlist_without_consent(clients, social_service, referrer, activity):
    person = person_of(social_service, referrer, consent=False)
    answer = clients["referrer"].get(f"/api/v1/persons/{person.pk}/shortlist/")
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "consent_required"


def test_a_person_leaves_no_resident_behind(person, referrer, activity):
    from matching.models import RecommendationSet, ResidentProfile

    services.shortlist_compute(person=person, by=referrer, language="fr")
    assert not ResidentProfile.objects.exists()
    assert not RecommendationSet.objects.exists()
