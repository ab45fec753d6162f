"""At once, on a real multi-threaded server (the `server` fixture of test_concurrent_writes:
PostgreSQL when DATABASE_URL names it, a SQLite file otherwise): organizers sending the one
message after a missed first visit send it once; a resident erasing their account while
others register frees their seat without ever exceeding the capacity; of two owners erasing
their accounts at once, one stays the organization's owner."""

import datetime
import json
import threading
from concurrent.futures import ThreadPoolExecutor

from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.utils import timezone

from accounts.models import User
from activities.models import Membership, Occurrence, Registration
from notifications.models import Notification
from tests.api.test_concurrent_writes import _request, _token, server  # noqa: F401 (fixture)
from tests.factories import (
    DEFAULT_PASSWORD,
    OrganizationFactory,
    UserFactory,
    editor_of,
    listed_activity,
)

SENDERS = 8
NEWCOMERS = 8


def test_concurrent_follow_ups_send_one_message(server):  # noqa: F811
    activity = listed_activity(
        47.2184, -1.5536, starts=[timezone.now() + datetime.timedelta(days=1)]
    )
    occurrence = activity.occurrences.get()
    resident = UserFactory()
    registration = Registration.objects.create(
        user=resident,
        activity=activity,
        occurrence=occurrence,
        status="no_show",
        position=1,
        first_visit=True,
    )
    editors = [editor_of(activity.organization) for _ in range(SENDERS)]
    tokens = [_token(editor) for editor in editors]
    start, read_back = server
    base = start()
    together = threading.Barrier(SENDERS)

    def send(token: str) -> tuple[int, str]:
        together.wait()
        return _request(base, "POST", f"registrations/{registration.pk}/follow-up/", token, {})

    with ThreadPoolExecutor(max_workers=SENDERS) as pool:
        answers = list(pool.map(send, tokens))
    read_back()
    statuses = sorted(status for status, _body in answers)
    assert statuses == [201] + [409] * (SENDERS - 1), answers
    codes = {json.loads(body)["error"]["code"] for status, body in answers if status == 409}
    assert codes == {"already_followed_up"}
    assert Notification.objects.filter(user=resident, kind="visit_follow_up").count() == 1
    assert Registration.objects.get(pk=registration.pk).followed_up_at is not None


def test_an_erasure_while_others_register_keeps_the_capacity(server):  # noqa: F811
    activity = listed_activity(
        47.2184, -1.5536, starts=[timezone.now() + datetime.timedelta(days=2)]
    )
    occurrence = activity.occurrences.get()
    Occurrence.objects.filter(pk=occurrence.pk).update(capacity=1)
    leaving, waiting = UserFactory(), UserFactory()
    # The server hashes as production does, not with the tests' fast hasher.
    leaving.password = PBKDF2PasswordHasher().encode(DEFAULT_PASSWORD, "saltsalt", iterations=1000)
    leaving.save(update_fields=["password"])
    for position, (user, status) in enumerate([(leaving, "going"), (waiting, "waitlisted")], 1):
        Registration.objects.create(
            user=user, activity=activity, occurrence=occurrence, status=status, position=position
        )
    Occurrence.objects.filter(pk=occurrence.pk).update(seats_taken=1)
    newcomers = UserFactory.create_batch(NEWCOMERS)
    start, read_back = server
    base = start()
    together = threading.Barrier(NEWCOMERS + 1)
    path = f"occurrences/{occurrence.pk}/registration/"
    # Tokens are made here, one thread: making one writes a row, and the threads' writes
    # would meet the server's in the test database rather than in the server.
    tokens = {user.pk: _token(user) for user in [leaving, *newcomers]}

    def act(user) -> tuple[int, str]:
        together.wait()
        if user is leaving:
            return _request(base, "DELETE", "me/", tokens[user.pk], {"password": DEFAULT_PASSWORD})
        return _request(base, "POST", path, tokens[user.pk], {})

    with ThreadPoolExecutor(max_workers=NEWCOMERS + 1) as pool:
        answers = dict(
            zip(["leaving", *range(NEWCOMERS)], pool.map(act, [leaving, *newcomers]), strict=True)
        )
    read_back()
    assert all(answers[n][0] == 201 for n in range(NEWCOMERS)), answers
    assert answers["leaving"][0] == 204, answers["leaving"]
    assert not User.objects.filter(pk=leaving.pk).exists()
    rows = Registration.objects.filter(occurrence=occurrence)
    holding = rows.filter(status__in=["going", "offered"])
    assert holding.count() == 1
    assert Occurrence.objects.get(pk=occurrence.pk).seats_taken == 1
    # The resident who waited before them is offered the seat (no newcomer overtakes them),
    # and every newcomer waits, in order.
    assert holding.get().user_id == waiting.pk and holding.get().status == "offered"
    newcomer_rows = rows.exclude(user=waiting).order_by("position")
    assert [row.status for row in newcomer_rows] == ["waitlisted"] * NEWCOMERS
    positions = list(rows.order_by("position").values_list("position", flat=True))
    assert len(set(positions)) == len(positions) == NEWCOMERS + 1


def test_two_owners_erasing_at_once_leave_the_organization_one(server):  # noqa: F811
    organization = OrganizationFactory()
    owners = [UserFactory(), UserFactory()]
    for owner in owners:
        editor_of(organization, owner, role="owner")
        # The server hashes as production does, not with the tests' fast hasher.
        owner.password = PBKDF2PasswordHasher().encode(
            DEFAULT_PASSWORD, "saltsalt", iterations=1000
        )
        owner.save(update_fields=["password"])
    editor_of(organization)
    start, read_back = server
    base = start()
    together = threading.Barrier(len(owners))
    tokens = {owner.pk: _token(owner) for owner in owners}  # one thread, as above

    def erase(owner) -> tuple[int, str]:
        together.wait()
        return _request(base, "DELETE", "me/", tokens[owner.pk], {"password": DEFAULT_PASSWORD})

    with ThreadPoolExecutor(max_workers=len(owners)) as pool:
        answers = list(pool.map(erase, owners))
    read_back()
    assert sorted(status for status, _body in answers) == [204, 409], answers
    (refused,) = [json.loads(body) for status, body in answers if status == 409]
    assert refused["error"]["code"] == "last_owner"
    assert Membership.objects.filter(organization=organization, role="owner").count() == 1
    assert User.objects.filter(pk__in=[owner.pk for owner in owners]).count() == 1
