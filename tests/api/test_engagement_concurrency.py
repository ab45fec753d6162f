"""Fifty residents register at once for ten seats, on a real multi-threaded server (the
`server` fixture of test_concurrent_writes: PostgreSQL when DATABASE_URL names it, a SQLite
file otherwise): exactly ten going, forty waitlisted in the order they reached the seats'
lock, no one twice. Then one cancels: the first waitlisted is offered the seat and told; the
offer not confirmed in time passes to the next."""

import datetime
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.utils import timezone

from activities import services, signals
from activities.models import Occurrence, Registration
from tests.api.test_concurrent_writes import _request, _token, server  # noqa: F401 (fixture)
from tests.factories import UserFactory, listed_activity

RESIDENTS = 50
SEATS = 10


def test_fifty_concurrent_registrations_fill_ten_seats_then_the_waitlist_in_order(
    server,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    start_at = timezone.now() + datetime.timedelta(days=2)
    activity = listed_activity(47.2184, -1.5536, starts=[start_at])
    occurrence = activity.occurrences.get()
    Occurrence.objects.filter(pk=occurrence.pk).update(capacity=SEATS)
    residents = UserFactory.create_batch(RESIDENTS)
    tokens = [_token(resident) for resident in residents]

    start, read_back = server
    base = start()
    together = threading.Barrier(RESIDENTS)
    path = f"occurrences/{occurrence.pk}/registration/"

    def register(token: str) -> tuple[int, str]:
        together.wait()
        # runserver's listen queue is short: a connection it resets is tried again, as a
        # phone would (registering again answers the same registration).
        for _attempt in range(5):
            try:
                return _request(base, "POST", path, token, {})
            except ConnectionError:
                time.sleep(0.2)
        return 0, "connection reset five times"

    with ThreadPoolExecutor(max_workers=RESIDENTS) as pool:
        answers = list(pool.map(register, tokens))
    assert {status for status, _body in answers} <= {200, 201}, answers
    read_back()

    statuses = [json.loads(body)["status"] for _status, body in answers]
    assert statuses.count("going") == SEATS
    assert statuses.count("waitlisted") == RESIDENTS - SEATS
    rows = list(Registration.objects.filter(occurrence=occurrence).order_by("position"))
    assert len(rows) == RESIDENTS
    assert len({row.user_id for row in rows}) == RESIDENTS  # no one twice
    assert [row.position for row in rows] == list(range(1, RESIDENTS + 1))
    # The first ten to reach the lock went; the others wait in the order they reached it.
    assert [row.status for row in rows] == ["going"] * SEATS + ["waitlisted"] * (RESIDENTS - SEATS)
    assert [row.created_at for row in rows] == sorted(row.created_at for row in rows)
    assert Occurrence.objects.get(pk=occurrence.pk).seats_taken == SEATS

    # One going resident cancels: the first waitlisted is offered the seat, and told.
    told: list[int] = []

    def receive(sender, registration, **kwargs):
        told.append(registration.pk)

    signals.seat_offered.connect(receive, weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.registration_cancel(registration=rows[3], by=rows[3].user)
        first_waiting, second_waiting = rows[SEATS], rows[SEATS + 1]
        first_waiting.refresh_from_db()
        assert first_waiting.status == "offered"
        assert told == [first_waiting.pk]

        # Not confirmed in time: the offer passes to the next.
        later = first_waiting.offered_until + datetime.timedelta(seconds=1)
        with django_capture_on_commit_callbacks(execute=True):
            assert services.registration_offers_expire(now=later) == 1
        first_waiting.refresh_from_db()
        second_waiting.refresh_from_db()
        assert first_waiting.status == "cancelled"
        assert second_waiting.status == "offered"
        assert told == [first_waiting.pk, second_waiting.pk]
    finally:
        signals.seat_offered.disconnect(receive)
    going = Registration.objects.filter(occurrence=occurrence, status__in=["going", "offered"])
    assert going.count() == SEATS
    assert Occurrence.objects.get(pk=occurrence.pk).seats_taken == SEATS
