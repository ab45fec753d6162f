"""A shortlist's link: sent by SMS (to the fake provider on loopback) or email with the
person's consent, unguessable, expiring and revocable; its state seen by the referrer only."""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from notifications import backends
from referrals import links, selectors, services
from referrals.choices import ConsentScope
from referrals.models import Referral, ShortlistLink
from tests.referrals.conftest import person_of, shortlist_for

pytestmark = pytest.mark.django_db

URL_IN_TEXT = re.compile(r"https://relier\.example/s/([A-Za-z0-9_-]{43})")


def send(clients, shortlist, role="referrer", **body):
    return clients[role].post(
        f"/api/v1/shortlists/{shortlist.pk}/links/", {"channel": "sms", **body}, format="json"
    )


def test_the_link_goes_by_sms_to_the_provider_and_opens_the_page(
    clients, shortlist, person, sms_provider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = send(clients, shortlist, language="en")
    assert answer.status_code == 201, answer.json()
    assert answer.json()["delivery"] == "pending" and answer.json()["state"] == "active"
    assert "token" not in answer.json()

    [sms] = sms_provider.received
    assert sms["to"] == "+33612345678" and sms["from"] == "Relier"
    assert "Hello Jeanne" in sms["text"]
    token = URL_IN_TEXT.search(sms["text"]).group(1)

    link = ShortlistLink.objects.get()
    # Only the token's digest is kept; the token needs the secret key to be computed again.
    assert token not in (link.salt, link.token_digest) and link.token_digest == links.digest_of(
        token
    )
    assert selectors.link_by_token(token) == link
    page = clients["anonymous"].get(f"/s/{token}")
    assert page.status_code == 200
    assert shortlist.items.get().activity.title in page.content.decode()

    state = clients["referrer"].get(f"/api/v1/shortlists/{shortlist.pk}/").json()
    [seen] = state["links"]
    assert seen["delivery"] == "sent" and seen["sent_at"] is not None
    assert seen["first_opened_at"] is not None and seen["expires_at"] > seen["created_at"]
    expires = datetime.datetime.fromisoformat(seen["expires_at"])
    assert abs(expires - link.created_at - datetime.timedelta(days=30)) < datetime.timedelta(
        seconds=5
    )


def test_a_token_cannot_be_guessed_or_altered(shortlist, referrer):
    link = services.shortlist_link_send(shortlist=shortlist, by=referrer, channel="sms")
    token = services.link_token(link)
    assert len(token) == 43  # 256 bits of HMAC-SHA256, base64url
    other = services.shortlist_link_send(shortlist=shortlist, by=referrer, channel="sms")
    assert services.link_token(other) != token
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    for wrong in (flipped, token[:-1], token + "A", "../" + token[3:], ""):
        assert selectors.link_by_token(wrong) is None


def test_sending_needs_consent_and_an_address(
    clients, social_service, referrer, activity, sms_provider
):
    person = person_of(social_service, referrer, phone="", email="")
    shortlist = shortlist_for(person, referrer, [activity])
    answer = send(clients, shortlist)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "no_address"
    consent = person.consents.get(scope=ConsentScope.REFERRAL)
    services.consent_withdraw(consent=consent, by=referrer)
    answer = send(clients, shortlist, channel="email")
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "consent_required"
    assert not ShortlistLink.objects.exists() and not sms_provider.received


@pytest.mark.parametrize(
    "role,status",
    [("other_referrer", 404), ("receiver", 403), ("resident", 403), ("curator", 403),
     ("anonymous", 401)],
)  # fmt: skip
def test_only_the_holding_organizations_referrer_sends_sees_or_revokes(
    clients, shortlist, referrer, role, status
):
    link = services.shortlist_link_send(shortlist=shortlist, by=referrer, channel="sms")
    base = f"/api/v1/shortlists/{shortlist.pk}"
    assert send(clients, shortlist, role).status_code == status
    assert clients[role].get(f"{base}/").status_code == status
    assert clients[role].post(f"{base}/links/{link.pk}/revoke/").status_code == status
    assert clients[role].get(f"{base}/sheet.pdf").status_code == status
    listed = clients[role].get("/api/v1/shortlists/")
    if status == 404:
        assert listed.status_code == 200 and listed.json()["results"] == []
    else:
        assert listed.status_code == status
    # A refused write changes nothing.
    assert ShortlistLink.objects.count() == 1
    assert ShortlistLink.objects.get().revoked_at is None


def test_a_revoked_or_expired_link_is_gone_and_says_what_to_do(clients, shortlist, referrer):
    link = services.shortlist_link_send(shortlist=shortlist, by=referrer, channel="sms")
    token = services.link_token(link)
    revoked = clients["referrer"].post(f"/api/v1/shortlists/{shortlist.pk}/links/{link.pk}/revoke/")
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    page = clients["anonymous"].get(f"/s/{token}", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 410
    text = page.content.decode()
    assert "no longer open" in text and "call the person who gave you this link" in text
    assert shortlist.person.organization.name in text
    assert page["Cache-Control"] == "no-store, private"

    other = services.shortlist_link_send(shortlist=shortlist, by=referrer, channel="sms")
    ShortlistLink.objects.filter(pk=other.pk).update(expires_at=timezone.now())
    page = clients["anonymous"].get(f"/s/{services.link_token(other)}")
    assert page.status_code == 410 and "Ce lien n’est plus ouvert" in page.content.decode()
    # Answering on a closed link refers nobody.
    gone = Client().post(
        f"/s/{services.link_token(other)}/answer",
        {"activity": shortlist.items.get().activity_id, "answer": "going"},
    )
    assert gone.status_code == 410 and not Referral.objects.exists()


def test_an_unknown_token_is_a_404_page(clients):
    page = clients["anonymous"].get("/s/" + "A" * 43, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 404
    assert "This link does not exist" in page.content.decode()
    assert page["Content-Type"].startswith("text/html")


def test_withdrawing_consent_closes_the_links(clients, shortlist, person, referrer):
    link = services.shortlist_link_send(shortlist=shortlist, by=referrer, channel="sms")
    services.consent_withdraw(consent=person.consents.get(scope=ConsentScope.REFERRAL), by=referrer)
    assert clients["anonymous"].get(f"/s/{services.link_token(link)}").status_code == 410


def test_a_link_is_sent_once_and_a_refusal_is_recorded(shortlist, referrer, sms_provider):
    link = services.shortlist_link_send(shortlist=shortlist, by=referrer, channel="sms")
    assert services.shortlist_link_deliver(link_id=link.pk) == "sent"
    assert services.shortlist_link_deliver(link_id=link.pk) == "sent"
    assert len(sms_provider.received) == 1

    sms_provider.answer_status = 503
    failing = services.shortlist_link_send(shortlist=shortlist, by=referrer, channel="sms")
    assert services.shortlist_link_deliver(link_id=failing.pk) == "failed"
    failing.refresh_from_db()
    assert failing.delivery_error.startswith("sms: 503")


def test_an_email_link_goes_through_the_email_backend(
    shortlist, referrer, settings, tmp_path, mailoutbox
):
    settings.NOTIFICATIONS_EMAIL_BACKEND = "email"
    backends.forget()
    try:
        link = services.shortlist_link_send(
            shortlist=shortlist, by=referrer, channel="email", language="fr"
        )
        assert services.shortlist_link_deliver(link_id=link.pk) == "sent"
    finally:
        backends.forget()
    [mail] = mailoutbox
    assert mail.to == ["jeanne@example.org"]
    assert services.link_url(link) in mail.body and "Bonjour Jeanne" in mail.body
