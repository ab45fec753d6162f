"""A small run of the stored pairing benchmark (bench/pairing.py --stored) on the test
database: the instance written as a team, each coordinator's run stores exactly the solver's
proposals for the stored team, and the reset between runs lets the next one pair again."""

import datetime

import pytest

from bench.pairing import instance, store_instance, stored_runs
from visiting import pairing, selectors

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 12, 7)


def test_the_stored_run_writes_the_solvers_proposals():
    team_members, asked = instance(60, 240, 11)
    team, coordinator = store_instance(team_members, asked, today=TODAY)
    assert team.volunteers.count() == 60 and team.requests.count() == 240
    # The solver over the team as stored (homes coarsened), before any run.
    expected = pairing.pair(
        selectors.solver_volunteers(team=team), selectors.solver_requests(team=team, today=TODAY)
    )
    result = stored_runs(team, coordinator, 2, today=TODAY)
    assert result["pairs_stored"] == [len(expected), len(expected)] and expected
    stored = set(team.pairs.values_list("request_id", "volunteer_id"))
    assert stored == {(p.request, p.volunteer) for p in expected}
    assert team.requests.filter(status="paired").count() == len(expected)
