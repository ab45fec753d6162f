"""The pairing run through the stored path, vetting and safeguarding, the life of a pair,
contacts and the coordinator's queue."""

import datetime

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.errors import Conflict, PermissionDenied, ValidationFailed
from tests.factories import UserFactory
from tests.visiting.conftest import (
    NEAR,
    active_pair,
    proposed_pair,
    request_of,
    run_pairing,
    team_of,
    volunteer_of,
)
from visiting import pairing, selectors, services
from visiting.models import Pair, VisitRequest

pytestmark = pytest.mark.django_db


def test_a_run_proposes_the_vetted_volunteer_with_reasons(team, coordinator, volunteer, waiting):
    pair = proposed_pair(team, coordinator)
    assert (pair.volunteer, pair.request, pair.status) == (volunteer, waiting, "proposed")
    assert dict(map(tuple, pair.reasons))["common_slots"] == 21
    waiting.refresh_from_db()
    assert waiting.status == "paired"
    # A second run proposes nothing more: the person and the volunteer's place are taken.
    run = run_pairing(team, coordinator)
    assert (run.status, run.proposed) == ("done", 0)


def test_a_volunteer_not_fully_vetted_is_never_proposed(team, coordinator, waiting):
    unvetted = volunteer_of(team, coordinator, vetted=True, reference_checked_on=None)
    assert not unvetted.fully_vetted
    run = run_pairing(team, coordinator)
    assert run.proposed == 0 and not Pair.objects.exists()
    [row] = selectors.waiting_list(team=team)
    assert row["blocking"] == "no_vetted_volunteer"
    # The team no longer asking for a reference, the same volunteer is fully vetted.
    team.requires_reference_check = False
    team.save()
    assert proposed_pair(team, coordinator).volunteer == unvetted


def test_a_pair_ended_for_safeguarding_is_never_proposed_again(
    team, coordinator, volunteer, waiting
):
    pair = active_pair(team, coordinator)
    services.pair_transition(pair=pair, to="ended", by=coordinator, reason="safeguarding")
    waiting.refresh_from_db()
    assert (waiting.status, waiting.returned_at is not None) == ("waiting", True)
    run = run_pairing(team, coordinator)
    assert run.proposed == 0
    assert selectors.waiting_list(team=team)[0]["blocking"] == "preferences"
    # Another volunteer is proposed instead.
    other = volunteer_of(team, coordinator)
    assert proposed_pair(team, coordinator).volunteer == other


def test_capacity_counts_the_pairs_a_volunteer_follows(team, coordinator, volunteer):
    request_of(team, coordinator, first_name="A")
    run = run_pairing(team, coordinator)
    assert run.proposed == 1
    request_of(team, coordinator, first_name="B")
    run = run_pairing(team, coordinator)
    assert run.proposed == 0
    assert [r["blocking"] for r in selectors.waiting_list(team=team)] == [
        "every_suitable_volunteer_is_full"
    ]


def test_an_ended_pair_puts_the_person_at_the_head_of_the_queue(team, coordinator, volunteer):
    first = request_of(team, coordinator, first_name="First", waited_days=5)
    pair = active_pair(team, coordinator)
    assert pair.request == first
    request_of(team, coordinator, first_name="Longer", waited_days=300)
    services.pair_transition(pair=pair, to="ended", by=volunteer.user, reason="volunteer_left")
    queue = [row["request"].first_name for row in selectors.waiting_list(team=team)]
    assert queue == ["First", "Longer"]


def test_ending_because_no_longer_needed_leaves_the_queue(team, coordinator, volunteer, waiting):
    pair = active_pair(team, coordinator)
    services.pair_transition(pair=pair, to="ended", by=coordinator, reason="no_longer_needed")
    waiting.refresh_from_db()
    assert waiting.status == "withdrawn"
    assert selectors.waiting_list(team=team) == []


@pytest.mark.parametrize(
    "steps, refused",
    [
        # The volunteer cannot record the person's answer, nor the coordinator the volunteer's.
        ([("volunteer", "accepted_by_person")], PermissionDenied),
        ([("coordinator", "accepted_by_volunteer")], PermissionDenied),
        ([("volunteer", "active")], Conflict),
        ([("coordinator", "accepted_by_person"), ("coordinator", "active")], PermissionDenied),
        ([("stranger", "ended")], PermissionDenied),
    ],
)
def test_refused_transitions_change_nothing(team, coordinator, volunteer, waiting, steps, refused):
    pair = proposed_pair(team, coordinator)
    actors = {"volunteer": volunteer.user, "coordinator": coordinator, "stranger": UserFactory()}
    *allowed, (who, to) = steps
    for actor, status in allowed:
        services.pair_transition(pair=pair, to=status, by=actors[actor])
    before = Pair.objects.get(pk=pair.pk).status
    with pytest.raises(refused):
        services.pair_transition(pair=pair, to=to, by=actors[who], reason="declined")
    assert Pair.objects.get(pk=pair.pk).status == before


def test_the_whole_life_of_a_pair(team, coordinator, volunteer, waiting):
    pair = proposed_pair(team, coordinator)
    services.pair_transition(pair=pair, to="accepted_by_person", by=coordinator)
    pair = services.pair_transition(pair=pair, to="active", by=volunteer.user)
    assert pair.started_at is not None and pair.last_contact_on == timezone.localdate()
    services.pair_transition(pair=pair, to="paused", by=volunteer.user)
    services.pair_transition(pair=pair, to="active", by=coordinator)
    with pytest.raises(ValidationFailed):
        services.pair_transition(pair=pair, to="ended", by=coordinator)
    pair = services.pair_transition(pair=pair, to="ended", by=coordinator, reason="moved_away")
    assert [h.status for h in pair.history.order_by("history_id")] == [
        "proposed", "accepted_by_person", "active", "paused", "active", "ended",
    ]  # fmt: skip


