"""Bad input on every endpoint of reports and collections, and on the search's `collection`:
one table, as tests/api/test_bad_input.py for the directory.

Each case is sent in French (the default) and in English (`Accept-Language: en`). Each must get
a 4xx in the one error shape naming the field at fault, with messages that are the translation
of each other, and leave every stored row as it was.
"""

from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext

from activities.models import Activity
from curation.models import Collection, CollectionItem, Report
from tests.bad_input import error_of, fill, send
from tests.conftest import client_for
from tests.curation.factories import (
    NANTES,
    CollectionFactory,
    ReportFactory,
    activity_in,
    curator_of,
    with_items,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NUL = "\x00"
REPORT = {"activity": "{activity}", "reason": "wrong_information"}
COLLECTION = {"territory": NANTES, "title": "L'été des aînés"}
ITEMS = "collections/ete-seniors/items/"


def case(name, method, path, body=None, *, field, code=None, who="curator"):
    return pytest.param(method, path, body, field, code, who, id=name)


CASES = [
    # --- reports ----------------------------------------------------------------------------
    case("report-unknown-field", "post", "reports/", {**REPORT, "severity": 3},
         field="severity", code="unknown_field", who="resident"),
    case("report-status-read-only", "post", "reports/", {**REPORT, "status": "dismissed"},
         field="status", code="read_only_field", who="resident"),
    case("report-reporter-read-only", "post", "reports/", {**REPORT, "reporter": None},
         field="reporter", code="read_only_field", who="resident"),
    case("report-reason-bogus", "post", "reports/", {**REPORT, "reason": "boring"},
         field="reason", code="invalid_choice", who="resident"),
    case("report-reason-missing", "post", "reports/", {"activity": "{activity}"},
         field="reason", code="required", who="resident"),
    case("report-activity-text", "post", "reports/", {**REPORT, "activity": "{activity_text}"},
         field="activity", code="invalid_type", who="resident"),
    case("report-activity-bool", "post", "reports/", {**REPORT, "activity": True},
         field="activity", code="invalid_type", who="resident"),
    case("report-activity-huge", "post", "reports/", {**REPORT, "activity": 2**70},
         field="activity", who="resident"),
    case("report-comment-markup", "post", "reports/",
         {**REPORT, "comment": "<script>alert(1)</script>"}, field="comment",
         code="invalid_text", who="resident"),
    case("report-comment-nul", "post", "reports/", {**REPORT, "comment": f"Faux{NUL}"},
         field="comment", who="resident"),
    case("report-comment-too-long", "post", "reports/", {**REPORT, "comment": "x" * 2001},
         field="comment", who="resident"),
    case("report-comment-int", "post", "reports/", {**REPORT, "comment": 12},
         field="comment", code="invalid_type", who="resident"),
    case("triage-open", "post", "reports/{report}/triage/", {"status": "open"},
         field="status", code="invalid_choice"),
    case("triage-missing-status", "post", "reports/{report}/triage/", {"note": "Vu"},
         field="status", code="required"),
    case("triage-note-markup", "post", "reports/{report}/triage/",
         {"status": "dismissed", "note": "<b>non</b>"}, field="note", code="invalid_text"),
    case("triage-note-too-long", "post", "reports/{report}/triage/",
         {"status": "dismissed", "note": "x" * 2001}, field="note"),
    case("triage-resolution-note", "post", "reports/{report}/triage/",
         {"status": "dismissed", "resolution_note": "Vu"}, field="resolution_note",
         code="read_only_field"),
    case("triage-resolved-by", "post", "reports/{report}/triage/",
         {"status": "dismissed", "resolved_by": 1}, field="resolved_by", code="unknown_field"),
    case("reports-status-bogus", "get", "reports/", {"status": "closed"}, field="status"),
    case("reports-reason-empty", "get", "reports/", {"reason": ""}, field="reason"),
    case("reports-activity-text", "get", "reports/", {"activity": "first"}, field="activity"),
    case("reports-activity-zero", "get", "reports/", {"activity": "0"}, field="activity"),
    # --- collections ------------------------------------------------------------------------
    case("collection-unknown-territory", "post", "collections/",
         {**COLLECTION, "territory": "99999"}, field="territory"),
    case("collection-territory-int", "post", "collections/", {**COLLECTION, "territory": 44109},
         field="territory", code="invalid_type"),
    case("collection-title-missing", "post", "collections/", {"territory": NANTES},
         field="title", code="required"),
    case("collection-title-markup", "post", "collections/",
         {**COLLECTION, "title": "<i>Été</i>"}, field="title", code="invalid_text"),
    case("collection-title-too-long", "post", "collections/", {**COLLECTION, "title": "x" * 121},
         field="title"),
    case("collection-title-blank-looking", "post", "collections/",
         {**COLLECTION, "title": "\u3164\u3164"}, field="title"),
    case("collection-description-nul", "post", "collections/",
         {**COLLECTION, "description": f"Texte{NUL}"}, field="description"),
    case("collection-status-bogus", "post", "collections/", {**COLLECTION, "status": "live"},
         field="status", code="invalid_choice"),
    case("collection-slug", "post", "collections/", {**COLLECTION, "slug": "ete"},
         field="slug", code="read_only_field"),
    case("collection-moved", "patch", "collections/ete-seniors/", {"territory": "44143"},
         field="territory", code="read_only_field"),
    case("collection-items-count", "patch", "collections/ete-seniors/", {"items_count": 3},
         field="items_count", code="read_only_field"),
    case("collection-status-bool", "patch", "collections/ete-seniors/", {"status": True},
         field="status", code="invalid_type"),
    case("collection-unknown-field", "patch", "collections/ete-seniors/", {"position": 1},
         field="position", code="unknown_field"),
    case("items-missing", "put", ITEMS, {}, field="items", code="required"),
    case("items-not-a-list", "put", ITEMS, {"items": {"activity": "{activity}"}},
         field="items", code="invalid_type"),
    case("items-activity-text", "put", ITEMS, {"items": [{"activity": "{activity_text}"}]},
         field="items.0.activity", code="invalid_type"),
    case("items-activity-missing", "put", ITEMS, {"items": [{"note": "Bien"}]},
         field="items.0.activity", code="required"),
    case("items-unknown-field", "put", ITEMS,
         {"items": [{"activity": "{activity}", "rank": 1}]}, field="items.0.rank",
         code="unknown_field"),
    case("items-note-markup", "put", ITEMS,
         {"items": [{"activity": "{activity}", "note": "<a href=x>ici</a>"}]},
         field="items.0.note", code="invalid_text"),
    case("items-note-too-long", "put", ITEMS,
         {"items": [{"activity": "{activity}", "note": "x" * 301}]}, field="items.0.note"),
    case("items-twice", "put", ITEMS,
         {"items": [{"activity": "{activity}"}, {"activity": "{activity}"}]},
         field="items.1.activity"),
    case("items-another-commune", "put", ITEMS, {"items": [{"activity": "{reze_activity}"}]},
         field="items.0.activity"),
    case("items-not-published", "put", ITEMS, {"items": [{"activity": "{pending}"}]},
         field="items.0.activity"),
    case("items-too-many", "put", ITEMS, {"items": [{"activity": n} for n in range(1, 102)]},
         field="items"),
    case("collections-empty-territory", "get", "collections/", {"territory": ""},
         field="territory", who="anonymous"),
    # --- the search's collection ------------------------------------------------------------
    case("search-collection-unknown", "get", "activities/", {"collection": "inconnue"},
         field="collection", who="anonymous"),
    case("search-collection-draft", "get", "activities/", {"collection": "brouillon"},
         field="collection", who="anonymous"),
    case("search-collection-not-a-slug", "get", "activities/", {"collection": "été seniors"},
         field="collection", who="anonymous"),
    case("sessions-collection-empty", "get", "occurrences/", {"collection": ""},
         field="collection", who="anonymous"),
]  # fmt: skip


@pytest.fixture
def world() -> dict[str, Any]:
    activity = activity_in(NANTES)
    with_items(CollectionFactory(slug="ete-seniors"), activity)
    CollectionFactory(slug="brouillon", status="draft")
    resident = UserFactory()
    return {
        "curator": curator_of(NANTES),
        "resident": resident,
        "activity": activity.pk,
        "activity_text": str(activity.pk),
        "reze_activity": activity_in("44143").pk,
        "pending": activity_in(NANTES, status="pending").pk,
        "report": ReportFactory(activity=activity, reporter=resident).pk,
    }


def snapshot() -> dict[str, list[dict]]:
    models = (Report, Collection, CollectionItem, Activity)
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


@pytest.mark.parametrize(("method", "path", "body", "field", "code", "who"), CASES)
def test_bad_input_is_refused_in_the_error_shape_and_changes_nothing(
    world, api_client, method, path, body, field, code, who
):
    client = api_client if who == "anonymous" else client_for(world[who])
    path, body = fill(path, world), fill(body, world)
    before = snapshot()

    french = error_of(send(client, method, f"/api/v1/{path}", body, None), field)
    english = error_of(send(client, method, f"/api/v1/{path}", body, "en"), field)

    assert snapshot() == before
    if code is not None:
        assert french["code"] == english["code"] == code
    assert french["code"] == english["code"]
    assert set(french["fields"]) == set(english["fields"])
    assert french["fields"][field] != english["fields"][field]
    assert french["message"] != english["message"]
    with translation.override("fr"):
        assert gettext(english["message"]) == french["message"]


def test_the_table_covers_every_new_endpoint():
    covered = {(param.values[0], param.values[1]) for param in CASES}
    for endpoint in (
        ("post", "reports/"), ("get", "reports/"), ("post", "reports/{report}/triage/"),
        ("post", "collections/"), ("get", "collections/"), ("patch", "collections/ete-seniors/"),
        ("put", ITEMS), ("get", "activities/"), ("get", "occurrences/"),
    ):  # fmt: skip
        assert endpoint in covered, endpoint
