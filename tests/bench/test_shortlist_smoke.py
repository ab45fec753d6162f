"""Smoke run of bench/shortlist.py at a size that takes seconds, so that it cannot rot."""

import datetime

import pytest
from django.utils import timezone

from bench import shortlist
from referrals.models import AccessLog, Person
from tests.factories import listed_activity

NANTES = (47.2184, -1.5536)


@pytest.mark.django_db
def test_persons_are_made_and_their_shortlists_timed():
    soon = timezone.now() + datetime.timedelta(days=1)
    for n in range(20):
        listed_activity(NANTES[0] + 0.002 * (n % 5), NANTES[1] + 0.003 * (n // 5), starts=[soon])
    listed_activity(starts=[soon], attendance_mode="online")
    people = shortlist.persons(6, seed=1)
    assert Person.objects.count() == 6
    assert all(p.consents.filter(scope="referral").exists() for p in people)
    lines = []
    result = shortlist.time_shortlists(people, log=lines.append)
    assert result["persons"] == 6
    assert 0 < result["p50_ms"] <= result["p95_ms"] <= result["max_ms"]
    assert result["mean_items"] > 0  # the online activity fits everyone
    assert lines and "p95_ms" in lines[0]
    # Every shortlist is a logged read: the cold one and one per person.
    assert AccessLog.objects.filter(view="shortlist").count() == 7
    # Made again, the bench's persons are replaced, not added.
    shortlist.persons(2, seed=2)
    assert Person.objects.count() == 2
