"""Impact reports: what they count, that no one without consent appears, that small cells
are suppressed, who may read which, and the CSV and PNG forms."""

import csv
import datetime
import io

import pytest
from django.utils import timezone, translation
from PIL import Image

from activities.models import Territory
from impact import reports, services
from impact.choices import Decision
from impact.stats import mean_change
from referrals import services as referral_services
from referrals.choices import ConsentMethod, ConsentScope
from tests.conftest import client_for
from tests.factories import OrganizationFactory, UserFactory, listed_activity
from tests.impact.conftest import (
    API,
    HOME,
    attend,
    consenting_resident,
    days_ago,
    person_of,
)

INTAKE = [7, 8, 9, 7, 8, 9]
LATER = [5, 6, 7, 5, 6, 8]


def answers(total: int) -> dict:
    """UCLA-3 answers adding up to `total` (3..9)."""
    first = min(3, total - 2)
    second = min(3, total - first - 1)
    return {"companionship": first, "left_out": second, "isolated": total - first - second}


def in_nantes(activity):
    activity.territory = Territory.objects.get(insee_code="44109")
    activity.save(update_fields=["territory"])
    return activity


@pytest.fixture
def scene(activity, association):
    """Twelve residents who agreed: six still coming every week since 100 days ago, six who
    came once then; the first six measured at intake and at 3 months."""
    in_nantes(activity)
    other = in_nantes(listed_activity(*HOME, organization=association, kind="peer_support"))
    stayed, left = [], []
    for index in range(6):
        resident = consenting_resident()
        for week in range(15):
            attend(resident, activity, at=days_ago(100 - 7 * week))
        services.measurement_record(
            by=resident, user=resident, instrument="ucla3", context="intake",
            answers=answers(INTAKE[index]),
        )  # fmt: skip
        services.measurement_record(
            by=resident, user=resident, instrument="ucla3", context="month_3",
            answers=answers(LATER[index]),
        )  # fmt: skip
        stayed.append(resident)
    for _ in range(6):
        resident = consenting_resident()
        attend(resident, other, at=days_ago(100))
        left.append(resident)
    return {"stayed": stayed, "left": left, "other": other}


def report_of(client, **query):
    response = client.get(f"{API}impact/report/", query)
    assert response.status_code == 200, response.content
    body = response.json()
    body.pop("generated_at")
    return body


def test_a_territorys_report_counts_retention_and_the_mean_change(scene, curator):
    body = report_of(client_for(curator), territory="44109")
    assert body["scope"] == {"kind": "territory", "key": "44109", "name": "Nantes"}
    curve = {point["weeks"]: point for point in body["retention"]["curve"]}
    assert curve[4] == {"weeks": 4, "people": 12, "still_attending": 6, "share": 0.5}
    assert curve[12]["still_attending"] == 6
    by_kind = body["retention"]["by_programme_kind"]["12"]
    assert by_kind["rows"] == ["club", "peer_support"]
    assert by_kind["cells"] == [[6, 0], [0, 6]]
    expected = mean_change(zip(INTAKE, LATER, strict=True))
    change = body["change"]["ucla3"]
    assert change["n"] == 6 and change["lower_is_better"] is True
    assert change["mean"] == pytest.approx(expected.mean, abs=1e-4)
    assert (change["low"], change["high"]) == (
        pytest.approx(expected.low, abs=1e-4),
        pytest.approx(expected.high, abs=1e-4),
    )
    assert change["low"] < -1.83 < change["high"] < 0
    assert body["change"]["life_satisfaction"] == {
        "n": 0, "mean": None, "low": None, "high": None, "lower_is_better": False,
    }  # fmt: skip


def test_a_resident_without_consent_never_appears(scene, curator, activity):
    client = client_for(curator)
    before = report_of(client, territory="44109")
    csv_before = client.get(f"{API}impact/report/csv/", {"territory": "44109"}).content
    for _ in range(6):  # came every week, never agreed
        silent = UserFactory()
        for week in range(15):
            attend(silent, activity, at=days_ago(100 - 7 * week))
    # One agreed, answered, came for months, then declined: gone from every report.
    gone = consenting_resident()
    for week in range(15):
        attend(gone, scene["other"], at=days_ago(100 - 7 * week))
    for context, total in (("intake", 9), ("month_3", 3)):
        services.measurement_record(
            by=gone, user=gone, instrument="ucla3", context=context, answers=answers(total)
        )
    services.measure_consent_decide(by=gone, decision=Decision.DECLINE)
    assert report_of(client, territory="44109") == before
    assert client.get(f"{API}impact/report/csv/", {"territory": "44109"}).content == csv_before
    # The same people, had they agreed, would have shown (the comparison can fail).
    services.measure_consent_decide(by=UserFactory(), decision=Decision.AGREE)
    late = consenting_resident()
    for week in range(15):
        attend(late, activity, at=days_ago(100 - 7 * week))
    assert report_of(client, territory="44109") != before


def test_a_cell_of_four_people_is_suppressed_and_what_would_give_it_away(curator, activity):
    in_nantes(activity)
    for index in range(9):
        resident = consenting_resident()
        attend(resident, activity, at=days_ago(100))
        if index < 4:  # four still come
            attend(resident, activity, at=days_ago(2))
    body = report_of(client_for(curator), territory="44109")
    table = body["retention"]["by_programme_kind"]["12"]
    assert table["cells"] == [[None, None]]  # 4 still, and 5 stopped (9 - 4 would tell)
    assert table["total"] == 9
    point = body["retention"]["curve"][2]
    assert point["still_attending"] is None and point["share"] is None


