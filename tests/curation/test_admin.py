"""The curator tool (/curation/, curation/admin.py) through the Django test client.

Every view is read by a curator of the commune (allowed), a curator of another commune (the
object is not found, and an action on it changes nothing), a curator of the intercommunality
(allowed on its communes), a resident (refused) and an anonymous visitor (sent to sign in)."""

import datetime

import pytest
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import Q
from django.test import Client
from django.utils import timezone

from activities import choices
from activities.models import Activity, Organization, Territory
from curation.models import Collection, Indicator, IndicatorValue, Report
from tests.factories import DEFAULT_PASSWORD, ActivityFactory, OrganizationFactory, UserFactory
from tests.factories import editor_of as member_of

pytestmark = pytest.mark.django_db

NANTES, REZE, NANTES_METROPOLE, LOIRE_ATLANTIQUE = "44109", "44143", "244400404", "44"
Status = choices.ActivityStatus
BASE = "/curation"


# --- who -----------------------------------------------------------------------------------


def curator_of(*codes: str, name: str | None = None):
    """An editor of a municipality organization curating the territories of these codes."""
    organization = OrganizationFactory(kind=choices.OrganizationKind.MUNICIPALITY, name=name or "")
    organization.territories.set(Territory.objects.filter(insee_code__in=codes))
    return member_of(organization)


