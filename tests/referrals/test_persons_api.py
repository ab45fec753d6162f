"""`persons/`: only the referrers of the organization holding a record read or change it;
every read is in the access log; refused writes change nothing; errors speak the caller's
language."""

import pytest

from referrals.choices import PersonView
from referrals.models import AccessLog, Consent, Person

pytestmark = pytest.mark.django_db

LIST = "/api/v1/persons/"


def detail(person):
    return f"/api/v1/persons/{person.pk}/"


NEW = {
    "first_name": "Marcel",
    "phone": "+33611223344",
    "home": {"lat": 47.21843, "lng": -1.55362},
    "mobility": "walks_little",
    "step_free": True,
    "languages": ["fr", "ar"],
    "availability": ["tue_afternoon", "thu_afternoon"],
    "interests": {"tricot-couture": 1.0},
    "budget_max": "5.00",
    "notes": "Aidant de son épouse.",
}


def test_a_referrer_records_a_person_with_a_coarse_home(clients, social_service):
    answer = clients["referrer"].post(LIST, NEW, format="json")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["organization"] == social_service.slug
    # The exact point is never stored: the centre of its cell is.
    assert body["home"] != NEW["home"]
    assert abs(body["home"]["lat"] - 47.21843) < 0.01
    assert body["max_distance_km"] == 0.8  # walks a little
    assert body["languages"] == ["fr", "ar"]
    assert body["consents"] == []
    person = Person.objects.get(pk=body["id"])
    assert person.home_lat != NEW["home"]["lat"] and person.home_cell


@pytest.mark.parametrize("role", ["other_referrer", "receiver", "resident", "curator", "anonymous"])
def test_no_one_else_records_a_person(clients, social_service, role):
    answer = clients[role].post(LIST, {**NEW, "organization": social_service.slug}, format="json")
    assert answer.status_code == (401 if role == "anonymous" else 403)
    assert set(answer.json()["error"]) == {"code", "message", "fields"}
    assert not Person.objects.exists()


def test_a_referrer_of_an_unverified_organization_may_not_refer(clients, referrer):
    from tests.referrals.conftest import referrer_of, referring_organization

    unverified = referring_organization(verified=False)
    answer = clients["other_referrer"].post(
        LIST, {**NEW, "organization": unverified.slug}, format="json"
    )
    assert answer.status_code == 403
    referrer_of(unverified, user=referrer)
    answer = clients["referrer"].post(LIST, {**NEW, "organization": unverified.slug}, format="json")
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "not_a_referrer"
    assert not Person.objects.exists()


def test_an_association_editor_is_no_referrer_even_with_the_role_elsewhere(clients, association):
    # An association is not a referring kind: a referrer role there gives nothing.
    from tests.conftest import client_for
    from tests.factories import UserFactory, editor_of

    user = editor_of(association, user=UserFactory(), role="referrer")
    assert client_for(user).get(LIST).status_code == 403


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("referrer", 200),
        ("other_referrer", 404),
        ("receiver", 403),
        ("resident", 403),
        ("curator", 403),
        ("anonymous", 401),
    ],
)
def test_who_reads_a_person(clients, person, role, status):
    answer = clients[role].get(detail(person))
    assert answer.status_code == status
    if status == 200:
        assert answer.json()["notes"] == "Veuve depuis peu, sort peu."
    logged = AccessLog.objects.filter(person=person, view=PersonView.DETAIL)
    assert logged.count() == (1 if status == 200 else 0)


def test_the_list_shows_only_the_organizations_own_and_logs_each_read(
    clients, person, referrer, other_referrer
):
    from tests.referrals.conftest import person_of

    theirs = person_of(other_referrer.organizations.get(), other_referrer)
    answer = clients["referrer"].get(LIST)
    assert answer.status_code == 200
    assert [p["id"] for p in answer.json()["results"]] == [person.pk]
    entry = AccessLog.objects.get()
    assert (entry.person_id, entry.user_id, entry.view) == (person.pk, referrer.pk, "list")
    answer = clients["other_referrer"].get(LIST)
    assert [p["id"] for p in answer.json()["results"]] == [theirs.pk]