def test_referrals_by_stage_with_their_breakdowns(
    activity, association, receiver, referrer, social_service, curator
):
    in_nantes(activity)
    for stage in range(4):
        for _ in range(5):
            person = person_of(social_service, referrer)
            referral = referral_services.referral_create(
                person=person, by=referrer, activity=activity
            )
            if stage >= 1:
                referral_services.referral_transition(referral=referral, to="accepted", by=receiver)
            if stage == 2:
                referral_services.referral_transition(
                    referral=referral, to="in-progress", by=receiver
                )
            if stage == 3:
                referral_services.consent_record(
                    person=person, by=referrer, scope=ConsentScope.FOLLOW_UP,
                    method=ConsentMethod.ORAL,
                )  # fmt: skip
                person.user = UserFactory()
                person.save(update_fields=["user"])
                attend(person.user, activity, at=days_ago(100))
                attend(person.user, activity, at=days_ago(3))
    body = report_of(client_for(curator), territory="44109")
    referrals = body["referrals"]
    assert referrals["funnel"] == {
        "made": 20, "accepted": 15, "attended_once": 10, "still_at_3_months": 5,
    }  # fmt: skip
    assert referrals["by"]["referring_kind"]["rows"] == ["social_service"]
    assert referrals["by"]["programme_kind"]["cells"] == [[5, 5, 5, 5]]
    assert referrals["by"]["territory"]["rows"] == ["Nantes"]
    # The social service reads the referrals it made; the association those it received.
    for user, slug in ((referrer, social_service.slug), (receiver, association.slug)):
        assert report_of(client_for(user), organization=slug)["referrals"]["funnel"]["made"] == 20


def test_who_may_read_which_report(clients, association, social_service, db):
    other = OrganizationFactory()
    cases = [
        ("anonymous", {"territory": "44109"}, 401),
        ("resident", {"territory": "44109"}, 403),
        ("curator", {"territory": "44109"}, 200),
        ("curator", {"territory": "44184"}, 403),  # Saint-Nazaire: not theirs
        ("curator", {"territory": "99999"}, 404),
        ("curator", {}, 400),
        ("curator", {"territory": "44109", "organization": association.slug}, 400),
        ("receiver", {"organization": association.slug}, 200),
        ("receiver", {"organization": other.slug}, 403),
        ("receiver", {"territory": "44109"}, 403),
        ("referrer", {"organization": social_service.slug}, 200),
        ("other_referrer", {"organization": social_service.slug}, 403),
        ("resident", {"organization": "no-such-organization"}, 404),
    ]
    for role, query, expected in cases:
        for path in ("impact/report/", "impact/report/csv/"):
            response = clients[role].get(f"{API}{path}", query)
            assert response.status_code == expected, (role, query, path, response.content)
            if expected != 200:
                assert response.json()["error"]["code"]


def test_the_csv_has_one_line_per_figure_and_suppressed_ones_empty(scene, curator):
    response = client_for(curator).get(f"{API}impact/report/csv/", {"territory": "44109"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["part", "table", "row", "column", "value"]
    assert ["change", "intake_to_3_months", "ucla3", "n", "6"] in rows
    assert ["retention", "12_weeks", "club", "still_attending", "6"] in rows
    assert ["change", "intake_to_3_months", "anxiety", "mean", ""] in rows


@pytest.mark.parametrize("chart", ["funnel", "change", "retention"])
def test_each_chart_renders_a_png_with_a_title_axes_and_the_number_of_people(scene, curator, chart):
    response = client_for(curator).get(
        f"{API}impact/report/chart/", {"territory": "44109", "chart": chart}
    )
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    image.load()
    assert image.format == "PNG" and image.size == (800, 500)
    low, high = image.convert("L").getextrema()
    assert low < 100 < high  # something is drawn on the white
    scope = reports.report_scope(user=curator, territory="44109")
    with translation.override("en"):
        (axes,) = reports.chart_figure(reports.build(scope=scope), chart).axes
    assert "Nantes" in axes.get_title()
    assert axes.get_xlabel() and axes.get_ylabel()
    notes = [text.get_text() for text in axes.texts]
    assert notes and all(note.startswith("n = ") or note == "suppressed" for note in notes)
    assert any(note.startswith("n = ") and note != "n = None" for note in notes)


def test_a_chart_name_not_offered_is_refused(curator):
    response = client_for(curator).get(
        f"{API}impact/report/chart/", {"territory": "44109", "chart": "pie"}
    )
    assert response.status_code == 400
    assert "chart" in response.json()["error"]["fields"]


def test_people_are_counted_at_a_week_only_once_it_has_come(scene, curator):
    scope = reports.report_scope(user=curator, territory="44109")
    # 80 days ago, the first sessions (100 days ago) were 20 days old: no 4-week point yet.
    early = reports.build(scope=scope, now=timezone.now() - datetime.timedelta(days=80))
    assert [point["people"] for point in early.body["retention"]["curve"]] == [0, 0, 0]