def signed_in(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def world():
    """Two communes of Nantes Métropole, each with an association, its pending activity, a
    report and a collection; the curators of each, of the intercommunality and a resident."""
    territories = {t.insee_code: t for t in Territory.objects.filter(insee_code__in=[NANTES, REZE])}
    things = {}
    for code, label in ((NANTES, "nantes"), (REZE, "reze")):
        territory = territories[code]
        activity = ActivityFactory(
            status=Status.PENDING,
            title=f"Atelier tricot {label}",
            territory=territory,
            place__territory=territory,
            organization__name=f"Association {label}",
        )
        report = Report.objects.create(activity=activity, reason="wrong_information")
        curating = OrganizationFactory(kind=choices.OrganizationKind.MUNICIPALITY)
        collection = Collection.objects.create(
            organization=curating, territory=territory, slug=f"ete-{label}", title=f"Été {label}"
        )
        things[label] = {
            "activity": activity,
            "organization": activity.organization,
            "report": report,
            "collection": collection,
            "territory": territory,
        }
    return {
        **things,
        "users": {
            "nantes": curator_of(NANTES),
            "reze": curator_of(REZE),
            "metropole": curator_of(NANTES_METROPOLE),
            "departement": curator_of(LOIRE_ATLANTIQUE),
            "staff": UserFactory(is_staff=True),
            "resident": UserFactory(),
            "anonymous": None,
        },
    }


# Who may read the objects of Nantes: its curator, the intercommunality's, the département's
# (and staff).
ALLOWED = ["nantes", "metropole", "departement", "staff"]
OUT_OF_SCOPE = ["reze"]


def url(obj, view: str = "change") -> str:
    opts = obj._meta
    base = f"{BASE}/{opts.app_label}/{opts.model_name}/"
    return base if view == "changelist" else f"{base}{obj.pk}/{view}/"


OBJECTS = ["activity", "organization", "report", "collection", "territory"]


# --- sign-in -------------------------------------------------------------------------------


def test_a_curator_signs_in_with_the_relier_account(world):
    client = Client()
    user = world["users"]["nantes"]
    response = client.post(
        f"{BASE}/login/?next={BASE}/", {"username": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == f"{BASE}/"
    assert client.get(f"{BASE}/").status_code == 200


def test_a_resident_cannot_sign_in(world):
    client = Client()
    resident = world["users"]["resident"]
    response = client.post(
        f"{BASE}/login/", {"username": resident.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200
    assert response.context["form"].has_error(NON_FIELD_ERRORS, "not_a_curator")
    assert "_auth_user_id" not in client.session


def test_the_main_admin_still_wants_staff(world):
    response = signed_in(world["users"]["nantes"]).get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


# --- reading -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", OBJECTS)
@pytest.mark.parametrize("who", ALLOWED)
def test_a_curator_of_the_commune_lists_and_opens_its_objects(world, who, kind):
    client = signed_in(world["users"][who])
    obj = world["nantes"][kind]
    listing = client.get(url(obj, "changelist"))
    assert listing.status_code == 200
    assert obj.pk in set(listing.context["cl"].queryset.values_list("pk", flat=True))
    assert client.get(url(obj)).status_code == 200


@pytest.mark.parametrize("kind", OBJECTS)
def test_a_curator_of_another_commune_neither_lists_nor_opens_them(world, kind):
    client = signed_in(world["users"]["reze"])
    obj = world["nantes"][kind]
    listing = client.get(url(obj, "changelist"))
    assert listing.status_code == 200
    assert obj.pk not in set(listing.context["cl"].queryset.values_list("pk", flat=True))
    assert client.get(url(obj)).status_code == 404


@pytest.mark.parametrize("kind", ["activity", "organization"])
def test_the_history_shows_the_audit_trail_in_scope_only(world, kind):
    obj = world["nantes"][kind]
    response = signed_in(world["users"]["nantes"]).get(url(obj, "history"))
    assert response.status_code == 200
    assert response.context["entries"], "the creation at least is in the trail"
    assert signed_in(world["users"]["reze"]).get(url(obj, "history")).status_code == 404


@pytest.mark.parametrize("kind", OBJECTS)
@pytest.mark.parametrize("view", ["changelist", "change"])
def test_a_resident_is_refused(world, kind, view):
    response = signed_in(world["users"]["resident"]).get(url(world["nantes"][kind], view))
    assert response.status_code == 403


@pytest.mark.parametrize("kind", OBJECTS)
@pytest.mark.parametrize("view", ["changelist", "change"])
def test_an_anonymous_visitor_is_sent_to_sign_in(world, kind, view):
    target = url(world["nantes"][kind], view)
    response = Client().get(target)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{BASE}/login/?next=")


@pytest.mark.parametrize("kind", ["activity", "organization"])
@pytest.mark.parametrize(("who", "status"), [("resident", 403), ("anonymous", 302)])
def test_the_history_is_refused_to_whoever_curates_nothing(world, kind, who, status):
    response = signed_in(world["users"][who]).get(url(world["nantes"][kind], "history"))
    assert response.status_code == status
    assert "entries" not in (response.context or {})


@pytest.mark.parametrize(
    ("who", "status"),
    [("nantes", 200), ("departement", 200), ("staff", 200), ("resident", 403), ("anonymous", 302)],
)
def test_the_index(world, who, status):
    response = signed_in(world["users"][who]).get(f"{BASE}/")
    assert response.status_code == status
    if status == 200:
        apps = response.context["app_list"]
        models = {model["object_name"] for app in apps for model in app["models"]}
        # The directory's, curation's, and the visiting teams of the territory (visiting/admin.py).
        assert models == {"Activity", "Organization", "Territory", "Report", "Collection", "Team"}
    if status == 403:
        assert "curation/admin/not_a_curator.html" in [t.name for t in response.templates]


def test_nothing_can_be_added_or_deleted(world):
    client = signed_in(world["users"]["nantes"])
    activity = world["nantes"]["activity"]
    assert client.get(f"{BASE}/activities/activity/add/").status_code == 403
    assert client.get(url(activity, "delete")).status_code == 403
    assert client.post(url(activity), {"status": Status.PUBLISHED}).status_code == 403
    activity.refresh_from_db()
    assert activity.status == Status.PENDING


# --- the queue's filters and search ---------------------------------------------------------


def listed(client, **query) -> set[str]:
    response = client.get(f"{BASE}/activities/activity/", query)
    assert response.status_code == 200
    return {activity.title for activity in response.context["cl"].result_list}


def test_the_queue_filters_by_status_category_organization_age_and_search(world):
    client = signed_in(world["users"]["metropole"])
    nantes, reze = world["nantes"]["activity"], world["reze"]["activity"]
    ActivityFactory(
        status=Status.PUBLISHED,
        title="Chorale publiée",
        territory=nantes.territory,
        organization=nantes.organization,
        categories=["chorale-chant"],
    )
    both = {nantes.title, reze.title}
    assert listed(client, status__exact=Status.PENDING) == both
    assert listed(client, category="loisirs-creatifs") == both
    assert listed(client, category="culture-arts") == {"Chorale publiée"}
    assert listed(client, organization__id__exact=reze.organization_id) == {reze.title}
    assert listed(client, q="association nantes") == {nantes.title, "Chorale publiée"}
    assert listed(client, q="tricot") == both
    # Rezé's activity was submitted ten days ago.
    ten_days_ago = timezone.now() - datetime.timedelta(days=10)
    Activity.objects.filter(pk=reze.pk).update(updated_at=ten_days_ago)
    Activity.history.filter(id=reze.pk).update(history_date=ten_days_ago)
    assert listed(client, waiting="lt2") == {nantes.title}
    assert listed(client, waiting="2to7") == set()
    assert listed(client, waiting="gt7") == {reze.title}
    # The queue reads oldest first.
    queue = signed_in(world["users"]["metropole"]).get(
        f"{BASE}/activities/activity/", {"status__exact": Status.PENDING}
    )
    assert [a.title for a in queue.context["cl"].result_list] == [reze.title, nantes.title]


# --- actions -------------------------------------------------------------------------------


def act(client, action: str, *objects, **data):
    model = type(objects[0])
    opts = model._meta
    return client.post(
        f"{BASE}/{opts.app_label}/{opts.model_name}/",
        {"action": action, "_selected_action": [o.pk for o in objects], **data},
        follow=True,
    )


def statuses(*activities) -> list[str]:
    return [Activity.objects.get(pk=a.pk).status for a in activities]


@pytest.mark.parametrize("who", ALLOWED)
def test_approving_publishes_through_the_state_machine(world, who):
    client = signed_in(world["users"][who])
    activity = world["nantes"]["activity"]
    response = act(client, "approve", activity)
    assert statuses(activity) == [Status.PUBLISHED]
    assert "1" in " ".join(str(m) for m in response.context["messages"])


def test_an_action_on_another_communes_activity_changes_nothing(world):
    client = signed_in(world["users"]["reze"])
    nantes = world["nantes"]["activity"]
    for action, extra in (
        ("approve", {}),
        ("reject", {"post": "yes", "reason": "Hors sujet"}),
        ("request_changes", {"post": "yes", "reason": "Précisez"}),
        ("archive", {"post": "yes", "reason": "Fermé"}),
    ):
        act(client, action, nantes, **extra)
        assert statuses(nantes) == [Status.PENDING]
    Activity.objects.filter(pk=nantes.pk).update(status=Status.PUBLISHED)
    act(client, "feature", nantes)
    assert not Activity.objects.get(pk=nantes.pk).featured


def test_a_bulk_approval_reports_each_refusal(world):
    client = signed_in(world["users"]["metropole"])
    nantes, reze = world["nantes"]["activity"], world["reze"]["activity"]
    Activity.objects.filter(pk=reze.pk).update(status=Status.ARCHIVED)
    response = act(client, "approve", nantes, reze)
    assert statuses(nantes, reze) == [Status.PUBLISHED, Status.ARCHIVED]
    texts = [str(m) for m in response.context["messages"]]
    assert any(reze.title in text for text in texts)


def test_rejecting_asks_a_reason_first(world):
    client = signed_in(world["users"]["nantes"])
    activity = world["nantes"]["activity"]
    page = act(client, "reject", activity)
    assert page.status_code == 200
    assert "curation/admin/action_form.html" in [t.name for t in page.templates]
    assert statuses(activity) == [Status.PENDING]
    empty = act(client, "reject", activity, post="yes", reason="  ")
    assert empty.context["form"].errors
    assert statuses(activity) == [Status.PENDING]
    act(client, "reject", activity, post="yes", reason="Le lieu n'existe plus.")
    assert statuses(activity) == [Status.REJECTED]
    history = client.get(url(activity, "history"))
    assert "Le lieu n&#x27;existe plus." in history.content.decode()


def test_requesting_changes_sends_the_activity_back_to_draft(world):
    client = signed_in(world["users"]["metropole"])
    activity = world["reze"]["activity"]
    act(client, "request_changes", activity, post="yes", reason="Ajoutez un horaire.")
    assert statuses(activity) == [Status.DRAFT]


def test_featuring_and_archiving(world):
    client = signed_in(world["users"]["departement"])
    activity = world["nantes"]["activity"]
    refused = act(client, "feature", activity)
    assert any("refus" in str(m) for m in refused.context["messages"])
    assert not Activity.objects.get(pk=activity.pk).featured
    act(client, "approve", activity)
    act(client, "feature", activity)
    assert Activity.objects.get(pk=activity.pk).featured
    act(client, "unfeature", activity)
    assert not Activity.objects.get(pk=activity.pk).featured
    act(client, "archive", activity, post="yes", reason="L'association a fermé.")
    assert statuses(activity) == [Status.ARCHIVED]


@pytest.mark.parametrize("who", ALLOWED)
def test_verifying_an_organization_in_scope(world, who):
    organization = world["nantes"]["organization"]
    client = signed_in(world["users"][who])
    act(client, "verify", organization)
    assert Organization.objects.get(pk=organization.pk).verified
    act(client, "unverify", organization)
    assert not Organization.objects.get(pk=organization.pk).verified


def test_verifying_another_communes_organization_changes_nothing(world):
    organization = world["nantes"]["organization"]
    act(signed_in(world["users"]["reze"]), "verify", organization)
    assert not Organization.objects.get(pk=organization.pk).verified


@pytest.mark.parametrize("who", ["resident", "anonymous"])
def test_actions_by_someone_who_curates_nothing_change_nothing(world, who):
    client = signed_in(world["users"][who])
    act(client, "approve", world["nantes"]["activity"])
    act(client, "verify", world["nantes"]["organization"])
    assert statuses(world["nantes"]["activity"]) == [Status.PENDING]
    assert not Organization.objects.get(pk=world["nantes"]["organization"].pk).verified


# --- the item page and the territory's coverage map ---------------------------------------


def test_the_item_page_has_the_moderation_buttons(world):
    activity = world["nantes"]["activity"]
    page = signed_in(world["users"]["nantes"]).get(url(activity)).content.decode()
    for action in ("approve", "reject", "request_changes", "archive", "feature", "unfeature"):
        assert f'name="moderate-{action}"' in page


def coverage_url(territory, **query) -> str:
    return f"{BASE}/activities/territory/{territory.pk}/coverage.png"


@pytest.mark.parametrize("who", ALLOWED)
def test_the_territory_page_shows_its_coverage_map(world, who):
    client = signed_in(world["users"][who])
    territory = world["nantes"]["territory"]
    page = client.get(url(territory))
    assert page.status_code == 200
    assert f'src="{coverage_url(territory)}"' in page.content.decode()
    image = client.get(coverage_url(territory))
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")
    by_category = client.get(coverage_url(territory), {"category": "loisirs-creatifs"})
    assert by_category.status_code == 200 and by_category.content.startswith(b"\x89PNG")


def test_a_map_for_an_unknown_category_or_indicator_is_refused(world):
    client = signed_in(world["users"]["nantes"])
    territory = world["nantes"]["territory"]
    for query in ({"category": "tricot-couture"}, {"category": "nope"}, {"indicator": "999"}):
        assert client.get(coverage_url(territory), query).status_code == 400


@pytest.mark.parametrize(("who", "status"), [("reze", 404), ("resident", 403), ("anonymous", 302)])
def test_another_communes_map_is_out_of_reach(world, who, status):
    response = signed_in(world["users"][who]).get(coverage_url(world["nantes"]["territory"]))
    assert response.status_code == status
    assert not response.get("Content-Type", "").startswith("image/")


def an_indicator(territory_code: str, by, title: str) -> Indicator:
    """An indicator uploaded for the territory, with a value for each of its communes."""
    territory = Territory.objects.get(insee_code=territory_code)
    indicator = Indicator.objects.create(
        organization=by.organizations.get(),
        territory=territory,
        slug="plus-de-75-ans-seuls",
        title=title,
    )
    communes = Territory.objects.filter(Q(pk=territory.pk) | Q(parent=territory))
    IndicatorValue.objects.bulk_create(
        IndicatorValue(indicator=indicator, territory=commune, value=0.1) for commune in communes
    )
    return indicator


def test_the_map_is_weighted_by_an_indicator_of_the_territory_or_above_in_scope(world):
    nantes = world["nantes"]["territory"]
    metropole = world["users"]["metropole"]
    above = an_indicator(NANTES_METROPOLE, by=metropole, title="Plus de 75 ans seuls (métropole)")
    elsewhere = an_indicator(REZE, by=world["users"]["reze"], title="Plus de 75 ans seuls (Rezé)")
    client = signed_in(metropole)
    page = client.get(url(nantes)).content.decode()
    assert above.title in page and elsewhere.title not in page
    weighted = client.get(coverage_url(nantes), {"indicator": above.pk})
    assert weighted.status_code == 200 and weighted.content.startswith(b"\x89PNG")
    assert client.get(coverage_url(nantes), {"indicator": elsewhere.pk}).status_code == 400
    # The commune's own curator does not curate the intercommunality: its indicator is not
    # theirs to use.
    nantes_client = signed_in(world["users"]["nantes"])
    assert nantes_client.get(coverage_url(nantes), {"indicator": above.pk}).status_code == 400


# --- reports -----------------------------------------------------------------------------


def report_status(report) -> str:
    return Report.objects.get(pk=report.pk).status


@pytest.mark.parametrize("who", ALLOWED)
def test_triaging_a_report_asks_a_note_then_closes_it(world, who):
    client = signed_in(world["users"][who])
    report = world["nantes"]["report"]
    page = act(client, "dismiss", report)
    assert "curation/admin/action_form.html" in [t.name for t in page.templates]
    assert report_status(report) == "open"
    act(client, "dismiss", report, post="yes", note="L'information est exacte.")
    closed = Report.objects.get(pk=report.pk)
    assert (closed.status, closed.resolution_note) == ("dismissed", "L'information est exacte.")
    again = act(client, "mark_acted_on", report, post="yes", note="")
    assert any("refus" in str(m) for m in again.context["messages"])
    assert report_status(report) == "dismissed"


def test_closing_a_report_as_acted_on(world):
    report = world["reze"]["report"]
    act(signed_in(world["users"]["metropole"]), "mark_acted_on", report, post="yes", note="")
    assert report_status(report) == "acted_on"


@pytest.mark.parametrize("who", ["reze", "resident", "anonymous"])
def test_triaging_another_communes_report_changes_nothing(world, who):
    report = world["nantes"]["report"]
    act(signed_in(world["users"][who]), "dismiss", report, post="yes", note="Non.")
    assert report_status(report) == "open"
