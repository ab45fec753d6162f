"""Bad input to the link, attendance and claim endpoints: a 400 in the one error shape naming
the field, in the caller's language, and nothing written."""

import pytest

from referrals import services
from referrals.models import Person, Referral, ShortlistLink
from tests.bad_input import error_of, fill, send
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CASES = [
    ("referrer", "post", "/api/v1/shortlists/{shortlist}/links/", {"channel": "fax"}, "channel"),
    ("referrer", "post", "/api/v1/shortlists/{shortlist}/links/", {}, "channel"),
    ("referrer", "post", "/api/v1/shortlists/{shortlist}/links/",
     {"channel": "sms", "language": "de"}, "language"),
    ("referrer", "post", "/api/v1/shortlists/{shortlist}/links/",
     {"channel": "sms", "token": "x"}, "token"),
    ("referrer", "get", "/api/v1/shortlists/{shortlist}/sheet.pdf", {"lang": "xx"}, "lang"),
    ("receiver", "post", "/api/v1/referrals/received/{referral}/attended/", {}, "occurrence"),
    ("receiver", "post", "/api/v1/referrals/received/{referral}/attended/",
     {"occurrence": "soon"}, "occurrence"),
    ("receiver", "post", "/api/v1/referrals/received/{referral}/attended/",
     {"occurrence": 0}, "occurrence"),
    ("account", "post", "/api/v1/persons/claim/", {}, "token"),
    ("account", "post", "/api/v1/persons/claim/", {"token": ["a"]}, "token"),
    ("account", "post", "/api/v1/persons/claim/", {"token": "t", "prefill": "maybe"}, "prefill"),
]  # fmt: skip


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("role,method,url,body,field", CASES)
def test_bad_input_is_named_and_changes_nothing(
    clients, shortlist, person, referrer, activity, language, role, method, url, body, field
):
    referral = services.referral_create(person=person, by=referrer, activity=activity)
    client = client_for(UserFactory()) if role == "account" else clients[role]
    names = {"shortlist": shortlist.pk, "referral": referral.pk}
    answer = send(client, method, fill(url, names), body, language)
    assert answer.status_code == 400
    error = error_of(answer, field)
    assert answer["Content-Language"] == language, error
    assert not ShortlistLink.objects.exists()
    assert Referral.objects.get().status == "requested"
    assert Person.objects.get().user is None