@pytest.mark.parametrize("role", ["other_referrer", "receiver", "resident", "curator", "anonymous"])
def test_refused_changes_change_nothing(clients, person, role):
    assert clients[role].patch(detail(person), {"first_name": "X"}, format="json").status_code in (
        401,
        403,
        404,
    )
    assert clients[role].delete(detail(person)).status_code in (401, 403, 404)
    person.refresh_from_db()
    assert person.first_name == "Jeanne"


def test_a_referrer_changes_a_record(clients, person):
    answer = clients["referrer"].patch(
        detail(person), {"homebound": True, "home": None}, format="json"
    )
    assert answer.status_code == 200
    assert answer.json()["homebound"] is True and answer.json()["home"] is None


def test_bad_input_is_refused_in_the_callers_language(clients):
    bad = {"first_name": "", "languages": ["xx"], "colour": "blue", "max_distance_km": 99}
    answer = clients["referrer"].post(LIST, bad, format="json", HTTP_ACCEPT_LANGUAGE="fr")
    assert answer.status_code == 400
    fields = answer.json()["error"]["fields"]
    assert {"first_name", "colour", "max_distance_km"} <= set(fields)
    assert any(name.startswith("languages") for name in fields)
    assert fields["colour"] == ["Champ inconnu."]
    answer = clients["referrer"].post(LIST, bad, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert answer.json()["error"]["fields"]["colour"] == ["Unknown field."]
    assert not Person.objects.exists()


def test_consent_is_recorded_once_and_withdrawn(clients, social_service, referrer):
    from tests.referrals.conftest import person_of

    person = person_of(social_service, referrer, consent=False)
    url = f"{detail(person)}consents/"
    given = {"scope": "contact", "method": "written"}
    first = clients["referrer"].post(url, given, format="json")
    assert first.status_code == 201
    again = clients["referrer"].post(url, given, format="json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert clients["other_referrer"].post(url, given, format="json").status_code == 404
    assert clients["receiver"].post(url, given, format="json").status_code == 403
    withdraw = f"{url}{first.json()['id']}/withdraw/"
    assert clients["other_referrer"].post(withdraw).status_code == 404
    assert Consent.objects.get().withdrawn_at is None
    answer = clients["referrer"].post(withdraw)
    assert answer.status_code == 200 and answer.json()["withdrawn_at"] is not None
    consent = Consent.objects.get()
    assert consent.recorded_by == referrer and consent.withdrawn_by == referrer


def test_a_consent_cannot_be_dated_in_the_future(clients, person):
    answer = clients["referrer"].post(
        f"{detail(person)}consents/",
        {"scope": "follow_up", "method": "oral", "given_at": "2999-01-01T10:00:00Z"},
        format="json",
    )
    assert answer.status_code == 400
    assert "given_at" in answer.json()["error"]["fields"]


def test_the_access_log_is_read_by_the_holding_organizations_referrers_only(
    clients, person, referrer
):
    clients["referrer"].get(detail(person))
    clients["referrer"].get(f"{detail(person)}export/")
    answer = clients["referrer"].get("/api/v1/persons/access-log/")
    assert answer.status_code == 200
    views = [(e["person"], e["view"], e["user"]) for e in answer.json()["results"]]
    assert views == [(person.pk, "export", referrer.email), (person.pk, "detail", referrer.email)]
    assert clients["other_referrer"].get("/api/v1/persons/access-log/").json()["results"] == []
    for role in ("receiver", "resident", "curator"):
        assert clients[role].get("/api/v1/persons/access-log/").status_code == 403
    assert clients["anonymous"].get("/api/v1/persons/access-log/").status_code == 401
