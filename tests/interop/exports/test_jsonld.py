"""`activities/{id}/jsonld/`: schema.org JSON-LD that a JSON-LD processor (pyld) expands to
an EventSeries whose sessions are Events with local dates and their offset."""

import datetime

import pytest
from pyld import jsonld
from rest_framework.test import APIClient

from tests.conftest import client_for

pytestmark = pytest.mark.django_db

SCHEMA = "http://schema.org/"
# schema.org's context, as its published document defines it for these terms: every term in
# the schema.org vocabulary, `@id`s for the properties whose values are links. Served from
# here, as the tests run without a network.
SCHEMA_CONTEXT = {
    "@context": {
        "@vocab": SCHEMA,
        "superEvent": {"@type": "@id"},
        "inScheme": {"@type": "@id"},
        "eventStatus": {"@type": "@id"},
        "eventAttendanceMode": {"@type": "@id"},
        "url": {"@type": "@id"},
    }
}


def _loader(url, options=None):
    assert url.rstrip("/") in ("https://schema.org", "http://schema.org"), url
    return {"contextUrl": None, "documentUrl": url, "document": SCHEMA_CONTEXT}


def expanded(body: dict) -> list[dict]:
    return jsonld.expand(body, {"documentLoader": _loader})


def test_detail_expands_to_an_event_series_with_local_dates(directory):
    club = directory["club"]
    response = APIClient().get(f"/api/v1/activities/{club.pk}/jsonld/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    body = response.json()
    [series] = expanded(body)
    assert series["@type"] == [SCHEMA + "EventSeries"]
    assert series[SCHEMA + "name"][0]["@value"] == "Tricot du mardi"
    events = series[SCHEMA + "subEvent"]
    assert events
    first = events[0]
    assert first["@type"] == [SCHEMA + "Event"]
    start = datetime.datetime.fromisoformat(first[SCHEMA + "startDate"][0]["@value"])
    assert start.utcoffset() in (datetime.timedelta(hours=1), datetime.timedelta(hours=2))
    assert (start.hour, start.minute) == (14, 0)
    assert start == club.occurrences.order_by("start").first().start
    location = series[SCHEMA + "location"][0]
    assert location["@type"] == [SCHEMA + "Place"]
    geo = location[SCHEMA + "geo"][0]
    assert geo[SCHEMA + "latitude"][0]["@value"] == pytest.approx(47.2184)
    address = location[SCHEMA + "address"][0]
    assert address["@type"] == [SCHEMA + "PostalAddress"]
    assert series[SCHEMA + "organizer"][0]["@type"] == [SCHEMA + "Organization"]
    assert (
        series[SCHEMA + "eventAttendanceMode"][0]["@id"]
        == "https://schema.org/OfflineEventAttendanceMode"
    )
    assert series[SCHEMA + "isAccessibleForFree"][0]["@value"] is True
    assert series[SCHEMA + "inLanguage"][0]["@value"] == "fr"
    offer = series[SCHEMA + "offers"][0]
    assert offer[SCHEMA + "price"][0]["@value"] == 0
    schedule = series[SCHEMA + "eventSchedule"][0]
    assert schedule["@type"] == [SCHEMA + "Schedule"]


def test_a_priced_online_activity(directory):
    online = directory["online"]
    body = APIClient().get(f"/api/v1/activities/{online.pk}/jsonld/").json()
    assert body["isAccessibleForFree"] is False
    assert body["offers"][0] == {
        "@type": "Offer",
        "name": "Tarif",
        "price": 5.0,
        "priceCurrency": "EUR",
    }
    assert body["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert "location" not in body
    assert len(body["subEvent"]) == 2
    schedule = body["eventSchedule"][0]
    days = [datetime.date.fromisoformat(d) for d in (schedule["startDate"], schedule["endDate"])]
    assert (days[1] - days[0]).days == 7 and len(schedule["exceptDate"]) == 6


def test_who_reads_it(directory):
    draft = directory["hidden"]["draft"]
    for language in ("en", "fr"):
        response = APIClient().get(
            f"/api/v1/activities/{draft.pk}/jsonld/", HTTP_ACCEPT_LANGUAGE=language
        )
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["error"]["code"] == "not_found"
    from tests.factories import editor_of

    editor = editor_of(draft.organization)
    assert client_for(editor).get(f"/api/v1/activities/{draft.pk}/jsonld/").status_code == 200
    response = client_for(editor).post(f"/api/v1/activities/{draft.pk}/jsonld/", {}, format="json")
    assert response.status_code == 405