def test_contacts_are_logged_by_the_volunteer_only(team, coordinator, volunteer, waiting):
    pair = proposed_pair(team, coordinator)
    today = timezone.localdate()
    with pytest.raises(Conflict):
        services.contact_log(
            pair=pair, by=volunteer.user, date=today, duration_minutes=60, kind="visit"
        )
    pair = active_pair_from(pair, coordinator)
    with pytest.raises(PermissionDenied):
        services.contact_log(
            pair=pair, by=coordinator, date=today, duration_minutes=60, kind="visit"
        )
    with pytest.raises(ValidationFailed):
        services.contact_log(
            pair=pair,
            by=volunteer.user,
            date=today + datetime.timedelta(days=1),
            duration_minutes=60,
            kind="visit",
        )
    services.contact_log(
        pair=pair, by=volunteer.user, date=today, duration_minutes=45, kind="call", note="Fatiguée"
    )
    assert pair.contacts.get().note == "Fatiguée"


def active_pair_from(pair, coordinator):
    services.pair_transition(pair=pair, to="accepted_by_volunteer", by=pair.volunteer.user)
    return services.pair_transition(pair=pair, to="active", by=coordinator)


def test_only_coordinators_run_the_pairing_and_a_refusal_writes_nothing(
    team, volunteer, waiting, other_coordinator
):
    for user in (volunteer.user, other_coordinator):
        with pytest.raises(PermissionDenied):
            services.pairing_run_request(team=team, by=user)
    assert not team.pairing_runs.exists()


def test_a_relative_records_the_persons_consent(team):
    relative = UserFactory()
    with pytest.raises(ValidationFailed):
        services.request_create(
            team=team, by=relative, entered_by="relative", home=NEAR, first_name="Paul",
            availability_mask=3, wants=2,
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.request_create(
            team=team, by=relative, entered_by="self", home=NEAR, first_name="Paul",
            availability_mask=3, wants=2, priority=3,
        )  # fmt: skip
    request = services.request_create(
        team=team, by=relative, entered_by="relative", home=NEAR, first_name="Paul",
        availability_mask=3, wants=2, consent_method="oral", consent_given_at=timezone.now(),
    )  # fmt: skip
    assert request.requested_on == timezone.localdate() and request.home_lat != NEAR[0]
    assert VisitRequest.objects.count() == 1


# Property: through the stored path, no proposal breaks a hard constraint.
SMALL = dict(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))


@settings(**SMALL)
@given(
    volunteers=st.lists(
        st.tuples(
            st.floats(-0.05, 0.05), st.floats(-0.05, 0.05), st.sampled_from([1.0, 3.0, 8.0]),
            st.integers(1, 7), st.integers(1, 3), st.integers(1, 7), st.integers(1, 2),
            st.booleans(), st.sampled_from(["", "f", "m"]), st.sampled_from(["", "", "f"]),
        ),
        min_size=1, max_size=5,
    ),
    requests=st.lists(
        st.tuples(
            st.floats(-0.05, 0.05), st.floats(-0.05, 0.05), st.integers(1, 7),
            st.integers(1, 3), st.integers(1, 7), st.integers(0, 3),
            st.sampled_from(["", "f", "m"]), st.sampled_from(["", "", "m"]),
        ),
        min_size=1, max_size=6,
    ),
    banned=st.booleans(),
)  # fmt: skip
def test_no_stored_proposal_breaks_a_hard_constraint(volunteers, requests, banned):
    team, coordinator = team_of()
    for lat, lng, reach, slots, languages, offers, capacity, vetted, g, wg in volunteers:
        volunteer_of(
            team, coordinator, home=(47.2 + lat, -1.55 + lng), reach_km=reach,
            availability_mask=slots, languages_mask=languages, offers=offers, capacity=capacity,
            gender=g, wants_gender=wg, vetted=vetted,
        )  # fmt: skip
    for lat, lng, slots, languages, wants, priority, g, wg in requests:
        request_of(
            team, coordinator, home=(47.2 + lat, -1.55 + lng), availability_mask=slots,
            languages_mask=languages, wants=wants, priority=priority, gender=g, wants_gender=wg,
        )  # fmt: skip
    if banned:
        # Every first proposal ends for safeguarding: the next run must not repeat it.
        run = run_pairing(team, coordinator)
        for pair in run.pairs.all():
            services.pair_transition(pair=pair, to="ended", by=coordinator, reason="safeguarding")
    run_pairing(team, coordinator)
    everyone = {v.id: v for v in selectors.solver_volunteers(team=team, only_able=False)}
    followed = {}
    stored = Pair.objects.filter(team=team).exclude(status="ended")
    for pair in stored.select_related("request", "volunteer"):
        [request] = selectors.solver_requests(
            team=team, requests=VisitRequest.objects.filter(pk=pair.request_id)
        )
        volunteer = everyone[pair.volunteer_id]
        # Capacity is checked below on the stored pairs; the volunteer as they were before.
        assert pair.volunteer.fully_vetted
        assert pairing.feasible(
            pairing.Volunteer(**{**volunteer.__dict__, "capacity": 1}), request
        ), pair.reasons
        followed[pair.volunteer_id] = followed.get(pair.volunteer_id, 0) + 1
    for volunteer_id, count in followed.items():
        assert count <= Pair.objects.filter(volunteer_id=volunteer_id).first().volunteer.capacity
